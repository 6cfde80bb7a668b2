#!/bin/bash
# mkcorpus_qcow2_check.sh OUTDIR - seed corpus for fuzz_qcow2_check: the
# images of mkcorpus.sh (every layout the reader knows, and the hostile
# ones), with snapshots and bitmaps, and the leaking and corrupt images of
# mkcorrupt.sh. Exits 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$here/mkcorpus.sh" "$out"

# Small images with what the check walks beyond the reader: snapshots
# (their L1 tables) and persistent bitmaps (their tables and data).
cd "$work"
qemu-img create -q -f qcow2 -o cluster_size=4k s-snap 256k
qemu-io -f qcow2 -c 'write -P 0xab 0 16k' s-snap >/dev/null
qemu-img snapshot -c one s-snap
qemu-io -f qcow2 -c 'write -P 0xcd 4k 8k' -c 'write -c -P 0x11 64k 4k' s-snap >/dev/null
qemu-img snapshot -c two s-snap
cp s-snap "$out/v-snap"
qemu-img create -q -f qcow2 -o cluster_size=4k s-bitmap 256k
qemu-io -f qcow2 -c 'write -P 0xab 0 16k' s-bitmap >/dev/null
qemu-img bitmap --add s-bitmap b0
cp s-bitmap "$out/v-bitmap"

"$here/../fixtures/mkcorrupt.sh" "$work/corrupt" >/dev/null
for f in "$work"/corrupt/*; do
	if [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 1048576 ]; then
		cp "$f" "$out/c-${f##*/}"
	fi
done
