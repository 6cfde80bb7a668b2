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
#include "vu/qemuinstall.h"

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

/* Starts one marked domain as `vm-ctl start` does (its install phase
 * first, when it has one). */
static int start_one(struct vm_ctl *vc, const char *name)
{
	struct vu_qemurun_opts opts = { 0 };
	struct vu_err e = { 0 };

	if (vu_install_start(vc_state(vc), name, &opts, 0, NULL, NULL, &e) < 0)
		return vc_fail(name, &e);
	vc_say(vc, "Domain '%s' started", name);
	return VU_EXIT_OK;
}

/*
 * Every marked domain that is not running, in name order; one that fails
 * does not stop the others (a boot must bring up what it can), and the
 * status is 1 when any failed.
 */
int vc_cmd_start_all(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	const struct vu_state *st = vc_state(vc);
	char **names;
	size_t n;
	int r = VU_EXIT_OK;

	(void)argc;
	(void)argv;
	if (vu_domaindb_list(st, &names, &n) < 0) {
		vu_warnx("domains: cannot list the definitions");
		return VU_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if (vu_domaindb_is_autostart(st, names[i]) &&
		    vu_qemurun_active(st, names[i]) != 1 && start_one(vc, names[i]) != VU_EXIT_OK)
			r = VU_EXIT_FAIL;
	vu_domaindb_names_free(names);
	return r;
}
