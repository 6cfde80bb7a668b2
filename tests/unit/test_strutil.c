/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_strutil.c - vu_word_in, the one "is it one of these words" of the
 * models (xml/), vm-create's option checks and ksm-tune's knobs */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vu/strutil.h"

static void test_word_in(void **state)
{
	static const char *const words[] = { "rw", "ro", "sh", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	assert_true(vu_word_in("rw", words));
	assert_true(vu_word_in("sh", words));
	/* exact and case-sensitive: no prefixes, no "RO" */
	assert_false(vu_word_in("r", words));
	assert_false(vu_word_in("rwx", words));
	assert_false(vu_word_in("RO", words));
	assert_false(vu_word_in("", words));
	/* an absent value is none of them; an empty list holds nothing */
	assert_false(vu_word_in(NULL, words));
	assert_false(vu_word_in("rw", none));
}

static void test_word_index(void **state)
{
	/* an enum's table: indexed, a slot may be empty */
	static const char *const names[] = { [0] = "off", [2] = "falloc", [3] = "full" };

	(void)state;
	assert_int_equal(vu_word_index("off", names, 4), 0);
	assert_int_equal(vu_word_index("full", names, 4), 3);
	assert_int_equal(vu_word_index("metadata", names, 4), -EINVAL);
	assert_int_equal(vu_word_index("full", names, 3), -EINVAL);	/* only n looked at */
	assert_int_equal(vu_word_index(NULL, names, 4), -EINVAL);
}

static void test_alnum_or(void **state)
{
	(void)state;
	assert_true(vu_str_alnum_or("en-us", "-_."));
	assert_true(vu_str_alnum_or("fe80::1", ".-:_"));
	assert_true(vu_str_alnum_or("", "._-"));	/* emptiness is the caller's */
	assert_false(vu_str_alnum_or("a b", "._-"));
	assert_false(vu_str_alnum_or("a/b", "._-"));
	assert_true(vu_str_alnum_or("a/b", "/"));
	/* bytes past ASCII are not letters (the C locale) */
	assert_false(vu_str_alnum_or("caf\xc3\xa9", "._-"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_in),
		cmocka_unit_test(test_word_index),
		cmocka_unit_test(test_alnum_or),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
