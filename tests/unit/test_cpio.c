/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cpio.c - libshared's newc writer: trees in sorted order, root-owned,
 * modes and symlink targets kept, gzip, and what it refuses; read back by
 * tests/fixtures/newc-walk.py (the kernel's unpacking order) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "testutil.h"
#include "vu/cpio.h"

static char dir[64];
static char walker[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (!tu_fixture_script("newc-walk.py", walker, sizeof(walker)))
		return -1;
	return tu_scratch(dir, sizeof(dir), "test_cpio");
}

static int teardown(void **state)
{
	(void)state;
	return tu_scratch_done(dir);
}

/* A tree: x (0755), link -> sub/a.txt, sub/ (0750), sub/a.txt (0640). */
static void make_tree(const char *top)
{
	char p[PATH_MAX];

	assert_int_equal(mkdir(top, 0755), 0);
	tu_put(top, "sub/a.txt", "alpha\n");
	tu_put(top, "x", "#!/bin/sh\n");
	tu_path(p, sizeof(p), top, "x");
	assert_int_equal(chmod(p, 0755), 0);
	tu_path(p, sizeof(p), top, "sub/a.txt");
	assert_int_equal(chmod(p, 0640), 0);
	tu_path(p, sizeof(p), top, "sub");
	assert_int_equal(chmod(p, 0750), 0);
	tu_path(p, sizeof(p), top, "link");
	assert_int_equal(symlink("sub/a.txt", p), 0);
}

/* Writes an archive of top (under prefix) plus extra entries into out. */
static int write_tree(const char *out, const char *top, const char *prefix, unsigned flags,
		      struct vu_err *e)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct vu_cpio *c;
	int r;

	assert_true(fd >= 0);
	r = vu_cpio_open(&c, fd, flags, out, e);
	if (r == 0)
		r = vu_cpio_add_tree(c, top, prefix, e);
	if (r == 0)
		r = vu_cpio_add_node(c, "console", S_IFCHR, 0600, makedev(5, 1), e);
	if (r == 0)
		r = vu_cpio_add_data(c, "init", "#!/bin/sh\n", 10, 0700, e);
	if (r == 0) {
		r = vu_cpio_finish(c, e);
		c = NULL;
	}
	vu_cpio_free(c);
	close(fd);
	return r;
}

static void test_tree_sorted_root_owned(void **state)
{
	char top[PATH_MAX], out[PATH_MAX], *got;
	struct vu_err e;

	(void)state;
	tu_path(top, sizeof(top), dir, "tree1");
	tu_path(out, sizeof(out), dir, "tree1.cpio.gz");
	make_tree(top);
	assert_int_equal(write_tree(out, top, NULL, VU_CPIO_GZIP, &e), 0);
	got = tu_sh_out("%s %s", walker, out);
	assert_string_equal(got, "120777 0 0 9 link\n"
				 "40750 0 0 0 sub\n"
				 "100640 0 0 6 sub/a.txt\n"
				 "100755 0 0 10 x\n"
				 "20600 0 0 0 console\n"
				 "100700 0 0 10 init\n");
	free(got);
	got = tu_sh_out("%s %s link", walker, out);
	assert_string_equal(got, "sub/a.txt");
	free(got);
	got = tu_sh_out("%s %s sub/a.txt", walker, out);
	assert_string_equal(got, "alpha\n");
	free(got);
	got = tu_sh_out("head -c 2 %s | od -An -tx1", out);
	assert_string_equal(got, " 1f 8b\n");
	free(got);
}

static void test_prefix_plain(void **state)
{
	char top[PATH_MAX], out[PATH_MAX], *got;
	struct vu_err e;

	(void)state;
	tu_path(top, sizeof(top), dir, "tree2");
	tu_path(out, sizeof(out), dir, "tree2.cpio");
	make_tree(top);
	assert_int_equal(write_tree(out, top, "usr/share", 0, &e), 0);
	got = tu_sh_out("%s %s | cut -d' ' -f5", walker, out);
	assert_string_equal(got, "usr/share/link\nusr/share/sub\nusr/share/sub/a.txt\n"
				 "usr/share/x\nconsole\ninit\n");
	free(got);
	/* plain newc from the first byte, as GNU cpio reads it */
	got = tu_sh_out("cpio -it --quiet <%s | head -n 1", out);
	assert_string_equal(got, "usr/share/link\n");
	free(got);
}

static void test_refusals(void **state)
{
	char top[PATH_MAX], out[PATH_MAX], p[PATH_MAX];
	struct vu_cpio *c;
	struct vu_err e;
	int fd;

	(void)state;
	tu_path(top, sizeof(top), dir, "tree3");
	tu_path(out, sizeof(out), dir, "tree3.cpio");
	make_tree(top);
	tu_path(p, sizeof(p), top, "sub/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(write_tree(out, top, NULL, 0, &e), -EINVAL);
	assert_non_null(strstr(vu_err_str(&e), "sub/fifo: not a file, directory or symbolic link"));

	fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(vu_cpio_open(&c, fd, 0, out, &e), 0);
	assert_int_equal(vu_cpio_add_dir(c, "/abs", 0755, &e), -EINVAL);
	assert_int_equal(vu_cpio_add_node(c, "f", S_IFREG, 0644, 0, &e), -EINVAL);
	assert_int_equal(vu_cpio_add_tree(c, top, "/usr", &e), -EINVAL);
	tu_path(p, sizeof(p), dir, "missing");
	assert_int_equal(vu_cpio_add_tree(c, p, NULL, &e), -ENOENT);
	vu_cpio_free(c);
	close(fd);
}

/* A file shorter than the size announced fails rather than padding. */
static void test_short_file(void **state)
{
	char src[PATH_MAX], out[PATH_MAX];
	struct vu_cpio *c;
	struct vu_err e;
	int fd, sfd;

	(void)state;
	tu_path(src, sizeof(src), dir, "short");
	tu_path(out, sizeof(out), dir, "short.cpio");
	tu_write_str(src, "abc");
	sfd = open(src, O_RDONLY | O_CLOEXEC);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(sfd >= 0 && fd >= 0);
	assert_int_equal(vu_cpio_open(&c, fd, 0, out, &e), 0);
	assert_int_equal(vu_cpio_add_fd(c, "short", sfd, 10, 0644, 0, &e), -EIO);
	assert_non_null(strstr(vu_err_str(&e), "shrank"));
	vu_cpio_free(c);
	close(sfd);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_sorted_root_owned),
		cmocka_unit_test(test_prefix_plain),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_short_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
