/* SPDX-License-Identifier: GPL-2.0-or-later */
/* testutil.h - what the unit tests share: scratch directories and state
 * roots, files written from strings and read back, shell commands and their
 * output, the fixture scripts, and skipping where qemu-img is missing.
 * Include it after <cmocka.h>: failures end the test with cmocka's asserts.
 * Everything is static inline, so a test uses what it needs and no more. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/state.h"

/* ---- scratch directories ---- */

/* On failure dir is "", which tu_scratch_done leaves alone. */
static inline int tu_mkdtemp_(char *dir, size_t len, const char *fallback, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(dir, len, "%s/%s.XXXXXX", tmp && *tmp ? tmp : fallback, name) < len &&
	    mkdtemp(dir))
		return 0;
	dir[0] = '\0';
	return -1;
}

/* Makes a fresh directory $TMPDIR/NAME.XXXXXX (/tmp without TMPDIR) and
 * puts its path in dir (len bytes); 0, or -1 (the setup then fails). */
static inline int tu_scratch(char *dir, size_t len, const char *name)
{
	return tu_mkdtemp_(dir, len, "/tmp", name);
}

/* The same under /var/tmp without TMPDIR, for tests that need a disk file
 * system: /tmp is often a tmpfs, which has no O_DIRECT and no reflinks. */
static inline int tu_scratch_disk(char *dir, size_t len, const char *name)
{
	return tu_mkdtemp_(dir, len, "/var/tmp", name);
}

static inline int tu_rm_entry_(const char *path, const struct stat *st, int flag,
			       struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it (symbolic links, not what they point
 * to). 0, or -1 when something could not be removed. */
static inline int tu_rmtree(const char *dir)
{
	return nftw(dir, tu_rm_entry_, 16, FTW_DEPTH | FTW_PHYS);
}

/* The end of a scratch directory, for teardowns: removed, unless VU_KEEP=1
 * keeps it for a post-mortem; one never made ("") is fine. 0 or -1. */
static inline int tu_scratch_done(const char *dir)
{
	if (!dir[0])
		return 0;
	if (getenv("VU_KEEP")) {
		fprintf(stderr, "# kept %s\n", dir);
		return 0;
	}
	return tu_rmtree(dir);
}

/* A teardown's last step: tu_scratch_done(dir), then frees the fixture
 * that holds dir. 0 or -1. */
static inline int tu_scratch_free(void *fixture, const char *dir)
{
	int r = tu_scratch_done(dir);

	free(fixture);
	return r;
}

/* A state root of the test's own in a scratch directory named after the
 * test program, created (vu_state_prepare); cmocka's state points to it. */
struct tu_root {
	char dir[PATH_MAX];
	struct vu_state st;
};

static inline int tu_root_teardown(void **state)
{
	struct tu_root *r = *state;

	vu_state_free(&r->st);
	return tu_scratch_free(r, r->dir);
}

static inline int tu_root_setup(void **state)
{
	struct tu_root *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	*state = r;
	if (tu_scratch(r->dir, sizeof(r->dir), program_invocation_short_name) < 0 ||
	    vu_state_resolve(&r->st, r->dir) < 0 || vu_state_prepare(&r->st, NULL) < 0) {
		tu_root_teardown(state);
		return -1;
	}
	return 0;
}

/* ---- files ---- */

/* dir/name into out (len bytes); a path too long for it fails the test. */
static inline void tu_path(char *out, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		fail_msg("path too long: %s/%s", dir, name);
}

/* Writes len bytes of data to path, replacing what was there. */
static inline void tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void tu_write_str(const char *path, const char *text)
{
	tu_write(path, text, strlen(text));
}

/* Writes text to dir/rel, making the directories rel names first. */
static inline void tu_put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), dir, rel);
	for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("%s: %s", path, strerror(errno));
		*s = '/';
	}
	tu_write_str(path, text);
}

/* The whole of path, NUL-terminated (free it); its length in *len unless
 * len is NULL. A file that cannot be read fails the test. */
static inline void *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	do {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	assert_false(ferror(f));
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- commands ---- */

static inline char *tu_vcmd_(const char *fmt, va_list ap)
{
	char *cmd = NULL;

	if (vasprintf(&cmd, fmt, ap) < 0)
		fail_msg("out of memory");
	return cmd;
}

/* Runs a shell command; its exit status, or -1 when it did not exit. */
static inline int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tu_sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	cmd = tu_vcmd_(fmt, ap);
	va_end(ap);
	st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs a shell command that must exit 0, else the test fails (at the
 * caller's line). */
#define tu_sh_ok(...) assert_int_equal(tu_sh(__VA_ARGS__), 0)

/* Runs a shell command and returns its standard output, NUL-terminated
 * (free it; at most 1 MiB is kept). */
static inline char *tu_sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *tu_sh_out(const char *fmt, ...)
{
	const size_t max = 1 << 20;
	char *out = calloc(1, max);
	size_t n = 0, got;
	va_list ap;
	char *cmd;
	FILE *p;

	va_start(ap, fmt);
	cmd = tu_vcmd_(fmt, ap);
	va_end(ap);
	assert_non_null(out);
	p = popen(cmd, "r");
	if (!p)
		fail_msg("%s: %s", cmd, strerror(errno));
	while (n < max - 1 && (got = fread(out + n, 1, max - 1 - n, p)) > 0)
		n += got;
	pclose(p);
	free(cmd);
	return out;
}

/* ---- fixture scripts and qemu-img ---- */

/* The path of tests/fixtures/NAME, an executable script, in out: from
 * $VU_SRCDIR, the current directory, or three levels above this program
 * (build/unit/test_x). false if none is found. */
static inline bool tu_fixture_script(const char *name, char *out, size_t len)
{
	const char *src = getenv("VU_SRCDIR");
	char exe[PATH_MAX];
	ssize_t n;

	if ((size_t)snprintf(out, len, "%s/tests/fixtures/%s", src ? src : ".", name) >= len)
		return false;
	if (access(out, X_OK) == 0)
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(exe, '/');

		if (slash)
			*slash = '\0';
	}
	if ((size_t)snprintf(out, len, "%s/tests/fixtures/%s", exe, name) >= len)
		return false;
	return access(out, X_OK) == 0;
}

/* Whether qemu-img and qemu-io, the image tests' oracles, are installed. */
static inline bool tu_have_qemu(void)
{
	return tu_sh("command -v qemu-img >/dev/null && command -v qemu-io >/dev/null") == 0;
}

/* Skips the running test when its group's fixture f found no qemu-img
 * (f->skip, set by the group setup from tu_have_qemu). */
#define SKIP_IF_NO_QEMU(f) do { \
	if ((f)->skip) { \
		print_message("qemu-img missing: skip\n"); \
		skip(); \
	} \
} while (0)

#endif
