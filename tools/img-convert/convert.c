/* SPDX-License-Identifier: GPL-2.0-or-later */
/* convert.c - "img-convert convert": copy images into a new one, data only */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/copy.h"
#include "vu/diag.h"
#include "vu/file.h"
#include "vu/size.h"

#include "img-convert.h"

struct convert {
	const char *src_fmt, *dst_fmt, *dst;
	bool progress, quiet, no_create, sync, direct;
	uint64_t min_sparse;
	struct vu_copy_opts copy;	/* -c, -W, -m, -B */
	const char *backing, *backing_fmt;	/* -B, -F */
	const char *snap_id, *snap_name;	/* -l */
	const char *snap_any;		/* -s: an id or a name */
	char **dst_opts;		/* -o, in order */
	int ndst_opts;
	struct vu_image **src;
	int nsrc;
	uint64_t total;
};

/* qemu-img's limit: whole sectors, at most its largest buffer (16 MiB). */
static uint64_t parse_sparse(const char *arg)
{
	uint64_t v;

	if (vu_parse_size(arg, VU_SIZE_QEMU, 1, &v) < 0 || v % 512 || v > (16u << 20))
		vu_diex(VU_EXIT_FAIL, "-S: invalid sparse size '%s': valid sizes are multiples "
			"of 512 up to 16777216, 0 disables sparse detection", arg);
	return v;
}

static int parse_requests(const char *arg)
{
	uint64_t v;

	if (vu_parse_u64(arg, 1, VU_COPY_MAX_IN_FLIGHT, &v) < 0)
		vu_diex(VU_EXIT_FAIL, "-m: invalid number of parallel requests '%s' (1 to %d)",
			arg, VU_COPY_MAX_IN_FLIGHT);
	return (int)v;
}

/* -l snapshot.id=ID,snapshot.name=NAME, or -l NAME (qemu-img's short form). */
static void parse_snapshot_param(struct convert *cv, char *arg)
{
	if (!strchr(arg, '=')) {
		cv->snap_name = arg;
		return;
	}
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		if (strncmp(kv, "snapshot.id=", 12) == 0)
			cv->snap_id = kv + 12;
		else if (strncmp(kv, "snapshot.name=", 14) == 0)
			cv->snap_name = kv + 14;
		else
			vu_diex(VU_EXIT_FAIL, "-l: invalid parameter '%s' "
				"(snapshot.id=ID, snapshot.name=NAME)", kv);
	}
}

static void parse_cache(const char *opt, const char *arg, bool *sync, bool *direct)
{
	if (!ic_parse_cache(arg, sync, direct))
		vu_die_usage(IC_EXIT_USAGE, "%s: invalid cache mode '%s'", opt, arg);
}

static void parse_opt(struct convert *cv, int c, char *arg)
{
	bool tsync, tdirect;

	switch (c) {
	case 'f': cv->src_fmt = arg; break;
	case 'O': cv->dst_fmt = arg; break;
	case 'o': cv->dst_opts[cv->ndst_opts++] = arg; break;
	case 'c': cv->copy.compress = true; break;
	case 'p': cv->progress = true; break;
	case 'q': cv->quiet = true; break;
	case 'S': cv->min_sparse = parse_sparse(arg); break;
	case 'n': cv->no_create = true; break;
	case 'W': cv->copy.out_of_order = true; break;
	case 'm': cv->copy.in_flight = parse_requests(arg); break;
	case 'B': cv->backing = arg; break;
	case 'F': cv->backing_fmt = arg; break;
	case 's': cv->snap_any = arg; break;
	case 'l': parse_snapshot_param(cv, arg); break;
	case 't': parse_cache("-t", arg, &cv->sync, &cv->direct); break;
	/* The source is read through the page cache whatever the mode; the
	 * value is checked so typos are caught. */
	case 'T': parse_cache("-T", arg, &tsync, &tdirect); break;
	case 'h': ic_cmd_usage("convert");
	default: ic_bad_option();
	}
}

/* Combinations qemu-img refuses, refused the same way before any work. */
static void check_args(const struct convert *cv)
{
	if (cv->nsrc < 1)
		vu_die_usage(IC_EXIT_USAGE, "expecting at least one source and a destination");
	if (cv->backing && cv->no_create)
		vu_diex(VU_EXIT_FAIL, "-B: a backing file needs a new destination (not -n)");
	if (cv->backing_fmt && !cv->backing)
		vu_diex(VU_EXIT_FAIL, "-F: only with -B");
	if ((cv->snap_id || cv->snap_name || cv->snap_any) && cv->nsrc > 1)
		vu_diex(VU_EXIT_FAIL, "-s/-l: a snapshot can only be read from a single source");
	if (cv->no_create && cv->ndst_opts)
		vu_diex(VU_EXIT_FAIL, "-o: options cannot be given with -n (nothing is created)");
}

static void parse_args(struct convert *cv, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	cv->dst_opts = calloc((size_t)argc, sizeof(char *));
	if (!cv->dst_opts)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, "f:O:o:cpqS:nWm:B:F:s:l:t:T:h", longopts,
				NULL)) != -1)
		parse_opt(cv, c, optarg);
	cv->nsrc = argc - optind - 1;
	check_args(cv);
	cv->dst = argv[argc - 1];
}

/* -s takes an id or a name, tried in that order as qemu-img does. */
static int load_snapshot(const struct convert *cv, struct vu_image *img, struct vu_err *e)
{
	int r;

	if (!cv->snap_any)
		return vu_image_snapshot_load(img, cv->snap_id, cv->snap_name, e);
	r = vu_image_snapshot_load(img, cv->snap_any, NULL, e);
	if (r == -ENOENT)
		r = vu_image_snapshot_load(img, NULL, cv->snap_any, e);
	return r;
}

static void open_sources(struct convert *cv, char **names)
{
	cv->src = calloc((size_t)cv->nsrc, sizeof(*cv->src));
	if (!cv->src)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (int i = 0; i < cv->nsrc; i++) {
		struct vu_err e = { 0 };

		cv->src[i] = ic_open_or_die(names[i], cv->src_fmt, 0);
		if ((cv->snap_id || cv->snap_name || cv->snap_any) &&
		    load_snapshot(cv, cv->src[i], &e) < 0)
			vu_diex(VU_EXIT_FAIL, "%s: Failed to load snapshot: %s", names[i],
				vu_err_str(&e));
		if (vu_image_size(cv->src[i]) > UINT64_MAX - cv->total)
			vu_diex(VU_EXIT_FAIL, "%s: total size overflows", names[i]);
		cv->total += vu_image_size(cv->src[i]);
	}
}

/* size: what dst must hold at the end (an existing target keeps its own). */
static int run_copy(struct convert *cv, struct vu_image *dst, bool zero_init,
		    uint64_t size, struct vu_err *e)
{
	struct vu_progress p;
	struct vu_copy_opts o = cv->copy;
	struct vu_sink sink;
	uint64_t data = cv->total;
	int r;

	o.min_sparse = cv->min_sparse;
	o.progress = &p;
	/* streamOptimized vmdk takes whole compressed grains only. */
	if (vu_image_compressed_only(dst))
		o.compress = true;
	r = vu_sink_image_init(&sink, dst, size, zero_init, cv->sync);
	if (r < 0)
		return vu_err_set(e, -r, "cannot write format '%s'", vu_image_format_name(dst));
	if (o.compress && !sink.cluster_size)
		return vu_err_set(e, ENOTSUP, "format '%s' does not support compression",
				  vu_image_format_name(dst));
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
	unsigned flags = VU_OPEN_RDWR | VU_OPEN_NO_BACKING | (cv->sync ? 0 : VU_OPEN_UNSAFE);
	int r = vu_image_open(&dst, cv->dst, cv->dst_fmt, flags, e);

	if (r < 0)
		return r;
	if (vu_image_size(dst) < cv->total && (vu_image_is_blockdev(dst) || cv->no_create))
		r = vu_err_set(e, ENOSPC, "target is smaller than the source "
			       "(%llu < %llu bytes)", (unsigned long long)vu_image_size(dst),
			       (unsigned long long)cv->total);
	if (r == 0)
		r = run_copy(cv, dst, false,
			     vu_image_size(dst) > cv->total ? vu_image_size(dst) : cv->total, e);
	vu_image_close(&dst);
	return r;
}

/* What the new destination is: -o, its size, and -B's backing file. */
static int dst_options(struct convert *cv, struct ic_fmtopts *fo, struct vu_err *e)
{
	ic_fmtopts_init(fo, cv->dst_fmt);
	for (int i = 0; i < cv->ndst_opts; i++)
		ic_fmtopts_parse(fo, cv->dst_opts[i]);
	fo->o.size = cv->total;
	if (!cv->backing)
		return 0;
	fo->o.backing_file = cv->backing;
	fo->o.backing_fmt = cv->backing_fmt;
	if (!fo->o.backing_fmt) {
		/* qemu-img probes it too; recording it keeps later opens exact. */
		char *path = vu_image_relative_path(cv->dst, cv->backing);
		struct vu_image *b = NULL;
		int r = path ? vu_image_open(&b, path, NULL, VU_OPEN_NO_BACKING, e)
			     : vu_err_set(e, ENOMEM, NULL);

		free(path);
		if (r < 0)
			return vu_err_set(e, -r, "backing file '%s': %s", cv->backing,
					  vu_err_str(e));
		fo->o.backing_fmt = vu_image_format_name(b);	/* a static string */
		vu_image_close(&b);
	}
	return 0;
}

/* A new file, complete before it takes the destination's name. Writes to
 * it need no flushes until the end: nobody sees it before it is whole. */
static int convert_new(struct convert *cv, struct vu_err *e)
{
	struct ic_fmtopts fo;
	struct vu_atomic a;
	struct vu_image *dst = NULL;
	int r = dst_options(cv, &fo, e);

	if (r < 0)
		return r;
	/* An existing destination is replaced as qemu-img overwrites it:
	 * through a symbolic link, keeping owner, mode and ACL. */
	if ((r = vu_atomic_open_keep(&a, cv->dst, 0644)) < 0)
		return ic_open_failed(r, e);
	r = vu_image_create(a.fd, cv->dst, cv->dst_fmt, &fo.o, e);
	if (r == 0)
		/* With -B the backing file is opened: a write covering part of
		 * a cluster takes the rest of it from there. */
		r = vu_image_open_fd(&dst, a.fd, cv->dst, cv->dst_fmt, VU_OPEN_RDWR |
				     (cv->backing ? 0 : VU_OPEN_NO_BACKING) | VU_OPEN_UNSAFE, e);
	/* Over a backing file, zeros must be written: the backing shows through. */
	if (r == 0)
		r = run_copy(cv, dst, !cv->backing, cv->total, e);
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

int ic_cmd_convert(void *ctx, int argc, char **argv)
{
	struct convert cv = { .dst_fmt = "raw", .min_sparse = VU_COPY_MIN_SPARSE };
	struct vu_err e = { 0 };
	int r;

	(void)ctx;
	parse_args(&cv, argc, argv);
	cv.copy.top_only = cv.backing != NULL;
	open_sources(&cv, argv + optind);
	if (cv.no_create || is_blockdev(cv.dst))
		r = convert_in_place(&cv, &e);
	else
		r = convert_new(&cv, &e);
	for (int i = 0; i < cv.nsrc; i++)
		vu_image_close(&cv.src[i]);
	free(cv.src);
	free(cv.dst_opts);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", cv.dst, vu_err_str(&e));
	return VU_EXIT_OK;
}
