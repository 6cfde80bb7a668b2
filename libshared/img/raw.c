/* SPDX-License-Identifier: GPL-2.0-or-later */
/* raw.c - the raw format: the file is the disk, holes are zeros */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "image_int.h"

/* Zeros written over [off, off+len), when nothing cheaper will do. */
static int write_zeros(int fd, uint64_t off, uint64_t len)
{
	static const char zeros[1 << 16];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int r = vu_pwrite_all(fd, zeros, n, (off_t)off);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

/* Reserves or writes [from, size), as qemu-img's preallocation modes. */
static int raw_preallocate(int fd, uint64_t from, uint64_t size, enum vu_prealloc mode)
{
	if (mode == VU_PREALLOC_FALLOC && size > from)
		return -posix_fallocate(fd, (off_t)from, (off_t)(size - from));
	if (mode != VU_PREALLOC_FULL || size <= from)
		return 0;
	return write_zeros(fd, from, size - from);
}

static int raw_create(int fd, const char *path, const struct vu_create_opts *o,
		      struct vu_err *e)
{
	int r;

	(void)path;
	if (o->prealloc == VU_PREALLOC_METADATA)
		return vu_err_set(e, EINVAL, "preallocation 'metadata' is not supported "
				  "for raw (off, falloc, full)");
	if (o->backing_file)
		return vu_err_set(e, EINVAL, "raw images have no backing file");
	if (ftruncate(fd, (off_t)o->size) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	r = raw_preallocate(fd, 0, o->size, o->prealloc);
	if (r < 0)
		return vu_err_set(e, -r, "cannot preallocate: %s", strerror(-r));
	return 0;
}

/* Anything can be raw: the lowest score, so any real format wins. */
static int raw_probe(const uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
	return 1;
}

static int raw_open(struct vu_image *img, struct vu_err *e)
{
	struct stat st;

	if (fstat(img->fd, &st) < 0)
		return vu_err_set(e, errno, NULL);
	if (S_ISBLK(st.st_mode)) {
		uint64_t sz;

		if (ioctl(img->fd, BLKGETSIZE64, &sz) < 0)
			return vu_err_set(e, errno, "cannot get device size: %s",
					  strerror(errno));
		img->size = sz;
	} else {
		img->size = (uint64_t)st.st_size;
	}
	return 0;
}

static int raw_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	return vu_pread_all(img->fd, buf, len, (off_t)off, false);
}

/*
 * SEEK_DATA / SEEK_HOLE tell data from holes. Block devices (and file
 * systems without the calls) report everything as data, which is what
 * they are as far as anyone can tell.
 */
int vu_file_block_status(int fd, bool is_blockdev, uint64_t off, uint64_t len,
			 struct vu_bstat *bs)
{
	off_t data, hole;

	bs->flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
	bs->offset = off;
	bs->len = len;
	if (is_blockdev)
		return 0;
	data = lseek(fd, (off_t)off, SEEK_DATA);
	if (data < 0 && errno == ENXIO) {
		bs->flags = VU_BS_ZERO | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
		return 0;
	}
	if (data < 0)
		return errno == EINVAL ? 0 : -errno;
	if ((uint64_t)data > off) {
		bs->flags = VU_BS_ZERO | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
		if ((uint64_t)data - off < len)
			bs->len = (uint64_t)data - off;
		return 0;
	}
	hole = lseek(fd, (off_t)off, SEEK_HOLE);
	if (hole < 0)
		return -errno;
	if ((uint64_t)hole - off < len)
		bs->len = (uint64_t)hole - off;
	return 0;
}

static int raw_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			    struct vu_bstat *bs)
{
	return vu_file_block_status(img->fd, img->is_blockdev, off, len, bs);
}

static int raw_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	return vu_pwrite_all(img->fd, buf, len, (off_t)off);
}

/* Punching keeps files sparse; devices and file systems that cannot are
 * written with zeros by the caller's fallback below. */
static int raw_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len,
			     bool may_unmap)
{
	int mode = may_unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
			     : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (img->is_blockdev) {
		uint64_t range[2] = { off, len };

		if (ioctl(img->fd, BLKZEROOUT, range) == 0)
			return 0;
	} else if (fallocate(img->fd, mode, (off_t)off, (off_t)len) == 0) {
		return 0;
	}
	return write_zeros(img->fd, off, len);
}

static int raw_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	return raw_pwrite_zeroes(img, off, len, true);
}

static int raw_truncate(struct vu_image *img, uint64_t size)
{
	if (img->is_blockdev)
		return size <= img->size ? 0 : -ENOSPC;
	if (ftruncate(img->fd, (off_t)size) < 0)
		return -errno;
	img->size = size;
	return 0;
}

/* Growing preallocates the new area as qemu-img resize does. */
static int raw_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		      struct vu_err *e)
{
	uint64_t old = img->size;
	int r;

	if (prealloc == VU_PREALLOC_METADATA)
		return vu_err_set(e, ENOTSUP, "Unsupported preallocation mode: metadata");
	if (size < old && prealloc != VU_PREALLOC_OFF)
		return vu_err_set(e, EINVAL, "Preallocation can only be used for growing images");
	if ((r = raw_truncate(img, size)) < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	if ((r = raw_preallocate(img->fd, old, size, prealloc)) < 0)
		return vu_err_set(e, -r, "cannot preallocate: %s", strerror(-r));
	return 0;
}

/* cache=unsafe: no sync, as qemu ignores flushes then. */
static int raw_flush(struct vu_image *img)
{
	if (img->flags & VU_OPEN_UNSAFE)
		return 0;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* Every byte of the disk is in the file (holes count, as qemu counts them). */
static int raw_measure(const struct vu_create_opts *o, struct vu_image *src,
		       struct vu_measure *m, struct vu_err *e)
{
	(void)e;
	m->required = src ? vu_image_size(src) : (o->size + 511) & ~511ull;
	m->fully_allocated = m->required;
	return 0;
}

const struct vu_image_driver vu_drv_raw = {
	.name = "raw",
	.create = raw_create,
	.probe = raw_probe,
	.open = raw_open,
	.pread = raw_pread,
	.block_status = raw_block_status,
	.pwrite = raw_pwrite,
	.pwrite_zeroes = raw_pwrite_zeroes,
	.discard = raw_discard,
	.truncate = raw_truncate,
	.flush = raw_flush,
	.resize = raw_resize,
	.measure = raw_measure,
};
