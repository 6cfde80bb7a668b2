/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volnew.c - a volume written by the caller: reserved name, unnamed file,
 * commit when complete, and undo after the commit */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage_int.h"

struct vol_new_priv {
	struct st_reservation res;
	struct vu_atomic a;
	int dirfd;
};

static void priv_free(struct vu_storage *s, struct vu_vol_new *nv)
{
	struct vol_new_priv *pv = nv->priv;

	if (pv) {
		st_release(s, &pv->res);
		if (pv->dirfd >= 0)
			close(pv->dirfd);
		free(pv);
	}
	nv->priv = NULL;
}

int vu_vol_new_begin(struct vu_storage *s, struct vu_pool *p, const char *name,
		     struct vu_vol_new *nv, struct vu_err *e)
{
	struct vol_new_priv *pv;
	int r;

	*nv = (struct vu_vol_new){ .fd = -1 };
	if ((r = st_need_active(p, e)) < 0)
		return r;
	if (p->type != VU_POOL_DIR && p->type != VU_POOL_FS)
		return vu_err_set(e, ENOTSUP, "pool '%s': volumes are written only into dir and "
				  "fs pools", p->name);
	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "invalid volume name '%s'", name);
	pv = calloc(1, sizeof(*pv));
	nv->name = strdup(name);
	if (!pv || !nv->name || asprintf(&nv->path, "%s/%s", p->px.target, name) < 0) {
		nv->path = NULL;
		free(pv);
		vu_vol_new_abort(s, nv);
		return vu_err_set(e, ENOMEM, NULL);
	}
	pv->res = (struct st_reservation){ .fd = -1 };
	pv->a.fd = -1;
	nv->priv = pv;
	pv->dirfd = st_pool_dirfd(p, e);
	r = pv->dirfd;
	if (r >= 0)
		r = st_reserve(s, p, pv->dirfd, name, &pv->res, e);
	if (r >= 0 && (r = vu_atomic_openat(&pv->a, pv->dirfd, name, nv->path, 0600)) < 0) {
		pv->a.fd = -1;
		vu_err_set(e, -r, "%s: %s", nv->path, strerror(-r));
	}
	if (r < 0) {
		vu_vol_new_abort(s, nv);
		return r;
	}
	nv->fd = pv->a.fd;
	return 0;
}

int vu_vol_new_commit(struct vu_storage *s, struct vu_vol_new *nv, struct vu_err *e)
{
	struct vol_new_priv *pv = nv->priv;
	int r;

	if (!pv || nv->committed)
		return vu_err_set(e, EINVAL, "no volume being written");
	r = st_commit(s, &pv->a, &pv->res, e);
	pv->a.fd = -1;
	nv->fd = -1;
	if (r == 0)
		nv->committed = true;
	return r;
}

void vu_vol_new_free(struct vu_storage *s, struct vu_vol_new *nv)
{
	struct vol_new_priv *pv = nv->priv;

	if (pv && !nv->committed && pv->a.fd >= 0)
		vu_atomic_abort(&pv->a);
	priv_free(s, nv);
	free(nv->name);
	free(nv->path);
	*nv = (struct vu_vol_new){ .fd = -1 };
}

void vu_vol_new_abort(struct vu_storage *s, struct vu_vol_new *nv)
{
	struct vol_new_priv *pv = nv->priv;

	if (pv && nv->committed && unlinkat(pv->dirfd, nv->name, 0) == 0)
		fsync(pv->dirfd);
	else if (pv && pv->a.fd >= 0)
		vu_atomic_abort(&pv->a);
	priv_free(s, nv);
	free(nv->name);
	free(nv->path);
	*nv = (struct vu_vol_new){ .fd = -1 };
}
