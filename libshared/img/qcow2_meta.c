/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_meta.c - the snapshot table and the bitmap directory, for info */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qcow2.h"

#define SNAPSHOT_FIXED 40	/* bytes of a snapshot entry before its extra data */
#define BITMAP_FIXED 24		/* bytes of a bitmap directory entry before extra data */
#define BITMAP_DIR_MAX (64u << 20)	/* qemu's limit on the directory */
#define SNAPSHOT_TABLE_MAX (64u << 20)

/* Reads a whole table of len bytes at off, checked against the file. */
static int read_table(struct vu_image *img, uint64_t off, uint64_t len, uint64_t max,
		      uint8_t **out)
{
	struct qcow2 *q = img->priv;
	int r;

	*out = NULL;
	if (len > max || off > q->file_size || len > q->file_size - off)
		return -EINVAL;
	if (!(*out = malloc(len ? len : 1)))
		return -ENOMEM;
	r = qcow2_read_file(q, img->fd, *out, len, off);
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* One snapshot entry at p (avail bytes left); returns its padded size or <0. */
static long parse_snapshot(const uint8_t *p, uint64_t avail, struct vu_snapshot *sn)
{
	uint64_t extra, idlen, namelen, need, size;

	if (avail < SNAPSHOT_FIXED)
		return -EINVAL;
	idlen = qcow2_get_be(p + 12, 2);
	namelen = qcow2_get_be(p + 14, 2);
	extra = qcow2_get_be(p + 36, 4);
	need = SNAPSHOT_FIXED + extra + idlen + namelen;
	if (extra > 1024 || need > avail)
		return -EINVAL;
	/* qemu writes the table without the last entry's padding: at the
	 * end of the file, that padding is not there. */
	size = (need + 7) & ~7ull;
	if (size > avail)
		size = avail;
	sn->date_sec = (uint32_t)qcow2_get_be(p + 16, 4);
	sn->date_nsec = (uint32_t)qcow2_get_be(p + 20, 4);
	sn->vm_clock_nsec = qcow2_get_be(p + 24, 8);
	sn->vm_state_size = extra >= 8 ? qcow2_get_be(p + 40, 8) : qcow2_get_be(p + 32, 4);
	sn->icount = extra >= 24 ? (int64_t)qcow2_get_be(p + 40 + 16, 8) : -1;
	sn->id = strndup((const char *)p + SNAPSHOT_FIXED + extra, idlen);
	sn->name = strndup((const char *)p + SNAPSHOT_FIXED + extra + idlen, namelen);
	if (!sn->id || !sn->name)
		return -ENOMEM;
	return (long)size;
}

int qcow2_snapshots_read(struct vu_image *img, struct vu_info *info)
{
	struct qcow2 *q = img->priv;
	uint32_t n = q->h.nb_snapshots;
	uint64_t len = q->file_size > q->h.snapshots_offset ?
		       q->file_size - q->h.snapshots_offset : 0;
	uint8_t *tab;
	uint64_t pos = 0;
	int r;

	if (n == 0)
		return 0;
	if (len > SNAPSHOT_TABLE_MAX)
		len = SNAPSHOT_TABLE_MAX;
	if ((r = read_table(img, q->h.snapshots_offset, len, SNAPSHOT_TABLE_MAX, &tab)) < 0)
		return r;
	info->snapshots = calloc(n, sizeof(*info->snapshots));
	r = info->snapshots ? 0 : -ENOMEM;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		long sz = parse_snapshot(tab + pos, len - pos, &info->snapshots[i]);

		info->nsnapshots = (int)i + 1;	/* so vu_info_free frees what is there */
		r = sz < 0 ? (int)sz : 0;
		pos += sz > 0 ? (uint64_t)sz : 0;
	}
	free(tab);
	return r;
}

static long parse_bitmap(const uint8_t *p, uint64_t avail, struct vu_bitmap *b)
{
	uint64_t extra, namelen, size, flags;
	unsigned gbits;

	if (avail < BITMAP_FIXED)
		return -EINVAL;
	flags = qcow2_get_be(p + 12, 4);
	gbits = p[17];
	namelen = qcow2_get_be(p + 18, 2);
	extra = qcow2_get_be(p + 20, 4);
	size = (BITMAP_FIXED + extra + namelen + 7) & ~7ull;
	if (size > avail || gbits < 9 || gbits > 63)
		return -EINVAL;
	b->in_use = flags & 1;
	b->autoload = flags & 2;
	b->granularity = 1ull << gbits;
	if (!(b->name = strndup((const char *)p + BITMAP_FIXED + extra, namelen)))
		return -ENOMEM;
	return (long)size;
}

int qcow2_bitmaps_read(struct vu_image *img, struct vu_info *info)
{
	struct qcow2 *q = img->priv;
	uint32_t n = q->bitmaps_nb;
	uint8_t *dir;
	uint64_t pos = 0;
	int r;

	if (n > 65535)
		return -EINVAL;
	r = read_table(img, q->bitmaps_dir_offset, q->bitmaps_dir_size, BITMAP_DIR_MAX, &dir);
	if (r < 0)
		return r;
	info->bitmaps = calloc(n, sizeof(*info->bitmaps));
	r = info->bitmaps ? 0 : -ENOMEM;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		long sz = parse_bitmap(dir + pos, q->bitmaps_dir_size - pos, &info->bitmaps[i]);

		info->nbitmaps = (int)i + 1;
		r = sz < 0 ? (int)sz : 0;
		pos += sz > 0 ? (uint64_t)sz : 0;
	}
	free(dir);
	return r;
}
