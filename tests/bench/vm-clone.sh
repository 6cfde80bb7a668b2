#!/usr/bin/env bash
# make bench: vm-clone against virt-clone and cp, in the same run: a
# domain with a 4 GiB qcow2 holding 1.5 GiB of data, cloned by
# vm-clone --file, by virt-clone --connect test:///default --original-xml
# ... --file (which copies local files itself), and copied by
# cp --sparse=always; then vm-clone --linked. Runs alternate, the median of
# RUNS wall times is kept. Goals: at most 0.5 x virt-clone, at most 1.2 x
# cp, --linked under 50 ms.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/vu-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export VIRTUTILS_ROOT=$dir/root

echo "vm-clone bench: building a 4 GiB qcow2 with 1.5 GiB of data in $dir"
truncate -s 4G src.raw
# 48 runs of 32 MiB of random data, one every 80 MiB or so.
for ((i = 0; i < 48; i++)); do
	dd if=/dev/urandom of=src.raw bs=1M count=32 seek=$((i * 85)) conv=notrunc status=none
done
qemu-img convert -f raw -O qcow2 src.raw src.qcow2
rm src.raw
cat >dom.xml <<EOF
<domain type='kvm'>
  <name>bench</name>
  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$dir/src.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'><mac address='52:54:00:11:22:33'/><source network='default'/></interface>
  </devices>
</domain>
EOF

# timed CMD...: one run's wall time in seconds, out.qcow2 removed first.
timed() {
	rm -f out.qcow2
	/usr/bin/time -f '%e' -o t.out "$@" >/dev/null 2>&1
	cat t.out
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

ours=() virt=() cps=() linked=()
have_virt=false
if command -v virt-clone >/dev/null &&
	virt-clone --connect test:///default --original-xml dom.xml --name probe \
		--file "$dir/probe.qcow2" >/dev/null 2>&1 && [ -s probe.qcow2 ]; then
	have_virt=true
fi
rm -f probe.qcow2
for ((i = 0; i < runs; i++)); do
	ours+=("$(timed "$top/bin/vm-clone" -q --original-xml dom.xml --name c --file "$dir/out.qcow2")")
	qemu-img compare src.qcow2 out.qcow2 >/dev/null
	if $have_virt; then
		virt+=("$(timed virt-clone --connect test:///default --original-xml dom.xml --name c \
			--file "$dir/out.qcow2")")
	fi
	cps+=("$(timed cp --sparse=always src.qcow2 out.qcow2)")
	rm -f ov.qcow2
	s=$(date +%s%N)
	"$top/bin/vm-clone" -q --original-xml dom.xml --name l --linked --file "$dir/ov.qcow2" >/dev/null
	linked+=("$(( ($(date +%s%N) - s) / 1000000 ))")
done
rm -f out.qcow2 ov.qcow2

mo=$(median "${ours[@]}")
mc=$(median "${cps[@]}")
ml=$(median "${linked[@]}")
echo "clone of a 4 GiB qcow2 with 1.5 GiB of data (median of $runs)"
printf '  %-22s %8s s   (runs: %s)\n' vm-clone "$mo" "${ours[*]}"
if $have_virt; then
	mv=$(median "${virt[@]}")
	printf '  %-22s %8s s   (runs: %s)\n' virt-clone "$mv" "${virt[*]}"
fi
printf '  %-22s %8s s   (runs: %s)\n' "cp --sparse=always" "$mc" "${cps[*]}"
printf '  %-22s %8s ms  (runs: %s)\n' "vm-clone --linked" "$ml" "${linked[*]}"
if $have_virt; then
	awk -v a="$mo" -v b="$mv" 'BEGIN { printf "  ratio vm-clone/virt-clone: %.2f (goal <= 0.5)\n", (b > 0 ? a / b : 0) }'
else
	echo "  virt-clone: not available, or it does not copy here"
fi
awk -v a="$mo" -v b="$mc" 'BEGIN { printf "  ratio vm-clone/cp:         %.2f (goal <= 1.2)\n", (b > 0 ? a / b : 0) }'
echo "  --linked:                  $ml ms (goal < 50)"
