#!/usr/bin/env bash
# make bench: img-convert convert -O raw against qemu-img convert -O raw on a
# 2 GiB sparse qcow2 (about 40% random data, 10% explicit zero clusters, the
# rest unallocated). Runs alternate, the median of RUNS wall times is kept,
# and the ratio ours/theirs is printed (goal: at most 1.0, peak RSS <= 64 MiB).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-5}
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"

echo "img-convert bench: building a 2 GiB qcow2 (40% data, 10% zero clusters) in $dir"
truncate -s 2G src.raw
zeros=()
for ((mb = 0; mb < 2048; mb += 4)); do
	case $(((mb / 4) % 10)) in
	0 | 1 | 2 | 3) dd if=/dev/urandom of=src.raw bs=1M count=4 seek=$mb conv=notrunc status=none ;;
	4) zeros+=(-c "write -z ${mb}M 4M") ;;
	esac
done
qemu-img convert -f raw -O qcow2 src.raw src.qcow2
rm src.raw
qemu-io -f qcow2 "${zeros[@]}" src.qcow2 >/dev/null

# One timed run: prints "seconds peak_kib".
timed() {
	rm -f out.raw
	sync out.raw 2>/dev/null || true
	/usr/bin/time -f '%e %M' -o t.out "$@" >/dev/null
	cat t.out
}

ours=() theirs=() ours_mem=0 theirs_mem=0
for ((i = 0; i < runs; i++)); do
	read -r s m < <(timed "$top/bin/img-convert" convert -O raw src.qcow2 out.raw)
	ours+=("$s"); ((m > ours_mem)) && ours_mem=$m
	read -r s m < <(timed qemu-img convert -O raw src.qcow2 out.raw)
	theirs+=("$s"); ((m > theirs_mem)) && theirs_mem=$m
done
qemu-img compare src.qcow2 out.raw >/dev/null

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mo=$(median "${ours[@]}")
mt=$(median "${theirs[@]}")
printf '%-34s %8s s  peak %6d KiB   (runs: %s)\n' "img-convert convert -O raw" "$mo" "$ours_mem" "${ours[*]}"
printf '%-34s %8s s  peak %6d KiB   (runs: %s)\n' "qemu-img convert -O raw" "$mt" "$theirs_mem" "${theirs[*]}"
awk -v a="$mo" -v b="$mt" 'BEGIN { printf "ratio img-convert/qemu-img (wall time): %.2f\n", (b > 0 ? a / b : 0) }'
