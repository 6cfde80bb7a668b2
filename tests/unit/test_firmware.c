/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_firmware.c - UEFI firmware from QEMU's descriptors: the machine's
 * OVMF descriptors, and fixture directories for overrides and errors; a
 * domain's copy of the variables template */
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
#include "vu/firmware.h"
#include "testutil.h"

#define SYS "/usr/share/qemu/firmware/"

static char tmp[64];

/* ---- the machine's descriptors (Debian's ovmf) ---- */

static void test_real_pc(void **state)
{
	struct vu_firmware fw;
	struct vu_err e = { 0 };

	(void)state;
	/* 40- and 50- are secure and q35 only: pc gets 60- either way. */
	for (int secure = 0; secure < 2; secure++) {
		assert_int_equal(vu_firmware_find("x86_64", "pc", secure, &fw, &e), 0);
		assert_string_equal(fw.descriptor, SYS "60-edk2-x86_64.json");
		assert_string_equal(fw.code, "/usr/share/OVMF/OVMF_CODE_4M.fd");
		assert_string_equal(fw.vars_template, "/usr/share/OVMF/OVMF_VARS_4M.fd");
		assert_string_equal(fw.format, "raw");
		assert_false(fw.secure_boot);
		assert_false(fw.requires_smm);
		vu_firmware_clear(&fw);
		assert_null(fw.code);
	}
	assert_int_equal(vu_firmware_find("x86_64", "pc-i440fx-7.2", false, &fw, &e), 0);
	assert_string_equal(fw.descriptor, SYS "60-edk2-x86_64.json");
	vu_firmware_clear(&fw);
	assert_int_equal(vu_firmware_find(NULL, NULL, false, &fw, &e), 0);	/* x86_64/pc */
	assert_string_equal(fw.descriptor, SYS "60-edk2-x86_64.json");
	vu_firmware_clear(&fw);
}

static void test_real_q35(void **state)
{
	struct vu_firmware fw;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vu_firmware_find("x86_64", "q35", true, &fw, &e), 0);
	assert_string_equal(fw.descriptor, SYS "40-edk2-x86_64-secure-enrolled.json");
	assert_string_equal(fw.code, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
	assert_string_equal(fw.vars_template, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
	assert_true(fw.secure_boot);
	assert_true(fw.requires_smm);
	vu_firmware_clear(&fw);
	assert_int_equal(vu_firmware_find("x86_64", "pc-q35-7.2", false, &fw, &e), 0);
	assert_string_equal(fw.descriptor, SYS "60-edk2-x86_64.json");
	assert_false(fw.secure_boot);
	vu_firmware_clear(&fw);
}

static void test_real_no_match(void **state)
{
	struct vu_firmware fw;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vu_firmware_find("aarch64", "virt", true, &fw, &e), -ENOENT);
	assert_string_equal(e.msg, "no UEFI firmware for aarch64/virt in /usr/share/qemu/firmware:"
			    "/etc/qemu/firmware:/nonexistent/qemu/firmware");
	assert_null(fw.descriptor);
	assert_int_equal(vu_firmware_find("x86_64", "microvm", false, &fw, &e), -ENOENT);
	assert_memory_equal(e.msg, "no UEFI firmware for x86_64/microvm without secure boot in ",
			    strlen("no UEFI firmware for x86_64/microvm without secure boot in "));
}

/* ---- fixture directories ---- */

/* A descriptor for code c (and vars v, or none) on arch a, machines m. */
static char *desc(const char *c, const char *v, const char *a, const char *m,
		  const char *features)
{
	static char buf[1024];
	char vars[256] = "";

	if (v)
		snprintf(vars, sizeof(vars),
			 ", \"nvram-template\": { \"filename\": \"%s\", \"format\": \"qcow2\" }", v);
	snprintf(buf, sizeof(buf),
		 "{ \"description\": \"test\", \"interface-types\": [ \"uefi\" ],\n"
		 "  \"mapping\": { \"device\": \"flash\",\n"
		 "    \"executable\": { \"filename\": \"%s\", \"format\": \"qcow2\" }%s },\n"
		 "  \"targets\": [ { \"architecture\": \"%s\", \"machines\": [ %s ] } ],\n"
		 "  \"features\": [ %s ], \"tags\": [] }\n",
		 c, vars, a, m, features);
	return buf;
}

static void use_dirs(const char *a, const char *b)
{
	char env[200];

	if (b)
		snprintf(env, sizeof(env), "%s/%s:%s/%s", tmp, a, tmp, b);
	else
		snprintf(env, sizeof(env), "%s/%s", tmp, a);
	setenv("VU_FIRMWARE_DIR", env, 1);
}

static int fixture_setup(void **state)
{
	(void)state;
	return tu_scratch(tmp, sizeof(tmp), "test_firmware");
}

static int fixture_teardown(void **state)
{
	(void)state;
	unsetenv("VU_FIRMWARE_DIR");
	return tu_scratch_done(tmp);
}

static void test_override_by_name(void **state)
{
	struct vu_firmware fw;
	struct vu_err e = { 0 };

	(void)state;
	tu_put(tmp, "sys/50-a.json", desc("/sys/A.fd", "/sys/A_VARS.fd", "x86_64",
					  "\"pc-i440fx-*\"", "\"acpi-s3\""));
	tu_put(tmp, "sys/60-b.json", desc("/sys/B.fd", NULL, "x86_64", "\"pc-*\"", ""));
	use_dirs("sys", NULL);
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/sys/A.fd");
	assert_string_equal(fw.vars_template, "/sys/A_VARS.fd");
	assert_string_equal(fw.format, "qcow2");
	vu_firmware_clear(&fw);

	/* The later directory's 50-a.json replaces the earlier one's. */
	tu_put(tmp, "etc/50-a.json", desc("/etc/A.fd", NULL, "x86_64", "\"pc-i440fx-*\"", ""));
	use_dirs("sys", "etc");
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/etc/A.fd");
	assert_null(fw.vars_template);		/* a stateless descriptor */
	assert_non_null(strstr(fw.descriptor, "/etc/50-a.json"));
	vu_firmware_clear(&fw);

	/* An empty file hides the name; the next in name order wins. */
	tu_put(tmp, "etc/50-a.json", "");
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/sys/B.fd");
	vu_firmware_clear(&fw);

	/* A lower name in any directory comes first. */
	tu_put(tmp, "etc/10-c.json", desc("/etc/C.fd", NULL, "x86_64", "\"pc-i440fx-*\"",
					  "\"secure-boot\", \"requires-smm\""));
	assert_int_equal(vu_firmware_find("x86_64", "pc", true, &fw, &e), 0);
	assert_string_equal(fw.code, "/etc/C.fd");
	assert_true(fw.secure_boot && fw.requires_smm);
	vu_firmware_clear(&fw);
	/* ...unless it is secure and secure boot is not wanted. */
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/sys/B.fd");
	vu_firmware_clear(&fw);
}

static void test_arch_mismatch(void **state)
{
	struct vu_firmware fw;
	struct vu_err e = { 0 };
	char want[256];

	(void)state;
	tu_put(tmp, "arm/50-arm.json", desc("/arm/A.fd", NULL, "aarch64", "\"virt-*\"", ""));
	tu_put(tmp, "arm/60-bios.json",
		 "{ \"interface-types\": [ \"bios\" ], \"mapping\": { \"device\": \"memory\","
		 " \"filename\": \"/x/bios.bin\" }, \"targets\": [ { \"architecture\": \"x86_64\","
		 " \"machines\": [ \"pc-*\" ] } ], \"features\": [] }");
	tu_put(tmp, "arm/70-kernel.json",
		 "{ \"interface-types\": [ \"uefi\" ], \"mapping\": { \"device\": \"kernel\","
		 " \"filename\": \"/x/k\" }, \"targets\": [ { \"architecture\": \"x86_64\","
		 " \"machines\": [ \"pc-*\" ] } ] }");
	tu_put(tmp, "arm/notes.txt", "not a descriptor");
	use_dirs("arm", NULL);
	assert_int_equal(vu_firmware_find("x86_64", "pc", true, &fw, &e), -ENOENT);
	snprintf(want, sizeof(want), "no UEFI firmware for x86_64/pc in %s/arm", tmp);
	assert_string_equal(e.msg, want);
	assert_null(fw.code);
	assert_int_equal(vu_firmware_find("aarch64", "virt-7.2", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/arm/A.fd");
	vu_firmware_clear(&fw);
	/* "virt" alone is no versioned name: globs match what they say. */
	assert_int_equal(vu_firmware_find("aarch64", "virt", false, &fw, &e), -ENOENT);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"{ \"interface-types\": [ \"uefi\" ], ",	/* cut short */
		"[ 1, 2 ]",					/* not an object */
		"{ } trailing",
		"\x01\x02",
	};
	struct vu_firmware fw;
	struct vu_err e = { 0 };

	(void)state;
	tu_put(tmp, "bad/60-ok.json", desc("/ok.fd", NULL, "x86_64", "\"pc-i440fx-*\"", ""));
	use_dirs("bad", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		tu_put(tmp, "bad/50-bad.json", bad[i]);
		assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "/bad/50-bad.json: not a firmware descriptor: "));
		assert_null(fw.code);
	}
	/* Parts of the wrong type are no match, not a crash. */
	tu_put(tmp, "bad/50-bad.json",
		 "{ \"interface-types\": \"uefi\", \"mapping\": [], \"targets\": [ 1, { } ],"
		 " \"features\": { } }");
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/ok.fd");
	vu_firmware_clear(&fw);
}

static void test_missing_mapping_fields(void **state)
{
	struct vu_firmware fw;
	struct vu_err e = { 0 };

	(void)state;
	tu_put(tmp, "miss/50-noexec.json",
		 "{ \"interface-types\": [ \"uefi\" ], \"mapping\": { \"device\": \"flash\","
		 " \"nvram-template\": { \"filename\": \"/v.fd\" } }, \"targets\": [ {"
		 " \"architecture\": \"x86_64\", \"machines\": [ \"pc-q35-*\" ] } ] }");
	tu_put(tmp, "miss/60-noformat.json",
		 "{ \"interface-types\": [ \"uefi\" ], \"mapping\": { \"device\": \"flash\","
		 " \"executable\": { \"filename\": \"/c.fd\" } }, \"targets\": [ {"
		 " \"architecture\": \"x86_64\", \"machines\": [ \"pc-i440fx-*\" ] } ] }");
	use_dirs("miss", NULL);
	assert_int_equal(vu_firmware_find("x86_64", "q35", false, &fw, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "/miss/50-noexec.json: mapping has no executable filename"));
	assert_null(fw.descriptor);
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), 0);
	assert_string_equal(fw.code, "/c.fd");
	assert_string_equal(fw.format, "raw");	/* the spec's default */
	assert_null(fw.vars_template);
	assert_false(fw.secure_boot);
	vu_firmware_clear(&fw);
	/* A directory that does not exist is an empty one. */
	use_dirs("nothing-here", NULL);
	assert_int_equal(vu_firmware_find("x86_64", "pc", false, &fw, &e), -ENOENT);
}

/* ---- a domain's variables ---- */

static void test_nvram_create(void **state)
{
	static char tmpl_data[131072];
	char tmpl[PATH_MAX], path[PATH_MAX], want[PATH_MAX + 64], *got;
	struct vu_err e = { 0 };
	struct stat sb;
	size_t len;
	FILE *f;

	(void)state;
	/* the shape of OVMF's: a header, then mostly zeros */
	for (size_t i = 0; i < 4096; i++)
		tmpl_data[i] = (char)(i * 7 + 1);
	tmpl_data[sizeof(tmpl_data) - 1] = 'x';
	tu_path(tmpl, sizeof(tmpl), tmp, "VARS.fd");
	tu_write(tmpl, tmpl_data, sizeof(tmpl_data));
	tu_put(tmp, "nv/.keep", "");
	tu_path(path, sizeof(path), tmp, "nv/t_VARS.fd");

	assert_int_equal(vu_firmware_nvram_create(tmpl, path, &e), 0);
	got = tu_read(path, &len);
	assert_int_equal(len, sizeof(tmpl_data));
	assert_memory_equal(got, tmpl_data, sizeof(tmpl_data));
	free(got);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0077, 0);

	/* never over an existing store: the guest's keys and boot entries */
	f = fopen(path, "r+b");
	assert_non_null(f);
	fputc('G', f);
	fclose(f);
	assert_int_equal(vu_firmware_nvram_create(tmpl, path, &e), -EEXIST);
	snprintf(want, sizeof(want), "%s: already exists", path);
	assert_string_equal(e.msg, want);
	got = tu_read(path, NULL);
	assert_int_equal(got[0], 'G');
	free(got);

	/* no template, no directory: said, and nothing made */
	assert_int_equal(unlink(path), 0);
	tu_path(tmpl, sizeof(tmpl), tmp, "none.fd");
	assert_int_equal(vu_firmware_nvram_create(tmpl, path, &e), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", tmpl, strerror(ENOENT));
	assert_string_equal(e.msg, want);
	assert_int_equal(access(path, F_OK), -1);
	tu_path(tmpl, sizeof(tmpl), tmp, "VARS.fd");
	tu_path(path, sizeof(path), tmp, "nodir/t_VARS.fd");
	assert_int_equal(vu_firmware_nvram_create(tmpl, path, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/nodir/t_VARS.fd: "));
}

int main(void)
{
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_pc),
		cmocka_unit_test(test_real_q35),
		cmocka_unit_test(test_real_no_match),
	};
	const struct CMUnitTest fix[] = {
		cmocka_unit_test(test_override_by_name),
		cmocka_unit_test(test_arch_mismatch),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_missing_mapping_fields),
		cmocka_unit_test(test_nvram_create),
	};
	int failed;

	/* The first group reads the machine's directories: no user overrides. */
	unsetenv("VU_FIRMWARE_DIR");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	failed = cmocka_run_group_tests_name("system", real, NULL, NULL);
	return failed + cmocka_run_group_tests_name("fixture", fix, fixture_setup,
						    fixture_teardown);
}
