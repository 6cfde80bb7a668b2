/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk_sparse.c - sparse extents: header, footer, grain directories and tables, grains */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vu/file.h"
#include "vmdk.h"

/* Every access to an extent's file stays inside it: an OVA member is a
 * window of the tar, and nothing past the extent's end is read. */
int vmdk_ext_pread(const struct vmdk_extent *x, void *buf, size_t len, uint64_t off)
{
	if (off > x->fsize || len > x->fsize - off)
		return -EIO;
	return vu_pread_all(x->fd, buf, len, (off_t)(x->base + off), false);
}

int vmdk_ext_pwrite(const struct vmdk_extent *x, const void *buf, size_t len, uint64_t off)
{
	return vu_pwrite_all(x->fd, buf, len, (off_t)(x->base + off));
}

void vmdk_parse_header(const uint8_t *b, struct vmdk_header *h)
{
	h->version = (uint32_t)vmdk_le(b + 4, 4);
	h->flags = (uint32_t)vmdk_le(b + 8, 4);
	h->capacity = vmdk_le(b + 12, 8);
	h->grain = vmdk_le(b + 20, 8);
	h->desc_off = vmdk_le(b + 28, 8);
	h->desc_size = vmdk_le(b + 36, 8);
	h->gtes = (uint32_t)vmdk_le(b + 44, 4);
	h->rgd_off = vmdk_le(b + 48, 8);
	h->gd_off = vmdk_le(b + 56, 8);
	h->overhead = vmdk_le(b + 64, 8);
	h->unclean = b[72];
	h->compress = (uint16_t)vmdk_le(b + 77, 2);
}

void vmdk_format_header(const struct vmdk_header *h, uint8_t *b)
{
	memset(b, 0, VMDK_SECTOR);
	vmdk_put_le(b, 4, VMDK_MAGIC);
	vmdk_put_le(b + 4, 4, h->version);
	vmdk_put_le(b + 8, 4, h->flags);
	vmdk_put_le(b + 12, 8, h->capacity);
	vmdk_put_le(b + 20, 8, h->grain);
	vmdk_put_le(b + 28, 8, h->desc_off);
	vmdk_put_le(b + 36, 8, h->desc_size);
	vmdk_put_le(b + 44, 4, h->gtes);
	vmdk_put_le(b + 48, 8, h->rgd_off);
	vmdk_put_le(b + 56, 8, h->gd_off);
	vmdk_put_le(b + 64, 8, h->overhead);
	b[72] = h->unclean;
	/* The newline-detection characters: '\n', ' ', '\r', '\n'. */
	b[73] = '\n';
	b[74] = ' ';
	b[75] = '\r';
	b[76] = '\n';
	vmdk_put_le(b + 77, 2, h->compress);
}

/*
 * streamOptimized files written by VMware keep the real header in a footer
 * before the end-of-stream marker: footer marker, header, EOS marker, one
 * sector each, at the file's end.
 */
static int read_footer(struct vmdk_extent *x, struct vu_err *e)
{
	uint8_t b[3 * VMDK_SECTOR];
	int r;

	if (x->fsize < 4 * VMDK_SECTOR)
		return vu_err_set(e, EINVAL, "grain directory at the end but no footer");
	x->hdr_at = x->fsize - 2 * VMDK_SECTOR;
	if ((r = vmdk_ext_pread(x, b, sizeof(b), x->fsize - sizeof(b))) < 0)
		return vu_err_set(e, -r, "cannot read the footer: %s", strerror(-r));
	if (vmdk_le(b, 8) != 0 || vmdk_le(b + 8, 4) != 0 || vmdk_le(b + 12, 4) != 3 ||
	    vmdk_le(b + VMDK_SECTOR, 4) != VMDK_MAGIC || vmdk_le(b + 2 * VMDK_SECTOR, 16) != 0)
		return vu_err_set(e, EINVAL, "invalid footer");
	vmdk_parse_header(b + VMDK_SECTOR, &x->h);
	if (x->h.gd_off == VMDK_GD_AT_END)
		return vu_err_set(e, EINVAL, "invalid footer");
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The fields that size and place everything else. */
static int check_header(struct vmdk_extent *x, struct vu_err *e)
{
	const struct vmdk_header *h = &x->h;
	uint64_t per_gt;

	if (h->version < 1 || h->version > 3)
		return vu_err_set(e, ENOTSUP, "unsupported VMDK version %u", h->version);
	if (h->grain == 0 || h->grain > VMDK_MAX_GRAIN_SECTORS)
		return vu_err_set(e, EINVAL, "invalid granularity, image may be corrupt");
	if (h->gtes == 0 || h->gtes > VMDK_MAX_GTES)
		return vu_err_set(e, EINVAL, "invalid grain table size %u", h->gtes);
	if (h->capacity == 0 || h->capacity > VMDK_MAX_DATA_BYTES / VMDK_SECTOR)
		return vu_err_set(e, EINVAL, "invalid capacity");
	if ((h->flags & VMDK_FLAG_COMPRESS) && h->compress != VMDK_COMPRESS_DEFLATE)
		return vu_err_set(e, ENOTSUP, "unsupported compression algorithm %u", h->compress);
	per_gt = h->grain * h->gtes;
	if ((h->capacity + per_gt - 1) / per_gt * 4 > VMDK_MAX_GD_BYTES)
		return vu_err_set(e, EFBIG, "grain directory too large");
	x->ngd = (uint32_t)((h->capacity + per_gt - 1) / per_gt);
	x->grain = h->grain * VMDK_SECTOR;
	return 0;
}

/* A directory: in the file, clear of the header sector. */
static int read_gd(struct vmdk_extent *x, uint64_t sector, uint32_t **out, struct vu_err *e)
{
	size_t bytes = (size_t)x->ngd * 4;
	uint8_t *raw;
	int r;

	if (sector == 0 || sector > x->fsize / VMDK_SECTOR ||
	    bytes > x->fsize - sector * VMDK_SECTOR)
		return vu_err_set(e, EINVAL, "grain directory offset out of the file");
	if (!(raw = malloc(bytes)) || !(*out = malloc(bytes))) {
		free(raw);
		return vu_err_set(e, ENOMEM, NULL);
	}
	if ((r = vmdk_ext_pread(x, raw, bytes, sector * VMDK_SECTOR)) < 0) {
		free(raw);
		return vu_err_set(e, -r, "cannot read the grain directory: %s", strerror(-r));
	}
	for (uint32_t i = 0; i < x->ngd; i++)
		(*out)[i] = (uint32_t)vmdk_le(raw + 4 * (size_t)i, 4);
	free(raw);
	return 0;
}

/* Whether [at, at+len) of the file overlaps the header, the embedded
 * descriptor or a grain directory. */
static bool over_header(const struct vmdk_extent *x, uint64_t at, uint64_t len)
{
	uint64_t gdb = (uint64_t)x->ngd * 4;

	return overlaps(at, len, x->hdr_at, VMDK_SECTOR) ||
	       (x->h.desc_size && x->h.desc_size <= VMDK_MAX_DESC / VMDK_SECTOR &&
		overlaps(at, len, x->h.desc_off * VMDK_SECTOR, x->h.desc_size * VMDK_SECTOR)) ||
	       overlaps(at, len, x->h.gd_off * VMDK_SECTOR, gdb) ||
	       (x->rgd && overlaps(at, len, x->h.rgd_off * VMDK_SECTOR, gdb));
}

bool vmdk_over_metadata(const struct vmdk_extent *x, uint64_t at, uint64_t len)
{
	uint64_t gtb = (uint64_t)x->h.gtes * 4;

	if (over_header(x, at, len))
		return true;
	for (uint32_t i = 0; i < x->ngd; i++)
		if ((x->gd[i] && overlaps(at, len, (uint64_t)x->gd[i] * VMDK_SECTOR, gtb)) ||
		    (x->rgd && x->rgd[i] &&
		     overlaps(at, len, (uint64_t)x->rgd[i] * VMDK_SECTOR, gtb)))
			return true;
	return false;
}

/* Each grain table lies in the file, clear of the header, the descriptor
 * and the directories (a table over them would let a write corrupt them). */
static int check_gts(const struct vmdk_extent *x, const uint32_t *gd, struct vu_err *e)
{
	uint64_t gtb = (uint64_t)x->h.gtes * 4;

	for (uint32_t i = 0; i < x->ngd; i++) {
		uint64_t at = (uint64_t)gd[i] * VMDK_SECTOR;

		if (!gd[i])
			continue;
		if (at > x->fsize || gtb > x->fsize - at)
			return vu_err_set(e, EINVAL, "grain table %u out of the file", i);
		if (over_header(x, at, gtb))
			return vu_err_set(e, EINVAL, "grain table %u overlaps the header", i);
	}
	return 0;
}

int vmdk_sparse_open(struct vmdk_extent *x, struct vu_err *e)
{
	uint8_t b[VMDK_SECTOR];
	int r;

	if (x->fsize < VMDK_SECTOR || (r = vmdk_ext_pread(x, b, sizeof(b), 0)) < 0)
		return vu_err_set(e, EINVAL, "extent '%s' is truncated", x->name);
	if (vmdk_le(b, 4) != VMDK_MAGIC)
		return vu_err_set(e, EINVAL, "extent '%s' is not a sparse extent", x->name);
	vmdk_parse_header(b, &x->h);
	x->hdr_at = 0;
	if (x->h.gd_off == VMDK_GD_AT_END && (r = read_footer(x, e)) < 0)
		return r;
	if ((r = check_header(x, e)) < 0)
		return r;
	x->compressed = x->h.flags & VMDK_FLAG_COMPRESS;
	x->marker = x->h.flags & VMDK_FLAG_MARKER;
	x->zero_grain = x->h.flags & VMDK_FLAG_ZERO_GRAIN;
	if ((r = read_gd(x, x->h.gd_off, &x->gd, e)) < 0)
		return r;
	if ((x->h.flags & VMDK_FLAG_RGD) && x->h.rgd_off &&
	    (r = read_gd(x, x->h.rgd_off, &x->rgd, e)) < 0)
		return r;
	if ((r = check_gts(x, x->gd, e)) < 0 || (x->rgd && (r = check_gts(x, x->rgd, e)) < 0))
		return r;
	if (!(x->gt = malloc((size_t)x->h.gtes * 4)))
		return vu_err_set(e, ENOMEM, NULL);
	x->gt_idx = UINT32_MAX;
	x->next_alloc = (x->fsize + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
	return 0;
}

int vmdk_gte(struct vmdk *v, struct vmdk_extent *x, uint64_t g, uint32_t *gte)
{
	uint64_t t = g / x->h.gtes;
	uint8_t *raw;
	int r;

	*gte = 0;
	if (t >= x->ngd || !x->gd[t])
		return 0;
	if (x->gt_idx != t) {
		size_t bytes = (size_t)x->h.gtes * 4;

		if (!(raw = malloc(bytes)))
			return -ENOMEM;
		x->gt_idx = UINT32_MAX;
		r = vmdk_ext_pread(x, raw, bytes, (uint64_t)x->gd[t] * VMDK_SECTOR);
		for (uint32_t i = 0; r == 0 && i < x->h.gtes; i++)
			x->gt[i] = (uint32_t)vmdk_le(raw + 4 * (size_t)i, 4);
		free(raw);
		if (r < 0) {
			v->why = "cannot read a grain table";
			return r;
		}
		x->gt_idx = (uint32_t)t;
	}
	*gte = x->gt[g % x->h.gtes];
	return 0;
}

/* inflate (zlib format) of exactly one grain. */
static int inflate_grain(const uint8_t *in, size_t len, uint8_t *out, size_t grain)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)grain;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return r == Z_STREAM_END && z.avail_out == 0 ? 0 : -EIO;
}

/* The compressed grain at gte, inflated into v->ubuf (cached). */
static int read_compressed(struct vmdk *v, struct vmdk_extent *x, uint32_t gte, uint64_t g)
{
	uint64_t at = (uint64_t)gte * VMDK_SECTOR, clen;
	size_t cap = (size_t)x->grain * 2 + 4096;
	int r;

	if (v->ubuf_ext == x && v->ubuf_gte == gte)
		return 0;
	if (v->gbuf_len < cap) {
		free(v->gbuf);
		if (!(v->gbuf = malloc(cap)))
			return v->gbuf_len = 0, -ENOMEM;
		v->gbuf_len = cap;
	}
	if (v->ubuf_len < x->grain) {
		free(v->ubuf);
		if (!(v->ubuf = malloc(x->grain)))
			return v->ubuf_len = 0, -ENOMEM;
		v->ubuf_len = x->grain;
	}
	v->ubuf_ext = NULL;
	if (at >= x->fsize)
		return v->why = "grain offset out of the file", -EIO;
	if (x->marker) {
		uint8_t m[12];

		if ((r = vmdk_ext_pread(x, m, sizeof(m), at)) < 0)
			return v->why = "cannot read a grain marker", r;
		clen = vmdk_le(m + 8, 4);
		if (vmdk_le(m, 8) != g * x->h.grain || clen == 0 || clen > cap)
			return v->why = "invalid grain marker", -EIO;
		at += sizeof(m);
	} else {
		clen = x->fsize - at < cap ? x->fsize - at : cap;
	}
	if ((r = vmdk_ext_pread(x, v->gbuf, (size_t)clen, at)) < 0)
		return v->why = "compressed grain out of the file", r;
	if (inflate_grain(v->gbuf, (size_t)clen, v->ubuf, (size_t)x->grain) < 0)
		return v->why = "cannot decompress a grain", -EIO;
	v->ubuf_ext = x;
	v->ubuf_gte = gte;
	return 0;
}

int vmdk_grain_read(struct vmdk *v, struct vmdk_extent *x, uint32_t gte, uint64_t g,
		    void *buf, size_t len, uint64_t in_grain)
{
	uint64_t at = (uint64_t)gte * VMDK_SECTOR;
	int r;

	if (x->compressed) {
		if ((r = read_compressed(v, x, gte, g)) < 0)
			return r;
		memcpy(buf, v->ubuf + in_grain, len);
		return 0;
	}
	if (at > x->fsize || in_grain + len > x->fsize - at)
		return v->why = "grain offset out of the file", -EIO;
	return vmdk_ext_pread(x, buf, len, at + in_grain);
}
