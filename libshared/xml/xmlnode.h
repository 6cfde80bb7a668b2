/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xmlnode.h - small tree helpers shared by the pool and volume accessors
 * (private to libshared/xml) */
#ifndef VU_XMLNODE_H
#define VU_XMLNODE_H

#include <stdbool.h>
#include <libxml/tree.h>

/* The first element child of parent named name (no namespace), or NULL. */
xmlNodePtr vu_xn_child(xmlNodePtr parent, const char *name);
/* The number of element children named name. */
int vu_xn_count(xmlNodePtr parent, const char *name);
/* Follows a "a/b/c" path of first children; NULL when one is missing. */
xmlNodePtr vu_xn_path(xmlNodePtr from, const char *path);
/* malloc'd copies (NULL when missing, or on ENOMEM: *oom tells which). */
char *vu_xn_text(xmlNodePtr n, bool *oom);
char *vu_xn_attr(xmlNodePtr n, const char *attr, bool *oom);
/* Appends <name>text</name> (text may be NULL for an empty element). */
xmlNodePtr vu_xn_add(xmlNodePtr parent, const char *name, const char *text);
/* Inserts a new element after sibling (or as first child when NULL). */
xmlNodePtr vu_xn_insert_after(xmlNodePtr parent, xmlNodePtr sibling, const char *name,
			      const char *text);
/* Unlinks and frees every element child named name. */
void vu_xn_remove_all(xmlNodePtr parent, const char *name);

#endif
