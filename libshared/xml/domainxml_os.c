/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_os.c - how a domain boots and behaves: <os> (type, boot order,
 * firmware, direct kernel, boot menu), features, clock, lifecycle actions
 * and SMBIOS sysinfo */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/domainxml.h"

#include "domainxml_priv.h"

/* ---- os ---- */

int vu_domain_get_os_type(const struct vu_domain *dom, char **type, char **arch,
			  char **machine)
{
	xmlNodePtr node = vu_domain_find(dom, "os/type");
	char **outs[] = { type, arch, machine };
	const char *attrs[] = { NULL, "arch", "machine" };

	for (size_t i = 0; i < ARRAY_SIZE(outs); i++)
		if (outs[i])
			*outs[i] = NULL;
	if (!node)
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(outs); i++) {
		int r = outs[i] ? vu_node_get(node, NULL, attrs[i], outs[i]) : 0;

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
		r = vu_node_set(node, NULL, "arch", arch);
	if (r == 0)
		r = vu_node_set(node, NULL, "machine", machine);
	return r < 0 ? r : vu_node_set(node, NULL, NULL, type);
}

static const char *const boot_devs[] = { "hd", "cdrom", "network", "fd", NULL };

/* The static spelling of a boot device name, or NULL. */
static const char *boot_dev(const xmlNode *boot)
{
	for (size_t i = 0; boot_devs[i]; i++)
		if (vu_node_value_is(boot, NULL, "dev", boot_devs[i]))
			return boot_devs[i];
	return NULL;
}

int vu_domain_get_boot_devs(const struct vu_domain *dom, const char **devs, size_t max)
{
	xmlNodePtr os = vu_domain_find(dom, "os");
	size_t n = 0;

	for (xmlNodePtr b = vu_node_child(os, "boot"); b; b = vu_node_next(b, "boot")) {
		const char *name = boot_dev(b);

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
		if (!vu_word_in(devs[i], boot_devs))
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
	while ((b = vu_node_child(os, "boot")))
		vu_node_remove(b);
	if (!n)
		return 0;
	r = vu_domain_ensure(dom, "os", &os);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = vu_node_insert(os, "boot", NULL, &b);
		if (r == 0)
			r = vu_node_set(b, NULL, "dev", devs[i]);
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
	if (*path != '/' || (type && !vu_word_in(type, types)))
		return -EINVAL;
	r = vu_domain_ensure(dom, "os/loader", &node);
	if (r == 0)
		r = vu_node_set(node, NULL, "readonly", readonly ? "yes" : NULL);
	if (r == 0)
		r = vu_node_set(node, NULL, "type", type);
	return r < 0 ? r : vu_node_set(node, NULL, NULL, path);
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
	if (path && vu_node_child(node, NULL) == NULL)
		r = vu_node_get(node, NULL, NULL, path);
	if (r == 0 && tmpl) {
		r = vu_node_get(node, NULL, "template", tmpl);
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
		r = vu_node_set(node, NULL, "template", tmpl);
	if (r < 0)
		return r;
	if (path)
		return vu_node_set(node, NULL, NULL, path);
	while (node->children)
		vu_node_remove(node->children);
	return 0;
}

int vu_domain_get_kernel(const struct vu_domain *dom, char **kernel, char **initrd,
			 char **cmdline)
{
	static const char *const paths[] = { "os/kernel", "os/initrd", "os/cmdline" };
	char **outs[] = { kernel, initrd, cmdline };
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(outs); i++)
		if (outs[i])
			*outs[i] = NULL;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(outs); i++) {
		r = outs[i] ? vu_domain_get(dom, paths[i], NULL, outs[i]) : 0;
		r = r == -ENOENT ? 0 : r;
	}
	for (size_t i = 0; r < 0 && i < ARRAY_SIZE(outs); i++)
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
	r = vu_node_get(node, NULL, "enable", &en);
	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;
	if (strcmp(en, "yes") && strcmp(en, "no"))
		r = -EINVAL;
	if (r == 0 && enable)
		*enable = !strcmp(en, "yes");
	free(en);
	if (r == 0)
		r = vu_node_get_uint(node, NULL, "timeout", &t);
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
		r = vu_node_set(node, NULL, "enable", enable ? "yes" : "no");
	snprintf(text, sizeof(text), "%d", timeout_ms);
	return r < 0 ? r : vu_node_set(node, NULL, "timeout", timeout_ms < 0 ? NULL : text);
}

/* ---- features ---- */

bool vu_domain_has_feature(const struct vu_domain *dom, const char *name)
{
	return name && *name && vu_node_child(vu_domain_find(dom, "features"), name);
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
	return vu_node_ensure(features, name, NULL);
}

int vu_domain_remove_feature(struct vu_domain *dom, const char *name)
{
	xmlNodePtr features = vu_domain_find(dom, "features");

	if (!name || !*name)
		return -EINVAL;
	vu_node_remove(vu_node_child(features, name));
	/* <features/> with nothing in it is as good as none. */
	if (features && !vu_node_child(features, NULL))
		vu_node_remove_if_empty(features);
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

	if (offset && !vu_word_in(offset, ok))
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

	if (!path || (action && !vu_word_in(action, actions)))
		return -EINVAL;
	return vu_domain_set(dom, path, NULL, action);
}

/* ---- sysinfo ---- */

static xmlNodePtr smbios(const struct vu_domain *dom)
{
	xmlNodePtr si = vu_node_child(vu_domain_root(dom), "sysinfo");

	while (si && !vu_node_value_is(si, NULL, "type", "smbios"))
		si = vu_node_next(si, "sysinfo");
	return si;
}

static xmlNodePtr sysinfo_entry(xmlNodePtr section, const char *name)
{
	xmlNodePtr en = vu_node_child(section, "entry");

	while (en && !vu_node_value_is(en, NULL, "name", name))
		en = vu_node_next(en, "entry");
	return en;
}

static bool section_ok(const char *section)
{
	static const char *const ok[] = { "bios", "system", "baseBoard", "chassis", NULL };

	return vu_word_in(section, ok);
}

int vu_domain_get_sysinfo(const struct vu_domain *dom, const char *section,
			  const char *name, char **value)
{
	if (!value)
		return -EINVAL;
	*value = NULL;
	if (!section_ok(section) || !name)
		return -EINVAL;
	return vu_node_get(sysinfo_entry(vu_node_child(smbios(dom), section), name), NULL, NULL,
			   value);
}

static int remove_sysinfo(struct vu_domain *dom, const char *section, const char *name)
{
	xmlNodePtr si = smbios(dom), sec = vu_node_child(si, section);

	vu_node_remove(sysinfo_entry(sec, name));
	if (sec && !vu_node_child(sec, NULL))
		vu_node_remove(sec);
	if (si && !vu_node_child(si, NULL))
		vu_node_remove(si);
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
		if (vu_node_insert(vu_domain_root(dom), "sysinfo", NULL, &si) < 0 ||
		    vu_node_set(si, NULL, "type", "smbios") < 0)
			return -ENOMEM;
	}
	if (vu_node_ensure(si, section, &sec) < 0)
		return -ENOMEM;
	en = sysinfo_entry(sec, name);
	if (!en && (vu_node_insert(sec, "entry", NULL, &en) < 0 ||
		    vu_node_set(en, NULL, "name", name) < 0))
		return -ENOMEM;
	return vu_node_set(en, NULL, NULL, value);
}
