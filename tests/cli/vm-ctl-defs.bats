#!/usr/bin/env bats
# vm-ctl edit, autostart, domblklist and domiflist: what they read and
# write in the state root (no QEMU needed; a running domain's live XML is
# stood for by vm-ctl-fakeqemu.py).

load vm-ctl-lib
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

teardown() {
	stop_everything
}

DISKS="<disk type='file' device='disk'><source file='/srv/d1.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
<disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vdb' bus='virtio'/></disk>"
NICS="<interface type='network'><mac address='52:54:00:aa:00:01'/><source network='default'/><model type='virtio'/></interface>
<interface type='bridge'><mac address='52:54:00:aa:00:02'/><source bridge='br0'/></interface>"

@test "edit: a changed definition is defined again, with virsh's line" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	VISUAL="sed -i 's/>64</>96</'" run -0 vm-ctl edit d1
	assert_output "Domain 'd1' XML configuration edited."
	run -0 vm-ctl dumpxml d1
	assert_output --partial '<memory unit="MiB">96</memory>'
	vm-ctl dumpxml d1 | valid_xml -
}

@test "edit: an editor that changes nothing changes nothing; EDITOR is used without VISUAL" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	before=$(vm-ctl dumpxml d1)
	unset VISUAL
	EDITOR=true run -0 vm-ctl edit d1
	assert_output "Domain 'd1' XML configuration not changed."
	assert_equal "$(vm-ctl dumpxml d1)" "$before"
	EDITOR=true run -0 vm-ctl -q edit --domain d1
	assert_output ""
}

@test "edit: an invalid result or a failing editor keeps the old definition" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	before=$(vm-ctl dumpxml d1)
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir "$TMPDIR"
	VISUAL="sed -i 's/>64</>lots</'" run -1 vm-ctl edit d1
	assert_error 1 "d1: <memory>: 'lots' is not a whole number"
	VISUAL="sed -i 's/domain/domian/'" run -1 vm-ctl edit d1
	assert_output --regexp '^vm-ctl: d1: '
	VISUAL=false run -1 vm-ctl edit d1
	assert_output --regexp '^vm-ctl: d1: '
	assert_equal "$(vm-ctl dumpxml d1)" "$before"
	run -0 ls -A "$TMPDIR"
	assert_output ""
}

@test "edit: an interface added without a MAC gets one, as define gives it" {
	dom_xml d1 "$DISKS"
	vm-ctl define d1.xml >/dev/null
	VISUAL="sed -i 's|<devices>|<devices><interface type=\"user\"/>|'" run -0 vm-ctl edit d1
	run -0 vm-ctl domiflist d1
	assert_line --index 2 --regexp '^ - +user +- +- +52:54:00:'
}

@test "edit: a renamed domain with the same UUID is refused (virsh's rule)" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	VISUAL="sed -i 's|<name>d1</name>|<name>d2</name>|'" run -1 vm-ctl edit d1
	assert_output --regexp "^vm-ctl: d2: .*d1"
	run -0 vm-ctl list --all --name
	assert_output "d1"
}

@test "edit: unknown domain, missing operand" {
	run -1 vm-ctl edit nosuch
	assert_error 1 "nosuch: domain not found"
	run -2 vm-ctl edit
	assert_error 2 "edit: missing domain name"
}

@test "autostart marks and unmarks, as libvirt's link, and dominfo says so" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	run -0 vm-ctl autostart d1
	assert_output "Domain 'd1' marked as autostarted"
	assert_equal "$(readlink "$VIRTUTILS_ROOT/autostart/domains/d1")" "../../domains/d1.xml"
	run -0 vm-ctl dominfo d1
	assert_line --regexp '^Autostart: +enable$'
	run -0 vm-ctl autostart --disable d1
	assert_output "Domain 'd1' unmarked as autostarted"
	[ ! -L "$VIRTUTILS_ROOT/autostart/domains/d1" ]
	run -0 vm-ctl autostart --disable d1
	run -0 vm-ctl dominfo d1
	assert_line --regexp '^Autostart: +disable$'
}

@test "autostart: undefine removes the mark; unknown and transient domains are refused" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	vm-ctl autostart d1 >/dev/null
	vm-ctl undefine d1 >/dev/null
	[ ! -L "$VIRTUTILS_ROOT/autostart/domains/d1" ]
	run -1 vm-ctl autostart d1
	assert_error 1 "d1: domain not found"
	dom_xml t1
	fake_running t1 t1.xml
	run -1 vm-ctl autostart t1
	assert_error 1 "t1: cannot set autostart for transient domain"
	run -2 vm-ctl autostart d1 --bogus
	assert_equal "${lines[0]}" "vm-ctl: unrecognized option '--bogus'"
}

@test "domblklist: targets and sources, --details, --json" {
	dom_xml d1 "$DISKS"
	vm-ctl define d1.xml >/dev/null
	run -0 vm-ctl domblklist d1
	assert_output " Target   Source
-------------------------
 vda      /srv/d1.qcow2
 sda      -
 vdb      /dev/sdz"
	run -0 vm-ctl domblklist d1 --details
	assert_output " Type    Device   Target   Source
------------------------------------------
 file    disk     vda      /srv/d1.qcow2
 file    cdrom    sda      -
 block   disk     vdb      /dev/sdz"
	run -0 vm-ctl -q domblklist d1
	assert_line --index 0 " vda   /srv/d1.qcow2"
	run -0 vm-ctl domblklist d1 --json
	assert_equal "$(jq -c '.[1]' <<<"$output")" \
		'{"type":"file","device":"cdrom","target":"sda","source":null}'
}

@test "domblklist and domiflist read the live XML of a running domain, the definition with --inactive" {
	dom_xml d1 "$DISKS"
	vm-ctl define d1.xml >/dev/null
	dom_xml live "<disk type='file' device='disk'><source file='/srv/other.img'/><target dev='vdc' bus='virtio'/></disk>
<interface type='network'><mac address='52:54:00:aa:00:01'/><source network='default'/><target dev='vnet7'/><model type='virtio'/></interface>"
	sed -i 's|<name>live</name>|<name>d1</name>|; s|<domain |<domain id="4" |' live.xml
	fake_running d1 live.xml
	run -0 vm-ctl domblklist d1
	assert_line --index 2 " vdc      /srv/other.img"
	run -0 vm-ctl domblklist d1 --inactive
	assert_line --index 2 " vda      /srv/d1.qcow2"
	run -0 vm-ctl domiflist d1
	assert_line --index 2 " vnet7       network   default   virtio   52:54:00:aa:00:01"
	run -0 vm-ctl domiflist d1 --inactive
	assert_output " Interface   Type   Source   Model   MAC
------------------------------------------"
}

@test "domiflist: type, source, model and MAC; --json" {
	dom_xml d1 "$NICS"
	vm-ctl define d1.xml >/dev/null
	run -0 vm-ctl domiflist d1
	assert_output " Interface   Type      Source    Model    MAC
-------------------------------------------------------------
 -           network   default   virtio   52:54:00:aa:00:01
 -           bridge    br0       -        52:54:00:aa:00:02"
	run -0 vm-ctl domiflist d1 --json
	assert_equal "$(jq -c '.[1]' <<<"$output")" \
		'{"interface":null,"type":"bridge","source":"br0","model":null,"mac":"52:54:00:aa:00:02"}'
}

@test "domblklist, domiflist: unknown domain, extra operand" {
	run -1 vm-ctl domblklist nosuch
	assert_error 1 "nosuch: domain not found"
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	run -2 vm-ctl domiflist d1 extra
	assert_error 2 "domiflist: unexpected argument 'extra'"
}

@test "completion: the commands, their options, running domains for console" {
	dom_xml d1
	dom_xml d2
	vm-ctl define d1.xml >/dev/null
	vm-ctl define d2.xml >/dev/null
	fake_running d2 d2.xml
	run -0 complete_lines vm-ctl "vm-ctl con" "vm-ctl domblklist --d" "vm-ctl autostart --" \
		"vm-ctl console " "vm-ctl edit " "vm-ctl setmem d1 --c" "vm-ctl domifaddr d2 --source "
	assert_line --index 0 "console"
	assert_line --index 1 "--domain --details"
	assert_line --index 2 --partial "--disable"
	assert_line --index 3 "d2"
	assert_line --index 4 "d1 d2"
	assert_line --index 5 "--connect --config --current"
	assert_line --index 6 "lease"
}

@test "contrib/vm-ctl.service runs start-all and passes systemd-analyze verify" {
	run -0 grep -x "ExecStart=/usr/local/bin/vm-ctl start-all" "$TOP/contrib/vm-ctl.service"
	verify_unit vm-ctl
}
