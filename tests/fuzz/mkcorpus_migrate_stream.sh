#!/bin/bash
# mkcorpus_migrate_stream.sh OUTDIR - seed corpus for fuzz_migrate_stream:
# streams bin/vm-migrate exports of a small domain (a qcow2 overlay on a
# base, a sparse raw disk): plain, zstd, flattened, definition only, and a
# truncated one; and a dense one tests/fixtures/mkstream.py writes.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_migrate_stream.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
vmm=$here/../../bin/vm-migrate
[ -x "$vmm" ] || { echo "mkcorpus_migrate_stream.sh: build bin/vm-migrate first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export VIRTUTILS_ROOT=$work/root
mkdir -p "$VIRTUTILS_ROOT/domains"
qemu-img create -q -f qcow2 -o cluster_size=4k "$work/base.qcow2" 4M
qemu-io -f qcow2 -c 'write -P 0x11 0 4k' "$work/base.qcow2" >/dev/null
qemu-img create -q -f qcow2 -o cluster_size=4k -F qcow2 -b base.qcow2 "$work/top.qcow2"
qemu-io -f qcow2 -c 'write -P 0x22 1M 4k' "$work/top.qcow2" >/dev/null
truncate -s 4M "$work/data.raw"
printf 'data' | dd of="$work/data.raw" bs=1 seek=70000 conv=notrunc status=none
cat >"$VIRTUTILS_ROOT/domains/s.xml" <<XML
<domain type='qemu'>
  <name>s</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$work/top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$work/data.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
"$vmm" --export s >"$out/plain.stream"
"$vmm" --export s --compress >"$out/zstd.stream"
"$vmm" --export s --flatten --dname t >"$out/flat.stream"
head -c 3000 "$out/plain.stream" >"$out/truncated.stream"
# dense entries written by hand (the man page's format), one after END
python3 "$here/../fixtures/mkstream.py" "$out/dense.stream" "$VIRTUTILS_ROOT/domains/s.xml" \
	"$work/top.qcow2:qcow2:top.qcow2:vda" --after-end
# the definition alone: a stream of no files
rm "$work/top.qcow2" "$work/base.qcow2" "$work/data.raw"
sed -i '/<disk/,/<\/disk>/d' "$VIRTUTILS_ROOT/domains/s.xml"
"$vmm" --export s >"$out/nofiles.stream"
