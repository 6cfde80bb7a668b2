/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool_fs.c - fs pools: a filesystem on a block device or image file,
 * made by mkfs, mounted on the target while the pool runs */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <blkid.h>

#include "vu/caps.h"
#include "storage_int.h"

/* "auto" (or nothing) lets mount probe; mkfs then needs a choice. */
static const char *fs_type(const struct vu_pool *p)
{
	const char *f = p->px.source_format;

	return f && strcmp(f, "auto") != 0 ? f : NULL;
}

static int need_sys_admin(const char *what, struct vu_err *e)
{
	char name[32];

	if (vu_caps_have(CAP_SYS_ADMIN))
		return 0;
	return vu_err_set(e, EPERM, "%s needs %s", what,
			  vu_caps_name(CAP_SYS_ADMIN, name, sizeof(name)));
}

static int check_device(const struct vu_pool *p, struct vu_err *e)
{
	struct stat st;

	if (stat(p->px.source_device, &st) < 0)
		return vu_err_set(e, errno, "source device '%s': %s", p->px.source_device,
				  strerror(errno));
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return vu_err_set(e, EINVAL, "source device '%s' is neither a block device "
				  "nor a file", p->px.source_device);
	return 0;
}

/* The filesystem already on the device, in type (empty when none). */
static int probe_fs(const char *dev, char *type, size_t len, struct vu_err *e)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *t = NULL;
	int r;

	type[0] = '\0';
	if (!pr)
		return vu_err_set(e, errno ? errno : EIO, "cannot probe '%s'", dev);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	r = blkid_do_safeprobe(pr);
	if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &t, NULL) == 0)
		snprintf(type, len, "%s", t);
	else if (r == 0 && blkid_probe_lookup_value(pr, "PTTYPE", &t, NULL) == 0)
		snprintf(type, len, "%s partition table", t);
	else if (r == -2)
		snprintf(type, len, "several signatures");
	blkid_free_probe(pr);
	return 0;
}

static int mkfs(const struct vu_pool *p, struct vu_err *e)
{
	const char *chosen = fs_type(p);
	const char *type = chosen ? chosen : "ext4";
	const char *argv[8];
	char prog[32] = "mkfs.";
	int n = 0;

	/* mkfs.TYPE itself: the mkfs wrapper would look for it in PATH. */
	strncat(prog, type, sizeof(prog) - strlen(prog) - 1);
	argv[n++] = prog;
	/* Forced: the caller asked to overwrite, or saw nothing to lose. */
	if (strncmp(type, "ext", 3) == 0)
		argv[n++] = "-F";
	else if (strcmp(type, "xfs") == 0)
		argv[n++] = "-f";
	argv[n++] = p->px.source_device;
	argv[n] = NULL;
	return st_run(argv, e);
}

int st_fs_build(const struct vu_pool *p, unsigned flags, struct vu_err *e)
{
	char found[64];
	int r = st_dir_build(p, flags, e);

	/* As libvirt: without either flag, build only makes the directory. */
	if (r < 0 || !(flags & (VU_POOL_BUILD_OVERWRITE | VU_POOL_BUILD_NO_OVERWRITE)))
		return r;
	r = check_device(p, e);
	if (r == 0 && (flags & VU_POOL_BUILD_NO_OVERWRITE))
		r = probe_fs(p->px.source_device, found, sizeof(found), e);
	if (r == 0 && (flags & VU_POOL_BUILD_NO_OVERWRITE) && found[0])
		return vu_err_set(e, EEXIST, "source device '%s' already holds %s; build "
				  "with overwrite to replace it", p->px.source_device, found);
	return r < 0 ? r : mkfs(p, e);
}

/* Undoes mountinfo's octal escapes (a space is "\040"). */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int st_fs_mounted(const char *path)
{
	char real[PATH_MAX], line[8192];
	FILE *f;
	int found = 0;

	if (!realpath(path, real))
		return errno == ENOENT ? 0 : -errno;
	if (!(f = fopen("/proc/self/mountinfo", "re")))
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[4096];

		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		unescape(mnt);
		found = strcmp(mnt, real) == 0;
	}
	fclose(f);
	return found;
}

int st_fs_start(const struct vu_pool *p, struct vu_err *e)
{
	const char *argv[10];
	int n = 0, r = st_dir_check(p, e);

	if (r == 0)
		r = check_device(p, e);
	if (r < 0)
		return r;
	r = st_fs_mounted(p->px.target);
	if (r != 0)	/* mounted already (libvirt accepts it), or cannot tell */
		return r < 0 ? vu_err_set(e, -r, "cannot read the mount table: %s",
					  strerror(-r)) : 0;
	if ((r = need_sys_admin("mounting", e)) < 0)
		return r;
	argv[n++] = "mount";
	if (fs_type(p)) {
		argv[n++] = "-t";
		argv[n++] = fs_type(p);
	}
	/* Guest images are data: nothing on them is run or opened as a device. */
	argv[n++] = "-o";
	argv[n++] = "nodev,nosuid,noexec";
	argv[n++] = p->px.source_device;
	argv[n++] = p->px.target;
	argv[n] = NULL;
	return st_run(argv, e);
}

int st_fs_stop(const struct vu_pool *p, struct vu_err *e)
{
	const char *argv[] = { "umount", p->px.target, NULL };
	int r = st_fs_mounted(p->px.target);

	if (r <= 0)
		return r < 0 ? vu_err_set(e, -r, "cannot read the mount table: %s",
					  strerror(-r)) : 0;
	if ((r = need_sys_admin("unmounting", e)) < 0)
		return r;
	return st_run(argv, e);
}
