/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image_attr.c - what an open image is, for callers outside img/: the
 * accessors that keep struct vu_image and its drivers private */
#include "image_int.h"

const char *vu_image_filename(const struct vu_image *img)
{
	return img->filename;
}

const char *vu_image_format_name(const struct vu_image *img)
{
	return img->drv->name;
}

uint64_t vu_image_size(const struct vu_image *img)
{
	return img->size;
}

int vu_image_fd(const struct vu_image *img)
{
	return img->fd;
}

bool vu_image_is_blockdev(const struct vu_image *img)
{
	return img->is_blockdev;
}

const char *vu_image_backing_file(const struct vu_image *img)
{
	return img->backing_file;
}

const char *vu_image_backing_fmt(const struct vu_image *img)
{
	return img->backing_fmt;
}

const char *vu_image_backing_path(const struct vu_image *img)
{
	return img->backing_path;
}

struct vu_image *vu_image_backing(const struct vu_image *img)
{
	return img->backing;
}

bool vu_image_format_known(const char *fmt)
{
	return vu_image_driver_find(fmt) != NULL;
}

bool vu_image_can_set_backing(const struct vu_image *img)
{
	return img->drv->set_backing != NULL;
}
