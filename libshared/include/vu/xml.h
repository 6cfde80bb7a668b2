/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xml.h - libxml2 documents: safe loading, libvirt's layout, C14N, RelaxNG */
#ifndef VU_XML_H
#define VU_XML_H

#include <stdbool.h>
#include <libxml/tree.h>

#include "vu/err.h"

/*
 * Loads from a path, or stdin for "-", with no network access, no external
 * entities (references stay unexpanded; nothing is read), no DTD loading.
 * Blank text between elements is dropped so vu_xml_format can indent.
 * Errors go to e, never to stderr or libxml2's global handlers. On error
 * returns NULL and fills e: a parse error (code EINVAL) as
 * "line L column C: what" with libxml2's first message (the caller names
 * the file); an undeclared namespace prefix counts as one. A file that
 * cannot be read gives its errno and an empty message (strerror); 64 MiB
 * or more gives EFBIG. Free the document with xmlFreeDoc().
 */
xmlDocPtr vu_xml_load(const char *path, struct vu_err *e);
xmlDocPtr vu_xml_parse(const char *buf, size_t len, struct vu_err *e);
/* Serialises as libvirt does: 2-space indent, no XML declaration, UTF-8
 * text as is, final newline. Returns a malloc'd string (free()) or NULL. */
char *vu_xml_format(xmlDocPtr doc);
/* Canonical XML 1.0 forms (without comments) are equal: quote style,
 * attribute order and namespace declaration style do not count. False
 * also when either cannot be canonicalised (an unexpanded entity reference,
 * a relative namespace URI). Prints nothing. */
bool vu_xml_c14n_equal(xmlDocPtr a, xmlDocPtr b);
/* Validates against a RelaxNG schema file (such as libvirt's
 * /usr/share/libvirt/schemas/domain.rng); 0, or -EINVAL with the first
 * error in e ("line L: what"). A schema that cannot be read gives -errno,
 * one that does not parse -EBADMSG, both with "schema PATH: ..." in e. */
int vu_xml_validate(xmlDocPtr doc, const char *rng_path, struct vu_err *e);

#endif
