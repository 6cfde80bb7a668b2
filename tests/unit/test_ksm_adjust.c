/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ksm_adjust.c - ksm-tune's decision: threshold, sleep, stop rule, boost/decay, clamping */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vu/base.h"

/* ksm-tune's modules, linked from its archive (see the Makefile). */
#include "../../tools/ksm-tune/ksm.h"

static struct ksm_conf defaults(void)
{
	struct ksm_conf c = {
		.monitor_interval = 60, .sleep_msec = 10, .npages_boost = 300,
		.npages_decay = -50, .npages_min = 64, .npages_max = 1250,
		.thres_coef = 20, .thres_const = 2048,
	};
	return c;
}

static void test_threshold(void **state)
{
	struct ksm_conf c = defaults();

	(void)state;
	assert_int_equal(ksm_threshold(&c, 16777216), 3355443);	/* truncated */
	assert_int_equal(ksm_threshold(&c, 10240), 2048);	/* 2048 exactly */
	assert_int_equal(ksm_threshold(&c, 10245), 2049);
	assert_int_equal(ksm_threshold(&c, 8192), 2048);	/* floor */
	c.thres_coef = 0;
	assert_int_equal(ksm_threshold(&c, 16777216), 2048);
	c.thres_const = 0;
	assert_int_equal(ksm_threshold(&c, 16777216), 0);
}

static void test_sleep(void **state)
{
	struct ksm_conf c = defaults();

	(void)state;
	assert_int_equal(ksm_sleep_ms(&c, 16777216), 10);
	assert_int_equal(ksm_sleep_ms(&c, 8388608), 20);
	assert_int_equal(ksm_sleep_ms(&c, 524288), 320);
	assert_int_equal(ksm_sleep_ms(&c, 8192), 20480);
	assert_int_equal(ksm_sleep_ms(&c, 2147483648LL), 10);	/* 0, raised */
	assert_int_equal(ksm_sleep_ms(&c, 16777215), 10);	/* 10.000001 */
	assert_int_equal(ksm_sleep_ms(&c, 15000000), 11);
	c.sleep_msec = 0;
	assert_int_equal(ksm_sleep_ms(&c, 8192), 10);
	c.sleep_msec = UINT32_MAX;	/* the largest the configuration takes */
	assert_int_equal(ksm_sleep_ms(&c, 1), (int64_t)UINT32_MAX * 16 * 1024 * 1024);
}

struct adjust_case {
	int64_t total, free, committed, npages;
	enum ksm_action action;
	enum ksm_step step;
	int64_t want_npages;
};

static void test_adjust_table(void **state)
{
	static const struct adjust_case cases[] = {
		/* idle: stop, the count untouched */
		{ 16777216, 15000000, 0, 500, KSM_STOP, KSM_STEP_NONE, 500 },
		/* committed + thres == total: not below, so start */
		{ 16777216, 10000000, 13421773, 100, KSM_START, KSM_STEP_DECAY, 64 },
		{ 16777216, 10000000, 13421772, 100, KSM_STOP, KSM_STEP_NONE, 100 },
		/* free == thres: not above (start), not below (decay) */
		{ 16777216, 3355443, 0, 1000, KSM_START, KSM_STEP_DECAY, 950 },
		{ 16777216, 3355444, 0, 1000, KSM_STOP, KSM_STEP_NONE, 1000 },
		{ 16777216, 3355442, 0, 1000, KSM_START, KSM_STEP_BOOST, 1250 },
		/* clamping */
		{ 16777216, 100, 0, 0, KSM_START, KSM_STEP_BOOST, 300 },
		{ 16777216, 100, 0, 10, KSM_START, KSM_STEP_BOOST, 310 },
		{ 16777216, 100, 0, 5000, KSM_START, KSM_STEP_BOOST, 1250 },
		{ 16777216, 9000000, 16000000, 0, KSM_START, KSM_STEP_DECAY, 64 },
		{ 16777216, 9000000, 16000000, 115, KSM_START, KSM_STEP_DECAY, 65 },
		{ 16777216, 9000000, 16000000, 5000, KSM_START, KSM_STEP_DECAY, 1250 },
		/* tiny host: thres is KSM_THRES_CONST */
		{ 8192, 1500, 0, 100, KSM_START, KSM_STEP_BOOST, 400 },
		{ 8192, 3000, 1000, 100, KSM_STOP, KSM_STEP_NONE, 100 },
	};
	struct ksm_conf c = defaults();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct adjust_case *t = &cases[i];
		struct ksm_input in = { t->total, t->free, t->committed, t->npages };
		struct ksm_decision d;

		ksm_adjust(&c, &in, &d);
		if (d.action != t->action || d.step != t->step || d.npages != t->want_npages)
			fail_msg("case %zu: action %d step %d npages %lld", i, d.action, d.step,
				 (long long)d.npages);
		assert_int_equal(d.thres_kb, ksm_threshold(&c, t->total));
		assert_int_equal(d.sleep_ms, ksm_sleep_ms(&c, t->total));
	}
}

static void test_min_above_max(void **state)
{
	struct ksm_conf c = defaults();
	struct ksm_input in = { 16777216, 100, 0, 1500 };
	struct ksm_decision d;

	(void)state;
	/* ksmtuned tests the lower bound first, so MIN wins below it. */
	c.npages_min = 2000;
	c.npages_max = 1000;
	ksm_adjust(&c, &in, &d);
	assert_int_equal(d.npages, 2000);	/* 1800 < MIN */
	in.npages = 1800;
	ksm_adjust(&c, &in, &d);
	assert_int_equal(d.npages, 1000);	/* 2100: not below MIN, above MAX */
}

static void test_custom_steps(void **state)
{
	struct ksm_conf c = defaults();
	struct ksm_input in = { 8388608, 700000, 2000000, 100 };
	struct ksm_decision d;

	(void)state;
	c.npages_boost = 500;
	c.npages_decay = -100;
	c.npages_min = 32;
	c.npages_max = 2000;
	c.thres_coef = 10;
	c.thres_const = 4096;
	c.sleep_msec = 20;
	ksm_adjust(&c, &in, &d);
	assert_int_equal(d.thres_kb, 838860);
	assert_int_equal(d.npages, 600);
	assert_int_equal(d.sleep_ms, 40);
	/* A positive decay is added too, as ksmtuned adds it. */
	c.npages_decay = 50;
	in.free_kb = 900000;
	in.committed_kb = 8000000;
	ksm_adjust(&c, &in, &d);
	assert_int_equal(d.step, KSM_STEP_DECAY);
	assert_int_equal(d.npages, 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_adjust_table),
		cmocka_unit_test(test_min_above_max),
		cmocka_unit_test(test_custom_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
