/* SPDX-License-Identifier: GPL-2.0-or-later */
/* location.c - --location: find an install tree's kernel and initrd and
 * copy them into the state root */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "location.h"
#include "treeinfo.h"
#include "vu/base.h"
#include "vu/file.h"

/* The names of the copies in destdir: fixed, so the caller and vm-ctl
 * know them whatever the tree called its files (SUSE's "linux",
 * Debian's "initrd.gz"); the kernel detects the initrd's compression. */
#define LOC_KERNEL LOCATION_KERNEL_NAME
#define LOC_INITRD LOCATION_INITRD_NAME

/* "From .disk/info": Debian and Ubuntu CDs share install/. */
#define LOC_DISK_INFO "?"

/*
 * The layouts tried when no .treeinfo names the files, in this order
 * (after virt-install's urldetect.py, x86_64 only). url_arg is the kernel
 * argument through which the installer finds a remote tree.
 */
struct loc_layout {
	const char *kernel, *initrd, *distro, *url_arg;
};

static const struct loc_layout loc_layouts[] = {
	/* Fedora, RHEL and rebuilds: anaconda, so its argument. */
	{ "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", NULL, "inst.repo" },
	{ "install.amd/vmlinuz", "install.amd/initrd.gz", "debian", NULL },
	{ "install/vmlinuz", "install/initrd.gz", LOC_DISK_INFO, NULL },
	{ "casper/vmlinuz", "casper/initrd", "ubuntu", NULL },
	{ "casper/vmlinuz", "casper/initrd.gz", "ubuntu", NULL },
	{ "casper/vmlinuz.efi", "casper/initrd.lz", "ubuntu", NULL },
	/* Debian and Ubuntu mirrors (.../dists/X/main/installer-amd64/) and
	 * their CDs exported over HTTP. */
	{ "current/images/netboot/debian-installer/amd64/linux",
	  "current/images/netboot/debian-installer/amd64/initrd.gz", "debian", NULL },
	{ "current/legacy-images/netboot/debian-installer/amd64/linux",
	  "current/legacy-images/netboot/debian-installer/amd64/initrd.gz", "debian", NULL },
	{ "daily/netboot/debian-installer/amd64/linux",
	  "daily/netboot/debian-installer/amd64/initrd.gz", "debian", NULL },
	{ "install/netboot/debian-installer/amd64/linux",
	  "install/netboot/debian-installer/amd64/initrd.gz", "debian", NULL },
	{ "current/images/netboot/ubuntu-installer/amd64/linux",
	  "current/images/netboot/ubuntu-installer/amd64/initrd.gz", "ubuntu", NULL },
	{ "current/legacy-images/netboot/ubuntu-installer/amd64/linux",
	  "current/legacy-images/netboot/ubuntu-installer/amd64/initrd.gz", "ubuntu", NULL },
	{ "install/netboot/ubuntu-installer/amd64/linux",
	  "install/netboot/ubuntu-installer/amd64/initrd.gz", "ubuntu", NULL },
	{ "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd", "suse", "install" },
	/* Mageia */
	{ "isolinux/x86_64/vmlinuz", "isolinux/x86_64/all.rdz", NULL, NULL },
};

/* What the search found. */
struct loc_found {
	const char *kernel, *initrd;	/* in the tree */
	char *distro;
	const char *url_arg;
	bool old_redhat;		/* takes method= rather than inst.repo= */
};

const char *loc_family_distro(const char *family)
{
	static const struct { const char *word, *distro; } map[] = {
		{ "Fedora", "fedora" }, { "Red Hat Enterprise Linux", "rhel" },
		{ "RHEL", "rhel" }, { "CentOS", "rhel" }, { "Scientific", "rhel" },
		{ "AlmaLinux", "rhel" }, { "Rocky", "rhel" }, { "Oracle Linux", "rhel" },
		{ "SUSE", "suse" }, { "SLES", "suse" }, { "SLED", "suse" },
		{ "Debian", "debian" }, { "Ubuntu", "ubuntu" },
	};

	for (size_t i = 0; family && i < ARRAY_SIZE(map); i++)
		if (strstr(family, map[i].word))
			return map[i].distro;
	return NULL;
}

const char *loc_url_arg(const char *distro, const char *version)
{
	long major = version ? strtol(version, NULL, 10) : 0;

	if (!distro)
		return NULL;
	if (!strcmp(distro, "suse"))
		return "install";
	if (!strcmp(distro, "fedora"))
		return major > 0 && major < 19 ? "method" : "inst.repo";
	if (!strcmp(distro, "rhel"))
		return major > 0 && major < 7 ? "method" : "inst.repo";
	return NULL;
}

/* The tree's .treeinfo (or "treeinfo", as some CDNs serve it), parsed; a
 * tree without one gives an empty ti. */
static int loc_treeinfo(struct tree_src *s, struct treeinfo *ti, struct vu_err *e)
{
	static const char *const names[] = { ".treeinfo", "treeinfo" };

	*ti = (struct treeinfo){ 0 };
	for (size_t i = 0; i < 2; i++) {
		struct tree_sink k = { .fd = -1, .max = TREE_MAX_INFO };
		int r = src_fetch(s, names[i], &k, e);

		if (r == 0)
			r = treeinfo_parse(k.buf ? k.buf : "", k.len, ti, e);
		free(k.buf);
		if (r != -ENOENT)
			return r;
	}
	return 0;
}

/* Debian or Ubuntu, from the CD's .disk/info; NULL when it does not say. */
static const char *loc_disk_info(struct tree_src *s)
{
	struct tree_sink k = { .fd = -1, .max = 4096 };
	const char *d = NULL;

	if (src_fetch(s, ".disk/info", &k, NULL) == 0 && k.buf)
		d = strstr(k.buf, "Ubuntu") ? "ubuntu" : strstr(k.buf, "Debian") ? "debian" : NULL;
	free(k.buf);
	return d;
}

/* 1 when both files are in the tree, 0 when not, or -errno. */
static int loc_pair(struct tree_src *s, const char *kernel, const char *initrd,
		    struct vu_err *e)
{
	int r = src_exists(s, kernel, e);

	return r == 1 ? src_exists(s, initrd, e) : r;
}

static int loc_set_distro(struct loc_found *f, const char *distro)
{
	f->distro = distro ? strdup(distro) : NULL;
	return distro && !f->distro ? -ENOMEM : 0;
}

static int loc_not_found(const char *location, const struct treeinfo *ti, struct vu_err *e)
{
	static const char layouts[] = "images/pxeboot/, install.amd/, install/, casper/, "
				      "netboot/, boot/x86_64/loader/";

	if (ti->kernel && ti->initrd)
		return vu_err_set(e, ENOENT, "no kernel found in install tree %s (.treeinfo names "
				  "%s and %s, which are not both there, nor are they in any of %s)",
				  location, ti->kernel, ti->initrd, layouts);
	return vu_err_set(e, ENOENT, "no kernel found in install tree %s (no .treeinfo names one "
			  "for %s, nor is there one in any of %s)", location,
			  ti->arch ? ti->arch : "x86_64", layouts);
}

/* .treeinfo's pair first, then the layouts; the distro from .treeinfo's
 * family when it has one, else from the layout. */
static int loc_search(struct tree_src *s, const char *location, const struct treeinfo *ti,
		      struct loc_found *f, struct vu_err *e)
{
	const char *family = loc_family_distro(ti->family);
	int r;

	if (ti->kernel && ti->initrd) {
		r = loc_pair(s, ti->kernel, ti->initrd, e);
		if (r < 0)
			return r;
		if (r == 1) {
			*f = (struct loc_found){ .kernel = ti->kernel, .initrd = ti->initrd,
						 .url_arg = loc_url_arg(family, ti->version) };
			return loc_set_distro(f, family);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(loc_layouts); i++) {
		const struct loc_layout *l = &loc_layouts[i];
		const char *distro = family ? family : l->distro;

		r = loc_pair(s, l->kernel, l->initrd, e);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (!family && l->distro && !strcmp(l->distro, LOC_DISK_INFO))
			distro = loc_disk_info(s);
		*f = (struct loc_found){ .kernel = l->kernel, .initrd = l->initrd,
					 .url_arg = family ? loc_url_arg(family, ti->version)
							   : l->url_arg };
		return loc_set_distro(f, distro);
	}
	return loc_not_found(location, ti, e);
}

/* mkdir -p; *first is the top directory it created (NULL if none), for
 * loc_rmdirs. */
static int loc_mkdirs(const char *dir, char **first, struct vu_err *e)
{
	char *p = strdup(dir);
	int r = p ? 0 : vu_err_set(e, ENOMEM, NULL);

	*first = NULL;
	for (char *s = p; r == 0 && s;) {
		s = strchr(s + 1, '/');
		if (s)
			*s = '\0';
		if (mkdir(p, 0755) == 0) {
			if (!*first && !(*first = strdup(p)))
				r = vu_err_set(e, ENOMEM, NULL);
		} else if (errno != EEXIST) {
			r = vu_err_set(e, errno, "%s: %s", p, strerror(errno));
		}
		if (s)
			*s = '/';
	}
	free(p);
	return r;
}

/* Removes dir and its parents up to first, the directories loc_mkdirs made. */
static void loc_rmdirs(const char *dir, const char *first)
{
	char *p = first ? strdup(dir) : NULL;
	size_t stop = first ? strlen(first) : 0;

	while (p && strlen(p) >= stop) {
		char *slash = strrchr(p, '/');

		if (rmdir(p) < 0 || !slash)
			break;
		*slash = '\0';
	}
	free(p);
}

/* Copies the tree's file into an unnamed file to appear as dir/name. */
static int loc_copy(struct tree_src *s, const char *path, const char *dir, const char *name,
		    struct vu_atomic *a, struct vu_err *e)
{
	char dest[PATH_MAX];
	struct tree_sink k = { .dest = dest, .max = TREE_MAX_BOOT_FILE };
	int r;

	snprintf(dest, sizeof(dest), "%s/%s", dir, name);
	r = vu_atomic_open(a, dest, 0644);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", dest, strerror(-r));
	k.fd = a->fd;
	r = src_fetch(s, path, &k, e);
	if (r == -ENOENT)
		r = vu_err_set(e, ENOENT, "%s: %s vanished from the install tree", s->where, path);
	return r;
}

static int loc_commit(struct vu_atomic *a, struct vu_err *e)
{
	char *path = strdup(a->path);
	int r = vu_atomic_commit(a, false, true);

	if (r < 0)
		vu_err_set(e, -r, "%s: %s", path ? path : "boot file", strerror(-r));
	free(path);
	return r;
}

static void loc_unlink_copies(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, LOC_KERNEL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, LOC_INITRD);
	unlink(path);
}

/* Both copies, named only when both are complete. */
static int loc_install(struct tree_src *s, const struct loc_found *f, const char *dir,
		       struct vu_err *e)
{
	struct vu_atomic kernel = { .fd = -1, .dirfd = -1 }, initrd = kernel;
	int r = loc_copy(s, f->kernel, dir, LOC_KERNEL, &kernel, e);

	if (r == 0)
		r = loc_copy(s, f->initrd, dir, LOC_INITRD, &initrd, e);
	if (r == 0)
		r = loc_commit(&kernel, e);
	if (r == 0) {
		r = loc_commit(&initrd, e);
		if (r < 0)
			loc_unlink_copies(dir);
	}
	vu_atomic_abort(&kernel);
	vu_atomic_abort(&initrd);
	return r;
}

/* distro and extra_args, from what the search found. */
static int loc_describe(struct install_media *out, const struct loc_found *f,
			const struct tree_src *s, const char *location)
{
	out->distro = f->distro ? strdup(f->distro) : NULL;
	if (f->distro && !out->distro)
		return -ENOMEM;
	/* A local directory or ISO is no path the guest could see: no
	 * argument; the caller attaches an ISO as the install CD-ROM. */
	if (s->kind == LOCATION_URL && f->url_arg &&
	    asprintf(&out->extra_args, "%s=%s", f->url_arg, location) < 0) {
		out->extra_args = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int loc_paths(struct install_media *out, const char *dir)
{
	char *abs = realpath(dir, NULL);

	if (!abs)
		return -errno;
	if (asprintf(&out->kernel, "%s/%s", abs, LOC_KERNEL) < 0)
		out->kernel = NULL;
	if (asprintf(&out->initrd, "%s/%s", abs, LOC_INITRD) < 0)
		out->initrd = NULL;
	free(abs);
	return out->kernel && out->initrd ? 0 : -ENOMEM;
}

/* Opens the tree and finds its files; on success the caller closes s and
 * clears ti and f. */
static int loc_find(const char *location, struct tree_src *s, struct treeinfo *ti,
		    struct loc_found *f, struct vu_err *e)
{
	int r = src_open(s, location, e);

	*ti = (struct treeinfo){ 0 };
	*f = (struct loc_found){ 0 };
	if (r < 0)
		return r;
	r = loc_treeinfo(s, ti, e);
	if (r == 0)
		r = loc_search(s, location, ti, f, e);
	if (r < 0) {
		treeinfo_clear(ti);
		src_close(s);
	}
	return r;
}

static void loc_found_clear(struct loc_found *f, struct treeinfo *ti, struct tree_src *s)
{
	free(f->distro);
	treeinfo_clear(ti);
	src_close(s);
}

int location_probe(const char *location, struct install_media *out, struct vu_err *e)
{
	struct tree_src s;
	struct treeinfo ti;
	struct loc_found f;
	int r;

	*out = (struct install_media){ 0 };
	vu_err_clear(e);
	r = loc_find(location, &s, &ti, &f, e);
	if (r < 0)
		return r;
	r = loc_describe(out, &f, &s, location);
	if (r < 0) {
		vu_err_set(e, -r, NULL);
		install_media_clear(out);
	}
	loc_found_clear(&f, &ti, &s);
	return r;
}

int location_fetch(const char *location, const char *destdir, struct install_media *out,
		   struct vu_err *e)
{
	struct tree_src s;
	struct treeinfo ti;
	struct loc_found f;
	char *first = NULL, *dir = strdup(destdir);
	size_t n = dir ? strlen(dir) : 0;
	int r;

	*out = (struct install_media){ 0 };
	vu_err_clear(e);
	if (!dir)
		return vu_err_set(e, ENOMEM, NULL);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	r = loc_find(location, &s, &ti, &f, e);
	if (r < 0) {
		free(dir);
		return r;
	}
	r = loc_mkdirs(dir, &first, e);
	if (r == 0)
		r = loc_install(&s, &f, dir, e);
	if (r == 0) {
		r = loc_paths(out, dir);
		if (r == 0)
			r = loc_describe(out, &f, &s, location);
		if (r < 0) {
			vu_err_set(e, -r, "%s: %s", dir, strerror(-r));
			loc_unlink_copies(dir);
			install_media_clear(out);
		}
	}
	if (r < 0)
		loc_rmdirs(dir, first);
	free(first);
	free(dir);
	loc_found_clear(&f, &ti, &s);
	return r;
}

void location_remove(const struct install_media *m)
{
	const char *slash = m->kernel ? strrchr(m->kernel, '/') : NULL;

	if (m->kernel)
		unlink(m->kernel);
	if (m->initrd)
		unlink(m->initrd);
	if (slash) {
		char *dir = strndup(m->kernel, (size_t)(slash - m->kernel));

		if (dir)
			rmdir(dir);
		free(dir);
	}
}

void install_media_clear(struct install_media *m)
{
	free(m->kernel);
	free(m->initrd);
	free(m->distro);
	free(m->extra_args);
	*m = (struct install_media){ 0 };
}
