/* SPDX-License-Identifier: GPL-2.0-or-later */
/* extfs.c - ext2/3/4 through libext2fs, whose io_manager here reads and
 * writes a struct gdev (a window over the guest's images) instead of a
 * file: qcow2 and raw alike, no mount, no loop device */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <et/com_err.h>

#include "guest_int.h"

/* The channel's name carries the gdev's address: libext2fs opens a channel
 * by name only, and libshared keeps no global registry. */
static struct gdev *name_dev(const char *name)
{
	void *p = NULL;

	if (!name || sscanf(name, "vu-guest:%p", &p) != 1)
		return NULL;
	return p;
}

static errcode_t to_errcode(int r)
{
	return r == -ENOMEM ? EXT2_ET_NO_MEMORY : (errcode_t)-r;
}

/* Blocks kept by a channel: libext2fs reads the same directory and inode
 * table blocks again and again (a lookup, then the unlink, of each of
 * thousands of log files), and each read through a qcow2 costs a table
 * walk. Direct-mapped, write-through: every write updates what it
 * overlaps, so reads never see stale data. */
#define CACHE_SLOTS 2048
#define CACHE_MAX_BLOCK 65536

/* A channel's private data. */
struct gchan {
	struct gdev *dev;
	bool rw;
	bool marked;	/* the superblock says "not clean" on disk (or need not) */
	int bs;		/* the cache's block size, 0: no cache */
	char *buf;	/* CACHE_SLOTS blocks */
	unsigned long long blk[CACHE_SLOTS];
	bool valid[CACHE_SLOTS];
};

static void cache_reset(struct gchan *gc, int bs)
{
	free(gc->buf);
	gc->buf = NULL;
	gc->bs = 0;
	memset(gc->valid, 0, sizeof(gc->valid));
	if (bs > 0 && bs <= CACHE_MAX_BLOCK) {
		gc->buf = malloc((size_t)CACHE_SLOTS * (size_t)bs);
		gc->bs = gc->buf ? bs : 0;
	}
}

/* Writes len bytes at off and refreshes the cached blocks they touch. */
static int chan_write(struct gchan *gc, const void *data, size_t len, uint64_t off)
{
	int r = gdev_pwrite(gc->dev, data, len, off);

	if (!gc->bs || !len)
		return r;
	for (uint64_t b = off / (uint64_t)gc->bs; b <= (off + len - 1) / (uint64_t)gc->bs; b++) {
		size_t slot = b % CACHE_SLOTS;
		uint64_t start = b * (uint64_t)gc->bs;

		if (!gc->valid[slot] || gc->blk[slot] != b)
			continue;
		if (r < 0 || start < off || start + (uint64_t)gc->bs > off + len)
			gc->valid[slot] = false;
		else
			memcpy(gc->buf + slot * (size_t)gc->bs, (const char *)data + (start - off),
			       (size_t)gc->bs);
	}
	return r;
}

static int chan_read(struct gchan *gc, void *data, size_t len, uint64_t off)
{
	uint64_t b;
	size_t slot;
	int r;

	if (!gc->bs || len != (size_t)gc->bs || off % (uint64_t)gc->bs)
		return gdev_pread(gc->dev, data, len, off);
	b = off / (uint64_t)gc->bs;
	slot = b % CACHE_SLOTS;
	if (gc->valid[slot] && gc->blk[slot] == b) {
		memcpy(data, gc->buf + slot * (size_t)gc->bs, len);
		return 0;
	}
	r = gdev_pread(gc->dev, data, len, off);
	if (r == 0) {
		memcpy(gc->buf + slot * (size_t)gc->bs, data, len);
		gc->blk[slot] = b;
		gc->valid[slot] = true;
	}
	return r;
}

/*
 * Before the first write to a filesystem, the superblock on disk loses its
 * "cleanly unmounted" state (and gets it back at close), so that a run
 * killed half-way leaves a filesystem that fsck checks before the kernel
 * mounts it, rather than bitmaps that silently disagree with the inodes.
 * Written here, not through ext2fs_flush, as libext2fs may be in the middle
 * of an operation. app_data is the filesystem: ext2fs_open2 sets it.
 */
static int mark_in_use(io_channel ch)
{
	struct gchan *gc = ch->private_data;
	ext2_filsys fs = ch->app_data;
	struct ext2_super_block sb;
	int r;

	if (gc->marked || !fs || fs->magic != EXT2_ET_MAGIC_EXT2FS_FILSYS || !fs->super)
		return 0;
	gc->marked = true;
	if (!(fs->super->s_state & EXT2_VALID_FS))
		return 0;
	fs->super->s_state &= ~EXT2_VALID_FS;
	sb = *fs->super;
	ext2fs_superblock_csum_set(fs, &sb);
	/* libext2fs writes only what differs from orig_super: it must know
	 * what the disk holds now. */
	if (fs->orig_super)
		*fs->orig_super = sb;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	ext2fs_swap_super(&sb);
#endif
	r = chan_write(gc, &sb, SUPERBLOCK_SIZE, SUPERBLOCK_OFFSET);
	if (r == 0)
		r = gdev_flush(gc->dev);
	ext2fs_mark_super_dirty(fs);
	return r;
}

static struct gchan *chan(io_channel ch)
{
	return ch->private_data;
}

static bool chrw(io_channel ch)
{
	return ((struct gchan *)ch->private_data)->rw;
}

static errcode_t gio_close(io_channel ch)
{
	if (--ch->refcount > 0)
		return 0;
	cache_reset(chan(ch), 0);
	free(ch->private_data);
	free(ch->name);
	free(ch);
	return 0;
}

static errcode_t gio_set_blksize(io_channel ch, int blksize)
{
	if (blksize != ch->block_size)
		cache_reset(chan(ch), blksize);
	ch->block_size = blksize;
	return 0;
}

static errcode_t gio_read64(io_channel ch, unsigned long long block, int count, void *data)
{
	size_t len = count < 0 ? (size_t)-count : (size_t)count * (size_t)ch->block_size;
	int r = chan_read(chan(ch), data, len, block * (uint64_t)ch->block_size);

	return r < 0 ? to_errcode(r) : 0;
}

static errcode_t gio_write64(io_channel ch, unsigned long long block, int count,
			     const void *data)
{
	size_t len = count < 0 ? (size_t)-count : (size_t)count * (size_t)ch->block_size;
	int r;

	if (!chrw(ch))
		return EXT2_ET_RO_FILSYS;
	r = mark_in_use(ch);
	if (r == 0)
		r = chan_write(chan(ch), data, len, block * (uint64_t)ch->block_size);
	return r < 0 ? to_errcode(r) : 0;
}

static errcode_t gio_read(io_channel ch, unsigned long block, int count, void *data)
{
	return gio_read64(ch, block, count, data);
}

static errcode_t gio_write(io_channel ch, unsigned long block, int count, const void *data)
{
	return gio_write64(ch, block, count, data);
}

static errcode_t gio_write_byte(io_channel ch, unsigned long off, int count, const void *data)
{
	int r;

	if (count < 0)
		return EXT2_ET_INVALID_ARGUMENT;
	if (!chrw(ch))
		return EXT2_ET_RO_FILSYS;
	r = mark_in_use(ch);
	if (r == 0)
		r = chan_write(chan(ch), data, (size_t)count, off);
	return r < 0 ? to_errcode(r) : 0;
}

static errcode_t gio_flush(io_channel ch)
{
	int r = chrw(ch) ? gdev_flush(chan(ch)->dev) : 0;

	return r < 0 ? to_errcode(r) : 0;
}

static errcode_t gio_set_option(io_channel ch, const char *opt, const char *arg)
{
	(void)ch;
	(void)opt;
	(void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t gio_open(const char *name, int flags, io_channel *out);

static struct struct_io_manager guest_io = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "virtutils guest I/O manager",
	.open = gio_open,
	.close = gio_close,
	.set_blksize = gio_set_blksize,
	.read_blk = gio_read,
	.write_blk = gio_write,
	.flush = gio_flush,
	.write_byte = gio_write_byte,
	.set_option = gio_set_option,
	.read_blk64 = gio_read64,
	.write_blk64 = gio_write64,
};

static errcode_t gio_open(const char *name, int flags, io_channel *out)
{
	struct gdev *d = name_dev(name);
	struct gchan *gc;
	io_channel ch;

	if (!d)
		return EXT2_ET_BAD_DEVICE_NAME;
	ch = calloc(1, sizeof(*ch));
	gc = calloc(1, sizeof(*gc));
	if (ch)
		ch->name = strdup(name);
	if (!ch || !gc || !ch->name) {
		if (ch)
			free(ch->name);
		free(ch);
		free(gc);
		return EXT2_ET_NO_MEMORY;
	}
	gc->dev = d;
	gc->rw = flags & IO_FLAG_RW;
	cache_reset(gc, 1024);
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = &guest_io;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = gc;
	*out = ch;
	return 0;
}

int guest_ext_err(errcode_t err, struct vu_err *e)
{
	int code;

	if (err > 0 && err < 4096)
		return vu_err_set(e, (int)err, "%s", "");
	switch (err) {
	case EXT2_ET_FILE_NOT_FOUND: code = ENOENT; break;
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE_FOR_CSUM: code = ENOSPC; break;
	case EXT2_ET_RO_FILSYS: code = EROFS; break;
	case EXT2_ET_NO_MEMORY: code = ENOMEM; break;
	case EXT2_ET_FILE_TOO_BIG: code = EFBIG; break;
	case EXT2_ET_DIR_EXISTS: code = EEXIST; break;
	case EXT2_ET_NO_DIRECTORY: code = ENOTDIR; break;
	case EXT2_ET_UNSUPP_FEATURE:
	case EXT2_ET_RO_UNSUPP_FEATURE: code = ENOTSUP; break;
	default: code = EIO; break;
	}
	return vu_err_set(e, code, "%s", error_message(err));
}

/* Refuses what only e2fsck may touch; the messages say so. */
static int check_clean(ext2_filsys fs, const char *dev, struct vu_err *e)
{
	if (ext2fs_has_feature_journal_needs_recovery(fs->super))
		return vu_err_set(e, EUCLEAN, "%s: needs journal recovery: run e2fsck", dev);
	if (fs->super->s_state & EXT2_ERROR_FS)
		return vu_err_set(e, EUCLEAN, "%s: has errors: run e2fsck", dev);
	if (!(fs->super->s_state & EXT2_VALID_FS))
		return vu_err_set(e, EUCLEAN, "%s: not cleanly unmounted: run e2fsck", dev);
	if (ext2fs_has_feature_mmp(fs->super))
		return vu_err_set(e, ENOTSUP, "%s: multiple mount protection is not supported",
				  dev);
	if (ext2fs_has_feature_journal_dev(fs->super))
		return vu_err_set(e, ENOTSUP, "%s: is an external journal", dev);
	return 0;
}

int guest_ext_open(struct vu_guest *g, int i, struct vu_err *e)
{
	struct gfs *f = &g->fs[i];
	bool rw = g->flags & VU_GUEST_RDWR;
	int flags = EXT2_FLAG_64BITS | (rw ? EXT2_FLAG_RW : 0);
	ext2_filsys fs = NULL;
	errcode_t err;
	int r;

	if (f->efs)
		return 0;
	if (!f->pub.mountable)
		return vu_err_set(e, ENOTSUP, "%s: %s is not supported", f->pub.device,
				  f->pub.type[0] ? f->pub.type : "unknown filesystem");
	snprintf(f->io_name, sizeof(f->io_name), "vu-guest:%p", (void *)&f->dev);
	err = ext2fs_open2(f->io_name, NULL, flags, 0, 0, &guest_io, &fs);
	if (err) {
		r = guest_ext_err(err, NULL);
		return vu_err_set(e, -r, "%s: %s", f->pub.device, error_message(err));
	}
	r = check_clean(fs, f->pub.device, e);
	if (r == 0 && rw) {
		err = ext2fs_read_bitmaps(fs);
		if (err)
			r = vu_err_set(e, EIO, "%s: bitmaps: %s", f->pub.device,
				       error_message(err));
	}
	if (r < 0) {
		ext2fs_free(fs);
		return r;
	}
	f->efs = fs;
	return 0;
}

int guest_ext_close(struct gfs *f, struct vu_err *e)
{
	struct gchan *gc;
	errcode_t err;

	if (!f->efs)
		return 0;
	gc = f->efs->io->private_data;
	if (gc->rw && gc->marked) {
		f->efs->super->s_state |= EXT2_VALID_FS;
		ext2fs_mark_super_dirty(f->efs);
	}
	gc->marked = true;	/* close's own writes need no mark */
	err = ext2fs_close_free(&f->efs);
	f->efs = NULL;
	if (err)
		return vu_err_set(e, EIO, "%s: %s", f->pub.device, error_message(err));
	return 0;
}

int guest_ext_readlink(ext2_filsys fs, ext2_ino_t ino, char **out)
{
	struct ext2_inode inode;
	char *buf;
	errcode_t err;
	size_t len;

	err = ext2fs_read_inode(fs, ino, &inode);
	if (err)
		return guest_ext_err(err, NULL);
	if (!LINUX_S_ISLNK(inode.i_mode))
		return -EINVAL;
	len = EXT2_I_SIZE(&inode);
	if (len >= fs->blocksize)
		return -EIO;
	buf = calloc(1, fs->blocksize + 1);
	if (!buf)
		return -ENOMEM;
	if (ext2fs_is_fast_symlink(&inode)) {
		memcpy(buf, inode.i_block, len < sizeof(inode.i_block) ? len : sizeof(inode.i_block));
	} else if (inode.i_flags & EXT4_INLINE_DATA_FL) {
		size_t got = 0;

		err = ext2fs_inline_data_get(fs, ino, &inode, buf, &got);
	} else {
		blk64_t blk = 0;

		err = ext2fs_bmap2(fs, ino, &inode, NULL, 0, 0, NULL, &blk);
		if (!err && blk)
			err = io_channel_read_blk64(fs->io, blk, 1, buf);
	}
	if (err) {
		free(buf);
		return guest_ext_err(err, NULL);
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}
