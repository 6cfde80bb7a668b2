/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qemurun.c - the runtime's files in RUN/qemu: qemu.conf's user,
 * states and reasons, a stale pidfile cleaned, the running list; and a
 * start through the API that fails half-way leaving nothing */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu/domaindb.h"
#include "vu/qemurun.h"

#include "testutil.h"

static void conf(struct tu_root *f, const char *text)
{
	char path[512];

	tu_path(path, sizeof(path), f->dir, "qemu.conf");
	tu_write_str(path, text);
}

static void test_conf_user(void **state)
{
	struct tu_root *f = *state;
	struct vu_err e = { 0 };
	char *user = NULL;

	assert_int_equal(vu_qemurun_conf_user(&f->st, &user, &e), 0);
	assert_string_equal(user, VU_QEMU_USER_DEFAULT);
	free(user);
	conf(f, "# libvirt's keys we do not read are skipped\ngroup = \"kvm\"\n"
		"user = \"qemu\"   # a comment\n\tuser=\"daemon\"\n");
	assert_int_equal(vu_qemurun_conf_user(&f->st, &user, &e), 0);
	assert_string_equal(user, "daemon");
	free(user);
	conf(f, "user = qemu\n");
	assert_int_equal(vu_qemurun_conf_user(&f->st, &user, &e), -EINVAL);
	assert_null(user);
	assert_non_null(strstr(vu_err_str(&e), "qemu.conf:1: not user = \"NAME\""));
	conf(f, "\nuser = \"a b\"\n");
	assert_int_equal(vu_qemurun_conf_user(&f->st, &user, &e), -EINVAL);
	assert_non_null(strstr(vu_err_str(&e), "qemu.conf:2:"));
	conf(f, "user = \"x\" trailing\n");
	assert_int_equal(vu_qemurun_conf_user(&f->st, &user, &e), -EINVAL);
	/* "username" is another key, not user. */
	conf(f, "username = \"x\"\n");
	assert_int_equal(vu_qemurun_conf_user(&f->st, &user, &e), 0);
	assert_string_equal(user, VU_QEMU_USER_DEFAULT);
	free(user);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vu_domstate_name(VU_DOMSTATE_RUNNING), "running");
	assert_string_equal(vu_domstate_name(VU_DOMSTATE_SHUTOFF), "shut off");
	assert_string_equal(vu_domstate_name(VU_DOMSTATE_PAUSED), "paused");
	assert_string_equal(vu_domstate_name((enum vu_domstate)42), "no state");
}

/* A pidfile held by a child, as QEMU holds its own (lockf). */
static pid_t holder(const char *path)
{
	int ready[2];
	pid_t child;
	char c;

	assert_int_equal(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		int fd = open(path, O_RDWR | O_CREAT, 0600);

		if (fd < 0 || lockf(fd, F_TLOCK, 0) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return child;
}

static void test_status_and_stale(void **state)
{
	struct tu_root *f = *state;
	struct vu_domstatus s;
	struct vu_err e = { 0 };
	char dir[512], pid[600], xml[600], qmp[600], **names;
	size_t n;
	pid_t child;

	assert_int_equal(vu_qemurun_status(&f->st, "web1", &s, &e), 0);
	assert_int_equal(s.state, VU_DOMSTATE_SHUTOFF);
	assert_string_equal(s.reason, "unknown");
	assert_int_equal(s.id, -1);
	tu_path(dir, sizeof(dir), f->dir, "run/qemu");
	assert_int_equal(mkdir(dir, 0700), 0);
	tu_path(pid, sizeof(pid), dir, "web1.pid");
	tu_path(xml, sizeof(xml), dir, "web1.xml");
	tu_path(qmp, sizeof(qmp), dir, "web1.qmp");
	tu_write_str(xml, "<domain type='qemu' id='7'><name>web1</name></domain>\n");
	tu_write_str(qmp, "");
	child = holder(pid);
	assert_int_equal(vu_qemurun_set_state(&f->st, "web1", VU_DOMSTATE_PAUSED, "user"), 0);
	assert_int_equal(vu_qemurun_status(&f->st, "web1", &s, &e), 0);
	assert_int_equal(s.state, VU_DOMSTATE_PAUSED);
	assert_string_equal(s.reason, "user");
	assert_int_equal(s.id, 7);
	assert_int_equal(s.pid, child);
	assert_int_equal(vu_qemurun_active(&f->st, "web1"), 1);
	assert_int_equal(vu_domaindb_running(&f->st, "web1"), 1);
	assert_int_equal(vu_qemurun_list(&f->st, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "web1");
	vu_domaindb_names_free(names);
	/* Killed by anyone: shut off, and its files go on the next look. */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(vu_qemurun_status(&f->st, "web1", &s, &e), 0);
	assert_int_equal(s.state, VU_DOMSTATE_SHUTOFF);
	assert_string_equal(s.reason, "unknown");
	assert_int_equal(s.id, -1);
	assert_int_equal(access(pid, F_OK), -1);
	assert_int_equal(access(xml, F_OK), -1);
	assert_int_equal(access(qmp, F_OK), -1);
	assert_int_equal(vu_qemurun_list(&f->st, &names, &n), 0);
	assert_int_equal(n, 0);
	vu_domaindb_names_free(names);
	/* A reason recorded by a stop stays. */
	vu_qemurun_set_reason(&f->st, "web1", "destroyed");
	assert_int_equal(vu_qemurun_status(&f->st, "web1", &s, &e), 0);
	assert_string_equal(s.reason, "destroyed");
	assert_int_equal(vu_qemurun_status(&f->st, "../x", &s, &e), -EINVAL);
}

static void test_start_refused(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	struct vu_domstatus s;
	const char *xml = "<domain type='qemu'><name>d1</name><memory unit='MiB'>32</memory>"
			  "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
			  "<devices><tpm model='tpm-crb'/></devices></domain>";

	assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), &e), 0);
	assert_true(vu_qemurun_start(&f->st, dom, NULL, NULL, &e) < 0);
	assert_non_null(strstr(vu_err_str(&e), "tpm"));
	assert_int_equal(vu_qemurun_status(&f->st, "d1", &s, &e), 0);
	assert_int_equal(s.state, VU_DOMSTATE_SHUTOFF);
	assert_int_equal(vu_qemurun_active(&f->st, "d1"), 0);
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf_user, tu_root_setup, tu_root_teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_status_and_stale, tu_root_setup,
						tu_root_teardown),
		cmocka_unit_test_setup_teardown(test_start_refused, tu_root_setup,
						tu_root_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
