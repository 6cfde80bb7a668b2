#!/bin/bash
# mkcorpus.sh OUTDIR - seed corpus for fuzz_qcow2: small valid images of
# every layout the reader knows, and the hostile images of mkhostile.sh.
#
# Seeds are kept small (virtual sizes of a few hundred KiB, small
# clusters) because libFuzzer mutates faster on short inputs. Exits 77
# when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

io() {
	local img=$1 args=()
	shift
	for c in "$@"; do
		args+=(-c "$c")
	done
	qemu-io -f qcow2 "${args[@]}" "$img" >/dev/null
}

# seed NAME OPTIONS: 256 KiB with data, zeroes (plain and preallocated),
# a discard and compressed clusters.
seed() {
	qemu-img create -q -f qcow2 -o "$2" "$1" 256k
	io "$1" 'write -P 0xab 0 8k' 'write -P 0x11 10k 20k' 'write -P 0x22 64k 32k' \
		'write -z 64k 8k' 'write -z 128k 8k' 'discard 80k 8k' 'write -c -P 0x33 192k 32k'
	cp "$1" "$out/v-$1"
}
seed v2-c512 compat=0.10,cluster_size=512
seed v3-c512 cluster_size=512
seed v3-c4k cluster_size=4k
seed v3-c4k-rc1 cluster_size=4k,refcount_bits=1
seed v3-c4k-rc64 cluster_size=4k,refcount_bits=64
seed v3-c4k-lazy cluster_size=4k,lazy_refcounts=on
seed v3-c4k-zstd cluster_size=4k,compression_type=zstd
seed v3-c512-zstd cluster_size=512,compression_type=zstd
seed extl2-c16k cluster_size=16k,extended_l2=on
seed extl2-c16k-zstd cluster_size=16k,extended_l2=on,compression_type=zstd
qemu-img create -q -f qcow2 -o cluster_size=4k,preallocation=metadata prealloc 64k
io prealloc 'write -P 0xab 0 8k' 'write -z 16k 8k' 'discard 32k 8k'
cp prealloc "$out/v-prealloc"
qemu-img create -q -f qcow2 -o cluster_size=4k -b v3-c4k -F qcow2 overlay 256k
io overlay 'write -P 0xcc 4k 4k' 'write -z 64k 16k'
cp overlay "$out/v-overlay"

"$here/../fixtures/mkhostile.sh" "$work/hostile"
for f in "$work"/hostile/*; do
	if [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 131072 ]; then
		cp "$f" "$out/h-${f##*/}"
	fi
done
