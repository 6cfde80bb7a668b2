/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.c - find and create the state root (definitions) and the run
 * directory (live state), and lock the root */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/file.h"
#include "vu/state.h"

#define LOCK_NAME ".lock"

static const struct {
	const char *sub;
	mode_t mode;
	bool exact;	/* set past the umask */
} state_dirs[] = {
	{ "domains", 0755, false }, { "pools", 0755, false }, { "networks", 0755, false },
	/* QEMU running as another user must reach the images it is given,
	 * without being able to list them. */
	{ "images", 0711, true },
	{ "autostart", 0755, false }, { "autostart/domains", 0755, false },
	{ "autostart/pools", 0755, false }, { "autostart/networks", 0755, false },
};

/* An absolute copy of dir without trailing slashes: QEMU daemonises into
 * "/", so the pidfile and socket paths handed to it must not be relative. */
static int absolute_dir(const char *dir, char **out)
{
	char *cwd = NULL;
	size_t len = strlen(dir);
	int r;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (dir[0] == '/') {
		*out = strndup(dir, len);
		return *out ? 0 : -ENOMEM;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -errno;
	r = asprintf(out, "%s%s%.*s", cwd, strcmp(cwd, "/") ? "/" : "", (int)len, dir);
	free(cwd);
	return r < 0 ? -ENOMEM : 0;
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

/* mkdir that accepts an existing directory, but not a file in its place.
 * Returns 1 when it created the directory. */
static int make_dir(const char *path, mode_t mode)
{
	struct stat sb;

	if (mkdir(path, mode) == 0)
		return 1;
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

/* An exact mode is set past the umask, but only on a directory we create:
 * an administrator's later chmod is respected. */
static int make_state_dir(const struct vu_state *st, const char *sub, mode_t mode,
			  bool exact)
{
	char *path = vu_state_path(st, sub, NULL);
	int r;

	if (!path)
		return -ENOMEM;
	r = make_dir(path, mode);
	if (r == 1 && exact && chmod(path, mode) < 0)
		r = -errno;
	free(path);
	return r < 0 ? r : 0;
}

int vu_state_prepare(const struct vu_state *st)
{
	int r = make_dirs(st->root, 0755);

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(state_dirs); i++)
		r = make_state_dir(st, state_dirs[i].sub, state_dirs[i].mode,
				   state_dirs[i].exact);
	if (r >= 0)
		r = make_dirs(st->run, 0755);
	return r < 0 ? r : 0;
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
	char *path = vu_state_path(st, NULL, LOCK_NAME);
	int fd;

	if (!path)
		return -ENOMEM;
	fd = vu_lock_path(path, exclusive, false);
	free(path);
	return fd;
}

void vu_state_free(struct vu_state *st)
{
	free(st->root);
	free(st->run);
	st->root = NULL;
	st->run = NULL;
}
