/* SPDX-License-Identifier: GPL-2.0-or-later */
/* disks.c - which of a domain's disks a clone copies, and the names
 * virt-clone makes up for the clone and its disks */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"
#include "vu/err.h"

#include "vm-clone.h"

/* virt-clone keeps an extension of at most this many characters. */
#define EXT_MAX 7

static char *xstrdup0(const char *s)
{
	return strdup(s ? s : "");
}

/* virt-clone's rules (virtinst/cloner.py _get_shareable_msg): what the
 * clone uses as it is. A CD-ROM is read-only whatever the XML says
 * (virt-install writes <readonly/> for it, libvirt's QEMU driver
 * enforces it); a network disk has no file here to copy. */
static const char *share_reason(const struct vu_disk *d, xmlNodePtr node)
{
	char *sb = NULL;
	bool share_backing;

	if (d->type && strcmp(d->type, "network") == 0)
		return "a network disk";
	if (d->type && strcmp(d->type, "volume") == 0 && !d->source)
		return "a pool volume that is not there";
	if (!d->source)
		return "no storage to clone";
	if (d->readonly)
		return "read only";
	vu_node_get(node, "transient", "shareBacking", &sb);
	share_backing = sb && strcmp(sb, "yes") == 0;
	free(sb);
	if (d->shareable || share_backing)
		return "marked as shareable";
	if (d->device && strcmp(d->device, "cdrom") == 0)
		return "a CD-ROM";
	if (d->type && strcmp(d->type, "dir") == 0)
		return "a directory";
	return NULL;
}

int vc_disks_read(struct vu_domain *dom, struct vc_disks *ds)
{
	size_t n = vu_domain_dev_count(dom, "disk"), i = 0;
	xmlNodePtr node = NULL;

	*ds = (struct vc_disks){ 0 };
	if (n && !(ds->d = calloc(n, sizeof(*ds->d))))
		return -ENOMEM;
	while ((node = vu_domain_dev_next(dom, "disk", node)) && i < n) {
		struct vc_disk *c = &ds->d[i++];
		struct vu_disk d;
		bool had_src;

		ds->n = i;
		c->node = node;
		if (vu_disk_get(node, &d) < 0)
			memset(&d, 0, sizeof(d));
		c->target = xstrdup0(d.target_dev);
		c->type = xstrdup0(d.type ? d.type : "file");
		c->device = xstrdup0(d.device ? d.device : "disk");
		c->src = d.source ? strdup(d.source) : NULL;
		c->fmt = xstrdup0(d.driver_type ? d.driver_type : "raw");
		c->why = share_reason(&d, node);
		c->action = c->why ? VC_SHARE : VC_COPY;
		had_src = d.source != NULL;
		vu_disk_clear(&d);
		if (!c->target || !c->type || !c->device || !c->fmt || (had_src && !c->src))
			return -ENOMEM;
	}
	return 0;
}

void vc_disks_free(struct vc_disks *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		struct vc_disk *c = &ds->d[i];

		free(c->target);
		free(c->type);
		free(c->device);
		free(c->src);
		free(c->fmt);
		free(c->dst);
	}
	free(ds->d);
	*ds = (struct vc_disks){ 0 };
}

static struct vc_disk *find(struct vc_disks *ds, const char *target)
{
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->d[i].target, target) == 0)
			return &ds->d[i];
	return NULL;
}

int vc_disks_choose(struct vc_disks *ds, char *const *force, char *const *skip,
		    struct vu_err *e)
{
	for (; force && *force; force++) {
		struct vc_disk *c = find(ds, *force);

		if (!c)
			return vu_err_set(e, EINVAL, "--force-copy: no disk with target '%s'",
					  *force);
		if (strcmp(c->type, "network") == 0)
			return vu_err_set(e, EINVAL, "%s: disk network type is not cloneable",
					  *force);
		if (!c->src || strcmp(c->type, "dir") == 0)
			return vu_err_set(e, EINVAL, "%s: no storage to clone", *force);
		c->action = VC_COPY;
		c->why = NULL;
	}
	for (; skip && *skip; skip++) {
		struct vc_disk *c = find(ds, *skip);

		if (!c)
			return vu_err_set(e, EINVAL, "--skip-copy: no disk with target '%s'",
					  *skip);
		c->action = VC_SHARE;
		c->why = "--skip-copy";
	}
	return 0;
}

bool vc_disks_copying(const struct vc_disks *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->d[i].action == VC_COPY || ds->d[i].action == VC_LINK)
			return true;
	return false;
}

size_t vc_disks_cloned(const struct vc_disks *ds)
{
	size_t k = 0;

	for (size_t i = 0; i < ds->n; i++)
		k += ds->d[i].action != VC_SHARE;
	return k;
}

/* Where "-clone[1-9]*" ends base, as virt-clone's regex finds it: the
 * length of what comes before, and the number after (0: none). */
static size_t clone_suffix(const char *base, unsigned *num, bool *found)
{
	size_t len = strlen(base);
	const char *p = base + len;

	while (p > base && p[-1] >= '1' && p[-1] <= '9')
		p--;
	*found = (size_t)(p - base) >= 6 && memcmp(p - 6, "-clone", 6) == 0;
	*num = *found && *p ? (unsigned)strtoul(p, NULL, 10) : 0;
	return *found ? (size_t)(p - base) - 6 : len;
}

char *vc_clone_name(const char *base, unsigned n)
{
	unsigned num;
	bool found;
	size_t keep = clone_suffix(base, &num, &found);
	char *out;
	int r;

	/* "web" -> web-clone, web-clone1, ...; "web-clone3" -> web-clone4, ... */
	if (!found && n == 0)
		r = asprintf(&out, "%.*s-clone", (int)keep, base);
	else
		r = asprintf(&out, "%.*s-clone%u", (int)keep, base,
			     found ? num + 1 + n : n);
	return r < 0 ? NULL : out;
}

char *vc_clone_path(const char *orig, const char *oldname, const char *newname, unsigned n)
{
	const char *slash = strrchr(orig, '/');
	const char *file = slash ? slash + 1 : orig;
	const char *dot = strrchr(file, '.');
	size_t dirlen = (size_t)(file - orig), stemlen;
	char num[16] = "", *out;

	if (!dot || dot == file || strlen(dot + 1) > EXT_MAX)
		dot = file + strlen(file);
	stemlen = (size_t)(dot - file);
	if (n)
		snprintf(num, sizeof(num), "-%u", n);
	if (oldname && strlen(oldname) == stemlen && memcmp(file, oldname, stemlen) == 0)
		return asprintf(&out, "%.*s%s%s%s", (int)dirlen, orig, newname, num, dot) < 0
			       ? NULL : out;
	return asprintf(&out, "%.*s%.*s-clone%s%s", (int)dirlen, orig, (int)stemlen, file, num,
			dot) < 0 ? NULL : out;
}

int vc_disk_set_volume(struct vc_disk *c, const char *path, const char *fmt)
{
	struct vu_disk d;
	char *src = strdup(path), *f = NULL;
	bool typed;

	if (!src || vu_disk_get(c->node, &d) < 0) {
		free(src);
		return -ENOMEM;
	}
	typed = d.driver_type != NULL;
	if (!typed && fmt && !(f = strdup(fmt))) {
		vu_disk_clear(&d);
		free(src);
		return -ENOMEM;
	}
	free(c->src);
	c->src = src;
	if (f) {
		free(c->fmt);
		c->fmt = f;
	}
	d.source = src;		/* borrowed for the rules, not freed below */
	c->why = share_reason(&d, c->node);
	c->action = c->why ? VC_SHARE : VC_COPY;
	d.source = NULL;
	vu_disk_clear(&d);
	return 0;
}
