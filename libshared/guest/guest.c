/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest.c - opening a guest's disks: images, partitions, LVs, the list of
 * devices, and closing it all */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_int.h"

/* ---- devices as extents ---- */

/* Calls fn on each piece of [off, off+len) as (image, image offset, piece
 * of buf, its length). */
static int gdev_io(const struct gdev *d, void *buf, size_t len, uint64_t off, bool wr)
{
	uint64_t base = 0;

	if (off > d->size || len > d->size - off)
		return -EIO;
	for (size_t i = 0; i < d->next && len; i++) {
		const struct gextent *x = &d->ext[i];

		if (off < base + x->len) {
			uint64_t in = off - base;
			size_t n = (size_t)(x->len - in < len ? x->len - in : len);
			int r = wr ? vu_image_pwrite(x->img, buf, n, x->img_off + in)
				   : vu_image_pread(x->img, buf, n, x->img_off + in);

			if (r < 0)
				return r;
			buf = (char *)buf + n;
			len -= n;
			off += n;
		}
		base += x->len;
	}
	return len ? -EIO : 0;
}

int gdev_pread(const struct gdev *d, void *buf, size_t len, uint64_t off)
{
	return gdev_io(d, buf, len, off, false);
}

int gdev_pwrite(const struct gdev *d, const void *buf, size_t len, uint64_t off)
{
	return gdev_io(d, (void *)buf, len, off, true);
}

int gdev_flush(const struct gdev *d)
{
	for (size_t i = 0; i < d->next; i++) {
		int r = vu_image_flush(d->ext[i].img);

		if (r < 0 && r != -EBADF)
			return r;
	}
	return 0;
}

static int gdev_single(struct gdev *d, struct vu_image *img, uint64_t off, uint64_t len)
{
	d->ext = calloc(1, sizeof(*d->ext));
	if (!d->ext)
		return -ENOMEM;
	d->ext[0] = (struct gextent){ img, off, len };
	d->next = 1;
	d->size = len;
	return 0;
}

/* ---- the device list ---- */

int guest_add_fs(struct vu_guest *g, const char *name, int disk, struct gdev *dev)
{
	struct gfs *fs = realloc(g->fs, (g->nfs + 1) * sizeof(*fs));
	struct gfs *f;

	if (!fs)
		return -ENOMEM;
	g->fs = fs;
	f = &fs[g->nfs];
	memset(f, 0, sizeof(*f));
	snprintf(f->pub.device, sizeof(f->pub.device), "%s", name);
	f->pub.disk = disk;
	f->pub.size = dev->size;
	f->pub.offset = dev->next ? dev->ext[0].img_off : 0;
	f->pub.lv_disk = -1;
	for (size_t i = 0; disk < 0 && dev->next == 1 && i < g->ndisks; i++)
		if (g->img[i] == dev->ext[0].img)
			f->pub.lv_disk = (int)i;
	f->dev = *dev;
	memset(dev, 0, sizeof(*dev));
	g->nfs++;
	guest_probe(f);
	return 0;
}

static int disk_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return vu_image_pread(ctx, buf, len, off);
}

static int add_disk(struct vu_guest *g, int i, struct vu_err *e)
{
	struct vu_image *img = g->img[i];
	uint64_t size = vu_image_size(img);
	struct gpart parts[GUEST_MAX_PARTS];
	char name[64];
	struct gdev d = { 0 };
	size_t n;
	int r;

	snprintf(name, sizeof(name), "/dev/sd%c", 'a' + i);
	r = gdev_single(&d, img, 0, size);
	if (r == 0)
		r = guest_add_fs(g, name, i, &d);
	if (r < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	r = guest_parts_parse(disk_read, img, size, parts, GUEST_MAX_PARTS, &n);
	if (r < 0)
		return vu_err_set(e, -r, "%s: partition table: %s", name,
				  r == -EINVAL ? "damaged" : strerror(-r));
	for (size_t k = 0; k < n; k++) {
		char pname[72];

		snprintf(pname, sizeof(pname), "%s%u", name, parts[k].num);
		r = gdev_single(&d, img, parts[k].start, parts[k].size);
		if (r == 0)
			r = guest_add_fs(g, pname, i, &d);
		if (r < 0)
			return vu_err_set(e, -r, "%s", strerror(-r));
		memcpy(g->fs[g->nfs - 1].partuuid, parts[k].partuuid, sizeof(parts[k].partuuid));
	}
	/* A disk with partitions holds no filesystem of its own. */
	if (n) {
		struct gfs *whole = NULL;

		for (size_t k = 0; k < g->nfs; k++)
			if (!strcmp(g->fs[k].pub.device, name))
				whole = &g->fs[k];
		if (whole) {
			snprintf(whole->pub.type, sizeof(whole->pub.type), "%s", "");
			whole->pub.uuid[0] = whole->pub.label[0] = '\0';
			whole->pub.mountable = false;
			whole->lvm_pv = false;
		}
	}
	return 0;
}

int vu_guest_open(struct vu_guest **out, const struct vu_guest_disk *disks, size_t n,
		  unsigned flags, struct vu_err *e)
{
	struct vu_guest *g;
	int r = 0;

	*out = NULL;
	if (n == 0 || n > GUEST_MAX_DISKS)
		return vu_err_set(e, EINVAL, "between 1 and %d disks", GUEST_MAX_DISKS);
	g = calloc(1, sizeof(*g));
	if (!g)
		return vu_err_set(e, ENOMEM, "%s", strerror(ENOMEM));
	g->flags = flags;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct vu_err ie = { 0 };

		r = vu_image_open(&g->img[i], disks[i].path, disks[i].format,
				  flags & VU_GUEST_RDWR ? VU_OPEN_RDWR : 0, &ie);
		if (r < 0) {
			vu_err_set(e, -r, "%s: %s", disks[i].path, vu_err_str(&ie));
			break;
		}
		g->ndisks++;
		r = guest_lock(g->img[i], flags & VU_GUEST_RDWR, e);
	}
	for (size_t i = 0; i < g->ndisks && r == 0; i++)
		r = add_disk(g, (int)i, e);
	if (r == 0)
		r = guest_lvm_scan(g, e);
	if (r < 0) {
		vu_guest_close(&g, NULL);
		return r;
	}
	*out = g;
	return 0;
}

int vu_guest_close(struct vu_guest **gp, struct vu_err *e)
{
	struct vu_guest *g = *gp;
	int r, first = 0;

	if (!g)
		return 0;
	first = vu_guest_umount_all(g, e);
	if (g->dirmode) {
		if (g->flags & VU_GUEST_RDWR)
			syncfs(g->rootfd);
		close(g->rootfd);
	}
	for (size_t i = 0; i < g->ndisks; i++) {
		if (g->flags & VU_GUEST_RDWR) {
			r = vu_image_flush(g->img[i]);
			if (r < 0 && first == 0)
				first = vu_err_set(e, -r, "%s: flush: %s",
						   vu_image_filename(g->img[i]),
						   vu_image_strerror(g->img[i], r));
		}
		vu_image_close(&g->img[i]);
	}
	for (size_t i = 0; i < g->nfs; i++)
		free(g->fs[i].dev.ext);
	guest_lvm_free(g);
	free(g->fs);
	free(g->pubs);
	free(g->fstab);
	free(g);
	*gp = NULL;
	return first;
}

const struct vu_guest_fs *vu_guest_filesystems(const struct vu_guest *g, size_t *n)
{
	struct vu_guest *mg = (struct vu_guest *)g;
	struct vu_guest_fs *p = realloc(mg->pubs, (g->nfs ? g->nfs : 1) * sizeof(*p));

	*n = 0;
	if (!p)
		return NULL;
	mg->pubs = p;
	for (size_t i = 0; i < g->nfs; i++)
		p[i] = g->fs[i].pub;
	*n = g->nfs;
	return p;
}

/* /dev/vdb2, /dev/hdb2, /dev/xvdb2 name what we call /dev/sdb2. */
static bool same_disk_name(const char *a, const char *ours)
{
	static const char *const pfx[] = { "/dev/vd", "/dev/hd", "/dev/xvd", "/dev/sd" };

	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		size_t l = strlen(pfx[i]);

		if (!strncmp(a, pfx[i], l))
			return !strcmp(a + l, ours + strlen("/dev/sd"));
	}
	return false;
}

/* /dev/mapper/VG-LV, with "-" in names doubled. */
static bool mapper_name(const char *spec, const char *vg, const char *lvpath)
{
	const char *lv = strrchr(lvpath, '/') + 1;
	char want[600], *o = want;

	for (const char *s = vg; *s && o < want + 280; s++) {
		*o++ = *s;
		if (*s == '-')
			*o++ = '-';
	}
	*o++ = '-';
	for (const char *s = lv; *s && o < want + 580; s++) {
		*o++ = *s;
		if (*s == '-')
			*o++ = '-';
	}
	*o = '\0';
	return !strncmp(spec, "/dev/mapper/", 12) && !strcmp(spec + 12, want);
}

enum spec_key { SPEC_DEVICE, SPEC_UUID, SPEC_LABEL, SPEC_PARTUUID };

/* How fstab (and udev's links) name a filesystem other than by device. */
static const struct {
	const char *prefix;
	enum spec_key key;
} spec_keys[] = {
	{ "UUID=", SPEC_UUID },
	{ "LABEL=", SPEC_LABEL },
	{ "PARTUUID=", SPEC_PARTUUID },
	{ "/dev/disk/by-uuid/", SPEC_UUID },
	{ "/dev/disk/by-label/", SPEC_LABEL },
	{ "/dev/disk/by-partuuid/", SPEC_PARTUUID },
};

static bool spec_matches(const struct gfs *f, enum spec_key key, const char *v,
			 const char *spec)
{
	switch (key) {
	case SPEC_UUID:
		return f->pub.uuid[0] && !f->lvm_pv && !strcasecmp(v, f->pub.uuid);
	case SPEC_LABEL:
		return f->pub.label[0] && !strcmp(v, f->pub.label);
	case SPEC_PARTUUID:
		return f->partuuid[0] && !strcasecmp(v, f->partuuid);
	case SPEC_DEVICE:
		break;
	}
	if (!strcmp(spec, f->pub.device))
		return true;
	if (f->lv_vg[0])
		return mapper_name(spec, f->lv_vg, f->pub.device);
	return same_disk_name(spec, f->pub.device);
}

int guest_find(const struct vu_guest *g, const char *spec)
{
	enum spec_key key = SPEC_DEVICE;
	char v[256] = "";
	size_t len;

	for (size_t k = 0; k < sizeof(spec_keys) / sizeof(spec_keys[0]); k++) {
		size_t l = strlen(spec_keys[k].prefix);

		if (!strncmp(spec, spec_keys[k].prefix, l)) {
			key = spec_keys[k].key;
			snprintf(v, sizeof(v), "%s", spec + l);
			break;
		}
	}
	/* UUID="..." is fstab too: mount takes the quotes off. */
	len = strlen(v);
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		memmove(v, v + 1, len - 2);
		v[len - 2] = '\0';
	}
	for (size_t i = 0; i < g->nfs; i++)
		if (spec_matches(&g->fs[i], key, v, spec))
			return (int)i;
	return -1;
}

const struct vu_guest_fs *vu_guest_find_fs(const struct vu_guest *g, const char *spec)
{
	int i = guest_find(g, spec);

	if (i < 0)
		return NULL;
	return &g->fs[i].pub;
}
