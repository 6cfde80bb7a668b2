# Shared set-up for the bats suites: assertions, the tools on PATH, a state
# root of the test's own, schema validation and bash completion runs.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH=$TOP/bin:$PATH

common_setup() {
	export VIRTUTILS_ROOT=$BATS_TEST_TMPDIR/root
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Fails unless the command died of nothing worse than an ordinary error.
assert_no_crash() {
	[ "$status" -lt 126 ] || fail "exit status $status: crashed or was killed"
}

# Where libvirt keeps the RelaxNG schemas every document we write must pass.
SCHEMAS=/usr/share/libvirt/schemas

# valid_xml FILE [SCHEMA]: FILE ("-": standard input) validates against
# libvirt's SCHEMA (domain.rng unless named: storagepool.rng, ...), else
# fails with xmllint's complaint; skips where the schemas are not installed.
valid_xml() {
	local rng=$SCHEMAS/${2:-domain.rng} what=$1
	[ "$what" != - ] || what="standard input"
	[ -f "$rng" ] || skip "libvirt's schemas are not installed"
	xmllint --noout --relaxng "$rng" "$1" 2>&1 || fail "$what: not valid per ${rng##*/}"
}

# complete_lines TOOL LINE...: for each command LINE, what TOOL's bash
# completion offers for its last word, space-separated on a line of its own;
# in a bash of its own with bash-completion's library loaded, as in an
# interactive shell.
complete_lines() {
	bash -c '
		. /usr/share/bash-completion/bash_completion
		# compopt works only inside a completion bash runs itself.
		compopt() { builtin compopt "$@" 2>/dev/null || :; }
		. "$1"
		complete=_${2//-/_}
		shift 2
		for line; do
			COMP_LINE=$line COMP_POINT=${#line} COMPREPLY=()
			read -ra COMP_WORDS <<<"$line"
			[[ $line == *" " ]] && COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			"$complete"
			echo "${COMPREPLY[*]}"
		done' sh "$TOP/completions/bash/$1" "$@"
}

# need_root WHY: skips unless root, saying what root is needed for.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root ($1)"
}

# verify_unit TOOL: contrib/TOOL.service passes systemd-analyze verify, with
# its ExecStart pointed at the built tool and the man page it names found.
verify_unit() {
	local tool=$1 unit=$TOP/contrib/$1.service
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	mkdir -p "$BATS_TEST_TMPDIR/man/man1"
	cp "$TOP/man/$tool.1" "$BATS_TEST_TMPDIR/man/man1/"
	sed "s|/usr/local/bin/$tool|$TOP/bin/$tool|" "$unit" >"$BATS_TEST_TMPDIR/$tool.service"
	run env MANPATH="$BATS_TEST_TMPDIR/man" systemd-analyze verify "$BATS_TEST_TMPDIR/$tool.service"
	assert_success
}
