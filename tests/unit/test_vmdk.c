/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmdk.c - the vmdk descriptor parser and writer, white-box */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../libshared/img/vmdk.h"

#define HEAD "# Disk DescriptorFile\nversion=1\nCID=1a2b3c4d\nparentCID=ffffffff\n" \
	     "createType=\"twoGbMaxExtentFlat\"\n"

static void free_exts(struct vmdk *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->ext[i].name);
	free(v->ext);
	memset(v, 0, sizeof(*v));
}

static int parse(struct vmdk *v, const char *text, char **backing)
{
	struct vu_err e = { 0 };

	memset(v, 0, sizeof(*v));
	return vmdk_desc_parse(v, text, true, backing, &e);
}

static void test_parse_extents(void **state)
{
	struct vmdk v;
	char *b = NULL;

	(void)state;
	assert_int_equal(parse(&v, HEAD "RW 4194304 FLAT \"a-f001.vmdk\" 0\n"
			       "RDONLY 2048 SPARSE \"a-s002.vmdk\"\nNOACCESS 8 ZERO\n"
			       "parentFileNameHint=\"base.vmdk\"\n", &b), 0);
	assert_int_equal(v.cid, 0x1a2b3c4d);
	assert_int_equal(v.parent_cid, UINT32_MAX);
	assert_string_equal(v.create_type, "twoGbMaxExtentFlat");
	assert_string_equal(b, "base.vmdk");
	assert_int_equal(v.n, 3);
	assert_int_equal(v.ext[0].type, VMDK_EXT_FLAT);
	assert_int_equal(v.ext[0].len, 4194304ull * 512);
	assert_string_equal(v.ext[1].name, "a-s002.vmdk");
	assert_int_equal(v.ext[2].type, VMDK_EXT_ZERO);
	free(b);
	free_exts(&v);
}

/* Found by fuzz_vmdk: a line ending where the quoted name should start
 * made the parser look past the string's end. */
static void test_parse_name_missing(void **state)
{
	struct vmdk v;
	char *b = NULL;
	char *text = strdup(HEAD "RW 2048 FLAT ");

	(void)state;
	assert_int_equal(parse(&v, text, &b), -EINVAL);
	free_exts(&v);
	free(text);
}

static void test_parse_refuses(void **state)
{
	static const char *const bad[] = {
		HEAD "RW 0 FLAT \"x\" 0\n",
		HEAD "RW 18014398509481984 FLAT \"x\" 0\n",
		HEAD "RW 8 FLAT \"x\" 18014398509481985\n",
		HEAD "XX 8 FLAT \"x\" 0\n" "RW 8 VMFSSPARSE \"x\"\n",
		HEAD "RW 8 FLAT x 0\n",
		HEAD,
		"# Disk DescriptorFile\nCID=1\nRW 8 FLAT \"x\" 0\n",
		"CID=xyz\ncreateType=\"monolithicFlat\"\nRW 8 FLAT \"x\" 0\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct vmdk v;
		char *b = NULL;

		assert_true(parse(&v, bad[i], &b) < 0);
		assert_null(b);
		free_exts(&v);
	}
}

static void test_extent_names(void **state)
{
	(void)state;
	assert_true(vmdk_extent_name_ok("disk-flat.vmdk"));
	assert_true(vmdk_extent_name_ok("..disk"));
	assert_false(vmdk_extent_name_ok("/etc/passwd"));
	assert_false(vmdk_extent_name_ok("../x"));
	assert_false(vmdk_extent_name_ok("sub/x"));
	assert_false(vmdk_extent_name_ok(".."));
	assert_false(vmdk_extent_name_ok("."));
	assert_false(vmdk_extent_name_ok(""));
	assert_false(vmdk_extent_name_ok("a\tb"));
	assert_false(vmdk_extent_name_ok("\x1b[2Jx"));
}

static void test_format_and_set_cid(void **state)
{
	struct vmdk_desc_opts o = {
		.cid = 0xbdc60a4, .parent_cid = 0x31a1e469, .create_type = "monolithicSparse",
		.parent_hint = "base.vmdk", .adapter = "lsilogic", .hwversion = "6",
		.size = 100 << 20,
	};
	char *d = vmdk_desc_format(&o, "RW 204800 SPARSE \"x.vmdk\"\n"), *d2;

	(void)state;
	assert_non_null(d);
	assert_non_null(strstr(d, "CID=bdc60a4\nparentCID=31a1e469\n"
			       "createType=\"monolithicSparse\"\n"
			       "parentFileNameHint=\"base.vmdk\"\n# Extent description\n"));
	assert_non_null(strstr(d, "ddb.geometry.cylinders = \"12\"\n"
			       "ddb.geometry.heads = \"255\"\n"));
	assert_non_null(strstr(d, "ddb.virtualHWVersion = \"6\"\n"));
	d2 = vmdk_desc_set_cid(d, 0x12);
	assert_non_null(strstr(d2, "\nCID=12\nparentCID=31a1e469\n"));
	assert_int_equal(strlen(d2), strlen(d) - 5);
	free(d);
	free(d2);
}

static void test_header_round_trip(void **state)
{
	struct vmdk_header h, back;

	(void)state;
	memset(&h, 0, sizeof(h));
	memset(&back, 0, sizeof(back));
	h = (struct vmdk_header){
		.version = 3, .flags = 0x30003, .capacity = 131072, .grain = 128, .desc_off = 1,
		.desc_size = 20, .gtes = 512, .rgd_off = 21, .gd_off = 30, .overhead = 128,
		.compress = 1,
	};
	uint8_t b[512];

	vmdk_format_header(&h, b);
	assert_memory_equal(b, "KDMV", 4);
	vmdk_parse_header(b, &back);
	assert_int_equal(back.version, 3);
	assert_int_equal(back.flags, 0x30003);
	assert_int_equal(back.capacity, 131072);
	assert_int_equal(back.grain, 128);
	assert_int_equal(back.desc_off, 1);
	assert_int_equal(back.desc_size, 20);
	assert_int_equal(back.gtes, 512);
	assert_int_equal(back.rgd_off, 21);
	assert_int_equal(back.gd_off, 30);
	assert_int_equal(back.overhead, 128);
	assert_int_equal(back.compress, 1);
	assert_memory_equal(b + 73, "\n \r\n", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_extents),
		cmocka_unit_test(test_parse_name_missing),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_extent_names),
		cmocka_unit_test(test_format_and_set_cid),
		cmocka_unit_test(test_header_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
