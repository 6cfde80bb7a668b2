/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qed.h - inside the qed driver: its state and what its files share */
#ifndef VU_IMG_QED_H
#define VU_IMG_QED_H

#include <stdbool.h>
#include <stdint.h>

#include "image_int.h"

#define QED_MAGIC 0x00444551u		/* "QED\0" little-endian */
#define QED_HEADER_BYTES 64u
#define QED_F_BACKING_FILE 0x1u
#define QED_F_NEED_CHECK 0x2u
#define QED_F_BACKING_FORMAT_NO_PROBE 0x4u
#define QED_FEATURE_MASK 0x7u
#define QED_MIN_CLUSTER (4u << 10)
#define QED_MAX_CLUSTER (64u << 20)
#define QED_DEFAULT_CLUSTER (64u << 10)
#define QED_MIN_TABLE 1u
#define QED_MAX_TABLE 16u
#define QED_DEFAULT_TABLE 4u
/* An L2 entry: never written (the backing file's) or all zeros. */
#define QED_UNALLOC 0u
#define QED_ZERO 1u

/* Header field offsets (little-endian). */
enum {
	QH_MAGIC = 0, QH_CLUSTER = 4, QH_TABLE = 8, QH_HEADER_SIZE = 12, QH_FEATURES = 16,
	QH_COMPAT = 24, QH_AUTOCLEAR = 32, QH_L1 = 40, QH_IMAGE_SIZE = 48,
	QH_BACKING_OFF = 56, QH_BACKING_LEN = 60,
};

struct qed {
	uint8_t hdr[QED_HEADER_BYTES];
	uint32_t cluster_size, table_size, header_size;
	uint64_t features, l1_off;
	uint64_t table_bytes;	/* one L1 or L2 table */
	uint32_t nelems;	/* entries in a table */
	unsigned l2_shift, l1_shift;
	uint64_t file_size;	/* where the next cluster goes (cluster aligned) */
	uint64_t *l1;		/* host-endian */
	uint64_t *l2;		/* the last L2 table read, host-endian */
	uint64_t l2_off;	/* its offset, 0: none */
	char errmsg[128];
};

/* Whether off can be a data cluster (aligned, past the header, in the file)
 * or the start of a table whose every cluster is, as qemu's checks. */
bool qed_cluster_ok(const struct qed *q, uint64_t off);
bool qed_table_ok(const struct qed *q, uint64_t off);
/* The L2 entry of the guest cluster at off (QED_UNALLOC, QED_ZERO or a
 * checked cluster offset); -EIO with errmsg set on bad tables. */
int qed_find(struct vu_image *img, uint64_t off, uint64_t *entry);
/* Reads the L2 table at off into q->l2 (cached). 0 or -errno. */
int qed_load_l2(struct vu_image *img, uint64_t off);
/* Writes the header from q's fields, made durable unless unsafe. */
int qed_write_header(struct vu_image *img);
/* Writes entries [first, first + n) of a table held in memory at off. */
int qed_write_entries(struct vu_image *img, const uint64_t *table, uint64_t off,
		      uint32_t first, uint32_t n);
int qed_sync(struct vu_image *img);

int qed_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off);
int qed_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap);
int qed_check(struct vu_image *img, unsigned fix, struct vu_check_result *res);

#endif
