/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestfs_test.h - what the libshared/guest tests share: a scratch
 * directory with a fixture image (tests/fixtures/mkguestfs.sh), opening it,
 * and the oracles (debugfs, e2fsck -fn, qemu-img check, checksums) */
#ifndef GUESTFS_TEST_H
#define GUESTFS_TEST_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/guestfs.h"
#include "testutil.h"

struct gfx {
	char dir[PATH_MAX];
	char img[PATH_MAX + 16];	/* dir/disk.raw */
	bool skip;
	struct vu_guest *g;
};

/* A scratch directory holding mkguestfs.sh KIND's image. */
static inline int gfx_setup(void **state, const char *kind)
{
	struct gfx *f = calloc(1, sizeof(*f));
	char mk[PATH_MAX];

	if (!f)
		return -1;
	*state = f;
	if (tu_scratch_disk(f->dir, sizeof(f->dir), "test_guestfs") < 0)
		return -1;
	snprintf(f->img, sizeof(f->img), "%s/disk.raw", f->dir);
	if (!tu_fixture_script("mkguestfs.sh", mk, sizeof(mk)) ||
	    tu_sh("%s %s %s >/dev/null", mk, kind, f->dir) != 0)
		return -1;
	return 0;
}

static inline int gfx_teardown(void **state)
{
	struct gfx *f = *state;

	if (f->g)
		vu_guest_close(&f->g, NULL);
	return tu_scratch_free(f, f->dir);
}

/* Opens path (format fmt or probed), then mounts; the test fails on error. */
static inline struct vu_guest *gfx_open(const char *path, const char *fmt, unsigned flags)
{
	struct vu_guest_disk d = { path, fmt };
	struct vu_err e = { 0 };
	struct vu_guest *g = NULL;

	if (vu_guest_open(&g, &d, 1, flags, &e) < 0)
		fail_msg("open %s: %s", path, vu_err_str(&e));
	if (vu_guest_mount_all(g, &e) < 0)
		fail_msg("mount %s: %s", path, vu_err_str(&e));
	return g;
}

static inline void gfx_close(struct vu_guest **g)
{
	struct vu_err e = { 0 };

	if (vu_guest_close(g, &e) < 0)
		fail_msg("close: %s", vu_err_str(&e));
}

/* The guest's file as a string (the test fails if it cannot be read). */
static inline char *gfx_cat(struct vu_guest *g, const char *path)
{
	struct vu_err e = { 0 };
	char *buf = NULL;
	size_t len;

	if (vu_guest_read_file(g, path, 1 << 24, &buf, &len, &e) < 0)
		fail_msg("read %s: %s", path, vu_err_str(&e));
	return buf;
}

/* e2fsck -fn on the filesystem at byte offset off of a raw image. */
static inline int gfx_fsck(const char *img, unsigned long long off)
{
	if (!off)
		return tu_sh("e2fsck -fn '%s' >/dev/null 2>&1", img);
	return tu_sh("e2fsck -fn '%s?offset=%llu' >/dev/null 2>&1", img, off);
}

/* debugfs -R CMD's output on the filesystem at offset off. */
static inline char *gfx_debugfs(const char *img, unsigned long long off, const char *cmd)
{
	if (!off)
		return tu_sh_out("debugfs -R '%s' '%s' 2>/dev/null", cmd, img);
	return tu_sh_out("debugfs -R '%s' '%s?offset=%llu' 2>/dev/null", cmd, img, off);
}

#endif
