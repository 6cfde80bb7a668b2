/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qcow2.c - libFuzzer harness: any bytes opened, read and mapped as qcow2 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/image.h"

#define READ_CAP (64u << 20)	/* of the virtual size, to keep runs fast */
#define CHUNK (1u << 20)
#define MAX_STATUS_CALLS 1000

/* The input lives in a private directory, so relative backing names it
 * may carry resolve to files that do not exist (and never to our fds, as
 * they would beside /proc/self/fd/N). */
static char dir[64];
static char path[80];
static uint8_t *buf;

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
	snprintf(dir, sizeof(dir), "%.40s/fuzz_qcow2.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || !(buf = malloc(CHUNK)))
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

	write_input(data, size);
	/* A backing file the input names rarely exists: read without it then. */
	if (vu_image_open(&img, path, "qcow2", 0, &e) < 0 &&
	    vu_image_open(&img, path, "qcow2", VU_OPEN_NO_BACKING, &e) < 0)
		return 0;
	end = img->size < READ_CAP ? img->size : READ_CAP;
	if (vu_image_info(img, &info) == 0)
		vu_info_free(&info);
	read_all(img, end);
	map_all(img, img->size);
	vu_image_close(&img);
	return 0;
}
