/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image_snapshot.c - internal snapshots of struct vu_image: the checks every driver shares */
#include <errno.h>

#include "image_int.h"

int vu_image_snapshot_create(struct vu_image *img, const char *name, struct vu_err *e)
{
	img->why = NULL;
	if (!img->drv->snapshot_create)
		return vu_err_set(e, ENOTSUP, NULL);
	if (!(img->flags & VU_OPEN_RDWR))
		return vu_err_set(e, EBADF, "image not open for writing");
	return img->drv->snapshot_create(img, name ? name : "", e);
}

int vu_image_snapshot_apply(struct vu_image *img, const char *id_or_name, struct vu_err *e)
{
	img->why = NULL;
	if (!img->drv->snapshot_apply)
		return vu_err_set(e, ENOTSUP, "Block driver does not support snapshots");
	if (!(img->flags & VU_OPEN_RDWR))
		return vu_err_set(e, EBADF, "image not open for writing");
	if (!id_or_name)
		return vu_err_set(e, EINVAL, NULL);
	return img->drv->snapshot_apply(img, id_or_name, e);
}

/* A format without snapshots has none of that name: qemu-img's answer. */
int vu_image_snapshot_delete(struct vu_image *img, const char *id_or_name, struct vu_err *e)
{
	img->why = NULL;
	if (!img->drv->snapshot_delete)
		return vu_err_set(e, ENOENT, "Can't find snapshot");
	if (!(img->flags & VU_OPEN_RDWR))
		return vu_err_set(e, EBADF, "image not open for writing");
	if (!id_or_name)
		return vu_err_set(e, EINVAL, NULL);
	return img->drv->snapshot_delete(img, id_or_name, e);
}

int vu_image_snapshot_load(struct vu_image *img, const char *id, const char *name,
			   struct vu_err *e)
{
	img->why = NULL;
	if (!img->drv->snapshot_load)
		return vu_err_set(e, ENOTSUP, "Block format '%s' does not support temporarily "
				  "loading internal snapshots", img->drv->name);
	if (!id && !name)
		return vu_err_set(e, EINVAL, NULL);
	return img->drv->snapshot_load(img, id, name, e);
}
