/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vs-appliance.h - vm-sysprep's appliance path: XFS and btrfs guests, which
 * no user-space library edits safely, are booted under QEMU in a small
 * appliance (a host kernel, busybox, the modules they need and vm-sysprep
 * itself) that mounts them as their fstab says and runs the same
 * operations on the mounted tree (vu_guest_open_dir) */
#ifndef VS_APPLIANCE_H
#define VS_APPLIANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "vu/err.h"
#include "vu/guestfs.h"

/* Where the appliance mounts the guest, and the file holding the options
 * vm-sysprep runs with inside (NUL-separated, the program name excluded). */
#define VS_AP_ROOT "/sysroot"
#define VS_AP_ARGS_NAME "vs/args"	/* in the archive */
#define VS_AP_ARGS "/" VS_AP_ARGS_NAME

struct vs_appliance {
	const char *kernel;	/* NULL: $VU_APPLIANCE_KERNEL, else /boot/vmlinuz-$(uname -r) */
	const char *modules;	/* NULL: $VU_APPLIANCE_MODULES, else /lib/modules/VERSION */
	const char *busybox;	/* NULL: $VU_APPLIANCE_BUSYBOX, else /bin/busybox */
	const struct vu_guest_disk *disks;
	size_t ndisks;
	const char *fstypes[4];	/* vs_ap_probe */
	char *lvs;		/* vs_ap_probe */
	char **args;		/* the options for inside, NULL-terminated */
	/* Host files or trees the options read, and their names in the
	 * initramfs (where args name them): pairs, NULL-terminated, or NULL. */
	char **files;
	bool readonly;		/* --dry-run: disks attached read-only */
	bool binds;		/* /dev, /proc, /sys bound into the guest (--run) */
	bool verbose;		/* -v: the appliance's kernel console on stderr */
};

/* The filesystem type that sends a guest to the appliance ("xfs",
 * "btrfs"), or NULL when the in-place path can do it all. */
const char *vs_ap_needed(const struct vu_guest *g);
/* What the appliance needs to know of the guest before it is closed: the
 * modules for its filesystem types (xfs, btrfs; loop for LVs) and its
 * one-segment LVs, which /init maps as loop devices over the disk at the
 * LV's offset ("vdX OFFSET /dev/VG/LV /dev/mapper/VG-LV" lines, malloc'd).
 * -ENOMEM. */
int vs_ap_probe(const struct vu_guest *g, struct vs_appliance *ap);
/*
 * Builds the appliance, boots it under QEMU (TCG) with the disks attached,
 * relays what vm-sysprep says inside to stderr and returns its exit status
 * (>= 0), or -errno with e saying why the appliance itself failed.
 */
int vs_ap_run(const struct vs_appliance *ap, struct vu_err *e);

/* The options file written by vs_ap_run, as an argv (argv0 first,
 * NULL-terminated, malloc'd); -errno. */
int vs_ap_read_args(const char *path, const char *argv0, char ***argv, int *argc);

/* The appliance's /init script (apinit.c). */
extern const char vs_ap_init[];

/* The kernel modules to load from moddir for a guest with these
 * filesystem types (NULL-terminated), dependencies first (paths,
 * NULL-terminated, malloc'd); built-in ones are absent. A type with neither
 * a module nor a modules.builtin line is -ENOENT. */
int vs_ap_modules(const char *moddir, const char *const *fstypes, char ***paths, size_t *n,
		  struct vu_err *e);
bool vs_ap_builtin(const char *moddir, const char *name);
void vs_strv_free(char **v);

#endif
