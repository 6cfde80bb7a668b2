#!/usr/bin/env bats
# vm-create's whole output, pinned: with --uuid, --mac, --virt-type and
# --graphics fixed nothing in it varies by machine. Paths under the test's
# directory read @TMP@. VMC_GOLDEN_UPDATE=1 rewrites the files instead.

load common
load vm-create-lib
bats_require_minimum_version 1.5.0

GOLDEN=$BATS_TEST_DIRNAME/golden/vm-create
U=11111111-2222-3333-4444-555555555555

setup() {
	vmc_setup
}

# golden NAME ARGS...: vm-create's stdout, scrubbed, equals golden/NAME.xml.
golden() {
	local name=$1
	shift
	vmc_ok "$@"
	sed "s|$BATS_TEST_TMPDIR|@TMP@|g" out.xml >scrubbed.xml
	if [ -n "${VMC_GOLDEN_UPDATE:-}" ]; then
		cp scrubbed.xml "$GOLDEN/$name.xml"
	fi
	diff -u "$GOLDEN/$name.xml" scrubbed.xml || fail "output differs from golden/$name.xml"
}

@test "golden: --import, kvm, VNC, rhel7" {
	qemu-img create -q -f qcow2 disk.qcow2 1G
	golden import-kvm-vnc --name web1 --memory 2048 --vcpus 2 --disk "$PWD/disk.qcow2" \
		--import --os-variant rhel7 --uuid $U --mac 52:54:00:00:00:01 --virt-type kvm \
		--graphics vnc
}

@test "golden: --cdrom, qemu, SPICE, a new disk, two phases" {
	golden cdrom-qemu-spice --name web2 --memory 1024 --disk size=8 --cdrom "$ISO" \
		--os-variant fedora37 --uuid $U --mac 52:54:00:00:00:02 --virt-type qemu \
		--graphics spice --print-xml --dry-run
}

@test "golden: --pxe on a bridge, no graphics, generic OS" {
	golden pxe-none --name pxe1 --memory 512 --disk none --pxe \
		--network bridge=br0,mac=52:54:00:00:00:03 --uuid $U --virt-type kvm \
		--graphics none
}

@test "golden: --location with --extra-args, q35, host-passthrough" {
	golden location-q35 --name inst1 --memory 2048 --vcpus 4,sockets=1,cores=2,threads=2 \
		--cpu host-passthrough --machine q35 --disk size=10 --location "$TREE" \
		--extra-args 'console=ttyS0 inst.ks=file:/ks.cfg' --os-variant rhel7 --uuid $U \
		--mac 52:54:00:00:00:04 --virt-type kvm --graphics vnc,listen=0.0.0.0,port=5901 \
		--dry-run
}
