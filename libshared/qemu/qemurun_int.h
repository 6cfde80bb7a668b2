/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemurun_int.h - what runtime*.c, process.c and tap.c share */
#ifndef VU_QEMURUN_INT_H
#define VU_QEMURUN_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "vu/err.h"
#include "vu/qemurun.h"
#include "vu/state.h"

/* RUN/qemu, created (0700) when create; an fd the caller closes, or -errno
 * with e saying which directory. */
int qr_dirfd(const struct vu_state *st, bool create, struct vu_err *e);
/* "RUN/qemu/NAME.EXT", malloc'd (NULL on ENOMEM). */
char *qr_path(const struct vu_state *st, const char *name, const char *ext);
/* Writes text as NAME.EXT in dfd atomically (0600, replacing). */
int qr_write(int dfd, const char *name, const char *ext, const char *text);
/* Reads NAME.EXT whole (at most max bytes); -ENOENT when absent. */
int qr_read(int dfd, const char *name, const char *ext, size_t max, char **out);
/* Removes what a stopped QEMU leaves (pid, sockets, live XML), not the log
 * nor the reason. */
void qr_clean(int dfd, const char *name);
/* The pid QEMU wrote in its pidfile, when it still holds its lock; 0 when
 * it does not run. */
pid_t qr_pid(int dfd, const char *name);

/* Takes NAME.lock (flock, exclusive): the fd holding it, -EWOULDBLOCK
 * when nowait and someone starts or stops the domain, -errno. */
int qr_lock(int dfd, const char *name, bool nowait);
/* The same on NAME.EXT (the monitor's: "mlock"). */
int qr_lock_ext(int dfd, const char *name, const char *ext, bool nowait);

/* The state line of NAME.state ("running booted"). */
int qr_set_state(int dfd, const char *name, enum vu_domstate s, const char *reason);

/* ---- process.c ---- */

struct vu_qmp;
/* Runs argv detached (a session of its own, init's child) with
 * fds[0..nfds) inherited and stdout and stderr to logfd; *qemu its pid. */
int qr_spawn(char *const *argv, const int *fds, size_t nfds, int logfd, pid_t *qemu,
	     struct vu_err *e);
/* Waits for QEMU (pid) to answer on its QMP socket; -EIO with its last log
 * lines when it exits first, -ETIMEDOUT. */
int qr_wait_ready(pid_t pid, const char *qmp, const char *log, int timeout_ms,
		  struct vu_qmp **q, struct vu_err *e);
/* Waits until nobody holds NAME's pidfile lock; -ETIMEDOUT (timeout_ms < 0:
 * for ever). */
int qr_wait_gone(int dfd, const char *name, int timeout_ms);
/* SIGTERM, and SIGKILL after 10 s unless graceful (-EBUSY then); waits
 * until QEMU is gone. -ESRCH when it does not run. */
int qr_kill(int dfd, const char *name, bool graceful, struct vu_err *e);

/* ---- tap.c ---- */

/* A new tap vnetN (its name in ifname), with the host side of mac, on
 * bridge (NULL: none) with mtu (0: the bridge's), up; the fd. */
int qr_tap_open(const char *bridge, const char *mac, unsigned mtu, char *ifname, size_t len,
		struct vu_err *e);

#endif
