/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net-ctl - virtual networks, as virsh net-* */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/file.h"
#include "vu/ident.h"
#include "vu/networkdb.h"
#include "vu/opts.h"

#include "netctl.h"

/* Long-only options outside the per-command set. */
enum { OPT_ROOT = CHAR_MAX + 1, OPT_BASE };

static const struct vu_cmd_optdef optdefs[O_COUNT] = {
	[O_ALL] = { "all", no_argument }, [O_INACTIVE] = { "inactive", no_argument },
	[O_NAME_FLAG] = { "name", no_argument }, [O_UUID] = { "uuid", no_argument },
	[O_JSON] = { "json", no_argument }, [O_DISABLE] = { "disable", no_argument },
	[O_LIVE] = { "live", no_argument }, [O_CONFIG] = { "config", no_argument },
	[O_CURRENT] = { "current", no_argument },
	[O_PARENT_INDEX] = { "parent-index", required_argument },
	[O_MAC] = { "mac", required_argument }, [O_NETWORK] = { "network", required_argument },
	[O_PERSISTENT] = { "persistent", no_argument },
	[O_TRANSIENT] = { "transient", no_argument },
	[O_AUTOSTART] = { "autostart", no_argument },
	[O_NO_AUTOSTART] = { "no-autostart", no_argument },
};

#define N OPT(O_NETWORK)
#define NET_ARG "NET"

static const struct vu_cmd cmds[] = {
	{ .name = "define", .run = nc_cmd_define, .usage = "FILE|-",
	  .help = "define a network from an XML file", .min_args = 1, .max_args = 1 },
	{ .name = "undefine", .run = nc_cmd_undefine, .opts = N, .usage = NET_ARG,
	  .help = "remove a network's definition (a running one goes on, transient)",
	  .max_args = 1 },
	{ .name = "create", .run = nc_cmd_create, .usage = "FILE|-",
	  .help = "create and start a transient network from an XML file", .flags = NC_F_NET,
	  .min_args = 1, .max_args = 1 },
	{ .name = "start", .run = nc_cmd_start, .opts = N, .usage = NET_ARG,
	  .help = "start an inactive network", .flags = NC_F_NET, .max_args = 1 },
	{ .name = "destroy", .run = nc_cmd_destroy, .opts = N, .usage = NET_ARG,
	  .help = "stop a network (its bridge, rules and dnsmasq go)", .flags = NC_F_NET,
	  .max_args = 1 },
	{ .name = "autostart", .run = nc_cmd_autostart, .opts = N | OPT(O_DISABLE),
	  .usage = NET_ARG " [--disable]", .help = "start a network at boot (start-all), or not",
	  .max_args = 1 },
	{ .name = "start-all", .run = nc_cmd_start_all, .usage = "",
	  .help = "start every autostart network (at boot)", .flags = NC_F_NET },
	{ .name = "list", .run = nc_cmd_list,
	  .opts = OPT(O_ALL) | OPT(O_INACTIVE) | OPT(O_NAME_FLAG) | OPT(O_UUID) | OPT(O_JSON) |
		  OPT(O_PERSISTENT) | OPT(O_TRANSIENT) | OPT(O_AUTOSTART) | OPT(O_NO_AUTOSTART),
	  .usage = "[--all|--inactive] [--persistent] [--transient] [--autostart]\n"
		   "                  [--no-autostart] [--name|--uuid|--json]",
	  .help = "list networks (active ones unless asked)" },
	{ .name = "info", .run = nc_cmd_info, .opts = N, .usage = NET_ARG,
	  .help = "network information", .max_args = 1 },
	{ .name = "dumpxml", .run = nc_cmd_dumpxml, .opts = N | OPT(O_INACTIVE),
	  .usage = NET_ARG " [--inactive]", .help = "print a network's XML", .max_args = 1 },
	{ .name = "edit", .run = nc_cmd_edit, .opts = N, .usage = NET_ARG,
	  .help = "edit a network's definition in $VISUAL/$EDITOR", .max_args = 1 },
	{ .name = "uuid", .run = nc_cmd_uuid, .opts = N, .usage = NET_ARG,
	  .help = "print a network's UUID", .max_args = 1 },
	{ .name = "name", .run = nc_cmd_name, .opts = N, .usage = "UUID",
	  .help = "print the name of the network with this UUID", .max_args = 1 },
	{ .name = "update", .run = nc_cmd_update,
	  .opts = N | OPT(O_LIVE) | OPT(O_CONFIG) | OPT(O_CURRENT) | OPT(O_PARENT_INDEX),
	  .usage = NET_ARG " COMMAND SECTION XML [--live] [--config] [--current]\n"
		   "                  [--parent-index N]",
	  .help = "add, delete or modify a part of a network", .flags = NC_F_NET,
	  .min_args = 3, .max_args = 4 },
	{ .name = "dhcp-leases", .run = nc_cmd_dhcp_leases, .opts = N | OPT(O_MAC) | OPT(O_JSON),
	  .usage = NET_ARG " [--mac MAC] [--json]",
	  .help = "the DHCP leases a running network gave", .max_args = 1 },
	/* virsh's names. */
#define VIRSH(cmd) { .name = "net-" cmd, .alias_of = cmd }
	VIRSH("define"), VIRSH("undefine"), VIRSH("create"), VIRSH("start"), VIRSH("destroy"),
	VIRSH("autostart"), VIRSH("start-all"), VIRSH("list"), VIRSH("info"),
	VIRSH("dumpxml"), VIRSH("edit"), VIRSH("uuid"), VIRSH("name"), VIRSH("update"),
	VIRSH("dhcp-leases"),
#undef VIRSH
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] COMMAND [ARGS] [command options]\n", program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Manage virtual networks (bridge, DHCP and DNS by dnsmasq, NAT by nftables),\n"
	     "as virsh net-* do.");
	fputs(VU_USAGE_COMMANDS, stdout);
	vu_cmd_print_list(stdout, cmds, ARRAY_SIZE(cmds), 16, false);
	puts("\n virsh's spellings work too: net-define, net-list, net-dhcp-leases, ...");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts("     --root DIR           the state root (default $VIRTUTILS_ROOT, else\n"
	     "                            /var/lib/virtutils for root)");
	fputs(VU_USAGE_COMMON, stdout);
	fputs(VU_USAGE_ARGUMENTS, stdout);
	puts(" NET       a network's name or UUID (or --network NET)\n"
	     " COMMAND   add (add-last), add-first, delete, modify\n"
	     " SECTION   ip-dhcp-host ip-dhcp-range dns-host dns-txt dns-srv\n"
	     "           forward-interface portgroup\n"
	     " XML       the element itself, or a file holding it\n"
	     "\n"
	     " `default` (virbr0, 192.168.122.1/24, NAT, DHCP) is defined on first use.\n"
	     " start, destroy, create and live updates need CAP_NET_ADMIN.");
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("net-ctl(1)"), stdout);
	exit(VU_EXIT_OK);
}

static noreturn void nc_cmd_usage(const struct vu_cmd *c)
{
	vu_cmd_print_usage(stdout, c, "net-ctl(1)");
	exit(VU_EXIT_OK);
}




const struct vu_state *nc_state(struct net_ctl *nc)
{
	struct vu_err e = { 0 };

	if (nc->state_open)
		return &nc->st;
	vu_state_open_or_die(&nc->st, nc->root);
	nc->state_open = true;
	/* As libvirt's package: `default` exists until the user undefines it. */
	if (vu_networkdb_ensure_default(&nc->st, &e) < 0)
		exit(vu_fail("default", &e));
	return &nc->st;
}

const char *nc_net_ref(struct net_ctl *nc, int argc, char **argv)
{
	if (nc->set[O_NETWORK] && argc)
		vu_die_usage(VU_EXIT_USAGE, "%s: unexpected argument '%s'", nc->cmd->name, argv[0]);
	if (nc->set[O_NETWORK])
		return nc->arg[O_NETWORK];
	if (!argc)
		vu_die_usage(VU_EXIT_USAGE, "%s: missing network name", nc->cmd->name);
	return argv[0];
}

/* The network whose UUID is uuid, defined or active; NULL when none. */
static char *by_uuid(const struct vu_state *st, const char *uuid)
{
	char **names, *found = NULL;
	size_t n;

	if (vu_networkdb_list(st, VU_NETWORKDB_DEFINED | VU_NETWORKDB_ACTIVE, &names, &n) < 0)
		return NULL;
	for (size_t i = 0; i < n && !found; i++) {
		struct vu_network *net = NULL;
		char u[VU_UUID_STRLEN];

		if (vu_networkdb_load_live(st, names[i], &net, NULL) < 0 &&
		    vu_networkdb_load(st, names[i], &net, NULL) < 0)
			continue;
		if (vu_network_get_uuid(net, u) == 0 && strcmp(u, uuid) == 0)
			found = strdup(names[i]);
		vu_network_free(&net);
	}
	vu_networkdb_names_free(names);
	return found;
}

char *nc_lookup(struct net_ctl *nc, const char *ref)
{
	const struct vu_state *st = nc_state(nc);
	char uuid[VU_UUID_STRLEN], *name;
	struct vu_network *net = NULL;
	struct vu_err e = { 0 };

	if (vu_uuid_normalize(ref, uuid) == 0 && (name = by_uuid(st, uuid)))
		return name;
	if (vu_name_check(ref) == 0 &&
	    (vu_networkdb_is_active(st, ref) == 1 || vu_networkdb_load(st, ref, &net, NULL) == 0)) {
		vu_network_free(&net);
		if (!(name = strdup(ref)))
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		return name;
	}
	vu_err_set(&e, ENOENT, "network not found");
	exit(vu_fail(ref, &e));
}

int nc_print_xml(char *xml)
{
	if (!xml)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	else
		fputs(xml, stdout);
	free(xml);
	return VU_EXIT_OK;
}

static void common_opt(void *ctx, int c)
{
	struct net_ctl *nc = ctx;

	switch (c) {
	case OPT_ROOT: nc->root = optarg; break;
	case 'q': nc->quiet = true; break;
	case 'v': nc->verbose = true; break;
	case 'h':
		if (nc->cmd)
			nc_cmd_usage(nc->cmd);
		usage();
	case 'V': vu_print_version();
	default: vu_die_tryhelp(VU_EXIT_USAGE);
	}
}

/* Options that cannot be combined, in any command that takes them. */
#define X(o) (OPT_BASE + (o))
static const vu_excl_t excl[] = {
	{ X(O_ALL), X(O_INACTIVE) },
	{ X(O_NAME_FLAG), X(O_UUID), X(O_JSON) },
	{ X(O_CURRENT), X(O_LIVE) },
	{ X(O_CURRENT), X(O_CONFIG) },
	{ 0 }
};
#undef X

/* The tool's options and each command's own, one parser for both. */
static struct vu_cmd_parser parser(struct net_ctl *nc)
{
	static const struct option common[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "quiet", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
	};

	return (struct vu_cmd_parser){
		.common = common, .ncommon = ARRAY_SIZE(common), .shortopts = "qvhV",
		.defs = optdefs, .ndefs = O_COUNT, .base = OPT_BASE, .excl = excl,
		.common_fn = common_opt, .ctx = nc, .set = nc->set, .arg = nc->arg,
	};
}

/*
 * What a network needs, kept; the rest dropped before the command runs.
 * dnsmasq inherits the set from us (it needs NET_ADMIN, NET_RAW,
 * NET_BIND_SERVICE, SETUID and SETGID; KILL reaches it once it runs as
 * nobody). Commands that only read and write definitions keep the file
 * capabilities alone.
 */
static void drop_caps(const struct net_ctl *nc)
{
	static const cap_value_t net[] = {
		CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID, CAP_KILL,
	};
	cap_value_t keep[16];
	int n = 0;

	for (int i = 0; i < vu_caps_file_n; i++)
		keep[n++] = vu_caps_file[i];
	if (nc->cmd->flags & NC_F_NET)
		for (size_t i = 0; i < ARRAY_SIZE(net); i++)
			keep[n++] = net[i];
	if (vu_caps_keep(keep, n) < 0)
		vu_die(VU_EXIT_FAIL, "cannot drop capabilities");
}

/*
 * Commands that change the host side of networks run one at a time: two
 * starts could otherwise both find virbr1 free, or a destroy remove the
 * rules a start has just checked. The database's own lock is taken and
 * released inside each of its calls, so this is a lock of its own, in the
 * run directory; it goes with the process.
 */
static void host_lock(struct net_ctl *nc)
{
	int runfd = vu_state_dirfd(nc_state(nc), VU_STATE_RUN);
	int fd = openat(runfd, "net-ctl.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		vu_die(VU_EXIT_FAIL, "%s/net-ctl.lock", nc->st.run);
}

int main(int argc, char **argv)
{
	struct net_ctl nc = { 0 };
	int first, r;

	atexit(vu_close_stdout_atexit);
	struct vu_cmd_parser p = parser(&nc);

	first = vu_cmd_parse_global(&p, argc, argv, VU_EXIT_USAGE);
	if (strcmp(argv[first], "help") == 0)
		usage();
	nc.cmd = vu_cmd_find_or_die(cmds, ARRAY_SIZE(cmds), argv[first], VU_EXIT_USAGE);
	drop_caps(&nc);
	argc = vu_cmd_parse_options(&p, nc.cmd, argc - first, argv + first, VU_EXIT_USAGE);
	if (nc.cmd->flags & NC_F_NET)
		host_lock(&nc);
	r = nc.cmd->run(&nc, argc, argv + first);
	if (nc.state_open)
		vu_state_free(&nc.st);
	return r;
}
