/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2.h - the qcow2 driver's private state, shared by its read and write halves */
#ifndef VU_IMG_QCOW2_H
#define VU_IMG_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_int.h"

#define QCOW2_MAGIC 0x514649fbu		/* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72
#define QCOW2_V3_HEADER_LEN 104		/* through header_length */
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21	/* qemu's limit: 2 MiB */
#define QCOW2_MIN_EXTL2_CLUSTER_BITS 14
#define QCOW2_MAX_REFCOUNT_ORDER 6
#define QCOW2_MAX_L1_BYTES (32u << 20)	/* qemu's limits */
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_BACKING_FMT 63

/* incompatible_features */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN 0x1full
/* autoclear_features */
#define QCOW2_AUTOCLEAR_BITMAPS (1ull << 0)
/* compatible_features */
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* Header extension types */
#define QCOW2_EXT_END 0x00000000u
#define QCOW2_EXT_BACKING_FMT 0xe2792acau
#define QCOW2_EXT_FEATURE_NAMES 0x6803f857u
#define QCOW2_EXT_BITMAPS 0x23852875u
#define QCOW2_EXT_FDE 0x0537be77u
#define QCOW2_EXT_DATA_FILE 0x44415441u

enum { QCOW2_COMPRESS_ZLIB = 0, QCOW2_COMPRESS_ZSTD = 1 };

/* L1 and L2 entries */
#define QCOW2_L1_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_L2_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO (1ull << 0)
#define QCOW2_SUBCLUSTERS 32

/* Byte offsets of the header fields a writer updates in place. */
#define QCOW2_OFF_L1_SIZE 36
#define QCOW2_OFF_L1_TABLE 40
#define QCOW2_OFF_INCOMPAT 72

/* Big-endian fields, as everything in a qcow2 file is stored. */
static inline uint64_t qcow2_get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void qcow2_put_be(uint8_t *p, unsigned bytes, uint64_t v)
{
	for (unsigned i = bytes; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * Entry i of a refcount block (or of any array of refcounts laid out as
 * one) of 2^order bits per entry, order 0..6 (1 to 64 bits): big-endian
 * from a byte up; below a byte, the lowest index sits in the lowest bits.
 * Every reader and writer of refcounts goes through these two.
 */
static inline uint64_t qcow2_rc_entry_get(const uint8_t *blk, unsigned order, uint64_t i)
{
	unsigned bits = 1u << order;

	if (order < 3) {
		unsigned per = 8 / bits;

		return (blk[i / per] >> (i % per * bits)) & ((1u << bits) - 1);
	}
	return qcow2_get_be(blk + i * (bits / 8), bits / 8);
}

static inline void qcow2_rc_entry_set(uint8_t *blk, unsigned order, uint64_t i, uint64_t v)
{
	unsigned bits = 1u << order;

	if (order < 3) {
		unsigned per = 8 / bits, sh = (unsigned)(i % per) * bits;
		uint8_t m = (uint8_t)(((1u << bits) - 1) << sh);

		blk[i / per] = (uint8_t)((blk[i / per] & ~m) | ((v << sh) & m));
		return;
	}
	qcow2_put_be(blk + i * (bits / 8), bits / 8, v);
}

/* The largest refcount an entry of 2^order bits holds. */
static inline uint64_t qcow2_rc_max(unsigned order)
{
	return order == 6 ? UINT64_MAX : (1ull << (1u << order)) - 1;
}

/* The header, host-endian, as read (v2 fields past 72 as their defaults). */
struct qcow2_header {
	uint32_t magic;
	uint32_t version;
	uint64_t backing_file_offset;
	uint32_t backing_file_size;
	uint32_t cluster_bits;
	uint64_t size;
	uint32_t crypt_method;
	uint32_t l1_size;
	uint64_t l1_table_offset;
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	uint64_t incompatible_features;
	uint64_t compatible_features;
	uint64_t autoclear_features;
	uint32_t refcount_order;
	uint32_t header_length;
	uint8_t compression_type;
};

/* One cached L2 table: a cluster of big-endian entries as on disk. */
struct qcow2_l2_slot {
	uint64_t offset;	/* host offset of the table; 0 = slot empty */
	uint64_t last_use;	/* LRU tick */
	uint8_t *table;		/* cluster_size bytes, allocated on first use */
	bool dirty;		/* changed by the writer, not yet in the file */
};

#define QCOW2_L2_CACHE_MAX 64
#define QCOW2_L2_CACHE_MIN 4
#define QCOW2_L2_CACHE_BYTES (2u << 20)	/* slots = this / cluster size */

/* What one guest range is, in this layer. */
enum qcow2_kind {
	QCOW2_UNALLOCATED,	/* backing file or zeros */
	QCOW2_UNALLOCATED_ALLOC,	/* the same, but the host cluster exists (extended L2) */
	QCOW2_ZERO_PLAIN,	/* reads as zeros, no host cluster */
	QCOW2_ZERO_ALLOC,	/* reads as zeros, host cluster preallocated */
	QCOW2_DATA,		/* host file at .host */
	QCOW2_COMPRESSED,	/* .host is the compressed descriptor */
};

/* A run of guest bytes of one kind (host-contiguous where it has a host offset). */
struct qcow2_extent {
	enum qcow2_kind kind;
	uint64_t host;		/* of the run's first byte; descriptor if compressed */
	uint64_t len;
};

struct qcow2_decomp;
struct qcow2_wr;	/* the writer's state (qcow2_alloc.c, qcow2_write.c) */

struct qcow2 {
	struct qcow2_header h;
	uint64_t file_size;		/* of the image file, at open */
	uint64_t cluster_size;
	unsigned cluster_bits;
	unsigned l2_bits;		/* log2 of the entries per L2 table */
	unsigned l2_entry_size;		/* 8, or 16 with extended L2 */
	bool extended_l2;
	unsigned subcluster_bits;	/* log2 of the subcluster size */
	unsigned refcount_order;	/* refcount parameters, for the writer */
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
	/* Compressed descriptor layout */
	unsigned csize_shift;
	uint64_t csize_mask;
	uint64_t coffset_mask;
	bool direct;			/* img->fd has O_DIRECT: bounce unaligned I/O */

	uint64_t *l1;			/* host-endian, l1_size entries */
	uint32_t l1_size;
	struct qcow2_l2_slot l2_cache[QCOW2_L2_CACHE_MAX];
	unsigned l2_slots;
	unsigned l2_last;		/* slot of the last hit, tried first */
	uint64_t l2_tick;

	struct qcow2_decomp *dc;	/* decompression scratch, lazily made */
	uint8_t *rc_block;		/* the last refcount block read */
	uint64_t rc_block_offset;	/* its host offset; 0 = none */
	int prealloc;			/* looks preallocated: 1, no: 0, unknown: -1 */
	uint32_t bitmaps_nb;		/* the bitmaps extension, if any */
	uint64_t bitmaps_dir_size;
	uint64_t bitmaps_dir_offset;
	char errmsg[128];		/* why the last read failed, for diagnostics */
	struct qcow2_wr *wr;		/* opened read/write: the writer's state */
};

/* The read half (qcow2_read.c), also used by the writer. */
int qcow2_pread(struct vu_image *img, void *buf, size_t len, uint64_t off);
int qcow2_block_status(struct vu_image *img, uint64_t off, uint64_t len,
		       struct vu_bstat *bs);
void qcow2_decomp_free(struct qcow2_decomp *dc);
int qcow2_read_file(struct qcow2 *q, int fd, void *buf, size_t len, uint64_t off);
/* A metadata table buffer: *buf is allocated on first use (one cluster,
 * aligned for O_DIRECT); 0 or -ENOMEM. */
int qcow2_table_buf(const struct qcow2 *q, uint8_t **buf);
/* Reads the table cluster at off into a one-table cache (an L2 slot, the
 * refcount block): *at, its offset, is 0 unless the read succeeded. */
int qcow2_table_read(struct vu_image *img, uint8_t **buf, uint64_t *at, uint64_t off);
int qcow2_l2_get(struct vu_image *img, uint64_t l2_offset, const uint8_t **table);
int qcow2_l2_slot(struct vu_image *img, uint64_t l2_offset, bool fresh,
		  struct qcow2_l2_slot **out);
void qcow2_decomp_invalidate(struct qcow2 *q);
int qcow2_extent(struct vu_image *img, uint64_t off, uint64_t len, bool merge_compressed,
		 struct qcow2_extent *x);
/* qcow2_refcount.c: the refcount of a host cluster (by index), and
 * qemu's test for a metadata-preallocated image (1 yes, 0 no, <0 error). */
int qcow2_refcount_get(struct vu_image *img, uint64_t cluster, uint64_t *rc);
int qcow2_detect_prealloc(struct vu_image *img);
/* qcow2_meta.c: the snapshot table and the bitmap directory, into info. */
int qcow2_snapshots_read(struct vu_image *img, struct vu_info *info);
int qcow2_bitmaps_read(struct vu_image *img, struct vu_info *info);
/* qcow2_check.c: qemu-img check's consistency check and repair. fix is 0,
 * QCOW2_FIX_LEAKS or QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS (repairs need img->fd
 * open read/write). Never prints: findings go to res->report. 0 when the check
 * ran to its end, -errno when it could not (res->check_errors says so too).
 * Usable from inside the driver (a writer repairing a dirty image on open);
 * after a repair the driver's caches are refreshed here, and a writer must
 * drop whatever refcount or L2 state it keeps of its own. */
#define QCOW2_FIX_LEAKS VU_CHECK_FIX_LEAKS
#define QCOW2_FIX_ERRORS VU_CHECK_FIX_ERRORS
int qcow2_check(struct vu_image *img, unsigned fix, struct vu_check_result *res);
/* qcow2_snapshot.c: internal snapshots (the vu_image_snapshot_* calls). */
int qcow2_snapshot_create(struct vu_image *img, const char *name, struct vu_err *e);
int qcow2_snapshot_apply(struct vu_image *img, const char *id_or_name, struct vu_err *e);
int qcow2_snapshot_delete(struct vu_image *img, const char *id_or_name, struct vu_err *e);
int qcow2_snapshot_load(struct vu_image *img, const char *id, const char *name,
			struct vu_err *e);
/* The write half (qcow2_write.c and its neighbours). qcow2_wr_open sets up
 * q->wr when the image is opened read/write; qcow2_wr_close writes what is
 * cached and drops it. qcow2_l2_writeback writes one changed L2 table in
 * the writer's order (the read half calls it before reusing a slot). */
int qcow2_wr_open(struct vu_image *img, struct vu_err *e);
void qcow2_wr_close(struct vu_image *img);
int qcow2_l2_writeback(struct vu_image *img, struct qcow2_l2_slot *s);
int qcow2_create(int fd, const char *path, const struct vu_create_opts *o, struct vu_err *e);
int qcow2_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off);
int qcow2_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap);
int qcow2_discard(struct vu_image *img, uint64_t off, uint64_t len);
int qcow2_truncate(struct vu_image *img, uint64_t size);
int qcow2_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		 struct vu_err *e);
int qcow2_flush(struct vu_image *img);
ssize_t qcow2_compress_cluster(const struct vu_image *img, const void *cluster, void *out);
int qcow2_write_compressed(struct vu_image *img, const void *data, size_t len, uint64_t off);
int qcow2_pwrite_compressed(struct vu_image *img, const void *cluster, uint64_t off);
int qcow2_amend(struct vu_image *img, const struct vu_amend_opts *o, struct vu_err *e);
/* qcow2_backing.c: the backing file names rewritten, and the image emptied. */
int qcow2_set_backing(struct vu_image *img, struct vu_err *e);
int qcow2_make_empty(struct vu_image *img, struct vu_err *e);
/* qcow2_measure.c: qemu-img measure for qcow2. */
int qcow2_measure(const struct vu_create_opts *o, struct vu_image *src, struct vu_measure *m,
		  struct vu_err *e);
/* Why the last read of img failed ("" if it did not say); for tools' messages. */
const char *qcow2_last_error(const struct vu_image *img);

#endif
