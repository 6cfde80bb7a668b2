/* SPDX-License-Identifier: GPL-2.0-or-later */
/* install.c - the install phase's record and its end: whether a domain
 * still installs, the record removed when the guest finished, and the
 * wait for the end. RUN/qemu/NAME.installing marks an install started
 * whose end is still to come: install_run.c's hook removes it once the
 * final configuration is started; a wait that finds the install QEMU gone
 * with no monitor and no hook at work removes it too. */
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

int in_marker(const struct vu_state *st, const char *name, bool create)
{
	char file[300];
	int dfd = qr_dirfd(st, create, NULL), fd, r = 0;

	if (dfd < 0)
		return create ? dfd : 0;
	snprintf(file, sizeof(file), "%s.installing", name);
	if (!create) {
		unlinkat(dfd, file, 0);
	} else if ((fd = openat(dfd, file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				0600)) < 0) {
		r = -errno;
	} else {
		close(fd);
	}
	close(dfd);
	return r;
}

static bool marked(const struct vu_state *st, const char *name)
{
	char file[300];
	int dfd = qr_dirfd(st, false, NULL);
	bool yes;

	if (dfd < 0)
		return false;
	snprintf(file, sizeof(file), "%s.installing", name);
	yes = faccessat(dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	close(dfd);
	return yes;
}

/* Whether someone still works on the install: its QEMU runs, its monitor
 * (RUN/qemu/NAME.mlock) or the hook (NAME.install) holds its lock. */
static bool at_work(const struct vu_state *st, const char *name)
{
	int dfd, lk, fd;
	bool busy;

	if (vu_qemurun_active(st, name) == 1)
		return true;
	if ((dfd = qr_dirfd(st, false, NULL)) < 0)
		return false;
	lk = qr_lock_ext(dfd, name, "mlock", true);
	busy = lk == -EWOULDBLOCK;
	if (lk >= 0)
		close(lk);
	close(dfd);
	if (!busy && (fd = in_watch_file(st, name, false, NULL)) >= 0) {
		busy = flock(fd, LOCK_EX | LOCK_NB) < 0;
		close(fd);
	}
	return busy;
}

/* The install ended without its hook: no QEMU and nobody at work, seen
 * twice a moment apart (the monitor hands over to the hook in between). */
static bool abandoned(const struct vu_state *st, const char *name)
{
	if (at_work(st, name))
		return false;
	in_sleep_ms(200);
	return !at_work(st, name) && vu_install_pending(st, name);
}

int vu_install_wait(const struct vu_state *st, const char *name, int timeout_ms,
		    struct vu_err *e)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (!marked(st, name) || (vu_install_pending(st, name) && abandoned(st, name))) {
			in_marker(st, name, false);
			return vu_install_pending(st, name)
				       ? vu_err_set(e, ECANCELED, "the install phase ended before "
						    "the guest finished it")
				       : 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_ms >= 0 && (now.tv_sec - t0.tv_sec) * 1000 +
				(now.tv_nsec - t0.tv_nsec) / 1000000 >= timeout_ms)
			return vu_err_set(e, ETIMEDOUT, "the install is still in progress");
		in_sleep_ms(100);
	}
}
