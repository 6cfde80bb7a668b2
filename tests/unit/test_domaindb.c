/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domaindb.c - defined domains: names, UUIDs and MACs unique, atomic
 * definitions, and the pidfile lock that says a domain runs */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/domaindb.h"
#include "domain_test.h"
#include "testutil.h"

static struct vu_domain *mkdom(const char *name, const char *uuid, const char *mac)
{
	char xml[512];

	snprintf(xml, sizeof(xml),
		 "<domain type='kvm'><name>%s</name><uuid>%s</uuid><os><type>hvm</type></os>"
		 "<devices><interface type='network'><mac address='%s'/>"
		 "<source network='default'/></interface></devices></domain>",
		 name, uuid, mac);
	return dom_parse(xml);
}

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"
#define M1 "52:54:00:00:00:01"
#define M2 "52:54:00:00:00:02"

static void define(struct tu_root *f, struct vu_domain *d, unsigned flags, int want,
		   const char *msg)
{
	struct vu_err e = { 0 };

	assert_int_equal(vu_domaindb_define(&f->st, d, flags, &e), want);
	if (msg)
		assert_string_equal(e.msg, msg);
}

static void test_define_load_list(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1), *b = mkdom("db", U2, M2), *got;
	struct vu_err e = { 0 };
	char **names, *xa, *xg;
	size_t n;

	define(f, a, 0, 0, NULL);
	define(f, b, 0, 0, NULL);
	assert_int_equal(vu_domaindb_list(&f->st, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "db");
	assert_string_equal(names[1], "web1");
	assert_null(names[2]);
	vu_domaindb_names_free(names);

	assert_int_equal(vu_domaindb_load(&f->st, "web1", &got, &e), 0);
	xa = vu_domain_format(a);
	xg = vu_domain_format(got);
	assert_string_equal(xa, xg);
	free(xa);
	free(xg);
	vu_domain_free(&got);
	assert_int_equal(vu_domaindb_load(&f->st, "nope", &got, &e), -ENOENT);
	assert_string_equal(e.msg, "domain 'nope' not found");
	assert_int_equal(vu_domaindb_load(&f->st, "../x", &got, &e), -ENOENT);
	vu_domain_free(&a);
	vu_domain_free(&b);
}

static void test_unique(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1);
	struct vu_domain *same_name = mkdom("web1", U2, M2);
	struct vu_domain *same_uuid = mkdom("web2", U1, M2);
	struct vu_domain *same_mac = mkdom("web3", U2, "52:54:00:00:00:01");

	define(f, a, 0, 0, NULL);
	define(f, same_name, 0, -EEXIST, "domain 'web1' already exists");
	define(f, same_uuid, 0, -EEXIST, "UUID " U1 " is used by domain 'web1'");
	define(f, same_mac, 0, -EEXIST, "MAC " M1 " is used by domain 'web1'");
	assert_true(vu_domaindb_mac_used(M1, &f->st));
	assert_false(vu_domaindb_mac_used(M2, &f->st));
	/* replacing web1 compares against the others only */
	define(f, same_name, VU_DOMAINDB_REPLACE, 0, NULL);
	assert_false(vu_domaindb_mac_used(M1, &f->st));
	assert_true(vu_domaindb_mac_used(M2, &f->st));
	vu_domain_free(&a);
	vu_domain_free(&same_name);
	vu_domain_free(&same_uuid);
	vu_domain_free(&same_mac);
}

static void test_names(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *digits = mkdom("1234", U1, M1), *dot = mkdom(".hidden", U1, M1);

	define(f, digits, 0, -EINVAL, "domain name '1234' cannot be only digits");
	define(f, dot, 0, -EINVAL, "invalid domain name '.hidden'");
	vu_domain_free(&digits);
	vu_domain_free(&dot);
}

static void test_undefine(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1);
	struct vu_err e = { 0 };
	char *link = vu_state_path(&f->st, "autostart/domains", "web1");

	define(f, a, 0, 0, NULL);
	assert_int_equal(symlink("../../domains/web1.xml", link), 0);
	assert_int_equal(vu_domaindb_undefine(&f->st, "web1", &e), 0);
	assert_int_equal(access(link, F_OK), -1);
	assert_int_equal(vu_domaindb_undefine(&f->st, "web1", &e), -ENOENT);
	assert_string_equal(e.msg, "domain 'web1' not found");
	free(link);
	vu_domain_free(&a);
}

/* A file naming another domain is not that domain. */
static void test_mismatched_file(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1), *got;
	struct vu_err e = { 0 };
	char *src = vu_state_path(&f->st, "domains", "web1.xml");
	char *dst = vu_state_path(&f->st, "domains", "other.xml");

	define(f, a, 0, 0, NULL);
	assert_int_equal(rename(src, dst), 0);
	assert_int_equal(vu_domaindb_load(&f->st, "other", &got, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "defines domain 'web1', not 'other'"));
	free(src);
	free(dst);
	vu_domain_free(&a);
}

/* QEMU's -pidfile lock is lockf(3); a child holds one as QEMU would. */
static void test_running(void **state)
{
	struct tu_root *f = *state;
	char *pid = vu_domaindb_pidfile(&f->st, "web1");
	char *dir = vu_state_path(&f->st, NULL, "run/domains");
	int ready[2];
	char c;
	pid_t child;

	assert_int_equal(vu_domaindb_running(&f->st, "web1"), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		int fd = open(pid, O_RDWR | O_CREAT, 0644);

		if (fd < 0 || lockf(fd, F_TLOCK, 0) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(vu_domaindb_running(&f->st, "web1"), 1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* the file stays behind a killed QEMU; its lock does not */
	assert_int_equal(access(pid, F_OK), 0);
	assert_int_equal(vu_domaindb_running(&f->st, "web1"), 0);
	close(ready[0]);
	close(ready[1]);
	free(pid);
	free(dir);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_root_setup, tu_root_teardown)
	const struct CMUnitTest tests[] = {
		T(test_define_load_list),
		T(test_unique),
		T(test_names),
		T(test_undefine),
		T(test_mismatched_file),
		T(test_running),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
