/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qed.c - QEMU Enhanced Disk images, as qemu reads and makes them.
 *
 * The file: a header of header_size clusters (64 bytes of little-endian
 * fields, then the backing file's name), an L1 table of table_size
 * clusters, then clusters and L2 tables (table_size clusters each) in the
 * order they were allocated, always at the end of the file. An L2 entry is
 * a data cluster's offset, 0 (the backing file's data) or 1 (zeros).
 *
 * While clusters are being allocated the header carries the need-check
 * flag, cleared at close: an image left with it set may hold clusters no
 * table names, which qemu's check (and ours) finds and forgives.
 * Writes of new clusters go data first, then the L2 table, then the L1
 * entry, so the tables never name what is not written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "fmtutil.h"
#include "qed.h"

static uint64_t le(const uint8_t *p, unsigned n)
{
	return fmt_get_le(p, n);
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static unsigned log2u(uint64_t v)
{
	unsigned n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int qed_probe(const uint8_t *buf, size_t len)
{
	return len >= QED_HEADER_BYTES && le(buf + QH_MAGIC, 4) == QED_MAGIC ? 100 : 0;
}

/* qemu's qed_max_image_size, which wraps to 0 past 64 bits (64 MiB
 * clusters and 16-cluster tables): such images it neither makes nor opens. */
static uint64_t max_image_size(uint32_t cluster, uint32_t table)
{
	unsigned bits = log2u(cluster) + 2 * log2u((uint64_t)table * cluster / 8);

	return bits >= 64 ? 0 : bits == 63 ? INT64_MAX : (uint64_t)1 << bits;
}

static bool size_ok(uint64_t size, uint32_t cluster, uint32_t table)
{
	return size % 512 == 0 && size <= max_image_size(cluster, table);
}

bool qed_cluster_ok(const struct qed *q, uint64_t off)
{
	return !(off & (q->cluster_size - 1)) &&
	       off >= (uint64_t)q->header_size * q->cluster_size && off < q->file_size;
}

/* qemu takes a table whose last cluster is its first (table_size 1) for an
 * overflow, so that it opens no such image: neither do we, alike. */
bool qed_table_ok(const struct qed *q, uint64_t off)
{
	uint64_t last = (uint64_t)(q->table_size - 1) * q->cluster_size;

	return last && off <= UINT64_MAX - last && qed_cluster_ok(q, off) &&
	       qed_cluster_ok(q, off + last);
}

int qed_sync(struct vu_image *img)
{
	if (img->flags & VU_OPEN_UNSAFE)
		return 0;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* ---- create ---- */

static int create_check(const struct vu_create_opts *o, uint32_t cluster, uint32_t table,
			uint64_t size, struct vu_err *e)
{
	if (!pow2(cluster) || cluster < QED_MIN_CLUSTER || cluster > QED_MAX_CLUSTER)
		return vu_err_set(e, EINVAL, "QED cluster size must be within range [%u, %u] "
				  "and power of 2", QED_MIN_CLUSTER, QED_MAX_CLUSTER);
	if (!pow2(table) || table > QED_MAX_TABLE)
		return vu_err_set(e, EINVAL, "QED table size must be within range [%u, %u] "
				  "and power of 2", QED_MIN_TABLE, QED_MAX_TABLE);
	if (!size_ok(size, cluster, table))
		return vu_err_set(e, EINVAL, "QED image size must be a non-zero multiple of "
				  "cluster size and less than %llu bytes",
				  (unsigned long long)max_image_size(cluster, table));
	/* Beyond qemu, which writes past its header cluster: the name must fit. */
	if (o->backing_file && strlen(o->backing_file) > cluster - QED_HEADER_BYTES)
		return vu_err_set(e, ENOSPC, "backing file name too long for the header");
	return 0;
}

static int qed_create(int fd, const char *path, const struct vu_create_opts *o,
		      struct vu_err *e)
{
	uint32_t cluster = o->cluster_size ? o->cluster_size : QED_DEFAULT_CLUSTER;
	uint32_t table = o->table_size ? o->table_size : QED_DEFAULT_TABLE;
	/* qemu-img rounds the size up to a sector. */
	uint64_t size = o->size > UINT64_MAX - 511 ? UINT64_MAX : (o->size + 511) & ~511ull;
	size_t namelen = o->backing_file ? strlen(o->backing_file) : 0;
	uint8_t *h;
	int r;

	(void)path;
	if ((r = create_check(o, cluster, table, size, e)) < 0)
		return r;
	if (!(h = calloc(1, cluster)))
		return vu_err_set(e, ENOMEM, NULL);
	fmt_put_le(h + QH_MAGIC, 4, QED_MAGIC);
	fmt_put_le(h + QH_CLUSTER, 4, cluster);
	fmt_put_le(h + QH_TABLE, 4, table);
	fmt_put_le(h + QH_HEADER_SIZE, 4, 1);
	fmt_put_le(h + QH_L1, 8, cluster);
	fmt_put_le(h + QH_IMAGE_SIZE, 8, size);
	if (o->backing_file) {
		/* Only a raw backing file is recorded as such: others are probed. */
		bool raw = o->backing_fmt && strcmp(o->backing_fmt, "raw") == 0;

		fmt_put_le(h + QH_FEATURES, 8, QED_F_BACKING_FILE |
			   (raw ? QED_F_BACKING_FORMAT_NO_PROBE : 0));
		fmt_put_le(h + QH_BACKING_OFF, 4, QED_HEADER_BYTES);
		fmt_put_le(h + QH_BACKING_LEN, 4, (uint32_t)namelen);
		memcpy(h + QED_HEADER_BYTES, o->backing_file, namelen);
	}
	r = vu_pwrite_all(fd, h, QED_HEADER_BYTES + namelen, 0);
	free(h);
	/* The L1 table: zeros, as a hole. */
	if (r == 0 && ftruncate(fd, (off_t)cluster * (1 + table)) < 0)
		r = -errno;
	if (r < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	return 0;
}

/* ---- open ---- */

static int parse_header(struct vu_image *img, struct qed *q, uint64_t file_size,
			struct vu_err *e)
{
	const uint8_t *h = q->hdr;
	uint64_t size = le(h + QH_IMAGE_SIZE, 8);

	if (le(h + QH_MAGIC, 4) != QED_MAGIC)
		return vu_err_set(e, EINVAL, "Image not in QED format");
	q->features = le(h + QH_FEATURES, 8);
	if (q->features & ~(uint64_t)QED_FEATURE_MASK)
		return vu_err_set(e, ENOTSUP, "Unsupported QED features: %llx",
				  (unsigned long long)(q->features & ~(uint64_t)QED_FEATURE_MASK));
	q->cluster_size = (uint32_t)le(h + QH_CLUSTER, 4);
	if (!pow2(q->cluster_size) || q->cluster_size < QED_MIN_CLUSTER ||
	    q->cluster_size > QED_MAX_CLUSTER)
		return vu_err_set(e, EINVAL, "QED cluster size is invalid");
	q->table_size = (uint32_t)le(h + QH_TABLE, 4);
	if (!pow2(q->table_size) || q->table_size > QED_MAX_TABLE)
		return vu_err_set(e, EINVAL, "QED table size is invalid");
	q->header_size = (uint32_t)le(h + QH_HEADER_SIZE, 4);
	if (q->header_size == 0)
		return vu_err_set(e, EINVAL, "QED header size 0 (no room for the header)");
	if (!size_ok(size, q->cluster_size, q->table_size) || size > INT64_MAX)
		return vu_err_set(e, EINVAL, "QED image size is invalid");
	q->table_bytes = (uint64_t)q->table_size * q->cluster_size;
	q->nelems = (uint32_t)(q->table_bytes / 8);
	q->l2_shift = log2u(q->cluster_size);
	q->l1_shift = q->l2_shift + log2u(q->nelems);
	/* Round down to the last whole cluster, as qemu. */
	q->file_size = file_size & ~(uint64_t)(q->cluster_size - 1);
	q->l1_off = le(h + QH_L1, 8);
	if (!qed_table_ok(q, q->l1_off))
		return vu_err_set(e, EINVAL, "QED table offset is invalid");
	img->size = size;
	return 0;
}

static int read_backing_name(struct vu_image *img, struct qed *q, struct vu_err *e)
{
	uint64_t off = le(q->hdr + QH_BACKING_OFF, 4), len = le(q->hdr + QH_BACKING_LEN, 4);
	int r;

	if (!(q->features & QED_F_BACKING_FILE))
		return 0;
	if (off + len > (uint64_t)q->header_size * q->cluster_size || len == 0 || len > 1023)
		return vu_err_set(e, EINVAL, "QED backing file name out of the header");
	if (!(img->backing_file = calloc(1, len + 1)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = vu_pread_all(img->fd, img->backing_file, len, (off_t)off, true)) < 0)
		return vu_err_set(e, -r, "cannot read the backing file name: %s", strerror(-r));
	if (strlen(img->backing_file) != len)
		return vu_err_set(e, EINVAL, "QED backing file name holds a NUL byte");
	if ((q->features & QED_F_BACKING_FORMAT_NO_PROBE) && !(img->backing_fmt = strdup("raw")))
		return vu_err_set(e, ENOMEM, NULL);
	return 0;
}

static int read_tables(struct vu_image *img, struct qed *q, struct vu_err *e)
{
	uint8_t *raw;
	int r;

	if (!(q->l1 = malloc(q->table_bytes)) || !(q->l2 = malloc(q->table_bytes)))
		return vu_err_set(e, ENOMEM, NULL);
	raw = (uint8_t *)q->l1;
	if ((r = vu_pread_all(img->fd, raw, q->table_bytes, (off_t)q->l1_off, true)) < 0)
		return vu_err_set(e, -r, "cannot read the L1 table: %s", strerror(-r));
	for (uint32_t i = 0; i < q->nelems; i++)
		q->l1[i] = le(raw + (size_t)i * 8, 8);
	return 0;
}

static void qed_free(struct vu_image *img)
{
	struct qed *q = img->priv;

	if (!q)
		return;
	free(q->l1);
	free(q->l2);
	free(q);
	img->priv = NULL;
}

/* An image left with need-check opened for writing is checked and its
 * bad entries dropped first, as qemu does. */
static int repair_unclean(struct vu_image *img, struct qed *q, struct vu_err *e)
{
	struct vu_check_result res = { 0 };
	int r;

	if (!(q->features & QED_F_NEED_CHECK) || !(img->flags & VU_OPEN_RDWR) ||
	    (img->flags & VU_OPEN_CHECK))
		return 0;
	if ((r = qed_check(img, VU_CHECK_FIX_ERRORS, &res)) < 0 || res.corruptions)
		return vu_err_set(e, r < 0 ? -r : EIO, "Image corrupted");
	return 0;
}

static int qed_open(struct vu_image *img, struct vu_err *e)
{
	struct qed *q = calloc(1, sizeof(*q));
	struct stat st;
	int r;

	if (!q)
		return vu_err_set(e, ENOMEM, NULL);
	img->priv = q;
	if (fstat(img->fd, &st) < 0) {
		r = vu_err_set(e, errno, NULL);
		goto fail;
	}
	if ((r = vu_pread_all(img->fd, q->hdr, QED_HEADER_BYTES, 0, true)) < 0) {
		vu_err_set(e, -r, "cannot read the header: %s", strerror(-r));
		goto fail;
	}
	if ((r = parse_header(img, q, (uint64_t)st.st_size, e)) < 0 ||
	    (r = read_backing_name(img, q, e)) < 0 || (r = read_tables(img, q, e)) < 0 ||
	    (r = repair_unclean(img, q, e)) < 0)
		goto fail;
	/* Autoclear bits name extensions an older writer did not keep up. */
	if ((img->flags & VU_OPEN_RDWR) && le(q->hdr + QH_AUTOCLEAR, 8)) {
		fmt_put_le(q->hdr + QH_AUTOCLEAR, 8, 0);
		if ((r = qed_write_header(img)) < 0) {
			vu_err_set(e, -r, "cannot write the header: %s", strerror(-r));
			goto fail;
		}
	}
	return 0;
fail:
	qed_free(img);
	return r;
}

int qed_write_header(struct vu_image *img)
{
	struct qed *q = img->priv;
	int r;

	fmt_put_le(q->hdr + QH_FEATURES, 8, q->features);
	fmt_put_le(q->hdr + QH_IMAGE_SIZE, 8, img->size);
	if ((r = vu_pwrite_all(img->fd, q->hdr, QED_HEADER_BYTES, 0)) < 0)
		return r;
	return qed_sync(img);
}

/* A clean close: what was written made durable, then need-check cleared. */
static void qed_close(struct vu_image *img)
{
	struct qed *q = img->priv;

	if (q && (img->flags & VU_OPEN_RDWR) && (q->features & QED_F_NEED_CHECK) &&
	    qed_sync(img) == 0) {
		q->features &= ~(uint64_t)QED_F_NEED_CHECK;
		(void)qed_write_header(img);
	}
	qed_free(img);
}

/* ---- read ---- */

int qed_load_l2(struct vu_image *img, uint64_t off)
{
	struct qed *q = img->priv;
	uint8_t *raw = (uint8_t *)q->l2;
	int r;

	if (q->l2_off == off)
		return 0;
	q->l2_off = 0;
	if ((r = vu_pread_all(img->fd, raw, q->table_bytes, (off_t)off, true)) < 0)
		return r;
	for (uint32_t i = 0; i < q->nelems; i++)
		q->l2[i] = le(raw + (size_t)i * 8, 8);
	q->l2_off = off;
	return 0;
}

static int bad(struct qed *q, const char *what, uint64_t v)
{
	snprintf(q->errmsg, sizeof(q->errmsg), "QED %s 0x%llx invalid", what,
		 (unsigned long long)v);
	return -EIO;
}

/* The L2 entry of the cluster at off, after checking the tables naming it. */
int qed_find(struct vu_image *img, uint64_t off, uint64_t *entry)
{
	struct qed *q = img->priv;
	uint64_t l1e = q->l1[off >> q->l1_shift];
	uint64_t l2e;
	int r;

	if (l1e == 0) {
		*entry = QED_UNALLOC;
		return 0;
	}
	if (!qed_table_ok(q, l1e))
		return bad(q, "L2 table offset", l1e);
	if ((r = qed_load_l2(img, l1e)) < 0)
		return r;
	l2e = q->l2[(off >> q->l2_shift) & (q->nelems - 1)];
	if (l2e > QED_ZERO && !qed_cluster_ok(q, l2e))
		return bad(q, "cluster offset", l2e);
	*entry = l2e;
	return 0;
}

static int qed_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct qed *q = img->priv;
	uint8_t *p = buf;

	q->errmsg[0] = '\0';
	while (len) {
		uint64_t in = off & (q->cluster_size - 1), entry;
		size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : len;
		int r = qed_find(img, off, &entry);

		if (r == 0 && entry == QED_UNALLOC)
			r = vu_image_read_backing(img, p, n, off);
		else if (r == 0 && entry == QED_ZERO)
			memset(p, 0, n);
		else if (r == 0)
			r = vu_pread_all(img->fd, p, n, (off_t)(entry + in), true);
		if (r < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* As qemu's: data clusters lying one after the other in the file make one
 * extent; zero clusters read as zeros; the rest is the backing file's. */
static int qed_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			    struct vu_bstat *bs)
{
	struct qed *q = img->priv;
	uint64_t in = off & (q->cluster_size - 1), entry, first;
	int r;

	q->errmsg[0] = '\0';
	if ((r = qed_find(img, off, &first)) < 0)
		return r;
	bs->len = q->cluster_size - in < len ? q->cluster_size - in : len;
	bs->flags = first == QED_UNALLOC ? 0 : first == QED_ZERO ? VU_BS_ZERO | VU_BS_ALLOCATED :
		    VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
	bs->offset = first + in;
	while (bs->len < len) {
		uint64_t step = q->cluster_size < len - bs->len ? q->cluster_size : len - bs->len;

		/* A bad entry further on is reported when it is asked for. */
		if (qed_find(img, off + bs->len, &entry) < 0) {
			q->errmsg[0] = '\0';
			break;
		}
		if (first > QED_ZERO ? entry != bs->offset + bs->len : entry != first)
			break;
		bs->len += step;
	}
	return 0;
}

static int qed_info(struct vu_image *img, struct vu_info *info)
{
	struct qed *q = img->priv;

	/* need-check is not qemu-img's dirty flag: it prints false. */
	info->cluster_size = q->cluster_size;
	return 0;
}

static const char *qed_last_error(const struct vu_image *img)
{
	return ((const struct qed *)img->priv)->errmsg;
}

/* ---- the rest of the write half ---- */

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
	return qed_sync(img);
}

/* Growing only, without preallocation, as qemu's. */
static int qed_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		      struct vu_err *e)
{
	struct qed *q = img->priv;
	static const char *const names[] = { "off", "metadata", "falloc", "full" };
	uint64_t old = img->size;
	int r;

	if (prealloc != VU_PREALLOC_OFF)
		return vu_err_set(e, ENOTSUP, "Unsupported preallocation mode '%s'",
				  names[prealloc]);
	if (!size_ok(size, q->cluster_size, q->table_size))
		return vu_err_set(e, EINVAL, "Invalid image size specified");
	if (size < img->size)
		return vu_err_set(e, ENOTSUP, "Shrinking images is currently not supported");
	img->size = size;
	if ((r = qed_write_header(img)) < 0) {
		img->size = old;
		return vu_err_set(e, -r, "Failed to update the image size: %s", strerror(-r));
	}
	return 0;
}

/* The header and the new name in one write, as qemu's; what was written
 * before (a safe rebase's copies) is durable first. */
static int qed_set_backing(struct vu_image *img, struct vu_err *e)
{
	struct qed *q = img->priv;
	size_t len = img->backing_file ? strlen(img->backing_file) : 0;
	uint64_t features = q->features & ~(uint64_t)(QED_F_BACKING_FILE |
						      QED_F_BACKING_FORMAT_NO_PROBE);
	uint8_t *buf;
	int r;

	if (QED_HEADER_BYTES + len > (uint64_t)q->header_size * q->cluster_size)
		return vu_err_set(e, ENOSPC, "No space left on device");
	if (img->backing_file)
		features |= QED_F_BACKING_FILE | (img->backing_fmt &&
			    strcmp(img->backing_fmt, "raw") == 0 ? QED_F_BACKING_FORMAT_NO_PROBE : 0);
	if (!(buf = malloc(QED_HEADER_BYTES + len)))
		return vu_err_set(e, ENOMEM, NULL);
	memcpy(buf, q->hdr, QED_HEADER_BYTES);
	fmt_put_le(buf + QH_FEATURES, 8, features);
	fmt_put_le(buf + QH_IMAGE_SIZE, 8, img->size);
	fmt_put_le(buf + QH_BACKING_OFF, 4, QED_HEADER_BYTES);
	fmt_put_le(buf + QH_BACKING_LEN, 4, (uint32_t)len);
	if (len)
		memcpy(buf + QED_HEADER_BYTES, img->backing_file, len);
	if ((r = qed_sync(img)) == 0 && (r = vu_pwrite_all(img->fd, buf, QED_HEADER_BYTES + len, 0)) == 0)
		r = qed_sync(img);
	if (r == 0) {
		memcpy(q->hdr, buf, QED_HEADER_BYTES);
		q->features = features;
	}
	free(buf);
	return r < 0 ? vu_err_set(e, -r, "%s", strerror(-r)) : 0;
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
	.pwrite = qed_pwrite,
	.pwrite_zeroes = qed_pwrite_zeroes,
	.discard = qed_discard,
	.flush = qed_flush,
	.resize = qed_resize,
	.check = qed_check,
	.set_backing = qed_set_backing,
};
