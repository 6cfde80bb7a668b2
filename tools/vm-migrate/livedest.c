/* SPDX-License-Identifier: GPL-2.0-or-later */
/* livedest.c - the receiving side of a live migration (vm-migrate
 * --receive, spoken to by live.c through the transport): pre-flight, the
 * QEMU waiting with -incoming defer, the NBD exports of the copies, and
 * either a running domain at the end or nothing at all */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/image.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"
#include "vu/xmlnode.h"

#include "vm-migrate.h"

#define QMP_MS 30000

struct recv {
	struct vu_storage *s;
	const char *pool;
	int in, out;
	struct vmg_request rq;
	struct vu_vol_new nv[VMG_MAX_DISKS];	/* the copies, by disk */
	char *name;
	unsigned nexports;
	struct vu_qmp *q;
	bool started, done;
};

static int parse_disk(struct vmg_request *q, const char *arg, struct vu_err *e)
{
	struct vmg_rdisk *d = &q->disks[q->ndisks];
	char back[4096] = "";
	int n;

	if (q->ndisks >= VMG_MAX_DISKS)
		return vu_err_set(e, E2BIG, "control: too many disks");
	memset(d, 0, sizeof(*d));
	n = sscanf(arg, "%31s %7s %" SCNu64 " %" SCNu64 " %4095s", d->target, d->format,
		   &d->size, &d->alloc, back);
	if (n < 4 || (strcmp(d->format, "raw") && strcmp(d->format, "qcow2")) ||
	    vu_name_check(d->target) < 0 || (n == 5 && back[0] != '/'))
		return vu_err_set(e, EPROTO, "control: bad disk line '%.60s'", arg);
	if (n == 5 && !(d->backing = strdup(back)))
		return vu_err_set(e, ENOMEM, NULL);
	q->ndisks++;
	return 0;
}

static bool cap_known(const char *c)
{
	static const char *const ok[] = { "postcopy-ram", "multifd", "compress", NULL };

	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(c, ok[i]))
			return true;
	return false;
}

/* A number of at most digits digits, from 1 to max. */
static bool small_num(const char *a, size_t digits, unsigned max)
{
	size_t n = strspn(a, "0123456789");

	return n && n <= digits && !a[n] && atoi(a) > 0 && (unsigned)atoi(a) <= max;
}

/* One line of the request; 1 on "prepare". */
static int request_line(int fd, struct vmg_request *q, const char *line, struct vu_err *e)
{
	const char *a;
	int rc;

	if (!strcmp(line, "prepare"))
		return q->dom ? 1 : vu_err_set(e, EPROTO, "control: no xml before prepare");
	if (!strcmp(line, "persistent"))
		q->persistent = true;
	else if (!strcmp(line, "suspend"))
		q->suspend = true;
	else if (!strcmp(line, "tunnelled"))
		q->tunnelled = true;
	else if ((a = vmg_ctl_word(line, "copy-storage")) && (!strcmp(a, "all") || !strcmp(a, "inc")))
		q->copy = !strcmp(a, "all") ? VMG_COPY_ALL : VMG_COPY_INC;
	else if ((a = vmg_ctl_word(line, "disk")))
		return parse_disk(q, a, e);
	else if ((a = vmg_ctl_word(line, "listen")) && *a && strlen(a) < sizeof(q->listen) &&
		 !strpbrk(a, " ,\"\\"))
		snprintf(q->listen, sizeof(q->listen), "%s", a);
	else if ((a = vmg_ctl_word(line, "port")) && small_num(a, 5, 65535))
		q->port = (unsigned)atoi(a);
	else if ((a = vmg_ctl_word(line, "cap")) && cap_known(a)) {
		if (q->ncaps >= ARRAY_SIZE(q->caps))
			return vu_err_set(e, E2BIG, "control: too many capabilities");
		snprintf(q->caps[q->ncaps++], sizeof(q->caps[0]), "%s", a);
	} else if ((a = vmg_ctl_word(line, "multifd-channels")) && small_num(a, 3, 255))
		q->channels = (unsigned)atoi(a);
	else if ((a = vmg_ctl_word(line, "multifd-compression")) && !strcmp(a, "zstd"))
		q->zstd = true;
	else if ((a = vmg_ctl_word(line, "xml"))) {
		char *xml = NULL;
		size_t len;

		if ((rc = vmg_ctl_read_blob(fd, a, &xml, &len, e)) < 0)
			return rc;
		vu_domain_free(&q->dom);
		rc = vu_domain_parse(&q->dom, xml, len, e);
		free(xml);
		return rc;
	} else
		return vu_err_set(e, EPROTO, "control: unknown request '%.40s'", line);
	return 0;
}

int vmg_request_read(int fd, struct vmg_request *q, int timeout_ms, struct vu_err *e)
{
	char line[VMG_CTL_LINE_MAX + 1];
	int rc;

	memset(q, 0, sizeof(*q));
	do {
		if ((rc = vmg_ctl_recv(fd, line, sizeof(line), timeout_ms, e)) < 0)
			return rc;
		rc = request_line(fd, q, line, e);
	} while (rc == 0);
	return rc < 0 ? rc : 0;
}

void vmg_request_free(struct vmg_request *q)
{
	for (unsigned i = 0; i < q->ndisks; i++)
		free(q->disks[i].backing);
	vu_domain_free(&q->dom);
	memset(q, 0, sizeof(*q));
}

/* A running domain here (defined or transient) with the same UUID. */
static int uuid_active(struct recv *r, struct vu_err *e)
{
	char want[VU_UUID_STRLEN], got[VU_UUID_STRLEN];
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (vu_domain_get_uuid(r->rq.dom, want) < 0 || vu_qemurun_list(&r->s->st, &names, &n) < 0)
		return 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct vu_domain *d = NULL;
		struct vu_err ign;

		if (vu_qemurun_live_xml(&r->s->st, names[i], &d, &ign) == 0 &&
		    vu_domain_get_uuid(d, got) == 0 && !strcmp(got, want))
			rc = vu_err_set(e, EEXIST, "UUID %s is used by running domain '%s'", want,
					names[i]);
		vu_domain_free(&d);
	}
	vu_domaindb_names_free(names);
	return rc;
}

/* The copies' allocated sizes fit in the pool. */
static int check_room(struct recv *r, struct vu_err *e)
{
	struct vu_pool *pool = NULL;
	struct vu_pool_info info;
	uint64_t need = 0;
	int rc = vu_pool_lookup(r->s, r->pool ? r->pool : "default", &pool, e);

	for (unsigned i = 0; i < r->rq.ndisks; i++)
		need += r->rq.disks[i].alloc;
	if (rc == 0 && (rc = vu_pool_info(r->s, pool, &info, e)) == 0 && info.available &&
	    need > info.available)
		rc = vu_err_set(e, ENOSPC, "pool '%s': %" PRIu64 " bytes free, the copies need %"
				PRIu64, r->pool ? r->pool : "default", info.available, need);
	if (pool)
		vu_pool_free(&pool);
	return rc;
}

/* Name and UUID free here, the XML what libvirt would take. */
static int preflight(struct recv *r, struct vu_err *e)
{
	int rc;

	if (vu_domain_get_name(r->rq.dom, &r->name) < 0 || !r->name || vu_name_check(r->name) < 0)
		return vu_err_set(e, EINVAL, "the domain has no valid name");
	if ((rc = vu_domain_check(r->rq.dom, e)) < 0)
		return rc;
	if ((rc = vmg_domain_running(&r->s->st, r->name)) != 0)
		return rc < 0 ? vu_err_set(e, -rc, "%s: %s", r->name, strerror(-rc))
			      : vu_err_set(e, EEXIST, "domain '%s' is already active here", r->name);
	if ((rc = uuid_active(r, e)) < 0)
		return rc;
	return vu_domaindb_check_unique(&r->s->st, r->rq.dom, r->name, e);
}

/* Shared storage: every disk's file is already here. */
static int check_shared(struct recv *r, struct vu_err *e)
{
	xmlNodePtr devs = vu_domain_find(r->rq.dom, "devices");

	for (xmlNodePtr n = vu_node_child(devs, "disk"); n; n = vu_node_next(n, "disk")) {
		struct vu_disk d = { 0 };
		int rc = 0;

		if (vu_disk_get(n, &d) == 0 && d.source && d.type &&
		    (!strcmp(d.type, "file") || !strcmp(d.type, "block")) &&
		    access(d.source, F_OK) < 0)
			rc = vu_err_set(e, ENOENT, "disk %s: %s: not here (without "
					"--copy-storage-all the storage must be shared)",
					d.target_dev ? d.target_dev : "?", d.source);
		vu_disk_clear(&d);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The copies' empty images, as new volumes of the pool, and the XML
 * pointed at them. */
static int make_copies(struct recv *r, struct vu_err *e)
{
	struct vu_pool *pool = NULL;
	int rc = vu_pool_lookup(r->s, r->pool ? r->pool : "default", &pool, e);

	for (unsigned i = 0; rc == 0 && i < r->rq.ndisks; i++) {
		struct vmg_rdisk *d = &r->rq.disks[i];
		struct vu_vol_new *nv = &r->nv[i];
		xmlNodePtr disk = vu_domain_find_disk(r->rq.dom, d->target);
		struct vu_disk dd = { 0 };
		struct vu_create_opts co = { .size = d->size };
		const char *base;

		if (!disk || vu_disk_get(disk, &dd) < 0 || !dd.source) {
			vu_disk_clear(&dd);
			rc = vu_err_set(e, EINVAL, "disk %s: not in the domain", d->target);
			break;
		}
		base = strrchr(dd.source, '/') ? strrchr(dd.source, '/') + 1 : dd.source;
		if (r->rq.copy == VMG_COPY_INC && d->backing) {
			if (access(d->backing, R_OK) < 0)
				rc = vu_err_set(e, ENOENT, "disk %s: backing file %s is not here "
						"(--copy-storage-inc)", d->target, d->backing);
			co.backing_file = d->backing;
		}
		if (rc == 0)
			rc = vu_vol_new_begin(r->s, pool, base, nv, e);
		if (rc == 0)
			rc = vu_image_create(nv->fd, dd.source, d->format, &co, e);
		if (rc == 0)
			rc = vu_vol_new_commit(r->s, nv, e);
		if (rc == 0 && ((rc = vu_disk_set_source(disk, "file", nv->path)) < 0 ||
				(rc = vu_node_set(disk, "driver", "type", d->format)) < 0))
			rc = vu_err_set(e, -rc, "disk %s: %s", d->target, strerror(-rc));
		vu_disk_clear(&dd);
	}
	if (pool)
		vu_pool_free(&pool);
	return rc;
}

static int qcmd(struct recv *r, const char *cmd, const char *json, json_object **ret,
		struct vu_err *e)
{
	json_object *args = json ? json_tokener_parse(json) : NULL;

	if (json && !args)
		return vu_err_set(e, EINVAL, "internal: bad JSON for %s", cmd);
	return vu_qmp_cmd(r->q, cmd, args, ret, QMP_MS, e);
}

static int set_caps(struct recv *r, struct vu_err *e)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "{\"capabilities\":["
			 "{\"capability\":\"events\",\"state\":true},"
			 "{\"capability\":\"late-block-activate\",\"state\":true}");

	for (unsigned i = 0; i < r->rq.ncaps; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      ",{\"capability\":\"%s\",\"state\":true}", r->rq.caps[i]);
	snprintf(buf + n, sizeof(buf) - (size_t)n, "]}");
	int rc = qcmd(r, "migrate-set-capabilities", buf, NULL, e);

	if (rc == 0 && r->rq.channels) {
		snprintf(buf, sizeof(buf), "{\"multifd-channels\":%u}", r->rq.channels);
		rc = qcmd(r, "migrate-set-parameters", buf, NULL, e);
	}
	if (rc == 0 && r->rq.zstd)
		rc = qcmd(r, "migrate-set-parameters", "{\"multifd-compression\":\"zstd\"}", NULL, e);
	return rc;
}

/* A port nobody listens on now, from libvirt's migration range. */
static unsigned free_port(const char *host, unsigned from)
{
	for (unsigned p = from; p < from + 64; p++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
		int ok;

		(void)host;
		if (fd < 0)
			return 0;
		ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return p;
	}
	return 0;
}

/* The node names of the guest's writable disks, in device order (the
 * source lists its own in the same order: one builder made both). */
int vmg_writable_nodes(struct vu_qmp *q, char nodes[][64], unsigned max, unsigned *n,
		       struct vu_err *e)
{
	json_object *ret = NULL;
	int rc = vu_qmp_cmd(q, "query-block", NULL, &ret, QMP_MS, e);

	*n = 0;
	for (size_t i = 0; rc == 0 && i < json_object_array_length(ret); i++) {
		json_object *b = json_object_array_get_idx(ret, i), *ins, *v;

		if (!json_object_object_get_ex(b, "inserted", &ins) ||
		    (json_object_object_get_ex(ins, "ro", &v) && json_object_get_boolean(v)) ||
		    !json_object_object_get_ex(ins, "node-name", &v))
			continue;
		if (*n >= max) {
			rc = vu_err_set(e, E2BIG, "too many disks");
			break;
		}
		snprintf(nodes[(*n)++], 64, "%s", json_object_get_string(v));
	}
	json_object_put(ret);
	return rc;
}

static int export_disks(struct recv *r, unsigned *nbd_port, struct vu_err *e)
{
	char nodes[VMG_MAX_DISKS][64], buf[1024];
	unsigned n;
	int rc;

	*nbd_port = free_port(r->rq.listen, 49153);
	if (!*nbd_port)
		return vu_err_set(e, EADDRINUSE, "no free port for the NBD server");
	snprintf(buf, sizeof(buf), "{\"addr\":{\"type\":\"inet\",\"data\":{\"host\":\"%s\","
		 "\"port\":\"%u\"}}}", r->rq.listen, *nbd_port);
	if ((rc = qcmd(r, "nbd-server-start", buf, NULL, e)) < 0 ||
	    (rc = vmg_writable_nodes(r->q, nodes, VMG_MAX_DISKS, &n, e)) < 0)
		return rc;
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		snprintf(buf, sizeof(buf), "{\"type\":\"nbd\",\"id\":\"vmg-%u\",\"node-name\":"
			 "\"%.63s\",\"writable\":true,\"name\":\"vmg-%u\"}", i, nodes[i], i);
		rc = qcmd(r, "block-export-add", buf, NULL, e);
		if (rc == 0)
			r->nexports = i + 1;
	}
	return rc;
}

static int incoming_uri(struct recv *r, const char *uri, struct vu_err *e)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "uri", json_object_new_string(uri));
	return vu_qmp_cmd(r->q, "migrate-incoming", args, NULL, QMP_MS, e);
}

static int incoming(struct recv *r, char *uri, size_t len, struct vu_err *e)
{
	int rc;

	/* --tunnelled: the rest of our stdin is QEMU's, read by QEMU itself */
	if (r->rq.tunnelled) {
		if ((rc = vu_qmp_getfd(r->q, r->in, "vmgtunnel", QMP_MS, e)) < 0)
			return rc;
		snprintf(uri, len, "tunnel");
		return incoming_uri(r, "fd:vmgtunnel", e);
	}
	if (!r->rq.port && !(r->rq.port = free_port(r->rq.listen, 49152 + 32)))
		return vu_err_set(e, EADDRINUSE, "no free port for the migration");
	snprintf(uri, len, "tcp:%s:%u", r->rq.listen, r->rq.port);
	return incoming_uri(r, uri, e);
}

/* The incoming migration's end as this QEMU sees it. */
static int wait_incoming(struct recv *r, struct vu_err *e)
{
	for (;;) {
		json_object *ret = NULL, *st;
		const char *s;
		int rc = qcmd(r, "query-migrate", NULL, &ret, e);

		if (rc < 0)
			return rc;
		s = json_object_object_get_ex(ret, "status", &st) ? json_object_get_string(st) : "";
		if (!strcmp(s, "completed")) {
			json_object_put(ret);
			return 0;
		}
		if (!strcmp(s, "failed") || !strcmp(s, "cancelled")) {
			json_object_put(ret);
			return vu_err_set(e, EIO, "the incoming migration %s", s);
		}
		json_object_put(ret);
		/* the source gives up by closing the channel or saying abort;
		 * its "done" may come before our own end */
		if (!r->rq.tunnelled && !r->done && vmg_fd_wait(r->in, 20) > 0) {
			char line[VMG_CTL_LINE_MAX + 1];

			if ((rc = vmg_ctl_recv(r->in, line, sizeof(line), 1000, e)) < 0)
				return rc;
			if (strcmp(line, "done"))
				return vu_err_set(e, ECANCELED, "the source aborted the migration");
			r->done = true;
		} else if (r->done)
			nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
		if (r->rq.tunnelled)
			nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
}

/* The copies' exports gone (they hold the disks open for writing) before
 * the guest runs on them, then the NBD server. */
static int stop_exports(struct recv *r, struct vu_err *e)
{
	char buf[128];
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < r->nexports; i++) {
		snprintf(buf, sizeof(buf), "{\"id\":\"vmg-%u\"}", i);
		rc = qcmd(r, "block-export-del", buf, NULL, e);
	}
	for (int k = 0; rc == 0 && k < 500; k++) {
		json_object *ret = NULL;
		size_t n;

		if ((rc = qcmd(r, "query-block-exports", NULL, &ret, e)) < 0)
			break;
		n = json_object_array_length(ret);
		json_object_put(ret);
		if (!n)
			break;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	return rc < 0 ? rc : qcmd(r, "nbd-server-stop", NULL, NULL, e);
}

static int finish(struct recv *r, struct vu_err *e)
{
	char line[VMG_CTL_LINE_MAX + 1];
	int rc;

	if ((rc = wait_incoming(r, e)) < 0)
		return rc;
	if (!r->rq.tunnelled && !r->done) {
		/* the source ran to its own end too */
		if ((rc = vmg_ctl_recv(r->in, line, sizeof(line), VMG_CTL_TIMEOUT_MS, e)) < 0)
			return rc;
		if (strcmp(line, "done"))
			return vu_err_set(e, ECANCELED, "the source did not finish ('%.40s')", line);
	}
	if (r->rq.copy != VMG_COPY_NONE && (rc = stop_exports(r, e)) < 0)
		return rc;
	if (!r->rq.suspend && (rc = qcmd(r, "cont", NULL, NULL, e)) < 0)
		return rc;
	/* what vm-ctl reads of a running domain: its XML, its state */
	if ((rc = vu_qemurun_update_live(&r->s->st, r->name, r->rq.dom, e)) < 0)
		return rc;
	vu_qemurun_set_state(&r->s->st, r->name, r->rq.suspend ? VU_DOMSTATE_PAUSED
							    : VU_DOMSTATE_RUNNING, "migrated");
	if (r->rq.persistent)
		rc = vu_domaindb_define(&r->s->st, r->rq.dom, VU_DOMAINDB_REPLACE, e);
	return rc;
}

static int run(struct recv *r, struct vu_err *e)
{
	char uri[600];
	unsigned nbd = 0;
	int rc;

	if ((rc = vmg_request_read(r->in, &r->rq, VMG_CTL_TIMEOUT_MS, e)) < 0 || (rc = preflight(r, e)) < 0)
		return rc;
	if (!r->rq.listen[0])
		snprintf(r->rq.listen, sizeof(r->rq.listen), "0.0.0.0");
	if (r->rq.copy == VMG_COPY_NONE)
		rc = check_shared(r, e);
	else if ((rc = check_room(r, e)) == 0)
		rc = make_copies(r, e);
	if (rc < 0 || (rc = vmg_dest_start(&r->s->st, r->rq.dom, &r->q, e)) < 0)
		return rc;
	r->started = true;
	if ((rc = set_caps(r, e)) < 0 ||
	    (r->rq.copy != VMG_COPY_NONE && (rc = export_disks(r, &nbd, e)) < 0) ||
	    (rc = incoming(r, uri, sizeof(uri), e)) < 0)
		return rc;
	if (nbd)
		rc = vmg_ctl_send(r->out, e, "ready %s nbd %s:%u", uri, r->rq.listen, nbd);
	else
		rc = vmg_ctl_send(r->out, e, "ready %s", uri);
	return rc < 0 ? rc : finish(r, e);
}

static void undo(struct recv *r)
{
	if (r->started)
		vmg_dest_kill(&r->s->st, r->name, &r->q);
	for (unsigned i = 0; i < r->rq.ndisks; i++)
		vu_vol_new_abort(r->s, &r->nv[i]);
}

int vmg_live_receive(struct vu_storage *s, const char *pool, int in, int out,
		     struct vu_err *e)
{
	struct recv *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return vu_err_set(e, ENOMEM, NULL);
	*r = (struct recv){ .s = s, .pool = pool, .in = in, .out = out };
	for (unsigned i = 0; i < VMG_MAX_DISKS; i++)
		r->nv[i].fd = -1;
	signal(SIGPIPE, SIG_IGN);
	rc = vmg_ctl_send(out, e, VMG_CTL_HELLO);
	if (rc == 0)
		rc = run(r, e);
	if (rc < 0) {
		undo(r);
		vmg_ctl_send(out, &(struct vu_err){ 0 }, "error %s", vu_err_str(e));
	} else {
		vu_qmp_close(&r->q);
		vmg_ctl_send(out, e, "ok %s", r->name);
	}
	for (unsigned i = 0; i < r->rq.ndisks; i++) {
		if (rc == 0)
			vu_vol_new_free(s, &r->nv[i]);
	}
	free(r->name);
	vmg_request_free(&r->rq);
	free(r);
	return rc;
}
