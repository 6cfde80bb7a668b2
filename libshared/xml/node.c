/* SPDX-License-Identifier: GPL-2.0-or-later */
/* node.c - reading and editing elements by name and path, creating missing
 * ones where libvirt writes them and touching nothing else */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vu/size.h"
#include "vu/xmlnode.h"

/*
 * The order libvirt writes children in, per document kind and parent
 * element. The schemas mostly allow any order (interleave), so this is for
 * the reader: a new element lands where `virsh dumpxml` would put it. Names
 * missing from a list (and parents missing from a kind's table) are
 * appended at the end. A new document model adds its kind to `kinds`.
 */

struct order {
	const char *parent;
	const char *const *children;
};

/* ---- domains (libvirt's domain_conf.c) ---- */

static const char *const domain_order[] = {
	"name", "uuid", "genid", "title", "description", "metadata", "maxMemory",
	"memory", "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu",
	"vcpus", "iothreads", "iothreadids", "defaultiothread", "cputune",
	"numatune", "resource", "sysinfo", "bootloader", "bootloader_args", "os",
	"idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash",
	"on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap",
	"launchSecurity", NULL
};
static const char *const os_order[] = {
	"type", "firmware", "init", "initarg", "initenv", "initdir", "inituser",
	"initgroup", "loader", "nvram", "kernel", "initrd", "cmdline", "dtb", "root",
	"acpi", "boot", "bootmenu", "smbios", "bios", NULL
};
/* libvirt's own feature order (its enum), so acpi comes before apic. */
static const char *const features_order[] = {
	"acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm",
	"pvspinlock", "capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt",
	"vmcoreinfo", "htm", "nested-hv", "msrs", "ccf-assist", "xen", "cfpc",
	"sbbc", "ibs", "tcg", "async-teardown", NULL
};
static const char *const cpu_order[] = {
	"model", "vendor", "microcode", "topology", "cache", "maxphysaddr", "feature",
	"numa", NULL
};
static const char *const sysinfo_order[] = {
	"bios", "system", "baseBoard", "chassis", "oemStrings", "entry", NULL
};
static const char *const devices_order[] = {
	"emulator", "disk", "controller", "lease", "filesystem", "interface",
	"smartcard", "serial", "parallel", "console", "channel", "input", "tpm",
	"graphics", "sound", "audio", "video", "hostdev", "redirdev", "redirfilter",
	"hub", "watchdog", "memballoon", "rng", "panic", "shmem", "memory", "iommu",
	"vsock", "crypto", "pstore", NULL
};
/* Every device ends with what libvirt's common device info writes. */
#define DEVICE_TAIL "boot", "alias", "master", "rom", "address"
static const char *const disk_order[] = {
	"driver", "auth", "source", "backingStore", "geometry", "blockio", "mirror",
	"target", "iotune", "throttlefilters", "readonly", "shareable", "transient",
	"serial", "wwn", "vendor", "product", "encryption", DEVICE_TAIL, NULL
};
static const char *const interface_order[] = {
	"mac", "source", "vlan", "virtualport", "bandwidth", "port", "ip", "route",
	"script", "downscript", "backenddomain", "target", "guest", "model", "driver",
	"backend", "filterref", "tune", "teaming", "link", "mtu", "coalesce",
	DEVICE_TAIL, NULL
};
static const char *const graphics_order[] = {
	"listen", "channel", "image", "jpeg", "zlib", "playback", "streaming",
	"clipboard", "mouse", "filetransfer", "gl", "audio", NULL
};
static const char *const chardev_order[] = {
	"source", "protocol", "log", "target", DEVICE_TAIL, NULL
};
static const char *const controller_order[] = {
	"model", "driver", "target", DEVICE_TAIL, NULL
};
static const char *const filesystem_order[] = {
	"driver", "binary", "source", "target", "readonly", "space_hard_limit",
	"space_soft_limit", DEVICE_TAIL, NULL
};
static const char *const hostdev_order[] = {
	"driver", "source", "ip", "route", "readonly", "shareable", DEVICE_TAIL, NULL
};
static const char *const video_order[] = { "driver", "model", DEVICE_TAIL, NULL };
static const char *const memballoon_order[] = { "stats", "driver", DEVICE_TAIL, NULL };
static const char *const rng_order[] = { "rate", "backend", "driver", DEVICE_TAIL, NULL };
static const char *const sound_order[] = { "codec", "audio", DEVICE_TAIL, NULL };
static const char *const device_order[] = { "driver", "source", DEVICE_TAIL, NULL };

static const struct order domain_orders[] = {
	{ "domain", domain_order },
	{ "os", os_order },
	{ "features", features_order },
	{ "cpu", cpu_order },
	{ "sysinfo", sysinfo_order },
	{ "devices", devices_order },
	{ "disk", disk_order },
	{ "interface", interface_order },
	{ "graphics", graphics_order },
	{ "serial", chardev_order },
	{ "console", chardev_order },
	{ "parallel", chardev_order },
	{ "channel", chardev_order },
	{ "controller", controller_order },
	{ "filesystem", filesystem_order },
	{ "hostdev", hostdev_order },
	{ "video", video_order },
	{ "memballoon", memballoon_order },
	{ "rng", rng_order },
	{ "sound", sound_order },
	{ "watchdog", device_order },
	{ "input", device_order },
	{ NULL, NULL }
};

/* ---- storage pools and volumes (libvirt's storage_conf.c) ---- */

static const char *const pool_order[] = {
	"name", "uuid", "capacity", "allocation", "available", "source", "target", NULL
};
static const struct order pool_orders[] = {
	{ "pool", pool_order },
	{ NULL, NULL }
};
static const char *const volume_order[] = {
	"name", "key", "source", "capacity", "allocation", "physical", "target",
	"backingStore", NULL
};
static const struct order volume_orders[] = {
	{ "volume", volume_order },
	{ NULL, NULL }
};

/* ---- networks (libvirt's network_conf.c) ---- */

static const char *const network_order[] = {
	"name", "uuid", "title", "description", "metadata", "forward", "bridge", "mtu",
	"mac", "domain", "dns", "vlan", "bandwidth", "port", "ip", "route",
	"virtualport", "portgroup", NULL
};
static const char *const net_forward_order[] = {
	"driver", "nat", "pf", "interface", "address", NULL
};
static const char *const net_dns_order[] = { "forwarder", "txt", "srv", "host", NULL };
static const char *const net_ip_order[] = { "tftp", "dhcp", NULL };
static const char *const net_dhcp_order[] = { "range", "host", "bootp", NULL };
static const char *const net_portgroup_order[] = {
	"vlan", "virtualport", "bandwidth", NULL
};
static const struct order network_orders[] = {
	{ "network", network_order },
	{ "forward", net_forward_order },
	{ "dns", net_dns_order },
	{ "ip", net_ip_order },
	{ "dhcp", net_dhcp_order },
	{ "portgroup", net_portgroup_order },
	{ NULL, NULL }
};

/* ---- the kinds, by their root element ---- */

static const struct {
	const char *root;
	const struct order *orders;
} kinds[] = {
	{ "domain", domain_orders },
	{ "pool", pool_orders },
	{ "volume", volume_orders },
	{ "network", network_orders },
	{ NULL, NULL }
};

/* Steps of a path longer than this are not element names anyway. */
#define STEP_MAX 64

/* The order tables of the document parent is in, by its root element. */
static const struct order *kind_of(const xmlNode *parent)
{
	xmlNodePtr root = parent->doc ? xmlDocGetRootElement(parent->doc) : NULL;

	for (size_t i = 0; root && kinds[i].root; i++)
		if (vu_node_is(root, kinds[i].root))
			return kinds[i].orders;
	return NULL;
}

static const char *const *order_of(const xmlNode *parent)
{
	const struct order *orders = kind_of(parent);

	for (size_t i = 0; orders && orders[i].parent; i++)
		if (vu_node_is(parent, orders[i].parent))
			return orders[i].children;
	return NULL;
}

static int rank(const char *const *order, const xmlChar *name)
{
	for (int i = 0; order && order[i]; i++)
		if (xmlStrEqual(name, (const xmlChar *)order[i]))
			return i;
	return -1;
}

/* Both in no namespace, or in the same one. */
static bool same_ns(const xmlNs *a, const xmlNs *b)
{
	return a == b || (a && b && xmlStrEqual(a->href, b->href));
}

static bool is_in(const xmlNode *node, const xmlNs *ns, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && same_ns(node->ns, ns) &&
	       (!name || xmlStrEqual(node->name, (const xmlChar *)name));
}

/* The namespace node's children are matched in (the document node has
 * none, and no ns field either). */
static const xmlNs *ns_of(const xmlNode *node)
{
	return node && node->type == XML_ELEMENT_NODE ? node->ns : NULL;
}

bool vu_node_is(const xmlNode *node, const char *name)
{
	return is_in(node, NULL, name);
}

xmlNodePtr vu_node_child(const xmlNode *parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (is_in(c, ns_of(parent), name))
			return c;
	return NULL;
}

xmlNodePtr vu_node_next(const xmlNode *node, const char *name)
{
	const xmlNs *ns = node ? ns_of(node->parent) : NULL;

	for (xmlNodePtr c = node ? node->next : NULL; c; c = c->next)
		if (is_in(c, ns, name))
			return c;
	return NULL;
}

size_t vu_node_count(const xmlNode *parent, const char *name)
{
	size_t n = 0;

	for (xmlNodePtr c = vu_node_child(parent, name); c; c = vu_node_next(c, name))
		n++;
	return n;
}

/* Is c an element whose place order knows? */
static bool ranked(const char *const *order, const xmlNode *c)
{
	return vu_node_is(c, NULL) && rank(order, c->name) >= 0;
}

static bool is_blank_text(const xmlNode *n)
{
	return n->type == XML_TEXT_NODE && xmlIsBlankNode(n);
}

/*
 * An element that held only white space (<devices>\n  </devices>) and now
 * gets an element child: the white space was layout, and left in it would
 * stop the child being indented and not survive a reparse. Mixed content
 * (real text beside elements) is left alone.
 */
static void drop_layout_text(xmlNodePtr parent)
{
	xmlNodePtr c, next;

	for (c = parent->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    !is_blank_text(c))
			return;
	for (c = parent->children; c; c = next) {
		next = c->next;
		if (is_blank_text(c))
			vu_node_remove(c);
	}
}

/*
 * Before the first known sibling that follows the last one libvirt writes
 * no later than the new element; at the end if there is none. Unknown
 * siblings are stepped over, so an element removed and added again comes
 * back where it was, next to the unknown ones around it.
 */
int vu_node_place(xmlNodePtr parent, xmlNodePtr node)
{
	const char *const *order;
	xmlNodePtr after = NULL, before = NULL;
	int mine;

	if (!parent || !node)
		return -EINVAL;
	order = order_of(parent);
	mine = rank(order, node->name);
	drop_layout_text(parent);
	for (xmlNodePtr c = parent->children; mine >= 0 && c; c = c->next)
		if (ranked(order, c) && rank(order, c->name) <= mine)
			after = c;
	before = after ? after->next : (mine >= 0 ? parent->children : NULL);
	while (before && !ranked(order, before))
		before = before->next;
	if (before)
		return xmlAddPrevSibling(before, node) ? 0 : -ENOMEM;
	return xmlAddChild(parent, node) ? 0 : -ENOMEM;
}

/* Replaces node's children with one text node holding text as it is (no
 * entity parsing, which xmlNodeSetContent would do with '&'). */
static int set_text(xmlNodePtr node, const char *text)
{
	xmlNodePtr t = xmlNewDocText(node->doc, (const xmlChar *)text);

	if (!t)
		return -ENOMEM;
	while (node->children)
		vu_node_remove(node->children);
	if (!xmlAddChild(node, t)) {
		xmlFreeNode(t);
		return -ENOMEM;
	}
	return 0;
}

int vu_node_insert(xmlNodePtr parent, const char *name, const char *text, xmlNodePtr *out)
{
	xmlNodePtr node;
	int r;

	if (out)
		*out = NULL;
	if (!parent || !name)
		return -EINVAL;
	node = xmlNewDocNode(parent->doc, parent->ns, (const xmlChar *)name, NULL);
	if (!node)
		return -ENOMEM;
	r = text ? set_text(node, text) : 0;
	if (r == 0)
		r = vu_node_place(parent, node);
	if (r < 0) {
		xmlFreeNode(node);
		return r;
	}
	if (out)
		*out = node;
	return 0;
}

/* Copies the next step of *path into step and moves past it; 0 at the end,
 * 1 for a step, -EINVAL for an empty, overlong or invalid name. */
static int next_step(const char **path, char step[STEP_MAX])
{
	const char *p = *path, *slash;
	size_t len;

	if (!p || !*p)
		return 0;
	slash = strchr(p, '/');
	len = slash ? (size_t)(slash - p) : strlen(p);
	if (len == 0 || len >= STEP_MAX)
		return -EINVAL;
	memcpy(step, p, len);
	step[len] = '\0';
	if (xmlValidateNCName((const xmlChar *)step, 0) != 0)
		return -EINVAL;
	*path = slash ? slash + 1 : p + len;
	return 1;
}

xmlNodePtr vu_node_find(const xmlNode *node, const char *path)
{
	char step[STEP_MAX];
	int r;

	while (node && (r = next_step(&path, step)) != 0)
		node = r < 0 ? NULL : vu_node_child(node, step);
	return (xmlNodePtr)node;
}

/* Checked whole before anything is created: a bad last step must not leave
 * the first ones behind. */
static bool path_ok(const char *path)
{
	char step[STEP_MAX];
	int r;

	while ((r = next_step(&path, step)) > 0)
		;
	return r == 0;
}

int vu_node_ensure(xmlNodePtr node, const char *path, xmlNodePtr *out)
{
	char step[STEP_MAX];
	int r;

	if (!node || !path_ok(path))
		return -EINVAL;
	while ((r = next_step(&path, step)) > 0) {
		xmlNodePtr c = vu_node_child(node, step);

		if (!c && (r = vu_node_insert(node, step, NULL, &c)) < 0)
			return r;
		node = c;
	}
	if (r < 0)
		return r;
	if (out)
		*out = node;
	return 0;
}

/* The attribute (no namespace) or text of node itself. */
static int get_here(const xmlNode *node, const char *attr, char **out)
{
	xmlChar *v;

	if (!node)
		return -ENOENT;
	if (attr) {
		if (!xmlHasNsProp(node, (const xmlChar *)attr, NULL))
			return -ENOENT;
		v = xmlGetNoNsProp(node, (const xmlChar *)attr);
	} else {
		v = xmlNodeGetContent(node);
	}
	if (!v)
		return -ENOMEM;
	*out = strdup((const char *)v);
	xmlFree(v);
	return *out ? 0 : -ENOMEM;
}

int vu_node_get(const xmlNode *node, const char *path, const char *attr, char **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	return get_here(vu_node_find(node, path), attr, out);
}

int vu_node_get_uint(const xmlNode *node, const char *path, const char *attr,
		     uint64_t *out)
{
	char *s;
	int r;

	r = vu_node_get(node, path, attr, &s);
	if (r < 0)
		return r;
	r = vu_parse_u64(s, 0, UINT64_MAX, out);
	free(s);
	return r;
}

bool vu_node_value_is(const xmlNode *node, const char *path, const char *attr,
		      const char *value)
{
	char *s;
	bool eq;

	if (!value || vu_node_get(node, path, attr, &s) < 0)
		return false;
	eq = strcmp(s, value) == 0;
	free(s);
	return eq;
}

bool vu_node_has(const xmlNode *node, const char *path)
{
	return path && *path && vu_node_find(node, path);
}

/* Sets an attribute of node itself, or for attr NULL its text; value NULL
 * removes the attribute. */
static int set_here(xmlNodePtr node, const char *attr, const char *value)
{
	if (!attr)
		return value ? set_text(node, value) : -EINVAL;
	if (xmlValidateNCName((const xmlChar *)attr, 0) != 0)
		return -EINVAL;
	if (!value) {
		xmlUnsetNsProp(node, NULL, (const xmlChar *)attr);
		return 0;
	}
	/* xmlSetNsProp stores the value as text: '&' and '<' are escaped on
	 * output, not parsed as references. */
	return xmlSetNsProp(node, NULL, (const xmlChar *)attr, (const xmlChar *)value) ?
		       0 : -ENOMEM;
}

/* Removal: an attribute (then the element at path if nothing is left in
 * it), or the whole element for attr NULL. Absent things are already
 * removed. */
static int unset(xmlNodePtr node, const char *path, const char *attr)
{
	xmlNodePtr target = vu_node_find(node, path);
	int r;

	if (!target)
		return 0;
	if (!attr) {
		if (target == node)
			return -EINVAL;
		vu_node_remove(target);
		return 0;
	}
	r = set_here(target, attr, NULL);
	if (r == 0 && target != node)
		vu_node_remove_if_empty(target);
	return r;
}

int vu_node_set(xmlNodePtr node, const char *path, const char *attr, const char *value)
{
	xmlNodePtr target;
	int r;

	if (!node)
		return -EINVAL;
	if (!value)
		return unset(node, path, attr);
	r = vu_node_ensure(node, path, &target);
	return r < 0 ? r : set_here(target, attr, value);
}

int vu_node_set_attrs(xmlNodePtr node, const char *const *attrs)
{
	for (size_t i = 0; attrs && attrs[i]; i += 2) {
		int r = attrs[i + 1] ? vu_node_set(node, NULL, attrs[i], attrs[i + 1]) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

int vu_node_flag(xmlNodePtr node, const char *path, bool on)
{
	if (!node || !path || !*path)
		return -EINVAL;
	if (!on)
		return unset(node, path, NULL);
	return vu_node_ensure(node, path, NULL);
}

void vu_node_remove(xmlNodePtr node)
{
	if (node) {
		xmlUnlinkNode(node);
		xmlFreeNode(node);
	}
}

void vu_node_remove_if_empty(xmlNodePtr node)
{
	if (node && !node->properties && !node->children)
		vu_node_remove(node);
}

void vu_node_remove_all(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c = vu_node_child(parent, name), next;

	for (; c; c = next) {
		next = vu_node_next(c, name);
		vu_node_remove(c);
	}
}
