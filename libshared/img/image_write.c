/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image_write.c - the write half of struct vu_image: checks shared by every driver */
#include <errno.h>

#include "vu/image.h"

/* -EBADF unless open for writing, -EROFS when the driver lacks the op. */
static int writable(struct vu_image *img, bool has_op)
{
	img->why = NULL;
	if (!(img->flags & VU_OPEN_RDWR))
		return -EBADF;
	return has_op ? 0 : -EROFS;
}

static bool in_range(const struct vu_image *img, uint64_t off, uint64_t len)
{
	return off <= img->size && len <= img->size - off;
}

int vu_image_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	int r = writable(img, img->drv->pwrite != NULL);

	if (r < 0)
		return r;
	if (!in_range(img, off, len))
		return -EINVAL;
	return len ? img->drv->pwrite(img, buf, len, off) : 0;
}

int vu_image_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	int r = writable(img, img->drv->pwrite_zeroes != NULL);

	if (r < 0)
		return r;
	if (!in_range(img, off, len))
		return -EINVAL;
	return len ? img->drv->pwrite_zeroes(img, off, len, may_unmap) : 0;
}

int vu_image_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	int r = writable(img, img->drv->discard != NULL);

	if (r < 0)
		return r;
	if (!in_range(img, off, len))
		return -EINVAL;
	return len ? img->drv->discard(img, off, len) : 0;
}

int vu_image_flush(struct vu_image *img)
{
	int r = writable(img, img->drv->flush != NULL);

	return r < 0 ? r : img->drv->flush(img);
}

int vu_image_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		    struct vu_err *e)
{
	int r = writable(img, img->drv->resize || img->drv->truncate);

	if (r < 0)
		return vu_err_set(e, -r, r == -EBADF ? "image not open for writing"
						     : "format '%s' cannot be resized", img->drv->name);
	if (size > INT64_MAX)
		return vu_err_set(e, EFBIG, "size too large");
	if (img->drv->resize)
		return img->drv->resize(img, size, prealloc, e);
	if (prealloc != VU_PREALLOC_OFF)
		return vu_err_set(e, ENOTSUP, "unsupported preallocation mode");
	r = img->drv->truncate(img, size);
	return r < 0 ? vu_err_set(e, -r, NULL) : 0;
}

int vu_image_pwrite_compressed(struct vu_image *img, const void *cluster, uint64_t off)
{
	int r = writable(img, img->drv->pwrite_compressed != NULL);

	if (r < 0)
		return r == -EROFS ? -ENOTSUP : r;
	if (off >= img->size)
		return -EINVAL;
	return img->drv->pwrite_compressed(img, cluster, off);
}

ssize_t vu_image_compress_cluster(const struct vu_image *img, const void *cluster, void *out)
{
	if (!img->drv->compress_cluster)
		return -ENOTSUP;
	return img->drv->compress_cluster(img, cluster, out);
}

int vu_image_write_compressed(struct vu_image *img, const void *data, size_t len,
			      uint64_t off)
{
	int r = writable(img, img->drv->write_compressed != NULL);

	if (r < 0)
		return r == -EROFS ? -ENOTSUP : r;
	if (off >= img->size)
		return -EINVAL;
	return img->drv->write_compressed(img, data, len, off);
}

int vu_image_amend(struct vu_image *img, const struct vu_amend_opts *o, struct vu_err *e)
{
	int r = writable(img, img->drv->amend != NULL);

	if (r < 0)
		return vu_err_set(e, -r, r == -EBADF ? "image not open for writing"
				  : "Format driver '%s' does not support option amendment",
				  img->drv->name);
	return img->drv->amend(img, o, e);
}
