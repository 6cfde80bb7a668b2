/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_devopts.c - vm-create's device options: one row per option and
 * sub-option (XPath on the result, schema validation), the defaults for two
 * OS profiles, and every error */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/xpath.h>

#include "vu/base.h"
#include "vu/xml.h"

/* vm-create's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-create/devopts_priv.h"

/* An OS osinfo knows nothing about, and one that drives every virtio
 * device (what osinfo-db says of a current Fedora). */
static const struct osinfo generic_os = {
	.short_id = (char *)"generic", .disk_bus = "ide", .nic_model = "rtl8139",
	.video = "vga",
};
static const struct osinfo modern_os = {
	.short_id = (char *)"fedora38", .id = (char *)"http://fedoraproject.org/fedora/38",
	.family = (char *)"linux", .disk_bus = "virtio", .nic_model = "virtio",
	.video = "virtio", .virtio_rng = true, .virtio_balloon = true, .usb_tablet = true,
};

static struct devopt_ctx ctx_for(const struct osinfo *os)
{
	struct devopt_ctx c = { .os = os, .arch = "x86_64", .machine = "pc" };

	return c;
}

/* The least that validates: a name, memory and an os type. */
static struct vu_domain *fresh(void)
{
	struct vu_domain *dom = NULL;

	assert_int_equal(vu_domain_new(&dom, "kvm"), 0);
	assert_int_equal(vu_domain_set_name(dom, "t"), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY, 1048576), 0);
	assert_int_equal(vu_domain_set_os_type(dom, "hvm", "x86_64", "pc"), 0);
	return dom;
}

static void assert_valid(const struct vu_domain *dom, const char *what)
{
	struct vu_err e = { 0 };

	if (vu_xml_validate(vu_domain_doc(dom), VU_DOMAIN_RNG, &e) < 0) {
		char *text = vu_domain_format(dom);

		fprintf(stderr, "%s", text ? text : "(no text)\n");
		free(text);
		fail_msg("%s: domain.rng: %s", what, vu_err_str(&e));
	}
}

/*
 * expr evaluated with <devices> as the context node: a node set must hold
 * exactly one node, a boolean must be true. Returns whether it holds.
 */
static bool xpath_holds(const struct vu_domain *dom, const char *expr)
{
	xmlXPathContextPtr c = xmlXPathNewContext(vu_domain_doc(dom));
	xmlNodePtr empty = xmlNewNode(NULL, (const xmlChar *)"devices");
	xmlXPathObjectPtr o;
	bool ok = false;

	assert_non_null(c);
	assert_non_null(empty);
	/* No <devices> yet reads as an empty one. */
	c->node = vu_domain_find(dom, "devices");
	if (!c->node)
		c->node = empty;
	o = xmlXPathEvalExpression((const xmlChar *)expr, c);
	xmlFreeNode(empty);
	if (o && o->type == XPATH_NODESET)
		ok = xmlXPathNodeSetGetLength(o->nodesetval) == 1;
	else if (o && o->type == XPATH_BOOLEAN)
		ok = o->boolval;
	else if (!o)
		fail_msg("bad XPath: %s", expr);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(c);
	return ok;
}

static void assert_xpath(const struct vu_domain *dom, const char *expr, const char *what)
{
	if (!xpath_holds(dom, expr)) {
		char *text = vu_domain_format(dom);

		fprintf(stderr, "%s", text ? text : "(no text)\n");
		free(text);
		fail_msg("%s: does not hold: %s", what, expr);
	}
}

static int apply(struct vu_domain *dom, const char *opt, const char *arg,
		 struct devopt_ctx *ctx, struct vu_err *e)
{
	const struct devopt *o = devopt_find(opt);

	assert_non_null(o);
	return devopt_apply(dom, o, arg, ctx, e);
}

/* One option and argument, what it adds (ndev devices in all) and an
 * XPath (relative to <devices>) that holds exactly then. */
struct row {
	const char *opt, *arg;
	size_t ndev;
	const char *xpath;
};

/* The listen both as attribute and element, as libvirt writes it. */
#define LISTEN(a) "[@listen='" a "'][listen[@type='address'][@address='" a "']]"

static const struct row rows[] = {
	/* --graphics: listen defaults to 127.0.0.1, port to autoport */
	{ "graphics", "vnc", 1, "graphics[@type='vnc'][@port='-1'][@autoport='yes']"
	  LISTEN("127.0.0.1") "[count(@*)=4][count(*)=1]" },
	{ "graphics", "default", 1, "graphics[@type='vnc'][@autoport='yes']" },
	{ "graphics", "type=vnc", 1, "graphics[@type='vnc'][@autoport='yes']" },
	{ "graphics", "spice", 1, "graphics[@type='spice'][@port='-1'][@autoport='yes']"
	  LISTEN("127.0.0.1") "[count(@*)=4]" },
	{ "graphics", "port=5901", 1, "graphics[@type='vnc'][@port='5901'][@autoport='no']" },
	{ "graphics", "vnc,port=-1", 1, "graphics[@port='-1'][@autoport='yes']" },
	{ "graphics", "vnc,port=auto", 1, "graphics[@port='-1'][@autoport='yes']" },
	{ "graphics", "spice,port=5930", 1, "graphics[@type='spice'][@port='5930']" },
	{ "graphics", "vnc,listen=0.0.0.0", 1, "graphics" LISTEN("0.0.0.0") },
	{ "graphics", "vnc,listen=::1", 1, "graphics" LISTEN("::1") },
	{ "graphics", "vnc,listen=none", 1, "graphics[@type='vnc'][count(@*)=1]"
	  "[listen[@type='none'][count(@*)=1]][count(*)=1]" },
	{ "graphics", "spice,listen=socket", 1, "graphics[@type='spice'][count(@*)=1]"
	  "[listen[@type='socket']]" },
	{ "graphics", "vnc,password=s3cret", 1, "graphics[@passwd='s3cret'][count(@*)=5]" },
	{ "graphics", "vnc,passwd=s3cret", 1, "graphics[@passwd='s3cret']" },
	{ "graphics", "vnc,keymap=de", 1, "graphics[@keymap='de'][count(@*)=5]" },
	{ "graphics", "vnc,keymap=local", 1, "graphics[not(@keymap)]" },
	{ "graphics", "vnc,websocket=-1", 1, "graphics[@websocket='-1']" },
	{ "graphics", "vnc,websocket=5700", 1, "graphics[@websocket='5700']" },
	{ "graphics", "none", 0, "count(*)=0" },
	/* --video */
	{ "video", "virtio", 1, "video[count(@*)=0][count(*)=1][model[@type='virtio'][count(@*)=1]]" },
	{ "video", "qxl", 1, "video/model[@type='qxl'][count(@*)=1]" },
	{ "video", "vga", 1, "video/model[@type='vga']" },
	{ "video", "cirrus", 1, "video/model[@type='cirrus']" },
	{ "video", "bochs", 1, "video/model[@type='bochs']" },
	{ "video", "ramfb", 1, "video/model[@type='ramfb']" },
	{ "video", "vmvga", 1, "video/model[@type='vmvga']" },
	{ "video", "model.type=virtio", 1, "video/model[@type='virtio']" },
	{ "video", "model=qxl", 1, "video/model[@type='qxl']" },
	{ "video", "virtio,heads=2", 1, "video/model[@type='virtio'][@heads='2'][count(@*)=2]" },
	{ "video", "virtio,model.heads=4", 1, "video/model[@heads='4']" },
	{ "video", "vga,vram=16384", 1, "video/model[@type='vga'][@vram='16384'][count(@*)=2]" },
	{ "video", "qxl,model.vram=65536", 1, "video/model[@vram='65536']" },
	{ "video", "default,heads=2", 1, "video/model[@type='vga'][@heads='2']" },
	{ "video", "default", 0, "count(*)=0" },
	{ "video", "none", 0, "count(*)=0" },
	/* --serial */
	{ "serial", "pty", 1, "serial[@type='pty'][count(@*)=1][count(*)=0]" },
	{ "serial", "type=pty", 1, "serial[@type='pty']" },
	{ "serial", "file,path=/var/log/t.log", 1, "serial[@type='file']"
	  "[source[@path='/var/log/t.log'][count(@*)=1]][count(*)=1]" },
	{ "serial", "dev,path=/dev/ttyS0", 1, "serial[@type='dev']/source[@path='/dev/ttyS0']" },
	{ "serial", "pipe,source.path=/tmp/p", 1, "serial[@type='pipe']/source[@path='/tmp/p']" },
	{ "serial", "unix,path=/run/t.sock", 1, "serial[@type='unix']"
	  "/source[@mode='bind'][@path='/run/t.sock'][count(@*)=2]" },
	{ "serial", "unix,path=/run/t.sock,mode=connect", 1, "serial/source[@mode='connect']" },
	{ "serial", "tcp,host=127.0.0.1:4555", 1, "serial[@type='tcp'][count(*)=1]/source"
	  "[@mode='bind'][@host='127.0.0.1'][@service='4555'][count(@*)=3]" },
	{ "serial", "tcp,host=:4555,source.mode=connect,protocol.type=telnet", 1,
	  "serial[source[@mode='connect'][@host='127.0.0.1'][@service='4555']]"
	  "[protocol[@type='telnet']]" },
	{ "serial", "tcp,source.host=0.0.0.0:23,protocol.type=raw", 1,
	  "serial[source[@host='0.0.0.0'][@service='23']][protocol[@type='raw']]" },
	{ "serial", "udp,host=[::1]:514", 1, "serial[@type='udp']"
	  "/source[@mode='connect'][@host='::1'][@service='514']" },
	{ "serial", "null", 1, "serial[@type='null'][count(*)=0]" },
	{ "serial", "pty,target.type=isa-serial", 1, "serial/target[@type='isa-serial'][count(@*)=1]" },
	{ "serial", "pty,target_type=pci-serial", 1, "serial/target[@type='pci-serial']" },
	{ "serial", "pty,target.port=1", 1, "serial/target[@port='1'][count(@*)=1]" },
	{ "serial", "none", 0, "count(*)=0" },
	/* --console */
	{ "console", "pty", 1, "console[@type='pty'][count(@*)=1][count(*)=0]" },
	{ "console", "pty,target.type=virtio", 1, "console[@type='pty']/target[@type='virtio']" },
	{ "console", "pty,target_type=serial,target.port=0", 1,
	  "console/target[@type='serial'][@port='0']" },
	{ "console", "file,path=/var/log/c.log", 1, "console[@type='file']/source[@path='/var/log/c.log']" },
	{ "console", "none", 0, "count(*)=0" },
	/* --channel: the guest agent, SPICE, guestfwd */
	{ "channel", "unix,target_type=virtio,name=org.qemu.guest_agent.0", 1,
	  "channel[@type='unix'][source[@mode='bind'][count(@*)=1]]"
	  "[target[@type='virtio'][@name='org.qemu.guest_agent.0'][count(@*)=2]]" },
	{ "channel", "unix,target.type=virtio,target.name=org.qemu.guest_agent.0,"
	  "path=/run/ga.sock,mode=bind", 1,
	  "channel[source[@mode='bind'][@path='/run/ga.sock']][target[@name='org.qemu.guest_agent.0']]" },
	{ "channel", "unix", 1, "channel[@type='unix']/target[@type='virtio'][count(@*)=1]" },
	{ "channel", "spicevmc", 1, "channel[@type='spicevmc'][count(*)=1]"
	  "/target[@type='virtio'][@name='com.redhat.spice.0']" },
	{ "channel", "qemu-vdagent", 1, "channel[@type='qemu-vdagent']"
	  "/target[@type='virtio'][@name='com.redhat.spice.0']" },
	{ "channel", "pty,target.type=virtio", 1, "channel[@type='pty']/target[@type='virtio'][count(@*)=1]" },
	{ "channel", "tcp,host=127.0.0.1:4600,target.type=guestfwd,target.address=10.0.2.1:4600", 1,
	  "channel[@type='tcp'][source[@host='127.0.0.1'][@service='4600']]"
	  "[target[@type='guestfwd'][@address='10.0.2.1'][@port='4600'][count(@*)=3]]" },
	{ "channel", "none", 0, "count(*)=0" },
	/* --rng */
	{ "rng", "/dev/urandom", 1, "rng[@model='virtio'][count(@*)=1][count(*)=1]"
	  "/backend[@model='random'][count(@*)=1][.='/dev/urandom']" },
	{ "rng", "/dev/random", 1, "rng/backend[@model='random'][.='/dev/random']" },
	{ "rng", "random", 1, "rng/backend[@model='random'][.='/dev/urandom']" },
	{ "rng", "default", 1, "rng/backend[@model='random'][.='/dev/urandom']" },
	{ "rng", "random,device=/dev/hwrng", 1, "rng/backend[.='/dev/hwrng']" },
	{ "rng", "type=random,backend=/dev/hwrng", 1, "rng/backend[@model='random'][.='/dev/hwrng']" },
	{ "rng", "backend.model=builtin", 1, "rng[@model='virtio']/backend[@model='builtin'][.='']" },
	{ "rng", "builtin", 1, "rng/backend[@model='builtin']" },
	{ "rng", "/dev/urandom,model=virtio-non-transitional", 1,
	  "rng[@model='virtio-non-transitional']" },
	{ "rng", "/dev/urandom,rate.bytes=1024,rate.period=1000", 1,
	  "rng[count(*)=2]/rate[@bytes='1024'][@period='1000']" },
	{ "rng", "/dev/urandom,rate.bytes=1024", 1, "rng/rate[@bytes='1024'][count(@*)=1]" },
	{ "rng", "none", 0, "count(*)=0" },
	/* --controller */
	{ "controller", "usb2", 4,
	  "count(controller[@type='usb'][@index='0'])=4 and "
	  "controller[@model='ich9-ehci1'][count(*)=0] and "
	  "controller[@model='ich9-uhci1']/master[@startport='0'] and "
	  "controller[@model='ich9-uhci2']/master[@startport='2'] and "
	  "controller[@model='ich9-uhci3']/master[@startport='4']" },
	{ "controller", "usb3", 1,
	  "controller[@type='usb'][@index='0'][@model='qemu-xhci'][@ports='15'][count(@*)=4]" },
	{ "controller", "type=usb,model=none", 1, "controller[@type='usb'][@model='none']" },
	{ "controller", "usb,model=qemu-xhci,ports=8", 1, "controller[@model='qemu-xhci'][@ports='8']" },
	{ "controller", "type=scsi,model=virtio-scsi", 1,
	  "controller[@type='scsi'][@index='0'][@model='virtio-scsi'][count(@*)=3]" },
	{ "controller", "scsi,model=virtio-scsi,index=2", 1, "controller[@type='scsi'][@index='2']" },
	{ "controller", "virtio-serial", 1, "controller[@type='virtio-serial'][@index='0'][count(@*)=2]" },
	{ "controller", "virtio-serial,ports=16", 1, "controller[@type='virtio-serial'][@ports='16']" },
	{ "controller", "pci,model=pci-bridge", 1, "controller[@type='pci'][@model='pci-bridge']" },
	{ "controller", "sata", 1, "controller[@type='sata'][@index='0']" },
	{ "controller", "ide,model=piix4", 1, "controller[@type='ide'][@model='piix4']" },
	{ "controller", "none", 0, "count(*)=0" },
	/* --input */
	{ "input", "tablet", 1, "input[@type='tablet'][@bus='usb'][count(@*)=2][count(*)=0]" },
	{ "input", "tablet,bus=virtio", 1, "input[@type='tablet'][@bus='virtio']" },
	{ "input", "mouse", 1, "input[@type='mouse'][@bus='ps2']" },
	{ "input", "mouse,bus=usb", 1, "input[@type='mouse'][@bus='usb']" },
	{ "input", "type=keyboard", 1, "input[@type='keyboard'][@bus='ps2']" },
	{ "input", "keyboard,bus=virtio", 1, "input[@type='keyboard'][@bus='virtio']" },
	{ "input", "bus=usb", 1, "input[@type='mouse'][@bus='usb']" },
	{ "input", "none", 0, "count(*)=0" },
	/* --sound */
	{ "sound", "ich6", 1, "sound[@model='ich6'][count(@*)=1][count(*)=0]" },
	{ "sound", "ich9", 1, "sound[@model='ich9']" },
	{ "sound", "ac97", 1, "sound[@model='ac97']" },
	{ "sound", "model=es1370", 1, "sound[@model='es1370']" },
	{ "sound", "default", 1, "sound[@model='ich6']" },
	{ "sound", "none", 0, "count(*)=0" },
	/* --watchdog */
	{ "watchdog", "default", 1, "watchdog[@model='i6300esb'][@action='reset'][count(@*)=2]" },
	{ "watchdog", "i6300esb,action=poweroff", 1, "watchdog[@model='i6300esb'][@action='poweroff']" },
	{ "watchdog", "ib700", 1, "watchdog[@model='ib700'][@action='reset']" },
	{ "watchdog", "action=pause", 1, "watchdog[@model='i6300esb'][@action='pause']" },
	{ "watchdog", "model=ib700,action=none", 1, "watchdog[@model='ib700'][@action='none']" },
	{ "watchdog", "none", 0, "count(*)=0" },
	/* --memballoon */
	{ "memballoon", "virtio", 1, "memballoon[@model='virtio'][count(@*)=1][count(*)=0]" },
	{ "memballoon", "default", 1, "memballoon[@model='virtio']" },
	{ "memballoon", "model=virtio-transitional", 1, "memballoon[@model='virtio-transitional']" },
	{ "memballoon", "none", 1, "memballoon[@model='none']" },
	/* --host-device */
	{ "host-device", "pci_0000_00_1b_0", 1,
	  "hostdev[@mode='subsystem'][@type='pci'][@managed='yes'][count(@*)=3][count(*)=1]"
	  "/source[count(*)=1]/address[@domain='0x0000'][@bus='0x00'][@slot='0x1b']"
	  "[@function='0x0'][count(@*)=4]" },
	{ "host-device", "00:1b.0", 1, "hostdev/source/address[@bus='0x00'][@slot='0x1b']" },
	{ "host-device", "0000:03:00.1", 1, "hostdev/source/address[@bus='0x03'][@function='0x1']" },
	{ "host-device", "name=0001:03:00.1,type=pci,driver.name=vfio", 1,
	  "hostdev[driver[@name='vfio']]/source/address[@domain='0x0001']" },
	{ "hostdev", "pci_0000_00_1b_0", 1, "hostdev[@managed='yes']" },
	{ "host-device", "00:1b.0,boot_order=2", 1, "hostdev/boot[@order='2'][count(@*)=1]" },
	{ "host-device", "00:1b.0,boot.order=65535", 1, "hostdev/boot[@order='65535']" },
	{ "host-device", "none", 0, "count(*)=0" },
	/* --filesystem */
	{ "filesystem", "/srv/share,share", 1,
	  "filesystem[@type='mount'][@accessmode='mapped'][count(@*)=2][count(*)=2]"
	  "[source[@dir='/srv/share']][target[@dir='share']]" },
	{ "filesystem", "source=/srv/share,target=/mnt/share", 1,
	  "filesystem[source[@dir='/srv/share']][target[@dir='/mnt/share']]" },
	{ "filesystem", "source=/srv/share,tag", 1, "filesystem[target[@dir='tag']]" },
	{ "filesystem", "/srv/share,tag,type=mount,accessmode=passthrough", 1,
	  "filesystem[@type='mount'][@accessmode='passthrough']" },
	{ "filesystem", "/srv/share,tag,mode=squash", 1, "filesystem[@accessmode='squash']" },
	{ "filesystem", "/srv/share,tag,readonly=yes", 1, "filesystem[count(*)=3][readonly]" },
	{ "filesystem", "/srv/share,tag,readonly=off", 1, "filesystem[count(*)=2][not(readonly)]" },
	{ "filesystem", "/srv/share,tag,driver.type=virtiofs", 1,
	  "filesystem[not(@accessmode)][driver[@type='virtiofs']]" },
	{ "filesystem", "/srv/share,tag,driver=path", 1,
	  "filesystem[@accessmode='mapped'][driver[@type='path']]" },
	{ "filesystem", "none", 0, "count(*)=0" },
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *w = &rows[i];
		struct devopt_ctx ctx = ctx_for(&generic_os);
		struct vu_domain *dom = fresh();
		struct vu_err e = { 0 };
		char what[256];
		int r;

		snprintf(what, sizeof(what), "--%s %s", w->opt, w->arg);
		r = apply(dom, w->opt, w->arg, &ctx, &e);
		if (r < 0)
			fail_msg("%s: %s", what, vu_err_str(&e));
		if (vu_domain_dev_count(dom, NULL) != w->ndev)
			fail_msg("%s: %zu devices, want %zu", what, vu_domain_dev_count(dom, NULL),
				 w->ndev);
		assert_xpath(dom, w->xpath, what);
		assert_valid(dom, what);
		vu_domain_free(&dom);
	}
}

/* One option and argument that fails, and its message. */
struct bad {
	const char *opt, *arg, *msg;
};

static const struct bad bads[] = {
	{ "graphics", "vnc,foo=1", "unknown option 'foo'" },
	{ "graphics", "vnc,spice", "unknown option 'spice'" },
	{ "graphics", "vnc,,port=5900", "empty option" },
	{ "graphics", "sdl", "bad value 'sdl' for 'type'" },
	{ "graphics", "type=rdp", "bad value 'rdp' for 'type'" },
	{ "graphics", "vnc,port=80", "bad value '80' for 'port'" },
	{ "graphics", "vnc,port=65536", "bad value '65536' for 'port'" },
	{ "graphics", "spice,port=0", "bad value '0' for 'port'" },
	{ "graphics", "vnc,port=x", "bad value 'x' for 'port'" },
	{ "graphics", "vnc,listen=10.0.0.0/8", "bad value '10.0.0.0/8' for 'listen'" },
	{ "graphics", "vnc,listen=", "bad value '' for 'listen'" },
	{ "graphics", "vnc,listen=none,port=5900", "listen=none takes no port" },
	{ "graphics", "vnc,password=", "bad value '' for 'password'" },
	{ "graphics", "vnc,passwd=", "bad value '' for 'passwd'" },
	{ "graphics", "vnc,keymap=de/ch", "bad value 'de/ch' for 'keymap'" },
	{ "graphics", "spice,websocket=-1", "option 'websocket' needs type 'vnc'" },
	{ "graphics", "vnc,websocket=x", "bad value 'x' for 'websocket'" },
	{ "graphics", "none,port=5900", "'none' takes no other options" },
	{ "video", "foo", "bad value 'foo' for 'model'" },
	{ "video", "model.type=foo", "bad value 'foo' for 'model.type'" },
	{ "video", "virtio,heads=0", "bad value '0' for 'heads'" },
	{ "video", "virtio,model.heads=17", "bad value '17' for 'model.heads'" },
	{ "video", "vga,vram=x", "bad value 'x' for 'vram'" },
	{ "video", "virtio,qxl", "unknown option 'qxl'" },
	{ "video", "virtio,accel3d=yes", "unknown option 'accel3d'" },
	{ "video", "none,heads=1", "'none' takes no other options" },
	{ "serial", "foo", "bad value 'foo' for 'type'" },
	{ "serial", "spicevmc", "bad value 'spicevmc' for 'type'" },
	{ "serial", "pty,pty", "unknown option 'pty'" },
	{ "serial", "file", "type 'file' needs a path" },
	{ "serial", "unix", "type 'unix' needs a path" },
	{ "serial", "file,path=t.log", "bad value 't.log' for 'path'" },
	{ "serial", "pty,path=/tmp/x", "bad value '/tmp/x' for 'path'" },
	{ "serial", "tcp", "type 'tcp' needs host=HOST:PORT" },
	{ "serial", "tcp,host=localhost", "bad value 'localhost' for 'host'" },
	{ "serial", "tcp,host=:0", "bad value ':0' for 'host'" },
	{ "serial", "tcp,host=a b:1", "bad value 'a b:1' for 'host'" },
	{ "serial", "pty,host=:4555", "bad value ':4555' for 'host'" },
	{ "serial", "pty,mode=bind", "bad value 'bind' for 'mode'" },
	{ "serial", "unix,path=/run/s,mode=listen", "bad value 'listen' for 'mode'" },
	{ "serial", "udp,host=:514,protocol.type=telnet", "bad value 'telnet' for 'protocol.type'" },
	{ "serial", "tcp,host=:23,protocol.type=ssh", "bad value 'ssh' for 'protocol.type'" },
	{ "serial", "pty,target.type=virtio", "bad value 'virtio' for 'target.type'" },
	{ "serial", "pty,target.port=x", "bad value 'x' for 'target.port'" },
	{ "serial", "pty,name=foo", "bad value 'foo' for 'name'" },
	{ "serial", "pty,target.address=10.0.2.1:4600", "bad value '10.0.2.1:4600' for 'target.address'" },
	{ "serial", "none,path=/x", "'none' takes no other options" },
	{ "console", "pty,target_type=isa-serial", "bad value 'isa-serial' for 'target_type'" },
	{ "console", "pty,bogus=1", "unknown option 'bogus'" },
	{ "channel", "pty,target.type=guestfwd", "target.type=guestfwd needs target.address" },
	{ "channel", "pty,target.port=1", "a channel's port goes in target.address" },
	{ "channel", "tcp,host=:1,target.type=guestfwd,target.address=10.0.2.1",
	  "bad value '10.0.2.1' for 'target.address'" },
	{ "channel", "unix,target.type=guestfwd,name=x,target.address=10.0.2.1:1",
	  "bad value 'x' for 'name'" },
	{ "channel", "unix,target.name=a b", "bad value 'a b' for 'target.name'" },
	{ "channel", "unix,target.type=xen", "bad value 'xen' for 'target.type'" },
	{ "rng", "egd", "bad value 'egd' for 'type'" },
	{ "rng", "backend.model=egd", "bad value 'egd' for 'backend.model'" },
	{ "rng", "random,device=urandom", "bad value 'urandom' for 'device'" },
	{ "rng", "builtin,backend=/dev/random", "bad value '/dev/random' for 'backend'" },
	{ "rng", "/dev/urandom,model=foo", "bad value 'foo' for 'model'" },
	{ "rng", "/dev/urandom,rate.bytes=0", "bad value '0' for 'rate.bytes'" },
	{ "rng", "/dev/urandom,rate.period=10", "rate.period needs rate.bytes" },
	{ "rng", "/dev/urandom,/dev/random", "unknown option '/dev/random'" },
	{ "rng", "none,model=virtio", "'none' takes no other options" },
	{ "controller", "foo", "bad value 'foo' for 'type'" },
	{ "controller", "model=virtio-scsi", "missing controller type" },
	{ "controller", "scsi,model=qemu-xhci", "bad value 'qemu-xhci' for 'model'" },
	{ "controller", "sata,model=ahci", "bad value 'ahci' for 'model'" },
	{ "controller", "usb,index=256", "bad value '256' for 'index'" },
	{ "controller", "scsi,ports=4", "bad value '4' for 'ports'" },
	{ "controller", "usb2,index=1", "bad value 'usb2' for 'type'" },
	{ "controller", "usb,foo=1", "unknown option 'foo'" },
	{ "controller", "none,model=virtio-scsi", "'none' takes no other options" },
	{ "input", "joystick", "bad value 'joystick' for 'type'" },
	{ "input", "tablet,bus=ps2", "bad value 'ps2' for 'bus'" },
	{ "input", "mouse,bus=xen", "bad value 'xen' for 'bus'" },
	{ "input", "tablet,usb", "unknown option 'usb'" },
	{ "sound", "sb17", "bad value 'sb17' for 'model'" },
	{ "sound", "ich6,ich9", "unknown option 'ich9'" },
	{ "sound", "ich6,codec0.type=micro", "unknown option 'codec0.type'" },
	{ "watchdog", "foo", "bad value 'foo' for 'model'" },
	{ "watchdog", "default,action=explode", "bad value 'explode' for 'action'" },
	{ "memballoon", "foo", "bad value 'foo' for 'model'" },
	{ "memballoon", "virtio,autodeflate=on", "unknown option 'autodeflate'" },
	{ "host-device", "type=pci", "missing PCI address" },
	{ "host-device", "001.003", "bad value '001.003' for 'address'" },
	{ "host-device", "name=00:20.0", "bad value '00:20.0' for 'name'" },
	{ "host-device", "pci_0000_00_1b_0,type=usb", "bad value 'usb' for 'type'" },
	{ "host-device", "00:1b.0,driver.name=foo", "bad value 'foo' for 'driver.name'" },
	{ "host-device", "00:1b.0,00:1c.0", "unknown option '00:1c.0'" },
	{ "host-device", "00:1b.0,boot_order=0", "bad value '0' for 'boot_order'" },
	{ "host-device", "00:1b.0,boot.order=65536", "bad value '65536' for 'boot.order'" },
	{ "host-device", "none,type=pci", "'none' takes no other options" },
	{ "filesystem", "/srv/share", "missing target directory" },
	{ "filesystem", "none,tag", "'none' takes no other options" },
	{ "filesystem", "target=tag", "missing source directory" },
	{ "filesystem", "srv,tag", "bad value 'srv' for 'source'" },
	{ "filesystem", "/srv,target=", "bad value '' for 'target'" },
	{ "filesystem", "/srv,tag,extra", "unknown option 'extra'" },
	{ "filesystem", "/srv,tag,type=template", "bad value 'template' for 'type'" },
	{ "filesystem", "/srv,tag,accessmode=foo", "bad value 'foo' for 'accessmode'" },
	{ "filesystem", "/srv,tag,mode=foo", "bad value 'foo' for 'mode'" },
	{ "filesystem", "/srv,tag,readonly=maybe", "bad value 'maybe' for 'readonly'" },
	{ "filesystem", "/srv,tag,driver=loop", "bad value 'loop' for 'driver'" },
	{ "filesystem", "/srv,tag,driver.type=virtiofs,accessmode=mapped",
	  "bad value 'mapped' for 'accessmode'" },
};

/* Every error: -EINVAL, its message, and the document and the kinds named
 * as they were. */
static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		struct devopt_ctx ctx = ctx_for(&generic_os);
		struct vu_domain *dom = fresh();
		struct vu_err e = { 0 };
		char *before = vu_domain_format(dom), *after;
		int r = apply(dom, b->opt, b->arg, &ctx, &e);

		if (r != -EINVAL || strcmp(e.msg, b->msg) != 0)
			fail_msg("--%s %s: %d '%s', want '%s'", b->opt, b->arg, r, e.msg, b->msg);
		after = vu_domain_format(dom);
		assert_string_equal(after, before);
		assert_int_equal(ctx.given, 0);
		free(before);
		free(after);
		vu_domain_free(&dom);
	}
}

/* Errors that depend on what is already there; the first add stays. */
static void test_errors_twice(void **state)
{
	static const struct bad twice[] = {
		{ "watchdog", "i6300esb", "only one watchdog is allowed" },
		{ "host-device", "pci_0000_00_1b_0", "PCI device 0000:00:1b.0 is given twice" },
		{ "controller", "scsi,index=0", "scsi controller index 0 is already used" },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(twice); i++) {
		struct devopt_ctx ctx = ctx_for(&generic_os);
		struct vu_domain *dom = fresh();
		struct vu_err e = { 0 };

		assert_int_equal(apply(dom, twice[i].opt, twice[i].arg, &ctx, &e), 0);
		assert_int_equal(apply(dom, twice[i].opt, twice[i].arg, &ctx, &e), -EINVAL);
		assert_string_equal(e.msg, twice[i].msg);
		assert_int_equal(vu_domain_dev_count(dom, NULL), 1);
		vu_domain_free(&dom);
	}
}

/* Bad calls, the option table and the sub-option lists behind --OPT=?. */
static void test_table(void **state)
{
	static const char *const names[] = {
		"graphics", "video", "console", "serial", "channel", "rng", "controller",
		"input", "sound", "watchdog", "memballoon", "host-device", "hostdev",
		"filesystem",
	};
	struct devopt_ctx ctx = ctx_for(&generic_os);
	struct vu_domain *dom = fresh();
	struct vu_err e = { 0 };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct devopt *o = devopt_find(names[i]);

		assert_non_null(o);
		assert_string_equal(o->name, names[i]);
		assert_non_null(o->keys[0]);
		assert_non_null(o->apply);
	}
	assert_null(devopt_find("disk"));
	assert_null(devopt_find(NULL));
	assert_string_equal(devopt_find("video")->keys[0], "model.type");
	assert_int_equal(devopt_apply(NULL, devopt_find("rng"), "none", &ctx, &e), -EINVAL);
	assert_int_equal(devopt_apply(dom, NULL, "none", &ctx, &e), -EINVAL);
	assert_int_equal(devopt_apply(dom, devopt_find("rng"), NULL, &ctx, &e), -EINVAL);
	assert_int_equal(devopt_apply(dom, devopt_find("rng"), "none", NULL, &e), -EINVAL);
	ctx.os = NULL;
	assert_int_equal(devopt_apply(dom, devopt_find("rng"), "none", &ctx, &e), -EINVAL);
	assert_int_equal(devopt_defaults(dom, &ctx, &e), -EINVAL);
	assert_int_equal(devopt_defaults(dom, NULL, &e), -EINVAL);
	assert_int_equal(vu_domain_dev_count(dom, NULL), 0);
	vu_domain_free(&dom);
}

/* Options (NULL-ended opt, arg pairs) then the defaults; the result must
 * validate. */
static struct vu_domain *build(const struct osinfo *os, const char *arch,
			       const char *const *args)
{
	struct devopt_ctx ctx = ctx_for(os);
	struct vu_domain *dom = fresh();
	struct vu_err e = { 0 };

	if (arch) {
		ctx.arch = arch;
		ctx.machine = NULL;
		assert_int_equal(vu_domain_set_os_type(dom, "hvm", arch, NULL), 0);
	}
	for (; args && args[0]; args += 2)
		if (apply(dom, args[0], args[1], &ctx, &e) < 0)
			fail_msg("--%s %s: %s", args[0], args[1], vu_err_str(&e));
	assert_int_equal(devopt_defaults(dom, &ctx, &e), 0);
	assert_valid(dom, args ? "options and defaults" : "defaults");
	return dom;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The pty serial port and the console on it, as libvirt writes the pair. */
#define SERIAL_CONSOLE "serial[@type='pty'][count(*)=1]/target[@port='0'][count(@*)=1] and " \
	"console[@type='pty'][count(*)=1]/target[@type='serial'][@port='0'] and " \
	"count(serial)=1 and count(console)=1"
#define DEFAULT_VNC "count(graphics)=1 and graphics[@type='vnc'][@port='-1'][@autoport='yes']" \
	LISTEN("127.0.0.1")

/* Nothing given: what each OS profile gets, and how they differ. */
static void test_defaults_os(void **state)
{
	struct vu_domain *dom = build(&generic_os, NULL, NULL);
	char *once, *twice;
	struct devopt_ctx ctx = ctx_for(&generic_os);
	(void)state;

	assert_xpath(dom, DEFAULT_VNC, "generic graphics");
	assert_xpath(dom, "count(video)=1 and video/model[@type='vga']", "generic video");
	assert_xpath(dom, SERIAL_CONSOLE, "generic console");
	assert_xpath(dom, "count(input)=0 and count(memballoon)=0 and count(rng)=0 and "
		     "count(channel)=0 and count(*)=4", "generic has no virtio devices");
	/* A second run adds nothing. */
	once = vu_domain_format(dom);
	assert_int_equal(devopt_defaults(dom, &ctx, NULL), 0);
	twice = vu_domain_format(dom);
	assert_string_equal(once, twice);
	free(once);
	free(twice);
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, NULL);
	assert_xpath(dom, DEFAULT_VNC, "modern graphics");
	assert_xpath(dom, "count(video)=1 and video/model[@type='virtio']", "modern video");
	assert_xpath(dom, "input[@type='tablet'][@bus='usb']", "modern tablet");
	assert_xpath(dom, SERIAL_CONSOLE, "modern console");
	assert_xpath(dom, "memballoon[@model='virtio']", "modern balloon");
	assert_xpath(dom, "rng[@model='virtio']/backend[@model='random'][.='/dev/urandom']",
		     "modern rng");
	assert_xpath(dom, "count(*)=7", "modern device count");
	vu_domain_free(&dom);
}

/* --graphics none drops graphics, video and tablet; SPICE brings qxl
 * (unless the OS takes virtio) and its agent channel. */
static void test_defaults_graphics(void **state)
{
	struct vu_domain *dom = build(&modern_os, NULL, ARGS("graphics", "none"));
	(void)state;

	assert_xpath(dom, "count(graphics)=0 and count(video)=0 and count(input)=0", "none");
	assert_xpath(dom, "count(memballoon)=1 and count(rng)=1 and count(serial)=1", "rest");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("graphics", "spice"));
	assert_xpath(dom, "count(graphics)=1 and graphics[@type='spice']", "spice");
	assert_xpath(dom, "count(video)=1 and video/model[@type='qxl']", "qxl for spice");
	assert_xpath(dom, "count(channel)=1 and channel[@type='spicevmc']"
		     "/target[@type='virtio'][@name='com.redhat.spice.0']", "spice channel");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("graphics", "spice"));
	assert_xpath(dom, "video/model[@type='virtio']", "virtio beats qxl");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("graphics", "spice", "channel", "none"));
	assert_xpath(dom, "count(channel)=0", "--channel none");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("channel", "spicevmc", "graphics", "spice",
					    "channel", "unix,name=org.qemu.guest_agent.0"));
	assert_xpath(dom, "count(channel[@type='spicevmc'])=1 and count(channel)=2", "one vmc");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("graphics", "vnc,port=5905", "graphics", "spice"));
	assert_xpath(dom, "count(graphics)=2 and count(video)=1 and video/model[@type='qxl']",
		     "two displays, one card");
	vu_domain_free(&dom);
}

/* --video none writes model none beside a display (libvirt would add a card
 * otherwise); a bare --video default is resolved last. */
static void test_defaults_video(void **state)
{
	struct vu_domain *dom = build(&modern_os, NULL, ARGS("video", "none"));
	(void)state;

	assert_xpath(dom, "count(video)=1 and video/model[@type='none'][count(@*)=1]", "none");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("video", "none", "graphics", "none"));
	assert_xpath(dom, "count(video)=0", "none without display");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("video", "default", "graphics", "none"));
	assert_xpath(dom, "count(video)=1 and video/model[@type='vga']", "default asked for");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("video", "default", "graphics", "spice"));
	assert_xpath(dom, "count(video)=1 and video/model[@type='qxl']", "default after spice");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("video", "cirrus"));
	assert_xpath(dom, "count(video)=1 and video/model[@type='cirrus']", "given model");
	vu_domain_free(&dom);
}

/* Any --serial or --console replaces the default pair; s390x has SCLP. */
static void test_defaults_console(void **state)
{
	struct vu_domain *dom = build(&generic_os, NULL, ARGS("serial", "file,path=/var/log/t"));
	(void)state;

	assert_xpath(dom, "count(serial)=1 and serial[@type='file'] and count(console)=0", "serial");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("console", "pty,target.type=virtio"));
	assert_xpath(dom, "count(serial)=0 and count(console)=1 and console/target[@type='virtio']",
		     "console");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("console", "none"));
	assert_xpath(dom, "count(serial)=0 and count(console)=0", "console none");
	vu_domain_free(&dom);

	dom = build(&generic_os, NULL, ARGS("serial", "none"));
	assert_xpath(dom, "count(serial)=0 and count(console)=0", "serial none");
	vu_domain_free(&dom);

	dom = build(&generic_os, "s390x", ARGS("graphics", "none"));
	assert_xpath(dom, "count(serial)=0 and count(console)=1 and "
		     "console[@type='pty']/target[@type='sclp'][@port='0']", "s390x");
	vu_domain_free(&dom);
}

/* --memballoon, --rng, --input and USB switched off stop their defaults. */
static void test_defaults_suppressed(void **state)
{
	struct vu_domain *dom = build(&modern_os, NULL, ARGS("memballoon", "none", "rng", "none"));
	(void)state;

	assert_xpath(dom, "count(memballoon)=1 and memballoon[@model='none'] and count(rng)=0",
		     "none");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("rng", "/dev/random", "memballoon", "virtio"));
	assert_xpath(dom, "count(rng)=1 and rng/backend[.='/dev/random'] and count(memballoon)=1",
		     "given ones");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("input", "mouse"));
	assert_xpath(dom, "count(input)=1 and input[@type='mouse'][@bus='ps2']", "mouse");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("input", "none"));
	assert_xpath(dom, "count(input)=0", "input none");
	vu_domain_free(&dom);

	dom = build(&modern_os, NULL, ARGS("controller", "usb,model=none"));
	assert_xpath(dom, "count(input)=0 and count(graphics)=1", "no USB");
	vu_domain_free(&dom);

	dom = build(&modern_os, "aarch64", ARGS("input", "keyboard", "sound", "default"));
	assert_xpath(dom, "input[@type='keyboard'][@bus='usb'] and count(input)=1", "arm input");
	vu_domain_free(&dom);
}

/* Sound follows the machine: ich9 on q35. */
static void test_sound_machine(void **state)
{
	struct devopt_ctx ctx = ctx_for(&generic_os);
	struct vu_domain *dom = fresh();
	(void)state;

	ctx.machine = "pc-q35-8.2";
	assert_int_equal(apply(dom, "sound", "default", &ctx, NULL), 0);
	ctx.machine = "q35";
	assert_int_equal(apply(dom, "sound", "model=default", &ctx, NULL), 0);
	assert_xpath(dom, "count(sound[@model='ich9'])=2", "q35");
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_twice),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_defaults_os),
		cmocka_unit_test(test_defaults_graphics),
		cmocka_unit_test(test_defaults_video),
		cmocka_unit_test(test_defaults_console),
		cmocka_unit_test(test_defaults_suppressed),
		cmocka_unit_test(test_sound_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
