/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qcow2_check.c - libFuzzer harness: any bytes checked as qcow2 (no repair) */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/image.h"

#include "fuzz_file.h"


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init("fuzz_qcow2_check", "img");
	return 0;
}

/* The findings are formatted (that is part of what is tested), then dropped. */
static void sink(void *ctx, const char *line)
{
	(*(size_t *)ctx) += strlen(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_image *img = NULL;
	size_t bytes = 0;
	struct vu_check_result res = { .report = sink, .report_ctx = &bytes };
	struct vu_err e;

	fuzz_file_write(data, size);
	if (vu_image_open(&img, fuzz_path, "qcow2", VU_OPEN_CHECK | VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	vu_image_check(img, 0, &res);
	/* The counts a check returns are never negative. */
	if (res.corruptions < 0 || res.leaks < 0 || res.check_errors < 0 ||
	    res.allocated_clusters < 0 || res.image_end_offset < 0)
		abort();
	vu_image_close(&img);
	return 0;
}
