/* SPDX-License-Identifier: GPL-2.0-or-later */
/* model.h - the steps every document model (domainxml*, poolxml, volxml)
 * shares; private to libshared/xml. The pattern is in vu/xmlnode.h. */
#ifndef VU_MODEL_H
#define VU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>

#include "vu/err.h"

/* vu_xml_load and vu_xml_parse with the model's convention: 0, or -errno
 * with e filled (the code comes back even when e is NULL). */
int vu_model_load(xmlDocPtr *out, const char *path, struct vu_err *e);
int vu_model_parse(xmlDocPtr *out, const char *buf, size_t len, struct vu_err *e);
/* A new document holding only <root/>; *root_out (may be NULL) gets it.
 * 0 or -ENOMEM. */
int vu_model_new(xmlDocPtr *out, const char *root, xmlNodePtr *root_out);
/* vu_node_get for what may be absent: 0 with *out NULL then. */
int vu_model_opt(const xmlNode *node, const char *path, const char *attr, char **out);
/* Is s one of the NULL-terminated words? (Values a model accepts.) */
bool vu_model_word_in(const char *s, const char *const *words);

#endif
