/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_setmem.c - vm-ctl setmem: the balloon target (<currentMemory>) of a
 * running guest over QMP (balloon), and/or of its definition, as virsh
 * setmem --live / --config / --current */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/size.h"

#include "vmctl.h"

/* virsh's checks, against the <memory> and <memballoon> of dom. */
static int check(const struct vu_domain *dom, uint64_t kib, bool live, struct vu_err *e)
{
	xmlNodePtr b = vu_domain_dev_next(dom, "memballoon", NULL);
	uint64_t max;

	if (vu_domain_get_memory(dom, VU_MEMORY, &max) == 0 && kib > max)
		return vu_err_set(e, EINVAL, "cannot set memory higher than max memory");
	if (live && b && vu_node_value_is(b, NULL, "model", "none"))
		return vu_err_set(e, EINVAL, "Unable to change memory of active domain without "
				  "the balloon device and guest OS balloon driver");
	return 0;
}

static int set_live(struct vm_ctl *vc, const char *name, uint64_t kib, struct vu_err *e)
{
	struct vu_domain *dom = NULL;
	struct vu_qmp *q = NULL;
	json_object *args;
	int r;

	if ((r = vu_qemurun_live_xml(vc_state(vc), name, &dom, e)) < 0 ||
	    (r = check(dom, kib, true, e)) < 0 || (r = vu_qemurun_qmp(vc_state(vc), name, &q, e)) < 0)
		goto out;
	if (!(args = json_object_new_object()) ||
	    json_object_object_add(args, "value", json_object_new_int64((int64_t)(kib * 1024))) < 0) {
		json_object_put(args);
		r = vu_err_set(e, ENOMEM, "cannot allocate memory");
		goto out;
	}
	if ((r = vu_qmp_cmd(q, "balloon", args, NULL, 10000, e)) == 0 &&
	    (r = vu_domain_set_memory(dom, VU_MEMORY_CURRENT, kib)) == 0)
		r = vu_qemurun_update_live(vc_state(vc), name, dom, e);
	if (r == -ENOMEM)
		vu_err_set(e, ENOMEM, "cannot allocate memory");
out:
	vu_qmp_close(&q);
	vu_domain_free(&dom);
	return r;
}

static int set_config(struct vm_ctl *vc, const char *name, uint64_t kib, struct vu_err *e)
{
	struct vu_domain *dom = NULL;
	int r;

	if ((r = vu_domaindb_load(vc_state(vc), name, &dom, e)) == 0 &&
	    (r = check(dom, kib, false, e)) == 0) {
		if (vu_domain_set_memory(dom, VU_MEMORY_CURRENT, kib) < 0)
			r = vu_err_set(e, ENOMEM, "cannot allocate memory");
		else
			r = vu_domaindb_define(vc_state(vc), dom, VU_DOMAINDB_REPLACE, e);
	}
	vu_domain_free(&dom);
	return r;
}

/* The size operand (or --size), after the domain's unless --domain:
 * virsh's scaled integer, KiB by default, rounded up to whole KiB. */
static uint64_t size_arg(struct vm_ctl *vc, int argc, char **argv)
{
	int at = vc->set[O_DOMAIN] ? 0 : 1, nargs = at + !vc->set[O_SIZE];
	const char *s = vc->set[O_SIZE] ? vc->arg[O_SIZE] : argc > at ? argv[at] : NULL;
	uint64_t bytes;

	if (!s)
		vc_die_usage("setmem: missing memory size");
	if (argc > nargs)
		vc_die_usage("setmem: unexpected argument '%s'", argv[nargs]);
	if (vu_parse_size(s, VU_SIZE_VIRSH, 1024, &bytes) < 0 || bytes == 0)
		vc_die_usage("setmem: invalid memory size '%s'", s);
	return bytes / 1024 + (bytes % 1024 != 0);
}

int vc_cmd_setmem(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	const char *ref = vc_dom_ref(vc, vc->set[O_DOMAIN] ? 0 : argc, argv);
	uint64_t kib = size_arg(vc, argc, argv);
	char *name = vc_lookup(vc, ref);
	bool running = vu_qemurun_active(vc_state(vc), name) == 1;
	bool live = vc->set[O_LIVE], config = vc->set[O_CONFIG];
	struct vu_err e = { 0 };
	int r = 0;

	if (!live && !config) {
		live = running;
		config = !running;
	}
	if (live && !running)
		r = vu_err_set(&e, EINVAL, "domain is not running");
	if (r == 0 && live)
		r = set_live(vc, name, kib, &e);
	if (r == 0 && config)
		r = set_config(vc, name, kib, &e);
	r = r < 0 ? vc_fail(name, &e) : VU_EXIT_OK;
	free(name);
	return r;
}
