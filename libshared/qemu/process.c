/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.c - QEMU's process: exec it daemonised with the fds it is
 * given, know when it has gone, stop it */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vu/qmp.h"

#include "qemurun_int.h"

/* In the child: the fds QEMU is handed lose close-on-exec, stdin is
 * /dev/null, stdout and stderr the log. Only async-signal-safe calls. */
static void child(char *const *argv, const int *fds, size_t nfds, int logfd)
{
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(127);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] > 2 && fcntl(fds[i], F_SETFD, 0) < 0)
			_exit(127);
	/* The parent's blocked or ignored signals are not QEMU's business. */
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	dprintf(2, "%s: cannot run it: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * QEMU runs as a grandchild in a session of its own, so it is init's and
 * never our zombie, and outlives vm-ctl. Not -daemonize: QEMU forks for it
 * after its seccomp filter is in place, which spawn=deny forbids, and a
 * QEMU of our own keeps its stderr (the log) after start-up.
 */
int qr_spawn(char *const *argv, const int *fds, size_t nfds, int logfd, pid_t *qemu,
	     struct vu_err *e)
{
	pid_t mid, pid = -1;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vu_err_set(e, errno, "pipe: %s", strerror(errno));
	mid = fork();
	if (mid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return vu_err_set(e, errno, "fork: %s", strerror(errno));
	}
	if (mid == 0) {
		pid_t g;

		setsid();
		g = fork();
		if (g == 0)
			child(argv, fds, nfds, logfd);
		_exit(write(pfd[1], &g, sizeof(g)) == sizeof(g) && g > 0 ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(pfd[0]);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	if (pid <= 0)
		return vu_err_set(e, EAGAIN, "cannot fork QEMU");
	*qemu = pid;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int qr_wait_gone(int dfd, const char *name, int timeout_ms)
{
	for (int waited = 0; qr_pid(dfd, name) > 0; waited += 20) {
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return -ETIMEDOUT;
		sleep_ms(20);
	}
	return 0;
}

int qr_kill(int dfd, const char *name, bool graceful, struct vu_err *e)
{
	pid_t pid = qr_pid(dfd, name);

	if (pid <= 0)
		return vu_err_set(e, ESRCH, "domain is not running");
	/* As libvirt: SIGTERM, 10 s for QEMU to flush and go, then SIGKILL. */
	if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
		return vu_err_set(e, errno, "cannot signal QEMU (pid %d): %s", (int)pid,
				  strerror(errno));
	if (qr_wait_gone(dfd, name, 10000) == 0)
		return 0;
	if (graceful)
		return vu_err_set(e, EBUSY, "QEMU (pid %d) did not exit on SIGTERM", (int)pid);
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
		return vu_err_set(e, errno, "cannot kill QEMU (pid %d): %s", (int)pid,
				  strerror(errno));
	if (qr_wait_gone(dfd, name, 5000) < 0)
		return vu_err_set(e, EBUSY, "QEMU (pid %d) is still there after SIGKILL", (int)pid);
	return 0;
}

/* Whether pid lives: a zombie does not (init may be slow to reap). */
static bool alive(pid_t pid)
{
	char path[64], buf[256], *p;
	bool yes = kill(pid, 0) == 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!yes || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return yes;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		p = strrchr(buf, ')');
		yes = !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
	}
	return yes;
}

int qr_wait_ready(pid_t pid, const char *qmp, const char *log, int timeout_ms,
		  struct vu_qmp **q, struct vu_err *e)
{
	char tail[1024];
	int r = -ETIMEDOUT;

	*q = NULL;
	/* 1 ms steps: QEMU's socket appears within tens of ms, and each step
	 * of lag is lag of the start. */
	for (int waited = 0; waited < timeout_ms; waited += 1) {
		struct stat sb;

		if (!alive(pid)) {
			r = -EPIPE;
			break;
		}
		if (stat(qmp, &sb) == 0) {
			/* The greeting comes once QEMU's set-up is done. */
			r = vu_qmp_open(q, qmp, log, timeout_ms - waited, e);
			if (r != -ECONNREFUSED && r != -ENOENT)
				break;
		}
		sleep_ms(1);
	}
	if (r == 0)
		return 0;
	if (r == -ETIMEDOUT)
		return vu_err_set(e, ETIMEDOUT, "QEMU did not answer in %d s", timeout_ms / 1000);
	vu_qmp_log_tail(log, 2, tail, sizeof(tail));
	return vu_err_set(e, EIO, "QEMU failed to start%s%s", tail[0] ? ": " : "", tail);
}
