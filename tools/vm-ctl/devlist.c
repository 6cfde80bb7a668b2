/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devlist.c - domblklist, domiflist and domifaddr's rows, from a domain's
 * XML and a network's leases: no QEMU is asked, as virsh reads them from
 * the XML and the network's lease file too */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "vu/base.h"
#include "vu/xmlnode.h"

#include "devlist.h"

enum { B_TYPE, B_DEVICE, B_TARGET, B_SOURCE, B_COUNT };

static const struct vu_col blk_cols[B_COUNT] = {
	[B_TYPE] = { "Type", "type", VU_COL_STR },
	[B_DEVICE] = { "Device", "device", VU_COL_STR },
	[B_TARGET] = { "Target", "target", VU_COL_STR },
	[B_SOURCE] = { "Source", "source", VU_COL_STR },
};

/* A cell with text, or "-" (JSON null) when there is none. */
static int cell(struct vu_table *t, int col, const char *text)
{
	return text && *text ? vu_table_cell(t, col, text, 0) : vu_table_null(t, col, "-");
}

/* A new row of n cells from text[] (NULL: "-"). */
static int row(struct vu_table *t, const char *const *text, int n)
{
	int r = vu_table_row(t);

	for (int i = 0; i < n && r == 0; i++)
		r = cell(t, i, text[i]);
	return r;
}

/* virsh's source: the file, device, directory, network name or volume,
 * "POOL/VOLUME" for a volume. */
static char *disk_source(xmlNodePtr disk)
{
	static const char *const attrs[] = { "file", "dev", "dir", "name", "volume" };
	char *src = NULL, *pool = NULL, *both = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(attrs) && !src; i++)
		if (vu_node_get(disk, "source", attrs[i], &src) < 0)
			src = NULL;
	if (src && vu_node_get(disk, "source", "pool", &pool) == 0) {
		if (asprintf(&both, "%s/%s", pool, src) < 0)
			both = NULL;
		free(src);
		src = both;
	}
	free(pool);
	return src;
}

static int blk_row(struct vu_table *t, xmlNodePtr disk, bool details)
{
	char *text[B_COUNT] = { NULL };
	int r;

	vu_node_get(disk, NULL, "type", &text[B_TYPE]);
	if (vu_node_get(disk, NULL, "device", &text[B_DEVICE]) < 0)
		text[B_DEVICE] = strdup("disk");
	vu_node_get(disk, "target", "dev", &text[B_TARGET]);
	text[B_SOURCE] = disk_source(disk);
	r = details ? row(t, (const char *const *)text, B_COUNT)
		    : row(t, (const char *const *)text + B_TARGET, B_COUNT - B_TARGET);
	for (int i = 0; i < B_COUNT; i++)
		free(text[i]);
	return r;
}

struct vu_table *vctl_blklist(const struct vu_domain *dom, bool details)
{
	const struct vu_col *cols = details ? blk_cols : blk_cols + B_TARGET;
	struct vu_table *t = vu_table_new(cols, details ? B_COUNT : B_COUNT - B_TARGET);
	xmlNodePtr d = NULL;

	while (t && (d = vu_domain_dev_next(dom, "disk", d)))
		if (blk_row(t, d, details) < 0)
			vu_table_free(&t);
	return t;
}

enum { I_NAME, I_TYPE, I_SOURCE, I_MODEL, I_MAC, I_COUNT };

static const struct vu_col if_cols[I_COUNT] = {
	[I_NAME] = { "Interface", "interface", VU_COL_STR },
	[I_TYPE] = { "Type", "type", VU_COL_STR },
	[I_SOURCE] = { "Source", "source", VU_COL_STR },
	[I_MODEL] = { "Model", "model", VU_COL_STR },
	[I_MAC] = { "MAC", "mac", VU_COL_STR },
};

struct vu_table *vctl_iflist(const struct vu_domain *dom)
{
	struct vu_table *t = vu_table_new(if_cols, I_COUNT);
	xmlNodePtr d = NULL;

	while (t && (d = vu_domain_dev_next(dom, "interface", d))) {
		struct vu_iface i;
		const char *text[I_COUNT] = { NULL };
		int r;

		/* An interface the model cannot read still has its row. */
		if (vu_iface_get(d, &i) == 0) {
			text[I_NAME] = i.target_dev, text[I_TYPE] = i.type;
			text[I_SOURCE] = i.source, text[I_MODEL] = i.model, text[I_MAC] = i.mac;
		} else {
			memset(&i, 0, sizeof(i));
		}
		r = row(t, text, I_COUNT);
		vu_iface_clear(&i);
		if (r < 0)
			vu_table_free(&t);
	}
	return t;
}

/* ---- domifaddr ---- */

/* Whether addr lies in the subnet ip/prefix. */
static bool in_subnet(int family, const char *addr, const struct vu_net_ip *ip)
{
	unsigned char a[16], n[16];
	unsigned bits = ip->prefix;

	if (ip->family != family || inet_pton(family, addr, a) != 1 ||
	    inet_pton(family, ip->address, n) != 1)
		return false;
	for (unsigned i = 0; bits; i++) {
		unsigned take = bits < 8 ? bits : 8;
		unsigned char mask = (unsigned char)(0xff00 >> take);

		if ((a[i] ^ n[i]) & mask)
			return false;
		bits -= take;
	}
	return true;
}

int vctl_ifaddr_add(struct vctl_ifaddrs *a, const char *ifname, const char *mac,
		    const struct vu_net_ip *ips, size_t nips, const struct vu_dnsmasq_lease *l,
		    size_t nl, time_t now)
{
	for (size_t i = 0; i < nl; i++) {
		struct vctl_ifaddr *x, *v;

		if (l[i].family != AF_INET || strcasecmp(l[i].mac, mac) != 0 ||
		    (l[i].expiry && l[i].expiry < now))
			continue;
		if (!(v = realloc(a->v, (a->n + 1) * sizeof(*v))))
			return -ENOMEM;
		a->v = v;
		x = &v[a->n];
		memset(x, 0, sizeof(*x));
		if (!(x->ifname = strdup(ifname && *ifname ? ifname : "-")))
			return -ENOMEM;
		snprintf(x->mac, sizeof(x->mac), "%s", mac);
		x->family = l[i].family;
		snprintf(x->ip, sizeof(x->ip), "%s", l[i].ip);
		for (size_t k = 0; k < nips && !x->prefix; k++)
			if (in_subnet(x->family, x->ip, &ips[k]))
				x->prefix = ips[k].prefix;
		a->n++;
	}
	return 0;
}

void vctl_ifaddrs_clear(struct vctl_ifaddrs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].ifname);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static const char *proto(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

void vctl_ifaddr_print(const struct vctl_ifaddrs *a, FILE *f, bool full, bool header)
{
	if (header)
		fprintf(f, " %-10s %-20s %-8s     %s\n%s%s\n", "Name", "MAC address", "Protocol",
			"Address", "-------------------------------------------------",
			"------------------------------");
	for (size_t i = 0; i < a->n; i++) {
		const struct vctl_ifaddr *x = &a->v[i];
		bool again = i > 0 && !strcmp(a->v[i - 1].ifname, x->ifname) &&
			     !strcmp(a->v[i - 1].mac, x->mac);
		char addr[64];

		if (x->prefix)
			snprintf(addr, sizeof(addr), "%s/%u", x->ip, x->prefix);
		else
			snprintf(addr, sizeof(addr), "%s", x->ip);
		fprintf(f, " %-10s %-17s    %-12s %s\n", again && !full ? "-" : x->ifname,
			again && !full ? "-" : x->mac, proto(x->family), addr);
	}
}

enum { A_NAME, A_MAC, A_PROTO, A_ADDR, A_PREFIX, A_COUNT };

static const struct vu_col addr_cols[A_COUNT] = {
	[A_NAME] = { "Name", "name", VU_COL_STR },
	[A_MAC] = { "MAC address", "mac", VU_COL_STR },
	[A_PROTO] = { "Protocol", "protocol", VU_COL_STR },
	[A_ADDR] = { "Address", "address", VU_COL_STR },
	[A_PREFIX] = { NULL, "prefix", VU_COL_INT },
};

int vctl_ifaddr_print_json(const struct vctl_ifaddrs *a, FILE *f)
{
	struct vu_table *t = vu_table_new(addr_cols, A_COUNT);
	int r = t ? 0 : -ENOMEM;

	for (size_t i = 0; i < (t ? a->n : 0) && r == 0; i++) {
		const struct vctl_ifaddr *x = &a->v[i];
		const char *text[] = { x->ifname, x->mac, proto(x->family), x->ip };

		r = row(t, text, A_PREFIX);
		if (r == 0)
			r = x->prefix ? vu_table_cell_int(t, A_PREFIX, NULL, x->prefix)
				      : vu_table_null(t, A_PREFIX, NULL);
	}
	if (r == 0)
		r = vu_table_print_json(t, f);
	vu_table_free(&t);
	return r;
}
