#!/usr/bin/env bats
# ksm-tune against fake KSM and proc trees, and its decisions against
# Debian's ksmtuned script run on the same trees.

load common

bats_require_minimum_version 1.5.0

# The oracle: Debian's ksmtuned package, fetched once for the whole file.
setup_file() {
	local d=$BATS_FILE_TMPDIR/ksmtuned
	export KSMTUNED="" KSMTUNED_WHY=""
	mkdir -p "$d"
	if ! (cd "$d" && timeout 120 apt-get download ksmtuned) >"$d/log" 2>&1; then
		KSMTUNED_WHY="apt-get download ksmtuned failed (no network?): $(tail -n 1 "$d/log")"
	elif ! dpkg-deb -x "$d"/ksmtuned_*.deb "$d/x" >>"$d/log" 2>&1; then
		KSMTUNED_WHY="dpkg-deb could not unpack ksmtuned"
	elif [ ! -f "$d/x/usr/sbin/ksmtuned" ]; then
		KSMTUNED_WHY="the ksmtuned package has no /usr/sbin/ksmtuned"
	else
		KSMTUNED=$d/x/usr/sbin/ksmtuned
	fi
}

setup() {
	common_setup
	# Not named "proc" and "ksm": the oracle's copy of ksmtuned must keep no
	# path under /proc/ or /sys/ once ours are substituted (checked there).
	export SYS=$BATS_TEST_TMPDIR/fakeksm PROC=$BATS_TEST_TMPDIR/fakeproc
	export OSYS=$BATS_TEST_TMPDIR/oracleksm CONF=$BATS_TEST_TMPDIR/ksmtuned.conf
	KT=(ksm-tune --config "$CONF" --sysfs "$SYS" --proc "$PROC")
	mksysfs "$SYS"
	mkdir -p "$PROC"
	: >"$CONF"
	meminfo 16777216 12000000 100000 1000000
	BGPID="" ORACLE_MISSED=""
}

teardown() {
	if [ -n "$BGPID" ] && kill -0 "$BGPID" 2>/dev/null; then
		kill "$BGPID"
		wait "$BGPID" || true
	fi
}

kt() {
	"${KT[@]}" "$@"
}

# A KSM directory as a 6.x kernel shows it after boot.
mksysfs() {
	mkdir -p "$1"
	local kv
	for kv in run=0 pages_to_scan=100 sleep_millisecs=20 pages_shared=0 \
		pages_sharing=0 pages_unshared=0 pages_volatile=0 full_scans=0 \
		merge_across_nodes=1 max_page_sharing=256 use_zero_pages=0 \
		stable_node_chains_prune_millisecs=2000; do
		echo "${kv#*=}" >"$1/${kv%%=*}"
	done
}

knob() {
	echo "$2" >"$SYS/$1"
}

# meminfo TOTAL FREE [BUFFERS [CACHED]], in kB, among lines that must not
# count (MemAvailable, SwapCached...).
meminfo() {
	cat >"$PROC/meminfo" <<-EOF
	MemTotal:       $1 kB
	MemFree:        $2 kB
	MemAvailable:   $(($1 - 1)) kB
	Buffers:        ${3:-0} kB
	Cached:         ${4:-0} kB
	SwapCached:     $(($1 / 2)) kB
	Active:         $(($1 / 3)) kB
	SwapTotal:      8388604 kB
	SwapFree:       8388604 kB
	EOF
}

# proc PID RSS ARGV...: a process of the fake proc tree (RSS in kB, or - for
# a process without VmRSS, as a zombie).
proc() {
	local pid=$1 rss=$2
	shift 2
	mkdir -p "$PROC/$pid"
	printf '%s\0' "$@" >"$PROC/$pid/cmdline"
	{
		printf 'Name:\t%.15s\nState:\tS (sleeping)\n' "${1##*/}"
		[ "$rss" = - ] || printf 'VmRSS:\t%8s kB\n' "$rss"
	} >"$PROC/$pid/status"
}
export -f meminfo proc

# The three files ksmtuned writes: "run pages_to_scan sleep_millisecs".
knobs() {
	local dir=${1:-$SYS}
	echo "$(cat "$dir/run") $(cat "$dir/pages_to_scan") $(cat "$dir/sleep_millisecs")"
}

# Every file and its value, to show that nothing changed.
snapshot() {
	(cd "$1" && grep -r . | sort)
}

# Runs a command as root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH,
# so file modes bind it as they bind an ordinary user.
unprivileged() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --bounding-set -dac_override,-dac_read_search "$@"
	else
		"$@"
	fi
}

need_userns() {
	unshare -Urm true 2>/dev/null || skip "no user and mount namespaces (unshare -Urm)"
}

# Runs a command with $SYS mounted read-only, in a mount namespace of its own.
readonly_sysfs() {
	unshare -Urm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		shift && exec "$@"' sh "$SYS" "$@"
}

need_jq() {
	command -v jq >/dev/null || skip "jq is not installed"
}

wait_for() {
	local i n=$(($1 * 20))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# --- the oracle -----------------------------------------------------------

need_ksmtuned() {
	[ -n "$KSMTUNED" ] || skip "$KSMTUNED_WHY"
}

# pgrep and ps as ksmtuned calls them (pgrep -f -d ' ' PATTERN, ps -p PIDS
# -o rsz=), over the fake proc tree instead of the machine's.
fakebin() {
	local bin=$BATS_TEST_TMPDIR/fakebin
	mkdir -p "$bin"
	cat >"$bin/pgrep" <<-'EOF'
	#!/bin/bash
	delim=$'\n' pattern=
	while [ $# -gt 0 ]; do
		case $1 in
		-f) ;;
		-d) delim=$2; shift ;;
		-*) echo "fake pgrep: unexpected $1" >&2; exit 2 ;;
		*) pattern=$1 ;;
		esac
		shift
	done
	found=()
	for dir in "$FAKE_PROC"/[0-9]*; do
		[ -s "$dir/cmdline" ] || continue
		line=$(tr '\0' ' ' <"$dir/cmdline")
		line=${line% }
		printf '%s\n' "$line" | grep -Eq -- "$pattern" && found+=("${dir##*/}")
	done
	[ ${#found[@]} -gt 0 ] || exit 1
	(IFS=$delim; printf '%s\n' "${found[*]}")
	EOF
	cat >"$bin/ps" <<-'EOF'
	#!/bin/bash
	pids= fmt=
	while [ $# -gt 0 ]; do
		case $1 in
		-p) pids=$2; shift ;;
		-o) fmt=$2; shift ;;
		*) echo "fake ps: unexpected $1" >&2; exit 2 ;;
		esac
		shift
	done
	[ "$fmt" = rsz= ] || { echo "fake ps: unexpected -o $fmt" >&2; exit 2; }
	for pid in ${pids//,/ }; do
		[ -f "$FAKE_PROC/$pid/status" ] || continue
		awk '/^VmRSS:/ { rss = $2 } END { printf "%6d\n", rss + 0 }' "$FAKE_PROC/$pid/status"
	done
	EOF
	chmod +x "$bin/pgrep" "$bin/ps"
}

# Runs ksmtuned's own script against $PROC, $CONF and $OSYS: its paths
# substituted in a copy, its loop cut off, and TAIL run instead (by default
# one adjust from the page count the kernel holds, as `once` starts).
ksmtuned() {
	local tail=${1:-'npages=$(cat "$OSYS/pages_to_scan"); adjust; exit 0'}
	local script=$BATS_TEST_TMPDIR/ksmtuned.sh
	sed -e "s|/proc/meminfo|$PROC/meminfo|g" -e "s|/sys/kernel/mm/ksm|$OSYS|g" \
		-e "s|/etc/ksmtuned.conf|$CONF|g" -e '/^PIDFILE=/,$d' "$KSMTUNED" >"$script"
	# Never let the oracle near the real machine's files.
	if grep -nE '/proc/|/sys/|/etc/' "$script"; then
		fail "a path of the machine is left in the oracle's copy of ksmtuned"
	fi
	grep -q '^adjust ()' "$script" || fail "ksmtuned has no adjust function"
	printf '%s\n' "$tail" >>"$script"
	fakebin
	LC_ALL=C PATH=$BATS_TEST_TMPDIR/fakebin:$PATH FAKE_PROC=$PROC bash "$script"
}

# once_vs_ksmtuned "RUN PAGES SLEEP": runs `ksm-tune once` on the trees and
# checks the expected knobs, then ksmtuned's adjust on a copy of the KSM
# directory as it was, and checks that ksmtuned wrote the same.
once_vs_ksmtuned() {
	rm -rf "$OSYS"
	cp -a "$SYS" "$OSYS"
	run kt once
	assert_success
	assert_equal "$(knobs)" "$1"
	if [ -z "$KSMTUNED" ]; then
		ORACLE_MISSED=1
		return 0
	fi
	ksmtuned
	assert_equal "$(knobs "$OSYS")" "$1"
}

# Ends a test that used once_vs_ksmtuned: all of ksm-tune's own checks have
# run; without the oracle the test is a skip, with its reason.
oracle_checked() {
	[ -z "${ORACLE_MISSED-}" ] || skip "$KSMTUNED_WHY"
}

# Removes the date(1) stamp from DEBUG lines, after checking it is there.
unstamp() {
	local re='^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z0-9+-]+ [0-9]{4}: '
	if grep -vE "$re" "$1"; then
		fail "$1: a line without date(1)'s stamp"
	fi
	sed -E "s/$re//" "$1"
}

# --- the command line -----------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr ksm-tune --help
	assert_success
	assert_output --partial "Usage:"
	assert_output --partial "once [--dry-run] [--json]"
	assert_output --partial "ksm-tune(1)"
	[ -z "$stderr" ]
}

@test "--version names the tool and virtutils" {
	run ksm-tune --version
	assert_success
	assert_output --regexp '^ksm-tune from virtutils [0-9.]+$'
}

@test "an unknown option is a usage error" {
	run --separate-stderr ksm-tune --frobnicate
	assert_failure 2
	[[ $stderr == *"Try 'ksm-tune --help' for more information."* ]]
}

@test "an unknown command is a usage error naming it" {
	run --separate-stderr kt frobnicate
	assert_failure 2
	[[ ${stderr_lines[0]} == "ksm-tune: frobnicate: unknown command" ]]
}

@test "-q and -v cannot be combined" {
	run --separate-stderr kt -q -v once
	assert_failure 2
	[[ ${stderr_lines[0]} == "ksm-tune: options --quiet and --verbose cannot be combined" ]]
	assert_equal "$(knobs)" "0 100 20"
}

@test "an option of another command is a usage error" {
	local args
	for args in "status --dry-run" "once --interval 5" "set --json run=1" \
		"stop --pidfile p" "unmerge --json" "status --pidfile p" "once --pidfile p" \
		"run --json" "run --dry-run"; do
		# shellcheck disable=SC2086
		run --separate-stderr kt $args
		assert_failure 2
		[[ ${stderr_lines[0]} =~ ^ksm-tune:\ --[a-z-]+:\ not\ an\ option\ of\ \'[a-z]+\'$ ]] ||
			fail "$args: ${stderr_lines[0]}"
	done
	assert_equal "$(knobs)" "0 100 20"
}

@test "operands a command does not take are usage errors" {
	run --separate-stderr kt stop now
	assert_failure 2
	[[ ${stderr_lines[0]} == "ksm-tune: stop: unexpected argument 'now'" ]]
	run --separate-stderr kt status x
	assert_failure 2
	run --separate-stderr kt once x
	assert_failure 2
	run --separate-stderr kt run x
	assert_failure 2
	assert_equal "$(knobs)" "0 100 20"
}

# --- status ---------------------------------------------------------------

@test "status lists every KSM file, the new ones too, and the derived figures" {
	knob pages_shared 250
	knob pages_sharing 1000
	knob some_future_knob 7
	echo "[none] scan-time" >"$SYS/advisor_mode"
	proc 4242 2097152 qemu-system-x86_64 -enable-kvm -m 2048
	proc 4343 9000000 java -jar big.jar
	run --separate-stderr kt status
	assert_success
	for f in "$SYS"/*; do
		assert_line --regexp "^$(basename "$f") +$(head -c 40 "$f" | sed 's/[][]/\\&/g')\$"
	done
	if [ "$(getconf PAGESIZE)" = 4096 ]; then
		assert_line --regexp '^memory_saved +3\.91 MiB$'
	else
		assert_line --regexp '^memory_saved +[0-9.]+ [KM]iB$'
	fi
	assert_line --regexp '^sharing_ratio +4\.00$'
	assert_line --regexp '^qemu_processes +1$'
	assert_line --regexp '^qemu_memory +2 GiB$'
	[ -z "$stderr" ]
}

@test "status is the default command" {
	run kt
	assert_success
	assert_line --regexp '^pages_to_scan +100$'
	assert_line --regexp '^sharing_ratio +-$'
}

@test "status --json: numbers as numbers, sizes in bytes" {
	need_jq
	local ps
	ps=$(getconf PAGESIZE)
	knob pages_shared 250
	knob pages_sharing 1000
	echo "[none] scan-time" >"$SYS/advisor_mode"
	proc 4242 2097152 qemu-system-x86_64 -enable-kvm
	proc 4243 1048576 qemu-kvm -m 1024
	run kt status --json
	assert_success
	assert_equal "$(jq -c '.ksm.run, .ksm.pages_to_scan, .ksm.advisor_mode' <<<"$output")" \
		$'0\n100\n"[none] scan-time"'
	assert_equal "$(jq '.memory_saved' <<<"$output")" $((1000 * ps))
	assert_equal "$(jq '.page_size' <<<"$output")" "$ps"
	assert_equal "$(jq '.sharing_ratio' <<<"$output")" 4
	assert_equal "$(jq '.qemu_processes' <<<"$output")" 2
	assert_equal "$(jq '.qemu_memory' <<<"$output")" $((3145728 * 1024))
	assert_equal "$(jq -c '.qemu_pids' <<<"$output")" "[4242,4243]"
	assert_equal "$(jq '.ksm | length' <<<"$output")" "$(ls "$SYS" | wc -l)"
}

@test "status --json: no sharing ratio without shared pages" {
	need_jq
	run kt status --json
	assert_success
	assert_equal "$(jq '.sharing_ratio, .memory_saved' <<<"$output")" $'null\n0'
}

@test "status: a file that cannot be read is reported, the others shown, exit 1" {
	chmod 000 "$SYS/pages_volatile"
	run --separate-stderr unprivileged "${KT[@]}" status
	assert_failure 1
	[[ ${stderr_lines[0]} == "ksm-tune: $SYS/pages_volatile: Permission denied" ]]
	assert_equal "${#stderr_lines[@]}" 1
	assert_line --regexp '^pages_to_scan +100$'
}

@test "status: a missing KSM directory means a kernel without KSM" {
	rm -rf "$SYS"
	run --separate-stderr kt status
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: not found: this kernel has no KSM (CONFIG_KSM)"
}

@test "status: a missing proc tree is an error" {
	run --separate-stderr ksm-tune --sysfs "$SYS" --proc "$BATS_TEST_TMPDIR/none" status
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "status reads the real /sys/kernel/mm/ksm, read-only" {
	[ -d /sys/kernel/mm/ksm ] || skip "/sys/kernel/mm/ksm does not exist (kernel without CONFIG_KSM)"
	local before
	before=$(snapshot /sys/kernel/mm/ksm 2>/dev/null)
	run --separate-stderr ksm-tune status
	assert_success
	assert_line --regexp "^run +$(cat /sys/kernel/mm/ksm/run)\$"
	assert_line --regexp '^pages_to_scan +[0-9]+$'
	assert_line --regexp '^qemu_processes +[0-9]+$'
	if command -v jq >/dev/null; then
		run ksm-tune status --json
		assert_success
		jq -e '.ksm.run >= 0 and .page_size > 0' <<<"$output"
	fi
	# The tuner's own knobs are as they were.
	assert_equal "$(cat /sys/kernel/mm/ksm/run)" "$(grep '^run:' <<<"$before" | cut -d: -f2)"
}

# --- once: the decision, against ksmtuned ---------------------------------

@test "once on an idle host stops KSM and writes nothing else, as ksmtuned" {
	knob run 1
	knob pages_to_scan 500
	meminfo 16777216 15000000
	proc 100 1048576 qemu-system-x86_64 -enable-kvm -m 1024
	once_vs_ksmtuned "0 500 20"
	oracle_checked
}

@test "once with committed memory above the threshold starts KSM and decays" {
	meminfo 16777216 8000000 100000 500000
	proc 100 7340032 qemu-system-x86_64 -enable-kvm -m 7168
	proc 101 7340032 qemu-system-x86_64 -name web2 -enable-kvm -m 7168
	knob pages_to_scan 700
	once_vs_ksmtuned "1 650 10"
	oracle_checked
}

@test "once with free memory below the threshold starts KSM and boosts" {
	meminfo 16777216 2000000 100000 200000
	proc 100 2097152 qemu-system-x86_64 -enable-kvm
	once_vs_ksmtuned "1 400 10"
	oracle_checked
}

@test "once: committed + threshold equal to total starts KSM" {
	# thres = 16777216 * 20 / 100 = 3355443; 13421773 + 3355443 = total
	meminfo 16777216 10000000
	proc 100 13421773 qemu-system-x86_64 -enable-kvm
	once_vs_ksmtuned "1 64 10"
	oracle_checked
}

@test "once: free memory equal to the threshold starts KSM and decays" {
	meminfo 16777216 3355443
	knob pages_to_scan 1000
	once_vs_ksmtuned "1 950 10"
	oracle_checked
}

@test "once: buffers and cache count as free, SwapCached and MemAvailable do not" {
	# MemFree alone is below the threshold; with Buffers and Cached above it.
	meminfo 16777216 1000000 1000000 2000000
	knob run 1
	once_vs_ksmtuned "0 100 20"
	# SwapCached (half of total in the fixture) would lift free above it.
	meminfo 16777216 1000000 0 0
	once_vs_ksmtuned "1 400 10"
	oracle_checked
}

@test "once on a tiny host: the threshold floor KSM_THRES_CONST and a long sleep" {
	# thres = 8192 * 20 / 100 = 1638, raised to 2048; sleep 10*16 GiB/8 MiB
	meminfo 8192 1500
	once_vs_ksmtuned "1 400 20480"
	meminfo 8192 3000
	proc 7 1000 qemu-system-i386 -enable-kvm
	once_vs_ksmtuned "0 400 20480"
	oracle_checked
}

@test "once on a small host: 512 MiB scales the sleep up" {
	meminfo 524288 50000
	proc 7 300000 qemu-system-x86_64 -enable-kvm
	once_vs_ksmtuned "1 400 320"
	oracle_checked
}

@test "once on a huge host: 2 TiB, sleep floor of 10 ms" {
	meminfo 2147483648 100000000 0 200000000
	proc 100 1900000000 qemu-system-x86_64 -enable-kvm -m 1855468
	knob pages_to_scan 1250
	once_vs_ksmtuned "1 1250 10"
	oracle_checked
}

@test "once: page counts at and beyond the bounds are clamped as ksmtuned clamps" {
	local pages want
	meminfo 16777216 1000000
	proc 100 14000000 qemu-system-x86_64 -enable-kvm
	# boost (free below the threshold): from -> to
	for pages in 1250:1250 1000:1250 950:1250 10:310 0:300 64:364 5000:1250; do
		knob run 0
		knob pages_to_scan "${pages%:*}"
		want="1 ${pages#*:} 10"
		once_vs_ksmtuned "$want"
	done
	# decay (free above the threshold, committed high)
	meminfo 16777216 8000000
	for pages in 64:64 0:64 100:64 114:64 115:65 1250:1200 5000:1250; do
		knob pages_to_scan "${pages%:*}"
		once_vs_ksmtuned "1 ${pages#*:} 10"
	done
	oracle_checked
}

@test "once: unrelated large processes never count" {
	meminfo 16777216 12000000
	knob run 1
	proc 200 12000000 java -Xmx12g -jar big.jar
	proc 201 9000000 qemu-system-x86_64 -m 9000 -accel tcg
	proc 202 9000000 qemu-img convert -O qcow2 a b
	proc 203 9000000 bash -c "qemu-system-x86_64 -enable-kvm"
	proc 204 9000000 sudo qemu-system-x86_64 -enable-kvm
	proc 205 9000000 postgres: checkpointer
	proc 206 9000000 qemu-system-x86_64 -machine accel=tcg:kvm
	once_vs_ksmtuned "0 100 20"
	oracle_checked
}

@test "once: the configuration is ksmtuned's (quotes, comments, export, every key)" {
	cat >"$CONF" <<-'EOF'
	# tuned for a test
	KSM_MONITOR_INTERVAL=30
	KSM_SLEEP_MSEC="20"   # a comment after the value
	  KSM_NPAGES_BOOST='500'
	export KSM_NPAGES_DECAY=-100
	KSM_NPAGES_MIN=32

	KSM_NPAGES_MAX=2000
	KSM_THRES_COEF=10
	KSM_THRES_CONST=4096
	EOF
	meminfo 8388608 700000
	proc 100 2000000 qemu-system-x86_64 -enable-kvm
	# thres 838860; free below it: boost 100 + 500; sleep 20*16 GiB/8 GiB
	once_vs_ksmtuned "1 600 40"
	meminfo 8388608 900000
	proc 101 6000000 qemu-system-aarch64 -enable-kvm
	once_vs_ksmtuned "1 500 40"
	meminfo 8388608 900000
	rm -r "${PROC:?}"/10[01]
	once_vs_ksmtuned "0 500 40"
	oracle_checked
}

@test "once: an empty value keeps the default, as \${KEY:-default} does" {
	printf 'KSM_NPAGES_BOOST=\nKSM_THRES_COEF=""\n' >"$CONF"
	meminfo 16777216 2000000
	once_vs_ksmtuned "1 400 10"
	oracle_checked
}

@test "once: MIN above MAX clamps as ksmtuned's if/elif does" {
	printf 'KSM_NPAGES_MIN=2000\nKSM_NPAGES_MAX=1000\n' >"$CONF"
	meminfo 16777216 2000000
	once_vs_ksmtuned "1 2000 10"
	knob pages_to_scan 1900
	once_vs_ksmtuned "1 1000 10"
	oracle_checked
}

@test "once, pass after pass: recovery as ksmtuned sees it, page count carried" {
	local ours trace=$BATS_TEST_TMPDIR/trace steps
	# Each step changes the host, then one pass runs: boost while free
	# memory is short, decay once it is back, stop when the guests go, and
	# boost again from where it was when they return.
	steps=(
		"meminfo 16777216 1000000; proc 100 14000000 qemu-system-x86_64 -enable-kvm"
		"meminfo 16777216 1500000"
		"meminfo 16777216 3000000"
		"meminfo 16777216 3355443"
		"meminfo 16777216 8000000"
		"meminfo 16777216 14000000; rm -r \"\$PROC/100\""
		"meminfo 16777216 2000000; proc 100 14000000 qemu-system-x86_64 -enable-kvm"
		"meminfo 16777216 1000000"
		"meminfo 16777216 1000000"
	)
	rm -rf "$OSYS"
	cp -a "$SYS" "$OSYS"
	for s in "${steps[@]}"; do
		eval "$s"
		run kt once
		assert_success
		knobs >>"$trace"
	done
	assert_equal "$(cat "$trace")" "$(printf '%s\n' "1 400 10" "1 700 10" "1 1000 10" \
		"1 950 10" "1 900 10" "0 900 10" "1 1200 10" "1 1250 10" "1 1250 10")"
	need_ksmtuned
	# ksmtuned keeps the count in memory; it starts from the kernel's here,
	# as `once` does on its first run.
	eval "${steps[0]}"
	local tail='npages=$(cat "$OSYS/pages_to_scan")'
	for s in "${steps[@]}"; do
		tail+=$'\n'"$s; adjust; echo \"\$(cat \$OSYS/run) \$(cat \$OSYS/pages_to_scan) \$(cat \$OSYS/sleep_millisecs)\""
	done
	run ksmtuned "$tail"
	assert_success
	assert_equal "$output" "$(cat "$trace")"
}

@test "once: DEBUG logs to LOGFILE what ksmtuned logs, in its words" {
	printf 'DEBUG=1\nLOGFILE=%s/ours.log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	meminfo 16777216 2000000
	proc 100 14000000 qemu-system-x86_64 -enable-kvm
	cp -a "$SYS" "$OSYS"
	run kt once
	assert_success
	unstamp "$BATS_TEST_TMPDIR/ours.log" >"$BATS_TEST_TMPDIR/ours"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ours")" "$(printf '%s\n' "total 16777216" \
		"sleep 10" "thres 3355443" "committed 14000000 free 2000000" \
		"17355443 > 16777216, start ksm" "2000000 < 3355443, boost" "KSMCTL start 400 10")"
	need_ksmtuned
	printf 'DEBUG=1\nLOGFILE=%s/theirs.log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	ksmtuned
	unstamp "$BATS_TEST_TMPDIR/theirs.log" >"$BATS_TEST_TMPDIR/theirs"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ours")" "$(cat "$BATS_TEST_TMPDIR/theirs")"
	assert_equal "$(knobs)" "$(knobs "$OSYS")"
}

@test "once: the stop decision is logged in ksmtuned's words too" {
	need_ksmtuned
	meminfo 16777216 15000000
	printf 'DEBUG=yes\nLOGFILE=%s/ours.log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	cp -a "$SYS" "$OSYS"
	run kt once
	assert_success
	printf 'DEBUG=yes\nLOGFILE=%s/theirs.log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	ksmtuned
	assert_equal "$(unstamp "$BATS_TEST_TMPDIR/ours.log")" "$(unstamp "$BATS_TEST_TMPDIR/theirs.log")"
	run unstamp "$BATS_TEST_TMPDIR/ours.log"
	assert_line "3355443 < 16777216 and free > 3355443, stop ksm"
}

# --- once: what counts as committed memory -------------------------------

@test "committed memory: QEMU with KVM in every spelling, nothing else" {
	need_jq
	proc 10 1000 qemu-system-x86_64 -enable-kvm
	proc 11 2000 /usr/bin/qemu-system-x86_64 -name guest=web -enable-kvm
	proc 12 4000 qemu-kvm -m 512
	proc 13 8000 /usr/libexec/qemu-kvm -m 512
	proc 14 16000 qemu-system-x86_64 -accel kvm
	proc 15 32000 qemu-system-x86_64 --accel kvm,kernel-irqchip=on
	proc 16 64000 qemu-system-aarch64 -machine virt,accel=kvm
	proc 17 128000 qemu-system-x86_64 -M accel=kvm:tcg
	proc 18 - qemu-system-x86_64 -enable-kvm
	proc 20 1 qemu-system-x86_64 -accel tcg
	proc 21 1 qemu-system-x86_64 -machine accel=tcg:kvm
	proc 22 1 qemu-img info x.qcow2
	proc 23 1 qemu-kvm-wrapper -enable-kvm
	proc 24 1 vim qemu-system-x86_64 -enable-kvm
	proc 25 1 qemu-system-x86_64 -accel
	mkdir "$PROC/26"
	: >"$PROC/26/cmdline"
	run kt status --json
	assert_success
	assert_equal "$(jq -c .qemu_pids <<<"$output")" "[10,11,12,13,14,15,16,17,18]"
	assert_equal "$(jq .qemu_memory <<<"$output")" $((255000 * 1024))
	run kt once --json
	assert_success
	assert_equal "$(jq .committed <<<"$output")" $((255000 * 1024))
}

@test "committed memory: a path-qualified qemu-system counts, though ksmtuned misses it" {
	# libvirt and vm-ctl start QEMU by its full path; ksmtuned's anchored
	# pattern does not see those, which the man page states.
	meminfo 16777216 12000000
	proc 100 14000000 /usr/bin/qemu-system-x86_64 -enable-kvm
	cp -a "$SYS" "$OSYS"
	run kt once
	assert_success
	assert_equal "$(knobs)" "1 64 10"
	need_ksmtuned
	ksmtuned
	assert_equal "$(knobs "$OSYS")" "0 100 20"
}

# --- once: output and options ---------------------------------------------

@test "once prints what it changed and why" {
	meminfo 16777216 2000000
	proc 100 2097152 qemu-system-x86_64 -enable-kvm
	run --separate-stderr kt once
	assert_success
	assert_equal "$output" "$(printf '%s\n' \
		"start: free 2000000 kB <= threshold 3355443 kB" \
		"boost: free 2000000 kB < threshold 3355443 kB: 100 +300 pages, within 64..1250" \
		"pages_to_scan: 100 -> 400" "sleep_millisecs: 20 -> 10" "run: 0 -> 1")"
	[ -z "$stderr" ]
	meminfo 16777216 8000000
	proc 100 14000000 qemu-system-x86_64 -enable-kvm
	run kt once
	assert_equal "$output" "$(printf '%s\n' \
		"start: committed 14000000 kB + threshold 3355443 kB >= total 16777216 kB" \
		"decay: free 8000000 kB >= threshold 3355443 kB: 400 -50 pages, within 64..1250" \
		"pages_to_scan: 400 -> 350" "sleep_millisecs: 10 (unchanged)" "run: 1 (unchanged)")"
	meminfo 16777216 15000000
	rm -r "${PROC:?}/100"
	run kt once
	assert_equal "$output" "$(printf '%s\n' \
		"stop: committed 0 kB + threshold 3355443 kB < total 16777216 kB and free 15000000 kB > threshold" \
		"run: 1 -> 0")"
}

@test "once -q prints nothing, -v names the counted processes on stderr" {
	meminfo 16777216 2000000
	proc 100 2097152 qemu-system-x86_64 -enable-kvm
	run --separate-stderr kt -q once
	assert_success
	[ -z "$output" ] && [ -z "$stderr" ]
	assert_equal "$(knobs)" "1 400 10"
	run --separate-stderr kt --verbose once
	assert_success
	assert_equal "$stderr" "ksm-tune: counted pid 100 (qemu-system-x86_64): 2097152 kB"
	assert_line "pages_to_scan: 400 -> 700"
}

@test "once --dry-run says what would change and writes nothing" {
	meminfo 16777216 2000000
	local before
	before=$(snapshot "$SYS")
	run kt once --dry-run
	assert_success
	assert_line "pages_to_scan: 100 -> 400 (dry run)"
	assert_line "run: 0 -> 1 (dry run)"
	assert_equal "$(snapshot "$SYS")" "$before"
	run kt -n once
	assert_success
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "once --dry-run with DEBUG logs nothing" {
	printf 'DEBUG=1\nLOGFILE=%s/log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	run kt once --dry-run
	assert_success
	[ ! -s "$BATS_TEST_TMPDIR/log" ]
}

@test "once --json: the decision, its inputs in bytes, and each write" {
	need_jq
	meminfo 16777216 2000000
	proc 100 2097152 qemu-system-x86_64 -enable-kvm
	run --separate-stderr kt once --json
	assert_success
	jq -e '.action == "start" and .step == "boost" and .dry_run == false and
		.total == 16777216 * 1024 and .free == 2000000 * 1024 and
		.committed == 2097152 * 1024 and .threshold == 3355443 * 1024 and
		.pages_to_scan_before == 100 and .qemu_pids == [100]' <<<"$output"
	assert_equal "$(jq -c '.writes' <<<"$output")" \
		'[{"key":"pages_to_scan","old":100,"new":400,"changed":true},{"key":"sleep_millisecs","old":20,"new":10,"changed":true},{"key":"run","old":0,"new":1,"changed":true}]'
	meminfo 16777216 15000000
	rm -r "${PROC:?}/100"
	run kt once --json --dry-run
	jq -e '.action == "stop" and .step == null and .dry_run == true and
		.writes == [{"key":"run","old":1,"new":0,"changed":true}]' <<<"$output"
	assert_equal "$(knobs)" "1 400 10"
}

@test "once takes the page count from the kernel between runs" {
	meminfo 16777216 2000000
	run kt once
	assert_equal "$(knobs)" "1 400 10"
	run kt once
	assert_equal "$(knobs)" "1 700 10"
	# Someone else set it: once goes on from there.
	knob pages_to_scan 90
	run kt once
	assert_equal "$(knobs)" "1 390 10"
}

@test "once: a missing or broken meminfo is an error and changes nothing" {
	local before
	before=$(snapshot "$SYS")
	rm "$PROC/meminfo"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $PROC/meminfo: No such file or directory"
	printf 'MemFree: 100 kB\n' >"$PROC/meminfo"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $PROC/meminfo: no MemTotal line"
	printf 'MemTotal: 0 kB\n' >"$PROC/meminfo"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $PROC/meminfo: MemTotal is 0"
	printf 'MemTotal: lots\n' >"$PROC/meminfo"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $PROC/meminfo: unreadable MemTotal line"
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "once: a pages_to_scan that is not a number is an error" {
	knob pages_to_scan banana
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/pages_to_scan: not a number"
	rm "$SYS/pages_to_scan"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/pages_to_scan: No such file or directory"
}

@test "once: a missing KSM directory means a kernel without KSM" {
	rm -rf "$SYS"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: not found: this kernel has no KSM (CONFIG_KSM)"
}

@test "once: a write refused (permission) is one line, exit 1, nothing changed" {
	meminfo 16777216 2000000
	# pages_to_scan is written first, then sleep_millisecs fails: the first
	# must be put back.
	chmod 444 "$SYS/sleep_millisecs"
	local before
	before=$(snapshot "$SYS")
	run --separate-stderr unprivileged "${KT[@]}" once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/sleep_millisecs: cannot write 10: Permission denied"
	[ -z "$output" ]
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "once: a read-only KSM directory is one line, exit 1, nothing changed" {
	meminfo 16777216 2000000
	local before
	before=$(snapshot "$SYS")
	need_userns
	run --separate-stderr readonly_sysfs "${KT[@]}" once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/pages_to_scan: cannot write 400: Read-only file system"
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "once: a LOGFILE that cannot be opened is an error before any write" {
	printf 'DEBUG=1\nLOGFILE=%s/no/such/dir/log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	meminfo 16777216 2000000
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $BATS_TEST_TMPDIR/no/such/dir/log: No such file or directory"
	assert_equal "$(knobs)" "0 100 20"
}

@test "once: DEBUG without LOGFILE logs to stderr; DEBUG=0 is on, as in ksmtuned" {
	printf 'DEBUG=0\n' >"$CONF"
	meminfo 16777216 2000000
	run --separate-stderr kt -q once
	assert_success
	[ -z "$output" ]
	[[ ${stderr_lines[0]} =~ :\ total\ 16777216$ ]]
	[[ ${stderr_lines[6]} =~ :\ KSMCTL\ start\ 400\ 10$ ]]
	printf 'DEBUG=\n' >"$CONF"
	run --separate-stderr kt -q once
	assert_success
	[ -z "$stderr" ]
}

# --- the configuration file ------------------------------------------------

@test "--config: a file that does not exist is an error" {
	run --separate-stderr ksm-tune --config "$BATS_TEST_TMPDIR/nope.conf" --sysfs "$SYS" \
		--proc "$PROC" once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $BATS_TEST_TMPDIR/nope.conf: No such file or directory"
	assert_equal "$(knobs)" "0 100 20"
	run --separate-stderr ksm-tune -c "$BATS_TEST_TMPDIR/nope.conf" --sysfs "$SYS" \
		--proc "$PROC" run
	assert_failure 1
}

@test "without --config a missing /etc/ksmtuned.conf means the defaults" {
	[ ! -e /etc/ksmtuned.conf ] || skip "this machine has an /etc/ksmtuned.conf"
	meminfo 16777216 2000000
	run ksm-tune --sysfs "$SYS" --proc "$PROC" once
	assert_success
	assert_equal "$(knobs)" "1 400 10"
}

@test "configuration: an unknown key is warned about with its line, then ignored" {
	printf '# x\nKSM_NPAGES_BOST=900\nKSM_NPAGES_BOOST=100\n' >"$CONF"
	meminfo 16777216 2000000
	run --separate-stderr kt once
	assert_success
	assert_equal "$stderr" "ksm-tune: $CONF: line 2: unknown key KSM_NPAGES_BOST, ignored"
	assert_equal "$(knobs)" "1 200 10"
}

@test "configuration: PIDFILE is a known key (ksmtuned reads it too)" {
	printf 'PIDFILE=/run/x.pid\n' >"$CONF"
	run --separate-stderr kt once
	assert_success
	[ -z "$stderr" ]
}

@test "configuration: malformed lines and values are refused with the line number" {
	local line want before
	before=$(snapshot "$SYS")
	while IFS='|' read -r line want; do
		printf '# header\n\n%s\n' "$line" >"$CONF"
		run --separate-stderr kt once
		assert_failure 1
		assert_equal "$stderr" "ksm-tune: $CONF: line 3: $want"
	done <<-'EOF'
	KSM_NPAGES_MIN=abc|KSM_NPAGES_MIN: 'abc' is not an integer
	KSM_NPAGES_MAX=12x|KSM_NPAGES_MAX: '12x' is not an integer
	KSM_SLEEP_MSEC=1.5|KSM_SLEEP_MSEC: '1.5' is not an integer
	KSM_THRES_COEF=150|KSM_THRES_COEF: 150 is out of range (0..100)
	KSM_NPAGES_MIN=-1|KSM_NPAGES_MIN: -1 is out of range (0..4294967295)
	KSM_MONITOR_INTERVAL=0|KSM_MONITOR_INTERVAL: 0 is out of range (1..2147483647)
	KSM_NPAGES_BOOST=99999999999999999999|KSM_NPAGES_BOOST: 99999999999999999999 is out of range (-2147483648..2147483647)
	KSM_NPAGES_MIN = 5|not a KEY=value assignment
	1KSM=5|not a KEY=value assignment
	just some words|not a KEY=value assignment
	KSM_THRES_COEF="20|KSM_THRES_COEF: unterminated quote
	KSM_THRES_COEF='20|KSM_THRES_COEF: unterminated quote
	KSM_THRES_COEF=$X|KSM_THRES_COEF: shell expansion is not supported
	KSM_THRES_COEF="$X"|KSM_THRES_COEF: shell expansion is not supported
	KSM_THRES_COEF=`echo 5`|KSM_THRES_COEF: shell expansion is not supported
	KSM_THRES_COEF=5; KSM_NPAGES_MIN=1|KSM_THRES_COEF: only KEY=value assignments are supported
	KSM_THRES_COEF=5 KSM_NPAGES_MIN=1|unexpected text after the value of KSM_THRES_COEF
	KSM_THRES_COEF=5\|KSM_THRES_COEF: line continuation is not supported
	EOF
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "configuration: quoting as the shell reads it" {
	printf '%s\n' 'LOGFILE="'"$BATS_TEST_TMPDIR"'/my \"log\""' "DEBUG='1'" \
		'KSM_NPAGES_BOOST=1\0\0' >"$CONF"
	meminfo 16777216 2000000
	run kt once
	assert_success
	assert_equal "$(knobs)" "1 200 10"
	[ -s "$BATS_TEST_TMPDIR/my \"log\"" ]
}

@test "configuration: numbers as ksmtuned's bash reads them, 010 octal and 0x10 hex" {
	# Boost from 100 by 010: 8 in bash's $[...], not 10.
	printf 'KSM_NPAGES_BOOST=010\n' >"$CONF"
	meminfo 16777216 2000000
	once_vs_ksmtuned "1 108 10"
	printf 'KSM_NPAGES_BOOST=0x10\n' >"$CONF"
	knob pages_to_scan 100
	once_vs_ksmtuned "1 116 10"
	# Decay by -010 from 700 with the guests' memory committed.
	printf 'export KSM_NPAGES_DECAY=-010\n' >"$CONF"
	meminfo 16777216 8000000
	proc 100 14000000 qemu-system-x86_64 -enable-kvm
	knob pages_to_scan 700
	once_vs_ksmtuned "1 692 10"
	rm -r "${PROC:?}/100"
	# A 4 GiB host sleeps KSM_SLEEP_MSEC * 4: 010 is 32 ms, 0x10 64.
	knob pages_to_scan 100
	meminfo 4194304 100000
	printf 'KSM_SLEEP_MSEC=010\n' >"$CONF"
	once_vs_ksmtuned "1 400 32"
	printf "KSM_SLEEP_MSEC='0x10'\n" >"$CONF"
	knob pages_to_scan 100
	once_vs_ksmtuned "1 400 64"
	# KSM_THRES_COEF=010 is 8 %: 1500000 kB free is above it (10 % is not).
	printf 'KSM_THRES_COEF=010\n' >"$CONF"
	meminfo 16777216 1500000
	mksysfs "$SYS"
	knob run 1
	once_vs_ksmtuned "0 100 20"
	oracle_checked
}

@test "configuration: 09 is refused, where ksmtuned's bash goes on with garbage" {
	local key before
	before=$(snapshot "$SYS")
	meminfo 16777216 2000000
	for key in KSM_NPAGES_BOOST KSM_SLEEP_MSEC; do
		printf '%s=09\n' "$key" >"$CONF"
		run --separate-stderr kt once
		assert_failure 1
		assert_equal "$stderr" "ksm-tune: $CONF: line 1: $key: '09': value too great for base (a leading 0 is octal)"
		assert_equal "$(snapshot "$SYS")" "$before"
		[ -n "$KSMTUNED" ] || continue
		# The oracle: bash complains, drops the command, and ksmtuned goes
		# on with the value empty: "KSMCTL start $npages $sleep" then
		# writes an empty sleep_millisecs (which a kernel refuses), and
		# with no page count the sleep lands in pages_to_scan.
		rm -rf "$OSYS"
		cp -a "$SYS" "$OSYS"
		run ksmtuned
		assert_output --partial "09: value too great for base"
		assert_equal "$(cat "$OSYS/sleep_millisecs")" ""
	done
	[ -n "$KSMTUNED" ] || skip "$KSMTUNED_WHY"
}

@test "configuration: only a regular file of at most 64 KiB, refused at once in one line" {
	local before
	before=$(snapshot "$SYS")
	mkfifo fifo
	for f in /dev/zero "$PWD/fifo"; do
		run --separate-stderr timeout 5 ksm-tune --config "$f" --sysfs "$SYS" --proc "$PROC" once
		assert_failure 1
		assert_equal "$stderr" "ksm-tune: $f: not a regular file"
	done
	run --separate-stderr timeout 5 ksm-tune --config "$PWD/fifo" --sysfs "$SYS" --proc "$PROC" \
		run --pidfile "$PWD/k.pid"
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $PWD/fifo: not a regular file"
	# Comments past 64 KiB: refused, whatever the content.
	head -c 65537 /dev/zero | tr '\0' '#' >"$CONF"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $CONF: larger than 64 KiB"
	assert_equal "$(snapshot "$SYS")" "$before"
}

# --- run: the loop ---------------------------------------------------------

# Starts `ksm-tune run` in the background with a pidfile, waits until it is
# ready (the pidfile is written once its signals are set up).
start_run() {
	"${KT[@]}" run --pidfile "$BATS_TEST_TMPDIR/ksm-tune.pid" "$@" \
		>"$BATS_TEST_TMPDIR/run.out" 2>"$BATS_TEST_TMPDIR/run.err" 3>&- &
	BGPID=$!
	wait_for 10 test -s "$BATS_TEST_TMPDIR/ksm-tune.pid" || fail "run did not start: $(cat "$BATS_TEST_TMPDIR/run.err")"
}

knobs_are() {
	[ "$(knobs)" = "$1" ]
}

# Stops the loop with a signal and checks it exits with status.
stop_run() {
	local sig=${1:-TERM} want=${2:-0} st=0
	kill -s "$sig" "$BGPID"
	wait "$BGPID" || st=$?
	BGPID=""
	assert_equal "$st" "$want"
}

@test "run: SIGUSR1 tunes at once, from a page count of 0 as ksmtuned; SIGTERM ends it" {
	meminfo 16777216 2000000
	start_run --interval 3600
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ksm-tune.pid")" "$BGPID"
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 300 10" || fail "after SIGUSR1: $(knobs)"
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 600 10" || fail "after SIGUSR1: $(knobs)"
	stop_run TERM 0
	[ ! -e "$BATS_TEST_TMPDIR/ksm-tune.pid" ]
	[ ! -s "$BATS_TEST_TMPDIR/run.err" ]
	[ ! -s "$BATS_TEST_TMPDIR/run.out" ]
}

@test "run: SIGINT ends it cleanly too" {
	start_run --interval 3600
	stop_run INT 0
	[ ! -e "$BATS_TEST_TMPDIR/ksm-tune.pid" ]
}

@test "run --interval: passes come by themselves; the count lives in memory" {
	meminfo 16777216 2000000
	start_run --interval 0.3
	wait_for 10 knobs_are "1 300 10" || fail "no pass: $(knobs)"
	# The file is not the loop's memory: the next pass goes on from the
	# count it holds (a multiple of the boost), not from this 5.
	knob pages_to_scan 5
	wait_for 10 eval '[ "$(cat "$SYS/pages_to_scan")" != 5 ]' || fail "no second pass"
	local pages
	pages=$(cat "$SYS/pages_to_scan")
	[ $((pages % 300)) = 0 ] || [ "$pages" = 1250 ] || fail "count taken from the file: $pages"
	stop_run
}

@test "run -i takes seconds; KSM_MONITOR_INTERVAL is the default" {
	printf 'KSM_MONITOR_INTERVAL=1\n' >"$CONF"
	meminfo 16777216 2000000
	start_run
	wait_for 10 knobs_are "1 300 10" || fail "no pass: $(knobs)"
	stop_run
	knob pages_to_scan 100
	start_run -i 0.1
	wait_for 10 knobs_are "1 1250 10" || fail "no passes: $(knobs)"
	stop_run
}

@test "run: a bad --interval is a usage error" {
	local bad
	for bad in abc 0 -1 1x ""; do
		run --separate-stderr kt run --interval "$bad"
		assert_failure 2
		assert_equal "${stderr_lines[0]}" \
			"ksm-tune: --interval: '$bad' is not a number of seconds (0.001 or more)"
	done
}

@test "run -v reports each pass on stdout" {
	meminfo 16777216 2000000
	start_run -v --interval 3600
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 300 10"
	wait_for 10 grep -q '^run: 0 -> 1$' "$BATS_TEST_TMPDIR/run.out" ||
		fail "no report: $(cat "$BATS_TEST_TMPDIR/run.out")"
	stop_run
	run cat "$BATS_TEST_TMPDIR/run.out"
	assert_line "boost: free 2000000 kB < threshold 3355443 kB: 0 +300 pages, within 64..1250"
	assert_line "pages_to_scan: 100 -> 300"
}

@test "run: SIGHUP rereads the configuration; a broken one is kept out" {
	meminfo 16777216 2000000
	start_run --interval 3600
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 300 10" || fail "$(knobs)"
	printf 'KSM_NPAGES_BOOST=100\n' >"$CONF"
	kill -HUP "$BGPID"
	sleep 0.2
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 400 10" || fail "new BOOST not used: $(knobs)"
	printf 'KSM_NPAGES_BOOST=lots\n' >"$CONF"
	kill -HUP "$BGPID"
	wait_for 10 grep -q 'keeping the previous configuration' "$BATS_TEST_TMPDIR/run.err"
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 500 10" || fail "old BOOST not kept: $(knobs)"
	stop_run
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.err")" \
		"ksm-tune: $CONF: line 1: KSM_NPAGES_BOOST: 'lots' is not an integer; keeping the previous configuration"
}

@test "run --pidfile: a second instance is refused while the first runs" {
	start_run --interval 3600
	run --separate-stderr kt run --pidfile "$BATS_TEST_TMPDIR/ksm-tune.pid"
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $BATS_TEST_TMPDIR/ksm-tune.pid: ksm-tune already runs as pid $BGPID"
	stop_run
	[ ! -e "$BATS_TEST_TMPDIR/ksm-tune.pid" ]
}

@test "run: a stale pidfile left by a killed process is taken over" {
	echo 999999 >"$BATS_TEST_TMPDIR/ksm-tune.pid"
	start_run --interval 3600
	wait_for 10 grep -qx "$BGPID" "$BATS_TEST_TMPDIR/ksm-tune.pid"
	stop_run
}

@test "run: PIDFILE from the configuration is the default pidfile" {
	printf 'PIDFILE=%s/from-conf.pid\n' "$BATS_TEST_TMPDIR" >"$CONF"
	"${KT[@]}" run -i 3600 3>&- &
	BGPID=$!
	wait_for 10 test -s "$BATS_TEST_TMPDIR/from-conf.pid" || fail "no pidfile"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/from-conf.pid")" "$BGPID"
	stop_run
	[ ! -e "$BATS_TEST_TMPDIR/from-conf.pid" ]
}

@test "run: a pidfile that cannot be created is an error" {
	run --separate-stderr kt run --pidfile "$BATS_TEST_TMPDIR/no/dir/p.pid"
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $BATS_TEST_TMPDIR/no/dir/p.pid: No such file or directory"
}

@test "run: DEBUG logs each decision to LOGFILE in ksmtuned's words" {
	printf 'DEBUG=1\nLOGFILE=%s/ours.log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	meminfo 16777216 2000000
	proc 100 14000000 qemu-system-x86_64 -enable-kvm
	cp -a "$SYS" "$OSYS"
	start_run --interval 3600
	kill -USR1 "$BGPID"
	wait_for 10 grep -q KSMCTL "$BATS_TEST_TMPDIR/ours.log" || fail "nothing logged"
	stop_run
	unstamp "$BATS_TEST_TMPDIR/ours.log" >"$BATS_TEST_TMPDIR/ours"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ours")" "$(printf '%s\n' "total 16777216" \
		"sleep 10" "thres 3355443" "committed 14000000 free 2000000" \
		"17355443 > 16777216, start ksm" "2000000 < 3355443, boost" "KSMCTL start 300 10")"
	need_ksmtuned
	# ksmtuned's loop, one turn of it: it starts from npages=0 as run does.
	printf 'DEBUG=1\nLOGFILE=%s/theirs.log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	ksmtuned 'adjust; exit 0'
	unstamp "$BATS_TEST_TMPDIR/theirs.log" >"$BATS_TEST_TMPDIR/theirs"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ours")" "$(cat "$BATS_TEST_TMPDIR/theirs")"
	assert_equal "$(knobs)" "$(knobs "$OSYS")"
}

@test "run: DEBUG without LOGFILE logs to stderr" {
	printf 'DEBUG=1\n' >"$CONF"
	start_run --interval 3600
	kill -USR1 "$BGPID"
	wait_for 10 grep -q 'stop ksm$' "$BATS_TEST_TMPDIR/run.err" || fail "nothing on stderr"
	stop_run
	run unstamp "$BATS_TEST_TMPDIR/run.err"
	assert_line "total 16777216"
	assert_line "3355443 < 16777216 and free > 3355443, stop ksm"
}

@test "run: a write that fails ends the loop with one line and exit 1" {
	meminfo 16777216 2000000
	chmod 444 "$SYS/run"
	local before
	before=$(snapshot "$SYS")
	unprivileged "${KT[@]}" run --interval 0.1 >"$BATS_TEST_TMPDIR/run.out" \
		2>"$BATS_TEST_TMPDIR/run.err" 3>&- &
	BGPID=$!
	local st=0
	wait "$BGPID" || st=$?
	BGPID=""
	assert_equal "$st" 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.err")" \
		"ksm-tune: $SYS/run: cannot write 1: Permission denied"
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "run: a missing KSM directory or meminfo is an error at start" {
	rm "$PROC/meminfo"
	run --separate-stderr kt run -i 3600
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $PROC/meminfo: No such file or directory"
	rm -rf "$SYS"
	run --separate-stderr kt run -i 3600
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: not found: this kernel has no KSM (CONFIG_KSM)"
}

# --- set, stop, unmerge ------------------------------------------------------

@test "set writes the knobs given and prints each change" {
	run --separate-stderr kt set pages_to_scan=500 sleep_millisecs=50 max_page_sharing=512 \
		use_zero_pages=1 stable_node_chains_prune_millisecs=1000 run=1
	assert_success
	assert_equal "$output" "$(printf '%s\n' "pages_to_scan: 100 -> 500" \
		"sleep_millisecs: 20 -> 50" "max_page_sharing: 256 -> 512" "use_zero_pages: 0 -> 1" \
		"stable_node_chains_prune_millisecs: 2000 -> 1000" "run: 0 -> 1")"
	assert_equal "$(knobs)" "1 500 50"
	assert_equal "$(cat "$SYS/max_page_sharing") $(cat "$SYS/use_zero_pages")" "512 1"
	# The same again changes nothing; numbers are compared as numbers.
	run kt set pages_to_scan=0500
	assert_success
	assert_output "pages_to_scan: 500 (unchanged)"
}

@test "set: run goes last, so KSM starts with its new settings" {
	run kt set run=1 pages_to_scan=300
	assert_success
	assert_equal "${lines[*]}" "pages_to_scan: 100 -> 300 run: 0 -> 1"
}

@test "set merge_across_nodes unmerges first, then restores run" {
	knob run 1
	knob pages_shared 100
	run kt set merge_across_nodes=0
	assert_success
	assert_equal "$output" "$(printf '%s\n' "run: 1 -> 2" "merge_across_nodes: 1 -> 0" "run: 2 -> 1")"
	assert_equal "$(cat "$SYS/merge_across_nodes") $(cat "$SYS/run")" "0 1"
	# With run given, that is the one it ends with.
	run kt set merge_across_nodes=1 run=0
	assert_equal "$output" "$(printf '%s\n' "run: 1 -> 2" "merge_across_nodes: 0 -> 1" "run: 2 -> 0")"
	# Unchanged: no unmerge.
	run kt set merge_across_nodes=1
	assert_output "merge_across_nodes: 1 (unchanged)"
	assert_equal "$(cat "$SYS/run")" 0
}

@test "set merge_across_nodes really writes run=2 before it (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	knob run 1
	run strace -f -e trace=openat -e signal=none -o "$BATS_TEST_TMPDIR/trace" \
		"${KT[@]}" set merge_across_nodes=0
	assert_success
	run grep -oE "fakeksm/(run|merge_across_nodes)\", O_WRONLY" "$BATS_TEST_TMPDIR/trace"
	assert_equal "${lines[*]}" \
		'fakeksm/run", O_WRONLY fakeksm/merge_across_nodes", O_WRONLY fakeksm/run", O_WRONLY'
}

@test "set advisor_mode takes a word" {
	echo "[none] scan-time" >"$SYS/advisor_mode"
	run kt set advisor_mode=scan-time
	assert_success
	assert_output "advisor_mode: none -> scan-time"
	assert_equal "$(cat "$SYS/advisor_mode")" scan-time
	run --separate-stderr kt set advisor_mode=fast
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "ksm-tune: advisor_mode: 'fast' is not none or scan-time"
}

@test "set refuses what the kernel would, before writing anything" {
	local arg want before
	before=$(snapshot "$SYS")
	while IFS='|' read -r arg want; do
		run --separate-stderr kt set pages_to_scan=200 "$arg"
		assert_failure 2
		assert_equal "${stderr_lines[0]}" "ksm-tune: $want"
		assert_equal "${stderr_lines[1]}" "Try 'ksm-tune --help' for more information."
	done <<-'EOF'
	run=3|run: 3 is out of range (0..2)
	run=-1|run: -1 is out of range (0..2)
	run=on|run: 'on' is not an integer
	run=|run: '' is not an integer
	pages_to_scan=1|pages_to_scan: given twice
	pages_to_scan|pages_to_scan: not KEY=VALUE
	=5|=5: not KEY=VALUE
	sleep_millisecs=4294967296|sleep_millisecs: 4294967296 is out of range (0..4294967295)
	sleep_millisecs=1e3|sleep_millisecs: '1e3' is not an integer
	merge_across_nodes=2|merge_across_nodes: 2 is out of range (0..1)
	max_page_sharing=1|max_page_sharing: 1 is out of range (2..2147483647)
	use_zero_pages=yes|use_zero_pages: 'yes' is not an integer
	pages_shared=5|pages_shared: read-only, the kernel's count
	full_scans=0|full_scans: read-only, the kernel's count
	frobs=1|frobs: unknown key
	EOF
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "set without KEY=VALUE is a usage error" {
	run --separate-stderr kt set
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "ksm-tune: set: KEY=VALUE expected"
}

@test "set: a knob this kernel lacks is an error, nothing written" {
	run --separate-stderr kt set pages_to_scan=300 smart_scan=1
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/smart_scan: not supported by this kernel"
	assert_equal "$(knobs)" "0 100 20"
}

@test "set --dry-run writes nothing" {
	local before
	before=$(snapshot "$SYS")
	run kt set --dry-run pages_to_scan=300 run=1
	assert_success
	assert_equal "$output" "$(printf '%s\n' "pages_to_scan: 100 -> 300 (dry run)" "run: 0 -> 1 (dry run)")"
	run kt set -n merge_across_nodes=0
	assert_success
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "set: a write refused is one line, exit 1, and the earlier writes undone" {
	chmod 444 "$SYS/sleep_millisecs"
	local before
	before=$(snapshot "$SYS")
	run --separate-stderr unprivileged "${KT[@]}" set pages_to_scan=300 sleep_millisecs=50 run=1
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/sleep_millisecs: cannot write 50: Permission denied"
	assert_equal "$(snapshot "$SYS")" "$before"
}

@test "set: a read-only KSM directory is one line, exit 1" {
	need_userns
	run --separate-stderr readonly_sysfs "${KT[@]}" set run=1
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/run: cannot write 1: Read-only file system"
	assert_equal "$(knobs)" "0 100 20"
}

@test "set -q prints nothing" {
	run --separate-stderr kt -q set run=1
	assert_success
	[ -z "$output" ] && [ -z "$stderr" ]
	assert_equal "$(cat "$SYS/run")" 1
}

@test "stop writes run=0 and nothing else; unmerge writes run=2" {
	knob run 1
	local before
	before=$(snapshot "$SYS" | grep -v '^run:')
	run kt stop
	assert_success
	assert_output "run: 1 -> 0"
	assert_equal "$(cat "$SYS/run")" 0
	run kt stop
	assert_output "run: 0 (unchanged)"
	run kt unmerge
	assert_success
	assert_output "run: 0 -> 2"
	assert_equal "$(cat "$SYS/run")" 2
	assert_equal "$(snapshot "$SYS" | grep -v '^run:')" "$before"
}

@test "stop and unmerge: --dry-run and -q" {
	knob run 1
	run kt stop --dry-run
	assert_output "run: 1 -> 0 (dry run)"
	run kt unmerge -n
	assert_output "run: 1 -> 2 (dry run)"
	assert_equal "$(cat "$SYS/run")" 1
	run --separate-stderr kt -q unmerge
	assert_success
	[ -z "$output" ] && [ -z "$stderr" ]
	assert_equal "$(cat "$SYS/run")" 2
}

@test "stop and unmerge: failures are one line and exit 1" {
	knob run 1
	chmod 444 "$SYS/run"
	run --separate-stderr unprivileged "${KT[@]}" stop
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/run: cannot write 0: Permission denied"
	run --separate-stderr unprivileged "${KT[@]}" unmerge
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/run: cannot write 2: Permission denied"
	assert_equal "$(cat "$SYS/run")" 1
	rm "$SYS/run"
	run --separate-stderr kt stop
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/run: cannot read: No such file or directory"
	rm -rf "$SYS"
	run --separate-stderr kt unmerge
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: not found: this kernel has no KSM (CONFIG_KSM)"
}

# --- what ships beside the binary --------------------------------------------

# complete WORD...: what the bash completion offers for the last word, with
# bash-completion's own helpers, in a directory holding one file (conf) and
# one directory (sub) for the file and directory arguments.
complete_words() {
	mkdir -p "$BATS_TEST_TMPDIR/cw/sub" && touch "$BATS_TEST_TMPDIR/cw/conf"
	(cd "$BATS_TEST_TMPDIR/cw" && bash -c '
		. /usr/share/bash-completion/bash_completion
		# compopt works only inside a completion bash runs itself.
		compopt() { builtin compopt "$@" 2>/dev/null || :; }
		. "$1"
		shift
		COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
		_ksm_tune
		printf "%s\n" "${COMPREPLY[@]}"' sh "$TOP/completions/bash/ksm-tune" "$@")
}

@test "bash completion: commands, each command's options, knobs and values" {
	run complete_words ksm-tune ""
	assert_equal "${lines[*]}" "status once run set stop unmerge"
	run complete_words ksm-tune --sysfs /x o
	assert_output "once"
	run complete_words ksm-tune once --
	assert_line --json
	assert_line --dry-run
	assert_line --config
	refute_line --interval
	run complete_words ksm-tune run --
	assert_line --interval
	assert_line --pidfile
	refute_line --json
	run complete_words ksm-tune set merge
	assert_output "merge_across_nodes="
	run complete_words ksm-tune -q set run=
	assert_equal "${lines[*]}" "run=0 run=1 run=2"
	run complete_words ksm-tune set advisor_mode=s
	assert_output "advisor_mode=scan-time"
	run complete_words ksm-tune --config ""
	assert_equal "${lines[*]}" "conf sub"
	run complete_words ksm-tune --proc ""
	assert_output "sub"
}

@test "the sample ksmtuned.conf loads without a warning and gives the defaults" {
	local sample=$TOP/contrib/ksmtuned.conf
	meminfo 16777216 2000000
	run --separate-stderr ksm-tune --config "$sample" --sysfs "$SYS" --proc "$PROC" once
	assert_success
	[ -z "$stderr" ]
	assert_equal "$(knobs)" "1 400 10"
	# Uncommented, every line is still accepted (and is the default).
	sed -E 's/^#([A-Z_]+=)/\1/; /^(DEBUG|LOGFILE|PIDFILE)=/d' "$sample" >"$CONF"
	[ "$(grep -c '^KSM_' "$CONF")" = 8 ] || fail "the sample does not show the 8 KSM_ keys"
	knob pages_to_scan 100
	run --separate-stderr kt once
	assert_success
	[ -z "$stderr" ]
	assert_equal "$(knobs)" "1 400 10"
	need_ksmtuned
	# ksmtuned sources it as a shell script: it must be one.
	knob pages_to_scan 100
	once_vs_ksmtuned "1 400 10"
	oracle_checked
}

@test "the systemd unit verifies and runs ksm-tune run" {
	local unit=$TOP/contrib/ksm-tune.service
	grep -qx 'ExecStart=/usr/local/bin/ksm-tune run' "$unit"
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
	verify_unit ksm-tune
}

@test "the man page is mandoc-clean and shows the same unit as contrib/" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint -Wwarning "$TOP/man/ksm-tune.1"
	assert_success
	# The unit in EXAMPLES is the shipped one, comments aside.
	mandoc -Tascii "$TOP/man/ksm-tune.1" | sed "s/.\x08//g" |
		sed -n '/^ *\[Unit\]/,/^ *WantedBy=/p' | sed 's/^ *//' >"$BATS_TEST_TMPDIR/man.unit"
	grep -v '^#' "$TOP/contrib/ksm-tune.service" >"$BATS_TEST_TMPDIR/contrib.unit"
	run diff "$BATS_TEST_TMPDIR/contrib.unit" "$BATS_TEST_TMPDIR/man.unit"
	assert_success
}

# --- the remaining options and error paths ------------------------------------

@test "-h and -V are --help and --version" {
	run --separate-stderr ksm-tune -h
	assert_success
	assert_line "Usage:"
	run ksm-tune -V
	assert_success
	assert_output --regexp '^ksm-tune from virtutils '
}

@test "--quiet is -q" {
	knob run 1
	run --separate-stderr kt --quiet stop
	assert_success
	[ -z "$output" ] && [ -z "$stderr" ]
	assert_equal "$(cat "$SYS/run")" 0
}

@test "a full standard output is an error (exit 1), not a silent loss" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c '"$@" >/dev/full' sh "${KT[@]}" status
	assert_failure 1
	[[ $stderr == "ksm-tune: write error"* ]] || fail "stderr: $stderr"
}

@test "a KSM directory that cannot be reached is an error naming it" {
	chmod 000 "$BATS_TEST_TMPDIR"
	run --separate-stderr unprivileged "${KT[@]}" status
	chmod 755 "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: Permission denied"
}

@test "status: a KSM directory that cannot be listed is an error" {
	chmod 311 "$SYS"
	run --separate-stderr unprivileged "${KT[@]}" status
	chmod 755 "$SYS"
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: Permission denied"
}

@test "once: a KSM file missing among those to write is an error, nothing written" {
	meminfo 16777216 2000000
	rm "$SYS/sleep_millisecs"
	run --separate-stderr kt once
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS/sleep_millisecs: cannot read: No such file or directory"
	assert_equal "$(cat "$SYS/pages_to_scan") $(cat "$SYS/run")" "100 0"
}

@test "set merge_across_nodes: unreadable current values are an error" {
	knob merge_across_nodes "[1]"
	run --separate-stderr kt set merge_across_nodes=0
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $SYS: cannot read the current run and merge_across_nodes: not a number"
	assert_equal "$(cat "$SYS/run")" 0
}

@test "run: a LOGFILE that cannot be opened is an error at start" {
	printf 'DEBUG=1\nLOGFILE=%s/no/dir/log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	run --separate-stderr kt run -i 3600
	assert_failure 1
	assert_equal "$stderr" "ksm-tune: $BATS_TEST_TMPDIR/no/dir/log: No such file or directory"
}

@test "run: SIGHUP with a LOGFILE that cannot be opened keeps the previous configuration" {
	meminfo 16777216 2000000
	start_run --interval 3600
	printf 'KSM_NPAGES_BOOST=1\nDEBUG=1\nLOGFILE=%s/no/dir/log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	kill -HUP "$BGPID"
	wait_for 10 grep -q 'keeping the previous configuration' "$BATS_TEST_TMPDIR/run.err"
	kill -USR1 "$BGPID"
	wait_for 10 knobs_are "1 300 10" || fail "old configuration not kept: $(knobs)"
	stop_run
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.err")" \
		"ksm-tune: $BATS_TEST_TMPDIR/no/dir/log: No such file or directory; keeping the previous configuration"
}

@test "run: SIGHUP reopens LOGFILE, so a rotated log is followed" {
	printf 'DEBUG=1\nLOGFILE=%s/log\n' "$BATS_TEST_TMPDIR" >"$CONF"
	start_run --interval 3600
	wait_for 10 grep -q '^.*: thres ' "$BATS_TEST_TMPDIR/log"
	mv "$BATS_TEST_TMPDIR/log" "$BATS_TEST_TMPDIR/log.1"
	kill -HUP "$BGPID"
	kill -USR1 "$BGPID"
	wait_for 10 grep -q 'stop ksm$' "$BATS_TEST_TMPDIR/log" || fail "not logged to the new file"
	stop_run
	run unstamp "$BATS_TEST_TMPDIR/log"
	assert_equal "${lines[0]}" "total 16777216"
	run unstamp "$BATS_TEST_TMPDIR/log.1"
	refute_line --partial "stop ksm"
}
