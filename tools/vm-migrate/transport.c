/* SPDX-License-Identifier: GPL-2.0-or-later */
/* transport.c - the command whose stdin carries the stream to a receiving
 * vm-migrate (ssh by default, any command with --transport) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vu/file.h"

#include "vm-migrate.h"

#define ANSWER_MAX 4096

/* Host names, users and ports go into a shell command: letters, digits
 * and . - _ only (and : inside [] for IPv6). */
static bool plain(const char *s, size_t n, const char *extra)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(".-_", c) || (extra && strchr(extra, c))) || c == '\0')
			return false;
	}
	return s[0] != '-';
}

int vmg_transport_from_uri(const char *uri, char **cmd)
{
	const char *p = uri + strlen("qemu+ssh://"), *slash, *at, *colon, *host;
	char port[16] = "";
	size_t hlen;

	*cmd = NULL;
	if (strncmp(uri, "qemu+ssh://", strlen("qemu+ssh://")))
		return -EINVAL;
	slash = strchr(p, '/');
	if (!slash || (strcmp(slash, "/system") && strncmp(slash, "/system?", 8)))
		return -EINVAL;
	at = memchr(p, '@', (size_t)(slash - p));
	host = at ? at + 1 : p;
	if (at && !plain(p, (size_t)(at - p), NULL))
		return -EINVAL;
	colon = host[0] == '[' ? memchr(host, ']', (size_t)(slash - host)) : host;
	colon = colon ? memchr(colon, ':', (size_t)(slash - colon)) : NULL;
	hlen = (size_t)((colon ? colon : slash) - host);
	if (!plain(host, hlen, host[0] == '[' ? "[]:" : NULL))
		return -EINVAL;
	if (colon) {
		if (!plain(colon + 1, (size_t)(slash - colon - 1), NULL) ||
		    (size_t)(slash - colon) > sizeof(port) - 4)
			return -EINVAL;
		snprintf(port, sizeof(port), "-p %.*s ", (int)(slash - colon - 1), colon + 1);
	}
	if (asprintf(cmd, "ssh %s%.*s vm-migrate --receive", port, (int)(hlen + (size_t)(host - p)),
		     p) < 0) {
		*cmd = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vmg_transport_start(struct vmg_transport *t, const char *cmd, struct vu_err *e)
{
	int in[2], out[2];
	pid_t pid;

	*t = (struct vmg_transport){ .pid = -1, .in = -1, .out = -1 };
	if (pipe2(in, O_CLOEXEC) < 0)
		return vu_err_set(e, errno, "pipe: %s", strerror(errno));
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return vu_err_set(e, errno, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return vu_err_set(e, err, "fork: %s", strerror(err));
	}
	if (pid == 0) {
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* a receiver that dies must give us EPIPE, not kill us */
	signal(SIGPIPE, SIG_IGN);
	*t = (struct vmg_transport){ .pid = pid, .in = in[1], .out = out[0] };
	return 0;
}

/* The first line of what the command printed. */
static char *first_line(int fd)
{
	char *buf = NULL, *nl;
	size_t len;

	if (vu_read_all(fd, ANSWER_MAX, &buf, &len) < 0)
		return NULL;
	if ((nl = memchr(buf, '\n', len)))
		*nl = '\0';
	return buf;
}

int vmg_transport_finish(struct vmg_transport *t, int r, char **answer, struct vu_err *e)
{
	int status = 0;
	pid_t w;

	*answer = NULL;
	if (t->in >= 0)
		close(t->in);
	if (t->out >= 0) {
		*answer = first_line(t->out);
		close(t->out);
	}
	if (t->pid < 0)
		return r;
	do
		w = waitpid(t->pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (r < 0)
		return r;
	if (w < 0)
		return vu_err_set(e, errno, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return vu_err_set(e, EIO, "the destination failed (transport exited %d)",
				  WEXITSTATUS(status));
	return vu_err_set(e, EIO, "the transport was killed by signal %d", WTERMSIG(status));
}
