/* SPDX-License-Identifier: GPL-2.0-or-later */
/* firstboot.c - what --firstboot and --firstboot-command install in the
 * guest: a runner that runs each script once, in name order, at the next
 * boot, started by a systemd unit or a SysV init script */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-sysprep.h"

/*
 * The runner: scripts in VS_FB_DIR/scripts run in name order; each one
 * that ran moves to scripts-done, so a second boot (or a crash part-way)
 * never runs a script twice. The output goes to a log in /root.
 */
static const char runner[] =
	"#!/bin/sh -\n"
	"# Installed by vm-sysprep: runs the first-boot scripts once each.\n"
	"dir=" VS_FB_DIR "\n"
	"log=/root/virt-sysprep-firstboot.log\n"
	"mkdir -p \"$dir/scripts-done\"\n"
	"for script in \"$dir\"/scripts/*; do\n"
	"\t[ -f \"$script\" ] || continue\n"
	"\tname=${script##*/}\n"
	"\tmv \"$script\" \"$dir/scripts-done/$name\" || continue\n"
	"\techo \"=== $name ===\" >>\"$log\"\n"
	"\tchmod +x \"$dir/scripts-done/$name\"\n"
	"\t\"$dir/scripts-done/$name\" >>\"$log\" 2>&1\n"
	"\techo \"=== $name: exit status $? ===\" >>\"$log\"\n"
	"done\n";

const char *vs_fb_runner(void)
{
	return runner;
}

static const char unit[] =
	"# Installed by vm-sysprep: the first-boot scripts in " VS_FB_DIR "/scripts.\n"
	"[Unit]\n"
	"Description=vm-sysprep first-boot scripts\n"
	"After=network.target\n"
	"Wants=network.target\n"
	"ConditionDirectoryNotEmpty=" VS_FB_DIR "/scripts\n"
	"\n"
	"[Service]\n"
	"Type=oneshot\n"
	"ExecStart=" VS_FB_DIR "/firstboot.sh\n"
	"RemainAfterExit=yes\n"
	"TimeoutSec=0\n"
	"StandardOutput=journal+console\n"
	"\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n";

const char *vs_fb_unit(void)
{
	return unit;
}

/* For guests without systemd: linked as S99 in runlevels 2, 3 and 5. */
static const char initscript[] =
	"#!/bin/sh\n"
	"### BEGIN INIT INFO\n"
	"# Provides:          guestfs-firstboot\n"
	"# Required-Start:    $network\n"
	"# Required-Stop:\n"
	"# Default-Start:     2 3 5\n"
	"# Default-Stop:\n"
	"# Short-Description: vm-sysprep first-boot scripts\n"
	"### END INIT INFO\n"
	"# chkconfig: 2345 99 01\n"
	"case \"$1\" in\n"
	"start) exec " VS_FB_DIR "/firstboot.sh ;;\n"
	"*) exit 0 ;;\n"
	"esac\n";

const char *vs_fb_initscript(void)
{
	return initscript;
}

char *vs_fb_script_name(unsigned seq, const char *name)
{
	const char *base = strrchr(name, '/');
	char *out;

	base = base ? base + 1 : name;
	if (!*base)
		base = "script";
	if (asprintf(&out, "%04u-%s", seq, base) < 0)
		return NULL;
	for (char *p = out + 5; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			*p = '-';
	return out;
}

char *vs_fb_command_script(const char *cmd)
{
	char *out;

	if (asprintf(&out, "#!/bin/sh\n%s\n", cmd) < 0)
		return NULL;
	return out;
}
