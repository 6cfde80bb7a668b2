/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resize.c - "img-convert resize": a new virtual size, qemu-img's way */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/size.h"
#include "vu/strutil.h"

#include "img-convert.h"

enum { OPT_SHRINK = 0x100, OPT_PREALLOC };

struct resize {
	const char *fmt, *file, *size;
	enum vu_prealloc prealloc;
	bool shrink, quiet;
};

static enum vu_prealloc parse_prealloc(const char *val)
{
	int i = vu_word_index(val, ic_prealloc_names, VU_PREALLOC_FULL + 1);	/* FULL: the last */

	if (i >= 0)
		return (enum vu_prealloc)i;
	vu_diex(VU_EXIT_FAIL, "Invalid preallocation mode '%s'", val);
}

/*
 * The size is the last argument, taken out before getopt sees it, as
 * qemu-img does: "-1G" then is a size, not options.
 */
static void parse_args(struct resize *rs, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "shrink", no_argument, NULL, OPT_SHRINK },
		{ "preallocation", required_argument, NULL, OPT_PREALLOC },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	if (argc < 3)
		vu_die_usage(IC_EXIT_USAGE, "Not enough arguments");
	rs->size = argv[--argc];
	while ((c = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': rs->fmt = optarg; break;
		case 'q': rs->quiet = true; break;
		case OPT_SHRINK: rs->shrink = true; break;
		case OPT_PREALLOC: rs->prealloc = parse_prealloc(optarg); break;
		case 'h': ic_cmd_usage("resize");
		default: ic_bad_option();
		}
	}
	if (optind != argc - 1)
		vu_die_usage(IC_EXIT_USAGE, "Expecting image file name and size");
	rs->file = argv[optind];
}

/* [+|-]SIZE against the current size; 0 for a result that is not positive. */
static uint64_t new_size(const char *arg, uint64_t cur)
{
	int sign = arg[0] == '+' ? 1 : arg[0] == '-' ? -1 : 0;
	uint64_t n = vu_parse_size_or_die(arg + (sign != 0), VU_SIZE_QEMU, 1, "size", IC_EXIT_USAGE);

	if (sign > 0)
		return n > INT64_MAX - cur ? UINT64_MAX : cur + n;
	if (sign < 0)
		return n >= cur ? 0 : cur - n;
	return n;
}

int ic_cmd_resize(void *ctx, int argc, char **argv)
{
	struct resize rs = { .prealloc = VU_PREALLOC_OFF };
	struct vu_err e = { 0 };
	struct vu_image *img;
	uint64_t size;
	int r;

	(void)ctx;
	parse_args(&rs, argc, argv);
	if (rs.size[0] != '+' && rs.size[0] != '-')
		vu_parse_size_or_die(rs.size, VU_SIZE_QEMU, 1, "size", IC_EXIT_USAGE);
	img = ic_open_or_die(rs.file, rs.fmt, VU_OPEN_RDWR);
	size = new_size(rs.size, vu_image_size(img));
	if (size == 0)
		vu_diex(VU_EXIT_FAIL, "%s: New image size must be positive", rs.file);
	if (size <= vu_image_size(img) && rs.prealloc != VU_PREALLOC_OFF)
		vu_diex(VU_EXIT_FAIL, "%s: Preallocation can only be used for growing images", rs.file);
	if (size < vu_image_size(img) && !rs.shrink)
		vu_diex(VU_EXIT_FAIL, "%s: Use the --shrink option to perform a shrink operation "
			"(it deletes all data beyond the new end)", rs.file);
	if (vu_image_resize(img, size, rs.prealloc, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", rs.file, vu_err_str(&e));
	if ((r = vu_image_flush(img)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: cannot flush: %s", rs.file, vu_image_strerror(img, r));
	vu_image_close(&img);
	if (!rs.quiet)
		puts("Image resized.");
	return VU_EXIT_OK;
}
