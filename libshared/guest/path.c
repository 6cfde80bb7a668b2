/* SPDX-License-Identifier: GPL-2.0-or-later */
/* path.c - guest paths to inodes, the way the guest's kernel would walk
 * them but inside the guest's tree only: the walk keeps the stack of
 * directories it went through, so ".." pops (and stops at the root), an
 * absolute link restarts at the guest's root, and mount points switch to
 * the filesystem mounted there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_int.h"

#define MAX_REST 65536
#define MAX_CANON 4096

struct frame {
	int fs;
	ext2_ino_t ino;
	size_t clen;	/* canon length at this depth */
};

struct walk {
	struct frame *st;
	size_t depth, cap;
	char canon[MAX_CANON];
};

int guest_mount_at(const struct vu_guest *g, const char *canon)
{
	for (size_t i = g->nmnt; i-- > 0;)
		if (!strcmp(g->mnt[i].path, canon))
			return g->mnt[i].fs;
	return -1;
}

static int push(struct walk *w, int fs, ext2_ino_t ino, const char *name, size_t nlen)
{
	size_t clen = w->st[w->depth - 1].clen;

	if (clen + 1 + nlen >= MAX_CANON)
		return -ENAMETOOLONG;
	if (w->depth == w->cap) {
		struct frame *n = realloc(w->st, 2 * w->cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		w->st = n;
		w->cap *= 2;
	}
	w->canon[clen] = '/';
	memcpy(w->canon + clen + 1, name, nlen);
	w->canon[clen + 1 + nlen] = '\0';
	w->st[w->depth++] = (struct frame){ fs, ino, clen + 1 + nlen };
	return 0;
}

static int lookup(struct vu_guest *g, const struct frame *dir, const char *name, size_t nlen,
		  ext2_ino_t *ino, struct ext2_inode *inode)
{
	ext2_filsys fs = g->fs[dir->fs].efs;
	struct ext2_inode d;
	errcode_t err;

	err = ext2fs_read_inode(fs, dir->ino, &d);
	if (err)
		return guest_ext_err(err, NULL);
	if (!LINUX_S_ISDIR(d.i_mode))
		return -ENOTDIR;
	err = ext2fs_lookup(fs, dir->ino, name, (int)nlen, NULL, ino);
	if (err == EXT2_ET_FILE_NOT_FOUND)
		return -ENOENT;
	if (!err)
		err = ext2fs_read_inode(fs, *ino, inode);
	return err ? guest_ext_err(err, NULL) : 0;
}

/* rest becomes target + "/" + tail (tail points into rest). */
static int splice_link(char **rest, const char *target, const char *tail)
{
	size_t tl = strlen(target), rl = strlen(tail);
	char *n;

	if (tl + rl + 2 > MAX_REST)
		return -ENAMETOOLONG;
	n = malloc(tl + rl + 2);
	if (!n)
		return -ENOMEM;
	memcpy(n, target, tl);
	n[tl] = '/';
	memcpy(n + tl + 1, tail, rl + 1);
	free(*rest);
	*rest = n;
	return 0;
}

static void result(struct gres *r, const struct walk *w, int fs, ext2_ino_t ino)
{
	const struct frame *top = &w->st[w->depth - 1];

	r->fs = fs;
	r->ino = ino;
	memcpy(r->canon, w->canon, top->clen + 1);
	if (!r->canon[0])
		strcpy(r->canon, "/");
}

/* The walk proper; w holds the root frame. */
static int walk(struct vu_guest *g, struct walk *w, char **rest, bool follow, struct gres *r)
{
	unsigned links = 0;
	size_t pos = 0;

	for (;;) {
		char *s = *rest + pos, *c, *end;
		struct ext2_inode inode;
		struct frame *top = &w->st[w->depth - 1];
		size_t nlen;
		bool last, dir_slash;
		ext2_ino_t ino;
		int m, x;

		while (*s == '/')
			s++;
		if (!*s) {
			/* The path ended on a directory of the stack. */
			r->pfs = top->fs;
			r->pdir = top->ino;
			r->name[0] = '\0';
			r->mnt = top->ino == EXT2_ROOT_INO;
			result(r, w, top->fs, top->ino);
			return 0;
		}
		c = s;
		end = strchr(c, '/');
		nlen = end ? (size_t)(end - c) : strlen(c);
		if (nlen > EXT2_NAME_LEN)
			return -ENAMETOOLONG;
		s = c + nlen;
		dir_slash = *s == '/';
		while (*s == '/')
			s++;
		last = !*s;
		pos = (size_t)(s - *rest);
		if (nlen == 1 && c[0] == '.')
			continue;
		if (nlen == 2 && c[0] == '.' && c[1] == '.') {
			if (w->depth > 1)
				w->depth--;
			w->canon[w->st[w->depth - 1].clen] = '\0';
			continue;
		}
		x = lookup(g, top, c, nlen, &ino, &inode);
		if (x == -ENOENT && last) {
			r->pfs = top->fs;
			r->pdir = top->ino;
			memcpy(r->name, c, nlen);
			r->name[nlen] = '\0';
			r->mnt = false;
			x = push(w, top->fs, 0, c, nlen);
			if (x < 0)
				return x;
			result(r, w, top->fs, 0);
			return 0;
		}
		if (x < 0)
			return x;
		if (LINUX_S_ISLNK(inode.i_mode) && (!last || follow || dir_slash)) {
			char *target = NULL;

			if (++links > GUEST_MAX_LINKS)
				return -ELOOP;
			x = guest_ext_readlink(g->fs[top->fs].efs, ino, &target);
			if (x == 0)
				x = splice_link(rest, target, s);
			free(target);
			if (x < 0)
				return x;
			pos = 0;
			if ((*rest)[0] == '/') {
				w->depth = 1;
				w->canon[0] = '\0';
			}
			continue;
		}
		r->pfs = top->fs;
		r->pdir = top->ino;
		memcpy(r->name, c, nlen);
		r->name[nlen] = '\0';
		x = push(w, top->fs, ino, c, nlen);
		if (x < 0)
			return x;
		m = guest_mount_at(g, w->canon);
		r->mnt = m >= 0;
		if (m >= 0) {
			w->st[w->depth - 1].fs = m;
			w->st[w->depth - 1].ino = EXT2_ROOT_INO;
		}
		if (last) {
			result(r, w, w->st[w->depth - 1].fs, w->st[w->depth - 1].ino);
			return 0;
		}
	}
}

int guest_walk(struct vu_guest *g, const char *path, bool follow, struct gres *r,
	       struct vu_err *e)
{
	struct walk w = { 0 };
	char *rest;
	int x;

	memset(r, 0, sizeof(*r));
	if (!g->mounted || !g->nmnt)
		return vu_err_set(e, ENXIO, "nothing is mounted");
	if (path[0] != '/')
		return vu_err_set(e, EINVAL, "not an absolute path");
	if (strlen(path) >= MAX_REST)
		return vu_err_set(e, ENAMETOOLONG, "%s", "");
	rest = strdup(path);
	w.cap = 16;
	w.st = malloc(w.cap * sizeof(*w.st));
	if (!rest || !w.st) {
		free(rest);
		free(w.st);
		return vu_err_set(e, ENOMEM, "%s", "");
	}
	w.st[0] = (struct frame){ g->mnt[0].fs, EXT2_ROOT_INO, 0 };
	w.depth = 1;
	x = walk(g, &w, &rest, follow, r);
	free(rest);
	free(w.st);
	if (x < 0)
		return vu_err_set(e, -x, "%s", "");
	return 0;
}
