/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create.c - "img-convert create": a new, empty image */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/file.h"
#include "vu/size.h"

#include "img-convert.h"

struct create {
	const char *file;
	struct ic_fmtopts fo;
	bool unsafe;		/* -u: do not open the backing file */
	bool quiet;
};

int ic_open_failed(int r, struct vu_err *e)
{
	/* EPERM: the new file could not take the replaced one's owner. */
	if (r == -EPERM)
		return vu_err_set(e, EPERM, "cannot keep the owner of the existing file: %s",
				  strerror(EPERM));
	return vu_err_set(e, -r, "cannot create: %s", strerror(-r));
}

/* Complete before it takes the name; replaces an existing file as qemu-img
 * overwrites one: through a symbolic link, keeping owner, mode and ACL. */
static int create_image(const struct create *cr, struct vu_err *e)
{
	struct vu_atomic a;
	int r = vu_atomic_open_keep(&a, cr->file, 0644);

	if (r < 0)
		return ic_open_failed(r, e);
	r = vu_image_create(a.fd, cr->file, cr->fo.fmt, &cr->fo.o, e);
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
	const char *b = cr->fo.o.backing_file;
	struct vu_image *img;
	struct vu_err e = { 0 };
	char *full;

	if (!b)
		return;
	if (strcmp(b, cr->file) == 0)
		vu_diex(VU_EXIT_FAIL, "%s: Error: Trying to create an image with the same filename "
			"as the backing file", cr->file);
	if (!b[0])
		vu_diex(VU_EXIT_FAIL, "%s: Expected backing file name, got empty string", cr->file);
	if (cr->unsafe) {
		if (!cr->fo.o.backing_fmt)
			vu_diex(VU_EXIT_FAIL, "%s: Backing file specified without backing format",
				cr->file);
		return;
	}
	if (!(full = vu_image_relative_path(cr->file, b)))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (vu_image_open(&img, full, cr->fo.o.backing_fmt, 0, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: Could not open backing image '%s': %s", cr->file, full,
			vu_err_str(&e));
	if (!cr->fo.o.backing_fmt)
		vu_diex(VU_EXIT_FAIL, "%s: Backing file specified without backing format "
			"(detected format of %s)", cr->file, vu_image_format_name(img));
	if (!cr->fo.o.size && !cr->fo.size_given)
		cr->fo.o.size = vu_image_size(img);
	cr->fo.size_given = true;
	vu_image_close(&img);
	free(full);
}

/* qemu-img's order: its option list, the defaults it always shows. */
static void print_vmdk(const struct create *cr)
{
	const struct vu_create_opts *o = &cr->fo.o;
	const struct ic_spelt *sp = &cr->fo.sp;

	printf("size=%llu", (unsigned long long)o->size);
	if (o->adapter_type)
		printf(" adapter_type=%s", o->adapter_type);
	if (o->backing_file)
		printf(" backing_file=%s", o->backing_file);
	if (o->backing_fmt)
		printf(" backing_fmt=%s", o->backing_fmt);
	printf(" compat6=%s hwversion=%s", sp->compat6 ? sp->compat6 : "off",
	       o->hwversion ? o->hwversion : "undefined");
	if (o->subformat)
		printf(" subformat=%s", o->subformat);
	if (sp->zeroed_grain)
		printf(" zeroed_grain=%s", sp->zeroed_grain);
	if (cr->fo.prealloc_given)
		printf(" preallocation=%s", ic_prealloc_names[o->prealloc]);
	putchar('\n');
}

static void print_formatting(const struct create *cr)
{
	const struct vu_create_opts *o = &cr->fo.o;
	const struct ic_spelt *sp = &cr->fo.sp;

	printf("Formatting '%s', fmt=%s ", cr->file, cr->fo.fmt);
	if (cr->fo.vmdk) {
		print_vmdk(cr);
		return;
	}
	if (!cr->fo.qcow2) {
		printf("size=%llu", (unsigned long long)o->size);
		if (strcmp(cr->fo.fmt, "qed") == 0) {
			if (o->backing_file)
				printf(" backing_file=%s", o->backing_file);
			if (o->backing_fmt)
				printf(" backing_fmt=%s", o->backing_fmt);
			printf(" cluster_size=%u", o->cluster_size ? o->cluster_size : 65536);
			if (o->table_size)
				printf(" table_size=%u", o->table_size);
		}
		if (strcmp(cr->fo.fmt, "vhdx") == 0)
			printf(" log_size=%u block_size=%u", o->log_size ? o->log_size : 1048576,
			       o->block_size);
		if (strcmp(cr->fo.fmt, "vdi") == 0)
			printf(" static=%s", sp->fixed ? sp->fixed : "off");
		if (sp->fixed && strcmp(cr->fo.fmt, "vdi") != 0)
			printf(" subformat=%s", sp->fixed);
		if (sp->force_size)
			printf(" force_size=%s", sp->force_size);
		if (sp->block_state_zero)
			printf(" block_state_zero=%s", sp->block_state_zero);
		if (cr->fo.prealloc_given)
			printf(" preallocation=%s", ic_prealloc_names[o->prealloc]);
		putchar('\n');
		return;
	}
	printf("cluster_size=%u extended_l2=%s", o->cluster_size ? o->cluster_size : 65536,
	       sp->extended_l2 ? sp->extended_l2 : "off");
	if (cr->fo.prealloc_given)
		printf(" preallocation=%s", ic_prealloc_names[o->prealloc]);
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
	const char *backing = NULL, *backing_fmt = NULL, *fmt = "raw";
	int nopts = 0, c;

	while ((c = getopt_long(argc, argv, "f:o:b:F:uqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fmt = optarg; break;
		case 'o': opts[nopts++] = optarg; break;
		case 'b': backing = optarg; break;
		case 'F': backing_fmt = optarg; break;
		case 'u': cr->unsafe = true; break;
		case 'q': cr->quiet = true; break;
		case 'h': ic_cmd_usage("create");
		default: ic_bad_option();
		}
	}
	ic_fmtopts_init(&cr->fo, fmt);
	if (!ic_fmt_creatable(cr->fo.fmt))
		vu_diex(VU_EXIT_FAIL, "-f: cannot create format '%s' (%s)", cr->fo.fmt,
			ic_creatable_list);
	for (int i = 0; i < nopts; i++)
		ic_fmtopts_parse(&cr->fo, opts[i]);
	/* -b and -F win over -o backing_file= and backing_fmt=, as qemu-img's. */
	if (backing)
		cr->fo.o.backing_file = backing;
	if (backing_fmt)
		cr->fo.o.backing_fmt = backing_fmt;
	return optind;
}

int ic_cmd_create(void *ctx, int argc, char **argv)
{
	struct create cr = { .file = NULL };
	struct vu_err e = { 0 };
	char **opts = calloc((size_t)argc, sizeof(char *));

	(void)ctx;
	if (!opts)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	optind = parse_args(&cr, argc, argv, opts);
	free(opts);
	if (optind >= argc)
		vu_die_usage(IC_EXIT_USAGE, "expecting a file name");
	cr.file = argv[optind];
	if (optind + 1 < argc && cr.fo.size_given)
		vu_diex(VU_EXIT_FAIL, "%s: The image size must be specified only once", cr.file);
	if (optind + 1 < argc) {
		cr.fo.o.size = vu_parse_size_or_die(argv[optind + 1], VU_SIZE_QEMU, 1, "size",
						 IC_EXIT_USAGE);
		cr.fo.size_given = true;
	}
	if (optind + 2 < argc)
		vu_die_usage(IC_EXIT_USAGE, "unexpected argument '%s'", argv[optind + 2]);
	if (cr.fo.qcow2 || cr.fo.vmdk || strcmp(cr.fo.fmt, "qed") == 0)
		check_backing(&cr);
	if (!cr.fo.size_given)
		vu_die_usage(IC_EXIT_USAGE, "image creation needs a size parameter");
	if (cr.fo.o.size > INT64_MAX)
		vu_diex(VU_EXIT_FAIL, "%s: size too large", cr.file);
	if (!cr.quiet) {
		print_formatting(&cr);
		fflush(stdout);	/* before any error, as qemu-img */
	}
	cr.fo.o.backing_unchecked = true;	/* checked above, or -u */
	if (create_image(&cr, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", cr.file, vu_err_str(&e));
	return VU_EXIT_OK;
}
