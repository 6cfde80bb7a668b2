#!/usr/bin/env bats
# img-convert on vhdx (Hyper-V) against qemu-img: every subformat and block
# size qemu-img makes reads, maps and shows the same; what we make and write
# qemu-img reads back the same and checks clean; a log that needs replaying
# is refused.

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

@test "vhdx: a log that needs replaying is replayed by an open for writing, as qemu replays it" {
	qemu-img create -q -f vhdx -o block_size=1M l.vhdx 64M
	qemu-io -f vhdx -c 'write -P 0x11 0 64k' l.vhdx >/dev/null
	"$TOP/tests/fixtures/vhdx-log.py" l.vhdx data
	cp l.vhdx q.vhdx
	# The oracle: qemu's own replay of a copy.
	qemu-img check -q -r all q.vhdx
	qemu-img convert -O raw q.vhdx q.raw
	# Read-only, refused; nothing changed.
	run -1 img-convert convert -O raw l.vhdx o.raw
	assert_output --partial "opened read-only, but contains a log that needs to be replayed"
	run -1 qemu-img info l.vhdx
	# Our open for repairs replays it, and says so as qemu-img does.
	run -0 img-convert check -r all l.vhdx
	assert_output --partial "1 corruptions"
	assert_output --partial "No errors were found on the image."
	run -0 qemu-img check l.vhdx
	assert_output "No errors were found on the image."
	img-convert convert -O raw l.vhdx o.raw
	cmp o.raw q.raw
	qemu-img convert -O raw l.vhdx p.raw
	cmp p.raw q.raw
	# The log's data landed (the sector of 0x5a, the zeros, the new block).
	[ "$(od -An -tx1 -j 4096 -N 1 o.raw)" = " 5a" ]
	[ "$(od -An -tx1 -j 8192 -N 1 o.raw)" = " 00" ]
	[ "$(od -An -tx1 -j $((2 * 1048576 - 1)) -N 1 o.raw)" = " 77" ]
	# Spent: a second open for writing finds nothing more to replay.
	run -0 img-convert check -r all l.vhdx
	assert_output "No errors were found on the image."
}

@test "vhdx: a log that would write over the headers is refused, the file left as it was" {
	qemu-img create -q -f vhdx h.vhdx 64M
	"$TOP/tests/fixtures/vhdx-log.py" h.vhdx hostile
	cp h.vhdx k.vhdx
	run -1 img-convert check -r all h.vhdx
	assert_output "img-convert: h.vhdx: cannot replay the VHDX log: Invalid argument"
	cmp h.vhdx k.vhdx
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

@test "vhdx: create prints qemu-img's line; qemu-img reads what we make and write" {
	local o a
	head -c 30M /dev/urandom >src.raw
	head -c 5M /dev/zero >>src.raw
	head -c 3000000 /dev/urandom >>src.raw
	truncate -s 70M src.raw
	for o in "" subformat=fixed subformat=fixed,block_state_zero=off,block_size=2M,log_size=2M \
		block_size=1M log_size=1500k block_state_zero=off block_size=256M; do
		rm -f o.vhdx q.vhdx c.vhdx
		run img-convert create -f vhdx ${o:+-o "$o"} o.vhdx 300M
		assert_success
		a=$output
		run qemu-img create -f vhdx ${o:+-o "$o"} q.vhdx 300M
		[ "$a" = "${output//q.vhdx/o.vhdx}" ] || fail "-o $o: '$a' vs '$output'"
		qemu-img check -q o.vhdx
		diff <(qemu-img info --output=json o.vhdx | jq -S 'del(.filename, .["actual-size"])') \
			<(qemu-img info --output=json q.vhdx | jq -S 'del(.filename, .["actual-size"])')
		img-convert convert -O vhdx ${o:+-o "$o"} src.raw c.vhdx
		qemu-img check -q c.vhdx
		qemu-img compare -q src.raw c.vhdx
	done
	# Holes kept: a dynamic image holds the data blocks only.
	img-convert convert -O vhdx -o block_size=1M src.raw c.vhdx
	[ "$(stat -c %s c.vhdx)" -lt 45000000 ]
}

@test "vhdx: written in place over qemu-io's blocks; bad options refused" {
	qemu-img create -q -f vhdx w.vhdx 64M
	qemu-io -f vhdx -c 'write -P 1 0 10M' w.vhdx >/dev/null
	qemu-img create -q -f raw s.raw 64M
	qemu-io -f raw -c 'write -P 5 1M 4k' -c 'write -P 7 50M 2M' s.raw >/dev/null
	img-convert convert -n -O vhdx s.raw w.vhdx
	qemu-img check -q w.vhdx
	qemu-img compare -q s.raw w.vhdx
	run img-convert create -f vhdx -o block_size=3M x.vhdx 10M
	assert_failure 1
	assert_output --partial "Block size must be a power of two"
	run img-convert create -f vhdx x.vhdx 65T
	assert_failure 1
	assert_output --partial "Image size too large; max of 64TB"
	run img-convert create -f vhdx -o subformat=foo x.vhdx 10M
	assert_failure 1
	run img-convert create -f vhdx -o help
	assert_line --partial "  log_size=<size>        - Log size; min 1MB."
	[ ! -e x.vhdx ]
}

@test "vhdx: completion offers its -o keys" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert 'img-convert create -f vhdx -o block_st'
	assert_success
	assert_line --index 0 "block_state_zero=on block_state_zero=off"
}
