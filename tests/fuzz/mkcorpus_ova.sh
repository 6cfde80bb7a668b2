#!/bin/bash
# mkcorpus_ova.sh OUTDIR - seed corpus for fuzz_ova: the OVA of
# tests/fixtures/mkova.sh with smaller disks, its OVF alone, and archives
# with a member past the end or a bad manifest. Exits 77 when qemu-img is
# missing.
set -euo pipefail

. "$(dirname "$0")/../fixtures/lib.sh"
fixture_start "$@"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/../fixtures/mkova.sh" "$work" >/dev/null
cd "$work"
cp pkg/app.ovf "$out/app.ovf"
cp app.ova "$out/app.ova"
# A smaller archive: the OVF and one disk of 256 KiB.
qemu-img create -q -f raw small.raw 256k
qemu-io -f raw -c 'write -P 0x42 0 64k' small.raw >/dev/null
qemu-img convert -O vmdk -o subformat=streamOptimized small.raw pkg/app-disk1.vmdk
sed -i '/disk2\|vmdisk2\|>6</d' pkg/app.ovf
(cd pkg && sha256sum --tag app.ovf app-disk1.vmdk | sed 's/ (\(.*\)) = /(\1)= /' >app.mf)
tar -C pkg --format=ustar -cf "$out/small.ova" app.ovf app.mf app-disk1.vmdk
head -c 2048 "$out/small.ova" >"$out/truncated.ova"
(cd pkg && echo 'SHA1(app.ovf)= 0000' >app.mf)
tar -C pkg --format=ustar -cf "$out/bad-mf.ova" app.ovf app.mf app-disk1.vmdk
