/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkxml_ip.c - a network's <ip> elements (subnets, DHCP ranges and
 * hosts, PXE) and its <dns> records, read and checked as libvirt's parser
 * checks them */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vu/file.h"
#include "vu/networkxml.h"
#include "vu/size.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "model.h"
#include "networkxml_priv.h"

/* ---- addresses ---- */

int net_addr_parse(const char *s, int family, unsigned char *buf)
{
	if (!s)
		return -EINVAL;
	if ((family == AF_UNSPEC || family == AF_INET) && inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if ((family == AF_UNSPEC || family == AF_INET6) && inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return -EINVAL;
}

/* Whether the first prefix bits of a and b are equal. */
static bool same_prefix(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, full))
		return false;
	return !rest || ((a[full] ^ b[full]) & (0xff00 >> rest) & 0xff) == 0;
}

bool net_in_subnet(int family, const unsigned char *addr, const unsigned char *net,
		   unsigned prefix)
{
	(void)family;
	return same_prefix(addr, net, prefix);
}

bool vu_net_ip_overlap(const struct vu_net_ip *a, const struct vu_net_ip *b)
{
	unsigned char x[16], y[16];

	if (a->family != b->family || net_addr_parse(a->address, a->family, x) < 0 ||
	    net_addr_parse(b->address, b->family, y) < 0)
		return false;
	return same_prefix(x, y, a->prefix < b->prefix ? a->prefix : b->prefix);
}

/* A contiguous IPv4 netmask as a prefix length, or -EINVAL. */
static int netmask_prefix(const char *s, unsigned *prefix)
{
	struct in_addr m;
	uint32_t v;
	unsigned n = 0;

	if (inet_pton(AF_INET, s, &m) != 1)
		return -EINVAL;
	v = ntohl(m.s_addr);
	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	if (n < 32 && (v << n) != 0)
		return -EINVAL;
	*prefix = n;
	return 0;
}

bool net_has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* ---- one <ip> ---- */

static int read_family(xmlNodePtr ipn, struct vu_net_ip *ip, struct vu_err *e)
{
	char *fam = NULL;
	int r = vu_model_opt(ipn, NULL, "family", &fam);

	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (!fam || !strcmp(fam, "ipv4"))
		ip->family = AF_INET;
	else if (!strcmp(fam, "ipv6"))
		ip->family = AF_INET6;
	else
		r = vu_err_set(e, EINVAL, "<ip>: unknown family '%s'", VU_SHOWN(fam));
	free(fam);
	return r;
}

/* libvirt takes an IPv4 address's class when neither netmask nor prefix
 * is given: A /8, B /16, C /24; D and E have none. */
static int class_prefix(struct vu_net_ip *ip, struct vu_err *e)
{
	unsigned first = (unsigned)strtoul(ip->address, NULL, 10);

	if (first >= 224)
		return vu_err_set(e, EINVAL, "<ip address='%s'>: neither prefix nor netmask, "
				  "and the address has no class", ip->address);
	ip->prefix = first < 128 ? 8 : first < 192 ? 16 : 24;
	return 0;
}

static int read_prefix(xmlNodePtr ipn, struct vu_net_ip *ip, struct vu_err *e)
{
	char *mask = NULL, *pfx = NULL;
	unsigned max = ip->family == AF_INET ? 32 : 128;
	uint64_t v;
	int r = vu_model_opt(ipn, NULL, "netmask", &mask);

	if (r == 0)
		r = vu_model_opt(ipn, NULL, "prefix", &pfx);
	if (r < 0)
		r = vu_err_set(e, -r, NULL);
	else if (mask && pfx)
		r = vu_err_set(e, EINVAL, "<ip address='%s'>: both netmask and prefix",
			       ip->address);
	else if (mask && (ip->family != AF_INET || netmask_prefix(mask, &ip->prefix) < 0))
		r = vu_err_set(e, EINVAL, "<ip address='%s'>: invalid netmask '%s'", ip->address,
			       VU_SHOWN(mask));
	else if (pfx && vu_parse_u64(pfx, 0, max, &v) < 0)
		r = vu_err_set(e, EINVAL, "<ip address='%s'>: prefix '%s' is not from 0 to %u",
			       ip->address, VU_SHOWN(pfx), max);
	else if (pfx)
		ip->prefix = (unsigned)v;
	else if (!mask && ip->family == AF_INET6)
		ip->prefix = 64;	/* libvirt's default for IPv6 */
	else if (!mask)
		r = class_prefix(ip, e);
	free(mask);
	free(pfx);
	return r;
}

int net_read_ip_head(xmlNodePtr ipn, struct vu_net_ip *ip, struct vu_err *e)
{
	unsigned char a[16];
	char *addr = NULL;
	int r;

	memset(ip, 0, sizeof(*ip));
	if ((r = read_family(ipn, ip, e)) < 0)
		return r;
	r = vu_node_get(ipn, NULL, "address", &addr);
	if (r == -ENOENT)
		return vu_err_set(e, EINVAL, "an <ip> needs an address");
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (net_addr_parse(addr, ip->family, a) < 0)
		r = vu_err_set(e, EINVAL, "<ip>: invalid %s address '%s'",
			       ip->family == AF_INET ? "IPv4" : "IPv6", VU_SHOWN(addr));
	else
		inet_ntop(ip->family, a, ip->address, sizeof(ip->address));
	free(addr);
	ip->local_ptr = vu_node_value_is(ipn, NULL, "localPtr", "yes");
	return r < 0 ? r : read_prefix(ipn, ip, e);
}

/* An address of the <ip>'s family inside its subnet, copied to out. */
static int subnet_addr(const struct vu_net_ip *ip, const char *what, const char *s,
		       char out[VU_NET_ADDRLEN], unsigned char *bin, struct vu_err *e)
{
	unsigned char net[16];

	if (net_addr_parse(s, ip->family, bin) < 0)
		return vu_err_set(e, EINVAL, "%s: invalid address '%s'", what, VU_SHOWN(s));
	net_addr_parse(ip->address, ip->family, net);
	if (!net_in_subnet(ip->family, bin, net, ip->prefix))
		return vu_err_set(e, EINVAL, "%s: %s is not in the network %s/%u", what, s,
				  ip->address, ip->prefix);
	inet_ntop(ip->family, bin, out, VU_NET_ADDRLEN);
	return 0;
}

/* The <lease> of a range or host (see vu_net_lease). */
static int read_lease(xmlNodePtr parent, struct vu_net_lease *out, struct vu_err *e)
{
	static const struct {
		const char *unit;
		uint64_t secs;
	} units[] = { { "seconds", 1 }, { "minutes", 60 }, { "hours", 3600 } };
	xmlNodePtr lease = vu_node_child(parent, "lease");
	char *exp = NULL, *unit = NULL;
	uint64_t v = 0, mul = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!lease)
		return 0;
	r = vu_model_opt(lease, NULL, "expiry", &exp);
	if (r == 0)
		r = vu_model_opt(lease, NULL, "unit", &unit);
	if (r < 0)
		r = vu_err_set(e, -r, NULL);
	for (size_t i = 0; r == 0 && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit ? unit : "minutes", units[i].unit))
			mul = units[i].secs, out->unit = units[i].unit[0];
	if (r == 0 && !mul)
		r = vu_err_set(e, EINVAL, "<lease>: unknown unit '%s'", VU_SHOWN(unit));
	else if (r == 0 && (!exp || vu_parse_u64(exp, 0, 0xffffffffu / mul, &v) < 0))
		r = vu_err_set(e, EINVAL, "<lease>: expiry '%s' is not a number of %s up to "
			       "2^32-1 seconds", exp ? VU_SHOWN(exp) : "", unit ? unit : "minutes");
	if (r == 0)
		out->set = true, out->expiry = v;
	free(exp);
	free(unit);
	return r;
}

int net_read_range(xmlNodePtr rn, const struct vu_net_ip *ip, struct vu_net_range *out,
		   struct vu_err *e)
{
	unsigned char a[16] = { 0 }, b[16] = { 0 };
	char *start = NULL, *end = NULL;
	int r = vu_model_opt(rn, NULL, "start", &start);

	if (r == 0)
		r = vu_model_opt(rn, NULL, "end", &end);
	if (r < 0)
		r = vu_err_set(e, -r, NULL);
	else if (!start || !end)
		r = vu_err_set(e, EINVAL, "a DHCP <range> needs start and end");
	if (r == 0)
		r = subnet_addr(ip, "DHCP range start", start, out->start, a, e);
	if (r == 0)
		r = subnet_addr(ip, "DHCP range end", end, out->end, b, e);
	if (r == 0 && memcmp(a, b, ip->family == AF_INET ? 4 : 16) > 0)
		r = vu_err_set(e, EINVAL, "DHCP range %s - %s: the start is after the end",
			       out->start, out->end);
	if (r == 0)
		r = read_lease(rn, &out->lease, e);
	free(start);
	free(end);
	return r;
}

int net_read_host(xmlNodePtr hn, const struct vu_net_ip *ip, struct vu_net_host *out,
		  struct vu_err *e)
{
	unsigned char a[16];
	char *mac = NULL, *addr = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = vu_model_opt(hn, NULL, "mac", &mac);
	if (r == 0)
		r = vu_model_opt(hn, NULL, "ip", &addr);
	if (r == 0)
		r = vu_model_opt(hn, NULL, "name", &out->name);
	if (r == 0)
		r = vu_model_opt(hn, NULL, "id", &out->id);
	if (r < 0)
		r = vu_err_set(e, -r, NULL);
	else if (mac && vu_mac_normalize(mac, out->mac) < 0)
		r = vu_err_set(e, EINVAL, "DHCP host: invalid MAC address '%s'", VU_SHOWN(mac));
	else if (ip->family == AF_INET && !mac && !out->name)
		r = vu_err_set(e, EINVAL, "a DHCP host needs a MAC address or a name");
	else if (ip->family == AF_INET6 && !out->id && !out->name)
		r = vu_err_set(e, EINVAL, "an IPv6 DHCP host needs an id or a name");
	else if (out->id && (net_has_ctl(out->id) || strpbrk(out->id, ", ")))
		r = vu_err_set(e, EINVAL, "DHCP host: invalid id '%s'", VU_SHOWN(out->id));
	else if (out->name && vu_name_check(out->name) < 0)
		r = vu_err_set(e, EINVAL, "DHCP host: invalid name '%s'", VU_SHOWN(out->name));
	else if (addr)
		r = subnet_addr(ip, "DHCP host", addr, out->ip, a, e);
	if (r == 0)
		r = read_lease(hn, &out->lease, e);
	free(mac);
	free(addr);
	if (r < 0) {
		free(out->name);
		free(out->id);
		memset(out, 0, sizeof(*out));
	}
	return r;
}

static int read_bootp(xmlNodePtr dhcp, struct vu_net_ip *ip, struct vu_err *e)
{
	unsigned char a[16];
	int r = vu_model_opt(dhcp, "bootp", "file", &ip->bootp_file);

	if (r == 0)
		r = vu_model_opt(dhcp, "bootp", "server", &ip->bootp_server);
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (ip->bootp_server && net_addr_parse(ip->bootp_server, AF_UNSPEC, a) < 0)
		return vu_err_set(e, EINVAL, "<bootp>: invalid server '%s'",
				  VU_SHOWN(ip->bootp_server));
	if (vu_node_child(dhcp, "bootp") && !ip->bootp_file)
		return vu_err_set(e, EINVAL, "<bootp> needs a file");
	if (net_has_ctl(ip->bootp_file))
		return vu_err_set(e, EINVAL, "<bootp file='%s'>: control characters",
				  VU_SHOWN(ip->bootp_file));
	return 0;
}

static int read_dhcp(xmlNodePtr ipn, struct vu_net_ip *ip, struct vu_err *e)
{
	xmlNodePtr dhcp = vu_node_child(ipn, "dhcp");
	size_t nr = vu_node_count(dhcp, "range"), nh = vu_node_count(dhcp, "host");
	int r = 0;

	ip->ranges = calloc(nr + 1, sizeof(*ip->ranges));
	ip->hosts = calloc(nh + 1, sizeof(*ip->hosts));
	if (!ip->ranges || !ip->hosts)
		return vu_err_set(e, ENOMEM, NULL);
	for (xmlNodePtr n = vu_node_child(dhcp, "range"); r == 0 && n;
	     n = vu_node_next(n, "range"))
		if ((r = net_read_range(n, ip, &ip->ranges[ip->nranges], e)) == 0)
			ip->nranges++;
	for (xmlNodePtr n = vu_node_child(dhcp, "host"); r == 0 && n;
	     n = vu_node_next(n, "host"))
		if ((r = net_read_host(n, ip, &ip->hosts[ip->nhosts], e)) == 0)
			ip->nhosts++;
	if (r == 0 && dhcp && ip->family == AF_INET)
		r = read_bootp(dhcp, ip, e);
	if (r == 0 && (r = vu_model_opt(ipn, "tftp", "root", &ip->tftp_root)) < 0)
		vu_err_set(e, -r, NULL);
	if (r == 0 && ip->tftp_root && (ip->tftp_root[0] != '/' || net_has_ctl(ip->tftp_root)))
		r = vu_err_set(e, EINVAL, "<tftp root='%s'>: %s", VU_SHOWN(ip->tftp_root),
			       ip->tftp_root[0] != '/' ? "not an absolute path"
						       : "control characters");
	return r;
}

static void ip_free(struct vu_net_ip *ip)
{
	for (size_t i = 0; i < ip->nhosts; i++) {
		free(ip->hosts[i].name);
		free(ip->hosts[i].id);
	}
	free(ip->ranges);
	free(ip->hosts);
	free(ip->bootp_file);
	free(ip->bootp_server);
	free(ip->tftp_root);
}

void vu_net_ips_free(struct vu_net_ip *ips, size_t n)
{
	for (size_t i = 0; ips && i < n; i++)
		ip_free(&ips[i]);
	free(ips);
}

/* libvirt runs one DHCP server per family: one <ip> of each may have it. */
static int check_dhcp_once(const struct vu_net_ip *ips, size_t n, struct vu_err *e)
{
	int seen4 = 0, seen6 = 0;

	for (size_t i = 0; i < n; i++) {
		int *seen = ips[i].family == AF_INET ? &seen4 : &seen6;

		if (!ips[i].nranges && !ips[i].nhosts)
			continue;
		if ((*seen)++)
			return vu_err_set(e, EINVAL, "DHCP on more than one %s <ip>",
					  ips[i].family == AF_INET ? "IPv4" : "IPv6");
	}
	return 0;
}

int vu_network_get_ips(const struct vu_network *net, struct vu_net_ip **ips, size_t *n,
		       struct vu_err *e)
{
	xmlNodePtr root = net_root(net);
	size_t max = vu_node_count(root, "ip"), k = 0;
	struct vu_net_ip *v = calloc(max + 1, sizeof(*v));
	int r = v ? 0 : vu_err_set(e, ENOMEM, NULL);

	for (xmlNodePtr ipn = vu_node_child(root, "ip"); r == 0 && ipn;
	     ipn = vu_node_next(ipn, "ip")) {
		r = net_read_ip_head(ipn, &v[k], e);
		if (r == 0)
			r = read_dhcp(ipn, &v[k], e);
		k++;
	}
	if (r == 0)
		r = check_dhcp_once(v, k, e);
	if (r < 0) {
		vu_net_ips_free(v, k);
		v = NULL, k = 0;
	}
	*ips = v;
	*n = k;
	return r;
}

/* ---- DNS ---- */

static int read_dns_host(xmlNodePtr hn, struct vu_net_dns_host *h, struct vu_err *e)
{
	unsigned char a[16];
	char *ip = NULL;
	size_t k = 0;
	int r = vu_model_opt(hn, NULL, "ip", &ip), fam;

	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if ((fam = net_addr_parse(ip, AF_UNSPEC, a)) < 0) {
		r = vu_err_set(e, EINVAL, "DNS host: invalid address '%s'", ip ? VU_SHOWN(ip) : "");
		free(ip);
		return r;
	}
	free(ip);
	inet_ntop(fam, a, h->ip, sizeof(h->ip));
	h->names = calloc(vu_node_count(hn, "hostname") + 1, sizeof(*h->names));
	if (!h->names)
		return vu_err_set(e, ENOMEM, NULL);
	for (xmlNodePtr n = vu_node_child(hn, "hostname"); r == 0 && n;
	     n = vu_node_next(n, "hostname"))
		if ((r = vu_node_get(n, NULL, NULL, &h->names[k])) == 0 && h->names[k][0])
			k++;
		else if (r == 0 || r == -ENOENT)
			free(h->names[k]), h->names[k] = NULL, r = 0;
	h->nnames = k;
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (!k)
		return vu_err_set(e, EINVAL, "DNS host %s: no <hostname>", h->ip);
	for (size_t i = 0; i < k; i++)
		if (net_has_ctl(h->names[i]) || strchr(h->names[i], ' '))
			return vu_err_set(e, EINVAL, "DNS host %s: invalid hostname '%s'", h->ip,
					  VU_SHOWN(h->names[i]));
	return 0;
}

static int read_txt(xmlNodePtr tn, struct vu_net_dns_txt *t, struct vu_err *e)
{
	int r = vu_model_opt(tn, NULL, "name", &t->name);

	if (r == 0)
		r = vu_model_opt(tn, NULL, "value", &t->value);
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (!t->name || !*t->name)
		return vu_err_set(e, EINVAL, "a DNS <txt> needs a name");
	if (t->name[0] == '.' || t->name[strlen(t->name) - 1] == '.')
		return vu_err_set(e, EINVAL, "DNS txt name '%s': no dot at either end",
				  VU_SHOWN(t->name));
	if (!t->value)
		return vu_err_set(e, EINVAL, "DNS txt '%s' needs a value", VU_SHOWN(t->name));
	if (net_has_ctl(t->name) || net_has_ctl(t->value) || strchr(t->name, ','))
		return vu_err_set(e, EINVAL, "DNS txt '%s': control characters or a comma",
				  VU_SHOWN(t->name));
	return 0;
}

/* A number attribute from 0 to 65535, -1 when absent. */
static int read_u16(xmlNodePtr n, const char *attr, int *out, struct vu_err *e)
{
	uint64_t v;
	char *text = NULL;
	int r = vu_model_opt(n, NULL, attr, &text);

	*out = -1;
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (text && vu_parse_u64(text, 0, 65535, &v) < 0)
		r = vu_err_set(e, EINVAL, "DNS srv %s '%s' is not from 0 to 65535", attr,
			       VU_SHOWN(text));
	else if (text)
		*out = (int)v;
	free(text);
	return r;
}

static int read_srv(xmlNodePtr sn, struct vu_net_dns_srv *s, struct vu_err *e)
{
	int r = vu_model_opt(sn, NULL, "service", &s->service);

	if (r == 0)
		r = vu_model_opt(sn, NULL, "protocol", &s->protocol);
	if (r == 0)
		r = vu_model_opt(sn, NULL, "domain", &s->domain);
	if (r == 0)
		r = vu_model_opt(sn, NULL, "target", &s->target);
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (!s->service || !*s->service || strlen(s->service) > 15)
		return vu_err_set(e, EINVAL, "a DNS <srv> needs a service of 1 to 15 bytes");
	if (!s->protocol || (strcmp(s->protocol, "tcp") && strcmp(s->protocol, "udp")))
		return vu_err_set(e, EINVAL, "DNS srv '%s': protocol must be tcp or udp",
				  VU_SHOWN(s->service));
	if (net_has_ctl(s->service) || net_has_ctl(s->domain) || net_has_ctl(s->target) ||
	    strpbrk(s->service, ",.") || (s->domain && strchr(s->domain, ',')) ||
	    (s->target && strchr(s->target, ',')))
		return vu_err_set(e, EINVAL, "DNS srv '%s': control characters, or a comma",
				  VU_SHOWN(s->service));
	r = read_u16(sn, "port", &s->port, e);
	if (r == 0)
		r = read_u16(sn, "priority", &s->priority, e);
	if (r == 0)
		r = read_u16(sn, "weight", &s->weight, e);
	return r;
}

static int read_fwd(xmlNodePtr fn, struct vu_net_dns_fwd *f, struct vu_err *e)
{
	unsigned char a[16];
	char *addr = NULL;
	int r = vu_model_opt(fn, NULL, "addr", &addr), fam;

	if (r == 0)
		r = vu_model_opt(fn, NULL, "domain", &f->domain);
	if (r < 0)
		r = vu_err_set(e, -r, NULL);
	else if (addr && (fam = net_addr_parse(addr, AF_UNSPEC, a)) < 0)
		r = vu_err_set(e, EINVAL, "DNS forwarder: invalid address '%s'", VU_SHOWN(addr));
	else if (addr)
		inet_ntop(fam, a, f->addr, sizeof(f->addr));
	else if (!f->domain)
		r = vu_err_set(e, EINVAL, "a DNS <forwarder> needs addr or domain");
	if (r == 0 && (net_has_ctl(f->domain) || (f->domain && strpbrk(f->domain, "/# "))))
		r = vu_err_set(e, EINVAL, "DNS forwarder: invalid domain '%s'",
			       VU_SHOWN(f->domain));
	free(addr);
	return r;
}

void vu_net_dns_free(struct vu_net_dns *d)
{
	for (size_t i = 0; d->hosts && i <= d->nhosts; i++)
		vu_net_strv_free(d->hosts[i].names);
	for (size_t i = 0; d->txts && i <= d->ntxts; i++)
		free(d->txts[i].name), free(d->txts[i].value);
	for (size_t i = 0; d->srvs && i <= d->nsrvs; i++) {
		free(d->srvs[i].service), free(d->srvs[i].protocol);
		free(d->srvs[i].domain), free(d->srvs[i].target);
	}
	for (size_t i = 0; d->fwds && i <= d->nfwds; i++)
		free(d->fwds[i].domain);
	free(d->hosts);
	free(d->txts);
	free(d->srvs);
	free(d->fwds);
	memset(d, 0, sizeof(*d));
}

/* Reads every child named name of dns with fn into a new array of the
 * elements' size; *count is how many were read whole (the one that failed
 * sits at [*count], which vu_net_dns_free also frees). */
#define READ_ALL(dns, name, arr, count, fn, e, r) do { \
	(arr) = calloc(vu_node_count((dns), (name)) + 1, sizeof(*(arr))); \
	if (!(arr)) { (r) = vu_err_set((e), ENOMEM, NULL); break; } \
	for (xmlNodePtr n_ = vu_node_child((dns), (name)); (r) == 0 && n_; \
	     n_ = vu_node_next(n_, (name))) \
		if (((r) = fn(n_, &(arr)[(count)], (e))) == 0) \
			(count)++; \
} while (0)

int vu_network_get_dns(const struct vu_network *net, struct vu_net_dns *d, struct vu_err *e)
{
	xmlNodePtr dns = vu_node_child(net_root(net), "dns");
	int r = 0;

	memset(d, 0, sizeof(*d));
	d->enabled = !vu_node_value_is(dns, NULL, "enable", "no");
	d->forward_plain_names = !vu_node_value_is(dns, NULL, "forwardPlainNames", "no");
	READ_ALL(dns, "host", d->hosts, d->nhosts, read_dns_host, e, r);
	if (r == 0)
		READ_ALL(dns, "txt", d->txts, d->ntxts, read_txt, e, r);
	if (r == 0)
		READ_ALL(dns, "srv", d->srvs, d->nsrvs, read_srv, e, r);
	if (r == 0)
		READ_ALL(dns, "forwarder", d->fwds, d->nfwds, read_fwd, e, r);
	if (r < 0)
		vu_net_dns_free(d);
	return r;
}
