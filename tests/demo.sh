#!/usr/bin/env bash
# make demo: a small, real pipeline in ./demo-root, printing each step.
# The input image is made by qemu-img (the tool users already have); every
# step after that is virtutils.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
root=$top/demo-root
bin=$top/bin
rm -rf "$root"
mkdir -p "$root/images"
export VIRTUTILS_ROOT=$root
cd "$root/images"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "== a guest disk from qemu-img: 1 GiB qcow2, a little data, a zeroed range"
qemu-img create -q -f qcow2 template.qcow2 1G
qemu-io -f qcow2 -c 'write -P 0x5a 0 4M' -c 'write -P 0xa5 64M 1M' \
	-c 'write -z 128M 2M' template.qcow2 >/dev/null

step "$bin/img-convert" info template.qcow2
step "$bin/img-convert" map --output=json template.qcow2
step "$bin/img-convert" convert -p -O raw template.qcow2 disk.raw
step "$bin/img-convert" info disk.raw
step "$bin/img-convert" compare template.qcow2 disk.raw
step du -h --apparent-size disk.raw
step du -h disk.raw
echo
echo "== KSM on this host, read only: what ksm-tune sees and would decide"
if [ -d /sys/kernel/mm/ksm ]; then
	step "$bin/ksm-tune" status
	step "$bin/ksm-tune" once --dry-run
else
	echo "(this kernel has no /sys/kernel/mm/ksm: skipped)"
fi
printf '\nThe demo left its files in %s.\n' "$root"
