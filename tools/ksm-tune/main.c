/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ksm-tune - tune Kernel Same-page Merging from memory pressure, as ksmtuned does */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/cmd.h"
#include "vu/diag.h"
#include "vu/opts.h"
#include "vu/size.h"

#include "ksm.h"

/* Options that belong to some commands only: a bit each. */
enum {
	OF_JSON = 1 << 0,
	OF_DRY_RUN = 1 << 1,
	OF_INTERVAL = 1 << 2,
	OF_PIDFILE = 1 << 3,
};

struct ksm_tune {
	const char *config;
	bool config_given;
	const char *sysfs;
	const char *proc;
	bool json;
	bool dry_run;
	bool quiet;
	bool verbose;
	int64_t interval_ms;
	const char *pidfile;
	unsigned given;			/* OF_* seen on the command line */
	struct ksm_conf conf;
};

static void conf_warn(const char *path, const char *msg)
{
	vu_warnx("%s: %s", path, msg);
}

static int load_conf(struct ksm_tune *kt)
{
	struct vu_err e;
	int r;

	ksm_conf_defaults(&kt->conf);
	r = ksm_conf_load(&kt->conf, kt->config, !kt->config_given, conf_warn, &e);
	if (r < 0)
		vu_warnx("%s: %s", kt->config, vu_err_str(&e));
	return r;
}

/* A missing KSM directory means a kernel built without CONFIG_KSM. */
static int check_sysfs(const struct ksm_tune *kt)
{
	if (access(kt->sysfs, F_OK) == 0)
		return 0;
	if (errno == ENOENT)
		vu_warnx("%s: not found: this kernel has no KSM (CONFIG_KSM)", kt->sysfs);
	else
		vu_warn("%s", kt->sysfs);
	return -1;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* A sysfs value as JSON: a number when it is one, else the text. */
static json_object *json_value(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s && !*end && !errno)
		return json_object_new_int64(v);
	return json_object_new_string(s);
}

/* "name: old -> new" for each knob of a change, or "(unchanged)". */
static void print_writes(const struct ksm_write *w, size_t n, bool dry_run)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].changed)
			printf("%s: %s -> %s%s\n", w[i].name, w[i].old, w[i].value,
			       dry_run ? " (dry run)" : "");
		else
			printf("%s: %s (unchanged)\n", w[i].name, w[i].value);
	}
}

static json_object *json_writes(const struct ksm_write *w, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "key", json_object_new_string(w[i].name));
		json_object_object_add(o, "old", json_value(w[i].old));
		json_object_object_add(o, "new", json_value(w[i].value));
		json_object_object_add(o, "changed", json_object_new_boolean(w[i].changed));
		json_object_array_add(a, o);
	}
	return a;
}

/* The lines that say why: the figures ksmtuned compares, and the outcome. */
static void print_reason(const struct ksm_pass *p, const struct ksm_conf *c)
{
	const struct ksm_input *in = &p->in;
	const struct ksm_decision *d = &p->d;
	int64_t load = in->committed_kb + d->thres_kb;

	if (d->action == KSM_STOP) {
		printf("stop: committed %" PRId64 " kB + threshold %" PRId64 " kB < total %"
		       PRId64 " kB and free %" PRId64 " kB > threshold\n",
		       in->committed_kb, d->thres_kb, in->total_kb, in->free_kb);
		return;
	}
	if (load >= in->total_kb)
		printf("start: committed %" PRId64 " kB + threshold %" PRId64 " kB >= total %"
		       PRId64 " kB\n", in->committed_kb, d->thres_kb, in->total_kb);
	else
		printf("start: free %" PRId64 " kB <= threshold %" PRId64 " kB\n",
		       in->free_kb, d->thres_kb);
	if (d->step == KSM_STEP_BOOST)
		printf("boost: free %" PRId64 " kB < threshold %" PRId64 " kB: %" PRId64
		       " %+" PRId64 " pages, within %" PRId64 "..%" PRId64 "\n", in->free_kb,
		       d->thres_kb, in->npages, c->npages_boost, c->npages_min, c->npages_max);
	else
		printf("decay: free %" PRId64 " kB >= threshold %" PRId64 " kB: %" PRId64
		       " %+" PRId64 " pages, within %" PRId64 "..%" PRId64 "\n", in->free_kb,
		       d->thres_kb, in->npages, c->npages_decay, c->npages_min, c->npages_max);
}

static void print_processes(const struct ksm_procs *procs)
{
	for (size_t i = 0; i < procs->n; i++)
		vu_warnx("counted pid %d (%s): %" PRId64 " kB", procs->v[i].pid,
			 procs->v[i].comm, procs->v[i].rss_kb);
}

static void report_pass(const struct ksm_pass *p, const struct ksm_conf *c, bool dry_run)
{
	print_reason(p, c);
	print_writes(p->w, p->nw, dry_run);
	fflush(stdout);
}

static json_object *json_pass(const struct ksm_pass *p, bool dry_run)
{
	json_object *o = json_object_new_object();
	json_object *pids = json_object_new_array();

	for (size_t i = 0; i < p->procs.n; i++)
		json_object_array_add(pids, json_object_new_int(p->procs.v[i].pid));
	json_object_object_add(o, "action", json_object_new_string(
		p->d.action == KSM_STOP ? "stop" : "start"));
	json_object_object_add(o, "step", p->d.step == KSM_STEP_NONE ? NULL :
			       json_object_new_string(p->d.step == KSM_STEP_BOOST ?
						      "boost" : "decay"));
	json_object_object_add(o, "total", json_object_new_int64(p->in.total_kb * 1024));
	json_object_object_add(o, "free", json_object_new_int64(p->in.free_kb * 1024));
	json_object_object_add(o, "committed",
			       json_object_new_int64(p->in.committed_kb * 1024));
	json_object_object_add(o, "threshold", json_object_new_int64(p->d.thres_kb * 1024));
	json_object_object_add(o, "qemu_pids", pids);
	json_object_object_add(o, "pages_to_scan_before", json_object_new_int64(p->in.npages));
	json_object_object_add(o, "writes", json_writes(p->w, p->nw));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	return o;
}

static int cmd_once(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;
	struct ksm_pass p;
	struct ksm_log log;
	struct vu_err e;
	int64_t npages;
	char obj[4096];
	int r;

	(void)argc;
	(void)argv;
	if (load_conf(kt) < 0 || check_sysfs(kt) < 0)
		return VU_EXIT_FAIL;
	/* Between cron runs the kernel's value is the only memory there is. */
	r = ksm_sysfs_read_int(kt->sysfs, "pages_to_scan", &npages);
	if (r < 0) {
		snprintf(obj, sizeof(obj), "%s/pages_to_scan", kt->sysfs);
		vu_warnx("%s: %s", obj, r == -EINVAL ? "not a number" : strerror(-r));
		return VU_EXIT_FAIL;
	}
	r = ksm_log_open(&log, &kt->conf);
	if (r < 0) {
		vu_warnc(-r, "%s", kt->conf.logfile);
		return VU_EXIT_FAIL;
	}
	r = ksm_pass_run(kt->sysfs, kt->proc, &kt->conf, npages, kt->dry_run, &p, &e);
	if (r < 0) {
		vu_warnx("%s: %s", p.obj, vu_err_str(&e));
		ksm_log_close(&log);
		return VU_EXIT_FAIL;
	}
	/* Each cron run logs what a starting ksmtuned and its adjust log. */
	if (!kt->dry_run) {
		ksm_log_figures(&log, &kt->conf, p.in.total_kb);
		ksm_log_decision(&log, &p.in, &p.d);
	}
	ksm_log_close(&log);
	if (kt->verbose)
		print_processes(&p.procs);
	if (kt->json)
		print_json(json_pass(&p, kt->dry_run));
	else if (!kt->quiet)
		report_pass(&p, &kt->conf, kt->dry_run);
	ksm_pass_free(&p);
	return VU_EXIT_OK;
}

static void run_report(const struct ksm_pass *p, const struct ksm_conf *c, void *arg)
{
	(void)arg;
	report_pass(p, c, false);
}

static int cmd_run(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;
	struct ksm_loop l = {
		.config = kt->config,
		.config_required = kt->config_given,
		.sysfs = kt->sysfs,
		.proc = kt->proc,
		.interval_ms = kt->interval_ms,
		.pidfile = kt->pidfile,
		.conf_warn = conf_warn,
		/* A service is silent unless asked: DEBUG for the log, -v here. */
		.report = kt->verbose ? run_report : NULL,
	};

	(void)argc;
	(void)argv;
	if (load_conf(kt) < 0)
		return VU_EXIT_FAIL;
	l.conf = kt->conf;
	return ksm_loop_run(&l);
}

/* Figures derived from the KSM files and the QEMU processes. */
struct ksm_status {
	int64_t pages_shared, pages_sharing;
	bool have_shared, have_sharing;
	long page_size;
	struct ksm_procs procs;
};

static void status_text(char **names, char **values, const struct ksm_status *st)
{
	char saved[32], qemu[32], ratio[32] = "-";
	int width = (int)strlen("qemu_processes");

	for (size_t i = 0; names[i]; i++)
		if ((int)strlen(names[i]) > width)
			width = (int)strlen(names[i]);
	for (size_t i = 0; names[i]; i++)
		if (values[i])
			printf("%-*s  %s\n", width, names[i], values[i]);
	vu_size_human(st->have_sharing ? (uint64_t)st->pages_sharing * (uint64_t)st->page_size : 0,
		      saved, sizeof(saved));
	vu_size_human((uint64_t)st->procs.rss_kb * 1024, qemu, sizeof(qemu));
	if (st->have_shared && st->have_sharing && st->pages_shared > 0)
		snprintf(ratio, sizeof(ratio), "%.2f",
			 (double)st->pages_sharing / (double)st->pages_shared);
	printf("%-*s  %s\n", width, "memory_saved", st->have_sharing ? saved : "-");
	printf("%-*s  %s\n", width, "sharing_ratio", ratio);
	printf("%-*s  %zu\n", width, "qemu_processes", st->procs.n);
	printf("%-*s  %s\n", width, "qemu_memory", qemu);
}

static void status_json(char **names, char **values, const struct ksm_status *st)
{
	json_object *o = json_object_new_object();
	json_object *files = json_object_new_object();
	json_object *pids = json_object_new_array();

	for (size_t i = 0; names[i]; i++)
		json_object_object_add(files, names[i],
				       values[i] ? json_value(values[i]) : NULL);
	for (size_t i = 0; i < st->procs.n; i++)
		json_object_array_add(pids, json_object_new_int(st->procs.v[i].pid));
	json_object_object_add(o, "ksm", files);
	json_object_object_add(o, "page_size", json_object_new_int64(st->page_size));
	json_object_object_add(o, "memory_saved", st->have_sharing ?
			       json_object_new_int64(st->pages_sharing * st->page_size) : NULL);
	json_object_object_add(o, "sharing_ratio",
			       st->have_shared && st->have_sharing && st->pages_shared > 0 ?
			       json_object_new_double((double)st->pages_sharing /
						      (double)st->pages_shared) : NULL);
	json_object_object_add(o, "qemu_processes", json_object_new_int64((int64_t)st->procs.n));
	json_object_object_add(o, "qemu_memory", json_object_new_int64(st->procs.rss_kb * 1024));
	json_object_object_add(o, "qemu_pids", pids);
	print_json(o);
}

static int cmd_status(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;
	struct ksm_status st = { .page_size = sysconf(_SC_PAGESIZE) };
	char **names = NULL, **values;
	int status = VU_EXIT_OK;
	struct vu_err e;
	size_t n;
	int r;

	(void)argc;
	(void)argv;
	if (check_sysfs(kt) < 0)
		return VU_EXIT_FAIL;
	r = ksm_sysfs_list(kt->sysfs, &names);
	if (r < 0) {
		vu_warnc(-r, "%s", kt->sysfs);
		return VU_EXIT_FAIL;
	}
	r = ksm_procs_scan(kt->proc, &st.procs, &e);
	if (r < 0) {
		vu_warnx("%s: %s", kt->proc, vu_err_str(&e));
		ksm_sysfs_list_free(&names);
		return VU_EXIT_FAIL;
	}
	for (n = 0; names[n]; n++)
		;
	values = calloc(n + 1, sizeof(*values));
	if (!values)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (size_t i = 0; i < n; i++) {
		char buf[4096];

		r = ksm_sysfs_read(kt->sysfs, names[i], buf, sizeof(buf));
		if (r < 0) {
			/* Report it, and still show the others. */
			vu_warnc(-r, "%s/%s", kt->sysfs, names[i]);
			status = VU_EXIT_FAIL;
			continue;
		}
		values[i] = strdup(buf);
		if (!values[i])
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		if (!strcmp(names[i], "pages_shared"))
			st.have_shared = !ksm_sysfs_read_int(kt->sysfs, names[i], &st.pages_shared);
		else if (!strcmp(names[i], "pages_sharing"))
			st.have_sharing = !ksm_sysfs_read_int(kt->sysfs, names[i],
							      &st.pages_sharing);
	}
	if (kt->json)
		status_json(names, values, &st);
	else
		status_text(names, values, &st);
	for (size_t i = 0; i < n; i++)
		free(values[i]);
	free(values);
	ksm_sysfs_list_free(&names);
	ksm_procs_free(&st.procs);
	return status;
}

/* Applies a change made of writes, printing it; the exit status. */
static int apply(struct ksm_tune *kt, struct ksm_write *w, size_t n)
{
	size_t failed = 0;
	bool writing;
	int r;

	r = ksm_sysfs_apply(kt->sysfs, w, n, kt->dry_run, &failed, &writing);
	if (r < 0) {
		if (writing)
			vu_warnx("%s/%s: cannot write %s: %s", kt->sysfs, w[failed].name,
				 w[failed].value, strerror(-r));
		else
			vu_warnx("%s/%s: cannot read: %s", kt->sysfs, w[failed].name,
				 strerror(-r));
		return VU_EXIT_FAIL;
	}
	if (!kt->quiet)
		print_writes(w, n, kt->dry_run);
	return VU_EXIT_OK;
}

static int set_run(struct ksm_tune *kt, int64_t run)
{
	struct ksm_write w = { .name = "run" };

	if (check_sysfs(kt) < 0)
		return VU_EXIT_FAIL;
	snprintf(w.value, sizeof(w.value), "%" PRId64, run);
	return apply(kt, &w, 1);
}

static int cmd_stop(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;

	(void)argc;
	(void)argv;
	return set_run(kt, 0);
}

static int cmd_unmerge(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;

	(void)argc;
	(void)argv;
	return set_run(kt, 2);
}

/* Parses "KEY=VALUE" into w, or ends with a usage error naming it. */
static void parse_assignment(const char *arg, struct ksm_write *w)
{
	size_t keylen = strcspn(arg, "=");
	const char *value = arg + keylen + 1;
	const struct ksm_knob *k;
	char key[64];
	int r;

	if (keylen == 0 || !arg[keylen])
		vu_die_usage(VU_EXIT_USAGE, "%s: not KEY=VALUE", arg);
	snprintf(key, sizeof(key), "%.*s", (int)keylen, arg);
	k = ksm_knob_find(key);
	if (!k)
		vu_die_usage(VU_EXIT_USAGE, "%s: %s", key, ksm_knob_readonly(key) ?
			     "read-only, the kernel's count" : "unknown key");
	r = ksm_knob_check(k, value);
	if (r < 0 && k->words)
		vu_die_usage(VU_EXIT_USAGE, "%s: '%s' is not none or scan-time", k->name, value);
	if (r == -ERANGE)
		vu_die_usage(VU_EXIT_USAGE, "%s: %s is out of range (%" PRId64 "..%" PRId64 ")",
			     k->name, value, k->min, k->max);
	if (r < 0)
		vu_die_usage(VU_EXIT_USAGE, "%s: '%s' is not an integer", k->name, value);
	memset(w, 0, sizeof(*w));
	w->name = k->name;
	/* Canonical form, so "0100" compares equal to the kernel's "100". */
	if (k->words)
		snprintf(w->value, sizeof(w->value), "%s", value);
	else
		snprintf(w->value, sizeof(w->value), "%lld", strtoll(value, NULL, 10));
}

/*
 * The kernel refuses to change merge_across_nodes while pages are merged,
 * so a change of it is preceded by run=2 (unmerge) and followed by the run
 * value asked for, or else the one before. run goes last in any case, so
 * that KSM starts with its new settings.
 */
static int cmd_set(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;
	struct ksm_write given[16], w[20];
	const struct ksm_write *run = NULL, *man = NULL;
	int64_t cur_run = 0, cur_man;
	size_t ng = (size_t)argc, n = 0;
	char path[4096];
	int r;

	if (ng > ARRAY_SIZE(given))
		vu_die_usage(VU_EXIT_USAGE, "too many KEY=VALUE arguments (at most %zu)", ARRAY_SIZE(given));
	for (size_t i = 0; i < ng; i++) {
		parse_assignment(argv[i], &given[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(given[j].name, given[i].name))
				vu_die_usage(VU_EXIT_USAGE, "%s: given twice", given[i].name);
		if (!strcmp(given[i].name, "run"))
			run = &given[i];
		else if (!strcmp(given[i].name, "merge_across_nodes"))
			man = &given[i];
	}
	if (check_sysfs(kt) < 0)
		return VU_EXIT_FAIL;
	for (size_t i = 0; i < ng; i++) {
		snprintf(path, sizeof(path), "%s/%s", kt->sysfs, given[i].name);
		if (access(path, F_OK) < 0) {
			if (errno == ENOENT)
				vu_warnx("%s: not supported by this kernel", path);
			else
				vu_warn("%s", path);
			return VU_EXIT_FAIL;
		}
	}
	if (man) {
		r = ksm_sysfs_read_int(kt->sysfs, "merge_across_nodes", &cur_man);
		if (!r)
			r = ksm_sysfs_read_int(kt->sysfs, "run", &cur_run);
		if (r < 0) {
			vu_warnx("%s: cannot read the current run and merge_across_nodes: %s",
				 kt->sysfs, r == -EINVAL ? "not a number" : strerror(-r));
			return VU_EXIT_FAIL;
		}
		if (strtoll(man->value, NULL, 10) != cur_man) {
			memset(&w[n], 0, sizeof(w[n]));
			w[n].name = "run";
			strcpy(w[n++].value, "2");
		} else {
			man = NULL;
		}
	}
	for (size_t i = 0; i < ng; i++)
		if (&given[i] != run)
			w[n++] = given[i];
	if (run) {
		w[n++] = *run;
	} else if (man) {
		memset(&w[n], 0, sizeof(w[n]));
		w[n].name = "run";
		snprintf(w[n++].value, sizeof(w[0].value), "%" PRId64, cur_run);
	}
	return apply(kt, w, n);
}

static const struct vu_cmd commands[] = {
	{ .name = "status", .run = cmd_status, .opts = OF_JSON,
	  .help = "the KSM files, memory saved and QEMU memory (the default)" },
	{ .name = "once", .run = cmd_once, .opts = OF_JSON | OF_DRY_RUN,
	  .help = "one tuning pass, as ksmtuned's adjust (for cron)" },
	{ .name = "run", .run = cmd_run, .opts = OF_INTERVAL | OF_PIDFILE,
	  .help = "tune every KSM_MONITOR_INTERVAL seconds, in the foreground" },
	{ .name = "set", .run = cmd_set, .opts = OF_DRY_RUN, .usage = "KEY=VALUE...",
	  .help = "write KSM knobs: run, pages_to_scan, sleep_millisecs,\n"
		  "                   merge_across_nodes, max_page_sharing, use_zero_pages, ...",
	  .min_args = 1, .max_args = VU_CMD_ANY },
	{ .name = "stop", .run = cmd_stop, .opts = OF_DRY_RUN,
	  .help = "stop KSM and keep the merged pages (run=0)" },
	{ .name = "unmerge", .run = cmd_unmerge, .opts = OF_DRY_RUN,
	  .help = "stop KSM and unmerge every page (run=2)" },
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %1$s [options] [status] [--json]\n"
	       " %1$s [options] once [--dry-run] [--json]\n"
	       " %1$s [options] run [--interval S] [--pidfile FILE]\n"
	       " %1$s [options] set [--dry-run] KEY=VALUE...\n"
	       " %1$s [options] stop|unmerge [--dry-run]\n",
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Tune Kernel Same-page Merging from memory pressure, as ksmtuned does.");
	fputs(VU_USAGE_COMMANDS, stdout);
	vu_cmd_print_list(stdout, commands, ARRAY_SIZE(commands), 16, true);
	fputs(VU_USAGE_OPTIONS, stdout);
	puts(" -c, --config FILE        ksmtuned.conf to read (default " KSM_DEFAULT_CONFIG ")\n"
	     "     --sysfs DIR          the KSM directory (default " KSM_DEFAULT_SYSFS ")\n"
	     "     --proc DIR           the proc tree (default " KSM_DEFAULT_PROC ")\n"
	     "     --json               status, once: print JSON, sizes in bytes\n"
	     " -n, --dry-run            once, set, stop, unmerge: say what would change,\n"
	     "                            write nothing\n"
	     " -i, --interval S         run: seconds between passes (default\n"
	     "                            KSM_MONITOR_INTERVAL)\n"
	     "     --pidfile FILE       run: keep the pid in FILE, locked while running");
	fputs(VU_USAGE_COMMON, stdout);
	fputs(VU_USAGE_MAN_TAIL("ksm-tune(1)"), stdout);
	exit(VU_EXIT_OK);
}

/* Seconds, possibly fractional ("0.5"), as milliseconds. */
static int64_t parse_interval_or_die(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0.001 || v > INT32_MAX)
		vu_die_usage(VU_EXIT_USAGE, "--interval: '%s' is not a number of seconds (0.001 or more)", s);
	return (int64_t)(v * 1000 + 0.5);
}

/* The command-only options given belong to cmd, and its operands fit. */
static void check_options(const struct ksm_tune *kt, const struct vu_cmd *cmd, int argc,
			  char **argv)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ OF_JSON, "--json" }, { OF_DRY_RUN, "--dry-run" },
		{ OF_INTERVAL, "--interval" }, { OF_PIDFILE, "--pidfile" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if ((kt->given & names[i].bit) && !(cmd->opts & names[i].bit))
			vu_die_usage(VU_EXIT_USAGE, "%s: not an option of '%s'", names[i].name,
				     cmd->name);
	vu_cmd_check_args(cmd, argc, argv, "KEY=VALUE expected", VU_EXIT_USAGE);
}

int main(int argc, char **argv)
{
	enum { OPT_SYSFS = CHAR_MAX + 1, OPT_PROC, OPT_JSON, OPT_PIDFILE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const vu_excl_t excl[] = {
		{ 'q', 'v' },
		{ 0 }
	};
	int excl_st[ARRAY_SIZE(excl)] = { 0 };
	struct ksm_tune kt = {
		.config = KSM_DEFAULT_CONFIG,
		.sysfs = KSM_DEFAULT_SYSFS,
		.proc = KSM_DEFAULT_PROC,
	};
	static const cap_value_t keep[] = { CAP_DAC_OVERRIDE };
	const struct vu_cmd *cmd;
	int c, r;

	atexit(vu_close_stdout_atexit);
	while ((c = getopt_long(argc, argv, "c:ni:qvhV", longopts, NULL)) != -1) {
		vu_excl_check(excl, excl_st, c, longopts, VU_EXIT_USAGE);
		switch (c) {
		case 'c':
			kt.config = optarg;
			kt.config_given = true;
			break;
		case OPT_SYSFS:
			kt.sysfs = optarg;
			break;
		case OPT_PROC:
			kt.proc = optarg;
			break;
		case OPT_JSON:
			kt.json = true;
			kt.given |= OF_JSON;
			break;
		case 'n':
			kt.dry_run = true;
			kt.given |= OF_DRY_RUN;
			break;
		case 'i':
			kt.interval_ms = parse_interval_or_die(optarg);
			kt.given |= OF_INTERVAL;
			break;
		case OPT_PIDFILE:
			kt.pidfile = optarg;
			kt.given |= OF_PIDFILE;
			break;
		case 'q':
			kt.quiet = true;
			break;
		case 'v':
			kt.verbose = true;
			break;
		case 'h':
			usage();
		case 'V':
			vu_print_version();
		default:
			vu_die_tryhelp(VU_EXIT_USAGE);
		}
	}
	/* No command is status. */
	cmd = vu_cmd_find_or_die(commands, ARRAY_SIZE(commands),
				 optind < argc ? argv[optind++] : "status", VU_EXIT_USAGE);
	check_options(&kt, cmd, argc - optind, argv + optind);

	/* Writing the KSM files is all ksm-tune does that needs a privilege. */
	r = vu_caps_keep(keep, (int)ARRAY_SIZE(keep));
	if (r < 0)
		vu_diec(VU_EXIT_FAIL, -r, "cannot drop capabilities");
	return cmd->run(&kt, argc - optind, argv + optind);
}
