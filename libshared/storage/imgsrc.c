/* SPDX-License-Identifier: GPL-2.0-or-later */
/* imgsrc.c - what the copy engine copies for pools besides image files:
 * wipe patterns, a window on a volume, and sinks on plain descriptors */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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

/* ---- a pattern, random bytes, or zeros ---- */

struct pattern {
	uint8_t pat[3];
	int len;		/* 0: random */
	bool zeros;
	uint64_t s[2];		/* xorshift128+ state */
};

/* Fast enough to keep up with the disk; seeded from the kernel, so no two
 * wipes write the same stream. */
static uint64_t next_random(struct pattern *pt)
{
	uint64_t a = pt->s[0], b = pt->s[1];

	pt->s[0] = b;
	a ^= a << 23;
	pt->s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return pt->s[1] + b;
}

static int pattern_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct pattern *pt = img->priv;
	uint8_t *p = buf;

	if (pt->len == 0) {
		for (size_t i = 0; i < len; i += 8) {
			uint64_t v = next_random(pt);

			memcpy(p + i, &v, len - i < 8 ? len - i : 8);
		}
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		p[i] = pt->pat[(off + i) % (uint64_t)pt->len];
	return 0;
}

static int pattern_status(struct vu_image *img, uint64_t off, uint64_t len,
			  struct vu_bstat *bs)
{
	const struct pattern *pt = img->priv;

	(void)off;
	bs->len = len;
	bs->flags = VU_BS_ALLOCATED | (pt->zeros ? VU_BS_ZERO : VU_BS_DATA);
	return 0;
}

static void free_priv(struct vu_image *img)
{
	free(img->priv);
	img->priv = NULL;
}

static const struct vu_image_driver pattern_drv = {
	.name = "pattern",
	.pread = pattern_pread,
	.block_status = pattern_status,
	.close = free_priv,
};

static struct vu_image *image_new(const struct vu_image_driver *drv, const char *name,
				  uint64_t size, void *priv)
{
	struct vu_image *img = calloc(1, sizeof(*img));

	if (!img || !(img->filename = strdup(name))) {
		free(img);
		return NULL;
	}
	img->drv = drv;
	img->fd = -1;
	img->size = size;
	img->priv = priv;
	return img;
}

int st_pattern_image(struct vu_image **out, uint64_t size, const uint8_t *pat, int len,
		     bool zeros)
{
	struct pattern *pt = calloc(1, sizeof(*pt));

	*out = NULL;
	if (!pt)
		return -ENOMEM;
	pt->len = len;
	pt->zeros = zeros;
	if (len > 0)
		memcpy(pt->pat, pat, (size_t)len);
	if (len == 0 && getrandom(pt->s, sizeof(pt->s), 0) != (ssize_t)sizeof(pt->s)) {
		free(pt);
		return -EIO;
	}
	pt->s[0] |= 1;	/* the all-zero state would stay zero */
	if (!(*out = image_new(&pattern_drv, "(pattern)", size, pt))) {
		free(pt);
		return -ENOMEM;
	}
	return 0;
}

/* ---- a window on another image ---- */

struct slice {
	struct vu_image *base;
	uint64_t off;
};

static int slice_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	const struct slice *sl = img->priv;

	return vu_image_pread(sl->base, buf, len, sl->off + off);
}

static int slice_status(struct vu_image *img, uint64_t off, uint64_t len, struct vu_bstat *bs)
{
	const struct slice *sl = img->priv;
	int r = vu_image_block_status(sl->base, sl->off + off, len, bs);

	/* Only what the data is counts here, not where the base keeps it. */
	bs->flags &= VU_BS_DATA | VU_BS_ZERO | VU_BS_ALLOCATED;
	bs->layer = NULL;
	if (bs->len > len)
		bs->len = len;
	return r;
}

static const char *slice_error(const struct vu_image *img)
{
	const struct slice *sl = img->priv;

	return vu_image_strerror(sl->base, -EIO);
}

static const struct vu_image_driver slice_drv = {
	.name = "slice",
	.pread = slice_pread,
	.block_status = slice_status,
	.last_error = slice_error,
	.close = free_priv,
};

int st_slice_image(struct vu_image **out, struct vu_image *base, uint64_t off, uint64_t len)
{
	struct slice *sl = calloc(1, sizeof(*sl));

	*out = NULL;
	if (!sl)
		return -ENOMEM;
	*sl = (struct slice){ .base = base, .off = off };
	if (off > base->size || len > base->size - off ||
	    !(*out = image_new(&slice_drv, base->filename, len, sl))) {
		free(sl);
		return off > base->size || len > base->size - off ? -EINVAL : -ENOMEM;
	}
	return 0;
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
