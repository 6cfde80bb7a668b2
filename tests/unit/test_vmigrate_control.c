/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmigrate_control.c - vm-migrate's control channel: lines and blobs
 * over a pipe, read without taking a byte more than the message (what
 * follows may be QEMU's stream), and what a hostile peer sends refused */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* vm-migrate's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-migrate/vm-migrate.h"

/* A pipe holding text, its write end closed unless keep_open. */
static int pipe_with(const char *text, size_t len, bool keep_open, int *wr)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, len), (ssize_t)len);
	if (keep_open)
		*wr = p[1];
	else
		close(p[1]);
	return p[0];
}

static void test_line_then_stream(void **state)
{
	static const char in[] = "ready tcp:0.0.0.0:49184\nQEVM\x01\x02";
	char line[VMG_CTL_LINE_MAX + 1], rest[16];
	struct vu_err e = { 0 };
	int fd = pipe_with(in, sizeof(in) - 1, false, NULL);

	(void)state;
	assert_int_equal(vmg_ctl_recv(fd, line, sizeof(line), 1000, &e), 0);
	assert_string_equal(line, "ready tcp:0.0.0.0:49184");
	assert_string_equal(vmg_ctl_word(line, "ready"), "tcp:0.0.0.0:49184");
	/* nothing after the newline was taken */
	assert_int_equal(read(fd, rest, sizeof(rest)), 6);
	assert_memory_equal(rest, "QEVM\x01\x02", 6);
	assert_int_equal(vmg_ctl_recv(fd, line, sizeof(line), 1000, &e), -EPIPE);
	close(fd);
}

static void test_refusals(void **state)
{
	char line[16];
	struct vu_err e = { 0 };
	int wr, fd;

	(void)state;
	fd = pipe_with("a very long line that does not fit\n", 35, false, NULL);
	assert_int_equal(vmg_ctl_recv(fd, line, sizeof(line), 1000, &e), -EPROTO);
	close(fd);
	fd = pipe_with("nul\0inside\n", 11, false, NULL);
	assert_int_equal(vmg_ctl_recv(fd, line, sizeof(line), 1000, &e), -EPROTO);
	close(fd);
	fd = pipe_with("no newline", 10, true, &wr);
	assert_int_equal(vmg_ctl_recv(fd, line, sizeof(line), 100, &e), -ETIMEDOUT);
	close(wr);
	close(fd);
	assert_null(vmg_ctl_word("readyx", "ready"));
	assert_string_equal(vmg_ctl_word("ready", "ready"), "");
	assert_null(vmg_ctl_word("rea", "ready"));
}

static void test_blob(void **state)
{
	struct vu_err e = { 0 };
	char *buf = NULL, line[64];
	size_t len = 0;
	int p[2], fd;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vmg_ctl_send_blob(p[1], "xml", "<domain/>", 9, &e), 0);
	assert_int_equal(vmg_ctl_send(p[1], &e, "prepare"), 0);
	close(p[1]);
	assert_int_equal(vmg_ctl_recv(p[0], line, sizeof(line), 1000, &e), 0);
	assert_string_equal(line, "xml 9");
	assert_int_equal(vmg_ctl_read_blob(p[0], vmg_ctl_word(line, "xml"), &buf, &len, &e), 0);
	assert_int_equal(len, 9);
	assert_string_equal(buf, "<domain/>");
	free(buf);
	assert_int_equal(vmg_ctl_recv(p[0], line, sizeof(line), 1000, &e), 0);
	assert_string_equal(line, "prepare");
	close(p[0]);

	/* lengths that are not one, or too large, or more than what comes */
	static const char *const bad[] = { "", "-1", "12x", "99999999999", "0x10" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vmg_ctl_read_blob(0, bad[i], &buf, &len, &e), -EPROTO);
	fd = pipe_with("<dom", 4, false, NULL);
	assert_int_equal(vmg_ctl_read_blob(fd, "10", &buf, &len, &e), -EPIPE);
	assert_null(buf);
	close(fd);
	/* a message is one line */
	assert_int_equal(vmg_ctl_send(1, &e, "two\nlines"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_then_stream),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_blob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
