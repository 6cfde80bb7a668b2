/* SPDX-License-Identifier: GPL-2.0-or-later */
/* install_int.h - what install.c and install_run.c share */
#ifndef VU_INSTALL_INT_H
#define VU_INSTALL_INT_H

#include <stdbool.h>

#include "vu/err.h"
#include "vu/state.h"

/* RUN/qemu/NAME.install, the hook's lock file, open (0600, created);
 * taken (flock, exclusive, not waiting: -EBUSY "domain is already being
 * installed") when lock. An fd or -errno with e. */
int in_watch_file(const struct vu_state *st, const char *name, bool lock, struct vu_err *e);
/* RUN/qemu/NAME.installing, the mark of an install whose end is to come:
 * made (create) or removed. 0 or -errno. */
int in_marker(const struct vu_state *st, const char *name, bool create);
void in_sleep_ms(long ms);

#endif
