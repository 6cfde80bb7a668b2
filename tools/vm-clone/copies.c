/* SPDX-License-Identifier: GPL-2.0-or-later */
/* copies.c - a clone's new files: copies at the file level, reflinks or
 * qcow2 overlays, each under its name only when complete, all removed
 * again when one fails */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/filecopy.h"
#include "vu/image.h"
#include "vu/progress.h"

#include "vm-clone.h"

static bool same_dir(const char *a, const char *b)
{
	char *x = strdup(a), *y = strdup(b);
	bool same = x && y && strcmp(dirname(x), dirname(y)) == 0;

	free(x);
	free(y);
	return same;
}

/*
 * A qcow2 copied elsewhere keeps its backing file only if the name it
 * records still leads there: a relative one is made absolute, so the
 * copy is the same overlay on the same backing file.
 */
static int fix_backing(const struct vc_job *j, int fd, struct vu_err *e)
{
	struct vu_image *img = NULL;
	char *rel = NULL, *abs = NULL;
	int r;

	if (strcmp(j->fmt, "qcow2") != 0 || same_dir(j->src, j->dst))
		return 0;
	r = vu_image_open_fd(&img, fd, j->dst, "qcow2",
			     VU_OPEN_RDWR | VU_OPEN_NO_BACKING | VU_OPEN_UNSAFE, e);
	if (r < 0)
		return r;
	if (vu_image_backing_file(img) && vu_image_backing_file(img)[0] != '/') {
		rel = vu_image_relative_path(j->src, vu_image_backing_file(img));
		r = rel && vu_path_absolute(rel, &abs) == 0 ?
			    vu_image_set_backing(img, abs, vu_image_backing_fmt(img), e) :
			    vu_err_set(e, ENOMEM, NULL);
	}
	vu_image_close(&img);
	free(rel);
	free(abs);
	return r;
}

/* A new qcow2 that reads as the original until written: the original is
 * its backing file (absolute, with its format recorded, so nothing
 * probes it). */
static int make_overlay(const struct vc_job *j, int fd, struct vu_err *e)
{
	struct vu_image *src = NULL;
	struct vu_create_opts o = { .backing_fmt = j->fmt, .backing_unchecked = true };
	char *abs;
	int r;

	if (vu_path_absolute(j->src, &abs) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	r = vu_image_open(&src, j->src, j->fmt, VU_OPEN_NO_BACKING, e);
	if (r == 0) {
		o.size = vu_image_size(src);
		o.backing_file = abs;
		vu_image_close(&src);
		r = vu_image_create(fd, j->dst, "qcow2", &o, e);
	}
	free(abs);
	return r;
}

static int fill(const struct vc_job *j, int srcfd, int fd, const struct vc_copy_opts *o,
		struct vu_progress *p, struct vu_err *e)
{
	struct vu_filecopy_opts fo = { .nonsparse = o->nonsparse, .reflink = o->reflink,
				       .progress = p };
	int r;

	if (j->action == VC_LINK)
		return make_overlay(j, fd, e);
	if ((r = vu_file_copy(srcfd, fd, &fo, e)) < 0)
		return r;
	return fix_backing(j, fd, e);
}

/* Into an existing block device: it cannot be made under another name. */
static int copy_into_device(struct vc_job *j, int srcfd, const struct vc_copy_opts *o,
			    struct vu_progress *p, struct vu_err *e)
{
	int fd, r;

	if (j->action == VC_LINK)
		return vu_err_set(e, EINVAL, "an overlay (--linked) needs a file, not a device");
	/* O_EXCL: refused while the device is mounted or in use. */
	if ((fd = open(j->dst, O_RDWR | O_EXCL | O_CLOEXEC)) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	r = fill(j, srcfd, fd, o, p, e);
	if (r == 0 && fdatasync(fd) < 0)
		r = vu_err_set(e, errno, "%s", strerror(errno));
	close(fd);
	j->done = j->in_place = r == 0;
	return r;
}

static int make_one(struct vc_job *j, const struct vc_copy_opts *o, struct vu_progress *p,
		    struct vu_err *e)
{
	struct vu_atomic a;
	struct stat st, dst;
	int srcfd = open(j->src, O_RDONLY | O_CLOEXEC), r;

	if (srcfd < 0)
		return vu_err_set(e, errno, "%s: %s", j->src, strerror(errno));
	if (fstat(srcfd, &st) < 0)
		st.st_mode = 0600;
	if (stat(j->dst, &dst) == 0 && S_ISBLK(dst.st_mode)) {
		r = copy_into_device(j, srcfd, o, p, e);
		close(srcfd);
		return r;
	}
	/* The original's permissions (a device's are not a file's). */
	r = vu_atomic_open(&a, j->dst, S_ISREG(st.st_mode) ? st.st_mode & 0666 : 0600);
	if (r < 0) {
		close(srcfd);
		return vu_err_set(e, -r, "%s", strerror(-r));
	}
	r = fill(j, srcfd, a.fd, o, p, e);
	close(srcfd);
	if (r < 0) {
		vu_atomic_abort(&a);
		return r;
	}
	/* Image data is not flushed, as qemu-img convert's default. */
	r = vu_atomic_commit(&a, o->replace, false);
	if (r == -EEXIST)
		return vu_err_set(e, EEXIST, "target file exists");
	if (r < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	j->done = true;
	return 0;
}

static uint64_t data_bytes(const struct vc_job *jobs, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		int fd = jobs[i].action == VC_COPY ? open(jobs[i].src, O_RDONLY | O_CLOEXEC) : -1;
		uint64_t b = 0;

		if (fd >= 0 && vu_file_data_bytes(fd, &b) == 0)
			total += b;
		if (fd >= 0)
			close(fd);
	}
	return total;
}

int vc_copy_all(struct vc_job *jobs, size_t n, const struct vc_copy_opts *o,
		size_t *failed, struct vu_err *e)
{
	struct vu_progress p;
	int r = 0;

	vu_progress_init(&p, o->quiet ? 0 : data_bytes(jobs, n), o->progress, o->quiet);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if ((r = make_one(&jobs[i], o, &p, e)) < 0) {
			*failed = i;
			vc_rollback(jobs, n);
		}
	}
	vu_progress_end(&p);
	return r;
}

void vc_rollback(struct vc_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].done && !jobs[i].in_place && unlink(jobs[i].dst) == 0)
			vu_fsync_parent(jobs[i].dst);
		jobs[i].done = false;
	}
}
