#!/usr/bin/env bash
# make bench: vm-create --print-xml --dry-run against virt-install
# --connect test:///default --print-xml --dry-run with the same options, in
# the same run, with and without --os-variant. Runs alternate, the median
# of RUNS wall times is kept, and the ratio ours/theirs is printed (goal: at
# most 0.05, 1/20 of virt-install's time).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-9}
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export VIRTUTILS_ROOT=$dir/root
if ! command -v virt-install >/dev/null; then
	echo "vm-create bench: virt-install is not installed: skipped"
	exit 0
fi
qemu-img create -q -f qcow2 disk.qcow2 1G

# seconds CMD...: the wall time of one run, in seconds (bash's clock: no
# process is started to read it).
seconds() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# compare NAME ARGS...: alternate runs of both tools, medians and the ratio.
compare() {
	local name=$1 ours=() theirs=() i mo mt
	shift
	for ((i = 0; i < runs; i++)); do
		ours+=("$(seconds "$top/bin/vm-create" "$@" --print-xml --dry-run)")
		theirs+=("$(seconds virt-install --connect test:///default "$@" --print-xml --dry-run)")
	done
	mo=$(median "${ours[@]}")
	mt=$(median "${theirs[@]}")
	printf '%s\n' "$name"
	printf '  %-12s %8s s   (runs: %s)\n' vm-create "$mo" "${ours[*]}"
	printf '  %-12s %8s s   (runs: %s)\n' virt-install "$mt" "${theirs[*]}"
	awk -v a="$mo" -v b="$mt" 'BEGIN { printf "  ratio vm-create/virt-install (wall time): %.3f (1/%.0f; goal <= 0.05)\n", (b > 0 ? a / b : 0), (a > 0 ? b / a : 0) }'
}

common=(--name bench1 --memory 2048 --vcpus 2 --disk "$dir/disk.qcow2" --import
	--network network=default --graphics vnc)
echo "vm-create bench: $runs runs each, in $dir"
compare "--import, one disk, one NIC, VNC (--osinfo generic)" "${common[@]}" --osinfo generic
compare "the same with --os-variant rhel7.0" "${common[@]}" --os-variant rhel7.0
compare "--cdrom install, new disk, --os-variant fedora37" --name bench2 --memory 2048 \
	--disk size=8 --cdrom "$dir/disk.qcow2" --os-variant fedora37 --graphics vnc
