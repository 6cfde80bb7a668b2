/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmclone_reserve.c - names and paths vm-clone holds while copying */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

/* vm-clone's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-clone/vm-clone.h"

/* flock locks belong to an open file: a second open of the same
 * reservation, even in this process, finds it held. */
static void test_name(void **state)
{
	struct tu_root *f = *state;
	struct vc_resv a, b;
	char path[256];
	int fd;

	assert_int_equal(vc_reserve_name(&f->st, "web-clone", &a), 0);
	assert_true(a.fd >= 0);
	assert_int_equal(vc_reserve_name(&f->st, "web-clone", &b), -EEXIST);
	assert_int_equal(b.fd, -1);
	vc_release(&f->st, &a);
	assert_int_equal(a.fd, -1);
	vc_release(&f->st, &a);		/* twice is harmless */
	assert_int_equal(vc_reserve_name(&f->st, "web-clone", &b), 0);
	vc_release(&f->st, &b);
	/* A defined domain is taken. */
	tu_path(path, sizeof(path), f->dir, "domains/web-clone.xml");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vc_reserve_name(&f->st, "web-clone", &b), -EEXIST);
}

static void test_path(void **state)
{
	struct tu_root *f = *state;
	struct vc_resv a, b;
	char path[256];
	int fd;

	tu_path(path, sizeof(path), f->dir, "images/x-clone.qcow2");
	assert_int_equal(vc_reserve_path(&f->st, path, &a), 0);
	assert_int_equal(vc_reserve_path(&f->st, path, &b), -EEXIST);
	vc_release(&f->st, &a);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vc_reserve_path(&f->st, path, &b), -EEXIST);
}

/* --replace: a defined domain is no obstacle, another vm-clone is; and
 * the two kinds of reservation of one name exclude each other. */
static void test_replace(void **state)
{
	struct tu_root *f = *state;
	struct vc_resv a, b;
	char path[256];
	int fd;

	tu_path(path, sizeof(path), f->dir, "domains/web.xml");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vc_reserve_name(&f->st, "web", &a), -EEXIST);
	assert_int_equal(vc_reserve_replace(&f->st, "web", &a), 0);
	assert_int_equal(vc_reserve_replace(&f->st, "web", &b), -EEXIST);
	vc_release(&f->st, &a);
	assert_int_equal(vc_reserve_replace(&f->st, "free", &a), 0);
	assert_int_equal(vc_reserve_name(&f->st, "free", &b), -EEXIST);
	vc_release(&f->st, &a);
	assert_int_equal(vc_reserve_name(&f->st, "free", &b), 0);
	assert_int_equal(vc_reserve_replace(&f->st, "free", &a), -EEXIST);
	vc_release(&f->st, &b);
}

/* A reservation nobody holds (its vm-clone was killed) is free again. */
static void test_stale(void **state)
{
	struct tu_root *f = *state;
	struct vc_resv a;
	char *stale;

	assert_int_equal(vc_reserve_name(&f->st, "db-clone", &a), 0);
	stale = strdup(a.path);
	assert_non_null(stale);
	close(a.fd);
	free(a.path);
	assert_int_equal(access(stale, F_OK), 0);
	assert_int_equal(vc_reserve_name(&f->st, "db-clone", &a), 0);
	vc_release(&f->st, &a);
	assert_int_equal(access(stale, F_OK), -1);
	free(stale);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_root_setup, tu_root_teardown)
	const struct CMUnitTest tests[] = { T(test_name), T(test_path), T(test_replace),
					    T(test_stale) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
