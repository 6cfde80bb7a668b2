#!/usr/bin/env bash
# make bench: img-convert convert against qemu-img convert, in the same run:
# qcow2 -> raw and qcow2 -> qcow2 on a 2 GiB sparse qcow2 (about 40% random
# data, 10% explicit zero clusters, the rest unallocated), and compressed
# (-c) raw -> qcow2 on a compressible 1 GiB ext4 image of text. Runs
# alternate, each after a sync, the median of RUNS (5) wall times is kept, and the ratio
# ours/theirs is printed (goals: at most 1.0, 0.6 for -c; peak RSS <= 64 MiB).
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

# timed OUT CMD...: one run writing OUT (removed first); prints "seconds peak_kib".
# The sync first: the dirty pages of the run before (2 GiB of them) would
# otherwise be written back during this one, and charge it for the last.
timed() {
	rm -f "$1"
	sync
	shift
	/usr/bin/time -f '%e %M' -o t.out "$@" >/dev/null
	cat t.out
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
least() { printf '%s\n' "$@" | sort -n | head -n 1; }

# compare NAME OUT ARGS...: alternate runs of both tools writing OUT, print
# the medians, the peak RSS and the ratio of wall times.
compare() {
	local name=$1 out=$2 ours=() theirs=() om=0 tm=0 s m i
	shift 2
	for ((i = 0; i < runs; i++)); do
		read -r s m < <(timed "$out" "$top/bin/img-convert" convert "$@" "$out")
		ours+=("$s"); ((m > om)) && om=$m
		read -r s m < <(timed "$out" qemu-img convert "$@" "$out")
		theirs+=("$s"); ((m > tm)) && tm=$m
	done
	local mo mt
	mo=$(median "${ours[@]}")
	mt=$(median "${theirs[@]}")
	printf '%s\n' "$name"
	printf '  %-12s %8s s  peak %6d KiB   (runs: %s)\n' img-convert "$mo" "$om" "${ours[*]}"
	printf '  %-12s %8s s  peak %6d KiB   (runs: %s)\n' qemu-img "$mt" "$tm" "${theirs[*]}"
	awk -v a="$mo" -v b="$mt" 'BEGIN { printf "  ratio img-convert/qemu-img (wall time): %.2f\n", (b > 0 ? a / b : 0) }'
	# The best runs too: on a VM whose page-cache writes sometimes stall
	# for seconds, the fastest run is the one least disturbed.
	awk -v a="$(least "${ours[@]}")" -v b="$(least "${theirs[@]}")" \
		'BEGIN { printf "  ratio of the best runs: %.2f (%s s / %s s)\n", (b > 0 ? a / b : 0), a, b }'
}

compare "qcow2 -> raw (2 GiB, 40% data)" out.raw -O raw src.qcow2
qemu-img compare src.qcow2 out.raw >/dev/null
rm -f out.raw
if "$top/bin/img-convert" convert -O qcow2 src.qcow2 probe.qcow2 2>/dev/null; then
	rm -f probe.qcow2
	compare "qcow2 -> qcow2 (2 GiB, 40% data)" out.qcow2 -O qcow2 src.qcow2
	qemu-img compare src.qcow2 out.qcow2 >/dev/null
	rm -f out.qcow2

	echo "building a compressible 1 GiB ext4 image of text (mke2fs -d)"
	mkdir -p tree
	for ((d = 0; d < 48; d++)); do
		mkdir -p "tree/d$d"
		for ((f = 0; f < 16; f++)); do
			seq -f "line %g of file $f in directory $d: the quick brown fox" 1 16000 \
				>"tree/d$d/f$f.txt"
		done
	done
	mke2fs -q -F -t ext4 -d tree text.raw 1G
	rm -rf tree
	compare "raw -> qcow2 -c (1 GiB ext4 of text)" out.qcow2 -c -O qcow2 text.raw
	qemu-img compare text.raw out.qcow2 >/dev/null
	ours_size=$("$top/bin/img-convert" convert -c -O qcow2 text.raw o.qcow2 && stat -c %s o.qcow2)
	theirs_size=$(qemu-img convert -c -O qcow2 text.raw t.qcow2 && stat -c %s t.qcow2)
	awk -v a="$ours_size" -v b="$theirs_size" 'BEGIN { printf "  compressed size: %d against qemu-img %d bytes (%.3f)\n", a, b, a / b }'
fi

# vmdk: the formats VMware hands over, both ways (qemu-img makes the sources).
echo "building vmdk sources (monolithicSparse, streamOptimized) from the 2 GiB qcow2"
qemu-img convert -O vmdk src.qcow2 src.vmdk
qemu-img convert -O vmdk -o subformat=streamOptimized src.qcow2 src-stream.vmdk
compare "vmdk monolithicSparse -> qcow2 (2 GiB, 40% data)" out.qcow2 -O qcow2 src.vmdk
qemu-img compare src.vmdk out.qcow2 >/dev/null
compare "vmdk streamOptimized -> qcow2 (2 GiB, 40% data)" out.qcow2 -O qcow2 src-stream.vmdk
qemu-img compare src-stream.vmdk out.qcow2 >/dev/null
compare "qcow2 -> vmdk streamOptimized (2 GiB, 40% data)" out.vmdk -O vmdk \
	-o subformat=streamOptimized src.qcow2
qemu-img compare src.qcow2 out.vmdk >/dev/null
rm -f out.qcow2 out.vmdk
