#!/usr/bin/env bash
# make bench: vm-ctl.
#  1. `vm-ctl start` of the test guest (tests/fixtures/mkguest.sh) until
#     QMP answers, beside the floor: QEMU started by hand with the very argv
#     vm-ctl ran (from its log, the disk opened on the same fd number),
#     timed until its QMP socket greets and takes qmp_capabilities.
#     Goal: within 1.2x of the floor.
#  2. `vm-ctl list --all` with 200 defined domains, 20 of them running
#     (paused QEMUs with no OS). Goal: under 20 ms.
#  3. `virsh start` of the same XML, where a libvirt session daemon runs.
# Runs alternate, the median of RUNS wall times is kept. What cannot run
# here is "skipped: why".
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-7}
vc=$top/bin/vm-ctl

if [ ! -x "$vc" ]; then
	echo "vm-ctl bench: skipped: $vc is not built"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "vm-ctl bench: skipped: qemu-system-x86_64 is not installed"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
chmod 0755 "$dir"
export VIRTUTILS_ROOT=$dir/root
cleanup() {
	local f
	for f in "$VIRTUTILS_ROOT"/run/qemu/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || :
	done
	[ -z "${floor_pid-}" ] || kill -9 "$floor_pid" 2>/dev/null || :
	rm -rf "$dir"
}
trap cleanup EXIT

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
skip() { printf '%s\n  skipped: %s\n' "$1" "$2"; }

# seconds CMD...: the wall time of one run; fails when CMD does.
seconds() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null 2>&1 || { echo "vm-ctl bench: $*: failed" >&2; return 1; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

# floor_start LOG DISK: QEMU run by hand with the argv of vm-ctl's last
# start (LOG's last command line), DISK opened on the fds its -add-fd
# names; the seconds until QMP has greeted and taken qmp_capabilities.
floor_start() {
	python3 - "$1" "$2" <<'PY'
import os, re, shlex, socket, subprocess, sys, time
log, disk = sys.argv[1], sys.argv[2]
lines = open(log).read().splitlines()
# The command line follows the last start's header.
start = max(i for i, l in enumerate(lines) if l.endswith(": starting up"))
argv = shlex.split(lines[start + 1])
fds = []
for a in argv:
    m = re.match(r"fd=(\d+),set=", a)
    if m:
        n = int(m.group(1))
        fd = os.open(disk, os.O_RDWR)
        if fd != n:
            os.dup2(fd, n)
            os.close(fd)
        fds.append(n)
qmp = next(a for a in argv if a.startswith("unix:")).split(",")[0][5:]
t0 = time.monotonic()
p = subprocess.Popen(argv, pass_fds=fds, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
while True:
    if p.poll() is not None:
        sys.exit("QEMU exited")
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(qmp)
        f = s.makefile("rw")
        f.readline()
        f.write('{"execute": "qmp_capabilities"}\n')
        f.flush()
        f.readline()
        break
    except OSError:
        s.close()
        time.sleep(0.001)
print("%.4f %d" % (time.monotonic() - t0, p.pid))
PY
}

echo "vm-ctl bench: $runs runs each, in $dir"

# ---- 1. start of the test guest until QMP answers ----
t1="start of the test guest until QMP answers"
if ! "$top/tests/fixtures/mkguest.sh" "$dir/guest" >"$dir/mkguest.log" 2>&1; then
	skip "$t1" "no test guest (tests/fixtures/mkguest.sh: $(tail -n 1 "$dir/mkguest.log"))"
elif ! "$vc" -q define "$dir/guest/guest.xml" 2>"$dir/err"; then
	skip "$t1" "vm-ctl define: $(cat "$dir/err")"
else
	log=$VIRTUTILS_ROOT/run/qemu/vu-guest.log
	ours=() floor=()
	for ((i = 0; i < runs; i++)); do
		ours+=("$(seconds "$vc" start vu-guest)") || break
		"$vc" -q destroy vu-guest
		read -r t floor_pid < <(floor_start "$log" "$dir/guest/disk.ext4") || break
		floor+=("$t")
		kill -9 "$floor_pid"
		while [ -e "/proc/$floor_pid" ] && ! grep -q '^State:.*Z' "/proc/$floor_pid/status" 2>/dev/null; do
			sleep 0.005
		done
		floor_pid=
		rm -f "$VIRTUTILS_ROOT"/run/qemu/vu-guest.{pid,qmp,mon}
	done
	if ((${#ours[@]} < runs || ${#floor[@]} < runs)); then
		skip "$t1" "a run failed"
	else
		mo=$(median "${ours[@]}")
		mf=$(median "${floor[@]}")
		printf '%s\n' "$t1"
		printf '  %-34s %8s s   (runs: %s)\n' "vm-ctl start" "$mo" "${ours[*]}"
		printf '  %-34s %8s s   (runs: %s)\n' "QEMU by hand, same argv" "$mf" "${floor[*]}"
		awk -v a="$mo" -v b="$mf" 'BEGIN { printf "  ratio vm-ctl/floor (wall time): %.2f (goal: 1.2 at most)\n", (b > 0 ? a / b : 0) }'
	fi
fi

# ---- 2. list --all with 200 defined domains, 20 running ----
t2="list --all with 200 defined domains, 20 running"
n=0
for ((i = 0; i < 200; i++)); do
	name=$(printf 'bench%03d' "$i")
	cat >"$dir/$name.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>16</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices/>
</domain>
EOF
	"$vc" -q define "$dir/$name.xml" 2>"$dir/err" || break
	if ((i % 10 == 0)); then
		"$vc" -q start --paused "$name" 2>"$dir/err" || break
	fi
	n=$((n + 1))
done
if ((n < 200)); then
	skip "$t2" "$(cat "$dir/err")"
else
	running=$("$vc" list --name | grep -c .)
	ours=()
	for ((i = 0; i < runs; i++)); do
		ours+=("$(seconds "$vc" list --all)")
	done
	mo=$(median "${ours[@]}")
	printf '%s\n' "$t2 ($running running)"
	printf '  %-34s %8s s   (runs: %s)\n' "vm-ctl list --all" "$mo" "${ours[*]}"
	awk -v a="$mo" 'BEGIN { printf "  %.1f ms (goal: under 20 ms)\n", a * 1000 }'
fi

# ---- 3. virsh start, side by side ----
t3="virsh start of the same XML (libvirt session daemon)"
if ! command -v virsh >/dev/null || ! virsh -c qemu:///session version >/dev/null 2>&1; then
	skip "$t3" "no libvirt daemon to compare with here"
fi
