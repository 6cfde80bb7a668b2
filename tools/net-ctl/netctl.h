/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netctl.h - net-ctl's parsed command line, its commands, and the helpers
 * they share */
#ifndef NETCTL_H
#define NETCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "vu/cmd.h"
#include "vu/networkxml.h"
#include "vu/state.h"

/* Every option, by id; a command lists the ones it takes in its row's opts. */
enum nc_opt {
	O_ALL, O_INACTIVE, O_NAME_FLAG, O_UUID, O_JSON, O_DISABLE, O_LIVE, O_CONFIG,
	O_CURRENT, O_PARENT_INDEX, O_MAC, O_NETWORK, O_PERSISTENT, O_TRANSIENT, O_AUTOSTART,
	O_NO_AUTOSTART,
	O_COUNT
};

#define OPT(o) (1ull << (o))

/* net-ctl's vu_cmd flag: the command may touch the host's network
 * (bridges, rules, dnsmasq) and keeps the capabilities for it. */
#define NC_F_NET 0x1u

/* The parsed command line, the ctx of every command. */
struct net_ctl {
	const struct vu_cmd *cmd;
	const char *root;
	bool quiet, verbose;
	bool state_open;
	struct vu_state st;
	bool set[O_COUNT];
	const char *arg[O_COUNT];
};

/* main.c */
/* The state root, prepared on first use (`default` is defined then). */
const struct vu_state *nc_state(struct net_ctl *nc);
/* virsh's confirmation lines, on stdout unless -q. */
/* "net-ctl: object: msg" and status 1. */
/* The network operand (--network or the first operand). */
const char *nc_net_ref(struct net_ctl *nc, int argc, char **argv);
/* The name of the network REF names (its name or its UUID), malloc'd;
 * dies with status 1 when there is none. */
char *nc_lookup(struct net_ctl *nc, const char *ref);
/* Prints an XML string (owned). */
int nc_print_xml(char *xml);

/* cmds.c */
int nc_cmd_define(void *ctx, int argc, char **argv);
int nc_cmd_undefine(void *ctx, int argc, char **argv);
int nc_cmd_create(void *ctx, int argc, char **argv);
int nc_cmd_start(void *ctx, int argc, char **argv);
int nc_cmd_destroy(void *ctx, int argc, char **argv);
int nc_cmd_autostart(void *ctx, int argc, char **argv);
int nc_cmd_start_all(void *ctx, int argc, char **argv);
int nc_cmd_list(void *ctx, int argc, char **argv);
int nc_cmd_info(void *ctx, int argc, char **argv);
int nc_cmd_dumpxml(void *ctx, int argc, char **argv);
int nc_cmd_uuid(void *ctx, int argc, char **argv);
int nc_cmd_name(void *ctx, int argc, char **argv);

/* edit.c */
int nc_cmd_edit(void *ctx, int argc, char **argv);

/* update.c */
int nc_cmd_update(void *ctx, int argc, char **argv);

/* leases.c */
int nc_cmd_dhcp_leases(void *ctx, int argc, char **argv);

/* run.c: the host side of a running network */
struct vu_dnsmasq_spec;
struct vu_dnsmasq_run;
/* Starts net (a definition, or a transient document) as described in
 * run.c; on failure nothing is left and e says why. */
int nc_run_start(struct net_ctl *nc, const struct vu_network *net, struct vu_err *e);
/* Undoes everything the running network NAME has on the host. */
int nc_run_destroy(struct net_ctl *nc, const char *name, struct vu_err *e);

/* dns.c: the dnsmasq spec of a network, with the storage it borrows from. */
struct nc_dns;
int nc_dns_build(const struct vu_network *net, const char *name, const char *bridge,
		 struct nc_dns **out, struct vu_err *e);
const struct vu_dnsmasq_spec *nc_dns_spec(const struct nc_dns *d);
void nc_dns_free(struct nc_dns **d);
/* rules.c: the forwarding rules of a network on bridge: *out NULL when it has none
 * (open, and the modes without a bridge of their own). */
struct nc_nat;
struct vu_nat_spec;
int nc_nat_build(const struct vu_network *net, const char *name, const char *bridge,
		 struct nc_nat **out, struct vu_err *e);
const struct vu_nat_spec *nc_nat_spec(const struct nc_nat *n);
void nc_nat_free(struct nc_nat **n);
/* run.c: the dnsmasq run directory RUN/dnsmasq (0755: dnsmasq drops to nobody);
 * run->dirfd is the caller's to close. */
int nc_dns_rundir(struct net_ctl *nc, struct vu_dnsmasq_run *run, char **path,
		  struct vu_err *e);

#endif
