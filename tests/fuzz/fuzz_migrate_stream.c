/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_migrate_stream.c - libFuzzer harness: any bytes read as vm-migrate's
 * offline stream (compressed or not); what the reader hands on must keep
 * the promises the import relies on */
#include <archive.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/file.h"

#include "../../tools/vm-migrate/vm-migrate.h"

/* where the bytes read go, so that reading them is not optimised away */
static volatile unsigned char fuzz_sink;

struct seen {
	unsigned nfiles, next;		/* from the manifest; the file expected next */
	struct vmg_file cur;
	uint64_t end;			/* where the last data block ended */
	bool in_file;
};

static int on_domain(void *ctx, struct vu_domain *dom, unsigned n, struct vu_err *e)
{
	struct seen *s = ctx;

	(void)e;
	if (n > VMG_MAX_FILES)
		abort();
	s->nfiles = n;
	vu_domain_free(&dom);
	return 0;
}

static int on_begin(void *ctx, const struct vmg_file *f, struct vu_err *e)
{
	struct seen *s = ctx;

	(void)e;
	if (s->in_file || f->idx != s->next || f->idx >= s->nfiles ||
	    (strcmp(f->format, "raw") && strcmp(f->format, "qcow2")) ||
	    vu_name_check(f->name) < 0 || f->backing >= (int)f->idx ||
	    (f->backing >= 0 && strcmp(f->format, "qcow2")))
		abort();
	s->cur = *f;
	s->end = 0;
	s->in_file = true;
	return 0;
}

static int on_data(void *ctx, const void *buf, size_t len, uint64_t off, struct vu_err *e)
{
	struct seen *s = ctx;

	(void)e;
	if (!s->in_file || !len || off < s->end || off > s->cur.size || len > s->cur.size - off)
		abort();
	/* the block must be readable in full */
	for (size_t i = 0; i < len; i += 4096)
		fuzz_sink ^= ((const unsigned char *)buf)[i];
	fuzz_sink ^= ((const unsigned char *)buf)[len - 1];
	s->end = off + len;
	return 0;
}

static int on_end(void *ctx, const struct vmg_file *f, struct vu_err *e)
{
	struct seen *s = ctx;

	(void)e;
	if (!s->in_file || f->idx != s->cur.idx)
		abort();
	s->in_file = false;
	s->next++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	struct vmg_sink sink = { on_domain, on_begin, on_data, on_end, &s };
	struct archive *a = archive_read_new();
	struct vu_err e;
	int r = -1;

	if (!a)
		return 0;
	if (archive_read_support_format_tar(a) == ARCHIVE_OK &&
	    archive_read_support_filter_zstd(a) == ARCHIVE_OK &&
	    archive_read_open_memory(a, data, size) == ARCHIVE_OK)
		r = vmg_read_archive(a, &sink, &e);
	archive_read_free(a);
	/* a stream accepted is a complete one */
	if (r == 0 && (s.in_file || s.next != s.nfiles))
		abort();
	return 0;
}
