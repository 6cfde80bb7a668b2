/* SPDX-License-Identifier: GPL-2.0-or-later */
/* start.c - vm-ctl start: a defined domain on QEMU (vu_qemurun_start) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vu/base.h"
#include "vu/domaindb.h"
#include "vu/qemurun.h"

#include "vmctl.h"

int vc_cmd_start(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_qemurun_opts o = { .paused = vc->set[O_PAUSED], .runas = vc->arg[O_RUNAS] };
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_qemurun_active(vc_state(vc), name) == 1) {
		vu_err_set(&e, EEXIST, "domain is already active");
		r = vc_fail(name, &e);
	} else if (vu_domaindb_load(vc_state(vc), name, &dom, &e) < 0 ||
		   vu_qemurun_start(vc_state(vc), dom, &o, NULL, &e) < 0) {
		r = vc_fail(name, &e);
	} else {
		vc_say(vc, "Domain '%s' started", name);
	}
	vu_domain_free(&dom);
	free(name);
	return r;
}
