/* SPDX-License-Identifier: GPL-2.0-or-later */
/* filecopy.c - an image file copied byte for byte with its holes, or its
 * extents shared; after coreutils' lseek_copy and clone_file */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/filecopy.h"
#include "image_int.h"

/* Large enough that syscalls cost nothing next to the I/O, small enough
 * that progress moves. */
#define CHUNK (8u << 20)
#define BUF_SIZE (1u << 20)

struct fc {
	int src, dst;
	bool src_blk, dst_blk;
	uint64_t size;
	bool kernel_copy;	/* copy_file_range still worth trying */
	const struct vu_filecopy_opts *o;
	void *buf;		/* for the read/write path, made on first use */
	struct vu_err *e;
};

static int fd_size(int fd, uint64_t *size, bool *blk)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*blk = S_ISBLK(st.st_mode);
	if (*blk)
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = (uint64_t)st.st_size;
	return 0;
}

int vu_file_data_bytes(int fd, uint64_t *bytes)
{
	uint64_t size, off = 0;
	bool blk;
	int r = fd_size(fd, &size, &blk);

	*bytes = 0;
	if (r < 0 || blk) {
		*bytes = size;
		return r;
	}
	while (off < size) {
		struct vu_bstat bs;

		if ((r = vu_file_block_status(fd, false, off, size - off, &bs)) < 0)
			return r;
		if (bs.flags & VU_BS_DATA)
			*bytes += bs.len;
		off += bs.len;
	}
	return 0;
}

static void progress(struct fc *c, uint64_t n)
{
	if (c->o->progress)
		vu_progress_add(c->o->progress, n);
}

static int get_buf(struct fc *c)
{
	if (!c->buf && !(c->buf = malloc(BUF_SIZE)))
		return vu_err_set(c->e, ENOMEM, NULL);
	return 0;
}

/* Through user space: a block device on either side, or a kernel that
 * will not copy between these files. skip_zero leaves zero blocks as
 * holes of a new regular file. */
static int rw_copy(struct fc *c, uint64_t off, uint64_t len, bool skip_zero)
{
	int r = get_buf(c);

	while (r == 0 && len) {
		size_t n = len < BUF_SIZE ? (size_t)len : BUF_SIZE;

		if ((r = vu_pread_all(c->src, c->buf, n, (off_t)off, false)) < 0)
			return vu_err_set(c->e, -r, "read at offset %llu: %s",
					  (unsigned long long)off, strerror(-r));
		if (!(skip_zero && vu_buf_is_zero(c->buf, n)) &&
		    (r = vu_pwrite_all(c->dst, c->buf, n, (off_t)off)) < 0)
			return vu_err_set(c->e, -r, "write at offset %llu: %s",
					  (unsigned long long)off, strerror(-r));
		progress(c, n);
		off += n;
		len -= n;
	}
	return r;
}

/* Errors that mean "not between these two files", not "the I/O failed". */
static bool no_kernel_copy(int err)
{
	return err == EXDEV || err == EINVAL || err == EOPNOTSUPP || err == ENOSYS ||
	       err == EBADF || err == ETXTBSY;
}

/* A data extent: in the kernel (no copy through user space; on XFS and
 * btrfs the kernel may share the blocks), else through a buffer. */
static int copy_extent(struct fc *c, uint64_t off, uint64_t len)
{
	while (len && c->kernel_copy) {
		loff_t in = (loff_t)off, out = (loff_t)off;
		size_t n = len < CHUNK ? (size_t)len : CHUNK;
		ssize_t got = copy_file_range(c->src, &in, c->dst, &out, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && no_kernel_copy(errno)) {
			c->kernel_copy = false;
			break;
		}
		if (got < 0)
			return vu_err_set(c->e, errno, "copy at offset %llu: %s",
					  (unsigned long long)off, strerror(errno));
		if (got == 0)	/* the source shrank under us */
			return vu_err_set(c->e, EIO, "read at offset %llu: unexpected end of file",
					  (unsigned long long)off);
		progress(c, (uint64_t)got);
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return len ? rw_copy(c, off, len, false) : 0;
}

static int write_zeros(struct fc *c, uint64_t off, uint64_t len)
{
	int r = get_buf(c);

	if (r == 0)
		memset(c->buf, 0, BUF_SIZE);
	while (r == 0 && len) {
		size_t n = len < BUF_SIZE ? (size_t)len : BUF_SIZE;

		if ((r = vu_pwrite_all(c->dst, c->buf, n, (off_t)off)) < 0)
			return vu_err_set(c->e, -r, "write at offset %llu: %s",
					  (unsigned long long)off, strerror(-r));
		off += n;
		len -= n;
	}
	return r;
}

/* A hole of the source: nothing to do in a new sparse file; allocated in
 * a non-sparse one; zeros on a device, which holds old data there. */
static int fill_hole(struct fc *c, uint64_t off, uint64_t len)
{
	if (c->dst_blk) {
		uint64_t range[2] = { off, len };

		if (ioctl(c->dst, BLKZEROOUT, range) == 0)
			return 0;
		return write_zeros(c, off, len);
	}
	if (!c->o->nonsparse)
		return 0;
	if (fallocate(c->dst, 0, (off_t)off, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return vu_err_set(c->e, errno, "allocate at offset %llu: %s",
				  (unsigned long long)off, strerror(errno));
	return write_zeros(c, off, len);
}

static int copy_regular(struct fc *c)
{
	uint64_t off = 0;
	int r = 0;

	while (r == 0 && off < c->size) {
		struct vu_bstat bs;

		if ((r = vu_file_block_status(c->src, false, off, c->size - off, &bs)) < 0)
			return vu_err_set(c->e, -r, "map at offset %llu: %s",
					  (unsigned long long)off, strerror(-r));
		r = (bs.flags & VU_BS_DATA) ? copy_extent(c, off, bs.len)
					    : fill_hole(c, off, bs.len);
		off += bs.len;
	}
	return r;
}

static int reflink(struct fc *c)
{
	int err;

	if (ioctl(c->dst, FICLONE, c->src) == 0) {
		progress(c, c->size);
		return 0;
	}
	err = errno;
	if (err == EXDEV)
		return vu_err_set(c->e, EXDEV, "cannot share extents (reflink) across "
				  "filesystems");
	if (err == EOPNOTSUPP || err == EINVAL || err == ENOTTY || err == EBADF)
		return vu_err_set(c->e, EOPNOTSUPP, "the filesystem cannot share extents "
				  "(reflink): %s", strerror(err));
	return vu_err_set(c->e, err, "reflink: %s", strerror(err));
}

int vu_file_copy(int src, int dst, const struct vu_filecopy_opts *o, struct vu_err *e)
{
	static const struct vu_filecopy_opts none;
	struct fc c = { .src = src, .dst = dst, .kernel_copy = true, .o = o ? o : &none,
			.e = e };
	uint64_t dsize = 0;
	int r;

	if ((r = fd_size(src, &c.size, &c.src_blk)) < 0)
		return vu_err_set(e, -r, "source: %s", strerror(-r));
	if ((r = fd_size(dst, &dsize, &c.dst_blk)) < 0)
		return vu_err_set(e, -r, "target: %s", strerror(-r));
	if (c.o->reflink)
		return c.src_blk || c.dst_blk
			       ? vu_err_set(e, EOPNOTSUPP, "block devices cannot share extents "
					    "(reflink)")
			       : reflink(&c);
	if (c.dst_blk && dsize < c.size)
		return vu_err_set(e, ENOSPC, "target device is smaller than the source "
				  "(%llu < %llu bytes)", (unsigned long long)dsize,
				  (unsigned long long)c.size);
	if (!c.dst_blk && ftruncate(dst, (off_t)c.size) < 0)
		return vu_err_set(e, errno, "target: %s", strerror(errno));
	r = c.src_blk ? rw_copy(&c, 0, c.size, !c.dst_blk && !c.o->nonsparse)
		      : copy_regular(&c);
	free(c.buf);
	return r;
}
