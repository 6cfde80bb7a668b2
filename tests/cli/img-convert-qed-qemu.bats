#!/usr/bin/env bats
# img-convert on qed against qemu-img: the same lines, files, data, maps and
# checks; what we write qemu-img reads the same and finds clean.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	. "$TOP/tests/fixtures/lib.sh"
	# A raw backing file, and a qed over it with data, zeros over the
	# backing data, a hole (the backing file's) and data past its end.
	qemu-img create -q -f raw base.raw 4M
	qemu-io -f raw -c 'write -P 0x5a 0 4M' base.raw >/dev/null
	qemu-img create -q -f qed -b base.raw -F raw t.qed 6M
	qemu-io -f qed -c 'write -P 0x11 64k 8k' -c 'write -z 1M 128k' \
		-c 'write -P 0x22 5M 100k' -c 'write -P 0x33 3M 3k' t.qed >/dev/null
	# The same without a backing file: data, zeros, holes.
	qemu-img create -q -f qed s.qed 6M
	qemu-io -f qed -c 'write -P 0x11 64k 8k' -c 'write -z 1M 128k' \
		-c 'write -P 0x22 5M 100k' s.qed >/dev/null
}

info() {	# info FILE: qemu-img info's JSON without what differs by file
	qemu-img info --output=json "$1" | jq -S 'del(.filename, .["actual-size"])'
}

ours() {
	img-convert info --output=json "$1" | jq -S 'del(.filename, .["actual-size"])'
}

# The offset of the first L2 table (the first L1 entry) of a 64k-cluster qed.
l2_of() {
	od -A n -t u8 -j 65536 -N 8 "$1" | tr -d ' '
}

@test "qed: create prints qemu-img's line and writes qemu-img's file" {
	local o
	for o in "" cluster_size=4k table_size=2 cluster_size=1M,table_size=16 \
		preallocation=off cluster_size=1M,table_size=8 table_size=1; do
		rm -f a.qed q.qed
		run img-convert create -f qed ${o:+-o "$o"} a.qed 10M
		assert_success
		local mine=$output
		run qemu-img create -f qed ${o:+-o "$o"} q.qed 10M
		[ "$mine" = "${output//q.qed/a.qed}" ] || fail "-o $o: '$mine' vs '$output'"
		cmp a.qed q.qed || fail "-o $o: files differ"
		diff <(ours a.qed) <(info q.qed) || fail "-o $o: info differs"
	done
	for o in "-b base.raw -F raw" "-b t.qed -F qed"; do
		rm -f a.qed q.qed
		run img-convert create -f qed $o a.qed
		assert_success
		mine=$output
		run qemu-img create -f qed $o q.qed
		[ "$mine" = "${output//q.qed/a.qed}" ] || fail "$o: '$mine' vs '$output'"
		cmp a.qed q.qed || fail "$o: files differ"
		diff <(ours a.qed) <(info q.qed) || fail "$o: info differs"
	done
	# Sizes rounded up to a sector, as qemu-img.
	img-convert create -q -f qed a.qed 1000
	[ "$(qemu-img info --output=json a.qed | jq '.["virtual-size"]')" = 1024 ]
}

@test "qed: -o help and bad sizes as qemu-img" {
	run img-convert create -f qed -o help
	assert_success
	assert_line "  table_size=<size>      - L1/L2 table size (in clusters)"
	assert_line "  cluster_size=<size>    - Cluster size (in bytes)"
	run -1 img-convert create -q -f qed -o cluster_size=3k a.qed 1M
	assert_output "img-convert: a.qed: QED cluster size must be within range [4096, 67108864] and power of 2"
	run -1 img-convert create -q -f qed -o table_size=32 a.qed 1M
	assert_output "img-convert: a.qed: QED table size must be within range [1, 16] and power of 2"
	run -1 img-convert create -q -f qed -o static=on a.qed 1M
	# qemu's largest size wraps to 0 with 64 MiB clusters and 16-cluster tables.
	run -1 img-convert create -q -f qed -o cluster_size=64M,table_size=16 a.qed 1M
	assert_output "img-convert: a.qed: QED image size must be a non-zero multiple of cluster size and less than 0 bytes"
	# A table of one cluster qemu-img makes, and neither it nor we open.
	img-convert create -q -f qed -o table_size=1 a.qed 1M
	run -1 img-convert info a.qed
	assert_output "img-convert: a.qed: QED table offset is invalid"
	run -1 qemu-img info a.qed
}

@test "qed: what qemu-io wrote reads, maps and shows as qemu-img's" {
	local f
	for f in t.qed s.qed; do
		qemu-img convert -O raw $f q.raw
		img-convert convert -O raw $f o.raw
		cmp q.raw o.raw || fail "$f: raw output differs"
		diff <(img-convert map --output=json $f) <(qemu-img map --output=json $f)
		diff <(img-convert map $f) <(qemu-img map $f)
		diff <(ours $f) <(info $f)
		diff <(img-convert info $f | grep -v '^disk size') <(qemu-img info $f | grep -v '^disk size')
		run img-convert compare $f q.raw
		assert_success
	done
}

@test "qed: convert -O qed keeps holes and zeroes; qemu-img reads it and finds it clean" {
	local o
	head -c 3M /dev/urandom >src.raw
	head -c 2M /dev/zero >>src.raw
	head -c 300000 /dev/urandom >>src.raw
	truncate -s 9M src.raw
	for o in "" cluster_size=4k,table_size=2 cluster_size=1M; do
		rm -f o.qed q.qed
		img-convert convert -O qed ${o:+-o "$o"} src.raw o.qed
		qemu-img convert -O qed ${o:+-o "$o"} src.raw q.qed
		qemu-img compare -q -f raw -F qed src.raw o.qed
		qemu-img check -q o.qed
		diff <(qemu-img map --output=json o.qed) <(qemu-img map --output=json q.qed)
		[ "$(stat -c %s o.qed)" = "$(stat -c %s q.qed)" ] || fail "-o $o: file size"
		diff <(info o.qed) <(info q.qed)
	done
	# From a qed with a backing file, whole and onto the same backing file.
	img-convert convert -O qed t.qed w.qed
	qemu-img compare -q t.qed w.qed
	qemu-img check -q w.qed
	img-convert convert -O qed -B base.raw -F raw t.qed b.qed
	qemu-img compare -q t.qed b.qed
	qemu-img check -q b.qed
	[ "$(info b.qed | jq -r '.["backing-filename"]')" = base.raw ]
}

@test "qed: writes in place (commit, convert -n) leave it clean, need-check cleared" {
	local e
	cp t.qed base.qed
	qemu-img rebase -q -u -b base.raw -F raw base.qed
	qemu-img create -q -f qcow2 -b base.qed -F qed top.qcow2
	qemu-io -c 'write -P 0x77 2M 300k' -c 'write -P 0x78 3M 4k' -c 'write -z 5M 64k' \
		-c 'write -z 4M 64k' top.qcow2 >/dev/null
	qemu-img convert -O raw top.qcow2 want.raw
	img-convert commit -q top.qcow2
	qemu-img check -q base.qed
	qemu-img compare -q -f raw -F qed want.raw base.qed
	# need-check (bit 1 of the features) cleared at the close.
	[ $(($(od -A n -t u1 -j 16 -N 1 base.qed) & 2)) = 0 ]
	# Over data and holes of an existing image, from a file with zeros.
	head -c 1M /dev/urandom >n.raw
	truncate -s 6M n.raw
	img-convert convert -n -O qed n.raw s.qed
	qemu-img compare -q -f raw -F qed n.raw s.qed
	qemu-img check -q s.qed
	# A grown image reads zeros past the old end.
	img-convert resize s.qed +1M
	truncate -s 7M n.raw
	qemu-img compare -q -f raw -F qed n.raw s.qed
	diff <(ours s.qed) <(info s.qed)
}

@test "qed: rebase rewrites the backing name as qemu-img; a safe one copies first" {
	qemu-img create -q -f raw b2.raw 4M
	qemu-io -f raw -c 'write -P 2 0 2M' b2.raw >/dev/null
	qemu-img convert -O raw t.qed want.raw
	cp t.qed u.qed
	cp t.qed v.qed
	img-convert rebase -u -b b2.raw -F qcow2 u.qed
	qemu-img rebase -u -b b2.raw -F qcow2 v.qed
	cmp u.qed v.qed
	img-convert rebase -b b2.raw -F raw t.qed
	qemu-img compare -q -f raw -F qed want.raw t.qed
	qemu-img check -q t.qed
	[ "$(info t.qed | jq -r '.["backing-filename"]')" = b2.raw ]
	img-convert rebase -b "" t.qed
	qemu-img compare -q -f raw -F qed want.raw t.qed
	[ "$(info t.qed | jq -r '.["backing-filename"]')" = null ]
}

@test "qed: check finds leaks and corruptions and repairs as qemu-img" {
	local l2
	cp s.qed l.qed
	truncate -s +128k l.qed
	run -3 img-convert check l.qed
	diff <(echo "$output") <(qemu-img check l.qed 2>&1)
	diff <(img-convert check --output=json l.qed | jq -S .) <(qemu-img check --output=json l.qed | jq -S .)
	# An entry past the end of the file, and a cluster named twice.
	cp s.qed k.qed
	l2=$(l2_of k.qed)
	wrhex k.qed $((l2 + 8)) 0000ff7f00000000
	dd if=k.qed of=k.qed bs=1 skip=$((l2 + 8 * 80)) seek=$((l2 + 24)) count=8 conv=notrunc status=none
	run -2 img-convert check k.qed
	diff <(echo "$output") <(qemu-img check k.qed 2>&1)
	cp k.qed k2.qed
	cp k.qed bad.qed
	run -2 img-convert check -r all k.qed
	local mine=$output
	run -2 qemu-img check -r all k2.qed
	[ "$mine" = "$output" ] || fail "repair: '$mine' vs '$output'"
	cmp k.qed k2.qed
	# A block status over the bad entry fails with one line.
	run -1 img-convert convert -O raw bad.qed x.raw
	assert_output "img-convert: x.raw: bad.qed: block status at offset 65536: QED cluster offset 0x7fff0000 invalid"
	run -1 qemu-img convert -O raw bad.qed x.raw
}

@test "qed: resize grows only, without preallocation, as qemu-img" {
	img-convert resize s.qed 8M
	[ "$(qemu-img info --output=json s.qed | jq '.["virtual-size"]')" = 8388608 ]
	run -1 img-convert resize --shrink s.qed 1M
	assert_output "img-convert: s.qed: Shrinking images is currently not supported"
	run -1 img-convert resize --preallocation=full s.qed 20M
	assert_output "img-convert: s.qed: Unsupported preallocation mode 'full'"
}

@test "qed: hostile headers are refused with one line" {
	local c off hex want
	qemu-img create -q -f qed h0.qed 8M
	qemu-io -f qed -c 'write -P 1 0 64k' h0.qed >/dev/null
	# qemu-img's words where it refuses; beyond it, a header of no size and
	# a backing file flag without a name.
	while read -r c off hex want; do
		cp h0.qed h.qed
		wrhex h.qed "$off" "$hex"
		run -1 img-convert info -f qed h.qed
		[ "${#lines[@]}" = 1 ] || fail "$c: ${#lines[@]} lines: $output"
		if [ "$want" = qemu ]; then
			want=$output
			run -1 qemu-img info -f qed h.qed
			[ "${want#img-convert: h.qed: }" = "${output#qemu-img: Could not open \'h.qed\': }" ] ||
				fail "$c: '$want' vs '$output'"
		else
			[[ $output == "img-convert: h.qed: "*"$want"* ]] || fail "$c: $output"
		fi
		run -1 img-convert convert -f qed -O raw h.qed h.raw
	done <<-'EOF'
	magic 0 00 Image not in QED format
	features 16 0800000000000000 qemu
	cluster-not-pow2 4 00300000 qemu
	cluster-small 4 00080000 qemu
	cluster-huge 4 00000008 qemu
	table-not-pow2 8 03000000 qemu
	table-zero 8 00000000 qemu
	table-huge 8 20000000 qemu
	size-unaligned 48 0100800000000000 qemu
	size-overflow 48 00000000000000ff qemu
	l1-past-eof 40 0000000100000000 qemu
	l1-unaligned 40 0010000000000000 qemu
	l1-in-header 40 0000000000000000 qemu
	header-size-zero 12 00000000 header size 0
	backing-no-name 16 0100000000000000 backing file name out of the header
	EOF
	# A backing name past the header cluster.
	cp h0.qed h.qed
	wrhex h.qed 16 01
	wrhex h.qed 56 40000000ffff0000
	run -1 img-convert info h.qed
	assert_output --partial "backing file name out of the header"
	# A table offset out of the file (an L1 entry) fails the read, in one line.
	cp h0.qed h.qed
	wrhex h.qed 65536 0000000100000000
	run -1 img-convert convert -O raw h.qed h.raw
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "QED L2 table offset 0x1000000 invalid"
	head -c 40 h0.qed >s.qed
	run -1 img-convert info -f qed s.qed
	[ "${#lines[@]}" = 1 ]
}

@test "qed: completion offers the format and its -o keys" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert 'img-convert create -f qe' 'img-convert convert -O qed -o tab'
	assert_success
	assert_line --index 0 "qed"
	assert_line --index 1 "table_size="
}
