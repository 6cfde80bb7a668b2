/* SPDX-License-Identifier: GPL-2.0-or-later */
/* users.c - the user-account operation: ordinary users removed with their
 * homes and mail, leaving passwd, shadow, group, gshadow, subuid and
 * subgid consistent */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/guestfs.h"

#include "vm-sysprep.h"

/* Who is an ordinary user: login.defs' UID_MIN..UID_MAX (1000..60000 when
 * unset; RHEL 6 says 500). */
static void uid_range(struct vs_ctx *ctx, unsigned long *lo, unsigned long *hi)
{
	char *defs;

	*lo = 1000;
	*hi = 60000;
	if (!vs_is_file(ctx, "/etc/login.defs") || vs_read(ctx, "/etc/login.defs", &defs, NULL) < 0) {
		vu_err_clear(&ctx->e);
		return;
	}
	for (char *save = NULL, *l = strtok_r(defs, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long v;

		if (sscanf(l, " UID_MIN %lu", &v) == 1)
			*lo = v;
		else if (sscanf(l, " UID_MAX %lu", &v) == 1)
			*hi = v;
	}
	free(defs);
}

static bool in_list(char **list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* --keep-user-accounts wins; --remove-user-accounts, when given, limits
 * the removal to its users; root never goes. */
static bool to_remove(const struct vs_ctx *ctx, const char *name, unsigned long uid,
		      unsigned long lo, unsigned long hi)
{
	if (strcmp(name, "root") == 0 || in_list(ctx->keep_users, name))
		return false;
	if (ctx->remove_users)
		return in_list(ctx->remove_users, name);
	return uid >= lo && uid <= hi;
}

struct victims {
	char **names, **homes;
	unsigned long *gids;
	size_t n;
};

static void victims_free(struct victims *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->homes[i]);
	}
	free(v->names);
	free(v->homes);
	free(v->gids);
}

static int victim_add(struct victims *v, const char *name, const char *home, unsigned long gid)
{
	char **n = realloc(v->names, (v->n + 2) * sizeof(*n));

	if (n)
		v->names = n;
	char **h = n ? realloc(v->homes, (v->n + 2) * sizeof(*h)) : NULL;

	if (h)
		v->homes = h;
	unsigned long *g = h ? realloc(v->gids, (v->n + 1) * sizeof(*g)) : NULL;

	if (!g)
		return -ENOMEM;
	v->gids = g;
	v->names[v->n] = strdup(name);
	v->homes[v->n] = strdup(home);
	v->gids[v->n] = gid;
	v->n++;
	v->names[v->n] = v->homes[v->n] = NULL;
	return v->names[v->n - 1] && v->homes[v->n - 1] ? 0 : -ENOMEM;
}

/* Who goes, from /etc/passwd. */
static int find_victims(struct vs_ctx *ctx, const char *passwd, struct victims *v)
{
	unsigned long lo, hi;
	char *copy = strdup(passwd);
	int r = copy ? 0 : -ENOMEM;

	uid_range(ctx, &lo, &hi);
	for (char *save = NULL, *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && r == 0;
	     l = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { 0 }, *p = l;
		unsigned long uid, gid;

		for (int i = 0; i < 7 && p; i++)
			f[i] = strsep(&p, ":");
		if (!f[6] || l[0] == '#' || l[0] == '+' || l[0] == '-')
			continue;
		uid = strtoul(f[2], NULL, 10);
		gid = strtoul(f[3], NULL, 10);
		if (to_remove(ctx, f[0], uid, lo, hi))
			r = victim_add(v, f[0], f[5], gid);
	}
	free(copy);
	return r;
}

/* Rewrites path through edit (one of the vs_edit_* on a names list). */
static int edit_file(struct vs_ctx *ctx, const char *path, const struct victims *v,
		     bool members)
{
	char *in, *out = NULL;
	size_t n = 0;
	int r;

	if (!vs_is_file(ctx, path))
		return 0;
	if ((r = vs_read(ctx, path, &in, NULL)) < 0)
		return r;
	if (members) {
		r = vs_edit_drop_members(in, (const char *const *)v->names, &out);
		n = r == 0 && strcmp(in, out) != 0;
	} else {
		r = vs_edit_drop_names(in, (const char *const *)v->names, &out, &n);
	}
	if (r < 0)
		r = vs_fail(ctx, path, r);
	else if (n > 0)
		r = vs_write(ctx, path, out, strlen(out), VU_GUEST_KEEP, VU_GUEST_KEEP,
			     VU_GUEST_KEEP);
	free(out);
	free(in);
	return r;
}

/*
 * A user's private group (the group of the user's name and primary GID)
 * goes with the user, unless another user who stays has it as primary
 * group; the rest of the groups only lose the user from their members.
 */
static int private_groups(struct vs_ctx *ctx, const char *passwd, const struct victims *v,
			  struct victims *groups)
{
	char *grp;
	int r = 0;

	if (!vs_is_file(ctx, "/etc/group") || vs_read(ctx, "/etc/group", &grp, NULL) < 0) {
		vu_err_clear(&ctx->e);
		return 0;
	}
	for (size_t i = 0; i < v->n && r == 0; i++) {
		char *gid = NULL, want[32];
		bool shared = false;

		snprintf(want, sizeof(want), "%lu", v->gids[i]);
		if (vs_edit_get_field(grp, v->names[i], 2, &gid) < 0 || strcmp(gid, want)) {
			free(gid);
			continue;
		}
		free(gid);
		for (const char *p = passwd; *p && !shared; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
			char name[256] = "", g[32] = "";

			if (sscanf(p, "%255[^:]:%*[^:]:%*[^:]:%31[^:]", name, g) == 2 &&
			    strcmp(g, want) == 0 && !in_list(v->names, name))
				shared = true;
		}
		if (!shared)
			r = victim_add(groups, v->names[i], "", v->gids[i]);
	}
	free(grp);
	return r;
}

static int remove_homes(struct vs_ctx *ctx, const struct victims *v)
{
	int r = 0;

	for (size_t i = 0; i < v->n && r == 0; i++) {
		char *spool;

		/* A home shared with the system ("/", "/var/...") is not the user's. */
		if (strncmp(v->homes[i], "/home/", 6) == 0 && !strstr(v->homes[i], "/.."))
			r = vs_rm_rf(ctx, v->homes[i]);
		for (int k = 0; k < 2 && r == 0; k++) {
			if (asprintf(&spool, "%s/%s", k ? "/var/mail" : "/var/spool/mail",
				     v->names[i]) < 0)
				return vs_fail(ctx, NULL, -ENOMEM);
			r = vs_rm(ctx, spool);
			free(spool);
		}
	}
	return r;
}

int vs_op_user_account(struct vs_ctx *ctx)
{
	struct victims v = { 0 }, groups = { 0 };
	char *passwd;
	int r;

	if (!vs_is_file(ctx, "/etc/passwd"))
		return 0;
	if ((r = vs_read(ctx, "/etc/passwd", &passwd, NULL)) < 0)
		return r;
	r = find_victims(ctx, passwd, &v);
	if (r == 0 && v.n)
		r = private_groups(ctx, passwd, &v, &groups);
	for (size_t i = 0; i < v.n && r == 0; i++)
		vs_note(ctx, true, "%s the user %s", ctx->dry_run ? "would remove" : "remove",
			v.names[i]);
	if (r == 0 && v.n)
		r = edit_file(ctx, "/etc/passwd", &v, false);
	if (r == 0 && v.n)
		r = edit_file(ctx, "/etc/shadow", &v, false);
	if (r == 0 && groups.n)
		r = edit_file(ctx, "/etc/group", &groups, false);
	if (r == 0 && groups.n)
		r = edit_file(ctx, "/etc/gshadow", &groups, false);
	if (r == 0 && v.n)
		r = edit_file(ctx, "/etc/group", &v, true);
	if (r == 0 && v.n)
		r = edit_file(ctx, "/etc/gshadow", &v, true);
	/* Their subordinate ID ranges are free again. */
	if (r == 0 && v.n)
		r = edit_file(ctx, "/etc/subuid", &v, false);
	if (r == 0 && v.n)
		r = edit_file(ctx, "/etc/subgid", &v, false);
	if (r == 0)
		r = remove_homes(ctx, &v);
	if (r == -ENOMEM && !ctx->e.code)
		r = vs_fail(ctx, NULL, r);
	victims_free(&v);
	victims_free(&groups);
	free(passwd);
	return r;
}
