/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domaindb.c - defined domains: names, UUIDs and MACs unique, atomic
 * definitions, autostart marks, and the pidfile lock that says a domain
 * runs */
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

#include "vu/base.h"
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
	struct vu_domain *digits = mkdom("1234", U1, M1), *dot = mkdom("x", U1, M1);

	define(f, digits, 0, -EINVAL, "domain name '1234' cannot be only digits");
	/* Loading refuses such a name; one set by a tool is refused here. */
	assert_int_equal(vu_domain_set_name(dot, ".hidden"), 0);
	define(f, dot, 0, -EINVAL, "invalid domain name '.hidden': letters, digits and "
	       "_.+:- only, not first . or -, 1 to 255 bytes");
	vu_domain_free(&digits);
	vu_domain_free(&dot);
}

/* What libvirt would refuse is never stored. */
static void test_define_checks_values(void **state)
{
	static const struct { const char *xml, *msg; } bad[] = {
		{ "<memory>-5</memory>", "<memory>: '-5' is not a whole number" },
		{ "<memory>12abc</memory>", "<memory>: '12abc' is not a whole number" },
		{ "<memory unit='KiB'>1180591620717411303424</memory>",
		  "<memory>: 1180591620717411303424 KiB is more than libvirt takes (8 EiB)" },
		{ "<memory unit='EiB'>9</memory>",
		  "<memory>: 9 EiB is more than libvirt takes (8 EiB)" },
		{ "<memory unit='parsecs'>1</memory>", "<memory>: unknown unit 'parsecs'" },
		{ "<memory>0</memory>", "<memory>: 0: the guest needs memory" },
		{ "<memory>1024</memory><currentMemory>1 </currentMemory>",
		  "<currentMemory>: '1 ' is not a whole number" },
		{ "<memory>1024</memory><vcpu>0</vcpu>",
		  "<vcpu>: '0' is not a count from 1 to 65535" },
		{ "<memory>1024</memory><vcpu>65536</vcpu>",
		  "<vcpu>: '65536' is not a count from 1 to 65535" },
		{ "<memory>1024</memory><vcpu current='0'>2</vcpu>",
		  "<vcpu current>: '0' is not a count from 1 to 65535" },
		{ "<memory>1024</memory><vcpu current='3'>2</vcpu>",
		  "<vcpu current=3>: more than the 2 of <vcpu>" },
	};
	struct tu_root *f = *state;
	char xml[512];
	char **names;
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vu_domain *d;

		snprintf(xml, sizeof(xml), "<domain type='kvm'><name>v</name>%s"
			 "<os><type>hvm</type></os></domain>", bad[i].xml);
		d = dom_parse(xml);
		define(f, d, 0, i == 2 || i == 3 ? -ERANGE : -EINVAL, bad[i].msg);
		vu_domain_free(&d);
	}
	assert_int_equal(vu_domaindb_list(&f->st, &names, &n), 0);
	assert_int_equal(n, 0);
	vu_domaindb_names_free(names);
}

/* 0600 whatever the umask: a definition may hold a display password. */
static void test_define_mode(void **state)
{
	static const mode_t masks[] = { 022, 0, 0277 };
	struct tu_root *f = *state;
	struct stat sb;

	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		struct vu_domain *d = mkdom("web1", U1, M1);
		char *path = vu_state_path(&f->st, "domains", "web1.xml");
		mode_t old = umask(masks[i]);

		define(f, d, VU_DOMAINDB_REPLACE, 0, NULL);
		umask(old);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0600);
		free(path);
		vu_domain_free(&d);
	}
}

/* A definition that cannot be read (hostile, hand-broken) blocks nobody. */
static void test_unreadable_skipped(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1), *b = mkdom("web2", U2, M2);
	char *bad = vu_state_path(&f->st, "domains", "bad.xml");
	FILE *out = fopen(bad, "w");
	struct vu_err e = { 0 };

	assert_non_null(out);
	fputs("<domain type='kvm'><name>bad</name><x", out);
	for (int i = 0; i < 5000; i++)
		fprintf(out, " a%d='1'", i);
	fputs("/></domain>", out);
	fclose(out);
	/* Skipped (with one warning line on stderr), the others still count. */
	define(f, a, 0, 0, NULL);
	define(f, b, 0, 0, NULL);
	assert_int_equal(vu_domaindb_check_unique(&f->st, a, NULL, &e), -EEXIST);
	assert_string_equal(e.msg, "domain 'web1' already exists");
	free(bad);
	vu_domain_free(&a);
	vu_domain_free(&b);
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

/* The mark is a link to the definition, as libvirt's, set and cleared. */
static void test_autostart(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1);
	struct vu_err e = { 0 };
	char *link = vu_state_path(&f->st, "autostart/domains", "web1"), target[64];
	ssize_t n;

	define(f, a, 0, 0, NULL);
	assert_false(vu_domaindb_is_autostart(&f->st, "web1"));
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", true, &e), 0);
	assert_true(vu_domaindb_is_autostart(&f->st, "web1"));
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../../domains/web1.xml");
	/* twice is once; a stale link is replaced */
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", true, &e), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("../../domains/old.xml", link), 0);
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", true, &e), 0);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../../domains/web1.xml");
	/* unmarked, twice */
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", false, &e), 0);
	assert_false(vu_domaindb_is_autostart(&f->st, "web1"));
	assert_int_equal(access(link, F_OK), -1);
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", false, &e), 0);
	/* only a defined domain is marked */
	assert_int_equal(vu_domaindb_autostart(&f->st, "nope", true, &e), -ENOENT);
	assert_string_equal(e.msg, "domain 'nope' not found");
	assert_false(vu_domaindb_is_autostart(&f->st, "nope"));
	assert_int_equal(vu_domaindb_autostart(&f->st, "../x", true, &e), -ENOENT);
	/* undefining unmarks */
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", true, &e), 0);
	assert_int_equal(vu_domaindb_undefine(&f->st, "web1", &e), 0);
	assert_false(vu_domaindb_is_autostart(&f->st, "web1"));
	free(link);
	vu_domain_free(&a);
}

/* The link is made in the directory checked when the root was opened,
 * not wherever a link swapped in for it since points. */
static void test_autostart_checked_dir(void **state)
{
	struct tu_root *f = *state;
	struct vu_domain *a = mkdom("web1", U1, M1);
	struct vu_err e = { 0 };
	char *dir = vu_state_path(&f->st, "autostart", "domains");
	char *moved = vu_state_path(&f->st, "autostart", "domains.kept");
	char *elsewhere = vu_state_path(&f->st, NULL, "elsewhere"), path[256];

	define(f, a, 0, 0, NULL);
	assert_int_equal(rename(dir, moved), 0);
	assert_int_equal(mkdir(elsewhere, 0755), 0);
	assert_int_equal(symlink(elsewhere, dir), 0);
	assert_int_equal(vu_domaindb_autostart(&f->st, "web1", true, &e), 0);
	snprintf(path, sizeof(path), "%s/web1", moved);
	{
		struct stat sb;

		assert_int_equal(lstat(path, &sb), 0);
		assert_true(S_ISLNK(sb.st_mode));
	}
	snprintf(path, sizeof(path), "%s/web1", elsewhere);
	assert_int_equal(access(path, F_OK), -1);
	free(dir);
	free(moved);
	free(elsewhere);
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
	char *dir = vu_state_path(&f->st, NULL, "run/qemu");
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
		T(test_define_checks_values),
		T(test_define_mode),
		T(test_unreadable_skipped),
		T(test_undefine),
		T(test_autostart),
		T(test_autostart_checked_dir),
		T(test_mismatched_file),
		T(test_running),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
