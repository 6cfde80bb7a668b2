/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_create.c - new qcow2 images, and the header cluster as qemu lays it out */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/file.h"
#include "qcow2_wr.h"

#define V3_HEADER_LEN 112	/* qemu's: through compression_type, padded */
#define FEATURE_ENTRY 48

/* The feature name table qemu writes into every version 3 image. */
static const struct {
	uint8_t type, bit;
	const char *name;
} feature_names[] = {
	{ 0, 0, "dirty bit" },
	{ 0, 1, "corrupt bit" },
	{ 0, 2, "external data file" },
	{ 0, 3, "compression type" },
	{ 0, 4, "extended L2 entries" },
	{ 1, 0, "lazy refcounts" },
	{ 2, 0, "bitmaps" },
	{ 2, 1, "raw external data" },
};

/* Appends one extension at *pos; false when the cluster is full. */
static bool put_ext(uint8_t *buf, size_t cs, size_t *pos, uint32_t type, const void *data,
		    uint32_t len)
{
	size_t padded = ((size_t)len + 7) & ~(size_t)7;

	if (*pos + 8 + padded > cs)
		return false;
	qcow2_put_be(buf + *pos, 4, type);
	qcow2_put_be(buf + *pos + 4, 4, len);
	memset(buf + *pos + 8, 0, padded);
	if (len)
		memcpy(buf + *pos + 8, data, len);
	*pos += 8 + padded;
	return true;
}

static bool put_features(uint8_t *buf, size_t cs, size_t *pos)
{
	uint8_t t[ARRAY_SIZE(feature_names) * FEATURE_ENTRY];

	memset(t, 0, sizeof(t));
	for (size_t i = 0; i < ARRAY_SIZE(feature_names); i++) {
		t[i * FEATURE_ENTRY] = feature_names[i].type;
		t[i * FEATURE_ENTRY + 1] = feature_names[i].bit;
		memcpy(t + i * FEATURE_ENTRY + 2, feature_names[i].name, strlen(feature_names[i].name));
	}
	return put_ext(buf, cs, pos, QCOW2_EXT_FEATURE_NAMES, t, sizeof(t));
}

/*
 * The header cluster into buf (cs bytes): the fixed header, then the
 * backing format, the feature table (v3), the extensions kept from the
 * image (keep), the end marker and the backing file name, as qemu orders
 * them. h's header length and backing name fields are set here.
 */
int qcow2_header_build(struct qcow2_header *h, const char *backing, const char *backing_fmt,
		       const struct qcow2_wr *keep, uint8_t *buf, size_t cs)
{
	uint32_t extra = keep && h->version >= 3 ? keep->hdr_extra_len : 0;
	size_t pos = h->version >= 3 ? V3_HEADER_LEN + extra : QCOW2_V2_HEADER_LEN;
	uint8_t fixed[V3_HEADER_LEN];
	bool ok = true;

	memset(buf, 0, cs);
	h->header_length = h->version >= 3 ? (uint32_t)pos : QCOW2_V2_HEADER_LEN;
	if (extra)
		memcpy(buf + V3_HEADER_LEN, keep->hdr_extra, extra);
	if (backing && backing_fmt)
		ok = put_ext(buf, cs, &pos, QCOW2_EXT_BACKING_FMT, backing_fmt,
			     (uint32_t)strlen(backing_fmt));
	if (ok && h->version >= 3)
		ok = put_features(buf, cs, &pos);
	for (int i = 0; ok && keep && i < keep->nexts; i++)
		ok = put_ext(buf, cs, &pos, keep->exts[i].type, keep->exts[i].data,
			     keep->exts[i].len);
	if (ok)
		ok = put_ext(buf, cs, &pos, QCOW2_EXT_END, NULL, 0);
	h->backing_file_offset = 0;
	h->backing_file_size = 0;
	if (ok && backing) {
		size_t n = strlen(backing);

		ok = n <= QCOW2_MAX_BACKING_NAME && pos + n <= cs;
		if (ok) {
			memcpy(buf + pos, backing, n);
			h->backing_file_offset = pos;
			h->backing_file_size = (uint32_t)n;
		}
	}
	if (!ok)
		return -ENOSPC;
	qcow2_header_serialize(h, fixed);
	memcpy(buf, fixed, h->version >= 3 ? V3_HEADER_LEN : QCOW2_V2_HEADER_LEN);
	return 0;
}

int qcow2_header_rewrite(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct qcow2_header h = q->h;
	uint8_t *buf = malloc(q->cluster_size);
	int r;

	if (!buf)
		return vu_err_set(e, ENOMEM, NULL);
	r = qcow2_header_build(&h, img->backing_file, img->backing_fmt, q->wr, buf,
			       q->cluster_size);
	if (r < 0)
		vu_err_set(e, -r, "the header extensions do not fit in a cluster");
	else if ((r = qcow2_write_file(img, buf, q->cluster_size, 0)) < 0 ||
		 (r = qcow2_sync(img)) < 0)
		vu_err_set(e, -r, "cannot write the header: %s", strerror(-r));
	free(buf);
	if (r == 0)
		q->h = h;
	return r;
}

/* qemu's checks, in qemu's order and words. */
static int check_opts(const struct vu_create_opts *o, int version, uint64_t cs, unsigned rb,
		      struct vu_err *e)
{
	const char *v3 = "(use version=v3 or greater)";

	if (version != 2 && version != 3)
		return vu_err_set(e, EINVAL, "Invalid compatibility level %d", version);
	if (o->extended_l2 && version < 3)
		return vu_err_set(e, EINVAL, "Extended L2 entries are only supported with "
				  "compatibility level 1.1 and above %s", v3);
	if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1)))
		return vu_err_set(e, EINVAL, "Cluster size must be a power of two between "
				  "512 and 2048k");
	if (o->extended_l2 && cs < (1u << QCOW2_MIN_EXTL2_CLUSTER_BITS))
		return vu_err_set(e, EINVAL, "Extended L2 entries are only supported with "
				  "cluster sizes of at least 16384 bytes");
	if (o->backing_file && o->prealloc != VU_PREALLOC_OFF && !o->extended_l2)
		return vu_err_set(e, EINVAL, "Backing file and preallocation can only be used "
				  "at the same time if extended_l2 is on");
	if (o->backing_fmt && !o->backing_file)
		return vu_err_set(e, EINVAL, "Backing format cannot be used without backing file");
	if (o->lazy_refcounts && version < 3)
		return vu_err_set(e, EINVAL, "Lazy refcounts only supported with compatibility "
				  "level 1.1 and above %s", v3);
	if (rb == 0 || rb > 64 || (rb & (rb - 1)))
		return vu_err_set(e, EINVAL, "Refcount width must be a power of two and may "
				  "not exceed 64 bits");
	if (rb != 16 && version < 3)
		return vu_err_set(e, EINVAL, "Different refcount widths than 16 bits require "
				  "compatibility level 1.1 or above %s", v3);
	if (o->compression_type != QCOW2_COMPRESS_ZLIB && o->compression_type != QCOW2_COMPRESS_ZSTD)
		return vu_err_set(e, EINVAL, "Unknown compression type %d", o->compression_type);
	if (o->compression_type != QCOW2_COMPRESS_ZLIB && version < 3)
		return vu_err_set(e, EINVAL, "Non-zlib compression type is only supported with "
				  "compatibility level 1.1 and above %s", v3);
	if (o->backing_file && strlen(o->backing_file) > QCOW2_MAX_BACKING_NAME)
		return vu_err_set(e, EINVAL, "Backing file name too long");
	return 0;
}

/* The empty image of size 0: header, refcount table, one refcount block
 * counting the three, each a whole cluster, as qemu starts out. */
static int write_empty(int fd, struct qcow2_header *h, const struct vu_create_opts *o,
		       struct vu_err *e)
{
	size_t cs = (size_t)1 << h->cluster_bits;
	uint8_t *buf = calloc(3, cs);
	int r;

	if (!buf)
		return vu_err_set(e, ENOMEM, NULL);
	r = qcow2_header_build(h, o->backing_file, o->backing_fmt, NULL, buf, cs);
	if (r < 0) {
		free(buf);
		return vu_err_set(e, ENOSPC, "Backing file name too long");
	}
	qcow2_put_be(buf + cs, 8, 2 * cs);
	/* Refcount 1 at entries 0..2, in the image's width. */
	for (unsigned i = 0; i < 3; i++)
		qcow2_rc_entry_set(buf + 2 * cs, h->refcount_order, i, 1);
	r = vu_pwrite_all(fd, buf, 3 * cs, 0);
	free(buf);
	return r < 0 ? vu_err_set(e, -r, "%s", strerror(-r)) : 0;
}

/* Opens what write_empty made and grows it to its size, preallocating. */
static int grow_new(int fd, const char *path, uint64_t size, enum vu_prealloc prealloc,
		    struct vu_err *e)
{
	struct vu_image *img;
	int r = vu_image_open_fd(&img, fd, path, "qcow2",
				 VU_OPEN_RDWR | VU_OPEN_NO_BACKING | VU_OPEN_UNSAFE, e);

	if (r < 0)
		return r;
	r = qcow2_resize(img, size, prealloc, e);
	if (r == 0 && (r = qcow2_flush(img)) < 0)
		vu_err_set(e, -r, "%s", qcow2_last_error(img));
	vu_image_close(&img);
	return r;
}

int qcow2_create(int fd, const char *path, const struct vu_create_opts *o, struct vu_err *e)
{
	int version = o->version ? o->version : 3;
	uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
	unsigned rb = o->refcount_bits ? o->refcount_bits : 16;
	uint64_t size = (o->size + 511) & ~511ull;
	struct qcow2_header h;
	int r = check_opts(o, version, cs, rb, e);

	if (r < 0)
		return r;
	memset(&h, 0, sizeof(h));
	h.magic = QCOW2_MAGIC;
	h.version = (uint32_t)version;
	h.cluster_bits = (uint32_t)__builtin_ctzll(cs);
	h.refcount_table_offset = cs;
	h.refcount_table_clusters = 1;
	h.refcount_order = (uint32_t)__builtin_ctz(rb);
	h.compression_type = (uint8_t)o->compression_type;
	if (o->compression_type)
		h.incompatible_features |= QCOW2_INCOMPAT_COMPRESSION;
	if (o->extended_l2)
		h.incompatible_features |= QCOW2_INCOMPAT_EXTL2;
	if (o->lazy_refcounts)
		h.compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
	if ((r = write_empty(fd, &h, o, e)) < 0)
		return r;
	return grow_new(fd, path, size, o->prealloc, e);
}
