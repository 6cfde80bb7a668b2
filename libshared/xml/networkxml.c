/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkxml.c - libvirt network XML: the document, its check, identity,
 * bridge, forward mode, domain and MTU, and the default network */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/ident.h"
#include "vu/networkxml.h"
#include "vu/size.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "model.h"
#include "networkxml_priv.h"

/* Linux's IFNAMSIZ less the NUL. */

xmlNodePtr net_root(const struct vu_network *net)
{
	return net ? xmlDocGetRootElement(net->doc) : NULL;
}

/* vu_network_wrap */
VU_MODEL_WRAP_FN(vu_network)

/*
 * The root and the name are checked as soon as the document is read: a
 * tool builds paths from the name, and one from an untrusted document must
 * not climb out of its directory. A document without a name loads (the
 * check refuses it before it is stored).
 */
static int opened(struct vu_network **out, xmlDocPtr doc, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char *name = NULL;
	int r = 0;

	if (!vu_node_is(root, "network"))
		r = vu_err_set(e, EINVAL, "the root element is not <network>");
	else if (vu_node_count(root, "name") > 1)
		r = vu_err_set(e, EINVAL, "more than one <name>");
	else if ((r = vu_model_opt(root, "name", NULL, &name)) < 0)
		vu_err_set(e, -r, NULL);
	else if (name)
		r = vu_xml_name_check("network", name, e);
	free(name);
	if (r < 0) {
		xmlFreeDoc(doc);
		return r;
	}
	if ((r = vu_network_wrap(out, doc)) < 0)
		vu_err_set(e, -r, NULL);
	return r;
}

int vu_network_load(struct vu_network **out, const char *path, struct vu_err *e)
{
	xmlDocPtr doc;
	int r = vu_model_load(&doc, path, e);

	*out = NULL;
	return r < 0 ? r : opened(out, doc, e);
}

int vu_network_parse(struct vu_network **out, const char *buf, size_t len, struct vu_err *e)
{
	xmlDocPtr doc;
	int r = vu_model_parse(&doc, buf, len, e);

	*out = NULL;
	return r < 0 ? r : opened(out, doc, e);
}

int vu_network_new(struct vu_network **out, const char *name)
{
	xmlNodePtr root;
	xmlDocPtr doc;
	int r = vu_model_new(&doc, "network", &root);

	*out = NULL;
	if (r == 0 && (r = vu_node_insert(root, "name", name, NULL)) < 0)
		xmlFreeDoc(doc);
	return r < 0 ? r : vu_network_wrap(out, doc);
}

int vu_network_copy(struct vu_network **out, const struct vu_network *net)
{
	return vu_network_wrap(out, xmlCopyDoc(net->doc, 1));
}

/* vu_network_free, vu_network_format, vu_network_doc */
VU_MODEL_DOC_FNS(vu_network)

/* ---- identity ---- */

int vu_network_get_name(const struct vu_network *net, char **out)
{
	return vu_node_get(net_root(net), "name", NULL, out);
}

int vu_network_get_uuid(const struct vu_network *net, char out[VU_UUID_STRLEN])
{
	return vu_model_ident(net_root(net), "uuid", NULL, vu_uuid_normalize, out);
}

int vu_network_set_uuid(struct vu_network *net, const char *uuid)
{
	return vu_node_set(net_root(net), "uuid", NULL, uuid);
}

int vu_network_get_mac(const struct vu_network *net, char out[VU_MAC_STRLEN])
{
	return vu_model_ident(net_root(net), "mac", "address", vu_mac_normalize, out);
}

int vu_network_set_mac(struct vu_network *net, const char *mac)
{
	return vu_node_set(net_root(net), "mac", "address", mac);
}

int vu_network_ensure_ids(struct vu_network *net)
{
	char uuid[VU_UUID_STRLEN], mac[VU_MAC_STRLEN];
	int f = vu_network_get_forward(net);
	int r = 0;

	if (!vu_node_child(net_root(net), "uuid")) {
		vu_uuid_generate(uuid);
		r = vu_network_set_uuid(net, uuid);
	}
	if (r == 0 && f >= 0 && vu_net_forward_has_bridge((enum vu_net_forward)f) &&
	    !vu_node_child(net_root(net), "mac") && (r = vu_mac_generate(mac, NULL, NULL)) == 0)
		r = vu_network_set_mac(net, mac);
	return r;
}

/* ---- bridge, forward, domain, mtu ---- */

int vu_network_get_bridge(const struct vu_network *net, char **out)
{
	return vu_node_get(net_root(net), "bridge", "name", out);
}

int vu_network_set_bridge(struct vu_network *net, const char *name)
{
	return vu_node_set(net_root(net), "bridge", "name", name);
}

bool vu_network_get_stp(const struct vu_network *net)
{
	return !vu_node_value_is(net_root(net), "bridge", "stp", "off");
}

unsigned long vu_network_get_delay(const struct vu_network *net)
{
	uint64_t d = 0;

	return vu_node_get_uint(net_root(net), "bridge", "delay", &d) == 0 ? (unsigned long)d : 0;
}

static const char *const forward_names[VU_NET_FORWARD_COUNT] = {
	[VU_NET_ISOLATED] = "none", [VU_NET_NAT] = "nat", [VU_NET_ROUTE] = "route",
	[VU_NET_OPEN] = "open", [VU_NET_BRIDGE] = "bridge", [VU_NET_PRIVATE] = "private",
	[VU_NET_VEPA] = "vepa", [VU_NET_PASSTHROUGH] = "passthrough",
	[VU_NET_HOSTDEV] = "hostdev",
};

const char *vu_net_forward_name(enum vu_net_forward f)
{
	return (unsigned)f < VU_NET_FORWARD_COUNT ? forward_names[f] : NULL;
}

bool vu_net_forward_has_bridge(enum vu_net_forward f)
{
	return f == VU_NET_ISOLATED || f == VU_NET_NAT || f == VU_NET_ROUTE || f == VU_NET_OPEN;
}

int vu_network_get_forward(const struct vu_network *net)
{
	xmlNodePtr fwd = vu_node_child(net_root(net), "forward");
	char *mode = NULL;
	int r;

	if (!fwd)
		return VU_NET_ISOLATED;
	if ((r = vu_model_opt(fwd, NULL, "mode", &mode)) < 0)
		return r;
	if (!mode)
		return VU_NET_NAT;
	r = -EINVAL;
	/* "none" is our word for no <forward>, not a mode libvirt takes. */
	for (int i = VU_NET_NAT; i < VU_NET_FORWARD_COUNT; i++)
		if (strcmp(mode, forward_names[i]) == 0)
			r = i;
	free(mode);
	return r;
}

int vu_network_get_forward_dev(const struct vu_network *net, char **out)
{
	return vu_node_get(net_root(net), "forward", "dev", out);
}

void vu_net_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

int vu_network_get_forward_ifaces(const struct vu_network *net, char ***devs, size_t *n)
{
	xmlNodePtr fwd = vu_node_child(net_root(net), "forward");
	size_t k = 0, max = vu_node_count(fwd, "interface");
	char **v = calloc(max + 1, sizeof(*v));
	int r = v ? 0 : -ENOMEM;

	for (xmlNodePtr i = vu_node_child(fwd, "interface"); r == 0 && i;
	     i = vu_node_next(i, "interface")) {
		r = vu_node_get(i, NULL, "dev", &v[k]);
		if (r == 0)
			k++;
		else if (r == -ENOENT)
			r = 0;
	}
	if (r < 0) {
		vu_net_strv_free(v);
		v = NULL, k = 0;
	}
	*devs = v;
	*n = k;
	return r;
}

int vu_network_get_domain(const struct vu_network *net, char **out)
{
	return vu_node_get(net_root(net), "domain", "name", out);
}

bool vu_network_domain_local_only(const struct vu_network *net)
{
	return vu_node_value_is(net_root(net), "domain", "localOnly", "yes");
}

int vu_network_get_mtu(const struct vu_network *net, unsigned *out)
{
	uint64_t v;
	int r = vu_node_get_uint(net_root(net), "mtu", "size", &v);

	if (r == 0 && v > 65535)
		r = -EINVAL;
	*out = r == 0 ? (unsigned)v : 0;
	return r;
}

/* ---- the check ---- */

static int check_ids(xmlNodePtr root, struct vu_err *e)
{
	char uuid[VU_UUID_STRLEN], mac[VU_MAC_STRLEN], *text = NULL, *name = NULL;
	int r;

	if (vu_node_count(root, "name") != 1)
		return vu_err_set(e, EINVAL, "a network needs exactly one <name>");
	if ((r = vu_node_get(root, "name", NULL, &name)) < 0)
		return vu_err_set(e, -r, NULL);
	r = vu_xml_name_check("network", name, e);
	free(name);
	if (r == 0 && vu_model_opt(root, "uuid", NULL, &text) == 0 && text &&
	    vu_uuid_normalize(text, uuid) < 0)
		r = vu_err_set(e, EINVAL, "invalid UUID '%s'", VU_SHOWN(text));
	free(text);
	text = NULL;
	if (r == 0 && vu_model_opt(root, "mac", "address", &text) == 0 && text &&
	    vu_mac_normalize(text, mac) < 0)
		r = vu_err_set(e, EINVAL, "invalid bridge MAC address '%s'", VU_SHOWN(text));
	free(text);
	return r;
}

/* <domain name> goes into dnsmasq's domain= and local=/NAME/ lines. */
static int check_domain(const struct vu_network *net, struct vu_err *e)
{
	char *dom = NULL;
	int r = vu_model_opt(net_root(net), "domain", "name", &dom);

	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (dom && (!*dom || net_has_ctl(dom) || strpbrk(dom, "/,# ")))
		r = vu_err_set(e, EINVAL, "invalid domain name '%s'", VU_SHOWN(dom));
	free(dom);
	return r;
}

/* The dev attribute of node, if any, a name the kernel takes. */
static int check_dev(xmlNodePtr node, struct vu_err *e)
{
	char *dev = NULL;
	int r = vu_model_opt(node, NULL, "dev", &dev);

	if (r < 0)
		r = vu_err_set(e, -r, NULL);
	else if (dev && vu_ifname_check(dev, NULL) < 0)
		r = vu_err_set(e, EINVAL, "invalid forward device '%s'", VU_SHOWN(dev));
	free(dev);
	return r;
}

/* The host interfaces a network forwards through go to netlink and into
 * firewall rules as they are. */
static int check_devs(const struct vu_network *net, struct vu_err *e)
{
	xmlNodePtr fwd = vu_node_child(net_root(net), "forward");
	int r = fwd ? check_dev(fwd, e) : 0;

	for (xmlNodePtr i = vu_node_child(fwd, "interface"); r == 0 && i;
	     i = vu_node_next(i, "interface"))
		r = check_dev(i, e);
	return r;
}

static int check_bridge(const struct vu_network *net, int fwd, struct vu_err *e)
{
	char *br = NULL, *dev = NULL;
	uint64_t mtu;
	int r = vu_model_opt(net_root(net), "bridge", "name", &br);

	if (r == 0 && br && vu_ifname_check(br, NULL) < 0)
		r = vu_err_set(e, EINVAL, "invalid bridge name '%s'", VU_SHOWN(br));
	if (r == 0 && fwd == VU_NET_BRIDGE && !br &&
	    !vu_node_find(net_root(net), "forward/interface") &&
	    !vu_node_find(net_root(net), "virtualport"))
		r = vu_err_set(e, EINVAL, "forward mode 'bridge' needs a bridge name or an interface");
	if (r == 0 && (fwd == VU_NET_PRIVATE || fwd == VU_NET_VEPA ||
		       fwd == VU_NET_PASSTHROUGH) && br)
		r = vu_err_set(e, EINVAL, "forward mode '%s' takes no bridge name",
			       forward_names[fwd]);
	if (r == 0 && (fwd == VU_NET_PRIVATE || fwd == VU_NET_VEPA ||
		       fwd == VU_NET_PASSTHROUGH) &&
	    vu_model_opt(net_root(net), "forward", "dev", &dev) == 0 && !dev &&
	    !vu_node_find(net_root(net), "forward/interface"))
		r = vu_err_set(e, EINVAL, "forward mode '%s' needs a dev or an interface",
			       forward_names[fwd]);
	if (r == 0 && vu_node_child(net_root(net), "mtu") &&
	    (vu_node_get_uint(net_root(net), "mtu", "size", &mtu) < 0 || mtu < 68 ||
	     mtu > 65535))
		r = vu_err_set(e, EINVAL, "<mtu size>: not a size from 68 to 65535");
	free(br);
	free(dev);
	if (r == 0)
		r = check_devs(net, e);
	return r < 0 ? r : check_domain(net, e);
}

int vu_network_check(const struct vu_network *net, struct vu_err *e)
{
	xmlNodePtr root = net_root(net);
	struct vu_net_dns dns;
	struct vu_net_ip *ips;
	size_t n;
	int fwd, r;

	if (!vu_node_is(root, "network"))
		return vu_err_set(e, EINVAL, "the root element is not <network>");
	if ((r = check_ids(root, e)) < 0)
		return r;
	if ((fwd = vu_network_get_forward(net)) < 0)
		return vu_err_set(e, EINVAL, "unknown forward mode");
	if ((r = check_bridge(net, fwd, e)) < 0)
		return r;
	if ((r = vu_network_get_ips(net, &ips, &n, e)) < 0)
		return r;
	vu_net_ips_free(ips, n);
	if (n && !vu_net_forward_has_bridge((enum vu_net_forward)fwd))
		return vu_err_set(e, EINVAL, "forward mode '%s' takes no <ip>", forward_names[fwd]);
	if ((r = vu_network_get_dns(net, &dns, e)) < 0)
		return r;
	vu_net_dns_free(&dns);
	return vu_xml_validate_libvirt(net->doc, "network.rng", e);
}

/* ---- libvirt's default network ---- */

int vu_network_new_default(struct vu_network **out, const char *name, const char *bridge,
			   unsigned third_octet)
{
	char addr[16], start[16], end[16];
	xmlNodePtr root, n;
	int r = vu_network_new(out, name);

	if (r < 0)
		return r;
	snprintf(addr, sizeof(addr), "192.168.%u.1", third_octet & 0xff);
	snprintf(start, sizeof(start), "192.168.%u.2", third_octet & 0xff);
	snprintf(end, sizeof(end), "192.168.%u.254", third_octet & 0xff);
	root = net_root(*out);
	r = vu_network_set_bridge(*out, bridge);
	if (r == 0)
		r = vu_node_insert(root, "forward", NULL, NULL);
	if (r == 0 && (r = vu_node_insert(root, "ip", NULL, &n)) == 0)
		r = vu_node_set_attrs(n, (const char *const[]){ "address", addr, "netmask",
								"255.255.255.0", NULL });
	if (r == 0 && (r = vu_node_ensure(n, "dhcp/range", &n)) == 0)
		r = vu_node_set_attrs(n, (const char *const[]){ "start", start, "end", end, NULL });
	if (r < 0)
		vu_network_free(out);
	return r;
}
