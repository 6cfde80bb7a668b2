#!/usr/bin/env bats
# The install phase: vm-create --location from a tree made of the test
# guest's kernel and initrd, started by vm-create --start or vm-ctl start;
# the guest powering off (vm-ctl shutdown presses its power button) ends
# the install, and the final configuration (no kernel: it boots its disk)
# starts in its place.

load vm-ctl-lib
bats_require_minimum_version 1.5.0

setup_file() {
	guest_setup_file
}

setup() {
	need_qemu
	common_setup
	local g=$BATS_FILE_TMPDIR/guest
	[ -f "$g/vmlinuz" ] || skip "no test guest (see $BATS_FILE_TMPDIR/mkguest.log)"
	mkdir -p tree/images/pxeboot
	cp "$g/vmlinuz" tree/images/pxeboot/vmlinuz
	cp "$g/initrd.img" tree/images/pxeboot/initrd.img
}

teardown() {
	stop_everything
}

# create NAME OPTIONS...: vm-create of a small TCG domain installing from
# ./tree, its console a pty; stderr in NAME.err, stdout in NAME.out.
create() {
	local name=$1
	shift
	vm-create --name "$name" --memory 256 --virt-type qemu --arch x86_64 \
		--disk "path=$PWD/$name.img,size=0.1" --location "$PWD/tree" \
		--extra-args console=ttyS0 --graphics none --nonetworks "$@" \
		>"$name.out" 2>"$name.err"
}

# console_to NAME: the console of NAME copied into NAME.console, from a
# session in the background (it ends with the QEMU); once its live XML is
# written (the start that runs in the background may not be done).
console_to() {
	for _ in $(seq 300); do
		[[ $(vm-ctl domid "$1" 2>/dev/null) =~ ^[0-9]+$ ]] && break
		sleep 0.1
	done
	vm-ctl console "$1" </dev/null >>"$1.console" 2>&1 &
}

# installed NAME [SECONDS]: waits until NAME's definition has no install
# record and its install's end is done (RUN/qemu/NAME.installing gone).
installed() {
	local i
	for ((i = 0; i < ${2:-60} * 10; i++)); do
		if ! vm-ctl dumpxml --inactive "$1" | grep -q "xmlns/install/1" &&
			[ ! -e "$VIRTUTILS_ROOT/run/qemu/$1.installing" ]; then
			return 0
		fi
		sleep 0.1
	done
	fail "$1 is still installing: $(vm-ctl dumpxml --inactive "$1" | grep install)"
}

@test "vm-create --start: the install boots first; its poweroff starts the final configuration" {
	create i1 --start --noautoconsole
	run -0 cat i1.err
	assert_line "Starting install..."
	assert_line "Domain installation still in progress. You can reconnect to the console to complete the installation process."
	state_is i1 running
	run -0 vm-ctl dumpxml i1
	assert_output --partial "<kernel>$VIRTUTILS_ROOT/boot/i1/vmlinuz</kernel>"
	assert_output --partial "<on_reboot>destroy</on_reboot>"
	run -0 vm-ctl dumpxml --inactive i1
	assert_output --partial "xmlns/install/1"
	console_to i1
	marker i1 "VU-GUEST: booted"
	vm-ctl -q shutdown i1
	marker i1 "VU-GUEST: poweroff"
	installed i1
	state_is i1 running
	run -0 vm-ctl dumpxml i1
	refute_output --partial "<kernel>"
	run -0 vm-ctl dumpxml --inactive i1
	refute_output --partial "xmlns/install/1"
	vm-ctl dumpxml --inactive i1 | valid_xml -
}

@test "vm-create --start --wait returns once the install has ended" {
	create i1 --start --noautoconsole --wait 5 &
	pid=$!
	state_is i1 running
	console_to i1
	marker i1 "VU-GUEST: booted"
	vm-ctl -q shutdown i1
	wait "$pid"
	run -0 cat i1.err
	assert_line "Domain creation completed."
	run -0 vm-ctl domstate i1
	assert_output "running"
	run -0 vm-ctl dumpxml i1
	refute_output --partial "<kernel>"
}

@test "vm-create --start --autoconsole text --noreboot: the install's console, then shut off" {
	create i1 --start --autoconsole text --noreboot </dev/null &
	pid=$!
	for _ in $(seq 600); do grep -q "VU-GUEST: booted" i1.out && break; sleep 0.1; done
	run -0 cat i1.out
	assert_line --index 0 "Connected to domain 'i1'"$'\r'
	assert_output --partial "VU-GUEST: booted"
	vm-ctl -q shutdown i1
	wait "$pid"
	run -0 cat i1.err
	assert_line "Domain creation completed."
	run -0 vm-ctl domstate i1
	assert_output "shut off"
	run -0 vm-ctl dumpxml --inactive i1
	refute_output --partial "xmlns/install/1"
}

@test "vm-ctl start installs first; destroy during the install keeps the record, and start installs again" {
	create i1 --define
	run -0 vm-ctl start i1
	assert_output "Domain 'i1' started"
	run -0 vm-ctl dumpxml i1
	assert_output --partial "<kernel>"
	vm-ctl -q destroy i1
	sleep 2
	run -0 vm-ctl domstate i1
	assert_output "shut off"
	run -0 vm-ctl dumpxml --inactive i1
	assert_output --partial "xmlns/install/1"
	vm-ctl -q start i1
	run -0 vm-ctl dumpxml i1
	assert_output --partial "<kernel>"
	console_to i1
	marker i1 "VU-GUEST: booted"
	vm-ctl -q shutdown i1
	installed i1
	state_is i1 running
	run -0 vm-ctl dumpxml i1
	refute_output --partial "<kernel>"
}

@test "an install that ends with the guest rebooting (on_reboot destroy) finishes too" {
	create i1 --start --noautoconsole
	console_to i1
	marker i1 "VU-GUEST: booted"
	vm-ctl qemu-monitor-command i1 '{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}}' >/dev/null
	marker i1 "VU-GUEST: reboot|reboot: Restarting system"
	installed i1
	state_is i1 running
	run -0 vm-ctl dumpxml i1
	refute_output --partial "<kernel>"
}

@test "vm-create: --wait and --autoconsole need --start; --start is not --print-xml" {
	run -2 vm-create --name i1 --memory 256 --disk none --import --wait 5
	assert_line --index 0 "vm-create: --wait: needs --start"
	run -2 vm-create --name i1 --memory 256 --disk none --import --autoconsole text
	assert_line --index 0 "vm-create: --autoconsole: needs --start"
	run -2 vm-create --name i1 --memory 256 --disk none --import --start --autoconsole vnc
	assert_line --index 0 "vm-create: --autoconsole: text or none, not 'vnc'"
	run -2 vm-create --name i1 --memory 256 --disk none --import --start --wait soon
	assert_line --index 0 "vm-create: --wait: MIN is a number of minutes, not 'soon'"
	run -2 vm-create --name i1 --memory 256 --disk none --import --start --print-xml
	assert_line --index 0 "vm-create: options --start and --print-xml cannot be combined"
	run -0 vm-ctl list --all --name
	assert_output ""
}

@test "vm-create --start of a domain that cannot start: undefined, its new disk removed" {
	run -1 vm-create --name i1 --memory 256 --virt-type qemu --disk "path=$PWD/i1.img,size=0.1" \
		--import --graphics none --network network=nosuch --start --noautoconsole
	assert_output --regexp "vm-create: i1: .*nosuch"
	run -0 vm-ctl list --all --name
	assert_output ""
	[ ! -e i1.img ]
}
