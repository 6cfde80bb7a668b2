/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poolxml.h - libvirt storage pool XML: the document, its check, typed
 * fields and edits, and virsh's define-as */
#ifndef VU_POOLXML_H
#define VU_POOLXML_H

#include <stddef.h>
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

/* libvirt's schema for pool documents (the tests validate against it). */
#define VU_POOL_RNG "/usr/share/libvirt/schemas/storagepool.rng"

/*
 * A pool document: the tree as the user wrote it, which the functions below
 * read and edit (the pattern is in vu/xmlnode.h). Everything else in it
 * round-trips: loaded and formatted without edits, it is equal under C14N.
 */
struct vu_poolxml;

/* Loads from a path, or stdin for "-" (vu_xml_load's safety rules and
 * errors); parses a buffer of len bytes. Nothing is checked yet. */
int vu_poolxml_load(struct vu_poolxml **out, const char *path, struct vu_err *e);
int vu_poolxml_parse(struct vu_poolxml **out, const char *buf, size_t len,
		     struct vu_err *e);
/* A copy that is edited apart from px. -ENOMEM. */
int vu_poolxml_copy(struct vu_poolxml **out, const struct vu_poolxml *px);
/* Frees it and sets *px to NULL; NULL and *px == NULL are fine. */
void vu_poolxml_free(struct vu_poolxml **px);
/* As libvirt writes it (vu_xml_format); malloc'd, NULL on ENOMEM. */
char *vu_poolxml_format(const struct vu_poolxml *px);
/* The tree, for C14N and schema validation; it still belongs to px. */
xmlDocPtr vu_poolxml_doc(const struct vu_poolxml *px);

/*
 * The fields of a pool definition the tools use, copied out of the tree.
 * Strings are malloc'd and NULL when absent; ids and mode are -1 when
 * absent.
 */
struct vu_pool_def {
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
 * The check, in one place: the document the way libvirt's parser and
 * schema would take it for what every type requires (root <pool>, a known
 * type, a valid name, a UUID if any, an absolute target path and the
 * source elements the type needs; the source format for fs and disk
 * pools). Then fills def (free it with vu_pool_def_free). 0 or -EINVAL
 * with e saying what is wrong, or -ENOMEM.
 */
int vu_poolxml_read(const struct vu_poolxml *px, struct vu_pool_def *def,
		    struct vu_err *e);
void vu_pool_def_free(struct vu_pool_def *def);

/* Sets <uuid> (where libvirt writes it, after <name>). 0 or -ENOMEM. */
int vu_poolxml_set_uuid(struct vu_poolxml *px, const char *uuid);
/* Sets <capacity>, <allocation> and <available> in bytes, after <uuid>,
 * as libvirt's live XML has them. 0 or -ENOMEM. */
int vu_poolxml_set_sizing(struct vu_poolxml *px, uint64_t capacity, uint64_t allocation,
			  uint64_t available);
/* Removes them again (the inactive definition carries none). */
void vu_poolxml_drop_sizing(struct vu_poolxml *px);

/* virsh pool-define-as's arguments; NULL (or "-", or "") leaves one out. */
struct vu_pool_as {
	const char *name, *type;
	const char *source_host, *source_path, *source_dev, *source_name;
	const char *source_format, *target;
};

/* The document virsh builds from them, in virsh's element order; it is
 * not checked here (vu_poolxml_read does that). 0 or -ENOMEM. */
int vu_poolxml_new(struct vu_poolxml **out, const struct vu_pool_as *as);

#endif
