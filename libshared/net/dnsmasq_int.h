/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsmasq_int.h - what the dnsmasq modules share: addresses as bytes */
#ifndef VU_NET_DNSMASQ_INT_H
#define VU_NET_DNSMASQ_INT_H

#include <stdbool.h>

#include "vu/dnsmasq.h"

struct dm_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char b[16];	/* network order; 4 bytes for IPv4 */
};

/* Parses text of family (0: either). 0 or -EINVAL. */
int dm_addr_parse(const char *s, int family, struct dm_addr *a);
/* Canonical text (inet_ntop), at least 46 bytes. */
void dm_addr_fmt(const struct dm_addr *a, char *out);
/* Whether a lies in net/prefix (same family). */
bool dm_addr_in(const struct dm_addr *net, unsigned prefix, const struct dm_addr *a);
/* The prefix of ip as libvirt takes it: given, else by class or 64. */
int dm_ip_prefix(const struct vu_dnsmasq_ip *ip, const struct dm_addr *a);

#endif
