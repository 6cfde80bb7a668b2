/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_edit.c - vm-ctl edit: the definition in the user's editor, defined
 * again only when it changed and is valid (the old one stays otherwise);
 * a running domain goes on with the XML it was started with */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/edit.h"
#include "vu/file.h"

#include "vmctl.h"

/* Defines the edited file as define does; unchanged text is no change. */
static int apply(struct vm_ctl *vc, const char *path, bool changed, const char *name)
{
	struct vu_err e = { 0 };
	struct vu_domain *dom;
	char *newname = NULL;
	int r;

	if (!changed) {
		vc_say(vc, "Domain '%s' XML configuration not changed.", name);
		return VU_EXIT_OK;
	}
	if (vu_domain_load(&dom, path, &e) < 0)
		return vc_fail(name, &e);
	if (vu_domain_get_name(dom, &newname) < 0 || vu_name_check(newname) < 0) {
		vu_err_set(&e, EINVAL, "<name>: '%s' is not a valid domain name",
			   newname ? newname : "");
		r = vc_fail(name, &e);
	} else if (vc_complete_ids(vc, dom, newname, &e) < 0 ||
		   vu_domaindb_define(vc_state(vc), dom, VU_DOMAINDB_REPLACE, &e) < 0) {
		r = vc_fail(newname, &e);
	} else {
		vc_say(vc, "Domain '%s' XML configuration edited.", newname);
		r = VU_EXIT_OK;
	}
	free(newname);
	vu_domain_free(&dom);
	return r;
}

int vc_cmd_edit(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_domain *def = vc_load(vc, name, true);
	struct vu_err e = { 0 };
	char *xml = vu_domain_format(def), *path = NULL;
	bool changed = false;
	int r;

	if (!xml)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (vu_edit_text("vm-ctl", name, xml, &path, &changed, &e) < 0) {
		r = vc_fail(name, &e);
	} else {
		r = apply(vc, path, changed, name);
		unlink(path);
	}
	free(path);
	free(xml);
	vu_domain_free(&def);
	free(name);
	return r;
}
