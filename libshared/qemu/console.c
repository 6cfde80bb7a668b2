/* SPDX-License-Identifier: GPL-2.0-or-later */
/* console.c - a guest's console: the device in the live XML, the
 * one-session lock, and the relay between the user's terminal and the
 * guest's pty (or unix socket) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vu/console.h"
#include "vu/file.h"
#include "vu/qemurun.h"
#include "vu/xmlnode.h"

#include "qemurun_int.h"

/* The path of a pty or listening unix chardev; -ENOENT for other types. */
static int chardev_path(xmlNodePtr dev, struct vu_console_dev *out)
{
	char *type = NULL;
	int r = -ENOENT;

	if (vu_node_get(dev, NULL, "type", &type) < 0)
		return -ENOENT;
	if (!strcmp(type, "pty")) {
		if (vu_node_get(dev, "source", "path", &out->path) < 0)
			r = vu_node_get(dev, NULL, "tty", &out->path);
		else
			r = 0;
		out->socket = false;
	} else if (!strcmp(type, "unix") && vu_node_value_is(dev, "source", "mode", "bind")) {
		r = vu_node_get(dev, "source", "path", &out->path);
		out->socket = true;
	}
	free(type);
	return r < 0 ? -ENOENT : 0;
}

int vu_console_find(const struct vu_domain *dom, struct vu_console_dev *out,
		      struct vu_err *e)
{
	static const char *const kinds[] = { "console", "serial" };
	const char *p;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < 2 && !out->path; k++) {
		xmlNodePtr dev = vu_domain_dev_next(dom, kinds[k], NULL);

		/* virsh takes the first device of the kind, not the first
		 * usable one: a first console that is not a pty is no console. */
		if (dev && chardev_path(dev, out) < 0)
			memset(out, 0, sizeof(*out));
		if (dev && !out->path)
			break;
	}
	if (!(p = out->path))
		return vu_err_set(e, ENOENT, "domain has no console on a pty or unix socket");
	if (out->socket ? p[0] != '/' : strncmp(p, "/dev/pts/", 9) != 0 || strstr(p, "/..")) {
		vu_err_set(e, EINVAL, "console path '%s' is not usable", p);
		vu_console_dev_clear(out);
		return -EINVAL;
	}
	return 0;
}

void vu_console_dev_clear(struct vu_console_dev *d)
{
	free(d->path);
	memset(d, 0, sizeof(*d));
}

static int open_socket(const char *path, struct vu_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return vu_err_set(e, ENAMETOOLONG, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return vu_err_set(e, errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		return vu_err_set(e, err, "%s: %s", path, strerror(err));
	}
	return fd;
}

int vu_console_open(const struct vu_console_dev *d, struct vu_err *e)
{
	struct termios t;
	int fd;

	if (d->socket)
		return open_socket(d->path, e);
	fd = open(d->path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", d->path, strerror(errno));
	/* QEMU makes its pty raw; a console that echoed or waited for lines
	 * would garble the guest's, so it is made sure of here. */
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

/* ---- one session at a time ---- */

static pid_t holder(int fd)
{
	char buf[32] = "";
	long pid;

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return 0;
	pid = strtol(buf, NULL, 10);
	return pid > 1 && pid != getpid() ? (pid_t)pid : 0;
}

/* The lock, waited for up to 5 s after the holder was asked to go. */
static int take_over(int fd)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	pid_t pid = holder(fd);

	if (pid)
		kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (vu_lock(fd, true, true) == 0)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -EBUSY;
}

int vu_console_lock(int dirfd, const char *name, bool force, struct vu_err *e)
{
	char file[300], pid[32];
	int fd, r;

	snprintf(file, sizeof(file), "%s.console", name);
	fd = openat(dirfd, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", file, strerror(errno));
	r = vu_lock(fd, true, true);
	if (r == -EWOULDBLOCK && force)
		r = take_over(fd);
	if (r == -EWOULDBLOCK || r == -EBUSY) {
		close(fd);
		return vu_err_set(e, EBUSY, "Active console session exists for this domain");
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (r < 0 || ftruncate(fd, 0) < 0 || (r = vu_pwrite_all(fd, pid, strlen(pid), 0)) < 0) {
		r = r < 0 ? r : -errno;
		close(fd);
		return vu_err_set(e, -r, "%s: %s", file, strerror(-r));
	}
	return fd;
}

/* ---- the relay ---- */

/* Copies one read of from to to; 1 at end of file (or a pty's EIO when
 * its other side closed), 0, or -errno. */
static int pump(int from, int to, int escape, bool *escaped)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	char *esc;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == 0 || (n < 0 && errno == EIO))
		return 1;
	if (n < 0)
		return -errno;
	if (escape >= 0 && (esc = memchr(buf, escape, (size_t)n))) {
		n = esc - buf;
		*escaped = true;
	}
	return vu_write_all(to, buf, (size_t)n);
}

int vu_console_relay(int in, int out, int console, int escape,
		       volatile sig_atomic_t *stop)
{
	struct pollfd p[2] = { { .fd = console, .events = POLLIN }, { .fd = in, .events = POLLIN } };
	bool escaped = false;

	for (;;) {
		int r;

		if (stop && *stop)
			return VU_CONSOLE_STOPPED;
		if (poll(p, p[1].fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* A write error to the console is its hangup too. */
			if ((r = pump(console, out, -1, &escaped)) != 0)
				return r > 0 ? VU_CONSOLE_HANGUP : r;
		}
		if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = pump(in, console, escape, &escaped);
			if (escaped)
				return VU_CONSOLE_ESCAPED;
			if (r == -EIO || r == -EPIPE)
				return VU_CONSOLE_HANGUP;
			if (r < 0)
				return r;
			if (r > 0)
				p[1].fd = -1;	/* a script's input ended: keep listening */
		}
	}
}

int vu_term_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (!isatty(fd))
		return -ENOTTY;
	if (tcgetattr(fd, saved) < 0)
		return -errno;
	t = *saved;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSAFLUSH, &t) < 0 ? -errno : 0;
}

void vu_term_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSAFLUSH, saved);
}

/* ---- a session ---- */

/* The relay on an open console, the user's terminal raw meanwhile. */
static int session(int in, int out, int fd, const char *banner, volatile sig_atomic_t *stop)
{
	struct termios saved;
	bool raw;
	int r;

	if (banner && (r = vu_write_all(out, banner, strlen(banner))) < 0)
		return r;
	raw = vu_term_raw(in, &saved) == 0;
	r = vu_console_relay(in, out, fd, VU_CONSOLE_ESCAPE, stop);
	if (raw)
		vu_term_restore(in, &saved);
	return r;
}

int vu_console_attach(const struct vu_state *st, const char *name, bool force, int in, int out,
		      const char *banner, volatile sig_atomic_t *stop, struct vu_err *e)
{
	struct vu_console_dev dev = { 0 };
	struct vu_domain *dom = NULL;
	int dfd = -1, lock = -1, fd = -1, r;

	if ((r = vu_qemurun_live_xml(st, name, &dom, e)) == 0 &&
	    (r = vu_console_find(dom, &dev, e)) == 0 && (r = dfd = qr_dirfd(st, false, e)) >= 0 &&
	    (r = lock = vu_console_lock(dfd, name, force, e)) >= 0 &&
	    (r = fd = vu_console_open(&dev, e)) >= 0) {
		r = session(in, out, fd, banner, stop);
		if (r < 0)
			vu_err_set(e, -r, "console: %s", strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	if (lock >= 0)
		close(lock);
	if (dfd >= 0)
		close(dfd);
	vu_console_dev_clear(&dev);
	vu_domain_free(&dom);
	return r;
}
