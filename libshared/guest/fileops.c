/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fileops.c - the path operations of vu/guestfs.h on ext2/3/4, through
 * libext2fs's own allocation, link and punch paths (so checksums, extents,
 * htree directories and bitmaps stay as e2fsck wants them) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_int.h"

static ext2_filsys FS(const struct vu_guest *g, int i)
{
	return g->fs[i].efs;
}

static int need_rw(const struct vu_guest *g, struct vu_err *e)
{
	if (!(g->flags & VU_GUEST_RDWR))
		return vu_err_set(e, EROFS, "%s", "");
	return 0;
}

/* Walks to an object that must exist. */
static int walk_obj(struct vu_guest *g, const char *path, bool follow, struct gres *r,
		    struct vu_err *e)
{
	int x = guest_walk(g, path, follow, r, e);

	if (x == 0 && !r->ino)
		x = vu_err_set(e, ENOENT, "%s", "");
	return x;
}

static int ext_err(errcode_t err, struct vu_err *e)
{
	return guest_ext_err(err, e);
}

static int iget(struct vu_guest *g, int fs, ext2_ino_t ino, struct ext2_inode *inode,
		struct vu_err *e)
{
	errcode_t err = ext2fs_read_inode(FS(g, fs), ino, inode);

	return err ? ext_err(err, e) : 0;
}

static int iput(struct vu_guest *g, int fs, ext2_ino_t ino, struct ext2_inode *inode,
		struct vu_err *e)
{
	errcode_t err = ext2fs_write_inode(FS(g, fs), ino, inode);

	return err ? ext_err(err, e) : 0;
}

static void set_owner(struct ext2_inode *inode, long uid, long gid)
{
	if (uid >= 0) {
		inode->i_uid = (uint16_t)uid;
		ext2fs_set_i_uid_high(*inode, (uint16_t)((unsigned long)uid >> 16));
	}
	if (gid >= 0) {
		inode->i_gid = (uint16_t)gid;
		ext2fs_set_i_gid_high(*inode, (uint16_t)((unsigned long)gid >> 16));
	}
}

static uint32_t now32(void)
{
	return (uint32_t)time(NULL);
}

errcode_t guest_link(ext2_filsys fs, ext2_ino_t dir, const char *name, ext2_ino_t ino,
		     int ftype)
{
	errcode_t err = ext2fs_link(fs, dir, name, ino, ftype);

	if (err == EXT2_ET_DIR_NO_SPACE) {
		err = ext2fs_expand_dir(fs, dir);
		if (!err)
			err = ext2fs_link(fs, dir, name, ino, ftype);
	}
	return err;
}

/* A new empty regular file at r's parent/name. */
static int create_file(struct vu_guest *g, const struct gres *r, int mode, long uid, long gid,
		       ext2_ino_t *out, struct vu_err *e)
{
	ext2_filsys fs = FS(g, r->pfs);
	struct ext2_inode inode;
	ext2_ino_t ino;
	errcode_t err;

	if (!r->name[0])
		return vu_err_set(e, EISDIR, "%s", "");
	err = ext2fs_new_inode(fs, r->pdir, LINUX_S_IFREG | 0600, NULL, &ino);
	if (!err)
		err = guest_link(fs, r->pdir, r->name, ino, EXT2_FT_REG_FILE);
	if (err)
		return ext_err(err, e);
	ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
	memset(&inode, 0, sizeof(inode));
	inode.i_mode = (uint16_t)(LINUX_S_IFREG | ((mode < 0 ? 0644 : mode) & 07777));
	set_owner(&inode, uid < 0 ? 0 : uid, gid < 0 ? 0 : gid);
	inode.i_links_count = 1;
	inode.i_atime = inode.i_ctime = inode.i_mtime = now32();
	if (ext2fs_has_feature_extents(fs->super)) {
		ext2_extent_handle_t h;

		err = ext2fs_extent_open2(fs, ino, &inode, &h);
		if (err)
			return ext_err(err, e);
		ext2fs_extent_free(h);
	}
	err = ext2fs_write_new_inode(fs, ino, &inode);
	if (err)
		return ext_err(err, e);
	*out = ino;
	return 0;
}

/*
 * An inline-data file emptied becomes an empty file with blocks (extents
 * when the filesystem has them), as a new file is: libext2fs empties the
 * inode but leaves the inline flag without its attribute, which e2fsck
 * calls corrupt.
 */
static errcode_t empty_inline(ext2_filsys fs, ext2_ino_t ino)
{
	struct ext2_inode inode;
	errcode_t err = ext2fs_read_inode(fs, ino, &inode);

	if (err || !(inode.i_flags & EXT4_INLINE_DATA_FL))
		return err;
	err = ext2fs_punch(fs, ino, &inode, NULL, 0, ~0ULL);
	if (!err)
		err = ext2fs_read_inode(fs, ino, &inode);
	if (err)
		return err;
	inode.i_flags &= ~EXT4_INLINE_DATA_FL;
	memset(inode.i_block, 0, sizeof(inode.i_block));
	inode.i_size = inode.i_size_high = 0;
	if (ext2fs_has_feature_extents(fs->super)) {
		ext2_extent_handle_t h;

		err = ext2fs_extent_open2(fs, ino, &inode, &h);
		if (err)
			return err;
		ext2fs_extent_free(h);
	}
	return ext2fs_write_inode(fs, ino, &inode);
}

/* The file's content becomes data (truncate, then write). */
static int put_content(ext2_filsys fs, ext2_ino_t ino, const void *data, size_t len, bool append,
		       struct vu_err *e)
{
	ext2_file_t f;
	errcode_t err, cerr;
	size_t done = 0;

	err = append ? 0 : empty_inline(fs, ino);
	if (!err)
		err = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &f);
	if (err)
		return ext_err(err, e);
	if (append)
		err = ext2fs_file_llseek(f, 0, EXT2_SEEK_END, NULL);
	else
		err = ext2fs_file_set_size2(f, 0);
	while (!err && done < len) {
		unsigned int got = 0;
		size_t chunk = len - done > (1u << 20) ? (1u << 20) : len - done;

		err = ext2fs_file_write(f, (const char *)data + done, (unsigned int)chunk, &got);
		if (!err && got == 0)
			err = EXT2_ET_SHORT_WRITE;
		done += got;
	}
	cerr = ext2fs_file_close(f);
	if (!err)
		err = cerr;
	return err ? ext_err(err, e) : 0;
}

static int touch_times(struct vu_guest *g, int fs, ext2_ino_t ino, bool atime,
		       struct vu_err *e)
{
	struct ext2_inode inode;
	int x = iget(g, fs, ino, &inode, e);

	if (x < 0)
		return x;
	inode.i_mtime = inode.i_ctime = now32();
	if (atime)
		inode.i_atime = inode.i_mtime;
	return iput(g, fs, ino, &inode, e);
}

/* ---- reading ---- */

static void fill_stat(struct vu_guest_stat *st, const struct gres *r,
		      const struct ext2_inode *inode)
{
	memset(st, 0, sizeof(*st));
	st->mode = inode->i_mode;
	st->uid = inode_uid(*inode);
	st->gid = inode_gid(*inode);
	st->size = EXT2_I_SIZE(inode);
	st->nlink = inode->i_links_count;
	st->ino = r->ino;
	st->fs = r->fs;
	st->atime = (int32_t)inode->i_atime;
	st->mtime = (int32_t)inode->i_mtime;
	st->ctime = (int32_t)inode->i_ctime;
}

static int do_stat(struct vu_guest *g, const char *path, bool follow, struct vu_guest_stat *st,
		   struct vu_err *e)
{
	struct ext2_inode inode;
	struct gres r;
	int x = walk_obj(g, path, follow, &r, e);

	if (x == 0)
		x = iget(g, r.fs, r.ino, &inode, e);
	if (x == 0)
		fill_stat(st, &r, &inode);
	return x;
}

int vu_guest_lstat(struct vu_guest *g, const char *path, struct vu_guest_stat *st,
		   struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_stat(g, path, false, st, e);
	return do_stat(g, path, false, st, e);
}

int vu_guest_stat(struct vu_guest *g, const char *path, struct vu_guest_stat *st,
		  struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_stat(g, path, true, st, e);
	return do_stat(g, path, true, st, e);
}

bool vu_guest_exists(struct vu_guest *g, const char *path)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_exists(g, path);
	struct gres r;

	return guest_walk(g, path, false, &r, NULL) == 0 && r.ino;
}

/* A regular file reached by following links: r and its inode. */
static int regular(struct vu_guest *g, const char *path, struct gres *r,
		   struct ext2_inode *inode, struct vu_err *e)
{
	int x = walk_obj(g, path, true, r, e);

	if (x == 0)
		x = iget(g, r->fs, r->ino, inode, e);
	if (x == 0 && LINUX_S_ISDIR(inode->i_mode))
		x = vu_err_set(e, EISDIR, "%s", "");
	else if (x == 0 && !LINUX_S_ISREG(inode->i_mode))
		x = vu_err_set(e, EINVAL, "not a regular file");
	return x;
}

int vu_guest_read_file(struct vu_guest *g, const char *path, size_t max, char **buf,
		       size_t *len, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_read_file(g, path, max, buf, len, e);
	struct ext2_inode inode;
	struct gres r;
	ext2_file_t f;
	uint64_t size;
	size_t done = 0;
	errcode_t err;
	char *b;
	int x = regular(g, path, &r, &inode, e);

	if (x < 0)
		return x;
	size = EXT2_I_SIZE(&inode);
	if (size > max)
		return vu_err_set(e, EFBIG, "larger than %zu bytes", max);
	b = malloc((size_t)size + 1);
	if (!b)
		return vu_err_set(e, ENOMEM, "%s", "");
	err = ext2fs_file_open(FS(g, r.fs), r.ino, 0, &f);
	while (!err && done < size) {
		unsigned int got = 0;
		size_t chunk = size - done > (1u << 20) ? (1u << 20) : (size_t)size - done;

		err = ext2fs_file_read(f, b + done, (unsigned int)chunk, &got);
		if (!err && got == 0)
			err = EXT2_ET_SHORT_READ;
		done += got;
	}
	if (f)
		ext2fs_file_close(f);
	if (err) {
		free(b);
		return ext_err(err, e);
	}
	b[size] = '\0';
	*buf = b;
	*len = (size_t)size;
	return 0;
}

int vu_guest_readlink(struct vu_guest *g, const char *path, char **target, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_readlink(g, path, target, e);
	struct gres r;
	int x = walk_obj(g, path, false, &r, e);

	if (x == 0) {
		x = guest_ext_readlink(FS(g, r.fs), r.ino, target);
		if (x < 0)
			vu_err_set(e, -x, "%s", "");
	}
	return x;
}

/* ---- writing files ---- */

int vu_guest_write_file(struct vu_guest *g, const char *path, const void *data, size_t len,
			int mode, long uid, long gid, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_write_file(g, path, data, len, mode, uid, gid, e);
	struct ext2_inode inode;
	struct gres r;
	int x = need_rw(g, e);

	if (x == 0)
		x = guest_walk(g, path, true, &r, e);
	if (x < 0)
		return x;
	if (!r.ino) {
		r.fs = r.pfs;
		x = create_file(g, &r, mode, uid, gid, &r.ino, e);
	} else {
		x = iget(g, r.fs, r.ino, &inode, e);
		if (x == 0 && LINUX_S_ISDIR(inode.i_mode))
			x = vu_err_set(e, EISDIR, "%s", "");
		else if (x == 0 && !LINUX_S_ISREG(inode.i_mode))
			x = vu_err_set(e, EINVAL, "not a regular file");
	}
	if (x == 0)
		x = put_content(FS(g, r.fs), r.ino, data, len, false, e);
	if (x == 0)
		x = iget(g, r.fs, r.ino, &inode, e);
	if (x < 0)
		return x;
	if (mode >= 0)
		inode.i_mode = (uint16_t)((inode.i_mode & ~07777) | (mode & 07777));
	set_owner(&inode, uid, gid);
	inode.i_mtime = inode.i_ctime = now32();
	return iput(g, r.fs, r.ino, &inode, e);
}

int vu_guest_append(struct vu_guest *g, const char *path, const void *data, size_t len,
		    struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_append(g, path, data, len, e);
	struct ext2_inode inode;
	struct gres r;
	int x = need_rw(g, e);

	if (x == 0)
		x = guest_walk(g, path, true, &r, e);
	if (x < 0)
		return x;
	if (!r.ino) {
		r.fs = r.pfs;
		x = create_file(g, &r, 0644, 0, 0, &r.ino, e);
	} else {
		x = iget(g, r.fs, r.ino, &inode, e);
		if (x == 0 && !LINUX_S_ISREG(inode.i_mode))
			x = vu_err_set(e, LINUX_S_ISDIR(inode.i_mode) ? EISDIR : EINVAL, "%s", "");
	}
	if (x == 0)
		x = put_content(FS(g, r.fs), r.ino, data, len, true, e);
	if (x == 0)
		x = touch_times(g, r.fs, r.ino, false, e);
	return x;
}

int vu_guest_touch(struct vu_guest *g, const char *path, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_touch(g, path, e);
	struct gres r;
	ext2_ino_t ino;
	int x = need_rw(g, e);

	if (x == 0)
		x = guest_walk(g, path, true, &r, e);
	if (x < 0)
		return x;
	if (!r.ino)
		return create_file(g, &r, 0644, 0, 0, &ino, e);
	return touch_times(g, r.fs, r.ino, true, e);
}

int vu_guest_truncate(struct vu_guest *g, const char *path, uint64_t size, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_change(g, path, VU_GUEST_KEEP, 0, 0, (int64_t)size, e);
	struct ext2_inode inode;
	struct gres r;
	ext2_file_t f;
	errcode_t err;
	int x = need_rw(g, e);

	if (x == 0)
		x = regular(g, path, &r, &inode, e);
	if (x < 0)
		return x;
	err = size ? 0 : empty_inline(FS(g, r.fs), r.ino);
	if (!err)
		err = ext2fs_file_open(FS(g, r.fs), r.ino, EXT2_FILE_WRITE, &f);
	if (!err) {
		errcode_t cerr;

		err = ext2fs_file_set_size2(f, size);
		cerr = ext2fs_file_close(f);
		if (!err)
			err = cerr;
	}
	if (err)
		return ext_err(err, e);
	return touch_times(g, r.fs, r.ino, false, e);
}

struct zero_ctx {
	char *zeros;
	errcode_t err;
};

static int zero_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt, blk64_t ref_blk,
		      int ref_offset, void *priv)
{
	struct zero_ctx *z = priv;

	(void)ref_blk;
	(void)ref_offset;
	if (blockcnt < 0)
		return 0;
	z->err = io_channel_write_blk64(fs->io, *blocknr, 1, z->zeros);
	return z->err ? BLOCK_ABORT : 0;
}

int vu_guest_zero_file(struct vu_guest *g, const char *path, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_zero_file(g, path, e);
	struct ext2_inode inode;
	struct zero_ctx z = { 0 };
	struct gres r;
	ext2_filsys fs;
	errcode_t err;
	int x = need_rw(g, e);

	if (x == 0)
		x = regular(g, path, &r, &inode, e);
	if (x < 0)
		return x;
	fs = FS(g, r.fs);
	if (inode.i_flags & EXT4_INLINE_DATA_FL) {
		size_t n = (size_t)EXT2_I_SIZE(&inode);
		char *zeros = calloc(1, n ? n : 1);

		if (!zeros)
			return vu_err_set(e, ENOMEM, "%s", "");
		x = put_content(fs, r.ino, zeros, n, false, e);
		free(zeros);
		return x;
	}
	if (!ext2fs_inode_has_valid_blocks2(fs, &inode))
		return 0;
	z.zeros = calloc(1, fs->blocksize);
	if (!z.zeros)
		return vu_err_set(e, ENOMEM, "%s", "");
	err = ext2fs_block_iterate3(fs, r.ino, BLOCK_FLAG_DATA_ONLY | BLOCK_FLAG_READ_ONLY, NULL,
				    zero_block, &z);
	free(z.zeros);
	if (!err)
		err = z.err;
	return err ? ext_err(err, e) : 0;
}

/* ---- removing ---- */

/* The last link to ino is gone: its blocks, attributes and the inode. */
static int free_inode(ext2_filsys fs, ext2_ino_t ino, bool dir, struct vu_err *e)
{
	struct ext2_inode_large inode;
	errcode_t err;

	memset(&inode, 0, sizeof(inode));
	err = ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)&inode, sizeof(inode));
	if (!err && ext2fs_inode_has_valid_blocks2(fs, (struct ext2_inode *)&inode))
		err = ext2fs_punch(fs, ino, (struct ext2_inode *)&inode, NULL, 0, ~0ULL);
	if (!err)
		err = ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)&inode, sizeof(inode));
	if (!err)
		err = ext2fs_free_ext_attr(fs, ino, &inode);
	if (!err) {
		inode.i_links_count = 0;
		inode.i_dtime = now32();
		err = ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)&inode, sizeof(inode));
	}
	if (err)
		return ext_err(err, e);
	ext2fs_inode_alloc_stats2(fs, ino, -1, dir);
	return 0;
}

/* One link fewer to a non-directory. */
static int drop_link(ext2_filsys fs, ext2_ino_t ino, struct vu_err *e)
{
	struct ext2_inode inode;
	errcode_t err = ext2fs_read_inode(fs, ino, &inode);

	if (err)
		return ext_err(err, e);
	if (inode.i_links_count > 1) {
		inode.i_links_count--;
		inode.i_ctime = now32();
		err = ext2fs_write_inode(fs, ino, &inode);
		return err ? ext_err(err, e) : 0;
	}
	return free_inode(fs, ino, false, e);
}

static int unlink_entry(ext2_filsys fs, ext2_ino_t dir, const char *name, ext2_ino_t ino,
			struct vu_err *e)
{
	errcode_t err = ext2fs_unlink(fs, dir, name, ino, 0);

	return err ? ext_err(err, e) : 0;
}

int vu_guest_unlink(struct vu_guest *g, const char *path, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_unlink(g, path, e);
	struct ext2_inode inode;
	struct gres r;
	int x = need_rw(g, e);

	if (x == 0)
		x = walk_obj(g, path, false, &r, e);
	if (x == 0)
		x = iget(g, r.fs, r.ino, &inode, e);
	if (x < 0)
		return x;
	if (LINUX_S_ISDIR(inode.i_mode) || !r.name[0])
		return vu_err_set(e, EISDIR, "%s", "");
	x = unlink_entry(FS(g, r.pfs), r.pdir, r.name, r.ino, e);
	if (x == 0)
		x = drop_link(FS(g, r.fs), r.ino, e);
	return x;
}

static int count_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
		       int blocksize, char *buf, void *priv)
{
	int *n = priv;

	(void)dir;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry != DIRENT_DOT_FILE && entry != DIRENT_DOT_DOT_FILE && !guest_dot_entry(d)) {
		(*n)++;
		return DIRENT_ABORT;
	}
	return 0;
}

static int dir_empty(ext2_filsys fs, ext2_ino_t ino, struct vu_err *e)
{
	int n = 0;
	errcode_t err = ext2fs_dir_iterate2(fs, ino, 0, NULL, count_entry, &n);

	if (err)
		return ext_err(err, e);
	return n ? vu_err_set(e, ENOTEMPTY, "%s", "") : 0;
}

/* Removes the empty directory r names from its parent. */
static int remove_dir(struct vu_guest *g, const struct gres *r, struct vu_err *e)
{
	ext2_filsys fs = FS(g, r->fs);
	struct ext2_inode parent;
	int x = dir_empty(fs, r->ino, e);

	if (x == 0)
		x = unlink_entry(fs, r->pdir, r->name, r->ino, e);
	if (x == 0)
		x = iget(g, r->pfs, r->pdir, &parent, e);
	if (x < 0)
		return x;
	/* 1 means "more than the field holds" (dir_nlink): left as it is. */
	if (parent.i_links_count > 2)
		parent.i_links_count--;
	parent.i_mtime = parent.i_ctime = now32();
	x = iput(g, r->pfs, r->pdir, &parent, e);
	if (x == 0)
		x = free_inode(fs, r->ino, true, e);
	return x;
}

int vu_guest_rmdir(struct vu_guest *g, const char *path, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_rmdir(g, path, e);
	struct ext2_inode inode;
	struct gres r;
	int x = need_rw(g, e);

	if (x == 0)
		x = walk_obj(g, path, false, &r, e);
	if (x == 0)
		x = iget(g, r.fs, r.ino, &inode, e);
	if (x < 0)
		return x;
	if (!LINUX_S_ISDIR(inode.i_mode))
		return vu_err_set(e, ENOTDIR, "%s", "");
	if (r.mnt || !r.name[0])
		return vu_err_set(e, EBUSY, "%s", "");
	return remove_dir(g, &r, e);
}

/* ---- creating ---- */

static int new_dir(struct vu_guest *g, const struct gres *r, int mode, struct vu_err *e)
{
	ext2_filsys fs = FS(g, r->pfs);
	struct ext2_inode inode;
	ext2_ino_t ino;
	errcode_t err;
	int x;

	err = ext2fs_mkdir(fs, r->pdir, 0, r->name);
	if (err == EXT2_ET_DIR_NO_SPACE) {
		err = ext2fs_expand_dir(fs, r->pdir);
		if (!err)
			err = ext2fs_mkdir(fs, r->pdir, 0, r->name);
	}
	if (!err)
		err = ext2fs_lookup(fs, r->pdir, r->name, (int)strlen(r->name), NULL, &ino);
	if (err)
		return ext_err(err, e);
	x = iget(g, r->pfs, ino, &inode, e);
	if (x < 0)
		return x;
	inode.i_mode = (uint16_t)(LINUX_S_IFDIR | ((mode < 0 ? 0755 : mode) & 07777));
	set_owner(&inode, 0, 0);
	inode.i_atime = inode.i_mtime = inode.i_ctime = now32();
	return iput(g, r->pfs, ino, &inode, e);
}

int vu_guest_mkdir(struct vu_guest *g, const char *path, int mode, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_mkdir(g, path, mode, e);
	struct gres r;
	int x = need_rw(g, e);

	if (x == 0)
		x = guest_walk(g, path, false, &r, e);
	if (x < 0)
		return x;
	if (r.ino || !r.name[0])
		return vu_err_set(e, EEXIST, "%s", "");
	return new_dir(g, &r, mode, e);
}

int vu_guest_mkdir_p(struct vu_guest *g, const char *path, int mode, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_mkdir_p(g, path, mode, e);
	size_t len = strlen(path);
	char *p;
	int x = need_rw(g, e);

	if (x < 0)
		return x;
	if (path[0] != '/')
		return vu_err_set(e, EINVAL, "not an absolute path");
	p = strdup(path);
	if (!p)
		return vu_err_set(e, ENOMEM, "%s", "");
	for (size_t i = 1; i <= len && x == 0; i++) {
		struct ext2_inode inode;
		struct gres r;
		char c = p[i];

		if (c != '/' && c != '\0')
			continue;
		if (p[i - 1] == '/')
			continue;
		p[i] = '\0';
		x = guest_walk(g, p, true, &r, e);
		if (x == 0 && !r.ino)
			x = new_dir(g, &r, mode, e);
		else if (x == 0) {
			x = iget(g, r.fs, r.ino, &inode, e);
			if (x == 0 && !LINUX_S_ISDIR(inode.i_mode))
				x = vu_err_set(e, ENOTDIR, "%s", "");
		}
		p[i] = c;
	}
	free(p);
	return x;
}

int vu_guest_symlink(struct vu_guest *g, const char *target, const char *linkpath,
		     struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_symlink(g, target, linkpath, e);
	struct gres r;
	ext2_filsys fs;
	errcode_t err;
	int x = need_rw(g, e);

	if (x == 0)
		x = guest_walk(g, linkpath, false, &r, e);
	if (x < 0)
		return x;
	if (r.ino || !r.name[0])
		return vu_err_set(e, EEXIST, "%s", "");
	fs = FS(g, r.pfs);
	if (!*target || strlen(target) >= fs->blocksize)
		return vu_err_set(e, *target ? ENAMETOOLONG : ENOENT, "%s", "");
	err = ext2fs_symlink(fs, r.pdir, 0, r.name, target);
	if (err == EXT2_ET_DIR_NO_SPACE) {
		err = ext2fs_expand_dir(fs, r.pdir);
		if (!err)
			err = ext2fs_symlink(fs, r.pdir, 0, r.name, target);
	}
	return err ? ext_err(err, e) : 0;
}

/* ---- attributes ---- */

static int change(struct vu_guest *g, const char *path, bool follow, int mode, long uid,
		  long gid, struct vu_err *e)
{
	struct ext2_inode inode;
	struct gres r;
	int x = need_rw(g, e);

	if (x == 0)
		x = walk_obj(g, path, follow, &r, e);
	if (x == 0)
		x = iget(g, r.fs, r.ino, &inode, e);
	if (x < 0)
		return x;
	if (mode >= 0)
		inode.i_mode = (uint16_t)((inode.i_mode & ~07777) | (mode & 07777));
	set_owner(&inode, uid, gid);
	inode.i_ctime = now32();
	return iput(g, r.fs, r.ino, &inode, e);
}

int vu_guest_chmod(struct vu_guest *g, const char *path, int mode, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_change(g, path, mode, 0, 0, -1, e);
	if (mode < 0)
		return vu_err_set(e, EINVAL, "%s", "");
	return change(g, path, true, mode, -1, -1, e);
}

int vu_guest_chown(struct vu_guest *g, const char *path, long uid, long gid,
		   struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_change(g, path, VU_GUEST_KEEP, uid, gid, -1, e);
	return change(g, path, true, -1, uid, gid, e);
}

int vu_guest_lchown(struct vu_guest *g, const char *path, long uid, long gid,
		    struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_lchown(g, path, uid, gid, e);
	return change(g, path, false, -1, uid, gid, e);
}
