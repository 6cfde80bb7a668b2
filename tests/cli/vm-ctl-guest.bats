#!/usr/bin/env bats
# vm-ctl console, save/restore, setmem and start-all on the test guest
# (tests/fixtures/mkguest.sh) under TCG: its console markers say what the
# guest did.

load vm-ctl-lib
bats_require_minimum_version 1.5.0

setup_file() {
	guest_setup_file
}

setup() {
	need_qemu
	common_setup
}

teardown() {
	stop_everything
}

# console_to NAME FILE: a console session of NAME copying into FILE in the
# background (its input ends at once: the session lasts until QEMU ends);
# CONSOLE_PID is its pid.
console_to() {
	vm-ctl console "$1" </dev/null >"$2" 2>&1 &
	CONSOLE_PID=$!
}

@test "console: the guest's markers on the pty, typed input reaches it, shutdown hangs it up" {
	guest g1 vu.shell=1 pty
	vm-ctl -q start g1
	console_to g1 g1.console
	marker g1 "VU-GUEST: booted"
	head -n 1 g1.console | grep -q "Connected to domain 'g1'"
	# A second session, with --force, types a command to the guest's shell.
	{ sleep 2; printf 'echo typed-$((6 * 7))\r'; sleep 3; printf '\035'; } |
		vm-ctl console --force g1 >second
	grep -aq "typed-42" second
	wait "$CONSOLE_PID"
	console_to g1 g1.console
	sleep 1
	vm-ctl -q shutdown g1
	marker g1 "VU-GUEST: poweroff"
	(sleep 30; kill "$CONSOLE_PID") >/dev/null 2>&1 3>&- &
	dog=$!
	wait "$CONSOLE_PID"
	kill "$dog"
}

@test "start --console: started, then straight onto its console until QEMU ends" {
	guest g1 "" pty
	vm-ctl start --console g1 </dev/null >g1.console 2>&1 &
	pid=$!
	marker g1 "VU-GUEST: booted"
	run -0 head -n 2 g1.console
	assert_line --index 0 "Domain 'g1' started"
	assert_line --index 1 "Connected to domain 'g1'"$'\r'
	vm-ctl -q shutdown g1
	wait "$pid"
}

@test "save stops the guest into a file; restore brings it back where it was" {
	guest g1 vu.counter=1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: counter 3"
	run -0 vm-ctl save g1 g1.save
	assert_output $'\n'"Domain 'g1' saved to g1.save"
	run -0 vm-ctl domstate --reason g1
	assert_output "shut off (saved)"
	n=$(last_counter g1)
	[ "$(stat -c %a g1.save)" = 600 ]
	run -0 head -c 16 g1.save
	assert_output "VUTILS-QEMU-SAVE"
	run -0 dd if=g1.save bs=4096 skip=1 count=1 status=none
	[ "${output:0:4}" = QEVM ]
	run -0 vm-ctl restore g1.save
	assert_output "Domain restored from g1.save"
	run -0 vm-ctl domstate --reason g1
	assert_output "running (restored)"
	# The guest goes on counting from where it stopped: no new boot.
	marker g1 "VU-GUEST: counter $((n + 2))"
	run grep -c "VU-GUEST: booted" g1.console
	[ "$output" -le 1 ]
}

@test "save of a paused guest restores it paused; --running and --paused choose" {
	guest g1 vu.counter=1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: counter 2"
	vm-ctl -q suspend g1
	vm-ctl -q save g1 g1.save
	vm-ctl -q restore g1.save
	run -0 vm-ctl domstate g1
	assert_output "paused"
	vm-ctl -q destroy g1
	vm-ctl -q restore --running g1.save
	run -0 vm-ctl domstate g1
	assert_output "running"
	vm-ctl -q save --paused g1 g2.save
	vm-ctl -q restore g2.save
	run -0 vm-ctl domstate g1
	assert_output "paused"
}

@test "restore refuses a damaged file before anything runs" {
	guest g1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: booted"
	vm-ctl -q save g1 g1.save
	cp g1.save bad.save
	printf 'X' | dd of=bad.save bs=1 seek=100 conv=notrunc status=none
	run -1 vm-ctl restore bad.save
	assert_error 1 "bad.save: save file header checksum mismatch"
	head -c 4096 g1.save >short.save
	run -1 vm-ctl restore short.save
	assert_error 1 "short.save: save file is truncated"
	echo "<domain/>" >plain.save
	run -1 vm-ctl restore plain.save
	assert_error 1 "plain.save: not a vm-ctl save file"
	run -1 vm-ctl restore nosuch.save
	assert_error 1 "nosuch.save: No such file or directory"
	run -0 vm-ctl domstate g1
	assert_output "shut off"
	run -0 vm-ctl list --name
	assert_output ""
	# A damaged stream after a good header: QEMU refuses it and goes.
	cp g1.save cut.save
	truncate -s $(( $(stat -c %s g1.save) / 2 )) cut.save
	run -1 vm-ctl restore cut.save
	assert_output --regexp '^vm-ctl: cut.save: '
	state_is g1 "shut off"
}

@test "save: a domain that does not run, a file that cannot be written; the guest goes on" {
	guest g1 vu.counter=1
	run -1 vm-ctl save g1 g1.save
	assert_error 1 "g1: domain is not running"
	vm-ctl -q start g1
	marker g1 "VU-GUEST: counter 2"
	run -1 vm-ctl save g1 /nonexistent/dir/g1.save
	assert_output --regexp "^vm-ctl: g1: /nonexistent/dir/g1.save: "
	run -0 vm-ctl domstate g1
	assert_output "running"
	n=$(last_counter g1)
	marker g1 "VU-GUEST: counter $((n + 1))"
	run -2 vm-ctl save g1
	assert_error 2 "save: missing file name"
}

@test "restore: the saved domain's UUID must be the defined one's" {
	guest g1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: booted"
	vm-ctl -q save g1 g1.save
	vm-ctl -q undefine g1
	sed -i "s|<uuid>.*</uuid>||" g1.xml
	vm-ctl -q define g1.xml
	run -1 vm-ctl restore g1.save
	assert_output --regexp "^vm-ctl: g1.save: domain 'g1' already exists with uuid "
	vm-ctl -q undefine g1
	# Not defined at all: it comes back transient.
	run -0 vm-ctl restore g1.save
	run -0 vm-ctl dominfo g1
	assert_line --regexp '^Persistent: +no$'
}

@test "setmem --live moves the balloon and the live XML; --config the definition" {
	guest g1
	vm-ctl -q start g1
	marker g1 "VU-GUEST: booted"
	run -0 vm-ctl setmem g1 200M
	assert_output ""
	run -0 vm-ctl dumpxml g1
	assert_output --partial '<currentMemory unit="KiB">204800</currentMemory>'
	for _ in $(seq 100); do
		out=$(vm-ctl qemu-monitor-command g1 '{"execute":"query-balloon"}')
		[[ $out == *'"actual":209715200'* ]] && break
		sleep 0.2
	done
	assert_equal "$out" '{"return":{"actual":209715200}}'
	run -0 vm-ctl dumpxml --inactive g1
	assert_output --partial '<currentMemory unit="MiB">256</currentMemory>'
	run -0 vm-ctl setmem g1 131072 --config
	run -0 vm-ctl dumpxml --inactive g1
	assert_output --partial '<currentMemory unit="KiB">131072</currentMemory>'
	run -1 vm-ctl setmem g1 1G --live
	assert_error 1 "g1: cannot set memory higher than max memory"
}

@test "setmem: a shut off domain changes its definition; --live needs it running; bad sizes" {
	guest g1
	run -0 vm-ctl setmem g1 100MiB
	run -0 vm-ctl dumpxml g1
	assert_output --partial '<currentMemory unit="KiB">102400</currentMemory>'
	run -1 vm-ctl setmem g1 100M --live
	assert_error 1 "g1: domain is not running"
	run -2 vm-ctl setmem g1 lots
	assert_error 2 "setmem: invalid memory size 'lots'"
	run -2 vm-ctl setmem g1
	assert_error 2 "setmem: missing memory size"
	run -2 vm-ctl setmem g1 1G --live --current
	assert_output --regexp "^vm-ctl: .*(--live|--current)"
	run -0 vm-ctl setmem --domain g1 --size 64M
	run -0 vm-ctl dumpxml g1
	assert_output --partial '<currentMemory unit="KiB">65536</currentMemory>'
}

@test "start-all starts the marked domains that do not run, and says which failed" {
	guest g1
	guest g2
	guest g3
	vm-ctl -q autostart g1
	vm-ctl -q autostart g3
	rm g3.ext4
	run -1 vm-ctl start-all
	assert_line "Domain 'g1' started"
	assert_line --regexp "^vm-ctl: g3: "
	run -0 vm-ctl list --name
	assert_output "g1"
	# Running ones are left alone; nothing failing is status 0.
	vm-ctl -q autostart --disable g3
	run -0 vm-ctl start-all
	assert_output ""
}
