#!/usr/bin/env bash
# make bench: net-ctl, inside a network namespace of its own (unshare -n;
# the host's network is never touched).
#  1. `net-ctl start default` + `net-ctl destroy default` (bridge, address,
#     nftables rules, dnsmasq started and stopped), beside the floor: the
#     same bridge and address made by `ip`, and dnsmasq started by hand with
#     the very conf net-ctl wrote, then killed and the bridge deleted.
#  2. `net-ctl list --all` with 100 defined networks, beside reading their
#     100 files (`cat`), the least a listing must do.
# Runs alternate, the median of RUNS wall times is kept, the ratio
# ours/floor printed. What the tool cannot do yet is "skipped: why".
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-9}
nc=$top/bin/net-ctl

if [ -z "${VU_BENCH_NETNS-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "net-ctl bench: skipped: needs root (a network namespace, bridges, dnsmasq)"
		exit 0
	fi
	if [ ! -x "$nc" ]; then
		echo "net-ctl bench: skipped: $nc is not built"
		exit 0
	fi
	if ! unshare -n true 2>/dev/null; then
		echo "net-ctl bench: skipped: cannot make a network namespace (unshare -n)"
		exit 0
	fi
	VU_BENCH_NETNS=1 exec unshare -n "$0" "$@"
fi

# From here on, inside the namespace.
ip link set lo up
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
# dnsmasq reads its hosts files as nobody: the path must be searchable.
chmod 0755 "$dir"
cleanup() {
	"$nc" destroy default >/dev/null 2>&1 || :
	if [ -n "${floor_br-}" ]; then
		ip link del "$floor_br" 2>/dev/null || :
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
export VIRTUTILS_ROOT=$dir/root

# seconds CMD...: the wall time of one run, in seconds (bash's clock: no
# process is started to read it); fails when CMD does.
seconds() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null 2>&1 || { echo "net-ctl bench: $*: failed" >&2; return 1; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# report TITLE OURS-NAME FLOOR-NAME GOAL-TEXT: the medians and the ratio of
# the arrays ours and floor.
report() {
	local mo mf
	mo=$(median "${ours[@]}")
	mf=$(median "${floor[@]}")
	printf '%s\n' "$1"
	printf '  %-26s %8s s   (runs: %s)\n' "$2" "$mo" "${ours[*]}"
	printf '  %-26s %8s s   (runs: %s)\n' "$3" "$mf" "${floor[*]}"
	awk -v a="$mo" -v b="$mf" -v g="$4" 'BEGIN { printf "  ratio net-ctl/floor (wall time): %.2f%s\n", (b > 0 ? a / b : 0), g }'
}

# skip WHAT WHY: a part the tool cannot run yet.
skip() { printf '%s\n  skipped: %s\n' "$1" "$2"; }

alive() {
	local s
	[ -r "/proc/$1/stat" ] || return 1
	read -r _ _ s _ <"/proc/$1/stat" 2>/dev/null || return 1
	[ "$s" != Z ]
}

ours_cycle() { "$nc" start default && "$nc" destroy default; }

# The floor: what start and destroy must at least do, by hand.
floor_cycle() {
	local a pid
	ip link add "$floor_br" type bridge stp_state 1
	for a in "${floor_addrs[@]}"; do
		# shellcheck disable=SC2086 # "ADDR brd BCAST": words of ip's
		ip addr add $a dev "$floor_br"
	done
	ip link set "$floor_br" up
	/usr/sbin/dnsmasq --conf-file="$dir/floor/default.conf" \
		--dhcp-leasefile="$dir/floor/default.leases"
	pid=$(cat "$dir/floor/default.pid")
	kill "$pid"
	while alive "$pid"; do sleep 0.005; done
	rm -f "$dir/floor/default.pid"
	ip link del "$floor_br"
}

echo "net-ctl bench: $runs runs each, in a network namespace, in $dir"

# ---- 1. start + destroy of the default network ----
t1="start + destroy of the default network (bridge, NAT rules, dnsmasq)"
if ! err=$("$nc" start default 2>&1 >/dev/null); then
	skip "$t1" "net-ctl start default: ${err:-failed}"
elif ! conf=$(find "$VIRTUTILS_ROOT" -name default.conf -path '*dnsmasq*' | head -n 1) ||
	[ -z "$conf" ]; then
	"$nc" destroy default >/dev/null 2>&1 || :
	skip "$t1" "net-ctl start default wrote no dnsmasq conf"
else
	# The conf and hosts files net-ctl wrote, pointed at a copy of their own.
	mkdir "$dir/floor"
	rundir=$(dirname "$conf")
	for f in "$rundir"/default.*; do
		case $f in *.pid | *.leases) continue ;; esac
		sed "s|$rundir/|$dir/floor/|g" "$f" >"$dir/floor/${f##*/}"
	done
	chmod 0755 "$dir/floor"
	floor_br=$(sed -n "s/.*<bridge name=['\"]\([^'\"]*\)['\"].*/\1/p" \
		<("$nc" dumpxml default) | head -n 1)
	# "192.168.122.1/24 brd 192.168.122.255", one a line.
	mapfile -t floor_addrs < <(ip -o addr show dev "$floor_br" scope global |
		awk '{ print $4 ($5 == "brd" ? " brd " $6 : "") }')
	if ! err=$("$nc" destroy default 2>&1 >/dev/null); then
		skip "$t1" "net-ctl destroy default: ${err:-failed}"
	elif ip link show "$floor_br" >/dev/null 2>&1; then
		skip "$t1" "net-ctl destroy default left $floor_br behind"
	else
		ours=() floor=()
		for ((i = 0; i < runs; i++)); do
			ours+=("$(seconds ours_cycle)")
			floor+=("$(seconds floor_cycle)")
		done
		report "$t1" "net-ctl start + destroy" "ip link + dnsmasq by hand" \
			" (the floor has no rules and no checks)"
	fi
fi

# ---- 2. list --all with 100 defined networks ----
t2="list --all with 100 defined networks"
root100=$dir/root100
mkdir -p "$dir/xml"
defined=0
for ((i = 0; i < 100; i++)); do
	n=$(printf 'bench%03d' "$i")
	cat >"$dir/xml/$n.xml" <<EOF
<network>
  <name>$n</name>
  <forward mode='nat'/>
  <bridge name='vbench$i' stp='on' delay='0'/>
  <ip address='10.$((100 + i / 200)).$((i % 200)).1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.$((100 + i / 200)).$((i % 200)).2' end='10.$((100 + i / 200)).$((i % 200)).254'/>
    </dhcp>
  </ip>
</network>
EOF
	if ! err=$("$nc" --root "$root100" define "$dir/xml/$n.xml" 2>&1 >/dev/null); then
		break
	fi
	defined=$((defined + 1))
done
if ((defined < 100)); then
	skip "$t2" "net-ctl define $n: ${err:-failed}"
elif ! err=$("$nc" --root "$root100" list --all 2>&1 >/dev/null); then
	skip "$t2" "net-ctl list --all: ${err:-failed}"
else
	lines=$("$nc" --root "$root100" list --all --name | grep -c .)
	ours=() floor=()
	for ((i = 0; i < runs; i++)); do
		ours+=("$(seconds "$nc" --root "$root100" list --all)")
		floor+=("$(seconds cat "$root100"/networks/*.xml)")
	done
	report "$t2 ($lines listed, default included)" "net-ctl list --all" \
		"cat of the 100 definitions" ""
	awk -v a="$(median "${ours[@]}")" -v n="$lines" \
		'BEGIN { printf "  per network listed: %.1f us\n", a / n * 1e6 }'
fi
