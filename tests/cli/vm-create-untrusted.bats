#!/usr/bin/env bats
# vm-create --define beside definitions it cannot trust (a hostile or
# hand-broken file in domains/), and the mode of what it stores.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

create() {
	vm-create --name "$1" --memory 64 --disk none --import --define "${@:2}"
}

@test "a bad file in domains/ is reported and skipped, not blocking a define" {
	create web0 -q
	# 200 000 attributes on one element: libxml2 alone would take minutes.
	python3 -c "import sys; sys.stdout.write('<domain type=\"qemu\">\n<name>bad</name><x ' +
		' '.join('a%d=\"1\"' % i for i in range(200000)) + '/></domain>')" \
		>"$VIRTUTILS_ROOT/domains/bad.xml"
	echo '<domain type="qemu"><name>../../evil</name></domain>' >"$VIRTUTILS_ROOT/domains/evil.xml"
	run --separate-stderr timeout 20 vm-create --name web1 --memory 64 --disk none --import --define
	assert_success
	assert_equal "${#stderr_lines[@]}" 3
	assert_equal "${stderr_lines[0]}" "vm-create: $VIRTUTILS_ROOT/domains/bad.xml: line 2: an element with more than 1000 attributes (skipped)"
	[[ ${stderr_lines[1]} == "vm-create: $VIRTUTILS_ROOT/domains/evil.xml: invalid domain name '../../evil': "*" (skipped)" ]] ||
		fail "${stderr_lines[1]}"
	assert_equal "${stderr_lines[2]}" "Domain 'web1' defined in $VIRTUTILS_ROOT"
	[ -f "$VIRTUTILS_ROOT/domains/web1.xml" ]
	# Names, UUIDs and MACs are still checked against the readable ones.
	run --separate-stderr vm-create -q --name web0 --memory 64 --disk none --import --define
	assert_failure 1
	assert_equal "${stderr_lines[-1]}" "vm-create: web0: domain 'web0' already exists"
}

@test "--define writes the definition 0600 whatever the umask" {
	(umask 022 && create web1 -q --graphics vnc,password=secret)
	assert_equal "$(stat -c %a "$VIRTUTILS_ROOT/domains/web1.xml")" 600
	grep -q "passwd=\"secret\"" "$VIRTUTILS_ROOT/domains/web1.xml"
	# A umask that would leave it unreadable to its owner's tools, too.
	(umask 0277 && create web2 -q)
	assert_equal "$(stat -c %a "$VIRTUTILS_ROOT/domains/web2.xml")" 600
}
