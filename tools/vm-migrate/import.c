/* SPDX-License-Identifier: GPL-2.0-or-later */
/* import.c - reading the offline stream (untrusted: order, limits and
 * digests checked) and importing it into a pool and the state root, all
 * or nothing */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/image.h"
#include "vu/xmlnode.h"

#include "vm-migrate.h"

/* ---- the reader ---- */

struct rd {
	struct archive *a;
	const struct vmg_sink *sink;
	struct vu_err *e;
};

static int rd_arc(struct rd *r)
{
	const char *msg = archive_error_string(r->a);

	return vu_err_set(r->e, EIO, "stream: %s", msg ? msg : "cannot be read");
}

static int rd_bad(struct rd *r, const char *what)
{
	return vu_err_set(r->e, EINVAL, "stream: %s", what);
}

/* The next entry, which must be the regular file VMG_PREFIX name. */
static int rd_next(struct rd *r, const char *name, struct archive_entry **ae)
{
	int st = archive_read_next_header(r->a, ae);
	const char *path;

	if (st == ARCHIVE_EOF)
		return vu_err_set(r->e, EPIPE, "stream: truncated: %s%s missing", VMG_PREFIX, name);
	if (st != ARCHIVE_OK && st != ARCHIVE_WARN)
		return rd_arc(r);
	path = archive_entry_pathname(*ae);
	if (!path || strncmp(path, VMG_PREFIX, strlen(VMG_PREFIX)) ||
	    strcmp(path + strlen(VMG_PREFIX), name))
		return vu_err_set(r->e, EINVAL, "stream: %s%s expected, found '%s'", VMG_PREFIX,
				  name, path ? path : "");
	if (archive_entry_filetype(*ae) != AE_IFREG || !archive_entry_size_is_set(*ae) ||
	    archive_entry_size(*ae) < 0)
		return vu_err_set(r->e, EINVAL, "stream: %s: not a regular file of known size",
				  path);
	return 0;
}

/* A text entry of at most max bytes, NUL-terminated (free it). */
static int rd_text(struct rd *r, const char *name, size_t max, char **out, size_t *len)
{
	struct archive_entry *ae;
	int rc = rd_next(r, name, &ae);
	la_ssize_t got;
	size_t size;
	char *buf;

	if (rc < 0)
		return rc;
	if ((uint64_t)archive_entry_size(ae) > max)
		return vu_err_set(r->e, EFBIG, "stream: %s%s: larger than %zu bytes", VMG_PREFIX,
				  name, max);
	size = (size_t)archive_entry_size(ae);
	if (!(buf = malloc(size + 1)))
		return vu_err_set(r->e, ENOMEM, NULL);
	got = size ? archive_read_data(r->a, buf, size) : 0;
	if (got < 0 || (size_t)got != size) {
		free(buf);
		return got < 0 ? rd_arc(r) : vu_err_set(r->e, EPIPE, "stream: %s%s: truncated",
							 VMG_PREFIX, name);
	}
	buf[size] = '\0';
	*out = buf;
	*len = size;
	return 0;
}

/* MANIFEST: the magic line, the domain's name, the number of files. */
static int rd_manifest(struct rd *r, char **name, unsigned *n)
{
	char *text, *domain, *files, *end;
	size_t len;
	unsigned long v;
	int rc = rd_text(r, "MANIFEST", VMG_MAX_TEXT, &text, &len);

	if (rc < 0)
		return rc;
	domain = strchr(text, '\n');
	files = domain ? strchr(domain + 1, '\n') : NULL;
	if (!domain || !files || strlen(text) != len || text[len - 1] != '\n') {
		free(text);
		return rd_bad(r, "not a vm-migrate stream (bad MANIFEST)");
	}
	*domain++ = '\0';
	*files++ = '\0';
	text[len - 1] = '\0';
	if (strcmp(text, VMG_MAGIC))
		rc = rd_bad(r, "not a vm-migrate stream, or a version this one cannot read");
	else if (strncmp(domain, "domain ", 7) || vu_name_check(domain + 7) < 0)
		rc = rd_bad(r, "MANIFEST: bad domain name");
	else if (strncmp(files, "files ", 6) || files[6] < '0' || files[6] > '9' ||
		 (v = strtoul(files + 6, &end, 10)) > VMG_MAX_FILES || *end)
		rc = rd_bad(r, "MANIFEST: bad number of files");
	else if (!(*name = strdup(domain + 7)))
		rc = vu_err_set(r->e, ENOMEM, NULL);
	else
		*n = (unsigned)v;
	free(text);
	return rc;
}

static int rd_domain(struct rd *r, const char *name, unsigned n)
{
	struct vu_domain *dom = NULL;
	char *xml, *got = NULL;
	size_t len;
	int rc = rd_text(r, "domain.xml", VMG_MAX_XML, &xml, &len);

	if (rc < 0)
		return rc;
	rc = vu_domain_parse(&dom, xml, len, r->e);
	free(xml);
	if (rc < 0)
		return vu_err_set(r->e, -rc, "stream: domain.xml: %s", vu_err_str(r->e));
	if (vu_domain_get_name(dom, &got) < 0 || !got || strcmp(got, name))
		rc = rd_bad(r, "domain.xml and MANIFEST name different domains");
	free(got);
	if (rc == 0)
		return r->sink->domain(r->sink->ctx, dom, n, r->e);	/* takes dom */
	vu_domain_free(&dom);
	return rc;
}

/* I.data: blocks in increasing order within the announced size. */
static int rd_blocks(struct rd *r, const struct vmg_file *f, struct vmg_digest *d)
{
	uint64_t next = 0;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int st = archive_read_data_block(r->a, &buf, &len, &off);
		int rc;

		if (st == ARCHIVE_EOF)
			return 0;
		if (st != ARCHIVE_OK && st != ARCHIVE_WARN)
			return rd_arc(r);
		if (off < 0 || (uint64_t)off < next || (uint64_t)off > f->size ||
		    len > f->size - (uint64_t)off)
			return rd_bad(r, "a disk's data lies outside its size or out of order");
		if (!len)
			continue;
		if (vmg_digest_update(d, buf, len, (uint64_t)off) < 0)
			return vu_err_set(r->e, EIO, "sha256 failed");
		if ((rc = r->sink->data(r->sink->ctx, buf, len, (uint64_t)off, r->e)) < 0)
			return rc;
		next = (uint64_t)off + len;
	}
}

static int rd_data(struct rd *r, const struct vmg_file *f, char hex[65])
{
	struct archive_entry *ae;
	struct vmg_digest d;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "%u.data", f->idx);
	if ((rc = rd_next(r, name, &ae)) < 0)
		return rc;
	if ((uint64_t)archive_entry_size(ae) != f->size)
		return vu_err_set(r->e, EINVAL, "stream: file %u: size differs from its info",
				  f->idx);
	if (vmg_digest_init(&d) < 0)
		return vu_err_set(r->e, ENOMEM, NULL);
	rc = rd_blocks(r, f, &d);
	if (rc == 0 && vmg_digest_final(&d, f->size, hex) < 0)
		rc = vu_err_set(r->e, EIO, "sha256 failed");
	vmg_digest_free(&d);
	return rc;
}

static int rd_file(struct rd *r, unsigned idx)
{
	char name[32], hex[65], *text;
	struct vmg_file f;
	size_t len;
	int rc;

	snprintf(name, sizeof(name), "%u.info", idx);
	if ((rc = rd_text(r, name, VMG_MAX_TEXT, &text, &len)) < 0)
		return rc;
	rc = vmg_info_parse(text, len, idx, &f, r->e);
	free(text);
	if (rc == 0)
		rc = r->sink->begin(r->sink->ctx, &f, r->e);
	if (rc == 0)
		rc = rd_data(r, &f, hex);
	snprintf(name, sizeof(name), "%u.sha256", idx);
	if (rc == 0 && (rc = rd_text(r, name, VMG_MAX_TEXT, &text, &len)) == 0) {
		if (len != 65 || text[64] != '\n' || strncmp(text, hex, 64))
			rc = vu_err_set(r->e, EBADMSG, "stream: file %u (%s): checksum mismatch",
					idx, f.name);
		free(text);
	}
	return rc == 0 ? r->sink->end(r->sink->ctx, &f, r->e) : rc;
}

static int rd_end(struct rd *r, unsigned n)
{
	struct archive_entry *ae;
	char *text, want[32];
	size_t len;
	int rc = rd_text(r, "END", VMG_MAX_TEXT, &text, &len);

	if (rc < 0)
		return rc;
	snprintf(want, sizeof(want), "files %u\n", n);
	if (strcmp(text, want) || strlen(text) != len)
		rc = rd_bad(r, "END does not match MANIFEST");
	free(text);
	if (rc == 0 && (rc = archive_read_next_header(r->a, &ae)) != ARCHIVE_EOF)
		return rc == ARCHIVE_OK || rc == ARCHIVE_WARN ? rd_bad(r, "entries after END")
							       : rd_arc(r);
	return rc == ARCHIVE_EOF ? 0 : rc;
}

int vmg_read_archive(struct archive *a, const struct vmg_sink *sink, struct vu_err *e)
{
	struct rd r = { .a = a, .sink = sink, .e = e };
	char *name = NULL;
	unsigned n = 0;
	int rc = rd_manifest(&r, &name, &n);

	if (rc == 0)
		rc = rd_domain(&r, name, n);
	for (unsigned i = 0; rc == 0 && i < n; i++)
		rc = rd_file(&r, i);
	if (rc == 0)
		rc = rd_end(&r, n);
	free(name);
	return rc;
}

int vmg_read_fd(int fd, const struct vmg_sink *sink, struct vu_err *e)
{
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return vu_err_set(e, ENOMEM, NULL);
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 1 << 20) != ARCHIVE_OK)
		r = vu_err_set(e, EIO, "stream: %s", archive_error_string(a));
	else
		r = vmg_read_archive(a, sink, e);
	archive_read_free(a);
	return r;
}

/* ---- the import ---- */

struct imp {
	struct vu_storage *s;
	struct vu_pool *pool;
	const struct vmg_import_opts *o;
	struct vu_domain *dom;
	unsigned n;
	struct vmg_file files[VMG_MAX_FILES];
	struct vu_vol_new vols[VMG_MAX_FILES];
	unsigned cur;		/* the file being written */
};

static int imp_domain(void *ctx, struct vu_domain *dom, unsigned n, struct vu_err *e)
{
	struct imp *im = ctx;

	im->dom = dom;
	im->n = n;
	/* Refused before a byte of disk is written, checked again at define. */
	return vu_domaindb_check_unique(&im->s->st, dom, NULL, e);
}

static int imp_begin(void *ctx, const struct vmg_file *f, struct vu_err *e)
{
	struct imp *im = ctx;
	struct vu_vol_new *nv = &im->vols[f->idx];
	int r;

	im->files[f->idx] = *f;
	im->cur = f->idx;
	if (im->o->verbose)
		fprintf(stderr, "receiving %s (%s, %" PRIu64 " bytes)\n", f->name, f->format, f->size);
	r = vu_vol_new_begin(im->s, im->pool, f->name, nv, e);
	if (r == 0 && ftruncate(nv->fd, (off_t)f->size) < 0)
		r = vu_err_set(e, errno, "%s: %s", nv->path, strerror(errno));
	return r;
}

static int imp_data(void *ctx, const void *buf, size_t len, uint64_t off, struct vu_err *e)
{
	struct imp *im = ctx;
	struct vu_vol_new *nv = &im->vols[im->cur];
	int r = vu_pwrite_all(nv->fd, buf, len, (off_t)off);

	return r < 0 ? vu_err_set(e, -r, "%s: %s", nv->path, strerror(-r)) : 0;
}

/* A qcow2 file must open as one, and names as its backing file only the
 * earlier file the stream says (rewritten to where that one now lies):
 * never a path of this host the sender chose. */
static int imp_end(void *ctx, const struct vmg_file *f, struct vu_err *e)
{
	struct imp *im = ctx;
	struct vu_vol_new *nv = &im->vols[f->idx];
	struct vu_image *img = NULL;
	int r;

	if (strcmp(f->format, "qcow2"))
		return 0;
	r = vu_image_open_fd(&img, nv->fd, nv->path, "qcow2", VU_OPEN_RDWR | VU_OPEN_NO_BACKING,
			     e);
	if (r < 0)
		return vu_err_set(e, -r, "stream: file %u (%s): %s", f->idx, f->name,
				  vu_err_str(e));
	if (f->backing >= 0)
		r = vu_image_set_backing(img, im->vols[f->backing].path,
					 im->files[f->backing].format, e);
	else if (vu_image_backing_file(img))
		r = vu_err_set(e, EINVAL, "stream: file %u (%s): names a backing file the stream "
			       "does not hold", f->idx, f->name);
	if (r == 0 && (r = vu_image_flush(img)) < 0)
		vu_err_set(e, -r, "%s: %s", nv->path, strerror(-r));
	vu_image_close(&img);
	return r;
}

/* Points each disk the stream carries at its new volume. */
static int imp_rewrite(struct imp *im, struct vu_err *e)
{
	for (unsigned i = 0; i < im->n; i++) {
		const struct vmg_file *f = &im->files[i];
		xmlNodePtr disk;
		int r;

		if (!f->target[0])
			continue;
		disk = vu_domain_find_disk(im->dom, f->target);
		if (!disk)
			return vu_err_set(e, EINVAL, "stream: file %u: the domain has no disk %s",
					  i, f->target);
		if ((r = vu_disk_set_source(disk, "file", im->vols[i].path)) < 0 ||
		    (r = vu_node_set(disk, "driver", "type", f->format)) < 0)
			return vu_err_set(e, -r, "disk %s: %s", f->target, strerror(-r));
	}
	return 0;
}

/* Every volume under its name, then the definition; undone on failure. */
static int imp_commit(struct imp *im, struct vu_err *e)
{
	int r = imp_rewrite(im, e);

	for (unsigned i = 0; r == 0 && i < im->n; i++)
		r = vu_vol_new_commit(im->s, &im->vols[i], e);
	if (r == 0)
		r = vu_domaindb_define(&im->s->st, im->dom, 0, e);
	return r;
}

int vmg_import(struct vu_storage *s, int fd, const struct vmg_import_opts *o, char **name,
	       struct vu_err *e)
{
	struct imp *im = calloc(1, sizeof(*im));
	struct vmg_sink sink = { imp_domain, imp_begin, imp_data, imp_end, im };
	int r;

	vu_err_clear(e);
	if (!im)
		return vu_err_set(e, ENOMEM, NULL);
	*im = (struct imp){ .s = s, .o = o };
	for (unsigned i = 0; i < VMG_MAX_FILES; i++)
		im->vols[i].fd = -1;
	r = vu_pool_lookup(s, o->pool ? o->pool : "default", &im->pool, e);
	if (r == 0)
		r = vmg_read_fd(fd, &sink, e);
	if (r == 0)
		r = imp_commit(im, e);
	if (r == 0 && vu_domain_get_name(im->dom, name) < 0)
		*name = NULL;
	for (unsigned i = 0; r < 0 && i < VMG_MAX_FILES; i++)
		vu_vol_new_abort(s, &im->vols[i]);
	for (unsigned i = 0; r == 0 && i < VMG_MAX_FILES; i++)
		vu_vol_new_free(s, &im->vols[i]);
	vu_domain_free(&im->dom);
	if (im->pool)
		vu_pool_free(&im->pool);
	free(im);
	return r;
}
