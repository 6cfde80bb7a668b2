/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkxml.h - libvirt virtual network XML: the document, its check,
 * typed fields, and the edits of virsh net-update */
#ifndef VU_NETWORKXML_H
#define VU_NETWORKXML_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>

#include "vu/err.h"
#include "vu/ident.h"

/* libvirt's schema for network documents. */
#define VU_NETWORK_RNG "/usr/share/libvirt/schemas/network.rng"

/*
 * A network document: the tree as the user wrote it (the pattern is in
 * vu/xmlnode.h). What the model does not know round-trips.
 */
struct vu_network;

/* Loads from a path ("-": stdin) or parses len bytes with vu_xml_load's
 * safety rules; the root must be <network> and a <name>, when present,
 * must pass vu_name_check (tools build paths from it). 0 or -errno with e. */
int vu_network_load(struct vu_network **out, const char *path, struct vu_err *e);
int vu_network_parse(struct vu_network **out, const char *buf, size_t len,
		     struct vu_err *e);
/* <network><name>NAME</name></network>; NAME is not checked here. */
int vu_network_new(struct vu_network **out, const char *name);
int vu_network_copy(struct vu_network **out, const struct vu_network *net);
/* Frees it and sets *net to NULL; NULL and *net == NULL are fine. */
void vu_network_free(struct vu_network **net);
/* As libvirt writes it (two-space indent); malloc'd, NULL on ENOMEM. */
char *vu_network_format(const struct vu_network *net);
/* The tree, for C14N and schema validation; it still belongs to net. */
xmlDocPtr vu_network_doc(const struct vu_network *net);

/*
 * What libvirt's parser would refuse, in one place: one valid <name>, a
 * UUID and MAC (unicast) if any, a known forward mode with the elements it
 * needs, a bridge name of at most 15 bytes, an MTU in range, a <domain
 * name> fit for dnsmasq's lines, every <ip>
 * (vu_network_get_ips' checks), the DNS records (vu_network_get_dns'),
 * then libvirt's schema when it is installed (vu_xml_validate_libvirt).
 * 0 or -EINVAL (-ENOMEM) with e saying what is wrong.
 */
int vu_network_check(const struct vu_network *net, struct vu_err *e);

/* ---- identity ---- */

/* Strings are malloc'd; -ENOENT when absent. */
int vu_network_get_name(const struct vu_network *net, char **out);
/* The canonical UUID; -ENOENT absent, -EINVAL malformed. */
int vu_network_get_uuid(const struct vu_network *net, char out[VU_UUID_STRLEN]);
int vu_network_set_uuid(struct vu_network *net, const char *uuid);
/* The bridge's <mac address>, canonical; -ENOENT, -EINVAL. */
int vu_network_get_mac(const struct vu_network *net, char out[VU_MAC_STRLEN]);
int vu_network_set_mac(struct vu_network *net, const char *mac);
/* What libvirt adds on define: a fresh UUID when there is none, and a
 * fresh 52:54:00 MAC when the network makes its own bridge (forward mode
 * nat, route, open or none) and has none. 0 or -errno. */
int vu_network_ensure_ids(struct vu_network *net);

/* ---- bridge, forward, domain, mtu ---- */

/* <bridge name>; -ENOENT. (libvirt's parser takes a template, virbr%d,
 * that its schema refuses; so do we.) */
int vu_network_get_bridge(const struct vu_network *net, char **out);
int vu_network_set_bridge(struct vu_network *net, const char *name);
/* An interface name both Linux and libvirt's schema take, that needs no
 * quoting anywhere: 1 to 15 of A-Z a-z 0-9 _ . -, not "." or "..". */
bool vu_net_ifname_ok(const char *name);
/* <bridge stp> (default on, as libvirt) and delay (default 0). */
bool vu_network_get_stp(const struct vu_network *net);
unsigned long vu_network_get_delay(const struct vu_network *net);

enum vu_net_forward {
	VU_NET_ISOLATED,	/* no <forward> */
	VU_NET_NAT,		/* <forward/> or mode='nat' */
	VU_NET_ROUTE,
	VU_NET_OPEN,
	VU_NET_BRIDGE,		/* an existing host bridge */
	VU_NET_PRIVATE,		/* macvtap modes */
	VU_NET_VEPA,
	VU_NET_PASSTHROUGH,
	VU_NET_HOSTDEV,
	VU_NET_FORWARD_COUNT
};
/* "none" (isolated), "nat", ...; NULL outside the enum. */
const char *vu_net_forward_name(enum vu_net_forward f);
/* The forward mode; an unknown one is -EINVAL (vu_network_check refuses it). */
int vu_network_get_forward(const struct vu_network *net);
/* Whether networks of this mode make a bridge of their own. */
bool vu_net_forward_has_bridge(enum vu_net_forward f);
/* <forward dev>; -ENOENT. */
int vu_network_get_forward_dev(const struct vu_network *net, char **out);
/* The <forward><interface dev> list, NULL-terminated (free with
 * vu_net_strv_free); an empty list when there is none. */
int vu_network_get_forward_ifaces(const struct vu_network *net, char ***devs, size_t *n);
void vu_net_strv_free(char **v);
/* <domain name>; -ENOENT. */
int vu_network_get_domain(const struct vu_network *net, char **out);
/* <domain localOnly='yes'>: names in it are never forwarded upstream. */
bool vu_network_domain_local_only(const struct vu_network *net);
/* <mtu size>; -ENOENT. */
int vu_network_get_mtu(const struct vu_network *net, unsigned *out);

/* ---- addresses ---- */

#define VU_NET_ADDRLEN INET6_ADDRSTRLEN

/* A <lease expiry unit> as written (dnsmasq's lines keep libvirt's unit:
 * "1h"): set false when absent; expiry 0 is infinite; unit 's', 'm' (the
 * default) or 'h'. */
struct vu_net_lease {
	bool set;
	unsigned long long expiry;
	char unit;
};
struct vu_net_range {
	char start[VU_NET_ADDRLEN], end[VU_NET_ADDRLEN];
	struct vu_net_lease lease;
};
struct vu_net_host {
	char mac[VU_MAC_STRLEN];	/* "" when absent (IPv6 hosts use id/name) */
	char ip[VU_NET_ADDRLEN];	/* "" when absent */
	char *name;			/* NULL when absent */
	char *id;			/* DHCPv6 client id, NULL when absent */
	struct vu_net_lease lease;
};
/* One <ip>: prefix comes from prefix= or netmask=, else (as libvirt) from
 * an IPv4 address's class, or 64; strings are NULL when absent. */
struct vu_net_ip {
	int family;			/* AF_INET or AF_INET6 */
	char address[VU_NET_ADDRLEN];
	unsigned prefix;
	bool local_ptr;			/* localPtr='yes' */
	struct vu_net_range *ranges;
	size_t nranges;
	struct vu_net_host *hosts;
	size_t nhosts;
	char *bootp_file, *bootp_server;
	char *tftp_root;
};
/*
 * Every <ip>, checked as libvirt does: family (ipv4 default, ipv6), an
 * address inet_pton takes, a prefix in range (0-32, 0-128) or a
 * contiguous IPv4 netmask, not both; ranges of the family inside the
 * subnet with start <= end; hosts with a unicast MAC (IPv4: required, or
 * a name) and an address inside the subnet; lease times in seconds,
 * minutes (the default unit) or hours, up to 2^32-1 s; DHCP on one IPv4
 * and one IPv6 <ip> at most. 0 or -EINVAL with e, -ENOMEM. Free with
 * vu_net_ips_free.
 */
int vu_network_get_ips(const struct vu_network *net, struct vu_net_ip **ips, size_t *n,
		       struct vu_err *e);
void vu_net_ips_free(struct vu_net_ip *ips, size_t n);
/* Whether two subnets (address/prefix of the same family) overlap. */
bool vu_net_ip_overlap(const struct vu_net_ip *a, const struct vu_net_ip *b);

/* ---- DNS ---- */

struct vu_net_dns_host {
	char ip[VU_NET_ADDRLEN];
	char **names;			/* NULL-terminated */
	size_t nnames;
};
struct vu_net_dns_txt {
	char *name, *value;
};
struct vu_net_dns_srv {
	char *service, *protocol;	/* protocol: "tcp" or "udp" */
	char *domain, *target;		/* NULL when absent */
	int port, priority, weight;	/* -1 when absent */
};
struct vu_net_dns_fwd {
	char addr[VU_NET_ADDRLEN];	/* "" when absent */
	char *domain;			/* NULL when absent */
};
struct vu_net_dns {
	bool enabled;			/* <dns enable='no'> makes it false */
	bool forward_plain_names;	/* forwardPlainNames, default yes */
	struct vu_net_dns_host *hosts;
	size_t nhosts;
	struct vu_net_dns_txt *txts;
	size_t ntxts;
	struct vu_net_dns_srv *srvs;
	size_t nsrvs;
	struct vu_net_dns_fwd *fwds;
	size_t nfwds;
};
/* The <dns> records, checked (addresses parse, a host has a hostname,
 * txt a name without dots at the ends, srv a service and tcp/udp,
 * ports and numbers 0-65535). No value that reaches dnsmasq's
 * configuration may hold a control character (a newline would start a
 * line of its own) or the separator of its line. 0 or -EINVAL with e,
 * -ENOMEM. */
int vu_network_get_dns(const struct vu_network *net, struct vu_net_dns *dns,
		       struct vu_err *e);
void vu_net_dns_free(struct vu_net_dns *dns);

/* ---- virsh net-update ---- */

enum vu_net_update_cmd {
	VU_NET_UPDATE_ADD_LAST,		/* "add" and "add-last" */
	VU_NET_UPDATE_ADD_FIRST,
	VU_NET_UPDATE_DELETE,
	VU_NET_UPDATE_MODIFY,
	VU_NET_UPDATE_CMD_COUNT
};
enum vu_net_section {
	VU_NET_SECTION_IP_DHCP_HOST,
	VU_NET_SECTION_IP_DHCP_RANGE,
	VU_NET_SECTION_DNS_HOST,
	VU_NET_SECTION_DNS_TXT,
	VU_NET_SECTION_DNS_SRV,
	VU_NET_SECTION_FORWARD_INTERFACE,
	VU_NET_SECTION_PORTGROUP,
	VU_NET_SECTION_COUNT
};
/* virsh's words: "add", "add-last", "add-first", "delete", "modify"; and
 * "ip-dhcp-host", ... The value, or -EINVAL. */
int vu_net_update_cmd_parse(const char *s);
int vu_net_section_parse(const char *s);
const char *vu_net_section_name(enum vu_net_section s);

/*
 * Applies one net-update: xml is the element virsh takes (<host .../>,
 * <range .../>, <txt .../>, <srv .../>, <interface dev/>, <portgroup>),
 * parsed with the bounded parser. parent_index picks the <ip> for the DHCP
 * sections (-1: the one with DHCP, else the first IPv4, else the first
 * IPv6). An element matches by mac (else name, else ip) for DHCP hosts,
 * start and end for ranges, ip for DNS hosts, name for txt, service and
 * protocol (and domain, target, port when given) for srv, dev for
 * interfaces, name for portgroups. add refuses a match (-EEXIST), delete
 * and modify need one (-ENOENT); modify replaces it in place, and only
 * DHCP hosts and portgroups can be modified (-ENOTSUP, as libvirt). The new
 * element lands first or last among its kind, inside a parent made where
 * libvirt writes it. The result must pass vu_network_check, else net is
 * left as it was. 0 or -errno with e.
 */
int vu_network_update(struct vu_network *net, enum vu_net_update_cmd cmd,
		      enum vu_net_section section, int parent_index, const char *xml,
		      struct vu_err *e);

/* The network libvirt's package defines: NAME with bridge BRIDGE, NAT,
 * 192.168.N.1/24 with DHCP .2-.254 (libvirt's default.xml has virbr0 and
 * N=122); no UUID or MAC yet (vu_network_ensure_ids). */
int vu_network_new_default(struct vu_network **out, const char *name, const char *bridge,
			   unsigned third_octet);

#endif
