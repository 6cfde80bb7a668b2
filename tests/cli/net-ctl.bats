#!/usr/bin/env bats
# net-ctl: virsh's net-* commands on a state root of the test's own; every
# XML checked by libvirt's schema. Whatever starts a network runs as root in
# a network namespace the test makes (unshare -n), never in the host's.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

teardown() {
	local f
	# dnsmasq outlives the namespace's shell: stop the ones this test started.
	for f in "$VIRTUTILS_ROOT"/run/dnsmasq/*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
	done
}

# One line on stderr, "net-ctl: object: what", and the status.
assert_error() {
	local want_status=$1 want=$2
	assert_equal "$status" "$want_status"
	assert_equal "${#lines[@]}" "$(( want_status == 2 ? 2 : 1 ))"
	assert_line --index 0 "net-ctl: $want"
}

# net_xml NAME BRIDGE OCTET [FORWARD]: a network on 10.9.OCTET.1/24 with DHCP.
net_xml() {
	local fwd="<forward mode='nat'/>"
	[ $# -lt 4 ] || fwd=$4
	cat >"$1.xml" <<-X
	<network>
	  <name>$1</name>
	  $fwd
	  <bridge name='$2'/>
	  <ip address='10.9.$3.1' netmask='255.255.255.0'>
	    <dhcp><range start='10.9.$3.10' end='10.9.$3.20'/></dhcp>
	  </ip>
	</network>
	X
}

# need_netns: root, and the tree down to the run directory searchable by
# dnsmasq once it is nobody.
need_netns() {
	need_root "network namespaces, bridges, nftables and dnsmasq"
	unshare -n true 2>/dev/null || skip "cannot make a network namespace here"
	local d=$BATS_TEST_TMPDIR
	while [ "$d" != / ] && [ "$d" != /tmp ]; do
		chmod o+x "$d"
		d=${d%/*}
	done
	mkdir -p "$VIRTUTILS_ROOT"
	chmod 0755 "$VIRTUTILS_ROOT"
}

# in_ns SCRIPT: SCRIPT in a network namespace of its own, lo up.
in_ns() {
	unshare -n sh -c "ip link set lo up; $1"
}

# The processes, rules and bridges a network has in a namespace, on one line.
LEFT='ip -o link show type bridge | wc -l; nft list tables | wc -l; ls $VIRTUTILS_ROOT/run/dnsmasq/ 2>/dev/null | grep -vc leases; net-ctl list --name | wc -l'

# ---- usage ----

@test "help lists the commands; COMMAND --help its usage; bad words are usage errors" {
	run net-ctl --help
	assert_success
	assert_output --partial " dhcp-leases      NET [--mac MAC] [--json]"
	assert_output --partial " update           NET COMMAND SECTION XML"
	run net-ctl start --help
	assert_success
	assert_line --index 1 " net-ctl start NET"
	run net-ctl
	assert_equal "$status" 2
	assert_line --index 0 "net-ctl: no command specified"
	run net-ctl frobnicate
	assert_equal "$status" 2
	assert_line --index 0 "net-ctl: frobnicate: unknown command"
	run net-ctl list --bogus
	assert_equal "$status" 2
	run net-ctl start
	assert_error 2 "start: missing network name"
	run net-ctl info a b
	assert_error 2 "info: unexpected argument 'b'"
	run net-ctl list --all --inactive
	assert_equal "$status" 2
	run net-ctl list --name --json
	assert_equal "$status" 2
	run net-ctl --version
	assert_success
}

@test "virsh's net-* names are aliases" {
	run net-ctl net-list --all --name
	assert_success
	assert_output "default"
	run net-ctl net-info default
	assert_success
	run net-ctl net-dumpxml default
	assert_success
}

# ---- definitions ----

@test "default is defined on first use, autostarted, and stays undefined once undefined" {
	run net-ctl list --all
	assert_success
	assert_line --index 0 " Name      State      Autostart   Persistent"
	assert_line --index 2 " default   inactive   yes         yes"
	net-ctl dumpxml default >d.xml
	valid_xml d.xml network.rng
	grep -q "<bridge name=\"virbr0\"/>" d.xml
	grep -q "<ip address=\"192.168.122.1\" netmask=\"255.255.255.0\">" d.xml
	grep -q "<range start=\"192.168.122.2\" end=\"192.168.122.254\"/>" d.xml
	run net-ctl undefine default
	assert_success
	assert_output "Network default has been undefined"
	run net-ctl list --all --name
	assert_output ""
}

@test "list: active ones by default, --all, --inactive, --name, --uuid, --json" {
	run net-ctl list
	assert_success
	assert_line --index 0 " Name   State   Autostart   Persistent"
	assert_equal "${#lines[@]}" 2
	run net-ctl list --inactive --name
	assert_output "default"
	uuid=$(net-ctl uuid default)
	run net-ctl list --all --uuid
	assert_output "$uuid"
	run net-ctl list --all --json
	assert_success
	echo "$output" | python3 -c '
import json, sys
l = json.load(sys.stdin)
assert l[0]["name"] == "default" and l[0]["state"] == "inactive", l
assert l[0]["autostart"] is True and l[0]["persistent"] is True and l[0]["bridge"] == "virbr0", l'
	run net-ctl -q list --all
	assert_output " default   inactive   yes   yes"
}

@test "define, list, dumpxml: a round trip valid per network.rng" {
	net_xml n1 vbr1 1
	run net-ctl define n1.xml
	assert_success
	assert_output "Network n1 defined from n1.xml"
	net-ctl dumpxml n1 >out.xml
	valid_xml out.xml network.rng
	grep -q '<uuid>' out.xml
	grep -q '<mac address="52:54:00:' out.xml
	# What dumpxml prints defines the same network again, unchanged.
	run net-ctl define out.xml
	assert_success
	net-ctl dumpxml n1 >again.xml
	cmp out.xml again.xml
	run net-ctl list --all --name
	assert_output "$(printf 'default\nn1')"
	run net-ctl dumpxml --inactive n1
	assert_output "$(cat out.xml)"
	# From standard input too.
	net_xml n2 vbr2 2
	run net-ctl define - <n2.xml
	assert_output "Network n2 defined from -"
}

@test "define refuses bad XML, an overlapping subnet and a bridge in use, in one line" {
	echo '<network><name>x</name><bridge name="a/b"/></network>' >bad.xml
	run net-ctl define bad.xml
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --partial "net-ctl: "
	echo '<network><name>x' >broken.xml
	run net-ctl define broken.xml
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	run net-ctl define nothere.xml
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	cat >over.xml <<-X
	<network><name>over</name><bridge name='vbr9'/>
	<ip address='192.168.122.7' prefix='24'/></network>
	X
	run net-ctl define over.xml
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_output --partial "overlaps network 'default'"
	net_xml same virbr0 3
	run net-ctl define same.xml
	assert_equal "$status" 1
	assert_output --partial "bridge virbr0 is used by network 'default'"
	run net-ctl list --all --name
	assert_output "default"
}

@test "undefine, autostart, info, uuid, name; unknown networks fail in one line" {
	net_xml n1 vbr1 1
	net-ctl define n1.xml
	run net-ctl autostart n1
	assert_output "Network n1 marked as autostarted"
	run net-ctl info n1
	assert_success
	assert_line --index 0 "Name:           n1"
	assert_line --index 2 "Active:         no"
	assert_line --index 3 "Persistent:     yes"
	assert_line --index 4 "Autostart:      yes"
	assert_line --index 5 "Bridge:         vbr1"
	run net-ctl autostart --disable n1
	assert_output "Network n1 unmarked as autostarted"
	run net-ctl info n1
	assert_line --index 4 "Autostart:      no"
	uuid=$(net-ctl uuid n1)
	run net-ctl name "$uuid"
	assert_output "n1"
	run net-ctl info "$uuid"
	assert_line --index 0 "Name:           n1"
	run net-ctl uuid --network n1
	assert_output "$uuid"
	run net-ctl name n1
	assert_error 1 "n1: not a UUID"
	run net-ctl name 11111111-2222-3333-4444-555555555555
	assert_error 1 "11111111-2222-3333-4444-555555555555: network not found"
	run net-ctl info nope
	assert_error 1 "nope: network not found"
	run net-ctl undefine n1
	assert_output "Network n1 has been undefined"
	run net-ctl undefine n1
	assert_error 1 "n1: network not found"
}

@test "edit: unchanged, edited, or refused with the old definition kept" {
	net_xml n1 vbr1 1
	net-ctl define n1.xml
	EDITOR=true run net-ctl edit n1
	assert_success
	assert_output "Network n1 XML configuration not changed."
	printf '#!/bin/sh\nsed -i "s/10.9.1.20/10.9.1.30/" "$1"\n' >widen.sh
	printf '#!/bin/sh\nsed -i "s/<name>/<nam>/" "$1"\n' >break.sh
	chmod +x widen.sh break.sh
	VISUAL="$PWD/widen.sh" EDITOR=false run net-ctl edit n1
	assert_success
	assert_output "Network n1 XML configuration edited."
	net-ctl dumpxml n1 | grep -q "10.9.1.30"
	VISUAL= EDITOR="$PWD/break.sh" run net-ctl edit n1
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	net-ctl dumpxml n1 | grep -q "<name>n1</name>"
	EDITOR=false run net-ctl edit n1
	assert_equal "$status" 1
}

@test "update --config: add, modify, delete a DHCP host; errors in one line" {
	run net-ctl update default add ip-dhcp-host \
		"<host mac='52:54:00:00:00:42' name='g42' ip='192.168.122.42'/>" --config
	assert_success
	assert_output "Updated network default persistent config"
	net-ctl dumpxml default >u.xml
	valid_xml u.xml network.rng
	grep -q 'mac="52:54:00:00:00:42"' u.xml
	echo "<host mac='52:54:00:00:00:42' name='g43' ip='192.168.122.43'/>" >h.xml
	run net-ctl update default modify ip-dhcp-host h.xml
	assert_output "Updated network default persistent config"
	net-ctl dumpxml default | grep -q 'ip="192.168.122.43"'
	run net-ctl update default add ip-dhcp-host h.xml
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	run net-ctl update default delete ip-dhcp-host h.xml --parent-index 0
	assert_success
	run net-ctl update default add dns-host "<host ip='192.168.122.5'><hostname>h5</hostname></host>"
	assert_success
	net-ctl dumpxml default | grep -q '<hostname>h5</hostname>'
	run net-ctl update default add ip-dhcp-host h.xml --live
	assert_error 1 "default: network is not active"
	run net-ctl update default frob ip-dhcp-host h.xml
	assert_error 2 "update: unknown command 'frob'"
	run net-ctl update default add ip-nothing h.xml
	assert_error 2 "update: unknown section 'ip-nothing'"
	run net-ctl update default add ip-dhcp-host h.xml --parent-index x
	assert_error 2 "update: invalid --parent-index 'x'"
	run net-ctl update default add ip-dhcp-host
	assert_equal "$status" 2
	run net-ctl update default add ip-dhcp-host h.xml --current --live
	assert_equal "$status" 2
}

@test "inactive networks: destroy and dhcp-leases refuse in one line" {
	run net-ctl destroy default
	assert_error 1 "default: network is not active"
	run net-ctl dhcp-leases default
	assert_error 1 "default: network 'default' is not active"
	run net-ctl dhcp-leases default --mac zz
	assert_error 2 "dhcp-leases: invalid MAC address 'zz'"
}

@test "start without CAP_NET_ADMIN says so in one line and does nothing" {
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "no setpriv"
		run setpriv --bounding-set=-net_admin --inh-caps=-net_admin net-ctl start default
	else
		run net-ctl start default
	fi
	assert_error 1 "default: needs CAP_NET_ADMIN"
	run net-ctl list --name
	assert_output ""
}
