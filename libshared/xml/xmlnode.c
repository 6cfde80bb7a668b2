/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xmlnode.c - small tree helpers for the pool and volume accessors */
#include <stdlib.h>
#include <string.h>

#include "xmlnode.h"

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns &&
	       strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr vu_xn_child(xmlNodePtr parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNodePtr n = parent->children; n; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

int vu_xn_count(xmlNodePtr parent, const char *name)
{
	int count = 0;

	if (!parent)
		return 0;
	for (xmlNodePtr n = parent->children; n; n = n->next)
		count += is_elem(n, name);
	return count;
}

xmlNodePtr vu_xn_path(xmlNodePtr from, const char *path)
{
	char buf[128];
	char *save = NULL;

	if (strlen(path) >= sizeof(buf))
		return NULL;
	strcpy(buf, path);
	for (char *p = strtok_r(buf, "/", &save); p && from; p = strtok_r(NULL, "/", &save))
		from = vu_xn_child(from, p);
	return from;
}

static char *dup_xml(xmlChar *s, bool *oom)
{
	char *out;

	if (!s)
		return NULL;
	out = strdup((const char *)s);
	xmlFree(s);
	if (!out && oom)
		*oom = true;
	return out;
}

char *vu_xn_text(xmlNodePtr n, bool *oom)
{
	return n ? dup_xml(xmlNodeGetContent(n), oom) : NULL;
}

char *vu_xn_attr(xmlNodePtr n, const char *attr, bool *oom)
{
	return n ? dup_xml(xmlGetNoNsProp(n, (const xmlChar *)attr), oom) : NULL;
}

xmlNodePtr vu_xn_add(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

xmlNodePtr vu_xn_insert_after(xmlNodePtr parent, xmlNodePtr sibling, const char *name,
			      const char *text)
{
	xmlNodePtr n = xmlNewDocNode(parent->doc, NULL, (const xmlChar *)name, NULL);

	if (!n)
		return NULL;
	if (text) {
		xmlNodePtr t = xmlNewDocText(parent->doc, (const xmlChar *)text);

		if (!t || !xmlAddChild(n, t)) {
			xmlFreeNode(t);
			xmlFreeNode(n);
			return NULL;
		}
	}
	if (sibling)
		return xmlAddNextSibling(sibling, n);
	if (parent->children)
		return xmlAddPrevSibling(parent->children, n);
	return xmlAddChild(parent, n);
}

void vu_xn_remove_all(xmlNodePtr parent, const char *name)
{
	xmlNodePtr next;

	for (xmlNodePtr n = parent->children; n; n = next) {
		next = n->next;
		if (is_elem(n, name)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
}
