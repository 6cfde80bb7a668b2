/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ident.c - UUID and MAC generation and normalisation */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/err.h"
#include "vu/ident.h"

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid_generate(void **state)
{
	char a[VU_UUID_STRLEN], b[VU_UUID_STRLEN], n[VU_UUID_STRLEN];
	(void)state;
	vu_uuid_generate(a);
	vu_uuid_generate(b);
	assert_int_equal(strlen(a), 36);
	assert_string_not_equal(a, b);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_true(is_lower_hex(a[i]));
	}
	/* Version 4, RFC 4122 variant. */
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
	assert_int_equal(vu_uuid_normalize(a, n), 0);
	assert_string_equal(a, n);
}

static void test_uuid_normalize(void **state)
{
	static const char *canon = "c7a5fdbd-cdaf-9455-926a-d65c16db1809";
	static const char *good[] = {
		"c7a5fdbd-cdaf-9455-926a-d65c16db1809",
		"C7A5FDBD-CDAF-9455-926A-D65C16DB1809",
		"c7a5fdbdcdaf9455926ad65c16db1809",
		"C7a5FdbdCdaf9455926aD65c16db1809",
	};
	static const char *bad[] = {
		"", "c7a5fdbd-cdaf-9455-926a-d65c16db180",
		"c7a5fdbd-cdaf-9455-926a-d65c16db18090",
		"c7a5fdbdc-daf-9455-926a-d65c16db1809",
		"g7a5fdbd-cdaf-9455-926a-d65c16db1809",
		"c7a5fdbdcdaf9455926ad65c16db180g",
		"c7a5fdbd-cdaf94-55926ad65c16db1809",
		"c7a5fdbd cdaf 9455 926a d65c16db1809",
	};
	char out[VU_UUID_STRLEN];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(vu_uuid_normalize(good[i], out), 0);
		assert_string_equal(out, canon);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vu_uuid_normalize(bad[i], out) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(vu_uuid_normalize(NULL, out), -EINVAL);
}

struct taken {
	int calls;
	int refuse;	/* report the first N candidates as used */
	char first[VU_MAC_STRLEN];
};

static bool mac_used(const char *mac, void *opaque)
{
	struct taken *t = opaque;

	if (t->calls++ == 0)
		strcpy(t->first, mac);
	return t->calls <= t->refuse;
}

static void check_qemu_mac(const char *m)
{
	char n[VU_MAC_STRLEN];

	assert_int_equal(strlen(m), 17);
	assert_memory_equal(m, "52:54:00:", 9);
	for (int i = 9; i < 17; i++)
		assert_true(i % 3 == 2 ? m[i] == ':' : is_lower_hex(m[i]));
	assert_int_equal(vu_mac_normalize(m, n), 0);
	assert_string_equal(m, n);
}

static void test_mac_generate(void **state)
{
	char a[VU_MAC_STRLEN], b[VU_MAC_STRLEN];
	struct taken t = { .refuse = 3 };
	struct taken all = { .refuse = 1 << 30 };
	(void)state;
	assert_int_equal(vu_mac_generate(a, NULL, NULL), 0);
	check_qemu_mac(a);
	/* Taken addresses are skipped: the fourth candidate is returned. */
	assert_int_equal(vu_mac_generate(b, mac_used, &t), 0);
	check_qemu_mac(b);
	assert_int_equal(t.calls, 4);
	assert_string_not_equal(b, t.first);
	assert_int_equal(vu_mac_generate(b, mac_used, &all), -EEXIST);
	assert_int_equal(all.calls, 1000);
}

static void test_mac_normalize(void **state)
{
	static const struct {
		const char *in, *want;
	} good[] = {
		{ "52:54:00:AB:cd:0F", "52:54:00:ab:cd:0f" },
		{ "52:54:0:1:2:3", "52:54:00:01:02:03" },
		{ "52:54:00:ab:cd:e", "52:54:00:ab:cd:0e" },
		{ "00:00:00:00:00:00", "00:00:00:00:00:00" },
		{ "fe:ff:ff:ff:ff:ff", "fe:ff:ff:ff:ff:ff" },
	};
	static const char *bad[] = {
		"", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:01", "52-54-00-ab-cd-ef",
		"525400abcdef", "52:54:00:ab:cd:efa", "52:54:00:ab:cd:eg",
		"52:54:00:ab:cd:ef ", " 52:54:00:ab:cd:ef", "52::00:ab:cd:ef",
		"01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "53:54:00:ab:cd:ef",
	};
	char out[VU_MAC_STRLEN];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(vu_mac_normalize(good[i].in, out), 0);
		assert_string_equal(out, good[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vu_mac_normalize(bad[i], out) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

/* One rule for bridge, tap and forward device names, whoever reads them. */
static void test_ifname_check(void **state)
{
	static const char *const good[] = { "virbr0", "br-lan.10", "abcdefghijklmno" };
	static const char *const bad[] = { "", ".", "..", "abcdefghijklmnop", "a b", "a/b",
					   "a:b", "a\tb", "virbr%d", "a\\b", "a\"b" };
	struct vu_err e = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(vu_ifname_check(good[i], NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(vu_ifname_check(bad[i], NULL), -EINVAL);
	assert_int_equal(vu_ifname_check("a/b", &e), -EINVAL);
	assert_string_equal(e.msg, "a/b: not a valid interface name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_generate),
		cmocka_unit_test(test_uuid_normalize),
		cmocka_unit_test(test_mac_generate),
		cmocka_unit_test(test_mac_normalize),
		cmocka_unit_test(test_ifname_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
