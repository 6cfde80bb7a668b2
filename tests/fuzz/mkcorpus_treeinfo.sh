#!/bin/bash
# mkcorpus_treeinfo.sh OUTDIR - seed corpus for fuzz_treeinfo: the
# .treeinfo files of tests/fixtures/mktree.sh (old and productmd formats,
# a hostile one) and a few variants of the INI syntax.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_treeinfo.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/../fixtures/mktree.sh" "$work" >/dev/null
for t in "$work"/*/.treeinfo; do
	name=$(basename "$(dirname "$t")")
	cp "$t" "$out/$name.treeinfo"
done
printf '[general]\nfamily: openSUSE\nversion: 15.5\narch: x86_64\n[images-x86_64]\nkernel: boot/x86_64/loader/linux\ninitrd: boot/x86_64/loader/initrd\n' \
	>"$out/colon.treeinfo"
printf '[images-x86_64]\r\n  ; indented comment\r\nKERNEL = ./a//b/./vmlinuz\r\ninitrd=\r\n' \
	>"$out/crlf.treeinfo"
printf '[tree]\narch = s390x\n[images-s390x]\nkernel = /boot/kernel\ninitrd = images/initrd.img\n' \
	>"$out/absolute.treeinfo"
