/* SPDX-License-Identifier: GPL-2.0-or-later */
/* leases.c - net-ctl dhcp-leases: what the network's dnsmasq handed out,
 * in virsh net-dhcp-leases' table or as JSON */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/dnsmasq.h"
#include "vu/ident.h"
#include "vu/networkdb.h"
#include "vu/table.h"

#include "netctl.h"

enum { C_EXPIRY, C_MAC, C_PROTO, C_IP, C_HOST, C_CLIENT, C_COUNT };

static const struct vu_col cols[C_COUNT] = {
	[C_EXPIRY] = { "Expiry Time", "expiry", VU_COL_INT }	/* JSON: epoch seconds, 0 never */,
	[C_MAC] = { "MAC address", "mac", VU_COL_STR },
	[C_PROTO] = { "Protocol", "protocol", VU_COL_STR },
	[C_IP] = { "IP address", "ip", VU_COL_STR },
	[C_HOST] = { "Hostname", "hostname", VU_COL_STR },
	[C_CLIENT] = { "Client ID or DUID", "clientid", VU_COL_STR },
};

static void cell(struct vu_table *t, int col, const char *text)
{
	if ((text && *text ? vu_table_cell(t, col, text, 0) : vu_table_null(t, col, "-")) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

static void add_row(struct vu_table *t, const struct vu_dnsmasq_lease *l)
{
	char when[32] = "", ip[64];
	time_t tt = (time_t)l->expiry;
	struct tm tm;

	if (vu_table_row(t) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (l->expiry && localtime_r(&tt, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (vu_table_cell_int(t, C_EXPIRY, l->expiry ? when : "never", l->expiry) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	cell(t, C_MAC, l->mac);
	cell(t, C_PROTO, l->family == AF_INET6 ? "ipv6" : "ipv4");
	snprintf(ip, sizeof(ip), "%s/%u", l->ip, l->prefix);
	cell(t, C_IP, ip);
	cell(t, C_HOST, l->hostname);
	cell(t, C_CLIENT, l->clientid);
}

int nc_cmd_dhcp_leases(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv)), *dir = NULL, *bridge = NULL;
	struct vu_network *live = NULL;
	struct vu_dnsmasq_lease *l = NULL;
	struct vu_dnsmasq_run run = { .dirfd = -1 };
	struct nc_dns *d = NULL;
	struct vu_table *t = vu_table_new(cols, C_COUNT);
	struct vu_err e = { 0 };
	char mac[VU_MAC_STRLEN];
	size_t n = 0;
	int r;

	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (nc->set[O_MAC] && vu_mac_normalize(nc->arg[O_MAC], mac) < 0)
		vu_die_usage(VU_EXIT_USAGE, "dhcp-leases: invalid MAC address '%s'", nc->arg[O_MAC]);
	if ((r = vu_networkdb_load_live(nc_state(nc), name, &live, &e)) == 0 &&
	    (r = vu_network_get_bridge(live, &bridge)) == 0 &&
	    (r = nc_dns_build(live, name, bridge, &d, &e)) == 0 &&
	    (r = nc_dns_rundir(nc, &run, &dir, &e)) == 0)
		r = vu_dnsmasq_leases_read(&run, name, nc_dns_spec(d), &l, &n, &e);
	if (r == -ENOENT && live && !bridge)
		r = 0;	/* no bridge of its own: no dnsmasq, no leases */
	if (r < 0) {
		r = vu_fail(name, &e);
	} else {
		for (size_t i = 0; i < n; i++)
			if (!nc->set[O_MAC] || strcasecmp(l[i].mac, mac) == 0)
				add_row(t, &l[i]);
		if (nc->set[O_JSON])
			vu_table_print_json(t, stdout);
		else
			vu_table_print(t, stdout, !nc->quiet);
	}
	if (run.dirfd >= 0)
		close(run.dirfd);
	vu_dnsmasq_leases_free(l, n);
	vu_table_free(&t);
	nc_dns_free(&d);
	vu_network_free(&live);
	free(dir);
	free(bridge);
	free(name);
	return r;
}
