/* SPDX-License-Identifier: GPL-2.0-or-later */
/* imgsrc.c - the copy engine for pools: progress as asked, and sinks on
 * plain descriptors (the pattern and window images are img/'s) */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage_int.h"

int st_copy(struct vu_image **src, int nsrc, struct vu_sink *dst, uint64_t min_sparse,
	    const struct vu_show_progress *sp, struct vu_err *e)
{
	struct vu_copy_opts o = { .min_sparse = min_sparse };
	bool show = sp && !sp->quiet && (sp->force || isatty(STDERR_FILENO));
	struct vu_progress p;
	uint64_t data = 0;
	int r;

	/* Like qemu-img, progress counts the data that will really be read. */
	if (show && (r = vu_copy_measure(src, nsrc, &data, e)) < 0)
		return r;
	if (show) {
		vu_progress_init(&p, data, sp->force, sp->quiet);
		o.progress = &p;
	}
	r = vu_copy(src, nsrc, dst, &o, e);
	if (show)
		vu_progress_end(&p);
	return r;
}

/* ---- a sink on a descriptor ---- */

static struct st_fd_sink *fd_sink(struct vu_sink *s)
{
	return (struct st_fd_sink *)s;
}

static int write_zeros(int fd, bool seekable, uint64_t off, uint64_t len)
{
	static const char zeros[65536];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int r = seekable ? vu_pwrite_all(fd, zeros, n, (off_t)off) : vu_write_all(fd, zeros, n);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

/* A stream cannot skip: the gap up to off (there is none from the
 * engine, which writes in order) becomes zeros. */
static int stream_to(struct st_fd_sink *fs, uint64_t off)
{
	int r = 0;

	if (off < fs->pos)
		return -ESPIPE;
	if (off > fs->pos)
		r = write_zeros(fs->fd, false, 0, off - fs->pos);
	fs->pos = off;
	return r;
}

static int fd_pwrite(struct vu_sink *s, const void *buf, size_t len, uint64_t off)
{
	struct st_fd_sink *fs = fd_sink(s);
	int r;

	if (fs->seekable)
		return vu_pwrite_all(fs->fd, buf, len, (off_t)off);
	if ((r = stream_to(fs, off)) == 0 && (r = vu_write_all(fs->fd, buf, len)) == 0)
		fs->pos += len;
	return r;
}

static int fd_zero(struct vu_sink *s, uint64_t off, uint64_t len)
{
	struct st_fd_sink *fs = fd_sink(s);
	int r;

	if (fs->seekable)
		return fs->sparse ? 0 : write_zeros(fs->fd, true, off, len);
	if ((r = stream_to(fs, off)) == 0 && (r = write_zeros(fs->fd, false, 0, len)) == 0)
		fs->pos += len;
	return r;
}

static int fd_finish(struct vu_sink *s)
{
	struct st_fd_sink *fs = fd_sink(s);
	struct stat st;

	if (!fs->seekable)
		return stream_to(fs, s->size);
	if (fstat(fs->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(fs->fd, (off_t)s->size) < 0)
		return -errno;
	return 0;
}

static const struct vu_sink_ops fd_sink_ops = {
	.pwrite = fd_pwrite,
	.zero = fd_zero,
	.finish = fd_finish,
};

void st_fd_sink_init(struct st_fd_sink *fs, int fd, uint64_t size, bool sparse, bool empty)
{
	bool seekable = lseek(fd, 0, SEEK_CUR) >= 0;

	*fs = (struct st_fd_sink){
		.sink = { .ops = &fd_sink_ops, .size = size,
			  .zero_init = seekable && sparse && empty },
		.fd = fd, .seekable = seekable, .sparse = sparse && empty,
	};
}

/* ---- a sink at an offset in another ---- */

static int off_pwrite(struct vu_sink *s, const void *buf, size_t len, uint64_t off)
{
	struct st_offset_sink *os = (struct st_offset_sink *)s;

	return os->inner->ops->pwrite(os->inner, buf, len, os->base + off);
}

static int off_zero(struct vu_sink *s, uint64_t off, uint64_t len)
{
	struct st_offset_sink *os = (struct st_offset_sink *)s;

	return os->inner->ops->zero(os->inner, os->base + off, len);
}

/* The inner sink ends at least where this one's data does. */
static int off_finish(struct vu_sink *s)
{
	struct st_offset_sink *os = (struct st_offset_sink *)s;

	if (os->inner->size < os->base + s->size)
		os->inner->size = os->base + s->size;
	return os->inner->ops->finish(os->inner);
}

static const struct vu_sink_ops offset_sink_ops = {
	.pwrite = off_pwrite,
	.zero = off_zero,
	.finish = off_finish,
};

void st_offset_sink_init(struct st_offset_sink *os, struct vu_sink *inner, uint64_t base,
			 uint64_t size)
{
	*os = (struct st_offset_sink){
		.sink = { .ops = &offset_sink_ops, .size = size, .zero_init = false,
			  .sync = inner->sync },
		.inner = inner, .base = base,
	};
}
