#!/bin/bash
# mkcorpus_qed.sh OUTDIR - seed corpus for fuzz_qed: small images made by
# qemu-img and written by qemu-io (data, zero clusters, holes), one with a
# backing file name, and hostile variants (unknown features, a bad L1
# offset, an L2 entry past the end). Exits 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

qemu-img create -q -f qed -o cluster_size=4k small.qed 1M
qemu-io -f qed -c 'write -P 0xab 0 8k' -c 'write -z 64k 8k' -c 'write -P 1 900k 4k' \
	small.qed >/dev/null 2>&1 || true
cp small.qed "$out/v-small"
qemu-img create -q -f qed -o cluster_size=4k -b small.qed -F qed top.qed 1M
cp top.qed "$out/v-backing"
cp small.qed "$out/h-features"
wrhex "$out/h-features" 16 08
cp small.qed "$out/h-l1"
wrhex "$out/h-l1" 40 0000000001000000
