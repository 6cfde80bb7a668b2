/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qemurun.c - the runtime's files in RUN/qemu: qemu.conf's user,
 * states and reasons, a stale pidfile cleaned, the running list; and a
 * start through the API that fails half-way leaving nothing */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The hook the install phase uses: here it leaves a file naming the domain. */
static void hook(void *ctx, const struct vu_state *st, const char *name)
{
	/* In the monitor's process: no cmocka there, plain calls. */
	int fd = open(ctx, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	(void)st;
	if (fd >= 0) {
		(void)!write(fd, name, strlen(name));
		close(fd);
	}
}

/* Waits up to secs for path to hold text. */
static bool wait_for(const char *path, const char *text, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		size_t len;
		char *data = access(path, R_OK) == 0 ? tu_read(path, &len) : NULL;
		bool found = data && strstr(data, text);

		free(data);
		if (found)
			return true;
		usleep(100000);
	}
	return false;
}

/* With hooks, a monitor runs; when the guest powers off, QEMU exits and
 * the hook is called with the domain's name (the test guest: an OS that
 * powers off on the ACPI button). */
static void test_hook_after_guest_poweroff(void **state)
{
	struct tu_root *f = *state;
	char mk[PATH_MAX], xml[600], con[600], done[600];
	struct vu_qemurun_hooks h = { .guest_shutdown = hook, .ctx = done };
	struct vu_qemurun_opts o = { .hooks = &h };
	struct vu_domain *dom = NULL;
	struct vu_domstatus s;
	struct vu_err e = { 0 };
	int r;

	tu_path(con, sizeof(con), f->dir, "hk.console");
	tu_path(done, sizeof(done), f->dir, "hook-called");
	tu_path(xml, sizeof(xml), f->dir, "hk.xml");
	if (tu_sh("command -v qemu-system-x86_64 >/dev/null") != 0 ||
	    !tu_fixture_script("mkguest.sh", mk, sizeof(mk))) {
		print_message("no QEMU or no mkguest.sh: skip\n");
		skip();
	}
	r = tu_sh("%s %s/guest >/dev/null 2>&1", mk, f->dir);
	if (r == 77) {
		print_message("no test guest: skip\n");
		skip();
	}
	assert_int_equal(r, 0);
	assert_int_equal(tu_sh("sed -e 's|<name>vu-guest|<name>hk|' "
			       "-e \"s|<serial type='pty'>|<serial type='file'><source path='%s'/>|\" "
			       "-e \"s|<console type='pty'>|<console type='file'><source path='%s'/>|\" "
			       "%s/guest/guest.xml >%s", con, con, f->dir, xml), 0);
	assert_int_equal(vu_domain_load(&dom, xml, &e), 0);
	assert_int_equal(vu_qemurun_start(&f->st, dom, &o, NULL, &e), 0);
	assert_true(wait_for(con, "VU-GUEST: booted", 120));
	assert_int_equal(vu_qemurun_shutdown(&f->st, "hk", 0, &e), 0);
	assert_true(wait_for(done, "hk", 120));
	assert_int_equal(vu_qemurun_status(&f->st, "hk", &s, &e), 0);
	assert_int_equal(s.state, VU_DOMSTATE_SHUTOFF);
	assert_string_equal(s.reason, "shutdown");
	vu_domain_free(&dom);
}

/* What a failed test left running goes with it. */
static int teardown_qemu(void **state)
{
	struct tu_root *f = *state;

	tu_sh("for p in %s/run/qemu/*.pid; do [ -f \"$p\" ] && kill -9 $(cat \"$p\") 2>/dev/null; "
	      "done; true", f->dir);
	return tu_root_teardown(state);
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
		cmocka_unit_test_setup_teardown(test_hook_after_guest_poweroff, tu_root_setup,
						teardown_qemu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
