// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_dev.c - the other devices: input, sound, watchdog, rng,
 * memballoon, filesystem (9p, virtiofs), hostdev */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

static const char *const no_children[] = { "address", "alias", NULL };

static void input(struct qb *b, xmlNodePtr in)
{
	static const char *const types[] = { "tablet", "mouse", "keyboard", NULL };
	static const char *const usb[] = { "usb-tablet", "usb-mouse", "usb-kbd" };
	static const char *const virtio[] = {
		"virtio-tablet-pci", "virtio-mouse-pci", "virtio-keyboard-pci"
	};
	const char *type = qb_get(b, in, NULL, "type") ?: "";
	const char *bus = qb_get(b, in, NULL, "bus") ?: "ps2";
	const char *where = qb_fmt(b, "<input type='%s' bus='%s'>", type, bus);
	int i = vu_word_index(type, types, 3);

	qb_only(b, in, where, no_children);
	qb_attrs(b, in, where, (const char *const[]){ "type", "bus", NULL });
	if (i < 0)
		qb_fail(b, EOPNOTSUPP, "%s: not supported", where);
	else if (!strcmp(bus, "ps2")) {
		if (vu_node_child(in, "address"))
			qb_fail(b, EOPNOTSUPP, "%s<address>: not supported", where);
		if (i == 0)	/* the i8042 has a mouse and a keyboard, no tablet */
			qb_fail(b, EOPNOTSUPP, "%s: a PS/2 tablet does not exist", where);
	} else if (!strcmp(bus, "usb")) {
		qb_need_usb(b, where);
		qb_opt(b, "-device", "%s,id=input%u,bus=usb.0%s", usb[i], b->ninput++,
		       qb_usb_addr(b, in, where));
	} else if (!strcmp(bus, "virtio")) {
		qb_opt(b, "-device", "%s,id=input%u%s", virtio[i], b->ninput++,
		       qb_pci_addr(b, in, where));
	} else {
		qb_fail(b, EOPNOTSUPP, "%s: not supported", where);
	}
}

static void sound(struct qb *b, xmlNodePtr s)
{
	static const char *const models[] = {
		"ich6", "ich9", "ac97", "es1370", "sb16", "usb", NULL
	};
	static const char *const qemu[] = {
		"intel-hda", "ich9-intel-hda", "AC97", "ES1370", "sb16", "usb-audio"
	};
	const char *model = qb_get(b, s, NULL, "model") ?: "";
	const char *where = qb_fmt(b, "<sound model='%s'>", model);
	int i = vu_word_index(model, models, ARRAY_SIZE(models) - 1);
	unsigned n = b->nsound++;

	qb_only(b, s, where, no_children);
	if (i < 0) {
		qb_fail(b, EOPNOTSUPP, "%s: not supported", where);
		return;
	}
	if (i == 5)
		qb_need_usb(b, where);
	/* no host audio: the guest sees the card, sound goes nowhere */
	qb_opt(b, "-audiodev", "none,id=audio%u", n);
	if (i < 2) {
		qb_opt(b, "-device", "%s,id=sound%u%s", qemu[i], n, qb_pci_addr(b, s, where));
		qb_opt(b, "-device", "hda-duplex,id=sound%u-codec0,bus=sound%u.0,cad=0,"
		       "audiodev=audio%u", n, n, n);
	} else {
		qb_opt(b, "-device", "%s,id=sound%u,audiodev=audio%u%s%s", qemu[i], n, n,
		       i == 5 ? ",bus=usb.0" : "", i == 5 ? qb_usb_addr(b, s, where) :
		       i == 4 ? "" : qb_pci_addr(b, s, where));
		if (i == 4 && vu_node_child(s, "address"))
			qb_fail(b, EOPNOTSUPP, "%s<address>: not supported", where);
	}
}

static void watchdog(struct qb *b, xmlNodePtr w)
{
	static const char *const actions[] = {
		"reset", "shutdown", "poweroff", "pause", "none", "inject-nmi", NULL
	};
	const char *model = qb_get(b, w, NULL, "model") ?: "";
	const char *action = qb_get(b, w, NULL, "action") ?: "reset";
	const char *where = qb_fmt(b, "<watchdog model='%s'>", model);

	qb_only(b, w, where, no_children);
	qb_word(b, action, qb_fmt(b, "%s action", where), actions);
	if (vu_node_count(w->parent, "watchdog") > 1)
		qb_fail(b, EOPNOTSUPP, "<watchdog>: only one");
	if (!strcmp(model, "i6300esb"))
		qb_opt(b, "-device", "i6300esb,id=watchdog0%s", qb_pci_addr(b, w, where));
	else if (!strcmp(model, "ib700") && vu_node_child(w, "address"))
		qb_fail(b, EOPNOTSUPP, "%s<address>: an ISA device has none", where);
	else if (!strcmp(model, "ib700"))
		qb_opt(b, "-device", "ib700,id=watchdog0");
	else
		qb_fail(b, EOPNOTSUPP, "%s: not supported", where);
	/* libvirt's shutdown is a guest ACPI request: QEMU's poweroff is not */
	if (!strcmp(action, "shutdown"))
		qb_fail(b, EOPNOTSUPP, "%s action='shutdown': not supported", where);
	qb_opt(b, "-action", "watchdog=%s", action);
}

static void rng(struct qb *b, xmlNodePtr r)
{
	xmlNodePtr be = vu_node_child(r, "backend");
	const char *bm = qb_get(b, be, NULL, "model") ?: "";
	const char *dev = qb_get(b, be, NULL, NULL);
	const char *where = "<rng model='virtio'>";
	unsigned long long bytes = qb_uint(b, r, "rate", "bytes", 0, "<rate bytes>");
	unsigned long long period = qb_uint(b, r, "rate", "period", 1000, "<rate period>");

	qb_only(b, r, where, (const char *const[]){ "backend", "rate", "address", "alias",
		NULL });
	if (!vu_node_value_is(r, NULL, "model", "virtio"))
		qb_fail(b, EOPNOTSUPP, "<rng>: only model='virtio'");
	if (!strcmp(bm, "random")) {
		if (dev && strcmp(dev, "/dev/urandom") && strcmp(dev, "/dev/random") &&
		    strcmp(dev, "/dev/hwrng"))
			qb_fail(b, EINVAL, "%s<backend>: '%s' is not a random device", where, dev);
		qb_opt(b, "-object", "rng-random,id=objrng%u,filename=%s", b->nrng,
		       dev ? dev : "/dev/urandom");
	} else if (!strcmp(bm, "builtin")) {
		qb_opt(b, "-object", "rng-builtin,id=objrng%u", b->nrng);
	} else {
		qb_fail(b, EOPNOTSUPP, "%s<backend model='%s'>: not supported", where, bm);
	}
	qb_opt(b, "-device", "virtio-rng-pci,rng=objrng%u,id=rng%u%s%s", b->nrng, b->nrng,
	       bytes ? qb_fmt(b, ",max-bytes=%llu,period=%llu", bytes, period) : "",
	       qb_pci_addr(b, r, where));
	b->nrng++;
}

static void memballoon(struct qb *b, xmlNodePtr m)
{
	const char *model = qb_get(b, m, NULL, "model") ?: "";

	qb_only(b, m, "<memballoon>", no_children);
	qb_attrs(b, m, "<memballoon>", (const char *const[]){ "model", NULL });
	if (!strcmp(model, "none"))
		b->balloon_none = true;
	else if (!strcmp(model, "virtio"))
		qb_opt(b, "-device", "virtio-balloon-pci,id=balloon0%s",
		       qb_pci_addr(b, m, "<memballoon>"));
	else
		qb_fail(b, EOPNOTSUPP, "<memballoon model='%s'>: not supported", model);
}

/* virtiofs shares through vhost-user: guest RAM must be shared memory,
 * and the runtime starts the virtiofsd this returns. */
static void virtiofs(struct qb *b, xmlNodePtr fs, const char *src, const char *tag,
		     bool ro, const char *where)
{
	struct vu_qemu_cmd *c = b->cmd;
	struct vu_qemu_virtiofs *v;
	const char *sock = qb_fmt(b, "%s/fs%u.sock", b->env->rundir, b->nfs);

	if (!b->env->virtiofsd) {
		qb_fail(b, EOPNOTSUPP, "%s: virtiofsd is not installed", where);
		return;
	}
	v = qb_grow(b, c->fs, &c->nfs, sizeof(*v));
	if (!v)
		return;
	c->fs = v;
	v += c->nfs - 1;
	v->socket = strdup(sock);
	v->source = strdup(src);
	v->readonly = ro;
	if (!v->socket || !v->source)
		qb_fail(b, ENOMEM, "out of memory");
	if (!b->shared_mem) {
		qb_opt(b, "-object", "memory-backend-memfd,id=vu-ram,size=%lluk,share=on",
		       b->mem_kib);
		qb_opt(b, "-machine", "memory-backend=vu-ram");
		b->shared_mem = true;
	}
	qb_opt(b, "-chardev", "socket,id=chr-vu-fs%u,path=%s", b->nfs, qb_q(b, sock));
	qb_opt(b, "-device", "vhost-user-fs-pci,chardev=chr-vu-fs%u,tag=%s,id=fs%u%s", b->nfs,
	       qb_q(b, tag), b->nfs, qb_pci_addr(b, fs, where));
}

static void filesystem(struct qb *b, xmlNodePtr fs)
{
	const char *type = qb_get(b, fs, NULL, "type") ?: "mount";
	const char *mode = qb_get(b, fs, NULL, "accessmode") ?: "passthrough";
	const char *drv = qb_get(b, fs, "driver", "type") ?: "path";
	const char *src = qb_get(b, fs, "source", "dir");
	const char *tag = qb_get(b, fs, "target", "dir");
	bool ro = vu_node_has(fs, "readonly");
	const char *where = qb_fmt(b, "<filesystem><target dir='%s'>", tag ? tag : "");

	qb_only(b, fs, where, (const char *const[]){ "driver", "source", "target", "readonly",
		"address", "alias", NULL });
	qb_attrs(b, fs, where, (const char *const[]){ "type", "accessmode", NULL });
	if (vu_node_child(fs, "driver"))
		qb_attrs(b, vu_node_child(fs, "driver"), qb_fmt(b, "%s<driver>", where),
			 (const char *const[]){ "type", NULL });
	if (vu_node_child(fs, "source"))
		qb_attrs(b, vu_node_child(fs, "source"), qb_fmt(b, "%s<source>", where),
			 (const char *const[]){ "dir", NULL });
	if (strcmp(type, "mount"))
		qb_fail(b, EOPNOTSUPP, "%s type='%s': not supported", where, type);
	if (!src || !tag || !*tag)
		qb_fail(b, EINVAL, "%s: <source dir> and <target dir> are required", where);
	if (b->err)
		return;
	if (!strcmp(drv, "virtiofs")) {
		virtiofs(b, fs, src, tag, ro, where);
	} else if (!strcmp(drv, "path")) {
		qb_word(b, mode, qb_fmt(b, "%s accessmode", where),
			(const char *const[]){ "passthrough", "mapped", "squash", NULL });
		qb_opt(b, "-fsdev", "local,id=fsdev-fs%u,path=%s,security_model=%s%s", b->nfs,
		       qb_q(b, src), !strcmp(mode, "squash") ? "none" :
		       !strcmp(mode, "mapped") ? "mapped-xattr" : "passthrough",
		       ro ? ",readonly=on" : "");
		qb_opt(b, "-device", "virtio-9p-pci,id=fs%u,fsdev=fsdev-fs%u,mount_tag=%s%s",
		       b->nfs, b->nfs, qb_q(b, tag), qb_pci_addr(b, fs, where));
	} else {
		qb_fail(b, EOPNOTSUPP, "%s<driver type='%s'>: not supported", where, drv);
	}
	b->nfs++;
}

static void hostdev(struct qb *b, xmlNodePtr h)
{
	struct vu_pci_addr a;

	if (!b->env->vfio) {
		qb_fail(b, EOPNOTSUPP, "<hostdev>: VFIO is not usable on this host");
		return;
	}
	qb_only(b, h, "<hostdev>", (const char *const[]){ "source", "address", "alias",
		"boot", NULL });
	if (b->err)
		return;
	if (!vu_node_value_is(h, NULL, "mode", "subsystem") ||
	    !vu_node_value_is(h, NULL, "type", "pci") || vu_hostdev_get_pci(h, &a) < 0) {
		qb_fail(b, EOPNOTSUPP, "<hostdev>: only PCI devices (mode='subsystem')");
		return;
	}
	qb_opt(b, "-device", "vfio-pci,host=%04x:%02x:%02x.%x,id=hostdev%u%s%s", a.domain,
	       a.bus, a.slot, a.function, b->nhostdev++, qb_pci_addr(b, h, "<hostdev>"),
	       qb_bootindex(b, (unsigned)qb_uint(b, h, "boot", "order", 0, "<boot order>"),
			    NULL));
}

void qb_device(struct qb *b, xmlNodePtr dev)
{
	const char *name = (const char *)dev->name;

	if (!strcmp(name, "input"))
		input(b, dev);
	else if (!strcmp(name, "sound"))
		sound(b, dev);
	else if (!strcmp(name, "watchdog"))
		watchdog(b, dev);
	else if (!strcmp(name, "rng"))
		rng(b, dev);
	else if (!strcmp(name, "memballoon"))
		memballoon(b, dev);
	else if (!strcmp(name, "filesystem"))
		filesystem(b, dev);
	else if (!strcmp(name, "hostdev"))
		hostdev(b, dev);
	else
		qb_fail(b, EOPNOTSUPP, "<devices><%s>: not supported", name);
}

void qb_devices_done(struct qb *b)
{
	/* libvirt gives every x86 domain a virtio balloon unless told none */
	if (!vu_domain_dev_next(b->dom, "memballoon", NULL))
		qb_opt(b, "-device", "virtio-balloon-pci,id=balloon0");
	else if (b->balloon_none && b->cmd->balloon_kib)
		qb_fail(b, EINVAL, "<currentMemory>: below <memory> needs a memballoon");
}
