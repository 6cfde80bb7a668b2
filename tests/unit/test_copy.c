/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_copy.c - the copy engine and the raw driver, against a recording sink;
 * images with no file; what an open image is (the accessors) */
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

#include "vu/base.h"
#include "vu/copy.h"
#include "vu/image.h"
#include "testutil.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)

/* A sink that keeps the image in memory and counts what it was asked. */
struct rec_sink {
	struct vu_sink sink;
	uint8_t *data;
	uint64_t cap;
	uint64_t written, zeroed;	/* bytes */
	int writes, zeros;
	int fail_after;			/* pwrite fails after this many (-1: never) */
	bool finished;
};

static int rec_pwrite(struct vu_sink *s, const void *buf, size_t len, uint64_t off)
{
	struct rec_sink *r = (struct rec_sink *)s;

	if (r->fail_after >= 0 && r->writes >= r->fail_after)
		return -ENOSPC;
	assert_true(off + len <= r->cap);
	memcpy(r->data + off, buf, len);
	r->written += len;
	r->writes++;
	return 0;
}

static int rec_zero(struct vu_sink *s, uint64_t off, uint64_t len)
{
	struct rec_sink *r = (struct rec_sink *)s;

	assert_true(off + len <= r->cap);
	memset(r->data + off, 0, len);
	r->zeroed += len;
	r->zeros++;
	return 0;
}

static int rec_finish(struct vu_sink *s)
{
	((struct rec_sink *)s)->finished = true;
	return 0;
}

static const struct vu_sink_ops rec_ops = {
	.pwrite = rec_pwrite, .zero = rec_zero, .finish = rec_finish,
};

static void rec_init(struct rec_sink *r, uint64_t size, bool zero_init)
{
	memset(r, 0, sizeof(*r));
	r->sink = (struct vu_sink){ .ops = &rec_ops, .size = size, .zero_init = zero_init };
	r->cap = size;
	r->data = malloc(size);
	assert_non_null(r->data);
	/* Garbage, so bytes the engine skips wrongly show up. */
	memset(r->data, zero_init ? 0 : 0xee, size);
	r->fail_after = -1;
}

struct fx {
	char dir[64];
	char path[2][128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tu_scratch(f->dir, sizeof(f->dir), "test_copy") < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		snprintf(f->path[i], sizeof(f->path[i]), "%s/src%d.raw", f->dir, i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	return tu_scratch_free(f, f->dir);
}

/* A sparse raw file of size bytes with pattern p written at each [off,len). */
static void mkraw(const char *path, uint64_t size, const uint64_t *ext, int n, int p)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	uint8_t *buf = malloc(4 * MiB);

	assert_true(fd >= 0);
	assert_non_null(buf);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	for (int i = 0; i < n; i++) {
		memset(buf, p, ext[2 * i + 1]);
		assert_int_equal(pwrite(fd, buf, ext[2 * i + 1], (off_t)ext[2 * i]),
				 (ssize_t)ext[2 * i + 1]);
	}
	free(buf);
	close(fd);
}

static struct vu_image *open_raw(const char *path)
{
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };

	assert_int_equal(vu_image_open(&img, path, "raw", 0, &e), 0);
	return img;
}

static void check_equal(const char *path, const struct rec_sink *r)
{
	uint8_t *want = malloc(r->cap);
	int fd = open(path, O_RDONLY);

	assert_non_null(want);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, want, r->cap, 0), (ssize_t)r->cap);
	assert_memory_equal(want, r->data, r->cap);
	close(fd);
	free(want);
}

static void test_holes_are_not_read_or_written(void **state)
{
	struct fx *f = *state;
	const uint64_t ext[] = { 1 * MiB, 64 * KiB, 5 * MiB, 128 * KiB };
	struct rec_sink r;
	struct vu_copy_opts o = { .min_sparse = VU_COPY_MIN_SPARSE };
	struct vu_err e = { 0 };
	struct vu_image *img;

	mkraw(f->path[0], 8 * MiB, ext, 2, 0x5a);
	img = open_raw(f->path[0]);
	rec_init(&r, 8 * MiB, true);
	assert_int_equal(vu_copy(&img, 1, &r.sink, &o, &e), 0);
	assert_true(r.finished);
	assert_int_equal(r.written, 192 * KiB);
	assert_int_equal(r.zeroed, 0);
	check_equal(f->path[0], &r);
	free(r.data);
	vu_image_close(&img);
}

static void test_zero_runs_in_data_become_holes(void **state)
{
	struct fx *f = *state;
	/* 1 MiB of data holding 8 KiB of zeros at 64 KiB and 100 zero bytes later. */
	const uint64_t ext[] = { 0, 1 * MiB };
	struct rec_sink r;
	struct vu_copy_opts o = { .min_sparse = 4 * KiB };
	struct vu_err e = { 0 };
	struct vu_image *img;
	int fd;
	uint8_t z[8192] = { 0 };

	mkraw(f->path[0], 1 * MiB, ext, 1, 0x33);
	fd = open(f->path[0], O_WRONLY);
	assert_int_equal(pwrite(fd, z, sizeof(z), 64 * KiB), (ssize_t)sizeof(z));
	assert_int_equal(pwrite(fd, z, 100, 200 * KiB + 7), 100);
	close(fd);
	img = open_raw(f->path[0]);
	rec_init(&r, 1 * MiB, false);
	assert_int_equal(vu_copy(&img, 1, &r.sink, &o, &e), 0);
	/* The aligned 8 KiB run is zeroed, not written; 100 bytes are too few. */
	assert_int_equal(r.zeroed, 8 * KiB);
	assert_int_equal(r.written, 1 * MiB - 8 * KiB);
	check_equal(f->path[0], &r);
	free(r.data);
	vu_image_close(&img);
}

static void test_min_sparse_zero_writes_everything(void **state)
{
	struct fx *f = *state;
	const uint64_t ext[] = { 3 * MiB, 4 * KiB };
	struct rec_sink r;
	struct vu_copy_opts o = { .min_sparse = 0 };
	struct vu_err e = { 0 };
	struct vu_image *img;

	mkraw(f->path[0], 4 * MiB, ext, 1, 0x77);
	img = open_raw(f->path[0]);
	rec_init(&r, 4 * MiB, true);
	assert_int_equal(vu_copy(&img, 1, &r.sink, &o, &e), 0);
	assert_int_equal(r.written, 4 * MiB);
	assert_int_equal(r.zeroed, 0);
	check_equal(f->path[0], &r);
	free(r.data);
	vu_image_close(&img);
}

static void test_sources_are_concatenated(void **state)
{
	struct fx *f = *state;
	const uint64_t a[] = { 0, 4 * KiB }, b[] = { 12 * KiB, 4 * KiB };
	struct rec_sink r;
	struct vu_copy_opts o = { .min_sparse = VU_COPY_MIN_SPARSE };
	struct vu_err e = { 0 };
	struct vu_image *img[2];

	mkraw(f->path[0], 1 * MiB, a, 1, 0x01);
	mkraw(f->path[1], 1 * MiB, b, 1, 0x02);
	img[0] = open_raw(f->path[0]);
	img[1] = open_raw(f->path[1]);
	rec_init(&r, 2 * MiB, true);
	assert_int_equal(vu_copy(img, 2, &r.sink, &o, &e), 0);
	assert_int_equal(r.data[0], 0x01);
	assert_int_equal(r.data[1 * MiB + 12 * KiB], 0x02);
	assert_int_equal(r.data[1 * MiB], 0);
	assert_int_equal(r.written, 8 * KiB);
	free(r.data);
	vu_image_close(&img[0]);
	vu_image_close(&img[1]);
}

/* -W and -m change how the work is scheduled, never the result. */
static void test_out_of_order_and_in_flight_keep_the_bytes(void **state)
{
	struct fx *f = *state;
	const uint64_t ext[] = { 0, 3 * MiB, 5 * MiB, 3 * MiB + 5, 12 * MiB, 1 * MiB };
	struct vu_err e = { 0 };
	struct vu_image *img;
	const struct { bool ooo; int in_flight; } runs[] = { { true, 16 }, { false, 1 },
							       { true, 2 }, { false, 99 } };

	mkraw(f->path[0], 16 * MiB, ext, 3, 0x6b);
	img = open_raw(f->path[0]);
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		struct vu_copy_opts o = { .min_sparse = VU_COPY_MIN_SPARSE,
					  .out_of_order = runs[i].ooo,
					  .in_flight = runs[i].in_flight };
		struct rec_sink r;

		rec_init(&r, 16 * MiB, true);
		assert_int_equal(vu_copy(&img, 1, &r.sink, &o, &e), 0);
		check_equal(f->path[0], &r);
		free(r.data);
	}
	vu_image_close(&img);
}

static void test_compress_needs_a_compressing_sink(void **state)
{
	struct fx *f = *state;
	struct vu_copy_opts o = { .compress = true };
	struct vu_err e = { 0 };
	struct vu_image *img;
	struct rec_sink r;

	mkraw(f->path[0], 1 * MiB, NULL, 0, 0);
	img = open_raw(f->path[0]);
	rec_init(&r, 1 * MiB, true);
	assert_int_equal(vu_copy(&img, 1, &r.sink, &o, &e), -ENOTSUP);
	assert_false(r.finished);
	free(r.data);
	vu_image_close(&img);
}

static void test_write_error_stops_the_copy(void **state)
{
	struct fx *f = *state;
	const uint64_t ext[] = { 0, 4 * MiB };
	struct rec_sink r;
	struct vu_copy_opts o = { .min_sparse = VU_COPY_MIN_SPARSE };
	struct vu_err e = { 0 };
	struct vu_image *img;

	mkraw(f->path[0], 64 * MiB, ext, 1, 0x44);
	img = open_raw(f->path[0]);
	rec_init(&r, 64 * MiB, true);
	r.fail_after = 1;
	assert_int_equal(vu_copy(&img, 1, &r.sink, &o, &e), -ENOSPC);
	assert_false(r.finished);
	assert_non_null(strstr(vu_err_str(&e), "write at offset"));
	free(r.data);
	vu_image_close(&img);
}

static void test_measure_counts_data_only(void **state)
{
	struct fx *f = *state;
	const uint64_t ext[] = { 0, 64 * KiB, 2 * MiB, 64 * KiB };
	struct vu_err e = { 0 };
	struct vu_image *img;
	uint64_t n = 0;

	mkraw(f->path[0], 4 * MiB, ext, 2, 0x11);
	img = open_raw(f->path[0]);
	assert_int_equal(vu_copy_measure(&img, 1, &n, &e), 0);
	assert_int_equal(n, 128 * KiB);
	vu_image_close(&img);
}

static void test_raw_block_status_and_pread_bounds(void **state)
{
	struct fx *f = *state;
	const uint64_t ext[] = { 64 * KiB, 64 * KiB };
	struct vu_bstat bs;
	struct vu_image *img;
	uint8_t b[16];

	mkraw(f->path[0], 1 * MiB, ext, 1, 0x99);
	img = open_raw(f->path[0]);
	assert_int_equal(vu_image_size(img), 1 * MiB);
	assert_int_equal(vu_image_block_status(img, 0, vu_image_size(img), &bs), 0);
	assert_true(bs.flags & VU_BS_ZERO);
	assert_int_equal(bs.len, 64 * KiB);
	assert_int_equal(vu_image_block_status(img, 64 * KiB, vu_image_size(img) - 64 * KiB, &bs),
			 0);
	assert_true(bs.flags & VU_BS_DATA);
	assert_int_equal(bs.offset, 64 * KiB);
	assert_int_equal(bs.len, 64 * KiB);
	assert_int_equal(vu_image_pread(img, b, sizeof(b), 64 * KiB), 0);
	assert_int_equal(b[0], 0x99);
	/* Past the end is refused, not zero-filled. */
	assert_int_equal(vu_image_pread(img, b, sizeof(b), 1 * MiB - 8), -EINVAL);
	vu_image_close(&img);
	assert_null(img);
}

static void test_buf_is_zero(void **state)
{
	uint8_t b[333] = { 0 };

	(void)state;
	assert_true(vu_buf_is_zero(b + 1, sizeof(b) - 1));
	b[300] = 1;
	assert_false(vu_buf_is_zero(b + 3, sizeof(b) - 3));
	assert_true(vu_buf_is_zero(b, 300));
	assert_true(vu_buf_is_zero(b, 0));
}

static void test_unknown_format_and_probe(void **state)
{
	struct fx *f = *state;
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };

	mkraw(f->path[0], 4 * KiB, NULL, 0, 0);
	assert_int_equal(vu_image_open(&img, f->path[0], "nope", 0, &e), -EINVAL);
	assert_non_null(strstr(vu_err_str(&e), "unknown file format"));
	assert_int_equal(vu_image_open(&img, f->path[0], NULL, 0, &e), 0);
	assert_string_equal(vu_image_format_name(img), "raw");
	vu_image_close(&img);
	assert_int_equal(vu_image_open(&img, f->dir, NULL, 0, &e), -EISDIR);
}

/* Images with no file: a repeated pattern, zeros, random bytes. */
static void test_pattern(void **state)
{
	const uint8_t three[] = { 0x92, 0x49, 0x24 };
	struct vu_image *img;
	struct vu_bstat bs;
	uint8_t buf[8], other[64], rnd[64];

	(void)state;
	assert_int_equal(vu_image_pattern(&img, 100, three, 3, false), 0);
	assert_int_equal(vu_image_size(img), 100);
	assert_int_equal(vu_image_pread(img, buf, 4, 1), 0);
	assert_memory_equal(buf, ((uint8_t[]){ 0x49, 0x24, 0x92, 0x49 }), 4);
	assert_int_equal(vu_image_block_status(img, 0, 100, &bs), 0);
	assert_int_equal(bs.len, 100);
	assert_true(bs.flags & VU_BS_DATA);
	vu_image_close(&img);
	assert_null(img);
	assert_int_equal(vu_image_pattern(&img, 64, NULL, 0, true), 0);
	assert_int_equal(vu_image_block_status(img, 0, 64, &bs), 0);
	assert_true(bs.flags & VU_BS_ZERO);
	vu_image_close(&img);
	/* Random data: two images never write the same stream. */
	assert_int_equal(vu_image_pattern(&img, 64, NULL, 0, false), 0);
	assert_int_equal(vu_image_pread(img, rnd, 64, 0), 0);
	vu_image_close(&img);
	assert_int_equal(vu_image_pattern(&img, 64, NULL, 0, false), 0);
	assert_int_equal(vu_image_pread(img, other, 64, 0), 0);
	vu_image_close(&img);
	assert_true(memcmp(rnd, other, 64) != 0);
}

/* A window on another image, refused past its end. */
static void test_slice(void **state)
{
	const uint8_t pat[] = { 'a', 'b', 'c' };
	struct vu_image *base, *sl;
	uint8_t buf[4];

	(void)state;
	assert_int_equal(vu_image_pattern(&base, 30, pat, 3, false), 0);
	assert_int_equal(vu_image_slice(&sl, base, 31, 1), -EINVAL);
	assert_int_equal(vu_image_slice(&sl, base, 20, 11), -EINVAL);
	assert_int_equal(vu_image_slice(&sl, base, 4, 10), 0);
	assert_int_equal(vu_image_size(sl), 10);
	assert_int_equal(vu_image_pread(sl, buf, 4, 0), 0);
	assert_memory_equal(buf, "bcab", 4);
	vu_image_close(&sl);
	vu_image_close(&base);
}

/* What an open image is, read through the accessors: a qcow2 image over a
 * raw backing file named relative to it, and the raw file itself. */
static void test_accessors(void **state)
{
	struct fx *f = *state;
	struct vu_create_opts o = { .size = 1 * MiB, .backing_file = "src0.raw",
				    .backing_fmt = "raw" };
	char bpath[160];
	struct vu_image *img = NULL, *b;
	struct vu_err e = { 0 };
	struct stat sa, sb;
	int fd;

	mkraw(f->path[0], 64 * KiB, NULL, 0, 0);
	fd = open(f->path[1], O_CREAT | O_TRUNC | O_RDWR, 0644);
	assert_true(fd >= 0);
	assert_int_equal(vu_image_create(fd, f->path[1], "qcow2", &o, &e), 0);
	close(fd);
	assert_int_equal(vu_image_open(&img, f->path[1], NULL, 0, &e), 0);
	assert_string_equal(vu_image_filename(img), f->path[1]);
	assert_string_equal(vu_image_format_name(img), "qcow2");
	assert_int_equal(vu_image_size(img), 1 * MiB);
	assert_false(vu_image_is_blockdev(img));
	assert_int_equal(fstat(vu_image_fd(img), &sa), 0);
	assert_int_equal(stat(f->path[1], &sb), 0);
	assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
	assert_string_equal(vu_image_backing_file(img), "src0.raw");
	assert_string_equal(vu_image_backing_fmt(img), "raw");
	snprintf(bpath, sizeof(bpath), "%s/src0.raw", f->dir);
	assert_string_equal(vu_image_backing_path(img), bpath);
	assert_true(vu_image_can_set_backing(img));
	assert_non_null(b = vu_image_backing(img));
	assert_string_equal(vu_image_filename(b), bpath);
	assert_string_equal(vu_image_format_name(b), "raw");
	assert_int_equal(vu_image_size(b), 64 * KiB);
	assert_null(vu_image_backing(b));
	assert_null(vu_image_backing_file(b));
	assert_false(vu_image_can_set_backing(b));
	vu_image_close(&img);
	assert_int_equal(vu_image_open(&img, f->path[1], "qcow2", VU_OPEN_NO_BACKING, &e), 0);
	assert_string_equal(vu_image_backing_file(img), "src0.raw");
	assert_null(vu_image_backing(img));
	vu_image_close(&img);
	assert_true(vu_image_format_known("qcow2"));
	assert_true(vu_image_format_known("raw"));
	assert_false(vu_image_format_known("nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_holes_are_not_read_or_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_runs_in_data_become_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_sparse_zero_writes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources_are_concatenated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_stops_the_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_and_in_flight_keep_the_bytes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compress_needs_a_compressing_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measure_counts_data_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_block_status_and_pread_bounds, setup, teardown),
		cmocka_unit_test(test_buf_is_zero),
		cmocka_unit_test_setup_teardown(test_unknown_format_and_probe, setup, teardown),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_slice),
		cmocka_unit_test_setup_teardown(test_accessors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
