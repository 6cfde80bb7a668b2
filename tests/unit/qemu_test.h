/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu_test.h - what the qcow2 writer tests share beyond testutil.h: the
 * group fixture (a scratch directory, whether qemu-img runs), crash
 * injection, and qemu-img info's JSON */
#ifndef QEMU_TEST_H
#define QEMU_TEST_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <json.h>

#include "testutil.h"

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

static void path(char *out, const struct fixture *f, const char *name)
{
	tu_path(out, PATH_MAX, f->dir, name);
}

/* A group's scratch directory, vu-NAME.XXXXXX (see tu_scratch). */
static int qemu_group_setup(void **state, const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char base[64];

	if (!f)
		return -1;
	f->skip = !tu_have_qemu();
	snprintf(base, sizeof(base), "vu-%s", name);
	if (tu_scratch(f->dir, sizeof(f->dir), base) < 0)
		return -1;
	*state = f;
	return 0;
}

/* VU_KEEP=1 keeps the scratch directory for a post-mortem. */
static int group_teardown(void **state)
{
	struct fixture *f = *state;

	return tu_scratch_free(f, f->dir);
}

/* ---- qemu-img info as the oracle ---- */

/* qemu-img info --output=json, parsed. */
static inline json_object *info_json(const char *p)
{
	char *out = tu_sh_out("qemu-img info --output=json '%s' 2>/dev/null", p);
	json_object *j = json_tokener_parse(out);

	free(out);
	assert_non_null(j);
	return j;
}

/* The member at a dotted path ("format-specific.data.compat"), or NULL. */
static inline json_object *jget(json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	return o;
}

/* The string at path ("" when absent), the integer (-1 when absent). */
static inline const char *jstr(json_object *o, const char *p)
{
	json_object *v = jget(o, p);

	return v ? json_object_get_string(v) : "";
}

static inline int64_t jint(json_object *o, const char *p)
{
	json_object *v = jget(o, p);

	return v ? json_object_get_int64(v) : -1;
}

#endif
