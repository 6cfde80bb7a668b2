/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsmasq.c - a network spec checked, and rendered as the dnsmasq conf,
 * hostsfile and addn-hosts file libvirt 9.0 writes for it */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vu/dnsmasq.h"
#include "vu/file.h"

#include "dnsmasq_int.h"

/* ---- addresses ---- */

int dm_addr_parse(const char *s, int family, struct dm_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!s)
		return -EINVAL;
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

void dm_addr_fmt(const struct dm_addr *a, char *out)
{
	if (!inet_ntop(a->family, a->b, out, INET6_ADDRSTRLEN))
		strcpy(out, "?");
}

static unsigned addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

bool dm_addr_in(const struct dm_addr *net, unsigned prefix, const struct dm_addr *a)
{
	if (net->family != a->family || prefix > addr_bits(a->family))
		return false;
	for (unsigned i = 0; i < prefix; i++) {
		unsigned char m = (unsigned char)(0x80 >> (i % 8));

		if ((net->b[i / 8] & m) != (a->b[i / 8] & m))
			return false;
	}
	return true;
}

int dm_ip_prefix(const struct vu_dnsmasq_ip *ip, const struct dm_addr *a)
{
	if (ip->prefix)
		return ip->prefix <= addr_bits(a->family) ? (int)ip->prefix : -EINVAL;
	if (a->family == AF_INET6)
		return 64;
	/* libvirt's default for an address with neither prefix nor netmask */
	if (a->b[0] < 128)
		return 8;
	if (a->b[0] < 192)
		return 16;
	if (a->b[0] < 224)
		return 24;
	return -EINVAL;
}

/* ---- checks ---- */

/* Any text that goes into a line of ours: printable, no newline. */
static bool text_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Host and domain names, TXT names: letters, digits, '-', '_', '.'. */
static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static bool mac_ok(const char *s)
{
	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

/* A DHCPv6 client id (DUID): hex octets with colons. */
static bool duid_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < 400 && strspn(s, "0123456789abcdefABCDEF:") == n;
}

static bool leasetime_ok(const struct vu_dnsmasq_leasetime *l)
{
	return !l->set || l->value == 0 || (l->unit && strchr("smh", l->unit));
}

/* Bridge names as the kernel takes them. */
static bool ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= IFNAMSIZ || !text_ok(s) || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strcspn(s, "/: \t,") == n;
}

/*
 * The number of addresses of a range as libvirt counts them for
 * dhcp-lease-max: the two ends may differ only in their last 16 bits
 * (libvirt's "range too large" otherwise), and lie in the network.
 */
static int range_size(const char *ipstr, const struct dm_addr *net, unsigned prefix,
		      const struct vu_dnsmasq_range *r, struct vu_err *e)
{
	struct dm_addr s, t;
	size_t len = net->family == AF_INET ? 4 : 16;
	int n;

	if (dm_addr_parse(r->start, net->family, &s) < 0 ||
	    dm_addr_parse(r->end, net->family, &t) < 0)
		return vu_err_set(e, EINVAL, "ip %s: bad range %s - %s", ipstr,
				  text_ok(r->start) ? r->start : "?", text_ok(r->end) ? r->end : "?");
	if (!dm_addr_in(net, prefix, &s) || !dm_addr_in(net, prefix, &t))
		return vu_err_set(e, EINVAL, "ip %s: range %s - %s is outside the network",
				  ipstr, r->start, r->end);
	if (memcmp(s.b, t.b, len - 2) != 0)
		return vu_err_set(e, EINVAL, "ip %s: range %s - %s is too large", ipstr,
				  r->start, r->end);
	n = (t.b[len - 2] - s.b[len - 2]) * 256 + (t.b[len - 1] - s.b[len - 1]) + 1;
	if (n <= 0)
		return vu_err_set(e, EINVAL, "ip %s: range %s - %s ends before it starts", ipstr,
				  r->start, r->end);
	if (!leasetime_ok(&r->lease))
		return vu_err_set(e, EINVAL, "ip %s: bad lease time unit", ipstr);
	return n;
}

static int check_host(const char *ipstr, const struct dm_addr *net, unsigned prefix,
		      const struct vu_dnsmasq_host *h, struct vu_err *e)
{
	struct dm_addr a;

	if (h->mac && !mac_ok(h->mac))
		return vu_err_set(e, EINVAL, "ip %s: bad host mac", ipstr);
	if (h->id && !duid_ok(h->id))
		return vu_err_set(e, EINVAL, "ip %s: bad host id", ipstr);
	if (h->name && !name_ok(h->name))
		return vu_err_set(e, EINVAL, "ip %s: bad host name", ipstr);
	if (net->family == AF_INET ? !h->mac && !h->name : !h->id && !h->name)
		return vu_err_set(e, EINVAL, "ip %s: a host needs %s or a name", ipstr,
				  net->family == AF_INET ? "a mac" : "an id");
	if (h->ip && (dm_addr_parse(h->ip, net->family, &a) < 0 || !dm_addr_in(net, prefix, &a)))
		return vu_err_set(e, EINVAL, "ip %s: host address %s is not in the network", ipstr,
				  text_ok(h->ip) ? h->ip : "?");
	if (!leasetime_ok(&h->lease))
		return vu_err_set(e, EINVAL, "ip %s: bad lease time unit", ipstr);
	return 0;
}

static int check_ip(const struct vu_dnsmasq_ip *ip, struct vu_err *e)
{
	char ipstr[INET6_ADDRSTRLEN];
	struct dm_addr a, b;
	int prefix, r;

	if (dm_addr_parse(ip->address, ip->family, &a) < 0)
		return vu_err_set(e, EINVAL, "bad ip address %s",
				  text_ok(ip->address) ? ip->address : "?");
	dm_addr_fmt(&a, ipstr);
	if ((prefix = dm_ip_prefix(ip, &a)) < 0)
		return vu_err_set(e, EINVAL, "ip %s: bad prefix %u", ipstr, ip->prefix);
	for (size_t i = 0; i < ip->nranges; i++)
		if ((r = range_size(ipstr, &a, (unsigned)prefix, &ip->ranges[i], e)) < 0)
			return r;
	for (size_t i = 0; i < ip->nhosts; i++)
		if ((r = check_host(ipstr, &a, (unsigned)prefix, &ip->hosts[i], e)) < 0)
			return r;
	if ((ip->bootfile || ip->bootserver || ip->tftp_root) && a.family != AF_INET)
		return vu_err_set(e, EINVAL, "ip %s: bootp and tftp are for IPv4", ipstr);
	if (ip->bootfile && (!text_ok(ip->bootfile) || strchr(ip->bootfile, ',')))
		return vu_err_set(e, EINVAL, "ip %s: bad bootp file", ipstr);
	if (ip->bootserver && (!ip->bootfile || dm_addr_parse(ip->bootserver, AF_INET, &b) < 0))
		return vu_err_set(e, EINVAL, "ip %s: bad bootp server", ipstr);
	if (ip->tftp_root && (!text_ok(ip->tftp_root) || strchr(ip->tftp_root, ',')))
		return vu_err_set(e, EINVAL, "ip %s: bad tftp root", ipstr);
	if (ip->local_ptr && prefix % (a.family == AF_INET ? 8 : 4) != 0)
		return vu_err_set(e, EINVAL, "PTR domain for %s network with prefix %d cannot be "
				  "automatically created", a.family == AF_INET ? "IPv4" : "IPv6",
				  prefix);
	return 0;
}

static bool has_dhcp(const struct vu_dnsmasq_ip *ip)
{
	return ip->nranges || ip->nhosts;
}

/* libvirt's "first address of each family with DHCP" (one per family). */
static int dhcp_ips(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_ip **v4,
		    const struct vu_dnsmasq_ip **v6, struct vu_err *e)
{
	*v4 = *v6 = NULL;
	for (size_t i = 0; i < s->nips; i++) {
		const struct vu_dnsmasq_ip *ip = &s->ips[i];
		struct dm_addr a;

		if (!has_dhcp(ip) || dm_addr_parse(ip->address, ip->family, &a) < 0)
			continue;
		const struct vu_dnsmasq_ip **slot = a.family == AF_INET ? v4 : v6;

		if (*slot)
			return vu_err_set(e, EINVAL, "for %s, multiple DHCP definitions cannot be "
					  "specified", a.family == AF_INET ? "IPv4" : "IPv6");
		*slot = ip;
	}
	return 0;
}

static int check_dns(const struct vu_dnsmasq_spec *s, struct vu_err *e)
{
	struct dm_addr a;

	for (size_t i = 0; i < s->ndns_hosts; i++) {
		const struct vu_dnsmasq_dns_host *h = &s->dns_hosts[i];

		if (dm_addr_parse(h->ip, 0, &a) < 0 || h->nnames == 0)
			return vu_err_set(e, EINVAL, "dns host %zu: bad address or no name", i + 1);
		for (size_t j = 0; j < h->nnames; j++)
			if (!name_ok(h->names[j]))
				return vu_err_set(e, EINVAL, "dns host %s: bad name", h->ip);
	}
	for (size_t i = 0; i < s->ntxts; i++)
		if (!name_ok(s->txts[i].name) || !text_ok(s->txts[i].value))
			return vu_err_set(e, EINVAL, "dns txt %zu: bad name or value", i + 1);
	for (size_t i = 0; i < s->nsrvs; i++) {
		const struct vu_dnsmasq_srv *v = &s->srvs[i];

		if (!name_ok(v->service) || !name_ok(v->protocol) ||
		    (v->domain && !name_ok(v->domain)) || (v->target && !name_ok(v->target)) ||
		    v->port > 65535 || v->priority > 65535 || v->weight > 65535)
			return vu_err_set(e, EINVAL, "dns srv %zu: bad field", i + 1);
	}
	for (size_t i = 0; i < s->nforwarders; i++) {
		const struct vu_dnsmasq_forwarder *f = &s->forwarders[i];

		if ((!f->addr && !f->domain) || (f->addr && dm_addr_parse(f->addr, 0, &a) < 0) ||
		    (f->domain && !name_ok(f->domain)))
			return vu_err_set(e, EINVAL, "dns forwarder %zu: bad address or domain", i + 1);
	}
	return 0;
}

int vu_dnsmasq_check(const struct vu_dnsmasq_spec *s, struct vu_err *e)
{
	const struct vu_dnsmasq_ip *v4, *v6;
	int r;

	if (!s->name || vu_name_check(s->name) < 0)
		return vu_err_set(e, EINVAL, "bad network name");
	if (!ifname_ok(s->bridge))
		return vu_err_set(e, EINVAL, "bad bridge name");
	if (s->domain && !name_ok(s->domain))
		return vu_err_set(e, EINVAL, "bad domain name");
	if (s->mtu > 65535)
		return vu_err_set(e, EINVAL, "bad mtu %u", s->mtu);
	for (size_t i = 0; i < s->nips; i++)
		if ((r = check_ip(&s->ips[i], e)) < 0)
			return r;
	if ((r = dhcp_ips(s, &v4, &v6, e)) < 0)
		return r;
	return check_dns(s, e);
}

/* ---- rendering ---- */

struct buf {
	FILE *f;
	char *data;
	size_t len;
};

static int buf_open(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->f = open_memstream(&b->data, &b->len);
	return b->f ? 0 : -ENOMEM;
}

/* Ends the stream: *out gets the text on success, else it is freed. */
static int buf_close(struct buf *b, int r, char **out)
{
	bool bad = ferror(b->f);

	if (fclose(b->f) != 0 || bad)
		r = r < 0 ? r : -ENOMEM;
	if (r < 0) {
		free(b->data);
		return r;
	}
	*out = b->data;
	return 0;
}

/* "infinite", or value and unit ("30m"), as libvirt. */
static void put_lease(FILE *f, const struct vu_dnsmasq_leasetime *l)
{
	if (!l->set)
		return;
	if (l->value == 0)
		fputs(",infinite", f);
	else
		fprintf(f, ",%llu%c", l->value, l->unit);
}

static void put_canon(FILE *f, const char *text, int family)
{
	char s[INET6_ADDRSTRLEN];
	struct dm_addr a;

	if (dm_addr_parse(text, family, &a) < 0)
		return;
	dm_addr_fmt(&a, s);
	fputs(s, f);
}

static void put_forwarders(FILE *f, const struct vu_dnsmasq_spec *s)
{
	bool no_resolv = false;

	for (size_t i = 0; i < s->nforwarders; i++) {
		const struct vu_dnsmasq_forwarder *fw = &s->forwarders[i];

		fputs("server=", f);
		if (fw->domain)
			fprintf(f, "/%s/", fw->domain);
		if (fw->addr) {
			put_canon(f, fw->addr, 0);
			fputc('\n', f);
			no_resolv |= !fw->domain;
		} else {
			fputs("#\n", f);	/* "do not forward this domain" */
		}
	}
	/* An address for every name: the host's resolv.conf is not needed. */
	if (no_resolv)
		fputs("no-resolv\n", f);
}

/* local=/REVERSE.in-addr.arpa/ (or ip6.arpa) per address with localPtr:
 * the network part, least significant octet (or nibble) first. */
static void put_local_ptrs(FILE *f, const struct vu_dnsmasq_spec *s)
{
	for (size_t i = 0; i < s->nips; i++) {
		struct dm_addr a;
		int prefix;

		if (!s->ips[i].local_ptr || dm_addr_parse(s->ips[i].address, s->ips[i].family, &a) < 0)
			continue;
		prefix = dm_ip_prefix(&s->ips[i], &a);
		fputs("local=/", f);
		if (a.family == AF_INET) {
			for (int o = prefix / 8 - 1; o >= 0; o--)
				fprintf(f, "%u.", a.b[o]);
			fputs("in-addr.arpa/\n", f);
		} else {
			for (int n = prefix / 4 - 1; n >= 0; n--)
				fprintf(f, "%x.", n % 2 ? a.b[n / 2] & 0xf : a.b[n / 2] >> 4);
			fputs("ip6.arpa/\n", f);
		}
	}
}

static void put_records(FILE *f, const struct vu_dnsmasq_spec *s)
{
	for (size_t i = 0; i < s->ntxts; i++)
		fprintf(f, "txt-record=%s,%s\n", s->txts[i].name, s->txts[i].value);
	for (size_t i = 0; i < s->nsrvs; i++) {
		const struct vu_dnsmasq_srv *v = &s->srvs[i];

		/* RFC 2782: underscores; the domain defaults to the network's. */
		fprintf(f, "srv-host=_%s._%s", v->service, v->protocol);
		if (v->domain)
			fprintf(f, ".%s", v->domain);
		/* Fields are positional: a later one set needs the earlier ones. */
		if (v->target && strcmp(v->target, ".") != 0) {
			fprintf(f, ",%s", v->target);
			if (v->port || v->priority || v->weight)
				fprintf(f, ",%u", v->port ? v->port : 1);
			if (v->priority || v->weight)
				fprintf(f, ",%u", v->priority);
			if (v->weight)
				fprintf(f, ",%u", v->weight);
		}
		fputc('\n', f);
	}
}

/* The dhcp-range lines (and IPv4 extras) of one address; its lease count. */
static int put_dhcp(FILE *f, const struct vu_dnsmasq_ip *ip)
{
	struct dm_addr a, mask = { .family = AF_INET };
	int prefix, leases = 0;
	char m[INET6_ADDRSTRLEN];

	dm_addr_parse(ip->address, ip->family, &a);
	prefix = dm_ip_prefix(ip, &a);
	for (int i = 0; i < prefix && a.family == AF_INET; i++)
		mask.b[i / 8] |= (unsigned char)(0x80 >> (i % 8));
	dm_addr_fmt(&mask, m);
	for (size_t i = 0; i < ip->nranges; i++) {
		const struct vu_dnsmasq_range *r = &ip->ranges[i];

		fputs("dhcp-range=", f);
		put_canon(f, r->start, a.family);
		fputc(',', f);
		put_canon(f, r->end, a.family);
		/* dnsmasq wants a netmask for IPv4, a prefix length for IPv6 */
		if (a.family == AF_INET6)
			fprintf(f, ",%d", prefix);
		else
			fprintf(f, ",%s", m);
		put_lease(f, &r->lease);
		fputc('\n', f);
		leases += range_size("", &a, (unsigned)prefix, r, NULL);
	}
	/* Hosts but no range: DHCP must still be on, for the hostsfile. */
	if (!ip->nranges && ip->nhosts) {
		fputs("dhcp-range=", f);
		put_canon(f, ip->address, a.family);
		fputs(",static", f);
		if (a.family == AF_INET6)
			fprintf(f, ",%d", prefix);
		fputc('\n', f);
	}
	if (a.family != AF_INET)
		return leases;
	fputs("dhcp-no-override\ndhcp-authoritative\n", f);
	if (ip->tftp_root)
		fprintf(f, "enable-tftp\ntftp-root=%s\n", ip->tftp_root);
	if (ip->bootfile) {
		fprintf(f, "dhcp-boot=%s", ip->bootfile);
		if (ip->bootserver) {
			fputs(",,", f);
			put_canon(f, ip->bootserver, AF_INET);
		}
		fputc('\n', f);
	}
	return leases;
}

/* RA: with DHCPv6 dnsmasq advertises (stateful); else SLAAC per address. */
static void put_ra(FILE *f, const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_ip *v6)
{
	struct dm_addr a;

	if (v6) {
		fputs("enable-ra\n", f);
		return;
	}
	for (size_t i = 0; i < s->nips; i++) {
		if (dm_addr_parse(s->ips[i].address, s->ips[i].family, &a) < 0 ||
		    a.family != AF_INET6 || has_dhcp(&s->ips[i]))
			continue;
		fputs("dhcp-range=", f);
		put_canon(f, s->ips[i].address, AF_INET6);
		fputs(",ra-only\n", f);
	}
}

static void put_conf(FILE *f, const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_paths *p,
		     const struct vu_dnsmasq_ip *v4, const struct vu_dnsmasq_ip *v6)
{
	bool dns = !s->dns_disabled;
	int leases = 0;

	fprintf(f, "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
		"##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n"
		"##    virsh net-edit %s\n"
		"## or other application using the libvirt API.\n"
		"##\n## dnsmasq conf file created by libvirt\n"
		"strict-order\n", s->name);
	if (!dns)
		fputs("port=0\n", f);	/* DNS off: listen on no port */
	if (dns)
		put_forwarders(f, s);
	if (s->domain) {
		if (s->domain_local_only)
			fprintf(f, "local=/%s/\n", s->domain);
		fprintf(f, "domain=%s\nexpand-hosts\n", s->domain);
	}
	if (dns)
		put_local_ptrs(f, s);
	if (dns && s->no_forward_plain_names)
		fputs("domain-needed\nlocal=//\n", f);
	if (p->pidfile)
		fprintf(f, "pid-file=%s\n", p->pidfile);
	/* bind-dynamic with interface= only: no answers to other interfaces
	 * (CVE-2012-3411), and lo is always excluded */
	fprintf(f, "except-interface=lo\nbind-dynamic\ninterface=%s\n", s->bridge);
	/* Isolated: no default route, no upstream DNS, RA routes of lifetime 0. */
	if (s->isolated)
		fputs("dhcp-option=3\nno-resolv\nra-param=*,0,0\n", f);
	if (dns)
		put_records(f, s);
	if (v4)
		leases += put_dhcp(f, v4);
	if (v6)
		leases += put_dhcp(f, v6);
	if (leases > 0)
		fprintf(f, "dhcp-lease-max=%d\n", leases);
	/* Written even when empty, so that hosts can be added live. */
	if (v4 || v6)
		fprintf(f, "dhcp-hostsfile=%s\n", p->hostsfile);
	if (dns)
		fprintf(f, "addn-hosts=%s\n", p->addnhosts);
	if (s->mtu)
		fprintf(f, "dhcp-option=option:mtu,%u\n", s->mtu);
	put_ra(f, s, v6);
}

int vu_dnsmasq_conf(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_paths *p,
		    char **out, struct vu_err *e)
{
	const struct vu_dnsmasq_ip *v4, *v6;
	struct buf b;
	int r;

	if ((r = vu_dnsmasq_check(s, e)) < 0)
		return r;
	if ((p->pidfile && !text_ok(p->pidfile)) || !text_ok(p->hostsfile) ||
	    !text_ok(p->addnhosts))
		return vu_err_set(e, EINVAL, "bad file path for the dnsmasq conf");
	dhcp_ips(s, &v4, &v6, NULL);
	if (buf_open(&b) < 0)
		return vu_err_set(e, ENOMEM, "out of memory");
	put_conf(b.f, s, p, v4, v6);
	return buf_close(&b, 0, out);
}

static void put_host(FILE *f, const struct vu_dnsmasq_host *h, int family)
{
	if (!h->ip)
		return;		/* libvirt lists only hosts with an address */
	if (family == AF_INET6) {
		if (h->id)
			fprintf(f, "id:%s%s", h->id, h->name ? "," : "");
		if (h->name)
			fputs(h->name, f);
		fputs(",[", f);
		put_canon(f, h->ip, AF_INET6);
		fputc(']', f);
	} else {
		if (h->mac)
			fprintf(f, "%s,", h->mac);
		else
			fprintf(f, "%s,", h->name);
		put_canon(f, h->ip, AF_INET);
		if (h->mac && h->name)
			fprintf(f, ",%s", h->name);
	}
	put_lease(f, &h->lease);
	fputc('\n', f);
}

int vu_dnsmasq_hostsfile(const struct vu_dnsmasq_spec *s, char **out, struct vu_err *e)
{
	const struct vu_dnsmasq_ip *v4, *v6;
	struct buf b;
	int r;

	if ((r = vu_dnsmasq_check(s, e)) < 0)
		return r;
	dhcp_ips(s, &v4, &v6, NULL);
	if (buf_open(&b) < 0)
		return vu_err_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; v4 && i < v4->nhosts; i++)
		put_host(b.f, &v4->hosts[i], AF_INET);
	for (size_t i = 0; v6 && i < v6->nhosts; i++)
		put_host(b.f, &v6->hosts[i], AF_INET6);
	return buf_close(&b, 0, out);
}

/* Whether dns host i's address was seen in an earlier one. */
static bool seen_before(const struct vu_dnsmasq_spec *s, size_t i)
{
	struct dm_addr a, b;

	dm_addr_parse(s->dns_hosts[i].ip, 0, &a);
	for (size_t j = 0; j < i; j++) {
		dm_addr_parse(s->dns_hosts[j].ip, 0, &b);
		if (a.family == b.family && memcmp(a.b, b.b, sizeof(a.b)) == 0)
			return true;
	}
	return false;
}

int vu_dnsmasq_addnhosts(const struct vu_dnsmasq_spec *s, char **out, struct vu_err *e)
{
	struct dm_addr a, b;
	struct buf bf;
	int r;

	if ((r = vu_dnsmasq_check(s, e)) < 0)
		return r;
	if (buf_open(&bf) < 0)
		return vu_err_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->ndns_hosts; i++) {
		if (seen_before(s, i))
			continue;
		dm_addr_parse(s->dns_hosts[i].ip, 0, &a);
		put_canon(bf.f, s->dns_hosts[i].ip, 0);
		fputc('\t', bf.f);
		/* this address's names from every entry that has it, in order */
		for (size_t j = i; j < s->ndns_hosts; j++) {
			dm_addr_parse(s->dns_hosts[j].ip, 0, &b);
			if (a.family != b.family || memcmp(a.b, b.b, sizeof(a.b)) != 0)
				continue;
			for (size_t k = 0; k < s->dns_hosts[j].nnames; k++)
				fprintf(bf.f, "%s\t", s->dns_hosts[j].names[k]);
		}
		fputc('\n', bf.f);
	}
	return buf_close(&bf, 0, out);
}
