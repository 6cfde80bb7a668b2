#!/usr/bin/env bats
# vm-sysprep's customize options (virt-customize's), checked in the image
# with debugfs: host names per family, passwords by crypt(3), SSH keys,
# time zones, files, first-boot scripts.

load common
load vm-sysprep-lib

setup_file() {
	sysprep_setup_file rhel6 rhel7 debian suse
}

setup() {
	common_setup
}

# Only customize runs, so what changed is the options' doing.
cust() {
	run vm-sysprep --operations customize "$@"
}

@test "vm-sysprep --hostname: /etc/hostname and /etc/hosts (RHEL 7)" {
	img=$(guest rhel7.raw)
	cust --hostname web2 -a "$img"
	assert_success
	[ "$(dcat "$img" /etc/hostname)" = web2 ]
	[ "$(dcat "$img" /etc/hosts)" = "$(printf '127.0.0.1 localhost\n127.0.1.1 web2 web2.example.com')" ]
	fsck_clean "$img"
}

@test "vm-sysprep --hostname: HOSTNAME= in /etc/sysconfig/network (RHEL 6), /etc/HOSTNAME (SUSE)" {
	img=$(guest rhel6.raw)
	cust --hostname web2 -a "$img"
	assert_success
	[ "$(dcat "$img" /etc/sysconfig/network)" = "$(printf 'NETWORKING=yes\nHOSTNAME=web2')" ]
	! dhas "$img" /etc/hostname
	img=$(guest suse.raw)
	cust --hostname web3 -a "$img"
	assert_success
	[ "$(dcat "$img" /etc/HOSTNAME)" = web3 ]
}

@test "vm-sysprep --root-password / --password: SHA-512 crypt, locked, disabled" {
	img=$(guest rhel7.raw)
	printf 'fromfile\nignored\n' >pw.txt
	cust --root-password password:s3cret --password alice:locked:file:pw.txt \
		--password bob:disabled -a "$img"
	assert_success
	shadow=$(dcat "$img" /etc/shadow)
	root=$(grep '^root:' <<<"$shadow" | cut -d: -f2)
	[ "${root:0:3}" = '$6$' ]
	[ "$(python3 -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))' \
		s3cret "$root" 2>/dev/null)" = "$root" ]
	alice=$(grep '^alice:' <<<"$shadow" | cut -d: -f2)
	[ "${alice:0:4}" = '!$6$' ]
	[ "$(python3 -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))' \
		fromfile "${alice:1}" 2>/dev/null)" = "${alice:1}" ]
	grep -q '^bob:\*:19000:' <<<"$shadow"
	# the other fields and lines stay
	grep -q '^root:[^:]*:19000:0:99999:7:::$' <<<"$shadow"
	[ "$(wc -l <<<"$shadow")" -eq 7 ]
	debugfs -R "stat /etc/shadow" "$img" 2>/dev/null | grep -q "Mode:  0000"
}

@test "vm-sysprep --root-password random: told on stderr, even with -q" {
	img=$(guest debian.raw)
	cust -q --root-password random -a "$img"
	assert_success
	assert_output --regexp '^Setting random password of root to [A-Za-z0-9]{16}$'
	pw=${output##* }
	hash=$(dcat "$img" /etc/shadow | grep '^root:' | cut -d: -f2)
	[ "$(python3 -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))' \
		"$pw" "$hash" 2>/dev/null)" = "$hash" ]
}

@test "vm-sysprep --password for a user the guest lacks fails, naming the user" {
	img=$(guest debian.raw)
	before=$(sha256sum <"$img")
	cust --password zed:password:x -a "$img"
	[ "$status" -eq 1 ]
	assert_output --partial "no user 'zed' in the guest"
}

@test "vm-sysprep --ssh-inject: authorized_keys made with the user's ownership" {
	img=$(guest debian.raw)
	cust --ssh-inject 'alice:string:ssh-ed25519 AAAAnew me@host' -a "$img"
	assert_success
	[ "$(dcat "$img" /home/alice/.ssh/authorized_keys)" = \
		"$(printf 'ssh-ed25519 AAAAalice alice@laptop\nssh-ed25519 AAAAnew me@host')" ]
	# the key file of root: a new directory and file, 0700 and 0600
	cust --ssh-inject 'root:string:ssh-rsa AAAAroot2 r@h' -a "$img"
	assert_success
	img2=$(guest debian.raw)
	run vm-sysprep --operations ssh-userdir,customize --ssh-inject \
		'bob:string:ssh-rsa AAAAbob b@h' -a "$img2"
	assert_success
	[ "$(dcat "$img2" /home/bob/.ssh/authorized_keys)" = "ssh-rsa AAAAbob b@h" ]
	debugfs -R "stat /home/bob/.ssh" "$img2" 2>/dev/null | grep -q "Mode:  0700"
	debugfs -R "stat /home/bob/.ssh/authorized_keys" "$img2" 2>/dev/null | grep -q "Mode:  0600"
	debugfs -R "stat /home/bob/.ssh/authorized_keys" "$img2" 2>/dev/null |
		grep -q "User:  1001   Group:  1001"
}

@test "vm-sysprep --timezone: /etc/localtime a link, /etc/timezone follows" {
	img=$(guest debian.raw)
	cust --timezone Europe/Paris -a "$img"
	assert_success
	debugfs -R "stat /etc/localtime" "$img" 2>/dev/null |
		grep -q 'Fast link dest: "/usr/share/zoneinfo/Europe/Paris"'
	[ "$(dcat "$img" /etc/timezone)" = Europe/Paris ]
	cust --timezone Mars/Olympus -a "$img"
	[ "$status" -eq 1 ]
	assert_output --partial "the guest has no time zone 'Mars/Olympus'"
}

@test "vm-sysprep: file options in command-line order" {
	img=$(guest rhel7.raw)
	mkdir -p tree/sub
	echo one >tree/a
	echo two >tree/sub/b
	printf 'uploaded\n' >up.txt
	chmod 0640 up.txt
	cust --mkdir /opt/app/conf --write '/opt/app/conf/x.conf:key: value' \
		--append-line /opt/app/conf/x.conf:second --upload up.txt:/opt/app \
		--copy-in tree:/opt --touch /opt/app/stamp --chmod 0600:/opt/app/conf/x.conf \
		--link /opt/app/conf/x.conf:/etc/x.conf:/etc/y.conf --truncate /var/log/secure \
		--delete '/var/log/messages*' -a "$img"
	assert_success
	[ "$(dcat "$img" /opt/app/conf/x.conf)" = "$(printf 'key: value\nsecond')" ]
	debugfs -R "stat /opt/app/conf/x.conf" "$img" 2>/dev/null | grep -q "Mode:  0600"
	[ "$(dcat "$img" /opt/app/up.txt)" = uploaded ]
	debugfs -R "stat /opt/app/up.txt" "$img" 2>/dev/null | grep -q "Mode:  0640"
	[ "$(dcat "$img" /opt/tree/a)" = one ]
	[ "$(dcat "$img" /opt/tree/sub/b)" = two ]
	[ "$(dsize "$img" /opt/app/stamp)" = 0 ]
	debugfs -R "stat /etc/y.conf" "$img" 2>/dev/null |
		grep -q 'Fast link dest: "/opt/app/conf/x.conf"'
	[ "$(dsize "$img" /var/log/secure)" = 0 ]
	! dhas "$img" /var/log/messages
	! dhas "$img" /var/log/messages-20261201
	fsck_clean "$img"
}

@test "vm-sysprep --firstboot-command: a systemd unit runs the scripts once" {
	img=$(guest rhel7.raw)
	echo 'echo from a file' >first.sh
	cust --firstboot-command 'touch /ran' --firstboot first.sh -a "$img"
	assert_success
	[ "$(dls "$img" /usr/lib/virt-sysprep/scripts | tr '\n' ' ')" = "0001-command 0002-first-sh " ]
	[ "$(dcat "$img" /usr/lib/virt-sysprep/scripts/0001-command)" = "$(printf '#!/bin/sh\ntouch /ran')" ]
	[ "$(dcat "$img" /usr/lib/virt-sysprep/scripts/0002-first-sh)" = "echo from a file" ]
	debugfs -R "stat /usr/lib/virt-sysprep/firstboot.sh" "$img" 2>/dev/null | grep -q "Mode:  0755"
	dcat "$img" /etc/systemd/system/guestfs-firstboot.service |
		grep -q '^ExecStart=/usr/lib/virt-sysprep/firstboot.sh$'
	debugfs -R "stat /etc/systemd/system/multi-user.target.wants/guestfs-firstboot.service" \
		"$img" 2>/dev/null | grep -q 'link dest: "/etc/systemd/system/guestfs-firstboot.service"'
	# the runner, run on a copy of the tree, runs each script once
	mkdir -p g/usr/lib/virt-sysprep/scripts g/root
	dcat "$img" /usr/lib/virt-sysprep/firstboot.sh |
		sed "s|^dir=.*|dir=$PWD/g/usr/lib/virt-sysprep|; s|^log=.*|log=$PWD/g/root/log|" >g/run.sh
	printf '#!/bin/sh\necho ran >>%s/count\n' "$PWD" >g/usr/lib/virt-sysprep/scripts/0001-x
	sh g/run.sh
	sh g/run.sh
	[ "$(cat count)" = ran ]
	# a second run numbers on
	cust --firstboot-command 'true' -a "$img"
	assert_success
	dhas "$img" /usr/lib/virt-sysprep/scripts/0003-command
}

@test "vm-sysprep --firstboot-command on RHEL 6: a SysV init script, S99 links" {
	img=$(guest rhel6.raw)
	cust --firstboot-command 'touch /ran' -a "$img"
	assert_success
	debugfs -R "stat /etc/rc.d/init.d/guestfs-firstboot" "$img" 2>/dev/null | grep -q "Mode:  0755"
	for l in 2 3 5; do
		debugfs -R "stat /etc/rc.d/rc$l.d/S99guestfs-firstboot" "$img" 2>/dev/null |
			grep -q 'link dest: "../init.d/guestfs-firstboot"'
	done
	! dhas "$img" /etc/systemd
	fsck_clean "$img"
}

@test "vm-sysprep --commands-from-file: the options one a line, in their place" {
	img=$(guest debian.raw)
	printf '# comment\nhostname web9\n\n  write /etc/motd:hello world\n' >cmds
	cust --write /etc/motd:first --commands-from-file cmds --append-line /etc/motd:last -a "$img"
	assert_success
	[ "$(dcat "$img" /etc/hostname)" = web9 ]
	[ "$(dcat "$img" /etc/motd)" = "$(printf 'hello world\nlast')" ]
	printf 'install vim\n' >bad
	cust --commands-from-file bad -a "$img"
	[ "$status" -eq 2 ]
	assert_output --partial "bad: install: needs the guest's own programs"
	printf 'frobnicate x\n' >bad
	cust --commands-from-file bad -a "$img"
	[ "$status" -eq 2 ]
	assert_output --partial "'frobnicate' is not a customize command"
}

@test "vm-sysprep --password-crypto sha256: a \$5\$ hash; an unknown method is a usage error" {
	img=$(guest debian.raw)
	cust --password-crypto sha256 --root-password password:pw -a "$img"
	assert_success
	hash=$(dcat "$img" /etc/shadow | grep '^root:' | cut -d: -f2)
	[ "${hash:0:3}" = '$5$' ]
	[ "$(python3 -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))' \
		pw "$hash" 2>/dev/null)" = "$hash" ]
	cust --password-crypto des --root-password password:pw -a "$img"
	[ "$status" -eq 2 ]
	assert_output --partial "--password-crypto: 'des': use md5, sha256 or sha512"
}
