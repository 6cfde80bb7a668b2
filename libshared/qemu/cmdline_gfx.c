// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_gfx.c - <graphics> (vnc, spice, none) and <video>; passwords go
 * through a -object secret whose file the runtime writes, never argv */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

/* -object secret from a 0600 file in the run directory; returns its id. */
static const char *secret(struct qb *b, const char *what, const char *passwd)
{
	struct vu_qemu_cmd *c = b->cmd;
	struct vu_qemu_file *f = qb_grow(b, c->files, &c->nfiles, sizeof(*f));
	const char *path = qb_fmt(b, "%s/%s.secret", b->env->rundir, what);

	if (!f)
		return "";
	c->files = f;
	f += c->nfiles - 1;
	f->path = strdup(path);
	f->data = strdup(passwd);
	if (!f->path || !f->data)
		qb_fail(b, ENOMEM, "out of memory");
	qb_opt(b, "-object", "secret,id=%s-secret0,format=raw,file=%s", what, qb_q(b, path));
	return qb_fmt(b, "%s-secret0", what);
}

/* The listen address: the attribute, or <listen type='address'>. */
static const char *listen_addr(struct qb *b, xmlNodePtr g, const char *where, bool *none)
{
	xmlNodePtr l = vu_node_child(g, "listen");
	const char *ltype = qb_get(b, l, NULL, "type");
	const char *addr = qb_get(b, g, NULL, "listen");

	*none = false;
	if (vu_node_count(g, "listen") > 1)
		qb_fail(b, EOPNOTSUPP, "%s<listen>: only one", where);
	if (ltype && !strcmp(ltype, "none")) {
		*none = true;
		return NULL;
	}
	if (ltype && strcmp(ltype, "address"))
		qb_fail(b, EOPNOTSUPP, "%s<listen type='%s'>: not supported", where, ltype);
	if (!addr)
		addr = qb_get(b, l, NULL, "address");
	if (addr && !vu_str_alnum_or(addr, ".:"))
		qb_fail(b, EINVAL, "%s: listen '%s' is not an address", where, addr);
	return addr ? addr : "127.0.0.1";
}

static void vnc(struct qb *b, xmlNodePtr g, const char *where)
{
	long port = strtol(qb_get(b, g, NULL, "port") ?: "-1", NULL, 10);
	bool autoport = vu_node_value_is(g, NULL, "autoport", "yes") || port < 0;
	const char *passwd = qb_get(b, g, NULL, "passwd");
	bool none;
	const char *addr = listen_addr(b, g, where, &none);
	const char *pw = passwd ? qb_fmt(b, ",password-secret=%s", secret(b, "vnc", passwd))
				: "";

	if (none) {
		qb_opt(b, "-vnc", "none%s", pw);
		return;
	}
	if (!autoport && (port < 5900 || port > 65535)) {
		qb_fail(b, EINVAL, "%s: port %ld is not from 5900 to 65535", where, port);
		return;
	}
	/* autoport: QEMU takes the first free display; QMP query-vnc says which */
	qb_opt(b, "-vnc", "%s%s%s:%ld%s%s", strchr(addr, ':') ? "[" : "", addr,
	       strchr(addr, ':') ? "]" : "", autoport ? 0 : port - 5900,
	       autoport ? ",to=99" : "", pw);
}

static void spice(struct qb *b, xmlNodePtr g, const char *where)
{
	long port = strtol(qb_get(b, g, NULL, "port") ?: "-1", NULL, 10);
	const char *passwd = qb_get(b, g, NULL, "passwd");
	bool none;
	const char *addr = listen_addr(b, g, where, &none);
	const char *pw = passwd ? qb_fmt(b, "password-secret=%s", secret(b, "spice", passwd))
				: "disable-ticketing=on";

	if (vu_node_value_is(g, NULL, "autoport", "yes") || port < 0) {
		if (!b->env->spice_port) {
			qb_fail(b, EINVAL, "%s: autoport needs a port from vm-ctl", where);
			return;
		}
		port = b->env->spice_port;
	}
	if (none)
		qb_opt(b, "-spice", "%s,seamless-migration=on", pw);
	else
		qb_opt(b, "-spice", "port=%ld,addr=%s,%s,seamless-migration=on", port, addr, pw);
}

void qb_graphics(struct qb *b, xmlNodePtr g)
{
	static const char *const attrs[] = {
		"type", "port", "autoport", "listen", "passwd", "keymap", NULL
	};
	const char *type = qb_get(b, g, NULL, "type") ?: "";
	const char *keymap = qb_get(b, g, NULL, "keymap");
	const char *where = qb_fmt(b, "<graphics type='%s'>", type);

	qb_only(b, g, where, (const char *const[]){ "listen", NULL });
	qb_attrs(b, g, where, attrs);
	if (b->err)
		return;
	if (vu_node_count(g->parent, "graphics") > 1) {
		qb_fail(b, EOPNOTSUPP, "<graphics>: only one");
		return;
	}
	if (keymap && (!*keymap || !vu_str_alnum_or(keymap, "-_")))
		qb_fail(b, EINVAL, "%s keymap='%s': not a keymap name", where, keymap);
	else if (keymap)
		qb_opt(b, "-k", "%s", keymap);
	if (!strcmp(type, "vnc"))
		vnc(b, g, where);
	else if (!strcmp(type, "spice"))
		spice(b, g, where);
	else
		qb_fail(b, EOPNOTSUPP, "%s: not supported", where);
}

void qb_video(struct qb *b, xmlNodePtr v)
{
	static const char *const models[] = {
		"vga", "cirrus", "qxl", "virtio", "bochs", "none", NULL
	};
	static const char *const primary[] = {
		"VGA", "cirrus-vga", "qxl-vga", "virtio-vga", "bochs-display", NULL
	};
	static const char *const secondary[] = {
		"secondary-vga", NULL, "qxl", "virtio-gpu-pci", "bochs-display", NULL
	};
	xmlNodePtr m = vu_node_child(v, "model");
	const char *type = qb_get(b, m, NULL, "type") ?: "vga";
	bool first = vu_node_child(v->parent, "video") == v;
	int i = vu_word_index(type, models, ARRAY_SIZE(models) - 1);
	const char *where = qb_fmt(b, "<video><model type='%s'>", type);
	unsigned long long vram = qb_uint(b, m, NULL, "vram", 0, "<video vram>");
	unsigned long long heads = qb_uint(b, m, NULL, "heads", 1, "<video heads>");
	const char *dev, *opts = "";

	qb_only(b, v, "<video>", (const char *const[]){ "model", "address", "alias", NULL });
	if (m)
		qb_only(b, m, where, (const char *const[]){ NULL });
	qb_attrs(b, m ? m : v, where, (const char *const[]){ "type", "vram", "heads",
		 "primary", NULL });
	if (i < 0) {
		qb_fail(b, EOPNOTSUPP, "%s: not supported", where);
		return;
	}
	if (!strcmp(type, "none") || b->err)
		return;
	dev = first ? primary[i] : secondary[i];
	if (!dev) {
		qb_fail(b, EOPNOTSUPP, "%s: only as the first video", where);
		return;
	}
	if (vram && (i == 0 || i == 1))
		opts = qb_fmt(b, ",vgamem_mb=%llu", vram / 1024 ? vram / 1024 : 1);
	else if (vram && i == 2)
		opts = qb_fmt(b, ",vram_size=%llu", vram * 1024);
	else if (vram)
		qb_fail(b, EOPNOTSUPP, "%s vram: not for this model", where);
	if (heads != 1 && (i == 2 || i == 3))
		opts = qb_fmt(b, "%s,max_outputs=%llu", opts, heads);
	else if (heads != 1)
		qb_fail(b, EOPNOTSUPP, "%s heads: not for this model", where);
	qb_opt(b, "-device", "%s,id=video%u%s%s", dev, b->nvideo++, opts,
	       qb_pci_addr(b, v, "<video>"));
}
