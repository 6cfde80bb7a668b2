/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_refcount.c - reading qcow2 refcounts, and qemu's preallocation test */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "qcow2_wr.h"

/* The refcount block holding cluster's count, through a one-block cache;
 * *blk NULL means no block is allocated (refcount 0). */
static int load_block(struct vu_image *img, uint64_t rt_index, const uint8_t **blk)
{
	struct qcow2 *q = img->priv;
	uint8_t ent[8];
	uint64_t off;
	int r;

	*blk = NULL;
	if (rt_index >= (uint64_t)q->refcount_table_clusters * q->cluster_size / 8)
		return 0;
	r = qcow2_read_file(q, img->fd, ent, 8, q->refcount_table_offset + rt_index * 8);
	if (r < 0)
		return r;
	off = qcow2_get_be(ent, 8) & ~0x1ffull;
	if (off == 0)
		return 0;
	if (off & (q->cluster_size - 1))
		return -EIO;
	if (q->rc_block_offset != off &&
	    (r = qcow2_table_read(img, &q->rc_block, &q->rc_block_offset, off)) < 0)
		return r;
	*blk = q->rc_block;
	return 0;
}

int qcow2_refcount_get(struct vu_image *img, uint64_t cluster, uint64_t *rc)
{
	struct qcow2 *q = img->priv;
	uint64_t per_block = q->cluster_size * 8 >> q->refcount_order;
	const uint8_t *blk;
	int r;

	/* A writer's refcounts may be newer in its cache than in the file. */
	if (q->wr)
		return qcow2_rc_get(img, cluster, rc);
	r = load_block(img, cluster / per_block, &blk);

	if (r < 0)
		return r;
	*rc = blk ? qcow2_rc_entry_get(blk, q->refcount_order, cluster % per_block) : 0;
	return 0;
}

/*
 * qemu-img asks the file under a data cluster (and so reports holes in it
 * as zeros) only when the image looks preallocated: when clearly more
 * clusters are referenced than the file really has blocks for. The same
 * test here makes "map" agree with it.
 */
int qcow2_detect_prealloc(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct stat st;
	uint64_t real, threshold, end, count = 0;

	if (fstat(img->fd, &st) < 0)
		return -errno;
	real = (uint64_t)st.st_blocks * 512 / q->cluster_size;
	threshold = real * 10 / 9 > real + 2 ? real * 10 / 9 : real + 2;
	end = ((uint64_t)st.st_size + q->cluster_size - 1) / q->cluster_size;
	for (uint64_t i = 0; i < end && count < threshold; i++) {
		uint64_t rc;
		int r = qcow2_refcount_get(img, i, &rc);

		if (r < 0)
			return r;
		count += rc != 0;
	}
	return count >= threshold;
}
