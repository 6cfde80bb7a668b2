/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check.c - "img-convert check": qemu-img check's findings, repairs, words and exit statuses */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"

#include "img-convert.h"

/* qemu-img check's exit statuses, which scripts test for. */
enum {
	CHECK_CLEAN = 0,
	CHECK_FAILED = 1,	/* not completed */
	CHECK_CORRUPT = 2,
	CHECK_LEAKS = 3,
	CHECK_UNSUPPORTED = 63,
};

struct check_opts {
	const char *fmt;
	const char *file;
	unsigned fix;
	enum ic_output out;
	bool quiet;
};

/* The driver's findings, one per line on stderr as qemu-img prints them. */
static void report_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void print_human(const struct vu_check_result *r)
{
	if (!r->corruptions && !r->leaks && !r->check_errors)
		puts("No errors were found on the image.");
	if (r->corruptions)
		printf("\n%lld errors were found on the image.\nData may be corrupted, or "
		       "further writes to the image may corrupt it.\n", (long long)r->corruptions);
	if (r->leaks)
		printf("\n%lld leaked clusters were found on the image.\nThis means waste of "
		       "disk space, but no harm to data.\n", (long long)r->leaks);
	if (r->check_errors)
		printf("\n%lld internal errors have occurred during the check.\n",
		       (long long)r->check_errors);
	if (r->total_clusters && r->allocated_clusters)
		printf("%lld/%lld = %0.2f%% allocated, %0.2f%% fragmented, %0.2f%% compressed "
		       "clusters\n", (long long)r->allocated_clusters, (long long)r->total_clusters,
		       r->allocated_clusters * 100.0 / r->total_clusters,
		       r->fragmented_clusters * 100.0 / r->allocated_clusters,
		       r->compressed_clusters * 100.0 / r->allocated_clusters);
	if (r->image_end_offset)
		printf("Image end offset: %lld\n", (long long)r->image_end_offset);
}

static void add_int(json_object *o, const char *key, int64_t v, bool always)
{
	if (v || always)
		json_object_object_add(o, key, json_object_new_int64(v));
}

/* qemu-img's keys, in the order it prints them; zero counts are left out
 * except check-errors. */
static void print_json(const struct check_opts *o, const struct vu_image *img,
		       const struct vu_check_result *r)
{
	json_object *j = json_object_new_object();

	add_int(j, "image-end-offset", r->image_end_offset, false);
	add_int(j, "compressed-clusters", r->compressed_clusters, false);
	add_int(j, "total-clusters", r->total_clusters, false);
	add_int(j, "corruptions-fixed", r->corruptions_fixed, false);
	add_int(j, "corruptions", r->corruptions, false);
	add_int(j, "check-errors", r->check_errors, true);
	add_int(j, "leaks", r->leaks, false);
	add_int(j, "leaks-fixed", r->leaks_fixed, false);
	add_int(j, "allocated-clusters", r->allocated_clusters, false);
	json_object_object_add(j, "filename", json_object_new_string(o->file));
	json_object_object_add(j, "format", json_object_new_string(vu_image_format_name(img)));
	add_int(j, "fragmented-clusters", r->fragmented_clusters, false);
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

/* After a repair qemu-img says what it fixed and checks again, keeping
 * the repair counts for the report. */
static int recheck(const struct check_opts *o, struct vu_image *img, struct vu_check_result *r)
{
	int64_t leaks_fixed = r->leaks_fixed, corruptions_fixed = r->corruptions_fixed;
	int ret;

	if (o->out == IC_OUT_HUMAN && !o->quiet)
		printf("The following inconsistencies were found and repaired:\n\n"
		       "    %lld leaked clusters\n    %lld corruptions\n\n"
		       "Double checking the fixed image now...\n",
		       (long long)leaks_fixed, (long long)corruptions_fixed);
	ret = vu_image_check(img, 0, r);
	r->leaks_fixed = leaks_fixed;
	r->corruptions_fixed = corruptions_fixed;
	return ret;
}

static int check_image(const struct check_opts *o, struct vu_image *img)
{
	struct vu_check_result r = { .report = report_line };
	int ret = vu_image_check(img, o->fix, &r);

	if (ret == -ENOTSUP) {
		vu_warnx("%s: This image format does not support checks", o->file);
		return CHECK_UNSUPPORTED;
	}
	/* A check that failed reports nothing, repairs included, as qemu-img. */
	if (ret == 0 && (r.leaks_fixed || r.corruptions_fixed))
		ret = recheck(o, img, &r);
	if (ret == 0 && !o->quiet) {
		if (o->out == IC_OUT_JSON)
			print_json(o, img, &r);
		else
			print_human(&r);
	}
	if (ret < 0 || r.check_errors) {
		if (ret < 0)
			vu_warnx("%s: Check failed: %s", o->file, strerror(-ret));
		else
			vu_warnx("%s: Check failed", o->file);
		return CHECK_FAILED;
	}
	return r.corruptions ? CHECK_CORRUPT : r.leaks ? CHECK_LEAKS : CHECK_CLEAN;
}

static void parse_repair(const char *arg, unsigned *fix)
{
	if (strcmp(arg, "leaks") == 0)
		*fix = VU_CHECK_FIX_LEAKS;
	else if (strcmp(arg, "all") == 0)
		*fix = VU_CHECK_FIX_LEAKS | VU_CHECK_FIX_ERRORS;
	else
		vu_die_usage(IC_EXIT_USAGE, "--repair (-r) expects 'leaks' or 'all', not '%s'", arg);
}

static void parse_args(int argc, char **argv, struct check_opts *o)
{
	enum { OPT_OUTPUT = 256 };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "repair", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "cache", required_argument, NULL, 'T' },
		{ "force-share", no_argument, NULL, 'U' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:r:T:Uqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->fmt = optarg; break;
		case 'r': parse_repair(optarg, &o->fix); break;
		case 'q': o->quiet = true; break;
		case 'U': break;	/* we take no locks to share */
		case 'T':
			(void)ic_cache_flags("-T", optarg);	/* checked, not used */
			break;
		case OPT_OUTPUT: o->out = ic_output_arg(optarg); break;
		case 'h': ic_cmd_usage("check");
		default: ic_bad_option();
		}
	}
	o->file = ic_one_file(argc, argv, "expecting one image file name");
}

int ic_cmd_check(void *ctx, int argc, char **argv)
{
	struct check_opts o = { .out = IC_OUT_HUMAN };
	struct vu_image *img;
	int ret;

	(void)ctx;
	parse_args(argc, argv, &o);
	/* As qemu-img: the whole chain is opened, read/write only to repair. */
	img = ic_open_or_die(o.file, o.fmt, VU_OPEN_CHECK | (o.fix ? VU_OPEN_RDWR : 0));
	ret = check_image(&o, img);
	vu_image_close(&img);
	return ret;
}
