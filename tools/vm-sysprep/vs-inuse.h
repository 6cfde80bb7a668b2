/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vs-inuse.h - whether a disk or a domain is in use (inuse.c) */
#ifndef VS_INUSE_H
#define VS_INUSE_H

#include <stdbool.h>

struct vu_state;

/* 1 when a QEMU process (or qemu-img, qemu-io) holds the image's locks,
 * 0 when none does, -errno when the file cannot be opened. */
int vs_disk_locked(const char *path);
/*
 * Takes QEMU's own locks on the image for the run, as a QEMU with the disk
 * open would (write: in use and not shared; else: read, and no writer
 * shared), so that a QEMU started meanwhile, or a second vm-sysprep,
 * refuses the disk. Returns the fd holding them (close to release),
 * -EBUSY when another holds conflicting ones, or -errno.
 */
int vs_disk_hold(const char *path, bool write);
/* 1 when the domain runs (its pidfile in the run directory is locked by
 * QEMU, or vm-ctl's RUN/qemu/NAME.pid names a live process), else 0 or
 * -errno. */
int vs_domain_running(const struct vu_state *st, const char *name);

#endif
