# Shared by the vm-sysprep suites: the fixture guests (made once per file by
# tests/fixtures/mksysprep.sh) and the oracles that look inside an image
# without vm-sysprep: debugfs listings and cats, e2fsck, qemu-img check.

# The fixtures of the whole file, built once.
sysprep_setup_file() {
	export FX=$BATS_FILE_TMPDIR/fx
	"$TOP/tests/fixtures/mksysprep.sh" "$FX" "$@" >/dev/null
}

# guest NAME: a copy of fixture NAME (rhel7.raw, debian-top.qcow2, ...) in the
# test's directory, its path on stdout. An overlay comes with its backing file.
guest() {
	cp "$FX/$1" "$BATS_TEST_TMPDIR/$1"
	case $1 in
	*-top.qcow2) cp "$FX/${1%-top.qcow2}.qcow2" "$BATS_TEST_TMPDIR/" ;;
	esac
	echo "$BATS_TEST_TMPDIR/$1"
}

# The debugfs spec of an image: a raw file, or "FILE?offset=N".
# dls SPEC DIR: the names in DIR, sorted, one a line ("." and ".." left out).
dls() {
	debugfs -R "ls -p $2" "$1" 2>/dev/null | awk -F/ 'NF > 5 && $6 != "." && $6 != ".." \
		{ print $6 }' | sort
}
# dcat SPEC FILE: the file's content.
dcat() {
	debugfs -R "cat $2" "$1" 2>/dev/null
}
# dhas SPEC PATH: whether the path exists (a link not followed).
dhas() {
	! debugfs -R "stat $2" "$1" 2>&1 | grep -q "File not found by ext2_lookup"
}
# dsize SPEC FILE
dsize() {
	debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1
}

# fsck_clean SPEC: e2fsck -fn finds nothing.
fsck_clean() {
	run e2fsck -fn "$1"
	[ "$status" -eq 0 ] || fail "e2fsck -fn $1: status $status: $output"
}

# keeps_intact SPEC FLAVOUR: every file of the flavour's keep list reads as
# the tree has it.
keeps_intact() {
	local p
	while read -r p; do
		[ "$(dcat "$1" "$p" | sha256sum)" = "$(sha256sum <"$FX/tree-$2$p")" ] ||
			fail "$p changed"
	done <"$FX/tree-$2.keep"
}

# raw_of QCOW2: a raw copy of the guest's disk (for debugfs), its path.
raw_of() {
	qemu-img convert -O raw "$1" "$1.raw"
	echo "$1.raw"
}
