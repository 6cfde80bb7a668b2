/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.c - the text edits the operations make, on whole files in memory:
 * ifcfg keys, passwd/shadow/group lines, UUIDs in fstab and boot loader
 * files. Pure, so that each is tested without a guest. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-sysprep.h"

/* A growing string. */
struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void adds(struct buf *b, const char *s)
{
	add(b, s, strlen(s));
}

static int done(struct buf *b, char **out)
{
	if (!b->oom && !b->s)
		add(b, "", 0);
	if (b->oom) {
		free(b->s);
		return -ENOMEM;
	}
	*out = b->s;
	return 0;
}

/* The line starting at p: its length with its newline (if any). */
static size_t line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) + 1 : strlen(p);
}

/* Does the shell line set key? "KEY=", "  KEY=", "export KEY=". */
static bool sets_key(const char *line, size_t len, const char *key)
{
	size_t k = strlen(key), i = strspn(line, " \t");

	if (len - i > 7 && strncmp(line + i, "export", 6) == 0 && (line[i + 6] == ' ' ||
								    line[i + 6] == '\t'))
		i += 6 + strspn(line + i + 6, " \t");
	return i + k < len && strncmp(line + i, key, k) == 0 && line[i + k] == '=';
}

int vs_edit_drop_keys(const char *in, const char *const *keys, char **out, bool *changed)
{
	struct buf b = { 0 };

	*changed = false;
	for (const char *p = in; *p; ) {
		size_t n = line_len(p);
		bool drop = false;

		for (const char *const *k = keys; *k && !drop; k++)
			drop = sets_key(p, n, *k);
		if (drop)
			*changed = true;
		else
			add(&b, p, n);
		p += n;
	}
	return done(&b, out);
}

int vs_edit_set_key(const char *in, const char *key, const char *value, char **out)
{
	struct buf b = { 0 };
	bool set = false;

	for (const char *p = in; *p; ) {
		size_t n = line_len(p);

		if (!sets_key(p, n, key)) {
			add(&b, p, n);
		} else if (!set) {
			adds(&b, key);
			adds(&b, "=");
			adds(&b, value);
			adds(&b, "\n");
			set = true;
		}
		p += n;
	}
	if (!set) {
		if (b.len && b.s[b.len - 1] != '\n')
			adds(&b, "\n");
		adds(&b, key);
		adds(&b, "=");
		adds(&b, value);
		adds(&b, "\n");
	}
	return done(&b, out);
}

/* Whether the colon-separated line's first field is name. */
static bool named(const char *line, size_t len, const char *name)
{
	size_t k = strlen(name);

	return k < len && strncmp(line, name, k) == 0 && line[k] == ':';
}

/* Where field f of the line starts and its length (a missing field: the
 * end of the line, length 0, and *found false). */
static const char *field_at(const char *line, size_t len, unsigned f, size_t *flen, bool *found)
{
	const char *p = line, *end = line + len;

	if (len && line[len - 1] == '\n')
		end--;
	for (unsigned i = 0; i < f && p < end; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		p = c ? c + 1 : end;
		if (!c) {
			*found = false;
			*flen = 0;
			return end;
		}
	}
	const char *c = memchr(p, ':', (size_t)(end - p));

	*found = true;
	*flen = c ? (size_t)(c - p) : (size_t)(end - p);
	return p;
}

int vs_edit_set_field(const char *in, const char *name, unsigned field, const char *value,
		      char **out)
{
	struct buf b = { 0 };
	bool hit = false;

	for (const char *p = in; *p; ) {
		size_t n = line_len(p), flen;
		bool found;

		if (!hit && named(p, n, name)) {
			const char *f = field_at(p, n, field, &flen, &found);

			if (found) {
				add(&b, p, (size_t)(f - p));
				adds(&b, value);
				add(&b, f + flen, n - (size_t)(f + flen - p));
				hit = true;
				p += n;
				continue;
			}
		}
		add(&b, p, n);
		p += n;
	}
	if (!hit) {
		free(b.s);
		return -ENOENT;
	}
	return done(&b, out);
}

int vs_edit_get_field(const char *in, const char *name, unsigned field, char **out)
{
	for (const char *p = in; *p; ) {
		size_t n = line_len(p), flen;
		bool found;

		if (named(p, n, name)) {
			const char *f = field_at(p, n, field, &flen, &found);

			if (!found)
				return -ENOENT;
			*out = strndup(f, flen);
			return *out ? 0 : -ENOMEM;
		}
		p += n;
	}
	return -ENOENT;
}

int vs_edit_drop_names(const char *in, const char *const *names, char **out, size_t *count)
{
	struct buf b = { 0 };

	*count = 0;
	for (const char *p = in; *p; ) {
		size_t n = line_len(p);
		bool drop = false;

		for (const char *const *k = names; *k && !drop; k++)
			drop = named(p, n, *k);
		if (drop)
			(*count)++;
		else
			add(&b, p, n);
		p += n;
	}
	return done(&b, out);
}

static bool listed(const char *w, size_t len, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == len && strncmp(*names, w, len) == 0)
			return true;
	return false;
}

/* The member list without the names, commas kept between the rest. */
static void members_without(struct buf *b, const char *m, size_t len, const char *const *names)
{
	bool first = true;

	for (const char *p = m, *end = m + len; p < end; ) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t wl = c ? (size_t)(c - p) : (size_t)(end - p);

		if (wl && !listed(p, wl, names)) {
			if (!first)
				adds(b, ",");
			add(b, p, wl);
			first = false;
		}
		p += wl + (c ? 1 : 0);
	}
}

int vs_edit_drop_members(const char *in, const char *const *names, char **out)
{
	struct buf b = { 0 };

	for (const char *p = in; *p; ) {
		size_t n = line_len(p), flen;
		bool found;
		const char *f = field_at(p, n, 3, &flen, &found);

		if (!found) {
			add(&b, p, n);
		} else {
			add(&b, p, (size_t)(f - p));
			members_without(&b, f, flen, names);
			add(&b, f + flen, n - (size_t)(f + flen - p));
		}
		p += n;
	}
	return done(&b, out);
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

int vs_edit_replace_word(const char *in, const char *from, const char *to, char **out,
			 size_t *count)
{
	struct buf b = { 0 };
	size_t k = strlen(from);
	const char *p = in, *hit;

	*count = 0;
	while (k && (hit = strstr(p, from))) {
		bool whole = (hit == in || !word_char(hit[-1])) && !word_char(hit[k]);

		add(&b, p, (size_t)(hit - p));
		adds(&b, whole ? to : from);
		*count += whole;
		p = hit + k;
	}
	adds(&b, p);
	return done(&b, out);
}

int vs_edit_append_line(const char *in, const char *line, char **out)
{
	struct buf b = { 0 };
	size_t n = strlen(in);

	adds(&b, in);
	if (n && in[n - 1] != '\n')
		adds(&b, "\n");
	adds(&b, line);
	adds(&b, "\n");
	return done(&b, out);
}
