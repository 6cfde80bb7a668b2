/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemucmd_test.h - what the command-line tests share: the environment of
 * the golden files and an argv written one argument a line */
#ifndef QEMUCMD_TEST_H
#define QEMUCMD_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/qemucmd.h"

/* The golden XMLs: vm-create's and the domain fixtures. */
static const char *const qc_golden[] = {
	"tests/cli/golden/vm-create/cdrom-qemu-spice.xml",
	"tests/cli/golden/vm-create/import-kvm-vnc.xml",
	"tests/cli/golden/vm-create/location-q35.xml",
	"tests/cli/golden/vm-create/pxe-none.xml",
	"tests/fixtures/domains/foreign.xml",
	"tests/fixtures/domains/s0-demo2.xml",
	"tests/fixtures/domains/s0-guest1-rhel6-64.xml",
	"tests/fixtures/domains/s0-qemu-block.xml",
	"tests/fixtures/domains/s0-qemu-fedora-i686.xml",
	"tests/fixtures/domains/s1-rhelx86_64-live.xml",
	"tests/fixtures/domains/s2-sles11sp3.xml",
	"tests/fixtures/domains/s4-devices.xml",
	"tests/fixtures/domains/s4-metadata.xml",
	"tests/fixtures/domains/s4-tuning.xml",
	/* ours: what vm-create does not write */
	"tests/unit/golden-qemu/pc-devices.xml",
	"tests/unit/golden-qemu/q35-devices.xml",
};

/* A network's bridge as net-ctl would name it: "virbr-NAME" cut short. */
static inline int qc_bridge(void *opaque, const char *network, char *br, size_t len,
			    struct vu_err *e)
{
	(void)opaque;
	if (!strcmp(network, "absent"))
		return vu_err_set(e, ENOENT, "network '%s' is not active", network);
	snprintf(br, len, "vb-%.10s", network);
	return 0;
}

static inline void qc_env(struct vu_qemu_env *env, const char *run)
{
	static char qmp[512], pid[512];

	snprintf(qmp, sizeof(qmp), "%s/dom.qmp", run);
	snprintf(pid, sizeof(pid), "%s/dom.pid", run);
	memset(env, 0, sizeof(*env));
	env->qmp = qmp;
	env->pidfile = pid;
	env->rundir = run;
	env->daemonize = true;
	env->virtiofsd = "/usr/lib/qemu/virtiofsd";
	env->spice_port = 5900;
	env->network_bridge = qc_bridge;
}

/* The argv one argument a line, or "error: MSG" and the errno name. */
static inline char *qc_render(const struct vu_domain *dom, const struct vu_qemu_env *env)
{
	struct vu_qemu_cmd cmd;
	struct vu_err e = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int r = vu_qemu_cmdline(dom, env, &cmd, &e);

	if (r < 0) {
		fprintf(f, "error: %s\n", vu_err_str(&e));
	} else {
		for (size_t i = 0; i < cmd.argc; i++)
			fprintf(f, "%s\n", cmd.argv[i]);
		if (cmd.balloon_kib)
			fprintf(f, "# balloon %llu\n", (unsigned long long)cmd.balloon_kib);
		for (size_t i = 0; i < cmd.npins; i++)
			fprintf(f, "# pin %d %s\n", cmd.pins[i].vcpu, cmd.pins[i].cpuset);
		for (size_t i = 0; i < cmd.nfiles; i++)
			fprintf(f, "# file %s\n", cmd.files[i].path);
		for (size_t i = 0; i < cmd.nfs; i++)
			fprintf(f, "# virtiofs %s %s\n", cmd.fs[i].socket, cmd.fs[i].source);
		if (cmd.on_poweroff || cmd.on_reboot || cmd.on_crash)
			fprintf(f, "# monitor poweroff=%s reboot=%s crash=%s\n",
				cmd.on_poweroff ? cmd.on_poweroff : "-",
				cmd.on_reboot ? cmd.on_reboot : "-",
				cmd.on_crash ? cmd.on_crash : "-");
		vu_qemu_cmd_clear(&cmd);
	}
	fclose(f);
	return out;
}

#endif
