/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poolxml.c - libvirt storage pool XML: the document, what each type
 * requires, the fields the tools read, UUID and sizing edits, and virsh's
 * pool-define-as document */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/ident.h"
#include "vu/poolxml.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "model.h"

VU_MODEL_HANDLE(vu_poolxml)

static const char *const type_names[VU_POOL_TYPE_COUNT] = {
	[VU_POOL_DIR] = "dir", [VU_POOL_FS] = "fs", [VU_POOL_NETFS] = "netfs",
	[VU_POOL_LOGICAL] = "logical", [VU_POOL_DISK] = "disk", [VU_POOL_ISCSI] = "iscsi",
	[VU_POOL_ISCSI_DIRECT] = "iscsi-direct", [VU_POOL_SCSI] = "scsi",
	[VU_POOL_MPATH] = "mpath", [VU_POOL_RBD] = "rbd", [VU_POOL_SHEEPDOG] = "sheepdog",
	[VU_POOL_GLUSTER] = "gluster", [VU_POOL_ZFS] = "zfs", [VU_POOL_VSTORAGE] = "vstorage",
};

/* What storagepool.rng requires of each type, so that a definition we
 * accept is one we can print back valid. */
enum {
	NEED_TARGET = 1 << 0,	/* target/path */
	NEED_DEVICE = 1 << 1,	/* source/device */
	NEED_HOST = 1 << 2,	/* source/host */
	NEED_DIR = 1 << 3,	/* source/dir */
	NEED_NAME = 1 << 4,	/* source/name */
	NEED_ADAPTER = 1 << 5,	/* source/adapter */
	NEED_NAME_OR_DEV = 1 << 6,
	NO_TARGET = 1 << 7,	/* the type has no target element */
};

static const unsigned type_needs[VU_POOL_TYPE_COUNT] = {
	[VU_POOL_DIR] = NEED_TARGET,
	[VU_POOL_FS] = NEED_TARGET | NEED_DEVICE,
	[VU_POOL_NETFS] = NEED_TARGET | NEED_HOST | NEED_DIR,
	[VU_POOL_LOGICAL] = NEED_NAME_OR_DEV,
	[VU_POOL_DISK] = NEED_TARGET | NEED_DEVICE,
	[VU_POOL_ISCSI] = NEED_TARGET | NEED_HOST | NEED_DEVICE,
	[VU_POOL_ISCSI_DIRECT] = NEED_HOST | NEED_DEVICE | NO_TARGET,
	[VU_POOL_SCSI] = NEED_TARGET | NEED_ADAPTER,
	[VU_POOL_MPATH] = NEED_TARGET,
	[VU_POOL_RBD] = NEED_HOST | NEED_NAME | NO_TARGET,
	[VU_POOL_SHEEPDOG] = NEED_HOST | NEED_NAME | NO_TARGET,
	[VU_POOL_GLUSTER] = NEED_HOST | NEED_NAME | NO_TARGET,
	[VU_POOL_ZFS] = NEED_NAME,
	[VU_POOL_VSTORAGE] = NEED_TARGET | NEED_NAME,
};

/* Source formats the schema allows for the types we run. */
static const char *const fs_formats[] = {
	"auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat",
	"hfs+", "xfs", "ocfs2", "vmfs", NULL,
};
static const char *const disk_formats[] = {
	"unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2", NULL,
};

const char *vu_pool_type_name(enum vu_pool_type t)
{
	return (unsigned)t < VU_POOL_TYPE_COUNT ? type_names[t] : NULL;
}

int vu_pool_type_parse(const char *s)
{
	return vu_word_index(s, type_names, VU_POOL_TYPE_COUNT);
}

/* ---- the document ---- */

int vu_poolxml_copy(struct vu_poolxml **out, const struct vu_poolxml *px)
{
	return vu_poolxml_wrap(out, xmlCopyDoc(px->doc, 1));
}

/* ---- the check and the fields ---- */

void vu_pool_def_free(struct vu_pool_def *def)
{
	free(def->name);
	free(def->uuid);
	free(def->target);
	free(def->source_device);
	free(def->source_format);
	free(def->source_dir);
	free(def->source_host);
	free(def->source_name);
	memset(def, 0, sizeof(*def));
	def->mode = -1;
	def->owner = def->group = -1;
}

static int read_root(xmlNodePtr root, struct vu_pool_def *def, struct vu_err *e)
{
	char *type;
	int t;

	if (!vu_node_is(root, "pool"))
		return vu_err_set(e, EINVAL, "the root element is not <pool>");
	t = vu_node_get(root, NULL, "type", &type);
	if (t < 0)
		return t == -ENOENT ? vu_err_set(e, EINVAL, "the pool has no type") : t;
	t = vu_pool_type_parse(type);
	if (t < 0)
		vu_err_set(e, EINVAL, "unknown pool type '%s'", VU_SHOWN(type));
	free(type);
	if (t < 0)
		return -EINVAL;
	def->type = (enum vu_pool_type)t;
	return 0;
}

static int read_name(xmlNodePtr root, struct vu_pool_def *def, struct vu_err *e)
{
	int r;

	if (vu_node_count(root, "name") != 1)
		return vu_err_set(e, EINVAL, "a pool needs exactly one <name>");
	if ((r = vu_node_get(root, "name", NULL, &def->name)) < 0)
		return r;
	return vu_xml_name_check("pool", def->name, e);
}

static int read_uuid(xmlNodePtr root, struct vu_pool_def *def, struct vu_err *e)
{
	char canon[VU_UUID_STRLEN];
	char *text;
	int r = vu_node_get(root, "uuid", NULL, &text);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (vu_uuid_normalize(text, canon) < 0) {
		vu_err_set(e, EINVAL, "invalid UUID '%s'", VU_SHOWN(text));
		free(text);
		return -EINVAL;
	}
	free(text);
	def->uuid = strdup(canon);
	return def->uuid ? 0 : -ENOMEM;
}

/* An octal mode as libvirt writes it (0711). */
static int parse_mode(const char *s, int *mode)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (!*s || *end || errno || v < 0 || v > 07777)
		return -EINVAL;
	*mode = (int)v;
	return 0;
}

/* -1 or a non-negative id. */
static int parse_id(const char *s, long long *id)
{
	char *end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (!*s || *end || errno || *id < -1)
		return -EINVAL;
	return 0;
}

static int read_perms(xmlNodePtr root, struct vu_pool_def *def, struct vu_err *e)
{
	xmlNodePtr perms = vu_node_find(root, "target/permissions");
	static const char *const fields[] = { "mode", "owner", "group" };
	int r = 0;

	for (int i = 0; i < 3 && r == 0 && perms; i++) {
		char *text;

		r = vu_model_opt(perms, fields[i], NULL, &text);
		if (r < 0 || !text)
			continue;
		r = i == 0 ? parse_mode(text, &def->mode)
			   : parse_id(text, i == 1 ? &def->owner : &def->group);
		if (r < 0)
			vu_err_set(e, EINVAL, "invalid target permission %s '%s'", fields[i],
				   VU_SHOWN(text));
		free(text);
	}
	return r;
}

static int read_target(xmlNodePtr root, struct vu_pool_def *def, struct vu_err *e)
{
	int r = vu_model_opt(root, "target/path", NULL, &def->target);
	size_t len;

	if (r < 0)
		return r;
	if (!def->target) {
		if (type_needs[def->type] & NEED_TARGET)
			return vu_err_set(e, EINVAL, "a pool of type '%s' needs a target path",
					  type_names[def->type]);
		return 0;
	}
	if (def->target[0] != '/')
		return vu_err_set(e, EINVAL, "target path '%s' is not absolute",
				  VU_SHOWN(def->target));
	len = strlen(def->target);
	while (len > 1 && def->target[len - 1] == '/')
		def->target[--len] = '\0';
	return read_perms(root, def, e);
}

static int read_source_fields(xmlNodePtr src, struct vu_pool_def *def)
{
	int r = vu_model_opt(src, "device", "path", &def->source_device);

	if (r == 0)
		r = vu_model_opt(src, "format", "type", &def->source_format);
	if (r == 0)
		r = vu_model_opt(src, "dir", "path", &def->source_dir);
	if (r == 0)
		r = vu_model_opt(src, "host", "name", &def->source_host);
	if (r == 0)
		r = vu_model_opt(src, "name", NULL, &def->source_name);
	return r;
}

static int need(struct vu_err *e, const struct vu_pool_def *def, const char *what)
{
	return vu_err_set(e, EINVAL, "a pool of type '%s' needs %s", type_names[def->type], what);
}

static int check_source(xmlNodePtr src, const struct vu_pool_def *def, struct vu_err *e)
{
	unsigned n = type_needs[def->type];

	if ((n & NEED_DEVICE) && !def->source_device)
		return need(e, def, "a source device");
	if ((n & NEED_HOST) && !def->source_host)
		return need(e, def, "a source host");
	if ((n & NEED_DIR) && !def->source_dir)
		return need(e, def, "a source directory");
	if ((n & NEED_NAME) && !def->source_name)
		return need(e, def, "a source name");
	if ((n & NEED_ADAPTER) && !vu_node_child(src, "adapter"))
		return need(e, def, "a source adapter");
	if ((n & NEED_NAME_OR_DEV) && !def->source_name && !def->source_device)
		return need(e, def, "a source name or device");
	if ((n & NO_TARGET) && def->target)
		return vu_err_set(e, EINVAL, "a pool of type '%s' has no target",
				  type_names[def->type]);
	return 0;
}

static int check_format(const struct vu_pool_def *def, struct vu_err *e)
{
	const char *const *allowed = def->type == VU_POOL_FS ? fs_formats :
				     def->type == VU_POOL_DISK ? disk_formats : NULL;

	if (!allowed || !def->source_format || vu_word_in(def->source_format, allowed))
		return 0;
	return vu_err_set(e, EINVAL, "unknown source format '%s' for a pool of type '%s'",
			  VU_SHOWN(def->source_format), type_names[def->type]);
}

/* Absolute paths where the schema wants them: a relative device would be
 * looked up in whatever directory the tool happens to run. */
static int check_paths(const struct vu_pool_def *def, struct vu_err *e)
{
	if ((def->type == VU_POOL_FS || def->type == VU_POOL_DISK) && def->source_device &&
	    def->source_device[0] != '/')
		return vu_err_set(e, EINVAL, "source device '%s' is not absolute",
				  VU_SHOWN(def->source_device));
	return 0;
}

int vu_poolxml_read(const struct vu_poolxml *px, struct vu_pool_def *def, struct vu_err *e)
{
	xmlNodePtr root = px ? xmlDocGetRootElement(px->doc) : NULL;
	xmlNodePtr src;
	int r;

	memset(def, 0, sizeof(*def));
	def->mode = -1;
	def->owner = def->group = -1;
	r = read_root(root, def, e);
	if (r == 0)
		r = read_name(root, def, e);
	if (r == 0)
		r = read_uuid(root, def, e);
	if (r == 0)
		r = read_target(root, def, e);
	src = vu_node_child(root, "source");
	if (r == 0 && (r = read_source_fields(src, def)) < 0)
		vu_err_set(e, ENOMEM, NULL);
	if (r == 0)
		r = check_source(src, def, e);
	if (r == 0)
		r = check_format(def, e);
	if (r == 0)
		r = check_paths(def, e);
	if (r == -ENOMEM)
		vu_err_set(e, ENOMEM, NULL);
	if (r < 0)
		vu_pool_def_free(def);
	return r;
}

/* ---- edits ---- */

int vu_poolxml_set_uuid(struct vu_poolxml *px, const char *uuid)
{
	xmlNodePtr root = xmlDocGetRootElement(px->doc);

	vu_node_remove_all(root, "uuid");
	return vu_node_insert(root, "uuid", uuid, NULL);
}

void vu_poolxml_drop_sizing(struct vu_poolxml *px)
{
	xmlNodePtr root = xmlDocGetRootElement(px->doc);

	vu_node_remove_all(root, "capacity");
	vu_node_remove_all(root, "allocation");
	vu_node_remove_all(root, "available");
}

int vu_poolxml_set_sizing(struct vu_poolxml *px, uint64_t capacity, uint64_t allocation,
			  uint64_t available)
{
	xmlNodePtr root = xmlDocGetRootElement(px->doc), n;
	const char *names[] = { "capacity", "allocation", "available" };
	uint64_t vals[] = { capacity, allocation, available };
	int r = 0;

	vu_poolxml_drop_sizing(px);
	for (int i = 0; r == 0 && i < 3; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%" PRIu64, vals[i]);
		r = vu_node_insert(root, names[i], num, &n);
		if (r == 0)
			r = vu_node_set(n, NULL, "unit", "bytes");
	}
	return r;
}

/* ---- virsh's pool-define-as ---- */

/* A define-as field counts when given and not virsh's "-" placeholder. */
static const char *field(const char *s)
{
	return s && *s && strcmp(s, "-") != 0 ? s : NULL;
}

/* <name attr='val'/> under parent when val is given. */
static int add_attr_elem(xmlNodePtr parent, const char *name, const char *attr,
			 const char *val)
{
	xmlNodePtr n;
	int r;

	if (!field(val))
		return 0;
	r = vu_node_insert(parent, name, NULL, &n);
	return r < 0 ? r : vu_node_set(n, NULL, attr, val);
}

static int build_source(xmlNodePtr root, const struct vu_pool_as *as)
{
	xmlNodePtr src;
	int r;

	if (!field(as->source_host) && !field(as->source_path) && !field(as->source_dev) &&
	    !field(as->source_name) && !field(as->source_format))
		return 0;
	r = vu_node_insert(root, "source", NULL, &src);
	if (r == 0)
		r = add_attr_elem(src, "host", "name", as->source_host);
	if (r == 0)
		r = add_attr_elem(src, "dir", "path", as->source_path);
	if (r == 0)
		r = add_attr_elem(src, "device", "path", as->source_dev);
	if (r == 0)
		r = add_attr_elem(src, "format", "type", as->source_format);
	if (r == 0 && field(as->source_name))
		r = vu_node_insert(src, "name", as->source_name, NULL);
	return r;
}

int vu_poolxml_new(struct vu_poolxml **out, const struct vu_pool_as *as)
{
	xmlNodePtr root, t;
	xmlDocPtr doc;
	int r = vu_model_new(&doc, "pool", &root);

	*out = NULL;
	if (r < 0)
		return r;
	r = vu_node_set(root, NULL, "type", as->type);
	if (r == 0)
		r = vu_node_insert(root, "name", as->name, NULL);
	if (r == 0)
		r = build_source(root, as);
	if (r == 0 && field(as->target)) {
		r = vu_node_insert(root, "target", NULL, &t);
		if (r == 0)
			r = vu_node_insert(t, "path", as->target, NULL);
	}
	if (r < 0) {
		xmlFreeDoc(doc);
		return r;
	}
	return vu_poolxml_wrap(out, doc);
}
