/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inject.c - --initrd-inject: files appended to an initrd as one more
 * newc cpio archive, which the kernel unpacks over the first */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "location.h"
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

static int inj_entry(struct archive *a, const struct inj_file *f, long ino, struct vu_err *e)
{
	struct archive_entry *ae = archive_entry_new();
	int r = 0;

	if (!ae)
		return vu_err_set(e, ENOMEM, NULL);
	archive_entry_set_pathname(ae, f->name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_nlink(ae, 1);
	archive_entry_set_ino(ae, ino);
	archive_entry_set_size(ae, f->st.st_size);
	archive_entry_set_mtime(ae, f->st.st_mtim.tv_sec, f->st.st_mtim.tv_nsec);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "%s: %s", f->path, archive_error_string(a));
	archive_entry_free(ae);
	return r;
}

/* The file's data, exactly the size its header announced. */
static int inj_data(struct archive *a, const struct inj_file *f, const char *initrd,
		    struct vu_err *e)
{
	char buf[64 * 1024];
	off_t left = f->st.st_size;

	while (left > 0) {
		ssize_t n = read(f->fd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vu_err_set(e, errno, "%s: %s", f->path, strerror(errno));
		if (n == 0)
			return vu_err_set(e, EIO, "%s: file shrank while being read", f->path);
		if (archive_write_data(a, buf, (size_t)n) != n)
			return vu_err_set(e, EIO, "%s: %s", initrd, archive_error_string(a));
		left -= n;
	}
	return 0;
}

/* Writes the archive to fd, unblocked (no padding to 10 KiB records). */
static int inj_archive(int fd, const char *initrd, struct inj_file *f, size_t n,
		       struct vu_err *e)
{
	struct archive *a = archive_write_new();
	int r = 0;

	if (!a)
		return vu_err_set(e, ENOMEM, NULL);
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "%s: %s", initrd, archive_error_string(a));
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = inj_entry(a, &f[i], (long)i + 1, e);
		if (r == 0)
			r = inj_data(a, &f[i], initrd, e);
	}
	/* close writes TRAILER!!! */
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "%s: %s", initrd, archive_error_string(a));
	archive_write_free(a);
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
