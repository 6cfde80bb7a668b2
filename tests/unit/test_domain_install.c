/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_install.c - the install phase: the record in <metadata>
 * written, read back, and turned into the install document */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

#define REC(children) \
	"<domain type='kvm'><name>t</name><metadata>" \
	"<install:install xmlns:install='" VU_INSTALL_NS "' method='cdrom'>" children \
	"</install:install><other:x xmlns:other='urn:other'/></metadata>" \
	"<os><type>hvm</type><boot dev='hd'/></os><on_reboot>restart</on_reboot>" \
	"<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/>" \
	"</disk></devices></domain>"

static struct vu_domain *parse(const char *xml)
{
	return dom_parse(xml);
}

static char *get(const struct vu_domain *d, const char *path, const char *attr)
{
	char *v = NULL;

	vu_domain_get(d, path, attr, &v);
	return v;
}

static void expect(const struct vu_domain *d, const char *path, const char *attr,
		   const char *want)
{
	char *v = get(d, path, attr);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void test_cdrom(void **state)
{
	struct vu_domain *final = parse(REC(
		"<install:on_reboot>destroy</install:on_reboot>"
		"<install:boot dev='cdrom'/><install:boot dev='hd'/>"
		"<install:media target='hdc' type='file' path='/srv/x.iso'/>")), *inst;
	const char *devs[VU_BOOT_MAX];
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vu_domain_install_phase(final, &inst, &e), 0);
	assert_non_null(inst);
	expect(inst, "on_reboot", NULL, "destroy");
	assert_int_equal(vu_domain_get_boot_devs(inst, devs, VU_BOOT_MAX), 2);
	assert_string_equal(devs[0], "cdrom");
	assert_string_equal(devs[1], "hd");
	expect(inst, "devices/disk/source", "file", "/srv/x.iso");
	assert_null(vu_domain_metadata_node(inst, VU_INSTALL_NS));
	/* other applications' metadata stays */
	assert_non_null(vu_domain_metadata_node(inst, "urn:other"));
	/* the final document is not touched */
	expect(final, "on_reboot", NULL, "restart");
	assert_null(vu_domain_find(final, "devices/disk/source"));
	vu_domain_free(&inst);
	vu_domain_free(&final);
}

static void test_kernel(void **state)
{
	struct vu_domain *final = parse(REC(
		"<install:on_reboot>destroy</install:on_reboot>"
		"<install:kernel>/b/vmlinuz</install:kernel><install:initrd>/b/initrd.img"
		"</install:initrd><install:cmdline>ks=file:/ks.cfg &amp; x</install:cmdline>")), *inst;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vu_domain_install_phase(final, &inst, &e), 0);
	expect(inst, "os/kernel", NULL, "/b/vmlinuz");
	expect(inst, "os/initrd", NULL, "/b/initrd.img");
	expect(inst, "os/cmdline", NULL, "ks=file:/ks.cfg & x");
	expect(inst, "os/boot", "dev", "hd");
	vu_domain_free(&inst);
	vu_domain_free(&final);
}

static void test_no_record(void **state)
{
	struct vu_domain *final = parse("<domain type='kvm'><name>t</name></domain>"), *inst;
	struct vu_err e = { 0 };

	(void)state;
	inst = final;
	assert_int_equal(vu_domain_install_phase(final, &inst, &e), 0);
	assert_null(inst);
	vu_domain_free(&final);
}

static void test_bad_media(void **state)
{
	struct vu_domain *final = parse(REC(
		"<install:media target='vdz' type='file' path='/srv/x.iso'/>")), *inst;
	struct vu_err e = { 0 };

	(void)state;
	assert_true(vu_domain_install_phase(final, &inst, &e) < 0);
	assert_null(inst);
	vu_domain_free(&final);
}

/* ---- writing and reading the record ---- */

#define DRIVES \
	"<domain type='kvm'><name>t</name><os><type>hvm</type><boot dev='hd'/></os>" \
	"<devices><disk type='file' device='disk'><source file='/i/t.qcow2'/>" \
	"<target dev='vda' bus='virtio'/></disk>" \
	"<disk type='file' device='cdrom'><target dev='hda' bus='ide'/><readonly/></disk>" \
	"</devices></domain>"

static void test_record(void **state)
{
	struct vu_domain *dom = parse(DRIVES), *inst;
	struct vu_install_spec spec = {
		.method = "cdrom", .boot = { "cdrom", "hd" }, .nboot = 2,
		.media_type = "file", .media_path = "/srv/x.iso",
	};
	struct vu_install in;
	struct vu_err e = { 0 };
	char *xml;

	(void)state;
	assert_int_equal(vu_domain_set_install(dom, &spec, &e), 0);
	assert_valid(dom);
	assert_int_equal(vu_domain_get_metadata(dom, VU_INSTALL_NS, &xml), 0);
	assert_string_equal(xml,
		"<install:install xmlns:install=\"" VU_INSTALL_NS "\" method=\"cdrom\">\n"
		"  <install:on_reboot>destroy</install:on_reboot>\n"
		"  <install:boot dev=\"cdrom\"/>\n"
		"  <install:boot dev=\"hd\"/>\n"
		"  <install:media target=\"hda\" type=\"file\" path=\"/srv/x.iso\"/>\n"
		"</install:install>\n");
	free(xml);
	assert_int_equal(vu_domain_get_install(dom, &in), 0);
	assert_string_equal(in.method, "cdrom");
	assert_string_equal(in.on_reboot, "destroy");
	assert_int_equal(in.nboot, 2);
	assert_string_equal(in.boot[0], "cdrom");
	assert_string_equal(in.boot[1], "hd");
	assert_string_equal(in.media_target, "hda");
	assert_string_equal(in.media_type, "file");
	assert_string_equal(in.media_path, "/srv/x.iso");
	assert_null(in.kernel);
	vu_install_clear(&in);
	assert_null(in.method);
	/* the final document keeps its own boot and an empty drive */
	expect(dom, "os/boot", "dev", "hd");
	assert_int_equal(vu_domain_install_phase(dom, &inst, &e), 0);
	assert_valid(inst);
	expect(inst, "devices/disk/source", "file", "/i/t.qcow2");
	assert_non_null(vu_domain_find_disk(inst, "hda"));
	{
		char *src = NULL;

		assert_int_equal(vu_node_get(vu_domain_find_disk(inst, "hda"), "source", "file",
					     &src), 0);
		assert_string_equal(src, "/srv/x.iso");
		free(src);
	}
	expect(inst, "os/boot", "dev", "cdrom");
	expect(inst, "on_reboot", NULL, "destroy");
	assert_null(vu_domain_find(inst, "metadata"));
	vu_domain_free(&inst);
	vu_domain_free(&dom);
}

static void test_record_kernel(void **state)
{
	struct vu_domain *dom = parse(DRIVES), *inst;
	struct vu_install_spec spec = {
		.method = "location", .boot = { "hd" }, .nboot = 1,
		.kernel = "/b/vmlinuz", .initrd = "/b/initrd.img", .cmdline = "",
	};
	struct vu_install in;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vu_domain_set_install(dom, &spec, &e), 0);
	assert_int_equal(vu_domain_get_install(dom, &in), 0);
	assert_string_equal(in.method, "location");
	assert_string_equal(in.kernel, "/b/vmlinuz");
	assert_string_equal(in.initrd, "/b/initrd.img");
	assert_null(in.cmdline);		/* an empty command line is left out */
	assert_null(in.media_path);
	vu_install_clear(&in);
	/* a second record replaces the first */
	spec.cmdline = "console=ttyS0";
	assert_int_equal(vu_domain_set_install(dom, &spec, &e), 0);
	assert_int_equal(vu_domain_install_phase(dom, &inst, &e), 0);
	expect(inst, "os/kernel", NULL, "/b/vmlinuz");
	expect(inst, "os/cmdline", NULL, "console=ttyS0");
	vu_domain_free(&inst);
	vu_domain_free(&dom);
}

static void test_record_errors(void **state)
{
	struct vu_domain *dom = parse(MINIMAL_XML);
	struct vu_install_spec spec = { .method = "cdrom", .media_path = "/srv/x.iso" };
	struct vu_err e = { 0 };

	(void)state;
	/* no empty CD-ROM for the medium */
	assert_int_equal(vu_domain_set_install(dom, &spec, &e), -ENOENT);
	assert_string_equal(e.msg, "cannot record the install phase");
	spec.method = NULL;
	assert_int_equal(vu_domain_set_install(dom, &spec, &e), -EINVAL);
	vu_domain_free(&dom);
}

static void test_get(void **state)
{
	struct vu_domain *dom = parse(REC(
		"<install:kernel>/a</install:kernel><install:kernel>/b</install:kernel>"
		"<install:boot dev='floppy'/><install:boot dev='network'/>"
		"<install:future x='1'/><install:initrd/>")), *none = parse(MINIMAL_XML);
	struct vu_install in;

	(void)state;
	assert_int_equal(vu_domain_get_install(dom, &in), 0);
	assert_string_equal(in.method, "cdrom");
	assert_null(in.on_reboot);
	assert_string_equal(in.kernel, "/b");	/* the last one counts */
	assert_string_equal(in.initrd, "");
	assert_int_equal(in.nboot, 1);		/* an unknown device is skipped */
	assert_string_equal(in.boot[0], "network");
	vu_install_clear(&in);
	vu_domain_free(&dom);
	dom = parse(REC("<install:media target='hdc'/>"));
	assert_int_equal(vu_domain_get_install(dom, &in), -EINVAL);
	assert_null(in.media_target);
	assert_int_equal(vu_domain_get_install(none, &in), -ENOENT);
	vu_domain_free(&dom);
	vu_domain_free(&none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdrom),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_no_record),
		cmocka_unit_test(test_bad_media),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_kernel),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_get),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
