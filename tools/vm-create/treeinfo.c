/* SPDX-License-Identifier: GPL-2.0-or-later */
/* treeinfo.c - the .treeinfo of an install tree: INI text, read defensively */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "treeinfo.h"

#define TI_MAX_PATH 1024

static bool ti_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims [*b, *e) of blanks on both sides. */
static void ti_trim(const char **b, const char **e)
{
	while (*b < *e && ti_space(**b))
		(*b)++;
	while (*e > *b && ti_space((*e)[-1]))
		(*e)--;
}

static bool ti_equal(const char *b, const char *e, const char *word, bool nocase)
{
	size_t n = (size_t)(e - b);

	if (strlen(word) != n)
		return false;
	return nocase ? strncasecmp(b, word, n) == 0 : strncmp(b, word, n) == 0;
}

/*
 * The value of key in [section], as Python's configparser (what anaconda and
 * virt-install use) reads it: "key = value" or "key: value", keys without
 * case, full-line comments with '#' or ';', indented lines continuing a
 * value (not needed here: skipped). The first occurrence wins. A copy, or
 * NULL when absent or out of memory (errno tells).
 */
static char *ti_get(const char *buf, size_t len, const char *section, const char *key)
{
	const char *p = buf, *end = buf + len;
	bool in = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *b = p, *e = nl ? nl : end;

		p = nl ? nl + 1 : end;
		if (b < e && ti_space(*b))
			continue;
		ti_trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[') {
			const char *close = memchr(b, ']', (size_t)(e - b));

			in = close && ti_equal(b + 1, close, section, false);
			continue;
		}
		if (!in)
			continue;
		const char *eq = b;

		while (eq < e && *eq != '=' && *eq != ':')
			eq++;
		const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;

		if (eq == e)
			continue;
		ti_trim(&kb, &ke);
		if (!ti_equal(kb, ke, key, true))
			continue;
		ti_trim(&vb, &ve);
		char *v = strndup(vb, (size_t)(ve - vb));

		errno = v ? 0 : ENOMEM;
		return v;
	}
	errno = 0;
	return NULL;
}

char *tree_path_normalize(const char *path)
{
	size_t n = strlen(path);
	char *out, *o;

	if (n == 0 || n > TI_MAX_PATH || path[0] == '/')
		goto invalid;
	out = o = malloc(n + 1);
	if (!out)
		return NULL;
	for (const char *p = path; *p;) {
		size_t c = strcspn(p, "/");

		for (size_t i = 0; i < c; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				goto invalid_free;
		if (c == 2 && p[0] == '.' && p[1] == '.')
			goto invalid_free;
		if (c > 0 && !(c == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, c);
			o += c;
		}
		p += c;
		p += *p == '/';
	}
	*o = '\0';
	if (o == out)
		goto invalid_free;
	return out;
invalid_free:
	free(out);
invalid:
	errno = EINVAL;
	return NULL;
}

/* Sets *dst from the first of the (section, key) pairs present. */
static int ti_pick(const char *buf, size_t len, char **dst, const char *const pairs[][2], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *v = ti_get(buf, len, pairs[i][0], pairs[i][1]);

		if (!v && errno == ENOMEM)
			return -ENOMEM;
		if (v && *v) {
			*dst = v;
			return 0;
		}
		free(v);
	}
	return 0;
}

/* [images-ARCH] name, normalised; a path that leaves the tree is an error
 * rather than skipped, so a hostile file is reported, not worked around. */
static int ti_image(const char *buf, size_t len, const char *arch, const char *name,
		    char **dst, struct vu_err *e)
{
	char section[80], *raw;

	snprintf(section, sizeof(section), "images-%.60s", arch);
	raw = ti_get(buf, len, section, name);
	if (!raw)
		return errno == ENOMEM ? -ENOMEM : 0;
	if (!*raw) {
		free(raw);
		return 0;
	}
	*dst = tree_path_normalize(raw);
	if (!*dst && errno == EINVAL)
		vu_err_set(e, EINVAL, ".treeinfo: %s path '%.100s' is not inside the install tree",
			   name, raw);
	free(raw);
	return *dst ? 0 : errno == ENOMEM ? -ENOMEM : -EINVAL;
}

int treeinfo_parse(const char *buf, size_t len, struct treeinfo *ti, struct vu_err *e)
{
	static const char *const family[][2] = {
		{ "general", "family" }, { "release", "name" }, { "product", "name" },
	};
	static const char *const version[][2] = {
		{ "general", "version" }, { "release", "version" }, { "product", "version" },
	};
	static const char *const arch[][2] = { { "general", "arch" }, { "tree", "arch" } };
	int r;

	*ti = (struct treeinfo){ 0 };
	r = ti_pick(buf, len, &ti->family, family, 3);
	if (r == 0)
		r = ti_pick(buf, len, &ti->version, version, 3);
	if (r == 0)
		r = ti_pick(buf, len, &ti->arch, arch, 2);
	if (r == 0 && !ti->arch && !(ti->arch = strdup("x86_64")))
		r = -ENOMEM;
	if (r == 0)
		r = ti_image(buf, len, ti->arch, "kernel", &ti->kernel, e);
	if (r == 0)
		r = ti_image(buf, len, ti->arch, "initrd", &ti->initrd, e);
	if (r < 0) {
		treeinfo_clear(ti);
		if (r == -ENOMEM)
			vu_err_set(e, ENOMEM, NULL);
	}
	return r;
}

void treeinfo_clear(struct treeinfo *ti)
{
	free(ti->family);
	free(ti->version);
	free(ti->arch);
	free(ti->kernel);
	free(ti->initrd);
	*ti = (struct treeinfo){ 0 };
}
