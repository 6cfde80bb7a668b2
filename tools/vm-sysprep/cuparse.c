/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cuparse.c - the customize options (virt-customize's names) parsed into
 * an ordered list: they run in the order given, as virt-customize runs them */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vm-sysprep.h"

static const char *const names[] = {
	[VS_CU_HOSTNAME] = "--hostname", [VS_CU_ROOT_PASSWORD] = "--root-password",
	[VS_CU_PASSWORD] = "--password", [VS_CU_SSH_INJECT] = "--ssh-inject",
	[VS_CU_TIMEZONE] = "--timezone", [VS_CU_FIRSTBOOT] = "--firstboot",
	[VS_CU_FIRSTBOOT_COMMAND] = "--firstboot-command", [VS_CU_MKDIR] = "--mkdir",
	[VS_CU_WRITE] = "--write", [VS_CU_UPLOAD] = "--upload", [VS_CU_COPY_IN] = "--copy-in",
	[VS_CU_DELETE] = "--delete", [VS_CU_TOUCH] = "--touch", [VS_CU_CHMOD] = "--chmod",
	[VS_CU_LINK] = "--link", [VS_CU_TRUNCATE] = "--truncate",
	[VS_CU_APPEND_LINE] = "--append-line", [VS_CU_RUN] = "--run",
	[VS_CU_RUN_COMMAND] = "--run-command",
};

/* Which argument is a guest path that must be absolute: 0 none, 1 a, 2 b. */
static int guest_path_arg(enum vs_cu_kind k)
{
	switch (k) {
	case VS_CU_MKDIR: case VS_CU_WRITE: case VS_CU_DELETE: case VS_CU_TOUCH:
	case VS_CU_TRUNCATE: case VS_CU_APPEND_LINE:
		return 1;
	case VS_CU_UPLOAD: case VS_CU_COPY_IN: case VS_CU_CHMOD:
		return 2;
	default:
		return 0;
	}
}

/* Kinds whose argument is "A:B". */
static bool split_kind(enum vs_cu_kind k)
{
	return k == VS_CU_PASSWORD || k == VS_CU_WRITE || k == VS_CU_UPLOAD ||
	       k == VS_CU_COPY_IN || k == VS_CU_CHMOD || k == VS_CU_LINK ||
	       k == VS_CU_APPEND_LINE || k == VS_CU_SSH_INJECT;
}

static bool hostname_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 253 || h[0] == '-' || h[0] == '.')
		return false;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

static int check(struct vs_cu *c, const char *arg, struct vu_err *e)
{
	const char *opt = names[c->kind];
	int which = guest_path_arg(c->kind);
	const char *gp = which == 1 ? c->a : which == 2 ? c->b : NULL;
	char *end;

	if (split_kind(c->kind) && !c->b && c->kind != VS_CU_SSH_INJECT)
		return vu_err_set(e, EINVAL, "%s: '%s': expected two parts separated by ':'",
				  opt, arg);
	if (!c->a[0])
		return vu_err_set(e, EINVAL, "%s: empty argument", opt);
	if (gp && gp[0] != '/')
		return vu_err_set(e, EINVAL, "%s: '%s': the guest path must be absolute", opt, gp);
	if (c->kind == VS_CU_HOSTNAME && !hostname_ok(c->a))
		return vu_err_set(e, EINVAL, "%s: '%s' is not a valid host name", opt, c->a);
	if (c->kind == VS_CU_CHMOD && (strtol(c->a, &end, 8) < 0 || *end ||
				       strtol(c->a, NULL, 8) > 07777))
		return vu_err_set(e, EINVAL, "%s: '%s' is not an octal mode", opt, c->a);
	if (c->kind == VS_CU_TIMEZONE && (strstr(c->a, "..") || c->a[0] == '/'))
		return vu_err_set(e, EINVAL, "%s: '%s' is not a time zone name", opt, c->a);
	if ((c->kind == VS_CU_FIRSTBOOT || c->kind == VS_CU_UPLOAD || c->kind == VS_CU_RUN ||
	     c->kind == VS_CU_COPY_IN) && access(c->a, R_OK) < 0)
		return vu_err_set(e, errno, "%s: %s: %s", opt, c->a, strerror(errno));
	if (c->kind == VS_CU_SSH_INJECT && c->b && strncmp(c->b, "file:", 5) &&
	    strncmp(c->b, "string:", 7))
		return vu_err_set(e, EINVAL, "%s: '%s': expected USER[:file:KEYFILE|:string:KEY]",
				  opt, arg);
	return 0;
}

static int fill(struct vs_cu *c, const char *arg, struct vu_err *e)
{
	const char *colon = split_kind(c->kind) ? strchr(arg, ':') : NULL;

	c->a = colon ? strndup(arg, (size_t)(colon - arg)) : strdup(arg);
	if (colon && !(c->b = strdup(colon + 1)))
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (!c->a)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (c->kind == VS_CU_ROOT_PASSWORD || (c->kind == VS_CU_PASSWORD && c->b)) {
		int r = vs_pw_parse(c->kind == VS_CU_PASSWORD ? c->b : arg, &c->pw, e);
		char msg[sizeof(e->msg)];

		if (r < 0 && e) {
			snprintf(msg, sizeof(msg), "%s", vu_err_str(e));
			return vu_err_set(e, -r, "%s: %s", names[c->kind], msg);
		}
		if (r < 0)
			return r;
	}
	return check(c, arg, e);
}

int vs_cu_add(struct vs_culist *l, enum vs_cu_kind kind, const char *arg, struct vu_err *e)
{
	struct vs_cu *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	int r;

	if (!v)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	l->v = v;
	v[l->n] = (struct vs_cu){ .kind = kind };
	l->n++;		/* before it is filled: vs_cu_free frees it whatever happens */
	r = fill(&v[l->n - 1], arg, e);
	return r;
}

void vs_cu_free(struct vs_culist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].a);
		free(l->v[i].b);
		vs_pw_clear(&l->v[i].pw);
	}
	free(l->v);
	*l = (struct vs_culist){ 0 };
}
