/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_devlist.c - vm-ctl domblklist, domiflist and domifaddr: a domain's
 * disks and interfaces from its XML, its addresses from the leases of
 * the networks its interfaces are on */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/dnsmasq.h"
#include "vu/networkdb.h"

#include "devlist.h"
#include "vmctl.h"

static int print_table(struct vm_ctl *vc, struct vu_table *t)
{
	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (vc->set[O_JSON] && vu_table_print_json(t, stdout) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	else if (!vc->set[O_JSON])
		vu_table_print(t, stdout, !vc->quiet);
	vu_table_free(&t);
	return VU_EXIT_OK;
}

int vc_cmd_domblklist(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_domain *dom = vc_load(vc, name, vc->set[O_INACTIVE]);
	int r = print_table(vc, vctl_blklist(dom, vc->set[O_DETAILS] || vc->set[O_JSON]));

	vu_domain_free(&dom);
	free(name);
	return r;
}

int vc_cmd_domiflist(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	char *name = vc_domain_arg(vc, argc, argv);
	struct vu_domain *dom = vc_load(vc, name, vc->set[O_INACTIVE]);
	int r = print_table(vc, vctl_iflist(dom));

	vu_domain_free(&dom);
	free(name);
	return r;
}

/* ---- domifaddr ---- */

/* RUN/dnsmasq, where net-ctl's dnsmasq keeps NAME.leases; -ENOENT when no
 * network ever ran. */
static int leases_dir(struct vm_ctl *vc)
{
	int fd = openat(vu_state_dirfd(vc_state(vc), VU_STATE_RUN), "dnsmasq",
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The addresses of one interface on a running network. */
static int iface_addrs(struct vm_ctl *vc, const struct vu_dnsmasq_run *run,
		       const struct vu_iface *i, struct vctl_ifaddrs *a, struct vu_err *e)
{
	struct vu_network *net = NULL;
	struct vu_dnsmasq_lease *l = NULL;
	struct vu_net_ip *ips = NULL;
	size_t nl = 0, nips = 0;
	int r;

	/* An inactive network has no leases to read: no addresses, as virsh. */
	if (vu_networkdb_load_live(vc_state(vc), i->source, &net, NULL) < 0)
		return 0;
	if ((r = vu_network_get_ips(net, &ips, &nips, e)) == 0 &&
	    (r = vu_dnsmasq_leases_read(run, i->source, NULL, &l, &nl, e)) == 0)
		r = vctl_ifaddr_add(a, i->target_dev, i->mac, ips, nips, l, nl, time(NULL));
	if (r == -ENOMEM)
		vu_err_set(e, ENOMEM, "cannot allocate memory");
	vu_dnsmasq_leases_free(l, nl);
	vu_net_ips_free(ips, nips);
	vu_network_free(&net);
	return r;
}

static int collect(struct vm_ctl *vc, const struct vu_domain *dom, struct vctl_ifaddrs *a,
		   struct vu_err *e)
{
	const char *want = vc->set[O_INTERFACE] ? vc->arg[O_INTERFACE] : NULL;
	struct vu_dnsmasq_run run = { .dirfd = leases_dir(vc) };
	char dir[4096];
	xmlNodePtr d = NULL;
	int r = 0;

	snprintf(dir, sizeof(dir), "%s/dnsmasq", vc_state(vc)->run);
	run.dir = dir;

	while (r == 0 && (d = vu_domain_dev_next(dom, "interface", d))) {
		struct vu_iface i;

		if (vu_iface_get(d, &i) < 0)
			continue;
		if ((!want || (i.target_dev && !strcmp(i.target_dev, want))) && i.type &&
		    !strcmp(i.type, "network") && i.source && i.mac && run.dirfd >= 0)
			r = iface_addrs(vc, &run, &i, a, e);
		vu_iface_clear(&i);
	}
	if (run.dirfd >= 0)
		close(run.dirfd);
	return r;
}

int vc_cmd_domifaddr(void *ctx, int argc, char **argv)
{
	struct vm_ctl *vc = ctx;
	const char *source = vc->set[O_SOURCE] ? vc->arg[O_SOURCE] : "lease";
	char *name = vc_domain_arg(vc, argc, argv);
	struct vctl_ifaddrs a = { 0 };
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	int r;

	if (strcmp(source, "lease") != 0)
		vc_die_usage("domifaddr: --source %s: only 'lease' is supported (no guest agent, "
			     "no ARP table)", source);
	if (vu_qemurun_live_xml(vc_state(vc), name, &dom, &e) < 0 ||
	    collect(vc, dom, &a, &e) < 0) {
		r = vc_fail(name, &e);
	} else if (vc->set[O_JSON]) {
		r = vctl_ifaddr_print_json(&a, stdout) < 0 ? VU_EXIT_FAIL : VU_EXIT_OK;
	} else {
		vctl_ifaddr_print(&a, stdout, vc->set[O_FULL], !vc->quiet);
		r = VU_EXIT_OK;
	}
	vctl_ifaddrs_clear(&a);
	vu_domain_free(&dom);
	free(name);
	return r;
}
