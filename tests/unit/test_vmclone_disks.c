/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmclone_disks.c - vm-clone's disk decisions (virt-clone's rules)
 * and the names it makes up for clones and their disks */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

/* vm-clone's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-clone/vm-clone.h"

static const char disks_xml[] =
	"<domain type='kvm'><name>web</name><os><type>hvm</type></os><devices>"
	"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
	"<source file='/i/web.qcow2'/><target dev='vda' bus='virtio'/></disk>"
	"<disk type='file' device='disk'><source file='/i/ro.img'/>"
	"<target dev='vdb' bus='virtio'/><readonly/></disk>"
	"<disk type='file' device='disk'><source file='/i/sh.img'/>"
	"<target dev='vdc' bus='virtio'/><shareable/></disk>"
	"<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>"
	"<disk type='file' device='cdrom'><source file='/i/x.iso'/>"
	"<target dev='sdb' bus='sata'/></disk>"
	"<disk type='network' device='disk'><source protocol='rbd' name='p/i'/>"
	"<target dev='vdd' bus='virtio'/></disk>"
	"<disk type='block' device='disk'><source dev='/dev/vg/data'/>"
	"<target dev='vde' bus='virtio'/></disk>"
	"</devices></domain>";

static void test_defaults(void **state)
{
	struct vu_domain *dom = dom_parse(disks_xml);
	struct vc_disks ds;

	(void)state;
	assert_int_equal(vc_disks_read(dom, &ds), 0);
	assert_int_equal(ds.n, 7);
	assert_int_equal(ds.d[0].action, VC_COPY);
	assert_string_equal(ds.d[0].fmt, "qcow2");
	assert_string_equal(ds.d[0].src, "/i/web.qcow2");
	assert_int_equal(ds.d[1].action, VC_SHARE);	/* read-only */
	assert_int_equal(ds.d[2].action, VC_SHARE);	/* shareable */
	assert_int_equal(ds.d[3].action, VC_SHARE);	/* empty CD-ROM */
	assert_null(ds.d[3].src);
	assert_int_equal(ds.d[4].action, VC_SHARE);	/* CD-ROM with media */
	assert_int_equal(ds.d[5].action, VC_SHARE);	/* network */
	assert_int_equal(ds.d[6].action, VC_COPY);	/* a block device is copied */
	assert_string_equal(ds.d[6].src, "/dev/vg/data");
	assert_string_equal(ds.d[6].fmt, "raw");	/* libvirt's default */
	assert_true(vc_disks_copying(&ds));
	assert_int_equal(vc_disks_cloned(&ds), 2);
	vc_disks_free(&ds);
	vu_domain_free(&dom);
}

static void test_choose(void **state)
{
	struct vu_domain *dom = dom_parse(disks_xml);
	char *force[] = { "vdb", NULL }, *skip[] = { "vda", "vde", NULL };
	char *bad[] = { "vdz", NULL }, *net[] = { "vdd", NULL }, *empty[] = { "sda", NULL };
	struct vu_err e = { 0 };
	struct vc_disks ds;

	(void)state;
	assert_int_equal(vc_disks_read(dom, &ds), 0);
	assert_int_equal(vc_disks_choose(&ds, force, skip, &e), 0);
	assert_int_equal(ds.d[0].action, VC_SHARE);
	assert_int_equal(ds.d[1].action, VC_COPY);
	assert_int_equal(ds.d[6].action, VC_SHARE);
	assert_int_equal(vc_disks_cloned(&ds), 1);
	assert_int_equal(vc_disks_choose(&ds, bad, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "--force-copy: no disk with target 'vdz'");
	assert_int_equal(vc_disks_choose(&ds, NULL, bad, &e), -EINVAL);
	assert_int_equal(vc_disks_choose(&ds, net, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "vdd: disk network type is not cloneable");
	assert_int_equal(vc_disks_choose(&ds, empty, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "sda: no storage to clone");
	skip[0] = "vdb";
	skip[1] = NULL;
	assert_int_equal(vc_disks_choose(&ds, NULL, skip, &e), 0);
	assert_false(vc_disks_copying(&ds));
	vc_disks_free(&ds);
	vu_domain_free(&dom);
}

static void check_name(const char *base, unsigned n, const char *want)
{
	char *got = vc_clone_name(base, n);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* virtinst/cloner.py _generate_clone_name. */
static void test_clone_name(void **state)
{
	(void)state;
	check_name("web", 0, "web-clone");
	check_name("web", 1, "web-clone1");
	check_name("web", 2, "web-clone2");
	check_name("web-clone", 0, "web-clone1");
	check_name("web-clone", 1, "web-clone2");
	check_name("web-clone3", 0, "web-clone4");
	check_name("clone", 0, "clone-clone");
	check_name("a-clone0", 0, "a-clone0-clone");	/* virt-clone's [1-9]* */
}

static void check_path(const char *orig, const char *old, const char *new, unsigned n,
		       const char *want)
{
	char *got = vc_clone_path(orig, old, new, n);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* virtinst/cloner.py _generate_clone_disk_path. */
static void test_clone_path(void **state)
{
	(void)state;
	check_path("/i/x.qcow2", "web", "web-clone", 0, "/i/x-clone.qcow2");
	check_path("/i/x.qcow2", "web", "web-clone", 1, "/i/x-clone-1.qcow2");
	check_path("/i/x.qcow2", "web", "web-clone", 2, "/i/x-clone-2.qcow2");
	check_path("/i/web.qcow2", "web", "web-clone", 0, "/i/web-clone.qcow2");
	check_path("/i/web.qcow2", "web", "web-clone1", 1, "/i/web-clone1-1.qcow2");
	check_path("/i/disk", "web", "n", 0, "/i/disk-clone");
	check_path("/i/disk.longextension", "web", "n", 0, "/i/disk.longextension-clone");
	check_path("/i.d/disk", "web", "n", 0, "/i.d/disk-clone");
	check_path("/i/.hidden", "web", "n", 0, "/i/.hidden-clone");
	check_path("rel.img", "web", "n", 0, "rel-clone.img");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_choose),
		cmocka_unit_test(test_clone_name), cmocka_unit_test(test_clone_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
