/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_check.c - what libvirt would refuse in a domain, found before one
 * is stored: the value ranges its parser enforces, then its RelaxNG schema */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"
#include "vu/size.h"
#include "vu/xml.h"

#include "domainxml_priv.h"

/* libvirt refuses a memory size of more bytes than a long long holds. */
#define MEMORY_MAX_KIB ((uint64_t)LLONG_MAX / 1024)
/* Its schema's countCPU: an unsignedShort from 1. */
#define VCPU_MAX 65535

/* A size as <memory>, <currentMemory> and <maxMemory> hold it: digits, a
 * unit libvirt knows, at most 8 EiB; zero_ok for those that may be 0. */
static int check_size(const struct vu_domain *dom, const char *elem, bool zero_ok,
		      struct vu_err *e)
{
	char *text = NULL, *unit = NULL;
	uint64_t kib = 0, one;
	int r = vu_domain_get(dom, elem, NULL, &text);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && (r = vu_domain_get(dom, elem, "unit", &unit)) == -ENOENT)
		r = 0;
	if (r < 0) {
		free(text);
		return vu_err_set(e, -r, NULL);
	}
	/* Digits only, no blanks around them: what libvirt's schema and its
	 * parser (strtoull, then nothing after the digits) both take. */
	if (unit && vu_domain_scaled_kib("1", unit, &one) < 0)
		r = vu_err_set(e, EINVAL, "<%s>: unknown unit '%s'", elem, VU_SHOWN(unit));
	else if (vu_parse_u64(text, 0, UINT64_MAX, &kib) == -EINVAL)
		r = vu_err_set(e, EINVAL, "<%s>: '%s' is not a whole number", elem,
			       VU_SHOWN(text));
	else if (vu_domain_scaled_kib(text, unit, &kib) < 0 || kib > MEMORY_MAX_KIB)
		r = vu_err_set(e, ERANGE, "<%s>: %s %s is more than libvirt takes (8 EiB)", elem,
			       VU_SHOWN(text), unit ? VU_SHOWN(unit) : "KiB");
	else if (kib == 0 && !zero_ok)
		r = vu_err_set(e, EINVAL, "<%s>: 0: the guest needs memory", elem);
	free(text);
	free(unit);
	return r;
}

/* A count of virtual CPUs, as the text of <vcpu> or its current=. */
static int check_count(xmlNodePtr vcpu, const char *attr, uint64_t *n, struct vu_err *e)
{
	char *text = NULL;
	int r = vu_node_get(vcpu, NULL, attr, &text);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	if (vu_parse_u64(text, 1, VCPU_MAX, n) < 0)
		r = vu_err_set(e, EINVAL, "<vcpu%s%s>: '%s' is not a count from 1 to %d",
			       attr ? " " : "", attr ? attr : "", VU_SHOWN(text), VCPU_MAX);
	free(text);
	return r;
}

static int check_vcpus(const struct vu_domain *dom, struct vu_err *e)
{
	xmlNodePtr vcpu = vu_domain_find(dom, "vcpu");
	uint64_t max = 1, cur = 0;
	int r;

	if (!vcpu)
		return 0;
	r = check_count(vcpu, NULL, &max, e);
	if (r == 0)
		r = check_count(vcpu, "current", &cur, e);
	if (r == 0 && cur > max)
		r = vu_err_set(e, EINVAL, "<vcpu current=%llu>: more than the %llu of <vcpu>",
			       (unsigned long long)cur, (unsigned long long)max);
	return r;
}

int vu_domain_check(const struct vu_domain *dom, struct vu_err *e)
{
	char *name = NULL;
	int r;

	if (!dom)
		return vu_err_set(e, EINVAL, NULL);
	r = vu_domain_get_name(dom, &name);
	if (r == -ENOENT)
		return vu_err_set(e, EINVAL, "the domain has no <name>");
	if (r == 0)
		r = vu_xml_name_check("domain", name, e);
	free(name);
	if (r == 0)
		r = check_size(dom, "memory", vu_domain_find(dom, "cpu/numa/cell") != NULL, e);
	if (r == 0)
		r = check_size(dom, "currentMemory", true, e);
	if (r == 0)
		r = check_size(dom, "maxMemory", true, e);
	if (r == 0)
		r = check_vcpus(dom, e);
	return r < 0 ? r : vu_xml_validate_libvirt(dom->doc, "domain.rng", e);
}
