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

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/cmd.h"
#include "vu/diag.h"
#include "vu/opts.h"
#include "vu/size.h"
#include "vu/table.h"

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

/* --json goes through the table printer; these end the program when
 * memory runs out. */
static void table_ok(int r)
{
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

static struct vu_table *table_new(const struct vu_col *cols, int ncols, enum vu_table_json shape)
{
	struct vu_table *t = vu_table_new(cols, ncols);

	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	else	/* (else: cppcheck does not know vu_diex does not return) */
		vu_table_set_json(t, shape);
	return t;
}

/* A record: one row, printed as an object. */
static struct vu_table *record_new(const struct vu_col *cols, int ncols)
{
	struct vu_table *t = table_new(cols, ncols, VU_JSON_OBJECT);

	table_ok(vu_table_row(t));
	return t;
}

static void print_json(struct vu_table *t)
{
	table_ok(vu_table_print_json(t, stdout));
	vu_table_free(&t);
}

/* The QEMU processes counted, as a list of pids. */
static struct vu_table *pid_list(const struct ksm_procs *procs)
{
	static const struct vu_col pid[] = { { NULL, "pid", VU_COL_INT } };
	struct vu_table *t = table_new(pid, 1, VU_JSON_VALUES);

	for (size_t i = 0; i < procs->n; i++) {
		table_ok(vu_table_row(t));
		table_ok(vu_table_cell_int(t, 0, NULL, procs->v[i].pid));
	}
	return t;
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

/* Each write of a change: the knob, its values before and after (numbers
 * when they are), and whether it changed. */
static struct vu_table *write_list(const struct ksm_write *w, size_t n)
{
	static const struct vu_col cols[] = {
		{ NULL, "key", VU_COL_STR }, { NULL, "old", VU_COL_AUTO },
		{ NULL, "new", VU_COL_AUTO }, { NULL, "changed", VU_COL_BOOL },
	};
	struct vu_table *t = table_new(cols, ARRAY_SIZE(cols), VU_JSON_ROWS);

	for (size_t i = 0; i < n; i++) {
		table_ok(vu_table_row(t));
		table_ok(vu_table_cell(t, 0, w[i].name, 0));
		table_ok(vu_table_cell(t, 1, w[i].old, 0));
		table_ok(vu_table_cell(t, 2, w[i].value, 0));
		table_ok(vu_table_cell(t, 3, w[i].changed ? "yes" : "no", w[i].changed));
	}
	return t;
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

/* A pass for scripts: the decision, its inputs in bytes, each write. */
static struct vu_table *pass_record(const struct ksm_pass *p, bool dry_run)
{
	enum { ACTION, STEP, TOTAL, FREE, COMMITTED, THRESHOLD, PIDS, NPAGES, WRITES, DRY_RUN };
	static const struct vu_col cols[] = {
		[ACTION] = { NULL, "action", VU_COL_STR }, [STEP] = { NULL, "step", VU_COL_STR },
		[TOTAL] = { NULL, "total", VU_COL_INT }, [FREE] = { NULL, "free", VU_COL_INT },
		[COMMITTED] = { NULL, "committed", VU_COL_INT },
		[THRESHOLD] = { NULL, "threshold", VU_COL_INT },
		[PIDS] = { NULL, "qemu_pids", VU_COL_TABLE },
		[NPAGES] = { NULL, "pages_to_scan_before", VU_COL_INT },
		[WRITES] = { NULL, "writes", VU_COL_TABLE },
		[DRY_RUN] = { NULL, "dry_run", VU_COL_BOOL },
	};
	struct vu_table *t = record_new(cols, ARRAY_SIZE(cols));
	const char *step = p->d.step == KSM_STEP_NONE ? NULL :
			   p->d.step == KSM_STEP_BOOST ? "boost" : "decay";

	table_ok(vu_table_cell(t, ACTION, p->d.action == KSM_STOP ? "stop" : "start", 0));
	table_ok(vu_table_cell(t, STEP, step, 0));
	table_ok(vu_table_cell_int(t, TOTAL, NULL, p->in.total_kb * 1024));
	table_ok(vu_table_cell_int(t, FREE, NULL, p->in.free_kb * 1024));
	table_ok(vu_table_cell_int(t, COMMITTED, NULL, p->in.committed_kb * 1024));
	table_ok(vu_table_cell_int(t, THRESHOLD, NULL, p->d.thres_kb * 1024));
	table_ok(vu_table_cell_table(t, PIDS, NULL, pid_list(&p->procs)));
	table_ok(vu_table_cell_int(t, NPAGES, NULL, p->in.npages));
	table_ok(vu_table_cell_table(t, WRITES, NULL, write_list(p->w, p->nw)));
	table_ok(vu_table_cell(t, DRY_RUN, dry_run ? "yes" : "no", dry_run));
	return t;
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
		print_json(pass_record(&p, kt->dry_run));
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

/* The KSM files' values as a record of their own (cols are made here
 * and must outlive it); a file that cannot be read is reported and left
 * without a value. false if one could not be read. */
static bool read_files(const struct ksm_tune *kt, char **names, struct vu_col *cols, size_t n,
		       struct vu_table **out, struct ksm_status *st)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		cols[i] = (struct vu_col){ names[i], names[i], VU_COL_AUTO };
	*out = record_new(cols, (int)n);
	for (size_t i = 0; i < n; i++) {
		char buf[4096];
		int r = ksm_sysfs_read(kt->sysfs, names[i], buf, sizeof(buf));

		if (r < 0) {
			/* Report it, and still show the others. */
			vu_warnc(-r, "%s/%s", kt->sysfs, names[i]);
			ok = false;
			continue;
		}
		table_ok(vu_table_cell(*out, (int)i, buf, 0));
		if (!strcmp(names[i], "pages_shared"))
			st->have_shared = !ksm_sysfs_read_int(kt->sysfs, names[i], &st->pages_shared);
		else if (!strcmp(names[i], "pages_sharing"))
			st->have_sharing = !ksm_sysfs_read_int(kt->sysfs, names[i],
							       &st->pages_sharing);
	}
	return ok;
}

/* The status record: the KSM files, then the figures derived from them
 * and from the QEMU processes. The text shows sizes for people and leaves
 * out what only scripts want (the page size, the pids). */
static struct vu_table *status_record(struct vu_table *files, const struct ksm_status *st)
{
	enum { FILES, PAGE_SIZE, SAVED, RATIO, NPROCS, QEMU_MEMORY, PIDS };
	static const struct vu_col cols[] = {
		[FILES] = { "ksm", "ksm", VU_COL_TABLE },
		[PAGE_SIZE] = { NULL, "page_size", VU_COL_INT },
		[SAVED] = { "memory_saved", "memory_saved", VU_COL_INT },
		[RATIO] = { "sharing_ratio", "sharing_ratio", VU_COL_REAL },
		[NPROCS] = { "qemu_processes", "qemu_processes", VU_COL_INT },
		[QEMU_MEMORY] = { "qemu_memory", "qemu_memory", VU_COL_INT },
		[PIDS] = { NULL, "qemu_pids", VU_COL_TABLE },
	};
	struct vu_table *t = record_new(cols, ARRAY_SIZE(cols));
	int64_t saved = st->pages_sharing * st->page_size;
	int64_t qemu = st->procs.rss_kb * 1024;
	char text[32];

	table_ok(vu_table_cell_table(t, FILES, NULL, files));
	table_ok(vu_table_cell_int(t, PAGE_SIZE, NULL, st->page_size));
	if (st->have_sharing)
		table_ok(vu_table_cell_int(t, SAVED, vu_size_human((uint64_t)saved, text,
								  sizeof(text)), saved));
	else
		table_ok(vu_table_null(t, SAVED, "-"));
	if (st->have_shared && st->have_sharing && st->pages_shared > 0) {
		double ratio = (double)st->pages_sharing / (double)st->pages_shared;

		snprintf(text, sizeof(text), "%.2f", ratio);
		table_ok(vu_table_cell_real(t, RATIO, text, ratio));
	} else {
		table_ok(vu_table_null(t, RATIO, "-"));
	}
	snprintf(text, sizeof(text), "%zu", st->procs.n);
	table_ok(vu_table_cell_int(t, NPROCS, text, (int64_t)st->procs.n));
	table_ok(vu_table_cell_int(t, QEMU_MEMORY, vu_size_human((uint64_t)qemu, text,
								sizeof(text)), qemu));
	table_ok(vu_table_cell_table(t, PIDS, NULL, pid_list(&st->procs)));
	return t;
}

static int cmd_status(void *ctx, int argc, char **argv)
{
	struct ksm_tune *kt = ctx;
	struct ksm_status st = { .page_size = sysconf(_SC_PAGESIZE) };
	struct vu_table *files, *t;
	struct vu_col *cols;
	char **names = NULL;
	struct vu_err e;
	size_t n;
	bool ok;
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
	if (!(cols = calloc(n ? n : 1, sizeof(*cols))))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	ok = read_files(kt, names, cols, n, &files, &st);
	t = status_record(files, &st);
	if (kt->json)
		table_ok(vu_table_print_json(t, stdout));
	else
		vu_table_print_record(t, stdout);
	vu_table_free(&t);
	free(cols);
	ksm_sysfs_list_free(&names);
	ksm_procs_free(&st.procs);
	return ok ? VU_EXIT_OK : VU_EXIT_FAIL;
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
