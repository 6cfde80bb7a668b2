/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml.c - domain documents (load, parse, create, format), access by
 * path, and their identity: type, name, uuid, title, description */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vu/domainxml.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "domainxml_priv.h"

/* Takes doc over: wraps it when its root is a libvirt <domain>. */
static int adopt(struct vu_domain **out, xmlDocPtr doc, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	if (!vu_node_is(root, "domain")) {
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

/*
 * The name is checked as soon as the document is read, by the rule for a
 * name on the command line: tools build paths from it (definitions,
 * reservations, clone names), and one from an untrusted document must not
 * climb out of its directory. A document without a name loads (libvirt's
 * own test documents have none); whatever stores one refuses it.
 */
static int check_name(const struct vu_domain *dom, struct vu_err *e)
{
	char *name = NULL;
	int r;

	if (vu_node_count(vu_domain_root(dom), "name") > 1)
		return vu_err_set(e, EINVAL, "more than one <name>");
	r = vu_domain_get_name(dom, &name);
	if (r == 0)
		r = vu_xml_name_check("domain", name, e);
	else if (r == -ENOENT)
		r = 0;
	else
		vu_err_set(e, -r, NULL);
	free(name);
	return r;
}

/* A document read from a file or a buffer: adopted, and its name checked. */
static int opened(struct vu_domain **out, xmlDocPtr doc, struct vu_err *e)
{
	int r = adopt(out, doc, e);

	if (r == 0 && (r = check_name(*out, e)) < 0)
		vu_domain_free(out);
	return r;
}

int vu_domain_load(struct vu_domain **out, const char *path, struct vu_err *e)
{
	xmlDocPtr doc;
	int r;

	if (!out)
		return vu_err_set(e, EINVAL, NULL);
	*out = NULL;
	r = vu_model_load(&doc, path, e);
	return r < 0 ? r : opened(out, doc, e);
}

int vu_domain_parse(struct vu_domain **out, const char *buf, size_t len, struct vu_err *e)
{
	xmlDocPtr doc;
	int r;

	if (!out)
		return vu_err_set(e, EINVAL, NULL);
	*out = NULL;
	r = vu_model_parse(&doc, buf, len, e);
	return r < 0 ? r : opened(out, doc, e);
}

int vu_domain_new(struct vu_domain **out, const char *type)
{
	xmlDocPtr doc;
	xmlNodePtr root;

	if (!out || !type || !*type)
		return -EINVAL;
	*out = NULL;
	if (vu_model_new(&doc, "domain", &root) < 0)
		return -ENOMEM;
	if (vu_node_set(root, NULL, "type", type) < 0) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	return adopt(out, doc, NULL);
}

/* vu_domain_free, vu_domain_format, vu_domain_doc */
VU_MODEL_DOC_FNS(vu_domain)

xmlNodePtr vu_domain_root(const struct vu_domain *dom)
{
	return dom ? xmlDocGetRootElement(dom->doc) : NULL;
}

xmlNodePtr vu_domain_devices(const struct vu_domain *dom, bool create)
{
	xmlNodePtr root = vu_domain_root(dom), devices = vu_node_child(root, "devices");

	if (!devices && create && vu_node_insert(root, "devices", NULL, &devices) < 0)
		return NULL;
	return devices;
}

/* ---- any element, by path from <domain> ---- */

xmlNodePtr vu_domain_find(const struct vu_domain *dom, const char *path)
{
	return vu_node_find(vu_domain_root(dom), path);
}

int vu_domain_ensure(struct vu_domain *dom, const char *path, xmlNodePtr *out)
{
	return vu_node_ensure(vu_domain_root(dom), path, out);
}

int vu_domain_remove(struct vu_domain *dom, const char *path)
{
	xmlNodePtr root = vu_domain_root(dom), node = vu_node_find(root, path);

	if (!node)
		return -ENOENT;
	if (node == root)
		return -EINVAL;
	vu_node_remove(node);
	return 0;
}

int vu_domain_get(const struct vu_domain *dom, const char *path, const char *attr,
		  char **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!dom)
		return -EINVAL;
	return vu_node_get(vu_domain_root(dom), path, attr, out);
}

int vu_domain_set(struct vu_domain *dom, const char *path, const char *attr,
		  const char *value)
{
	/* Text on <domain> itself would replace the whole document. */
	if (!attr && (!path || !*path))
		return -EINVAL;
	return vu_node_set(vu_domain_root(dom), path, attr, value);
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
	return dom ? vu_model_ident(vu_domain_root(dom), "uuid", NULL, vu_uuid_normalize, out) :
		     -EINVAL;
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
