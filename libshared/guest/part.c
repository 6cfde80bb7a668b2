/* SPDX-License-Identifier: GPL-2.0-or-later */
/* part.c - partition tables: MBR (primary, extended, logical through the
 * chain of EBRs) and GPT (primary header, else the backup), 512-byte
 * sectors. Pure over a read callback, so the fuzzer drives it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "guest_int.h"

#define MAX_LOGICAL 124
#define GPT_MAX_ENTRIES 1024

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool is_extended(uint8_t t)
{
	return t == 0x05 || t == 0x0f || t == 0x85;
}

/* Adds [start, start+size) sectors as partition num when it lies on the
 * disk; true when it did. */
static bool add(struct gpart *parts, size_t max, size_t *n, unsigned num, uint64_t start,
		uint64_t size, uint8_t type, bool gpt, uint64_t disk_size)
{
	uint64_t sectors = disk_size / GUEST_SECTOR;

	if (*n >= max || size == 0 || start == 0 || start >= sectors || size > sectors - start)
		return false;
	parts[*n] = (struct gpart){ num, start * GUEST_SECTOR, size * GUEST_SECTOR, type, gpt,
				    "" };
	(*n)++;
	return true;
}

/* An MBR partition's PARTUUID: the disk signature, "-", the number. */
static void mbr_partuuid(struct gpart *p, const uint8_t *mbr)
{
	snprintf(p->partuuid, sizeof(p->partuuid), "%08x-%02x", le32(mbr + 440), p->num);
}

/* A GPT GUID as text: its first three fields are little-endian. */
static void gpt_partuuid(struct gpart *p, const uint8_t *g)
{
	snprintf(p->partuuid, sizeof(p->partuuid),
		 "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32(g),
		 g[4] | g[5] << 8, g[6] | g[7] << 8, g[8], g[9], g[10], g[11], g[12], g[13],
		 g[14], g[15]);
}

/* The logical partitions: EBR k at ext + next; its entry 0 is relative to
 * the EBR, entry 1 (the next EBR) to the extended partition's start. */
static int parse_logical(guest_read_fn rd, void *ctx, uint64_t disk_size, uint64_t ext,
			 uint64_t ext_size, const uint8_t *mbr, struct gpart *parts, size_t max,
			 size_t *n)
{
	uint64_t ebr = ext;
	uint8_t s[GUEST_SECTOR];

	for (unsigned num = 5; num < 5 + MAX_LOGICAL; num++) {
		const uint8_t *e0 = s + 446, *e1 = s + 462;
		uint64_t next;
		int r;

		if (ebr >= disk_size / GUEST_SECTOR)
			return 0;
		r = rd(ctx, s, sizeof(s), ebr * GUEST_SECTOR);
		if (r < 0)
			return r;
		if (s[510] != 0x55 || s[511] != 0xaa)
			return 0;
		if (e0[4] && add(parts, max, n, num, ebr + le32(e0 + 8), le32(e0 + 12), e0[4],
				 false, disk_size))
			mbr_partuuid(&parts[*n - 1], mbr);
		next = le32(e1 + 8);
		if (!is_extended(e1[4]) || next == 0 || next >= ext_size)
			return 0;
		ebr = ext + next;
	}
	return 0;
}

static bool gpt_header_ok(uint8_t *h, uint64_t lba, uint64_t sectors)
{
	uint32_t hsize = le32(h + 12), crc = le32(h + 16), nent = le32(h + 80),
		 esize = le32(h + 84);
	uint32_t calc;

	if (memcmp(h, "EFI PART", 8) || hsize < 92 || hsize > GUEST_SECTOR)
		return false;
	memset(h + 16, 0, 4);
	calc = (uint32_t)crc32(0, h, hsize);
	memcpy(h + 16, (uint8_t[4]){ crc, crc >> 8, crc >> 16, crc >> 24 }, 4);
	return calc == crc && le64(h + 24) == lba && nent <= GPT_MAX_ENTRIES && esize >= 128 &&
	       esize <= 1024 && esize % 8 == 0 && le64(h + 72) < sectors &&
	       (uint64_t)nent * esize / GUEST_SECTOR < sectors - le64(h + 72);
}

/* The GPT whose header is at lba; -EINVAL when it is not valid. */
static int parse_gpt_at(guest_read_fn rd, void *ctx, uint64_t disk_size, uint64_t lba,
			struct gpart *parts, size_t max, size_t *n)
{
	uint64_t sectors = disk_size / GUEST_SECTOR;
	uint8_t h[GUEST_SECTOR];
	uint32_t nent, esize;
	uint8_t *ents;
	size_t tlen;
	int r;

	r = rd(ctx, h, sizeof(h), lba * GUEST_SECTOR);
	if (r < 0)
		return r;
	if (!gpt_header_ok(h, lba, sectors))
		return -EINVAL;
	nent = le32(h + 80);
	esize = le32(h + 84);
	tlen = (size_t)nent * esize;
	ents = malloc(tlen ? tlen : 1);
	if (!ents)
		return -ENOMEM;
	r = rd(ctx, ents, tlen, le64(h + 72) * GUEST_SECTOR);
	if (r == 0 && (uint32_t)crc32(0, ents, (uInt)tlen) != le32(h + 88))
		r = -EINVAL;
	for (uint32_t i = 0; r == 0 && i < nent; i++) {
		const uint8_t *ent = ents + (size_t)i * esize;
		uint64_t first = le64(ent + 32), last = le64(ent + 40);

		if (!vu_buf_is_zero(ent, 16) && last >= first &&
		    add(parts, max, n, i + 1, first, last - first + 1, 0, true, disk_size))
			gpt_partuuid(&parts[*n - 1], ent + 16);
	}
	free(ents);
	return r;
}

int guest_parts_parse(guest_read_fn rd, void *ctx, uint64_t disk_size, struct gpart *parts,
		      size_t max, size_t *n)
{
	uint8_t mbr[GUEST_SECTOR];
	bool protective = false;
	int r;

	*n = 0;
	if (disk_size < 2 * GUEST_SECTOR)
		return 0;
	r = rd(ctx, mbr, sizeof(mbr), 0);
	if (r < 0)
		return r;
	if (mbr[510] != 0x55 || mbr[511] != 0xaa)
		return 0;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = mbr + 446 + 16 * i;

		/* Boot flag 0 or 0x80 only: a FAT boot sector is no table. */
		if (e[0] != 0 && e[0] != 0x80)
			return 0;
		if (e[4] == 0xee)
			protective = true;
	}
	if (protective) {
		r = parse_gpt_at(rd, ctx, disk_size, 1, parts, max, n);
		if (r == -EINVAL) {
			*n = 0;
			r = parse_gpt_at(rd, ctx, disk_size, disk_size / GUEST_SECTOR - 1, parts,
					 max, n);
		}
		if (r < 0)
			*n = 0;
		return r;
	}
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *e = mbr + 446 + 16 * i;

		if (!e[4])
			continue;
		if (is_extended(e[4])) {
			r = parse_logical(rd, ctx, disk_size, le32(e + 8), le32(e + 12), mbr,
					  parts, max, n);
			if (r < 0)
				return r;
			continue;
		}
		if (add(parts, max, n, i + 1, le32(e + 8), le32(e + 12), e[4], false, disk_size))
			mbr_partuuid(&parts[*n - 1], mbr);
	}
	return 0;
}
