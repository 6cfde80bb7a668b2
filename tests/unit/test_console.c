/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_console.c - the guest console without a guest: the device in the
 * live XML, the session lock, and the relay over a pty pair standing for
 * QEMU's pty */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/domainxml.h"
#include "vu/console.h"
#include "testutil.h"

/* ---- the device ---- */

static int find(const char *devices, struct vu_console_dev *d, struct vu_err *e)
{
	char xml[1024];
	struct vu_domain *dom = NULL;
	int r;

	snprintf(xml, sizeof(xml), "<domain type='qemu'><name>g</name><devices>%s</devices></domain>",
		 devices);
	assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), e), 0);
	r = vu_console_find(dom, d, e);
	vu_domain_free(&dom);
	return r;
}

static void test_find(void **state)
{
	struct vu_console_dev d;
	struct vu_err e = { 0 };

	(void)state;
	/* The console's own tty, then its source, then a serial alone. */
	assert_int_equal(find("<serial type='pty'><source path='/dev/pts/7'/></serial>"
			      "<console type='pty' tty='/dev/pts/7'/>", &d, &e), 0);
	assert_string_equal(d.path, "/dev/pts/7");
	assert_false(d.socket);
	vu_console_dev_clear(&d);
	assert_int_equal(find("<console type='pty'><source path='/dev/pts/9'/></console>", &d, &e), 0);
	assert_string_equal(d.path, "/dev/pts/9");
	vu_console_dev_clear(&d);
	assert_int_equal(find("<serial type='pty'><source path='/dev/pts/2'/></serial>", &d, &e), 0);
	assert_string_equal(d.path, "/dev/pts/2");
	vu_console_dev_clear(&d);
	assert_int_equal(find("<serial type='unix'><source mode='bind' path='/run/x.sock'/>"
			      "</serial>", &d, &e), 0);
	assert_string_equal(d.path, "/run/x.sock");
	assert_true(d.socket);
	vu_console_dev_clear(&d);
}

static void test_find_none(void **state)
{
	struct vu_console_dev d;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(find("", &d, &e), -ENOENT);
	assert_string_equal(e.msg, "domain has no console on a pty or unix socket");
	/* Not started yet: a pty without its path. A file console. */
	assert_int_equal(find("<serial type='pty'/>", &d, &e), -ENOENT);
	assert_int_equal(find("<console type='file'><source path='/tmp/x'/></console>", &d, &e),
			 -ENOENT);
	assert_int_equal(find("<serial type='unix'><source mode='connect' path='/x'/></serial>",
			      &d, &e), -ENOENT);
	/* Paths that are no pty QEMU made. */
	assert_int_equal(find("<serial type='pty'><source path='/etc/shadow'/></serial>", &d, &e),
			 -EINVAL);
	assert_int_equal(find("<serial type='pty'><source path='/dev/pts/../sda'/></serial>", &d,
			      &e), -EINVAL);
	assert_null(d.path);
}

/* ---- the relay ---- */

struct relay {
	int in[2], out[2];	/* the user's side: in[1] types, out[0] reads */
	int master, slave;	/* QEMU's pty: it holds master, we open slave */
	int escape;
	volatile sig_atomic_t stop;
	int result;
	pthread_t thread;
};

static void *run(void *arg)
{
	struct relay *r = arg;

	r->result = vu_console_relay(r->in[0], r->out[1], r->slave, r->escape, &r->stop);
	return NULL;
}

static void start(struct relay *r)
{
	struct vu_console_dev d = { 0 };
	struct vu_err e = { 0 };
	char name[64];

	memset(r, 0, sizeof(*r));
	r->escape = VU_CONSOLE_ESCAPE;
	assert_int_equal(pipe(r->in), 0);
	assert_int_equal(pipe(r->out), 0);
	assert_int_equal(openpty(&r->master, &r->slave, name, NULL, NULL), 0);
	/* As the tool does: the slave reopened by its path, made raw. */
	close(r->slave);
	d.path = name;
	r->slave = vu_console_open(&d, &e);
	assert_true(r->slave >= 0);
	assert_int_equal(pthread_create(&r->thread, NULL, run, r), 0);
}

static void join(struct relay *r, int expect)
{
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	assert_int_equal(r->result, expect);
}

static void cleanup(struct relay *r)
{
	int fds[] = { r->in[0], r->in[1], r->out[0], r->out[1], r->master, r->slave };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void finish(struct relay *r, int expect)
{
	join(r, expect);
	cleanup(r);
}

/* Reads exactly strlen(want) bytes from fd (5 s at most) and compares. */
static void expect_read(int fd, const char *want)
{
	char buf[256];
	size_t got = 0, n = strlen(want);

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t k;

		assert_int_equal(poll(&p, 1, 5000), 1);
		k = read(fd, buf + got, n - got);
		assert_true(k > 0);
		got += (size_t)k;
	}
	buf[got] = '\0';
	assert_string_equal(buf, want);
}

static void test_relay_both_ways(void **state)
{
	struct relay r;

	(void)state;
	start(&r);
	assert_int_equal(write(r.master, "VU-GUEST: booted\r\n", 18), 18);
	expect_read(r.out[0], "VU-GUEST: booted\r\n");
	assert_int_equal(write(r.in[1], "ls\r", 3), 3);
	expect_read(r.master, "ls\r");
	/* Bytes before the escape go through; the escape ends the session and
	 * what follows it stays unsent. */
	assert_int_equal(write(r.in[1], "ab\x1d" "cd", 5), 5);
	join(&r, VU_CONSOLE_ESCAPED);
	expect_read(r.master, "ab");
	cleanup(&r);
}

static void test_relay_escape_alone(void **state)
{
	struct relay r;
	char buf[8];

	(void)state;
	start(&r);
	assert_int_equal(write(r.in[1], "x\x1dy", 3), 3);
	join(&r, VU_CONSOLE_ESCAPED);
	assert_int_equal(read(r.master, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'x');
	cleanup(&r);
}

/* QEMU gone: its side of the pty closes, and the session ends. */
static void test_relay_hangup(void **state)
{
	struct relay r;

	(void)state;
	start(&r);
	assert_int_equal(write(r.master, "VU-GUEST: poweroff\r\n", 20), 20);
	expect_read(r.out[0], "VU-GUEST: poweroff\r\n");
	close(r.master);
	r.master = -1;
	finish(&r, VU_CONSOLE_HANGUP);
}

/* A script's input ends: the guest's output still comes, until it ends. */
static void test_relay_input_eof(void **state)
{
	struct relay r;

	(void)state;
	start(&r);
	close(r.in[1]);
	r.in[1] = -1;
	usleep(50 * 1000);
	assert_int_equal(write(r.master, "later\r\n", 7), 7);
	expect_read(r.out[0], "later\r\n");
	close(r.master);
	r.master = -1;
	finish(&r, VU_CONSOLE_HANGUP);
}

/* A signal (--force from another session) sets stop; poll wakes with the
 * next byte at the latest. */
static void test_relay_stop(void **state)
{
	struct relay r;

	(void)state;
	start(&r);
	r.stop = 1;
	assert_int_equal(write(r.master, "x", 1), 1);
	finish(&r, VU_CONSOLE_STOPPED);
}

/* ---- one session at a time ---- */

static void test_lock(void **state)
{
	char dir[256], buf[32] = "";
	struct vu_err e = { 0 };
	int dfd, fd, fd2, status;
	pid_t child;

	(void)state;
	assert_int_equal(tu_scratch(dir, sizeof(dir), "test_console"), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	child = fork();
	if (child == 0) {
		/* Another session: holds the lock until it is sent SIGTERM. */
		if (vu_console_lock(dfd, "g", false, NULL) < 0)
			_exit(3);
		pause();
		_exit(0);
	}
	/* Wait until the child holds it. */
	for (int i = 0; i < 100; i++) {
		fd = openat(dfd, "g.console", O_RDONLY);
		if (fd >= 0 && pread(fd, buf, sizeof(buf), 0) > 0) {
			close(fd);
			break;
		}
		if (fd >= 0)
			close(fd);
		usleep(20 * 1000);
	}
	assert_int_equal(atol(buf), child);
	assert_int_equal(vu_console_lock(dfd, "g", false, &e), -EBUSY);
	assert_string_equal(e.msg, "Active console session exists for this domain");
	fd2 = vu_console_lock(dfd, "g", true, &e);
	assert_true(fd2 >= 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	memset(buf, 0, sizeof(buf));
	assert_true(pread(fd2, buf, sizeof(buf), 0) > 0);
	assert_int_equal(atol(buf), getpid());
	close(fd2);
	/* Released: the next one gets it without force. */
	fd = vu_console_lock(dfd, "g", false, &e);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);
	tu_scratch_done(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_none),
		cmocka_unit_test(test_relay_both_ways),
		cmocka_unit_test(test_relay_escape_alone),
		cmocka_unit_test(test_relay_hangup),
		cmocka_unit_test(test_relay_input_eof),
		cmocka_unit_test(test_relay_stop),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
