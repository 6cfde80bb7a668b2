/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fmtutil.h - what the foreign format drivers share (vdi, vpc, vhdx, qed):
 * fixed-endian fields, a random UUID's bytes, writes of zeros */
#ifndef VU_IMG_FMTUTIL_H
#define VU_IMG_FMTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t fmt_get_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static inline void fmt_put_le(uint8_t *p, unsigned bytes, uint64_t v)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t fmt_get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void fmt_put_be(uint8_t *p, unsigned bytes, uint64_t v)
{
	for (unsigned i = bytes; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

/* CRC-32C (Castagnoli) of len bytes, as VHDX checksums its structures. */
uint32_t fmt_crc32c(const void *buf, size_t len);
/* 16 bytes of a new random (version 4) UUID, in its text order. */
void fmt_uuid(uint8_t out[16]);
/* Zeros over [off, off + len) of fd; 0 or -errno. */
int fmt_write_zeros(int fd, uint64_t off, uint64_t len);
/* Whether the fd's file extends past off (its bytes there are not holes
 * we made): a new block placed there must be zeroed first. */
bool fmt_file_past(int fd, uint64_t off);

#endif
