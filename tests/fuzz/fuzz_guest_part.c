/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_guest_part.c - libFuzzer harness: any bytes as a disk for the
 * partition table parser of libshared/guest (MBR with its chain of EBRs,
 * GPT with the backup header); whatever it finds must lie on the disk */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../libshared/guest/guest_int.h"

struct disk {
	const uint8_t *data;
	size_t size;
};

static int rd(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct disk *d = ctx;

	if (off > d->size || len > d->size - off)
		return -EIO;
	memcpy(buf, d->data + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct disk d = { data, size };
	struct gpart parts[GUEST_MAX_PARTS];
	size_t n = 99999;
	uint64_t disk = size / GUEST_SECTOR * GUEST_SECTOR;
	int r = guest_parts_parse(rd, &d, disk, parts, GUEST_MAX_PARTS, &n);

	if (r == 0 && n > GUEST_MAX_PARTS)
		abort();
	if (r < 0 && n != 0)
		abort();
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!parts[i].size || parts[i].start >= disk ||
		    parts[i].size > disk - parts[i].start || !parts[i].num)
			abort();
	return 0;
}
