/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image_write.c - the write half of struct vu_image: checks shared by every driver */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image_int.h"

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

bool vu_image_compressed_only(const struct vu_image *img)
{
	return img->drv->compressed_only && img->drv->compressed_only(img);
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

/* The new names, copied, with the path a backing file is opened by. */
struct backing_names {
	char *file, *fmt, *path;
};

static void names_free(struct backing_names *n)
{
	free(n->file);
	free(n->fmt);
	free(n->path);
}

static int names_dup(const struct vu_image *img, const char *file, const char *fmt,
		     struct backing_names *n)
{
	memset(n, 0, sizeof(*n));
	if (!file)
		return 0;
	if (!(n->file = strdup(file)) || (fmt && !(n->fmt = strdup(fmt))) ||
	    !(n->path = vu_image_relative_path(img->filename, file))) {
		names_free(n);
		return -ENOMEM;
	}
	return 0;
}

/* The driver writes the names from img: they are swapped in first and
 * swapped back when it fails, so img always says what the file says. */
int vu_image_set_backing(struct vu_image *img, const char *file, const char *fmt,
			 struct vu_err *e)
{
	int r = writable(img, img->drv->set_backing != NULL);
	struct backing_names n, old = { img->backing_file, img->backing_fmt, img->backing_path };

	if (r < 0)
		return r == -EBADF ? vu_err_set(e, EBADF, "image not open for writing")
				   : vu_err_set(e, ENOTSUP, NULL);
	if (file && !file[0])
		file = NULL;
	if (fmt && !file)
		return vu_err_set(e, EINVAL, "Backing format cannot be used without backing file");
	if (names_dup(img, file, fmt, &n) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	img->backing_file = n.file;
	img->backing_fmt = n.fmt;
	if ((r = img->drv->set_backing(img, e)) < 0) {
		img->backing_file = old.file;
		img->backing_fmt = old.fmt;
		names_free(&n);
		return r;
	}
	img->backing_path = n.path;
	names_free(&old);
	vu_image_close(&img->backing);
	return 0;
}

int vu_image_make_empty(struct vu_image *img, struct vu_err *e)
{
	int r = writable(img, img->drv->make_empty != NULL);

	if (r < 0)
		return r == -EBADF ? vu_err_set(e, EBADF, "image not open for writing")
				   : vu_err_set(e, ENOTSUP, NULL);
	return img->drv->make_empty(img, e);
}
