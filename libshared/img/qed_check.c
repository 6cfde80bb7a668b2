/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qed_check.c - qemu's qed check: every table and cluster named once,
 * inside the file; clusters nothing names are leaks (allocations a crash
 * cut short). Repairs drop bad entries (their clusters then read as the
 * backing file); leaks stay, as with qemu, which cannot free them. A
 * repaired or clean image loses its need-check flag.
 */
#include <errno.h>
#include <stdlib.h>

#include "qed.h"

struct walk {
	struct vu_image *img;
	struct vu_check_result *res;
	bool fix;
	uint64_t nclusters;
	uint8_t *used;		/* a bit per cluster of the file */
};

/* Marks n clusters from off used; false when one already was. */
static bool use(struct walk *w, uint64_t off, uint64_t n)
{
	const struct qed *q = w->img->priv;
	uint64_t c = off / q->cluster_size;
	bool ok = true;

	for (; n--; c++) {
		if (w->used[c / 8] & (1u << (c % 8))) {
			w->res->corruptions++;
			ok = false;
		}
		w->used[c / 8] |= (uint8_t)(1u << (c % 8));
	}
	return ok;
}

/* A bad entry: dropped when repairing, else counted. */
static void bad_entry(struct walk *w, uint64_t *entry)
{
	if (w->fix) {
		*entry = 0;
		w->res->corruptions_fixed++;
	} else {
		w->res->corruptions++;
	}
}

static unsigned check_l2(struct walk *w, uint64_t *l2)
{
	const struct qed *q = w->img->priv;
	uint64_t last = 0;
	unsigned invalid = 0;

	for (uint32_t i = 0; i < q->nelems; i++) {
		uint64_t off = l2[i];

		if (off <= QED_ZERO)
			continue;
		w->res->allocated_clusters++;
		if (last && last + q->cluster_size != off)
			w->res->fragmented_clusters++;
		last = off;
		if (!qed_cluster_ok(q, off)) {
			bad_entry(w, &l2[i]);
			invalid++;
			continue;
		}
		use(w, off, 1);
	}
	return invalid;
}

static int check_l1(struct walk *w)
{
	struct qed *q = w->img->priv;
	unsigned l1_invalid = 0;
	int last_error = 0, r;

	for (uint32_t i = 0; i < q->nelems; i++) {
		uint64_t off = q->l1[i];

		if (!off)
			continue;
		if (!qed_table_ok(q, off)) {
			bad_entry(w, &q->l1[i]);
			l1_invalid++;
			continue;
		}
		if (!use(w, off, q->table_size))
			continue;	/* a table shared: not read twice */
		if ((r = qed_load_l2(w->img, off)) < 0) {
			w->res->check_errors++;
			last_error = r;
			continue;
		}
		if (check_l2(w, q->l2) && w->fix &&
		    (r = qed_write_entries(w->img, q->l2, off, 0, q->nelems)) < 0) {
			w->res->check_errors++;
			last_error = r;
		}
	}
	if (l1_invalid && w->fix && (r = qed_write_entries(w->img, q->l1, q->l1_off, 0, q->nelems)) < 0) {
		w->res->check_errors++;
		last_error = r;
	}
	return last_error;
}

int qed_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	struct qed *q = img->priv;
	struct walk w = { .img = img, .res = res, .fix = fix != 0 };
	int r;

	w.nclusters = q->file_size / q->cluster_size;
	if (!(w.used = calloc(1, w.nclusters / 8 + 1)))
		return -ENOMEM;
	res->total_clusters = (int64_t)((img->size + q->cluster_size - 1) / q->cluster_size);
	q->l2_off = 0;		/* the cache may hold a table a repair rewrites */
	use(&w, q->l1_off, q->table_size);
	r = check_l1(&w);
	/* Leaks only when everything was read. */
	for (uint64_t c = q->header_size; r == 0 && c < w.nclusters; c++)
		if (!(w.used[c / 8] & (1u << (c % 8))))
			res->leaks++;
	free(w.used);
	q->l2_off = 0;
	if (fix && !res->corruptions && !res->check_errors && (q->features & QED_F_NEED_CHECK) &&
	    (r = qed_sync(img)) == 0) {
		q->features &= ~(uint64_t)QED_F_NEED_CHECK;
		r = qed_write_header(img);
	}
	return r;
}
