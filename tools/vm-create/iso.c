/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iso.c - an install tree inside an ISO 9660 image (Rock Ridge, Joliet),
 * read with libarchive and never mounted */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "treeinfo.h"

/* Entries beyond this are not listed: a DVD has tens of thousands. */
#define ISO_MAX_ENTRIES 1000000
/* libarchive's ARCHIVE_ERRNO_FILE_FORMAT, not in its public header: EFTYPE
 * where it exists, else EILSEQ (Linux). */
#ifdef EFTYPE
#define VU_ARCHIVE_ERRNO_FORMAT EFTYPE
#else
#define VU_ARCHIVE_ERRNO_FORMAT EILSEQ
#endif
/* Symbolic and hard links followed from one name. */
#define ISO_MAX_HOPS 8

struct iso_entry {
	char *path;		/* normalised, relative to the image's root */
	char *symlink;		/* the target of a symbolic link, as stored */
	char *hardlink;		/* the entry holding the data, normalised */
	bool file;
};

static struct archive *iso_reader(const char *path, struct vu_err *e)
{
	struct archive *a = archive_read_new();

	if (!a) {
		vu_err_set(e, ENOMEM, NULL);
		return NULL;
	}
	archive_read_support_format_iso9660(a);
	if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
		if (archive_errno(a) == VU_ARCHIVE_ERRNO_FORMAT)
			vu_err_set(e, EIO, "%s: neither a directory nor an ISO 9660 image", path);
		else
			vu_err_set(e, EIO, "%s: %s", path, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* libarchive names entries "a/b", "./a/b" or "a/b/" depending on the
 * image; the listing and the lookups agree on one form. */
static char *iso_norm(const char *name)
{
	char *n;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	n = strdup(name);
	if (n) {
		size_t len = strlen(n);

		while (len > 0 && n[len - 1] == '/')
			n[--len] = '\0';
	}
	return n;
}

static int iso_add(struct tree_src *s, struct archive_entry *ae)
{
	struct iso_entry *ie;
	const char *link;

	if (s->nents % 256 == 0) {
		void *p = realloc(s->ents, (s->nents + 256) * sizeof(*s->ents));

		if (!p)
			return -ENOMEM;
		s->ents = p;
	}
	ie = &s->ents[s->nents];
	*ie = (struct iso_entry){ .file = archive_entry_filetype(ae) == AE_IFREG };
	ie->path = iso_norm(archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "");
	if (!ie->path)
		return -ENOMEM;
	s->nents++;
	link = archive_entry_symlink(ae);
	if (link && !(ie->symlink = strdup(link)))
		return -ENOMEM;
	link = archive_entry_hardlink(ae);
	if (link && !(ie->hardlink = iso_norm(link)))
		return -ENOMEM;
	return 0;
}

/* One pass over the headers (the data is skipped by seeking), so that
 * later lookups need no pass at all. */
int iso_open(struct tree_src *s, const char *path, struct vu_err *e)
{
	struct archive *a;
	struct archive_entry *ae;
	int r = 0, ar;

	s->where = strdup(path);
	if (!s->where)
		return vu_err_set(e, ENOMEM, NULL);
	a = iso_reader(path, e);
	if (!a)
		return -e->code;
	while (r == 0 && (ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		if (s->nents >= ISO_MAX_ENTRIES)
			break;
		r = iso_add(s, ae);
		if (r < 0)
			vu_err_set(e, -r, NULL);
	}
	if (r == 0 && s->nents < ISO_MAX_ENTRIES && ar != ARCHIVE_EOF)
		r = vu_err_set(e, EIO, "%s: %s", path, archive_error_string(a));
	archive_read_free(a);
	return r;
}

void iso_close(struct tree_src *s)
{
	for (size_t i = 0; i < s->nents; i++) {
		free(s->ents[i].path);
		free(s->ents[i].symlink);
		free(s->ents[i].hardlink);
	}
	free(s->ents);
	s->ents = NULL;
	s->nents = 0;
}

/* Exact names first; an image without Rock Ridge or Joliet has only
 * upper-case ISO 9660 names, so then without case. */
static struct iso_entry *iso_lookup(struct tree_src *s, const char *path)
{
	for (size_t i = 0; i < s->nents; i++)
		if (strcmp(s->ents[i].path, path) == 0)
			return &s->ents[i];
	for (size_t i = 0; i < s->nents; i++)
		if (strcasecmp(s->ents[i].path, path) == 0)
			return &s->ents[i];
	return NULL;
}

/* The target of a symbolic link in dir of from, resolved lexically; NULL
 * when it leaves the image (or on ENOMEM). */
static char *iso_link_target(const char *from, const char *target)
{
	const char *slash = strrchr(from, '/');
	size_t dlen = target[0] == '/' || !slash ? 0 : (size_t)(slash - from);
	char *joined = malloc(dlen + strlen(target) + 2), *out = NULL, *o;

	if (!joined)
		return NULL;
	snprintf(joined, dlen + strlen(target) + 2, "%.*s/%s", (int)dlen, from, target);
	out = o = malloc(strlen(joined) + 1);
	for (char *p = joined; out && *p;) {
		size_t c = strcspn(p, "/");

		if (c == 2 && p[0] == '.' && p[1] == '.') {
			if (o == out) {
				free(out);
				out = NULL;
				break;
			}
			while (o > out && *--o != '/')
				;
		} else if (c > 0 && !(c == 1 && *p == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, c);
			o += c;
		}
		p += c;
		p += *p == '/';
	}
	if (out)
		*o = '\0';
	free(joined);
	return out;
}

/* The entry holding path's data, following links inside the image. */
static struct iso_entry *iso_resolve(struct tree_src *s, const char *path)
{
	struct iso_entry *ie = iso_lookup(s, path);

	for (int hop = 0; ie && hop < ISO_MAX_HOPS; hop++) {
		char *next;

		if (ie->hardlink) {
			ie = iso_lookup(s, ie->hardlink);
			continue;
		}
		if (!ie->symlink)
			return ie->file ? ie : NULL;
		next = iso_link_target(ie->path, ie->symlink);
		ie = next ? iso_lookup(s, next) : NULL;
		free(next);
	}
	return NULL;
}

int iso_exists(struct tree_src *s, const char *path, struct vu_err *e)
{
	(void)e;
	return iso_resolve(s, path) != NULL;
}

static int iso_copy(struct archive *a, struct tree_sink *k, const char *name,
		    struct vu_err *e)
{
	char buf[64 * 1024];

	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		int r;

		if (n == 0)
			return 0;
		if (n < 0)
			return vu_err_set(e, EIO, "%s: %s", name, archive_error_string(a));
		r = tree_sink_put(k, buf, (size_t)n);
		if (r < 0)
			return tree_sink_fail(k, r, name, e);
	}
}

/* A second pass, to the entry's header, then its data. */
int iso_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e)
{
	struct iso_entry *ie = iso_resolve(s, path);
	struct archive_entry *ae;
	struct archive *a;
	char name[PATH_MAX];
	int r = -ENOENT, ar;

	if (!ie)
		return -ENOENT;
	snprintf(name, sizeof(name), "%s:%s", s->where, path);
	a = iso_reader(s->where, e);
	if (!a)
		return -e->code;
	while ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		char *n = iso_norm(archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "");
		bool match = n && strcmp(n, ie->path) == 0;

		free(n);
		if (!match)
			continue;
		if (archive_entry_size_is_set(ae) && (uint64_t)archive_entry_size(ae) > k->max)
			r = tree_sink_fail(k, -EFBIG, name, e);
		else
			r = iso_copy(a, k, name, e);
		break;
	}
	if (ar != ARCHIVE_OK && ar != ARCHIVE_EOF)
		r = vu_err_set(e, EIO, "%s: %s", s->where, archive_error_string(a));
	archive_read_free(a);
	return r;
}
