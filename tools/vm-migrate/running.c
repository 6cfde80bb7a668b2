/* SPDX-License-Identifier: GPL-2.0-or-later */
/* running.c - whether a domain's QEMU is alive, so that a running domain
 * is never exported as if its disks were still */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/qemurun.h"

#include "vm-migrate.h"

/* RUN/qemu/NAME.pid (vm-ctl's run directory) naming a live process, even
 * one that holds no lock on it (a QEMU started by hand with -pidfile): a
 * stale file left by a crash names no process; one of another user
 * (EPERM) counts as alive: better refuse than copy a disk in use. */
static int qemu_pidfile_alive(const struct vu_state *st, const char *name)
{
	char *path = NULL, *buf = NULL, *end;
	size_t len;
	long pid;
	int fd, r;

	if (asprintf(&path, "%s/qemu/%s.pid", st->run, name) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = vu_read_all(fd, 64, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	pid = strtol(buf, &end, 10);
	r = pid > 0 && (*end == '\n' || *end == '\0') &&
	    (kill((pid_t)pid, 0) == 0 || errno == EPERM);
	free(buf);
	return r;
}

int vmg_domain_running(const struct vu_state *st, const char *name)
{
	int r = vu_qemurun_active(st, name);

	if (r == 0)
		r = qemu_pidfile_alive(st, name);
	return r != 0 ? r : vu_domaindb_running(st, name);
}
