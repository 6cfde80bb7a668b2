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

static void test_last_line(void **state)
{
	char a[] = "mke2fs 1.47\nmkfs.ext4: Device size reported to be zero.\n\n";
	char b[] = "dnsmasq: failed to bind DHCP server socket: Address in use\r\n";
	char c[] = "  \n";
	char out[16], wide[128];

	(void)state;
	vu_last_line(a, sizeof(a) - 1, NULL, wide, sizeof(wide));
	assert_string_equal(wide, "mkfs.ext4: Device size reported to be zero.");
	/* the prefix goes before the cut: the cut keeps the line's start */
	vu_last_line(b, sizeof(b) - 1, "dnsmasq: ", out, sizeof(out));
	assert_string_equal(out, "failed to bind ");
	vu_last_line(c, sizeof(c) - 1, NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_in),
		cmocka_unit_test(test_word_index),
		cmocka_unit_test(test_alnum_or),
		cmocka_unit_test(test_last_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
