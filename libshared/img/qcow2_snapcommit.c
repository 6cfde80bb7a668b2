/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_snapcommit.c - snapshot metadata changes: shadow refcount blocks, then one header write */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcow2_check.h"
#include "qcow2_snap.h"

int qsn_corrupt(struct qsn_commit *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->q->errmsg, sizeof(c->q->errmsg), fmt, ap);
	va_end(ap);
	return -EIO;
}

int qsn_begin(struct qsn_commit *c, struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	int r;

	memset(c, 0, sizeof(*c));
	c->img = img;
	c->q = q;
	if (!q->wr)
		return -EROFS;
	if ((r = qcow2_begin_write(img)) < 0 || (r = qcow2_meta_flush(img, true)) < 0)
		return r;
	c->h = q->h;
	c->hint = q->wr->free_hint;
	return 0;
}

void qsn_end(struct qsn_commit *c)
{
	for (uint64_t i = 0; i < c->nsh; i++) {
		if (c->sh[i])
			free(c->sh[i]->blk);
		free(c->sh[i]);
	}
	free(c->sh);
	free(c->freed);
	free(c->rt);
	free(c->l1);
	c->sh = NULL;
	c->freed = c->rt = c->l1 = NULL;
	c->nsh = 0;
}

/* Room for block index b in the shadow array. */
static int shadow_room(struct qsn_commit *c, uint64_t b)
{
	uint64_t n = c->nsh ? c->nsh : 64;
	struct qsn_shadow **p;

	if (b < c->nsh)
		return 0;
	while (n <= b)
		n *= 2;
	if (n > QCOW2_MAX_REFTABLE_BYTES / 8)
		return -EFBIG;
	if (!(p = realloc(c->sh, n * sizeof(*p))))
		return -ENOMEM;
	memset(p + c->nsh, 0, (n - c->nsh) * sizeof(*p));
	c->sh = p;
	c->nsh = n;
	return 0;
}

/* The shadow of refcount block b, made from the block in the file (or
 * zeros where the image has none) on first use. */
static int shadow_get(struct qsn_commit *c, uint64_t b, struct qsn_shadow **out)
{
	struct qcow2_wr *w = c->q->wr;
	struct qsn_shadow *s;
	int r;

	if ((r = shadow_room(c, b)) < 0)
		return r;
	if ((s = c->sh[b])) {
		*out = s;
		return 0;
	}
	if (!(s = calloc(1, sizeof(*s))) || !(s->blk = malloc(c->q->cluster_size))) {
		free(s);
		return -ENOMEM;
	}
	s->old_off = b < w->rt_entries ? w->rt[b] : 0;
	if (!s->old_off)
		memset(s->blk, 0, c->q->cluster_size);
	else if ((r = qcow2_read_file(c->q, c->img->fd, s->blk, c->q->cluster_size,
				      s->old_off)) < 0) {
		free(s->blk);
		free(s);
		return r;
	}
	c->sh[b] = s;
	*out = s;
	return 0;
}

static uint64_t block_index(const struct qsn_commit *c, uint64_t cluster)
{
	return cluster >> c->q->wr->rb_bits;
}

static uint64_t block_entry(const struct qsn_commit *c, uint64_t cluster)
{
	return cluster & ((1ull << c->q->wr->rb_bits) - 1);
}

int qsn_rc(struct qsn_commit *c, uint64_t cluster, uint64_t *rc)
{
	uint64_t b = block_index(c, cluster);

	if (b < c->nsh && c->sh[b]) {
		*rc = qcow2_rc_entry_get(c->sh[b]->blk, c->q->refcount_order,
					 block_entry(c, cluster));
		return 0;
	}
	return qcow2_rc_get(c->img, cluster, rc);
}

static int note_freed(struct qsn_commit *c, uint64_t cluster)
{
	if (c->nfreed == c->capfreed) {
		size_t cap = c->capfreed ? c->capfreed * 2 : 256;
		uint64_t *p = realloc(c->freed, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->freed = p;
		c->capfreed = cap;
	}
	c->freed[c->nfreed++] = cluster;
	return 0;
}

int qsn_add(struct qsn_commit *c, uint64_t cluster, int64_t delta)
{
	struct qsn_shadow *s;
	uint64_t v;
	int r;

	if ((r = shadow_get(c, block_index(c, cluster), &s)) < 0)
		return r;
	v = qcow2_rc_entry_get(s->blk, c->q->refcount_order, block_entry(c, cluster));
	if (delta < 0 && v < (uint64_t)-delta)
		return qsn_corrupt(c, "refcount of cluster %llu is too low; "
				   "run 'img-convert check -r all'", (unsigned long long)cluster);
	if (delta > 0 && c->q->wr->rc_max - v < (uint64_t)delta) {
		snprintf(c->q->errmsg, sizeof(c->q->errmsg), "refcount overflow: refcount_bits "
			 "is too small for internal snapshots");
		return -ERANGE;
	}
	v += (uint64_t)delta;
	qcow2_rc_entry_set(s->blk, c->q->refcount_order, block_entry(c, cluster), v);
	return v == 0 && delta < 0 ? note_freed(c, cluster) : 0;
}

int qsn_add_range(struct qsn_commit *c, uint64_t off, uint64_t len, int64_t delta)
{
	unsigned cb = c->q->cluster_bits;
	int r;

	if (!len)
		return 0;
	for (uint64_t cl = off >> cb; cl <= (off + len - 1) >> cb; cl++)
		if ((r = qsn_add(c, cl, delta)) < 0)
			return r;
	return 0;
}

/* A cluster may hold new metadata only if nothing counts it now and
 * nothing this change made counts it either. */
static int free_both(struct qsn_commit *c, uint64_t cluster, bool *ok)
{
	uint64_t before, after;
	int r;

	if ((r = qcow2_rc_get(c->img, cluster, &before)) < 0 || (r = qsn_rc(c, cluster, &after)) < 0)
		return r;
	*ok = !before && !after;
	return 0;
}

int qsn_alloc(struct qsn_commit *c, uint64_t n, uint64_t *off)
{
	uint64_t s = c->hint, i = s;
	bool ok;
	int r;

	while (i - s < n) {
		if ((r = free_both(c, i, &ok)) < 0)
			return r;
		if (!ok) {
			/* What is in use from the hint on is never looked at again. */
			if (c->hint == i)
				c->hint = i + 1;
			s = i + 1;
		}
		i++;
	}
	if (s + n > QCOW2_L2_OFFSET_MASK >> c->q->cluster_bits)
		return -EFBIG;
	if (s == c->hint)
		c->hint = s + n;
	for (uint64_t k = 0; k < n; k++)
		if ((r = qsn_add(c, s + k, 1)) < 0)
			return r;
	*off = s << c->q->cluster_bits;
	return 0;
}

int qsn_read_l2(struct qsn_commit *c, uint64_t off, uint8_t *buf)
{
	struct qcow2 *q = c->q;

	if (off & (q->cluster_size - 1))
		return qsn_corrupt(c, "unaligned l2 table offset %#llx", (unsigned long long)off);
	if (off > q->file_size || q->cluster_size > q->file_size - off)
		return qsn_corrupt(c, "l2 table %#llx past the end of the file",
				   (unsigned long long)off);
	return qcow2_read_file(q, c->img->fd, buf, q->cluster_size, off);
}

/* What one L2 entry points at: the bytes a compressed cluster occupies
 * (as qemu's check counts them), or the host cluster; len 0 for none. */
static int entry_span(struct qsn_commit *c, uint64_t e, uint64_t *off, uint64_t *len)
{
	struct qcow2 *q = c->q;

	*len = 0;
	if (e & QCOW2_OFLAG_COMPRESSED) {
		uint64_t coff = e & q->coffset_mask;

		*off = coff & ~511ull;
		*len = (((e >> q->csize_shift) & q->csize_mask) + 1) * 512;
	} else if ((*off = e & QCOW2_L2_OFFSET_MASK)) {
		if (*off & (q->cluster_size - 1))
			return qsn_corrupt(c, "unaligned cluster offset %#llx",
					   (unsigned long long)*off);
		*len = q->cluster_size;
	}
	if (*len && *off >= q->file_size)
		return qsn_corrupt(c, "cluster %#llx past the end of the file",
				   (unsigned long long)*off);
	return 0;
}

int qsn_l2_refs(struct qsn_commit *c, const uint8_t *t, int64_t delta)
{
	const struct qcow2 *q = c->q;
	uint64_t off, len;
	int r;

	for (uint64_t i = 0; i < (1ull << q->l2_bits); i++) {
		uint64_t e = qcow2_get_be(t + i * q->l2_entry_size, 8);

		if ((r = entry_span(c, e, &off, &len)) < 0 ||
		    (r = qsn_add_range(c, off, len, delta)) < 0)
			return r;
	}
	return 0;
}

bool qsn_clear_copied(const struct qcow2 *q, uint8_t *t)
{
	bool any = false;

	for (uint64_t i = 0; i < (1ull << q->l2_bits); i++) {
		uint8_t *p = t + i * q->l2_entry_size;
		uint64_t e = qcow2_get_be(p, 8);

		if (e & QCOW2_OFLAG_COPIED) {
			qcow2_put_be(p, 8, e & ~QCOW2_OFLAG_COPIED);
			any = true;
		}
	}
	return any;
}

int qsn_write_l1(struct qsn_commit *c, const uint64_t *l1, uint32_t n, uint64_t *off)
{
	struct qcow2 *q = c->q;
	uint64_t bytes = (uint64_t)n * 8;
	int r;

	*off = 0;
	if (!n)
		return 0;
	if ((r = qsn_alloc(c, (bytes + q->cluster_size - 1) >> q->cluster_bits, off)) < 0)
		return r;
	/* As qemu: the table's bytes, not its whole last cluster. */
	return qcow2_write_table(c->img, l1, n, bytes, *off);
}

/* ---- the refcount structures ---- */

/* A refcount table that names every block the shadows need; a larger one
 * than before has room to grow, as the writer's. */
static int table_fit(struct qsn_commit *c, bool *again)
{
	struct qcow2 *q = c->q;
	uint64_t per = q->cluster_size / 8, need = q->wr->rt_entries, entries;
	int r;

	for (uint64_t b = c->nsh; b-- > 0;) {
		if (c->sh[b]) {
			need = b + 1 > need ? b + 1 : need;
			break;
		}
	}
	if (need <= c->rt_entries)
		return 0;
	/* A table placed in an earlier round is too small: it goes back. */
	if ((r = qsn_add_range(c, c->rt_off, c->rt_clusters << q->cluster_bits, -1)) < 0)
		return r;
	entries = need > q->wr->rt_entries ? need * 2 : need;
	entries = (entries + per - 1) / per * per;
	if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES)
		return -EFBIG;
	c->rt_clusters = entries / per;
	c->rt_entries = entries;
	*again = true;
	return qsn_alloc(c, c->rt_clusters, &c->rt_off);
}

/*
 * Every shadow gets a cluster of its own and the block it replaces is
 * freed; placing one may need another block, and a larger table: rounds
 * until nothing changes.
 */
static int place(struct qsn_commit *c)
{
	bool again = true;
	int r;

	/* The old table is freed, whatever happens to its blocks. */
	if ((r = qsn_add_range(c, c->q->refcount_table_offset,
			       (uint64_t)c->q->refcount_table_clusters << c->q->cluster_bits,
			       -1)) < 0)
		return r;
	while (again) {
		again = false;
		for (uint64_t b = 0; b < c->nsh; b++) {
			struct qsn_shadow *s = c->sh[b];

			if (!s || s->new_off)
				continue;
			if ((r = qsn_alloc(c, 1, &s->new_off)) < 0 ||
			    (s->old_off && (r = qsn_add(c, s->old_off >> c->q->cluster_bits, -1)) < 0))
				return r;
			again = true;
		}
		if ((r = table_fit(c, &again)) < 0)
			return r;
	}
	return 0;
}

/* The shadows, then the table naming them; then a sync. */
static int write_refcounts(struct qsn_commit *c)
{
	struct qcow2 *q = c->q;
	uint64_t bytes = c->rt_clusters << q->cluster_bits;
	int r = 0;

	if (!(c->rt = calloc(c->rt_entries, sizeof(*c->rt))))
		return -ENOMEM;
	memcpy(c->rt, q->wr->rt, q->wr->rt_entries * sizeof(*c->rt));
	for (uint64_t b = 0; b < c->nsh && r == 0; b++) {
		if (!c->sh[b])
			continue;
		c->rt[b] = c->sh[b]->new_off;
		r = qcow2_write_file(c->img, c->sh[b]->blk, q->cluster_size, c->sh[b]->new_off);
	}
	if (r == 0)
		r = qcow2_write_table(c->img, c->rt, c->rt_entries, bytes, c->rt_off);
	return r < 0 ? r : qcow2_sync(c->img);
}

/* The header fields 24..72, in one write: the switch itself. */
static int switch_header(struct qsn_commit *c)
{
	struct qcow2 *q = c->q;
	struct qcow2_header old = q->h;
	int r;

	c->h.refcount_table_offset = c->rt_off;
	c->h.refcount_table_clusters = (uint32_t)c->rt_clusters;
	q->h.size = c->h.size;
	q->h.l1_size = c->h.l1_size;
	q->h.l1_table_offset = c->h.l1_table_offset;
	q->h.refcount_table_offset = c->h.refcount_table_offset;
	q->h.refcount_table_clusters = c->h.refcount_table_clusters;
	q->h.nb_snapshots = c->h.nb_snapshots;
	q->h.snapshots_offset = c->h.snapshots_offset;
	if ((r = qcow2_header_update(c->img, 24, 72)) < 0) {
		q->h = old;
		return r;
	}
	return qcow2_sync(c->img);
}

/* The driver's caches describe the old metadata: they take the new. */
static void adopt(struct qsn_commit *c)
{
	struct qcow2 *q = c->q;
	struct qcow2_wr *w = q->wr;

	free(w->rt);
	w->rt = c->rt;
	c->rt = NULL;
	w->rt_entries = c->rt_entries;
	w->rt_dirty_lo = UINT64_MAX;
	w->rt_dirty_hi = 0;
	for (int i = 0; i < QCOW2_RC_SLOTS; i++)
		w->rc[i].offset = 0, w->rc[i].dirty = false;
	w->free_hint = 0;
	w->cfree = 0;
	w->rc_written = w->l2_written = false;
	q->refcount_table_offset = c->rt_off;
	q->refcount_table_clusters = (uint32_t)c->rt_clusters;
	free(q->l1);
	q->l1 = c->l1;
	c->l1 = NULL;
	q->l1_size = q->h.l1_size;
	w->l1_dirty_lo = UINT32_MAX;
	w->l1_dirty_hi = 0;
	for (unsigned i = 0; i < QCOW2_L2_CACHE_MAX; i++)
		q->l2_cache[i].offset = 0, q->l2_cache[i].dirty = false;
	q->rc_block_offset = 0;
	q->prealloc = -1;
	qcow2_decomp_invalidate(q);
	c->img->size = q->h.size;
}

/* What nothing counts any more goes back to the file system, as qemu
 * discards what a snapshot operation frees; best effort. */
static void punch_freed(struct qsn_commit *c)
{
	struct qcow2 *q = c->q;

	if (c->img->is_blockdev)
		return;
	for (size_t i = 0; i < c->nfreed; i++) {
		uint64_t rc;

		if (qcow2_rc_get(c->img, c->freed[i], &rc) == 0 && rc == 0)
			fallocate(c->img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)(c->freed[i] << q->cluster_bits), (off_t)q->cluster_size);
	}
}

int qsn_finish(struct qsn_commit *c)
{
	int r;

	if ((r = place(c)) < 0 || (r = write_refcounts(c)) < 0 || (r = switch_header(c)) < 0)
		return r;
	adopt(c);
	punch_freed(c);
	return 0;
}
