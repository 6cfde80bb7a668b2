/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_priv.h - what the domainxml*.c files share and nobody else sees:
 * the document handle and its two landmarks */
#ifndef VU_DOMAINXML_PRIV_H
#define VU_DOMAINXML_PRIV_H

#include <stdbool.h>
#include <libxml/tree.h>

#include "vu/domainxml.h"
#include "vu/xmlnode.h"

#include "model.h"

struct vu_domain {
	xmlDocPtr doc;
};

/* <domain>, the root (vu_domain_load made sure of it). */
xmlNodePtr vu_domain_root(const struct vu_domain *dom);
/* The <devices> element, created when create is set. */
xmlNodePtr vu_domain_devices(const struct vu_domain *dom, bool create);

/* ---- what device readers and writers share (domainxml_dev.c) ---- */

/* One optional string of a device: child path (NULL: the device), attr
 * (NULL: the text), where its copy goes. */
struct vu_dev_field {
	const char *child, *attr;
	char **out;
};
/* vu_model_opt for each field in turn: 0, or the first -errno. */
int vu_dev_fields_get(const xmlNode *dev, const struct vu_dev_field *f, size_t n);
/* <boot order='N'/> of a disk or an interface: 0 when absent, -ERANGE
 * past 32 bits. The setter writes nothing for 0. */
int vu_dev_boot_get(const xmlNode *dev, unsigned *order);
int vu_dev_boot_set(xmlNodePtr dev, unsigned order);

#endif
