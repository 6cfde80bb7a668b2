/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_guestfs_dir.c - vu/guestfs.h's directory backend (the appliance's
 * mounted tree): the path operations on a host directory, links that try
 * to leave it (absolute, "..") resolved inside it, read-only refusals */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/guestfs.h"
#include "testutil.h"

struct fx {
	char dir[4096], root[4200], outside[4200];
	struct vu_guest *g;
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* dir/root is the guest: /etc/hostname, /etc/ssh/key, and links that aim
 * out of it; dir/outside is a host file they must never reach. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[4300];

	assert_non_null(f);
	assert_int_equal(tu_scratch(f->dir, sizeof(f->dir), "guestfs_dir"), 0);
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	put(f->outside, "host\n");
	snprintf(p, sizeof(p), "%s/etc/ssh", f->root);
	assert_int_equal(tu_sh("mkdir -p '%s'", p), 0);
	snprintf(p, sizeof(p), "%s/etc/hostname", f->root);
	put(p, "tpl\n");
	snprintf(p, sizeof(p), "%s/etc/ssh/key", f->root);
	put(p, "secret\n");
	snprintf(p, sizeof(p), "%s/abs", f->root);
	assert_int_equal(symlink("/../../outside", p), 0);
	snprintf(p, sizeof(p), "%s/up", f->root);
	assert_int_equal(symlink("../outside", p), 0);
	snprintf(p, sizeof(p), "%s/etcdir", f->root);
	assert_int_equal(symlink("/etc", p), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vu_guest_close(&f->g, NULL);
	return tu_scratch_free(f, f->dir);
}

static struct vu_guest *open_dir(struct fx *f, unsigned flags)
{
	struct vu_err e = { 0 };

	assert_int_equal(vu_guest_open_dir(&f->g, f->root, flags, &e), 0);
	assert_int_equal(vu_guest_mount_all(f->g, &e), 0);
	return f->g;
}

static void test_ops(void **state)
{
	struct fx *f = *state;
	struct vu_guest *g = open_dir(f, VU_GUEST_RDWR);
	struct vu_err e = { 0 };
	struct vu_guest_stat st;
	char *buf, **m, p[4300];
	size_t len, n;

	assert_int_equal(vu_guest_read_file(g, "/etc/hostname", 4096, &buf, &len, &e), 0);
	assert_string_equal(buf, "tpl\n");
	free(buf);
	assert_int_equal(vu_guest_write_file(g, "/etc/hostname", "web2\n", 5, 0600, -1, -1, &e), 0);
	snprintf(p, sizeof(p), "%s/etc/hostname", f->root);
	assert_string_equal(slurp(p), "web2\n");
	assert_int_equal(vu_guest_stat(g, "/etc/hostname", &st, &e), 0);
	assert_int_equal(st.mode & 07777, 0600);
	assert_int_equal(vu_guest_glob(g, "/etc/ssh/*", &m, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0], "/etc/ssh/key");
	vu_guest_strv_free(m, n);
	assert_int_equal(vu_guest_unlink(g, "/etc/ssh/key", &e), 0);
	assert_false(vu_guest_exists(g, "/etc/ssh/key"));
	assert_int_equal(vu_guest_unlink(g, "/etc/ssh", &e), -EISDIR);
	assert_int_equal(vu_guest_mkdir_p(g, "/var/lib/x", 0755, &e), 0);
	assert_int_equal(vu_guest_append(g, "/var/lib/x/f", "a", 1, &e), 0);
	assert_int_equal(vu_guest_truncate(g, "/var/lib/x/f", 0, &e), 0);
	assert_int_equal(vu_guest_lstat(g, "/var/lib/x/f", &st, &e), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(vu_guest_rm_rf(g, "/var", &e), 0);
	assert_false(vu_guest_exists(g, "/var"));
	assert_int_equal(vu_guest_rm_rf(g, "/", &e), -EINVAL);
	/* A link to a directory is followed, inside the guest. */
	assert_int_equal(vu_guest_stat(g, "/etcdir/hostname", &st, &e), 0);
	assert_int_equal(vu_guest_close(&f->g, &e), 0);
}

/* Absolute links and ".." stay inside the root: writing through them makes
 * guest files, and the host file next to the root is untouched. */
static void test_links_stay_inside(void **state)
{
	struct fx *f = *state;
	struct vu_guest *g = open_dir(f, VU_GUEST_RDWR);
	struct vu_err e = { 0 };
	char *buf, p[4300];
	size_t len;

	assert_int_equal(vu_guest_read_file(g, "/abs", 4096, &buf, &len, &e), -ENOENT);
	assert_int_equal(vu_guest_write_file(g, "/abs", "x\n", 2, -1, -1, -1, &e), 0);
	assert_int_equal(vu_guest_write_file(g, "/up", "y\n", 2, -1, -1, -1, &e), 0);
	assert_int_equal(vu_guest_write_file(g, "/../../outside", "z\n", 2, -1, -1, -1, &e), 0);
	assert_int_equal(vu_guest_chmod(g, "/abs", 0600, &e), 0);
	assert_string_equal(slurp(f->outside), "host\n");
	snprintf(p, sizeof(p), "%s/outside", f->root);
	assert_non_null(slurp(p));
	/* The link itself is what unlink removes. */
	assert_int_equal(vu_guest_unlink(g, "/abs", &e), 0);
	snprintf(p, sizeof(p), "%s/abs", f->root);
	assert_int_equal(access(p, F_OK), -1);
	assert_string_equal(slurp(f->outside), "host\n");
}

static void test_readonly(void **state)
{
	struct fx *f = *state;
	struct vu_guest *g = open_dir(f, 0);
	struct vu_err e = { 0 };

	assert_int_equal(vu_guest_unlink(g, "/etc/hostname", &e), -EROFS);
	assert_int_equal(vu_guest_write_file(g, "/etc/new", "a", 1, -1, -1, -1, &e), -EROFS);
	assert_int_equal(vu_guest_rm_rf(g, "/etc", &e), -EROFS);
	assert_true(vu_guest_exists(g, "/etc/hostname"));
}

/* A FIFO (or a device node) in the guest is never opened: reads and writes
 * say it is not a regular file, attributes still change. */
static void test_special_files(void **state)
{
	struct fx *f = *state;
	struct vu_guest *g;
	struct vu_err e = { 0 };
	struct vu_guest_stat st;
	char p[4300], *buf;
	size_t len;

	snprintf(p, sizeof(p), "%s/fifo", f->root);
	assert_int_equal(mkfifo(p, 0644), 0);
	g = open_dir(f, VU_GUEST_RDWR);
	assert_int_equal(vu_guest_read_file(g, "/fifo", 4096, &buf, &len, &e), -EINVAL);
	assert_int_equal(vu_guest_write_file(g, "/fifo", "x", 1, -1, -1, -1, &e), -EINVAL);
	assert_int_equal(vu_guest_truncate(g, "/fifo", 0, &e), -EINVAL);
	assert_int_equal(vu_guest_chmod(g, "/fifo", 0600, &e), 0);
	assert_int_equal(vu_guest_chown(g, "/fifo", VU_GUEST_KEEP, VU_GUEST_KEEP, &e), 0);
	assert_int_equal(vu_guest_lstat(g, "/fifo", &st, &e), 0);
	assert_int_equal(st.mode & 07777, 0600);
	assert_int_equal(vu_guest_unlink(g, "/fifo", &e), 0);
}

/* The inspection reads the OS from the tree. */
static void test_inspect(void **state)
{
	struct fx *f = *state;
	char p[4300];
	struct vu_guest *g;

	snprintf(p, sizeof(p), "%s/etc/os-release", f->root);
	put(p, "ID=rhel\nVERSION_ID=\"7.9\"\n");
	snprintf(p, sizeof(p), "%s/etc/selinux", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/selinux/config", f->root);
	put(p, "SELINUX=enforcing\n");
	g = open_dir(f, 0);
	assert_string_equal(vu_guest_os(g)->id, "rhel");
	assert_string_equal(vu_guest_os(g)->version_id, "7.9");
	assert_true(vu_guest_os(g)->selinux);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_ops),
		T(test_links_stay_inside),
		T(test_readonly),
		T(test_special_files),
		T(test_inspect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
