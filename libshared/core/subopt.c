/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subopt.c - sub-options in virt-install's "VALUE,key=val,..." form */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vu/subopt.h"

static const char *key_lookup(const char *const *keys, const char *name, size_t len)
{
	for (; *keys; keys++)
		if (strlen(*keys) == len && strncmp(*keys, name, len) == 0)
			return *keys;
	return NULL;
}

/* One item (not NUL-terminated: len bytes at item) appended to out. */
static int add_item(const char *item, size_t len, const char *const *keys,
		    bool allow_positional, struct vu_subopts *out, struct vu_err *e)
{
	const char *eq = memchr(item, '=', len);
	const char *key = NULL;
	const char *val = item;
	size_t vlen = len;

	if (len == 0)
		return vu_err_set(e, EINVAL, "empty option");
	if (eq) {
		key = key_lookup(keys, item, (size_t)(eq - item));
		if (!key)
			return vu_err_set(e, EINVAL, "unknown option '%.*s'",
					  (int)(eq - item), item);
		val = eq + 1;
		vlen = len - (size_t)(eq - item) - 1;
	} else if (!allow_positional) {
		/* A bare known key ("--boot menu") reads as virt-install's
		 * "unknown option" only when it is not a key either. */
		return vu_err_set(e, EINVAL, "%s '%.*s'",
				  key_lookup(keys, item, len) ? "missing value for option" :
				  "unknown option", (int)len, item);
	}
	struct vu_subopt *v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	out->v = v;
	v[out->n].key = key;
	v[out->n].val = strndup(val, vlen);
	if (!v[out->n].val)
		return -ENOMEM;
	out->n++;
	return 0;
}

int vu_subopt_parse(const char *arg, const char *const *keys, bool allow_positional,
		    struct vu_subopts *out, struct vu_err *e)
{
	out->v = NULL;
	out->n = 0;
	for (const char *p = arg;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int r = add_item(p, len, keys, allow_positional, out, e);
		if (r < 0) {
			vu_subopt_free(out);
			return r;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

void vu_subopt_free(struct vu_subopts *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].val);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const char *vu_subopt_get(const struct vu_subopts *s, const char *key)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->v[i].key && strcmp(s->v[i].key, key) == 0)
			return s->v[i].val;
	return NULL;
}

const char *vu_subopt_positional(const struct vu_subopts *s, size_t i)
{
	for (size_t k = 0; k < s->n; k++)
		if (!s->v[k].key && i-- == 0)
			return s->v[k].val;
	return NULL;
}

size_t vu_subopt_npositional(const struct vu_subopts *s)
{
	size_t n = 0;

	for (size_t k = 0; k < s->n; k++)
		n += !s->v[k].key;
	return n;
}

int vu_subopt_bool(const char *val, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int vu_subopt_uint(const char *val, uint64_t max, uint64_t *out)
{
	char *end;

	if (*val < '0' || *val > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(val, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

bool vu_subopt_is_help(const char *arg)
{
	return strcmp(arg, "?") == 0 || strcmp(arg, "help") == 0 ||
	       strcmp(arg, "list") == 0;
}

void vu_subopt_help(FILE *f, const char *option, const char *const *keys)
{
	fprintf(f, "%s options:\n", option);
	for (; *keys; keys++)
		fprintf(f, "  %s\n", *keys);
}
