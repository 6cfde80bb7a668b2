#!/usr/bin/env bats
# vm-ctl's lifecycle commands on real QEMUs (TCG: <domain type='qemu'>):
# domains without an OS (QEMU's BIOS with nothing to boot), and the test
# guest of tests/fixtures/mkguest.sh, whose console goes to a file so its
# markers can be read. Every QEMU a test starts is killed at its end.

load common
bats_require_minimum_version 1.5.0

setup_file() {
	command -v qemu-system-x86_64 >/dev/null || return 0
	# The guest is made once for the file; tests that need it skip without.
	"$BATS_TEST_DIRNAME/../fixtures/mkguest.sh" "$BATS_FILE_TMPDIR/guest" \
		>"$BATS_FILE_TMPDIR/mkguest.log" 2>&1 || true
}

setup() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	common_setup
}

teardown() {
	local f pid
	for f in "$VIRTUTILS_ROOT"/run/qemu/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null) || continue
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	done
}

# One line on stderr, "vm-ctl: object: what", and the status.
assert_error() {
	local want_status=$1 want=$2
	assert_equal "$status" "$want_status"
	assert_equal "${#lines[@]}" "$(( want_status == 2 ? 2 : 1 ))"
	assert_line --index 0 "vm-ctl: $want"
}

# dom NAME [DEVICES]: defines a small TCG domain with no disk: its BIOS
# finds nothing to boot and keeps trying, which is enough to run.
dom() {
	cat >"$1.xml" <<-X
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>32</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='pc'>hvm</type></os>
	  <devices>${2:-}</devices>
	</domain>
	X
	vm-ctl -q define "$1.xml"
}

# guest NAME [CMDLINE]: defines the test guest as NAME, its console in
# NAME.console. no_timer_check: on a loaded host, TCG's timer can miss the
# kernel's IO-APIC check, which then panics.
guest() {
	local g=$BATS_FILE_TMPDIR/guest
	[ -f "$g/guest.xml" ] || skip "no test guest (see $BATS_FILE_TMPDIR/mkguest.log)"
	sed -e "s|<name>vu-guest</name>|<name>$1</name>|" \
		-e "s|console=ttyS0|console=ttyS0 no_timer_check ${2:-}|" \
		-e "s|<serial type='pty'>|<serial type='file'><source path='$PWD/$1.console'/>|" \
		-e "s|<console type='pty'>|<console type='file'><source path='$PWD/$1.console'/>|" \
		-e "s|$g/disk.ext4|$PWD/$1.ext4|" "$g/guest.xml" >"$1.xml"
	cp "$g/disk.ext4" "$1.ext4"
	vm-ctl -q define "$1.xml"
}

# marker NAME TEXT [SECONDS]: waits for TEXT on NAME's console (count
# occurrences with marker_count).
marker() {
	local i
	for ((i = 0; i < ${3:-60} * 10; i++)); do
		grep -q "$2" "$1.console" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no '$2' on $1's console: $(cat "$1.console" 2>/dev/null)"
}

marker_count() {
	grep -c "$2" "$1.console" 2>/dev/null || true
}

# qemu_of NAME: the pid of NAME's QEMU.
qemu_of() {
	cat "$VIRTUTILS_ROOT/run/qemu/$1.pid"
}

@test "start runs QEMU: list, domid, dominfo, domstate and the live XML say so" {
	dom d1 "<serial type='pty'/><console type='pty'/><graphics type='vnc' listen='127.0.0.1'/>"
	run -0 vm-ctl start d1
	assert_output "Domain 'd1' started"
	run -0 vm-ctl list
	assert_line --index 2 --regexp '^ [0-9]+ +d1 +running$'
	id=$(vm-ctl domid d1)
	[ "$id" -ge 1 ]
	run -0 vm-ctl domname "$id"
	assert_output d1
	run -0 vm-ctl domstate --reason d1
	assert_output "running (booted)"
	run -0 vm-ctl dominfo d1
	assert_line "Id:             $id"
	assert_line "State:          running"
	assert_line --regexp '^CPU time: +[0-9.]+s$'
	run -0 vm-ctl dumpxml d1
	assert_line --index 0 "<domain type=\"qemu\" id=\"$id\">"
	assert_output --regexp '<serial type="pty" tty="/dev/pts/[0-9]+">'
	assert_output --regexp '<source path="/dev/pts/[0-9]+"/>'
	assert_output --regexp '<graphics type="vnc" listen="127.0.0.1" port="59[0-9][0-9]"'
	vm-ctl dumpxml d1 | valid_xml -
	run -0 vm-ctl dumpxml --inactive d1
	refute_output --partial 'id="'
	refute_output --partial '/dev/pts/'
	# QEMU runs as the -runas user (root runs vm-ctl here), and its
	# argv is what libvirt gives: -S, -sandbox, -no-user-config.
	if [ "$(id -u)" = 0 ]; then
		run -0 ps -o user= -p "$(qemu_of d1)"
		assert_output nobody
	fi
	run -0 cat "/proc/$(qemu_of d1)/cmdline"
	assert_output --partial "-no-user-config"
}

@test "a second start is refused, and so is one while another vm-ctl holds the domain" {
	dom d1
	dom d2
	vm-ctl -q start d1
	run vm-ctl start d1
	assert_error 1 "d1: domain is already active"
	run vm-ctl list --name
	assert_output d1
	flock "$VIRTUTILS_ROOT/run/qemu/d2.lock" sleep 5 &
	for _ in $(seq 50); do flock -n "$VIRTUTILS_ROOT/run/qemu/d2.lock" true || break; sleep 0.1; done
	run vm-ctl start d2
	assert_error 1 "d2: domain is being started or stopped"
	kill %1 2>/dev/null || true
}

@test "start --paused; suspend and resume; reset; list --state-*" {
	dom d1
	dom d2
	run -0 vm-ctl start --paused d1
	run -0 vm-ctl domstate --reason d1
	assert_output "paused (user)"
	vm-ctl -q start d2
	run -0 vm-ctl list --state-paused --name
	assert_output d1
	run -0 vm-ctl list --state-running --name
	assert_output d2
	run -0 vm-ctl resume d1
	assert_output "Domain 'd1' resumed"
	run -0 vm-ctl domstate --reason d1
	assert_output "running (unpaused)"
	run -0 vm-ctl suspend d2
	assert_output "Domain 'd2' suspended"
	run -0 vm-ctl qemu-monitor-command d2 '{"execute": "query-status"}'
	assert_output '{"return":{"status":"paused","singlestep":false,"running":false}}'
	run -0 vm-ctl reset d2
	assert_output "Domain 'd2' was reset"
	run -0 vm-ctl list --all --json
	run -0 jq -r '.[] | [.name, .state, .reason] | @tsv' <<<"$output"
	assert_output $'d1\trunning\tunpaused\nd2\tpaused\tuser'
}

@test "destroy stops QEMU at once; --graceful too; the run files go" {
	dom d1
	dom d2
	vm-ctl -q start d1
	vm-ctl -q start d2
	pid=$(qemu_of d1)
	run -0 vm-ctl destroy d1
	assert_output "Domain 'd1' destroyed"
	! kill -0 "$pid" 2>/dev/null
	run -0 vm-ctl domstate --reason d1
	assert_output "shut off (destroyed)"
	run -0 vm-ctl destroy --graceful d2
	run -0 ls "$VIRTUTILS_ROOT/run/qemu"
	refute_output --regexp '\.(pid|qmp|mon|xml)$'
	run vm-ctl destroy d1
	assert_error 1 "d1: domain is not running"
	run vm-ctl suspend d1
	assert_error 1 "d1: domain is not running"
	run vm-ctl qemu-monitor-command d1 '{"execute": "query-status"}'
	assert_error 1 "d1: domain is not running"
}

@test "a QEMU killed with SIGKILL is seen as shut off, and starts again" {
	dom d1
	vm-ctl -q start d1
	kill -9 "$(qemu_of d1)"
	sleep 0.2
	run -0 vm-ctl list --all
	assert_line --index 2 --regexp '^ - +d1 +shut off$'
	run -0 vm-ctl domstate --reason d1
	assert_output "shut off (unknown)"
	run -0 ls "$VIRTUTILS_ROOT/run/qemu"
	refute_output --regexp '\.(pid|qmp|xml)$'
	run -0 vm-ctl start d1
	run -0 vm-ctl list --name
	assert_output d1
}

@test "two domains at once, found by id and by UUID" {
	dom d1
	dom d2
	vm-ctl -q start d1
	vm-ctl -q start d2
	run -0 vm-ctl list --name
	assert_output $'d1\nd2'
	id2=$(vm-ctl domid d2)
	[ "$id2" != "$(vm-ctl domid d1)" ]
	run -0 vm-ctl domstate "$id2"
	assert_output running
	run -0 vm-ctl domname "$(vm-ctl domuuid d2)"
	assert_output d2
	vm-ctl -q destroy d1
	run -0 vm-ctl list --name
	assert_output d2
}

@test "start failures are one line and leave nothing running" {
	dom d1 "<disk type='file' device='disk'><source file='$PWD/missing.img'/><target dev='vda' bus='virtio'/></disk>"
	run vm-ctl start d1
	assert_error 1 "d1: disk 'vda': $PWD/missing.img: No such file or directory"
	dom d2 "<interface type='network'><source network='nonet'/></interface>"
	run vm-ctl start d2
	assert_error 1 "d2: network 'nonet' is not active"
	sed "s|</os>|<loader readonly='yes' type='pflash'>$PWD/no-such-OVMF.fd</loader></os>|" d1.xml |
		sed 's|<name>d1|<name>d3|; s|<disk.*</disk>||' >d3.xml
	vm-ctl -q define d3.xml
	run vm-ctl start d3
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --partial "vm-ctl: d3: "
	assert_line --index 0 --partial "no-such-OVMF.fd"
	run vm-ctl start nope
	assert_error 1 "nope: domain not found"
	run -0 vm-ctl list --name
	assert_output ""
	run -0 vm-ctl domstate --reason d3
	assert_output "shut off (failed)"
	run pgrep -f "guest=d[123],"
	assert_failure
}

@test "QEMU's own refusal is quoted from its log" {
	dom d1
	if [ "$(id -u)" = 0 ]; then
		run vm-ctl start --runas no-such-user-here d1
		assert_error 1 "d1: user 'no-such-user-here' (QEMU's -runas) does not exist"
	fi
	sed 's|<vcpu>1</vcpu>|<vcpu>1</vcpu><cpu mode="custom"><model>NoSuchCPU</model></cpu>|' d1.xml |
		sed 's|<name>d1|<name>d2|' >d2.xml
	vm-ctl -q define d2.xml
	run vm-ctl start d2
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp "^vm-ctl: d2: .*NoSuchCPU"
	run -0 vm-ctl list --name
	assert_output ""
}

@test "qemu.conf's user and --runas choose QEMU's user" {
	need_root "-runas"
	getent passwd daemon >/dev/null || skip "no user daemon"
	dom d1
	dom d2
	vm-ctl -q list
	printf '# as libvirt\nuser = "daemon"  # who QEMU runs as\n' >"$VIRTUTILS_ROOT/qemu.conf"
	vm-ctl -q start d1
	run -0 ps -o user= -p "$(qemu_of d1)"
	assert_output daemon
	vm-ctl -q start --runas nobody d2
	run -0 ps -o user= -p "$(qemu_of d2)"
	assert_output nobody
	vm-ctl -q destroy d1
	echo 'user = daemon' >"$VIRTUTILS_ROOT/qemu.conf"
	run vm-ctl start d1
	assert_error 1 "d1: $VIRTUTILS_ROOT/qemu.conf:1: not user = \"NAME\""
}

@test "qemu-monitor-command: QMP passthrough, --pretty, --hmp, QEMU's errors" {
	dom d1
	vm-ctl -q start d1
	run -0 vm-ctl qemu-monitor-command d1 '{"execute":' '"query-name"}'
	assert_output '{"return":{"name":"d1"}}'
	run -0 vm-ctl qemu-monitor-command --pretty --domain d1 '{"execute": "query-name"}'
	assert_output $'{\n  "return": {\n    "name": "d1"\n  }\n}'
	run -0 vm-ctl qemu-monitor-command --hmp d1 info name
	assert_output "d1"
	run vm-ctl qemu-monitor-command d1 '{"execute": "no-such"}'
	assert_equal "$status" 1
	assert_output --partial '"class":"CommandNotFound"'
	run vm-ctl qemu-monitor-command d1 'not json'
	assert_error 1 "d1: not a QMP command: an object with \"execute\" is needed"
	run vm-ctl qemu-monitor-command d1
	assert_error 2 "qemu-monitor-command: missing the command"
	# A stop through the monitor shows in the listing.
	vm-ctl -q qemu-monitor-command d1 '{"execute": "stop"}'
	run -0 vm-ctl domstate d1
	assert_output paused
}

@test "undefine of a running domain leaves it running, transient" {
	dom d1
	vm-ctl -q start d1
	run -0 vm-ctl undefine d1
	run -0 vm-ctl list --name
	assert_output d1
	run -0 vm-ctl dominfo d1
	assert_line "Persistent:     no"
	run vm-ctl undefine d1
	assert_error 1 "d1: cannot undefine transient domain"
	run -0 vm-ctl dumpxml --inactive d1
	refute_output --partial 'id="'
	run -0 vm-ctl destroy d1
	run vm-ctl dominfo d1
	assert_error 1 "d1: domain not found"
}

@test "the test guest boots (console markers), powers off on shutdown --timeout" {
	guest g1
	run -0 vm-ctl start g1
	marker g1 "VU-GUEST: booted"
	marker g1 "VU-GUEST: disk mounted"
	run -0 vm-ctl shutdown --timeout 60 g1
	assert_output "Domain 'g1' is being shutdown"
	marker g1 "VU-GUEST: poweroff"
	run -0 vm-ctl domstate --reason g1
	assert_output "shut off (shutdown)"
}

@test "shutdown without --timeout returns at once; the guest goes by itself" {
	guest g1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: booted"
	run -0 vm-ctl shutdown g1
	assert_output "Domain 'g1' is being shutdown"
	for _ in $(seq 300); do [ "$(vm-ctl domstate g1)" = "shut off" ] && break; sleep 0.1; done
	run -0 vm-ctl domstate --reason g1
	assert_output "shut off (shutdown)"
	marker g1 "VU-GUEST: poweroff"
	# Once seen, the reason stays.
	run -0 vm-ctl domstate --reason g1
	assert_output "shut off (shutdown)"
}

@test "shutdown --timeout --force destroys a guest that does not power off" {
	dom d1
	vm-ctl -q start d1
	run vm-ctl shutdown --timeout 1 d1
	assert_equal "$status" 1
	assert_line --index 1 "vm-ctl: d1: domain did not shut down in 1 s"
	run -0 vm-ctl shutdown --timeout 1 --force d1
	assert_line --index 0 "Domain 'd1' is being shutdown"
	assert_line "Domain 'd1' destroyed"
	run -0 vm-ctl domstate d1
	assert_output "shut off"
	run vm-ctl shutdown --force d1
	assert_error 2 "shutdown: --force needs --timeout"
	run vm-ctl shutdown --timeout 0 d1
	assert_error 2 "--timeout: '0' is not a number of seconds (1 to 86400)"
}

@test "a suspended guest stops counting and goes on after resume" {
	guest g1 vu.counter=1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: counter 2"
	vm-ctl -q suspend g1
	n=$(marker_count g1 "VU-GUEST: counter")
	sleep 2
	assert_equal "$(marker_count g1 "VU-GUEST: counter")" "$n"
	vm-ctl -q resume g1
	marker g1 "VU-GUEST: counter $((n + 2))"
}

@test "two test guests at once, each on its own console and disk" {
	guest g1
	guest g2
	vm-ctl -q start g1
	vm-ctl -q start g2
	marker g1 "VU-GUEST: disk mounted"
	marker g2 "VU-GUEST: disk mounted"
	run -0 vm-ctl list --name
	assert_output $'g1\ng2'
}

@test "reboot: the guest powers off and comes back, as virsh reboot without an agent" {
	guest g1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: booted"
	pid=$(qemu_of g1)
	run -0 vm-ctl reboot g1
	assert_output "Domain 'g1' is being rebooted"
	marker g1 "VU-GUEST: poweroff"
	for _ in $(seq 600); do [ "$(marker_count g1 "VU-GUEST: booted")" -ge 2 ] && break; sleep 0.1; done
	assert_equal "$(marker_count g1 "VU-GUEST: booted")" 2
	# The same QEMU, running, and a power-off now ends it as before.
	assert_equal "$(qemu_of g1)" "$pid"
	run vm-ctl domstate g1
	assert_success
	assert_output running
	run -0 vm-ctl shutdown --timeout 60 g1
	run -0 vm-ctl domstate g1
	assert_output "shut off"
}

@test "<on_poweroff>restart</on_poweroff>: the monitor starts the guest again" {
	guest g1
	sed -i 's|<on_poweroff>destroy</on_poweroff>|<on_poweroff>restart</on_poweroff>|' g1.xml
	vm-ctl -q define g1.xml
	vm-ctl -q start g1
	[ -e "$VIRTUTILS_ROOT/run/qemu/g1.mlock" ]
	marker g1 "VU-GUEST: booted"
	vm-ctl -q shutdown g1
	marker g1 "VU-GUEST: poweroff"
	for _ in $(seq 600); do [ "$(marker_count g1 "VU-GUEST: booted")" -ge 2 ] && break; sleep 0.1; done
	assert_equal "$(marker_count g1 "VU-GUEST: booted")" 2
	run -0 vm-ctl domstate g1
	assert_output running
	# destroy still ends it, and its monitor with it.
	vm-ctl -q destroy g1
	for _ in $(seq 50); do flock -n "$VIRTUTILS_ROOT/run/qemu/g1.mlock" true && break; sleep 0.1; done
	run flock -n "$VIRTUTILS_ROOT/run/qemu/g1.mlock" true
	assert_success
}

# need_netns: root and network namespaces (taps and bridges are made only
# in a namespace the test makes), and a run dir dnsmasq can reach.
need_netns() {
	need_root "taps, bridges and network namespaces"
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

@test "a bridge interface: a tap vnetN on the bridge, up, MAC fe:..., gone with QEMU" {
	need_netns
	dom d1 "<interface type='bridge'><mac address='52:54:00:12:34:56'/><source bridge='vbr0'/><model type='virtio'/></interface>"
	dom d2 "<interface type='bridge'><source bridge='notbr'/><model type='virtio'/></interface>"
	dom d3 "<interface type='bridge'><source bridge='nobr'/><model type='virtio'/></interface>"
	run in_ns '
		ip link add vbr0 type bridge && ip link set vbr0 up || exit 1
		ip link add notbr type veth peer name notbr-p || exit 1
		vm-ctl start d1 || exit 1
		ip -o link show master vbr0
		vm-ctl dumpxml d1 | grep "<target dev="
		vm-ctl start d2 2>&1
		vm-ctl start d3 2>&1
		vm-ctl destroy d1
		ip -o link show master vbr0 | wc -l
		ip -o link show | grep -c vnet || true'
	assert_success
	assert_line --index 0 "Domain 'd1' started"
	assert_line --index 1 --regexp '^[0-9]+: vnet0: .*\bUP\b.*master vbr0 .*link/ether fe:54:00:12:34:56 '
	assert_line --index 2 --partial '<target dev="vnet0"/>'
	assert_line --index 3 "vm-ctl: d2: notbr: no such bridge"
	assert_line --index 4 "vm-ctl: d3: nobr: no such bridge"
	assert_line --index 5 "Domain 'd1' destroyed"
	assert_line --index 6 "0"
	assert_line --index 7 "0"
	run -0 vm-ctl list --name
	assert_output ""
}

@test "a network interface: the tap on net-ctl's bridge; the guest gets its DHCP lease" {
	need_netns
	command -v dnsmasq >/dev/null || skip "dnsmasq is not installed"
	guest g1 vu.dhcp=1
	sed -i "s|<serial type=|<interface type='network'><source network='tnet'/><model type='virtio'/></interface><serial type=|" g1.xml
	vm-ctl -q define g1.xml
	cat >tnet.xml <<-X
	<network>
	  <name>tnet</name>
	  <bridge name='vbr7'/>
	  <ip address='10.77.0.1' netmask='255.255.255.0'>
	    <dhcp><range start='10.77.0.10' end='10.77.0.20'/></dhcp>
	  </ip>
	</network>
	X
	run in_ns '
		vm-ctl start g1 2>&1
		net-ctl -q define tnet.xml && net-ctl -q start tnet || exit 1
		vm-ctl start g1 || exit 1
		ip -o link show master vbr7 | grep -c vnet
		for i in $(seq 600); do grep -q "VU-GUEST: ip" g1.console && break; sleep 0.1; done
		grep "VU-GUEST: ip" g1.console | tr -d "\r"
		vm-ctl destroy g1
		net-ctl -q destroy tnet'
	assert_success
	assert_line --index 0 "vm-ctl: g1: network 'tnet' is not active"
	assert_line --index 1 "Domain 'g1' started"
	assert_line --index 2 "1"
	assert_line --index 3 --regexp '^VU-GUEST: ip 10\.77\.0\.(1[0-9]|20)$'
}

@test "<cputune> pins the vCPU threads and the emulator thread" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	cat >d1.xml <<-X
	<domain type='qemu'>
	  <name>d1</name>
	  <memory unit='MiB'>64</memory>
	  <currentMemory unit='MiB'>48</currentMemory>
	  <vcpu placement='static'>2</vcpu>
	  <cputune>
	    <vcpupin vcpu='0' cpuset='1'/>
	    <vcpupin vcpu='1' cpuset='0-1,^1'/>
	    <emulatorpin cpuset='1'/>
	  </cputune>
	  <os><type arch='x86_64' machine='pc'>hvm</type></os>
	  <devices><memballoon model='virtio'/></devices>
	</domain>
	X
	vm-ctl -q define d1.xml
	vm-ctl -q start d1
	cpus=$(vm-ctl qemu-monitor-command d1 '{"execute": "query-cpus-fast"}')
	t0=$(jq -r '.return[] | select(.["cpu-index"] == 0) | .["thread-id"]' <<<"$cpus")
	t1=$(jq -r '.return[] | select(.["cpu-index"] == 1) | .["thread-id"]' <<<"$cpus")
	run -0 taskset -cp "$t0"
	assert_output --regexp ': 1$'
	run -0 taskset -cp "$t1"
	assert_output --regexp ': 0$'
	run -0 taskset -cp "$(qemu_of d1)"
	assert_output --regexp ': 1$'
}

@test "<currentMemory> below <memory> is the balloon target the guest's driver follows" {
	guest g1
	sed -i "s|<currentMemory unit='MiB'>256</currentMemory>|<currentMemory unit='MiB'>192</currentMemory>|" g1.xml
	vm-ctl -q define g1.xml
	vm-ctl -q start g1
	marker g1 "VU-GUEST: booted"
	for _ in $(seq 100); do
		out=$(vm-ctl qemu-monitor-command g1 '{"execute": "query-balloon"}')
		[ "$out" = '{"return":{"actual":201326592}}' ] && break
		sleep 0.1
	done
	assert_equal "$out" '{"return":{"actual":201326592}}'
}

@test "bash completion: commands, options, and domain names by the state each command wants" {
	dom d1
	dom d2
	dom d3
	vm-ctl -q start d1
	vm-ctl -q start --paused d2
	run complete_lines vm-ctl \
		'vm-ctl re' \
		'vm-ctl start ' \
		'vm-ctl suspend ' \
		'vm-ctl resume ' \
		'vm-ctl shutdown ' \
		'vm-ctl dominfo ' \
		'vm-ctl list --st' \
		'vm-ctl shutdown d1 --' \
		'vm-ctl start d3 '
	assert_success
	assert_line --index 0 "reboot reset resume restore"
	assert_line --index 1 "d3"
	assert_line --index 2 "d1"
	assert_line --index 3 "d2"
	assert_line --index 4 "d1 d2"
	assert_line --index 5 "d1 d2 d3"
	assert_line --index 6 "--state-running --state-paused --state-shutoff"
	assert_line --index 7 --partial "--timeout --force"
	assert_equal "${#lines[@]}" 8
}
