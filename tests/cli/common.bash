# Shared set-up for the bats suites: assertions, the tools on PATH, and a
# state root of the test's own.
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

# need_root WHY: skips unless root, saying what root is needed for.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root ($1)"
}
