#!/usr/bin/env bats
# vm-ctl: virsh's lifecycle commands on a state root of the test's own.
# Guests are <domain type='qemu'> (TCG: KVM is not usable here) and need
# no OS: QEMU with no disk to boot spins in its BIOS, or stays paused.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

teardown() {
	local f
	# Whatever QEMU a test started goes with it.
	for f in "$VIRTUTILS_ROOT"/run/qemu/*.pid; do
		[ -f "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null || true
	done
}

# One line on stderr, "vm-ctl: object: what", and the status.
assert_error() {
	local want_status=$1 want=$2
	assert_equal "$status" "$want_status"
	assert_equal "${#lines[@]}" "$(( want_status == 2 ? 2 : 1 ))"
	assert_line --index 0 "vm-ctl: $want"
}

# dom_xml NAME [DEVICES]: a small TCG domain with no disk.
dom_xml() {
	cat >"$1.xml" <<-X
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>64</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='pc'>hvm</type></os>
	  <devices>${2:-}</devices>
	</domain>
	X
}

@test "define FILE prints virsh's line, adds a UUID and a MAC, and lists the domain" {
	dom_xml d1 "<interface type='user'/>"
	run -0 vm-ctl define d1.xml
	assert_output "Domain 'd1' defined from d1.xml"
	run -0 vm-ctl dumpxml d1
	assert_output --regexp '<uuid>[0-9a-f-]{36}</uuid>'
	assert_output --regexp '<mac address="52:54:00:'
	vm-ctl dumpxml d1 | valid_xml -
	run -0 vm-ctl list --all
	assert_line --index 0 --regexp '^ Id +Name +State$'
	assert_line --index 2 --regexp '^ - +d1 +shut off$'
	run -0 vm-ctl list
	refute_output --partial d1
}

@test "define - reads standard input; --file works too; redefining keeps the UUID" {
	dom_xml d1
	run -0 vm-ctl define - <d1.xml
	assert_output "Domain 'd1' defined from -"
	u=$(vm-ctl domuuid d1)
	run -0 vm-ctl -q define --file d1.xml
	assert_output ""
	run -0 vm-ctl domuuid d1
	assert_output "$u"
	sed "s|<name>d1</name>|<name>d1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>|" d1.xml >other.xml
	run vm-ctl define other.xml
	assert_error 1 "d1: domain 'd1' already exists with uuid $u"
}

@test "define refuses bad XML, a bad name, and a missing file, in one line" {
	echo '<domain><name>x' >bad.xml
	run vm-ctl define bad.xml
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --partial "vm-ctl: bad.xml: "
	dom_xml d1
	sed 's|<name>d1|<name>../x|' d1.xml >badname.xml
	run vm-ctl define badname.xml
	assert_equal "$status" 1
	assert_line --index 0 --partial "vm-ctl: badname.xml: "
	run vm-ctl define nope.xml
	assert_equal "$status" 1
	assert_line --index 0 --partial "vm-ctl: nope.xml: "
	run vm-ctl define
	assert_error 2 "define: missing file name"
	assert_equal "$(ls -A "$VIRTUTILS_ROOT/domains" 2>/dev/null)" ""
}

@test "undefine removes the definition; --nvram is needed for a domain with one" {
	dom_xml d1
	vm-ctl -q define d1.xml
	run -0 vm-ctl undefine d1
	assert_output "Domain 'd1' has been undefined"
	run vm-ctl undefine d1
	assert_error 1 "d1: domain not found"
	sed "s|</os>|<nvram>$PWD/d1_VARS.fd</nvram></os>|" d1.xml >nv.xml
	: >d1_VARS.fd
	vm-ctl -q define nv.xml
	run vm-ctl undefine d1
	assert_error 1 "d1: cannot undefine domain with nvram (use --nvram)"
	run -0 vm-ctl undefine --nvram d1
	[ ! -e d1_VARS.fd ]
}

@test "undefine --remove-all-storage removes the disks' files, not the CD-ROM" {
	: >d1.img
	: >cd.iso
	dom_xml d1 "<disk type='file' device='disk'><source file='$PWD/d1.img'/><target dev='vda' bus='virtio'/></disk><disk type='file' device='cdrom'><source file='$PWD/cd.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>"
	vm-ctl -q define d1.xml
	run -0 vm-ctl undefine --remove-all-storage d1
	assert_line "Volume 'vda'($PWD/d1.img) removed."
	[ ! -e d1.img ]
	[ -e cd.iso ]
}

@test "dumpxml hides display passwords unless --security-info" {
	dom_xml d1 "<graphics type='vnc' passwd='s3cret'/>"
	vm-ctl -q define d1.xml
	run -0 vm-ctl dumpxml d1
	refute_output --partial s3cret
	run -0 vm-ctl dumpxml --security-info d1
	assert_output --partial "passwd=\"s3cret\""
	run -0 vm-ctl dumpxml --inactive --domain d1
	refute_output --partial s3cret
}

@test "dominfo, domstate, domid, domuuid, domname of a defined domain" {
	dom_xml d1
	vm-ctl -q define d1.xml
	u=$(vm-ctl domuuid d1)
	run -0 vm-ctl dominfo d1
	assert_line --index 0 "Id:             -"
	assert_line --index 1 "Name:           d1"
	assert_line --index 2 "UUID:           $u"
	assert_line "State:          shut off"
	assert_line "Max memory:     65536 KiB"
	assert_line "Persistent:     yes"
	assert_line "Autostart:      disable"
	run -0 vm-ctl domstate d1
	assert_output "shut off"
	run -0 vm-ctl domstate --reason d1
	assert_output "shut off (unknown)"
	run -0 vm-ctl domid d1
	assert_equal "$output" "-"
	run -0 vm-ctl domname "$u"
	assert_output d1
	run -0 vm-ctl domstate "$u"
	assert_output "shut off"
}

@test "list --name, --uuid, --json, --inactive and --state-shutoff" {
	dom_xml d1
	dom_xml d2
	vm-ctl -q define d1.xml
	vm-ctl -q define d2.xml
	run -0 vm-ctl list --all --name
	assert_output $'d1\nd2'
	run -0 vm-ctl list --inactive --uuid
	assert_line --index 0 "$(vm-ctl domuuid d1)"
	run -0 vm-ctl list --state-shutoff --name
	assert_output $'d1\nd2'
	run -0 vm-ctl list --state-running --name
	assert_output ""
	run -0 vm-ctl list --all --json
	run -0 jq -r '.[1] | [.name, .state, .persistent, .autostart, (.id == null)] | @tsv' <<<"$output"
	assert_output $'d2\tshut off\ttrue\tfalse\ttrue'
	run vm-ctl list --all --inactive
	assert_equal "$status" 2
	run vm-ctl list --name --json
	assert_equal "$status" 2
}

@test "an unknown domain, command or option is one line" {
	run vm-ctl dominfo nope
	assert_error 1 "nope: domain not found"
	run vm-ctl dumpxml
	assert_error 2 "dumpxml: missing domain name"
	run vm-ctl frobnicate
	assert_equal "$status" 2
	run vm-ctl list --bogus
	assert_equal "$status" 2
	run vm-ctl dumpxml --domain a b
	assert_error 2 "dumpxml: unexpected argument 'b'"
}
