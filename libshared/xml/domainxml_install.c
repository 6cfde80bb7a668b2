/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_install.c - the install phase, recorded under <metadata> in the
 * final document and turned back into the document to install with
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
 * vm-create writes it; vm-ctl runs the install phase first. The install
 * document is the final one with each of these applied (boot order, media
 * inserted, direct kernel boot, on_reboot) and the record removed: what
 * virt-install's first phase defines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/domainxml.h"
#include "vu/strutil.h"

#include "domainxml_priv.h"

/* ---- writing ---- */

/* The record's elements are in its namespace: vu_node_insert gives a new
 * element its parent's, and appends it (the record has no order table). */
static int add_boot(xmlNodePtr rec, const char *dev)
{
	xmlNodePtr n;
	int r = vu_node_insert(rec, "boot", NULL, &n);

	return r < 0 ? r : vu_node_set(n, NULL, "dev", dev);
}

/* The drive the medium goes in: the one named, else the first CD-ROM
 * without one. */
static int media_target(const struct vu_domain *dom, const char *want, char **out)
{
	xmlNodePtr disk = NULL;
	struct vu_disk di;

	*out = NULL;
	if (want)
		return (*out = strdup(want)) ? 0 : -ENOMEM;
	while ((disk = vu_domain_dev_next(dom, "disk", disk))) {
		if (vu_disk_get(disk, &di) < 0)
			return -ENOMEM;
		if (!strcmp(di.device, "cdrom") && !di.source) {
			*out = di.target_dev;
			di.target_dev = NULL;
		}
		vu_disk_clear(&di);
		if (*out)
			return 0;
	}
	return -ENOENT;
}

static int add_media(const struct vu_domain *dom, const struct vu_install_spec *in,
		     xmlNodePtr rec)
{
	const char *attrs[] = { "target", NULL, "type", in->media_type, "path", in->media_path,
				NULL };
	char *target;
	xmlNodePtr n;
	int r = media_target(dom, in->media_target, &target);

	attrs[1] = target;
	if (r == 0)
		r = vu_node_insert(rec, "media", NULL, &n);
	if (r == 0)
		r = vu_node_set_attrs(n, attrs);
	free(target);
	return r;
}

static int add_elements(const struct vu_domain *dom, const struct vu_install_spec *in,
			xmlNodePtr rec)
{
	int r = vu_node_insert(rec, "on_reboot", in->on_reboot ? in->on_reboot : "destroy",
			       NULL);

	for (size_t i = 0; r == 0 && i < in->nboot && i < VU_BOOT_MAX; i++)
		r = add_boot(rec, in->boot[i]);
	if (r == 0 && in->media_path)
		r = add_media(dom, in, rec);
	if (r == 0 && in->kernel)
		r = vu_node_insert(rec, "kernel", in->kernel, NULL);
	if (r == 0 && in->kernel && in->initrd)
		r = vu_node_insert(rec, "initrd", in->initrd, NULL);
	if (r == 0 && in->kernel && in->cmdline && *in->cmdline)
		r = vu_node_insert(rec, "cmdline", in->cmdline, NULL);
	return r;
}

int vu_domain_set_install(struct vu_domain *dom, const struct vu_install_spec *in,
			  struct vu_err *e)
{
	xmlNodePtr rec;
	int r;

	if (!in || !in->method)
		return vu_err_set(e, EINVAL, "the install phase needs a method");
	r = vu_domain_set_metadata(dom, VU_INSTALL_PREFIX, VU_INSTALL_NS, "<install/>", e);
	if (r < 0)
		return r;
	rec = vu_domain_metadata_node(dom, VU_INSTALL_NS);
	if (!rec || vu_node_set(rec, NULL, "method", in->method) < 0)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	r = add_elements(dom, in, rec);
	return r < 0 ? vu_err_set(e, -r, "cannot record the install phase") : 0;
}

/* ---- reading ---- */

void vu_install_clear(struct vu_install *in)
{
	char **s[] = { &in->method, &in->on_reboot, &in->media_target, &in->media_type,
		       &in->media_path, &in->kernel, &in->initrd, &in->cmdline };

	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
	in->nboot = 0;
}

/* The element's text into *slot, replacing an earlier one's: the last of
 * each wins. An empty element is "". */
static int take_text(xmlNodePtr n, char **slot)
{
	char *text;
	int r = vu_node_get(n, NULL, NULL, &text);

	if (r < 0)
		return r;
	free(*slot);
	*slot = text;
	return 0;
}

static void take_boot(xmlNodePtr n, struct vu_install *in)
{
	static const char *const known[] = { "hd", "cdrom", "network", "fd" };

	for (size_t i = 0; i < ARRAY_SIZE(known) && in->nboot < VU_BOOT_MAX; i++)
		if (vu_node_value_is(n, NULL, "dev", known[i]))
			in->boot[in->nboot++] = known[i];
}

/* A medium names its drive and its file: -EINVAL without them. */
static int take_media(xmlNodePtr n, struct vu_install *in)
{
	char *v[3] = { NULL, NULL, NULL };
	char **slot[3] = { &in->media_target, &in->media_type, &in->media_path };
	static const char *const attrs[] = { "target", "type", "path" };
	int r = 0;

	for (size_t i = 0; i < 3 && (r == 0 || r == -ENOENT); i++)
		r = vu_node_get(n, NULL, attrs[i], &v[i]);
	if (r == 0 || r == -ENOENT)
		r = v[0] && v[2] ? 0 : -EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (r == 0) {
			free(*slot[i]);
			*slot[i] = v[i];
		} else {
			free(v[i]);
		}
	}
	return r;
}

static int take(xmlNodePtr n, struct vu_install *in)
{
	static const char *const texts[] = { "on_reboot", "kernel", "initrd", "cmdline" };
	char **slots[] = { &in->on_reboot, &in->kernel, &in->initrd, &in->cmdline };
	const char *name = (const char *)n->name;
	int i = vu_word_index(name, texts, ARRAY_SIZE(texts));

	if (!strcmp(name, "boot")) {
		take_boot(n, in);
		return 0;
	}
	if (!strcmp(name, "media"))
		return take_media(n, in);
	return i < 0 ? 0 : take_text(n, slots[i]);	/* a later version's element */
}

int vu_domain_get_install(const struct vu_domain *dom, struct vu_install *out)
{
	xmlNodePtr rec = vu_domain_metadata_node(dom, VU_INSTALL_NS);
	int r;

	memset(out, 0, sizeof(*out));
	if (!rec)
		return -ENOENT;
	r = vu_node_get(rec, NULL, "method", &out->method);
	if (r == -ENOENT)
		r = 0;
	for (xmlNodePtr n = vu_node_child(rec, NULL); n && r == 0; n = vu_node_next(n, NULL))
		r = take(n, out);
	if (r < 0)
		vu_install_clear(out);
	return r;
}

/* ---- the install document ---- */

static int apply(struct vu_domain *dom, const struct vu_install *in)
{
	int r = 0;

	if (in->on_reboot)
		r = vu_domain_set_lifecycle(dom, "reboot", in->on_reboot);
	if (r == 0 && in->media_path) {
		xmlNodePtr disk = vu_domain_find_disk(dom, in->media_target);

		r = disk ? vu_disk_set_source(disk, in->media_type, in->media_path) : -EINVAL;
	}
	/* The boot order replaces <os><boot> only: a device's <boot order>
	 * (which removed it) stays as the user gave it. */
	if (r == 0 && in->nboot && vu_domain_find(dom, "os/boot"))
		r = vu_domain_set_boot_devs(dom, in->boot, in->nboot);
	if (r == 0 && in->kernel)
		r = vu_domain_set_kernel(dom, in->kernel, in->initrd, in->cmdline);
	return r;
}

/* A copy of dom through its text, as a new document owns its tree. */
static int copy_domain(const struct vu_domain *dom, struct vu_domain **out, struct vu_err *e)
{
	char *xml = vu_domain_format(dom);
	int r;

	if (!xml)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	r = vu_domain_parse(out, xml, strlen(xml), e);
	free(xml);
	return r;
}

int vu_domain_install_phase(const struct vu_domain *final, struct vu_domain **out,
			    struct vu_err *e)
{
	struct vu_install in;
	int r;

	*out = NULL;
	if (!vu_domain_metadata_node(final, VU_INSTALL_NS))
		return 0;
	if ((r = copy_domain(final, out, e)) < 0)
		return r;
	r = vu_domain_get_install(*out, &in);
	if (r == 0)
		r = apply(*out, &in);
	if (r == 0)
		r = vu_domain_set_metadata(*out, NULL, VU_INSTALL_NS, NULL, e);
	vu_install_clear(&in);
	if (r < 0) {
		vu_domain_free(out);
		return e && e->code ? r : vu_err_set(e, -r, "cannot make the install phase");
	}
	return 0;
}
