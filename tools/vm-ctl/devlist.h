/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devlist.h - what vm-ctl domblklist, domiflist and domifaddr list, made
 * from a domain's XML (and, for addresses, a network's leases) */
#ifndef VMCTL_DEVLIST_H
#define VMCTL_DEVLIST_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "vu/dnsmasq.h"
#include "vu/domainxml.h"
#include "vu/networkxml.h"
#include "vu/table.h"

/* virsh domblklist: Target and Source, with details Type and Device
 * first. JSON always has the four. NULL on ENOMEM. */
struct vu_table *vctl_blklist(const struct vu_domain *dom, bool details);
/* virsh domiflist: Interface, Type, Source, Model, MAC; "-" where the XML
 * says nothing (an inactive domain has no interface names). */
struct vu_table *vctl_iflist(const struct vu_domain *dom);

/* One row of domifaddr. */
struct vctl_ifaddr {
	char *ifname;		/* the tap ("-" for an inactive interface) */
	char mac[18];
	int family;
	char ip[46];
	unsigned prefix;	/* 0: unknown */
};

struct vctl_ifaddrs {
	struct vctl_ifaddr *v;
	size_t n;
};

/*
 * Adds the addresses of the interface (ifname, mac) that the leases
 * l[0..nl) give: its IPv4 leases, by MAC, not expired at now, each with
 * the prefix of the network's <ip> (ips[0..nips)) holding it. 0 or -ENOMEM.
 */
int vctl_ifaddr_add(struct vctl_ifaddrs *a, const char *ifname, const char *mac,
		    const struct vu_net_ip *ips, size_t nips, const struct vu_dnsmasq_lease *l,
		    size_t nl, time_t now);
void vctl_ifaddrs_clear(struct vctl_ifaddrs *a);
/*
 * virsh domifaddr's text: a header, then one line per address; an
 * interface's later addresses show "-" for its name and MAC unless full.
 */
void vctl_ifaddr_print(const struct vctl_ifaddrs *a, FILE *f, bool full, bool header);
/* The same as JSON rows: name, mac, protocol, address, prefix. */
int vctl_ifaddr_print_json(const struct vctl_ifaddrs *a, FILE *f);

#endif
