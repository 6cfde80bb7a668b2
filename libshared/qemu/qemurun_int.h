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

/* The state line of NAME.state ("running booted"). */
int qr_set_state(int dfd, const char *name, enum vu_domstate s, const char *reason);

#endif
