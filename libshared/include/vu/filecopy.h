/* SPDX-License-Identifier: GPL-2.0-or-later */
/* filecopy.h - copying an image file byte for byte, holes kept (SEEK_DATA,
 * copy_file_range), or sharing its extents (FICLONE) */
#ifndef VU_FILECOPY_H
#define VU_FILECOPY_H

#include <stdbool.h>
#include <stdint.h>

#include "vu/err.h"
#include "vu/progress.h"

/*
 * A copy at the file level keeps every feature of the image (a qcow2's
 * compat level, compression type, snapshots, bitmaps, refcount width and
 * backing link) because nothing is decoded: the copy engine (vu/copy.h) is
 * for copies that change the format.
 */
struct vu_filecopy_opts {
	/* Allocate what is a hole in the source (fallocate, else zeros
	 * written), as virt-clone --nonsparse; otherwise holes stay holes. */
	bool nonsparse;
	/* Share the source's extents (FICLONE) or fail with -EOPNOTSUPP and
	 * a message that says so: never a silent full copy. */
	bool reflink;
	struct vu_progress *progress;	/* or NULL; counts the bytes of data */
};

/*
 * Copies all of src (a regular file or a block device, read from offset
 * 0) into dst (an empty regular file, or a block device at least as
 * large), so that dst reads the same. A regular source is walked by
 * SEEK_DATA/SEEK_HOLE and its data extents copied with copy_file_range
 * (pread/pwrite where the kernel cannot); a block-device source is read
 * whole, and its zero blocks become holes in a regular dst unless
 * nonsparse. A block-device dst gets zeros written where the source has
 * holes. A regular dst ends with the source's size. Nothing is flushed.
 * 0 or -errno with e filled ("read at offset N: ...", "the filesystem
 * cannot share extents (reflink): ...", "target device is smaller than
 * the source").
 */
int vu_file_copy(int src, int dst, const struct vu_filecopy_opts *o, struct vu_err *e);

/* The bytes of data vu_file_copy would copy (for progress): the data
 * extents of a regular file, the whole of a block device. */
int vu_file_data_bytes(int fd, uint64_t *bytes);

#endif
