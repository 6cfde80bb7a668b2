/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_alloc.c - qcow2 refcounts for the writer: a block cache, allocation, growth, deferred frees */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qcow2_wr.h"

#define RT_OFFSET_MASK 0xfffffffffffffe00ull

int qcow2_rc_load(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t n = (uint64_t)q->refcount_table_clusters << (q->cluster_bits - 3);
	uint8_t *raw;
	int r;

	w->rb_bits = q->cluster_bits + 3 - q->refcount_order;
	w->rc_max = qcow2_rc_max(q->refcount_order);
	w->rt_dirty_lo = UINT64_MAX;
	if (!(w->rt = calloc(n ? n : 1, sizeof(*w->rt))) || !(raw = malloc(n * 8 + 1)))
		return vu_err_set(e, ENOMEM, NULL);
	w->rt_entries = n;
	r = qcow2_read_file(q, img->fd, raw, n * 8, q->refcount_table_offset);
	for (uint64_t i = 0; r == 0 && i < n; i++) {
		uint64_t ent = qcow2_get_be(raw + i * 8, 8);

		if ((ent & ~RT_OFFSET_MASK) || (ent & (q->cluster_size - 1)))
			r = vu_err_set(e, EINVAL, "refcount block %llu: unaligned offset",
				       (unsigned long long)i);
		w->rt[i] = ent;
	}
	free(raw);
	if (r < 0 && !e->code)
		vu_err_set(e, -r, "cannot read the refcount table: %s", strerror(-r));
	return r;
}

void qcow2_rc_drop(struct qcow2_wr *w)
{
	for (int i = 0; i < QCOW2_RC_SLOTS; i++)
		free(w->rc[i].block);
	memset(w->rc, 0, sizeof(w->rc));
	free(w->rt);
	free(w->frees);
	w->rt = NULL;
	w->frees = NULL;
	w->nfrees = w->frees_cap = 0;
}

static int slot_write(struct vu_image *img, struct qcow2_rc_slot *s)
{
	struct qcow2 *q = img->priv;
	int r = qcow2_write_file(img, s->block, q->cluster_size, s->offset);

	if (r == 0) {
		s->dirty = false;
		q->wr->rc_written = true;
	}
	return r;
}

/* The cached refcount block at off; fresh: a new block, all zeros. */
static int rc_slot(struct vu_image *img, uint64_t off, bool fresh, struct qcow2_rc_slot **out)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	struct qcow2_rc_slot *v = &w->rc[0];
	int r;

	for (int i = 0; i < QCOW2_RC_SLOTS; i++) {
		struct qcow2_rc_slot *s = &w->rc[i];

		if (s->offset == off && off) {
			s->last_use = ++w->rc_tick;
			if (fresh) {
				memset(s->block, 0, q->cluster_size);
				s->dirty = true;
			}
			*out = s;
			return 0;
		}
		if (!s->offset || (v->offset && s->last_use < v->last_use))
			v = s;
	}
	if (v->dirty && (r = slot_write(img, v)) < 0)
		return r;
	if (!v->block && !(v->block = malloc(q->cluster_size)))
		return -ENOMEM;
	v->offset = 0;
	if (fresh)
		memset(v->block, 0, q->cluster_size);
	else if ((r = qcow2_read_file(q, img->fd, v->block, q->cluster_size, off)) < 0)
		return r;
	v->offset = off;
	v->dirty = fresh;
	v->last_use = ++w->rc_tick;
	*out = v;
	return 0;
}

static bool block_missing(const struct qcow2_wr *w, uint64_t cluster)
{
	uint64_t idx = cluster >> w->rb_bits;

	return idx >= w->rt_entries || !w->rt[idx];
}

int qcow2_rc_get(struct vu_image *img, uint64_t cluster, uint64_t *rc)
{
	struct qcow2_wr *w = ((struct qcow2 *)img->priv)->wr;
	struct qcow2_rc_slot *s;
	int r;

	*rc = 0;
	if (block_missing(w, cluster))
		return 0;
	if ((r = rc_slot(img, w->rt[cluster >> w->rb_bits], false, &s)) < 0)
		return r;
	*rc = qcow2_rc_entry_get(s->block, ((struct qcow2 *)img->priv)->refcount_order,
				 cluster & ((1ull << w->rb_bits) - 1));
	return 0;
}

int qcow2_rc_add(struct vu_image *img, uint64_t cluster, int64_t delta)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t i = cluster & ((1ull << w->rb_bits) - 1), v;
	struct qcow2_rc_slot *s;
	int r;

	if (block_missing(w, cluster))
		return -EIO;	/* a reference to a cluster nothing counts */
	if ((r = rc_slot(img, w->rt[cluster >> w->rb_bits], false, &s)) < 0)
		return r;
	v = qcow2_rc_entry_get(s->block, q->refcount_order, i);
	if (delta < 0 && v < (uint64_t)-delta)
		return -EIO;
	if (delta > 0 && w->rc_max - v < (uint64_t)delta)
		return -ERANGE;
	qcow2_rc_entry_set(s->block, q->refcount_order, i, v + (uint64_t)delta);
	s->dirty = true;
	return 0;
}

/* The first run of n free clusters at or after the free hint; clusters
 * whose refcount block does not exist are free. */
static int find_free(struct vu_image *img, uint64_t n, uint64_t *start)
{
	struct qcow2_wr *w = ((struct qcow2 *)img->priv)->wr;
	/* Cluster 0 is the header whatever a corrupt refcount says. */
	uint64_t s = w->free_hint ? w->free_hint : 1, i = s, rc;
	int r;

	while (i - s < n) {
		if (block_missing(w, i)) {
			uint64_t end = ((i >> w->rb_bits) + 1) << w->rb_bits;

			i = end < s + n ? end : s + n;
			continue;
		}
		if ((r = qcow2_rc_get(img, i, &rc)) < 0)
			return r;
		if (rc)
			s = i + 1;
		i++;
	}
	*start = s;
	return 0;
}

/* Refcount blocks missing for the clusters [s, e). */
static uint64_t missing_blocks(const struct qcow2_wr *w, uint64_t s, uint64_t e)
{
	uint64_t n = 0;

	for (uint64_t b = s >> w->rb_bits; b <= (e - 1) >> w->rb_bits; b++)
		n += b >= w->rt_entries || !w->rt[b];
	return n;
}

static void rt_set(struct qcow2_wr *w, uint64_t idx, uint64_t off)
{
	w->rt[idx] = off;
	if (idx < w->rt_dirty_lo)
		w->rt_dirty_lo = idx;
	if (idx + 1 > w->rt_dirty_hi)
		w->rt_dirty_hi = idx + 1;
}

/*
 * Gives every block missing in [s, e) a new refcount block, placed at
 * clusters p, p+1, ... (free, inside [s, e)), then counts [s, p + made).
 * Each new block is counted like any other cluster, by whichever block
 * covers it, possibly itself.
 */
static int place_blocks(struct vu_image *img, uint64_t s, uint64_t e, uint64_t p,
			uint64_t *used_end)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	struct qcow2_rc_slot *slot;
	int r;

	for (uint64_t b = s >> w->rb_bits; b <= (e - 1) >> w->rb_bits; b++) {
		if (w->rt[b])
			continue;
		rt_set(w, b, p << q->cluster_bits);
		if ((r = rc_slot(img, p << q->cluster_bits, true, &slot)) < 0)
			return r;
		p++;
	}
	for (uint64_t c = s; c < p; c++)
		if ((r = qcow2_rc_add(img, c, 1)) < 0)
			return r;
	*used_end = p;
	return 0;
}

static int write_dirty_blocks(struct vu_image *img)
{
	struct qcow2_wr *w = ((struct qcow2 *)img->priv)->wr;
	int r;

	for (int i = 0; i < QCOW2_RC_SLOTS; i++)
		if (w->rc[i].dirty && (r = slot_write(img, &w->rc[i])) < 0)
			return r;
	return 0;
}

/* The new table, written whole before the header names it. */
static int reftable_switch(struct vu_image *img, uint64_t start, uint64_t clusters)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t old = q->refcount_table_offset, oldc = q->refcount_table_clusters;
	int r;

	if ((r = write_dirty_blocks(img)) == 0 && (r = qcow2_sync(img)) == 0 &&
	    (r = qcow2_write_table(img, w->rt, w->rt_entries, clusters << q->cluster_bits,
				   start << q->cluster_bits)) == 0)
		r = qcow2_sync(img);
	if (r < 0)
		return r;
	q->refcount_table_offset = q->h.refcount_table_offset = start << q->cluster_bits;
	q->refcount_table_clusters = q->h.refcount_table_clusters = (uint32_t)clusters;
	if ((r = qcow2_header_update(img, 48, 60)) < 0 || (r = qcow2_sync(img)) < 0)
		return r;
	w->rt_dirty_lo = UINT64_MAX;
	w->rt_dirty_hi = 0;
	return qcow2_free_later(img, old, oldc << q->cluster_bits);
}

/*
 * A larger refcount table covering at least need entries, with room to
 * grow, in new clusters; the old one is freed. Its own clusters and the
 * blocks counting them are placed together in the first free run.
 */
static int reftable_grow(struct vu_image *img, uint64_t need)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t per = q->cluster_size / 8, entries = need * 2, c, s, m, extra = 0, end;
	uint64_t *rt;
	int r;

	for (;;) {
		/* Room to grow, within qemu's limit on the table's size. */
		if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES)
			entries = need * 8 <= QCOW2_MAX_REFTABLE_BYTES ? QCOW2_MAX_REFTABLE_BYTES / 8 : need;
		entries = (entries + per - 1) / per * per;
		if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES)
			return -EFBIG;
		c = entries / per;
		if ((r = find_free(img, c + extra, &s)) < 0)
			return r;
		if (((s + c + extra - 1) >> w->rb_bits) >= entries) {
			need = ((s + c + extra - 1) >> w->rb_bits) + 1;
			entries = need * 2;
			continue;
		}
		m = missing_blocks(w, s, s + c + extra);
		if (m <= extra)
			break;
		extra = m;
	}
	if (!(rt = calloc(entries, sizeof(*rt))))
		return -ENOMEM;
	memcpy(rt, w->rt, w->rt_entries * sizeof(*rt));
	free(w->rt);
	w->rt = rt;
	w->rt_entries = entries;
	if ((r = place_blocks(img, s, s + c + extra, s + c, &end)) < 0)
		return r;
	if (s == w->free_hint)
		w->free_hint = end;
	return reftable_switch(img, s, c);
}

int qcow2_alloc(struct vu_image *img, uint64_t n, uint64_t *host)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t extra = 0, s, last, end;
	int r;

	for (;;) {
		if ((r = find_free(img, n + extra, &s)) < 0)
			return r;
		last = (s + n + extra - 1) >> w->rb_bits;
		if (last >= w->rt_entries) {
			if ((r = reftable_grow(img, last + 1)) < 0)
				return r;
			continue;	/* the table took clusters: look again */
		}
		if (missing_blocks(w, s, s + n + extra) <= extra)
			break;
		extra = missing_blocks(w, s, s + n + extra);
	}
	if (s + n + extra > QCOW2_L2_OFFSET_MASK >> q->cluster_bits)
		return -EFBIG;	/* past what an L2 entry can name */
	if ((r = place_blocks(img, s, s + n + extra, s + n, &end)) < 0)
		return r;
	if (s == w->free_hint)
		w->free_hint = end;
	q->prealloc = -1;
	*host = s << q->cluster_bits;
	return 0;
}

/*
 * Compressed data goes byte after byte into the cluster being filled while
 * it has room and its refcount can count one more; it may run on into the
 * next cluster when that is the next one allocated.
 */
int qcow2_alloc_bytes(struct vu_image *img, uint64_t len, uint64_t *off)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t cur = w->cfree, room = cur ? q->cluster_size - (cur & (q->cluster_size - 1)) : 0;
	uint64_t rc = 0, host;
	int r;

	if (cur && (r = qcow2_rc_get(img, cur >> q->cluster_bits, &rc)) < 0)
		return r;
	if (cur && (rc == 0 || rc >= w->rc_max))
		cur = room = 0;
	if (cur && len <= room) {
		*off = cur;
		w->cfree = len == room ? 0 : cur + len;
		return qcow2_rc_add(img, cur >> q->cluster_bits, 1);
	}
	if ((r = qcow2_alloc(img, 1, &host)) < 0)
		return r;
	if (cur && host == cur + room) {
		*off = cur;
		w->cfree = host + (len - room);
		return qcow2_rc_add(img, cur >> q->cluster_bits, 1);
	}
	*off = host;
	w->cfree = len == q->cluster_size ? 0 : host + len;
	return 0;
}

int qcow2_free_later(struct vu_image *img, uint64_t off, uint64_t len)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t first = off >> q->cluster_bits, n = ((off + len - 1) >> q->cluster_bits) - first + 1;
	struct qcow2_range *last = w->nfrees ? &w->frees[w->nfrees - 1] : NULL;

	if (!len || !off)
		return 0;
	if (last && last->first + last->n == first) {
		last->n += n;
		return 0;
	}
	if (w->nfrees == w->frees_cap) {
		size_t cap = w->frees_cap ? w->frees_cap * 2 : 64;
		struct qcow2_range *p = realloc(w->frees, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->frees = p;
		w->frees_cap = cap;
	}
	w->frees[w->nfrees++] = (struct qcow2_range){ first, n };
	return 0;
}

int qcow2_rc_write(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t lo = w->rt_dirty_lo, hi = w->rt_dirty_hi;
	int r = write_dirty_blocks(img);

	if (r < 0 || lo >= hi)
		return r;
	/* New blocks are in the file before a table entry names them. */
	if ((r = qcow2_sync(img)) < 0)
		return r;
	r = qcow2_write_table(img, w->rt + lo, hi - lo, (hi - lo) * 8,
			      q->refcount_table_offset + lo * 8);
	if (r < 0)
		return r;
	w->rt_dirty_lo = UINT64_MAX;
	w->rt_dirty_hi = 0;
	w->rc_written = true;
	return 0;
}

/* A cluster nothing counts any more may be cached as an L2 table. */
static void forget_cluster(struct qcow2 *q, uint64_t cluster)
{
	uint64_t off = cluster << q->cluster_bits;

	for (unsigned i = 0; i < QCOW2_L2_CACHE_MAX; i++) {
		if (q->l2_cache[i].offset == off) {
			q->l2_cache[i].offset = 0;
			q->l2_cache[i].dirty = false;
		}
	}
	if (q->wr->cfree >> q->cluster_bits == cluster)
		q->wr->cfree = 0;
}

int qcow2_frees_apply(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	int r;

	for (size_t i = 0; i < w->nfrees; i++) {
		for (uint64_t c = w->frees[i].first; c < w->frees[i].first + w->frees[i].n; c++) {
			uint64_t rc;

			if ((r = qcow2_rc_add(img, c, -1)) < 0 ||
			    (r = qcow2_rc_get(img, c, &rc)) < 0)
				return r;
			if (rc)
				continue;
			forget_cluster(q, c);
			if (c < w->free_hint)
				w->free_hint = c;
		}
	}
	w->nfrees = 0;
	qcow2_decomp_invalidate(q);
	q->prealloc = -1;
	return 0;
}

int qcow2_used_end(struct vu_image *img, uint64_t *end_cluster)
{
	struct qcow2_wr *w = ((struct qcow2 *)img->priv)->wr;
	uint64_t rc;
	int r;

	*end_cluster = 0;
	for (uint64_t b = w->rt_entries; b-- > 0;) {
		if (!w->rt[b])
			continue;
		for (uint64_t c = (b + 1) << w->rb_bits; c-- > b << w->rb_bits;) {
			if ((r = qcow2_rc_get(img, c, &rc)) < 0)
				return r;
			if (rc) {
				*end_cluster = c + 1;
				return 0;
			}
		}
	}
	return 0;
}

/* Whether refcount block b counts nothing but, perhaps, itself. */
static int block_unused(struct vu_image *img, uint64_t b, bool *unused)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t self = w->rt[b] >> q->cluster_bits, rc;
	int r;

	*unused = false;
	for (uint64_t c = b << w->rb_bits; c < (b + 1) << w->rb_bits; c++) {
		if ((r = qcow2_rc_get(img, c, &rc)) < 0)
			return r;
		if (rc && c != self)
			return 0;
	}
	*unused = true;
	return 0;
}

/*
 * Refcount blocks that count only themselves go, as qemu's shrinking
 * does, so that the file can end where the data ends. The table entry is
 * cleared in the file first; a block counted elsewhere is freed after.
 */
int qcow2_rc_shrink(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	int r;

	for (uint64_t b = w->rt_entries; b-- > 1;) {
		uint64_t off = w->rt[b];
		bool unused;

		if (!off)
			continue;
		if ((r = block_unused(img, b, &unused)) < 0)
			return r;
		if (!unused)
			continue;
		rt_set(w, b, 0);
		for (int i = 0; i < QCOW2_RC_SLOTS; i++)
			if (w->rc[i].offset == off)
				w->rc[i].offset = 0, w->rc[i].dirty = false;
		if ((r = qcow2_rc_write(img)) < 0 || (r = qcow2_sync(img)) < 0)
			return r;
		if (!block_missing(w, off >> q->cluster_bits) &&
		    (r = qcow2_free_later(img, off, q->cluster_size)) < 0)
			return r;
	}
	return 0;
}
