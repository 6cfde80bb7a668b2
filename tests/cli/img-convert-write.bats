#!/usr/bin/env bats
# img-convert create/resize/amend on qcow2 against qemu-img: same lines, same images.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	mkdir q
}

# Every image we write must check clean.
clean() {
	local f
	for f in "$@"; do
		run qemu-img check "$f"
		[ "$status" -eq 0 ] || fail "qemu-img check $f: $output"
	done
}

# qemu-img info's JSON without what differs by file (name, disk usage).
info() {
	qemu-img info --output=json "$1" | jq -S 'del(.filename, .["actual-size"], .["full-backing-filename"])'
}

actual() {
	qemu-img info --output=json "$1" | jq '.["actual-size"]'
}

# qemu-img map with host offsets dropped: what is allocated, zero, data.
shape() {
	qemu-img map --output=json "$1" | jq -c '[.[] | del(.offset, .start, .length)] |
		reduce .[] as $e ([]; if length > 0 and .[-1] == $e then . else . + [$e] end)'
}

# create with the same arguments as qemu-img, in q/ for qemu-img.
both_create() {
	run img-convert create "$@"
	assert_success
	local ours=$output
	run bash -c 'cd q && qemu-img create "$@"' _ "$@"
	assert_success
	[ "$ours" = "$output" ] || fail "Formatting line: ours '$ours', qemu-img's '$output'"
}

@test "create -f qcow2: each -o option as qemu-img's line and image" {
	local o
	for o in "" compat=0.10 compat=1.1 compat=v2 compat=v3 cluster_size=512 cluster_size=4k \
		cluster_size=2M refcount_bits=1 refcount_bits=2 refcount_bits=8 refcount_bits=64 \
		lazy_refcounts=on lazy_refcounts=off compression_type=zstd compression_type=zlib \
		extended_l2=on extended_l2=on,cluster_size=16k \
		cluster_size=1k,refcount_bits=4,lazy_refcounts=on,compression_type=zstd; do
		rm -f x.qcow2 q/x.qcow2
		both_create -f qcow2 ${o:+-o "$o"} x.qcow2 1G
		clean x.qcow2
		diff <(info x.qcow2) <(info q/x.qcow2) || fail "-o $o: info differs"
	done
}

@test "create: the options show in qemu-img info" {
	img-convert create -q -f qcow2 -o cluster_size=4k,refcount_bits=8,lazy_refcounts=on,compression_type=zstd,extended_l2=on,cluster_size=16k a.qcow2 10M
	clean a.qcow2
	run qemu-img info --output=json a.qcow2
	[ "$(jq '.["cluster-size"]' <<<"$output")" = 16384 ]
	[ "$(jq -r '.["format-specific"].data | "\(.compat) \(.["refcount-bits"]) \(.["lazy-refcounts"]) \(.["compression-type"]) \(.["extended-l2"])"' <<<"$output")" = "1.1 8 true zstd true" ]
	[ "$(jq '.["virtual-size"]' <<<"$output")" = 10485760 ]
}

@test "create: preallocation allocates as qemu-img's" {
	local p a b
	for p in off metadata falloc full; do
		rm -f x.qcow2 q/x.qcow2
		both_create -f qcow2 -o preallocation=$p x.qcow2 600M
		clean x.qcow2
		[ "$(shape x.qcow2)" = "$(shape q/x.qcow2)" ] || fail "$p: map $(shape x.qcow2) vs $(shape q/x.qcow2)"
		a=$(actual x.qcow2) b=$(actual q/x.qcow2)
		[ "$a" -ge $((b * 98 / 100)) ] && [ "$a" -le $((b * 102 / 100 + 8192)) ] ||
			fail "$p: actual-size $a, qemu-img's $b"
	done
	# And they differ from one another as they should.
	[ "$(actual x.qcow2)" -gt $((600 * 1024 * 1024)) ]
}

@test "create: preallocation with a backing file needs extended L2, as qemu-img" {
	qemu-img create -q -f qcow2 base.qcow2 4M
	cp base.qcow2 q/
	run img-convert create -f qcow2 -b base.qcow2 -F qcow2 -o preallocation=falloc t.qcow2
	assert_failure 1
	assert_output --partial "if extended_l2 is on"
	[ ! -e t.qcow2 ]
	both_create -f qcow2 -b base.qcow2 -F qcow2 -o preallocation=falloc,extended_l2=on t.qcow2
	clean t.qcow2
	[ "$(shape t.qcow2)" = "$(shape q/t.qcow2)" ]
}

@test "create -b -F: backing recorded, size taken from it, relative to the image" {
	mkdir sub
	qemu-img create -q -f qcow2 sub/base.qcow2 5M
	qemu-io -c 'write -P 0x33 0 1M' sub/base.qcow2 >/dev/null
	run img-convert create -f qcow2 -b base.qcow2 -F qcow2 sub/top.qcow2
	assert_success
	assert_output "Formatting 'sub/top.qcow2', fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib size=5242880 backing_file=base.qcow2 backing_fmt=qcow2 lazy_refcounts=off refcount_bits=16"
	clean sub/top.qcow2
	run qemu-img info --output=json sub/top.qcow2
	[ "$(jq -r '.["backing-filename"]' <<<"$output")" = base.qcow2 ]
	[ "$(jq -r '.["backing-filename-format"]' <<<"$output")" = qcow2 ]
	qemu-img compare sub/top.qcow2 sub/base.qcow2
	# -o backing_file= and backing_fmt= work too; -b wins over them.
	img-convert create -q -f qcow2 -o backing_file=nothere,backing_fmt=qcow2 -b base.qcow2 sub/t2.qcow2
	[ "$(qemu-img info --output=json sub/t2.qcow2 | jq -r '.["backing-filename"]')" = base.qcow2 ]
}

@test "create -b: refusals as qemu-img's; -u skips opening the backing file" {
	qemu-img create -q -f qcow2 base.qcow2 1M
	run img-convert create -f qcow2 -b base.qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "Backing file specified without backing format"
	assert_output --partial "qcow2"
	run img-convert create -f qcow2 -b nothere -F qcow2 top.qcow2 1M
	assert_failure 1
	assert_output --partial "Could not open backing image"
	run img-convert create -f qcow2 -u -b nothere top.qcow2 1M
	assert_failure 1
	assert_output --partial "without backing format"
	run img-convert create -f qcow2 -u -b nothere -F qcow2 top.qcow2
	assert_failure 1
	assert_output --partial "needs a size"
	run img-convert create -f qcow2 -F qcow2 top.qcow2 1M
	assert_failure 1
	assert_output --partial "Backing format cannot be used without backing file"
	run img-convert create -f qcow2 -b top.qcow2 -F qcow2 top.qcow2 1M
	assert_failure 1
	assert_output --partial "same filename as the backing file"
	[ ! -e top.qcow2 ]
	both_create -f qcow2 -u -b nothere -F qcow2 top.qcow2 1M
	# qemu-img opens it without its (missing) backing file this way.
	local nb='json:{"driver":"qcow2","backing":null,"file":{"driver":"file","filename":"top.qcow2"}}'
	clean "$nb"
	[ "$(qemu-img info --output=json "$nb" | jq -r '.["backing-filename"]')" = nothere ]
}

@test "create -f qcow2: bad options are refused and leave nothing" {
	local o
	for o in cluster_size=3000 cluster_size=4M refcount_bits=3 refcount_bits=128 \
		compat=0.10,lazy_refcounts=on compat=0.10,refcount_bits=8 compat=0.10,extended_l2=on \
		compat=0.10,compression_type=zstd extended_l2=on,cluster_size=4k; do
		run img-convert create -f qcow2 -o "$o" bad.qcow2 1M
		assert_failure 1
		run bash -c 'cd q && qemu-img create -f qcow2 -o "$1" bad.qcow2 1M' _ "$o"
		assert_failure 1
		[ ! -e bad.qcow2 ] || fail "-o $o left bad.qcow2"
	done
	run img-convert create -f qcow2 -o compat=1.2 bad.qcow2 1M
	assert_failure 1
	run img-convert create -f qcow2 -o lazy_refcounts=maybe bad.qcow2 1M
	assert_failure 1
	assert_output --partial "expects 'on' or 'off'"
	run img-convert create -f qcow2 -o compression_type=lz4 bad.qcow2 1M
	assert_failure 1
	run img-convert create -f qcow2 -o bogus=1 bad.qcow2 1M
	assert_failure 1
	assert_output --partial "invalid option 'bogus'"
	run img-convert create -f qcow2 -o size=2M bad.qcow2 1M
	assert_failure 1
	assert_output --partial "specified only once"
	run img-convert create -f qcow2 -o cluster_size=512 bad.qcow2 200G
	assert_failure 1
	assert_output --partial "too large"
	[ ! -e bad.qcow2 ]
}

@test "create -o help lists qcow2's options" {
	run img-convert create -f qcow2 -o help
	assert_success
	local k
	for k in backing_file backing_fmt cluster_size compat compression_type extended_l2 \
		lazy_refcounts preallocation refcount_bits size; do
		assert_output --partial "  $k="
	done
}

@test "create -f qcow2: sizes as qemu-img's (rounded to sectors in the image)" {
	both_create -f qcow2 odd.qcow2 1000
	[ "$(qemu-img info --output=json odd.qcow2 | jq '.["virtual-size"]')" = 1024 ]
	both_create -f qcow2 zero.qcow2 0
	both_create -f qcow2 -o size=3M sz.qcow2
	both_create -f qcow2 big.qcow2 100T
	clean odd.qcow2 zero.qcow2 sz.qcow2 big.qcow2
}

# A qcow2 with data in several places, and its raw copy.
mkdata() {
	qemu-img create -q -f qcow2 ${2:+-o "$2"} "$1" 16M
	qemu-io -c 'write -P 0x11 0 3M' -c 'write -P 0x22 7M 64k' -c 'write -P 0x33 15M 1M' "$1" >/dev/null
}

@test "resize: grow, shrink with --shrink, relative sizes; the same data as qemu-img's" {
	mkdata a.qcow2
	cp a.qcow2 q/a.qcow2
	local s opt size
	for s in :+10M :40M --shrink:-20M --shrink:7M :8M --shrink:9000k; do
		opt=${s%%:*} size=${s#*:}
		run img-convert resize $opt a.qcow2 "$size"
		assert_success
		assert_output "Image resized."
		qemu-img resize -q $opt q/a.qcow2 "$size"
		clean a.qcow2
		[ "$(qemu-img info --output=json a.qcow2 | jq '.["virtual-size"]')" = \
		  "$(qemu-img info --output=json q/a.qcow2 | jq '.["virtual-size"]')" ]
		qemu-img compare a.qcow2 q/a.qcow2
	done
	# Shrinking gave the clusters back: the file is no bigger than qemu-img's.
	[ "$(stat -c %s a.qcow2)" -le "$(stat -c %s q/a.qcow2)" ]
}

@test "resize: shrinking without --shrink and bad sizes are refused, nothing changes" {
	mkdata a.qcow2
	local sum
	sum=$(md5sum <a.qcow2)
	run img-convert resize a.qcow2 8M
	assert_failure 1
	assert_output --partial "Use the --shrink option to perform a shrink operation"
	run img-convert resize a.qcow2 -- -1M
	assert_failure 1
	assert_output --partial "--shrink"
	run img-convert resize a.qcow2 -20M
	assert_failure 1
	assert_output --partial "New image size must be positive"
	run img-convert resize --shrink a.qcow2 1000
	assert_failure 1
	assert_output --partial "multiple of 512"
	run img-convert resize --preallocation=falloc --shrink a.qcow2 8M
	assert_failure 1
	assert_output --partial "Preallocation can only be used for growing images"
	run img-convert resize --preallocation=sometimes a.qcow2 20M
	assert_failure 1
	assert_output --partial "Invalid preallocation mode"
	run img-convert resize a.qcow2
	assert_failure 1
	assert_output --partial "Not enough arguments"
	run img-convert resize a.qcow2 1G 2G
	assert_failure 1
	run img-convert resize nothere.qcow2 1G
	assert_failure 1
	[ "$(md5sum <a.qcow2)" = "$sum" ]
	clean a.qcow2
}

@test "resize --preallocation allocates the new area as qemu-img's" {
	local p
	for p in metadata falloc full; do
		rm -f a.qcow2 q/a.qcow2
		mkdata a.qcow2
		cp a.qcow2 q/a.qcow2
		run img-convert resize --preallocation=$p a.qcow2 300M
		assert_success
		qemu-img resize -q --preallocation=$p q/a.qcow2 300M
		clean a.qcow2
		qemu-img compare a.qcow2 q/a.qcow2
		[ "$(shape a.qcow2)" = "$(shape q/a.qcow2)" ] || fail "$p: $(shape a.qcow2) vs $(shape q/a.qcow2)"
	done
}

@test "resize -q, and raw images" {
	mkdata a.qcow2
	run img-convert resize -q a.qcow2 20M
	assert_success
	assert_output ""
	qemu-img create -q -f raw r.raw 1M
	run img-convert resize -f raw --preallocation=full r.raw 3M
	assert_success
	[ "$(stat -c %s r.raw)" -eq 3145728 ]
	[ "$(du -k r.raw | cut -f1)" -ge 2048 ]
	run img-convert resize -f raw --preallocation=metadata r.raw 4M
	assert_failure 1
	run img-convert resize -f raw --shrink r.raw 1M
	assert_success
	[ "$(stat -c %s r.raw)" -eq 1048576 ]
}

@test "resize: a longer backing file does not show through the grown area" {
	qemu-img create -q -f qcow2 base.qcow2 8M
	qemu-io -c 'write -P 0x5a 0 8M' base.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2 4M
	cp top.qcow2 q/top.qcow2
	cp base.qcow2 q/base.qcow2
	img-convert resize -q top.qcow2 8M
	qemu-img resize -q q/top.qcow2 8M
	clean top.qcow2
	qemu-img compare top.qcow2 q/top.qcow2
	run qemu-io -c 'read -P 0 4M 4M' top.qcow2
	assert_output --partial "read 4194304/4194304"
	refute_output --partial "Pattern verification failed"
}

@test "amend: compat 1.1 to 0.10 keeps the data and turns zero clusters into what reads the same" {
	qemu-img create -q -f qcow2 base.qcow2 16M
	qemu-io -c 'write -P 7 0 16M' base.qcow2 >/dev/null
	local t
	for t in plain backed; do
		rm -f a.qcow2 ref.raw
		if [ $t = plain ]; then
			mkdata a.qcow2
		else
			qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 a.qcow2
		fi
		qemu-io -c 'write -z 1M 1M' -c 'write -P 2 8M 64k' -c 'write -z 8M 64k' -c 'write -z -u 9M 128k' a.qcow2 >/dev/null
		qemu-img convert -O raw a.qcow2 ref.raw
		run img-convert amend -o compat=0.10 a.qcow2
		assert_success
		assert_output ""
		clean a.qcow2
		qemu-img compare -F raw a.qcow2 ref.raw
		[ "$(qemu-img info --output=json a.qcow2 | jq -r '.["format-specific"].data.compat')" = 0.10 ]
		run img-convert amend -o compat=1.1 a.qcow2
		assert_success
		clean a.qcow2
		qemu-img compare -F raw a.qcow2 ref.raw
		[ "$(qemu-img info --output=json a.qcow2 | jq -r '.["format-specific"].data.compat')" = 1.1 ]
	done
}

@test "amend: the downgrade turns lazy refcounts off and drops an unused zstd" {
	qemu-img create -q -f qcow2 -o lazy_refcounts=on,compression_type=zstd a.qcow2 4M
	qemu-io -c 'write -P 1 0 1M' a.qcow2 >/dev/null
	img-convert amend -o compat=0.10 a.qcow2
	clean a.qcow2
	run qemu-img info --output=json a.qcow2
	[ "$(jq -r '.["format-specific"].data | "\(.compat) \(.["compression-type"]) \(.["lazy-refcounts"])"' <<<"$output")" = "0.10 zlib null" ]
}

@test "amend: the downgrade is refused while a v3 feature is in use" {
	local sum
	qemu-img create -q -f qcow2 -o extended_l2=on x.qcow2 4M
	qemu-img create -q -f qcow2 -o compression_type=zstd z.qcow2 4M
	qemu-io -c 'write -c -P 1 0 64k' z.qcow2 >/dev/null
	qemu-img create -q -f qcow2 -o refcount_bits=8 r.qcow2 4M
	qemu-img create -q -f qcow2 b.qcow2 4M
	qemu-img bitmap --add b.qcow2 b0
	for f in x z r b; do
		sum=$(md5sum <$f.qcow2)
		run img-convert amend -o compat=0.10 $f.qcow2
		assert_failure 1
		[ "$(md5sum <$f.qcow2)" = "$sum" ] || fail "$f.qcow2 changed"
		clean $f.qcow2
	done
	run img-convert amend -o compat=0.10 x.qcow2
	assert_output --partial "Cannot downgrade an image with incompatible features 0x10 set"
	run img-convert amend -o compat=0.10 z.qcow2
	assert_output --partial "zstd compression type and existing compressed clusters"
	run img-convert amend -o compat=0.10 r.qcow2
	assert_output --partial "compat=0.10 requires refcount_bits=16"
	run img-convert amend -o compat=0.10,lazy_refcounts=on b.qcow2
	assert_failure 1
	assert_output --partial "Lazy refcounts only supported"
	run img-convert amend -o refcount_bits=8,compat=0.10 b.qcow2
	assert_failure 1
	assert_output --partial "Refcount widths other than 16 bits require"
}

@test "amend: lazy_refcounts on and off, refcount_bits and size" {
	mkdata a.qcow2
	qemu-img convert -O raw a.qcow2 ref.raw
	img-convert amend -o lazy_refcounts=on a.qcow2
	[ "$(qemu-img info --output=json a.qcow2 | jq '.["format-specific"].data["lazy-refcounts"]')" = true ]
	img-convert amend -o lazy_refcounts=off a.qcow2
	[ "$(qemu-img info --output=json a.qcow2 | jq '.["format-specific"].data["lazy-refcounts"]')" = false ]
	local b
	for b in 1 2 4 8 32 64 16; do
		img-convert amend -o refcount_bits=$b a.qcow2
		clean a.qcow2
		qemu-img compare -F raw a.qcow2 ref.raw
		[ "$(qemu-img info --output=json a.qcow2 | jq '.["format-specific"].data["refcount-bits"]')" = $b ]
	done
	img-convert amend -o size=32M a.qcow2
	clean a.qcow2
	[ "$(qemu-img info --output=json a.qcow2 | jq '.["virtual-size"]')" = 33554432 ]
}

@test "amend: a refcount that does not fit the new width is refused" {
	mkdata a.qcow2
	qemu-img snapshot -c s1 a.qcow2
	run img-convert amend -o refcount_bits=1 a.qcow2
	assert_failure 1
	assert_output --partial "Cannot decrease refcount entry width to 1 bits"
	assert_output --partial "has a refcount of 2"
	clean a.qcow2
}

@test "amend: usage and options it does not take" {
	mkdata a.qcow2
	run img-convert amend a.qcow2
	assert_failure 1
	assert_output --partial "Must specify options (-o)"
	run img-convert amend -o cluster_size=4k a.qcow2
	assert_failure 1
	assert_output --partial "only supported for image creation"
	run img-convert amend -o backing_file=x a.qcow2
	assert_failure 1
	assert_output --partial "Cannot amend the backing file"
	run img-convert amend -o bogus=1 a.qcow2
	assert_failure 1
	assert_output --partial "Invalid parameter 'bogus'"
	run img-convert amend -o help a.qcow2
	assert_success
	assert_output --partial "Amend options for 'qcow2':"
	assert_output --partial "refcount_bits="
	qemu-img create -q -f raw r.raw 1M
	run img-convert amend -f raw -o size=2M r.raw
	assert_failure 1
	assert_output --partial "does not support option amendment"
	clean a.qcow2
}

@test "written images read back the same through img-convert and qemu-img" {
	img-convert create -q -f qcow2 -o cluster_size=4k a.qcow2 8M
	qemu-io -c 'write -P 0x44 4095 9000' a.qcow2 >/dev/null
	img-convert resize -q a.qcow2 +1M
	img-convert amend -o refcount_bits=4 a.qcow2
	clean a.qcow2
	img-convert convert -O raw a.qcow2 ours.raw
	qemu-img convert -O raw a.qcow2 theirs.raw
	cmp ours.raw theirs.raw
}

@test "completion offers resize, amend and the qcow2 -o keys" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert \
		'img-convert re' \
		'img-convert am' \
		'img-convert create -f qcow2 -o cluster_size=4k,ext' \
		'img-convert amend -o ref' \
		'img-convert resize --s'
	assert_success
	assert_line --index 0 "resize rebase"
	assert_line --index 1 "amend"
	assert_line --index 2 "cluster_size=4k,extended_l2=on cluster_size=4k,extended_l2=off"
	assert_line --index 3 "refcount_bits="
	assert_line --index 4 "--shrink"
}

@test "bitmaps are kept: resize, convert -n, commit and snapshot -a leave them listed, consistent and counted" {
	local bms
	qemu-img create -q -f qcow2 a.qcow2 64M
	qemu-img bitmap --add a.qcow2 b0
	qemu-img bitmap --add --granularity 4k --disable a.qcow2 b1
	bms=$(qemu-img info --output=json a.qcow2 | jq -c '."format-specific".data.bitmaps')
	qemu-io -c 'write -P 1 0 1M' a.qcow2 >/dev/null
	img-convert resize a.qcow2 +16M
	qemu-img create -q -f raw src.raw 80M
	qemu-io -f raw -c 'write -P 2 4M 1M' src.raw >/dev/null
	img-convert convert -n -O qcow2 src.raw a.qcow2
	img-convert snapshot -c s1 a.qcow2
	img-convert snapshot -a s1 a.qcow2
	qemu-img create -q -f qcow2 -b a.qcow2 -F qcow2 top.qcow2
	qemu-io -c 'write -P 3 8M 64k' top.qcow2 >/dev/null
	img-convert commit top.qcow2
	clean a.qcow2
	[ "$(qemu-img info --output=json a.qcow2 | jq -c '."format-specific".data.bitmaps')" = "$bms" ]
	qemu-img compare -q top.qcow2 a.qcow2
}
