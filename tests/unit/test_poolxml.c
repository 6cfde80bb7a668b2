/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_poolxml.c - pool and volume XML: checks, accessors, what is built,
 * and that what is built validates against libvirt's schemas */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/poolxml.h"
#include "vu/volxml.h"
#include "vu/xml.h"

#define SCHEMAS "/usr/share/libvirt/schemas"
/* What a name read from a document is refused with: the command line's rule. */
#define NAME_RULE "': letters, digits and _.+:- only, not first . or -, 1 to 255 bytes"
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A300 A64 A64 A64 A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static struct vu_poolxml *parse(const char *s)
{
	struct vu_err e = { 0 };
	struct vu_poolxml *doc;

	assert_int_equal(vu_poolxml_parse(&doc, s, strlen(s), &e), 0);
	return doc;
}

/* Validates when libvirt's schemas are here; says so when not. */
static void validate(xmlDocPtr doc, const char *rng)
{
	char path[256];
	struct vu_err e = { 0 };

	snprintf(path, sizeof(path), "%s/%s", SCHEMAS, rng);
	if (access(path, R_OK) != 0) {
		print_message("# %s not installed: not validated\n", path);
		return;
	}
	if (vu_xml_validate(doc, path, &e) < 0)
		fail_msg("%s: %s", rng, vu_err_str(&e));
}

static int read_pool(const char *xml, struct vu_pool_def *px, struct vu_err *e)
{
	struct vu_poolxml *doc = parse(xml);
	int r = vu_poolxml_read(doc, px, e);

	vu_poolxml_free(&doc);
	return r;
}

static void test_types(void **state)
{
	(void)state;
	assert_string_equal(vu_pool_type_name(VU_POOL_DIR), "dir");
	assert_string_equal(vu_pool_type_name(VU_POOL_ISCSI_DIRECT), "iscsi-direct");
	assert_null(vu_pool_type_name(VU_POOL_TYPE_COUNT));
	assert_int_equal(vu_pool_type_parse("disk"), VU_POOL_DISK);
	assert_int_equal(vu_pool_type_parse("vstorage"), VU_POOL_VSTORAGE);
	assert_int_equal(vu_pool_type_parse("lvm"), -EINVAL);
}

static void test_read_dir(void **state)
{
	struct vu_pool_def px;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(read_pool("<pool type='dir'><name>p1</name>"
				   "<uuid>5DA0FC1A566341 4294ED7AB3A46A90B2</uuid>"
				   "<target><path>/srv/p1//</path></target></pool>", &px, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "invalid UUID '5DA0FC1A566341 4294ED7AB3A46A90B2'");
	assert_int_equal(read_pool("<pool type='dir'><name>p1</name>"
				   "<uuid>5DA0FC1A-5663-4142-94ED-7AB3A46A90B2</uuid>"
				   "<target><path>/srv/p1//</path><permissions><mode>0750</mode>"
				   "<owner>107</owner></permissions></target></pool>", &px, &e), 0);
	assert_int_equal(px.type, VU_POOL_DIR);
	assert_string_equal(px.name, "p1");
	assert_string_equal(px.uuid, "5da0fc1a-5663-4142-94ed-7ab3a46a90b2");
	assert_string_equal(px.target, "/srv/p1");
	assert_int_equal(px.mode, 0750);
	assert_int_equal(px.owner, 107);
	assert_int_equal(px.group, -1);
	assert_null(px.source_device);
	vu_pool_def_free(&px);
	assert_null(px.name);
}

static void test_read_sources(void **state)
{
	struct vu_pool_def px;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(read_pool("<pool type='disk'><name>d</name><source>"
				   "<device path='/dev/loop0'/><format type='gpt'/></source>"
				   "<target><path>/dev</path></target></pool>", &px, &e), 0);
	assert_string_equal(px.source_device, "/dev/loop0");
	assert_string_equal(px.source_format, "gpt");
	vu_pool_def_free(&px);
	assert_int_equal(read_pool("<pool type='netfs'><name>n</name><source>"
				   "<host name='10.0.0.1'/><dir path='/export'/></source>"
				   "<target><path>/mnt/n</path></target></pool>", &px, &e), 0);
	assert_string_equal(px.source_host, "10.0.0.1");
	assert_string_equal(px.source_dir, "/export");
	vu_pool_def_free(&px);
	assert_int_equal(read_pool("<pool type='logical'><name>vg</name><source>"
				   "<name>vg0</name></source></pool>", &px, &e), 0);
	assert_string_equal(px.source_name, "vg0");
	assert_null(px.target);
	vu_pool_def_free(&px);
}

/* Each refusal says what is wrong, as the tools print it. */
static void test_read_errors(void **state)
{
	static const struct { const char *xml, *msg; } cases[] = {
		{ "<volume/>", "the root element is not <pool>" },
		{ "<pool><name>a</name></pool>", "the pool has no type" },
		{ "<pool type='lvm'><name>a</name></pool>", "unknown pool type 'lvm'" },
		{ "<pool type='dir'><target><path>/x</path></target></pool>",
		  "a pool needs exactly one <name>" },
		{ "<pool type='dir'><name>../x</name><target><path>/x</path></target></pool>",
		  "invalid pool name '../x" NAME_RULE },
		{ "<pool type='dir'><name>a\nb</name><target><path>/x</path></target></pool>",
		  "invalid pool name 'a\\nb" NAME_RULE },
		{ "<pool type='dir'><name>" A300 "</name><target><path>/x</path></target></pool>",
		  "invalid pool name '" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
		  NAME_RULE },
		{ "<pool type='dir'><name>a</name><target><path>r\nel</path></target></pool>",
		  "target path 'r\\nel' is not absolute" },
		{ "<pool type='dir'><name>a</name></pool>",
		  "a pool of type 'dir' needs a target path" },
		{ "<pool type='dir'><name>a</name><target><path>rel</path></target></pool>",
		  "target path 'rel' is not absolute" },
		{ "<pool type='fs'><name>a</name><target><path>/x</path></target></pool>",
		  "a pool of type 'fs' needs a source device" },
		{ "<pool type='fs'><name>a</name><source><device path='/dev/sdb'/>"
		  "<format type='btrfs'/></source><target><path>/x</path></target></pool>",
		  "unknown source format 'btrfs' for a pool of type 'fs'" },
		{ "<pool type='disk'><name>a</name><source><device path='sdb'/></source>"
		  "<target><path>/dev</path></target></pool>",
		  "source device 'sdb' is not absolute" },
		{ "<pool type='netfs'><name>a</name><source><host name='h'/></source>"
		  "<target><path>/x</path></target></pool>",
		  "a pool of type 'netfs' needs a source directory" },
		{ "<pool type='rbd'><name>a</name><source><name>r</name></source></pool>",
		  "a pool of type 'rbd' needs a source host" },
		{ "<pool type='dir'><name>a</name><target><path>/x</path><permissions>"
		  "<mode>999</mode></permissions></target></pool>",
		  "invalid target permission mode '999'" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vu_pool_def px;
		struct vu_err e = { 0 };

		assert_int_equal(read_pool(cases[i].xml, &px, &e), -EINVAL);
		assert_string_equal(e.msg, cases[i].msg);
		assert_null(px.name);
	}
}

static void test_uuid_and_sizing(void **state)
{
	struct vu_poolxml *doc = parse("<pool type='dir'><name>p</name><target><path>/p</path>"
				       "</target></pool>");
	char *out;

	(void)state;
	assert_int_equal(vu_poolxml_set_uuid(doc, "11111111-2222-4333-8444-555555555555"), 0);
	assert_int_equal(vu_poolxml_set_uuid(doc, "11111111-2222-4333-8444-666666666666"), 0);
	assert_int_equal(vu_poolxml_set_sizing(doc, 100, 40, 60), 0);
	assert_int_equal(vu_poolxml_set_sizing(doc, 200, 50, 150), 0);
	out = vu_poolxml_format(doc);
	assert_string_equal(out, "<pool type=\"dir\">\n  <name>p</name>\n"
			    "  <uuid>11111111-2222-4333-8444-666666666666</uuid>\n"
			    "  <capacity unit=\"bytes\">200</capacity>\n"
			    "  <allocation unit=\"bytes\">50</allocation>\n"
			    "  <available unit=\"bytes\">150</available>\n"
			    "  <target>\n    <path>/p</path>\n  </target>\n</pool>\n");
	free(out);
	validate(vu_poolxml_doc(doc), "storagepool.rng");
	vu_poolxml_drop_sizing(doc);
	out = vu_poolxml_format(doc);
	assert_null(strstr(out, "capacity"));
	free(out);
	vu_poolxml_free(&doc);
}

/* What the model does not know survives: a document loaded and formatted,
 * and one whose UUID and sizes were set and the sizes dropped again, are
 * equal to it under C14N. */
static void test_pool_round_trip(void **state)
{
	static const char xml[] =
		"<pool type='fs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>"
		"<name>f</name><uuid>11111111-2222-4333-8444-555555555555</uuid>"
		"<source><device path='/dev/sdb1'/><format type=\"ext4\"/></source>"
		"<!-- kept --><target><path>/mnt/f</path></target>"
		"<fs:mount_opts><fs:option name='sync'/></fs:mount_opts></pool>";
	struct vu_poolxml *doc = parse(xml), *orig = parse(xml), *again;
	char *text = vu_poolxml_format(doc);

	(void)state;
	assert_non_null(text);
	again = parse(text);
	assert_true(vu_xml_c14n_equal(vu_poolxml_doc(orig), vu_poolxml_doc(again)));
	assert_int_equal(vu_poolxml_set_uuid(doc, "11111111-2222-4333-8444-555555555555"), 0);
	assert_int_equal(vu_poolxml_set_sizing(doc, 1, 2, 3), 0);
	vu_poolxml_drop_sizing(doc);
	assert_true(vu_xml_c14n_equal(vu_poolxml_doc(orig), vu_poolxml_doc(doc)));
	free(text);
	vu_poolxml_free(&again);
	vu_poolxml_free(&orig);
	vu_poolxml_free(&doc);
}

static void test_build_as(void **state)
{
	struct vu_pool_as as = { .name = "guest_images_lvm", .type = "logical",
				 .source_host = "-", .source_path = "-",
				 .source_dev = "/dev/sdc", .source_name = "libvirt_lvm",
				 .target = "/dev/libvirt_lvm" };
	struct vu_pool_as dir = { .name = "d", .type = "dir", .target = "/guest_images" };
	struct vu_poolxml *doc;
	char *out;

	(void)state;
	assert_int_equal(vu_poolxml_new(&doc, &as), 0);
	out = vu_poolxml_format(doc);
	assert_string_equal(out, "<pool type=\"logical\">\n  <name>guest_images_lvm</name>\n"
			    "  <source>\n    <device path=\"/dev/sdc\"/>\n"
			    "    <name>libvirt_lvm</name>\n  </source>\n"
			    "  <target>\n    <path>/dev/libvirt_lvm</path>\n  </target>\n"
			    "</pool>\n");
	free(out);
	validate(vu_poolxml_doc(doc), "storagepool.rng");
	vu_poolxml_free(&doc);
	assert_int_equal(vu_poolxml_new(&doc, &dir), 0);
	out = vu_poolxml_format(doc);
	assert_null(strstr(out, "<source"));
	free(out);
	validate(vu_poolxml_doc(doc), "storagepool.rng");
	vu_poolxml_free(&doc);
}

/* ---- volumes ---- */

static int read_vol(const char *xml, struct vu_volspec *s, struct vu_err *e)
{
	struct vu_volxml *doc;
	int r;

	assert_int_equal(vu_volxml_parse(&doc, xml, strlen(xml), e), 0);
	r = vu_volxml_read(doc, s, e);
	vu_volxml_free(&doc);
	return r;
}

static void test_volspec(void **state)
{
	struct vu_volspec s;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(read_vol("<volume><name>v</name><capacity unit='G'>10</capacity>"
				  "<allocation unit='KB'>5</allocation><target>"
				  "<format type='qcow2'/><permissions><mode>0640</mode>"
				  "<owner>107</owner><group>-1</group></permissions>"
				  "<compat>0.10</compat><clusterSize unit='KiB'>128</clusterSize>"
				  "<features><lazy_refcounts/></features></target>"
				  "<backingStore><path>/b.img</path><format type='raw'/>"
				  "</backingStore></volume>", &s, &e), 0);
	assert_string_equal(s.name, "v");
	assert_true(s.has_capacity);
	assert_int_equal(s.capacity, 10ull << 30);
	assert_int_equal(s.allocation, 5000);
	assert_string_equal(s.format, "qcow2");
	assert_int_equal(s.mode, 0640);
	assert_int_equal(s.owner, 107);
	assert_int_equal(s.group, -1);
	assert_int_equal(s.version, 2);
	assert_int_equal(s.cluster_size, 128 << 10);
	assert_true(s.lazy_refcounts);
	assert_false(s.extended_l2);
	assert_string_equal(s.backing_path, "/b.img");
	assert_string_equal(s.backing_format, "raw");
	vu_volspec_free(&s);
	assert_int_equal(read_vol("<volume><name>v</name><capacity>1024</capacity></volume>",
				  &s, &e), 0);
	assert_int_equal(s.capacity, 1024);
	assert_false(s.has_allocation);
	assert_null(s.format);
	assert_int_equal(s.mode, -1);
	vu_volspec_free(&s);
}

static void test_volspec_errors(void **state)
{
	static const struct { const char *xml, *msg; } cases[] = {
		{ "<pool/>", "the root element is not <volume>" },
		{ "<volume><capacity>1</capacity></volume>", "a volume needs exactly one <name>" },
		{ "<volume><name>../../etc/x</name></volume>",
		  "invalid volume name '../../etc/x" NAME_RULE },
		{ "<volume><name>v\tw</name></volume>", "invalid volume name 'v\\tw" NAME_RULE },
		{ "<volume><name>" A300 "</name></volume>",
		  "invalid volume name '" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
		  NAME_RULE },
		{ "<volume><name>v</name><target><compat>2\n0</compat></target></volume>",
		  "unsupported compat '2\\n0' (0.10, 1.1)" },
		{ "<volume><name>v</name><capacity unit='Q'>1</capacity></volume>",
		  "invalid capacity '1Q'" },
		{ "<volume><name>v</name><capacity>-1</capacity></volume>",
		  "invalid capacity '-1'" },
		{ "<volume><name>v</name><target><compat>2.0</compat></target></volume>",
		  "unsupported compat '2.0' (0.10, 1.1)" },
		{ "<volume><name>v</name><target><permissions><mode>abc</mode></permissions>"
		  "</target></volume>", "invalid permission mode 'abc'" },
		{ "<volume><name>v</name><backingStore><path>rel</path></backingStore></volume>",
		  "the backing store needs an absolute path" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vu_volspec s;
		struct vu_err e = { 0 };

		assert_int_equal(read_vol(cases[i].xml, &s, &e), -EINVAL);
		assert_string_equal(e.msg, cases[i].msg);
		assert_null(s.name);
	}
}

static void test_vol_round_trip(void **state)
{
	static const char xml[] = "<volume type='file'><name>v</name><key>/p/v</key>"
				  "<capacity unit='G'>1</capacity><target><format type='raw'/>"
				  "<unknown a='1'/></target></volume>";
	struct vu_volxml *doc, *again;
	struct vu_err e = { 0 };
	char *text;

	(void)state;
	assert_int_equal(vu_volxml_parse(&doc, xml, strlen(xml), &e), 0);
	text = vu_volxml_format(doc);
	assert_int_equal(vu_volxml_parse(&again, text, strlen(text), &e), 0);
	assert_true(vu_xml_c14n_equal(vu_volxml_doc(doc), vu_volxml_doc(again)));
	free(text);
	vu_volxml_free(&again);
	vu_volxml_free(&doc);
	assert_int_equal(vu_volxml_load(&doc, "/nonexistent/v.xml", &e), -ENOENT);
	assert_null(doc);
}

static void test_build_spec(void **state)
{
	struct vu_volspec s = { .name = "ov", .capacity = 1 << 20, .format = "qcow2",
				.backing_path = "/p/base", .backing_format = "raw",
				.has_capacity = true };
	struct vu_volxml *doc;
	char *out;

	(void)state;
	assert_int_equal(vu_volxml_new_spec(&doc, &s), 0);
	out = vu_volxml_format(doc);
	assert_string_equal(out, "<volume>\n  <name>ov</name>\n  <capacity>1048576</capacity>\n"
			    "  <target>\n    <format type=\"qcow2\"/>\n  </target>\n"
			    "  <backingStore>\n    <path>/p/base</path>\n"
			    "    <format type=\"raw\"/>\n  </backingStore>\n</volume>\n");
	free(out);
	validate(vu_volxml_doc(doc), "storagevol.rng");
	vu_volxml_free(&doc);
}

static void test_build_info(void **state)
{
	struct vu_volfile f = { .mode = 0600, .uid = 0, .gid = 0,
				.atime = { 1700000000, 5 }, .mtime = { 1700000001, 0 },
				.ctime = { 1700000002, 123456789 } };
	struct vu_volextent x = { .device = "/dev/loop0", .start = 1048576, .end = 2097152 };
	struct vu_volinfo v = { .type = "file", .name = "v", .key = "/p/v", .path = "/p/v",
				.format = "qcow2", .capacity = 10, .allocation = 4, .physical = 6,
				.file = f, .compat = "1.1", .cluster_size = 65536,
				.lazy_refcounts = true, .backing_path = "/p/b",
				.backing_format = "raw", .backing_file = &f };
	struct vu_volxml *doc;
	char *out;

	(void)state;
	assert_int_equal(vu_volxml_new(&doc, &v), 0);
	out = vu_volxml_format(doc);
	assert_non_null(strstr(out, "<atime>1700000000.000000005</atime>"));
	assert_non_null(strstr(out, "<mtime>1700000001</mtime>"));
	assert_non_null(strstr(out, "<clusterSize unit=\"B\">65536</clusterSize>"));
	assert_non_null(strstr(out, "<features>\n      <lazy_refcounts/>\n"));
	assert_non_null(strstr(out, "<backingStore>\n    <path>/p/b</path>\n"
			       "    <format type=\"raw\"/>\n    <permissions>"));
	free(out);
	validate(vu_volxml_doc(doc), "storagevol.rng");
	vu_volxml_free(&doc);
	v = (struct vu_volinfo){ .type = "block", .name = "loop0p1", .key = "/dev/loop0p1",
				 .path = "/dev/loop0p1", .format = "linux", .capacity = 1048576,
				 .allocation = 1048576, .physical = 1048576, .file = f,
				 .extent = &x };
	assert_int_equal(vu_volxml_new(&doc, &v), 0);
	out = vu_volxml_format(doc);
	assert_non_null(strstr(out, "<source>\n    <device path=\"/dev/loop0\">\n"
			       "      <extent start=\"1048576\" end=\"2097152\"/>"));
	free(out);
	validate(vu_volxml_doc(doc), "storagevol.rng");
	vu_volxml_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_read_dir),
		cmocka_unit_test(test_read_sources),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_uuid_and_sizing),
		cmocka_unit_test(test_pool_round_trip),
		cmocka_unit_test(test_build_as),
		cmocka_unit_test(test_volspec),
		cmocka_unit_test(test_volspec_errors),
		cmocka_unit_test(test_vol_round_trip),
		cmocka_unit_test(test_build_spec),
		cmocka_unit_test(test_build_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
