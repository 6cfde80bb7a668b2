#!/usr/bin/env bats
# vm-migrate --live between two state roots on one machine, through
# --transport: the test guest (TCG) counts on its console before, during
# and after; the source QEMU is started as vm-ctl would (the runtime's
# builder, build/fixtures/qemuargv), the destination by vm-migrate.

load common
load guest
bats_require_minimum_version 1.5.0

setup_file() {
	guest_make "$BATS_FILE_TMPDIR/guest"
	make -C "$TOP" -s build/fixtures/qemuargv >/dev/null
}

setup() {
	common_setup
	guest_need
	A=$BATS_TEST_TMPDIR/a
	B=$BATS_TEST_TMPDIR/b
	SRC=$BATS_TEST_TMPDIR/src
	CONSOLE=$BATS_TEST_TMPDIR/console
	mkdir -p "$A/domains" "$A/run" "$B/run" "$SRC"
	chmod 700 "$A/run" "$B/run"
	TRANSPORT="VIRTUTILS_ROOT=$B vm-migrate --receive"
}

teardown() {
	local f
	for f in "$A"/run/qemu/*.pid "$B"/run/qemu/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	jobs -p | xargs -r kill 2>/dev/null || :
}

# guest_xml NAME: the test guest counting (vu.counter=1), its console
# appended to $CONSOLE by whichever QEMU runs it, its disk a copy in $SRC.
guest_xml() {
	cp "$GUEST/disk.ext4" "$SRC/disk.raw"
	sed -e "s|<name>vu-guest</name>|<name>$1</name><uuid>6c0a1e4e-3a35-4b8f-9d0e-2f1a6a2c8b10</uuid>|" \
		-e "s|<cmdline>console=ttyS0</cmdline>|<cmdline>console=ttyS0 vu.counter=1</cmdline>|" \
		-e "s|$GUEST/disk.ext4|$SRC/disk.raw|" \
		-e "s|<serial type='pty'>|<serial type='file'><source path='$CONSOLE' append='on'/>|" \
		-e "/<console type='pty'>/,/<\/console>/d" \
		"$GUEST/guest.xml"
}

# start_src NAME: NAME's QEMU running in A as vm-ctl runs it (pidfile and
# QMP socket in A/run/qemu), counting.
start_src() {
	local run=$A/run/qemu args
	mkdir -p -m 700 "$run" "$run/$1.d"
	guest_xml "$1" >"$SRC/$1.xml"
	mapfile -t args < <("$TOP/build/fixtures/qemuargv" "$SRC/$1.xml" "$run/$1.qmp" \
		"$run/$1.pid" "$run/$1.d")
	"${args[@]}" >"$run/$1.log" 2>&1 </dev/null || { cat "$run/$1.log"; return 1; }
	qmp "$A" "$1" '{"execute":"cont"}' >/dev/null	# the builder's -S, as vm-ctl does
	cp "$SRC/$1.xml" "$run/$1.xml"			# and its live XML
	wait_console "counter 2" 90
}

console() { tr -d '\r' <"$CONSOLE" 2>/dev/null; }

wait_console() {
	local i
	for ((i = 0; i < ${2:-60} * 10; i++)); do
		console | grep -qE "VU-GUEST: $1\$" && return 0
		sleep 0.1
	done
	echo "no '$1' on the console; its end:" >&2
	console | tail -n 5 >&2
	return 1
}

last_count() { console | sed -n 's/^VU-GUEST: counter \([0-9]*\)$/\1/p' | tail -n 1; }

# alive ROOT NAME: its QEMU runs (the pidfile names a live process)
alive() { [ -f "$1/run/qemu/$2.pid" ] && kill -0 "$(cat "$1/run/qemu/$2.pid")" 2>/dev/null; }

qmp() { # qmp ROOT NAME JSON
	{ echo '{"execute":"qmp_capabilities"}'; sleep 0.2; echo "$3"; sleep 0.5; } |
		socat -t 2 - "UNIX-CONNECT:$1/run/qemu/$2.qmp"
}

# The counter goes on from where it was: no reboot, no second "counter 1".
counts_on() {
	local n=$1
	wait_console "counter $((n + 3))" 60 || { qmp "$B" g1 '{"execute":"query-status"}'; return 1; }
	[ "$(console | grep -c '^VU-GUEST: counter 1$')" -eq 1 ] || fail "the guest restarted"
	[ "$(console | grep -c '^VU-GUEST: booted$')" -eq 1 ] || fail "the guest rebooted"
}

# Nothing of g1 runs or is defined in B.
nothing_on_b() {
	local name=${1:-g1}
	! alive "$B" "$name" || fail "$name runs on the destination"
	[ ! -e "$B/domains/$name.xml" ] || fail "$name is defined on the destination"
	run find "$B/images" -type f
	assert_output ""
}

on_a() { VIRTUTILS_ROOT=$A vm-migrate "$@"; }

@test "--live: the guest keeps counting on the destination, the source is gone" {
	start_src g1
	n=$(last_count)
	on_a --live --verbose --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	! alive "$A" g1 || fail "the source still runs"
	alive "$B" g1
	counts_on "$n"
	run qmp "$B" g1 '{"execute":"query-status"}'
	assert_output --partial '"status": "running"'
	[ ! -e "$B/domains/g1.xml" ]	# not --persistent: transient there
}

@test "--live --copy-storage-all --suspend: the destination's disk is the source's" {
	start_src g1
	on_a --live --copy-storage-all --suspend --transport "$TRANSPORT" \
		g1 qemu+ssh://localhost/system
	! alive "$A" g1
	run qmp "$B" g1 '{"execute":"query-status"}'
	assert_output --partial '"status": "paused"'
	[ -f "$B/images/disk.raw" ]
	qmp "$B" g1 '{"execute":"quit"}' >/dev/null
	sleep 0.5
	qemu-img compare -f raw -F raw "$SRC/disk.raw" "$B/images/disk.raw"
	# what the guest wrote while it ran here is on the copy
	n=$(debugfs -R 'cat /counter' "$B/images/disk.raw" 2>/dev/null)
	[ "$n" -ge "$(($(last_count) - 1))" ] || fail "/counter is $n, the console said $(last_count)"
}

@test "--live --copy-storage-all: the guest counts on, on its copy" {
	start_src g1
	n=$(last_count)
	on_a --live --copy-storage-all --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	counts_on "$n"
	# the runtime's live XML there names the copy
	grep -q "$B/images/disk.raw" "$B/run/qemu/g1.xml"
}

@test "--live --tunnelled: the memory goes through the transport" {
	start_src g1
	n=$(last_count)
	# dd counts what goes through the transport
	on_a --live --tunnelled --transport "dd bs=64k 2>$BATS_TEST_TMPDIR/dd.err | $TRANSPORT" \
		g1 qemu+ssh://localhost/system
	! alive "$A" g1
	counts_on "$n"
	bytes=$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' "$BATS_TEST_TMPDIR/dd.err")
	[ "$bytes" -gt $((10 << 20)) ] || fail "only $bytes bytes went through the transport"
}

@test "--live --persistent --undefinesource --dname: the definition moves, renamed" {
	start_src g1
	cp "$SRC/g1.xml" "$A/domains/g1.xml"
	n=$(last_count)
	on_a --live --persistent --undefinesource --dname g2 --transport "$TRANSPORT" \
		g1 qemu+ssh://localhost/system
	[ ! -e "$A/domains/g1.xml" ]
	[ -f "$B/domains/g2.xml" ]
	valid_xml "$B/domains/g2.xml"
	grep -q "<name>g2</name>" "$B/domains/g2.xml"
	alive "$B" g2
	counts_on "$n"
}

@test "a destination killed during the migration: the source runs on, nothing there" {
	start_src g1
	run -1 on_a --live --bandwidth 1 --transport \
		"( sleep 3; kill -9 \$(cat $B/run/qemu/g1.pid) ) & $TRANSPORT" \
		g1 qemu+ssh://localhost/system
	assert_output --regexp "vm-migrate: g1: .*(failed|went away|destination)"
	alive "$A" g1
	run qmp "$A" g1 '{"execute":"query-status"}'
	assert_output --partial '"status": "running"'
	n=$(last_count)
	wait_console "counter $((n + 2))" 30
	nothing_on_b
}

@test "--timeout: suspended after S seconds, then it finishes" {
	start_src g1
	run on_a --live --verbose --timeout 1 --bandwidth 20 --transport "$TRANSPORT" \
		g1 qemu+ssh://localhost/system
	assert_success
	assert_output --partial "suspending the domain after 1 s"
	alive "$B" g1
	run qmp "$B" g1 '{"execute":"query-status"}'
	assert_output --partial '"status": "running"'
}

@test "--cancel and --info from another shell" {
	start_src g1
	on_a --live --bandwidth 1 --transport "$TRANSPORT" g1 qemu+ssh://localhost/system \
		2>"$BATS_TEST_TMPDIR/mig.err" &
	mig=$!
	for ((i = 0; i < 100; i++)); do
		[ -f "$A/run/qemu/g1.migjob" ] && grep -q status "$A/run/qemu/g1.migjob" && break
		sleep 0.1
	done
	sleep 1
	run on_a --info g1
	assert_success
	assert_output --partial "Outgoing migration"
	assert_output --partial "Memory remaining:"
	assert_output --partial "Max downtime:     300 ms"
	on_a --setmaxdowntime 400 g1
	for ((i = 0; i < 50; i++)); do
		on_a --info g1 | grep -q "Max downtime:     400 ms" && break
		sleep 0.1
	done
	[ "$i" -lt 50 ] || fail "--setmaxdowntime did not reach QEMU"
	on_a --cancel g1
	rc=0
	wait "$mig" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "cancelled" "$BATS_TEST_TMPDIR/mig.err"
	alive "$A" g1
	run qmp "$A" g1 '{"execute":"query-status"}'
	assert_output --partial '"status": "running"'
	nothing_on_b
	run on_a --cancel g1
	assert_failure
	assert_output --partial "no migration job"
}

@test "pre-flight: a disk missing at the destination, a name active there" {
	start_src g1
	mv "$SRC/disk.raw" "$SRC/moved.raw"
	run -1 on_a --live --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	mv "$SRC/moved.raw" "$SRC/disk.raw"
	assert_output --partial "disk vda: $SRC/disk.raw: not here"
	alive "$A" g1
	nothing_on_b
	run -2 on_a --live g1 qemu+tcp://h/system
	assert_output --partial "unsupported destination URI"
	# a g1 already running there (its pidfile names a live process)
	mkdir -p -m 700 "$B/run/qemu"
	sleep 60 &
	sp=$!
	echo $sp >"$B/run/qemu/g1.pid"
	run -1 on_a --live --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	assert_output --partial "domain 'g1' is already active here"
	kill $sp
	rm "$B/run/qemu/g1.pid"
	# another running domain there holds the UUID (its pidfile locked, as
	# QEMU locks it, and its live XML)
	sed -e "s|<name>g1</name>|<name>other</name>|" "$SRC/g1.xml" >"$B/run/qemu/other.xml"
	python3 -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "w"); f.write("%d\n" % os.getpid()); f.flush()
fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(60)' "$B/run/qemu/other.pid" &
	lp=$!
	for ((i = 0; i < 50; i++)); do [ -s "$B/run/qemu/other.pid" ] && break; sleep 0.1; done
	run -1 on_a --live --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	kill $lp
	assert_output --partial "is used by running domain 'other'"
	alive "$A" g1
	[ ! -e "$B/run/qemu/g1.pid" ]
}

@test "--xml: the destination's own console file; another guest's XML refused" {
	start_src g1
	n=$(last_count)
	sed -e "s|$CONSOLE|$BATS_TEST_TMPDIR/console2|" "$SRC/g1.xml" >dest.xml
	sed -e "s|<uuid>[^<]*</uuid>||" -e "s|<name>g1</name>|<name>g1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>|" \
		"$SRC/g1.xml" >other.xml
	run -1 on_a --live --xml other.xml --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	assert_output --partial "is not the running domain's"
	on_a --live --xml dest.xml --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	CONSOLE=$BATS_TEST_TMPDIR/console2
	wait_console "counter $((n + 3))" 30
	! console | grep -q "counter 1$" || fail "the counter started again"
}

@test "there and back: --parallel zstd, --compressed --auto-converge, --postcopy" {
	start_src g1
	n=$(last_count)
	on_a --live --parallel --parallel-connections 2 --comp-methods zstd \
		--transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	alive "$B" g1
	# back to A, from the domain vm-migrate started in B (its live XML there)
	VIRTUTILS_ROOT=$B vm-migrate --live --compressed --auto-converge --downtime 500 \
		--transport "VIRTUTILS_ROOT=$A vm-migrate --receive" g1 qemu+ssh://localhost/system
	alive "$A" g1
	! alive "$B" g1
	on_a --live --verbose --postcopy --timeout 1 --timeout-postcopy --bandwidth 20 \
		--transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	alive "$B" g1
	! alive "$A" g1
	counts_on "$n"
}

@test "usage: bad options and shut-off domains" {
	run -2 vm-migrate --live g1
	assert_output --partial "expected DOMAIN and DESTURI"
	run -2 vm-migrate --live --offline g1 x
	run -2 vm-migrate --migrateuri 'tcp://a b:1' g1 x
	run -2 vm-migrate --comp-methods lz4 g1 x
	assert_output --partial "unknown method"
	run -2 vm-migrate --timeout-postcopy --timeout 3 g1 x
	assert_output --partial "requires --postcopy"
	run -2 vm-migrate --bandwidth -1 g1 x
	run -1 vm-migrate --live --transport true g1 x
	assert_output --partial "not running"
	run -1 vm-migrate --live --tunnelled --copy-storage-all --transport true g1 x
	assert_output --partial "not supported"
}

@test "without --live: paused while it moves, running on the destination" {
	start_src g1
	n=$(last_count)
	on_a --transport "$TRANSPORT" g1 qemu+ssh://localhost/system
	alive "$B" g1
	counts_on "$n"
}

@test "--copy-storage-inc: only the overlay moves, on the same backing file" {
	start_src g1
	qmp "$A" g1 '{"execute":"quit"}' >/dev/null
	sleep 0.5
	rm -f "$CONSOLE"
	qemu-img create -q -f qcow2 -F raw -b "$SRC/disk.raw" "$SRC/top.qcow2"
	sed -i -e "s|$SRC/disk.raw|$SRC/top.qcow2|" -e "s|type='raw'|type='qcow2'|" "$SRC/g1.xml"
	run=$A/run/qemu
	mapfile -t args < <("$TOP/build/fixtures/qemuargv" "$SRC/g1.xml" "$run/g1.qmp" \
		"$run/g1.pid" "$run/g1.d")
	"${args[@]}" >"$run/g1.log" 2>&1 </dev/null
	qmp "$A" g1 '{"execute":"cont"}' >/dev/null
	cp "$SRC/g1.xml" "$run/g1.xml"
	wait_console "counter 2" 90
	on_a --live --copy-storage-inc --suspend --transport "$TRANSPORT" \
		g1 qemu+ssh://localhost/system
	run qemu-img info -U "$B/images/top.qcow2"
	assert_output --partial "backing file: $SRC/disk.raw"
	qmp "$B" g1 '{"execute":"quit"}' >/dev/null
	sleep 0.5
	qemu-img compare "$SRC/top.qcow2" "$B/images/top.qcow2"
}

@test "--receive: a hostile control channel is refused, nothing left" {
	mkdir -p "$B/run"
	run -1 bash -c "printf 'vm-migrate-live 1\nbogus\n' | VIRTUTILS_ROOT=$B vm-migrate --receive"
	assert_output --partial "error control: unknown request 'bogus'"
	run -1 bash -c "printf 'vm-migrate-live 1\nxml 99999999999\n' |
		VIRTUTILS_ROOT=$B vm-migrate --receive"
	assert_output --partial "bad length"
	run -1 bash -c "printf 'vm-migrate-live 1\nxml 10\n<domain' | VIRTUTILS_ROOT=$B vm-migrate --receive"
	assert_output --partial "cut short"
	run -1 bash -c "printf 'vm-migrate-live 1\nprepare\n' | VIRTUTILS_ROOT=$B vm-migrate --receive"
	assert_output --partial "no xml before prepare"
	run -1 bash -c "printf 'vm-migrate-live 1\ndisk vda raw 1 ../../x\n' |
		VIRTUTILS_ROOT=$B vm-migrate --receive"
	assert_output --partial "bad disk line"
	run -1 bash -c "printf 'vm-migrate-live 1\nxml 24\n<domain><name>../x</name>prepare\n' |
		VIRTUTILS_ROOT=$B vm-migrate --receive"
	nothing_on_b x
	[ ! -e "$B/run/qemu/x.pid" ]
}

@test "completion: live options, running domains for DOMAIN, --cancel and --info" {
	mkdir -p "$A/run/qemu"
	touch "$A/run/qemu/r1.pid"
	cp /dev/null "$A/domains/off1.xml"
	run complete_lines vm-migrate "vm-migrate --copy-storage-i"
	assert_line --index 0 "--copy-storage-inc"
	VIRTUTILS_ROOT=$A run complete_lines vm-migrate "vm-migrate --live "
	assert_output "r1"
	VIRTUTILS_ROOT=$A run complete_lines vm-migrate "vm-migrate --cancel "
	assert_output "r1"
	VIRTUTILS_ROOT=$A run complete_lines vm-migrate "vm-migrate --offline "
	assert_output "off1"
	VIRTUTILS_ROOT=$A run complete_lines vm-migrate "vm-migrate --live r1 q"
	assert_output "qemu+ssh://"
	run complete_lines vm-migrate "vm-migrate --comp-methods z"
	assert_output "zstd"
}

@test "--live to qemu+ssh://USER@HOST:PORT/system: ssh runs the receiver, --pool with it" {
	start_src g1
	n=$(last_count)
	VIRTUTILS_ROOT=$B pool-ctl list --all >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/p2" fakebin
	VIRTUTILS_ROOT=$B pool-ctl create-as p2 dir --target "$BATS_TEST_TMPDIR/p2" >/dev/null
	# an ssh that records its arguments and runs the command here, in B
	cat >fakebin/ssh <<SH
#!/bin/bash
printf '%s\n' "\$*" >"$BATS_TEST_TMPDIR/ssh.args"
shift 3
VIRTUTILS_ROOT=$B exec "\$@"
SH
	chmod +x fakebin/ssh
	PATH=$PWD/fakebin:$PATH on_a --live --copy-storage-all --pool p2 \
		g1 qemu+ssh://admin@localhost:2222/system
	run cat ssh.args
	assert_output "-p 2222 admin@localhost vm-migrate --receive --pool p2"
	[ -f "$BATS_TEST_TMPDIR/p2/disk.raw" ]
	counts_on "$n"
}
