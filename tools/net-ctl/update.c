/* SPDX-License-Identifier: GPL-2.0-or-later */
/* update.c - net-ctl update (virsh net-update): one element added, deleted
 * or modified in the definition and/or the running network, whose dnsmasq
 * learns of it without a restart when its conf is unchanged */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/dnsmasq.h"
#include "vu/file.h"
#include "vu/networkdb.h"

#include "netctl.h"

/* The element: the argument itself when it is XML, else the file it names. */
static char *element(const char *arg)
{
	size_t len = 0;
	char *buf = NULL;
	int fd;

	if (arg[strspn(arg, " \t\n")] == '<') {
		if (!(buf = strdup(arg)))
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		return buf;
	}
	if ((fd = open(arg, O_RDONLY | O_CLOEXEC)) < 0)
		vu_die(VU_EXIT_FAIL, "%s", arg);
	if (vu_read_all(fd, 1 << 20, &buf, &len) < 0)
		vu_die(VU_EXIT_FAIL, "%s", arg);
	close(fd);
	return buf;
}

/* dnsmasq follows the change: SIGHUP when only its hosts files differ, a
 * restart when its conf does. */
static int tell_dnsmasq(struct net_ctl *nc, const struct vu_network *live, const char *name,
			struct vu_err *e)
{
	struct vu_dnsmasq_run run;
	struct nc_dns *d = NULL;
	char *dir = NULL, *bridge = NULL;
	bool changed = false;
	pid_t pid;
	int r;

	if (vu_network_get_bridge(live, &bridge) < 0)
		return 0;
	if ((r = nc_dns_build(live, name, bridge, &d, e)) < 0)
		goto out;
	if ((r = nc_dns_rundir(nc, &run, &dir, e)) < 0)
		goto out;
	if (vu_dnsmasq_pid(&run, name, &pid) == 0) {
		r = vu_dnsmasq_conf_changed(nc_dns_spec(d), &run, &changed, e);
		if (r == 0 && !changed)
			r = vu_dnsmasq_reload(nc_dns_spec(d), &run, e);
		else if (r == 0 && (r = vu_dnsmasq_stop(&run, name, e)) == 0)
			r = vu_dnsmasq_start(nc_dns_spec(d), &run, &pid, e);
	}
	close(run.dirfd);
out:
	nc_dns_free(&d);
	free(dir);
	free(bridge);
	return r;
}

struct req {
	int cmd, section, parent;
	const char *xml;
};

static int update_live(struct net_ctl *nc, const char *name, const struct req *q,
		       struct vu_err *e)
{
	const struct vu_state *st = nc_state(nc);
	struct vu_network *live = NULL;
	int r;

	if ((r = vu_networkdb_load_live(st, name, &live, e)) < 0)
		return r;
	if ((r = vu_network_update(live, q->cmd, q->section, q->parent, q->xml, e)) == 0 &&
	    (r = tell_dnsmasq(nc, live, name, e)) == 0)
		r = vu_networkdb_set_live(st, live, e);
	vu_network_free(&live);
	return r;
}

static int update_config(struct net_ctl *nc, const char *name, const struct req *q,
			 struct vu_err *e)
{
	const struct vu_state *st = nc_state(nc);
	struct vu_network *def = NULL;
	int r;

	if ((r = vu_networkdb_load(st, name, &def, e)) < 0)
		return r;
	if ((r = vu_network_update(def, q->cmd, q->section, q->parent, q->xml, e)) == 0)
		r = vu_networkdb_define(st, def, e);
	vu_network_free(&def);
	return r;
}

static void parse_req(struct net_ctl *nc, char **words, struct req *q)
{
	char *end;

	if ((q->cmd = vu_net_update_cmd_parse(words[0])) < 0)
		vu_die_usage(VU_EXIT_USAGE, "update: unknown command '%s'", words[0]);
	if ((q->section = vu_net_section_parse(words[1])) < 0)
		vu_die_usage(VU_EXIT_USAGE, "update: unknown section '%s'", words[1]);
	q->parent = -1;
	if (nc->set[O_PARENT_INDEX]) {
		errno = 0;
		long v = strtol(nc->arg[O_PARENT_INDEX], &end, 10);

		if (errno || end == nc->arg[O_PARENT_INDEX] || *end || v < 0 || v > 1000)
			vu_die_usage(VU_EXIT_USAGE, "update: invalid --parent-index '%s'", nc->arg[O_PARENT_INDEX]);
		q->parent = (int)v;
	}
}

int nc_cmd_update(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	int nwords = nc->set[O_NETWORK] ? 3 : 4;
	char **words = argv + (argc - 3), *name, *xml;
	struct vu_err e = { 0 };
	struct req q;
	bool live, config, active;
	int r = 0;

	if (argc < nwords)
		vu_die_usage(VU_EXIT_USAGE, "update: missing argument");
	if (argc > nwords)
		vu_die_usage(VU_EXIT_USAGE, "update: unexpected argument '%s'", argv[nwords]);
	parse_req(nc, words, &q);
	name = nc_lookup(nc, nc_net_ref(nc, argc - 3, argv));
	active = vu_networkdb_is_active(nc_state(nc), name) == 1;
	live = nc->set[O_LIVE];
	config = nc->set[O_CONFIG];
	if (!live && !config) {	/* --current: the state the network is in */
		live = active;
		config = !active;
	}
	q.xml = xml = element(words[2]);
	if (live && !active) {
		vu_err_set(&e, EINVAL, "network is not active");
		r = -EINVAL;
	}
	if (r == 0 && config)
		r = update_config(nc, name, &q, &e);
	if (r == 0 && live)
		r = update_live(nc, name, &q, &e);
	if (r < 0)
		r = vu_fail(name, &e);
	else if (config && live)
		vu_say(nc->quiet, "Updated network %s persistent config and live state", name);
	else
		vu_say(nc->quiet, "Updated network %s %s", name, live ? "live state" : "persistent config");
	free(xml);
	free(name);
	return r;
}
