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
	assert_line --index 1 "raw qcow2 vmdk vdi vpc vhdx qed"
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

@test "every command in the README's and man pages' examples exists" {
	# Each stage of each example pipeline starts with a program a newcomer
	# can run: one of our tools, or a command this machine has.
	local cmd missing=
	while IFS= read -r cmd; do
		[ -x "$TOP/bin/$cmd" ] || command -v "$cmd" >/dev/null || missing+=" $cmd"
	done < <(python3 - "$TOP" <<'PY'
import re, sys, glob
top = sys.argv[1]
blocks = re.findall(r"```sh\n(.*?)```", open(top + "/README.md").read(), re.S)
for m in glob.glob(top + "/man/*.[17]"):
    blocks += re.findall(r"^\.EX\n(.*?)^\.EE", open(m).read(), re.S | re.M)
for b in blocks:
    b = re.sub(r"\\\n", " ", b.replace("\\e", "\\"))
    for line in b.splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "$", "-", "<", "[")):
            continue
        for stage in re.split(r"\|\|?|&&|;", line):
            w = stage.split()
            if w and re.fullmatch(r"(vm|img|pool|net|ksm)-[a-z]+", w[0]):
                print(w[0])
PY
	)
	[ -z "$missing" ] || fail "examples name commands that do not exist:$missing"
}
