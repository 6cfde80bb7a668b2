#!/usr/bin/env bats
# vm-sysprep's guests from domains (-d, --domain-xml, the pipe), and what
# it refuses: a disk QEMU holds, a running domain, a filesystem it cannot
# edit in place, a filesystem that needs e2fsck. A refused run leaves the
# image byte-for-byte unchanged.

load common
load vm-sysprep-lib

setup_file() {
	sysprep_setup_file debian
}

setup() {
	common_setup
}

domain_xml() {
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='$3'/>
      <source file='$2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$BATS_TEST_TMPDIR/shared.raw'/>
      <target dev='vdb' bus='virtio'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/nonexistent.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
  </devices>
</domain>
EOF
}

@test "vm-sysprep -: the disks of the XML on stdin, the XML passed on unchanged" {
	img=$(guest debian.qcow2)
	# a read-only disk of the domain is left alone
	cp "$FX/debian.raw" shared.raw
	before=$(sha256sum <shared.raw)
	domain_xml tpl "$img" qcow2 >tpl.xml
	run bash -c 'vm-sysprep -q --hostname web2 - <tpl.xml >out.xml'
	assert_success
	cmp tpl.xml out.xml
	[ "$(sha256sum <shared.raw)" = "$before" ]
	raw=$(raw_of "$img")
	[ "$(dcat "$raw" /etc/hostname)" = web2 ]
	[ "$(dls "$raw" /etc/ssh)" = sshd_config ]
}

@test "vm-sysprep --domain-xml FILE; a failure passes nothing on" {
	img=$(guest debian.raw)
	domain_xml tpl "$img" raw >tpl.xml
	run bash -c 'vm-sysprep -q --domain-xml tpl.xml >out.xml'
	assert_success
	cmp tpl.xml out.xml
	domain_xml tpl "$BATS_TEST_TMPDIR/none.raw" raw >bad.xml
	run bash -c 'vm-sysprep -q --domain-xml bad.xml >out2.xml'
	[ "$status" -eq 1 ]
	[ ! -s out2.xml ]
	echo '<network/>' >net.xml
	run vm-sysprep --domain-xml net.xml
	[ "$status" -eq 1 ]
}

@test "vm-sysprep -d DOMAIN: from the state root; refused while it runs" {
	img=$(guest debian.raw)
	mkdir -p "$VIRTUTILS_ROOT/domains" "$VIRTUTILS_ROOT/run/qemu"
	domain_xml tpl "$img" raw >"$VIRTUTILS_ROOT/domains/tpl.xml"
	before=$(sha256sum <"$img")
	echo $$ >"$VIRTUTILS_ROOT/run/qemu/tpl.pid"
	run vm-sysprep -d tpl
	[ "$status" -eq 1 ]
	assert_output --partial "tpl: the domain is running"
	[ "$(sha256sum <"$img")" = "$before" ]
	# a stale pid file (no such process) does not stop it
	echo 999999999 >"$VIRTUTILS_ROOT/run/qemu/tpl.pid"
	run vm-sysprep -d tpl
	assert_success
	[ "$(dls "$img" /etc/ssh)" = sshd_config ]
	# a QEMU holding the pid file's lock (vm-ctl's sign of life), whatever pid it says
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close()
time.sleep(30)' "$VIRTUTILS_ROOT/run/qemu/tpl.pid" locked &
	locker=$!
	while [ ! -e locked ]; do sleep 0.05; done
	before=$(sha256sum <"$img")
	run vm-sysprep -d tpl
	kill "$locker"
	wait "$locker" || :
	[ "$status" -eq 1 ]
	assert_output --partial "tpl: the domain is running"
	[ "$(sha256sum <"$img")" = "$before" ]
	run vm-sysprep -d nosuch
	[ "$status" -eq 1 ]
	assert_output --partial "nosuch: domain not found"
}

@test "vm-sysprep: a disk QEMU holds open is refused, unchanged" {
	img=$(guest debian.qcow2)
	before=$(sha256sum <"$img")
	qemu-io -f qcow2 -c 'sleep 20000' "$img" &
	pid=$!
	# Wait for QEMU's lock without taking one: a probe that locks (as
	# vm-sysprep -n does) could make qemu-io itself fail to start.
	ino=$(stat -c %i "$img")
	for _ in $(seq 100); do
		grep -q ":$ino " /proc/locks && break
		sleep 0.1
	done
	grep -q ":$ino " /proc/locks
	run vm-sysprep -a "$img"
	kill "$pid"
	wait "$pid" || :
	[ "$status" -eq 1 ]
	assert_output --partial "the disk is in use (QEMU or another tool holds its lock)"
	[ "$(sha256sum <"$img")" = "$before" ]
	# free again: it runs
	run vm-sysprep -q -a "$img"
	assert_success
}

@test "vm-sysprep holds QEMU's locks while it runs: QEMU and a second run are refused" {
	cp -a "$FX/tree-debian" tree
	for i in $(seq 4000); do echo "log $i" >"tree/var/log/app$i.log"; done
	mke2fs -q -F -t ext4 -d tree g.raw 128M >/dev/null
	qemu-img convert -f raw -O qcow2 g.raw g.qcow2
	vm-sysprep -q -a g.qcow2 &
	pid=$!
	sleep 0.2
	run qemu-io -f qcow2 -c 'read 0 512' g.qcow2
	qemu_status=$status qemu_output=$output
	run vm-sysprep -q -a g.qcow2
	kill -0 "$pid" 2>/dev/null || skip "the first run ended too soon to overlap"
	wait "$pid"
	[ "$qemu_status" -ne 0 ]
	[[ $qemu_output == *'Failed to get "write" lock'* ]]
	[ "$status" -eq 1 ]
	assert_output --partial "the disk is in use"
	# released at the end: QEMU opens it again
	qemu-io -f qcow2 -c 'read 0 512' g.qcow2 >/dev/null
}

@test "vm-sysprep: an XFS guest is refused by name, unchanged" {
	command -v mkfs.xfs >/dev/null || skip "no mkfs.xfs"
	truncate -s 320M xfs.img
	mkfs.xfs -q xfs.img
	before=$(sha256sum <xfs.img)
	run vm-sysprep -a xfs.img
	[ "$status" -eq 1 ]
	assert_output --partial "xfs"
	[ "$(sha256sum <xfs.img)" = "$before" ]
}

@test "vm-sysprep: a filesystem that needs journal recovery is refused, unchanged" {
	img=$(guest debian.raw)
	# the superblock's "needs recovery" feature (incompat 0x4), as a crash leaves it
	debugfs -w -R "feature needs_recovery" "$img" >/dev/null 2>&1
	before=$(sha256sum <"$img")
	run vm-sysprep -a "$img"
	[ "$status" -eq 1 ]
	assert_output --partial "e2fsck"
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "vm-sysprep: a disk with no operating system is an error" {
	truncate -s 16M blank.img
	mke2fs -q -t ext4 blank.img
	run vm-sysprep -a blank.img
	[ "$status" -eq 1 ]
	assert_output --partial "no operating system found"
}

@test "vm-sysprep killed part-way: e2fsck -fy repairs, kept files intact, qcow2 not corrupt" {
	# thousands of files to remove, so that a kill lands in the middle
	cp -a "$FX/tree-debian" tree
	for i in $(seq 3000); do
		echo "log $i" >"tree/var/log/app$i.log"
		echo "tmp $i" >"tree/tmp/t$i"
	done
	mke2fs -q -F -t ext4 -d tree g.raw 128M >/dev/null
	qemu-img convert -f raw -O qcow2 g.raw g.qcow2
	for delay in 0.05 0.2 0.5 1 2; do
		cp g.qcow2 k.qcow2
		run timeout -s KILL "$delay" vm-sysprep -q -a k.qcow2
		# leaked clusters are allowed (status 3), corruption is not
		run qemu-img check k.qcow2
		[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || fail "after $delay s: $output"
		qemu-img convert -f qcow2 -O raw k.qcow2 k.raw
		run e2fsck -fy k.raw
		[ "$status" -le 1 ] || fail "after $delay s: e2fsck -fy: status $status: $output"
		fsck_clean k.raw
		keeps_intact k.raw debian
	done
}
