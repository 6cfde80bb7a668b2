/* SPDX-License-Identifier: GPL-2.0-or-later */
/* control.c - the live migration's control channel: short text lines and
 * one counted blob (the XML) over the transport's pipes (man/vm-migrate.1,
 * CONTROL PROTOCOL) */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm-migrate.h"

static int write_full(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int vmg_ctl_send(int fd, struct vu_err *e, const char *fmt, ...)
{
	char line[VMG_CTL_LINE_MAX + 2];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(line, VMG_CTL_LINE_MAX + 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > VMG_CTL_LINE_MAX || memchr(line, '\n', (size_t)n))
		return vu_err_set(e, EINVAL, "control: message too long or not one line");
	line[n++] = '\n';
	if ((r = write_full(fd, line, (size_t)n)) < 0)
		return vu_err_set(e, -r, "control channel: %s", strerror(-r));
	return 0;
}

/* One byte at a time: nothing after the line is consumed, so that what
 * follows (the XML, the tunnelled stream) stays in the pipe. */
int vmg_ctl_recv(int fd, char *line, size_t size, int timeout_ms, struct vu_err *e)
{
	size_t n = 0;

	for (;;) {
		ssize_t rd;
		char c;
		int r;

		r = timeout_ms >= 0 ? vmg_fd_wait(fd, timeout_ms) : 1;
		if (r == -EINTR && vmg_cancelled)
			return vu_err_set(e, ECANCELED, "migration cancelled");
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? vu_err_set(e, ETIMEDOUT, "control channel: no answer")
				      : vu_err_set(e, -r, "control channel: %s", strerror(-r));
		rd = read(fd, &c, 1);
		if (rd < 0 && errno == EINTR && vmg_cancelled)
			return vu_err_set(e, ECANCELED, "migration cancelled");
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd < 0)
			return vu_err_set(e, errno, "control channel: %s", strerror(errno));
		if (rd == 0)
			return vu_err_set(e, EPIPE, "control channel closed by the other side");
		if (c == '\n')
			break;
		if (c == '\0' || n + 1 >= size)
			return vu_err_set(e, EPROTO, "control channel: malformed line");
		line[n++] = c;
	}
	line[n] = '\0';
	return 0;
}

int vmg_ctl_send_blob(int fd, const char *word, const char *buf, size_t len,
		      struct vu_err *e)
{
	int r;

	if (len > VMG_MAX_XML)
		return vu_err_set(e, EFBIG, "control: %s too large", word);
	if ((r = vmg_ctl_send(fd, e, "%s %zu", word, len)) < 0)
		return r;
	if ((r = write_full(fd, buf, len)) < 0)
		return vu_err_set(e, -r, "control channel: %s", strerror(-r));
	return 0;
}

int vmg_ctl_read_blob(int fd, const char *lenarg, char **buf, size_t *len, struct vu_err *e)
{
	unsigned long long n;
	size_t got = 0;
	char *end, *p;

	*buf = NULL;
	errno = 0;
	n = strtoull(lenarg, &end, 10);
	if (errno || end == lenarg || *end || lenarg[0] == '-' || n > VMG_MAX_XML)
		return vu_err_set(e, EPROTO, "control: bad length '%.20s'", lenarg);
	if (!(p = malloc((size_t)n + 1)))
		return vu_err_set(e, ENOMEM, NULL);
	while (got < n) {
		ssize_t rd = read(fd, p + got, (size_t)n - got);

		if (rd < 0 && errno == EINTR)
			continue;
		if (rd <= 0) {
			free(p);
			return vu_err_set(e, rd ? errno : EPIPE, "control channel: cut short");
		}
		got += (size_t)rd;
	}
	p[n] = '\0';
	*buf = p;
	*len = (size_t)n;
	return 0;
}

int vmg_copy_fd(int from, int to)
{
	char buf[65536];

	for (;;) {
		ssize_t rd = read(from, buf, sizeof(buf));
		int r;

		if (rd < 0 && errno == EINTR)
			continue;
		if (rd < 0)
			return -errno;
		if (rd == 0)
			return 0;
		if ((r = write_full(to, buf, (size_t)rd)) < 0)
			return r;
	}
}

const char *vmg_ctl_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(line, word, n))
		return NULL;
	if (line[n] == '\0')
		return line + n;
	return line[n] == ' ' ? line + n + 1 : NULL;
}

int vmg_fd_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	return r < 0 ? -errno : r;
}
