# Helpers of the vm-ctl-*.bats suites of console, save/restore, setmem,
# the device listings, autostart, edit and the install phase.

load common

# One line on stderr, "vm-ctl: object: what", and the status (2: usage,
# with the --help hint as a second line).
assert_error() {
	local want_status=$1 want=$2
	assert_equal "$status" "$want_status"
	assert_equal "${#lines[@]}" "$(( want_status == 2 ? 2 : 1 ))"
	assert_line --index 0 "vm-ctl: $want"
}

# dom_xml NAME [DEVICES]: a small TCG domain with no OS.
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

# fake_running NAME XML [--pty]: NAME looks running to vm-ctl (its pidfile
# locked, XML as its live XML) without a QEMU: vm-ctl-fakeqemu.py.
# FAKE_PID is the stand-in's pid.
fake_running() {
	local fifo=$BATS_TEST_TMPDIR/fake.$1
	mkfifo "$fifo"
	"$BATS_TEST_DIRNAME/vm-ctl-fakeqemu.py" "$VIRTUTILS_ROOT/run/qemu" "$@" >"$fifo" &
	FAKE_PID=$!
	read -r -t 10 _ <"$fifo" || fail "the fake QEMU did not start"
	rm -f "$fifo"
}

# Kills what the test left running: real QEMUs by their pidfiles, fakes,
# and install watchers.
stop_everything() {
	local f
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	for f in "$VIRTUTILS_ROOT"/run/qemu/*.pid; do
		[ -f "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null || true
	done
}

# The test guest (tests/fixtures/mkguest.sh), made once per file:
#   setup_file() { guest_setup_file; }
guest_setup_file() {
	command -v qemu-system-x86_64 >/dev/null || return 0
	"$BATS_TEST_DIRNAME/../fixtures/mkguest.sh" "$BATS_FILE_TMPDIR/guest" \
		>"$BATS_FILE_TMPDIR/mkguest.log" 2>&1 || true
}

need_qemu() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
}

# guest NAME [CMDLINE] [pty]: defines the test guest as NAME with its own
# copy of the disk; its console is the file NAME.console, or a pty for
# vm-ctl console with "pty".
guest() {
	local g=$BATS_FILE_TMPDIR/guest
	[ -f "$g/guest.xml" ] || skip "no test guest (see $BATS_FILE_TMPDIR/mkguest.log)"
	sed -e "s|<name>vu-guest</name>|<name>$1</name>|" \
		-e "s|console=ttyS0|console=ttyS0 ${2:-}|" \
		-e "s|$g/disk.ext4|$PWD/$1.ext4|" "$g/guest.xml" >"$1.xml"
	if [ "${3:-}" != pty ]; then
		sed -i -e "s|<serial type='pty'>|<serial type='file'><source path='$PWD/$1.console'/>|" \
			-e "s|<console type='pty'>|<console type='file'><source path='$PWD/$1.console'/>|" \
			"$1.xml"
	fi
	cp --sparse=always "$g/disk.ext4" "$1.ext4"
	vm-ctl -q define "$1.xml"
}

# marker NAME TEXT [SECONDS]: waits for TEXT (grep -E) in the file NAME.console.
marker() {
	local i
	for ((i = 0; i < ${3:-60} * 10; i++)); do
		grep -aqE "$2" "$1.console" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no '$2' on $1's console: $(tail -n 20 "$1.console" 2>/dev/null)"
}

# The highest counter NAME's console shows (vu.counter=1), 0 for none.
last_counter() {
	grep -ao 'VU-GUEST: counter [0-9]*' "$1.console" 2>/dev/null | awk '{ n = $3 } END { print n + 0 }'
}

# state_is NAME STATE [SECONDS]: waits for `vm-ctl domstate NAME` to say STATE.
state_is() {
	local i
	for ((i = 0; i < ${3:-30} * 10; i++)); do
		[ "$(vm-ctl domstate "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 is '$(vm-ctl domstate "$1" 2>&1)', not '$2'"
}
