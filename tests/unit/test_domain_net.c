/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_net.c - network interfaces: adding each type, reading back,
 * and the MAC, interfaceid and tap-name edits of a clone */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

#define OVS_ID "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"

static void test_read_seed_interfaces(void **state)
{
	struct vu_domain *dom = dom_fixture("s1-rhelx86_64-live.xml");
	xmlNodePtr iface = vu_domain_dev_next(dom, "interface", NULL);
	struct vu_iface i;
	(void)state;

	assert_int_equal(vu_iface_get(iface, &i), 0);
	assert_string_equal(i.type, "network");
	assert_string_equal(i.source, "default");
	assert_string_equal(i.mac, "52:54:00:0a:ca:84");
	assert_string_equal(i.target_dev, "vnet1");
	assert_null(i.model);
	assert_null(i.virtualport);
	assert_int_equal(i.boot_order, 0);
	vu_iface_clear(&i);
	assert_null(i.type);
	vu_domain_free(&dom);

	dom = dom_fixture("s4-devices.xml");
	assert_int_equal(vu_domain_dev_count(dom, "interface"), 34);
	/* The first: direct, with a boot order. */
	iface = vu_domain_dev_next(dom, "interface", NULL);
	assert_int_equal(vu_iface_get(iface, &i), 0);
	assert_string_equal(i.type, "direct");
	assert_string_equal(i.source, "eth0");
	assert_null(i.source_mode);
	assert_int_equal(i.boot_order, 1);
	vu_iface_clear(&i);
	/* The openvswitch one: bridge ovsbr with an interfaceid. */
	for (; iface; iface = vu_domain_dev_next(dom, "interface", iface)) {
		assert_int_equal(vu_iface_get(iface, &i), 0);
		if (i.source && !strcmp(i.source, "ovsbr"))
			break;
		vu_iface_clear(&i);
	}
	assert_non_null(iface);
	assert_string_equal(i.type, "bridge");
	assert_string_equal(i.virtualport, "openvswitch");
	assert_string_equal(i.interfaceid, OVS_ID);
	vu_iface_clear(&i);
	/* A vepa macvtap. */
	while ((iface = vu_domain_dev_next(dom, "interface", iface))) {
		assert_int_equal(vu_iface_get(iface, &i), 0);
		if (i.source_mode)
			break;
		vu_iface_clear(&i);
	}
	assert_non_null(iface);
	assert_string_equal(i.type, "direct");
	assert_string_equal(i.source_mode, "vepa");
	vu_iface_clear(&i);
	assert_int_equal(vu_iface_get(vu_domain_dev_next(dom, "disk", NULL), &i), -EINVAL);
	vu_domain_free(&dom);
}

/* virt-install's --network forms: network=, bridge=, type=direct,source=,
 * user, with model= and mac=. */
/* The boot order reader both disks and interfaces use: past 32 bits is
 * -ERANGE with nothing left filled in. */
static void test_boot_order_range(void **state)
{
	static const char xml[] =
		"<domain type='kvm'><name>t</name><devices>"
		"<disk type='file' device='disk'><source file='/x'/><boot order='4294967295'/></disk>"
		"<disk type='file' device='disk'><source file='/y'/><boot order='4294967296'/></disk>"
		"<interface type='network'><source network='default'/>"
		"<boot order='4294967296'/></interface>"
		"</devices></domain>";
	struct vu_domain *dom;
	struct vu_disk d;
	struct vu_iface i;
	xmlNodePtr disk;
	(void)state;

	assert_int_equal(vu_domain_parse(&dom, xml, sizeof(xml) - 1, NULL), 0);
	disk = vu_domain_dev_next(dom, "disk", NULL);
	assert_int_equal(vu_disk_get(disk, &d), 0);
	assert_int_equal(d.boot_order, 4294967295u);
	vu_disk_clear(&d);
	disk = vu_domain_dev_next(dom, "disk", disk);
	assert_int_equal(vu_disk_get(disk, &d), -ERANGE);
	assert_null(d.source);
	assert_int_equal(d.boot_order, 0);
	assert_int_equal(vu_iface_get(vu_domain_dev_next(dom, "interface", NULL), &i), -ERANGE);
	assert_null(i.type);
	assert_int_equal(i.boot_order, 0);
	vu_domain_free(&dom);
}

static void test_add_interfaces(void **state)
{
	struct vu_domain *dom = dom_minimal();
	struct vu_iface_spec net = {
		.type = "network", .source = "default", .mac = "52:54:00:AB:CD:EF",
		.model = "virtio", .boot_order = 3,
	};
	struct vu_iface_spec br = { .type = "bridge", .source = "br0", .model = "e1000" };
	struct vu_iface_spec mv = {
		.type = "direct", .source = "eth0", .source_mode = "bridge", .model = "virtio",
	};
	struct vu_iface_spec user = { .type = "user", .mac = "52:54:00:1:2:3" };
	struct vu_iface_spec ovs = {
		.type = "bridge", .source = "ovsbr0", .virtualport = "openvswitch",
		.interfaceid = "09B11C53-8B5C-4EEB-8F00-D84EAA0AAA4F", .target_dev = "tap-web1",
	};
	xmlNodePtr iface = NULL;
	struct vu_iface i;
	char buf[128];
	(void)state;

	assert_int_equal(vu_domain_add_iface(dom, &net, &iface), 0);
	assert_string_equal(child_names(iface, buf, sizeof(buf)), "mac source model boot");
	assert_int_equal(vu_domain_add_iface(dom, &br, NULL), 0);
	assert_int_equal(vu_domain_add_iface(dom, &mv, NULL), 0);
	assert_int_equal(vu_domain_add_iface(dom, &user, NULL), 0);
	assert_int_equal(vu_domain_add_iface(dom, &ovs, NULL), 0);
	assert_int_equal(vu_domain_dev_count(dom, "interface"), 5);
	assert_valid(dom);

	assert_int_equal(vu_iface_get(iface, &i), 0);
	assert_string_equal(i.mac, "52:54:00:ab:cd:ef");
	assert_string_equal(i.source, "default");
	assert_string_equal(i.model, "virtio");
	assert_int_equal(i.boot_order, 3);
	vu_iface_clear(&i);
	assert_non_null(vu_domain_find_iface(dom, "52:54:00:01:02:03"));
	iface = vu_domain_find_iface(dom, "52:54:00:01:02:03");
	assert_int_equal(vu_iface_get(iface, &i), 0);
	assert_string_equal(i.type, "user");
	assert_null(i.source);
	vu_iface_clear(&i);
	iface = vu_domain_dev_next(dom, "interface", iface);
	assert_string_equal(child_names(iface, buf, sizeof(buf)), "source virtualport target");
	assert_int_equal(vu_iface_get(iface, &i), 0);
	assert_string_equal(i.interfaceid, OVS_ID);
	assert_string_equal(i.target_dev, "tap-web1");
	assert_null(i.mac);
	vu_iface_clear(&i);
	iface = vu_domain_dev_next(dom, "interface", vu_domain_dev_next(dom, "interface", NULL));
	iface = vu_domain_dev_next(dom, "interface", iface);
	assert_int_equal(vu_iface_get(iface, &i), 0);
	assert_string_equal(i.source, "eth0");
	assert_string_equal(i.source_mode, "bridge");
	vu_iface_clear(&i);

	/* Refused specs add nothing. */
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "network" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "user", .source = "x" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "vhostuser", .source = "x" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "bridge", .source = "br0", .source_mode = "vepa" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "direct", .source = "eth0", .source_mode = "nat" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "network", .source = "default", .mac = "01:00:5e:00:00:01" }, NULL),
		-EINVAL);	/* multicast */
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "bridge", .source = "br0", .interfaceid = OVS_ID }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "bridge", .source = "br0", .virtualport = "openvswitch",
		.interfaceid = "nope" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_iface(dom, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "interface"), 5);
	vu_domain_free(&dom);
}

/* Interfaces go after disks, controllers and filesystems, before the
 * serial ports, in a document that has all of them. */
static void test_interface_order(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	struct vu_iface_spec spec = { .type = "network", .source = "default" };
	(void)state;

	assert_int_equal(vu_domain_add_iface(dom, &spec, NULL), 0);
	assert_children(dom, "devices", "emulator disk interface interface serial console input "
					"input graphics sound video memballoon");
	assert_valid(dom);
	vu_domain_free(&dom);
}

/* vm-clone's pass over the interfaces: new MAC, new interfaceid, no tap. */
static void test_clone_edits(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-devices.xml");
	xmlNodePtr iface;
	char mac[VU_MAC_STRLEN], id[VU_UUID_STRLEN], *s = NULL;
	size_t with_mac = 0, with_port = 0;
	(void)state;

	for (iface = vu_domain_dev_next(dom, "interface", NULL); iface;
	     iface = vu_domain_dev_next(dom, "interface", iface)) {
		int r;

		assert_int_equal(vu_mac_generate(mac, NULL, NULL), 0);
		if (vu_node_has(iface, "mac")) {
			assert_int_equal(vu_iface_set_mac(iface, mac), 0);
			assert_get(vu_node_get(iface, "mac", "address", &s), s, mac);
			with_mac++;
		}
		vu_uuid_generate(id);
		r = vu_iface_set_interfaceid(iface, id);
		if (vu_node_has(iface, "virtualport")) {
			assert_int_equal(r, 0);
			assert_get(vu_node_get(iface, "virtualport/parameters", "interfaceid",
					       &s), s, id);
			with_port++;
		} else {
			assert_int_equal(r, -ENOENT);
			assert_false(vu_node_has(iface, "virtualport"));
		}
		assert_int_equal(vu_iface_set_target(iface, NULL), 0);
		assert_false(vu_node_has(iface, "target"));
	}
	assert_int_equal(with_mac, 10);
	assert_int_equal(with_port, 7);
	/* Profile ids (802.1Qbh, openvswitch) are not identities: kept. */
	with_port = 0;
	for (iface = vu_domain_dev_next(dom, "interface", NULL); iface;
	     iface = vu_domain_dev_next(dom, "interface", iface)) {
		with_port += vu_node_get(iface, "virtualport/parameters", "profileid", &s) == 0;
		free(s);
	}
	assert_int_equal(with_port, 3);
	free(assert_round_trip(dom));
	vu_domain_free(&dom);
}

static void test_mac_edits(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-demo2.xml");
	xmlNodePtr iface = vu_domain_dev_next(dom, "interface", NULL);
	char buf[64], *s = NULL;
	(void)state;

	/* <source network='default'/><mac address='24:42:53:21:52:45'/> */
	assert_non_null(iface);
	assert_ptr_equal(vu_domain_find_iface(dom, "24:42:53:21:52:45"), iface);
	assert_ptr_equal(vu_domain_find_iface(dom, "24:42:53:21:52:4"), NULL);
	assert_null(vu_domain_find_iface(dom, "52:54:00:00:00:01"));
	assert_null(vu_domain_find_iface(dom, "junk"));
	assert_null(vu_domain_find_iface(dom, NULL));
	assert_int_equal(vu_iface_set_mac(iface, "52:54:00:FE:DC:BA"), 0);
	assert_get(vu_node_get(iface, "mac", "address", &s), s, "52:54:00:fe:dc:ba");
	/* Any case, one-digit octets: the same MAC. */
	assert_ptr_equal(vu_domain_find_iface(dom, "52:54:0:FE:DC:BA"), iface);
	/* The <mac> stays where it was, after <source> in this document. */
	assert_string_equal(child_names(iface, buf, sizeof(buf)), "source mac");
	assert_int_equal(vu_iface_set_mac(iface, "ff:ff:ff:ff:ff:ff"), -EINVAL);
	assert_int_equal(vu_iface_set_mac(iface, "52:54:00:fe:dc"), -EINVAL);
	assert_get(vu_node_get(iface, "mac", "address", &s), s, "52:54:00:fe:dc:ba");
	/* No MAC: libvirt makes one up. */
	assert_int_equal(vu_iface_set_mac(iface, NULL), 0);
	assert_string_equal(child_names(iface, buf, sizeof(buf)), "source");
	assert_int_equal(vu_iface_set_mac(iface, "52:54:00:fe:dc:ba"), 0);
	assert_string_equal(child_names(iface, buf, sizeof(buf)), "mac source");
	assert_int_equal(vu_iface_set_mac(vu_domain_dev_next(dom, "disk", NULL), "52:54:00:fe:dc:ba"),
			 -EINVAL);
	assert_int_equal(vu_iface_set_target(iface, "tap0"), 0);
	assert_int_equal(vu_iface_set_target(iface, ""), -EINVAL);
	assert_string_equal(child_names(iface, buf, sizeof(buf)), "mac source target");
	assert_int_equal(vu_iface_set_interfaceid(iface, "nope"), -EINVAL);
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_seed_interfaces),
		cmocka_unit_test(test_boot_order_range),
		cmocka_unit_test(test_add_interfaces),
		cmocka_unit_test(test_interface_order),
		cmocka_unit_test(test_clone_edits),
		cmocka_unit_test(test_mac_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
