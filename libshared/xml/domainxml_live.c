/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_live.c - a running domain's XML (virsh dumpxml, a migration
 * stream) turned back into a persistent definition: what libvirt adds
 * while the domain runs goes, what the user wrote stays */
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/domainxml.h"

#include "domainxml_priv.h"

/* Aliases libvirt makes up; "ua-" ones are the user's and persistent.
 * (The parser's depth limit bounds the recursion.) */
static void drop_aliases(xmlNodePtr n)
{
	for (xmlNodePtr c = vu_node_child(n, NULL), next; c; c = next) {
		next = vu_node_next(c, NULL);
		if (vu_node_is(c, "alias")) {
			char *name;
			bool user = vu_node_get(c, NULL, "name", &name) == 0 &&
				    strncmp(name, "ua-", 3) == 0;

			if (!user)
				vu_node_remove(c);
			free(name);
		} else {
			drop_aliases(c);
		}
	}
}

/* A pty's path is the one the kernel gave this run. */
static void scrub_chardevs(struct vu_domain *dom)
{
	static const char *const kinds[] = { "serial", "console", "parallel", "channel" };

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		xmlNodePtr dev = NULL;

		while ((dev = vu_domain_dev_next(dom, kinds[k], dev))) {
			if (!vu_node_value_is(dev, NULL, "type", "pty"))
				continue;
			vu_node_set(dev, NULL, "tty", NULL);
			vu_node_set(dev, "source", "path", NULL);
		}
	}
}

/* Labels a dynamic seclabel was given for this run, and image labels. */
static void scrub_seclabels(struct vu_domain *dom)
{
	xmlNodePtr root = vu_domain_root(dom);

	for (xmlNodePtr s = vu_node_child(root, "seclabel"); s; s = vu_node_next(s, "seclabel")) {
		if (vu_node_value_is(s, NULL, "type", "dynamic"))
			vu_node_remove_all(s, "label");
		vu_node_remove_all(s, "imagelabel");
	}
}

void vu_domain_scrub_live(struct vu_domain *dom)
{
	xmlNodePtr n = NULL, devices = vu_domain_devices(dom, false);

	vu_domain_remove_id(dom);
	while ((n = vu_domain_dev_next(dom, "interface", n))) {
		vu_iface_set_target(n, NULL);
		/* The port of a running network. */
		vu_node_set(vu_node_child(n, "source"), NULL, "portid", NULL);
	}
	while ((n = vu_domain_dev_next(dom, "disk", n))) {
		vu_node_remove_all(n, "backingStore");
		vu_node_remove_all(n, "mirror");
	}
	if (devices)
		drop_aliases(devices);
	scrub_chardevs(dom);
	scrub_seclabels(dom);
}
