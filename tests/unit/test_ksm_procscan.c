/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ksm_procscan.c - which processes are KVM guests, their RSS, and /proc/meminfo */
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
#include "testutil.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__ })
#define ARGC(...) ((int)ARRAY_SIZE(((const char *[]){ __VA_ARGS__ })))
#define IS_KVM(...) ksm_is_kvm_qemu(ARGV(__VA_ARGS__), ARGC(__VA_ARGS__))

static void test_kvm_qemu(void **state)
{
	(void)state;
	/* ksmtuned's rule */
	assert_true(IS_KVM("qemu-system-x86_64", "-enable-kvm"));
	assert_true(IS_KVM("qemu-system-x86_64", "-m", "1G", "--enable-kvm"));
	assert_true(IS_KVM("qemu-system-x86_64", "-name", "a-enable-kvm-b"));	/* as pgrep -f */
	assert_true(IS_KVM("qemu-system-x86_64 -m 1G -enable-kvm"));		/* rewritten argv */
	assert_false(IS_KVM("qemu-system-x86_64"));
	assert_false(IS_KVM("qemu-system-x86_64", "-m", "1G"));
	/* a path, newer spellings, qemu-kvm */
	assert_true(IS_KVM("/usr/bin/qemu-system-x86_64", "-enable-kvm"));
	assert_true(IS_KVM("qemu-kvm"));
	assert_true(IS_KVM("/usr/libexec/qemu-kvm", "-m", "512"));
	assert_true(IS_KVM("qemu-kvm -m 512"));
	assert_true(IS_KVM("qemu-system-x86_64", "-accel", "kvm"));
	assert_true(IS_KVM("qemu-system-x86_64", "--accel", "kvm,kernel-irqchip=on"));
	assert_true(IS_KVM("qemu-system-x86_64", "-accel", "accel=kvm"));
	assert_true(IS_KVM("qemu-system-aarch64", "-machine", "virt,accel=kvm"));
	assert_true(IS_KVM("qemu-system-x86_64", "-M", "accel=kvm:tcg"));
	assert_true(IS_KVM("qemu-system-x86_64", "-machine", "accel=kvm,usb=off"));
	assert_false(IS_KVM("qemu-system-x86_64", "-accel", "tcg"));
	assert_false(IS_KVM("qemu-system-x86_64", "-accel", "kvmx"));
	assert_false(IS_KVM("qemu-system-x86_64", "-accel"));
	assert_false(IS_KVM("qemu-system-x86_64", "-machine", "accel=tcg:kvm"));
	assert_false(IS_KVM("qemu-system-x86_64", "-machine", "xaccel=kvm"));
	/* other programs, whatever their arguments */
	assert_false(IS_KVM("qemu-img", "-enable-kvm"));
	assert_false(IS_KVM("qemu-kvm-wrapper", "-enable-kvm"));
	assert_false(IS_KVM("/opt/qemu-system/bin/run", "-enable-kvm"));
	assert_false(IS_KVM("sudo", "qemu-system-x86_64", "-enable-kvm"));
	assert_false(IS_KVM("bash", "-c", "qemu-kvm"));
	assert_false(ksm_is_kvm_qemu(NULL, 0));
}

static void test_meminfo(void **state)
{
	struct ksm_meminfo m;
	struct vu_err e;

	(void)state;
	assert_int_equal(ksm_meminfo_parse(
		"MemTotal:       16777216 kB\nMemFree:  1000 kB\nMemAvailable: 9999999 kB\n"
		"Buffers: 20 kB\nCached:  300 kB\nSwapCached:  4000000 kB\n", &m, &e), 0);
	assert_int_equal(m.total_kb, 16777216);
	assert_int_equal(m.free_kb, 1320);
	/* Missing free lines count as 0, as awk sums nothing. */
	assert_int_equal(ksm_meminfo_parse("MemTotal: 8192 kB", &m, &e), 0);
	assert_int_equal(m.total_kb, 8192);
	assert_int_equal(m.free_kb, 0);
	assert_int_equal(ksm_meminfo_parse("MemFree: 5 kB\n", &m, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "no MemTotal line");
	assert_int_equal(ksm_meminfo_parse("MemTotal: 0 kB\n", &m, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "MemTotal is 0");
	assert_int_equal(ksm_meminfo_parse("MemTotal: x kB\n", &m, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "unreadable MemTotal line");
	assert_int_equal(ksm_meminfo_parse("MemTotal: 5 kB\nCached: -1 kB\n", &m, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "unreadable Cached line");
	assert_int_equal(ksm_meminfo_parse("MemTotal: 99999999999999999999 kB\n", &m, &e),
			 -EINVAL);
	assert_int_equal(ksm_meminfo_parse("", &m, &e), -EINVAL);
}

static char root[64];

static void put(const char *rel, const char *data, size_t len)
{
	char path[256];

	tu_path(path, sizeof(path), root, rel);
	tu_write(path, data, len);
}

static void add_proc(const char *pid, const char *cmdline, size_t len, const char *status)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/cmdline", pid);
	put(path, cmdline, len);
	if (status) {
		snprintf(path, sizeof(path), "%s/status", pid);
		put(path, status, strlen(status));
	}
}

#define CMD(s) s, sizeof(s) - 1

static void test_scan(void **state)
{
	struct ksm_procs p;
	struct ksm_meminfo m;
	struct vu_err e;
	char cmd[512];

	(void)state;
	assert_int_equal(tu_scratch(root, sizeof(root), "test_ksm_procscan"), 0);
	add_proc("300", CMD("qemu-system-x86_64\0-enable-kvm\0"), "Name:\tqemu\nVmRSS:\t  3000 kB\n");
	add_proc("20", CMD("qemu-kvm\0"), "VmRSS:\t20 kB\nVmSwap:\t1 kB\n");
	add_proc("1", CMD("/sbin/init\0"), "VmRSS:\t99999 kB\n");
	add_proc("7", CMD(""), "Name:\tkthreadd\n");			/* kernel thread */
	add_proc("8", CMD("qemu-kvm\0"), "Name:\tqemu-kvm\nState:\tZ\n");	/* zombie */
	add_proc("9", CMD("qemu-kvm\0"), NULL);				/* exited meanwhile */
	assert_int_equal(mkdir(strcat(strcpy(cmd, root), "/self"), 0755), 0);
	put("meminfo", CMD("MemTotal: 100 kB\nMemFree: 10 kB\n"));

	assert_int_equal(ksm_procs_scan(root, &p, &e), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.v[0].pid, 8);
	assert_int_equal(p.v[0].rss_kb, 0);
	assert_int_equal(p.v[1].pid, 20);
	assert_string_equal(p.v[1].comm, "qemu-kvm");
	assert_int_equal(p.v[2].pid, 300);
	assert_string_equal(p.v[2].comm, "qemu-system-x86_64");
	assert_int_equal(p.rss_kb, 3020);
	ksm_procs_free(&p);
	assert_null(p.v);

	assert_int_equal(ksm_meminfo_read(root, &m, &e), 0);
	assert_int_equal(m.total_kb, 100);
	assert_int_equal(tu_rmtree(root), 0);

	assert_int_equal(ksm_procs_scan(root, &p, &e), -ENOENT);
	assert_int_equal(ksm_meminfo_read(root, &m, &e), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_qemu),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
