#!/usr/bin/env bats
# vm-migrate's offline part between two state roots on one machine: the
# stream through a pipe, sparse and identical on arrival (qemu-img compare),
# refused when truncated or corrupted, and --offline through a transport.

load common
load guest
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	A=$BATS_TEST_TMPDIR/a
	B=$BATS_TEST_TMPDIR/b
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$A/domains" "$SRC"
}

teardown() {
	guest_kill vm
}

# src_domain NAME: NAME defined in A with vda a qcow2 overlay on a qcow2
# base (data in both layers) and vdb a 64 MiB sparse raw disk with 1 MiB
# of data.
src_domain() {
	qemu-img create -q -f qcow2 "$SRC/base.qcow2" 64M
	qemu-io -f qcow2 -c 'write -P 0x11 0 1M' -c 'write -P 0x22 10M 2M' \
		"$SRC/base.qcow2" >/dev/null
	qemu-img create -q -f qcow2 -F qcow2 -b base.qcow2 "$SRC/top.qcow2"
	qemu-io -f qcow2 -c 'write -P 0x33 20M 1M' "$SRC/top.qcow2" >/dev/null
	truncate -s 64M "$SRC/data.raw"
	head -c 1M /dev/urandom | dd of="$SRC/data.raw" bs=1M seek=30 conv=notrunc status=none
	cat >"$A/domains/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <uuid>6c0a1e4e-3a35-4b8f-9d0e-2f1a6a2c8b10</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$SRC/top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$SRC/data.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='$SRC/media.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
  </devices>
</domain>
EOF
}

on_a() { VIRTUTILS_ROOT=$A vm-migrate "$@"; }
on_b() { VIRTUTILS_ROOT=$B vm-migrate "$@"; }

# The destination holds no domain, no volume and no half-written file.
nothing_left() {
	[ ! -e "$B/domains/g1.xml" ] || fail "g1 was defined"
	run ls -A "$B/images"
	assert_output ""
	run find "$B/run/reserve" -type f
	assert_output ""
}

disk_of() {
	xmllint --xpath "string(/domain/devices/disk[target/@dev='$2']/source/@file)" "$1"
}

@test "export | import: the domain defined in B, its disks in B's pool, identical" {
	src_domain g1
	on_a --export g1 | on_b --import
	[ -f "$B/domains/g1.xml" ]
	valid_xml "$B/domains/g1.xml"
	run disk_of "$B/domains/g1.xml" vda
	assert_output "$B/images/top.qcow2"
	run disk_of "$B/domains/g1.xml" vdb
	assert_output "$B/images/data.raw"
	# the cdrom is not a disk to copy: its path stays
	run disk_of "$B/domains/g1.xml" hdc
	assert_output "$SRC/media.iso"
	# the chain came along, its link pointing at the new base
	run qemu-img info --output=json "$B/images/top.qcow2"
	assert_output --partial "\"backing-filename\": \"$B/images/base.qcow2\""
	qemu-img compare "$SRC/top.qcow2" "$B/images/top.qcow2"
	qemu-img compare -f raw -F raw "$SRC/data.raw" "$B/images/data.raw"
	qemu-img check "$B/images/top.qcow2"
	# the source is untouched
	[ -f "$A/domains/g1.xml" ]
}

@test "import: disks are sparse on arrival" {
	src_domain g1
	on_a --export g1 | on_b --import
	[ "$(stat -c %s "$B/images/data.raw")" -eq $((64 << 20)) ]
	# 1 MiB of data, not 64
	[ "$(du -k "$B/images/data.raw" | cut -f1)" -le 1100 ]
	[ "$(du -k "$B/images/base.qcow2" | cut -f1)" -le "$(du -k "$SRC/base.qcow2" | cut -f1)" ]
}

@test "--flatten: each disk arrives raw, its chain merged" {
	src_domain g1
	on_a --export g1 --flatten | on_b --import
	run disk_of "$B/domains/g1.xml" vda
	assert_output "$B/images/top.raw"
	run xmllint --xpath "string(//disk[target/@dev='vda']/driver/@type)" "$B/domains/g1.xml"
	assert_output raw
	[ ! -e "$B/images/base.qcow2" ]
	qemu-img compare -F raw "$SRC/top.qcow2" "$B/images/top.raw"
	[ "$(du -k "$B/images/top.raw" | cut -f1)" -le 4200 ]
}

@test "--compress: a zstd stream that imports the same" {
	src_domain g1
	on_a --export g1 --compress >s
	[ "$(head -c 4 s | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	on_b --import <s
	qemu-img compare "$SRC/top.qcow2" "$B/images/top.qcow2"
}

@test "--dname: the stream carries the new name" {
	src_domain g1
	on_a --export g1 --dname g2 | on_b --import
	[ -f "$B/domains/g2.xml" ] && [ ! -e "$B/domains/g1.xml" ]
	run xmllint --xpath 'string(/domain/name)' "$B/domains/g2.xml"
	assert_output g2
}

@test "a truncated stream imports nothing and leaves nothing" {
	src_domain g1
	on_a --export g1 >s
	# inside the first header, mid-disk, and just before END
	end=$(grep -abo -m1 'vm-migrate/END' s | head -n 1 | cut -d: -f1)
	for cut in 700 $(($(stat -c %s s) / 2)) $((end - 200)); do
		run on_b --import < <(head -c "$cut" s)
		assert_failure 1
		assert_output --regexp "import: stream: (truncated|.*Truncated|.*missing)"
		nothing_left
	done
}

@test "a corrupted disk byte is refused by its checksum, and nothing is left" {
	src_domain g1
	on_a --export g1 >s
	# a byte of vdb's random data, found in the stream by its content
	pat=$(dd if="$SRC/data.raw" bs=1 skip=$((30 << 20)) count=16 status=none | od -An -tx1 | tr -d ' \n')
	off=$(od -An -v -tx1 -w1 s | tr -d ' ' | tr '\n' ' ' | sed 's/ //g' | grep -bo "$pat" | head -n 1 | cut -d: -f1)
	[ -n "$off" ]
	printf '\x00' | dd of=s bs=1 seek=$((off / 2 + 3)) conv=notrunc status=none
	run on_b --import <s
	assert_failure 1
	assert_output --partial "checksum mismatch"
	nothing_left
}

@test "a corrupted checksum entry is refused" {
	src_domain g1
	on_a --export g1 >s
	# the first digest in the stream: 64 hex digits and a newline
	off=$(grep -abo -m1 -E '[0-9a-f]{64}' s | head -n 1 | cut -d: -f1)
	c=$(dd if=s bs=1 skip="$off" count=1 status=none)
	[ "$c" = 0 ] && r=1 || r=0
	printf '%s' "$r" | dd of=s bs=1 seek="$off" conv=notrunc status=none
	run on_b --import <s
	assert_failure 1
	assert_output --partial "checksum mismatch"
	nothing_left
}

@test "garbage, or another archive, is not a stream" {
	run on_b --import < <(head -c 10000 /dev/urandom)
	assert_failure 1
	tar -cf other.tar -C "$BATS_TEST_TMPDIR" a
	run on_b --import <other.tar
	assert_failure 1
	assert_output --partial "vm-migrate/MANIFEST expected"
}

@test "a domain already defined at the destination is refused before any disk is written" {
	src_domain g1
	mkdir -p "$B/domains"
	cp "$A/domains/g1.xml" "$B/domains/g1.xml"
	run on_b --import < <(on_a --export g1)
	assert_failure 1
	assert_output --partial "domain 'g1' already exists"
	run ls -A "$B/images"
	assert_output ""
}

@test "a volume name taken in the pool: refused, the rest undone" {
	src_domain g1
	VIRTUTILS_ROOT=$B pool-ctl list --all >/dev/null
	echo mine >"$B/images/data.raw"
	run on_b --import < <(on_a --export g1)
	assert_failure 1
	assert_output --partial "volume 'data.raw' already exists"
	[ ! -e "$B/domains/g1.xml" ]
	run ls -A "$B/images"
	assert_output data.raw
	[ "$(cat "$B/images/data.raw")" = mine ]
}

@test "--pool: the disks go to another pool" {
	src_domain g1
	mkdir -p "$BATS_TEST_TMPDIR/p2"
	VIRTUTILS_ROOT=$B pool-ctl create-as p2 dir --target "$BATS_TEST_TMPDIR/p2" >/dev/null
	on_a --export g1 | on_b --import --pool p2
	run disk_of "$B/domains/g1.xml" vdb
	assert_output "$BATS_TEST_TMPDIR/p2/data.raw"
	run on_b --import --pool nope < <(on_a --export g1 --dname g3)
	assert_failure 1
	assert_output --partial "no storage pool"
}

@test "a running domain is not exported" {
	src_domain g1
	mkdir -p "$A/run/qemu"
	sleep 60 &
	echo $! >"$A/run/qemu/g1.pid"
	run on_a --export g1
	kill %1
	assert_failure 1
	assert_output --partial "domain 'g1' is running"
	# a stale pidfile is no obstacle
	wait || :
	run on_a --export g1
	assert_success
}

@test "a domain whose pidfile vm-ctl's QEMU holds locked is running" {
	src_domain g1
	mkdir -p "$A/run/qemu"
	echo 999999 >"$A/run/qemu/g1.pid"
	# lockf, as QEMU holds its -pidfile; the pid inside names nobody
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(60)' \
		"$A/run/qemu/g1.pid" >lock.out 3>&- &
	for ((i = 0; i < 50; i++)); do grep -q locked lock.out && break; sleep 0.1; done
	run on_a --export g1
	kill %1
	assert_failure 1
	assert_output --partial "domain 'g1' is running"
}

@test "export: a domain that does not exist, or no domain" {
	mkdir -p "$A"
	run on_a --export nope
	assert_failure 1
	assert_output --partial "domain 'nope' not found"
	run on_a
	assert_failure 2
}

@test "export refuses a terminal, and extra arguments" {
	run on_a --export g1 extra
	assert_failure 2
	assert_output --partial "unexpected argument 'extra'"
	run on_a --export g1 --import
	assert_failure 2
}

@test "--offline --copy-storage-all --undefinesource --dname through --transport" {
	src_domain g1
	run on_a --offline --persistent --copy-storage-all --undefinesource --dname g2 \
		--transport "VIRTUTILS_ROOT=$B vm-migrate --receive" g1 qemu+ssh://elsewhere/system
	assert_success
	[ -f "$B/domains/g2.xml" ] && [ ! -e "$A/domains/g1.xml" ]
	qemu-img compare "$SRC/top.qcow2" "$B/images/top.qcow2"
}

@test "--offline without --copy-storage-all moves the definition alone" {
	src_domain g1
	on_a --offline --persistent --transport "VIRTUTILS_ROOT=$B vm-migrate --receive" \
		g1 qemu+ssh://elsewhere/system
	[ -f "$A/domains/g1.xml" ]
	run disk_of "$B/domains/g1.xml" vda
	assert_output "$SRC/top.qcow2"
	run ls -A "$B/images"
	assert_output ""
}

@test "--offline: a failing receiver leaves the source as it was" {
	src_domain g1
	run on_a --offline --persistent --copy-storage-all --undefinesource \
		--transport "head -c 1000 >/dev/null; exit 3" g1 qemu+ssh://elsewhere/system
	assert_failure 1
	assert_output --partial "g1: "
	[ -f "$A/domains/g1.xml" ]
	run on_a --offline --persistent --undefinesource --transport "cat >/dev/null" \
		g1 qemu+ssh://elsewhere/system
	assert_failure 1
	assert_output --partial "did not confirm"
	[ -f "$A/domains/g1.xml" ]
}

@test "--offline needs --persistent, DOMAIN and DESTURI, and a URI it knows" {
	run on_a --offline g1 qemu+ssh://h/system
	assert_failure 2
	assert_output --partial "--offline requires --persistent"
	run on_a --offline --persistent g1
	assert_failure 2
	run on_a --offline --persistent g1 qemu:///system
	assert_failure 2
	assert_output --partial "unsupported destination URI"
	run on_a --offline --persistent g1 'qemu+ssh://h;rm -rf x/system'
	assert_failure 2
}

@test "--help, and a shut-off domain is not migrated live" {
	run vm-migrate --help
	assert_success
	assert_output --partial "--export DOMAIN"
	assert_output --partial "--live"
	src_domain g1
	run on_a g1 qemu+ssh://h/system
	assert_failure 1
	assert_output --partial "domain is not running (use --offline)"
}

@test "completion offers the options and the defined domains" {
	src_domain g1
	run complete_lines vm-migrate "vm-migrate --exp" "vm-migrate --export "
	assert_line --index 0 "--export"
	VIRTUTILS_ROOT=$A run complete_lines vm-migrate "vm-migrate --export "
	assert_line --index 0 "g1"
}

# hostile_xml NAME DISK: a domain with one virtio disk at DISK.
hostile_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
}

@test "a stream made by hand with the same digest imports (the format is the man page's)" {
	qemu-img create -q -f qcow2 ok.qcow2 1M
	hostile_xml h1 /nowhere/ok.qcow2 >h1.xml
	python3 "$TOP/tests/fixtures/mkstream.py" s h1.xml ok.qcow2:qcow2:ok.qcow2:vda
	on_b --import <s
	run disk_of "$B/domains/h1.xml" vda
	assert_output "$B/images/ok.qcow2"
}

@test "a qcow2 naming a backing file of the destination host is refused" {
	qemu-img create -q -f qcow2 -F raw -b /etc/passwd evil.qcow2 1M
	hostile_xml h1 /nowhere/evil.qcow2 >h1.xml
	python3 "$TOP/tests/fixtures/mkstream.py" s h1.xml evil.qcow2:qcow2:evil.qcow2:vda
	run on_b --import <s
	assert_failure 1
	assert_output --partial "names a backing file the stream does not hold"
	nothing_left
}

@test "hostile streams: an entry after END, a bad volume name, a raw with a backing file" {
	qemu-img create -q -f qcow2 ok.qcow2 1M
	hostile_xml h1 /nowhere/ok.qcow2 >h1.xml
	python3 "$TOP/tests/fixtures/mkstream.py" s h1.xml ok.qcow2:qcow2:ok.qcow2:vda --after-end
	run on_b --import <s
	assert_failure 1
	assert_output --partial "entries after END"
	nothing_left
	python3 "$TOP/tests/fixtures/mkstream.py" s h1.xml ok.qcow2:qcow2:..:vda
	run on_b --import <s
	assert_failure 1
	assert_output --partial "bad volume name"
	python3 "$TOP/tests/fixtures/mkstream.py" s h1.xml ok.qcow2:raw:a.img: ok.qcow2:raw:b.img:vda:0
	run on_b --import <s
	assert_failure 1
	assert_output --partial "only a qcow2 file has a backing file"
	nothing_left
}

@test "a stream whose disk target the domain lacks is refused" {
	qemu-img create -q -f qcow2 ok.qcow2 1M
	hostile_xml h1 /nowhere/ok.qcow2 >h1.xml
	python3 "$TOP/tests/fixtures/mkstream.py" s h1.xml ok.qcow2:qcow2:ok.qcow2:vdz
	run on_b --import <s
	assert_failure 1
	assert_output --partial "the domain has no disk vdz"
	nothing_left
}

@test "--offline to qemu+ssh://USER@HOST:PORT/system runs ssh with vm-migrate --receive" {
	src_domain g1
	VIRTUTILS_ROOT=$B pool-ctl list --all >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/p2" fakebin
	VIRTUTILS_ROOT=$B pool-ctl create-as p2 dir --target "$BATS_TEST_TMPDIR/p2" >/dev/null
	# an ssh that records its arguments and runs the command here, in B
	cat >fakebin/ssh <<SH
#!/bin/bash
printf '%s\n' "\$*" >"$BATS_TEST_TMPDIR/ssh.args"
shift 3
VIRTUTILS_ROOT=$B exec "\$@"
SH
	chmod +x fakebin/ssh
	PATH=$PWD/fakebin:$PATH on_a --offline --persistent --copy-storage-all --pool p2 \
		g1 qemu+ssh://admin@host2:2222/system
	run cat ssh.args
	assert_output "-p 2222 admin@host2 vm-migrate --receive --pool p2"
	run disk_of "$B/domains/g1.xml" vdb
	assert_output "$BATS_TEST_TMPDIR/p2/data.raw"
}

@test "an import killed half way leaves no volume and no domain; the next one works" {
	src_domain g1
	on_a --export g1 >s
	mkfifo f
	# not through on_b: $! must be vm-migrate itself, not a subshell
	VIRTUTILS_ROOT=$B "$TOP/bin/vm-migrate" --import <f 3>&- &
	pid=$!
	exec 4>f
	head -c $(($(stat -c %s s) / 2)) s >&4
	sleep 0.5
	kill -9 "$pid"
	exec 4>&-
	wait "$pid" || :
	[ ! -e "$B/domains/g1.xml" ]
	run ls -A "$B/images"
	assert_output ""
	on_b --import <s
	qemu-img compare "$SRC/top.qcow2" "$B/images/top.qcow2"
}

@test "the test guest, exported and imported, boots from its new disk" {
	guest_make "$BATS_TEST_TMPDIR/guest"
	guest_need
	sed "s|<name>vu-guest</name>|<name>g1</name>|" "$GUEST/guest.xml" >"$A/domains/g1.xml"
	on_a --export g1 --compress | on_b --import
	disk=$(disk_of "$B/domains/g1.xml" vda)
	[ "$disk" = "$B/images/disk.ext4" ]
	cmp "$GUEST/disk.ext4" "$disk"
	guest_boot vm 'console=ttyS0' -drive "file=$disk,format=raw,if=virtio"
	guest_wait vm '^VU-GUEST: disk mounted'
	guest_qmp vm '{"execute":"system_powerdown"}' >/dev/null
	guest_wait vm '^VU-GUEST: poweroff'
	guest_gone vm
}

@test "disks with no data at all: a small stream, identical on arrival" {
	truncate -s 64M "$SRC/empty.raw"
	qemu-img create -q -f qcow2 "$SRC/fresh.qcow2" 64M
	cat >"$A/domains/e.xml" <<XML
<domain type='qemu'>
  <name>e</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$SRC/empty.raw'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$SRC/fresh.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
	on_a --export e >s
	[ "$(stat -c %s s)" -lt $((1 << 20)) ]
	on_b --import <s
	qemu-img compare -f raw -F raw "$SRC/empty.raw" "$B/images/empty.raw"
	qemu-img compare "$SRC/fresh.qcow2" "$B/images/fresh.qcow2"
	[ "$(du -k "$B/images/empty.raw" | cut -f1)" -le 8 ]
}

@test "--offline of a running domain: its definition may go, its disks may not" {
	src_domain g1
	mkdir -p "$A/run/qemu"
	sleep 60 &
	echo $! >"$A/run/qemu/g1.pid"
	run on_a --offline --persistent --copy-storage-all \
		--transport "VIRTUTILS_ROOT=$B vm-migrate --receive" g1 qemu+ssh://h/system
	assert_failure 1
	assert_output --partial "domain 'g1' is running"
	run on_a --offline --persistent --undefinesource \
		--transport "VIRTUTILS_ROOT=$B vm-migrate --receive" g1 qemu+ssh://h/system
	assert_failure 1
	assert_output --partial "domain 'g1' is running"
	[ ! -e "$B/domains/g1.xml" ]
	run on_a --offline --persistent \
		--transport "VIRTUTILS_ROOT=$B vm-migrate --receive" g1 qemu+ssh://h/system
	kill %1
	assert_success
	[ -f "$B/domains/g1.xml" ] && [ -f "$A/domains/g1.xml" ]
}
