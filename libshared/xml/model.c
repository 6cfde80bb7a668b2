/* SPDX-License-Identifier: GPL-2.0-or-later */
/* model.c - opening and creating the document a model's handle owns */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "model.h"

/* vu_xml_load and vu_xml_parse report through le; the code comes back
 * even when the caller passed no e. */
static int opened(xmlDocPtr *out, xmlDocPtr doc, struct vu_err *e, const struct vu_err *le)
{
	*out = doc;
	if (doc)
		return 0;
	if (e)
		*e = *le;
	return -(le->code ? le->code : EINVAL);
}

int vu_model_load(xmlDocPtr *out, const char *path, struct vu_err *e)
{
	struct vu_err le = { 0 };

	return opened(out, vu_xml_load(path, &le), e, &le);
}

int vu_model_parse(xmlDocPtr *out, const char *buf, size_t len, struct vu_err *e)
{
	struct vu_err le = { 0 };

	return opened(out, vu_xml_parse(buf, len, &le), e, &le);
}

int vu_model_wrapped(int r, struct vu_err *e)
{
	if (r < 0)
		vu_err_set(e, -r, NULL);
	return r;
}

int vu_model_new(xmlDocPtr *out, const char *root, xmlNodePtr *root_out)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr node = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)root, NULL) : NULL;

	*out = NULL;
	if (!node) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	xmlDocSetRootElement(doc, node);
	*out = doc;
	if (root_out)
		*root_out = node;
	return 0;
}

int vu_model_ident(const xmlNode *node, const char *path, const char *attr,
		   int (*normalize)(const char *in, char *out), char *out)
{
	char *text;
	int r = vu_node_get(node, path, attr, &text);

	if (r < 0)
		return r;
	r = normalize(text, out);
	free(text);
	return r;
}

int vu_model_opt(const xmlNode *node, const char *path, const char *attr, char **out)
{
	int r = vu_node_get(node, path, attr, out);

	return r == -ENOENT ? 0 : r;
}
