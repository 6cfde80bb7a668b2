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

/* One component of the rest of the path, from *pos: its start and length;
 * *pos moves past it and its slashes. false at the end of the path. */
struct comp {
	const char *name;
	size_t len;
	bool last;	/* nothing but slashes follows */
	bool slash;	/* a slash follows: it must be a directory */
};

static bool next_comp(const char *rest, size_t *pos, struct comp *c)
{
	const char *s = rest + *pos;

	while (*s == '/')
		s++;
	if (!*s)
		return false;
	c->name = s;
	c->len = strcspn(s, "/");
	s += c->len;
	c->slash = *s == '/';
	while (*s == '/')
		s++;
	c->last = !*s;
	*pos = (size_t)(s - rest);
	return true;
}

static void set_parent(struct gres *r, const struct frame *dir, const struct comp *c)
{
	r->pfs = dir->fs;
	r->pdir = dir->ino;
	memcpy(r->name, c->name, c->len);
	r->name[c->len] = '\0';
}

/* The rest of the path becomes the link's text, then what followed the
 * link; an absolute link starts again at the guest's root. */
static int take_link(struct vu_guest *g, struct walk *w, char **rest, size_t *pos,
		     ext2_ino_t ino, unsigned *links)
{
	const struct frame *top = &w->st[w->depth - 1];
	char *target = NULL;
	int x;

	if (++*links > GUEST_MAX_LINKS)
		return -ELOOP;
	x = guest_ext_readlink(g->fs[top->fs].efs, ino, &target);
	if (x == 0)
		x = splice_link(rest, target, *rest + *pos);
	free(target);
	if (x < 0)
		return x;
	*pos = 0;
	if ((*rest)[0] == '/') {
		w->depth = 1;
		w->canon[0] = '\0';
	}
	return 0;
}

/* Steps into component c of directory top: a mount point switches to the
 * root of what is mounted there. */
static int enter(struct vu_guest *g, struct walk *w, const struct comp *c, ext2_ino_t ino,
		 struct gres *r)
{
	struct frame *f;
	int m, x = push(w, w->st[w->depth - 1].fs, ino, c->name, c->len);

	if (x < 0)
		return x;
	f = &w->st[w->depth - 1];
	m = guest_mount_at(g, w->canon);
	r->mnt = m >= 0;
	if (m >= 0) {
		f->fs = m;
		f->ino = EXT2_ROOT_INO;
	}
	return 0;
}

/* The walk proper; w holds the root frame. */
static int walk(struct vu_guest *g, struct walk *w, char **rest, bool follow, struct gres *r)
{
	unsigned links = 0;
	size_t pos = 0;
	struct comp c;

	while (next_comp(*rest, &pos, &c)) {
		const struct frame *top = &w->st[w->depth - 1];
		struct ext2_inode inode;
		ext2_ino_t ino;
		int x;

		if (c.len > EXT2_NAME_LEN)
			return -ENAMETOOLONG;
		if (c.len == 1 && c.name[0] == '.')
			continue;
		if (c.len == 2 && c.name[0] == '.' && c.name[1] == '.') {
			if (w->depth > 1)
				w->depth--;
			w->canon[w->st[w->depth - 1].clen] = '\0';
			continue;
		}
		x = lookup(g, top, c.name, c.len, &ino, &inode);
		if (x == -ENOENT && c.last) {
			set_parent(r, top, &c);
			r->mnt = false;
			/* push may move the stack: top is not used after it. */
			x = push(w, r->pfs, 0, c.name, c.len);
			if (x == 0)
				result(r, w, r->pfs, 0);
			return x;
		}
		if (x < 0)
			return x;
		if (LINUX_S_ISLNK(inode.i_mode) && (!c.last || follow || c.slash)) {
			x = take_link(g, w, rest, &pos, ino, &links);
			if (x < 0)
				return x;
			continue;
		}
		set_parent(r, top, &c);
		x = enter(g, w, &c, ino, r);
		if (x < 0)
			return x;
		if (c.last) {
			top = &w->st[w->depth - 1];
			result(r, w, top->fs, top->ino);
			return 0;
		}
	}
	/* The path ended on a directory of the stack: "/", "." or "..". */
	r->pfs = w->st[w->depth - 1].fs;
	r->pdir = w->st[w->depth - 1].ino;
	r->name[0] = '\0';
	r->mnt = r->pdir == EXT2_ROOT_INO;
	result(r, w, r->pfs, r->pdir);
	return 0;
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
