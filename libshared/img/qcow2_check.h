/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_check.h - the state of one qcow2 check, shared by its checking and repairing halves */
#ifndef VU_IMG_QCOW2_CHECK_H
#define VU_IMG_QCOW2_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "qcow2.h"

/* Entry masks and flags qemu checks against (docs/interop/qcow2.txt). */
#define QCK_L1E_RESERVED 0x7f000000000001ffull
#define QCK_L2E_STD_RESERVED 0x3f000000000001feull
#define QCK_REFT_OFFSET_MASK 0xfffffffffffffe00ull
#define QCK_REFT_RESERVED 0x1ffull
#define QCK_BITMAP_ALL_ALLOC 0xffffffffull
#define QCK_BITMAP_ALL_ZERO (QCK_BITMAP_ALL_ALLOC << 32)

/* One L2 table the L1 tables point at, with how often: each reference is
 * counted, but the table is read and walked once. */
struct qck_l2 {
	uint64_t off;
	uint32_t refs;		/* from every L1 table */
	uint32_t active;	/* from the active one (these count for fragmentation) */
	bool done;
};

struct qck_snap {
	uint64_t l1_offset;
	uint32_t l1_size;
	char *id, *name;
};

struct qck {
	struct vu_image *img;
	struct qcow2 *q;
	struct vu_check_result *res;
	uint64_t file_size;
	uint64_t cs;			/* cluster size */
	unsigned cb;			/* cluster bits */
	unsigned order;			/* refcount order */
	unsigned rb_bits;		/* log2 of the entries of a refcount block */
	uint64_t rc_max;
	uint64_t l2_n;			/* entries of an L2 table */
	unsigned l2_esize;		/* 8, or 16 with extended L2 entries */
	/* The refcounts the metadata asks for, one per host cluster, in the
	 * image's refcount width: a slice of one cluster is a refcount block. */
	uint8_t *imrt;
	uint64_t imrt_n;		/* entries */
	uint64_t imrt_bytes;		/* allocated, whole clusters */
	/* The refcount table on disk, host-endian. */
	uint64_t *rt;
	uint64_t rt_n;
	uint64_t rt_offset;
	uint8_t *rb;			/* the last refcount block read */
	uint64_t rb_off;
	bool rb_valid;
	struct qck_snap *snaps;
	uint32_t nsnaps;
	uint64_t snaps_size;		/* bytes of the snapshot table */
	struct qck_l2 *l2s;		/* sorted by offset */
	size_t nl2s;
	uint64_t l2_budget;		/* L2 entries the walk may still visit */
	uint8_t *l2buf;			/* one L2 table */
};

/* qcow2_check.c */
void qck_msg(struct qck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int qck_read(struct qck *c, void *buf, size_t len, uint64_t off);
int qck_imrt_resize(struct qck *c, uint64_t n);
int qck_stored_rc(struct qck *c, uint64_t cluster, uint64_t *rc);
int qck_cmp_l2(const void *a, const void *b);
int qck_calculate(struct qck *c, unsigned fix, bool *rebuild);
uint64_t qck_compare(struct qck *c, unsigned fix, bool *rebuild);

/* qcow2_check_fix.c */
int qck_write(struct qck *c, const void *buf, size_t len, uint64_t off);
int qck_sync(struct qck *c);
int qck_set_rc(struct qck *c, uint64_t cluster, uint64_t v);
int qck_zero_l2_entry(struct qck *c, uint64_t l2_off, uint8_t *table, uint64_t i);
int qck_rebuild(struct qck *c);
int qck_oflag_copied(struct qck *c, unsigned fix);
int qck_mark_clean(struct qck *c);
void qck_refresh_driver(struct qck *c);

#endif
