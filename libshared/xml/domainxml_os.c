/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_os.c - how a domain boots and behaves: <os> (type, boot order,
 * firmware, direct kernel, boot menu), features, clock, lifecycle actions
 * and SMBIOS sysinfo */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"

#include "domainxml_priv.h"

/* ---- os ---- */

int vu_domain_get_os_type(const struct vu_domain *dom, char **type, char **arch,
			  char **machine)
{
	xmlNodePtr node = vu_domain_find(dom, "os/type");
	char **outs[] = { type, arch, machine };
	const char *attrs[] = { NULL, "arch", "machine" };

	for (size_t i = 0; i < VU_ARRAY_SIZE(outs); i++)
		if (outs[i])
			*outs[i] = NULL;
	if (!node)
		return -ENOENT;
	for (size_t i = 0; i < VU_ARRAY_SIZE(outs); i++) {
		int r = outs[i] ? vu_dt_get(node, attrs[i], outs[i]) : 0;

		if (r < 0 && r != -ENOENT) {
			for (size_t j = 0; j < i; j++)
				if (outs[j]) {
					free(*outs[j]);
					*outs[j] = NULL;
				}
			return r;
		}
	}
	return 0;
}

int vu_domain_set_os_type(struct vu_domain *dom, const char *type, const char *arch,
			  const char *machine)
{
	xmlNodePtr node;
	int r;

	if (!type || !*type)
		return -EINVAL;
	r = vu_domain_ensure(dom, "os/type", &node);
	if (r == 0)
		r = vu_dt_set(node, "arch", arch);
	if (r == 0)
		r = vu_dt_set(node, "machine", machine);
	return r < 0 ? r : vu_dt_set(node, NULL, type);
}

static const char *const boot_devs[] = { "hd", "cdrom", "network", "fd", NULL };

/* The static spelling of a boot device name, or NULL. */
static const char *boot_dev(const xmlChar *name)
{
	for (size_t i = 0; name && boot_devs[i]; i++)
		if (xmlStrEqual(name, (const xmlChar *)boot_devs[i]))
			return boot_devs[i];
	return NULL;
}

int vu_domain_get_boot_devs(const struct vu_domain *dom, const char **devs, size_t max)
{
	xmlNodePtr os = vu_domain_find(dom, "os");
	size_t n = 0;

	for (xmlNodePtr b = vu_dt_child(os, "boot"); b; b = vu_dt_next(b, "boot")) {
		xmlChar *dev = xmlGetNoNsProp(b, (const xmlChar *)"dev");
		const char *name = boot_dev(dev);

		xmlFree(dev);
		if (!name)
			return -EINVAL;
		if (n < max && devs)
			devs[n] = name;
		n++;
	}
	return (int)(n < max ? n : max);
}

static int check_boot_devs(const char *const *devs, size_t n)
{
	if (n > VU_BOOT_MAX || (n && !devs))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!vu_dt_word_in(devs[i], boot_devs))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(devs[i], devs[j]))
				return -EINVAL;
	}
	return 0;
}

int vu_domain_set_boot_devs(struct vu_domain *dom, const char *const *devs, size_t n)
{
	xmlNodePtr os, b;
	int r = check_boot_devs(devs, n);

	if (r < 0)
		return r;
	os = vu_domain_find(dom, "os");
	while ((b = vu_dt_child(os, "boot")))
		vu_dt_remove(b);
	if (!n)
		return 0;
	r = vu_domain_ensure(dom, "os", &os);
	for (size_t i = 0; r == 0 && i < n; i++) {
		b = vu_dt_insert(os, "boot");
		r = b ? vu_dt_set(b, "dev", devs[i]) : -ENOMEM;
	}
	return r;
}

int vu_domain_get_loader(const struct vu_domain *dom, char **path)
{
	return vu_domain_get(dom, "os/loader", NULL, path);
}

int vu_domain_set_loader(struct vu_domain *dom, const char *path, const char *type,
			 bool readonly)
{
	static const char *const types[] = { "rom", "pflash", NULL };
	xmlNodePtr node;
	int r;

	if (!path)
		return vu_domain_set(dom, "os/loader", NULL, NULL);
	if (*path != '/' || (type && !vu_dt_word_in(type, types)))
		return -EINVAL;
	r = vu_domain_ensure(dom, "os/loader", &node);
	if (r == 0)
		r = vu_dt_set(node, "readonly", readonly ? "yes" : NULL);
	if (r == 0)
		r = vu_dt_set(node, "type", type);
	return r < 0 ? r : vu_dt_set(node, NULL, path);
}

int vu_domain_get_nvram(const struct vu_domain *dom, char **path, char **tmpl)
{
	xmlNodePtr node = vu_domain_find(dom, "os/nvram");
	int r = 0;

	if (path)
		*path = NULL;
	if (tmpl)
		*tmpl = NULL;
	if (!node)
		return -ENOENT;
	/* An nvram described by a <source> child has no path text. */
	if (path && vu_dt_child(node, NULL) == NULL)
		r = vu_dt_get(node, NULL, path);
	if (r == 0 && tmpl) {
		r = vu_dt_get(node, "template", tmpl);
		r = r == -ENOENT ? 0 : r;
	}
	if (r < 0 && path) {
		free(*path);
		*path = NULL;
	}
	return r;
}

int vu_domain_set_nvram(struct vu_domain *dom, const char *path, const char *tmpl)
{
	xmlNodePtr node;
	int r;

	if (!path && !tmpl)
		return vu_domain_set(dom, "os/nvram", NULL, NULL);
	if ((path && *path != '/') || (tmpl && *tmpl != '/'))
		return -EINVAL;
	r = vu_domain_ensure(dom, "os/nvram", &node);
	if (r == 0)
		r = vu_dt_set(node, "template", tmpl);
	if (r < 0)
		return r;
	if (path)
		return vu_dt_set(node, NULL, path);
	while (node->children)
		vu_dt_remove(node->children);
	return 0;
}

int vu_domain_get_kernel(const struct vu_domain *dom, char **kernel, char **initrd,
			 char **cmdline)
{
	static const char *const paths[] = { "os/kernel", "os/initrd", "os/cmdline" };
	char **outs[] = { kernel, initrd, cmdline };
	int r = 0;

	for (size_t i = 0; i < VU_ARRAY_SIZE(outs); i++)
		if (outs[i])
			*outs[i] = NULL;
	for (size_t i = 0; r == 0 && i < VU_ARRAY_SIZE(outs); i++) {
		r = outs[i] ? vu_domain_get(dom, paths[i], NULL, outs[i]) : 0;
		r = r == -ENOENT ? 0 : r;
	}
	for (size_t i = 0; r < 0 && i < VU_ARRAY_SIZE(outs); i++)
		if (outs[i]) {
			free(*outs[i]);
			*outs[i] = NULL;
		}
	return r;
}

int vu_domain_set_kernel(struct vu_domain *dom, const char *kernel, const char *initrd,
			 const char *cmdline)
{
	int r;

	if ((kernel && *kernel != '/') || (initrd && *initrd != '/'))
		return -EINVAL;
	r = vu_domain_set(dom, "os/kernel", NULL, kernel);
	if (r == 0)
		r = vu_domain_set(dom, "os/initrd", NULL, initrd);
	return r < 0 ? r : vu_domain_set(dom, "os/cmdline", NULL, cmdline);
}

int vu_domain_get_bootmenu(const struct vu_domain *dom, bool *enable, int *timeout_ms)
{
	xmlNodePtr node = vu_domain_find(dom, "os/bootmenu");
	uint64_t t = 0;
	char *en;
	int r;

	if (!node)
		return -ENOENT;
	r = vu_dt_get(node, "enable", &en);
	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;
	if (strcmp(en, "yes") && strcmp(en, "no"))
		r = -EINVAL;
	if (r == 0 && enable)
		*enable = !strcmp(en, "yes");
	free(en);
	if (r == 0)
		r = vu_domain_node_get_uint(node, NULL, "timeout", &t);
	if (r == 0 && t > 65535)
		r = -ERANGE;
	if (timeout_ms)
		*timeout_ms = r == 0 ? (int)t : -1;
	return r == -ENOENT ? 0 : r;
}

int vu_domain_set_bootmenu(struct vu_domain *dom, bool enable, int timeout_ms)
{
	char text[16];
	xmlNodePtr node;
	int r;

	if (timeout_ms > 65535)
		return -ERANGE;
	r = vu_domain_ensure(dom, "os/bootmenu", &node);
	if (r == 0)
		r = vu_dt_set(node, "enable", enable ? "yes" : "no");
	snprintf(text, sizeof(text), "%d", timeout_ms);
	return r < 0 ? r : vu_dt_set(node, "timeout", timeout_ms < 0 ? NULL : text);
}

/* ---- features ---- */

bool vu_domain_has_feature(const struct vu_domain *dom, const char *name)
{
	return name && *name && vu_dt_child(vu_domain_find(dom, "features"), name);
}

int vu_domain_add_feature(struct vu_domain *dom, const char *name)
{
	xmlNodePtr features;
	int r;

	if (!name || xmlValidateNCName((const xmlChar *)name, 0))
		return -EINVAL;
	r = vu_domain_ensure(dom, "features", &features);
	if (r < 0)
		return r;
	return vu_dt_child_ensure(features, name) ? 0 : -ENOMEM;
}

int vu_domain_remove_feature(struct vu_domain *dom, const char *name)
{
	xmlNodePtr features = vu_domain_find(dom, "features");

	if (!name || !*name)
		return -EINVAL;
	vu_dt_remove(vu_dt_child(features, name));
	/* <features/> with nothing in it is as good as none. */
	if (features && !vu_dt_child(features, NULL))
		vu_dt_remove_if_empty(features);
	return 0;
}

/* ---- clock and lifecycle ---- */

int vu_domain_get_clock_offset(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "clock", "offset", out);
}

int vu_domain_set_clock_offset(struct vu_domain *dom, const char *offset)
{
	static const char *const ok[] = {
		"utc", "localtime", "timezone", "variable", "absolute", NULL
	};

	if (offset && !vu_dt_word_in(offset, ok))
		return -EINVAL;
	if (!offset && !vu_domain_find(dom, "clock"))
		return 0;
	return vu_domain_set(dom, "clock", "offset", offset);
}

/* The element for an event, and the actions libvirt's schema allows. */
static const char *lifecycle_path(const char *event, const char *const **actions)
{
	static const char *const off[] = {
		"destroy", "restart", "preserve", "rename-restart", NULL
	};
	static const char *const crash[] = {
		"destroy", "restart", "preserve", "rename-restart", "coredump-destroy",
		"coredump-restart", NULL
	};
	static const char *const lock[] = { "poweroff", "restart", "pause", "ignore", NULL };

	if (!event)
		return NULL;
	*actions = !strcmp(event, "crash") ? crash : !strcmp(event, "lockfailure") ? lock : off;
	if (!strcmp(event, "poweroff"))
		return "on_poweroff";
	if (!strcmp(event, "reboot"))
		return "on_reboot";
	if (!strcmp(event, "crash"))
		return "on_crash";
	if (!strcmp(event, "lockfailure"))
		return "on_lockfailure";
	return NULL;
}

int vu_domain_get_lifecycle(const struct vu_domain *dom, const char *event, char **action)
{
	const char *const *actions;
	const char *path = lifecycle_path(event, &actions);

	if (!action)
		return -EINVAL;
	*action = NULL;
	return path ? vu_domain_get(dom, path, NULL, action) : -EINVAL;
}

int vu_domain_set_lifecycle(struct vu_domain *dom, const char *event, const char *action)
{
	const char *const *actions;
	const char *path = lifecycle_path(event, &actions);

	if (!path || (action && !vu_dt_word_in(action, actions)))
		return -EINVAL;
	return vu_domain_set(dom, path, NULL, action);
}

/* ---- sysinfo ---- */

static bool attr_is(const xmlNode *node, const char *attr, const char *value)
{
	xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)attr);
	bool eq = v && xmlStrEqual(v, (const xmlChar *)value);

	xmlFree(v);
	return eq;
}

static xmlNodePtr smbios(const struct vu_domain *dom)
{
	xmlNodePtr si = vu_dt_child(vu_dt_root(dom), "sysinfo");

	while (si && !attr_is(si, "type", "smbios"))
		si = vu_dt_next(si, "sysinfo");
	return si;
}

static xmlNodePtr sysinfo_entry(xmlNodePtr section, const char *name)
{
	xmlNodePtr en = vu_dt_child(section, "entry");

	while (en && !attr_is(en, "name", name))
		en = vu_dt_next(en, "entry");
	return en;
}

static bool section_ok(const char *section)
{
	static const char *const ok[] = { "bios", "system", "baseBoard", "chassis", NULL };

	return vu_dt_word_in(section, ok);
}

int vu_domain_get_sysinfo(const struct vu_domain *dom, const char *section,
			  const char *name, char **value)
{
	if (!value)
		return -EINVAL;
	*value = NULL;
	if (!section_ok(section) || !name)
		return -EINVAL;
	return vu_dt_get(sysinfo_entry(vu_dt_child(smbios(dom), section), name), NULL, value);
}

static int remove_sysinfo(struct vu_domain *dom, const char *section, const char *name)
{
	xmlNodePtr si = smbios(dom), sec = vu_dt_child(si, section);

	vu_dt_remove(sysinfo_entry(sec, name));
	if (sec && !vu_dt_child(sec, NULL))
		vu_dt_remove(sec);
	if (si && !vu_dt_child(si, NULL))
		vu_dt_remove(si);
	return 0;
}

int vu_domain_set_sysinfo(struct vu_domain *dom, const char *section, const char *name,
			  const char *value)
{
	xmlNodePtr si, sec, en;

	if (!section_ok(section) || !name || !*name)
		return -EINVAL;
	if (!value)
		return remove_sysinfo(dom, section, name);
	si = smbios(dom);
	if (!si) {
		si = vu_dt_insert(vu_dt_root(dom), "sysinfo");
		if (!si || vu_dt_set(si, "type", "smbios") < 0)
			return -ENOMEM;
	}
	sec = vu_dt_child_ensure(si, section);
	en = sec ? sysinfo_entry(sec, name) : NULL;
	if (sec && !en) {
		en = vu_dt_insert(sec, "entry");
		if (en && vu_dt_set(en, "name", name) < 0)
			return -ENOMEM;
	}
	return en ? vu_dt_set(en, NULL, value) : -ENOMEM;
}
