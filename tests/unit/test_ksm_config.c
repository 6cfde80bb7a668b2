/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ksm_config.c - ksmtuned.conf as ksm-tune reads it: keys, defaults, quoting, refusals */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"

/* ksm-tune's modules, linked from its archive (see the Makefile). */
#include "../../tools/ksm-tune/ksm.h"

static char warned[1024];

static void record_warn(const char *path, const char *msg)
{
	(void)path;
	snprintf(warned + strlen(warned), sizeof(warned) - strlen(warned), "%s;", msg);
}

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *conf_file(const char *text, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_ksm_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static int load(struct ksm_conf *c, const char *text, struct vu_err *e)
{
	const char *path = conf_file(text, strlen(text));
	int r;

	warned[0] = '\0';
	ksm_conf_defaults(c);
	r = ksm_conf_load(c, path, false, record_warn, e);
	unlink(path);
	return r;
}

static void test_defaults(void **state)
{
	struct ksm_conf c;

	(void)state;
	ksm_conf_defaults(&c);
	assert_int_equal(c.monitor_interval, 60);
	assert_int_equal(c.sleep_msec, 10);
	assert_int_equal(c.npages_boost, 300);
	assert_int_equal(c.npages_decay, -50);
	assert_int_equal(c.npages_min, 64);
	assert_int_equal(c.npages_max, 1250);
	assert_int_equal(c.thres_coef, 20);
	assert_int_equal(c.thres_const, 2048);
	assert_string_equal(c.logfile, "");
	assert_false(c.debug);
	assert_string_equal(c.pidfile, "");
}

static void test_shipped_file(void **state)
{
	/* Debian's ksmtuned.conf has every line commented out. */
	static const char text[] =
		"# Configuration file for ksmtuned.\n\n"
		"# KSM_MONITOR_INTERVAL=60\n# KSM_SLEEP_MSEC=10\n"
		"# LOGFILE=/var/log/ksmtuned\n# DEBUG=1\n";
	struct ksm_conf c, d;
	struct vu_err e;

	(void)state;
	assert_int_equal(load(&c, text, &e), 0);
	ksm_conf_defaults(&d);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_string_equal(warned, "");
}

static void test_every_key(void **state)
{
	static const char text[] =
		"KSM_MONITOR_INTERVAL=30\n"
		"KSM_SLEEP_MSEC=\"20\"  # after the value\n"
		"  KSM_NPAGES_BOOST='500'\n"
		"export KSM_NPAGES_DECAY=-100\n"
		"KSM_NPAGES_MIN=+32\n"
		"KSM_NPAGES_MAX=2000\n"
		"KSM_THRES_COEF=10\n"
		"KSM_THRES_CONST=4096\n"
		"LOGFILE=\"/var/log/my \\\"ksm\\\" log\"\n"
		"DEBUG=0\n"
		"PIDFILE=/run/k\\ t.pid";	/* no final newline */
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	assert_int_equal(load(&c, text, &e), 0);
	assert_int_equal(c.monitor_interval, 30);
	assert_int_equal(c.sleep_msec, 20);
	assert_int_equal(c.npages_boost, 500);
	assert_int_equal(c.npages_decay, -100);
	assert_int_equal(c.npages_min, 32);
	assert_int_equal(c.npages_max, 2000);
	assert_int_equal(c.thres_coef, 10);
	assert_int_equal(c.thres_const, 4096);
	assert_string_equal(c.logfile, "/var/log/my \"ksm\" log");
	assert_true(c.debug);	/* [ -n "$DEBUG" ]: "0" is set */
	assert_string_equal(c.pidfile, "/run/k t.pid");
}

static void test_empty_values(void **state)
{
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	assert_int_equal(load(&c, "KSM_NPAGES_BOOST=7\nKSM_NPAGES_BOOST=\nDEBUG=1\nDEBUG=''\n",
			      &e), 0);
	assert_int_equal(c.npages_boost, 300);
	assert_false(c.debug);
}

static void test_unknown_key_warns(void **state)
{
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	assert_int_equal(load(&c, "# c\nKSM_NPAGES_BOST=9\nFOO=bar\n", &e), 0);
	assert_string_equal(warned, "line 2: unknown key KSM_NPAGES_BOST, ignored;"
			    "line 3: unknown key FOO, ignored;");
}

struct bad_case {
	const char *text;
	const char *msg;
};

static void test_refusals(void **state)
{
	static const struct bad_case cases[] = {
		{ "KSM_NPAGES_MIN=abc\n", "line 1: KSM_NPAGES_MIN: 'abc' is not an integer" },
		{ "\n\nKSM_NPAGES_MIN=-\n", "line 3: KSM_NPAGES_MIN: '-' is not an integer" },
		{ "KSM_NPAGES_MIN= 5\n", "line 1: unexpected text after the value of KSM_NPAGES_MIN" },
		{ "KSM_THRES_COEF=101\n", "line 1: KSM_THRES_COEF: 101 is out of range (0..100)" },
		{ "KSM_MONITOR_INTERVAL=0\n",
		  "line 1: KSM_MONITOR_INTERVAL: 0 is out of range (1..2147483647)" },
		{ "KSM_SLEEP_MSEC=4294967296\n",
		  "line 1: KSM_SLEEP_MSEC: 4294967296 is out of range (0..4294967295)" },
		{ "KSM_THRES_CONST=9223372036854775808\n",
		  "line 1: KSM_THRES_CONST: 9223372036854775808 is out of range (0..1125899906842624)" },
		{ "KSM X=1\n", "line 1: not a KEY=value assignment" },
		{ "=1\n", "line 1: not a KEY=value assignment" },
		{ "KSM_X\n", "line 1: not a KEY=value assignment" },
		{ "if true; then\n", "line 1: not a KEY=value assignment" },
		{ "A='x\n", "line 1: A: unterminated quote" },
		{ "A=\"x\n", "line 1: A: unterminated quote" },
		{ "A=$HOME\n", "line 1: A: shell expansion is not supported" },
		{ "A=\"${HOME}\"\n", "line 1: A: shell expansion is not supported" },
		{ "A=`id`\n", "line 1: A: shell expansion is not supported" },
		{ "A=1;B=2\n", "line 1: A: only KEY=value assignments are supported" },
		{ "A=1|x\n", "line 1: A: only KEY=value assignments are supported" },
		{ "A=1 \\\n", "line 1: unexpected text after the value of A" },
		{ "A=1\\\n", "line 1: A: line continuation is not supported" },
		{ "KSM_NPAGES_BOOST=09\n", "line 1: KSM_NPAGES_BOOST: '09': value too great "
		  "for base (a leading 0 is octal)" },
		{ "KSM_SLEEP_MSEC=-0178\n", "line 1: KSM_SLEEP_MSEC: '-0178': value too great "
		  "for base (a leading 0 is octal)" },
		{ "KSM_SLEEP_MSEC=0xg\n", "line 1: KSM_SLEEP_MSEC: '0xg' is not an integer" },
		{ "KSM_SLEEP_MSEC=0x-1\n", "line 1: KSM_SLEEP_MSEC: '0x-1' is not an integer" },
		{ "KSM_THRES_COEF=0x65\n", "line 1: KSM_THRES_COEF: 0x65 is out of range (0..100)" },
		{ "KSM_NPAGES_MIN=0x10\n", "line 1: KSM_NPAGES_MIN: '0x10' is not an integer" },
	};
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = load(&c, cases[i].text, &e);

		if (r != -EINVAL || strcmp(vu_err_str(&e), cases[i].msg))
			fail_msg("'%s': %d '%s'", cases[i].text, r, vu_err_str(&e));
	}
}

/* As ksmtuned's bash reads them: $[...] keys octal and hex, the keys it
 * compares with [ -lt ] (and sleep's) decimal. */
static void test_bash_numbers(void **state)
{
	static const char text[] =
		"KSM_NPAGES_BOOST=010\n"
		"KSM_NPAGES_DECAY=-010\n"
		"KSM_SLEEP_MSEC=0x10\n"
		"KSM_THRES_COEF=0X1a\n"
		"KSM_NPAGES_MIN=010\n"
		"KSM_NPAGES_MAX=+0100\n"
		"KSM_THRES_CONST=02048\n"
		"KSM_MONITOR_INTERVAL=010\n";
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	assert_int_equal(load(&c, text, &e), 0);
	assert_int_equal(c.npages_boost, 8);
	assert_int_equal(c.npages_decay, -8);
	assert_int_equal(c.sleep_msec, 16);
	assert_int_equal(c.thres_coef, 26);
	assert_int_equal(c.npages_min, 10);
	assert_int_equal(c.npages_max, 100);
	assert_int_equal(c.thres_const, 2048);
	assert_int_equal(c.monitor_interval, 10);
	assert_int_equal(load(&c, "KSM_NPAGES_BOOST=0x\nKSM_NPAGES_DECAY=0\n", &e), 0);
	assert_int_equal(c.npages_boost, 0);
	assert_int_equal(c.npages_decay, 0);
	assert_int_equal(load(&c, "KSM_NPAGES_BOOST=-0x7fffffff\n", &e), 0);
	assert_int_equal(c.npages_boost, -INT32_MAX);
}

static void test_error_leaves_conf(void **state)
{
	static const char text[] = "KSM_NPAGES_BOOST=1\nKSM_NPAGES_MIN=x\n";
	const char *path = conf_file(text, sizeof(text) - 1);
	struct ksm_conf c, d;
	struct vu_err e;

	(void)state;
	ksm_conf_defaults(&c);
	c.npages_max = 77;
	d = c;
	assert_int_equal(ksm_conf_load(&c, path, false, NULL, &e), -EINVAL);
	assert_memory_equal(&c, &d, sizeof(c));
	unlink(path);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "DEBUG=1\nKSM_NPAGES_MIN=5\0x\n";
	const char *path = conf_file(text, sizeof(text) - 1);
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	ksm_conf_defaults(&c);
	assert_int_equal(ksm_conf_load(&c, path, false, NULL, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "line 2: NUL byte");
	unlink(path);
}

static void test_missing_file(void **state)
{
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	ksm_conf_defaults(&c);
	assert_int_equal(ksm_conf_load(&c, "/nonexistent/ksmtuned.conf", true, NULL, &e), 0);
	assert_int_equal(ksm_conf_load(&c, "/nonexistent/ksmtuned.conf", false, NULL, &e),
			 -ENOENT);
	assert_string_equal(vu_err_str(&e), strerror(ENOENT));
	/* A directory is not a file, whatever missing_ok says. */
	assert_int_equal(ksm_conf_load(&c, "/", true, NULL, &e), -EISDIR);
}

/* Devices and FIFOs are refused before a byte is read: /dev/zero would
 * never end, a FIFO would wait for a writer. */
static void test_not_regular(void **state)
{
	char fifo[] = "/tmp/test_ksm_config.fifoXXXXXX";
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	ksm_conf_defaults(&c);
	assert_int_equal(ksm_conf_load(&c, "/dev/zero", false, NULL, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "not a regular file");
	assert_non_null(mkdtemp(fifo));
	assert_int_equal(chdir(fifo), 0);
	assert_int_equal(mkfifo("f", 0600), 0);
	assert_int_equal(ksm_conf_load(&c, "f", true, NULL, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "not a regular file");
	unlink("f");
	assert_int_equal(chdir("/"), 0);
	rmdir(fifo);
}

/* 64 KiB at most, comments included. */
static void test_size_limit(void **state)
{
	static char text[64 * 1024 + 1];
	const char *path;
	struct ksm_conf c;
	struct vu_err e;

	(void)state;
	memset(text, '#', sizeof(text));
	for (size_t i = 63; i < sizeof(text); i += 64)
		text[i] = '\n';
	text[sizeof(text) - 2] = '\n';
	ksm_conf_defaults(&c);
	path = conf_file(text, sizeof(text) - 1);
	assert_int_equal(ksm_conf_load(&c, path, false, NULL, &e), 0);
	unlink(path);
	path = conf_file(text, sizeof(text));
	assert_int_equal(ksm_conf_load(&c, path, false, NULL, &e), -EFBIG);
	assert_string_equal(vu_err_str(&e), "larger than 64 KiB");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_unknown_key_warns),
		cmocka_unit_test(test_bash_numbers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_error_leaves_conf),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_size_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
