#!/usr/bin/env bats
# vm-sysprep's appliance path on btrfs: a Fedora guest with / on btrfs and
# /boot on ext4 (tests/fixtures/mkbtrfsguest.sh), scrubbed inside the QEMU
# (TCG) appliance (tests/fixtures/mkappliance.sh). The results are read
# with `btrfs restore` (no root, no mount) and debugfs, never with
# vm-sysprep; `btrfs check --readonly` and e2fsck -fn must be clean.
# Skipped when the kernel package cannot be downloaded.

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
	[ "$rc" -ne 0 ] || "$TOP/tests/fixtures/mkbtrfsguest.sh" "$FX" >"$FX/mkbtrfs.log" 2>&1 ||
		echo "$?" >"$FX/appliance.rc"
}

setup() {
	common_setup
	local rc
	rc=$(cat "$FX/appliance.rc")
	[ "$rc" -ne 77 ] || skip "no appliance kernel or btrfs-progs"
	[ "$rc" -eq 0 ] || fail "fixtures: $(cat "$FX/mkappliance.log" "$FX/mkbtrfs.log" 2>/dev/null)"
	set -a
	. "$FX/appliance.env"
	set +a
	. "$FX/btrfs.env"
}

# btrfs_of IMAGE: the btrfs partition of a copy of the guest, as a file of
# its own (qcow2 converted first); its path.
btrfs_of() {
	local raw=$1
	case $1 in *.qcow2) raw=$(raw_of "$1") ;; esac
	dd if="$raw" of="$1.btrfs" bs=1M skip="$ROOT_OFF" count=$((ROOT_SIZE >> 20)) \
		iflag=skip_bytes conv=sparse status=none
	echo "$1.btrfs"
}
# tree_of BTRFS [ROOTID]: the files of the filesystem's top level (or of
# subvolume ROOTID), extracted by `btrfs restore` (with xattrs and symlinks)
# into a directory; its path.
tree_of() {
	local d=$1.tree${2:+-$2}
	rm -rf "$d"
	mkdir "$d"
	btrfs restore -x -S ${2:+-r "$2"} "$1" "$d" >/dev/null 2>&1 || fail "btrfs restore $1"
	echo "$d"
}
btrfs_clean() {
	run btrfs check --readonly "$1"
	[ "$status" -eq 0 ] || fail "btrfs check --readonly: $output"
}
boot_of() {
	local raw=$1
	case $1 in *.qcow2) raw=$1.raw ;; esac
	echo "$raw?offset=$BOOT_OFF"
}

@test "vm-sysprep btrfs: Fedora, btrfs root, ext4 /boot (raw): default operations and customize" {
	img=$(guest fedora-btrfs.raw)
	run vm-sysprep -a "$img" --hostname web2.example.com --write /boot/marker:booted
	assert_success
	assert_output --partial "btrfs: running the operations in the appliance"
	assert_output --partial 'Performing "ssh-hostkeys" ...'
	b=$(btrfs_of "$img")
	btrfs_clean "$b"
	t=$(tree_of "$b")
	[ "$(ls -A "$t/etc/ssh")" = sshd_config ]
	[ -f "$t/etc/machine-id" ] && [ ! -s "$t/etc/machine-id" ]
	[ "$(cat "$t/etc/hostname")" = web2.example.com ]
	[ ! -e "$t/etc/udev/rules.d/70-persistent-net.rules" ]
	[ ! -e "$t/var/cache/dnf/fedora/packages/pkg.rpm" ]
	[ -z "$(ls -A "$t/tmp")" ]
	[ -e "$t/.autorelabel" ]
	# /boot was mounted where the fstab says, by UUID.
	[ "$(dcat "$(boot_of "$img")" /marker)" = booted ]
	fsck_clean "$(boot_of "$img")"
}

@test "vm-sysprep btrfs: qcow2, the files outside the operations' paths unchanged" {
	img=$(guest fedora-btrfs.qcow2)
	run vm-sysprep -q -a "$img"
	assert_success
	run qemu-img check "$img"
	assert_success
	b=$(btrfs_of "$img")
	btrfs_clean "$b"
	t=$(tree_of "$b")
	[ ! -s "$t/etc/machine-id" ]
	[ "$(ls -A "$t/etc/ssh")" = sshd_config ]
	while read -r p; do
		cmp -s "$t$p" "$FX/tree-fedora$p" || fail "$p changed"
	done <"$FX/tree-fedora.keep"
}

@test "vm-sysprep btrfs: --dry-run changes nothing; fs-uuids refused before booting" {
	img=$(guest fedora-btrfs.qcow2)
	before=$(sha256sum <"$img")
	run vm-sysprep -n -a "$img" --operations ssh-hostkeys,machine-id
	assert_success
	assert_output --partial "ssh-hostkeys: would remove /etc/ssh/ssh_host_rsa_key"
	run vm-sysprep -a "$img" --operations fs-uuids
	assert_failure 1
	assert_output --partial "fs-uuids: not available on the appliance path (btrfs)"
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "vm-sysprep btrfs: Fedora's subvolumes, / in subvol=root and /home in subvol=home" {
	need_root "the fixture: subvolumes made on a loop mount"
	[ -n "$SUBVOL" ] || skip "no subvolume fixture"
	img=$(guest fedora-subvol.raw)
	run vm-sysprep -q -a "$img" --hostname sv1 --write /boot/marker:sv
	assert_success
	b=$(btrfs_of "$img")
	btrfs_clean "$b"
	# Subvolume "root" is 256, "home" 257 (made in that order).
	r=$(tree_of "$b" 256)
	h=$(tree_of "$b" 257)
	[ "$(cat "$r/etc/hostname")" = sv1 ]
	[ "$(ls -A "$r/etc/ssh")" = sshd_config ]
	[ ! -s "$r/etc/machine-id" ]
	[ -e "$r/.autorelabel" ]
	# /home, its own subvolume, was mounted and scrubbed (ssh-userdir,
	# bash-history) and kept what no operation touches.
	[ "$(ls -A "$h/alice")" = notes.txt ]
	cmp "$h/alice/notes.txt" "$FX/tree-fedora/home/alice/notes.txt"
	[ -z "$(ls -A "$r/home")" ]
	[ "$(dcat "$img?offset=$BOOT_OFF" /marker)" = sv ]
	fsck_clean "$img?offset=$BOOT_OFF"
}

@test "vm-sysprep btrfs: a btrfs checksummed with blake2 (its crypto module loaded up front)" {
	# One btrfs over the whole disk, made with --csum blake2: the kernel
	# asks modprobe for blake2b-256 at mount, and the appliance has none.
	img=$BATS_TEST_TMPDIR/blake2.raw
	truncate -s 256M "$img"
	mkfs.btrfs -q -f --csum blake2 -r "$FX/tree-fedora" "$img" >/dev/null
	run vm-sysprep -q -a "$img" --hostname b2
	assert_success
	btrfs_clean "$img"
	t=$(tree_of "$img")
	[ "$(cat "$t/etc/hostname")" = b2 ]
	[ "$(ls -A "$t/etc/ssh")" = sshd_config ]
}
