#!/usr/bin/env bats
# pool-ctl: virsh's pool-* and vol-* commands on a state root of the test's
# own; every image checked by qemu-img, every XML by libvirt's schemas.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	IMAGES=$VIRTUTILS_ROOT/images
	LOOPS=()
}

teardown() {
	local l m f
	# Every image a test leaves in the default pool passes qemu-img check
	# (raw has no checks: 63); "bad" ones are broken on purpose.
	for f in "$IMAGES"/*; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		[[ ${f##*/} == bad* ]] && continue
		qemu-img check -q "$f" >/dev/null 2>&1 || [ $? -eq 63 ] ||
			fail "qemu-img check ${f##*/} failed"
	done
	for m in $(awk -v d="$BATS_TEST_TMPDIR" 'index($2, d) == 1 { print $2 }' /proc/self/mounts); do
		umount "$m" 2>/dev/null || true
	done
	for l in "${LOOPS[@]}"; do
		losetup -d "$l" 2>/dev/null || true
	done
}

# check_image FILE: qemu-img finds nothing wrong (raw has no checks: 63).
check_image() {
	run qemu-img check "$1"
	[ "$status" -eq 0 ] || [ "$status" -eq 63 ] || fail "qemu-img check $1: $output"
}

# One line on stderr, "pool-ctl: object: what", and the status.
assert_error() {
	local want_status=$1 want=$2
	assert_equal "$status" "$want_status"
	assert_equal "${#lines[@]}" "$(( want_status == 2 ? 2 : 1 ))"
	assert_line --index 0 "pool-ctl: $want"
}

need_qcow2_writer() {
	pool-ctl --root "$BATS_TEST_TMPDIR/probe" -q vol-create-as default probe 1M \
		--format qcow2 >/dev/null 2>&1 ||
		skip "the qcow2 writer (img) is not there yet"
}

# need_loop SIZE_MB: a loop device on a new image file, detached in teardown.
need_loop() {
	need_root "loop devices"
	local img=$BATS_TEST_TMPDIR/loop$RANDOM.img dev
	truncate -s "${1}M" "$img"
	dev=$(losetup -f --show "$img" 2>/dev/null) || skip "loop devices are not permitted here"
	LOOPS+=("$dev")
	LOOP=$dev
}

# vol_matches_qemu VOL FILE: capacity, allocation, format, backing store of
# vol-dumpxml equal qemu-img info --output=json.
vol_matches_qemu() {
	local xml json
	xml=$(pool-ctl vol-dumpxml default "$1")
	json=$(qemu-img info --output=json "$2")
	echo "$xml" | valid_xml - storagevol.rng
	assert_equal "$(xmllint --xpath 'string(/volume/capacity)' - <<<"$xml")" \
		"$(jq -r '.["virtual-size"]' <<<"$json")"
	assert_equal "$(xmllint --xpath 'string(/volume/allocation)' - <<<"$xml")" \
		"$(jq -r '.["actual-size"]' <<<"$json")"
	assert_equal "$(xmllint --xpath 'string(/volume/target/format/@type)' - <<<"$xml")" \
		"$(jq -r '.format' <<<"$json")"
	assert_equal "$(xmllint --xpath 'string(/volume/backingStore/path)' - <<<"$xml")" \
		"$(jq -r '.["full-backing-filename"] // ""' <<<"$json")"
	assert_equal "$(xmllint --xpath 'string(/volume/backingStore/format/@type)' - <<<"$xml")" \
		"$(jq -r '.["backing-filename-format"] // ""' <<<"$json")"
}

# ---- the command line ----

@test "help, version, and usage errors exit 2 with one line and a hint" {
	run pool-ctl --help
	assert_success
	assert_output --partial "vol-create-as    POOL NAME CAPACITY"
	run pool-ctl vol-wipe --help
	assert_success
	assert_output --partial "pool-ctl vol-wipe [--pool P] VOL [--algorithm ALG]"
	run pool-ctl --version
	assert_output --regexp "^pool-ctl from virtutils "
	run pool-ctl
	assert_error 2 "no command specified"
	run pool-ctl frobnicate
	assert_error 2 "frobnicate: unknown command"
	run pool-ctl list --bytes
	assert_error 2 "unrecognized option '--bytes'"
	run pool-ctl info
	assert_error 2 "info: missing pool name"
	run pool-ctl uuid a b
	assert_error 2 "uuid: unexpected argument 'b'"
	run pool-ctl list --all --inactive
	assert_error 2 "options --all and --inactive cannot be combined"
	assert_line --index 1 "Try 'pool-ctl --help' for more information."
}

@test "virsh's pool- spellings name the same commands" {
	run pool-ctl pool-list --all --name
	assert_success
	assert_output "default"
	run pool-ctl pool-info default
	assert_success
	run pool-ctl pool-define-as p2 dir - - - - "$BATS_TEST_TMPDIR/p2"
	assert_output "Pool p2 defined"
}

# ---- the default pool ----

@test "a default dir pool on the state root's images/ comes with first use" {
	run pool-ctl list --all
	assert_success
	assert_output " Name      State    Autostart
-------------------------------
 default   active   yes"
	[ "$(stat -c %a "$IMAGES")" = 711 ]
	run pool-ctl dumpxml --inactive default
	assert_output --partial "<path>$IMAGES</path>"
	pool-ctl dumpxml default | valid_xml - storagepool.rng
	[ -L "$VIRTUTILS_ROOT/autostart/pools/default" ]
}

@test "an undefined default pool stays undefined" {
	pool-ctl -q destroy default
	run pool-ctl undefine default
	assert_output "Pool default has been undefined"
	run pool-ctl list --all --name
	assert_success
	assert_output ""
}

# ---- define, create ----

@test "define from a file and from stdin; dumpxml adds uuid and sizes" {
	printf '<pool type="dir">\n  <name>p1</name>\n  <target>\n    <path>%s/p1</path>\n  </target>\n</pool>\n' \
		"$BATS_TEST_TMPDIR" >p1.xml
	run pool-ctl define p1.xml
	assert_success
	assert_output "Pool p1 defined from p1.xml"
	sed 's/p1/p2/g' p1.xml | pool-ctl define - >out
	assert_equal "$(cat out)" "Pool p2 defined from -"
	run pool-ctl dumpxml p1
	assert_output --regexp "<uuid>[0-9a-f-]{36}</uuid>"
	refute_output --partial "<capacity"
	pool-ctl dumpxml p1 | valid_xml - storagepool.rng
	pool-ctl -q start --build p1
	run pool-ctl dumpxml p1
	assert_output --partial '<capacity unit="bytes">'
	assert_output --partial '<available unit="bytes">'
	pool-ctl dumpxml p1 | valid_xml - storagepool.rng
	run pool-ctl dumpxml --inactive p1
	refute_output --partial "<capacity"
	# A running pool's dump defines it again, without the sizes.
	pool-ctl dumpxml p1 >dump.xml
	run pool-ctl define dump.xml
	assert_output "Pool p1 defined from dump.xml"
	run pool-ctl dumpxml --inactive p1
	refute_output --partial "<capacity"
}

@test "invalid XML is refused with line and column, and the old definition stays" {
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/p1"
	pool-ctl dumpxml p1 >before
	printf '<pool type="dir">\n<name>p1</name>\n<target><path>/elsewhere</path></targt>\n</pool>\n' >bad.xml
	run pool-ctl define bad.xml
	assert_error 1 "bad.xml: line 3 column 40: Opening and ending tag mismatch: target line 3 and targt"
	pool-ctl dumpxml p1 | diff before -
	run pool-ctl define /nonexistent.xml
	assert_error 1 "/nonexistent.xml: No such file or directory"
	echo '<pool type="lvm"><name>p1</name></pool>' >lvm.xml
	run pool-ctl define lvm.xml
	assert_error 1 "lvm.xml: unknown pool type 'lvm'"
	echo '<pool type="dir"><name>../p1</name><target><path>/x</path></target></pool>' >n.xml
	run pool-ctl define n.xml
	assert_error 1 "n.xml: invalid pool name '../p1': letters, digits and _.+:- only, not first . or -, 1 to 255 bytes"
	pool-ctl dumpxml p1 | diff before -
}

@test "define keeps a pool's UUID and refuses another one or a taken target" {
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/p1"
	uuid=$(pool-ctl uuid p1)
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/p1b"
	assert_equal "$(pool-ctl uuid p1)" "$uuid"
	pool-ctl dumpxml p1 | sed "s/$uuid/11111111-2222-4333-8444-555555555555/" >other.xml
	run pool-ctl define other.xml
	assert_error 1 "other.xml: pool 'p1' already exists with uuid $uuid"
	run pool-ctl define-as p2 dir --target "$BATS_TEST_TMPDIR/p1b/"
	assert_error 1 "p2: pool 'p1' already has target '$BATS_TEST_TMPDIR/p1b'"
}

@test "define-as: positional fields with - for blanks, named options, --print-xml" {
	run pool-ctl define-as guest_images_lvm logical - - /dev/sdc libvirt_lvm \
		/dev/libvirt_lvm --print-xml
	assert_success
	assert_output '<pool type="logical">
  <name>guest_images_lvm</name>
  <source>
    <device path="/dev/sdc"/>
    <name>libvirt_lvm</name>
  </source>
  <target>
    <path>/dev/libvirt_lvm</path>
  </target>
</pool>'
	echo "$output" | valid_xml - storagepool.rng
	run pool-ctl define-as phy_disk disk --source-format=gpt --source-dev=/dev/sdb \
		--target /dev --print-xml
	assert_output --partial '<format type="gpt"/>'
	echo "$output" | valid_xml - storagepool.rng
	run pool-ctl define-as --name n1 --type netfs --source-host 10.0.1.99 \
		--source-path /volume1/VM --source-format auto --target /mnt/vm --print-xml
	echo "$output" | valid_xml - storagepool.rng
	run pool-ctl define-as fsp fs - - /dev/sdc1 - /guest_images --print-xml
	assert_output --partial '<device path="/dev/sdc1"/>'
	run pool-ctl list --all --name
	assert_output "default"
	run pool-ctl define-as onlyname
	assert_error 2 "define-as: missing pool type"
	run pool-ctl define-as x dir
	assert_error 1 "x: a pool of type 'dir' needs a target path"
	run pool-ctl define-as x fs - - - - /mnt
	assert_error 1 "x: a pool of type 'fs' needs a source device"
	run pool-ctl define-as a b c d e f g h
	assert_error 2 "define-as: unexpected argument 'h'"
}

@test "create and create-as make transient pools that destroy removes" {
	printf '<pool type="dir"><name>t1</name><target><path>%s/t1</path></target></pool>' \
		"$BATS_TEST_TMPDIR" >t1.xml
	run pool-ctl create --build t1.xml
	assert_output "Pool t1 created from t1.xml"
	run pool-ctl create-as t2 dir - - - - "$BATS_TEST_TMPDIR/t2" --build
	assert_output "Pool t2 created"
	run pool-ctl create t1.xml
	assert_error 1 "t1.xml: pool 't1' already exists"
	run pool-ctl list --transient --name
	assert_output "t1
t2"
	run pool-ctl list --persistent --name
	assert_output "default"
	run pool-ctl info t1
	assert_line "Persistent:     no"
	run pool-ctl autostart t1
	assert_error 1 "t1: cannot set autostart for a transient pool"
	run pool-ctl undefine t1
	assert_error 1 "t1: pool is active; destroy it first"
	run pool-ctl destroy t1
	assert_output "Pool t1 destroyed"
	run pool-ctl info t1
	assert_error 1 "t1: no storage pool with matching name or uuid"
	run pool-ctl create-as t3 dir - - - - "$BATS_TEST_TMPDIR/t3" --print-xml
	assert_output --partial "<name>t3</name>"
	run pool-ctl create-as t4 dir - - - - "$BATS_TEST_TMPDIR/nodir"
	assert_error 1 "t4: cannot open target '$BATS_TEST_TMPDIR/nodir': No such file or directory; build the pool first"
}

# ---- life of a dir pool ----

@test "build, start, destroy, delete, undefine, with virsh's messages" {
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/a/p1"
	run pool-ctl start p1
	assert_error 1 "p1: cannot open target '$BATS_TEST_TMPDIR/a/p1': No such file or directory; build the pool first"
	run pool-ctl build p1
	assert_output "Pool p1 built"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/a/p1")" = 711 ]
	run pool-ctl build --overwrite --no-overwrite p1
	assert_error 2 "options --overwrite and --no-overwrite cannot be combined"
	run pool-ctl start p1
	assert_output "Pool p1 started"
	run pool-ctl start p1
	assert_error 1 "p1: pool is already active"
	run pool-ctl refresh p1
	assert_output "Pool p1 refreshed"
	run pool-ctl undefine p1
	assert_error 1 "p1: pool is active; destroy it first"
	run pool-ctl delete p1
	assert_error 1 "p1: pool is active; destroy it first"
	run pool-ctl destroy p1
	assert_output "Pool p1 destroyed"
	run pool-ctl destroy p1
	assert_error 1 "p1: pool is not active"
	run pool-ctl refresh p1
	assert_error 1 "p1: pool is not active"
	run pool-ctl delete p1
	assert_output "Pool p1 deleted"
	[ ! -e "$BATS_TEST_TMPDIR/a/p1" ]
	run pool-ctl undefine p1
	assert_output "Pool p1 has been undefined"
	run pool-ctl undefine p1
	assert_error 1 "p1: no storage pool with matching name or uuid"
}

@test "start --build builds first; delete of a non-empty pool says what to do" {
	pool-ctl -q define-as --name p1 --type dir --target "$BATS_TEST_TMPDIR/p1"
	run pool-ctl start --build p1
	assert_output "Pool p1 started"
	pool-ctl -q vol-create-as p1 v 1M
	pool-ctl -q destroy p1
	run pool-ctl delete p1
	assert_error 1 "p1: target '$BATS_TEST_TMPDIR/p1' is not empty; delete its volumes first"
	[ -f "$BATS_TEST_TMPDIR/p1/v" ]
	run pool-ctl vol-list p1
	assert_error 1 "p1: pool 'p1' is not active"
}

@test "a pool is named by its UUID as well; name converts back" {
	uuid=$(pool-ctl uuid default)
	run pool-ctl info "$uuid"
	assert_line --index 0 "Name:           default"
	run pool-ctl name "$uuid"
	assert_output "default"
	run pool-ctl name default
	assert_error 1 "default: not a UUID"
	run pool-ctl name 11111111-2222-4333-8444-555555555555
	assert_error 1 "11111111-2222-4333-8444-555555555555: no storage pool with matching name or uuid"
	run pool-ctl uuid --pool default
	assert_output "$uuid"
}

@test "autostart, --disable and start-all" {
	pool-ctl -q define-as a1 dir --target "$BATS_TEST_TMPDIR/a1"
	pool-ctl -q build a1
	pool-ctl -q define-as a2 dir --target "$BATS_TEST_TMPDIR/a2"
	run pool-ctl autostart a1
	assert_output "Pool a1 marked as autostarted"
	run pool-ctl start-all
	assert_success
	assert_output "Pool a1 started"
	run pool-ctl list --autostart --name
	assert_output "a1
default"
	run pool-ctl list --no-autostart --all --name
	assert_output "a2"
	pool-ctl -q autostart a2
	run pool-ctl start-all
	assert_failure 1
	assert_output "pool-ctl: a2: cannot open target '$BATS_TEST_TMPDIR/a2': No such file or directory; build the pool first"
	run pool-ctl autostart --disable a2
	assert_output "Pool a2 unmarked as autostarted"
	run pool-ctl start-all
	assert_success
	assert_output ""
}

@test "list: filters, --type, --details, --name, --json, -q" {
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/p1"
	pool-ctl -q define-as p2 logical - - /dev/sdz vg0
	run pool-ctl list --inactive
	assert_output " Name   State      Autostart
------------------------------
 p1     inactive   no
 p2     inactive   no"
	run pool-ctl list --all --type dir --name
	assert_output "default
p1"
	run pool-ctl list --all --type logical,fs --name
	assert_output "p2"
	run pool-ctl list --type btrfs
	assert_error 2 "invalid pool type 'btrfs'"
	run pool-ctl list --all --details
	assert_line --index 0 --regexp "^ Name +State +Autostart +Persistent +Capacity +Allocation +Available$"
	assert_line --index 2 --regexp "^ default +running +yes +yes +[0-9.]+ [KMGT]iB +[0-9.]+ [KMGT]iB +[0-9.]+ [KMGT]iB$"
	assert_line --index 3 --regexp "^ p1 +inactive +no +yes +- +- +-$"
	run pool-ctl -q list --all
	assert_output " default   active     yes
 p1        inactive   no
 p2        inactive   no"
	run pool-ctl list --all --json
	assert_success
	assert_equal "$(jq -r '.[0].name, .[0].state, .[0].autostart, .[0].type' <<<"$output")" \
		"default
running
true
dir"
	assert_equal "$(jq -r '.[1].capacity, .[1].state' <<<"$output")" "null
inactive"
	jq -e '.[0].capacity > 0 and .[0].available <= .[0].capacity' <<<"$output"
	run pool-ctl list --details --name
	assert_error 2 "options --details and --name cannot be combined"
}

@test "info, with and without --bytes" {
	run pool-ctl info default
	assert_line --index 0 "Name:           default"
	assert_line --index 1 --regexp "^UUID:           [0-9a-f-]{36}$"
	assert_line --index 2 "State:          running"
	assert_line --index 3 "Persistent:     yes"
	assert_line --index 4 "Autostart:      yes"
	assert_line --index 5 --regexp "^Capacity:       [0-9]+\.[0-9]{2} [KMGTPE]?i?B$"
	run pool-ctl info --bytes default
	assert_line --index 5 --regexp "^Capacity:       [0-9]+$"
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/p1"
	run pool-ctl info p1
	assert_equal "${#lines[@]}" 5
	assert_line --index 2 "State:          inactive"
}

@test "edit: VISUAL, then EDITOR; unchanged, edited, or refused with the old kept" {
	pool-ctl -q define-as p1 dir --target "$BATS_TEST_TMPDIR/p1"
	printf '#!/bin/sh\nsed -i "s|/p1</path>|/moved</path>|" "$1"\n' >move.sh
	printf '#!/bin/sh\nsed -i "s|</target>|</targt>|" "$1"\n' >break.sh
	chmod +x move.sh break.sh
	EDITOR=true run pool-ctl edit p1
	assert_output "Pool p1 XML configuration not changed."
	VISUAL="$PWD/move.sh" EDITOR=false run pool-ctl edit p1
	assert_output "Pool p1 XML configuration edited."
	run pool-ctl dumpxml p1
	assert_output --partial "<path>$BATS_TEST_TMPDIR/moved</path>"
	pool-ctl dumpxml p1 >before
	VISUAL= EDITOR="$PWD/break.sh" run pool-ctl edit p1
	assert_failure 1
	assert_output --regexp "^pool-ctl: .*pool-ctl-p1-.*\.xml: line [0-9]+ column [0-9]+: "
	pool-ctl dumpxml p1 | diff before -
	EDITOR=false run pool-ctl edit p1
	assert_failure 1
	pool-ctl dumpxml p1 | diff before -
}

@test "other pool types are kept in XML and refused at build and start" {
	pool-ctl -q define-as vg logical - - /dev/sdz vg0 /dev/vg0
	pool-ctl dumpxml vg | valid_xml - storagepool.rng
	run pool-ctl start vg
	assert_error 1 "vg: pool type 'logical' is not supported"
	run pool-ctl build vg
	assert_error 1 "vg: pool type 'logical' is not supported"
	pool-ctl -q define-as nfs netfs 10.0.0.1 /export - - "$BATS_TEST_TMPDIR/nfs"
	run pool-ctl start nfs
	assert_error 1 "nfs: pool type 'netfs' is not supported"
	run pool-ctl undefine vg
	assert_success
}

# ---- volumes ----

@test "vol-create-as: sparse and allocated raw, virsh's sizes, and qemu-img agrees" {
	run pool-ctl vol-create-as default sparse 1G --allocation 0
	assert_output "Vol sparse created"
	run pool-ctl vol-create-as default full 2MiB
	assert_output "Vol full created"
	pool-ctl -q vol-create-as default dec 1KB
	pool-ctl -q vol-create-as --pool default named 1K
	[ "$(stat -c %s "$IMAGES/dec")" = 1000 ]
	[ "$(stat -c %s "$IMAGES/named")" = 1024 ]
	[ "$(stat -c %a "$IMAGES/sparse")" = 600 ]
	vol_matches_qemu sparse "$IMAGES/sparse"
	vol_matches_qemu full "$IMAGES/full"
	check_image "$IMAGES/sparse"
	check_image "$IMAGES/full"
	run pool-ctl vol-create-as default bad 1Q
	assert_error 2 "invalid capacity: '1Q'"
	run pool-ctl vol-create-as default bad 1M --allocation x
	assert_error 2 "invalid allocation: 'x'"
	run pool-ctl vol-create-as default bad 1M --format vmdk
	assert_error 1 "bad: volume format 'vmdk' is not supported (raw, qcow2)"
	run pool-ctl vol-create-as default sparse 1M
	assert_error 1 "sparse: volume 'sparse' already exists"
	run pool-ctl vol-create-as nopool v 1M
	assert_error 1 "nopool: no storage pool with matching name or uuid"
}

# allocated FILE: the bytes the file occupies on disk.
allocated() {
	echo $(( $(stat -c '%b * %B' "$1") ))
}

@test "a raw volume is allocated in full unless --allocation says less, as virsh does" {
	pool-ctl -q vol-create-as default full 8M
	pool-ctl -q vol-create-as default sparse 8M --allocation 0
	pool-ctl -q vol-create-as default part 8M --allocation 2M
	echo '<volume><name>xml</name><capacity unit="M">8</capacity></volume>' >v.xml
	pool-ctl -q vol-create default v.xml
	[ "$(allocated "$IMAGES/full")" -ge 8388608 ] || fail "full: $(allocated "$IMAGES/full")"
	[ "$(allocated "$IMAGES/xml")" -ge 8388608 ] || fail "xml: $(allocated "$IMAGES/xml")"
	assert_equal "$(allocated "$IMAGES/sparse")" 0
	[ "$(allocated "$IMAGES/part")" -ge 2097152 ] && [ "$(allocated "$IMAGES/part")" -lt 8388608 ]
	run pool-ctl vol-info --bytes default full
	assert_line --index 3 "Allocation:     8388608 bytes"
	for v in full sparse part xml; do
		[ "$(stat -c %s "$IMAGES/$v")" = 8388608 ]
		vol_matches_qemu "$v" "$IMAGES/$v"
	done
}

@test "qcow2 volumes: metadata only, falloc with --prealloc-metadata, as libvirt's storage driver" {
	need_qcow2_writer
	pool-ctl -q vol-create-as default q 8M --format qcow2
	pool-ctl -q vol-create-as default qf 8M --format qcow2 --prealloc-metadata
	pool-ctl -q vol-create-as default qm 8M --format qcow2 --prealloc-metadata --allocation 0
	# Without the flag the allocation asks nothing of a qcow2 volume.
	[ "$(allocated "$IMAGES/q")" -lt 1048576 ] || fail "q: $(allocated "$IMAGES/q")"
	# allocation (by default the capacity) covers it: preallocation=falloc.
	[ "$(allocated "$IMAGES/qf")" -ge 8388608 ] || fail "qf: $(allocated "$IMAGES/qf")"
	# Less: preallocation=metadata, every table and no data.
	[ "$(allocated "$IMAGES/qm")" -lt 1048576 ] || fail "qm: $(allocated "$IMAGES/qm")"
	[ "$(stat -c %s "$IMAGES/qm")" -gt 8388608 ]
	for v in q qf qm; do
		vol_matches_qemu "$v" "$IMAGES/$v"
		check_image "$IMAGES/$v"
	done
}

@test "vol-create-as --print-xml prints virsh's request, valid, and creates nothing" {
	pool-ctl -q vol-create-as default base 1M
	run pool-ctl vol-create-as default ov 1M --format qcow2 --backing-vol base \
		--backing-vol-format raw --print-xml
	assert_output "<volume>
  <name>ov</name>
  <capacity>1048576</capacity>
  <target>
    <format type=\"qcow2\"/>
  </target>
  <backingStore>
    <path>$IMAGES/base</path>
    <format type=\"raw\"/>
  </backingStore>
</volume>"
	echo "$output" | valid_xml - storagevol.rng
	[ ! -e "$IMAGES/ov" ]
	run pool-ctl vol-create-as default x 1M --backing-vol-format raw
	assert_error 2 "--backing-vol-format needs --backing-vol"
	run pool-ctl vol-create-as default x 1M --backing-vol nothere
	assert_error 1 "nothere: no such volume (name its pool with --pool)"
}

@test "names cannot leave the pool directory" {
	run pool-ctl vol-create-as default ../../etc/x 1G
	assert_error 1 "../../etc/x: invalid volume name '../../etc/x'"
	run pool-ctl vol-create-as default .hidden 1M
	assert_error 1 ".hidden: invalid volume name '.hidden'"
	[ ! -e "$VIRTUTILS_ROOT/etc" ] && [ ! -e /etc/x ]
	printf '<volume><name>../x</name><capacity>1</capacity></volume>' >v.xml
	run pool-ctl vol-create default v.xml
	assert_error 1 "v.xml: invalid volume name '../x': letters, digits and _.+:- only, not first . or -, 1 to 255 bytes"
}

@test "qcow2 volumes, overlays and metadata preallocation match qemu-img" {
	need_qcow2_writer
	pool-ctl -q vol-create-as default base 64M
	qemu-io -f raw -c 'write -P 0x11 0 1M' "$IMAGES/base" >/dev/null
	run pool-ctl vol-create-as default q 1G --format qcow2
	assert_output "Vol q created"
	pool-ctl -q vol-create-as default ov 64M --format qcow2 --backing-vol base \
		--backing-vol-format raw
	pool-ctl -q vol-create-as default ov2 64M --format qcow2 --backing-vol "$IMAGES/ov"
	pool-ctl -q vol-create-as default pm 64M --format qcow2 --prealloc-metadata
	for v in q ov ov2 pm; do
		vol_matches_qemu "$v" "$IMAGES/$v"
		check_image "$IMAGES/$v"
	done
	run qemu-img info --output=json "$IMAGES/ov2"
	assert_equal "$(jq -r '.["backing-filename-format"]' <<<"$output")" qcow2
	run qemu-img compare "$IMAGES/base" "$IMAGES/ov2"
	assert_success
	run pool-ctl vol-dumpxml default ov
	assert_output --partial "<compat>1.1</compat>"
	assert_output --partial '<clusterSize unit="B">65536</clusterSize>'
	run pool-ctl vol-create-as default r 1M --prealloc-metadata
	assert_error 1 "r: metadata preallocation needs the qcow2 format"
}

@test "eight vol-create-as of one name at once: one volume, seven refusals" {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		pool-ctl vol-create-as default same 64M --allocation 64M >out.$i 2>err.$i &
	done
	wait
	assert_equal "$(cat out.* | grep -c '^Vol same created$')" 1
	assert_equal "$(cat err.* | grep -c "^pool-ctl: same: volume 'same' already exists$")" 7
	assert_equal "$(cat out.* err.* | wc -l)" 8
	[ "$(stat -c %s "$IMAGES/same")" = 67108864 ]
	[ -z "$(ls -A "$VIRTUTILS_ROOT/run/reserve/default")" ]
	[ -z "$(ls -A "$IMAGES" | grep -v '^same$')" ]
	check_image "$IMAGES/same"
}

@test "vol-create from XML: sizes with units, mode, format" {
	cat >v.xml <<-EOF
	<volume>
	  <name>x1</name>
	  <capacity unit="M">8</capacity>
	  <allocation unit="KiB">0</allocation>
	  <target><format type="raw"/><permissions><mode>0640</mode></permissions></target>
	</volume>
	EOF
	run pool-ctl vol-create default v.xml
	assert_output "Vol x1 created from v.xml"
	[ "$(stat -c '%s %a' "$IMAGES/x1")" = "8388608 640" ]
	check_image "$IMAGES/x1"
	run pool-ctl vol-create --pool default v.xml
	assert_error 1 "x1: volume 'x1' already exists"
	echo '<volume><name>x2</name></volume>' >nocap.xml
	run pool-ctl vol-create default nocap.xml
	assert_error 1 "x2: a new volume needs a capacity"
	echo '<volume><name>x3</name>' >broken.xml
	run pool-ctl vol-create default broken.xml
	assert_failure 1
	assert_output --regexp "^pool-ctl: broken.xml: line [0-9]+ column [0-9]+: "
}

@test "vol-clone and vol-create-from copy the content, sparse" {
	pool-ctl -q vol-create-as default src 32M --allocation 0
	qemu-io -f raw -c 'write -P 0x5a 4M 1M' "$IMAGES/src" >/dev/null
	run pool-ctl vol-clone src c1 --pool default
	assert_output "Vol c1 cloned from src"
	run pool-ctl vol-clone default src c2
	assert_output "Vol c2 cloned from src"
	run pool-ctl vol-clone "$IMAGES/src" c3
	assert_output "Vol c3 cloned from src"
	qemu-img compare -f raw -F raw "$IMAGES/src" "$IMAGES/c1"
	qemu-img compare -f raw -F raw "$IMAGES/src" "$IMAGES/c3"
	[ "$(stat -c %b "$IMAGES/c1")" -lt 4096 ]
	pool-ctl -q define-as other dir --target "$BATS_TEST_TMPDIR/other"
	pool-ctl -q start --build other
	echo '<volume><name>copy</name><capacity unit="M">64</capacity></volume>' >c.xml
	run pool-ctl vol-create-from other c.xml src --inputpool default
	assert_output "Vol copy created from input vol src"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/other/copy")" = 67108864 ]
	qemu-img compare "$IMAGES/src" "$BATS_TEST_TMPDIR/other/copy"
	echo '<volume><name>small</name><capacity unit="M">1</capacity></volume>' >s.xml
	run pool-ctl vol-create-from other s.xml src --inputpool default
	assert_error 1 "small: capacity 1048576 is smaller than the source's 33554432"
	run pool-ctl vol-clone --pool default src c1
	assert_error 1 "c1: volume 'c1' already exists"
	for v in src c1 c2 c3; do check_image "$IMAGES/$v"; done
}

@test "vol-clone -p shows progress; --reflink shares blocks or fails cleanly" {
	pool-ctl -q vol-create-as default src 8M
	qemu-io -f raw -c 'write -P 0x5a 0 2M' "$IMAGES/src" >/dev/null
	run --separate-stderr pool-ctl -p vol-clone --pool default src c1
	assert_output "Vol c1 cloned from src"
	[[ $stderr == *"(100.00/100%)"* ]] || fail "no progress: $stderr"
	run pool-ctl vol-clone --pool default src r1 --reflink
	if [ "$status" -eq 0 ]; then
		qemu-img compare "$IMAGES/src" "$IMAGES/r1"
	else
		assert_output --regexp "^pool-ctl: r1: (the filesystem )?cannot share extents"
		[ ! -e "$IMAGES/r1" ]
	fi
}

@test "a same-format qcow2 clone keeps snapshots and the backing link" {
	need_qcow2_writer
	pool-ctl -q vol-create-as default base 16M
	pool-ctl -q vol-create-as default ov 16M --format qcow2 --backing-vol base \
		--backing-vol-format raw
	qemu-io -f qcow2 -c 'write -P 0x22 1M 64k' "$IMAGES/ov" >/dev/null
	qemu-img snapshot -c snap1 "$IMAGES/ov"
	run pool-ctl vol-clone --pool default ov ovc
	assert_success
	run qemu-img snapshot -l "$IMAGES/ovc"
	assert_output --partial snap1
	vol_matches_qemu ovc "$IMAGES/ovc"
	qemu-img compare "$IMAGES/ov" "$IMAGES/ovc"
	check_image "$IMAGES/ovc"
	echo '<volume><name>flat</name><target><format type="raw"/></target></volume>' >f.xml
	run pool-ctl vol-create-from default f.xml ov
	assert_success
	qemu-img compare -F raw "$IMAGES/ov" "$IMAGES/flat"
	# A layout of its own is a conversion, even in the same format.
	echo '<volume><name>v2</name><target><format type="qcow2"/><compat>0.10</compat>
	      </target></volume>' >v2.xml
	run pool-ctl vol-create-from default v2.xml ov
	assert_success
	run qemu-img info --output=json "$IMAGES/v2"
	assert_equal "$(jq -r '.["format-specific"].data.compat' <<<"$output")" "0.10"
	qemu-img compare "$IMAGES/ov" "$IMAGES/v2"
}

@test "a failed vol-create-from leaves no volume and no reservation" {
	pool-ctl -q list
	qemu-img create -q -f qcow2 "$IMAGES/bad" 8M
	qemu-io -f qcow2 -c 'write -P 0x33 0 1M' "$IMAGES/bad" >/dev/null
	# Cut the data clusters off: reading them fails half way through.
	truncate -s 327680 "$IMAGES/bad"
	echo '<volume><name>out</name><target><format type="raw"/></target></volume>' >o.xml
	run pool-ctl vol-create-from default o.xml bad
	assert_failure 1
	assert_output --regexp "^pool-ctl: out: "
	[ ! -e "$IMAGES/out" ]
	[ -z "$(ls -A "$VIRTUTILS_ROOT/run/reserve/default" 2>/dev/null)" ]
	run pool-ctl vol-list default --json
	assert_equal "$(jq -r '.[].name' <<<"$output")" "bad"
}

@test "a volume is named by POOL VOL, --pool, VOL POOL, its path or its key" {
	pool-ctl -q vol-create-as default v1 1M
	for args in "default v1" "--pool default v1" "v1 default" "$IMAGES/v1" \
		"$VIRTUTILS_ROOT/images/../images/v1"; do
		run pool-ctl vol-path $args
		assert_output "$IMAGES/v1"
	done
	run pool-ctl vol-key default v1
	assert_output "$IMAGES/v1"
	run pool-ctl vol-name "$IMAGES/v1"
	assert_output "v1"
	run pool-ctl vol-pool "$IMAGES/v1"
	assert_output "default"
	run pool-ctl vol-pool --uuid "$IMAGES/v1"
	assert_output "$(pool-ctl uuid default)"
	run pool-ctl vol-path v1
	assert_error 1 "v1: no such volume (name its pool with --pool)"
	run pool-ctl vol-path default nope
	assert_error 1 "nope: no such volume in pool 'default'"
	run pool-ctl vol-path --pool default v1 extra
	assert_error 2 "vol-path: unexpected argument 'extra'"
}

@test "vol-list, --details, --json; vol-info and --bytes" {
	pool-ctl -q vol-create-as default b 1M
	pool-ctl -q vol-create-as default a 1G --allocation 0
	run pool-ctl vol-list default
	dashes=$(printf '%*s' $((4 + 3 + ${#IMAGES} + 2 + 3)) '' | tr ' ' -)
	assert_output " Name   Path
$dashes
 a      $IMAGES/a
 b      $IMAGES/b"
	run pool-ctl vol-list --pool default --details
	assert_line --index 0 --regexp "^ Name +Path +Type +Capacity +Allocation$"
	assert_line --index 2 --regexp "^ a +$IMAGES/a +file +1.00 GiB +0.00 B$"
	assert_line --index 3 --regexp "^ b +$IMAGES/b +file +1.00 MiB +1.00 MiB$"
	run pool-ctl vol-list default --json
	assert_equal "$(jq -r '.[0].name, .[0].capacity, .[0].format, .[1].allocation' <<<"$output")" \
		"a
1073741824
raw
1048576"
	run pool-ctl vol-info default a
	assert_output "Name:           a
Type:           file
Capacity:       1.00 GiB
Allocation:     0.00 B"
	run pool-ctl vol-info --bytes "$IMAGES/b"
	assert_line --index 2 "Capacity:       1048576 bytes"
	assert_line --index 3 "Allocation:     1048576 bytes"
}

@test "a planted symlink is not a volume and is never followed" {
	pool-ctl -q list
	echo keep >"$BATS_TEST_TMPDIR/outside"
	ln -s "$BATS_TEST_TMPDIR/outside" "$IMAGES/evil"
	run pool-ctl vol-list default --json
	assert_output "[
]"
	run pool-ctl vol-delete default evil
	assert_error 1 "evil: no such volume in pool 'default'"
	pool-ctl -q vol-create-as default real 1M
	rm "$IMAGES/real"
	ln -s "$BATS_TEST_TMPDIR/outside" "$IMAGES/real"
	run pool-ctl vol-upload --pool default real /dev/null
	assert_failure 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR/outside")" keep
	[ -L "$IMAGES/real" ]
}

@test "vol-delete by name, path or key" {
	pool-ctl -q vol-create-as default d1 1M
	pool-ctl -q vol-create-as default d2 1M
	run pool-ctl vol-delete --pool default d1
	assert_output "Vol d1 deleted"
	run pool-ctl vol-delete "$IMAGES/d2"
	assert_output "Vol d2 deleted"
	[ -z "$(ls -A "$IMAGES")" ]
	run pool-ctl vol-delete default d1
	assert_error 1 "d1: no such volume in pool 'default'"
}

@test "vol-wipe: zeros keep a sparse file sparse; patterns are written" {
	pool-ctl -q vol-create-as default w 4M --allocation 0
	qemu-io -f raw -c 'write -P 0x77 1M 64k' "$IMAGES/w" >/dev/null
	run pool-ctl vol-wipe --pool default w
	assert_output "Vol w wiped"
	[ "$(stat -c %b "$IMAGES/w")" -lt 100 ]
	cmp -n 4194304 "$IMAGES/w" /dev/zero
	for alg in zero nnsa dod bsi gutmann schneier pfitzner7 pfitzner33 random; do
		run pool-ctl vol-wipe default w --algorithm "$alg"
		assert_output "Vol w wiped"
	done
	[ "$(stat -c %s "$IMAGES/w")" = 4194304 ]
	run pool-ctl vol-wipe default w --algorithm dod
	[ "$(od -An -tx1 -j 1000 -N 1 "$IMAGES/w" | tr -d ' ')" = ff ]
	run pool-ctl vol-wipe default w --algorithm bsi
	[ "$(od -An -tx1 -j 1000 -N 1 "$IMAGES/w" | tr -d ' ')" = 7f ]
	run pool-ctl vol-wipe default w --algorithm trim
	assert_error 2 "unsupported algorithm 'trim'"
	check_image "$IMAGES/w"
}

@test "vol-wipe of a qcow2 volume makes it again, empty, same size" {
	need_qcow2_writer
	pool-ctl -q vol-create-as default q 32M --format qcow2
	qemu-io -f qcow2 -c 'write -P 0x44 0 1M' "$IMAGES/q" >/dev/null
	run pool-ctl vol-wipe default q --algorithm random
	assert_output "Vol q wiped"
	check_image "$IMAGES/q"
	run qemu-img info --output=json "$IMAGES/q"
	assert_equal "$(jq -r '.format, .["virtual-size"]' <<<"$output")" "qcow2
33554432"
	qemu-img compare "$IMAGES/q" -F raw <(head -c 33554432 /dev/zero) >/dev/null 2>&1 ||
		qemu-io -f qcow2 -c 'read -P 0 0 1M' "$IMAGES/q" | grep -q "read 1048576"
}

@test "vol-resize: grow, --shrink, --delta, negative sizes, --allocate" {
	pool-ctl -q vol-create-as default r 4M
	run pool-ctl vol-resize --pool default r 8M
	assert_output "Size of volume 'r' successfully changed to 8M"
	run pool-ctl vol-resize default r 1M
	assert_error 1 "r: the new capacity is below the current one (8388608 bytes); shrinking must be asked for"
	run pool-ctl vol-resize default r 2M --shrink
	assert_output "Size of volume 'r' successfully changed to 2M"
	run pool-ctl vol-resize default r 1M --delta
	assert_output "Size of volume 'r' successfully changed by 1M"
	[ "$(stat -c %s "$IMAGES/r")" = 3145728 ]
	run pool-ctl vol-resize default r -1M --shrink
	assert_output "Size of volume 'r' successfully changed by 1M"
	[ "$(stat -c %s "$IMAGES/r")" = 2097152 ]
	run pool-ctl vol-resize default r -1M
	assert_error 2 "negative size requires --shrink"
	run pool-ctl vol-resize r 6M default --allocate
	assert_success
	[ "$(stat -c %b "$IMAGES/r")" -ge 8192 ]
	vol_matches_qemu r "$IMAGES/r"
	check_image "$IMAGES/r"
}

@test "vol-resize of a qcow2 volume" {
	need_qcow2_writer
	pool-ctl -q vol-create-as default q 16M --format qcow2
	run pool-ctl vol-resize default q 32M
	assert_success
	vol_matches_qemu q "$IMAGES/q"
	check_image "$IMAGES/q"
	run pool-ctl vol-resize default q 64M --allocate
	assert_error 1 "q: only raw volumes can be allocated"
}

@test "vol-upload and vol-download: files and pipes, offsets, lengths, sparse" {
	pool-ctl -q vol-create-as default u 4M
	head -c 1048576 /dev/urandom >data
	run pool-ctl vol-upload --pool default u data --offset 1M
	assert_success
	assert_output ""
	cmp -i 0:1048576 -n 1048576 data "$IMAGES/u"
	cat data | pool-ctl vol-upload default u - --offset 3M
	cmp -i 0:3145728 -n 1048576 data "$IMAGES/u"
	run pool-ctl vol-upload default u data --length 4096
	assert_error 1 "u: the file is larger than the length (4096 bytes)"
	head -c 8192 data | pool-ctl vol-upload default u - --length 4096 2>err || true
	assert_equal "$(cat err)" "pool-ctl: u: the data is longer than the length (4096 bytes)"
	cmp -i 0:3145728 -n 1048576 data "$IMAGES/u"
	pool-ctl vol-download default u - --offset 1M --length 1M | cmp - data
	head -c 2097152 /dev/zero >zeros
	run pool-ctl vol-upload default u zeros --sparse
	assert_success
	[ "$(stat -c %b "$IMAGES/u")" -lt 4096 ]
	cat data | pool-ctl vol-upload default u - --offset 3M
	run pool-ctl vol-download default u out --sparse
	assert_success
	cmp out "$IMAGES/u"
	[ "$(stat -c %b out)" -lt 8192 ]
	pool-ctl vol-download default u full
	[ "$(stat -c %b full)" -ge 8192 ]
	run pool-ctl vol-download default u x --offset 9M
	assert_error 1 "u: offset 9437184 is past the end of the volume"
	[ ! -e x ]
	run pool-ctl vol-upload default u /nonexistent
	assert_failure 1
	assert_output "pool-ctl: /nonexistent: cannot read: No such file or directory"
	check_image "$IMAGES/u"
}

# ---- fs and disk pools on loop devices ----

@test "fs pool: build --no-overwrite runs mkfs, start mounts, destroy unmounts" {
	need_loop 64
	mnt=$BATS_TEST_TMPDIR/fsmnt
	pool-ctl -q define-as fsp fs - - "$LOOP" - "$mnt" --source-format ext4
	pool-ctl dumpxml fsp | valid_xml - storagepool.rng
	run pool-ctl build fsp --no-overwrite
	assert_output "Pool fsp built"
	run pool-ctl build fsp --no-overwrite
	assert_error 1 "fsp: source device '$LOOP' already holds ext4; build with overwrite to replace it"
	run pool-ctl start fsp
	assert_output "Pool fsp started"
	findmnt -n "$mnt" >/dev/null
	pool-ctl -q vol-create-as fsp v1 4M
	vol_path=$(pool-ctl vol-path fsp v1)
	assert_equal "$vol_path" "$mnt/v1"
	check_image "$vol_path"
	run pool-ctl info --bytes fsp
	assert_line --index 5 --regexp "^Capacity:       [0-9]+$"
	run pool-ctl destroy fsp
	assert_output "Pool fsp destroyed"
	! findmnt -n "$mnt" >/dev/null
	run pool-ctl start fsp
	run pool-ctl vol-list fsp --json
	assert_equal "$(jq -r '.[0].name' <<<"$output")" v1
	pool-ctl -q destroy fsp
	run pool-ctl delete fsp
	assert_output "Pool fsp deleted"
}

@test "fs pool on an image file, built with --overwrite" {
	need_root "mount"
	truncate -s 64M fs.img
	pool-ctl -q define-as fsi fs --source-dev "$PWD/fs.img" --target "$PWD/mnt"
	run pool-ctl start --build --overwrite fsi
	if [ "$status" -ne 0 ] && [[ $output == *"mount"* ]]; then
		skip "mounting is not permitted here: $output"
	fi
	assert_output "Pool fsi started"
	findmnt -n "$PWD/mnt" >/dev/null
	pool-ctl -q destroy fsi
	! findmnt -n "$PWD/mnt" >/dev/null
}

# fs_pool_on_image NAME [MKFS-OPTION...]: an fs pool NAME on ./fs.img
# (64 MiB, ext4 made by the test when options are given) mounted on ./mnt.
fs_pool_on_image() {
	local name=$1
	shift
	need_root "mount"
	truncate -s 64M fs.img
	[ $# -eq 0 ] || mkfs.ext4 -q -F "$@" fs.img
	pool-ctl -q define-as "$name" fs --source-dev "$PWD/fs.img" --target "$PWD/mnt" \
		--source-format ext4
}

# skip_unless_started: after "run pool-ctl start ...", skips when this
# machine does not let us mount.
skip_unless_started() {
	if [ "$status" -ne 0 ] && [[ $output == *"mount"* ]]; then
		skip "mounting is not permitted here: $output"
	fi
}

@test "mkfs, mount and umount are the system's, run without the caller's PATH or environment" {
	fs_pool_on_image fsi
	mkdir fake
	for prog in mkfs.ext4 mount umount; do
		printf '#!/bin/sh\ntouch "%s/planted"\n' "$PWD" >"fake/$prog"
		chmod +x "fake/$prog"
	done
	# mke2fs reads MKE2FS_CONFIG: 1 KiB inodes if it reached mkfs.
	printf '[defaults]\n\tinode_size = 1024\n' >mke2fs.conf
	run env PATH="$PWD/fake:$PATH" MKE2FS_CONFIG="$PWD/mke2fs.conf" \
		pool-ctl start --build --overwrite fsi
	skip_unless_started
	assert_output "Pool fsi started"
	[ ! -e planted ] || fail "a program from PATH ran"
	findmnt -n "$PWD/mnt" >/dev/null
	run dumpe2fs -h fs.img
	assert_line --regexp "^Inode size:[[:space:]]+256$"
	run env PATH="$PWD/fake:$PATH" pool-ctl destroy fsi
	assert_output "Pool fsi destroyed"
	[ ! -e planted ] || fail "a program from PATH ran"
	! findmnt -n "$PWD/mnt" >/dev/null
}

# kept CMD...: the capabilities pool-ctl works with (its last capset), by
# name, without CAP_.
kept() {
	strace -qq -e trace=capset -o capset.log pool-ctl -q "$@" >/dev/null ||
		{ echo "pool-ctl $* failed"; return 1; }
	grep '^capset(' capset.log | tail -n 1 | grep -o 'effective=[^,]*' | grep -o 'CAP_[A-Z_]*' |
		sed 's/^CAP_//' | sort | tr '\n' ' '
}

@test "CAP_SYS_ADMIN is kept only to mount, for loop devices and partitions, never for a dir pool" {
	need_root "capabilities"
	command -v strace >/dev/null || skip "strace is not installed"
	local files="CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER "
	local admin="CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER SYS_ADMIN "
	pool-ctl -q list >/dev/null
	assert_equal "$(kept vol-create-as default v 1M)" "$files"
	assert_equal "$(kept vol-clone --pool default v v2)" "$files"
	assert_equal "$(kept vol-delete default v2)" "$files"
	echo '<volume><name>x</name><capacity>1024</capacity></volume>' >x.xml
	assert_equal "$(kept vol-create default x.xml)" "$files"
	echo '<volume><name>y</name></volume>' >y.xml
	assert_equal "$(kept vol-create-from default y.xml v)" "$files"
	assert_equal "$(kept refresh default)" "$files"
	assert_equal "$(kept create-as tp dir --target "$PWD/tp" --build)" "$files"
	assert_equal "$(kept destroy tp)" "$files"
	assert_equal "$(kept vol-info default v)" "$files"
	fs_pool_on_image fsi -m 0
	assert_equal "$(kept build fsi)" "$files"
	run pool-ctl start fsi
	skip_unless_started
	pool-ctl -q destroy fsi
	assert_equal "$(kept start fsi)" "$admin"
	assert_equal "$(kept vol-create-as fsi v 1M)" "$files"
	assert_equal "$(kept vol-delete fsi v)" "$files"
	assert_equal "$(kept refresh fsi)" "$admin"
	assert_equal "$(kept destroy fsi)" "$admin"
	assert_equal "$(kept delete fsi)" "$files"
	assert_equal "$(kept start-all)" "$files"
	pool-ctl -q build fsi
	pool-ctl -q autostart fsi
	assert_equal "$(kept start-all)" "$admin"
	findmnt -n "$PWD/mnt" >/dev/null
	pool-ctl -q destroy fsi
	pool-ctl -q undefine fsi
	echo "<pool type='fs'><name>tfs</name><source><device path='$PWD/fs.img'/><format type='ext4'/></source><target><path>$PWD/mnt</path></target></pool>" >tfs.xml
	assert_equal "$(kept create tfs.xml)" "$admin"
	assert_equal "$(kept destroy tfs)" "$admin"
	need_loop 64
	pool-ctl -q define-as dp disk --source-dev "$LOOP" --source-format gpt --target /dev
	assert_equal "$(kept build dp)" "$files"
	assert_equal "$(kept start dp)" "$admin"
	assert_equal "$(kept vol-create-as dp p 8M)" "$admin"
	assert_equal "$(kept vol-wipe "${LOOP}p1")" "$files"
	assert_equal "$(kept vol-delete "${LOOP}p1")" "$admin"
	assert_equal "$(kept destroy dp)" "$admin"
	assert_equal "$(kept delete dp)" "$admin"
}

@test "without CAP_SYS_ADMIN dir pools work, and an fs pool's start says what it needs" {
	command -v capsh >/dev/null || skip "capsh (libcap2-bin) is not installed"
	fs_pool_on_image fsi -m 0
	pool-ctl -q list
	run capsh --drop=cap_sys_admin -- -c "pool-ctl vol-create-as default v 1M &&
		pool-ctl vol-clone --pool default v w && pool-ctl vol-delete default w &&
		pool-ctl build fsi && pool-ctl start fsi"
	assert_failure 1
	assert_output "Vol v created
Vol w cloned from v
Vol w deleted
Pool fsi built
pool-ctl: fsi: mounting needs CAP_SYS_ADMIN"
	! findmnt -n "$PWD/mnt" >/dev/null
}

@test "info and dumpxml give libvirt's figures: the root reserve is available" {
	fs_pool_on_image fsr -m 5
	run pool-ctl start --build fsr
	skip_unless_started
	pool-ctl -q vol-create-as fsr v 4M
	run pool-ctl info --bytes fsr
	local cap alloc avail bfree bavail frsize
	cap=$(awk '$1 == "Capacity:" { print $2 }' <<<"$output")
	alloc=$(awk '$1 == "Allocation:" { print $2 }' <<<"$output")
	avail=$(awk '$1 == "Available:" { print $2 }' <<<"$output")
	assert_equal "$cap" "$((alloc + avail))"
	read -r bfree bavail frsize < <(stat -f -c '%f %a %S' mnt)
	[ "$bfree" -gt "$bavail" ] || fail "no root reserve on the test filesystem"
	assert_equal "$avail" "$((bfree * frsize))"
	run pool-ctl dumpxml fsr
	assert_equal "$(xmllint --xpath 'string(/pool/available)' - <<<"$output")" "$avail"
	assert_equal "$(xmllint --xpath 'string(/pool/allocation)' - <<<"$output")" "$alloc"
}

@test "disk pool: partitions are volumes" {
	need_loop 128
	dev=${LOOP#/dev/}
	pool-ctl -q define-as dp disk --source-dev "$LOOP" --source-format gpt --target /dev
	run pool-ctl start dp
	assert_error 1 "dp: source device '$LOOP' has no partition table; build the pool first"
	run pool-ctl build dp
	assert_output "Pool dp built"
	pool-ctl -q start dp
	run pool-ctl vol-create-as dp first 16M
	assert_output "Vol ${dev}p1 created"
	pool-ctl -q vol-create-as dp second 32M
	[ -b "${LOOP}p1" ] && [ -b "${LOOP}p2" ]
	run pool-ctl vol-list dp --details
	assert_line --index 2 --regexp "^ ${dev}p1 +${LOOP}p1 +block +16.00 MiB +16.00 MiB$"
	assert_line --index 3 --regexp "^ ${dev}p2 +${LOOP}p2 +block +32.00 MiB +32.00 MiB$"
	pool-ctl vol-dumpxml dp "${dev}p1" | valid_xml - storagevol.rng
	pool-ctl dumpxml dp | valid_xml - storagepool.rng
	head -c 1048576 /dev/urandom >data
	pool-ctl vol-upload dp "${dev}p1" data
	pool-ctl vol-download dp "${dev}p1" - --length 1M | cmp - data
	run pool-ctl vol-wipe "${LOOP}p1"
	assert_output "Vol ${dev}p1 wiped"
	run pool-ctl vol-resize "${LOOP}p1" 20M
	assert_error 1 "${dev}p1: a partition cannot be resized"
	run pool-ctl vol-delete "${LOOP}p2"
	assert_output "Vol ${dev}p2 deleted"
	[ ! -e "${LOOP}p2" ]
	run sfdisk -d "$LOOP"
	assert_output --partial "label: gpt"
	pool-ctl -q destroy dp
	run pool-ctl build dp
	assert_error 1 "dp: source device '$LOOP' already holds a gpt partition table; build with overwrite to replace it"
	run pool-ctl delete dp
	assert_output "Pool dp deleted"
	run sfdisk -d "$LOOP"
	assert_failure
}

@test "disk pool on an image file: a loop device while it runs" {
	need_root "loop devices"
	truncate -s 64M disk.img
	pool-ctl -q define-as di disk --source-dev "$PWD/disk.img" --source-format dos --target /dev
	run pool-ctl start --build di
	[ "$status" -eq 0 ] || skip "loop devices are not permitted here: $output"
	loop=$(losetup -j "$PWD/disk.img" | cut -d: -f1)
	LOOPS+=("$loop")
	[ -b "$loop" ]
	run pool-ctl vol-create-as di v1 8M
	assert_output "Vol ${loop#/dev/}p1 created"
	[ -b "${loop}p1" ]
	pool-ctl vol-dumpxml "${loop}p1" | valid_xml - storagevol.rng
	run pool-ctl destroy di
	assert_output "Pool di destroyed"
	[ -z "$(losetup -j "$PWD/disk.img")" ]
	run sfdisk -d disk.img
	assert_output --partial "label: dos"
}

@test "the state lock is not held while data moves, and a killed upload changes nothing" {
	pool-ctl -q vol-create-as default u 1M
	head -c 1048576 /dev/urandom >"$IMAGES/u"
	cp "$IMAGES/u" before
	mkfifo feed
	pool-ctl vol-upload default u - <feed &
	pid=$!
	exec 7>feed
	echo "half of it" >&7
	sleep 0.5
	# The upload waits for data: others may define and create meanwhile.
	run flock -n "$VIRTUTILS_ROOT/.lock" true
	assert_success
	run pool-ctl vol-create-as default other 1M
	assert_output "Vol other created"
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	cmp before "$IMAGES/u"
	[ -z "$(ls -A "$IMAGES" | grep -v '^u$\|^other$')" ]
}

# ---- what ships with it ----

@test "state root: a planted images/ link makes vol-wipe refuse, and nothing outside is zeroed" {
	pool-ctl vol-create-as default w 1M
	mkdir "$BATS_TEST_TMPDIR/outside"
	printf precious >"$BATS_TEST_TMPDIR/outside/w"
	mv "$IMAGES" "$BATS_TEST_TMPDIR/images.real"
	ln -s "$BATS_TEST_TMPDIR/outside" "$IMAGES"
	run -1 pool-ctl vol-wipe default w
	assert_output "pool-ctl: state root: $IMAGES: is a symbolic link"
	[ "$(cat "$BATS_TEST_TMPDIR/outside/w")" = precious ]
	rm "$IMAGES"
	mv "$BATS_TEST_TMPDIR/images.real" "$IMAGES"
	run -0 pool-ctl vol-wipe default w
}

@test "state root: pools/ as a link, or writable by others, is refused before anything is written" {
	pool-ctl pool-list >/dev/null
	mkdir "$BATS_TEST_TMPDIR/outside"
	mv "$VIRTUTILS_ROOT/pools" "$BATS_TEST_TMPDIR/pools.real"
	ln -s "$BATS_TEST_TMPDIR/outside" "$VIRTUTILS_ROOT/pools"
	run -1 pool-ctl pool-define-as p2 dir --target "$BATS_TEST_TMPDIR"
	assert_output "pool-ctl: state root: $VIRTUTILS_ROOT/pools: is a symbolic link"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ]
	rm "$VIRTUTILS_ROOT/pools"
	mv "$BATS_TEST_TMPDIR/pools.real" "$VIRTUTILS_ROOT/pools"
	chmod o+w "$VIRTUTILS_ROOT/domains"
	run -1 pool-ctl pool-list
	assert_output "pool-ctl: state root: $VIRTUTILS_ROOT/domains: writable by others"
	chmod 1777 "$VIRTUTILS_ROOT/domains"
	run -1 pool-ctl pool-list
	assert_output "pool-ctl: state root: $VIRTUTILS_ROOT/domains: writable by others"
	chmod 755 "$VIRTUTILS_ROOT/domains"
	run -0 pool-ctl pool-list --name
	assert_output default
}

@test "state root: a directory another user owns is refused" {
	need_root "chown to nobody"
	pool-ctl pool-list >/dev/null
	chown nobody "$VIRTUTILS_ROOT/networks"
	run -1 pool-ctl pool-list
	assert_output "pool-ctl: state root: $VIRTUTILS_ROOT/networks: owned by uid $(id -u nobody), not by you or root"
	chown root "$VIRTUTILS_ROOT/networks"
	chown nobody "$VIRTUTILS_ROOT"
	run -1 pool-ctl pool-list
	assert_output "pool-ctl: state root: $VIRTUTILS_ROOT: owned by uid $(id -u nobody), not by you or root"
}

@test "the completion offers commands, pools and volumes from the state root" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	pool-ctl -q define-as other dir --target "$BATS_TEST_TMPDIR/other"
	pool-ctl -q vol-create-as default disk1 1M
	pool-ctl -q vol-create-as default disk2 1M
	ln -s /etc/passwd "$IMAGES/link"
	run complete_lines pool-ctl \
		'pool-ctl vol-cr' \
		'pool-ctl start ' \
		'pool-ctl vol-delete default ' \
		'pool-ctl vol-info --pool default disk' \
		'pool-ctl vol-wipe default disk1 --algorithm pf' \
		'pool-ctl pool-define-as x ' \
		'pool-ctl --root /nonexistent start '
	assert_success
	assert_line --index 0 "vol-create vol-create-as vol-create-from"
	assert_line --index 1 "default other"
	assert_line --index 2 "disk1 disk2"
	assert_line --index 3 "disk1 disk2"
	assert_line --index 4 "pfitzner7 pfitzner33"
	assert_line --index 5 --partial "dir fs netfs logical disk"
	assert_equal "${#lines[@]}" 6
}

@test "the systemd unit verifies and runs start-all" {
	local unit=$TOP/contrib/pool-ctl.service
	grep -qx 'ExecStart=/usr/local/bin/pool-ctl start-all' "$unit"
	verify_unit pool-ctl
}
