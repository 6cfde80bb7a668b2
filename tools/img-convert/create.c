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

struct create {
	const char *fmt, *file;
	struct vu_create_opts o;
	bool prealloc_given;	/* qemu-img echoes it, even "off" */
	bool quiet;
};

static void parse_prealloc(struct create *cr, const char *val)
{
	for (size_t i = 0; i < sizeof(prealloc_names) / sizeof(prealloc_names[0]); i++) {
		if (strcmp(val, prealloc_names[i]) == 0) {
			cr->o.prealloc = (enum vu_prealloc)i;
			cr->prealloc_given = true;
			return;
		}
	}
	vu_errx(IC_FAIL, "-o: preallocation: invalid value '%s' (off, metadata, falloc, full)",
		val);
}

static void print_opts_help(void)
{
	puts("Supported options:");
	puts("  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)");
	puts("  size=<size>            - Virtual disk size");
	exit(IC_OK);
}

/* -o key=value[,key=value...] for raw: preallocation and size. */
static void parse_o(struct create *cr, char *arg)
{
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (strcmp(kv, "help") == 0 || strcmp(kv, "?") == 0)
			print_opts_help();
		if (!val)
			vu_errx(IC_FAIL, "-o: '%s': expected key=value", kv);
		else
			*val++ = '\0';
		if (strcmp(kv, "preallocation") == 0)
			parse_prealloc(cr, val);
		else if (strcmp(kv, "size") == 0)
			cr->o.size = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "size", IC_FAIL);
		else
			vu_errx(IC_FAIL, "-o: invalid option '%s' for format '%s'", kv, cr->fmt);
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

int cmd_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct create cr = { .fmt = "raw" };
	struct vu_err e = { 0 };
	char **opts = calloc((size_t)argc, sizeof(char *));
	int nopts = 0, c;

	if (!opts)
		vu_errx(IC_FAIL, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, "f:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cr.fmt = optarg; break;
		case 'o': opts[nopts++] = optarg; break;
		case 'q': cr.quiet = true; break;
		case 'h': ic_cmd_usage("create");
		default: ic_bad_option();
		}
	}
	if (strcmp(cr.fmt, "raw") != 0)
		vu_errx(IC_FAIL, "-f: cannot create format '%s' (raw only)", cr.fmt);
	for (int i = 0; i < nopts; i++)
		parse_o(&cr, opts[i]);
	free(opts);
	if (optind >= argc)
		vu_usage_err(IC_FAIL, "expecting a file name");
	cr.file = argv[optind];
	if (optind + 1 < argc)
		cr.o.size = vu_parse_size_or_die(argv[optind + 1], VU_SIZE_QEMU, 1, "size",
						 IC_FAIL);
	else if (!cr.o.size)
		vu_usage_err(IC_FAIL, "image creation needs a size parameter");
	if (optind + 2 < argc)
		vu_usage_err(IC_FAIL, "unexpected argument '%s'", argv[optind + 2]);
	if (cr.o.size > INT64_MAX)
		vu_errx(IC_FAIL, "%s: size too large", cr.file);
	if (!cr.quiet)
		printf("Formatting '%s', fmt=%s size=%llu%s%s\n", cr.file, cr.fmt,
		       (unsigned long long)cr.o.size,
		       cr.prealloc_given ? " preallocation=" : "",
		       cr.prealloc_given ? prealloc_names[cr.o.prealloc] : "");
	if (create_image(&cr, &e) < 0)
		vu_errx(IC_FAIL, "%s: %s", cr.file, vu_err_str(&e));
	return IC_OK;
}
