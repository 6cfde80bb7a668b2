/* SPDX-License-Identifier: GPL-2.0-or-later */
/* membacking.c - vm-create's --memorybacking, and the shared memory a
 * virtiofs filesystem needs */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/strutil.h"
#include "vu/subopt.h"

#include "vm-create.h"

/* virt-install's names; source_type and access_mode are its older ones. */
const char *const memorybacking_keys[] = {
	"hugepages", "nosharepages", "locked", "source.type", "source_type", "access.mode",
	"access_mode", "discard", "allocation.mode", "allocation.threads", NULL
};

/* What <memoryBacking> will hold; NULL / false: left out. */
struct backing {
	bool hugepages, nosharepages, locked, discard;
	const char *source, *access, *alloc_mode, *alloc_threads;
};

/* A yes/no key: *flag set when given, left alone when not. */
static void flag(struct vmc *c, const struct vu_subopts *s, const char *key, bool *out)
{
	const char *v = vu_subopt_get(s, key);

	if (v && vu_subopt_bool(v, out) < 0)
		vmc_usage(c, "--memorybacking", "bad value '%s' for '%s'", v, key);
}

/* A key whose value is one of words (NULL: a count), or its old name. */
static const char *word(struct vmc *c, const struct vu_subopts *s, const char *key,
			const char *alias, const char *const *words)
{
	const char *v = vu_subopt_get(s, key), *k = key;
	uint64_t n;
	bool ok;

	if (!v && alias && (v = vu_subopt_get(s, alias)))
		k = alias;
	if (!v)
		return NULL;
	ok = words ? vu_word_in(v, words) : vu_subopt_uint(v, UINT32_MAX, &n) == 0;
	if (!ok)
		vmc_usage(c, "--memorybacking", "bad value '%s' for '%s'", v, k);
	return v;
}

/* One --memorybacking: what it names replaces what an earlier one said. */
static void parse_one(struct vmc *c, const char *arg, struct vu_subopts *s, struct backing *b)
{
	static const char *const sources[] = { "file", "anonymous", "memfd", NULL };
	static const char *const modes[] = { "shared", "private", NULL };
	static const char *const allocs[] = { "immediate", "ondemand", NULL };
	struct vu_err e = { 0 };
	const char *v;

	if (vu_subopt_parse(arg, memorybacking_keys, false, s, &e) < 0)
		vmc_usage(c, "--memorybacking", "%s", vu_err_str(&e));
	flag(c, s, "hugepages", &b->hugepages);
	flag(c, s, "nosharepages", &b->nosharepages);
	flag(c, s, "locked", &b->locked);
	flag(c, s, "discard", &b->discard);
	if ((v = word(c, s, "source.type", "source_type", sources)))
		b->source = v;
	if ((v = word(c, s, "access.mode", "access_mode", modes)))
		b->access = v;
	if ((v = word(c, s, "allocation.mode", NULL, allocs)))
		b->alloc_mode = v;
	if ((v = word(c, s, "allocation.threads", NULL, NULL)))
		b->alloc_threads = v;
}

static bool has_virtiofs(const struct vu_domain *dom)
{
	bool found = false;

	for (xmlNodePtr f = vu_domain_dev_next(dom, "filesystem", NULL); f && !found;
	     f = vu_domain_dev_next(dom, "filesystem", f)) {
		char *driver = NULL;

		found = vu_node_get(f, "driver", "type", &driver) == 0 &&
			!strcmp(driver, "virtiofs");
		free(driver);
	}
	return found;
}

/*
 * virtiofsd maps the guest's RAM, so libvirt refuses a virtiofs
 * filesystem ("'virtiofs' requires shared memory") unless the memory is
 * shared: memfd-backed and shared, as virt-manager sets it up, unless
 * --memorybacking chose a source; private access cannot work.
 */
static void virtiofs_needs(struct vmc *c, const struct vu_domain *dom, struct backing *b)
{
	if (!has_virtiofs(dom))
		return;
	if (b->access && strcmp(b->access, "shared"))
		vmc_usage(c, "--filesystem", "virtiofs needs shared memory, not "
			  "--memorybacking access.mode=%s", b->access);
	b->access = "shared";
	if (!b->source)
		b->source = "memfd";
}

static int set_flag(struct vu_domain *dom, const char *path, bool on)
{
	return on ? vu_domain_ensure(dom, path, NULL) : 0;
}

/* In libvirt's order: hugepages, nosharepages, locked, source, access,
 * allocation, discard. */
static int write_backing(struct vu_domain *dom, const struct backing *b)
{
	int r = set_flag(dom, "memoryBacking/hugepages", b->hugepages);

	if (r == 0)
		r = set_flag(dom, "memoryBacking/nosharepages", b->nosharepages);
	if (r == 0)
		r = set_flag(dom, "memoryBacking/locked", b->locked);
	if (r == 0 && b->source)
		r = vu_domain_set(dom, "memoryBacking/source", "type", b->source);
	if (r == 0 && b->access)
		r = vu_domain_set(dom, "memoryBacking/access", "mode", b->access);
	if (r == 0 && b->alloc_mode)
		r = vu_domain_set(dom, "memoryBacking/allocation", "mode", b->alloc_mode);
	if (r == 0 && b->alloc_threads)
		r = vu_domain_set(dom, "memoryBacking/allocation", "threads", b->alloc_threads);
	if (r == 0)
		r = set_flag(dom, "memoryBacking/discard", b->discard);
	return r;
}

void build_memorybacking(struct vmc *c, struct vu_domain *dom)
{
	struct vu_subopts *s = calloc(c->membacking.n ? c->membacking.n : 1, sizeof(*s));
	struct backing b = { 0 };
	int r;

	if (!s)
		vmc_fail(c, "--memorybacking", "cannot allocate memory");
	/* The values point into the parsed options: kept until written. */
	for (size_t i = 0; i < c->membacking.n; i++)
		parse_one(c, c->membacking.v[i], &s[i], &b);
	virtiofs_needs(c, dom, &b);
	r = write_backing(dom, &b);
	for (size_t i = 0; i < c->membacking.n; i++)
		vu_subopt_free(&s[i]);
	free(s);
	if (r < 0)
		vmc_fail(c, "--memorybacking", "%s", strerror(-r));
}
