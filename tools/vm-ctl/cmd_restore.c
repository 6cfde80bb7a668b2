/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_restore.c - vm-ctl restore: a domain saved by vm-ctl save started
 * again from its file: QEMU started with -incoming defer reads the stream
 * through an fd handed over QMP, after the header was checked whole */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* The saved document made a definition again, checked against a defined
 * domain of its name (the same one: the same UUID). */
static int saved_domain(struct vm_ctl *vc, const char *xml, struct vu_domain **out,
			struct vu_err *e)
{
	struct vu_domain *dom = NULL, *def = NULL;
	char *name = NULL, uuid[VU_UUID_STRLEN], old[VU_UUID_STRLEN];
	int r;

	if ((r = vu_domain_parse(&dom, xml, strlen(xml), e)) < 0)
		return r;
	vu_domain_scrub_live(dom);
	if (vu_domain_get_name(dom, &name) < 0 || vu_name_check(name) < 0 ||
	    vu_domain_get_uuid(dom, uuid) < 0) {
		r = vu_err_set(e, EINVAL, "the saved XML has no valid name or UUID");
	} else if (vu_domaindb_load(vc_state(vc), name, &def, NULL) == 0 &&
		   vu_domain_get_uuid(def, old) == 0 && strcmp(old, uuid) != 0) {
		r = vu_err_set(e, EEXIST, "domain '%s' already exists with uuid %s", name, old);
	}
	vu_domain_free(&def);
	free(name);
	if (r < 0)
		vu_domain_free(&dom);
	*out = dom;
	return r;
}

/* Waits until QEMU has read the whole stream (it leaves "inmigrate"); a
 * stream it cannot take ends QEMU, whose last words e quotes. */
static int wait_incoming(struct vu_qmp *q, struct vu_err *e)
{
	for (;;) {
		json_object *ret = NULL, *st;
		int r = vu_qmp_cmd(q, "query-status", NULL, &ret, 10000, e);
		bool done;

		if (r < 0)
			return r;
		done = !json_object_object_get_ex(ret, "status", &st) ||
		       strcmp(json_object_get_string(st), "inmigrate") != 0;
		json_object_put(ret);
		if (done)
			return 0;
		vctl_tick();
	}
}

/* QEMU started paused with -incoming defer reads the stream from fd, and
 * the guest runs again if it ran when saved (or --running). */
static int stream_in(struct vm_ctl *vc, const char *name, int fd, bool run, struct vu_err *e)
{
	struct vu_qmp *q = NULL;
	int r;

	if ((r = vu_qemurun_qmp(vc_state(vc), name, &q, e)) < 0)
		return r;
	if ((r = vu_qmp_getfd(q, fd, FDNAME, 10000, e)) == 0 &&
	    (r = vu_qmp_cmd(q, "migrate-incoming",
			    vctl_json1("uri", json_object_new_string("fd:" FDNAME)), NULL, 10000, e)) == 0 &&
	    (r = wait_incoming(q, e)) == 0 && run)
		r = vu_qmp_cmd(q, "cont", NULL, NULL, 10000, e);
	vu_qmp_close(&q);
	return r;
}

static int restore(struct vm_ctl *vc, const char *file, struct vu_err *e)
{
	struct vctl_save_header h = { 0 };
	struct vu_qemurun_opts opts = { .paused = true, .incoming = true };
	struct vu_domain *dom = NULL;
	char *name = NULL;
	int fd = open(file, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if ((r = vctl_save_read(fd, &h, e)) == 0 && (r = saved_domain(vc, h.xml, &dom, e)) == 0 &&
	    (r = vu_domain_get_name(dom, &name)) == 0 &&
	    (r = vu_qemurun_start(vc_state(vc), dom, &opts, NULL, e)) == 0) {
		bool run = vc->set[O_RUNNING] || (h.running && !vc->set[O_PAUSED]);

		r = stream_in(vc, name, fd, run, e);
		if (r < 0)
			vu_qemurun_destroy(vc_state(vc), name, VU_STOP_DESTROY, NULL);
		else
			vu_qemurun_set_state(vc_state(vc), name,
					     run ? VU_DOMSTATE_RUNNING : VU_DOMSTATE_PAUSED,
					     run ? "restored" : "user");
	}
	close(fd);
	free(name);
	vu_domain_free(&dom);
	vctl_save_header_clear(&h);
	return r;
}

int vc_cmd_restore(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	const char *file = vc->set[O_FILE] ? vc->arg[O_FILE] : argc ? argv[0] : NULL;
	struct vu_err e = { 0 };

	if (!file)
		vu_die_usage(VU_EXIT_USAGE, "restore: missing file name");
	if (argc > !vc->set[O_FILE])
		vu_die_usage(VU_EXIT_USAGE, "restore: unexpected argument '%s'", argv[!vc->set[O_FILE]]);
	if (restore(vc, file, &e) < 0)
		return vu_fail(file, &e);
	vu_say(vc->quiet, "Domain restored from %s", file);
	return VU_EXIT_OK;
}
