/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_size.c - size parsing in every dialect, and qemu-img's human sizes */
#include <errno.h>
#include <fcntl.h>
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

#include "vu/base.h"
#include "vu/size.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)
#define PiB (1024ULL * TiB)
#define EiB (1024ULL * PiB)

struct ok_case {
	const char *in;
	uint64_t unit;
	uint64_t want;
};

struct bad_case {
	const char *in;
	int err;
};

static void check_ok(enum vu_size_dialect d, const struct ok_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 12345;
		int r = vu_parse_size(c[i].in, d, c[i].unit, &v);

		if (r != 0 || v != c[i].want)
			fail_msg("dialect %d: '%s' gave %d, %llu; want %llu", d, c[i].in,
				 r, (unsigned long long)v, (unsigned long long)c[i].want);
	}
}

static void check_bad(enum vu_size_dialect d, const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 12345;
		int r = vu_parse_size(c[i].in, d, 1, &v);

		if (r != c[i].err || v != 12345)
			fail_msg("dialect %d: '%s' gave %d (want %d), out %llu", d,
				 c[i].in, r, c[i].err, (unsigned long long)v);
	}
}

static void test_qemu_suffixes(void **state)
{
	static const struct ok_case ok[] = {
		{ "0", 1, 0 }, { "512", 1, 512 }, { "512b", 1, 512 }, { "512B", 1, 512 },
		{ "10K", 1, 10240 }, { "10k", 1, 10240 }, { "10KiB", 1, 10240 },
		{ "10kib", 1, 10240 }, { "1.5M", 1, 1572864 }, { "1M", 1, MiB },
		{ "2G", 1, 2 * GiB }, { "3T", 1, 3 * TiB }, { "4P", 1, 4 * PiB },
		{ "5E", 1, 5 * EiB }, { "1.5GiB", 1, 1536 * MiB },
		{ "0.1K", 1, 102 }, { "1.0B", 1, 1 }, { "007", 1, 7 },
		/* Fractions keep 18 digits: 2^64 - 2 after truncation. */
		{ "15.99999999999999999999E", 1, UINT64_MAX - 1 },
		{ "18446744073709551615", 1, UINT64_MAX },
		{ "8", 512, 4096 }, { "8B", 512, 8 },
	};
	(void)state;
	check_ok(VU_SIZE_QEMU, ok, ARRAY_SIZE(ok));
}

static void test_qemu_refuses(void **state)
{
	static const struct bad_case bad[] = {
		{ "", -EINVAL }, { "-1", -EINVAL }, { "+1", -EINVAL }, { " 1", -EINVAL },
		{ "1 ", -EINVAL }, { "1K ", -EINVAL }, { "K", -EINVAL }, { "1Q", -EINVAL },
		{ "10KB", -EINVAL }, { "1Kx", -EINVAL }, { "1.", -EINVAL }, { ".5K", -EINVAL },
		{ "1.5", -EINVAL }, { "1.5B", -EINVAL }, { "0x10", -EINVAL },
		{ "1e3", -EINVAL }, { "1,5K", -EINVAL }, { "1KiBs", -EINVAL },
		{ "1bytes", -EINVAL }, { "16E", -ERANGE }, { "16384P", -ERANGE },
		{ "18446744073709551616", -ERANGE }, { "99999999999999999999999", -ERANGE },
		{ "99999999999999999999999Q", -EINVAL },
	};
	uint64_t v;
	(void)state;
	check_bad(VU_SIZE_QEMU, bad, ARRAY_SIZE(bad));
	assert_int_equal(vu_parse_size(NULL, VU_SIZE_QEMU, 1, &v), -EINVAL);
	assert_int_equal(vu_parse_size("1", VU_SIZE_QEMU, 0, &v), -EINVAL);
}

static void test_virsh(void **state)
{
	static const struct ok_case ok[] = {
		{ "10", 1, 10 }, { "10", KiB, 10 * KiB }, { "10b", KiB, 10 },
		{ "10byte", KiB, 10 }, { "10Bytes", KiB, 10 }, { "10K", 1, 10240 },
		{ "10KiB", 1, 10240 }, { "10KB", 1, 10000 }, { "10kb", 1, 10000 },
		{ "2MB", 1, 2000000 }, { "2MiB", 1, 2 * MiB }, { "1GB", 1, 1000000000 },
		{ "1TB", 1, 1000000000000ULL }, { "1PB", 1, 1000000000000000ULL },
		{ "1EB", 1, 1000000000000000000ULL }, { "1e", 1, EiB },
	};
	static const struct bad_case bad[] = {
		{ "1.5G", -EINVAL }, { "1.0", -EINVAL }, { "-5", -EINVAL }, { "", -EINVAL },
		{ "1KX", -EINVAL }, { "1Kib ", -EINVAL }, { "19EB", -ERANGE },
		{ "16E", -ERANGE }, { "1 K", -EINVAL },
	};
	(void)state;
	check_ok(VU_SIZE_VIRSH, ok, ARRAY_SIZE(ok));
	check_bad(VU_SIZE_VIRSH, bad, ARRAY_SIZE(bad));
}

static void test_virtinstall(void **state)
{
	static const struct ok_case ok[] = {
		{ "8", GiB, 8 * GiB }, { "0.5", GiB, 536870912 }, { "1.25", GiB, 1342177280 },
		{ "2048", MiB, 2 * GiB }, { "512M", GiB, 512 * MiB }, { "100B", GiB, 100 },
		{ "0.001", GiB, 1073741 },
	};
	static const struct bad_case bad[] = {
		{ "1KB", -EINVAL }, { "-0.5", -EINVAL }, { "abc", -EINVAL },
		{ "0.5.5", -EINVAL },
	};
	(void)state;
	check_ok(VU_SIZE_VIRTINSTALL, ok, ARRAY_SIZE(ok));
	check_bad(VU_SIZE_VIRTINSTALL, bad, ARRAY_SIZE(bad));
	/* A default unit of GiB makes 2^34 GiB overflow. */
	uint64_t v;
	assert_int_equal(vu_parse_size("17179869184", VU_SIZE_VIRTINSTALL, GiB, &v), -ERANGE);
}

static void test_human(void **state)
{
	static const struct {
		uint64_t in;
		const char *want;
	} c[] = {
		{ 0, "0 B" }, { 1, "1 B" }, { 512, "512 B" }, { 999, "999 B" },
		/* 1000 already switches unit: qemu-img never prints four digits. */
		{ 1000, "0.977 KiB" }, { 1023, "0.999 KiB" }, { 1024, "1 KiB" },
		{ 1536, "1.5 KiB" }, { 1024000, "0.977 MiB" }, { 1023999, "1e+03 KiB" },
		{ 1073741824, "1 GiB" }, { 1610612736, "1.5 GiB" }, { 10737418240ULL, "10 GiB" },
		{ 1099511627776ULL, "1 TiB" }, { 123456789, "118 MiB" }, { PiB, "1 PiB" },
		{ EiB, "1 EiB" }, { UINT64_MAX, "16 EiB" },
	};
	char buf[32];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		assert_string_equal(vu_size_human(c[i].in, buf, sizeof(buf)), c[i].want);
	/* A short buffer is truncated, never overrun. */
	assert_string_equal(vu_size_human(1536, buf, 4), "1.5");
}

static void test_parse_u64(void **state)
{
	uint64_t v = 7;
	(void)state;
	assert_int_equal(vu_parse_u64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(vu_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(vu_parse_u64("101", 0, 100, &v), -ERANGE);
	assert_int_equal(vu_parse_u64("4", 5, 100, &v), -ERANGE);
	assert_int_equal(vu_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(vu_parse_u64("", 0, 100, &v), -EINVAL);
	assert_int_equal(vu_parse_u64("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(vu_parse_u64("1.5", 0, 100, &v), -EINVAL);
	assert_int_equal(vu_parse_u64("1K", 0, 100, &v), -EINVAL);
	assert_int_equal(vu_parse_u64(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(v, 7);
}

/* Runs vu_parse_size_or_die in a child; returns its status, stderr in err. */
static int or_die_child(const char *s, uint64_t *val, char *err, size_t errlen)
{
	int pfd[2], efd[2], status;
	pid_t pid;
	ssize_t n;

	fflush(NULL);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(pipe(efd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(efd[1], STDERR_FILENO);
		uint64_t v = vu_parse_size_or_die(s, VU_SIZE_QEMU, 1, "--size", 2);
		if (write(pfd[1], &v, sizeof(v)) != sizeof(v))
			_exit(99);
		_exit(0);
	}
	close(pfd[1]);
	close(efd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = read(efd[0], err, errlen - 1);
	err[n > 0 ? n : 0] = '\0';
	if (read(pfd[0], val, sizeof(*val)) != sizeof(*val))
		*val = 0;
	close(pfd[0]);
	close(efd[0]);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_or_die(void **state)
{
	char err[512];
	uint64_t v;
	(void)state;
	assert_int_equal(or_die_child("4K", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 4096);
	assert_string_equal(err, "");
	assert_int_equal(or_die_child("4Q", &v, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "test_size: invalid --size: '4Q'\n"));
	assert_non_null(strstr(err, "--help"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_suffixes),
		cmocka_unit_test(test_qemu_refuses),
		cmocka_unit_test(test_virsh),
		cmocka_unit_test(test_virtinstall),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_or_die),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
