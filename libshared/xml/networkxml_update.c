/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkxml_update.c - virsh net-update's edits: an element given as XML
 * added first or last, deleted or modified in one section of a network,
 * on a copy that must pass the check before it replaces the document */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "vu/networkxml.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "model.h"
#include "networkxml_priv.h"

static const char *const section_names[VU_NET_SECTION_COUNT] = {
	[VU_NET_SECTION_IP_DHCP_HOST] = "ip-dhcp-host",
	[VU_NET_SECTION_IP_DHCP_RANGE] = "ip-dhcp-range",
	[VU_NET_SECTION_DNS_HOST] = "dns-host",
	[VU_NET_SECTION_DNS_TXT] = "dns-txt",
	[VU_NET_SECTION_DNS_SRV] = "dns-srv",
	[VU_NET_SECTION_FORWARD_INTERFACE] = "forward-interface",
	[VU_NET_SECTION_PORTGROUP] = "portgroup",
};
/* The element each section's XML is. */
static const char *const section_elems[VU_NET_SECTION_COUNT] = {
	[VU_NET_SECTION_IP_DHCP_HOST] = "host", [VU_NET_SECTION_IP_DHCP_RANGE] = "range",
	[VU_NET_SECTION_DNS_HOST] = "host", [VU_NET_SECTION_DNS_TXT] = "txt",
	[VU_NET_SECTION_DNS_SRV] = "srv", [VU_NET_SECTION_FORWARD_INTERFACE] = "interface",
	[VU_NET_SECTION_PORTGROUP] = "portgroup",
};

int vu_net_section_parse(const char *s)
{
	for (int i = 0; s && i < VU_NET_SECTION_COUNT; i++)
		if (strcmp(s, section_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *vu_net_section_name(enum vu_net_section s)
{
	return (unsigned)s < VU_NET_SECTION_COUNT ? section_names[s] : NULL;
}

int vu_net_update_cmd_parse(const char *s)
{
	static const struct {
		const char *word;
		enum vu_net_update_cmd cmd;
	} words[] = {
		{ "add", VU_NET_UPDATE_ADD_LAST }, { "add-last", VU_NET_UPDATE_ADD_LAST },
		{ "add-first", VU_NET_UPDATE_ADD_FIRST }, { "delete", VU_NET_UPDATE_DELETE },
		{ "modify", VU_NET_UPDATE_MODIFY },
	};

	for (size_t i = 0; s && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i].word) == 0)
			return (int)words[i].cmd;
	return -EINVAL;
}

/* ---- which element is meant ---- */

static bool is_ipv6(xmlNodePtr ipn)
{
	return vu_node_value_is(ipn, NULL, "family", "ipv6");
}

/* libvirt's choice of <ip> for the DHCP sections: the one at index, or
 * with -1 the one that has DHCP, else the first IPv4, else the first IPv6. */
static xmlNodePtr pick_ip(xmlNodePtr root, int index, struct vu_err *e)
{
	xmlNodePtr ipn, first4 = NULL, first6 = NULL;
	int k = 0;

	for (ipn = vu_node_child(root, "ip"); ipn; ipn = vu_node_next(ipn, "ip"), k++) {
		if (index >= 0 && k == index)
			return ipn;
		if (index < 0 && (vu_node_find(ipn, "dhcp/range") || vu_node_find(ipn, "dhcp/host")))
			return ipn;
		if (!is_ipv6(ipn) && !first4)
			first4 = ipn;
		if (is_ipv6(ipn) && !first6)
			first6 = ipn;
	}
	if (index < 0 && (first4 || first6))
		return first4 ? first4 : first6;
	if (index >= 0)
		vu_err_set(e, ENOENT, "no <ip> element at index %d", index);
	else
		vu_err_set(e, ENOENT, "the network has no <ip> element");
	return NULL;
}

/* The element the section's entries live in; created unless create is
 * false (then NULL when absent, with e unset). */
static xmlNodePtr section_parent(xmlNodePtr root, enum vu_net_section s, int index,
				 bool create, struct vu_err *e)
{
	const char *path = NULL;
	xmlNodePtr base = root, out = NULL;

	switch (s) {
	case VU_NET_SECTION_IP_DHCP_HOST:
	case VU_NET_SECTION_IP_DHCP_RANGE:
		if (!(base = pick_ip(root, index, e)))
			return NULL;
		path = "dhcp";
		break;
	case VU_NET_SECTION_DNS_HOST:
	case VU_NET_SECTION_DNS_TXT:
	case VU_NET_SECTION_DNS_SRV:
		path = "dns";
		break;
	case VU_NET_SECTION_FORWARD_INTERFACE:
		/* The interfaces belong to a forward mode that is already there. */
		if (!(out = vu_node_child(root, "forward")))
			vu_err_set(e, ENOENT, "the network has no <forward> element");
		return out;
	default:
		return root;
	}
	if (!create)
		return vu_node_find(base, path);
	if (vu_node_ensure(base, path, &out) < 0)
		vu_err_set(e, ENOMEM, NULL);
	return out;
}

/* Both elements have attr, with equal values (addresses compared as
 * addresses, MACs without case). */
static bool attr_eq(xmlNodePtr a, xmlNodePtr b, const char *attr)
{
	unsigned char x[16], y[16];
	char *va = NULL, *vb = NULL;
	bool eq = false;
	int fa, fb;

	if (vu_node_get(a, NULL, attr, &va) == 0 && vu_node_get(b, NULL, attr, &vb) == 0) {
		fa = net_addr_parse(va, AF_UNSPEC, x);
		fb = net_addr_parse(vb, AF_UNSPEC, y);
		if (fa > 0 && fa == fb)
			eq = memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
		else
			eq = strcasecmp(va, vb) == 0;
	}
	free(va);
	free(vb);
	return eq;
}

static bool has(xmlNodePtr n, const char *attr)
{
	char *v = NULL;
	bool found = vu_node_get(n, NULL, attr, &v) == 0;

	free(v);
	return found;
}

/* The key an entry is found by in delete and modify. */
static bool same_entry(enum vu_net_section s, xmlNodePtr old, xmlNodePtr new)
{
	switch (s) {
	case VU_NET_SECTION_IP_DHCP_HOST:
		if (has(new, "mac"))
			return attr_eq(old, new, "mac");
		if (has(new, "id"))
			return attr_eq(old, new, "id");
		return has(new, "name") ? attr_eq(old, new, "name") : attr_eq(old, new, "ip");
	case VU_NET_SECTION_IP_DHCP_RANGE:
		return attr_eq(old, new, "start") && attr_eq(old, new, "end");
	case VU_NET_SECTION_DNS_HOST:
		return attr_eq(old, new, "ip");
	case VU_NET_SECTION_DNS_TXT:
	case VU_NET_SECTION_PORTGROUP:
		return attr_eq(old, new, "name");
	case VU_NET_SECTION_DNS_SRV:
		return attr_eq(old, new, "service") && attr_eq(old, new, "protocol") &&
		       (!has(new, "domain") || attr_eq(old, new, "domain")) &&
		       (!has(new, "target") || attr_eq(old, new, "target")) &&
		       (!has(new, "port") || attr_eq(old, new, "port"));
	case VU_NET_SECTION_FORWARD_INTERFACE:
		return attr_eq(old, new, "dev");
	default:
		return false;
	}
}

/* What an add must not duplicate: a DHCP host's MAC, address or name as
 * well as its key (dnsmasq would hand one address to two hosts). */
static bool clashes(enum vu_net_section s, xmlNodePtr old, xmlNodePtr new)
{
	if (s == VU_NET_SECTION_IP_DHCP_HOST)
		return attr_eq(old, new, "mac") || attr_eq(old, new, "ip") ||
		       attr_eq(old, new, "name") || attr_eq(old, new, "id");
	return same_entry(s, old, new);
}

static xmlNodePtr find_entry(xmlNodePtr parent, enum vu_net_section s, xmlNodePtr new,
			     bool (*match)(enum vu_net_section, xmlNodePtr, xmlNodePtr))
{
	const char *elem = section_elems[s];

	for (xmlNodePtr n = vu_node_child(parent, elem); n; n = vu_node_next(n, elem))
		if (match(s, n, new))
			return n;
	return NULL;
}

/* ---- the edit ---- */

/* Links copy (not yet in the tree) first or last among its kind under
 * parent, or where the order tables put the first one. */
static int place(xmlNodePtr parent, xmlNodePtr copy, const char *elem, bool first)
{
	xmlNodePtr same = vu_node_child(parent, elem), last = same;

	if (!same)
		return vu_node_place(parent, copy);
	while (vu_node_next(last, elem))
		last = vu_node_next(last, elem);
	if (!(first ? xmlAddPrevSibling(same, copy) : xmlAddNextSibling(last, copy)))
		return -ENOMEM;
	return 0;
}

/* e is not NULL (the caller's own). */
static int apply(xmlNodePtr root, enum vu_net_update_cmd cmd, enum vu_net_section s,
		 int index, xmlNodePtr new, struct vu_err *e)
{
	bool add = cmd == VU_NET_UPDATE_ADD_FIRST || cmd == VU_NET_UPDATE_ADD_LAST;
	xmlNodePtr parent = section_parent(root, s, index, add, e), old, copy;
	const char *what = section_names[s];
	int r;

	if (cmd == VU_NET_UPDATE_MODIFY && s != VU_NET_SECTION_IP_DHCP_HOST &&
	    s != VU_NET_SECTION_PORTGROUP)	/* as libvirt: only these have more than a key */
		return vu_err_set(e, ENOTSUP, "%s entries cannot be modified, only added or deleted",
				  what);
	if (!parent)	/* e is set, unless there is just no such section */
		return e->code ? -e->code : vu_err_set(e, ENOENT, "no matching %s entry", what);
	old = find_entry(parent, s, new, add ? clashes : same_entry);
	if (add && old)
		return vu_err_set(e, EEXIST, "there is already a matching %s entry", what);
	if (!add && !old)
		return vu_err_set(e, ENOENT, "no matching %s entry", what);
	if (cmd == VU_NET_UPDATE_DELETE) {
		vu_node_remove(old);
		/* An empty <dhcp> or <dns> means nothing; an empty <forward>
		 * is NAT, not isolated, and stays. */
		if (vu_node_is(parent, "dhcp") || vu_node_is(parent, "dns"))
			vu_node_remove_if_empty(parent);
		return 0;
	}
	if (!(copy = xmlDocCopyNode(new, root->doc, 1)))
		return vu_err_set(e, ENOMEM, NULL);
	if (cmd == VU_NET_UPDATE_MODIFY) {
		xmlReplaceNode(old, copy);
		xmlFreeNode(old);
		return 0;
	}
	if ((r = place(parent, copy, section_elems[s], cmd == VU_NET_UPDATE_ADD_FIRST)) < 0) {
		xmlFreeNode(copy);
		return vu_err_set(e, -r, NULL);
	}
	return 0;
}

static int parse_entry(xmlDocPtr *doc, enum vu_net_section s, const char *xml,
		       struct vu_err *e)
{
	struct vu_err le = { 0 };
	int r;

	if (!xml)
		return vu_err_set(e, EINVAL, "no XML given");
	r = vu_model_parse(doc, xml, strlen(xml), &le);
	if (r < 0)
		return vu_err_set(e, -r, "%s XML: %s", section_names[s], vu_err_str(&le));
	if (!vu_node_is(xmlDocGetRootElement(*doc), section_elems[s])) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		return vu_err_set(e, EINVAL, "%s XML: the element must be <%s>", section_names[s],
				  section_elems[s]);
	}
	return 0;
}

int vu_network_update(struct vu_network *net, enum vu_net_update_cmd cmd,
		      enum vu_net_section section, int parent_index, const char *xml,
		      struct vu_err *e)
{
	struct vu_network *work = NULL;
	struct vu_err le = { 0 };
	xmlDocPtr entry = NULL, tmp;
	int r;

	if (!net || (unsigned)cmd >= VU_NET_UPDATE_CMD_COUNT ||
	    (unsigned)section >= VU_NET_SECTION_COUNT)
		return vu_err_set(e, EINVAL, NULL);
	if ((r = parse_entry(&entry, section, xml, e)) < 0)
		return r;
	r = vu_network_copy(&work, net);
	if (r < 0)
		vu_err_set(e, -r, NULL);
	if (r == 0)
		r = apply(net_root(work), cmd, section, parent_index,
			  xmlDocGetRootElement(entry), &le);
	if (r < 0 && le.code)
		*(e ? e : &le) = le;
	if (r == 0)
		r = vu_network_check(work, e);
	if (r == 0) {
		tmp = net->doc;
		net->doc = work->doc;
		work->doc = tmp;
	}
	vu_network_free(&work);
	xmlFreeDoc(entry);
	return r;
}
