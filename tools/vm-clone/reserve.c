/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reserve.c - a new domain name or disk path held while the disks are
 * copied, so that clones made at once never pick the same one */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/state.h"

#include "vm-clone.h"

/*
 * A reservation is a file in RUN/reserve/.vm-clone-KIND/ that its owner
 * holds flock'ed; one nobody holds is what a killed vm-clone left and is
 * free. Reservations are taken and released under the state root's
 * exclusive lock, so nobody is ever between opening such a file and
 * locking it while another removes it. (Pool names cannot start with a
 * dot, so these directories never meet pool-ctl's RUN/reserve/POOL/.)
 */

static int mkdir_p(const char *dir)
{
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static int take_locked(const struct vu_state *st, const char *kind, const char *key,
		       struct vc_resv *r)
{
	char *top = NULL, *dir = NULL;
	int rc = 0;

	if (asprintf(&top, "%s/reserve", st->run) < 0 ||
	    asprintf(&dir, "%s/.vm-clone-%s", top, kind) < 0 ||
	    asprintf(&r->path, "%s/%s", dir, key) < 0) {
		r->path = NULL;
		rc = -ENOMEM;
	}
	if (rc == 0 && ((rc = mkdir_p(top)) == 0))
		rc = mkdir_p(dir);
	free(top);
	free(dir);
	if (rc < 0)
		return rc;
	r->fd = open(r->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (r->fd < 0)
		return -errno;
	if (flock(r->fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EEXIST : -errno;
	return 0;
}

/* taken: a path whose existence means the name is in use; NULL when only
 * another vm-clone's reservation counts. */
static int reserve(const struct vu_state *st, const char *kind, const char *key,
		   const char *taken, struct vc_resv *r)
{
	struct stat sb;
	int lk, rc;

	*r = (struct vc_resv){ .fd = -1 };
	if ((lk = vu_state_lock(st, true)) < 0)
		return lk;
	if (!taken)
		rc = take_locked(st, kind, key, r);
	else if (lstat(taken, &sb) == 0)
		rc = -EEXIST;
	else if (errno != ENOENT)
		rc = -errno;
	else
		rc = take_locked(st, kind, key, r);
	if (rc < 0) {
		if (r->fd >= 0)
			close(r->fd);
		free(r->path);
		*r = (struct vc_resv){ .fd = -1 };
	}
	close(lk);
	return rc;
}

int vc_reserve_name(const struct vu_state *st, const char *name, struct vc_resv *r)
{
	char *def = NULL;
	int rc;

	if (asprintf(&def, "%s/domains/%s.xml", st->root, name) < 0)
		return -ENOMEM;
	rc = reserve(st, "domains", name, def, r);
	free(def);
	return rc;
}

int vc_reserve_replace(const struct vu_state *st, const char *name, struct vc_resv *r)
{
	return reserve(st, "domains", name, NULL, r);
}

/* Paths are longer than file names may be: a hash names them (FNV-1a; a
 * collision only makes a free path look taken). */
int vc_reserve_path(const struct vu_state *st, const char *path, struct vc_resv *r)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char key[17];

	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	snprintf(key, sizeof(key), "%016llx", (unsigned long long)h);
	return reserve(st, "paths", key, path, r);
}

void vc_release(const struct vu_state *st, struct vc_resv *r)
{
	int lk;

	if (r->fd < 0)
		return;
	lk = vu_state_lock(st, true);
	unlink(r->path);
	close(r->fd);
	if (lk >= 0)
		close(lk);
	free(r->path);
	*r = (struct vc_resv){ .fd = -1 };
}
