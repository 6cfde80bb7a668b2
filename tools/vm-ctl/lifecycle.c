/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.c - vm-ctl start, shutdown, destroy, reboot, reset, suspend,
 * resume: virsh's messages over the runtime (vu/qemurun.h) */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/opts.h"
#include "vu/qemurun.h"

#include "vmctl.h"

/* The domain operand's name, which must be running (or paused). */
static char *running_arg(struct vm_ctl *vc, int argc, char **argv)
{
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_err e = { 0 };

	if (vu_qemurun_active(vc_state(vc), name) != 1) {
		vu_err_set(&e, EINVAL, "domain is not running");
		exit(vc_fail(name, &e));
	}
	return name;
}

/* --timeout S: whole seconds, 1 to a day. */
static int timeout_arg(struct vm_ctl *vc)
{
	const char *s = vc->arg[O_TIMEOUT];
	char *end;
	long v;

	if (!vc->set[O_TIMEOUT]) {
		if (vc->set[O_FORCE])
			vc_die_usage("shutdown: --force needs --timeout");
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 86400)
		vc_die_usage("--timeout: '%s' is not a number of seconds (1 to 86400)", s);
	return (int)v;
}

int vc_cmd_shutdown(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	int secs = timeout_arg(vc);
	char *name = running_arg(vc, argc, argv);
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	/* virsh's line comes first: the guest may take its time. */
	if (vu_qemurun_shutdown(vc_state(vc), name, 0, &e) < 0) {
		r = vc_fail(name, &e);
		goto out;
	}
	vc_say(vc, "Domain '%s' is being shutdown", name);
	fflush(stdout);
	if (secs && vu_qemurun_shutdown(vc_state(vc), name, secs * 1000, &e) < 0) {
		if (!vc->set[O_FORCE] || e.code != ETIMEDOUT) {
			r = vc_fail(name, &e);
		} else if (vu_qemurun_destroy(vc_state(vc), name, VU_STOP_DESTROY, &e) < 0) {
			r = vc_fail(name, &e);
		} else {
			vu_warnx("%s: did not shut down in %d s: destroyed", name, secs);
			vc_say(vc, "Domain '%s' destroyed", name);
		}
	}
out:
	free(name);
	return r;
}

int vc_cmd_destroy(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = running_arg(vc, argc, argv);
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_qemurun_destroy(vc_state(vc), name,
			       vc->set[O_GRACEFUL] ? VU_STOP_GRACEFUL : VU_STOP_DESTROY, &e) < 0)
		r = vc_fail(name, &e);
	else
		vc_say(vc, "Domain '%s' destroyed", name);
	free(name);
	return r;
}

/* One QMP command, a state to record and virsh's line. */
static int simple(struct vm_ctl *vc, int argc, char **argv, const char *cmd,
		  enum vu_domstate s, const char *reason, const char *say)
{
	char *name = running_arg(vc, argc, argv);
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_qemurun_simple(vc_state(vc), name, cmd, &e) < 0) {
		r = vc_fail(name, &e);
	} else {
		if (reason)
			vu_qemurun_set_state(vc_state(vc), name, s, reason);
		vc_say(vc, say, name);
	}
	free(name);
	return r;
}

int vc_cmd_reboot(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = running_arg(vc, argc, argv);
	struct vu_err e = { 0 };
	int r = VU_EXIT_OK;

	if (vu_qemurun_reboot(vc_state(vc), name, &e) < 0)
		r = vc_fail(name, &e);
	else
		vc_say(vc, "Domain '%s' is being rebooted", name);
	free(name);
	return r;
}

int vc_cmd_reset(void *ctx, int argc, char **argv)
{
	return simple(ctx, argc, argv, "system_reset", 0, NULL, "Domain '%s' was reset");
}

int vc_cmd_suspend(void *ctx, int argc, char **argv)
{
	return simple(ctx, argc, argv, "stop", VU_DOMSTATE_PAUSED, "user",
		      "Domain '%s' suspended");
}

int vc_cmd_resume(void *ctx, int argc, char **argv)
{
	return simple(ctx, argc, argv, "cont", VU_DOMSTATE_RUNNING, "unpaused",
		      "Domain '%s' resumed");
}
