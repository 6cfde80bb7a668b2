/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_live.c - a running domain's XML made persistent again: the
 * live-only data dropped, field by field, and the user's kept */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

static const char live_xml[] =
	"<domain type='kvm' id='7'><name>web</name>"
	"<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><title>Web</title>"
	"<memory unit='KiB'>1048576</memory>"
	"<os><type>hvm</type></os><devices>"
	"<disk type='file' device='disk'><source file='/i/web.qcow2'/><backingStore/>"
	"<mirror type='file' job='copy'><source file='/i/m.img'/></mirror>"
	"<target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>"
	"<interface type='network'><mac address='52:54:00:11:22:33'/>"
	"<source network='default' portid='0f1d3f9c-5d1c-4d8a-b0a6-1e5b7f1f9c01'/>"
	"<target dev='vnet3'/><alias name='ua-mine'/></interface>"
	"<serial type='file'><source path='/l/web-serial.log'/><target port='0'/></serial>"
	"<serial type='pty'><source path='/dev/pts/4'/><log file='/l/s1.log'/>"
	"<target port='1'/></serial>"
	"<console type='pty' tty='/dev/pts/4'><source path='/dev/pts/4'/>"
	"<target type='serial' port='1'/></console>"
	"</devices>"
	"<seclabel type='dynamic' model='selinux' relabel='yes'><label>a:b:c:s0</label>"
	"<imagelabel>a:b:d:s0</imagelabel></seclabel>"
	"<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>"
	"</domain>";

static void test_scrub(void **state)
{
	struct vu_domain *dom = dom_parse(live_xml);
	char *v = NULL;

	(void)state;
	vu_domain_scrub_live(dom);
	assert_valid(dom);
	assert_get(vu_domain_get(dom, "", "id", &v), v, NULL);
	/* interfaces: target, portid, aliases (not the user's) */
	assert_str(dev_get(dom, "interface", 0, "target", "dev"), NULL);
	assert_str(dev_get(dom, "interface", 0, "source", "portid"), NULL);
	assert_str(dev_get(dom, "interface", 0, "source", "network"), "default");
	assert_str(dev_get(dom, "interface", 0, "alias", "name"), "ua-mine");
	assert_str(dev_get(dom, "interface", 0, "mac", "address"), "52:54:00:11:22:33");
	/* disks: aliases, backing chain and mirror as the running QEMU sees them */
	assert_str(dev_get(dom, "disk", 0, "alias", "name"), NULL);
	assert_false(vu_node_has(vu_domain_dev_next(dom, "disk", NULL), "backingStore"));
	assert_false(vu_node_has(vu_domain_dev_next(dom, "disk", NULL), "mirror"));
	assert_str(dev_get(dom, "disk", 0, "source", "file"), "/i/web.qcow2");
	/* ptys: the paths of this run; files and logs stay */
	assert_str(dev_get(dom, "serial", 0, "source", "path"), "/l/web-serial.log");
	assert_str(dev_get(dom, "serial", 1, "source", "path"), NULL);
	assert_str(dev_get(dom, "serial", 1, "log", "file"), "/l/s1.log");
	assert_str(dev_get(dom, "console", 0, NULL, "tty"), NULL);
	assert_str(dev_get(dom, "console", 0, "source", "path"), NULL);
	/* dynamic labels go, static ones stay; image labels go */
	assert_null(vu_domain_find(dom, "seclabel/label"));
	assert_null(vu_domain_find(dom, "seclabel/imagelabel"));
	{
		xmlNodePtr s = vu_node_next(vu_domain_find(dom, "seclabel"), "seclabel");

		assert_non_null(vu_node_child(s, "label"));
	}
	/* the rest is the document as it was */
	assert_str(dev_get(dom, "interface", 0, NULL, "type"), "network");
	assert_get(vu_domain_get_title(dom, &v), v, "Web");
	vu_domain_free(&dom);
}

/* A persistent definition has nothing to drop: it comes out the same. */
static void test_persistent_unchanged(void **state)
{
	struct vu_domain *dom = dom_fixture("s2-sles11sp3.xml");
	struct vu_domain *orig = dom_fixture("s2-sles11sp3.xml");

	(void)state;
	vu_domain_scrub_live(dom);
	assert_true(vu_xml_c14n_equal(vu_domain_doc(dom), vu_domain_doc(orig)));
	vu_domain_free(&dom);
	vu_domain_free(&orig);
}

/* libvirt's own live XML (virsh dumpxml of a running guest). */
static void test_libvirt_live(void **state)
{
	struct vu_domain *dom = dom_fixture("s1-rhelx86_64-live.xml");

	(void)state;
	vu_domain_scrub_live(dom);
	assert_valid(dom);
	assert_null(vu_domain_find(dom, "devices/disk/alias"));
	assert_null(vu_domain_find(dom, "devices/controller/alias"));
	assert_null(vu_domain_find(dom, "devices/video/alias"));
	assert_null(vu_domain_find(dom, "devices/interface/target"));
	assert_null(vu_domain_find(dom, "devices/serial/source"));
	assert_non_null(vu_domain_find(dom, "devices/disk/address"));
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_persistent_unchanged),
		cmocka_unit_test(test_libvirt_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
