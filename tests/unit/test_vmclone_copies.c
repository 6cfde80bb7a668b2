/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmclone_copies.c - vm-clone's new files: copies, overlays, no
 * replacing, and every file removed again when one fails */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/image.h"
#include "testutil.h"

/* vm-clone's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-clone/vm-clone.h"

#define SIZE (4u << 20)

struct fx {
	char dir[64];
	char src[128], a[128], b[128], bad[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char buf[4096];
	int fd;

	if (!f || tu_scratch(f->dir, sizeof(f->dir), "test_vmclone_copies") < 0)
		return -1;
	snprintf(f->src, sizeof(f->src), "%s/src.raw", f->dir);
	snprintf(f->a, sizeof(f->a), "%s/a.img", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/b.img", f->dir);
	snprintf(f->bad, sizeof(f->bad), "%s/nodir/c.img", f->dir);
	fd = open(f->src, O_RDWR | O_CREAT | O_EXCL, 0640);
	memset(buf, 0x5a, sizeof(buf));
	if (fd < 0 || ftruncate(fd, SIZE) < 0 || pwrite(fd, buf, sizeof(buf), 65536) != 4096)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	return tu_scratch_free(f, f->dir);
}

static const struct vc_copy_opts quiet = { .quiet = true };

static void test_copy_and_overlay(void **state)
{
	struct fx *f = *state;
	struct vc_job jobs[] = {
		{ .src = f->src, .fmt = "raw", .dst = f->a, .action = VC_COPY },
		{ .src = f->src, .fmt = "raw", .dst = f->b, .action = VC_LINK },
	};
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };
	char buf[4096];
	size_t bad = 99;
	struct stat st;

	assert_int_equal(vc_copy_all(jobs, 2, &quiet, &bad, &e), 0);
	assert_true(jobs[0].done && jobs[1].done);
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_size, SIZE);
	assert_int_equal(st.st_mode & 0777, 0640);	/* the original's mode */
	assert_int_equal(vu_image_open(&img, f->b, "qcow2", 0, &e), 0);
	assert_int_equal(vu_image_size(img), SIZE);
	assert_string_equal(vu_image_backing_file(img), f->src);
	assert_string_equal(vu_image_backing_fmt(img), "raw");
	assert_int_equal(vu_image_pread(img, buf, sizeof(buf), 65536), 0);
	assert_int_equal(buf[0], 0x5a);
	vu_image_close(&img);
}

static void test_no_replace(void **state)
{
	struct fx *f = *state;
	struct vc_job job = { .src = f->src, .fmt = "raw", .dst = f->a, .action = VC_COPY };
	struct vc_copy_opts replace = { .quiet = true, .replace = true };
	struct vu_err e = { 0 };
	size_t bad = 99;
	int fd = open(f->a, O_WRONLY | O_CREAT | O_EXCL, 0644);
	struct stat st;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vc_copy_all(&job, 1, &quiet, &bad, &e), -EEXIST);
	assert_int_equal(bad, 0);
	assert_string_equal(e.msg, "target file exists");
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_size, 0);	/* left as it was */
	assert_int_equal(vc_copy_all(&job, 1, &replace, &bad, &e), 0);
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_size, SIZE);
}

static void test_rollback(void **state)
{
	struct fx *f = *state;
	struct vc_job jobs[] = {
		{ .src = f->src, .fmt = "raw", .dst = f->a, .action = VC_COPY },
		{ .src = f->src, .fmt = "raw", .dst = f->b, .action = VC_LINK },
		{ .src = f->src, .fmt = "raw", .dst = f->bad, .action = VC_COPY },
	};
	struct vu_err e = { 0 };
	size_t bad = 99;

	assert_int_equal(vc_copy_all(jobs, 3, &quiet, &bad, &e), -ENOENT);
	assert_int_equal(bad, 2);
	assert_int_equal(access(f->a, F_OK), -1);
	assert_int_equal(access(f->b, F_OK), -1);
	assert_false(jobs[0].done);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_copy_and_overlay), T(test_no_replace), T(test_rollback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
