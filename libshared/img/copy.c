/* SPDX-License-Identifier: GPL-2.0-or-later */
/* copy.c - the copy engine: block status first, then only the data */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vu/copy.h"

/* Large aligned I/O: qemu-img uses 2 MiB buffers too. */
#define COPY_BUF (2u << 20)
/* Block status is asked for at most this much at once. */
#define STATUS_CHUNK (1ull << 30)
/* Buffers in flight between the reader and the writer. */
#define NSLOTS 4

/*
 * The reader (the caller's thread) asks block status and reads; one writer
 * thread detects zeros and writes, in order. Reading and writing are both
 * copies through the page cache, so on two cores they overlap nearly
 * perfectly; a single writer keeps the sink's writes in order, which a
 * stream or a qcow2 sink needs.
 */
enum job_kind { JOB_DATA, JOB_ZERO, JOB_END };

struct job {
	enum job_kind kind;
	uint8_t *buf;
	uint64_t off, len;	/* in the destination */
};

struct copy_run {
	struct vu_sink *dst;
	const struct vu_copy_opts *o;
	struct vu_err *e;	/* the reader's errors */
	struct vu_err werr;	/* the writer's first error */
	uint64_t dst_base;	/* where the current source starts in dst */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job slots[NSLOTS];
	unsigned head, tail;	/* next job to write, next slot to fill */
	bool failed;		/* the writer gave up: stop reading */
	uint8_t *zeros;		/* COPY_BUF of zeros for -S 0 */
};

static int sink_zero(struct copy_run *c, uint64_t off, uint64_t len)
{
	int r;

	if (c->dst->zero_init && c->o->min_sparse)
		return 0;
	r = c->dst->ops->zero(c->dst, off, len);
	if (r < 0)
		return vu_err_set(&c->werr, -r, "write zeros at offset %llu: %s",
				  (unsigned long long)off, strerror(-r));
	return 0;
}

static int sink_write(struct copy_run *c, const uint8_t *p, size_t len, uint64_t off)
{
	int r = c->dst->ops->pwrite(c->dst, p, len, off);

	if (r < 0)
		return vu_err_set(&c->werr, -r, "write at offset %llu: %s",
				  (unsigned long long)off, strerror(-r));
	return 0;
}

/*
 * Writes buf, except that runs of zeros of at least min_sparse bytes,
 * aligned to min_sparse in the destination, become holes (or explicit
 * zeroing when the sink does not start out as zeros).
 */
static int write_sparse(struct copy_run *c, const uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t ms = c->o->min_sparse;
	size_t i = 0;

	if (ms == 0)
		return sink_write(c, buf, len, off);
	while (i < len) {
		size_t blk = ms - (off + i) % ms;
		size_t start = i;
		bool zero;

		if (blk > len - i)
			blk = len - i;
		zero = blk == ms && vu_buf_is_zero(buf + i, blk);
		/* Extend the run while blocks keep the same kind. */
		for (i += blk; i < len; i += blk) {
			blk = len - i < ms ? len - i : ms;
			if (zero != (blk == ms && vu_buf_is_zero(buf + i, blk)))
				break;
		}
		int r = zero ? sink_zero(c, off + start, i - start)
			     : sink_write(c, buf + start, i - start, off + start);
		if (r < 0)
			return r;
	}
	return 0;
}

/* -S 0: zero extents are written as data so the result is fully allocated. */
static int write_zero_job(struct copy_run *c, uint64_t off, uint64_t len)
{
	if (c->o->min_sparse)
		return sink_zero(c, off, len);
	while (len) {
		size_t n = len < COPY_BUF ? (size_t)len : COPY_BUF;
		int r = sink_write(c, c->zeros, n, off);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

static void *writer(void *arg)
{
	struct copy_run *c = arg;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->head == c->tail)
			pthread_cond_wait(&c->cv, &c->mu);
		struct job j = c->slots[c->head % NSLOTS];
		pthread_mutex_unlock(&c->mu);
		if (j.kind == JOB_END)
			return NULL;
		int r = j.kind == JOB_DATA ? write_sparse(c, j.buf, j.len, j.off)
					   : write_zero_job(c, j.off, j.len);
		pthread_mutex_lock(&c->mu);
		c->head++;
		c->failed = c->failed || r < 0;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
}

/* A free slot for the reader, or NULL once the writer has failed. */
static struct job *slot_get(struct copy_run *c)
{
	struct job *j = NULL;

	pthread_mutex_lock(&c->mu);
	while (c->tail - c->head == NSLOTS && !c->failed)
		pthread_cond_wait(&c->cv, &c->mu);
	if (!c->failed)
		j = &c->slots[c->tail % NSLOTS];
	pthread_mutex_unlock(&c->mu);
	return j;
}

static void slot_put(struct copy_run *c)
{
	pthread_mutex_lock(&c->mu);
	c->tail++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static int queue_zero(struct copy_run *c, uint64_t off, uint64_t len)
{
	struct job *j = slot_get(c);

	if (!j)
		return -EIO;	/* the writer's error is reported instead */
	*j = (struct job){ .kind = JOB_ZERO, .buf = j->buf, .off = c->dst_base + off,
			   .len = len };
	slot_put(c);
	return 0;
}

static int queue_data(struct copy_run *c, struct vu_image *src, uint64_t off, uint64_t len)
{
	struct job *j = slot_get(c);
	int r;

	if (!j)
		return -EIO;
	j->kind = JOB_DATA;
	j->off = c->dst_base + off;
	j->len = len;
	if ((r = vu_image_pread(src, j->buf, len, off)) < 0)
		return vu_err_set(c->e, -r, "%s: read at offset %llu: %s",
				  src->filename, (unsigned long long)off,
				  vu_image_strerror(src, r));
	slot_put(c);
	return 0;
}

static int copy_data(struct copy_run *c, struct vu_image *src, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = len < COPY_BUF ? (size_t)len : COPY_BUF;
		int r = queue_data(c, src, off, n);

		if (r < 0)
			return r;
		if (c->o->progress)
			vu_progress_add(c->o->progress, n);
		off += n;
		len -= n;
	}
	return 0;
}

static int status(struct vu_err *e, struct vu_image *src, uint64_t off,
		  struct vu_bstat *bs)
{
	uint64_t want = src->size - off < STATUS_CHUNK ? src->size - off : STATUS_CHUNK;
	int r = vu_image_block_status(src, off, want, bs);

	if (r < 0)
		return vu_err_set(e, -r, "%s: block status at offset %llu: %s",
				  src->filename, (unsigned long long)off,
				  vu_image_strerror(src, r));
	return 0;
}

static int copy_one(struct copy_run *c, struct vu_image *src)
{
	uint64_t off = 0;

	while (off < src->size) {
		struct vu_bstat bs;
		int r = status(c->e, src, off, &bs);

		if (r == 0)
			r = (bs.flags & VU_BS_ZERO) ? queue_zero(c, off, bs.len)
						    : copy_data(c, src, off, bs.len);
		if (r < 0)
			return r;
		off += bs.len;
	}
	return 0;
}

static int run_init(struct copy_run *c)
{
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (!(c->zeros = calloc(1, COPY_BUF)))
		return -ENOMEM;
	for (int i = 0; i < NSLOTS; i++)
		if (posix_memalign((void **)&c->slots[i].buf, 4096, COPY_BUF))
			return -ENOMEM;
	return 0;
}

static void run_free(struct copy_run *c)
{
	for (int i = 0; i < NSLOTS; i++)
		free(c->slots[i].buf);
	free(c->zeros);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

static int copy_all(struct copy_run *c, struct vu_image **src, int nsrc)
{
	pthread_t tid;
	int r = 0, terr = pthread_create(&tid, NULL, writer, c);

	if (terr)
		return vu_err_set(c->e, terr, "cannot start the writer thread");
	for (int i = 0; i < nsrc && r == 0; i++) {
		r = copy_one(c, src[i]);
		c->dst_base += src[i]->size;
	}
	/* Always end the writer: after the data, or early on a read error. */
	struct job *j = slot_get(c);
	if (j) {
		j->kind = JOB_END;
		slot_put(c);
	} else {
		pthread_mutex_lock(&c->mu);
		c->slots[c->tail++ % NSLOTS].kind = JOB_END;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	pthread_join(tid, NULL);
	if (c->failed) {
		*c->e = c->werr;
		return -c->werr.code;
	}
	return r;
}

int vu_copy(struct vu_image **src, int nsrc, struct vu_sink *dst,
	    const struct vu_copy_opts *o, struct vu_err *e)
{
	struct copy_run c = { .dst = dst, .o = o, .e = e };
	int r = run_init(&c);

	if (r < 0)
		vu_err_set(e, -r, NULL);
	else
		r = copy_all(&c, src, nsrc);
	run_free(&c);
	if (r == 0 && (r = dst->ops->finish(dst)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	return r;
}

int vu_copy_measure(struct vu_image **src, int nsrc, uint64_t *data_bytes,
		    struct vu_err *e)
{
	*data_bytes = 0;
	for (int i = 0; i < nsrc; i++) {
		for (uint64_t off = 0; off < src[i]->size;) {
			struct vu_bstat bs;
			int r = status(e, src[i], off, &bs);

			if (r < 0)
				return r;
			if (!(bs.flags & VU_BS_ZERO))
				*data_bytes += bs.len;
			off += bs.len;
		}
	}
	return 0;
}

/* ---- a sink on an image opened for writing ---- */

static int image_sink_pwrite(struct vu_sink *s, const void *buf, size_t len, uint64_t off)
{
	return s->img->drv->pwrite(s->img, buf, len, off);
}

static int image_sink_zero(struct vu_sink *s, uint64_t off, uint64_t len)
{
	return s->img->drv->pwrite_zeroes(s->img, off, len, true);
}

static int image_sink_finish(struct vu_sink *s)
{
	int r = 0;

	if (s->img->size != s->size && !s->img->is_blockdev)
		r = s->img->drv->truncate(s->img, s->size);
	if (r == 0 && s->sync)
		r = s->img->drv->flush(s->img);
	return r;
}

static const struct vu_sink_ops image_sink_ops = {
	.pwrite = image_sink_pwrite,
	.zero = image_sink_zero,
	.finish = image_sink_finish,
};

int vu_sink_image_init(struct vu_sink *s, struct vu_image *img, uint64_t size,
		       bool zero_init, bool sync)
{
	if (!img->drv->pwrite || !img->drv->pwrite_zeroes || !img->drv->truncate)
		return -EROFS;
	*s = (struct vu_sink){ .ops = &image_sink_ops, .size = size, .img = img,
			       .zero_init = zero_init, .sync = sync };
	return 0;
}
