#!/bin/bash
# mkcorpus_savefile.sh OUTDIR - seed corpus for fuzz_savefile: headers of
# vm-ctl save files (layout in tools/vm-ctl/savefile.h) around small domain
# XML, a running and a paused one, one past a page, and damaged copies.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_savefile.sh OUTDIR" >&2
	exit 2
fi
mkdir -p "$1"
python3 - "$1" <<'PY'
import struct, sys, zlib

out = sys.argv[1]

def header(xml, running):
    x = xml.encode()
    off = (64 + len(x) + 4095) // 4096 * 4096
    fixed = bytearray(b"VUTILS-QEMU-SAVE" + struct.pack("<IIIIQ", 1, int(running), len(x), 0, off))
    fixed += bytes(64 - len(fixed))
    crc = zlib.crc32(bytes(fixed) + x)
    struct.pack_into("<I", fixed, 28, crc)
    return bytes(fixed) + x + bytes(off - 64 - len(x))

small = "<domain type='qemu'>\n  <name>g</name>\n  <memory unit='KiB'>262144</memory>\n</domain>\n"
full = ("<domain type='qemu' id='3'>\n  <name>guest</name>\n"
        "  <uuid>8f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9</uuid>\n"
        "  <memory unit='KiB'>262144</memory>\n  <vcpu placement='static'>1</vcpu>\n"
        "  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>/k</kernel></os>\n"
        "  <devices><serial type='pty'><source path='/dev/pts/3'/></serial>"
        "<console type='pty' tty='/dev/pts/3'/></devices>\n</domain>\n")
big = "<domain type='qemu'><name>b</name><description>" + "x" * 4100 + "</description></domain>\n"
seeds = {
    "small-running": header(small, True),
    "full-paused": header(full, False),
    "two-pages": header(big, True),
}
for name, data in seeds.items():
    open(f"{out}/{name}", "wb").write(data)
bad = bytearray(seeds["small-running"]); bad[70] ^= 1
open(f"{out}/bad-crc", "wb").write(bad)
open(f"{out}/truncated", "wb").write(seeds["full-paused"][:200])
open(f"{out}/with-stream", "wb").write(seeds["small-running"] + b"QEVM\0\0\0\3")
PY
