#!/usr/bin/env bats
# The bootable test guest itself (tests/fixtures/mkguest.sh): what it makes,
# and that it boots under QEMU by hand with the markers other suites wait for.

load common
load guest
bats_require_minimum_version 1.5.0

setup_file() {
	guest_make "$BATS_FILE_TMPDIR/guest"
}

setup() {
	common_setup
	guest_need
}

teardown() {
	guest_kill vm
}

@test "mkguest.sh makes the kernel, the initrd, the disk and a valid domain XML" {
	[ -s "$GUEST/vmlinuz" ] && [ -s "$GUEST/initrd.img" ] && [ -s "$GUEST/disk.ext4" ]
	valid_xml "$GUEST/guest.xml"
	run xmllint --xpath 'string(/domain/@type)' "$GUEST/guest.xml"
	assert_output qemu
	run xmllint --xpath 'string(/domain/os/kernel)' "$GUEST/guest.xml"
	assert_output "$GUEST/vmlinuz"
	run xmllint --xpath 'string(/domain/devices/disk/source/@file)' "$GUEST/guest.xml"
	assert_output "$GUEST/disk.ext4"
	run xmllint --xpath 'count(/domain/devices/graphics)' "$GUEST/guest.xml"
	assert_output 0
	run --separate-stderr debugfs -R 'cat /hello' "$GUEST/disk.ext4"
	assert_output --partial "VU-GUEST disk"
}

@test "vm-ctl defines guest.xml as it is" {
	[ -x "$TOP/bin/vm-ctl" ] || skip "vm-ctl is not built"
	run vm-ctl define "$GUEST/guest.xml"
	assert_success
	run vm-ctl list --all --name
	assert_output vu-guest
}

@test "the initrd is our gzipped newc archive: root-owned /init, busybox, modules, /dev/console" {
	run python3 "$TOP/tests/fixtures/newc-walk.py" "$GUEST/initrd.img"
	assert_success
	assert_line "100755 0 0 $(wc -c <"$TOP/tests/fixtures/guest/init") init"
	assert_line --regexp '^100755 0 0 [0-9]+ bin/busybox$'
	assert_line '120777 0 0 7 bin/sh'
	assert_line '20600 0 0 0 dev/console'
	assert_line --regexp '^100644 0 0 [0-9]+ lib/modules/virtio_blk.ko$'
	assert_line --regexp '^100755 0 0 [0-9]+ etc/acpi/PWRF/00000080$'
	[ "$(head -c 2 "$GUEST/initrd.img" | od -An -tx1 | tr -d ' ')" = 1f8b ]
}

# noapt: apt-get and apt-cache that fail, first on PATH.
noapt() {
	mkdir -p noapt
	printf '#!/bin/sh\necho "E: no network here" >&2\nexit 100\n' >noapt/apt-get
	cp noapt/apt-get noapt/apt-cache
	chmod +x noapt/apt-get noapt/apt-cache
	export PATH=$PWD/noapt:$PATH
}

@test "a second run reuses the package cache: no download" {
	[ -z "${VU_GUEST_CACHE:-}" ] || skip "the cache is elsewhere"
	noapt
	run "$TOP/tests/fixtures/mkguest.sh" again
	assert_success
	cmp "$GUEST/vmlinuz" again/vmlinuz
	diff <(sed "s|$GUEST|DIR|g" "$GUEST/guest.xml") <(sed "s|$PWD/again|DIR|g" again/guest.xml)
}

@test "no packages to be had: exit 77 (skip) with the reason, nothing made" {
	noapt
	run env VU_GUEST_CACHE="$PWD/cache" "$TOP/tests/fixtures/mkguest.sh" out
	assert_failure 77
	assert_output --partial "mkguest.sh: "
	[ ! -e out/vmlinuz ] && [ ! -e out/guest.xml ]
}

@test "usage: mkguest.sh takes one directory" {
	run "$TOP/tests/fixtures/mkguest.sh"
	assert_failure 2
	assert_output --partial "usage: mkguest.sh OUTDIR"
}

@test "it boots, mounts its disk, counts, and powers off on the ACPI button" {
	cp --sparse=always "$GUEST/disk.ext4" disk.ext4
	guest_boot vm 'console=ttyS0 vu.counter=1' \
		-drive file=disk.ext4,format=raw,if=virtio
	guest_wait vm '^VU-GUEST: booted'
	guest_wait vm '^VU-GUEST: disk mounted'
	guest_wait vm '^VU-GUEST: counter 3'
	guest_qmp vm '{"execute":"system_powerdown"}'
	guest_wait vm '^VU-GUEST: poweroff' 30
	guest_gone vm
	# the counter reached the disk before the power went
	run --separate-stderr debugfs -R 'cat /counter' disk.ext4
	assert_output --regexp '^[0-9]+$'
	[ "$output" -ge 3 ]
	run e2fsck -fn disk.ext4
	assert_success
}

@test "vu.dhcp=1 takes a lease on eth0; ctrl-alt-del reboots with a marker" {
	guest_boot vm 'console=ttyS0 vu.dhcp=1' \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0
	guest_wait vm '^VU-GUEST: ip 10\.0\.2\.15$'
	run -1 grep -aq '^VU-GUEST: disk' vm.console
	guest_qmp vm '{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}}'
	guest_wait vm '^VU-GUEST: reboot' 30
	# the second boot: guest_wait finds the first "booted" already there
	for ((i = 0; i < 600; i++)); do
		[ "$(guest_console vm | grep -ac '^VU-GUEST: booted')" -lt 2 ] || break
		sleep 0.1
	done
	[ "$(guest_console vm | grep -ac '^VU-GUEST: booted')" -eq 2 ] || fail "no second boot"
}
