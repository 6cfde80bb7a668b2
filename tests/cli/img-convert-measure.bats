#!/usr/bin/env bats
# img-convert measure against qemu-img measure: the same numbers, lines and
# JSON for --size and for images, every -o that changes them, and the same
# refusals.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	head -c 3M /dev/urandom >src.raw
	truncate -s 20M src.raw
	head -c 1M /dev/urandom | dd of=src.raw bs=1M seek=12 conv=notrunc status=none
}

# both ARGS...: ours and qemu-img's standard output, error and status agree.
both() {
	run --separate-stderr img-convert measure "$@"
	local os=$status oo=$output oe=${stderr//img-convert/qemu-img}
	run --separate-stderr qemu-img measure "$@"
	[ "$os" = "$status" ] || fail "$*: status $os, qemu-img's $status"
	if [[ " $* " == *" --output=json "* ]]; then
		[ "$(jq -cS . <<<"$oo")" = "$(jq -cS . <<<"$output")" ] || fail "$*: '$oo' vs '$output'"
	else
		[ "$oo" = "$output" ] || fail "$*: '$oo' vs '$output'"
	fi
	[ "$oe" = "$stderr" ] || fail "$*: stderr '$oe' vs '$stderr'"
}

@test "measure --size: raw and qcow2 with each option that changes the numbers" {
	local s o
	for s in 0 1000 64M 1G 100T; do
		both --size $s
		both -O raw --size $s --output=json
		for o in "" cluster_size=512 cluster_size=4k cluster_size=2M refcount_bits=1 \
			refcount_bits=64 extended_l2=on compat=0.10 preallocation=metadata \
			preallocation=falloc preallocation=full; do
			both -O qcow2 ${o:+-o $o} --size $s
		done
		both -O qcow2 --output=json --size $s
	done
}

@test "measure FILE: data clusters counted, holes and zeros not; chains; JSON" {
	local o
	qemu-img convert -O qcow2 src.raw a.qcow2
	qemu-img create -q -f qcow2 -b a.qcow2 -F qcow2 top.qcow2
	qemu-io -c 'write -P 1 15M 100k' -c 'write -z 0 64k' top.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o preallocation=metadata pm.qcow2 8M
	qemu-io -c 'write -P 2 1M 4k' pm.qcow2 >/dev/null
	qemu-img convert -O vdi src.raw a.vdi
	for f in src.raw a.qcow2 top.qcow2 pm.qcow2 a.vdi; do
		for o in "" cluster_size=4k extended_l2=on,cluster_size=16k compat=0.10 \
			backing_file=x.qcow2 preallocation=full; do
			both -O qcow2 ${o:+-o $o} $f
			both -O qcow2 ${o:+-o $o} --output=json $f
		done
		both -O raw $f
	done
}

@test "measure: persistent bitmaps of a qcow2 source (and none from v2 or raw)" {
	qemu-img create -q -f qcow2 b.qcow2 100M
	qemu-img bitmap --add b.qcow2 b0
	qemu-img bitmap --add -g 512 b.qcow2 a-longer-name
	both -O qcow2 b.qcow2
	both -O qcow2 --output=json b.qcow2
	both -O qcow2 -o cluster_size=4k b.qcow2
	both -O qcow2 -o compat=0.10 b.qcow2
	qemu-img create -q -f qcow2 -o compat=0.10 v2.qcow2 10M
	both -O qcow2 v2.qcow2
	qemu-img create -q -f qcow2 none.qcow2 10M
	both -O qcow2 --output=json none.qcow2
}

@test "measure: refusals as qemu-img's" {
	both
	both --size 1M src.raw
	both src.raw src.raw
	both -f raw --size 1M
	both -O vdi --size 1M
	both -O vpc src.raw
	both -O qcow2 -o cluster_size=4k,extended_l2=on --size 1M
	both -O qcow2 -o compat=0.10,refcount_bits=8 --size 1M
	run img-convert measure -O qcow2 -o nosuch=1 --size 1M
	assert_failure 1
	run img-convert measure --size 1M --output=yaml
	assert_failure 1
	run img-convert measure --help
	assert_success
	assert_output --partial "measure [--output=human|json]"
}

@test "measure: completion offers the command and its options" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert 'img-convert mea' 'img-convert measure --si' \
		'img-convert measure -O qcow2 -o clu'
	assert_success
	assert_line --index 0 "measure"
	assert_line --index 1 "--size"
	assert_line --index 2 "cluster_size="
}
