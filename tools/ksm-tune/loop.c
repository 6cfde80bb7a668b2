/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop.c - `ksm-tune run`: the ksmtuned loop for a service manager */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/file.h"

#include "ksm.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The pidfile is held under an exclusive flock for the life of the loop:
 * a second instance finds it locked, whatever the file says, and a stale
 * file left by a killed process is simply taken over.
 */
static int pidfile_take(const char *path)
{
	char buf[32] = "";
	int fd, rfd, r;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		vu_warn("%s", path);
		return -errno;
	}
	r = vu_lock(fd, true, true);
	if (r == -EWOULDBLOCK || r == -EAGAIN) {
		rfd = open(path, O_RDONLY | O_CLOEXEC);
		if (rfd >= 0) {
			ssize_t got = read(rfd, buf, sizeof(buf) - 1);

			buf[got > 0 ? got : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			close(rfd);
		}
		vu_warnx("%s: ksm-tune already runs%s%s", path, buf[0] ? " as pid " : "", buf);
		close(fd);
		return -EBUSY;
	}
	if (r < 0) {
		vu_warnc(-r, "%s: cannot lock", path);
		close(fd);
		return r;
	}
	if (ftruncate(fd, 0) < 0 || dprintf(fd, "%d\n", (int)getpid()) < 0) {
		r = -errno;
		vu_warn("%s: cannot write", path);
		unlink(path);
		close(fd);
		return r;
	}
	return fd;
}

static void pidfile_release(const char *path, int fd)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}

/* ksmtuned logs the fixed figures once, as it starts. */
static int log_setup(struct ksm_loop *l, struct ksm_log *log)
{
	struct ksm_meminfo m;
	struct vu_err e;
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/meminfo", l->proc);
	r = ksm_meminfo_read(l->proc, &m, &e);
	if (r < 0) {
		vu_warnx("%s: %s", path, vu_err_str(&e));
		return r;
	}
	ksm_log_figures(log, &l->conf, m.total_kb);
	return 0;
}

static int log_open(struct ksm_loop *l, struct ksm_log *log)
{
	int r = ksm_log_open(log, &l->conf);

	if (r < 0)
		vu_warnc(-r, "%s", l->conf.logfile);
	return r;
}

/* SIGHUP: a configuration that does not load leaves the running one alone. */
static void reload(struct ksm_loop *l, struct ksm_log *log)
{
	struct ksm_conf next;
	struct ksm_log nlog;
	struct vu_err e;
	int r;

	ksm_conf_defaults(&next);
	r = ksm_conf_load(&next, l->config, !l->config_required, l->conf_warn, &e);
	if (r < 0) {
		vu_warnx("%s: %s; keeping the previous configuration", l->config,
			 vu_err_str(&e));
		return;
	}
	r = ksm_log_open(&nlog, &next);
	if (r < 0) {
		vu_warnx("%s: %s; keeping the previous configuration", next.logfile,
			 strerror(-r));
		return;
	}
	ksm_log_close(log);
	*log = nlog;
	l->conf = next;
	(void)log_setup(l, log);
}

static int64_t interval_ms(const struct ksm_loop *l)
{
	return l->interval_ms ? l->interval_ms : l->conf.monitor_interval * 1000;
}

int ksm_loop_run(struct ksm_loop *l)
{
	const char *pidfile = l->pidfile ? l->pidfile : l->conf.pidfile[0] ? l->conf.pidfile : NULL;
	struct ksm_log log = { 0 };
	int64_t npages = 0, next;
	int pidfd = -1, status = VU_EXIT_FAIL;
	sigset_t set, old;
	struct ksm_pass p;
	struct vu_err e;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before anything else, so a signal sent early is not lost. */
	sigprocmask(SIG_BLOCK, &set, &old);

	if (access(l->sysfs, F_OK) < 0) {
		if (errno == ENOENT)
			vu_warnx("%s: not found: this kernel has no KSM (CONFIG_KSM)", l->sysfs);
		else
			vu_warn("%s", l->sysfs);
		goto out;
	}
	if (pidfile && (pidfd = pidfile_take(pidfile)) < 0)
		goto out;
	if (log_open(l, &log) < 0 || log_setup(l, &log) < 0)
		goto out;

	next = now_ms() + interval_ms(l);
	for (;;) {
		int64_t wait = next - now_ms();
		struct timespec ts;
		int sig;

		if (wait < 0)
			wait = 0;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig == SIGTERM || sig == SIGINT) {
			status = VU_EXIT_OK;
			break;
		}
		if (sig == SIGHUP) {
			reload(l, &log);
			continue;
		}
		/* The interval passed, or SIGUSR1: a VM started or stopped. */
		if (ksm_pass_run(l->sysfs, l->proc, &l->conf, npages, false, &p, &e) < 0) {
			vu_warnx("%s: %s", p.obj, vu_err_str(&e));
			break;
		}
		ksm_log_decision(&log, &p.in, &p.d);
		if (l->report)
			l->report(&p, &l->conf, l->report_arg);
		npages = p.d.npages;
		ksm_pass_free(&p);
		next = now_ms() + interval_ms(l);
	}
out:
	ksm_log_close(&log);
	if (pidfile)
		pidfile_release(pidfile, pidfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
