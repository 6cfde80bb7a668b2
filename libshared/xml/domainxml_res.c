/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domainxml_res.c - a domain's resources: memory with libvirt's units, vcpu
 * count and placement, and the guest CPU (mode, model, topology, features) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vu/domainxml.h"
#include "vu/size.h"

#include "domainxml_priv.h"

/* ---- memory ---- */

/* The multiplier of a libvirt unit; 0 if it is not one. libvirt's rule:
 * a letter alone or with "iB" is binary, with "B" decimal. */
static uint64_t unit_scale(const char *unit)
{
	static const char letters[] = "kmgtpe";
	const char *p;
	uint64_t base, scale = 1;

	if (!unit || !*unit)
		return 1024;
	if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") || !strcasecmp(unit, "bytes"))
		return 1;
	p = strchr(letters, unit[0] | 0x20);
	if (!p || !unit[0])
		return 0;
	if (!unit[1] || !strcasecmp(unit + 1, "ib"))
		base = 1024;
	else if (!strcasecmp(unit + 1, "b"))
		base = 1000;
	else
		return 0;
	for (const char *l = letters; l <= p; l++)
		scale *= base;
	return scale;
}

int vu_domain_scaled_kib(const char *value, const char *unit, uint64_t *kib)
{
	uint64_t scale = unit_scale(unit), n;
	unsigned __int128 k;
	int r;

	if (!scale || !kib)
		return -EINVAL;
	r = vu_parse_u64(value, 0, UINT64_MAX, &n);
	if (r < 0)
		return r;
	/* 128 bits hold any 64-bit count times any unit up to EiB exactly. */
	k = ((unsigned __int128)n * scale + 1023) / 1024;
	if (k > UINT64_MAX)
		return -ERANGE;
	*kib = (uint64_t)k;
	return 0;
}

static const char *memory_path(enum vu_domain_memory which)
{
	return which == VU_MEMORY ? "memory" : which == VU_MEMORY_CURRENT ?
		"currentMemory" : NULL;
}

static int get_scaled(const struct vu_domain *dom, const char *path, uint64_t *kib)
{
	char *value, *unit = NULL;
	int r;

	if (!path || !kib)
		return -EINVAL;
	r = vu_domain_get(dom, path, NULL, &value);
	if (r < 0)
		return r;
	r = vu_domain_get(dom, path, "unit", &unit);
	if (r == 0 || r == -ENOENT)
		r = vu_domain_scaled_kib(value, unit, kib);
	free(value);
	free(unit);
	return r;
}

static int set_scaled(struct vu_domain *dom, const char *path, uint64_t kib)
{
	char text[24];
	xmlNodePtr node;
	int r;

	if (!path)
		return -EINVAL;
	if (!kib)
		return vu_domain_set(dom, path, NULL, NULL);
	snprintf(text, sizeof(text), "%" PRIu64, kib);
	r = vu_domain_ensure(dom, path, &node);
	if (r == 0)
		r = vu_node_set(node, NULL, "unit", "KiB");
	return r < 0 ? r : vu_node_set(node, NULL, NULL, text);
}

int vu_domain_get_memory(const struct vu_domain *dom, enum vu_domain_memory which,
			 uint64_t *kib)
{
	return get_scaled(dom, memory_path(which), kib);
}

int vu_domain_set_memory(struct vu_domain *dom, enum vu_domain_memory which, uint64_t kib)
{
	return set_scaled(dom, memory_path(which), kib);
}

int vu_domain_get_max_memory(const struct vu_domain *dom, uint64_t *kib, unsigned *slots)
{
	uint64_t n;
	int r;

	r = get_scaled(dom, "maxMemory", kib);
	if (r < 0 || !slots)
		return r;
	r = vu_node_get_uint(vu_domain_find(dom, "maxMemory"), NULL, "slots", &n);
	if (r == 0 && n > UINT32_MAX)
		r = -ERANGE;
	*slots = r == 0 ? (unsigned)n : 0;
	return r == -ENOENT ? 0 : r;
}

int vu_domain_set_max_memory(struct vu_domain *dom, uint64_t kib, unsigned slots)
{
	char text[16];
	int r;

	if (!kib)
		return vu_domain_set(dom, "maxMemory", NULL, NULL);
	r = set_scaled(dom, "maxMemory", kib);
	snprintf(text, sizeof(text), "%u", slots);
	return r < 0 ? r : vu_domain_set(dom, "maxMemory", "slots", text);
}

/* ---- vcpu ---- */

static int get_unsigned(xmlNodePtr node, const char *child, const char *attr,
			unsigned *out)
{
	uint64_t n;
	int r = vu_node_get_uint(node, child, attr, &n);

	if (r == 0 && n > UINT32_MAX)
		r = -ERANGE;
	if (r == 0)
		*out = (unsigned)n;
	return r;
}

static int set_unsigned(xmlNodePtr node, const char *child, const char *attr,
			unsigned n)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", n);
	return vu_node_set(node, child, attr, text);
}

int vu_domain_get_vcpus(const struct vu_domain *dom, unsigned *max, unsigned *current)
{
	xmlNodePtr vcpu = vu_domain_find(dom, "vcpu");
	unsigned m = 0;
	int r;

	if (!vcpu)
		return -ENOENT;
	r = get_unsigned(vcpu, NULL, NULL, &m);
	if (r < 0)
		return r;
	if (max)
		*max = m;
	if (!current)
		return 0;
	r = get_unsigned(vcpu, NULL, "current", current);
	if (r == -ENOENT)
		*current = m;
	return r == -ENOENT ? 0 : r;
}

int vu_domain_set_vcpus(struct vu_domain *dom, unsigned max, unsigned current)
{
	xmlNodePtr vcpu;
	int r;

	if (!max || current > max)
		return -EINVAL;
	vcpu = vu_domain_find(dom, "vcpu");
	if (!vcpu) {
		r = vu_domain_ensure(dom, "vcpu", &vcpu);
		if (r == 0)
			r = vu_node_set(vcpu, NULL, "placement", "static");
		if (r < 0)
			return r;
	}
	r = set_unsigned(vcpu, NULL, NULL, max);
	if (r < 0)
		return r;
	if (!current || current == max)
		return vu_node_set(vcpu, NULL, "current", NULL);
	return set_unsigned(vcpu, NULL, "current", current);
}

int vu_domain_get_vcpu_placement(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "vcpu", "placement", out);
}

/* Attributes of <vcpu> only make sense on an existing <vcpu>: a count is
 * what creates it. */
static int set_vcpu_attr(struct vu_domain *dom, const char *attr, const char *value)
{
	xmlNodePtr vcpu = vu_domain_find(dom, "vcpu");

	if (!vcpu)
		return value ? -ENOENT : 0;
	return vu_node_set(vcpu, NULL, attr, value);
}

int vu_domain_set_vcpu_placement(struct vu_domain *dom, const char *placement)
{
	static const char *const ok[] = { "static", "auto", NULL };

	if (placement && !vu_word_in(placement, ok))
		return -EINVAL;
	return set_vcpu_attr(dom, "placement", placement);
}

int vu_domain_get_vcpu_cpuset(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "vcpu", "cpuset", out);
}

int vu_domain_set_vcpu_cpuset(struct vu_domain *dom, const char *cpuset)
{
	if (cpuset && (!*cpuset || strspn(cpuset, "0123456789,-^") != strlen(cpuset)))
		return -EINVAL;
	return set_vcpu_attr(dom, "cpuset", cpuset);
}

/* ---- cpu ---- */

int vu_domain_get_cpu_mode(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "cpu", "mode", out);
}

int vu_domain_set_cpu_mode(struct vu_domain *dom, const char *mode)
{
	static const char *const ok[] = {
		"custom", "host-model", "host-passthrough", "maximum", NULL
	};

	if (mode && !vu_word_in(mode, ok))
		return -EINVAL;
	if (!mode && !vu_domain_find(dom, "cpu"))
		return 0;
	return vu_domain_set(dom, "cpu", "mode", mode);
}

int vu_domain_get_cpu_model(const struct vu_domain *dom, char **out)
{
	return vu_domain_get(dom, "cpu/model", NULL, out);
}

int vu_domain_set_cpu_model(struct vu_domain *dom, const char *model,
			    const char *fallback)
{
	static const char *const ok[] = { "allow", "forbid", NULL };
	xmlNodePtr node;
	int r;

	if (!model)
		return vu_domain_set(dom, "cpu/model", NULL, NULL);
	if (!*model || (fallback && !vu_word_in(fallback, ok)))
		return -EINVAL;
	r = vu_domain_ensure(dom, "cpu/model", &node);
	if (r == 0)
		r = vu_node_set(node, NULL, NULL, model);
	return r < 0 ? r : vu_node_set(node, NULL, "fallback", fallback);
}

int vu_domain_get_cpu_topology(const struct vu_domain *dom, unsigned *sockets,
			       unsigned *cores, unsigned *threads)
{
	xmlNodePtr topo = vu_domain_find(dom, "cpu/topology");
	unsigned s = 0, c = 0, t = 0;
	int r;

	if (!topo)
		return -ENOENT;
	r = get_unsigned(topo, NULL, "sockets", &s);
	if (r == 0)
		r = get_unsigned(topo, NULL, "cores", &c);
	if (r == 0)
		r = get_unsigned(topo, NULL, "threads", &t);
	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;	/* libvirt requires all three */
	if (sockets)
		*sockets = s;
	if (cores)
		*cores = c;
	if (threads)
		*threads = t;
	return 0;
}

int vu_domain_set_cpu_topology(struct vu_domain *dom, unsigned sockets,
			       unsigned cores, unsigned threads)
{
	xmlNodePtr topo;
	int r;

	if (!sockets && !cores && !threads)
		return vu_domain_set(dom, "cpu/topology", NULL, NULL);
	if (!sockets || !cores || !threads)
		return -EINVAL;
	r = vu_domain_ensure(dom, "cpu/topology", &topo);
	if (r == 0)
		r = set_unsigned(topo, NULL, "sockets", sockets);
	if (r == 0)
		r = set_unsigned(topo, NULL, "cores", cores);
	return r < 0 ? r : set_unsigned(topo, NULL, "threads", threads);
}

xmlNodePtr vu_domain_cpu_feature_next(const struct vu_domain *dom, xmlNodePtr prev)
{
	if (prev)
		return vu_node_next(prev, "feature");
	return vu_node_child(vu_domain_find(dom, "cpu"), "feature");
}

static xmlNodePtr cpu_feature(const struct vu_domain *dom, const char *name)
{
	for (xmlNodePtr f = vu_domain_cpu_feature_next(dom, NULL); f;
	     f = vu_domain_cpu_feature_next(dom, f)) {
		if (vu_node_value_is(f, NULL, "name", name))
			return f;
	}
	return NULL;
}

int vu_domain_get_cpu_feature(const struct vu_domain *dom, const char *name,
			      char **policy)
{
	if (!name || !policy)
		return -EINVAL;
	return vu_node_get(cpu_feature(dom, name), NULL, "policy", policy);
}

int vu_domain_set_cpu_feature(struct vu_domain *dom, const char *name,
			      const char *policy)
{
	static const char *const ok[] = {
		"force", "require", "optional", "disable", "forbid", NULL
	};
	xmlNodePtr f, cpu;
	int r;

	if (!name || !*name || (policy && !vu_word_in(policy, ok)))
		return -EINVAL;
	f = cpu_feature(dom, name);
	if (!policy) {
		vu_node_remove(f);
		return 0;
	}
	if (f)
		return vu_node_set(f, NULL, "policy", policy);
	/* After the last feature, so the list keeps its order; policy first,
	 * as libvirt writes it. */
	r = vu_domain_ensure(dom, "cpu", &cpu);
	if (r < 0)
		return r;
	if (vu_node_insert(cpu, "feature", NULL, &f) < 0)
		return -ENOMEM;
	r = vu_node_set(f, NULL, "policy", policy);
	return r < 0 ? r : vu_node_set(f, NULL, "name", name);
}
