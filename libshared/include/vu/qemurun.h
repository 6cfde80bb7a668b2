/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemurun.h - running domains on QEMU: start, stop, state, the live XML;
 * what vm-ctl, vm-create --start and vm-migrate call */
#ifndef VU_QEMURUN_H
#define VU_QEMURUN_H

#include <stdbool.h>
#include <sys/types.h>

#include "vu/domainxml.h"
#include "vu/err.h"
#include "vu/qmp.h"
#include "vu/state.h"

/*
 * The run directory's layout for a domain NAME (RUN is the state's run
 * dir; vu/state.h):
 *
 *	RUN/qemu/NAME.pid   QEMU's pidfile, lockf-locked while it runs: the
 *	                    lock, never the file, says it runs
 *	RUN/qemu/NAME.qmp   QMP socket for commands (vm-ctl, one at a time)
 *	RUN/qemu/NAME.mon   a second QMP socket, the monitor process's (events)
 *	RUN/qemu/NAME.log   QEMU's stderr (kept after it stops, for messages)
 *	RUN/qemu/NAME.xml   the live XML: the definition as started, with
 *	                    id=, pty paths, VNC port, tap names (0600)
 *	RUN/qemu/NAME.lock  flock'd by whoever starts or stops it
 *	RUN/qemu/NAME.state the reason of the last stop ("destroyed", ...)
 *
 * A pidfile nobody locks is what a QEMU killed by anyone leaves: every
 * reader below recognises it and removes the pid, sockets and live XML
 * (vu_qemurun_status), so listings are right without a daemon.
 *
 * Errors are 0 / -errno with one line in e naming no domain (the tool
 * puts "vm-ctl: NAME: " in front).
 */

/* virsh's states, in libvirt's numbering (virDomainState). */
enum vu_domstate {
	VU_DOMSTATE_NOSTATE = 0,
	VU_DOMSTATE_RUNNING = 1,
	VU_DOMSTATE_BLOCKED = 2,
	VU_DOMSTATE_PAUSED = 3,
	VU_DOMSTATE_SHUTDOWN = 4,	/* being shut down */
	VU_DOMSTATE_SHUTOFF = 5,
	VU_DOMSTATE_CRASHED = 6,
	VU_DOMSTATE_PMSUSPENDED = 7,
};

/* "running", "paused", "shut off", "in shutdown", "crashed", ... as virsh. */
const char *vu_domstate_name(enum vu_domstate s);

struct vu_domstatus {
	enum vu_domstate state;
	char reason[32];	/* virsh domstate --reason: "booted", "user", "destroyed", ... */
	pid_t pid;		/* QEMU's, 0 when shut off */
	int id;			/* the runtime id (virsh domid), -1 when shut off */
};

/*
 * The state of the domain NAME: shut off unless its QEMU holds its
 * pidfile; a running one is asked (query-status) whether it is paused.
 * A stale pidfile is cleaned here. 0 or -errno.
 */
int vu_qemurun_status(const struct vu_state *st, const char *name, struct vu_domstatus *out,
		      struct vu_err *e);
/* The names of the domains with a pidfile (running, or killed and not yet
 * seen), sorted and NULL-terminated: transient domains have no definition.
 * Free with vu_domaindb_names_free. */
int vu_qemurun_list(const struct vu_state *st, char ***names, size_t *n);
/* 1 when NAME's QEMU runs (the pidfile lock alone: no QMP), 0, -errno. */
int vu_qemurun_active(const struct vu_state *st, const char *name);

/* What the monitor calls; see vu_qemurun_monitor. */
struct vu_qemurun_hooks {
	/* In the monitor's process, once QEMU has exited after the guest shut
	 * down (powered off, a reboot turned into a power-off by
	 * <on_reboot>destroy</on_reboot>, a crash): the install phase starts
	 * the final configuration from here. Not called when QEMU was
	 * destroyed or killed. */
	void (*guest_shutdown)(void *ctx, const struct vu_state *st, const char *name);
	void *ctx;
};

/* What vu_qemurun_start does beyond the XML. */
struct vu_qemurun_opts {
	const struct vu_qemurun_hooks *hooks;	/* a monitor with these, or NULL */
	bool paused;		/* leave the vCPUs stopped (virsh start --paused) */
	const char *runas;	/* -runas USER when root; NULL: qemu.conf's user, else
				 * VU_QEMU_USER_DEFAULT */
	const char *emulator;	/* NULL: <emulator>, else qemu-system-ARCH on $PATH */
	int timeout_ms;		/* for QMP to answer after the exec; 0: 30 s */
	bool incoming;		/* -incoming defer: the caller sends migrate-incoming
				 * (restore, a migration's destination); the guest
				 * is left paused, without balloon set-up, for the
				 * stream */
};

/* The user QEMU runs as when started by root and no one said otherwise. */
#define VU_QEMU_USER_DEFAULT "nobody"

/*
 * The user QEMU runs as: ROOT/qemu.conf's `user = "NAME"` (libvirt's key,
 * same syntax; a '#' starts a comment), else VU_QEMU_USER_DEFAULT. *user is
 * malloc'd. A file that cannot be parsed is -EINVAL with e saying where.
 */
int vu_qemurun_conf_user(const struct vu_state *st, char **user, struct vu_err *e);

/*
 * Starts dom (a definition: no id) on QEMU, as libvirt does: under the
 * domain's lock (another start is -EBUSY "domain is already being
 * started"; a running one -EEXIST "domain is already active"), with the
 * argv of vu/qemucmd.h, daemonised, -S; then the set-up over QMP (balloon
 * target, <cputune> pinning of the vCPU threads) and `cont` unless paused.
 * Run by root, the disks and taps are opened here and handed over as
 * fdsets, and QEMU runs as opts->runas. The live XML is written last.
 * Whatever fails (bad XML, missing disk, bridge, firmware, QEMU's own
 * refusal, quoted from its log) leaves nothing running and e says it in
 * one line. *id (may be NULL) gets the runtime id.
 */
int vu_qemurun_start(const struct vu_state *st, const struct vu_domain *dom,
		     const struct vu_qemurun_opts *opts, int *id, struct vu_err *e);

/*
 * The monitor: a process per running domain, only where needed. It talks
 * to QEMU on RUN/qemu/NAME.mon (QMP serves one client per socket, and
 * NAME.qmp stays vm-ctl's) and acts on events: the <on_*> actions
 * QEMU's -action cannot take (what vu/qemucmd.h hands back: restart after
 * a power-off or a crash, preserve after a reboot), vm-ctl reboot's reset
 * after the guest's power-off, and hooks->guest_shutdown. It holds
 * RUN/qemu/NAME.mlock while it runs (-EWOULDBLOCK: one runs already),
 * cleans the run files when QEMU exits, and returns then.
 */
struct vu_qemurun_actions {
	const char *on_poweroff, *on_reboot, *on_crash;	/* NULL: QEMU does it */
};
/* Runs it in this process until QEMU exits; writes a byte to ready_fd (if
 * >= 0, then closed) once it listens. act and hooks NULL: a monitor for a
 * reboot only, which ends after it. */
int vu_qemurun_monitor(const struct vu_state *st, const char *name,
		       const struct vu_qemurun_actions *act, const struct vu_qemurun_hooks *hooks,
		       int ready_fd, struct vu_err *e);
/* Runs it detached (a session of its own) and returns once it listens. */
int vu_qemurun_monitor_spawn(const struct vu_state *st, const char *name,
			     const struct vu_qemurun_actions *act,
			     const struct vu_qemurun_hooks *hooks, struct vu_err *e);

/*
 * virsh reboot without a guest agent, as libvirt does it: the guest is
 * asked to power off (ACPI) with QEMU told to pause rather than exit, and
 * the monitor (a transient one when none runs) resets and resumes it once
 * it has. Returns when the request is made; the guest reboots in its time.
 */
int vu_qemurun_reboot(const struct vu_state *st, const char *name, struct vu_err *e);

/* Connects to NAME's QMP socket (-EPIPE/"domain is not running" when it
 * does not run). */
int vu_qemurun_qmp(const struct vu_state *st, const char *name, struct vu_qmp **q,
		   struct vu_err *e);

/* One QMP command on NAME's socket with no arguments and no result wanted
 * (stop, cont, system_reset, system_powerdown). */
int vu_qemurun_simple(const struct vu_state *st, const char *name, const char *cmd,
		      struct vu_err *e);

enum vu_qemurun_stop {
	VU_STOP_DESTROY,	/* SIGTERM, SIGKILL after 10 s (virsh destroy) */
	VU_STOP_GRACEFUL,	/* SIGTERM only: -EBUSY if QEMU is still there after 10 s */
};
/* Stops NAME's QEMU, waits for it to be gone and cleans the run files
 * (the reason becomes "destroyed"). -ESRCH "domain is not running". */
int vu_qemurun_destroy(const struct vu_state *st, const char *name, enum vu_qemurun_stop how,
		       struct vu_err *e);

/* Asks the guest to power off (ACPI power button, system_powerdown);
 * with wait_ms > 0 waits that long for QEMU to exit: -ETIMEDOUT if it is
 * still there. */
int vu_qemurun_shutdown(const struct vu_state *st, const char *name, int wait_ms,
			struct vu_err *e);

/* The live XML of a running domain. -ESRCH "domain is not running". */
int vu_qemurun_live_xml(const struct vu_state *st, const char *name, struct vu_domain **out,
			struct vu_err *e);

/* Replaces the live XML of the running domain NAME with dom (what a
 * change made to the running guest leaves: setmem --live), under the
 * domain's lock; -ESRCH "domain is not running" (livexml.c). */
int vu_qemurun_update_live(const struct vu_state *st, const char *name,
			   const struct vu_domain *dom, struct vu_err *e);

/* Records why the domain stopped (shut off with that reason), for
 * --reason (RUN/qemu/NAME.state). */
void vu_qemurun_set_reason(const struct vu_state *st, const char *name, const char *reason);
/* Records the state and its reason ("paused user" after suspend, "running
 * unpaused" after resume): what listings show without asking QEMU. */
int vu_qemurun_set_state(const struct vu_state *st, const char *name, enum vu_domstate s,
			 const char *reason);

#endif
