/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.c - find and create the state root (definitions) and the run
 * directory (live state), and lock the root */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/diag.h"
#include "vu/file.h"
#include "vu/state.h"

#define LOCK_NAME ".lock"

/* The root's own directories, in creation order (a parent before its
 * children); path is relative to the root. */
static const struct {
	const char *path;
	enum vu_state_dir parent;
	mode_t mode;
	bool exact;	/* set past the umask */
} state_dirs[] = {
	[VU_STATE_DOMAINS] = { "domains", VU_STATE_ROOT, 0755, false },
	[VU_STATE_POOLS] = { "pools", VU_STATE_ROOT, 0755, false },
	[VU_STATE_NETWORKS] = { "networks", VU_STATE_ROOT, 0755, false },
	/* QEMU running as another user must reach the images it is given,
	 * without being able to list them. */
	[VU_STATE_IMAGES] = { "images", VU_STATE_ROOT, 0711, true },
	[VU_STATE_AUTOSTART] = { "autostart", VU_STATE_ROOT, 0755, false },
	[VU_STATE_AUTOSTART_DOMAINS] = { "autostart/domains", VU_STATE_AUTOSTART, 0755, false },
	[VU_STATE_AUTOSTART_POOLS] = { "autostart/pools", VU_STATE_AUTOSTART, 0755, false },
	[VU_STATE_AUTOSTART_NETWORKS] = { "autostart/networks", VU_STATE_AUTOSTART, 0755,
					  false },
};

/* An absolute copy of dir without trailing slashes: QEMU daemonises into
 * "/", so the pidfile and socket paths handed to it must not be relative. */
static int absolute_dir(const char *dir, char **out)
{
	size_t len = strlen(dir);
	char *trimmed;
	int r;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	trimmed = strndup(dir, len);
	if (!trimmed)
		return -ENOMEM;
	r = vu_path_absolute(trimmed, out);
	free(trimmed);
	return r;
}

/* $HOME, or the password database when it is unset (a service, su -). */
static int home_dir(char **out)
{
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (home && home[0] == '/') {
		*out = strdup(home);
		return *out ? 0 : -ENOMEM;
	}
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) != 0 || !res ||
	    pw.pw_dir[0] != '/')
		return -ENOENT;
	*out = strdup(pw.pw_dir);
	return *out ? 0 : -ENOMEM;
}

static int user_root(char **out)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	char *home;
	int r;

	/* The XDG spec says a relative value is invalid and must be ignored. */
	if (xdg && xdg[0] == '/')
		return asprintf(out, "%s/virtutils", xdg) < 0 ? -ENOMEM : 0;
	r = home_dir(&home);
	if (r < 0)
		return r;
	r = asprintf(out, "%s/.local/share/virtutils", home) < 0 ? -ENOMEM : 0;
	free(home);
	return r;
}

static int default_root(char **out)
{
	if (geteuid() == 0) {
		*out = strdup("/var/lib/virtutils");
		return *out ? 0 : -ENOMEM;
	}
	return user_root(out);
}

static int run_dir(const struct vu_state *st, char **out)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (!st->explicit_root && geteuid() == 0)
		*out = strdup("/run/virtutils");
	else if (!st->explicit_root && xdg && xdg[0] == '/')
		return asprintf(out, "%s/virtutils", xdg) < 0 ? -ENOMEM : 0;
	else	/* explicit root, or no runtime dir (cron, su): inside the root */
		*out = vu_state_path(st, "run", NULL);
	return *out ? 0 : -ENOMEM;
}

/* --connect's URIs: the system's root and run dir, or the user's, as
 * libvirt's qemu:///system and qemu:///session name its two daemons. */
static int uri_state(struct vu_state *st, const char *uri)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int r;

	if (strcmp(uri, VU_URI_SYSTEM) == 0) {
		st->root = strdup("/var/lib/virtutils");
		st->run = strdup("/run/virtutils");
		r = st->root && st->run ? 0 : -ENOMEM;
	} else if ((r = user_root(&st->root)) == 0) {
		if (xdg && xdg[0] == '/')
			r = asprintf(&st->run, "%s/virtutils", xdg) < 0 ? -ENOMEM : 0;
		else
			r = (st->run = vu_state_path(st, "run", NULL)) ? 0 : -ENOMEM;
	}
	if (r < 0)
		vu_state_free(st);
	return r;
}

bool vu_state_uri_known(const char *uri)
{
	return strcmp(uri, VU_URI_SYSTEM) == 0 || strcmp(uri, VU_URI_SESSION) == 0;
}

int vu_state_resolve(struct vu_state *st, const char *root_opt)
{
	const char *env = getenv("VIRTUTILS_ROOT");
	int r;

	*st = (struct vu_state){ 0 };
	if (root_opt && !*root_opt)
		return -EINVAL;
	if (root_opt && vu_state_uri_known(root_opt))
		return uri_state(st, root_opt);
	if (!root_opt && env && *env)
		root_opt = env;
	st->explicit_root = root_opt != NULL;
	r = root_opt ? absolute_dir(root_opt, &st->root) : default_root(&st->root);
	if (r == 0)
		r = run_dir(st, &st->run);
	if (r < 0)
		vu_state_free(st);
	return r;
}

/* mkdir that accepts an existing directory, but not a file in its place. */
static int make_dir(const char *path, mode_t mode)
{
	struct stat sb;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &sb) < 0)
		return -errno;
	return S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
}

/* mkdir -p */
static int make_dirs(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int r = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s && r >= 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		r = make_dir(p, 0755);
		*s = '/';
	}
	if (r >= 0)
		r = make_dir(p, mode);
	free(p);
	return r;
}

/* Whoever owns a directory of the root can swap what is in it: only the
 * caller and root may, and nobody through the group or other bits (with
 * an ACL, the group bits are its mask, so a named user's write shows). */
static int check_owner_mode(const struct stat *sb, const char *path, struct vu_err *e)
{
	if (sb->st_uid != geteuid() && sb->st_uid != 0)
		return vu_err_set(e, EPERM, "%s: owned by uid %u, not by you or root", path,
				  (unsigned)sb->st_uid);
	if (sb->st_mode & (S_IWGRP | S_IWOTH))
		return vu_err_set(e, EPERM, "%s: writable by others", path);
	return 0;
}

static int check_dir(int fd, const char *path, struct vu_err *e)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	return check_owner_mode(&sb, path, e);
}

/* Why parent/name could not be opened as a directory without following a
 * link: "is a symbolic link", "is not a directory", or the errno. */
static int open_failed(int parent, const char *name, const char *path, int err,
		       struct vu_err *e)
{
	struct stat sb;

	if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(sb.st_mode))
			return vu_err_set(e, ELOOP, "%s: is a symbolic link", path);
		if (!S_ISDIR(sb.st_mode))
			return vu_err_set(e, ENOTDIR, "%s: is not a directory", path);
	}
	return vu_err_set(e, err, "%s: %s", path, strerror(err));
}

/* Creates parent/name if missing, then opens it without following a
 * symbolic link and checks it; the fd, or -errno. */
static int open_sub(int parent, const char *name, const char *path, mode_t mode, bool exact,
		    struct vu_err *e)
{
	bool made = mkdirat(parent, name, mode) == 0;
	int fd, r;

	if (!made && errno != EEXIST)
		return open_failed(parent, name, path, errno, e);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return open_failed(parent, name, path, errno, e);
	/* An exact mode is set past the umask, but only on a directory we
	 * create: an administrator's later chmod is respected. */
	if (made && exact && fchmod(fd, mode) < 0)
		r = vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	else
		r = check_dir(fd, path, e);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The root may be a link an administrator made (owned by the caller or
 * root), as /var/lib/libvirt often is; what it leads to is checked as any
 * directory of the root. */
static int open_root(const char *root, struct vu_err *e)
{
	struct stat sb;
	int fd, r;

	if ((r = make_dirs(root, 0755)) < 0)
		return vu_err_set(e, -r, "%s: %s", root,
				  r == -ENOTDIR ? "is not a directory" : strerror(-r));
	if (lstat(root, &sb) == 0 && S_ISLNK(sb.st_mode) && sb.st_uid != geteuid() &&
	    sb.st_uid != 0)
		return vu_err_set(e, EPERM, "%s: a symbolic link owned by uid %u, "
				  "not by you or root", root, (unsigned)sb.st_uid);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", root, strerror(errno));
	if ((r = check_dir(fd, root, e)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The run dir: RUN's parent is made and followed as given (/run,
 * $XDG_RUNTIME_DIR, or the root checked above), RUN itself is ours. */
static int open_run(const struct vu_state *st, struct vu_err *e)
{
	const char *slash = strrchr(st->run, '/');
	char *parent = strndup(st->run, slash > st->run ? (size_t)(slash - st->run) : 1);
	int pfd = -1, fd;

	if (!parent)
		return vu_err_set(e, ENOMEM, NULL);
	if (strcmp(parent, st->root) == 0)
		pfd = st->dirfd[VU_STATE_ROOT];
	else if ((fd = make_dirs(parent, 0755)) < 0)
		pfd = vu_err_set(e, -fd, "%s: %s", parent, strerror(-fd));
	else if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		pfd = vu_err_set(e, errno, "%s: %s", parent, strerror(errno));
	free(parent);
	if (pfd < 0)
		return pfd;
	fd = open_sub(pfd, slash + 1, st->run, 0755, false, e);
	if (pfd != st->dirfd[VU_STATE_ROOT])
		close(pfd);
	return fd;
}

static void close_dirs(struct vu_state *st)
{
	for (int i = 0; st->opened && i < VU_STATE_NDIRS; i++)
		if (st->dirfd[i] >= 0)
			close(st->dirfd[i]);
	st->opened = false;
}

int vu_state_prepare(struct vu_state *st, struct vu_err *e)
{
	int r = 0;

	close_dirs(st);
	for (int i = 0; i < VU_STATE_NDIRS; i++)
		st->dirfd[i] = -1;
	st->opened = true;
	r = st->dirfd[VU_STATE_ROOT] = open_root(st->root, e);
	for (int i = VU_STATE_ROOT + 1; r >= 0 && i < VU_STATE_RUN; i++) {
		char *path = vu_state_path(st, state_dirs[i].path, NULL);
		const char *name = strrchr(state_dirs[i].path, '/');

		r = !path ? vu_err_set(e, ENOMEM, NULL) :
		    open_sub(st->dirfd[state_dirs[i].parent], name ? name + 1 : state_dirs[i].path,
			     path, state_dirs[i].mode, state_dirs[i].exact, e);
		st->dirfd[i] = r;
		free(path);
	}
	if (r >= 0)
		r = st->dirfd[VU_STATE_RUN] = open_run(st, e);
	if (r < 0) {
		close_dirs(st);
		return r;
	}
	return 0;
}

int vu_state_dirfd(const struct vu_state *st, enum vu_state_dir d)
{
	return st->opened && d < VU_STATE_NDIRS ? st->dirfd[d] : -EBADF;
}

char *vu_state_path(const struct vu_state *st, const char *sub, const char *name)
{
	char *p = NULL;
	int r;

	if (sub && name)
		r = asprintf(&p, "%s/%s/%s", st->root, sub, name);
	else if (sub || name)
		r = asprintf(&p, "%s/%s", st->root, sub ? sub : name);
	else
		return strdup(st->root);
	return r < 0 ? NULL : p;
}

int vu_state_lock(const struct vu_state *st, bool exclusive)
{
	char *path;
	int fd, r;

	if (!st->opened) {
		if (!(path = vu_state_path(st, NULL, LOCK_NAME)))
			return -ENOMEM;
		fd = vu_lock_path(path, exclusive, false);
		free(path);
		return fd;
	}
	/* Read-only is enough for flock, and lets readers lock a file they
	 * cannot write. */
	fd = openat(st->dirfd[VU_STATE_ROOT], LOCK_NAME,
		    O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if ((r = vu_lock(fd, exclusive, false)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}

void vu_state_free(struct vu_state *st)
{
	close_dirs(st);
	free(st->root);
	free(st->run);
	st->root = NULL;
	st->run = NULL;
}

void vu_state_open_or_die(struct vu_state *st, const char *root_opt)
{
	struct vu_err e = { 0 };
	int r = vu_state_resolve(st, root_opt);

	if (r < 0) {
		vu_err_set(&e, -r, "cannot resolve the state root");
		exit(vu_fail(root_opt ? root_opt : "state root", &e));
	}
	if (vu_state_prepare(st, &e) < 0)
		exit(vu_fail(st->root, &e));
}
