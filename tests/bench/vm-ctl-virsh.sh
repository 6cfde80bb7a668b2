#!/usr/bin/env bash
# make bench: `vm-ctl start` against `virsh start` (libvirt's session
# daemon, qemu:///session) of the same domain XML, the test guest of
# tests/fixtures/mkguest.sh (TCG, no network interface). Each start is
# timed until the tool's domstate says "running"; the guest is destroyed
# (untimed) between runs; the median of RUNS (5) and the ratio are printed.
#
# Both run as the same unprivileged user (BENCH_USER, default nobody, when
# the bench runs as root; libvirt's session URI wants a non-root user), with
# HOME and the XDG directories in a temporary directory, so nothing of the
# host's libvirt is used or changed. virsh spawns the session libvirtd
# (and virtlogd) itself; the bench stops both at the end. A first start of
# each tool is not timed (libvirtd probing QEMU's capabilities, caches).
# When libvirt cannot run here, the reason is printed and the bench passes.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-5}

skip() { echo "vm-ctl vs virsh: skipped: $*"; exit 0; }
command -v virsh >/dev/null || skip "virsh not found (Debian package libvirt-clients)"
[ -x /usr/sbin/libvirtd ] || skip "/usr/sbin/libvirtd not found (Debian package libvirt-daemon)"
[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] ||
	ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
	skip "libvirt's QEMU driver not found (Debian package libvirt-daemon-driver-qemu)"

user=$(id -un)
if [ "$(id -u)" = 0 ]; then
	user=${BENCH_USER:-nobody}
	id "$user" >/dev/null 2>&1 || skip "user $user does not exist (BENCH_USER)"
fi
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench-virsh.XXXXXX")
export HOME=$dir/home XDG_CONFIG_HOME=$dir/config XDG_RUNTIME_DIR=$dir/run \
	XDG_CACHE_HOME=$dir/cache XDG_DATA_HOME=$dir/data VIRTUTILS_ROOT=$dir/root
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR" "$XDG_CACHE_HOME" \
	"$XDG_DATA_HOME" "$VIRTUTILS_ROOT"
chmod 0700 "$XDG_RUNTIME_DIR"

# as CMD...: CMD as the bench's user, with the environment above.
as() {
	if [ "$(id -u)" = 0 ] && [ "$user" != root ]; then
		runuser -u "$user" -- env HOME="$HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
			XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" XDG_CACHE_HOME="$XDG_CACHE_HOME" \
			XDG_DATA_HOME="$XDG_DATA_HOME" VIRTUTILS_ROOT="$VIRTUTILS_ROOT" "$@"
	else
		"$@"
	fi
}
virsh_() { as virsh -q -c qemu:///session "$@"; }
vmctl() { as "$top/bin/vm-ctl" "$@"; }

# The session daemons virsh spawned are the bench's: stopped by pid.
cleanup() {
	local p
	virsh_ destroy vu-guest >/dev/null 2>&1 || :
	vmctl destroy vu-guest >/dev/null 2>&1 || :
	for p in "$XDG_RUNTIME_DIR"/libvirt/libvirtd.pid "$XDG_RUNTIME_DIR"/libvirt/virtlogd.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || :
	done
	sleep 0.5
	rm -rf "$dir"
}
trap cleanup EXIT

echo "vm-ctl vs virsh: building the test guest in $dir"
rc=0
"$top/tests/fixtures/mkguest.sh" "$dir/guest" >/dev/null 2>"$dir/mkguest.err" || rc=$?
[ "$rc" -eq 0 ] || skip "the test guest could not be built: $(tail -n 1 "$dir/mkguest.err")"
chown -R "$user" "$dir"

out=$(virsh_ version 2>&1) || skip "virsh -c qemu:///session as $user: $(echo "$out" | tail -n 1)"
out=$(virsh_ define "$dir/guest/guest.xml" 2>&1) || skip "virsh define: $out"
vmctl define "$dir/guest/guest.xml" >/dev/null

# timed TOOL: one start of vu-guest by TOOL (virsh_ or vmctl) until its
# domstate says running, in seconds; then the guest is destroyed.
timed() {
	local t0 t1 i
	t0=$(date +%s%N)
	"$1" start vu-guest >/dev/null 2>"$dir/start.err" ||
		{ echo "$1 start: $(cat "$dir/start.err")" >&2; return 1; }
	for ((i = 0; i < 1000; i++)); do
		[ "$("$1" domstate vu-guest 2>/dev/null)" = running ] && break
		sleep 0.01
	done
	t1=$(date +%s%N)
	"$1" destroy vu-guest >/dev/null 2>&1
	# libvirt's and vm-ctl's clean-up of the last QEMU, outside the timing.
	sleep 0.5
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

out=$(timed virsh_ 2>&1) || skip "virsh start under libvirt's session daemon failed: $out"
timed vmctl >/dev/null
ours=() theirs=()
for ((i = 0; i < runs; i++)); do
	ours+=("$(timed vmctl)")
	theirs+=("$(timed virsh_)")
done
o=$(median "${ours[@]}") v=$(median "${theirs[@]}")
printf 'vm-ctl start (until running):                %ss  (runs: %s)\n' "$o" "${ours[*]}"
printf 'virsh start, session libvirtd (as %s): %ss  (runs: %s)\n' "$user" "$v" "${theirs[*]}"
awk -v o="$o" -v v="$v" 'BEGIN { printf "virsh / vm-ctl: %.2fx\n", v / o }'
virsh_ undefine vu-guest >/dev/null 2>&1 || :
