/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qemucmd.c - libFuzzer harness: any bytes parsed as a domain and
 * turned into a QEMU command line (every module of libshared/qemu/cmdline*
 * walks untrusted XML); the result is freed, nothing is run */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"
#include "vu/qemucmd.h"

static int bridge(void *opaque, const char *network, char *br, size_t len, struct vu_err *e)
{
	(void)opaque;
	(void)e;
	snprintf(br, len, "vb-%.8s", network);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_domain *dom = NULL;
	struct vu_qemu_env env = {
		.qmp = "/run/q/d.qmp", .pidfile = "/run/q/d.pid", .rundir = "/run/q",
		.daemonize = true, .virtiofsd = "/usr/lib/qemu/virtiofsd", .vfio = true,
		.spice_port = 5900, .network_bridge = bridge,
	};
	struct vu_qemu_cmd cmd;
	struct vu_err e = { 0 };

	if (vu_domain_parse(&dom, (const char *)data, size, NULL) < 0)
		return 0;
	if (vu_qemu_cmdline(dom, &env, &cmd, &e) == 0) {
		/* an argv is complete: NULL at argc, no NULL before */
		if (!cmd.argv || cmd.argv[cmd.argc])
			abort();
		for (size_t i = 0; i < cmd.argc; i++)
			if (!cmd.argv[i])
				abort();
		vu_qemu_cmd_clear(&cmd);
	} else if (!e.code) {
		abort();	/* an error always says why */
	}
	vu_domain_free(&dom);
	return 0;
}
