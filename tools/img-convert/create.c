/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create.c - "img-convert create": a new, empty image */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/diag.h"
#include "vu/file.h"
#include "vu/size.h"

#include "img-convert.h"

static const char *const prealloc_names[] = {
	[VU_PREALLOC_OFF] = "off", [VU_PREALLOC_METADATA] = "metadata",
	[VU_PREALLOC_FALLOC] = "falloc", [VU_PREALLOC_FULL] = "full",
};

/* qcow2 options as the user spelt them: qemu-img echoes strings and
 * booleans as given, numbers and sizes as parsed. */
struct spelt {
	const char *compat, *compression_type, *extended_l2, *lazy_refcounts;
};

struct create {
	const char *fmt, *file;
	struct vu_create_opts o;
	struct spelt sp;
	bool qcow2;
	bool prealloc_given;	/* qemu-img echoes it, even "off" */
	bool size_given;	/* by -o size= */
	bool unsafe;		/* -u: do not open the backing file */
	bool quiet;
};

static void parse_prealloc(struct create *cr, const char *val)
{
	for (size_t i = 0; i < sizeof(prealloc_names) / sizeof(prealloc_names[0]); i++) {
		if (strcmp(val, prealloc_names[i]) == 0 &&
		    (cr->qcow2 || i != VU_PREALLOC_METADATA)) {
			cr->o.prealloc = (enum vu_prealloc)i;
			cr->prealloc_given = true;
			return;
		}
	}
	vu_errx(IC_FAIL, "-o: preallocation: invalid value '%s' (off, %sfalloc, full)", val,
		cr->qcow2 ? "metadata, " : "");
}

static const char *const qcow2_help =
	"  backing_file=<str>     - File name of a base image\n"
	"  backing_fmt=<str>      - Image format of the base image\n"
	"  cluster_size=<size>    - qcow2 cluster size\n"
	"  compat=<str>           - Compatibility level (v2 [0.10] or v3 [1.1])\n"
	"  compression_type=<str> - Compression method used for image cluster compression\n"
	"  extended_l2=<bool (on/off)> - Extended L2 tables\n"
	"  lazy_refcounts=<bool (on/off)> - Postpone refcount updates\n"
	"  preallocation=<str>    - Preallocation mode (allowed values: off, metadata, falloc, full)\n"
	"  refcount_bits=<num>    - Width of a reference count entry in bits\n"
	"  size=<size>            - Virtual disk size\n";

static void print_opts_help(const struct create *cr)
{
	puts("Supported options:");
	if (cr->qcow2) {
		fputs(qcow2_help, stdout);
	} else {
		puts("  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)");
		puts("  size=<size>            - Virtual disk size");
	}
	exit(IC_OK);
}

int ic_parse_bool(const char *key, const char *val)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(val, yes[i]) == 0)
			return 1;
		if (strcmp(val, no[i]) == 0)
			return 0;
	}
	vu_errx(IC_FAIL, "-o: %s: expects 'on' or 'off', not '%s'", key, val);
}

int ic_parse_compat(const char *val)
{
	if (strcmp(val, "0.10") == 0 || strcmp(val, "v2") == 0)
		return 2;
	if (strcmp(val, "1.1") == 0 || strcmp(val, "v3") == 0)
		return 3;
	vu_errx(IC_FAIL, "-o: compat: invalid value '%s' (0.10, v2, 1.1, v3)", val);
}

/* A whole number as qemu reads one (decimal, 0x hex or 0 octal). */
unsigned ic_parse_number(const char *key, const char *val)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (errno || end == val || *end || val[0] == '-' || v > 4096)
		vu_errx(IC_FAIL, "-o: %s: expects a number, not '%s'", key, val);
	return (unsigned)v;
}

static void parse_compression(struct create *cr, const char *val)
{
	if (strcmp(val, "zlib") == 0)
		cr->o.compression_type = 0;
	else if (strcmp(val, "zstd") == 0)
		cr->o.compression_type = 1;
	else
		vu_errx(IC_FAIL, "-o: compression_type: invalid value '%s' (zlib, zstd)", val);
	cr->sp.compression_type = val;
}

/* The keys only qcow2 has; false if key is not one of them. */
static bool parse_qcow2_key(struct create *cr, const char *key, const char *val)
{
	if (strcmp(key, "compat") == 0) {
		cr->o.version = ic_parse_compat(val);
		cr->sp.compat = val;
	} else if (strcmp(key, "cluster_size") == 0) {
		uint64_t v = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "cluster_size", IC_FAIL);

		cr->o.cluster_size = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	} else if (strcmp(key, "lazy_refcounts") == 0) {
		cr->o.lazy_refcounts = ic_parse_bool(key, val);
		cr->sp.lazy_refcounts = val;
	} else if (strcmp(key, "extended_l2") == 0) {
		cr->o.extended_l2 = ic_parse_bool(key, val);
		cr->sp.extended_l2 = val;
	} else if (strcmp(key, "refcount_bits") == 0) {
		cr->o.refcount_bits = ic_parse_number(key, val);
	} else if (strcmp(key, "compression_type") == 0) {
		parse_compression(cr, val);
	} else if (strcmp(key, "backing_file") == 0) {
		cr->o.backing_file = val;
	} else if (strcmp(key, "backing_fmt") == 0) {
		cr->o.backing_fmt = val;
	} else {
		return false;
	}
	return true;
}

/* -o key=value[,key=value...]; later values win, as qemu-img's. */
static void parse_o(struct create *cr, char *arg)
{
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (strcmp(kv, "help") == 0 || strcmp(kv, "?") == 0)
			print_opts_help(cr);
		if (!val)
			vu_errx(IC_FAIL, "-o: '%s': expected key=value", kv);
		*val++ = '\0';
		if (strcmp(kv, "preallocation") == 0) {
			parse_prealloc(cr, val);
		} else if (strcmp(kv, "size") == 0) {
			cr->o.size = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "size", IC_FAIL);
			cr->size_given = true;
		} else if (!cr->qcow2 || !parse_qcow2_key(cr, kv, val)) {
			vu_errx(IC_FAIL, "-o: invalid option '%s' for format '%s'", kv, cr->fmt);
		}
	}
}

/* Complete before it takes the name; replaces an existing file, as qemu-img. */
static int create_image(const struct create *cr, struct vu_err *e)
{
	struct vu_atomic a;
	int r = vu_atomic_open(&a, cr->file, 0644);

	if (r < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	r = vu_image_create(a.fd, cr->file, cr->fmt, &cr->o, e);
	if (r == 0 && (r = vu_atomic_commit(&a, true, true)) < 0)
		return vu_err_set(e, -r, "%s", strerror(-r));
	if (r < 0)
		vu_atomic_abort(&a);
	return r;
}

/* As qemu-img: the backing file must open (unless -u) in the format
 * given, which -F must give; its size is the default size. */
static void check_backing(struct create *cr)
{
	const char *b = cr->o.backing_file;
	struct vu_image *img;
	struct vu_err e = { 0 };
	char *full;

	if (!b)
		return;
	if (strcmp(b, cr->file) == 0)
		vu_errx(IC_FAIL, "%s: Error: Trying to create an image with the same filename "
			"as the backing file", cr->file);
	if (!b[0])
		vu_errx(IC_FAIL, "%s: Expected backing file name, got empty string", cr->file);
	if (cr->unsafe) {
		if (!cr->o.backing_fmt)
			vu_errx(IC_FAIL, "%s: Backing file specified without backing format",
				cr->file);
		return;
	}
	if (!(full = vu_image_relative_path(cr->file, b)))
		vu_errx(IC_FAIL, "cannot allocate memory");
	if (vu_image_open(&img, full, cr->o.backing_fmt, 0, &e) < 0)
		vu_errx(IC_FAIL, "%s: Could not open backing image '%s': %s", cr->file, full,
			vu_err_str(&e));
	if (!cr->o.backing_fmt)
		vu_errx(IC_FAIL, "%s: Backing file specified without backing format "
			"(detected format of %s)", cr->file, img->drv->name);
	if (!cr->o.size && !cr->size_given)
		cr->o.size = img->size;
	cr->size_given = true;
	vu_image_close(&img);
	free(full);
}

static void print_formatting(const struct create *cr)
{
	const struct vu_create_opts *o = &cr->o;
	const struct spelt *sp = &cr->sp;

	printf("Formatting '%s', fmt=%s ", cr->file, cr->fmt);
	if (!cr->qcow2) {
		printf("size=%llu", (unsigned long long)o->size);
		if (cr->prealloc_given)
			printf(" preallocation=%s", prealloc_names[o->prealloc]);
		putchar('\n');
		return;
	}
	printf("cluster_size=%u extended_l2=%s", o->cluster_size ? o->cluster_size : 65536,
	       sp->extended_l2 ? sp->extended_l2 : "off");
	if (cr->prealloc_given)
		printf(" preallocation=%s", prealloc_names[o->prealloc]);
	printf(" compression_type=%s size=%llu",
	       sp->compression_type ? sp->compression_type : "zlib", (unsigned long long)o->size);
	if (sp->compat)
		printf(" compat=%s", sp->compat);
	if (o->backing_file)
		printf(" backing_file=%s", o->backing_file);
	if (o->backing_fmt)
		printf(" backing_fmt=%s", o->backing_fmt);
	printf(" lazy_refcounts=%s refcount_bits=%u\n",
	       sp->lazy_refcounts ? sp->lazy_refcounts : "off",
	       o->refcount_bits ? o->refcount_bits : 16);
}

static int parse_args(struct create *cr, int argc, char **argv, char **opts)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *backing = NULL, *backing_fmt = NULL;
	int nopts = 0, c;

	while ((c = getopt_long(argc, argv, "f:o:b:F:uqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cr->fmt = optarg; break;
		case 'o': opts[nopts++] = optarg; break;
		case 'b': backing = optarg; break;
		case 'F': backing_fmt = optarg; break;
		case 'u': cr->unsafe = true; break;
		case 'q': cr->quiet = true; break;
		case 'h': ic_cmd_usage("create");
		default: ic_bad_option();
		}
	}
	cr->qcow2 = strcmp(cr->fmt, "qcow2") == 0;
	if (!cr->qcow2 && strcmp(cr->fmt, "raw") != 0)
		vu_errx(IC_FAIL, "-f: cannot create format '%s' (raw, qcow2)", cr->fmt);
	for (int i = 0; i < nopts; i++)
		parse_o(cr, opts[i]);
	/* -b and -F win over -o backing_file= and backing_fmt=, as qemu-img's. */
	if (backing)
		cr->o.backing_file = backing;
	if (backing_fmt)
		cr->o.backing_fmt = backing_fmt;
	return optind;
}

int cmd_create(int argc, char **argv)
{
	struct create cr = { .fmt = "raw" };
	struct vu_err e = { 0 };
	char **opts = calloc((size_t)argc, sizeof(char *));

	if (!opts)
		vu_errx(IC_FAIL, "cannot allocate memory");
	optind = parse_args(&cr, argc, argv, opts);
	free(opts);
	if (optind >= argc)
		vu_usage_err(IC_FAIL, "expecting a file name");
	cr.file = argv[optind];
	if (optind + 1 < argc && cr.size_given)
		vu_errx(IC_FAIL, "%s: The image size must be specified only once", cr.file);
	if (optind + 1 < argc) {
		cr.o.size = vu_parse_size_or_die(argv[optind + 1], VU_SIZE_QEMU, 1, "size",
						 IC_FAIL);
		cr.size_given = true;
	}
	if (optind + 2 < argc)
		vu_usage_err(IC_FAIL, "unexpected argument '%s'", argv[optind + 2]);
	if (cr.qcow2)
		check_backing(&cr);
	if (!cr.size_given)
		vu_usage_err(IC_FAIL, "image creation needs a size parameter");
	if (cr.o.size > INT64_MAX)
		vu_errx(IC_FAIL, "%s: size too large", cr.file);
	if (!cr.quiet) {
		print_formatting(&cr);
		fflush(stdout);	/* before any error, as qemu-img */
	}
	cr.o.backing_unchecked = true;	/* checked above, or -u */
	if (create_image(&cr, &e) < 0)
		vu_errx(IC_FAIL, "%s: %s", cr.file, vu_err_str(&e));
	return IC_OK;
}
