/* SPDX-License-Identifier: GPL-2.0-or-later */
/* live.c - the sending side of a live migration (virsh migrate --live):
 * pre-flight, the destination prepared through the control channel, the
 * disks mirrored into its NBD exports, QEMU's migration watched to its
 * end; any failure leaves the source running as it was */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/image.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"
#include "vu/xmlnode.h"

#include "vm-migrate.h"

#define QMP_MS 30000
#define MAX_DISKS 64
#define POLL_MS 20

/* Set by SIGINT/SIGTERM (--cancel from another shell sends SIGTERM) and
 * SIGUSR1 (--downtime from another shell: read NAME.migdowntime). */
volatile sig_atomic_t vmg_cancelled;
static volatile sig_atomic_t downtime_asked;

static void on_cancel(int sig)
{
	(void)sig;
	vmg_cancelled = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	downtime_asked = 1;
}

struct src {
	const struct vu_state *st;
	const char *name;		/* here */
	const struct vmg_live_opts *o;
	struct vu_domain *dom;		/* as sent (with --dname, --xml) */
	struct vu_qmp *q;
	struct vmg_transport t;
	bool t_started, mirrors, migrating, stopped_by_us;
	bool postcopy;			/* post-copy began: the destination has the guest */
	unsigned nmirror;
	char host[256];			/* where the destination listens, for us */
	struct timespec t0;
	long long downtime;		/* QEMU's downtime-limit once read, else -1 */
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int qcmd(struct src *s, const char *cmd, json_object *args, json_object **ret,
		struct vu_err *e)
{
	return vu_qmp_cmd(s->q, cmd, args, ret, QMP_MS, e);
}

static int qjson(struct src *s, const char *cmd, const char *json, struct vu_err *e)
{
	json_object *args = json_tokener_parse(json);

	if (!args)
		return vu_err_set(e, EINVAL, "internal: bad JSON for %s", cmd);
	return qcmd(s, cmd, args, NULL, e);
}

/* The run directory's job file: our pid (for --cancel, --downtime) and
 * the last query-migrate (for --info). */
static char *job_path(const struct vu_state *st, const char *name, const char *ext)
{
	char *p;

	return asprintf(&p, "%s/qemu/%s.%s", st->run, name, ext) < 0 ? NULL : p;
}

static void job_write(struct src *s, json_object *info)
{
	char *path = job_path(s->st, s->name, "migjob"), *tmp = job_path(s->st, s->name, "migjob~");
	FILE *f;

	/* what --info shows beside query-migrate */
	if (info && s->downtime >= 0)
		json_object_object_add(info, "vmg-downtime-limit", json_object_new_int64(s->downtime));
	/* renamed into place: a reader never sees it half written */
	if (path && tmp && (f = fopen(tmp, "we"))) {
		fprintf(f, "%ld\n%s\n", (long)getpid(),
			info ? json_object_to_json_string_ext(info, JSON_C_TO_STRING_PLAIN) : "{}");
		if (fclose(f) == 0)
			rename(tmp, path);
	}
	free(tmp);
	free(path);
}

static void job_remove(struct src *s)
{
	char *path = job_path(s->st, s->name, "migjob");

	if (path)
		unlink(path);
	free(path);
}

/* ---- pre-flight ---- */

static struct vu_domain *running_xml(struct src *s, struct vu_err *e)
{
	struct vu_domain *d = NULL;

	if (vu_qemurun_live_xml(s->st, s->name, &d, e) < 0 &&
	    vu_domaindb_load(s->st, s->name, &d, e) < 0)
		return NULL;
	return d;
}

/* --xml describes the guest that runs (its name and UUID; the rest of
 * the ABI is QEMU's to refuse at the switch-over). */
static int same_guest(struct src *s, struct vu_err *e)
{
	struct vu_domain *run = running_xml(s, e);
	char u1[VU_UUID_STRLEN] = "", u2[VU_UUID_STRLEN] = "", *n = NULL;
	int r = 0;

	if (!run)
		return -ENOENT;
	vu_domain_get_uuid(run, u1);
	vu_domain_get_uuid(s->dom, u2);
	if (vu_domain_get_name(s->dom, &n) < 0 || !n || strcmp(n, s->name))
		r = vu_err_set(e, EINVAL, "--xml: the domain's name is not '%s' (use --dname "
			       "to rename it)", s->name);
	else if (strcmp(u1, u2))
		r = vu_err_set(e, EINVAL, "--xml: UUID %s is not the running domain's", u2);
	free(n);
	vu_domain_free(&run);
	return r;
}

static int load_xml(struct src *s, struct vu_err *e)
{
	int r;

	if (s->o->xml_file) {
		char *buf = NULL;
		size_t len;
		int fd = open(s->o->xml_file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return vu_err_set(e, errno, "%s: %s", s->o->xml_file, strerror(errno));
		r = vu_read_all(fd, VMG_MAX_XML, &buf, &len);
		close(fd);
		if (r < 0)
			return vu_err_set(e, -r, "%s: %s", s->o->xml_file, strerror(-r));
		r = vu_domain_parse(&s->dom, buf, len, e);
		free(buf);
		if (r == 0)
			r = same_guest(s, e);
	} else if (!(s->dom = running_xml(s, e)))
		r = -ENOENT;
	else
		r = 0;
	if (r < 0)
		return r;
	if (s->o->dname && vu_domain_set_name(s->dom, s->o->dname) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	return vu_domain_check(s->dom, e);
}

/* The bytes a copy of the image at path may take: its file's, and with
 * chain those of its backing files too (a full copy merges them). */
static uint64_t allocated(const char *path, bool chain)
{
	struct vu_image *img = NULL;
	struct vu_err e;
	struct stat sb;
	uint64_t sum = 0;
	char *p = strdup(path);

	for (int depth = 0; p && depth < 64; depth++) {
		const char *back;
		char *next = NULL;

		if (stat(p, &sb) == 0)
			sum += (uint64_t)sb.st_blocks * 512;
		if (!chain || vu_image_open(&img, p, NULL, VU_OPEN_NO_BACKING, &e) < 0)
			break;
		back = vu_image_backing_path(img);
		next = back ? strdup(back) : NULL;
		vu_image_close(&img);
		free(p);
		p = next;
	}
	free(p);
	return sum;
}

/* The disks to copy: file disks the guest writes, as "disk" lines. */
static int send_disks(struct src *s, struct vu_err *e)
{
	xmlNodePtr devs = vu_domain_find(s->dom, "devices");
	int r = 0;

	for (xmlNodePtr n = vu_node_child(devs, "disk"); r == 0 && n; n = vu_node_next(n, "disk")) {
		struct vu_disk d = { 0 };
		struct vu_image *img = NULL;

		if (vu_disk_get(n, &d) < 0 || !d.source || !d.target_dev || d.readonly ||
		    (d.device && strcmp(d.device, "disk")) || !d.type || strcmp(d.type, "file")) {
			vu_disk_clear(&d);
			continue;
		}
		r = vu_image_open(&img, d.source, d.driver_type, VU_OPEN_NO_BACKING, e);
		if (r == 0) {
			const char *back = s->o->copy == VMG_COPY_INC ? vu_image_backing_path(img)
								     : NULL;
			uint64_t alloc = allocated(d.source, s->o->copy == VMG_COPY_ALL);

			r = vmg_ctl_send(s->t.in, e, "disk %s %s %" PRIu64 " %" PRIu64 "%s%s",
					 d.target_dev, vu_image_format_name(img), vu_image_size(img),
					 alloc, back ? " " : "", back ? back : "");
		}
		vu_image_close(&img);
		vu_disk_clear(&d);
	}
	return r;
}

static int send_request(struct src *s, struct vu_err *e)
{
	const struct vmg_live_opts *o = s->o;
	char *xml = vu_domain_format(s->dom);
	int r;

	if (!xml)
		return vu_err_set(e, ENOMEM, NULL);
	r = vmg_ctl_send(s->t.in, e, VMG_CTL_HELLO);
	if (r == 0 && o->persistent)
		r = vmg_ctl_send(s->t.in, e, "persistent");
	if (r == 0 && o->suspend)
		r = vmg_ctl_send(s->t.in, e, "suspend");
	if (r == 0 && o->tunnelled)
		r = vmg_ctl_send(s->t.in, e, "tunnelled");
	if (r == 0 && o->listen)
		r = vmg_ctl_send(s->t.in, e, "listen %s", o->listen);
	if (r == 0 && o->migrateuri) {
		const char *c = strrchr(o->migrateuri, ':');

		r = vmg_ctl_send(s->t.in, e, "port %s", c + 1);
	}
	if (r == 0 && o->postcopy)
		r = vmg_ctl_send(s->t.in, e, "cap postcopy-ram");
	if (r == 0 && o->parallel)
		r = vmg_ctl_send(s->t.in, e, "cap multifd");
	if (r == 0 && o->parallel && o->parallel_conns)
		r = vmg_ctl_send(s->t.in, e, "multifd-channels %u", o->parallel_conns);
	if (r == 0 && o->compressed && o->comp_methods && strstr(o->comp_methods, "mt"))
		r = vmg_ctl_send(s->t.in, e, "cap compress");
	if (r == 0 && o->compressed && o->comp_methods && strstr(o->comp_methods, "zstd"))
		r = vmg_ctl_send(s->t.in, e, "multifd-compression zstd");
	if (r == 0 && o->copy != VMG_COPY_NONE) {
		r = vmg_ctl_send(s->t.in, e, "copy-storage %s",
				 o->copy == VMG_COPY_ALL ? "all" : "inc");
		if (r == 0)
			r = send_disks(s, e);
	}
	if (r == 0)
		r = vmg_ctl_send_blob(s->t.in, "xml", xml, strlen(xml), e);
	if (r == 0)
		r = vmg_ctl_send(s->t.in, e, "prepare");
	free(xml);
	return r;
}

/* What the destination says: "WORD ..." or "error MSG". */
static int expect(struct src *s, const char *word, char *line, size_t size, int timeout_ms,
		  struct vu_err *e)
{
	const char *a;
	int r = vmg_ctl_recv(s->t.out, line, size, timeout_ms, e);

	if (r < 0)
		return r == -EPIPE ? vu_err_set(e, EPIPE, "the destination went away") : r;
	if ((a = vmg_ctl_word(line, "error")))
		return vu_err_set(e, EIO, "destination: %s", a);
	if (!vmg_ctl_word(line, word))
		return vu_err_set(e, EPROTO, "control: expected '%s', got '%.40s'", word, line);
	return 0;
}

/* ---- the mirrors ---- */

static int start_mirrors(struct src *s, const char *nbd, struct vu_err *e)
{
	char nodes[MAX_DISKS][64], host[256], json[1024];
	const char *colon = strrchr(nbd, ':');
	unsigned n;
	int r;

	if (!colon || (size_t)(colon - nbd) >= sizeof(host))
		return vu_err_set(e, EPROTO, "control: bad NBD address '%.40s'", nbd);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - nbd), nbd);
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		snprintf(host, sizeof(host), "%s", s->host);
	if ((r = vmg_writable_nodes(s->q, nodes, MAX_DISKS, &n, e)) < 0)
		return r;
	s->mirrors = true;
	for (unsigned i = 0; r == 0 && i < n; i++) {
		snprintf(json, sizeof(json), "{\"driver\":\"nbd\",\"node-name\":\"vmg-tgt-%u\","
			 "\"server\":{\"type\":\"inet\",\"host\":\"%s\",\"port\":\"%s\"},"
			 "\"export\":\"vmg-%u\"}", i, host, colon + 1, i);
		r = qjson(s, "blockdev-add", json, e);
		if (r == 0) {
			snprintf(json, sizeof(json), "{\"job-id\":\"vmg-mirror-%u\",\"device\":\"%s\","
				 "\"target\":\"vmg-tgt-%u\",\"sync\":\"%s\"}", i, nodes[i], i,
				 s->o->copy == VMG_COPY_INC ? "top" : "full");
			r = qjson(s, "blockdev-mirror", json, e);
		}
		if (r == 0)
			s->nmirror = i + 1;
	}
	return r;
}

/* All mirrors ready (in sync, following the guest's writes). */
static int mirrors_ready(struct src *s, struct vu_err *e)
{
	while (!vmg_cancelled) {
		json_object *ret = NULL;
		unsigned ready = 0;
		int r = qcmd(s, "query-block-jobs", NULL, &ret, e);

		if (r < 0)
			return r;
		for (size_t i = 0; i < json_object_array_length(ret); i++) {
			json_object *j = json_object_array_get_idx(ret, i), *v;

			if (json_object_object_get_ex(j, "ready", &v) && json_object_get_boolean(v))
				ready++;
		}
		json_object_put(ret);
		if (ready >= s->nmirror)
			return 0;
		if (s->o->verbose)
			fprintf(stderr, "\rstorage: %u of %u disks in sync", ready, s->nmirror);
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
	return vu_err_set(e, ECANCELED, "migration cancelled");
}

/* Cancelling a ready mirror ends it with the target complete and no
 * pivot; cancelling one that is not ready just stops it. Both ways the
 * NBD nodes then go. */
static void stop_mirrors(struct src *s, bool force)
{
	struct vu_err e;
	char json[256];

	for (unsigned i = 0; i < s->nmirror; i++) {
		snprintf(json, sizeof(json), "{\"device\":\"vmg-mirror-%u\",\"force\":%s}", i,
			 force ? "true" : "false");
		qjson(s, "block-job-cancel", json, &e);
	}
	for (int k = 0; k < 100; k++) {
		json_object *ret = NULL;
		size_t n;

		if (qcmd(s, "query-block-jobs", NULL, &ret, &e) < 0)
			break;
		n = json_object_array_length(ret);
		json_object_put(ret);
		if (!n)
			break;
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	}
	for (unsigned i = 0; i < s->nmirror; i++) {
		snprintf(json, sizeof(json), "{\"node-name\":\"vmg-tgt-%u\"}", i);
		qjson(s, "blockdev-del", json, &e);
	}
	s->nmirror = 0;
}

/* ---- the migration ---- */

static int set_caps(struct src *s, struct vu_err *e)
{
	const struct vmg_live_opts *o = s->o;
	const char *cm = o->comp_methods ? o->comp_methods : "";
	json_object *caps = json_object_new_array(), *args = json_object_new_object();
	json_object *params = json_object_new_object();
	struct { const char *name; bool on; } c[] = {
		{ "events", true },
		{ "pause-before-switchover", true },
		{ "auto-converge", o->auto_converge },
		{ "postcopy-ram", o->postcopy },
		{ "multifd", o->parallel },
		{ "xbzrle", o->compressed && (!*cm || strstr(cm, "xbzrle")) },
		{ "compress", o->compressed && strstr(cm, "mt") },
	};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		json_object *one = json_object_new_object();

		json_object_object_add(one, "capability", json_object_new_string(c[i].name));
		json_object_object_add(one, "state", json_object_new_boolean(c[i].on));
		json_object_array_add(caps, one);
	}
	json_object_object_add(args, "capabilities", caps);
	if ((r = qcmd(s, "migrate-set-capabilities", args, NULL, e)) < 0) {
		json_object_put(params);
		return r;
	}
	/* libvirt's default is no limit; QEMU's own is 128 MiB/s */
	json_object_object_add(params, "max-bandwidth",
			       json_object_new_int64(o->bandwidth_mib ?
						     (int64_t)o->bandwidth_mib << 20 : INT64_MAX));
	if (o->downtime_ms >= 0)
		json_object_object_add(params, "downtime-limit",
				       json_object_new_int64(o->downtime_ms));
	if (o->parallel && o->parallel_conns)
		json_object_object_add(params, "multifd-channels",
				       json_object_new_int64(o->parallel_conns));
	if (o->compressed && strstr(cm, "zstd"))
		json_object_object_add(params, "multifd-compression",
				       json_object_new_string("zstd"));
	return qcmd(s, "migrate-set-parameters", params, NULL, e);
}

/* --tunnelled: QEMU writes the stream straight into the transport's
 * stdin, an fd handed over QMP, after the control lines; the destination
 * hands its stdin to its QEMU the same way. */
static int tunnel(struct src *s, char *uri, size_t len, struct vu_err *e)
{
	int r = vu_qmp_getfd(s->q, s->t.in, "vmgtunnel", QMP_MS, e);

	snprintf(uri, len, "fd:vmgtunnel");
	return r;
}

static void progress(struct src *s, json_object *info, const char *status)
{
	json_object *ram = NULL, *v;
	long long rem = 0, total = 0, rate = 0, iter = 0;

	if (!s->o->verbose)
		return;
	if (json_object_object_get_ex(info, "ram", &ram)) {
		if (json_object_object_get_ex(ram, "remaining", &v))
			rem = json_object_get_int64(v);
		if (json_object_object_get_ex(ram, "total", &v))
			total = json_object_get_int64(v);
		if (json_object_object_get_ex(ram, "dirty-pages-rate", &v))
			rate = json_object_get_int64(v);
		if (json_object_object_get_ex(ram, "dirty-sync-count", &v))
			iter = json_object_get_int64(v);
	}
	fprintf(stderr, "\rMigration: [%3lld %%] %s, %lld MiB remaining, %lld pages/s dirtied, "
		"iteration %lld   ", total ? 100 - rem * 100 / total : 0, status, rem >> 20, rate,
		iter);
}

/* The limit QEMU applies, as it says. */
static void read_downtime(struct src *s)
{
	json_object *ret = NULL, *v;
	struct vu_err e;

	if (qcmd(s, "query-migrate-parameters", NULL, &ret, &e) == 0 &&
	    json_object_object_get_ex(ret, "downtime-limit", &v))
		s->downtime = json_object_get_int64(v);
	json_object_put(ret);
}

static void apply_downtime(struct src *s)
{
	char *path = job_path(s->st, s->name, "migdowntime"), *buf = NULL;
	struct vu_err e;
	size_t len;
	int fd;

	downtime_asked = 0;
	fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	if (fd >= 0 && vu_read_all(fd, 64, &buf, &len) == 0) {
		char json[96];

		snprintf(json, sizeof(json), "{\"downtime-limit\":%ld}", strtol(buf, NULL, 10));
		if (qjson(s, "migrate-set-parameters", json, &e) == 0)
			read_downtime(s);
	}
	if (fd >= 0)
		close(fd);
	if (path)
		unlink(path);
	free(path);
	free(buf);
}

/* Watches query-migrate to the end: at pre-switchover the mirrors are
 * completed and QEMU let go on; --timeout acts once. */
static int watch(struct src *s, struct vu_err *e)
{
	bool timed_out = false;

	for (;;) {
		json_object *info = NULL, *v;
		const char *st;
		char line[VMG_CTL_LINE_MAX + 1];
		int r;

		if (vmg_cancelled)
			return vu_err_set(e, ECANCELED, "migration cancelled");
		if (downtime_asked)
			apply_downtime(s);
		if ((r = qcmd(s, "query-migrate", NULL, &info, e)) < 0)
			return r;
		st = json_object_object_get_ex(info, "status", &v) ? json_object_get_string(v) : "";
		job_write(s, info);
		progress(s, info, st);
		if (!strncmp(st, "postcopy", 8))
			s->postcopy = true;
		if (!strcmp(st, "completed")) {
			if (s->o->verbose && json_object_object_get_ex(info, "downtime", &v))
				fprintf(stderr, "\nMigration: completed in %.2f s, downtime %lld ms",
					since(&s->t0), (long long)json_object_get_int64(v));
			json_object_put(info);
			return 0;
		}
		if (!strcmp(st, "failed") || !strcmp(st, "cancelled")) {
			r = vu_err_set(e, EIO, "migration %s%s%s", st,
				       json_object_object_get_ex(info, "error-desc", &v) ? ": " : "",
				       v ? json_object_get_string(v) : "");
			json_object_put(info);
			return r;
		}
		json_object_put(info);
		if (!strcmp(st, "pre-switchover")) {
			stop_mirrors(s, false);
			if ((r = qjson(s, "migrate-continue", "{\"state\":\"pre-switchover\"}", e)) < 0)
				return r;
		}
		if (s->o->abort_on_error && (r = qcmd(s, "query-status", NULL, &info, e)) == 0) {
			bool ioerr = json_object_object_get_ex(info, "status", &v) &&
				     !strcmp(json_object_get_string(v), "io-error");

			json_object_put(info);
			if (ioerr)
				return vu_err_set(e, EIO, "I/O error in the guest (--abort-on-error)");
		}
		if (s->o->timeout_s && !timed_out && since(&s->t0) >= s->o->timeout_s) {
			timed_out = true;
			if (s->o->timeout_postcopy) {
				r = qcmd(s, "migrate-start-postcopy", NULL, NULL, e);
				s->postcopy = r == 0;
			}
			else if ((r = qcmd(s, "stop", NULL, NULL, e)) == 0)
				s->stopped_by_us = true;
			if (r < 0)
				return r;
			if (s->o->verbose)
				fprintf(stderr, "\n%s after %u s\n", s->o->timeout_postcopy ?
					"switching to post-copy" : "suspending the domain",
					s->o->timeout_s);
		}
		/* a destination that dies or gives up says so here */
		if (!s->o->tunnelled && vmg_fd_wait(s->t.out, POLL_MS) > 0) {
			if (expect(s, "ok", line, sizeof(line), 1000, e) < 0)
				return -EIO;
			return vu_err_set(e, EPROTO, "the destination answered too early");
		} else if (s->o->tunnelled)
			nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
}

/* Back to how it was: no migration, no mirror, the guest running. */
static void rollback(struct src *s)
{
	struct vu_err e;
	json_object *info = NULL, *v;

	if (!s->q)
		return;
	/* after the switch to post-copy the guest's state is split between
	 * the two sides: resuming the source would run a stale copy */
	if (s->postcopy) {
		vu_warnx("%s: post-copy failed: the domain stays paused here; recover it at "
			 "the destination or restart it", s->name);
		return;
	}
	if (s->migrating) {
		qcmd(s, "migrate_cancel", NULL, NULL, &e);
		for (int k = 0; k < 100; k++) {
			bool busy;

			if (qcmd(s, "query-migrate", NULL, &info, &e) < 0)
				break;
			busy = json_object_object_get_ex(info, "status", &v) &&
			       strcmp(json_object_get_string(v), "cancelled") &&
			       strcmp(json_object_get_string(v), "failed") &&
			       strcmp(json_object_get_string(v), "completed");
			json_object_put(info);
			if (!busy)
				break;
			nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
		}
	}
	if (s->mirrors)
		stop_mirrors(s, true);
	/* the guest runs again unless it was paused before we came */
	if (qcmd(s, "query-status", NULL, &info, &e) == 0) {
		const char *st = json_object_object_get_ex(info, "status", &v)
					 ? json_object_get_string(v) : "";

		if (s->stopped_by_us || !strcmp(st, "postmigrate") || !strcmp(st, "finish-migrate"))
			qcmd(s, "cont", NULL, NULL, &e);
		json_object_put(info);
	}
}

static int migrate(struct src *s, struct vu_err *e)
{
	char line[VMG_CTL_LINE_MAX + 1], uri[600];
	const char *a, *nbd;
	int r;

	if ((r = send_request(s, e)) < 0 ||
	    (r = expect(s, VMG_CTL_HELLO, line, sizeof(line), VMG_CTL_TIMEOUT_MS, e)) < 0 ||
	    (r = expect(s, "ready", line, sizeof(line), VMG_CTL_TIMEOUT_MS, e)) < 0)
		return r;
	a = vmg_ctl_word(line, "ready");
	nbd = strstr(a, " nbd ");
	if (nbd && s->o->copy != VMG_COPY_NONE && (r = start_mirrors(s, nbd + 5, e)) < 0)
		return r;
	if (s->nmirror && (r = mirrors_ready(s, e)) < 0)
		return r;
	if ((r = set_caps(s, e)) < 0)
		return r;
	if (s->o->tunnelled) {
		if ((r = tunnel(s, uri, sizeof(uri), e)) < 0)
			return r;
	} else {
		/* "tcp:HOST:PORT", HOST as the destination listens: ours to reach */
		const char *port = strrchr(a, ':');
		size_t hl = port && !strncmp(a, "tcp:", 4) ? (size_t)(port - a - 4) : 0;

		if (!hl)
			return vu_err_set(e, EPROTO, "control: bad migration address '%.40s'", a);
		if ((hl == 7 && !strncmp(a + 4, "0.0.0.0", 7)) || (hl == 2 && !strncmp(a + 4, "::", 2)))
			snprintf(uri, sizeof(uri), "tcp:%s:%.*s", s->host,
				 (int)strcspn(port + 1, " "), port + 1);
		else
			snprintf(uri, sizeof(uri), "%.*s", (int)strcspn(a, " "), a);
	}
	json_object *args = json_object_new_object();

	json_object_object_add(args, "uri", json_object_new_string(uri));
	/* without --live the guest stands still while its memory moves */
	if (!s->o->live && (r = qcmd(s, "stop", NULL, NULL, e)) < 0) {
		json_object_put(args);
		return r;
	}
	s->stopped_by_us = !s->o->live;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	if ((r = qcmd(s, "migrate", args, NULL, e)) < 0)
		return r;
	s->migrating = true;
	read_downtime(s);
	if ((r = watch(s, e)) < 0)
		return r;
	if (s->o->verbose)
		fputc('\n', stderr);
	if (s->o->tunnelled) {
		/* the stream is all in the channel: the destination reads to its end */
		close(s->t.in);
		s->t.in = -1;
	} else if ((r = vmg_ctl_send(s->t.in, e, "done")) < 0)
		return r;
	return expect(s, "ok", line, sizeof(line), VMG_CTL_TIMEOUT_MS, e);
}

/* Where the destination is for us: --migrateuri's host, the URI's, or
 * this machine (a --transport to a second state root). */
static void pick_host(struct src *s)
{
	const char *h = s->o->host;

	if (s->o->migrateuri && !strncmp(s->o->migrateuri, "tcp://", 6)) {
		const char *p = s->o->migrateuri + 6, *c = strrchr(p, ':');

		snprintf(s->host, sizeof(s->host), "%.*s", (int)(c ? c - p : (long)strlen(p)), p);
		return;
	}
	snprintf(s->host, sizeof(s->host), "%s", h ? h : "127.0.0.1");
}

int vmg_live_migrate(const struct vu_state *st, const char *name,
		     const struct vmg_live_opts *o, struct vu_err *e)
{
	struct src s = { .st = st, .name = name, .o = o, .downtime = -1 };
	struct sigaction sa = { .sa_handler = on_cancel }, su = { .sa_handler = on_usr1 };
	char *got = NULL;
	int r, running;

	vu_err_clear(e);
	if (o->copy != VMG_COPY_NONE && o->tunnelled)
		return vu_err_set(e, EOPNOTSUPP, "--tunnelled with --copy-storage-*: not supported "
				  "(the disks need the destination's NBD port)");
	if (o->postcopy && o->tunnelled)
		return vu_err_set(e, EOPNOTSUPP, "--postcopy needs a return path: not with "
				  "--tunnelled");
	if ((running = vmg_domain_running(st, name)) <= 0)
		return running < 0 ? vu_err_set(e, -running, "%s", strerror(-running))
				   : vu_err_set(e, EINVAL, "domain is not running (use --offline)");
	if ((r = load_xml(&s, e)) < 0 || (r = vu_qemurun_qmp(st, name, &s.q, e)) < 0)
		goto out;
	pick_host(&s);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &su, NULL);
	job_write(&s, NULL);
	if ((r = vmg_transport_start(&s.t, o->transport, e)) < 0)
		goto out;
	s.t_started = true;
	r = migrate(&s, e);
	if (r < 0)
		rollback(&s);
out:
	if (s.t_started) {
		struct vu_err te;
		/* closing the channel is how the destination learns we gave up */
		vmg_transport_finish(&s.t, r < 0 ? -1 : 0, &got, &te);
		free(got);
	}
	if (r == 0) {
		struct vu_err qe;

		vu_qmp_cmd(s.q, "quit", NULL, NULL, 5000, &qe);
		vu_qmp_close(&s.q);
		/* gone when we return: a migration back may follow at once */
		for (int k = 0; k < 500 && vmg_domain_running(st, name) == 1; k++)
			nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
		vu_qemurun_set_reason(st, name, "migrated");
	}
	vu_qmp_close(&s.q);
	job_remove(&s);
	vu_domain_free(&s.dom);
	if (r == 0 && o->undefinesource) {
		struct vu_domain *d = NULL;

		if (vu_domaindb_load(st, name, &d, e) == 0 &&
		    (r = vu_domaindb_undefine(st, name, e)) < 0)
			r = vu_err_set(e, -r, "migrated, but not undefined here: %s", vu_err_str(e));
		vu_domain_free(&d);
	}
	return r;
}

/* ---- from another shell ---- */

static pid_t job_pid(const struct vu_state *st, const char *name, json_object **info)
{
	char *path = job_path(st, name, "migjob"), *buf = NULL, *nl;
	size_t len;
	long pid = 0;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;

	if (fd >= 0 && vu_read_all(fd, 1 << 20, &buf, &len) == 0) {
		pid = strtol(buf, &nl, 10);
		if (info && *nl == '\n')
			*info = json_tokener_parse(nl + 1);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	free(buf);
	return pid > 0 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

int vmg_live_cancel(const struct vu_state *st, const char *name, struct vu_err *e)
{
	pid_t pid = job_pid(st, name, NULL);

	if (!pid)
		return vu_err_set(e, ESRCH, "no migration job is running");
	if (kill(pid, SIGTERM) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	return 0;
}

int vmg_live_setmaxdowntime(const struct vu_state *st, const char *name, long ms,
			    struct vu_err *e)
{
	pid_t pid = job_pid(st, name, NULL);
	char *path;
	int fd;

	if (!pid)
		return vu_err_set(e, ESRCH, "no migration job is running");
	if (!(path = job_path(st, name, "migdowntime")))
		return vu_err_set(e, ENOMEM, NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0 || dprintf(fd, "%ld\n", ms) < 0 || close(fd) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	return kill(pid, SIGUSR1) < 0 ? vu_err_set(e, errno, "%s", strerror(errno)) : 0;
}

/* virsh domjobinfo's lines from the last query-migrate. */
int vmg_live_info(const struct vu_state *st, const char *name, struct vu_err *e)
{
	json_object *info = NULL, *ram = NULL, *v;
	pid_t pid = job_pid(st, name, &info);

	(void)e;
	if (!pid) {
		json_object_put(info);
		printf("%-17s %s\n", "Job type:", "None");
		return 0;
	}
	printf("%-17s %s\n", "Job type:", "Unbounded");
	printf("%-17s %s\n", "Operation:", "Outgoing migration");
	if (json_object_object_get_ex(info, "status", &v))
		printf("%-17s %s\n", "Status:", json_object_get_string(v));
	if (json_object_object_get_ex(info, "total-time", &v))
		printf("%-17s %lld ms\n", "Time elapsed:", (long long)json_object_get_int64(v));
	if (json_object_object_get_ex(info, "ram", &ram)) {
		static const char *const k[][2] = {
			{ "transferred", "Memory processed:" }, { "remaining", "Memory remaining:" },
			{ "total", "Memory total:" },
		};

		for (size_t i = 0; i < ARRAY_SIZE(k); i++)
			if (json_object_object_get_ex(ram, k[i][0], &v))
				printf("%-17s %.3f MiB\n", k[i][1],
				       (double)json_object_get_int64(v) / 1048576.0);
		if (json_object_object_get_ex(ram, "mbps", &v))
			printf("%-17s %.3f MiB/s\n", "Memory bandwidth:",
			       json_object_get_double(v) / 8.0 / 1.048576);
		if (json_object_object_get_ex(ram, "dirty-pages-rate", &v))
			printf("%-17s %lld pages/s\n", "Dirty rate:",
			       (long long)json_object_get_int64(v));
		if (json_object_object_get_ex(ram, "dirty-sync-count", &v))
			printf("%-17s %lld\n", "Iteration:", (long long)json_object_get_int64(v));
	}
	if (json_object_object_get_ex(info, "vmg-downtime-limit", &v))
		printf("%-17s %lld ms\n", "Max downtime:", (long long)json_object_get_int64(v));
	if (json_object_object_get_ex(info, "expected-downtime", &v))
		printf("%-17s %lld ms\n", "Expected downtime:", (long long)json_object_get_int64(v));
	json_object_put(info);
	return 0;
}
