#!/usr/bin/env bats
# vm-create against virt-install: for the same options, the elements an
# option produces equal virt-install's (virt-install --connect
# test:///default --print-xml --dry-run). The test driver makes an i686
# "test" domain with its own devices, so whole documents cannot match: each
# row compares the subtree the option writes, normalised by
# vm-create-norm.py (uuid, MACs, domain type and emulator dropped; libvirt's
# spelled-out defaults made equal) and canonicalised.

load common
load vm-create-lib
bats_require_minimum_version 1.5.0

setup() {
	vmc_setup
	command -v virt-install >/dev/null || skip "virt-install is not installed"
	qemu-img create -q -f qcow2 "$BATS_TEST_TMPDIR/d.qcow2" 1G
}

# PATH | ARGS [| STEP] (both tools get --name t --osinfo generic --graphics
# none --print-xml STEP, 1 unless given: the install phase, or the only one;
# $D is an existing qcow2 image, $ISO an ISO stand-in)
COMPAT_TABLE=$(cat <<'EOF2'
memory|--memory 2048 --disk none --import --network none
currentMemory|--memory 2048 --disk none --import --network none
memory|--memory 1024,maxmemory=4096 --disk none --import --network none
currentMemory|--memory 1024,maxmemory=4096 --disk none --import --network none
currentMemory|--memory memory=2048,currentMemory=512 --disk none --import --network none
vcpu|--memory 1024 --vcpus 4 --disk none --import --network none
vcpu|--memory 1024 --vcpus 4,maxvcpus=8,cpuset=1-3 --disk none --import --network none
cpu|--memory 1024 --vcpus 4,maxvcpus=8,sockets=2,cores=2,threads=2 --disk none --import --network none
cpu|--memory 1024 --vcpus 4,sockets=2 --disk none --import --network none
cpu|--memory 1024 --vcpus 8,threads=2 --disk none --import --network none
vcpu|--memory 1024 --cpuset auto --disk none --import --network none
vcpu|--memory 1024 --cpuset 0-1 --disk none --import --network none
cpu|--memory 1024 --cpu host-model --disk none --import --network none
cpu|--memory 1024 --cpu host-passthrough --disk none --import --network none
cpu|--memory 1024 --cpu core2duo,+x2apic,-vmx --disk none --import --network none
cpu|--memory 1024 --cpu Haswell,require=pdpe1gb,forbid=svm --disk none --import --network none
title|--memory 1024 --metadata title=Web,description=first --disk none --import --network none
description|--memory 1024 --metadata title=Web,description=first --disk none --import --network none
name|--memory 1024 --metadata name=other --disk none --import --network none
devices/disk|--memory 1024 --disk $D,bus=virtio --import --network none
devices/disk|--memory 1024 --disk $D,bus=virtio,cache=none,io=native,discard=unmap --import --network none
devices/disk|--memory 1024 --disk $D,bus=sata,serial=AB12 --import --network none
devices/disk|--memory 1024 --disk $D,bus=virtio,boot_order=1 --import --network none
devices/disk|--memory 1024 --disk $D,bus=virtio,perms=sh --import --network none
devices/disk|--memory 1024 --disk $D,bus=virtio,perms=ro --import --network none
devices/disk|--memory 1024 --disk $ISO,device=cdrom,bus=ide --import --network none
devices/disk|--memory 1024 --disk $D,bus=virtio --disk $D,bus=virtio,perms=sh --import --network none
devices/interface|--memory 1024 --disk none --import --network bridge=br0,model=virtio,mac=52:54:00:11:22:33
devices/interface|--memory 1024 --disk none --import --network network=net1,model=e1000
devices/interface|--memory 1024 --disk none --import --network type=direct,source=eth0,source_mode=vepa,model=virtio
devices/interface|--memory 1024 --disk none --import --network user,model=virtio
devices/interface|--memory 1024 --disk none --import --network bridge:br2,model=virtio
devices/interface|--memory 1024 --disk none --import --network network:net2,model=virtio
os/boot|--memory 1024 --disk none --network none --boot cdrom,hd
os/boot|--memory 1024 --disk none --network none --boot network
os/bootmenu|--memory 1024 --disk none --network none --boot hd,menu=on
os/kernel|--memory 1024 --disk none --network none --boot kernel=/k,initrd=/i,cmdline=quiet
os/initrd|--memory 1024 --disk none --network none --boot kernel=/k,initrd=/i,cmdline=quiet
os/cmdline|--memory 1024 --disk none --network none --boot kernel=/k,initrd=/i,cmdline=quiet
uuid|--memory 1024 --disk none --import --network none --uuid 11111111-2222-3333-4444-555555555555
on_reboot|--memory 1024 --disk none --network none --cdrom $ISO
os/boot|--memory 1024 --disk none --network none --cdrom $ISO
os/boot|--memory 1024 --disk none --network none --cdrom $ISO|2
os/boot|--memory 1024 --disk $D --network none --cdrom $ISO
os/boot|--memory 1024 --disk $D --network none --cdrom $ISO|2
devices/disk|--memory 1024 --disk $D --network none --cdrom $ISO
devices/disk|--memory 1024 --disk $D --network none --cdrom $ISO|2
os/boot|--memory 1024 --disk none --network none --pxe
os/boot|--memory 1024 --disk none --network none --pxe|2
os/boot|--memory 1024 --disk $D --network none --pxe
os/boot|--memory 1024 --disk $D --network none --pxe|2
memoryBacking|--memory 1024 --disk none --import --network none --memorybacking hugepages=on,nosharepages=on,locked=on,discard=on
memoryBacking|--memory 1024 --disk none --import --network none --memorybacking source.type=memfd,access.mode=shared
memoryBacking|--memory 1024 --disk none --import --network none --memorybacking source_type=anonymous,access_mode=private
memoryBacking|--memory 1024 --disk none --import --network none --memorybacking allocation.mode=immediate,allocation.threads=2
memoryBacking|--memory 1024 --disk none --import --network none --filesystem /srv,tag,driver.type=virtiofs --memorybacking source.type=memfd,access.mode=shared
devices/filesystem|--memory 1024 --disk none --import --network none --filesystem /srv,tag,driver.type=virtiofs --memorybacking source.type=memfd,access.mode=shared
devices/interface|--memory 1024 --disk none --import --network network=net1,model=virtio,boot_order=1
EOF2
)

@test "the elements options write equal virt-install's" {
	local path args n=0 fails=() keep
	while IFS='|' read -r path args step; do
		n=$((n + 1))
		args=${args//\$D/$BATS_TEST_TMPDIR/d.qcow2}
		args=${args//\$ISO/$ISO}
		# shellcheck disable=SC2086 # the row's words
		set -- $args
		keep=; [[ $args == *mac=* ]] && keep=keep-mac
		if ! virt-install --connect test:///default --name t --osinfo generic \
			--graphics none --print-xml "${step:-1}" --dry-run "$@" >vi.xml 2>vi.err; then
			fails+=("row $n [$args]: virt-install failed: $(cat vi.err)")
			continue
		fi
		if ! vm-create --name t --osinfo generic --graphics none --print-xml "${step:-1}" \
			--dry-run "$@" >vc.xml 2>vc.err; then
			fails+=("row $n [$args]: vm-create failed: $(cat vc.err)")
			continue
		fi
		want=$("$BATS_TEST_DIRNAME/vm-create-norm.py" vi.xml "$path" $keep)
		got=$("$BATS_TEST_DIRNAME/vm-create-norm.py" vc.xml "$path" $keep)
		[ -n "$want" ] || fails+=("row $n [$args]: virt-install wrote no $path")
		[ "$got" = "$want" ] ||
			fails+=("row $n [$args] $path:"$'\n'"  vm-create:    $got"$'\n'"  virt-install: $want")
	done <<<"$COMPAT_TABLE"
	[ "${#fails[@]}" -eq 0 ] || fail "$(printf '%s\n' "${fails[@]}")"
	[ "$n" -ge 40 ]
}
