/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_dev.c - the <devices> list: iterating, adding (from attributes or
 * from XML) and removing devices, and builders for the kinds vm-create
 * writes (graphics, video, consoles and channels, controllers, input, rng,
 * memballoon, filesystems, PCI host devices, watchdog, sound) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"
#include "vu/xml.h"

#include "domainxml_priv.h"

/* ---- emulator ---- */

int vu_domain_get_emulator(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "devices/emulator", NULL, out);
}

int vu_domain_set_emulator(struct vu_domain *dom, const char *path)
{
	if (path && *path != '/')
		return -EINVAL;
	return vu_domain_set(dom, "devices/emulator", NULL, path);
}

/* ---- any device ---- */

/* <emulator> sits in <devices> but is not a device. */
static bool is_device(const xmlNode *node, const char *elem)
{
	return vu_node_is(node, elem) && (elem || !vu_node_is(node, "emulator"));
}

xmlNodePtr vu_domain_dev_next(const struct vu_domain *dom, const char *elem,
			      xmlNodePtr prev)
{
	xmlNodePtr c = prev ? prev->next : vu_domain_devices(dom, false);

	if (!prev)
		c = c ? c->children : NULL;
	while (c && !is_device(c, elem))
		c = c->next;
	return c;
}

size_t vu_domain_dev_count(const struct vu_domain *dom, const char *elem)
{
	size_t n = 0;

	for (xmlNodePtr d = vu_domain_dev_next(dom, elem, NULL); d;
	     d = vu_domain_dev_next(dom, elem, d))
		n++;
	return n;
}

int vu_domain_dev_add(struct vu_domain *dom, const char *elem, const char *const *attrs,
		      xmlNodePtr *out)
{
	xmlNodePtr devices, dev;
	int r;

	if (!dom || !elem || xmlValidateNCName((const xmlChar *)elem, 0) ||
	    !strcmp(elem, "emulator"))
		return -EINVAL;
	devices = vu_domain_devices(dom, true);
	if (!devices || vu_node_insert(devices, elem, NULL, &dev) < 0)
		return -ENOMEM;
	r = vu_node_set_attrs(dev, attrs);
	if (r < 0) {
		vu_node_remove(dev);
		return r;
	}
	if (out)
		*out = dev;
	return 0;
}

int vu_domain_dev_add_xml(struct vu_domain *dom, const char *xml, xmlNodePtr *out,
			  struct vu_err *e)
{
	struct vu_err le = { 0 };
	xmlNodePtr root, copy, devices;
	xmlDocPtr frag;

	if (!dom || !xml)
		return vu_err_set(e, EINVAL, NULL);
	frag = vu_xml_parse(xml, strlen(xml), &le);
	if (!frag)
		return vu_err_set(e, le.code ? le.code : EINVAL, "%s", vu_err_str(&le));
	root = xmlDocGetRootElement(frag);
	if (!is_device(root, NULL)) {
		int r = vu_err_set(e, EINVAL, "<%s> is not a device", (const char *)root->name);

		xmlFreeDoc(frag);
		return r;
	}
	copy = xmlDocCopyNode(root, dom->doc, 1);
	xmlFreeDoc(frag);
	devices = copy ? vu_domain_devices(dom, true) : NULL;
	if (!devices || vu_node_place(devices, copy) < 0) {
		xmlFreeNode(copy);
		return vu_err_set(e, ENOMEM, NULL);
	}
	if (out)
		*out = copy;
	return 0;
}

int vu_domain_dev_remove(struct vu_domain *dom, xmlNodePtr dev)
{
	xmlNodePtr devices = vu_domain_devices(dom, false);

	if (!devices || !dev || dev->parent != devices || !is_device(dev, NULL))
		return -EINVAL;
	vu_node_remove(dev);
	return 0;
}

/* Adds a device, then lets fill() complete it; undoes the add on failure. */
static int add_filled(struct vu_domain *dom, const char *elem, const char *const *attrs,
		      int (*fill)(xmlNodePtr, const void *), const void *arg,
		      xmlNodePtr *out)
{
	xmlNodePtr dev = NULL;
	int r = vu_domain_dev_add(dom, elem, attrs, &dev);

	if (r == 0 && fill) {
		r = fill(dev, arg);
		if (r < 0)
			vu_node_remove(dev);
	}
	if (r == 0 && out)
		*out = dev;
	return r;
}

/* ---- graphics and video ---- */

static int fill_graphics(xmlNodePtr dev, const void *arg)
{
	const struct vu_graphics_spec *spec = arg;
	int r = 0;

	if (spec->listen)
		r = vu_node_set(dev, "listen", "type", "address");
	if (r == 0 && spec->listen)
		r = vu_node_set(dev, "listen", "address", spec->listen);
	return r;
}

int vu_domain_add_graphics(struct vu_domain *dom, const struct vu_graphics_spec *spec,
			   xmlNodePtr *out)
{
	char port[16];
	const char *attrs[] = {
		"type", spec ? spec->type : NULL,
		"port", NULL, "autoport", NULL,
		"listen", spec ? spec->listen : NULL,
		"passwd", spec ? spec->passwd : NULL, NULL
	};

	if (!spec || !spec->type || !*spec->type || spec->port < -1 || spec->port > 65535)
		return -EINVAL;
	if (spec->port) {
		snprintf(port, sizeof(port), "%d", spec->port);
		attrs[3] = port;
		attrs[5] = spec->port < 0 ? "yes" : "no";
	}
	return add_filled(dom, "graphics", attrs, fill_graphics, spec, out);
}

int vu_graphics_set_port(xmlNodePtr graphics, int port)
{
	char text[16];
	int r;

	if (!vu_node_is(graphics, "graphics") || port == 0 || port > 65535)
		return -EINVAL;
	if (port < 0) {
		/* A fixed port copied to a second domain would clash with the first. */
		vu_node_set(graphics, NULL, "port", NULL);
		vu_node_set(graphics, NULL, "tlsPort", NULL);
		return vu_node_set(graphics, NULL, "autoport", "yes");
	}
	snprintf(text, sizeof(text), "%d", port);
	r = vu_node_set(graphics, NULL, "port", text);
	return r < 0 ? r : vu_node_set(graphics, NULL, "autoport", "no");
}

struct video_arg {
	const char *model;
	unsigned vram, heads;
};

static int fill_video(xmlNodePtr dev, const void *arg)
{
	const struct video_arg *v = arg;
	char vram[16], heads[16];
	const char *attrs[] = {
		"type", v->model, "vram", v->vram ? vram : NULL,
		"heads", v->heads ? heads : NULL, NULL
	};
	xmlNodePtr model;

	snprintf(vram, sizeof(vram), "%u", v->vram);
	snprintf(heads, sizeof(heads), "%u", v->heads);
	if (vu_node_insert(dev, "model", NULL, &model) < 0)
		return -ENOMEM;
	return vu_node_set_attrs(model, attrs);
}

int vu_domain_add_video(struct vu_domain *dom, const char *model, unsigned vram_kib,
			unsigned heads, xmlNodePtr *out)
{
	struct video_arg v = { model, vram_kib, heads };

	if (!model || !*model)
		return -EINVAL;
	return add_filled(dom, "video", NULL, fill_video, &v, out);
}

/* ---- consoles, serial ports, channels ---- */

static int fill_chardev(xmlNodePtr dev, const void *arg)
{
	const struct vu_chardev_spec *spec = arg;
	char port[16];
	const char *source[] = { "mode", spec->mode, "path", spec->path, NULL };
	const char *target[] = {
		"type", spec->target_type, "name", spec->target_name,
		"port", spec->target_port >= 0 ? port : NULL, NULL
	};
	xmlNodePtr node;

	snprintf(port, sizeof(port), "%d", spec->target_port);
	if (spec->path || spec->mode) {
		if (vu_node_insert(dev, "source", NULL, &node) < 0 ||
		    vu_node_set_attrs(node, source) < 0)
			return -ENOMEM;
	}
	if (spec->target_type || spec->target_name || spec->target_port >= 0) {
		if (vu_node_insert(dev, "target", NULL, &node) < 0 ||
		    vu_node_set_attrs(node, target) < 0)
			return -ENOMEM;
	}
	return 0;
}

int vu_domain_add_chardev(struct vu_domain *dom, const struct vu_chardev_spec *spec,
			  xmlNodePtr *out)
{
	static const char *const elems[] = { "serial", "console", "parallel", "channel", NULL };
	const char *attrs[] = { "type", spec ? spec->type : NULL, NULL };

	if (!spec || !vu_word_in(spec->elem, elems) || !spec->type || !*spec->type)
		return -EINVAL;
	return add_filled(dom, spec->elem, attrs, fill_chardev, spec, out);
}

/* ---- controllers, input, rng, memballoon ---- */

/* The lowest index no controller of that type uses. */
static int free_controller_index(const struct vu_domain *dom, const char *type)
{
	int index = 0;
	bool clash = true;

	while (clash) {
		clash = false;
		for (xmlNodePtr c = vu_domain_dev_next(dom, "controller", NULL); c && !clash;
		     c = vu_domain_dev_next(dom, "controller", c)) {
			uint64_t i;

			clash = vu_node_value_is(c, NULL, "type", type) &&
				vu_node_get_uint(c, NULL, "index", &i) == 0 &&
				i == (uint64_t)index;
		}
		index += clash;
	}
	return index;
}

int vu_domain_add_controller(struct vu_domain *dom, const char *type, int index,
			     const char *model, xmlNodePtr *out)
{
	char text[16];
	const char *attrs[] = { "type", type, "index", text, "model", model, NULL };

	if (!type || !*type)
		return -EINVAL;
	if (index < 0)
		index = free_controller_index(dom, type);
	snprintf(text, sizeof(text), "%d", index);
	return vu_domain_dev_add(dom, "controller", attrs, out);
}

int vu_domain_add_input(struct vu_domain *dom, const char *type, const char *bus,
			xmlNodePtr *out)
{
	const char *attrs[] = { "type", type, "bus", bus, NULL };

	if (!type || !*type)
		return -EINVAL;
	return vu_domain_dev_add(dom, "input", attrs, out);
}

static int fill_rng(xmlNodePtr dev, const void *arg)
{
	xmlNodePtr backend;

	if (vu_node_insert(dev, "backend", NULL, &backend) < 0 ||
	    vu_node_set(backend, NULL, "model", "random") < 0)
		return -ENOMEM;
	return vu_node_set(backend, NULL, NULL, arg);
}

int vu_domain_add_rng(struct vu_domain *dom, const char *device, xmlNodePtr *out)
{
	static const char *const attrs[] = { "model", "virtio", NULL };

	if (!device)
		device = "/dev/urandom";
	if (*device != '/')
		return -EINVAL;
	return add_filled(dom, "rng", attrs, fill_rng, device, out);
}

int vu_domain_set_memballoon(struct vu_domain *dom, const char *model, xmlNodePtr *out)
{
	xmlNodePtr mb = vu_domain_dev_next(dom, "memballoon", NULL);
	const char *attrs[] = { "model", model, NULL };
	int r;

	if (!model || !*model)
		return -EINVAL;
	if (!mb)
		return vu_domain_dev_add(dom, "memballoon", attrs, out);
	r = vu_node_set(mb, NULL, "model", model);
	if (r == 0 && out)
		*out = mb;
	return r;
}

/* ---- filesystems ---- */

/* The source attribute each filesystem type names its source with. */
static const char *fs_source_attr(const char *type)
{
	if (!strcmp(type, "mount") || !strcmp(type, "bind"))
		return "dir";
	if (!strcmp(type, "file"))
		return "file";
	if (!strcmp(type, "block"))
		return "dev";
	if (!strcmp(type, "template"))
		return "name";
	return NULL;
}

static int fill_fs(xmlNodePtr dev, const void *arg)
{
	const struct vu_fs_spec *spec = arg;
	const char *type = spec->type ? spec->type : "mount";
	int r = 0;

	if (spec->driver)
		r = vu_node_set(dev, "driver", "type", spec->driver);
	if (r == 0)
		r = vu_node_set(dev, "source", fs_source_attr(type), spec->source);
	if (r == 0)
		r = vu_node_set(dev, "target", "dir", spec->target);
	if (r == 0 && spec->readonly)
		r = vu_node_flag(dev, "readonly", true);
	return r;
}

int vu_domain_add_filesystem(struct vu_domain *dom, const struct vu_fs_spec *spec,
			     xmlNodePtr *out)
{
	const char *type = spec && spec->type ? spec->type : "mount";
	const char *attrs[] = {
		"type", type, "accessmode", spec ? spec->accessmode : NULL, NULL
	};

	if (!spec || !spec->source || !spec->target || !fs_source_attr(type))
		return -EINVAL;
	return add_filled(dom, "filesystem", attrs, fill_fs, spec, out);
}

/* ---- PCI host devices ---- */

/* Up to max_digits hex digits at *p, advancing it; -EINVAL if none. */
static int hex_field(const char **p, int max_digits, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	for (; n < max_digits; n++, (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' :
			(c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;

		if (d < 0)
			break;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return n ? 0 : -EINVAL;
}

/* Fields separated as seps says ("::." or "___"), the first optional. */
static int pci_fields(const char *s, const char *seps, struct vu_pci_addr *a)
{
	unsigned *f[] = { &a->domain, &a->bus, &a->slot, &a->function };
	const int digits[] = { 4, 2, 2, 1 };
	const char *p = s;
	size_t first = strchr(s, seps[0]) && strchr(strchr(s, seps[0]) + 1, seps[1]) ? 0 : 1;

	a->domain = 0;
	for (size_t i = first; i < 4; i++) {
		if (hex_field(&p, digits[i], f[i]) < 0)
			return -EINVAL;
		if (i < 3 && *p++ != seps[i])
			return -EINVAL;
	}
	return *p ? -EINVAL : 0;
}

int vu_pci_addr_parse(const char *s, struct vu_pci_addr *out)
{
	struct vu_pci_addr a;
	int r;

	if (!s || !out)
		return -EINVAL;
	if (!strncmp(s, "pci_", 4))
		r = strlen(s) == 16 ? pci_fields(s + 4, "___", &a) : -EINVAL;
	else
		r = pci_fields(s, "::.", &a);
	if (r < 0 || a.slot > 0x1f || a.function > 7)
		return -EINVAL;
	*out = a;
	return 0;
}

static int fill_hostdev(xmlNodePtr dev, const void *arg)
{
	const struct vu_pci_addr *a = arg;
	char d[8], b[8], s[8], f[8];
	const char *attrs[] = {
		"domain", d, "bus", b, "slot", s, "function", f, NULL
	};
	xmlNodePtr addr;
	int r = vu_node_ensure(dev, "source/address", &addr);

	snprintf(d, sizeof(d), "0x%04x", a->domain);
	snprintf(b, sizeof(b), "0x%02x", a->bus);
	snprintf(s, sizeof(s), "0x%02x", a->slot);
	snprintf(f, sizeof(f), "0x%x", a->function);
	return r < 0 ? r : vu_node_set_attrs(addr, attrs);
}

int vu_domain_add_hostdev_pci(struct vu_domain *dom, const struct vu_pci_addr *addr,
			      bool managed, xmlNodePtr *out)
{
	const char *attrs[] = {
		"mode", "subsystem", "type", "pci", "managed", managed ? "yes" : "no", NULL
	};

	if (!addr || addr->domain > 0xffff || addr->bus > 0xff || addr->slot > 0x1f ||
	    addr->function > 7)
		return -EINVAL;
	return add_filled(dom, "hostdev", attrs, fill_hostdev, addr, out);
}

/* One address field as libvirt reads it: decimal or 0x-prefixed hex. */
static int pci_attr(xmlNodePtr addr, const char *name, unsigned max, unsigned *out)
{
	char *s, *end;
	unsigned long v;
	int r = vu_node_get(addr, NULL, name, &s);

	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;
	errno = 0;
	v = strtoul(s, &end, 0);
	r = (s[0] < '0' || s[0] > '9' || *end || errno || v > max) ? -EINVAL : 0;
	free(s);
	if (r == 0)
		*out = (unsigned)v;
	return r;
}

int vu_hostdev_get_pci(xmlNodePtr hostdev, struct vu_pci_addr *out)
{
	xmlNodePtr addr = vu_node_find(hostdev, "source/address");
	struct vu_pci_addr a;
	int r;

	if (!vu_node_is(hostdev, "hostdev") || !out)
		return -EINVAL;
	if (!addr)
		return -ENOENT;
	r = pci_attr(addr, "domain", 0xffff, &a.domain);
	if (r == 0)
		r = pci_attr(addr, "bus", 0xff, &a.bus);
	if (r == 0)
		r = pci_attr(addr, "slot", 0x1f, &a.slot);
	if (r == 0)
		r = pci_attr(addr, "function", 7, &a.function);
	if (r == 0)
		*out = a;
	return r;
}

/* ---- watchdog, sound ---- */

int vu_domain_add_watchdog(struct vu_domain *dom, const char *model, const char *action,
			   xmlNodePtr *out)
{
	const char *attrs[] = { "model", model, "action", action, NULL };

	if (!model || !*model)
		return -EINVAL;
	if (vu_domain_dev_next(dom, "watchdog", NULL))
		return -EEXIST;
	return vu_domain_dev_add(dom, "watchdog", attrs, out);
}

int vu_domain_add_sound(struct vu_domain *dom, const char *model, xmlNodePtr *out)
{
	const char *attrs[] = { "model", model, NULL };

	if (!model || !*model)
		return -EINVAL;
	return vu_domain_dev_add(dom, "sound", attrs, out);
}

/* ---- what device readers and writers share ---- */

int vu_dev_fields_get(const xmlNode *dev, const struct vu_dev_field *f, size_t n)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++)
		r = vu_model_opt(dev, f[i].child, f[i].attr, f[i].out);
	return r;
}

int vu_dev_boot_get(const xmlNode *dev, unsigned *order)
{
	uint64_t v = 0;
	int r = vu_node_has(dev, "boot") ? vu_node_get_uint(dev, "boot", "order", &v) : 0;

	if (r == 0 && v > UINT32_MAX)
		r = -ERANGE;
	*order = (unsigned)v;
	return r;
}

int vu_dev_boot_set(xmlNodePtr dev, unsigned order)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", order);
	return order ? vu_node_set(dev, "boot", "order", text) : 0;
}
