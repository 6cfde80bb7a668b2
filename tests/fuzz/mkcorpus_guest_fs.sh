#!/bin/bash
# mkcorpus_guest_fs.sh OUTDIR - seed corpus for fuzz_guest_fs: small guest
# disks (ext2, ext4 with and without inline data) holding an fstab, an
# os-release and the links the walk must keep inside the guest (absolute,
# climbing above the root, looping), made by mke2fs -d from a tree.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_guest_fs.sh OUTDIR" >&2
	exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t=$work/tree
mkdir -p "$t/etc" "$t/var/log" "$t/usr/share/zoneinfo"
printf '/dev/sda / ext4 defaults 0 0\nLABEL=x /var ext4 defaults 0 0\n' >"$t/etc/fstab"
printf 'ID=fuzz\nVERSION_ID="1"\n' >"$t/etc/os-release"
printf 'guest\n' >"$t/etc/hostname"
printf 'UTC\n' >"$t/usr/share/zoneinfo/UTC"
printf 'log\n' >"$t/var/log/messages"
ln -s /usr/share/zoneinfo/UTC "$t/etc/localtime"
ln -s ../../../../etc/hostname "$t/etc/climb"
ln -s /etc/loop2 "$t/etc/loop1"
ln -s /etc/loop1 "$t/etc/loop2"
ln -s /var/log "$t/logs"
# fs NAME OPTIONS: a 256 KiB filesystem (1 KiB blocks) as a whole disk.
fs() {
	truncate -s 256K "$out/$1"
	mke2fs -q -F -b 1024 -N 32 $2 -d "$t" "$out/$1" >/dev/null 2>&1
}
fs ext2 "-t ext2"
fs ext4 "-t ext4 -O ^has_journal"
fs inline "-t ext4 -O ^has_journal,inline_data -I 256"
