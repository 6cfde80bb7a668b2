/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rules.c - a network's forwarding rules spec, filled from its model
 * (pure: the unit tests render it as libvirt's nftables rules) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/nat.h"

#include "netctl.h"

struct nc_nat {
	struct vu_nat_spec spec;
	char *name, *bridge, *dev;
	struct vu_net_ip *ips;
	size_t nips;
	struct vu_nat_subnet *subnets;
};

void nc_nat_free(struct nc_nat **np)
{
	struct nc_nat *n = *np;

	if (!n)
		return;
	vu_net_ips_free(n->ips, n->nips);
	free(n->subnets);
	free(n->name);
	free(n->bridge);
	free(n->dev);
	free(n);
	*np = NULL;
}

const struct vu_nat_spec *nc_nat_spec(const struct nc_nat *n)
{
	return &n->spec;
}

/* The rules' mode for the networks that have rules. */
static int nat_mode(int fwd)
{
	switch (fwd) {
	case VU_NET_ISOLATED: return VU_NAT_ISOLATED;
	case VU_NET_NAT: return VU_NAT_NAT;
	case VU_NET_ROUTE: return VU_NAT_ROUTE;
	default: return -1;	/* open: none; the others make no bridge */
	}
}

static int fill(struct nc_nat *n, const struct vu_network *net, int mode, struct vu_err *e)
{
	struct vu_net_dns dns = { 0 };
	int r;

	if ((r = vu_network_get_ips(net, &n->ips, &n->nips, e)) < 0)
		return r;
	if (!(n->subnets = calloc(n->nips + 1, sizeof(*n->subnets))))
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	n->spec = (struct vu_nat_spec){
		.network = n->name, .bridge = n->bridge, .mode = (enum vu_nat_mode)mode,
		.subnets = n->subnets, .nsubnets = n->nips,
	};
	for (size_t i = 0; i < n->nips; i++) {
		n->subnets[i] = (struct vu_nat_subnet){ n->ips[i].address, n->ips[i].prefix };
		n->spec.dhcp |= n->ips[i].nranges || n->ips[i].nhosts;
		n->spec.tftp |= n->ips[i].tftp_root != NULL;
	}
	if ((r = vu_network_get_dns(net, &dns, e)) < 0)
		return r;
	n->spec.dns = dns.enabled && n->nips;
	vu_net_dns_free(&dns);
	if (vu_network_get_forward_dev(net, &n->dev) == 0)
		n->spec.dev = n->dev;
	return 0;
}

int nc_nat_build(const struct vu_network *net, const char *name, const char *bridge,
		 struct nc_nat **out, struct vu_err *e)
{
	int fwd = vu_network_get_forward(net), mode = nat_mode(fwd), r;
	struct nc_nat *n;

	*out = NULL;
	if (fwd < 0)
		return vu_err_set(e, EINVAL, "unknown forward mode");
	if (mode < 0)
		return 0;
	if (!(n = calloc(1, sizeof(*n))) || !(n->name = strdup(name)) ||
	    !(n->bridge = strdup(bridge))) {
		nc_nat_free(&n);
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	}
	if ((r = fill(n, net, mode, e)) < 0) {
		nc_nat_free(&n);
		return r;
	}
	*out = n;
	return 0;
}
