/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_priv.h - what the domainxml*.c files share and nobody else sees:
 * the document handle and the tree helpers (vu_dt_*) they are built on */
#ifndef VU_DOMAINXML_PRIV_H
#define VU_DOMAINXML_PRIV_H

#include <stdbool.h>
#include <libxml/tree.h>

#include "vu/domainxml.h"

struct vu_domain {
	xmlDocPtr doc;
};

#define VU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* <domain>, the root (vu_domain_load made sure of it). */
xmlNodePtr vu_dt_root(const struct vu_domain *dom);
/* An element in no namespace with that name? */
bool vu_dt_is(const xmlNode *node, const char *name);
/* The first child element named name (in no namespace), or NULL. */
xmlNodePtr vu_dt_child(const xmlNode *parent, const char *name);
/* The next sibling element after node named name (NULL: any element). */
xmlNodePtr vu_dt_next(const xmlNode *node, const char *name);
/* Links node (not yet in a tree) under parent where libvirt writes it among
 * its siblings; returns node, or NULL when it could not be linked. */
xmlNodePtr vu_dt_place(xmlNodePtr parent, xmlNodePtr node);
/* A new child element placed as vu_dt_place does; NULL when out of memory. */
xmlNodePtr vu_dt_insert(xmlNodePtr parent, const char *name);
/* The first child named name, or a new one placed as vu_dt_insert does. */
xmlNodePtr vu_dt_child_ensure(xmlNodePtr parent, const char *name);
/* The element at a '/'-separated path below node ("" or NULL: node). */
xmlNodePtr vu_dt_find(const xmlNode *node, const char *path);
int vu_dt_ensure(xmlNodePtr node, const char *path, xmlNodePtr *out);
/* An attribute (no namespace) or, for attr NULL, the text: a malloc'd copy,
 * -ENOENT when absent. */
int vu_dt_get(const xmlNode *node, const char *attr, char **out);
/* Sets an attribute, or for attr NULL replaces the content with text;
 * value NULL removes the attribute. */
int vu_dt_set(xmlNodePtr node, const char *attr, const char *value);
/* Unlinks and frees node. */
void vu_dt_remove(xmlNodePtr node);
/* Removes node when it has neither attributes nor children left. */
void vu_dt_remove_if_empty(xmlNodePtr node);
/* A malloc'd copy of s (NULL gives -ENOENT). */
int vu_dt_dup(const xmlChar *s, char **out);
/* Is s one of the NULL-terminated words? */
bool vu_dt_word_in(const char *s, const char *const *words);
/* Sets attributes from name, value pairs ended by a NULL name; NULL values
 * are skipped. */
int vu_dt_set_attrs(xmlNodePtr node, const char *const *attrs);
/* The <devices> element, created when create is set. */
xmlNodePtr vu_dt_devices(const struct vu_domain *dom, bool create);

#endif
