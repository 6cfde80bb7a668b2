/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.c - vm-ctl qemu-monitor-command: QMP (or HMP) passthrough, as
 * virsh's */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"

#include "vmctl.h"

#define TIMEOUT_MS 30000

/* The words after the domain, joined by spaces (virsh's rule). */
static char *joined(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (!(s = calloc(1, len)))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* A command may have paused or resumed the guest: the state listings
 * show is what QEMU now says. */
static void refresh_state(struct vm_ctl *vc, const char *name, struct vu_qmp *q)
{
	json_object *st = NULL, *running;

	if (vu_qmp_cmd(q, "query-status", NULL, &st, TIMEOUT_MS, NULL) < 0)
		return;
	if (json_object_object_get_ex(st, "running", &running)) {
		struct vu_domstatus s;

		bool now = json_object_get_boolean(running);
		if (vu_qemurun_status(vc_state(vc), name, &s, NULL) == 0 &&
		    (s.state == VU_DOMSTATE_RUNNING) != now)
			vu_qemurun_set_state(vc_state(vc), name,
					     now ? VU_DOMSTATE_RUNNING : VU_DOMSTATE_PAUSED,
					     now ? "unpaused" : "user");
	}
	json_object_put(st);
}

/* --hmp: the text command through human-monitor-command; its text out. */
static int hmp(struct vu_qmp *q, const char *line, struct vu_err *e)
{
	json_object *args = json_object_new_object(), *ret = NULL;
	int r;

	json_object_object_add(args, "command-line", json_object_new_string(line));
	r = vu_qmp_cmd(q, "human-monitor-command", args, &ret, TIMEOUT_MS, e);
	/* HMP ends its lines with CR LF, for its telnet clients. */
	for (const char *p = r == 0 ? json_object_get_string(ret) : ""; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			putchar(*p);
	json_object_put(ret);
	return r;
}

int vc_cmd_qemu_monitor_command(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	int skip = vc->set[O_DOMAIN] ? 0 : 1;
	char *name = vc_lookup(vc, vc->set[O_DOMAIN] ? vc->arg[O_DOMAIN] : argv[0]), *cmd;
	struct vu_qmp *q = NULL;
	json_object *reply = NULL;
	struct vu_err e = { 0 };
	int r;

	if (argc - skip < 1)
		vc_die_usage("qemu-monitor-command: missing the command");
	cmd = joined(argc - skip, argv + skip);
	r = vu_qemurun_qmp(vc_state(vc), name, &q, &e);
	if (r == 0 && vc->set[O_HMP]) {
		r = hmp(q, cmd, &e);
	} else if (r == 0 && (r = vu_qmp_cmd_json(q, cmd, &reply, TIMEOUT_MS, &e)) == 0) {
		puts(json_object_to_json_string_ext(reply, vc->set[O_PRETTY]
				? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
				: JSON_C_TO_STRING_PLAIN));
		/* virsh fails when QEMU answered with an error. */
		if (json_object_object_get_ex(reply, "error", NULL))
			r = -EIO;
	}
	if (q)
		refresh_state(vc, name, q);
	if (r < 0 && e.code)
		vc_fail(name, &e);
	json_object_put(reply);
	vu_qmp_close(&q);
	free(cmd);
	free(name);
	return r < 0 ? VU_EXIT_FAIL : VU_EXIT_OK;
}
