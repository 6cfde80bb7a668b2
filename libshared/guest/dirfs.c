/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dirfs.c - the directory backend of vu/guestfs.h: the guest's tree already
 * mounted by a kernel (the appliance's /sysroot), reached by path
 * operations relative to its root. Every lookup goes through openat2 with
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, so an absolute link or ".." stays
 * inside the tree, as the guest's own kernel would resolve it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "vu/file.h"
#include "guest_int.h"

#define RESOLVE_GUEST (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

int vu_guest_open_dir(struct vu_guest **out, const char *root, unsigned flags,
		      struct vu_err *e)
{
	struct vu_guest *g = calloc(1, sizeof(*g));

	if (!g)
		return vu_err_set(e, ENOMEM, "%s", "");
	g->flags = flags;
	g->dirmode = true;
	g->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (g->rootfd < 0) {
		int x = errno;

		free(g);
		return vu_err_set(e, x, "%s: %s", root, strerror(x));
	}
	*out = g;
	return 0;
}

static int err(struct vu_err *e, int x)
{
	return vu_err_set(e, x, "%s", strerror(x));
}

/* Opens path (absolute guest path) inside the root; -errno. */
static int gopen(const struct vu_guest *g, const char *path, int oflags, mode_t mode)
{
	struct open_how how = { .flags = (uint64_t)oflags | O_CLOEXEC, .resolve = RESOLVE_GUEST };
	long fd;

	if (oflags & O_CREAT)
		how.mode = mode;
	while (*path == '/')
		path++;
	fd = syscall(SYS_openat2, g->rootfd, *path ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/*
 * The directory holding path's last component (opened O_PATH) and that
 * component in *base (inside buf); "/" has none: -EINVAL. A trailing
 * slash is dropped.
 */
static int gparent(const struct vu_guest *g, const char *path, char *buf, size_t size,
		   const char **base)
{
	char *slash;
	int fd;

	if (snprintf(buf, size, "%s", path) >= (int)size)
		return -ENAMETOOLONG;
	for (size_t n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	slash = strrchr(buf, '/');
	if (!slash || !slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return -EINVAL;
	*slash = '\0';
	*base = slash + 1;
	fd = gopen(g, buf, O_PATH | O_DIRECTORY, 0);
	return fd;
}

static int need_rw(const struct vu_guest *g, struct vu_err *e)
{
	return g->flags & VU_GUEST_RDWR ? 0 : err(e, EROFS);
}

int gdir_stat(struct vu_guest *g, const char *path, bool follow, struct vu_guest_stat *st,
	      struct vu_err *e)
{
	char buf[4096];
	const char *base;
	struct stat s;
	int dfd, x;

	if (follow || strspn(path, "/") == strlen(path)) {
		dfd = gopen(g, path, O_PATH, 0);
		if (dfd < 0)
			return err(e, -dfd);
		x = fstat(dfd, &s);
	} else {
		dfd = gparent(g, path, buf, sizeof(buf), &base);
		if (dfd < 0)
			return err(e, -dfd);
		x = fstatat(dfd, base, &s, AT_SYMLINK_NOFOLLOW);
	}
	x = x < 0 ? -errno : 0;
	close(dfd);
	if (x < 0)
		return err(e, -x);
	*st = (struct vu_guest_stat){ .mode = s.st_mode, .uid = s.st_uid, .gid = s.st_gid,
				      .size = (uint64_t)s.st_size, .nlink = (uint32_t)s.st_nlink,
				      .ino = s.st_ino, .fs = -1, .atime = s.st_atime,
				      .mtime = s.st_mtime, .ctime = s.st_ctime };
	return 0;
}

bool gdir_exists(struct vu_guest *g, const char *path)
{
	struct vu_guest_stat st;

	return gdir_stat(g, path, false, &st, NULL) == 0;
}

/*
 * What path leads to is a regular file (0), is missing (-ENOENT), or is
 * something else (-EISDIR, -EINVAL): looked at through O_PATH first, so a
 * device node or a FIFO in the guest's tree is never opened.
 */
static int regular(const struct vu_guest *g, const char *path)
{
	struct stat s;
	int fd = gopen(g, path, O_PATH, 0), x;

	if (fd < 0)
		return fd;
	if (fstat(fd, &s) < 0)
		x = -errno;
	else if (S_ISREG(s.st_mode))
		x = 0;
	else
		x = S_ISDIR(s.st_mode) ? -EISDIR : -EINVAL;
	close(fd);
	return x;
}

int gdir_read_file(struct vu_guest *g, const char *path, size_t max, char **buf, size_t *len,
		   struct vu_err *e)
{
	struct stat s;
	int fd = regular(g, path), x;

	if (fd == 0)
		fd = gopen(g, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return err(e, -fd);
	if (fstat(fd, &s) < 0 || !S_ISREG(s.st_mode)) {
		close(fd);
		return err(e, S_ISDIR(s.st_mode) ? EISDIR : EINVAL);
	}
	x = vu_read_all(fd, max, buf, len);
	close(fd);
	return x < 0 ? err(e, -x) : 0;
}

static int set_attrs(int fd, int mode, long uid, long gid)
{
	if (mode != VU_GUEST_KEEP && fchmod(fd, (mode_t)mode & 07777) < 0)
		return -errno;
	if ((uid != VU_GUEST_KEEP || gid != VU_GUEST_KEEP) &&
	    fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
		return -errno;
	return 0;
}

static int put(struct vu_guest *g, const char *path, const void *data, size_t len, int oflags,
	       int mode, long uid, long gid, struct vu_err *e)
{
	struct stat s;
	int fd, x;

	if ((x = need_rw(g, e)) < 0)
		return x;
	/* O_NOFOLLOW is not wanted: a write follows a final link, as open(2). */
	x = regular(g, path);
	if (x < 0 && x != -ENOENT)
		return err(e, -x);
	fd = gopen(g, path, O_WRONLY | O_CREAT | O_NONBLOCK | oflags, 0644);
	if (fd < 0)
		return err(e, -fd);
	if (fstat(fd, &s) < 0 || !S_ISREG(s.st_mode))
		x = S_ISDIR(s.st_mode) ? -EISDIR : -EINVAL;
	else if (oflags & O_TRUNC && ftruncate(fd, 0) < 0)
		x = -errno;
	else
		x = vu_write_all(fd, data, len);
	if (x == 0)
		x = set_attrs(fd, mode, uid, gid);
	if (close(fd) < 0 && x == 0)
		x = -errno;
	return x < 0 ? err(e, -x) : 0;
}

int gdir_write_file(struct vu_guest *g, const char *path, const void *data, size_t len,
		    int mode, long uid, long gid, struct vu_err *e)
{
	return put(g, path, data, len, O_TRUNC, mode, uid, gid, e);
}

int gdir_append(struct vu_guest *g, const char *path, const void *data, size_t len,
		struct vu_err *e)
{
	return put(g, path, data, len, O_APPEND, VU_GUEST_KEEP, VU_GUEST_KEEP, VU_GUEST_KEEP,
		   e);
}

int gdir_touch(struct vu_guest *g, const char *path, struct vu_err *e)
{
	int fd, x;

	if ((x = need_rw(g, e)) < 0)
		return x;
	fd = gopen(g, path, O_WRONLY | O_CREAT | O_NONBLOCK, 0644);
	if (fd < 0 && fd != -EISDIR)
		return err(e, -fd);
	if (fd == -EISDIR)
		fd = gopen(g, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return err(e, -fd);
	x = futimens(fd, NULL) < 0 ? -errno : 0;
	close(fd);
	return x < 0 ? err(e, -x) : 0;
}

/* An operation on the last component, in its directory. */
enum at_op { AT_UNLINK, AT_RMDIR, AT_MKDIR, AT_SYMLINK, AT_READLINK, AT_LCHOWN };

static int at(struct vu_guest *g, enum at_op op, const char *path, const char *arg, int mode,
	      long uid, long gid, char **out, struct vu_err *e)
{
	char buf[4096], lnk[4097];
	const char *base;
	struct stat s;
	ssize_t n;
	int dfd = gparent(g, path, buf, sizeof(buf), &base), x = 0;

	if (dfd < 0)
		return err(e, -dfd);
	switch (op) {
	case AT_UNLINK:
		if (fstatat(dfd, base, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(s.st_mode))
			x = -EISDIR;
		else if (unlinkat(dfd, base, 0) < 0)
			x = -errno;
		break;
	case AT_RMDIR: x = unlinkat(dfd, base, AT_REMOVEDIR) < 0 ? -errno : 0; break;
	case AT_MKDIR: x = mkdirat(dfd, base, (mode_t)mode) < 0 ? -errno : 0; break;
	case AT_SYMLINK: x = symlinkat(arg, dfd, base) < 0 ? -errno : 0; break;
	case AT_READLINK:
		n = readlinkat(dfd, base, lnk, sizeof(lnk) - 1);
		if (n < 0)
			x = -errno;
		else if (!(*out = strndup(lnk, (size_t)n)))
			x = -ENOMEM;
		break;
	case AT_LCHOWN:
		x = fchownat(dfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
		break;
	}
	close(dfd);
	return x < 0 ? err(e, -x) : 0;
}

int gdir_unlink(struct vu_guest *g, const char *path, struct vu_err *e)
{
	int x = need_rw(g, e);

	return x < 0 ? x : at(g, AT_UNLINK, path, NULL, 0, 0, 0, NULL, e);
}

int gdir_rmdir(struct vu_guest *g, const char *path, struct vu_err *e)
{
	int x = need_rw(g, e);

	return x < 0 ? x : at(g, AT_RMDIR, path, NULL, 0, 0, 0, NULL, e);
}

int gdir_mkdir(struct vu_guest *g, const char *path, int mode, struct vu_err *e)
{
	int x = need_rw(g, e);

	return x < 0 ? x : at(g, AT_MKDIR, path, NULL, mode, 0, 0, NULL, e);
}

int gdir_symlink(struct vu_guest *g, const char *target, const char *linkpath,
		 struct vu_err *e)
{
	int x = need_rw(g, e);

	return x < 0 ? x : at(g, AT_SYMLINK, linkpath, target, 0, 0, 0, NULL, e);
}

int gdir_readlink(struct vu_guest *g, const char *path, char **target, struct vu_err *e)
{
	return at(g, AT_READLINK, path, NULL, 0, 0, 0, target, e);
}

int gdir_lchown(struct vu_guest *g, const char *path, long uid, long gid, struct vu_err *e)
{
	int x = need_rw(g, e);

	return x < 0 ? x : at(g, AT_LCHOWN, path, NULL, 0, uid, gid, NULL, e);
}

/* chmod, chown, truncate: on what path leads to (links followed), which is
 * opened O_PATH (a device node is not opened): chmod through its
 * /proc/self/fd link, chown with AT_EMPTY_PATH. */
int gdir_change(struct vu_guest *g, const char *path, int mode, long uid, long gid,
		int64_t size, struct vu_err *e)
{
	char proc[64];
	int fd, x;

	if ((x = need_rw(g, e)) < 0)
		return x;
	if (size >= 0) {
		if ((x = regular(g, path)) < 0)
			return err(e, -x);
		fd = gopen(g, path, O_WRONLY | O_NONBLOCK, 0);
	} else {
		fd = gopen(g, path, O_PATH, 0);
	}
	if (fd < 0)
		return err(e, -fd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (size >= 0)
		x = ftruncate(fd, size) < 0 ? -errno : 0;
	else if (mode != VU_GUEST_KEEP)
		x = chmod(proc, (mode_t)mode & 07777) < 0 ? -errno : 0;
	else
		x = fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0 ? -errno : 0;
	close(fd);
	return x < 0 ? err(e, -x) : 0;
}

int gdir_rename(struct vu_guest *g, const char *oldpath, const char *newpath, struct vu_err *e)
{
	char b1[4096], b2[4096];
	const char *n1, *n2;
	int d1, d2, x;

	if ((x = need_rw(g, e)) < 0)
		return x;
	d1 = gparent(g, oldpath, b1, sizeof(b1), &n1);
	if (d1 < 0)
		return err(e, -d1);
	d2 = gparent(g, newpath, b2, sizeof(b2), &n2);
	if (d2 < 0) {
		close(d1);
		return err(e, -d2);
	}
	x = renameat(d1, n1, d2, n2) < 0 ? -errno : 0;
	close(d1);
	close(d2);
	return x < 0 ? err(e, -x) : 0;
}

int gdir_zero_file(struct vu_guest *g, const char *path, struct vu_err *e)
{
	static const char zero[65536];
	struct stat s;
	int fd, x = need_rw(g, e);

	if (x < 0)
		return x;
	if ((x = regular(g, path)) < 0)
		return err(e, -x);
	fd = gopen(g, path, O_WRONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return err(e, -fd);
	if (fstat(fd, &s) < 0 || !S_ISREG(s.st_mode))
		x = -EINVAL;
	for (off_t off = 0; x == 0 && off < s.st_size; off += (off_t)sizeof(zero)) {
		size_t n = (size_t)(s.st_size - off) < sizeof(zero) ? (size_t)(s.st_size - off)
								    : sizeof(zero);

		if (pwrite(fd, zero, n, off) != (ssize_t)n)
			x = -EIO;
	}
	if (x == 0 && fsync(fd) < 0)
		x = -errno;
	close(fd);
	return x < 0 ? err(e, -x) : 0;
}

int gdir_readdir(struct vu_guest *g, const char *path, struct vu_guest_dirent **ents,
		 size_t *n, struct vu_err *e)
{
	struct vu_guest_dirent *v = NULL;
	size_t cnt = 0;
	struct dirent *d;
	int fd = gopen(g, path, O_RDONLY | O_DIRECTORY, 0), x = 0;
	DIR *dir;

	if (fd < 0)
		return err(e, -fd);
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return err(e, ENOMEM);
	}
	while (x == 0 && (d = readdir(dir))) {
		struct vu_guest_dirent *nv;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || !(nv[cnt].name = strdup(d->d_name))) {
			v = nv ? nv : v;
			x = -ENOMEM;
			break;
		}
		v = nv;
		v[cnt++].type = d->d_type;
	}
	closedir(dir);
	if (x < 0) {
		vu_guest_dirents_free(v, cnt);
		return err(e, -x);
	}
	*ents = v;
	*n = cnt;
	return 0;
}

static int rm_tree(struct vu_guest *g, const char *path, unsigned depth, struct vu_err *e)
{
	struct vu_guest_dirent *ents = NULL;
	struct vu_guest_stat st;
	size_t n = 0;
	int x = gdir_stat(g, path, false, &st, e);

	if (x < 0 || depth > 4096)
		return x == -ENOENT ? 0 : x < 0 ? x : err(e, ELOOP);
	if (!S_ISDIR(st.mode))
		return gdir_unlink(g, path, e);
	x = gdir_readdir(g, path, &ents, &n, e);
	for (size_t i = 0; i < n && x == 0; i++) {
		char *p = NULL;

		if (asprintf(&p, "%s/%s", path, ents[i].name) < 0) {
			p = NULL;
			x = err(e, ENOMEM);
		} else {
			x = rm_tree(g, p, depth + 1, e);
		}
		free(p);
	}
	vu_guest_dirents_free(ents, n);
	if (x == 0) {
		x = gdir_rmdir(g, path, e);
		if (x == -EBUSY)	/* a mount point is emptied, not removed */
			x = 0;
	}
	return x;
}

int gdir_rm_rf(struct vu_guest *g, const char *path, struct vu_err *e)
{
	int x = need_rw(g, e);

	if (x < 0)
		return x;
	if (strspn(path, "/") == strlen(path))
		return vu_err_set(e, EINVAL, "refusing to remove /");
	return rm_tree(g, path, 0, e);
}

int gdir_mkdir_p(struct vu_guest *g, const char *path, int mode, struct vu_err *e)
{
	char buf[4096];
	int x = need_rw(g, e);

	if (x < 0)
		return x;
	if (path[0] != '/' || snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return err(e, EINVAL);
	for (size_t i = 1, len = strlen(buf); i <= len && x == 0; i++) {
		struct vu_guest_stat st;
		char c = buf[i];

		if ((c != '/' && c != '\0') || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		x = gdir_stat(g, buf, true, &st, NULL);
		if (x == -ENOENT)
			x = gdir_mkdir(g, buf, mode, e);
		else if (x < 0)
			x = err(e, -x);
		else if (!S_ISDIR(st.mode))
			x = err(e, ENOTDIR);
		buf[i] = c;
	}
	return x;
}
