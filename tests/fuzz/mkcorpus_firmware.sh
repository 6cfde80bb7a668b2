#!/bin/bash
# mkcorpus_firmware.sh OUTDIR - seed corpus for fuzz_firmware: the
# machine's QEMU firmware descriptors (OVMF's, when installed) and a few
# shapes of our own: minimal, no mapping, wrong types, several targets.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_firmware.sh OUTDIR" >&2
	exit 2
fi
mkdir -p "$1"
for f in /usr/share/qemu/firmware/*.json; do
	[ -f "$f" ] && cp "$f" "$1/"
done
cat > "$1/minimal.json" <<'J'
{"interface-types": ["uefi"],
 "mapping": {"device": "flash", "executable": {"filename": "/x/CODE.fd", "format": "raw"},
             "nvram-template": {"filename": "/x/VARS.fd", "format": "raw"}},
 "targets": [{"architecture": "x86_64", "machines": ["pc-i440fx-*", "pc-q35-*"]}],
 "features": ["acpi-s3"]}
J
cat > "$1/secure.json" <<'J'
{"interface-types": ["uefi"],
 "mapping": {"device": "flash", "executable": {"filename": "/x/SEC.fd"}},
 "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]},
             {"architecture": "aarch64", "machines": ["virt-*"]}],
 "features": ["secure-boot", "enrolled-keys", "requires-smm"]}
J
printf '{"interface-types": "uefi", "mapping": [], "targets": {}}\n' > "$1/types.json"
printf '{"interface-types": ["bios"], "mapping": {"device": "memory"}}\n' > "$1/bios.json"
printf '{"interface-types": ["uefi"], "mapping": {"device": "flash"}, "targets": [' > "$1/cut.json"
