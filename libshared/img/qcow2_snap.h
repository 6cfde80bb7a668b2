/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_snap.h - internal snapshots: metadata changes built aside and switched in by one header write */
#ifndef VU_IMG_QCOW2_SNAP_H
#define VU_IMG_QCOW2_SNAP_H

#include <stdbool.h>
#include <stdint.h>

#include "qcow2_wr.h"

/*
 * Why snapshots do not use the writer's ordered flush: creating one turns
 * refcounts from 1 to 2 and clears OFLAG_COPIED in the active tables, and
 * qemu-img check calls any moment where the two disagree a corruption,
 * whichever is written first. So a snapshot operation writes everything
 * new (refcount blocks, refcount table, active L1 table, copied L2 tables,
 * snapshot table) into clusters that are free both before and after it,
 * and then switches the image over with one write of the header fields
 * 24..72 (size, L1, refcount table, snapshot table), which lies in one
 * sector. Killed before that write, the image is as it was (the new
 * clusters are free space); after it, as it should be (the old structures
 * are free space). Tables that are not active are never checked for
 * OFLAG_COPIED, so they may be edited in place.
 */

/* A refcount block as it will be after the switch. */
struct qsn_shadow {
	uint8_t *blk;		/* a cluster: the new refcounts */
	uint64_t old_off;	/* the block it replaces; 0: a block the image lacks */
	uint64_t new_off;	/* where it is written; 0: not placed yet */
};

struct qsn_commit {
	struct vu_image *img;
	struct qcow2 *q;
	struct qcow2_header h;		/* the header after the switch */
	uint64_t *l1;			/* the active L1 table after it, host-endian */
	struct qsn_shadow **sh;		/* by refcount block index */
	uint64_t nsh;
	uint64_t hint;			/* no cluster below this is free in both states */
	uint64_t *freed;		/* clusters whose refcount fell to 0 */
	size_t nfreed, capfreed;
	uint64_t *rt;			/* the new refcount table, host-endian */
	uint64_t rt_entries, rt_off, rt_clusters;
};

/* Starts a change: the writer's caches go to the file first, so that the
 * file is what the change starts from. 0 or -errno. */
int qsn_begin(struct qsn_commit *c, struct vu_image *img);
void qsn_end(struct qsn_commit *c);
/* Records why the image cannot be changed (q->errmsg) and returns -EIO. */
int qsn_corrupt(struct qsn_commit *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A cluster's refcount after the switch, and changes to it: -EIO when it
 * would fall below 0 (the image is corrupt), -ERANGE above the width. */
int qsn_rc(struct qsn_commit *c, uint64_t cluster, uint64_t *rc);
int qsn_add(struct qsn_commit *c, uint64_t cluster, int64_t delta);
/* delta for every cluster [off, off+len) touches (nothing when len is 0). */
int qsn_add_range(struct qsn_commit *c, uint64_t off, uint64_t len, int64_t delta);
/* n contiguous clusters free before and after the switch, counted once. */
int qsn_alloc(struct qsn_commit *c, uint64_t n, uint64_t *off);
/* Reads the L2 table at off (a cluster), checked to lie in the file. */
int qsn_read_l2(struct qsn_commit *c, uint64_t off, uint8_t *buf);
/* delta for every host cluster an L2 table points at, each time it does. */
int qsn_l2_refs(struct qsn_commit *c, const uint8_t *t, int64_t delta);
/* Clears OFLAG_COPIED in every entry of an L2 table; true if any had it. */
bool qsn_clear_copied(const struct qcow2 *q, uint8_t *t);
/* Writes entries (host-endian) as an L1 table into new clusters: *off,
 * 0 for an empty table. */
int qsn_write_l1(struct qsn_commit *c, const uint64_t *l1, uint32_t n, uint64_t *off);
/* Places and writes the refcount structures, switches the header to c->h
 * and c->l1, and brings the driver's state up to date. */
int qsn_finish(struct qsn_commit *c);

#endif
