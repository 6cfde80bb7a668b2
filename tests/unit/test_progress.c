/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_progress.c - the progress line: format, throttling, tty and quiet */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/progress.h"

/* The last drawing "just happened" / "long ago", without sleeping. */
#define JUST_DRAWN(p) ((p)->last_ms = LLONG_MAX / 2)
#define LONG_AGO(p) ((p)->last_ms = 0)

struct capture {
	int saved;
	int fd;
};

static void capture_start(struct capture *c)
{
	char path[] = "/tmp/test_progress.XXXXXX";

	fflush(stderr);
	c->fd = mkstemp(path);
	assert_true(c->fd >= 0);
	unlink(path);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->fd, STDERR_FILENO) >= 0);
}

/* Restores stderr and returns what was written to it (static buffer). */
static const char *capture_end(struct capture *c)
{
	static char buf[1024];
	ssize_t n;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	n = pread(c->fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(c->fd);
	return buf;
}

static void test_quiet_and_hidden(void **state)
{
	struct vu_progress p;
	struct capture c;
	(void)state;

	capture_start(&c);
	vu_progress_init(&p, 100, true, true);	/* -p -q: quiet wins */
	assert_false(p.on);
	LONG_AGO(&p);
	vu_progress_add(&p, 50);
	vu_progress_end(&p);
	vu_progress_init(&p, 100, false, false);	/* not a terminal, no -p */
	assert_false(p.on);
	assert_false(p.tty);
	LONG_AGO(&p);
	vu_progress_add(&p, 50);
	vu_progress_end(&p);
	assert_string_equal(capture_end(&c), "");
}

static void test_forced_lines(void **state)
{
	struct vu_progress p;
	struct capture c;
	(void)state;

	capture_start(&c);
	vu_progress_init(&p, 200, true, false);
	JUST_DRAWN(&p);
	vu_progress_add(&p, 50);	/* throttled */
	LONG_AGO(&p);
	vu_progress_add(&p, 50);	/* 100/200 */
	LONG_AGO(&p);
	vu_progress_add(&p, 0);		/* nothing moved: no redraw */
	LONG_AGO(&p);
	vu_progress_add(&p, 1);		/* 0.5% moved */
	JUST_DRAWN(&p);
	vu_progress_add(&p, 99);
	vu_progress_end(&p);
	vu_progress_end(&p);		/* second end: nothing */
	vu_progress_add(&p, 1);
	assert_string_equal(capture_end(&c),
			    "    (0.00/100%)\n"
			    "    (50.00/100%)\n"
			    "    (50.50/100%)\n"
			    "    (100.00/100%)\n");
}

static void test_fractions_and_limits(void **state)
{
	struct vu_progress p;
	struct capture c;
	(void)state;

	capture_start(&c);
	vu_progress_init(&p, 3, true, false);
	LONG_AGO(&p);
	vu_progress_add(&p, 1);
	LONG_AGO(&p);
	vu_progress_add(&p, UINT64_MAX);	/* past the total, and past 2^64 */
	vu_progress_end(&p);
	vu_progress_init(&p, 0, true, false);	/* nothing to do is complete */
	vu_progress_end(&p);
	vu_progress_init(&p, 1000, true, false);
	LONG_AGO(&p);
	vu_progress_add(&p, 100);
	vu_progress_end(&p);			/* a failed job ends where it was */
	assert_string_equal(capture_end(&c),
			    "    (0.00/100%)\n"
			    "    (33.33/100%)\n"
			    "    (100.00/100%)\n"	/* end: already shown */
			    "    (100.00/100%)\n"	/* total 0 */
			    "    (0.00/100%)\n"
			    "    (10.00/100%)\n");
}

/* Reads what the pseudo-terminal received. */
static const char *read_pty(int master)
{
	static char buf[1024];
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	size_t len = 0;

	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 200) == 1) {
		ssize_t n = read(master, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

static void test_tty_redraws_in_place(void **state)
{
	struct vu_progress p;
	struct termios t;
	int master, slave, saved;
	(void)state;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	/* raw: no \n -> \r\n translation, so the bytes are ours */
	assert_int_equal(tcgetattr(slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(dup2(slave, STDERR_FILENO) >= 0);

	vu_progress_init(&p, 100, false, false);
	LONG_AGO(&p);
	vu_progress_add(&p, 50);
	vu_progress_add(&p, 50);	/* throttled: just drawn */
	vu_progress_end(&p);

	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_true(p.tty);
	assert_string_equal(read_pty(master),
			    "    (0.00/100%)\r    (50.00/100%)\r    (100.00/100%)\r\n");
	close(slave);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_and_hidden),
		cmocka_unit_test(test_forced_lines),
		cmocka_unit_test(test_fractions_and_limits),
		cmocka_unit_test(test_tty_redraws_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
