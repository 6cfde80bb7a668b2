/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.c - net-ctl edit: the definition in the user's editor, checked and
 * defined only when it changed and is valid (the old one stays otherwise) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/edit.h"
#include "vu/networkdb.h"

#include "netctl.h"

/* Defines the edited file; unchanged text is no change. */
static int apply(struct net_ctl *nc, const char *path, bool changed, const char *name)
{
	struct vu_err e = { 0 };
	struct vu_network *net;
	char *newname = NULL;
	int r;

	if (!changed) {
		vu_say(nc->quiet, "Network %s XML configuration not changed.", name);
		return VU_EXIT_OK;
	}
	if (vu_network_load(&net, path, &e) < 0)
		return vu_fail(path, &e);
	r = vu_networkdb_define(nc_state(nc), net, &e);
	if (r == 0 && vu_network_get_name(net, &newname) < 0)
		newname = NULL;
	vu_network_free(&net);
	if (r < 0)
		return vu_fail(name, &e);
	vu_say(nc->quiet, "Network %s XML configuration edited.", newname ? newname : name);
	free(newname);
	return VU_EXIT_OK;
}

int nc_cmd_edit(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct vu_network *def = NULL;
	struct vu_err e = { 0 };
	char *xml = NULL, *path = NULL;
	bool changed = false;
	int r;

	if (vu_networkdb_load(nc_state(nc), name, &def, &e) < 0) {
		r = vu_fail(name, &e);
	} else if (!(xml = vu_network_format(def))) {
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	} else if (vu_edit_text("net-ctl", name, xml, &path, &changed, &e) < 0) {
		r = vu_fail(name, &e);
	} else {
		r = apply(nc, path, changed, name);
		unlink(path);
	}
	free(path);
	free(xml);
	vu_network_free(&def);
	free(name);
	return r;
}
