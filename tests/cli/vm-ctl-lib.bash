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
