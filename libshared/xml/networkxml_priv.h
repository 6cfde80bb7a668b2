/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkxml_priv.h - what the files of the network model share; private
 * to libshared/xml (white-box tests may include it) */
#ifndef VU_NETWORKXML_PRIV_H
#define VU_NETWORKXML_PRIV_H

#include <stdbool.h>
#include <libxml/tree.h>

#include "vu/networkxml.h"

struct vu_network {
	xmlDocPtr doc;
};

xmlNodePtr net_root(const struct vu_network *net);
/* Takes doc over (freed on error). */
int vu_network_wrap(struct vu_network **out, xmlDocPtr doc);

/* An address of family (AF_UNSPEC: either) parsed into buf (16 bytes);
 * the family found, or -EINVAL. */
int net_addr_parse(const char *s, int family, unsigned char *buf);
/* Whether addr (of family) lies in the subnet net/prefix. */
bool net_in_subnet(int family, const unsigned char *addr, const unsigned char *net,
		   unsigned prefix);

/* The checks of one DHCP host and one range against the <ip> they are in
 * (used by vu_network_get_ips and by net-update). */
int net_read_host(xmlNodePtr h, const struct vu_net_ip *ip, struct vu_net_host *out,
		  struct vu_err *e);
int net_read_range(xmlNodePtr r, const struct vu_net_ip *ip, struct vu_net_range *out,
		   struct vu_err *e);
/* Whether s holds a control character (a newline above all): values
 * that end up in dnsmasq's configuration lines must not start a line of
 * their own. NULL is fine. */
bool net_has_ctl(const char *s);

/* One <ip>'s address, family and prefix, checked. */
int net_read_ip_head(xmlNodePtr ipn, struct vu_net_ip *ip, struct vu_err *e);

#endif
