/* SPDX-License-Identifier: GPL-2.0-or-later */
/* adjust.c - ksmtuned's tuning decision as a pure function */
#include "ksm.h"

/*
 * The arithmetic is ksmtuned's: 64-bit integers, division truncating, and
 * the comparisons exactly as its script makes them, because a host moved
 * from ksmtuned to ksm-tune must see the same pages_to_scan and run values.
 */

int64_t ksm_threshold(const struct ksm_conf *c, int64_t total_kb)
{
	int64_t thres = total_kb * c->thres_coef / 100;

	return c->thres_const > thres ? c->thres_const : thres;
}

int64_t ksm_sleep_ms(const struct ksm_conf *c, int64_t total_kb)
{
	int64_t ms = c->sleep_msec * 16 * 1024 * 1024 / total_kb;

	return ms <= 10 ? 10 : ms;
}

/* Adds delta and clamps, testing the lower bound first as ksmtuned does
 * (so with MIN > MAX every result is MIN or MAX, never in between). */
static int64_t step_npages(const struct ksm_conf *c, int64_t npages, int64_t delta)
{
	npages += delta;
	if (npages < c->npages_min)
		return c->npages_min;
	if (npages > c->npages_max)
		return c->npages_max;
	return npages;
}

void ksm_adjust(const struct ksm_conf *c, const struct ksm_input *in,
		struct ksm_decision *d)
{
	d->thres_kb = ksm_threshold(c, in->total_kb);
	d->sleep_ms = ksm_sleep_ms(c, in->total_kb);
	d->npages = in->npages;

	/* Guests plus a margin fit in memory and free memory is plentiful. */
	if (in->committed_kb + d->thres_kb < in->total_kb && in->free_kb > d->thres_kb) {
		d->action = KSM_STOP;
		d->step = KSM_STEP_NONE;
		return;
	}
	d->action = KSM_START;
	if (in->free_kb < d->thres_kb) {
		d->step = KSM_STEP_BOOST;
		d->npages = step_npages(c, in->npages, c->npages_boost);
	} else {
		d->step = KSM_STEP_DECAY;
		d->npages = step_npages(c, in->npages, c->npages_decay);
	}
}
