/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qmp.c - the QMP client: its parser on QEMU's shapes and hostile
 * lines, and the client against a real QEMU (-machine none -S), a QEMU
 * that dies, and a server that never answers */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu/qmp.h"

#include "testutil.h"

struct qfix {
	char dir[256];
	char sock[300];
	char log[300];
	pid_t pid;
};

static bool have_qemu(void)
{
	return tu_sh("command -v qemu-system-x86_64 >/dev/null") == 0;
}

#define SKIP_NO_QEMU() do { \
	if (!have_qemu()) { \
		print_message("qemu-system-x86_64 missing: skip\n"); \
		skip(); \
	} \
} while (0)

/* QEMU with nothing to run, its monitor on a socket, stderr in the log. */
static void start_qemu(struct qfix *f)
{
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		char qmp[400];
		int fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", f->sock);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-machine", "none", "-S",
		       "-nodefaults", "-display", "none", "-qmp", qmp, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(f->sock, F_OK) < 0; i++)
		usleep(10000);
	assert_int_equal(access(f->sock, F_OK), 0);
}

static int setup(void **state)
{
	struct qfix *f = calloc(1, sizeof(*f));

	if (!f || tu_scratch(f->dir, sizeof(f->dir), "test_qmp") < 0)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/q.qmp", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/q.log", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct qfix *f = *state;

	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	return tu_scratch_free(f, f->dir);
}

/* ---- the parser ---- */

static void parse_ok(const char *line, enum vu_qmp_kind kind, struct vu_qmp_msg *m)
{
	struct vu_err e = { 0 };

	assert_int_equal(vu_qmp_parse(line, strlen(line), m, &e), 0);
	assert_int_equal(m->kind, kind);
}

static void parse_bad(const char *line, const char *why)
{
	struct vu_qmp_msg m;
	struct vu_err e = { 0 };

	assert_int_equal(vu_qmp_parse(line, strlen(line), &m, &e), -EPROTO);
	assert_non_null(strstr(vu_err_str(&e), why));
	assert_null(m.obj);
}

static void test_parse_shapes(void **state)
{
	struct vu_qmp_msg m;

	(void)state;
	parse_ok("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": []}}\r\n",
		 VU_QMP_GREETING, &m);
	vu_qmp_msg_clear(&m);
	parse_ok("{\"return\": {\"status\": \"prelaunch\"}, \"id\": \"vu-3\"}", VU_QMP_RETURN, &m);
	assert_string_equal(m.id, "vu-3");
	assert_string_equal(json_object_get_string(json_object_object_get(m.value, "status")),
			    "prelaunch");
	vu_qmp_msg_clear(&m);
	parse_ok("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not "
		 "been found\"}, \"id\": 7}",
		 VU_QMP_ERROR, &m);
	assert_null(m.id);
	assert_string_equal(m.err_class, "CommandNotFound");
	vu_qmp_msg_clear(&m);
	parse_ok("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"SHUTDOWN\", "
		 "\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}",
		 VU_QMP_EVENT, &m);
	assert_string_equal(m.event, "SHUTDOWN");
	vu_qmp_msg_clear(&m);
	parse_ok("{\"event\": \"RESUME\"}", VU_QMP_EVENT, &m);
	assert_null(m.value);
	vu_qmp_msg_clear(&m);
}

static void test_parse_hostile(void **state)
{
	char deep[200];

	(void)state;
	parse_bad("", "not JSON");
	parse_bad("{\"return\": {}", "not JSON");
	parse_bad("{\"return\": {}} {\"return\": {}}", "not JSON");
	parse_bad("{\"return\": {}} x", "not JSON");
	parse_bad("[1, 2]", "not an object");
	parse_bad("\"QMP\"", "not an object");
	parse_bad("{\"hello\": 1}", "not a QMP message");
	parse_bad("{\"error\": {\"class\": \"GenericError\"}}", "without class and desc");
	parse_bad("{\"error\": \"x\"}", "without class and desc");
	parse_bad("{\"event\": 5}", "without a name");
	parse_bad("{\"event\": \"X\", \"data\": [1]}", "not an object");
	parse_bad("{\"QMP\": 1}", "greeting");
	/* Nesting deeper than any QMP schema. */
	memset(deep, '[', 150);
	strcpy(deep + 150, "]");
	parse_bad(deep, "not JSON");
}

static void test_log_tail(void **state)
{
	struct qfix *f = *state;
	char buf[64];

	vu_qmp_log_tail(f->log, 2, buf, sizeof(buf));
	assert_string_equal(buf, "");
	tu_write_str(f->log, "one\n\ntwo\r\nthree \033[2J\n");
	vu_qmp_log_tail(f->log, 2, buf, sizeof(buf));
	assert_string_equal(buf, "two; three ?[2J");
	vu_qmp_log_tail(f->log, 5, buf, 8);
	assert_string_equal(buf, "one; tw");
}

/* ---- against QEMU ---- */

static void test_commands(void **state)
{
	struct qfix *f = *state;
	struct vu_qmp *q = NULL;
	struct vu_err e = { 0 };
	json_object *ret = NULL, *reply = NULL;

	SKIP_NO_QEMU();
	start_qemu(f);
	assert_int_equal(vu_qmp_open(&q, f->sock, f->log, 10000, &e), 0);
	assert_int_equal(vu_qmp_cmd(q, "query-status", NULL, &ret, 5000, &e), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(ret, "status")),
			    "prelaunch");
	json_object_put(ret);
	/* QEMU's refusals, as errors with its words. */
	assert_int_equal(vu_qmp_cmd(q, "no-such-command", NULL, NULL, 5000, &e), -EOPNOTSUPP);
	assert_non_null(strstr(vu_err_str(&e), "no-such-command"));
	json_object *args = json_object_new_object();

	json_object_object_add(args, "bogus", json_object_new_int(1));
	assert_int_equal(vu_qmp_cmd(q, "query-status", args, NULL, 5000, &e), -EIO);
	assert_non_null(strstr(vu_err_str(&e), "bogus"));
	/* The user's JSON, answered whole, QEMU's error included. */
	assert_int_equal(vu_qmp_cmd_json(q, "{\"execute\": \"query-name\", \"id\": \"mine\"}",
					 &reply, 5000, &e), 0);
	assert_true(json_object_object_get_ex(reply, "return", NULL));
	assert_false(json_object_object_get_ex(reply, "id", NULL));
	json_object_put(reply);
	assert_int_equal(vu_qmp_cmd_json(q, "{\"execute\": \"nope\"}", &reply, 5000, &e), 0);
	assert_true(json_object_object_get_ex(reply, "error", NULL));
	json_object_put(reply);
	assert_int_equal(vu_qmp_cmd_json(q, "[1]", &reply, 5000, &e), -EINVAL);
	assert_int_equal(vu_qmp_cmd_json(q, "{\"arguments\": {}}", &reply, 5000, &e), -EINVAL);
	vu_qmp_close(&q);
	assert_null(q);
	/* One client after another, as vm-ctl's commands come. */
	assert_int_equal(vu_qmp_open(&q, f->sock, f->log, 10000, &e), 0);
	vu_qmp_close(&q);
}

static void test_events_and_exit(void **state)
{
	struct qfix *f = *state;
	struct vu_qmp *q = NULL;
	struct vu_err e = { 0 };
	json_object *ev = NULL;

	SKIP_NO_QEMU();
	start_qemu(f);
	assert_int_equal(vu_qmp_open(&q, f->sock, f->log, 10000, &e), 0);
	/* Nothing queued, nothing comes. */
	assert_int_equal(vu_qmp_event(q, &ev, 0, &e), -ETIMEDOUT);
	assert_int_equal(vu_qmp_cmd(q, "cont", NULL, NULL, 5000, &e), 0);
	assert_int_equal(vu_qmp_cmd(q, "stop", NULL, NULL, 5000, &e), 0);
	assert_int_equal(vu_qmp_event(q, &ev, 5000, &e), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(ev, "event")), "RESUME");
	json_object_put(ev);
	assert_int_equal(vu_qmp_event(q, &ev, 5000, &e), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(ev, "event")), "STOP");
	json_object_put(ev);
	assert_int_equal(vu_qmp_cmd(q, "quit", NULL, NULL, 5000, &e), 0);
	assert_int_equal(vu_qmp_event(q, &ev, 5000, &e), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(ev, "event")),
			    "SHUTDOWN");
	json_object_put(ev);
	assert_int_equal(vu_qmp_event(q, &ev, 5000, &e), -EPIPE);
	vu_qmp_close(&q);
	waitpid(f->pid, NULL, 0);
	f->pid = 0;
}

/* A QEMU killed under us: the next command says so, with its last words. */
static void test_qemu_dies(void **state)
{
	struct qfix *f = *state;
	struct vu_qmp *q = NULL;
	struct vu_err e = { 0 };

	SKIP_NO_QEMU();
	start_qemu(f);
	assert_int_equal(vu_qmp_open(&q, f->sock, f->log, 10000, &e), 0);
	kill(f->pid, SIGTERM);
	waitpid(f->pid, NULL, 0);
	f->pid = 0;
	assert_int_equal(vu_qmp_cmd(q, "query-status", NULL, NULL, 5000, &e), -EPIPE);
	assert_non_null(strstr(vu_err_str(&e), "QEMU exited: "));
	assert_non_null(strstr(vu_err_str(&e), "terminating on signal 15"));
	vu_qmp_close(&q);
	/* Nobody listens any more. */
	assert_true(vu_qmp_open(&q, f->sock, f->log, 1000, &e) < 0);
	assert_null(q);
}

/* A socket that accepts and never greets: the timeout ends the wait. */
static void test_timeout(void **state)
{
	struct qfix *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vu_qmp *q = NULL;
	struct vu_err e = { 0 };
	struct timespec t0, t1;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(strlen(f->sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, f->sock, strlen(f->sock) + 1);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vu_qmp_open(&q, f->sock, NULL, 200, &e), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 2000);
	assert_string_equal(vu_err_str(&e), "QEMU did not answer in time");
	close(s);
	/* And no socket at all. */
	unlink(f->sock);
	assert_int_equal(vu_qmp_open(&q, f->sock, NULL, 200, &e), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_shapes),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test_setup_teardown(test_log_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_and_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
