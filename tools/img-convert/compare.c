/* SPDX-License-Identifier: GPL-2.0-or-later */
/* compare.c - "img-convert compare": do two images hold the same guest data? */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/progress.h"

#include "img-convert.h"

/* qemu-img compare's statuses. */
enum { CMP_SAME = 0, CMP_DIFFERENT = 1, CMP_OPEN = 2, CMP_STATUS = 3, CMP_READ = 4 };

#define CMP_BUF (1u << 20)

struct cmp {
	struct vu_image *a, *b;
	uint8_t *ba, *bb;
	bool strict, quiet;
	struct vu_progress progress;
};

static int status_or_die(struct vu_image *img, uint64_t off, uint64_t len,
			 struct vu_bstat *bs)
{
	int r = vu_image_block_status(img, off, len, bs);

	if (r < 0) {
		vu_warnx("%s: block status at offset %" PRIu64 ": %s", vu_image_filename(img),
			 off, vu_image_strerror(img, r));
		exit(CMP_STATUS);
	}
	return 0;
}

static void read_or_die(struct vu_image *img, void *buf, size_t n, uint64_t off)
{
	int r = vu_image_pread(img, buf, n, off);

	if (r < 0) {
		vu_warnx("%s: read at offset %" PRIu64 ": %s", vu_image_filename(img), off,
			 vu_image_strerror(img, r));
		exit(CMP_READ);
	}
}

/* Offset of the first differing 512-byte sector, as qemu-img reports it. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i += 512) {
		size_t k = n - i < 512 ? n - i : 512;

		if (memcmp(a + i, b + i, k))
			return (int64_t)(off + i);
	}
	return -1;
}

static int differ(const struct cmp *c, int64_t at)
{
	if (!c->quiet)
		printf("Content mismatch at offset %" PRId64 "!\n", at);
	return CMP_DIFFERENT;
}

/* Compares [off, off+len) of one image with zeros (the other is shorter). */
static int cmp_tail(struct cmp *c, struct vu_image *img, uint64_t off, uint64_t end)
{
	memset(c->bb, 0, CMP_BUF);
	while (off < end) {
		struct vu_bstat bs;
		uint64_t n;

		status_or_die(img, off, end - off, &bs);
		n = bs.len < CMP_BUF ? bs.len : CMP_BUF;
		if (!(bs.flags & VU_BS_ZERO)) {
			read_or_die(img, c->ba, n, off);
			int64_t at = first_diff(c->ba, c->bb, n, off);

			if (at >= 0)
				return differ(c, at);
		}
		off += n;
	}
	return CMP_SAME;
}

static int cmp_common(struct cmp *c, uint64_t end)
{
	for (uint64_t off = 0; off < end;) {
		struct vu_bstat sa, sb;
		uint64_t n;

		status_or_die(c->a, off, end - off, &sa);
		status_or_die(c->b, off, end - off, &sb);
		n = sa.len < sb.len ? sa.len : sb.len;
		n = n < CMP_BUF ? n : CMP_BUF;
		if (c->strict && (sa.flags & (VU_BS_ZERO | VU_BS_DATA)) !=
				 (sb.flags & (VU_BS_ZERO | VU_BS_DATA))) {
			if (!c->quiet)
				printf("Strict mode: Offset %" PRIu64 " block status mismatch!\n", off);
			return CMP_DIFFERENT;
		}
		if (!((sa.flags & VU_BS_ZERO) && (sb.flags & VU_BS_ZERO))) {
			read_or_die(c->a, c->ba, n, off);
			read_or_die(c->b, c->bb, n, off);
			int64_t at = first_diff(c->ba, c->bb, n, off);

			if (at >= 0)
				return differ(c, at);
		}
		vu_progress_add(&c->progress, n);
		off += n;
	}
	return CMP_SAME;
}

static int compare(struct cmp *c)
{
	uint64_t sa = vu_image_size(c->a), sb = vu_image_size(c->b);
	uint64_t common = sa < sb ? sa : sb;
	int r;

	if (sa != sb) {
		if (c->strict) {
			if (!c->quiet)
				puts("Strict mode: Image size mismatch!");
			return CMP_DIFFERENT;
		}
		if (!c->quiet)
			puts("Warning: Image size mismatch!");
	}
	r = cmp_common(c, common);
	if (r == CMP_SAME && sa != sb)
		r = cmp_tail(c, sa > common ? c->a : c->b, common, sa > common ? sa : sb);
	if (r == CMP_SAME && !c->quiet)
		puts("Images are identical.");
	return r;
}

static struct vu_image *open_or_exit(const char *path, const char *fmt)
{
	struct vu_image *img;
	struct vu_err e = { 0 };

	if (vu_image_open(&img, path, fmt, 0, &e) < 0) {
		vu_warnx("%s: %s", path, vu_err_str(&e));
		exit(CMP_OPEN);
	}
	return img;
}

int ic_cmd_compare(void *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fa = NULL, *fb = NULL;
	struct cmp c = { .strict = false };
	bool progress = false;
	int ch, r;

	(void)ctx;
	while ((ch = getopt_long(argc, argv, "f:F:spqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': fa = optarg; break;
		case 'F': fb = optarg; break;
		case 's': c.strict = true; break;
		case 'p': progress = true; break;
		case 'q': c.quiet = true; break;
		case 'h': ic_cmd_usage("compare");
		default: ic_bad_option();
		}
	}
	if (optind != argc - 2)
		vu_die_usage(IC_EXIT_USAGE, "expecting two image file names");
	c.a = open_or_exit(argv[optind], fa);
	c.b = open_or_exit(argv[optind + 1], fb);
	c.ba = malloc(CMP_BUF);
	c.bb = malloc(CMP_BUF);
	if (!c.ba || !c.bb)
		vu_diex(CMP_READ, "cannot allocate memory");
	vu_progress_init(&c.progress, vu_image_size(c.a) < vu_image_size(c.b) ?
			 vu_image_size(c.a) : vu_image_size(c.b), progress, c.quiet);
	r = compare(&c);
	vu_progress_end(&c.progress);
	free(c.ba);
	free(c.bb);
	vu_image_close(&c.a);
	vu_image_close(&c.b);
	return r;
}
