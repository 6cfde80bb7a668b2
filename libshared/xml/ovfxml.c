/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ovfxml.c - an OVF descriptor's virtual hardware, read into plain structs.
 * OVF elements and attributes live in DMTF namespaces under whatever
 * prefixes the exporter chose, so they are matched by local name here,
 * read only, instead of through vu/xmlnode.h (which takes names in no
 * namespace). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vu/ident.h"
#include "vu/ovfxml.h"
#include "vu/xml.h"

static bool is(const xmlNode *n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

/* The first element child named local, or NULL. */
static xmlNode *child(const xmlNode *n, const char *local)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, local))
			return c;
	return NULL;
}

/* An attribute by local name, whatever its namespace; NULL if absent. */
static const char *attr(const xmlNode *n, const char *local)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, local) == 0 && a->children &&
		    a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

/* The text of child local, trimmed, malloc'd; NULL if absent. */
static char *text_of(const xmlNode *n, const char *local)
{
	xmlNode *c = child(n, local);
	xmlChar *t;
	char *s, *p;

	if (!c || !(t = xmlNodeGetContent(c)))
		return NULL;
	p = (char *)t;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	s = strdup(p);
	xmlFree(t);
	for (size_t l = s ? strlen(s) : 0; l && strchr(" \t\r\n", s[l - 1]); l--)
		s[l - 1] = '\0';
	return s;
}

static int number_of(const xmlNode *n, const char *local, unsigned long long *v)
{
	char *t = text_of(n, local), *end;
	int r = -EINVAL;

	if (t && t[0] >= '0' && t[0] <= '9') {
		errno = 0;
		*v = strtoull(t, &end, 10);
		r = errno || *end ? -EINVAL : 0;
	}
	free(t);
	return r;
}

/* "byte * 2^20", "MegaBytes", "GB", ...: the shift; -1 if unknown. */
static int unit_shift(const char *u)
{
	static const struct { const char *name; int shift; } names[] = {
		{ "byte", 0 }, { "bytes", 0 }, { "KiloBytes", 10 }, { "KB", 10 },
		{ "MegaBytes", 20 }, { "MB", 20 }, { "GigaBytes", 30 }, { "GB", 30 },
	};
	int n;

	if (!u)
		return 20;	/* OVF's memory is in MB unless it says otherwise */
	if (sscanf(u, "byte * 2^%d", &n) == 1 || sscanf(u, "byte*2^%d", &n) == 1)
		return n >= 0 && n <= 60 ? n : -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcasecmp(u, names[i].name) == 0)
			return names[i].shift;
	return -1;
}

static int memory_item(struct vu_ovf *o, const xmlNode *item, struct vu_err *e)
{
	unsigned long long q;
	char *u = text_of(item, "AllocationUnits");
	int shift = unit_shift(u);

	free(u);
	if (shift < 0 || number_of(item, "VirtualQuantity", &q) < 0 || q == 0 ||
	    q > VU_OVF_MAX_MEMORY >> shift)
		return vu_err_set(e, EINVAL, "OVF: invalid memory size");
	o->memory = (uint64_t)q << shift;
	return 0;
}

/* The controller an item's rasd:Parent names: its bus. */
static const char *controller_bus(const xmlNode *hw, const char *parent)
{
	for (xmlNode *it = hw->children; parent && it; it = it->next) {
		unsigned long long type;
		char *id;
		bool match;

		if (!is(it, "Item") || number_of(it, "ResourceType", &type) < 0)
			continue;
		id = text_of(it, "InstanceID");
		match = id && strcmp(id, parent) == 0;
		free(id);
		if (match)
			return type == 5 ? "ide" : type == 6 ? "scsi" : "sata";
	}
	return "sata";
}

/* ovf:/disk/ID -> DiskSection's disk -> its fileRef -> References' href. */
static const char *disk_href(const xmlNode *env, const char *host)
{
	const char *id = host ? strrchr(host, '/') : NULL, *ref = NULL;

	if (!id)
		return NULL;
	id++;
	for (xmlNode *d = child(child(env, "DiskSection"), "Disk"); d && !ref; d = d->next) {
		const char *did = is(d, "Disk") ? attr(d, "diskId") : NULL;

		if (did && strcmp(did, id) == 0)
			ref = attr(d, "fileRef");
	}
	for (xmlNode *f = child(child(env, "References"), "File"); f && ref; f = f->next) {
		const char *fid = is(f, "File") ? attr(f, "id") : NULL;

		if (fid && strcmp(fid, ref) == 0)
			return attr(f, "href");
	}
	return NULL;
}

static int disk_item(struct vu_ovf *o, const xmlNode *env, const xmlNode *hw,
		     const xmlNode *item, struct vu_err *e)
{
	char *host = text_of(item, "HostResource"), *parent = text_of(item, "Parent");
	const char *href = disk_href(env, host);
	struct vu_ovf_disk *d = &o->disks[o->ndisks];
	int r = 0;

	if (!href || !href[0] || strchr(href, '/'))
		r = vu_err_set(e, EINVAL, "OVF: a disk names no file of the package");
	else if (!(d->href = strdup(href)))
		r = vu_err_set(e, ENOMEM, NULL);
	if (r == 0) {
		snprintf(d->bus, sizeof(d->bus), "%s", controller_bus(hw, parent));
		o->ndisks++;
	}
	free(host);
	free(parent);
	return r;
}

static void nic_model(const char *sub, char *out, size_t cap)
{
	static const char *const map[][2] = {
		{ "E1000", "e1000" }, { "E1000e", "e1000e" }, { "VmxNet3", "vmxnet3" },
		{ "PCNet32", "pcnet" }, { "virtio", "virtio" }, { "rtl8139", "rtl8139" },
	};

	snprintf(out, cap, "e1000");	/* what a VMware guest has drivers for */
	for (size_t i = 0; sub && i < sizeof(map) / sizeof(*map); i++)
		if (strcasecmp(sub, map[i][0]) == 0)
			snprintf(out, cap, "%s", map[i][1]);
}

static int nic_item(struct vu_ovf *o, const xmlNode *item)
{
	struct vu_ovf_nic *n = &o->nics[o->nnics];
	char *sub = text_of(item, "ResourceSubType");

	char *addr = text_of(item, "Address");
	char mac[VU_MAC_STRLEN];

	nic_model(sub, n->model, sizeof(n->model));
	free(sub);
	/* Exporters put the MAC there, or nothing, or a bus address. */
	if (addr && vu_mac_normalize(addr, mac) == 0)
		snprintf(n->mac, sizeof(n->mac), "%s", mac);
	free(addr);
	n->network = text_of(item, "Connection");
	o->nnics++;
	return 0;
}

static int hw_item(struct vu_ovf *o, const xmlNode *env, const xmlNode *hw,
		   const xmlNode *item, struct vu_err *e)
{
	unsigned long long type, q;

	if (number_of(item, "ResourceType", &type) < 0)
		return 0;
	if ((type == 17 && o->ndisks >= VU_OVF_MAX_DEVICES) ||
	    (type == 10 && o->nnics >= VU_OVF_MAX_DEVICES))
		return vu_err_set(e, EINVAL, "OVF: more than %d disks or adapters",
				  VU_OVF_MAX_DEVICES);
	switch (type) {
	case 3:
		if (number_of(item, "VirtualQuantity", &q) < 0 || q == 0 || q > VU_OVF_MAX_VCPUS)
			return vu_err_set(e, EINVAL, "OVF: invalid processor count");
		o->vcpus = (unsigned)q;
		return 0;
	case 4:
		return memory_item(o, item, e);
	case 10:
		return nic_item(o, item);
	case 17:
		return disk_item(o, env, hw, item, e);
	default:
		return 0;	/* controllers are looked up from their disks */
	}
}

static int parse_system(struct vu_ovf *o, const xmlNode *env, const xmlNode *vs,
			struct vu_err *e)
{
	const xmlNode *hw = child(vs, "VirtualHardwareSection");
	const char *id = attr(vs, "id");
	int r = 0;

	o->name = text_of(vs, "Name");
	if (!o->name && id && !(o->name = strdup(id)))
		return vu_err_set(e, ENOMEM, NULL);
	o->os = text_of(child(vs, "OperatingSystemSection"), "Description");
	if (!hw)
		return vu_err_set(e, EINVAL, "OVF: no VirtualHardwareSection");
	o->disks = calloc(VU_OVF_MAX_DEVICES, sizeof(*o->disks));
	o->nics = calloc(VU_OVF_MAX_DEVICES, sizeof(*o->nics));
	if (!o->disks || !o->nics)
		return vu_err_set(e, ENOMEM, NULL);
	for (xmlNode *it = hw->children; it && r == 0; it = it->next) {
		if (is(it, "Item"))
			r = hw_item(o, env, hw, it, e);
		else if (is(it, "Config") && attr(it, "key") && attr(it, "value") &&
			 strcmp(attr(it, "key"), "firmware") == 0)
			o->efi = strcmp(attr(it, "value"), "efi") == 0;
	}
	if (r == 0 && (!o->vcpus || !o->memory))
		r = vu_err_set(e, EINVAL, "OVF: the hardware section gives no %s",
			       o->vcpus ? "memory" : "processors");
	return r;
}

int vu_ovf_parse(struct vu_ovf *out, const char *buf, size_t len, struct vu_err *e)
{
	xmlDocPtr doc = vu_xml_parse(buf, len, e);
	xmlNode *env, *vs;
	int r;

	memset(out, 0, sizeof(*out));
	if (!doc)
		return -EINVAL;
	env = xmlDocGetRootElement(doc);
	vs = is(env, "Envelope") ? child(env, "VirtualSystem") : NULL;
	if (!vs) {
		vs = is(env, "Envelope") ? child(env, "VirtualSystemCollection") : NULL;
		vs = vs ? child(vs, "VirtualSystem") : NULL;
	}
	r = vs ? parse_system(out, env, vs, e)
	       : vu_err_set(e, EINVAL, "OVF: no Envelope with a VirtualSystem");
	xmlFreeDoc(doc);
	if (r < 0)
		vu_ovf_free(out);
	return r;
}

void vu_ovf_free(struct vu_ovf *o)
{
	for (size_t i = 0; o->disks && i < o->ndisks; i++)
		free(o->disks[i].href);
	for (size_t i = 0; o->nics && i < o->nnics; i++)
		free(o->nics[i].network);
	free(o->disks);
	free(o->nics);
	free(o->name);
	free(o->os);
	memset(o, 0, sizeof(*o));
}
