/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-clone.h - what vm-clone's modules share */
#ifndef VM_CLONE_H
#define VM_CLONE_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>

#include "vu/domainxml.h"
#include "vu/err.h"
#include "vu/ident.h"
#include "vu/state.h"

/* ---- disks.c: which disks are copied, and where to ---- */

enum vc_action {
	VC_SHARE,	/* the clone uses the original's disk (left as it is) */
	VC_COPY,	/* a copy at a new path */
	VC_PRESERVE,	/* an existing file at a new path, nothing copied */
	VC_LINK,	/* a new qcow2 overlay on the original */
};

struct vc_disk {
	xmlNodePtr node;	/* the <disk> in the clone's document */
	char *target;		/* target dev, "" when it has none */
	char *type;		/* file, block, network, volume, dir */
	char *device;		/* disk, cdrom, floppy, lun */
	char *src;		/* source path, or NULL */
	char *fmt;		/* driver type; "raw" when the XML says none */
	enum vc_action action;
	const char *why;	/* why it is shared, for -v */
	char *dst;		/* new path */
	bool dst_auto;		/* made up by --auto-clone (reserved) */
};

struct vc_disks {
	struct vc_disk *d;
	size_t n;
};

/* Every disk of dom, with virt-clone's default action: shared when it is
 * read-only, shareable, a CD-ROM, empty or on the network; else copied.
 * -ENOMEM only. */
int vc_disks_read(struct vu_domain *dom, struct vc_disks *ds);
void vc_disks_free(struct vc_disks *ds);
/* A type='volume' disk found in its pool: its file (and format, unless
 * the XML names one) and virt-clone's rules applied to it. The copy is
 * written as a type='file' (or 'block') disk with its real path. */
int vc_disk_set_volume(struct vc_disk *c, const char *path, const char *fmt);
/* --force-copy and --skip-copy TARGET (NULL-terminated lists). A target
 * no disk has, or a forced disk without storage of its own, is -EINVAL
 * with e saying which. */
int vc_disks_choose(struct vc_disks *ds, char *const *force, char *const *skip,
		    struct vu_err *e);
/* Whether anything is copied or linked (a running source refuses it). */
bool vc_disks_copying(const struct vc_disks *ds);
/* How many disks get a path of their own. */
size_t vc_disks_cloned(const struct vc_disks *ds);

/*
 * virt-clone's new names: "NAME-clone", then "NAME-clone1", ... ; a name
 * that already ends in -cloneN goes on counting from N. The n-th
 * candidate (n from 0), malloc'd.
 */
char *vc_clone_name(const char *base, unsigned n);
/*
 * virt-clone's new disk paths: an extension of at most 7 characters is
 * kept; a file named as the old domain takes the new name, any other
 * gets "-clone"; later candidates add "-1", "-2" ... before the
 * extension. The n-th candidate (n from 0), malloc'd.
 */
char *vc_clone_path(const char *orig, const char *oldname, const char *newname, unsigned n);

/* ---- identity.c: what makes the clone another machine ---- */

struct vc_ident {
	const char *old_name, *new_name;
	const char *uuid;		/* canonical */
	char *const *macs;		/* --mac values in interface order, or NULL */
	size_t nmacs;
	vu_mac_used_fn used;		/* MACs other domains have; may be NULL */
	void *opaque;
	const char *nvram;		/* the new nvram path (when there is one) */
};

/*
 * Gives dom its new identity: name, UUID (and the SMBIOS system UUID),
 * no title and no id, a MAC for every interface (--mac in order, RANDOM or
 * missing ones generated, unique among used() and each other), new
 * openvswitch interfaceids, new disk serials and WWNs, log files named for
 * the new domain, graphics on autoport, the nvram path, and a path of its
 * own for every unix socket QEMU binds (mode='bind', or 'server' for
 * vhost-user), the guest agent's among them. A MAC used elsewhere is
 * -EEXIST with e naming it.
 */
int vc_identity(struct vu_domain *dom, const struct vc_ident *id, struct vu_err *e);
/* A copied disk's <serial> and <wwn> made unique (their beginning kept). */
int vc_disk_reidentify(xmlNodePtr disk);
/* The name substituted: old_name inside path's last component becomes
 * new_name; without it, "-NEWNAME" goes before a short extension.
 * malloc'd. */
char *vc_rename_path(const char *path, const char *old_name, const char *new_name);

/* ---- copies.c: the new files ---- */

struct vc_copy_opts {
	bool nonsparse, reflink, replace;
	bool progress, quiet;
};

/* One file to make: a disk's copy or overlay, or the nvram copy. */
struct vc_job {
	const char *src, *fmt;
	const char *dst;
	enum vc_action action;	/* VC_COPY or VC_LINK */
	bool done;		/* under its name: remove it on rollback */
	bool in_place;		/* written into an existing block device */
};

/* Makes each job's file; on failure removes those already made and
 * returns -errno with *failed the job at fault and e saying why. */
int vc_copy_all(struct vc_job *jobs, size_t n, const struct vc_copy_opts *o,
		size_t *failed, struct vu_err *e);
/* Removes what the jobs made (never what existed before). */
void vc_rollback(struct vc_job *jobs, size_t n);

/* ---- reserve.c: names and paths held while copying ---- */

struct vc_resv {
	int fd;			/* holds the flock; -1: nothing held */
	char *path;		/* the reservation file */
};

/* Holds a domain name, or a disk path, for this process, under the state
 * lock: -EEXIST when the domain is defined or the file exists, or another
 * vm-clone holds it; other -errno on errors. */
int vc_reserve_name(const struct vu_state *st, const char *name, struct vc_resv *r);
int vc_reserve_path(const struct vu_state *st, const char *path, struct vc_resv *r);
/* The same for a name --replace may take over: a defined domain of that
 * name is no obstacle, only another vm-clone holding it (-EEXIST). */
int vc_reserve_replace(const struct vu_state *st, const char *name, struct vc_resv *r);
/* Releases a reservation; harmless on one that holds nothing. */
void vc_release(const struct vu_state *st, struct vc_resv *r);

#endif
