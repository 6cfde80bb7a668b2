/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml.c - domain documents (load, parse, create, format) and their
 * identity: type, name, uuid, title, description */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vu/domainxml.h"
#include "vu/xml.h"

#include "domainxml_priv.h"

/* Takes doc over: wraps it when its root is a libvirt <domain>. */
static int adopt(struct vu_domain **out, xmlDocPtr doc, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	if (!vu_dt_is(root, "domain")) {
		int r = vu_err_set(e, EINVAL, "root element is <%s%s%s>, not <domain>",
				   root && root->ns && root->ns->prefix ?
					   (const char *)root->ns->prefix : "",
				   root && root->ns && root->ns->prefix ? ":" : "",
				   root ? (const char *)root->name : "");

		xmlFreeDoc(doc);
		return r;
	}
	*out = malloc(sizeof(**out));
	if (!*out) {
		xmlFreeDoc(doc);
		return vu_err_set(e, ENOMEM, NULL);
	}
	(*out)->doc = doc;
	return 0;
}

/* vu_xml_load and vu_xml_parse report through e; the code comes back
 * even when the caller passed no e. */
static int wrap(struct vu_domain **out, xmlDocPtr doc, struct vu_err *e, struct vu_err *le)
{
	if (!doc) {
		if (e)
			*e = *le;
		return -(le->code ? le->code : EINVAL);
	}
	return adopt(out, doc, e);
}

int vu_domain_load(struct vu_domain **out, const char *path, struct vu_err *e)
{
	struct vu_err le = { 0 };

	if (!out)
		return vu_err_set(e, EINVAL, NULL);
	*out = NULL;
	return wrap(out, vu_xml_load(path, &le), e, &le);
}

int vu_domain_parse(struct vu_domain **out, const char *buf, size_t len, struct vu_err *e)
{
	struct vu_err le = { 0 };

	if (!out)
		return vu_err_set(e, EINVAL, NULL);
	*out = NULL;
	return wrap(out, vu_xml_parse(buf, len, &le), e, &le);
}

int vu_domain_new(struct vu_domain **out, const char *type)
{
	xmlDocPtr doc;
	xmlNodePtr root;

	if (!out || !type || !*type)
		return -EINVAL;
	*out = NULL;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"domain", NULL) : NULL;
	if (!root) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	xmlDocSetRootElement(doc, root);
	if (vu_dt_set(root, "type", type) < 0) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	return adopt(out, doc, NULL);
}

void vu_domain_free(struct vu_domain **dom)
{
	if (!dom || !*dom)
		return;
	xmlFreeDoc((*dom)->doc);
	free(*dom);
	*dom = NULL;
}

char *vu_domain_format(const struct vu_domain *dom)
{
	return dom ? vu_xml_format(dom->doc) : NULL;
}

xmlDocPtr vu_domain_doc(const struct vu_domain *dom)
{
	return dom ? dom->doc : NULL;
}

/* ---- identity ---- */

int vu_domain_get_type(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "", "type", out);
}

int vu_domain_set_type(struct vu_domain *dom, const char *type)
{
	if (!type || !*type)
		return -EINVAL;
	return vu_domain_set(dom, "", "type", type);
}

int vu_domain_get_name(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "name", NULL, out);
}

int vu_domain_set_name(struct vu_domain *dom, const char *name)
{
	if (!name || !*name)
		return -EINVAL;
	return vu_domain_set(dom, "name", NULL, name);
}

int vu_domain_get_uuid(const struct vu_domain *dom, char out[VU_UUID_STRLEN])
{
	char *text;
	int r;

	r = vu_domain_get(dom, "uuid", NULL, &text);
	if (r < 0)
		return r;
	r = vu_uuid_normalize(text, out);
	free(text);
	return r;
}

int vu_domain_set_uuid(struct vu_domain *dom, const char *uuid)
{
	char canon[VU_UUID_STRLEN], *old;
	int r;

	if (!uuid)
		return vu_domain_set(dom, "uuid", NULL, NULL);
	r = vu_uuid_normalize(uuid, canon);
	if (r < 0)
		return r;
	r = vu_domain_set(dom, "uuid", NULL, canon);
	if (r < 0 || vu_domain_get_sysinfo(dom, "system", "uuid", &old) < 0)
		return r;
	free(old);
	return vu_domain_set_sysinfo(dom, "system", "uuid", canon);
}

int vu_domain_get_title(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "title", NULL, out);
}

int vu_domain_set_title(struct vu_domain *dom, const char *title)
{
	if (title && strpbrk(title, "\r\n"))
		return -EINVAL;
	return vu_domain_set(dom, "title", NULL, title);
}

int vu_domain_get_description(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "description", NULL, out);
}

int vu_domain_set_description(struct vu_domain *dom, const char *text)
{
	return vu_domain_set(dom, "description", NULL, text);
}

int vu_domain_remove_id(struct vu_domain *dom)
{
	return vu_domain_set(dom, "", "id", NULL);
}
