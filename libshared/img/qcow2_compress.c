/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_compress.c - compressed clusters: compressing (reentrant) apart from storing */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "qcow2_wr.h"

/*
 * Raw deflate with qemu's parameters (4 KiB window, memLevel 9), so that
 * the sizes compare with qemu-img's. 0 when the stream does not fit in
 * cap bytes: the cluster is then stored plain, as qemu does.
 */
static ssize_t deflate_cluster(const void *in, size_t len, void *out, size_t cap)
{
	z_stream z;
	ssize_t n;
	int r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	n = (ssize_t)(cap - z.avail_out);
	deflateEnd(&z);
	if (r == Z_STREAM_END)
		return n;
	return r == Z_OK || r == Z_BUF_ERROR ? 0 : -EIO;
}

/* One zstd frame at the default level, in one call as qemu makes it. */
static ssize_t zstd_cluster(const void *in, size_t len, void *out, size_t cap)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_outBuffer ob = { out, cap, 0 };
	size_t r;

	if (!c)
		return -ENOMEM;
	r = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end);
	ZSTD_freeCCtx(c);
	if (ZSTD_isError(r))
		return ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall ? 0 : -EIO;
	return r ? 0 : (ssize_t)ob.pos;	/* r > 0: the output did not fit */
}

/* Reads nothing but what open fixed: safe from many threads at once. */
ssize_t qcow2_compress_cluster(const struct vu_image *img, const void *cluster, void *out)
{
	const struct qcow2 *q = img->priv;
	size_t cs = (size_t)q->cluster_size;

	if (q->h.compression_type == QCOW2_COMPRESS_ZSTD)
		return zstd_cluster(cluster, cs, out, cs - 1);
	return deflate_cluster(cluster, cs, out, cs - 1);
}

/* The descriptor of len bytes at host offset off: the sectors they touch. */
static uint64_t descriptor(const struct qcow2 *q, uint64_t off, uint64_t len)
{
	uint64_t nsect = ((off + len - 1) >> 9) - (off >> 9) + 1;

	return QCOW2_OFLAG_COMPRESSED | ((nsect - 1) << q->csize_shift) | off;
}

/*
 * Compressed clusters are packed byte after byte, as qemu packs them: the
 * descriptor names whole sectors, so a reader may see the start of the
 * next cluster's data after ours, which the decompressor stops before.
 * Rounding each to a sector would cost half a sector per cluster (about
 * 15% on well-compressing data).
 */
static int store(struct vu_image *img, const uint8_t *data, size_t len, uint64_t g)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s;
	uint64_t off;
	int r;

	if ((r = qcow2_alloc_bytes(img, len, &off)) < 0)
		return r;
	if (off > q->coffset_mask)
		return -EFBIG;
	if ((r = qcow2_write_file(img, data, len, off)) < 0 ||
	    (r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0 ||
	    (r = qcow2_entry_release(img, qcow2_l2e(q, s, g))) < 0)
		return r;
	/* Compressed entries have no COPIED flag and no subcluster bitmap. */
	qcow2_l2e_set(q, s, g, descriptor(q, off, len), 0);
	qcow2_decomp_invalidate(q);
	return 0;
}

int qcow2_write_compressed(struct vu_image *img, const void *data, size_t len, uint64_t off)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size;
	int r;

	if (!q->wr)
		return -EROFS;
	if (off & (cs - 1) || off >= img->size || len >= cs)
		return -EINVAL;
	if (len == 0) {
		uint64_t n = img->size - off < cs ? img->size - off : cs;

		return qcow2_pwrite(img, data, (size_t)n, off);
	}
	if ((r = qcow2_begin_write(img)) < 0)
		return r;
	qcow2_bitmaps_mark(img, off, cs);
	return store(img, data, len, off >> q->cluster_bits);
}

int qcow2_pwrite_compressed(struct vu_image *img, const void *cluster, uint64_t off)
{
	struct qcow2 *q = img->priv;
	ssize_t n;

	if (!q->wr)
		return -EROFS;
	n = qcow2_compress_cluster(img, cluster, q->wr->cbuf);
	if (n < 0)
		return (int)n;
	return qcow2_write_compressed(img, n ? q->wr->cbuf : cluster, (size_t)n, off);
}
