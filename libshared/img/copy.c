/* SPDX-License-Identifier: GPL-2.0-or-later */
/* copy.c - the copy engine: block status first, then only the data */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "vu/copy.h"
#include "image_int.h"

/* Large aligned I/O: qemu-img uses 2 MiB buffers too. */
#define COPY_BUF (2u << 20)
/* Block status is asked for at most this much at once. */
#define STATUS_CHUNK (1ull << 30)
#define DEFAULT_IN_FLIGHT 4
#define MAX_WORKERS 16

/*
 * The reader (the caller's thread) asks block status and reads into slots;
 * with -c, worker threads compress the clusters of filled slots; one writer
 * thread writes ready slots, in the guest's order unless out_of_order.
 * Reading and writing are both copies through the page cache, so on two
 * cores they overlap; a single writer serialises the sink, which a qcow2
 * image or a stream needs.
 */
enum job_kind { JOB_DATA, JOB_ZERO, JOB_END };
enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_BUSY, SLOT_READY };

struct slot {
	enum slot_state state;
	enum job_kind kind;
	uint64_t seq;		/* order of reading */
	uint8_t *buf;
	uint64_t off, len;	/* in the destination */
	uint8_t *cbuf;		/* -c: compressed clusters, one cluster apart */
	ssize_t *clen;		/* -c: per cluster: bytes, 0 plain, -1 all zeros */
};

struct copy_run {
	struct vu_sink *dst;
	const struct vu_copy_opts *o;
	struct vu_err *e;	/* the reader's errors */
	struct vu_err werr;	/* the writer's or a worker's first error */
	uint64_t dst_base;	/* where the current source starts in dst */
	uint64_t cluster;	/* -c: the destination's cluster size */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slots[VU_COPY_MAX_IN_FLIGHT];
	int nslots;
	uint64_t next_seq;	/* the reader's next */
	uint64_t written;	/* slots the writer has finished */
	bool failed;		/* stop reading: the writer or a worker gave up */
	bool done;		/* the writer has ended: workers leave */
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
	if (c->o->min_sparse || c->o->compress)
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

/* -c: each cluster as its worker left it; zero clusters are not written. */
static int write_compressed_job(struct copy_run *c, const struct slot *j)
{
	for (uint64_t i = 0; i * c->cluster < j->len; i++) {
		uint64_t off = j->off + i * c->cluster;
		ssize_t n = j->clen[i];
		int r;

		if (n < 0) {
			r = sink_zero(c, off, c->cluster);
		} else {
			r = c->dst->ops->write_compressed(c->dst, n ? j->cbuf + i * c->cluster
								    : j->buf + i * c->cluster,
							  (size_t)n, off);
			if (r < 0)
				vu_err_set(&c->werr, -r, "write at offset %llu: %s",
					   (unsigned long long)off, strerror(-r));
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_job(struct copy_run *c, const struct slot *j)
{
	if (j->kind == JOB_ZERO)
		return write_zero_job(c, j->off, j->len);
	if (c->o->compress)
		return write_compressed_job(c, j);
	return write_sparse(c, j->buf, j->len, j->off);
}

/* The slot the writer may take: the next in order, or any ready one. */
static struct slot *ready_slot(struct copy_run *c)
{
	struct slot *best = NULL;

	for (int i = 0; i < c->nslots; i++) {
		struct slot *j = &c->slots[i];

		if (j->state != SLOT_READY)
			continue;
		/* The end waits for everything read before it. */
		if (j->kind == JOB_END && j->seq != c->written)
			continue;
		if (!c->o->out_of_order && j->seq != c->written)
			continue;
		if (!best || j->seq < best->seq)
			best = j;
	}
	return best;
}

static void *writer(void *arg)
{
	struct copy_run *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct slot *j = NULL;

		while (!(j = ready_slot(c)))
			pthread_cond_wait(&c->cv, &c->mu);
		if (j->kind == JOB_END)
			break;
		j->state = SLOT_BUSY;
		pthread_mutex_unlock(&c->mu);
		int r = c->failed ? 0 : write_job(c, j);
		pthread_mutex_lock(&c->mu);
		c->failed = c->failed || r < 0;
		j->state = SLOT_FREE;
		c->written++;
		pthread_cond_broadcast(&c->cv);
	}
	c->done = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Compresses every cluster of a slot; all-zero clusters are marked -1. */
static int compress_slot(struct copy_run *c, struct slot *j)
{
	for (uint64_t i = 0; i * c->cluster < j->len; i++) {
		const uint8_t *in = j->buf + i * c->cluster;

		if (vu_buf_is_zero(in, c->cluster)) {
			j->clen[i] = -1;
			continue;
		}
		j->clen[i] = vu_image_compress_cluster(c->dst->img, in, j->cbuf + i * c->cluster);
		if (j->clen[i] < 0)
			return vu_err_set(&c->werr, (int)-j->clen[i], "compress: %s",
					  strerror((int)-j->clen[i]));
	}
	return 0;
}

/* Some slot in the given state, or NULL (the caller holds the lock). */
static struct slot *slot_in(struct copy_run *c, enum slot_state state)
{
	for (int i = 0; i < c->nslots; i++)
		if (c->slots[i].state == state)
			return &c->slots[i];
	return NULL;
}

static void *worker(void *arg)
{
	struct copy_run *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct slot *j = NULL;

		while (!c->done && !(j = slot_in(c, SLOT_FILLED)))
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->done)
			break;
		j->state = SLOT_BUSY;
		pthread_mutex_unlock(&c->mu);
		int r = c->failed ? 0 : compress_slot(c, j);
		pthread_mutex_lock(&c->mu);
		c->failed = c->failed || r < 0;
		j->state = SLOT_READY;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* A free slot for the reader, or NULL once the writer or a worker failed. */
static struct slot *slot_get(struct copy_run *c)
{
	struct slot *j = NULL;

	pthread_mutex_lock(&c->mu);
	while (!(j = slot_in(c, SLOT_FREE)) && !c->failed)
		pthread_cond_wait(&c->cv, &c->mu);
	if (c->failed)
		j = NULL;
	else
		j->state = SLOT_BUSY;
	pthread_mutex_unlock(&c->mu);
	return j;
}

static void slot_put(struct copy_run *c, struct slot *j, enum job_kind kind)
{
	pthread_mutex_lock(&c->mu);
	j->kind = kind;
	j->seq = c->next_seq++;
	j->state = kind == JOB_DATA && c->o->compress ? SLOT_FILLED : SLOT_READY;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static int queue_zero(struct copy_run *c, uint64_t off, uint64_t len)
{
	struct slot *j = slot_get(c);

	if (!j)
		return -EIO;	/* the writer's error is reported instead */
	j->off = c->dst_base + off;
	j->len = len;
	slot_put(c, j, JOB_ZERO);
	return 0;
}

/* Reads [off, off+len) of src into a slot; past src's end reads as zeros
 * (-c pads the last cluster). */
static int queue_data(struct copy_run *c, struct vu_image *src, uint64_t off, uint64_t len)
{
	struct slot *j = slot_get(c);
	uint64_t have = off < src->size ? src->size - off : 0;
	int r;

	if (!j)
		return -EIO;
	j->off = c->dst_base + off;
	j->len = len;
	have = have < len ? have : len;
	memset(j->buf + have, 0, len - have);
	if ((r = vu_image_pread(src, j->buf, have, off)) < 0) {
		pthread_mutex_lock(&c->mu);
		j->state = SLOT_FREE;
		pthread_mutex_unlock(&c->mu);
		return vu_err_set(c->e, -r, "%s: read at offset %llu: %s",
				  src->filename, (unsigned long long)off,
				  vu_image_strerror(src, r));
	}
	slot_put(c, j, JOB_DATA);
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

static int status(struct vu_err *e, struct vu_image *src, uint64_t off, uint64_t max,
		  struct vu_bstat *bs)
{
	uint64_t want = src->size - off < max ? src->size - off : max;
	int r = vu_image_block_status(src, off, want, bs);

	if (r < 0)
		return vu_err_set(e, -r, "%s: block status at offset %llu: %s",
				  src->filename, (unsigned long long)off,
				  vu_image_strerror(src, r));
	return 0;
}

/* -B: what the top image leaves to its backing chain is the target's
 * backing file's business, so it is not written at all. */
static bool from_backing(const struct copy_run *c, const struct vu_bstat *bs)
{
	return c->o->top_only && bs->depth > 0;
}

static int copy_one(struct copy_run *c, struct vu_image *src)
{
	uint64_t off = 0;

	while (off < src->size) {
		struct vu_bstat bs;
		int r = status(c->e, src, off, STATUS_CHUNK, &bs);

		if (r == 0 && !from_backing(c, &bs))
			r = (bs.flags & VU_BS_ZERO) ? queue_zero(c, off, bs.len)
						    : copy_data(c, src, off, bs.len);
		if (r < 0)
			return r;
		off += bs.len;
	}
	return 0;
}

/*
 * -c: whole destination clusters. A window of COPY_BUF (a multiple of the
 * cluster size) is read whole unless block status says it is all zeros or
 * all the backing file's; workers then skip the zero clusters inside.
 * The source must start on a cluster boundary of the destination.
 */
static int copy_one_compressed(struct copy_run *c, struct vu_image *src)
{
	uint64_t win = COPY_BUF - COPY_BUF % c->cluster;

	if (c->dst_base % c->cluster)
		return vu_err_set(c->e, EINVAL, "%s: compressed output needs every source "
				  "to start on a cluster boundary", src->filename);
	for (uint64_t off = 0; off < src->size; off += win) {
		uint64_t n = src->size - off < win ? src->size - off : win;
		uint64_t pad = (n + c->cluster - 1) / c->cluster * c->cluster;
		struct vu_bstat bs;
		int r = status(c->e, src, off, n, &bs);

		if (r < 0)
			return r;
		if (bs.len == n && (from_backing(c, &bs) || (bs.flags & VU_BS_ZERO)))
			r = from_backing(c, &bs) ? 0 : queue_zero(c, off, n);
		else
			r = queue_data(c, src, off, pad);
		if (r < 0)
			return r;
		if (c->o->progress)
			vu_progress_add(c->o->progress, n);
	}
	return 0;
}

static int run_init(struct copy_run *c)
{
	int n = c->o->in_flight > 0 ? c->o->in_flight : DEFAULT_IN_FLIGHT;

	c->nslots = n > VU_COPY_MAX_IN_FLIGHT ? VU_COPY_MAX_IN_FLIGHT : n;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (!(c->zeros = calloc(1, COPY_BUF)))
		return -ENOMEM;
	for (int i = 0; i < c->nslots; i++) {
		struct slot *j = &c->slots[i];

		if (posix_memalign((void **)&j->buf, 4096, COPY_BUF))
			return -ENOMEM;
		if (c->o->compress && (!(j->cbuf = malloc(COPY_BUF)) ||
				       !(j->clen = calloc(COPY_BUF / 512, sizeof(ssize_t)))))
			return -ENOMEM;
	}
	return 0;
}

static void run_free(struct copy_run *c)
{
	for (int i = 0; i < c->nslots; i++) {
		free(c->slots[i].buf);
		free(c->slots[i].cbuf);
		free(c->slots[i].clen);
	}
	free(c->zeros);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

static int nworkers(const struct copy_run *c)
{
	long n = c->o->workers > 0 ? c->o->workers : sysconf(_SC_NPROCESSORS_ONLN);

	if (!c->o->compress)
		return 0;
	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

/* Queues the end, failure or not: the writer drains every slot (writing
 * nothing once something failed), so a free one always comes. */
static void queue_end(struct copy_run *c)
{
	struct slot *j = NULL;

	pthread_mutex_lock(&c->mu);
	while (!(j = slot_in(c, SLOT_FREE)))
		pthread_cond_wait(&c->cv, &c->mu);
	j->kind = JOB_END;
	j->seq = c->next_seq++;
	j->state = SLOT_READY;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static int copy_all(struct copy_run *c, struct vu_image **src, int nsrc)
{
	pthread_t wtid, ctid[MAX_WORKERS];
	int r = 0, nw = nworkers(c), started = 0;
	int terr = pthread_create(&wtid, NULL, writer, c);

	if (terr)
		return vu_err_set(c->e, terr, "cannot start the writer thread");
	while (started < nw && pthread_create(&ctid[started], NULL, worker, c) == 0)
		started++;
	if (nw && !started)
		r = vu_err_set(c->e, EAGAIN, "cannot start a compression thread");
	for (int i = 0; i < nsrc && r == 0; i++) {
		r = c->o->compress ? copy_one_compressed(c, src[i]) : copy_one(c, src[i]);
		c->dst_base += src[i]->size;
	}
	queue_end(c);
	pthread_join(wtid, NULL);
	for (int i = 0; i < started; i++)
		pthread_join(ctid[i], NULL);
	if (c->failed) {
		*c->e = c->werr;
		return -c->werr.code;
	}
	return r;
}

int vu_copy(struct vu_image **src, int nsrc, struct vu_sink *dst,
	    const struct vu_copy_opts *o, struct vu_err *e)
{
	struct copy_run c = { .dst = dst, .o = o, .e = e, .cluster = dst->cluster_size };
	int r = 0;

	if (o->compress && (!dst->ops->write_compressed || !c.cluster))
		return vu_err_set(e, ENOTSUP, "the destination's format does not compress");
	r = run_init(&c);
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
			int r = status(e, src[i], off, STATUS_CHUNK, &bs);

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

static int image_sink_write_compressed(struct vu_sink *s, const void *data, size_t len,
				       uint64_t off)
{
	return vu_image_write_compressed(s->img, data, len, off);
}

static int image_sink_finish(struct vu_sink *s)
{
	int r = 0;

	/* Formats that cannot be resized (vdi) made the image at least as
	 * large as asked, rounded up to their unit, as qemu-img does. */
	if (s->img->size != s->size && !s->img->is_blockdev)
		r = s->img->drv->truncate ? s->img->drv->truncate(s->img, s->size)
		    : s->img->size > s->size ? 0 : -ENOTSUP;
	/* Always: a format's cached metadata must reach the file, and an
	 * error writing it be seen, before the image counts as written. An
	 * image opened VU_OPEN_UNSAFE writes without syncing. */
	if (r == 0)
		r = s->img->drv->flush(s->img);
	return r;
}

static const struct vu_sink_ops image_sink_ops = {
	.pwrite = image_sink_pwrite,
	.zero = image_sink_zero,
	.write_compressed = image_sink_write_compressed,
	.finish = image_sink_finish,
};

int vu_sink_image_init(struct vu_sink *s, struct vu_image *img, uint64_t size,
		       bool zero_init, bool sync)
{
	if (!img->drv->pwrite || !img->drv->pwrite_zeroes)
		return -EROFS;
	*s = (struct vu_sink){ .ops = &image_sink_ops, .size = size, .img = img,
			       .zero_init = zero_init, .sync = sync };
	if (img->drv->write_compressed && img->drv->compress_cluster) {
		struct vu_info info;

		if (vu_image_info(img, &info) == 0) {
			s->cluster_size = info.cluster_size;
			vu_info_free(&info);
		}
	}
	return 0;
}
