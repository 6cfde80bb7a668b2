/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk_create.c - new vmdk images in qemu-img's layouts: the five subformats,
 * its descriptor, its sparse extent layout (so that sizes compare) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "vu/file.h"
#include "vmdk.h"

#define GRAIN_SECTORS 128u	/* 64 KiB grains */
#define GTES 512u
#define DESC_SECTORS 20u	/* room for an embedded descriptor */

struct layout {
	const char *subformat;
	bool sparse, split, compressed, flat;
};

static const char *const subformats[] = {
	"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
	"streamOptimized",
};
static const char *const adapters[] = { "ide", "lsilogic", "buslogic", "legacyESX" };

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

/* What goes between quotes on a descriptor line: no quote, no control
 * character (a newline would add lines of the caller's choosing). */
static bool quotable(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || (unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool all_digits(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 4 && !s[n];
}

static int layout_of(const struct vu_create_opts *o, struct layout *l, struct vu_err *e)
{
	char sb[65];

	l->subformat = o->subformat ? o->subformat : "monolithicSparse";
	if (!one_of(l->subformat, subformats, sizeof(subformats) / sizeof(*subformats)))
		return vu_err_set(e, EINVAL, "invalid parameter value: %s",
				  vu_img_shown(l->subformat, sb, sizeof(sb)));
	if (o->adapter_type && !one_of(o->adapter_type, adapters,
				       sizeof(adapters) / sizeof(*adapters)))
		return vu_err_set(e, EINVAL, "invalid parameter value: %s",
				  vu_img_shown(o->adapter_type, sb, sizeof(sb)));
	if (o->hwversion && !all_digits(o->hwversion))
		return vu_err_set(e, EINVAL, "invalid parameter value: %s",
				  vu_img_shown(o->hwversion, sb, sizeof(sb)));
	if (o->backing_file && !quotable(o->backing_file))
		return vu_err_set(e, EINVAL, "a backing file name with quotes or control "
				  "characters cannot be written into a vmdk descriptor");
	if (o->compat6 && o->hwversion)
		return vu_err_set(e, EINVAL, "compat6 cannot be enabled with hwversion set");
	l->flat = strstr(l->subformat, "Flat") != NULL;
	l->sparse = !l->flat;
	l->split = strncmp(l->subformat, "twoGb", 5) == 0;
	l->compressed = strcmp(l->subformat, "streamOptimized") == 0;
	if (l->flat && o->backing_file)
		return vu_err_set(e, EINVAL, "Flat image can't have backing file");
	if (l->flat && o->zeroed_grain)
		return vu_err_set(e, EINVAL, "Flat image can't enable zeroed grain");
	if (o->backing_fmt && strcmp(o->backing_fmt, "vmdk") != 0)
		return vu_err_set(e, EINVAL, "backing_file must be a vmdk image");
	return 0;
}

/* A sparse extent of capacity sectors in qemu's layout: header, room for
 * a descriptor, redundant directory and its tables, directory and its
 * tables, then grains from the next 64 KiB boundary. */
static int write_sparse(int fd, uint64_t capacity, const struct layout *l, bool zeroed,
			const char *desc)
{
	uint64_t grains = (capacity + GRAIN_SECTORS - 1) / GRAIN_SECTORS;
	uint64_t gt_sectors = GTES * 4 / VMDK_SECTOR, gts = (grains + GTES - 1) / GTES;
	uint64_t gd_sectors = (gts * 4 + VMDK_SECTOR - 1) / VMDK_SECTOR;
	struct vmdk_header h = {
		.version = l->compressed ? 3 : zeroed ? 2 : 1,
		.flags = VMDK_FLAG_NL_DETECT | VMDK_FLAG_RGD |
			 (l->compressed ? VMDK_FLAG_COMPRESS | VMDK_FLAG_MARKER : 0) |
			 (zeroed ? VMDK_FLAG_ZERO_GRAIN : 0),
		.capacity = capacity, .grain = GRAIN_SECTORS, .desc_off = 1,
		.desc_size = DESC_SECTORS, .gtes = GTES,
		.compress = l->compressed ? VMDK_COMPRESS_DEFLATE : 0,
	};
	uint8_t *gd, hb[VMDK_SECTOR];
	int r;

	h.rgd_off = h.desc_off + h.desc_size;
	h.gd_off = h.rgd_off + gd_sectors + gt_sectors * gts;
	h.overhead = (h.gd_off + gd_sectors + gt_sectors * gts + GRAIN_SECTORS - 1) /
		     GRAIN_SECTORS * GRAIN_SECTORS;
	if (h.overhead + grains * (GRAIN_SECTORS + 1) > UINT32_MAX)
		return -EFBIG;	/* sectors past 2 TiB cannot be named by a table */
	if (ftruncate(fd, (off_t)(h.overhead * VMDK_SECTOR)) < 0)
		return -errno;
	vmdk_format_header(&h, hb);
	if ((r = vu_pwrite_all(fd, hb, sizeof(hb), 0)) < 0)
		return r;
	if (desc && (r = vu_pwrite_all(fd, desc, strlen(desc), VMDK_SECTOR)) < 0)
		return r;
	if (!(gd = calloc(gd_sectors, VMDK_SECTOR)))
		return -ENOMEM;
	for (uint64_t i = 0; i < gts; i++)
		vmdk_put_le(gd + 4 * i, 4, h.rgd_off + gd_sectors + i * gt_sectors);
	r = vu_pwrite_all(fd, gd, gd_sectors * VMDK_SECTOR, (off_t)(h.rgd_off * VMDK_SECTOR));
	for (uint64_t i = 0; i < gts; i++)
		vmdk_put_le(gd + 4 * i, 4, h.gd_off + gd_sectors + i * gt_sectors);
	if (r == 0)
		r = vu_pwrite_all(fd, gd, gd_sectors * VMDK_SECTOR, (off_t)(h.gd_off * VMDK_SECTOR));
	free(gd);
	return r;
}

/* "name.vmdk" -> "name" and ".vmdk", as qemu names extent files. */
static void split_name(const char *path, char *stem, size_t cap, const char **ext)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	*ext = dot ? dot : "";
	snprintf(stem, cap, "%.*s", (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
}

/* Writes one extent file beside path. */
static int make_extent_file(const char *path, const char *name, uint64_t bytes,
			    const struct layout *l, const struct vu_create_opts *o,
			    struct vu_err *e)
{
	char *full = vu_image_relative_path(path, name);
	int fd, r = 0;

	if (!full)
		return vu_err_set(e, ENOMEM, NULL);
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(full);
	if (fd < 0)
		return vu_err_set(e, errno, "cannot create extent '%s': %s", name, strerror(errno));
	if (l->sparse)
		r = write_sparse(fd, bytes / VMDK_SECTOR, l, o->zeroed_grain, NULL);
	else if (ftruncate(fd, (off_t)bytes) < 0)
		r = -errno;
	else if (o->prealloc == VU_PREALLOC_FALLOC || o->prealloc == VU_PREALLOC_FULL)
		r = -posix_fallocate(fd, 0, (off_t)bytes);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r < 0 ? vu_err_set(e, -r, "cannot write extent '%s': %s", name, strerror(-r)) : 0;
}

/* The extent files of a descriptor-file subformat, and their lines. */
static int make_extents(const char *path, uint64_t size, const struct layout *l,
			const struct vu_create_opts *o, char **lines, struct vu_err *e)
{
	uint64_t step = l->split ? VMDK_SPLIT_BYTES : size;
	const char *ext;
	char stem[256], name[300];
	size_t used = 0, cap = 64;
	int r;

	split_name(path, stem, sizeof(stem), &ext);
	if (!(*lines = calloc(1, cap)))
		return vu_err_set(e, ENOMEM, NULL);
	for (uint64_t off = 0, i = 1; off < size; off += step, i++) {
		uint64_t n = size - off < step ? size - off : step;
		char line[400];

		if (!l->split)
			snprintf(name, sizeof(name), "%s-flat%s", stem, ext);
		else
			snprintf(name, sizeof(name), "%s-%c%03" PRIu64 "%s", stem,
				 l->flat ? 'f' : 's', i, ext);
		if ((r = make_extent_file(path, name, n, l, o, e)) < 0)
			return r;
		snprintf(line, sizeof(line), "RW %" PRIu64 " %s \"%s\"%s\n", n / VMDK_SECTOR,
			 l->flat ? "FLAT" : "SPARSE", name, l->flat ? " 0" : "");
		if (used + strlen(line) + 1 > cap) {
			char *bigger = realloc(*lines, cap * 2 + strlen(line));

			if (!bigger)
				return vu_err_set(e, ENOMEM, NULL);
			*lines = bigger;
			cap = cap * 2 + strlen(line);
		}
		strcpy(*lines + used, line);
		used += strlen(line);
	}
	return 0;
}

/* The parent's CID: the backing file must be a vmdk image. */
static int parent_cid(const char *path, const char *backing, uint32_t *cid, struct vu_err *e)
{
	char *full = vu_image_relative_path(path, backing);
	struct vu_image *b = NULL;
	struct vu_err be = { 0 };
	int r;

	if (!full)
		return vu_err_set(e, ENOMEM, NULL);
	r = vu_image_open(&b, full, NULL, VU_OPEN_NO_BACKING, &be);
	free(full);
	if (r < 0)
		return vu_err_set(e, -r, "Could not open '%s': %s", backing, vu_err_str(&be));
	if (b->drv != &vu_drv_vmdk)
		r = vu_err_set(e, EINVAL, "backing_file must be a vmdk image");
	else
		*cid = ((const struct vmdk *)b->priv)->cid;
	vu_image_close(&b);
	return r;
}

int vmdk_create(int fd, const char *path, const struct vu_create_opts *o, struct vu_err *e)
{
	struct layout l;
	struct vmdk_desc_opts d = { .parent_cid = UINT32_MAX };
	uint64_t size = (o->size + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
	char *lines = NULL, *desc = NULL, stem[256], line[400];
	const char *ext;
	int r;

	if ((r = layout_of(o, &l, e)) < 0)
		return r;
	if (!quotable(path))
		return vu_err_set(e, EINVAL, "a file name with quotes or control characters "
				  "cannot be written into a vmdk descriptor");
	if (o->backing_file && (r = parent_cid(path, o->backing_file, &d.parent_cid, e)) < 0)
		return r;
	if (getrandom(&d.cid, sizeof(d.cid), 0) != sizeof(d.cid))
		d.cid = (uint32_t)getpid();
	d.create_type = l.subformat;
	d.parent_hint = o->backing_file;
	d.adapter = o->adapter_type ? o->adapter_type : "ide";
	d.hwversion = o->hwversion ? o->hwversion : o->compat6 ? "6" : "4";
	d.size = size;
	if (l.split || l.flat) {
		r = make_extents(path, size, &l, o, &lines, e);
	} else {
		split_name(path, stem, sizeof(stem), &ext);
		snprintf(line, sizeof(line), "RW %" PRIu64 " SPARSE \"%s%s\"\n", size / VMDK_SECTOR,
			 stem, ext);
		lines = strdup(line);
		r = lines ? 0 : vu_err_set(e, ENOMEM, NULL);
	}
	if (r == 0 && !(desc = vmdk_desc_format(&d, lines)))
		r = vu_err_set(e, ENOMEM, NULL);
	if (r == 0 && !(l.split || l.flat) && strlen(desc) > DESC_SECTORS * VMDK_SECTOR)
		r = vu_err_set(e, ENOSPC, "the descriptor does not fit in the image");
	if (r == 0 && (l.split || l.flat))
		r = vu_pwrite_all(fd, desc, strlen(desc), 0);
	else if (r == 0)
		r = write_sparse(fd, size / VMDK_SECTOR, &l, o->zeroed_grain, desc);
	if (r < 0 && e && !e->msg[0])
		vu_err_set(e, -r, "%s", strerror(-r));
	free(lines);
	free(desc);
	return r;
}
