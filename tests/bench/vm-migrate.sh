#!/usr/bin/env bash
# make bench: vm-migrate's offline stream against tar, in the same run: a
# domain with a 4 GiB qcow2 holding 1.5 GiB of data, moved between two
# state roots by vm-migrate --export | vm-migrate --import, and the same
# file by tar --sparse -c | tar -x. Runs alternate, the median of RUNS
# wall times is kept. Goal: at most 1.2 x tar (vm-migrate also checksums
# every byte and checks the stream).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
A=$dir/a B=$dir/b

echo "vm-migrate bench: building a 4 GiB qcow2 with 1.5 GiB of data in $dir"
truncate -s 4G src.raw
# 48 runs of 32 MiB of random data, one every 85 MiB.
for ((i = 0; i < 48; i++)); do
	dd if=/dev/urandom of=src.raw bs=1M count=32 seek=$((i * 85)) conv=notrunc status=none
done
qemu-img convert -f raw -O qcow2 src.raw src.qcow2
rm src.raw
mkdir -p "$A/domains" tarout
cat >"$A/domains/bench.xml" <<XML
<domain type='qemu'>
  <name>bench</name>
  <uuid>0f7d3b4e-5a1c-4c2b-9e8f-7a6b5c4d3e2f</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$dir/src.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML

# timed CMD: one run's wall time in seconds (a shell command line).
timed() {
	/usr/bin/time -f '%e' -o t.out bash -c "$1" >/dev/null 2>&1
	cat t.out
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

ours=() tars=()
for ((i = 0; i < runs; i++)); do
	rm -rf "$B"
	ours+=("$(timed "VIRTUTILS_ROOT=$A $top/bin/vm-migrate --export bench |
		VIRTUTILS_ROOT=$B $top/bin/vm-migrate -q --import")")
	qemu-img compare src.qcow2 "$B/images/src.qcow2" >/dev/null
	rm -rf tarout/*
	tars+=("$(timed "tar --sparse -cf - src.qcow2 | tar -xf - -C tarout")")
	cmp src.qcow2 tarout/src.qcow2
done
rm -rf "$B" tarout

mo=$(median "${ours[@]}")
mt=$(median "${tars[@]}")
echo "offline move of a 4 GiB qcow2 with 1.5 GiB of data (median of $runs)"
printf '  %-30s %8s s   (runs: %s)\n' "vm-migrate --export | --import" "$mo" "${ours[*]}"
printf '  %-30s %8s s   (runs: %s)\n' "tar --sparse -c | tar -x" "$mt" "${tars[*]}"
awk -v a="$mo" -v b="$mt" 'BEGIN { printf "  ratio vm-migrate/tar: %.2f (goal <= 1.2)\n", (b > 0 ? a / b : 0) }'
