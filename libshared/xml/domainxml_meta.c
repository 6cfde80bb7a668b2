/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_meta.c - applications' elements under <metadata>, one per
 * namespace, read and replaced without disturbing anyone else's. Raw
 * libxml2 beside vu_node_*: these elements are found by namespace URI and
 * moved between documents, which the node module (by name) does not do. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vu/domainxml.h"
#include "vu/xml.h"

#include "domainxml_priv.h"

static bool in_ns(const xmlNode *node, const char *uri)
{
	return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
	       xmlStrEqual(node->ns->href, (const xmlChar *)uri);
}

xmlNodePtr vu_domain_metadata_node(const struct vu_domain *dom, const char *uri)
{
	xmlNodePtr md = vu_node_child(vu_domain_root(dom), "metadata");

	if (!uri)
		return NULL;
	for (xmlNodePtr c = md ? md->children : NULL; c; c = c->next)
		if (in_ns(c, uri))
			return c;
	return NULL;
}

int vu_domain_get_metadata(const struct vu_domain *dom, const char *uri, char **xml)
{
	xmlNodePtr node, copy;
	xmlDocPtr doc;

	if (!xml)
		return -EINVAL;
	*xml = NULL;
	node = vu_domain_metadata_node(dom, uri);
	if (!node)
		return -ENOENT;
	/* A copy in a document of its own gets the namespace declarations it
	 * inherited from <domain> or <metadata>, so the text stands alone. */
	doc = xmlNewDoc((const xmlChar *)"1.0");
	copy = doc ? xmlDocCopyNode(node, doc, 1) : NULL;
	if (copy)
		xmlDocSetRootElement(doc, copy);
	*xml = copy ? vu_xml_format(doc) : NULL;
	xmlFreeDoc(doc);
	return *xml ? 0 : -ENOMEM;
}

/* Moves node and its descendants in no namespace into ns (the parser's
 * depth limit bounds the recursion). */
static void adopt_ns(xmlNodePtr node, xmlNsPtr ns)
{
	if (!node->ns)
		xmlSetNs(node, ns);
	for (xmlNodePtr c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			adopt_ns(c, ns);
}

/* The fragment's root copied into dom's document, in namespace uri. */
static int import(struct vu_domain *dom, xmlDocPtr frag, const char *prefix,
		  const char *uri, xmlNodePtr *out, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(frag), copy;

	if (root->ns && !in_ns(root, uri))
		return vu_err_set(e, EINVAL, "<%s> is in namespace %s, not %s",
				  (const char *)root->name, (const char *)root->ns->href, uri);
	if (!root->ns && (!prefix || xmlValidateNCName((const xmlChar *)prefix, 0)))
		return vu_err_set(e, EINVAL, "a namespace prefix is needed for <%s>",
				  (const char *)root->name);
	copy = xmlDocCopyNode(root, dom->doc, 1);
	if (!copy)
		return vu_err_set(e, ENOMEM, NULL);
	if (!root->ns) {
		xmlNsPtr ns = xmlNewNs(copy, (const xmlChar *)uri, (const xmlChar *)prefix);

		if (!ns) {
			xmlFreeNode(copy);
			return vu_err_set(e, ENOMEM, NULL);
		}
		adopt_ns(copy, ns);
	}
	*out = copy;
	return 0;
}

/* Drops every element of namespace uri from <metadata>; returns the node
 * that followed the first one (where a replacement goes), or NULL. */
static xmlNodePtr drop(xmlNodePtr md, const char *uri, bool *found)
{
	xmlNodePtr next, where = NULL;

	*found = false;
	for (xmlNodePtr c = md ? md->children : NULL; c; c = next) {
		next = c->next;
		if (!in_ns(c, uri))
			continue;
		if (!*found)
			where = next;
		*found = true;
		vu_node_remove(c);
	}
	return where;
}

static int remove_metadata(struct vu_domain *dom, const char *uri)
{
	xmlNodePtr md = vu_node_child(vu_domain_root(dom), "metadata");
	bool found;

	drop(md, uri, &found);
	if (md && !md->children)
		vu_node_remove(md);
	return 0;
}

int vu_domain_set_metadata(struct vu_domain *dom, const char *prefix, const char *uri,
			   const char *xml, struct vu_err *e)
{
	struct vu_err le = { 0 };
	xmlNodePtr md, node = NULL, where;
	xmlDocPtr frag;
	bool found;
	int r;

	if (!dom || !uri || !*uri)
		return vu_err_set(e, EINVAL, NULL);
	if (!xml)
		return remove_metadata(dom, uri);
	frag = vu_xml_parse(xml, strlen(xml), &le);
	if (!frag)
		return vu_err_set(e, le.code ? le.code : EINVAL, "%s", vu_err_str(&le));
	r = import(dom, frag, prefix, uri, &node, e);
	xmlFreeDoc(frag);
	if (r < 0)
		return r;
	if (vu_node_ensure(vu_domain_root(dom), "metadata", &md) < 0) {
		xmlFreeNode(node);
		return vu_err_set(e, ENOMEM, NULL);
	}
	where = drop(md, uri, &found);
	if ((found && where) ? xmlAddPrevSibling(where, node) : xmlAddChild(md, node))
		return 0;
	xmlFreeNode(node);
	return vu_err_set(e, ENOMEM, NULL);
}
