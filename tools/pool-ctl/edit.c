/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.c - pool-ctl edit: the definition in the user's editor, checked and
 * defined only when it changed and is valid (the old one stays otherwise) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/edit.h"
#include "vu/poolxml.h"

#include "pool-ctl.h"

/* Defines the edited file; unchanged text is no change. */
static int apply(struct pool_ctl *pc, const char *path, bool changed,
		 const struct vu_pool *p)
{
	struct vu_err e = { 0 };
	struct vu_pool *np;
	struct vu_poolxml *doc;
	int r;

	if (!changed) {
		vu_say(pc->quiet, "Pool %s XML configuration not changed.", p->name);
		return VU_EXIT_OK;
	}
	if (vu_poolxml_load(&doc, path, &e) < 0)
		return vu_fail(path, &e);
	r = vu_pool_define(pc_storage(pc), doc, &np, &e);
	vu_poolxml_free(&doc);
	if (r < 0)
		return vu_fail(p->name, &e);
	vu_say(pc->quiet, "Pool %s XML configuration edited.", np->name);
	vu_pool_free(&np);
	return VU_EXIT_OK;
}

int cmd_edit(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *ref = pc->set[O_POOL] ? pc->arg[O_POOL] : argc ? argv[0] : NULL;
	struct vu_err e = { 0 };
	struct vu_pool *p;
	char *xml, *path = NULL;
	bool changed = false;
	int r;

	if (!ref)
		vu_die_usage(VU_EXIT_USAGE, "edit: missing pool name");
	p = pc_pool(pc, ref);
	if (!(xml = vu_pool_xml(pc_storage(pc), p, true, &e))) {
		r = vu_fail(p->name, &e);
	} else if (vu_edit_text("pool-ctl", p->name, xml, &path, &changed, &e) < 0) {
		r = vu_fail(p->name, &e);
	} else {
		r = apply(pc, path, changed, p);
		unlink(path);
	}
	free(path);
	free(xml);
	vu_pool_free(&p);
	return r;
}
