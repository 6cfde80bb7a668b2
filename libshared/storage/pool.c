/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool.c - the life of a storage pool: define, start, stop, delete, undefine,
 * autostart, and what virsh pool-info and pool-dumpxml show */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/ident.h"
#include "storage_int.h"

/* Once the default pool was made, this file says so: an administrator who
 * undefines it does not want it back at the next command. */
#define DEFAULT_MARK ".default-pool-made"

struct vu_pool *vu_pool_ref(struct vu_pool *p)
{
	p->refs++;
	return p;
}

void vu_pool_free(struct vu_pool **pp)
{
	struct vu_pool *p = *pp;

	*pp = NULL;
	if (!p || --p->refs > 0)
		return;
	free(p->name);
	vu_poolxml_free(&p->config);
	vu_poolxml_free(&p->live);
	vu_pool_def_free(&p->px);
	free(p);
}

void vu_pool_list_free(struct vu_pool ***list, size_t n)
{
	for (size_t i = 0; *list && i < n; i++)
		vu_pool_free(&(*list)[i]);
	free(*list);
	*list = NULL;
}

int st_unsupported(const struct vu_pool *p, struct vu_err *e)
{
	return vu_err_set(e, ENOTSUP, "pool type '%s' is not supported",
			  vu_pool_type_name(p->type));
}

/* ---- lookups ---- */

static int list_locked(struct vu_storage *s, struct vu_pool ***out, size_t *n,
		       struct vu_err *e)
{
	char **names;
	size_t nn;
	int r = st_pool_names(s, &names, &nn, e);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	*out = calloc(nn ? nn : 1, sizeof(struct vu_pool *));
	if (!*out)
		r = vu_err_set(e, ENOMEM, NULL);
	for (size_t i = 0; r == 0 && i < nn; i++) {
		r = st_pool_load(s, names[i], &(*out)[*n], e);
		if (r == -ENOENT)	/* undefined meanwhile */
			r = 0;
		else if (r == 0)
			(*n)++;
	}
	st_names_free(names, nn);
	if (r < 0)
		vu_pool_list_free(out, *n);
	return r;
}

int vu_pool_list(struct vu_storage *s, struct vu_pool ***out, size_t *n, struct vu_err *e)
{
	int lk = st_lock(s, false, e);
	int r;

	if (lk < 0)
		return lk;
	r = list_locked(s, out, n, e);
	st_unlock(&lk);
	return r;
}

static int lookup_locked(struct vu_storage *s, const char *ref, struct vu_pool **out,
			 struct vu_err *e)
{
	char uuid[VU_UUID_STRLEN];
	struct vu_pool **all;
	size_t n;
	int r;

	*out = NULL;
	if (vu_uuid_normalize(ref, uuid) == 0) {
		r = list_locked(s, &all, &n, e);
		for (size_t i = 0; r == 0 && i < n && !*out; i++)
			if (strcmp(all[i]->uuid, uuid) == 0)
				*out = vu_pool_ref(all[i]);
		vu_pool_list_free(&all, n);
		if (r < 0 || *out)
			return r;
	}
	r = st_pool_load(s, ref, out, e);
	if (r == -ENOENT)
		vu_err_set(e, ENOENT, "no storage pool with matching name or uuid");
	return r;
}

int vu_pool_lookup(struct vu_storage *s, const char *ref, struct vu_pool **out,
		   struct vu_err *e)
{
	int lk = st_lock(s, false, e);
	int r;

	if (lk < 0)
		return lk;
	r = lookup_locked(s, ref, out, e);
	st_unlock(&lk);
	return r;
}

/* ---- define ---- */

/* The thing two pools of these types may not share: the same directory
 * or device twice would list the same volumes under two pools. */
static const char *pool_resource(const struct vu_pool_def *px)
{
	return px->type == VU_POOL_FS || px->type == VU_POOL_DISK ? px->source_device : NULL;
}

static int check_conflicts(struct vu_storage *s, const struct vu_pool_def *px,
			   const char *uuid, struct vu_err *e)
{
	struct vu_pool **all;
	size_t n;
	int r = list_locked(s, &all, &n, e);

	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *mine = pool_resource(px), *theirs = pool_resource(&all[i]->px);

		if (strcmp(all[i]->name, px->name) == 0)
			continue;
		if (strcmp(all[i]->uuid, uuid) == 0)
			r = vu_err_set(e, EEXIST, "pool '%s' already has uuid %s",
				       all[i]->name, uuid);
		else if (mine && theirs && all[i]->type == px->type && strcmp(mine, theirs) == 0)
			r = vu_err_set(e, EEXIST, "pool '%s' already uses '%s'", all[i]->name,
				       mine);
		else if (px->type != VU_POOL_DISK && px->target && all[i]->px.target &&
			 all[i]->type != VU_POOL_DISK && strcmp(px->target, all[i]->px.target) == 0)
			r = vu_err_set(e, EEXIST, "pool '%s' already has target '%s'",
				       all[i]->name, px->target);
	}
	vu_pool_list_free(&all, n);
	return r;
}

/*
 * A checked copy of doc with its UUID settled: the one it names, else the
 * existing pool's, else a new one. px describes the copy.
 */
static int prepare_def(struct vu_storage *s, const struct vu_poolxml *doc,
		       const struct vu_pool *old, struct vu_poolxml **copy, struct vu_pool_def *px,
		       struct vu_err *e)
{
	char uuid[VU_UUID_STRLEN];
	int r;

	if (vu_poolxml_copy(copy, doc) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	/* A dumpxml of a running pool carries its sizes: they are not part of
	 * a definition (libvirt ignores them too). */
	vu_poolxml_drop_sizing(*copy);
	r = vu_poolxml_read(*copy, px, e);
	if (r == 0 && px->uuid && old && strcmp(px->uuid, old->uuid) != 0)
		r = vu_err_set(e, EEXIST, "pool '%s' already exists with uuid %s", px->name,
			       old->uuid);
	if (r == 0 && !px->uuid) {
		if (old)
			snprintf(uuid, sizeof(uuid), "%s", old->uuid);
		else
			vu_uuid_generate(uuid);
		if (vu_poolxml_set_uuid(*copy, uuid) < 0 || !(px->uuid = strdup(uuid)))
			r = vu_err_set(e, ENOMEM, NULL);
	}
	if (r == 0)
		r = check_conflicts(s, px, px->uuid, e);
	if (r < 0) {
		vu_poolxml_free(copy);
		vu_pool_def_free(px);
	}
	return r;
}

/* The name a document defines, for finding the pool it replaces. */
static int doc_name(const struct vu_poolxml *doc, struct vu_pool_def *px, struct vu_err *e)
{
	return vu_poolxml_read(doc, px, e);
}

static int define_locked(struct vu_storage *s, const struct vu_poolxml *doc,
			 struct vu_pool **out, struct vu_err *e)
{
	struct vu_pool_def px, npx;
	struct vu_pool *old = NULL;
	struct vu_poolxml *copy;
	int r = doc_name(doc, &px, e);

	if (r < 0)
		return r;
	r = st_pool_load(s, px.name, &old, e);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = prepare_def(s, doc, old, &copy, &npx, e);
	if (r == 0) {
		r = st_write_xml(s, ST_CONFIG, npx.name, copy, e);
		vu_poolxml_free(&copy);
		vu_pool_def_free(&npx);
	}
	if (r == 0 && out)
		r = st_pool_load(s, px.name, out, e);
	vu_pool_free(&old);
	vu_pool_def_free(&px);
	return r;
}

int vu_pool_define(struct vu_storage *s, const struct vu_poolxml *doc,
		   struct vu_pool **out, struct vu_err *e)
{
	int lk = st_lock(s, true, e);
	int r;

	if (out)
		*out = NULL;
	if (lk < 0)
		return lk;
	r = define_locked(s, doc, out, e);
	st_unlock(&lk);
	return r;
}

/* ---- start, stop ---- */

static int backend_build(const struct vu_pool *p, unsigned flags, struct vu_err *e)
{
	if ((flags & VU_POOL_BUILD_OVERWRITE) && (flags & VU_POOL_BUILD_NO_OVERWRITE))
		return vu_err_set(e, EINVAL, "overwrite and no-overwrite cannot be combined");
	switch (p->type) {
	case VU_POOL_DIR:
		return st_dir_build(p, flags, e);
	case VU_POOL_FS:
		return st_fs_build(p, flags, e);
	case VU_POOL_DISK:
		return st_disk_build(p, flags, e);
	default:
		return st_unsupported(p, e);
	}
}

static int backend_start(const struct vu_pool *p, struct vu_err *e)
{
	switch (p->type) {
	case VU_POOL_DIR:
		return st_dir_check(p, e);
	case VU_POOL_FS:
		return st_fs_start(p, e);
	case VU_POOL_DISK:
		return st_disk_start(p, e);
	default:
		return st_unsupported(p, e);
	}
}

static int backend_stop(const struct vu_pool *p, struct vu_err *e)
{
	switch (p->type) {
	case VU_POOL_FS:
		return st_fs_stop(p, e);
	case VU_POOL_DISK:
		return st_disk_stop(p, e);
	default:
		return 0;
	}
}

/* Starts p (its current definition) and records it as running. */
static int start_locked(struct vu_storage *s, struct vu_pool *p, unsigned flags,
			struct vu_err *e)
{
	struct vu_poolxml *live;
	int r = 0;

	if (p->active)
		return vu_err_set(e, EBUSY, "pool is already active");
	if (flags & VU_POOL_START_BUILD)
		r = backend_build(p, flags, e);
	if (r == 0)
		r = backend_start(p, e);
	if (r < 0)
		return r;
	if (vu_poolxml_copy(&live, st_pool_doc(p)) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	vu_poolxml_drop_sizing(live);
	r = st_mark_active(s, p, live, e);
	if (r < 0) {
		vu_poolxml_free(&live);
		backend_stop(p, NULL);
	}
	return r;
}

/* Reloads p under the lock: another process may have changed it. */
static int reload(struct vu_storage *s, struct vu_pool **p, struct vu_err *e)
{
	struct vu_pool *fresh;
	int r = st_pool_load(s, (*p)->name, &fresh, e);

	if (r < 0)
		return r;
	/* Swap the contents so that the caller's pointer stays valid. */
	struct vu_pool tmp = **p;
	int refs = (*p)->refs;

	**p = *fresh;
	(*p)->refs = refs;
	*fresh = tmp;
	fresh->refs = 1;
	vu_pool_free(&fresh);
	return 0;
}

/*
 * Every change to a pool runs under the exclusive state lock on a fresh
 * copy of its definition (another process may have changed it). Returns
 * the lock to release, or -errno with nothing held.
 */
static int lock_fresh(struct vu_storage *s, struct vu_pool *p, struct vu_err *e)
{
	int lk = st_lock(s, true, e);
	int r;

	if (lk < 0)
		return lk;
	r = reload(s, &p, e);
	if (r < 0) {
		st_unlock(&lk);
		return r;
	}
	return lk;
}

/*
 * Runs op on p under the exclusive state lock, on a fresh copy of its
 * definition (lock_fresh); arg is the operation's flags or switch.
 */
typedef int (*pool_op)(struct vu_storage *s, struct vu_pool *p, unsigned arg,
		       struct vu_err *e);

static int with_pool_locked(struct vu_storage *s, struct vu_pool *p, pool_op op,
			    unsigned arg, struct vu_err *e)
{
	int lk = lock_fresh(s, p, e);
	int r;

	if (lk < 0)
		return lk;
	r = op(s, p, arg, e);
	st_unlock(&lk);
	return r;
}

int vu_pool_start(struct vu_storage *s, struct vu_pool *p, unsigned flags, struct vu_err *e)
{
	return with_pool_locked(s, p, start_locked, flags, e);
}

/* A transient pool made of a checked definition (both taken over). */
static struct vu_pool *transient_new(struct vu_poolxml *def, struct vu_pool_def *px)
{
	struct vu_pool *p = calloc(1, sizeof(*p));

	if (!p || !(p->name = strdup(px->name))) {
		free(p);
		return NULL;
	}
	p->refs = 1;
	p->type = px->type;
	snprintf(p->uuid, sizeof(p->uuid), "%s", px->uuid);
	p->px = *px;
	memset(px, 0, sizeof(*px));
	p->config = def;	/* what start copies; dropped once it ran */
	return p;
}

static int create_locked(struct vu_storage *s, const struct vu_poolxml *doc,
			 const char *name, unsigned flags, struct vu_pool **out,
			 struct vu_err *e)
{
	struct vu_pool_def px = { 0 };
	struct vu_pool *p = NULL;
	struct vu_poolxml *copy = NULL;
	int r = st_pool_load(s, name, &p, e);

	vu_pool_free(&p);
	if (r == 0)
		return vu_err_set(e, EEXIST, "pool '%s' already exists", name);
	if (r != -ENOENT)
		return r;
	r = prepare_def(s, doc, NULL, &copy, &px, e);
	if (r < 0)
		return r;
	if (!(p = transient_new(copy, &px))) {
		vu_poolxml_free(&copy);
		vu_pool_def_free(&px);
		return vu_err_set(e, ENOMEM, NULL);
	}
	r = start_locked(s, p, flags, e);
	vu_poolxml_free(&p->config);
	if (r < 0)
		vu_pool_free(&p);
	*out = p;
	return r;
}

int vu_pool_create(struct vu_storage *s, const struct vu_poolxml *doc, unsigned flags,
		   struct vu_pool **out, struct vu_err *e)
{
	struct vu_pool_def px;
	int lk, r = doc_name(doc, &px, e);

	*out = NULL;
	if (r < 0)
		return r;
	lk = st_lock(s, true, e);
	r = lk < 0 ? lk : create_locked(s, doc, px.name, flags, out, e);
	st_unlock(&lk);
	vu_pool_def_free(&px);
	return r;
}

static int destroy_locked(struct vu_storage *s, struct vu_pool *p, unsigned arg,
			  struct vu_err *e)
{
	int r;

	(void)arg;
	if (!p->active)
		return vu_err_set(e, EINVAL, "pool is not active");
	r = backend_stop(p, e);
	return r < 0 ? r : st_mark_inactive(s, p, e);
}

int vu_pool_destroy(struct vu_storage *s, struct vu_pool *p, struct vu_err *e)
{
	return with_pool_locked(s, p, destroy_locked, 0, e);
}

/* ---- build, delete, undefine, autostart ---- */

static int build_locked(struct vu_storage *s, struct vu_pool *p, unsigned flags,
			struct vu_err *e)
{
	(void)s;
	if (p->active && p->type != VU_POOL_DIR)
		return vu_err_set(e, EBUSY, "pool is active; destroy it first");
	return backend_build(p, flags, e);
}

int vu_pool_build(struct vu_storage *s, struct vu_pool *p, unsigned flags, struct vu_err *e)
{
	return with_pool_locked(s, p, build_locked, flags, e);
}

static int delete_locked(struct vu_storage *s, struct vu_pool *p, unsigned arg,
			 struct vu_err *e)
{
	(void)s;
	(void)arg;
	if (p->active)
		return vu_err_set(e, EBUSY, "pool is active; destroy it first");
	switch (p->type) {
	case VU_POOL_DIR:
	case VU_POOL_FS:
		return st_dir_delete(p, e);
	case VU_POOL_DISK:
		return st_disk_delete(p, e);
	default:
		return st_unsupported(p, e);
	}
}

int vu_pool_delete(struct vu_storage *s, struct vu_pool *p, struct vu_err *e)
{
	return with_pool_locked(s, p, delete_locked, 0, e);
}

static int undefine_locked(struct vu_storage *s, struct vu_pool *p, unsigned arg,
			   struct vu_err *e)
{
	int r;

	(void)arg;
	if (p->active)
		return vu_err_set(e, EBUSY, "pool is active; destroy it first");
	if (!p->persistent)
		return vu_err_set(e, EINVAL, "pool is transient: it has no definition");
	r = st_autostart_set(&s->st, VU_STATE_POOLS, p->name, false, e);
	return r < 0 ? r : st_remove_xml(s, ST_CONFIG, p->name, e);
}

int vu_pool_undefine(struct vu_storage *s, struct vu_pool *p, struct vu_err *e)
{
	return with_pool_locked(s, p, undefine_locked, 0, e);
}

static int autostart_locked(struct vu_storage *s, struct vu_pool *p, unsigned on,
			    struct vu_err *e)
{
	int r;

	if (!p->persistent)
		return vu_err_set(e, EINVAL, "cannot set autostart for a transient pool");
	r = st_autostart_set(&s->st, VU_STATE_POOLS, p->name, on, e);
	if (r == 0)
		p->autostart = on;
	return r;
}

int vu_pool_set_autostart(struct vu_storage *s, struct vu_pool *p, bool on, struct vu_err *e)
{
	return with_pool_locked(s, p, autostart_locked, on, e);
}

int vu_pool_start_all(struct vu_storage *s, vu_pool_started_fn fn, void *opaque)
{
	struct vu_pool **all;
	struct vu_err e = { 0 };
	size_t n;
	int first = vu_pool_list(s, &all, &n, &e);

	if (first < 0) {
		if (fn)
			fn(NULL, first, &e, opaque);
		return first;
	}
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!all[i]->autostart || all[i]->active)
			continue;
		vu_err_clear(&e);
		r = vu_pool_start(s, all[i], 0, &e);
		if (fn)
			fn(all[i], r, &e, opaque);
		if (r < 0 && first == 0)
			first = r;
	}
	vu_pool_list_free(&all, n);
	return first;
}

/* ---- privileges ---- */

/* Measured, not guessed: mkfs and a new partition table only write the
 * device; the kernel calls behind mount, umount, loop devices and BLKPG
 * are what refuse a process without CAP_SYS_ADMIN. */
static bool fs_needs(enum vu_pool_op op)
{
	return op == VU_POOL_OP_START || op == VU_POOL_OP_DESTROY || op == VU_POOL_OP_REFRESH;
}

static bool disk_needs(enum vu_pool_op op)
{
	return op != VU_POOL_OP_BUILD;
}

bool vu_pool_needs_sys_admin(enum vu_pool_type type, enum vu_pool_op op)
{
	switch (type) {
	case VU_POOL_FS:
		return fs_needs(op);
	case VU_POOL_DISK:
		return disk_needs(op);
	default:
		return false;	/* dir pools; other types are refused first */
	}
}

/* ---- what virsh shows ---- */

int vu_pool_info(struct vu_storage *s, struct vu_pool *p, struct vu_pool_info *info,
		 struct vu_err *e)
{
	(void)s;
	memset(info, 0, sizeof(*info));
	if (!p->active)
		return 0;
	info->state = VU_POOL_RUNNING;
	switch (p->type) {
	case VU_POOL_DIR:
	case VU_POOL_FS:
		return st_dir_sizes(p, info, e);
	case VU_POOL_DISK:
		return st_disk_sizes(p, info, e);
	default:
		return 0;
	}
}

char *vu_pool_xml(struct vu_storage *s, struct vu_pool *p, bool inactive, struct vu_err *e)
{
	const struct vu_poolxml *src = inactive && p->config ? p->config : st_pool_doc(p);
	struct vu_poolxml *doc;
	struct vu_pool_info info;
	char *text = NULL;
	int r = vu_poolxml_copy(&doc, src);

	/* The UUID made up for a hand-written definition is shown too. */
	if (r == 0 && !p->px.uuid)
		r = vu_poolxml_set_uuid(doc, p->uuid);
	if (r == 0 && p->active && !inactive) {
		r = vu_pool_info(s, p, &info, e);
		if (r == 0)
			r = vu_poolxml_set_sizing(doc, info.capacity, info.allocation,
						  info.available);
	}
	if (r == 0 && !(text = vu_poolxml_format(doc)))
		r = -ENOMEM;
	if (r == -ENOMEM)
		vu_err_set(e, ENOMEM, NULL);
	vu_poolxml_free(&doc);
	return text;
}

int vu_pool_refresh(struct vu_storage *s, struct vu_pool *p, struct vu_err *e)
{
	(void)s;
	if (!p->active)
		return vu_err_set(e, EINVAL, "pool is not active");
	/* Volumes are read afresh every time; a disk pool's partitions are
	 * told to the kernel again. */
	return p->type == VU_POOL_DISK ? st_disk_start(p, e) : backend_start(p, e);
}

/* ---- the state root ---- */

static int make_default(struct vu_storage *s, struct vu_err *e)
{
	char *images = vu_state_path(&s->st, "images", NULL);
	struct vu_pool_as as = { .name = "default", .type = "dir", .target = images };
	struct vu_pool *p = NULL;
	struct vu_poolxml *doc = NULL;
	int r = images && vu_poolxml_new(&doc, &as) == 0 ? define_locked(s, doc, &p, e) :
							      vu_err_set(e, ENOMEM, NULL);

	if (r == 0)
		r = st_autostart_set(&s->st, VU_STATE_POOLS, "default", true, e);
	if (r == 0)
		r = start_locked(s, p, 0, e);
	vu_pool_free(&p);
	vu_poolxml_free(&doc);
	free(images);
	return r;
}

/* Under the lock: the default pool unless one exists, then the mark. */
static int default_once(struct vu_storage *s, const char *mark, struct vu_err *e)
{
	struct vu_pool *p = NULL;
	int r = st_pool_load(s, "default", &p, e), fd;

	vu_pool_free(&p);
	if (r == -ENOENT)
		r = make_default(s, e);
	if (r < 0)
		return r;
	fd = openat(vu_state_dirfd(&s->st, VU_STATE_POOLS), DEFAULT_MARK,
		    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", mark, strerror(errno));
	close(fd);
	return 0;
}

static int ensure_default(struct vu_storage *s, struct vu_err *e)
{
	char *mark = NULL;
	int lk, r = 0;

	if (asprintf(&mark, "%s/%s", s->pools_dir, DEFAULT_MARK) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	if (access(mark, F_OK) == 0) {
		free(mark);
		return 0;
	}
	lk = st_lock(s, true, e);
	if (lk < 0)
		r = lk;
	else if (access(mark, F_OK) != 0)
		r = default_once(s, mark, e);
	st_unlock(&lk);
	free(mark);
	return r;
}

int vu_storage_open(struct vu_storage *s, const char *root_opt, struct vu_err *e)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = vu_state_resolve(&s->st, root_opt);
	if (r < 0)
		return vu_err_set(e, -r, "cannot find the state root: %s", strerror(-r));
	r = vu_state_prepare(&s->st, e);
	if (r < 0) {
		vu_storage_close(s);
		return r;
	}
	s->pools_dir = vu_state_path(&s->st, "pools", NULL);
	if (asprintf(&s->run_pools, "%s/pools", s->st.run) < 0)
		s->run_pools = NULL;
	if (asprintf(&s->reserve_dir, "%s/reserve", s->st.run) < 0)
		s->reserve_dir = NULL;
	r = s->pools_dir && s->run_pools && s->reserve_dir ? 0 : -ENOMEM;
	if (r == 0 && ((mkdirat(vu_state_dirfd(&s->st, VU_STATE_RUN), "pools", 0755) < 0 &&
			errno != EEXIST) ||
		       (mkdirat(vu_state_dirfd(&s->st, VU_STATE_RUN), "reserve", 0700) < 0 &&
			errno != EEXIST)))
		r = -errno;
	if (r < 0)
		vu_err_set(e, -r, "%s: %s", s->st.run, strerror(-r));
	if (r == 0)
		r = ensure_default(s, e);
	if (r < 0)
		vu_storage_close(s);
	return r;
}

void vu_storage_close(struct vu_storage *s)
{
	vu_state_free(&s->st);
	free(s->pools_dir);
	free(s->run_pools);
	free(s->reserve_dir);
	memset(s, 0, sizeof(*s));
}
