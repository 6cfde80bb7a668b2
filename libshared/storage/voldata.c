/* SPDX-License-Identifier: GPL-2.0-or-later */
/* voldata.c - what changes a volume's bytes: wipe, resize, upload, and
 * download, all through the image layer and the copy engine */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "vu/strutil.h"
#include "storage_int.h"

#define XFER_BUF (1u << 20)
/* A file nobody sees before its commit flushes it: no flush on the way. */
#define UNSEEN (VU_OPEN_RDWR | VU_OPEN_UNSAFE)

/* The volume's bytes as a raw image (its file, or its partition). */
static int open_bytes(const struct vu_vol *v, bool rw, struct vu_image **img, struct vu_err *e)
{
	int fd = st_vol_open(v, rw ? O_RDWR : O_RDONLY, e), r;

	*img = NULL;
	if (fd < 0)
		return fd;
	r = vu_image_open_fd(img, fd, v->path, "raw", rw ? VU_OPEN_RDWR : 0, e);
	close(fd);
	return r;
}

/* ---- wipe ---- */

static const char *const wipe_names[VU_WIPE_COUNT] = {
	"zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33",
	"random",
};

/*
 * scrub's passes, as virsh documents them: comma-separated hex patterns
 * (one or three bytes), "R" for random data; a final "V" verifies that
 * the last pass reads back.
 */
static const char *const wipe_passes[VU_WIPE_COUNT] = {
	[VU_WIPE_ZERO] = "00",
	[VU_WIPE_NNSA] = "R,R,00,V",
	[VU_WIPE_DOD] = "R,00,ff,V",
	[VU_WIPE_BSI] = "ff,fe,fd,fb,f7,ef,df,bf,7f",
	[VU_WIPE_GUTMANN] = ("R,R,R,R,55,aa,924924,492492,249249,00,11,22,33,44,55,66,77,88,"
			     "99,aa,bb,cc,dd,ee,ff,924924,492492,249249,6db6db,b6db6d,db6db6,"
			     "R,R,R,R"),
	[VU_WIPE_SCHNEIER] = "00,ff,R,R,R,R,R",
	[VU_WIPE_PFITZNER7] = "R,R,R,R,R,R,R",
	[VU_WIPE_PFITZNER33] = ("R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,R,"
				"R,R,R"),
	[VU_WIPE_RANDOM] = "R",
};

const char *vu_wipe_alg_name(enum vu_wipe_alg a)
{
	return (unsigned)a < VU_WIPE_COUNT ? wipe_names[a] : NULL;
}

int vu_wipe_alg_parse(const char *s)
{
	return vu_word_index(s, wipe_names, VU_WIPE_COUNT);
}

/* One pass token into a pattern: "R" → random (len 0), else hex bytes. */
static int parse_pass(const char *tok, size_t toklen, uint8_t pat[3])
{
	int len = 0;

	if (toklen == 1 && tok[0] == 'R')
		return 0;
	for (size_t i = 0; i + 2 <= toklen && len < 3; i += 2) {
		unsigned v;

		sscanf(tok + i, "%2x", &v);
		pat[len++] = (uint8_t)v;
	}
	return len;
}

static int write_pass(struct vu_image *img, const uint8_t *pat, int len,
		      const struct vu_show_progress *prog, struct vu_err *e)
{
	struct vu_image *src;
	struct vu_sink sink;
	int r = vu_image_pattern(&src, vu_image_size(img), pat, len, false);

	if (r < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	r = vu_sink_image_init(&sink, img, vu_image_size(img), false, true);
	/* min_sparse 0: every byte is written, zeros too. */
	if (r == 0)
		r = st_copy(&src, 1, &sink, 0, prog, e);
	else
		vu_err_set(e, -r, "%s", strerror(-r));
	vu_image_close(&src);
	return r;
}

/* Reads the volume back through the image layer and compares. */
static int verify(struct vu_image *img, const uint8_t *pat, int len, struct vu_err *e)
{
	uint8_t *buf = malloc(XFER_BUF);
	uint64_t size = vu_image_size(img);
	int r = buf ? 0 : -ENOMEM;

	for (uint64_t off = 0; r == 0 && off < size; off += XFER_BUF) {
		size_t n = size - off < XFER_BUF ? (size_t)(size - off) : XFER_BUF;

		r = vu_image_pread(img, buf, n, off);
		for (size_t i = 0; r == 0 && i < n; i++)
			if (buf[i] != pat[(off + i) % (uint64_t)len])
				r = vu_err_set(e, EIO, "verification failed at offset %llu",
					       (unsigned long long)(off + i));
	}
	free(buf);
	return r == -ENOMEM ? vu_err_set(e, ENOMEM, NULL) : r;
}

static int run_passes(struct vu_image *img, const char *passes,
		      const struct vu_show_progress *prog, struct vu_err *e)
{
	uint8_t pat[3] = { 0 };
	int len = 0, r = 0;

	for (const char *p = passes; r == 0 && *p;) {
		size_t toklen = strcspn(p, ",");

		if (toklen == 1 && *p == 'V')
			r = len ? verify(img, pat, len, e) : 0;
		else if ((len = parse_pass(p, toklen, pat)) >= 0)
			r = write_pass(img, pat, len, prog, e);
		p += toklen + (p[toklen] == ',');
	}
	return r;
}

/* What a qcow2 volume is made of, to make it again once wiped. */
struct remake {
	bool qcow2;
	struct vu_create_opts o;
	char *backing_file, *backing_fmt;
};

static void remake_free(struct remake *m)
{
	free(m->backing_file);
	free(m->backing_fmt);
}

static int remake_read(const struct vu_vol *v, struct remake *m, struct vu_err *e)
{
	struct vu_image *img;
	const char *bfile, *bfmt;
	int fd, r;

	memset(m, 0, sizeof(*m));
	if (v->type == VU_VOL_BLOCK || strcmp(v->format, "qcow2") != 0)
		return 0;
	if ((fd = st_vol_open(v, O_RDONLY, e)) < 0)
		return fd;
	r = vu_image_open_fd(&img, fd, v->path, "qcow2", VU_OPEN_NO_BACKING, e);
	close(fd);
	if (r < 0)
		return r;
	m->qcow2 = true;
	m->o.size = vu_image_size(img);
	m->o.cluster_size = (uint32_t)v->cluster_size;
	m->o.version = v->compat && strcmp(v->compat, "0.10") == 0 ? 2 : 3;
	m->o.lazy_refcounts = v->lazy_refcounts;
	m->o.extended_l2 = v->extended_l2;
	bfile = vu_image_backing_file(img);
	bfmt = vu_image_backing_fmt(img);
	m->backing_file = bfile ? strdup(bfile) : NULL;
	m->backing_fmt = bfmt ? strdup(bfmt) : NULL;
	m->o.backing_file = m->backing_file;
	m->o.backing_fmt = m->backing_fmt;
	vu_image_close(&img);
	return 0;
}

static int remake_write(const struct vu_vol *v, struct remake *m, struct vu_err *e)
{
	int fd = st_vol_open(v, O_RDWR, e), r;

	if (fd < 0)
		return fd;
	r = ftruncate(fd, 0) < 0 ? vu_err_set(e, errno, "%s", strerror(errno)) : 0;
	if (r == 0)
		r = vu_image_create(fd, v->path, "qcow2", &m->o, e);
	if (r == 0 && fsync(fd) < 0)
		r = vu_err_set(e, errno, "%s", strerror(errno));
	close(fd);
	return r;
}

int vu_vol_wipe(struct vu_storage *s, const struct vu_vol *v, enum vu_wipe_alg alg,
		const struct vu_show_progress *prog, struct vu_err *e)
{
	struct vu_image *img = NULL;
	struct remake m;
	int r;

	(void)s;
	if ((unsigned)alg >= VU_WIPE_COUNT)
		return vu_err_set(e, EINVAL, "unknown wipe algorithm");
	r = remake_read(v, &m, e);
	if (r == 0)
		r = open_bytes(v, true, &img, e);
	/* Zeros over a sparse file: punching keeps it sparse (as libvirt). */
	if (r == 0 && alg == VU_WIPE_ZERO && v->type == VU_VOL_FILE &&
	    v->allocation < v->physical) {
		r = vu_image_pwrite_zeroes(img, 0, vu_image_size(img), true);
		if (r == 0)
			r = vu_image_flush(img);
		if (r < 0)
			vu_err_set(e, -r, "%s", strerror(-r));
	} else if (r == 0) {
		r = run_passes(img, wipe_passes[alg], prog, e);
	}
	vu_image_close(&img);
	if (r == 0 && m.qcow2)
		r = remake_write(v, &m, e);
	remake_free(&m);
	return r;
}

/* ---- resize ---- */

static int new_capacity(const struct vu_vol *v, uint64_t capacity, unsigned flags,
			uint64_t *out, struct vu_err *e)
{
	uint64_t cur = v->capacity;

	if (!(flags & VU_VOL_RESIZE_DELTA))
		*out = capacity;
	else if (flags & VU_VOL_RESIZE_SHRINK) {
		if (capacity > cur)
			return vu_err_set(e, EINVAL, "cannot shrink by more than the capacity "
					  "(%llu bytes)", (unsigned long long)cur);
		*out = cur - capacity;
	} else if (capacity > UINT64_MAX - cur || cur + capacity > INT64_MAX) {
		return vu_err_set(e, EFBIG, "capacity too large");
	} else {
		*out = cur + capacity;
	}
	if (*out < cur && !(flags & VU_VOL_RESIZE_SHRINK))
		return vu_err_set(e, EINVAL, "the new capacity is below the current one (%llu "
				  "bytes); shrinking must be asked for",
				  (unsigned long long)cur);
	return 0;
}

static int check_space(const struct vu_vol *v, uint64_t size, struct vu_err *e)
{
	struct statvfs sv;

	if (size <= v->allocation || statvfs(v->pool->px.target, &sv) < 0)
		return 0;
	if (size - v->allocation > (uint64_t)sv.f_frsize * sv.f_bavail)
		return vu_err_set(e, ENOSPC, "not enough space left in the pool");
	return 0;
}

static int do_resize(const struct vu_vol *v, uint64_t size, unsigned flags, struct vu_err *e)
{
	/* Only grown space is allocated; a shrink allocates nothing. */
	enum vu_prealloc pre = (flags & VU_VOL_RESIZE_ALLOCATE) && size > v->capacity ?
			       VU_PREALLOC_FALLOC : VU_PREALLOC_OFF;
	int fd = st_vol_open(v, O_RDWR, e), r;
	struct vu_image *img = NULL;

	if (fd < 0)
		return fd;
	r = vu_image_open_fd(&img, fd, v->path, v->format, VU_OPEN_RDWR, e);
	close(fd);
	if (r == 0 && (r = vu_image_resize(img, size, pre, e)) < 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", vu_err_str(e));
		vu_err_set(e, -r, "cannot resize to %llu bytes: %s", (unsigned long long)size, why);
	}
	if (r == 0 && (r = vu_image_flush(img)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	vu_image_close(&img);
	return r;
}

int vu_vol_resize(struct vu_storage *s, const struct vu_vol *v, uint64_t capacity,
		  unsigned flags, uint64_t *result, struct vu_err *e)
{
	uint64_t size = 0;
	int r;

	(void)s;
	if (v->type == VU_VOL_BLOCK)
		return vu_err_set(e, ENOTSUP, "a partition cannot be resized");
	if (strcmp(v->format, "raw") != 0 && strcmp(v->format, "qcow2") != 0)
		return vu_err_set(e, ENOTSUP, "format '%s' cannot be resized", v->format);
	if ((flags & VU_VOL_RESIZE_ALLOCATE) && strcmp(v->format, "raw") != 0)
		return vu_err_set(e, ENOTSUP, "only raw volumes can be allocated");
	r = new_capacity(v, capacity, flags, &size, e);
	if (r == 0 && size > INT64_MAX)
		r = vu_err_set(e, EFBIG, "capacity too large");
	if (r == 0 && (flags & VU_VOL_RESIZE_ALLOCATE))
		r = check_space(v, size, e);
	if (r == 0)
		r = do_resize(v, size, flags, e);
	if (r == 0 && result)
		*result = size;
	return r;
}

/* ---- upload ---- */

/* A pipe has no block status: read it in order, zeros found by looking. */
static int upload_stream(int fd, struct vu_sink *dst, const struct vu_vol_xfer *x,
			 struct vu_err *e)
{
	uint8_t *buf = malloc(XFER_BUF);
	uint64_t off = 0;
	ssize_t n = 0;
	int r = buf ? 0 : vu_err_set(e, ENOMEM, NULL);

	while (r == 0 && (n = vu_read_full(fd, buf, XFER_BUF)) > 0) {
		if (x->length && off + (uint64_t)n > x->length)
			r = vu_err_set(e, EFBIG, "the data is longer than the length (%llu bytes)",
				       (unsigned long long)x->length);
		else if (x->sparse && vu_buf_is_zero(buf, (size_t)n))
			r = dst->ops->zero(dst, off, (uint64_t)n);
		else
			r = dst->ops->pwrite(dst, buf, (size_t)n, off);
		if (r < 0 && !e->code)
			vu_err_set(e, -r, "write at offset %llu: %s", (unsigned long long)off,
				   strerror(-r));
		off += (uint64_t)(n > 0 ? n : 0);
	}
	if (r == 0 && n < 0)
		r = vu_err_set(e, (int)-n, "read: %s", strerror((int)-n));
	dst->size = off;
	if (r == 0 && (r = dst->ops->finish(dst)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	free(buf);
	return r;
}

/* A file: block status tells holes, and the copy engine does the rest. */
static int upload_file(int fd, uint64_t len, struct vu_sink *dst,
		       const struct vu_vol_xfer *x, struct vu_err *e)
{
	struct vu_image *src;
	int r = vu_image_open_fd(&src, fd, "(upload)", "raw", 0, e);

	if (r < 0)
		return r;
	dst->size = len;
	r = st_copy(&src, 1, dst, x->sparse ? VU_COPY_MIN_SPARSE : 0, x->progress, e);
	vu_image_close(&src);
	return r;
}

/* The size of the upload when fd is a file, -1 for a stream. */
static int source_size(int fd, const struct vu_vol_xfer *x, int64_t *len, struct vu_err *e)
{
	struct stat st;

	*len = -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (x->length && (uint64_t)st.st_size > x->length)
		return vu_err_set(e, EFBIG, "the file is larger than the length (%llu bytes)",
				  (unsigned long long)x->length);
	*len = st.st_size;
	return 0;
}

static int upload_into(struct vu_image *dst, int fd, const struct vu_vol_xfer *x,
		       struct vu_err *e)
{
	struct vu_sink inner;
	struct st_offset_sink os;
	int64_t len;
	int r = source_size(fd, x, &len, e);

	if (r < 0)
		return r;
	if (x->offset > vu_image_size(dst))
		return vu_err_set(e, EINVAL, "offset %llu is past the end of the volume",
				  (unsigned long long)x->offset);
	if ((r = vu_sink_image_init(&inner, dst, vu_image_size(dst), false, true)) < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	st_offset_sink_init(&os, &inner, x->offset, 0);
	return len >= 0 ? upload_file(fd, (uint64_t)len, &os.sink, x, e)
			: upload_stream(fd, &os.sink, x, e);
}

/* The volume's current bytes into the new file: shared blocks when the
 * filesystem can, else a sparse copy. */
static int copy_current(const struct vu_vol *v, int volfd, int newfd, struct vu_err *e)
{
	struct vu_image *src = NULL, *dst = NULL;
	struct vu_sink sink;
	int r;

	if (ioctl(newfd, FICLONE, volfd) == 0)
		return 0;
	r = vu_image_open_fd(&src, volfd, v->path, "raw", 0, e);
	if (r == 0)
		r = vu_image_open_fd(&dst, newfd, v->path, "raw", UNSEEN, e);
	if (r == 0 && (r = vu_sink_image_init(&sink, dst, vu_image_size(src), true, false)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	if (r == 0)
		r = st_copy(&src, 1, &sink, VU_COPY_MIN_SPARSE, NULL, e);
	vu_image_close(&src);
	vu_image_close(&dst);
	return r;
}

static int keep_perms(int volfd, int newfd, struct vu_err *e)
{
	struct stat st;

	if (fstat(volfd, &st) < 0 || fchmod(newfd, st.st_mode & 07777) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if (fchown(newfd, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		return vu_err_set(e, errno, "%s", strerror(errno));
	return 0;
}

/* A file at least as big as the volume, from offset 0, leaves nothing of
 * what was there: the copy need not start with it. */
static bool replaces_all(int volfd, int fd, const struct vu_vol_xfer *x)
{
	struct stat src, vol;

	return x->offset == 0 && fstat(fd, &src) == 0 && S_ISREG(src.st_mode) &&
	       fstat(volfd, &vol) == 0 && src.st_size >= vol.st_size;
}

/* A file volume is rewritten in a copy that replaces it when complete. */
static int upload_file_vol(struct vu_storage *s, const struct vu_vol *v, int fd,
			   const struct vu_vol_xfer *x, struct vu_err *e)
{
	int volfd = st_vol_open(v, O_RDONLY, e), lk, r;
	struct vu_image *dst = NULL;
	struct vu_atomic a;

	if (volfd < 0)
		return volfd;
	if ((r = vu_atomic_open(&a, v->path, 0600)) < 0) {
		close(volfd);
		return vu_err_set(e, -r, "%s", strerror(-r));
	}
	r = keep_perms(volfd, a.fd, e);
	if (r == 0 && !replaces_all(volfd, fd, x))
		r = copy_current(v, volfd, a.fd, e);
	if (r == 0)
		r = vu_image_open_fd(&dst, a.fd, v->path, "raw", UNSEEN, e);
	if (r == 0)
		r = upload_into(dst, fd, x, e);
	vu_image_close(&dst);
	close(volfd);
	if (r < 0) {
		vu_atomic_abort(&a);
		return r;
	}
	if ((lk = st_lock(s, true, e)) < 0) {
		vu_atomic_abort(&a);
		return lk;
	}
	if ((r = vu_atomic_commit(&a, true, true)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	st_unlock(&lk);
	return r;
}

int vu_vol_upload(struct vu_storage *s, const struct vu_vol *v, int fd,
		  const struct vu_vol_xfer *x, struct vu_err *e)
{
	struct vu_image *dst;
	int r;

	if (v->type == VU_VOL_FILE)
		return upload_file_vol(s, v, fd, x, e);
	/* A partition cannot be swapped for a copy: it is written in place. */
	r = open_bytes(v, true, &dst, e);
	if (r == 0)
		r = upload_into(dst, fd, x, e);
	vu_image_close(&dst);
	return r;
}

/* ---- download ---- */

int vu_vol_download(struct vu_storage *s, const struct vu_vol *v, int fd,
		    const struct vu_vol_xfer *x, struct vu_err *e)
{
	struct vu_image *img, *slice = NULL;
	struct st_fd_sink fs;
	struct stat st;
	uint64_t len;
	int r;

	(void)s;
	if ((r = open_bytes(v, false, &img, e)) < 0)
		return r;
	if (x->offset > vu_image_size(img))
		r = vu_err_set(e, EINVAL, "offset %llu is past the end of the volume",
			       (unsigned long long)x->offset);
	len = r == 0 ? vu_image_size(img) - x->offset : 0;
	if (x->length && x->length < len)
		len = x->length;
	if (r == 0 && (r = vu_image_slice(&slice, img, x->offset, len)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	if (r == 0) {
		bool empty = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;

		st_fd_sink_init(&fs, fd, len, x->sparse, empty);
		r = st_copy(&slice, 1, &fs.sink, x->sparse ? VU_COPY_MIN_SPARSE : 0,
			    x->progress, e);
	}
	vu_image_close(&slice);
	vu_image_close(&img);
	return r;
}
