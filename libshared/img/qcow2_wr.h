/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_wr.h - the qcow2 writer's state, shared by its allocation, write, resize and amend files */
#ifndef VU_IMG_QCOW2_WR_H
#define VU_IMG_QCOW2_WR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qcow2.h"

/*
 * The order of writes is what keeps an image consistent when the writer
 * dies at any point (ARCHITECTURE.md):
 *   1. refcount blocks that count new clusters, then the refcount table
 *      entries naming new blocks (after a sync: the blocks come first);
 *   2. L2 tables, only after the refcounts that cover what they point at
 *      are in the file (a sync, unless lazy refcounts put all of it under
 *      the dirty bit);
 *   3. the L1 table, after the L2 tables it points at (a sync);
 *   4. refcount decrements, last and after a sync, so that a cluster is
 *      never free in the file while a table in the file still points at it.
 * Dying between two writes leaves at worst leaked clusters. Metadata is
 * cached and written in that order at a flush, at close, and when a cache
 * slot is needed; data goes to the file at once.
 */

#define QCOW2_RC_SLOTS 16
/* Pending decrements kept before they are applied by a flush of their own. */
#define QCOW2_FREES_MAX 4096

/* One cached refcount block. */
struct qcow2_rc_slot {
	uint64_t offset;	/* host offset of the block; 0 = slot empty */
	uint64_t last_use;	/* LRU tick */
	bool dirty;
	uint8_t *block;		/* a cluster */
};

/* Clusters [first, first + n) each lose one reference at the next flush. */
struct qcow2_range {
	uint64_t first, n;
};

/* A header extension we keep byte for byte when the header is rewritten. */
struct qcow2_ext {
	uint32_t type, len;
	uint8_t *data;
};

struct qcow2_wr {
	uint64_t *rt;			/* refcount table, host-endian */
	uint64_t rt_entries;
	uint64_t rt_dirty_lo, rt_dirty_hi;	/* entries [lo, hi) not yet written */
	unsigned rb_bits;		/* log2 of the entries of a refcount block */
	uint64_t rc_max;		/* the largest refcount the width holds */
	struct qcow2_rc_slot rc[QCOW2_RC_SLOTS];
	uint64_t rc_tick;
	uint64_t free_hint;		/* no free cluster below this index */
	struct qcow2_range *frees;
	size_t nfrees, frees_cap;
	uint32_t l1_dirty_lo, l1_dirty_hi;	/* L1 entries [lo, hi) not yet written */
	bool rc_written, l2_written;	/* written since the last sync */
	bool began;			/* header ready for writes (dirty bit, autoclear) */
	bool lazy;			/* lazy refcounts: steps 1-2 under the dirty bit */
	bool unsafe;			/* no syncs at all (cache=unsafe, new files) */
	uint64_t cfree;			/* next free byte for compressed data, 0 = none */
	uint8_t *buf;			/* a cluster, for partial writes */
	uint8_t *zbuf;			/* a cluster of zeros */
	uint8_t *cbuf;			/* compressed output, a cluster */
	struct qcow2_ext *exts;		/* extensions kept on header rewrites */
	int nexts;
	uint8_t *hdr_extra;		/* v3 header fields past byte 112, kept */
	struct qcow2_bms *bms;		/* persistent bitmaps kept up to date, or NULL */
	uint32_t hdr_extra_len;
};

/* qcow2_alloc.c: refcounts and allocation */
int qcow2_rc_load(struct vu_image *img, struct vu_err *e);
void qcow2_rc_drop(struct qcow2_wr *w);
int qcow2_rc_get(struct vu_image *img, uint64_t cluster, uint64_t *rc);
/* Adds delta to a cluster's refcount; its refcount block must exist. */
int qcow2_rc_add(struct vu_image *img, uint64_t cluster, int64_t delta);
/* n contiguous free clusters, each given refcount 1; *host is the offset. */
int qcow2_alloc(struct vu_image *img, uint64_t n, uint64_t *host);
/* len bytes (a multiple of 512) for compressed data, packed into clusters. */
int qcow2_alloc_bytes(struct vu_image *img, uint64_t len, uint64_t *off);
/* The clusters [off, off + len) touch lose one reference at the next flush. */
int qcow2_free_later(struct vu_image *img, uint64_t off, uint64_t len);
/* Writes dirty refcount blocks, then new refcount table entries (step 1). */
int qcow2_rc_write(struct vu_image *img);
/* Applies the pending decrements (step 4); the caller has made every
 * table that stopped pointing at them durable. */
int qcow2_frees_apply(struct vu_image *img);
/* Drops refcount blocks that count nothing but themselves. */
int qcow2_rc_shrink(struct vu_image *img);
/* One past the last cluster with a refcount, as qemu's image end offset. */
int qcow2_used_end(struct vu_image *img, uint64_t *end_cluster);

/* qcow2_write.c: the write path and metadata flushes */
int qcow2_sync(struct vu_image *img);
int qcow2_write_file(struct vu_image *img, const void *buf, size_t len, uint64_t off);
/* Entries [0, n) of a host-endian table (L1, refcount table), big-endian,
 * written at off as bytes bytes: zeros past the entries (bytes >= n * 8). */
int qcow2_write_table(struct vu_image *img, const uint64_t *t, uint64_t n, uint64_t bytes,
		      uint64_t off);
/* Before the first change: dirty bit (lazy refcounts), autoclear bits. */
int qcow2_begin_write(struct vu_image *img);
/* Steps 1-3, and 4 too when frees is set; then a sync. */
int qcow2_meta_flush(struct vu_image *img, bool frees);
/* The fixed header (112 bytes with v3's compression type) from h. */
void qcow2_header_serialize(const struct qcow2_header *h, uint8_t *b);
/* Writes header bytes [from, to) from q->h (fields a writer changes). */
int qcow2_header_update(struct vu_image *img, unsigned from, unsigned to);
/* The L2 table for L1 entry l1i, made writable (allocated or copied). */
int qcow2_l2_writable(struct vu_image *img, uint64_t l1i, struct qcow2_l2_slot **slot);
void qcow2_l1_set(struct vu_image *img, uint64_t l1i, uint64_t entry);
int qcow2_l1_write(struct vu_image *img);
/* Guest clusters [first, first + n) (within one L2 table) lose their host
 * clusters and become what entry/bitmap say (0: unallocated). */
int qcow2_clusters_set(struct vu_image *img, uint64_t first, uint64_t n, uint64_t entry,
		       uint64_t bitmap);
/* The entry of guest cluster g in its L2 table slot. */
uint64_t qcow2_l2e(const struct qcow2 *q, const struct qcow2_l2_slot *s, uint64_t g);
uint64_t qcow2_l2e_bitmap(const struct qcow2 *q, const struct qcow2_l2_slot *s, uint64_t g);
void qcow2_l2e_set(struct qcow2 *q, struct qcow2_l2_slot *s, uint64_t g, uint64_t entry,
		   uint64_t bitmap);
/* Drops what a host cluster entry holds (later), whatever its kind. */
int qcow2_entry_release(struct vu_image *img, uint64_t entry);

/* qcow2_bitmap.c: persistent dirty bitmaps kept up to date. begin (from
 * qcow2_begin_write) loads them and marks them in use in the file; *keep
 * says whether the autoclear bit may stay. mark sets the bits of a guest
 * range in the enabled bitmaps; resize follows a new disk size; store writes them back at close and
 * clears the in-use flags. */
struct qcow2_bms;
int qcow2_bitmaps_begin(struct vu_image *img, bool *keep);
void qcow2_bitmaps_mark(struct vu_image *img, uint64_t off, uint64_t len);
int qcow2_bitmaps_resize(struct vu_image *img, uint64_t old, uint64_t size);
int qcow2_bitmaps_store(struct vu_image *img);
void qcow2_bitmaps_free(struct qcow2_bms *b);

/* qcow2_resize.c */
int qcow2_l1_grow(struct vu_image *img, uint64_t entries);
int qcow2_prealloc(struct vu_image *img, uint64_t from, uint64_t to, enum vu_prealloc mode);
/* Every cluster of L2 table t from guest cluster first on becomes
 * unallocated; from the table's first cluster, the table goes too (its
 * L1 entry cleared, the table and what it pointed at freed at the next
 * flush). */
int qcow2_l2_drop(struct vu_image *img, uint64_t t, uint64_t first);
/* The file ends after the last cluster still counted. */
int qcow2_trim_file(struct vu_image *img);

/* qcow2_create.c: the header cluster as qemu writes it (h's header length
 * and backing name fields are set); -ENOSPC when it does not fit. */
int qcow2_header_build(struct qcow2_header *h, const char *backing, const char *backing_fmt,
		       const struct qcow2_wr *keep, uint8_t *buf, size_t cs);
/* The header cluster rewritten from q->h, the image's backing names and
 * the extensions kept at open; synced. */
int qcow2_header_rewrite(struct vu_image *img, struct vu_err *e);

/* Bits in an extended L2 bitmap. */
#define QCOW2_BITMAP_ALL_ALLOC 0x00000000ffffffffull
#define QCOW2_BITMAP_ALL_ZERO 0xffffffff00000000ull

#endif
