/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemuinstall.h - starting a defined domain, its install phase first when
 * vm-create recorded one (virt-install's two phases): vm-ctl start,
 * vm-ctl start-all and vm-create --start */
#ifndef VU_QEMUINSTALL_H
#define VU_QEMUINSTALL_H

#include <stdbool.h>

#include "vu/err.h"
#include "vu/qemurun.h"
#include "vu/state.h"

enum {
	/* After the install phase, leave the domain shut off (virt-install
	 * --noreboot) instead of starting the final configuration. */
	VU_INSTALL_NOREBOOT = 1,
};

/*
 * Starts the defined domain NAME. Without an install record
 * (vu_domain_get_install): its definition, as vu_qemurun_start. With one:
 * the install document (vu_domain_install_phase: the medium, the boot
 * order, the --location kernel, on_reboot destroy) and a watcher process
 * on the domain's event socket (RUN/qemu/NAME.mon). When the guest ends
 * that QEMU itself (it powers off, or reboots, which on_reboot destroy
 * turns into the end of QEMU), the watcher removes the record from the
 * definition (vu_install_finish) and starts the final configuration
 * (unless VU_INSTALL_NOREBOOT). A QEMU ended by the host (vm-ctl destroy,
 * a signal) or one that crashed leaves the record: the next start installs
 * again. *installing (may be NULL) says whether the install phase was
 * started; *id (may be NULL) gets the runtime id.
 */
int vu_install_start(const struct vu_state *st, const char *name,
		     const struct vu_qemurun_opts *opts, unsigned flags, int *id,
		     bool *installing, struct vu_err *e);

/* Whether NAME's definition still carries an install record. */
bool vu_install_pending(const struct vu_state *st, const char *name);

/*
 * Removes the install record from NAME's definition, so that it starts in
 * its final configuration from now on. uuid (may be NULL) must be the
 * definition's: a domain undefined and defined again since is left alone
 * (-ESTALE). No record is 0.
 */
int vu_install_finish(const struct vu_state *st, const char *name, const char *uuid,
		      struct vu_err *e);

/*
 * Waits (timeout_ms < 0: for ever) until NAME's install phase is over and
 * its watcher is done: 0 when the record is gone (the final configuration
 * was started, or with VU_INSTALL_NOREBOOT the domain is shut off);
 * -ECANCELED when no watcher is left and the record stays (the install
 * QEMU was destroyed or crashed); -ETIMEDOUT. A domain without a record
 * and without a watcher is 0 at once.
 */
int vu_install_wait(const struct vu_state *st, const char *name, int timeout_ms,
		    struct vu_err *e);

#endif
