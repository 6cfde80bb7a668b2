/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source.c - an install tree's files, wherever the tree is: the dispatch,
 * and the local-directory backend */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "treeinfo.h"
#include "vu/file.h"

static bool src_has_scheme(const char *s, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(s, scheme, n) == 0 && strncmp(s + n, "://", 3) == 0;
}

static int src_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* file:///p and file://localhost/p: the percent-decoded path, or NULL
 * (errno EINVAL: another host, a bad escape or a NUL; ENOMEM). */
static char *src_file_url_path(const char *url)
{
	const char *p = url + strlen("file://");
	char *out, *o;

	if (strncasecmp(p, "localhost/", 10) == 0)
		p += 9;
	if (*p != '/') {
		errno = EINVAL;
		return NULL;
	}
	out = o = calloc(1, strlen(p) + 1);
	if (!out)
		return NULL;
	for (; *p; p++) {
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		int hi = src_hex(p[1]), lo = hi < 0 ? -1 : src_hex(p[2]);

		if (lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*o = '\0';
	return out;
}

/* The kind, and for local kinds the path to open (*path, a copy). */
static int src_classify(const char *location, char **path, struct vu_err *e)
{
	struct stat st;

	*path = NULL;
	if (src_has_scheme(location, "http") || src_has_scheme(location, "https") ||
	    src_has_scheme(location, "ftp"))
		return LOCATION_URL;
	if (src_has_scheme(location, "file")) {
		*path = src_file_url_path(location);
		if (!*path)
			return errno == ENOMEM ? vu_err_set(e, ENOMEM, NULL)
					       : vu_err_set(e, EINVAL, "%s: not a local file URL", location);
	} else if (strstr(location, "://")) {
		return vu_err_set(e, EINVAL, "%s: unsupported URL scheme (http, https, ftp, file)",
				  location);
	} else if (!(*path = strdup(location))) {
		return vu_err_set(e, ENOMEM, NULL);
	}
	if (stat(*path, &st) < 0) {
		int r = vu_err_set(e, errno, "%s: %s", *path, strerror(errno));

		free(*path);
		*path = NULL;
		return r;
	}
	return S_ISDIR(st.st_mode) ? LOCATION_DIR : LOCATION_ISO;
}

int location_kind(const char *location, struct vu_err *e)
{
	char *path;
	int r = src_classify(location, &path, e);

	free(path);
	return r;
}

int src_open(struct tree_src *s, const char *location, struct vu_err *e)
{
	char *path;
	int kind = src_classify(location, &path, e), r;

	*s = (struct tree_src){ .dirfd = -1 };
	if (kind < 0)
		return kind;
	s->kind = kind;
	if (kind == LOCATION_URL)
		r = url_open(s, location, e);
	else if (kind == LOCATION_DIR)
		r = dir_open(s, path, e);
	else
		r = iso_open(s, path, e);
	free(path);
	if (r < 0)
		src_close(s);
	return r;
}

int src_exists(struct tree_src *s, const char *path, struct vu_err *e)
{
	if (s->kind == LOCATION_URL)
		return url_exists(s, path, e);
	return s->kind == LOCATION_DIR ? dir_exists(s, path, e) : iso_exists(s, path, e);
}

int src_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e)
{
	if (s->kind == LOCATION_URL)
		return url_fetch(s, path, k, e);
	return s->kind == LOCATION_DIR ? dir_fetch(s, path, k, e) : iso_fetch(s, path, k, e);
}

void src_close(struct tree_src *s)
{
	if (s->kind == LOCATION_URL)
		url_close(s);
	else if (s->kind == LOCATION_ISO)
		iso_close(s);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->where);
	*s = (struct tree_src){ .dirfd = -1 };
}

int tree_sink_put(struct tree_sink *k, const void *p, size_t n)
{
	if (n > k->max || k->done > k->max - n)
		return -EFBIG;
	k->done += n;
	if (k->fd >= 0)
		return vu_write_all(k->fd, p, n);
	if (k->len + n + 1 > k->cap) {
		size_t cap = k->cap ? k->cap : 4096;
		char *nb;

		while (cap < k->len + n + 1)
			cap *= 2;
		nb = realloc(k->buf, cap);
		if (!nb)
			return -ENOMEM;
		k->buf = nb;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->buf[k->len] = '\0';
	return 0;
}

int tree_sink_fail(const struct tree_sink *k, int r, const char *src, struct vu_err *e)
{
	if (r == -EFBIG)
		return vu_err_set(e, EFBIG, "%s: larger than %llu bytes", src,
				  (unsigned long long)k->max);
	if (r == -ENOMEM)
		return vu_err_set(e, ENOMEM, NULL);
	return vu_err_set(e, -r, "%s: %s", k->dest ? k->dest : src, strerror(-r));
}

/* Local directory: the user's own tree, so symbolic links in it are
 * followed like any program reading it would (mirrors use them); only
 * the names the tree itself supplies are checked, by tree_path_normalize. */
int dir_open(struct tree_src *s, const char *path, struct vu_err *e)
{
	s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	s->where = strdup(path);
	return s->where ? 0 : vu_err_set(e, ENOMEM, NULL);
}

int dir_exists(struct tree_src *s, const char *path, struct vu_err *e)
{
	struct stat st;

	if (fstatat(s->dirfd, path, &st, 0) == 0)
		return S_ISREG(st.st_mode);
	if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
		return 0;
	return vu_err_set(e, errno, "%s/%s: %s", s->where, path, strerror(errno));
}

static int dir_copy(int fd, struct tree_sink *k, const char *name, struct vu_err *e)
{
	enum { CHUNK = 1 << 20 };
	char *buf = malloc(CHUNK);
	ssize_t n = 0;
	int r = buf ? 0 : vu_err_set(e, ENOMEM, NULL);

	while (r == 0 && (n = vu_read_full(fd, buf, CHUNK)) > 0)
		if ((r = tree_sink_put(k, buf, (size_t)n)) < 0)
			tree_sink_fail(k, r, name, e);
	if (r == 0 && n < 0)
		r = vu_err_set(e, (int)-n, "%s: %s", name, strerror((int)-n));
	free(buf);
	return r;
}

int dir_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e)
{
	char name[PATH_MAX];
	struct stat st;
	int fd = openat(s->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	snprintf(name, sizeof(name), "%s/%s", s->where, path);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return -ENOENT;
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", name, strerror(errno));
	if (fstat(fd, &st) < 0)
		r = vu_err_set(e, errno, "%s: %s", name, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = vu_err_set(e, EINVAL, "%s: not a regular file", name);
	else if ((uint64_t)st.st_size > k->max)
		r = tree_sink_fail(k, -EFBIG, name, e);
	else
		r = dir_copy(fd, k, name, e);
	close(fd);
	return r;
}
