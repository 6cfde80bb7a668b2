#!/bin/bash
# mkcorpus_qcow2_write.sh OUTDIR - seed corpus for fuzz_qcow2_write: the
# images of mkcorpus.sh, and small images with persistent bitmaps (enabled,
# disabled, left in use, several granularities), which the writer loads and
# keeps up to date. Exits 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$here/mkcorpus.sh" "$out"

cd "$work"
bitmaps() {
	qemu-img create -q -f qcow2 -o "$2" "$1" 256k
	qemu-io -f qcow2 -c 'write -P 0xab 0 16k' "$1" >/dev/null
	qemu-img bitmap --add "$1" b0
	qemu-img bitmap --add -g 512 "$1" b1
	qemu-img bitmap --add -g 64k --disable "$1" b2
	qemu-io -f qcow2 -c 'write -P 0xcd 4k 8k' -c 'write -z 100k 30k' "$1" >/dev/null
	cp "$1" "$out/v-$1"
}
bitmaps bm-c512 cluster_size=512
bitmaps bm-c4k cluster_size=4k
bitmaps bm-c4k-lazy cluster_size=4k,lazy_refcounts=on
# A writer that died with its bitmaps in use.
qemu-img create -q -f qcow2 -o cluster_size=4k bm-inuse 256k
qemu-img bitmap --add bm-inuse b0
(qemu-io -f qcow2 -c "write -P 1 0 4k" -c abort bm-inuse >/dev/null 2>&1 || true) 2>/dev/null
cp bm-inuse "$out/v-bm-inuse"
