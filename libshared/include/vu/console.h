/* SPDX-License-Identifier: GPL-2.0-or-later */
/* console.h - a running guest's serial console, found in its live XML and
 * relayed to the user's terminal until the escape character: vm-ctl
 * console, vm-ctl start --console, vm-create --autoconsole text */
#ifndef VU_CONSOLE_H
#define VU_CONSOLE_H

#include <signal.h>
#include <stdbool.h>
#include <termios.h>

#include "vu/domainxml.h"
#include "vu/err.h"

/* virsh's escape: ^] (GS, 0x1d). */
#define VU_CONSOLE_ESCAPE 0x1d

/* Where a running domain's console is: a pty QEMU made (the path from the
 * live XML) or a unix socket QEMU listens on. */
struct vu_console_dev {
	char *path;
	bool socket;
};

/*
 * The console of the live XML dom, as virsh console picks it: the first
 * <console>, else the first <serial>, of type pty (its source path, or
 * the tty attribute) or unix with mode='bind'. -ENOENT with e when the
 * domain has none ("domain has no console on a pty or unix socket");
 * -EINVAL for a pty path outside /dev/pts or a relative socket path (the
 * XML is not ours then).
 */
int vu_console_find(const struct vu_domain *dom, struct vu_console_dev *out,
		      struct vu_err *e);
void vu_console_dev_clear(struct vu_console_dev *d);
/* Opens it read-write (a pty in raw mode, a socket connected), close on
 * exec. An fd or -errno with e. */
int vu_console_open(const struct vu_console_dev *d, struct vu_err *e);

/*
 * One session per domain: the lock file NAME.console in the run directory
 * dirfd, holding the pid of the session that has it. Another session is
 * -EBUSY ("Active console session exists for this domain", virsh's
 * words) unless force, which sends it SIGTERM and waits (5 s at most) for
 * it to let go. The lock fd (close to release), or -errno with e.
 */
int vu_console_lock(int dirfd, const char *name, bool force, struct vu_err *e);

/* How the relay ended. */
enum vu_console_end {
	VU_CONSOLE_ESCAPED,	/* the user typed the escape character */
	VU_CONSOLE_HANGUP,	/* the console went away: QEMU ended */
	VU_CONSOLE_STOPPED,	/* *stop was set (a signal) */
};

/*
 * Copies what the user types (in) to the console and what the console
 * says to out, until one of the ends above; bytes typed before the escape
 * go through, the escape and what follows it do not. When in reaches end
 * of file (not a terminal: a script), the guest's output is still copied
 * until the console hangs up or *stop is set. stop may be NULL. The end,
 * or -errno on a read or write error on the user's side.
 */
int vu_console_relay(int in, int out, int console, int escape,
		       volatile sig_atomic_t *stop);

/* The user's terminal fd in raw mode, as virsh console sets it; *saved is
 * what to restore. 0, or -ENOTTY when fd is not a terminal (nothing to
 * do), -errno. */
int vu_term_raw(int fd, struct termios *saved);
void vu_term_restore(int fd, const struct termios *saved);

/*
 * A whole session on the running domain NAME's console: its live XML,
 * the lock (force as vu_console_lock, in RUN/qemu), the device opened,
 * banner (may be NULL) written to out, in made raw when it is a terminal,
 * the relay, the terminal restored. The relay's end, or -errno with e
 * ("domain is not running", the lock's words, ...).
 */
struct vu_state;
int vu_console_attach(const struct vu_state *st, const char *name, bool force, int in, int out,
		      const char *banner, volatile sig_atomic_t *stop, struct vu_err *e);

#endif
