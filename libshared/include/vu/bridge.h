/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bridge.h - a virtual network's bridge by rtnetlink (libnl-route-3):
 * create with MAC, MTU, STP, forward delay and addresses, delete, look up
 * names, pick the next free virbrN, enable IP forwarding */
#ifndef VU_BRIDGE_H
#define VU_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "vu/err.h"
#include "vu/ident.h"

/*
 * Everything here acts on the calling thread's network namespace and needs
 * CAP_NET_ADMIN there. Errors are 0 / -errno with e filled as
 * "NAME: what" ("virbr0: File exists"); -EPERM says the capability.
 * Plain structs, no XML: the caller (net-ctl) fills them from its model.
 */

/* Interface names are checked by vu_ifname_check (vu/ident.h). */

/* One address on the bridge: "192.168.122.1" / 24, "fd00::1" / 64. */
struct vu_bridge_addr {
	const char *addr;	/* numeric IPv4 or IPv6 address */
	unsigned int prefix;	/* 0..32 or 0..128 */
};

struct vu_bridge_spec {
	const char *name;	/* interface name, 1..15 bytes */
	const char *mac;	/* "52:54:00:xx:xx:xx", or NULL for the kernel's */
	unsigned int mtu;	/* 0: the kernel's default (1500) */
	bool stp;		/* libvirt's default is on */
	unsigned int delay;	/* STP forward delay in seconds, 0..30 (libvirt:
				 * 0); with STP on the kernel raises it to its
				 * 2 s minimum, as it does for libvirt's virbr0 */
	const struct vu_bridge_addr *addrs;
	size_t naddrs;
};

/*
 * Creates the bridge (refusing a name that exists: -EEXIST), sets its
 * MAC, MTU, STP and forward delay, adds the addresses (IPv4 with their
 * broadcast address, IPv6 without duplicate address detection, as the
 * bridge has no port yet) and brings it up. A failure half-way deletes the
 * bridge again, so either all of it exists or nothing does.
 */
int vu_bridge_create(const struct vu_bridge_spec *spec, struct vu_err *e);

/* Deletes the bridge NAME: -ENODEV when absent, -EINVAL when NAME is an
 * interface that is not a bridge (never deletes someone's eth0). */
int vu_bridge_delete(const char *name, struct vu_err *e);

/*
 * A guest's tap (or any link) IFNAME made a port: its MAC set (mac, or
 * NULL to leave it), its MTU (mtu, else the bridge's, as libvirt), put on
 * bridge (NULL: no bridge, <interface type='ethernet'>) and brought up.
 * -ENODEV "BR: no such bridge" when bridge is not a bridge.
 */
int vu_bridge_add_port(const char *bridge, const char *ifname, const char *mac, unsigned mtu,
		       struct vu_err *e);
/* 1 if an interface (of any kind) named NAME exists, 0 if not, or -errno. */
int vu_link_exists(const char *name, struct vu_err *e);

/*
 * The first name from PATTERN ("virbr%d": exactly one %d and no other %),
 * counting from 0, that is neither an existing interface nor one of the
 * ntaken names in taken (the bridges other networks' definitions name, as
 * libvirt also skips those). Written to buf (len bytes). -EINVAL for a bad
 * pattern, -ENOSPC when all 256 are used.
 */
int vu_bridge_free_name(const char *pattern, const char *const *taken, size_t ntaken,
			char *buf, size_t len, struct vu_err *e);

/*
 * Whether the subnet of A (its network address and prefix) is routed
 * already: 1 when the main table has a route for exactly that subnet (as
 * libvirt's check before starting a network), with its interface in ifname
 * (len bytes, may be NULL) and e set to "192.168.122.0/24: network is
 * already in use by interface eth0" (code EADDRINUSE); 0 when not; -errno.
 */
int vu_route_collision(const struct vu_bridge_addr *a, char *ifname, size_t len,
		       struct vu_err *e);

/* vu_ip_forward_enable flag: set accept_ra 2 instead of refusing. */
#define VU_FWD_FIX_ACCEPT_RA 0x1u

/*
 * Turns on forwarding for AF_INET (/proc/sys/net/ipv4/ip_forward) or
 * AF_INET6 (/proc/sys/net/ipv6/conf/all/forwarding), writing nothing that
 * is set already; only for a network that forwards. For IPv6 it first looks
 * for default routes learned from router advertisements on interfaces whose
 * accept_ra is 1: with forwarding on the kernel ignores further RAs there
 * and the host loses the route when it expires. Like libvirt, it then
 * refuses (-EBUSY, the message names the interfaces and says to set
 * accept_ra to 2), unless flags has VU_FWD_FIX_ACCEPT_RA: then it sets
 * accept_ra to 2 on them itself and goes on.
 */
int vu_ip_forward_enable(int family, unsigned int flags, struct vu_err *e);

#endif
