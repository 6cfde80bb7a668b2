/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts_chr.c - --serial, --console and --channel: character devices */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devopts_priv.h"

/* virt-install's names and the older ones it still takes (path, mode,
 * host, target_type, name). */
const char *const devopt_chardev_keys[] = {
	"type", "path", "mode", "host", "source.path", "source.mode", "source.host",
	"protocol.type", "target.type", "target_type", "target.name", "name",
	"target.port", "target.address", NULL
};

#define SPICE_CHANNEL "com.redhat.spice.0"

struct chr_args {
	struct vu_chardev_spec spec;
	char host[256];			/* tcp/udp source host= ... */
	char service[8];		/* ... and service= (the port) */
	const char *protocol;		/* tcp: raw, telnet, ... */
	char taddr[256];		/* guestfwd target address= ... */
	char tport[8];			/* ... and port= */
};

static bool is_chan(const struct chr_args *a)
{
	return strcmp(a->spec.elem, "channel") == 0;
}

/* "HOST:PORT", "[V6ADDR]:PORT" or ":PORT" (host 127.0.0.1, as virt-install). */
static int host_port(const char *val, const char *key, char *host, size_t hlen,
		     char port[8], struct vu_err *e)
{
	const char *colon = strrchr(val, ':');
	const char *h = val;
	size_t len;
	uint64_t n;

	if (!colon || vu_subopt_uint(colon + 1, 65535, &n) < 0 || n == 0)
		return devopt_bad(e, key, val);
	len = (size_t)(colon - val);
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len >= hlen)
		return devopt_bad(e, key, val);
	snprintf(host, hlen, "%.*s", (int)len, h);
	if (!vu_str_alnum_or(host, ".-:_"))
		return devopt_bad(e, key, val);
	if (!len)
		snprintf(host, hlen, "127.0.0.1");
	snprintf(port, 8, "%u", (unsigned)n);
	return 0;
}

/* Which source sub-options a type takes. */
static bool takes_path(const char *type)
{
	static const char *const t[] = { "dev", "file", "pipe", "unix", NULL };

	return vu_word_in(type, t);
}

static bool takes_host(const char *type)
{
	return !strcmp(type, "tcp") || !strcmp(type, "udp");
}

/* path=, mode=, host=, protocol.type= against the type. */
static int chr_source(const struct vu_subopts *s, struct chr_args *a, struct vu_err *e)
{
	static const char *const modes[] = { "bind", "connect", NULL };
	static const char *const protocols[] = { "raw", "telnet", "telnets", "tls", NULL };
	const char *type = a->spec.type;
	const char *host = devopt_get2(s, "source.host", "host");
	int r = 0;

	a->spec.path = devopt_get2(s, "source.path", "path");
	a->spec.mode = devopt_get2(s, "source.mode", "mode");
	a->protocol = vu_subopt_get(s, "protocol.type");
	if (a->spec.path && (!takes_path(type) || a->spec.path[0] != '/'))
		return devopt_bad(e, "path", a->spec.path);
	/* libvirt makes up a socket path only for channels. */
	if (!a->spec.path && takes_path(type) && (strcmp(type, "unix") || !is_chan(a)))
		return vu_err_set(e, EINVAL, "type '%s' needs a path", type);
	if (a->spec.mode && !takes_host(type) && strcmp(type, "unix"))
		return devopt_bad(e, "mode", a->spec.mode);
	if (a->spec.mode)
		r = devopt_check(a->spec.mode, "mode", modes, e);
	else if (!strcmp(type, "unix") || !strcmp(type, "tcp"))
		a->spec.mode = "bind";
	else if (!strcmp(type, "udp"))
		a->spec.mode = "connect";
	if (r == 0 && host && !takes_host(type))
		r = devopt_bad(e, "host", host);
	else if (r == 0 && host)
		r = host_port(host, "host", a->host, sizeof(a->host), a->service, e);
	else if (r == 0 && takes_host(type))
		r = vu_err_set(e, EINVAL, "type '%s' needs host=HOST:PORT", type);
	if (r == 0 && a->protocol && strcmp(type, "tcp") != 0)
		r = devopt_bad(e, "protocol.type", a->protocol);
	else if (r == 0 && a->protocol)
		r = devopt_check(a->protocol, "protocol.type", protocols, e);
	return r;
}

/* The target types libvirt takes for each kind, the first the default
 * (none for serial and console: libvirt picks the machine's). */
static const char *const *target_types(const char *elem)
{
	static const char *const serial[] = {
		"isa-serial", "usb-serial", "pci-serial", "spapr-vio-serial",
		"system-serial", "sclp-serial", "isa-debug", NULL
	};
	static const char *const console[] = {
		"serial", "virtio", "xen", "sclp", "sclplm", NULL
	};
	static const char *const channel[] = { "virtio", "guestfwd", NULL };

	if (!strcmp(elem, "serial"))
		return serial;
	return strcmp(elem, "console") ? channel : console;
}

static bool name_ok(const char *s)
{
	return *s && vu_str_alnum_or(s, "._-");
}

/* target.type=, target.name=, target.port=, target.address=. */
static int chr_target(const struct vu_subopts *s, struct chr_args *a, struct vu_err *e)
{
	const char *ttype = devopt_get2(s, "target.type", "target_type");
	const char *name = devopt_get2(s, "target.name", "name");
	const char *addr = vu_subopt_get(s, "target.address");
	uint64_t port = UINT64_MAX;
	int r = 0;

	if (ttype)
		r = devopt_check(ttype, vu_subopt_get(s, "target.type") ? "target.type" :
				 "target_type", target_types(a->spec.elem), e);
	else if (is_chan(a))
		ttype = "virtio";
	a->spec.target_type = ttype;
	if (r == 0 && !is_chan(a))
		r = devopt_uint(s, "target.port", NULL, 0, 65535, &port, e);
	else if (r == 0 && vu_subopt_get(s, "target.port"))
		r = vu_err_set(e, EINVAL, "a channel's port goes in target.address");
	a->spec.target_port = port == UINT64_MAX ? -1 : (int)port;
	if (r < 0)
		return r;
	if (name && (!is_chan(a) || strcmp(ttype, "virtio") || !name_ok(name)))
		return devopt_bad(e, vu_subopt_get(s, "target.name") ? "target.name" : "name",
				  name);
	if (!name && ttype && !strcmp(ttype, "virtio") && is_chan(a) &&
	    (!strcmp(a->spec.type, "spicevmc") || !strcmp(a->spec.type, "qemu-vdagent")))
		name = SPICE_CHANNEL;
	a->spec.target_name = name;
	if (addr && (!ttype || strcmp(ttype, "guestfwd")))
		return devopt_bad(e, "target.address", addr);
	if (addr)
		return host_port(addr, "target.address", a->taddr, sizeof(a->taddr),
				 a->tport, e);
	if (ttype && !strcmp(ttype, "guestfwd"))
		return vu_err_set(e, EINVAL, "target.type=guestfwd needs target.address");
	return 0;
}

/* What vu_domain_add_chardev does not write: tcp/udp host and port, the
 * protocol, a guestfwd address. */
static int chr_extras(xmlNodePtr dev, const struct chr_args *a)
{
	int r = 0;

	if (a->host[0])
		r = vu_node_set(dev, "source", "host", a->host);
	if (r == 0 && a->service[0])
		r = vu_node_set(dev, "source", "service", a->service);
	if (r == 0 && a->protocol)
		r = vu_node_set(dev, "protocol", "type", a->protocol);
	if (r == 0 && a->taddr[0])
		r = vu_node_set(dev, "target", "address", a->taddr);
	if (r == 0 && a->tport[0])
		r = vu_node_set(dev, "target", "port", a->tport);
	return r;
}

/* type: pty unless given; spicevmc and qemu-vdagent live on channels only. */
static int chr_type(const struct vu_subopts *s, struct chr_args *a, struct vu_err *e)
{
	static const char *const types[] = {
		"pty", "dev", "file", "pipe", "unix", "tcp", "udp", "null", "vc", "stdio",
		"spicevmc", "qemu-vdagent", NULL
	};
	const char *type = devopt_first(s, "type");
	int r = devopt_max_positional(s, 1, e);

	a->spec.type = type ? type : "pty";
	if (r == 0)
		r = devopt_check(a->spec.type, "type", types, e);
	if (r == 0 && !is_chan(a) && (!strcmp(a->spec.type, "spicevmc") ||
				      !strcmp(a->spec.type, "qemu-vdagent")))
		r = devopt_bad(e, "type", a->spec.type);
	return r;
}

static int add_chr(struct vu_domain *dom, const char *elem, const struct vu_subopts *s,
		   struct vu_err *e)
{
	struct chr_args a = { .spec = { .elem = elem, .target_port = -1 } };
	xmlNodePtr dev = NULL;
	int r = chr_type(s, &a, e);

	if (r == 0)
		r = chr_source(s, &a, e);
	if (r == 0)
		r = chr_target(s, &a, e);
	if (r < 0)
		return r;
	r = vu_domain_add_chardev(dom, &a.spec, &dev);
	if (r == 0) {
		r = chr_extras(dev, &a);
		if (r < 0)
			vu_domain_dev_remove(dom, dev);
	}
	return r < 0 ? devopt_model_err(r, e, "cannot add the device") : 0;
}

/* --serial and --console: either one means "no default console". */
int devopt_serial(struct vu_domain *dom, const struct vu_subopts *s,
		  struct devopt_ctx *ctx, struct vu_err *e)
{
	(void)ctx;
	return add_chr(dom, "serial", s, e);
}

int devopt_console(struct vu_domain *dom, const struct vu_subopts *s,
		   struct devopt_ctx *ctx, struct vu_err *e)
{
	(void)ctx;
	return add_chr(dom, "console", s, e);
}

/* --channel none (devopts.c) is what stops the SPICE agent channel. */
int devopt_channel(struct vu_domain *dom, const struct vu_subopts *s,
		   struct devopt_ctx *ctx, struct vu_err *e)
{
	(void)ctx;
	return add_chr(dom, "channel", s, e);
}
