/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xmlnode.h - the one way libshared and the tools read and edit elements of
 * a libxml2 tree: by name and path, with errors as 0 / -errno */
#ifndef VU_XMLNODE_H
#define VU_XMLNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>

/*
 * Conventions:
 *  - Children are matched by name in their parent's namespace: libvirt's
 *    elements are in none, so another application's elements among them
 *    (under <metadata>) are never matched by accident, and an application's
 *    own record is read and built with the same calls. vu_node_is, for a
 *    node on its own, means no namespace. New elements take their parent's.
 *  - A path is element names separated by '/' ("source/host"), below the
 *    node given; each step takes the first child of that name. NULL or ""
 *    is the node itself.
 *  - attr NULL means the element's text.
 *  - Functions return 0 or -errno: -ENOENT when what is read is absent
 *    (a NULL node included, so lookups compose), -EINVAL for a bad
 *    argument, -ENOMEM. Lookups return the node, or NULL.
 *  - Strings handed out are malloc'd copies (free()); *out is NULL on error.
 *  - A new element lands where libvirt writes it among its siblings, by
 *    the order tables of the document's kind (node.c: domain, pool,
 *    volume, network); unknown siblings are stepped over, and an element
 *    the table does not rank goes at the end.
 *
 * How a document model is written (libshared/xml/domainxml*.c, poolxml.c,
 * volxml.c, networkxml*.c). K is the kind's prefix: domain, network,
 * or poolxml and volxml where libshared/storage already names its live
 * objects struct vu_pool and struct vu_vol.
 *  1. An opaque handle that owns one xmlDocPtr (struct vu_domain, struct
 *     vu_poolxml, struct vu_volxml, struct vu_network). Nothing is kept
 *     beside the tree, so what the model does not know round-trips (equal
 *     under C14N).
 *  2. Open: vu_K_load(&h, path, e) and vu_K_parse(&h, buf, len, e) on
 *     vu_xml_load/vu_xml_parse (no network, no entities), vu_K_new() for a
 *     new document; the shared first steps are in xml/model.h, and a
 *     handle that holds only its tree gets these and step 5 from one
 *     VU_MODEL_HANDLE(vu_K) line there (pools, volumes).
 *  3. Check, in one function: what libvirt's parser and schema would
 *     refuse, with "what is wrong" in e (vu_poolxml_read and vu_volxml_read
 *     also fill a struct of typed fields; the domain checks its root at
 *     load). The tests validate what the model writes against libvirt's
 *     RelaxNG schema (VU_K_RNG) with vu_xml_validate.
 *  4. Typed get/set (vu_domain_get_name, vu_poolxml_set_uuid, ...) written
 *     with vu_node_* only, no raw xmlGetProp/xmlSetProp; the kind's child
 *     order goes into the tables in node.c.
 *  5. vu_K_format(h): libvirt's layout (vu_xml_format); vu_K_doc(h): the
 *     tree, for C14N comparison and schema validation; vu_K_free(&h).
 */

/* An element in no namespace named name (NULL: any such element)? */
bool vu_node_is(const xmlNode *node, const char *name);
/* The first child element named name (NULL: any), or NULL. */
xmlNodePtr vu_node_child(const xmlNode *parent, const char *name);
/* The next sibling element named name (NULL: any), or NULL. */
xmlNodePtr vu_node_next(const xmlNode *node, const char *name);
/* How many child elements are named name. */
size_t vu_node_count(const xmlNode *parent, const char *name);
/* The element at path below node; NULL when a step is missing or the path
 * is not element names. */
xmlNodePtr vu_node_find(const xmlNode *node, const char *path);

/* The attribute (or text) of the element at path. */
int vu_node_get(const xmlNode *node, const char *path, const char *attr, char **out);
/* The same as a non-negative decimal number; -EINVAL when it is not one. */
int vu_node_get_uint(const xmlNode *node, const char *path, const char *attr,
		     uint64_t *out);
/* Whether the attribute (or text) of the element at path is value. */
bool vu_node_value_is(const xmlNode *node, const char *path, const char *attr,
		      const char *value);
/* Whether path (not empty) names an element below node: flags such as
 * <readonly/>. */
bool vu_node_has(const xmlNode *node, const char *path);

/*
 * Sets the attribute (or replaces the text) of the element at path,
 * creating missing elements. value NULL removes: the attribute, and then
 * the element at path (not node itself) when nothing is left in it, since
 * an empty <source/> would mean something else (an empty CD-ROM); for attr
 * NULL, the element at path with all it holds. Absent is already removed.
 */
int vu_node_set(xmlNodePtr node, const char *path, const char *attr, const char *value);
/* Sets attributes from name, value pairs ended by a NULL name; pairs with a
 * NULL value are skipped. */
int vu_node_set_attrs(xmlNodePtr node, const char *const *attrs);
/* Creates (on) or removes (off) the flag element at path (not empty). */
int vu_node_flag(xmlNodePtr node, const char *path, bool on);

/* The element at path, creating missing steps; *out (may be NULL) gets it. */
int vu_node_ensure(xmlNodePtr node, const char *path, xmlNodePtr *out);
/* A new child element name holding text (NULL: empty), placed among its
 * siblings as the conventions say. */
int vu_node_insert(xmlNodePtr parent, const char *name, const char *text,
		   xmlNodePtr *out);
/* Links node (not yet in a tree) under parent in the same place; on error
 * node stays the caller's. */
int vu_node_place(xmlNodePtr parent, xmlNodePtr node);

/* Unlinks and frees node (NULL is fine). */
void vu_node_remove(xmlNodePtr node);
/* Removes node when it has neither attributes nor children left. */
void vu_node_remove_if_empty(xmlNodePtr node);
/* Removes every child element named name. */
void vu_node_remove_all(xmlNodePtr parent, const char *name);

#endif
