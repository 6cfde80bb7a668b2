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

/* Points the cluster at off to entry (a new cluster's offset or QED_ZERO),
 * making its L2 table first when it has none. Data is durable before. */
static int set_entry(struct vu_image *img, uint64_t off, uint64_t entry)
{
	struct qed *q = img->priv;
	uint32_t i1 = (uint32_t)(off >> q->l1_shift);
	uint32_t i2 = (uint32_t)((off >> q->l2_shift) & (q->nelems - 1));
	uint64_t l2off = q->l1[i1];
	int r;

	if ((r = qed_sync(img)) < 0)
		return fail(q, r, "cannot write a new cluster");
	if (l2off) {
		if ((r = qed_load_l2(img, l2off)) < 0)
			return fail(q, r, "cannot read an L2 table");
		q->l2[i2] = entry;
		if ((r = qed_write_entries(img, q->l2, l2off, i2, 1)) < 0)
			return fail(q, r, "cannot write an L2 table");
		return 0;
	}
	if ((r = grow(img, q->table_bytes, &l2off)) < 0)
		return fail(q, r, "cannot allocate an L2 table");
	memset(q->l2, 0, q->table_bytes);
	q->l2[i2] = entry;
	q->l2_off = l2off;
	if ((r = qed_write_entries(img, q->l2, l2off, i2, 1)) < 0 || (r = qed_sync(img)) < 0)
		return fail(q, r, "cannot write an L2 table");
	q->l1[i1] = l2off;
	if ((r = qed_write_entries(img, q->l1, q->l1_off, i1, 1)) < 0)
		return fail(q, r, "cannot write the L1 table");
	return 0;
}

/* A new cluster for the one at cstart: what it read as, with data over
 * [in, in + n) (zeros when data is NULL). */
static int allocate(struct vu_image *img, uint64_t cstart, uint64_t entry, const uint8_t *data,
		    uint64_t in, size_t n)
{
	struct qed *q = img->priv;
	uint64_t where, valid = img->size - cstart < q->cluster_size ? img->size - cstart :
				q->cluster_size;
	uint8_t *buf = calloc(1, q->cluster_size);
	int r = 0;

	if (!buf)
		return fail(q, -ENOMEM, "cannot allocate a cluster");
	if (n < q->cluster_size && entry == QED_UNALLOC)
		r = vu_image_read_backing(img, buf, (size_t)valid, cstart);
	if (data)
		memcpy(buf + in, data, n);
	else
		memset(buf + in, 0, n);
	if (r == 0 && (r = mark_need_check(img)) == 0 &&
	    (r = grow(img, q->cluster_size, &where)) == 0)
		r = vu_pwrite_all(img->fd, buf, q->cluster_size, (off_t)where);
	free(buf);
	if (r < 0)
		return fail(q, r, "cannot write a new cluster");
	return set_entry(img, cstart, where);
}

/* Whether the cluster at off reads as zeros whatever is under it. */
static bool reads_zero(const struct vu_image *img, uint64_t entry)
{
	return entry == QED_ZERO || (entry == QED_UNALLOC && !img->backing_file);
}

/* One cluster's part [in, in + n): data, or zeros when data is NULL. */
static int write_one(struct vu_image *img, uint64_t off, const uint8_t *data, size_t n)
{
	struct qed *q = img->priv;
	uint64_t in = off & (q->cluster_size - 1), cstart = off - in, entry;
	int r;

	if ((r = qed_find(img, off, &entry)) < 0)
		return r;
	if (entry > QED_ZERO) {
		if (data)
			r = vu_pwrite_all(img->fd, data, n, (off_t)(entry + in));
		else
			r = fmt_write_zeros(img->fd, entry + in, n);
		return r < 0 ? fail(q, r, "cannot write") : 0;
	}
	if (!data || vu_buf_is_zero(data, n)) {
		if (reads_zero(img, entry))
			return 0;
		/* A whole cluster of zeros over the backing file: an entry. */
		if (n == q->cluster_size || (in == 0 && cstart + n >= img->size)) {
			if ((r = mark_need_check(img)) < 0)
				return fail(q, r, "cannot write the header");
			return set_entry(img, cstart, QED_ZERO);
		}
	}
	return allocate(img, cstart, entry, data, in, n);
}

static int write_range(struct vu_image *img, const uint8_t *data, uint64_t len, uint64_t off)
{
	struct qed *q = img->priv;

	q->errmsg[0] = '\0';
	while (len) {
		uint64_t in = off & (q->cluster_size - 1);
		size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : (size_t)len;
		int r = write_one(img, off, data, n);

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
