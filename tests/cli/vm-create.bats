#!/usr/bin/env bats
# vm-create: the seeds' virt-install commands with local stand-ins for their
# media, and one XPath assertion per option and sub-option. Every document
# is checked against libvirt's domain.rng.

load common
load vm-create-lib
bats_require_minimum_version 1.5.0

setup() {
	vmc_setup
}

# ---- the seeds' example commands (research digest 1b) ----

@test "S3: --disk size=8 --cdrom ISO --os-variant rhel7 creates the disk, records the install" {
	vmc_ok --name guest1-rhel7 --memory 2048 --vcpus 2 --disk size=8 \
		--cdrom "$ISO" --os-variant rhel7
	img=$VIRTUTILS_ROOT/images/guest1-rhel7.qcow2
	assert_xp 'string(/domain/devices/disk[@device="disk"]/source/@file)' "$img"
	assert_xp 'string(/domain/devices/disk[@device="disk"]/target/@bus)' virtio
	assert_xp 'string(/domain/devices/disk[@device="disk"]/driver/@type)' qcow2
	assert_xp 'count(/domain/devices/disk[@device="cdrom"]/source)' 0
	assert_xp 'string(/domain/vcpu)' 2
	assert_xp 'string(/domain/memory)' 2097152
	assert_xp 'string(/domain/on_reboot)' restart
	assert_xp 'string(//*[local-name()="media"]/@path)' "$ISO"
	assert_xp 'string(//*[local-name()="install"]/@method)' cdrom
	qemu-img check -q "$img"
	run qemu-img info --output=json "$img"
	assert_output --partial '"virtual-size": 8589934592'
	assert_output --partial '"format": "qcow2"'
}

@test "S3: --import boots an existing image as it is" {
	qemu-img create -q -f qcow2 disk.qcow 1G
	vmc_ok --name guest1-rhel7 --memory 2048 --vcpus 2 --disk "$PWD/disk.qcow" --import \
		--os-variant rhel7
	assert_xp 'string(/domain/devices/disk/source/@file)' "$PWD/disk.qcow"
	assert_xp 'string(/domain/devices/disk/driver/@type)' qcow2
	assert_xp 'string(/domain/os/boot/@dev)' hd
	assert_xp 'count(/domain/metadata)' 0
	[ ! -e "$VIRTUTILS_ROOT/images/guest1-rhel7.qcow2" ]
}

@test "S3: --location TREE copies the kernel and initrd to ROOT/boot/NAME" {
	vmc_ok --name guest1-rhel7 --memory 2048 --vcpus 2 --disk size=8 --location "$TREE" \
		--os-variant rhel7
	boot=$VIRTUTILS_ROOT/boot/guest1-rhel7
	assert_xp 'string(//*[local-name()="kernel"])' "$boot/vmlinuz"
	assert_xp 'string(//*[local-name()="initrd"])' "$boot/initrd.img"
	assert_xp 'count(/domain/os/kernel)' 0
	cmp "$boot/vmlinuz" "$TREE/images/pxeboot/vmlinuz"
	vmc_ok --name guest1-rhel7 --memory 2048 --disk none --location "$TREE" --print-xml 1 \
		--dry-run
	assert_xp 'string(/domain/os/kernel)' "$boot/vmlinuz"
	assert_xp 'string(/domain/on_reboot)' destroy
}

@test "S3: --network=bridge:br0 --pxe boots from the network to install" {
	vmc_ok --name guest1-rhel7 --memory 2048 --vcpus 2 --disk size=8 --network=bridge:br0 \
		--pxe --os-variant rhel7 --dry-run
	assert_xp 'string(/domain/devices/interface/@type)' bridge
	assert_xp 'string(/domain/devices/interface/source/@bridge)' br0
	assert_xp 'string(//*[local-name()="boot"][1]/@dev)' network
	vmc_ok --name guest1-rhel7 --memory 2048 --disk size=8 --network=bridge:br0 --pxe \
		--print-xml 1 --dry-run
	assert_xp 'string(/domain/os/boot[1]/@dev)' network
	assert_xp 'string(/domain/os/boot[2]/@dev)' hd
	assert_xp 'string(/domain/on_reboot)' destroy
}

@test "S3: --initrd-inject ks.cfg with --extra-args puts ks.cfg in the initrd" {
	echo 'text' >ks.cfg
	vmc_ok --name guest1-rhel7 --memory 2048 --disk size=8 --location "$TREE" \
		--initrd-inject "$PWD/ks.cfg" \
		--extra-args="ks=file:/ks.cfg console=tty0 console=ttyS0,115200n8"
	assert_xp 'string(//*[local-name()="cmdline"])' \
		'ks=file:/ks.cfg console=tty0 console=ttyS0,115200n8'
	initrd=$VIRTUTILS_ROOT/boot/guest1-rhel7/initrd.img
	# every concatenated segment, as the kernel unpacks them: ks.cfg at /
	run -0 "$TOP/tests/fixtures/newc-walk.py" "$initrd"
	assert_line --regexp ' init$'
	assert_line --regexp ' ks.cfg$'
	"$TOP/tests/fixtures/newc-walk.py" "$initrd" ks.cfg | cmp - ks.cfg
}

@test "S2: --connect, --virt-type kvm, --cdrom, --graphics vnc, --os-variant sled12" {
	export XDG_DATA_HOME=$BATS_TEST_TMPDIR/xdg
	vmc_ok --connect qemu:///session --virt-type kvm --name sled12 --memory 1024 \
		--disk size=10 --cdrom "$ISO" --graphics vnc --os-variant sled12
	assert_xp 'string(/domain/@type)' kvm
	assert_xp 'string(/domain/devices/disk[@device="disk"]/source/@file)' \
		"$XDG_DATA_HOME/virtutils/images/sled12.qcow2"
	assert_xp 'count(/domain/devices/graphics[@type="vnc"])' 1
	[ -f "$XDG_DATA_HOME/virtutils/images/sled12.qcow2" ]
}

@test "S2: two extra CD-ROMs by --disk ...,device=cdrom" {
	touch DVD1.iso SES.iso
	vmc_ok --name sles15+storage --memory 2048 --disk size=10 \
		--disk "$PWD/DVD1.iso,device=cdrom" --disk "$PWD/SES.iso,device=cdrom" \
		--graphics vnc --os-variant sle15 --import --dry-run
	assert_xp 'count(/domain/devices/disk[@device="cdrom"]/readonly)' 2
	assert_xp 'string(/domain/devices/disk[@device="cdrom"][1]/target/@dev)' hda
	assert_xp 'string(/domain/devices/disk[@device="cdrom"][2]/source/@file)' "$PWD/SES.iso"
	assert_xp 'string(/domain/devices/disk[@device="cdrom"][2]/target/@dev)' hdb
}

@test "S1: --accelerate --ram --vnc, vol=POOL/VOL with perms=sh, --pxe" {
	pool-ctl define-as kvmguest dir - - - - "$BATS_TEST_TMPDIR/kvmguest" >/dev/null
	pool-ctl start --build kvmguest >/dev/null
	pool-ctl vol-create-as kvmguest 10.0.0.1 1G >/dev/null
	pool-ctl vol-create-as kvmguest 10.0.0.2 1G >/dev/null
	vmc_ok --accelerate --name rhelx86_64 --ram 800 --vnc --disk vol=kvmguest/10.0.0.1 \
		--disk vol=kvmguest/10.0.0.2,perms=sh --pxe
	assert_xp 'string(/domain/devices/disk[1]/source/@file)' "$BATS_TEST_TMPDIR/kvmguest/10.0.0.1"
	assert_xp 'count(/domain/devices/disk[2]/shareable)' 1
	assert_xp 'count(/domain/devices/disk[1]/shareable)' 0
	assert_xp 'string(/domain/memory)' 819200
	assert_xp 'count(/domain/devices/graphics[@type="vnc"])' 1
}

@test "S1: -n -r -v --accelerate -l -x --nonetworks --nographics pool=default --debug" {
	# The seed's pci_8086_10bd is a vendor/product pair, not a device:
	# the stand-in is a node device name.
	run -0 --separate-stderr vm-create -n hostdev-test -r 1024 --vcpus 2 \
		--os-variant fedora11 -v --accelerate -l "$TREE" -x 'console=ttyS0 vnc' \
		--nonetworks --nographics --disk pool=default,size=8 --debug \
		--host-device=pci_0000_01_00_0
	echo "$output" >out.xml
	valid_xml out.xml
	assert_xp 'count(/domain/devices/interface)' 0
	assert_xp 'count(/domain/devices/graphics)' 0
	assert_xp 'string(//*[local-name()="cmdline"])' 'console=ttyS0 vnc'
	assert_xp 'count(/domain/devices/hostdev)' 1
	[[ $stderr == *"vm-create: debug: "* ]]
}

# ---- one row per option and sub-option: ARGS | XPATH | EXPECTED ----
# ARGS are added to a minimal command (--name t --memory 1024 --disk none
# --import --dry-run, which they may repeat to override).

XPATH_TABLE=$(cat <<'EOF'
--memory 2048|string(/domain/memory)|2097152
--memory 2048|string(/domain/currentMemory)|2097152
--ram 512|string(/domain/memory)|524288
-r 512|string(/domain/currentMemory)|524288
--memory 1024,maxmemory=4096|string(/domain/memory)|4194304
--memory 1024,maxmemory=4096|string(/domain/currentMemory)|1048576
--memory memory=2048,currentMemory=512|string(/domain/currentMemory)|524288
--memory memory=2048,currentMemory=512|string(/domain/memory)|2097152
--vcpus 4|string(/domain/vcpu)|4
--vcpus 2,maxvcpus=8|string(/domain/vcpu)|8
--vcpus 2,maxvcpus=8|string(/domain/vcpu/@current)|2
--vcpus sockets=2,cores=3|string(/domain/vcpu)|6
--vcpus 4,sockets=2|string(/domain/cpu/topology/@cores)|2
--vcpus 8,threads=2|string(/domain/cpu/topology/@threads)|2
--vcpus 4,cpuset=1-3|string(/domain/vcpu/@cpuset)|1-3
--vcpus 2,cpuset=auto|string(/domain/vcpu/@placement)|auto
--cpuset auto|string(/domain/vcpu/@placement)|auto
--cpuset 0-1|string(/domain/vcpu/@cpuset)|0-1
--cpu host-model|string(/domain/cpu/@mode)|host-model
--cpu host-passthrough|string(/domain/cpu/@mode)|host-passthrough
--cpu Haswell|string(/domain/cpu/model)|Haswell
--cpu Haswell|string(/domain/cpu/@match)|exact
--cpu Haswell,+vmx|string(/domain/cpu/feature[@name="vmx"]/@policy)|force
--cpu Haswell,-svm|string(/domain/cpu/feature[@name="svm"]/@policy)|disable
--cpu model=Skylake-Client|string(/domain/cpu/model)|Skylake-Client
--cpu mode=host-model|string(/domain/cpu/@mode)|host-model
--cpu Haswell,match=minimum|string(/domain/cpu/@match)|minimum
--cpu Haswell,require=pdpe1gb|string(/domain/cpu/feature[@name="pdpe1gb"]/@policy)|require
--cpu Haswell,force=x2apic|string(/domain/cpu/feature/@policy)|force
--cpu Haswell,optional=aes|string(/domain/cpu/feature/@policy)|optional
--cpu Haswell,disable=vmx|string(/domain/cpu/feature/@policy)|disable
--cpu Haswell,forbid=vmx|string(/domain/cpu/feature/@policy)|forbid
--machine q35|string(/domain/os/type/@machine)|q35
|string(/domain/os/type/@machine)|pc
--arch x86_64|string(/domain/os/type/@arch)|x86_64
--arch i686|string(/domain/os/type/@machine)|pc
--arch aarch64|string(/domain/os/type/@machine)|virt
--arch aarch64|count(/domain/features/acpi)|0
--arch ppc64le|string(/domain/os/type/@machine)|pseries
--hvm|string(/domain/os/type)|hvm
-v|string(/domain/os/type)|hvm
--accelerate --virt-type qemu|string(/domain/@type)|qemu
--os-variant rhel7 --disk size=1|string(/domain/devices/disk/target/@bus)|virtio
--osinfo rhel7.0 --disk size=1|string(/domain/devices/interface/model/@type)|virtio
--osinfo name=rhel7.0 --disk size=1|string(/domain/devices/disk/target/@bus)|virtio
--osinfo short-id=win10|string(/domain/clock/@offset)|localtime
--osinfo id=http://redhat.com/rhel/7.0 --disk size=1|string(/domain/devices/disk/target/@bus)|virtio
--osinfo winxp --disk size=1 --machine q35|string(/domain/devices/disk/target/@bus)|sata
--osinfo winxp --machine q35|string(/domain/devices/interface/model/@type)|e1000e
--osinfo winxp --graphics spice|string(/domain/devices/video/model/@type)|qxl
--osinfo win11|string(/domain/os/loader/@type)|pflash
--osinfo win11|string(/domain/devices/video/model/@type)|bochs
--osinfo win11 --boot loader=/x/code.fd|string(/domain/os/loader)|/x/code.fd
--osinfo win11 --boot loader=/x/code.fd|count(/domain/os/nvram)|0
--osinfo rhel7.0|count(/domain/os/loader)|0
--osinfo rhel7.0|string(/domain/vcpu)|2
--osinfo rhel7.0 --vcpus 3|string(/domain/vcpu)|3
|string(/domain/vcpu)|1
|string(/domain/os/type/@arch)|x86_64
--virt-type qemu|string(/domain/@type)|qemu
--virt-type kvm|string(/domain/@type)|kvm
|count(/domain/features/acpi)|1
|count(/domain/features/apic)|1
|string(/domain/on_poweroff)|destroy
|string(/domain/on_reboot)|restart
|string(/domain/on_crash)|destroy
|string(/domain/clock/@offset)|utc
--uuid 11111111-2222-3333-4444-555555555555|string(/domain/uuid)|11111111-2222-3333-4444-555555555555
--uuid 11111111222233334444555555555555|string(/domain/uuid)|11111111-2222-3333-4444-555555555555
--metadata title=Web\ server|string(/domain/title)|Web server
--metadata description=first|string(/domain/description)|first
--metadata name=other|string(/domain/name)|other
--metadata uuid=11111111-2222-3333-4444-555555555555|string(/domain/uuid)|11111111-2222-3333-4444-555555555555
--disk $IMG|string(/domain/devices/disk/source/@file)|$IMG
--disk path=$IMG|string(/domain/devices/disk/source/@file)|$IMG
--disk $IMG|string(/domain/devices/disk/driver/@type)|qcow2
--disk $IMG,format=raw|string(/domain/devices/disk/driver/@type)|raw
--disk $IMG,bus=sata|string(/domain/devices/disk/target/@dev)|sda
--disk $IMG,bus=scsi|string(/domain/devices/disk/target/@bus)|scsi
--disk $IMG,bus=ide|string(/domain/devices/disk/target/@dev)|hda
--disk $IMG,bus=virtio|string(/domain/devices/disk/target/@dev)|vda
--disk $IMG,cache=none|string(/domain/devices/disk/driver/@cache)|none
--disk $IMG,io=native|string(/domain/devices/disk/driver/@io)|native
--disk $IMG,discard=unmap|string(/domain/devices/disk/driver/@discard)|unmap
--disk $IMG,device=cdrom|string(/domain/devices/disk/@device)|cdrom
--disk $IMG,device=cdrom|count(/domain/devices/disk/readonly)|1
--disk $IMG,device=floppy|string(/domain/devices/disk/target/@dev)|fda
--disk $IMG,perms=ro|count(/domain/devices/disk/readonly)|1
--disk $IMG,perms=sh|count(/domain/devices/disk/shareable)|1
--disk $IMG,perms=rw|count(/domain/devices/disk/readonly)|0
--disk $IMG,boot_order=1|string(/domain/devices/disk/boot/@order)|1
--disk $IMG,boot_order=1|count(/domain/os/boot)|0
--disk $IMG,serial=ABC123|string(/domain/devices/disk/serial)|ABC123
--disk size=1|string(/domain/devices/disk/source/@file)|$VIRTUTILS_ROOT/images/t.qcow2
--disk size=1,format=raw|string(/domain/devices/disk/source/@file)|$VIRTUTILS_ROOT/images/t.img
--disk size=1 --disk size=1|string(/domain/devices/disk[2]/source/@file)|$VIRTUTILS_ROOT/images/t-1.qcow2
--disk size=1 --disk size=1|string(/domain/devices/disk[2]/target/@dev)|hdb
--disk pool=default,size=1|string(/domain/devices/disk/source/@file)|$VIRTUTILS_ROOT/images/t.qcow2
--disk none|count(/domain/devices/disk)|0
--nodisks|count(/domain/devices/disk)|0
--file $IMG --boot hd|string(/domain/devices/disk/source/@file)|$IMG
-f $IMG --boot hd|string(/domain/devices/disk/source/@file)|$IMG
|count(/domain/devices/interface)|1
|string(/domain/devices/interface/source/@network)|default
|string(/domain/devices/interface/mac/@address)|52:54:00:*
--network network=net1|string(/domain/devices/interface/source/@network)|net1
--network network:net2|string(/domain/devices/interface/source/@network)|net2
--network default|string(/domain/devices/interface/source/@network)|default
--network bridge=br1|string(/domain/devices/interface/source/@bridge)|br1
--network bridge:br2|string(/domain/devices/interface/source/@bridge)|br2
--network br0|string(/domain/devices/interface/source/@bridge)|br0
-w bridge=br3|string(/domain/devices/interface/source/@bridge)|br3
--bridge br4|string(/domain/devices/interface/source/@bridge)|br4
-b br5|string(/domain/devices/interface/@type)|bridge
--network type=direct,source=eth0|string(/domain/devices/interface/source/@dev)|eth0
--network type=direct,source=eth0|string(/domain/devices/interface/@type)|direct
--network type=direct,source=eth0,source_mode=vepa|string(/domain/devices/interface/source/@mode)|vepa
--network user|string(/domain/devices/interface/@type)|user
--network network=default,model=e1000e|string(/domain/devices/interface/model/@type)|e1000e
--network network=default,mac=52:54:00:AA:BB:CC|string(/domain/devices/interface/mac/@address)|52:54:00:aa:bb:cc
--filesystem /srv,tag,driver.type=virtiofs|string(/domain/memoryBacking/source/@type)|memfd
--filesystem /srv,tag,driver.type=virtiofs|string(/domain/memoryBacking/access/@mode)|shared
--filesystem /srv,tag,driver=virtiofs|count(/domain/memoryBacking/*)|2
--filesystem /srv,tag|count(/domain/memoryBacking)|0
|count(/domain/memoryBacking)|0
--filesystem /srv,tag,driver.type=virtiofs --memorybacking hugepages=on|count(/domain/memoryBacking/hugepages)|1
--filesystem /srv,tag,driver.type=virtiofs --memorybacking source.type=file|string(/domain/memoryBacking/source/@type)|file
--filesystem /srv,tag,driver.type=virtiofs --memorybacking access.mode=shared|count(/domain/memoryBacking/*)|2
--memorybacking hugepages=on|count(/domain/memoryBacking/*)|1
--memorybacking hugepages=on,hugepages=off|count(/domain/memoryBacking)|0
--memorybacking hugepages=on --memorybacking locked=yes|count(/domain/memoryBacking/*)|2
--memorybacking nosharepages=on,discard=on|count(/domain/memoryBacking/nosharepages)|1
--memorybacking nosharepages=on,discard=on|name(/domain/memoryBacking/*[2])|discard
--memorybacking locked=on|name(/domain/memoryBacking/preceding-sibling::*[1])|currentMemory
--memorybacking source_type=anonymous,access_mode=private|string(/domain/memoryBacking/access/@mode)|private
--memorybacking source.type=memfd|string(/domain/memoryBacking/source/@type)|memfd
--memorybacking allocation.mode=ondemand,allocation.threads=8|string(/domain/memoryBacking/allocation/@threads)|8
--memorybacking allocation.mode=ondemand,allocation.threads=8|string(/domain/memoryBacking/allocation/@mode)|ondemand
--network network=default,boot_order=2|string(/domain/devices/interface/boot/@order)|2
--network network=default,boot_order=2|count(/domain/os/boot)|0
--network network=default,boot_order=1 --boot network,hd|count(/domain/os/boot)|0
--pxe --network network=default,boot_order=1|count(/domain/os/boot)|0
--host-device 00:19.0,boot_order=1|string(/domain/devices/hostdev/boot/@order)|1
--host-device 00:19.0,boot.order=3|count(/domain/os/boot)|0
--host-device 00:19.0|count(/domain/os/boot)|1
--disk $IMG,boot_order=2 --network network=default,boot_order=1|count(//boot[@order])|2
--network none|count(/domain/devices/interface)|0
--nonetworks|count(/domain/devices/interface)|0
--network default --network bridge=br0|count(/domain/devices/interface)|2
--boot cdrom,hd|string(/domain/os/boot[1]/@dev)|cdrom
--boot cdrom,hd|string(/domain/os/boot[2]/@dev)|hd
--boot network|string(/domain/os/boot/@dev)|network
--boot fd|string(/domain/os/boot/@dev)|fd
--boot hd,menu=on|string(/domain/os/bootmenu/@enable)|yes
--boot loader=/usr/share/seabios/bios.bin|string(/domain/os/loader)|/usr/share/seabios/bios.bin
--boot kernel=/k,initrd=/i,cmdline=quiet|string(/domain/os/kernel)|/k
--boot kernel=/k,initrd=/i,cmdline=quiet|string(/domain/os/initrd)|/i
--boot kernel=/k,initrd=/i,cmdline=quiet|string(/domain/os/cmdline)|quiet
--boot kernel=/k,kernel_args=ro|string(/domain/os/cmdline)|ro
--boot uefi|string(/domain/os/loader/@type)|pflash
--boot uefi|string(/domain/os/nvram)|$VIRTUTILS_ROOT/nvram/t_VARS.fd
--cdrom $ISO|string(/domain/devices/disk[@device="cdrom"]/target/@bus)|ide
--cdrom $ISO --machine q35|string(/domain/devices/disk[@device="cdrom"]/target/@bus)|sata
--cdrom $ISO|string(/domain/metadata/*[local-name()="install"]/*[local-name()="media"]/@path)|$ISO
--cdrom $ISO --disk size=1|string(/domain/os/boot/@dev)|hd
--cdrom $ISO|string(/domain/os/boot/@dev)|cdrom
--pxe|string(/domain/os/boot/@dev)|network
--pxe|count(/domain/metadata/*/*[local-name()="boot"])|1
--pxe --disk size=1|count(/domain/metadata/*/*[local-name()="boot"])|2
--pxe|string(/domain/metadata/*/*[local-name()="boot"][1]/@dev)|network
--pxe|string(/domain/metadata/*/*[local-name()="on_reboot"])|destroy
--import|count(/domain/metadata)|0
--noautoconsole|count(/domain)|1
--autostart|count(/domain)|1
EOF
)

@test "XPath table: each option and sub-option changes what it should" {
	local args xpath want got n=0 fails=()
	qemu-img create -q -f qcow2 img.qcow2 64M
	IMG=$PWD/img.qcow2
	while IFS='|' read -r args xpath want; do
		n=$((n + 1))
		args=${args//\$IMG/$IMG}
		args=${args//\$ISO/$ISO}
		want=${want//\$IMG/$IMG}
		want=${want//\$ISO/$ISO}
		want=${want//\$VIRTUTILS_ROOT/$VIRTUTILS_ROOT}
		eval "set -- $args"
		# an install method in the row replaces --import
		base=(--name t --memory 1024 --disk none --dry-run)
		[[ " $args " == *" --cdrom "* || " $args " == *" --pxe "* ]] || base+=(--import)
		if ! vm-create "${base[@]}" "$@" \
			>row.xml 2>row.err; then
			fails+=("row $n [$args]: exit $?: $(cat row.err)")
			continue
		fi
		if ! xmllint --noout --relaxng "$RNG" row.xml 2>/dev/null; then
			fails+=("row $n [$args]: not valid per domain.rng")
			continue
		fi
		got=$(xmllint --xpath "$xpath" row.xml 2>/dev/null)
		# shellcheck disable=SC2053 # the expectation may be a glob
		[[ $got == $want ]] || fails+=("row $n [$args] $xpath: got '$got', want '$want'")
	done <<<"$XPATH_TABLE"
	[ "${#fails[@]}" -eq 0 ] || fail "$(printf '%s\n' "${fails[@]}")"
	[ "$n" -gt 100 ]
}

# ---- install phases and --print-xml ----

@test "--print-xml prints the install phase, then the final one" {
	vmc_ok --name t --memory 1024 --disk none --cdrom "$ISO" --print-xml --dry-run
	[ "$(grep -c '^<domain' out.xml)" -eq 2 ]
	csplit -s -z -f part out.xml '/^<domain/' '{*}'
	valid_xml part00
	valid_xml part01
	assert_xp 'string(/domain/on_reboot)' destroy part00
	assert_xp 'string(/domain/devices/disk/source/@file)' "$ISO" part00
	assert_xp 'count(/domain/metadata)' 0 part00
	assert_xp 'string(/domain/on_reboot)' restart part01
	assert_xp 'count(/domain/devices/disk/source)' 0 part01
	diff <(xmllint --xpath '/domain/uuid' part00) <(xmllint --xpath '/domain/uuid' part01)
}

@test "--print-xml 1 and 2 print one phase; without --print-xml the final one" {
	vmc_ok --name t --memory 1024 --disk none --cdrom "$ISO" --print-xml 1 --dry-run
	[ "$(grep -c '^<domain' out.xml)" -eq 1 ]
	assert_xp 'string(/domain/on_reboot)' destroy
	vmc_ok --name t --memory 1024 --disk none --cdrom "$ISO" --print-xml=2 --dry-run
	[ "$(grep -c '^<domain' out.xml)" -eq 1 ]
	assert_xp 'string(/domain/on_reboot)' restart
	assert_xp 'count(/domain/metadata)' 1
	vmc_ok --name t --memory 1024 --disk none --cdrom "$ISO" --dry-run
	[ "$(grep -c '^<domain' out.xml)" -eq 1 ]
	assert_xp 'string(/domain/on_reboot)' restart
	vmc_ok --name t --memory 1024 --disk none --import --print-xml
	[ "$(grep -c '^<domain' out.xml)" -eq 1 ]
}

@test "--print-xml without --dry-run still creates storage; --dry-run creates nothing" {
	vmc_ok --name t --memory 1024 --disk size=1 --import --print-xml
	[ -f "$VIRTUTILS_ROOT/images/t.qcow2" ]
	vmc_ok --name u --memory 1024 --disk size=1 --boot uefi --location "$TREE" --dry-run
	[ ! -e "$VIRTUTILS_ROOT/images/u.qcow2" ]
	[ ! -e "$VIRTUTILS_ROOT/nvram/u_VARS.fd" ]
	[ ! -e "$VIRTUTILS_ROOT/boot/u" ]
}

@test "--disk sparse=false and --nonsparse allocate the image" {
	vmc_ok --name t --memory 1024 --disk size=0.0625,sparse=false,format=raw --import
	img=$VIRTUTILS_ROOT/images/t.img
	[ "$(stat -c %s "$img")" -eq 67108864 ]
	[ "$(($(stat -c %b "$img") * 512))" -ge 67108864 ]
	vmc_ok --name u --memory 1024 --file "$PWD/u.img" --file-size 0.0625 --nonsparse \
		--boot hd
	[ "$(($(stat -c %b u.img) * 512))" -ge 67108864 ] || [ "$(stat -c %s u.img)" -gt 0 ]
	vmc_ok --name v --memory 1024 --disk size=0.0625,format=raw --import
	[ "$(stat -c %b "$VIRTUTILS_ROOT/images/v.img")" -lt 1024 ]
}

@test "--disk backing_store= makes an overlay of an image" {
	qemu-img create -q -f qcow2 base.qcow2 1G
	vmc_ok --name t --memory 1024 --disk "size=1,backing_store=$PWD/base.qcow2" --import
	run qemu-img info "$VIRTUTILS_ROOT/images/t.qcow2"
	assert_output --partial "backing file: $PWD/base.qcow2"
}

@test "--import --disk path=NEW,size= creates the disk, as virt-install" {
	vmc_ok --name t --memory 1024 --disk "$PWD/new.qcow2,size=1" --import
	assert_xp 'string(/domain/devices/disk/source/@file)' "$PWD/new.qcow2"
	assert_xp 'string(/domain/devices/disk/driver/@type)' qcow2
	qemu-img check -q new.qcow2
	run qemu-img info --output=json new.qcow2
	assert_output --partial '"virtual-size": 1073741824'
	assert_output --partial '"format": "qcow2"'
	vmc_ok --name r --memory 1024 --disk "path=$PWD/new.img,size=1,format=raw" --import
	assert_equal "$(stat -c %s new.img)" 1073741824
	assert_xp 'string(/domain/devices/disk/driver/@type)' raw
	# --dry-run still creates nothing; without size= a missing disk is refused
	vmc_ok --name d --memory 1024 --disk "$PWD/dry.qcow2,size=1" --import --dry-run
	[ ! -e dry.qcow2 ]
	run -1 --separate-stderr vm-create --name m --memory 1024 --disk "$PWD/missing.qcow2" --import
	assert_equal "$stderr" \
		"vm-create: --disk: $PWD/missing.qcow2: no such file (--import boots existing disks)"
}

@test "--boot uefi copies the firmware's variables template" {
	vmc_ok --name t --memory 1024 --disk none --import --boot uefi
	nvram=$(xmllint --xpath 'string(/domain/os/nvram)' out.xml)
	tmpl=$(xmllint --xpath 'string(/domain/os/nvram/@template)' out.xml)
	cmp "$nvram" "$tmpl"
}

@test "--define stores the domain; --autostart links it" {
	run -0 vm-create --name web1 --memory 1024 --disk size=1 --import --define --autostart
	assert_output --partial "Domain 'web1' defined"
	valid_xml "$VIRTUTILS_ROOT/domains/web1.xml"
	[ "$(readlink "$VIRTUTILS_ROOT/autostart/domains/web1")" = ../../domains/web1.xml ]
	run -0 vm-create -q --name web2 --memory 1024 --disk none --import --define
	assert_output ''
}

@test "--define refuses a domains/ that is a planted link, and writes nothing there" {
	mkdir -p "$VIRTUTILS_ROOT" "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$VIRTUTILS_ROOT/domains"
	run -1 vm-create -q --name web1 --memory 1024 --disk none --import --define
	assert_output "vm-create: state root: $VIRTUTILS_ROOT/domains: is a symbolic link"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ]
	rm "$VIRTUTILS_ROOT/domains"
	mkdir -m 777 "$VIRTUTILS_ROOT/domains"
	chmod 777 "$VIRTUTILS_ROOT/domains"
	run -1 vm-create -q --name web1 --memory 1024 --disk none --import --define
	assert_output "vm-create: state root: $VIRTUTILS_ROOT/domains: writable by others"
	[ -z "$(ls -A "$VIRTUTILS_ROOT/domains")" ]
}

@test "--define keeps names, UUIDs and MACs unique" {
	vm-create -q --name web1 --memory 1024 --disk none --import --define \
		--uuid 11111111-2222-3333-4444-555555555555 --network default,mac=52:54:00:00:00:01
	run -1 vm-create --name web1 --memory 1024 --disk size=1 --import --define
	assert_output --partial "already exists"
	run -1 vm-create --name web2 --memory 1024 --disk size=1 --import --define \
		--uuid 11111111-2222-3333-4444-555555555555
	assert_output --partial "11111111-2222-3333-4444-555555555555"
	run -1 vm-create --name web3 --memory 1024 --disk size=1 --import --define \
		--network default,mac=52:54:00:00:00:01
	assert_output --partial "52:54:00:00:00:01"
	[ ! -e "$VIRTUTILS_ROOT/images/web1.qcow2" ]
	[ ! -e "$VIRTUTILS_ROOT/images/web2.qcow2" ]
	[ ! -e "$VIRTUTILS_ROOT/images/web3.qcow2" ]
	[ ! -e "$VIRTUTILS_ROOT/domains/web2.xml" ]
}

# in_use ARGS...: vm-create --name new ... with ARGS exits 1 with
# virt-install's path_in_use message naming $1's path and the domains $2.
refused_in_use() {
	local path=$1 names=$2
	shift 2
	run --separate-stderr vm-create --name new --memory 1024 --import --dry-run "$@"
	[ "$status" -eq 1 ] || fail "vm-create $*: exit $status: $stderr"
	assert_equal "$stderr" "vm-create: --disk: Disk $path is already in use by other guests $names. (Use --check path_in_use=off or --check all=off to override)"
	assert_output ''
}

@test "a disk another defined domain uses is refused unless both share it or read it" {
	qemu-img create -q -f qcow2 d.qcow2 64M
	qemu-img create -q -f qcow2 e.qcow2 64M
	qemu-img create -q -f qcow2 f.qcow2 64M
	D=$PWD/d.qcow2 E=$PWD/e.qcow2 F=$PWD/f.qcow2
	vm-create -q --name web1 --memory 1024 --disk "$D" --import --define
	vm-create -q --name web2 --memory 1024 --disk "$E",perms=sh --disk "$ISO",device=cdrom \
		--import --define
	vm-create -q --name web3 --memory 1024 --disk "$F",perms=ro --import --define
	# writable beside writable, by its path or through a symlink
	refused_in_use "$D" "['web1']" --disk "$D"
	ln -s d.qcow2 link.qcow2
	refused_in_use "$PWD/link.qcow2" "['web1']" --disk link.qcow2
	# one side shareable or read-only is not enough: both must be
	refused_in_use "$D" "['web1']" --disk "$D",perms=sh
	refused_in_use "$D" "['web1']" --disk "$D",perms=ro
	refused_in_use "$E" "['web2']" --disk "$E"
	refused_in_use "$E" "['web2']" --disk "$E",perms=ro
	refused_in_use "$F" "['web3']" --disk "$F",perms=sh
	# every domain that uses it is named
	vm-create -q --name web4 --memory 1024 --disk "$D" --import --define --check path_in_use=off
	refused_in_use "$D" "['web1', 'web4']" --disk "$D"
	# nothing made by a refused run
	run --separate-stderr vm-create --name new --memory 1024 --import --define --disk "$D" \
		--disk size=1
	[ "$status" -eq 1 ]
	[ ! -e "$VIRTUTILS_ROOT/domains/new.xml" ] && [ ! -e "$VIRTUTILS_ROOT/images/new.qcow2" ]
	# both shareable, both read-only (a CD-ROM is), or checked off: accepted
	vmc_ok --name new --memory 1024 --import --dry-run --disk "$E",perms=sh --disk "$F",perms=ro \
		--disk "$ISO",device=cdrom
	vmc_ok --name new --memory 1024 --dry-run --cdrom "$ISO" --disk none
	run --separate-stderr vm-create --name new --memory 1024 --import --dry-run --disk "$D" \
		--check path_in_use=off
	assert_success
	assert_equal "$stderr" "vm-create: --disk: Disk $D is already in use by other guests ['web1', 'web4']."
	run --separate-stderr vm-create -q --name new --memory 1024 --import --define --disk "$D" \
		--check disk_size=on,all=off
	assert_success
	assert_equal "$stderr" ''
	assert_xp 'string(/domain/devices/disk/source/@file)' "$D" "$VIRTUTILS_ROOT/domains/new.xml"
	# a definition that cannot be read is said and skipped
	echo '<domain' >"$VIRTUTILS_ROOT/domains/broken.xml"
	run --separate-stderr vm-create --name new --memory 1024 --import --dry-run --disk "$E",perms=sh
	assert_success
	[[ ${stderr_lines[0]} == "vm-create: broken: skipped: "* ]] || fail "$stderr"
	refused_in_use "$D" "['new', 'web1', 'web4']" -q --disk "$D"
	rm "$VIRTUTILS_ROOT/domains/broken.xml"
	# a writable disk that is another domain's kernel
	vm-create -q --name kern --memory 1024 --disk none --boot kernel="$PWD/k.img" --define
	: >k.img
	refused_in_use "$PWD/k.img" "['kern']" --disk k.img,format=raw
	vmc_ok --name new2 --memory 1024 --import --dry-run --disk k.img,format=raw,perms=ro
	# --check takes virt-install's names only
	run --separate-stderr vm-create --name new --memory 1024 --import --disk none --check foo=off
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "vm-create: --check: unknown option 'foo'"
	run --separate-stderr vm-create --name new --memory 1024 --import --disk none \
		--check path_in_use=maybe
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "vm-create: --check: bad value 'maybe' for 'path_in_use'"
}

@test "two OS variants give the defaults osinfo-db has for them" {
	vmc_ok --name t --memory 1024 --disk size=1 --import --os-variant rhel7 --dry-run
	cp out.xml rhel7.xml
	assert_xp 'string(/domain/devices/disk/target/@bus)' virtio rhel7.xml
	assert_xp 'string(/domain/devices/interface/model/@type)' virtio rhel7.xml
	vmc_ok --name t --memory 1024 --disk size=1 --import --os-variant generic --dry-run
	assert_xp 'string(/domain/devices/disk/target/@bus)' ide
	assert_xp 'string(/domain/devices/interface/model/@type)' e1000
	vmc_ok --name t --memory 1024 --disk size=1 --import --os-variant win10 --dry-run
	assert_xp 'string(/domain/devices/disk/target/@bus)' ide
	assert_xp 'string(/domain/clock/@offset)' localtime
}

@test "--os-variant list, detect=on,require=off, none" {
	run -0 vm-create --osinfo list
	assert_line rhel7.0
	assert_line win10
	vmc_ok --name t --memory 1024 --disk none --import --osinfo detect=on,require=off
	vmc_ok --name t --memory 1024 --disk none --import --osinfo none
}

@test "--OPTION=? and --OPTION help list the sub-options" {
	run -0 vm-create --disk=?
	assert_line --partial backing_store
	assert_line --partial boot_order
	run -0 vm-create --network help
	assert_line --partial source_mode
	run -0 vm-create --memorybacking=?
	assert_line --partial access.mode
	assert_line --partial hugepages
	for o in memory vcpus cpu boot metadata; do
		run -0 vm-create --$o=?
		[ -n "$output" ]
	done
}

@test "--help and --version" {
	run -0 vm-create --help
	assert_output --partial 'Usage:'
	assert_output --partial '--initrd-inject'
	run -0 vm-create --version
	assert_output --partial 'vm-create from virtutils'
}

@test "completion: options, sub-options, pool and OS names" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	pool-ctl define-as spare dir - - - - "$BATS_TEST_TMPDIR/spare" >/dev/null
	run bash -c "source /usr/share/bash-completion/bash_completion
		source '$TOP/completions/bash/vm-create'
		complete_line() { COMP_LINE=\$1; COMP_POINT=\${#1}; read -ra COMP_WORDS <<<\"\$1\"
			[[ \$1 == *' ' ]] && COMP_WORDS+=('')
			COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=()
			_vm_create vm-create; echo \${COMPREPLY[*]}; }
		complete_line 'vm-create --initrd'
		complete_line 'vm-create --disk size=8,ba'
		complete_line 'vm-create --disk pool=sp'
		complete_line 'vm-create --os-variant rhel7.'
		complete_line 'vm-create --network source_m'
		complete_line 'vm-create --memorybacking hugepages=on,acc'
		complete_line 'vm-create --memorybacking source.type=me'"
	assert_success
	assert_line --index 0 "--initrd-inject"
	assert_line --index 1 "size=8,backing_store="
	assert_line --index 2 "pool=spare"
	assert_line --index 3 --partial "rhel7.0 rhel7.1"
	assert_line --index 4 "source_mode="
	assert_line --index 5 "hugepages=on,access.mode= hugepages=on,access_mode="
	assert_line --index 6 "source.type=memfd"
}

@test "--location ISO: the ISO is the install phase's CD-ROM too" {
	command -v xorriso >/dev/null || skip "xorriso is not installed"
	xorriso -as mkisofs -quiet -o tree.iso "$TREE" 2>/dev/null
	vmc_ok --name t --memory 1024 --disk none --location "$PWD/tree.iso" --print-xml 1
	assert_xp 'string(/domain/devices/disk[@device="cdrom"]/source/@file)' "$PWD/tree.iso"
	assert_xp 'string(/domain/os/kernel)' "$VIRTUTILS_ROOT/boot/t/vmlinuz"
	vmc_ok --name u --memory 1024 --disk none --location "$PWD/tree.iso" --dry-run
	assert_xp 'count(/domain/devices/disk[@device="cdrom"]/source)' 0
	assert_xp 'string(//*[local-name()="media"]/@path)' "$PWD/tree.iso"
	[ ! -e "$VIRTUTILS_ROOT/boot/u" ]
}

@test "--connect qemu:///system plans in /var/lib/virtutils; --dry-run creates no root" {
	[ ! -e /var/lib/virtutils ] || skip "/var/lib/virtutils exists: not touched by tests"
	vmc_ok --connect qemu:///system --name t --memory 1024 --disk size=8 --import --dry-run
	assert_xp 'string(/domain/devices/disk/source/@file)' /var/lib/virtutils/images/t.qcow2
	[ ! -e /var/lib/virtutils ]
	[ ! -e "$VIRTUTILS_ROOT" ]
}

@test "--root wins over \$VIRTUTILS_ROOT and --connect" {
	vmc_ok --root "$PWD/other" --connect qemu:///system --name t --memory 1024 \
		--disk size=1 --import
	[ -f "$PWD/other/images/t.qcow2" ]
	[ ! -e "$VIRTUTILS_ROOT/images/t.qcow2" ]
}
