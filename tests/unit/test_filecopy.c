/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_filecopy.c - file-level copies: holes kept, --nonsparse allocates,
 * reflink shares or fails clearly, data bytes counted */
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

#include "vu/filecopy.h"
#include "testutil.h"

#define MIB (1u << 20)
#define SIZE (16 * MIB + 4096 + 123)	/* an odd tail, as raw images may have */

struct fx {
	char dir[64];
	char src[96], dst[96];
	int sfd, dfd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *buf = malloc(MIB);

	if (!f || !buf || tu_scratch_disk(f->dir, sizeof(f->dir), "test_filecopy") < 0)
		return -1;
	snprintf(f->src, sizeof(f->src), "%s/src", f->dir);
	snprintf(f->dst, sizeof(f->dst), "%s/dst", f->dir);
	f->sfd = open(f->src, O_RDWR | O_CREAT | O_EXCL, 0600);
	f->dfd = open(f->dst, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (f->sfd < 0 || f->dfd < 0 || ftruncate(f->sfd, SIZE) < 0)
		return -1;
	/* Data at 1 MiB and 9 MiB, and in the last bytes; holes between. */
	memset(buf, 0x5a, MIB);
	if (pwrite(f->sfd, buf, MIB, MIB) != MIB || pwrite(f->sfd, buf, MIB, 9 * MIB) != MIB ||
	    pwrite(f->sfd, buf, 100, SIZE - 100) != 100)
		return -1;
	free(buf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close(f->sfd);
	close(f->dfd);
	return tu_scratch_free(f, f->dir);
}

static void assert_same(const struct fx *f)
{
	char *a = malloc(SIZE), *b = malloc(SIZE);
	struct stat st;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(fstat(f->dfd, &st), 0);
	assert_int_equal(st.st_size, SIZE);
	assert_int_equal(pread(f->sfd, a, SIZE, 0), SIZE);
	assert_int_equal(pread(f->dfd, b, SIZE, 0), SIZE);
	assert_memory_equal(a, b, SIZE);
	free(a);
	free(b);
}

static void test_sparse(void **state)
{
	struct fx *f = *state;
	struct vu_err e = { 0 };

	assert_int_equal(vu_file_copy(f->sfd, f->dfd, NULL, &e), 0);
	assert_same(f);
	/* The first MiB was a hole and stays one. */
	assert_int_equal(lseek(f->dfd, 0, SEEK_DATA), MIB);
	assert_int_equal(lseek(f->dfd, 2 * MIB, SEEK_DATA), 9 * MIB);
}

static void test_nonsparse(void **state)
{
	struct fx *f = *state;
	struct vu_filecopy_opts o = { .nonsparse = true };
	struct vu_err e = { 0 };
	struct stat st;

	assert_int_equal(vu_file_copy(f->sfd, f->dfd, &o, &e), 0);
	assert_same(f);
	assert_int_equal(fstat(f->dfd, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 >= SIZE);
}

static void test_data_bytes(void **state)
{
	struct fx *f = *state;
	uint64_t n;

	assert_int_equal(vu_file_data_bytes(f->sfd, &n), 0);
	/* Two MiB and the tail's block, rounded to the filesystem's blocks. */
	assert_true(n >= 2 * MIB + 100);
	assert_true(n < 3 * MIB);
}

/* Where the filesystem shares extents the copy is exact; elsewhere the
 * error says why, and nothing was copied in its place. */
static void test_reflink(void **state)
{
	struct fx *f = *state;
	struct vu_filecopy_opts o = { .reflink = true };
	struct vu_err e = { 0 };
	struct stat st;
	int r = vu_file_copy(f->sfd, f->dfd, &o, &e);

	if (r == 0) {
		assert_same(f);
		return;
	}
	assert_int_equal(r, -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "cannot share extents (reflink)"));
	assert_int_equal(fstat(f->dfd, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_not_a_file(void **state)
{
	struct fx *f = *state;
	struct vu_err e = { 0 };
	int dir = open(f->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dir >= 0);
	assert_int_equal(vu_file_copy(dir, f->dfd, NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "source"));
	close(dir);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sparse), T(test_nonsparse), T(test_data_bytes), T(test_reflink),
		T(test_not_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
