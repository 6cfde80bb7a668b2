/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nat.c - a virtual network's forwarding rules through libnftables */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <nftables/libnftables.h>

#include "vu/base.h"
#include "vu/bridge.h"
#include "vu/caps.h"
#include "vu/file.h"
#include "vu/nat.h"

/* nft refuses a rule comment over 128 bytes. */
#define COMMENT_MAX 128
#define NFAM 2

static const int fam_af[NFAM] = { AF_INET, AF_INET6 };
static const char *const fam_name[NFAM] = { "ip", "ip6" };
static const char *const fam_match[NFAM] = { "ip", "ip6" };

/* ---- checking the spec ---- */

/* SUBNET as its network address and prefix ("192.168.122.0/24") in out;
 * its family in *af. -EINVAL when it is not an address and prefix. */
static int subnet_text(const struct vu_nat_subnet *sn, int *af, char *out, size_t len)
{
	unsigned char a[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];
	unsigned int bits;

	if (!sn->addr)
		return -EINVAL;
	*af = strchr(sn->addr, ':') ? AF_INET6 : AF_INET;
	bits = *af == AF_INET ? 32 : 128;
	if (sn->prefix > bits || inet_pton(*af, sn->addr, a) != 1)
		return -EINVAL;
	for (unsigned int i = 0; i < bits / 8; i++) {
		unsigned int keep = sn->prefix > i * 8 ? sn->prefix - i * 8 : 0;

		if (keep < 8)
			a[i] &= (unsigned char)(0xff00u >> keep);
	}
	if (!inet_ntop(*af, a, text, sizeof(text)))
		return -EINVAL;
	snprintf(out, len, "%s/%u", text, sn->prefix);
	return 0;
}

static int spec_check(const struct vu_nat_spec *s, struct vu_err *e)
{
	char net[INET6_ADDRSTRLEN + 5];
	int r, af;

	if (!s || vu_name_check(s->network) < 0 ||
	    strlen(s->network) + strlen(VU_NAT_COMMENT_PREFIX) > COMMENT_MAX)
		return vu_err_set(e, EINVAL, "%s: not a valid network name",
				  s && s->network ? s->network : "(null)");
	if (s->mode > VU_NAT_OPEN)
		return vu_err_set(e, EINVAL, "unknown forward mode %d", (int)s->mode);
	r = vu_ifname_check(s->bridge, e);
	if (r == 0 && s->dev)
		r = vu_ifname_check(s->dev, e);
	if (r < 0)
		return r;
	if (s->nsubnets && !s->subnets)
		return vu_err_set(e, EINVAL, "no subnets given");
	for (size_t i = 0; i < s->nsubnets; i++)
		if (subnet_text(&s->subnets[i], &af, net, sizeof(net)) < 0)
			return vu_err_set(e, EINVAL, "%s/%u: not an IP address and prefix",
					  s->subnets[i].addr ? s->subnets[i].addr : "(null)",
					  s->subnets[i].prefix);
	return 0;
}

/* Whether the network has rules in family fi: IPv4 always (libvirt's
 * general rules close even a network without addresses), IPv6 with an
 * IPv6 subnet; neither when open. */
static bool family_needed(const struct vu_nat_spec *s, int fi)
{
	char net[INET6_ADDRSTRLEN + 5];
	int af;

	if (s->mode == VU_NAT_OPEN)
		return false;
	if (fam_af[fi] == AF_INET)
		return true;
	for (size_t i = 0; i < s->nsubnets; i++)
		if (subnet_text(&s->subnets[i], &af, net, sizeof(net)) == 0 && af == AF_INET6)
			return true;
	return false;
}

/* ---- rendering ---- */

static void render_base(FILE *f, int fi)
{
	const char *F = fam_name[fi], *T = VU_NAT_TABLE;

	fprintf(f, "add table %s %s { comment \"managed by virtutils for virtual networks\"; }\n",
		F, T);
	fprintf(f, "add chain %s %s forward { type filter hook forward priority 0; "
		"policy accept; }\n", F, T);
	fprintf(f, "add chain %s %s guest_output\n", F, T);
	fprintf(f, "add chain %s %s guest_input\n", F, T);
	fprintf(f, "add chain %s %s guest_cross\n", F, T);
	fprintf(f, "add chain %s %s guest_nat { type nat hook postrouting priority 100; "
		"policy accept; }\n", F, T);
	fprintf(f, "add chain %s %s host_input { type filter hook input priority 0; "
		"policy accept; }\n", F, T);
	fprintf(f, "add chain %s %s host_output { type filter hook output priority 0; "
		"policy accept; }\n", F, T);
	fprintf(f, "insert rule %s %s forward counter jump guest_output\n", F, T);
	fprintf(f, "insert rule %s %s forward counter jump guest_input\n", F, T);
	fprintf(f, "insert rule %s %s forward counter jump guest_cross\n", F, T);
}

struct rctx {
	FILE *f;
	int fi;
	const struct vu_nat_spec *s;
	/* <forward dev>, by name as libvirt (it may come and go): " oifname
	 * \"eth1\"", "iifname \"eth1\" " and "oifname \"eth1\" ", or "" */
	char dev_out[32], dev_in[32], dev_pre[32];
};

static void rule(const struct rctx *c, const char *chain, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rule(const struct rctx *c, const char *chain, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->f, "insert rule %s %s %s ", fam_name[c->fi], VU_NAT_TABLE, chain);
	va_start(ap, fmt);
	vfprintf(c->f, fmt, ap);
	va_end(ap);
	fprintf(c->f, " comment \"%s%s\"\n", VU_NAT_COMMENT_PREFIX, c->s->network);
}

/* DHCP, DNS, TFTP on the bridge, as libvirt's iptables backend opens them. */
static void render_host(const struct rctx *c)
{
	const char *br = c->s->bridge;
	bool v4 = fam_af[c->fi] == AF_INET;
	int server = v4 ? 67 : 547, client = v4 ? 68 : 546;

	if (c->s->dhcp) {
		if (v4)
			rule(c, "host_input", "iif \"%s\" tcp dport %d counter accept", br, server);
		rule(c, "host_input", "iif \"%s\" udp dport %d counter accept", br, server);
		if (v4)
			rule(c, "host_output", "oif \"%s\" tcp dport %d counter accept", br, client);
		rule(c, "host_output", "oif \"%s\" udp dport %d counter accept", br, client);
	}
	if (c->s->dns) {
		rule(c, "host_input", "iif \"%s\" tcp dport 53 counter accept", br);
		rule(c, "host_input", "iif \"%s\" udp dport 53 counter accept", br);
		rule(c, "host_output", "oif \"%s\" tcp dport 53 counter accept", br);
		rule(c, "host_output", "oif \"%s\" udp dport 53 counter accept", br);
	}
	if (c->s->tftp && v4) {
		rule(c, "host_input", "iif \"%s\" udp dport 69 counter accept", br);
		rule(c, "host_output", "oif \"%s\" udp dport 69 counter accept", br);
	}
}

/* Guests may talk among themselves; nothing else passes unless allowed. */
static void render_general(const struct rctx *c)
{
	const char *br = c->s->bridge;

	rule(c, "guest_output", "iif \"%s\" counter reject", br);
	rule(c, "guest_input", "oif \"%s\" counter reject", br);
	rule(c, "guest_cross", "iif \"%s\" oif \"%s\" counter accept", br, br);
}

static void render_nat(const struct rctx *c, const char *net)
{
	const char *br = c->s->bridge, *m = fam_match[c->fi], *o = c->dev_out;

	rule(c, "guest_output", "%s saddr %s iif \"%s\"%s counter accept", m, net, br, o);
	rule(c, "guest_input", "%soif \"%s\" %s daddr %s ct state related,established "
	     "counter accept", c->dev_in, br, m, net);
	rule(c, "guest_nat", "%s saddr %s %s daddr != %s%s counter masquerade", m, net, m, net, o);
	rule(c, "guest_nat", "meta l4proto udp %s saddr %s %s daddr != %s%s counter "
	     "masquerade to :1024-65535", m, net, m, net, o);
	rule(c, "guest_nat", "meta l4proto tcp %s saddr %s %s daddr != %s%s counter "
	     "masquerade to :1024-65535", m, net, m, net, o);
	rule(c, "guest_nat", "%s%s saddr %s %s daddr 255.255.255.255/32 counter return",
	     c->dev_pre, m, net, m);
	rule(c, "guest_nat", "%s%s saddr %s %s daddr 224.0.0.0/24 counter return",
	     c->dev_pre, m, net, m);
}

static void render_route(const struct rctx *c, const char *net)
{
	const char *br = c->s->bridge, *m = fam_match[c->fi];

	rule(c, "guest_output", "%s saddr %s iif \"%s\"%s counter accept", m, net, br,
	     c->dev_out);
	rule(c, "guest_input", "%s daddr %s %soif \"%s\" counter accept", m, net, c->dev_in, br);
}

static void render_network(FILE *f, const struct vu_nat_spec *s, int fi)
{
	struct rctx c = { .f = f, .fi = fi, .s = s };
	char net[INET6_ADDRSTRLEN + 5];
	int af;

	if (s->dev) {
		snprintf(c.dev_out, sizeof(c.dev_out), " oifname \"%s\"", s->dev);
		snprintf(c.dev_in, sizeof(c.dev_in), "iifname \"%s\" ", s->dev);
		snprintf(c.dev_pre, sizeof(c.dev_pre), "oifname \"%s\" ", s->dev);
	}
	render_host(&c);
	render_general(&c);
	for (size_t i = 0; i < s->nsubnets; i++) {
		if (subnet_text(&s->subnets[i], &af, net, sizeof(net)) < 0 || af != fam_af[fi])
			continue;
		/* libvirt routes IPv6 in NAT mode: it masquerades only IPv4 */
		if (s->mode == VU_NAT_NAT && af == AF_INET)
			render_nat(&c, net);
		else if (s->mode == VU_NAT_NAT || s->mode == VU_NAT_ROUTE)
			render_route(&c, net);
	}
}

/* Closes the stream; *out is the text, or NULL and -ENOMEM. */
static int stream_close(FILE *f, char **out, struct vu_err *e)
{
	if (fclose(f) != 0 || !*out) {
		free(*out);
		*out = NULL;
		return vu_err_set(e, ENOMEM, "out of memory");
	}
	return 0;
}

int vu_nat_render(const struct vu_nat_spec *spec, unsigned int flags, char **out,
		  struct vu_err *e)
{
	size_t len = 0;
	FILE *f;
	int r = spec_check(spec, e);

	*out = NULL;
	if (r < 0)
		return r;
	f = open_memstream(out, &len);
	if (!f)
		return vu_err_set(e, ENOMEM, "out of memory");
	for (int fi = 0; fi < NFAM; fi++) {
		if (!family_needed(spec, fi))
			continue;
		if (flags & VU_NAT_RENDER_BASE)
			render_base(f, fi);
		render_network(f, spec, fi);
	}
	return stream_close(f, out, e);
}

/* ---- talking to nftables ---- */

/* nft's messages name no errno; these are the ones worth telling apart. */
static int nft_errno(const char *msg)
{
	static const struct { const char *text; int err; } map[] = {
		{ "Operation not permitted", EPERM }, { "Permission denied", EACCES },
		{ "Interface does not exist", ENODEV }, { "No such device", ENODEV },
		{ "No such file or directory", ENOENT }, { "File exists", EEXIST },
		{ "Device or resource busy", EBUSY }, { "Protocol not supported", EPROTONOSUPPORT },
		{ "Cannot allocate memory", ENOMEM },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strstr(msg, map[i].text))
			return map[i].err;
	return EIO;
}

/* Runs CMDS; on failure fills e from nft's first error line. */
static int nft_run(struct nft_ctx *nft, const char *cmds, struct vu_err *e)
{
	const char *msg;
	size_t n;
	int err;

	if (nft_run_cmd_from_buffer(nft, cmds) == 0) {
		nft_ctx_get_error_buffer(nft);	/* warnings, dropped */
		return 0;
	}
	msg = nft_ctx_get_error_buffer(nft);
	if (!msg || !*msg)
		msg = "command failed";
	if (!strncmp(msg, "Error: ", 7))
		msg += 7;
	n = strcspn(msg, "\n");
	err = nft_errno(msg);
	if (err == EPERM || err == EACCES)
		return vu_err_set(e, err, "nftables: %.*s (needs CAP_NET_ADMIN)", (int)n, msg);
	return vu_err_set(e, err, "nftables: %.*s", (int)n, msg);
}

/* A context whose every message is captured for the caller, never
 * printed; 0 or -errno. */
static int nft_open(struct nft_ctx **out, struct vu_err *e)
{
	struct nft_ctx *nft;

	*out = NULL;
	/* asked first: libnftables (1.0.6) prints "Operation not permitted
	 * (you must be root)" on stderr itself when its first listing fails */
	if (!vu_caps_have(CAP_NET_ADMIN))
		return vu_err_set(e, EPERM, "nftables: %s (needs CAP_NET_ADMIN)",
				  strerror(EPERM));
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return vu_err_set(e, ENOMEM, "nftables: cannot make a context");
	if (nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0) {
		nft_ctx_free(nft);
		return vu_err_set(e, ENOMEM, "nftables: cannot buffer its output");
	}
	*out = nft;
	return 0;
}

/* One rule of the network, to delete by handle. */
struct owned {
	int fi;
	char chain[64];
	long long handle;
};

/* What the tables hold: for each family whether our table exists and how
 * many rules other networks have there; the network's own rules. */
struct listing {
	bool table[NFAM];
	size_t others[NFAM];
	struct owned *own;
	size_t nown;
};

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int listing_rule(struct listing *l, int fi, struct json_object *rule,
			const char *network)
{
	const char *comment = jstr(rule, "comment"), *chain = jstr(rule, "chain");
	const size_t plen = strlen(VU_NAT_COMMENT_PREFIX);
	struct json_object *h;
	struct owned *o;

	if (!comment || strncmp(comment, VU_NAT_COMMENT_PREFIX, plen))
		return 0;
	if (!network || strcmp(comment + plen, network)) {
		l->others[fi]++;
		return 0;
	}
	if (!chain || strlen(chain) >= sizeof(o->chain) ||
	    !json_object_object_get_ex(rule, "handle", &h))
		return -EPROTO;
	o = realloc(l->own, (l->nown + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	l->own = o;
	o += l->nown++;
	o->fi = fi;
	snprintf(o->chain, sizeof(o->chain), "%s", chain);
	o->handle = (long long)json_object_get_int64(h);
	return 0;
}

/* Reads `list ruleset FAMILY` (JSON) into l: only our table's entries. */
static int listing_parse(struct listing *l, int fi, const char *json, const char *network)
{
	struct json_object *root = json_tokener_parse(json), *arr;
	int r = 0;

	if (!root || !json_object_object_get_ex(root, "nftables", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(root);
		return -EPROTO;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && r == 0; i++) {
		struct json_object *item = json_object_array_get_idx(arr, i), *o;
		const char *table;

		if (json_object_object_get_ex(item, "table", &o)) {
			table = jstr(o, "name");
			if (table && !strcmp(table, VU_NAT_TABLE))
				l->table[fi] = true;
		} else if (json_object_object_get_ex(item, "rule", &o)) {
			table = jstr(o, "table");
			if (table && !strcmp(table, VU_NAT_TABLE))
				r = listing_rule(l, fi, o, network);
		}
	}
	json_object_put(root);
	return r;
}

static int listing_read(struct nft_ctx *nft, struct listing *l, const char *network,
			struct vu_err *e)
{
	unsigned int flags = nft_ctx_output_get_flags(nft);
	int r = 0;

	memset(l, 0, sizeof(*l));
	nft_ctx_output_set_flags(nft, flags | NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	for (int fi = 0; fi < NFAM && r == 0; fi++) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "list ruleset %s", fam_name[fi]);
		r = nft_run(nft, cmd, e);
		if (r == 0) {
			r = listing_parse(l, fi, nft_ctx_get_output_buffer(nft), network);
			if (r < 0)
				vu_err_set(e, -r, "nftables: cannot read its ruleset listing");
		}
	}
	nft_ctx_output_set_flags(nft, flags);
	if (r < 0) {
		free(l->own);
		l->own = NULL;
	}
	return r;
}

/* The deletions of the network's rules, then tables left with no network
 * (unless keep[fi]: the family gets new rules in the same batch). */
static void render_removal(FILE *f, const struct listing *l, const bool keep[NFAM])
{
	for (size_t i = 0; i < l->nown; i++)
		fprintf(f, "delete rule %s %s %s handle %lld\n", fam_name[l->own[i].fi],
			VU_NAT_TABLE, l->own[i].chain, l->own[i].handle);
	for (int fi = 0; fi < NFAM; fi++)
		if (l->table[fi] && !l->others[fi] && !keep[fi])
			fprintf(f, "delete table %s %s\n", fam_name[fi], VU_NAT_TABLE);
}

/* Runs the batch in *cmds (freed here) when it holds anything. */
static int batch_run(struct nft_ctx *nft, char *cmds, struct vu_err *e)
{
	int r = cmds[0] ? nft_run(nft, cmds, e) : 0;

	free(cmds);
	return r;
}

int vu_nat_apply(const struct vu_nat_spec *spec, struct vu_err *e)
{
	struct listing l;
	struct nft_ctx *nft;
	bool need[NFAM];
	char *cmds = NULL;
	size_t len = 0;
	FILE *f;
	int r = spec_check(spec, e);

	if (r < 0)
		return r;
	r = nft_open(&nft, e);
	if (r < 0)
		return r;
	r = listing_read(nft, &l, spec->network, e);
	if (r < 0)
		goto out;
	f = open_memstream(&cmds, &len);
	if (!f) {
		r = vu_err_set(e, ENOMEM, "out of memory");
		goto out_listing;
	}
	for (int fi = 0; fi < NFAM; fi++)
		need[fi] = family_needed(spec, fi);
	render_removal(f, &l, need);
	for (int fi = 0; fi < NFAM; fi++) {
		if (need[fi] && !l.table[fi])
			render_base(f, fi);
		if (need[fi])
			render_network(f, spec, fi);
	}
	r = stream_close(f, &cmds, e);
	if (r == 0)
		r = batch_run(nft, cmds, e);
out_listing:
	free(l.own);
out:
	nft_ctx_free(nft);
	return r;
}

/* Shared by remove and count: the listing for NETWORK. */
static int network_listing(struct nft_ctx **nft, struct listing *l, const char *network,
			   struct vu_err *e)
{
	int r;

	if (!network || vu_name_check(network) < 0)
		return vu_err_set(e, EINVAL, "%s: not a valid network name",
				  network ? network : "(null)");
	r = nft_open(nft, e);
	if (r < 0)
		return r;
	r = listing_read(*nft, l, network, e);
	if (r < 0) {
		nft_ctx_free(*nft);
		*nft = NULL;
	}
	return r;
}

int vu_nat_remove(const char *network, struct vu_err *e)
{
	static const bool keep[NFAM] = { false, false };
	struct nft_ctx *nft;
	struct listing l;
	char *cmds = NULL;
	size_t len = 0;
	FILE *f;
	int r = network_listing(&nft, &l, network, e);

	if (r < 0)
		return r;
	if (!l.nown)
		r = vu_err_set(e, ENOENT, "no firewall rules loaded");
	else if (!(f = open_memstream(&cmds, &len)))
		r = vu_err_set(e, ENOMEM, "out of memory");
	else {
		render_removal(f, &l, keep);
		r = stream_close(f, &cmds, e);
		if (r == 0)
			r = batch_run(nft, cmds, e);
	}
	free(l.own);
	nft_ctx_free(nft);
	return r;
}

int vu_nat_count(const char *network, struct vu_err *e)
{
	struct nft_ctx *nft;
	struct listing l;
	int r = network_listing(&nft, &l, network, e);

	if (r < 0)
		return r;
	free(l.own);
	nft_ctx_free(nft);
	return (int)l.nown;
}
