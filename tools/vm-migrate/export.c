/* SPDX-License-Identifier: GPL-2.0-or-later */
/* export.c - a defined domain and its disks as the offline stream: a pax
 * archive whose disk entries hold only the allocated extents */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/image.h"
#include "vu/xmlnode.h"

#include "vm-migrate.h"

#define XFER_BUF (1 << 20)

/* One file to send: a disk, or a layer of its backing chain. */
struct xfile {
	struct vmg_file f;
	char *path;		/* canonical path, to find layers shared by two disks */
	const char *fmt;	/* the format to read it with ("raw": its bytes as they are) */
};

struct xport {
	const struct vmg_export_opts *o;
	struct xfile files[VMG_MAX_FILES];
	unsigned n;
	struct archive *a;
	time_t now;
};

struct extent {
	uint64_t off, len;
};

static void xport_free(struct xport *x)
{
	for (unsigned i = 0; i < x->n; i++)
		free(x->files[i].path);
	if (x->a)
		archive_write_free(x->a);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- which files ---- */

static int find_file(const struct xport *x, const char *path)
{
	for (unsigned i = 0; i < x->n; i++)
		if (!strcmp(x->files[i].path, path))
			return (int)i;
	return -1;
}

/* Adds path as a file read with read_fmt and sent as fmt (or finds it
 * added for another disk); its index. */
static int add_file(struct xport *x, const char *path, const char *read_fmt, const char *fmt,
		    uint64_t size, int backing, const char *name, struct vu_err *e)
{
	char *real = realpath(path, NULL);
	struct xfile *xf;
	int i;

	if (!real)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	if ((i = find_file(x, real)) >= 0) {
		free(real);
		return i;
	}
	for (unsigned j = 0; j < x->n; j++)
		if (!strcmp(x->files[j].f.name, name)) {
			free(real);
			return vu_err_set(e, EEXIST, "%s and %s: two disk files named '%s'",
					  x->files[j].path, path, name);
		}
	if (x->n == VMG_MAX_FILES) {
		free(real);
		return vu_err_set(e, E2BIG, "more than %d disk files", VMG_MAX_FILES);
	}
	xf = &x->files[x->n];
	*xf = (struct xfile){ .path = real, .fmt = read_fmt };
	xf->f = (struct vmg_file){ .idx = x->n, .size = size, .backing = backing };
	snprintf(xf->f.format, sizeof(xf->f.format), "%s", fmt);
	snprintf(xf->f.name, sizeof(xf->f.name), "%s", name);
	return (int)x->n++;
}

/* The name of a flattened disk: its file's name, .raw for a qcow2 one. */
static void flat_name(const char *path, const char *fmt, char *out, size_t len)
{
	const char *b = base_name(path);
	size_t n = strlen(b);

	if (!strcmp(fmt, "raw"))
		snprintf(out, len, "%s", b);
	else if (n > 6 && !strcmp(b + n - 6, ".qcow2"))
		snprintf(out, len, "%.*s.raw", (int)(n - 6), b);
	else
		snprintf(out, len, "%s.raw", b);
}

/* A layer kept as it is: its file's bytes; its size is the file's. */
static int add_layer(struct xport *x, struct vu_image *layer, int backing, struct vu_err *e)
{
	const char *fmt = vu_image_format_name(layer);
	struct stat sb;

	if (strcmp(fmt, "raw") && strcmp(fmt, "qcow2"))
		return vu_err_set(e, ENOTSUP, "%s: format %s cannot be sent (use --flatten)",
				  vu_image_filename(layer), fmt);
	if (fstat(vu_image_fd(layer), &sb) < 0)
		return vu_err_set(e, errno, "%s: %s", vu_image_filename(layer), strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return vu_err_set(e, ENOTSUP, "%s: not a regular file", vu_image_filename(layer));
	return add_file(x, vu_image_filename(layer), "raw", fmt, (uint64_t)sb.st_size, backing,
			base_name(vu_image_filename(layer)), e);
}

/* The disk's chain, base first, each layer pointing at the one below. */
static int add_chain(struct xport *x, struct vu_image *top, int *idx, struct vu_err *e)
{
	struct vu_image *chain[64];
	int n = 0, below = -1, r = 0;

	for (struct vu_image *l = top; l; l = vu_image_backing(l)) {
		if (n == (int)(sizeof(chain) / sizeof(chain[0])))
			return vu_err_set(e, E2BIG, "%s: backing chain deeper than %d (use --flatten)",
					  vu_image_filename(top), n);
		chain[n++] = l;
	}
	for (int k = n - 1; k >= 0 && r >= 0; k--) {
		r = add_layer(x, chain[k], below, e);
		below = r;
	}
	*idx = r;
	return r < 0 ? r : 0;
}

static int add_disk(struct xport *x, const struct vu_disk *d, struct vu_err *e)
{
	struct vu_image *img = NULL;
	char name[256];
	int r, idx = -1;

	r = vu_image_open(&img, d->source, d->driver_type, 0, e);
	if (r < 0)
		return r;
	if (x->o->flatten) {
		flat_name(d->source, vu_image_format_name(img), name, sizeof(name));
		idx = add_file(x, d->source, vu_image_format_name(img), "raw", vu_image_size(img),
			       -1, name, e);
		r = idx < 0 ? idx : 0;
	} else {
		r = add_chain(x, img, &idx, e);
	}
	if (r == 0 && x->files[idx].f.target[0])
		r = vu_err_set(e, EINVAL, "%s: two disks use this file", d->source);
	if (r == 0)
		snprintf(x->files[idx].f.target, sizeof(x->files[idx].f.target), "%s",
			 d->target_dev);
	vu_image_close(&img);
	return r;
}

/* The domain's file disks (not cdroms, floppies, block devices, network). */
static int collect(struct xport *x, const struct vu_domain *dom, struct vu_err *e)
{
	int r = 0;

	for (xmlNodePtr n = vu_domain_dev_next(dom, "disk", NULL); n && r == 0;
	     n = vu_domain_dev_next(dom, "disk", n)) {
		struct vu_disk d;

		if ((r = vu_disk_get(n, &d)) < 0)
			return vu_err_set(e, -r, "cannot read a <disk>");
		if ((!d.type || !strcmp(d.type, "file")) && (!d.device || !strcmp(d.device, "disk")) &&
		    d.source) {
			if (!d.target_dev || vu_name_check(d.target_dev) < 0)
				r = vu_err_set(e, EINVAL, "%s: the disk has no valid target dev",
					       d.source);
			else
				r = add_disk(x, &d, e);
		}
		vu_disk_clear(&d);
	}
	return r;
}

/* ---- writing ---- */

static int arc_err(struct xport *x, struct vu_err *e)
{
	return vu_err_set(e, EIO, "stream: %s", archive_error_string(x->a));
}

static struct archive_entry *entry_new(struct xport *x, const char *name, uint64_t size)
{
	struct archive_entry *ae = archive_entry_new();
	char path[PATH_MAX];

	if (!ae)
		return NULL;
	snprintf(path, sizeof(path), VMG_PREFIX "%s", name);
	archive_entry_set_pathname(ae, path);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0600);
	archive_entry_set_size(ae, (la_int64_t)size);
	archive_entry_set_mtime(ae, x->now, 0);
	return ae;
}

static int write_text(struct xport *x, const char *name, const char *text, size_t len,
		      struct vu_err *e)
{
	struct archive_entry *ae = entry_new(x, name, len);
	int r = 0;

	if (!ae)
		return vu_err_set(e, ENOMEM, NULL);
	if (archive_write_header(x->a, ae) != ARCHIVE_OK ||
	    (len && archive_write_data(x->a, text, len) != (la_ssize_t)len))
		r = arc_err(x, e);
	archive_entry_free(ae);
	return r;
}

/* The allocated extents of a file, merged where they touch. */
static int extents(struct vu_image *img, uint64_t size, struct extent **out, size_t *n,
		   struct vu_err *e)
{
	struct extent *v = NULL;
	size_t cap = 0;
	uint64_t off = 0;

	*n = 0;
	while (off < size) {
		struct vu_bstat bs;
		int r = vu_image_block_status(img, off, size - off, &bs);

		if (r < 0) {
			free(v);
			return vu_err_set(e, -r, "%s: %s", vu_image_filename(img),
					  vu_image_strerror(img, r));
		}
		if ((bs.flags & VU_BS_DATA) && !(bs.flags & VU_BS_ZERO)) {
			if (*n && v[*n - 1].off + v[*n - 1].len == off) {
				v[*n - 1].len += bs.len;
			} else {
				if (*n == cap) {
					struct extent *nv = realloc(v, (cap = cap ? 2 * cap : 64) *
									   sizeof(*v));

					if (!nv) {
						free(v);
						return vu_err_set(e, ENOMEM, NULL);
					}
					v = nv;
				}
				v[(*n)++] = (struct extent){ off, bs.len };
			}
		}
		off += bs.len;
	}
	*out = v;
	return 0;
}

/* libarchive's pax writer takes a sparse entry's whole content and drops
 * what falls in its holes: the holes before each extent are fed as zeros
 * (nothing is written for them). */
static int write_hole(struct xport *x, const char *zeros, uint64_t len, struct vu_err *e)
{
	while (len > 0) {
		size_t n = len < XFER_BUF ? (size_t)len : XFER_BUF;

		if (archive_write_data(x->a, zeros, n) != (la_ssize_t)n)
			return arc_err(x, e);
		len -= n;
	}
	return 0;
}

static int write_extents(struct xport *x, struct vu_image *img, const struct extent *v,
			 size_t n, struct vmg_digest *d, struct vu_err *e)
{
	char *buf = malloc(XFER_BUF), *zeros = calloc(1, XFER_BUF);
	int r = buf && zeros ? 0 : vu_err_set(e, ENOMEM, NULL);
	uint64_t pos = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		r = write_hole(x, zeros, v[i].off - pos, e);
		for (uint64_t done = 0; r == 0 && done < v[i].len;) {
			size_t len = v[i].len - done < XFER_BUF ? (size_t)(v[i].len - done) : XFER_BUF;

			r = vu_image_pread(img, buf, len, v[i].off + done);
			if (r < 0)
				r = vu_err_set(e, -r, "%s: %s", vu_image_filename(img),
					       vu_image_strerror(img, r));
			else if (archive_write_data(x->a, buf, len) != (la_ssize_t)len)
				r = arc_err(x, e);
			else if (vmg_digest_update(d, buf, len, v[i].off + done) < 0)
				r = vu_err_set(e, EIO, "sha256 failed");
			done += len;
		}
		pos = v[i].off + v[i].len;
	}
	free(buf);
	free(zeros);
	return r;
}

/* I.data: the sparse entry, and its digest into hex. */
static int write_data(struct xport *x, const struct xfile *xf, char hex[65], struct vu_err *e)
{
	struct archive_entry *ae = NULL;
	struct vu_image *img = NULL;
	struct vmg_digest d = { 0 };
	struct extent *v = NULL;
	char name[32];
	size_t n = 0;
	int r;

	r = vu_image_open(&img, xf->path, xf->fmt, x->o->flatten ? 0 : VU_OPEN_NO_BACKING, e);
	if (r == 0)
		r = extents(img, xf->f.size, &v, &n, e);
	/* libarchive writes an entry with no extents as a dense one (all of it
	 * zeros in the stream): its last byte stands in for the data */
	if (r == 0 && n == 0 && xf->f.size > 0) {
		free(v);
		if (!(v = malloc(sizeof(*v))))
			r = vu_err_set(e, ENOMEM, NULL);
		else
			v[n++] = (struct extent){ xf->f.size - 1, 1 };
	}
	snprintf(name, sizeof(name), "%u.data", xf->f.idx);
	if (r == 0 && (!(ae = entry_new(x, name, xf->f.size)) || vmg_digest_init(&d) < 0))
		r = vu_err_set(e, ENOMEM, NULL);
	for (size_t i = 0; r == 0 && i < n; i++)
		archive_entry_sparse_add_entry(ae, (la_int64_t)v[i].off, (la_int64_t)v[i].len);
	if (r == 0 && archive_write_header(x->a, ae) != ARCHIVE_OK)
		r = arc_err(x, e);
	if (r == 0)
		r = write_extents(x, img, v, n, &d, e);
	if (r == 0 && archive_write_finish_entry(x->a) != ARCHIVE_OK)
		r = arc_err(x, e);
	if (r == 0 && vmg_digest_final(&d, xf->f.size, hex) < 0)
		r = vu_err_set(e, EIO, "sha256 failed");
	vmg_digest_free(&d);
	if (ae)
		archive_entry_free(ae);
	free(v);
	vu_image_close(&img);
	return r;
}

static int write_file(struct xport *x, const struct xfile *xf, struct vu_err *e)
{
	char name[32], hex[66];
	char *info = vmg_info_format(&xf->f);
	int r;

	if (!info)
		return vu_err_set(e, ENOMEM, NULL);
	if (x->o->verbose)
		fprintf(stderr, "sending %s (%s, %" PRIu64 " bytes)\n", xf->path, xf->f.format,
			xf->f.size);
	snprintf(name, sizeof(name), "%u.info", xf->f.idx);
	r = write_text(x, name, info, strlen(info), e);
	free(info);
	if (r == 0)
		r = write_data(x, xf, hex, e);
	if (r == 0) {
		snprintf(name, sizeof(name), "%u.sha256", xf->f.idx);
		strcat(hex, "\n");
		r = write_text(x, name, hex, 65, e);
	}
	return r;
}

static int write_stream(struct xport *x, const char *name, const char *xml, int fd,
			struct vu_err *e)
{
	char text[512];
	int r = 0;

	x->a = archive_write_new();
	if (!x->a)
		return vu_err_set(e, ENOMEM, NULL);
	if (archive_write_set_format_pax(x->a) != ARCHIVE_OK ||
	    (x->o->compress ? archive_write_add_filter_zstd(x->a)
			    : archive_write_add_filter_none(x->a)) != ARCHIVE_OK ||
	    /* no zeros after a compressed stream: its reader takes them for
	     * a frame */
	    archive_write_set_bytes_in_last_block(x->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(x->a, fd) != ARCHIVE_OK)
		return arc_err(x, e);
	snprintf(text, sizeof(text), VMG_MAGIC "\ndomain %s\nfiles %u\n", name, x->n);
	r = write_text(x, "MANIFEST", text, strlen(text), e);
	if (r == 0)
		r = write_text(x, "domain.xml", xml, strlen(xml), e);
	for (unsigned i = 0; r == 0 && i < x->n; i++)
		r = write_file(x, &x->files[i], e);
	snprintf(text, sizeof(text), "files %u\n", x->n);
	if (r == 0)
		r = write_text(x, "END", text, strlen(text), e);
	if (r == 0 && archive_write_close(x->a) != ARCHIVE_OK)
		r = arc_err(x, e);
	return r;
}

int vmg_export(const struct vu_state *st, const char *name, int fd,
	       const struct vmg_export_opts *o, struct vu_err *e)
{
	struct xport x = { .o = o, .now = time(NULL) };
	struct vu_domain *dom = NULL;
	char *xml = NULL, *newname = NULL;
	int r;

	vu_err_clear(e);
	r = vu_domaindb_load(st, name, &dom, e);
	if (r == 0 && !(o->no_disks && o->allow_running) &&
	    (r = vmg_domain_running(st, name)) != 0)
		r = r > 0 ? vu_err_set(e, EBUSY, "domain '%s' is running: stop it, or migrate it "
					      "live", name)
			  : vu_err_set(e, -r, "domain '%s': %s", name, strerror(-r));
	if (r == 0 && o->dname && (r = vu_domain_set_name(dom, o->dname)) < 0)
		vu_err_set(e, -r, "invalid name '%s'", o->dname);
	if (r == 0 && !o->no_disks)
		r = collect(&x, dom, e);
	if (r == 0 && ((r = vu_domain_get_name(dom, &newname)) < 0 || !(xml = vu_domain_format(dom))))
		r = vu_err_set(e, ENOMEM, NULL);
	if (r == 0)
		r = write_stream(&x, newname, xml, fd, e);
	free(xml);
	free(newname);
	xport_free(&x);
	vu_domain_free(&dom);
	return r;
}
