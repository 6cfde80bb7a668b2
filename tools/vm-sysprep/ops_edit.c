/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops_edit.c - the operations that edit rather than delete: backup files
 * found anywhere, ifcfg keys, filesystem and LVM identities */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vu/guestfs.h"

#include "vm-sysprep.h"

/* ---- backup-files ---- */

static int backup_entry(struct vs_ctx *ctx, const char *path, unsigned char type,
			const void *arg)
{
	const char *base = strrchr(path, '/') + 1;

	if (type == DT_DIR)
		return vs_each_entry(ctx, path, backup_entry, arg);
	if (type == DT_REG && (fnmatch("*.bak", base, 0) == 0 || fnmatch("*~", base, 0) == 0))
		return vs_rm(ctx, path);
	return 0;
}

int vs_op_backup_files(struct vs_ctx *ctx)
{
	static const char *const tops[] = { "/etc", "/root", "/srv", "/tmp", "/var" };

	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		struct vu_guest_stat st;
		int r;

		/* Only real directories: a link elsewhere is walked from there. */
		if (vu_guest_lstat(ctx->g, tops[i], &st, NULL) < 0 || !S_ISDIR(st.mode))
			continue;
		if ((r = vs_each_entry(ctx, tops[i], backup_entry, NULL)) < 0)
			return r;
	}
	return 0;
}

/* ---- net-hostname, net-hwaddr: keys dropped from ifcfg-* ---- */

static int drop_ifcfg_keys(struct vs_ctx *ctx, const char *const *keys)
{
	char **m;
	size_t n;
	int r = vs_glob(ctx, "/etc/sysconfig/network-scripts/ifcfg-*", &m, &n);

	for (size_t i = 0; i < n && r == 0; i++) {
		char *in, *out = NULL;
		bool changed = false;

		if (!vs_is_file(ctx, m[i]) || (r = vs_read(ctx, m[i], &in, NULL)) < 0)
			continue;
		r = vs_edit_drop_keys(in, keys, &out, &changed);
		if (r == 0 && changed)
			r = vs_write(ctx, m[i], out, strlen(out), VU_GUEST_KEEP, VU_GUEST_KEEP,
				     VU_GUEST_KEEP);
		else if (r < 0)
			r = vs_fail(ctx, m[i], r);
		free(out);
		free(in);
	}
	if (m)
		vu_guest_strv_free(m, n);
	return r;
}

int vs_op_net_hostname(struct vs_ctx *ctx)
{
	static const char *const keys[] = { "HOSTNAME", "DHCP_HOSTNAME", NULL };

	return drop_ifcfg_keys(ctx, keys);
}

int vs_op_net_hwaddr(struct vs_ctx *ctx)
{
	static const char *const keys[] = { "HWADDR", NULL };

	return drop_ifcfg_keys(ctx, keys);
}

/* ---- fs-uuids ---- */

/*
 * The guest files that name filesystems by UUID and must follow the new
 * one for the guest to boot: the mount table, the boot loaders' menus and
 * kernel command lines, resume and crypt tables.
 */
static const char *const uuid_files[] = {
	"/etc/fstab", "/etc/crypttab", "/etc/default/grub", "/etc/kernel/cmdline",
	"/etc/initramfs-tools/conf.d/resume", "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg",
	"/boot/grub/grub.conf", "/boot/grub/menu.lst", "/boot/loader/entries/*.conf",
	"/boot/efi/EFI/*/grub.cfg", "/boot/extlinux/extlinux.conf", "/boot/syslinux/syslinux.cfg",
	"/boot/grub2/grubenv", NULL,
};

static int replace_in_file(struct vs_ctx *ctx, const char *path, const char *from,
			   const char *to)
{
	char *in, *out = NULL;
	size_t n = 0;
	int r;

	if (!vs_is_file(ctx, path))
		return 0;
	if ((r = vs_read(ctx, path, &in, NULL)) < 0)
		return r;
	r = vs_edit_replace_word(in, from, to, &out, &n);
	if (r < 0)
		r = vs_fail(ctx, path, r);
	else if (n > 0)
		r = vs_write(ctx, path, out, strlen(out), VU_GUEST_KEEP, VU_GUEST_KEEP,
			     VU_GUEST_KEEP);
	free(out);
	free(in);
	return r;
}

static int rewrite_uuid(struct vs_ctx *ctx, const char *from, const char *to)
{
	for (const char *const *f = uuid_files; *f; f++) {
		char **m;
		size_t n;
		int r = vs_glob(ctx, *f, &m, &n);

		for (size_t i = 0; i < n && r == 0; i++)
			r = replace_in_file(ctx, m[i], from, to);
		if (m)
			vu_guest_strv_free(m, n);
		if (r < 0)
			return r;
	}
	return 0;
}

int vs_op_fs_uuids(struct vs_ctx *ctx)
{
	size_t n;
	const struct vu_guest_fs *fs = vu_guest_filesystems(ctx->g, &n);

	for (size_t i = 0; i < n; i++) {
		char old[40], new[40];
		char dev[sizeof(fs[i].device)];
		int r;

		/* ext2/3/4 and swap areas (fstab and resume= name them too) */
		if ((!fs[i].mountable && strcmp(fs[i].type, "swap")) || !fs[i].uuid[0])
			continue;
		ctx->changes++;
		if (ctx->dry_run) {
			vs_note(ctx, true, "would give %s (UUID %s) a new UUID and rewrite its "
				"references", fs[i].device, fs[i].uuid);
			continue;
		}
		/* The array may change under the call: keep the name. */
		memcpy(dev, fs[i].device, sizeof(dev));
		r = vu_guest_fs_set_uuid(ctx->g, dev, NULL, old, new, &ctx->e);
		if (r < 0)
			return vs_fail(ctx, dev, r);
		vs_note(ctx, false, "%s: UUID %s -> %s", dev, old, new);
		if ((r = rewrite_uuid(ctx, old, new)) < 0)
			return r;
		fs = vu_guest_filesystems(ctx->g, &n);
	}
	return 0;
}

/* ---- lvm-uuids ---- */

int vs_op_lvm_uuids(struct vs_ctx *ctx)
{
	struct vu_guest_lvm_change *c = NULL;
	size_t n = 0, nfs;
	const struct vu_guest_fs *fs = vu_guest_filesystems(ctx->g, &nfs);
	bool lvm = false;
	int r;

	for (size_t i = 0; i < nfs; i++)
		lvm |= strcmp(fs[i].type, "LVM2_member") == 0;
	if (!lvm)
		return 0;
	ctx->changes++;
	if (ctx->dry_run) {
		vs_note(ctx, true, "would give every LVM PV and VG a new UUID");
		return 0;
	}
	if ((r = vu_guest_lvm_change_uuids(ctx->g, &c, &n, &ctx->e)) < 0)
		return vs_fail(ctx, NULL, r);
	for (size_t i = 0; i < n; i++)
		vs_note(ctx, false, "%s %s: UUID %s -> %s", c[i].what, c[i].name, c[i].old_uuid,
			c[i].new_uuid);
	free(c);
	return 0;
}
