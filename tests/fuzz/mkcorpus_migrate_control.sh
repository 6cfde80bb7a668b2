#!/bin/bash
# mkcorpus_migrate_control.sh OUTDIR - seed corpus for fuzz_migrate_control:
# requests as vm-migrate --live writes them (shared storage, full and
# incremental copies, tunnelled, the capabilities), and a few broken ones.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_migrate_control.sh OUTDIR" >&2
	exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
xml="<domain type='qemu'><name>g1</name><uuid>6c0a1e4e-3a35-4b8f-9d0e-2f1a6a2c8b10</uuid><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/srv/g1.raw'/><target dev='vda' bus='virtio'/></disk></devices></domain>"
# seed NAME LINE...: the lines, then the XML and prepare
seed() {
	local name=$1
	shift
	{
		printf '%s\n' "$@"
		printf 'xml %d\n%s' "${#xml}" "$xml"
		printf 'prepare\n'
	} >"$out/$name"
}
seed shared persistent
seed copy-all persistent 'copy-storage all' 'disk vda raw 67108864 1048576'
seed copy-inc suspend 'copy-storage inc' 'disk vda qcow2 67108864 65536 /srv/base.raw'
seed tunnelled tunnelled persistent
seed caps 'cap postcopy-ram' 'cap multifd' 'multifd-channels 4' \
	'multifd-compression zstd' 'listen 0.0.0.0' 'port 49200'
printf 'xml 5\n<doma' >"$out/cut"
printf 'disk vda raw 1\nprepare\n' >"$out/bad-disk"
printf 'xml 99999999999999999999\n' >"$out/bad-length"
