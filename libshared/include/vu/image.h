/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image.h - disk images behind one interface: struct vu_image (opaque; its
 * drivers are libshared/img/image_int.h's) */
#ifndef VU_IMAGE_H
#define VU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vu/err.h"

enum {
	VU_OPEN_RDWR = 1 << 0,		/* write half (next issue) */
	VU_OPEN_NO_BACKING = 1 << 1,	/* do not open the backing chain */
	VU_OPEN_DIRECT = 1 << 2,	/* O_DIRECT (cache=none / directsync) */
	/* Open to check or repair (qemu's BDRV_O_CHECK): an image marked
	 * corrupt opens read/write and bad L2 offsets in the L1 table are left
	 * for vu_image_check to report. */
	VU_OPEN_CHECK = 1 << 3,
	/* Writes: no fdatasync anywhere (qemu's cache=unsafe), for a new file
	 * nobody sees until it is complete. Metadata is still written in an
	 * order that keeps the file consistent between any two writes. */
	VU_OPEN_UNSAFE = 1 << 4,
};

/* Longest backing chain we follow (layers are opened without recursion, one
 * fd each; man/img-convert.1 says why this many). */
#define VU_BACKING_MAX_DEPTH 1000

/* Block status flags, as qemu's BDRV_BLOCK_*. */
enum {
	VU_BS_DATA = 1 << 0,		/* read from a file */
	VU_BS_ZERO = 1 << 1,		/* reads as zeros */
	VU_BS_ALLOCATED = 1 << 2,	/* this layer decides the content */
	VU_BS_OFFSET_VALID = 1 << 3,	/* .offset is where it lies in the layer's file */
	VU_BS_COMPRESSED = 1 << 4,
	/* The data lies in the layer's file at .offset and the file's own
	 * holes there read as zeros: ask the file (preallocated images). */
	VU_BS_RECURSE = 1 << 5,
};

/* An open image and its backing chain. Opaque: read it with the accessors
 * below; drivers see its fields in libshared/img/image_int.h. */
struct vu_image;

/* How much of a new image is allocated up front (qemu-img's preallocation). */
enum vu_prealloc {
	VU_PREALLOC_OFF,	/* sparse */
	VU_PREALLOC_METADATA,	/* qcow2: every table, no data */
	VU_PREALLOC_FALLOC,	/* blocks reserved with fallocate */
	VU_PREALLOC_FULL,	/* zeros written */
};

/* What a new image is; zero values are qemu-img's defaults. */
struct vu_create_opts {
	uint64_t size;			/* virtual size in bytes */
	enum vu_prealloc prealloc;
	/* qcow2 */
	int version;			/* 2 (compat 0.10) or 3 (1.1); 0 = 3 */
	uint32_t cluster_size;		/* 0 = 64 KiB */
	unsigned refcount_bits;		/* 0 = 16 */
	bool lazy_refcounts;
	bool extended_l2;
	int compression_type;		/* 0 zlib, 1 zstd */
	/* vmdk (NULL / false: qemu-img's defaults) */
	const char *subformat;		/* monolithicSparse, monolithicFlat, ... */
	const char *adapter_type;	/* ide, lsilogic, buslogic, legacyESX */
	const char *hwversion;		/* ddb.virtualHWVersion */
	bool compat6;			/* hardware version 6 */
	bool zeroed_grain;		/* zero grains as grain table entries */
	const char *backing_file;	/* recorded as given, or NULL */
	const char *backing_fmt;	/* recorded, or NULL */
	bool backing_unchecked;		/* do not open the backing file (-u) */
	/* vdi, vpc, vhdx */
	bool fixed;			/* vdi static=on; vpc, vhdx subformat=fixed */
	bool force_size;		/* vpc: the size as given, not rounded to CHS */
	uint32_t block_size;		/* vhdx: 0 = chosen by the size, as qemu */
	uint32_t log_size;		/* vhdx: 0 = 1 MiB */
	bool block_state_zero_off;	/* vhdx: block_state_zero=off */
	uint32_t table_size;		/* qed: clusters per table, 0 = 4 (cluster_size above) */
};

/* What "amend" changes in an image; zero values leave a property as it is. */
struct vu_amend_opts {
	int version;			/* qcow2: 2 (compat 0.10) or 3 (1.1) */
	int lazy_refcounts;		/* 1 on, -1 off */
	unsigned refcount_bits;		/* 1..64, a power of two */
	uint64_t size;			/* virtual size: resize (may shrink) */
};

/* Repairs vu_image_check may make (qemu's BDRV_FIX_*). */
enum {
	VU_CHECK_FIX_LEAKS = 1 << 0,	/* lower refcounts nothing needs */
	VU_CHECK_FIX_ERRORS = 1 << 1,	/* everything else, rebuilding refcounts if need be */
};

/* What a consistency check found, as qemu's BdrvCheckResult. */
struct vu_check_result {
	/* In: where each finding goes, one line without its newline, in
	 * qemu-img's words (qemu-img prints them on stderr); NULL drops them. */
	void (*report)(void *ctx, const char *line);
	void *report_ctx;
	/* Out */
	int64_t corruptions;		/* references the refcounts do not cover, bad offsets */
	int64_t leaks;			/* clusters counted but referenced by nothing */
	int64_t check_errors;		/* what could not be checked */
	int64_t corruptions_fixed, leaks_fixed;
	int64_t image_end_offset;	/* end of the last cluster in use */
	int64_t total_clusters;		/* of the virtual disk */
	int64_t allocated_clusters, fragmented_clusters, compressed_clusters;
};

struct vu_bstat {
	uint64_t len;		/* bytes from the asked offset with this status, > 0 */
	unsigned flags;
	uint64_t offset;	/* host offset when VU_BS_OFFSET_VALID */
	int depth;		/* chain walk: 0 = the image itself, 1 = its backing ... */
	struct vu_image *layer;	/* chain walk: the layer that decided (NULL: none) */
	/* The file .offset is in when it is not the layer's own (a vmdk
	 * extent), as qemu-img map names it; NULL: the layer's. Lives as
	 * long as the layer. */
	const char *file;
};

/* A persistent dirty bitmap an image carries (qcow2's bitmaps extension). */
struct vu_bitmap {
	char *name;
	uint64_t granularity;	/* bytes */
	bool in_use;		/* left dirty by a writer that did not close */
	bool autoload;		/* qemu-img's flag "auto" */
};

/* An internal snapshot (qcow2), as qemu-img lists it. */
struct vu_snapshot {
	char *id, *name;
	uint64_t vm_state_size;
	uint32_t date_sec, date_nsec;
	uint64_t vm_clock_nsec;
	int64_t icount;		/* -1: not recorded */
};

/* One entry of qemu-img's "format-specific" data, in qemu-img's order. The
 * JSON key is key; the human label is key with '-' turned into ' '.
 * VU_KV_BITMAPS stands for the info's bitmap list, at its place in the order;
 * VU_KV_EXTENTS for its extent list (vmdk). */
enum vu_kv_type { VU_KV_STR, VU_KV_BOOL, VU_KV_INT, VU_KV_BITMAPS, VU_KV_EXTENTS };
struct vu_kv {
	const char *key;
	enum vu_kv_type type;
	char str[64];
	bool b;
	int64_t i;
};

/* What qemu-img measure prints: the bytes a new image needs for what it
 * will hold, fully allocated, and (qcow2 from a source that can carry
 * them) for the source's persistent bitmaps. */
struct vu_measure {
	uint64_t required, fully_allocated;
	bool has_bitmaps;
	uint64_t bitmaps;
};

/* One file of a multi-file image (vmdk), as qemu-img lists its extents. */
struct vu_extent_info {
	char *filename;		/* as the descriptor names it */
	char format[16];	/* the descriptor's type ("SPARSE", "FLAT"), "" when embedded */
	uint64_t virtual_size;
	uint64_t cluster_size;	/* 0: none (flat) */
	bool compressed;
};

#define VU_INFO_MAX_KV 16
struct vu_info {
	uint64_t cluster_size;		/* 0 = the format has none */
	bool has_dirty_flag;		/* qemu-img prints "dirty-flag" */
	bool dirty;
	int nkv;
	struct vu_kv kv[VU_INFO_MAX_KV];
	bool bitmaps_supported;		/* the image can carry persistent bitmaps */
	int nbitmaps;
	struct vu_bitmap *bitmaps;	/* malloc'd with their names */
	int nsnapshots;
	struct vu_snapshot *snapshots;	/* malloc'd with their strings */
	int nextents;
	struct vu_extent_info *extents;	/* malloc'd with their names */
};

/*
 * Opens path with format fmt, or probes when fmt is NULL. A format given
 * explicitly (here or as a backing format the image records) is never
 * overridden. Backing files are opened read-only, relative names resolved
 * against the directory of the image naming them, at most
 * VU_BACKING_MAX_DEPTH deep, refusing loops. 0 or -errno with e filled:
 * a failure in the chain is one message about the file at fault ("could not
 * open backing file 'B' of 'A': why"; without "of 'A'" when A is path;
 * "backing chain deeper than N"), never one per layer.
 */
int vu_image_open(struct vu_image **out, const char *path, const char *fmt,
		  unsigned flags, struct vu_err *e);
/* As vu_image_open, on a file already open (a dup of fd is kept): for
 * files that have no name yet (O_TMPFILE). filename is used in messages
 * and to resolve a relative backing file. */
int vu_image_open_fd(struct vu_image **out, int fd, const char *filename,
		     const char *fmt, unsigned flags, struct vu_err *e);
/*
 * Writes a new, empty image of format fmt into fd (a new file or an
 * O_TMPFILE the caller links into place when this succeeds). A relative
 * backing file is resolved against path's directory to check it exists.
 * 0 or -errno with e filled.
 */
int vu_image_create(int fd, const char *path, const char *fmt,
		    const struct vu_create_opts *o, struct vu_err *e);
/* Images with no file of their own, read-only, for the copy engine to read
 * (pool wipes and downloads); close them with vu_image_close.
 * pattern: size bytes of pat, len bytes repeated (1 to 3), or random bytes
 * when len is 0; or zeros (all one zero extent) when zeros is true.
 * slice: the window [off, off+len) of base, which must outlive it; -EINVAL
 * when the window passes base's end. */
int vu_image_pattern(struct vu_image **out, uint64_t size, const uint8_t *pat, int len,
		     bool zeros);
int vu_image_slice(struct vu_image **out, struct vu_image *base, uint64_t off, uint64_t len);
/* Closes the image and its backing chain; *img becomes NULL. */
void vu_image_close(struct vu_image **img);

/* What an open image is. Strings belong to img and live until it is closed
 * (the backing names: until vu_image_set_backing changes them), except the
 * format name, which is static. */
const char *vu_image_filename(const struct vu_image *img);	/* as given to open */
const char *vu_image_format_name(const struct vu_image *img);	/* "qcow2", "raw", ... */
uint64_t vu_image_size(const struct vu_image *img);		/* virtual size in bytes */
/* The image file's descriptor (to fstat it: it is the driver's), or -1 for
 * an image that has no file of its own. */
int vu_image_fd(const struct vu_image *img);
bool vu_image_is_blockdev(const struct vu_image *img);
/* The backing file name and format as the image records them, and the name
 * resolved against the image's directory; NULL when there is none. */
const char *vu_image_backing_file(const struct vu_image *img);
const char *vu_image_backing_fmt(const struct vu_image *img);
const char *vu_image_backing_path(const struct vu_image *img);
/* The backing image opened below img, or NULL (none, or not opened:
 * VU_OPEN_NO_BACKING). It is img's: closed with it. */
struct vu_image *vu_image_backing(const struct vu_image *img);
/* Whether fmt names a format vu_image_open knows. */
bool vu_image_format_known(const char *fmt);
/* Whether the image's format records a backing file vu_image_set_backing
 * can rewrite (qcow2: yes; raw: no). */
bool vu_image_can_set_backing(const struct vu_image *img);

int vu_image_pread(struct vu_image *img, void *buf, size_t len, uint64_t off);
/* The message for error r (-errno) from img's last pread or block status:
 * the driver's reason when it gave one, else strerror. */
const char *vu_image_strerror(const struct vu_image *img, int r);
/* What the backing chain below img holds at [off, off+len), zeros where
 * there is no backing file or it is shorter (drivers read through it). */
int vu_image_read_backing(struct vu_image *img, void *buf, size_t len, uint64_t off);
/* Status through the chain: the first layer that allocates decides; where
 * none does, VU_BS_ZERO at the depth of the last layer. */
int vu_image_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			  struct vu_bstat *bs);
int vu_image_info(struct vu_image *img, struct vu_info *info);
/*
 * Checks the image's metadata as qemu-img check does and, with fix (VU_CHECK_FIX_*,
 * which needs VU_OPEN_RDWR), repairs it. Fills res (its report callback is
 * read); 0 when the check ran to the end (res says what it found), -ENOTSUP
 * when the format has no checks, other -errno when the check could not
 * finish (res holds what it counted so far).
 */
int vu_image_check(struct vu_image *img, unsigned fix, struct vu_check_result *res);
void vu_info_free(struct vu_info *info);

/*
 * The write half: the image must be open with VU_OPEN_RDWR (-EBADF) and
 * the driver able to write (-EROFS); ranges lie within vu_image_size() (-EINVAL).
 * 0 or -errno; vu_image_strerror() explains a qcow2 write that failed on
 * bad metadata. Callers serialise.
 */
int vu_image_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off);
/* Zeros [off, off+len): may_unmap lets the driver free what holds it. */
int vu_image_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len,
			   bool may_unmap);
/* Whole clusters in [off, off+len) are given back; reads then return zeros
 * (qcow2 v3, raw) or the backing file's data (qcow2 v2). */
int vu_image_discard(struct vu_image *img, uint64_t off, uint64_t len);
/* Metadata, then data, made durable (no sync with VU_OPEN_UNSAFE). */
int vu_image_flush(struct vu_image *img);
/*
 * A new virtual size. Growing preallocates the new area as asked; shrinking
 * drops everything past the new end (the caller asks the user first, as
 * qemu-img's --shrink). e says why it failed.
 */
int vu_image_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		    struct vu_err *e);
/*
 * A whole guest cluster at off (cluster aligned; the last one zero-padded
 * to a cluster) written compressed, or plain when compressing does not
 * shrink it, as qemu does. -ENOTSUP for formats without compression.
 * vu_image_compress_cluster and vu_image_write_compressed are its two
 * halves, for callers that compress on worker threads (see the driver).
 */
int vu_image_pwrite_compressed(struct vu_image *img, const void *cluster, uint64_t off);
/* Whether the image takes data only as whole compressed clusters (vmdk
 * streamOptimized): a copy into it must use the compressed path. */
bool vu_image_compressed_only(const struct vu_image *img);
ssize_t vu_image_compress_cluster(const struct vu_image *img, const void *cluster, void *out);
/* len 0: data is the plain cluster (compress_cluster returned 0). */
int vu_image_write_compressed(struct vu_image *img, const void *data, size_t len,
			      uint64_t off);
/* Changes format options of an image open read/write (qemu-img amend). */
int vu_image_amend(struct vu_image *img, const struct vu_amend_opts *o, struct vu_err *e);
/*
 * Rewrites the backing file name (file) and format (fmt) the image records,
 * in place and crash-safely: the metadata written before is made durable
 * first, and the new names replace the old ones in one write. file NULL or
 * "" removes the backing file (fmt must then be NULL). Data is not copied:
 * the caller makes the new chain read as the old one first (a safe rebase)
 * or knows that it does (-u). On success vu_image_backing_file(),
 * _backing_fmt() and _backing_path() name the new file and the old chain
 * (vu_image_backing()) is closed: until the image is reopened, ranges it
 * does not allocate read as zeros and partial-cluster writes over them
 * fail. -ENOTSUP with an empty
 * message where the format has no backing files (raw), as qemu's words
 * "Operation not supported"; -ENOSPC when the names do not fit in the
 * header. 0 or -errno with e filled.
 */
int vu_image_set_backing(struct vu_image *img, const char *file, const char *fmt,
			 struct vu_err *e);
/*
 * Makes every cluster the image itself allocates unallocated again, and
 * frees what held them, so that it reads as its backing file (qemu's
 * bdrv_make_empty, what qemu-img commit does to the image it committed).
 * Crash-safe: tables stop pointing at clusters before the clusters are
 * freed. -ENOTSUP where the format cannot (raw). 0 or -errno with e filled.
 */
int vu_image_make_empty(struct vu_image *img, struct vu_err *e);
/*
 * Internal snapshots (qcow2), as qemu-img snapshot makes them. create,
 * apply and delete need VU_OPEN_RDWR and switch the image from its old
 * metadata to the new in one header write, so that an image killed at any
 * point is either as before or as after, never inconsistent (at worst it
 * holds unused clusters past its metadata). 0 or -errno with e filled, in
 * qemu's words where qemu has them:
 *   create: a new snapshot of the disk as it is now, named name (at most
 *     255 bytes), with the next free numeric ID, the current date, no VM
 *     state. -EEXIST when a snapshot of that name exists (qemu-img would
 *     make a second one), -EFBIG past 65536 snapshots, -ENOTSUP where the
 *     format has no snapshots (e's message empty: "Operation not supported").
 *   apply: the disk becomes what the snapshot holds, with its size (qemu's
 *     "-a"; the snapshot is kept). Found by ID first, then by name.
 *     -ENOENT "Can't find snapshot"; -ENOTSUP "Block driver does not
 *     support snapshots".
 *   delete: the snapshot goes and what only it used is freed; found by ID
 *     first, then by name (qemu-img's "-d" looks up names only: a tool
 *     resolves the name to an ID first). -ENOENT "Can't find snapshot",
 *     also where the format has no snapshots.
 * The list of snapshots is vu_image_info's.
 */
int vu_image_snapshot_create(struct vu_image *img, const char *name, struct vu_err *e);
int vu_image_snapshot_apply(struct vu_image *img, const char *id_or_name, struct vu_err *e);
int vu_image_snapshot_delete(struct vu_image *img, const char *id_or_name, struct vu_err *e);
/*
 * Makes an image open read-only read as one of its snapshots: its data and
 * its virtual size (vu_image_size), as qemu's "-l snapshot.id=ID,snapshot.name=
 * NAME". With both id and name the snapshot must match both; with one, that
 * one. For qemu-img's "-s ID_OR_NAME", call (s, NULL), and on -ENOENT
 * (NULL, s). -ENOENT "Can't find snapshot"; -ENOTSUP where the format has
 * none; -EBUSY on an image open for writing. 0 or -errno with e filled.
 */
int vu_image_snapshot_load(struct vu_image *img, const char *id, const char *name,
			   struct vu_err *e);
/*
 * qemu-img measure: the size of a new image of format fmt made with o
 * (options as for vu_image_create), either o->size bytes of nothing
 * (src NULL) or holding what src (and its backing chain) holds. 0 or
 * -errno with e filled: -ENOTSUP "Block driver 'FMT' does not support
 * size measurement", -EINVAL for options qemu refuses, in its words.
 */
int vu_image_measure(const char *fmt, const struct vu_create_opts *o, struct vu_image *src,
		     struct vu_measure *m, struct vu_err *e);
/* path's directory joined with name, unless name is absolute or path has no
 * directory: how a backing file name recorded in path is found. malloc'd. */
char *vu_image_relative_path(const char *path, const char *name);
/* Bytes the file really occupies (st_blocks * 512), as qemu-img's disk size. */
int64_t vu_image_actual_size(const struct vu_image *img);
/* Chain length below img (0 = no backing). */
int vu_image_chain_depth(const struct vu_image *img);

/* True if all len bytes of buf are zero (fast, word at a time). */
bool vu_buf_is_zero(const void *buf, size_t len);

#endif
