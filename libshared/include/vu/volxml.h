/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volxml.h - libvirt storage volume XML: the document, a volume asked for,
 * a volume as it is */
#ifndef VU_VOLXML_H
#define VU_VOLXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <libxml/tree.h>

#include "vu/err.h"

/* libvirt's schema for volume documents (the tests validate against it). */
#define VU_VOL_RNG "/usr/share/libvirt/schemas/storagevol.rng"

/*
 * A volume document, as struct vu_poolxml is for pools (the pattern is in
 * vu/xmlnode.h): loaded, or built from a request or from a volume as it is.
 */
struct vu_volxml;

/* Loads from a path, or stdin for "-" (vu_xml_load's safety rules and
 * errors); parses a buffer of len bytes. Nothing is checked yet. */
int vu_volxml_load(struct vu_volxml **out, const char *path, struct vu_err *e);
int vu_volxml_parse(struct vu_volxml **out, const char *buf, size_t len,
		    struct vu_err *e);
/* Frees it and sets *vx to NULL; NULL and *vx == NULL are fine. */
void vu_volxml_free(struct vu_volxml **vx);
/* As libvirt writes it (vu_xml_format); malloc'd, NULL on ENOMEM. */
char *vu_volxml_format(const struct vu_volxml *vx);
/* The tree, for C14N and schema validation; it still belongs to vx. */
xmlDocPtr vu_volxml_doc(const struct vu_volxml *vx);

/*
 * A volume as vol-create's XML (or vol-create-as's options) asks for it.
 * Strings are malloc'd (NULL when absent); has_* say whether a size was
 * given; mode, owner, group are -1 when absent; version is 0 unless
 * <compat> says 0.10 (2) or 1.1 (3).
 */
struct vu_volspec {
	char *name;
	uint64_t capacity, allocation;
	bool has_capacity, has_allocation;
	char *format;			/* target/format@type */
	char *backing_path;		/* backingStore/path */
	char *backing_format;		/* backingStore/format@type */
	int mode;
	long long owner, group;
	int version;
	uint64_t cluster_size;		/* target/clusterSize, 0 when absent */
	bool lazy_refcounts;		/* target/features/lazy_refcounts */
	bool extended_l2;		/* target/features/extended_l2 */
};

/*
 * The check, in one place, and the request: a <volume> document with a
 * valid name (vu_name_check), sizes as libvirt's scaled integers
 * (<capacity unit='G'>10</capacity>: virsh's units, bytes by default), an
 * octal mode, ids, an absolute backing path. Fills s (free with
 * vu_volspec_free). 0, -EINVAL with e, or -ENOMEM.
 */
int vu_volxml_read(const struct vu_volxml *vx, struct vu_volspec *s, struct vu_err *e);
void vu_volspec_free(struct vu_volspec *s);
/* The document virsh vol-create-as builds from the same fields (name,
 * capacity, allocation when given, target format, backingStore).
 * 0 or -ENOMEM. */
int vu_volxml_new_spec(struct vu_volxml **out, const struct vu_volspec *s);

/* Ownership, mode and times of a file, as <permissions> and <timestamps>. */
struct vu_volfile {
	int mode;			/* permission bits */
	unsigned uid, gid;
	struct timespec atime, mtime, ctime, btime;
	bool has_btime;
};

/* A disk pool volume's place on its disk (<source><device><extent>). */
struct vu_volextent {
	const char *device;
	uint64_t start, end;		/* bytes, end exclusive */
};

/* A volume as it is, for vol-dumpxml. Borrowed strings; NULL leaves an
 * element out. */
struct vu_volinfo {
	const char *type;		/* "file" or "block" */
	const char *name, *key, *path;
	const char *format;		/* raw, qcow2; disk volumes: linux, ... */
	uint64_t capacity, allocation, physical;
	struct vu_volfile file;
	const struct vu_volextent *extent;
	const char *compat;		/* qcow2: "0.10" or "1.1" */
	uint64_t cluster_size;		/* 0: none */
	bool lazy_refcounts, extended_l2;
	const char *backing_path, *backing_format;
	const struct vu_volfile *backing_file;	/* NULL: not stat'ed */
};

/* The document libvirt's storage driver gives for such a volume. 0 or
 * -ENOMEM. */
int vu_volxml_new(struct vu_volxml **out, const struct vu_volinfo *v);

#endif
