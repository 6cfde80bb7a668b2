/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_guestfs.c - libshared/guest on a plain ext4 raw disk and its qcow2
 * copies: inspection, every path operation checked by debugfs and e2fsck
 * -fn, paths that try to leave the guest, read-only opens that change
 * nothing, filesystems e2fsck must see first */
#include <dirent.h>
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
#include <sys/wait.h>
#include <unistd.h>
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
	assert_non_null(vu_guest_find_fs(f->g, "LABEL=\"root\""));
	assert_non_null(vu_guest_find_fs(f->g, "UUID=\"0B3F1E9A-1D2C-4E5F-8A9B-0C1D2E3F4A5B\""));
	assert_non_null(vu_guest_find_fs(f->g,
					 "/dev/disk/by-uuid/0b3f1e9a-1d2c-4e5f-8a9b-0c1d2e3f4a5b"));
	assert_null(vu_guest_find_fs(f->g, "LABEL=roo"));
	assert_non_null(vu_guest_find_fs(f->g, "/dev/vda"));
	assert_null(vu_guest_find_fs(f->g, "/dev/sdb"));
}

/* RHEL 6 has no os-release: /etc/redhat-release says it. SELinux set to
 * disabled is not in use. */
static void test_inspect_rhel6(void **state)
{
	struct gfx *f = *state;
	static const char cfg[] = "SELINUX=disabled\n";
	static const char rel[] = "CentOS release 6.10 (Final)\n";
	struct vu_err e = { 0 };
	const struct vu_guest_os *os;

	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	assert_int_equal(vu_guest_unlink(f->g, "/etc/os-release", &e), 0);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/redhat-release", rel, strlen(rel), -1,
					     -1, -1, &e), 0);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/selinux/config", cfg, strlen(cfg), -1,
					     -1, -1, &e), 0);
	gfx_close(&f->g);
	f->g = gfx_open(f->img, "raw", 0);
	os = vu_guest_os(f->g);
	assert_string_equal(os->id, "centos");
	assert_string_equal(os->version_id, "6.10");
	assert_false(os->selinux);
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
	assert_int_equal(vu_guest_glob(f->g, "/var/tmp/*", &v, &n, &e), 0);	/* empty */
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
	/* A qcow2 opened for writing and refused (here: unmounted) too. */
	if (tu_have_qemu()) {
		char q[PATH_MAX + 16];

		snprintf(q, sizeof(q), "%s/ro.qcow2", f->dir);
		tu_sh_ok("qemu-img convert -O qcow2 '%s' '%s'", f->img, q);
		before = sum(q);
		f->g = gfx_open(q, NULL, VU_GUEST_RDWR);
		gfx_close(&f->g);
		after = sum(q);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
}

/* Every write operation, checked by e2fsck -fn and debugfs. */
static void write_ops(struct gfx *f)
{
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
	/* Longer than fits in the inode: the text goes to a block. */
	{
		char target[140], *t;

		memset(target, 'L', sizeof(target) - 1);
		target[sizeof(target) - 1] = '\0';
		memcpy(target, "../", 3);
		assert_int_equal(vu_guest_symlink(f->g, target, "/etc/long", &e), 0);
		assert_int_equal(vu_guest_readlink(f->g, "/etc/long", &t, &e), 0);
		assert_string_equal(t, target);
		free(t);
		assert_int_equal(vu_guest_symlink(f->g, target, "/etc/long", &e), -EEXIST);
	}
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
	/* Deeper than the walk's first stack; a missing file at the bottom. */
	{
		char deep[200] = "/d";
		char file[220];

		for (int i = 0; i < 40; i++)
			strcat(deep, "/x");
		assert_int_equal(vu_guest_mkdir_p(f->g, deep, 0755, &e), 0);
		snprintf(file, sizeof(file), "%s/../x/f", deep);
		assert_int_equal(vu_guest_write_file(f->g, file, "deep", 4, -1, -1, -1, &e), 0);
		snprintf(file, sizeof(file), "%s/f", deep);
		s = gfx_cat(f->g, file);
		assert_string_equal(s, "deep");
		free(s);
		assert_int_equal(vu_guest_rm_rf(f->g, "/d", &e), 0);
		assert_false(vu_guest_exists(f->g, "/d"));
	}
	assert_int_equal(vu_guest_stat(f->g, "/etc/hostname", &st, &e), 0);
	assert_int_equal(st.mode & 07777, 0640);
	s = gfx_cat(f->g, "/etc/hn");
	assert_string_equal(s, "web2\n");
	free(s);
	gfx_close(&f->g);

	assert_int_equal(gfx_fsck(f->img, 0), 0);
	s = tu_sh_out("dumpe2fs -h '%s' 2>/dev/null | grep '^Filesystem state:'", f->img);
	assert_non_null(strstr(s, "clean"));
	assert_null(strstr(s, "not clean"));
	free(s);
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

static void test_write_ops(void **state)
{
	write_ops(*state);
}

/* The same on the other layouts libext2fs knows: no extents (ext2, ext3),
 * small files and directories inside the inode, 1 KiB blocks. */
static void remake(const struct gfx *f, const char *opts)
{
	tu_sh_ok("mke2fs -q -F %s -E root_owner=0:0 -d '%s/tree-root' '%s' 64M", opts, f->dir,
		 f->img);
}

static void test_write_ops_ext2(void **state)
{
	remake(*state, "-t ext2");
	write_ops(*state);
}

static void test_write_ops_ext3(void **state)
{
	remake(*state, "-t ext3");
	write_ops(*state);
}

static void test_write_ops_inline(void **state)
{
	remake(*state, "-t ext4 -O inline_data");
	write_ops(*state);
}

static void test_write_ops_1k(void **state)
{
	remake(*state, "-t ext4 -b 1024");
	write_ops(*state);
}

/* A file with two names: rewritten in place (both see it), one name
 * removed (the other keeps the data). */
static void test_hardlink(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_stat st;
	struct vu_err e = { 0 };
	char *s;

	tu_sh_ok("debugfs -w -R 'ln /etc/hostname /root/hn' '%s' >/dev/null 2>&1 && "
		 "debugfs -w -R 'sif /etc/hostname links_count 2' '%s' >/dev/null 2>&1",
		 f->img, f->img);
	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	assert_int_equal(vu_guest_write_file(f->g, "/etc/hostname", "h2\n", 3, -1, -1, -1, &e), 0);
	s = gfx_cat(f->g, "/root/hn");
	assert_string_equal(s, "h2\n");
	free(s);
	assert_int_equal(vu_guest_unlink(f->g, "/etc/hostname", &e), 0);
	assert_int_equal(vu_guest_stat(f->g, "/root/hn", &st, &e), 0);
	assert_int_equal(st.nlink, 1);
	gfx_close(&f->g);
	assert_int_equal(gfx_fsck(f->img, 0), 0);
	s = gfx_debugfs(f->img, 0, "cat /root/hn");
	assert_string_equal(s, "h2\n");
	free(s);
}

/* A hashed (htree) directory: entries removed, added and renamed in. */
static void test_htree(void **state)
{
	struct gfx *f = *state;
	struct vu_err e = { 0 };
	char p[80], *s;

	tu_sh_ok("cd '%s' && mkdir -p tree-root/var/spool/many && for i in $(seq 600); do "
		 ": > tree-root/var/spool/many/entry-with-a-long-name-$i; done", f->dir);
	remake(f, "-t ext4");
	tu_sh_ok("e2fsck -fyD '%s' >/dev/null 2>&1; [ $? -le 1 ]", f->img);
	s = gfx_debugfs(f->img, 0, "htree /var/spool/many");
	assert_non_null(strstr(s, "Root node dump"));
	free(s);
	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	for (int i = 1; i <= 600; i += 3) {
		snprintf(p, sizeof(p), "/var/spool/many/entry-with-a-long-name-%d", i);
		assert_int_equal(vu_guest_unlink(f->g, p, &e), 0);
	}
	for (int i = 0; i < 400; i++) {
		snprintf(p, sizeof(p), "/var/spool/many/new-%d", i);
		assert_int_equal(vu_guest_write_file(f->g, p, "n", 1, -1, -1, -1, &e), 0);
	}
	assert_int_equal(vu_guest_rename(f->g, "/etc/hostname", "/var/spool/many/hn", &e), 0);
	s = gfx_cat(f->g, "/var/spool/many/new-399");
	assert_string_equal(s, "n");
	free(s);
	assert_false(vu_guest_exists(f->g, "/var/spool/many/entry-with-a-long-name-1"));
	assert_true(vu_guest_exists(f->g, "/var/spool/many/entry-with-a-long-name-2"));
	gfx_close(&f->g);
	assert_int_equal(gfx_fsck(f->img, 0), 0);
	s = gfx_debugfs(f->img, 0, "cat /var/spool/many/hn");
	assert_string_equal(s, "template.example.com\n");
	free(s);
}

/* A run killed half-way: the superblock already says "not clean", so
 * fsck runs before the kernel mounts it; e2fsck -fy repairs it and the
 * files nothing removed are intact. */
static void test_killed(void **state)
{
	struct gfx *f = *state;
	char *s;
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vu_guest_disk d = { f->img, "raw" };
		struct vu_guest *g;
		char big[100000];

		memset(big, 'b', sizeof(big));
		if (vu_guest_open(&g, &d, 1, VU_GUEST_RDWR, NULL) < 0 ||
		    vu_guest_mount_all(g, NULL) < 0 ||
		    vu_guest_write_file(g, "/etc/new", big, sizeof(big), -1, -1, -1, NULL) < 0 ||
		    vu_guest_rm_rf(g, "/var/log", NULL) < 0 ||
		    vu_guest_mkdir(g, "/srv", 0755, NULL) < 0)
			_exit(1);
		_exit(0);	/* no close: as if killed */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	s = tu_sh_out("dumpe2fs -h '%s' 2>/dev/null | grep '^Filesystem state:'", f->img);
	assert_non_null(strstr(s, "not clean"));
	free(s);
	assert_true(tu_sh("e2fsck -fy '%s' >/dev/null 2>&1", f->img) <= 1);
	assert_int_equal(gfx_fsck(f->img, 0), 0);
	s = gfx_debugfs(f->img, 0, "cat /etc/hostname");
	assert_string_equal(s, "template.example.com\n");
	free(s);
	s = gfx_debugfs(f->img, 0, "cat /root/.bash_history");
	assert_string_equal(s, "hist\n");
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

/* QEMU's image locks: a disk qemu writes is refused, and qemu cannot
 * take one we hold. */
static void test_locks(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_disk d = { f->img, "raw" };
	struct vu_err e = { 0 };
	struct vu_guest *g = NULL;
	char *s, fifo[PATH_MAX + 8];
	int wfd;

	if (!tu_have_qemu())
		skip();
	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	s = tu_sh_out("qemu-io -f raw -c quit '%s' 2>&1", f->img);
	assert_non_null(strstr(s, "Failed to get \"write\" lock"));
	free(s);
	gfx_close(&f->g);
	tu_sh_ok("qemu-io -f raw -c quit '%s' >/dev/null", f->img);
	/* qemu-io keeps the image open for writing until its stdin ends: the
	 * fifo's writer is ours, so closing it ends qemu-io. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	wfd = open(fifo, O_RDWR | O_CLOEXEC);
	assert_true(wfd >= 0);
	tu_sh_ok("qemu-io -f raw '%s' <'%s' >/dev/null 2>&1 &", f->img, fifo);
	/* Wait for its locks without taking ours: a qemu-io that found the
	 * image locked would wait with no image at all. */
	tu_sh_ok("i=$(stat -c %%i '%s'); for n in $(seq 100); do "
		 "grep -q \":$i 100 101\" /proc/locks && exit 0; sleep 0.1; done; exit 1", f->img);
	assert_int_equal(vu_guest_open(&g, &d, 1, VU_GUEST_RDWR, &e), -EBUSY);
	assert_non_null(strstr(vu_err_str(&e), "in use"));
	assert_int_equal(vu_guest_open(&g, &d, 1, 0, &e), -EBUSY);
	close(wfd);	/* qemu-io reads the end of its input and quits */
	for (int i = 0; i < 100; i++) {
		if (vu_guest_open(&g, &d, 1, VU_GUEST_RDWR, &e) == 0)
			break;
		usleep(100000);
	}
	assert_non_null(g);
	vu_guest_close(&g, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, gfx_teardown)
		T(test_inspect),
		T(test_inspect_rhel6),
		T(test_read_ops),
		T(test_no_escape),
		T(test_readonly),
		T(test_write_ops),
		T(test_write_ops_ext2),
		T(test_write_ops_ext3),
		T(test_write_ops_inline),
		T(test_write_ops_1k),
		T(test_htree),
		T(test_hardlink),
		T(test_killed),
		T(test_refuse_dirty),
		T(test_qcow2_backing),
		T(test_locks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
