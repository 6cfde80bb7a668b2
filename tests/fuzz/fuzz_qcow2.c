/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qcow2.c - libFuzzer harness: any bytes opened, read and mapped as qcow2 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/image.h"

#include "fuzz_file.h"

#define READ_CAP (64u << 20)	/* of the virtual size, to keep runs fast */
#define CHUNK (1u << 20)
#define MAX_STATUS_CALLS 1000

static uint8_t *buf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init("fuzz_qcow2", "img");
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
	struct vu_info info;
	struct vu_err e;
	uint64_t end;

	fuzz_file_write(data, size);
	/* A backing file the input names rarely exists: read without it then. */
	if (vu_image_open(&img, fuzz_path, "qcow2", 0, &e) < 0 &&
	    vu_image_open(&img, fuzz_path, "qcow2", VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	end = vu_image_size(img) < READ_CAP ? vu_image_size(img) : READ_CAP;
	if (vu_image_info(img, &info) == 0)
		vu_info_free(&info);
	read_all(img, end);
	map_all(img, vu_image_size(img));
	vu_image_close(&img);
	return 0;
}
