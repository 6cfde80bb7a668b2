/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_install.c - the install phase's end in the state root: whether a
 * domain still installs, the record removed (and only from the domain it
 * was for), and the wait for its end */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/domaindb.h"
#include "vu/qemuinstall.h"
#include "testutil.h"

#define UUID "2a1e6f0e-4f55-4a56-9c1e-7d35c0c0f001"

/* Defines "g", with an install record when install. */
static void define(const struct vu_state *st, bool install, const char *uuid)
{
	static const char xml[] =
		"<domain type='qemu'><name>g</name><uuid>%s</uuid><memory>65536</memory>"
		"<os><type arch='x86_64' machine='pc'>hvm</type></os>"
		"<metadata><other:x xmlns:other='https://example.org/other'/></metadata>"
		"<devices/></domain>";
	struct vu_install_spec spec = {
		.method = "location", .on_reboot = "destroy", .boot = { "hd" }, .nboot = 1,
		.kernel = "/b/vmlinuz", .initrd = "/b/initrd.img", .cmdline = "console=ttyS0",
	};
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	char buf[1024];

	snprintf(buf, sizeof(buf), xml, uuid);
	assert_int_equal(vu_domain_parse(&dom, buf, strlen(buf), &e), 0);
	if (install)
		assert_int_equal(vu_domain_set_install(dom, &spec, &e), 0);
	assert_int_equal(vu_domaindb_define(st, dom, VU_DOMAINDB_REPLACE, &e), 0);
	vu_domain_free(&dom);
}

static void test_pending_finish(void **state)
{
	struct tu_root *r = *state;
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };

	define(&r->st, false, UUID);
	assert_false(vu_install_pending(&r->st, "g"));
	assert_int_equal(vu_install_finish(&r->st, "g", UUID, &e), 0);
	define(&r->st, true, UUID);
	assert_true(vu_install_pending(&r->st, "g"));
	assert_false(vu_install_pending(&r->st, "nosuch"));
	assert_int_equal(vu_install_finish(&r->st, "g", UUID, &e), 0);
	assert_false(vu_install_pending(&r->st, "g"));
	/* The record alone went: other applications' metadata stays. */
	assert_int_equal(vu_domaindb_load(&r->st, "g", &dom, &e), 0);
	assert_non_null(vu_domain_metadata_node(dom, "https://example.org/other"));
	assert_null(vu_domain_metadata_node(dom, VU_INSTALL_NS));
	vu_domain_free(&dom);
}

/* A domain defined again under the same name since the install started is
 * not the one the watcher was for. */
static void test_finish_other_domain(void **state)
{
	struct tu_root *r = *state;
	struct vu_err e = { 0 };

	define(&r->st, true, "2a1e6f0e-4f55-4a56-9c1e-7d35c0c0f002");
	assert_int_equal(vu_install_finish(&r->st, "g", UUID, &e), -ESTALE);
	assert_true(vu_install_pending(&r->st, "g"));
	assert_int_equal(vu_install_finish(&r->st, "nosuch", UUID, &e), -ENOENT);
}

/* RUN/qemu/g.FILE made (an empty file). */
static void touch(const struct vu_state *st, const char *file)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/qemu", st->run);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/qemu/g.%s", st->run, file);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const struct vu_state *st, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/qemu/g.%s", st->run, file);
	return access(path, F_OK) == 0;
}

/* The hook at work, as install_run.c's: holds NAME.install in a child
 * until told (a byte on the pipe), then finishes the install if finish,
 * removes the marker and exits. */
static pid_t fake_hook(const struct vu_state *st, int *tell, bool finish)
{
	char path[4096];
	int p[2], fd;
	pid_t pid;

	touch(st, "install");
	snprintf(path, sizeof(path), "%s/qemu/g.install", st->run);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) == 1 && finish) {
			vu_install_finish(st, "g", UUID, NULL);
			snprintf(path, sizeof(path), "%s/qemu/g.installing", st->run);
			unlink(path);
		}
		_exit(0);
	}
	close(fd);	/* the child's copy holds the lock now */
	close(p[0]);
	*tell = p[1];
	return pid;
}

static void test_wait(void **state)
{
	struct tu_root *r = *state;
	struct vu_err e = { 0 };
	int tell;
	pid_t pid;

	/* Nothing installs: done at once. */
	define(&r->st, false, UUID);
	assert_int_equal(vu_install_wait(&r->st, "g", 0, &e), 0);
	/* A record, no install under way: it ended without finishing. */
	define(&r->st, true, UUID);
	assert_int_equal(vu_install_wait(&r->st, "g", 1000, &e), -ECANCELED);
	/* An install under way, its hook at work: the wait times out... */
	touch(&r->st, "installing");
	pid = fake_hook(&r->st, &tell, true);
	assert_int_equal(vu_install_wait(&r->st, "g", 300, &e), -ETIMEDOUT);
	assert_string_equal(e.msg, "the install is still in progress");
	/* ... and returns once the record and the marker are gone. */
	assert_int_equal(write(tell, "x", 1), 1);
	assert_int_equal(vu_install_wait(&r->st, "g", 10000, &e), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	close(tell);
	/* Marked, but no QEMU, no monitor, no hook (the host destroyed the
	 * install): cancelled, and the marker goes. */
	define(&r->st, true, UUID);
	touch(&r->st, "installing");
	assert_int_equal(vu_install_wait(&r->st, "g", 10000, &e), -ECANCELED);
	assert_false(exists(&r->st, "installing"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pending_finish, tu_root_setup, tu_root_teardown),
		cmocka_unit_test_setup_teardown(test_finish_other_domain, tu_root_setup,
						tu_root_teardown),
		cmocka_unit_test_setup_teardown(test_wait, tu_root_setup, tu_root_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
