/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_save.c - vm-ctl save: a running guest's state to a file (the domain
 * XML in our header, then QEMU's migration stream), as virsh save. QEMU
 * writes the file through an fd we hand it over QMP (getfd), never a shell
 * command, so the file is ours (0600) whoever QEMU runs as. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/file.h"

#include "qmpfd.h"
#include "savefile.h"
#include "vmctl.h"

#define FDNAME "vu-savefile"

static void oom(void)
{
	vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

/* Waits for the outgoing migration to end: 0 when it completed, -EIO with
 * QEMU's reason otherwise. */
static int wait_migration(struct vu_qmp *q, struct vu_err *e)
{
	for (;;) {
		json_object *ret = NULL, *st, *desc;
		const char *s;
		int r = vu_qmp_cmd(q, "query-migrate", NULL, &ret, 10000, e);

		if (r < 0)
			return r;
		s = json_object_object_get_ex(ret, "status", &st) ? json_object_get_string(st) : "";
		if (!strcmp(s, "completed")) {
			json_object_put(ret);
			return 0;
		}
		if (!strcmp(s, "failed") || !strcmp(s, "cancelled")) {
			r = vu_err_set(e, EIO, "QEMU could not save the guest: %s",
				       json_object_object_get_ex(ret, "error-desc", &desc)
					       ? json_object_get_string(desc) : s);
			json_object_put(ret);
			return r;
		}
		json_object_put(ret);
		vctl_tick();
	}
}

/* QEMU streams the stopped guest into fd, after our header. */
static int stream_out(struct vu_qmp *q, int fd, struct vu_err *e)
{
	int r;

	/* QEMU's default bandwidth cap is for networks; a file takes all. */
	if ((r = vu_qmp_cmd(q, "migrate-set-parameters",
			    vctl_json1("max-bandwidth", json_object_new_int64(INT64_C(1) << 50)),
			    NULL, 10000, e)) < 0 ||
	    (r = vu_qmp_getfd(q, fd, FDNAME, 10000, e)) < 0)
		return r;
	r = vu_qmp_cmd(q, "migrate", vctl_json1("uri", json_object_new_string("fd:" FDNAME)), NULL,
		       10000, e);
	/* A migration that started owns the fd (and closes it); one refused
	 * leaves it named in QEMU. */
	if (r < 0)
		vu_qmp_cmd(q, "closefd", vctl_json1("fdname", json_object_new_string(FDNAME)), NULL,
			   10000, NULL);
	return r < 0 ? r : wait_migration(q, e);
}

/* The live XML as it is saved: what restore starts again. */
static char *live_xml(struct vm_ctl *vc, const char *name, struct vu_err *e)
{
	struct vu_domain *dom = NULL;
	char *xml = NULL;

	if (vu_qemurun_live_xml(vc_state(vc), name, &dom, e) == 0 && !(xml = vu_domain_format(dom)))
		oom();
	vu_domain_free(&dom);
	return xml;
}

/* Stops the guest, writes the file (complete under its name only at the
 * end), then ends QEMU; a failure resumes a guest that was running. */
static int save(struct vm_ctl *vc, const char *name, const char *file, bool *running,
		struct vu_err *e)
{
	struct vu_domstatus s = vc_status(vc, name);
	struct vu_atomic a = { .fd = -1 };
	struct vu_qmp *q = NULL;
	char *xml = NULL;
	int r;

	if (s.state != VU_DOMSTATE_RUNNING && s.state != VU_DOMSTATE_PAUSED)
		return vu_err_set(e, EINVAL, "domain is not running");
	*running = s.state == VU_DOMSTATE_RUNNING;
	if ((r = vu_qemurun_qmp(vc_state(vc), name, &q, e)) < 0)
		return r;
	if (*running && (r = vu_qmp_cmd(q, "stop", NULL, NULL, 10000, e)) < 0)
		goto out;
	if (!(xml = live_xml(vc, name, e)))
		r = -e->code;
	else if ((r = vu_atomic_open(&a, file, 0600)) < 0)
		vu_err_set(e, -r, "%s: %s", file, strerror(-r));
	else if ((r = vctl_save_write(a.fd, xml, vc->set[O_RUNNING] || (*running &&
				      !vc->set[O_PAUSED]), e)) == 0 &&
		 (r = stream_out(q, a.fd, e)) == 0 &&
		 (r = vu_atomic_commit(&a, true, true)) < 0)
		vu_err_set(e, -r, "%s: %s", file, strerror(-r));
	if (r < 0) {
		vu_atomic_abort(&a);
		if (*running)
			vu_qmp_cmd(q, "cont", NULL, NULL, 10000, NULL);
	}
out:
	vu_qmp_close(&q);
	free(xml);
	return r;
}

int vc_cmd_save(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	int at = vc->set[O_DOMAIN] ? 0 : 1;
	const char *ref = vc_dom_ref(vc, vc->set[O_DOMAIN] ? 0 : argc, argv);
	const char *file = vc->set[O_FILE] ? vc->arg[O_FILE] : argc > at ? argv[at] : NULL;
	struct vu_err e = { 0 };
	bool running = false;
	char *name;
	int r;

	if (!file)
		vu_die_usage(VU_EXIT_USAGE, "save: missing file name");
	if (argc > at + !vc->set[O_FILE])
		vu_die_usage(VU_EXIT_USAGE, "save: unexpected argument '%s'", argv[at + !vc->set[O_FILE]]);
	name = vc_lookup(vc, ref);
	r = save(vc, name, file, &running, &e);
	if (r == 0 && (r = vu_qemurun_destroy(vc_state(vc), name, VU_STOP_DESTROY, &e)) == 0)
		vu_qemurun_set_reason(vc_state(vc), name, "saved");
	if (r < 0) {
		r = vu_fail(name, &e);
	} else {
		vu_say(vc->quiet, "\nDomain '%s' saved to %s", name, file);
		r = VU_EXIT_OK;
	}
	free(name);
	return r;
}
