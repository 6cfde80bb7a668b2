/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk.c - the VMware format: probe, open (descriptor, extents), read, map, info, check */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vmdk.h"

/* A sparse extent ("KDMV"), a text descriptor, or an OVA holding one. */
static int vmdk_probe(const uint8_t *buf, size_t len)
{
	static const char head[] = "# Disk DescriptorFile";

	if (len >= 4 && vmdk_le(buf, 4) == VMDK_MAGIC)
		return 100;
	if (len >= sizeof(head) - 1 && memcmp(buf, head, sizeof(head) - 1) == 0)
		return 100;
	if (vmdk_ova_probe(buf, len))
		return 100;
	return 0;
}

static int file_size(int fd, uint64_t *size, struct vu_err *e)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return vu_err_set(e, errno, "cannot get the file size: %s", strerror(errno));
	*size = (uint64_t)end;
	return 0;
}

/* The descriptor inside a sparse extent (monolithicSparse, streamOptimized). */
static int read_embedded_desc(struct vu_image *img, struct vmdk *v, struct vu_err *e)
{
	const struct vmdk_extent *x = &v->ext[0];
	uint64_t at = x->h.desc_off * VMDK_SECTOR, cap = x->h.desc_size * VMDK_SECTOR;
	int r;

	if (!x->h.desc_off || !x->h.desc_size) {
		snprintf(v->create_type, sizeof(v->create_type), "%s",
			 x->compressed ? "streamOptimized" : "monolithicSparse");
		return 0;
	}
	if (x->h.desc_size > VMDK_MAX_DESC / VMDK_SECTOR || x->h.desc_off > x->fsize / VMDK_SECTOR ||
	    cap > x->fsize - at || (at < VMDK_SECTOR))
		return vu_err_set(e, EINVAL, "descriptor offset out of the file");
	if (!(v->desc = calloc(1, (size_t)cap + 1)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = vmdk_ext_pread(x, v->desc, (size_t)cap, at)) < 0)
		return vu_err_set(e, -r, "cannot read the descriptor: %s", strerror(-r));
	v->embedded = true;
	v->desc_at = at;
	v->desc_cap = cap;
	return vmdk_desc_parse(v, v->desc, false, &img->backing_file, e);
}

/* One sparse extent that is the whole image (the file, or an OVA member). */
static int open_monolithic(struct vu_image *img, struct vmdk *v, uint64_t base, uint64_t len,
			   const char *name, struct vu_err *e)
{
	struct vmdk_extent *x;
	char shown[256];
	int r;

	/* An archive member's name is anyone's: shown safely in messages. */
	if (base)
		name = vu_img_shown(name, shown, sizeof(shown));

	if (!(v->ext = calloc(1, sizeof(*v->ext))))
		return vu_err_set(e, ENOMEM, NULL);
	v->n = 1;
	x = &v->ext[0];
	x->type = VMDK_EXT_SPARSE;
	x->fd = img->fd;
	x->base = base;
	x->fsize = len;
	if (!(x->name = strdup(name)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = vmdk_sparse_open(x, e)) < 0 || (r = read_embedded_desc(img, v, e)) < 0)
		return r;
	x->len = x->h.capacity * VMDK_SECTOR;
	return 0;
}

/* Every extent file is a different file, and none is the descriptor. */
static int open_extent_file(struct vu_image *img, struct vmdk *v, int i, struct vu_err *e)
{
	struct vmdk_extent *x = &v->ext[i];
	char *path;
	struct stat st, mine;

	if (!vmdk_extent_name_ok(x->name))
		return vu_err_set(e, EPERM, "extent file name '%s' is not a file beside the "
				  "descriptor", x->name);
	if (!(path = vu_image_relative_path(img->filename, x->name)))
		return vu_err_set(e, ENOMEM, NULL);
	x->fd = open(path, ((img->flags & VU_OPEN_RDWR) ? O_RDWR : O_RDONLY) | O_CLOEXEC |
		     O_NONBLOCK);
	x->path = path;
	if (x->fd < 0)
		return vu_err_set(e, errno, "cannot open extent '%s': %s", x->name, strerror(errno));
	x->own_fd = true;
	if (fstat(x->fd, &st) < 0 || fstat(img->fd, &mine) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vu_err_set(e, EINVAL, "extent '%s' is not a regular file", x->name);
	if (fcntl(x->fd, F_SETFL, fcntl(x->fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if (st.st_dev == mine.st_dev && st.st_ino == mine.st_ino)
		return vu_err_set(e, ELOOP, "extent '%s' is the descriptor itself", x->name);
	for (int j = 0; j < i; j++) {
		struct stat o;

		if (v->ext[j].fd >= 0 && fstat(v->ext[j].fd, &o) == 0 &&
		    o.st_dev == st.st_dev && o.st_ino == st.st_ino)
			return vu_err_set(e, ELOOP, "extent '%s' is named twice", x->name);
	}
	return file_size(x->fd, &x->fsize, e);
}

static int open_extent(struct vu_image *img, struct vmdk *v, int i, struct vu_err *e)
{
	struct vmdk_extent *x = &v->ext[i];
	int r;

	if (x->type == VMDK_EXT_ZERO)
		return 0;
	if ((r = open_extent_file(img, v, i, e)) < 0)
		return r;
	if (x->type == VMDK_EXT_FLAT) {
		if (x->flat_off > x->fsize || x->len > x->fsize - x->flat_off)
			return vu_err_set(e, EINVAL, "extent '%s' is shorter than the descriptor "
					  "says", x->name);
		return 0;
	}
	if ((r = vmdk_sparse_open(x, e)) < 0)
		return r;
	if (x->h.capacity * VMDK_SECTOR < x->len)
		return vu_err_set(e, EINVAL, "extent '%s' is smaller than the descriptor says",
				  x->name);
	return 0;
}

/* A text descriptor file naming its extents. */
static int open_descriptor(struct vu_image *img, struct vmdk *v, uint64_t fsize,
			   struct vu_err *e)
{
	uint64_t start = 0;
	int r;

	if (fsize > VMDK_MAX_DESC)
		return vu_err_set(e, EFBIG, "descriptor file too large");
	if (!(v->desc = calloc(1, (size_t)fsize + 1)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = vu_pread_all(img->fd, v->desc, (size_t)fsize, 0, false)) < 0)
		return vu_err_set(e, -r, "cannot read the descriptor: %s", strerror(-r));
	/* qemu-img pads descriptor files with zeros: the text ends at the first. */
	if ((r = vmdk_desc_parse(v, v->desc, true, &img->backing_file, e)) < 0)
		return r;
	for (int i = 0; i < v->n; i++) {
		if ((r = open_extent(img, v, i, e)) < 0)
			return r;
		v->ext[i].start = start;
		if (v->ext[i].len > VMDK_MAX_DATA_BYTES - start)
			return vu_err_set(e, EFBIG, "extents add up to more than the largest disk");
		start += v->ext[i].len;
	}
	return 0;
}

static void vmdk_free(struct vmdk *v)
{
	for (int i = 0; v->ext && i < v->n; i++) {
		struct vmdk_extent *x = &v->ext[i];

		if (x->own_fd && x->fd >= 0)
			close(x->fd);
		free(x->name);
		free(x->path);
		free(x->gd);
		free(x->rgd);
		free(x->gt);
	}
	free(v->ext);
	free(v->desc);
	free(v->gbuf);
	free(v->ubuf);
	free(v);
}

static int open_steps(struct vu_image *img, struct vmdk *v, struct vu_err *e)
{
	uint8_t b[VMDK_SECTOR] = { 0 };
	uint64_t fsize = 0, off = 0, len = 0;
	char *name = NULL;
	int r;

	if ((r = file_size(img->fd, &fsize, e)) < 0)
		return r;
	if ((r = vu_pread_all(img->fd, b, sizeof(b), 0, true)) < 0)
		return vu_err_set(e, -r, "cannot read: %s", strerror(-r));
	if (img->win_len) {
		/* A member of an archive (vu_ova_open_disk): a sparse extent. */
		if (vmdk_le(b, 4) != VMDK_MAGIC &&
		    (r = vu_pread_all(img->fd, b, sizeof(b), (off_t)img->win_off, true)) < 0)
			return vu_err_set(e, -r, "cannot read: %s", strerror(-r));
		if (vmdk_le(b, 4) != VMDK_MAGIC)
			return vu_err_set(e, ENOTSUP, "%s: not a sparse vmdk", img->win_name);
		r = open_monolithic(img, v, img->win_off, img->win_len, img->win_name, e);
	} else if (vmdk_ova_probe(b, sizeof(b))) {
		if (img->flags & VU_OPEN_RDWR)
			return vu_err_set(e, EROFS, "the disk of an OVA is read-only");
		if ((r = vmdk_ova_find(img->fd, &off, &len, &name, e)) < 0)
			return r;
		/* qemu-img would name the OVA: the member is more use. */
		r = open_monolithic(img, v, off, len, name, e);
		free(name);
	} else if (vmdk_le(b, 4) == VMDK_MAGIC) {
		r = open_monolithic(img, v, 0, fsize, img->filename, e);
	} else {
		r = open_descriptor(img, v, fsize, e);
	}
	if (r < 0)
		return r;
	v->stream = strcmp(v->create_type, "streamOptimized") == 0 ||
		    (v->n == 1 && v->ext[0].compressed);
	for (int i = 0; i < v->n; i++)
		img->size += v->ext[i].len;
	if (img->backing_file && !(img->backing_fmt = strdup("vmdk")))
		return vu_err_set(e, ENOMEM, NULL);
	return 0;
}

static int vmdk_open(struct vu_image *img, struct vu_err *e)
{
	struct vmdk *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = open_steps(img, v, e)) < 0) {
		vmdk_free(v);
		return r;
	}
	img->priv = v;
	return 0;
}

static void vmdk_close(struct vu_image *img)
{
	struct vmdk *v = img->priv;

	if (!v)
		return;
	if (img->flags & VU_OPEN_RDWR)
		vmdk_flush(img);
	vmdk_free(v);
	img->priv = NULL;
}

struct vmdk_extent *vmdk_find_extent(const struct vmdk *v, uint64_t off)
{
	int lo = 0, hi = v->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct vmdk_extent *x = &v->ext[mid];

		if (off < x->start)
			hi = mid - 1;
		else if (off - x->start >= x->len)
			lo = mid + 1;
		else
			return x;
	}
	return NULL;
}

/* A vmdk parent changed since the overlay was made (its CID is no longer
 * the overlay's parentCID) cannot be read through, as qemu refuses it. */
static bool parent_cid_valid(const struct vu_image *img)
{
	const struct vmdk *v = img->priv;
	const struct vu_image *b = img->backing;

	return b->drv != &vu_drv_vmdk || ((const struct vmdk *)b->priv)->cid == v->parent_cid;
}

/* Whether grain g+1's entry continues a run that grain g's entry began
 * (data contiguous in the file, or both unallocated, or both zeroed). */
static bool continues(const struct vmdk_extent *x, uint32_t first, uint32_t next, uint64_t k)
{
	if (first == 0 || (x->zero_grain && first == VMDK_GTE_ZEROED))
		return next == first;
	return !x->compressed && next == first + k * x->h.grain;
}

/*
 * From off in a sparse extent, at most *n bytes: grains whose data lies
 * contiguous in the file are read with one pread (qemu-img's layout puts
 * a sequential copy's grains in order), as are runs of unallocated or
 * zeroed grains. *n becomes what was read.
 */
static int read_sparse(struct vu_image *img, struct vmdk_extent *x, void *buf, uint64_t *n,
		       uint64_t off)
{
	struct vmdk *v = img->priv;
	uint64_t rel = off - x->start, g = rel / x->grain, in = rel % x->grain;
	uint64_t len = x->grain - in < *n ? x->grain - in : *n;
	uint32_t gte, next;
	int r = vmdk_gte(v, x, g, &gte);

	for (uint64_t k = 1; r == 0 && len < *n && !x->compressed; k++) {
		if ((r = vmdk_gte(v, x, g + k, &next)) < 0 || !continues(x, gte, next, k))
			break;
		len += x->grain < *n - len ? x->grain : *n - len;
	}
	if (r < 0)
		return r;
	*n = len;
	if (gte == 0 && img->backing && !parent_cid_valid(img))
		return v->why = "the parent's CID is not the one recorded", -EINVAL;
	if (gte == 0)
		return vu_image_read_backing(img, buf, (size_t)len, off);
	if (x->zero_grain && gte == VMDK_GTE_ZEROED) {
		memset(buf, 0, (size_t)len);
		return 0;
	}
	return vmdk_grain_read(v, x, gte, g, buf, (size_t)len, in);
}

static int vmdk_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct vmdk *v = img->priv;
	uint8_t *p = buf;

	v->why = NULL;
	while (len) {
		struct vmdk_extent *x = vmdk_find_extent(v, off);
		uint64_t rel, n;
		int r;

		if (!x)
			return -EIO;
		rel = off - x->start;
		n = x->len - rel < len ? x->len - rel : len;
		if (x->type == VMDK_EXT_ZERO) {
			memset(p, 0, (size_t)n);
			r = 0;
		} else if (x->type == VMDK_EXT_FLAT) {
			r = vmdk_ext_pread(x, p, (size_t)n, x->flat_off + rel);
		} else {
			r = read_sparse(img, x, p, &n, off);
		}
		if (r < 0)
			return r;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A grain's status as qemu reports it. */
static int grain_status(struct vmdk *v, struct vmdk_extent *x, uint64_t g, unsigned *flags,
			uint64_t *host)
{
	uint32_t gte;
	int r = vmdk_gte(v, x, g, &gte);

	*host = 0;
	if (r < 0)
		return r;
	if (gte == 0)
		*flags = 0;
	else if (x->zero_grain && gte == VMDK_GTE_ZEROED)
		*flags = VU_BS_ZERO | VU_BS_ALLOCATED;
	else if (x->compressed)
		*flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_COMPRESSED;
	else
		*flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
	*host = (uint64_t)gte * VMDK_SECTOR;
	return 0;
}

/* Grains with one status (and, for data, contiguous in the file) merged. */
static int sparse_status(struct vmdk *v, struct vmdk_extent *x, uint64_t rel, uint64_t len,
			 struct vu_bstat *bs)
{
	uint64_t g = rel / x->grain, host, in = rel % x->grain;
	unsigned flags;
	int r = grain_status(v, x, g, &flags, &host);

	if (r < 0)
		return r;
	bs->flags = flags;
	bs->offset = host + in;
	bs->len = x->grain - in < len ? x->grain - in : len;
	while (bs->len < len) {
		unsigned f2;
		uint64_t h2;

		if ((r = grain_status(v, x, ++g, &f2, &h2)) < 0)
			return r;
		if (f2 != flags || ((flags & VU_BS_OFFSET_VALID) && h2 != host + (bs->len + in)))
			break;
		bs->len += x->grain < len - bs->len ? x->grain : len - bs->len;
	}
	if (!(flags & VU_BS_OFFSET_VALID))
		bs->offset = 0;
	return 0;
}

static int vmdk_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			     struct vu_bstat *bs)
{
	struct vmdk *v = img->priv;
	struct vmdk_extent *x = vmdk_find_extent(v, off);
	uint64_t rel;
	int r;

	v->why = NULL;
	if (!x)
		return -EIO;
	rel = off - x->start;
	if (len > x->len - rel)
		len = x->len - rel;
	if (x->type == VMDK_EXT_ZERO) {
		*bs = (struct vu_bstat){ .len = len, .flags = VU_BS_ZERO | VU_BS_ALLOCATED };
		return 0;
	}
	if (x->type == VMDK_EXT_SPARSE) {
		r = sparse_status(v, x, rel, len, bs);
	} else {
		/* Flat: the extent file's holes read as zeros, as qemu finds them. */
		r = vu_file_block_status(x->fd, false, x->base + x->flat_off + rel, len, bs);
		bs->flags = (bs->flags & VU_BS_ZERO) | VU_BS_DATA | VU_BS_ALLOCATED |
			    VU_BS_OFFSET_VALID;
		bs->offset = x->flat_off + rel;
	}
	bs->file = x->path;
	return r;
}

/* The descriptor and every extent file, as qemu-img's disk size. */
static int64_t vmdk_actual_size(const struct vu_image *img)
{
	const struct vmdk *v = img->priv;
	struct stat st;
	int64_t sum;

	if (fstat(img->fd, &st) < 0)
		return -errno;
	sum = (int64_t)st.st_blocks * 512;
	for (int i = 0; i < v->n; i++) {
		if (!v->ext[i].own_fd)
			continue;
		if (fstat(v->ext[i].fd, &st) < 0)
			return -errno;
		sum += (int64_t)st.st_blocks * 512;
	}
	return sum;
}

static const char *vmdk_last_error(const struct vu_image *img)
{
	const struct vmdk *v = img->priv;

	return v->why ? v->why : "";
}

static const char *ext_format(const struct vmdk *v, const struct vmdk_extent *x)
{
	if (v->desc && !v->embedded)
		return x->type == VMDK_EXT_FLAT ? "FLAT" :
		       x->type == VMDK_EXT_ZERO ? "ZERO" : "SPARSE";
	return "";
}

static int vmdk_info(struct vu_image *img, struct vu_info *info)
{
	struct vmdk *v = img->priv;

	info->has_dirty_flag = true;
	for (int i = 0; i < v->n; i++)
		if (v->ext[i].type == VMDK_EXT_SPARSE) {
			info->cluster_size = v->ext[i].grain;
			break;
		}
	vu_info_int(info, "cid", v->cid);
	vu_info_int(info, "parent-cid", v->parent_cid);
	vu_info_str(info, "create-type", v->create_type);
	vu_info_extents(info);
	if (!(info->extents = calloc((size_t)v->n, sizeof(*info->extents))))
		return -ENOMEM;
	for (int i = 0; i < v->n; i++) {
		const struct vmdk_extent *x = &v->ext[i];
		struct vu_extent_info *xi = &info->extents[i];

		if (!(xi->filename = strdup(x->path ? x->path : x->name ? x->name : "")))
			return -ENOMEM;
		info->nextents++;
		snprintf(xi->format, sizeof(xi->format), "%s", ext_format(v, x));
		xi->virtual_size = x->len;
		xi->cluster_size = x->type == VMDK_EXT_SPARSE ? x->grain : 0;
		xi->compressed = x->type == VMDK_EXT_SPARSE && x->compressed;
	}
	return 0;
}

/* qemu's check: every allocated grain lies inside its file; the first
 * that does not ends the check as failed (qemu-img exits 1). vmdk has no
 * repairs: -ENOTSUP with fix, as qemu-img refuses -r. */
static int vmdk_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	struct vmdk *v = img->priv;
	char line[128];

	if (fix)
		return -ENOTSUP;
	for (int i = 0; i < v->n; i++) {
		struct vmdk_extent *x = &v->ext[i];

		if (x->type != VMDK_EXT_SPARSE)
			continue;
		for (uint64_t g = 0; g * x->grain < x->len; g++) {
			uint32_t gte;
			int r = vmdk_gte(v, x, g, &gte);

			if (r < 0) {
				snprintf(line, sizeof(line), "ERROR: could not get cluster_offset "
					 "for sector %llu", (unsigned long long)
					 ((x->start + g * x->grain) / VMDK_SECTOR));
				if (res->report)
					res->report(res->report_ctx, line);
				return r;
			}
			if (gte <= (x->zero_grain ? VMDK_GTE_ZEROED : 0))
				continue;
			if ((uint64_t)gte * VMDK_SECTOR >= x->fsize) {
				snprintf(line, sizeof(line), "ERROR: cluster offset for sector %llu "
					 "points after EOF", (unsigned long long)
					 ((x->start + g * x->grain) / VMDK_SECTOR));
				if (res->report)
					res->report(res->report_ctx, line);
				res->corruptions++;
				return -EINVAL;
			}
		}
	}
	return 0;
}

const struct vu_image_driver vu_drv_vmdk = {
	.name = "vmdk",
	.create = vmdk_create,
	.probe = vmdk_probe,
	.open = vmdk_open,
	.close = vmdk_close,
	.pread = vmdk_pread,
	.block_status = vmdk_block_status,
	.info = vmdk_info,
	.last_error = vmdk_last_error,
	.check = vmdk_check,
	.pwrite = vmdk_pwrite,
	.pwrite_zeroes = vmdk_pwrite_zeroes,
	.truncate = vmdk_truncate,
	.resize = vmdk_resize,
	.flush = vmdk_flush,
	.compress_cluster = vmdk_compress_cluster,
	.write_compressed = vmdk_write_compressed,
	.pwrite_compressed = vmdk_pwrite_compressed,
	.compressed_only = vmdk_compressed_only,
	.actual_size = vmdk_actual_size,
};
