/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpc.c - Virtual PC / Hyper-V disk images (VHD), dynamic and fixed, as
 * qemu reads and writes them ("vpc").
 *
 * Every VHD ends with a 512-byte big-endian footer ("conectix"); a fixed
 * image is the disk followed by it. A dynamic one has a copy of it at 0, a
 * dynamic header ("cxsparse") naming the block table (BAT), and blocks of
 * a sector bitmap and 2 MiB of data in the order they were allocated; a
 * BAT entry is the block's sector, or 0xffffffff (reads as zeros).
 *
 * The disk's size is that of its CHS geometry unless the footer's creator
 * is one that uses the stored size (Hyper-V, disk2vhd, qemu with
 * force_size, XenServer) or the geometry is the largest there is, as qemu
 * decides. qemu probes only the copy at 0, so a fixed image probes as raw:
 * it opens as vpc only when asked (-f vpc), as with qemu-img.
 *
 * A new block is written as qemu writes it, in an order that keeps the
 * file readable between any two writes: the footer moves past the new
 * block first, then the block's bitmap (over the old footer) and data go
 * in, and the BAT entry naming the block comes last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vu/file.h"
#include "fmtutil.h"
#include "image_int.h"

#define SECTOR 512u
#define VHD_FIXED 2u
#define VHD_DYNAMIC 3u
#define VHD_BLOCK_SIZE (2u << 20)
#define VHD_MAX_SECTORS 0xff000000ull		/* 2040 GiB */
#define VHD_MAX_GEOMETRY (65535ull * 16 * 255)
#define VHD_TIMESTAMP_BASE 946684800	/* 2000-01-01 UTC */
#define BAT_UNALLOCATED 0xffffffffu
#define DYN_HEADER_SIZE 1024u

/* Footer fields */
enum {
	F_COOKIE = 0, F_FEATURES = 8, F_VERSION = 12, F_DATA_OFFSET = 16, F_TIMESTAMP = 24,
	F_CREATOR_APP = 28, F_CREATOR_VER = 32, F_CREATOR_OS = 36, F_ORIG_SIZE = 40,
	F_CURRENT_SIZE = 48, F_CYLS = 56, F_HEADS = 58, F_SECS = 59, F_TYPE = 60,
	F_CHECKSUM = 64, F_UUID = 68,
};
/* Dynamic header fields */
enum {
	D_COOKIE = 0, D_DATA_OFFSET = 8, D_TABLE_OFFSET = 16, D_VERSION = 24,
	D_MAX_ENTRIES = 28, D_BLOCK_SIZE = 32, D_CHECKSUM = 36,
};

struct vpc {
	uint8_t footer[SECTOR];
	uint32_t type;
	uint32_t block_size, bitmap_size, max_entries;
	uint64_t bat_offset;
	uint32_t *bat;			/* host-endian */
	uint64_t free_offset;		/* where the next block goes (and the footer is) */
	char errmsg[128];
};

static uint32_t checksum(const uint8_t *p, size_t len, size_t skip)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		if (i < skip || i >= skip + 4)
			sum += p[i];
	return ~sum;
}

static int vpc_probe(const uint8_t *buf, size_t len)
{
	return len >= 8 && memcmp(buf, "conectix", 8) == 0 ? 100 : 0;
}

/* ---- geometry ---- */

/* The VHD specification's CHS for a number of sectors (qemu's
 * calculate_geometry). */
static void geometry(uint64_t sectors, unsigned *cyls, unsigned *heads, unsigned *secs)
{
	uint64_t cth;

	if (sectors > VHD_MAX_GEOMETRY)
		sectors = VHD_MAX_GEOMETRY;
	if (sectors >= 65535ull * 16 * 63) {
		*secs = 255;
		*heads = 16;
		cth = sectors / *secs;
	} else {
		*secs = 17;
		cth = sectors / *secs;
		*heads = (unsigned)((cth + 1023) / 1024);
		if (*heads < 4)
			*heads = 4;
		if (cth >= *heads * 1024ull || *heads > 16) {
			*secs = 31;
			*heads = 16;
			cth = sectors / *secs;
		}
		if (cth >= *heads * 1024ull) {
			*secs = 63;
			*heads = 16;
			cth = sectors / *secs;
		}
	}
	*cyls = (unsigned)(cth / *heads);
}

/* The disk size qemu-img makes for size bytes, and its geometry. */
static int create_size(uint64_t size, bool force, uint64_t *sectors, unsigned chs[3])
{
	/* qemu-img rounds the size up to a sector first. */
	uint64_t want = size / SECTOR + (size % SECTOR != 0);

	chs[0] = chs[1] = chs[2] = 0;
	if (force) {
		*sectors = want;
		chs[0] = 65535;
		chs[1] = 16;
		chs[2] = 255;
	} else {
		uint64_t s = want < VHD_MAX_GEOMETRY ? want : VHD_MAX_GEOMETRY;

		for (uint64_t i = 0; s > (uint64_t)chs[0] * chs[1] * chs[2]; i++)
			geometry(s + i, &chs[0], &chs[1], &chs[2]);
		if ((uint64_t)chs[0] * chs[1] * chs[2] == VHD_MAX_GEOMETRY)
			*sectors = want;
		else
			*sectors = (uint64_t)chs[0] * chs[1] * chs[2];
	}
	return *sectors > VHD_MAX_SECTORS ? -EFBIG : 0;
}

/* ---- create ---- */

static void build_footer(uint8_t *f, uint64_t size, const unsigned chs[3], bool force,
			 uint32_t type)
{
	memset(f, 0, SECTOR);
	memcpy(f + F_COOKIE, "conectix", 8);
	fmt_put_be(f + F_FEATURES, 4, 2);
	fmt_put_be(f + F_VERSION, 4, 0x00010000);
	fmt_put_be(f + F_DATA_OFFSET, 8, type == VHD_DYNAMIC ? SECTOR : UINT64_MAX);
	fmt_put_be(f + F_TIMESTAMP, 4, (uint32_t)(time(NULL) - VHD_TIMESTAMP_BASE));
	memcpy(f + F_CREATOR_APP, force ? "qem2" : "qemu", 4);
	fmt_put_be(f + F_CREATOR_VER, 4, 0x00050003);	/* Virtual PC 2007, as qemu */
	memcpy(f + F_CREATOR_OS, "Wi2k", 4);
	fmt_put_be(f + F_ORIG_SIZE, 8, size);
	fmt_put_be(f + F_CURRENT_SIZE, 8, size);
	fmt_put_be(f + F_CYLS, 2, chs[0]);
	f[F_HEADS] = (uint8_t)chs[1];
	f[F_SECS] = (uint8_t)chs[2];
	fmt_put_be(f + F_TYPE, 4, type);
	fmt_uuid(f + F_UUID);
	fmt_put_be(f + F_CHECKSUM, 4, checksum(f, SECTOR, F_CHECKSUM));
}

static int create_dynamic(int fd, const uint8_t *footer, uint64_t sectors)
{
	uint64_t entries = (sectors + VHD_BLOCK_SIZE / SECTOR - 1) / (VHD_BLOCK_SIZE / SECTOR);
	uint64_t bat_bytes = (entries * 4 + SECTOR - 1) / SECTOR * SECTOR;
	uint8_t *buf = malloc(3 * SECTOR + bat_bytes + SECTOR);
	uint8_t *d;
	int r;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, footer, SECTOR);
	d = buf + SECTOR;
	memset(d, 0, DYN_HEADER_SIZE);
	memcpy(d + D_COOKIE, "cxsparse", 8);
	fmt_put_be(d + D_DATA_OFFSET, 8, UINT64_MAX);
	fmt_put_be(d + D_TABLE_OFFSET, 8, 3 * SECTOR);
	fmt_put_be(d + D_VERSION, 4, 0x00010000);
	fmt_put_be(d + D_MAX_ENTRIES, 4, entries);
	fmt_put_be(d + D_BLOCK_SIZE, 4, VHD_BLOCK_SIZE);
	fmt_put_be(d + D_CHECKSUM, 4, checksum(d, DYN_HEADER_SIZE, D_CHECKSUM));
	memset(buf + 3 * SECTOR, 0xff, bat_bytes);
	memcpy(buf + 3 * SECTOR + bat_bytes, footer, SECTOR);
	r = vu_pwrite_all(fd, buf, 3 * SECTOR + bat_bytes + SECTOR, 0);
	free(buf);
	return r;
}

static int vpc_create(int fd, const char *path, const struct vu_create_opts *o,
		      struct vu_err *e)
{
	uint8_t footer[SECTOR];
	uint64_t sectors, size;
	unsigned chs[3];
	int r;

	(void)path;
	if (o->backing_file)
		return vu_err_set(e, ENOTSUP, "Backing file not supported for file format 'vpc'");
	if (create_size(o->size, o->force_size, &sectors, chs) < 0)
		return vu_err_set(e, EFBIG, "The image size is too large for file format 'vpc'");
	size = sectors * SECTOR;
	build_footer(footer, size, chs, o->force_size, o->fixed ? VHD_FIXED : VHD_DYNAMIC);
	if (!o->fixed) {
		r = create_dynamic(fd, footer, sectors);
	} else if (ftruncate(fd, (off_t)(size + SECTOR)) < 0) {
		r = -errno;
	} else {
		/* Preallocation is taken and not done, as qemu-img's vpc does. */
		r = vu_pwrite_all(fd, footer, SECTOR, (off_t)size);
	}
	return r < 0 ? vu_err_set(e, -r, "%s", strerror(-r)) : 0;
}

/* ---- open ---- */

/* The footer at 0, or a fixed image's at the end of the file. */
static int read_footer(struct vu_image *img, struct vpc *v, uint64_t file_size,
		       struct vu_err *e)
{
	uint32_t sum;
	int r;

	if ((r = vu_pread_all(img->fd, v->footer, SECTOR, 0, true)) < 0)
		return vu_err_set(e, -r, "cannot read the footer: %s", strerror(-r));
	/* A footer at 0 makes the image dynamic whatever its type says (a
	 * differencing image reads as its own blocks, zeros elsewhere), as
	 * qemu takes it. */
	v->type = VHD_DYNAMIC;
	if (memcmp(v->footer + F_COOKIE, "conectix", 8) != 0) {
		v->type = VHD_FIXED;
		if (file_size < SECTOR)
			return vu_err_set(e, EINVAL, "File too small for a VHD header");
		if ((r = vu_pread_all(img->fd, v->footer, SECTOR, (off_t)(file_size - SECTOR),
				      true)) < 0)
			return vu_err_set(e, -r, "cannot read the footer: %s", strerror(-r));
		if (memcmp(v->footer + F_COOKIE, "conectix", 8) != 0 ||
		    fmt_get_be(v->footer + F_TYPE, 4) != VHD_FIXED)
			return vu_err_set(e, EINVAL, "invalid VPC image");
	}
	sum = (uint32_t)fmt_get_be(v->footer + F_CHECKSUM, 4);
	if (checksum(v->footer, SECTOR, F_CHECKSUM) != sum)
		return vu_err_set(e, EINVAL, "Incorrect header checksum");
	return 0;
}

/* The size qemu gives the disk: CHS, or the stored size for creators that
 * use it and for the largest geometry. */
static uint64_t disk_sectors(const uint8_t *f)
{
	static const char *const by_size[] = { "win ", "qem2", "d2v ", "CTXS" };
	uint64_t chs = fmt_get_be(f + F_CYLS, 2) * f[F_HEADS] * f[F_SECS];
	bool use_chs = memcmp(f + F_CREATOR_APP, "tap\0", 4) != 0;

	for (size_t i = 0; i < sizeof(by_size) / sizeof(by_size[0]); i++)
		if (memcmp(f + F_CREATOR_APP, by_size[i], 4) == 0)
			use_chs = false;
	if (!use_chs || chs == VHD_MAX_GEOMETRY)
		return fmt_get_be(f + F_CURRENT_SIZE, 8) / SECTOR;
	return chs;
}

static bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* The dynamic header and the BAT, checked as qemu's vpc_open checks them. */
static int open_dynamic(struct vu_image *img, struct vpc *v, uint64_t file_size,
			struct vu_err *e)
{
	uint8_t d[DYN_HEADER_SIZE], *raw;
	uint64_t doff = fmt_get_be(v->footer + F_DATA_OFFSET, 8), bat_bytes;
	int r;

	/* Past the end of the file it reads as zeros, as qemu's does. */
	if (doff > INT64_MAX - DYN_HEADER_SIZE ||
	    vu_pread_all(img->fd, d, DYN_HEADER_SIZE, (off_t)doff, true) < 0)
		return vu_err_set(e, EINVAL, "Error reading dynamic VHD header");
	if (memcmp(d + D_COOKIE, "cxsparse", 8) != 0)
		return vu_err_set(e, EINVAL, "Invalid header magic");
	v->block_size = (uint32_t)fmt_get_be(d + D_BLOCK_SIZE, 4);
	if (!is_pow2(v->block_size) || v->block_size < SECTOR)
		return vu_err_set(e, EINVAL, "Invalid block size %u", v->block_size);
	v->bitmap_size = ((v->block_size / (8 * SECTOR)) + SECTOR - 1) & ~(SECTOR - 1);
	v->max_entries = (uint32_t)fmt_get_be(d + D_MAX_ENTRIES, 4);
	if (img->size / v->block_size > 0xffffffffu)
		return vu_err_set(e, EINVAL, "Too many blocks");
	if ((uint64_t)v->max_entries * v->block_size < img->size)
		return vu_err_set(e, EINVAL, "Page table too small");
	if (v->max_entries > 0x7fffffff / 4)
		return vu_err_set(e, EINVAL, "Max Table Entries too large (%d)",
				  (int)v->max_entries);
	v->bat_offset = fmt_get_be(d + D_TABLE_OFFSET, 8);
	bat_bytes = (uint64_t)v->max_entries * 4;
	/* The table must lie in the file (it bounds what we load); qemu
	 * finds the same when it places the first free block past it. */
	if (v->bat_offset > file_size || bat_bytes > file_size - v->bat_offset)
		return vu_err_set(e, EINVAL, "block-vpc: free_data_block_offset points after "
				  "the end of file. The image has been truncated.");
	if (!(raw = malloc(bat_bytes + 1)) || !(v->bat = malloc(bat_bytes + 4))) {
		free(raw);
		return vu_err_set(e, ENOMEM, NULL);
	}
	r = vu_pread_all(img->fd, raw, bat_bytes, (off_t)v->bat_offset, false);
	v->free_offset = (v->bat_offset + bat_bytes + SECTOR - 1) & ~(uint64_t)(SECTOR - 1);
	for (uint32_t i = 0; r == 0 && i < v->max_entries; i++) {
		v->bat[i] = (uint32_t)fmt_get_be(raw + (size_t)i * 4, 4);
		if (v->bat[i] != BAT_UNALLOCATED) {
			uint64_t next = (uint64_t)v->bat[i] * SECTOR + v->bitmap_size + v->block_size;

			if (next > v->free_offset)
				v->free_offset = next;
		}
	}
	free(raw);
	if (r < 0)
		return vu_err_set(e, -r, "Error reading pagetable");
	if (v->free_offset > file_size)
		return vu_err_set(e, EINVAL, "block-vpc: free_data_block_offset points after "
				  "the end of file. The image has been truncated.");
	return 0;
}

static void vpc_free(struct vpc *v)
{
	if (v) {
		free(v->bat);
		free(v);
	}
}

static int vpc_open(struct vu_image *img, struct vu_err *e)
{
	struct vpc *v = calloc(1, sizeof(*v));
	struct stat st;
	uint64_t sectors;
	int r;

	if (!v)
		return vu_err_set(e, ENOMEM, NULL);
	if (fstat(img->fd, &st) < 0)
		r = vu_err_set(e, errno, NULL);
	else
		r = read_footer(img, v, (uint64_t)st.st_size, e);
	if (r == 0 && (sectors = disk_sectors(v->footer)) > VHD_MAX_SECTORS)
		r = vu_err_set(e, EFBIG, "%s", strerror(EFBIG));
	if (r == 0) {
		img->size = sectors * SECTOR;
		if (v->type == VHD_DYNAMIC)
			r = open_dynamic(img, v, (uint64_t)st.st_size, e);
		else if (v->type == VHD_FIXED && img->size > (uint64_t)st.st_size)
			r = vu_err_set(e, EINVAL, "fixed VHD image shorter than its disk");
	}
	if (r < 0) {
		vpc_free(v);
		return r;
	}
	img->priv = v;
	return 0;
}

static void vpc_close(struct vu_image *img)
{
	vpc_free(img->priv);
	img->priv = NULL;
}

/* ---- read ---- */

static bool dynamic(const struct vpc *v)
{
	return v->type == VHD_DYNAMIC;
}

/* Host offset of guest byte off, or 0 where its block is unallocated. */
static uint64_t host_of(const struct vpc *v, uint64_t off)
{
	uint64_t b = off / v->block_size;

	if (b >= v->max_entries || v->bat[b] == BAT_UNALLOCATED)
		return 0;
	return (uint64_t)v->bat[b] * SECTOR + v->bitmap_size + off % v->block_size;
}

static int vpc_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct vpc *v = img->priv;
	uint8_t *p = buf;

	if (!dynamic(v))
		return vu_pread_all(img->fd, buf, len, (off_t)off, true);
	while (len) {
		size_t n = v->block_size - off % v->block_size;
		uint64_t h = host_of(v, off);
		int r;

		n = n < len ? n : len;
		if (!h)
			memset(p, 0, n);
		else if ((r = vu_pread_all(img->fd, p, n, (off_t)h, true)) < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* As qemu's: a fixed image is its file; a dynamic one's unallocated blocks
 * read as zeros, allocated ones are data (one block at a time: a bitmap
 * lies between any two). */
static int vpc_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			    struct vu_bstat *bs)
{
	struct vpc *v = img->priv;
	uint64_t h;

	if (!dynamic(v)) {
		/* The file decides, its holes being data that reads as zeros. */
		bs->len = len;
		bs->flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID | VU_BS_RECURSE;
		bs->offset = off;
		return 0;
	}
	bs->len = 0;
	bs->flags = VU_BS_ZERO | VU_BS_ALLOCATED;
	while (len) {
		uint64_t n = v->block_size - off % v->block_size;

		n = n < len ? n : len;
		if ((h = host_of(v, off))) {
			if (bs->len)
				break;
			bs->len = n;
			bs->flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
			bs->offset = h;
			break;
		}
		bs->len += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int vpc_info(struct vu_image *img, struct vu_info *info)
{
	const struct vpc *v = img->priv;

	if (dynamic(v))
		info->cluster_size = v->block_size;
	return 0;
}

static const char *vpc_last_error(const struct vu_image *img)
{
	return ((const struct vpc *)img->priv)->errmsg;
}

/* ---- write ---- */

static int fail(struct vpc *v, int r, const char *what)
{
	snprintf(v->errmsg, sizeof(v->errmsg), "%s: %s", what, strerror(-r));
	return r;
}

static int sync_unless_unsafe(struct vu_image *img)
{
	if (img->flags & VU_OPEN_UNSAFE)
		return 0;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* A new block for guest block b, holding data at [in, in + n). */
static int allocate(struct vu_image *img, uint64_t b, const void *data, uint64_t in, size_t n)
{
	struct vpc *v = img->priv;
	uint64_t at = v->free_offset, next = at + v->bitmap_size + v->block_size;
	uint8_t *bitmap;
	int r;

	if (at % SECTOR || at / SECTOR >= BAT_UNALLOCATED)
		return fail(v, -EFBIG, "no room for a new block");
	/* Stale bytes past the footer (another tool's) must not show through. */
	if (fmt_file_past(img->fd, at + SECTOR) &&
	    (r = fmt_write_zeros(img->fd, at, next - at)) < 0)
		return fail(v, r, "cannot write a new block");
	if ((r = vu_pwrite_all(img->fd, v->footer, SECTOR, (off_t)next)) < 0 ||
	    (r = sync_unless_unsafe(img)) < 0)
		return fail(v, r, "cannot move the footer");
	if (!(bitmap = malloc(v->bitmap_size)))
		return fail(v, -ENOMEM, "cannot write a new block");
	/* Every sector marked in use, as qemu marks them. */
	memset(bitmap, 0xff, v->bitmap_size);
	r = vu_pwrite_all(img->fd, bitmap, v->bitmap_size, (off_t)at);
	free(bitmap);
	if (r == 0)
		r = vu_pwrite_all(img->fd, data, n, (off_t)(at + v->bitmap_size + in));
	if (r == 0)
		r = sync_unless_unsafe(img);
	if (r < 0)
		return fail(v, r, "cannot write a new block");
	v->free_offset = next;
	v->bat[b] = (uint32_t)(at / SECTOR);
	{
		uint8_t be[4];

		fmt_put_be(be, 4, v->bat[b]);
		r = vu_pwrite_all(img->fd, be, 4, (off_t)(v->bat_offset + b * 4));
	}
	return r < 0 ? fail(v, r, "cannot write the block table") : 0;
}

/* data NULL: zeros, which leave an unallocated block as it is. */
static int write_range(struct vu_image *img, const uint8_t *data, size_t len, uint64_t off)
{
	struct vpc *v = img->priv;
	int r;

	v->errmsg[0] = '\0';
	if (!dynamic(v)) {
		r = data ? vu_pwrite_all(img->fd, data, len, (off_t)off)
			 : fmt_write_zeros(img->fd, off, len);
		return r < 0 ? fail(v, r, "cannot write") : 0;
	}
	while (len) {
		size_t n = v->block_size - off % v->block_size;
		uint64_t h = host_of(v, off), b = off / v->block_size;

		n = n < len ? n : len;
		if (h) {
			r = data ? vu_pwrite_all(img->fd, data, n, (off_t)h)
				 : fmt_write_zeros(img->fd, h, n);
			if (r < 0)
				return fail(v, r, "cannot write");
		} else if (data && !vu_buf_is_zero(data, n)) {
			if (b >= v->max_entries)
				return fail(v, -EIO, "block past the block table");
			if ((r = allocate(img, b, data, off % v->block_size, n)) < 0)
				return r;
		}
		if (data)
			data += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int vpc_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	return write_range(img, buf, len, off);
}

static int vpc_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	(void)may_unmap;
	return write_range(img, NULL, (size_t)len, off);
}

/* qemu's vpc has no discard: a request that changes nothing. */
static int vpc_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	(void)img;
	(void)off;
	(void)len;
	return 0;
}

static int vpc_flush(struct vu_image *img)
{
	return sync_unless_unsafe(img);
}

const struct vu_image_driver vu_drv_vpc = {
	.name = "vpc",
	.create = vpc_create,
	.probe = vpc_probe,
	.open = vpc_open,
	.close = vpc_close,
	.pread = vpc_pread,
	.block_status = vpc_block_status,
	.info = vpc_info,
	.last_error = vpc_last_error,
	.pwrite = vpc_pwrite,
	.pwrite_zeroes = vpc_pwrite_zeroes,
	.discard = vpc_discard,
	.flush = vpc_flush,
};
