/* SPDX-License-Identifier: GPL-2.0-or-later */
/* commit.c - "img-convert commit": write an overlay's data into its backing file */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/progress.h"

#include "img-convert.h"

#define CM_BUF (1u << 20)

struct commit {
	const char *fmt, *file, *base;
	bool drop, progress, quiet;
	unsigned flags;			/* -t */
	struct vu_image *top;		/* FILE, open for writing, with its chain */
	struct vu_image *bw;		/* the base, open for writing */
	int depth;			/* of the base in FILE's chain */
	uint8_t *buf;
	struct vu_progress p;
};

static void parse_args(struct commit *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "f:t:b:dpqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': c->fmt = optarg; break;
		case 't': c->flags = ic_cache_flags("-t", optarg); break;
		/* -b implies -d, as qemu-img: the layers between stay valid
		 * only while FILE keeps its data. */
		case 'b': c->base = optarg; c->drop = true; break;
		case 'd': c->drop = true; break;
		case 'p': c->progress = true; break;
		case 'q': c->quiet = true; break;
		case 'h': ic_cmd_usage("commit");
		default: ic_bad_option();
		}
	}
	c->file = ic_one_file(argc, argv, "Expecting one image file name");
}

/* Whether name, resolved against the directory of the image naming the
 * layer, reaches the layer's file: qemu-img finds -b BASE so. */
static bool names_layer(const struct vu_image *parent, const char *name)
{
	char *path = vu_image_relative_path(vu_image_filename(parent), name);
	struct stat sa, sb;
	bool same;

	if (!path)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	same = stat(path, &sa) == 0 && fstat(vu_image_fd(vu_image_backing(parent)), &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	free(path);
	return same;
}

static struct vu_image *find_base(struct commit *c)
{
	struct vu_image *l = c->top;

	if (!vu_image_backing(l))
		vu_diex(VU_EXIT_FAIL, "%s: Image does not have a backing file", c->file);
	/* Without -b, the immediate backing file, as qemu-img (not QMP's
	 * deepest one). */
	for (c->depth = 1; c->base && !names_layer(l, c->base); c->depth++) {
		l = vu_image_backing(l);
		if (!vu_image_backing(l))
			vu_diex(VU_EXIT_FAIL, "%s: Did not find '%s' in the backing chain of '%s'",
				c->file, c->base, c->file);
	}
	return vu_image_backing(l);
}

/* The chain opened the base read-only: it is opened again to be written,
 * in the format it was opened in, with a backing chain of its own for the
 * copy-on-write of partial clusters. A shorter base grows to FILE's size,
 * as qemu's commit job grows it. */
static void open_base(struct commit *c, const struct vu_image *layer)
{
	struct vu_err e = { 0 };

	if (vu_image_open(&c->bw, vu_image_filename(layer), vu_image_format_name(layer),
			  VU_OPEN_RDWR | c->flags, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", vu_image_filename(layer), vu_err_str(&e));
	if (vu_image_size(c->bw) < vu_image_size(c->top) &&
	    vu_image_resize(c->bw, vu_image_size(c->top), VU_PREALLOC_OFF, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", vu_image_filename(layer), vu_err_str(&e));
}

/* FILE's view of [off, off+n) into the base: zeros as zeros, data as data. */
static void commit_range(struct commit *c, uint64_t off, uint64_t n, bool zero)
{
	int r;

	if (zero && (r = vu_image_pwrite_zeroes(c->bw, off, n, true)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", vu_image_filename(c->bw),
			vu_image_strerror(c->bw, r));
	while (!zero && n) {
		size_t k = n < CM_BUF ? (size_t)n : CM_BUF;

		if ((r = vu_image_pread(c->top, c->buf, k, off)) < 0)
			vu_diex(VU_EXIT_FAIL, "%s: %s", c->file, vu_image_strerror(c->top, r));
		if ((r = vu_image_pwrite(c->bw, c->buf, k, off)) < 0)
			vu_diex(VU_EXIT_FAIL, "%s: %s", vu_image_filename(c->bw),
				vu_image_strerror(c->bw, r));
		off += k;
		n -= k;
	}
}

/* What a layer above the base decides goes into the base; what the base
 * or nothing decides is already there. Reads never reach the base through
 * the read-only chain, so its stale view of the base does not matter. */
static void commit_data(struct commit *c)
{
	uint64_t size = vu_image_size(c->top);

	for (uint64_t off = 0, n; off < size; off += n) {
		struct vu_bstat bs;
		int r = vu_image_block_status(c->top, off, size - off, &bs);

		if (r < 0)
			vu_diex(VU_EXIT_FAIL, "%s: %s", c->file, vu_image_strerror(c->top, r));
		n = bs.len;
		if (bs.layer && bs.depth < c->depth)
			commit_range(c, off, n, bs.flags & VU_BS_ZERO);
		vu_progress_add(&c->p, n);
	}
}

/* FILE then reads as the base: its clusters go, unless its format cannot
 * (qemu-img commit ignores that too). */
static void empty_top(struct commit *c)
{
	struct vu_err e = { 0 };
	int r = vu_image_make_empty(c->top, &e);

	if (r < 0 && r != -ENOTSUP)
		vu_diex(VU_EXIT_FAIL, "%s: %s", c->file, vu_err_str(&e));
	if ((r = vu_image_flush(c->top)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot flush: %s", c->file, vu_image_strerror(c->top, r));
}

int ic_cmd_commit(void *ctx, int argc, char **argv)
{
	struct commit c = { .fmt = NULL };
	int r;

	(void)ctx;
	parse_args(&c, argc, argv);
	c.top = ic_open_or_die(c.file, c.fmt, VU_OPEN_RDWR | c.flags);
	open_base(&c, find_base(&c));
	if (!(c.buf = malloc(CM_BUF)))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	vu_progress_init(&c.p, vu_image_size(c.top), c.progress, c.quiet);
	commit_data(&c);
	vu_progress_end(&c.p);
	/* The base holds the data durably before FILE lets go of it. */
	if ((r = vu_image_flush(c.bw)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot flush: %s", vu_image_filename(c.bw),
			vu_image_strerror(c.bw, r));
	vu_image_close(&c.bw);
	if (!c.drop)
		empty_top(&c);
	free(c.buf);
	vu_image_close(&c.top);
	if (!c.quiet)
		puts("Image committed.");
	return VU_EXIT_OK;
}
