/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts_hw.c - emulated hardware: --rng, --controller, --input, --sound,
 * --watchdog, --memballoon */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devopts_priv.h"

/* type and device are the older names of backend.model and backend. */
const char *const devopt_rng_keys[] = {
	"backend.model", "type", "backend", "device", "model", "rate.bytes", "rate.period",
	NULL
};
const char *const devopt_controller_keys[] = { "type", "model", "index", "ports", NULL };
const char *const devopt_input_keys[] = { "type", "bus", NULL };
const char *const devopt_sound_keys[] = { "model", NULL };
const char *const devopt_watchdog_keys[] = { "model", "action", NULL };
const char *const devopt_memballoon_keys[] = { "model", NULL };

static const char *const virtio_models[] = {
	"virtio", "virtio-transitional", "virtio-non-transitional", NULL
};

/* ---- --rng ---- */

struct rng_args {
	const char *backend;	/* "random" or "builtin" */
	const char *device;	/* random's host device */
	const char *model;
	uint64_t bytes, period;
};

/*
 * --rng /dev/urandom is short for random,backend=/dev/urandom, as in
 * virt-install. random without a device is written with /dev/urandom,
 * which is what libvirt would read it as. egd (a socket daemon) is not
 * offered.
 */
static int rng_parse(const struct vu_subopts *s, struct rng_args *a, struct vu_err *e)
{
	static const char *const backends[] = { "random", "builtin", NULL };
	const char *bkey = vu_subopt_get(s, "backend.model") ? "backend.model" : "type";
	int r = devopt_max_positional(s, 1, e);

	a->backend = devopt_get2(s, "backend.model", "type");
	if (!a->backend)
		a->backend = vu_subopt_positional(s, 0);
	a->device = devopt_get2(s, "backend", "device");
	a->model = vu_subopt_get(s, "model");
	if (a->backend && a->backend[0] == '/' && !a->device) {
		a->device = a->backend;
		a->backend = "random";
	}
	if (!a->backend || !strcmp(a->backend, "default"))
		a->backend = "random";
	if (r == 0)
		r = devopt_check(a->backend, bkey, backends, e);
	if (r == 0 && a->device && (a->device[0] != '/' || strcmp(a->backend, "random")))
		r = devopt_bad(e, vu_subopt_get(s, "backend") ? "backend" : "device", a->device);
	if (r == 0 && a->model)
		r = devopt_check(a->model, "model", virtio_models, e);
	if (r == 0)
		r = devopt_uint(s, "rate.bytes", NULL, 1, UINT32_MAX, &a->bytes, e);
	if (r == 0)
		r = devopt_uint(s, "rate.period", NULL, 1, UINT32_MAX, &a->period, e);
	if (r == 0 && a->period && !a->bytes)
		r = vu_err_set(e, EINVAL, "rate.period needs rate.bytes");
	return r;
}

static int rng_add(struct vu_domain *dom, const struct rng_args *a)
{
	char num[24];
	xmlNodePtr dev = NULL;
	int r;

	if (!strcmp(a->backend, "builtin"))
		r = vu_domain_dev_add_xml(dom, "<rng model='virtio'><backend model='builtin'/>"
					  "</rng>", &dev, NULL);
	else
		r = vu_domain_add_rng(dom, a->device ? a->device : "/dev/urandom", &dev);
	if (r == 0 && a->model)
		r = vu_node_set(dev, NULL, "model", a->model);
	if (r == 0 && a->bytes) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)a->bytes);
		r = vu_node_set(dev, "rate", "bytes", num);
	}
	if (r == 0 && a->period) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)a->period);
		r = vu_node_set(dev, "rate", "period", num);
	}
	if (r < 0 && dev)
		vu_domain_dev_remove(dom, dev);
	return r;
}

int devopt_rng(struct vu_domain *dom, const struct vu_subopts *s,
	       struct devopt_ctx *ctx, struct vu_err *e)
{
	struct rng_args a = { 0 };
	int r;

	(void)ctx;
	r = rng_parse(s, &a, e);
	if (r < 0)
		return r;
	r = rng_add(dom, &a);
	return r < 0 ? devopt_model_err(r, e, "cannot add the RNG") : 0;
}

/* ---- --controller ---- */

/* The models libvirt's schema takes per controller type (NULL: no model). */
static const char *const *controller_models(const char *type)
{
	static const char *const usb[] = {
		"piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2",
		"ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci", "qusb1", "qusb2",
		"qemu-xhci", "none", NULL
	};
	static const char *const scsi[] = {
		"auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi",
		"virtio-scsi", "lsisas1078", "virtio-transitional", "virtio-non-transitional",
		"ncr53c90", "dc390", "am53c974", NULL
	};
	static const char *const pci[] = {
		"pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-to-pci-bridge",
		"pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
		"pci-expander-bus", "pcie-expander-bus", NULL
	};
	static const char *const ide[] = { "piix3", "piix4", "ich6", NULL };
	static const char *const none[] = { NULL };

	if (!strcmp(type, "usb"))
		return usb;
	if (!strcmp(type, "scsi"))
		return scsi;
	if (!strcmp(type, "pci"))
		return pci;
	if (!strcmp(type, "ide"))
		return ide;
	return strcmp(type, "virtio-serial") ? none : virtio_models;
}

/* Is index already taken by a controller of that type? */
static bool index_used(const struct vu_domain *dom, const char *type, uint64_t index)
{
	bool used = false;

	for (xmlNodePtr c = vu_domain_dev_next(dom, "controller", NULL); c && !used;
	     c = vu_domain_dev_next(dom, "controller", c)) {
		char *t = NULL;
		uint64_t i;

		used = vu_node_get(c, NULL, "type", &t) == 0 && !strcmp(t, type) &&
		       vu_node_get_uint(c, NULL, "index", &i) == 0 && i == index;
		free(t);
	}
	return used;
}

/*
 * usb2: an EHCI controller with its three UHCI companions, all on one
 * index (that is what makes them companions), each owning two ports.
 * usb3: one qemu-xhci with 15 ports; virt-install writes nec-xhci only
 * when QEMU lacks qemu-xhci, which every supported QEMU has.
 */
static int add_usb_set(struct vu_domain *dom, bool usb3)
{
	static const char *const uhci[] = { "ich9-uhci1", "ich9-uhci2", "ich9-uhci3" };
	static const char *const start[] = { "0", "2", "4" };
	int index = 0;
	xmlNodePtr dev = NULL;
	int r;

	while (index_used(dom, "usb", (uint64_t)index))
		index++;
	if (usb3) {
		r = vu_domain_add_controller(dom, "usb", index, "qemu-xhci", &dev);
		return r < 0 ? r : vu_node_set(dev, NULL, "ports", "15");
	}
	r = vu_domain_add_controller(dom, "usb", index, "ich9-ehci1", NULL);
	for (size_t i = 0; r == 0 && i < 3; i++) {
		r = vu_domain_add_controller(dom, "usb", index, uhci[i], &dev);
		if (r == 0)
			r = vu_node_set(dev, "master", "startport", start[i]);
	}
	return r;
}

static int controller_parse(const struct vu_domain *dom, const struct vu_subopts *s,
			    int *index, uint64_t *ports, struct vu_err *e)
{
	static const char *const types[] = {
		"usb", "scsi", "virtio-serial", "pci", "sata", "ide", "fdc", "ccid", NULL
	};
	const char *type = devopt_first(s, "type");
	const char *model = vu_subopt_get(s, "model");
	uint64_t i = UINT64_MAX;
	int r = devopt_max_positional(s, 1, e);

	if (r == 0 && !type)
		r = vu_err_set(e, EINVAL, "missing controller type");
	if (r == 0)
		r = devopt_check(type, "type", types, e);
	if (r == 0 && model)
		r = devopt_check(model, "model", controller_models(type), e);
	if (r == 0)
		r = devopt_uint(s, "index", NULL, 0, 255, &i, e);
	if (r == 0 && i != UINT64_MAX && index_used(dom, type, i))
		r = vu_err_set(e, EINVAL, "%s controller index %llu is already used", type,
			       (unsigned long long)i);
	if (r == 0)
		r = devopt_uint(s, "ports", NULL, 1, 255, ports, e);
	if (r == 0 && *ports && strcmp(type, "usb") && strcmp(type, "virtio-serial"))
		r = devopt_bad(e, "ports", vu_subopt_get(s, "ports"));
	*index = i == UINT64_MAX ? -1 : (int)i;
	return r;
}

/* --controller TYPE[,model=,index=,ports=], or the usb2 / usb3 sets;
 * none adds nothing, as in virt-install. */
int devopt_controller(struct vu_domain *dom, const struct vu_subopts *s,
		      struct devopt_ctx *ctx, struct vu_err *e)
{
	const char *first = vu_subopt_positional(s, 0);
	xmlNodePtr dev = NULL;
	uint64_t ports = 0;
	char num[8];
	int index, r;

	(void)ctx;
	if (first && s->n == 1 && (!strcmp(first, "usb2") || !strcmp(first, "usb3"))) {
		r = add_usb_set(dom, !strcmp(first, "usb3"));
		return r < 0 ? devopt_model_err(r, e, "cannot add the controllers") : 0;
	}
	r = controller_parse(dom, s, &index, &ports, e);
	if (r < 0)
		return r;
	r = vu_domain_add_controller(dom, devopt_first(s, "type"), index,
				     vu_subopt_get(s, "model"), &dev);
	if (r == 0 && ports) {
		snprintf(num, sizeof(num), "%u", (unsigned)ports);
		r = vu_node_set(dev, NULL, "ports", num);
		if (r < 0)
			vu_domain_dev_remove(dom, dev);
	}
	return r < 0 ? devopt_model_err(r, e, "cannot add the controller") : 0;
}

/* ---- --input ---- */

/* type defaults to mouse (virt-install); bus to usb for a tablet (it has
 * no PS/2 form) and to ps2 for the rest on x86, usb elsewhere. */
int devopt_input(struct vu_domain *dom, const struct vu_subopts *s,
		 struct devopt_ctx *ctx, struct vu_err *e)
{
	static const char *const types[] = { "tablet", "mouse", "keyboard", NULL };
	static const char *const buses[] = { "usb", "ps2", "virtio", NULL };
	const char *type = devopt_first(s, "type");
	const char *bus = vu_subopt_get(s, "bus");
	int r;

	if (!type)
		type = "mouse";
	r = devopt_max_positional(s, 1, e);
	if (r == 0)
		r = devopt_check(type, "type", types, e);
	if (r == 0 && bus)
		r = devopt_check(bus, "bus", buses, e);
	if (r == 0 && bus && !strcmp(bus, "ps2") &&
	    (!strcmp(type, "tablet") || !devopt_is_x86(ctx->arch)))
		r = devopt_bad(e, "bus", bus);
	if (r < 0)
		return r;
	if (!bus)
		bus = !strcmp(type, "tablet") || !devopt_is_x86(ctx->arch) ? "usb" : "ps2";
	r = vu_domain_add_input(dom, type, bus, NULL);
	return r < 0 ? devopt_model_err(r, e, "cannot add the input device") : 0;
}

/* ---- --sound, --watchdog, --memballoon ---- */

/* q35 (and other PCIe machines) get ich9, the rest ich6, as virt-install. */
static const char *default_sound(const struct devopt_ctx *ctx)
{
	const char *m = ctx->machine;

	return m && (strstr(m, "q35") || !strcmp(m, "virt")) ? "ich9" : "ich6";
}

int devopt_sound(struct vu_domain *dom, const struct vu_subopts *s,
		 struct devopt_ctx *ctx, struct vu_err *e)
{
	static const char *const models[] = {
		"ich6", "ich7", "ich9", "ac97", "es1370", "sb16", "pcspk", "usb", NULL
	};
	const char *model = devopt_first(s, "model");
	int r;

	r = devopt_max_positional(s, 1, e);
	if (r < 0)
		return r;
	if (!model || !strcmp(model, "default"))
		model = default_sound(ctx);
	else if (devopt_check(model, "model", models, e) < 0)
		return -EINVAL;
	r = vu_domain_add_sound(dom, model, NULL);
	return r < 0 ? devopt_model_err(r, e, "cannot add the sound device") : 0;
}

/* MODEL[,action=]: i6300esb and reset unless given (virt-install's
 * defaults); libvirt takes one watchdog per domain. */
int devopt_watchdog(struct vu_domain *dom, const struct vu_subopts *s,
		    struct devopt_ctx *ctx, struct vu_err *e)
{
	static const char *const models[] = { "i6300esb", "ib700", "diag288", NULL };
	static const char *const actions[] = {
		"reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi", NULL
	};
	const char *model = devopt_first(s, "model");
	const char *action = vu_subopt_get(s, "action");
	int r;

	(void)ctx;
	if (!model || !strcmp(model, "default"))
		model = "i6300esb";
	r = devopt_max_positional(s, 1, e);
	if (r == 0)
		r = devopt_check(model, "model", models, e);
	if (r == 0 && action)
		r = devopt_check(action, "action", actions, e);
	if (r < 0)
		return r;
	r = vu_domain_add_watchdog(dom, model, action ? action : "reset", NULL);
	if (r == -EEXIST)
		return vu_err_set(e, EINVAL, "only one watchdog is allowed");
	return r < 0 ? devopt_model_err(r, e, "cannot add the watchdog") : 0;
}

/* none is written out (model='none'): without a <memballoon> libvirt would
 * add a virtio one. */
int devopt_memballoon(struct vu_domain *dom, const struct vu_subopts *s,
		      struct devopt_ctx *ctx, struct vu_err *e)
{
	static const char *const models[] = {
		"virtio", "virtio-transitional", "virtio-non-transitional", "xen", "none", NULL
	};
	const char *model = devopt_first(s, "model");
	int r = devopt_max_positional(s, 1, e);

	(void)ctx;
	if (!model || !strcmp(model, "default"))
		model = "virtio";
	if (r == 0)
		r = devopt_check(model, "model", models, e);
	if (r < 0)
		return r;
	r = vu_domain_set_memballoon(dom, model, NULL);
	return r < 0 ? devopt_model_err(r, e, "cannot set the memory balloon") : 0;
}
