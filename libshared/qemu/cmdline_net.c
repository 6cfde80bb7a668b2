// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_net.c - <interface>: a -netdev backend (tap fd from the runtime,
 * QEMU's bridge helper, user networking) and its NIC */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/ident.h"
#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

struct nic {
	xmlNodePtr node;
	const char *where, *type, *mac, *model;
	unsigned idx;
	unsigned long long mtu;
	char ifname[IFNAMSIZ];
};

static void record_tap(struct qb *b, struct nic *n)
{
	struct vu_qemu_cmd *c = b->cmd;

	while (c->ntaps <= n->idx && !b->err) {
		char **t = qb_grow(b, c->taps, &c->ntaps, sizeof(*t));

		if (!t)
			return;
		c->taps = t;
		t[c->ntaps - 1] = strdup(c->ntaps - 1 == n->idx ? n->ifname : "");
		if (!t[c->ntaps - 1])
			qb_fail(b, ENOMEM, "out of memory");
	}
}

/* A tap fd from the runtime: QEMU gets it by number, as libvirt hands it. */
static const char *tap_fd(struct qb *b, struct nic *n, int fd)
{
	struct vu_qemu_cmd *c = b->cmd;
	int *fds;

	if (fd < 0) {
		if (!b->err)
			b->err = fd;
		return "";
	}
	fds = qb_grow(b, c->fds, &c->nfds, sizeof(*fds));
	if (!fds)
		return "";
	c->fds = fds;
	fds[c->nfds - 1] = fd;
	record_tap(b, n);
	return qb_fmt(b, "tap,fd=%d", fd);
}

static const char *bridge_backend(struct qb *b, struct nic *n, const char *br)
{
	const struct vu_qemu_env *env = b->env;

	if (!br || !*br || !vu_str_alnum_or(br, "-_.")) {
		qb_fail(b, EINVAL, "%s<source>: no bridge", n->where);
		return "";
	}
	if (env->open_tap)
		return tap_fd(b, n, env->open_tap(env->opaque, n->idx, br, n->mac,
						  (unsigned)n->mtu, n->ifname,
						  sizeof(n->ifname), b->e));
	/* unprivileged: QEMU's setuid bridge helper makes the tap */
	return qb_fmt(b, "bridge,br=%s", br);
}

static const char *backend(struct qb *b, struct nic *n)
{
	const struct vu_qemu_env *env = b->env;
	const char *src;
	char br[IFNAMSIZ];
	int r;

	if (!strcmp(n->type, "user"))
		return "user";
	if (!strcmp(n->type, "bridge"))
		return bridge_backend(b, n, qb_get(b, n->node, "source", "bridge"));
	if (!strcmp(n->type, "network")) {
		src = qb_get(b, n->node, "source", "network");
		if (!env->network_bridge)
			return qb_fail(b, EOPNOTSUPP, "network '%s' is not active",
				       src ? src : ""), "";
		r = env->network_bridge(env->opaque, src ? src : "", br, sizeof(br), b->e);
		if (r < 0)
			return b->err = b->err ? b->err : r, "";
		return bridge_backend(b, n, br);
	}
	if (!strcmp(n->type, "direct")) {
		src = qb_get(b, n->node, "source", "dev");
		if (!env->open_macvtap || !src)
			return qb_fail(b, EOPNOTSUPP, "%s: macvtap needs vm-ctl run as root "
				       "and a <source dev>", n->where), "";
		return tap_fd(b, n, env->open_macvtap(env->opaque, n->idx, src,
			      qb_get(b, n->node, "source", "mode") ?: "vepa", n->mac,
			      n->ifname, sizeof(n->ifname), b->e));
	}
	if (!strcmp(n->type, "ethernet")) {
		if (env->open_tap)
			return tap_fd(b, n, env->open_tap(env->opaque, n->idx, NULL, n->mac,
							  (unsigned)n->mtu, n->ifname,
							  sizeof(n->ifname), b->e));
		src = qb_get(b, n->node, "target", "dev");
		return qb_fmt(b, "tap,%s%sscript=no,downscript=no", src ? "ifname=" : "",
			      src ? qb_fmt(b, "%s,", qb_q(b, src)) : "");
	}
	qb_fail(b, EOPNOTSUPP, "%s: type '%s' is not supported", n->where, n->type);
	return "";
}

static const char *nic_model(struct qb *b, struct nic *n)
{
	static const char *const models[] = { "virtio", "e1000", "e1000e", "rtl8139", NULL };
	static const char *const qemu[] = { "virtio-net-pci", "e1000", "e1000e", "rtl8139" };
	/* libvirt's default NIC on x86 */
	int i = vu_word_index(n->model ? n->model : "rtl8139", models, 4);

	if (i < 0) {
		qb_fail(b, EOPNOTSUPP, "%s<model type='%s'>: not supported", n->where, n->model);
		return "";
	}
	if (n->mtu && i != 0)
		qb_fail(b, EOPNOTSUPP, "%s<mtu>: only with model virtio", n->where);
	return qemu[i];
}

static void check(struct qb *b, struct nic *n)
{
	static const char *const known[] = {
		"mac", "source", "model", "target", "boot", "address", "alias", "mtu",
		"driver", NULL
	};
	xmlNodePtr drv = vu_node_child(n->node, "driver");

	qb_only(b, n->node, n->where, known);
	qb_attrs(b, n->node, n->where, (const char *const[]){ "type", NULL });
	if (drv)
		qb_attrs(b, drv, qb_fmt(b, "%s<driver>", n->where),
			 (const char *const[]){ "name", NULL });
	qb_word(b, qb_get(b, drv, NULL, "name"), qb_fmt(b, "%s<driver name>", n->where),
		(const char *const[]){ "qemu", "vhost", NULL });
	if (vu_node_child(n->node, "source")) {
		qb_only(b, vu_node_child(n->node, "source"), qb_fmt(b, "%s<source>", n->where),
			(const char *const[]){ NULL });
		qb_attrs(b, vu_node_child(n->node, "source"), qb_fmt(b, "%s<source>", n->where),
			 (const char *const[]){ "network", "bridge", "dev", "mode", NULL });
	}
}

void qb_interface(struct qb *b, xmlNodePtr iface)
{
	struct nic n = { .node = iface, .idx = b->nnet++ };
	const char *mac = qb_get(b, iface, "mac", "address");
	char canon[VU_MAC_STRLEN];
	const char *be, *model, *drv;

	n.type = qb_get(b, iface, NULL, "type") ?: "";
	n.where = qb_fmt(b, "<interface type='%s'>", n.type);
	if (!mac || vu_mac_normalize(mac, canon) < 0) {
		qb_fail(b, EINVAL, "%s<mac address>: a MAC address is required", n.where);
		return;
	}
	n.mac = qb_fmt(b, "%s", canon);
	n.model = qb_get(b, iface, "model", "type");
	n.mtu = qb_uint(b, iface, "mtu", "size", 0, "<mtu size>");
	if (n.mtu && (n.mtu < 68 || n.mtu > 65535))
		qb_fail(b, EINVAL, "%s<mtu>: %llu is out of range", n.where, n.mtu);
	check(b, &n);
	model = nic_model(b, &n);
	be = backend(b, &n);
	drv = qb_get(b, iface, "driver", "name");
	if (b->err)
		return;
	if (drv && !strncmp(be, "tap", 3))
		be = qb_fmt(b, "%s,vhost=%s", be, strcmp(drv, "vhost") ? "off" : "on");
	else if (drv && !strcmp(drv, "vhost"))
		qb_fail(b, EOPNOTSUPP, "%s<driver name='vhost'>: needs a tap", n.where);
	qb_opt(b, "-netdev", "%s,id=hostnet%u", be, n.idx);
	qb_opt(b, "-device", "%s,netdev=hostnet%u,id=net%u,mac=%s%s%s%s", model, n.idx, n.idx,
	       n.mac, n.mtu ? qb_fmt(b, ",host_mtu=%llu", n.mtu) : "",
	       qb_bootindex(b, (unsigned)qb_uint(b, iface, "boot", "order", 0,
						   "<boot order>"), "network"),
	       qb_pci_addr(b, iface, n.where));
}
