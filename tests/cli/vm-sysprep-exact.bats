#!/usr/bin/env bats
# vm-sysprep's default operations, exactly: the whole tree of the guest is
# read back with debugfs (rdump) before and after, and the paths removed,
# added and changed must be exactly those the operations name; nothing
# else moves.

load common
load vm-sysprep-lib

setup_file() {
	sysprep_setup_file rhel7 debian
}

setup() {
	common_setup
}

# What every flavour of the fixture loses to the default operations.
common_removed() {
	cat <<'LIST'
./etc/blkid/blkid.tab
./etc/group-
./etc/gshadow-
./etc/ipa/default.conf
./etc/krb5.keytab
./etc/motd~
./etc/passwd-
./etc/pki/consumer/cert.pem
./etc/pki/entitlement/1.pem
./etc/shadow-
./etc/smolt/uuid
./etc/ssh/ssh_host_ecdsa_key
./etc/ssh/ssh_host_ecdsa_key.pub
./etc/ssh/ssh_host_ed25519_key
./etc/ssh/ssh_host_ed25519_key.pub
./etc/ssh/ssh_host_rsa_key
./etc/ssh/ssh_host_rsa_key.pub
./etc/subgid-
./etc/subuid-
./etc/sysconfig/rhn/systemid
./etc/udev/rules.d/70-persistent-net.rules
./etc/yum.conf.bak
./home/alice/.bash_history
./home/alice/.ssh
./home/alice/.ssh/authorized_keys
./home/bob/.bash_history
./home/bob/.ssh
./home/bob/.ssh/authorized_keys
./home/carol/.bash_history
./home/carol/.ssh
./home/carol/.ssh/authorized_keys
./root/.bash_history
./root/.ssh
./root/.ssh/authorized_keys
./root/anaconda-ks.cfg
./root/install.log
./tmp/.X0-lock
./tmp/session-junk
./tmp/sub
./tmp/sub/dir
./tmp/sub/dir/file
./var/account/pacct-20261201
./var/cache/man/index.db
./var/crash/127.0.0.1-2026
./var/crash/127.0.0.1-2026/vmcore
./var/lib/dhcpd/dhcpd.leases
./var/lib/dovecot/instances
./var/lib/logrotate.status
./var/lib/puppet/ssl/certs
./var/lib/puppet/ssl/certs/host.pem
./var/lib/samba/private
./var/lib/samba/private/secrets.tdb
./var/lib/sss/db/cache_default.ldb
./var/lib/yum/uuid
./var/log/audit/audit.log
./var/log/boot.log
./var/log/btmp
./var/log/httpd/access_log
./var/log/httpd/error_log
./var/log/journal/0123abcd
./var/log/journal/0123abcd/system.journal
./var/log/lastlog
./var/log/messages
./var/log/messages-20261201
./var/log/puppet/puppet.log
./var/log/samba/log.smbd
./var/log/secure
./var/log/sssd/sssd.log
./var/log/wtmp
./var/run/console/alice
./var/run/utmp
./var/spool/abrt/ccpp-1
./var/spool/abrt/ccpp-1/coredump
./var/spool/at/a0001
./var/spool/mail/alice
./var/spool/mail/root
./var/tmp/cache
./var/tmp/cache/blob
./var/www/index.html~
LIST
}

# tree SPEC DIR: the guest's files, extracted by debugfs into DIR.
tree() {
	mkdir -p "$2"
	debugfs -R "rdump / $2" "$1" >/dev/null 2>&1
	rm -rf "$2/lost+found"
}

# diff_trees BEFORE AFTER: "-PATH" removed, "+PATH" added, "~PATH" changed
# (a regular file's content), sorted.
diff_trees() {
	(cd "$1" && find . | sort) >before.lst
	(cd "$2" && find . | sort) >after.lst
	{
		comm -23 before.lst after.lst | sed 's/^/-/'
		comm -13 before.lst after.lst | sed 's/^/+/'
		comm -12 before.lst after.lst | while read -r p; do
			[ -f "$1/$p" ] && ! cmp -s "$1/$p" "$2/$p" && echo "~$p"
		done
	} | sort
}

# expect_exactly IMG ...: the image's tree against the fixture's, with
# the common removals and the lines given.
expect_exactly() {
	local img=$1 fixture=$2
	shift 2
	tree "$FX/$fixture" before
	run vm-sysprep -q -a "$img"
	assert_success
	tree "$img" after
	diff_trees before after >got
	{ common_removed | sed 's/^/-/'; printf '%s\n' "$@"; } | sort >want
	diff -u want got || fail "the trees differ other than expected (above)"
	fsck_clean "$img"
}

@test "vm-sysprep defaults on RHEL 7: exactly these removals, edits and additions" {
	img=$(guest rhel7.raw)
	expect_exactly "$img" rhel7.raw \
		-./var/cache/yum/x86_64/base/packages/pkg.rpm \
		-./var/lib/dhclient/dhclient-eth0.leases -./var/lib/rpm/__db.001 \
		-./var/lib/rpm/__db.002 -./var/log/yum.log -./var/spool/cron/root \
		'~./etc/machine-id' '~./etc/sysconfig/network-scripts/ifcfg-eth0' \
		'~./var/account/pacct' '~./var/lib/random-seed' '~./var/lib/systemd/random-seed' \
		+./.autorelabel
}

@test "vm-sysprep defaults on Debian: exactly these removals and edits" {
	img=$(guest debian.raw)
	expect_exactly "$img" debian.raw \
		-./var/cache/apt/archives/pkg_1.0_amd64.deb -./var/lib/dhcp/dhclient.eth0.leases \
		-./var/log/apt/history.log -./var/log/syslog -./var/spool/cron/crontabs/root \
		'~./etc/machine-id' '~./var/account/pacct' '~./var/lib/random-seed' \
		'~./var/lib/systemd/random-seed'
}
