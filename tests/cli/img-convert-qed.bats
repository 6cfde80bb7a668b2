#!/usr/bin/env bats
# img-convert on qed against qemu-img: the same data, maps, info and check
# findings (leaks, corruptions, counts, statuses); images made and written
# here as qemu-img makes them, read back the same and checked clean.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

written() {	# written FILE [OPTIONS]: data, a zero run and holes
	qemu-img create -q -f qed ${2:+-o "$2"} "$1" 64M
	qemu-io -f qed -c 'write -P 1 0 64k' -c 'write -P 2 1M 200k' -c 'write -z 5M 128k' \
		-c 'write -P 3 63M 64k' "$1" >/dev/null
}

same() {	# same CMD FILE: img-convert's output and status as qemu-img's
	local cmd=$1
	shift
	run img-convert $cmd "$@"
	local os=$status oo=$output
	run qemu-img $cmd "$@"
	[ "$os" = "$status" ] || fail "$cmd $*: status $os, qemu-img's $status"
	[ "${oo//img-convert/qemu-img}" = "$output" ] || fail "$cmd $*: '$oo' vs '$output'"
}

@test "qed: reads, maps, shows and checks as qemu-img, with every table and cluster size" {
	local o
	for o in "" cluster_size=16k table_size=16 cluster_size=1M,table_size=16; do
		rm -f q.qed
		written q.qed "$o"
		qemu-img convert -O raw q.qed q.raw
		img-convert convert -O raw q.qed o.raw
		cmp q.raw o.raw || fail "-o $o: raw differs"
		same map --output=json q.qed
		same map q.qed
		diff <(img-convert info --output=json q.qed | jq -S 'del(.["actual-size"])') \
			<(qemu-img info --output=json q.qed | jq -S 'del(.["actual-size"])')
		same check q.qed
		diff <(img-convert check --output=json q.qed | jq -S .) \
			<(qemu-img check --output=json q.qed | jq -S .)
	done
}

@test "qed: a backing file shows through, as qemu-img reads it" {
	written base.qed
	qemu-img create -q -f qed -b base.qed -F qed top.qed
	qemu-io -f qed -c 'write -P 9 1M 4k' top.qed >/dev/null
	qemu-img convert -O raw top.qed q.raw
	img-convert convert -O raw top.qed o.raw
	cmp q.raw o.raw
	same map --output=json top.qed
	diff <(img-convert info --output=json top.qed | jq -S 'del(.["actual-size"])') \
		<(qemu-img info --output=json top.qed | jq -S 'del(.["actual-size"])')
}

@test "qed: leaks and corruptions are found as qemu-img finds them (3, 2)" {
	written q.qed
	cp q.qed leak.qed
	truncate -s $(($(stat -c %s q.qed) + 131072)) leak.qed
	same check leak.qed
	[ "$status" = 3 ]
	cp q.qed bad.qed
	python3 - bad.qed <<-'PY'
	import struct, sys
	d = bytearray(open(sys.argv[1], 'rb').read())
	l1 = struct.unpack('<Q', d[40:48])[0]
	l2 = struct.unpack('<Q', d[l1:l1 + 8])[0]
	d[l2 + 8:l2 + 16] = struct.pack('<Q', 12345)
	open(sys.argv[1], 'wb').write(d)
	PY
	same check bad.qed
	[ "$status" = 2 ]
	run img-convert convert -O raw bad.qed x.raw
	assert_failure 1
	assert_output --partial "QED cluster offset 0x3039 invalid"
}

@test "qed: hostile headers are refused with one line" {
	written q.qed
	. "$TOP/tests/fixtures/lib.sh"
	cp q.qed f.qed
	wrhex f.qed 16 08
	run -1 img-convert info f.qed
	assert_output "img-convert: f.qed: Unsupported QED features: 8"
	cp q.qed c.qed
	wrhex c.qed 4 00300000
	run -1 img-convert info c.qed
	[ "${#lines[@]}" = 1 ]
	cp q.qed l.qed
	wrhex l.qed 40 0000000001000000
	run -1 img-convert info l.qed
	assert_output "img-convert: l.qed: QED table offset is invalid"
}

@test "qed: create prints qemu-img's line and makes its bytes; bad options as qemu-img" {
	local args s a
	qemu-img create -q -f qed base.qed 10M
	for args in "" "-o table_size=2,cluster_size=128k -b base.qed -F qed" "-o cluster_size=3k" \
		"-o table_size=3" "-o cluster_size=16k,table_size=16"; do
		for s in 10M 1000 100G; do
			rm -f a.qed q.qed
			run img-convert create -f qed $args a.qed $s
			a=$output
			run qemu-img create -f qed $args q.qed $s
			[ "$a" = "$(sed 's/q\.qed/a.qed/; s/^qemu-img/img-convert/' <<<"$output")" ] ||
				fail "[$args $s]: '$a' vs '$output'"
			[ ! -e a.qed ] || cmp a.qed q.qed || fail "[$args $s]: bytes differ"
		done
	done
}

@test "qed: convert -O qed, in place, and a commit that copies from the backing file" {
	local o
	head -c 30M /dev/urandom >src.raw
	head -c 5M /dev/zero >>src.raw
	truncate -s 70M src.raw
	for o in "" cluster_size=16k table_size=16 cluster_size=1M; do
		rm -f c.qed
		img-convert convert -O qed ${o:+-o "$o"} src.raw c.qed
		qemu-img check -q c.qed
		qemu-img compare -q src.raw c.qed
		[ "$(stat -c %s c.qed)" -lt 50000000 ]
	done
	written w.qed
	qemu-img create -q -f raw s.raw 64M
	qemu-io -f raw -c 'write -P 5 1M 4k' -c 'write -P 7 50M 2M' s.raw >/dev/null
	img-convert convert -n -O qed s.raw w.qed
	qemu-img check -q w.qed
	qemu-img compare -q s.raw w.qed
	# Partial 1M clusters of b1 take the rest from b0.
	qemu-img create -q -f qed b0.qed 8M
	qemu-io -f qed -c 'write -P 1 0 8M' b0.qed >/dev/null
	qemu-img create -q -f qed -o cluster_size=1M -b b0.qed -F qed b1.qed
	qemu-img create -q -f qed -b b1.qed -F qed t.qed
	qemu-io -f qed -c 'write -P 9 1000 3000' -c 'write -P 8 5M 100' -c 'write -z 7M 64k' \
		t.qed >/dev/null
	qemu-img convert -O raw t.qed before.raw
	img-convert commit -q t.qed
	qemu-img check -q b1.qed
	qemu-img compare -q before.raw b1.qed
}

@test "qed: the need-check bit: set while written, cleared at close; errors stop a writer" {
	. "$TOP/tests/fixtures/lib.sh"
	written q.qed
	# Cleared after our writes.
	qemu-img create -q -f raw s.raw 64M
	img-convert convert -n -O qed s.raw q.qed
	[ "$(od -An -tx1 -j16 -N1 q.qed | tr -d ' ')" = 00 ]
	# A writer died: leaks only, written again; a bad L1 entry, dropped
	# (as qemu repairs an unclean image it opens for writing), then written.
	cp q.qed leak.qed
	wrhex leak.qed 16 02
	truncate -s $(($(stat -c %s leak.qed) + 65536)) leak.qed
	img-convert convert -n -O qed s.raw leak.qed
	cp q.qed bad.qed
	wrhex bad.qed 16 02
	python3 - bad.qed <<-'PY'
	import struct, sys
	d = bytearray(open(sys.argv[1], 'rb').read())
	l1 = struct.unpack('<Q', d[40:48])[0]
	d[l1 + 8:l1 + 16] = struct.pack('<Q', 12345)
	open(sys.argv[1], 'wb').write(d)
	PY
	img-convert convert -n -O qed s.raw bad.qed
	[ "$(od -An -tx1 -j16 -N1 bad.qed | tr -d ' ')" = 00 ]
	qemu-img compare -q -f raw -F qed s.raw bad.qed
}
