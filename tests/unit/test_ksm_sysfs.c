/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ksm_sysfs.c - KSM knobs: ranges, reading, and writes that change all or nothing */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

/* ksm-tune's modules, linked from its archive (see the Makefile). */
#include "../../tools/ksm-tune/ksm.h"
#include "testutil.h"

static char dir[64];

static const char *get(const char *name)
{
	static char buf[64];

	assert_int_equal(ksm_sysfs_read(dir, name, buf, sizeof(buf)), 0);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	if (tu_scratch(dir, sizeof(dir), "test_ksm_sysfs") < 0)
		return -1;
	tu_put(dir, "run", "1\n");
	tu_put(dir, "pages_to_scan", "100\n");
	tu_put(dir, "sleep_millisecs", "20\n");
	tu_put(dir, "merge_across_nodes", "1\n");
	tu_put(dir, "advisor_mode", "[none] scan-time\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tu_scratch_done(dir);
}

static void test_knobs(void **state)
{
	const struct ksm_knob *run = ksm_knob_find("run");
	const struct ksm_knob *mps = ksm_knob_find("max_page_sharing");
	const struct ksm_knob *pts = ksm_knob_find("pages_to_scan");
	const struct ksm_knob *mode = ksm_knob_find("advisor_mode");

	(void)state;
	assert_non_null(run);
	assert_null(ksm_knob_find("pages_shared"));
	assert_null(ksm_knob_find("frobs"));
	assert_true(ksm_knob_readonly("pages_shared"));
	assert_true(ksm_knob_readonly("full_scans"));
	assert_false(ksm_knob_readonly("run"));
	assert_int_equal(ksm_knob_check(run, "0"), 0);
	assert_int_equal(ksm_knob_check(run, "2"), 0);
	assert_int_equal(ksm_knob_check(run, "3"), -ERANGE);
	assert_int_equal(ksm_knob_check(run, "-1"), -ERANGE);
	assert_int_equal(ksm_knob_check(run, ""), -EINVAL);
	assert_int_equal(ksm_knob_check(run, "1x"), -EINVAL);
	assert_int_equal(ksm_knob_check(run, "+1"), -EINVAL);
	assert_int_equal(ksm_knob_check(run, " 1"), -EINVAL);
	assert_int_equal(ksm_knob_check(mps, "1"), -ERANGE);
	assert_int_equal(ksm_knob_check(mps, "2"), 0);
	assert_int_equal(ksm_knob_check(pts, "4294967295"), 0);
	assert_int_equal(ksm_knob_check(pts, "4294967296"), -ERANGE);
	assert_int_equal(ksm_knob_check(pts, "99999999999999999999"), -ERANGE);
	assert_int_equal(ksm_knob_check(mode, "scan-time"), 0);
	assert_int_equal(ksm_knob_check(mode, "1"), -EINVAL);
	assert_int_equal(ksm_knob_check(NULL, "1"), -EINVAL);
}

static void test_read(void **state)
{
	char **names = NULL;
	int64_t v;
	char path[128];

	(void)state;
	assert_string_equal(get("advisor_mode"), "[none] scan-time");
	assert_int_equal(ksm_sysfs_read_int(dir, "pages_to_scan", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(ksm_sysfs_read_int(dir, "advisor_mode", &v), -EINVAL);
	assert_int_equal(ksm_sysfs_read_int(dir, "nope", &v), -ENOENT);
	snprintf(path, sizeof(path), "%s/subdir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	tu_put(dir, ".hidden", "1\n");
	assert_int_equal(ksm_sysfs_list(dir, &names), 0);
	assert_string_equal(names[0], "advisor_mode");
	assert_string_equal(names[1], "merge_across_nodes");
	assert_string_equal(names[2], "pages_to_scan");
	assert_string_equal(names[3], "run");
	assert_string_equal(names[4], "sleep_millisecs");
	assert_null(names[5]);
	ksm_sysfs_list_free(&names);
	assert_null(names);
	assert_int_equal(ksm_sysfs_list("/nonexistent", &names), -ENOENT);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	unlink(path);
}

static void test_apply(void **state)
{
	struct ksm_write w[4] = {
		{ .name = "run", .value = "2" },
		{ .name = "merge_across_nodes", .value = "0" },
		{ .name = "pages_to_scan", .value = "100" },
		{ .name = "run", .value = "1" },
	};
	size_t failed = 99;
	bool writing;

	(void)state;
	assert_int_equal(ksm_sysfs_apply(dir, w, 4, true, &failed, &writing), 0);
	assert_string_equal(get("run"), "1");		/* dry run */
	assert_string_equal(w[0].old, "1");
	assert_true(w[0].changed);
	assert_false(w[2].changed);
	/* The second write of run starts from what the first wrote. */
	assert_string_equal(w[3].old, "2");
	assert_true(w[3].changed);
	assert_int_equal(ksm_sysfs_apply(dir, w, 4, false, &failed, &writing), 0);
	assert_string_equal(get("run"), "1");
	assert_string_equal(get("merge_across_nodes"), "0");
	assert_int_equal(failed, 99);
}

static void test_apply_choice(void **state)
{
	struct ksm_write w = { .name = "advisor_mode", .value = "none" };
	size_t failed;
	bool writing;

	(void)state;
	assert_int_equal(ksm_sysfs_apply(dir, &w, 1, false, &failed, &writing), 0);
	assert_string_equal(w.old, "none");
	assert_false(w.changed);
	assert_string_equal(get("advisor_mode"), "[none] scan-time");
}

static void test_apply_rolls_back(void **state)
{
	struct ksm_write w[3] = {
		{ .name = "pages_to_scan", .value = "400" },
		{ .name = "sleep_millisecs", .value = "10" },
		{ .name = "run", .value = "0" },
	};
	char path[128];
	size_t failed = 99;
	bool writing = true;

	(void)state;
	/* A directory cannot even be read: nothing is written. */
	snprintf(path, sizeof(path), "%s/run", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(ksm_sysfs_apply(dir, w, 3, false, &failed, &writing), -EISDIR);
	assert_int_equal(failed, 2);
	assert_false(writing);
	assert_string_equal(get("pages_to_scan"), "100");
	assert_int_equal(rmdir(path), 0);
	tu_put(dir, "run", "1\n");

	/* /dev/full reads and refuses every write, even root's: the write
	 * before it is put back. */
	snprintf(path, sizeof(path), "%s/sleep_millisecs", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/dev/full", path), 0);
	assert_int_equal(ksm_sysfs_apply(dir, w, 3, false, &failed, &writing), -ENOSPC);
	assert_int_equal(failed, 1);
	assert_true(writing);
	assert_string_equal(get("pages_to_scan"), "100");
	assert_string_equal(get("run"), "1");
	assert_int_equal(unlink(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knobs),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_rolls_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
