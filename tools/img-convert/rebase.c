/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rebase.c - "img-convert rebase": give an image another backing file, keeping what it reads */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/progress.h"

#include "img-convert.h"

#define RB_BUF (2u << 20)	/* compared at a time: a multiple of every cluster size */

struct rebase {
	const char *fmt, *file;
	const char *backing, *backing_fmt;	/* the new ones; backing NULL: none */
	const char *named;			/* -b as given, for messages */
	bool unsafe, progress, quiet;
	unsigned flags, src_flags;		/* -t for FILE, -T for the new chain */
	struct vu_image *img;			/* FILE, with its old chain unless -u */
	struct vu_image *nb;			/* the new chain, or NULL */
	int prefix;				/* depth of the new backing in the old chain, or 0 */
	uint64_t cluster;			/* FILE's allocation unit */
	uint8_t *bo, *bn;			/* old and new chain's data */
	struct vu_progress p;
};

static void parse_args(struct rebase *rb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:t:T:pqub:F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': rb->fmt = optarg; break;
		case 't': rb->flags = ic_cache_flags("-t", optarg); break;
		case 'T': rb->src_flags = ic_cache_flags("-T", optarg) & VU_OPEN_DIRECT; break;
		case 'p': rb->progress = true; break;
		case 'q': rb->quiet = true; break;
		case 'u': rb->unsafe = true; break;
		case 'b': rb->backing = optarg; break;
		case 'F': rb->backing_fmt = optarg; break;
		case 'h': ic_cmd_usage("rebase");
		default: ic_bad_option();
		}
	}
	rb->file = ic_one_file(argc, argv, "Expecting one image file name");
	if (!rb->unsafe && !rb->backing)
		vu_die_usage(IC_EXIT_USAGE, "Must specify backing file (-b) or use unsafe mode (-u)");
	if (rb->backing_fmt && !vu_image_format_known(rb->backing_fmt))
		vu_diex(VU_EXIT_FAIL, "-F: Invalid format name: '%s'", rb->backing_fmt);
	rb->named = rb->backing ? rb->backing : "";
	/* No backing file (-b "" or -u alone): -F has nothing to name, as qemu. */
	if (!rb->backing || !rb->backing[0])
		rb->backing = rb->backing_fmt = NULL;
}

static noreturn void cannot_change(const struct rebase *rb, const char *why)
{
	vu_diex(VU_EXIT_FAIL, "%s: Could not change the backing file to '%s': %s", rb->file,
		rb->named, why);
}

static bool same_file(const struct vu_image *a, const struct vu_image *b)
{
	struct stat sa, sb;

	return fstat(vu_image_fd(a), &sa) == 0 && fstat(vu_image_fd(b), &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Rebasing onto an image of the old chain (dropping the layers between)
 * needs only the ranges those layers decide: below it both chains read the
 * same. Its depth, or 0. A new chain that holds FILE itself would loop.
 */
static void place_new_chain(struct rebase *rb)
{
	int d = 1;

	for (const struct vu_image *l = rb->nb; l; l = vu_image_backing(l))
		if (same_file(l, rb->img))
			cannot_change(rb, "the new backing chain holds the image itself");
	for (const struct vu_image *l = vu_image_backing(rb->img); l;
	     l = vu_image_backing(l), d++) {
		if (strcmp(vu_image_format_name(l), vu_image_format_name(rb->nb)) == 0 &&
		    same_file(l, rb->nb)) {
			rb->prefix = d;
			return;
		}
	}
}

/* The new backing file is named relative to FILE's directory, as qemu-img resolves it. */
static void open_new_chain(struct rebase *rb)
{
	struct vu_err e = { 0 };
	char *path;

	if (!rb->backing)
		return;
	if (!(path = vu_image_relative_path(rb->file, rb->backing)))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (vu_image_open(&rb->nb, path, rb->backing_fmt, rb->src_flags, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: Could not open new backing file '%s': %s", rb->file,
			rb->backing, vu_err_str(&e));
	free(path);
	place_new_chain(rb);
}

static void status_or_die(const struct rebase *rb, struct vu_image *img, uint64_t off,
			  uint64_t len, struct vu_bstat *bs)
{
	int r = vu_image_block_status(img, off, len, bs);

	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: error while reading image metadata: %s", rb->file,
			vu_image_strerror(img, r));
}

/* What the old chain (FILE's backing files) and the new one hold at [off, off+n). */
static void read_both(struct rebase *rb, uint64_t off, size_t n, bool old_zero, bool new_zero)
{
	struct vu_image *nb = rb->nb, *old = vu_image_backing(rb->img);
	uint64_t nsize = nb ? vu_image_size(nb) : 0;
	size_t have = !new_zero && off < nsize ? (nsize - off < n ? (size_t)(nsize - off) : n) : 0;
	int r;

	memset(rb->bo, 0, n);
	if (!old_zero && (r = vu_image_read_backing(rb->img, rb->bo, n, off)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: error while reading from old backing file: %s", rb->file,
			vu_image_strerror(old ? old : rb->img, r));
	memset(rb->bn, 0, n);
	if (have && (r = vu_image_pread(nb, rb->bn, have, off)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: error while reading from new backing file: %s", rb->file,
			vu_image_strerror(nb, r));
}

/* The old data into FILE over [off, off+n) (zeros when it reads as zeros). */
static void write_old(struct rebase *rb, uint64_t base, uint64_t off, uint64_t n, bool old_zero)
{
	int r = old_zero ? vu_image_pwrite_zeroes(rb->img, off, n, false)
			 : vu_image_pwrite(rb->img, rb->bo + (off - base), (size_t)n, off);

	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: Error while writing to COW image: %s", rb->file,
			vu_image_strerror(rb->img, r));
}

/*
 * Compares the chains cluster by cluster over [off, off+n) and writes runs
 * of clusters that differ. A whole cluster of old data costs no more than
 * the part that differs (the write would allocate the cluster anyway) and
 * spares the copy-on-write read.
 */
static void sync_chunk(struct rebase *rb, uint64_t off, size_t n, bool old_zero, bool new_zero)
{
	uint64_t run = 0, run_len = 0, end = off + n;

	read_both(rb, off, n, old_zero, new_zero);
	for (uint64_t pos = off; pos < end;) {
		uint64_t next = (pos / rb->cluster + 1) * rb->cluster;
		uint64_t k = (next < end ? next : end) - pos;

		if (memcmp(rb->bo + (pos - off), rb->bn + (pos - off), (size_t)k)) {
			if (!run_len)
				run = pos;
			run_len += k;
		} else if (run_len) {
			write_old(rb, off, run, run_len, old_zero);
			run_len = 0;
		}
		pos += k;
	}
	if (run_len)
		write_old(rb, off, run, run_len, old_zero);
}

static void sync_range(struct rebase *rb, uint64_t off, uint64_t n, bool old_zero,
		       bool new_zero)
{
	while (n) {
		/* Chunks end on a cluster boundary so that runs stay whole. */
		uint64_t k = RB_BUF - off % RB_BUF;

		k = k < n ? k : n;
		sync_chunk(rb, off, (size_t)k, old_zero, new_zero);
		off += k;
		n -= k;
	}
}

/*
 * Where FILE allocates, it decides what it reads, whatever the backing
 * file. Elsewhere the old chain and the new one are compared, and where
 * they differ the old data goes into FILE, so that FILE reads the same
 * before and after. Dying here leaves FILE reading as it did: it only
 * gains clusters holding what its old chain held.
 */
static void sync_data(struct rebase *rb)
{
	uint64_t size = vu_image_size(rb->img);

	for (uint64_t off = 0, n; off < size; off += n) {
		struct vu_bstat so, sn = { .len = UINT64_MAX, .flags = VU_BS_ZERO };

		status_or_die(rb, rb->img, off, size - off, &so);
		n = so.len;
		if (so.layer == rb->img || (rb->prefix && so.layer && so.depth >= rb->prefix)) {
			vu_progress_add(&rb->p, n);
			continue;
		}
		if (rb->nb)
			status_or_die(rb, rb->nb, off, n, &sn);
		n = sn.len < n ? sn.len : n;
		if (!((so.flags & VU_BS_ZERO) && (sn.flags & VU_BS_ZERO)))
			sync_range(rb, off, n, so.flags & VU_BS_ZERO, sn.flags & VU_BS_ZERO);
		vu_progress_add(&rb->p, n);
	}
}

static void rebase_safe(struct rebase *rb)
{
	struct vu_info info;
	int r;

	open_new_chain(rb);
	rb->cluster = 512;
	if (vu_image_info(rb->img, &info) == 0) {
		if (info.cluster_size && RB_BUF % info.cluster_size == 0)
			rb->cluster = info.cluster_size;
		vu_info_free(&info);
	}
	rb->bo = malloc(RB_BUF);
	rb->bn = malloc(RB_BUF);
	if (!rb->bo || !rb->bn)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	vu_progress_init(&rb->p, vu_image_size(rb->img), rb->progress, rb->quiet);
	sync_data(rb);
	vu_progress_end(&rb->p);
	/* The copied data is durable before the header stops naming the old file. */
	if ((r = vu_image_flush(rb->img)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot flush: %s", rb->file, vu_image_strerror(rb->img, r));
	free(rb->bo);
	free(rb->bn);
}

int ic_cmd_rebase(void *ctx, int argc, char **argv)
{
	struct rebase rb = { .prefix = 0 };
	struct vu_err e = { 0 };
	int r;

	(void)ctx;
	parse_args(&rb, argc, argv);
	/* -u: the old backing file need not open (it may have moved: that is why). */
	rb.img = ic_open_or_die(rb.file, rb.fmt, VU_OPEN_RDWR | rb.flags |
				(rb.unsafe ? VU_OPEN_NO_BACKING : 0));
	if (!vu_image_can_set_backing(rb.img))
		cannot_change(&rb, strerror(ENOTSUP));
	if (rb.backing && !rb.backing_fmt)
		cannot_change(&rb, "backing format must be specified");
	if (!rb.unsafe)
		rebase_safe(&rb);
	if ((r = vu_image_set_backing(rb.img, rb.backing, rb.backing_fmt, &e)) < 0)
		cannot_change(&rb, r == -ENOSPC ? "No space left in the file header"
						: vu_err_str(&e));
	if ((r = vu_image_flush(rb.img)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot flush: %s", rb.file, vu_image_strerror(rb.img, r));
	vu_image_close(&rb.nb);
	vu_image_close(&rb.img);
	return VU_EXIT_OK;
}
