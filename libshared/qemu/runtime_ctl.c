/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime_ctl.c - what is done to a running domain: QMP commands, stop,
 * shutdown */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/qemurun.h"
#include "vu/qmp.h"

#include "qemurun_int.h"

#define CMD_TIMEOUT_MS 10000

int vu_qemurun_qmp(const struct vu_state *st, const char *name, struct vu_qmp **q,
		   struct vu_err *e)
{
	char *sock = NULL, *log = NULL;
	int dfd, r;

	*q = NULL;
	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "not a valid domain name");
	if ((dfd = qr_dirfd(st, false, NULL)) < 0 || qr_pid(dfd, name) <= 0) {
		if (dfd >= 0)
			close(dfd);
		return vu_err_set(e, ESRCH, "domain is not running");
	}
	close(dfd);
	if (!(sock = qr_path(st, name, "qmp")) || !(log = qr_path(st, name, "log")))
		r = vu_err_set(e, ENOMEM, NULL);
	else
		r = vu_qmp_open(q, sock, log, CMD_TIMEOUT_MS, e);
	free(sock);
	free(log);
	return r;
}

int vu_qemurun_simple(const struct vu_state *st, const char *name, const char *cmd,
		      struct vu_err *e)
{
	struct vu_qmp *q = NULL;
	int r = vu_qemurun_qmp(st, name, &q, e);

	if (r == 0)
		r = vu_qmp_cmd(q, cmd, NULL, NULL, CMD_TIMEOUT_MS, e);
	vu_qmp_close(&q);
	return r;
}

int vu_qemurun_set_state(const struct vu_state *st, const char *name, enum vu_domstate s,
			 const char *reason)
{
	int dfd = qr_dirfd(st, true, NULL), r;

	if (dfd < 0)
		return dfd;
	r = qr_set_state(dfd, name, s, reason);
	close(dfd);
	return r;
}

int vu_qemurun_destroy(const struct vu_state *st, const char *name, enum vu_qemurun_stop how,
		       struct vu_err *e)
{
	int dfd, lk, r;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "not a valid domain name");
	if ((dfd = qr_dirfd(st, false, NULL)) < 0)
		return vu_err_set(e, ESRCH, "domain is not running");
	/* Waits for a start under way: destroy then stops what it started. */
	lk = qr_lock(dfd, name, false);
	r = qr_kill(dfd, name, how == VU_STOP_GRACEFUL, e);
	if (r == 0) {
		qr_clean(dfd, name);
		qr_set_state(dfd, name, VU_DOMSTATE_SHUTOFF, "destroyed");
	}
	if (lk >= 0)
		close(lk);
	close(dfd);
	return r;
}

int vu_qemurun_shutdown(const struct vu_state *st, const char *name, int wait_ms,
			struct vu_err *e)
{
	int r = vu_qemurun_simple(st, name, "system_powerdown", e), dfd;

	if (r < 0)
		return r;
	if ((dfd = qr_dirfd(st, false, e)) < 0)
		return dfd;
	/* When QEMU is found gone, the guest went because it was asked:
	 * "shut off (shutdown)", as libvirt says. */
	qr_write(dfd, name, "shutdown", "");
	if (wait_ms <= 0) {
		close(dfd);
		return 0;
	}
	r = qr_wait_gone(dfd, name, wait_ms);
	if (r == 0) {
		qr_clean(dfd, name);
		qr_set_state(dfd, name, VU_DOMSTATE_SHUTOFF, "shutdown");
	} else {
		vu_err_set(e, ETIMEDOUT, "domain did not shut down in %d s", wait_ms / 1000);
	}
	close(dfd);
	return r;
}

int vu_qemurun_reboot(const struct vu_state *st, const char *name, struct vu_err *e)
{
	struct vu_qmp *q = NULL;
	json_object *args;
	int dfd, lk, r;

	if ((r = vu_qemurun_qmp(st, name, &q, e)) < 0)
		return r;
	if ((dfd = r = qr_dirfd(st, false, e)) < 0)
		goto out;
	/* The flag first: whichever monitor sees the power-off resets. */
	if ((r = qr_write(dfd, name, "reboot", "")) < 0) {
		vu_err_set(e, -r, "cannot record the reboot: %s", strerror(-r));
		goto out;
	}
	lk = qr_lock_ext(dfd, name, "mlock", true);
	if (lk >= 0) {
		close(lk);
		if ((r = vu_qemurun_monitor_spawn(st, name, NULL, NULL, e)) < 0)
			goto out;
	}
	args = json_object_new_object();
	json_object_object_add(args, "shutdown", json_object_new_string("pause"));
	r = vu_qmp_cmd(q, "set-action", args, NULL, CMD_TIMEOUT_MS, e);
	if (r == 0)
		r = vu_qmp_cmd(q, "system_powerdown", NULL, NULL, CMD_TIMEOUT_MS, e);
out:
	if (dfd >= 0)
		close(dfd);
	vu_qmp_close(&q);
	return r;
}
