/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qcow2_check.c - libFuzzer harness: any bytes checked as qcow2 (no repair) */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/image.h"

/* The input lives in a private directory, so relative backing names it
 * may carry resolve to files that do not exist. */
static char dir[64];
static char path[80];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%.40s/fuzz_qcow2_check.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/img", dir);
	atexit(cleanup);
	return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	close(fd);
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

	write_input(data, size);
	if (vu_image_open(&img, path, "qcow2", VU_OPEN_CHECK | VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	vu_image_check(img, 0, &res);
	/* The counts a check returns are never negative. */
	if (res.corruptions < 0 || res.leaks < 0 || res.check_errors < 0 ||
	    res.allocated_clusters < 0 || res.image_end_offset < 0)
		abort();
	vu_image_close(&img);
	return 0;
}
