#!/bin/bash
# mkcorpus_vdi.sh OUTDIR - seed corpus for fuzz_vdi: small dynamic and
# static images made by qemu-img and written by qemu-io (blocks allocated
# out of order), and hostile variants of their headers. Exits 77 when
# qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

qemu-img create -q -f vdi dyn.vdi 4M
qemu-io -f vdi -c 'write -P 0xab 3M 8k' -c 'write -P 0x11 0 4k' -c 'write -P 0x22 1M 1M' \
	dyn.vdi >/dev/null
qemu-img create -q -f vdi -o static=on static.vdi 2M
qemu-io -f vdi -c 'write -P 0x33 512k 4k' static.vdi >/dev/null
qemu-img create -q -f vdi empty.vdi 1000
# The data of the dynamic seed is cut: the fuzzer mutates headers and maps.
for f in dyn static empty; do
	head -c 4096 $f.vdi >"$out/v-$f"
done
# Hostile: blocks beyond the map, a map past the end, entries out of range.
cp "$out/v-dyn" "$out/h-blocks"
wrhex "$out/h-blocks" 384 ffffff1f
cp "$out/v-dyn" "$out/h-bmap"
wrhex "$out/h-bmap" 340 00f00000
cp "$out/v-dyn" "$out/h-entry"
wrhex "$out/h-entry" 512 fdffffff
