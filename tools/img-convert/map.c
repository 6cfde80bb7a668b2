/* SPDX-License-Identifier: GPL-2.0-or-later */
/* map.c - "img-convert map": which ranges hold data, zeros, or nothing, and where */
#include <inttypes.h>
#include <stdio.h>

#include "vu/base.h"
#include "vu/diag.h"

#include "img-convert.h"

struct map_entry {
	uint64_t start, length;
	int depth;
	bool present, zero, data, has_offset;
	uint64_t offset;
	const struct vu_image *layer;
	const char *file;	/* where the offset is, when not the layer's file */
};

static void entry_from(struct map_entry *m, uint64_t off, const struct vu_bstat *bs)
{
	*m = (struct map_entry){
		.start = off, .length = bs->len, .depth = bs->depth,
		.present = bs->layer != NULL,
		.zero = bs->flags & VU_BS_ZERO,
		.data = bs->flags & VU_BS_DATA,
		.has_offset = (bs->flags & VU_BS_OFFSET_VALID) != 0,
		.offset = bs->offset, .layer = bs->layer, .file = bs->file,
	};
}

/* As qemu-img: neighbours merge when nothing but their length differs. */
static bool can_merge(const struct map_entry *a, const struct map_entry *b)
{
	return a->depth == b->depth && a->present == b->present && a->zero == b->zero &&
	       a->data == b->data && a->has_offset == b->has_offset &&
	       a->layer == b->layer && a->file == b->file &&
	       (!a->has_offset || a->offset + a->length == b->offset);
}

static int print_entry(const struct map_entry *m, enum ic_output out, bool first)
{
	if (out == IC_OUT_JSON) {
		printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64 ", \"depth\": %d,"
		       " \"present\": %s, \"zero\": %s, \"data\": %s",
		       first ? "[" : ",\n", m->start, m->length, m->depth,
		       m->present ? "true" : "false", m->zero ? "true" : "false",
		       m->data ? "true" : "false");
		if (m->has_offset)
			printf(", \"offset\": %" PRIu64, m->offset);
		putchar('}');
		return 0;
	}
	if (m->data && !m->has_offset)
		return -1;
	/* Data that reads as zeros (a hole under a preallocated or flat
	 * file) is not listed, as qemu-img lists it. */
	if (!m->data || m->zero)
		return 0;
	printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n", m->start, m->length,
	       m->offset, m->file ? m->file : vu_image_filename(m->layer));
	return 0;
}

static int map_image(struct vu_image *img, enum ic_output out)
{
	struct map_entry cur = { 0 }, next;
	bool have = false, first = true;

	if (out == IC_OUT_HUMAN)
		printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
	for (uint64_t off = 0; off < vu_image_size(img); off += next.length) {
		struct vu_bstat bs;
		int r = vu_image_block_status(img, off, vu_image_size(img) - off, &bs);

		if (r < 0)
			vu_diex(VU_EXIT_FAIL, "%s: block status at offset %" PRIu64 ": %s",
				vu_image_filename(img), off, vu_image_strerror(img, r));
		entry_from(&next, off, &bs);
		if (have && can_merge(&cur, &next)) {
			cur.length += next.length;
			continue;
		}
		if (have && print_entry(&cur, out, first) < 0)
			return -1;
		first = first && !have;
		cur = next;
		have = true;
	}
	/* An empty image is one empty, absent extent to qemu-img. */
	if (!have && out == IC_OUT_JSON)
		print_entry(&cur, out, first);
	else if (have && print_entry(&cur, out, first) < 0)
		return -1;
	if (out == IC_OUT_JSON)
		puts("]");
	return 0;
}

int ic_cmd_map(void *ctx, int argc, char **argv)
{
	enum { OPT_OUTPUT = 256 };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fmt = NULL;
	enum ic_output out = IC_OUT_HUMAN;
	struct vu_image *img;
	int c, r;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fmt = optarg; break;
		case OPT_OUTPUT: out = ic_output_arg(optarg); break;
		case 'h': ic_cmd_usage("map");
		default: ic_bad_option();
		}
	}
	img = ic_open_or_die(ic_one_file(argc, argv, "expecting one image file name"), fmt, 0);
	r = map_image(img, out);
	if (r < 0) {
		fflush(stdout);
		vu_warnx("%s: file contains external, encrypted or compressed clusters",
			 vu_image_filename(img));
	}
	vu_image_close(&img);
	return r < 0 ? VU_EXIT_FAIL : VU_EXIT_OK;
}
