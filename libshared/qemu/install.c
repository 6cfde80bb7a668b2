/* SPDX-License-Identifier: GPL-2.0-or-later */
/* install.c - the install phase's record and its end: whether a domain
 * still installs, the record removed when the guest finished, and the
 * wait for the watcher (install_run.c) that does it. The watcher holds
 * RUN/qemu/NAME.install (flock) while it lives, which is how
 * vu_install_wait knows the end is still coming. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "vu/domaindb.h"
#include "vu/qemuinstall.h"

#include "install_int.h"
#include "qemurun_int.h"

void in_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool vu_install_pending(const struct vu_state *st, const char *name)
{
	struct vu_domain *def = NULL;
	bool yes = vu_domaindb_load(st, name, &def, NULL) == 0 &&
		   vu_domain_metadata_node(def, VU_INSTALL_NS) != NULL;

	vu_domain_free(&def);
	return yes;
}

int vu_install_finish(const struct vu_state *st, const char *name, const char *uuid,
		      struct vu_err *e)
{
	struct vu_domain *def = NULL;
	char u[VU_UUID_STRLEN];
	int r;

	if ((r = vu_domaindb_load(st, name, &def, e)) < 0)
		return r;
	if (!vu_domain_metadata_node(def, VU_INSTALL_NS))
		r = 0;
	else if (uuid && (vu_domain_get_uuid(def, u) < 0 || strcmp(u, uuid) != 0))
		r = vu_err_set(e, ESTALE, "domain '%s' was defined again during its install",
			       name);
	else if ((r = vu_domain_set_metadata(def, NULL, VU_INSTALL_NS, NULL, e)) == 0)
		r = vu_domaindb_define(st, def, VU_DOMAINDB_REPLACE, e);
	vu_domain_free(&def);
	return r;
}

int in_watch_file(const struct vu_state *st, const char *name, bool lock, struct vu_err *e)
{
	char file[300];
	int dfd = qr_dirfd(st, true, e), fd;

	if (dfd < 0)
		return dfd;
	snprintf(file, sizeof(file), "%s.install", name);
	fd = openat(dfd, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0)
		return vu_err_set(e, errno, "%s/qemu/%s: %s", st->run, file, strerror(errno));
	if (lock && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return vu_err_set(e, EBUSY, "domain is already being installed");
	}
	return fd;
}

int vu_install_wait(const struct vu_state *st, const char *name, int timeout_ms,
		    struct vu_err *e)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int fd = in_watch_file(st, name, false, e);
		bool watcher;

		if (fd < 0)
			return fd;
		watcher = flock(fd, LOCK_EX | LOCK_NB) < 0;
		close(fd);
		if (!watcher)
			return vu_install_pending(st, name)
				       ? vu_err_set(e, ECANCELED, "the install phase ended before "
						    "the guest finished it")
				       : 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_ms >= 0 && (now.tv_sec - t0.tv_sec) * 1000 +
				(now.tv_nsec - t0.tv_nsec) / 1000000 >= timeout_ms)
			return vu_err_set(e, ETIMEDOUT, "the install is still in progress");
		in_sleep_ms(100);
	}
}
