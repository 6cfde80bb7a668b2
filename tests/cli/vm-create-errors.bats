#!/usr/bin/env bats
# vm-create's errors: one line naming what is wrong, exit 2 for usage and 1
# for failures, and nothing left behind: no volume, no boot files, no NVRAM,
# no definition.

load common
load vm-create-lib
bats_require_minimum_version 1.5.0

setup() {
	vmc_setup
}

# left_behind: fails when the state root holds anything a run creates.
assert_nothing_left() {
	local f
	for f in "$VIRTUTILS_ROOT"/images/* "$VIRTUTILS_ROOT"/boot/* "$VIRTUTILS_ROOT"/nvram/* \
		"$VIRTUTILS_ROOT"/domains/* "$BATS_TEST_TMPDIR"/new*; do
		[ -e "$f" ] && fail "left behind: $f"
	done
	return 0
}

# err STATUS MESSAGE ARGS...: vm-create ARGS exits STATUS with MESSAGE as
# its first line on stderr, writes nothing on stdout, leaves nothing.
err() {
	local want=$1 msg=$2
	shift 2
	run --separate-stderr vm-create "$@"
	[ "$status" -eq "$want" ] || fail "vm-create $*: exit $status, want $want ($stderr)"
	[ -z "$output" ] || fail "vm-create $*: wrote on stdout: $output"
	[ "${stderr_lines[0]}" = "$msg" ] ||
		fail "vm-create $*: said '${stderr_lines[0]}', want '$msg'"
	if [ "$want" -eq 2 ]; then
		[ "${stderr_lines[1]}" = "Try 'vm-create --help' for more information." ] ||
			fail "no --help hint"
	fi
	assert_nothing_left
}

@test "missing name, memory, storage choice, install method: each named" {
	err 2 "vm-create: --name: a name is required" --memory 1024 --disk none --import
	err 2 "vm-create: --memory: a memory size is required" --name t --disk none --import
	err 2 "vm-create: --disk: a storage choice is required (--disk SPEC, --filesystem, or --disk none)" \
		--name t --memory 1024 --import
	err 2 "vm-create: an install method is required (--cdrom, --location, --pxe, --import or --boot)" \
		--name t --memory 1024 --disk size=1
}

@test "names outside the rule, and all-digit names" {
	local rule="letters, digits and _.+:- (not first . or -, not all digits)"
	for n in 123 -x .x a/b 'a b' ''; do
		err 2 "vm-create: --name: invalid name '$n': $rule" \
			--name "$n" --memory 1024 --disk size=1 --import
	done
}

@test "--disk foo=1: vm-create: --disk: unknown option 'foo'" {
	err 2 "vm-create: --disk: unknown option 'foo'" --name t --memory 1024 --disk foo=1 --import
	err 2 "vm-create: --disk: unknown option 'foo'" --name t --memory 1024 \
		--disk size=1 --disk size=1,foo=1 --import
	err 2 "vm-create: --network: unknown option 'foo'" --name t --memory 1024 --disk none \
		--network foo=1 --import
	err 2 "vm-create: --memory: unknown option 'foo'" --name t --memory 1024,foo=1 \
		--disk none --import
	err 2 "vm-create: --boot: unknown option 'floppy'" --name t --memory 1024 --disk none \
		--boot floppy
}

@test "sizes that overflow" {
	err 2 "vm-create: --disk: size '99999999999' is too large" --name t --memory 1024 \
		--disk size=99999999999 --import
	err 2 "vm-create: --disk: size '18446744073709551616' is too large" --name t \
		--memory 1024 --disk size=18446744073709551616 --import
	err 2 "vm-create: --memory: size '99999999999999999' is too large" --name t \
		--memory 99999999999999999 --disk none --import
	err 2 "vm-create: --disk: invalid size '-1'" --name t --memory 1024 --disk size=-1 --import
}

@test "a pool that does not exist" {
	run --separate-stderr vm-create --name t --memory 1024 --disk pool=nope,size=1 --import
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[0]} == "vm-create: --disk: pool 'nope': "* ]]
	assert_nothing_left
	run --separate-stderr vm-create --name t --memory 1024 --disk vol=nope/x --import
	[ "$status" -eq 1 ]
	assert_nothing_left
}

@test "a kickstart file that cannot be read" {
	err 1 "vm-create: --initrd-inject: $PWD/nothere.cfg: No such file or directory" \
		--name t --memory 1024 --disk size=1 --location "$TREE" \
		--initrd-inject "$PWD/nothere.cfg"
}

@test "an install tree with no kernel" {
	mkdir empty
	run --separate-stderr vm-create --name t --memory 1024 --disk size=1 --location "$PWD/empty"
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[0]} == "vm-create: --location: "*kernel* ]] || fail "$stderr"
	assert_nothing_left
}

@test "a failure after the first disk removes it" {
	run --separate-stderr vm-create --name t --memory 1024 --disk size=1 \
		--disk "$BATS_TEST_TMPDIR/newdir/x.qcow2,size=1" --import
	[ "$status" -eq 1 ]
	assert_nothing_left
	# the disk and the NVRAM exist when the install tree turns out empty
	mkdir empty
	run --separate-stderr vm-create --name t --memory 1024 --disk size=1 --boot uefi \
		--location "$PWD/empty"
	[ "$status" -eq 1 ]
	assert_nothing_left
}

@test "--import with a missing disk" {
	err 1 "vm-create: --disk: $PWD/newdisk.qcow2: no such file (--import boots existing disks)" \
		--name t --memory 1024 --disk "$PWD/newdisk.qcow2" --import
}

@test "a domain that exists already, with --define" {
	vm-create -q --name web1 --memory 1024 --disk none --import --define
	run --separate-stderr vm-create --name web1 --memory 1024 --disk size=1 --import --define
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "vm-create: web1: domain 'web1' already exists"
	[ ! -e "$VIRTUTILS_ROOT/images/web1.qcow2" ]
}

@test "bad values: OS name, virt type, MAC, UUID, print step, connect URI" {
	run --separate-stderr vm-create --name t --memory 1024 --disk none --import \
		--os-variant rhel77
	[ "$status" -eq 2 ]
	[[ ${stderr_lines[0]} == "vm-create: --osinfo: unknown OS name 'rhel77'"* ]] || fail "$stderr"
	err 2 "vm-create: --osinfo: no OS is detected from install media here: name one, or add require=off for generic defaults" \
		--name t --memory 1024 --disk size=1 --import --osinfo detect=on
	err 2 "vm-create: --virt-type: kvm or qemu, not 'xen'" --name t --memory 1024 \
		--disk size=1 --import --virt-type xen
	err 2 "vm-create: --network: invalid MAC address 'zz'" --name t --memory 1024 \
		--disk size=1 --import --network default,mac=zz
	err 2 "vm-create: --metadata: invalid name '42'" --name t --memory 1024 --disk size=1 \
		--import --metadata name=42
	err 2 "vm-create: --uuid: invalid UUID 'nope'" --name t --memory 1024 --disk size=1 \
		--import --uuid nope
	err 2 "vm-create: --print-xml: STEP is 1 (install) or 2 (final), not '3'" --name t \
		--memory 1024 --disk size=1 --import --print-xml=3
	err 2 "vm-create: --connect: only qemu:///system and qemu:///session are known, not 'xen:///'" \
		--connect xen:/// --name t --memory 1024 --disk size=1 --import
	err 2 "vm-create: options --define and --print-xml cannot be combined" --name t \
		--memory 1024 --disk size=1 --import --define --print-xml
	err 2 "vm-create: --print-xml: there is no install phase: only step 1" --name t \
		--memory 1024 --disk none --import --print-xml 2
	err 2 "vm-create: --memorybacking: unknown option 'foo'" --name t --memory 1024 \
		--disk none --import --memorybacking foo=1
	err 2 "vm-create: --memorybacking: bad value 'x' for 'source.type'" --name t \
		--memory 1024 --disk none --import --memorybacking source.type=x
	err 2 "vm-create: --memorybacking: bad value 'maybe' for 'hugepages'" --name t \
		--memory 1024 --disk none --import --memorybacking hugepages=maybe
	err 2 "vm-create: --memorybacking: bad value '-1' for 'allocation.threads'" --name t \
		--memory 1024 --disk none --import --memorybacking allocation.threads=-1
	err 2 "vm-create: --filesystem: virtiofs needs shared memory, not --memorybacking access.mode=private" \
		--name t --memory 1024 --disk none --import \
		--filesystem /srv,tag,driver.type=virtiofs --memorybacking access.mode=private
	# libvirt refuses one boot order on two devices
	err 2 "vm-create: boot_order: 1 is given to two devices" --name t --memory 1024 \
		--disk size=1,boot_order=1 --import --network default,boot_order=1
}

@test "a document that cannot be written: one message, no disk left" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr vm-create --name t --memory 1024 --disk size=1 --import
	[ "$status" -eq 0 ]
	rm "$VIRTUTILS_ROOT/images/t.qcow2"
	run --separate-stderr bash -c 'vm-create --name t --memory 1024 --disk size=1 --import >/dev/full'
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "vm-create: write error: No space left on device"
	assert_nothing_left
}

@test "--boot uefi with an NVRAM store that exists: kept, and the disk removed" {
	mkdir -p "$VIRTUTILS_ROOT/nvram"
	echo mine >"$VIRTUTILS_ROOT/nvram/t_VARS.fd"
	run --separate-stderr vm-create --name t --memory 1024 --disk size=1 --import --boot uefi
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "vm-create: $VIRTUTILS_ROOT/nvram/t_VARS.fd: already exists"
	assert_equal "$(cat "$VIRTUTILS_ROOT/nvram/t_VARS.fd")" mine
	[ ! -e "$VIRTUTILS_ROOT/images/t.qcow2" ]
}
