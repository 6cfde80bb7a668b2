/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool_dir.c - dir pools: a directory whose regular files are the volumes
 * (fs pools use the same directory once their filesystem is mounted) */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "storage_int.h"

/* libvirt's mode for a pool directory it creates: QEMU running as another
 * user reaches the images without being able to list them. */
#define POOL_DIR_MODE 0711

/* mkdir -p for the parents (0755), then the target itself. */
static int make_path(char *path, mode_t mode)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		int r = mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;

		*s = '/';
		if (r < 0)
			return r;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The definition's permissions, when it gives them, win over the umask and
 * over what an existing directory had (libvirt applies them too). */
static int apply_perms(const struct vu_pool *p, bool created)
{
	const struct vu_pool_def *px = &p->px;

	if ((px->mode >= 0 || created) &&
	    chmod(px->target, px->mode >= 0 ? (mode_t)px->mode : POOL_DIR_MODE) < 0)
		return -errno;
	if ((px->owner >= 0 || px->group >= 0) &&
	    chown(px->target, (uid_t)px->owner, (gid_t)px->group) < 0)
		return -errno;
	return 0;
}

int st_dir_build(const struct vu_pool *p, unsigned flags, struct vu_err *e)
{
	char path[4096];
	struct stat st;
	bool existed = stat(p->px.target, &st) == 0;
	int r;

	(void)flags;	/* a directory has nothing to overwrite */
	if (existed && !S_ISDIR(st.st_mode))
		return vu_err_set(e, ENOTDIR, "target '%s' is not a directory", p->px.target);
	if (strlen(p->px.target) >= sizeof(path))
		return vu_err_set(e, ENAMETOOLONG, "target path is too long");
	strcpy(path, p->px.target);
	r = make_path(path, POOL_DIR_MODE);
	if (r == 0)
		r = apply_perms(p, !existed);
	if (r < 0)
		return vu_err_set(e, -r, "cannot create target '%s': %s", p->px.target,
				  strerror(-r));
	return 0;
}

int st_dir_check(const struct vu_pool *p, struct vu_err *e)
{
	struct stat st;

	if (stat(p->px.target, &st) < 0)
		return vu_err_set(e, errno, "cannot open target '%s': %s; build the pool first",
				  p->px.target, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return vu_err_set(e, ENOTDIR, "target '%s' is not a directory", p->px.target);
	return 0;
}

int st_dir_delete(const struct vu_pool *p, struct vu_err *e)
{
	if (rmdir(p->px.target) == 0)
		return 0;
	if (errno == ENOTEMPTY || errno == EEXIST)
		return vu_err_set(e, ENOTEMPTY,
				  "target '%s' is not empty; delete its volumes first",
				  p->px.target);
	return vu_err_set(e, errno, "cannot remove target '%s': %s", p->px.target,
			  strerror(errno));
}

/*
 * libvirt's figures, so that virsh and we agree on one directory: the
 * filesystem's size, its free blocks (f_bfree, the root reserve included:
 * libvirt runs as root), and the rest as allocation, so that capacity is
 * always allocation + available.
 */
int st_dir_sizes(const struct vu_pool *p, struct vu_pool_info *info, struct vu_err *e)
{
	struct statvfs sv;

	if (statvfs(p->px.target, &sv) < 0)
		return vu_err_set(e, errno, "%s: %s", p->px.target, strerror(errno));
	info->capacity = (uint64_t)sv.f_frsize * sv.f_blocks;
	info->available = (uint64_t)sv.f_frsize * sv.f_bfree;
	info->allocation = info->capacity - info->available;
	return 0;
}
