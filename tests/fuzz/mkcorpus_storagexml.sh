#!/bin/bash
# mkcorpus_storagexml.sh OUTDIR - seed corpus for fuzz_storagexml: pool
# definitions of every type from the seeds' examples, and volume requests.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_storagexml.sh OUTDIR" >&2
	exit 2
fi
mkdir -p "$1"
cd "$1"
cat >pool-dir.xml <<'X'
<pool type='dir'><name>dirpool</name><uuid>779081bf-7a82-107b-2874-a19a9c51d24c</uuid>
<capacity unit='bytes'>1</capacity><target><path>/guest_images</path>
<permissions><mode>0711</mode><owner>0</owner><group>0</group></permissions></target></pool>
X
cat >pool-fs.xml <<'X'
<pool type='fs'><name>guest_images_fs</name><source><device path='/dev/sdc1'/>
<format type='auto'/></source><target><path>/guest_images</path></target></pool>
X
cat >pool-disk.xml <<'X'
<pool type='disk'><name>guest_images_disk</name><source><device path='/dev/sdb'/>
<format type='gpt'/></source><target><path>/dev</path></target></pool>
X
cat >pool-logical.xml <<'X'
<pool type='logical'><name>guest_images_lvm</name><source><device path='/dev/sdc'/>
<name>libvirt_lvm</name><format type='lvm2'/></source><target><path>/dev/libvirt_lvm</path>
</target></pool>
X
cat >pool-netfs.xml <<'X'
<pool type='netfs'><name>VM</name><source><host name='10.0.1.99'/><dir path='/volume1/VM'/>
<format type='auto'/></source><target><path>/var/lib/libvirt/images/VM</path></target></pool>
X
cat >pool-iscsi.xml <<'X'
<pool type='iscsi'><name>iscsirhel7pool</name><source><host name='192.168.122.1'/>
<device path='iqn.2010-05.com.example.server1:iscsirhel7guest'/><auth type='chap'
username='redhat'><secret usage='iscsirhel7secret'/></auth></source>
<target><path>/dev/disk/by-path</path></target></pool>
X
cat >pool-gluster.xml <<'X'
<pool type='gluster'><name>Gluster_pool</name><source><host name='111.222.111.222'/>
<dir path='/'/><name>gluster-vol1</name></source></pool>
X
cat >vol-plain.xml <<'X'
<volume><name>volume1</name><allocation>0</allocation><capacity unit='G'>20</capacity>
<target><path>/var/lib/virt/images/sparse.img</path></target></volume>
X
cat >vol-qcow2.xml <<'X'
<volume type='file'><name>ov</name><capacity unit='bytes'>1073741824</capacity>
<target><format type='qcow2'/><permissions><mode>0600</mode><owner>107</owner>
<group>107</group></permissions><compat>1.1</compat><clusterSize unit='KiB'>64</clusterSize>
<features><lazy_refcounts/></features></target>
<backingStore><path>/var/lib/libvirt/images/base.img</path><format type='raw'/></backingStore>
</volume>
X
