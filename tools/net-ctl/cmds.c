/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmds.c - net-ctl's commands on definitions and states: define, start,
 * list, info, ... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/diag.h"
#include "vu/file.h"
#include "vu/ident.h"
#include "vu/networkdb.h"
#include "vu/table.h"

#include "netctl.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static struct vu_network *load_file(const char *file)
{
	struct vu_err e = { 0 };
	struct vu_network *net;

	if (vu_network_load(&net, file, &e) < 0)
		exit(vu_fail(strcmp(file, "-") ? file : "stdin", &e));
	return net;
}

/* The definition, else the live record (a transient network). */
static struct vu_network *load_any(struct net_ctl *nc, const char *name, bool live_first)
{
	const struct vu_state *st = nc_state(nc);
	struct vu_network *net = NULL;
	struct vu_err e = { 0 };
	int r = -ENOENT;

	if (live_first)
		r = vu_networkdb_load_live(st, name, &net, &e);
	if (r < 0)
		r = vu_networkdb_load(st, name, &net, &e);
	if (r < 0 && !live_first)
		r = vu_networkdb_load_live(st, name, &net, &e);
	if (r < 0)
		exit(vu_fail(name, &e));
	return net;
}

/* ---- define, undefine, create ---- */

int nc_cmd_define(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	const char *file = argv[0];
	struct vu_network *net = load_file(file);
	struct vu_err e = { 0 };
	char *name;
	int r;

	(void)argc;
	r = vu_networkdb_define(nc_state(nc), net, &e);
	name = vu_network_get_name(net, &name) == 0 ? name : NULL;
	if (r < 0)
		r = vu_fail(name ? name : file, &e);
	else
		vu_say(nc->quiet, "Network %s defined from %s", name, file);
	free(name);
	vu_network_free(&net);
	return r;
}

int nc_cmd_undefine(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct vu_err e = { 0 };
	int r = vu_networkdb_undefine(nc_state(nc), name, &e);

	if (r < 0)
		r = vu_fail(name, &e);
	else
		vu_say(nc->quiet, "Network %s has been undefined", name);
	free(name);
	return r;
}

/* Whether a network of that name is defined or running. */
static bool exists(struct net_ctl *nc, const char *name)
{
	struct vu_network *net = NULL;
	bool yes = vu_networkdb_is_active(nc_state(nc), name) == 1 ||
		   vu_networkdb_load(nc_state(nc), name, &net, NULL) == 0;

	vu_network_free(&net);
	return yes;
}

/* Without CAP_NET_ADMIN nothing can be started: say so before trying. */
static int need_net_admin(const char *name)
{
	char buf[32];
	struct vu_err e = { 0 };

	if (vu_caps_have(CAP_NET_ADMIN))
		return 0;
	vu_err_set(&e, EPERM, "needs %s", vu_caps_name(CAP_NET_ADMIN, buf, sizeof(buf)));
	return vu_fail(name, &e);
}

int nc_cmd_create(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	const char *file = argv[0];
	struct vu_network *net = load_file(file);
	struct vu_err e = { 0 };
	char *name = NULL;
	int r;

	(void)argc;
	if (vu_network_check(net, &e) < 0)
		r = vu_fail(file, &e);
	else if (vu_network_get_name(net, &name) < 0 || vu_name_check(name) < 0) {
		vu_err_set(&e, EINVAL, "the network has no valid name");
		r = vu_fail(file, &e);
	} else if (exists(nc, name)) {
		vu_err_set(&e, EEXIST, "network '%s' already exists", name);
		r = vu_fail(name, &e);
	} else if ((r = need_net_admin(name)) != 0) {
		;
	} else if (vu_network_ensure_ids(net) < 0) {
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	} else if (nc_run_start(nc, net, &e) < 0) {
		r = vu_fail(name, &e);
	} else {
		vu_say(nc->quiet, "Network %s created from %s", name, file);
	}
	free(name);
	vu_network_free(&net);
	return r;
}

/* ---- start, destroy ---- */

static int start_one(struct net_ctl *nc, const char *name)
{
	struct vu_network *net = NULL;
	struct vu_err e = { 0 };
	int r;

	if (vu_networkdb_is_active(nc_state(nc), name) == 1) {
		vu_err_set(&e, EBUSY, "network is already active");
		return vu_fail(name, &e);
	}
	if (vu_networkdb_load(nc_state(nc), name, &net, &e) < 0)
		return vu_fail(name, &e);
	if ((r = need_net_admin(name)) != 0) {
		vu_network_free(&net);
		return r;
	}
	r = nc_run_start(nc, net, &e);
	vu_network_free(&net);
	if (r < 0)
		return vu_fail(name, &e);
	vu_say(nc->quiet, "Network %s started", name);
	return VU_EXIT_OK;
}

int nc_cmd_start(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	int r = start_one(nc, name);

	free(name);
	return r;
}

int nc_cmd_destroy(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct vu_err e = { 0 };
	int r;

	if (vu_networkdb_is_active(nc_state(nc), name) != 1) {
		vu_err_set(&e, EINVAL, "network is not active");
		r = vu_fail(name, &e);
	} else if ((r = need_net_admin(name)) != 0) {
		;
	} else if (nc_run_destroy(nc, name, &e) < 0) {
		r = vu_fail(name, &e);
	} else {
		vu_say(nc->quiet, "Network %s destroyed", name);
	}
	free(name);
	return r;
}

int nc_cmd_autostart(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	bool on = !nc->set[O_DISABLE];
	struct vu_err e = { 0 };
	int r = vu_networkdb_autostart(nc_state(nc), name, on, &e);

	if (r < 0)
		r = vu_fail(name, &e);
	else
		vu_say(nc->quiet, on ? "Network %s marked as autostarted"
			      : "Network %s unmarked as autostarted", name);
	free(name);
	return r;
}

int nc_cmd_start_all(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	const struct vu_state *st = nc_state(nc);
	char **names;
	size_t n;
	int r = VU_EXIT_OK;

	(void)argc;
	(void)argv;
	if (vu_networkdb_list(st, VU_NETWORKDB_DEFINED, &names, &n) < 0) {
		vu_warnx("networks: cannot list the definitions");
		return VU_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if (vu_networkdb_is_autostart(st, names[i]) &&
		    vu_networkdb_is_active(st, names[i]) != 1 &&
		    start_one(nc, names[i]) != VU_EXIT_OK)
			r = VU_EXIT_FAIL;
	vu_networkdb_names_free(names);
	return r;
}

/* ---- information ---- */

/* What list and info say of one network. */
struct netinfo {
	char *name, *bridge;
	char uuid[VU_UUID_STRLEN];
	bool active, persistent, autostart;
};

static void info_get(struct net_ctl *nc, const char *name, struct netinfo *in)
{
	const struct vu_state *st = nc_state(nc);
	struct vu_network *def = NULL, *live = NULL;

	memset(in, 0, sizeof(*in));
	in->name = strdup(name);
	in->active = vu_networkdb_load_live(st, name, &live, NULL) == 0;
	in->persistent = vu_networkdb_load(st, name, &def, NULL) == 0;
	in->autostart = in->persistent && vu_networkdb_is_autostart(st, name);
	if (vu_network_get_uuid(live ? live : def, in->uuid) < 0)
		in->uuid[0] = '\0';
	if (vu_network_get_bridge(live ? live : def, &in->bridge) < 0)
		in->bridge = NULL;
	vu_network_free(&def);
	vu_network_free(&live);
	if (!in->name)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

static void info_free(struct netinfo *in)
{
	free(in->name);
	free(in->bridge);
}

int nc_cmd_info(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct netinfo in;

	info_get(nc, name, &in);
	printf("%-15s %s\n", "Name:", in.name);
	printf("%-15s %s\n", "UUID:", in.uuid);
	printf("%-15s %s\n", "Active:", yes_no(in.active));
	printf("%-15s %s\n", "Persistent:", yes_no(in.persistent));
	printf("%-15s %s\n", "Autostart:", yes_no(in.autostart));
	if (in.bridge)
		printf("%-15s %s\n", "Bridge:", in.bridge);
	info_free(&in);
	free(name);
	return VU_EXIT_OK;
}

int nc_cmd_dumpxml(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct vu_network *net = load_any(nc, name, !nc->set[O_INACTIVE]);
	int r = nc_print_xml(vu_network_format(net));

	vu_network_free(&net);
	free(name);
	return r;
}

int nc_cmd_uuid(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct netinfo in;

	info_get(nc, name, &in);
	printf("%s\n", in.uuid);
	info_free(&in);
	free(name);
	return VU_EXIT_OK;
}

/* virsh net-name takes a UUID only. */
int nc_cmd_name(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	const char *ref = nc_net_ref(nc, argc, argv);
	char uuid[VU_UUID_STRLEN], *name;

	if (vu_uuid_normalize(ref, uuid) < 0) {
		vu_warnx("%s: not a UUID", ref);
		return VU_EXIT_FAIL;
	}
	name = nc_lookup(nc, uuid);
	printf("%s\n", name);
	free(name);
	return VU_EXIT_OK;
}

/* ---- list ---- */

enum { C_NAME, C_UUID, C_STATE, C_AUTOSTART, C_PERSISTENT, C_BRIDGE, C_COUNT };

static const struct vu_col list_cols[C_COUNT] = {
	[C_NAME] = { "Name", "name", VU_COL_STR }, [C_UUID] = { NULL, "uuid", VU_COL_STR },
	[C_STATE] = { "State", "state", VU_COL_STR },
	[C_AUTOSTART] = { "Autostart", "autostart", VU_COL_BOOL },
	[C_PERSISTENT] = { "Persistent", "persistent", VU_COL_BOOL },
	[C_BRIDGE] = { NULL, "bridge", VU_COL_STR },
};
static const struct vu_col table_cols[] = {
	{ "Name", "name", VU_COL_STR }, { "State", "state", VU_COL_STR },
	{ "Autostart", "autostart", VU_COL_BOOL }, { "Persistent", "persistent", VU_COL_BOOL },
};

static void cell(struct vu_table *t, int col, const char *text, uint64_t num)
{
	if ((text ? vu_table_cell(t, col, text, num) : vu_table_null(t, col, "-")) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

static void add_row(struct vu_table *t, bool json, const struct netinfo *in)
{
	int c = 0;

	if (vu_table_row(t) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	cell(t, c++, in->name, 0);
	if (json)
		cell(t, c++, in->uuid, 0);
	cell(t, c++, in->active ? "active" : "inactive", 0);
	cell(t, c++, yes_no(in->autostart), in->autostart);
	cell(t, c++, yes_no(in->persistent), in->persistent);
	if (json)
		cell(t, c, in->bridge, 0);
}

/* -1: either; else whether the network must have the property. */
static int tristate(const struct net_ctl *nc, enum nc_opt yes, enum nc_opt no)
{
	return nc->set[yes] == nc->set[no] ? -1 : nc->set[yes];
}

static bool wanted(const struct net_ctl *nc, const struct netinfo *in)
{
	int active = nc->set[O_ALL] ? -1 : !nc->set[O_INACTIVE];
	int persistent = tristate(nc, O_PERSISTENT, O_TRANSIENT);
	int autostart = tristate(nc, O_AUTOSTART, O_NO_AUTOSTART);

	return (active < 0 || active == in->active) &&
	       (persistent < 0 || persistent == in->persistent) &&
	       (autostart < 0 || autostart == in->autostart);
}

int nc_cmd_list(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	bool json = nc->set[O_JSON];
	struct vu_table *t = json ? vu_table_new(list_cols, C_COUNT)
				  : vu_table_new(table_cols, ARRAY_SIZE(table_cols));
	char **names;
	size_t n;

	(void)argc;
	(void)argv;
	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (vu_networkdb_list(nc_state(nc), VU_NETWORKDB_DEFINED | VU_NETWORKDB_ACTIVE, &names,
			      &n) < 0)
		vu_diex(VU_EXIT_FAIL, "networks: cannot list them");
	for (size_t i = 0; i < n; i++) {
		struct netinfo in;

		info_get(nc, names[i], &in);
		if (wanted(nc, &in)) {
			if (nc->set[O_NAME_FLAG])
				printf("%s\n", in.name);
			else if (nc->set[O_UUID])
				printf("%s\n", in.uuid);
			else
				add_row(t, json, &in);
		}
		info_free(&in);
	}
	if (json)
		vu_table_print_json(t, stdout);
	else if (!nc->set[O_NAME_FLAG] && !nc->set[O_UUID])
		vu_table_print(t, stdout, !nc->quiet);
	vu_table_free(&t);
	vu_networkdb_names_free(names);
	return VU_EXIT_OK;
}
