/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qcow2_write.c - libFuzzer harness: any bytes opened read/write as
 * qcow2 and written to (data, zeroes, a resize), so that what the writer
 * loads before its first change (refcounts, header extensions, persistent
 * bitmaps) meets hostile input */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/image.h"

#include "fuzz_file.h"

#define SIZE_CAP (256u << 20)	/* of the virtual size, to keep runs fast */

static uint8_t buf[65536];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init("fuzz_qcow2_write", "img");
	memset(buf, 0xa5, sizeof(buf));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_image *img = NULL;
	struct vu_err e;
	uint64_t vs;

	fuzz_file_write(data, size);
	if (vu_image_open(&img, fuzz_path, "qcow2", VU_OPEN_RDWR | VU_OPEN_UNSAFE |
			  VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	vs = vu_image_size(img);
	if (vs && vs <= SIZE_CAP) {
		size_t n = vs < sizeof(buf) ? (size_t)vs : sizeof(buf);

		/* The first cluster, and a piece that ends the disk. */
		vu_image_pwrite(img, buf, n, 0);
		vu_image_pwrite(img, buf, n / 2, vs - n / 2);
		vu_image_pwrite_zeroes(img, vs / 2, vs - vs / 2, true);
		vu_image_resize(img, (vs + 65536) & ~511ull, VU_PREALLOC_OFF, &e);
	}
	vu_image_close(&img);
	return 0;
}
