/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qed.c - QEMU Enhanced Disk images, with their backing files, as qemu
 * reads, writes and checks them (qemu-img check's counts, no repairs).
 *
 * The file: a little-endian header ("QED\0", cluster and table sizes, the
 * L1 table's offset, the disk size, a backing file name), an L1 table of
 * L2 table offsets and L2 tables of data cluster offsets, each table
 * table_size clusters. An entry of 0 is unallocated (the backing file
 * shows), 1 a cluster that reads as zeros.
 *
 * Writes append: a new cluster (whole: the backing file's data or zeros
 * around what is written) or L2 table goes at the end of the file, and the
 * entry naming it is written after it is in the file. As qemu does, the
 * header's need-check bit is set before the first allocation and cleared
 * at close: an image whose writer died is checked before it is written
 * again, and refused when the check finds errors (there are no repairs).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "fmtutil.h"
#include "image_int.h"

#define QED_MAGIC "QED\0"
#define QED_F_BACKING_FILE 0x01ull
#define QED_F_NEED_CHECK 0x02ull
#define QED_F_BACKING_FORMAT_NO_PROBE 0x04ull
#define QED_FEATURE_MASK 0x07ull
#define QED_MIN_CLUSTER (4u << 10)
#define QED_MAX_CLUSTER (64u << 20)
#define QED_MAX_TABLE 16u
#define QED_ZERO 1ull
#define TABLE_MEM_MAX (64ull << 20)

struct qed {
	uint32_t cluster_size, table_size, header_size;
	uint64_t entries;		/* per table */
	uint64_t l1_offset;
	uint64_t *l1;
	uint64_t *l2;			/* the one L2 table cached */
	uint64_t l2_offset;		/* its offset; 0 = none */
	uint64_t file_size;
	uint64_t features;
	bool began;			/* need-check bit set for this session */
	uint8_t *cbuf;			/* a cluster, for writes */
	char errmsg[128];
};

static int qed_probe(const uint8_t *buf, size_t len)
{
	return len >= 64 && memcmp(buf, QED_MAGIC, 4) == 0 ? 100 : 0;
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* An L2 table or data cluster offset a table may hold. */
static bool offset_ok(const struct qed *q, uint64_t off)
{
	return !(off & (q->cluster_size - 1)) && off >= q->cluster_size && off < q->file_size;
}

static int read_table(struct vu_image *img, struct qed *q, uint64_t off, uint64_t *t)
{
	uint64_t bytes = q->entries * 8;
	uint8_t *raw = malloc(bytes);
	int r;

	if (!raw)
		return -ENOMEM;
	r = vu_pread_all(img->fd, raw, bytes, (off_t)off, true);
	for (uint64_t i = 0; r == 0 && i < q->entries; i++)
		t[i] = fmt_get_le(raw + i * 8, 8);
	free(raw);
	return r;
}

static int parse_header(struct vu_image *img, struct qed *q, const uint8_t *h, struct vu_err *e)
{
	uint64_t features = q->features = fmt_get_le(h + 16, 8), l1 = fmt_get_le(h + 40, 8);
	uint64_t size = fmt_get_le(h + 48, 8), max;
	uint32_t header_size = (uint32_t)fmt_get_le(h + 12, 4);

	if (memcmp(h, QED_MAGIC, 4) != 0)
		return vu_err_set(e, EINVAL, "Image not in QED format");
	if (features & ~QED_FEATURE_MASK)
		return vu_err_set(e, ENOTSUP, "Unsupported QED features: %llx",
				  (unsigned long long)(features & ~QED_FEATURE_MASK));
	q->cluster_size = (uint32_t)fmt_get_le(h + 4, 4);
	q->table_size = (uint32_t)fmt_get_le(h + 8, 4);
	if (!pow2(q->cluster_size) || q->cluster_size < QED_MIN_CLUSTER ||
	    q->cluster_size > QED_MAX_CLUSTER || !pow2(q->table_size) ||
	    q->table_size > QED_MAX_TABLE || !header_size ||
	    (uint64_t)header_size * q->cluster_size > q->file_size)
		return vu_err_set(e, EINVAL, "Invalid QED header (cluster, table or header size)");
	q->entries = (uint64_t)q->table_size * q->cluster_size / 8;
	max = q->entries * q->entries * q->cluster_size;
	if (size % 512 || size > max)
		return vu_err_set(e, EINVAL, "Invalid QED image size %llu", (unsigned long long)size);
	if (q->entries * 8 > TABLE_MEM_MAX || !offset_ok(q, l1) ||
	    q->entries * 8 > q->file_size - l1)
		return vu_err_set(e, EINVAL, "Invalid QED L1 table offset");
	img->size = size;
	q->header_size = header_size;
	q->l1_offset = l1;
	if (features & QED_F_BACKING_FILE) {
		uint64_t boff = fmt_get_le(h + 56, 4), blen = fmt_get_le(h + 60, 4);

		if (boff > (uint64_t)header_size * q->cluster_size ||
		    blen > (uint64_t)header_size * q->cluster_size - boff || blen > 1023 || !blen)
			return vu_err_set(e, EINVAL, "Invalid QED backing file name");
		if (!(img->backing_file = calloc(1, blen + 1)) ||
		    vu_pread_all(img->fd, img->backing_file, blen, (off_t)boff, false) < 0)
			return vu_err_set(e, EINVAL, "cannot read the backing file name");
		if ((features & QED_F_BACKING_FORMAT_NO_PROBE) && !(img->backing_fmt = strdup("raw")))
			return vu_err_set(e, ENOMEM, NULL);
	}
	if (!(q->l1 = malloc(q->entries * 8)) || !(q->l2 = malloc(q->entries * 8)))
		return vu_err_set(e, ENOMEM, NULL);
	if (read_table(img, q, l1, q->l1) < 0)
		return vu_err_set(e, EIO, "cannot read the QED L1 table");
	return 0;
}

static void qed_free(struct qed *q)
{
	if (q) {
		free(q->l1);
		free(q->l2);
		free(q->cbuf);
		free(q);
	}
}

static int qed_check(struct vu_image *img, unsigned fix, struct vu_check_result *res);

/* A writer died (need-check bit): its leaks are harmless, errors are not. */
static int check_before_write(struct vu_image *img, struct vu_err *e)
{
	struct vu_check_result res;

	memset(&res, 0, sizeof(res));
	if (qed_check(img, 0, &res) < 0 || res.corruptions)
		return vu_err_set(e, EIO, "image needs a repair (qemu-img check -r all) before "
				  "it is written");
	return 0;
}

static int qed_open(struct vu_image *img, struct vu_err *e)
{
	struct qed *q = calloc(1, sizeof(*q));
	uint8_t h[64];
	struct stat st;
	int r;

	if (!q)
		return vu_err_set(e, ENOMEM, NULL);
	if (fstat(img->fd, &st) < 0)
		r = vu_err_set(e, errno, NULL);
	else if ((q->file_size = (uint64_t)st.st_size, r = vu_pread_all(img->fd, h, 64, 0, true)) < 0)
		r = vu_err_set(e, -r, "cannot read the header: %s", strerror(-r));
	else
		r = parse_header(img, q, h, e);
	if (r < 0) {
		qed_free(q);
		free(img->backing_file);
		free(img->backing_fmt);
		img->backing_file = img->backing_fmt = NULL;
		return r;
	}
	img->priv = q;
	if ((img->flags & VU_OPEN_RDWR) && (q->features & QED_F_NEED_CHECK) &&
	    (r = check_before_write(img, e)) < 0) {
		qed_free(q);
		img->priv = NULL;
		free(img->backing_file);
		free(img->backing_fmt);
		img->backing_file = img->backing_fmt = NULL;
		return r;
	}
	return 0;
}

static int write_features(struct vu_image *img, uint64_t features)
{
	struct qed *q = img->priv;
	uint8_t le[8];
	int r;

	fmt_put_le(le, 8, features);
	if ((r = vu_pwrite_all(img->fd, le, 8, 16)) == 0 && !(img->flags & VU_OPEN_UNSAFE) &&
	    fdatasync(img->fd) < 0)
		r = -errno;
	if (r == 0)
		q->features = features;
	return r;
}

static void qed_close(struct vu_image *img)
{
	struct qed *q = img->priv;

	/* Everything is in the file: the image is consistent again. */
	if (q && q->began && ((img->flags & VU_OPEN_UNSAFE) || fdatasync(img->fd) == 0))
		write_features(img, q->features & ~QED_F_NEED_CHECK);
	qed_free(img->priv);
	img->priv = NULL;
}

/* The L2 entry of guest cluster c: 0 unallocated, 1 zero, else an offset;
 * -EINVAL for a table or cluster offset out of the file. */
static int entry(struct vu_image *img, uint64_t c, uint64_t *out)
{
	struct qed *q = img->priv;
	uint64_t l2 = q->l1[c / q->entries];
	int r;

	*out = 0;
	if (!l2)
		return 0;
	if (!offset_ok(q, l2) || q->entries * 8 > q->file_size - l2) {
		snprintf(q->errmsg, sizeof(q->errmsg), "invalid L2 table offset %llu",
			 (unsigned long long)l2);
		return -EINVAL;
	}
	if (q->l2_offset != l2) {
		q->l2_offset = 0;
		if ((r = read_table(img, q, l2, q->l2)) < 0)
			return r;
		q->l2_offset = l2;
	}
	*out = q->l2[c % q->entries];
	if (*out > QED_ZERO && !offset_ok(q, *out)) {
		snprintf(q->errmsg, sizeof(q->errmsg), "invalid cluster offset %llu",
			 (unsigned long long)*out);
		return -EINVAL;
	}
	return 0;
}

static int qed_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct qed *q = img->priv;
	uint8_t *p = buf;

	while (len) {
		uint64_t in = off % q->cluster_size, en;
		size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : len;
		int r = entry(img, off / q->cluster_size, &en);

		if (r == 0) {
			if (en == 0)
				r = vu_image_read_backing(img, p, n, off);
			else if (en == QED_ZERO)
				memset(p, 0, n);
			else
				r = vu_pread_all(img->fd, p, n, (off_t)(en + in), true);
		}
		if (r < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Runs of one kind: unallocated, zero, or data contiguous in the file. */
static int qed_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			    struct vu_bstat *bs)
{
	struct qed *q = img->priv;
	uint64_t first = 0, done = 0;

	while (done < len) {
		uint64_t in = (off + done) % q->cluster_size, en;
		uint64_t n = q->cluster_size - in < len - done ? q->cluster_size - in : len - done;
		int r = entry(img, (off + done) / q->cluster_size, &en);

		if (r < 0)
			return r;
		if (done == 0) {
			first = en;
			bs->flags = en == 0 ? 0 : en == QED_ZERO ? VU_BS_ZERO | VU_BS_ALLOCATED
					: VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
			bs->offset = en > QED_ZERO ? en + in : 0;
		} else if (first <= QED_ZERO ? en != first : en != bs->offset + done) {
			break;
		}
		done += n;
	}
	bs->len = done;
	return 0;
}

static int qed_info(struct vu_image *img, struct vu_info *info)
{
	info->cluster_size = ((struct qed *)img->priv)->cluster_size;
	return 0;
}

static const char *qed_last_error(const struct vu_image *img)
{
	return ((const struct qed *)img->priv)->errmsg;
}

/* ---- write ---- */

static int fail(struct qed *q, int r, const char *what)
{
	snprintf(q->errmsg, sizeof(q->errmsg), "%s: %s", what, strerror(-r));
	return r;
}

static int sync_unless_unsafe(struct vu_image *img)
{
	if (img->flags & VU_OPEN_UNSAFE)
		return 0;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* n clusters at the end of the file (cluster aligned). */
static uint64_t append(struct qed *q, uint64_t n)
{
	uint64_t at = (q->file_size + q->cluster_size - 1) / q->cluster_size * q->cluster_size;

	q->file_size = at + n * q->cluster_size;
	return at;
}

/* The L2 entry of guest cluster c becomes en, written after what it names
 * is in the file; a new L2 table (and its L1 entry) when there is none. */
static int set_entry(struct vu_image *img, uint64_t c, uint64_t en)
{
	struct qed *q = img->priv;
	uint64_t t = c / q->entries, i = c % q->entries, l2 = q->l1[t];
	uint8_t le[8];
	int r;

	if ((r = sync_unless_unsafe(img)) < 0)
		return r;
	if (!l2) {
		uint64_t bytes = q->entries * 8;
		uint8_t *raw = calloc(1, bytes);

		if (!raw)
			return -ENOMEM;
		l2 = append(q, q->table_size);
		fmt_put_le(raw + i * 8, 8, en);
		r = vu_pwrite_all(img->fd, raw, bytes, (off_t)l2);
		free(raw);
		if (r < 0 || (r = sync_unless_unsafe(img)) < 0)
			return r;
		q->l1[t] = l2;
		fmt_put_le(le, 8, l2);
		return vu_pwrite_all(img->fd, le, 8, (off_t)(q->l1_offset + t * 8));
	}
	if (q->l2_offset == l2)
		q->l2[i] = en;
	fmt_put_le(le, 8, en);
	return vu_pwrite_all(img->fd, le, 8, (off_t)(l2 + i * 8));
}

static int begin(struct vu_image *img)
{
	struct qed *q = img->priv;
	int r;

	if (q->began)
		return 0;
	if (!q->cbuf && !(q->cbuf = malloc(q->cluster_size)))
		return -ENOMEM;
	if ((r = write_features(img, q->features | QED_F_NEED_CHECK)) < 0)
		return r;
	q->began = true;
	return 0;
}

/* Guest cluster c, entry en (unallocated or zero), gets a cluster of its
 * own holding data (NULL: zeros) at [in, in + n). */
static int allocate(struct vu_image *img, uint64_t c, uint64_t en, const uint8_t *data,
		    uint64_t in, size_t n)
{
	struct qed *q = img->priv;
	uint64_t start = c * q->cluster_size, host;
	uint64_t len = img->size - start < q->cluster_size ? img->size - start : q->cluster_size;
	int r;

	memset(q->cbuf, 0, q->cluster_size);
	if (en == 0 && (r = vu_image_read_backing(img, q->cbuf, len, start)) < 0)
		return r;
	if (data)
		memcpy(q->cbuf + in, data, n);
	else
		memset(q->cbuf + in, 0, n);
	host = append(q, 1);
	if ((r = vu_pwrite_all(img->fd, q->cbuf, q->cluster_size, (off_t)host)) < 0)
		return r;
	return set_entry(img, c, host);
}

/* data NULL: zeros. */
static int write_range(struct vu_image *img, const uint8_t *data, size_t len, uint64_t off)
{
	struct qed *q = img->priv;
	int r = begin(img);

	q->errmsg[0] = '\0';
	while (r == 0 && len) {
		uint64_t c = off / q->cluster_size, in = off % q->cluster_size, en;
		size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : len;
		bool zero = !data || vu_buf_is_zero(data, n);
		bool whole = in == 0 && (n == q->cluster_size || off + n == img->size);

		if ((r = entry(img, c, &en)) < 0)
			break;
		if (en > QED_ZERO)
			r = data ? vu_pwrite_all(img->fd, data, n, (off_t)(en + in))
				 : fmt_write_zeros(img->fd, en + in, n);
		else if (zero && (en == QED_ZERO || !img->backing_file))
			r = 0;		/* reads as zeros already */
		else if (zero && whole)
			r = set_entry(img, c, QED_ZERO);
		else
			r = allocate(img, c, en, data, in, n);
		if (data)
			data += n;
		off += n;
		len -= n;
	}
	return r < 0 && !q->errmsg[0] ? fail(q, r, "cannot write") : r;
}

static int qed_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	return write_range(img, buf, len, off);
}

static int qed_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	(void)may_unmap;
	return write_range(img, NULL, (size_t)len, off);
}

/* qemu's qed has no discard: a request that changes nothing. */
static int qed_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	(void)img;
	(void)off;
	(void)len;
	return 0;
}

static int qed_flush(struct vu_image *img)
{
	return sync_unless_unsafe(img);
}

/* ---- create ---- */

static int qed_create(int fd, const char *path, const struct vu_create_opts *o,
		      struct vu_err *e)
{
	uint64_t cs = o->cluster_size ? o->cluster_size : 65536, ts = o->table_size ? o->table_size : 4;
	uint64_t size = (o->size + 511) & ~511ull, max, blen;
	uint8_t *buf;
	int r;

	(void)path;
	if (!pow2(cs) || cs < QED_MIN_CLUSTER || cs > QED_MAX_CLUSTER)
		return vu_err_set(e, EINVAL, "QED cluster size must be within range [%u, %u] and "
				  "power of 2", QED_MIN_CLUSTER, QED_MAX_CLUSTER);
	if (!pow2(ts) || ts > QED_MAX_TABLE)
		return vu_err_set(e, EINVAL, "QED table size must be within range [1, %u] and "
				  "power of 2", QED_MAX_TABLE);
	max = (ts * cs / 8) * (ts * cs / 8) * cs;
	if (size > max)
		return vu_err_set(e, EINVAL, "QED image size must be a non-zero multiple of cluster "
				  "size and less than %llu bytes", (unsigned long long)max);
	blen = o->backing_file ? strlen(o->backing_file) : 0;
	if (blen > 1023 || 64 + blen > cs)
		return vu_err_set(e, EINVAL, "Backing file name too long");
	if (!(buf = calloc(1, cs)))
		return vu_err_set(e, ENOMEM, NULL);
	memcpy(buf, QED_MAGIC, 4);
	fmt_put_le(buf + 4, 4, cs);
	fmt_put_le(buf + 8, 4, ts);
	fmt_put_le(buf + 12, 4, 1);
	fmt_put_le(buf + 16, 8, (blen ? QED_F_BACKING_FILE : 0) |
		   (blen && o->backing_fmt && strcmp(o->backing_fmt, "raw") == 0 ?
		    QED_F_BACKING_FORMAT_NO_PROBE : 0));
	fmt_put_le(buf + 40, 8, cs);
	fmt_put_le(buf + 48, 8, size);
	if (blen) {
		fmt_put_le(buf + 56, 4, 64);
		fmt_put_le(buf + 60, 4, blen);
		memcpy(buf + 64, o->backing_file, blen);
	}
	r = vu_pwrite_all(fd, buf, cs, 0);
	free(buf);
	if (r == 0 && ftruncate(fd, (off_t)(cs + ts * cs)) < 0)
		r = -errno;
	return r < 0 ? vu_err_set(e, -r, "%s", strerror(-r)) : 0;
}

/* ---- check ---- */

struct qck {
	struct qed *q;
	struct vu_check_result *res;
	uint8_t *used;			/* one flag per cluster of the file */
	uint64_t nclusters;
};

static void mark(struct qck *c, uint64_t off, uint64_t n)
{
	for (uint64_t i = off / c->q->cluster_size; i < c->nclusters && n--; i++)
		c->used[i] = 1;
}

static int check_l2(struct vu_image *img, struct qck *c, uint64_t l2)
{
	struct qed *q = c->q;
	uint64_t *t = malloc(q->entries * 8), last = 0;
	int r;

	if (!t)
		return -ENOMEM;
	if ((r = read_table(img, q, l2, t)) < 0) {
		free(t);
		return r;
	}
	for (uint64_t i = 0; i < q->entries; i++) {
		uint64_t off = t[i];

		if (off <= QED_ZERO)
			continue;
		/* Counted before it is checked, as qemu counts. */
		c->res->allocated_clusters++;
		if (last && last + q->cluster_size != off)
			c->res->fragmented_clusters++;
		last = off;
		if (!offset_ok(q, off))
			c->res->corruptions++;
		else
			mark(c, off, 1);
	}
	free(t);
	return 0;
}

/* As qemu's qed_check: bad table and cluster offsets are corruptions,
 * clusters of the file nothing uses are leaks; no repairs here. */
static int qed_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	struct qed *q = img->priv;
	struct qck c = { .q = q, .res = res };
	uint64_t tclusters = q->entries * 8 / q->cluster_size;
	int r = 0;

	if (fix)
		return -ENOTSUP;
	c.nclusters = (q->file_size + q->cluster_size - 1) / q->cluster_size;
	if (!(c.used = calloc(1, c.nclusters + 1)))
		return -ENOMEM;
	res->total_clusters = (int64_t)((img->size + q->cluster_size - 1) / q->cluster_size);
	mark(&c, 0, q->header_size);
	mark(&c, q->l1_offset, tclusters);
	for (uint64_t i = 0; r == 0 && i < q->entries; i++) {
		uint64_t l2 = q->l1[i];

		if (!l2)
			continue;
		if (!offset_ok(q, l2) || q->entries * 8 > q->file_size - l2) {
			res->corruptions++;
			continue;
		}
		mark(&c, l2, tclusters);
		r = check_l2(img, &c, l2);
	}
	for (uint64_t i = q->header_size; r == 0 && i < c.nclusters; i++)
		if (!c.used[i])
			res->leaks++;
	free(c.used);
	return r;
}

const struct vu_image_driver vu_drv_qed = {
	.name = "qed",
	.create = qed_create,
	.probe = qed_probe,
	.open = qed_open,
	.close = qed_close,
	.pread = qed_pread,
	.block_status = qed_block_status,
	.info = qed_info,
	.last_error = qed_last_error,
	.check = qed_check,
	.pwrite = qed_pwrite,
	.pwrite_zeroes = qed_pwrite_zeroes,
	.discard = qed_discard,
	.flush = qed_flush,
};
