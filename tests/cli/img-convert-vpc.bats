#!/usr/bin/env bats
# img-convert on vpc (VHD: dynamic, fixed, force_size) against qemu-img: the
# same lines, sizes, data and maps; what we write qemu-img reads the same.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	. "$TOP/tests/fixtures/lib.sh"
	head -c 30M /dev/urandom >src.raw
	head -c 5M /dev/zero >>src.raw
	head -c 3000000 /dev/urandom >>src.raw
	truncate -s 70M src.raw
}

info() {	# info FILE: qemu-img info -f vpc's JSON without what differs by file
	qemu-img info -f vpc --output=json "$1" | jq -S 'del(.filename, .["actual-size"])'
}

# A footer's checksum made right again (at 0 and at the end) after an edit.
fix_checksum() {
	python3 - "$1" <<-'PY'
	import struct, sys
	p = sys.argv[1]
	b = bytearray(open(p, 'rb').read())
	for base in (0, len(b) - 512):
	    f = b[base:base + 512]
	    f[64:68] = b'\0' * 4
	    b[base + 64:base + 68] = struct.pack('>I', ~sum(f) & 0xffffffff)
	open(p, 'wb').write(b)
	PY
}

# The metadata of a VHD: its first 3 MiB, and its last sector.
meta() {
	head -c 3M "$1"
	tail -c 512 "$1"
}

@test "vpc: create prints qemu-img's line and writes its footer, header and table" {
	local o s
	for o in "" subformat=dynamic subformat=fixed force_size=on subformat=fixed,force_size=yes; do
		for s in 64M 1000 1G 2040G; do
			rm -f a.vhd q.vhd
			run img-convert create -f vpc ${o:+-o "$o"} a.vhd $s
			assert_success
			local ours=$output
			run qemu-img create -f vpc ${o:+-o "$o"} q.vhd $s
			[ "$ours" = "${output//q.vhd/a.vhd}" ] || fail "-o $o $s: '$ours' vs '$output'"
			[ "$(stat -c %s a.vhd)" = "$(stat -c %s q.vhd)" ] || fail "-o $o $s: file size"
			# Byte for byte but the footers' timestamp, checksum and UUID
			# (the metadata: a fixed image's disk is a hole).
			diff <(cmp -l <(meta a.vhd) <(meta q.vhd) |
				awk '{ o = ($1 - 1) % 512; if (o < 24 || (o >= 28 && o < 64) || o >= 84) print }') /dev/null ||
				fail "-o $o $s: differs"
			diff <(info a.vhd) <(info q.vhd) || fail "-o $o $s: info differs"
		done
	done
	run img-convert create -q -f vpc a.vhd 2041G
	assert_failure 1
	assert_output --partial "The image size is too large for file format 'vpc'"
}

@test "vpc: -o help and bad options as qemu-img" {
	run img-convert create -f vpc -o help
	assert_success
	assert_line --partial "  force_size=<bool (on/off)> - Force disk size calculation"
	assert_line --partial "  subformat=<str>        - Type of virtual hard disk format."
	run img-convert create -f vpc -o subformat=sparse a.vhd 1M
	assert_failure 1
	run img-convert create -f vpc -o static=on a.vhd 1M
	assert_failure 1
	run img-convert create -q -f vpc -b src.raw -F raw a.vhd 1M
	assert_failure 1
	assert_output --partial "Backing file not supported for file format 'vpc'"
}

@test "vpc: what qemu-io wrote reads, maps and shows as qemu-img's; fixed only with -f vpc" {
	local o
	for o in subformat=dynamic subformat=fixed force_size=on; do
		rm -f q.vhd
		qemu-img create -q -f vpc -o $o q.vhd 64M
		qemu-io -f vpc -c 'write -P 0xab 40M 8k' -c 'write -P 0x11 0 4k' \
			-c 'write -P 0x22 3M 5M' q.vhd >/dev/null
		qemu-img convert -f vpc -O raw q.vhd q.raw
		img-convert convert -f vpc -O raw q.vhd o.raw
		cmp q.raw o.raw || fail "$o: raw output differs"
		diff <(img-convert map -f vpc --output=json q.vhd) <(qemu-img map -f vpc --output=json q.vhd)
		diff <(img-convert map -f vpc q.vhd) <(qemu-img map -f vpc q.vhd)
		diff <(img-convert info -f vpc --output=json q.vhd | jq -S 'del(.filename, .["actual-size"])') \
			<(info q.vhd)
		# Probing: as qemu-img's (a fixed image's footer is only at its end).
		run img-convert info q.vhd
		[ "${lines[1]}" = "$(qemu-img info q.vhd | sed -n 2p)" ]
	done
}

@test "vpc: convert -O vpc keeps holes, lays blocks out as qemu-img and reads back the same" {
	local o
	for o in subformat=dynamic subformat=fixed force_size=on; do
		rm -f o.vhd q.vhd
		img-convert convert -O vpc -o $o src.raw o.vhd
		qemu-img convert -O vpc -o $o src.raw q.vhd
		qemu-img compare -q -f raw -F vpc src.raw o.vhd
		diff <(qemu-img map -f vpc --output=json o.vhd) <(qemu-img map -f vpc --output=json q.vhd)
		[ "$(stat -c %s o.vhd)" = "$(stat -c %s q.vhd)" ]
	done
	# In place: new blocks, data over data, zeros.
	qemu-img create -q -f raw s.raw 64M
	qemu-io -f raw -c 'write -P 0x5a 1M 4k' -c 'write -P 0x77 50M 2M' s.raw >/dev/null
	qemu-img create -q -f vpc -o force_size=on t.vhd 64M
	qemu-io -f vpc -c 'write -P 1 0 8M' t.vhd >/dev/null
	img-convert convert -n -O vpc s.raw t.vhd
	qemu-img compare -q -f raw -F vpc s.raw t.vhd
}

@test "vpc: check and resize are refused as qemu-img refuses them" {
	img-convert create -q -f vpc a.vhd 8M
	run img-convert check a.vhd
	assert_failure 63
	assert_output --partial "This image format does not support checks"
	run img-convert resize a.vhd 16M
	assert_failure 1
	assert_output --partial "cannot be resized"
}

@test "vpc: hostile footers and headers are refused with qemu-img's one line" {
	local c off hex fix want
	qemu-img create -q -f vpc base.vhd 8M
	qemu-io -f vpc -c 'write -P 1 0 64k' base.vhd >/dev/null
	while read -r c off hex fix; do
		cp base.vhd h.vhd
		wrhex h.vhd "$off" "$hex"
		[ "$fix" = fix ] && fix_checksum h.vhd
		run -1 qemu-img info -f vpc h.vhd
		want=${output#qemu-img: Could not open \'h.vhd\': }
		run -1 img-convert info -f vpc h.vhd
		[ "${#lines[@]}" = 1 ] || fail "$c: ${#lines[@]} lines"
		assert_output "img-convert: h.vhd: $want"
	done <<-'EOF'
	checksum 64 00000000 -
	size 48 0000ffff00000000 -
	dyn-magic 512 00 -
	block-size 544 00300000 -
	table-small 540 00000001 -
	table-past-eof 528 00000000ffff0000 -
	block-past-eof 1536 7fffffff -
	EOF
	# Hyper-V's creator: the stored size counts, and 256 TiB is too large.
	cp base.vhd h.vhd
	wrhex h.vhd 28 77696e20
	wrhex h.vhd 48 0000ffff00000000
	fix_checksum h.vhd
	run -1 img-convert info -f vpc h.vhd
	assert_output "img-convert: h.vhd: File too large"
	qemu-img info -f vpc h.vhd 2>&1 | grep -q "File too large"
	head -c 100 base.vhd >s.vhd
	run -1 img-convert info -f vpc s.vhd
	assert_output "img-convert: s.vhd: Invalid header magic"
}

@test "vpc: completion offers the format and its -o keys" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert 'img-convert create -f vpc -o sub' 'img-convert convert -O vpc -o fo'
	assert_success
	assert_line --index 0 "subformat=dynamic subformat=fixed"
	assert_line --index 1 "force_size=on force_size=off"
}
