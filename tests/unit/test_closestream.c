/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_closestream.c - write errors on stdout at exit; each case runs in a
 * forked child whose stdout and stderr it redirects */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

#include "vu/closestream.h"

enum sink { TO_FILE, TO_FULL, TO_BROKEN_PIPE, TO_CLOSED };

struct result {
	int status;		/* exit status of the child */
	char out[64];		/* what reached the stdout file */
	char err[256];		/* what the child wrote to stderr */
};

static int temp_fd(void)
{
	char path[] = "/tmp/test_closestream.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void point_stdout(enum sink s, int file)
{
	int p[2];

	switch (s) {
	case TO_FILE:
		dup2(file, STDOUT_FILENO);
		break;
	case TO_FULL:
		dup2(open("/dev/full", O_WRONLY), STDOUT_FILENO);
		break;
	case TO_BROKEN_PIPE:
		if (pipe(p) == 0) {
			close(p[0]);
			dup2(p[1], STDOUT_FILENO);
		}
		signal(SIGPIPE, SIG_IGN);	/* else the write kills us */
		break;
	case TO_CLOSED:
		close(STDOUT_FILENO);
		break;
	}
}

static void read_back(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/*
 * Child: stdout to the sink, stderr to a file, prints "data" (buffered),
 * then either exits through the atexit hook, or exits with the code
 * vu_close_stdout() returned, negated.
 */
static void run(enum sink s, int use_atexit, struct result *res)
{
	int out = temp_fd(), err = temp_fd();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		point_stdout(s, out);
		dup2(err, STDERR_FILENO);
		if (use_atexit && atexit(vu_close_stdout_atexit) != 0)
			_exit(99);
		printf("data");
		if (use_atexit)
			exit(0);
		_exit(-vu_close_stdout());
	}
	assert_int_equal(waitpid(pid, &res->status, 0), pid);
	assert_true(WIFEXITED(res->status));
	res->status = WEXITSTATUS(res->status);
	read_back(out, res->out, sizeof(res->out));
	read_back(err, res->err, sizeof(res->err));
}

static void test_ok(void **state)
{
	struct result r;
	(void)state;
	run(TO_FILE, 0, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "data");
	run(TO_FILE, 1, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "data");
	assert_string_equal(r.err, "");
}

static void test_disk_full(void **state)
{
	struct result r;
	(void)state;
	run(TO_FULL, 0, &r);
	assert_int_equal(r.status, ENOSPC);
	assert_string_equal(r.err, "");		/* the library says nothing */
	run(TO_FULL, 1, &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "test_closestream: write error: No space left on device\n");
}

static void test_broken_pipe_is_quiet(void **state)
{
	struct result r;
	(void)state;
	run(TO_BROKEN_PIPE, 0, &r);
	assert_int_equal(r.status, 0);
	run(TO_BROKEN_PIPE, 1, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
}

static void test_closed_stdout_is_quiet(void **state)
{
	struct result r;
	(void)state;
	run(TO_CLOSED, 1, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_broken_pipe_is_quiet),
		cmocka_unit_test(test_closed_stdout_is_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
