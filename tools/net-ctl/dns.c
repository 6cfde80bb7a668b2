/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dns.c - a network's dnsmasq spec, filled from its model (pure: the
 * unit tests compare what it gives dnsmasq with what libvirt writes) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/dnsmasq.h"

#include "netctl.h"

/* The spec borrows every string: from the model's structs kept here. */
struct nc_dns {
	struct vu_dnsmasq_spec spec;
	char *name, *bridge, *domain;
	struct vu_net_ip *ips;
	size_t nips;
	struct vu_net_dns dns;
	struct vu_dnsmasq_ip *dips;
	struct vu_dnsmasq_range **ranges;
	struct vu_dnsmasq_host **hosts;
	struct vu_dnsmasq_dns_host *dhosts;
	struct vu_dnsmasq_txt *txts;
	struct vu_dnsmasq_srv *srvs;
	struct vu_dnsmasq_forwarder *fwds;
};

void nc_dns_free(struct nc_dns **dp)
{
	struct nc_dns *d = *dp;

	if (!d)
		return;
	for (size_t i = 0; i < d->nips; i++) {
		if (d->ranges)
			free(d->ranges[i]);
		if (d->hosts)
			free(d->hosts[i]);
	}
	free(d->ranges);
	free(d->hosts);
	free(d->dips);
	free(d->dhosts);
	free(d->txts);
	free(d->srvs);
	free(d->fwds);
	vu_net_ips_free(d->ips, d->nips);
	vu_net_dns_free(&d->dns);
	free(d->name);
	free(d->bridge);
	free(d->domain);
	free(d);
	*dp = NULL;
}

const struct vu_dnsmasq_spec *nc_dns_spec(const struct nc_dns *d)
{
	return &d->spec;
}

/* The model's <lease> as dnsmasq's line writes it. */
static struct vu_dnsmasq_leasetime lease(const struct vu_net_lease *l)
{
	return (struct vu_dnsmasq_leasetime){ .set = l->set, .value = l->expiry, .unit = l->unit };
}

static int fill_ip(struct nc_dns *d, size_t i)
{
	const struct vu_net_ip *ip = &d->ips[i];
	struct vu_dnsmasq_ip *di = &d->dips[i];

	d->ranges[i] = calloc(ip->nranges + 1, sizeof(**d->ranges));
	d->hosts[i] = calloc(ip->nhosts + 1, sizeof(**d->hosts));
	if (!d->ranges[i] || !d->hosts[i])
		return -ENOMEM;
	for (size_t k = 0; k < ip->nranges; k++) {
		d->ranges[i][k].start = ip->ranges[k].start;
		d->ranges[i][k].end = ip->ranges[k].end;
		d->ranges[i][k].lease = lease(&ip->ranges[k].lease);
	}
	for (size_t k = 0; k < ip->nhosts; k++) {
		const struct vu_net_host *h = &ip->hosts[k];

		d->hosts[i][k] = (struct vu_dnsmasq_host){
			.mac = h->mac[0] ? h->mac : NULL, .id = h->id, .name = h->name,
			.ip = h->ip[0] ? h->ip : NULL, .lease = lease(&h->lease),
		};
	}
	*di = (struct vu_dnsmasq_ip){
		.family = ip->family, .address = ip->address, .prefix = ip->prefix,
		.ranges = d->ranges[i], .nranges = ip->nranges, .hosts = d->hosts[i],
		.nhosts = ip->nhosts, .bootfile = ip->bootp_file, .bootserver = ip->bootp_server,
		.tftp_root = ip->tftp_root, .local_ptr = ip->local_ptr,
	};
	return 0;
}

static int fill_dns(struct nc_dns *d)
{
	const struct vu_net_dns *s = &d->dns;

	d->dhosts = calloc(s->nhosts + 1, sizeof(*d->dhosts));
	d->txts = calloc(s->ntxts + 1, sizeof(*d->txts));
	d->srvs = calloc(s->nsrvs + 1, sizeof(*d->srvs));
	d->fwds = calloc(s->nfwds + 1, sizeof(*d->fwds));
	if (!d->dhosts || !d->txts || !d->srvs || !d->fwds)
		return -ENOMEM;
	for (size_t i = 0; i < s->nhosts; i++)
		d->dhosts[i] = (struct vu_dnsmasq_dns_host){
			.ip = s->hosts[i].ip, .names = (const char *const *)s->hosts[i].names,
			.nnames = s->hosts[i].nnames,
		};
	for (size_t i = 0; i < s->ntxts; i++)
		d->txts[i] = (struct vu_dnsmasq_txt){ s->txts[i].name, s->txts[i].value };
	for (size_t i = 0; i < s->nsrvs; i++) {
		const struct vu_net_dns_srv *v = &s->srvs[i];

		d->srvs[i] = (struct vu_dnsmasq_srv){
			.service = v->service, .protocol = v->protocol, .domain = v->domain,
			.target = v->target, .port = v->port < 0 ? 0 : (unsigned)v->port,
			.priority = v->priority < 0 ? 0 : (unsigned)v->priority,
			.weight = v->weight < 0 ? 0 : (unsigned)v->weight,
		};
	}
	for (size_t i = 0; i < s->nfwds; i++)
		d->fwds[i] = (struct vu_dnsmasq_forwarder){
			.addr = s->fwds[i].addr[0] ? s->fwds[i].addr : NULL,
			.domain = s->fwds[i].domain,
		};
	return 0;
}

static int build(struct nc_dns *d, const struct vu_network *net, struct vu_err *e)
{
	unsigned mtu = 0;
	int r;

	if ((r = vu_network_get_ips(net, &d->ips, &d->nips, e)) < 0 ||
	    (r = vu_network_get_dns(net, &d->dns, e)) < 0)
		return r;
	if (vu_network_get_domain(net, &d->domain) < 0)
		d->domain = NULL;
	if (vu_network_get_mtu(net, &mtu) < 0)
		mtu = 0;
	d->dips = calloc(d->nips + 1, sizeof(*d->dips));
	d->ranges = calloc(d->nips + 1, sizeof(*d->ranges));
	d->hosts = calloc(d->nips + 1, sizeof(*d->hosts));
	if (!d->dips || !d->ranges || !d->hosts)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	for (size_t i = 0; i < d->nips; i++)
		if (fill_ip(d, i) < 0)
			return vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (fill_dns(d) < 0)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	d->spec = (struct vu_dnsmasq_spec){
		.name = d->name, .bridge = d->bridge, .domain = d->domain,
		.domain_local_only = vu_network_domain_local_only(net),
		.isolated = vu_network_get_forward(net) == VU_NET_ISOLATED,
		.dns_disabled = !d->dns.enabled,
		.no_forward_plain_names = !d->dns.forward_plain_names, .mtu = mtu,
		.ips = d->dips, .nips = d->nips, .dns_hosts = d->dhosts,
		.ndns_hosts = d->dns.nhosts, .txts = d->txts, .ntxts = d->dns.ntxts,
		.srvs = d->srvs, .nsrvs = d->dns.nsrvs, .forwarders = d->fwds,
		.nforwarders = d->dns.nfwds,
	};
	return 0;
}

int nc_dns_build(const struct vu_network *net, const char *name, const char *bridge,
		 struct nc_dns **out, struct vu_err *e)
{
	struct nc_dns *d = calloc(1, sizeof(*d));
	int r;

	if (!d || !(d->name = strdup(name)) || !(d->bridge = strdup(bridge))) {
		nc_dns_free(&d);
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	}
	if ((r = build(d, net, e)) < 0) {
		nc_dns_free(&d);
		return r;
	}
	*out = d;
	return 0;
}
