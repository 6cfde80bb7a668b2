/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devopts_host.c - what the host lends the guest: --host-device (PCI) and
 * --filesystem (a shared directory) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devopts_priv.h"

/* boot.order is virt-install's current name of boot_order. */
const char *const devopt_hostdev_keys[] = { "name", "type", "driver.name", "boot_order",
					    "boot.order", NULL };
/* mode is the older name of accessmode, driver a short form of driver.type. */
const char *const devopt_filesystem_keys[] = {
	"source", "target", "type", "accessmode", "mode", "driver", "driver.type",
	"readonly", NULL
};

/* ---- --host-device ---- */

static bool hostdev_present(const struct vu_domain *dom, const struct vu_pci_addr *a)
{
	for (xmlNodePtr h = vu_domain_dev_next(dom, "hostdev", NULL); h;
	     h = vu_domain_dev_next(dom, "hostdev", h)) {
		struct vu_pci_addr b;

		if (vu_hostdev_get_pci(h, &b) == 0 && b.domain == a->domain &&
		    b.bus == a->bus && b.slot == a->slot && b.function == a->function)
			return true;
	}
	return false;
}

/*
 * A PCI device by address (DDDD:BB:SS.F, BB:SS.F) or node device name
 * (pci_DDDD_BB_SS_F), managed so libvirt detaches it from its host driver.
 * The address is not looked up on this host: the XML may be meant for
 * another one, and must not depend on where it was made. boot_order=N
 * boots from it (a PXE ROM). none adds nothing, as in virt-install.
 */
int devopt_hostdev(struct vu_domain *dom, const struct vu_subopts *s,
		   struct devopt_ctx *ctx, struct vu_err *e)
{
	static const char *const drivers[] = { "vfio", "kvm", NULL };
	const char *name = devopt_first(s, "name");
	const char *type = vu_subopt_get(s, "type");
	const char *driver = vu_subopt_get(s, "driver.name");
	struct vu_pci_addr a;
	xmlNodePtr dev = NULL;
	uint64_t boot = 0;
	char order[24];
	int r;

	(void)ctx;
	r = devopt_max_positional(s, 1, e);
	if (r == 0)
		r = devopt_uint(s, "boot_order", "boot.order", 1, 65535, &boot, e);
	if (r == 0 && !name)
		r = vu_err_set(e, EINVAL, "missing PCI address");
	if (r == 0 && type && strcmp(type, "pci") != 0)
		r = devopt_bad(e, "type", type);
	if (r == 0 && vu_pci_addr_parse(name, &a) < 0)
		r = devopt_bad(e, vu_subopt_get(s, "name") ? "name" : "address", name);
	if (r == 0 && driver)
		r = devopt_check(driver, "driver.name", drivers, e);
	if (r == 0 && hostdev_present(dom, &a))
		r = vu_err_set(e, EINVAL, "PCI device %04x:%02x:%02x.%x is given twice",
			       a.domain, a.bus, a.slot, a.function);
	if (r < 0)
		return r;
	r = vu_domain_add_hostdev_pci(dom, &a, true, &dev);
	if (r == 0 && driver)
		r = vu_node_set(dev, "driver", "name", driver);
	if (r == 0 && boot) {
		snprintf(order, sizeof(order), "%llu", (unsigned long long)boot);
		r = vu_node_set(dev, "boot", "order", order);
	}
	if (r < 0 && dev)
		vu_domain_dev_remove(dom, dev);
	return r < 0 ? devopt_model_err(r, e, "cannot add the host device") : 0;
}

/* ---- --filesystem ---- */

/*
 * SOURCE,TARGET or source=,target= (positional items fill whichever is not
 * given by name). For QEMU the target is a mount tag the guest names in
 * mount -t 9p/virtiofs, not a path. accessmode defaults to mapped, as in
 * virt-install (passthrough needs QEMU running as root to work), except
 * for virtiofs, which libvirt runs as passthrough only.
 */
static int fs_parse(const struct vu_subopts *s, struct vu_fs_spec *fs, struct vu_err *e)
{
	static const char *const modes[] = { "passthrough", "mapped", "squash", NULL };
	static const char *const drivers[] = { "path", "handle", "virtiofs", NULL };
	const char *type = vu_subopt_get(s, "type");
	const char *ro = vu_subopt_get(s, "readonly");
	size_t pos = 0;
	int r = 0;

	fs->source = vu_subopt_get(s, "source");
	if (!fs->source)
		fs->source = vu_subopt_positional(s, pos++);
	fs->target = vu_subopt_get(s, "target");
	if (!fs->target)
		fs->target = vu_subopt_positional(s, pos++);
	fs->accessmode = devopt_get2(s, "accessmode", "mode");
	fs->driver = devopt_get2(s, "driver.type", "driver");
	r = devopt_max_positional(s, pos, e);
	if (r == 0 && (!fs->source || !fs->target))
		r = vu_err_set(e, EINVAL, "missing %s directory", fs->source ? "target" : "source");
	if (r == 0 && fs->source[0] != '/')
		r = devopt_bad(e, "source", fs->source);
	if (r == 0 && !fs->target[0])
		r = devopt_bad(e, "target", fs->target);
	if (r == 0 && type)
		r = devopt_check(type, "type", (const char *const[]){ "mount", NULL }, e);
	if (r == 0 && fs->driver)
		r = devopt_check(fs->driver, vu_subopt_get(s, "driver.type") ? "driver.type" :
				 "driver", drivers, e);
	if (r == 0 && fs->accessmode)
		r = devopt_check(fs->accessmode, vu_subopt_get(s, "accessmode") ? "accessmode" :
				 "mode", modes, e);
	if (r == 0 && ro && vu_subopt_bool(ro, &fs->readonly) < 0)
		r = devopt_bad(e, "readonly", ro);
	if (r < 0)
		return r;
	if (fs->driver && !strcmp(fs->driver, "virtiofs")) {
		if (fs->accessmode && strcmp(fs->accessmode, "passthrough"))
			return devopt_bad(e, "accessmode", fs->accessmode);
	} else if (!fs->accessmode) {
		fs->accessmode = "mapped";
	}
	return 0;
}

int devopt_filesystem(struct vu_domain *dom, const struct vu_subopts *s,
		      struct devopt_ctx *ctx, struct vu_err *e)
{
	struct vu_fs_spec fs = { .type = "mount" };
	int r;

	(void)ctx;
	r = fs_parse(s, &fs, e);
	if (r < 0)
		return r;
	r = vu_domain_add_filesystem(dom, &fs, NULL);
	return r < 0 ? devopt_model_err(r, e, "cannot add the filesystem") : 0;
}
