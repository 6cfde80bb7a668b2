#!/bin/bash
# mkcorpus_vhdx.sh OUTDIR - seed corpus for fuzz_vhdx: small dynamic and
# fixed images made by qemu-img and written by qemu-io, one with a log that
# needs replaying, and hostile variants (no valid header, no region table,
# a truncated file). VHDX aligns its regions to 1 MiB, so the seeds are
# whole images of a few MiB: run the harness with -max_len=12000000. Exits
# 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

qemu-img create -q -f vhdx -o block_size=1M dyn.vhdx 3M
qemu-io -f vhdx -c 'write -P 0xab 1M 8k' -c 'write -P 0x11 0 4k' dyn.vhdx >/dev/null
cp dyn.vhdx "$out/v-dyn"
qemu-img create -q -f vhdx -o block_size=1M log.vhdx 2M
"$here/../fixtures/vhdx-log.py" log.vhdx
cp log.vhdx "$out/v-log"
cp dyn.vhdx "$out/h-headers"
wrhex "$out/h-headers" 65536 00
wrhex "$out/h-headers" 131072 00
cp dyn.vhdx "$out/h-region"
wrhex "$out/h-region" 196608 00
head -c 4194304 dyn.vhdx >"$out/h-truncated"
