/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2_measure.c - qemu-img measure for qcow2: the size of a new image as
 * qemu works it out. Fully allocated: a header cluster, every L2 table,
 * the L1 table and the refcount structures covering all of it (found as a
 * fixed point), plus the data. Required: the same less the data clusters
 * the source does not allocate (metadata is counted whole). Bitmaps: every
 * persistent bitmap of the source as if all of it were set, its table and
 * its directory entry.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

#define L1E_SIZE 8u
#define REFTABLE_ENTRY_SIZE 8u
#define BITMAP_DIR_ENTRY 24u

static uint64_t round_up(uint64_t x, uint64_t n)
{
	return (x + n - 1) / n * n;
}

static uint64_t div_up(uint64_t x, uint64_t n)
{
	return (x + n - 1) / n;
}

/* Refcount blocks and table clusters for clusters clusters, themselves
 * included (qemu's qcow2_refcount_metadata_size). */
static uint64_t refcount_meta(uint64_t clusters, uint64_t cs, unsigned order)
{
	uint64_t per_table = cs / REFTABLE_ENTRY_SIZE, per_block = cs * 8 >> order;
	uint64_t table = 0, blocks = 0, n = 0, last;

	do {
		last = n;
		blocks = div_up(clusters + table + blocks, per_block);
		table = div_up(blocks, per_table);
		n = clusters + blocks + table;
	} while (n != last);
	return (blocks + table) * cs;
}

/* qemu's qcow2_calc_prealloc_size. */
static uint64_t prealloc_size(uint64_t size, uint64_t cs, unsigned order, bool extl2)
{
	uint64_t l2e = extl2 ? 16 : 8, aligned = round_up(size, cs), meta = cs, nl2e, nl1e;

	nl2e = round_up(aligned / cs, cs / l2e);
	meta += nl2e * l2e;
	nl1e = round_up(nl2e * l2e / cs, cs / L1E_SIZE);
	meta += nl1e * L1E_SIZE;
	meta += refcount_meta((meta + aligned) / cs, cs, order);
	return meta + aligned;
}

/* The bytes of clusters the source's data falls in (zeros and holes not
 * counted), walking its whole chain. */
static int data_bytes(struct vu_image *src, uint64_t cs, uint64_t *out)
{
	uint64_t size = vu_image_size(src), req = 0;

	for (uint64_t off = 0; off < size;) {
		struct vu_bstat bs;
		uint64_t n;
		int r = vu_image_block_status(src, off, size - off, &bs);

		if (r < 0)
			return r;
		n = bs.len;
		if (!(bs.flags & VU_BS_ZERO) &&
		    (bs.flags & (VU_BS_DATA | VU_BS_ALLOCATED)) == (VU_BS_DATA | VU_BS_ALLOCATED)) {
			n = round_up(off + n, cs) - off;
			req += off % cs + n;
		}
		off += n;
	}
	*out = req;
	return 0;
}

/* qemu's qcow2_get_persistent_dirty_bitmap_size. */
static uint64_t bitmaps_size(const struct vu_info *info, uint64_t size, uint64_t cs)
{
	uint64_t total = 0, dir = 0;

	for (int i = 0; i < info->nbitmaps; i++) {
		const struct vu_bitmap *b = &info->bitmaps[i];
		uint64_t bytes = div_up(div_up(size, b->granularity), 8);
		uint64_t clusters = div_up(bytes, cs);

		total += clusters * cs + round_up(clusters * 8, cs);
		dir += round_up(BITMAP_DIR_ENTRY + strlen(b->name), 8);
	}
	return total + round_up(dir, cs);
}

/* What qemu's measure checks of the options, in its order and words
 * (fewer than create: nothing is made). */
static int check_opts(const struct vu_create_opts *o, int version, uint64_t cs, unsigned rb,
		      struct vu_err *e)
{
	if (rb == 0 || rb > 64 || (rb & (rb - 1)))
		return vu_err_set(e, EINVAL, "Refcount width must be a power of two and may "
				  "not exceed 64 bits");
	if (rb != 16 && version < 3)
		return vu_err_set(e, EINVAL, "Different refcount widths than 16 bits require "
				  "compatibility level 1.1 or above (use compat=1.1 or greater)");
	if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1)))
		return vu_err_set(e, EINVAL, "Cluster size must be a power of two between "
				  "512 and 2048k");
	if (o->extended_l2 && cs < (1u << QCOW2_MIN_EXTL2_CLUSTER_BITS))
		return vu_err_set(e, EINVAL, "Extended L2 entries are only supported with "
				  "cluster sizes of at least 16384 bytes");
	return 0;
}

int qcow2_measure(const struct vu_create_opts *o, struct vu_image *src, struct vu_measure *m,
		  struct vu_err *e)
{
	int version = o->version ? o->version : 3;
	uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
	unsigned rb = o->refcount_bits ? o->refcount_bits : 16;
	uint64_t vsize, required = 0;
	int r = check_opts(o, version, cs, rb, e);

	if (r < 0)
		return r;
	if (src) {
		vsize = round_up(vu_image_size(src), cs);
		/* With a backing file nothing can be assumed shared with it. */
		if (o->backing_file)
			required = vsize;
		else if ((r = data_bytes(src, cs, &required)) < 0)
			return vu_err_set(e, -r, "%s", vu_image_strerror(src, r));
	} else {
		vsize = round_up(o->size, cs);
	}
	if (div_up(vsize / cs, cs / (o->extended_l2 ? 16 : 8)) * L1E_SIZE > QCOW2_MAX_L1_BYTES)
		return vu_err_set(e, EFBIG, "The image size is too large (try using a larger "
				  "cluster size)");
	if (o->prealloc == VU_PREALLOC_FULL || o->prealloc == VU_PREALLOC_FALLOC)
		required = vsize;
	m->fully_allocated = prealloc_size(vsize, cs, (unsigned)__builtin_ctz(rb), o->extended_l2);
	m->required = m->fully_allocated - vsize + required;
	if (version >= 3 && src) {
		struct vu_info info;

		if (vu_image_info(src, &info) == 0) {
			m->has_bitmaps = info.bitmaps_supported;
			if (m->has_bitmaps)
				m->bitmaps = bitmaps_size(&info, vu_image_size(src), cs);
			vu_info_free(&info);
		}
	}
	return 0;
}
