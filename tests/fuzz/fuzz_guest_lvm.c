/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_guest_lvm.c - libFuzzer harness: any bytes as LVM2 metadata text
 * (the VG, its PVs, its LVs and their segments) and as the start of a PV
 * (label, PV header, metadata area header and its circular buffer), the
 * untrusted input libshared/guest reads from a guest's disks */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../libshared/guest/guest_int.h"

struct disk {
	const uint8_t *data;
	size_t size;
};

static int rd(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct disk *d = ctx;

	if (off > d->size || len > d->size - off)
		return -EIO;
	memcpy(buf, d->data + off, len);
	return 0;
}

static void check_vg(const struct lvm_vg *vg)
{
	for (size_t i = 0; i < vg->nlv; i++) {
		const struct lvm_lv *lv = &vg->lv[i];
		uint64_t next = 0;

		if (!lv->linear)
			continue;
		/* Linear LVs: segments in order, with no hole. */
		for (size_t s = 0; s < lv->nseg; s++) {
			if (lv->seg[s].le != next || !lv->seg[s].count)
				abort();
			next += lv->seg[s].count;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct disk d = { data, size };
	struct vu_err e = { 0 };
	struct lvm_vg vg;
	struct lvm_pv pv;
	bool found;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (lvm_vg_from_text(text, size, &vg, &e) == 0) {
		check_vg(&vg);
		lvm_vg_free(&vg);
	} else if (!e.code) {
		abort();
	}
	free(text);
	if (lvm_label_read(rd, &d, size, &pv, &found) == 0 && found) {
		for (size_t m = 0; m < pv.nmda; m++) {
			size_t len;

			if (pv.mda_off[m] + pv.mda_size[m] > size)
				abort();
			if (lvm_mda_read(rd, &d, pv.mda_off[m], pv.mda_size[m], &text, &len,
					 &e) == 0 && text) {
				if (lvm_vg_from_text(text, len, &vg, &e) == 0)
					lvm_vg_free(&vg);
				free(text);
			}
		}
	}
	return 0;
}
