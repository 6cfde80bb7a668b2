/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2.c - the qcow2 format: probe, open (header, extensions, L1), info, close */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qcow2.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)qcow2_get_be(p, 4);
}

static uint64_t be64(const uint8_t *p)
{
	return qcow2_get_be(p, 8);
}

/* Version 1 is the older qcow format, another driver's; 2 and up are ours
 * so that a version we cannot read is refused by name instead of being
 * taken for raw. */
static int qcow2_probe(const uint8_t *buf, size_t len)
{
	if (len < 8 || be32(buf) != QCOW2_MAGIC || be32(buf + 4) < 2)
		return 0;
	return 100;
}

/* Bytes in the file (a regular file or a block device). */
static int file_size(int fd, uint64_t *size, struct vu_err *e)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return vu_err_set(e, errno, "cannot get the file size: %s", strerror(errno));
	*size = (uint64_t)end;
	return 0;
}

/* Fixed fields; v2 images get v3's defaults for the fields they lack. */
static void parse_fixed(const uint8_t *b, struct qcow2_header *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = be32(b);
	h->version = be32(b + 4);
	h->backing_file_offset = be64(b + 8);
	h->backing_file_size = be32(b + 16);
	h->cluster_bits = be32(b + 20);
	h->size = be64(b + 24);
	h->crypt_method = be32(b + 32);
	h->l1_size = be32(b + 36);
	h->l1_table_offset = be64(b + 40);
	h->refcount_table_offset = be64(b + 48);
	h->refcount_table_clusters = be32(b + 56);
	h->nb_snapshots = be32(b + 60);
	h->snapshots_offset = be64(b + 64);
	h->refcount_order = 4;
	h->header_length = QCOW2_V2_HEADER_LEN;
	if (h->version < 3)
		return;
	h->incompatible_features = be64(b + 72);
	h->compatible_features = be64(b + 80);
	h->autoclear_features = be64(b + 88);
	h->refcount_order = be32(b + 96);
	h->header_length = be32(b + 100);
}

/* Magic, version, cluster size and header length: enough to know how much
 * of the file is the header cluster. */
static int check_basics(const struct qcow2_header *h, size_t got, struct vu_err *e)
{
	if (got < QCOW2_V2_HEADER_LEN || h->magic != QCOW2_MAGIC)
		return vu_err_set(e, EINVAL, "not a qcow2 image or truncated header");
	if (h->version != 2 && h->version != 3)
		return vu_err_set(e, ENOTSUP, "unsupported qcow2 version %u", h->version);
	if (h->version == 3 && got < QCOW2_V3_HEADER_LEN)
		return vu_err_set(e, EINVAL, "truncated qcow2 header");
	if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return vu_err_set(e, EINVAL, "unsupported cluster size (cluster_bits %u)",
				  h->cluster_bits);
	if (h->version == 3 && (h->header_length < QCOW2_V3_HEADER_LEN ||
				h->header_length % 8 ||
				h->header_length > (1u << h->cluster_bits)))
		return vu_err_set(e, EINVAL, "invalid header length %u", h->header_length);
	return 0;
}

/* The header cluster (as much of it as the file has), read in two steps
 * because the cluster size is in the header. */
static int read_header(struct vu_image *img, struct qcow2 *q, uint8_t **out,
		       size_t *outlen, struct vu_err *e)
{
	uint8_t first[QCOW2_V3_HEADER_LEN];
	size_t n = q->file_size < sizeof(first) ? (size_t)q->file_size : sizeof(first);
	uint8_t *buf;
	int r;

	memset(first, 0, sizeof(first));
	r = qcow2_read_file(q, img->fd, first, n, 0);
	if (r < 0)
		return vu_err_set(e, -r, "cannot read the header: %s", strerror(-r));
	parse_fixed(first, &q->h);
	r = check_basics(&q->h, n, e);
	if (r < 0)
		return r;
	n = (size_t)1 << q->h.cluster_bits;
	if (n > q->file_size)
		n = (size_t)q->file_size;
	if (q->h.header_length > n)
		return vu_err_set(e, EINVAL, "truncated qcow2 header");
	buf = malloc(n);
	if (!buf)
		return vu_err_set(e, ENOMEM, NULL);
	r = qcow2_read_file(q, img->fd, buf, n, 0);
	if (r < 0) {
		free(buf);
		return vu_err_set(e, -r, "cannot read the header: %s", strerror(-r));
	}
	if (q->h.header_length > QCOW2_V3_HEADER_LEN)
		q->h.compression_type = buf[QCOW2_V3_HEADER_LEN];
	*out = buf;
	*outlen = n;
	return 0;
}

/* Where the extensions left the feature name table, for error messages. */
struct ext_state {
	const uint8_t *names;
	size_t names_len;
};

static int ext_backing_fmt(struct vu_image *img, const uint8_t *p, uint32_t len,
			   struct vu_err *e)
{
	if (len > QCOW2_MAX_BACKING_FMT)
		return vu_err_set(e, EINVAL, "backing format name too long");
	free(img->backing_fmt);
	img->backing_fmt = NULL;
	if (len && p[0] && !(img->backing_fmt = strndup((const char *)p, len)))
		return vu_err_set(e, ENOMEM, NULL);
	return 0;
}

/* Extensions run from the end of the header to the backing file name (or
 * the end of the header cluster); unknown types are skipped, as the spec
 * allows. */
static int parse_extensions(struct vu_image *img, struct qcow2 *q, const uint8_t *buf,
			    size_t n, struct ext_state *st, struct vu_err *e)
{
	size_t off = q->h.header_length;
	size_t end = n;
	int r;

	if (q->h.backing_file_offset && q->h.backing_file_offset < end)
		end = (size_t)q->h.backing_file_offset;
	while (off + 8 <= end) {
		uint32_t type = be32(buf + off), len = be32(buf + off + 4);

		off += 8;
		if (type == QCOW2_EXT_END)
			break;
		if (len > end - off)
			return vu_err_set(e, EINVAL, "header extension 0x%08x too long", type);
		if (type == QCOW2_EXT_BACKING_FMT) {
			r = ext_backing_fmt(img, buf + off, len, e);
			if (r < 0)
				return r;
		} else if (type == QCOW2_EXT_FEATURE_NAMES) {
			st->names = buf + off;
			st->names_len = len;
		} else if (type == QCOW2_EXT_BITMAPS && len >= 24) {
			q->bitmaps_nb = be32(buf + off);
			q->bitmaps_dir_size = be64(buf + off + 8);
			q->bitmaps_dir_offset = be64(buf + off + 16);
		}
		off += ((size_t)len + 7) & ~(size_t)7;
	}
	return 0;
}

/* The name the image's feature table gives an incompatible bit, if any. */
static void feature_name(const struct ext_state *st, unsigned bit, char *out, size_t outlen)
{
	for (size_t i = 0; i + 48 <= st->names_len; i += 48) {
		const uint8_t *ent = st->names + i;

		if (ent[0] == 0 && ent[1] == bit && ent[2]) {
			snprintf(out, outlen, "%.46s", (const char *)ent + 2);
			return;
		}
	}
	snprintf(out, outlen, "incompatible feature bit %u", bit);
}

static int check_features(struct vu_image *img, struct qcow2 *q, const struct ext_state *st,
			  struct vu_err *e)
{
	uint64_t unknown = q->h.incompatible_features & ~QCOW2_INCOMPAT_KNOWN;
	char name[64];

	if (unknown) {
		feature_name(st, (unsigned)__builtin_ctzll(unknown), name, sizeof(name));
		return vu_err_set(e, ENOTSUP, "unsupported qcow2 feature: %s", name);
	}
	if (q->h.crypt_method)
		return vu_err_set(e, ENOTSUP, "unsupported qcow2 feature: encryption");
	if (q->h.incompatible_features & QCOW2_INCOMPAT_DATA_FILE)
		return vu_err_set(e, ENOTSUP, "unsupported qcow2 feature: external data file");
	if ((q->h.incompatible_features & QCOW2_INCOMPAT_CORRUPT) && (img->flags & VU_OPEN_RDWR) &&
	    !(img->flags & VU_OPEN_CHECK))
		return vu_err_set(e, EACCES, "image is corrupt; cannot be opened read/write");
	if (q->h.refcount_order > QCOW2_MAX_REFCOUNT_ORDER)
		return vu_err_set(e, EINVAL, "invalid refcount order %u", q->h.refcount_order);
	if (q->h.compression_type > QCOW2_COMPRESS_ZSTD)
		return vu_err_set(e, ENOTSUP, "unsupported compression type %u",
				  q->h.compression_type);
	if (!(q->h.incompatible_features & QCOW2_INCOMPAT_COMPRESSION) != !q->h.compression_type)
		return vu_err_set(e, EINVAL, "compression type does not match the feature bit");
	if ((q->h.incompatible_features & QCOW2_INCOMPAT_EXTL2) &&
	    q->h.cluster_bits < QCOW2_MIN_EXTL2_CLUSTER_BITS)
		return vu_err_set(e, EINVAL, "extended l2 entries need clusters of 16k or more");
	return 0;
}

/* The name is kept as recorded; an empty one means no backing file. */
static int read_backing_name(struct vu_image *img, struct qcow2 *q, const uint8_t *buf,
			     size_t n, struct vu_err *e)
{
	uint64_t off = q->h.backing_file_offset;
	uint32_t len = q->h.backing_file_size;

	if (!off)
		return 0;
	if (len > QCOW2_MAX_BACKING_NAME)
		return vu_err_set(e, EINVAL, "backing file name too long");
	if (off > n || len > n - off)
		return vu_err_set(e, EINVAL, "backing file name outside the header cluster");
	if (len && buf[off] && !(img->backing_file = strndup((const char *)buf + off, len)))
		return vu_err_set(e, ENOMEM, NULL);
	return 0;
}

/* ceil(a / 2^bits) without overflow. */
static uint64_t div_round_up(uint64_t a, unsigned bits)
{
	return (a >> bits) + ((a & ((1ull << bits) - 1)) != 0);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* A table must be cluster aligned and lie inside the file. */
static int check_table(const struct qcow2 *q, const char *what, uint64_t off, uint64_t len,
		       struct vu_err *e)
{
	if (!len)
		return 0;
	if (off & (q->cluster_size - 1))
		return vu_err_set(e, EINVAL, "unaligned %s offset", what);
	if (off > q->file_size || len > q->file_size - off)
		return vu_err_set(e, EINVAL, "%s past the end of the file", what);
	return 0;
}

/* The L1 table must cover the virtual size and no table may overlap the
 * header or another: a writer would otherwise corrupt one through the other. */
static int check_layout(struct qcow2 *q, struct vu_err *e)
{
	const struct qcow2_header *h = &q->h;
	uint64_t l1_need = div_round_up(div_round_up(h->size, q->cluster_bits), q->l2_bits);
	uint64_t l1_bytes = (uint64_t)h->l1_size * 8;
	uint64_t rt_bytes = (uint64_t)h->refcount_table_clusters << q->cluster_bits;
	int r;

	if (l1_need > QCOW2_MAX_L1_BYTES / 8)
		return vu_err_set(e, EINVAL, "virtual size too large for the cluster size");
	if (l1_bytes > QCOW2_MAX_L1_BYTES)
		return vu_err_set(e, EINVAL, "l1 table too large");
	if (h->l1_size < l1_need)
		return vu_err_set(e, EINVAL, "l1 table too small for the virtual size");
	if (rt_bytes > QCOW2_MAX_REFTABLE_BYTES)
		return vu_err_set(e, EINVAL, "refcount table too large");
	if ((r = check_table(q, "l1 table", h->l1_table_offset, l1_bytes, e)) < 0 ||
	    (r = check_table(q, "refcount table", h->refcount_table_offset, rt_bytes, e)) < 0)
		return r;
	if (overlaps(0, q->cluster_size, h->l1_table_offset, l1_bytes))
		return vu_err_set(e, EINVAL, "l1 table overlaps the header");
	if (overlaps(0, q->cluster_size, h->refcount_table_offset, rt_bytes))
		return vu_err_set(e, EINVAL, "refcount table overlaps the header");
	if (overlaps(h->l1_table_offset, l1_bytes, h->refcount_table_offset, rt_bytes))
		return vu_err_set(e, EINVAL, "l1 table overlaps the refcount table");
	if (h->nb_snapshots > 65536)
		return vu_err_set(e, EINVAL, "too many snapshots");
	if (h->nb_snapshots && (r = check_table(q, "snapshot table", h->snapshots_offset, 1, e)) < 0)
		return r;
	return 0;
}

/* Derived sizes and the compressed descriptor layout. */
static void set_geometry(struct qcow2 *q)
{
	unsigned cb = q->h.cluster_bits;
	unsigned slots;

	q->cluster_bits = cb;
	q->cluster_size = 1ull << cb;
	q->extended_l2 = q->h.incompatible_features & QCOW2_INCOMPAT_EXTL2;
	q->l2_entry_size = q->extended_l2 ? 16 : 8;
	q->l2_bits = cb - (q->extended_l2 ? 4 : 3);
	q->subcluster_bits = q->extended_l2 ? cb - 5 : cb;
	q->refcount_order = q->h.refcount_order;
	q->refcount_table_offset = q->h.refcount_table_offset;
	q->refcount_table_clusters = q->h.refcount_table_clusters;
	q->csize_shift = 62 - (cb - 8);
	q->csize_mask = (1ull << (cb - 8)) - 1;
	q->coffset_mask = (1ull << q->csize_shift) - 1;
	slots = (unsigned)(QCOW2_L2_CACHE_BYTES >> cb);
	if (slots < QCOW2_L2_CACHE_MIN)
		slots = QCOW2_L2_CACHE_MIN;
	if (slots > QCOW2_L2_CACHE_MAX)
		slots = QCOW2_L2_CACHE_MAX;
	q->l2_slots = slots;
}

/* Reads the L1 table and checks every L2 offset the virtual size can reach,
 * so that a bad table is refused at open rather than at some later read. */
static int read_l1(struct vu_image *img, struct qcow2 *q, struct vu_err *e)
{
	uint64_t reach = div_round_up(div_round_up(q->h.size, q->cluster_bits), q->l2_bits);
	uint32_t n = q->h.l1_size;
	int r;

	q->l1_size = n;
	if (!n)
		return 0;
	q->l1 = malloc((size_t)n * 8);
	if (!q->l1)
		return vu_err_set(e, ENOMEM, NULL);
	r = qcow2_read_file(q, img->fd, q->l1, (size_t)n * 8, q->h.l1_table_offset);
	if (r < 0)
		return vu_err_set(e, -r, "cannot read the l1 table: %s", strerror(-r));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t l2 = be64((const uint8_t *)&q->l1[i]);

		q->l1[i] = l2;
		l2 &= QCOW2_L1_OFFSET_MASK;
		/* A check reports bad entries instead of refusing the image. */
		if (i >= reach || !l2 || (img->flags & VU_OPEN_CHECK))
			continue;
		if (l2 & (q->cluster_size - 1))
			return vu_err_set(e, EINVAL, "unaligned l2 table offset in l1 entry %u", i);
		if (l2 > q->file_size - q->cluster_size || q->file_size < q->cluster_size)
			return vu_err_set(e, EINVAL, "l2 table past the end of the file");
	}
	return 0;
}

static void qcow2_free(struct qcow2 *q)
{
	if (!q)
		return;
	for (unsigned i = 0; i < QCOW2_L2_CACHE_MAX; i++)
		free(q->l2_cache[i].table);
	qcow2_decomp_free(q->dc);
	free(q->rc_block);
	free(q->l1);
	free(q);
}

static int open_steps(struct vu_image *img, struct qcow2 *q, struct vu_err *e)
{
	struct ext_state st = { NULL, 0 };
	uint8_t *buf = NULL;
	size_t n = 0;
	int r;

	q->direct = (fcntl(img->fd, F_GETFL) & O_DIRECT) != 0;
	if ((r = file_size(img->fd, &q->file_size, e)) < 0 ||
	    (r = read_header(img, q, &buf, &n, e)) < 0)
		return r;
	r = parse_extensions(img, q, buf, n, &st, e);
	if (r == 0)
		r = check_features(img, q, &st, e);
	if (r == 0)
		r = read_backing_name(img, q, buf, n, e);
	free(buf);
	if (r < 0)
		return r;
	set_geometry(q);
	if ((r = check_layout(q, e)) < 0 || (r = read_l1(img, q, e)) < 0)
		return r;
	if (!img->backing_file) {
		free(img->backing_fmt);
		img->backing_fmt = NULL;
	}
	img->size = q->h.size;
	return 0;
}

static int qcow2_open(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return vu_err_set(e, ENOMEM, NULL);
	q->prealloc = -1;
	r = open_steps(img, q, e);
	img->priv = q;
	if (r == 0 && (img->flags & VU_OPEN_RDWR))
		r = qcow2_wr_open(img, e);
	if (r < 0) {
		img->priv = NULL;
		/* image.c does not call close() after a failed open. */
		qcow2_free(q);
		free(img->backing_file);
		free(img->backing_fmt);
		img->backing_file = img->backing_fmt = NULL;
		return r;
	}
	img->priv = q;
	return 0;
}

static void qcow2_close(struct vu_image *img)
{
	qcow2_wr_close(img);
	qcow2_free(img->priv);
	img->priv = NULL;
}

/* The keys and their order are qemu-img 7.2's "format-specific" data. */
static int qcow2_info(struct vu_image *img, struct vu_info *info)
{
	const struct qcow2 *q = img->priv;
	const struct qcow2_header *h = &q->h;

	int r;

	info->cluster_size = q->cluster_size;
	info->dirty = h->incompatible_features & QCOW2_INCOMPAT_DIRTY;
	if ((r = qcow2_snapshots_read(img, info)) < 0)
		return r;
	if (h->version < 3) {
		vu_info_str(info, "compat", "0.10");
		vu_info_str(info, "compression-type", "zlib");
		vu_info_int(info, "refcount-bits", 16);
		return 0;
	}
	vu_info_str(info, "compat", "1.1");
	vu_info_str(info, "compression-type",
		    h->compression_type == QCOW2_COMPRESS_ZSTD ? "zstd" : "zlib");
	vu_info_bool(info, "lazy-refcounts", h->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS);
	info->bitmaps_supported = h->version >= 3;
	if (q->bitmaps_nb && (h->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
		if ((r = qcow2_bitmaps_read(img, info)) < 0)
			return r;
		vu_info_bitmaps(info);
	}
	vu_info_int(info, "refcount-bits", 1ll << h->refcount_order);
	vu_info_bool(info, "corrupt", h->incompatible_features & QCOW2_INCOMPAT_CORRUPT);
	vu_info_bool(info, "extended-l2", q->extended_l2);
	return 0;
}

const struct vu_image_driver vu_drv_qcow2 = {
	.name = "qcow2",
	.probe = qcow2_probe,
	.open = qcow2_open,
	.close = qcow2_close,
	.pread = qcow2_pread,
	.block_status = qcow2_block_status,
	.info = qcow2_info,
	.last_error = qcow2_last_error,
	.create = qcow2_create,
	.pwrite = qcow2_pwrite,
	.pwrite_zeroes = qcow2_pwrite_zeroes,
	.discard = qcow2_discard,
	.truncate = qcow2_truncate,
	.flush = qcow2_flush,
	.resize = qcow2_resize,
	.compress_cluster = qcow2_compress_cluster,
	.write_compressed = qcow2_write_compressed,
	.pwrite_compressed = qcow2_pwrite_compressed,
	.amend = qcow2_amend,
	.check = qcow2_check,
	.set_backing = qcow2_set_backing,
	.make_empty = qcow2_make_empty,
	.snapshot_create = qcow2_snapshot_create,
	.snapshot_apply = qcow2_snapshot_apply,
	.measure = qcow2_measure,
	.snapshot_delete = qcow2_snapshot_delete,
	.snapshot_load = qcow2_snapshot_load,
};
