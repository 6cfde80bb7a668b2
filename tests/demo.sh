#!/usr/bin/env bash
# make demo: a small, real pipeline in ./demo-root, printing each step.
# The input image is made by qemu-img (the tool users already have); every
# step after that is virtutils.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
root=$top/demo-root
bin=$top/bin
rm -rf "$root"
mkdir -p "$root/images"
export VIRTUTILS_ROOT=$root
cd "$root/images"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "== a guest disk from qemu-img: 1 GiB qcow2, a little data, a zeroed range"
qemu-img create -q -f qcow2 template.qcow2 1G
qemu-io -f qcow2 -c 'write -P 0x5a 0 4M' -c 'write -P 0xa5 64M 1M' \
	-c 'write -z 128M 2M' template.qcow2 >/dev/null

step "$bin/img-convert" info template.qcow2
step "$bin/img-convert" map --output=json template.qcow2
step "$bin/img-convert" convert -p -O raw template.qcow2 disk.raw
step "$bin/img-convert" info disk.raw
step "$bin/img-convert" compare template.qcow2 disk.raw
step du -h --apparent-size disk.raw
step du -h disk.raw
echo
echo "== qcow2 written by img-convert: create, fill, snapshot, check, compress"
step "$bin/img-convert" create -f qcow2 -o lazy_refcounts=on vm.qcow2 1G
step "$bin/img-convert" convert -n -O qcow2 disk.raw vm.qcow2
step "$bin/img-convert" snapshot -c installed vm.qcow2
step "$bin/img-convert" snapshot -l vm.qcow2
step "$bin/img-convert" check vm.qcow2
step "$bin/img-convert" convert -c -p -O qcow2 vm.qcow2 vm-small.qcow2
step "$bin/img-convert" compare vm.qcow2 vm-small.qcow2
step du -h vm.qcow2 vm-small.qcow2
echo
echo "== storage pools: the default pool is this root's images/, another beside it"
step "$bin/pool-ctl" list --all --details
step "$bin/pool-ctl" vol-list default --details
step "$bin/pool-ctl" define-as demo dir - - - - "$root/pool"
step "$bin/pool-ctl" start --build demo
step "$bin/pool-ctl" vol-create-as demo blank 64M
step "$bin/pool-ctl" vol-create-as demo disk 1G --allocation 0
step "$bin/pool-ctl" -p vol-upload --sparse demo disk disk.raw
step "$bin/pool-ctl" vol-create-as demo web1 1G --format qcow2 \
	--backing-vol "$root/images/template.qcow2" --backing-vol-format qcow2
step "$bin/pool-ctl" vol-list demo --details
step "$bin/pool-ctl" vol-dumpxml demo web1
step "$bin/pool-ctl" info demo
echo
echo "== a VM definition with a new disk in the default pool (virt-install's options)"
step "$bin/vm-create" --name web1 --memory 1024 --vcpus 2 --disk size=4 \
	--pxe --os-variant rhel7 --print-xml 1 --dry-run
step "$bin/vm-create" --name web1 --memory 1024 --vcpus 2 --disk size=4 \
	--pxe --os-variant rhel7 --define --autostart
step cat "$root/domains/web1.xml"
step "$bin/pool-ctl" vol-info default web1.qcow2
[ -f "$root/images/web1.qcow2" ]
echo
echo "== vm-clone: a domain cloned twice, with its disk copied, then linked"
demo_vm=web1
step "$bin/vm-clone" --original "$demo_vm" --auto-clone --define
step "$bin/vm-clone" --original "$demo_vm" --name "$demo_vm-linked" --linked --auto-clone --define
step ls -ls "$root/domains" "$root/images"
step "$bin/img-convert" compare "$root/images/$demo_vm.qcow2" "$root/images/$demo_vm-clone.qcow2"
step "$bin/img-convert" info "$root/images/$demo_vm-linked.qcow2"
echo "what the clone changed (both laid out by xmllint):"
diff <(xmllint --format "$root/domains/$demo_vm.xml") \
	<(xmllint --format "$root/domains/$demo_vm-clone.xml") || true
echo
echo "== vm-sysprep: a template guest cloned, and the clone's identity scrubbed in place"
echo "   (the guest's files are made by mke2fs -d: a small imitation of a RHEL 7 install)"
tree=$root/tpl-tree
mkdir -p "$tree/etc/ssh" "$tree/etc/sysconfig/network-scripts" "$tree/var/log" \
	"$tree/root" "$tree/tmp"
echo tpl >"$tree/etc/hostname"
echo 0123456789abcdef0123456789abcdef >"$tree/etc/machine-id"
printf 'DEVICE=eth0\nHWADDR=52:54:00:12:34:56\nONBOOT=yes\n' \
	>"$tree/etc/sysconfig/network-scripts/ifcfg-eth0"
echo 'NAME="Red Hat Enterprise Linux"' >"$tree/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$tree/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$tree/etc/shadow"
echo '/dev/sda / ext4 defaults 1 1' >"$tree/etc/fstab"
for k in rsa ed25519; do echo "private $k key" >"$tree/etc/ssh/ssh_host_${k}_key"; done
echo "Dec  7 sshd: accepted" >"$tree/var/log/messages"
echo "history" >"$tree/root/.bash_history"
echo junk >"$tree/tmp/junk"
mke2fs -q -F -t ext4 -d "$tree" tpl.raw 64M >/dev/null
rm -rf "$tree"
step "$bin/img-convert" convert -O qcow2 tpl.raw tpl.qcow2
rm -f tpl.raw
printf '%s\n' "<domain type='kvm'>" "  <name>tpl</name>" "  <memory unit='MiB'>512</memory>" \
	"  <os><type arch='x86_64'>hvm</type></os>" "  <devices>" \
	"    <disk type='file' device='disk'>" "      <driver name='qemu' type='qcow2'/>" \
	"      <source file='$root/images/tpl.qcow2'/>" "      <target dev='vda' bus='virtio'/>" \
	"    </disk>" "  </devices>" "</domain>" >tpl.xml
step "$bin/vm-sysprep" --list-operations
step "$bin/vm-sysprep" -n -q -a tpl.qcow2
printf '\n\033[1m$ %s\033[0m\n' \
	"vm-clone --original-xml - --auto-clone < tpl.xml | vm-sysprep --hostname web2 - > web2.xml"
"$bin/vm-clone" -q --original-xml - --auto-clone <tpl.xml |
	"$bin/vm-sysprep" -q --hostname web2 - >web2.xml
step grep -e '<name>' -e 'source file' web2.xml
echo "what the clone's disk holds now (read by debugfs from a raw copy):"
"$bin/img-convert" convert -O raw tpl-clone.qcow2 clone.raw
for f in /etc/hostname /etc/machine-id /etc/sysconfig/network-scripts/ifcfg-eth0 /etc/ssh; do
	printf '  %s: ' "$f"
	if [ "$f" = /etc/ssh ]; then
		debugfs -R "ls $f" clone.raw 2>/dev/null | tr -s ' \n' ' '
	else
		debugfs -R "cat $f" clone.raw 2>/dev/null | tr '\n' ' '
	fi
	echo
done
rm -f clone.raw
echo
echo "== vm-ctl: the test guest (Debian's cloud kernel, a busybox initramfs written by"
echo "   our cpio code, an ext4 disk) booted on QEMU under TCG, then shut down by ACPI"
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "(qemu-system-x86_64 is not installed: skipped)"
elif ! "$top/tests/fixtures/mkguest.sh" "$root/guest" >"$root/guest.log" 2>&1; then
	echo "(no test guest: $(tail -n 1 "$root/guest.log"); skipped)"
else
	cp --sparse=always "$root/guest/disk.ext4" "$root/images/demo-guest.ext4"
	sed -e "s|<name>vu-guest</name>|<name>demo-guest</name>|" \
		-e "s|$root/guest/disk.ext4|$root/images/demo-guest.ext4|" \
		-e "s|<serial type='pty'>|<serial type='file'><source path='$root/demo-guest.console'/>|" \
		-e "s|<console type='pty'>|<console type='file'><source path='$root/demo-guest.console'/>|" \
		"$root/guest/guest.xml" >demo-guest.xml
	step "$bin/vm-ctl" define demo-guest.xml
	step "$bin/vm-ctl" start demo-guest
	for ((i = 0; i < 600; i++)); do
		grep -aq 'VU-GUEST: disk mounted' "$root/demo-guest.console" 2>/dev/null && break
		sleep 0.1
	done
	echo "its console so far:"
	grep -a 'VU-GUEST' "$root/demo-guest.console" | tr -d '\r' | sed 's/^/  /' || true
	step "$bin/vm-ctl" list --all
	step "$bin/vm-ctl" dominfo demo-guest
	step "$bin/vm-ctl" shutdown demo-guest --timeout 60 --force
	grep -a 'VU-GUEST: poweroff' "$root/demo-guest.console" | tr -d '\r' | sed 's/^/  /' || true
	step "$bin/vm-ctl" domstate demo-guest --reason
fi
echo
echo "== a virtual network: libvirt's default, started inside a network namespace"
echo "   the demo makes (unshare -n), so nothing of this host's network changes"
if [ ! -x "$bin/net-ctl" ]; then
	echo "(net-ctl is not built: skipped)"
elif [ "$(id -u)" != 0 ]; then
	echo "(not root: a bridge, nftables rules and dnsmasq need CAP_NET_ADMIN, and"
	echo " a network namespace of our own needs root: skipped)"
elif ! unshare -n true 2>/dev/null; then
	echo "(this machine refuses a new network namespace (unshare -n): skipped)"
else
	export -f step
	export bin root
	# One namespace for every step; whatever happens, the network is
	# destroyed before the namespace goes, so no dnsmasq outlives it.
	unshare -n bash -eu -c '
		ip link set lo up
		trap "\"\$bin/net-ctl\" -q destroy default 2>/dev/null || :" EXIT
		step "$bin/net-ctl" list --all
		step "$bin/net-ctl" start default || {
			echo "(net-ctl could not start it: the line above says why; skipped)"
			exit 0
		}
		step "$bin/net-ctl" info default
		step ip -brief address show dev virbr0
		if command -v nft >/dev/null; then
			step nft list table ip virtutils
		fi
		conf=$root/run/dnsmasq/default.conf
		if [ -f "$conf" ]; then
			step cat "$conf"
		fi
		step "$bin/net-ctl" update default add ip-dhcp-host \
			"<host mac=\"52:54:00:00:00:10\" name=\"web1\" ip=\"192.168.122.10\"/>" \
			--live --config
		if [ -f "${conf%.conf}.hostsfile" ]; then
			step cat "${conf%.conf}.hostsfile"
		fi
		step "$bin/net-ctl" dhcp-leases default
		step "$bin/net-ctl" destroy default
		step "$bin/net-ctl" list --all
	'
fi
echo
echo "== KSM on this host, read only: what ksm-tune sees and would decide"
if [ -d /sys/kernel/mm/ksm ]; then
	step "$bin/ksm-tune" status
	step "$bin/ksm-tune" once --dry-run
else
	echo "(this kernel has no /sys/kernel/mm/ksm: skipped)"
fi
printf '\nThe demo left its files in %s.\n' "$root"
