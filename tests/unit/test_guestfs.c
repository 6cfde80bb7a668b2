/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_guestfs.c - libshared/guest on a plain ext4 raw disk and its qcow2
 * copies: inspection, every path operation checked by debugfs and e2fsck
 * -fn, paths that try to leave the guest, read-only opens that change
 * nothing, filesystems e2fsck must see first */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guestfs_test.h"

static int setup(void **state)
{
	return gfx_setup(state, "plain");
}

static char *sum(const char *path)
{
	return tu_sh_out("sha256sum < '%s'", path);
}

static void test_inspect(void **state)
{
	struct gfx *f = *state;
	const struct vu_guest_fs *fs;
	const struct vu_guest_os *os;
	const struct vu_guest_mount *m;
	size_t n;

	f->g = gfx_open(f->img, "raw", 0);
	fs = vu_guest_filesystems(f->g, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fs[0].device, "/dev/sda");
	assert_string_equal(fs[0].type, "ext4");
	assert_string_equal(fs[0].uuid, "0b3f1e9a-1d2c-4e5f-8a9b-0c1d2e3f4a5b");
	assert_string_equal(fs[0].label, "root");
	assert_string_equal(fs[0].mountpoint, "/");
	os = vu_guest_os(f->g);
	assert_string_equal(os->root, "/dev/sda");
	assert_string_equal(os->id, "rhel");
	assert_string_equal(os->version_id, "7.9");
	assert_true(os->selinux);
	m = vu_guest_mounts(f->g, &n);
	assert_int_equal(n, 1);
	assert_true(m[0].mounted);
	assert_string_equal(m[0].device, "/dev/sda");
	assert_non_null(vu_guest_find_fs(f->g, "LABEL=root"));
	assert_non_null(vu_guest_find_fs(f->g, "/dev/vda"));
	assert_null(vu_guest_find_fs(f->g, "/dev/sdb"));
}

static void test_read_ops(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_dirent *ents;
	struct vu_guest_stat st;
	struct vu_err e = { 0 };
	char *s, **v;
	size_t n;
	bool found = false;

	f->g = gfx_open(f->img, NULL, 0);
	s = gfx_cat(f->g, "/etc/hostname");
	assert_string_equal(s, "template.example.com\n");
	free(s);
	/* An absolute link is followed inside the guest. */
	s = gfx_cat(f->g, "/etc/localtime");
	assert_string_equal(s, "UTC\n");
	free(s);
	assert_int_equal(vu_guest_readlink(f->g, "/etc/localtime", &s, &e), 0);
	assert_string_equal(s, "/usr/share/zoneinfo/UTC");
	free(s);
	assert_int_equal(vu_guest_lstat(f->g, "/etc/localtime", &st, &e), 0);
	assert_true((st.mode & 0170000) == 0120000);
	assert_int_equal(vu_guest_stat(f->g, "/var/big/blob", &st, &e), 0);
	assert_int_equal(st.size, 300000);
	assert_int_equal(vu_guest_read_file(f->g, "/var/big/blob", 1000, &s, &n, &e), -EFBIG);
	assert_int_equal(vu_guest_read_file(f->g, "/etc", 1000, &s, &n, &e), -EISDIR);
	assert_int_equal(vu_guest_stat(f->g, "/nope/x", &st, &e), -ENOENT);
	assert_int_equal(vu_guest_stat(f->g, "/etc/hostname/x", &st, &e), -ENOTDIR);
	assert_int_equal(vu_guest_stat(f->g, "/etc/loop1", &st, &e), -ELOOP);
	assert_int_equal(vu_guest_readdir(f->g, "/var/log", &ents, &n, &e), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ents[i].name, "audit"))
			found = ents[i].type == DT_DIR;
	assert_true(found);
	vu_guest_dirents_free(ents, n);
	/* glob: links to directories followed, dot files need a dot. */
	assert_int_equal(vu_guest_glob(f->g, "/logs/*", &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "/logs/audit");
	assert_string_equal(v[1], "/logs/messages");
	assert_string_equal(v[2], "/logs/secure");
	vu_guest_strv_free(v, n);
	assert_int_equal(vu_guest_glob(f->g, "/var/log/*/*.log", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "/var/log/audit/audit.log");
	vu_guest_strv_free(v, n);
	assert_int_equal(vu_guest_glob(f->g, "/home/*/.bash_history", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	vu_guest_strv_free(v, n);
	assert_int_equal(vu_guest_glob(f->g, "/root/*", &v, &n, &e), 0);
	assert_int_equal(n, 0);
	vu_guest_strv_free(v, n);
	assert_int_equal(vu_guest_glob(f->g, "/root/.*", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	vu_guest_strv_free(v, n);
}

/* ".." and links never climb above the guest's root. */
static void test_no_escape(void **state)
{
	struct gfx *f = *state;
	char *s;

	f->g = gfx_open(f->img, "raw", 0);
	s = gfx_cat(f->g, "/etc/climb");
	assert_string_equal(s, "template.example.com\n");
	free(s);
	s = gfx_cat(f->g, "/etc/abs-climb");
	assert_string_equal(s, "0123456789abcdef0123456789abcdef\n");
	free(s);
	s = gfx_cat(f->g, "/../../../../etc/../../etc/hostname");
	assert_string_equal(s, "template.example.com\n");
	free(s);
}

/* Read-only: writes refused, the image left byte for byte. */
static void test_readonly(void **state)
{
	struct gfx *f = *state;
	struct vu_err e = { 0 };
	char *before = sum(f->img), *after;

	f->g = gfx_open(f->img, "raw", 0);
	assert_int_equal(vu_guest_write_file(f->g, "/x", "a", 1, -1, -1, -1, &e), -EROFS);
	assert_int_equal(vu_guest_unlink(f->g, "/etc/hostname", &e), -EROFS);
	gfx_close(&f->g);
	/* Opened for writing but nothing written: unchanged too. */
	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	gfx_close(&f->g);
	after = sum(f->img);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_write_ops(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_stat st;
	struct vu_err e = { 0 };
	char big[70000], *s;

	memset(big, 'z', sizeof(big));
	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/hostname", "web2\n", 5, -1, -1, -1, &e), 0);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/new.conf", big, sizeof(big), 0600, 42, 43,
					     &e), 0);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/machine-id", "", 0, -1, -1, -1, &e), 0);
	assert_int_equal(vu_guest_append(f->g, "/etc/new.conf", "END\n", 4, &e), 0);
	assert_int_equal(vu_guest_append(f->g, "/etc/appended", "line\n", 5, &e), 0);
	assert_int_equal(vu_guest_unlink(f->g, "/etc/ssh/ssh_host_rsa_key", &e), 0);
	assert_int_equal(vu_guest_unlink(f->g, "/etc/ssh/ssh_host_rsa_key", &e), -ENOENT);
	assert_int_equal(vu_guest_unlink(f->g, "/etc/ssh", &e), -EISDIR);
	assert_int_equal(vu_guest_rmdir(f->g, "/var/log", &e), -ENOTEMPTY);
	assert_int_equal(vu_guest_rmdir(f->g, "/etc/ssh", &e), 0);
	assert_int_equal(vu_guest_rm_rf(f->g, "/var/log", &e), 0);
	assert_int_equal(vu_guest_rm_rf(f->g, "/var/log", &e), 0);
	assert_int_equal(vu_guest_rm_rf(f->g, "/", &e), -EINVAL);
	assert_int_equal(vu_guest_mkdir_p(f->g, "/var/log/audit", 0700, &e), 0);
	assert_int_equal(vu_guest_mkdir(f->g, "/var/log/audit", 0700, &e), -EEXIST);
	assert_int_equal(vu_guest_mkdir_p(f->g, "/etc/hostname/x", 0700, &e), -ENOTDIR);
	assert_int_equal(vu_guest_symlink(f->g, "/etc/hostname", "/etc/hn", &e), 0);
	assert_int_equal(vu_guest_chmod(f->g, "/etc/hn", 0640, &e), 0);
	assert_int_equal(vu_guest_chown(f->g, "/etc/appended", 1000, 100, &e), 0);
	assert_int_equal(vu_guest_lchown(f->g, "/etc/hn", 7, 8, &e), 0);
	assert_int_equal(vu_guest_truncate(f->g, "/var/big/blob", 1000, &e), 0);
	assert_int_equal(vu_guest_rename(f->g, "/etc/appended", "/root/moved", &e), 0);
	assert_int_equal(vu_guest_rename(f->g, "/home/alice", "/var/alice", &e), 0);
	assert_int_equal(vu_guest_rename(f->g, "/var", "/var/alice/x", &e), -EINVAL);
	assert_int_equal(vu_guest_touch(f->g, "/.autorelabel", &e), 0);
	assert_int_equal(vu_guest_zero_file(f->g, "/usr/share/zoneinfo/UTC", &e), 0);
	/* Many files: the directory grows. */
	for (int i = 0; i < 300; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/tmp/file-with-a-long-name-%04d", i);
		assert_int_equal(vu_guest_write_file(f->g, p, p, strlen(p), -1, -1, -1, &e), 0);
	}
	assert_int_equal(vu_guest_rm_rf(f->g, "/tmp", &e), 0);
	assert_int_equal(vu_guest_stat(f->g, "/etc/hostname", &st, &e), 0);
	assert_int_equal(st.mode & 07777, 0640);
	s = gfx_cat(f->g, "/etc/hn");
	assert_string_equal(s, "web2\n");
	free(s);
	gfx_close(&f->g);

	assert_int_equal(gfx_fsck(f->img, 0), 0);
	s = gfx_debugfs(f->img, 0, "cat /etc/hostname");
	assert_string_equal(s, "web2\n");
	free(s);
	s = gfx_debugfs(f->img, 0, "stat /etc/new.conf");
	assert_non_null(strstr(s, "Size: 70004"));
	assert_non_null(strstr(s, "User:    42   Group:    43"));
	assert_non_null(strstr(s, "Mode:  0600"));
	free(s);
	s = gfx_debugfs(f->img, 0, "stat /root/moved");
	assert_non_null(strstr(s, "User:  1000   Group:   100"));
	free(s);
	s = gfx_debugfs(f->img, 0, "stat /etc/hn");
	assert_non_null(strstr(s, "User:     7   Group:     8"));
	free(s);
	s = gfx_debugfs(f->img, 0, "ls -l /var/alice");
	assert_non_null(strstr(s, ".bash_history"));
	free(s);
	/* e2fsck above checked /var/alice's "..". */
	s = gfx_debugfs(f->img, 0, "stat /etc/ssh");
	assert_string_equal(s, "");
	free(s);
	s = gfx_debugfs(f->img, 0, "cat /usr/share/zoneinfo/UTC");
	assert_memory_equal(s, "\0\0\0\0", 4);
	free(s);
	s = gfx_debugfs(f->img, 0, "stat /etc/machine-id");
	assert_non_null(strstr(s, "Size: 0"));
	free(s);
	s = gfx_debugfs(f->img, 0, "stat /.autorelabel");
	assert_non_null(strstr(s, "Type: regular"));
	free(s);
}

/* A journal to replay or recorded errors: refused, "run e2fsck". */
static void test_refuse_dirty(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_disk d = { f->img, "raw" };
	struct vu_err e = { 0 };
	struct vu_guest *g = NULL;

	tu_sh_ok("debugfs -w -R 'feature needs_recovery' '%s' >/dev/null 2>&1", f->img);
	assert_int_equal(vu_guest_open(&g, &d, 1, VU_GUEST_RDWR, &e), 0);
	assert_int_equal(vu_guest_mount_all(g, &e), -EUCLEAN);
	assert_non_null(strstr(vu_err_str(&e), "run e2fsck"));
	vu_guest_close(&g, NULL);
	tu_sh_ok("debugfs -w -R 'feature -needs_recovery' '%s' >/dev/null 2>&1", f->img);
	tu_sh_ok("debugfs -w -R 'ssv state 3' '%s' >/dev/null 2>&1", f->img);
	assert_int_equal(vu_guest_open(&g, &d, 1, 0, &e), 0);
	assert_int_equal(vu_guest_mount_all(g, &e), -EUCLEAN);
	assert_non_null(strstr(vu_err_str(&e), "has errors: run e2fsck"));
	vu_guest_close(&g, NULL);
}

/* qcow2 over a qcow2 backing file: writes land in the overlay only. */
static void test_qcow2_backing(void **state)
{
	struct gfx *f = *state;
	char base[PATH_MAX + 16], top[PATH_MAX + 16], out[PATH_MAX + 16];
	char *before, *after, *s;
	struct vu_err e = { 0 };

	if (!tu_have_qemu())
		skip();
	snprintf(base, sizeof(base), "%s/base.qcow2", f->dir);
	snprintf(top, sizeof(top), "%s/top.qcow2", f->dir);
	snprintf(out, sizeof(out), "%s/out.raw", f->dir);
	tu_sh_ok("qemu-img convert -O qcow2 '%s' '%s'", f->img, base);
	tu_sh_ok("qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 '%s'", top);
	before = sum(base);
	f->g = gfx_open(top, NULL, VU_GUEST_RDWR);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/hostname", "over\n", 5, -1, -1, -1, &e),
			 0);
	assert_int_equal(vu_guest_rm_rf(f->g, "/var/big", &e), 0);
	gfx_close(&f->g);
	after = sum(base);
	assert_string_equal(before, after);
	assert_int_equal(tu_sh("qemu-img check -q '%s'", top), 0);
	tu_sh_ok("qemu-img convert -O raw '%s' '%s'", top, out);
	assert_int_equal(gfx_fsck(out, 0), 0);
	s = gfx_debugfs(out, 0, "cat /etc/hostname");
	assert_string_equal(s, "over\n");
	free(s);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, gfx_teardown)
		T(test_inspect),
		T(test_read_ops),
		T(test_no_escape),
		T(test_readonly),
		T(test_write_ops),
		T(test_refuse_dirty),
		T(test_qcow2_backing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
