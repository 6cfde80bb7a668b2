/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_diag.c - diagnostics, option helpers and error records */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/diag.h"
#include "vu/err.h"
#include "vu/opts.h"

/* Runs fn in a child with stdout and stderr captured; returns its status. */
static int capture(void (*fn)(void), char *out, size_t outlen, char *err, size_t errlen)
{
	int po[2], pe[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		fn();
		fflush(NULL);
		_exit(99);
	}
	close(po[1]);
	close(pe[1]);
	n = read(po[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, errlen - 1);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]);
	close(pe[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void do_warn(void) { errno = ENOENT; vu_warn("%s: cannot open", "a.xml"); }
static void do_warnx(void) { vu_warnx("%s: bad name", "pool"); }
static void do_warnc(void) { vu_warnc(-EACCES, "%s", "dir"); }
static void do_err(void) { errno = ENOSPC; vu_die(1, "%s: write", "img"); }
static void do_errx(void) { vu_diex(3, "plain"); }
static void do_errc(void) { vu_diec(1, EEXIST, "%s", "vm1"); }
static void do_usage(void) { vu_die_usage(2, "unexpected argument '%s'", "x"); }
static void do_version(void) { vu_print_version(); }
static void do_errx_newline(void) { vu_diex(1, "%s: invalid name", "a\nb\tc\x7f"); }

static void test_warn_family(void **state)
{
	char out[256], err[256];
	const char *p = program_invocation_short_name;
	char want[256];

	(void)state;
	assert_int_equal(capture(do_warn, out, sizeof(out), err, sizeof(err)), 99);
	snprintf(want, sizeof(want), "%s: a.xml: cannot open: %s\n", p, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_string_equal(out, "");
	capture(do_warnx, out, sizeof(out), err, sizeof(err));
	snprintf(want, sizeof(want), "%s: pool: bad name\n", p);
	assert_string_equal(err, want);
	capture(do_warnc, out, sizeof(out), err, sizeof(err));
	snprintf(want, sizeof(want), "%s: dir: %s\n", p, strerror(EACCES));
	assert_string_equal(err, want);
}

static void test_err_family_exits(void **state)
{
	char out[256], err[256], want[256];
	const char *p = program_invocation_short_name;

	(void)state;
	assert_int_equal(capture(do_err, out, sizeof(out), err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: img: write: %s\n", p, strerror(ENOSPC));
	assert_string_equal(err, want);
	assert_int_equal(capture(do_errx, out, sizeof(out), err, sizeof(err)), 3);
	snprintf(want, sizeof(want), "%s: plain\n", p);
	assert_string_equal(err, want);
	assert_int_equal(capture(do_errc, out, sizeof(out), err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: vm1: %s\n", p, strerror(EEXIST));
	assert_string_equal(err, want);
	/* One line, whatever the message quotes. */
	assert_int_equal(capture(do_errx_newline, out, sizeof(out), err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: a\\nb\\x09c\\x7f: invalid name\n", p);
	assert_string_equal(err, want);
}

static void test_usage_error_points_to_help(void **state)
{
	char out[256], err[512], want[512];
	const char *p = program_invocation_short_name;

	(void)state;
	assert_int_equal(capture(do_usage, out, sizeof(out), err, sizeof(err)), 2);
	snprintf(want, sizeof(want), "%s: unexpected argument 'x'\n"
		 "Try '%s --help' for more information.\n", p, p);
	assert_string_equal(err, want);
}

static void test_version_on_stdout(void **state)
{
	char out[256], err[256], want[256];

	(void)state;
	assert_int_equal(capture(do_version, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s from virtutils %s\n",
		 program_invocation_short_name, VU_VERSION);
	assert_string_equal(out, want);
	assert_string_equal(err, "");
}

enum { OPT_DEFINE = 256, OPT_PRINT };
static const struct option longopts[] = {
	{ "define", no_argument, NULL, OPT_DEFINE },
	{ "print-xml", no_argument, NULL, OPT_PRINT },
	{ "quiet", no_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 }
};
static const vu_excl_t excl[] = {
	{ 'q', OPT_DEFINE, OPT_PRINT },
	{ 0 }
};

static void do_excl_conflict(void)
{
	int status[1] = { 0 };

	vu_excl_check(excl, status, OPT_DEFINE, longopts, 2);
	vu_excl_check(excl, status, OPT_DEFINE, longopts, 2);	/* repeating is fine */
	vu_excl_check(excl, status, 'x', longopts, 2);		/* not in a row */
	vu_excl_check(excl, status, OPT_PRINT, longopts, 2);
}

/* img-convert's usage status is qemu-img's 1. */
static void do_excl_status_1(void)
{
	int status[1] = { 0 };

	vu_excl_check(excl, status, 'q', longopts, 1);
	vu_excl_check(excl, status, OPT_DEFINE, longopts, 1);
}

static void test_exclusive_options(void **state)
{
	char out[256], err[512];

	(void)state;
	assert_int_equal(capture(do_excl_conflict, out, sizeof(out), err, sizeof(err)), 2);
	assert_non_null(strstr(err, "options --define and --print-xml cannot be combined"));
}

static void test_exclusive_options_status(void **state)
{
	char out[256], err[512];

	(void)state;
	assert_int_equal(capture(do_excl_status_1, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "options --quiet and --define cannot be combined\n"
				    "Try '"));
}

static void test_opt_name(void **state)
{
	char buf[3];

	(void)state;
	assert_string_equal(vu_opt_name(OPT_PRINT, longopts, buf), "print-xml");
	assert_string_equal(vu_opt_name('z', longopts, buf), "-z");
}

static void test_err_record(void **state)
{
	struct vu_err e;

	(void)state;
	assert_int_equal(vu_err_set(&e, ENOENT, NULL), -ENOENT);
	assert_string_equal(vu_err_str(&e), strerror(ENOENT));
	assert_int_equal(vu_err_set(&e, -EINVAL, "l1 table at %d", 7), -EINVAL);
	assert_int_equal(e.code, EINVAL);
	assert_string_equal(vu_err_str(&e), "l1 table at 7");
	vu_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_int_equal(vu_err_set(NULL, EIO, "nobody listens"), -EIO);
	assert_string_equal(vu_err_str(NULL), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warn_family),
		cmocka_unit_test(test_err_family_exits),
		cmocka_unit_test(test_usage_error_points_to_help),
		cmocka_unit_test(test_version_on_stdout),
		cmocka_unit_test(test_exclusive_options),
		cmocka_unit_test(test_exclusive_options_status),
		cmocka_unit_test(test_opt_name),
		cmocka_unit_test(test_err_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
