/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_image.h - what the harnesses of the foreign image formats share:
 * the input opened as FORMAT, its info, a check, every byte read and
 * mapped; then opened read/write and written to (data at both ends, zeros
 * in the middle), which walks the allocation paths over hostile tables */
#ifndef FUZZ_IMAGE_H
#define FUZZ_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/image.h"

#include "fuzz_file.h"

#define FUZZ_READ_CAP (64u << 20)	/* of the virtual size, to keep runs fast */
#define FUZZ_CHUNK (1u << 20)
#define FUZZ_MAX_STATUS 1000

static uint8_t *fuzz_buf;

static void fuzz_image_init(const char *name)
{
	fuzz_file_init(name, "img");
	if (!(fuzz_buf = malloc(FUZZ_CHUNK)))
		abort();
	memset(fuzz_buf, 0xa5, FUZZ_CHUNK);
}

static void fuzz_ignore(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void fuzz_read_side(struct vu_image *img)
{
	uint64_t end = vu_image_size(img) < FUZZ_READ_CAP ? vu_image_size(img) : FUZZ_READ_CAP;
	struct vu_check_result res = { .report = fuzz_ignore };
	struct vu_info info;
	uint64_t off = 0;

	if (vu_image_info(img, &info) == 0)
		vu_info_free(&info);
	vu_image_check(img, 0, &res);
	for (uint64_t o = 0; o < end; o += FUZZ_CHUNK) {
		size_t n = end - o < FUZZ_CHUNK ? (size_t)(end - o) : FUZZ_CHUNK;

		if (vu_image_pread(img, fuzz_buf, n, o) < 0)
			break;
	}
	for (int i = 0; i < FUZZ_MAX_STATUS && off < vu_image_size(img); i++) {
		struct vu_bstat bs;

		if (vu_image_block_status(img, off, vu_image_size(img) - off, &bs) < 0)
			break;
		if (bs.len == 0 || bs.len > vu_image_size(img) - off)
			abort();	/* the contract: 0 < len <= asked */
		off += bs.len;
	}
}

static void fuzz_write_side(struct vu_image *img)
{
	uint64_t vs = vu_image_size(img);
	size_t n = vs < 65536 ? (size_t)vs : 65536;

	if (!vs || vs > FUZZ_READ_CAP)
		return;
	memset(fuzz_buf, 0xa5, n);
	vu_image_pwrite(img, fuzz_buf, n, 0);
	vu_image_pwrite(img, fuzz_buf, n / 2, vs - n / 2);
	vu_image_pwrite_zeroes(img, vs / 4, vs / 2, true);
	vu_image_flush(img);
}

static int fuzz_image_one(const char *fmt, const uint8_t *data, size_t size)
{
	struct vu_image *img = NULL;
	struct vu_err e;

	fuzz_file_write(data, size);
	if (vu_image_open(&img, fuzz_path, fmt, VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	fuzz_read_side(img);
	vu_image_close(&img);
	if (vu_image_open(&img, fuzz_path, fmt, VU_OPEN_RDWR | VU_OPEN_UNSAFE |
			  VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	fuzz_write_side(img);
	vu_image_close(&img);
	return 0;
}

#endif
