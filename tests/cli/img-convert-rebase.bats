#!/usr/bin/env bats
# img-convert rebase and commit against qemu-img: the guest data stays what
# it was, every image written checks clean, the headers say the new chain,
# and the result equals qemu-img's on copies of the same images.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

# chain [OPTS]: base.qcow2 <- mid.qcow2 <- top.qcow2, each with data of its
# own over the others', zeros written over data, and holes everywhere; a
# second base, base2.qcow2, holds other data. OPTS go to every create.
chain() {
	local o=${1:-compat=1.1}
	qemu-img create -q -f qcow2 -o "$o" base.qcow2 8M
	qemu-io -f qcow2 -c 'write -P 0xaa 0 2M' -c 'write -P 0xab 5M 1M' base.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o "$o" -b base.qcow2 -F qcow2 mid.qcow2
	qemu-io -f qcow2 -c 'write -P 0x22 1M 1536k' -c 'write -z 5M 256k' mid.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o "$o" -b mid.qcow2 -F qcow2 top.qcow2
	qemu-io -f qcow2 -c 'write -P 0x11 100k 10k' -c 'write -z 1536k 64k' \
		-c 'write -P 0x12 7M 300k' top.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o "$o" base2.qcow2 8M
	qemu-io -f qcow2 -c 'write -P 0xcc 512k 1M' -c 'write -P 0xcd 5M 2M' base2.qcow2 >/dev/null
}

# What each image of the chain reads, as raw copies beside them (NAME.ref).
snapshot() {
	local f
	for f in "$@"; do
		qemu-img convert -O raw "$f" "${f%.*}.ref"
	done
}

# twin: a copy of every image in q/ for qemu-img, same relative names.
twin() {
	mkdir q
	cp ./*.qcow2 q/
	cp ./*.raw q/ 2>/dev/null || true
}

same_data() {	# same_data A B
	run qemu-img compare "$1" "$2"
	[ "$status" = 0 ] || fail "$1 and $2 differ: $output"
}

clean() {	# clean IMG...: qemu-img check finds nothing
	local f
	for f in "$@"; do
		run qemu-img check "$f"
		[ "$status" = 0 ] || fail "$f: qemu-img check: $output"
	done
}

backing_is() {	# backing_is IMG NAME FMT (both "null" for none)
	local j
	j=$(qemu-img info -U --output=json "$1")
	[ "$(jq -r '."backing-filename"' <<<"$j")" = "$2" ] ||
		fail "$1: backing file $(jq -r '."backing-filename"' <<<"$j"), not $2"
	[ "$(jq -r '."backing-filename-format"' <<<"$j")" = "$3" ] ||
		fail "$1: backing format $(jq -r '."backing-filename-format"' <<<"$j"), not $3"
}

# like_qemu IMG...: each image equals its twin in q/ (data through its chain).
like_qemu() {
	local f
	for f in "$@"; do
		same_data "$f" "q/$f"
	done
}

@test "rebase --help shows its synopsis" {
	run img-convert rebase --help
	assert_success
	assert_output --partial "rebase [-f FMT] [-t CACHE] [-T CACHE] [-p] [-q] [-u] -b BACKING [-F FMT]"
}

@test "rebase: onto another base keeps the data, as qemu-img's" {
	chain
	snapshot top.qcow2
	twin
	run --separate-stderr img-convert rebase -b base2.qcow2 -F qcow2 top.qcow2
	assert_success
	[ -z "$output" ] && [ -z "$stderr" ]
	(cd q && qemu-img rebase -b base2.qcow2 -F qcow2 top.qcow2)
	same_data top.qcow2 top.ref
	clean top.qcow2
	backing_is top.qcow2 base2.qcow2 qcow2
	like_qemu top.qcow2
	# Only FILE was written.
	cmp base.qcow2 q/base.qcow2 && cmp mid.qcow2 q/mid.qcow2 && cmp base2.qcow2 q/base2.qcow2
}

@test "rebase: onto an image further down its chain drops the layer between" {
	chain
	snapshot top.qcow2
	twin
	img-convert rebase -p -b base.qcow2 -F qcow2 top.qcow2 2>progress.err
	grep -q '100.00/100%' progress.err || fail "no progress: $(cat progress.err)"
	(cd q && qemu-img rebase -b base.qcow2 -F qcow2 top.qcow2)
	same_data top.qcow2 top.ref
	clean top.qcow2
	backing_is top.qcow2 base.qcow2 qcow2
	like_qemu top.qcow2
}

@test "rebase -b '': onto nothing copies the whole old chain into the image" {
	chain
	snapshot top.qcow2
	twin
	img-convert rebase -b "" top.qcow2
	(cd q && qemu-img rebase -b "" top.qcow2)
	backing_is top.qcow2 null null
	same_data top.qcow2 top.ref
	clean top.qcow2
	like_qemu top.qcow2
}

@test "rebase: a standalone image onto a base writes zeros where the base has data" {
	chain
	qemu-img convert -O qcow2 top.qcow2 flat.qcow2
	snapshot flat.qcow2
	twin
	img-convert rebase -b base2.qcow2 -F qcow2 flat.qcow2
	(cd q && qemu-img rebase -b base2.qcow2 -F qcow2 flat.qcow2)
	backing_is flat.qcow2 base2.qcow2 qcow2
	same_data flat.qcow2 flat.ref
	clean flat.qcow2
	like_qemu flat.qcow2
}

@test "rebase: version 2 images and 512-byte clusters, safe and onto nothing" {
	chain compat=0.10,cluster_size=512
	snapshot top.qcow2
	twin
	img-convert rebase -b base2.qcow2 -F qcow2 top.qcow2
	(cd q && qemu-img rebase -b base2.qcow2 -F qcow2 top.qcow2)
	same_data top.qcow2 top.ref
	clean top.qcow2
	backing_is top.qcow2 base2.qcow2 qcow2
	like_qemu top.qcow2
	img-convert rebase -b "" top.qcow2
	backing_is top.qcow2 null null
	same_data top.qcow2 top.ref
	clean top.qcow2
}

@test "rebase: a base shorter or longer than the image" {
	qemu-img create -q -f qcow2 short.qcow2 2M
	qemu-io -f qcow2 -c 'write -P 0x31 0 2M' short.qcow2 >/dev/null
	qemu-img create -q -f raw long.raw 16M
	qemu-io -f raw -c 'write -P 0x41 0 16M' long.raw >/dev/null
	qemu-img create -q -f qcow2 -b short.qcow2 -F qcow2 img.qcow2 8M
	qemu-io -f qcow2 -c 'write -P 0x51 1M 64k' img.qcow2 >/dev/null
	snapshot img.qcow2
	twin
	img-convert rebase -b long.raw -F raw img.qcow2
	(cd q && qemu-img rebase -b long.raw -F raw img.qcow2)
	backing_is img.qcow2 long.raw raw
	same_data img.qcow2 img.ref
	clean img.qcow2
	like_qemu img.qcow2
	img-convert rebase -b short.qcow2 -F qcow2 img.qcow2
	backing_is img.qcow2 short.qcow2 qcow2
	same_data img.qcow2 img.ref
	clean img.qcow2
}

@test "rebase -u: rewrites the header only, as qemu-img, byte for byte" {
	local o
	for o in compat=1.1 compat=0.10 lazy_refcounts=on; do
		rm -rf ./* && chain "$o" && twin
		img-convert rebase -u -b base2.qcow2 -F qcow2 top.qcow2
		(cd q && qemu-img rebase -u -b base2.qcow2 -F qcow2 top.qcow2)
		cmp top.qcow2 q/top.qcow2 || fail "$o: the files differ"
		backing_is top.qcow2 base2.qcow2 qcow2
		clean top.qcow2
		img-convert rebase -u -b "" top.qcow2
		(cd q && qemu-img rebase -u -b "" top.qcow2)
		cmp top.qcow2 q/top.qcow2 || fail "$o: the files differ with no backing file"
		backing_is top.qcow2 null null
	done
}

@test "rebase -u: neither the old nor the new backing file need exist" {
	chain
	mv mid.qcow2 moved.qcow2
	run img-convert rebase -u -b gone/nowhere.qcow2 -F qcow2 top.qcow2
	assert_success
	backing_is top.qcow2 gone/nowhere.qcow2 qcow2
	img-convert rebase -u -b moved.qcow2 -F qcow2 top.qcow2
	backing_is top.qcow2 moved.qcow2 qcow2
	clean top.qcow2
	# -u alone removes the backing file, as qemu-img.
	img-convert rebase -u top.qcow2
	backing_is top.qcow2 null null
}

@test "rebase -u keeps the other header extensions: bitmaps survive" {
	chain
	qemu-img bitmap --add top.qcow2 b0
	qemu-img bitmap --add --granularity 128k top.qcow2 b1
	qemu-img info --output=json top.qcow2 | jq -c '."format-specific".data.bitmaps' >before
	img-convert rebase -u -b base2.qcow2 -F qcow2 top.qcow2
	qemu-img info --output=json top.qcow2 | jq -c '."format-specific".data.bitmaps' >after
	diff -u before after
	backing_is top.qcow2 base2.qcow2 qcow2
	clean top.qcow2
}

@test "rebase: relative names resolve against the image's directory" {
	mkdir -p vm/disks other
	qemu-img create -q -f qcow2 other/base.qcow2 4M
	qemu-io -f qcow2 -c 'write -P 0x61 0 1M' other/base.qcow2 >/dev/null
	qemu-img create -q -f qcow2 vm/disks/new.qcow2 4M
	qemu-io -f qcow2 -c 'write -P 0x71 512k 1M' vm/disks/new.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -b ../../other/base.qcow2 -F qcow2 vm/disks/top.qcow2
	qemu-io -f qcow2 -c 'write -P 0x81 2M 64k' vm/disks/top.qcow2 >/dev/null
	snapshot vm/disks/top.qcow2
	mkdir q0 && cp -r vm other q0/
	# From elsewhere: "new.qcow2" is vm/disks/new.qcow2, not ./new.qcow2.
	mkdir elsewhere && cd elsewhere
	img-convert rebase -b new.qcow2 -F qcow2 ../vm/disks/top.qcow2
	cd ..
	(cd q0/vm && qemu-img rebase -b new.qcow2 -F qcow2 disks/top.qcow2)
	backing_is vm/disks/top.qcow2 new.qcow2 qcow2
	same_data vm/disks/top.qcow2 vm/disks/top.ref
	same_data vm/disks/top.qcow2 q0/vm/disks/top.qcow2
	clean vm/disks/top.qcow2
	[ ! -e elsewhere/new.qcow2 ]
}

@test "rebase -F: the format is recorded as given, raw included" {
	chain
	qemu-img convert -O raw base2.qcow2 base2.raw
	snapshot top.qcow2
	twin
	img-convert rebase -b base2.raw -F raw top.qcow2
	(cd q && qemu-img rebase -b base2.raw -F raw top.qcow2)
	backing_is top.qcow2 base2.raw raw
	same_data top.qcow2 top.ref
	clean top.qcow2
	like_qemu top.qcow2
}

@test "rebase: usage errors in qemu-img's words" {
	chain
	run img-convert rebase top.qcow2
	assert_failure 1
	assert_output --partial "Must specify backing file (-b) or use unsafe mode (-u)"
	run img-convert rebase -b base2.qcow2 -F qcow2
	assert_failure 1
	assert_output --partial "Expecting one image file name"
	run img-convert rebase -b base2.qcow2 -F qcow2 top.qcow2 mid.qcow2
	assert_failure 1
	run img-convert rebase -b base2.qcow2 -F vmdk9 top.qcow2
	assert_failure 1
	assert_output --partial "Invalid format name: 'vmdk9'"
	run img-convert rebase -t bogus -b base2.qcow2 -F qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "invalid cache mode 'bogus'"
}

@test "rebase: failures leave the image as it was" {
	chain
	cp top.qcow2 top.orig
	run img-convert rebase -b base2.qcow2 top.qcow2
	assert_failure 1
	assert_output "img-convert: top.qcow2: Could not change the backing file to 'base2.qcow2': backing format must be specified"
	run img-convert rebase -b nothere.qcow2 -F qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "Could not open new backing file 'nothere.qcow2'"
	run img-convert rebase -b top.qcow2 -F qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "the new backing chain holds the image itself"
	mv mid.qcow2 mid.away
	run img-convert rebase -b base2.qcow2 -F qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "mid.qcow2"
	mv mid.away mid.qcow2
	cmp top.qcow2 top.orig
	qemu-img create -q -f raw disk.raw 1M
	run img-convert rebase -f raw -b base2.qcow2 -F qcow2 disk.raw
	assert_failure 1
	assert_output --partial "Could not change the backing file to 'base2.qcow2': Operation not supported"
	run img-convert rebase -f raw -b base2.qcow2 -F qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "Operation not supported"
	cmp top.qcow2 top.orig
}

@test "commit --help shows its synopsis" {
	run img-convert commit --help
	assert_success
	assert_output --partial "commit [-f FMT] [-t CACHE] [-b BASE] [-d] [-p] [-q] FILE"
}

@test "commit: into the immediate backing file, which the image then reads" {
	chain
	snapshot top.qcow2 base.qcow2
	twin
	run --separate-stderr img-convert commit top.qcow2
	assert_success
	assert_output "Image committed."
	(cd q && qemu-img commit -q top.qcow2)
	same_data top.qcow2 top.ref
	same_data base.qcow2 base.ref
	clean top.qcow2 mid.qcow2 base.qcow2
	backing_is top.qcow2 mid.qcow2 qcow2
	like_qemu base.qcow2 mid.qcow2 top.qcow2
	# The overlay is empty again: everything reads from mid.
	run qemu-img map --output=json top.qcow2
	[[ $output != *'"depth": 0'* ]] || fail "top still allocates: $output"
	same_data mid.qcow2 top.ref
}

@test "commit -b: through a chain of three into the base, the overlay kept" {
	chain
	snapshot top.qcow2 mid.qcow2
	twin
	img-convert commit -q -b base.qcow2 top.qcow2
	(cd q && qemu-img commit -q -b base.qcow2 top.qcow2)
	same_data base.qcow2 top.ref
	same_data top.qcow2 top.ref
	clean top.qcow2 mid.qcow2 base.qcow2
	backing_is top.qcow2 mid.qcow2 qcow2
	like_qemu base.qcow2 mid.qcow2 top.qcow2
	# -b implies -d: the overlay still holds its data.
	cmp top.qcow2 q/top.qcow2
	run qemu-img map --output=json top.qcow2
	[[ $output == *'"depth": 0'* ]] || fail "top was emptied: $output"
}

@test "commit -b: the base named as the image records it, or from elsewhere" {
	mkdir -p d
	(cd d && chain)
	snapshot d/top.qcow2
	img-convert commit -q -b mid.qcow2 d/top.qcow2
	same_data d/mid.qcow2 d/top.ref
	run img-convert commit -b base.qcow2 d/top.qcow2
	assert_success
	same_data d/base.qcow2 d/top.ref
	clean d/top.qcow2 d/mid.qcow2 d/base.qcow2
}

@test "commit -d: the overlay keeps its data" {
	chain
	snapshot top.qcow2
	twin
	img-convert commit -q -d top.qcow2
	(cd q && qemu-img commit -q -d top.qcow2)
	same_data mid.qcow2 top.ref
	same_data top.qcow2 top.ref
	clean top.qcow2 mid.qcow2
	like_qemu mid.qcow2 top.qcow2
	cmp top.qcow2 q/top.qcow2
}

@test "commit: into a raw base, which grows to the overlay's size" {
	qemu-img create -q -f raw base.raw 1M
	qemu-io -f raw -c 'write -P 0x33 0 1M' base.raw >/dev/null
	qemu-img create -q -f qcow2 -b base.raw -F raw top.qcow2 4M
	qemu-io -f qcow2 -c 'write -P 0x44 2M 64k' -c 'write -z 0 64k' \
		-c 'write -P 0x45 900k 200k' top.qcow2 >/dev/null
	snapshot top.qcow2
	twin
	img-convert commit -q top.qcow2
	(cd q && qemu-img commit -q top.qcow2)
	[ "$(stat -c %s base.raw)" = 4194304 ] || fail "base.raw did not grow"
	same_data base.raw top.ref
	same_data top.qcow2 top.ref
	clean top.qcow2
	backing_is top.qcow2 base.raw raw
	like_qemu top.qcow2
	same_data base.raw q/base.raw
}

@test "commit: version 2 images, and a base shorter than the overlay" {
	chain compat=0.10
	qemu-img create -q -f qcow2 -o compat=0.10 -b base.qcow2 -F qcow2 big.qcow2 12M
	qemu-io -f qcow2 -c 'write -P 0x55 10M 1M' -c 'write -P 0x56 1M 64k' big.qcow2 >/dev/null
	snapshot top.qcow2 big.qcow2
	twin
	img-convert commit -q top.qcow2
	(cd q && qemu-img commit -q top.qcow2)
	same_data top.qcow2 top.ref
	clean top.qcow2 mid.qcow2
	like_qemu mid.qcow2 top.qcow2
	img-convert commit -q big.qcow2
	(cd q && qemu-img commit -q big.qcow2)
	same_data big.qcow2 big.ref
	same_data base.qcow2 big.ref
	clean big.qcow2 base.qcow2
	like_qemu base.qcow2 big.qcow2
}

@test "commit: errors in qemu-img's words" {
	chain
	run img-convert commit base.qcow2
	assert_failure 1
	assert_output "img-convert: base.qcow2: Image does not have a backing file"
	run img-convert commit -b nothere.qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "Did not find 'nothere.qcow2' in the backing chain of 'top.qcow2'"
	run img-convert commit -b top.qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "Did not find"
	run img-convert commit top.qcow2 mid.qcow2
	assert_failure 1
	assert_output --partial "Expecting one image file name"
	run img-convert commit -t bogus top.qcow2
	assert_failure 1
	assert_output --partial "invalid cache mode 'bogus'"
	run img-convert commit nothere.qcow2
	assert_failure 1
	assert_output "img-convert: nothere.qcow2: No such file or directory"
}

# crash_ok IMG REF WHEN: qemu-img check finds at worst leaks, and IMG reads as REF.
crash_ok() {
	run qemu-img check "$1"
	[ "$status" = 0 ] || [ "$status" = 3 ] || fail "$3: $1: qemu-img check: $output"
	run qemu-img compare "$1" "$2"
	[ "$status" = 0 ] || fail "$3: $1 reads differently: $output"
}

# kill_loop CMD...: runs CMD on fresh copies of pristine/ once for each of
# its writes, killed just before that write (strace's fault injection), and
# calls "after N" each time.
kill_loop() {
	local n i
	cp pristine/* .
	strace -f -o trace -e trace=pwrite64 "$@" >/dev/null
	n=$(grep -c 'pwrite64(' trace)
	[ "$n" -gt 3 ] || fail "only $n writes: nothing to test"
	for ((i = 1; i <= n; i++)); do
		cp pristine/* .
		run strace -f -o /dev/null -e inject=pwrite64:signal=KILL:when="$i" "$@"
		[ "$status" -ne 0 ] || fail "write $i of $n: not killed"
		after "write $i of $n"
	done
}

@test "crash safety: a rebase killed before any of its writes leaves the image reading the same" {
	chain
	snapshot top.qcow2
	mkdir pristine && cp ./*.qcow2 pristine/
	after() { crash_ok top.qcow2 top.ref "$1"; }
	kill_loop img-convert rebase -b base2.qcow2 -F qcow2 top.qcow2
}

@test "crash safety: a commit killed before any of its writes loses nothing" {
	chain
	snapshot top.qcow2
	mkdir pristine && cp ./*.qcow2 pristine/
	after() {
		crash_ok top.qcow2 top.ref "$1"
		run qemu-img check mid.qcow2
		[ "$status" = 0 ] || [ "$status" = 3 ] || fail "$1: mid.qcow2: $output"
	}
	kill_loop img-convert commit -q top.qcow2
	# Through the chain: what mid reads changes as the base takes top's
	# data (as with qemu-img); top's view and the images' metadata hold.
	after() {
		crash_ok top.qcow2 top.ref "$1"
		run qemu-img check base.qcow2
		[ "$status" = 0 ] || [ "$status" = 3 ] || fail "$1: base.qcow2: $output"
	}
	kill_loop img-convert commit -q -b base.qcow2 top.qcow2
}
