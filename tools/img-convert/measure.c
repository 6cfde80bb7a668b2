/* SPDX-License-Identifier: GPL-2.0-or-later */
/* measure.c - "img-convert measure": how large a new image would be, qemu-img's way */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/size.h"

#include "img-convert.h"

struct measure {
	const char *fmt, *out_fmt, *size, *file;
	enum ic_output output;
	char **opts;
	int nopts;
};

static void parse_args(struct measure *ms, int argc, char **argv)
{
	enum { OPT_OUTPUT = 256, OPT_SIZE };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:O:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': ms->fmt = optarg; break;
		case 'O': ms->out_fmt = optarg; break;
		case 'o': ms->opts[ms->nopts++] = optarg; break;
		case OPT_OUTPUT: ms->output = ic_output_arg(optarg); break;
		case OPT_SIZE: ms->size = optarg; break;
		case 'h': ic_cmd_usage("measure");
		default: ic_bad_option();
		}
	}
	if (argc - optind > 1)
		vu_diex(VU_EXIT_FAIL, "At most one filename argument is allowed.");
	ms->file = optind < argc ? argv[optind] : NULL;
	if (ms->file && ms->size)
		vu_diex(VU_EXIT_FAIL, "--size N cannot be used together with a filename.");
	if (!ms->file && !ms->size)
		vu_diex(VU_EXIT_FAIL, "Either --size N or one filename must be specified.");
	if (!ms->file && ms->fmt)
		vu_diex(VU_EXIT_FAIL, "--image-opts, -f, and -l require a filename argument.");
}

static void print(const struct measure *ms, const struct vu_measure *m)
{
	json_object *j;

	if (ms->output == IC_OUT_HUMAN) {
		printf("required size: %llu\n", (unsigned long long)m->required);
		printf("fully allocated size: %llu\n", (unsigned long long)m->fully_allocated);
		if (m->has_bitmaps)
			printf("bitmaps size: %llu\n", (unsigned long long)m->bitmaps);
		return;
	}
	j = json_object_new_object();
	if (m->has_bitmaps)
		json_object_object_add(j, "bitmaps", json_object_new_int64((int64_t)m->bitmaps));
	json_object_object_add(j, "required", json_object_new_int64((int64_t)m->required));
	json_object_object_add(j, "fully-allocated",
			       json_object_new_int64((int64_t)m->fully_allocated));
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

int ic_cmd_measure(void *ctx, int argc, char **argv)
{
	struct measure ms = { .out_fmt = "raw", .output = IC_OUT_HUMAN };
	struct vu_image *src = NULL;
	struct vu_err e = { 0 };
	struct ic_fmtopts fo;
	struct vu_measure m;

	(void)ctx;
	if (!(ms.opts = calloc((size_t)argc + 1, sizeof(char *))))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	parse_args(&ms, argc, argv);
	ic_fmtopts_init(&fo, ms.out_fmt);
	for (int i = 0; i < ms.nopts; i++)
		ic_fmtopts_parse(&fo, ms.opts[i]);
	free(ms.opts);
	if (ms.size)
		fo.o.size = vu_parse_size_or_die(ms.size, VU_SIZE_QEMU, 1, "size", IC_EXIT_USAGE);
	if (ms.file)
		src = ic_open_or_die(ms.file, ms.fmt, 0);
	if (vu_image_measure(ms.out_fmt, &fo.o, src, &m, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s", vu_err_str(&e));
	vu_image_close(&src);
	print(&ms, &m);
	return VU_EXIT_OK;
}
