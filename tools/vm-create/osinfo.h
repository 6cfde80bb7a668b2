/* SPDX-License-Identifier: GPL-2.0-or-later */
/* osinfo.h - vm-create's OS defaults, read lazily from the system osinfo-db */
#ifndef VM_CREATE_OSINFO_H
#define VM_CREATE_OSINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vu/err.h"

/*
 * What vm-create takes from an OS entry (its own and what it inherits via
 * derives-from / clones). Strings are malloc'd (osinfo_clear frees them);
 * device choices point at static strings.
 */
struct osinfo {
	char *short_id;		/* "rhel7.0"; "generic" for generic/none */
	char *id;		/* "http://redhat.com/rhel/7.0"; NULL for generic */
	char *name;		/* "Red Hat Enterprise Linux 7.0" */
	char *family;		/* "linux", "winnt", ...; NULL when unknown */
	const char *disk_bus;	/* "virtio", "sata" or "ide" */
	const char *nic_model;	/* "virtio", "e1000e", "e1000" or "rtl8139"
				 * (or "ne2k_pci" / "pcnet" for the old OSes
				 * that list only those, as virt-install) */
	const char *video;	/* "virtio", "qxl", "vga" or "cirrus"
				 * (osinfo_adapt may also give "bochs") */
	uint64_t min_ram_mib;	/* 0: unknown */
	uint64_t rec_ram_mib;	/* 0: unknown (twice the minimum when the
				 * entry has no recommendation, as virt-install) */
	unsigned rec_vcpus;	/* 0: unknown (likewise) */
	bool virtio_rng;	/* the OS drives virtio-rng */
	bool virtio_balloon;	/* the OS drives virtio-balloon */
	bool usb_tablet;	/* the OS drives a USB tablet */
	bool uefi;		/* the OS needs (or prefers) UEFI firmware */
};

/*
 * Finds an OS by short id ("rhel7.0", "fedora38"), full id URI, or an alias
 * from vm-create's table (the seeds' "rhel7", "rhel6", "rhel5", "fedora11",
 * "sles12", "sled12", "sle15"). "generic" and "none" give the generic
 * defaults without reading the database. The database is
 * $OSINFO_SYSTEM_DIR, else /usr/share/osinfo (as libosinfo).
 * -ENOENT with e = "unknown OS name 'X' (did you mean: a, b, c?)" when
 * nothing matches; -EINVAL/-EIO for a database that cannot be read.
 */
int osinfo_lookup(const char *name, struct osinfo *out, struct vu_err *e);
void osinfo_clear(struct osinfo *o);
/*
 * osinfo_lookup's disk_bus, nic_model and video are virt-install's choices
 * for a KVM guest on machine "pc" (i440fx) with VNC graphics and BIOS.
 * virt-install's choice depends on those too; this redoes it for others:
 * on q35 ("q35", "pc-q35-*") a disk that is not virtio goes on "sata" and a
 * NIC that is not virtio is an "e1000e"; video that is not virtio is "qxl"
 * with graphics "spice", else "bochs" with UEFI. NULL machine or graphics
 * change nothing.
 */
void osinfo_adapt(struct osinfo *o, const char *machine, const char *graphics, bool uefi);
/* Prints every short id, one per line, sorted (for `--osinfo list` and
 * bash completion). */
int osinfo_list(FILE *f, struct vu_err *e);

#endif
