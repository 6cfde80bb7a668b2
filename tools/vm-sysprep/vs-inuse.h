/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vs-inuse.h - whether a disk or a domain is in use (inuse.c) */
#ifndef VS_INUSE_H
#define VS_INUSE_H

struct vu_state;

/* 1 when a QEMU process (or qemu-img, qemu-io) holds the image's locks,
 * 0 when none does, -errno when the file cannot be opened. */
int vs_disk_locked(const char *path);
/* 1 when the domain runs (its pidfile in the run directory is locked by
 * QEMU, or vm-ctl's RUN/qemu/NAME.pid names a live process), else 0 or
 * -errno. */
int vs_domain_running(const struct vu_state *st, const char *name);

#endif
