/* SPDX-License-Identifier: GPL-2.0-or-later */
/* treeops.c - what works on whole directories: readdir, glob, rm -rf,
 * rename */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_int.h"

#define GLOB_MAX_RESULTS 1000000

/* ---- readdir ---- */

struct dlist {
	struct vu_guest_dirent *v;
	size_t n, cap;
	ext2_filsys fs;
	int err;
};

static unsigned char dt_of_ft(int ft)
{
	switch (ft) {
	case EXT2_FT_REG_FILE: return DT_REG;
	case EXT2_FT_DIR: return DT_DIR;
	case EXT2_FT_CHRDEV: return DT_CHR;
	case EXT2_FT_BLKDEV: return DT_BLK;
	case EXT2_FT_FIFO: return DT_FIFO;
	case EXT2_FT_SOCK: return DT_SOCK;
	case EXT2_FT_SYMLINK: return DT_LNK;
	default: return DT_UNKNOWN;
	}
}

static unsigned char dt_of_mode(unsigned mode)
{
	if (LINUX_S_ISREG(mode))
		return DT_REG;
	if (LINUX_S_ISDIR(mode))
		return DT_DIR;
	if (LINUX_S_ISLNK(mode))
		return DT_LNK;
	if (LINUX_S_ISCHR(mode))
		return DT_CHR;
	if (LINUX_S_ISBLK(mode))
		return DT_BLK;
	if (LINUX_S_ISFIFO(mode))
		return DT_FIFO;
	if (LINUX_S_ISSOCK(mode))
		return DT_SOCK;
	return DT_UNKNOWN;
}

static int add_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
		     int blocksize, char *buf, void *priv)
{
	struct dlist *l = priv;
	size_t nlen = ext2fs_dirent_name_len(d);
	unsigned char type;

	(void)dir;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || guest_dot_entry(d))
		return 0;
	type = dt_of_ft(ext2fs_dirent_file_type(d));
	if (type == DT_UNKNOWN) {
		struct ext2_inode inode;

		if (ext2fs_read_inode(l->fs, d->inode, &inode) == 0)
			type = dt_of_mode(inode.i_mode);
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct vu_guest_dirent *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = strndup(d->name, nlen);
	if (!l->v[l->n].name)
		goto nomem;
	l->v[l->n++].type = type;
	return 0;
nomem:
	l->err = -ENOMEM;
	return DIRENT_ABORT;
}

void vu_guest_dirents_free(struct vu_guest_dirent *ents, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
}

/* The directory at r (already walked). */
static int list_dir(struct vu_guest *g, const struct gres *r, struct vu_guest_dirent **ents,
		    size_t *n, struct vu_err *e)
{
	struct dlist l = { .fs = g->fs[r->fs].efs };
	struct ext2_inode inode;
	errcode_t err;

	err = ext2fs_read_inode(l.fs, r->ino, &inode);
	if (err)
		return guest_ext_err(err, e);
	if (!LINUX_S_ISDIR(inode.i_mode))
		return vu_err_set(e, ENOTDIR, "%s", "");
	err = ext2fs_dir_iterate2(l.fs, r->ino, 0, NULL, add_entry, &l);
	if (err || l.err) {
		vu_guest_dirents_free(l.v, l.n);
		return err ? guest_ext_err(err, e) : vu_err_set(e, -l.err, "%s", "");
	}
	*ents = l.v;
	*n = l.n;
	return 0;
}

int vu_guest_readdir(struct vu_guest *g, const char *path, struct vu_guest_dirent **ents,
		     size_t *n, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_readdir(g, path, ents, n, e);
	struct gres r;
	int x = guest_walk(g, path, true, &r, e);

	*ents = NULL;
	*n = 0;
	if (x == 0 && !r.ino)
		x = vu_err_set(e, ENOENT, "%s", "");
	if (x < 0)
		return x;
	return list_dir(g, &r, ents, n, e);
}

/* ---- glob ---- */

struct globber {
	struct vu_guest *g;
	char **v;
	size_t n, cap;
	char **comp;
	size_t ncomp;
	int err;
};

static int gl_add(struct globber *gl, const char *path)
{
	if (gl->n >= GLOB_MAX_RESULTS)
		return -E2BIG;
	if (gl->n == gl->cap) {
		size_t cap = gl->cap ? 2 * gl->cap : 16;
		char **v = realloc(gl->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		gl->v = v;
		gl->cap = cap;
	}
	gl->v[gl->n] = strdup(*path ? path : "/");
	if (!gl->v[gl->n])
		return -ENOMEM;
	gl->n++;
	return 0;
}

static bool has_magic(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

static bool is_dir(struct vu_guest *g, const char *path)
{
	struct vu_guest_stat st;

	return vu_guest_stat(g, path, &st, NULL) == 0 && LINUX_S_ISDIR(st.mode);
}

static char *join(const char *base, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", base, name) < 0)
		return NULL;
	return p;
}

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(((const struct vu_guest_dirent *)a)->name,
		      ((const struct vu_guest_dirent *)b)->name);
}

/* Matches components idx.. below base ("" for the root). */
static int gl_expand(struct globber *gl, const char *base, size_t idx)
{
	const char *comp = gl->comp[idx];
	bool last = idx + 1 == gl->ncomp;
	struct vu_guest_dirent *ents = NULL;
	size_t n = 0;
	int x = 0;

	if (!has_magic(comp)) {
		char *p = join(base, comp);

		if (!p)
			return -ENOMEM;
		if (last && vu_guest_exists(gl->g, p))
			x = gl_add(gl, p);
		else if (!last && is_dir(gl->g, p))
			x = gl_expand(gl, p, idx + 1);
		free(p);
		return x;
	}
	if (vu_guest_readdir(gl->g, *base ? base : "/", &ents, &n, NULL) < 0)
		return 0;
	if (n)	/* an empty directory's list is NULL */
		qsort(ents, n, sizeof(*ents), cmp_dirent);
	for (size_t i = 0; i < n && x == 0; i++) {
		char *p;

		if (fnmatch(comp, ents[i].name, FNM_PATHNAME | FNM_PERIOD))
			continue;
		p = join(base, ents[i].name);
		if (!p) {
			x = -ENOMEM;
			break;
		}
		if (last)
			x = gl_add(gl, p);
		else if (is_dir(gl->g, p))
			x = gl_expand(gl, p, idx + 1);
		free(p);
	}
	vu_guest_dirents_free(ents, n);
	return x;
}

void vu_guest_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vu_guest_glob(struct vu_guest *g, const char *pattern, char ***paths, size_t *n,
		  struct vu_err *e)
{
	struct globber gl = { .g = g };
	char *copy, *save = NULL;
	int x = 0;

	*paths = NULL;
	*n = 0;
	if (pattern[0] != '/')
		return vu_err_set(e, EINVAL, "not an absolute pattern");
	copy = strdup(pattern);
	gl.comp = calloc(strlen(pattern) / 2 + 2, sizeof(*gl.comp));
	if (!copy || !gl.comp) {
		free(copy);
		free(gl.comp);
		return vu_err_set(e, ENOMEM, "%s", "");
	}
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		gl.comp[gl.ncomp++] = c;
	if (gl.ncomp == 0)
		x = gl_add(&gl, "/");
	else
		x = gl_expand(&gl, "", 0);
	free(copy);
	free(gl.comp);
	if (x < 0) {
		vu_guest_strv_free(gl.v, gl.n);
		return vu_err_set(e, -x, "%s", "");
	}
	if (gl.n)
		qsort(gl.v, gl.n, sizeof(*gl.v), cmp_str);
	*paths = gl.v;
	*n = gl.n;
	return 0;
}

/* ---- rm -rf ---- */

static int rm_tree(struct vu_guest *g, const char *path, unsigned depth, struct vu_err *e)
{
	struct vu_guest_dirent *ents = NULL;
	struct vu_guest_stat st;
	struct gres r;
	size_t n = 0;
	int x;

	if (depth > 4096)
		return vu_err_set(e, ELOOP, "%s", "");
	x = guest_walk(g, path, false, &r, e);
	if (x < 0 || !r.ino)
		return x == -ENOENT ? 0 : x;
	x = vu_guest_lstat(g, path, &st, e);
	if (x < 0)
		return x;
	if (!LINUX_S_ISDIR(st.mode))
		return vu_guest_unlink(g, path, e);
	x = list_dir(g, &r, &ents, &n, e);
	for (size_t i = 0; i < n && x == 0; i++) {
		char *p = join(path, ents[i].name);

		x = p ? rm_tree(g, p, depth + 1, e) : vu_err_set(e, ENOMEM, "%s", "");
		free(p);
	}
	vu_guest_dirents_free(ents, n);
	if (x == 0 && !r.mnt)
		x = vu_guest_rmdir(g, path, e);
	return x;
}

int vu_guest_rm_rf(struct vu_guest *g, const char *path, struct vu_err *e)
{
	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_rm_rf(g, path, e);
	struct gres r;
	int x;

	if (!(g->flags & VU_GUEST_RDWR))
		return vu_err_set(e, EROFS, "%s", "");
	x = guest_walk(g, path, false, &r, e);
	if (x == -ENOENT)
		return 0;
	if (x < 0)
		return x;
	if (!strcmp(r.canon, "/"))
		return vu_err_set(e, EINVAL, "refusing to remove /");
	return rm_tree(g, path, 0, e);
}

/* ---- rename ---- */

struct dotdot {
	ext2_ino_t newparent;
	bool done;
};

static int set_dotdot(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
		      int blocksize, char *buf, void *priv)
{
	struct dotdot *dd = priv;

	(void)dir;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry != DIRENT_DOT_DOT_FILE)
		return 0;
	d->inode = dd->newparent;
	dd->done = true;
	return DIRENT_CHANGED;
}

/* The ".." of directory ino becomes parent. An inline directory keeps
 * its parent's number in its first four bytes, which libext2fs's
 * iterator shows as ".." but does not write back. */
static errcode_t set_parent_dir(ext2_filsys fs, ext2_ino_t ino, ext2_ino_t parent)
{
	struct dotdot dd = { parent, false };
	struct ext2_inode inode;
	errcode_t err = ext2fs_read_inode(fs, ino, &inode);

	if (err)
		return err;
	if (inode.i_flags & EXT4_INLINE_DATA_FL) {
		inode.i_block[0] = ext2fs_cpu_to_le32(parent);
		return ext2fs_write_inode(fs, ino, &inode);
	}
	err = ext2fs_dir_iterate2(fs, ino, DIRENT_FLAG_INCLUDE_EMPTY, NULL, set_dotdot, &dd);
	if (!err && !dd.done)
		err = EXT2_ET_DIR_CORRUPTED;
	return err;
}

static int adjust_links(ext2_filsys fs, ext2_ino_t ino, int delta, struct vu_err *e)
{
	struct ext2_inode inode;
	errcode_t err = ext2fs_read_inode(fs, ino, &inode);

	if (!err) {
		if (delta < 0 && inode.i_links_count > 2)
			inode.i_links_count--;
		else if (delta > 0 && inode.i_links_count > 1 && inode.i_links_count < 65000)
			inode.i_links_count++;
		inode.i_mtime = inode.i_ctime = (uint32_t)time(NULL);
		err = ext2fs_write_inode(fs, ino, &inode);
	}
	return err ? guest_ext_err(err, e) : 0;
}

static int ftype_of(unsigned mode)
{
	if (LINUX_S_ISREG(mode))
		return EXT2_FT_REG_FILE;
	if (LINUX_S_ISDIR(mode))
		return EXT2_FT_DIR;
	if (LINUX_S_ISLNK(mode))
		return EXT2_FT_SYMLINK;
	if (LINUX_S_ISCHR(mode))
		return EXT2_FT_CHRDEV;
	if (LINUX_S_ISBLK(mode))
		return EXT2_FT_BLKDEV;
	if (LINUX_S_ISFIFO(mode))
		return EXT2_FT_FIFO;
	if (LINUX_S_ISSOCK(mode))
		return EXT2_FT_SOCK;
	return EXT2_FT_UNKNOWN;
}

/* Whether b is a or below it, as canonical paths. */
static bool below(const char *a, const char *b)
{
	size_t l = strlen(a);

	return !strncmp(a, b, l) && (b[l] == '\0' || b[l] == '/');
}

/* Whether o may take n's place, as rename(2) decides; an existing n of
 * the same kind is removed. *oi is o's inode. */
static int make_room(struct vu_guest *g, const struct gres *o, const struct gres *n,
		     const char *newpath, struct ext2_inode *oi, struct vu_err *e)
{
	ext2_filsys fs = g->fs[o->fs].efs;
	struct ext2_inode ni;
	errcode_t err;
	bool dir;

	if (o->mnt || n->mnt || !o->name[0] || !n->name[0])
		return vu_err_set(e, EBUSY, "%s", "");
	if (o->pfs != n->pfs)
		return vu_err_set(e, EXDEV, "%s", "");
	err = ext2fs_read_inode(fs, o->ino, oi);
	if (err)
		return guest_ext_err(err, e);
	dir = LINUX_S_ISDIR(oi->i_mode);
	if (dir && below(o->canon, n->canon))
		return vu_err_set(e, EINVAL, "%s", "");
	if (!n->ino)
		return 0;
	err = ext2fs_read_inode(fs, n->ino, &ni);
	if (err)
		return guest_ext_err(err, e);
	if (dir != LINUX_S_ISDIR(ni.i_mode))
		return vu_err_set(e, dir ? ENOTDIR : EISDIR, "%s", "");
	return dir ? vu_guest_rmdir(g, newpath, e) : vu_guest_unlink(g, newpath, e);
}

/* The entry moves; a directory moved to another parent gets its ".." and
 * both parents their link counts. */
static int move_entry(ext2_filsys fs, const struct gres *o, const struct gres *n,
		      const struct ext2_inode *oi, struct vu_err *e)
{
	errcode_t err = guest_link(fs, n->pdir, n->name, o->ino, ftype_of(oi->i_mode));
	int x;

	if (!err)
		err = ext2fs_unlink(fs, o->pdir, o->name, o->ino, 0);
	if (err)
		return guest_ext_err(err, e);
	if (LINUX_S_ISDIR(oi->i_mode) && o->pdir != n->pdir) {
		err = set_parent_dir(fs, o->ino, n->pdir);
		if (err)
			return guest_ext_err(err, e);
		x = adjust_links(fs, o->pdir, -1, e);
		return x < 0 ? x : adjust_links(fs, n->pdir, +1, e);
	}
	x = adjust_links(fs, o->pdir, 0, e);
	if (x == 0 && o->pdir != n->pdir)
		x = adjust_links(fs, n->pdir, 0, e);
	return x;
}

int vu_guest_rename(struct vu_guest *g, const char *oldpath, const char *newpath,
		    struct vu_err *e)
{
	struct ext2_inode oi;
	struct gres o, n;
	int x;

	if (g->dirmode)	/* the appliance: a mounted tree */
		return gdir_rename(g, oldpath, newpath, e);
	if (!(g->flags & VU_GUEST_RDWR))
		return vu_err_set(e, EROFS, "%s", "");
	x = guest_walk(g, oldpath, false, &o, e);
	if (x == 0 && !o.ino)
		x = vu_err_set(e, ENOENT, "%s", "");
	if (x == 0)
		x = guest_walk(g, newpath, false, &n, e);
	if (x < 0)
		return x;
	if (n.ino == o.ino && n.fs == o.fs)
		return 0;
	x = make_room(g, &o, &n, newpath, &oi, e);
	return x < 0 ? x : move_entry(g->fs[o.fs].efs, &o, &n, &oi, e);
}
