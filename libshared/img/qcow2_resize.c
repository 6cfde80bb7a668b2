/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_resize.c - growing and shrinking a qcow2 image, and preallocating its clusters */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "qcow2_wr.h"

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* L1 entries a virtual size needs. */
static uint64_t l1_need(const struct qcow2 *q, uint64_t size)
{
	return div_up(div_up(size, q->cluster_size), 1ull << q->l2_bits);
}

/* The entries past the old end may hold anything: zeros go there before
 * the header counts them. */
static int l1_grow_in_place(struct vu_image *img, uint64_t entries)
{
	struct qcow2 *q = img->priv;
	uint64_t from = (uint64_t)q->l1_size * 8, len = entries * 8 - from;
	uint8_t *z = calloc(1, len);
	int r;

	if (!z)
		return -ENOMEM;
	r = qcow2_write_file(img, z, len, q->h.l1_table_offset + from);
	free(z);
	if (r < 0 || (r = qcow2_sync(img)) < 0)
		return r;
	q->l1_size = q->h.l1_size = (uint32_t)entries;
	if ((r = qcow2_header_update(img, 36, 40)) < 0)
		return r;
	return qcow2_sync(img);
}

/* A new table, complete in the file (with the L2 tables and refcounts it
 * relies on) before the header names it; the old one is freed after. */
static int l1_move(struct vu_image *img, uint64_t entries)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t old = q->h.l1_table_offset, oldlen = (uint64_t)q->l1_size * 8, off;
	int r;

	if ((r = qcow2_alloc(img, div_up(entries * 8, q->cluster_size), &off)) < 0)
		return r;
	/* The L1 entries already point where they should: write those
	 * tables, but not the old L1 (it is going away). */
	w->l1_dirty_lo = UINT32_MAX;
	w->l1_dirty_hi = 0;
	if ((r = qcow2_meta_flush(img, false)) < 0)
		return r;
	/* As qemu: just the table's bytes, not its whole last cluster. */
	r = qcow2_write_table(img, q->l1, q->l1_size, entries * 8, off);
	if (r < 0 || (r = qcow2_sync(img)) < 0)
		return r;
	q->h.l1_table_offset = off;
	q->l1_size = q->h.l1_size = (uint32_t)entries;
	if ((r = qcow2_header_update(img, 36, 48)) < 0 || (r = qcow2_sync(img)) < 0)
		return r;
	return old ? qcow2_free_later(img, old, oldlen ? oldlen : 1) : 0;
}

int qcow2_l1_grow(struct vu_image *img, uint64_t entries)
{
	struct qcow2 *q = img->priv;
	uint64_t have = q->h.l1_table_offset ? div_up((uint64_t)q->l1_size * 8, q->cluster_size) : 0;
	uint64_t *l1;

	if (entries <= q->l1_size)
		return 0;
	if (entries * 8 > QCOW2_MAX_L1_BYTES)
		return -EFBIG;
	if (!(l1 = realloc(q->l1, entries * 8)))
		return -ENOMEM;
	memset(l1 + q->l1_size, 0, (entries - q->l1_size) * 8);
	q->l1 = l1;
	if (have && div_up(entries * 8, q->cluster_size) <= have)
		return l1_grow_in_place(img, entries);
	return l1_move(img, entries);
}

#define ZERO_CHUNK (1u << 20)

static int write_zeros(struct vu_image *img, uint64_t off, uint64_t len)
{
	uint8_t *z = calloc(1, ZERO_CHUNK);
	int r = z ? 0 : -ENOMEM;

	while (r == 0 && len) {
		size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;

		r = qcow2_write_file(img, z, n, off);
		off += n;
		len -= n;
	}
	free(z);
	return r;
}

/* Host clusters [h, h+n) read as zeros whatever they held before, and the
 * file holds them as the mode says. */
static int prepare_data(struct vu_image *img, uint64_t h, uint64_t n, enum vu_prealloc mode)
{
	struct qcow2 *q = img->priv;
	uint64_t len = n << q->cluster_bits, end = h + len;
	int r;

	if (h < q->file_size) {
		/* Reused clusters: their old bytes must not show through. */
		uint64_t inside = (end < q->file_size ? end : q->file_size) - h;

		if (fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)h, (off_t)inside) < 0)
			mode = VU_PREALLOC_FULL;
	}
	if (mode == VU_PREALLOC_FULL)
		return write_zeros(img, h, len);
	if (mode == VU_PREALLOC_FALLOC && (r = posix_fallocate(img->fd, (off_t)h, (off_t)len)))
		return -r;
	if (end > q->file_size) {
		if (ftruncate(img->fd, (off_t)end) < 0)
			return -errno;
		q->file_size = end;
	}
	return 0;
}

/* Gives the unallocated clusters among [g, g+n) of one L2 table host
 * clusters, in runs. With extended L2 entries the subclusters stay
 * unallocated, as qemu's: the space is there, reads still go through.
 * Zero flags stay: a zero cluster becomes a preallocated zero cluster. */
static int prealloc_table(struct vu_image *img, uint64_t g, uint64_t n, enum vu_prealloc mode)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s;
	uint64_t i = g, k, h;
	int r;

	while (i < g + n) {
		if ((r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0)
			return r;
		if (qcow2_l2e(q, s, i) & (QCOW2_L2_OFFSET_MASK | QCOW2_OFLAG_COMPRESSED)) {
			i++;
			continue;
		}
		for (k = 1; i + k < g + n; k++)
			if (qcow2_l2e(q, s, i + k) & (QCOW2_L2_OFFSET_MASK | QCOW2_OFLAG_COMPRESSED))
				break;
		if ((r = qcow2_alloc(img, k, &h)) < 0 || (r = prepare_data(img, h, k, mode)) < 0 ||
		    (r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0)
			return r;
		for (uint64_t j = 0; j < k; j++) {
			uint64_t e = qcow2_l2e(q, s, i + j);

			qcow2_l2e_set(q, s, i + j, (h + (j << q->cluster_bits)) | QCOW2_OFLAG_COPIED |
				      (e & QCOW2_OFLAG_ZERO), qcow2_l2e_bitmap(q, s, i + j));
		}
		i += k;
	}
	return 0;
}

/*
 * Guest clusters from the one holding byte from to the end: every L2
 * table first, then the data clusters, so that data is one run where it
 * can be.
 */
int qcow2_prealloc(struct vu_image *img, uint64_t from, uint64_t to, enum vu_prealloc mode)
{
	struct qcow2 *q = img->priv;
	uint64_t first = from >> q->cluster_bits, end = div_up(to, q->cluster_size);
	uint64_t per = 1ull << q->l2_bits;
	struct qcow2_l2_slot *s;
	int r;

	if (mode == VU_PREALLOC_OFF || first >= end)
		return 0;
	for (uint64_t t = first / per; t <= (end - 1) / per; t++)
		if ((r = qcow2_l2_writable(img, t, &s)) < 0)
			return r;
	for (uint64_t g = first; g < end;) {
		uint64_t n = per - (g & (per - 1));

		n = n < end - g ? n : end - g;
		if ((r = prealloc_table(img, g, n, mode)) < 0)
			return r;
		g += n;
	}
	return 0;
}

static int grow(struct vu_image *img, uint64_t size, enum vu_prealloc mode)
{
	struct qcow2 *q = img->priv;
	uint64_t old = img->size, tail = div_up(old, q->cluster_size) * q->cluster_size;
	int r;

	if ((r = qcow2_l1_grow(img, l1_need(q, size))) < 0)
		return r;
	img->size = q->h.size = size;
	/* What lies past the old end in its last cluster never shows. */
	if (tail > old && (r = qcow2_pwrite_zeroes(img, old, (tail < size ? tail : size) - old,
						   false)) < 0)
		return r;
	/* A longer backing file must not show through the new area. */
	if (img->backing && img->backing->size > old) {
		uint64_t b = img->backing->size < size ? img->backing->size : size;

		if ((r = qcow2_pwrite_zeroes(img, old, b - old, true)) < 0)
			return r;
	}
	if ((r = qcow2_prealloc(img, old, size, mode)) < 0 ||
	    (r = qcow2_meta_flush(img, true)) < 0)
		return r;
	if ((r = qcow2_header_update(img, 24, 32)) < 0)
		return r;
	return qcow2_sync(img);
}

int qcow2_l2_drop(struct vu_image *img, uint64_t t, uint64_t first)
{
	struct qcow2 *q = img->priv;
	uint64_t per = 1ull << q->l2_bits, start = t * per, l2 = q->l1[t] & QCOW2_L1_OFFSET_MASK;
	const uint8_t *tab;
	int r;

	if (!l2)
		return 0;
	if (first > start)
		return qcow2_clusters_set(img, first, start + per - first, 0, 0);
	/* The whole table: what it points at loses this reference, then the
	 * table itself (even a shared one: a snapshot counted both). */
	if ((r = qcow2_l2_get(img, l2, &tab)) < 0)
		return r;
	for (uint64_t i = 0; i < per; i++) {
		uint64_t e = qcow2_get_be(tab + i * q->l2_entry_size, 8);

		if ((r = qcow2_entry_release(img, e)) < 0)
			return r;
	}
	qcow2_l1_set(img, t, 0);
	return qcow2_free_later(img, l2, q->cluster_size);
}

int qcow2_trim_file(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	uint64_t end;
	int r = qcow2_used_end(img, &end);

	if (r < 0)
		return r;
	end <<= q->cluster_bits;
	if (end >= q->file_size)
		return 0;
	if (ftruncate(img->fd, (off_t)end) < 0)
		return -errno;
	q->file_size = end;
	if (q->wr->cfree >= end)
		q->wr->cfree = 0;
	return 0;
}

/* The header says the new size first: nothing past it is visible from then
 * on, and the clusters there are freed in the writer's order after. */
static int shrink(struct vu_image *img, uint64_t size)
{
	struct qcow2 *q = img->priv;
	uint64_t per = 1ull << q->l2_bits, first = div_up(size, q->cluster_size);
	int r;

	img->size = q->h.size = size;
	if ((r = qcow2_header_update(img, 24, 32)) < 0 || (r = qcow2_sync(img)) < 0)
		return r;
	for (uint64_t t = first / per; t < q->l1_size; t++)
		if ((r = qcow2_l2_drop(img, t, first)) < 0)
			return r;
	if ((r = qcow2_meta_flush(img, true)) < 0 || (r = qcow2_rc_shrink(img)) < 0 ||
	    (r = qcow2_meta_flush(img, true)) < 0)
		return r;
	return qcow2_trim_file(img);
}

int qcow2_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		 struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	int r;

	if (!q->wr)
		return vu_err_set(e, EROFS, "image not open for writing");
	if (size % 512)
		return vu_err_set(e, EINVAL, "The new size must be a multiple of 512");
	if (size < img->size && prealloc != VU_PREALLOC_OFF)
		return vu_err_set(e, EINVAL, "Preallocation can only be used for growing images");
	if (l1_need(q, size) * 8 > QCOW2_MAX_L1_BYTES)
		return vu_err_set(e, EFBIG, "The image size is too large for file format 'qcow2' "
				  "(try using a larger cluster size)");
	if ((r = qcow2_begin_write(img)) < 0)
		return vu_err_set(e, -r, "%s", q->errmsg);
	if ((r = qcow2_bitmaps_resize(img, img->size, size)) < 0)
		return vu_err_set(e, -r, "cannot resize the bitmaps: %s", strerror(-r));
	r = size < img->size ? shrink(img, size) : grow(img, size, prealloc);
	if (r < 0)
		return vu_err_set(e, -r, "%s", q->errmsg[0] ? q->errmsg : strerror(-r));
	return 0;
}

int qcow2_truncate(struct vu_image *img, uint64_t size)
{
	struct vu_err e = { 0 };

	return qcow2_resize(img, size, VU_PREALLOC_OFF, &e);
}
