/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_check_fix.c - qemu-img check's repairs for qcow2: refcounts in place, a rebuilt refcount structure, COPIED flags */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "qcow2_check.h"

#define OFF_REFTABLE 48		/* header: refcount_table_offset, then its clusters */
#define REBUILD_ROUNDS 32

/* A repair's write; the file may grow (a rebuilt refcount structure). */
int qck_write(struct qck *c, const void *buf, size_t len, uint64_t off)
{
	int r = vu_pwrite_all(c->img->fd, buf, len, (off_t)off);

	if (r == 0 && off + len > c->file_size)
		c->file_size = off + len;
	return r;
}

int qck_sync(struct qck *c)
{
	return fdatasync(c->img->fd) < 0 ? -errno : 0;
}

/* Writes refcount v for cluster into its refcount block, which exists (the
 * stored refcount was read from it). Only the bytes of the entry are
 * written, so a torn write cannot touch its neighbours. A cluster nothing
 * uses any more is given back to the file system, as qemu discards it. */
int qck_set_rc(struct qck *c, uint64_t cluster, uint64_t v)
{
	uint64_t old, ent = cluster & ((1ull << c->rb_bits) - 1), boff, blen;
	int r = qck_stored_rc(c, cluster, &old);

	if (r < 0)
		return r;
	if (!c->rb_valid || (cluster >> c->rb_bits) >= c->rt_n)
		return -EIO;	/* no block to write into */
	if (c->order < 3) {
		boff = ent / (8u >> c->order);
		blen = 1;
	} else {
		blen = (1u << c->order) / 8;
		boff = ent * blen;
	}
	qcow2_rc_entry_set(c->rb, c->order, ent, v);
	if ((r = qck_write(c, c->rb + boff, (size_t)blen, c->rb_off + boff)) < 0) {
		c->rb_valid = false;
		return r;
	}
	if (v == 0 && !c->img->is_blockdev)
		fallocate(c->img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)(cluster << c->cb), (off_t)c->cs);
	return 0;
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Whether a write to [off, off+len) would land on metadata (qemu's
 * "cached" overlap check): the header, the refcount structures, the
 * snapshot table and its L1 tables, and the active L1 table or its L2
 * tables, whichever the write is not to (an L1 entry, l1 true, or an L2
 * table). */
static bool hits_metadata(const struct qck *c, uint64_t off, uint64_t len, bool l1)
{
	const struct qcow2 *q = c->q;

	if (overlap(off, len, 0, c->cs) ||
	    (!l1 && overlap(off, len, q->h.l1_table_offset, (uint64_t)q->h.l1_size * 8)) ||
	    overlap(off, len, c->rt_offset, c->rt_n * 8) ||
	    overlap(off, len, q->h.snapshots_offset, c->snaps_size))
		return true;
	for (uint32_t i = 0; l1 && i < q->l1_size; i++)
		if ((q->l1[i] & QCOW2_L1_OFFSET_MASK) &&
		    overlap(off, len, q->l1[i] & QCOW2_L1_OFFSET_MASK, c->cs))
			return true;
	for (uint32_t i = 0; i < c->nsnaps; i++)
		if (overlap(off, len, c->snaps[i].l1_offset, (uint64_t)c->snaps[i].l1_size * 8))
			return true;
	for (uint64_t i = 0; i < c->rt_n; i++) {
		uint64_t rb = c->rt[i] & QCK_REFT_OFFSET_MASK;

		if (rb && overlap(off, len, rb, c->cs))
			return true;
	}
	return false;
}

/* Turns L2 entry i (a preallocated cluster at an unaligned offset) into
 * a zero cluster without one. -EEXIST: it lies on other metadata. */
int qck_zero_l2_entry(struct qck *c, uint64_t l2_off, uint8_t *table, uint64_t i)
{
	uint8_t *p = table + i * c->l2_esize;
	uint64_t at = l2_off + i * c->l2_esize;
	int r;

	if (c->q->extended_l2) {
		uint64_t bm = qcow2_get_be(p + 8, 8);

		bm = (bm | bm << 32) & QCK_BITMAP_ALL_ZERO;
		qcow2_put_be(p + 8, 8, bm);
		qcow2_put_be(p, 8, 0);
	} else {
		qcow2_put_be(p, 8, QCOW2_OFLAG_ZERO);
	}
	if (hits_metadata(c, at, c->l2_esize, false)) {
		qck_msg(c, "ERROR: Overlap check failed");
		c->res->check_errors++;
		return -EEXIST;
	}
	if ((r = qck_write(c, p, c->l2_esize, at)) < 0 || (r = qck_sync(c)) < 0) {
		qck_msg(c, "ERROR: Failed to overwrite L2 table entry: %s", strerror(-r));
		c->res->check_errors++;
	}
	return r;
}

/* Refcount blocks needed for the in-memory refcounts: one per cluster-
 * sized slice with any count in it. */
static uint64_t count_blocks(const struct qck *c)
{
	uint64_t n = 0;

	for (uint64_t s = 0; s < c->imrt_bytes; s += c->cs)
		n += !vu_buf_is_zero(c->imrt + s, (size_t)c->cs);
	return n;
}

static void mark(struct qck *c, uint64_t from, uint64_t n, uint64_t v)
{
	for (uint64_t i = 0; i < n; i++)
		qcow2_rc_entry_set(c->imrt, c->order, from + i, v);
}

/* Room for the new structure past everything the file holds: nblocks
 * refcount blocks, then a table of tclusters, counting themselves. */
static int plan(struct qck *c, uint64_t base, uint64_t *nblocks, uint64_t *tclusters)
{
	uint64_t b = count_blocks(c), t = 1;

	for (int round = 0; round < REBUILD_ROUNDS; round++) {
		uint64_t end = base + b + t, nb, nt;
		int r = qck_imrt_resize(c, end);

		if (r < 0)
			return r;
		mark(c, base, b + t, 1);
		nb = count_blocks(c);
		nt = ((((end + (1ull << c->rb_bits) - 1) >> c->rb_bits) * 8) + c->cs - 1) >> c->cb;
		if (nb == b && nt == t) {
			*nblocks = b;
			*tclusters = t;
			return (t << c->cb) > QCOW2_MAX_REFTABLE_BYTES ? -EFBIG : 0;
		}
		/* More room only ever needs more blocks: this settles. */
		mark(c, base, b + t, 0);
		b = nb;
		t = nt;
	}
	return -EFBIG;
}

/* Writes each refcount block at its place from base, filling rt. */
static int write_blocks(struct qck *c, uint64_t base, uint64_t *rt)
{
	uint64_t next = base;
	int r;

	for (uint64_t s = 0, j = 0; s < c->imrt_bytes; s += c->cs, j++) {
		if (vu_buf_is_zero(c->imrt + s, (size_t)c->cs))
			continue;
		rt[j] = next << c->cb;
		if ((r = qck_write(c, c->imrt + s, (size_t)c->cs, rt[j])) < 0)
			return r;
		next++;
	}
	return 0;
}

static int write_table(struct qck *c, const uint64_t *rt, uint64_t n, uint64_t off,
		       uint64_t clusters)
{
	uint8_t *buf = calloc(1, (size_t)(clusters << c->cb)), hdr[12];
	int r;

	if (!buf)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		qcow2_put_be(buf + i * 8, 8, rt[i]);
	r = qck_write(c, buf, (size_t)(clusters << c->cb), off);
	free(buf);
	if (r < 0 || (r = qck_sync(c)) < 0)
		return r;
	/* One write switches to the new structure; the old one leaks. */
	qcow2_put_be(hdr, 8, off);
	qcow2_put_be(hdr + 8, 4, clusters);
	if ((r = qck_write(c, hdr, sizeof(hdr), OFF_REFTABLE)) < 0)
		return r;
	return qck_sync(c);
}

/*
 * A new refcount structure from the in-memory refcounts, written past the
 * end of the file: blocks, then the table, then one header write to
 * switch. The old structure is untouched until then and leaks after it;
 * the caller's recount frees it. Nothing else moves.
 */
int qck_rebuild(struct qck *c)
{
	uint64_t base = (c->file_size + c->cs - 1) >> c->cb, nb, nt, *rt = NULL, n;
	int r;

	if (c->imrt_n > base)
		base = c->imrt_n;
	r = plan(c, base, &nb, &nt);
	n = (nt << c->cb) / 8;
	if (r == 0 && !(rt = calloc(n, 8)))
		r = -ENOMEM;
	if (r == 0 && ((r = write_blocks(c, base, rt)) < 0 || (r = qck_sync(c)) < 0))
		qck_msg(c, "ERROR writing refblock: %s", strerror(-r));
	else if (r == 0 && (r = write_table(c, rt, n, (base + nb) << c->cb, nt)) < 0)
		qck_msg(c, "ERROR writing reftable: %s", strerror(-r));
	else if (r < 0)
		qck_msg(c, "ERROR allocating reftable: %s", strerror(-r));
	if (r < 0) {
		free(rt);
		c->res->check_errors++;
		return r;
	}
	free(c->rt);
	c->rt = rt;
	c->rt_n = n;
	c->rt_offset = (base + nb) << c->cb;
	c->rb_valid = false;
	c->q->h.refcount_table_offset = c->q->refcount_table_offset = c->rt_offset;
	c->q->h.refcount_table_clusters = c->q->refcount_table_clusters = (uint32_t)nt;
	return 0;
}

/* Sets or clears COPIED in active L1 entry i to match the L2 table's refcount. */
static int fix_l1_entry(struct qck *c, uint32_t i, uint64_t rc)
{
	struct qcow2 *q = c->q;
	uint64_t e = rc == 1 ? q->l1[i] | QCOW2_OFLAG_COPIED : q->l1[i] & ~QCOW2_OFLAG_COPIED;
	uint64_t at = q->h.l1_table_offset + (uint64_t)i * 8;
	uint8_t b[8];
	int r;

	qcow2_put_be(b, 8, e);
	if (hits_metadata(c, at, 8, true)) {
		qck_msg(c, "Preventing invalid write on metadata (overlaps with an L2 table)");
		c->res->check_errors++;
		return -EIO;
	}
	if ((r = qck_write(c, b, 8, at)) < 0 ||
	    (r = qck_sync(c)) < 0) {
		c->res->check_errors++;
		return r;
	}
	q->l1[i] = e;
	c->res->corruptions--;
	c->res->corruptions_fixed++;
	return 0;
}

/* The COPIED flags of one L2 table's clusters; the count of wrong ones,
 * fixed in c->l2buf when repair. */
static int64_t l2_flags(struct qck *c, bool repair)
{
	int64_t bad = 0;

	for (uint64_t j = 0; j < c->l2_n; j++) {
		uint8_t *p = c->l2buf + j * c->l2_esize;
		uint64_t e = qcow2_get_be(p, 8), off = e & QCOW2_L2_OFFSET_MASK, rc;
		/* Normal and preallocated zero clusters have a host cluster. */
		bool alloc = !(e & QCOW2_OFLAG_COMPRESSED) && off;

		if (!alloc || qck_stored_rc(c, off >> c->cb, &rc) < 0)
			continue;
		if ((rc == 1) == !!(e & QCOW2_OFLAG_COPIED))
			continue;
		bad++;
		qck_msg(c, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64 " refcount=%" PRIu64,
			repair ? "Repairing" : "ERROR", e, rc);
		if (repair)
			qcow2_put_be(p, 8, rc == 1 ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED);
	}
	return bad;
}

static int write_l2(struct qck *c, uint64_t l2, int64_t dirty)
{
	int r = -EIO;

	if (hits_metadata(c, l2, c->cs, false)) {
		qck_msg(c, "ERROR: Could not write L2 table; metadata overlap check failed: %s",
			strerror(EIO));
	} else if ((r = qck_write(c, c->l2buf, (size_t)c->cs, l2)) < 0 ||
		   (r = qck_sync(c)) < 0) {
		qck_msg(c, "ERROR: Could not write L2 table: %s", strerror(-r));
	} else {
		c->res->corruptions -= dirty;
		c->res->corruptions_fixed += dirty;
		return 0;
	}
	c->res->check_errors++;
	return r;
}

/* The data clusters of the L2 table at l2, once however often it is
 * referenced (each reference counts what is wrong, unless repaired). */
static int l2_copied(struct qck *c, uint64_t l2, bool repair)
{
	struct qck_l2 key = { .off = l2 }, *ref;
	int64_t bad;
	int r;

	ref = c->nl2s ? bsearch(&key, c->l2s, c->nl2s, sizeof(key), qck_cmp_l2) : NULL;
	if (ref && ref->done)
		return 0;
	if (ref)
		ref->done = true;
	if ((r = qck_read(c, c->l2buf, (size_t)c->cs, l2)) < 0) {
		qck_msg(c, "ERROR: Could not read L2 table: %s", strerror(-r));
		c->res->check_errors++;
		return r;
	}
	bad = l2_flags(c, repair);
	c->res->corruptions += bad * (ref && !repair ? ref->active : 1);
	return bad && repair ? write_l2(c, l2, bad) : 0;
}

/* qemu's check_oflag_copied over the active tables. With only leaks to
 * fix, the flags are repaired when the refcounts are known good. */
int qck_oflag_copied(struct qck *c, unsigned fix)
{
	struct vu_check_result *res = c->res;
	bool repair = (fix & QCOW2_FIX_ERRORS) ||
		      ((fix & QCOW2_FIX_LEAKS) && !res->check_errors && !res->corruptions &&
		       !res->leaks);
	int r = 0;

	for (size_t i = 0; i < c->nl2s; i++)
		c->l2s[i].done = false;
	for (uint32_t i = 0; i < c->q->l1_size && r == 0; i++) {
		uint64_t e = c->q->l1[i], l2 = e & QCOW2_L1_OFFSET_MASK, rc;

		if (!l2 || qck_stored_rc(c, l2 >> c->cb, &rc) < 0)
			continue;
		if ((rc == 1) != !!(e & QCOW2_OFLAG_COPIED)) {
			res->corruptions++;
			qck_msg(c, "%s OFLAG_COPIED L2 cluster: l1_index=%" PRIu32 " l1_entry=%" PRIx64
				" refcount=%" PRIu64, repair ? "Repairing" : "ERROR", i, e, rc);
			if (repair && (r = fix_l1_entry(c, i, rc)) < 0)
				break;
		}
		r = l2_copied(c, l2, repair);
	}
	return r;
}

/* A repaired image is clean and consistent: clear the dirty and corrupt bits. */
int qck_mark_clean(struct qck *c)
{
	struct qcow2 *q = c->q;
	uint64_t bits = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT;
	uint8_t b[8];
	int r;

	if (q->h.version < 3 || !(q->h.incompatible_features & bits))
		return 0;
	if ((r = qck_sync(c)) < 0)
		return r;
	qcow2_put_be(b, 8, q->h.incompatible_features & ~bits);
	if ((r = qck_write(c, b, 8, QCOW2_OFF_INCOMPAT)) < 0 || (r = qck_sync(c)) < 0)
		return r;
	q->h.incompatible_features &= ~bits;
	return 0;
}

/* The driver's cached refcount block and L2 tables may be stale now. */
void qck_refresh_driver(struct qck *c)
{
	struct qcow2 *q = c->q;

	q->rc_block_offset = 0;
	for (unsigned i = 0; i < QCOW2_L2_CACHE_MAX; i++)
		q->l2_cache[i].offset = 0;
	if (c->file_size > q->file_size)
		q->file_size = c->file_size;
	q->prealloc = -1;
}
