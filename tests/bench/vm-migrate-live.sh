#!/usr/bin/env bash
# make bench: vm-migrate --live against the floor, the same migration
# driven directly over QMP by a script (tests/bench/qmp-migrate.py): the
# test guest (256 MiB, TCG) moved between two state roots on this machine,
# without and with --copy-storage-all. Runs alternate; the median of RUNS
# wall times is kept, from the command's start to the guest running at the
# destination and the source gone. Goal: at most 1.1 x the floor.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
cleanup() {
	local f
	for f in "$dir"/a/run/qemu/*.pid "$dir"/b/run/qemu/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir"
A=$dir/a B=$dir/b
PATH=$top/bin:$PATH

if ! "$top/tests/fixtures/mkguest.sh" "$dir/guest" >mkguest.log 2>&1; then
	echo "vm-migrate live bench: skipped, no test guest: $(tail -n 1 mkguest.log)"
	exit 0
fi
make -C "$top" -s build/fixtures/qemuargv >/dev/null
sed -e "s|<cmdline>console=ttyS0</cmdline>|<cmdline>console=ttyS0 vu.counter=1</cmdline>|" \
	-e "s|$dir/guest/disk.ext4|$dir/disk.raw|" \
	-e "s|<serial type='pty'>|<serial type='file'><source path='$dir/console' append='on'/>|" \
	-e "/<console type='pty'>/,/<\/console>/d" -e "s|vu-guest|g1|" \
	"$dir/guest/guest.xml" >g1.xml

argv() { # argv ROOT: the builder's command line for g1 in ROOT
	mkdir -p -m 700 "$1/run/qemu/g1.d"
	"$top/build/fixtures/qemuargv" "$dir/g1.xml" "$1/run/qemu/g1.qmp" \
		"$1/run/qemu/g1.pid" "$1/run/qemu/g1.d"
}

qmp() { # qmp ROOT JSON
	{ echo '{"execute":"qmp_capabilities"}'; sleep 0.1; echo "$2"; sleep 0.3; } |
		socat -t 1 - "UNIX-CONNECT:$1/run/qemu/g1.qmp" >/dev/null
}

# A fresh source, booted and counting; a fresh, empty destination.
fresh() {
	local f
	for f in "$A"/run/qemu/g1.pid "$B"/run/qemu/g1.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	sleep 0.3
	rm -rf "$A" "$B" console
	cp "$dir/guest/disk.ext4" disk.raw
	mapfile -t args < <(argv "$A")
	"${args[@]}" </dev/null >/dev/null 2>&1
	qmp "$A" '{"execute":"cont"}'
	cp g1.xml "$A/run/qemu/g1.xml"
	mkdir -p -m 700 "$B/run"
	for ((i = 0; i < 600; i++)); do
		grep -q "counter 2" console 2>/dev/null && return 0
		sleep 0.1
	done
	echo "the guest did not boot" >&2
	exit 1
}

timed() { # timed CMD: wall seconds; the command's stderr in last.err
	if ! /usr/bin/time -f '%e' -o t.out bash -c "$1" >last.out 2>last.err; then
		echo "failed: $1" >&2
		tail -n 5 last.err >&2
		exit 1
	fi
	cat t.out
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

bench() { # bench LABEL OUR-OPTIONS FLOOR-OPTIONS
	local ours=() floor=() dt_o dt_f
	for ((r = 0; r < runs; r++)); do
		fresh
		ours+=("$(timed "VIRTUTILS_ROOT=$A vm-migrate --live --verbose $2 \
			--transport 'VIRTUTILS_ROOT=$B vm-migrate --receive' g1 qemu+ssh://localhost/system")")
		dt_o=$(grep -o 'downtime [0-9]* ms' last.err | tail -n 1)
		fresh
		mapfile -t dargs < <(argv "$B")
		if [ -n "$3" ]; then
			mkdir -p "$B/images"
			cp --sparse=always "$dir/guest/disk.ext4" "$B/images/disk.raw"
			truncate -s 0 "$B/images/disk.raw"
			truncate -s "$(stat -c %s disk.raw)" "$B/images/disk.raw"
			dargs=("${dargs[@]/$dir\/disk.raw/$B/images/disk.raw}")
		fi
		printf '%s\n' "${dargs[@]}" >dest.argv
		floor+=("$(timed "python3 $top/tests/bench/qmp-migrate.py $A/run/qemu/g1.qmp \
			$B/run/qemu/g1.qmp $3 -- dest.argv")")
		dt_f=$(grep -o 'downtime [0-9]* ms' last.out | tail -n 1)
		[ -z "${BENCH_DEBUG:-}" ] || cat last.err >&2
	done
	local mo mf
	mo=$(median "${ours[@]}")
	mf=$(median "${floor[@]}")
	echo "live migration of the test guest (256 MiB, TCG) $1 (median of $runs)"
	printf '  %-28s %6s s   (runs: %s; last %s)\n' "vm-migrate --live" "$mo" "${ours[*]}" "$dt_o"
	printf '  %-28s %6s s   (runs: %s; last %s)\n' "QMP script (floor)" "$mf" "${floor[*]}" "$dt_f"
	awk -v a="$mo" -v b="$mf" 'BEGIN { printf "  ratio vm-migrate/floor: %.2f (goal <= 1.1)\n", (b > 0 ? a / b : 0) }'
}

bench "shared storage" "" ""
bench "with --copy-storage-all" "--copy-storage-all" "--storage"
