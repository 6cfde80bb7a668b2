/* SPDX-License-Identifier: GPL-2.0-or-later */
/* destqemu.c - the destination's QEMU, started stopped with -incoming
 * defer where vm-ctl's runtime keeps its domains (RUN/qemu/NAME.*), so
 * that vm-ctl sees it run once the migration is done.
 *
 * The argv is the runtime's builder's (vu/qemucmd.h, env.incoming), the
 * process started here. vu_qemurun_start with opts.incoming is meant to
 * replace this file (start, then vu_qemurun_qmp; vu_qemurun_destroy to
 * undo), but with it a raw backing file under an overlay is refused as
 * root (the fdset chain's raw layer gets "backing": null), and a domain
 * migrated away and back is still seen active at its first destination:
 * both to settle in the runtime first. */
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

#include "vu/file.h"
#include "vu/qemucmd.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"

#include "vm-migrate.h"

#define START_TIMEOUT_MS 30000

struct paths {
	char *dir, *pid, *qmp, *log, *rundir;
};

static void paths_free(struct paths *p)
{
	free(p->dir), free(p->pid), free(p->qmp), free(p->log), free(p->rundir);
}

static int paths_make(const struct vu_state *st, const char *name, struct paths *p)
{
	*p = (struct paths){ 0 };
	if (asprintf(&p->dir, "%s/qemu", st->run) < 0 ||
	    asprintf(&p->pid, "%s/%s.pid", p->dir, name) < 0 ||
	    asprintf(&p->qmp, "%s/%s.qmp", p->dir, name) < 0 ||
	    asprintf(&p->log, "%s/%s.log", p->dir, name) < 0 ||
	    asprintf(&p->rundir, "%s/%s.d", p->dir, name) < 0)
		return -ENOMEM;
	return 0;
}

/* The log starts as the runtime's does: a header line, the command line. */
static int open_log(const char *path, char *const *argv, struct vu_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f;

	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	if ((f = fdopen(dup(fd), "a"))) {
		fprintf(f, "vm-migrate (incoming)%s\n", VU_QMP_LOG_START);
		for (size_t i = 0; argv[i]; i++)
			fprintf(f, "%s%s", i ? " " : "", argv[i]);
		fputc('\n', f);
		fclose(f);
	}
	return fd;
}

/* Runs QEMU with -daemonize: its first process exits 0 once the guest is
 * set up and the pidfile written, or non-zero with the reason in the log. */
static int spawn(char *const *argv, int logfd, const char *log, struct vu_err *e)
{
	int status;
	pid_t pid = fork(), w;

	if (pid < 0)
		return vu_err_set(e, errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(logfd, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		char tail[1024];

		vu_qmp_log_tail(log, 3, tail, sizeof(tail));
		return vu_err_set(e, EIO, "QEMU did not start: %s", *tail ? tail : "no message");
	}
	return 0;
}

int vmg_dest_start(const struct vu_state *st, const struct vu_domain *dom, struct vu_qmp **q,
		   struct vu_err *e)
{
	struct vu_qemu_cmd cmd = { 0 };
	struct paths p;
	char *name = NULL;
	int logfd = -1, r;

	*q = NULL;
	if (vu_domain_get_name(dom, &name) < 0 || !name)
		return vu_err_set(e, EINVAL, "the domain has no name");
	if (paths_make(st, name, &p) < 0) {
		r = vu_err_set(e, ENOMEM, NULL);
		goto out;
	}
	if ((mkdir(p.dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(p.rundir, 0700) < 0 && errno != EEXIST)) {
		r = vu_err_set(e, errno, "%s: %s", p.rundir, strerror(errno));
		goto out;
	}
	struct vu_qemu_env env = {
		.qmp = p.qmp, .pidfile = p.pid, .rundir = p.rundir,
		.daemonize = true, .incoming = true,
	};
	if ((r = vu_qemu_cmdline(dom, &env, &cmd, e)) < 0 ||
	    (r = vu_qemu_cmd_write_files(&cmd, e)) < 0)
		goto out;
	if ((r = logfd = open_log(p.log, cmd.argv, e)) < 0)
		goto out;
	if ((r = spawn(cmd.argv, logfd, p.log, e)) < 0)
		goto out;
	r = vu_qmp_open(q, p.qmp, p.log, START_TIMEOUT_MS, e);
	if (r < 0)
		vmg_dest_kill(st, name, q);
out:
	if (logfd >= 0)
		close(logfd);
	vu_qemu_cmd_clear(&cmd);
	paths_free(&p);
	free(name);
	return r;
}

/* The pid QEMU wrote, or 0. */
static pid_t read_pid(const char *path)
{
	char *buf = NULL;
	size_t len;
	long pid = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 && vu_read_all(fd, 64, &buf, &len) == 0)
		pid = strtol(buf, NULL, 10);
	if (fd >= 0)
		close(fd);
	free(buf);
	return pid > 0 ? (pid_t)pid : 0;
}

void vmg_dest_kill(const struct vu_state *st, const char *name, struct vu_qmp **q)
{
	struct paths p;
	pid_t pid;
	struct vu_err e;

	if (paths_make(st, name, &p) < 0) {
		paths_free(&p);
		return;
	}
	pid = read_pid(p.pid);
	if (*q)
		vu_qmp_cmd(*q, "quit", NULL, NULL, 5000, &e);
	vu_qmp_close(q);
	for (int i = 0; pid > 0 && i < 100 && kill(pid, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	if (pid > 0 && kill(pid, 0) == 0)
		kill(pid, SIGKILL);
	unlink(p.pid);
	unlink(p.qmp);
	rmdir(p.rundir);
	paths_free(&p);
}
