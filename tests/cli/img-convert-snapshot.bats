#!/usr/bin/env bats
# img-convert snapshot against qemu-img snapshot: the same list, the same
# messages and exit statuses, snapshots each tool can apply and delete for
# the other, and images qemu-img check finds clean after every operation.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

# An image with data of several kinds: plain, compressed, zeros.
mkimage() {	# mkimage FILE [CREATE-OPTIONS]
	qemu-img create -q -f qcow2 ${2:+-o "$2"} "$1" 8M
	qemu-io -f qcow2 -c 'write -P 0x11 0 1M' -c 'write -c -P 0x22 2M 2M' \
		-c 'write -z 3M 128k' -c 'write -P 0x33 7M 12k' "$1" >/dev/null
}

clean() {	# clean FILE: qemu-img check finds nothing, ours neither
	run qemu-img check "$1"
	assert_success
	assert_output --partial "No errors were found on the image."
	run img-convert check "$1"
	assert_success
}

same() {	# same IMAGE RAW: they read the same, as qemu-img compare says
	run qemu-img compare -f qcow2 -F raw "$1" "$2"
	assert_success
}

# stderr of qemu-img with our name, without its warning about probing raw.
qemu_err() {
	sed -e 's/^qemu-img: /img-convert: /' -e '/^WARNING\|^  /d' "$1"
}

# both ARGS... FILE: qemu-img snapshot and ours on copies of the same
# image; their stdout, their first line of stderr and their exit status
# must be the same.
both() {
	local file=${*: -1} q_rc=0 o_rc=0
	cp "$file" q."$file"
	cp "$file" o."$file"
	qemu-img snapshot "${@:1:$#-1}" q."$file" >q.out 2>q.err || q_rc=$?
	img-convert snapshot "${@:1:$#-1}" o."$file" >o.out 2>o.err || o_rc=$?
	sed -i "s/ q\.$file\b/ $file/g" q.out
	sed -i "s/ o\.$file\b/ $file/g" o.out
	diff -u q.out o.out || fail "$*: stdout differs"
	diff -u <(qemu_err q.err | sed "s/'q\./'/g" | head -n 1) \
		<(sed "s/'o\./'/g" o.err | head -n 1) || fail "$*: stderr differs"
	[ "$q_rc" = "$o_rc" ] || fail "$*: exit status $o_rc, qemu-img $q_rc"
}

@test "snapshot --help shows its synopsis" {
	run img-convert snapshot --help
	assert_success
	assert_output --partial "snapshot [-f FMT] [-q] [-U] -l | -c NAME | -a NAME | -d NAME FILE"
}

@test "snapshot -l prints qemu-img's table for snapshots qemu-img made" {
	mkimage a.qcow2
	qemu-img snapshot -c first a.qcow2
	qemu-img snapshot -c "with a longer name than the column" a.qcow2
	qemu-img snapshot -c sixteen-chars-16 a.qcow2
	qemu-img snapshot -c seventeen-chars17 a.qcow2
	qemu-img snapshot -c "" a.qcow2
	run img-convert snapshot -l a.qcow2
	assert_success
	assert_line --index 0 "Snapshot list:"
	diff -u <(qemu-img snapshot -l a.qcow2) <(img-convert snapshot -l a.qcow2)
	# info keeps printing the same table
	diff -u <(qemu-img info a.qcow2 | sed -n '/^Snapshot list:/,/^Format/p') \
		<(img-convert info a.qcow2 | sed -n '/^Snapshot list:/,/^Format/p')
}

@test "snapshot -c: qemu-img lists ours as we do, and finds the image clean" {
	mkimage a.qcow2
	run img-convert snapshot -c one a.qcow2
	assert_success
	assert_output ""
	clean a.qcow2
	img-convert snapshot -c two a.qcow2
	clean a.qcow2
	diff -u <(qemu-img snapshot -l a.qcow2) <(img-convert snapshot -l a.qcow2)
	run qemu-img snapshot -l a.qcow2
	assert_line --index 2 --regexp '^1         one                   0 B [-0-9]{10} [:0-9]{8} 00:00:00.000          0$'
	assert_line --index 3 --regexp '^2         two  '
}

@test "snapshot -l on an image without snapshots prints nothing" {
	mkimage a.qcow2
	both -l a.qcow2
	[ ! -s o.out ]
}

@test "snapshot -a brings back the data written over since -c (qemu-io writes)" {
	mkimage a.qcow2
	qemu-img convert -O raw a.qcow2 before.raw
	img-convert snapshot -c before a.qcow2
	qemu-io -f qcow2 -c 'write -P 0x44 512k 1M' -c 'write -c -P 0x55 4M 64k' \
		-c 'discard 7M 64k' -c 'write -z 2M 64k' a.qcow2 >/dev/null
	clean a.qcow2
	qemu-img convert -O raw a.qcow2 after.raw
	run qemu-img compare -q before.raw a.qcow2
	assert_failure
	img-convert snapshot -c after a.qcow2
	clean a.qcow2
	run img-convert snapshot -a before a.qcow2
	assert_success
	assert_output ""
	clean a.qcow2
	same a.qcow2 before.raw
	img-convert snapshot -a after a.qcow2
	clean a.qcow2
	same a.qcow2 after.raw
	run img-convert snapshot -d before a.qcow2
	assert_success
	clean a.qcow2
	same a.qcow2 after.raw
	img-convert snapshot -d after a.qcow2
	clean a.qcow2
	same a.qcow2 after.raw
	run qemu-img snapshot -l a.qcow2
	assert_output ""
}

@test "snapshot: qemu-img applies and deletes ours, we apply and delete qemu-img's" {
	for opts in "" compat=0.10 extended_l2=on cluster_size=4k,refcount_bits=64; do
		rm -f a.qcow2
		mkimage a.qcow2 "$opts"
		qemu-img convert -O raw a.qcow2 v0.raw
		img-convert snapshot -c ours a.qcow2
		qemu-io -f qcow2 -c 'write -P 0x66 0 3M' a.qcow2 >/dev/null
		qemu-img convert -O raw a.qcow2 v1.raw
		qemu-img snapshot -c theirs a.qcow2
		qemu-io -f qcow2 -c 'write -P 0x77 1M 6M' a.qcow2 >/dev/null
		qemu-img snapshot -a ours a.qcow2
		clean a.qcow2
		same a.qcow2 v0.raw
		img-convert snapshot -a theirs a.qcow2
		clean a.qcow2
		same a.qcow2 v1.raw
		qemu-img snapshot -d ours a.qcow2
		clean a.qcow2
		img-convert snapshot -d theirs a.qcow2
		clean a.qcow2
		same a.qcow2 v1.raw
	done
}

@test "snapshot -a restores the snapshot's disk size, as qemu-img" {
	mkimage a.qcow2
	qemu-img convert -O raw a.qcow2 small.raw
	img-convert snapshot -c small a.qcow2
	qemu-img resize -q a.qcow2 24M
	qemu-io -f qcow2 -c 'write -P 0x12 20M 1M' a.qcow2 >/dev/null
	qemu-img convert -O raw a.qcow2 big.raw
	img-convert snapshot -c big a.qcow2
	img-convert snapshot -a small a.qcow2
	clean a.qcow2
	same a.qcow2 small.raw
	run qemu-img info --output=json a.qcow2
	assert_output --partial '"virtual-size": 8388608,'
	qemu-img resize -q --shrink a.qcow2 1M
	img-convert snapshot -a big a.qcow2
	clean a.qcow2
	same a.qcow2 big.raw
}

@test "snapshot -d deletes by name only, as qemu-img" {
	mkimage a.qcow2
	qemu-img snapshot -c x a.qcow2
	qemu-img snapshot -c 1 a.qcow2
	both -d 1 a.qcow2
	run img-convert snapshot -l o.a.qcow2
	assert_line --index 2 --regexp '^1         x '
	refute_line --regexp '^2 '
	both -d 3 a.qcow2
	assert_equal "$(cat o.err)" "img-convert: Could not delete snapshot '3': snapshot not found"
}

@test "snapshot -a finds a snapshot by ID, then by name, as qemu-img" {
	mkimage a.qcow2
	qemu-img convert -O raw a.qcow2 one.raw
	img-convert snapshot -c one a.qcow2
	qemu-io -f qcow2 -c 'write -P 0x13 0 1M' a.qcow2 >/dev/null
	img-convert snapshot -c two a.qcow2
	qemu-io -f qcow2 -c 'write -P 0x14 0 1M' a.qcow2 >/dev/null
	img-convert snapshot -a 1 a.qcow2
	same a.qcow2 one.raw
	both -a two a.qcow2
	both -a 2 a.qcow2
}

@test "snapshot errors: unknown names, as qemu-img says them" {
	mkimage a.qcow2
	img-convert snapshot -c s a.qcow2
	both -a nope a.qcow2
	assert_equal "$(cat o.err)" \
		"img-convert: Could not apply snapshot 'nope': Failed to load snapshot: No such file or directory"
	both -d nope a.qcow2
	assert_equal "$(cat o.err)" "img-convert: Could not delete snapshot 'nope': snapshot not found"
	clean a.qcow2
}

@test "snapshot -c refuses a name already taken, leaving the image as it was" {
	mkimage a.qcow2
	img-convert snapshot -c s a.qcow2
	cp a.qcow2 keep.qcow2
	run -1 img-convert snapshot -c s a.qcow2
	assert_output "img-convert: Could not create snapshot 's': a snapshot named 's' already exists"
	cmp a.qcow2 keep.qcow2
}

@test "snapshot on a raw image: qemu-img's messages and exit statuses" {
	qemu-img create -q -f raw r.raw 1M
	both -c x r.raw
	assert_equal "$(cat o.err)" "img-convert: Could not create snapshot 'x': -95 (Operation not supported)"
	both -a x r.raw
	assert_equal "$(cat o.err)" "img-convert: Could not apply snapshot 'x': Block driver does not support snapshots"
	both -d x r.raw
	both -l r.raw
	run img-convert snapshot -f raw -l r.raw
	assert_success
	assert_output ""
}

@test "snapshot usage errors: as qemu-img, exit 1" {
	mkimage a.qcow2
	both -l -c x a.qcow2
	assert_equal "$(head -n 1 o.err)" "img-convert: Cannot mix '-l', '-a', '-c', '-d'"
	both -l -l a.qcow2
	run -1 img-convert snapshot -l
	assert_line --index 0 "img-convert: Expecting one image file name"
	run -1 img-convert snapshot -l a.qcow2 b.qcow2
	assert_line --index 0 "img-convert: Expecting one image file name"
	run -1 img-convert snapshot -l missing.qcow2
	assert_output --partial "missing.qcow2"
	run -1 img-convert snapshot -U -c x a.qcow2
	assert_output "img-convert: a.qcow2: force-share=on can only be used with read-only images"
	run img-convert snapshot -U -l a.qcow2
	assert_success
}

@test "snapshot with no action opens the image and does nothing, as qemu-img" {
	mkimage a.qcow2
	cp a.qcow2 keep.qcow2
	run img-convert snapshot a.qcow2
	assert_success
	assert_output ""
	cmp a.qcow2 keep.qcow2
}

@test "snapshot -c with one-bit refcounts fails and leaves the image clean" {
	mkimage a.qcow2 refcount_bits=1
	run -1 img-convert snapshot -c s a.qcow2
	assert_output --partial "img-convert: Could not create snapshot 's': "
	clean a.qcow2
	run qemu-img snapshot -l a.qcow2
	assert_output ""
}

@test "snapshot completion: its options, and the image's snapshot names after -a and -d" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	mkimage a.qcow2
	img-convert snapshot -c first a.qcow2
	img-convert snapshot -c second a.qcow2
	run complete_lines img-convert \
		'img-convert sn' \
		'img-convert snapshot -' \
		'img-convert snapshot a.qcow2 -a ' \
		'img-convert snapshot a.qcow2 -d s' \
		'img-convert snapshot -c '
	assert_success
	assert_line --index 0 "snapshot"
	assert_line --index 1 -- "-f -q -U -l -c -a -d --help"
	assert_line --index 2 "first second"
	assert_line --index 3 "second"
	assert_equal "${#lines[@]}" 4
}

names() {	# names FILE: the snapshot names qemu-img lists, one line
	qemu-img snapshot -l "$1" | awk 'NR > 2 { print $2 }' | tr '\n' ' '
}

# Each operation killed before each of its writes, on a copy of the image
# the operations before it made: never worse than leaks, and the snapshot
# list as before or as after the operation.
@test "snapshot: killed at every write, the image is never corrupt (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	mkimage cur.qcow2 cluster_size=4k
	qemu-img snapshot -c base cur.qcow2
	qemu-io -f qcow2 -c 'write -P 0x21 100k 300k' cur.qcow2 >/dev/null
	for op in "-c s1" "-a base" "-c s2" "-d s1" "-d base" "-a s2" "-d s2"; do
		cp cur.qcow2 dry.qcow2
		strace -f -o trace -e trace=pwrite64 img-convert snapshot $op dry.qcow2
		n=$(grep -c 'pwrite64(' trace)
		[ "$n" -gt 2 ] || fail "$op: only $n writes"
		before=$(names cur.qcow2)
		after=$(names dry.qcow2)
		for ((i = 1; i <= n; i++)); do
			cp cur.qcow2 k.qcow2
			run strace -f -o /dev/null -e inject=pwrite64:signal=KILL:when="$i" \
				img-convert snapshot $op k.qcow2
			run qemu-img check k.qcow2
			[ "$status" = 0 ] || [ "$status" = 3 ] ||
				fail "$op killed at write $i: qemu-img check exit $status: $output"
			now=$(names k.qcow2)
			[ "$now" = "$before" ] || [ "$now" = "$after" ] ||
				fail "$op killed at write $i: snapshots '$now'"
		done
		mv dry.qcow2 cur.qcow2
	done
}
