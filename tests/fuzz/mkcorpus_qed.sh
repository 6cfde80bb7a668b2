#!/bin/bash
# mkcorpus_qed.sh OUTDIR - seed corpus for fuzz_qed: small qed images (4 KiB
# clusters) made by qemu-img and written by qemu-io (data, zero clusters,
# a backing file's name), one left with need-check set, and hostile variants
# of their headers and tables. Exits 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

qemu-img create -q -f qed -o cluster_size=4k,table_size=2 q.qed 8M
qemu-io -f qed -c 'write -P 0xab 3M 8k' -c 'write -P 0x11 0 4k' -c 'write -z 64k 8k' \
	-c 'write -P 0x22 5M 6k' q.qed >/dev/null
cp q.qed "$out/v-data"
qemu-img create -q -f raw b.raw 1M
qemu-img create -q -f qed -o cluster_size=4k,table_size=2 -b b.raw -F raw bk.qed 2M
qemu-io -f qed -c 'write -P 0x33 512k 4k' -c 'write -z 8k 4k' bk.qed >/dev/null
cp bk.qed "$out/v-backing"
qemu-img create -q -f qed -o cluster_size=4k,table_size=4 empty.qed 1000
cp empty.qed "$out/v-empty"
# Left with need-check and a leaked cluster: opening it for writing repairs.
cp q.qed "$out/v-needcheck"
wrhex "$out/v-needcheck" 16 02
truncate -s +4k "$out/v-needcheck"
# Hostile: sizes not powers of two, an L1 table past the end, an L2 table
# and a cluster out of the file, two entries naming one cluster.
l2=$(od -A n -t u8 -j 4096 -N 8 q.qed | tr -d ' ')
cp q.qed "$out/h-cluster"
wrhex "$out/h-cluster" 4 00300000
cp q.qed "$out/h-table"
wrhex "$out/h-table" 8 03000000
cp q.qed "$out/h-l1"
wrhex "$out/h-l1" 40 00000f0000000000
cp q.qed "$out/h-l2"
wrhex "$out/h-l2" 4096 00f0ff0000000000
cp q.qed "$out/h-cluster-off"
wrhex "$out/h-cluster-off" "$((l2 + 8))" 00f0ff0000000000
cp q.qed "$out/h-twice"
dd if=q.qed of="$out/h-twice" bs=1 skip="$l2" seek="$((l2 + 16))" count=8 conv=notrunc status=none
cp q.qed "$out/h-size"
wrhex "$out/h-size" 48 00000000000000ff
