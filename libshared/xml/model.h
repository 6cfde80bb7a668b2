/* SPDX-License-Identifier: GPL-2.0-or-later */
/* model.h - the steps every document model (domainxml*, poolxml, volxml)
 * shares; private to libshared/xml. The pattern is in vu/xmlnode.h. */
#ifndef VU_MODEL_H
#define VU_MODEL_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stddef.h>
#include <libxml/tree.h>

#include "vu/err.h"
#include "vu/strutil.h"

/* vu_xml_load and vu_xml_parse with the model's convention: 0, or -errno
 * with e filled (the code comes back even when e is NULL). */
int vu_model_load(xmlDocPtr *out, const char *path, struct vu_err *e);
int vu_model_parse(xmlDocPtr *out, const char *buf, size_t len, struct vu_err *e);
/* A new document holding only <root/>; *root_out (may be NULL) gets it.
 * 0 or -ENOMEM. */
int vu_model_new(xmlDocPtr *out, const char *root, xmlNodePtr *root_out);
/* An identity (UUID, MAC) read with vu_node_get and put in canonical
 * form by normalize (vu_uuid_normalize, vu_mac_normalize) into out;
 * -ENOENT when absent, normalize's error when malformed. */
int vu_model_ident(const xmlNode *node, const char *path, const char *attr,
		   int (*normalize)(const char *in, char *out), char *out);
/* vu_node_get for what may be absent: 0 with *out NULL then. */
int vu_model_opt(const xmlNode *node, const char *path, const char *attr, char **out);

/*
 * T_wrap(&h, doc): a new handle T owning doc, which it takes over (0, or
 * -ENOMEM with doc freed). For a handle T whose only member is
 * xmlDocPtr doc; "static VU_MODEL_WRAP_FN(T)" keeps it private.
 */
#define VU_MODEL_WRAP_FN(T)							\
	int T##_wrap(struct T **out, xmlDocPtr doc)				\
	{									\
		*out = doc ? malloc(sizeof(**out)) : NULL;			\
		if (!*out) {							\
			xmlFreeDoc(doc);					\
			return -ENOMEM;						\
		}								\
		(*out)->doc = doc;						\
		return 0;							\
	}

/*
 * What every handle T whose only member is xmlDocPtr doc shares, the
 * domain's included: T_free, T_format and T_doc.
 */
#define VU_MODEL_DOC_FNS(T)							\
	void T##_free(struct T **h)						\
	{									\
		if (!h || !*h)							\
			return;							\
		xmlFreeDoc((*h)->doc);						\
		free(*h);							\
		*h = NULL;							\
	}									\
										\
	char *T##_format(const struct T *h)					\
	{									\
		return h ? vu_xml_format(h->doc) : NULL;			\
	}									\
										\
	xmlDocPtr T##_doc(const struct T *h)					\
	{									\
		return h ? h->doc : NULL;					\
	}

/*
 * The handle of a model that owns its tree and nothing else and checks
 * nothing on opening (pools, volumes): VU_MODEL_HANDLE(vu_poolxml) in the model's .c
 * defines struct vu_poolxml, a private vu_poolxml_wrap(&h, doc) that takes
 * doc over (0, or -ENOMEM with doc freed), and the public
 * vu_poolxml_load/parse/free/format/doc of step 2 and 5 of the recipe in
 * vu/xmlnode.h. One text for every such kind; the domain, which checks
 * its root and name on opening, writes its own load and parse and takes
 * VU_MODEL_DOC_FNS for the rest; so does the network, with
 * VU_MODEL_WRAP_FN for the wrap its files share.
 */
#define VU_MODEL_HANDLE(T)							\
	struct T {								\
		xmlDocPtr doc;							\
	};									\
										\
	static VU_MODEL_WRAP_FN(T)						\
										\
	int T##_load(struct T **out, const char *path, struct vu_err *e)	\
	{									\
		xmlDocPtr doc;							\
		int r = vu_model_load(&doc, path, e);				\
										\
		*out = NULL;							\
		return r < 0 ? r : vu_model_wrapped(T##_wrap(out, doc), e);	\
	}									\
										\
	int T##_parse(struct T **out, const char *buf, size_t len,		\
		      struct vu_err *e)						\
	{									\
		xmlDocPtr doc;							\
		int r = vu_model_parse(&doc, buf, len, e);			\
										\
		*out = NULL;							\
		return r < 0 ? r : vu_model_wrapped(T##_wrap(out, doc), e);	\
	}									\
										\
	VU_MODEL_DOC_FNS(T)

/* r from a wrap after a successful open: e says ENOMEM when it failed. */
int vu_model_wrapped(int r, struct vu_err *e);

#endif
