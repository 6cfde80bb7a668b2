/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nat.h - a virtual network's forwarding rules (NAT, route, isolated) in
 * nftables tables of virtutils' own, through libnftables */
#ifndef VU_NAT_H
#define VU_NAT_H

#include <stdbool.h>
#include <stddef.h>

#include "vu/err.h"

/*
 * The layout is libvirt's nftables backend (libvirt >= 10.4, its table
 * "libvirt_network"), in tables named VU_NAT_TABLE in the ip and ip6
 * families: a base chain "forward" (filter, hook forward, priority 0)
 * jumping to guest_cross, guest_input and guest_output, and "guest_nat"
 * (nat, hook postrouting, priority 100). Besides, as libvirt's iptables
 * backend does, "host_input"/"host_output" (filter, hooks input/output,
 * priority 0) accept DHCP, DNS and TFTP on the bridge. As in every
 * nftables table, an accept here is final only here: a drop-policy chain
 * of the admin's own still drops.
 *
 * Every rule of a network carries the comment "vu-net:NAME", by which it
 * is found again: rules are added and removed by handle in one atomic
 * transaction, never by flushing, and no other table is read for anything
 * but its name or touched. A table goes with its last network's rules.
 * Rules match the bridge by index (iif/oif, as libvirt), so the bridge
 * exists before vu_nat_apply.
 */
#define VU_NAT_TABLE "virtutils"
#define VU_NAT_COMMENT_PREFIX "vu-net:"

/* libvirt's <forward mode=...>; 'bridge', 'private', ... make no rules. */
enum vu_nat_mode {
	VU_NAT_ISOLATED,	/* no <forward>: nothing leaves or enters */
	VU_NAT_NAT,		/* masquerade the IPv4 subnets (IPv6 is routed) */
	VU_NAT_ROUTE,		/* forward the subnets both ways, no NAT */
	VU_NAT_OPEN,		/* no rules at all */
};

/* One subnet: any address in it and its prefix ("192.168.122.1", 24). */
struct vu_nat_subnet {
	const char *addr;
	unsigned int prefix;
};

struct vu_nat_spec {
	const char *network;	/* vu_name_check'ed, at most 120 bytes */
	const char *bridge;	/* the bridge's interface name */
	enum vu_nat_mode mode;
	const char *dev;	/* <forward dev='eth1'>: only out through it, or NULL */
	const struct vu_nat_subnet *subnets;
	size_t nsubnets;
	bool dhcp, dns, tftp;	/* host services on the bridge to accept */
};

/* vu_nat_render flag: prepend the tables, chains and jumps, as on a host
 * where no network has rules yet. */
#define VU_NAT_RENDER_BASE 0x1u

/*
 * The nft commands (one a line, as `nft -f` reads them) adding SPEC's rules,
 * in libvirt's order: every rule is an "insert", so in each chain the last
 * line comes first, as libvirt's `nft insert rule` calls leave them.
 * Pure: needs no privilege and touches nothing (golden tests). *out is the
 * caller's to free. 0 or -errno (-EINVAL for a bad spec, e set).
 */
int vu_nat_render(const struct vu_nat_spec *spec, unsigned int flags, char **out,
		  struct vu_err *e);

/*
 * Loads SPEC's rules: creates the tables and chains when absent and
 * replaces the rules the network had (so applying twice leaves one set) in
 * one transaction: on an error nothing has changed. VU_NAT_OPEN only
 * removes what the network had. Needs CAP_NET_ADMIN (-EPERM says so);
 * nft's own message otherwise ("network default: nft: ...").
 */
int vu_nat_apply(const struct vu_nat_spec *spec, struct vu_err *e);

/* Removes exactly NETWORK's rules, and a table it leaves without any
 * network's rules; -ENOENT (and nothing done) when it had none. */
int vu_nat_remove(const char *network, struct vu_err *e);

/* The number of NETWORK's rules loaded (0 when none), or -errno. */
int vu_nat_count(const char *network, struct vu_err *e);

#endif
