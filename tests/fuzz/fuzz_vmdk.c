/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_vmdk.c - libFuzzer harness: any bytes opened as vmdk (sparse extent,
 * descriptor or OVA), then read, mapped, described and checked */
#include <stdint.h>
#include <stdlib.h>

#include "vu/image.h"

#include "fuzz_file.h"

#define READ_CAP (16u << 20)	/* of the virtual size, to keep runs fast */
#define CHUNK (1u << 20)
#define MAX_STATUS_CALLS 1000

static uint8_t *buf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init("fuzz_vmdk", "img.vmdk");
	if (!(buf = malloc(CHUNK)))
		abort();
	return 0;
}

static void read_all(struct vu_image *img, uint64_t end)
{
	for (uint64_t off = 0; off < end; off += CHUNK) {
		size_t n = end - off < CHUNK ? (size_t)(end - off) : CHUNK;

		if (vu_image_pread(img, buf, n, off) < 0)
			return;
	}
}

static void map_all(struct vu_image *img, uint64_t end)
{
	uint64_t off = 0;

	for (int i = 0; i < MAX_STATUS_CALLS && off < end; i++) {
		struct vu_bstat bs;

		if (vu_image_block_status(img, off, end - off, &bs) < 0)
			return;
		if (bs.len == 0 || bs.len > end - off)
			abort();	/* the contract: 0 < len <= asked */
		off += bs.len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_image *img = NULL;
	struct vu_check_result res = { 0 };
	struct vu_info info;
	struct vu_err e;
	uint64_t end;

	fuzz_file_write(data, size);
	/* A parent the input names rarely exists: read without it then. */
	if (vu_image_open(&img, fuzz_path, "vmdk", 0, &e) < 0 &&
	    vu_image_open(&img, fuzz_path, "vmdk", VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	end = vu_image_size(img) < READ_CAP ? vu_image_size(img) : READ_CAP;
	if (vu_image_info(img, &info) == 0)
		vu_info_free(&info);
	read_all(img, end);
	map_all(img, vu_image_size(img));
	(void)vu_image_check(img, 0, &res);
	vu_image_close(&img);
	return 0;
}
