#!/bin/bash
# mkcorpus_qemucmd.sh OUTDIR - seed corpus for fuzz_qemucmd: the domain XML
# fixtures and the golden domains of the command-line tests.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_qemucmd.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
cp "$here"/../fixtures/domains/*.xml "$here"/../unit/golden-qemu/*.xml "$1"/
for f in "$here"/../cli/golden/vm-create/*.xml; do
	cp "$f" "$1/vm-create-$(basename "$f")"
done
