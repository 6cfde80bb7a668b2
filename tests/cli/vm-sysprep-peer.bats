#!/usr/bin/env bats
# vm-sysprep side by side with virt-sysprep (guestfs-tools), where its
# appliance runs here (TCG, tests/fixtures/guestfs-env.sh): both get a copy
# of the same fixture guest, run their default operations, and the file
# trees they leave (debugfs rdump: path, type, mode, owner, size, sha256)
# must be equal but for the deliberate differences listed in PEER_ALLOWED.
# Slow: about 100 s per guest for virt-sysprep under TCG.

load common
load vm-sysprep-lib

setup_file() {
	local envs rc=0
	envs=$("$TOP/tests/fixtures/guestfs-env.sh" 2>"$BATS_FILE_TMPDIR/env.err") || rc=$?
	if [ "$rc" -eq 77 ]; then
		export PEER_SKIP
		PEER_SKIP=$(cat "$BATS_FILE_TMPDIR/env.err")
		return 0
	fi
	[ "$rc" -eq 0 ] || { cat "$BATS_FILE_TMPDIR/env.err" >&2; return 1; }
	eval "$envs"
	sysprep_setup_file rhel7 debian
}

setup() {
	[ -z "${PEER_SKIP-}" ] || skip "$PEER_SKIP"
	common_setup
}

# The differences that are deliberate, each documented in vm-sysprep(1);
# a line of tree_of's output matching PATH has its content hash (and for
# the machine ID its size too) replaced by a placeholder on both sides:
#   etc/machine-id      vm-sysprep empties it and systemd makes a new ID at
#                       the next boot; virt-sysprep 1.48's customize step
#                       writes a new ID at once ("Setting the machine ID")
#   var/lib/random-seed, var/lib/systemd/random-seed
#                       both write fresh random bytes
#   var/spool/at/.SEQ   vm-sysprep keeps at's job counter (cron-spool);
#                       virt-sysprep resets it to "00000"
PEER_ALLOWED='etc/machine-id var/lib/random-seed var/lib/systemd/random-seed var/spool/at/.SEQ'

# tree_of SPEC: one line per file of the filesystem (lost+found left out):
# path, type, mode, uid:gid, size, the content's sha256 (a link: its target).
tree_of() {
	local d
	d=$(mktemp -d "$BATS_TEST_TMPDIR/rdump.XXXXXX")
	debugfs -R "rdump / $d" "$1" >/dev/null 2>&1
	(cd "$d" && find . -mindepth 1 -not -path './lost+found*' \
		-printf '%P\t%y\t%m\t%U:%G\t%s\t%l\n' | sort |
		while IFS=$'\t' read -r p y m o s l; do
			case $y in
			f) l=$(sha256sum <"$p" | cut -c1-16) ;;
			d) s=- ;;
			esac
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$y" "$m" "$o" "$s" "$l"
		done)
	rm -rf "$d"
}

# allowed: tree_of's lines with PEER_ALLOWED's contents masked.
allowed() {
	awk -F'\t' -v OFS='\t' -v list="$PEER_ALLOWED" '
		BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		ok[$1] { $6 = "<any>"; if ($1 == "etc/machine-id") $5 = "<any>" }
		{ print }'
}

# peer_image NAME: a copy of fixture NAME with /bin -> usr/bin added (by
# debugfs, so UUID and label stay): libguestfs's inspection calls a
# filesystem a Linux root only when it has /bin.
peer_image() {
	local img
	img=$(guest "$1")
	debugfs -w -R "symlink /bin usr/bin" "$img" >/dev/null 2>&1
	dhas "$img" /bin || fail "debugfs could not add /bin to $1"
	echo "$img"
}

# same_tree FLAVOUR: both tools on copies of FLAVOUR.raw, the trees compared.
same_tree() {
	local src theirs ours
	src=$(peer_image "$1.raw")
	theirs=$BATS_TEST_TMPDIR/theirs.raw ours=$BATS_TEST_TMPDIR/ours.raw
	cp "$src" "$theirs"
	cp "$src" "$ours"
	run timeout 900 virt-sysprep --format raw -a "$theirs"
	[ "$status" -eq 0 ] || fail "virt-sysprep failed ($status): $output"
	# virt-sysprep 1.48 relabels only when asked (--selinux-relabel).
	run vm-sysprep -q --no-selinux-relabel -a "$ours"
	assert_success
	tree_of "$theirs" | allowed >theirs.tree
	tree_of "$ours" | allowed >ours.tree
	# The oracle saw the operations' work: the host keys are gone.
	! grep -q '^etc/ssh/ssh_host_rsa_key	' theirs.tree || fail "virt-sysprep removed nothing"
	run diff -u theirs.tree ours.tree
	[ "$status" -eq 0 ] || fail "file trees differ (- virt-sysprep, + vm-sysprep):
$output"
	# The allowed differences are what vm-sysprep(1) says.
	[ "$(dsize "$ours" /etc/machine-id)" = 0 ] || fail "vm-sysprep did not empty the machine ID"
	[ "$(dcat "$ours" /var/spool/at/.SEQ)" = "$(cat "$FX/tree-$1/var/spool/at/.SEQ")" ] ||
		fail "vm-sysprep changed at's .SEQ"
}

@test "vm-sysprep-peer: rhel7: the same files as virt-sysprep's" {
	same_tree rhel7
}

@test "vm-sysprep-peer: debian: the same files as virt-sysprep's" {
	same_tree debian
}
