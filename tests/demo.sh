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
