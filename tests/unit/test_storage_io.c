/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_storage_io.c - libshared/storage's helpers: the programs it runs,
 * the mount table, and descriptor sinks */
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

/* The private helpers under test. */
#include "../../libshared/storage/storage_int.h"
#include "testutil.h"

static void test_run(void **state)
{
	const char *ok[] = { "true", NULL };
	const char *quiet[] = { "false", NULL };
	const char *talk[] = { "sh", "-c", "echo first >&2; echo; echo 'the reason  ' >&2; exit 3",
			       NULL };
	const char *missing[] = { "no-such-program-here", NULL };
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(st_run(ok, &e), 0);
	assert_int_equal(st_run(quiet, &e), -EIO);
	assert_string_equal(e.msg, "false failed");
	assert_int_equal(st_run(talk, &e), -EIO);
	assert_string_equal(e.msg, "sh failed: the reason");
	assert_int_equal(st_run(missing, &e), -ENOENT);
	assert_string_equal(e.msg, "cannot run no-such-program-here: No such file or directory");
}

static void test_mounted(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	assert_int_equal(st_fs_mounted("/"), 1);
	assert_int_equal(tu_scratch(dir, sizeof(dir), "test_storage_io"), 0);
	assert_int_equal(st_fs_mounted(dir), 0);
	assert_int_equal(st_fs_mounted("/nonexistent/dir"), 0);
	rmdir(dir);
}

static void test_loop_find(void **state)
{
	char path[] = "/tmp/test_storage_io.XXXXXX", dev[64];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(st_loop_find(path, dev, sizeof(dev)), -ENOENT);
	assert_int_equal(st_loop_find("/nonexistent", dev, sizeof(dev)), -ENOENT);
	unlink(path);
}

/* The engine copies into a pipe in order, zeros written out. */
static void test_fd_sink_pipe(void **state)
{
	const uint8_t pat[] = { 'x' };
	struct vu_image *src;
	struct st_fd_sink fs;
	struct vu_err e = { 0 };
	char buf[32] = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vu_image_pattern(&src, 5, pat, 1, false), 0);
	st_fd_sink_init(&fs, p[1], 8, false, false);
	assert_false(fs.seekable);
	assert_int_equal(st_copy(&src, 1, &fs.sink, 0, NULL, &e), 0);
	close(p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "xxxxx\0\0\0", 8);
	close(p[0]);
	vu_image_close(&src);
}

/* Into an empty file with sparse: zeros stay holes; the size is set. */
static void test_fd_sink_file(void **state)
{
	char path[] = "/tmp/test_storage_io.XXXXXX";
	int fd = mkstemp(path);
	struct vu_image *src;
	struct st_fd_sink fs;
	struct vu_err e = { 0 };
	struct stat st;

	(void)state;
	assert_int_equal(vu_image_pattern(&src, 8 << 20, NULL, 0, true), 0);
	st_fd_sink_init(&fs, fd, 8 << 20, true, true);
	assert_true(fs.sink.zero_init);
	assert_int_equal(st_copy(&src, 1, &fs.sink, VU_COPY_MIN_SPARSE, NULL, &e), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 8 << 20);
	assert_int_equal(st.st_blocks, 0);
	close(fd);
	unlink(path);
	vu_image_close(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run), cmocka_unit_test(test_mounted),
		cmocka_unit_test(test_loop_find), cmocka_unit_test(test_fd_sink_pipe),
		cmocka_unit_test(test_fd_sink_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
