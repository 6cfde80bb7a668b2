/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_guestfs_lvm.c - LVM2 in user space: a VG made by LVM's own tools
 * (no device-mapper), a root LV in two segments and a var LV mounted per
 * /etc/fstab (/dev/mapper/vg--guest-root, /dev/vg-guest/var), writes
 * through the LV windows, and new PV/VG UUIDs that LVM's pvs/vgck accept */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "guestfs_test.h"

static int setup(void **state)
{
	/* LVM's tools need root and a loop device to write the metadata. */
	if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0) {
		struct gfx *f = calloc(1, sizeof(*f));

		if (!f)
			return -1;
		f->skip = true;
		*state = f;
		return 0;
	}
	return gfx_setup(state, "lvm");
}

static int teardown(void **state)
{
	struct gfx *f = *state;

	if (f->skip) {
		free(f);
		return 0;
	}
	return gfx_teardown(state);
}

static unsigned long long env_num(const struct gfx *f, const char *key)
{
	char *s = tu_sh_out("sed -n 's/^%s=//p' '%s/lvm.env'", key, f->dir);
	unsigned long long v = strtoull(s, NULL, 10);

	free(s);
	return v;
}

/* Runs an LVM reporting command on the two PVs through loop devices; its
 * output. */
static char *lvm_report(const struct gfx *f, const char *cmd)
{
	return tu_sh_out("export LVM_SUPPRESS_FD_WARNINGS=1; "
			 "d=$(losetup -f --show -o %llu --sizelimit %llu '%s') || exit 1; "
			 "d2=$(losetup -f --show '%s/disk2.raw') || { losetup -d $d; exit 1; }; "
			 "%s --config \"devices { filter=[\\\"a|^$d\\$|\\\",\\\"a|^$d2\\$|\\\","
			 "\\\"r|.*|\\\"] use_devicesfile=0 } global { locking_dir=\\\"%s\\\" }\" 2>&1; "
			 "losetup -d $d; losetup -d $d2",
			 env_num(f, "PV_OFF"), 126976ULL * 512, f->img, f->dir, cmd, f->dir);
}

/* Both disks, mounted. */
static struct vu_guest *open2(const struct gfx *f, unsigned flags)
{
	char disk2[PATH_MAX + 16];
	struct vu_guest_disk d[2] = { { f->img, "raw" }, { disk2, NULL } };
	struct vu_err e = { 0 };
	struct vu_guest *g = NULL;

	snprintf(disk2, sizeof(disk2), "%s/disk2.raw", f->dir);
	if (vu_guest_open(&g, d, 2, flags, &e) < 0 || vu_guest_mount_all(g, &e) < 0)
		fail_msg("open: %s", vu_err_str(&e));
	return g;
}

static void test_lvm_mount(void **state)
{
	struct gfx *f = *state;
	const struct vu_guest_fs *root, *var, *pv;
	unsigned long long base, ext;
	struct vu_err e = { 0 };
	char *s, *root_raw;

	if (f->skip)
		skip();
	base = env_num(f, "PE_BASE");
	ext = env_num(f, "EXTENT");
	f->g = open2(f, VU_GUEST_RDWR);
	pv = vu_guest_find_fs(f->g, "/dev/sda2");
	assert_non_null(pv);
	assert_string_equal(pv->type, "LVM2_member");
	root = vu_guest_find_fs(f->g, "/dev/vg-guest/root");
	var = vu_guest_find_fs(f->g, "/dev/mapper/vg--guest-var");
	assert_non_null(root);
	assert_non_null(var);
	assert_string_equal(root->type, "ext4");
	assert_int_equal(root->size, 6 * ext);
	assert_int_equal(root->disk, -1);
	assert_string_equal(root->mountpoint, "/");
	assert_string_equal(var->mountpoint, "/var");
	assert_string_equal(vu_guest_find_fs(f->g, "LABEL=boot")->mountpoint, "/boot");
	/* The second disk: a whole-disk PV, its LV on /srv; a striped LV. */
	assert_string_equal(vu_guest_find_fs(f->g, "/dev/sdb")->type, "LVM2_member");
	assert_string_equal(vu_guest_find_fs(f->g, "/dev/vg-guest/data")->mountpoint, "/srv");
	assert_string_equal(vu_guest_find_fs(f->g, "/dev/vg-guest/stripes")->type,
			    "unsupported-lvm-segment");
	s = gfx_cat(f->g, "/srv/data");
	assert_string_equal(s, "data on the second disk\n");
	free(s);
	assert_int_equal(vu_guest_write_file(f->g, "/srv/new", "s\n", 2, -1, -1, -1, &e), 0);
	s = gfx_cat(f->g, "/var/log/messages");
	assert_string_equal(s, "var on an LV\n");
	free(s);
	/* The root's own /var is hidden under the mount. */
	assert_false(vu_guest_exists(f->g, "/var/big"));
	/* Enough data that the root's second segment is written too. */
	{
		size_t n = 12 << 20;
		char *big = malloc(n);

		assert_non_null(big);
		memset(big, 0xab, n);
		assert_int_equal(vu_guest_write_file(f->g, "/big", big, n, -1, -1, -1, &e), 0);
		free(big);
	}
	assert_int_equal(vu_guest_write_file(f->g, "/var/log/new", "n\n", 2, -1, -1, -1, &e), 0);
	gfx_close(&f->g);
	/* Reassemble the root LV from its two segments and check it. */
	root_raw = tu_sh_out("printf %%s '%s/root.chk'", f->dir);
	tu_sh_ok("dd if='%s' of='%s' bs=%llu skip=%llu count=5 iflag=skip_bytes status=none",
		 f->img, root_raw, ext, base);
	tu_sh_ok("dd if='%s' of='%s' bs=%llu skip=%llu seek=5 count=1 iflag=skip_bytes "
		 "status=none", f->img, root_raw, ext, base + 7 * ext);
	assert_int_equal(gfx_fsck(root_raw, 0), 0);
	s = gfx_debugfs(root_raw, 0, "stat /big");
	assert_non_null(strstr(s, "Size: 12582912"));
	free(s);
	assert_int_equal(gfx_fsck(f->img, base + 5 * ext), 0);
	{
		char disk2[PATH_MAX + 16];

		snprintf(disk2, sizeof(disk2), "%s/disk2.raw", f->dir);
		assert_int_equal(gfx_fsck(disk2, env_num(f, "PE_BASE2")), 0);
		s = gfx_debugfs(disk2, env_num(f, "PE_BASE2"), "cat /new");
		assert_string_equal(s, "s\n");
		free(s);
	}
	s = gfx_debugfs(f->img, base + 5 * ext, "cat /log/new");
	assert_string_equal(s, "n\n");
	free(s);
	free(root_raw);
}

static void test_lvm_uuids(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_lvm_change *ch;
	struct vu_err e = { 0 };
	char *before, *after, *s, want[160];
	size_t n;

	if (f->skip)
		skip();
	before = lvm_report(f, "pvs --noheadings -o pv_uuid,vg_uuid,vg_seqno");
	f->g = open2(f, VU_GUEST_RDWR);
	assert_int_equal(vu_guest_lvm_change_uuids(f->g, &ch, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ch[0].what, "pv");
	assert_string_equal(ch[0].name, "/dev/sda2");
	assert_string_equal(ch[1].what, "pv");
	assert_string_equal(ch[1].name, "/dev/sdb");
	assert_string_equal(ch[2].what, "vg");
	assert_string_equal(ch[2].name, "vg-guest");
	assert_non_null(strstr(before, ch[0].old_uuid));
	assert_non_null(strstr(before, ch[1].old_uuid));
	assert_non_null(strstr(before, ch[2].old_uuid));
	assert_string_equal(vu_guest_find_fs(f->g, "/dev/sda2")->uuid, ch[0].new_uuid);
	/* The LVs are still there and still mounted. */
	s = gfx_cat(f->g, "/var/log/messages");
	free(s);
	gfx_close(&f->g);
	after = lvm_report(f, "pvs --noheadings -o pv_uuid,vg_uuid,vg_seqno");
	snprintf(want, sizeof(want), "%s %s", ch[0].new_uuid, ch[2].new_uuid);
	assert_non_null(strstr(after, want));
	snprintf(want, sizeof(want), "%s %s", ch[1].new_uuid, ch[2].new_uuid);
	assert_non_null(strstr(after, want));
	assert_null(strstr(after, "WARNING"));
	free(after);
	after = lvm_report(f, "vgck vg-guest && echo VGCK-OK; lvs --noheadings -o lv_name,seg_pe_ranges vg-guest");
	assert_non_null(strstr(after, "VGCK-OK"));
	assert_non_null(strstr(after, "root"));
	assert_non_null(strstr(after, ":7-7"));
	free(after);
	/* Twice: the next copy goes after this one in the circular buffer. */
	free(ch);
	f->g = open2(f, VU_GUEST_RDWR);
	assert_int_equal(vu_guest_lvm_change_uuids(f->g, &ch, &n, &e), 0);
	gfx_close(&f->g);
	after = lvm_report(f, "pvs --noheadings -o pv_uuid,vg_uuid");
	snprintf(want, sizeof(want), "%s %s", ch[0].new_uuid, ch[2].new_uuid);
	assert_non_null(strstr(after, want));
	free(after);
	free(ch);
	free(before);
}

/* Read-only guests get no UUID changes. */
static void test_lvm_readonly(void **state)
{
	struct gfx *f = *state;
	struct vu_guest_lvm_change *ch;
	struct vu_err e = { 0 };
	size_t n;

	if (f->skip)
		skip();
	f->g = open2(f, 0);
	assert_int_equal(vu_guest_lvm_change_uuids(f->g, &ch, &n, &e), -EROFS);
}

/* The second disk missing: the LVs all on the first still work, /srv is
 * not mounted (its device is not there). */
static void test_lvm_missing_pv(void **state)
{
	struct gfx *f = *state;
	const struct vu_guest_mount *m;
	size_t n;
	char *s;

	if (f->skip)
		skip();
	f->g = gfx_open(f->img, "raw", 0);
	s = gfx_cat(f->g, "/var/log/messages");
	assert_string_equal(s, "var on an LV\n");
	free(s);
	assert_null(vu_guest_find_fs(f->g, "/dev/vg-guest/data"));
	m = vu_guest_mounts(f->g, &n);
	assert_int_equal(n, 4);
	assert_string_equal(m[3].mountpoint, "/srv");
	assert_false(m[3].mounted);
	gfx_close(&f->g);
	/* New UUIDs need every PV: refused, nothing written. */
	{
		char *before = tu_sh_out("sha256sum < '%s'", f->img), *after;
		struct vu_guest_lvm_change *ch;
		struct vu_err e = { 0 };

		f->g = gfx_open(f->img, "raw", VU_GUEST_RDWR);
		assert_int_equal(vu_guest_lvm_change_uuids(f->g, &ch, &n, &e), -ENODEV);
		assert_non_null(strstr(vu_err_str(&e), "is not on the disks given"));
		gfx_close(&f->g);
		after = tu_sh_out("sha256sum < '%s'", f->img);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
}

/* An fstab entry on a striped LV is refused by name. */
static void test_lvm_nonlinear(void **state)
{
	static const char line[] = "/dev/vg-guest/stripes /mnt ext4 defaults 0 0\n";
	struct gfx *f = *state;
	struct vu_err e = { 0 };
	char disk2[PATH_MAX + 16];
	struct vu_guest_disk d[2] = { { f->img, "raw" }, { disk2, NULL } };
	struct vu_guest *g;

	if (f->skip)
		skip();
	f->g = open2(f, VU_GUEST_RDWR);
	assert_int_equal(vu_guest_append(f->g, "/etc/fstab", line, strlen(line), &e), 0);
	gfx_close(&f->g);
	snprintf(disk2, sizeof(disk2), "%s/disk2.raw", f->dir);
	assert_int_equal(vu_guest_open(&g, d, 2, 0, &e), 0);
	assert_int_equal(vu_guest_mount_all(g, &e), -ENOTSUP);
	assert_string_equal(vu_err_str(&e),
			    "/mnt: /dev/vg-guest/stripes: only linear logical volumes are supported");
	vu_guest_close(&g, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lvm_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lvm_uuids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lvm_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lvm_missing_pv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lvm_nonlinear, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
