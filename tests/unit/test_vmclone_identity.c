/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmclone_identity.c - vm-clone's new identity, field by field, on a
 * document that validates (the live-only data it drops first is
 * test_domain_live.c's) */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain_test.h"

/* vm-clone's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-clone/vm-clone.h"

static const char live_xml[] =
	"<domain type='kvm' id='7'><name>web</name>"
	"<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><title>Web</title>"
	"<memory unit='KiB'>1048576</memory>"
	"<sysinfo type='smbios'><system><entry name='uuid'>"
	"4dea22b3-1d52-d8f3-2516-782e98ab3fa0</entry></system></sysinfo>"
	"<os><type>hvm</type><nvram>/n/web_VARS.fd</nvram></os><devices>"
	"<disk type='file' device='disk'><source file='/i/web.qcow2'/><backingStore/>"
	"<mirror type='file' job='copy'><source file='/i/m.img'/></mirror>"
	"<target dev='vda' bus='virtio'/><serial>WEBDISK0001234567</serial>"
	"<wwn>5000c50015ea71ad</wwn><alias name='virtio-disk0'/></disk>"
	"<interface type='network'><mac address='52:54:00:11:22:33'/>"
	"<source network='default' portid='0f1d3f9c-5d1c-4d8a-b0a6-1e5b7f1f9c01'/>"
	"<target dev='vnet3'/><alias name='ua-mine'/></interface>"
	"<interface type='bridge'><mac address='52:54:00:11:22:34'/><source bridge='br0'/>"
	"<virtualport type='openvswitch'><parameters "
	"interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport></interface>"
	"<serial type='file'><source path='/l/web-serial.log'/><target port='0'/></serial>"
	"<serial type='pty'><source path='/dev/pts/4'/><log file='/l/s1.log'/>"
	"<target port='1'/></serial>"
	"<console type='pty' tty='/dev/pts/4'><source path='/dev/pts/4'/>"
	"<target type='serial' port='1'/></console>"
	"<channel type='unix'><source mode='bind' path='/c/org.qemu.guest_agent.0'/>"
	"<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
	"<channel type='unix'><source mode='connect' path='/c/host.sock'/>"
	"<target type='virtio' name='org.example.host'/></channel>"
	"<graphics type='vnc' port='5901' autoport='no'/>"
	"<graphics type='spice' autoport='yes'/>"
	"</devices>"
	"<seclabel type='dynamic' model='selinux' relabel='yes'><label>a:b:c:s0</label>"
	"<imagelabel>a:b:d:s0</imagelabel></seclabel>"
	"<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>"
	"</domain>";

static char *get(struct vu_domain *dom, const char *path, const char *attr)
{
	char *v = NULL;

	vu_domain_get(dom, path, attr, &v);
	return v;
}

static bool used_33(const char *mac, void *opaque)
{
	(void)opaque;
	return strcmp(mac, "52:54:00:aa:bb:cc") == 0;
}

static void test_identity(void **state)
{
	struct vu_domain *dom = dom_parse(live_xml);
	struct vc_ident id = { .old_name = "web", .new_name = "web2",
			       .uuid = "11111111-2222-4333-8444-555555555555",
			       .nvram = "/n/web2_VARS.fd" };
	struct vu_err e = { 0 };
	char *mac0, *mac1;

	(void)state;
	vu_domain_scrub_live(dom);
	assert_int_equal(vc_identity(dom, &id, &e), 0);
	assert_valid(dom);
	assert_str(get(dom, "name", NULL), "web2");
	assert_str(get(dom, "uuid", NULL), id.uuid);
	assert_str(get(dom, "sysinfo/system/entry", NULL), id.uuid);
	assert_null(vu_domain_find(dom, "title"));
	assert_str(get(dom, "", "id"), NULL);
	assert_str(get(dom, "os/nvram", NULL), "/n/web2_VARS.fd");
	mac0 = dev_get(dom, "interface", 0, "mac", "address");
	mac1 = dev_get(dom, "interface", 1, "mac", "address");
	assert_string_not_equal(mac0, "52:54:00:11:22:33");
	assert_string_not_equal(mac1, "52:54:00:11:22:34");
	assert_string_not_equal(mac0, mac1);
	assert_int_equal(strncmp(mac0, "52:54:00:", 9), 0);
	free(mac0);
	free(mac1);
	mac0 = dev_get(dom, "interface", 1, "virtualport/parameters", "interfaceid");
	assert_string_not_equal(mac0, "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f");
	free(mac0);
	/* logs, sockets */
	assert_str(dev_get(dom, "serial", 0, "source", "path"), "/l/web2-serial.log");
	assert_str(dev_get(dom, "serial", 1, "log", "file"), "/l/s1-web2.log");
	assert_str(dev_get(dom, "channel", 0, "source", "path"),
		   "/c/org.qemu.guest_agent-web2.0");
	assert_str(dev_get(dom, "channel", 1, "source", "path"), "/c/host.sock");
	/* graphics on autoport */
	assert_str(dev_get(dom, "graphics", 0, NULL, "port"), NULL);
	assert_str(dev_get(dom, "graphics", 0, NULL, "autoport"), "yes");
	vu_domain_free(&dom);
}

/* Unix sockets QEMU binds, on every kind of device that has them, and
 * the ones it connects to (kept). */
static const char sockets_xml[] =
	"<domain type='kvm'><name>web</name><memory unit='KiB'>1048576</memory>"
	"<os><type>hvm</type></os><devices>"
	"<interface type='vhostuser'><mac address='52:54:00:11:22:35'/>"
	"<source type='unix' path='/v/web.vhost' mode='server'/><model type='virtio'/>"
	"</interface>"
	"<interface type='vhostuser'><mac address='52:54:00:11:22:36'/>"
	"<source type='unix' path='/v/web-switch.sock' mode='client'/>"
	"<model type='virtio'/></interface>"
	"<smartcard mode='passthrough' type='unix'><source mode='bind' path='/sc/web.sc'/>"
	"</smartcard>"
	"<serial type='unix'><source mode='bind' path='/s/web.serial'/><target port='0'/>"
	"</serial>"
	"<serial type='unix'><source mode='bind' path='/s/console.sock'/><target port='1'/>"
	"</serial>"
	"<serial type='unix'><source mode='connect' path='/s/web-host.sock'/>"
	"<target port='2'/></serial>"
	"<parallel type='unix'><source mode='bind' path='/p/web.par'/><target port='0'/>"
	"</parallel>"
	"<console type='unix'><source mode='bind' path='/s/web.serial'/>"
	"<target type='serial' port='0'/></console>"
	"<channel type='unix'><source path='/c/web.nomode'/>"
	"<target type='virtio' name='org.example.nomode'/></channel>"
	"<redirdev bus='usb' type='unix'><source mode='bind' path='/r/web.redir'/></redirdev>"
	"<rng model='virtio'><backend model='egd' type='unix'>"
	"<source mode='bind' path='/rng/web.egd'/></backend></rng>"
	"</devices></domain>";

static void test_sockets(void **state)
{
	struct vu_domain *dom = dom_parse(sockets_xml);
	struct vc_ident id = { .old_name = "web", .new_name = "web2",
			       .uuid = "11111111-2222-4333-8444-555555555555" };
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vc_identity(dom, &id, &e), 0);
	assert_valid(dom);
	/* bound: the name replaced, or -NEWNAME added */
	assert_str(dev_get(dom, "serial", 0, "source", "path"), "/s/web2.serial");
	assert_str(dev_get(dom, "serial", 1, "source", "path"), "/s/console-web2.sock");
	assert_str(dev_get(dom, "console", 0, "source", "path"), "/s/web2.serial");
	assert_str(dev_get(dom, "parallel", 0, "source", "path"), "/p/web2.par");
	assert_str(dev_get(dom, "redirdev", 0, "source", "path"), "/r/web2.redir");
	assert_str(dev_get(dom, "smartcard", 0, "source", "path"), "/sc/web2.sc");
	assert_str(dev_get(dom, "rng", 0, "backend/source", "path"), "/rng/web2.egd");
	assert_str(dev_get(dom, "interface", 0, "source", "path"), "/v/web2.vhost");
	/* connected to: another program's, kept even when named for the domain */
	assert_str(dev_get(dom, "serial", 2, "source", "path"), "/s/web-host.sock");
	assert_str(dev_get(dom, "channel", 0, "source", "path"), "/c/web.nomode");
	assert_str(dev_get(dom, "interface", 1, "source", "path"), "/v/web-switch.sock");
	vu_domain_free(&dom);
}

static void test_macs(void **state)
{
	struct vu_domain *dom = dom_parse(live_xml);
	char *const macs[] = { "52:54:00:01:02:03", "RANDOM" };
	char *const taken[] = { "52:54:00:aa:bb:cc" };
	char *const dup[] = { "52:54:00:11:22:34" };
	struct vc_ident id = { .old_name = "web", .new_name = "w",
			       .uuid = "11111111-2222-4333-8444-555555555555",
			       .macs = macs, .nmacs = 2, .used = used_33 };
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vc_identity(dom, &id, &e), 0);
	assert_str(dev_get(dom, "interface", 0, "mac", "address"), "52:54:00:01:02:03");
	id.macs = taken;
	id.nmacs = 1;
	assert_int_equal(vc_identity(dom, &id, &e), -EEXIST);
	assert_string_equal(e.msg, "The MAC address '52:54:00:aa:bb:cc' is in use by another "
			    "virtual machine.");
	vu_domain_free(&dom);
	/* The original's own MACs are not the clone's to take. */
	dom = dom_parse(live_xml);
	id.macs = dup;
	assert_int_equal(vc_identity(dom, &id, &e), -EEXIST);
	vu_domain_free(&dom);
}

static void test_reidentify(void **state)
{
	struct vu_domain *dom = dom_parse(live_xml);
	xmlNodePtr disk = vu_domain_dev_next(dom, "disk", NULL);
	char *serial = NULL, *wwn = NULL;

	(void)state;
	assert_int_equal(vc_disk_reidentify(disk), 0);
	assert_int_equal(vu_node_get(disk, "serial", NULL, &serial), 0);
	assert_int_equal(strlen(serial), strlen("WEBDISK0001234567"));
	assert_int_equal(strncmp(serial, "WEBDISK00", 9), 0);
	assert_string_not_equal(serial, "WEBDISK0001234567");
	assert_int_equal(vu_node_get(disk, "wwn", NULL, &wwn), 0);
	assert_int_equal(strlen(wwn), 16);
	assert_int_equal(strncmp(wwn, "5000c50", 7), 0);
	assert_string_not_equal(wwn, "5000c50015ea71ad");
	free(serial);
	free(wwn);
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_rename_path(void **state)
{
	(void)state;
	assert_str(vc_rename_path("/l/web.log", "web", "db"), "/l/db.log");
	assert_str(vc_rename_path("/l/console.log", "web", "db"), "/l/console-db.log");
	assert_str(vc_rename_path("/web/console", "web", "db"), "/web/console-db");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity), cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_reidentify), cmocka_unit_test(test_rename_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
