/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_write.c - qcow2 writes: set-up, the ordered metadata flush, pwrite, zeroes, discard */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "qcow2_wr.h"

#define DIRECT_ALIGN 4096

/* Records why a write failed (pwrite has no vu_err) and returns r. */
static int fail(struct qcow2 *q, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct qcow2 *q, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->errmsg, sizeof(q->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

int qcow2_sync(struct vu_image *img)
{
	struct qcow2_wr *w = ((struct qcow2 *)img->priv)->wr;

	if (!w->unsafe && fdatasync(img->fd) < 0)
		return -errno;
	w->rc_written = w->l2_written = false;
	return 0;
}

/* O_DIRECT wants aligned I/O: read, patch and write the aligned blocks. */
static int write_bounced(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t start = off & ~(uint64_t)(DIRECT_ALIGN - 1);
	size_t span = (size_t)((off + len + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN - start);
	uint8_t *b;
	int r;

	if (posix_memalign((void **)&b, DIRECT_ALIGN, span))
		return -ENOMEM;
	r = vu_pread_all(fd, b, span, (off_t)start, true);
	if (r == 0) {
		memcpy(b + (off - start), buf, len);
		r = vu_pwrite_all(fd, b, span, (off_t)start);
	}
	free(b);
	return r;
}

int qcow2_write_file(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	struct qcow2 *q = img->priv;
	int r;

	if (q->direct && (((uintptr_t)buf | len | off) & (DIRECT_ALIGN - 1)))
		r = write_bounced(img->fd, buf, len, off);
	else
		r = vu_pwrite_all(img->fd, buf, len, (off_t)off);
	if (r == 0 && off + len > q->file_size)
		q->file_size = off + len;
	return r;
}

int qcow2_write_table(struct vu_image *img, const uint64_t *t, uint64_t n, uint64_t bytes,
		      uint64_t off)
{
	uint8_t *raw;
	int r;

	if (!bytes)
		return 0;
	if (!(raw = calloc(1, bytes)))
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		qcow2_put_be(raw + i * 8, 8, t[i]);
	r = qcow2_write_file(img, raw, (size_t)bytes, off);
	free(raw);
	return r;
}

/* The fixed header fields as they sit in the file (112 bytes for v3). */
static void header_fixed(const struct qcow2_header *h, uint8_t *b)
{
	memset(b, 0, 112);
	qcow2_put_be(b, 4, h->magic);
	qcow2_put_be(b + 4, 4, h->version);
	qcow2_put_be(b + 8, 8, h->backing_file_offset);
	qcow2_put_be(b + 16, 4, h->backing_file_size);
	qcow2_put_be(b + 20, 4, h->cluster_bits);
	qcow2_put_be(b + 24, 8, h->size);
	qcow2_put_be(b + 32, 4, h->crypt_method);
	qcow2_put_be(b + 36, 4, h->l1_size);
	qcow2_put_be(b + 40, 8, h->l1_table_offset);
	qcow2_put_be(b + 48, 8, h->refcount_table_offset);
	qcow2_put_be(b + 56, 4, h->refcount_table_clusters);
	qcow2_put_be(b + 60, 4, h->nb_snapshots);
	qcow2_put_be(b + 64, 8, h->snapshots_offset);
	if (h->version < 3)
		return;
	qcow2_put_be(b + 72, 8, h->incompatible_features);
	qcow2_put_be(b + 80, 8, h->compatible_features);
	qcow2_put_be(b + 88, 8, h->autoclear_features);
	qcow2_put_be(b + 96, 4, h->refcount_order);
	qcow2_put_be(b + 100, 4, h->header_length);
	b[104] = h->compression_type;
}

void qcow2_header_serialize(const struct qcow2_header *h, uint8_t *b)
{
	header_fixed(h, b);
}

int qcow2_header_update(struct vu_image *img, unsigned from, unsigned to)
{
	struct qcow2 *q = img->priv;
	uint8_t b[112];

	header_fixed(&q->h, b);
	return qcow2_write_file(img, b + from, to - from, from);
}

/*
 * Before the first change: under lazy refcounts the dirty bit goes to the
 * file first (refcounts may then lag behind). Persistent bitmaps are
 * marked in use and kept up to date (qcow2_bitmap.c); other autoclear bits,
 * and the bitmaps' where they cannot be kept, are cleared, as the
 * specification asks of a writer that does not keep what they stand for.
 */
int qcow2_begin_write(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint64_t incompat = q->h.incompatible_features, autoclear;
	bool keep;
	int r;

	q->errmsg[0] = '\0';
	if (w->began)
		return 0;
	if (w->lazy)
		incompat |= QCOW2_INCOMPAT_DIRTY;
	if ((r = qcow2_bitmaps_begin(img, &keep)) < 0)
		return fail(q, r, "cannot mark the bitmaps in use: %s", strerror(-r));
	autoclear = keep ? QCOW2_AUTOCLEAR_BITMAPS : 0;
	if (q->h.version >= 3 && (incompat != q->h.incompatible_features ||
				  q->h.autoclear_features != autoclear)) {
		q->h.incompatible_features = incompat;
		q->h.autoclear_features = autoclear;
		if ((r = qcow2_header_update(img, 72, 96)) < 0 || (r = qcow2_sync(img)) < 0)
			return fail(q, r, "cannot update the header: %s", strerror(-r));
	}
	w->began = true;
	return 0;
}

static bool rc_dirty(const struct qcow2_wr *w)
{
	if (w->rt_dirty_lo < w->rt_dirty_hi)
		return true;
	for (int i = 0; i < QCOW2_RC_SLOTS; i++)
		if (w->rc[i].dirty)
			return true;
	return false;
}

int qcow2_l2_writeback(struct vu_image *img, struct qcow2_l2_slot *s)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	int r = 0;

	if (rc_dirty(w))
		r = qcow2_rc_write(img);
	if (r == 0 && w->rc_written && !w->lazy)
		r = qcow2_sync(img);
	if (r == 0)
		r = qcow2_write_file(img, s->table, q->cluster_size, s->offset);
	if (r < 0)
		return r;
	s->dirty = false;
	w->l2_written = true;
	return 0;
}

static int l2_write_all(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	int r;

	if (rc_dirty(q->wr) && (r = qcow2_rc_write(img)) < 0)
		return r;
	for (unsigned i = 0; i < QCOW2_L2_CACHE_MAX; i++) {
		struct qcow2_l2_slot *s = &q->l2_cache[i];

		if (s->offset && s->dirty && (r = qcow2_l2_writeback(img, s)) < 0)
			return r;
	}
	return 0;
}

void qcow2_l1_set(struct vu_image *img, uint64_t l1i, uint64_t entry)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;

	q->l1[l1i] = entry;
	if (l1i < w->l1_dirty_lo)
		w->l1_dirty_lo = (uint32_t)l1i;
	if (l1i + 1 > w->l1_dirty_hi)
		w->l1_dirty_hi = (uint32_t)(l1i + 1);
}

int qcow2_l1_write(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	uint32_t lo = w->l1_dirty_lo, hi = w->l1_dirty_hi;
	int r;

	if (lo >= hi)
		return 0;
	/* The tables the new entries point at come first. */
	if ((r = l2_write_all(img)) < 0)
		return r;
	if ((w->l2_written || w->rc_written) && (r = qcow2_sync(img)) < 0)
		return r;
	r = qcow2_write_table(img, q->l1 + lo, hi - lo, (hi - lo) * 8ull,
			      q->h.l1_table_offset + lo * 8ull);
	if (r == 0) {
		w->l1_dirty_lo = UINT32_MAX;
		w->l1_dirty_hi = 0;
		w->l2_written = true;	/* a sync before anything relies on it */
	}
	return r;
}

int qcow2_meta_flush(struct vu_image *img, bool frees)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q->wr;
	int r;

	if ((r = l2_write_all(img)) < 0 || (r = qcow2_l1_write(img)) < 0)
		return r;
	if (frees && w->nfrees) {
		/* Nothing in the file may point at a cluster when it goes free. */
		if ((r = qcow2_sync(img)) < 0 || (r = qcow2_frees_apply(img)) < 0 ||
		    (r = qcow2_rc_write(img)) < 0)
			return r;
	}
	return qcow2_sync(img);
}

int qcow2_flush(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	int r;

	if (!q->wr)
		return -EROFS;
	r = qcow2_meta_flush(img, true);
	return r < 0 ? fail(q, r, "cannot write metadata: %s", strerror(-r)) : 0;
}

/* ---- L2 entries ---- */

uint64_t qcow2_l2e(const struct qcow2 *q, const struct qcow2_l2_slot *s, uint64_t g)
{
	uint64_t i = g & ((1ull << q->l2_bits) - 1);

	return qcow2_get_be(s->table + i * q->l2_entry_size, 8);
}

uint64_t qcow2_l2e_bitmap(const struct qcow2 *q, const struct qcow2_l2_slot *s, uint64_t g)
{
	uint64_t i = g & ((1ull << q->l2_bits) - 1);

	return q->extended_l2 ? qcow2_get_be(s->table + i * 16 + 8, 8) : 0;
}

void qcow2_l2e_set(struct qcow2 *q, struct qcow2_l2_slot *s, uint64_t g, uint64_t entry,
		   uint64_t bitmap)
{
	uint64_t i = g & ((1ull << q->l2_bits) - 1);

	qcow2_put_be(s->table + i * q->l2_entry_size, 8, entry);
	if (q->extended_l2)
		qcow2_put_be(s->table + i * 16 + 8, 8, bitmap);
	s->dirty = true;
}

int qcow2_entry_release(struct vu_image *img, uint64_t entry)
{
	struct qcow2 *q = img->priv;

	if (entry & QCOW2_OFLAG_COMPRESSED) {
		uint64_t coff = entry & q->coffset_mask;
		uint64_t nsect = ((entry >> q->csize_shift) & q->csize_mask) + 1;

		return qcow2_free_later(img, coff, nsect * 512 - (coff & 511));
	}
	return qcow2_free_later(img, entry & QCOW2_L2_OFFSET_MASK, q->cluster_size);
}

/* The L2 table of l1i, allocated (zeros) or copied when it is shared. */
int qcow2_l2_writable(struct vu_image *img, uint64_t l1i, struct qcow2_l2_slot **slot)
{
	struct qcow2 *q = img->priv;
	uint64_t e = q->l1[l1i], old = e & QCOW2_L1_OFFSET_MASK, neu;
	const uint8_t *t;
	int r;

	if (old && (e & QCOW2_OFLAG_COPIED))
		return qcow2_l2_slot(img, old, false, slot);
	if (old && (r = qcow2_l2_get(img, old, &t)) == 0)
		memcpy(q->wr->buf, t, q->cluster_size);
	else if (old)
		return r;
	if ((r = qcow2_alloc(img, 1, &neu)) < 0 || (r = qcow2_l2_slot(img, neu, true, slot)) < 0)
		return r;
	if (old) {
		/* Entries keep their flags: what the shared table pointed at
		 * is shared too (a snapshot counted it). */
		memcpy((*slot)->table, q->wr->buf, q->cluster_size);
		if ((r = qcow2_free_later(img, old, q->cluster_size)) < 0)
			return r;
	}
	(*slot)->dirty = true;
	qcow2_l1_set(img, l1i, neu | QCOW2_OFLAG_COPIED);
	return 0;
}

int qcow2_clusters_set(struct vu_image *img, uint64_t first, uint64_t n, uint64_t entry,
		       uint64_t bitmap)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s;
	int r = qcow2_l2_writable(img, first >> q->l2_bits, &s);

	for (uint64_t g = first; r == 0 && g < first + n; g++) {
		uint64_t old = qcow2_l2e(q, s, g);

		if (old == entry && qcow2_l2e_bitmap(q, s, g) == bitmap)
			continue;
		r = qcow2_entry_release(img, old);
		qcow2_l2e_set(q, s, g, entry, bitmap);
	}
	return r;
}

/* ---- pwrite ---- */

/* How a write treats a cluster: overwrite its host cluster, fill and
 * rewrite the host cluster whole, or give it a new one. */
enum wkind { W_INPLACE, W_REUSE, W_NEW };

static enum wkind write_kind(const struct qcow2 *q, uint64_t e, uint64_t bitmap)
{
	uint64_t host = e & QCOW2_L2_OFFSET_MASK;

	if (!(e & QCOW2_OFLAG_COPIED) || (e & QCOW2_OFLAG_COMPRESSED) || !host)
		return W_NEW;
	if (q->extended_l2)
		return bitmap == QCOW2_BITMAP_ALL_ALLOC ? W_INPLACE : W_REUSE;
	return (e & QCOW2_OFLAG_ZERO) ? W_REUSE : W_INPLACE;
}

/*
 * What guest cluster g holds now, into buf (a cluster; zeros past the
 * end). Where it comes from a backing file that is not open (opened with
 * VU_OPEN_NO_BACKING) we cannot know it: refuse instead of inventing zeros.
 */
static int fill_cluster(struct vu_image *img, uint64_t g, uint8_t *buf)
{
	struct qcow2 *q = img->priv;
	uint64_t start = g << q->cluster_bits;
	uint64_t len = img->size - start < q->cluster_size ? img->size - start : q->cluster_size;
	int r;

	if (img->backing_file && !img->backing) {
		for (uint64_t pos = start; pos < start + len;) {
			struct qcow2_extent x;

			if ((r = qcow2_extent(img, pos, start + len - pos, false, &x)) < 0)
				return r;
			if (x.kind == QCOW2_UNALLOCATED || x.kind == QCOW2_UNALLOCATED_ALLOC)
				return fail(q, -ENOTSUP, "partial cluster write over a backing "
					    "file that is not open");
			pos += x.len;
		}
	}
	memset(buf + len, 0, q->cluster_size - len);
	return qcow2_pread(img, buf, (size_t)len, start);
}

/* Writes len bytes at in (offset in the cluster) into host cluster h as a
 * whole cluster, the rest being what guest cluster g holds. */
static int write_filled(struct vu_image *img, uint64_t g, uint64_t h, const uint8_t *p,
			size_t in, size_t len)
{
	struct qcow2 *q = img->priv;
	uint8_t *b = q->wr->buf;
	int r;

	if (in == 0 && len == q->cluster_size)
		return qcow2_write_file(img, p, len, h);
	if ((r = fill_cluster(img, g, b)) < 0)
		return r;
	memcpy(b + in, p, len);
	return qcow2_write_file(img, b, q->cluster_size, h);
}

/* Data for k new clusters from guest cluster g at host h: full clusters
 * straight from p, the partial first and last ones filled. */
static int write_new_data(struct vu_image *img, uint64_t g, uint64_t k, uint64_t h,
			  const uint8_t *p, size_t in, size_t len)
{
	struct qcow2 *q = img->priv;
	size_t cs = (size_t)q->cluster_size, first = cs - in < len ? cs - in : len;
	size_t mid, last;
	int r;

	if ((r = write_filled(img, g, h, p, in, first)) < 0 || k == 1)
		return r;
	mid = (size_t)(k - 2) * cs;
	last = len - first - mid;
	if (mid && (r = qcow2_write_file(img, p + first, mid, h + cs)) < 0)
		return r;
	return write_filled(img, g + k - 1, h + (k - 1) * cs, p + first + mid, 0, last);
}

static int write_new(struct vu_image *img, uint64_t g, uint64_t k, const uint8_t *p,
		     size_t in, size_t len)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s;
	uint64_t h;
	int r;

	if ((r = qcow2_alloc(img, k, &h)) < 0)
		return fail(q, r, "cannot allocate clusters: %s", strerror(-r));
	if ((r = write_new_data(img, g, k, h, p, in, len)) < 0)
		return r;
	/* Reading the old data may have recycled the slot: ask again. */
	if ((r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0)
		return r;
	for (uint64_t i = 0; i < k; i++) {
		if ((r = qcow2_entry_release(img, qcow2_l2e(q, s, g + i))) < 0)
			return r;
		qcow2_l2e_set(q, s, g + i, (h + (i << q->cluster_bits)) | QCOW2_OFLAG_COPIED,
			      QCOW2_BITMAP_ALL_ALLOC);
	}
	return 0;
}

static int write_reuse(struct vu_image *img, uint64_t g, uint64_t e, const uint8_t *p,
		       size_t in, size_t len)
{
	struct qcow2 *q = img->priv;
	uint64_t h = e & QCOW2_L2_OFFSET_MASK;
	struct qcow2_l2_slot *s;
	int r;

	if ((r = write_filled(img, g, h, p, in, len)) < 0 ||
	    (r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0)
		return r;
	qcow2_l2e_set(q, s, g, h | QCOW2_OFLAG_COPIED, QCOW2_BITMAP_ALL_ALLOC);
	return 0;
}

/* One step of a write, within one L2 table: a run of clusters of one kind. */
static int write_step(struct vu_image *img, const uint8_t *p, size_t len, uint64_t off,
		      size_t *done)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size, g = off >> q->cluster_bits;
	size_t in = (size_t)(off & (cs - 1));
	uint64_t per = 1ull << q->l2_bits, left = per - (g & (per - 1));
	uint64_t n = (in + len + cs - 1) / cs, e, h, k = 1;
	struct qcow2_l2_slot *s;
	enum wkind kind;
	int r;

	if (n > left)
		n = left;
	if ((r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0)
		return fail(q, r, "cannot update the l2 table: %s", strerror(-r));
	e = qcow2_l2e(q, s, g);
	kind = write_kind(q, e, qcow2_l2e_bitmap(q, s, g));
	h = e & QCOW2_L2_OFFSET_MASK;
	while (kind != W_REUSE && k < n) {
		uint64_t ek = qcow2_l2e(q, s, g + k);
		enum wkind kk = write_kind(q, ek, qcow2_l2e_bitmap(q, s, g + k));

		if (kk != kind || (kind == W_INPLACE && (ek & QCOW2_L2_OFFSET_MASK) != h + k * cs))
			break;
		k++;
	}
	*done = k * cs - in < len ? (size_t)(k * cs - in) : len;
	if (kind == W_INPLACE)
		return qcow2_write_file(img, p, *done, h + in);
	if (kind == W_REUSE)
		return write_reuse(img, g, e, p, in, *done);
	return write_new(img, g, k, p, in, *done);
}

/* Pending frees are applied at a flush; many of them make one here. */
static int start_op(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	int r;

	if (!q->wr)
		return -EROFS;
	if ((r = qcow2_begin_write(img)) < 0)
		return r;
	if (q->wr->nfrees >= QCOW2_FREES_MAX && (r = qcow2_meta_flush(img, true)) < 0)
		return fail(q, r, "cannot write metadata: %s", strerror(-r));
	return 0;
}

int qcow2_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	int r = start_op(img);

	if (r == 0)
		qcow2_bitmaps_mark(img, off, len);
	while (r == 0 && len) {
		size_t done = 0;

		if ((r = write_step(img, p, len, off, &done)) < 0)
			break;
		p += done;
		off += done;
		len -= done;
	}
	if (r < 0 && !((struct qcow2 *)img->priv)->errmsg[0])
		fail(img->priv, r, "write at offset %llu: %s", (unsigned long long)off,
		     strerror(-r));
	return r;
}

/* ---- zeroes and discard ---- */

/* Whether guest cluster g reads as zeros in this layer without a change. */
static int reads_zero(struct vu_image *img, uint64_t g, bool *zero)
{
	struct qcow2 *q = img->priv;
	uint64_t start = g << q->cluster_bits;
	uint64_t len = img->size - start < q->cluster_size ? img->size - start : q->cluster_size;
	struct qcow2_extent x;
	int r = qcow2_extent(img, start, len, false, &x);

	if (r < 0)
		return r;
	*zero = x.len == len && (x.kind == QCOW2_ZERO_PLAIN || x.kind == QCOW2_ZERO_ALLOC ||
				 ((x.kind == QCOW2_UNALLOCATED ||
				   x.kind == QCOW2_UNALLOCATED_ALLOC) && !img->backing_file));
	return 0;
}

/* Zeros written as data, cluster by cluster, except where it reads as zeros. */
static int zero_data(struct vu_image *img, uint64_t off, uint64_t len)
{
	struct qcow2 *q = img->priv;

	while (len) {
		uint64_t n = q->cluster_size - (off & (q->cluster_size - 1));
		bool zero;
		int r;

		n = n < len ? n : len;
		if ((r = reads_zero(img, off >> q->cluster_bits, &zero)) < 0)
			return r;
		if (!zero && (r = qcow2_pwrite(img, q->wr->zbuf, (size_t)n, off)) < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

/* Whole clusters [g, g+n) of one L2 table read as zeros from now on. */
static int zero_clusters(struct vu_image *img, uint64_t g, uint64_t n, bool may_unmap)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s;
	int r;

	if (!q->l1[g >> q->l2_bits] && !img->backing_file)
		return 0;	/* unallocated without a backing file: zeros already */
	if (q->h.version < 3)
		return img->backing_file ? zero_data(img, g << q->cluster_bits,
						      n << q->cluster_bits)
					 : qcow2_clusters_set(img, g, n, 0, 0);
	if ((r = qcow2_l2_writable(img, g >> q->l2_bits, &s)) < 0)
		return r;
	for (uint64_t i = g; i < g + n; i++) {
		uint64_t e = qcow2_l2e(q, s, i), h = e & QCOW2_L2_OFFSET_MASK;
		bool keep = !may_unmap && h && (e & QCOW2_OFLAG_COPIED) &&
			    !(e & QCOW2_OFLAG_COMPRESSED);
		uint64_t ne = keep ? h | QCOW2_OFLAG_COPIED : 0;

		if (!q->extended_l2)
			ne |= QCOW2_OFLAG_ZERO;
		if (ne == e && qcow2_l2e_bitmap(q, s, i) == (q->extended_l2 ?
							      QCOW2_BITMAP_ALL_ZERO : 0))
			continue;
		if (!keep && (r = qcow2_entry_release(img, e)) < 0)
			return r;
		qcow2_l2e_set(q, s, i, ne, QCOW2_BITMAP_ALL_ZERO);
	}
	return 0;
}

/* Splits [off, off+len) into partial cluster pieces and runs of whole
 * clusters within one L2 table; the last cluster counts as whole when the
 * range reaches the end of the disk. */
static uint64_t piece(const struct vu_image *img, uint64_t off, uint64_t len, bool *whole)
{
	const struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size, in = off & (cs - 1), g = off >> q->cluster_bits;
	uint64_t per = 1ull << q->l2_bits, left = (per - (g & (per - 1))) * cs, n;

	if (in) {
		*whole = false;
		return cs - in < len ? cs - in : len;
	}
	n = len & ~(cs - 1);
	if (off + len == img->size)
		n = len;
	*whole = n != 0;
	if (!n)
		return len;
	return n < left ? n : left;
}

int qcow2_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	struct qcow2 *q = img->priv;
	int r = start_op(img);

	if (r == 0)
		qcow2_bitmaps_mark(img, off, len);
	while (r == 0 && len) {
		bool whole;
		uint64_t n = piece(img, off, len, &whole);

		if (whole)
			r = zero_clusters(img, off >> q->cluster_bits,
					  (n + q->cluster_size - 1) >> q->cluster_bits, may_unmap);
		else
			r = zero_data(img, off, n);
		off += n;
		len -= n;
	}
	return r < 0 && !q->errmsg[0] ? fail(q, r, "write zeroes: %s", strerror(-r)) : r;
}

/* Discarded clusters read as zeros in version 3 and from the backing file
 * in version 2, as qemu's; parts of clusters are left alone. */
int qcow2_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	struct qcow2 *q = img->priv;
	int r = start_op(img);

	if (r == 0)
		qcow2_bitmaps_mark(img, off, len);
	while (r == 0 && len) {
		bool whole;
		uint64_t n = piece(img, off, len, &whole), g = off >> q->cluster_bits;
		uint64_t k = (n + q->cluster_size - 1) >> q->cluster_bits;

		/* With a backing file even an unallocated table is made, so
		 * that the range reads as zeros and not as the backing file. */
		if (whole && (q->l1[g >> q->l2_bits] || img->backing_file)) {
			if (q->extended_l2)
				r = qcow2_clusters_set(img, g, k, 0, QCOW2_BITMAP_ALL_ZERO);
			else
				r = qcow2_clusters_set(img, g, k, q->h.version >= 3 ?
						       QCOW2_OFLAG_ZERO : 0, 0);
		}
		off += n;
		len -= n;
	}
	return r < 0 && !q->errmsg[0] ? fail(q, r, "discard: %s", strerror(-r)) : r;
}

/* ---- open and close ---- */

/* Header extensions other than the ones we rewrite ourselves are kept. */
static int keep_extensions(struct vu_image *img, struct qcow2_wr *w, const uint8_t *b,
			   size_t n)
{
	struct qcow2 *q = img->priv;
	size_t off = q->h.header_length, end = n;

	if (q->h.backing_file_offset && q->h.backing_file_offset < end)
		end = (size_t)q->h.backing_file_offset;
	if (q->h.version >= 3 && q->h.header_length > 112) {
		w->hdr_extra_len = q->h.header_length - 112;
		if (!(w->hdr_extra = malloc(w->hdr_extra_len)))
			return -ENOMEM;
		memcpy(w->hdr_extra, b + 112, w->hdr_extra_len);
	}
	while (off + 8 <= end) {
		uint32_t type = (uint32_t)qcow2_get_be(b + off, 4);
		uint32_t len = (uint32_t)qcow2_get_be(b + off + 4, 4);
		struct qcow2_ext *x;

		if (type == QCOW2_EXT_END || len > end - off - 8)
			break;
		if (type != QCOW2_EXT_BACKING_FMT && type != QCOW2_EXT_FEATURE_NAMES) {
			if (!(x = realloc(w->exts, (w->nexts + 1) * sizeof(*x))))
				return -ENOMEM;
			w->exts = x;
			x = &w->exts[w->nexts];
			if (!(x->data = malloc(len ? len : 1)))
				return -ENOMEM;
			w->nexts++;
			x->type = type;
			x->len = len;
			memcpy(x->data, b + off + 8, len);
		}
		off += 8 + (((size_t)len + 7) & ~(size_t)7);
	}
	return 0;
}

static int read_extensions(struct vu_image *img, struct qcow2_wr *w)
{
	struct qcow2 *q = img->priv;
	size_t n = q->file_size < q->cluster_size ? (size_t)q->file_size : q->cluster_size;
	uint8_t *b = malloc(n);
	int r;

	if (!b)
		return -ENOMEM;
	r = qcow2_read_file(q, img->fd, b, n, 0);
	if (r == 0)
		r = keep_extensions(img, w, b, n);
	free(b);
	return r;
}

static void wr_free(struct qcow2_wr *w)
{
	if (!w)
		return;
	qcow2_rc_drop(w);
	qcow2_bitmaps_free(w->bms);
	for (int i = 0; i < w->nexts; i++)
		free(w->exts[i].data);
	free(w->exts);
	free(w->hdr_extra);
	free(w->buf);
	free(w->zbuf);
	free(w->cbuf);
	free(w);
}

/*
 * A writer under lazy refcounts died and left the dirty bit: its refcounts
 * may be wrong. They are rebuilt from the tables first, as qemu does when
 * it opens such an image for writing.
 */
static int repair(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct vu_check_result res;
	int r;

	memset(&res, 0, sizeof(res));
	r = qcow2_check(img, QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS, &res);
	if (r == 0 && (res.check_errors || res.corruptions ||
		       (q->h.incompatible_features & QCOW2_INCOMPAT_DIRTY)))
		r = -EIO;
	if (r < 0)
		return vu_err_set(e, -r, "image is dirty and could not be repaired; "
				  "run 'img-convert check -r all'");
	return 0;
}

int qcow2_wr_open(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w;
	int r;

	/* A checker opens this way and writes with its own tools. */
	if (img->flags & VU_OPEN_CHECK)
		return 0;
	if ((q->h.incompatible_features & QCOW2_INCOMPAT_DIRTY) && (r = repair(img, e)) < 0)
		return r;
	if (!(w = calloc(1, sizeof(*w))))
		return vu_err_set(e, ENOMEM, NULL);
	q->wr = w;
	w->unsafe = img->flags & VU_OPEN_UNSAFE;
	w->lazy = q->h.version >= 3 && (q->h.compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS);
	w->l1_dirty_lo = UINT32_MAX;
	if (posix_memalign((void **)&w->buf, DIRECT_ALIGN, q->cluster_size) ||
	    posix_memalign((void **)&w->zbuf, DIRECT_ALIGN, q->cluster_size) ||
	    posix_memalign((void **)&w->cbuf, DIRECT_ALIGN, q->cluster_size))
		r = vu_err_set(e, ENOMEM, NULL);
	else if ((r = qcow2_rc_load(img, e)) == 0 && (r = read_extensions(img, w)) < 0)
		vu_err_set(e, -r, "cannot read the header extensions: %s", strerror(-r));
	if (r < 0) {
		wr_free(w);
		q->wr = NULL;
		return r;
	}
	memset(w->zbuf, 0, q->cluster_size);
	return 0;
}

/* Everything cached goes to the file; a lazy image is clean again. */
void qcow2_wr_close(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_wr *w = q ? q->wr : NULL;

	if (!w)
		return;
	/* Bitmaps that cannot be stored stay in use: qemu knows they are stale. */
	if (w->began && qcow2_bitmaps_store(img) == 0 && qcow2_meta_flush(img, true) == 0 &&
	    w->lazy) {
		q->h.incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
		if (qcow2_header_update(img, 72, 80) == 0)
			qcow2_sync(img);
	}
	wr_free(w);
	q->wr = NULL;
}
