#!/bin/bash
# mkcorpus_networkxml.sh OUTDIR - seed corpus for fuzz_networkxml: the kinds
# of network libvirt's documentation shows (NAT, routed, open, isolated,
# host bridge, macvtap, IPv6, DNS, PXE, portgroups), and net-update's
# elements.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_networkxml.sh OUTDIR" >&2
	exit 2
fi
mkdir -p "$1"
cd "$1"
cat >default.xml <<'X'
<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
X
cat >nat-full.xml <<'X'
<network><name>nat-full</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
<forward dev='eth1' mode='nat'><nat><address start='10.20.30.40' end='10.20.30.44'/>
<port start='60000' end='65432'/></nat><interface dev='eth1'/></forward>
<bridge name='virbr1' stp='off' delay='2'/><mtu size='9000'/>
<mac address='52:54:00:e2:3a:12'/><domain name='example.com' localOnly='yes'/>
<dns forwardPlainNames='no'><forwarder addr='8.8.8.8'/>
<forwarder domain='example.org' addr='192.168.1.1'/><forwarder domain='local.lan'/>
<txt name='example' value='example value'/>
<srv service='name' protocol='tcp' domain='test-domain-name' target='.' port='1024'
priority='10' weight='10'/>
<host ip='192.168.122.2'><hostname>myhost</hostname><hostname>alias</hostname></host></dns>
<ip address='192.168.122.1' netmask='255.255.255.0'><tftp root='/var/lib/tftproot'/>
<dhcp><range start='192.168.122.2' end='192.168.122.254'><lease expiry='1' unit='hours'/>
</range><host mac='00:16:3e:77:e2:ed' name='a.example.com' ip='192.168.122.10'/>
<bootp file='pxeboot.img' server='192.168.122.1'/></dhcp></ip>
<ip family='ipv6' address='2001:db8:ac10:fe01::1' prefix='64'><dhcp>
<range start='2001:db8:ac10:fe01::1:10' end='2001:db8:ac10:fe01::1:ff'/>
<host id='0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63' name='c'
ip='2001:db8:ac10:fe01::1:20'/></dhcp></ip></network>
X
cat >route.xml <<'X'
<network><name>local</name><forward dev='eth1' mode='route'/><bridge name='virbr1'/>
<ip address='192.168.122.1' prefix='24'><dhcp>
<range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
<ip family='ipv6' address='2001:db8:ac10:fd01::1' prefix='64'/></network>
X
cat >open.xml <<'X'
<network><name>open</name><forward mode='open'/><bridge name='virbr2'/>
<ip address='192.168.123.1' netmask='255.255.255.0'/></network>
X
cat >isolated.xml <<'X'
<network ipv6='yes'><name>private</name><bridge name='virbr3'/><dns enable='no'/>
<ip address='172.16.0.1' netmask='255.255.0.0'/></network>
X
cat >bridge.xml <<'X'
<network><name>host-bridge</name><forward mode='bridge'/><bridge name='br0'/>
<portgroup name='engineering' default='yes'><bandwidth>
<inbound average='1000' peak='5000' burst='5120'/></bandwidth></portgroup>
<portgroup name='sales'/></network>
X
cat >macvtap.xml <<'X'
<network><name>direct</name><forward mode='vepa'><interface dev='eth1'/>
<interface dev='eth2'/></forward></network>
X
cat >passthrough.xml <<'X'
<network><name>pt</name><forward dev='eth3' mode='passthrough'/></network>
X
cat >upd-host.xml <<'X'
<host mac='52:54:00:00:00:01' name='a' ip='192.168.122.11'/>
X
cat >upd-range.xml <<'X'
<range start='192.168.122.100' end='192.168.122.199'/>
X
cat >upd-dnshost.xml <<'X'
<host ip='192.168.122.5'><hostname>web</hostname></host>
X
cat >upd-srv.xml <<'X'
<srv service='ldap' protocol='tcp' target='web' port='389'/>
X
cat >upd-portgroup.xml <<'X'
<portgroup name='eng'><vlan><tag id='42'/></vlan></portgroup>
X
