/* SPDX-License-Identifier: GPL-2.0-or-later */
/* convert.c - "img-convert convert": copy images into a new one, data only */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/copy.h"
#include "vu/diag.h"
#include "vu/file.h"
#include "vu/size.h"

#include "img-convert.h"

struct convert {
	const char *src_fmt, *dst_fmt, *dst;
	bool progress, quiet, no_create, sync, direct;
	uint64_t min_sparse;
	struct vu_image **src;
	int nsrc;
	uint64_t total;
};

/* qemu-img's limit: whole sectors, at most its largest buffer (16 MiB). */
static uint64_t parse_sparse(const char *arg)
{
	uint64_t v;

	if (vu_parse_size(arg, VU_SIZE_QEMU, 1, &v) < 0 || v % 512 || v > (16u << 20))
		vu_errx(IC_FAIL, "-S: invalid sparse size '%s': valid sizes are multiples "
			"of 512 up to 16777216, 0 disables sparse detection", arg);
	return v;
}

static void parse_args(struct convert *cv, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool tsync, tdirect;
	int c;

	while ((c = getopt_long(argc, argv, "f:O:pqS:nt:T:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cv->src_fmt = optarg; break;
		case 'O': cv->dst_fmt = optarg; break;
		case 'p': cv->progress = true; break;
		case 'q': cv->quiet = true; break;
		case 'S': cv->min_sparse = parse_sparse(optarg); break;
		case 'n': cv->no_create = true; break;
		case 't':
			if (!ic_parse_cache(optarg, &cv->sync, &cv->direct))
				vu_usage_err(IC_FAIL, "-t: invalid cache mode '%s'", optarg);
			break;
		case 'T':
			/* The source is read through the page cache whatever
			 * the mode; the value is checked so typos are caught. */
			if (!ic_parse_cache(optarg, &tsync, &tdirect))
				vu_usage_err(IC_FAIL, "-T: invalid cache mode '%s'", optarg);
			break;
		case 'h': ic_cmd_usage("convert");
		default: ic_bad_option();
		}
	}
	if (argc - optind < 2)
		vu_usage_err(IC_FAIL, "expecting at least one source and a destination");
	if (strcmp(cv->dst_fmt, "raw") != 0)
		vu_errx(IC_FAIL, "-O: cannot write format '%s' (raw only)", cv->dst_fmt);
	cv->nsrc = argc - optind - 1;
	cv->dst = argv[argc - 1];
}

static void open_sources(struct convert *cv, char **names)
{
	cv->src = calloc((size_t)cv->nsrc, sizeof(*cv->src));
	if (!cv->src)
		vu_errx(IC_FAIL, "cannot allocate memory");
	for (int i = 0; i < cv->nsrc; i++) {
		cv->src[i] = ic_open_or_die(names[i], cv->src_fmt, 0);
		if (cv->src[i]->size > UINT64_MAX - cv->total)
			vu_errx(IC_FAIL, "%s: total size overflows", names[i]);
		cv->total += cv->src[i]->size;
	}
}

static int run_copy(struct convert *cv, struct vu_image *dst, bool zero_init,
		    struct vu_err *e)
{
	struct vu_progress p;
	struct vu_copy_opts o = { .min_sparse = cv->min_sparse, .progress = &p };
	struct vu_sink sink;
	uint64_t data = cv->total;
	int r;

	r = vu_sink_image_init(&sink, dst, cv->total, zero_init, cv->sync);
	if (r < 0)
		return vu_err_set(e, -r, "cannot write this format");
	/* Like qemu-img, progress counts the data that will really be read. */
	if (cv->progress && !cv->quiet && (r = vu_copy_measure(cv->src, cv->nsrc, &data, e)) < 0)
		return r;
	vu_progress_init(&p, data, cv->progress, cv->quiet);
	r = vu_copy(cv->src, cv->nsrc, &sink, &o, e);
	vu_progress_end(&p);
	return r;
}

/* An existing target written in place: -n, or a block device. */
static int convert_in_place(struct convert *cv, struct vu_err *e)
{
	struct vu_image *dst;
	unsigned flags = VU_OPEN_RDWR | VU_OPEN_NO_BACKING;
	int r = vu_image_open(&dst, cv->dst, cv->dst_fmt, flags, e);

	if (r < 0)
		return r;
	if (dst->size < cv->total && (dst->is_blockdev || cv->no_create))
		r = vu_err_set(e, ENOSPC, "target is smaller than the source "
			       "(%llu < %llu bytes)", (unsigned long long)dst->size,
			       (unsigned long long)cv->total);
	if (r == 0)
		r = run_copy(cv, dst, false, e);
	vu_image_close(&dst);
	return r;
}

/* A new file, complete before it takes the destination's name. */
static int convert_new(struct convert *cv, struct vu_err *e)
{
	struct vu_atomic a;
	struct vu_image *dst = NULL;
	int r = vu_atomic_open(&a, cv->dst, 0644);

	if (r < 0)
		return vu_err_set(e, -r, "cannot create: %s", strerror(-r));
	r = vu_image_open_fd(&dst, a.fd, cv->dst, cv->dst_fmt,
			     VU_OPEN_RDWR | VU_OPEN_NO_BACKING, e);
	if (r == 0)
		r = run_copy(cv, dst, true, e);
	vu_image_close(&dst);
	if (r == 0 && (r = vu_atomic_commit(&a, true, cv->sync)) < 0)
		return vu_err_set(e, -r, "cannot commit: %s", strerror(-r));
	if (r < 0)
		vu_atomic_abort(&a);
	return r;
}

static bool is_blockdev(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISBLK(st.st_mode);
}

int cmd_convert(int argc, char **argv)
{
	struct convert cv = { .dst_fmt = "raw", .min_sparse = VU_COPY_MIN_SPARSE };
	struct vu_err e = { 0 };
	int r;

	parse_args(&cv, argc, argv);
	open_sources(&cv, argv + optind);
	if (cv.no_create || is_blockdev(cv.dst))
		r = convert_in_place(&cv, &e);
	else
		r = convert_new(&cv, &e);
	for (int i = 0; i < cv.nsrc; i++)
		vu_image_close(&cv.src[i]);
	free(cv.src);
	if (r < 0)
		vu_errx(IC_FAIL, "%s: %s", cv.dst, vu_err_str(&e));
	return IC_OK;
}
