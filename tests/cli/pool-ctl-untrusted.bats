#!/usr/bin/env bats
# pool-ctl given pool and volume documents it cannot trust: names by the
# command line's rule, errors on one line; and the mode of what it stores.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	mkdir -p "$BATS_TEST_TMPDIR/t"
	pool-ctl -q pool-list >/dev/null	# the state root and its default pool
}

# pool NAME [EXTRA]: a dir pool on T/t, EXTRA before </pool>.
pool() {
	printf "<pool type='dir'><name>%s</name><target><path>%s/t</path></target>%s</pool>\n" \
		"$1" "$BATS_TEST_TMPDIR" "${2:-}"
}

# One line on stderr holding $1, status 1, and no definition but default's.
assert_refused() {
	assert_equal "$status" 1
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "not one line on stderr: $stderr"
	[[ $stderr == pool-ctl:*"$1"* ]] || fail "stderr lacks '$1': $stderr"
	run ls "$VIRTUTILS_ROOT/pools"
	assert_output default.xml
}

@test "names in pool and volume documents follow the command line's rule, in one line" {
	local rule="letters, digits and _.+:- only, not first . or -, 1 to 255 bytes"
	pool "../../x" >p.xml
	run --separate-stderr pool-ctl pool-define p.xml
	assert_refused "p.xml: invalid pool name '../../x': $rule"
	pool $'p\nq' >p.xml
	run --separate-stderr pool-ctl pool-define p.xml
	assert_refused "p.xml: invalid pool name 'p\nq': $rule"
	pool "$(printf 'a%.0s' {1..300})" >p.xml
	run --separate-stderr pool-ctl pool-define p.xml
	assert_refused "...': $rule"
	printf '<volume><name>v\n../w</name><capacity>1024</capacity></volume>\n' >v.xml
	run --separate-stderr pool-ctl vol-create default v.xml
	assert_refused "invalid volume name 'v\n../w': $rule"
	run ls -A "$VIRTUTILS_ROOT/images"
	assert_output ''
}

@test "errors are one line: invalid UTF-8, a NUL byte, a newline in a value" {
	pool $'p\xffq' >p.xml
	run --separate-stderr pool-ctl pool-define p.xml
	assert_refused "not proper UTF-8, indicate encoding ! Bytes: 0xFF"
	{ pool p; printf '\0<junk/>'; } >p.xml
	run --separate-stderr pool-ctl pool-define p.xml
	assert_refused "p.xml: line 2: a NUL byte (XML allows none)"
	printf "<pool type='dir'><name>p</name><target><path>rel\native</path></target></pool>" >p.xml
	run --separate-stderr pool-ctl pool-define p.xml
	assert_refused "target path 'rel\native' is not absolute"
	run --separate-stderr pool-ctl pool-info $'no\nsuch'
	assert_refused "no\nsuch: "
}

@test "pool definitions are 0600 whatever the umask" {
	pool p >p.xml
	(umask 0277 && pool-ctl -q pool-define p.xml)
	assert_equal "$(stat -c %a "$VIRTUTILS_ROOT/pools/p.xml")" 600
	(umask 022 && pool-ctl -q pool-define-as q dir --target "$BATS_TEST_TMPDIR/q")
	assert_equal "$(stat -c %a "$VIRTUTILS_ROOT/pools/q.xml")" 600
}
