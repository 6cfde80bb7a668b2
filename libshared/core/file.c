/* SPDX-License-Identifier: GPL-2.0-or-later */
/* file.c - files that appear under their name only when complete, full reads
 * and writes, fsync of directories, flock, and the rule for object names */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vu/file.h"

#define TMP_SUFFIX_LEN 6
#define TMP_TRIES 100
#define MAX_LINKS 40	/* as the kernel follows */
#define ACL_XATTR "system.posix_acl_access"

/*
 * Splits path into its directory ("." when there is none) and its last
 * component, both malloc'd. Trailing slashes are ignored, so the parent of
 * "a/b/" is "a".
 */
static int split_path(const char *path, char **dir, char **base)
{
	size_t len = strlen(path);
	const char *slash;

	while (len > 1 && path[len - 1] == '/')
		len--;
	slash = memrchr(path, '/', len);
	if (!slash)
		*dir = strdup(".");
	else if (slash == path)
		*dir = strdup("/");
	else
		*dir = strndup(path, (size_t)(slash - path));
	*base = slash ? strndup(slash + 1, len - (size_t)(slash + 1 - path))
		      : strndup(path, len);
	if (*dir && *base)
		return 0;
	free(*dir);
	free(*base);
	return -ENOMEM;
}

/* ".NAME.XXXXXX": hidden from listings and recognisable after a crash. The
 * name is shortened when needed so the result still fits NAME_MAX. */
static int hidden_name(const char *name, char **out)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[TMP_SUFFIX_LEN];
	int keep = (int)strnlen(name, NAME_MAX - TMP_SUFFIX_LEN - 2);
	int len;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return errno ? -errno : -EIO;
	len = asprintf(out, ".%.*s.XXXXXX", keep, name);
	if (len < 0)
		return -ENOMEM;
	for (int i = 0; i < TMP_SUFFIX_LEN; i++)
		(*out)[len - TMP_SUFFIX_LEN + i] = set[r[i] % (sizeof(set) - 1)];
	return 0;
}

static void release(struct vu_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	if (a->dirfd >= 0)
		close(a->dirfd);
	free(a->name);
	free(a->tmpname);
	free(a->path);
	*a = (struct vu_atomic){ .fd = -1, .dirfd = -1 };
}

/* The fallback when the filesystem has no O_TMPFILE: a hidden name. */
static int open_hidden(struct vu_atomic *a, mode_t mode)
{
	for (int i = 0; i < TMP_TRIES; i++) {
		char *tmp;
		int r = hidden_name(a->name, &tmp);

		if (r < 0)
			return r;
		a->fd = openat(a->dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       mode);
		if (a->fd >= 0) {
			a->tmpname = tmp;
			return 0;
		}
		r = -errno;
		free(tmp);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* EISDIR: kernel without O_TMPFILE; EOPNOTSUPP (or EINVAL on some):
 * filesystem without it. Anything else is a real error. */
static int tmpfile_unsupported(int err)
{
	return err == EOPNOTSUPP || err == EISDIR || err == EINVAL;
}

/* The pending file in a->dirfd: unnamed, or hidden without O_TMPFILE. */
static int open_pending(struct vu_atomic *a, mode_t mode)
{
	int r;

	a->fd = openat(a->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	if (a->fd >= 0)
		return 0;
	r = tmpfile_unsupported(errno) ? open_hidden(a, mode) : -errno;
	if (r < 0)
		release(a);
	return r;
}

int vu_atomic_open(struct vu_atomic *a, const char *path, mode_t mode)
{
	char *dir = NULL;
	int r;

	*a = (struct vu_atomic){ .fd = -1, .dirfd = -1 };
	if (!path || !*path)
		return -EINVAL;
	if (path[strlen(path) - 1] == '/')
		return -EISDIR;
	a->path = strdup(path);
	r = a->path ? split_path(path, &dir, &a->name) : -ENOMEM;
	if (r < 0)
		goto fail;
	if (!strcmp(a->name, ".") || !strcmp(a->name, "..")) {
		free(dir);
		r = -EISDIR;
		goto fail;
	}
	a->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (a->dirfd < 0) {
		r = -errno;
		goto fail;
	}
	return open_pending(a, mode);
fail:
	release(a);
	return r;
}

int vu_atomic_openat(struct vu_atomic *a, int dirfd, const char *name, const char *path,
		     mode_t mode)
{
	*a = (struct vu_atomic){ .fd = -1, .dirfd = -1 };
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	a->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (a->dirfd < 0)
		return -errno;
	a->name = strdup(name);
	a->path = strdup(path ? path : name);
	if (!a->name || !a->path) {
		release(a);
		return -ENOMEM;
	}
	return open_pending(a, mode);
}

/* Follows symbolic links from path to the name of what is, or will be,
 * the file itself (a dangling link names a new file, as open(O_CREAT)
 * makes it). */
static int follow_links(const char *path, char **out)
{
	char *cur = strdup(path);

	for (int i = 0; cur && i < MAX_LINKS; i++) {
		char target[PATH_MAX], *dir, *base, *next = NULL;
		struct stat sb;
		ssize_t n;
		int r;

		if (lstat(cur, &sb) < 0 || !S_ISLNK(sb.st_mode)) {
			*out = cur;
			return 0;
		}
		n = readlink(cur, target, sizeof(target) - 1);
		r = n < 0 ? -errno : split_path(cur, &dir, &base);
		free(cur);
		if (r < 0)
			return r;
		target[n] = '\0';
		if (target[0] == '/')
			cur = strdup(target);
		else if (asprintf(&next, "%s/%s", dir, target) >= 0)
			cur = next;
		else
			cur = NULL;
		free(dir);
		free(base);
	}
	if (!cur)
		return -ENOMEM;
	free(cur);
	return -ELOOP;
}

/* The replaced file's POSIX access ACL onto the new file, or none when it
 * has none (the directory's default ACL may have given the new one some). */
static int keep_acl(struct vu_atomic *a)
{
	char proc[64 + NAME_MAX];
	ssize_t n;
	void *buf;
	int r = 0;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", a->dirfd, a->name);
	n = lgetxattr(proc, ACL_XATTR, NULL, 0);
	if (n < 0 && (errno == ENODATA || errno == ENOTSUP)) {
		if (fremovexattr(a->fd, ACL_XATTR) < 0 && errno != ENODATA && errno != ENOTSUP)
			return -errno;
		return 0;
	}
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!(buf = malloc((size_t)n + 1)))
		return -ENOMEM;
	n = lgetxattr(proc, ACL_XATTR, buf, (size_t)n + 1);
	if (n < 0 || fsetxattr(a->fd, ACL_XATTR, buf, (size_t)n, 0) < 0)
		r = -errno;
	free(buf);
	return r;
}

/* The new file takes the owner, group, mode and ACL of the regular file
 * it replaces; nothing to do when there is none. */
static int keep_identity(struct vu_atomic *a)
{
	struct stat old, cur;

	if (fstatat(a->dirfd, a->name, &old, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(old.st_mode))
		return 0;
	if (fstat(a->fd, &cur) < 0)
		return -errno;
	/* chown first: it clears the set-id bits the chmod then gives back. */
	if ((cur.st_uid != old.st_uid || cur.st_gid != old.st_gid) &&
	    fchown(a->fd, old.st_uid, old.st_gid) < 0)
		return -errno;
	if (fchmod(a->fd, old.st_mode & 07777) < 0)
		return -errno;
	return keep_acl(a);
}

int vu_atomic_open_keep(struct vu_atomic *a, const char *path, mode_t mode)
{
	char *real = NULL;
	int r = path && *path ? follow_links(path, &real) : -EINVAL;

	if (r < 0) {
		*a = (struct vu_atomic){ .fd = -1, .dirfd = -1 };
		return r;
	}
	r = vu_atomic_open(a, real, mode);
	free(real);
	if (r < 0)
		return r;
	free(a->path);
	if (!(a->path = strdup(path))) {
		vu_atomic_abort(a);
		return -ENOMEM;
	}
	a->keep = true;
	/* Now, so that a file we could not give its owner back (a user
	 * overwriting another's) is refused before any work. */
	if ((r = keep_identity(a)) < 0)
		vu_atomic_abort(a);
	return r;
}

/*
 * Gives the unnamed file a name; fails with -EEXIST rather than replace.
 * Linking through /proc needs no privilege, AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH, so the latter is only the fallback without /proc.
 */
static int link_tmpfile(int fd, int dirfd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	return -errno;
}

/* linkat cannot replace a file: give the unnamed file a hidden name, and the
 * rename that follows does the replacing. */
static int link_hidden(struct vu_atomic *a)
{
	for (int i = 0; i < TMP_TRIES; i++) {
		char *tmp;
		int r = hidden_name(a->name, &tmp);

		if (r < 0)
			return r;
		r = link_tmpfile(a->fd, a->dirfd, tmp);
		if (r == 0) {
			a->tmpname = tmp;
			return 0;
		}
		free(tmp);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* For filesystems without RENAME_NOREPLACE: link() never replaces either. */
static int link_noreplace(struct vu_atomic *a)
{
	if (linkat(a->dirfd, a->tmpname, a->dirfd, a->name, 0) < 0)
		return -errno;
	unlinkat(a->dirfd, a->tmpname, 0);
	return 0;
}

static int rename_hidden(struct vu_atomic *a, bool replace)
{
	int r;

	if (replace)
		r = renameat(a->dirfd, a->tmpname, a->dirfd, a->name);
	else
		r = renameat2(a->dirfd, a->tmpname, a->dirfd, a->name, RENAME_NOREPLACE);
	if (r < 0 && !replace && (errno == EINVAL || errno == ENOSYS))
		r = link_noreplace(a);
	else if (r < 0)
		r = -errno;
	if (r == 0) {
		free(a->tmpname);
		a->tmpname = NULL;
	}
	return r;
}

static int publish(struct vu_atomic *a, bool replace)
{
	int r;

	if (!a->tmpname && !replace)
		return link_tmpfile(a->fd, a->dirfd, a->name);
	if (!a->tmpname) {
		r = link_hidden(a);
		if (r < 0)
			return r;
	}
	return rename_hidden(a, replace);
}

int vu_atomic_commit(struct vu_atomic *a, bool replace, bool sync)
{
	int r = 0;

	if (a->fd < 0 || a->dirfd < 0)
		return -EBADF;
	/* Again at the end: an owner's chmod meanwhile counts, and a write
	 * by a process without CAP_FSETID dropped any set-id bit. */
	if (a->keep && replace)
		r = keep_identity(a);
	if (r == 0)
		r = sync && fsync(a->fd) < 0 ? -errno : publish(a, replace);
	/* Nothing can be retried under the same name: clean up at once, so
	 * that a caller who returns early leaves nothing behind. */
	if (r < 0) {
		vu_atomic_abort(a);
		return r;
	}
	/* The name is there now; only its durability is at stake. */
	if (sync && fsync(a->dirfd) < 0)
		r = -errno;
	release(a);
	return r;
}

void vu_atomic_abort(struct vu_atomic *a)
{
	if (a->tmpname && a->dirfd >= 0)
		unlinkat(a->dirfd, a->tmpname, 0);
	release(a);
}

/* One loop for both: off < 0 writes at the file offset. */
static int write_loop(int fd, const char *p, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		if (off >= 0)
			off += n;
		len -= (size_t)n;
	}
	return 0;
}

int vu_write_all(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, -1);
}

int vu_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	/* pwrite's answer to a negative offset, not a write at the file's */
	return off < 0 && len > 0 ? -EINVAL : write_loop(fd, buf, len, off);
}

int vu_pread_all(int fd, void *buf, size_t len, off_t off, bool zero_fill)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 && !zero_fill)
			return -EIO;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t vu_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The buffer doubles from 4 KiB up to max + 1 bytes: one byte more than
 * allowed is how a file past max is told from one of exactly max. */
static int grow(char **buf, size_t *cap, size_t max)
{
	size_t want = *cap ? *cap * 2 : 4096;
	char *p;

	if (*cap > max)
		return -EFBIG;
	if (want > max + 1 || want < *cap)
		want = max + 1;
	p = realloc(*buf, want + 1);	/* + the NUL */
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = want;
	return 0;
}

int vu_read_all(int fd, size_t max, char **out, size_t *outlen)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	ssize_t got;
	int r = 0;

	if (max > SSIZE_MAX - 1)
		max = SSIZE_MAX - 1;
	do {
		if (n == cap && (r = grow(&buf, &cap, max)) < 0)
			break;
		got = vu_read_full(fd, buf + n, cap - n);
		if (got < 0)
			r = (int)got;
		else
			n += (size_t)got;
	} while (r == 0 && n == cap);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

int vu_path_absolute(const char *path, char **out)
{
	char *cwd;
	int r;

	*out = NULL;
	if (path[0] == '/') {
		*out = strdup(path);
		return *out ? 0 : -ENOMEM;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -errno;
	r = asprintf(out, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path);
	free(cwd);
	if (r < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vu_fsync_parent(const char *path)
{
	char *dir, *base;
	int fd, r = 0;

	if (!path || !*path)
		return -EINVAL;
	r = split_path(path, &dir, &base);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	free(base);
	return r;
}

int vu_lock(int fd, bool exclusive, bool nowait)
{
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (nowait ? LOCK_NB : 0);

	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int vu_unlock(int fd)
{
	return flock(fd, LOCK_UN) < 0 ? -errno : 0;
}

int vu_lock_path(const char *path, bool exclusive, bool nowait)
{
	/* Read-only is enough for flock, and lets readers lock a file they
	 * cannot write. */
	int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return -errno;
	r = vu_lock(fd, exclusive, nowait);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("_.+:-", c));
}

int vu_name_check(const char *name)
{
	size_t len;

	if (!name || !*name || *name == '.' || *name == '-')
		return -EINVAL;
	len = strnlen(name, NAME_MAX + 1);
	if (len > NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return -EINVAL;
	return 0;
}
