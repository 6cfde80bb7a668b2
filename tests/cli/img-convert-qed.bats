#!/usr/bin/env bats
# img-convert reading and checking qed against qemu-img: the same data,
# maps, info and check findings (leaks, corruptions, counts, statuses).

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
	assert_output --partial "invalid cluster offset 12345"
}

@test "qed: hostile headers are refused with one line; writing is refused" {
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
	assert_output "img-convert: l.qed: Invalid QED L1 table offset"
	run img-convert convert -n -O qed q.raw q.qed 2>/dev/null
	assert_failure 1
}
