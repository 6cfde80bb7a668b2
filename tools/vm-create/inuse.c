/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inuse.c - vm-create's --check, and virt-install's path_in_use check: a
 * disk another defined domain uses is refused unless both may share it */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/subopt.h"

#include "vm-create.h"

/* virt-install's checks; only path_in_use (or all) changes anything here. */
const char *const check_keys[] = { "path_in_use", "disk_size", "path_exists", "mac_in_use",
				   "all", NULL };

void check_parse(struct vmc *c, const char *arg)
{
	struct vu_subopts s;
	struct vu_err e = { 0 };
	bool on;

	if (vu_subopt_parse(arg, check_keys, false, &s, &e) < 0)
		vmc_usage(c, "--check", "%s", vu_err_str(&e));
	for (size_t i = 0; i < s.n; i++) {
		if (vu_subopt_bool(s.v[i].val, &on) < 0)
			vmc_usage(c, "--check", "bad value '%s' for '%s'", s.v[i].val, s.v[i].key);
		if (!strcmp(s.v[i].key, "path_in_use") || !strcmp(s.v[i].key, "all"))
			c->skip_path_in_use = !on;
	}
	vu_subopt_free(&s);
}

/* The same file: the same name, or the same inode under another one. */
static bool same_file(const char *a, const struct stat *as, const char *b)
{
	struct stat bs;

	if (!strcmp(a, b))
		return true;
	return as && stat(b, &bs) == 0 && as->st_dev == bs.st_dev && as->st_ino == bs.st_ino;
}

/*
 * Whether dom uses d's path in a way that conflicts, as virtinst's
 * DeviceDisk.path_in_use_by decides: a disk of the same file, unless both
 * are shareable or both read-only; a writable disk also conflicts with
 * the domain's kernel, initrd or device tree. (Pool volume disks of other
 * domains are not resolved to their files.)
 */
static bool uses(const struct vu_domain *dom, const struct disk_plan *d, const struct stat *st)
{
	static const char *const boot_files[] = { "os/kernel", "os/initrd", "os/dtb" };
	bool hit = false;

	for (size_t i = 0; !d->readonly && !hit && i < 3; i++) {
		char *f = NULL;

		hit = vu_domain_get(dom, boot_files[i], NULL, &f) == 0 && same_file(d->path, st, f);
		free(f);
	}
	for (xmlNodePtr n = vu_domain_dev_next(dom, "disk", NULL); n && !hit;
	     n = vu_domain_dev_next(dom, "disk", n)) {
		struct vu_disk o;

		if (vu_disk_get(n, &o) < 0)
			continue;
		hit = o.source && same_file(d->path, st, o.source) &&
		      !(d->shareable && o.shareable) && !(d->readonly && o.readonly);
		vu_disk_clear(&o);
	}
	return hit;
}

/* names: "['a', 'b']" as virt-install prints a Python list. */
static int add_name(char **names, const char *name)
{
	char *n;
	int r = *names ? asprintf(&n, "%.*s, '%s']", (int)strlen(*names) - 1, *names, name) :
		asprintf(&n, "['%s']", name);

	if (r < 0)
		return -ENOMEM;
	free(*names);
	*names = n;
	return 0;
}

/* Loads every defined domain once; a file that cannot be read is said
 * and skipped, as when names are scanned. */
static struct vu_domain **load_all(struct vmc *c, size_t *n)
{
	struct vu_domain **doms;
	char **names;
	int r = vu_domaindb_list(&c->st, &names, n);

	if (r < 0)
		vmc_fail(c, c->st.root, "cannot list the domains: %s", strerror(-r));
	if (!(doms = calloc(*n + 1, sizeof(*doms))))
		vmc_fail(c, "vm-create", "cannot allocate memory");
	for (size_t i = 0; i < *n; i++) {
		struct vu_err e = { 0 };

		if (vu_domaindb_load(&c->st, names[i], &doms[i], &e) < 0 && !c->quiet)
			vu_warnx("%s: skipped: %s", names[i], vu_err_str(&e));
	}
	vu_domaindb_names_free(names);
	return doms;
}

static void check_disk(struct vmc *c, const struct disk_plan *d, struct vu_domain **doms,
		       size_t n)
{
	struct stat sb;
	char *names = NULL, *name;
	bool there = stat(d->path, &sb) == 0;

	for (size_t i = 0; i < n; i++) {
		if (!doms[i] || !uses(doms[i], d, there ? &sb : NULL))
			continue;
		if (vu_domain_get_name(doms[i], &name) < 0 || add_name(&names, name) < 0)
			vmc_fail(c, "vm-create", "cannot allocate memory");
		free(name);
	}
	if (names && !c->skip_path_in_use)
		vmc_fail(c, "--disk", "Disk %s is already in use by other guests %s. (Use --check "
			 "path_in_use=off or --check all=off to override)", d->path, names);
	if (names && !c->quiet)
		vu_warnx("--disk: Disk %s is already in use by other guests %s.", d->path, names);
	free(names);
}

void disks_check_in_use(struct vmc *c)
{
	struct vu_domain **doms;
	struct stat sb;
	char *dir = vu_state_path(&c->st, "domains", NULL);
	bool none;
	size_t n;

	if (!dir)
		vmc_fail(c, "vm-create", "cannot allocate memory");
	/* A root never used has no domains, and a dry run must not make one. */
	none = stat(dir, &sb) < 0 || !c->nplans;
	free(dir);
	if (none)
		return;
	doms = load_all(c, &n);
	for (size_t i = 0; i < c->nplans; i++)
		if (c->plans[i].path)
			check_disk(c, &c->plans[i], doms, n);
	for (size_t i = 0; i < n; i++)
		vu_domain_free(&doms[i]);
	free(doms);
}
