/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsmasq_run.c - a network's own dnsmasq: its files in the run directory,
 * started, found again by its pid file, reloaded and stopped */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/dnsmasq.h"
#include "vu/file.h"
#include "vu/strutil.h"

#define DEFAULT_TIMEOUT_MS 5000

enum dm_file { F_CONF, F_HOSTS, F_ADDN, F_PID, F_LEASES };
static const char *const suffix[] = { "conf", "hostsfile", "addnhosts", "pid", "leases" };

/* NAME.SUFFIX, and DIR/NAME.SUFFIX when path is not NULL. */
static int file_name(const struct vu_dnsmasq_run *run, const char *name, enum dm_file k,
		     char *base, size_t blen, char *path, size_t plen)
{
	if (vu_name_check(name) < 0)
		return -EINVAL;
	if ((size_t)snprintf(base, blen, "%s.%s", name, suffix[k]) >= blen)
		return -ENAMETOOLONG;
	if (path && (size_t)snprintf(path, plen, "%s/%s", run->dir, base) >= plen)
		return -ENAMETOOLONG;
	return 0;
}

static int check_run(const struct vu_dnsmasq_run *run, struct vu_err *e)
{
	/* The path goes into conf lines and options: no newline, no list
	 * separator, no comment sign. */
	if (run->dirfd < 0 || !run->dir || run->dir[0] != '/' || strpbrk(run->dir, "\n\r,#"))
		return vu_err_set(e, EINVAL, "bad run directory for dnsmasq");
	return 0;
}

static unsigned timeout_ms(const struct vu_dnsmasq_run *run)
{
	return run->timeout_ms ? run->timeout_ms : DEFAULT_TIMEOUT_MS;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int vu_dnsmasq_find(char *out, size_t len)
{
	static const char *const paths[] = { "/usr/sbin/dnsmasq", "/sbin/dnsmasq" };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		if (access(paths[i], X_OK) == 0) {
			if ((size_t)snprintf(out, len, "%s", paths[i]) >= len)
				return -ENAMETOOLONG;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- files ---- */

static int put_file(const struct vu_dnsmasq_run *run, const char *name, enum dm_file k,
		    const char *text, struct vu_err *e)
{
	char base[300], path[4096];
	struct vu_atomic a;
	int r;

	if ((r = file_name(run, name, k, base, sizeof(base), path, sizeof(path))) < 0)
		return vu_err_set(e, -r, "%s: bad file name", name);
	/* 0644: dnsmasq re-reads the hosts files after dropping to nobody */
	if ((r = vu_atomic_openat(&a, run->dirfd, base, path, 0644)) < 0)
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	if ((r = fchmod(a.fd, 0644) < 0 ? -errno : 0) < 0 ||
	    (r = vu_write_all(a.fd, text, strlen(text))) < 0) {
		vu_atomic_abort(&a);
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	}
	if ((r = vu_atomic_commit(&a, true, false)) < 0)
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	return 0;
}

static int put_hosts(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
		     struct vu_err *e)
{
	char *hosts = NULL, *addn = NULL;
	int r;

	if ((r = vu_dnsmasq_hostsfile(s, &hosts, e)) < 0 ||
	    (r = vu_dnsmasq_addnhosts(s, &addn, e)) < 0 ||
	    (r = put_file(run, s->name, F_HOSTS, hosts, e)) < 0 ||
	    (r = put_file(run, s->name, F_ADDN, addn, e)) < 0) {
		free(hosts);
		free(addn);
		return r;
	}
	free(hosts);
	free(addn);
	return 0;
}

static int render_conf(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
		       char **conf, struct vu_err *e)
{
	char b[300], pid[4096], hosts[4096], addn[4096];
	struct vu_dnsmasq_paths p = { pid, hosts, addn };
	int r;

	if ((r = check_run(run, e)) < 0)
		return r;
	if ((r = file_name(run, s->name, F_PID, b, sizeof(b), pid, sizeof(pid))) < 0 ||
	    (r = file_name(run, s->name, F_HOSTS, b, sizeof(b), hosts, sizeof(hosts))) < 0 ||
	    (r = file_name(run, s->name, F_ADDN, b, sizeof(b), addn, sizeof(addn))) < 0)
		return vu_err_set(e, -r, "bad network name");
	return vu_dnsmasq_conf(s, &p, conf, e);
}

int vu_dnsmasq_write_files(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
			   struct vu_err *e)
{
	char *conf;
	int r;

	if ((r = render_conf(s, run, &conf, e)) < 0)
		return r;
	r = put_file(run, s->name, F_CONF, conf, e);
	free(conf);
	return r < 0 ? r : put_hosts(s, run, e);
}

int vu_dnsmasq_conf_changed(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
			    bool *changed, struct vu_err *e)
{
	char base[300], *conf, *old;
	size_t len;
	int fd, r;

	if ((r = render_conf(s, run, &conf, e)) < 0)
		return r;
	file_name(run, s->name, F_CONF, base, sizeof(base), NULL, 0);
	fd = openat(run->dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		free(conf);
		if (r != ENOENT)
			return vu_err_set(e, r, "%s/%s: %s", run->dir, base, strerror(r));
		*changed = true;
		return 0;
	}
	r = vu_read_all(fd, 1 << 20, &old, &len);
	close(fd);
	if (r < 0) {
		free(conf);
		return vu_err_set(e, -r, "%s/%s: %s", run->dir, base, strerror(-r));
	}
	*changed = len != strlen(conf) || memcmp(old, conf, len) != 0;
	free(old);
	free(conf);
	return 0;
}

static void remove_files(const struct vu_dnsmasq_run *run, const char *name)
{
	static const enum dm_file gone[] = { F_PID, F_CONF, F_HOSTS, F_ADDN };
	char base[300];

	for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
		if (file_name(run, name, gone[i], base, sizeof(base), NULL, 0) == 0)
			unlinkat(run->dirfd, base, 0);
}

/* ---- finding our process ---- */

/* /proc/PID/WHAT, NUL-terminated in buf: its length, or <= 0 when it
 * cannot be read (the process is gone) or is empty. */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = vu_read_full(fd, buf, size - 1);
	close(fd);
	if (n > 0)
		buf[n] = '\0';
	return n;
}

/* Whether pid exists and is not a zombie (dnsmasq is not our child: its
 * reaper may be slow, or absent in a container). */
static bool proc_alive(pid_t pid)
{
	char buf[1024], *st;

	if (read_proc(pid, "stat", buf, sizeof(buf)) <= 0)
		return false;
	st = strrchr(buf, ')');
	return st && st[1] == ' ' && st[2] != 'Z' && st[2] != 'X';
}

/*
 * Whether pid is alive and runs with our --conf-file argument: that conf
 * is ours alone, so a recycled pid is never taken for our dnsmasq.
 * /proc/PID/cmdline, unlike /proc/PID/exe, stays readable once dnsmasq
 * runs as nobody and we hold no CAP_SYS_PTRACE.
 */
static bool is_ours(pid_t pid, const char *conf_arg)
{
	char buf[8192], *p;
	ssize_t n;

	if (!proc_alive(pid) || (n = read_proc(pid, "cmdline", buf, sizeof(buf))) <= 0)
		return false;
	for (p = buf + strlen(buf) + 1; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, conf_arg) == 0)
			return true;
	return false;
}

static int conf_arg(const struct vu_dnsmasq_run *run, const char *name, char *out, size_t len)
{
	char base[300], path[4096];
	int r;

	if ((r = file_name(run, name, F_CONF, base, sizeof(base), path, sizeof(path))) < 0)
		return r;
	if ((size_t)snprintf(out, len, "--conf-file=%s", path) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The pid NAME.pid holds (whoever that is): 0, -ENOENT, -EINVAL. */
static int read_pidfile(const struct vu_dnsmasq_run *run, const char *name, pid_t *pid)
{
	char base[300], *buf, *end;
	size_t len;
	long v;
	int fd, r;

	if ((r = file_name(run, name, F_PID, base, sizeof(base), NULL, 0)) < 0)
		return r;
	if ((fd = openat(run->dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -errno;
	r = vu_read_all(fd, 64, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 10);
	r = (end == buf || (*end && strcmp(end, "\n") != 0) || errno || v <= 1 || v > 1 << 30) ?
		-EINVAL : 0;
	free(buf);
	if (r == 0)
		*pid = (pid_t)v;
	return r;
}

int vu_dnsmasq_pid(const struct vu_dnsmasq_run *run, const char *name, pid_t *pid)
{
	char arg[4200];
	pid_t p = 0;
	int r;

	if ((r = conf_arg(run, name, arg, sizeof(arg))) < 0)
		return r;
	if ((r = read_pidfile(run, name, &p)) < 0)
		return r == -ENOENT || r == -EINVAL ? -ESRCH : r;
	if (!is_ours(p, arg))
		return -ESRCH;
	*pid = p;
	return 0;
}

/* ---- start ---- */

/* dnsmasq runs as root with what the caller holds: nothing of the
 * caller's environment reaches it. */
static char *const clean_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

/*
 * The daemon outlives us: it must inherit no fd of ours (a lock held
 * through it would never be released) and no blocked or ignored signal
 * (stop relies on SIGTERM, reload on SIGHUP).
 */
static int spawn(const char *bin, char *const *argv, int errfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	r = posix_spawn(pid, bin, &fa, &at, argv, clean_env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -r;
}

/*
 * Waits (until deadline) for the process we ran to exit, which dnsmasq
 * does once its daemon is up or has failed, collecting its stderr; the
 * daemon itself closes stderr when it is ready. Its exit status, or -1
 * when it was killed at the deadline.
 */
static int wait_parent(pid_t child, int errfd, long long deadline, char *buf, size_t cap,
		       size_t *len)
{
	int status = 0;
	bool exited = false, eof = false;

	*len = 0;
	while (!exited || !eof) {
		struct pollfd pfd = { errfd, POLLIN, 0 };
		long long left = deadline - now_ms();

		if (left <= 0)
			break;
		if (!eof && poll(&pfd, 1, left > 20 ? 20 : (int)left) > 0) {
			char chunk[512];
			ssize_t n = read(errfd, chunk, sizeof(chunk));

			if (n == 0)
				eof = true;
			for (ssize_t i = 0; i < n && *len < cap - 1; i++)
				buf[(*len)++] = chunk[i];
		} else if (eof) {
			nap();
		}
		if (!exited && waitpid(child, &status, WNOHANG) == child)
			exited = true;
		/* A failed dnsmasq has said all it will say once it exited. */
		if (exited && WIFEXITED(status) && WEXITSTATUS(status) != 0)
			break;
	}
	buf[*len] = '\0';
	if (!exited) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* After a failure half-way: the daemon, if one got to write its pid file. */
static void kill_ours(const struct vu_dnsmasq_run *run, const char *name)
{
	pid_t pid;

	if (vu_dnsmasq_pid(run, name, &pid) == 0)
		kill(pid, SIGKILL);
}

static int run_dnsmasq(const char *bin, const struct vu_dnsmasq_run *run, const char *name,
		       long long deadline, struct vu_err *e)
{
	char arg_conf[4200], arg_lease[4200], b[300], lpath[4096], out[4096], line[200];
	char *argv[] = { (char *)bin, arg_conf, arg_lease, NULL };
	int pipefd[2], r, st;
	size_t len;
	pid_t child;

	if ((r = conf_arg(run, name, arg_conf, sizeof(arg_conf))) < 0 ||
	    (r = file_name(run, name, F_LEASES, b, sizeof(b), lpath, sizeof(lpath))) < 0)
		return vu_err_set(e, -r, "bad network name");
	snprintf(arg_lease, sizeof(arg_lease), "--dhcp-leasefile=%s", lpath);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vu_err_set(e, errno, "cannot run %s: %s", bin, strerror(errno));
	r = spawn(bin, argv, pipefd[1], &child);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return vu_err_set(e, -r, "cannot run %s: %s", bin, strerror(-r));
	}
	st = wait_parent(child, pipefd[0], deadline, out, sizeof(out), &len);
	close(pipefd[0]);
	vu_last_line(out, len, "dnsmasq: ", line, sizeof(line));
	if (st < 0)
		return vu_err_set(e, ETIMEDOUT, "%s did not start in time", bin);
	if (st != 0)
		return vu_err_set(e, EIO, "dnsmasq failed%s%s", line[0] ? ": " : "", line);
	return 0;
}

int vu_dnsmasq_start(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
		     pid_t *pid, struct vu_err *e)
{
	long long deadline = now_ms() + timeout_ms(run);
	char bin[4096], base[300];
	int r;

	if ((r = check_run(run, e)) < 0 || (r = vu_dnsmasq_check(s, e)) < 0)
		return r;
	if (vu_dnsmasq_pid(run, s->name, pid) == 0)
		return vu_err_set(e, EEXIST, "dnsmasq already runs for %s (pid %d)", s->name,
				  (int)*pid);
	if (run->binary)
		snprintf(bin, sizeof(bin), "%s", run->binary);
	else if (vu_dnsmasq_find(bin, sizeof(bin)) < 0)
		return vu_err_set(e, ENOENT, "dnsmasq not found in /usr/sbin or /sbin "
				  "(install dnsmasq-base)");
	/* A stale pid file must not be taken for the new daemon's. */
	file_name(run, s->name, F_PID, base, sizeof(base), NULL, 0);
	if (unlinkat(run->dirfd, base, 0) < 0 && errno != ENOENT)
		return vu_err_set(e, errno, "%s/%s: %s", run->dir, base, strerror(errno));
	if ((r = vu_dnsmasq_write_files(s, run, e)) < 0 ||
	    (r = run_dnsmasq(bin, run, s->name, deadline, e)) < 0)
		goto fail;
	while ((r = vu_dnsmasq_pid(run, s->name, pid)) < 0 && now_ms() < deadline)
		nap();
	if (r == 0)
		return 0;
	r = vu_err_set(e, ETIMEDOUT, "dnsmasq wrote no pid file in %s in time", run->dir);
fail:
	kill_ours(run, s->name);
	remove_files(run, s->name);
	return r;
}

/* ---- reload and stop ---- */

int vu_dnsmasq_reload(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
		      struct vu_err *e)
{
	pid_t pid;
	int r;

	if ((r = check_run(run, e)) < 0 || (r = vu_dnsmasq_check(s, e)) < 0)
		return r;
	if (vu_dnsmasq_pid(run, s->name, &pid) < 0)
		return vu_err_set(e, ESRCH, "no dnsmasq runs for %s", s->name);
	if ((r = put_hosts(s, run, e)) < 0)
		return r;
	if (kill(pid, SIGHUP) < 0)
		return vu_err_set(e, errno, "cannot signal dnsmasq (pid %d): %s", (int)pid,
				  strerror(errno));
	return 0;
}

/*
 * Waits (until deadline) for pid, ours when signalled, to be gone or a
 * zombie: an exiting process loses its cmdline before it closes its
 * sockets, and a restart must find the ports free.
 */
static bool wait_gone(pid_t pid, long long deadline)
{
	while (proc_alive(pid)) {
		if (now_ms() >= deadline)
			return false;
		nap();
	}
	return true;
}

int vu_dnsmasq_stop(const struct vu_dnsmasq_run *run, const char *name, struct vu_err *e)
{
	long long deadline = now_ms() + timeout_ms(run);
	char arg[4200];
	pid_t pid;
	int r;

	if ((r = check_run(run, e)) < 0)
		return r;
	if ((r = conf_arg(run, name, arg, sizeof(arg))) < 0)
		return vu_err_set(e, -r, "bad network name");
	if (vu_dnsmasq_pid(run, name, &pid) == 0) {
		if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
			return vu_err_set(e, errno, "cannot stop dnsmasq (pid %d): %s", (int)pid,
					  strerror(errno));
		if (!wait_gone(pid, deadline)) {
			kill(pid, SIGKILL);
			if (!wait_gone(pid, now_ms() + 1000))
				return vu_err_set(e, ETIMEDOUT, "dnsmasq (pid %d) does not stop",
						  (int)pid);
		}
	}
	remove_files(run, name);
	return 0;
}
