/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-create.h - what vm-create's modules share: the options as parsed, the
 * plan of what will be created, and the functions that build the domain */
#ifndef VM_CREATE_H
#define VM_CREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "vu/domainxml.h"
#include "vu/err.h"
#include "vu/state.h"
#include "vu/storage.h"
#include "vu/subopt.h"

#include "devopts.h"
#include "location.h"
#include "osinfo.h"

struct strlist {
	const char **v;
	size_t n;
};

/* One occurrence of a device option, kept in command-line order. */
struct devarg {
	const struct devopt *opt;
	const char *arg;
};

/* A disk to add, once its --disk argument is understood. */
struct disk_plan {
	const char *arg;		/* the option's argument, for messages */
	struct vu_subopts *so;		/* its sub-options, which strings below point in */
	char *path;			/* source path; NULL: an empty CD-ROM */
	char *pool;			/* pool of a volume to create */
	char *volname;			/* its name in the pool */
	const char *type;		/* "file" or "block" */
	const char *device;		/* disk, cdrom, floppy */
	char *format;			/* raw, qcow2, ...; NULL: unknown */
	const char *bus;
	const char *cache, *io, *discard, *serial, *backing;
	bool readonly, shareable, sparse;
	unsigned boot_order;
	uint64_t size;			/* bytes to create; 0: use as it is */
	bool create;			/* a new image is made */
	bool created;			/* ... and it exists now */
	bool install_media;		/* --cdrom: source only while installing */
};

/* Everything the command line said, and what was made of it. */
struct vmc {
	/* options */
	const char *name, *memory, *vcpus, *cpuset, *cpu, *machine, *arch, *virt_type;
	const char *root, *os_variant, *boot, *cdrom, *location, *extra_args;
	const char *uuid, *file, *file_size, *mac;
	struct strlist disks, networks, injects, metadata, membacking;
	struct strlist owned;		/* strings made from options, freed at the end */
	struct devarg *devs;
	size_t ndevs;
	bool nonsparse, nodisks, nonetworks, pxe, import, autostart;
	bool print_xml, dry_run, define, quiet, debug;
	bool start, noreboot;		/* --start, --noreboot */
	bool autoconsole_text;		/* --autoconsole text (default with --graphics none) */
	int autoconsole_opt;		/* 0 unset, 1 text, -1 none (--noautoconsole) */
	bool wait_set;			/* --wait MIN given */
	int wait_min;			/* < 0: for ever */
	bool skip_path_in_use;		/* --check path_in_use=off */
	int print_step;			/* --print-xml STEP; 0: every phase */

	/* resolved */
	struct osinfo os;
	struct vu_state st;
	struct vu_storage storage;
	bool storage_open;
	struct disk_plan *plans;
	size_t nplans;
	char *nvram;			/* --boot uefi: the copy to make */
	char *nvram_template;
	bool nvram_created;
	struct install_media media;	/* --location */
	bool media_fetched;
};

/* main.c */
void vmc_debug(const struct vmc *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "vm-create: OPT: MSG", the --help hint, exit 2; after cleaning up. */
noreturn void vmc_usage(struct vmc *c, const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "vm-create: OBJ: MSG" ("vm-create: MSG" for OBJ NULL, when MSG names
 * its object), exit 1, after removing what was created. */
noreturn void vmc_fail(struct vmc *c, const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The storage (opens the state root on first use). */
struct vu_storage *vmc_storage(struct vmc *c);
/* Keeps s (malloc'd) until the end of the run; returns it. */
char *vmc_own(struct vmc *c, char *s);

/* disks.c */
/* Understands every --disk (and the legacy --file options): errors exit. */
void disks_plan(struct vmc *c);
/* Makes the images planned; on failure exits after removing them. */
void disks_create(struct vmc *c);
/* Adds the planned disks to the domain. */
int disks_add(struct vmc *c, struct vu_domain *dom, struct vu_err *e);
/* Removes every image this run created. */
void disks_remove(struct vmc *c);
void disks_free(struct vmc *c);
extern const char *const disk_keys[];

/* build.c */
extern const char *const memory_keys[], *const vcpu_keys[], *const cpu_keys[],
	*const network_keys[], *const boot_keys[], *const metadata_keys[];
/* The domain as the options say, before disks and devices. */
void build_base(struct vmc *c, struct vu_domain *dom);
void build_networks(struct vmc *c, struct vu_domain *dom);
void build_boot(struct vmc *c, struct vu_domain *dom);
/* After every device: a device with <boot order> removes <os><boot>. */
void build_boot_order(struct vmc *c, struct vu_domain *dom);
/* --boot uefi, or an OS that needs UEFI without a --boot loader=. */
bool vmc_wants_uefi(const struct vmc *c);

/* inuse.c */
extern const char *const check_keys[];
/* One --check NAME=on|off,...; errors exit. */
void check_parse(struct vmc *c, const char *arg);
/* virt-install's path_in_use: a planned disk another defined domain uses
 * is refused (a warning with --check path_in_use=off), unless both
 * domains mark it shareable, or both read-only. */
void disks_check_in_use(struct vmc *c);

/* membacking.c */
extern const char *const memorybacking_keys[];
/* <memoryBacking> from every --memorybacking, and the shared memory a
 * virtiofs filesystem needs; after the devices. */
void build_memorybacking(struct vmc *c, struct vu_domain *dom);

/* start.c */
/* --start, after the domain is defined: start it, then the console or the
 * wait as the options say; the exit status. A start that fails undefines
 * the domain and exits after removing what was created. */
int start_run(struct vmc *c);

/* phase.c */
/* Records the install phase (--cdrom, --location, --pxe) under <metadata>
 * (vu_domain_set_install); the install document is vu_domain_install_phase. */
int phase_record(struct vmc *c, struct vu_domain *dom, struct vu_err *e);
bool phase_has_install(const struct vmc *c);
/* Whether a hard disk (not a CD-ROM or floppy) is planned: virt-install
 * boots hd only then. */
bool phase_has_disk(const struct vmc *c);

#endif
