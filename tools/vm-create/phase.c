/* SPDX-License-Identifier: GPL-2.0-or-later */
/* phase.c - vm-create's install phase: recorded under <metadata> in the
 * final document, and turned back into the document to install with.
 *
 *   <metadata>
 *     <install:install xmlns:install="https://virtutils.org/xmlns/install/1"
 *                      method="cdrom|location|pxe">
 *       <install:on_reboot>destroy</install:on_reboot>
 *       <install:boot dev="cdrom"/><install:boot dev="hd"/>
 *       <install:media target="hda" type="file" path="/srv/iso/x.iso"/>
 *       <install:kernel>ROOT/boot/NAME/vmlinuz</install:kernel>
 *       <install:initrd>ROOT/boot/NAME/initrd.img</install:initrd>
 *       <install:cmdline>ks=file:/ks.cfg</install:cmdline>
 *     </install:install>
 *   </metadata>
 *
 * The install document is the final one with each of these applied (boot
 * order, media inserted, direct kernel boot, on_reboot) and the record
 * removed: what virt-install's first phase defines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vm-create.h"

bool phase_has_install(const struct vmc *c)
{
	return c->cdrom || c->location || c->pxe;
}

bool phase_has_disk(const struct vmc *c)
{
	for (size_t i = 0; i < c->nplans; i++)
		if (!strcmp(c->plans[i].device, "disk"))
			return true;
	return false;
}

/* The record's elements are in its namespace: vu_node_insert gives a new
 * element its parent's, and appends it (the record has no order table). */
static int add_boot(xmlNodePtr rec, const char *dev)
{
	xmlNodePtr n;
	int r = vu_node_insert(rec, "boot", NULL, &n);

	return r < 0 ? r : vu_node_set(n, NULL, "dev", dev);
}

static bool has_media(const struct vmc *c)
{
	for (size_t i = 0; i < c->nplans; i++)
		if (c->plans[i].install_media)
			return true;
	return false;
}

/* The CD-ROM --cdrom (or an ISO --location) added: the drive with no
 * medium. */
static int add_media(const struct vmc *c, const struct vu_domain *dom, xmlNodePtr rec)
{
	const struct disk_plan *d = NULL;
	xmlNodePtr n, disk = NULL;
	struct vu_disk di;
	const char *attrs[] = { "target", NULL, "type", NULL, "path", NULL, NULL };

	for (size_t i = 0; i < c->nplans; i++)
		if (c->plans[i].install_media)
			d = &c->plans[i];
	while ((disk = vu_domain_dev_next(dom, "disk", disk))) {
		if (vu_disk_get(disk, &di) < 0)
			return -ENOMEM;
		bool empty = !strcmp(di.device, "cdrom") && !di.source;

		attrs[1] = di.target_dev;
		attrs[3] = d->type;
		attrs[5] = d->path;
		if (empty && vu_node_insert(rec, "media", NULL, &n) == 0 &&
		    vu_node_set_attrs(n, attrs) == 0) {
			vu_disk_clear(&di);
			return 0;
		}
		vu_disk_clear(&di);
	}
	return -ENOENT;
}

static int add_kernel(const struct vmc *c, xmlNodePtr rec)
{
	const char *extra = c->extra_args, *tree = c->media.extra_args;
	char *cmd = NULL;
	int r;

	/* virt-install writes the user's arguments first, then the tree's
	 * ("ks=file:/ks.cfg method=URL"). */
	if (extra && tree)
		r = asprintf(&cmd, "%s %s", extra, tree) < 0 ? -ENOMEM : 0;
	else
		r = (cmd = strdup(extra ? extra : tree ? tree : "")) ? 0 : -ENOMEM;
	if (r == 0)
		r = vu_node_insert(rec, "kernel", c->media.kernel, NULL);
	if (r == 0)
		r = vu_node_insert(rec, "initrd", c->media.initrd, NULL);
	if (r == 0 && *cmd)
		r = vu_node_insert(rec, "cmdline", cmd, NULL);
	free(cmd);
	return r;
}

int phase_record(struct vmc *c, struct vu_domain *dom, struct vu_err *e)
{
	const char *method = c->cdrom ? "cdrom" : c->location ? "location" : "pxe";
	xmlNodePtr rec;
	int r;

	if (!phase_has_install(c))
		return 0;
	r = vu_domain_set_metadata(dom, VMC_INSTALL_PREFIX, VMC_INSTALL_NS, "<install/>", e);
	if (r < 0)
		return r;
	rec = vu_domain_metadata_node(dom, VMC_INSTALL_NS);
	if (!rec || vu_node_set(rec, NULL, "method", method) < 0)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	r = vu_node_insert(rec, "on_reboot", "destroy", NULL);
	if (r == 0 && c->cdrom)
		r = add_boot(rec, "cdrom");
	if (r == 0 && c->pxe && !c->cdrom)
		r = add_boot(rec, "network");
	if (r == 0 && (phase_has_disk(c) || c->location))
		r = add_boot(rec, "hd");
	if (r == 0 && has_media(c))
		r = add_media(c, dom, rec);
	if (r == 0 && c->location)
		r = add_kernel(c, rec);
	return r < 0 ? vu_err_set(e, -r, "cannot record the install phase") : 0;
}

/* Applies one element of the record to the install document. */
static int apply(struct vu_domain *dom, xmlNodePtr n, const char **devs, size_t *ndevs,
		 char **kern)
{
	const char *name = (const char *)n->name;
	char *text;
	int r = vu_node_get(n, NULL, NULL, &text);

	if (r < 0)
		return r;
	if (!strcmp(name, "on_reboot")) {
		r = vu_domain_set_lifecycle(dom, "reboot", text);
	} else if (!strcmp(name, "boot") && *ndevs < VU_BOOT_MAX) {
		static const char *const known[] = { "hd", "cdrom", "network", "fd" };

		for (size_t i = 0; i < 4; i++)
			if (vu_node_value_is(n, NULL, "dev", known[i]))
				devs[(*ndevs)++] = known[i];
	} else if (!strcmp(name, "media")) {
		char *t, *type, *path;
		xmlNodePtr disk;

		vu_node_get(n, NULL, "target", &t);
		vu_node_get(n, NULL, "type", &type);
		vu_node_get(n, NULL, "path", &path);
		disk = t ? vu_domain_find_disk(dom, t) : NULL;
		r = disk && path ? vu_disk_set_source(disk, type, path) : -EINVAL;
		free(t), free(type), free(path);
	} else {
		for (int i = 0; i < 3; i++)
			if (!strcmp(name, (const char *[]){ "kernel", "initrd", "cmdline" }[i])) {
				free(kern[i]);
				kern[i] = strdup(text ? text : "");
			}
	}
	free(text);
	return r;
}

int phase_install_doc(const struct vu_domain *final, struct vu_domain **out,
		      struct vu_err *e)
{
	const char *devs[VU_BOOT_MAX];
	char *kern[3] = { NULL, NULL, NULL }, *xml;
	size_t ndevs = 0;
	xmlNodePtr rec;
	int r;

	*out = NULL;
	if (!vu_domain_metadata_node(final, VMC_INSTALL_NS))
		return 0;
	if (!(xml = vu_domain_format(final)))
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	r = vu_domain_parse(out, xml, strlen(xml), e);
	free(xml);
	if (r < 0)
		return r;
	rec = vu_domain_metadata_node(*out, VMC_INSTALL_NS);
	for (xmlNodePtr n = vu_node_child(rec, NULL); n && r == 0; n = vu_node_next(n, NULL))
		r = apply(*out, n, devs, &ndevs, kern);
	if (r == 0 && ndevs && vu_domain_find(*out, "os/boot"))
		r = vu_domain_set_boot_devs(*out, devs, ndevs);
	if (r == 0 && kern[0])
		r = vu_domain_set_kernel(*out, kern[0], kern[1], kern[2]);
	if (r == 0)
		r = vu_domain_set_metadata(*out, NULL, VMC_INSTALL_NS, NULL, e);
	for (int i = 0; i < 3; i++)
		free(kern[i]);
	if (r < 0) {
		vu_domain_free(out);
		return e && e->code ? r : vu_err_set(e, -r, "cannot make the install phase");
	}
	return 0;
}
