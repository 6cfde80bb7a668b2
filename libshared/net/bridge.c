/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bridge.c - a virtual network's bridge by rtnetlink (libnl-route-3) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "vu/base.h"
#include "vu/bridge.h"

/* libvirt's limit for virbrN (MAX_BRIDGE_ID). */
#define VU_BRIDGE_MAX_ID 256

/* libnl reports its own codes; the callers want errno. */
static int nlerr_errno(int nlerr)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_EXIST, EEXIST }, { NLE_PERM, EPERM }, { NLE_NOACCESS, EACCES },
		{ NLE_OBJ_NOTFOUND, ENODEV }, { NLE_NODEV, ENODEV }, { NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE }, { NLE_NOMEM, ENOMEM }, { NLE_BUSY, EBUSY },
		{ NLE_AGAIN, EAGAIN }, { NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT }, { NLE_MSGSIZE, EMSGSIZE },
		{ NLE_NOADDR, EADDRNOTAVAIL }, { NLE_MSG_TOOSHORT, EMSGSIZE },
	};

	if (nlerr < 0)
		nlerr = -nlerr;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].nle == nlerr)
			return map[i].err;
	return EIO;
}

/* "NAME: strerror", or the capability for EPERM; returns -err. */
static int fail(struct vu_err *e, const char *name, int err)
{
	if (err < 0)
		err = -err;
	if (err == EPERM || err == EACCES)
		return vu_err_set(e, err, "%s: %s (needs CAP_NET_ADMIN)", name, strerror(err));
	return vu_err_set(e, err, "%s: %s", name, strerror(err));
}

static int fail_nl(struct vu_err *e, const char *name, int nlerr)
{
	return fail(e, name, nlerr_errno(nlerr));
}

static int sock_open(struct nl_sock **sk, const char *name, struct vu_err *e)
{
	int r;

	*sk = nl_socket_alloc();
	if (!*sk)
		return vu_err_set(e, ENOMEM, "%s: cannot allocate a netlink socket", name);
	r = nl_connect(*sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return fail_nl(e, name, r);
	}
	return 0;
}

/* 1 and *link (the caller's to put) when NAME exists, 0 when not, -errno. */
static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **link,
		    struct vu_err *e)
{
	int r = rtnl_link_get_kernel(sk, 0, name, link);

	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV)
		return 0;
	if (r < 0)
		return fail_nl(e, name, r);
	return 1;
}

/*
 * One RTM_NEWLINK with everything the bridge needs at creation. libnl 3.7
 * has no setter for IFLA_BR_*, so the linkinfo is built by hand. The kernel
 * applies IFLA_BR_FORWARD_DELAY before IFLA_BR_STP_STATE (the order libvirt
 * uses too); starting kernel STP then raises a delay under 2 s to 2 s.
 */
static int newlink(struct nl_sock *sk, const struct vu_bridge_spec *s, struct vu_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	struct nlattr *info, *data;
	unsigned char mac[6];
	int r = -NLE_NOMEM;

	if (s->mac && sscanf(s->mac, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1],
			     &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		return vu_err_set(e, EINVAL, "%s: invalid MAC address '%s'", s->name, s->mac);
	if (s->mac && strlen(s->mac) != 17)
		return vu_err_set(e, EINVAL, "%s: invalid MAC address '%s'", s->name, s->mac);
	if (s->delay > 30)
		return vu_err_set(e, ERANGE, "%s: forward delay %u s is over 30 s", s->name,
				  s->delay);
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return vu_err_set(e, ENOMEM, "%s: out of memory", s->name);
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, s->name) < 0 ||
	    (s->mtu && nla_put_u32(msg, IFLA_MTU, s->mtu) < 0) ||
	    (s->mac && nla_put(msg, IFLA_ADDRESS, sizeof(mac), mac) < 0))
		goto out;
	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0)
		goto out;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	/* clock_t units: the kernel's USER_HZ is 100 */
	if (!data || nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, s->delay * 100) < 0 ||
	    nla_put_u32(msg, IFLA_BR_STP_STATE, s->stp ? 1 : 0) < 0)
		goto out;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	r = nl_send_auto(sk, msg);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
out:
	nlmsg_free(msg);
	return r < 0 ? fail_nl(e, s->name, r) : 0;
}

/* IPv4 broadcast of addr/prefix, as `ip addr add ... brd +` and libvirt set it. */
static struct nl_addr *broadcast4(const struct in_addr *a, unsigned int prefix)
{
	struct in_addr b = *a;

	if (prefix < 31)
		b.s_addr |= htonl(prefix ? 0xffffffffu >> prefix : 0xffffffffu);
	return nl_addr_build(AF_INET, &b, sizeof(b));
}

static int addr_build(const struct vu_bridge_addr *a, int ifindex, struct rtnl_addr **out,
		      const char *name, struct vu_err *e)
{
	unsigned char buf[sizeof(struct in6_addr)];
	int family = strchr(a->addr ? a->addr : "", ':') ? AF_INET6 : AF_INET;
	struct nl_addr *local = NULL, *brd = NULL;
	struct rtnl_addr *ra;

	if (!a->addr || inet_pton(family, a->addr, buf) != 1)
		return vu_err_set(e, EINVAL, "%s: invalid IP address '%s'", name,
				  a->addr ? a->addr : "(null)");
	if (a->prefix > (family == AF_INET ? 32u : 128u))
		return vu_err_set(e, EINVAL, "%s: invalid prefix %u for %s", name, a->prefix,
				  a->addr);
	ra = rtnl_addr_alloc();
	local = nl_addr_build(family, buf, family == AF_INET ? 4 : 16);
	if (family == AF_INET)
		brd = broadcast4((const struct in_addr *)buf, a->prefix);
	if (!ra || !local || (family == AF_INET && !brd)) {
		rtnl_addr_put(ra);
		nl_addr_put(local);
		nl_addr_put(brd);
		return vu_err_set(e, ENOMEM, "%s: out of memory", name);
	}
	nl_addr_set_prefixlen(local, (int)a->prefix);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, (int)a->prefix);
	if (brd)
		rtnl_addr_set_broadcast(ra, brd);
	else
		/* no DAD: with no port the bridge has no carrier, and a tentative
		 * address would keep dnsmasq from binding it */
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	nl_addr_put(local);
	nl_addr_put(brd);
	*out = ra;
	return 0;
}

static int addrs_add(struct nl_sock *sk, const struct vu_bridge_spec *s, int ifindex,
		     struct vu_err *e)
{
	for (size_t i = 0; i < s->naddrs; i++) {
		struct rtnl_addr *ra = NULL;
		int r = addr_build(&s->addrs[i], ifindex, &ra, s->name, e);

		if (r < 0)
			return r;
		r = rtnl_addr_add(sk, ra, NLM_F_EXCL);
		rtnl_addr_put(ra);
		if (r < 0) {
			r = nlerr_errno(r);
			if (r == EPERM)
				return fail(e, s->name, r);
			return vu_err_set(e, r, "%s: address %s/%u: %s", s->name,
					  s->addrs[i].addr, s->addrs[i].prefix, strerror(r));
		}
	}
	return 0;
}

static int link_up(struct nl_sock *sk, struct rtnl_link *link, const char *name,
		   struct vu_err *e)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return vu_err_set(e, ENOMEM, "%s: out of memory", name);
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	return r < 0 ? fail_nl(e, name, r) : 0;
}

static int link_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	r = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	return r < 0 ? -nlerr_errno(r) : 0;
}

/* After the bridge exists: addresses, then up; a failure deletes it again. */
static int bridge_finish(struct nl_sock *sk, const struct vu_bridge_spec *s,
			 struct vu_err *e)
{
	struct rtnl_link *link = NULL;
	int r = link_get(sk, s->name, &link, e);

	if (r == 0)
		r = fail(e, s->name, ENODEV);
	if (r > 0)
		r = addrs_add(sk, s, rtnl_link_get_ifindex(link), e);
	if (r == 0)
		r = link_up(sk, link, s->name, e);
	rtnl_link_put(link);
	if (r < 0)
		link_delete(sk, s->name);
	return r < 0 ? r : 0;
}

int vu_bridge_create(const struct vu_bridge_spec *spec, struct vu_err *e)
{
	struct nl_sock *sk;
	int r;

	if (!spec)
		return vu_err_set(e, EINVAL, "no bridge given");
	r = vu_ifname_check(spec->name, e);
	if (r < 0)
		return r;
	if (spec->naddrs && !spec->addrs)
		return vu_err_set(e, EINVAL, "%s: no addresses given", spec->name);
	r = sock_open(&sk, spec->name, e);
	if (r < 0)
		return r;
	r = newlink(sk, spec, e);
	if (r == 0)
		r = bridge_finish(sk, spec, e);
	nl_socket_free(sk);
	return r;
}

static bool is_bridge(struct rtnl_link *link)
{
	const char *kind = rtnl_link_get_type(link);

	return kind && !strcmp(kind, "bridge");
}

/*
 * The steps before acting on the link NAME: the name checked, a route
 * socket, the link looked up (link_get's 1 or 0, *link NULL when none).
 * On an error nothing is held; else the caller puts *link and frees *sk.
 */
static int link_open(const char *name, struct nl_sock **sk, struct rtnl_link **link,
		     struct vu_err *e)
{
	int r = vu_ifname_check(name, e);

	*link = NULL;
	if (r < 0 || (r = sock_open(sk, name, e)) < 0)
		return r;
	r = link_get(*sk, name, link, e);
	if (r < 0) {
		rtnl_link_put(*link);
		nl_socket_free(*sk);
	}
	return r;
}

int vu_bridge_delete(const char *name, struct vu_err *e)
{
	struct rtnl_link *link;
	struct nl_sock *sk;
	int r = link_open(name, &sk, &link, e);

	if (r < 0)
		return r;
	if (r == 0)
		r = fail(e, name, ENODEV);
	else if (r > 0 && !is_bridge(link))
		r = vu_err_set(e, EINVAL, "%s: not a bridge", name);
	else if (r > 0) {
		r = link_delete(sk, name);
		if (r < 0)
			fail(e, name, r);
	}
	rtnl_link_put(link);
	nl_socket_free(sk);
	return r < 0 ? r : 0;
}

int vu_link_exists(const char *name, struct vu_err *e)
{
	struct rtnl_link *link;
	struct nl_sock *sk;
	int r = link_open(name, &sk, &link, e);

	if (r < 0)
		return r;
	rtnl_link_put(link);
	nl_socket_free(sk);
	return r;
}

/* Splits PATTERN at its one "%d"; -EINVAL for anything else. */
static int pattern_split(const char *pattern, size_t *pre, const char **post)
{
	const char *p = pattern ? strchr(pattern, '%') : NULL;

	if (!p || p[1] != 'd' || strchr(p + 2, '%'))
		return -EINVAL;
	*pre = (size_t)(p - pattern);
	*post = p + 2;
	return 0;
}

static bool name_taken(const char *name, const char *const *taken, size_t ntaken)
{
	for (size_t i = 0; i < ntaken; i++)
		if (taken[i] && !strcmp(taken[i], name))
			return true;
	return false;
}

int vu_bridge_free_name(const char *pattern, const char *const *taken, size_t ntaken,
			char *buf, size_t len, struct vu_err *e)
{
	char name[IFNAMSIZ];
	struct nl_sock *sk;
	const char *post;
	size_t pre;
	int r;

	if (pattern_split(pattern, &pre, &post) < 0)
		return vu_err_set(e, EINVAL, "%s: a bridge name pattern has one %%d",
				  pattern ? pattern : "(null)");
	r = sock_open(&sk, pattern, e);
	if (r < 0)
		return r;
	r = -ENOSPC;
	for (int id = 0; id < VU_BRIDGE_MAX_ID && r == -ENOSPC; id++) {
		int n = snprintf(name, sizeof(name), "%.*s%d%s", (int)pre, pattern, id, post);

		if (n < 0 || (size_t)n >= sizeof(name)) {
			r = vu_err_set(e, EINVAL, "%s: names too long for an interface", pattern);
			break;
		}
		if (name_taken(name, taken, ntaken) || vu_ifname_check(name, NULL) < 0)
			continue;
		struct rtnl_link *link = NULL;
		int got = link_get(sk, name, &link, e);

		rtnl_link_put(link);
		if (got < 0)
			r = got;
		else if (got == 0)
			r = 0;
	}
	nl_socket_free(sk);
	if (r == -ENOSPC)
		return vu_err_set(e, ENOSPC, "%s: all %d names are in use", pattern,
				  VU_BRIDGE_MAX_ID);
	if (r < 0)
		return r;
	if (strlen(name) >= len)
		return vu_err_set(e, ERANGE, "%s: buffer too small", name);
	memcpy(buf, name, strlen(name) + 1);
	return 0;
}

/* ---- routes ---- */

struct route_walk {
	int family;
	unsigned char net[16];	/* the subnet's network address */
	unsigned int prefix;
	char ifname[IF_NAMESIZE];	/* the first interface routing it */
};

static void route_match(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct route_walk *w = arg;
	struct rtnl_nexthop *nh;
	size_t alen = w->family == AF_INET ? 4 : 16;

	if (w->ifname[0] || !dst || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(rt) != RTN_UNICAST ||
	    nl_addr_get_prefixlen(dst) != w->prefix || nl_addr_get_len(dst) != alen ||
	    memcmp(nl_addr_get_binary_addr(dst), w->net, alen) ||
	    rtnl_route_get_nnexthops(rt) < 1)
		return;
	nh = rtnl_route_nexthop_n(rt, 0);
	if (!nh || !if_indextoname((unsigned int)rtnl_route_nh_get_ifindex(nh), w->ifname))
		snprintf(w->ifname, sizeof(w->ifname), "?");
}

int vu_route_collision(const struct vu_bridge_addr *a, char *ifname, size_t len,
		       struct vu_err *e)
{
	struct route_walk w = { .prefix = a ? a->prefix : 0 };
	struct nl_cache *cache = NULL;
	char text[INET6_ADDRSTRLEN] = "";
	struct nl_sock *sk;
	unsigned int bits;
	int r;

	w.family = a && a->addr && strchr(a->addr, ':') ? AF_INET6 : AF_INET;
	bits = w.family == AF_INET ? 32 : 128;
	if (!a || !a->addr || a->prefix > bits || inet_pton(w.family, a->addr, w.net) != 1)
		return vu_err_set(e, EINVAL, "%s/%u: not an IP address and prefix",
				  a && a->addr ? a->addr : "(null)", a ? a->prefix : 0);
	for (unsigned int i = 0; i < bits / 8; i++) {
		unsigned int keep = a->prefix > i * 8 ? a->prefix - i * 8 : 0;

		if (keep < 8)
			w.net[i] &= (unsigned char)(0xff00u >> keep);
	}
	inet_ntop(w.family, w.net, text, sizeof(text));
	r = sock_open(&sk, text, e);
	if (r < 0)
		return r;
	r = rtnl_route_alloc_cache(sk, w.family, 0, &cache);
	nl_socket_free(sk);
	if (r < 0)
		return vu_err_set(e, nlerr_errno(r), "cannot list routes: %s",
				  strerror(nlerr_errno(r)));
	nl_cache_foreach(cache, route_match, &w);
	nl_cache_free(cache);
	if (!w.ifname[0])
		return 0;
	if (ifname && len)
		snprintf(ifname, len, "%s", w.ifname);
	vu_err_set(e, EADDRINUSE, "%s/%u: network is already in use by interface %s", text,
		   a->prefix, w.ifname);
	return 1;
}

/* ---- forwarding sysctls ---- */

/* Reads the integer in PATH into *val; 0 or -errno. */
static int sysctl_read(const char *path, int *val)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*val = atoi(buf);
	return 0;
}

/* Writes VAL to PATH unless it holds it already; 0 or -errno (e filled). */
static int sysctl_set(const char *path, int val, struct vu_err *e)
{
	char buf[16];
	int cur, fd, n, r;

	if (sysctl_read(path, &cur) == 0 && cur == val)
		return 0;
	n = snprintf(buf, sizeof(buf), "%d\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		r = -errno;
	else {
		r = write(fd, buf, (size_t)n) == n ? 0 : -errno;
		if (close(fd) < 0 && r == 0)
			r = -errno;
	}
	if (r == -EPERM || r == -EACCES)
		return vu_err_set(e, -r, "%s: %s (needs CAP_NET_ADMIN)", path, strerror(-r));
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	return 0;
}

/* The walk over the IPv6 routes for RA-learned default routes. */
struct ra_walk {
	bool fix;		/* set accept_ra 2, else list the interfaces */
	struct vu_err err;	/* the first failure to set it */
	char bad[200];		/* "eth0, wlan0" whose accept_ra is 1 */
};

/* One route: if it is a default route from an RA on an interface whose
 * accept_ra is 1, fix it (1 -> 2) or note the interface. */
static void ra_route_check(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct ra_walk *w = arg;
	char path[PATH_MAX], ifname[IF_NAMESIZE];
	struct rtnl_nexthop *nh;
	size_t len = strlen(w->bad);
	int ra;

	if (w->err.code || rtnl_route_get_protocol(rt) != RTPROT_RA ||
	    (dst && nl_addr_get_prefixlen(dst) != 0) || rtnl_route_get_nnexthops(rt) < 1)
		return;
	nh = rtnl_route_nexthop_n(rt, 0);
	if (!nh || !if_indextoname((unsigned int)rtnl_route_nh_get_ifindex(nh), ifname))
		return;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", ifname);
	if (sysctl_read(path, &ra) < 0 || ra != 1)
		return;
	if (w->fix)
		sysctl_set(path, 2, &w->err);
	else
		snprintf(w->bad + len, sizeof(w->bad) - len, "%s%s", len ? ", " : "", ifname);
}

static int ipv6_accept_ra_check(bool fix, struct vu_err *e)
{
	struct nl_cache *cache = NULL;
	struct ra_walk w = { .fix = fix };
	struct nl_sock *sk;
	int r = sock_open(&sk, "ipv6", e);

	if (r < 0)
		return r;
	r = rtnl_route_alloc_cache(sk, AF_INET6, 0, &cache);
	nl_socket_free(sk);
	if (r < 0)
		return vu_err_set(e, nlerr_errno(r), "cannot list IPv6 routes: %s",
				  strerror(nlerr_errno(r)));
	nl_cache_foreach(cache, ra_route_check, &w);
	nl_cache_free(cache);
	if (w.err.code) {
		if (e)
			*e = w.err;
		return -w.err.code;
	}
	if (w.bad[0])
		return vu_err_set(e, EBUSY, "IPv6 forwarding would make the kernel ignore "
				  "router advertisements on %s: set accept_ra to 2 there",
				  w.bad);
	return 0;
}

int vu_ip_forward_enable(int family, unsigned int flags, struct vu_err *e)
{
	int r;

	if (family == AF_INET)
		return sysctl_set("/proc/sys/net/ipv4/ip_forward", 1, e);
	if (family != AF_INET6)
		return vu_err_set(e, EAFNOSUPPORT, "forwarding: not IPv4 or IPv6");
	r = ipv6_accept_ra_check(flags & VU_FWD_FIX_ACCEPT_RA, e);
	if (r < 0)
		return r;
	return sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", 1, e);
}

/* The bridge's ifindex and MTU; -ENODEV "BR: no such bridge" when absent
 * or not a bridge. */
static int bridge_info(struct nl_sock *sk, const char *bridge, int *ifindex, unsigned *mtu,
		       struct vu_err *e)
{
	struct rtnl_link *br = NULL;
	const char *kind;
	int r = link_get(sk, bridge, &br, e);

	if (r < 0)
		return r;
	kind = r ? rtnl_link_get_type(br) : NULL;
	if (!kind || strcmp(kind, "bridge")) {
		rtnl_link_put(br);
		return vu_err_set(e, ENODEV, "%s: no such bridge", bridge);
	}
	*ifindex = rtnl_link_get_ifindex(br);
	*mtu = rtnl_link_get_mtu(br);
	rtnl_link_put(br);
	return 0;
}

int vu_bridge_add_port(const char *bridge, const char *ifname, const char *mac, unsigned mtu,
		       struct vu_err *e)
{
	struct rtnl_link *port = NULL, *chg = NULL;
	struct nl_addr *addr = NULL;
	struct nl_sock *sk;
	unsigned char hw[6];
	unsigned brmtu = 0;
	int brindex = 0, r;

	if (mac && (strlen(mac) != 17 || sscanf(mac, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &hw[0],
						&hw[1], &hw[2], &hw[3], &hw[4], &hw[5]) != 6))
		return vu_err_set(e, EINVAL, "%s: invalid MAC address '%s'", ifname, mac);
	if ((r = sock_open(&sk, ifname, e)) < 0)
		return r;
	if (bridge && (r = bridge_info(sk, bridge, &brindex, &brmtu, e)) < 0)
		goto out;
	if ((r = link_get(sk, ifname, &port, e)) <= 0) {
		r = r ? r : vu_err_set(e, ENODEV, "%s: no such interface", ifname);
		goto out;
	}
	chg = rtnl_link_alloc();
	addr = mac ? nl_addr_build(AF_LLC, hw, sizeof(hw)) : NULL;
	if (!chg || (mac && !addr)) {
		r = vu_err_set(e, ENOMEM, "%s: out of memory", ifname);
		goto out;
	}
	if (addr)
		rtnl_link_set_addr(chg, addr);
	if (mtu || brmtu)
		rtnl_link_set_mtu(chg, mtu ? mtu : brmtu);
	if (brindex)
		rtnl_link_set_master(chg, brindex);
	rtnl_link_set_flags(chg, IFF_UP);
	r = rtnl_link_change(sk, port, chg, 0);
	r = r < 0 ? fail_nl(e, ifname, r) : 0;
out:
	nl_addr_put(addr);
	rtnl_link_put(chg);
	rtnl_link_put(port);
	nl_socket_free(sk);
	return r;
}
