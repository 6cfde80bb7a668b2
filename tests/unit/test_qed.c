/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qed.c - the qed driver against qemu-img and qemu-io: what we write
 * reads the same and checks clean, need-check while writing, a writer
 * killed at any write leaves an image qemu-img finds without corruption,
 * an unclean image opened for writing is repaired first. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemu_test.h"
#include "vu/base.h"
#include "vu/image.h"
#include "../../libshared/img/image_int.h"

#define KiB 1024ull
#define MiB (1024 * KiB)

static int setup(void **state)
{
	return qemu_group_setup(state, "qed");
}

static void make_qed(const char *p, uint64_t size, const char *backing)
{
	struct vu_create_opts o = { .size = size, .backing_file = backing,
				    .backing_fmt = backing ? "raw" : NULL };
	struct vu_err e = { 0 };
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	assert_true(fd >= 0);
	assert_int_equal(vu_image_create(fd, p, "qed", &o, &e), 0);
	close(fd);
}

/* Whether the header in the file carries need-check. */
static bool dirty(const char *p)
{
	uint8_t h[24];
	int fd = open(p, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, h, sizeof(h), 0), sizeof(h));
	close(fd);
	return h[16] & 2;
}

/* The same writes through us and into a raw mirror (over a raw backing
 * file: partial clusters copy it, zeros hide it). */
static void test_writes_match_qemu(void **state)
{
	struct fixture *f = *state;
	char q[PATH_MAX], m[PATH_MAX], b[PATH_MAX];
	struct vu_image *img = NULL, *mir = NULL;
	uint8_t *buf = malloc(3 * MiB);
	static const struct { uint64_t off, len; int pat; } w[] = {
		{ 0, 4 * KiB, 0x11 }, { 100 * KiB, 300 * KiB, 0x22 }, { 3 * MiB - 1000, 2 * MiB, 0x33 },
		{ 1 * MiB, 64 * KiB, 0 }, { 2 * MiB, 192 * KiB, -1 }, { 7 * MiB + 512, 4 * KiB, 0x44 },
		{ 100 * KiB, 10 * KiB, 0x55 }, { 6 * MiB, 1 * MiB, -1 },
	};

	SKIP_IF_NO_QEMU(f);
	assert_non_null(buf);
	path(q, f, "w.qed");
	path(m, f, "w.raw");
	path(b, f, "wb.raw");
	tu_sh_ok("qemu-img create -q -f raw %s 5M && qemu-io -f raw -c 'write -P 0x5a 0 5M' %s "
		 ">/dev/null && cp %s %s && truncate -s 8M %s", b, b, b, m, m);
	make_qed(q, 8 * MiB, "wb.raw");
	assert_int_equal(vu_image_open(&img, q, "qed", VU_OPEN_RDWR, NULL), 0);
	assert_int_equal(vu_image_open(&mir, m, "raw", VU_OPEN_RDWR, NULL), 0);
	assert_false(dirty(q));
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		if (w[i].pat < 0) {
			assert_int_equal(vu_image_pwrite_zeroes(img, w[i].off, w[i].len, true), 0);
			assert_int_equal(vu_image_pwrite_zeroes(mir, w[i].off, w[i].len, false), 0);
			continue;
		}
		memset(buf, w[i].pat, w[i].len);
		assert_int_equal(vu_image_pwrite(img, buf, w[i].len, w[i].off), 0);
		assert_int_equal(vu_image_pwrite(mir, buf, w[i].len, w[i].off), 0);
	}
	/* Allocating writes leave need-check set until the close; qemu-img
	 * opens the image meanwhile (and would repair it if it wrote). */
	assert_true(dirty(q));
	tu_sh_ok("qemu-img compare -q -f raw -F qed %s %s", m, q);
	vu_image_close(&img);
	vu_image_close(&mir);
	assert_false(dirty(q));
	tu_sh_ok("qemu-img check -q %s", q);
	tu_sh_ok("qemu-img compare -q -f raw -F qed %s %s", m, q);
	/* A zero cluster over the backing file reads as zeros in qemu's map. */
	tu_sh_ok("qemu-img map --output=json %s | grep -q '\"start\": 2097152, \"length\": 196608, "
		 "\"depth\": 0, \"present\": true, \"zero\": true'", q);
	free(buf);
}

/* A writer killed before each of its writes: qemu-img check finds no
 * corruption (at worst leaks), and what we open for writing is repaired. */
static void crash_child(const char *p, long budget)
{
	struct vu_image *img = NULL;
	static uint8_t buf[256 * KiB];

	if (vu_image_open(&img, p, "qed", VU_OPEN_RDWR, NULL) < 0)
		_exit(2);
	crash_fd = img->fd;
	crash_left = budget;
	for (int i = 0; i < 6; i++) {
		memset(buf, 0x10 + i, sizeof(buf));
		/* Spread over three L2 tables' ranges (256 MiB each at 64 KiB clusters). */
		if (vu_image_pwrite(img, buf, sizeof(buf), (uint64_t)i * 200 * MiB + 4 * KiB) < 0)
			_exit(3);
	}
	vu_image_close(&img);
	_exit(0);
}

static int crash_run(const char *p, long budget)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		crash_child(p, budget);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return 1;
}

static void test_crash(void **state)
{
	struct fixture *f = *state;
	char q[PATH_MAX];
	long n;

	SKIP_IF_NO_QEMU(f);
	path(q, f, "c.qed");
	for (n = 0; n < 200; n++) {
		struct vu_image *img = NULL;
		struct vu_check_result res = { 0 };
		int st;

		make_qed(q, 2 * 1024 * MiB, NULL);
		if (crash_run(q, n) == 0)
			break;
		st = tu_sh("qemu-img check -q %s 2>/dev/null", q);
		if (st != 0 && st != 3)
			fail_msg("killed before write %ld: qemu-img check exits %d", n, st);
		/* Opening for writing repairs and clears need-check. */
		assert_int_equal(vu_image_open(&img, q, "qed", VU_OPEN_RDWR, NULL), 0);
		assert_false(dirty(q));
		assert_int_equal(vu_image_check(img, 0, &res), 0);
		assert_int_equal(res.corruptions, 0);
		vu_image_close(&img);
		assert_int_equal(tu_sh("qemu-img check -q %s 2>/dev/null", q) & ~3, 0);
	}
	assert_true(n > 6 && n < 200);
	tu_sh_ok("qemu-img check -q %s", q);
}

/* need-check and a bad entry: read-only opens leave them; a writer's open
 * drops the entry (as qemu's) and clears the flag. */
static void test_unclean_repaired(void **state)
{
	struct fixture *f = *state;
	char q[PATH_MAX];
	struct vu_image *img = NULL;
	struct vu_check_result res = { 0 };
	uint8_t c[512];

	SKIP_IF_NO_QEMU(f);
	path(q, f, "u.qed");
	tu_sh_ok("qemu-img create -q -f qed %s 4M && qemu-io -f qed -c 'write -P 7 0 128k' %s "
		 ">/dev/null", q, q);
	/* need-check, and the second cluster's entry past the end of the file. */
	tu_sh_ok("printf '\\002' | dd of=%s bs=1 seek=16 conv=notrunc status=none && "
		 "l2=$(od -A n -t u8 -j 65536 -N 8 %s | tr -d ' ') && "
		 "printf '\\000\\000\\377\\177' | dd of=%s bs=1 seek=$((l2 + 8)) conv=notrunc "
		 "status=none", q, q, q);
	assert_int_equal(vu_image_open(&img, q, "qed", 0, NULL), 0);
	assert_true(dirty(q));
	assert_int_equal(vu_image_check(img, 0, &res), 0);
	assert_int_equal(res.corruptions, 1);
	vu_image_close(&img);
	assert_int_equal(vu_image_open(&img, q, "qed", VU_OPEN_RDWR, NULL), 0);
	assert_false(dirty(q));
	assert_int_equal(vu_image_pread(img, c, sizeof(c), 64 * KiB), 0);
	assert_true(vu_buf_is_zero(c, sizeof(c)));
	vu_image_close(&img);
	assert_int_equal(tu_sh("qemu-img check -q %s 2>/dev/null", q), 3);	/* the leak stays */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_match_qemu),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_unclean_repaired),
	};

	return cmocka_run_group_tests(tests, setup, group_teardown);
}
