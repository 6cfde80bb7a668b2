/* SPDX-License-Identifier: GPL-2.0-or-later */
/* start.c - vm-ctl start: a defined domain on QEMU, its install phase
 * first when vm-create recorded one (vu_install_start) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vu/base.h"
#include "vu/qemuinstall.h"
#include "vu/qemurun.h"

#include "vmctl.h"

int vc_cmd_start(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_qemurun_opts o = { .paused = vc->set[O_PAUSED], .runas = vc->arg[O_RUNAS] };
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_qemurun_active(vc_state(vc), name) == 1) {
		vu_err_set(&e, EEXIST, "domain is already active");
		r = vc_fail(name, &e);
	} else if (vu_install_start(vc_state(vc), name, &o, 0, NULL, NULL, &e) < 0) {
		r = vc_fail(name, &e);
	} else {
		vc_say(vc, "Domain '%s' started", name);
		/* virsh start --console: straight onto its serial console. */
		if (vc->set[O_CONSOLE])
			r = vc_console_attach(vc, name, false);
	}
	free(name);
	return r;
}
