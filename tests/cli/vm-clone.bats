#!/usr/bin/env bats
# vm-clone: virt-clone's options on a state root of the test's own. Every
# clone's XML is checked by libvirt's schema and compared field by field
# with its source; every copy by qemu-img (compare, check, info).

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	T=$BATS_TEST_TMPDIR
	LOCKER=
	make_template
}

teardown() {
	local m
	[ -n "$LOCKER" ] && kill "$LOCKER" 2>/dev/null
	for m in $(awk -v d="$BATS_TEST_TMPDIR" 'index($2, d) == 1 { print $2 }' /proc/self/mounts); do
		umount "$m" 2>/dev/null || true
	done
	true
}

# A template: a qcow2 (compat 1.1, zstd, 32-bit refcounts, a snapshot,
# data, a zeroed range) and a sparse raw data disk, a read-only CD-ROM, an
# empty one, two NICs (one on Open vSwitch), file and pty consoles, a guest
# agent socket, VNC on a fixed port, UEFI variables, and what a running
# domain's XML holds (id, aliases, vnet, portid, labels, backingStore).
make_template() {
	qemu-img create -q -f qcow2 -o compression_type=zstd,refcount_bits=32 "$T/tpl.qcow2" 64M
	qemu-io -f qcow2 -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 20M 1M' \
		-c 'write -z 40M 2M' "$T/tpl.qcow2" >/dev/null
	qemu-img snapshot -c base "$T/tpl.qcow2"
	qemu-io -f qcow2 -c 'write -P 0x33 1M 1M' "$T/tpl.qcow2" >/dev/null
	truncate -s 32M "$T/data.raw"
	printf 'data disk %.0s' {1..2000} | dd of="$T/data.raw" bs=1M seek=5 conv=notrunc status=none
	truncate -s 1M "$T/cd.iso"
	head -c 131072 /dev/urandom >"$T/tpl_VARS.fd"
	cat >"$T/tpl.xml" <<-EOF
	<domain type='kvm' id='3'>
	  <name>tpl</name>
	  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
	  <title>Template</title>
	  <description>keep me</description>
	  <metadata><app:x xmlns:app='https://example.org/app'>keep</app:x></metadata>
	  <memory unit='KiB'>1048576</memory>
	  <vcpu placement='static'>2</vcpu>
	  <sysinfo type='smbios'><system><entry name='manufacturer'>Acme</entry><entry name='uuid'>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</entry></system></sysinfo>
	  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader><nvram>$T/tpl_VARS.fd</nvram><boot dev='hd'/></os>
	  <features><acpi/><apic/></features>
	  <devices>
	    <emulator>/usr/bin/qemu-system-x86_64</emulator>
	    <disk type='file' device='disk'>
	      <driver name='qemu' type='qcow2' cache='none'/>
	      <source file='$T/tpl.qcow2'/>
	      <backingStore/>
	      <target dev='vda' bus='virtio'/>
	      <serial>TPLDISK0001234567</serial>
	      <alias name='virtio-disk0'/>
	    </disk>
	    <disk type='file' device='disk'>
	      <driver name='qemu' type='raw'/>
	      <source file='$T/data.raw'/>
	      <target dev='vdb' bus='virtio'/>
	      <wwn>5000c50015ea71ad</wwn>
	    </disk>
	    <disk type='file' device='cdrom'>
	      <driver name='qemu' type='raw'/>
	      <source file='$T/cd.iso'/>
	      <target dev='sda' bus='sata'/>
	      <readonly/>
	    </disk>
	    <disk type='file' device='cdrom'>
	      <target dev='sdb' bus='sata'/>
	      <readonly/>
	    </disk>
	    <interface type='network'>
	      <mac address='52:54:00:11:22:33'/>
	      <source network='default' portid='0f1d3f9c-5d1c-4d8a-b0a6-1e5b7f1f9c01'/>
	      <target dev='vnet3'/>
	      <model type='virtio'/>
	      <alias name='net0'/>
	    </interface>
	    <interface type='bridge'>
	      <mac address='52:54:00:11:22:34'/>
	      <source bridge='br0'/>
	      <virtualport type='openvswitch'><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>
	      <model type='virtio'/>
	    </interface>
	    <serial type='file'><source path='$T/tpl-serial.log'/><target port='0'/></serial>
	    <console type='pty' tty='/dev/pts/4'><source path='/dev/pts/4'/><target type='virtio' port='0'/></console>
	    <channel type='unix'><source mode='bind' path='$T/tpl.agent'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
	    <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
	    <memballoon model='virtio'/>
	  </devices>
	  <seclabel type='dynamic' model='selinux' relabel='yes'><label>system_u:system_r:svirt_t:s0:c1,c2</label><imagelabel>system_u:object_r:svirt_image_t:s0:c1,c2</imagelabel></seclabel>
	</domain>
	EOF
}

# x FILE XPATH: the XPath's string value in FILE.
x() {
	xmllint --xpath "string($2)" "$1"
}

# Blanks every field a clone may change, in both documents, and compares
# what is left canonically: the clone differs in nothing else.
same_but_identity() {
	/usr/bin/python3 - "$1" "$2" <<-'EOF'
	import sys, xml.etree.ElementTree as E
	def norm(path):
	    t = E.parse(path); r = t.getroot()
	    r.attrib.pop('id', None)
	    for tag in ('name', 'uuid', 'title'):
	        for e in r.findall(tag): r.remove(e)
	    for e in r.findall("sysinfo/system/entry[@name='uuid']"): e.text = ''
	    for e in r.findall('os/nvram'): e.text = ''
	    for e in r.iter():
	        for c in list(e):
	            if c.tag in ('alias', 'backingStore', 'mirror', 'imagelabel') or \
	               (c.tag == 'target' and e.tag == 'interface') or \
	               (c.tag == 'label' and e.tag == 'seclabel'):
	                e.remove(c)
	    for i in r.iter('interface'):
	        for m in i.iter('mac'): m.set('address', '')
	        for s in i.iter('source'): s.attrib.pop('portid', None)
	        for p in i.iter('parameters'): p.attrib.pop('interfaceid', None)
	    for d in r.iter('disk'):
	        for s in d.findall('source'): s.attrib.pop('file', None); s.attrib.pop('dev', None)
	        for s in d.findall('driver'): s.attrib.pop('type', None)
	        for tag in ('serial', 'wwn'):
	            for s in d.findall(tag): s.text = ''
	        if d.get('type') == 'block': d.set('type', 'file')
	    for kind in ('serial', 'console', 'channel'):
	        for c in r.iter(kind):
	            c.attrib.pop('tty', None)
	            for s in c.findall('source'):
	                s.attrib.pop('path', None)
	                if not s.attrib and len(s) == 0: c.remove(s)
	    for g in r.iter('graphics'):
	        for a in ('port', 'autoport', 'tlsPort'): g.attrib.pop(a, None)
	    return E.canonicalize(E.tostring(r), strip_text=True)
	a, b = norm(sys.argv[1]), norm(sys.argv[2])
	if a != b:
	    print(a); print(b); sys.exit(1)
	EOF
}

# One line on stderr, "vm-clone: what", and the status (usage errors add
# the "Try" line).
assert_error() {
	assert_equal "$status" "$1"
	assert_line --index 0 "vm-clone: $2"
}

# Nothing but the template's own files in T (and the state root).
assert_nothing_left() {
	run bash -c "cd '$T' && ls -A | grep -v -x -e tpl.qcow2 -e data.raw -e cd.iso \
		-e tpl_VARS.fd -e tpl.xml -e root -e out.xml -e err -e '$1' | grep -v ^separate-stderr"
	assert_output ''
	# The test's own definitions, and no other.
	run bash -c "ls -A '$VIRTUTILS_ROOT/domains' 2>/dev/null | grep -v -x -e tpl.xml -e other.xml -e web2.xml"
	assert_output ''
}

# define NAME FILE: a domain defined in the state root, as domaindb writes it.
define() {
	mkdir -p "$VIRTUTILS_ROOT/domains"
	sed "s|<name>[^<]*</name>|<name>$1</name>|" "$2" >"$VIRTUTILS_ROOT/domains/$1.xml"
}

# ---- options ----

@test "--help and --version print on stdout and exit 0" {
	run vm-clone --help
	assert_success
	assert_line --partial "--original-xml FILE"
	assert_line --partial "--linked"
	run vm-clone --version
	assert_success
	assert_output --partial "vm-clone"
}

@test "usage errors exit 2 with virt-clone's words" {
	run vm-clone --auto-clone
	assert_error 2 "An original machine name is required, use '--original src_name' and try again."
	run vm-clone --original-xml tpl.xml --name n
	assert_error 2 "Either --auto-clone or --file is required, use '--auto-clone or --file' and try again."
	run vm-clone --original-xml tpl.xml --file a.img
	assert_error 2 "A name is required for the new virtual machine, use '--name NEW_VM_NAME' to specify one."
	run vm-clone --original-xml tpl.xml -A --mac 52:54:00:zz:00:01
	assert_error 2 "--mac: invalid MAC address '52:54:00:zz:00:01'"
	run vm-clone --original-xml tpl.xml -A --mac ff:ff:ff:ff:ff:ff
	assert_error 2 "--mac: invalid MAC address 'ff:ff:ff:ff:ff:ff'"
	run vm-clone --original-xml tpl.xml -A --uuid nope
	assert_error 2 "--uuid: invalid UUID 'nope'"
	run vm-clone --original-xml tpl.xml -A --linked --reflink
	assert_equal "$status" 2
	run vm-clone --original-xml tpl.xml -A --print-xml --define
	assert_equal "$status" 2
	run vm-clone --original-xml tpl.xml -n 1234 -A
	assert_error 2 "--name: invalid domain name '1234'"
	run vm-clone --original-xml tpl.xml -A --connect xen:///
	assert_equal "$status" 2
	run vm-clone --original-xml tpl.xml -A --force-copy vdz
	assert_error 2 "--force-copy: no disk with target 'vdz'"
	assert_nothing_left
}

# ---- what changes ----

@test "--auto-clone: the clone differs from the original exactly in its identity" {
	run --separate-stderr vm-clone --original-xml tpl.xml --auto-clone
	assert_success
	assert_equal "$stderr" "Clone 'tpl-clone' created successfully."
	printf '%s\n' "$output" >out.xml
	valid_xml out.xml
	same_but_identity tpl.xml out.xml
	assert_equal "$(x out.xml /domain/name)" tpl-clone
	uuid=$(x out.xml /domain/uuid)
	[[ $uuid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	assert_equal "$(x out.xml "/domain/sysinfo/system/entry[@name='uuid']")" "$uuid"
	assert_equal "$(x out.xml "/domain/sysinfo/system/entry[@name='manufacturer']")" Acme
	assert_equal "$(x out.xml 'count(/domain/title)')" 0
	assert_equal "$(x out.xml 'count(/domain/@id)')" 0
	assert_equal "$(x out.xml /domain/description)" "keep me"
	m1=$(x out.xml '/domain/devices/interface[1]/mac/@address')
	m2=$(x out.xml '/domain/devices/interface[2]/mac/@address')
	[[ $m1 =~ ^52:54:00: ]] && [[ $m2 =~ ^52:54:00: ]]
	[ "$m1" != 52:54:00:11:22:33 ] && [ "$m2" != 52:54:00:11:22:34 ] && [ "$m1" != "$m2" ]
	ifid=$(x out.xml '//interface[2]/virtualport/parameters/@interfaceid')
	[ -n "$ifid" ] && [ "$ifid" != 09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f ]
	assert_equal "$(x out.xml 'count(//interface/target)')" 0
	assert_equal "$(x out.xml 'count(//@portid)')" 0
	assert_equal "$(x out.xml 'count(//alias)')" 0
	assert_equal "$(x out.xml 'count(//backingStore)')" 0
	assert_equal "$(x out.xml "//disk[target/@dev='vda']/source/@file")" "$T/tpl-clone.qcow2"
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/source/@file")" "$T/data-clone.raw"
	assert_equal "$(x out.xml "//disk[target/@dev='sda']/source/@file")" "$T/cd.iso"
	s=$(x out.xml "//disk[target/@dev='vda']/serial")
	[ ${#s} -eq 17 ] && [ "$s" != TPLDISK0001234567 ] && [[ $s == TPLDISK00* ]]
	w=$(x out.xml "//disk[target/@dev='vdb']/wwn")
	[ ${#w} -eq 16 ] && [ "$w" != 5000c50015ea71ad ]
	assert_equal "$(x out.xml '//serial/source/@path')" "$T/tpl-clone-serial.log"
	assert_equal "$(x out.xml 'count(//console/@tty)')" 0
	assert_equal "$(x out.xml 'count(//console/source)')" 0
	assert_equal "$(x out.xml '//channel/source/@path')" "$T/tpl-clone.agent"
	assert_equal "$(x out.xml 'count(//graphics/@port)')" 0
	assert_equal "$(x out.xml '//graphics/@autoport')" yes
	assert_equal "$(x out.xml 'count(//seclabel/label)')" 0
	assert_equal "$(x out.xml 'count(//seclabel/imagelabel)')" 0
	assert_equal "$(x out.xml /domain/os/nvram)" "$T/tpl-clone_VARS.fd"
	cmp tpl_VARS.fd tpl-clone_VARS.fd
}

@test "copies are identical, consistent, keep the format's features and holes" {
	vm-clone -q --original-xml tpl.xml --name c1 --file c1.qcow2 --file c1.raw >out.xml
	qemu-img compare tpl.qcow2 c1.qcow2
	qemu-img compare -f raw -F raw data.raw c1.raw
	qemu-img check c1.qcow2
	for f in compat compression-type refcount-bits lazy-refcounts; do
		assert_equal "$(qemu-img info --output=json c1.qcow2 | jq -c ".\"format-specific\".data.\"$f\"")" \
			"$(qemu-img info --output=json tpl.qcow2 | jq -c ".\"format-specific\".data.\"$f\"")"
	done
	assert_equal "$(qemu-img info --output=json c1.qcow2 | jq -r '.snapshots[0].name')" base
	assert_equal "$(qemu-img info --output=json c1.qcow2 | jq -r '."format-specific".data."refcount-bits"')" 32
	assert_equal "$(qemu-img info --output=json c1.qcow2 | jq -r '."format-specific".data."compression-type"')" zstd
	[ "$(du -k c1.qcow2 | cut -f1)" -le "$(du -k tpl.qcow2 | cut -f1)" ]
	[ "$(du -k c1.raw | cut -f1)" -le "$(du -k data.raw | cut -f1)" ]
	[ "$(du -k c1.raw | cut -f1)" -lt 1024 ]
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/source/@file")" "$T/c1.raw"
}

@test "--nonsparse allocates the whole copy" {
	vm-clone -q --original-xml tpl.xml -n c1 -f c1.qcow2 -f c1.raw --nonsparse >/dev/null
	qemu-img compare -f raw -F raw data.raw c1.raw
	[ "$(du -k c1.raw | cut -f1)" -ge $((32 * 1024)) ]
}

@test "--linked: qcow2 overlays on the originals, which writes leave alone" {
	sum=$(md5sum <data.raw)
	qsum=$(md5sum <tpl.qcow2)
	vm-clone -q --original-xml tpl.xml -n l1 --linked -f l1.qcow2 -f l1-data.qcow2 >out.xml
	valid_xml out.xml
	same_but_identity tpl.xml out.xml
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/driver/@type")" qcow2
	assert_equal "$(x out.xml "//disk[target/@dev='vda']/driver/@type")" qcow2
	run qemu-img info --output=json l1-data.qcow2
	assert_equal "$(jq -r '."backing-filename"' <<<"$output")" "$T/data.raw"
	assert_equal "$(jq -r '."backing-filename-format"' <<<"$output")" raw
	assert_equal "$(qemu-img info --output=json l1.qcow2 | jq -r '."backing-filename-format"')" qcow2
	qemu-img compare tpl.qcow2 l1.qcow2
	qemu-img compare -f raw -F qcow2 data.raw l1-data.qcow2
	qemu-img check l1.qcow2
	[ "$(du -k l1-data.qcow2 | cut -f1)" -lt 1024 ]
	qemu-io -f qcow2 -c 'write -P 0x77 5M 1M' l1-data.qcow2 >/dev/null
	qemu-io -f qcow2 -c 'write -P 0x77 0 1M' l1.qcow2 >/dev/null
	assert_equal "$(md5sum <data.raw)" "$sum"
	assert_equal "$(md5sum <tpl.qcow2)" "$qsum"
	run qemu-img compare -f raw -F qcow2 data.raw l1-data.qcow2
	assert_equal "$status" 1
}

@test "--reflink fails clearly where the filesystem cannot share, leaving nothing" {
	fs=$(stat -f -c %T "$T")
	[ "$fs" != xfs ] && [ "$fs" != btrfs ] || skip "$T is on $fs, which can share extents"
	run vm-clone --original-xml tpl.xml -n r1 -f r1.qcow2 -f r1.raw --reflink
	assert_error 1 "$T/r1.qcow2: the filesystem cannot share extents (reflink): Operation not supported"
	assert_nothing_left
}

@test "--reflink on XFS shares the original's extents" {
	need_root "mounting an XFS image"
	command -v mkfs.xfs >/dev/null || skip "no mkfs.xfs"
	truncate -s 512M xfs.img
	mkfs.xfs -q -m reflink=1 xfs.img
	mkdir mnt
	mount -o loop xfs.img mnt || skip "cannot mount a loop device here"
	cp tpl.qcow2 data.raw tpl_VARS.fd mnt/
	sed "s|$T/|$T/mnt/|g" tpl.xml >mnt/tpl.xml
	sync
	vm-clone -q --original-xml mnt/tpl.xml -n r1 -f mnt/r1.qcow2 -f mnt/r1.raw --reflink \
		>mnt/r1.xml
	qemu-img compare mnt/tpl.qcow2 mnt/r1.qcow2
	qemu-img compare -f raw -F raw mnt/data.raw mnt/r1.raw
	run filefrag -v mnt/r1.qcow2
	assert_output --partial shared
	run filefrag -v mnt/r1.raw
	assert_output --partial shared
	run filefrag -v mnt/r1_VARS.fd
	assert_output --partial shared
	umount mnt
}

@test "--reflink fails on ext4" {
	need_root "mounting an ext4 image"
	truncate -s 128M ext4.img
	mkfs.ext4 -q ext4.img
	mkdir mnt
	mount -o loop ext4.img mnt || skip "cannot mount a loop device here"
	cp data.raw mnt/
	sed "s|$T/data.raw|$T/mnt/data.raw|" tpl.xml >mnt/tpl.xml
	run vm-clone --original-xml mnt/tpl.xml -n r1 --skip-copy vda -f mnt/r1.raw --reflink
	assert_error 1 "$T/mnt/r1.raw: the filesystem cannot share extents (reflink): Operation not supported"
	run ls mnt
	refute_output --partial r1
	umount mnt
}

@test "a second --auto-clone counts on; disks get -1, -2 on collision" {
	vm-clone -q --original-xml tpl.xml -A --define
	vm-clone -q --original-xml tpl.xml -A --define
	[ -f root/domains/tpl-clone.xml ] && [ -f root/domains/tpl-clone1.xml ]
	assert_equal "$(x root/domains/tpl-clone1.xml "//disk[target/@dev='vdb']/source/@file")" "$T/data-clone-1.raw"
	assert_equal "$(x root/domains/tpl-clone1.xml "//disk[target/@dev='vda']/source/@file")" "$T/tpl-clone1.qcow2"
	vm-clone -q --original root/domains/tpl-clone.xml -A --print-xml 2>/dev/null && false
	run vm-clone -q --original tpl-clone -A --print-xml
	assert_success
	assert_equal "$(xmllint --xpath 'string(/domain/name)' - <<<"$output")" tpl-clone2
}

@test "--original NAME --define stores the clone; stdout stays empty" {
	define tpl tpl.xml
	run --separate-stderr vm-clone --original tpl --name web2 -A --define
	assert_success
	assert_output ''
	assert_equal "$stderr" "Clone 'web2' created successfully."
	valid_xml root/domains/web2.xml
	same_but_identity tpl.xml root/domains/web2.xml
	qemu-img compare tpl.qcow2 web2.qcow2
	run vm-clone --original nope -A
	assert_error 1 "Domain 'nope' was not found."
}

@test "a running original is refused unless nothing is copied" {
	define tpl tpl.xml
	mkdir -p root/run/qemu
	/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX); print("ok", flush=True); time.sleep(60)' \
		root/run/qemu/tpl.pid >locker.out &
	LOCKER=$!
	for _ in $(seq 50); do [ -s locker.out ] && break; sleep 0.1; done
	rm -f locker.out
	run vm-clone --original tpl -A
	assert_error 1 "Domain to clone must be shutoff."
	assert_nothing_left 'locker.out'
	run vm-clone -q --original tpl -A --skip-copy vda --skip-copy vdb --print-xml
	assert_success
	run vm-clone -q --original tpl -A --skip-copy vda --skip-copy vdb --nvram "$T/tpl_VARS.fd" --preserve-data
	assert_success
}

@test "--connect qemu:///session: the user's root, and its run dir for the running check" {
	export XDG_DATA_HOME=$T/xdg XDG_RUNTIME_DIR=$T/xrun
	mkdir -p "$XDG_DATA_HOME/virtutils/domains" "$XDG_RUNTIME_DIR/virtutils/qemu"
	cp tpl.xml "$XDG_DATA_HOME/virtutils/domains/tpl.xml"
	/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX); print("ok", flush=True); time.sleep(60)' \
		"$XDG_RUNTIME_DIR/virtutils/qemu/tpl.pid" >locker.out &
	LOCKER=$!
	for _ in $(seq 50); do [ -s locker.out ] && break; sleep 0.1; done
	rm -f locker.out
	run vm-clone --connect qemu:///session --original tpl -A
	assert_error 1 "Domain to clone must be shutoff."
	kill "$LOCKER"
	wait "$LOCKER" 2>/dev/null || true
	LOCKER=
	run -0 vm-clone -q --connect qemu:///session --original tpl -n tpl2 -f tpl2.qcow2 \
		-f tpl2.raw --define
	[ -f "$XDG_DATA_HOME/virtutils/domains/tpl2.xml" ] || fail "not defined in the session root"
	[ ! -e "$VIRTUTILS_ROOT/domains/tpl2.xml" ] || fail "defined in \$VIRTUTILS_ROOT"
}

# ---- errors leave nothing behind ----

@test "a target file that exists is refused unless --replace or --preserve-data" {
	echo keep >c1.raw
	run vm-clone --original-xml tpl.xml -n c1 -f c1.qcow2 -f c1.raw
	assert_error 1 "$T/c1.raw: target file exists (--replace overwrites it)"
	assert_equal "$(cat c1.raw)" keep
	assert_nothing_left c1.raw
	vm-clone -q --original-xml tpl.xml -n c1 -f c1.qcow2 -f c1.raw --replace >/dev/null
	qemu-img compare -f raw -F raw data.raw c1.raw
}

@test "fewer --file than disks to copy, without --auto-clone" {
	run vm-clone --original-xml tpl.xml -n c1 -f c1.qcow2
	assert_error 1 "vdb: no --file for this disk: give one --file for each of the 2 disks to copy, or --auto-clone"
	assert_nothing_left
	vm-clone -q --original-xml tpl.xml -n c1 -f c1.qcow2 -A >out.xml
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/source/@file")" "$T/data-clone.raw"
}

@test "a MAC in use by a defined domain, or by the original, is refused" {
	define other tpl.xml
	sed -i 's/4dea22b3-1d52-d8f3-2516-782e98ab3fa0/5dea22b3-1d52-d8f3-2516-782e98ab3fa0/g; s/52:54:00:11:22:33/52:54:00:aa:bb:cc/' root/domains/other.xml
	run vm-clone --original-xml tpl.xml -A --mac 52:54:00:AA:BB:CC
	assert_error 1 "The MAC address '52:54:00:AA:BB:CC' is in use by another virtual machine."
	assert_nothing_left
	run vm-clone --original-xml tpl.xml -A --mac 52:54:00:11:22:34
	assert_error 1 "The MAC address '52:54:00:11:22:34' is in use by another virtual machine."
	run vm-clone -q --original-xml tpl.xml -A --print-xml --mac 52:54:00:01:02:03 --mac RANDOM
	assert_success
	assert_equal "$(xmllint --xpath 'string(//interface[1]/mac/@address)' - <<<"$output")" 52:54:00:01:02:03
	run vm-clone -q --original-xml tpl.xml -A --print-xml --mac 52:54:00:aa:bb:cc --check mac_in_use=off
	assert_success
}

@test "a name in use is refused unless --replace" {
	define web2 tpl.xml
	run vm-clone --original-xml tpl.xml -n web2 -A
	assert_error 1 "Invalid name for new guest: Guest name 'web2' is already in use."
	assert_nothing_left
	vm-clone -q --original-xml tpl.xml -n web2 -A --define --replace
	assert_equal "$(x root/domains/web2.xml "//disk[target/@dev='vda']/source/@file")" "$T/web2.qcow2"
	[ "$(x root/domains/web2.xml /domain/uuid)" != 4dea22b3-1d52-d8f3-2516-782e98ab3fa0 ]
}

@test "a missing source disk is refused" {
	rm data.raw
	run vm-clone --original-xml tpl.xml -A
	assert_error 1 "Disk path '$T/data.raw' does not exist."
	run bash -c "ls '$T' | grep clone"
	assert_output ''
}

@test "a failure on the second disk removes the first copy and defines nothing" {
	run vm-clone --original-xml tpl.xml -n c1 -f c1.qcow2 -f "$T/nodir/c1.raw" --define
	assert_equal "$status" 1
	assert_line --index 0 --partial "vm-clone: $T/nodir/c1.raw: "
	assert_nothing_left
	[ ! -e root/domains/c1.xml ]
}

# ---- other options ----

@test "--print-xml copies nothing" {
	run --separate-stderr vm-clone --original-xml tpl.xml -A --print-xml
	assert_success
	assert_equal "$stderr" ''
	printf '%s\n' "$output" >out.xml
	valid_xml out.xml
	assert_equal "$(x out.xml "//disk[target/@dev='vda']/source/@file")" "$T/tpl-clone.qcow2"
	assert_nothing_left
}

@test "--preserve-data points at existing files and copies nothing" {
	run vm-clone --original-xml tpl.xml -n p1 -f p1.qcow2 -f p1.raw --preserve-data
	assert_error 1 "$T/p1.qcow2: does not exist (--preserve-data uses existing files)"
	echo a >p1.qcow2
	echo b >p1.raw
	vm-clone -q --original-xml tpl.xml -n p1 -f p1.qcow2 -f p1.raw --preserve-data >out.xml
	assert_equal "$(cat p1.qcow2 p1.raw)" "a
b"
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/source/@file")" "$T/p1.raw"
	[ ! -e tpl-clone_VARS.fd ] && [ ! -e p1_VARS.fd ]
}

@test "--skip-copy shares a disk, --force-copy copies a read-only one" {
	vm-clone -q --original-xml tpl.xml -n s1 --skip-copy vda --force-copy sda -f s1.raw -f s1.iso >out.xml
	assert_equal "$(x out.xml "//disk[target/@dev='vda']/source/@file")" "$T/tpl.qcow2"
	assert_equal "$(x out.xml "//disk[target/@dev='vda']/serial")" TPLDISK0001234567
	assert_equal "$(x out.xml "//disk[target/@dev='sda']/source/@file")" "$T/s1.iso"
	cmp cd.iso s1.iso
	[ ! -e tpl-clone.qcow2 ]
}

@test "--nvram names the copy of the UEFI variables" {
	vm-clone -q --original-xml tpl.xml -A --nvram vars/new.fd --print-xml >out.xml
	assert_equal "$(x out.xml /domain/os/nvram)" "$T/vars/new.fd"
	vm-clone -q --original-xml tpl.xml -A --nvram new.fd >out.xml
	cmp tpl_VARS.fd new.fd
}

@test "--uuid sets both UUIDs; stdin works as --original-xml -" {
	run vm-clone -q --original-xml - -A --print-xml --uuid 00112233445566778899AABBCCDDEEFF <tpl.xml
	assert_success
	printf '%s\n' "$output" >out.xml
	assert_equal "$(x out.xml /domain/uuid)" 00112233-4455-6677-8899-aabbccddeeff
	assert_equal "$(x out.xml "//sysinfo/system/entry[@name='uuid']")" 00112233-4455-6677-8899-aabbccddeeff
}

@test "a block device target is written in place" {
	need_root "a loop device"
	truncate -s 40M blk.img
	dev=$(losetup -f --show blk.img) || skip "no loop devices"
	run vm-clone -q --original-xml tpl.xml -n b1 --skip-copy vda -f "$dev"
	losetup -d "$dev"
	assert_success
	printf '%s\n' "$output" >out.xml
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/@type")" block
	assert_equal "$(x out.xml "//disk[target/@dev='vdb']/source/@dev")" "$dev"
	valid_xml out.xml
	cmp -n $((32 << 20)) data.raw blk.img
}

@test "parallel clones of one template get distinct names, MACs and files" {
	define tpl tpl.xml
	for i in 1 2 3 4 5 6 7 8; do
		vm-clone -q --original tpl --auto-clone --define 2>err.$i &
	done
	wait
	cat err.* >&2
	run bash -c "ls root/domains | wc -l"
	assert_output 9
	run bash -c "cat root/domains/tpl-clone*.xml | grep -o \"mac address=.[0-9a-f:]*\" | sort | uniq -d"
	assert_output ''
	run bash -c "cat root/domains/tpl-clone*.xml | grep -o \"source file=.[^'\\\"]*\" | grep -v cd.iso | sort | uniq -d"
	assert_output ''
	run bash -c "ls $T | grep -c -- '-clone.*\.\(qcow2\|raw\)$'"
	assert_output 16
	for f in root/domains/tpl-clone*.xml; do
		q=$(x "$f" "//disk[target/@dev='vda']/source/@file")
		qemu-img compare tpl.qcow2 "$q"
	done
}

# A domain whose one disk is sparse but holds enough data that a copy
# takes a while: big.raw, 256 MiB with 64 MiB written.
make_big() {
	truncate -s 256M "$T/big.raw"
	yes 'big disk data' | head -c 64M | dd of="$T/big.raw" bs=1M seek=16 conv=notrunc status=none
	cat >"$T/big.xml" <<-EOF
	<domain type='kvm'>
	  <name>big</name>
	  <memory unit='KiB'>1048576</memory>
	  <os><type arch='x86_64'>hvm</type></os>
	  <devices>
	    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$T/big.raw'/><target dev='vda' bus='virtio'/></disk>
	  </devices>
	</domain>
	EOF
}

@test "-n NAME held by another vm-clone fails before anything is copied" {
	make_big
	mkdir -p root/run/reserve/.vm-clone-domains
	# what a vm-clone copying for -n fixed holds, flock'ed by a stand-in
	(exec 9>root/run/reserve/.vm-clone-domains/fixed && flock 9 && exec sleep 60) &
	LOCKER=$!
	for _ in $(seq 50); do
		flock -n root/run/reserve/.vm-clone-domains/fixed true || break
		sleep 0.1
	done
	run vm-clone --original-xml big.xml -n fixed -f "$T/c.raw" --define
	assert_error 1 "Invalid name for new guest: Guest name 'fixed' is reserved by another vm-clone in progress."
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e c.raw ]
	[ ! -e root/domains/fixed.xml ]
	# --replace waits its turn as well
	run vm-clone --original-xml big.xml -n fixed -f "$T/c.raw" --define --replace
	assert_error 1 "Invalid name for new guest: Guest name 'fixed' is reserved by another vm-clone in progress."
	kill "$LOCKER"
	wait "$LOCKER" || true
	LOCKER=
	vm-clone -q --original-xml big.xml -n fixed -f "$T/c.raw" --define
	[ -e root/domains/fixed.xml ]
}

@test "parallel clones to one -n NAME: one wins, the others copy nothing" {
	local i ok=0 tracer=()
	make_big
	if strace -f -qq -e trace=none true 2>/dev/null; then
		tracer=(strace -f -qq -e trace=copy_file_range,write,pwrite64,pwritev,pwritev2)
	fi
	for i in 1 2 3 4; do
		${tracer[@]+"${tracer[@]}" -o "trace.$i"} \
			vm-clone --original-xml big.xml -n fixed -f "$T/c$i.raw" --define 2>"err.$i" &
	done
	wait
	for i in 1 2 3 4; do
		if grep -q "created successfully" "err.$i"; then
			ok=$((ok + 1))
			qemu-img compare -f raw -F raw big.raw "c$i.raw"
			continue
		fi
		# one line, the name's conflict, found before the copy
		[ "$(wc -l <"err.$i")" -eq 1 ] || fail "err.$i: $(cat "err.$i")"
		grep -qx "vm-clone: Invalid name for new guest: Guest name 'fixed' is \(reserved by another vm-clone in progress\|already in use\)\." "err.$i" ||
			fail "err.$i: $(cat "err.$i")"
		[ ! -e "c$i.raw" ]
		if [ -n "${tracer[*]}" ]; then
			! grep -E '^[0-9]+ +(copy_file_range|pwrite)' "trace.$i" ||
				fail "clone $i failed but copied"
		fi
	done
	[ "$ok" -eq 1 ] || fail "$ok clones succeeded"
	[ "$(ls root/domains)" = fixed.xml ]
}

@test "unix sockets QEMU binds get the clone's own paths; ones it connects to stay" {
	sed -i "s|</devices>|<serial type='unix'><source mode='bind' path='$T/tpl.serial'/><target port='1'/></serial><serial type='unix'><source mode='bind' path='$T/console.sock'/><target port='2'/></serial><serial type='unix'><source mode='connect' path='$T/tpl.logger'/><target port='3'/></serial></devices>|" tpl.xml
	valid_xml tpl.xml
	vm-clone -q --original-xml tpl.xml -n web2 -A --print-xml >out.xml
	valid_xml out.xml
	assert_equal "$(x out.xml "//serial[target/@port=1]/source/@path")" "$T/web2.serial"
	assert_equal "$(x out.xml "//serial[target/@port=2]/source/@path")" "$T/console-web2.sock"
	assert_equal "$(x out.xml "//serial[target/@port=3]/source/@path")" "$T/tpl.logger"
	assert_equal "$(x out.xml "//channel/source/@path")" "$T/web2.agent"
	# no bound socket of the clone is one of the original's
	run bash -c "{ xmllint --xpath '//*[@mode=\"bind\"]/@path' tpl.xml; xmllint --xpath '//*[@mode=\"bind\"]/@path' out.xml; } | tr ' ' '\n' | grep . | sort | uniq -d"
	assert_output ''
}

@test "virt-clone picks the same names" {
	command -v virt-clone >/dev/null || skip "virt-clone is not installed"
	grep -v "entry name='uuid'" tpl.xml | sed '/<nvram>/s|<nvram>[^<]*</nvram>||' >v.xml
	run -0 virt-clone --connect test:///default --original-xml v.xml --auto-clone --print-xml
	theirs=$output
	vm-clone -q --original-xml v.xml --auto-clone --print-xml >ours.xml
	assert_equal "$(x ours.xml /domain/name)" "$(xmllint --xpath 'string(/domain/name)' - <<<"$theirs")"
	for t in vda vdb sda; do
		assert_equal "$(x ours.xml "//disk[target/@dev='$t']/source/@file")" \
			"$(xmllint --xpath "string(//disk[target/@dev='$t']/source/@file)" - <<<"$theirs")"
	done
}

@test "the completion offers options, defined domains and disk targets" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	define tpl tpl.xml
	define web2 tpl.xml
	run complete_lines vm-clone \
		'vm-clone --li' \
		'vm-clone --original ' \
		'vm-clone -o tpl --skip-copy '
	assert_success
	assert_line --index 0 "--linked"
	assert_line --index 1 "tpl web2"
	assert_line --index 2 "vda vdb sda sdb"
}

@test "a pool volume disk is copied beside it and written as a file disk" {
	pool-ctl -q vol-create-as default v1.qcow2 64M --format qcow2
	cat >vol.xml <<-'EOF'
	<domain type='kvm'><name>vv</name><memory>65536</memory><os><type>hvm</type></os><devices>
	<disk type='volume' device='disk'><source pool='default' volume='v1.qcow2'/><target dev='vda' bus='virtio'/></disk>
	</devices></domain>
	EOF
	vm-clone -q --original-xml vol.xml -A >out.xml
	valid_xml out.xml
	assert_equal "$(x out.xml '//disk/@type')" file
	assert_equal "$(x out.xml '//disk/driver/@type')" qcow2
	assert_equal "$(x out.xml '//disk/source/@file')" "$VIRTUTILS_ROOT/images/v1-clone.qcow2"
	qemu-img compare "$VIRTUTILS_ROOT/images/v1.qcow2" "$VIRTUTILS_ROOT/images/v1-clone.qcow2"
}

@test "a qcow2 overlay copied elsewhere keeps its backing file" {
	qemu-img create -q -f qcow2 -b tpl.qcow2 -F qcow2 top.qcow2
	qemu-io -f qcow2 -c 'write -P 0x44 8M 1M' top.qcow2 >/dev/null
	sed "s|$T/tpl.qcow2|$T/top.qcow2|" tpl.xml >top.xml
	mkdir sub
	vm-clone -q --original-xml top.xml -n t1 -f sub/t1.qcow2 -f sub/t1.raw >/dev/null
	assert_equal "$(qemu-img info --output=json sub/t1.qcow2 | jq -r '."backing-filename"')" "$T/tpl.qcow2"
	assert_equal "$(qemu-img info --output=json sub/t1.qcow2 | jq -r '."backing-filename-format"')" qcow2
	qemu-img compare top.qcow2 sub/t1.qcow2
	qemu-img check sub/t1.qcow2
	# Beside the original, the relative name still leads there and stays.
	vm-clone -q --original-xml top.xml -n t2 -f t2.qcow2 -f t2.raw >/dev/null
	assert_equal "$(qemu-img info --output=json t2.qcow2 | jq -r '."backing-filename"')" tpl.qcow2
}
