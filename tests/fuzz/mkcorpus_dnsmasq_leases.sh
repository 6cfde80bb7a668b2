#!/bin/bash
# mkcorpus_dnsmasq_leases.sh OUTDIR - seed corpus for fuzz_dnsmasq_leases:
# lease files in dnsmasq's shapes (IPv4, DHCPv6 with its duid line and
# temporary addresses, no hostname or client id) and hostile lines.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_dnsmasq_leases.sh OUTDIR" >&2
	exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
printf '1733594000 52:54:00:ab:cd:01 192.168.122.50 guest1 01:52:54:00:ab:cd:01\n' > "$out/v4"
printf '1733594000 52:54:00:ab:cd:01 192.168.122.50 guest1 *\n0 52:54:00:ab:cd:02 192.168.122.51 * *\n' \
	> "$out/v4-two"
printf 'duid 00:01:00:01:2c:ef:58:1a:52:54:00:11:22:33\n1733594100 1234567 2001:db8:ac10:fd01::1:20 g6 00:04:7e:7d:f0:7d\n1733594100 T42 2001:db8::5 * 00:04:7e:7d\n' \
	> "$out/v6"
printf '1733594000 52:54:00:ab:cd:01 192.168.122.50 guest1 01:52:54:00:ab:cd:01\nduid 00:01:00:01\n1733594100 7 fd00::7 host7 00:01:00:01:2c\n' \
	> "$out/mixed"
printf '1 01-52:54:00:ab:cd:01 192.168.122.50 g\033[2J *\n-5 52:54:00:ab:cd:01 192.168.122.500 g *\n9223372036854775808 4294967296 2001:db8::5 g x\n' \
	> "$out/hostile"
printf '1 52:54:00:ab:cd:01 192.168.122.50 g\0x *\n2 52:54:00:ab:cd:02 192.168.122.52 ok *' > "$out/nul"
