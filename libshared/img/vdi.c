/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vdi.c - VirtualBox disk images (VDI 1.1), dynamic and static, as qemu
 * reads, writes and checks them.
 *
 * The file: a 512-byte header (a text line, the signature 0xbeda107f at
 * 0x40, little-endian fields), a block map of one 32-bit entry per block
 * of the disk, then the blocks (1 MiB) in the order they were allocated.
 * An entry is the block's index among the allocated ones, or 0xffffffff
 * (never written) or 0xfffffffe (discarded): both read as zeros. A static
 * image has every block allocated in order when it is made.
 *
 * Allocation order keeps the file consistent between any two writes: the
 * block's data goes first, then the header's count of allocated blocks
 * (so no later allocation reuses the block), then the map entry. Dying in
 * between leaves at worst a block the map does not name (qemu-img check
 * then reports the count as wrong; the data of every named block is right).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "fmtutil.h"
#include "image_int.h"

#define VDI_TEXT "<<< QEMU VM Virtual Disk Image >>>\n"
#define VDI_SIGNATURE 0xbeda107fu
#define VDI_VERSION_1_1 0x00010001u
#define VDI_HEADER_SIZE 0x180u		/* the header_size field qemu writes */
#define VDI_TYPE_DYNAMIC 1u
#define VDI_TYPE_STATIC 2u
#define VDI_UNALLOCATED 0xffffffffu
#define VDI_DISCARDED 0xfffffffeu
#define VDI_IS_ALLOCATED(x) ((x) < VDI_DISCARDED)
#define VDI_BLOCK_SIZE (1u << 20)
/* qemu's VDI_BLOCKS_IN_IMAGE_MAX: the map is read in one request. */
#define VDI_BLOCKS_MAX (0x7ffffe00u / 4)
#define SECTOR 512u

/* Header field offsets. */
enum {
	H_SIGNATURE = 0x40, H_VERSION = 0x44, H_HEADER_SIZE = 0x48, H_TYPE = 0x4c,
	H_OFFSET_BMAP = 0x154, H_OFFSET_DATA = 0x158, H_SECTOR_SIZE = 0x168,
	H_DISK_SIZE = 0x170, H_BLOCK_SIZE = 0x178, H_BLOCKS = 0x180, H_ALLOCATED = 0x184,
	H_UUID_IMAGE = 0x188, H_UUID_LAST_SNAP = 0x198, H_UUID_LINK = 0x1a8,
	H_UUID_PARENT = 0x1b8,
};

struct vdi {
	uint8_t hdr[SECTOR];
	uint32_t type, offset_bmap, offset_data, block_size, blocks, allocated;
	uint32_t *bmap;		/* host-endian, blocks entries */
	uint8_t *bmap_raw;	/* as in the file, padded to a sector */
	uint64_t bmap_bytes;
	char errmsg[128];
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)fmt_get_le(p, 4);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	fmt_put_le(p, 4, v);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int vdi_probe(const uint8_t *buf, size_t len)
{
	return len >= SECTOR && le32(buf + H_SIGNATURE) == VDI_SIGNATURE ? 100 : 0;
}

/* ---- create ---- */

static int vdi_create(int fd, const char *path, const struct vu_create_opts *o,
		      struct vu_err *e)
{
	/* qemu-img rounds the size up to a sector. */
	uint64_t size = (o->size + SECTOR - 1) / SECTOR * SECTOR;
	uint64_t blocks = (size + VDI_BLOCK_SIZE - 1) / VDI_BLOCK_SIZE, bmap_bytes, end;
	uint8_t *buf;
	int r;

	(void)path;
	if (o->backing_file)
		return vu_err_set(e, ENOTSUP, "Backing file not supported for file format 'vdi'");
	if (o->size > UINT64_MAX - VDI_BLOCK_SIZE || blocks > VDI_BLOCKS_MAX)
		return vu_err_set(e, ENOTSUP, "Unsupported VDI image size (size is 0x%llx, "
				  "max supported is 0x%llx)", (unsigned long long)o->size,
				  (unsigned long long)VDI_BLOCKS_MAX * VDI_BLOCK_SIZE);
	bmap_bytes = (blocks * 4 + SECTOR - 1) / SECTOR * SECTOR;
	if (!(buf = calloc(1, SECTOR + bmap_bytes)))
		return vu_err_set(e, ENOMEM, NULL);
	memcpy(buf, VDI_TEXT, strlen(VDI_TEXT));
	put_le32(buf + H_SIGNATURE, VDI_SIGNATURE);
	put_le32(buf + H_VERSION, VDI_VERSION_1_1);
	put_le32(buf + H_HEADER_SIZE, VDI_HEADER_SIZE);
	put_le32(buf + H_TYPE, o->fixed ? VDI_TYPE_STATIC : VDI_TYPE_DYNAMIC);
	put_le32(buf + H_OFFSET_BMAP, SECTOR);
	put_le32(buf + H_OFFSET_DATA, (uint32_t)(SECTOR + bmap_bytes));
	put_le32(buf + H_SECTOR_SIZE, SECTOR);
	fmt_put_le(buf + H_DISK_SIZE, 8, size);
	put_le32(buf + H_BLOCK_SIZE, VDI_BLOCK_SIZE);
	put_le32(buf + H_BLOCKS, (uint32_t)blocks);
	put_le32(buf + H_ALLOCATED, o->fixed ? (uint32_t)blocks : 0);
	fmt_uuid(buf + H_UUID_IMAGE);
	fmt_uuid(buf + H_UUID_LAST_SNAP);
	for (uint64_t i = 0; i < blocks; i++)
		put_le32(buf + SECTOR + i * 4, o->fixed ? (uint32_t)i : VDI_UNALLOCATED);
	r = vu_pwrite_all(fd, buf, SECTOR + bmap_bytes, 0);
	free(buf);
	end = SECTOR + bmap_bytes + (o->fixed ? blocks * VDI_BLOCK_SIZE : 0);
	if (r == 0 && ftruncate(fd, (off_t)end) < 0)
		r = -errno;
	/* Blocks reserved for a static image (zeros read the same either way);
	 * a dynamic one has none to reserve, as with qemu-img. */
	if (r == 0 && o->prealloc != VU_PREALLOC_OFF && o->fixed)
		r = -posix_fallocate(fd, (off_t)(SECTOR + bmap_bytes), (off_t)(blocks * VDI_BLOCK_SIZE));
	if (r < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	return 0;
}

/* ---- open ---- */

/* The header's fields, checked as qemu's vdi_open checks them. */
static int parse_header(struct vu_image *img, struct vdi *v, uint64_t file_size,
			struct vu_err *e)
{
	const uint8_t *h = v->hdr;
	uint32_t version = le32(h + H_VERSION), sector_size = le32(h + H_SECTOR_SIZE);
	uint64_t disk_size = fmt_get_le(h + H_DISK_SIZE, 8);

	if (le32(h + H_SIGNATURE) != VDI_SIGNATURE)
		return vu_err_set(e, EINVAL, "Image not in VDI format (bad signature %08x)",
				  le32(h + H_SIGNATURE));
	if (version != VDI_VERSION_1_1)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (version %u.%u)",
				  version >> 16, version & 0xffff);
	v->type = le32(h + H_TYPE);
	v->offset_bmap = le32(h + H_OFFSET_BMAP);
	v->offset_data = le32(h + H_OFFSET_DATA);
	v->block_size = le32(h + H_BLOCK_SIZE);
	v->blocks = le32(h + H_BLOCKS);
	v->allocated = le32(h + H_ALLOCATED);
	/* VBoxManage convertfromraw makes odd sizes: qemu rounds them up. */
	if (disk_size > UINT64_MAX - SECTOR)
		return vu_err_set(e, EINVAL, "Unsupported VDI image size");
	disk_size = (disk_size + SECTOR - 1) & ~(uint64_t)(SECTOR - 1);
	if (v->offset_bmap % SECTOR)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (unaligned block map offset 0x%x)",
				  v->offset_bmap);
	if (v->offset_data % SECTOR)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (unaligned data offset 0x%x)",
				  v->offset_data);
	if (sector_size != SECTOR)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (sector size %u is not %u)",
				  sector_size, SECTOR);
	if (v->block_size != VDI_BLOCK_SIZE)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (block size %u is not %u)",
				  v->block_size, VDI_BLOCK_SIZE);
	if (disk_size > (uint64_t)v->blocks * v->block_size)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (disk size %llu, image "
				  "bitmap has room for %llu)", (unsigned long long)disk_size,
				  (unsigned long long)v->blocks * v->block_size);
	if (!all_zero(h + H_UUID_LINK, 16))
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (non-NULL link UUID)");
	if (!all_zero(h + H_UUID_PARENT, 16))
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (non-NULL parent UUID)");
	if (v->blocks > VDI_BLOCKS_MAX)
		return vu_err_set(e, ENOTSUP, "unsupported VDI image (too many blocks %u, max is %u)",
				  v->blocks, VDI_BLOCKS_MAX);
	/* Any type but static is taken as dynamic, as qemu does. */
	/* Beyond qemu: the map must lie in the file, which bounds what we load. */
	v->bmap_bytes = ((uint64_t)v->blocks * 4 + SECTOR - 1) / SECTOR * SECTOR;
	if (v->offset_bmap < SECTOR || v->offset_bmap > file_size ||
	    v->bmap_bytes > file_size - v->offset_bmap)
		return vu_err_set(e, EINVAL, "VDI block map past the end of the file");
	img->size = disk_size;
	return 0;
}

static int vdi_open(struct vu_image *img, struct vu_err *e)
{
	struct vdi *v = calloc(1, sizeof(*v));
	struct stat st;
	int r;

	if (!v)
		return vu_err_set(e, ENOMEM, NULL);
	img->priv = v;
	if (fstat(img->fd, &st) < 0) {
		r = vu_err_set(e, errno, NULL);
		goto fail;
	}
	if ((r = vu_pread_all(img->fd, v->hdr, SECTOR, 0, true)) < 0) {
		vu_err_set(e, -r, "cannot read the header: %s", strerror(-r));
		goto fail;
	}
	if ((r = parse_header(img, v, (uint64_t)st.st_size, e)) < 0)
		goto fail;
	if (!(v->bmap_raw = malloc(v->bmap_bytes + 1)) ||
	    !(v->bmap = malloc((size_t)v->blocks * 4 + 4))) {
		r = vu_err_set(e, ENOMEM, NULL);
		goto fail;
	}
	if ((r = vu_pread_all(img->fd, v->bmap_raw, v->bmap_bytes, v->offset_bmap, true)) < 0) {
		vu_err_set(e, -r, "cannot read the block map: %s", strerror(-r));
		goto fail;
	}
	for (uint32_t i = 0; i < v->blocks; i++)
		v->bmap[i] = le32(v->bmap_raw + (size_t)i * 4);
	return 0;
fail:
	free(v->bmap);
	free(v->bmap_raw);
	free(v);
	img->priv = NULL;
	return r;
}

static void vdi_close(struct vu_image *img)
{
	struct vdi *v = img->priv;

	if (!v)
		return;
	free(v->bmap);
	free(v->bmap_raw);
	free(v);
	img->priv = NULL;
}

/* ---- read ---- */

static uint64_t block_host(const struct vdi *v, uint32_t entry)
{
	return v->offset_data + (uint64_t)entry * v->block_size;
}

static int vdi_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct vdi *v = img->priv;
	uint8_t *p = buf;

	while (len) {
		uint64_t b = off / v->block_size, in = off % v->block_size;
		size_t n = v->block_size - in < len ? (size_t)(v->block_size - in) : len;
		uint32_t entry = v->bmap[b];
		int r;

		if (!VDI_IS_ALLOCATED(entry))
			memset(p, 0, n);
		else if ((r = vu_pread_all(img->fd, p, n, (off_t)(block_host(v, entry) + in), true)) < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* As qemu's: unallocated blocks read as zeros; data of a static image is
 * the file's, whose holes read as zeros too. */
static int vdi_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			    struct vu_bstat *bs)
{
	struct vdi *v = img->priv;
	uint64_t b = off / v->block_size, in = off % v->block_size;
	uint32_t entry = v->bmap[b];

	bs->len = v->block_size - in < len ? v->block_size - in : len;
	if (!VDI_IS_ALLOCATED(entry)) {
		bs->flags = VU_BS_ZERO | VU_BS_ALLOCATED;
		return 0;
	}
	bs->flags = VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID;
	if (v->type == VDI_TYPE_STATIC)
		bs->flags |= VU_BS_RECURSE;
	bs->offset = block_host(v, entry) + in;
	/* Runs of blocks laid out one after the other make one extent. */
	while (off + bs->len < off + len) {
		uint64_t nb = (off + bs->len) / v->block_size;
		uint32_t ne = v->bmap[nb];

		if (!VDI_IS_ALLOCATED(ne) || block_host(v, ne) != bs->offset + bs->len)
			break;
		bs->len += v->block_size < len - bs->len ? v->block_size : len - bs->len;
	}
	return 0;
}

static int vdi_info(struct vu_image *img, struct vu_info *info)
{
	info->cluster_size = ((struct vdi *)img->priv)->block_size;
	return 0;
}

static const char *vdi_last_error(const struct vu_image *img)
{
	return ((const struct vdi *)img->priv)->errmsg;
}

/* ---- write ---- */

static int fail(struct vdi *v, int r, const char *what)
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

/* A new block for block b holding data at [in, in + n) and zeros around it. */
static int allocate(struct vu_image *img, uint64_t b, const void *data, uint64_t in, size_t n)
{
	struct vdi *v = img->priv;
	uint64_t host = block_host(v, v->allocated), sec = b * 4 / SECTOR * SECTOR;
	struct stat st;
	int r;

	if (v->allocated >= v->blocks)
		return fail(v, -ENOSPC, "no room for a new block");
	if (fstat(img->fd, &st) < 0)
		return fail(v, -errno, "cannot stat");
	/* Past the end of the file the block reads as zeros already. */
	if ((uint64_t)st.st_size > host && (r = fmt_write_zeros(img->fd, host, v->block_size)) < 0)
		return fail(v, r, "cannot write a new block");
	if ((r = vu_pwrite_all(img->fd, data, n, (off_t)(host + in))) < 0 ||
	    ((uint64_t)st.st_size < host + v->block_size &&
	     ftruncate(img->fd, (off_t)(host + v->block_size)) < 0 && (r = -errno)) ||
	    (r = sync_unless_unsafe(img)) < 0)
		return fail(v, r, "cannot write a new block");
	put_le32(v->hdr + H_ALLOCATED, v->allocated + 1);
	if ((r = vu_pwrite_all(img->fd, v->hdr, SECTOR, 0)) < 0 || (r = sync_unless_unsafe(img)) < 0)
		return fail(v, r, "cannot write the header");
	v->bmap[b] = v->allocated++;
	put_le32(v->bmap_raw + b * 4, v->bmap[b]);
	if ((r = vu_pwrite_all(img->fd, v->bmap_raw + sec, SECTOR, (off_t)(v->offset_bmap + sec))) < 0)
		return fail(v, r, "cannot write the block map");
	return 0;
}

/* data NULL: zeros, which leave an unallocated block as it is. */
static int write_range(struct vu_image *img, const uint8_t *data, size_t len, uint64_t off)
{
	struct vdi *v = img->priv;
	static const uint8_t zeros[65536];

	v->errmsg[0] = '\0';
	while (len) {
		uint64_t b = off / v->block_size, in = off % v->block_size;
		size_t n = v->block_size - in < len ? (size_t)(v->block_size - in) : len;
		uint32_t entry = v->bmap[b];
		int r = 0;

		if (VDI_IS_ALLOCATED(entry)) {
			for (size_t done = 0; r == 0 && done < n;) {
				size_t k = data ? n : (n - done < sizeof(zeros) ? n - done : sizeof(zeros));

				r = vu_pwrite_all(img->fd, data ? data : zeros, k,
						  (off_t)(block_host(v, entry) + in + done));
				done += k;
			}
			if (r < 0)
				return fail(v, r, "cannot write");
		} else if (data && !vu_buf_is_zero(data, n)) {
			if ((r = allocate(img, b, data, in, n)) < 0)
				return r;
		}
		if (data)
			data += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int vdi_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	return write_range(img, buf, len, off);
}

static int vdi_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	(void)may_unmap;
	return write_range(img, NULL, (size_t)len, off);
}

/* qemu's vdi has no discard: a request that changes nothing. */
static int vdi_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	(void)img;
	(void)off;
	(void)len;
	return 0;
}

static int vdi_flush(struct vu_image *img)
{
	return sync_unless_unsafe(img);
}

/* ---- check ---- */

static void report(struct vu_check_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(struct vu_check_result *res, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	if (!res->report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	res->report(res->report_ctx, line);
}

/* As qemu's vdi_co_check: each block used once, the count right. */
static int vdi_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	struct vdi *v = img->priv;
	uint32_t *owner, counted = 0;

	if (fix)
		return -ENOTSUP;
	if (!(owner = malloc((size_t)v->blocks * 4 + 4)))
		return -ENOMEM;
	memset(owner, 0xff, (size_t)v->blocks * 4);
	for (uint32_t b = 0; b < v->blocks; b++) {
		uint32_t entry = v->bmap[b];

		if (!VDI_IS_ALLOCATED(entry))
			continue;
		if (entry >= v->blocks) {
			report(res, "ERROR: block index %u too large, is %u", b, entry);
			res->corruptions++;
			continue;
		}
		counted++;
		if (!VDI_IS_ALLOCATED(owner[entry])) {
			owner[entry] = entry;
		} else {
			report(res, "ERROR: block index %u also used by %u", owner[entry], entry);
			res->corruptions++;
		}
	}
	free(owner);
	if (counted != v->allocated) {
		report(res, "ERROR: allocated blocks mismatch, is %u, should be %u", counted,
		       v->allocated);
		res->corruptions++;
	}
	return 0;
}

const struct vu_image_driver vu_drv_vdi = {
	.name = "vdi",
	.create = vdi_create,
	.probe = vdi_probe,
	.open = vdi_open,
	.close = vdi_close,
	.pread = vdi_pread,
	.block_status = vdi_block_status,
	.info = vdi_info,
	.last_error = vdi_last_error,
	.pwrite = vdi_pwrite,
	.pwrite_zeroes = vdi_pwrite_zeroes,
	.discard = vdi_discard,
	.flush = vdi_flush,
	.check = vdi_check,
};
