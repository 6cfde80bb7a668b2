/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_guestfs_uuid.c - fs-uuids: a new UUID on ext4 with metadata_csum
 * (kept valid by metadata_csum_seed), with uninit_bg (descriptor CRC16s
 * recomputed) and on ext2, checked by e2fsck -fn and dumpe2fs */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guestfs_test.h"

static int setup(void **state)
{
	return gfx_setup(state, "plain");
}

/* Remakes the image's filesystem with mke2fs options opts. */
static void remake(const struct gfx *f, const char *opts)
{
	tu_sh_ok("mke2fs -q -F %s -E root_owner=0:0 -d '%s/tree-root' '%s' 64M", opts, f->dir,
		 f->img);
}

static void change_and_check(struct gfx *f, const char *want_feature)
{
	char old[40], neu[40], *s, line[80];
	struct vu_err e = { 0 };

	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	assert_int_equal(vu_guest_fs_set_uuid(f->g, "/dev/sda", NULL, old, neu, &e), 0);
	assert_string_not_equal(old, neu);
	assert_string_equal(vu_guest_find_fs(f->g, "/dev/sda")->uuid, neu);
	/* The filesystem stays usable after the change. */
	assert_int_equal(vu_guest_write_file(f->g, "/etc/after", "a\n", 2, -1, -1, -1, &e), 0);
	gfx_close(&f->g);
	assert_int_equal(gfx_fsck(f->img, 0), 0);
	s = tu_sh_out("dumpe2fs -h '%s' 2>/dev/null", f->img);
	snprintf(line, sizeof(line), "Filesystem UUID:          %s", neu);
	assert_non_null(strstr(s, line));
	if (want_feature)
		assert_non_null(strstr(s, want_feature));
	free(s);
}

static void test_metadata_csum(void **state)
{
	struct gfx *f = *state;
	struct vu_err e = { 0 };
	char old[40], neu[40];

	change_and_check(f, "metadata_csum_seed");
	/* A given UUID, in any case. */
	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	assert_int_equal(vu_guest_fs_set_uuid(f->g, "UUID=0b3f1e9a-1d2c-4e5f-8a9b-0c1d2e3f4a5b",
					      NULL, old, neu, &e), -ENOENT);
	assert_int_equal(vu_guest_fs_set_uuid(f->g, "/dev/sda", "not-a-uuid", old, neu, &e),
			 -EINVAL);
	assert_int_equal(vu_guest_fs_set_uuid(f->g, "/dev/sda",
					      "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", old, neu, &e),
			 0);
	assert_string_equal(neu, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
	gfx_close(&f->g);
	assert_int_equal(gfx_fsck(f->img, 0), 0);
}

static void test_uninit_bg(void **state)
{
	struct gfx *f = *state;

	remake(f, "-t ext4 -O ^metadata_csum,uninit_bg");
	change_and_check(f, "uninit_bg");
}

static void test_ext2(void **state)
{
	struct gfx *f = *state;

	remake(f, "-t ext2");
	change_and_check(f, NULL);
}

/* A swap area's UUID, as blkid reads it. */
static void test_swap(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_disk d = { f->img, "raw" };
	struct vu_err e = { 0 };
	char old[40], neu[40], *s;
	struct vu_guest *g;

	if (tu_sh("command -v mkswap >/dev/null && command -v blkid >/dev/null") != 0)
		skip();
	tu_sh_ok("mkswap -U 01234567-89ab-4def-8123-456789abcdef '%s' >/dev/null 2>&1", f->img);
	assert_int_equal(vu_guest_open(&g, &d, 1, VU_GUEST_RDWR, &e), 0);
	assert_string_equal(vu_guest_find_fs(g, "/dev/sda")->type, "swap");
	assert_int_equal(vu_guest_fs_set_uuid(g, "/dev/sda", NULL, old, neu, &e), 0);
	assert_string_equal(old, "01234567-89ab-4def-8123-456789abcdef");
	assert_int_equal(vu_guest_close(&g, &e), 0);
	s = tu_sh_out("blkid -p -o value -s UUID '%s'", f->img);
	assert_int_equal(strncmp(s, neu, 36), 0);
	free(s);
}

static void test_readonly(void **state)
{
	struct gfx *f = *state;
	struct vu_err e = { 0 };
	char old[40], neu[40];

	f->g = gfx_open(f->img, "raw", 0);
	assert_int_equal(vu_guest_fs_set_uuid(f->g, "/dev/sda", NULL, old, neu, &e), -EROFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, gfx_teardown)
		T(test_metadata_csum),
		T(test_uninit_bg),
		T(test_ext2),
		T(test_swap),
		T(test_readonly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
