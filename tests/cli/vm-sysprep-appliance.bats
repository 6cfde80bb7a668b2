#!/usr/bin/env bats
# vm-sysprep's appliance path: a RHEL 7 guest with / on XFS and /boot on
# ext4 (tests/fixtures/mkxfsguest.sh), scrubbed by vm-sysprep running inside
# a QEMU (TCG) appliance made of Debian's cloud kernel
# (tests/fixtures/mkappliance.sh). The results are read with xfs_db -r and
# debugfs, never with vm-sysprep; xfs_repair -n and e2fsck -fn must be
# clean. Skipped when the kernel package cannot be downloaded.

load common
load vm-sysprep-lib

BOOT_OFF=$((2048 * 512))

setup_file() {
	local rc=0
	export FX=$BATS_FILE_TMPDIR/fx
	mkdir -p "$FX"
	"$TOP/tests/fixtures/mkappliance.sh" "$FX/appliance.env" >"$FX/mkappliance.log" 2>&1 ||
		rc=$?
	echo "$rc" >"$FX/appliance.rc"
	[ "$rc" -ne 0 ] || "$TOP/tests/fixtures/mkxfsguest.sh" "$FX" >/dev/null
}

setup() {
	common_setup
	local rc
	rc=$(cat "$FX/appliance.rc")
	[ "$rc" -ne 77 ] || skip "no appliance kernel: $(tail -n 1 "$FX/mkappliance.log")"
	[ "$rc" -eq 0 ] || fail "mkappliance.sh: $(cat "$FX/mkappliance.log")"
	set -a
	. "$FX/appliance.env"
	set +a
	. "$FX/xfs.env"
}

# xfs_of IMAGE: the XFS partition of a copy of the guest, as a file of its
# own for xfs_db and xfs_repair (qcow2 converted first); its path.
xfs_of() {
	local raw=$1
	case $1 in *.qcow2) raw=$(raw_of "$1") ;; esac
	dd if="$raw" of="$1.xfs" bs=1M skip="$ROOT_OFF" iflag=skip_bytes conv=sparse status=none
	echo "$1.xfs"
}
# boot_of IMAGE: debugfs's spec of the /boot partition.
boot_of() {
	local raw=$1
	case $1 in *.qcow2) raw=$1.raw ;; esac
	echo "$raw?offset=$BOOT_OFF"
}
# xls XFS DIR: the names in DIR, sorted.
xls() {
	xfs_db -r -c "path $2" -c ls "$1" | awk '$NF == "(good)" && $(NF-1) != "." &&
		$(NF-1) != ".." { print $(NF-1) }' | sort
}
# xhas XFS PATH
xhas() {
	[ -z "$(xfs_db -r -c "path $2" "$1" 2>&1)" ]
}
# xsize XFS FILE
xsize() {
	xfs_db -r -c "path $2" -c "print core.size" "$1" | sed -n 's/^core.size = //p'
}
# xcat XFS FILE: the content of a small file (its data blocks).
xcat() {
	local size b=0
	size=$(xsize "$1" "$2")
	while [ $((b * 4096)) -lt "$size" ]; do
		xfs_db -r -c "path $2" -c "dblock $b" -c "type text" -c print "$1" |
			cut -c7-54
		b=$((b + 1))
	done | xxd -r -p | head -c "$size"
}
# pv_uuids IMAGE: the PV and VG UUIDs of partition 2, as LVM's pvs reads
# them on a read-only loop device (nothing activated).
pv_uuids() {
	local dev
	dev=$(losetup -f --show -r -o $((18432 * 512)) "$1")
	LVM_SUPPRESS_FD_WARNINGS=1 pvs --config "devices { filter=[\"a|^$dev\$|\",\"r|.*|\"]
		use_devicesfile=0 }" --noheadings -o pv_uuid,vg_uuid "$dev" 2>/dev/null
	losetup -d "$dev"
}
xfs_clean() {
	run xfs_repair -n -f "$1"
	[ "$status" -eq 0 ] || fail "xfs_repair -n: $output"
}

@test "vm-sysprep appliance: XFS root, ext4 /boot (raw): default operations and customize" {
	img=$(guest rhel7-xfs.raw)
	run vm-sysprep -a "$img" --hostname web2.example.com --write /boot/marker:booted
	assert_success
	assert_output --partial "xfs: running the operations in the appliance"
	assert_output --partial 'Performing "ssh-hostkeys" ...'
	x=$(xfs_of "$img")
	[ "$(xls "$x" /etc/ssh)" = sshd_config ]
	[ "$(xsize "$x" /etc/machine-id)" -eq 0 ]
	[ "$(xcat "$x" /etc/hostname)" = web2.example.com ]
	! xhas "$x" /var/log/yum.log
	! xhas "$x" /etc/udev/rules.d/70-persistent-net.rules
	xhas "$x" /var/log/README
	# SELinux enforcing and something changed: relabel at next boot.
	xhas "$x" /.autorelabel
	# /boot was mounted where the fstab says, by UUID.
	[ "$(dcat "$(boot_of "$img")" /marker)" = booted ]
	xfs_clean "$x"
	fsck_clean "$(boot_of "$img")"
}

@test "vm-sysprep appliance: qcow2, the files outside the operations' paths unchanged" {
	img=$(guest rhel7-xfs.qcow2)
	run vm-sysprep -q -a "$img"
	assert_success
	refute_output --partial "Performing"
	run qemu-img check "$img"
	assert_success
	x=$(xfs_of "$img")
	[ -z "$(xls "$x" /tmp)" ]
	[ "$(xsize "$x" /etc/machine-id)" -eq 0 ]
	while read -r p; do
		[ "$(xcat "$x" "$p" | sha256sum)" = "$(sha256sum <"$FX/tree-rhel7$p")" ] ||
			fail "$p changed"
	done <"$FX/tree-rhel7.keep"
	xfs_clean "$x"
}

@test "vm-sysprep appliance: --dry-run says what would change and changes nothing" {
	img=$(guest rhel7-xfs.qcow2)
	before=$(sha256sum <"$img")
	run vm-sysprep -n -a "$img" --operations ssh-hostkeys,machine-id
	assert_success
	assert_output --partial "ssh-hostkeys: would remove /etc/ssh/ssh_host_rsa_key"
	assert_output --partial "Dry run:"
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "vm-sysprep appliance: QEMU gets libshared/qemu's command line (sandboxed, paused, disks as fds when root)" {
	img=$(guest rhel7-xfs.raw)
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/qemu.args"\nexec qemu-system-x86_64 "$@"\n' \
		"$PWD" >qemu-wrap
	chmod +x qemu-wrap
	VU_QEMU=$PWD/qemu-wrap run vm-sysprep -q -a "$img" --operations machine-id
	assert_success
	grep -qx -- -S qemu.args
	grep -qx -- -sandbox qemu.args
	grep -qx -- -no-user-config qemu.args
	if [ "$(id -u)" = 0 ]; then
		grep -q '^fd=[0-9]*,set=' qemu.args
		grep -q 'filename=/dev/fdset/' qemu.args
	fi
}

@test "vm-sysprep appliance: an error inside comes back as one line, status 1" {
	img=$(guest rhel7-xfs.raw)
	run vm-sysprep -q -a "$img" --operations customize --chmod 0600:/no/such/file
	assert_failure 1
	assert_output "vm-sysprep: customize: /no/such/file: No such file or directory"
}

@test "vm-sysprep appliance: what it cannot do is refused before booting" {
	img=$(guest rhel7-xfs.raw)
	before=$(sha256sum <"$img")
	run vm-sysprep -a "$img" --operations fs-uuids
	assert_failure 1
	assert_output --partial "fs-uuids: not available on the appliance path (xfs)"
	run vm-sysprep -a "$img" --appliance-kernel "$BATS_TEST_TMPDIR/nokernel"
	assert_failure 1
	assert_output --partial "appliance: kernel $BATS_TEST_TMPDIR/nokernel: No such file"
	run vm-sysprep -a "$img" --network
	[ "$status" -eq 2 ]
	run vm-sysprep -a "$img" --install vim
	[ "$status" -eq 2 ]
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "vm-sysprep appliance: a running VM's XFS disk is refused" {
	img=$(guest rhel7-xfs.raw)
	qemu-system-x86_64 -nodefaults -display none -machine none \
		-drive "file=$img,format=raw,if=none,id=d" -S &
	qpid=$!
	for _ in $(seq 50); do
		run vm-sysprep -a "$img"
		[ "$status" -eq 1 ] && break
		sleep 0.1
	done
	kill "$qpid"
	wait "$qpid" || :
	assert_failure 1
	assert_output --partial "in use"
}

@test "vm-sysprep appliance: an appliance that does not finish in time is stopped" {
	img=$(guest rhel7-xfs.raw)
	before=$(sha256sum <"$img")
	VU_APPLIANCE_TIMEOUT=1 run vm-sysprep -q -a "$img"
	assert_failure 1
	assert_output "vm-sysprep: appliance: the appliance did not finish in 1 s: stopped"
	# Killed before /init ran: nothing was written.
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "vm-sysprep appliance: host files (--upload, --copy-in, --firstboot, file: keys) are carried in" {
	img=$(guest rhel7-xfs.raw)
	echo "uploaded" >"$BATS_TEST_TMPDIR/up.txt"
	mkdir -p "$BATS_TEST_TMPDIR/conf.d/sub"
	echo "a=1" >"$BATS_TEST_TMPDIR/conf.d/sub/a.conf"
	printf '#!/bin/sh\necho first\n' >"$BATS_TEST_TMPDIR/setup.sh"
	echo "ssh-ed25519 AAAAkey me@host" >"$BATS_TEST_TMPDIR/id.pub"
	run vm-sysprep -q -a "$img" --operations customize \
		--upload "$BATS_TEST_TMPDIR/up.txt:/etc/motd" \
		--copy-in "$BATS_TEST_TMPDIR/conf.d:/etc" \
		--firstboot "$BATS_TEST_TMPDIR/setup.sh" \
		--ssh-inject "root:file:$BATS_TEST_TMPDIR/id.pub"
	assert_success
	x=$(xfs_of "$img")
	[ "$(xcat "$x" /etc/motd)" = uploaded ]
	[ "$(xcat "$x" /etc/conf.d/sub/a.conf)" = "a=1" ]
	[ "$(xls "$x" /usr/lib/virt-sysprep/scripts)" = 0001-setup-sh ]
	[ "$(xcat "$x" /usr/lib/virt-sysprep/scripts/0001-setup-sh)" = "$(cat "$BATS_TEST_TMPDIR/setup.sh")" ]
	grep -q 'AAAAkey me@host' <(xcat "$x" /root/.ssh/authorized_keys)
	xfs_clean "$x"
}

@test "vm-sysprep appliance: RHEL 7's default layout, XFS on an LVM root LV" {
	need_root "the fixture: LVM's tools on a loop device"
	[ -n "$LVM_OFF" ] || skip "no LVM fixture (LVM's tools missing)"
	img=$(guest rhel7-xfslvm.raw)
	before=$(pv_uuids "$img")
	run vm-sysprep -q -a "$img" --hostname lvm1 --write /boot/marker:lvm
	assert_success
	# lvm-uuids (a default) ran in place once the appliance was done.
	after=$(pv_uuids "$img")
	[ -n "$after" ] && [ "$after" != "$before" ]
	dd if="$img" of="$img.xfs" bs=1M skip="$LVM_OFF" iflag=skip_bytes count=320 conv=sparse \
		status=none
	x=$img.xfs
	[ "$(xcat "$x" /etc/hostname)" = lvm1 ]
	[ "$(xls "$x" /etc/ssh)" = sshd_config ]
	[ "$(dcat "$img?offset=$BOOT_OFF" /marker)" = lvm ]
	xfs_clean "$x"
	fsck_clean "$img?offset=$BOOT_OFF"
}

@test "vm-sysprep appliance: in a pipe, stdout carries the domain XML alone, even with -v" {
	img=$(guest rhel7-xfs.qcow2)
	cat >dom.xml <<XML
<domain type='kvm'>
  <name>tpl</name>
  <memory>524288</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
	vm-sysprep -v --operations machine-id - <dom.xml >out.xml 2>err.txt
	cmp dom.xml out.xml
	grep -q 'Linux version' err.txt
	grep -q 'machine-id: empty /etc/machine-id' err.txt
	x=$(xfs_of "$img")
	[ "$(xsize "$x" /etc/machine-id)" -eq 0 ]
}

@test "vm-sysprep appliance: --run and --run-command run the guest's shell, in order" {
	img=$(guest rhel7-xfs.raw)
	# The guest has busybox's sh alone: builtins only.
	printf 'read -r r </etc/ran\necho "scripted $r" >/etc/scripted\n' >script.sh
	run vm-sysprep -q -a "$img" --operations customize --mkdir /bin \
		--upload "$VU_APPLIANCE_BUSYBOX:/bin/busybox" --chmod 0755:/bin/busybox \
		--link busybox:/bin/sh \
		--run-command 'echo ran >/etc/ran; test -d /proc/self; echo to-stdout' \
		--run script.sh --write /etc/after:done
	assert_success
	assert_output "to-stdout"
	x=$(xfs_of "$img")
	[ "$(xcat "$x" /etc/ran)" = ran ]
	[ "$(xcat "$x" /etc/scripted)" = "scripted ran" ]
	[ "$(xcat "$x" /etc/after)" = done ]
	xfs_clean "$x"
	# A failing command stops the run with one line.
	run vm-sysprep -q -a "$img" --operations customize --run-command 'exit 3'
	assert_failure 1
	assert_output "vm-sysprep: customize: --run-command exit 3: exited with status 3"
}

@test "vm-sysprep appliance: --root-password with --password-crypto is hashed inside as asked" {
	img=$(guest rhel7-xfs.raw)
	run vm-sysprep -q -a "$img" --operations customize --root-password password:s3cret \
		--password-crypto md5
	assert_success
	x=$(xfs_of "$img")
	xcat "$x" /etc/shadow | grep -q '^root:\$1\$'
}
