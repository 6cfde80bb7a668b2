/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ovfxml.c - an OVF's virtual hardware read into plain structs */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vu/ovfxml.h"

#define ENV "<Envelope xmlns='http://schemas.dmtf.org/ovf/envelope/1' " \
	    "xmlns:ovf='http://schemas.dmtf.org/ovf/envelope/1' " \
	    "xmlns:rasd='http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
	    "CIM_ResourceAllocationSettingData'>"
#define REFS "<References><File ovf:id='f1' ovf:href='d1.vmdk'/></References>" \
	     "<DiskSection><Disk ovf:diskId='vd1' ovf:fileRef='f1'/></DiskSection>"
#define ITEM(type, rest) "<Item><rasd:ResourceType>" #type "</rasd:ResourceType>" rest "</Item>"
#define CPU2 ITEM(3, "<rasd:VirtualQuantity>2</rasd:VirtualQuantity>")
#define MEM(q, u) ITEM(4, "<rasd:VirtualQuantity>" q "</rasd:VirtualQuantity>" \
		       "<rasd:AllocationUnits>" u "</rasd:AllocationUnits>")

static int parse(struct vu_ovf *o, const char *xml, struct vu_err *e)
{
	memset(e, 0, sizeof(*e));
	return vu_ovf_parse(o, xml, strlen(xml), e);
}

static void test_hardware(void **state)
{
	const char *xml = ENV REFS "<VirtualSystem ovf:id='vm1'><Name> web </Name>"
		"<OperatingSystemSection><Description>Debian</Description></OperatingSystemSection>"
		"<VirtualHardwareSection>" CPU2 MEM("2", "byte * 2^30")
		ITEM(5, "<rasd:InstanceID>7</rasd:InstanceID>")
		ITEM(17, "<rasd:Parent>7</rasd:Parent><rasd:HostResource>ovf:/disk/vd1"
			 "</rasd:HostResource>")
		ITEM(10, "<rasd:ResourceSubType>E1000e</rasd:ResourceSubType>"
			 "<rasd:Connection>VM Network</rasd:Connection>"
			 "<rasd:Address>00:50:56:AB:CD:EF</rasd:Address>")
		ITEM(10, "<rasd:ResourceSubType>Flexible</rasd:ResourceSubType>"
			 "<rasd:Address>7</rasd:Address>")
		"<vmw:Config xmlns:vmw='http://www.vmware.com/schema/ovf' vmw:key='firmware' "
		"vmw:value='efi'/>"
		"</VirtualHardwareSection></VirtualSystem></Envelope>";
	struct vu_ovf o;
	struct vu_err e;

	(void)state;
	assert_int_equal(parse(&o, xml, &e), 0);
	assert_string_equal(o.name, "web");
	assert_string_equal(o.os, "Debian");
	assert_int_equal(o.vcpus, 2);
	assert_int_equal(o.memory, 2ull << 30);
	assert_int_equal(o.ndisks, 1);
	assert_string_equal(o.disks[0].href, "d1.vmdk");
	assert_string_equal(o.disks[0].bus, "ide");
	assert_int_equal(o.nnics, 2);
	assert_string_equal(o.nics[0].model, "e1000e");
	assert_string_equal(o.nics[0].network, "VM Network");
	assert_string_equal(o.nics[0].mac, "00:50:56:ab:cd:ef");
	assert_string_equal(o.nics[1].model, "e1000");
	assert_string_equal(o.nics[1].mac, "");
	assert_null(o.nics[1].network);
	assert_true(o.efi);
	vu_ovf_free(&o);
}

/* A collection holding the system; memory in MegaBytes, the id as name. */
static void test_collection(void **state)
{
	const char *xml = ENV "<VirtualSystemCollection><VirtualSystem ovf:id='vm2'>"
		"<VirtualHardwareSection>" CPU2 MEM("512", "MegaBytes")
		"</VirtualHardwareSection></VirtualSystem></VirtualSystemCollection></Envelope>";
	struct vu_ovf o;
	struct vu_err e;

	(void)state;
	assert_int_equal(parse(&o, xml, &e), 0);
	assert_string_equal(o.name, "vm2");
	assert_int_equal(o.memory, 512ull << 20);
	assert_false(o.efi);
	assert_int_equal(o.ndisks, 0);
	vu_ovf_free(&o);
}

static void test_refused(void **state)
{
	static const struct { const char *xml, *msg; } cases[] = {
		{ "<Envelope/>", "OVF: no Envelope with a VirtualSystem" },
		{ ENV "<VirtualSystem/></Envelope>", "OVF: no VirtualHardwareSection" },
		{ ENV "<VirtualSystem><VirtualHardwareSection>" CPU2
		  "</VirtualHardwareSection></VirtualSystem></Envelope>",
		  "OVF: the hardware section gives no memory" },
		{ ENV "<VirtualSystem><VirtualHardwareSection>" CPU2 MEM("1", "byte * 2^70")
		  "</VirtualHardwareSection></VirtualSystem></Envelope>",
		  "OVF: invalid memory size" },
		{ ENV "<VirtualSystem><VirtualHardwareSection>" CPU2 MEM("99999999", "GB")
		  "</VirtualHardwareSection></VirtualSystem></Envelope>",
		  "OVF: invalid memory size" },
		{ ENV "<VirtualSystem><VirtualHardwareSection>"
		  ITEM(3, "<rasd:VirtualQuantity>0</rasd:VirtualQuantity>")
		  "</VirtualHardwareSection></VirtualSystem></Envelope>",
		  "OVF: invalid processor count" },
		{ ENV REFS "<VirtualSystem><VirtualHardwareSection>" CPU2 MEM("1", "GB")
		  ITEM(17, "<rasd:HostResource>ovf:/disk/vd9</rasd:HostResource>")
		  "</VirtualHardwareSection></VirtualSystem></Envelope>",
		  "OVF: a disk names no file of the package" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct vu_ovf o;
		struct vu_err e;

		assert_int_equal(parse(&o, cases[i].xml, &e), -EINVAL);
		assert_string_equal(vu_err_str(&e), cases[i].msg);
		assert_null(o.name);
	}
}

/* A file reference that is a path is refused: volumes are made from
 * archive members, never from files the OVF points to elsewhere. */
static void test_href_path(void **state)
{
	const char *xml = ENV "<References><File ovf:id='f1' ovf:href='../../etc/shadow'/>"
		"</References><DiskSection><Disk ovf:diskId='vd1' ovf:fileRef='f1'/></DiskSection>"
		"<VirtualSystem><VirtualHardwareSection>" CPU2 MEM("1", "GB")
		ITEM(17, "<rasd:HostResource>ovf:/disk/vd1</rasd:HostResource>")
		"</VirtualHardwareSection></VirtualSystem></Envelope>";
	struct vu_ovf o;
	struct vu_err e;

	(void)state;
	assert_int_equal(parse(&o, xml, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardware),
		cmocka_unit_test(test_collection),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_href_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
