/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inuse.c - is a disk in use? QEMU's own image locks, and vm-ctl's
 * record of a running domain */
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
#include "vu/state.h"

#include "vs-inuse.h"

/*
 * QEMU (and qemu-img, qemu-io) hold open-file-description locks on an
 * image's bytes 100.. (the permissions they use) and 200.. (the ones they
 * do not share). Asking whether a write lock over both ranges could be
 * taken finds any of them, and takes nothing: the file is not changed.
 */
#define QEMU_LOCK_START 100
#define QEMU_LOCK_LEN 200

int vs_disk_locked(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = QEMU_LOCK_START, .l_len = QEMU_LOCK_LEN };
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r = 0;

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		r = errno == EINVAL ? 0 : -errno;	/* no OFD locks: QEMU has none either */
	else if (fl.l_type != F_UNLCK)
		r = 1;
	close(fd);
	return r;
}

/* RUN/qemu/NAME.pid (vm-ctl's run directory) naming a live process. */
static int pidfile_live(const struct vu_state *st, const char *name)
{
	char *path = NULL, *buf = NULL;
	size_t len;
	long pid;
	int fd, r;

	if (asprintf(&path, "%s/qemu/%s.pid", st->run, name) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	r = vu_read_all(fd, 64, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	pid = strtol(buf, NULL, 10);
	free(buf);
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* vm-ctl's QEMU holding its pidfile's lock; the domain database's older
 * RUN/domains/NAME.pid; or a pid file naming a live process (a QEMU that
 * another tool started with -pidfile and no lock). */
int vs_domain_running(const struct vu_state *st, const char *name)
{
	int r = vu_qemurun_active(st, name);

	if (r == 0)
		r = vu_domaindb_running(st, name);
	return r != 0 ? r : pidfile_live(st, name);
}
