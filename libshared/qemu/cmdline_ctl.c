// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_ctl.c - <controller>: the buses disks, ports and USB devices
 * plug into; the machine's built-in ones are checked, not added */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

struct ct {
	xmlNodePtr node;
	const char *where, *type, *model;
	unsigned long long index;
};

/* A built-in controller sits where the machine puts it: an address in the
 * XML must say that place. */
static void builtin(struct qb *b, struct ct *c, unsigned slot, unsigned fn)
{
	xmlNodePtr a = vu_node_child(c->node, "address");
	char want[32];

	if (!a)
		return;
	snprintf(want, sizeof(want), ",addr=0x%x.0x%x", slot, fn);
	if (!strstr(qb_pci_addr(b, c->node, c->where), want) && !b->err)
		qb_fail(b, EOPNOTSUPP, "%s<address>: the machine has it at 00:%02x.%x",
			c->where, slot, fn);
}

static void usb(struct qb *b, struct ct *c)
{
	static const char *const models[] = {
		"piix3-uhci", "piix4-uhci", "ehci", "nec-xhci", "qemu-xhci", "none", NULL
	};
	static const char *const qemu[] = {
		"piix3-usb-uhci", "piix4-usb-uhci", "usb-ehci", "nec-usb-xhci", "qemu-xhci"
	};
	const char *m = c->model ? c->model : b->q35 ? "qemu-xhci" : "piix3-uhci";
	int i = vu_word_index(m, models, ARRAY_SIZE(models) - 1);

	if (c->index || b->usb || b->usb_none) {
		qb_fail(b, EOPNOTSUPP, "%s: only one USB controller", c->where);
		return;
	}
	if (i < 0) {
		qb_fail(b, EOPNOTSUPP, "%s model='%s': not supported", c->where, m);
		return;
	}
	if (!strcmp(m, "none")) {
		b->usb_none = true;
		return;
	}
	qb_opt(b, "-device", "%s,id=usb%s", qemu[i], qb_pci_addr(b, c->node, c->where));
	b->usb = true;
}

static void pci(struct qb *b, struct ct *c)
{
	const char *root = b->q35 ? "pcie-root" : "pci-root";
	const char *addr;

	if (!c->index) {
		if (c->model && strcmp(c->model, root))
			qb_fail(b, EOPNOTSUPP, "%s: index 0 is the machine's %s", c->where, root);
		return;
	}
	addr = qb_pci_addr(b, c->node, c->where);
	if (c->model && !strcmp(c->model, "pcie-root-port") && b->q35)
		qb_opt(b, "-device", "pcie-root-port,port=0x%llx,chassis=%llu,id=pci.%llu%s",
		       qb_num(b, c->node, "target", "port", c->index + 15, "<target port>"),
		       qb_num(b, c->node, "target", "chassis", c->index, "<target chassis>"),
		       c->index, addr);
	else if (c->model && !strcmp(c->model, "pci-bridge"))
		qb_opt(b, "-device", "pci-bridge,chassis_nr=%llu,id=pci.%llu%s",
		       qb_num(b, c->node, "target", "chassisNr", c->index, "<target chassisNr>"),
		       c->index, addr);
	else
		qb_fail(b, EOPNOTSUPP, "%s model='%s': not supported", c->where,
			c->model ? c->model : "");
}

static void scsi(struct qb *b, struct ct *c)
{
	const char *m = c->model ? c->model : "lsilogic";

	if (c->index || b->scsi) {
		qb_fail(b, EOPNOTSUPP, "%s: only one SCSI controller", c->where);
		return;
	}
	if (strcmp(m, "lsilogic") && strcmp(m, "virtio-scsi")) {
		qb_fail(b, EOPNOTSUPP, "%s model='%s': not supported", c->where, m);
		return;
	}
	b->scsi = true;
	b->scsi_lsi = !strcmp(m, "lsilogic");
	qb_opt(b, "-device", "%s,id=scsi0%s", b->scsi_lsi ? "lsi" : "virtio-scsi-pci",
	       qb_pci_addr(b, c->node, c->where));
}

static void storage_ctl(struct qb *b, struct ct *c)
{
	if (c->index)
		qb_fail(b, EOPNOTSUPP, "%s: only index 0", c->where);
	else if (!strcmp(c->type, "ide")) {
		if (b->q35)
			qb_fail(b, EOPNOTSUPP, "%s: q35 has no IDE controller", c->where);
		builtin(b, c, 1, 1);
	} else if (!strcmp(c->type, "sata")) {
		if (b->q35) {
			builtin(b, c, 0x1f, 2);
		} else if (!b->sata) {
			qb_opt(b, "-device", "ahci,id=sata0%s", qb_pci_addr(b, c->node, c->where));
			b->sata = true;
		}
	} else if (!strcmp(c->type, "fdc")) {
		if (vu_node_child(c->node, "address"))
			qb_fail(b, EOPNOTSUPP, "%s<address>: not supported", c->where);
		if (b->q35 && !b->fdc) {
			qb_opt(b, "-device", "isa-fdc,id=fdc0");
			b->fdc = true;
		}
	} else if (!b->vserial) {	/* virtio-serial */
		qb_opt(b, "-device", "virtio-serial-pci,id=virtio-serial0%s",
		       qb_pci_addr(b, c->node, c->where));
		b->vserial = true;
	}
}

void qb_controller(struct qb *b, xmlNodePtr ctl)
{
	static const char *const known[] = { "address", "alias", "target", "model", NULL };
	static const char *const types[] = {
		"usb", "pci", "scsi", "ide", "sata", "fdc", "virtio-serial", NULL
	};
	struct ct c = { .node = ctl };

	c.type = qb_get(b, ctl, NULL, "type");
	c.model = qb_get(b, ctl, NULL, "model");
	c.index = qb_uint(b, ctl, NULL, "index", 0, "<controller index>");
	c.where = qb_fmt(b, "<controller type='%s' index='%llu'>", c.type ? c.type : "",
			 c.index);
	qb_word(b, c.type ? c.type : "", "<controller type>", types);
	qb_only(b, ctl, c.where, known);
	qb_attrs(b, ctl, c.where, (const char *const[]){ "type", "index", "model", NULL });
	if (b->err)
		return;
	if (c.index > 255)
		qb_fail(b, EINVAL, "%s: index out of range", c.where);
	else if (!strcmp(c.type, "usb"))
		usb(b, &c);
	else if (!strcmp(c.type, "pci"))
		pci(b, &c);
	else if (!strcmp(c.type, "scsi"))
		scsi(b, &c);
	else
		storage_ctl(b, &c);
}
