#!/usr/bin/env bats
# vm-ctl console and domifaddr against a stand-in for QEMU
# (vm-ctl-fakeqemu.py: a locked pidfile, a live XML, a pty): the relay, the
# escape, the hangup, the one-session rule and --force; the addresses from
# a network's lease file. vm-ctl-run.bats does the same with the test guest.

load vm-ctl-lib
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

teardown() {
	stop_everything
}

SERIAL="<serial type='pty'><source path='@PTY@'/><target port='0'/></serial>
<console type='pty' tty='@PTY@'><target type='serial' port='0'/></console>"

# A running d1 whose console is the fake's pty (QEMU's pty paths are in
# the live XML only).
running_with_console() {
	dom_xml d1 "$SERIAL"
	sed 's|<domain |<domain id="1" |' d1.xml >live.xml
	sed -i 's| path=.@PTY@.||; s| tty=.@PTY@.||' d1.xml
	vm-ctl define d1.xml >/dev/null
	fake_running d1 live.xml --pty
}

# wait_for FILE TEXT: up to 10 s for TEXT to appear in FILE.
wait_for() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "'$2' never appeared in $1: $(cat "$1")"
}

@test "console: virsh's banner, the guest's output, what is typed, and ^] ends it" {
	running_with_console
	{ printf 'hello'; sleep 1; printf 'x\035ignored'; } | vm-ctl console d1 >out
	run -0 cat out
	assert_line --index 0 "Connected to domain 'd1'"$'\r'
	assert_line --index 1 "Escape character is ^] (Ctrl + ])"$'\r'
	assert_output --partial "FAKE: ready"
	assert_output --partial "FAKE: got hello"
	refute_output --partial ignored
}

@test "console: the session ends when the guest's pty hangs up (QEMU ended)" {
	running_with_console
	# Input that ends (a script's) does not end the session: the guest's
	# output goes on coming until its console goes.
	vm-ctl console d1 </dev/null >out &
	pid=$!
	wait_for out "FAKE: ready"
	kill -USR1 "$FAKE_PID"
	# A relay that missed the hangup would wait for ever: 15 s, then fail.
	(sleep 15; kill "$pid") >/dev/null 2>&1 3>&- &
	dog=$!
	wait "$pid"
	kill "$dog"
}

@test "console: one session at a time; --force takes it over" {
	running_with_console
	vm-ctl console d1 </dev/null >first &
	pid=$!
	wait_for first "FAKE: ready"
	run -1 vm-ctl console d1 </dev/null
	assert_error 1 "d1: Active console session exists for this domain"
	{ printf 'second'; sleep 1; printf '\035'; } | vm-ctl console --force d1 >second
	wait "$pid"
	run -0 cat second
	assert_output --partial "FAKE: got second"
}

@test "console: a domain that is not running, one without a console, unknown ones" {
	dom_xml d1 "<serial type='pty'/>"
	vm-ctl define d1.xml >/dev/null
	run -1 vm-ctl console d1 </dev/null
	assert_error 1 "d1: domain is not running"
	dom_xml d2
	vm-ctl define d2.xml >/dev/null
	fake_running d2 d2.xml
	run -1 vm-ctl console d2 </dev/null
	assert_error 1 "d2: domain has no console on a pty or unix socket"
	run -1 vm-ctl console nosuch </dev/null
	assert_error 1 "nosuch: domain not found"
	run -2 vm-ctl console
	assert_error 2 "console: missing domain name"
}

# A running network "default" (its live record) and dnsmasq's lease file.
network_with_leases() {
	mkdir -p "$VIRTUTILS_ROOT/run/networks" "$VIRTUTILS_ROOT/run/dnsmasq"
	cat >"$VIRTUTILS_ROOT/run/networks/default.xml" <<-X
	<network>
	  <name>default</name>
	  <uuid>0b8b7f7e-76c3-4c0a-b6c5-2f1c8f3c1a11</uuid>
	  <forward mode='nat'/>
	  <bridge name='virbr0'/>
	  <ip address='192.168.122.1' netmask='255.255.255.0'>
	    <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
	  </ip>
	</network>
	X
	chmod 600 "$VIRTUTILS_ROOT/run/networks/default.xml"
	local later=$(( $(date +%s) + 3600 ))
	cat >"$VIRTUTILS_ROOT/run/dnsmasq/default.leases" <<-L
	$later 52:54:00:aa:00:01 192.168.122.45 guest 01:52:54:00:aa:00:01
	1000 52:54:00:aa:00:01 192.168.122.46 old *
	$later 52:54:00:aa:00:09 192.168.122.47 someone-else *
	L
}

@test "domifaddr: the running domain's leases by MAC, with the network's prefix" {
	network_with_leases
	dom_xml d1 "<interface type='network'><mac address='52:54:00:aa:00:01'/><source network='default'/><target dev='vnet0'/><model type='virtio'/></interface>
<interface type='user'><mac address='52:54:00:aa:00:03'/></interface>"
	vm-ctl define d1.xml >/dev/null
	fake_running d1 d1.xml
	run -0 vm-ctl domifaddr d1
	assert_output " Name       MAC address          Protocol     Address
-------------------------------------------------------------------------------
 vnet0      52:54:00:aa:00:01    ipv4         192.168.122.45/24"
	run -0 vm-ctl domifaddr d1 --json
	assert_equal "$(jq -c '.' <<<"$output")" \
		'[{"name":"vnet0","mac":"52:54:00:aa:00:01","protocol":"ipv4","address":"192.168.122.45","prefix":24}]'
	run -0 vm-ctl domifaddr d1 --interface vnet9
	assert_equal "${#lines[@]}" 2
	run -0 vm-ctl domifaddr d1 --interface vnet0 --source lease
	assert_equal "${#lines[@]}" 3
}

@test "domifaddr: no lease yet, a network that is not running: no addresses" {
	dom_xml d1 "<interface type='network'><mac address='52:54:00:aa:00:05'/><source network='default'/><target dev='vnet0'/></interface>"
	vm-ctl define d1.xml >/dev/null
	fake_running d1 d1.xml
	run -0 vm-ctl domifaddr d1
	assert_equal "${#lines[@]}" 2
	network_with_leases
	run -0 vm-ctl -q domifaddr d1
	assert_output ""
}

@test "domifaddr: a shut off domain, --source agent" {
	dom_xml d1
	vm-ctl define d1.xml >/dev/null
	run -1 vm-ctl domifaddr d1
	assert_error 1 "d1: domain is not running"
	run -2 vm-ctl domifaddr d1 --source agent
	assert_error 2 "domifaddr: --source agent: only 'lease' is supported (no guest agent, no ARP table)"
}
