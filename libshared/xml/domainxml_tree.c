/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_tree.c - reading and editing a domain's elements by path, creating
 * missing ones where libvirt writes them and touching nothing else */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vu/size.h"

#include "domainxml_priv.h"

/*
 * The order libvirt writes children in, per parent element. The schema
 * mostly allows any order (interleave), so this is for the reader: a new
 * element lands where `virsh dumpxml` would put it. Names missing from a
 * list (and parents missing from the table) are appended at the end.
 */
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

static const struct {
	const char *parent;
	const char *const *order;
} orders[] = {
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
};

/* Steps of a path longer than this are not element names anyway. */
#define STEP_MAX 64

static const char *const *order_of(const xmlNode *parent)
{
	for (size_t i = 0; i < VU_ARRAY_SIZE(orders); i++)
		if (vu_dt_is(parent, orders[i].parent))
			return orders[i].order;
	return NULL;
}

static int rank(const char *const *order, const xmlChar *name)
{
	for (int i = 0; order && order[i]; i++)
		if (xmlStrEqual(name, (const xmlChar *)order[i]))
			return i;
	return -1;
}

xmlNodePtr vu_dt_root(const struct vu_domain *dom)
{
	return dom ? xmlDocGetRootElement(dom->doc) : NULL;
}

bool vu_dt_is(const xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && !node->ns &&
	       (!name || xmlStrEqual(node->name, (const xmlChar *)name));
}

xmlNodePtr vu_dt_child(const xmlNode *parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (vu_dt_is(c, name))
			return c;
	return NULL;
}

xmlNodePtr vu_dt_next(const xmlNode *node, const char *name)
{
	for (xmlNodePtr c = node ? node->next : NULL; c; c = c->next)
		if (vu_dt_is(c, name))
			return c;
	return NULL;
}

/* Is c an element whose place order knows? */
static bool ranked(const char *const *order, const xmlNode *c)
{
	return vu_dt_is(c, NULL) && rank(order, c->name) >= 0;
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
			vu_dt_remove(c);
	}
}

/*
 * Before the first known sibling that follows the last one libvirt writes
 * no later than the new element; at the end if there is none. Unknown
 * siblings are stepped over, so an element removed and added again comes
 * back where it was, next to the unknown ones around it.
 */
xmlNodePtr vu_dt_place(xmlNodePtr parent, xmlNodePtr node)
{
	const char *const *order = order_of(parent);
	int mine = rank(order, node->name);
	xmlNodePtr after = NULL, before = NULL;

	drop_layout_text(parent);
	for (xmlNodePtr c = parent->children; mine >= 0 && c; c = c->next)
		if (ranked(order, c) && rank(order, c->name) <= mine)
			after = c;
	before = after ? after->next : (mine >= 0 ? parent->children : NULL);
	while (before && !ranked(order, before))
		before = before->next;
	if (before)
		return xmlAddPrevSibling(before, node);
	return xmlAddChild(parent, node);
}

xmlNodePtr vu_dt_insert(xmlNodePtr parent, const char *name)
{
	xmlNodePtr node;

	if (!parent || !name)
		return NULL;
	node = xmlNewDocNode(parent->doc, NULL, (const xmlChar *)name, NULL);
	if (node && !vu_dt_place(parent, node)) {
		xmlFreeNode(node);
		node = NULL;
	}
	return node;
}

xmlNodePtr vu_dt_child_ensure(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c = vu_dt_child(parent, name);

	return c ? c : vu_dt_insert(parent, name);
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

xmlNodePtr vu_dt_find(const xmlNode *node, const char *path)
{
	char step[STEP_MAX];
	int r;

	while (node && (r = next_step(&path, step)) != 0)
		node = r < 0 ? NULL : vu_dt_child(node, step);
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

int vu_dt_ensure(xmlNodePtr node, const char *path, xmlNodePtr *out)
{
	char step[STEP_MAX];
	int r;

	if (!node || !path_ok(path))
		return -EINVAL;
	while ((r = next_step(&path, step)) > 0) {
		node = vu_dt_child_ensure(node, step);
		if (!node)
			return -ENOMEM;
	}
	if (r < 0)
		return r;
	if (out)
		*out = node;
	return 0;
}

int vu_dt_dup(const xmlChar *s, char **out)
{
	*out = NULL;
	if (!s)
		return -ENOENT;
	*out = strdup((const char *)s);
	return *out ? 0 : -ENOMEM;
}

int vu_dt_get(const xmlNode *node, const char *attr, char **out)
{
	xmlChar *v;
	int r;

	*out = NULL;
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
	r = vu_dt_dup(v, out);
	xmlFree(v);
	return r;
}

/* Replaces node's children with one text node holding text as it is (no
 * entity parsing, which xmlNodeSetContent would do with '&'). */
static int set_text(xmlNodePtr node, const char *text)
{
	xmlNodePtr t = xmlNewDocText(node->doc, (const xmlChar *)text);

	if (!t)
		return -ENOMEM;
	while (node->children) {
		xmlNodePtr c = node->children;

		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	if (!xmlAddChild(node, t)) {
		xmlFreeNode(t);
		return -ENOMEM;
	}
	return 0;
}

int vu_dt_set(xmlNodePtr node, const char *attr, const char *value)
{
	if (!node)
		return -EINVAL;
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

int vu_dt_set_attrs(xmlNodePtr node, const char *const *attrs)
{
	for (size_t i = 0; attrs && attrs[i]; i += 2) {
		int r = attrs[i + 1] ? vu_dt_set(node, attrs[i], attrs[i + 1]) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

void vu_dt_remove(xmlNodePtr node)
{
	if (node) {
		xmlUnlinkNode(node);
		xmlFreeNode(node);
	}
}

void vu_dt_remove_if_empty(xmlNodePtr node)
{
	if (node && !node->properties && !node->children)
		vu_dt_remove(node);
}

bool vu_dt_word_in(const char *s, const char *const *words)
{
	for (size_t i = 0; s && words[i]; i++)
		if (!strcmp(s, words[i]))
			return true;
	return false;
}

xmlNodePtr vu_dt_devices(const struct vu_domain *dom, bool create)
{
	xmlNodePtr root = vu_dt_root(dom);

	return create ? vu_dt_child_ensure(root, "devices") : vu_dt_child(root, "devices");
}

/* ---- the public face: by path from <domain>, or from any element ---- */

xmlNodePtr vu_domain_find(const struct vu_domain *dom, const char *path)
{
	return vu_dt_find(vu_dt_root(dom), path);
}

int vu_domain_ensure(struct vu_domain *dom, const char *path, xmlNodePtr *out)
{
	return vu_dt_ensure(vu_dt_root(dom), path, out);
}

int vu_domain_remove(struct vu_domain *dom, const char *path)
{
	xmlNodePtr root = vu_dt_root(dom), node = vu_dt_find(root, path);

	if (!node)
		return -ENOENT;
	if (node == root)
		return -EINVAL;
	vu_dt_remove(node);
	return 0;
}

int vu_domain_get(const struct vu_domain *dom, const char *path, const char *attr,
		  char **out)
{
	return vu_domain_node_get(vu_dt_root(dom), path, attr, out);
}

int vu_domain_set(struct vu_domain *dom, const char *path, const char *attr,
		  const char *value)
{
	/* Text on <domain> itself would replace the whole document. */
	if (!attr && (!path || !*path))
		return -EINVAL;
	return vu_domain_node_set(vu_dt_root(dom), path, attr, value);
}

int vu_domain_node_get(xmlNodePtr node, const char *child, const char *attr, char **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!node)
		return -EINVAL;
	return vu_dt_get(vu_dt_find(node, child), attr, out);
}

/* Removal: an attribute (then the child if nothing is left in it), or the
 * whole child for attr NULL. Absent things are already removed. */
static int node_unset(xmlNodePtr node, const char *child, const char *attr)
{
	xmlNodePtr target = vu_dt_find(node, child);

	if (!target)
		return 0;
	if (!attr) {
		if (target == node)
			return -EINVAL;
		vu_dt_remove(target);
		return 0;
	}
	vu_dt_set(target, attr, NULL);
	if (target != node)
		vu_dt_remove_if_empty(target);
	return 0;
}

int vu_domain_node_set(xmlNodePtr node, const char *child, const char *attr,
		       const char *value)
{
	xmlNodePtr target;
	int r;

	if (!node)
		return -EINVAL;
	if (!value)
		return node_unset(node, child, attr);
	r = vu_dt_ensure(node, child, &target);
	return r < 0 ? r : vu_dt_set(target, attr, value);
}

bool vu_domain_node_has(xmlNodePtr node, const char *child)
{
	return child && *child && vu_dt_find(node, child);
}

int vu_domain_node_flag(xmlNodePtr node, const char *child, bool on)
{
	if (!node || !child || !*child)
		return -EINVAL;
	if (!on)
		return node_unset(node, child, NULL);
	return vu_dt_ensure(node, child, NULL);
}

int vu_domain_node_get_uint(xmlNodePtr node, const char *child, const char *attr,
			    uint64_t *out)
{
	char *s;
	int r;

	r = vu_domain_node_get(node, child, attr, &s);
	if (r < 0)
		return r;
	r = vu_parse_u64(s, 0, UINT64_MAX, out);
	free(s);
	return r;
}
