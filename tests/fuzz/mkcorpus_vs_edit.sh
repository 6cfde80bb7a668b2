#!/bin/bash
# mkcorpus_vs_edit.sh OUTDIR - seed corpus for fuzz_vs_edit: the files
# vm-sysprep edits, from the fixture guests of tests/fixtures/mksysprep.sh
# (passwd, shadow, group, gshadow, ifcfg, network, fstab, hosts), and a few
# malformed variants.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_vs_edit.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/../fixtures/mksysprep.sh" "$work" rhel6 >/dev/null
t=$work/tree-rhel6
for f in passwd shadow group gshadow fstab hosts sysconfig/network \
	sysconfig/network-scripts/ifcfg-eth0; do
	cp "$t/etc/$f" "$out/${f//\//_}"
done
printf 'alice:x:1000' >"$out/short-line"
printf 'wheel:x:10:alice,,bob,\n:::\n\n' >"$out/empty-members"
printf 'export HOSTNAME=a\n HWADDR=b\nHOSTNAME' >"$out/no-newline"
