/* SPDX-License-Identifier: GPL-2.0-or-later */
/* install_run.c - starting a defined domain, its install phase first, as
 * virt-install runs it: the install document, and a watcher process that,
 * when the guest ends that QEMU, removes the record and starts the final
 * configuration (vm-ctl start returns at once, so a process of its own
 * does the second half). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/domaindb.h"
#include "vu/qemuinstall.h"
#include "vu/qmp.h"

#include "install_int.h"
#include "qemurun_int.h"

/* How long the watcher waits for the install QEMU to be gone after the
 * guest said it powers off, and for the event socket to answer. */
#define GONE_MS 60000
#define CONNECT_MS 30000

/*
 * Whether the guest ended the install QEMU: its SHUTDOWN event says
 * guest:true (it powered off, or rebooted into QEMU's -action
 * reboot=shutdown), or a RESET event does (a runtime that carries out
 * on_reboot destroy itself). The host's stop ("host-signal",
 * "host-qmp-quit") or QEMU vanishing without the event (a crash, SIGKILL)
 * is false.
 */
static bool guest_ended(const struct vu_state *st, const char *name)
{
	char *mon = qr_path(st, name, "mon"), *log = qr_path(st, name, "log");
	struct vu_qmp *q = NULL;
	bool guest = false;

	if (mon && log && vu_qmp_open(&q, mon, log, CONNECT_MS, NULL) == 0) {
		for (;;) {
			json_object *ev = NULL, *ename, *data, *g;
			const char *what = "";
			bool by_guest, done;

			if (vu_qmp_event(q, &ev, -1, NULL) < 0)
				break;
			if (json_object_object_get_ex(ev, "event", &ename))
				what = json_object_get_string(ename);
			by_guest = json_object_object_get_ex(ev, "data", &data) &&
				   json_object_object_get_ex(data, "guest", &g) &&
				   json_object_get_boolean(g);
			/* A reset from the host (vm-ctl reset) goes on installing. */
			done = !strcmp(what, "SHUTDOWN") || (!strcmp(what, "RESET") && by_guest);
			json_object_put(ev);
			if (done) {
				guest = by_guest;
				break;
			}
		}
	}
	vu_qmp_close(&q);
	free(mon);
	free(log);
	return guest;
}

/* The watcher's work, in a process of its own. */
static void watch(const struct vu_state *st, const char *name, const char *uuid,
		  const struct vu_qemurun_opts *opts, unsigned flags)
{
	struct vu_domain *final = NULL;

	if (!guest_ended(st, name))
		return;
	for (int waited = 0; vu_qemurun_active(st, name) == 1 && waited < GONE_MS; waited += 50)
		in_sleep_ms(50);
	if (vu_qemurun_active(st, name) == 1 || vu_install_finish(st, name, uuid, NULL) < 0)
		return;
	if (!(flags & VU_INSTALL_NOREBOOT) && vu_domaindb_load(st, name, &final, NULL) == 0)
		vu_qemurun_start(st, final, opts, NULL, NULL);
	vu_domain_free(&final);
}

/* The watcher leaves the caller's stdio (a pipe a test reads to its end
 * must close) and every fd but the lock and the state root's. */
static void detach_fds(const struct vu_state *st, int keep)
{
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	for (int fd = 3; fd < 1024; fd++) {
		bool ours = fd == keep;

		for (int d = 0; d < VU_STATE_NDIRS && !ours; d++)
			ours = st->opened && st->dirfd[d] == fd;
		if (!ours)
			close(fd);
	}
}

/* Forks the watcher, detached (double fork, its own session), holding
 * lockfd; the caller's copy of lockfd stays the caller's to close. */
static int spawn_watcher(const struct vu_state *st, const char *name, const char *uuid,
			 const struct vu_qemurun_opts *opts, unsigned flags, int lockfd,
			 struct vu_err *e)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return vu_err_set(e, errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		signal(SIGHUP, SIG_IGN);
		if (fork() != 0)
			_exit(0);
		detach_fds(st, lockfd);
		watch(st, name, uuid, opts, flags);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static int start_install(const struct vu_state *st, const char *name,
			 const struct vu_domain *def, const struct vu_domain *inst,
			 const struct vu_qemurun_opts *opts, unsigned flags, int *id,
			 struct vu_err *e)
{
	char uuid[VU_UUID_STRLEN];
	int lock, r;

	if (vu_domain_get_uuid(def, uuid) < 0)
		return vu_err_set(e, EINVAL, "the domain has no UUID");
	if ((lock = in_watch_file(st, name, true, e)) < 0)
		return lock;
	r = vu_qemurun_start(st, inst, opts, id, e);
	if (r == 0 && spawn_watcher(st, name, uuid, opts, flags, lock, e) < 0) {
		vu_qemurun_destroy(st, name, VU_STOP_DESTROY, NULL);
		r = -e->code;
	}
	close(lock);
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

