/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inject.c - --initrd-inject: files appended to an initrd as one more
 * newc cpio archive, which the kernel unpacks over the first */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "location.h"
#include "vu/cpio.h"
#include "vu/file.h"

/* An injected file (a kickstart, a preseed) is small; this only stops a
 * mistaken argument from filling the initrd's disk. */
#define INJ_MAX_FILE ((off_t)1 << 30)

struct inj_file {
	const char *path;
	const char *name;	/* base name: where it lands in / */
	int fd;
	struct stat st;
};

static const char *inj_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Opens every file first, so a missing one fails before the initrd is
 * touched. */
static int inj_open(struct inj_file *f, const char *const *files, size_t n, struct vu_err *e)
{
	for (size_t i = 0; i < n; i++) {
		f[i] = (struct inj_file){ .path = files[i], .name = inj_basename(files[i]) };
		f[i].fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (f[i].fd < 0 && errno == ENOENT)
			return vu_err_set(e, ENOENT, "%s: no such file", files[i]);
		if (f[i].fd < 0 || fstat(f[i].fd, &f[i].st) < 0)
			return vu_err_set(e, errno, "%s: %s", files[i], strerror(errno));
		if (!S_ISREG(f[i].st.st_mode))
			return vu_err_set(e, EINVAL, "%s: not a regular file", files[i]);
		if (f[i].st.st_size > INJ_MAX_FILE)
			return vu_err_set(e, EFBIG, "%s: larger than %lld bytes", files[i],
					  (long long)INJ_MAX_FILE);
		if (!*f[i].name || !strcmp(f[i].name, ".") || !strcmp(f[i].name, ".."))
			return vu_err_set(e, EINVAL, "%s: no file name", files[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(f[j].name, f[i].name))
				return vu_err_set(e, EINVAL, "%s and %s would both be /%s in the initrd",
						  f[j].path, f[i].path, f[i].name);
	}
	return 0;
}

/* The initrd already ends with an archive and perhaps padding; the kernel
 * reads an uncompressed archive only at a 4-byte aligned offset
 * (init/initramfs.c: *buf == '0' && !(this_header & 3)) and skips the
 * zeros before it. */
static int inj_pad(int fd, off_t size)
{
	static const char zeros[4];

	return size % 4 ? vu_write_all(fd, zeros, (size_t)(4 - size % 4)) : 0;
}

/* Writes the archive to fd (the shared newc writer, unblocked). */
static int inj_archive(int fd, const char *initrd, struct inj_file *f, size_t n,
		       struct vu_err *e)
{
	struct vu_cpio *c;
	int r = vu_cpio_open(&c, fd, 0, initrd, e);

	for (size_t i = 0; r == 0 && i < n; i++)
		r = vu_cpio_add_fd(c, f[i].name, f[i].fd, f[i].st.st_size, 0644,
				   f[i].st.st_mtim.tv_sec, e);
	if (r == 0)
		return vu_cpio_finish(c, e);
	vu_cpio_free(c);
	return r;
}

static int inj_append(const char *initrd, struct inj_file *f, size_t n, struct vu_err *e)
{
	struct stat st;
	int fd = open(initrd, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", initrd, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = vu_err_set(e, errno, "%s: %s", initrd, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		r = vu_err_set(e, EINVAL, "%s: not a regular file", initrd);
	} else {
		r = inj_pad(fd, st.st_size);
		if (r < 0)
			vu_err_set(e, -r, "%s: %s", initrd, strerror(-r));
		if (r == 0)
			r = inj_archive(fd, initrd, f, n, e);
		if (r == 0 && fsync(fd) < 0)
			r = vu_err_set(e, errno, "%s: %s", initrd, strerror(errno));
		/* Nothing half-done: the initrd as it was. */
		if (r < 0 && ftruncate(fd, st.st_size) < 0)
			vu_err_set(e, errno, "%s: cannot restore its size after a failed "
				   "injection: %s", initrd, strerror(errno));
	}
	close(fd);
	return r;
}

int initrd_inject(const char *initrd, const char *const *files, size_t n, struct vu_err *e)
{
	struct inj_file *f = calloc(n ? n : 1, sizeof(*f));
	int r;

	vu_err_clear(e);
	if (!f)
		return vu_err_set(e, ENOMEM, NULL);
	for (size_t i = 0; i < n; i++)
		f[i].fd = -1;
	r = inj_open(f, files, n, e);
	if (r == 0 && n > 0)
		r = inj_append(initrd, f, n, e);
	for (size_t i = 0; i < n; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	free(f);
	return r;
}
