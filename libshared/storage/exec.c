/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec.c - run mkfs, mount and umount: the only programs pool building and
 * starting need, with their complaint kept for the one-line error */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/strutil.h"

#include "storage_int.h"

/* Reads the child's stderr, keeping the last 4 KiB. */
static size_t drain(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	char chunk[1024];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)) {
		if (n <= 0)
			continue;
		if (len + (size_t)n > cap) {
			size_t drop = len + (size_t)n - cap;

			if (drop > len)
				drop = len;
			memmove(buf, buf + drop, len - drop);
			len -= drop;
		}
		size_t take = (size_t)n > cap ? cap : (size_t)n;

		memcpy(buf + len, chunk + (size_t)n - take, take);
		len += take;
	}
	return len;
}

/*
 * We may hold CAP_SYS_ADMIN here, so neither the caller's PATH nor the
 * rest of its environment reaches the program: it is looked for in the
 * system directories only, in a fixed order, and runs with a minimal
 * environment (LC_ALL=C keeps its complaint in the words we pass on).
 */
static const char *const sys_dirs[] = { "/sbin", "/usr/sbin", "/bin", "/usr/bin" };
static char *const clean_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

static int spawn(const char *const *argv, int errfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int r = ENOENT;

	if (strchr(argv[0], '/'))
		return -EINVAL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	for (size_t i = 0; (r == ENOENT || r == ENOTDIR) && i < ARRAY_SIZE(sys_dirs); i++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/%s", sys_dirs[i], argv[0]);
		r = posix_spawn(pid, path, &fa, NULL, (char *const *)argv, clean_env);
	}
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

int st_run(const char *const *argv, struct vu_err *e)
{
	char buf[4097], line[200];
	int pipefd[2], status;
	pid_t pid;
	size_t len;
	int r;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vu_err_set(e, errno, "cannot run %s: %s", argv[0], strerror(errno));
	r = spawn(argv, pipefd[1], &pid);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return vu_err_set(e, -r, "cannot run %s: %s", argv[0], strerror(-r));
	}
	len = drain(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	vu_last_line(buf, len, NULL, line, sizeof(line));
	if (WIFSIGNALED(status))
		return vu_err_set(e, EIO, "%s killed by signal %d", argv[0], WTERMSIG(status));
	return vu_err_set(e, EIO, "%s failed%s%s", argv[0], line[0] ? ": " : "", line);
}
