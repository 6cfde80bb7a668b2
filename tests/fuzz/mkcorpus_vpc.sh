#!/bin/bash
# mkcorpus_vpc.sh OUTDIR - seed corpus for fuzz_vpc: small dynamic, fixed
# and force_size VHDs made by qemu-img and written by qemu-io, and hostile
# variants of their footers and headers. Exits 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Dynamic images with 4 KiB blocks' worth of data are still 2 MiB a block:
# the seeds keep the metadata and a little data (the fuzzer works on those).
qemu-img create -q -f vpc dyn.vhd 6M
qemu-io -f vpc -c 'write -P 0xab 4M 8k' -c 'write -P 0x11 0 4k' dyn.vhd >/dev/null
head -c 8192 dyn.vhd >"$out/v-dyn"
tail -c 512 dyn.vhd >>"$out/v-dyn"
qemu-img create -q -f vpc -o force_size=on qem2.vhd 3M
head -c 4096 qem2.vhd >"$out/v-qem2"
# A fixed image is its disk and a footer: a small one whole.
qemu-img create -q -f vpc -o subformat=fixed fixed.vhd 40k
qemu-io -f vpc -c 'write -P 0x33 4k 4k' fixed.vhd >/dev/null
cp fixed.vhd "$out/v-fixed"
# Hostile: a block size that is not a power of two, a table past the end,
# a block past the end.
cp "$out/v-dyn" "$out/h-bsize"
wrhex "$out/h-bsize" 544 00300000
cp "$out/v-dyn" "$out/h-bat"
wrhex "$out/h-bat" 528 00000000ffff0000
cp "$out/v-dyn" "$out/h-block"
wrhex "$out/h-block" 1536 7fffffff
