/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apinit.c - the appliance's /init (busybox sh): load the modules, mount
 * the guest on /sysroot as its fstab says, run vm-sysprep inside, unmount,
 * report the exit status on the second serial port and power off */
#include "vs-appliance.h"

/*
 * ttyS1 carries what vm-sysprep says and, last, "VU-APPLIANCE-EXIT N";
 * ttyS0 the kernel's console. Mount points are checked to stay under
 * /sysroot once the guest's own links are resolved (realpath): a link
 * leading out of the guest is an error, not a mount over the appliance.
 * fstab's devices: UUID=, LABEL=, /dev/disk/by-uuid|by-label/, and
 * /dev/[shv]dX or /dev/xvdX as the virtio disks /dev/vdX, attached in the
 * order vm-sysprep was given them. LVM is not reached from here.
 */
const char vs_ap_init[] =
	"#!/bin/sh\n"
	"/bin/busybox --install -s /bin\n"
	"export PATH=/bin\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"exec </dev/null >/dev/ttyS1 2>&1\n"
	"echo 1 >/proc/sys/kernel/printk\n"
	"fin() {\n"
	"	sync\n"
	"	for m in $(awk '$2 ~ \"^/sysroot\" { print $2 }' /proc/mounts | sort -r); do\n"
	"		umount \"$m\" || echo \"vm-sysprep: appliance: cannot unmount ${m#/sysroot}\"\n"
	"	done\n"
	"	echo \"VU-APPLIANCE-EXIT $1\"\n"
	"	poweroff -f\n"
	"}\n"
	"fail() { echo \"vm-sysprep: $*\"; fin 1; }\n"
	"while read -r m; do\n"
	"	insmod \"/lib/modules/$m\" || fail \"appliance: insmod $m failed\"\n"
	"done </lib/modules/order\n"
	"rw=rw\n"
	"[ -f /vs/readonly ] && rw=ro\n"
	"n=0\n"
	"while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done\n"
	"root=\n"
	"for d in $(ls /dev | grep '^vd'); do\n"
	"	mount -o ro \"/dev/$d\" /sysroot 2>/dev/null || continue\n"
	"	if [ -f /sysroot/etc/fstab ] || [ -f /sysroot/etc/os-release ] ||\n"
	"	   [ -f /sysroot/usr/lib/os-release ]; then\n"
	"		if [ -n \"$root\" ]; then\n"
	"			umount /sysroot\n"
	"			fail \"guest: multi-boot guests are not supported ($root and /dev/$d)\"\n"
	"		fi\n"
	"		root=/dev/$d\n"
	"	fi\n"
	"	umount /sysroot\n"
	"done\n"
	"[ -n \"$root\" ] || fail \"guest: no operating system found\"\n"
	"mount -o $rw \"$root\" /sysroot || fail \"guest: ${root}: cannot mount\"\n"
	"resolve() {\n"
	"	case $1 in\n"
	"	UUID=*|LABEL=*) findfs \"$1\" ;;\n"
	"	/dev/disk/by-uuid/*) findfs \"UUID=${1##*/}\" ;;\n"
	"	/dev/disk/by-label/*) findfs \"LABEL=${1##*/}\" ;;\n"
	"	/dev/sd*|/dev/hd*|/dev/vd*) echo \"/dev/vd${1#/dev/?d}\" ;;\n"
	"	/dev/xvd*) echo \"/dev/vd${1#/dev/xvd}\" ;;\n"
	"	*) return 1 ;;\n"
	"	esac\n"
	"}\n"
	"if [ -f /sysroot/etc/fstab ]; then\n"
	"	grep -v '^[[:space:]]*#' /sysroot/etc/fstab | sort -k2,2 >/tmp/fstab\n"
	"	while read -r spec mp type opts rest; do\n"
	"		case $type in ''|swap|proc|sysfs|devpts|tmpfs|devtmpfs|none|nfs*|cifs) continue ;; esac\n"
	"		case ,$opts, in *,noauto,*) continue ;; esac\n"
	"		case $mp in /) continue ;; /*) ;; *) continue ;; esac\n"
	"		dev=$(resolve \"$spec\") && [ -b \"$dev\" ] ||\n"
	"			{ echo \"vm-sysprep: $mp: $spec: not found, not mounted\"; continue; }\n"
	"		dir=$(realpath \"/sysroot$mp\") || fail \"$mp: mount point not found\"\n"
	"		case $dir/ in /sysroot/*) ;; *) fail \"$mp: mount point leads out of the guest\" ;; esac\n"
	"		mount -o $rw \"$dev\" \"$dir\" || fail \"$mp: ${spec}: cannot mount\"\n"
	"	done </tmp/fstab\n"
	"fi\n"
	"/bin/vm-sysprep --in-appliance " VS_AP_ARGS "\n"
	"fin $?\n";
