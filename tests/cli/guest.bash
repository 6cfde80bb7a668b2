# The bootable test guest (tests/fixtures/mkguest.sh) for bats suites:
# making it once per file, booting it with QEMU by hand, reading its
# console, talking QMP. Load after common.
#
#   setup_file() { guest_make "$BATS_FILE_TMPDIR/guest"; }
#   setup()      { common_setup; guest_need; }
#
# The guest runs under TCG (KVM is not usable on these machines): expect
# 2-4 s to "VU-GUEST: booted".

# guest_make DIR: the guest in DIR (GUEST exported); when the packages
# cannot be downloaded, GUEST_SKIP says why and guest_need skips.
guest_make() {
	local rc=0 log
	export GUEST=$1 GUEST_SKIP=
	log=$BATS_FILE_TMPDIR/mkguest.log
	"$TOP/tests/fixtures/mkguest.sh" "$GUEST" >"$log" 2>&1 || rc=$?
	if [ "$rc" -eq 77 ]; then
		GUEST_SKIP="test guest unavailable: $(tail -n 1 "$log")"
	elif [ "$rc" -ne 0 ]; then
		cat "$log" >&2
		return 1
	fi
}

# guest_need: skips the test when the guest could not be made, or when
# QEMU's system emulator is missing.
guest_need() {
	[ -z "$GUEST_SKIP" ] || skip "$GUEST_SKIP"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
}

# guest_boot NAME APPEND [QEMU ARGS...]: starts QEMU in the background on
# the guest's kernel and initrd with the kernel command line APPEND: serial
# console into NAME.console, QMP on NAME.qmp, its pid in NAME.pid (all in
# the current directory). The disk is the caller's to add.
guest_boot() {
	local name=$1 append=$2
	shift 2
	rm -f "$name.console" "$name.qmp"
	qemu-system-x86_64 -accel tcg -m 256 -nodefaults -no-user-config -display none \
		-kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.img" -append "$append" \
		-serial "file:$name.console" -qmp "unix:$PWD/$name.qmp,server=on,wait=off" \
		-pidfile "$PWD/$name.pid" "$@" </dev/null >"$name.out" 2>&1 3>&- &
	echo $! >"$name.job"
}

# guest_console NAME: the console so far, without the \r the serial line
# puts before each \n (as a terminal wants).
guest_console() {
	tr -d '\r' <"$1.console" 2>/dev/null
}

# guest_wait NAME REGEX [SECONDS]: waits (60 s unless told) for a console
# line matching REGEX (grep -E, on guest_console's lines); fails with the
# console's tail otherwise.
guest_wait() {
	local name=$1 re=$2 t=${3:-60} i
	for ((i = 0; i < t * 10; i++)); do
		guest_console "$name" | grep -aqE "$re" && return 0
		sleep 0.1
	done
	echo "no '$re' on the console of $name in ${t}s; its end:" >&2
	guest_console "$name" | tail -n 20 >&2
	cat "$name.out" >&2 2>/dev/null
	return 1
}

# guest_qmp NAME JSON...: sends each command after the capabilities
# handshake; prints QMP's replies.
guest_qmp() {
	local name=$1 cmd
	shift
	{
		echo '{"execute":"qmp_capabilities"}'
		for cmd; do
			sleep 0.2
			echo "$cmd"
		done
		sleep 0.5
	} | socat -t 2 - "UNIX-CONNECT:$name.qmp"
}

# guest_gone NAME [SECONDS]: waits (30 s unless told) for QEMU to exit.
guest_gone() {
	local pid i
	pid=$(cat "$1.job")
	for ((i = 0; i < ${2:-30} * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "QEMU ($1) still running after ${2:-30}s" >&2
	return 1
}

# guest_kill NAME: ends QEMU if it still runs (for teardown).
guest_kill() {
	local pid
	[ -f "$1.job" ] || return 0
	pid=$(cat "$1.job")
	kill "$pid" 2>/dev/null || :
}
