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

#endif
