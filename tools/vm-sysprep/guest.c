/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest.c - every change vm-sysprep makes to a guest goes through here:
 * a dry run only says what would change, -v says what changes, --scrub
 * zeroes files before they go, and errors keep the path they were on */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vu/guestfs.h"
#include "vu/strutil.h"

#include "vm-sysprep.h"

/* Files larger than this are not read whole by an operation. */
#define READ_MAX (64u << 20)

void vs_note(struct vs_ctx *ctx, bool change, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->verbose && !(change && ctx->dry_run))
		return;
	fprintf(stderr, "%s: ", ctx->op ? ctx->op : "vm-sysprep");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vs_fail(struct vs_ctx *ctx, const char *path, int r)
{
	free(ctx->epath);
	ctx->epath = path ? strdup(path) : NULL;
	if (ctx->e.code == 0)
		vu_err_set(&ctx->e, -r, "%s", strerror(-r));
	return r;
}

/* A change about to be made: counted, said; false when a dry run stops
 * it here. */
static bool change(struct vs_ctx *ctx, const char *what, const char *path)
{
	ctx->changes++;
	vs_note(ctx, true, "%s%s %s", ctx->dry_run ? "would " : "", what, path);
	return !ctx->dry_run;
}

#define CALL(ctx, path, call) do {				\
		int r_ = (call);				\
		if (r_ < 0)					\
			return vs_fail((ctx), (path), r_);	\
	} while (0)

bool vs_is_dir(struct vs_ctx *ctx, const char *path)
{
	struct vu_guest_stat st;

	return vu_guest_stat(ctx->g, path, &st, NULL) == 0 && S_ISDIR(st.mode);
}

bool vs_is_file(struct vs_ctx *ctx, const char *path)
{
	struct vu_guest_stat st;

	return vu_guest_lstat(ctx->g, path, &st, NULL) == 0 && S_ISREG(st.mode);
}

int vs_glob(struct vs_ctx *ctx, const char *pattern, char ***paths, size_t *n)
{
	int r = vu_guest_glob(ctx->g, pattern, paths, n, &ctx->e);

	/* A directory on the way that is not one, or not there: no match. */
	if (r == -ENOENT || r == -ENOTDIR) {
		vu_err_clear(&ctx->e);
		*paths = NULL;
		*n = 0;
		return 0;
	}
	return r < 0 ? vs_fail(ctx, pattern, r) : 0;
}

int vs_read(struct vs_ctx *ctx, const char *path, char **buf, size_t *len)
{
	size_t l;

	CALL(ctx, path, vu_guest_read_file(ctx->g, path, READ_MAX, buf, len ? len : &l, &ctx->e));
	return 0;
}

/* --scrub: the file's blocks are zeroed before it is unlinked. */
static int scrub(struct vs_ctx *ctx, const char *path)
{
	if (!ctx->scrub || !vs_is_file(ctx, path))
		return 0;
	CALL(ctx, path, vu_guest_zero_file(ctx->g, path, &ctx->e));
	return 0;
}

int vs_rm(struct vs_ctx *ctx, const char *path)
{
	struct vu_guest_stat st;
	int r = vu_guest_lstat(ctx->g, path, &st, &ctx->e);

	if (r == -ENOENT || r == -ENOTDIR) {
		vu_err_clear(&ctx->e);
		return 0;
	}
	if (r < 0)
		return vs_fail(ctx, path, r);
	if (S_ISDIR(st.mode) || !change(ctx, "remove", path))
		return 0;
	if (scrub(ctx, path) < 0)
		return -ctx->e.code;
	CALL(ctx, path, vu_guest_unlink(ctx->g, path, &ctx->e));
	return 0;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0)
		return NULL;
	return p;
}

/*
 * Applies fn to every entry of the directory (not following links below
 * it); recurse walks into subdirectories first.
 */
int vs_each_entry(struct vs_ctx *ctx, const char *dir,
		  vs_entry_fn fn,
		      const void *arg)
{
	struct vu_guest_dirent *ents;
	size_t n;
	int r = vu_guest_readdir(ctx->g, dir, &ents, &n, &ctx->e);

	if (r < 0)
		return vs_fail(ctx, dir, r);
	for (size_t i = 0; i < n && r == 0; i++) {
		char *p = join(dir, ents[i].name);

		r = p ? fn(ctx, p, ents[i].type, arg) : vs_fail(ctx, dir, -ENOMEM);
		free(p);
	}
	vu_guest_dirents_free(ents, n);
	return r;
}

static int scrub_tree(struct vs_ctx *ctx, const char *path, unsigned char type,
		      const void *arg)
{
	if (type == DT_DIR)
		return vs_each_entry(ctx, path, scrub_tree, arg);
	return type == DT_REG ? scrub(ctx, path) : 0;
}

int vs_rm_rf(struct vs_ctx *ctx, const char *path)
{
	struct vu_guest_stat st;
	int r = vu_guest_lstat(ctx->g, path, &st, &ctx->e);

	if (r == -ENOENT || r == -ENOTDIR) {
		vu_err_clear(&ctx->e);
		return 0;
	}
	if (r < 0)
		return vs_fail(ctx, path, r);
	if (!change(ctx, S_ISDIR(st.mode) ? "remove the tree" : "remove", path))
		return 0;
	if (ctx->scrub && S_ISDIR(st.mode) && vs_each_entry(ctx, path, scrub_tree, NULL) < 0)
		return -ctx->e.code;
	if (scrub(ctx, path) < 0)
		return -ctx->e.code;
	CALL(ctx, path, vu_guest_rm_rf(ctx->g, path, &ctx->e));
	return 0;
}

int vs_trunc(struct vs_ctx *ctx, const char *path)
{
	struct vu_guest_stat st;

	if (vu_guest_lstat(ctx->g, path, &st, NULL) < 0 || !S_ISREG(st.mode) || st.size == 0)
		return 0;
	if (!change(ctx, "empty", path))
		return 0;
	CALL(ctx, path, vu_guest_truncate(ctx->g, path, 0, &ctx->e));
	return 0;
}

int vs_write(struct vs_ctx *ctx, const char *path, const char *data, size_t len, int mode,
	     long uid, long gid)
{
	if (!change(ctx, "write", path))
		return 0;
	CALL(ctx, path, vu_guest_write_file(ctx->g, path, data, len, mode, uid, gid, &ctx->e));
	return 0;
}

int vs_append(struct vs_ctx *ctx, const char *path, const char *data, size_t len)
{
	if (!change(ctx, "append to", path))
		return 0;
	CALL(ctx, path, vu_guest_append(ctx->g, path, data, len, &ctx->e));
	return 0;
}

int vs_touch(struct vs_ctx *ctx, const char *path)
{
	if (!change(ctx, "touch", path))
		return 0;
	CALL(ctx, path, vu_guest_touch(ctx->g, path, &ctx->e));
	return 0;
}

int vs_mkdir_p(struct vs_ctx *ctx, const char *path, int mode)
{
	if (vs_is_dir(ctx, path) || !change(ctx, "make the directory", path))
		return 0;
	CALL(ctx, path, vu_guest_mkdir_p(ctx->g, path, mode, &ctx->e));
	return 0;
}

int vs_symlink(struct vs_ctx *ctx, const char *target, const char *linkpath)
{
	char what[4200];

	snprintf(what, sizeof(what), "%s -> %s", linkpath, target);
	if (!change(ctx, "link", what))
		return 0;
	CALL(ctx, linkpath, vu_guest_symlink(ctx->g, target, linkpath, &ctx->e));
	return 0;
}

int vs_chmod(struct vs_ctx *ctx, const char *path, int mode)
{
	char what[4200];

	snprintf(what, sizeof(what), "%s to %04o", path, (unsigned)mode);
	if (!change(ctx, "chmod", what))
		return 0;
	CALL(ctx, path, vu_guest_chmod(ctx->g, path, mode, &ctx->e));
	return 0;
}

int vs_chown(struct vs_ctx *ctx, const char *path, long uid, long gid)
{
	if (ctx->dry_run)
		return 0;
	CALL(ctx, path, vu_guest_chown(ctx->g, path, uid, gid, &ctx->e));
	return 0;
}

/* ---- the operations table's path lists ---- */

static bool kept(const struct vs_path *p, const char *path)
{
	for (const char *const *k = p->keep; k && *k; k++)
		if (strcmp(*k, path) == 0)
			return true;
	return false;
}

/*
 * A glob's match is there: removed without looking it up first (each
 * lookup scans its directory, and a log directory may hold thousands of
 * names). A dry run and --scrub need the lookup, and take the long way.
 */
static int rm_match(struct vs_ctx *ctx, const char *path, bool tree)
{
	int r;

	if (ctx->dry_run || ctx->scrub)
		return tree ? vs_rm_rf(ctx, path) : vs_rm(ctx, path);
	/* Most matches are files: unlink is the cheaper call (one lookup). */
	r = vu_guest_unlink(ctx->g, path, &ctx->e);
	if (r == -EISDIR && tree) {
		vu_err_clear(&ctx->e);
		r = vu_guest_rm_rf(ctx->g, path, &ctx->e);
	}
	if (r == -EISDIR || r == -ENOENT) {
		vu_err_clear(&ctx->e);
		return 0;
	}
	if (r < 0)
		return vs_fail(ctx, path, r);
	ctx->changes++;
	vs_note(ctx, false, "remove %s", path);
	return 0;
}

/* VS_FILES: the non-directories below, depth first; directories stay. */
static int rm_files(struct vs_ctx *ctx, const char *path, unsigned char type, const void *arg)
{
	const struct vs_path *p = arg;

	if (type == DT_DIR)
		return vs_each_entry(ctx, path, rm_files, arg);
	return kept(p, path) ? 0 : rm_match(ctx, path, false);
}

static int rm_entry(struct vs_ctx *ctx, const char *path, unsigned char type, const void *arg)
{
	(void)arg;
	return rm_match(ctx, path, type == DT_DIR);
}

static int one_match(struct vs_ctx *ctx, const struct vs_path *p, const char *path)
{
	if (kept(p, path))
		return 0;
	switch (p->act) {
	case VS_RM: return rm_match(ctx, path, false);
	case VS_RMRF: return rm_match(ctx, path, true);
	case VS_FILES:
		return vs_is_dir(ctx, path) ? vs_each_entry(ctx, path, rm_files, p) : 0;
	case VS_CONTENTS:
		return vs_is_dir(ctx, path) ? vs_each_entry(ctx, path, rm_entry, p) : 0;
	case VS_TRUNC: return vs_trunc(ctx, path);
	default: return 0;
	}
}

/* VS_TOUCH: made when its directory is there and it is not. */
static int touch_path(struct vs_ctx *ctx, const char *path)
{
	char *dir = strdup(path), *slash;
	bool there;

	if (!dir)
		return vs_fail(ctx, path, -ENOMEM);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	there = vs_is_dir(ctx, dir);
	free(dir);
	if (!there || vu_guest_exists(ctx->g, path))
		return 0;
	return vs_touch(ctx, path);
}

/* The release's major number: "7.9" is 7, "" is 0. */
static long version_major(const char *v)
{
	return strtol(v, NULL, 10);
}

bool vs_distro_is(const struct vs_ctx *ctx, enum vs_distro d)
{
	static const char *const redhat[] = {
		"rhel", "centos", "fedora", "scientific", "ol", "rocky", "almalinux", NULL,
	};
	const struct vu_guest_os *os = vu_guest_os(ctx->g);
	const char *id = os ? os->id : "";
	long major = os ? version_major(os->version_id) : 0;

	switch (d) {
	case VS_ANY:
		return true;
	case VS_REDHAT:
		return *id && vu_word_in(id, redhat);
	case VS_RHEL:
		return strcmp(id, "rhel") == 0;
	case VS_YUM:	/* dnf from Fedora 22 and RHEL 8 on */
		if (strcmp(id, "fedora") == 0)
			return major < 22;
		return *id && vu_word_in(id, redhat) && major < 8;
	case VS_DEBIAN:
		return strcmp(id, "debian") == 0 || strcmp(id, "ubuntu") == 0;
	}
	return false;
}

int vs_run_paths(struct vs_ctx *ctx, const struct vs_path *paths)
{
	for (const struct vs_path *p = paths; p && p->act != VS_END; p++) {
		char **m;
		size_t n;
		int r = 0;

		if (p->only != VS_ANY && !vs_distro_is(ctx, p->only))
			continue;
		if (p->act == VS_TOUCH) {
			if ((r = touch_path(ctx, p->glob)) < 0)
				return r;
			continue;
		}
		if ((r = vs_glob(ctx, p->glob, &m, &n)) < 0)
			return r;
		for (size_t i = 0; i < n && r == 0; i++)
			r = one_match(ctx, p, m[i]);
		if (m)
			vu_guest_strv_free(m, n);
		if (r < 0)
			return r;
	}
	return 0;
}
