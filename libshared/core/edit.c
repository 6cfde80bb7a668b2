/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.c - a document in the user's editor: a temporary copy, the editor,
 * and whether anything changed */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/edit.h"
#include "vu/file.h"

extern char **environ;

static int run_editor(const char *tool, const char *path, struct vu_err *e)
{
	const char *editor = getenv("VISUAL");
	char *cmd = NULL, *arg0 = NULL;
	pid_t pid;
	int status, r;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	if (asprintf(&cmd, "%s \"$1\"", editor) < 0 || asprintf(&arg0, "%s-edit", tool) < 0) {
		free(cmd);
		return vu_err_set(e, ENOMEM, NULL);
	}
	char *const argv[] = { "sh", "-c", cmd, arg0, (char *)path, NULL };

	r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	free(cmd);
	free(arg0);
	if (r != 0)
		return vu_err_set(e, r, "cannot run the editor '%s': %s", editor, strerror(r));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vu_err_set(e, EIO, "%s: the editor failed; the definition is unchanged",
				  editor);
	return 0;
}

/* Whether the file at path holds text, byte for byte; false when it
 * cannot be read (the caller's load of it says why). */
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

static int write_temp(const char *tool, const char *name, const char *text, char **path,
		      struct vu_err *e)
{
	const char *dir = getenv("TMPDIR");
	int fd, r;

	if (asprintf(path, "%s/%s-%s-XXXXXX.xml", dir && *dir ? dir : "/tmp", tool, name) < 0) {
		*path = NULL;
		return vu_err_set(e, ENOMEM, NULL);
	}
	fd = mkstemps(*path, 4);
	r = fd < 0 ? -errno : vu_write_all(fd, text, strlen(text));
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		vu_err_set(e, -r, "%s: %s", *path, strerror(-r));
		if (fd >= 0)
			unlink(*path);
		free(*path);
		*path = NULL;
	}
	return r;
}

int vu_edit_text(const char *tool, const char *name, const char *text, char **path,
		 bool *changed, struct vu_err *e)
{
	int r = write_temp(tool, name, text, path, e);

	if (r == 0 && (r = run_editor(tool, *path, e)) < 0) {
		unlink(*path);
		free(*path);
		*path = NULL;
	}
	if (r == 0)
		*changed = !same_text(*path, text);
	return r;
}
