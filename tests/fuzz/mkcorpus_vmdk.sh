#!/bin/bash
# mkcorpus_vmdk.sh OUTDIR - seed corpus for fuzz_vmdk: small sparse and
# streamOptimized extents, a descriptor file, an OVA, and the hostile
# images of mkvmdk_hostile.sh. Exits 77 when qemu-img is missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

qemu-img create -q -f raw src.raw 512k
qemu-io -f raw -c 'write -P 0xab 0 64k' -c 'write -P 0x11 300k 4k' src.raw >/dev/null
for s in monolithicSparse streamOptimized monolithicFlat; do
	qemu-img convert -O vmdk -o "subformat=$s" src.raw "$s.vmdk"
done
cp monolithicSparse.vmdk streamOptimized.vmdk "$out/"
cp monolithicFlat.vmdk "$out/descriptor.vmdk"
qemu-img convert -O vmdk -o zeroed_grain=on src.raw "$out/zeroed.vmdk"
printf '<?xml version="1.0"?>\n<Envelope/>\n' >app.ovf
tar --format=ustar -cf "$out/app.ova" app.ovf streamOptimized.vmdk
"$here/../fixtures/mkvmdk_hostile.sh" hostile >/dev/null
for f in hostile/*; do
	[ -f "$f" ] && cp "$f" "$out/h-${f##*/}"
done
