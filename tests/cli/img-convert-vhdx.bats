#!/usr/bin/env bats
# img-convert reading vhdx (Hyper-V) against qemu-img: every subformat and
# block size qemu-img makes reads, maps and shows the same; a log that needs
# replaying is refused as qemu-img refuses it read-only.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	. "$TOP/tests/fixtures/lib.sh"
}

written() {	# written FILE OPTIONS: a 300 MiB vhdx with data, zeros and holes
	qemu-img create -q -f vhdx ${2:+-o "$2"} "$1" 300M
	qemu-io -f vhdx -c 'write -P 0xab 40M 8k' -c 'write -P 0x11 0 4k' \
		-c 'write -P 0x22 3M 5M' -c 'write -z 4M 64k' -c 'write -P 3 299M 1M' "$1" >/dev/null
}

@test "vhdx: what qemu-io wrote reads, maps and shows as qemu-img's" {
	local o
	for o in "" subformat=fixed block_size=1M block_size=256M,log_size=4M \
		subformat=fixed,block_size=32M block_state_zero=off; do
		rm -f q.vhdx
		written q.vhdx "$o"
		qemu-img convert -O raw q.vhdx q.raw
		img-convert convert -O raw q.vhdx o.raw
		cmp q.raw o.raw || fail "-o $o: raw output differs"
		diff <(img-convert map --output=json q.vhdx) <(qemu-img map --output=json q.vhdx)
		diff <(img-convert info --output=json q.vhdx | jq -S 'del(.filename, .["actual-size"])') \
			<(qemu-img info --output=json q.vhdx | jq -S 'del(.filename, .["actual-size"])')
		run img-convert check q.vhdx
		assert_success
		assert_output "No errors were found on the image."
	done
	# To qcow2, holes kept.
	img-convert convert -O qcow2 q.vhdx q.qcow2
	qemu-img compare -q q.vhdx q.qcow2
	[ "$(qemu-img info --output=json q.qcow2 | jq '.["actual-size"]')" -lt 20000000 ]
}

@test "vhdx: a log that needs replaying is refused, as qemu-img refuses it read-only" {
	qemu-img create -q -f vhdx l.vhdx 64M
	"$TOP/tests/fixtures/vhdx-log.py" l.vhdx
	run -1 qemu-img info l.vhdx
	local want=${lines[0]#qemu-img: Could not open \'l.vhdx\': }
	run -1 img-convert info l.vhdx
	assert_output "img-convert: l.vhdx: $want"
	# Replayed by qemu-img, it reads.
	qemu-img check -q -r all l.vhdx || true
	img-convert info l.vhdx
}

@test "vhdx: hostile files are refused with one line" {
	local want
	written b.vhdx ""
	cp b.vhdx t.vhdx
	truncate -s 8M t.vhdx
	run -1 img-convert info t.vhdx
	want=$(qemu-img info t.vhdx 2>&1 | head -1)
	assert_output "img-convert: t.vhdx: ${want#qemu-img: }"
	cp b.vhdx h.vhdx
	wrhex h.vhdx 65536 00
	wrhex h.vhdx 131072 00
	run -1 img-convert info h.vhdx
	assert_output "img-convert: h.vhdx: No valid VHDX header found"
	cp b.vhdx r.vhdx
	wrhex r.vhdx 196608 00
	run -1 img-convert info r.vhdx
	assert_output "img-convert: r.vhdx: Invalid VHDX region table"
	cp b.vhdx i.vhdx
	wrhex i.vhdx 0 00
	run -1 img-convert info -f vhdx i.vhdx
	assert_output "img-convert: i.vhdx: Invalid VHDX file identifier"
}

@test "vhdx: writing is refused (read-only here), nothing changes" {
	written w.vhdx ""
	local sum
	sum=$(md5sum <w.vhdx)
	qemu-img create -q -f raw s.raw 300M
	run img-convert convert -n -O vhdx s.raw w.vhdx
	assert_failure 1
	run img-convert create -f vhdx x.vhdx 1M
	assert_failure 1
	[ "$(md5sum <w.vhdx)" = "$sum" ]
}
