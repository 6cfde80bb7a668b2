/* SPDX-License-Identifier: GPL-2.0-or-later */
/* phase.c - vm-create's install phase: what --cdrom, --location and --pxe
 * change while installing, recorded in the final document by libshared
 * (vu_domain_set_install) for vm-ctl to run, and printed by --print-xml 1
 * (vu_domain_install_phase). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The CD-ROM --cdrom (or an ISO --location) added: it holds the medium
 * while installing (the first empty drive, which is that one). */
static void add_media(const struct vmc *c, struct vu_install_spec *in)
{
	for (size_t i = 0; i < c->nplans; i++)
		if (c->plans[i].install_media) {
			in->media_type = c->plans[i].type;
			in->media_path = c->plans[i].path;
		}
}

/* virt-install boots the medium first, then the disk (also after a
 * --location kernel, whose installer reboots into it). */
static void add_boot(const struct vmc *c, struct vu_install_spec *in)
{
	if (c->cdrom)
		in->boot[in->nboot++] = "cdrom";
	if (c->pxe && !c->cdrom)
		in->boot[in->nboot++] = "network";
	if (phase_has_disk(c) || c->location)
		in->boot[in->nboot++] = "hd";
}

int phase_record(struct vmc *c, struct vu_domain *dom, struct vu_err *e)
{
	struct vu_install_spec in = {
		.method = c->cdrom ? "cdrom" : c->location ? "location" : "pxe",
		.on_reboot = "destroy",
	};
	const char *extra = c->extra_args, *tree = c->media.extra_args;
	char *cmd = NULL;
	int r;

	if (!phase_has_install(c))
		return 0;
	add_boot(c, &in);
	add_media(c, &in);
	if (c->location) {
		/* virt-install writes the user's arguments first, then the
		 * tree's ("ks=file:/ks.cfg method=URL"). */
		if (extra && tree)
			cmd = asprintf(&cmd, "%s %s", extra, tree) < 0 ? NULL : cmd;
		else
			cmd = strdup(extra ? extra : tree ? tree : "");
		if (!cmd)
			return vu_err_set(e, ENOMEM, "cannot record the install phase");
		in.kernel = c->media.kernel;
		in.initrd = c->media.initrd;
		in.cmdline = cmd;
	}
	r = vu_domain_set_install(dom, &in, e);
	free(cmd);
	return r;
}
