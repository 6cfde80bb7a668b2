/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmctl_savefile.c - vm-ctl save/restore's file header: written,
 * read back, and every kind of damage refused */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "../../tools/vm-ctl/savefile.h"
#include "testutil.h"

static const char xml[] = "<domain type='qemu'>\n  <name>g</name>\n</domain>\n";

static void test_format_parse(void **state)
{
	struct vctl_save_header h;
	struct vu_err e = { 0 };
	unsigned char *buf;
	size_t len;

	(void)state;
	assert_int_equal(vctl_save_header_format(xml, true, &buf, &len, &e), 0);
	assert_int_equal(len, 4096);
	assert_memory_equal(buf, "VUTILS-QEMU-SAVE", 16);
	assert_int_equal(vctl_save_header_parse(buf, len, &h, &e), 0);
	assert_string_equal(h.xml, xml);
	assert_int_equal(h.xml_len, strlen(xml));
	assert_true(h.running);
	assert_int_equal(h.data_offset, 4096);
	vctl_save_header_clear(&h);
	free(buf);
	assert_int_equal(vctl_save_header_format(xml, false, &buf, &len, &e), 0);
	assert_int_equal(vctl_save_header_parse(buf, len, &h, &e), 0);
	assert_false(h.running);
	vctl_save_header_clear(&h);
	free(buf);
}

/* The stream starts on the first page boundary past the XML. */
static void test_alignment(void **state)
{
	struct vu_err e = { 0 };
	unsigned char *buf;
	size_t len, n = 4096 - 64;
	char *big = malloc(n + 2);

	(void)state;
	memset(big, 'x', n + 1);
	big[n] = '\0';
	assert_int_equal(vctl_save_header_format(big, false, &buf, &len, &e), 0);
	assert_int_equal(len, 4096);
	free(buf);
	big[n] = 'x';
	big[n + 1] = '\0';
	assert_int_equal(vctl_save_header_format(big, false, &buf, &len, &e), 0);
	assert_int_equal(len, 8192);
	free(buf);
	assert_int_equal(vctl_save_header_format("", false, &buf, &len, &e), -EINVAL);
	assert_null(buf);
	free(big);
}

/* Flips one thing in a good header and expects the message. */
static void expect_bad(size_t off, unsigned char val, const char *msg)
{
	struct vctl_save_header h;
	struct vu_err e = { 0 };
	unsigned char *buf;
	size_t len;

	assert_int_equal(vctl_save_header_format(xml, true, &buf, &len, &e), 0);
	buf[off] = val;
	assert_int_equal(vctl_save_header_parse(buf, len, &h, &e), -EINVAL);
	assert_non_null(strstr(e.msg, msg));
	assert_null(h.xml);
	free(buf);
}

static void test_damage(void **state)
{
	(void)state;
	expect_bad(0, 'X', "not a vm-ctl save file");
	expect_bad(16, 2, "version 2 is not supported");
	expect_bad(20, 3, "unknown flags 0x3");
	expect_bad(25, 0x20, "data offset");
	expect_bad(24, 0xff, "checksum mismatch");
	expect_bad(27, 0xff, "XML length");
	expect_bad(29, 0x55, "checksum mismatch");
	expect_bad(33, 0x20, "data offset");
	expect_bad(50, 1, "reserved bytes");
	expect_bad(70, 'Z', "checksum mismatch");
	expect_bad(70, 0, "checksum mismatch");
	expect_bad(4000, 1, "padding is not zero");
}

static void test_truncated(void **state)
{
	struct vctl_save_header h;
	struct vu_err e = { 0 };
	unsigned char *buf;
	size_t len;

	(void)state;
	assert_int_equal(vctl_save_header_format(xml, true, &buf, &len, &e), 0);
	assert_int_equal(vctl_save_header_parse(buf, 63, &h, &e), -EINVAL);
	assert_string_equal(e.msg, "not a vm-ctl save file");
	assert_int_equal(vctl_save_header_parse(buf, len - 1, &h, &e), -EINVAL);
	assert_string_equal(e.msg, "save file header is truncated");
	free(buf);
}

/* A file: written, then QEMU's stream after it; read leaves the offset
 * where QEMU reads. Without the stream, or cut short, it is refused. */
static void test_file(void **state)
{
	char dir[256], path[300];
	struct vctl_save_header h;
	struct vu_err e = { 0 };
	int fd;

	(void)state;
	assert_int_equal(tu_scratch(dir, sizeof(dir), "test_vmctl_savefile"), 0);
	tu_path(path, sizeof(path), dir, "save");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(vctl_save_write(fd, xml, true, &e), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 4096);
	assert_int_equal(vctl_save_read(fd, &h, &e), -EINVAL);
	assert_string_equal(e.msg, "save file is truncated");
	assert_int_equal(write(fd, "QEVM\0\0\0\3", 8), 8);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(vctl_save_read(fd, &h, &e), 0);
	assert_string_equal(h.xml, xml);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 4096);
	vctl_save_header_clear(&h);
	assert_int_equal(pwrite(fd, "XXXX", 4, 4096), 4);
	assert_int_equal(vctl_save_read(fd, &h, &e), -EINVAL);
	assert_string_equal(e.msg, "save file holds no QEMU migration stream");
	assert_int_equal(ftruncate(fd, 10), 0);
	assert_int_equal(vctl_save_read(fd, &h, &e), -EINVAL);
	assert_string_equal(e.msg, "not a vm-ctl save file");
	close(fd);
	tu_scratch_done(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
