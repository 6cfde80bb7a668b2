// SPDX-License-Identifier: GPL-2.0-or-later
/* test_qemucmd.c - domain XML -> QEMU argv: the golden files (one per
 * vm-create golden XML and domain fixture) and what is refused */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_virtiofs_needs_daemon),
		cmocka_unit_test(test_password_not_on_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
