#!/bin/bash
# explore.sh [SECONDS] - runs every libFuzzer harness in build/fuzz/bin for
# SECONDS (60) on its corpus in build/fuzz/corpus/HARNESS, which grows
# across runs; crashes go to build/fuzz/artifacts/. Used by `make fuzz`.
#
# A new corpus is seeded by tests/fuzz/mkcorpus.sh for fuzz_qcow2, and by
# tests/fuzz/mkcorpus_NAME.sh OUTDIR for a harness fuzz_NAME where one
# exists; otherwise it starts empty.
set -uo pipefail

secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
bins=$top/build/fuzz/bin
status=0

seed() {	# seed HARNESS DIR
	local script=$top/tests/fuzz/mkcorpus_${1#fuzz_}.sh
	[ "$1" = fuzz_qcow2 ] && script=$top/tests/fuzz/mkcorpus.sh
	[ -x "$script" ] || return 0
	"$script" "$2" || echo "explore.sh: $1: seeding failed; starting empty" >&2
}

for h in "$bins"/fuzz_*; do
	[ -x "$h" ] && [ -f "$h" ] || continue
	name=${h##*/}
	corpus=$top/build/fuzz/corpus/$name
	artifacts=$top/build/fuzz/artifacts/$name/
	mkdir -p "$corpus" "$artifacts"
	if [ -z "$(ls -A "$corpus")" ]; then
		seed "$name" "$corpus"
	fi
	echo "explore.sh: $name for ${secs}s" >&2
	if ! "$h" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$artifacts" "$corpus" 2>"$top/build/fuzz/$name.log"; then
		echo "explore.sh: $name found a problem: see build/fuzz/$name.log and $artifacts" >&2
		status=1
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added)' "$top/build/fuzz/$name.log" >&2 || true
done
exit $status
