/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime.c - starting a domain: the argv of vu/qemucmd.h, QEMU
 * daemonised with our fds, the set-up over QMP, the live XML */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/networkdb.h"
#include "vu/qemucmd.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"

#include "qemurun_int.h"

/* QMP's answer after the exec: TCG guests start slowly on a busy host. */
#define START_TIMEOUT_MS 30000
#define CMD_TIMEOUT_MS 10000

/* What the builder's callbacks need. */
struct starter {
	const struct vu_state *st;
};

/* ---- the builder's callbacks ---- */

static int open_disk(void *opaque, const char *path, const char *format, bool readonly,
		     struct vu_err *e)
{
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);

	(void)opaque;
	(void)format;
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	return fd;
}

static int open_tap(void *opaque, unsigned index, const char *bridge, const char *mac,
		    unsigned mtu, char *ifname, size_t len, struct vu_err *e)
{
	(void)opaque;
	(void)index;
	return qr_tap_open(bridge, mac, mtu, ifname, len, e);
}

/* <interface type='network'>: the bridge net-ctl's running network has. */
static int network_bridge(void *opaque, const char *network, char *bridge, size_t len,
			  struct vu_err *e)
{
	struct starter *s = opaque;
	struct vu_network *net = NULL;
	char *br = NULL;
	int r;

	if (vu_name_check(network) < 0 || vu_networkdb_is_active(s->st, network) != 1)
		return vu_err_set(e, ENOENT, "network '%s' is not active", network);
	r = vu_networkdb_load_live(s->st, network, &net, e);
	if (r == 0 && (r = vu_network_get_bridge(net, &br)) < 0)
		vu_err_set(e, -r, "network '%s' has no bridge", network);
	if (r == 0)
		snprintf(bridge, len, "%s", br);
	free(br);
	vu_network_free(&net);
	return r;
}

/* ---- qemu.conf ---- */

/* `user = "NAME"` in line, libvirt's syntax: 1 with the name in *out, 0
 * for another key, a comment or a blank line, -EINVAL. */
static int conf_line(char *line, char **out)
{
	char *p = line + strspn(line, " \t"), *end;

	if (!*p || *p == '#' || *p == '\n')
		return 0;
	if (strncmp(p, "user", 4) || !strchr(" \t=", p[4]))
		return 0;
	p += 4;
	p += strspn(p, " \t");
	if (*p++ != '=')
		return -EINVAL;
	p += strspn(p, " \t");
	if (*p++ != '"' || !(end = strchr(p, '"')))
		return -EINVAL;
	*end = '\0';
	if (!*p || strpbrk(p, " \t:/"))
		return -EINVAL;
	end += 1 + strspn(end + 1, " \t\n");
	if (*end && *end != '#')
		return -EINVAL;
	return (*out = strdup(p)) ? 1 : -ENOMEM;
}

int vu_qemurun_conf_user(const struct vu_state *st, char **user, struct vu_err *e)
{
	int root = vu_state_dirfd(st, VU_STATE_ROOT), fd, r = 0;
	char *text = NULL, *line, *rest, *found = NULL;
	unsigned n = 0;
	size_t len;

	*user = NULL;
	fd = root < 0 ? -1 : openat(root, "qemu.conf", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		r = vu_read_all(fd, 1 << 20, &text, &len);
		close(fd);
	}
	/* strsep keeps empty lines, so that line numbers are right. */
	for (rest = text; rest && r >= 0;) {
		char *name = NULL;

		line = strsep(&rest, "\n");
		n++;
		r = conf_line(line, &name);
		if (r == -EINVAL)
			vu_err_set(e, EINVAL, "%s/qemu.conf:%u: not user = \"NAME\"", st->root, n);
		if (r == 1) {
			free(found);
			found = name;
		}
	}
	free(text);
	if (r < 0) {
		free(found);
		return r == -EINVAL ? r : vu_err_set(e, -r, "%s/qemu.conf: %s", st->root, strerror(-r));
	}
	if (!found && !(found = strdup(VU_QEMU_USER_DEFAULT)))
		return vu_err_set(e, ENOMEM, NULL);
	*user = found;
	return 0;
}

/* ---- set-up over QMP ---- */

/* libvirt's cpuset syntax ("0-3,^2,8") into set; -EINVAL. */
static int parse_cpuset(const char *s, cpu_set_t *set)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int r = copy ? 0 : -ENOMEM;

	CPU_ZERO(set);
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && r == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		bool neg = *tok == '^';
		char *end;
		unsigned long a = strtoul(tok + neg, &end, 10), b = a;

		if (end == tok + neg)
			r = -EINVAL;
		else if (*end == '-' && !neg)
			b = strtoul(end + 1, &end, 10);
		if (r == 0 && (*end || b < a || b >= CPU_SETSIZE))
			r = -EINVAL;
		for (unsigned long c = a; r == 0 && c <= b; c++)
			if (neg)
				CPU_CLR(c, set);
			else
				CPU_SET(c, set);
	}
	free(copy);
	return r;
}

/* <cputune>: each vCPU's thread (query-cpus-fast) and the emulator (QEMU's
 * main thread) pinned with sched_setaffinity, as libvirt does. */
static int apply_pins(struct vu_qmp *q, pid_t pid, const struct vu_qemu_cmd *cmd,
		      struct vu_err *e)
{
	json_object *cpus = NULL;
	int r = 0;

	if (!cmd->npins)
		return 0;
	if ((r = vu_qmp_cmd(q, "query-cpus-fast", NULL, &cpus, CMD_TIMEOUT_MS, e)) < 0)
		return r;
	for (size_t i = 0; i < cmd->npins && r == 0; i++) {
		const struct vu_qemu_pin *p = &cmd->pins[i];
		pid_t tid = p->vcpu < 0 ? pid : 0;
		cpu_set_t set;

		for (size_t j = 0; p->vcpu >= 0 && j < json_object_array_length(cpus); j++) {
			json_object *c = json_object_array_get_idx(cpus, j), *v;

			if (json_object_object_get_ex(c, "cpu-index", &v) &&
			    json_object_get_int(v) == p->vcpu &&
			    json_object_object_get_ex(c, "thread-id", &v))
				tid = json_object_get_int(v);
		}
		if (tid <= 0)
			r = vu_err_set(e, ENOENT, "<cputune>: QEMU has no vCPU %d", p->vcpu);
		else if (parse_cpuset(p->cpuset, &set) < 0)
			r = vu_err_set(e, EINVAL, "<cputune>: '%s' is not a CPU list", p->cpuset);
		else if (sched_setaffinity(tid, sizeof(set), &set) < 0)
			r = vu_err_set(e, errno, "<cputune>: cannot pin to %s: %s", p->cpuset,
				       strerror(errno));
	}
	json_object_put(cpus);
	return r;
}

static int set_balloon(struct vu_qmp *q, uint64_t kib, struct vu_err *e)
{
	json_object *args;

	if (!kib)
		return 0;
	args = json_object_new_object();
	json_object_object_add(args, "value", json_object_new_int64((int64_t)(kib * 1024)));
	return vu_qmp_cmd(q, "balloon", args, NULL, CMD_TIMEOUT_MS, e);
}

/* ---- the live XML ---- */

/* The pty QEMU opened for chardev label ("charserial0"), from
 * query-chardev's "pty:/dev/pts/N"; NULL when it has none. */
static const char *pty_of(json_object *chardevs, const char *label)
{
	for (size_t i = 0; i < json_object_array_length(chardevs); i++) {
		json_object *c = json_object_array_get_idx(chardevs, i), *l, *f;
		const char *fn;

		if (json_object_object_get_ex(c, "label", &l) &&
		    strcmp(json_object_get_string(l), label) == 0 &&
		    json_object_object_get_ex(c, "filename", &f) &&
		    (fn = json_object_get_string(f)) && strncmp(fn, "pty:", 4) == 0)
			return fn + 4;
	}
	return NULL;
}

/* Each pty chardev gets <source path> (and tty= on the element, as
 * libvirt writes it); a console that is the first serial port shares its
 * pty. Chardev ids are the builder's: "char" + libvirt's alias. */
static void live_ptys(struct vu_qmp *q, struct vu_domain *live)
{
	static const char *const kinds[] = { "serial", "parallel", "channel", "console" };
	json_object *chardevs = NULL;

	if (vu_qmp_cmd(q, "query-chardev", NULL, &chardevs, CMD_TIMEOUT_MS, NULL) < 0)
		return;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		xmlNodePtr d = NULL;
		unsigned n = 0;

		while ((d = vu_domain_dev_next(live, kinds[k], d))) {
			char label[64];
			const char *pty;

			snprintf(label, sizeof(label), "char%s%u", kinds[k], n++);
			pty = pty_of(chardevs, label);
			if (!pty && !strcmp(kinds[k], "console"))
				pty = pty_of(chardevs, "charserial0");
			if (!pty || !vu_node_value_is(d, "", "type", "pty"))
				continue;
			vu_node_set(d, "", "tty", pty);
			vu_node_set(d, "source", "path", pty);
		}
	}
	json_object_put(chardevs);
}

/* The VNC port QEMU took (autoport), as libvirt's live XML shows it. */
static void live_vnc(struct vu_qmp *q, struct vu_domain *live)
{
	xmlNodePtr g = NULL;
	json_object *vnc = NULL, *v;

	while ((g = vu_domain_dev_next(live, "graphics", g)))
		if (vu_node_value_is(g, "", "type", "vnc"))
			break;
	if (!g || vu_qmp_cmd(q, "query-vnc", NULL, &vnc, CMD_TIMEOUT_MS, NULL) < 0)
		return;
	if (json_object_object_get_ex(vnc, "service", &v))
		vu_node_set(g, "", "port", json_object_get_string(v));
	json_object_put(vnc);
}

/* The next runtime id, counted in RUN/qemu/.next-id as libvirt counts. */
static int next_id(int dfd)
{
	int fd = openat(dfd, ".next-id", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	char buf[16] = "";
	long id = 1;
	ssize_t n;

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0 && (id = strtol(buf, NULL, 10)) < 1)
		id = 1;
	if (id >= 1 << 30)
		id = 1;
	snprintf(buf, sizeof(buf), "%ld\n", id + 1);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, strlen(buf), 0) < 0)
		id = 1;
	close(fd);
	return (int)id;
}

static int write_live(int dfd, const char *name, struct vu_qmp *q, const struct vu_domain *dom,
		      const struct vu_qemu_cmd *cmd, int id, struct vu_err *e)
{
	struct vu_domain *live = NULL;
	xmlNodePtr i = NULL;
	char ids[16], *xml;
	size_t n = 0;
	int r;

	if (!(xml = vu_domain_format(dom)) || vu_domain_parse(&live, xml, strlen(xml), e) < 0) {
		free(xml);
		return vu_err_set(e, ENOMEM, "cannot copy the domain");
	}
	free(xml);
	snprintf(ids, sizeof(ids), "%d", id);
	vu_domain_set(live, "", "id", ids);
	while ((i = vu_domain_dev_next(live, "interface", i))) {
		if (n < cmd->ntaps && cmd->taps[n] && cmd->taps[n][0])
			vu_iface_set_target(i, cmd->taps[n]);
		n++;
	}
	live_ptys(q, live);
	live_vnc(q, live);
	if (!(xml = vu_domain_format(live)))
		r = vu_err_set(e, ENOMEM, NULL);
	else if ((r = qr_write(dfd, name, "xml", xml)) < 0)
		vu_err_set(e, -r, "cannot write the live XML: %s", strerror(-r));
	free(xml);
	vu_domain_free(&live);
	return r;
}

/* ---- start ---- */

/* Disks named by path must be there: a clear line now rather than QEMU's
 * (which vm-ctl run by a user would otherwise show). */
static int check_disks(const struct vu_domain *dom, struct vu_err *e)
{
	xmlNodePtr d = NULL;
	int r = 0;

	while (r == 0 && (d = vu_domain_dev_next(dom, "disk", d))) {
		struct vu_disk disk;

		if (vu_disk_get(d, &disk) < 0)
			return vu_err_set(e, ENOMEM, NULL);
		if (disk.source && (!disk.type || !strcmp(disk.type, "file") ||
				    !strcmp(disk.type, "block")) &&
		    access(disk.source, F_OK) < 0)
			r = vu_err_set(e, errno, "disk '%s': %s: %s",
				       disk.target_dev ? disk.target_dev : "?", disk.source,
				       strerror(errno));
		vu_disk_clear(&disk);
	}
	return r;
}

/* The -runas user when root: opts', else qemu.conf's; NULL otherwise. */
static int runas_user(const struct vu_state *st, const struct vu_qemurun_opts *o, char **user,
		      struct vu_err *e)
{
	int r;

	*user = NULL;
	if (geteuid() != 0)
		return 0;
	if (o && o->runas)
		*user = strdup(o->runas);
	else if ((r = vu_qemurun_conf_user(st, user, e)) < 0)
		return r;
	if (!*user)
		return vu_err_set(e, ENOMEM, NULL);
	if (!getpwnam(*user)) {
		r = vu_err_set(e, ENOENT, "user '%s' (QEMU's -runas) does not exist", *user);
		free(*user);
		*user = NULL;
		return r;
	}
	return 0;
}

/* The log's header for this start, as libvirt writes one: when, and the
 * command line. */
static int open_log(int dfd, const char *name, char *const *argv, struct vu_err *e)
{
	char fn[300], when[64];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	snprintf(fn, sizeof(fn), "%s.log", name);
	fd = openat(dfd, fn, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", fn, strerror(errno));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S%z", gmtime_r(&now, &tm));
	dprintf(fd, "%s%s\n", when, VU_QMP_LOG_START);
	for (size_t i = 0; argv[i]; i++)
		dprintf(fd, "%s%s", i ? " " : "", argv[i]);
	dprintf(fd, "\n");
	return fd;
}

/* The per-domain directory the builder puts secrets and sockets in. */
static int domain_rundir(const struct vu_state *st, int dfd, const char *name, char **path,
			 struct vu_err *e)
{
	char fn[300];

	snprintf(fn, sizeof(fn), "%s.d", name);
	if (mkdirat(dfd, fn, 0700) < 0 && errno != EEXIST)
		return vu_err_set(e, errno, "%s/qemu/%s: %s", st->run, fn, strerror(errno));
	if (!(*path = qr_path(st, name, "d")))
		return vu_err_set(e, ENOMEM, NULL);
	return 0;
}

/* The files the command line names (secrets): 0600, and QEMU's user's
 * when it runs as another, written whole before it starts. */
static int write_files(const struct vu_qemu_cmd *cmd, const char *user, struct vu_err *e)
{
	const struct passwd *pw = user ? getpwnam(user) : NULL;

	for (size_t i = 0; i < cmd->nfiles; i++) {
		const struct vu_qemu_file *f = &cmd->files[i];
		struct vu_atomic a;
		int r = vu_atomic_open(&a, f->path, 0600);

		if (r == 0 && (r = vu_write_all(a.fd, f->data, strlen(f->data))) == 0 && pw &&
		    fchown(a.fd, pw->pw_uid, pw->pw_gid) < 0)
			r = -errno;
		if (r < 0) {
			vu_atomic_abort(&a);
			return vu_err_set(e, -r, "%s: %s", f->path, strerror(-r));
		}
		if ((r = vu_atomic_commit(&a, true, true)) < 0)
			return vu_err_set(e, -r, "%s: %s", f->path, strerror(-r));
	}
	return 0;
}

/* Stops a QEMU that started but could not be set up, and its files. */
static void undo(int dfd, const char *name, pid_t pid)
{
	if (pid > 0)
		kill(pid, SIGKILL);
	qr_wait_gone(dfd, name, 5000);
	qr_clean(dfd, name);
}

struct run_paths {
	char *pid, *qmp, *mon, *log, *dir;
};

static void paths_free(struct run_paths *p)
{
	free(p->pid);
	free(p->qmp);
	free(p->mon);
	free(p->log);
	free(p->dir);
}

/* The argv plus what the runtime adds; the strings it made itself are in
 * own[] (freed with argv_free), the others are cmd's. */
struct argv_ext {
	char **argv;
	char **own;
	size_t nown;
};

static void argv_free(struct argv_ext *a)
{
	for (size_t i = 0; i < a->nown; i++)
		free(a->own[i]);
	free(a->own);
	free(a->argv);
}

/* A node on an fdset must not be auto-read-only: QEMU would then ask the
 * set for a read-only fd, and the set holds the one read-write fd we
 * opened ("Could not dup FD for /dev/fdset/0 flags 0"). */
static char *blockdev_for_fdset(const char *opt)
{
	const char *ro = strstr(opt, ",auto-read-only=on");
	char *out;

	if (!ro || !strstr(opt, "/dev/fdset/"))
		return NULL;
	if (asprintf(&out, "%.*s%s", (int)(ro - opt), opt, ro + strlen(",auto-read-only=on")) < 0)
		return NULL;
	return out;
}

/* QEMU's seccomp filter is in place before -runas changes user, and
 * elevateprivileges=deny then kills QEMU (SIGSYS): with -runas it must
 * allow set*id for that one change. */
static char *sandbox_for_runas(const char *opt)
{
	const char *deny = strstr(opt, "elevateprivileges=deny");
	char *out;

	if (!deny)
		return NULL;
	if (asprintf(&out, "%.*selevateprivileges=allow%s", (int)(deny - opt), opt,
		     deny + strlen("elevateprivileges=deny")) < 0)
		return NULL;
	return out;
}

/* The monitor's own QMP socket (QMP serves one client at a time), and the
 * emulator asked for. */
static int full_argv(const struct vu_qemu_cmd *cmd, const struct run_paths *p,
		     const char *emulator, bool runas, struct argv_ext *a)
{
	size_t n = 0;

	char *mon;

	*a = (struct argv_ext){ 0 };
	if (!(a->argv = calloc(cmd->argc + 5, sizeof(char *))) ||
	    !(a->own = calloc(cmd->argc + 1, sizeof(char *)))) {
		argv_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cmd->argc; i++) {
		const char *prev = i ? cmd->argv[i - 1] : "";
		char *fixed = NULL;

		if (runas && !strcmp(prev, "-sandbox"))
			fixed = sandbox_for_runas(cmd->argv[i]);
		else if (!strcmp(prev, "-blockdev"))
			fixed = blockdev_for_fdset(cmd->argv[i]);
		if (fixed)
			a->own[a->nown++] = fixed;
		a->argv[n++] = fixed ? fixed : cmd->argv[i];
	}
	if (emulator)
		a->argv[0] = (char *)emulator;
	a->argv[n++] = "-chardev";
	if (asprintf(&mon, "socket,id=vumon,path=%s,server=on,wait=off", p->mon) < 0) {
		argv_free(a);
		return -ENOMEM;
	}
	a->own[a->nown++] = mon;
	a->argv[n++] = mon;
	a->argv[n++] = "-mon";
	a->argv[n++] = "chardev=vumon,mode=control";
	return 0;
}

static int launch(const struct vu_state *st, int dfd, const char *name,
		  const struct vu_domain *dom, const struct vu_qemurun_opts *o, int *idp,
		  struct vu_qemurun_actions *act, struct vu_err *e)
{
	struct starter s = { .st = st };
	struct run_paths p = { 0 };
	struct vu_qemu_cmd cmd = { 0 };
	struct vu_qmp *q = NULL;
	struct argv_ext av = { 0 };
	char *user = NULL;
	int logfd = -1, id, r;
	bool root = geteuid() == 0, paused;
	pid_t pid = 0;

	if (!(p.pid = qr_path(st, name, "pid")) || !(p.qmp = qr_path(st, name, "qmp")) ||
	    !(p.mon = qr_path(st, name, "mon")) || !(p.log = qr_path(st, name, "log"))) {
		r = vu_err_set(e, ENOMEM, NULL);
		goto out;
	}
	if ((r = check_disks(dom, e)) < 0 || (r = runas_user(st, o, &user, e)) < 0 ||
	    (r = domain_rundir(st, dfd, name, &p.dir, e)) < 0)
		goto out;
	struct vu_qemu_env env = {
		.qmp = p.qmp, .pidfile = p.pid, .rundir = p.dir, .runas = user,
		.daemonize = false, .incoming = o && o->incoming,
		.vfio = access("/dev/vfio/vfio", R_OK | W_OK) == 0,
		.opaque = &s, .network_bridge = network_bridge,
		.open_disk = root ? open_disk : NULL, .open_tap = root ? open_tap : NULL,
	};
	if ((r = vu_qemu_cmdline(dom, &env, &cmd, e)) < 0 ||
	    (r = write_files(&cmd, user, e)) < 0)
		goto out;
	if ((r = full_argv(&cmd, &p, o ? o->emulator : NULL, user, &av)) < 0) {
		vu_err_set(e, -r, NULL);
		goto out;
	}
	if ((r = logfd = open_log(dfd, name, av.argv, e)) < 0)
		goto out;
	qr_set_state(dfd, name, VU_DOMSTATE_SHUTOFF, "failed");
	if ((r = qr_spawn(av.argv, cmd.fds, cmd.nfds, logfd, &pid, e)) < 0)
		goto fail;
	/* QEMU has the fds now: ours go, so its exit takes the taps away. */
	for (size_t i = 0; i < cmd.nfds; i++)
		close(cmd.fds[i]);
	cmd.nfds = 0;
	r = qr_wait_ready(pid, p.qmp, p.log,
			  o && o->timeout_ms ? o->timeout_ms : START_TIMEOUT_MS, &q, e);
	/* An incoming guest's balloon comes with its state. */
	if (r == 0 && !(o && o->incoming))
		r = set_balloon(q, cmd.balloon_kib, e);
	if (r == 0)
		r = apply_pins(q, pid, &cmd, e);
	if (r < 0)
		goto fail;
	id = next_id(dfd);
	if ((r = write_live(dfd, name, q, dom, &cmd, id, e)) < 0)
		goto fail;
	paused = o && (o->paused || o->incoming);
	if (!paused && (r = vu_qmp_cmd(q, "cont", NULL, NULL, CMD_TIMEOUT_MS, e)) < 0)
		goto fail;
	qr_set_state(dfd, name, paused ? VU_DOMSTATE_PAUSED : VU_DOMSTATE_RUNNING,
		     paused ? "user" : "booted");
	if (idp)
		*idp = id;
	*act = (struct vu_qemurun_actions){ cmd.on_poweroff, cmd.on_reboot, cmd.on_crash };
	goto out;
fail:
	undo(dfd, name, pid);
	qr_set_state(dfd, name, VU_DOMSTATE_SHUTOFF, "failed");
out:
	vu_qmp_close(&q);
	argv_free(&av);
	vu_qemu_cmd_clear(&cmd);
	if (logfd >= 0)
		close(logfd);
	free(user);
	paths_free(&p);
	return r;
}

int vu_qemurun_start(const struct vu_state *st, const struct vu_domain *dom,
		     const struct vu_qemurun_opts *opts, int *id, struct vu_err *e)
{
	struct vu_qemurun_actions act = { 0 };
	char *name = NULL;
	int dfd, lk, r;

	if (vu_domain_get_name(dom, &name) < 0 || vu_name_check(name) < 0) {
		free(name);
		return vu_err_set(e, EINVAL, "the domain has no valid name");
	}
	if ((dfd = qr_dirfd(st, true, e)) < 0) {
		free(name);
		return dfd;
	}
	lk = qr_lock(dfd, name, true);
	if (lk == -EWOULDBLOCK)
		r = vu_err_set(e, EBUSY, "domain is being started or stopped");
	else if (lk < 0)
		r = vu_err_set(e, -lk, "cannot lock the domain: %s", strerror(-lk));
	else if (qr_pid(dfd, name) > 0)
		r = vu_err_set(e, EEXIST, "domain is already active");
	else {
		qr_clean(dfd, name);
		r = launch(st, dfd, name, dom, opts, id, &act, e);
	}
	/* The monitor comes after the lock is released, which it would
	 * otherwise inherit; a power-off in between leaves QEMU paused in
	 * "shutdown", which the monitor sees as it connects. */
	if (lk >= 0)
		close(lk);
	if (r == 0 && (act.on_poweroff || act.on_reboot || act.on_crash || (opts && opts->hooks)) &&
	    (r = vu_qemurun_monitor_spawn(st, name, &act, opts ? opts->hooks : NULL, e)) < 0) {
		pid_t pid = qr_pid(dfd, name);

		/* Without its monitor the domain would not do what its XML says. */
		if (pid > 0)
			kill(pid, SIGKILL);
		qr_wait_gone(dfd, name, 5000);
		qr_clean(dfd, name);
	}
	close(dfd);
	free(name);
	return r;
}
