/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_read.c - qcow2 guest-to-host mapping (L2 cache), reads, block status, decompression */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "vu/file.h"
#include "qcow2.h"

#define DIRECT_ALIGN 4096
#define BOUNCE_MAX (1u << 20)
/* qemu compresses one cluster per frame, so its window never exceeds the
 * 2 MiB cluster; the cap keeps a hostile frame from asking for 128 MiB. */
#define ZSTD_WINDOW_LOG_MAX 23
/* Units one extent lookup walks at most: merging stops there, so that a
 * block status over a huge disk of tiny runs costs bounded time per call. */
#define EXTENT_MAX_UNITS 16384

struct qcow2_decomp {
	z_stream z;
	bool z_ready;
	ZSTD_DCtx *zstd;
	uint8_t *in;		/* 2 clusters: the most a descriptor can span */
	uint8_t *out;		/* the last decompressed cluster */
	uint64_t out_desc;	/* its descriptor, valid when out_valid */
	bool out_valid;
};

static uint64_t be64(const uint8_t *p)
{
	return qcow2_get_be(p, 8);
}

/* Records why a read failed (pread has no vu_err) and returns -EIO. */
static int corrupt(struct qcow2 *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int corrupt(struct qcow2 *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->errmsg, sizeof(q->errmsg), fmt, ap);
	va_end(ap);
	return -EIO;
}

const char *qcow2_last_error(const struct vu_image *img)
{
	const struct qcow2 *q = img->priv;

	return q ? q->errmsg : "";
}

/* O_DIRECT wants aligned buffers, offsets and lengths; metadata and
 * compressed clusters are neither, so they go through an aligned buffer. */
static int read_bounced(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	uint8_t *bounce;
	int r = 0;

	if (posix_memalign((void **)&bounce, DIRECT_ALIGN, BOUNCE_MAX))
		return -ENOMEM;
	while (len && r == 0) {
		uint64_t start = off & ~(uint64_t)(DIRECT_ALIGN - 1);
		size_t skip = (size_t)(off - start);
		size_t want = skip + len;
		size_t n;
		ssize_t got;

		want = (want + DIRECT_ALIGN - 1) & ~(size_t)(DIRECT_ALIGN - 1);
		if (want > BOUNCE_MAX)
			want = BOUNCE_MAX;
		do
			got = pread(fd, bounce, want, (off_t)start);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			r = -errno;
		else if ((size_t)got <= skip)
			r = -EIO;
		n = (size_t)got - skip < len ? (size_t)got - skip : len;
		if (r == 0) {
			memcpy(buf, bounce + skip, n);
			buf += n;
			off += n;
			len -= n;
		}
	}
	free(bounce);
	return r;
}

int qcow2_read_file(struct qcow2 *q, int fd, void *buf, size_t len, uint64_t off)
{
	if (q->direct && (((uintptr_t)buf | len | off) & (DIRECT_ALIGN - 1)))
		return read_bounced(fd, buf, len, off);
	/* -EIO at end of file: the caller checked the range, the file shrank. */
	return vu_pread_all(fd, buf, len, (off_t)off, false);
}

/* Whether [off, off+len) lies in the file; asks the file again before
 * saying no, in case it grew since open. */
static bool in_file(struct vu_image *img, uint64_t off, uint64_t len)
{
	struct qcow2 *q = img->priv;
	off_t end;

	if (off <= q->file_size && len <= q->file_size - off)
		return true;
	end = lseek(img->fd, 0, SEEK_END);
	if (end > 0)
		q->file_size = (uint64_t)end;
	return off <= q->file_size && len <= q->file_size - off;
}

static struct qcow2_l2_slot *l2_victim(struct qcow2 *q)
{
	struct qcow2_l2_slot *v = &q->l2_cache[0];

	for (unsigned i = 0; i < q->l2_slots; i++) {
		struct qcow2_l2_slot *s = &q->l2_cache[i];

		if (!s->offset)
			return s;
		if (s->last_use < v->last_use)
			v = s;
	}
	return v;
}

int qcow2_table_buf(const struct qcow2 *q, uint8_t **buf)
{
	if (!*buf && posix_memalign((void **)buf, DIRECT_ALIGN, q->cluster_size)) {
		*buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

int qcow2_table_read(struct vu_image *img, uint8_t **buf, uint64_t *at, uint64_t off)
{
	struct qcow2 *q = img->priv;
	int r = qcow2_table_buf(q, buf);

	if (r < 0)
		return r;
	*at = 0;
	r = qcow2_read_file(q, img->fd, *buf, q->cluster_size, off);
	if (r < 0)
		return r;
	*at = off;
	return 0;
}

static int l2_load(struct vu_image *img, struct qcow2_l2_slot *s, uint64_t l2_offset)
{
	struct qcow2 *q = img->priv;
	int r;

	/* A table the writer changed goes to the file before its slot is reused. */
	if (s->dirty && (r = qcow2_l2_writeback(img, s)) < 0)
		return r;

	if (l2_offset & (q->cluster_size - 1))
		return corrupt(q, "unaligned l2 table offset");
	if (!in_file(img, l2_offset, q->cluster_size))
		return corrupt(q, "l2 table past the end of the file");
	return qcow2_table_read(img, &s->table, &s->offset, l2_offset);
}

/*
 * For the writer: the slot of the L2 table at l2_offset, loaded from the
 * file, or with fresh a new table of zeros (its cluster holds nothing yet).
 * The pointer is good until the next call that may use the cache.
 */
int qcow2_l2_slot(struct vu_image *img, uint64_t l2_offset, bool fresh,
		  struct qcow2_l2_slot **out)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s = NULL;
	int r;

	for (unsigned i = 0; i < q->l2_slots && !s; i++)
		if (q->l2_cache[i].offset == l2_offset)
			s = &q->l2_cache[i];
	if (!s && !fresh) {
		const uint8_t *t;

		if ((r = qcow2_l2_get(img, l2_offset, &t)) < 0)
			return r;
		s = &q->l2_cache[q->l2_last];
	}
	if (!s) {
		s = l2_victim(q);
		if (s->dirty && (r = qcow2_l2_writeback(img, s)) < 0)
			return r;
		if ((r = qcow2_table_buf(q, &s->table)) < 0)
			return r;
		s->offset = l2_offset;
	}
	if (fresh)
		memset(s->table, 0, q->cluster_size);
	s->last_use = ++q->l2_tick;
	q->l2_last = (unsigned)(s - q->l2_cache);
	*out = s;
	return 0;
}

/* The L2 table at l2_offset, from the cache (least recently used goes). */
int qcow2_l2_get(struct vu_image *img, uint64_t l2_offset, const uint8_t **table)
{
	struct qcow2 *q = img->priv;
	struct qcow2_l2_slot *s = &q->l2_cache[q->l2_last];
	int r;

	if (s->offset != l2_offset) {
		s = NULL;
		for (unsigned i = 0; i < q->l2_slots && !s; i++)
			if (q->l2_cache[i].offset == l2_offset)
				s = &q->l2_cache[i];
		if (!s) {
			s = l2_victim(q);
			r = l2_load(img, s, l2_offset);
			if (r < 0)
				return r;
		}
		q->l2_last = (unsigned)(s - q->l2_cache);
	}
	s->last_use = ++q->l2_tick;
	*table = s->table;
	return 0;
}

/* Kind of one (sub)cluster from its extended L2 entry. */
static int classify_ext(struct qcow2 *q, uint64_t entry, uint64_t bitmap, unsigned sc,
			enum qcow2_kind *kind)
{
	uint64_t host = entry & QCOW2_L2_OFFSET_MASK;
	bool alloc = (bitmap >> sc) & 1, zero = (bitmap >> (32 + sc)) & 1;

	if (alloc && zero)
		return corrupt(q, "subcluster both allocated and zero");
	if (alloc && !host)
		return corrupt(q, "allocated subcluster without a host cluster");
	if (alloc)
		*kind = QCOW2_DATA;
	else if (zero)
		*kind = host ? QCOW2_ZERO_ALLOC : QCOW2_ZERO_PLAIN;
	else
		*kind = host ? QCOW2_UNALLOCATED_ALLOC : QCOW2_UNALLOCATED;
	return 0;
}

static int classify_std(struct qcow2 *q, uint64_t entry, enum qcow2_kind *kind)
{
	uint64_t host = entry & QCOW2_L2_OFFSET_MASK;

	if (entry & QCOW2_OFLAG_ZERO) {
		if (q->h.version < 3)
			return corrupt(q, "zero cluster in a version 2 image");
		*kind = host ? QCOW2_ZERO_ALLOC : QCOW2_ZERO_PLAIN;
	} else {
		*kind = host ? QCOW2_DATA : QCOW2_UNALLOCATED;
	}
	return 0;
}

/* The run from pos to the end of its unit: the L2 range of an empty L1
 * entry, a cluster, or a subcluster with extended L2 entries. */
static int unit_at(struct vu_image *img, uint64_t pos, struct qcow2_extent *u)
{
	struct qcow2 *q = img->priv;
	uint64_t vcl = pos >> q->cluster_bits, in_cl = pos & (q->cluster_size - 1);
	uint64_t l1i = vcl >> q->l2_bits, l2i = vcl & ((1ull << q->l2_bits) - 1);
	uint64_t l2off = l1i < q->l1_size ? q->l1[l1i] & QCOW2_L1_OFFSET_MASK : 0;
	const uint8_t *t, *ent;
	uint64_t entry, host;
	int r;

	u->host = 0;
	if (!l2off) {
		u->kind = QCOW2_UNALLOCATED;
		u->len = ((l1i + 1) << (q->l2_bits + q->cluster_bits)) - pos;
		return 0;
	}
	if ((r = qcow2_l2_get(img, l2off, &t)) < 0)
		return r;
	ent = t + l2i * q->l2_entry_size;
	entry = be64(ent);
	u->len = q->cluster_size - in_cl;
	if (entry & QCOW2_OFLAG_COMPRESSED) {
		u->kind = QCOW2_COMPRESSED;
		u->host = entry & ~(QCOW2_OFLAG_COPIED | QCOW2_OFLAG_COMPRESSED);
		return 0;
	}
	host = entry & QCOW2_L2_OFFSET_MASK;
	if (host & (q->cluster_size - 1))
		return corrupt(q, "unaligned cluster offset");
	if (q->extended_l2) {
		unsigned sc = (unsigned)(in_cl >> q->subcluster_bits);

		r = classify_ext(q, entry, be64(ent + 8), sc, &u->kind);
		u->len = ((uint64_t)(sc + 1) << q->subcluster_bits) - in_cl;
	} else {
		r = classify_std(q, entry, &u->kind);
	}
	if (host && u->kind != QCOW2_UNALLOCATED)
		u->host = host + in_cl;
	return r;
}

/* Whether unit u continues run x. */
static bool continues(const struct qcow2_extent *x, const struct qcow2_extent *u,
		      bool merge_compressed)
{
	if (u->kind != x->kind)
		return false;
	if (x->kind == QCOW2_DATA || x->kind == QCOW2_ZERO_ALLOC ||
	    x->kind == QCOW2_UNALLOCATED_ALLOC)
		return u->host == x->host + x->len;
	return x->kind != QCOW2_COMPRESSED || merge_compressed;
}

/* The longest run of one kind from off, at most len bytes; compressed
 * clusters are merged only when asked (block status), since each is
 * decompressed alone. */
int qcow2_extent(struct vu_image *img, uint64_t off, uint64_t len, bool merge_compressed,
		 struct qcow2_extent *x)
{
	uint64_t pos = off, end = off + len;

	x->len = 0;
	for (unsigned n = 0; pos < end && n < EXTENT_MAX_UNITS; n++) {
		struct qcow2_extent u;
		int r = unit_at(img, pos, &u);

		if (r < 0)
			return r;
		if (u.len > end - pos)
			u.len = end - pos;
		if (x->len == 0) {
			*x = u;
		} else if (continues(x, &u, merge_compressed)) {
			x->len += u.len;
		} else {
			break;
		}
		pos += u.len;
	}
	return 0;
}

static int decomp_init(struct qcow2 *q)
{
	struct qcow2_decomp *dc = calloc(1, sizeof(*dc));

	if (!dc)
		return -ENOMEM;
	if (posix_memalign((void **)&dc->in, DIRECT_ALIGN, 2 * q->cluster_size))
		dc->in = NULL;
	if (posix_memalign((void **)&dc->out, DIRECT_ALIGN, q->cluster_size))
		dc->out = NULL;
	if (!dc->in || !dc->out) {
		free(dc->in);
		free(dc->out);
		free(dc);
		return -ENOMEM;
	}
	q->dc = dc;
	return 0;
}

/* The writer reused or freed host clusters: a cached cluster may be stale. */
void qcow2_decomp_invalidate(struct qcow2 *q)
{
	if (q->dc)
		q->dc->out_valid = false;
}

void qcow2_decomp_free(struct qcow2_decomp *dc)
{
	if (!dc)
		return;
	if (dc->z_ready)
		inflateEnd(&dc->z);
	ZSTD_freeDCtx(dc->zstd);
	free(dc->in);
	free(dc->out);
	free(dc);
}

/* Raw deflate with qemu's 4 KiB window; the stream must end exactly at the
 * end of the cluster (what follows it in the last sector is padding). */
static int inflate_cluster(struct qcow2 *q, const uint8_t *in, size_t inlen, uint8_t *out)
{
	struct qcow2_decomp *dc = q->dc;
	int r;

	if (!dc->z_ready) {
		if (inflateInit2(&dc->z, -12) != Z_OK)
			return -ENOMEM;
		dc->z_ready = true;
	} else if (inflateReset(&dc->z) != Z_OK) {
		return -EIO;
	}
	dc->z.next_in = (Bytef *)(uintptr_t)in;
	dc->z.avail_in = (uInt)inlen;
	dc->z.next_out = out;
	dc->z.avail_out = (uInt)q->cluster_size;
	r = inflate(&dc->z, Z_FINISH);
	if (r == Z_STREAM_END && dc->z.avail_out == 0)
		return 0;
	return corrupt(q, "cannot decompress cluster (zlib)");
}

/* One zstd frame that must end exactly at the end of the cluster; the
 * stored size is rounded up to sectors, so padding may follow it. */
static int unzstd_cluster(struct qcow2 *q, const uint8_t *in, size_t inlen, uint8_t *out)
{
	struct qcow2_decomp *dc = q->dc;
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_outBuffer ob = { out, q->cluster_size, 0 };
	size_t r = 1;

	if (!dc->zstd) {
		dc->zstd = ZSTD_createDCtx();
		if (!dc->zstd)
			return -ENOMEM;
		ZSTD_DCtx_setParameter(dc->zstd, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
	} else {
		ZSTD_DCtx_reset(dc->zstd, ZSTD_reset_session_only);
	}
	while (r != 0) {
		size_t in0 = ib.pos, out0 = ob.pos;

		r = ZSTD_decompressStream(dc->zstd, &ob, &ib);
		if (ZSTD_isError(r) || (r != 0 && ib.pos == in0 && ob.pos == out0))
			break;
	}
	if (r == 0 && ob.pos == ob.size)
		return 0;
	return corrupt(q, "cannot decompress cluster (zstd)");
}

static int decompress(struct vu_image *img, uint64_t desc, uint8_t *out)
{
	struct qcow2 *q = img->priv;
	uint64_t coff = desc & q->coffset_mask;
	uint64_t nsect = ((desc >> q->csize_shift) & q->csize_mask) + 1;
	uint64_t csize = nsect * 512 - (coff & 511);
	int r;

	if (coff >> 56)
		return corrupt(q, "compressed cluster offset out of range");
	if (!in_file(img, coff, 1))
		return corrupt(q, "compressed cluster past end of file");
	/* The last sector may run past the end of the file: only the
	 * stream's own bytes need to be there. */
	if (csize > q->file_size - coff)
		csize = q->file_size - coff;
	r = qcow2_read_file(q, img->fd, q->dc->in, (size_t)csize, coff);
	if (r < 0)
		return r;
	if (q->h.compression_type == QCOW2_COMPRESS_ZSTD)
		return unzstd_cluster(q, q->dc->in, (size_t)csize, out);
	return inflate_cluster(q, q->dc->in, (size_t)csize, out);
}

/* len bytes from guest offset off, inside one compressed cluster. A whole
 * cluster goes straight to buf; pieces come from the cached last cluster. */
static int read_compressed(struct vu_image *img, uint64_t desc, uint64_t off, uint8_t *buf,
			   size_t len)
{
	struct qcow2 *q = img->priv;
	size_t in_cl = (size_t)(off & (q->cluster_size - 1));
	int r;

	if (!q->dc && (r = decomp_init(q)) < 0)
		return r;
	if (in_cl == 0 && len == q->cluster_size)
		return decompress(img, desc, buf);
	if (!q->dc->out_valid || q->dc->out_desc != desc) {
		q->dc->out_valid = false;
		r = decompress(img, desc, q->dc->out);
		if (r < 0)
			return r;
		q->dc->out_desc = desc;
		q->dc->out_valid = true;
	}
	memcpy(buf, q->dc->out + in_cl, len);
	return 0;
}

static int read_extent(struct vu_image *img, const struct qcow2_extent *x, uint64_t off,
		       uint8_t *buf)
{
	struct qcow2 *q = img->priv;
	size_t n = (size_t)x->len;

	switch (x->kind) {
	case QCOW2_DATA:
		if (!in_file(img, x->host, x->len))
			return corrupt(q, "cluster offset past end of file");
		return qcow2_read_file(q, img->fd, buf, n, x->host);
	case QCOW2_ZERO_PLAIN:
	case QCOW2_ZERO_ALLOC:
		memset(buf, 0, n);
		return 0;
	case QCOW2_COMPRESSED:
		return read_compressed(img, x->host, off, buf, n);
	case QCOW2_UNALLOCATED:
	case QCOW2_UNALLOCATED_ALLOC:
	default:
		return vu_image_read_backing(img, buf, n, off);
	}
}

/* Runs contiguous in the file are read with one pread, unallocated runs
 * with one call to the backing chain. */
int qcow2_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		struct qcow2_extent x;
		int r = qcow2_extent(img, off, len, false, &x);

		if (r == 0 && x.len == 0)
			r = -EIO;
		if (r == 0)
			r = read_extent(img, &x, off, p);
		if (r < 0)
			return r;
		p += x.len;
		off += x.len;
		len -= (size_t)x.len;
	}
	return 0;
}

int qcow2_block_status(struct vu_image *img, uint64_t off, uint64_t len, struct vu_bstat *bs)
{
	struct qcow2 *q = img->priv;
	struct qcow2_extent x;
	int r = qcow2_extent(img, off, len, true, &x);

	if (r < 0)
		return r;
	bs->len = x.len;
	bs->offset = 0;
	switch (x.kind) {
	case QCOW2_DATA:
		bs->flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
		bs->offset = x.host;
		if (q->prealloc < 0 && (r = qcow2_detect_prealloc(img)) < 0)
			return r;
		q->prealloc = q->prealloc < 0 ? r : q->prealloc;
		if (q->prealloc)
			bs->flags |= VU_BS_RECURSE;
		break;
	case QCOW2_ZERO_ALLOC:
		bs->flags = VU_BS_ZERO | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
		bs->offset = x.host;
		break;
	case QCOW2_ZERO_PLAIN:
		bs->flags = VU_BS_ZERO | VU_BS_ALLOCATED;
		break;
	case QCOW2_COMPRESSED:
		bs->flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_COMPRESSED;
		break;
	case QCOW2_UNALLOCATED_ALLOC:
		/* Not this layer's data, but qemu-img map shows the host cluster. */
		bs->flags = VU_BS_OFFSET_VALID;
		bs->offset = x.host;
		break;
	default:
		bs->flags = 0;
	}
	return 0;
}
