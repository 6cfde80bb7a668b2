/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synthetic.c - images with no file of their own, for the copy engine to
 * read: a pattern (wipes), and a window on another image */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "image_int.h"

/* ---- a pattern, random bytes, or zeros ---- */

struct pattern {
	uint8_t pat[3];
	int len;		/* 0: random */
	bool zeros;
	uint64_t s[2];		/* xorshift128+ state */
};

/* Fast enough to keep up with the disk; seeded from the kernel, so no two
 * wipes write the same stream. */
static uint64_t next_random(struct pattern *pt)
{
	uint64_t a = pt->s[0], b = pt->s[1];

	pt->s[0] = b;
	a ^= a << 23;
	pt->s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return pt->s[1] + b;
}

static int pattern_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct pattern *pt = img->priv;
	uint8_t *p = buf;

	if (pt->len == 0) {
		for (size_t i = 0; i < len; i += 8) {
			uint64_t v = next_random(pt);

			memcpy(p + i, &v, len - i < 8 ? len - i : 8);
		}
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		p[i] = pt->pat[(off + i) % (uint64_t)pt->len];
	return 0;
}

static int pattern_status(struct vu_image *img, uint64_t off, uint64_t len,
			  struct vu_bstat *bs)
{
	const struct pattern *pt = img->priv;

	(void)off;
	bs->len = len;
	bs->flags = VU_BS_ALLOCATED | (pt->zeros ? VU_BS_ZERO : VU_BS_DATA);
	return 0;
}

static void free_priv(struct vu_image *img)
{
	free(img->priv);
	img->priv = NULL;
}

static const struct vu_image_driver pattern_drv = {
	.name = "pattern",
	.pread = pattern_pread,
	.block_status = pattern_status,
	.close = free_priv,
};

static struct vu_image *image_new(const struct vu_image_driver *drv, const char *name,
				  uint64_t size, void *priv)
{
	struct vu_image *img = calloc(1, sizeof(*img));

	if (!img || !(img->filename = strdup(name))) {
		free(img);
		return NULL;
	}
	img->drv = drv;
	img->fd = -1;
	img->size = size;
	img->priv = priv;
	return img;
}

int vu_image_pattern(struct vu_image **out, uint64_t size, const uint8_t *pat, int len,
		     bool zeros)
{
	struct pattern *pt = calloc(1, sizeof(*pt));

	*out = NULL;
	if (!pt)
		return -ENOMEM;
	pt->len = len;
	pt->zeros = zeros;
	if (len > 0)
		memcpy(pt->pat, pat, (size_t)len);
	if (len == 0 && getrandom(pt->s, sizeof(pt->s), 0) != (ssize_t)sizeof(pt->s)) {
		free(pt);
		return -EIO;
	}
	pt->s[0] |= 1;	/* the all-zero state would stay zero */
	if (!(*out = image_new(&pattern_drv, "(pattern)", size, pt))) {
		free(pt);
		return -ENOMEM;
	}
	return 0;
}

/* ---- a window on another image ---- */

struct slice {
	struct vu_image *base;
	uint64_t off;
};

static int slice_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	const struct slice *sl = img->priv;

	return vu_image_pread(sl->base, buf, len, sl->off + off);
}

static int slice_status(struct vu_image *img, uint64_t off, uint64_t len, struct vu_bstat *bs)
{
	const struct slice *sl = img->priv;
	int r = vu_image_block_status(sl->base, sl->off + off, len, bs);

	/* Only what the data is counts here, not where the base keeps it. */
	bs->flags &= VU_BS_DATA | VU_BS_ZERO | VU_BS_ALLOCATED;
	bs->layer = NULL;
	if (bs->len > len)
		bs->len = len;
	return r;
}

static const char *slice_error(const struct vu_image *img)
{
	const struct slice *sl = img->priv;

	return vu_image_strerror(sl->base, -EIO);
}

static const struct vu_image_driver slice_drv = {
	.name = "slice",
	.pread = slice_pread,
	.block_status = slice_status,
	.last_error = slice_error,
	.close = free_priv,
};

int vu_image_slice(struct vu_image **out, struct vu_image *base, uint64_t off, uint64_t len)
{
	struct slice *sl = calloc(1, sizeof(*sl));

	*out = NULL;
	if (!sl)
		return -ENOMEM;
	*sl = (struct slice){ .base = base, .off = off };
	if (off > base->size || len > base->size - off ||
	    !(*out = image_new(&slice_drv, base->filename, len, sl))) {
		free(sl);
		return off > base->size || len > base->size - off ? -EINVAL : -ENOMEM;
	}
	return 0;
}
