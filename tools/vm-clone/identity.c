/* SPDX-License-Identifier: GPL-2.0-or-later */
/* identity.c - what makes a clone another machine (name, UUIDs, MACs,
 * serials, sockets, logs) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vu/base.h"
#include "vu/domainxml.h"
#include "vu/ident.h"

#include "vm-clone.h"

/* virt-clone keeps an extension of at most this many characters. */
#define EXT_MAX 7
/* Random hex digits a serial number ends with. */
#define SERIAL_RAND 8

char *vc_rename_path(const char *path, const char *old_name, const char *new_name)
{
	const char *slash = strrchr(path, '/');
	const char *file = slash ? slash + 1 : path;
	const char *hit = old_name && *old_name ? strstr(file, old_name) : NULL;
	const char *dot = strrchr(file, '.');
	char *out;
	int r;

	if (hit)
		r = asprintf(&out, "%.*s%s%s", (int)(hit - path), path, new_name,
			     hit + strlen(old_name));
	else {
		if (!dot || dot == file || strlen(dot + 1) > EXT_MAX)
			dot = file + strlen(file);
		r = asprintf(&out, "%.*s-%s%s", (int)(dot - path), path, new_name, dot);
	}
	return r < 0 ? NULL : out;
}

/* ---- MACs ---- */

struct macs {
	char (*list)[VU_MAC_STRLEN];	/* the clone's, so far, and the original's */
	size_t n;
	const struct vc_ident *id;
};

static bool mac_in(const struct macs *m, const char *mac)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->list[i], mac) == 0)
			return true;
	return false;
}

/* Taken: by another domain, by the original, or by an earlier interface. */
static bool mac_used(const char *mac, void *opaque)
{
	const struct macs *m = opaque;

	return mac_in(m, mac) || (m->id->used && m->id->used(mac, m->id->opaque));
}

static int new_mac(struct macs *m, size_t i, char out[VU_MAC_STRLEN], struct vu_err *e)
{
	const char *want = i < m->id->nmacs ? m->id->macs[i] : NULL;
	int r;

	if (!want || strcmp(want, "RANDOM") == 0) {
		if ((r = vu_mac_generate(out, mac_used, m)) < 0)
			return vu_err_set(e, -r, "cannot find a free MAC address: %s",
					  strerror(-r));
		return 0;
	}
	if (vu_mac_normalize(want, out) < 0)
		return vu_err_set(e, EINVAL, "invalid MAC address '%s'", want);
	if (mac_in(m, out) || (m->id->used && m->id->used(out, m->id->opaque)))
		return vu_err_set(e, EEXIST, "The MAC address '%s' is in use by another "
				  "virtual machine.", want);
	return 0;
}

static int set_ifaces(struct vu_domain *dom, const struct vc_ident *id, struct vu_err *e)
{
	size_t n = vu_domain_dev_count(dom, "interface"), i = 0;
	struct macs m = { .id = id };
	xmlNodePtr ifc = NULL;
	int r = 0;

	if (!(m.list = calloc(2 * n + 1, sizeof(*m.list))))
		return vu_err_set(e, ENOMEM, NULL);
	/* The original keeps its MACs: the clone may not take them either. */
	while ((ifc = vu_domain_dev_next(dom, "interface", ifc))) {
		struct vu_iface f;

		if (vu_iface_get(ifc, &f) == 0 && f.mac &&
		    vu_mac_normalize(f.mac, m.list[m.n]) == 0)
			m.n++;
		vu_iface_clear(&f);
	}
	while (r == 0 && (ifc = vu_domain_dev_next(dom, "interface", ifc))) {
		char mac[VU_MAC_STRLEN], *ifid = NULL;

		if ((r = new_mac(&m, i++, mac, e)) < 0)
			break;
		memcpy(m.list[m.n++], mac, VU_MAC_STRLEN);
		if ((r = vu_iface_set_mac(ifc, mac)) < 0) {
			vu_err_set(e, -r, "cannot set the MAC address: %s", strerror(-r));
			break;
		}
		/* Open vSwitch tells ports apart by this UUID. */
		if (vu_node_get(ifc, "virtualport/parameters", "interfaceid", &ifid) == 0) {
			char u[VU_UUID_STRLEN];

			vu_uuid_generate(u);
			r = vu_iface_set_interfaceid(ifc, u);
			if (r < 0)
				vu_err_set(e, -r, "cannot set the interfaceid: %s", strerror(-r));
		}
		free(ifid);
	}
	free(m.list);
	return r;
}

/* ---- disks: serial numbers and WWNs are the disk's identity ---- */

static void random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32];

	if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t)n)
		memset(r, 0x5a, sizeof(r));	/* cannot happen with n <= 32 */
	for (size_t i = 0; i < n; i++)
		out[i] = hex[r[i] & 15];
	out[n] = '\0';
}

/* A serial keeps its beginning and ends in random hex, at its length (at
 * least SERIAL_RAND digits); a WWN keeps its NAA digit and company id
 * (the first 7 digits) and gets a new vendor part. */
int vc_disk_reidentify(xmlNodePtr disk)
{
	char *serial = NULL, *wwn = NULL;
	int r = 0;

	if (vu_node_get(disk, "serial", NULL, &serial) == 0) {
		size_t len = strlen(serial);
		size_t keep = len > SERIAL_RAND ? len - SERIAL_RAND : 0;
		char *s = malloc(keep + SERIAL_RAND + 1);

		if (!s)
			r = -ENOMEM;
		else {
			memcpy(s, serial, keep);
			random_hex(s + keep, SERIAL_RAND);
			r = vu_node_set(disk, "serial", NULL, s);
			free(s);
		}
	}
	if (r == 0 && vu_node_get(disk, "wwn", NULL, &wwn) == 0) {
		const char *digits = strncmp(wwn, "0x", 2) == 0 ? wwn + 2 : wwn;
		char w[17];

		if (strlen(digits) == 16) {
			memcpy(w, digits, 7);
			random_hex(w + 7, 9);
			r = vu_node_set(disk, "wwn", NULL, w);
		}
	}
	free(serial);
	free(wwn);
	return r;
}

/* ---- character devices and graphics ---- */

static int rename_attr(xmlNodePtr n, const char *attr, const struct vc_ident *id)
{
	char *old, *new = NULL;
	int r = vu_node_get(n, NULL, attr, &old);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && (new = vc_rename_path(old, id->old_name, id->new_name)) == NULL)
		r = -ENOMEM;
	if (new)
		r = vu_node_set(n, NULL, attr, new);
	free(old);
	free(new);
	return r;
}

/* serial and console type='file' write to a file QEMU creates, and any
 * chardev may log to one: two domains may not share them. */
static int set_chardevs(struct vu_domain *dom, const struct vc_ident *id)
{
	static const char *const kinds[] = { "serial", "console", "parallel", "channel" };
	int r = 0;

	for (size_t k = 0; r == 0 && k < ARRAY_SIZE(kinds); k++) {
		xmlNodePtr dev = NULL;

		while (r == 0 && (dev = vu_domain_dev_next(dom, kinds[k], dev))) {
			xmlNodePtr src = vu_node_child(dev, "source"), log = vu_node_child(dev, "log");

			if (src && vu_node_value_is(dev, NULL, "type", "file"))
				r = rename_attr(src, "path", id);
			if (r == 0 && log)
				r = rename_attr(log, "file", id);
		}
	}
	return r;
}

/*
 * A unix socket QEMU binds is the domain's own: a clone's QEMU binding the
 * same path would silently take it over from the original's (the guest
 * agent, a serial console, a USB redirection...). Every <source> QEMU
 * listens on gets a path of its own, as log files do: mode='bind' on a
 * type='unix' chardev (serial, console, parallel, channel, redirdev,
 * smartcard) or an rng's egd backend, and mode='server' on a vhost-user
 * interface. A socket QEMU connects to (mode='connect', libvirt's
 * default, or 'client') belongs to whoever listens on it and is kept.
 */
static bool binds(xmlNodePtr holder, xmlNodePtr src)
{
	if (!vu_node_value_is(holder, NULL, "type", "unix") && !vu_node_value_is(src, NULL, "type", "unix"))
		return false;
	return vu_node_value_is(src, NULL, "mode", "bind") || vu_node_value_is(src, NULL, "mode", "server");
}

static int rename_bound(xmlNodePtr holder, const struct vc_ident *id)
{
	int r = 0;

	for (xmlNodePtr src = holder ? holder->children : NULL; r == 0 && src; src = src->next)
		if (vu_node_is(src, "source") && binds(holder, src))
			r = rename_attr(src, "path", id);
	return r;
}

static int set_sockets(struct vu_domain *dom, const struct vc_ident *id)
{
	static const char *const kinds[] = { "serial", "console", "parallel", "channel",
					     "redirdev", "smartcard" };
	xmlNodePtr dev = NULL;
	int r = 0;

	for (size_t k = 0; r == 0 && k < ARRAY_SIZE(kinds); k++)
		while (r == 0 && (dev = vu_domain_dev_next(dom, kinds[k], dev)))
			r = rename_bound(dev, id);
	while (r == 0 && (dev = vu_domain_dev_next(dom, "rng", dev)))
		r = rename_bound(vu_node_child(dev, "backend"), id);
	while (r == 0 && (dev = vu_domain_dev_next(dom, "interface", dev)))
		if (vu_node_value_is(dev, NULL, "type", "vhostuser"))
			r = rename_bound(dev, id);
	return r;
}

static void set_graphics(struct vu_domain *dom)
{
	xmlNodePtr g = NULL;

	while ((g = vu_domain_dev_next(dom, "graphics", g))) {
		char *port, *tls;
		bool fixed;

		vu_node_get(g, NULL, "port", &port);
		vu_node_get(g, NULL, "tlsPort", &tls);
		fixed = (port && strcmp(port, "-1") != 0) || (tls && strcmp(tls, "-1") != 0) ||
			vu_node_value_is(g, NULL, "autoport", "no");
		if (fixed)
			vu_graphics_set_port(g, -1);
		free(port);
		free(tls);
	}
}

static int set_nvram(struct vu_domain *dom, const char *path)
{
	char *old = NULL, *tmpl = NULL;
	int r;

	if (!path || vu_domain_get_nvram(dom, &old, &tmpl) < 0)
		return 0;
	r = vu_domain_set_nvram(dom, path, tmpl);
	free(old);
	free(tmpl);
	return r;
}

int vc_identity(struct vu_domain *dom, const struct vc_ident *id, struct vu_err *e)
{
	int r;

	if ((r = vu_domain_set_name(dom, id->new_name)) < 0)
		return vu_err_set(e, -r, "cannot set the name: %s", strerror(-r));
	/* vu_domain_set_uuid keeps <sysinfo>'s system uuid equal to it. */
	if ((r = vu_domain_set_uuid(dom, id->uuid)) < 0)
		return vu_err_set(e, -r, "invalid UUID '%s'", id->uuid);
	vu_domain_set_title(dom, NULL);
	vu_domain_remove_id(dom);
	if ((r = set_ifaces(dom, id, e)) < 0)
		return r;
	if ((r = set_chardevs(dom, id)) < 0 || (r = set_sockets(dom, id)) < 0 ||
	    (r = set_nvram(dom, id->nvram)) < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	set_graphics(dom);
	return 0;
}
