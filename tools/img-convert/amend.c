/* SPDX-License-Identifier: GPL-2.0-or-later */
/* amend.c - "img-convert amend": change format options of an image in place */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/progress.h"
#include "vu/size.h"
#include "vu/strutil.h"

#include "img-convert.h"

struct amend {
	const char *fmt, *file;
	struct vu_amend_opts o;
	bool progress, quiet, help;
};

/* Options only "create" takes: qemu-img names them so. */
static const char *const create_only[] = {
	"cluster_size", "compression_type", "extended_l2", "preallocation",
	"encryption", "encrypt.format", "data_file", "data_file_raw",
};

static void parse_key(struct amend *am, const char *key, const char *val)
{
	if (strcmp(key, "compat") == 0) {
		am->o.version = ic_parse_compat(val);
	} else if (strcmp(key, "lazy_refcounts") == 0) {
		am->o.lazy_refcounts = ic_parse_bool(key, val) ? 1 : -1;
	} else if (strcmp(key, "refcount_bits") == 0) {
		am->o.refcount_bits = ic_parse_number(key, val);
		if (!am->o.refcount_bits)
			vu_diex(VU_EXIT_FAIL, "%s: Refcount width must be a power of two and may not "
				"exceed 64 bits", am->file);
	} else if (strcmp(key, "size") == 0) {
		am->o.size = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "size", IC_EXIT_USAGE);
	} else if (strcmp(key, "backing_file") == 0 || strcmp(key, "backing_fmt") == 0) {
		vu_diex(VU_EXIT_FAIL, "%s: Cannot amend the backing file (use 'img-convert rebase')",
			am->file);
	} else {
		if (vu_word_index(key, create_only, ARRAY_SIZE(create_only)) >= 0)
			vu_diex(VU_EXIT_FAIL, "%s: Invalid parameter '%s': this option is only "
				"supported for image creation", am->file, key);
		vu_diex(VU_EXIT_FAIL, "%s: Invalid parameter '%s'", am->file, key);
	}
}

static void parse_o(struct amend *am, char *arg)
{
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (strcmp(kv, "help") == 0 || strcmp(kv, "?") == 0) {
			am->help = true;
			continue;
		}
		/* (else: cppcheck does not know vu_diex does not return) */
		if (!val)
			vu_diex(VU_EXIT_FAIL, "-o: '%s': expected key=value", kv);
		else
			*val++ = '\0';
		parse_key(am, kv, val);
	}
}

static void print_help(const struct amend *am)
{
	struct vu_image *img = NULL;
	const char *fmt = am->fmt;

	if (!fmt) {
		img = ic_open_or_die(am->file, NULL, VU_OPEN_NO_BACKING);
		fmt = vu_image_format_name(img);
	}
	if (strcmp(fmt, "qcow2") != 0)
		vu_diex(VU_EXIT_FAIL, "Format driver '%s' does not support option amendment", fmt);
	printf("Amend options for '%s':\n", fmt);
	puts("  compat=<str>           - Compatibility level (v2 [0.10] or v3 [1.1])");
	puts("  lazy_refcounts=<bool (on/off)> - Postpone refcount updates");
	puts("  refcount_bits=<num>    - Width of a reference count entry in bits");
	puts("  size=<size>            - Virtual disk size");
	vu_image_close(&img);
	exit(VU_EXIT_OK);
}

static void parse_args(struct amend *am, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char **opts = calloc((size_t)argc, sizeof(char *));
	int nopts = 0, c;

	if (!opts)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, "f:o:pqt:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': am->fmt = optarg; break;
		case 'o': opts[nopts++] = optarg; break;
		case 'p': am->progress = true; break;
		case 'q': am->quiet = true; break;
		case 't':
			(void)ic_cache_flags("-t", optarg);	/* checked, not used */
			break;
		case 'h': ic_cmd_usage("amend");
		default: ic_bad_option();
		}
	}
	if (!nopts)
		vu_die_usage(IC_EXIT_USAGE, "Must specify options (-o)");
	am->file = ic_one_file(argc, argv, "Expecting one image file name");
	for (int i = 0; i < nopts; i++)
		parse_o(am, opts[i]);
	free(opts);
}

int ic_cmd_amend(void *ctx, int argc, char **argv)
{
	struct amend am = { 0 };
	struct vu_err e = { 0 };
	struct vu_progress p;
	struct vu_image *img;
	int r;

	(void)ctx;
	parse_args(&am, argc, argv);
	if (am.help)
		print_help(&am);
	img = ic_open_or_die(am.file, am.fmt, VU_OPEN_RDWR);
	vu_progress_init(&p, 1, am.progress, am.quiet);
	r = vu_image_amend(img, &am.o, &e);
	if (r == 0 && (r = vu_image_flush(img)) < 0)
		vu_err_set(&e, -r, "cannot flush: %s", vu_image_strerror(img, r));
	vu_image_close(&img);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", am.file, vu_err_str(&e));
	vu_progress_add(&p, 1);
	vu_progress_end(&p);
	return VU_EXIT_OK;
}
