/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qed_write.c - writing qed images: data in place where a cluster is
 * allocated, else a new cluster at the end of the file (filled with what
 * the cluster read as before: the backing file's data or zeros), then its
 * L2 entry, then (for a new L2 table) its L1 entry. Before the first
 * allocation the header gets the need-check flag, which close clears.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "fmtutil.h"
#include "qed.h"

static int fail(struct qed *q, int r, const char *what)
{
	snprintf(q->errmsg, sizeof(q->errmsg), "%s: %s", what, strerror(-r));
	return r;
}

int qed_write_entries(struct vu_image *img, const uint64_t *table, uint64_t off,
		      uint32_t first, uint32_t n)
{
	uint8_t *raw = malloc((size_t)n * 8);
	int r;

	if (!raw)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		fmt_put_le(raw + (size_t)i * 8, 8, table[first + i]);
	r = vu_pwrite_all(img->fd, raw, (size_t)n * 8, (off_t)(off + (uint64_t)first * 8));
	free(raw);
	return r;
}

static int mark_need_check(struct vu_image *img)
{
	struct qed *q = img->priv;

	if (q->features & QED_F_NEED_CHECK)
		return 0;
	q->features |= QED_F_NEED_CHECK;
	return qed_write_header(img);
}

/* n bytes at the end of the file, zeroed where the file already had bytes. */
static int grow(struct vu_image *img, uint64_t n, uint64_t *where)
{
	struct qed *q = img->priv;
	int r;

	*where = q->file_size;
	if (fmt_file_past(img->fd, *where) && (r = fmt_write_zeros(img->fd, *where, n)) < 0)
		return r;
	if (ftruncate(img->fd, (off_t)(*where + n)) < 0)
		return -errno;
	q->file_size += n;
	return 0;
}

/* Points k clusters from off (in one L2 table) to entry, entry + cluster,
 * ... (or all to QED_ZERO), making their L2 table first when they have
 * none. What the entries name is made durable before. */
static int set_entries(struct vu_image *img, uint64_t off, uint32_t k, uint64_t entry)
{
	struct qed *q = img->priv;
	uint32_t i1 = (uint32_t)(off >> q->l1_shift);
	uint32_t i2 = (uint32_t)((off >> q->l2_shift) & (q->nelems - 1));
	uint64_t l2off = q->l1[i1];
	int r;

	if ((r = qed_sync(img)) < 0)
		return fail(q, r, "cannot write a new cluster");
	if (l2off && (r = qed_load_l2(img, l2off)) < 0)
		return fail(q, r, "cannot read an L2 table");
	if (!l2off) {
		if ((r = grow(img, q->table_bytes, &l2off)) < 0)
			return fail(q, r, "cannot allocate an L2 table");
		memset(q->l2, 0, q->table_bytes);
		q->l2_off = l2off;
	}
	for (uint32_t i = 0; i < k; i++)
		q->l2[i2 + i] = entry == QED_ZERO ? QED_ZERO : entry + (uint64_t)i * q->cluster_size;
	if ((r = qed_write_entries(img, q->l2, l2off, i2, k)) < 0)
		return fail(q, r, "cannot write an L2 table");
	if (q->l1[i1] == l2off)
		return 0;
	if ((r = qed_sync(img)) < 0)
		return fail(q, r, "cannot write an L2 table");
	q->l1[i1] = l2off;
	if ((r = qed_write_entries(img, q->l1, q->l1_off, i1, 1)) < 0)
		return fail(q, r, "cannot write the L1 table");
	return 0;
}

/* What the cluster at cstart read as before (entry: QED_UNALLOC or
 * QED_ZERO) into buf, a cluster. */
static int old_content(struct vu_image *img, uint64_t cstart, uint64_t entry, uint8_t *buf)
{
	struct qed *q = img->priv;
	uint64_t valid = img->size - cstart < q->cluster_size ? img->size - cstart : q->cluster_size;

	memset(buf, 0, q->cluster_size);
	if (entry == QED_UNALLOC)
		return vu_image_read_backing(img, buf, (size_t)valid, cstart);
	return 0;
}

/* k new clusters from cstart, one after the other at the end of the file,
 * as qemu allocates a request's: data over [in, in + n) (zeros when data
 * is NULL), what the first and last read as before around it. */
static int allocate(struct vu_image *img, uint64_t cstart, uint32_t k, const uint64_t ends[2],
		    const uint8_t *data, uint64_t in, uint64_t n)
{
	struct qed *q = img->priv;
	uint64_t where, bytes = (uint64_t)k * q->cluster_size;
	uint8_t *buf = malloc(bytes);
	int r = 0;

	if (!buf)
		return fail(q, -ENOMEM, "cannot allocate a cluster");
	if (in)
		r = old_content(img, cstart, ends[0], buf);
	if (r == 0 && (in + n) % q->cluster_size)
		r = old_content(img, cstart + bytes - q->cluster_size, ends[1],
				buf + bytes - q->cluster_size);
	if (data)
		memcpy(buf + in, data, n);
	else
		memset(buf + in, 0, n);
	if (r == 0 && (r = mark_need_check(img)) == 0 && (r = grow(img, bytes, &where)) == 0)
		r = vu_pwrite_all(img->fd, buf, bytes, (off_t)where);
	free(buf);
	if (r < 0)
		return fail(q, r, "cannot write a new cluster");
	return set_entries(img, cstart, k, where);
}

/* Whether the cluster at off reads as zeros whatever is under it. */
static bool reads_zero(const struct vu_image *img, uint64_t entry)
{
	return entry == QED_ZERO || (entry == QED_UNALLOC && !img->backing_file);
}

/* Whether writing p (n bytes, NULL: zeros) over a cluster with entry
 * changes nothing. */
static bool no_change(const struct vu_image *img, uint64_t entry, const uint8_t *p, size_t n)
{
	return reads_zero(img, entry) && (!p || vu_buf_is_zero(p, n));
}

/* Most clusters one allocation takes (a request of qemu's is 2 MiB at most
 * when converting; we bound the buffer). */
#define RUN_BYTES (8u << 20)

/* From off (in an unallocated or zero cluster, entry), the clusters that
 * one allocation covers: the same L2 table, none allocated, none that
 * would stay as it is; zeros (data NULL) cluster by cluster, as entries
 * where they can. Sets *run to the bytes and ends[1]. */
static int run_length(struct vu_image *img, uint64_t off, const uint8_t *data, uint64_t len,
		      uint64_t *run, uint64_t ends[2])
{
	struct qed *q = img->priv;
	uint64_t in = off & (q->cluster_size - 1), max = RUN_BYTES > q->cluster_size ?
			RUN_BYTES : q->cluster_size;
	uint64_t done = q->cluster_size - in < len ? q->cluster_size - in : len, entry;
	int r;

	ends[1] = ends[0];
	while (data && done < len && done + q->cluster_size <= max &&
	       ((off + done) >> q->l1_shift) == (off >> q->l1_shift)) {
		uint64_t n = q->cluster_size < len - done ? q->cluster_size : len - done;

		if ((r = qed_find(img, off + done, &entry)) < 0)
			return r;
		if (entry > QED_ZERO || no_change(img, entry, data ? data + done : NULL, n))
			break;
		ends[1] = entry;
		done += n;
	}
	*run = done;
	return 0;
}

/* The part of [off, off + len) from off that one step writes: data (or
 * zeros when NULL) in place, a zero entry, or an allocation. */
static int write_step(struct vu_image *img, uint64_t off, const uint8_t *data, uint64_t len,
		      uint64_t *done)
{
	struct qed *q = img->priv;
	uint64_t in = off & (q->cluster_size - 1), cstart = off - in, ends[2];
	size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : (size_t)len;
	int r;

	*done = n;
	if ((r = qed_find(img, off, &ends[0])) < 0)
		return r;
	if (ends[0] > QED_ZERO) {
		if (data)
			r = vu_pwrite_all(img->fd, data, n, (off_t)(ends[0] + in));
		else
			r = fmt_write_zeros(img->fd, ends[0] + in, n);
		return r < 0 ? fail(q, r, "cannot write") : 0;
	}
	if (no_change(img, ends[0], data, n))
		return 0;
	/* A whole cluster of zeros over the backing file: an entry. */
	if ((!data || vu_buf_is_zero(data, n)) &&
	    (n == q->cluster_size || (in == 0 && cstart + n >= img->size))) {
		if ((r = mark_need_check(img)) < 0)
			return fail(q, r, "cannot write the header");
		return set_entries(img, cstart, 1, QED_ZERO);
	}
	if ((r = run_length(img, off, data, len, done, ends)) < 0)
		return r;
	return allocate(img, cstart, (uint32_t)((in + *done + q->cluster_size - 1) / q->cluster_size),
			ends, data, in, *done);
}

static int write_range(struct vu_image *img, const uint8_t *data, uint64_t len, uint64_t off)
{
	struct qed *q = img->priv;

	q->errmsg[0] = '\0';
	while (len) {
		uint64_t n;
		int r = write_step(img, off, data, len, &n);

		if (r < 0)
			return r;
		if (data)
			data += n;
		off += n;
		len -= n;
	}
	return 0;
}

int qed_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	return write_range(img, buf, len, off);
}

int qed_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	(void)may_unmap;
	return write_range(img, NULL, len, off);
}
