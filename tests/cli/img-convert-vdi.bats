#!/usr/bin/env bats
# img-convert on vdi (dynamic and static) against qemu-img: the same lines,
# data, maps and findings; what we write qemu-img reads back the same.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	. "$TOP/tests/fixtures/lib.sh"
	# A source with data, a zero run and a hole, 70 MiB.
	head -c 30M /dev/urandom >src.raw
	head -c 5M /dev/zero >>src.raw
	head -c 3000000 /dev/urandom >>src.raw
	truncate -s 70M src.raw
}

# qemu-img info's JSON without what differs by file.
info() {
	qemu-img info --output=json "$1" | jq -S 'del(.filename, .["actual-size"])'
}

# The image written by qemu-io, for reading: blocks allocated out of order.
qemu_vdi() {	# qemu_vdi FILE STATIC
	qemu-img create -q -f vdi -o static="$2" "$1" 64M
	qemu-io -f vdi -c 'write -P 0xab 40M 8k' -c 'write -P 0x11 0 4k' \
		-c 'write -P 0x22 1M 3M' -c 'write -z 2M 64k' "$1" >/dev/null
}

@test "vdi: create prints qemu-img's line and writes its header and map" {
	local o
	for o in "" static=on static=off static=yes; do
		run img-convert create -f vdi ${o:+-o "$o"} a.vdi 64M
		assert_success
		local ours=$output
		run qemu-img create -f vdi ${o:+-o "$o"} q.vdi 64M
		[ "$ours" = "${output//q.vdi/a.vdi}" ] || fail "-o $o: '$ours' vs '$output'"
		# Byte for byte but the two random UUIDs (0x188..0x1a8).
		cmp <(head -c 392 a.vdi) <(head -c 392 q.vdi) || fail "-o $o: header differs"
		cmp <(tail -c +425 a.vdi) <(tail -c +425 q.vdi) || fail "-o $o: map differs"
		[ "$(stat -c %s a.vdi)" = "$(stat -c %s q.vdi)" ]
		qemu-img check -q a.vdi
		diff <(info a.vdi) <(info q.vdi)
	done
	# Sizes are rounded up to a sector in the image, as qemu-img's.
	img-convert create -q -f vdi odd.vdi 1000
	[ "$(qemu-img info --output=json odd.vdi | jq '.["virtual-size"]')" = 1024 ]
}

@test "vdi: -o help, bad options and a backing file are refused as qemu-img" {
	run img-convert create -f vdi -o help
	assert_success
	assert_line "  static=<bool (on/off)> - VDI static (pre-allocated) image"
	run img-convert create -f vdi -o static=maybe a.vdi 1M
	assert_failure 1
	run img-convert create -f vdi -o cluster_size=4k a.vdi 1M
	assert_failure 1
	assert_output --partial "invalid option 'cluster_size' for format 'vdi'"
	run img-convert create -q -f vdi -b src.raw -F raw a.vdi 1M
	assert_failure 1
	assert_output --partial "Backing file not supported for file format 'vdi'"
	run img-convert create -q -f vdi a.vdi 600T
	assert_failure 1
	assert_output --partial "Unsupported VDI image size (size is 0x2580000000000, max supported is 0x1fffff8000000)"
	[ ! -e a.vdi ]
}

@test "vdi: what qemu-io wrote reads, maps and shows as qemu-img's" {
	local s
	for s in off on; do
		qemu_vdi q.vdi $s
		qemu-img convert -O raw q.vdi q.raw
		img-convert convert -O raw q.vdi o.raw
		cmp q.raw o.raw || fail "static=$s: raw output differs"
		diff <(img-convert map --output=json q.vdi) <(qemu-img map --output=json q.vdi)
		diff <(img-convert map q.vdi | sed 's/  *$//') <(qemu-img map q.vdi | sed 's/  *$//')
		diff <(img-convert info --output=json q.vdi | jq -S 'del(.filename, .["actual-size"])') \
			<(info q.vdi)
		img-convert compare q.vdi q.raw
		# Probed without -f.
		run img-convert info q.vdi
		assert_line "file format: vdi"
		assert_line "cluster_size: 1048576"
	done
}

@test "vdi: convert -O vdi keeps holes, reads back the same and checks clean" {
	local s
	for s in off on; do
		img-convert convert -O vdi -o static=$s src.raw o.vdi
		qemu-img convert -O vdi -o static=$s src.raw q.vdi
		qemu-img check o.vdi
		qemu-img compare -q src.raw o.vdi
		# The same blocks allocated where qemu-img allocates them.
		diff <(qemu-img map --output=json o.vdi) <(qemu-img map --output=json q.vdi)
		[ "$(stat -c %s o.vdi)" = "$(stat -c %s q.vdi)" ]
	done
	# From vdi to qcow2 and back.
	img-convert convert -O qcow2 o.vdi o.qcow2
	img-convert convert -O vdi o.qcow2 o2.vdi
	qemu-img compare -q src.raw o2.vdi
	# A size that is not a multiple of a sector.
	head -c 1000 /dev/urandom >odd.raw
	img-convert convert -O vdi odd.raw odd.vdi
	qemu-img compare -q odd.raw odd.vdi
}

@test "vdi: written in place (convert -n): data, zeros and new blocks" {
	qemu_vdi t.vdi off
	qemu-img create -q -f raw s.raw 64M
	qemu-io -f raw -c 'write -P 0x5a 1M 4k' -c 'write -P 0x77 50M 2M' s.raw >/dev/null
	img-convert convert -n -O vdi s.raw t.vdi
	qemu-img check t.vdi
	qemu-img compare -q s.raw t.vdi
}

@test "vdi: check finds what qemu-img finds, with its words and status; no repairs" {
	img-convert convert -O vdi src.raw o.vdi
	run img-convert check o.vdi
	assert_success
	assert_output "No errors were found on the image."
	cp o.vdi bad.vdi
	wrhex bad.vdi $((0x204)) 00000000	# block 1 takes block 0's data
	wrhex bad.vdi $((0x208)) 0000007f	# block 2 points past the map
	run --separate-stderr qemu-img check bad.vdi
	local qs=$status qo=$output qe=$stderr
	run --separate-stderr img-convert check bad.vdi
	[ "$status" = "$qs" ] && [ "$status" = 2 ]
	[ "$output" = "$qo" ]
	[ "$stderr" = "$qe" ]
	diff <(img-convert check --output=json bad.vdi | jq -S 'del(.filename)') \
		<(qemu-img check --output=json bad.vdi | jq -S 'del(.filename)')
	run img-convert check -r all o.vdi
	assert_failure 63
	assert_output --partial "This image format does not support checks"
}

@test "vdi: hostile headers are refused with qemu-img's one line" {
	local c off hex want
	qemu-img create -q -f vdi base.vdi 8M
	while read -r c off hex want; do
		cp base.vdi h.vdi
		wrhex h.vdi "$off" "$hex"
		run -1 img-convert info h.vdi
		[ "${#lines[@]}" = 1 ] || fail "$c: ${#lines[@]} lines"
		if [ "$want" = qemu ]; then
			run -1 qemu-img info h.vdi
			want=${output#qemu-img: Could not open \'h.vdi\': }
			run -1 img-convert info h.vdi
		fi
		assert_output "img-convert: h.vdi: $want"
	done <<-'EOF'
	version 68 02000100 qemu
	bmap-align 340 01020000 qemu
	data-align 344 01040000 qemu
	sector 360 00040000 qemu
	block-size 376 00002000 qemu
	disk-size 368 0000000001000000 qemu
	odd-size 368 0102800000000000 qemu
	link 424 01 qemu
	parent 440 01 qemu
	blocks 384 00000040 qemu
	map-past-eof 340 00f00000 VDI block map past the end of the file
	EOF
}

@test "vdi: resize is refused, as qemu-img's driver cannot" {
	img-convert create -q -f vdi a.vdi 8M
	run img-convert resize a.vdi 16M
	assert_failure 1
	assert_output --partial "cannot be resized"
	[ "$(qemu-img info --output=json a.vdi | jq '.["virtual-size"]')" = 8388608 ]
}

@test "vdi: completion offers the format and its -o keys, for create and convert -O" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert \
		'img-convert create -f vd' \
		'img-convert create -f vdi -o st' \
		'img-convert convert -O vdi -o st'
	assert_success
	assert_line --index 0 "vdi"
	assert_line --index 1 "static=on static=off"
	assert_line --index 2 "static=on static=off"
}
