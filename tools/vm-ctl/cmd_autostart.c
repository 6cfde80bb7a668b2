/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_autostart.c - vm-ctl autostart and start-all: the domains marked to
 * start at boot (ROOT/autostart/domains, as libvirt's links), and the
 * command contrib/vm-ctl.service runs to start them */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"

#include "vmctl.h"

int vc_cmd_autostart(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	bool on = !vc->set[O_DISABLE];
	struct vu_err e = { 0 };
	int r = vu_domaindb_autostart(vc_state(vc), name, on, &e);

	/* A transient domain has no definition to link to: virsh's words. */
	if (r == -ENOENT)
		vu_err_set(&e, EINVAL, "cannot set autostart for transient domain");
	if (r < 0)
		r = vc_fail(name, &e);
	else
		vc_say(vc, on ? "Domain '%s' marked as autostarted"
			      : "Domain '%s' unmarked as autostarted", name);
	free(name);
	return r;
}
