/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpio.c - newc cpio archives (initramfs) written with libarchive: single
 * entries, in-memory files, device nodes and whole directory trees */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "vu/cpio.h"

/* A tree deeper than this is a loop or a mistake, not an initramfs. */
#define CPIO_MAX_DEPTH 64

struct vu_cpio {
	struct archive *a;
	const char *what;	/* for messages: the archive's file */
	long ino;
};

int vu_cpio_open(struct vu_cpio **out, int fd, unsigned flags, const char *what,
		 struct vu_err *e)
{
	struct vu_cpio *c = calloc(1, sizeof(*c));
	int r = 0;

	*out = NULL;
	if (!c)
		return vu_err_set(e, ENOMEM, NULL);
	c->what = what ? what : "archive";
	c->a = archive_write_new();
	if (!c->a) {
		free(c);
		return vu_err_set(e, ENOMEM, NULL);
	}
	if (archive_write_set_format_cpio_newc(c->a) != ARCHIVE_OK ||
	    ((flags & VU_CPIO_GZIP) ? archive_write_add_filter_gzip(c->a)
				    : archive_write_add_filter_none(c->a)) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(c->a, 0) != ARCHIVE_OK ||
	    archive_write_open_fd(c->a, fd) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "%s: %s", c->what, archive_error_string(c->a));
	if (r < 0) {
		vu_cpio_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void vu_cpio_free(struct vu_cpio *c)
{
	if (!c)
		return;
	archive_write_free(c->a);
	free(c);
}

int vu_cpio_finish(struct vu_cpio *c, struct vu_err *e)
{
	int r = 0;

	/* close writes TRAILER!!! and flushes the filter */
	if (archive_write_close(c->a) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "%s: %s", c->what, archive_error_string(c->a));
	vu_cpio_free(c);
	return r;
}

static int cpio_name_ok(const char *name, struct vu_err *e)
{
	if (!name || !*name || name[0] == '/')
		return vu_err_set(e, EINVAL, "'%s': an archive member name must be relative",
				  name ? name : "");
	return 0;
}

/* Writes one header: type|perm, size, mtime, root-owned. */
static int cpio_header(struct vu_cpio *c, const char *name, mode_t mode, off_t size,
		       time_t mtime, const char *symlink, dev_t rdev, struct vu_err *e)
{
	struct archive_entry *ae;
	int r = cpio_name_ok(name, e);

	if (r < 0)
		return r;
	ae = archive_entry_new();
	if (!ae)
		return vu_err_set(e, ENOMEM, NULL);
	archive_entry_set_pathname(ae, name);
	archive_entry_set_mode(ae, mode);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_nlink(ae, S_ISDIR(mode) ? 2 : 1);
	archive_entry_set_ino(ae, ++c->ino);
	archive_entry_set_size(ae, size);
	archive_entry_set_mtime(ae, mtime, 0);
	if (symlink)
		archive_entry_set_symlink(ae, symlink);
	if (S_ISCHR(mode) || S_ISBLK(mode))
		archive_entry_set_rdev(ae, rdev);
	if (archive_write_header(c->a, ae) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "%s: %s: %s", c->what, name, archive_error_string(c->a));
	archive_entry_free(ae);
	return r;
}

static int cpio_write(struct vu_cpio *c, const char *name, const void *buf, size_t len,
		      struct vu_err *e)
{
	if (archive_write_data(c->a, buf, len) != (la_ssize_t)len)
		return vu_err_set(e, EIO, "%s: %s: %s", c->what, name, archive_error_string(c->a));
	return 0;
}

int vu_cpio_add_fd(struct vu_cpio *c, const char *name, int srcfd, off_t size, mode_t perm,
		   time_t mtime, struct vu_err *e)
{
	char buf[64 * 1024];
	off_t left = size;
	int r = cpio_header(c, name, S_IFREG | (perm & 07777), size, mtime, NULL, 0, e);

	/* exactly the size the header announced */
	while (r == 0 && left > 0) {
		ssize_t n = read(srcfd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vu_err_set(e, errno, "%s: %s", name, strerror(errno));
		if (n == 0)
			return vu_err_set(e, EIO, "%s: file shrank while being read", name);
		r = cpio_write(c, name, buf, (size_t)n, e);
		left -= n;
	}
	return r;
}

int vu_cpio_add_data(struct vu_cpio *c, const char *name, const void *data, size_t len,
		     mode_t perm, struct vu_err *e)
{
	int r = cpio_header(c, name, S_IFREG | (perm & 07777), (off_t)len, time(NULL), NULL, 0,
			    e);

	return r == 0 && len ? cpio_write(c, name, data, len, e) : r;
}

int vu_cpio_add_dir(struct vu_cpio *c, const char *name, mode_t perm, struct vu_err *e)
{
	return cpio_header(c, name, S_IFDIR | (perm & 07777), 0, time(NULL), NULL, 0, e);
}

int vu_cpio_add_symlink(struct vu_cpio *c, const char *name, const char *target,
			struct vu_err *e)
{
	return cpio_header(c, name, S_IFLNK | 0777, 0, time(NULL), target, 0, e);
}

int vu_cpio_add_node(struct vu_cpio *c, const char *name, mode_t type, mode_t perm, dev_t rdev,
		     struct vu_err *e)
{
	if (type != S_IFCHR && type != S_IFBLK)
		return vu_err_set(e, EINVAL, "%s: a device node is a character or block device",
				  name);
	return cpio_header(c, name, type | (perm & 07777), 0, time(NULL), NULL, rdev, e);
}

/* ---- directory trees ---- */

static int cpio_tree_dir(struct vu_cpio *c, int dfd, const char *host, const char *prefix,
			 int depth, struct vu_err *e);

/* Member name: prefix/name, or name at the top. */
static char *cpio_join(const char *prefix, const char *name)
{
	char *s;

	if (!prefix || !*prefix)
		return strdup(name);
	return asprintf(&s, "%s/%s", prefix, name) < 0 ? NULL : s;
}

static int cpio_tree_file(struct vu_cpio *c, int dfd, const char *host, const char *dname,
			  const char *member, const struct stat *st, struct vu_err *e)
{
	int fd = openat(dfd, dname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	int r;

	if (fd < 0)
		return vu_err_set(e, errno, "%s/%s: %s", host, dname, strerror(errno));
	r = vu_cpio_add_fd(c, member, fd, st->st_size, st->st_mode, st->st_mtim.tv_sec, e);
	close(fd);
	return r;
}

static int cpio_tree_link(struct vu_cpio *c, int dfd, const char *host, const char *dname,
			  const char *member, const struct stat *st, struct vu_err *e)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, dname, target, sizeof(target) - 1);

	if (n < 0)
		return vu_err_set(e, errno, "%s/%s: %s", host, dname, strerror(errno));
	target[n] = '\0';
	return cpio_header(c, member, S_IFLNK | 0777, 0, st->st_mtim.tv_sec, target, 0, e);
}

static int cpio_tree_one(struct vu_cpio *c, int dfd, const char *host, const char *dname,
			 const char *prefix, int depth, struct vu_err *e)
{
	struct stat st;
	char *member = cpio_join(prefix, dname);
	int r;

	if (!member)
		return vu_err_set(e, ENOMEM, NULL);
	if (fstatat(dfd, dname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = vu_err_set(e, errno, "%s/%s: %s", host, dname, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		r = cpio_tree_file(c, dfd, host, dname, member, &st, e);
	} else if (S_ISLNK(st.st_mode)) {
		r = cpio_tree_link(c, dfd, host, dname, member, &st, e);
	} else if (S_ISDIR(st.st_mode)) {
		r = cpio_header(c, member, S_IFDIR | (st.st_mode & 07777), 0, st.st_mtim.tv_sec,
				NULL, 0, e);
		if (r == 0) {
			int sub = openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

			if (sub < 0) {
				r = vu_err_set(e, errno, "%s/%s: %s", host, dname, strerror(errno));
			} else {
				char *subhost = cpio_join(host, dname);

				r = subhost ? cpio_tree_dir(c, sub, subhost, member, depth + 1, e)
					    : vu_err_set(e, ENOMEM, NULL);
				free(subhost);
				close(sub);
			}
		}
	} else {
		r = vu_err_set(e, EINVAL, "%s/%s: not a file, directory or symbolic link", host,
			       dname);
	}
	free(member);
	return r;
}

static int cpio_skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/* The entries of the directory dfd (left open), sorted by name. */
static int cpio_tree_dir(struct vu_cpio *c, int dfd, const char *host, const char *prefix,
			 int depth, struct vu_err *e)
{
	struct dirent **names = NULL;
	int n, r = 0;

	if (depth > CPIO_MAX_DEPTH)
		return vu_err_set(e, ELOOP, "%s: more than %d directories deep", host,
				  CPIO_MAX_DEPTH);
	n = scandirat(dfd, ".", &names, cpio_skip_dots, alphasort);
	if (n < 0)
		return vu_err_set(e, errno, "%s: %s", host, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = cpio_tree_one(c, dfd, host, names[i]->d_name, prefix, depth, e);
		free(names[i]);
	}
	free(names);
	return r;
}

int vu_cpio_add_tree(struct vu_cpio *c, const char *dir, const char *prefix, struct vu_err *e)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dfd < 0)
		return vu_err_set(e, errno, "%s: %s", dir, strerror(errno));
	if (prefix && *prefix)
		r = cpio_name_ok(prefix, e);
	else
		r = 0;
	if (r == 0)
		r = cpio_tree_dir(c, dfd, dir, prefix, 0, e);
	close(dfd);
	return r;
}
