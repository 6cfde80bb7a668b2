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

@test "list filters: --persistent, --transient, --autostart, --no-autostart" {
	net_xml n1 vbr1 1
	net-ctl define n1.xml
	run net-ctl list --all --autostart --name
	assert_output "default"
	run net-ctl list --all --no-autostart --name
	assert_output "n1"
	run net-ctl list --all --autostart --no-autostart --name
	assert_output "$(printf 'default\nn1')"
	run net-ctl list --all --persistent --name
	assert_output "$(printf 'default\nn1')"
	run net-ctl list --all --transient --name
	assert_output ""
	run net-ctl list --inactive --persistent --no-autostart --uuid
	assert_output "$(net-ctl uuid n1)"
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

# ---- running networks (root, in a namespace of the test's own) ----

@test "start default: virbr0 with 192.168.122.1/24, masquerade, dnsmasq; destroy takes all away" {
	need_netns
	run in_ns '
		net-ctl start default || exit 1
		ip -j addr show virbr0
		nft list table ip virtutils | grep -c "masquerade"
		kill -0 "$(cat $VIRTUTILS_ROOT/run/dnsmasq/default.pid)" && echo dnsmasq-alive
		net-ctl list
		net-ctl info default | grep Active
		net-ctl start default 2>&1
		net-ctl destroy default || exit 1
		ip link show virbr0 2>/dev/null || echo no-bridge
		nft list table ip virtutils 2>/dev/null || echo no-table
		[ -e $VIRTUTILS_ROOT/run/dnsmasq/default.pid ] || echo no-dnsmasq
		net-ctl list --name | wc -l'
	assert_success
	assert_line --index 0 "Network default started"
	echo "${lines[1]}" | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin)[0]["addr_info"] if x["family"] == "inet"]
assert a[0]["local"] == "192.168.122.1" and a[0]["prefixlen"] == 24, a'
	[ "${lines[2]}" -ge 1 ]
	assert_line --index 3 "dnsmasq-alive"
	assert_line --index 4 " Name      State    Autostart   Persistent"
	assert_line --index 6 " default   active   yes         yes"
	assert_line --index 7 "Active:         yes"
	assert_line --index 8 "net-ctl: default: network is already active"
	assert_line --index 9 "Network default destroyed"
	assert_line --index 10 "no-bridge"
	assert_line --index 11 "no-table"
	assert_line --index 12 "no-dnsmasq"
	assert_line --index 13 "0"
}

@test "the live state records the rules applied (RUN/networks/NAME.nft), gone after destroy" {
	need_netns
	run in_ns '
		net-ctl start default >/dev/null || exit 1
		f=$VIRTUTILS_ROOT/run/networks/default.nft
		stat -c %a "$f"
		nft list table ip virtutils >listed
		# Each rule of the file as nft lists it: without the command, the
		# counter values and the handles.
		sed -n "s/^insert rule ip virtutils [a-z_]* //p" "$f" | sed "s/ counter / counter packets 0 bytes 0 /" |
			grep masquerade | while read -r rule; do
				sed "s/packets [0-9]* bytes [0-9]*/packets 0 bytes 0/; s/^\t*//" listed | grep -qxF "$rule" &&
					echo listed || echo "missing: $rule"
			done
		echo rules=$(grep -c "comment \"vu-net:default\"" "$f"),$(grep -c "comment \"vu-net:default\"" listed)
		net-ctl destroy default >/dev/null
		[ -e "$f" ] || echo gone'
	assert_success
	assert_output "$(printf '600\nlisted\nlisted\nlisted\nrules=18,18\ngone')"
}

@test "an isolated network forwards nothing: no masquerade, no accept out" {
	need_netns
	net_xml iso vbr5 5 ""
	run in_ns "
		net-ctl define iso.xml >/dev/null && net-ctl start iso || exit 1
		echo forward=\$(cat /proc/sys/net/ipv4/ip_forward)
		nft list table ip virtutils
		net-ctl destroy iso"
	assert_success
	assert_line --index 0 "Network iso started"
	assert_line --index 1 "forward=0"
	refute_output --partial "masquerade"
	assert_output --partial "reject"
	assert_line "Network iso destroyed"
}

@test "a bridge name taken by a host interface is refused in one line, nothing left" {
	need_netns
	run in_ns "
		ip link add virbr0 type bridge
		net-ctl start default; echo status=\$?
		ip link del virbr0; $LEFT"
	assert_line --index 0 "net-ctl: default: bridge virbr0 is already in use by a host interface"
	assert_line --index 1 "status=1"
	assert_equal "${lines[*]:2}" "0 0 0 0"
}

@test "a subnet routed already is refused in one line, nothing left" {
	need_netns
	run in_ns "
		ip link add eth9 type veth peer name eth9p && ip addr add 192.168.122.5/24 dev eth9 && ip link set eth9 up
		net-ctl start default; echo status=\$?
		ip link del eth9; $LEFT"
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 --partial "net-ctl: default: 192.168.122.0/24"
	assert_line --index 0 --partial "eth9"
	assert_line --index 1 "status=1"
	assert_equal "${lines[*]:2}" "0 0 0 0"
}

@test "nft refusing the rules: one line, the bridge taken back, the foreign chain untouched" {
	need_netns
	# A table of virtutils' name that is not ours to complete: a chain
	# guest_nat of another type and hook, and none of the others, so
	# libnftables refuses the whole batch after the bridge exists.
	run in_ns "
		nft add table ip virtutils
		nft add chain ip virtutils guest_nat '{ type filter hook input priority 0; }'
		nft list ruleset >before
		net-ctl start default; echo status=\$?
		nft list ruleset | cmp -s before - && echo foreign-kept
		ls -A \$VIRTUTILS_ROOT/run/networks 2>/dev/null | wc -l
		nft delete table ip virtutils; $LEFT"
	assert_equal "${#lines[@]}" 8
	assert_line --index 0 --regexp "^net-ctl: default: nftables: .+"
	assert_line --index 1 "status=1"
	assert_line --index 2 "foreign-kept"
	assert_equal "${lines[*]:3}" "0 0 0 0 0"
}

@test "dnsmasq missing: refused in one line, nothing left" {
	need_netns
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	run unshare -m -n sh -c "ip link set lo up
		mount --bind /dev/null /usr/sbin/dnsmasq || exit 9
		[ ! -e /sbin/dnsmasq ] || [ /sbin -ef /usr/sbin ] || mount --bind /dev/null /sbin/dnsmasq
		net-ctl start default; echo status=\$?
		$LEFT"
	[ "$status" -ne 9 ] || skip "cannot hide dnsmasq here"
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 --partial "net-ctl: default: dnsmasq not found"
	assert_line --index 1 "status=1"
	assert_equal "${lines[*]:2}" "0 0 0 0"
}

@test "DNS port taken: dnsmasq's complaint in one line, nothing left" {
	need_netns
	run in_ns "
		python3 -c 'import socket, time
s = socket.socket(); s.bind((\"0.0.0.0\", 53)); s.listen(); time.sleep(30)' &
		p=\$!; sleep 0.5
		net-ctl start default; echo status=\$?
		kill \$p; $LEFT"
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 --partial "net-ctl: default: dnsmasq failed: "
	assert_line --index 0 --partial "Address already in use"
	assert_line --index 1 "status=1"
	assert_equal "${lines[*]:2}" "0 0 0 0"
}

@test "create: a transient network runs, lists as not persistent, and is gone when destroyed" {
	need_netns
	net_xml tr vbr6 6
	run in_ns "
		net-ctl create tr.xml || exit 1
		net-ctl list
		net-ctl dumpxml tr | grep -c vbr6
		net-ctl create tr.xml
		net-ctl list --transient --name
		net-ctl destroy tr; net-ctl list --all --name"
	assert_success
	assert_line --index 0 "Network tr created from tr.xml"
	assert_line --index 3 " tr     active   no          no"
	assert_line --index 4 "1"
	assert_line --index 5 "net-ctl: tr: network 'tr' already exists"
	assert_line --index 6 "tr"
	assert_line --index 7 "Network tr destroyed"
	assert_line --index 8 "default"
}

@test "start-all starts the autostart networks; forward mode bridge needs the host bridge" {
	need_netns
	net_xml n1 vbr1 1
	cat >hb.xml <<-X
	<network><name>hb</name><forward mode='bridge'/><bridge name='br9'/></network>
	X
	run in_ns "
		net-ctl define n1.xml >/dev/null; net-ctl define hb.xml >/dev/null
		net-ctl start hb
		ip link add br9 type bridge
		net-ctl start hb; ip -o link show type bridge | wc -l
		net-ctl destroy hb; ip link show br9 >/dev/null && echo br9-kept
		net-ctl start-all; net-ctl list --name
		net-ctl destroy default >/dev/null"
	assert_line --index 0 "net-ctl: hb: bridge br9 does not exist"
	assert_line --index 1 "Network hb started"
	assert_line --index 2 "1"
	assert_line --index 3 "Network hb destroyed"
	assert_line --index 4 "br9-kept"
	assert_line --index 5 "Network default started"
	assert_line --index 6 "default"
}

# The client: a veth into a second namespace (by unshare), busybox udhcpc
# there with MAC $1, its end bridged to virbr0; $LEASE_SCRIPT (an absolute
# path), when set, is udhcpc's script, run in the guest's namespace.
LEASE='lease() {
	ip link add vh0 type veth peer name vg0 address $1 && ip link set vh0 master virbr0 up
	(unshare -n sh -c "while ! ip link show vg0 >/dev/null 2>&1; do sleep 0.05; done
		ip link set vg0 up; exec busybox udhcpc -i vg0 -n -q -t 10 -T 1 -s ${LEASE_SCRIPT:-/bin/true} -x hostname:$2" \
		>/dev/null 2>&1 & g=$!
	while ip link show vg0 >/dev/null 2>&1; do ip link set vg0 netns $g 2>/dev/null; sleep 0.05; done
	wait $g)
	ip link del vh0 2>/dev/null
}'

@test "a DHCP lease from a second namespace shows in dhcp-leases; a host added live is honoured" {
	need_netns
	busybox udhcpc --help >/dev/null 2>&1 || skip "no busybox udhcpc"
	run in_ns "$LEASE
		net-ctl start default >/dev/null || exit 1
		lease 52:54:00:00:00:77 guest77
		net-ctl dhcp-leases default
		net-ctl dhcp-leases default --json --mac 52:54:00:00:00:77
		net-ctl dhcp-leases default --mac 52:54:00:00:00:99 | wc -l
		pid=\$(cat \$VIRTUTILS_ROOT/run/dnsmasq/default.pid)
		net-ctl update default add ip-dhcp-host \"<host mac='52:54:00:00:00:88' ip='192.168.122.88'/>\" --live
		[ \"\$(cat \$VIRTUTILS_ROOT/run/dnsmasq/default.pid)\" = \$pid ] && echo same-dnsmasq
		net-ctl dumpxml default | grep -c 52:54:00:00:00:88
		net-ctl dumpxml --inactive default | grep -c 52:54:00:00:00:88
		lease 52:54:00:00:00:88 guest88
		net-ctl dhcp-leases default --mac 52:54:00:00:00:88
		net-ctl destroy default"
	assert_success
	assert_line --index 0 --regexp "^ Expiry Time +MAC address +Protocol +IP address +Hostname +Client ID or DUID$"
	assert_line --index 2 --regexp "^ [0-9-]+ [0-9:]+ +52:54:00:00:00:77 +ipv4 +192\.168\.122\.[0-9]+/24 +guest77 +"
	assert_output --partial '"mac": "52:54:00:00:00:77"'
	assert_output --regexp '"expiry": [0-9]+,'
	assert_line "2"
	assert_line "Updated network default live state"
	assert_line "same-dnsmasq"
	assert_line "1"
	assert_line "0"
	assert_output --regexp "52:54:00:00:00:88 +ipv4 +192\.168\.122\.88/24 +guest88"
	assert_line "Network default destroyed"
}

@test "a guest resolves the network's DNS hosts, one added live too, at the server its lease names" {
	need_netns
	busybox udhcpc --help >/dev/null 2>&1 || skip "no busybox udhcpc"
	# udhcpc's script, on the lease: the address on the guest's end, then
	# the lookups from there at the DNS server the lease gave.
	cat >guest.sh <<-X
	#!/bin/sh
	[ "\$1" = bound ] || exit 0
	exec >>"$PWD/guest.out" 2>&1
	ip addr add "\$ip/\$mask" dev "\$interface"
	echo "dns=\$dns"
	for h in h5 h6; do
		busybox nslookup \$h "\$dns" | grep -c "192.168.122.\${h#h}\$"
	done
	X
	chmod +x guest.sh
	: >guest.out
	run net-ctl update default add dns-host "<host ip='192.168.122.5'><hostname>h5</hostname></host>" --config
	assert_success
	run in_ns "$LEASE
		net-ctl start default >/dev/null || exit 1
		net-ctl update default add dns-host \"<host ip='192.168.122.6'><hostname>h6</hostname></host>\" --live
		sleep 0.3
		LEASE_SCRIPT=$PWD/guest.sh
		lease 52:54:00:00:00:66 guest66 >/dev/null
		net-ctl destroy default >/dev/null"
	assert_success
	assert_output "Updated network default live state"
	run cat guest.out
	assert_output "$(printf 'dns=192.168.122.1\n1\n1')"
}

@test "IPv6 with RA, lease times, DNS hosts answered, a DNS host added live; forwarding on" {
	need_netns
	command -v busybox >/dev/null || skip "no busybox (nslookup)"
	cat >v6.xml <<-X
	<network>
	  <name>v6</name>
	  <forward mode='nat'/>
	  <bridge name='vbr7'/>
	  <domain name='example'/>
	  <dns><host ip='10.9.7.5'><hostname>h5</hostname></host></dns>
	  <ip address='10.9.7.1' prefix='24'>
	    <dhcp><range start='10.9.7.10' end='10.9.7.20'><lease expiry='1' unit='hours'/></range></dhcp>
	  </ip>
	  <ip family='ipv6' address='fd00:9:7::1' prefix='64'>
	    <dhcp><range start='fd00:9:7::10' end='fd00:9:7::20'/></dhcp>
	  </ip>
	</network>
	X
	run in_ns "
		net-ctl define v6.xml >/dev/null && net-ctl start v6 || exit 1
		ip -6 -o addr show vbr7 | grep -c fd00:9:7::1/64
		grep -c '^enable-ra' \$VIRTUTILS_ROOT/run/dnsmasq/v6.conf
		grep -c '^dhcp-range=10.9.7.10,10.9.7.20,255.255.255.0,1h' \$VIRTUTILS_ROOT/run/dnsmasq/v6.conf
		nft list table ip6 virtutils >/dev/null && echo ip6-rules
		echo forward=\$(cat /proc/sys/net/ipv4/ip_forward),\$(cat /proc/sys/net/ipv6/conf/all/forwarding)
		busybox nslookup h5 10.9.7.1 | grep -c 10.9.7.5
		net-ctl update v6 add dns-host \"<host ip='10.9.7.6'><hostname>h6</hostname></host>\" >/dev/null
		sleep 0.3
		busybox nslookup h6 10.9.7.1 | grep -c 10.9.7.6
		net-ctl destroy v6 >/dev/null
		nft list tables | wc -l"
	assert_success
	assert_line --index 0 "Network v6 started"
	assert_line --index 1 "1"
	assert_line --index 2 "1"
	assert_line --index 3 "1"
	assert_line --index 4 "ip6-rules"
	assert_line --index 5 "forward=1,1"
	assert_line --index 6 "1"
	assert_line --index 7 "1"
	assert_line --index 8 "0"
}

@test "a transient network without a bridge name gets the next free virbrN; conflicts with running ones refused" {
	need_netns
	cat >nb.xml <<-X
	<network><name>nb</name><ip address='10.9.8.1' prefix='24'/></network>
	X
	cat >clash.xml <<-X
	<network><name>clash</name><bridge name='vbr8'/><ip address='10.9.8.77' prefix='24'/></network>
	X
	run in_ns "
		net-ctl create nb.xml || exit 1
		net-ctl dumpxml nb | grep -o '<bridge name=\"[a-z0-9]*\"'
		ip link show virbr1 >/dev/null && echo virbr1-up
		net-ctl create clash.xml
		net-ctl destroy nb >/dev/null; ip -o link show type bridge | wc -l"
	assert_success
	assert_line --index 0 "Network nb created from nb.xml"
	assert_line --index 1 '<bridge name="virbr1"'
	assert_line --index 2 "virbr1-up"
	assert_line --index 3 "net-ctl: clash: subnet 10.9.8.77/24 overlaps network 'nb' (10.9.8.1/24)"
	assert_line --index 4 "0"
}

@test "undefine a running network: it goes on, transient, until destroyed; update --live --config" {
	need_netns
	net_xml n1 vbr1 1
	run in_ns "
		net-ctl define n1.xml >/dev/null && net-ctl start n1 >/dev/null || exit 1
		net-ctl update n1 add ip-dhcp-host \"<host mac='52:54:00:00:01:01' ip='10.9.1.11'/>\" --live --config
		net-ctl dumpxml n1 | grep -c 52:54:00:00:01:01
		net-ctl dumpxml --inactive n1 | grep -c 52:54:00:00:01:01
		grep -c 52:54:00:00:01:01 \$VIRTUTILS_ROOT/run/dnsmasq/n1.hostsfile
		net-ctl undefine n1
		net-ctl list --all | grep n1
		net-ctl destroy n1; net-ctl list --all --name | grep -c n1; ip link show vbr1 2>/dev/null | wc -l"
	assert_line --index 0 "Updated network n1 persistent config and live state"
	assert_line --index 1 "1"
	assert_line --index 2 "1"
	assert_line --index 3 "1"
	assert_line --index 4 "Network n1 has been undefined"
	assert_line --index 5 " n1        active     no          no"
	assert_line --index 6 "Network n1 destroyed"
	assert_line --index 7 "0"
	assert_line --index 8 "0"
}

@test "commands on the host side take turns: a start waits for the lock" {
	need_netns
	command -v flock >/dev/null || skip "no flock"
	echo "<network><name>p1</name><ip address='10.8.1.1' prefix='24'/></network>" >p1.xml
	run in_ns "
		net-ctl list >/dev/null
		flock \$VIRTUTILS_ROOT/run/net-ctl.lock timeout 1 net-ctl create p1.xml; echo status=\$?
		net-ctl list --name | wc -l
		net-ctl -q create p1.xml && net-ctl -q destroy p1 && echo after"
	assert_success
	assert_output "$(printf 'status=124\n0\nafter')"
}

@test "macvtap modes are recorded as running and make nothing on the host" {
	need_netns
	cat >mv.xml <<-X
	<network><name>mv</name><forward mode='private'><interface dev='eth7'/></forward></network>
	X
	run in_ns "
		net-ctl define mv.xml >/dev/null && net-ctl start mv || exit 1
		net-ctl list --name
		net-ctl dumpxml mv | grep -c \"mode=.private.\"
		ip -o link | wc -l; nft list tables | wc -l
		net-ctl dhcp-leases mv | wc -l
		net-ctl destroy mv"
	assert_success
	assert_output "$(printf 'Network mv started\nmv\n1\n1\n0\n2\nNetwork mv destroyed')"
}

@test "a guest of a NAT network reaches outside; of an isolated one, only the host" {
	need_netns
	command -v busybox >/dev/null || skip "no busybox (ping)"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	net_xml x vbr5 5
	net_xml y vbr5 5 ""
	# ip netns needs /run/netns: a tmpfs on /run in a mount namespace of
	# the test's own keeps the host's /run untouched. Guest c is on the
	# bridge, o is the outside world, both with forwarding on in between.
	# x and y share 10.9.5.1 on vbr5 but each definition has its own MAC:
	# when y starts, c's neighbour cache still holds 10.9.5.1 at x's MAC
	# (REACHABLE for up to 45 s), so c's pings go to a MAC no longer there.
	# That is the guest's ARP cache, as with libvirt, not something net-ctl
	# leaves behind: destroy leaves no rule, address or link (checked
	# below), and y-stale-neigh shows the cached MAC is x's. Hence the flush.
	run unshare -m -n sh -c "mount -t tmpfs none /run || exit 9
		ip link set lo up; ip netns add c; ip netns add o
		ip link add up0 type veth peer name up1; ip link set up1 netns o
		ip addr add 10.99.0.1/24 dev up0; ip link set up0 up
		ip -n o addr add 10.99.0.2/24 dev up1; ip -n o link set up1 up
		ip link add vh0 type veth peer name vg0; ip link set vg0 netns c
		ip -n c addr add 10.9.5.50/24 dev vg0; ip -n c link set vg0 up
		ip -n c route add default via 10.9.5.1
		for n in x y; do
			net-ctl define \$n.xml >/dev/null; net-ctl start \$n >/dev/null || exit 1
			echo 1 >/proc/sys/net/ipv4/ip_forward
			mac=\$(ip -br link show vbr5 | awk '{print \$3}')
			ip -n c neigh show 10.9.5.1 | grep -q lladdr &&
				! ip -n c neigh show 10.9.5.1 | grep -q \"lladdr \$mac\" && echo \$n-stale-neigh
			ip link set vh0 master vbr5 up; ip -n c neigh flush all
			i=0; until ip netns exec c busybox ping -c1 -W1 10.9.5.1 >/dev/null; do
				i=\$((i + 1)); [ \$i -lt 10 ] || { echo \$n-no-host; break; }
			done
			ip netns exec c busybox ping -c1 -W2 10.99.0.2 >/dev/null &&
				echo \$n-reaches || echo \$n-cut
			net-ctl destroy \$n >/dev/null; net-ctl undefine \$n >/dev/null
			echo \$n-left \$(nft list ruleset | wc -l) \$(ip -o addr | grep -c 10.9.5.) \\
				\$(ip -o link | grep -vc ': \\(lo\\|up0\\|vh0\\)[:@]')
		done"
	[ "$status" -ne 9 ] || skip "cannot mount a tmpfs on /run here"
	assert_success
	assert_output "$(printf 'x-reaches\nx-left 0 0 0\ny-stale-neigh\ny-cut\ny-left 0 0 0')"
}

@test "an IPv6 guest learns its route and prefix from the network's router advertisements" {
	need_netns
	cat >v6.xml <<-X
	<network><name>v6</name><forward mode='nat'/><bridge name='vbr7'/>
	<ip family='ipv6' address='fd00:9:7::1' prefix='64'>
	<dhcp><range start='fd00:9:7::10' end='fd00:9:7::20'/></dhcp></ip></network>
	X
	run in_ns '
		net-ctl define v6.xml >/dev/null && net-ctl start v6 >/dev/null || exit 1
		ip link add vh0 type veth peer name vg0 && ip link set vh0 master vbr7 up
		(unshare -n sh -c "while ! ip link show vg0 >/dev/null 2>&1; do sleep 0.05; done
			ip link set vg0 up; i=0
			until ip -6 route show default | grep -q \"proto ra\"; do
				i=\$((i + 1)); [ \$i -lt 60 ] || break; sleep 0.25
			done
			ip -6 route show default | grep -o \"dev vg0 proto ra\"
			ip -6 route | grep -o \"^fd00:9:7::/64 dev vg0\"" & g=$!
		while ip link show vg0 >/dev/null 2>&1; do ip link set vg0 netns $g 2>/dev/null; sleep 0.05; done
		wait $g)
		net-ctl destroy v6 >/dev/null'
	assert_success
	assert_output "$(printf 'dev vg0 proto ra\nfd00:9:7::/64 dev vg0')"
}

@test "update --live of the conf itself (a DHCP range) restarts dnsmasq with it" {
	need_netns
	net_xml n1 vbr1 1
	run in_ns "
		net-ctl define n1.xml >/dev/null && net-ctl start n1 >/dev/null || exit 1
		p1=\$(cat \$VIRTUTILS_ROOT/run/dnsmasq/n1.pid)
		net-ctl update n1 add ip-dhcp-range \"<range start='10.9.1.100' end='10.9.1.110'/>\"
		p2=\$(cat \$VIRTUTILS_ROOT/run/dnsmasq/n1.pid)
		# The old one is gone (or a zombie its reaper has not seen yet).
		case \$(ps -o stat= -p \$p1) in ''|Z*) [ \$p1 != \$p2 ] && kill -0 \$p2 && echo restarted ;; esac
		grep -c '^dhcp-range=10.9.1.100,10.9.1.110' \$VIRTUTILS_ROOT/run/dnsmasq/n1.conf
		net-ctl dumpxml --inactive n1 | grep -c 10.9.1.100
		net-ctl destroy n1 >/dev/null"
	assert_success
	assert_output "$(printf 'Updated network n1 live state\nrestarted\n1\n0')"
}

@test "the systemd unit verifies and runs start-all" {
	grep -qx 'ExecStart=/usr/local/bin/net-ctl start-all' "$TOP/contrib/net-ctl.service"
	verify_unit net-ctl
}
