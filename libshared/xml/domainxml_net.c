/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_net.c - network interfaces: adding, reading back, and the
 * identities a clone must change (MAC, openvswitch interfaceid, tap name) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/domainxml.h"
#include "vu/ident.h"

#include "domainxml_priv.h"

/* The source attribute naming what an interface type connects to. */
static const char *source_attr(const char *type)
{
	if (!type)
		return NULL;
	if (!strcmp(type, "network"))
		return "network";
	if (!strcmp(type, "bridge"))
		return "bridge";
	if (!strcmp(type, "direct"))
		return "dev";
	return NULL;
}

static int check_spec(const struct vu_iface_spec *s, char mac[VU_MAC_STRLEN],
		      char id[VU_UUID_STRLEN])
{
	static const char *const types[] = { "network", "bridge", "direct", "user", NULL };
	static const char *const modes[] = { "vepa", "bridge", "private", "passthrough", NULL };

	if (!s || !vu_word_in(s->type, types))
		return -EINVAL;
	/* Every type but user is connected to something by name. */
	if (!strcmp(s->type, "user") ? s->source != NULL : !s->source || !*s->source)
		return -EINVAL;
	if (s->source_mode &&
	    (strcmp(s->type, "direct") || !vu_word_in(s->source_mode, modes)))
		return -EINVAL;
	if (s->mac && vu_mac_normalize(s->mac, mac) < 0)
		return -EINVAL;
	if (s->interfaceid && (!s->virtualport || vu_uuid_normalize(s->interfaceid, id) < 0))
		return -EINVAL;
	return 0;
}

static int fill_iface(xmlNodePtr iface, const struct vu_iface_spec *s, const char *mac,
		      const char *id)
{
	int r = 0;

	if (mac)
		r = vu_node_set(iface, "mac", "address", mac);
	if (r == 0 && s->source)
		r = vu_node_set(iface, "source", source_attr(s->type), s->source);
	if (r == 0 && s->source_mode)
		r = vu_node_set(iface, "source", "mode", s->source_mode);
	if (r == 0 && s->virtualport)
		r = vu_node_set(iface, "virtualport", "type", s->virtualport);
	if (r == 0 && id)
		r = vu_node_set(iface, "virtualport/parameters", "interfaceid", id);
	if (r == 0 && s->target_dev)
		r = vu_node_set(iface, "target", "dev", s->target_dev);
	if (r == 0 && s->model)
		r = vu_node_set(iface, "model", "type", s->model);
	return r < 0 ? r : vu_dev_boot_set(iface, s->boot_order);
}

int vu_domain_add_iface(struct vu_domain *dom, const struct vu_iface_spec *spec,
			xmlNodePtr *out)
{
	char mac[VU_MAC_STRLEN], id[VU_UUID_STRLEN];
	const char *attrs[] = { "type", spec ? spec->type : NULL, NULL };
	xmlNodePtr iface;
	int r = check_spec(spec, mac, id);

	if (r < 0)
		return r;
	r = vu_domain_dev_add(dom, "interface", attrs, &iface);
	if (r < 0)
		return r;
	r = fill_iface(iface, spec, spec->mac ? mac : NULL, spec->interfaceid ? id : NULL);
	if (r < 0) {
		vu_node_remove(iface);
		return r;
	}
	if (out)
		*out = iface;
	return 0;
}

/* ---- reading back ---- */

void vu_iface_clear(struct vu_iface *i)
{
	char **fields[] = {
		&i->type, &i->source, &i->source_mode, &i->mac, &i->model, &i->target_dev,
		&i->virtualport, &i->interfaceid,
	};

	if (!i)
		return;
	for (size_t k = 0; k < ARRAY_SIZE(fields); k++) {
		free(*fields[k]);
		*fields[k] = NULL;
	}
	i->boot_order = 0;
}

int vu_iface_get(xmlNodePtr iface, struct vu_iface *out)
{
	const struct vu_dev_field fields[] = {
		{ NULL, "type", &out->type }, { "source", "mode", &out->source_mode },
		{ "mac", "address", &out->mac }, { "model", "type", &out->model },
		{ "target", "dev", &out->target_dev },
		{ "virtualport", "type", &out->virtualport },
		{ "virtualport/parameters", "interfaceid", &out->interfaceid },
	};
	int r;

	if (!vu_node_is(iface, "interface") || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	r = vu_dev_fields_get(iface, fields, ARRAY_SIZE(fields));
	if (r == 0 && source_attr(out->type))
		r = vu_model_opt(iface, "source", source_attr(out->type), &out->source);
	if (r == 0)
		r = vu_dev_boot_get(iface, &out->boot_order);
	if (r < 0)
		vu_iface_clear(out);
	return r;
}

/* ---- identities ---- */

int vu_iface_set_mac(xmlNodePtr iface, const char *mac)
{
	char canon[VU_MAC_STRLEN];

	if (!vu_node_is(iface, "interface") || (mac && vu_mac_normalize(mac, canon) < 0))
		return -EINVAL;
	return vu_node_set(iface, "mac", "address", mac ? canon : NULL);
}

int vu_iface_set_interfaceid(xmlNodePtr iface, const char *uuid)
{
	char canon[VU_UUID_STRLEN];

	if (!vu_node_is(iface, "interface") || !uuid || vu_uuid_normalize(uuid, canon) < 0)
		return -EINVAL;
	if (!vu_node_child(iface, "virtualport"))
		return -ENOENT;
	return vu_node_set(iface, "virtualport/parameters", "interfaceid", canon);
}

int vu_iface_set_target(xmlNodePtr iface, const char *dev)
{
	if (!vu_node_is(iface, "interface") || (dev && !*dev))
		return -EINVAL;
	return vu_node_set(iface, "target", "dev", dev);
}

xmlNodePtr vu_domain_find_iface(const struct vu_domain *dom, const char *mac)
{
	char want[VU_MAC_STRLEN], have[VU_MAC_STRLEN];

	if (!mac || vu_mac_normalize(mac, want) < 0)
		return NULL;
	for (xmlNodePtr i = vu_domain_dev_next(dom, "interface", NULL); i;
	     i = vu_domain_dev_next(dom, "interface", i)) {
		char *m;
		bool match = vu_node_get(i, "mac", "address", &m) == 0 &&
			     vu_mac_normalize(m, have) == 0 && !strcmp(want, have);

		free(m);
		if (match)
			return i;
	}
	return NULL;
}
