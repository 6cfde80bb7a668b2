/* SPDX-License-Identifier: GPL-2.0-or-later */
/* disks.c - vm-create's --disk: plan every disk first (so an error in the
 * third one creates nothing), create the images, remove them on failure */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/image.h"
#include "vu/size.h"
#include "vu/strutil.h"
#include "vu/subopt.h"

#include "vm-create.h"

const char *const disk_keys[] = { "path", "pool", "vol", "size", "format", "bus", "cache",
				  "io", "discard", "device", "sparse", "perms",
				  "backing_store", "boot_order", "serial", NULL };

static struct disk_plan *new_plan(struct vmc *c, const char *arg)
{
	struct disk_plan *p = realloc(c->plans, (c->nplans + 1) * sizeof(*p));

	if (!p)
		vmc_fail(c, "--disk", "cannot allocate memory");
	c->plans = p;
	p = &c->plans[c->nplans++];
	*p = (struct disk_plan){ .arg = arg, .type = "file", .device = "disk",
				 .sparse = !c->nonsparse };
	return p;
}

static char *xstrdup(struct vmc *c, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		vmc_fail(c, "--disk", "cannot allocate memory");
	return d;
}

/* A CD-ROM sits on the machine's own controller: IDE on i440fx, SATA on q35. */
static const char *default_bus(const struct vmc *c, const char *device)
{
	bool q35 = c->machine && strstr(c->machine, "q35");

	if (!strcmp(device, "floppy"))
		return "fdc";
	if (!strcmp(device, "cdrom"))
		return q35 ? "sata" : strcmp(c->arch, "x86_64") && strcmp(c->arch, "i686") ?
		       "scsi" : "ide";
	return c->os.disk_bus ? c->os.disk_bus : "virtio";
}

/* qcow2's magic, else raw: the only formats we create, and all a domain's
 * driver element needs to name for the images users bring. */
static char *probe_format(struct vmc *c, const char *path)
{
	unsigned char m[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		vmc_fail(c, path, "cannot open: %s", strerror(errno));
	if (read(fd, m, 4) != 4)
		m[0] = 0;
	close(fd);
	return xstrdup(c, memcmp(m, "QFI\xfb", 4) ? "raw" : "qcow2");
}

/* The target directory of pool name. A --dry-run on a root never used
 * does not create it to find out: its default pool would be ROOT/images. */
static char *pool_target(struct vmc *c, const char *name)
{
	struct vu_pool *p;
	struct vu_err e = { 0 };
	struct stat sb;
	char *t;

	if (c->dry_run && stat(c->st.root, &sb) < 0 && !strcmp(name, "default"))
		return vu_state_path(&c->st, "images", NULL);
	if (vu_pool_lookup(vmc_storage(c), name, &p, &e) < 0)
		vmc_fail(c, "--disk", "pool '%s': %s", name, vu_err_str(&e));
	if (!p->active)
		vmc_fail(c, "--disk", "storage pool '%s' is not active", name);
	if (p->type != VU_POOL_DIR && p->type != VU_POOL_FS)
		vmc_fail(c, "--disk", "pool '%s': new disks need a dir or fs pool", name);
	t = xstrdup(c, p->px.target);
	vu_pool_free(&p);
	return t;
}

static bool planned(const struct vmc *c, const char *path)
{
	for (size_t i = 0; i + 1 < c->nplans; i++)
		if (c->plans[i].path && !strcmp(c->plans[i].path, path))
			return true;
	return false;
}

/* size= without path=: NAME.qcow2 in the pool, then NAME-1.qcow2, ... */
static void plan_pool_volume(struct vmc *c, struct disk_plan *d, const char *pool)
{
	char *dir = pool_target(c, pool), name[300], *path;
	const char *ext = !strcmp(d->format, "raw") ? "img" : d->format;

	for (unsigned i = 0;; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s-%u.%s", c->name, i, ext);
		else
			snprintf(name, sizeof(name), "%s.%s", c->name, ext);
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			vmc_fail(c, "--disk", "cannot allocate memory");
		if (access(path, F_OK) < 0 && !planned(c, path))
			break;
		free(path);
	}
	d->path = path;
	d->pool = xstrdup(c, pool);
	d->volname = xstrdup(c, name);
	d->create = true;
	free(dir);
}

/* vol=POOL/VOL: an existing volume, written as its file or device. */
static void plan_volume(struct vmc *c, struct disk_plan *d, const char *ref)
{
	const char *slash = strchr(ref, '/');
	struct vu_vol *v;
	struct vu_err e = { 0 };
	char *pool;

	size_t len = slash ? (size_t)(slash - ref) : 0;

	if (!len || !slash[1])
		vmc_usage(c, "--disk", "vol= takes POOL/VOLUME, not '%s'", ref);
	pool = strndup(ref, len);
	if (!pool)
		vmc_fail(c, "--disk", "cannot allocate memory");
	if (vu_vol_lookup(vmc_storage(c), pool, strchr(ref, '/') + 1, &v, &e) < 0)
		vmc_fail(c, "--disk", "%s", vu_err_str(&e));
	d->path = xstrdup(c, v->path);
	d->type = v->type == VU_VOL_BLOCK ? "block" : "file";
	if (!d->format && v->format && strcmp(v->format, "unknown") && v->type == VU_VOL_FILE)
		d->format = xstrdup(c, v->format);
	vu_vol_free(&v);
	free(pool);
}

static void plan_path(struct vmc *c, struct disk_plan *d, const char *path)
{
	struct stat sb;

	if (vu_path_absolute(path, &d->path) < 0)
		vmc_fail(c, path, "cannot make the path absolute");
	if (stat(d->path, &sb) == 0) {
		d->type = S_ISBLK(sb.st_mode) ? "block" : "file";
		if (S_ISDIR(sb.st_mode))
			vmc_fail(c, path, "is a directory");
		if (!d->format)
			d->format = strcmp(d->device, "disk") || !S_ISREG(sb.st_mode) ?
				    xstrdup(c, "raw") : probe_format(c, d->path);
		d->size = 0;
		return;
	}
	if (errno != ENOENT)
		vmc_fail(c, path, "%s", strerror(errno));
	/* size= creates a disk whatever the install method, --import's
	 * included, as virt-install does. */
	if (strcmp(d->device, "disk") || !d->size)
		vmc_fail(c, "--disk", "%s: no such file%s", path,
			 c->import ? " (--import boots existing disks)" :
			 strcmp(d->device, "disk") ? "" : " (size= creates it)");
	d->create = true;
}

static void plan_sizes(struct vmc *c, struct disk_plan *d, const struct vu_subopts *s)
{
	const char *v;
	uint64_t n;
	bool b;
	int r;

	if ((v = vu_subopt_get(s, "size"))) {
		r = vu_parse_size(v, VU_SIZE_VIRTINSTALL, 1ULL << 30, &d->size);
		if (r == -ERANGE || (r == 0 && d->size > (UINT64_MAX >> 2)))
			vmc_usage(c, "--disk", "size '%s' is too large", v);
		if (r < 0 || d->size == 0)
			vmc_usage(c, "--disk", "invalid size '%s'", v);
		d->size = (d->size + 511) & ~511ULL;
	}
	if ((v = vu_subopt_get(s, "sparse"))) {
		if (vu_subopt_bool(v, &b) < 0)
			vmc_usage(c, "--disk", "invalid sparse '%s'", v);
		d->sparse = b;
	}
	if ((v = vu_subopt_get(s, "boot_order"))) {
		if (vu_subopt_uint(v, 65535, &n) < 0 || !n)
			vmc_usage(c, "--disk", "invalid boot_order '%s'", v);
		d->boot_order = (unsigned)n;
	}
}

static void plan_attrs(struct vmc *c, struct disk_plan *d, const struct vu_subopts *s)
{
	static const char *const devices[] = { "disk", "cdrom", "floppy", NULL };
	static const char *const buses[] = { "virtio", "ide", "scsi", "sata", "usb", "fdc",
					     "xen", "sd", NULL };
	static const char *const perms[] = { "rw", "ro", "sh", NULL };
	const char *v;

	if ((v = vu_subopt_get(s, "device")) && !vu_word_in(v, devices))
		vmc_usage(c, "--disk", "unknown device '%s'", v);
	d->device = v ? v : "disk";
	if ((v = vu_subopt_get(s, "bus")) && !vu_word_in(v, buses))
		vmc_usage(c, "--disk", "unknown bus '%s'", v);
	d->bus = v ? v : default_bus(c, d->device);
	if ((v = vu_subopt_get(s, "perms")) && !vu_word_in(v, perms))
		vmc_usage(c, "--disk", "perms must be rw, ro or sh, not '%s'", v);
	d->readonly = (v && !strcmp(v, "ro")) || !strcmp(d->device, "cdrom");
	d->shareable = v && !strcmp(v, "sh");
	d->format = xstrdup(c, vu_subopt_get(s, "format"));
	d->cache = vu_subopt_get(s, "cache");
	d->io = vu_subopt_get(s, "io");
	d->discard = vu_subopt_get(s, "discard");
	d->serial = vu_subopt_get(s, "serial");
	d->backing = vu_subopt_get(s, "backing_store");
	plan_sizes(c, d, s);
}

/* One --disk argument. The sub-options stay with the plan, whose strings
 * point into them. */
/* The sub-options of one --disk, kept as long as the plan. */
static struct vu_subopts *subopts_new(struct vmc *c)
{
	struct vu_subopts *s = calloc(1, sizeof(*s));

	if (!s)
		vmc_fail(c, "--disk", "cannot allocate memory");
	return s;
}

static void plan_disk(struct vmc *c, const char *arg)
{
	struct vu_subopts *s = subopts_new(c);
	struct vu_err e = { 0 };
	struct disk_plan *d;
	const char *path, *vol, *pool;

	if (vu_subopt_parse(arg, disk_keys, true, s, &e) < 0)
		vmc_usage(c, "--disk", "%s", vu_err_str(&e));
	if (vu_subopt_npositional(s) > 1)
		vmc_usage(c, "--disk", "unknown option '%s'", vu_subopt_positional(s, 1));
	d = new_plan(c, arg);
	d->so = s;
	plan_attrs(c, d, s);
	path = vu_subopt_get(s, "path") ? vu_subopt_get(s, "path") : vu_subopt_positional(s, 0);
	vol = vu_subopt_get(s, "vol");
	pool = vu_subopt_get(s, "pool");
	if ((path != NULL) + (vol != NULL) + (pool != NULL) > 1)
		vmc_usage(c, "--disk", "path=, vol= and pool= exclude each other");
	if (vol) {
		plan_volume(c, d, vol);
	} else if (path) {
		plan_path(c, d, path);
	} else if (d->size) {
		if (!d->format)
			d->format = xstrdup(c, "qcow2");
		plan_pool_volume(c, d, pool ? pool : "default");
	} else {
		vmc_usage(c, "--disk", "'%s' names no path=, vol= or size=", arg);
	}
	if (d->create && !d->format)
		d->format = xstrdup(c, "qcow2");
	if (d->create && strcmp(d->format, "qcow2") && strcmp(d->format, "raw"))
		vmc_usage(c, "--disk", "new disks are qcow2 or raw, not '%s'", d->format);
	vmc_debug(c, "disk %s: %s%s", arg, d->path, d->create ? " (new)" : "");
}

/* A CD-ROM holding path during the install only (--cdrom, an ISO
 * --location); empty in the final domain. */
static void plan_install_cdrom(struct vmc *c, const char *path)
{
	struct disk_plan *d = new_plan(c, path);

	d->device = "cdrom";
	d->bus = default_bus(c, "cdrom");
	d->readonly = true;
	plan_path(c, d, path);
	d->format = d->format ? d->format : xstrdup(c, "raw");
	d->install_media = true;
}

/* The old RHEL 5 options: --file PATH [--file-size GiB] [--nonsparse]. */
static void plan_legacy(struct vmc *c)
{
	char *arg;

	if (asprintf(&arg, "path=%s%s%s", c->file, c->file_size ? ",size=" : "",
		     c->file_size ? c->file_size : "") < 0)
		vmc_fail(c, "--file", "cannot allocate memory");
	plan_disk(c, vmc_own(c, arg));
}

void disks_plan(struct vmc *c)
{
	if (c->file)
		plan_legacy(c);
	else if (c->file_size)
		vmc_usage(c, "--file-size", "needs --file");
	for (size_t i = 0; i < c->disks.n; i++)
		if (strcmp(c->disks.v[i], "none"))
			plan_disk(c, c->disks.v[i]);
	if (c->cdrom)
		plan_install_cdrom(c, c->cdrom);
	/* virt-install also puts an ISO install tree in a CD-ROM for the
	 * install, where the installer finds its packages. */
	if (c->location && location_kind(c->location, NULL) == LOCATION_ISO)
		plan_install_cdrom(c, c->location);
}

/* A new image at a path of the user's choosing, complete or absent. */
static int create_file(const struct disk_plan *d, struct vu_err *e)
{
	struct vu_create_opts o = { .size = d->size, .backing_file = d->backing };
	struct vu_atomic a;
	int r;

	if (!d->sparse)
		o.prealloc = strcmp(d->format, "qcow2") ? VU_PREALLOC_FALLOC : VU_PREALLOC_METADATA;
	if ((r = vu_atomic_open(&a, d->path, 0600)) < 0)
		return vu_err_set(e, -r, "%s: %s", d->path, strerror(-r));
	if ((r = vu_image_create(a.fd, d->path, d->format, &o, e)) < 0) {
		vu_atomic_abort(&a);
		return r;
	}
	if ((r = vu_atomic_commit(&a, false, true)) < 0)
		return vu_err_set(e, -r, "%s: %s", d->path,
				  r == -EEXIST ? "already exists" : strerror(-r));
	return 0;
}

static int create_volume(struct vmc *c, const struct disk_plan *d, struct vu_err *e)
{
	struct vu_volspec spec = { .name = d->volname, .capacity = d->size,
				   .has_capacity = true, .format = d->format,
				   .backing_path = (char *)d->backing, .mode = -1, .owner = -1,
				   .group = -1 };
	struct vu_pool *p;
	unsigned flags = 0;
	int r;

	if (!d->sparse && !strcmp(d->format, "raw"))
		spec.allocation = d->size, spec.has_allocation = true;
	else if (!d->sparse)
		flags |= VU_VOL_PREALLOC_METADATA;
	if ((r = vu_pool_lookup(vmc_storage(c), d->pool, &p, e)) < 0)
		return r;
	r = vu_vol_create(vmc_storage(c), p, &spec, flags, NULL, e);
	vu_pool_free(&p);
	return r;
}

void disks_create(struct vmc *c)
{
	struct vu_err e = { 0 };

	for (size_t i = 0; i < c->nplans; i++) {
		struct disk_plan *d = &c->plans[i];
		int r;

		if (!d->create)
			continue;
		r = d->volname ? create_volume(c, d, &e) : create_file(d, &e);
		if (r < 0)
			vmc_fail(c, "--disk", "%s", vu_err_str(&e));
		d->created = true;
		vmc_debug(c, "created %s", d->path);
	}
}

void disks_remove(struct vmc *c)
{
	for (size_t i = 0; i < c->nplans; i++)
		if (c->plans[i].created && unlink(c->plans[i].path) == 0)
			c->plans[i].created = false;
}

int disks_add(struct vmc *c, struct vu_domain *dom, struct vu_err *e)
{
	for (size_t i = 0; i < c->nplans; i++) {
		const struct disk_plan *d = &c->plans[i];
		struct vu_disk_spec sp = {
			.type = d->type, .device = d->device,
			.driver_type = d->format, .cache = d->cache, .io = d->io,
			.discard = d->discard, .source = d->install_media ? NULL : d->path,
			.target_bus = d->bus, .serial = d->serial, .readonly = d->readonly,
			.shareable = d->shareable, .boot_order = d->boot_order,
		};
		int r = vu_domain_add_disk(dom, &sp, NULL);

		if (r < 0)
			return vu_err_set(e, -r, "%s: %s", d->arg,
					  r == -ENOSPC ? "no target name left on bus" :
					  "cannot be written");
	}
	return 0;
}

void disks_free(struct vmc *c)
{
	for (size_t i = 0; i < c->nplans; i++) {
		free(c->plans[i].path);
		free(c->plans[i].pool);
		free(c->plans[i].volname);
		free(c->plans[i].format);
		if (c->plans[i].so)
			vu_subopt_free(c->plans[i].so);
		free(c->plans[i].so);
	}
	free(c->plans);
	c->plans = NULL;
	c->nplans = 0;
}
