/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk_write.c - the write half of vmdk: grains allocated at the end, grain
 * tables updated after the data, compressed grains for streamOptimized */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <zlib.h>

#include "vu/file.h"
#include "vmdk.h"

/* The descriptor rewritten in place: padded with zeros in its area when
 * embedded, else the whole descriptor file. */
static int write_desc(struct vu_image *img, struct vmdk *v, const char *text)
{
	size_t n = strlen(text);
	int r;

	if (v->embedded) {
		char *area;

		if (n > v->desc_cap)
			return -ENOSPC;
		if (!(area = calloc(1, (size_t)v->desc_cap)))
			return -ENOMEM;
		memcpy(area, text, n);
		r = vmdk_ext_pwrite(&v->ext[0], area, (size_t)v->desc_cap, v->desc_at);
		free(area);
		return r;
	}
	if ((r = vu_pwrite_all(img->fd, text, n, 0)) < 0)
		return r;
	return ftruncate(img->fd, (off_t)n) < 0 ? -errno : 0;
}

/* A new CID before the first write lands, as qemu does, so that an
 * overlay made on this image sees that its parent changed. */
static int touch_cid(struct vu_image *img, struct vmdk *v)
{
	uint32_t cid;
	char *text;
	int r;

	if (v->cid_updated || !v->desc)
		return 0;
	if (getrandom(&cid, sizeof(cid), 0) != sizeof(cid))
		cid = v->cid + 1;
	if (!(text = vmdk_desc_set_cid(v->desc, cid)))
		return -ENOMEM;
	if ((r = write_desc(img, v, text)) < 0) {
		free(text);
		return r;
	}
	free(v->desc);
	v->desc = text;
	v->cid = cid;
	v->cid_updated = true;
	return 0;
}

/* Grain table entry of grain g set to val, in the table and its copy. */
static int set_gte(struct vmdk_extent *x, uint64_t g, uint32_t val)
{
	uint64_t t = g / x->h.gtes, i = g % x->h.gtes;
	uint8_t b[4];
	int r;

	vmdk_put_le(b, 4, val);
	if ((r = vmdk_ext_pwrite(x, b, 4, (uint64_t)x->gd[t] * VMDK_SECTOR + i * 4)) < 0)
		return r;
	if (x->rgd && x->rgd[t] &&
	    (r = vmdk_ext_pwrite(x, b, 4, (uint64_t)x->rgd[t] * VMDK_SECTOR + i * 4)) < 0)
		return r;
	if (x->gt_idx == t)
		x->gt[i] = val;
	return 0;
}

/* Room for len bytes at the end of the extent's file, in whole sectors. */
static int alloc_at_end(struct vmdk_extent *x, uint64_t len, uint64_t *at)
{
	uint64_t n = (len + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;

	if (x->next_alloc / VMDK_SECTOR + n / VMDK_SECTOR > UINT32_MAX)
		return -EFBIG;	/* grain table entries are 32-bit sectors */
	*at = x->next_alloc;
	x->next_alloc += n;
	if (x->next_alloc > x->fsize)
		x->fsize = x->next_alloc;
	return 0;
}

/* A whole grain compressed into a marker and its data, appended. */
static int append_compressed(struct vmdk_extent *x, uint64_t g, const void *z, size_t zlen)
{
	size_t total = (12 + zlen + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
	uint8_t *rec = calloc(1, total);
	uint64_t at;
	int r;

	if (!rec)
		return -ENOMEM;
	vmdk_put_le(rec, 8, g * x->h.grain);
	vmdk_put_le(rec + 8, 4, zlen);
	memcpy(rec + 12, z, zlen);
	r = alloc_at_end(x, total, &at);
	if (r == 0)
		r = vmdk_ext_pwrite(x, rec, total, at);
	free(rec);
	return r < 0 ? r : set_gte(x, g, (uint32_t)(at / VMDK_SECTOR));
}

static int deflate_grain(const void *in, size_t len, void *out, size_t cap, int level,
			 size_t *zlen)
{
	uLongf n = cap;

	if (compress2(out, &n, in, len, level) != Z_OK)
		return -ENOSPC;
	*zlen = n;
	return 0;
}

/* A whole grain of a streamOptimized image: compressed whatever it
 * gains, since readers expect every grain so. level: Z_NO_COMPRESSION
 * where a worker found that compressing does not shrink it (stored
 * blocks cost a copy, not a second deflate on the writer's thread). */
static int store_compressed(struct vmdk_extent *x, uint64_t g, const void *grain, int level)
{
	size_t cap = compressBound((uLong)x->grain), zlen;
	uint8_t *z = malloc(cap);
	int r;

	if (!z)
		return -ENOMEM;
	r = deflate_grain(grain, (size_t)x->grain, z, cap, level, &zlen);
	if (r == 0)
		r = append_compressed(x, g, z, zlen);
	free(z);
	return r;
}

/* The grain as it reads now (backing file or zeros), for a partial write. */
static int grain_base(struct vu_image *img, struct vmdk_extent *x, uint64_t g, uint32_t gte,
		      uint8_t *buf)
{
	uint64_t voff = x->start + g * x->grain, n = x->grain;

	if (voff + n > x->start + x->len)
		n = x->start + x->len - voff;
	memset(buf, 0, (size_t)x->grain);
	if (gte == 0)
		return vu_image_read_backing(img, buf, (size_t)n, voff);
	return 0;
}

/* Part or all of one grain of a sparse extent. */
static int write_grain(struct vu_image *img, struct vmdk_extent *x, const void *buf,
		       size_t len, uint64_t rel)
{
	struct vmdk *v = img->priv;
	uint64_t g = rel / x->grain, in = rel % x->grain, at;
	uint32_t gte;
	uint8_t *tmp;
	int r = vmdk_gte(v, x, g, &gte);

	if (r < 0)
		return r;
	if (g / x->h.gtes >= x->ngd || !x->gd[g / x->h.gtes])
		return v->why = "no grain table for this grain", -ENOTSUP;
	if (gte && !(x->zero_grain && gte == VMDK_GTE_ZEROED)) {
		if (x->compressed)
			return v->why = "cannot rewrite a grain of a compressed image", -EIO;
		if (vmdk_over_metadata(x, (uint64_t)gte * VMDK_SECTOR, x->grain))
			return v->why = "a grain overlaps the image's metadata", -EIO;
		return vmdk_ext_pwrite(x, buf, len, (uint64_t)gte * VMDK_SECTOR + in);
	}
	if (!(tmp = malloc((size_t)x->grain)))
		return -ENOMEM;
	if (len == x->grain)
		memcpy(tmp, buf, len);
	else if ((r = grain_base(img, x, g, gte, tmp)) == 0)
		memcpy(tmp + in, buf, len);
	if (r == 0 && x->compressed)
		r = store_compressed(x, g, tmp, Z_DEFAULT_COMPRESSION);
	else if (r == 0 && (r = alloc_at_end(x, x->grain, &at)) == 0 &&
		 (r = vmdk_ext_pwrite(x, tmp, (size_t)x->grain, at)) == 0)
		r = set_gte(x, g, (uint32_t)(at / VMDK_SECTOR));
	free(tmp);
	return r;
}

/* Calls fn for each piece of [off, off+len) within one extent (and, for
 * sparse extents, one grain). */
static int write_range(struct vu_image *img, const uint8_t *buf, size_t len, uint64_t off)
{
	struct vmdk *v = img->priv;
	int r = touch_cid(img, v);

	while (r == 0 && len) {
		struct vmdk_extent *x = vmdk_find_extent(v, off);
		uint64_t rel, n;

		if (!x)
			return -EIO;
		rel = off - x->start;
		n = x->len - rel < len ? x->len - rel : len;

		if (x->type == VMDK_EXT_SPARSE && x->grain - rel % x->grain < n)
			n = x->grain - rel % x->grain;
		if (x->type == VMDK_EXT_ZERO)
			r = vu_buf_is_zero(buf, (size_t)n) ? 0 : -ENOTSUP;
		else if (x->type == VMDK_EXT_FLAT)
			r = vmdk_ext_pwrite(x, buf, (size_t)n, x->flat_off + rel);
		else
			r = write_grain(img, x, buf, (size_t)n, rel);
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return r;
}

int vmdk_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	struct vmdk *v = img->priv;

	v->why = NULL;
	v->ubuf_ext = NULL;
	return write_range(img, buf, len, off);
}

/* One whole grain of zeros: a zeroed-grain entry where the image has them;
 * else nothing where it already reads as zeros (unallocated, no parent);
 * else written. */
static int zero_grain(struct vu_image *img, struct vmdk_extent *x, uint64_t off)
{
	static const uint8_t zeros[1 << 16];
	struct vmdk *v = img->priv;
	uint64_t g = (off - x->start) / x->grain;
	uint32_t gte;
	int r = vmdk_gte(v, x, g, &gte);

	if (r < 0)
		return r;
	if (x->zero_grain)
		return gte == VMDK_GTE_ZEROED ? 0 : (r = touch_cid(img, v)) < 0 ? r :
		       set_gte(x, g, VMDK_GTE_ZEROED);
	if (!gte && !img->backing)
		return 0;
	for (uint64_t d = 0; r == 0 && d < x->grain; d += sizeof(zeros))
		r = write_range(img, zeros, x->grain - d < sizeof(zeros) ?
				(size_t)(x->grain - d) : sizeof(zeros), off + d);
	return r;
}

int vmdk_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	static const uint8_t zeros[1 << 16];
	struct vmdk *v = img->priv;
	int r = 0;

	(void)may_unmap;
	v->why = NULL;
	while (r == 0 && len) {
		struct vmdk_extent *x = vmdk_find_extent(v, off);
		uint64_t rel, n;

		if (!x)
			return -EIO;
		rel = off - x->start;
		n = x->len - rel < len ? x->len - rel : len;
		if (x->type == VMDK_EXT_SPARSE && rel % x->grain == 0 && n >= x->grain) {
			n = x->grain;
			r = zero_grain(img, x, off);
		} else if (x->type != VMDK_EXT_ZERO) {
			if (n > sizeof(zeros))
				n = sizeof(zeros);
			if (x->type == VMDK_EXT_SPARSE && x->grain - rel % x->grain < n)
				n = x->grain - rel % x->grain;
			r = write_range(img, zeros, (size_t)n, off);
		}
		off += n;
		len -= n;
	}
	return r;
}

/* vmdk images keep their size (qemu cannot resize them either); a size
 * that is not whole sectors was rounded up when the image was made. */
int vmdk_truncate(struct vu_image *img, uint64_t size)
{
	return size <= img->size && img->size - size < VMDK_SECTOR ? 0 : -ENOTSUP;
}

/* qemu cannot resize vmdk images either; its words. */
int vmdk_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		struct vu_err *e)
{
	(void)img;
	(void)size;
	(void)prealloc;
	return vu_err_set(e, ENOTSUP, "Image format driver does not support resize");
}

int vmdk_flush(struct vu_image *img)
{
	struct vmdk *v = img->priv;

	if (img->flags & VU_OPEN_UNSAFE)
		return 0;
	for (int i = 0; i < v->n; i++)
		if (v->ext[i].own_fd && fdatasync(v->ext[i].fd) < 0)
			return -errno;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* The single extent of a streamOptimized image, or NULL. */
static struct vmdk_extent *stream_extent(const struct vu_image *img)
{
	const struct vmdk *v = img->priv;

	return v->n == 1 && v->ext[0].type == VMDK_EXT_SPARSE && v->ext[0].compressed ?
	       &v->ext[0] : NULL;
}

/* Whether the grain's first 4 KiB do not shrink at deflate's fastest
 * level: random or already compressed data, which a full deflate would
 * only find out at the cost of a grain's worth of matching. */
static bool looks_incompressible(const void *grain, size_t len)
{
	uint8_t out[4096 + 64];
	size_t n;

	if (len < 4096 || deflate_grain(grain, 4096, out, sizeof(out), 1, &n) < 0)
		return false;
	return n >= 4096;
}

/* Reentrant: reads only what open fixed. 0 when the grain does not shrink:
 * the writer then stores it in deflate's stored blocks. */
ssize_t vmdk_compress_cluster(const struct vu_image *img, const void *cluster, void *out)
{
	const struct vmdk_extent *x = stream_extent(img);
	size_t zlen;

	if (!x)
		return 0;	/* other subformats store -c's clusters plain, as qemu */
	if (looks_incompressible(cluster, (size_t)x->grain))
		return 0;
	if (deflate_grain(cluster, (size_t)x->grain, out, (size_t)x->grain - 1,
			  Z_DEFAULT_COMPRESSION, &zlen) < 0)
		return 0;
	return (ssize_t)zlen;
}

int vmdk_write_compressed(struct vu_image *img, const void *data, size_t len, uint64_t off)
{
	struct vmdk *v = img->priv;
	struct vmdk_extent *x = stream_extent(img);
	uint64_t g;
	uint32_t gte;
	int r;

	if (!x && !len) {
		/* -c into an uncompressed vmdk: the cluster plain (the last
		 * one cut at the disk's end), as qemu writes it. */
		uint64_t n = 65536;

		for (int i = 0; i < v->n; i++)
			if (v->ext[i].type == VMDK_EXT_SPARSE) {
				n = v->ext[i].grain;
				break;
			}
		return vmdk_pwrite(img, data, (size_t)(img->size - off < n ? img->size - off : n),
				   off);
	}
	if (!x)
		return -ENOTSUP;
	v->why = NULL;
	v->ubuf_ext = NULL;
	g = off / x->grain;
	if (off % x->grain)
		return -EINVAL;
	if ((r = touch_cid(img, v)) < 0 || (r = vmdk_gte(v, x, g, &gte)) < 0)
		return r;
	if (g / x->h.gtes >= x->ngd || !x->gd[g / x->h.gtes])
		return v->why = "no grain table for this grain", -ENOTSUP;
	if (gte)
		return v->why = "cannot rewrite a grain of a compressed image", -EIO;
	return len ? append_compressed(x, g, data, len)
		   : store_compressed(x, g, data, Z_NO_COMPRESSION);
}

int vmdk_pwrite_compressed(struct vu_image *img, const void *cluster, uint64_t off)
{
	const struct vmdk_extent *x = stream_extent(img);
	void *out;
	ssize_t n;
	int r;

	if (!x)
		return vmdk_write_compressed(img, cluster, 0, off);
	if (!(out = malloc((size_t)x->grain)))
		return -ENOMEM;
	n = vmdk_compress_cluster(img, cluster, out);
	r = n < 0 ? (int)n : vmdk_write_compressed(img, n ? out : cluster, (size_t)n, off);
	free(out);
	return r;
}

bool vmdk_compressed_only(const struct vu_image *img)
{
	return stream_extent(img) != NULL;
}
