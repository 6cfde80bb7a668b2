/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmigrate_stream.c - vm-migrate's stream pieces: a digest that does
 * not depend on how the data was cut but on every byte and extent, and
 * the .info text both ways */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* vm-migrate's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-migrate/vm-migrate.h"

/* The digest of buf's [a, b) and [c, d) (extents of a 1 MiB file), fed in
 * pieces of at most piece bytes. */
static void digest_of(const unsigned char *buf, const uint64_t *ext, size_t next, size_t piece,
		      char hex[65])
{
	struct vmg_digest d;

	assert_int_equal(vmg_digest_init(&d), 0);
	for (size_t i = 0; i < next; i += 2)
		for (uint64_t off = ext[i]; off < ext[i + 1]; off += piece) {
			size_t n = ext[i + 1] - off < piece ? (size_t)(ext[i + 1] - off) : piece;

			assert_int_equal(vmg_digest_update(&d, buf + off, n, off), 0);
		}
	assert_int_equal(vmg_digest_final(&d, 1 << 20, hex), 0);
}

static void test_digest(void **state)
{
	static unsigned char buf[1 << 20];
	const uint64_t two[] = { 0, 4096, 65536, 200000 };
	const uint64_t moved[] = { 0, 4096, 65537, 200001 };
	const uint64_t one[] = { 0, 4096 + 131072 };
	char a[65], b[65], c[65];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	digest_of(buf, two, 4, 65536, a);
	digest_of(buf, two, 4, 1000, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	/* the same bytes at other offsets, or as one extent: another digest */
	memmove(buf + 65537, buf + 65536, 200000 - 65536);
	digest_of(buf, moved, 4, 4096, c);
	assert_string_not_equal(a, c);
	digest_of(buf, one, 2, 4096, c);
	assert_string_not_equal(a, c);
	/* one byte changed */
	buf[100] ^= 1;
	digest_of(buf, two, 4, 65536, c);
	assert_string_not_equal(a, c);
}

static void test_info(void **state)
{
	struct vmg_file f = { .idx = 3, .size = 1234, .backing = 1 }, g;
	struct vu_err e;
	char *text;

	(void)state;
	strcpy(f.format, "qcow2");
	strcpy(f.name, "top.qcow2");
	strcpy(f.target, "vda");
	text = vmg_info_format(&f);
	assert_string_equal(text, "format qcow2\nsize 1234\nname top.qcow2\nbacking 1\ntarget vda\n");
	assert_int_equal(vmg_info_parse(text, strlen(text), 3, &g, &e), 0);
	assert_memory_equal(&f, &g, sizeof(f));
	free(text);
}

static void test_info_refused(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "format vmdk\nsize 1\nname a\n", "format is neither" },
		{ "format raw\nsize -1\nname a\n", "bad size" },
		{ "format raw\nsize 99999999999999999999\nname a\n", "bad size" },
		{ "format raw\nsize 1\nname ../a\n", "bad volume name" },
		{ "format raw\nsize 1\nname a\nname b\n", "unknown or repeated" },
		{ "format raw\nsize 1\n", "lacks" },
		{ "format qcow2\nsize 1\nname a\nbacking 2\n", "not an earlier file" },
		{ "format raw\nsize 1\nname a\nbacking 0\n", "only a qcow2" },
		{ "format raw\nsize 1\nname a", "not lines of text" },
		{ "format raw\nsize 1\nname a\ncolour red\n", "unknown or repeated" },
		{ "", "not lines of text" },
	};
	struct vmg_file f;
	struct vu_err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vmg_info_parse(bad[i].text, strlen(bad[i].text), 2, &f, &e),
				 -EINVAL);
		if (!strstr(vu_err_str(&e), bad[i].why))
			fail_msg("'%s': %s", bad[i].text, vu_err_str(&e));
	}
	/* a NUL inside */
	assert_int_equal(vmg_info_parse("format raw\0\nsize 1\nname a\n", 26, 2, &f, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_info_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
