/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_amend.c - qemu-img amend for qcow2: compat level, lazy refcounts, refcount width, size */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qcow2_wr.h"

#define SNAPSHOT_FIXED 40
#define SNAPSHOT_TABLE_MAX (64u << 20)

/* What amend needs to know of each internal snapshot. */
struct snap {
	uint64_t l1_offset;
	uint32_t l1_size;
	uint64_t vm_state_size, disk_size;
	uint64_t pos, len, extra;	/* the entry in the table */
};

/* The snapshot table: entries parsed, the raw bytes and their length. */
struct snaps {
	struct snap *s;
	uint32_t n;
	uint8_t *raw;
	uint64_t len;
};

static void snaps_free(struct snaps *t)
{
	free(t->s);
	free(t->raw);
}

static int parse_snap(struct vu_image *img, struct snaps *t, uint64_t avail, struct snap *sn)
{
	const uint8_t *p = t->raw + t->len;
	uint64_t need;

	if (t->len > avail || avail - t->len < SNAPSHOT_FIXED)
		return -EINVAL;
	sn->extra = qcow2_get_be(p + 36, 4);
	need = SNAPSHOT_FIXED + sn->extra + qcow2_get_be(p + 12, 2) + qcow2_get_be(p + 14, 2);
	/* The last entry's padding may lie past the end of the file. */
	if (need > avail - t->len || sn->extra > 1024)
		return -EINVAL;
	sn->l1_offset = qcow2_get_be(p, 8);
	sn->l1_size = (uint32_t)qcow2_get_be(p + 8, 4);
	sn->vm_state_size = sn->extra >= 8 ? qcow2_get_be(p + 40, 8) : qcow2_get_be(p + 32, 4);
	sn->disk_size = sn->extra >= 16 ? qcow2_get_be(p + 48, 8) : img->size;
	sn->pos = t->len;
	sn->len = (need + 7) & ~7ull;
	t->len += sn->len;
	return 0;
}

static int read_snapshots(struct vu_image *img, struct snaps *t)
{
	struct qcow2 *q = img->priv;
	uint64_t off = q->h.snapshots_offset, avail;
	int r;

	memset(t, 0, sizeof(*t));
	if (!(t->n = q->h.nb_snapshots))
		return 0;
	if (off >= q->file_size)
		return -EINVAL;
	avail = q->file_size - off < SNAPSHOT_TABLE_MAX ? q->file_size - off : SNAPSHOT_TABLE_MAX;
	if (!(t->raw = malloc(avail)) || !(t->s = calloc(t->n, sizeof(*t->s))))
		return -ENOMEM;
	r = qcow2_read_file(q, img->fd, t->raw, avail, off);
	for (uint32_t i = 0; r == 0 && i < t->n; i++)
		r = parse_snap(img, t, avail, &t->s[i]);
	return r;
}

/* Calls fn for every L2 table of the active L1 table and the snapshots'. */
typedef int (*l2_fn)(struct vu_image *img, uint64_t l2, void *ctx);

static int each_l2(struct vu_image *img, const struct snaps *t, l2_fn fn, void *ctx)
{
	struct qcow2 *q = img->priv;
	int r;

	for (uint32_t i = 0; i < q->l1_size; i++)
		if ((q->l1[i] & QCOW2_L1_OFFSET_MASK) &&
		    (r = fn(img, q->l1[i] & QCOW2_L1_OFFSET_MASK, ctx)) < 0)
			return r;
	for (uint32_t s = 0; s < t->n; s++) {
		const struct snap *sn = &t->s[s];
		uint8_t *l1;

		if (sn->l1_size > QCOW2_MAX_L1_BYTES / 8 || !(l1 = malloc(sn->l1_size * 8ull + 1)))
			return -ENOMEM;
		r = qcow2_read_file(q, img->fd, l1, sn->l1_size * 8ull, sn->l1_offset);
		for (uint32_t i = 0; r == 0 && i < sn->l1_size; i++) {
			uint64_t l2 = qcow2_get_be(l1 + i * 8ull, 8) & QCOW2_L1_OFFSET_MASK;

			if (l2)
				r = fn(img, l2, ctx);
		}
		free(l1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int has_compressed(struct vu_image *img, uint64_t l2, void *ctx)
{
	struct qcow2 *q = img->priv;
	const uint8_t *t;
	int r = qcow2_l2_get(img, l2, &t);

	for (uint64_t i = 0; r == 0 && i < (1ull << q->l2_bits); i++)
		if (qcow2_get_be(t + i * q->l2_entry_size, 8) & QCOW2_OFLAG_COMPRESSED)
			*(bool *)ctx = true;
	return r;
}

/*
 * One L2 table without zero clusters, as version 2 needs: unallocated
 * where nothing shows through, else a cluster of zeros, counted once for
 * every L1 table that shares the L2 table (as qemu does). The new clusters
 * and their zeros are in the file before the table points at them.
 */
static int expand_table(struct vu_image *img, uint64_t l2, void *ctx)
{
	struct qcow2 *q = img->priv;
	uint8_t *t = q->wr->buf;
	uint64_t l2rc, h;
	bool dirty = false;
	int r;

	(void)ctx;
	if ((r = qcow2_read_file(q, img->fd, t, q->cluster_size, l2)) < 0 ||
	    (r = qcow2_rc_get(img, l2 >> q->cluster_bits, &l2rc)) < 0)
		return r;
	for (uint64_t i = 0; i < (1ull << q->l2_bits); i++) {
		uint64_t e = qcow2_get_be(t + i * 8, 8), rc = l2rc;

		if ((e & QCOW2_OFLAG_COMPRESSED) || !(e & QCOW2_OFLAG_ZERO))
			continue;
		h = e & QCOW2_L2_OFFSET_MASK;
		dirty = true;
		if (!h && !img->backing_file) {
			qcow2_put_be(t + i * 8, 8, 0);
			continue;
		}
		if (!h && ((r = qcow2_alloc(img, 1, &h)) < 0 ||
			   (l2rc > 1 && (r = qcow2_rc_add(img, h >> q->cluster_bits,
							  (int64_t)l2rc - 1)) < 0)))
			return r;
		/* A preallocated cluster may be shared: COPIED says what it is. */
		if (e & QCOW2_L2_OFFSET_MASK && (r = qcow2_rc_get(img, h >> q->cluster_bits, &rc)) < 0)
			return r;
		if ((r = qcow2_write_file(img, q->wr->zbuf, q->cluster_size, h)) < 0)
			return r;
		qcow2_put_be(t + i * 8, 8, h | (rc == 1 ? QCOW2_OFLAG_COPIED : 0));
	}
	if (!dirty)
		return 0;
	if ((r = qcow2_rc_write(img)) < 0 || (r = qcow2_sync(img)) < 0)
		return r;
	return qcow2_write_file(img, t, q->cluster_size, l2);
}

/* The L2 cache holds nothing that is not in the file, and then nothing. */
static int l2_cache_drop(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	int r = qcow2_meta_flush(img, true);

	for (unsigned i = 0; r == 0 && i < QCOW2_L2_CACHE_MAX; i++)
		q->l2_cache[i].offset = 0;
	return r;
}

static int downgrade_check(struct vu_image *img, const struct snaps *t, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t bad = q->h.incompatible_features & ~(QCOW2_INCOMPAT_COMPRESSION | QCOW2_INCOMPAT_DIRTY);
	bool compressed = false;
	int r;

	if (q->refcount_order != 4)
		return vu_err_set(e, ENOTSUP, "compat=0.10 requires refcount_bits=16");
	for (uint32_t i = 0; i < t->n; i++)
		if (t->s[i].vm_state_size || t->s[i].disk_size != img->size)
			return vu_err_set(e, ENOTSUP, "Internal snapshots prevent downgrade of image");
	if (bad)
		return vu_err_set(e, ENOTSUP, "Cannot downgrade an image with incompatible "
				  "features 0x%" PRIx64 " set", bad);
	/* Version 2 has no autoclear bits to tell stale bitmaps by. */
	for (int i = 0; i < q->wr->nexts; i++)
		if (q->wr->exts[i].type == QCOW2_EXT_BITMAPS)
			return vu_err_set(e, ENOTSUP, "Cannot downgrade an image with bitmaps");
	if (q->h.compression_type == QCOW2_COMPRESS_ZSTD) {
		if ((r = each_l2(img, t, has_compressed, &compressed)) < 0)
			return vu_err_set(e, -r, "Failed to check block status");
		if (compressed)
			return vu_err_set(e, ENOTSUP, "Cannot downgrade an image with zstd "
					  "compression type and existing compressed clusters");
	}
	return 0;
}

/* Zero clusters expanded, then a version 2 header (zstd goes when no
 * compressed cluster uses it). */
static int downgrade(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct snaps t;
	int r = read_snapshots(img, &t);

	if (r < 0)
		r = vu_err_set(e, -r, "cannot read the snapshot table");
	else if ((r = downgrade_check(img, &t, e)) == 0 &&
		 ((r = l2_cache_drop(img)) < 0 || (r = each_l2(img, &t, expand_table, NULL)) < 0 ||
		  (r = qcow2_meta_flush(img, true)) < 0))
		vu_err_set(e, -r, "Failed to turn zero into data clusters");
	snaps_free(&t);
	if (r < 0)
		return r;
	q->h.version = 2;
	q->h.incompatible_features = q->h.compatible_features = q->h.autoclear_features = 0;
	q->h.compression_type = QCOW2_COMPRESS_ZLIB;
	q->wr->lazy = false;
	return qcow2_header_rewrite(img, e);
}

/* One entry with extra data through the disk size, as version 3 wants. */
static uint64_t snap_v3(const struct vu_image *img, const struct snaps *t, const struct snap *sn,
			uint8_t *out)
{
	const uint8_t *p = t->raw + sn->pos;
	uint64_t extra = sn->extra < 16 ? 16 : sn->extra;
	uint64_t names = qcow2_get_be(p + 12, 2) + qcow2_get_be(p + 14, 2);
	uint64_t size = (SNAPSHOT_FIXED + extra + names + 7) & ~7ull;

	memset(out, 0, size);
	memcpy(out, p, SNAPSHOT_FIXED + sn->extra);
	qcow2_put_be(out + 36, 4, extra);
	qcow2_put_be(out + 40, 8, sn->vm_state_size);
	if (sn->extra < 16)
		qcow2_put_be(out + 48, 8, img->size);
	memcpy(out + SNAPSHOT_FIXED + extra, p + SNAPSHOT_FIXED + sn->extra, names);
	return size;
}

/* A new snapshot table with version 3's fields, written before the header
 * names it; the old one is freed after. */
static int snapshots_v3(struct vu_image *img, const struct snaps *t)
{
	struct qcow2 *q = img->priv;
	uint64_t len = 0, off, old = q->h.snapshots_offset;
	uint8_t *raw = calloc(1, t->len + 16ull * t->n);
	int r;

	if (!raw)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n; i++)
		len += snap_v3(img, t, &t->s[i], raw + len);
	if ((r = qcow2_alloc(img, (len + q->cluster_size - 1) >> q->cluster_bits, &off)) == 0 &&
	    (r = qcow2_meta_flush(img, false)) == 0 && (r = qcow2_write_file(img, raw, len, off)) == 0 &&
	    (r = qcow2_sync(img)) == 0) {
		q->h.snapshots_offset = off;
		if ((r = qcow2_header_update(img, 64, 72)) == 0 && (r = qcow2_sync(img)) == 0)
			r = qcow2_free_later(img, old, t->len);
	}
	free(raw);
	return r;
}

static int upgrade(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct snaps t;
	bool old = false;
	int r = read_snapshots(img, &t);

	for (uint32_t i = 0; r == 0 && i < t.n; i++)
		old |= t.s[i].extra < 16;
	if (r == 0 && old)
		r = snapshots_v3(img, &t);
	snaps_free(&t);
	if (r < 0)
		return vu_err_set(e, -r, "cannot update the snapshot table: %s", strerror(-r));
	q->h.version = 3;
	q->h.refcount_order = 4;
	q->h.compression_type = QCOW2_COMPRESS_ZLIB;
	return qcow2_header_rewrite(img, e);
}

/* ---- refcount width ---- */

/* New refcount structures, laid out past everything in use: the table,
 * then the blocks, counting every cluster below their end. */
struct layout {
	uint64_t start;		/* first cluster of the new table */
	uint64_t rt_clusters, blocks;
	uint64_t end;		/* clusters counted: [0, end) */
	unsigned rb_bits;
};

static void plan(const struct qcow2 *q, uint64_t start, unsigned order, struct layout *l)
{
	uint64_t blocks = 1, rtc;

	l->start = start;
	l->rb_bits = q->cluster_bits + 3 - order;
	for (;;) {
		rtc = (blocks * 8 + q->cluster_size - 1) >> q->cluster_bits;
		uint64_t end = start + rtc + blocks;
		uint64_t need = (end + (1ull << l->rb_bits) - 1) >> l->rb_bits;

		if (need <= blocks)
			break;
		blocks = need;
	}
	l->rt_clusters = rtc;
	l->blocks = blocks;
	l->end = start + rtc + blocks;
}

/* The refcount of cluster c under the new layout. */
static int new_count(struct vu_image *img, const struct layout *l, uint64_t c, uint64_t *rc)
{
	if (c >= l->start)
		return *rc = c < l->end, 0;
	return qcow2_rc_get(img, c, rc);
}

/* Every new block, written, with the counts checked against the width. */
static int write_blocks(struct vu_image *img, const struct layout *l, unsigned order,
			struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t per = 1ull << l->rb_bits, max = qcow2_rc_max(order);
	uint8_t *blk = malloc(q->cluster_size);
	int r = blk ? 0 : vu_err_set(e, ENOMEM, NULL);

	for (uint64_t b = 0; r == 0 && b < l->blocks; b++) {
		memset(blk, 0, q->cluster_size);
		for (uint64_t i = 0; r == 0 && i < per && b * per + i < l->end; i++) {
			uint64_t rc;

			if ((r = new_count(img, l, b * per + i, &rc)) < 0)
				break;
			if (rc > max)
				r = vu_err_set(e, EINVAL, "Cannot decrease refcount entry width to "
					       "%u bits: Cluster at offset %#" PRIx64 " has a "
					       "refcount of %" PRIu64, 1u << order,
					       (b * per + i) << q->cluster_bits, rc);
			else
				qcow2_rc_entry_set(blk, order, i, rc);
		}
		if (r == 0)
			r = qcow2_write_file(img, blk, q->cluster_size,
					     (l->start + l->rt_clusters + b) << q->cluster_bits);
	}
	free(blk);
	return r < 0 && !e->code ? vu_err_set(e, -r, "%s", strerror(-r)) : r;
}

static int write_table(struct vu_image *img, const struct layout *l)
{
	struct qcow2 *q = img->priv;
	uint64_t bytes = l->rt_clusters << q->cluster_bits;
	uint8_t *t = calloc(1, bytes);
	int r;

	if (!t)
		return -ENOMEM;
	for (uint64_t b = 0; b < l->blocks; b++)
		qcow2_put_be(t + b * 8, 8, (l->start + l->rt_clusters + b) << q->cluster_bits);
	r = qcow2_write_file(img, t, bytes, l->start << q->cluster_bits);
	free(t);
	return r;
}

/* The old table and blocks, to free once the new ones count them. */
static int old_structures(struct vu_image *img, uint64_t **blocks, uint64_t *n)
{
	struct qcow2_wr *w = ((struct qcow2 *)img->priv)->wr;

	*n = 0;
	if (!(*blocks = malloc((w->rt_entries + 1) * sizeof(**blocks))))
		return -ENOMEM;
	for (uint64_t i = 0; i < w->rt_entries; i++)
		if (w->rt[i])
			(*blocks)[(*n)++] = w->rt[i];
	return 0;
}

/* The header switches to the new structures in one write of its first
 * sector; then the writer reloads them and frees the old ones. */
static int switch_refcounts(struct vu_image *img, const struct layout *l, unsigned order,
			    struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t old_rt = q->refcount_table_offset, old_rtc = q->refcount_table_clusters, n;
	uint64_t *blocks;
	int r = old_structures(img, &blocks, &n);

	if (r < 0)
		return vu_err_set(e, -r, NULL);
	q->h.refcount_table_offset = q->refcount_table_offset = l->start << q->cluster_bits;
	q->h.refcount_table_clusters = q->refcount_table_clusters = (uint32_t)l->rt_clusters;
	q->h.refcount_order = q->refcount_order = order;
	if ((r = qcow2_header_update(img, 48, 100)) == 0 && (r = qcow2_sync(img)) == 0) {
		qcow2_rc_drop(q->wr);
		q->rc_block_offset = 0;
		r = qcow2_rc_load(img, e);
	}
	r = r < 0 ? r : qcow2_free_later(img, old_rt, old_rtc << q->cluster_bits);
	for (uint64_t i = 0; r == 0 && i < n; i++)
		r = qcow2_free_later(img, blocks[i], q->cluster_size);
	free(blocks);
	if (r == 0)
		r = qcow2_meta_flush(img, true);
	return r < 0 && !e->code ? vu_err_set(e, -r, "%s", strerror(-r)) : r;
}

static int change_refcount_order(struct vu_image *img, unsigned order, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t used, start;
	struct layout l;
	int r;

	if ((r = qcow2_meta_flush(img, true)) < 0 || (r = qcow2_used_end(img, &used)) < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	start = (q->file_size + q->cluster_size - 1) >> q->cluster_bits;
	plan(q, start > used ? start : used, order, &l);
	if (l.rt_clusters << q->cluster_bits > QCOW2_MAX_REFTABLE_BYTES)
		return vu_err_set(e, EFBIG, "refcount table too large");
	if ((r = write_blocks(img, &l, order, e)) < 0)
		return r;
	if ((r = write_table(img, &l)) < 0 || (r = qcow2_sync(img)) < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	return switch_refcounts(img, &l, order, e);
}

/* ---- lazy refcounts ---- */

static int set_lazy(struct vu_image *img, bool on, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	int r = 0;

	if (on) {
		q->h.compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
	} else {
		/* Clean first: refcounts in the file, then no dirty bit. */
		if (q->wr->began)
			r = qcow2_meta_flush(img, true);
		q->h.compatible_features &= ~QCOW2_COMPAT_LAZY_REFCOUNTS;
		q->h.incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
	}
	if (r == 0 && (r = qcow2_header_update(img, 72, 88)) == 0)
		r = qcow2_sync(img);
	if (r < 0)
		return vu_err_set(e, -r, "cannot update the header: %s", strerror(-r));
	q->wr->lazy = on;
	return 0;
}

/* Checks that do not depend on the order of the steps, before any step. */
static int amend_check(struct vu_image *img, const struct vu_amend_opts *o, int version,
		       unsigned bits, bool lazy, struct vu_err *e)
{
	struct qcow2 *q = img->priv;

	if (version != 2 && version != 3)
		return vu_err_set(e, EINVAL, "Invalid compatibility level %d", version);
	if (bits == 0 || bits > 64 || (bits & (bits - 1)))
		return vu_err_set(e, EINVAL, "Refcount width must be a power of two and may "
				  "not exceed 64 bits");
	if (bits != (1u << q->refcount_order) && version < 3 && bits != 16)
		return vu_err_set(e, EINVAL, "Refcount widths other than 16 bits require "
				  "compatibility level 1.1 or above (use compat=1.1 or greater)");
	if (lazy && version < 3 && o->lazy_refcounts > 0)
		return vu_err_set(e, EINVAL, "Lazy refcounts only supported with compatibility "
				  "level 1.1 and above (use compat=1.1 or greater)");
	if (o->size && o->size % 512)
		return vu_err_set(e, EINVAL, "The new size must be a multiple of 512");
	return 0;
}

/* qemu's order: upgrade, refcount width, lazy refcounts, size, downgrade. */
int qcow2_amend(struct vu_image *img, const struct vu_amend_opts *o, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	int old = (int)q->h.version, version = o->version ? o->version : old;
	unsigned bits = o->refcount_bits ? o->refcount_bits : 1u << q->refcount_order;
	bool lazy_now = q->h.compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS;
	bool lazy = o->lazy_refcounts ? o->lazy_refcounts > 0 : lazy_now;
	int r;

	if (!q->wr)
		return vu_err_set(e, EROFS, "image not open for writing");
	if ((r = amend_check(img, o, version, bits, lazy, e)) < 0)
		return r;
	if (version > old && (r = upgrade(img, e)) < 0)
		return r;
	if (bits != (1u << q->refcount_order) &&
	    (r = change_refcount_order(img, (unsigned)__builtin_ctz(bits), e)) < 0)
		return r;
	if (lazy != lazy_now && version >= 3 && (r = set_lazy(img, lazy, e)) < 0)
		return r;
	if (o->size && o->size != img->size &&
	    (r = qcow2_resize(img, o->size, VU_PREALLOC_OFF, e)) < 0)
		return r;
	if (version < old)
		return downgrade(img, e);
	return 0;
}
