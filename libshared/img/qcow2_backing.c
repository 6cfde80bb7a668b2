/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_backing.c - qcow2's backing file names rewritten in place, and the image emptied */
#include <errno.h>
#include <string.h>

#include "qcow2_wr.h"

/* qemu keeps the backing format in 16 bytes: a longer one would not open there. */
#define QEMU_BACKING_FMT_MAX 15

/*
 * The names live in the header cluster (the backing format as an
 * extension, the file name after the extensions), so the whole cluster is
 * rebuilt by the writer's header builder, which keeps every other
 * extension as it was, and written at once, as qemu does. Whatever the
 * writer still holds is in the file before: the data a safe rebase copied
 * must be there before the header stops naming the old backing file.
 */
int qcow2_set_backing(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	int r;

	if (!q->wr)
		return vu_err_set(e, EROFS, "image not open for writing");
	if (img->backing_file && strlen(img->backing_file) > QCOW2_MAX_BACKING_NAME)
		return vu_err_set(e, EINVAL, "Backing file name too long");
	if (img->backing_fmt && strlen(img->backing_fmt) > QEMU_BACKING_FMT_MAX)
		return vu_err_set(e, EINVAL, "Backing file format name too long");
	if (q->wr->began && (r = qcow2_meta_flush(img, true)) < 0)
		return vu_err_set(e, -r, "cannot write metadata: %s", strerror(-r));
	return qcow2_header_rewrite(img, e);
}

/*
 * Every L2 table goes with what it points at, as qemu empties an image
 * after a commit: the L1 entries are cleared in the file before anything
 * they reached is freed (the writer's order), so dying half-way leaves a
 * mix of emptied and untouched tables that reads as the backing file
 * where emptied, and at worst leaked clusters. Refcount blocks left
 * counting nothing go too, and the file is cut after the last cluster in
 * use.
 */
int qcow2_make_empty(struct vu_image *img, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	int r = 0;

	if (!q->wr)
		return vu_err_set(e, EROFS, "image not open for writing");
	if ((r = qcow2_begin_write(img)) < 0)
		return vu_err_set(e, -r, "%s", q->errmsg[0] ? q->errmsg : strerror(-r));
	qcow2_bitmaps_mark(img, 0, img->size);
	for (uint64_t t = 0; r == 0 && t < q->l1_size; t++) {
		r = qcow2_l2_drop(img, t, t << q->l2_bits);
		/* Pending frees are kept in memory: apply them now and then. */
		if (r == 0 && q->wr->nfrees >= QCOW2_FREES_MAX)
			r = qcow2_meta_flush(img, true);
	}
	if (r == 0 && (r = qcow2_meta_flush(img, true)) == 0 && (r = qcow2_rc_shrink(img)) == 0 &&
	    (r = qcow2_meta_flush(img, true)) == 0)
		r = qcow2_trim_file(img);
	if (r < 0)
		return vu_err_set(e, -r, "cannot empty the image: %s",
				  q->errmsg[0] ? q->errmsg : strerror(-r));
	return 0;
}
