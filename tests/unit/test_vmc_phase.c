/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmc_phase.c - vm-create's install phase: the record in <metadata>
 * turned into the install document */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

/* vm-create's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-create/vm-create.h"

#define REC(children) \
	"<domain type='kvm'><name>t</name><metadata>" \
	"<install:install xmlns:install='" VMC_INSTALL_NS "' method='cdrom'>" children \
	"</install:install><other:x xmlns:other='urn:other'/></metadata>" \
	"<os><type>hvm</type><boot dev='hd'/></os><on_reboot>restart</on_reboot>" \
	"<devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/>" \
	"</disk></devices></domain>"

static struct vu_domain *parse(const char *xml)
{
	struct vu_domain *d = NULL;

	assert_int_equal(vu_domain_parse(&d, xml, strlen(xml), NULL), 0);
	return d;
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
	assert_int_equal(phase_install_doc(final, &inst, &e), 0);
	assert_non_null(inst);
	expect(inst, "on_reboot", NULL, "destroy");
	assert_int_equal(vu_domain_get_boot_devs(inst, devs, VU_BOOT_MAX), 2);
	assert_string_equal(devs[0], "cdrom");
	assert_string_equal(devs[1], "hd");
	expect(inst, "devices/disk/source", "file", "/srv/x.iso");
	assert_null(vu_domain_metadata_node(inst, VMC_INSTALL_NS));
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
	assert_int_equal(phase_install_doc(final, &inst, &e), 0);
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
	assert_int_equal(phase_install_doc(final, &inst, &e), 0);
	assert_null(inst);
	vu_domain_free(&final);
}

static void test_bad_media(void **state)
{
	struct vu_domain *final = parse(REC(
		"<install:media target='vdz' type='file' path='/srv/x.iso'/>")), *inst;
	struct vu_err e = { 0 };

	(void)state;
	assert_true(phase_install_doc(final, &inst, &e) < 0);
	assert_null(inst);
	vu_domain_free(&final);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdrom),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_no_record),
		cmocka_unit_test(test_bad_media),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
