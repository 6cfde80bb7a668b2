/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poolxml.c - libvirt storage pool XML: what each type requires, the fields the
 * tools read, UUID and sizing edits, and virsh's pool-define-as document */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/file.h"
#include "vu/ident.h"
#include "vu/poolxml.h"
#include "xmlnode.h"

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
	for (int i = 0; i < VU_POOL_TYPE_COUNT; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return -EINVAL;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

void vu_poolxml_free(struct vu_poolxml *px)
{
	free(px->name);
	free(px->uuid);
	free(px->target);
	free(px->source_device);
	free(px->source_format);
	free(px->source_dir);
	free(px->source_host);
	free(px->source_name);
	memset(px, 0, sizeof(*px));
	px->mode = -1;
	px->owner = px->group = -1;
}

static int read_root(xmlDocPtr doc, struct vu_poolxml *px, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	bool oom = false;
	char *type;
	int t;

	if (!root || root->ns || strcmp((const char *)root->name, "pool") != 0)
		return vu_err_set(e, EINVAL, "the root element is not <pool>");
	type = vu_xn_attr(root, "type", &oom);
	if (!type)
		return oom ? -ENOMEM : vu_err_set(e, EINVAL, "the pool has no type");
	t = vu_pool_type_parse(type);
	if (t < 0)
		vu_err_set(e, EINVAL, "unknown pool type '%s'", type);
	free(type);
	if (t < 0)
		return -EINVAL;
	px->type = (enum vu_pool_type)t;
	return 0;
}

static int read_name(xmlNodePtr root, struct vu_poolxml *px, struct vu_err *e)
{
	bool oom = false;

	if (vu_xn_count(root, "name") != 1)
		return vu_err_set(e, EINVAL, "a pool needs exactly one <name>");
	px->name = vu_xn_text(vu_xn_child(root, "name"), &oom);
	if (oom)
		return -ENOMEM;
	if (vu_name_check(px->name) < 0)
		return vu_err_set(e, EINVAL, "invalid pool name '%s'", px->name);
	return 0;
}

static int read_uuid(xmlNodePtr root, struct vu_poolxml *px, struct vu_err *e)
{
	xmlNodePtr n = vu_xn_child(root, "uuid");
	char canon[VU_UUID_STRLEN];
	bool oom = false;
	char *text;

	if (!n)
		return 0;
	text = vu_xn_text(n, &oom);
	if (!text)
		return -ENOMEM;
	if (vu_uuid_normalize(text, canon) < 0) {
		vu_err_set(e, EINVAL, "invalid UUID '%s'", text);
		free(text);
		return -EINVAL;
	}
	free(text);
	px->uuid = strdup(canon);
	return px->uuid ? 0 : -ENOMEM;
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

static int read_perms(xmlNodePtr root, struct vu_poolxml *px, struct vu_err *e)
{
	xmlNodePtr perms = vu_xn_path(root, "target/permissions");
	static const char *const fields[] = { "mode", "owner", "group" };
	int r = 0;

	for (int i = 0; i < 3 && r == 0 && perms; i++) {
		bool oom = false;
		char *text = vu_xn_text(vu_xn_child(perms, fields[i]), &oom);

		if (oom)
			return -ENOMEM;
		if (!text)
			continue;
		r = i == 0 ? parse_mode(text, &px->mode)
			   : parse_id(text, i == 1 ? &px->owner : &px->group);
		if (r < 0)
			vu_err_set(e, EINVAL, "invalid target permission %s '%s'", fields[i], text);
		free(text);
	}
	return r;
}

static int read_target(xmlNodePtr root, struct vu_poolxml *px, struct vu_err *e)
{
	bool oom = false;
	size_t len;

	px->target = vu_xn_text(vu_xn_path(root, "target/path"), &oom);
	if (oom)
		return -ENOMEM;
	if (!px->target) {
		if (type_needs[px->type] & NEED_TARGET)
			return vu_err_set(e, EINVAL, "a pool of type '%s' needs a target path",
					  type_names[px->type]);
		return 0;
	}
	if (px->target[0] != '/')
		return vu_err_set(e, EINVAL, "target path '%s' is not absolute", px->target);
	len = strlen(px->target);
	while (len > 1 && px->target[len - 1] == '/')
		px->target[--len] = '\0';
	return read_perms(root, px, e);
}

static int read_source_fields(xmlNodePtr src, struct vu_poolxml *px)
{
	bool oom = false;

	px->source_device = vu_xn_attr(vu_xn_child(src, "device"), "path", &oom);
	px->source_format = vu_xn_attr(vu_xn_child(src, "format"), "type", &oom);
	px->source_dir = vu_xn_attr(vu_xn_child(src, "dir"), "path", &oom);
	px->source_host = vu_xn_attr(vu_xn_child(src, "host"), "name", &oom);
	px->source_name = vu_xn_text(vu_xn_child(src, "name"), &oom);
	return oom ? -ENOMEM : 0;
}

static int need(struct vu_err *e, const struct vu_poolxml *px, const char *what)
{
	return vu_err_set(e, EINVAL, "a pool of type '%s' needs %s", type_names[px->type], what);
}

static int check_source(xmlNodePtr src, const struct vu_poolxml *px, struct vu_err *e)
{
	unsigned n = type_needs[px->type];

	if ((n & NEED_DEVICE) && !px->source_device)
		return need(e, px, "a source device");
	if ((n & NEED_HOST) && !px->source_host)
		return need(e, px, "a source host");
	if ((n & NEED_DIR) && !px->source_dir)
		return need(e, px, "a source directory");
	if ((n & NEED_NAME) && !px->source_name)
		return need(e, px, "a source name");
	if ((n & NEED_ADAPTER) && !vu_xn_child(src, "adapter"))
		return need(e, px, "a source adapter");
	if ((n & NEED_NAME_OR_DEV) && !px->source_name && !px->source_device)
		return need(e, px, "a source name or device");
	if ((n & NO_TARGET) && px->target)
		return vu_err_set(e, EINVAL, "a pool of type '%s' has no target",
				  type_names[px->type]);
	return 0;
}

static int check_format(const struct vu_poolxml *px, struct vu_err *e)
{
	const char *const *allowed = px->type == VU_POOL_FS ? fs_formats :
				     px->type == VU_POOL_DISK ? disk_formats : NULL;

	if (!allowed || !px->source_format || in_list(px->source_format, allowed))
		return 0;
	return vu_err_set(e, EINVAL, "unknown source format '%s' for a pool of type '%s'",
			  px->source_format, type_names[px->type]);
}

/* Absolute paths where the schema wants them: a relative device would be
 * looked up in whatever directory the tool happens to run. */
static int check_paths(const struct vu_poolxml *px, struct vu_err *e)
{
	if ((px->type == VU_POOL_FS || px->type == VU_POOL_DISK) && px->source_device &&
	    px->source_device[0] != '/')
		return vu_err_set(e, EINVAL, "source device '%s' is not absolute",
				  px->source_device);
	return 0;
}

int vu_poolxml_read(xmlDocPtr doc, struct vu_poolxml *px, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr src;
	int r;

	memset(px, 0, sizeof(*px));
	px->mode = -1;
	px->owner = px->group = -1;
	r = read_root(doc, px, e);
	if (r == 0)
		r = read_name(root, px, e);
	if (r == 0)
		r = read_uuid(root, px, e);
	if (r == 0)
		r = read_target(root, px, e);
	src = root ? vu_xn_child(root, "source") : NULL;
	if (r == 0 && (r = read_source_fields(src, px)) < 0)
		vu_err_set(e, ENOMEM, NULL);
	if (r == 0)
		r = check_source(src, px, e);
	if (r == 0)
		r = check_format(px, e);
	if (r == 0)
		r = check_paths(px, e);
	if (r == -ENOMEM)
		vu_err_set(e, ENOMEM, NULL);
	if (r < 0)
		vu_poolxml_free(px);
	return r;
}

int vu_poolxml_set_uuid(xmlDocPtr doc, const char *uuid)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	vu_xn_remove_all(root, "uuid");
	return vu_xn_insert_after(root, vu_xn_child(root, "name"), "uuid", uuid) ? 0 : -ENOMEM;
}

void vu_poolxml_drop_sizing(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	vu_xn_remove_all(root, "capacity");
	vu_xn_remove_all(root, "allocation");
	vu_xn_remove_all(root, "available");
}

int vu_poolxml_set_sizing(xmlDocPtr doc, uint64_t capacity, uint64_t allocation,
			  uint64_t available)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	const char *names[] = { "capacity", "allocation", "available" };
	uint64_t vals[] = { capacity, allocation, available };
	xmlNodePtr after = vu_xn_child(root, "uuid");

	if (!after)
		after = vu_xn_child(root, "name");
	vu_poolxml_drop_sizing(doc);
	for (int i = 0; i < 3; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%" PRIu64, vals[i]);
		after = vu_xn_insert_after(root, after, names[i], num);
		if (!after || !xmlSetProp(after, (const xmlChar *)"unit", (const xmlChar *)"bytes"))
			return -ENOMEM;
	}
	return 0;
}

/* A define-as field counts when given and not virsh's "-" placeholder. */
static const char *field(const char *s)
{
	return s && *s && strcmp(s, "-") != 0 ? s : NULL;
}

static bool add_attr_elem(xmlNodePtr parent, const char *name, const char *attr,
			  const char *val)
{
	xmlNodePtr n;

	if (!field(val))
		return true;
	n = vu_xn_add(parent, name, NULL);
	return n && xmlSetProp(n, (const xmlChar *)attr, (const xmlChar *)val);
}

static bool build_source(xmlNodePtr root, const struct vu_pool_as *as)
{
	xmlNodePtr src;

	if (!field(as->source_host) && !field(as->source_path) && !field(as->source_dev) &&
	    !field(as->source_name) && !field(as->source_format))
		return true;
	src = vu_xn_add(root, "source", NULL);
	return src && add_attr_elem(src, "host", "name", as->source_host) &&
	       add_attr_elem(src, "dir", "path", as->source_path) &&
	       add_attr_elem(src, "device", "path", as->source_dev) &&
	       add_attr_elem(src, "format", "type", as->source_format) &&
	       (!field(as->source_name) || vu_xn_add(src, "name", as->source_name));
}

xmlDocPtr vu_poolxml_build(const struct vu_pool_as *as)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"pool", NULL) : NULL;
	bool ok = root != NULL;

	if (ok) {
		xmlDocSetRootElement(doc, root);
		ok = xmlSetProp(root, (const xmlChar *)"type", (const xmlChar *)as->type) &&
		     vu_xn_add(root, "name", as->name) && build_source(root, as);
	}
	if (ok && field(as->target)) {
		xmlNodePtr t = vu_xn_add(root, "target", NULL);

		ok = t && vu_xn_add(t, "path", as->target);
	}
	if (!ok) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}
