#!/usr/bin/env bats
# img-convert and vmdk: every subformat qemu-img makes read as qemu-img reads
# it, what we write read back by qemu-img, hostile images refused, OVAs.

load common
bats_require_minimum_version 1.5.0

setup_file() {
	export VMDKS=$BATS_FILE_TMPDIR/vmdk HOSTILE=$BATS_FILE_TMPDIR/hostile
	mkdir -p "$VMDKS" "$HOSTILE"
	"$TOP/tests/fixtures/mkvmdk.sh" "$VMDKS" >/dev/null
	"$TOP/tests/fixtures/mkvmdk_hostile.sh" "$HOSTILE" >/dev/null
}

setup() {
	common_setup
}

variants() {
	local r
	for r in "$VMDKS"/*.raw; do
		basename "${r%.raw}"
	done
}

# A raw source with data, a zero run inside data, and holes.
mksrc() {
	qemu-img create -q -f raw "$1" "${2:-8M}"
	qemu-io -f raw -c 'write -P 0x11 0 512k' -c 'write -z 256k 128k' "$1" >/dev/null
	[ -n "$2" ] || qemu-io -f raw -c 'write -P 0x22 5M 5k' "$1" >/dev/null
}

@test "vmdk: every subformat reads as qemu-img reads it" {
	local v
	[ "$(variants | wc -l)" -ge 9 ]
	for v in $(variants); do
		img-convert convert -O raw "$VMDKS/$v.vmdk" out.raw || fail "$v: convert failed"
		cmp out.raw "$VMDKS/$v.raw" || fail "$v: raw output differs"
	done
}

@test "vmdk: info, text and JSON, equals qemu-img's field by field" {
	local v
	for v in $(variants); do
		diff -u <(qemu-img info "$VMDKS/$v.vmdk") <(img-convert info "$VMDKS/$v.vmdk") ||
			fail "info differs for $v"
		diff -u <(qemu-img info --output=json "$VMDKS/$v.vmdk" | jq -S .) \
			<(img-convert info --output=json "$VMDKS/$v.vmdk" | jq -S .) ||
			fail "info json differs for $v"
	done
}

@test "vmdk: info lists cid, parent cid, create type and the extents" {
	run img-convert info "$VMDKS/twoGbMaxExtentFlat.vmdk"
	assert_success
	assert_output --regexp $'cid: [0-9]+\n    parent cid: 4294967295\n    create type: twoGbMaxExtentFlat'
	assert_output --regexp "filename: [^ ]*/twoGbMaxExtentFlat-f001.vmdk"
	assert_output --partial "format: FLAT"
	run img-convert info --output=json "$VMDKS/overlay.vmdk"
	assert_success
	[ "$(jq '.["format-specific"].data["parent-cid"]' <<<"$output")" = \
	  "$(qemu-img info --output=json "$VMDKS/monolithicSparse.vmdk" |
	     jq '.["format-specific"].data.cid')" ]
	run img-convert info --output=json "$VMDKS/streamOptimized.vmdk"
	[ "$(jq '.["format-specific"].data.extents[0].compressed' <<<"$output")" = true ]
}

@test "vmdk: map equals qemu-img's for every subformat" {
	local v
	for v in $(variants); do
		diff -u <(qemu-img map --output=json "$VMDKS/$v.vmdk") \
			<(img-convert map --output=json "$VMDKS/$v.vmdk") ||
			fail "map differs for $v"
	done
}

@test "vmdk: map's human output names each extent file, as qemu-img's" {
	local v
	for v in $(variants); do
		[ "$v" = streamOptimized ] && continue	# compressed: both refuse
		diff -u <(qemu-img map "$VMDKS/$v.vmdk") <(img-convert map "$VMDKS/$v.vmdk") ||
			fail "map differs for $v"
	done
	run img-convert map "$VMDKS/twoGbMaxExtentSparse.vmdk"
	assert_output --partial "twoGbMaxExtentSparse-s001.vmdk"
}

@test "vmdk: check is clean where qemu-img's is, with its exit status" {
	local v
	for v in $(variants); do
		run img-convert check "$VMDKS/$v.vmdk"
		assert_success
		assert_output "No errors were found on the image."
	done
}

@test "vmdk: check of a grain past the end fails as qemu-img's (1), -r is unsupported (63)" {
	run --separate-stderr img-convert check "$HOSTILE/grain-past-eof"
	[ "$status" -eq 1 ]
	[ "$(qemu-img check "$HOSTILE/grain-past-eof" >/dev/null 2>&1; echo $?)" -eq 1 ]
	[ "${stderr_lines[0]}" = "ERROR: cluster offset for sector 0 points after EOF" ]
	assert_equal "${stderr_lines[1]}" "img-convert: $HOSTILE/grain-past-eof: Check failed: Invalid argument"
	cp "$HOSTILE/grain-past-eof" img
	run img-convert check -r all img
	[ "$status" -eq 63 ]
	assert_output --partial "This image format does not support checks"
}

@test "vmdk create: each subformat as qemu-img makes it, checked clean by qemu-img" {
	local s
	for s in monolithicSparse monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat \
		 streamOptimized; do
		run img-convert create -f vmdk -o "subformat=$s" "o-$s.vmdk" 5G
		assert_success
		assert_output "$(qemu-img create -f vmdk -o "subformat=$s" "q-$s.vmdk" 5G |
				 sed 's/q-/o-/')"
		run qemu-img check "o-$s.vmdk"
		assert_success
		diff <(qemu-img info "o-$s.vmdk" | grep -v -e cid: -e 'disk size' -e o- -e q-) \
			<(qemu-img info "q-$s.vmdk" | grep -v -e cid: -e 'disk size' -e o- -e q-) ||
			fail "$s: info differs"
		diff <(sed -e '/CID=/d' -e 's/o-/x-/g' "o-$s.vmdk" | tr -d '\0' | head -c 4096) \
			<(sed -e '/CID=/d' -e 's/q-/x-/g' "q-$s.vmdk" | tr -d '\0' | head -c 4096) ||
			fail "$s: descriptor or header differs"
		[ "$(ls o-"${s}"* | wc -l)" = "$(ls q-"${s}"* | wc -l)" ]
	done
}

@test "vmdk create: compat6, adapter_type, hwversion, zeroed_grain as qemu-img writes them" {
	local o
	for o in compat6=on,adapter_type=lsilogic hwversion=10,adapter_type=buslogic \
		 zeroed_grain=on,adapter_type=legacyESX subformat=streamOptimized,zeroed_grain=on; do
		run img-convert create -f vmdk -o "$o" o.vmdk 100M
		assert_success
		assert_output "$(qemu-img create -f vmdk -o "$o" q.vmdk 100M | sed 's/q.vmdk/o.vmdk/')"
		# The header, the descriptor but its CID, the tables: as qemu-img's.
		cmp <(head -c 512 o.vmdk) <(head -c 512 q.vmdk) || fail "$o: header differs"
		diff <(dd if=o.vmdk bs=512 skip=1 count=20 status=none | tr -d '\0' | sed '/^CID=/d') \
			<(dd if=q.vmdk bs=512 skip=1 count=20 status=none | tr -d '\0' |
			  sed -e '/^CID=/d' -e 's/"q.vmdk"/"o.vmdk"/') || fail "$o: descriptor differs"
		cmp <(tail -c +10753 o.vmdk) <(tail -c +10753 q.vmdk) || fail "$o: tables differ"
	done
}

@test "vmdk create: bad options fail in qemu-img's words" {
	run img-convert create -f vmdk -o compat6=on,hwversion=6 o.vmdk 1M
	assert_failure 1
	assert_line "img-convert: o.vmdk: compat6 cannot be enabled with hwversion set"
	run img-convert create -f vmdk -o adapter_type=scsi o.vmdk 1M
	assert_failure 1
	assert_line "img-convert: o.vmdk: invalid parameter value: scsi"
	run img-convert create -f vmdk -o subformat=sparse o.vmdk 1M
	assert_line "img-convert: o.vmdk: invalid parameter value: sparse"
	run img-convert create -f vmdk -o subformat=monolithicFlat,zeroed_grain=on o.vmdk 1M
	assert_line "img-convert: o.vmdk: Flat image can't enable zeroed grain"
	# Stricter than qemu-img: nothing that could add lines to the descriptor.
	run --separate-stderr img-convert create -q -f vmdk -o 'hwversion=4"
createType="x' o.vmdk 1M
	assert_failure 1
	assert_equal "$stderr" "img-convert: o.vmdk: invalid parameter value: 4\"?createType=\"x"
	run img-convert create -q -f vmdk 'a"b.vmdk' 1M
	assert_failure 1
	assert_output --partial "cannot be written into a vmdk descriptor"
	[ ! -e o.vmdk ] && [ ! -e 'a"b.vmdk' ]
	qemu-img create -q -f raw b.raw 1M
	run img-convert create -f vmdk -b b.raw -F raw o.vmdk
	assert_failure 1
	assert_line "img-convert: o.vmdk: backing_file must be a vmdk image"
}

@test "vmdk create -o help lists the vmdk options" {
	run img-convert create -f vmdk -o help
	assert_success
	assert_line --partial "subformat=<str>"
	assert_line --partial "zeroed_grain=<bool (on/off)>"
	assert_line --partial "adapter_type=<str>"
}

@test "vmdk convert: every subformat written reads back equal in qemu-img, checked clean" {
	local s
	mksrc src.raw
	for s in monolithicSparse monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat \
		 streamOptimized; do
		img-convert convert -O vmdk -o "subformat=$s" src.raw "$s.vmdk"
		run qemu-img compare src.raw "$s.vmdk"
		assert_success
		run qemu-img check "$s.vmdk"
		assert_success
	done
}

@test "vmdk convert: holes and zeros kept as qemu-img keeps them" {
	mksrc src.raw
	img-convert convert -O vmdk src.raw o.vmdk
	qemu-img convert -O vmdk src.raw q.vmdk
	diff <(qemu-img map --output=json o.vmdk) <(qemu-img map --output=json q.vmdk)
	[ "$(stat -c %s o.vmdk)" = "$(stat -c %s q.vmdk)" ]
	img-convert convert -O qcow2 "$VMDKS/monolithicSparse.vmdk" o.qcow2
	qemu-img convert -O qcow2 "$VMDKS/monolithicSparse.vmdk" q.qcow2
	diff <(qemu-img map --output=json o.qcow2) <(qemu-img map --output=json q.qcow2)
	img-convert convert -O qcow2 "$VMDKS/streamOptimized.vmdk" s.qcow2
	qemu-img convert -O qcow2 "$VMDKS/streamOptimized.vmdk" t.qcow2
	diff <(qemu-img map --output=json s.qcow2) <(qemu-img map --output=json t.qcow2)
}

@test "vmdk convert: streamOptimized grains are compressed, on worker threads too" {
	qemu-img create -q -f raw src.raw 8M
	qemu-io -f raw -c 'write -P 0x33 0 4M' src.raw >/dev/null
	img-convert convert -O vmdk -o subformat=streamOptimized src.raw s.vmdk
	[ "$(stat -c %s s.vmdk)" -lt $((1 << 20)) ]
	run qemu-img compare src.raw s.vmdk
	assert_success
	run qemu-img check s.vmdk
	assert_success
	img-convert convert -c -O vmdk -o subformat=streamOptimized src.raw c.vmdk
	run qemu-img compare src.raw c.vmdk
	assert_success
}

@test "vmdk convert -c: other sparse subformats store the grains plain, as qemu-img" {
	mksrc src.raw
	run img-convert convert -c -O vmdk src.raw o.vmdk
	assert_success
	qemu-img convert -c -O vmdk src.raw q.vmdk
	run qemu-img compare src.raw o.vmdk
	assert_success
	diff <(qemu-img map --output=json o.vmdk) <(qemu-img map --output=json q.vmdk)
	run qemu-img check o.vmdk
	assert_success
}

@test "vmdk: an overlay over a vmdk parent is written and read as qemu-img does" {
	mksrc src.raw
	img-convert convert -O vmdk src.raw base.vmdk
	run img-convert create -f vmdk -b base.vmdk -F vmdk top.vmdk
	assert_success
	assert_output "$(qemu-img create -f vmdk -b base.vmdk -F vmdk q.vmdk | sed 's/q.vmdk/top.vmdk/')"
	grep -qa 'parentFileNameHint="base.vmdk"' top.vmdk
	[ "$(qemu-img info --output=json top.vmdk | jq '.["format-specific"].data["parent-cid"]')" = \
	  "$(qemu-img info --output=json base.vmdk | jq '.["format-specific"].data.cid')" ]
	cp src.raw mod.raw
	qemu-io -f raw -c 'write -P 0x44 3000 100' mod.raw >/dev/null
	img-convert convert -n -O vmdk mod.raw top.vmdk
	run qemu-img compare top.vmdk mod.raw
	assert_success
	run img-convert compare top.vmdk mod.raw
	assert_success
	run qemu-img check top.vmdk
	assert_success
}

@test "vmdk: writes change the CID, as qemu does" {
	img-convert create -q -f vmdk o.vmdk 1M
	before=$(img-convert info --output=json o.vmdk | jq '.["format-specific"].data.cid')
	mksrc src.raw 1M
	img-convert convert -n -O vmdk src.raw o.vmdk
	after=$(img-convert info --output=json o.vmdk | jq '.["format-specific"].data.cid')
	[ "$before" != "$after" ]
}

@test "vmdk: hostile images are refused with one line, never a crash or a hang" {
	local f
	for f in "$HOSTILE"/*; do
		[ -f "$f" ] || continue
		# Extent files, and a grain only writes must avoid (below).
		case $f in *-flat | */grain-over-gd) continue ;; esac
		run --separate-stderr timeout 20 img-convert convert -f vmdk -O raw "$f" out.raw
		assert_no_crash
		[ "$status" != 124 ] || fail "$f: hung"
		[ "$status" = 1 ] || fail "$f: accepted"
		[ "${#stderr_lines[@]}" = 1 ] || fail "$f: ${#stderr_lines[@]} lines: $stderr"
	done
}

@test "vmdk: extent names that leave the descriptor's directory are refused" {
	local c
	for c in extent-absolute extent-dotdot extent-subdir; do
		run img-convert info "$HOSTILE/$c"
		assert_failure 1
		assert_output --partial "is not a file beside the descriptor"
	done
	run img-convert info "$HOSTILE/extent-self"
	assert_output --partial "is the descriptor itself"
	run img-convert info "$HOSTILE/extent-twice"
	assert_output --partial "is named twice"
}

@test "vmdk: a grain over the metadata is never written" {
	cp "$HOSTILE/grain-over-gd" img.vmdk
	gd=$(od -An -tx1 -j 15360 -N 2048 img.vmdk | md5sum)
	mksrc src.raw 1M
	run img-convert convert -n -O vmdk src.raw img.vmdk
	assert_failure 1
	[ "$(od -An -tx1 -j 15360 -N 2048 img.vmdk | md5sum)" = "$gd" ]
}

# An OVA as VMware exports one: the OVF first, a manifest, the disk.
mkova() {
	mkdir -p ova
	img-convert convert -O vmdk -o subformat=streamOptimized "$1" ova/disk1.vmdk
	printf '<?xml version="1.0"?>\n<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/>\n' \
		>ova/app.ovf
	(cd ova && sha256sum --tag app.ovf disk1.vmdk | sed 's/ (\(.*\)) = /(\1)= /' >app.mf)
	tar -C ova --format=ustar -cf app.ova app.ovf app.mf disk1.vmdk
}

@test "OVA: the disk is read inside the tar, without extracting" {
	mksrc src.raw
	mkova src.raw
	rm -rf ova
	run img-convert info app.ova
	assert_success
	assert_line "file format: vmdk"
	assert_line "    create type: streamOptimized"
	run img-convert convert -O qcow2 app.ova disk.qcow2
	assert_success
	run qemu-img compare src.raw disk.qcow2
	assert_success
	run img-convert convert -n -O vmdk src.raw app.ova
	assert_failure 1
	assert_output --partial "read-only"
}

@test "vmdk: the completion offers the format and convert's -o keys for -O vmdk" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert \
		'img-convert create -f vm' \
		'img-convert convert -f raw -O vmdk -o subformat=str' \
		'img-convert create -f vmdk -o adapter_type=l'
	assert_success
	assert_line --index 0 "vmdk"
	assert_line --index 1 "subformat=streamOptimized"
	assert_line --index 2 "adapter_type=lsilogic adapter_type=legacyESX"
}

# ova_fixture: the fixture's OVA in the test's directory, made once per file.
ova_fixture() {
	[ -f "$BATS_FILE_TMPDIR/ova/app.ova" ] ||
		"$TOP/tests/fixtures/mkova.sh" "$BATS_FILE_TMPDIR/ova" >/dev/null
	OVA=$BATS_FILE_TMPDIR/ova
}

@test "ova: the OVF becomes a domain that validates, each disk a pool volume" {
	ova_fixture
	run --separate-stderr img-convert ova "$OVA/app.ova"
	assert_success
	[ -z "$stderr" ]
	printf '%s\n' "$output" >dom.xml
	valid_xml dom.xml
	grep -q '<name>appliance</name>' dom.xml
	grep -q '<memory unit="KiB">1048576</memory>' dom.xml
	grep -q '<vcpu placement="static">2</vcpu>' dom.xml
	grep -q '<target dev="sda" bus="scsi"/>' dom.xml
	grep -q '<target dev="sdb" bus="sata"/>' dom.xml
	grep -q '<model type="vmxnet3"/>' dom.xml
	grep -q '<mac address="00:50:56:12:34:56"/>' dom.xml
	grep -q '<os firmware="efi">' dom.xml
	grep -q '<source network="default"/>' dom.xml
	run qemu-img compare "$OVA/disk1.raw" "$VIRTUTILS_ROOT/images/appliance-disk1.qcow2"
	assert_success
	run qemu-img compare "$OVA/disk2.raw" "$VIRTUTILS_ROOT/images/appliance-disk2.qcow2"
	assert_success
	run qemu-img check "$VIRTUTILS_ROOT/images/appliance-disk1.qcow2"
	assert_success
}

@test "ova: --name, --network, -O raw and another pool" {
	ova_fixture
	mkdir p2
	pool-ctl pool-define-as p2 dir --target "$BATS_TEST_TMPDIR/p2" >/dev/null
	pool-ctl pool-start p2 >/dev/null
	run --separate-stderr img-convert ova --pool p2 --name web --network lan -O raw "$OVA/app.ova"
	assert_success
	printf '%s\n' "$output" >dom.xml
	valid_xml dom.xml
	grep -q '<name>web</name>' dom.xml
	grep -q '<source network="lan"/>' dom.xml
	grep -q "<source file=\"$BATS_TEST_TMPDIR/p2/web-disk1.img\"/>" dom.xml
	cmp "$OVA/disk1.raw" p2/web-disk1.img
}

@test "ova: a file that does not match the manifest is refused and nothing is left" {
	ova_fixture
	mkdir pkg
	tar -C pkg -xf "$OVA/app.ova"
	printf 'X' | dd of=pkg/app-disk2.vmdk bs=1 seek=70000 conv=notrunc status=none
	tar -C pkg --format=ustar -cf bad.ova app.ovf app.mf app-disk1.vmdk app-disk2.vmdk
	run --separate-stderr img-convert ova bad.ova
	assert_failure 1
	assert_equal "$stderr" "img-convert: bad.ova: checksum of app-disk2.vmdk does not match the manifest"
	[ -z "$(ls "$VIRTUTILS_ROOT/images" 2>/dev/null)" ]
}

@test "ova: a disk that fails to convert leaves no volume behind" {
	ova_fixture
	mkdir pkg
	tar -C pkg -xf "$OVA/app.ova"
	printf '\xff\xff\xff\xff' | dd of=pkg/app-disk2.vmdk bs=1 seek=56 conv=notrunc status=none
	rm pkg/app.mf
	tar -C pkg --format=ustar -cf bad.ova app.ovf app-disk1.vmdk app-disk2.vmdk
	run --separate-stderr img-convert ova bad.ova
	[ "$status" = 1 ]
	[[ ${stderr_lines[0]} == *"no manifest"* ]]
	[ "${#stderr_lines[@]}" = 2 ]
	[ -z "$(ls "$VIRTUTILS_ROOT/images")" ]
}

@test "ova: an OVF that names a missing disk or gives no memory is refused in one line" {
	ova_fixture
	mkdir pkg
	tar -C pkg -xf "$OVA/app.ova"
	rm pkg/app.mf
	tar -C pkg --format=ustar -cf nodisk.ova app.ovf app-disk1.vmdk
	run --separate-stderr img-convert ova nodisk.ova
	[ "$status" = 1 ]
	assert_equal "${stderr_lines[1]}" "img-convert: nodisk.ova: the OVF names disk 'app-disk2.vmdk', which the archive lacks"
	sed -i '/ResourceType>4</d' pkg/app.ovf
	tar -C pkg --format=ustar -cf nomem.ova app.ovf app-disk1.vmdk app-disk2.vmdk
	run --separate-stderr img-convert ova nomem.ova
	[ "$status" = 1 ]
	assert_equal "${stderr_lines[1]}" "img-convert: nomem.ova: OVF: the hardware section gives no memory"
}

@test "ova: the completion offers the command and its options" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert 'img-convert ov' 'img-convert ova --po'
	assert_success
	assert_line --index 0 "ova"
	assert_line --index 1 "--pool"
}

@test "ova --help shows its synopsis" {
	run img-convert ova --help
	assert_success
	assert_output --partial "ova [--pool POOL] [--name NAME]"
}

@test "vmdk convert: a size that is not whole sectors is rounded up, as qemu-img does" {
	head -c 1000000 /dev/urandom >odd.raw
	for s in streamOptimized monolithicSparse monolithicFlat; do
		run img-convert convert -O vmdk -o "subformat=$s" odd.raw "o-$s.vmdk"
		assert_success
		qemu-img convert -O vmdk -o "subformat=$s" odd.raw "q-$s.vmdk"
		[ "$(qemu-img info "o-$s.vmdk" | grep virtual)" = "$(qemu-img info "q-$s.vmdk" | grep virtual)" ]
		run qemu-img compare odd.raw "o-$s.vmdk"
		assert_success
	done
}

@test "vmdk: a parent written since the overlay was made is refused, as qemu-img does" {
	qemu-img create -q -f vmdk base.vmdk 1M
	qemu-img create -q -f vmdk -b base.vmdk -F vmdk top.vmdk
	img-convert convert -O raw top.vmdk before.raw
	mksrc src.raw 1M
	img-convert convert -n -O vmdk src.raw base.vmdk
	run qemu-img convert -O raw top.vmdk q.raw
	assert_failure 1
	run img-convert convert -O raw top.vmdk o.raw
	assert_failure 1
	assert_output --partial "the parent's CID is not the one recorded"
}

@test "vmdk convert: incompressible grains are stored, read back equal, as large as qemu-img's" {
	head -c 3M /dev/urandom >rand.raw
	qemu-io -f raw -c 'write -P 0x61 1M 64k' rand.raw >/dev/null
	img-convert convert -O vmdk -o subformat=streamOptimized rand.raw o.vmdk
	qemu-img convert -O vmdk -o subformat=streamOptimized rand.raw q.vmdk
	run qemu-img compare rand.raw o.vmdk
	assert_success
	run qemu-img check o.vmdk
	assert_success
	[ "$(stat -c %s o.vmdk)" -le "$(stat -c %s q.vmdk)" ]
}

@test "vmdk resize is refused in qemu-img's words" {
	img-convert create -q -f vmdk r.vmdk 1M
	run img-convert resize r.vmdk 2M
	assert_failure 1
	assert_output "img-convert: r.vmdk: Image format driver does not support resize"
}

@test "ova: a SHA1 manifest is verified too" {
	ova_fixture
	mkdir pkg
	tar -C pkg -xf "$OVA/app.ova"
	(cd pkg && sha1sum --tag app.ovf app-disk1.vmdk app-disk2.vmdk |
		sed 's/ (\(.*\)) = /(\1)= /' >app.mf)
	tar -C pkg --format=ustar -cf sha1.ova app.ovf app.mf app-disk1.vmdk app-disk2.vmdk
	run --separate-stderr img-convert ova sha1.ova
	assert_success
	[ -z "$stderr" ]
	img-convert ova --name other sha1.ova >/dev/null
	sed -i 's/^\(SHA1(app.ovf)= \)./\10/' pkg/app.mf
	grep -q '^SHA1(app.ovf)= 0' pkg/app.mf
	head -c 1 <(sha1sum pkg/app.ovf) | grep -q 0 && skip "the sum starts with 0 already"
	tar -C pkg --format=ustar -cf bad1.ova app.ovf app.mf app-disk1.vmdk app-disk2.vmdk
	run --separate-stderr img-convert ova --name third bad1.ova
	assert_failure 1
	assert_equal "$stderr" "img-convert: bad1.ova: checksum of app.ovf does not match the manifest"
}

@test "vmdk: zeros over data become zeroed-grain entries where the image has them" {
	qemu-img create -q -f vmdk -o zeroed_grain=on z.vmdk 1M
	qemu-io -f vmdk -c 'write -P 0x11 0 1M' z.vmdk >/dev/null
	qemu-img create -q -f vmdk p.vmdk 1M
	qemu-io -f vmdk -c 'write -P 0x11 0 1M' p.vmdk >/dev/null
	qemu-img create -q -f raw src.raw 1M
	qemu-io -f raw -c 'write -P 0x22 0 64k' src.raw >/dev/null
	img-convert convert -n -O vmdk src.raw z.vmdk
	img-convert convert -n -O vmdk src.raw p.vmdk
	run qemu-img compare src.raw z.vmdk
	assert_success
	run qemu-img compare src.raw p.vmdk
	assert_success
	# zeroed grains: allocated zeros; without the feature: data written as zeros
	[ "$(qemu-img map --output=json z.vmdk | jq -c '[.[] | select(.zero)] | length')" -ge 1 ]
	[ "$(qemu-img map --output=json z.vmdk | jq -c '[.[] | select(.zero and .present)] | length')" -ge 1 ]
	run qemu-img check z.vmdk
	assert_success
}
