/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain_dev.c - the devices list and the builders for what vm-create
 * writes: emulator, graphics, video, consoles and channels, controllers,
 * input, rng, memballoon, filesystems, PCI host devices, watchdog, sound */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vu/base.h"

#include "domain_test.h"

static void test_emulator(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-qemu-block.xml");
	char *s = NULL;
	(void)state;

	assert_get(vu_domain_get_emulator(dom, &s), s, "/usr/bin/qemu");
	assert_int_equal(vu_domain_set_emulator(dom, "/usr/bin/qemu-system-i386"), 0);
	assert_get(vu_domain_get_emulator(dom, &s), s, "/usr/bin/qemu-system-i386");
	assert_int_equal(vu_domain_set_emulator(dom, "qemu"), -EINVAL);
	assert_children(dom, "devices", "emulator disk");
	vu_domain_free(&dom);

	/* Created first in <devices>, which is created after everything. */
	dom = dom_minimal();
	assert_int_equal(vu_domain_add_input(dom, "tablet", "usb", NULL), 0);
	assert_int_equal(vu_domain_set_emulator(dom, "/usr/bin/qemu-system-x86_64"), 0);
	assert_children(dom, "devices", "emulator input");
	assert_int_equal(vu_domain_set_emulator(dom, NULL), 0);
	assert_children(dom, "devices", "input");
	assert_get(vu_domain_get_emulator(dom, &s), s, NULL);
	vu_domain_free(&dom);
}

static void test_iterate(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	size_t n = 0;
	(void)state;

	/* Every device but the emulator, in document order. */
	for (xmlNodePtr d = vu_domain_dev_next(dom, NULL, NULL); d;
	     d = vu_domain_dev_next(dom, NULL, d))
		n++;
	assert_int_equal(n, 10);
	assert_int_equal(vu_domain_dev_count(dom, NULL), 10);
	assert_int_equal(vu_domain_dev_count(dom, "input"), 2);
	assert_int_equal(vu_domain_dev_count(dom, "hostdev"), 0);
	assert_int_equal(vu_domain_dev_count(dom, "emulator"), 1);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_null(vu_domain_dev_next(dom, NULL, NULL));
	assert_int_equal(vu_domain_dev_count(dom, "disk"), 0);
	vu_domain_free(&dom);
}

/* The generic adders: any device from attributes or from XML, put with its
 * kind; errors add nothing. */
static void test_generic_add(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	static const char *const panic[] = { "model", "isa", "junk", NULL, NULL };
	struct vu_err e = { 0 };
	xmlNodePtr dev = NULL;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_dev_add(dom, "panic", panic, &dev), 0);
	assert_get(vu_node_get(dev, NULL, "model", &s), s, "isa");
	assert_get(vu_node_get(dev, NULL, "junk", &s), s, NULL);
	assert_int_equal(vu_domain_dev_add_xml(dom, "<tpm model='tpm-crb'><backend "
					       "type='emulator' version='2.0'/></tpm>", &dev, &e), 0);
	assert_get(vu_node_get(dev, "backend", "version", &s), s, "2.0");
	assert_int_equal(vu_domain_dev_add_xml(dom, "<controller type='usb' index='0' "
					       "model='qemu-xhci'/>", NULL, &e), 0);
	assert_children(dom, "devices", "emulator disk controller interface serial console "
					"input input tpm graphics sound video memballoon panic");
	assert_valid(dom);
	/* Unknown devices are added too, at the end. */
	assert_int_equal(vu_domain_dev_add(dom, "hovercraft", NULL, NULL), 0);
	assert_int_equal(vu_domain_dev_count(dom, "hovercraft"), 1);
	/* Refused. */
	assert_int_equal(vu_domain_dev_add(dom, "emulator", NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_add(dom, "bad name", NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_add(dom, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_add(dom, "rng", (const char *const[]){ "bad attr", "x",
									     NULL }, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "rng"), 0);
	assert_int_equal(vu_domain_dev_add_xml(dom, "<rng model='virtio'>", NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "line 1"));
	assert_int_equal(vu_domain_dev_add_xml(dom, "<q:rng xmlns:q='urn:q'/>", NULL, &e), -EINVAL);
	assert_int_equal(vu_domain_dev_add_xml(dom, "<emulator>/x</emulator>", NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "<emulator> is not a device");
	assert_int_equal(vu_domain_dev_add_xml(dom, NULL, NULL, &e), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "rng"), 0);
	vu_domain_free(&dom);
}

/* A foreign namespace used inside an added device comes along with it. */
static void test_add_xml_namespaces(void **state)
{
	struct vu_domain *dom = dom_minimal();
	xmlNodePtr dev = NULL;
	char *text;
	(void)state;

	assert_int_equal(vu_domain_dev_add_xml(dom, "<shmem name='s' xmlns:x='urn:x'>"
					       "<x:note>hi</x:note><size unit='M'>4</size></shmem>",
					       &dev, NULL), 0);
	text = assert_round_trip(dom);
	assert_non_null(strstr(text, "<shmem xmlns:x=\"urn:x\" name=\"s\">"));
	assert_non_null(strstr(text, "<x:note>hi</x:note>"));
	free(text);
	vu_domain_free(&dom);
}

static void test_graphics(void **state)
{
	struct vu_domain *dom = dom_minimal();
	struct vu_graphics_spec vnc = { .type = "vnc", .listen = "127.0.0.1", .port = -1 };
	struct vu_graphics_spec spice = { .type = "spice", .port = 5930, .passwd = "s3cret" };
	xmlNodePtr g = NULL;
	char buf[64], *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_graphics(dom, &vnc, &g), 0);
	assert_get(vu_node_get(g, NULL, "port", &s), s, "-1");
	assert_get(vu_node_get(g, NULL, "autoport", &s), s, "yes");
	assert_get(vu_node_get(g, NULL, "listen", &s), s, "127.0.0.1");
	assert_get(vu_node_get(g, "listen", "type", &s), s, "address");
	assert_get(vu_node_get(g, "listen", "address", &s), s, "127.0.0.1");
	assert_int_equal(vu_domain_add_graphics(dom, &spice, &g), 0);
	assert_get(vu_node_get(g, NULL, "port", &s), s, "5930");
	assert_get(vu_node_get(g, NULL, "autoport", &s), s, "no");
	assert_get(vu_node_get(g, NULL, "passwd", &s), s, "s3cret");
	assert_string_equal(child_names(g, buf, sizeof(buf)), "");
	assert_int_equal(vu_domain_add_graphics(dom, &(struct vu_graphics_spec){ .type = "vnc" },
						&g), 0);
	assert_get(vu_node_get(g, NULL, "port", &s), s, NULL);
	assert_valid(dom);
	/* A clone's graphics: back to autoport, the fixed port gone. */
	g = vu_domain_dev_next(dom, "graphics", vu_domain_dev_next(dom, "graphics", NULL));
	assert_int_equal(vu_node_set(g, NULL, "tlsPort", "5931"), 0);
	assert_int_equal(vu_graphics_set_port(g, -1), 0);
	assert_get(vu_node_get(g, NULL, "port", &s), s, NULL);
	assert_get(vu_node_get(g, NULL, "tlsPort", &s), s, NULL);
	assert_get(vu_node_get(g, NULL, "autoport", &s), s, "yes");
	assert_get(vu_node_get(g, NULL, "passwd", &s), s, "s3cret");
	assert_int_equal(vu_graphics_set_port(g, 5999), 0);
	assert_get(vu_node_get(g, NULL, "port", &s), s, "5999");
	assert_get(vu_node_get(g, NULL, "autoport", &s), s, "no");
	assert_valid(dom);
	assert_int_equal(vu_graphics_set_port(g, 0), -EINVAL);
	assert_int_equal(vu_graphics_set_port(g, 70000), -EINVAL);
	assert_int_equal(vu_graphics_set_port(vu_domain_find(dom, "os"), -1), -EINVAL);
	assert_int_equal(vu_domain_add_graphics(dom, &(struct vu_graphics_spec){ .port = -1 },
						NULL), -EINVAL);
	assert_int_equal(vu_domain_add_graphics(dom, &(struct vu_graphics_spec){
		.type = "vnc", .port = -2 }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_graphics(dom, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "graphics"), 3);
	vu_domain_free(&dom);

	/* The seed's live graphics: a port libvirt chose, to be given back. */
	dom = dom_fixture("s1-rhelx86_64-live.xml");
	g = vu_domain_dev_next(dom, "graphics", NULL);
	assert_int_equal(vu_graphics_set_port(g, -1), 0);
	assert_get(vu_node_get(g, NULL, "keymap", &s), s, "en-us");
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_video(void **state)
{
	struct vu_domain *dom = dom_minimal();
	xmlNodePtr v = NULL;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_video(dom, "virtio", 0, 1, &v), 0);
	assert_get(vu_node_get(v, "model", "type", &s), s, "virtio");
	assert_get(vu_node_get(v, "model", "heads", &s), s, "1");
	assert_get(vu_node_get(v, "model", "vram", &s), s, NULL);
	assert_int_equal(vu_domain_add_video(dom, "qxl", 65536, 0, &v), 0);
	assert_get(vu_node_get(v, "model", "vram", &s), s, "65536");
	assert_get(vu_node_get(v, "model", "heads", &s), s, NULL);
	assert_int_equal(vu_domain_add_video(dom, "", 0, 0, NULL), -EINVAL);
	assert_valid(dom);
	vu_domain_free(&dom);
}

/* virt-install's default pty serial console, a file serial log, and the
 * guest agent channel. */
static void test_chardevs(void **state)
{
	struct vu_domain *dom = dom_minimal();
	struct vu_chardev_spec serial = { .elem = "serial", .type = "pty", .target_port = 0 };
	struct vu_chardev_spec console = {
		.elem = "console", .type = "pty", .target_type = "serial", .target_port = 0,
	};
	struct vu_chardev_spec log = {
		.elem = "serial", .type = "file", .path = "/var/log/virtutils/t-serial.log",
		.target_port = 1,
	};
	struct vu_chardev_spec agent = {
		.elem = "channel", .type = "unix", .mode = "bind",
		.path = "/run/virtutils/t.agent", .target_type = "virtio",
		.target_name = "org.qemu.guest_agent.0", .target_port = -1,
	};
	xmlNodePtr c = NULL;
	char buf[64], *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_chardev(dom, &agent, &c), 0);
	assert_int_equal(vu_domain_add_chardev(dom, &console, NULL), 0);
	assert_int_equal(vu_domain_add_chardev(dom, &serial, NULL), 0);
	assert_int_equal(vu_domain_add_chardev(dom, &log, NULL), 0);
	assert_children(dom, "devices", "serial serial console channel");
	assert_valid(dom);
	assert_string_equal(child_names(c, buf, sizeof(buf)), "source target");
	assert_get(vu_node_get(c, "source", "mode", &s), s, "bind");
	assert_get(vu_node_get(c, "source", "path", &s), s, "/run/virtutils/t.agent");
	assert_get(vu_node_get(c, "target", "name", &s), s, "org.qemu.guest_agent.0");
	assert_get(vu_node_get(c, "target", "port", &s), s, NULL);
	/* A clone's channel: a new socket path. */
	assert_int_equal(vu_node_set(c, "source", "path", "/run/virtutils/u.agent"), 0);
	assert_get(vu_node_get(c, "source", "path", &s), s, "/run/virtutils/u.agent");
	c = vu_domain_dev_next(dom, "serial", vu_domain_dev_next(dom, "serial", NULL));
	assert_get(vu_node_get(c, NULL, "type", &s), s, "file");
	assert_get(vu_node_get(c, "source", "path", &s), s, "/var/log/virtutils/t-serial.log");
	assert_get(vu_node_get(c, "target", "port", &s), s, "1");
	c = vu_domain_dev_next(dom, "serial", NULL);
	assert_string_equal(child_names(c, buf, sizeof(buf)), "target");
	/* No target fields, no <target>. */
	assert_int_equal(vu_domain_add_chardev(dom, &(struct vu_chardev_spec){
		.elem = "parallel", .type = "null", .target_port = -1 }, &c), 0);
	assert_string_equal(child_names(c, buf, sizeof(buf)), "");
	assert_int_equal(vu_domain_add_chardev(dom, &(struct vu_chardev_spec){
		.elem = "smartcard", .type = "pty" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_chardev(dom, &(struct vu_chardev_spec){
		.elem = "serial" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_chardev(dom, NULL, NULL), -EINVAL);
	vu_domain_free(&dom);
}

static void test_controllers(void **state)
{
	struct vu_domain *dom = dom_fixture("s4-devices.xml");
	xmlNodePtr c = NULL;
	char *s = NULL;
	(void)state;

	/* The fixture has virtio-serial 0 and 1, usb 0 twice, pci 0..2. */
	assert_int_equal(vu_domain_add_controller(dom, "virtio-serial", -1, NULL, &c), 0);
	assert_get(vu_node_get(c, NULL, "index", &s), s, "2");
	assert_int_equal(vu_domain_add_controller(dom, "pci", -1, "pcie-root-port", &c), 0);
	assert_get(vu_node_get(c, NULL, "index", &s), s, "3");
	assert_get(vu_node_get(c, NULL, "model", &s), s, "pcie-root-port");
	assert_int_equal(vu_domain_add_controller(dom, "scsi", -1, "virtio-scsi", &c), 0);
	assert_get(vu_node_get(c, NULL, "index", &s), s, "0");
	assert_int_equal(vu_domain_add_controller(dom, "usb", 5, NULL, &c), 0);
	assert_get(vu_node_get(c, NULL, "index", &s), s, "5");
	assert_int_equal(vu_domain_add_controller(dom, NULL, -1, NULL, NULL), -EINVAL);
	/* After the last controller, which the lease follows in this document. */
	assert_string_equal((const char *)xmlNextElementSibling(c)->name, "lease");
	assert_string_equal((const char *)xmlPreviousElementSibling(c)->name, "controller");
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_add_controller(dom, "usb", -1, "qemu-xhci", NULL), 0);
	assert_int_equal(vu_domain_add_controller(dom, "pci", 0, "pcie-root", NULL), 0);
	assert_int_equal(vu_domain_add_controller(dom, "usb", -1, NULL, &c), 0);
	assert_get(vu_node_get(c, NULL, "index", &s), s, "1");
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_input_rng_balloon(void **state)
{
	struct vu_domain *dom = dom_fixture("s0-guest1-rhel6-64.xml");
	xmlNodePtr d = NULL, mb = vu_domain_dev_next(dom, "memballoon", NULL);
	char buf[64], *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_input(dom, "keyboard", "virtio", &d), 0);
	assert_get(vu_node_get(d, NULL, "bus", &s), s, "virtio");
	assert_int_equal(vu_domain_add_input(dom, "", "usb", NULL), -EINVAL);
	assert_int_equal(vu_domain_add_rng(dom, NULL, &d), 0);
	assert_get(vu_node_get(d, NULL, "model", &s), s, "virtio");
	assert_get(vu_node_get(d, "backend", "model", &s), s, "random");
	assert_get(vu_node_get(d, "backend", NULL, &s), s, "/dev/urandom");
	assert_int_equal(vu_domain_add_rng(dom, "/dev/hwrng", &d), 0);
	assert_get(vu_node_get(d, "backend", NULL, &s), s, "/dev/hwrng");
	assert_int_equal(vu_domain_add_rng(dom, "hwrng", NULL), -EINVAL);
	/* The one memballoon changes model in place and keeps its address. */
	assert_int_equal(vu_domain_set_memballoon(dom, "none", &d), 0);
	assert_ptr_equal(d, mb);
	assert_string_equal(child_names(mb, buf, sizeof(buf)), "address");
	assert_int_equal(vu_domain_set_memballoon(dom, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "memballoon"), 1);
	assert_children(dom, "devices", "emulator disk interface serial console input input "
					"input graphics sound video memballoon rng rng");
	assert_int_equal(vu_domain_set_memballoon(dom, "virtio", NULL), 0);
	assert_valid(dom);
	vu_domain_free(&dom);

	dom = dom_minimal();
	assert_int_equal(vu_domain_set_memballoon(dom, "virtio", &d), 0);
	assert_int_equal(vu_domain_dev_count(dom, "memballoon"), 1);
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_filesystem(void **state)
{
	struct vu_domain *dom = dom_minimal();
	struct vu_fs_spec share = {
		.accessmode = "passthrough", .driver = "path", .source = "/srv/share",
		.target = "share", .readonly = true,
	};
	struct vu_fs_spec vfs = { .type = "mount", .driver = "virtiofs", .source = "/srv/data",
				  .target = "data" };
	xmlNodePtr fs = NULL;
	char buf[64], *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_filesystem(dom, &share, &fs), 0);
	assert_string_equal(child_names(fs, buf, sizeof(buf)), "driver source target readonly");
	assert_get(vu_node_get(fs, NULL, "type", &s), s, "mount");
	assert_get(vu_node_get(fs, NULL, "accessmode", &s), s, "passthrough");
	assert_get(vu_node_get(fs, "source", "dir", &s), s, "/srv/share");
	assert_get(vu_node_get(fs, "target", "dir", &s), s, "share");
	assert_int_equal(vu_domain_add_filesystem(dom, &vfs, &fs), 0);
	assert_get(vu_node_get(fs, "driver", "type", &s), s, "virtiofs");
	assert_int_equal(vu_domain_add_filesystem(dom, &(struct vu_fs_spec){
		.type = "file", .source = "/srv/fs.img", .target = "img" }, &fs), 0);
	assert_get(vu_node_get(fs, "source", "file", &s), s, "/srv/fs.img");
	assert_valid(dom);
	assert_int_equal(vu_domain_add_filesystem(dom, &(struct vu_fs_spec){
		.type = "ram", .source = "1024", .target = "tmp" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_filesystem(dom, &(struct vu_fs_spec){
		.source = "/srv" }, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "filesystem"), 3);
	vu_domain_free(&dom);
}

static void test_pci_addr_parse(void **state)
{
	static const struct {
		const char *s;
		struct vu_pci_addr a;
	} ok[] = {
		{ "0000:06:02.0", { 0, 6, 2, 0 } }, { "06:02.0", { 0, 6, 2, 0 } },
		{ "pci_0000_06_02_0", { 0, 6, 2, 0 } }, { "ffff:ff:1f.7", { 0xffff, 0xff, 0x1f, 7 } },
		{ "0001:3B:00.1", { 1, 0x3b, 0, 1 } }, { "pci_0001_3b_00_1", { 1, 0x3b, 0, 1 } },
		{ "0:0:1.0", { 0, 0, 1, 0 } },
	};
	static const char *const bad[] = {
		"", "06:02", "0000:06:02", "0000:06:20.0", "0000:06:02.8", "00000:06:02.0",
		"0000:006:02.0", "0000:06:02.0 ", "g000:06:02.0", "pci_0000_06_02_0_",
		"pci_0000:06:02.0", "pci_000_06_02_0", "0000.06.02.0", "06-02-0",
	};
	struct vu_pci_addr a;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(vu_pci_addr_parse(ok[i].s, &a), 0);
		assert_memory_equal(&a, &ok[i].a, sizeof(a));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(vu_pci_addr_parse(bad[i], &a), -EINVAL);
	assert_int_equal(vu_pci_addr_parse(NULL, &a), -EINVAL);
}

static void test_hostdev(void **state)
{
	struct vu_domain *dom = dom_minimal();
	struct vu_pci_addr in = { 0, 0x3b, 0x1f, 7 }, out;
	xmlNodePtr h = NULL;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_hostdev_pci(dom, &in, true, &h), 0);
	assert_get(vu_node_get(h, NULL, "managed", &s), s, "yes");
	assert_get(vu_node_get(h, "source/address", "bus", &s), s, "0x3b");
	assert_get(vu_node_get(h, "source/address", "domain", &s), s, "0x0000");
	assert_int_equal(vu_hostdev_get_pci(h, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	assert_int_equal(vu_domain_add_hostdev_pci(dom, &(struct vu_pci_addr){ 1, 2, 3, 4 },
						   false, &h), 0);
	assert_get(vu_node_get(h, NULL, "managed", &s), s, "no");
	assert_valid(dom);
	assert_int_equal(vu_domain_add_hostdev_pci(dom, &(struct vu_pci_addr){ 0, 0, 32, 0 },
						   true, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_hostdev_pci(dom, NULL, true, NULL), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, "hostdev"), 2);
	vu_domain_free(&dom);

	/* The seed's hostdevs: decimal and hex addresses; USB has none. */
	dom = dom_fixture("s4-devices.xml");
	h = vu_domain_dev_next(dom, "hostdev", NULL);			/* usb */
	assert_int_equal(vu_hostdev_get_pci(h, &out), -ENOENT);
	h = vu_domain_dev_next(dom, "hostdev", h);			/* pci */
	assert_int_equal(vu_hostdev_get_pci(h, &out), 0);
	assert_memory_equal(&out, (&(struct vu_pci_addr){ 0, 6, 2, 0 }), sizeof(out));
	assert_int_equal(vu_node_set(h, "source/address", "slot", "31"), 0);
	assert_int_equal(vu_hostdev_get_pci(h, &out), 0);
	assert_int_equal(out.slot, 31);
	assert_int_equal(vu_node_set(h, "source/address", "slot", "0x20"), 0);
	assert_int_equal(vu_hostdev_get_pci(h, &out), -EINVAL);
	assert_int_equal(vu_node_set(h, "source/address", "slot", "-1"), 0);
	assert_int_equal(vu_hostdev_get_pci(h, &out), -EINVAL);
	assert_int_equal(vu_node_set(h, "source/address", "slot", NULL), 0);
	assert_int_equal(vu_hostdev_get_pci(h, &out), -EINVAL);
	assert_int_equal(vu_hostdev_get_pci(vu_domain_find(dom, "os"), &out), -EINVAL);
	vu_domain_free(&dom);
}

static void test_watchdog_sound(void **state)
{
	struct vu_domain *dom = dom_minimal();
	xmlNodePtr d = NULL;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_add_sound(dom, "ich9", &d), 0);
	assert_int_equal(vu_domain_add_watchdog(dom, "i6300esb", "poweroff", &d), 0);
	assert_get(vu_node_get(d, NULL, "action", &s), s, "poweroff");
	assert_int_equal(vu_domain_add_watchdog(dom, "ib700", NULL, NULL), -EEXIST);
	assert_int_equal(vu_domain_add_sound(dom, "ac97", NULL), 0);
	assert_int_equal(vu_domain_add_sound(dom, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_add_watchdog(dom, "", NULL, NULL), -EINVAL);
	assert_children(dom, "devices", "sound sound watchdog");
	assert_valid(dom);
	vu_domain_free(&dom);
}

/* A whole domain as vm-create will build it from virt-install's defaults,
 * every call in an arbitrary order: libvirt's order comes out, and libvirt
 * accepts it. */
static void test_vm_create_like(void **state)
{
	struct vu_domain *dom = NULL;
	char *text;
	(void)state;

	assert_int_equal(vu_domain_new(&dom, "kvm"), 0);
	assert_int_equal(vu_domain_set_memballoon(dom, "virtio", NULL), 0);
	assert_int_equal(vu_domain_add_rng(dom, NULL, NULL), 0);
	assert_int_equal(vu_domain_add_graphics(dom, &(struct vu_graphics_spec){
		.type = "vnc", .listen = "127.0.0.1", .port = -1 }, NULL), 0);
	assert_int_equal(vu_domain_add_video(dom, "virtio", 0, 1, NULL), 0);
	assert_int_equal(vu_domain_add_chardev(dom, &(struct vu_chardev_spec){
		.elem = "console", .type = "pty", .target_type = "serial", .target_port = 0 },
		NULL), 0);
	assert_int_equal(vu_domain_add_chardev(dom, &(struct vu_chardev_spec){
		.elem = "serial", .type = "pty", .target_port = 0 }, NULL), 0);
	assert_int_equal(vu_domain_add_iface(dom, &(struct vu_iface_spec){
		.type = "network", .source = "default", .mac = "52:54:00:12:34:56",
		.model = "virtio" }, NULL), 0);
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){
		.device = "cdrom", .source = "/srv/iso/f39.iso", .target_bus = "ide",
		.readonly = true }, NULL), 0);
	assert_int_equal(vu_domain_add_disk(dom, &(struct vu_disk_spec){
		.source = "/var/lib/virtutils/images/web1.qcow2", .driver_type = "qcow2",
		.target_bus = "virtio" }, NULL), 0);
	assert_int_equal(vu_domain_add_input(dom, "tablet", "usb", NULL), 0);
	assert_int_equal(vu_domain_add_controller(dom, "usb", -1, "qemu-xhci", NULL), 0);
	assert_int_equal(vu_domain_set_emulator(dom, "/usr/bin/qemu-system-x86_64"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "crash", "destroy"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "reboot", "restart"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "poweroff", "destroy"), 0);
	assert_int_equal(vu_domain_set_clock_offset(dom, "utc"), 0);
	assert_int_equal(vu_domain_set_cpu_mode(dom, "host-passthrough"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "apic"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "acpi"), 0);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "cdrom", "hd" }, 2), 0);
	assert_int_equal(vu_domain_set_os_type(dom, "hvm", "x86_64", "pc"), 0);
	assert_int_equal(vu_domain_set_vcpus(dom, 2, 0), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY_CURRENT, 2097152), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY, 2097152), 0);
	assert_int_equal(vu_domain_set_metadata(dom, "vi", "https://virtutils.org/xmlns/install/1",
						"<install phase='install'><on_reboot>destroy"
						"</on_reboot></install>", NULL), 0);
	assert_int_equal(vu_domain_set_uuid(dom, "c7a5fdbd-cdaf-9455-926a-d65c16db1809"), 0);
	assert_int_equal(vu_domain_set_name(dom, "web1"), 0);
	assert_children(dom, "", "name uuid metadata memory currentMemory vcpu os features cpu "
				 "clock on_poweroff on_reboot on_crash devices");
	assert_children(dom, "devices", "emulator disk disk controller interface serial console "
					"input graphics video memballoon rng");
	assert_valid(dom);
	text = assert_round_trip(dom);
	assert_non_null(strstr(text,
		"  <devices>\n"
		"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
		"    <disk type=\"file\" device=\"cdrom\">\n"
		"      <source file=\"/srv/iso/f39.iso\"/>\n"
		"      <target dev=\"hda\" bus=\"ide\"/>\n"
		"      <readonly/>\n"
		"    </disk>\n"
		"    <disk type=\"file\" device=\"disk\">\n"
		"      <driver name=\"qemu\" type=\"qcow2\"/>\n"
		"      <source file=\"/var/lib/virtutils/images/web1.qcow2\"/>\n"
		"      <target dev=\"vda\" bus=\"virtio\"/>\n"
		"    </disk>\n"));
	assert_non_null(strstr(text,
		"    <graphics type=\"vnc\" port=\"-1\" autoport=\"yes\" listen=\"127.0.0.1\">\n"
		"      <listen type=\"address\" address=\"127.0.0.1\"/>\n"
		"    </graphics>\n"));
	free(text);
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emulator),
		cmocka_unit_test(test_iterate),
		cmocka_unit_test(test_generic_add),
		cmocka_unit_test(test_add_xml_namespaces),
		cmocka_unit_test(test_graphics),
		cmocka_unit_test(test_video),
		cmocka_unit_test(test_chardevs),
		cmocka_unit_test(test_controllers),
		cmocka_unit_test(test_input_rng_balloon),
		cmocka_unit_test(test_filesystem),
		cmocka_unit_test(test_pci_addr_parse),
		cmocka_unit_test(test_hostdev),
		cmocka_unit_test(test_watchdog_sound),
		cmocka_unit_test(test_vm_create_like),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
