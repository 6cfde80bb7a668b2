// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_chr.c - <serial>, <console>, <parallel>, <channel>: a -chardev
 * backend (pty, file, unix, tcp, null, spicevmc) and the port it feeds */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

struct ch {
	xmlNodePtr node;
	const char *elem, *where, *type, *id;
};

static const char *socket_opts(bool bind)
{
	return bind ? ",server=on,wait=off" : ",server=off";
}

static const char *backend(struct qb *b, struct ch *c)
{
	xmlNodePtr src = vu_node_child(c->node, "source");
	const char *path = qb_get(b, src, NULL, "path");
	const char *mode = qb_get(b, src, NULL, "mode");
	bool bind = !mode || !strcmp(mode, "bind");

	if (src)
		qb_attrs(b, src, qb_fmt(b, "%s<source>", c->where), (const char *const[]){
			"path", "mode", "host", "service", "append", NULL });
	if (mode && strcmp(mode, "bind") && strcmp(mode, "connect"))
		qb_fail(b, EOPNOTSUPP, "%s<source mode='%s'>: not supported", c->where, mode);
	if (!strcmp(c->type, "pty"))
		return "pty";
	if (!strcmp(c->type, "null"))
		return "null";
	if (!strcmp(c->type, "spicevmc"))
		return "spicevmc,name=vdagent";
	if (!strcmp(c->type, "file")) {
		if (!path)
			return qb_fail(b, EINVAL, "%s<source path>: required", c->where), "";
		return qb_fmt(b, "file,path=%s%s", qb_q(b, path),
			      vu_node_value_is(src, NULL, "append", "on") ? ",append=on" : "");
	}
	if (!strcmp(c->type, "unix")) {
		const char *name = qb_get(b, c->node, "target", "name");

		/* an agent channel without a path gets one in the run directory */
		if (!path && name && vu_str_alnum_or(name, "._-"))
			path = qb_fmt(b, "%s/%s", b->env->rundir, name);
		if (!path)
			return qb_fail(b, EINVAL, "%s<source path>: required", c->where), "";
		return qb_fmt(b, "socket,path=%s%s", qb_q(b, path), socket_opts(bind));
	}
	if (!strcmp(c->type, "tcp")) {
		const char *host = qb_get(b, src, NULL, "host");
		const char *port = qb_get(b, src, NULL, "service");
		const char *proto = qb_get(b, c->node, "protocol", "type");

		qb_word(b, proto, qb_fmt(b, "%s<protocol type>", c->where),
			(const char *const[]){ "raw", "telnet", NULL });
		if (!port || !vu_str_alnum_or(port, ""))
			return qb_fail(b, EINVAL, "%s<source service>: a port is required",
				       c->where), "";
		return qb_fmt(b, "socket,host=%s,port=%s%s%s", qb_q(b, host ? host : "127.0.0.1"),
			      port, socket_opts(bind),
			      proto && !strcmp(proto, "telnet") ? ",telnet=on" : "");
	}
	qb_fail(b, EOPNOTSUPP, "%s type='%s': not supported", c->where, c->type);
	return "";
}

static void need_vserial(struct qb *b)
{
	if (!b->vserial) {
		qb_opt(b, "-device", "virtio-serial-pci,id=virtio-serial0");
		b->vserial = true;
	}
}

/* A console of target type serial is the serial port of that number, which
 * libvirt lists twice; it adds the port when there is no <serial>. */
static bool console_is_serial(struct qb *b, struct ch *c)
{
	const char *tt = qb_get(b, c->node, "target", "type");
	unsigned long long port = qb_uint(b, c->node, "target", "port", 0, "<target port>");
	xmlNodePtr devs = vu_domain_find(b->dom, "devices");

	if (tt && strcmp(tt, "serial"))
		return false;
	for (xmlNodePtr s = vu_node_child(devs, "serial"); s; s = vu_node_next(s, "serial"))
		if (qb_uint(b, s, "target", "port", 0, "<target port>") == port)
			return true;
	return false;
}

static void frontend(struct qb *b, struct ch *c)
{
	const char *tt = qb_get(b, c->node, "target", "type");
	const char *name = qb_get(b, c->node, "target", "name");
	unsigned long long port;

	if (!strcmp(c->elem, "serial")) {
		port = qb_uint(b, c->node, "target", "port", b->nserial, "<target port>");
		b->nserial++;
		qb_word(b, tt, qb_fmt(b, "%s<target type>", c->where),
			(const char *const[]){ "isa-serial", NULL });
		if (port > 3)
			qb_fail(b, EINVAL, "%s<target port>: 0 to 3", c->where);
		qb_opt(b, "-device", "isa-serial,chardev=char%s,id=%s,index=%llu", c->id, c->id,
		       port);
	} else if (!strcmp(c->elem, "parallel")) {
		port = qb_uint(b, c->node, "target", "port", b->nparallel, "<target port>");
		b->nparallel++;
		qb_opt(b, "-device", "isa-parallel,chardev=char%s,id=%s,index=%llu", c->id, c->id,
		       port);
	} else if (!strcmp(c->elem, "console")) {
		if (!tt || strcmp(tt, "virtio")) {
			/* a serial console with no <serial>: the port itself */
			qb_opt(b, "-device", "isa-serial,chardev=char%s,id=%s,index=%u", c->id,
			       c->id, b->nserial++);
			return;
		}
		need_vserial(b);
		qb_opt(b, "-device", "virtconsole,bus=virtio-serial0.0,chardev=char%s,id=%s",
		       c->id, c->id);
	} else {
		if (!tt || strcmp(tt, "virtio")) {
			qb_fail(b, EOPNOTSUPP, "%s<target type='%s'>: only virtio channels",
				c->where, tt ? tt : "");
			return;
		}
		need_vserial(b);
		port = qb_num(b, c->node, "address", "port", b->nvport + 1, "<address port>");
		b->nvport = (unsigned)port;
		qb_opt(b, "-device", "virtserialport,bus=virtio-serial0.0,nr=%llu,chardev=char%s,"
		       "id=%s%s%s", port, c->id, c->id, name ? ",name=" : "", qb_q(b, name));
	}
}

/* libvirt numbers aliases per kind: serial0, channel0, channel1 */
static unsigned same_kind_before(xmlNodePtr chr)
{
	unsigned n = 0;

	for (xmlNodePtr p = vu_node_child(chr->parent, (const char *)chr->name); p != chr;
	     p = vu_node_next(p, (const char *)chr->name))
		n++;
	return n;
}

void qb_chardev(struct qb *b, xmlNodePtr chr)
{
	static const char *const known[] = {
		"source", "target", "protocol", "alias", "address", NULL
	};
	struct ch c = { .node = chr, .elem = (const char *)chr->name };

	c.type = qb_get(b, chr, NULL, "type") ?: "pty";
	c.where = qb_fmt(b, "<%s type='%s'>", c.elem, c.type);
	qb_only(b, chr, c.where, known);
	qb_attrs(b, chr, c.where, (const char *const[]){ "type", NULL });
	if (vu_node_child(chr, "target"))
		qb_attrs(b, vu_node_child(chr, "target"), qb_fmt(b, "%s<target>", c.where),
			 (const char *const[]){ "type", "port", "name", "state", NULL });
	if (vu_node_child(chr, "address") && (strcmp(c.elem, "channel") ||
	    !vu_node_value_is(chr, "address", "type", "virtio-serial") ||
	    qb_num(b, chr, "address", "controller", 0, "<address controller>") ||
	    qb_num(b, chr, "address", "bus", 0, "<address bus>")))
		qb_fail(b, EOPNOTSUPP, "%s<address>: only a port of virtio-serial 0",
			c.where);
	if (!strcmp(c.elem, "console") && console_is_serial(b, &c))
		return;
	c.id = qb_fmt(b, "%s%u", c.elem, same_kind_before(chr));
	qb_opt(b, "-chardev", "%s,id=char%s", backend(b, &c), c.id);
	frontend(b, &c);
}
