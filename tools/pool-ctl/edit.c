/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.c - pool-ctl edit: the definition in the user's editor, checked and
 * defined only when it changed and is valid (the old one stays otherwise) */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/file.h"
#include "vu/poolxml.h"

#include "pool-ctl.h"

extern char **environ;

/* $VISUAL, then $EDITOR, then vi, as virsh; run by the shell so that an
 * editor given with options ("emacs -nw") works. */
static int run_editor(const char *path)
{
	const char *editor = getenv("VISUAL");
	char *cmd = NULL;
	pid_t pid;
	int status, r;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	if (asprintf(&cmd, "%s \"$1\"", editor) < 0)
		return -ENOMEM;
	char *const argv[] = { "sh", "-c", cmd, "pool-ctl-edit", (char *)path, NULL };

	r = -posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	free(cmd);
	if (r < 0) {
		vu_warnc(-r, "cannot run the editor '%s'", editor);
		return r;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vu_warnx("%s: the editor failed; the definition is unchanged", editor);
		return -EIO;
	}
	return 0;
}

/* Whether the file at path holds text, byte for byte; false when it
 * cannot be read (vu_poolxml_load says why). */
static bool same_text(const char *path, const char *text)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	char *buf = NULL;
	bool same;

	if (fd < 0)
		return false;
	same = vu_read_all(fd, strlen(text), &buf, &len) == 0 && len == strlen(text) &&
	       memcmp(buf, text, len) == 0;
	close(fd);
	free(buf);
	return same;
}

static int write_temp(const char *name, const char *xml, char **path)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (asprintf(path, "%s/pool-ctl-%s-XXXXXX.xml", dir && *dir ? dir : "/tmp", name) < 0)
		return -ENOMEM;
	fd = mkstemps(*path, 4);
	if (fd < 0 || vu_write_all(fd, xml, strlen(xml)) < 0) {
		vu_warn("%s", *path);
		if (fd >= 0) {
			close(fd);
			unlink(*path);
		}
		return -EIO;
	}
	close(fd);
	return 0;
}

/* Defines the edited file; 1 when nothing changed. */
static int apply(struct pool_ctl *pc, const char *path, const char *before,
		 const struct vu_pool *p)
{
	struct vu_err e = { 0 };
	struct vu_pool *np;
	struct vu_poolxml *doc;
	int r;

	if (same_text(path, before)) {
		pc_say(pc, "Pool %s XML configuration not changed.", p->name);
		return VU_EXIT_OK;
	}
	if (vu_poolxml_load(&doc, path, &e) < 0)
		return pc_fail(path, &e);
	r = vu_pool_define(pc_storage(pc), doc, &np, &e);
	vu_poolxml_free(&doc);
	if (r < 0)
		return pc_fail(p->name, &e);
	pc_say(pc, "Pool %s XML configuration edited.", np->name);
	vu_pool_free(&np);
	return VU_EXIT_OK;
}

int cmd_edit(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *ref = pc->set[O_POOL] ? pc->arg[O_POOL] : argc ? argv[0] : NULL;
	struct vu_err e = { 0 };
	struct vu_pool *p;
	char *xml, *path = NULL;
	int r;

	if (!ref)
		pc_die_usage(pc, "edit: missing pool name");
	p = pc_pool(pc, ref);
	if (!(xml = vu_pool_xml(pc_storage(pc), p, true, &e))) {
		r = pc_fail(p->name, &e);
	} else if (write_temp(p->name, xml, &path) < 0) {
		r = VU_EXIT_FAIL;
	} else {
		r = run_editor(path) < 0 ? VU_EXIT_FAIL : apply(pc, path, xml, p);
		unlink(path);
	}
	free(path);
	free(xml);
	vu_pool_free(&p);
	return r;
}
