// SPDX-License-Identifier: GPL-2.0-or-later
/* test_qemucmd.c - domain XML -> QEMU argv: the golden files (one per
 * vm-create golden XML and domain fixture) and what is refused */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "domain_test.h"
#include "qemucmd_test.h"

#define RUN "/run/virtutils/qemu/dom"

static char *slurp_or_empty(const char *path)
{
	size_t len;
	char *s = tu_read(path, &len);

	return s ? s : strdup("");
}

/* GOT equals golden-qemu/CASE.args; VU_GOLDEN_UPDATE=1 rewrites it. */
static void golden_cmp(const char *xml, const char *got)
{
	char path[512], name[256];
	const char *base = strrchr(xml, '/') + 1;
	char *want;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(base) - 4), base);
	snprintf(path, sizeof(path), "tests/unit/golden-qemu/%s.args", name);
	if (getenv("VU_GOLDEN_UPDATE")) {
		tu_write_str(path, got);
		return;
	}
	want = slurp_or_empty(path);
	if (strcmp(want, got))
		fail_msg("%s differs; the builder gives:\n%s", path, got);
	free(want);
}

/* Each document of a golden XML (vm-create --print-xml writes the install
 * phase's first when there is one), rendered one after the other. */
static char *render_file(const char *path, const struct vu_qemu_env *env)
{
	size_t len, olen = 0;
	char *text = tu_read(path, &len), *p, *out = NULL;
	FILE *f = open_memstream(&out, &olen);
	int n = 0;

	assert_non_null(text);
	for (p = text; (p = strstr(p, "<domain")) != NULL; n++) {
		char *end = strstr(p, "</domain>");
		struct vu_err e = { 0 };
		struct vu_domain *dom = NULL;
		char *got;

		assert_non_null(end);
		end += strlen("</domain>");
		if (vu_domain_parse(&dom, p, (size_t)(end - p), &e) < 0)
			fail_msg("%s: %s", path, vu_err_str(&e));
		got = qc_render(dom, env);
		fprintf(f, "%s%s", n ? "# next document\n" : "", got);
		free(got);
		vu_domain_free(&dom);
		p = end;
	}
	fclose(f);
	free(text);
	return out;
}

static void test_golden(void **state)
{
	struct vu_qemu_env env;

	(void)state;
	qc_env(&env, RUN);
	for (size_t i = 0; i < ARRAY_SIZE(qc_golden); i++) {
		char *got = render_file(qc_golden[i], &env);

		golden_cmp(qc_golden[i], got);
		free(got);
	}
}

/* The error for XML: the builder's message must contain want. */
static void refused(const char *xml, const char *want)
{
	struct vu_domain *dom = dom_parse(xml);
	struct vu_qemu_env env;
	char *got;

	qc_env(&env, RUN);
	got = qc_render(dom, &env);
	if (strncmp(got, "error: ", 7) || !strstr(got, want))
		fail_msg("wanted an error with \"%s\", got:\n%s", want, got);
	free(got);
	vu_domain_free(&dom);
}

#define D(body) "<domain type='qemu'><name>t</name><memory>65536</memory>" \
	"<os><type arch='x86_64' machine='pc'>hvm</type></os>" body "</domain>"
#define DEV(devs) D("<devices>" devs "</devices>")

static void test_refused(void **state)
{
	(void)state;
	refused(D("<numatune><memory nodeset='0'/></numatune>"), "<numatune>: not supported");
	refused(DEV("<tpm model='tpm-crb'/>"), "<devices><tpm>: not supported");
	refused(DEV("<disk type='file' device='disk'><source file='/x'/>"
		    "<target dev='vda' bus='virtio'/><iotune/></disk>"),
		"<disk dev='vda'><iotune>: not supported");
	refused(DEV("<disk type='volume' device='disk'><source pool='p' volume='v'/>"
		    "<target dev='vda'/></disk>"), "<disk dev='vda'> type: 'volume'");
	refused(DEV("<disk type='file' device='cdrom'><target dev='vda' bus='virtio'/></disk>"),
		"a CD-ROM cannot be on virtio");
	refused("<domain type='qemu'><name>t</name><memory>65536</memory><os>"
		"<type machine='isapc'>hvm</type></os></domain>", "machine='isapc'>: not a pc");
	refused(DEV("<hostdev mode='subsystem' type='pci'><source><address domain='0' "
		    "bus='1' slot='0' function='0'/></source></hostdev>"),
		"<hostdev>: VFIO is not usable");
	refused(DEV("<interface type='network'><mac address='52:54:00:00:00:01'/>"
		    "<source network='absent'/></interface>"), "network 'absent' is not active");
	refused(DEV("<interface type='user'/>"), "<mac address>: a MAC address is required");
	refused(D("<cpu mode='host-passthrough'/>"), "<cpu mode='host-passthrough'>: needs");
	refused(D("<vcpu>4</vcpu><cpu><topology sockets='1' cores='3' threads='1'/></cpu>"),
		"<cpu><topology>");
	refused(D("<on_crash>coredump-destroy</on_crash>"), "<on_crash>: 'coredump-destroy'");
	refused(DEV("<graphics type='sdl'/>"), "<graphics type='sdl'>: not supported");
	refused(DEV("<disk type='file' device='disk'><driver name='qemu' type='raw' io='native'/>"
		    "<source file='/x'/><target dev='vda' bus='virtio'/></disk>"),
		"io='native'>: needs cache='none'");
	refused(DEV("<input type='tablet' bus='usb'/><controller type='usb' model='none'/>"),
		"needs a USB controller");
	refused(D("<clock offset='timezone' timezone='Europe/Paris'/>"), "<clock offset='timezone'>");
	refused(DEV("<memballoon model='virtio'><stats period='10'/></memballoon>"),
		"<memballoon><stats>: not supported");
	/* attributes are checked like elements */
	refused(D("<vcpu>2</vcpu><cpu><topology sockets='1' dies='1' cores='2' threads='1'/>"
		  "</cpu>"), "<cpu><topology>: attribute 'dies' not supported");
	refused(D("<clock offset='utc'><timer name='pit' tickpolicy='merge'/></clock>"),
		"tickpolicy>: 'merge' is not supported");
	refused(D("<clock offset='utc'><timer name='rtc' track='guest'/></clock>"),
		"<clock><timer>: attribute 'track' not supported");
	refused(DEV("<interface type='network'><mac address='52:54:00:00:00:01'/>"
		    "<source network='default' portgroup='web'/></interface>"),
		"<interface type='network'><source>: attribute 'portgroup' not supported");
	refused(DEV("<filesystem type='mount'><driver type='path' wrpolicy='immediate'/>"
		    "<source dir='/srv'/><target dir='srv'/></filesystem>"),
		"<filesystem><target dir='srv'><driver>: attribute 'wrpolicy' not supported");
	refused(DEV("<disk type='file' device='disk'><source file='/x'/>"
		    "<target dev='sda' bus='sata' rotation_rate='1'/></disk>"),
		"<disk dev='sda'><target>: attribute 'rotation_rate' not supported");
	refused(DEV("<disk type='file' device='disk'><source file='/x'/>"
		    "<target dev='hda' bus='ide'/><address type='drive' controller='0' bus='1' "
		    "unit='0'/></disk>"), "<disk dev='hda'><address>: differs");
	refused("<domain type='qemu'><name>t</name><memory>65536</memory><currentMemory>"
		"32768</currentMemory><os><type>hvm</type></os><devices><memballoon model='none'/>"
		"</devices></domain>", "<currentMemory>: below <memory> needs a memballoon");
	refused(D("<vcpu>2</vcpu><cputune><vcpupin vcpu='2' cpuset='0'/></cputune>"),
		"<cputune><vcpupin vcpu='2'>: no such vCPU");
	refused(D("<cputune><emulatorpin cpuset='0-x'/></cputune>"),
		"<cputune><emulatorpin>: cpuset '0-x' is not a CPU list");
	refused(D("<cputune><shares>2048</shares></cputune>"), "<cputune><shares>: not supported");
	refused(DEV("<disk type='file' device='disk'><source file='/x'/><readonly/>"
		    "<target dev='sda' bus='sata'/></disk>"),
		"<disk dev='sda'><readonly>: not for an IDE or SATA disk");
	refused(DEV("<interface type='direct'><mac address='52:54:00:00:00:01'/>"
		    "<source dev='eth0' mode='bridge'/></interface>"),
		"macvtap needs vm-ctl run as root");
	refused(DEV("<input type='tablet' bus='usb'><address type='usb' bus='1' port='1'/>"
		    "</input>"), "<input type='tablet' bus='usb'><address>: only a port of USB bus 0");
}

static void test_virtiofs_needs_daemon(void **state)
{
	struct vu_domain *dom = dom_parse(DEV("<filesystem type='mount'><driver type='virtiofs'/>"
					      "<source dir='/srv'/><target dir='srv'/></filesystem>"));
	struct vu_qemu_env env;
	char *got;

	(void)state;
	qc_env(&env, RUN);
	got = qc_render(dom, &env);
	assert_non_null(strstr(got, "vhost-user-fs-pci,chardev=chr-vu-fs0,tag=srv"));
	assert_non_null(strstr(got, "memory-backend-memfd,id=vu-ram,size=65536k,share=on"));
	assert_non_null(strstr(got, "# virtiofs " RUN "/fs0.sock /srv"));
	free(got);
	env.virtiofsd = NULL;
	got = qc_render(dom, &env);
	assert_string_equal(got, "error: <filesystem><target dir='srv'>: virtiofsd is not "
			    "installed\n");
	free(got);
	vu_domain_free(&dom);
}

/* A password is a secret object with a file to write, never on argv. */
static void test_password_not_on_argv(void **state)
{
	struct vu_domain *dom = dom_parse(DEV("<graphics type='vnc' port='5905' "
					      "passwd='s3cr,et'/>"));
	struct vu_qemu_env env;
	struct vu_qemu_cmd cmd;
	struct vu_err e = { 0 };

	(void)state;
	qc_env(&env, RUN);
	assert_int_equal(vu_qemu_cmdline(dom, &env, &cmd, &e), 0);
	for (size_t i = 0; i < cmd.argc; i++)
		assert_null(strstr(cmd.argv[i], "s3cr"));
	assert_int_equal(cmd.nfiles, 1);
	assert_string_equal(cmd.files[0].path, RUN "/vnc.secret");
	assert_string_equal(cmd.files[0].data, "s3cr,et");
	vu_qemu_cmd_clear(&cmd);
	vu_domain_free(&dom);
}

/* The runtime's tap: its fd goes to QEMU by number, its name comes back. */
static int fake_tap(void *opaque, unsigned index, const char *bridge, const char *mac,
		    unsigned mtu, char *ifname, size_t len, struct vu_err *e)
{
	char *seen = opaque;

	(void)e;
	snprintf(seen, 200, "%u %s %s %u", index, bridge ? bridge : "-", mac, mtu);
	snprintf(ifname, len, "vnet%u", index);
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static void test_tap_callback(void **state)
{
	struct vu_domain *dom = dom_parse(DEV(
		"<interface type='user'><mac address='52:54:00:00:00:09'/></interface>"
		"<interface type='network'><mac address='52:54:00:00:00:0A'/>"
		"<source network='default'/><model type='virtio'/><mtu size='9000'/></interface>"));
	struct vu_qemu_env env;
	struct vu_qemu_cmd cmd;
	struct vu_err e = { 0 };
	char seen[200] = "", want[64];

	(void)state;
	qc_env(&env, RUN);
	env.open_tap = fake_tap;
	env.opaque = seen;
	assert_int_equal(vu_qemu_cmdline(dom, &env, &cmd, &e), 0);
	assert_string_equal(seen, "1 vb-default 52:54:00:00:00:0a 9000");
	assert_int_equal(cmd.nfds, 1);
	assert_int_equal(cmd.ntaps, 2);
	assert_string_equal(cmd.taps[0], "");
	assert_string_equal(cmd.taps[1], "vnet1");
	snprintf(want, sizeof(want), "tap,fd=%d,id=hostnet1", cmd.fds[0]);
	for (size_t i = 0; i + 1 < cmd.argc; i++)
		if (!strcmp(cmd.argv[i], "-netdev") && strstr(cmd.argv[i + 1], "hostnet1"))
			assert_string_equal(cmd.argv[i + 1], want);
	vu_qemu_cmd_clear(&cmd);
	vu_domain_free(&dom);
}

/* macvtap: opened by the runtime, handed over like a tap. */
static int fake_macvtap(void *opaque, unsigned index, const char *dev, const char *mode,
			const char *mac, char *ifname, size_t len, struct vu_err *e)
{
	(void)e;
	snprintf(opaque, 200, "%u %s %s %s", index, dev, mode, mac);
	snprintf(ifname, len, "macvtap%u", index);
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static void test_direct_and_ethernet(void **state)
{
	struct vu_domain *dom = dom_parse(DEV(
		"<interface type='direct'><mac address='52:54:00:00:00:01'/>"
		"<source dev='eth0' mode='bridge'/><model type='e1000e'/></interface>"
		"<interface type='ethernet'><mac address='52:54:00:00:00:02'/>"
		"<target dev='tap7'/><driver name='vhost'/><model type='virtio'/></interface>"
		"<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
		"<source protocol='nbd' name='e,x'><host name='nbd.example' port='10810'/>"
		"</source><target dev='vda' bus='virtio'/></disk>"));
	struct vu_qemu_env env;
	char seen[200] = "", *got;

	(void)state;
	qc_env(&env, RUN);
	env.open_macvtap = fake_macvtap;
	env.opaque = seen;
	got = qc_render(dom, &env);
	assert_string_equal(seen, "0 eth0 bridge 52:54:00:00:00:01");
	if (!strstr(got, "-netdev\ntap,ifname=tap7,script=no,downscript=no,vhost=on,"
		    "id=hostnet1\n") || !strstr(got, "\ne1000e,netdev=hostnet0,") ||
	    !strstr(got, "-blockdev\ndriver=nbd,server.type=inet,server.host=nbd.example,"
		    "server.port=10810,export=e,,x,node-name=vu-0-storage,"))
		fail_msg("%s", got);
	free(got);
	vu_domain_free(&dom);
}

/* The secret files appear complete and 0600, whatever the umask. */
static void test_write_files(void **state)
{
	char dir[256], path[300];
	struct vu_qemu_file f = { .path = path, .data = "pw" };
	struct vu_qemu_cmd cmd = { .files = &f, .nfiles = 1 };
	struct vu_err e = { 0 };
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(tu_scratch(dir, sizeof(dir), "test_qemucmd"), 0);
	snprintf(path, sizeof(path), "%s/vnc.secret", dir);
	assert_int_equal(vu_qemu_cmd_write_files(&cmd, &e), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 2);
	assert_int_equal(tu_rmtree(dir), 0);
}

/* on_*: what QEMU's -action does and what the runtime is told to do. */
static void test_lifecycle(void **state)
{
	static const struct {
		const char *xml, *action, *monitor;
	} cases[] = {
		{ "", "shutdown=poweroff,reboot=reset,panic=shutdown", NULL },
		{ "<on_reboot>destroy</on_reboot>", "shutdown=poweroff,reboot=shutdown,"
		  "panic=shutdown", NULL },
		{ "<on_poweroff>preserve</on_poweroff>", "shutdown=pause,reboot=reset,"
		  "panic=shutdown", NULL },
		{ "<on_poweroff>preserve</on_poweroff><on_reboot>destroy</on_reboot>",
		  "shutdown=pause,reboot=shutdown,panic=shutdown",
		  "# monitor poweroff=- reboot=destroy crash=-" },
		{ "<on_poweroff>restart</on_poweroff>", "shutdown=pause,reboot=reset,"
		  "panic=shutdown", "# monitor poweroff=restart reboot=- crash=-" },
		{ "<on_reboot>preserve</on_reboot>", "shutdown=pause,reboot=shutdown,"
		  "panic=shutdown", "# monitor poweroff=destroy reboot=preserve crash=-" },
		{ "<on_crash>restart</on_crash>", "shutdown=poweroff,reboot=reset,panic=pause",
		  "# monitor poweroff=- reboot=- crash=restart" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char xml[512], want[128];
		struct vu_domain *dom;
		struct vu_qemu_env env;
		char *got;

		snprintf(xml, sizeof(xml), D("%s"), cases[i].xml);
		dom = dom_parse(xml);
		qc_env(&env, RUN);
		got = qc_render(dom, &env);
		snprintf(want, sizeof(want), "-action\n%s\n", cases[i].action);
		if (!strstr(got, want))
			fail_msg("%s: no %s in\n%s", cases[i].xml, cases[i].action, got);
		if (cases[i].monitor ? !strstr(got, cases[i].monitor) : !!strstr(got, "# monitor"))
			fail_msg("%s: wanted %s in\n%s", cases[i].xml,
				 cases[i].monitor ? cases[i].monitor : "no monitor action", got);
		free(got);
		vu_domain_free(&dom);
	}
}

/* firmware='efi': the loader and the variables' template from QEMU's
 * descriptors (Debian's ovmf); the variables file itself is vm-ctl's. */
static void test_firmware_efi(void **state)
{
	struct vu_domain *dom;
	struct vu_qemu_env env;
	char *got;

	(void)state;
	if (access("/usr/share/qemu/firmware/60-edk2-x86_64.json", F_OK) < 0) {
		print_message("ovmf missing: skip\n");
		skip();
	}
	qc_env(&env, RUN);
	dom = dom_parse("<domain type='qemu'><name>t</name><memory>65536</memory>"
			"<os firmware='efi'><type machine='q35'>hvm</type></os></domain>");
	got = qc_render(dom, &env);
	assert_string_equal(got, "error: <os><nvram>: a path is required (vm-ctl makes it "
			    "from /usr/share/OVMF/OVMF_VARS_4M.fd)\n");
	free(got);
	vu_domain_free(&dom);
	dom = dom_parse("<domain type='qemu'><name>t</name><memory>65536</memory>"
			"<os firmware='efi'><type machine='q35'>hvm</type><loader secure='yes'/>"
			"<nvram>/v/t_VARS.fd</nvram></os></domain>");
	got = qc_render(dom, &env);
	if (!strstr(got, "driver=file,filename=/usr/share/OVMF/OVMF_CODE_4M.ms.fd,"))
		fail_msg("%s", got);
	assert_non_null(strstr(got, "driver=file,filename=/v/t_VARS.fd,"));
	assert_non_null(strstr(got, "pflash0=vu-pflash0-format,pflash1=vu-pflash1-format"));
	assert_non_null(strstr(got, "driver=cfi.pflash01,property=secure,value=on"));
	free(got);
	vu_domain_free(&dom);
}

/* offset='variable': the guest's clock starts adjustment seconds off. */
static void test_clock_variable(void **state)
{
	struct vu_domain *dom = dom_parse(D("<clock offset='variable' adjustment='-86400' "
					    "basis='utc'/>"));
	struct vu_qemu_env env;
	time_t t = time(NULL) - 86400;
	struct tm tm;
	char want[64], *got;

	(void)state;
	gmtime_r(&t, &tm);
	strftime(want, sizeof(want), "-rtc\nbase=%Y-%m-%dT", &tm);
	qc_env(&env, RUN);
	got = qc_render(dom, &env);
	if (!strstr(got, want))
		fail_msg("no %s in\n%s", want, got);
	free(got);
	vu_domain_free(&dom);
}

/* A migration's destination waits for migrate-incoming, still stopped. */
static void test_incoming_defer(void **state)
{
	struct vu_domain *dom = dom_parse(D(""));
	struct vu_qemu_env env;
	char *got;

	(void)state;
	qc_env(&env, RUN);
	got = qc_render(dom, &env);
	assert_null(strstr(got, "-incoming"));
	free(got);
	env.incoming = true;
	got = qc_render(dom, &env);
	if (!strstr(got, "-S\n-incoming\ndefer\n"))
		fail_msg("%s", got);
	free(got);
	vu_domain_free(&dom);
}

/* With VFIO usable, a PCI host device is passed through by address. */
/* A USB address (libvirt writes one per USB device) is the port used. */
static void test_usb_port(void **state)
{
	struct vu_domain *dom = dom_parse(DEV("<input type='tablet' bus='usb'>"
		"<address type='usb' bus='0' port='2'/></input>"));
	struct vu_qemu_env env;
	char *got;

	(void)state;
	qc_env(&env, RUN);
	got = qc_render(dom, &env);
	if (!strstr(got, "-device\nusb-tablet,id=input0,bus=usb.0,port=2\n"))
		fail_msg("%s", got);
	free(got);
	vu_domain_free(&dom);
}

static void test_hostdev_vfio(void **state)
{
	struct vu_domain *dom = dom_parse(DEV("<hostdev mode='subsystem' type='pci' "
		"managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' "
		"function='0x1'/></source><boot order='1'/></hostdev>"));
	struct vu_qemu_env env;
	char *got;

	(void)state;
	qc_env(&env, RUN);
	env.vfio = true;
	got = qc_render(dom, &env);
	if (!strstr(got, "-device\nvfio-pci,host=0000:01:00.1,id=hostdev0,bootindex=1\n"))
		fail_msg("%s", got);
	free(got);
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_virtiofs_needs_daemon),
		cmocka_unit_test(test_password_not_on_argv),
		cmocka_unit_test(test_tap_callback),
		cmocka_unit_test(test_direct_and_ethernet),
		cmocka_unit_test(test_write_files),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_incoming_defer),
		cmocka_unit_test(test_firmware_efi),
		cmocka_unit_test(test_hostdev_vfio),
		cmocka_unit_test(test_usb_port),
		cmocka_unit_test(test_clock_variable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
