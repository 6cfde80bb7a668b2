#!/usr/bin/env bats
# vm-clone given documents an attacker or a careless hand wrote: names that
# climb out of their directory, values libvirt refuses, errors that must
# stay one line; and the mode of what --define stores.

load common
bats_require_minimum_version 1.5.0

RNG=/usr/share/libvirt/schemas/domain.rng

setup() {
	common_setup
	T=$BATS_TEST_TMPDIR
	truncate -s 1M "$T/d.raw"
}

# dom NAME [MEMORY [VCPUS]]: a small domain on T/d.raw.
dom() {
	cat <<-EOF
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='KiB'>${2:-65536}</memory>
	  <vcpu>${3:-1}</vcpu>
	  <os><type arch='x86_64'>hvm</type></os>
	  <devices>
	    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$T/d.raw'/><target dev='vda' bus='virtio'/></disk>
	  </devices>
	</domain>
	EOF
}

# One line on stderr, holding $1; nothing defined, no disk copied.
assert_refused() {
	assert_equal "$status" 1
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "not one line on stderr: $stderr"
	[[ $stderr == vm-clone:*"$1"* ]] || fail "stderr lacks '$1': $stderr"
	run ls -A "$VIRTUTILS_ROOT/domains"
	assert_output ''
	run bash -c "ls '$T' | grep -- '^d-clone'"
	assert_output ''
}

# The report: the reservation of a clone's name was a path made of the
# name, so enough ../ from RUN/reserve/.vm-clone-domains reached any file.
climbing_name() {
	local up=$VIRTUTILS_ROOT/run/reserve/.vm-clone-domains ups=
	for _ in $(seq "$(tr -cd / <<<"$up" | wc -c)"); do ups+=../; done
	echo "$ups${T#/}/victim"
}

@test "a name that climbs out of the run directory creates and deletes nothing" {
	name=$(climbing_name)
	for define in "" --define; do
		# No victim-clone: none may appear.
		dom "$name" >evil.xml
		run --separate-stderr vm-clone --original-xml - --auto-clone $define <evil.xml
		assert_refused "invalid domain name '../../"
		[ ! -e "$T/victim-clone" ] || fail "victim-clone was created ($define)"
		# A victim-clone of its own: it must survive.
		echo keep >"$T/victim-clone"
		run --separate-stderr vm-clone --original-xml - --auto-clone $define <evil.xml
		rm -f evil.xml
		assert_refused "invalid domain name '../../"
		assert_equal "$(cat "$T/victim-clone")" keep
		rm "$T/victim-clone"
	done
}

@test "a 300-byte name fails with the name rule, not 'File name too long'" {
	dom "$(printf 'a%.0s' {1..300})" >long.xml
	run --separate-stderr vm-clone --original-xml long.xml --auto-clone
	rm long.xml
	assert_refused "long.xml: invalid domain name 'aaaa"
	[[ $stderr == *"...': letters, digits and _.+:- only, not first . or -, 1 to 255 bytes" ]] ||
		fail "not the name rule: $stderr"
}

@test "--define refuses memory and vCPU counts libvirt refuses, naming the element" {
	for m in -5 1180591620717411303424 12abc 0; do
		dom web "$m" >bad.xml
		run --separate-stderr vm-clone --original-xml bad.xml --auto-clone --define
		assert_refused "web-clone: <memory>: "
	done
	for v in 0 70000 two; do
		dom web 65536 "$v" >bad.xml
		run --separate-stderr vm-clone --original-xml bad.xml --auto-clone --define
		assert_refused "web-clone: <vcpu>: '$v' is not a count from 1 to 65535"
	done
	sed 's|<memory|<currentMemory>1x</currentMemory><memory|' <(dom web) >bad.xml
	run --separate-stderr vm-clone --original-xml bad.xml --auto-clone --define
	assert_refused "web-clone: <currentMemory>: '1x' is not a whole number"
	rm bad.xml
}

@test "--print-xml passes bad values through, as virt-clone's does" {
	dom web -5 >bad.xml
	run -0 vm-clone -q --original-xml bad.xml --auto-clone --print-xml
	assert_output --partial '<memory unit="KiB">-5</memory>'
}

@test "--define refuses what libvirt's schema refuses" {
	[ -f "$RNG" ] || skip "libvirt's schemas are not installed"
	sed 's|</devices>|</devices><no-such-element/>|' <(dom web) >bad.xml
	run --separate-stderr vm-clone --original-xml bad.xml --auto-clone --define
	rm bad.xml
	assert_refused "web-clone: not valid per libvirt's schema: line "
	# The same document is fine without it.
	dom web >good.xml
	run -0 vm-clone -q --original-xml good.xml --auto-clone --define
	xmllint --noout --relaxng "$RNG" "$VIRTUTILS_ROOT/domains/web-clone.xml"
}

@test "errors are one line: invalid UTF-8, a newline in a name, a NUL byte" {
	dom $'w\xffb' >utf.xml
	dom $'w\nb' >nl.xml
	{ dom web; printf '\0<junk/>'; } >nul.xml
	for f in utf nl nul; do
		run --separate-stderr vm-clone --original-xml $f.xml --auto-clone
		[ "${#stderr_lines[@]}" -eq 1 ] || fail "$f: not one line on stderr: $stderr"
		assert_equal "$status" 1
	done
	run --separate-stderr vm-clone --original-xml utf.xml --auto-clone
	[[ $stderr == *"not proper UTF-8"*"Bytes: 0xFF"* ]] || fail "$stderr"
	run --separate-stderr vm-clone --original-xml nl.xml --auto-clone
	[[ $stderr == *"invalid domain name 'w\nb'"* ]] || fail "$stderr"
	run --separate-stderr vm-clone --original-xml nul.xml --auto-clone
	[[ $stderr == *"nul.xml: line 10: a NUL byte (XML allows none)" ]] || fail "$stderr"
	# A name on the command line, too.
	run --separate-stderr vm-clone --original-xml utf.xml --name $'a\nb' --auto-clone
	assert_equal "$status" 2
	[[ ${stderr_lines[0]} == "vm-clone: --name: invalid domain name 'a\nb'" ]] || fail "$stderr"
}

@test "--define writes the definition 0600 under umask 022" {
	dom web >web.xml
	sed -i "s|</devices>|<graphics type='vnc' passwd='secret'/></devices>|" web.xml
	(umask 022 && vm-clone -q --original-xml web.xml --auto-clone --define)
	assert_equal "$(stat -c %a "$VIRTUTILS_ROOT/domains/web-clone.xml")" 600
	# And when it replaces one.
	(umask 000 && vm-clone -q --original-xml web.xml -n web-clone --replace --file "$T/d2.raw" --define)
	assert_equal "$(stat -c %a "$VIRTUTILS_ROOT/domains/web-clone.xml")" 600
}
