/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_disk.c - disks: adding, reading back, repointing, removing,
 * and target names per bus */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

/* Target devs of every disk, space-separated, in document order. */
static const char *targets(const struct vu_domain *dom, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (xmlNodePtr d = vu_domain_dev_next(dom, "disk", NULL); d;
	     d = vu_domain_dev_next(dom, "disk", d)) {
		char *dev = NULL;

		vu_node_get(d, "target", "dev", &dev);
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
				      dev ? dev : "?");
		free(dev);
	}
	return buf;
}

/* Adds a disk on bus with no dev named, and checks the name it got. */
static void add_on(struct vu_domain *dom, const char *bus, const char *want)
{
	struct vu_disk_spec spec = { .source = "/dev/null", .type = "block", .target_bus = bus };
	xmlNodePtr disk = NULL;
	char *dev = NULL;

	assert_int_equal(vu_domain_add_disk(dom, &spec, &disk), 0);
	assert_get(vu_node_get(disk, "target", "dev", &dev), dev, want);
}

static void test_read_seed_disks(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	struct vu_disk d;
	xmlNodePtr disk = vu_domain_dev_next(dom, "disk", NULL);
	(void)state;

	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.type, "file");
	assert_string_equal(d.device, "disk");
	assert_string_equal(d.driver_name, "qemu");
	assert_string_equal(d.driver_type, "raw");
	assert_string_equal(d.cache, "none");
	assert_string_equal(d.io, "threads");
	assert_null(d.discard);
	assert_string_equal(d.source, "/home/guest-images/guest1-rhel6-64.img");
	assert_string_equal(d.target_dev, "vda");
	assert_string_equal(d.target_bus, "virtio");
	assert_true(d.shareable);
	assert_false(d.readonly);
	assert_int_equal(d.boot_order, 0);
	vu_disk_clear(&d);
	assert_null(d.type);
	assert_null(vu_domain_dev_next(dom, "disk", disk));
	vu_domain_free(&dom);

	/* Block disks, a CD-ROM without bus, network and volume disks. */
	dom = dom_fixture("s4-devices.xml");
	disk = vu_domain_find_disk(dom, "hdb");		/* sheepdog, boot order 1 */
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.type, "network");
	assert_null(d.source);
	assert_int_equal(d.boot_order, 1);
	vu_disk_clear(&d);
	disk = vu_domain_find_disk(dom, "hdd");		/* block cdrom, no media */
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.device, "cdrom");
	assert_null(d.source);
	assert_true(d.readonly);
	vu_disk_clear(&d);
	disk = vu_domain_find_disk(dom, "hda");
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.serial, "WD-WMAP9A966149");
	assert_int_equal(d.boot_order, 2);
	assert_null(d.device);
	vu_disk_clear(&d);
	assert_null(vu_domain_find_disk(dom, "vdz"));
	assert_null(vu_domain_find_disk(dom, NULL));
	assert_int_equal(vu_disk_get(vu_domain_dev_next(dom, "interface", NULL), &d), -EINVAL);
	vu_domain_free(&dom);

	dom = dom_fixture("s0-qemu-fedora-i686.xml");
	disk = vu_domain_find_disk(dom, "hdc");
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.source, "/home/user/boot.iso");
	assert_null(d.target_bus);
	assert_null(d.driver_name);
	vu_disk_clear(&d);
	vu_domain_free(&dom);
}

/* What vm-create writes for --disk path=...,format=qcow2,cache=none,
 * --cdrom and a floppy, then reads back field by field. */
static void test_add_disks(void **state)
{
	struct vu_domain *dom = dom_minimal();
	struct vu_disk_spec root = {
		.source = "/var/lib/virtutils/images/t.qcow2", .driver_type = "qcow2",
		.cache = "none", .io = "native", .discard = "unmap", .target_bus = "virtio",
		.serial = "ROOT-1", .boot_order = 1,
	};
	struct vu_disk_spec cd = {
		.device = "cdrom", .source = "/srv/iso/install.iso", .target_bus = "sata",
		.readonly = true, .boot_order = 2,
	};
	struct vu_disk_spec fd = { .device = "floppy", .target_bus = "fdc" };
	struct vu_disk_spec shared = {
		.type = "block", .source = "/dev/vg0/shared", .target_dev = "sdz",
		.target_bus = "scsi", .driver_type = "raw", .shareable = true,
		.wwn = "5000c50015ea71ad",
	};
	xmlNodePtr disk = NULL;
	struct vu_disk d;
	char buf[128], *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_disk(dom, &root, &disk), 0);
	assert_children(dom, "devices", "disk");
	assert_string_equal(child_names(disk, buf, sizeof(buf)), "driver source target serial boot");
	assert_int_equal(vu_domain_add_disk(dom, &cd, NULL), 0);
	assert_int_equal(vu_domain_add_disk(dom, &fd, NULL), 0);
	assert_int_equal(vu_domain_add_disk(dom, &shared, NULL), 0);
	assert_string_equal(targets(dom, buf, sizeof(buf)), "vda sda fda sdz");
	assert_int_equal(vu_domain_add_controller(dom, "sata", -1, NULL, NULL), 0);
	assert_int_equal(vu_domain_add_controller(dom, "scsi", -1, "virtio-scsi", NULL), 0);
	assert_valid(dom);

	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.type, "file");
	assert_string_equal(d.device, "disk");
	assert_string_equal(d.driver_name, "qemu");
	assert_string_equal(d.driver_type, "qcow2");
	assert_string_equal(d.cache, "none");
	assert_string_equal(d.io, "native");
	assert_string_equal(d.discard, "unmap");
	assert_string_equal(d.source, root.source);
	assert_string_equal(d.target_dev, "vda");
	assert_string_equal(d.target_bus, "virtio");
	assert_string_equal(d.serial, "ROOT-1");
	assert_int_equal(d.boot_order, 1);
	assert_false(d.readonly);
	vu_disk_clear(&d);
	assert_int_equal(vu_disk_get(vu_domain_find_disk(dom, "sda"), &d), 0);
	assert_string_equal(d.device, "cdrom");
	assert_true(d.readonly);
	assert_null(d.driver_name);	/* nothing asked of the driver */
	assert_int_equal(d.boot_order, 2);
	vu_disk_clear(&d);
	assert_int_equal(vu_disk_get(vu_domain_find_disk(dom, "fda"), &d), 0);
	assert_null(d.source);
	vu_disk_clear(&d);
	assert_int_equal(vu_disk_get(vu_domain_find_disk(dom, "sdz"), &d), 0);
	assert_string_equal(d.type, "block");
	assert_string_equal(d.source, "/dev/vg0/shared");
	assert_string_equal(d.wwn, "5000c50015ea71ad");
	assert_true(d.shareable);
	vu_disk_clear(&d);
	assert_get(vu_node_get(vu_domain_find_disk(dom, "sdz"), "source", "dev", &s), s,
		   "/dev/vg0/shared");

	/* Refused specs add nothing. */
	assert_int_equal(vu_domain_add_disk(dom, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){ .source = "/x" }, NULL),
			 -EINVAL);	/* neither dev nor bus */
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){
		.type = "network", .target_bus = "virtio" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){
		.device = "lun", .target_bus = "scsi" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){
		.source = "relative.img", .target_bus = "virtio" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){
		.source = "/x", .target_bus = "nvme" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "disk"), 4);
	vu_domain_free(&dom);
}

/* Disks go after the last disk, before controllers and the rest, even in
 * a document that has everything. */
static void test_disk_order_in_full_document(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	struct vu_disk_spec spec = { .source = "/srv/data.img", .target_bus = "virtio" };
	(void)state;

	assert_int_equal(vu_domain_add_disk(dom, &spec, NULL), 0);
	assert_children(dom, "devices", "emulator disk disk interface serial console input input "
					"graphics sound video memballoon");
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_set_source(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-devices.xml");
	xmlNodePtr disk = vu_domain_find_disk(dom, "hda");
	struct vu_disk d;
	char *s = NULL;
	(void)state;

	/* Same type: the source's other attributes and children stay. */
	assert_int_equal(vu_disk_set_source(disk, NULL, "/var/lib/virtutils/images/clone.img"), 0);
	assert_get(vu_node_get(disk, "source", "file", &s), s,
		   "/var/lib/virtutils/images/clone.img");
	assert_get(vu_node_get(disk, "source", "startupPolicy", &s), s, "optional");
	assert_get(vu_node_get(disk, "source/seclabel", "relabel", &s), s, "no");
	/* No type attribute means file, as libvirt reads it. */
	assert_int_equal(vu_node_set(disk, NULL, "type", NULL), 0);
	assert_int_equal(vu_disk_set_source(disk, NULL, "/srv/b.img"), 0);
	assert_get(vu_node_get(disk, NULL, "type", &s), s, "file");
	/* A clone onto a block device: a fresh source. */
	assert_int_equal(vu_disk_set_source(disk, "block", "/dev/vg0/clone"), 0);
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.type, "block");
	assert_string_equal(d.source, "/dev/vg0/clone");
	vu_disk_clear(&d);
	assert_get(vu_node_get(disk, "source", "file", &s), s, NULL);
	assert_get(vu_node_get(disk, "source", "startupPolicy", &s), s, NULL);
	/* A network disk cannot be pointed at a path without saying its type;
	 * a refusal changes nothing. */
	disk = vu_domain_find_disk(dom, "hdb");
	assert_int_equal(vu_disk_set_source(disk, NULL, "/srv/x.img"), -EINVAL);
	assert_get(vu_node_get(disk, "source", "protocol", &s), s, "sheepdog");
	assert_int_equal(vu_disk_set_source(disk, "file", "/srv/x.img"), 0);
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_string_equal(d.source, "/srv/x.img");
	vu_disk_clear(&d);
	assert_int_equal(vu_disk_set_source(disk, "volume", "/srv/x.img"), -EINVAL);
	assert_int_equal(vu_disk_set_source(disk, "file", "x.img"), -EINVAL);
	assert_int_equal(vu_disk_set_source(vu_domain_dev_next(dom, "controller", NULL), "file",
					    "/x"), -EINVAL);
	vu_domain_free(&dom);

	/* Ejecting and inserting media. */
	dom = dom_fixture("s0-qemu-fedora-i686.xml");
	disk = vu_domain_find_disk(dom, "hdc");
	assert_int_equal(vu_disk_set_source(disk, NULL, NULL), 0);
	assert_false(vu_node_has(disk, "source"));
	assert_int_equal(vu_disk_set_source(disk, NULL, "/srv/other.iso"), 0);
	assert_string_equal(child_names(disk, (char[64]){ 0 }, 64), "source target readonly");
	assert_valid(dom);
	vu_domain_free(&dom);
}

/* Serial and WWN are what vm-clone makes unique; the driver type is what
 * --linked changes to qcow2. */
static void test_clone_edits(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	xmlNodePtr disk = vu_domain_find_disk(dom, "vda");
	char buf[128], *s = NULL;
	(void)state;

	assert_int_equal(vu_node_set(disk, "serial", NULL, "CLONE-0001"), 0);
	assert_int_equal(vu_node_set(disk, "wwn", NULL, "5000c50015ea71ae"), 0);
	assert_int_equal(vu_node_set(disk, "driver", "type", "qcow2"), 0);
	assert_string_equal(child_names(disk, buf, sizeof(buf)),
			    "driver source target shareable serial wwn address");
	assert_get(vu_node_get(disk, "driver", "type", &s), s, "qcow2");
	assert_get(vu_node_get(disk, "driver", "cache", &s), s, "none");
	assert_valid(dom);
	assert_int_equal(vu_node_set(disk, "serial", NULL, NULL), 0);
	assert_int_equal(vu_node_flag(disk, "shareable", false), 0);
	assert_string_equal(child_names(disk, buf, sizeof(buf)),
			    "driver source target wwn address");
	vu_domain_free(&dom);
}

static void test_remove(void **state)
{
	struct vu_domain *dom = dom_fixture("s1-rhelx86_64-live.xml");
	struct vu_domain *other = dom_minimal();
	xmlNodePtr disk = vu_domain_find_disk(dom, "hdb");
	char buf[64];
	(void)state;

	assert_int_equal(vu_domain_dev_remove(other, disk), -EINVAL);
	assert_int_equal(vu_domain_dev_remove(dom, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_remove(dom, vu_domain_find(dom, "devices/emulator")),
			 -EINVAL);
	assert_int_equal(vu_domain_dev_remove(dom, vu_domain_find(dom, "os")), -EINVAL);
	assert_int_equal(vu_domain_dev_remove(dom, disk), 0);
	assert_string_equal(targets(dom, buf, sizeof(buf)), "hda");
	/* The freed name is the next one handed out. */
	add_on(dom, "ide", "hdb");
	assert_valid(dom);
	vu_domain_free(&other);
	vu_domain_free(&dom);
}

static void test_targets_fill_gaps(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-devices.xml");
	char dev[VU_TARGET_MAX];
	(void)state;

	/* The fixture uses vda..vdd, sda, sdb and hda..hdk. */
	assert_int_equal(vu_domain_next_target(dom, "virtio", dev), 0);
	assert_string_equal(dev, "vde");
	assert_int_equal(vu_domain_next_target(dom, "scsi", dev), 0);
	assert_string_equal(dev, "sdc");
	assert_int_equal(vu_domain_next_target(dom, "ide", dev), -ENOSPC);
	assert_int_equal(vu_domain_next_target(dom, "fdc", dev), 0);
	assert_string_equal(dev, "fda");
	assert_int_equal(vu_domain_next_target(dom, "xen", dev), 0);
	assert_string_equal(dev, "xvda");
	assert_int_equal(vu_domain_next_target(dom, "nvme", dev), -EINVAL);
	assert_int_equal(vu_domain_next_target(dom, NULL, dev), -EINVAL);
	/* A gap left by a removed disk is used first. */
	assert_int_equal(vu_domain_dev_remove(dom, vu_domain_find_disk(dom, "vdb")), 0);
	assert_int_equal(vu_domain_next_target(dom, "virtio", dev), 0);
	assert_string_equal(dev, "vdb");
	vu_domain_free(&dom);
}

/* sata, scsi and usb disks all take sd* names: one sequence for the three. */
static void test_targets_shared_prefix(void **state)
{
	struct vu_domain *dom = dom_minimal();
	(void)state;

	add_on(dom, "sata", "sda");
	add_on(dom, "scsi", "sdb");
	add_on(dom, "usb", "sdc");
	add_on(dom, "virtio", "vda");
	add_on(dom, "sata", "sdd");
	add_on(dom, "ide", "hda");
	add_on(dom, "xen", "xvda");	/* "xvda" is not a vd* name ... */
	add_on(dom, "virtio", "vdb");	/* ... so vdb is next */
	/* Names that are not target names are ignored, not misread. */
	assert_int_equal(vu_domain_dev_add_xml(dom, "<disk type='file'><target dev='sdA'/></disk>",
					       NULL, NULL), 0);
	assert_int_equal(vu_domain_dev_add_xml(dom, "<disk type='file'><target dev='sde1'/></disk>",
					       NULL, NULL), 0);
	assert_int_equal(vu_domain_dev_add_xml(dom, "<disk type='file'><target/></disk>",
					       NULL, NULL), 0);
	add_on(dom, "scsi", "sde");
	vu_domain_free(&dom);
}

/* Past vdz comes vdaa, as libvirt counts; ide and fdc stop where their
 * controllers do. */
static void test_targets_overflow(void **state)
{
	struct vu_domain *dom = dom_minimal();
	char dev[VU_TARGET_MAX];
	(void)state;

	for (int i = 0; i < 26; i++) {
		char want[8] = "vd?";

		want[2] = (char)('a' + i);
		add_on(dom, "virtio", want);
	}
	add_on(dom, "virtio", "vdaa");
	add_on(dom, "virtio", "vdab");
	assert_int_equal(vu_domain_dev_remove(dom, vu_domain_find_disk(dom, "vdaa")), 0);
	add_on(dom, "virtio", "vdaa");
	/* Skipping far ahead: vdzz is 701, the next is vdaaa. */
	assert_int_equal(vu_domain_dev_add_xml(dom, "<disk type='file'><target dev='vdzz'/></disk>",
					       NULL, NULL), 0);
	assert_int_equal(vu_domain_next_target(dom, "virtio", dev), 0);
	assert_string_equal(dev, "vdac");

	add_on(dom, "ide", "hda");
	add_on(dom, "ide", "hdb");
	add_on(dom, "ide", "hdc");
	add_on(dom, "ide", "hdd");
	assert_int_equal(vu_domain_next_target(dom, "ide", dev), -ENOSPC);
	add_on(dom, "fdc", "fda");
	add_on(dom, "fdc", "fdb");
	assert_int_equal(vu_domain_next_target(dom, "fdc", dev), -ENOSPC);
	/* Adding with no name on a full bus fails and adds nothing. */
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){ .target_bus = "ide" },
					    NULL), -ENOSPC);
	assert_int_equal(vu_domain_dev_count(dom, "disk"), 35);
	vu_domain_free(&dom);
}

/* The end of the three-letter names: sdzzz is the last, then -ENOSPC. */
static void test_targets_exhausted(void **state)
{
	static const char head[] = "<domain type='kvm'><name>t</name><devices>";
	static const char tail[] = "</devices></domain>";
	const int count = 26 + 26 * 26 + 26 * 26 * 26;
	size_t cap = sizeof(head) + sizeof(tail) + (size_t)count * 48, n = 0;
	char *xml = malloc(cap), dev[VU_TARGET_MAX];
	struct vu_domain *dom;
	(void)state;

	/* Every name but sdaaa, written out by letters rather than by the code
	 * under test. */
	assert_non_null(xml);
	n += (size_t)snprintf(xml + n, cap - n, "%s", head);
	for (int len = 1; len <= 3; len++) {
		int total = len == 1 ? 26 : len == 2 ? 26 * 26 : 26 * 26 * 26;

		for (int i = 0; i < total; i++) {
			char name[4] = { 0 };

			for (int k = len - 1, v = i; k >= 0; k--, v /= 26)
				name[k] = (char)('a' + v % 26);
			if (!strcmp(name, "aaa"))
				continue;
			n += (size_t)snprintf(xml + n, cap - n,
					      "<disk type='file'><target dev='sd%s'/></disk>", name);
		}
	}
	snprintf(xml + n, cap - n, "%s", tail);
	dom = dom_parse(xml);
	free(xml);
	assert_int_equal(vu_domain_dev_count(dom, "disk"), count - 1);
	assert_int_equal(vu_domain_next_target(dom, "usb", dev), 0);
	assert_string_equal(dev, "sdaaa");
	add_on(dom, "sata", "sdaaa");
	assert_int_equal(vu_domain_next_target(dom, "scsi", dev), -ENOSPC);
	assert_int_equal(vu_domain_next_target(dom, "usb", dev), -ENOSPC);
	assert_int_equal(vu_domain_next_target(dom, "virtio", dev), 0);
	assert_string_equal(dev, "vda");
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_seed_disks),
		cmocka_unit_test(test_add_disks),
		cmocka_unit_test(test_disk_order_in_full_document),
		cmocka_unit_test(test_set_source),
		cmocka_unit_test(test_clone_edits),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_targets_fill_gaps),
		cmocka_unit_test(test_targets_shared_prefix),
		cmocka_unit_test(test_targets_overflow),
		cmocka_unit_test(test_targets_exhausted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
