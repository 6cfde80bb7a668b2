/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_caps.c - keeping declared capabilities; each drop runs in a forked
 * child so the test process keeps its own */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/caps.h"

/* Child exit codes: 0 ok, 1 the call failed, 10+cap: cap is wrong. */
#define BAD_CAP 10

static bool in_list(cap_value_t c, const cap_value_t *keep, int n)
{
	for (int i = 0; i < n; i++)
		if (keep[i] == c)
			return true;
	return false;
}

static bool flag(cap_t caps, cap_value_t c, cap_flag_t which)
{
	cap_flag_value_t v = CAP_CLEAR;

	cap_get_flag(caps, c, which, &v);
	return v == CAP_SET;
}

/* After vu_caps_keep: effective and permitted hold exactly want[0..n), the
 * inheritable set is empty, and the bounding set is want (if bounding). */
static int check_sets(const cap_value_t *want, int n, bool bounding)
{
	cap_t caps = cap_get_proc();
	int max = (int)cap_max_bits(), r = 0;

	for (cap_value_t c = 0; r == 0 && c < max; c++) {
		bool w = in_list(c, want, n);

		if (flag(caps, c, CAP_EFFECTIVE) != w || flag(caps, c, CAP_PERMITTED) != w ||
		    flag(caps, c, CAP_INHERITABLE) || (bounding && (cap_get_bound(c) == 1) != w))
			r = BAD_CAP + c;
	}
	cap_free(caps);
	return r;
}

static int run_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void skip_unless_privileged(void)
{
	bool ok = geteuid() == 0 && vu_caps_have(CAP_SETPCAP) && vu_caps_have(CAP_NET_ADMIN);

	for (int i = 0; ok && i < vu_caps_file_n; i++)
		ok = vu_caps_have(vu_caps_file[i]);
	if (!ok) {
		print_message("# skip: needs root with SETPCAP, NET_ADMIN and the file caps\n");
		skip();
	}
}

static int keep_file_set(void)
{
	if (vu_caps_keep(vu_caps_file, vu_caps_file_n) != 0)
		return 1;
	return check_sets(vu_caps_file, vu_caps_file_n, true);
}

static void report(int code)
{
	char name[32];

	if (code >= BAD_CAP)
		fail_msg("child: %s is wrong", vu_caps_name(code - BAD_CAP, name, sizeof(name)));
	assert_int_equal(code, 0);
}

static void test_keep_file_set(void **state)
{
	(void)state;
	skip_unless_privileged();
	report(run_child(keep_file_set));
	/* The test process itself was not touched. */
	assert_int_equal(vu_caps_have(CAP_NET_ADMIN), 1);
	assert_int_equal(cap_get_bound(CAP_NET_ADMIN), 1);
}

/* pool-ctl's two steps: SYS_ADMIN (and SETPCAP) kept until the pool's
 * type is known, then the file set alone, in every set and the bounding
 * set too. */
static int keep_in_two_steps(void)
{
	cap_value_t first[8];
	int n = 0, r;

	for (int i = 0; i < vu_caps_file_n; i++)
		first[n++] = vu_caps_file[i];
	first[n++] = CAP_SYS_ADMIN;
	first[n++] = CAP_SETPCAP;
	if (vu_caps_keep(first, n) != 0)
		return 1;
	if ((r = check_sets(first, n, true)) != 0)
		return r;
	if (vu_caps_keep(vu_caps_file, vu_caps_file_n) != 0)
		return 1;
	return check_sets(vu_caps_file, vu_caps_file_n, true);
}

static void test_keep_in_two_steps(void **state)
{
	(void)state;
	skip_unless_privileged();
	report(run_child(keep_in_two_steps));
}

static int keep_nothing(void)
{
	if (vu_caps_keep(NULL, 0) != 0)
		return 1;
	return check_sets(NULL, 0, true);
}

static void test_keep_nothing(void **state)
{
	(void)state;
	skip_unless_privileged();
	report(run_child(keep_nothing));
}

/* A process that already has no capabilities: nothing to drop, nothing
 * raised, success. */
static int keep_without_caps(void)
{
	cap_t none = cap_init();

	if (cap_set_proc(none) < 0)
		return 2;
	cap_free(none);
	if (vu_caps_keep(vu_caps_file, vu_caps_file_n) != 0)
		return 1;
	return check_sets(NULL, 0, false);
}

static void test_keep_without_caps(void **state)
{
	(void)state;
	report(run_child(keep_without_caps));
}

static void test_keep_invalid(void **state)
{
	const cap_value_t bad[] = { CAP_CHOWN, 4000 };
	const cap_value_t neg[] = { -1 };
	(void)state;
	assert_int_equal(vu_caps_keep(bad, 2), -EINVAL);
	assert_int_equal(vu_caps_keep(neg, 1), -EINVAL);
	assert_int_equal(vu_caps_keep(vu_caps_file, -1), -EINVAL);
	assert_int_equal(vu_caps_keep(NULL, 1), -EINVAL);
	/* Refused before anything was dropped. */
	if (geteuid() == 0)
		assert_int_equal(vu_caps_have(CAP_NET_ADMIN), 1);
}

static void test_names(void **state)
{
	char buf[32];
	(void)state;
	assert_string_equal(vu_caps_name(CAP_NET_ADMIN, buf, sizeof(buf)), "CAP_NET_ADMIN");
	assert_string_equal(vu_caps_name(CAP_DAC_READ_SEARCH, buf, sizeof(buf)),
			    "CAP_DAC_READ_SEARCH");
	assert_string_equal(vu_caps_name(CAP_NET_ADMIN, buf, 6), "CAP_N");
	assert_string_equal(vu_caps_name(63, buf, sizeof(buf)), "63");
	assert_int_equal(vu_caps_file_n, 4);
	assert_true(in_list(CAP_DAC_OVERRIDE, vu_caps_file, vu_caps_file_n));
	assert_true(in_list(CAP_DAC_READ_SEARCH, vu_caps_file, vu_caps_file_n));
	assert_true(in_list(CAP_FOWNER, vu_caps_file, vu_caps_file_n));
	assert_true(in_list(CAP_CHOWN, vu_caps_file, vu_caps_file_n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_file_set),
		cmocka_unit_test(test_keep_in_two_steps),
		cmocka_unit_test(test_keep_nothing),
		cmocka_unit_test(test_keep_without_caps),
		cmocka_unit_test(test_keep_invalid),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
