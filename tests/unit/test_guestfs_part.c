/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_guestfs_part.c - libshared/guest on partitioned disks: GPT and MBR
 * (extended and logical partitions) found, /etc/fstab's entries mounted by
 * UUID=, LABEL= and device names (/dev/vdaN as /dev/sdaN), writes landing
 * on the right filesystem */
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

#define SECT 512ULL

static int setup_gpt(void **state)
{
	return gfx_setup(state, "gpt");
}

static int setup_mbr(void **state)
{
	return gfx_setup(state, "mbr");
}

static const struct vu_guest_fs *fs_named(struct vu_guest *g, const char *dev)
{
	const struct vu_guest_fs *fs = vu_guest_find_fs(g, dev);

	if (!fs)
		fail_msg("no %s", dev);
	return fs;
}

static void test_gpt(void **state)
{
	struct gfx *f = *state;
	const struct vu_guest_mount *m;
	struct vu_guest_stat st, st2;
	struct vu_err e = { 0 };
	size_t n;
	char *s;

	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	assert_string_equal(fs_named(f->g, "/dev/sda1")->label, "boot");
	assert_int_equal(fs_named(f->g, "/dev/sda1")->offset, 2048 * SECT);
	assert_string_equal(fs_named(f->g, "/dev/sda2")->mountpoint, "/");
	assert_string_equal(fs_named(f->g, "/dev/sda1")->mountpoint, "/boot");
	assert_string_equal(fs_named(f->g, "/dev/sda")->type, "");
	assert_string_equal(vu_guest_os(f->g)->root, "/dev/sda2");
	assert_non_null(vu_guest_find_fs(f->g,
					 "/dev/disk/by-partuuid/6a8d2c1e-3b4f-4c5d-9e6f-7a8b9c0d1e2f"));
	/* A random GUID, as sfdisk reads it (upper case; we match any case). */
	{
		char spec[64], *u = tu_sh_out("sfdisk --part-uuid '%s' 2", f->img);

		u[strcspn(u, "\n")] = '\0';
		snprintf(spec, sizeof(spec), "PARTUUID=%s", u);
		assert_string_equal(fs_named(f->g, spec)->device, "/dev/sda2");
		free(u);
	}
	m = vu_guest_mounts(f->g, &n);
	assert_int_equal(n, 4);
	assert_true(m[0].mounted);
	assert_string_equal(m[0].device, "/dev/sda1");
	assert_true(m[1].mounted);
	assert_false(m[2].mounted);	/* /dev/vda9: no such partition */
	assert_false(m[3].mounted);	/* proc */
	/* /boot is the other filesystem, and ".." from it leads back to /. */
	s = gfx_cat(f->g, "/boot/grub2/grub.cfg");
	assert_non_null(strstr(s, "root=UUID=11111111"));
	free(s);
	s = gfx_cat(f->g, "/boot/../etc/hostname");
	assert_string_equal(s, "template.example.com\n");
	free(s);
	assert_int_equal(vu_guest_stat(f->g, "/boot", &st, &e), 0);
	assert_int_equal(vu_guest_stat(f->g, "/etc", &st2, &e), 0);
	assert_int_not_equal(st.fs, st2.fs);
	assert_int_equal(vu_guest_rmdir(f->g, "/boot", &e), -EBUSY);
	assert_int_equal(vu_guest_rename(f->g, "/boot/grub2/grub.cfg", "/grub.cfg", &e), -EXDEV);
	assert_int_equal(vu_guest_write_file(f->g, "/boot/grub2/grub.cfg", "new\n", 4, -1, -1, -1,
					     &e), 0);
	assert_int_equal(vu_guest_rm_rf(f->g, "/boot", &e), 0);	/* emptied, kept */
	assert_true(vu_guest_exists(f->g, "/boot"));
	assert_false(vu_guest_exists(f->g, "/boot/grub2"));
	gfx_close(&f->g);
	assert_int_equal(gfx_fsck(f->img, 2048 * SECT), 0);
	assert_int_equal(gfx_fsck(f->img, 34816 * SECT), 0);
	s = gfx_debugfs(f->img, 2048 * SECT, "ls /");
	assert_null(strstr(s, "grub2"));
	free(s);
	/* The root's /boot directory was never touched. */
	s = gfx_debugfs(f->img, 34816 * SECT, "ls /boot");
	assert_non_null(strstr(s, ".."));
	free(s);
}

static void test_mbr(void **state)
{
	struct gfx *f = *state;
	const struct vu_guest_fs *fs;
	struct vu_err e = { 0 };
	size_t n;
	char *s;

	f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
	fs = vu_guest_filesystems(f->g, &n);
	assert_int_equal(n, 4);	/* sda, sda1, sda5, sda6: the extended one holds no fs */
	assert_string_equal(fs_named(f->g, "/dev/sda1")->type, "ext2");
	assert_string_equal(fs_named(f->g, "/dev/sda5")->type, "ext4");
	assert_string_equal(fs_named(f->g, "/dev/sda6")->type, "ext3");
	assert_int_equal(fs_named(f->g, "/dev/sda6")->offset, 112640 * SECT);
	assert_string_equal(fs_named(f->g, "/dev/sda6")->mountpoint, "/var");
	assert_string_equal(fs_named(f->g, "/dev/sda1")->mountpoint, "/boot");
	assert_string_equal(fs_named(f->g, "PARTUUID=1b2c3d4e-05")->device, "/dev/sda5");
	assert_string_equal(fs_named(f->g, "PARTUUID=1b2c3d4e-01")->device, "/dev/sda1");
	s = gfx_cat(f->g, "/var/log/messages");
	assert_string_equal(s, "var log on its own fs\n");
	free(s);
	assert_int_equal(vu_guest_unlink(f->g, "/var/log/boot.log", &e), 0);
	assert_int_equal(vu_guest_write_file(f->g, "/boot/x", "x", 1, -1, -1, -1, &e), 0);
	gfx_close(&f->g);
	assert_non_null(fs);
	assert_int_equal(gfx_fsck(f->img, 2048 * SECT), 0);
	assert_int_equal(gfx_fsck(f->img, 36864 * SECT), 0);
	assert_int_equal(gfx_fsck(f->img, 112640 * SECT), 0);
	s = gfx_debugfs(f->img, 112640 * SECT, "ls /log");
	assert_null(strstr(s, "boot.log"));
	assert_non_null(strstr(s, "messages"));
	free(s);
	/* The root fs's own /var/log was hidden by the mount, not changed. */
	s = gfx_debugfs(f->img, 36864 * SECT, "ls /var/log");
	assert_non_null(strstr(s, "secure"));
	free(s);
	s = gfx_debugfs(f->img, 2048 * SECT, "cat /x");
	assert_string_equal(s, "x");
	free(s);
}

/* A damaged primary GPT: the backup at the disk's end is used. */
static void test_gpt_backup(void **state)
{
	struct gfx *f = *state;

	tu_sh_ok("dd if=/dev/zero of='%s' bs=512 seek=1 count=1 conv=notrunc status=none",
		 f->img);
	f->g = gfx_open(f->img, "raw", 0);
	assert_string_equal(fs_named(f->g, "/dev/sda1")->label, "boot");
	assert_string_equal(vu_guest_os(f->g)->root, "/dev/sda2");
}

/* Unmount and mount again: the same tree. Two roots: refused. */
static void test_remount_multiboot(void **state)
{
	struct gfx *f = *state;
	struct vu_err e = { 0 };
	char *s;

	f->g = gfx_open(f->img, "raw", 0);
	assert_int_equal(vu_guest_mount_all(f->g, &e), -EBUSY);
	assert_int_equal(vu_guest_umount_all(f->g, &e), 0);
	assert_false(vu_guest_exists(f->g, "/etc"));
	assert_int_equal(vu_guest_mount_all(f->g, &e), 0);
	s = gfx_cat(f->g, "/boot/grub2/grub.cfg");
	free(s);
	gfx_close(&f->g);
	tu_sh_ok("debugfs -w -R 'mkdir /etc' '%s?offset=%llu' >/dev/null 2>&1", f->img,
		 2048 * SECT);
	tu_sh_ok("debugfs -w -R 'write /dev/null /etc/fstab' '%s?offset=%llu' >/dev/null 2>&1",
		 f->img, 2048 * SECT);
	{
		struct vu_guest_disk d = { f->img, "raw" };

		assert_int_equal(vu_guest_open(&f->g, &d, 1, 0, &e), 0);
		assert_int_equal(vu_guest_mount_all(f->g, &e), -ENOTSUP);
		assert_non_null(strstr(vu_err_str(&e), "multi-boot"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gpt, setup_gpt, gfx_teardown),
		cmocka_unit_test_setup_teardown(test_gpt_backup, setup_gpt, gfx_teardown),
		cmocka_unit_test_setup_teardown(test_mbr, setup_mbr, gfx_teardown),
		cmocka_unit_test_setup_teardown(test_remount_multiboot, setup_gpt, gfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
