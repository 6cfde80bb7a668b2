#!/usr/bin/env bats
# vm-create's device options (--graphics, --video, --serial, --console,
# --channel, --rng, --controller, --input, --sound, --watchdog, --memballoon,
# --host-device, --filesystem) against virt-install's: for each option, the
# device elements vm-create writes equal those that
#   virt-install --connect test:///default --name t --memory 1024 \
#     --disk none --import --osinfo generic --print-xml --dry-run --OPT ARG
# writes for the same ARG, once both are normalised by norm.py below. Where
# vm-create differs on purpose (fixed defaults that do not depend on the
# host, virt-install quirks), vm-create's documented output is asserted
# instead, with the reason next to it. Every document vm-create prints
# validates against libvirt's domain.rng.

load common
bats_require_minimum_version 1.5.0

SCHEMA=/usr/share/libvirt/schemas/domain.rng
BASE=(--name t --memory 1024 --disk none --import --osinfo generic --print-xml --dry-run)

setup_file() {
	# norm.py FILE PATH [keep-index]: the elements at PATH (ElementTree syntax
	# relative to <domain>, such as devices/controller[@type='scsi']) of the
	# first domain in FILE, one canonical (C14N 2.0) line each, after:
	#  - <graphics>: autoport='yes' beside port='-1' and autoport='no'
	#    beside a fixed port are dropped (libvirt derives autoport from the
	#    port; vm-create spells it out); so is SPICE's tlsPort='-1', which
	#    virt-install adds and which means a TLS port only when the host's
	#    qemu.conf enables SPICE TLS (vm-create writes nothing host-bound),
	#    and so is a <listen type='address'> that repeats the listen
	#    attribute (libvirt writes both from either); <image
	#    compression='off'/> is dropped: virt-install picks it from the
	#    connection (a local one here), a viewer-side setting;
	#  - <controller index>: dropped unless keep-index; virt-install leaves
	#    numbering to libvirt, vm-create writes the index libvirt would give;
	#  - PCI <address> fields compared as numbers (0x1b and 27);
	#  - children sorted and blank text dropped: libvirt takes device
	#    children in any order (virt-install puts <readonly/> first).
	cat >"$BATS_FILE_TMPDIR/norm.py" <<'EOF'
import sys
import xml.etree.ElementTree as ET


def norm(el, keep_index):
    a = el.attrib
    if el.tag == "graphics" and a.get("tlsPort") == "-1":
        del a["tlsPort"]
    if el.tag == "graphics" and a.get("port") == "-1" and a.get("autoport") == "yes":
        del a["autoport"]
    elif el.tag == "graphics" and a.get("port") and a.get("autoport") == "no":
        del a["autoport"]
    if el.tag == "graphics":
        for ch in list(el):
            if (ch.tag == "listen" and ch.get("type") == "address" and
                    ch.get("address") == a.get("listen")) or \
                    (ch.tag == "image" and ch.get("compression") == "off"):
                el.remove(ch)
    if el.tag == "controller" and not keep_index:
        a.pop("index", None)
    if el.tag == "address":
        for k in ("domain", "bus", "slot", "function"):
            if k in a:
                a[k] = str(int(a[k], 0))
    for ch in el:
        norm(ch, keep_index)
    kids = sorted(el, key=lambda c: ET.tostring(c))
    for c in list(el):
        el.remove(c)
    el.extend(kids)
    el.text = el.text.strip() if el.text and el.text.strip() else None
    el.tail = None


text = open(sys.argv[1]).read()
root = ET.fromstring(text[:text.index("</domain>") + len("</domain>")])
for el in root.findall(sys.argv[2]):
    norm(el, len(sys.argv) > 3 and sys.argv[3] == "keep-index")
    print(ET.canonicalize(ET.tostring(el, encoding="unicode")))
EOF
}

setup() {
	common_setup
	# virt-install keeps a log under the cache directory, even for --dry-run.
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	CONNECT=test:///default
}

need_virt_install() {
	command -v virt-install >/dev/null || skip "virt-install is not installed"
}

# ours ARGS...: vm-create's document for the base command plus ARGS in
# vc.xml; it must succeed and validate.
ours() {
	vm-create "${BASE[@]}" "$@" >vc.xml 2>vc.err ||
		fail "vm-create $*: $(cat vc.err)"
	xmllint --noout --relaxng "$SCHEMA" vc.xml 2>vc.err ||
		fail "vm-create $*: not valid per domain.rng: $(cat vc.err)"
}

# theirs ARGS...: virt-install's for the same, in vi.xml.
theirs() {
	virt-install --connect "$CONNECT" "${BASE[@]}" "$@" >vi.xml 2>vi.err ||
		fail "virt-install $*: $(cat vi.err)"
}

# both ARGS...: vm-create's and virt-install's documents for ARGS.
both() {
	ARGS="$*"
	ours "$@"
	theirs "$@"
}

# check N PATH: both documents have N elements at PATH, and the same ones.
check() {
	local n=$1 path=$2 flag= vc vi
	[[ " $ARGS " == *index=* ]] && flag=keep-index
	vc=$(python3 "$BATS_FILE_TMPDIR/norm.py" vc.xml "$path" $flag)
	vi=$(python3 "$BATS_FILE_TMPDIR/norm.py" vi.xml "$path" $flag)
	[ "$(grep -c . <<<"$vi")" -eq "$n" ] ||
		fail "virt-install $ARGS: want $n $path, got: $vi"
	[ "$vc" = "$vi" ] ||
		fail $'differs for '"$ARGS"$':\n  virt-install: '"$vi"$'\n  vm-create:    '"$vc"
}

# same N PATH ARGS...: both, then check N PATH.
same() {
	local n=$1 path=$2
	shift 2
	both "$@"
	check "$n" "$path"
}

# xp XPATH: the XPath's value in vc.xml.
xp() {
	xmllint --xpath "$1" vc.xml 2>/dev/null
}

@test "--graphics writes virt-install's <graphics>" {
	need_virt_install
	local a
	for a in vnc,listen=127.0.0.1 vnc,listen=0.0.0.0,port=5901 \
		vnc,listen=127.0.0.1,port=-1,password=s3cret vnc,listen=none \
		vnc,listen=127.0.0.1,keymap=de vnc,listen=::1,websocket=5700 \
		spice,listen=127.0.0.1 spice,listen=0.0.0.0,port=5930; do
		same 1 devices/graphics --graphics "$a"
	done
	both --graphics none
	check 0 devices/graphics
	# No display: no video card and no tablet on either side.
	check 0 devices/video
	check 0 devices/input
}

@test "--graphics without listen= listens on 127.0.0.1 with autoport, default is VNC" {
	# virt-install leaves listen= out, so the address comes from the host's
	# qemu.conf; vm-create writes the loopback address so the XML does not
	# depend on the host.
	ours --graphics vnc
	assert_equal "$(xp 'count(//devices/graphics)')" 1
	assert_equal "$(xp 'string(//graphics/@listen)')" 127.0.0.1
	assert_equal "$(xp 'string(//graphics/listen[@type="address"]/@address)')" 127.0.0.1
	assert_equal "$(xp 'string(//graphics/@port)')" -1
	assert_equal "$(xp 'string(//graphics/@autoport)')" yes
	ours --graphics vnc,port=auto
	assert_equal "$(xp 'string(//graphics/@port)')" -1
	# "default" is VNC, as with no --graphics; virt-install picks SPICE when
	# the hypervisor has it.
	ours --graphics default,listen=127.0.0.1
	assert_equal "$(xp 'string(//graphics/@type)')" vnc
}

@test "--video writes virt-install's <video>" {
	need_virt_install
	local a
	# VNC on both sides: virt-install's default display is SPICE, which
	# changes what "default" picks (qxl).
	for a in virtio qxl vga cirrus bochs ramfb vmvga model.type=virtio model=qxl \
		virtio,heads=2 virtio,model.heads=2 vga,vram=16384 default; do
		same 1 devices/video --graphics vnc,listen=127.0.0.1 --video "$a"
	done
	same 1 devices/video --graphics spice,listen=127.0.0.1 --video default
}

@test "--video none beside a display writes model none" {
	# virt-install drops the option and adds its default card anyway;
	# vm-create writes libvirt's "no card" so libvirt adds none either.
	ours --video none
	assert_equal "$(xp 'count(//devices/video)')" 1
	assert_equal "$(xp 'string(//video/model/@type)')" none
	ours --video none --graphics none
	assert_equal "$(xp 'count(//devices/video)')" 0
}

@test "--serial and --console write virt-install's character devices" {
	need_virt_install
	local a
	for a in pty type=pty file,path=/var/log/t.log dev,path=/dev/ttyS0 pipe,path=/tmp/p \
		unix,path=/run/t.sock unix,path=/run/t.sock,mode=connect udp,host=127.0.0.1:514 \
		udp,host=:514 pty,target.type=isa-serial pty,target_type=pci-serial \
		pty,target.port=1 null; do
		both --serial "$a"
		check 1 devices/serial
		# A serial port given replaces the default console, on both sides.
		check 0 devices/console
	done
	for a in pty pty,target.type=virtio pty,target_type=virtio file,path=/var/log/c.log; do
		both --console "$a"
		check 1 devices/console
		check 0 devices/serial
	done
	same 0 devices/console --console none
}

@test "--serial tcp writes one <source> with host and service" {
	# virt-install 4.1 writes a second, empty <source mode='bind'/> beside
	# the one with the address; vm-create writes the one libvirt reads.
	ours --serial tcp,host=127.0.0.1:4555
	assert_equal "$(xp 'count(//serial/source)')" 1
	assert_equal "$(xp 'string(//serial/source/@mode)')" bind
	assert_equal "$(xp 'string(//serial/source/@host)')" 127.0.0.1
	assert_equal "$(xp 'string(//serial/source/@service)')" 4555
	ours --serial tcp,host=:2323,mode=connect,protocol.type=telnet
	assert_equal "$(xp 'string(//serial/source/@mode)')" connect
	assert_equal "$(xp 'string(//serial/source/@host)')" 127.0.0.1
	assert_equal "$(xp 'string(//serial/protocol/@type)')" telnet
}

@test "--serial none and --console none leave both out" {
	# virt-install writes <serial type='none'/>, which libvirt's schema
	# refuses; vm-create reads none as "no serial port".
	ours --serial none
	assert_equal "$(xp 'count(//devices/serial | //devices/console)')" 0
	ours --console none
	assert_equal "$(xp 'count(//devices/serial | //devices/console)')" 0
}

@test "--channel writes virt-install's <channel>" {
	need_virt_install
	local a
	# VNC on both sides: virt-install's default display is SPICE, whose agent
	# channel would come along.
	for a in unix,target_type=virtio,name=org.qemu.guest_agent.0 \
		unix,target.type=virtio,target.name=org.qemu.guest_agent.0,path=/run/ga.sock,mode=bind \
		unix spicevmc spicevmc,target.type=virtio qemu-vdagent pty,target.type=virtio; do
		same 1 devices/channel --graphics vnc,listen=127.0.0.1 --channel "$a"
	done
	# SPICE brings its agent channel; --channel none stops it.
	same 1 devices/channel --graphics spice,listen=127.0.0.1
	same 0 devices/channel --graphics spice,listen=127.0.0.1 --channel none
}

@test "--channel guestfwd writes the forwarded address on the target" {
	# virt-install writes a second, empty <source> here too (see --serial tcp).
	ours --channel tcp,host=127.0.0.1:4600,target.type=guestfwd,target.address=10.0.2.1:4600
	assert_equal "$(xp 'count(//channel/source)')" 1
	assert_equal "$(xp 'string(//channel/target/@type)')" guestfwd
	assert_equal "$(xp 'string(//channel/target/@address)')" 10.0.2.1
	assert_equal "$(xp 'string(//channel/target/@port)')" 4600
}

@test "--rng writes virt-install's <rng>" {
	need_virt_install
	local a
	for a in /dev/urandom /dev/random random,device=/dev/hwrng type=random,device=/dev/random \
		random,backend=/dev/random builtin /dev/urandom,model=virtio \
		/dev/urandom,rate.bytes=1024,rate.period=1000; do
		same 1 devices/rng --rng "$a"
	done
	same 0 devices/rng --rng none
}

@test "--rng random without a device names /dev/urandom" {
	# virt-install leaves the backend empty, which libvirt reads as
	# /dev/urandom; vm-create writes it. (virt-install's --rng default
	# writes backend model='default', which libvirt refuses.)
	ours --rng random
	assert_equal "$(xp 'string(//rng/backend)')" /dev/urandom
	ours --rng default
	assert_equal "$(xp 'string(//rng/backend[@model="random"])')" /dev/urandom
}

@test "--controller writes virt-install's <controller>" {
	need_virt_install
	same 4 "devices/controller[@type='usb']" --controller usb2
	same 1 "devices/controller[@type='usb']" --controller type=usb,model=none
	same 1 "devices/controller[@type='scsi']" --controller type=scsi,model=virtio-scsi
	same 1 "devices/controller[@type='scsi']" --controller scsi,model=virtio-scsi,index=2
	same 1 "devices/controller[@type='virtio-serial']" --controller virtio-serial
	same 1 "devices/controller[@type='sata']" --controller sata
	same 1 "devices/controller[@type='pci']" --controller type=pci,model=pci-bridge
}

@test "--controller numbers controllers and usb2 companions share one index" {
	ours --controller usb2
	assert_equal "$(xp 'count(//controller[@type="usb"][@index="0"])')" 4
	assert_equal "$(xp 'string(//controller[@model="ich9-uhci3"]/master/@startport)')" 4
	ours --controller scsi --controller scsi
	assert_equal "$(xp 'string(//controller[@type="scsi"][2]/@index)')" 1
	# virt-install writes nec-xhci here only because the test driver does
	# not report qemu-xhci; every QEMU vm-create targets has it.
	ours --controller usb3
	assert_equal "$(xp 'string(//controller[@type="usb"]/@model)')" qemu-xhci
	assert_equal "$(xp 'string(//controller[@type="usb"]/@ports)')" 15
}

@test "--input writes virt-install's <input>" {
	need_virt_install
	local a
	for a in tablet tablet,bus=usb mouse mouse,bus=ps2 mouse,bus=usb keyboard,bus=virtio \
		type=keyboard; do
		same 1 devices/input --input "$a"
	done
}

@test "--sound, --watchdog and --memballoon write virt-install's elements" {
	need_virt_install
	local a
	for a in ich6 ich9 ac97 es1370 default model=ich6; do
		same 1 devices/sound --graphics vnc,listen=127.0.0.1 --sound "$a"
	done
	# --sound none: no card even beside SPICE, which brings one in virt-install.
	same 0 devices/sound --graphics spice,listen=127.0.0.1 --sound none
	for a in default i6300esb,action=poweroff ib700 action=pause ib700,action=none; do
		same 1 devices/watchdog --watchdog "$a"
	done
	same 0 devices/watchdog --watchdog none
	for a in virtio none default model=virtio; do
		same 1 devices/memballoon --memballoon "$a"
	done
}

@test "--host-device writes virt-install's <hostdev>" {
	need_virt_install
	# The test driver knows no PCI devices by default: give it one, which
	# virt-install looks up; vm-create reads the address without looking.
	cat >node.xml <<-'EOF'
	<node>
	  <cpu><mhz>2000</mhz><model>x86_64</model></cpu>
	  <memory>8388608</memory>
	  <device>
	    <name>pci_0000_00_1b_0</name>
	    <parent>computer</parent>
	    <capability type='pci'>
	      <domain>0</domain><bus>0</bus><slot>27</slot><function>0</function>
	      <product id='0x293e'>HD Audio Controller</product>
	      <vendor id='0x8086'>Intel Corporation</vendor>
	    </capability>
	  </device>
	</node>
	EOF
	CONNECT=test://$PWD/node.xml
	local a
	for a in pci_0000_00_1b_0 00:1b.0 0000:00:1b.0 name=pci_0000_00_1b_0 \
		00:1b.0,boot_order=1 00:1b.0,boot.order=2; do
		same 1 devices/hostdev --host-device "$a"
	done
	same 0 devices/hostdev --host-device none
	# a device's boot order replaces <os><boot>, which libvirt refuses beside it
	same 1 devices/hostdev --host-device 00:1b.0,boot_order=1
	check 0 os/boot
}

@test "--filesystem writes virt-install's <filesystem>" {
	need_virt_install
	local a
	for a in /srv/share,share source=/srv/share,target=/mnt/share \
		/srv/share,tag,type=mount,accessmode=passthrough /srv/share,tag,mode=squash \
		/srv/share,tag,readonly=yes /srv/share,tag,driver.type=virtiofs; do
		same 1 devices/filesystem --filesystem "$a"
	done
	same 0 devices/filesystem --filesystem none
}

@test "defaults: a generic OS gets VNC, a vga card and a pty serial console" {
	# virt-install's defaults differ on purpose: SPICE with qxl, sound and USB
	# redirection, USB controllers and a tablet on any x86 guest; vm-create
	# writes the set its man page documents, the same on every host.
	ours
	assert_equal "$(xp 'count(//devices/graphics)')" 1
	assert_equal "$(xp 'string(//graphics/@type)')" vnc
	assert_equal "$(xp 'string(//graphics/@listen)')" 127.0.0.1
	assert_equal "$(xp 'string(//graphics/@autoport)')" yes
	assert_equal "$(xp 'string(//video/model/@type)')" vga
	assert_equal "$(xp 'string(//serial[@type="pty"]/target/@port)')" 0
	assert_equal "$(xp 'string(//console[@type="pty"]/target/@type)')" serial
	assert_equal "$(xp 'count(//input | //memballoon | //rng | //channel | //sound | //controller)')" 0
}

@test "defaults: an OS with virtio drivers gets its video, a tablet, a balloon and an RNG" {
	local os
	os=$(basename "$(ls /usr/share/osinfo/os/fedoraproject.org/fedora-3[0-9].xml | sort -V | tail -1)" .xml)
	ours --osinfo "${os/-/}"
	assert_equal "$(xp 'string(//video/model/@type)')" virtio
	assert_equal "$(xp 'count(//input[@type="tablet"][@bus="usb"])')" 1
	assert_equal "$(xp 'string(//memballoon/@model)')" virtio
	assert_equal "$(xp 'string(//rng[@model="virtio"]/backend)')" /dev/urandom
	# Each kind named stops its default.
	ours --osinfo "${os/-/}" --memballoon none --rng none --input none --graphics none
	assert_equal "$(xp 'string(//memballoon/@model)')" none
	assert_equal "$(xp 'count(//rng | //input | //graphics | //video)')" 0
	# SPICE beside an OS with virtio-gpu keeps virtio, and brings its channel.
	ours --osinfo "${os/-/}" --graphics spice
	assert_equal "$(xp 'string(//video/model/@type)')" virtio
	assert_equal "$(xp 'string(//channel[@type="spicevmc"]/target/@name)')" com.redhat.spice.0
}

@test "bad device options exit 2 with one line naming the option" {
	run --separate-stderr vm-create "${BASE[@]}" --graphics vnc,foo=1
	assert_equal "$status" 2
	assert_output ""
	assert_equal "${stderr_lines[0]}" "vm-create: --graphics: unknown option 'foo'"
	run --separate-stderr vm-create "${BASE[@]}" --video sdl
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "vm-create: --video: bad value 'sdl' for 'model'"
	run --separate-stderr vm-create "${BASE[@]}" --watchdog default --watchdog ib700
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "vm-create: --watchdog: only one watchdog is allowed"
	run --separate-stderr vm-create "${BASE[@]}" --host-device 001.003
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "vm-create: --host-device: bad value '001.003' for 'address'"
	run --separate-stderr vm-create "${BASE[@]}" --serial file
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "vm-create: --serial: type 'file' needs a path"
}

@test "--OPTION=? lists the sub-options" {
	run vm-create --graphics=?
	assert_success
	assert_line "  listen"
	assert_line "  password"
	run vm-create --channel help
	assert_success
	assert_line "  target.name"
	run vm-create --filesystem=?
	assert_success
	assert_line "  accessmode"
}
