/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poolxml.h - libvirt storage pool XML: checks, typed accessors, define-as */
#ifndef VU_POOLXML_H
#define VU_POOLXML_H

#include <stdint.h>
#include <libxml/tree.h>

#include "vu/err.h"

/* libvirt's pool types, in libvirt's order. */
enum vu_pool_type {
	VU_POOL_DIR,
	VU_POOL_FS,
	VU_POOL_NETFS,
	VU_POOL_LOGICAL,
	VU_POOL_DISK,
	VU_POOL_ISCSI,
	VU_POOL_ISCSI_DIRECT,
	VU_POOL_SCSI,
	VU_POOL_MPATH,
	VU_POOL_RBD,
	VU_POOL_SHEEPDOG,
	VU_POOL_GLUSTER,
	VU_POOL_ZFS,
	VU_POOL_VSTORAGE,
	VU_POOL_TYPE_COUNT
};

/* "dir", "fs", ...; NULL outside the enum. */
const char *vu_pool_type_name(enum vu_pool_type t);
/* The type named s, or -EINVAL. */
int vu_pool_type_parse(const char *s);

/*
 * The fields of a pool definition the tools use, copied out of the tree
 * (the tree itself stays as the user wrote it). Strings are malloc'd and
 * NULL when absent; ids and mode are -1 when absent.
 */
struct vu_poolxml {
	enum vu_pool_type type;
	char *name;
	char *uuid;		/* canonical lower case */
	char *target;		/* target/path, without trailing slashes */
	char *source_device;	/* the first source/device@path */
	char *source_format;	/* source/format@type */
	char *source_dir;	/* source/dir@path */
	char *source_host;	/* the first source/host@name */
	char *source_name;	/* source/name */
	int mode;		/* target/permissions/mode */
	long long owner, group;	/* target/permissions/owner, group */
};

/*
 * Checks a pool document the way libvirt's parser and schema would for
 * what every type requires (root <pool>, a known type, a valid name, a
 * UUID if any, an absolute target path and the source elements the type
 * needs; the source format for fs and disk pools), then fills px (free it
 * with vu_poolxml_free). 0 or -EINVAL with e saying what is wrong, or
 * -ENOMEM.
 */
int vu_poolxml_read(xmlDocPtr doc, struct vu_poolxml *px, struct vu_err *e);
void vu_poolxml_free(struct vu_poolxml *px);

/* Sets <uuid> (inserted after <name> when missing). 0 or -ENOMEM. */
int vu_poolxml_set_uuid(xmlDocPtr doc, const char *uuid);
/* Sets <capacity>, <allocation> and <available> in bytes, after <uuid>,
 * as libvirt's live XML has them. 0 or -ENOMEM. */
int vu_poolxml_set_sizing(xmlDocPtr doc, uint64_t capacity, uint64_t allocation,
			  uint64_t available);
/* Removes them again (the inactive definition carries none). */
void vu_poolxml_drop_sizing(xmlDocPtr doc);

/* virsh pool-define-as's arguments; NULL (or "-", or "") leaves one out. */
struct vu_pool_as {
	const char *name, *type;
	const char *source_host, *source_path, *source_dev, *source_name;
	const char *source_format, *target;
};

/* The document virsh builds from them, in virsh's element order; it is
 * not checked here (vu_poolxml_read does that). NULL on ENOMEM. */
xmlDocPtr vu_poolxml_build(const struct vu_pool_as *as);

#endif
