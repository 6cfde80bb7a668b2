#!/usr/bin/env bash
# make bench: vm-sysprep's default operations on a 4 GiB qcow2 guest holding
# 1.5 GiB of files (the rhel7 fixture tree plus 1.5 GiB of data files spread
# over /usr, /var/log and /home, and a few thousand small ones), in place.
# Each run works on a fresh copy of the image (the copy is not timed); the
# median of RUNS wall times is kept. Goal: under 1 s. virt-sysprep runs on
# the same image where it is installed and its appliance boots. Then the
# appliance path on an XFS guest (goal: under 10 s under TCG).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"

echo "vm-sysprep bench: building a 4 GiB qcow2 guest with 1.5 GiB of files in $dir"
"$top/tests/fixtures/mksysprep.sh" fx rhel7 >/dev/null
tree=fx/tree-rhel7
mkdir -p "$tree/usr/lib/big" "$tree/home/alice/data"
for ((i = 0; i < 44; i++)); do
	head -c 32M /dev/urandom >"$tree/usr/lib/big/blob$i"
done
for ((i = 0; i < 4; i++)); do
	head -c 32M /dev/urandom >"$tree/home/alice/data/set$i"
done
for ((i = 0; i < 3000; i++)); do
	echo "log line $i" >"$tree/var/log/app$i.log"
	echo "small file $i" >"$tree/home/alice/data/small$i"
done
mke2fs -q -F -t ext4 -d "$tree" src.raw 4G >/dev/null
qemu-img convert -f raw -O qcow2 src.raw src.qcow2
rm src.raw

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# timed CMD...: one run's wall time in seconds, on a fresh g.qcow2.
timed() {
	cp --sparse=always src.qcow2 g.qcow2
	/usr/bin/time -f '%e' -o t.out "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
	cat t.out
}

ours=() virt=()
have_virt=false
command -v virt-sysprep >/dev/null && have_virt=true
for ((i = 0; i < runs; i++)); do
	ours+=("$(timed "$top/bin/vm-sysprep" -q -a g.qcow2)")
	if $have_virt; then
		t=$(LIBGUESTFS_BACKEND=direct timed virt-sysprep -q -a g.qcow2 2>/dev/null) ||
			have_virt=false
		$have_virt && virt+=("$t")
	fi
done
qemu-img check -q g.qcow2
o=$(median "${ours[@]}")
printf 'vm-sysprep (defaults, in place): %ss  (runs: %s)\n' "$o" "${ours[*]}"
if $have_virt && [ ${#virt[@]} -gt 0 ]; then
	printf 'virt-sysprep (appliance):        %ss\n' "$(median "${virt[@]}")"
else
	echo "virt-sysprep: not installed or its appliance does not run here: skipped"
fi
ok=true
awk -v o="$o" 'BEGIN { exit !(o + 0 < 1.0) }' || ok=false
$ok && echo "vm-sysprep: goal met (< 1 s)" || echo "vm-sysprep: goal missed (>= 1 s)"

# The appliance path: the RHEL 7 XFS guest (qcow2), the default operations
# run by vm-sysprep inside a QEMU appliance under TCG. Goal: under 10 s.
rc=0
"$top/tests/fixtures/mkappliance.sh" appliance.env >appliance.log 2>&1 || rc=$?
if [ $rc -eq 77 ]; then
	echo "vm-sysprep appliance: no kernel package to boot: skipped"
elif [ $rc -ne 0 ]; then
	cat appliance.log >&2
	exit 1
else
	set -a
	. ./appliance.env
	set +a
	"$top/tests/fixtures/mkxfsguest.sh" xfs >/dev/null
	rm -rf fx
	cp xfs/rhel7-xfs.qcow2 src.qcow2
	ap=()
	for ((i = 0; i < runs; i++)); do
		ap+=("$(timed "$top/bin/vm-sysprep" -q -a g.qcow2)")
	done
	qemu-img check -q g.qcow2
	a=$(median "${ap[@]}")
	printf 'vm-sysprep (defaults, XFS, appliance under TCG): %ss  (runs: %s)\n' "$a" "${ap[*]}"
	if awk -v a="$a" 'BEGIN { exit !(a + 0 < 10.0) }'; then
		echo "vm-sysprep appliance: goal met (< 10 s)"
	else
		echo "vm-sysprep appliance: goal missed (>= 10 s)"
		ok=false
	fi
fi
$ok
