/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.c - net-ctl edit: the definition in the user's editor, checked and
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
#include "vu/networkdb.h"

#include "netctl.h"

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
	char *const argv[] = { "sh", "-c", cmd, "net-ctl-edit", (char *)path, NULL };

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
 * cannot be read (vu_network_load says why). */
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

	if (asprintf(path, "%s/net-ctl-%s-XXXXXX.xml", dir && *dir ? dir : "/tmp", name) < 0)
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

/* Defines the edited file; unchanged text is no change. */
static int apply(struct net_ctl *nc, const char *path, const char *before, const char *name)
{
	struct vu_err e = { 0 };
	struct vu_network *net;
	char *newname = NULL;
	int r;

	if (same_text(path, before)) {
		nc_say(nc, "Network %s XML configuration not changed.", name);
		return VU_EXIT_OK;
	}
	if (vu_network_load(&net, path, &e) < 0)
		return nc_fail(path, &e);
	r = vu_networkdb_define(nc_state(nc), net, &e);
	if (r == 0 && vu_network_get_name(net, &newname) < 0)
		newname = NULL;
	vu_network_free(&net);
	if (r < 0)
		return nc_fail(name, &e);
	nc_say(nc, "Network %s XML configuration edited.", newname ? newname : name);
	free(newname);
	return VU_EXIT_OK;
}

int nc_cmd_edit(void *ctx, int argc, char **argv)
{
	struct net_ctl *nc = ctx;
	char *name = nc_lookup(nc, nc_net_ref(nc, argc, argv));
	struct vu_network *def = NULL;
	struct vu_err e = { 0 };
	char *xml = NULL, *path = NULL;
	int r;

	if (vu_networkdb_load(nc_state(nc), name, &def, &e) < 0) {
		r = nc_fail(name, &e);
	} else if (!(xml = vu_network_format(def))) {
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	} else if (write_temp(name, xml, &path) < 0) {
		r = VU_EXIT_FAIL;
	} else {
		r = run_editor(path) < 0 ? VU_EXIT_FAIL : apply(nc, path, xml, name);
		unlink(path);
	}
	free(path);
	free(xml);
	vu_network_free(&def);
	free(name);
	return r;
}
