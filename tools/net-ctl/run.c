/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run.c - starting and destroying a network on the host: its model made
 * into a bridge spec, forwarding rules and a dnsmasq spec, in that order,
 * undone in the reverse order when a step fails or on destroy */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/bridge.h"
#include "vu/dnsmasq.h"
#include "vu/nat.h"
#include "vu/networkdb.h"

#include "netctl.h"

/* One start: what it knows and what it has done so far. */
struct run {
	struct net_ctl *nc;
	struct vu_network *live;	/* what the network runs with */
	char *name, *bridge;
	int fwd;
	struct vu_net_ip *ips;
	size_t nips;
	bool made_bridge, made_rules, made_dnsmasq;
};

static int nomem(struct vu_err *e)
{
	return vu_err_set(e, ENOMEM, "cannot allocate memory");
}

/* The bridges other networks name, which a new virbrN must not take. */
static int taken_bridges(struct run *r, char ***out, size_t *nout)
{
	const struct vu_state *st = nc_state(r->nc);
	char **names, **taken;
	size_t n, k = 0;

	if (vu_networkdb_list(st, VU_NETWORKDB_DEFINED | VU_NETWORKDB_ACTIVE, &names, &n) < 0)
		n = 0, names = NULL;
	taken = calloc(2 * n + 1, sizeof(*taken));
	if (!taken) {
		vu_networkdb_names_free(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct vu_network *net = NULL;

		if (strcmp(names[i], r->name) == 0)
			continue;
		if (vu_networkdb_load_live(st, names[i], &net, NULL) == 0 &&
		    vu_network_get_bridge(net, &taken[k]) == 0)
			k++;
		vu_network_free(&net);
		if (vu_networkdb_load(st, names[i], &net, NULL) == 0 &&
		    vu_network_get_bridge(net, &taken[k]) == 0)
			k++;
		vu_network_free(&net);
	}
	vu_networkdb_names_free(names);
	*out = taken;
	*nout = k;
	return 0;
}

/* The bridge's name: the XML's, else the next free virbrN (recorded in
 * the live XML, so destroy finds it). */
static int pick_bridge(struct run *r, struct vu_err *e)
{
	char buf[16], **taken;
	size_t n;
	int ret;

	if (vu_network_get_bridge(r->live, &r->bridge) == 0)
		return 0;
	if (taken_bridges(r, &taken, &n) < 0)
		return nomem(e);
	ret = vu_bridge_free_name("virbr%d", (const char *const *)taken, n, buf, sizeof(buf), e);
	vu_net_strv_free(taken);
	if (ret < 0)
		return ret;
	if (!(r->bridge = strdup(buf)) || vu_network_set_bridge(r->live, buf) < 0)
		return nomem(e);
	return 0;
}

/* Nothing of the host's may be in the way: an interface of the bridge's
 * name, or a route to one of the subnets. */
static int check_host(struct run *r, struct vu_err *e)
{
	int ret = vu_link_exists(r->bridge, e);

	if (ret < 0)
		return ret;
	if (ret == 1)
		return vu_err_set(e, EEXIST, "bridge %s is already in use by a host interface",
				  r->bridge);
	for (size_t i = 0; i < r->nips; i++) {
		struct vu_bridge_addr a = { r->ips[i].address, r->ips[i].prefix };

		if ((ret = vu_route_collision(&a, NULL, 0, e)) != 0)
			return ret < 0 ? ret : -EADDRINUSE;
	}
	return 0;
}

static int make_bridge(struct run *r, struct vu_err *e)
{
	struct vu_bridge_addr *addrs = calloc(r->nips + 1, sizeof(*addrs));
	char mac[VU_MAC_STRLEN];
	unsigned mtu = 0;
	int ret;

	if (!addrs)
		return nomem(e);
	for (size_t i = 0; i < r->nips; i++)
		addrs[i] = (struct vu_bridge_addr){ r->ips[i].address, r->ips[i].prefix };
	if (vu_network_get_mtu(r->live, &mtu) < 0)
		mtu = 0;
	struct vu_bridge_spec spec = {
		.name = r->bridge, .mac = vu_network_get_mac(r->live, mac) == 0 ? mac : NULL,
		.mtu = mtu, .stp = vu_network_get_stp(r->live),
		.delay = (unsigned)vu_network_get_delay(r->live), .addrs = addrs,
		.naddrs = r->nips,
	};
	ret = vu_bridge_create(&spec, e);
	free(addrs);
	if (ret == 0)
		r->made_bridge = true;
	return ret;
}

/* Routed and NATed networks need the kernel to forward their families. */
static int enable_forwarding(struct run *r, struct vu_err *e)
{
	bool v4 = false, v6 = false;
	int ret;

	if (r->fwd != VU_NET_NAT && r->fwd != VU_NET_ROUTE && r->fwd != VU_NET_OPEN)
		return 0;
	for (size_t i = 0; i < r->nips; i++) {
		v4 |= r->ips[i].family == AF_INET;
		v6 |= r->ips[i].family == AF_INET6;
	}
	if (v4 && (ret = vu_ip_forward_enable(AF_INET, 0, e)) < 0)
		return ret;
	if (v6 && (ret = vu_ip_forward_enable(AF_INET6, 0, e)) < 0)
		return ret;
	return 0;
}

/* The live state says which rules were loaded: RUN/networks/NAME.nft,
 * as vu_nat_render prints them (what vu_nat_apply loaded). */
static int record_rules(struct run *r, const struct vu_nat_spec *spec, struct vu_err *e)
{
	char *text = NULL;
	int ret = vu_nat_render(spec, 0, &text, e);

	if (ret == 0)
		ret = vu_networkdb_set_rules(nc_state(r->nc), r->name, text, e);
	free(text);
	return ret;
}

static int apply_rules(struct run *r, struct vu_err *e)
{
	struct nc_nat *n = NULL;
	int ret = nc_nat_build(r->live, r->name, r->bridge, &n, e);

	if (ret < 0 || !n)
		return ret;	/* open networks have no rules */
	ret = vu_nat_apply(nc_nat_spec(n), e);
	if (ret == 0) {
		r->made_rules = true;
		ret = record_rules(r, nc_nat_spec(n), e);
	}
	nc_nat_free(&n);
	return ret;
}

static int start_dnsmasq(struct run *r, struct vu_err *e)
{
	struct vu_dnsmasq_run run;
	struct nc_dns *d = NULL;
	char *dir = NULL;
	pid_t pid;
	int ret;

	if (!r->nips)
		return 0;
	if ((ret = nc_dns_build(r->live, r->name, r->bridge, &d, e)) < 0)
		return ret;
	if ((ret = nc_dns_rundir(r->nc, &run, &dir, e)) == 0) {
		ret = vu_dnsmasq_start(nc_dns_spec(d), &run, &pid, e);
		close(run.dirfd);
	}
	if (ret == 0)
		r->made_dnsmasq = true;
	nc_dns_free(&d);
	free(dir);
	return ret;
}

int nc_dns_rundir(struct net_ctl *nc, struct vu_dnsmasq_run *run, char **path,
		  struct vu_err *e)
{
	const struct vu_state *st = nc_state(nc);
	int runfd = vu_state_dirfd(st, VU_STATE_RUN), fd, err;

	if (asprintf(path, "%s/dnsmasq", st->run) < 0)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (mkdirat(runfd, "dnsmasq", 0755) < 0 && errno != EEXIST)
		goto fail;
	fd = openat(runfd, "dnsmasq", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	/* dnsmasq runs as nobody and re-reads its hosts files from here. */
	if (fchmod(fd, 0755) < 0) {
		close(fd);
		goto fail;
	}
	*run = (struct vu_dnsmasq_run){ .dirfd = fd, .dir = *path };
	return 0;
fail:
	err = errno;
	vu_err_set(e, err, "%s: %s", *path, strerror(err));
	free(*path);
	*path = NULL;
	return -err;
}

/* Stops the network's dnsmasq, if any; 0 when none ran. */
static int stop_dnsmasq(struct net_ctl *nc, const char *name, struct vu_err *e)
{
	struct vu_dnsmasq_run run;
	char *dir = NULL;
	int ret = nc_dns_rundir(nc, &run, &dir, e);

	if (ret == 0) {
		ret = vu_dnsmasq_stop(&run, name, e);
		close(run.dirfd);
	}
	free(dir);
	return ret;
}

/* Takes back what this start did, newest first; errors are not the
 * user's concern here, the first failure is. */
static void undo(struct run *r)
{
	if (r->made_dnsmasq)
		stop_dnsmasq(r->nc, r->name, NULL);
	if (r->made_rules) {
		vu_nat_remove(r->name, NULL);
		vu_networkdb_set_rules(nc_state(r->nc), r->name, NULL, NULL);
	}
	if (r->made_bridge)
		vu_bridge_delete(r->bridge, NULL);
}

/* <forward mode='bridge'> joins a host bridge that must be there. */
static int check_host_bridge(struct run *r, struct vu_err *e)
{
	int ret;

	if (r->fwd != VU_NET_BRIDGE)
		return 0;
	if (vu_network_get_bridge(r->live, &r->bridge) < 0)
		return vu_err_set(e, EINVAL, "forward mode 'bridge' needs a <bridge name>");
	if ((ret = vu_link_exists(r->bridge, e)) < 0)
		return ret;
	return ret ? 0 : vu_err_set(e, ENODEV, "bridge %s does not exist", r->bridge);
}

static int steps(struct run *r, struct vu_err *e)
{
	const struct vu_state *st = nc_state(r->nc);
	int ret;

	if ((r->fwd = vu_network_get_forward(r->live)) < 0)
		return vu_err_set(e, EINVAL, "unknown forward mode");
	if ((ret = vu_network_get_ips(r->live, &r->ips, &r->nips, e)) < 0)
		return ret;
	if (!vu_net_forward_has_bridge(r->fwd)) {
		if ((ret = check_host_bridge(r, e)) < 0 ||
		    (ret = vu_networkdb_check_unique(st, r->live, e)) < 0)
			return ret;
		return vu_networkdb_set_live(st, r->live, e);
	}
	if ((ret = pick_bridge(r, e)) < 0 || (ret = vu_networkdb_check_unique(st, r->live, e)) < 0 ||
	    (ret = check_host(r, e)) < 0 || (ret = make_bridge(r, e)) < 0 ||
	    (ret = enable_forwarding(r, e)) < 0 || (ret = apply_rules(r, e)) < 0 ||
	    (ret = start_dnsmasq(r, e)) < 0)
		return ret;
	return vu_networkdb_set_live(st, r->live, e);
}

int nc_run_start(struct net_ctl *nc, const struct vu_network *net, struct vu_err *e)
{
	struct run r = { .nc = nc };
	int ret;

	if (vu_network_copy(&r.live, net) < 0 || vu_network_get_name(net, &r.name) < 0)
		ret = nomem(e);
	else if ((ret = steps(&r, e)) < 0)
		undo(&r);
	vu_net_ips_free(r.ips, r.nips);
	vu_network_free(&r.live);
	free(r.name);
	free(r.bridge);
	return ret;
}

/* Each step is tried whatever the others did, so that destroy leaves as
 * little as it can; the first failure is the one reported. */
int nc_run_destroy(struct net_ctl *nc, const char *name, struct vu_err *e)
{
	const struct vu_state *st = nc_state(nc);
	struct vu_network *live = NULL;
	struct vu_err e2 = { 0 };
	char *bridge = NULL;
	int ret, first = 0, fwd;

	if ((ret = vu_networkdb_load_live(st, name, &live, e)) < 0)
		return ret;
	fwd = vu_network_get_forward(live);
	if (fwd >= 0 && vu_net_forward_has_bridge(fwd)) {
		if ((ret = stop_dnsmasq(nc, name, e)) < 0)
			first = ret;
		if ((ret = vu_nat_remove(name, first ? &e2 : e)) < 0 && ret != -ENOENT && !first)
			first = ret;
		if (vu_network_get_bridge(live, &bridge) == 0 &&
		    (ret = vu_bridge_delete(bridge, first ? &e2 : e)) < 0 && ret != -ENODEV &&
		    !first)
			first = ret;
	}
	free(bridge);
	vu_network_free(&live);
	if (first)
		return first;
	return vu_networkdb_clear_live(st, name, e);
}
