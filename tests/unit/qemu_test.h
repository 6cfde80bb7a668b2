/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu_test.h - what the qcow2 writer tests share: a scratch directory,
 * shell commands for qemu-img as the oracle, and crash injection */
#ifndef QEMU_TEST_H
#define QEMU_TEST_H

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Crash injection: a forked writer child dies (SIGKILL, as kill -9) just
 * before its n-th write to the image file. The test binary's own pwrite
 * stands in for libc's, so every write libshared makes passes here. Only a
 * forked child arms the limit; the parent only counts, in a dry run.
 */
static int crash_fd = -1;
static long crash_left = -1;	/* writes still allowed; -1: no limit */
static long crash_writes;	/* writes seen so far */

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (fd == crash_fd) {
		if (crash_left == 0)
			raise(SIGKILL);
		if (crash_left > 0)
			crash_left--;
		crash_writes++;
	}
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

struct fixture {
	bool skip;		/* no qemu-img or qemu-io on this machine */
	char dir[PATH_MAX];
};

#define SKIP_IF_NO_QEMU(f) do { if ((f)->skip) { print_message("no qemu-img: skip\n"); skip(); } } while (0)

/* Runs a shell command; its exit status, or -1 when it did not exit. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[6 * PATH_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs a command and returns its stdout (malloc'd, at most 1 MiB). */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	char *out = calloc(1, 1 << 20);
	size_t n = 0, got;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_non_null(out);
	assert_non_null(p = popen(cmd, "r"));
	while (n < (1 << 20) - 1 && (got = fread(out + n, 1, (1 << 20) - 1 - n, p)) > 0)
		n += got;
	pclose(p);
	return out;
}

static void path(char *out, const struct fixture *f, const char *name)
{
	assert_true((size_t)snprintf(out, PATH_MAX, "%s/%s", f->dir, name) < PATH_MAX);
}

/* A group's scratch directory, $TMPDIR/vu-NAME.XXXXXX. */
static int qemu_group_setup(void **state, const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (!f)
		return -1;
	f->skip = system("qemu-img --version >/dev/null 2>&1 && "
			 "qemu-io --version >/dev/null 2>&1") != 0;
	snprintf(f->dir, sizeof(f->dir), "%s/vu-%s.XXXXXX", tmp ? tmp : "/tmp", name);
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

/* VU_KEEP=1 keeps the scratch directory for a post-mortem. */
static int group_teardown(void **state)
{
	struct fixture *f = *state;

	if (!getenv("VU_KEEP"))
		sh("rm -rf '%s'", f->dir);
	free(f);
	return 0;
}

#endif
