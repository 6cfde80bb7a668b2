/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_check.c - qemu-img check for qcow2: refcounts rebuilt from the metadata, compared with the stored ones */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcow2_check.h"

#define SNAPSHOT_FIXED 40		/* bytes of a snapshot entry before its extra data */
#define SNAPSHOT_EXTRA_MAX 1024		/* qemu's limit */
#define SNAPSHOT_TABLE_MAX (64u << 20)
#define BITMAP_FIXED 24
#define BITMAP_DIR_MAX (64u << 20)
#define BITMAP_TABLE_MAX 0x8000000u	/* entries */
#define BITMAP_ENTRY_RESERVED 0xff000000000001feull
#define BITMAP_FLAGS_RESERVED 0xfffffffcu
/* Bounds on the walk, so that a hostile image cannot make it run for hours:
 * L1 entries read over all tables, and distinct L2 tables referenced. A
 * real image needs far less (every L2 table it has is a cluster of its file). */
#define L1_READ_MAX (1ull << 28)
#define L2_REFS_MAX (1u << 22)

void qck_msg(struct qck *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!c->res->report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->res->report(c->res->report_ctx, line);
}

/* Reads as qemu's block layer does: what lies past the end of the file
 * reads as zeros, and requests beyond 2^63 fail. */
int qck_read(struct qck *c, void *buf, size_t len, uint64_t off)
{
	size_t n = 0;

	if (off > (uint64_t)INT64_MAX - len)
		return -EIO;
	if (off < c->file_size)
		n = len < c->file_size - off ? len : (size_t)(c->file_size - off);
	memset((uint8_t *)buf + n, 0, len - n);
	return n ? qcow2_read_file(c->q, c->img->fd, buf, n, off) : 0;
}

/* Grows the in-memory refcounts to n entries, in whole clusters so that
 * every cluster-sized slice can be written out as a refcount block. */
int qck_imrt_resize(struct qck *c, uint64_t n)
{
	uint64_t bytes = ((n << c->order) + 7) / 8;
	uint8_t *p;

	bytes = (bytes + c->cs - 1) & ~(c->cs - 1);
	if (bytes > c->imrt_bytes) {
		if (bytes > SIZE_MAX || !(p = realloc(c->imrt, (size_t)bytes)))
			return -ENOMEM;
		memset(p + c->imrt_bytes, 0, (size_t)(bytes - c->imrt_bytes));
		c->imrt = p;
		c->imrt_bytes = bytes;
	}
	if (n > c->imrt_n)
		c->imrt_n = n;
	return 0;
}

/* One more reference (k more, for a table met k times) to every cluster
 * of [off, off + size); qemu's qcow2_inc_refcounts_imrt. */
static int inc(struct qck *c, uint64_t off, uint64_t size, uint64_t k)
{
	struct vu_check_result *res = c->res;

	if (size == 0 || size > INT64_MAX || k == 0)
		return 0;
	/* The last cluster may be partly written, so less than one cluster
	 * past the end of the file is allowed. */
	if (off > (uint64_t)INT64_MAX - size ||
	    (int64_t)(off + size) - (int64_t)c->file_size >= (int64_t)c->cs) {
		qck_msg(c, "ERROR: counting reference for region exceeding the end of the "
			"file by one cluster or more: offset 0x%" PRIx64 " size 0x%" PRIx64,
			off, size);
		res->corruptions += (int64_t)k;
		return 0;
	}
	for (uint64_t cl = off >> c->cb; cl <= (off + size - 1) >> c->cb; cl++) {
		uint64_t rc;

		if (cl >= c->imrt_n && qck_imrt_resize(c, cl + 1) < 0) {
			res->check_errors++;
			return -ENOMEM;
		}
		rc = qcow2_rc_entry_get(c->imrt, c->order, cl);
		if (c->rc_max - rc < k) {
			qck_msg(c, "ERROR: overflow cluster offset=0x%" PRIx64, cl << c->cb);
			qck_msg(c, "Use qemu-img amend to increase the refcount entry width or "
				"qemu-img convert to create a clean copy if the image cannot be "
				"opened for writing");
			res->corruptions += (int64_t)(k - (c->rc_max - rc));
			rc = c->rc_max - k;
		}
		qcow2_rc_entry_set(c->imrt, c->order, cl, rc + k);
	}
	return 0;
}

/* The refcount the image stores for a cluster, through a one-block cache. */
int qck_stored_rc(struct qck *c, uint64_t cluster, uint64_t *rc)
{
	uint64_t idx = cluster >> c->rb_bits, off;
	int r;

	*rc = 0;
	if (idx >= c->rt_n || !(off = c->rt[idx] & QCK_REFT_OFFSET_MASK))
		return 0;
	if (off & (c->cs - 1))
		return -EIO;
	if (!c->rb_valid || c->rb_off != off) {
		c->rb_valid = false;
		if ((r = qck_read(c, c->rb, c->cs, off)) < 0)
			return r;
		c->rb_off = off;
		c->rb_valid = true;
	}
	*rc = qcow2_rc_entry_get(c->rb, c->order, cluster & ((1ull << c->rb_bits) - 1));
	return 0;
}

enum ctype { CT_UNALLOCATED, CT_NORMAL, CT_COMPRESSED, CT_ZERO_PLAIN, CT_ZERO_ALLOC };

/* qemu's qcow2_get_cluster_type: with extended L2 entries the zero flag
 * is the bitmap's business. */
static enum ctype ctype(const struct qck *c, uint64_t e)
{
	if (e & QCOW2_OFLAG_COMPRESSED)
		return CT_COMPRESSED;
	if ((e & QCOW2_OFLAG_ZERO) && !c->q->extended_l2)
		return (e & QCOW2_L2_OFFSET_MASK) ? CT_ZERO_ALLOC : CT_ZERO_PLAIN;
	return (e & QCOW2_L2_OFFSET_MASK) ? CT_NORMAL : CT_UNALLOCATED;
}

static const char *fix_word(unsigned fix)
{
	return (fix & QCOW2_FIX_ERRORS) ? "Repairing" : "ERROR";
}

/* What one L2 table walk adds up; ref->refs references count each finding
 * and each data cluster, ref->active of them count for fragmentation. */
struct l2_walk {
	struct qck_l2 *ref;
	uint8_t *table;
	unsigned fix;
	uint64_t next_contig;
};

static int l2_compressed(struct qck *c, struct l2_walk *w, uint64_t i, uint64_t e, uint64_t bm)
{
	struct vu_check_result *res = c->res;
	const struct qcow2 *q = c->q;
	uint64_t k = w->ref->refs, a = w->ref->active, coff, nsect;

	if (e & QCOW2_OFLAG_COPIED) {
		qck_msg(c, "ERROR: coffset=0x%" PRIx64 ": copied flag must never be set for "
			"compressed clusters", e & q->coffset_mask);
		e &= ~QCOW2_OFLAG_COPIED;
		res->corruptions += (int64_t)k;
	}
	if (bm) {
		qck_msg(c, "ERROR compressed cluster %" PRIu64 " with non-zero subcluster "
			"allocation bitmap, entry=0x%" PRIx64, i, e);
		res->corruptions += (int64_t)k;
		return 0;
	}
	coff = e & q->coffset_mask;
	nsect = ((e >> q->csize_shift) & q->csize_mask) + 1;
	res->allocated_clusters += (int64_t)a;
	res->compressed_clusters += (int64_t)a;
	/* Neighbours share sectors, so qemu counts every one as fragmented. */
	res->fragmented_clusters += (int64_t)a;
	return inc(c, coff, nsect * 512 - (coff & 511), k);
}

/* An unaligned cluster that holds no data is zeroed in the table rather
 * than counted (qemu's fix_l2_entry_by_zero); 1 when it was. */
static int l2_unaligned(struct qck *c, struct l2_walk *w, uint64_t i, uint64_t e, uint64_t bm)
{
	struct vu_check_result *res = c->res;
	uint64_t off = e & QCOW2_L2_OFFSET_MASK;
	bool data = c->q->extended_l2 ? (bm & QCK_BITMAP_ALL_ALLOC) != 0 : !(e & QCOW2_OFLAG_ZERO);
	int r;

	res->corruptions += (int64_t)w->ref->refs;
	if (data) {
		qck_msg(c, "ERROR offset=%" PRIx64 ": Data cluster is not properly aligned; "
			"L2 entry corrupted.", off);
		return 0;
	}
	qck_msg(c, "%s offset=%" PRIx64 ": Preallocated cluster is not properly aligned; "
		"L2 entry corrupted.", fix_word(w->fix), off);
	if (!(w->fix & QCOW2_FIX_ERRORS))
		return 0;
	r = qck_zero_l2_entry(c, w->ref->off, w->table, i);
	if (r == -EEXIST)
		return r;	/* overlapping metadata: give up on this table */
	if (r < 0)
		return 0;
	/* Fixed at the first visit, it is nothing at the others. */
	res->corruptions -= (int64_t)w->ref->refs;
	res->corruptions_fixed++;
	return 1;
}

static int l2_allocated(struct qck *c, struct l2_walk *w, uint64_t i, uint64_t e, uint64_t bm)
{
	struct vu_check_result *res = c->res;
	uint64_t off = e & QCOW2_L2_OFFSET_MASK, a = w->ref->active;
	int r;

	if ((bm >> 32) & bm) {
		res->corruptions += (int64_t)w->ref->refs;
		qck_msg(c, "ERROR offset=%" PRIx64 ": Allocated cluster has corrupted subcluster "
			"allocation bitmap", off);
	}
	if (off & (c->cs - 1)) {
		r = l2_unaligned(c, w, i, e, bm);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	if (a) {
		res->allocated_clusters += (int64_t)a;
		if (w->next_contig && off != w->next_contig)
			res->fragmented_clusters += (int64_t)a;
		w->next_contig = off + c->cs;
	}
	return inc(c, off, c->cs, w->ref->refs);
}

static int l2_entry(struct qck *c, struct l2_walk *w, uint64_t i)
{
	const uint8_t *p = w->table + i * c->l2_esize;
	uint64_t e = qcow2_get_be(p, 8), bm = c->q->extended_l2 ? qcow2_get_be(p + 8, 8) : 0;
	enum ctype t = ctype(c, e);

	if (t != CT_COMPRESSED && (e & QCK_L2E_STD_RESERVED)) {
		qck_msg(c, "ERROR found l2 entry with reserved bits set: %" PRIx64, e);
		c->res->corruptions += (int64_t)w->ref->refs;
	}
	switch (t) {
	case CT_COMPRESSED:
		return l2_compressed(c, w, i, e, bm);
	case CT_NORMAL:
	case CT_ZERO_ALLOC:
		return l2_allocated(c, w, i, e, bm);
	case CT_UNALLOCATED:
		if (bm & QCK_BITMAP_ALL_ALLOC) {
			c->res->corruptions += (int64_t)w->ref->refs;
			qck_msg(c, "ERROR: Unallocated cluster has non-zero subcluster allocation map");
		}
		return 0;
	case CT_ZERO_PLAIN:
		return 0;
	}
	return 0;
}

/* Walks one L2 table once for all its references (qemu's check_refcounts_l2). */
static int walk_l2(struct qck *c, struct qck_l2 *ref, unsigned fix)
{
	struct l2_walk w = { ref, c->l2buf, fix, 0 };
	int r;

	ref->done = true;
	if (ref->off >= c->file_size)
		return 0;	/* reads as zeros: nothing allocated */
	if (c->l2_budget < c->l2_n) {
		qck_msg(c, "ERROR: too many L2 tables to check");
		c->res->check_errors++;
		return -EFBIG;
	}
	c->l2_budget -= c->l2_n;
	if ((r = qck_read(c, c->l2buf, c->cs, ref->off)) < 0) {
		qck_msg(c, "ERROR: I/O error in check_refcounts_l2");
		c->res->check_errors++;
		return r;
	}
	for (uint64_t i = 0; i < c->l2_n; i++)
		if ((r = l2_entry(c, &w, i)) < 0)
			return r;
	return 0;
}

int qck_cmp_l2(const void *a, const void *b)
{
	uint64_t x = ((const struct qck_l2 *)a)->off, y = ((const struct qck_l2 *)b)->off;

	return x < y ? -1 : x > y;
}

static struct qck_l2 *find_l2(struct qck *c, uint64_t off)
{
	struct qck_l2 key = { .off = off };

	return c->nl2s ? bsearch(&key, c->l2s, c->nl2s, sizeof(key), qck_cmp_l2) : NULL;
}

/* An L1 table qemu walks: the active one, then each snapshot's whose
 * entry is sane (reported once, on the walk that counts). */
static bool snap_walkable(struct qck *c, const struct qck_snap *sn, bool report)
{
	if (sn->l1_offset & (c->cs - 1)) {
		if (report) {
			qck_msg(c, "ERROR snapshot %s (%s) l1_offset=%#" PRIx64 ": L1 table is not "
				"cluster aligned; snapshot table entry corrupted", sn->id, sn->name,
				sn->l1_offset);
			c->res->corruptions++;
		}
		return false;
	}
	if ((uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		if (report) {
			qck_msg(c, "ERROR snapshot %s (%s) l1_size=%#" PRIx32 ": L1 table is too "
				"large; snapshot table entry corrupted", sn->id, sn->name, sn->l1_size);
			c->res->corruptions++;
		}
		return false;
	}
	return true;
}

static int read_l1(struct qck *c, uint64_t off, uint32_t n, uint64_t **out)
{
	uint64_t *t = malloc((size_t)n * 8);
	int r;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	if ((r = qck_read(c, t, (size_t)n * 8, off)) < 0) {
		free(t);
		return r;
	}
	for (uint32_t i = 0; i < n; i++)
		t[i] = qcow2_get_be((const uint8_t *)&t[i], 8);
	*out = t;
	return 0;
}

/* Pass one: every L2 offset of every L1 table, bit 0 marking the active
 * table's (offsets are 512-aligned), so each table is walked only once. */
struct l2_list {
	uint64_t *v;
	size_t n, cap;
	uint64_t read;		/* L1 entries read so far */
};

static int collect_l1(struct qck *c, struct l2_list *l, uint64_t off, uint32_t n, bool active)
{
	uint64_t *t;

	if ((l->read += n) > L1_READ_MAX)
		return -EFBIG;
	if (!n || read_l1(c, off, n, &t) < 0)
		return 0;	/* pass two reports it */
	for (uint32_t i = 0; i < n; i++) {
		if (!t[i])
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 1024;
			uint64_t *v = cap <= L2_REFS_MAX ? realloc(l->v, cap * 8) : NULL;

			if (!v) {
				free(t);
				return -EFBIG;
			}
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = (t[i] & QCOW2_L1_OFFSET_MASK) | active;
	}
	free(t);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the offsets into c->l2s with how often each is referenced. */
static int count_l2(struct qck *c, struct l2_list *l)
{
	size_t j = 0;

	if (l->n)
		qsort(l->v, l->n, 8, cmp_u64);
	free(c->l2s);
	c->nl2s = 0;
	if (!(c->l2s = calloc(l->n ? l->n : 1, sizeof(*c->l2s))))
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		uint64_t off = l->v[i] & ~1ull;

		if (j == 0 || c->l2s[j - 1].off != off)
			c->l2s[j++].off = off;
		c->l2s[j - 1].refs++;
		c->l2s[j - 1].active += (uint32_t)(l->v[i] & 1);
	}
	c->nl2s = j;
	return 0;
}

static int collect_all(struct qck *c)
{
	struct l2_list l = { NULL, 0, 0, 0 };
	int r = collect_l1(c, &l, c->q->h.l1_table_offset, c->q->h.l1_size, true);

	for (uint32_t i = 0; i < c->nsnaps && r == 0; i++)
		if (snap_walkable(c, &c->snaps[i], false))
			r = collect_l1(c, &l, c->snaps[i].l1_offset, c->snaps[i].l1_size, false);
	if (r == 0)
		r = count_l2(c, &l);
	free(l.v);
	if (r == -EFBIG)
		qck_msg(c, "ERROR: too many L2 table references to check");
	if (r < 0)
		c->res->check_errors++;
	return r;
}

/* qemu's check_refcounts_l1: the table, each L2 table and what it maps. */
static int walk_l1(struct qck *c, uint64_t off, uint32_t n, unsigned fix)
{
	uint64_t *t;
	int r;

	if (!n)
		return 0;
	if ((r = inc(c, off, (uint64_t)n * 8, 1)) < 0)
		return r;
	if ((r = read_l1(c, off, n, &t)) < 0) {
		qck_msg(c, "ERROR: I/O error in check_refcounts_l1");
		c->res->check_errors++;
		return r;
	}
	for (uint32_t i = 0; i < n && r == 0; i++) {
		uint64_t l2 = t[i] & QCOW2_L1_OFFSET_MASK;
		struct qck_l2 *ref;

		if (!t[i])
			continue;
		if (t[i] & QCK_L1E_RESERVED) {
			qck_msg(c, "ERROR found L1 entry with reserved bits set: %" PRIx64, t[i]);
			c->res->corruptions++;
		}
		if ((r = inc(c, l2, c->cs, 1)) < 0)
			break;
		if (l2 & (c->cs - 1)) {
			qck_msg(c, "ERROR l2_offset=%" PRIx64 ": Table is not cluster aligned; "
				"L1 entry corrupted", l2);
			c->res->corruptions++;
		}
		ref = find_l2(c, l2);
		if (ref && !ref->done)
			r = walk_l2(c, ref, fix);
	}
	free(t);
	return r;
}

static int walk_all(struct qck *c, unsigned fix)
{
	int r;

	for (size_t i = 0; i < c->nl2s; i++)
		c->l2s[i].done = false;
	r = walk_l1(c, c->q->h.l1_table_offset, c->q->h.l1_size, fix);
	for (uint32_t i = 0; i < c->nsnaps && r == 0; i++)
		if (snap_walkable(c, &c->snaps[i], true))
			r = walk_l1(c, c->snaps[i].l1_offset, c->snaps[i].l1_size, fix);
	return r;
}

/* One bitmap directory entry at p (avail bytes): its table's place and
 * size, or -EINVAL where qemu's bitmap_list_load would refuse it. */
static long bitmap_entry(const struct qck *c, const uint8_t *p, uint64_t avail,
			 uint64_t *toff, uint32_t *tsize)
{
	uint64_t namelen, extra, size;
	unsigned gbits = p[17];

	if (avail < BITMAP_FIXED)
		return -EINVAL;
	*toff = qcow2_get_be(p, 8);
	*tsize = (uint32_t)qcow2_get_be(p + 8, 4);
	namelen = qcow2_get_be(p + 18, 2);
	extra = qcow2_get_be(p + 20, 4);
	size = (BITMAP_FIXED + extra + namelen + 7) & ~7ull;
	if (size > avail || *tsize > BITMAP_TABLE_MAX || p[16] != 1 || gbits < 9 || gbits > 31 ||
	    (qcow2_get_be(p + 12, 4) & BITMAP_FLAGS_RESERVED) || namelen == 0 ||
	    namelen > 1023 || (*toff & (c->cs - 1)))
		return -EINVAL;
	return (long)size;
}

/* The clusters of one bitmap's table and data (qemu's
 * qcow2_check_bitmaps_refcounts, per bitmap). */
static int bitmap_table(struct qck *c, uint64_t toff, uint32_t tsize)
{
	uint8_t *t;
	int r;

	if ((r = inc(c, toff, (uint64_t)tsize * 8, 1)) < 0)
		return r;
	if (!(t = malloc((size_t)tsize * 8 + 1)))
		return -ENOMEM;
	if (qck_read(c, t, (size_t)tsize * 8, toff) < 0) {
		free(t);
		c->res->corruptions++;
		return 1;	/* qemu stops looking at bitmaps */
	}
	for (uint32_t i = 0; i < tsize && r == 0; i++) {
		uint64_t e = qcow2_get_be(t + (size_t)i * 8, 8), off = e & QCOW2_L1_OFFSET_MASK;

		if ((e & BITMAP_ENTRY_RESERVED) || (off && ((e & 1) || (off & (c->cs - 1))))) {
			c->res->corruptions++;
			continue;
		}
		if (off)
			r = inc(c, off, c->cs, 1);
	}
	free(t);
	return r;
}

static int check_bitmaps(struct qck *c)
{
	const struct qcow2 *q = c->q;
	uint64_t size = q->bitmaps_dir_size, pos = 0;
	uint8_t *dir;
	int r;

	if (!q->bitmaps_nb || !(q->h.autoclear_features & QCOW2_AUTOCLEAR_BITMAPS))
		return 0;
	if ((r = inc(c, q->bitmaps_dir_offset, size, 1)) < 0)
		return r;
	if (size > BITMAP_DIR_MAX || q->bitmaps_nb > 65535 || !(dir = malloc(size + 1)) ||
	    qck_read(c, dir, size, q->bitmaps_dir_offset) < 0) {
		c->res->corruptions++;
		return -EINVAL;
	}
	for (uint32_t i = 0; i < q->bitmaps_nb && r == 0; i++) {
		uint64_t toff;
		uint32_t tsize;
		long n = bitmap_entry(c, dir + pos, size - pos, &toff, &tsize);

		if (n < 0) {
			c->res->corruptions++;
			r = -EINVAL;
			break;
		}
		pos += (uint64_t)n;
		r = bitmap_table(c, toff, tsize);
	}
	free(dir);
	return r > 0 ? 0 : r;
}

/* A refcount block past the end of the file: with FIX_ERRORS the file
 * grows to hold it, as qemu does (nothing is moved). */
static int refblock_outside(struct qck *c, uint64_t i, uint64_t off, unsigned fix, bool *rebuild)
{
	struct vu_check_result *res = c->res;
	uint64_t end;

	res->corruptions++;
	qck_msg(c, "%s refcount block %" PRIu64 " is outside image", fix_word(fix), i);
	if (!(fix & QCOW2_FIX_ERRORS))
		return 0;
	end = off + c->cs;
	if (off > (uint64_t)INT64_MAX - c->cs || (end >> c->cb) > INT_MAX ||
	    ftruncate(c->img->fd, (off_t)end) < 0) {
		*rebuild = true;
		qck_msg(c, "ERROR could not resize image: %s",
			strerror(off > (uint64_t)INT64_MAX - c->cs || (end >> c->cb) > INT_MAX ?
				 EFBIG : errno));
		return 0;
	}
	c->file_size = end;
	if (qck_imrt_resize(c, end >> c->cb) < 0) {
		res->check_errors++;
		return -ENOMEM;
	}
	res->corruptions--;
	res->corruptions_fixed++;
	return inc(c, off, c->cs, 1);
}

/* qemu's check_refblocks: each refcount block counts once, and must. */
static int check_refblocks(struct qck *c, unsigned fix, bool *rebuild)
{
	struct vu_check_result *res = c->res;
	int r = 0;

	for (uint64_t i = 0; i < c->rt_n && r == 0; i++) {
		uint64_t off = c->rt[i] & QCK_REFT_OFFSET_MASK, cl = off >> c->cb;

		if (c->rt[i] & QCK_REFT_RESERVED) {
			qck_msg(c, "ERROR refcount table entry %" PRIu64 " has reserved bits set", i);
			res->corruptions++;
			*rebuild = true;
		} else if (off & (c->cs - 1)) {
			qck_msg(c, "ERROR refcount block %" PRIu64 " is not cluster aligned; "
				"refcount table entry corrupted", i);
			res->corruptions++;
			*rebuild = true;
		} else if (cl >= c->imrt_n) {
			r = refblock_outside(c, i, off, fix, rebuild);
		} else if (off) {
			uint64_t rc;

			if ((r = inc(c, off, c->cs, 1)) < 0)
				break;
			if ((rc = qcow2_rc_entry_get(c->imrt, c->order, cl)) != 1) {
				qck_msg(c, "ERROR refcount block %" PRIu64 " refcount=%" PRIu64, i, rc);
				res->corruptions++;
				*rebuild = true;
			}
		}
	}
	return r;
}

/* qemu's calculate_refcounts: every reference the metadata makes, in
 * qemu's order (so that the findings come out in the same order). */
int qck_calculate(struct qck *c, unsigned fix, bool *rebuild)
{
	int r;

	memset(c->imrt, 0, (size_t)c->imrt_bytes);
	if ((r = inc(c, 0, c->cs, 1)) < 0 || (r = walk_all(c, fix)) < 0 ||
	    (r = inc(c, c->q->h.snapshots_offset, c->snaps_size, 1)) < 0 ||
	    (r = inc(c, c->rt_offset, c->rt_n * 8, 1)) < 0 || (r = check_bitmaps(c)) < 0)
		return r;
	return check_refblocks(c, fix, rebuild);
}

/* Lowers the refcounts that leak, after every raise is on disk: a crash
 * in between leaves more leaks, never a refcount too low. */
static void fix_leaks(struct qck *c, const uint64_t *v, size_t n)
{
	if (n && qck_sync(c) < 0)
		c->res->check_errors++;
	for (size_t i = 0; i < n; i++) {
		if (qck_set_rc(c, v[i], qcow2_rc_entry_get(c->imrt, c->order, v[i])) == 0)
			c->res->leaks_fixed++;
		else
			c->res->leaks++;
	}
}

static int defer(uint64_t **v, size_t *n, size_t *cap, uint64_t cl)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		uint64_t *p = realloc(*v, nc * 8);

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = cl;
	return 0;
}

/* One cluster whose stored refcount rc1 differs from the rc2 references
 * found; qemu's compare_refcounts, with leaks kept for fix_leaks. */
static void compare_one(struct qck *c, unsigned fix, uint64_t i, uint64_t rc1, uint64_t rc2,
			bool *rebuild, uint64_t **lv, size_t *ln, size_t *lcap)
{
	struct vu_check_result *res = c->res;
	bool leak_fix = rc1 && rc1 > rc2 && (fix & QCOW2_FIX_LEAKS);
	bool corr_fix = rc1 && rc1 < rc2 && (fix & QCOW2_FIX_ERRORS);

	if (!rc1)
		*rebuild = true;
	qck_msg(c, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64,
		leak_fix || corr_fix ? "Repairing" : rc1 < rc2 ? "ERROR" : "Leaked", i, rc1, rc2);
	if (corr_fix && qck_set_rc(c, i, rc2) == 0) {
		res->corruptions_fixed++;
		return;
	}
	if (leak_fix && defer(lv, ln, lcap, i) == 0)
		return;
	if (rc1 < rc2)
		res->corruptions++;
	else
		res->leaks++;
}

uint64_t qck_compare(struct qck *c, unsigned fix, bool *rebuild)
{
	uint64_t highest = 0, *lv = NULL;
	size_t ln = 0, lcap = 0;

	for (uint64_t i = 0; i < c->imrt_n; i++) {
		uint64_t rc1, rc2 = qcow2_rc_entry_get(c->imrt, c->order, i);
		int r = qck_stored_rc(c, i, &rc1);

		if (r < 0) {
			qck_msg(c, "Can't get refcount for cluster %" PRIu64 ": %s", i, strerror(-r));
			c->res->check_errors++;
			continue;
		}
		if (rc1 || rc2)
			highest = i;
		if (rc1 != rc2)
			compare_one(c, fix, i, rc1, rc2, rebuild, &lv, &ln, &lcap);
	}
	fix_leaks(c, lv, ln);
	free(lv);
	return highest;
}

/* The snapshot table as qemu's check reads it: where each L1 table is,
 * what to call the snapshot, and how long the table is. */
static int read_snapshot(struct qck *c, uint32_t i, uint64_t *pos)
{
	struct qck_snap *sn = &c->snaps[i];
	uint8_t h[SNAPSHOT_FIXED];
	uint64_t idlen, namelen, extra;
	int r;

	if ((r = qck_read(c, h, sizeof(h), *pos)) < 0)
		return r;
	sn->l1_offset = qcow2_get_be(h, 8);
	sn->l1_size = (uint32_t)qcow2_get_be(h + 8, 4);
	idlen = qcow2_get_be(h + 12, 2);
	namelen = qcow2_get_be(h + 14, 2);
	extra = qcow2_get_be(h + 36, 4);
	if (extra > SNAPSHOT_EXTRA_MAX)
		return -EFBIG;
	if (!(sn->id = calloc(1, idlen + 1)) || !(sn->name = calloc(1, namelen + 1)))
		return -ENOMEM;
	*pos += SNAPSHOT_FIXED + extra;
	if ((r = qck_read(c, sn->id, idlen, *pos)) < 0 ||
	    (r = qck_read(c, sn->name, namelen, *pos + idlen)) < 0)
		return r;
	*pos = (*pos + idlen + namelen + 7) & ~7ull;
	if (c->q->h.version >= 3 && extra < 16) {
		/* Not repaired here: qemu rewrites the table, we only report. */
		qck_msg(c, "ERROR snapshot table entry %" PRIu32 " is incomplete", i);
		c->res->corruptions++;
	}
	return 0;
}

static int read_snapshots(struct qck *c)
{
	uint64_t start = c->q->h.snapshots_offset, pos = start;
	uint32_t n = c->q->h.nb_snapshots;
	int r = 0;

	if (!n)
		return 0;
	if (!(c->snaps = calloc(n, sizeof(*c->snaps))))
		return -ENOMEM;
	c->nsnaps = n;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		r = read_snapshot(c, i, &pos);
		if (r == 0 && pos - start > SNAPSHOT_TABLE_MAX)
			r = -EFBIG;
	}
	if (r < 0) {
		qck_msg(c, "Failed to check snapshot table: %s", strerror(-r));
		c->res->check_errors++;
		return r;
	}
	c->snaps_size = pos - start;
	return 0;
}

static int load_reftable(struct qck *c)
{
	int r;

	c->rt_offset = c->q->refcount_table_offset;
	c->rt_n = (uint64_t)c->q->refcount_table_clusters << (c->cb - 3);
	if (!(c->rt = calloc(c->rt_n ? c->rt_n : 1, 8)))
		return -ENOMEM;
	if ((r = qck_read(c, c->rt, (size_t)c->rt_n * 8, c->rt_offset)) < 0)
		return r;
	for (uint64_t i = 0; i < c->rt_n; i++)
		c->rt[i] = qcow2_get_be((const uint8_t *)&c->rt[i], 8);
	return 0;
}

static int init(struct qck *c, struct vu_image *img, struct vu_check_result *res)
{
	struct qcow2 *q = img->priv;
	struct stat st;
	uint64_t nb;

	memset(c, 0, sizeof(*c));
	c->img = img;
	c->q = q;
	c->res = res;
	c->cb = q->cluster_bits;
	c->cs = q->cluster_size;
	c->order = q->refcount_order;
	c->rb_bits = c->cb + 3 - c->order;
	c->rc_max = qcow2_rc_max(c->order);
	c->l2_esize = q->l2_entry_size;
	c->l2_n = c->cs / c->l2_esize;
	if (fstat(img->fd, &st) < 0)
		return -errno;
	c->file_size = img->is_blockdev ? q->file_size : (uint64_t)st.st_size;
	/* Enough for every L2 table a real image can have, with room over. */
	c->l2_budget = c->file_size / 8 + (1u << 20);
	nb = (c->file_size + c->cs - 1) >> c->cb;
	if (nb > INT_MAX)
		return -EFBIG;
	if (!(c->rb = malloc(c->cs)) || !(c->l2buf = malloc(c->cs)))
		return -ENOMEM;
	if (qck_imrt_resize(c, nb) < 0)
		return -ENOMEM;
	return load_reftable(c);
}

static void fini(struct qck *c)
{
	for (uint32_t i = 0; i < c->nsnaps; i++) {
		free(c->snaps[i].id);
		free(c->snaps[i].name);
	}
	free(c->snaps);
	free(c->l2s);
	free(c->imrt);
	free(c->rt);
	free(c->rb);
	free(c->l2buf);
}

/* After the rebuild, the new structures must be right: recount, and free
 * the old ones (and whatever else leaks) when leaks are to be fixed. */
static int after_rebuild(struct qck *c, unsigned fix, uint64_t *highest)
{
	struct vu_check_result *res = c->res, old = *res, saved;
	bool rebuild = false;
	int64_t fresh = 0;
	int r;

	res->corruptions = res->leaks = 0;
	if ((r = qck_calculate(c, 0, &rebuild)) < 0)
		return r;
	if (fix & QCOW2_FIX_LEAKS) {
		saved = *res;
		memset(&res->corruptions, 0, sizeof(*res) - offsetof(struct vu_check_result,
								      corruptions));
		*highest = qck_compare(c, QCOW2_FIX_LEAKS, &rebuild);
		if (rebuild)
			qck_msg(c, "ERROR rebuilt refcount structure is still broken");
		fresh = res->leaks;
		*res = saved;
	}
	if (res->corruptions < old.corruptions)
		res->corruptions_fixed += old.corruptions - res->corruptions;
	if (res->leaks < old.leaks)
		res->leaks_fixed += old.leaks - res->leaks;
	res->leaks += fresh;
	return 0;
}

/* qemu's qcow2_check_refcounts, then the COPIED flags and the header bits. */
static int run(struct qck *c, unsigned fix)
{
	struct vu_check_result *res = c->res, pre;
	bool rebuild = false;
	uint64_t highest;
	int r;

	if ((r = collect_all(c)) < 0 || (r = qck_calculate(c, fix, &rebuild)) < 0)
		return r;
	pre = *res;
	highest = qck_compare(c, 0, &rebuild);
	if (rebuild && (fix & QCOW2_FIX_ERRORS)) {
		qck_msg(c, "Rebuilding refcount structure");
		if ((r = qck_rebuild(c)) < 0 || (r = after_rebuild(c, fix, &highest)) < 0)
			return r;
	} else if (fix && rebuild) {
		qck_msg(c, "ERROR need to rebuild refcount structures");
		res->check_errors++;
		return -EIO;
	} else if (fix && (res->leaks || res->corruptions)) {
		*res = pre;
		highest = qck_compare(c, fix, &rebuild);
	}
	if ((r = qck_oflag_copied(c, fix)) < 0)
		return r;
	res->image_end_offset = (int64_t)((highest + 1) << c->cb);
	if (fix && !res->check_errors && !res->corruptions)
		return qck_mark_clean(c);
	return 0;
}

int qcow2_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	struct qcow2 *q = img->priv;
	struct qck c;
	int r;

	/* Repairs write single entries, which O_DIRECT would refuse. */
	if (fix && q->direct)
		return -EINVAL;
	r = init(&c, img, res);
	if (r == 0)
		r = read_snapshots(&c);
	else
		res->check_errors++;
	if (r == 0) {
		uint64_t vsize = (q->h.size + 511) & ~511ull;

		res->total_clusters = (int64_t)((vsize + c.cs - 1) >> c.cb);
		r = run(&c, fix);
	}
	if (fix)
		qck_refresh_driver(&c);
	fini(&c);
	return r;
}
