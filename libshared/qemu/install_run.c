/* SPDX-License-Identifier: GPL-2.0-or-later */
/* install_run.c - starting a defined domain, its install phase first, as
 * virt-install runs it: the install document, with the runtime's monitor
 * calling us back (vu_qemurun_hooks.guest_shutdown) once the guest has
 * ended that QEMU; then the record goes and the final configuration
 * starts, from the monitor's process (vm-ctl start returns at once). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/domaindb.h"
#include "vu/qemuinstall.h"

#include "install_int.h"
#include "qemurun_int.h"

/* What the hook needs, copied into the monitor's process with it. */
struct install_hook {
	char uuid[VU_UUID_STRLEN];
	unsigned flags;
	struct vu_qemurun_opts opts;	/* the start's, for the final one */
};

/*
 * The guest ended the install (the monitor saw it power off, or reboot
 * into on_reboot destroy, and QEMU is gone): the record goes, under
 * NAME.install so that vu_install_wait never sees the QEMU gone with the
 * record still there and nobody at work; then the final configuration
 * starts; then the marker goes, which ends the wait.
 */
static void install_done(void *ctx, const struct vu_state *st, const char *name)
{
	const struct install_hook *h = ctx;
	struct vu_qemurun_opts o = h->opts;
	struct vu_domain *final = NULL;
	int fd = in_watch_file(st, name, true, NULL), r;

	r = vu_install_finish(st, name, h->uuid, NULL);
	/* Not inherited by what the final start forks. */
	if (fd >= 0)
		close(fd);
	o.hooks = NULL;
	if (r == 0 && !(h->flags & VU_INSTALL_NOREBOOT) &&
	    vu_domaindb_load(st, name, &final, NULL) == 0)
		vu_qemurun_start(st, final, &o, NULL, NULL);
	vu_domain_free(&final);
	in_marker(st, name, false);
}

static int start_install(const struct vu_state *st, const char *name,
			 const struct vu_domain *def, const struct vu_domain *inst,
			 const struct vu_qemurun_opts *opts, unsigned flags, int *id,
			 struct vu_err *e)
{
	struct install_hook h = { .flags = flags };
	struct vu_qemurun_hooks hooks = { .guest_shutdown = install_done, .ctx = &h };
	struct vu_qemurun_opts o = { 0 };
	int r;

	if (opts)
		o = *opts;
	h.opts = o;
	o.hooks = &hooks;
	if (vu_domain_get_uuid(def, h.uuid) < 0)
		return vu_err_set(e, EINVAL, "the domain has no UUID");
	if ((r = in_marker(st, name, true)) < 0)
		return vu_err_set(e, -r, "%s/qemu/%s.installing: %s", st->run, name, strerror(-r));
	/* The monitor is forked inside: h and hooks are copied with it. */
	r = vu_qemurun_start(st, inst, &o, id, e);
	if (r < 0)
		in_marker(st, name, false);
	return r;
}

int vu_install_start(const struct vu_state *st, const char *name,
		     const struct vu_qemurun_opts *opts, unsigned flags, int *id,
		     bool *installing, struct vu_err *e)
{
	struct vu_domain *def = NULL, *inst = NULL;
	int r;

	if (installing)
		*installing = false;
	if ((r = vu_domaindb_load(st, name, &def, e)) < 0)
		return r;
	if ((r = vu_domain_install_phase(def, &inst, e)) == 0) {
		if (!inst)
			r = vu_qemurun_start(st, def, opts, id, e);
		else if ((r = start_install(st, name, def, inst, opts, flags, id, e)) == 0 &&
			 installing)
			*installing = true;
	}
	vu_domain_free(&inst);
	vu_domain_free(&def);
	return r;
}
