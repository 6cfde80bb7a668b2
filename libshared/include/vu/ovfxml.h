/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ovfxml.h - what an OVF descriptor's VirtualSystem asks for, read from its
 * VirtualHardwareSection (DMTF DSP0243) into plain structs */
#ifndef VU_OVFXML_H
#define VU_OVFXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vu/err.h"

struct vu_ovf_disk {
	char *href;		/* the References/File the disk's fileRef names */
	char bus[8];		/* its controller: "ide", "scsi", "sata" */
};

struct vu_ovf_nic {
	char *network;		/* rasd:Connection, or NULL */
	char model[16];		/* libvirt's: "e1000", "vmxnet3", "virtio", ... */
	char mac[18];		/* rasd:Address when it is a MAC address, else "" */
};

struct vu_ovf {
	char *name;		/* VirtualSystem's Name, else its ovf:id */
	char *os;		/* OperatingSystemSection's Description, or NULL */
	unsigned vcpus;
	uint64_t memory;	/* bytes */
	bool efi;		/* VMware's vmw:Config firmware=efi */
	size_t ndisks, nnics;
	struct vu_ovf_disk *disks;	/* in the hardware section's order */
	struct vu_ovf_nic *nics;
};

#define VU_OVF_MAX_DEVICES 64
#define VU_OVF_MAX_VCPUS 4096
#define VU_OVF_MAX_MEMORY (16ull << 40)

/*
 * Parses an OVF envelope of len bytes (vu_xml_parse's safety rules; elements
 * found by local name, whatever their namespace prefixes). The first
 * VirtualSystem is read: processors (3), memory (4, in its
 * AllocationUnits), IDE/SCSI/SATA controllers (5, 6, 20), disks (17, whose
 * HostResource names a DiskSection disk and through it a file), network
 * adapters (10, with their MAC address when rasd:Address holds one) and
 * VMware's firmware setting (vmw:Config key firmware). -EINVAL with one line in e for what does not fit (no
 * VirtualSystem, a disk naming no file, counts out of range).
 */
int vu_ovf_parse(struct vu_ovf *out, const char *buf, size_t len, struct vu_err *e);
void vu_ovf_free(struct vu_ovf *ovf);

#endif
