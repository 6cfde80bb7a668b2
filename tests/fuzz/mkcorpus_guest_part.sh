#!/bin/bash
# mkcorpus_guest_part.sh OUTDIR - seed corpus for fuzz_guest_part: small
# disks partitioned by sfdisk (GPT, MBR with primaries, MBR with an
# extended partition and logical ones), one with a damaged primary GPT.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_guest_part.sh OUTDIR" >&2
	exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
# disk NAME SCRIPT: a 256 KiB disk partitioned as SCRIPT says.
disk() {
	rm -f "$out/$1"
	truncate -s 256K "$out/$1"
	printf '%b' "$2" | sfdisk -q "$out/$1" >/dev/null
}
disk gpt 'label: gpt\nstart=40, size=100\nstart=140, size=200, name=root\n'
disk mbr 'label: dos\nstart=1, size=100, type=83\nstart=101, size=50, type=82\n'
disk logical 'label: dos\nstart=1, size=60, type=83\nstart=61, size=400, type=5\nstart=70, size=50, type=83\nstart=130, size=50, type=8e\nstart=190, size=50, type=83\n'
cp "$out/gpt" "$out/gpt-backup"
dd if=/dev/zero of="$out/gpt-backup" bs=512 seek=1 count=1 conv=notrunc status=none
head -c 1024 "$out/mbr" >"$out/mbr-short"
