/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_disk.c - disks: adding, reading back, repointing, and choosing the
 * next free target name on a bus the way libvirt numbers them */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/domainxml.h"

#include "domainxml_priv.h"

/* The source attribute a disk type names its file or device with. */
static const char *source_attr(const char *type)
{
	if (!type || !strcmp(type, "file"))
		return "file";
	if (!strcmp(type, "block"))
		return "dev";
	if (!strcmp(type, "dir"))
		return "dir";
	return NULL;
}

static bool spec_ok(const struct vu_disk_spec *s)
{
	static const char *const types[] = { "file", "block", NULL };
	static const char *const devices[] = { "disk", "cdrom", "floppy", NULL };

	return s && (!s->type || vu_word_in(s->type, types)) &&
	       (!s->device || vu_word_in(s->device, devices)) &&
	       (s->target_dev || s->target_bus) &&
	       (!s->source || *s->source == '/');
}

static int fill_driver(xmlNodePtr disk, const struct vu_disk_spec *s)
{
	const char *attrs[] = {
		"name", s->driver_name ? s->driver_name : "qemu", "type", s->driver_type,
		"cache", s->cache, "io", s->io, "discard", s->discard, NULL
	};
	xmlNodePtr driver;

	if (!s->driver_name && !s->driver_type && !s->cache && !s->io && !s->discard)
		return 0;
	if (vu_node_insert(disk, "driver", NULL, &driver) < 0)
		return -ENOMEM;
	return vu_node_set_attrs(driver, attrs);
}

static int fill_disk(xmlNodePtr disk, const struct vu_disk_spec *s, const char *dev)
{
	int r = fill_driver(disk, s);

	if (r == 0 && s->source)
		r = vu_node_set(disk, "source", source_attr(s->type), s->source);
	if (r == 0)
		r = vu_node_set(disk, "target", "dev", dev);
	if (r == 0 && s->target_bus)
		r = vu_node_set(disk, "target", "bus", s->target_bus);
	if (r == 0 && s->readonly)
		r = vu_node_flag(disk, "readonly", true);
	if (r == 0 && s->shareable)
		r = vu_node_flag(disk, "shareable", true);
	if (r == 0 && s->serial)
		r = vu_node_set(disk, "serial", NULL, s->serial);
	if (r == 0 && s->wwn)
		r = vu_node_set(disk, "wwn", NULL, s->wwn);
	return r < 0 ? r : vu_dev_boot_set(disk, s->boot_order);
}

int vu_domain_add_disk(struct vu_domain *dom, const struct vu_disk_spec *spec,
		       xmlNodePtr *out)
{
	char dev[VU_TARGET_MAX];
	const char *attrs[] = {
		"type", spec && spec->type ? spec->type : "file",
		"device", spec && spec->device ? spec->device : "disk", NULL
	};
	xmlNodePtr disk;
	int r;

	if (!spec_ok(spec))
		return -EINVAL;
	if (spec->target_dev)
		snprintf(dev, sizeof(dev), "%s", spec->target_dev);
	else if ((r = vu_domain_next_target(dom, spec->target_bus, dev)) < 0)
		return r;
	r = vu_domain_dev_add(dom, "disk", attrs, &disk);
	if (r == 0) {
		r = fill_disk(disk, spec, spec->target_dev ? spec->target_dev : dev);
		if (r < 0)
			vu_node_remove(disk);
	}
	if (r == 0 && out)
		*out = disk;
	return r;
}

/* ---- reading back ---- */

void vu_disk_clear(struct vu_disk *d)
{
	char **fields[] = {
		&d->type, &d->device, &d->driver_name, &d->driver_type, &d->cache, &d->io,
		&d->discard, &d->source, &d->target_dev, &d->target_bus, &d->serial, &d->wwn,
	};

	if (!d)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
	d->readonly = d->shareable = false;
	d->boot_order = 0;
}

int vu_disk_get(xmlNodePtr disk, struct vu_disk *out)
{
	const struct vu_dev_field fields[] = {
		{ NULL, "type", &out->type }, { NULL, "device", &out->device },
		{ "driver", "name", &out->driver_name },
		{ "driver", "type", &out->driver_type },
		{ "driver", "cache", &out->cache }, { "driver", "io", &out->io },
		{ "driver", "discard", &out->discard },
		{ "target", "dev", &out->target_dev }, { "target", "bus", &out->target_bus },
		{ "serial", NULL, &out->serial }, { "wwn", NULL, &out->wwn },
	};
	int r;

	if (!vu_node_is(disk, "disk") || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	r = vu_dev_fields_get(disk, fields, ARRAY_SIZE(fields));
	if (r == 0 && source_attr(out->type))
		r = vu_model_opt(disk, "source", source_attr(out->type), &out->source);
	if (r == 0)
		r = vu_dev_boot_get(disk, &out->boot_order);
	out->readonly = vu_node_has(disk, "readonly");
	out->shareable = vu_node_has(disk, "shareable");
	if (r < 0)
		vu_disk_clear(out);
	return r;
}

int vu_disk_set_source(xmlNodePtr disk, const char *type, const char *path)
{
	static const char *const types[] = { "file", "block", NULL };
	xmlNodePtr source;
	char *old = NULL;
	int r;

	if (!vu_node_is(disk, "disk") || (type && !vu_word_in(type, types)) ||
	    (path && *path != '/'))
		return -EINVAL;
	if (!path)
		return vu_node_set(disk, "source", NULL, NULL);
	r = vu_node_get(disk, NULL, "type", &old);
	if (r < 0 && r != -ENOENT)
		return r;
	if (!type)
		type = old ? old : "file";
	r = source_attr(type) ? 0 : -EINVAL;	/* a network disk, say */
	/* Another kind of source: nothing of the old one applies. */
	if (r == 0 && old && strcmp(old, type))
		r = vu_node_set(disk, "source", NULL, NULL);
	if (r == 0)
		r = vu_node_set(disk, NULL, "type", type);
	if (r == 0)
		r = vu_node_ensure(disk, "source", &source);
	if (r == 0)
		r = vu_node_set(source, NULL, source_attr(type), path);
	free(old);
	return r;
}

xmlNodePtr vu_domain_find_disk(const struct vu_domain *dom, const char *dev)
{
	for (xmlNodePtr d = vu_domain_dev_next(dom, "disk", NULL); dev && d;
	     d = vu_domain_dev_next(dom, "disk", d))
		if (vu_node_value_is(d, "target", "dev", dev))
			return d;
	return NULL;
}

/* ---- target names ---- */

/* Three letters: a..zzz is 26 + 26^2 + 26^3 names. */
#define TARGET_INDEX_MAX (26 + 26 * 26 + 26 * 26 * 26)

/* The prefix names on a bus get, and how many of them the bus can hold.
 * One IDE controller has two buses of two units; a floppy controller
 * drives two drives. */
static int bus_prefix(const char *bus, const char **prefix, int *limit)
{
	static const struct {
		const char *bus, *prefix;
		int limit;
	} buses[] = {
		{ "virtio", "vd", TARGET_INDEX_MAX }, { "scsi", "sd", TARGET_INDEX_MAX },
		{ "sata", "sd", TARGET_INDEX_MAX }, { "usb", "sd", TARGET_INDEX_MAX },
		{ "ide", "hd", 4 }, { "fdc", "fd", 2 }, { "xen", "xvd", TARGET_INDEX_MAX },
	};

	for (size_t i = 0; bus && i < ARRAY_SIZE(buses); i++) {
		if (!strcmp(bus, buses[i].bus)) {
			*prefix = buses[i].prefix;
			*limit = buses[i].limit;
			return 0;
		}
	}
	return -EINVAL;
}

/* "a" is 0, "z" 25, "aa" 26 (bijective base 26, as libvirt counts); -1 for
 * anything but one to three lower-case letters. */
static int letters_index(const char *s)
{
	int idx = 0;
	size_t n = strlen(s);

	if (n < 1 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 'a' || s[i] > 'z')
			return -1;
		idx = idx * 26 + (s[i] - 'a' + 1);
	}
	return idx - 1;
}

static void index_letters(int idx, char *out)
{
	char tmp[4];
	int n = 0;

	for (idx++; idx > 0; idx = (idx - 1) / 26)
		tmp[n++] = (char)('a' + (idx - 1) % 26);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

int vu_domain_next_target(const struct vu_domain *dom, const char *bus,
			  char out[VU_TARGET_MAX])
{
	unsigned char used[TARGET_INDEX_MAX] = { 0 };
	const char *prefix;
	size_t plen;
	int limit;

	if (!out || bus_prefix(bus, &prefix, &limit) < 0)
		return -EINVAL;
	plen = strlen(prefix);
	for (xmlNodePtr d = vu_domain_dev_next(dom, "disk", NULL); d;
	     d = vu_domain_dev_next(dom, "disk", d)) {
		char *t;
		int idx = vu_node_get(d, "target", "dev", &t) == 0 && !strncmp(t, prefix, plen) ?
				  letters_index(t + plen) : -1;

		if (idx >= 0)
			used[idx] = 1;
		free(t);
	}
	for (int i = 0; i < limit; i++) {
		if (!used[i]) {
			memcpy(out, prefix, plen);
			index_letters(i, out + plen);
			return 0;
		}
	}
	return -ENOSPC;
}
