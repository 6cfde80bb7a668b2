/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmdline_int.h - the command-line builder's state, shared by cmdline*.c */
#ifndef VU_CMDLINE_INT_H
#define VU_CMDLINE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "vu/base.h"
#include "vu/qemucmd.h"

/*
 * One build. Errors are sticky: once err is set every qb_* call does
 * nothing, so the modules write their options in a row and check once.
 * Strings from qb_get and qb_q live until the build ends (the scratch
 * list), which keeps free() out of the mapping code.
 */
struct qb {
	const struct vu_domain *dom;
	const struct vu_qemu_env *env;
	struct vu_qemu_cmd *cmd;
	struct vu_err *e;
	int err;
	size_t cap;		/* argv capacity */
	char **scratch;
	size_t nscratch, capscratch;
	bool q35;
	bool kvm;
	unsigned vcpus;
	unsigned long long mem_kib;
	unsigned fdset;		/* next -add-fd set id */
	unsigned nblk, nnet, nchr, nfs;
	unsigned nserial, nparallel, nvport, nvideo, ninput, nsound;
	unsigned nrng, nhostdev;
	bool balloon_none;	/* <memballoon model='none'> */
	bool shared_mem;	/* guest RAM is a shared memfd (virtiofs) */
	bool usb;		/* a USB controller is there */
	bool vserial;		/* virtio-serial-pci vserial0 is there */
	bool sata, fdc;		/* ahci (pc) / isa-fdc (q35) added */
	bool scsi;		/* a SCSI controller is there */
	bool scsi_lsi;		/* ... and it is lsi, not virtio-scsi */
	bool usb_none;		/* <controller type='usb' model='none'> */
	const char *boot[VU_BOOT_MAX];	/* <os><boot dev>, not yet given */
	size_t nboot;
	bool dev_boot;		/* some device has <boot order> */
};

/* ---- cmdline_util.c ---- */
int qb_fail(struct qb *b, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends one argument (copied). */
void qb_arg(struct qb *b, const char *s);
/* Appends opt, then the formatted value. */
void qb_opt(struct qb *b, const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s with commas doubled, for a QEMU option value ("" for NULL). */
const char *qb_q(struct qb *b, const char *s);
/* A formatted string living until the build ends. */
const char *qb_fmt(struct qb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vu_node_get's value (NULL when absent) living until the build ends. */
const char *qb_get(struct qb *b, const xmlNode *node, const char *path, const char *attr);
/* The same as a number; def when absent, an error naming what when bad. */
unsigned long long qb_uint(struct qb *b, const xmlNode *node, const char *path,
			   const char *attr, unsigned long long def, const char *what);
/* The same in C's notation (0x10, 16): what libvirt writes in hex. */
unsigned long long qb_num(struct qb *b, const xmlNode *node, const char *path,
			  const char *attr, unsigned long long def, const char *what);
/* Every child element of node is one of allowed (NULL-terminated), else
 * an error "WHERE<child>: not supported". */
void qb_only(struct qb *b, const xmlNode *node, const char *where,
	     const char *const *allowed);
/* Every attribute of node is one of allowed, else the same error. */
void qb_attrs(struct qb *b, const xmlNode *node, const char *where,
	      const char *const *allowed);
/* value is NULL or one of words; else "WHERE: 'value' is not supported". */
void qb_word(struct qb *b, const char *value, const char *where, const char *const *words);
/* ",bootindex=N" for a device whose boot order is order, or the next
 * <os><boot dev> of kind ("hd", "cdrom", "network", "fd") when no device
 * has a <boot order>; "" when neither. */
const char *qb_bootindex(struct qb *b, unsigned order, const char *kind);
/* ",bus=pci.0,addr=0xS.F" from the device's <address type='pci'>, "" when
 * it has none; other address types or buses are refused. */
const char *qb_pci_addr(struct qb *b, const xmlNode *dev, const char *where);
/* ",port=P" from the device's <address type='usb' bus='0' port='P'>, ""
 * when it has none; other addresses are refused. */
const char *qb_usb_addr(struct qb *b, const xmlNode *dev, const char *where);
/* Records an fd to pass: -add-fd fd=N,set=K; returns "/dev/fdset/K". */
const char *qb_fdset(struct qb *b, int fd);

/* ---- the modules: each maps its part of the document ---- */
void qb_machine(struct qb *b);		/* cmdline.c: machine, accel, cpu, memory */
void qb_os(struct qb *b);		/* cmdline_os.c: os, features, clock, sysinfo */
void qb_lifecycle(struct qb *b);	/* cmdline_os.c */
/* ",hv-relaxed=on,kvmclock=off..." for -cpu, "" when none (cmdline_os.c). */
const char *qb_cpu_flags(struct qb *b);
void qb_disk(struct qb *b, xmlNodePtr disk);		/* cmdline_disk.c */
void qb_controller(struct qb *b, xmlNodePtr ctl);	/* cmdline_ctl.c */
/* Adds libvirt's default USB controller unless there is one (or an error
 * naming where when the domain has none). cmdline_disk.c */
void qb_need_usb(struct qb *b, const char *where);
void qb_interface(struct qb *b, xmlNodePtr iface);	/* cmdline_net.c */
void qb_chardev(struct qb *b, xmlNodePtr chr);		/* cmdline_chr.c */
void qb_graphics(struct qb *b, xmlNodePtr g);		/* cmdline_gfx.c */
void qb_video(struct qb *b, xmlNodePtr v);		/* cmdline_gfx.c */
void qb_device(struct qb *b, xmlNodePtr dev);		/* cmdline_dev.c: the rest */
/* What libvirt adds when the XML says nothing (the balloon). cmdline_dev.c */
void qb_devices_done(struct qb *b);
/* cmdline_util.c: a result array grown by one element of size sz. */
void *qb_grow(struct qb *b, void *arr, size_t *n, size_t sz);

#endif
