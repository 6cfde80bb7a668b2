#!/usr/bin/env bats
# img-convert check against qemu-img check: the same findings, words,
# exit statuses and repairs.

load common
bats_require_minimum_version 1.5.0

setup_file() {
	export VARIANTS=$BATS_FILE_TMPDIR/variants HOSTILE=$BATS_FILE_TMPDIR/hostile
	export CORRUPT=$BATS_FILE_TMPDIR/corrupt
	mkdir -p "$VARIANTS" "$HOSTILE" "$CORRUPT"
	"$TOP/tests/fixtures/mkvariants.sh" "$VARIANTS" >/dev/null
	"$TOP/tests/fixtures/mkhostile.sh" "$HOSTILE" >/dev/null
	"$TOP/tests/fixtures/mkcorrupt.sh" "$CORRUPT" >/dev/null
}

setup() {
	common_setup
}

variants() {
	local r
	for r in "$VARIANTS"/*.raw; do
		basename "${r%.raw}"
	done
}

cases() {	# cases PREFIX: the fixtures of mkcorrupt.sh whose names start so
	local f
	for f in "$CORRUPT/$1"*; do
		basename "$f"
	done
}

# both NAME ARGS...: runs qemu-img check and ours on NAME (relative names,
# so that the filename each prints is the same); fails on any difference
# in stdout, stderr or exit status.
both() {
	local img=$1 q_rc=0 o_rc=0
	shift
	qemu-img check "$@" "$img" >q.out 2>q.err || q_rc=$?
	img-convert check "$@" "$img" >o.out 2>o.err || o_rc=$?
	sed -i 's/^qemu-img: /img-convert: /' q.err
	diff -u q.out o.out || fail "$img: stdout differs"
	[ "$q_rc" = "$o_rc" ] || fail "$img: exit status $o_rc, qemu-img $q_rc"
	BOTH_RC=$o_rc
}

@test "check --help shows its synopsis" {
	run img-convert check --help
	assert_success
	assert_output --partial "check [-f FMT] [-r leaks|all] [--output=human|json] [-q] FILE"
}

@test "check: every clean variant, human output and exit status as qemu-img" {
	cd "$VARIANTS"
	for v in $(variants); do
		both "$v"
		[ "$BOTH_RC" = 0 ] || fail "$v: exit status $BOTH_RC"
		[ ! -s o.err ] || fail "$v: stderr: $(cat o.err)"
	done
}

@test "check --output=json: every clean variant as qemu-img (jq -S)" {
	cd "$VARIANTS"
	for v in $(variants); do
		diff -u <(qemu-img check --output=json "$v" | jq -S .) \
			<(img-convert check --output=json "$v" | jq -S .) || fail "$v"
	done
}

@test "check: leaks are counted and listed as qemu-img does, exit 3" {
	cd "$CORRUPT"
	for c in $(cases leak-); do
		both "$c"
		[ "$BOTH_RC" = 3 ] || fail "$c: exit status $BOTH_RC"
		diff -u q.err o.err || fail "$c: stderr differs"
	done
	img-convert check leak-three 2>&1 | grep -q '^Leaked cluster [0-9]* refcount=1 reference=0$'
}

@test "check: corruptions are counted and listed as qemu-img does" {
	cd "$CORRUPT"
	for c in $(cases corrupt-); do
		both "$c"
		[ "$BOTH_RC" = 2 ] || fail "$c: exit status $BOTH_RC"
		diff -u q.err o.err || fail "$c: stderr differs"
	done
}

@test "check --output=json: leaks and corruptions as qemu-img (jq -S)" {
	cd "$CORRUPT"
	for c in $(cases leak-) $(cases corrupt-); do
		diff -u <(qemu-img check --output=json "$c" 2>/dev/null | jq -S .) \
			<(img-convert check --output=json "$c" 2>/dev/null | jq -S .) || fail "$c"
	done
}

# repair MODE NAME: repairs copies with qemu-img and with us; both tools
# must then agree on the repaired image, and its data must equal what
# qemu-img's repair left.
repair() {
	cp "$CORRUPT/$2" ours
	cp "$CORRUPT/$2" theirs
	qemu-img check -r "$1" theirs >q.out 2>&1 || true
	run img-convert check -r "$1" ours
	REPAIR_RC=$status
	# What qemu-img leaves corrupt it may not be able to read.
	if qemu-img check theirs >/dev/null 2>&1; then
		qemu-img compare -q theirs ours || fail "$2: data differs from qemu-img's repair"
	fi
}

@test "check -r leaks: leaks repaired, both tools find the image clean, data unchanged" {
	for c in $(cases leak-); do
		repair leaks "$c"
		[ "$REPAIR_RC" = 0 ] || fail "$c: exit status $REPAIR_RC: $output"
		[[ $output == *"The following inconsistencies were found and repaired:"* ]] ||
			fail "$c: $output"
		qemu-img check ours >/dev/null || fail "$c: qemu-img finds it unclean"
		img-convert check ours >/dev/null || fail "$c: we find it unclean"
		qemu-img compare -q "$CORRUPT/$c" ours || fail "$c: data changed"
	done
}

@test "check -r leaks: the dirty and corrupt bits are cleared once clean" {
	repair leaks leak-dirty
	run qemu-img info --output=json ours
	[[ $output == *'"dirty-flag": false'* ]] || fail "$output"
	repair leaks leak-corrupt-bit
	run qemu-img info --output=json ours
	[[ $output == *'"corrupt": false'* ]] || fail "$output"
}

@test "check -r all: whatever qemu-img repairs we repair, to the same exit status" {
	for c in $(cases leak-) $(cases corrupt-); do
		repair all "$c"
		q_rc=0
		qemu-img check theirs >/dev/null 2>&1 || q_rc=$?
		o_rc=0
		qemu-img check ours >/dev/null 2>&1 || o_rc=$?
		[ "$q_rc" = "$o_rc" ] || fail "$c: qemu-img finds $o_rc after ours, $q_rc after its own"
		img_rc=0
		img-convert check ours >/dev/null 2>&1 || img_rc=$?
		[ "$img_rc" = "$o_rc" ] || fail "$c: we find $img_rc after our repair, qemu-img $o_rc"
	done
}

@test "check -r all: refcounts too low are raised, missing ones rebuilt, data kept" {
	for c in corrupt-refcount-zero corrupt-refcount-low corrupt-no-refblock \
		corrupt-l2-on-reftable corrupt-compressed-zero corrupt-copied-data; do
		repair all "$c"
		[ "$REPAIR_RC" = 0 ] || fail "$c: exit status $REPAIR_RC: $output"
		qemu-img check ours >/dev/null || fail "$c: qemu-img finds it unclean"
		img-convert check ours >/dev/null || fail "$c: we find it unclean"
		qemu-img compare -q "$CORRUPT/$c" ours || fail "$c: data changed"
	done
	cp "$CORRUPT/corrupt-refcount-zero" img
	run img-convert check -r all img
	assert_output --partial "Rebuilding refcount structure"
}

@test "check -r: the repair report and counts are qemu-img's" {
	for c in leak-three corrupt-refcount-low corrupt-copied-l1; do
		for mode in leaks all; do
			cp "$CORRUPT/$c" img
			qemu-img check -r "$mode" img >q.out 2>/dev/null || true
			cp "$CORRUPT/$c" img
			img-convert check -r "$mode" img >o.out 2>/dev/null || true
			diff -u q.out o.out || fail "$c -r $mode"
		done
	done
}

@test "check -r leaks: an image that needs a rebuild is not touched, exit 1" {
	cp "$CORRUPT/corrupt-refcount-zero" img
	cp img before
	run img-convert check -r leaks img
	assert_failure 1
	assert_output --partial "ERROR need to rebuild refcount structures"
	assert_output --partial "Check failed"
	cmp img before
}

@test "check: raw images cannot be checked, exit 63" {
	qemu-img create -q -f raw r.raw 1M
	run img-convert check r.raw
	[ "$status" = 63 ] || fail "exit status $status"
	assert_output --partial "This image format does not support checks"
	run img-convert check -f raw --output=json r.raw
	[ "$status" = 63 ]
}

@test "check -q prints nothing but keeps the exit status" {
	run --separate-stderr img-convert check -q "$CORRUPT/leak-three"
	[ "$status" = 3 ]
	[ -z "$output" ]
	run img-convert check -q "$VARIANTS/v3"
	assert_success
	assert_output ""
}

@test "check: bad options and operands are refused with exit 1" {
	run img-convert check -r some x
	assert_failure 1
	assert_output --partial "--repair (-r) expects 'leaks' or 'all', not 'some'"
	run img-convert check --output=xml x
	assert_failure 1
	run img-convert check
	assert_failure 1
	run img-convert check nonexistent.qcow2
	assert_failure 1
	assert_output --partial "nonexistent.qcow2"
}

@test "check: a missing backing file fails to open, as qemu-img" {
	both "$HOSTILE/backing-missing"
	[ "$BOTH_RC" = 1 ]
}

@test "hostile images: check never crashes or hangs, and never writes its input" {
	for f in "$HOSTILE"/*; do
		[ -f "$f" ] || continue
		sum=$(md5sum <"$f")
		run timeout 20 img-convert check "$f"
		assert_no_crash
		[ "$status" != 124 ] || fail "$f: hung"
		[ "$(md5sum <"$f")" = "$sum" ] || fail "$f: changed"
	done
}

@test "hostile images: check -r all never crashes or hangs" {
	for f in "$HOSTILE"/*; do
		[ -f "$f" ] || continue
		cp "$f" img
		run timeout 20 img-convert check -r all img
		assert_no_crash
		[ "$status" != 124 ] || fail "$f: hung"
	done
}

@test "check: the completion offers the subcommand and the -r values" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert \
		'img-convert ch' \
		'img-convert check -r ' \
		'img-convert check --re'
	assert_success
	assert_line --index 0 "check"
	assert_line --index 1 "leaks all"
	assert_line --index 2 "--repair"
}

@test "check: the man page documents it, its -r values and its exit statuses" {
	run man -l "$TOP/man/img-convert.1"
	assert_success
	assert_output --partial "img-convert check"
	assert_output --partial "--repair leaks|all"
	assert_output --partial "63 when"
}
