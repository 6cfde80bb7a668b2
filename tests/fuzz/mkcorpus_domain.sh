#!/bin/bash
# mkcorpus_domain.sh OUTDIR - seed corpus for fuzz_domain: the domain XML
# fixtures (the seeds' examples and a document full of foreign content).
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_domain.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
cp "$here"/../fixtures/domains/*.xml "$1"/
