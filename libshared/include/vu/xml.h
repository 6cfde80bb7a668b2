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
/* Where libvirt's library package (Debian's libvirt0, Fedora's
 * libvirt-libs) installs its schemas. */
#define VU_SCHEMA_DIR "/usr/share/libvirt/schemas"
/* Before a definition is stored: validates against libvirt's schema rng
 * ("domain.rng", "storagepool.rng") when it is installed, and is 0 when it
 * is not (the tools do not need libvirt). -EINVAL with "not valid per
 * libvirt's schema: line L: what" in e; a schema that cannot be read or
 * parsed fails as vu_xml_validate says. */
int vu_xml_validate_libvirt(xmlDocPtr doc, const char *rng, struct vu_err *e);

/* ---- names (names.c) ---- */

/* s as it may appear in a one-line message: printable ASCII as is, newline,
 * tab and CR as \n \t \r, any other byte as \xNN, cut to size bytes (at
 * least 8) with "..." when longer. Returns buf. */
const char *vu_xml_shown(const char *s, char *buf, size_t size);
/* The same in a buffer that lasts until the end of the enclosing block,
 * for a document's value in a message: vu_err_set(e, ..., VU_SHOWN(v)). */
#define VU_SHOWN(s) vu_xml_shown((s), (char[96]){ 0 }, 96)
/* The rule for names on the command line (vu_name_check), for one read
 * from a document: 0, or -EINVAL with "invalid KIND name 'NAME': ..."
 * (NAME shown as above) in e. */
int vu_xml_name_check(const char *kind, const char *name, struct vu_err *e);

#endif
