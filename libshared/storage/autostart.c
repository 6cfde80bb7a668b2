/* SPDX-License-Identifier: GPL-2.0-or-later */
/* autostart.c - the autostart marks of the state databases (domaindb.c,
 * pooldb.c, networkdb.c): ROOT/autostart/KIND/NAME, a link to the
 * definition ../../KIND/NAME.xml as libvirt's autostart links are */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"

#include "storage_int.h"

/* The link directory of a kind's definitions, and its name. */
static enum vu_state_dir links_of(enum vu_state_dir defs, const char **sub)
{
	switch (defs) {
	case VU_STATE_DOMAINS:
		*sub = "domains";
		return VU_STATE_AUTOSTART_DOMAINS;
	case VU_STATE_POOLS:
		*sub = "pools";
		return VU_STATE_AUTOSTART_POOLS;
	default:
		*sub = "networks";
		return VU_STATE_AUTOSTART_NETWORKS;
	}
}

bool st_autostart_get(const struct vu_state *st, enum vu_state_dir defs, const char *name)
{
	const char *sub;
	struct stat sb;

	return fstatat(vu_state_dirfd(st, links_of(defs, &sub)), name, &sb,
		       AT_SYMLINK_NOFOLLOW) == 0;
}

/* Through the directory checked when the root was opened: a link swapped
 * in for autostart/KIND since is not followed. */
int st_autostart_set(const struct vu_state *st, enum vu_state_dir defs, const char *name,
		     bool on, struct vu_err *e)
{
	const char *sub;
	int dfd = vu_state_dirfd(st, links_of(defs, &sub));
	char *path = NULL, *target = NULL;
	int r = 0;

	if (asprintf(&path, "%s/autostart/%s/%s", st->root, sub, name) < 0)
		path = NULL, r = -ENOMEM;
	else if (on && asprintf(&target, "../../%s/%s.xml", sub, name) < 0)
		target = NULL, r = -ENOMEM;
	else if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		r = -errno;
	else if (on && symlinkat(target, dfd, name) < 0)
		r = -errno;
	if (r == 0)
		fsync(dfd);
	else
		vu_err_set(e, -r, "%s: %s", path ? path : name, strerror(-r));
	free(path);
	free(target);
	return r;
}

int st_lock_root(const struct vu_state *st, bool exclusive, struct vu_err *e)
{
	int fd = vu_state_lock(st, exclusive);

	if (fd < 0)
		return vu_err_set(e, -fd, "cannot lock the state root %s: %s", st->root,
				  strerror(-fd));
	return fd;
}

/* The link goes to the definition: one must be there to mark it. */
int st_autostart_mark(const struct vu_state *st, enum vu_state_dir defs, const char *what,
		      const char *name, bool on, struct vu_err *e)
{
	char file[256 + sizeof(".xml")];	/* names are at most 255 bytes */
	struct stat sb;
	int fd, r = 0;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, ENOENT, "%s '%.255s' not found", what, name);
	if ((fd = st_lock_root(st, true, e)) < 0)
		return fd;
	snprintf(file, sizeof(file), "%s.xml", name);
	if (on && fstatat(vu_state_dirfd(st, defs), file, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		r = vu_err_set(e, ENOENT, "%s '%s' not found", what, name);
	if (r == 0)
		r = st_autostart_set(st, defs, name, on, e);
	close(fd);
	return r;
}
