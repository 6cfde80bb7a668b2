// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_disk.c - <disk> as -blockdev nodes (storage, then format) and a
 * -device on its bus; the explicit backing chain when images go through
 * fds */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/image.h"
#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

/* One disk while it is mapped. */
struct dk {
	xmlNodePtr node;
	const char *where;	/* "<disk dev='vda'>" */
	const char *type, *device, *fmt, *bus, *dev, *id;
	const char *cache_opts;	/* ",cache.direct=on,cache.no-flush=off" or "" */
	const char *wcache;	/* ",write-cache=on|off" or "" */
	const char *aio, *discard, *dzero;
	bool readonly, shareable;
	unsigned index;		/* from the target name: vda 0, vdb 1 */
	unsigned node_no;
};

/* libvirt's cache modes as QEMU's three switches. */
static void cache(struct qb *b, struct dk *d, const char *mode)
{
	static const struct {
		const char *name;
		bool wb, direct, noflush;
	} tab[] = {
		{ "none", true, true, false }, { "writethrough", false, false, false },
		{ "writeback", true, false, false }, { "directsync", false, true, false },
		{ "unsafe", true, false, true },
	};

	d->cache_opts = d->wcache = "";
	if (!mode || !strcmp(mode, "default"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(tab); i++)
		if (!strcmp(mode, tab[i].name)) {
			d->cache_opts = qb_fmt(b, ",cache.direct=%s,cache.no-flush=%s",
					       tab[i].direct ? "on" : "off",
					       tab[i].noflush ? "on" : "off");
			d->wcache = qb_fmt(b, ",write-cache=%s", tab[i].wb ? "on" : "off");
			return;
		}
	qb_fail(b, EOPNOTSUPP, "%s<driver cache='%s'>: not supported", d->where, mode);
}

/* vda -> 0, vdz -> 25, vdaa -> 26, as libvirt numbers targets. */
static unsigned target_index(const char *dev)
{
	size_t pre = strncmp(dev, "xvd", 3) ? 2 : 3;	/* vd, sd, hd, fd; xvd */
	unsigned idx = 0;

	for (const char *p = dev + pre; *p >= 'a' && *p <= 'z'; p++)
		idx = idx * 26 + (unsigned)(*p - 'a') + 1;
	return idx ? idx - 1 : 0;
}

static const char *default_bus(const char *dev)
{
	if (!strncmp(dev, "vd", 2))
		return "virtio";
	if (!strncmp(dev, "sd", 2))
		return "scsi";
	if (!strncmp(dev, "hd", 2))
		return "ide";
	if (!strncmp(dev, "fd", 2))
		return "fdc";
	return NULL;
}

static void driver(struct qb *b, struct dk *d)
{
	static const char *const attrs[] = {
		"name", "type", "cache", "io", "discard", "detect_zeroes", NULL
	};
	static const char *const fmts[] = {
		"raw", "qcow2", "qed", "vmdk", "vpc", "vhdx", "vdi", NULL
	};
	xmlNodePtr drv = vu_node_child(d->node, "driver");
	const char *name = qb_get(b, drv, NULL, "name");
	const char *io = qb_get(b, drv, NULL, "io");
	const char *disc = qb_get(b, drv, NULL, "discard");
	const char *dz = qb_get(b, drv, NULL, "detect_zeroes");

	if (drv)
		qb_attrs(b, drv, qb_fmt(b, "%s<driver>", d->where), attrs);
	if (name && strcmp(name, "qemu"))
		qb_fail(b, EOPNOTSUPP, "%s<driver name='%s'>: not supported", d->where, name);
	d->fmt = qb_get(b, drv, NULL, "type") ?: "raw";
	qb_word(b, d->fmt, qb_fmt(b, "%s<driver type>", d->where), fmts);
	cache(b, d, qb_get(b, drv, NULL, "cache"));
	qb_word(b, io, qb_fmt(b, "%s<driver io>", d->where),
		(const char *const[]){ "native", "threads", "io_uring", "default", NULL });
	if (io && !strcmp(io, "native") && !strstr(d->cache_opts, "direct=on"))
		qb_fail(b, EINVAL, "%s<driver io='native'>: needs cache='none' or "
			"'directsync'", d->where);
	d->aio = io && strcmp(io, "default") ? qb_fmt(b, ",aio=%s", io) : "";
	qb_word(b, disc, qb_fmt(b, "%s<driver discard>", d->where),
		(const char *const[]){ "unmap", "ignore", NULL });
	d->discard = disc ? qb_fmt(b, ",discard=%s", disc) : "";
	qb_word(b, dz, qb_fmt(b, "%s<driver detect_zeroes>", d->where),
		(const char *const[]){ "off", "on", "unmap", NULL });
	d->dzero = dz ? qb_fmt(b, ",detect-zeroes=%s", dz) : "";
	if (dz && !strcmp(dz, "unmap") && (!disc || strcmp(disc, "unmap")))
		qb_fail(b, EINVAL, "%s<driver detect_zeroes='unmap'>: needs discard='unmap'",
			d->where);
}

/* The protocol layer of a network disk: NBD over TCP or a unix socket. */
static const char *nbd_source(struct qb *b, struct dk *d, xmlNodePtr src)
{
	const char *proto = qb_get(b, src, NULL, "protocol");
	const char *exp = qb_get(b, src, NULL, "name");
	xmlNodePtr host = vu_node_child(src, "host");
	const char *transport = qb_get(b, host, NULL, "transport");
	const char *srv;

	if (!proto || strcmp(proto, "nbd")) {
		qb_fail(b, EOPNOTSUPP, "%s<source protocol='%s'>: only nbd is supported",
			d->where, proto ? proto : "");
		return "";
	}
	qb_only(b, src, qb_fmt(b, "%s<source>", d->where), (const char *const[]){ "host", NULL });
	if (!host || vu_node_count(src, "host") != 1) {
		qb_fail(b, EINVAL, "%s<source>: nbd needs one <host>", d->where);
		return "";
	}
	if (transport && !strcmp(transport, "unix"))
		srv = qb_fmt(b, "server.type=unix,server.path=%s",
			     qb_q(b, qb_get(b, host, NULL, "socket")));
	else if (!transport || !strcmp(transport, "tcp"))
		srv = qb_fmt(b, "server.type=inet,server.host=%s,server.port=%s",
			     qb_q(b, qb_get(b, host, NULL, "name")),
			     qb_q(b, qb_get(b, host, NULL, "port") ?: "10809"));
	else {
		qb_fail(b, EOPNOTSUPP, "%s<host transport='%s'>: not supported", d->where,
			transport);
		return "";
	}
	return qb_fmt(b, "driver=nbd,%s%s%s", srv, exp ? ",export=" : "", qb_q(b, exp));
}

/* The format node as JSON, the only syntax that says "no backing" (null):
 * the bottom of an explicit chain. Its values hold no user text. */
static void format_json(struct qb *b, struct dk *d, unsigned n, const char *fmt, bool ro)
{
	const char *cache = "";

	if (*d->cache_opts)
		cache = qb_fmt(b, ",\"cache\":{\"direct\":%s,\"no-flush\":%s}",
			       strstr(d->cache_opts, "direct=on") ? "true" : "false",
			       strstr(d->cache_opts, "no-flush=on") ? "true" : "false");
	qb_opt(b, "-blockdev", "{\"node-name\":\"vu-%u-format\",\"read-only\":%s,"
	       "\"driver\":\"%s\"%s%s%s%s%s,\"file\":\"vu-%u-storage\",\"backing\":null}",
	       n, ro ? "true" : "false", fmt, *d->discard ? ",\"discard\":\"" : "",
	       *d->discard ? d->discard + strlen(",discard=") : "", *d->discard ? "\"" : "",
	       cache, *d->dzero ? qb_fmt(b, ",\"detect-zeroes\":\"%s\"",
				       d->dzero + strlen(",detect-zeroes=")) : "", n);
}

/*
 * One storage node and its format node; backing is the node below, "" to
 * let QEMU open what the image names, NULL for none. Returns the format
 * node's name. A storage node on an fdset is opened exactly as its fd
 * was (QEMU dups an fd of the same access mode), without auto-read-only,
 * which would first ask for a read-only one.
 */
static const char *layer(struct qb *b, struct dk *d, const char *storage, const char *fmt,
			 bool ro, const char *backing)
{
	unsigned n = b->nblk++;
	bool fdset = strstr(storage, "filename=/dev/fdset/") != NULL;

	qb_opt(b, "-blockdev", "%s,node-name=vu-%u-storage,%s%s%s%s", storage, n,
	       fdset ? (ro ? "read-only=on" : "read-only=off") : "auto-read-only=on",
	       d->discard, d->cache_opts, strncmp(storage, "driver=nbd", 10) ? d->aio : "");
	/* Only formats that can have a backing file take "backing": QEMU's
	 * raw driver refuses the option, so a raw bottom layer goes without. */
	if (!backing && vu_word_in(fmt, (const char *const[]){ "qcow2", "qed", "vmdk", NULL }))
		format_json(b, d, n, fmt, ro);
	else if (!backing)
		qb_opt(b, "-blockdev", "node-name=vu-%u-format,read-only=%s,driver=%s%s%s%s,"
		       "file=vu-%u-storage", n, ro ? "on" : "off", fmt, d->discard,
		       d->cache_opts, d->dzero, n);
	else
		qb_opt(b, "-blockdev", "node-name=vu-%u-format,read-only=%s,driver=%s%s%s%s,"
		       "file=vu-%u-storage%s%s", n, ro ? "on" : "off", fmt, d->discard,
		       d->cache_opts, d->dzero, n, *backing ? ",backing=" : "", backing);
	return qb_fmt(b, "vu-%u-format", n);
}

static const char *file_storage(struct qb *b, struct dk *d, const char *path, const char *fmt,
				bool ro)
{
	const char *drv = !strcmp(d->type, "block") ?
			  (!strcmp(d->device, "cdrom") ? "host_cdrom" : "host_device") : "file";
	int fd;

	if (b->env->open_disk) {
		fd = b->env->open_disk(b->env->opaque, path, fmt, ro, b->e);
		if (fd < 0) {
			if (!b->err)
				b->err = fd;
			return "";
		}
		path = qb_fdset(b, fd);
	}
	return qb_fmt(b, "driver=%s,filename=%s", drv, qb_q(b, path));
}

/*
 * QEMU cannot follow backing names through /dev/fdset, so with fds the
 * chain is read here (vu/image.h) and each layer given with its own fd,
 * bottom first. Without fds QEMU opens the chain itself.
 */
static const char *chain(struct qb *b, struct dk *d, const char *path, bool ro)
{
	struct vu_image *img = NULL, *l;
	const struct vu_image *stack[VU_BACKING_MAX_DEPTH];
	const char *below = NULL;
	size_t n = 0;
	int r;

	if (!b->env->open_disk || strcmp(d->fmt, "qcow2"))
		return layer(b, d, file_storage(b, d, path, d->fmt, ro), d->fmt, ro, "");
	r = vu_image_open(&img, path, d->fmt, 0, b->e);
	if (r < 0) {
		if (!b->err)
			b->err = r;
		return "";
	}
	for (l = vu_image_backing(img); l && n < ARRAY_SIZE(stack); l = vu_image_backing(l))
		stack[n++] = l;
	while (n-- > 0 && !b->err) {
		const char *p = vu_image_filename(stack[n]);
		const char *f = vu_image_format_name(stack[n]);

		below = layer(b, d, file_storage(b, d, p, f, true), f, true, below);
	}
	below = layer(b, d, file_storage(b, d, path, d->fmt, ro), d->fmt, ro, below);
	vu_image_close(&img);
	return below;
}

/* The -blockdev nodes of the medium; NULL for an empty drive. */
static const char *medium(struct qb *b, struct dk *d)
{
	xmlNodePtr src = vu_node_child(d->node, "source");
	const char *path;

	if (!strcmp(d->type, "network"))
		return layer(b, d, nbd_source(b, d, src), d->fmt, d->readonly, "");
	if (src)
		qb_attrs(b, src, qb_fmt(b, "%s<source>", d->where),
			 (const char *const[]){ "file", "dev", "index", NULL });
	qb_only(b, src, qb_fmt(b, "%s<source>", d->where), (const char *const[]){ NULL });
	path = qb_get(b, src, NULL, !strcmp(d->type, "block") ? "dev" : "file");
	if (!path || !*path) {
		if (!strcmp(d->device, "disk"))
			qb_fail(b, EINVAL, "%s<source>: a disk needs a source", d->where);
		return NULL;
	}
	return chain(b, d, path, d->readonly);
}

static void need_sata(struct qb *b, struct dk *d)
{
	if (d->index > 5)
		qb_fail(b, EINVAL, "%s: the SATA controller has 6 ports", d->where);
	if (!b->q35 && !b->sata) {
		qb_opt(b, "-device", "ahci,id=sata0");
		b->sata = true;
	}
}

static void need_scsi(struct qb *b)
{
	if (!b->scsi) {
		qb_opt(b, "-device", "lsi,id=scsi0");
		b->scsi = true;
		b->scsi_lsi = true;
	}
}

/* The -device after the bus: its driver name and where it plugs. */
static const char *bus_device(struct qb *b, struct dk *d)
{
	bool cd = !strcmp(d->device, "cdrom");
	const char *bus = d->bus;

	if (!strcmp(bus, "virtio")) {
		if (cd)
			qb_fail(b, EOPNOTSUPP, "%s: a CD-ROM cannot be on virtio", d->where);
		return qb_fmt(b, "virtio-blk-pci%s", qb_pci_addr(b, d->node, d->where));
	}
	if (!strcmp(bus, "sata")) {
		need_sata(b, d);
		return qb_fmt(b, "%s,bus=%s.%u", cd ? "ide-cd" : "ide-hd",
			      b->q35 ? "ide" : "sata0", d->index);
	}
	if (!strcmp(bus, "ide")) {
		if (b->q35 || d->index > 3)
			qb_fail(b, EOPNOTSUPP, "%s: %s", d->where, b->q35 ?
				"q35 has no IDE controller (use sata)" : "IDE has 4 units");
		return qb_fmt(b, "%s,bus=ide.%u,unit=%u", cd ? "ide-cd" : "ide-hd",
			      d->index / 2, d->index % 2);
	}
	if (!strcmp(bus, "scsi")) {
		need_scsi(b);
		/* lsi addresses a disk by target, virtio-scsi by LUN on target 0 */
		return b->scsi_lsi ?
		       qb_fmt(b, "%s,bus=scsi0.0,scsi-id=%u", cd ? "scsi-cd" : "scsi-hd",
			      d->index) :
		       qb_fmt(b, "%s,bus=scsi0.0,channel=0,scsi-id=0,lun=%u",
			      cd ? "scsi-cd" : "scsi-hd", d->index);
	}
	if (!strcmp(bus, "usb")) {
		qb_need_usb(b, d->where);
		return qb_fmt(b, "usb-storage,bus=usb.0%s%s", vu_node_value_is(d->node, "target",
			      "removable", "on") ? ",removable=on" : "",
			      qb_usb_addr(b, d->node, d->where));
	}
	if (!strcmp(bus, "nvme")) {
		if (cd)
			qb_fail(b, EOPNOTSUPP, "%s: a CD-ROM cannot be on nvme", d->where);
		return qb_fmt(b, "nvme%s", qb_pci_addr(b, d->node, d->where));
	}
	qb_fail(b, EOPNOTSUPP, "%s<target bus='%s'>: not supported", d->where, bus);
	return "";
}

static void floppy(struct qb *b, struct dk *d, const char *node, unsigned order)
{
	const char *bi;

	if (d->index > 1)
		qb_fail(b, EINVAL, "%s: a floppy controller has 2 drives", d->where);
	if (b->q35 && !b->fdc) {
		qb_opt(b, "-device", "isa-fdc,id=fdc0");
		b->fdc = true;
	}
	if (node)
		qb_opt(b, "-device", "floppy,unit=%u,drive=%s,id=%s%s", d->index, node, d->id,
		       d->wcache);
	else
		qb_opt(b, "-device", "floppy,unit=%u,id=%s", d->index, d->id);
	bi = qb_bootindex(b, order, "fd");
	if (*bi)
		qb_opt(b, "-global", "isa-fdc.bootindex%c=%s", d->index ? 'B' : 'A',
		       bi + strlen(",bootindex="));
}

/* A drive address (libvirt writes them) must be the one the target name
 * gives, since that is where the device goes; a PCI address only for the
 * PCI disks. */
static void drive_addr(struct qb *b, struct dk *d)
{
	xmlNodePtr a = vu_node_child(d->node, "address");
	unsigned long long ctl, bus, tgt, unit, want_bus = 0, want_unit = d->index;

	if (!a || !strcmp(d->bus, "virtio") || !strcmp(d->bus, "nvme") || !strcmp(d->bus, "usb"))
		return;	/* bus_device reads the PCI or USB address */
	if (!vu_node_value_is(a, NULL, "type", "drive")) {
		qb_fail(b, EOPNOTSUPP, "%s<address>: only type='drive' on bus %s", d->where,
			d->bus);
		return;
	}
	ctl = qb_num(b, a, NULL, "controller", 0, "<address controller>");
	bus = qb_num(b, a, NULL, "bus", 0, "<address bus>");
	tgt = qb_num(b, a, NULL, "target", 0, "<address target>");
	unit = qb_num(b, a, NULL, "unit", 0, "<address unit>");
	if (!strcmp(d->bus, "ide")) {
		want_bus = d->index / 2;
		want_unit = d->index % 2;
	}
	if (ctl || tgt || bus != want_bus || unit != want_unit)
		qb_fail(b, EOPNOTSUPP, "%s<address>: differs from the target name's "
			"(controller 0, bus %llu, unit %llu)", d->where, want_bus, want_unit);
}

static void check(struct qb *b, struct dk *d)
{
	static const char *const known[] = {
		"driver", "source", "target", "readonly", "shareable", "serial", "wwn",
		"boot", "address", "alias", NULL
	};
	const char *tray = qb_get(b, d->node, "target", "tray");

	qb_only(b, d->node, d->where, known);
	qb_attrs(b, d->node, d->where, (const char *const[]){ "type", "device", "model",
		 "snapshot", NULL });
	qb_word(b, d->type, qb_fmt(b, "%s type", d->where),
		(const char *const[]){ "file", "block", "network", NULL });
	qb_word(b, d->device, qb_fmt(b, "%s device", d->where),
		(const char *const[]){ "disk", "cdrom", "floppy", NULL });
	qb_attrs(b, vu_node_child(d->node, "target"), qb_fmt(b, "%s<target>", d->where),
		 (const char *const[]){ "dev", "bus", "tray", "removable", NULL });
	if (tray && strcmp(tray, "closed"))
		qb_fail(b, EOPNOTSUPP, "%s<target tray='%s'>: not supported", d->where, tray);
	drive_addr(b, d);
	/* QEMU's ide-hd refuses a read-only drive, as libvirt does */
	if (vu_node_has(d->node, "readonly") && !strcmp(d->device, "disk") &&
	    (!strcmp(d->bus, "ide") || !strcmp(d->bus, "sata")))
		qb_fail(b, EOPNOTSUPP, "%s<readonly>: not for an IDE or SATA disk", d->where);
	if (vu_node_child(d->node, "wwn") && (!strcmp(d->bus, "virtio") ||
					       !strcmp(d->bus, "usb") ||
					       !strcmp(d->bus, "nvme")))
		qb_fail(b, EOPNOTSUPP, "%s<wwn>: not on bus %s", d->where, d->bus);
}

static const char *dev_id(struct qb *b, struct dk *d)
{
	const char *alias = qb_get(b, d->node, "alias", "name");

	/* a user alias ("ua-") is the user's id for it, as in libvirt */
	if (alias && !strncmp(alias, "ua-", 3) && vu_str_alnum_or(alias, "-_."))
		return alias;
	return d->dev;
}

void qb_disk(struct qb *b, xmlNodePtr disk)
{
	struct dk d = { .node = disk };
	const char *node, *serial, *wwn, *kind;
	unsigned order;

	d.type = qb_get(b, disk, NULL, "type") ?: "file";
	d.device = qb_get(b, disk, NULL, "device") ?: "disk";
	d.dev = qb_get(b, disk, "target", "dev");
	if (!d.dev || !vu_str_alnum_or(d.dev, "")) {
		qb_fail(b, EINVAL, "<disk>: <target dev> is required");
		return;
	}
	d.where = qb_fmt(b, "<disk dev='%s'>", d.dev);
	d.bus = qb_get(b, disk, "target", "bus") ?: default_bus(d.dev);
	if (!d.bus) {
		qb_fail(b, EINVAL, "%s<target>: no bus", d.where);
		return;
	}
	if (!strcmp(d.device, "floppy"))
		d.bus = "fdc";
	check(b, &d);
	d.index = target_index(d.dev);
	d.id = dev_id(b, &d);
	d.readonly = vu_node_has(disk, "readonly") || !strcmp(d.device, "cdrom");
	d.shareable = vu_node_has(disk, "shareable");
	driver(b, &d);
	order = (unsigned)qb_uint(b, disk, "boot", "order", 0, "<boot order>");
	node = medium(b, &d);
	if (b->err)
		return;
	if (!strcmp(d.bus, "fdc")) {
		floppy(b, &d, node, order);
		return;
	}
	kind = !strcmp(d.device, "cdrom") ? "cdrom" : "hd";
	serial = qb_get(b, disk, "serial", NULL);
	wwn = qb_get(b, disk, "wwn", NULL);
	if (wwn && (strlen(wwn) != 16 || strspn(wwn, "0123456789abcdefABCDEF") != 16))
		qb_fail(b, EINVAL, "%s<wwn>: '%s' is not 16 hex digits", d.where, wwn);
	if (!strcmp(d.bus, "nvme") && !serial)
		serial = d.dev;		/* QEMU's nvme requires one */
	qb_opt(b, "-device", "%s%s%s,id=%s%s%s%s%s%s%s%s", bus_device(b, &d),
	       node ? ",drive=" : "", node ? node : "", d.id, serial ? ",serial=" : "",
	       qb_q(b, serial), wwn ? ",wwn=0x" : "", qb_q(b, wwn), d.wcache,
	       d.shareable ? ",share-rw=on" : "", qb_bootindex(b, order, kind));
}

void qb_need_usb(struct qb *b, const char *where)
{
	if (b->usb)
		return;
	if (b->usb_none) {
		qb_fail(b, EINVAL, "%s: needs a USB controller (the domain has "
			"<controller type='usb' model='none'>)", where);
		return;
	}
	/* libvirt's default controller when the XML names none */
	qb_opt(b, "-device", "%s,id=usb", b->q35 ? "qemu-xhci" : "piix3-usb-uhci");
	b->usb = true;
}
