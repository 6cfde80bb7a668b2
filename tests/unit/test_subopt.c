/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_subopt.c - virt-install style sub-option parsing */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vu/subopt.h"

static const char *const keys[] = { "path", "size", "bus", "sparse", NULL };

static void test_keys_and_positionals(void **state)
{
	struct vu_subopts s;
	struct vu_err e = { 0 };
	(void)state;

	assert_int_equal(vu_subopt_parse("/a/b,size=8,bus=virtio,size=9", keys, true, &s, &e), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(vu_subopt_get(&s, "size"), "9");	/* the last one wins */
	assert_string_equal(vu_subopt_get(&s, "bus"), "virtio");
	assert_null(vu_subopt_get(&s, "path"));
	assert_int_equal(vu_subopt_npositional(&s), 1);
	assert_string_equal(vu_subopt_positional(&s, 0), "/a/b");
	assert_null(vu_subopt_positional(&s, 1));
	vu_subopt_free(&s);

	assert_int_equal(vu_subopt_parse("cdrom,hd,network", keys, true, &s, &e), 0);
	assert_int_equal(vu_subopt_npositional(&s), 3);
	assert_string_equal(vu_subopt_positional(&s, 2), "network");
	vu_subopt_free(&s);

	assert_int_equal(vu_subopt_parse("size=", keys, false, &s, &e), 0);
	assert_string_equal(vu_subopt_get(&s, "size"), "");
	vu_subopt_free(&s);
}

static void test_errors(void **state)
{
	struct vu_subopts s;
	struct vu_err e = { 0 };
	(void)state;

	assert_int_equal(vu_subopt_parse("foo=1", keys, true, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "unknown option 'foo'");
	assert_null(s.v);
	assert_int_equal(vu_subopt_parse("size=1,,bus=ide", keys, true, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "empty option");
	assert_int_equal(vu_subopt_parse("size=1,", keys, true, &s, &e), -EINVAL);
	assert_int_equal(vu_subopt_parse("", keys, true, &s, &e), -EINVAL);
	assert_int_equal(vu_subopt_parse("sparse", keys, false, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "missing value for option 'sparse'");
	assert_int_equal(vu_subopt_parse("x", keys, false, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "unknown option 'x'");
	/* a key must match whole, not as a prefix */
	assert_int_equal(vu_subopt_parse("siz=1", keys, true, &s, &e), -EINVAL);
	assert_int_equal(vu_subopt_parse("sizes=1", keys, true, &s, &e), -EINVAL);
}

static void test_values(void **state)
{
	bool b = false;
	uint64_t v = 0;
	(void)state;

	assert_int_equal(vu_subopt_bool("YES", &b), 0);
	assert_true(b);
	assert_int_equal(vu_subopt_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(vu_subopt_bool("maybe", &b), -EINVAL);
	assert_int_equal(vu_subopt_uint("42", 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(vu_subopt_uint("101", 100, &v), -ERANGE);
	assert_int_equal(vu_subopt_uint("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(vu_subopt_uint("-1", 100, &v), -EINVAL);
	assert_int_equal(vu_subopt_uint("4k", 100, &v), -EINVAL);
	assert_int_equal(vu_subopt_uint("", 100, &v), -EINVAL);
}

static void test_help(void **state)
{
	char buf[256] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	(void)state;

	assert_true(vu_subopt_is_help("?"));
	assert_true(vu_subopt_is_help("help"));
	assert_false(vu_subopt_is_help("size=1"));
	vu_subopt_help(f, "--disk", keys);
	fclose(f);
	assert_string_equal(buf, "--disk options:\n  path\n  size\n  bus\n  sparse\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_and_positionals),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
