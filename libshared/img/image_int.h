/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image_int.h - inside libshared/img: struct vu_image and the driver
 * interface, which the public vu/image.h keeps opaque. Drivers, the generic
 * layer and white-box tests of img/ include this; nothing else does. */
#ifndef VU_IMG_IMAGE_INT_H
#define VU_IMG_IMAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vu/image.h"

struct vu_image_driver {
	const char *name;
	/* Writes a new image into fd (empty, open for writing); path names it
	 * in messages. NULL where the driver cannot create images. */
	int (*create)(int fd, const char *path, const struct vu_create_opts *o,
		      struct vu_err *e);
	/* 0..100: how sure the driver is that the first bytes (up to 4096,
	 * zero-padded) are its format. */
	int (*probe)(const uint8_t *buf, size_t len);
	/* img->fd, filename, flags are set; fill size, backing_file,
	 * backing_fmt, priv. Validate every field read from the file. */
	int (*open)(struct vu_image *img, struct vu_err *e);
	void (*close)(struct vu_image *img);
	/* Reads [off, off+len) (within img->size). Ranges this layer does not
	 * allocate come from vu_image_read_backing(). Need not be thread-safe:
	 * callers serialise. */
	int (*pread)(struct vu_image *img, void *buf, size_t len, uint64_t off);
	/* Status of this layer alone from off: bs->len <= len. */
	int (*block_status)(struct vu_image *img, uint64_t off, uint64_t len,
			    struct vu_bstat *bs);
	/* Fills cluster size, dirty state, format-specific entries, bitmaps
	 * and snapshots; may allocate (vu_info_free releases). */
	int (*info)(struct vu_image *img, struct vu_info *info);
	/* Why the last pread or block_status failed, or "" (optional). */
	const char *(*last_error)(const struct vu_image *img);
	/* The write half; NULL where a driver is read-only. */
	int (*pwrite)(struct vu_image *img, const void *buf, size_t len, uint64_t off);
	int (*pwrite_zeroes)(struct vu_image *img, uint64_t off, uint64_t len,
			     bool may_unmap);
	int (*discard)(struct vu_image *img, uint64_t off, uint64_t len);
	int (*truncate)(struct vu_image *img, uint64_t size);
	int (*flush)(struct vu_image *img);
	/* Resize with preallocation of a grown area (vu_image_resize). */
	int (*resize)(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		      struct vu_err *e);
	/*
	 * Compressed clusters (vu_image_pwrite_compressed). compress_cluster
	 * is reentrant: it reads only what open fixed (cluster size and
	 * compression type), so worker threads may call it at once while one
	 * thread writes. out has room for cluster size - 1 bytes; it returns
	 * the compressed length, 0 when compressing does not shrink the
	 * cluster, or -errno. write_compressed stores what it made for the
	 * cluster at guest offset off (cluster aligned); len 0 means data is
	 * the cluster itself, to store plain. pwrite_compressed does both.
	 */
	ssize_t (*compress_cluster)(const struct vu_image *img, const void *cluster, void *out);
	int (*write_compressed)(struct vu_image *img, const void *data, size_t len, uint64_t off);
	int (*pwrite_compressed)(struct vu_image *img, const void *cluster, uint64_t off);
	/* Whether every data cluster must be written compressed (vmdk's
	 * streamOptimized); NULL: no. */
	bool (*compressed_only)(const struct vu_image *img);
	/* Bytes all the image's files occupy, where it has more than one
	 * (vmdk extents); NULL: its own file's. */
	int64_t (*actual_size)(const struct vu_image *img);
	/* Changes format options in place (vu_image_amend). */
	int (*amend)(struct vu_image *img, const struct vu_amend_opts *o, struct vu_err *e);
	/* Consistency check and repair (vu_image_check); NULL: cannot be checked. */
	int (*check)(struct vu_image *img, unsigned fix, struct vu_check_result *res);
	/* Records img->backing_file and img->backing_fmt, which
	 * vu_image_set_backing has just changed, in the image's metadata, in
	 * one write that takes effect whole. NULL: the format has none. */
	int (*set_backing)(struct vu_image *img, struct vu_err *e);
	/* Makes every cluster of this layer unallocated, so that the image
	 * reads as its backing file (vu_image_make_empty). */
	int (*make_empty)(struct vu_image *img, struct vu_err *e);
	/* vu_image_measure for this format; NULL: qemu-img cannot measure it. */
	int (*measure)(const struct vu_create_opts *o, struct vu_image *src,
		       struct vu_measure *m, struct vu_err *e);
	/* Internal snapshots (vu_image_snapshot_*); NULL: the format has none. */
	int (*snapshot_create)(struct vu_image *img, const char *name, struct vu_err *e);
	int (*snapshot_apply)(struct vu_image *img, const char *id_or_name, struct vu_err *e);
	int (*snapshot_delete)(struct vu_image *img, const char *id_or_name, struct vu_err *e);
	int (*snapshot_load)(struct vu_image *img, const char *id, const char *name,
			     struct vu_err *e);
};

struct vu_image {
	const struct vu_image_driver *drv;
	char *filename;		/* as given */
	int fd;
	unsigned flags;
	bool is_blockdev;
	uint64_t size;		/* virtual size in bytes */
	char *backing_file;	/* as recorded in the image, or NULL */
	char *backing_fmt;	/* as recorded, or NULL */
	char *backing_path;	/* backing_file resolved against our directory */
	struct vu_image *backing;
	void *priv;		/* the driver's */
	/* The image is the window [win_off, win_off+win_len) of the file, the
	 * archive member win_name (OVA disks); win_len 0: the whole file. */
	uint64_t win_off, win_len;
	char *win_name;
	const char *why;	/* the generic layer's reason for its last error */
};

/* Opens the member [off, off+len) of the archive at path, named member,
 * read-only, as an image of format fmt, whose driver must honour windows
 * (vmdk). 0 or -errno with e filled. */
int vu_image_open_window(struct vu_image **out, const char *path, const char *fmt,
			 uint64_t off, uint64_t len, const char *member, struct vu_err *e);

/* The drivers, for lookup by name (NULL: unknown) and for probing. */
const struct vu_image_driver *vu_image_driver_find(const char *name);
extern const struct vu_image_driver vu_drv_raw;
extern const struct vu_image_driver vu_drv_qcow2;
extern const struct vu_image_driver vu_drv_vdi;
extern const struct vu_image_driver vu_drv_vpc;
extern const struct vu_image_driver vu_drv_vhdx;
extern const struct vu_image_driver vu_drv_qed;
extern const struct vu_image_driver vu_drv_vmdk;

/* The status of a byte range of a file itself (SEEK_DATA / SEEK_HOLE):
 * holes read as zeros; block devices are all data. */
int vu_file_block_status(int fd, bool is_blockdev, uint64_t off, uint64_t len,
			 struct vu_bstat *bs);

/* s for a one-line message: cut to cap - 1 bytes, anything unprintable
 * (newlines included) as '?'. Returns buf. */
const char *vu_img_shown(const char *s, char *buf, size_t cap);

/* Adds a format-specific entry to info (drivers' helpers). */
void vu_info_str(struct vu_info *info, const char *key, const char *val);
void vu_info_bool(struct vu_info *info, const char *key, bool val);
void vu_info_int(struct vu_info *info, const char *key, int64_t val);
/* Marks where the bitmap list goes in the format-specific order. */
void vu_info_bitmaps(struct vu_info *info);
/* Marks where the extent list goes (vmdk). */
void vu_info_extents(struct vu_info *info);

#endif
