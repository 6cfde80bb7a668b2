#!/usr/bin/env bats
# What every tool ships with, and the build targets the README promises.

load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
}

tools() {
	local d
	for d in "$TOP"/tools/*/; do
		basename "$d"
	done
}

@test "every tool has a man page that mandoc finds clean" {
	local t
	for t in $(tools); do
		[ -f "$TOP/man/$t.1" ] || fail "$t has no man page"
	done
	run mandoc -Tlint -Wwarning "$TOP"/man/*.1 "$TOP"/man/*.7
	assert_success
	assert_output ""
}

@test "every tool has a bash completion that parses and registers itself" {
	local t
	for t in $(tools); do
		[ -f "$TOP/completions/bash/$t" ] || fail "$t has no completion"
		bash -n "$TOP/completions/bash/$t"
		run bash -c "source /usr/share/bash-completion/bash_completion 2>/dev/null
			source '$TOP/completions/bash/$t'; complete -p $t"
		assert_success
		assert_output --partial " $t"
	done
}

@test "every tool answers --help on stdout and --version" {
	local t
	for t in $(tools); do
		run --separate-stderr "$t" --help
		assert_success
		assert_output --partial "Usage:"
		assert_output --partial "$t(1)"
		[ -z "$stderr" ] || fail "$t --help wrote to stderr"
		run "$t" --version
		assert_success
		assert_output --regexp "^$t from virtutils "
	done
}

@test "img-convert's completion offers subcommands and formats" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run complete_lines img-convert \
		'img-convert co' \
		'img-convert convert -O '
	assert_success
	assert_line --index 0 "convert compare commit"
	assert_line --index 1 "raw qcow2"
}

@test "make install honours DESTDIR and PREFIX" {
	run make -C "$TOP" --no-print-directory install DESTDIR="$BATS_TEST_TMPDIR/dest" PREFIX=/opt/vu
	assert_success
	local t
	for t in $(tools); do
		[ -x "$BATS_TEST_TMPDIR/dest/opt/vu/bin/$t" ] || fail "$t not installed"
		[ -f "$BATS_TEST_TMPDIR/dest/opt/vu/share/man/man1/$t.1" ] || fail "$t.1 not installed"
		[ -f "$BATS_TEST_TMPDIR/dest/opt/vu/share/bash-completion/completions/$t" ] ||
			fail "$t completion not installed"
	done
	[ -f "$BATS_TEST_TMPDIR/dest/opt/vu/share/man/man7/virtutils.7" ]
}

@test "make deps on a ready machine installs nothing" {
	run make -C "$TOP" --no-print-directory deps
	assert_success
	assert_output ""
}

@test "make lint finds nothing" {
	command -v cppcheck >/dev/null || skip "cppcheck is not installed"
	run make -C "$TOP" --no-print-directory lint
	assert_success
}

@test ".ci/run runs the README's test command" {
	grep -q 'make check' "$TOP/README.md"
	grep -q 'make demo' "$TOP/README.md"
	grep -q '^exec make check$' "$TOP/.ci/run"
}

@test "make demo runs its pipeline in ./demo-root and checks its result" {
	run make -C "$TOP" --no-print-directory demo
	assert_success
	assert_output --partial "Images are identical."
	[ -f "$TOP/demo-root/images/disk.raw" ]
}
