/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volcreate.c - new volumes: reserve the name under the lock, write the image
 * without it (O_TMPFILE in the pool directory), link it into place under it */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/filecopy.h"
#include "vu/progress.h"
#include "storage_int.h"

/* libvirt's mode for a volume it creates. */
#define VOL_MODE 0600

/* ---- reservations ---- */

static int exists(struct vu_err *e, const char *name)
{
	return vu_err_set(e, EEXIST, "volume '%s' already exists", name);
}

static int reserve_locked(struct vu_storage *s, const struct vu_pool *p, int dirfd,
			  const char *name, struct st_reservation *res, struct vu_err *e)
{
	char *dir = NULL;
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return exists(e, name);
	if (asprintf(&dir, "%s/%s", s->reserve_dir, p->name) < 0 ||
	    asprintf(&res->path, "%s/%s", dir, name) < 0) {
		free(dir);
		return vu_err_set(e, ENOMEM, NULL);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = vu_err_set(e, errno, "%s: %s", dir, strerror(errno));

		free(dir);
		return r;
	}
	free(dir);
	res->fd = open(res->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (res->fd < 0)
		return vu_err_set(e, errno, "%s: %s", res->path, strerror(errno));
	/* A file nobody holds is what a killed creator left: take it over. */
	if (flock(res->fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? exists(e, name)
					    : vu_err_set(e, errno, "%s: %s", res->path,
							 strerror(errno));
	return 0;
}

int st_reserve(struct vu_storage *s, const struct vu_pool *p, int dirfd, const char *name,
	       struct st_reservation *res, struct vu_err *e)
{
	int lk = st_lock(s, true, e), r;

	*res = (struct st_reservation){ .fd = -1 };
	if (lk < 0)
		return lk;
	r = reserve_locked(s, p, dirfd, name, res, e);
	if (r < 0) {
		if (res->fd >= 0)
			close(res->fd);
		free(res->path);
		*res = (struct st_reservation){ .fd = -1 };
	}
	st_unlock(&lk);
	return r;
}

static void drop_reservation(struct st_reservation *res)
{
	if (res->fd >= 0) {
		unlink(res->path);
		close(res->fd);
	}
	free(res->path);
	*res = (struct st_reservation){ .fd = -1 };
}

void st_release(struct vu_storage *s, struct st_reservation *res)
{
	int lk;

	if (res->fd < 0 && !res->path)
		return;
	lk = st_lock(s, true, NULL);

	drop_reservation(res);
	st_unlock(&lk);
}

int st_commit(struct vu_storage *s, struct vu_atomic *a, struct st_reservation *res,
	      struct vu_err *e)
{
	int lk = st_lock(s, true, e), r;

	if (lk < 0) {
		vu_atomic_abort(a);
		return lk;
	}
	r = vu_atomic_commit(a, false, true);
	if (r == -EEXIST)
		exists(e, res->path ? strrchr(res->path, '/') + 1 : "");
	else if (r < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	drop_reservation(res);
	st_unlock(&lk);
	return r;
}

/* ---- the image ---- */

static int check_format(const char *fmt, struct vu_err *e)
{
	if (strcmp(fmt, "raw") == 0 || strcmp(fmt, "qcow2") == 0)
		return 0;
	return vu_err_set(e, ENOTSUP, "volume format '%s' is not supported (raw, qcow2)", fmt);
}

/* The backing file's format when the request does not say (libvirt probes). */
static char *probe_format(const char *path, struct vu_err *e)
{
	struct vu_image *img;
	struct vu_err ie = { 0 };
	char *fmt;

	if (vu_image_open(&img, path, NULL, VU_OPEN_NO_BACKING, &ie) < 0) {
		vu_err_set(e, ie.code, "backing store '%s': %s", path, vu_err_str(&ie));
		return NULL;
	}
	fmt = strdup(vu_image_format_name(img));
	vu_image_close(&img);
	if (!fmt)
		vu_err_set(e, ENOMEM, NULL);
	return fmt;
}

/* KiB, rounded up: the unit libvirt compares sizes in for qemu-img. */
static uint64_t kib(uint64_t bytes)
{
	return bytes / 1024 + (bytes % 1024 != 0);
}

/* As libvirt: a qcow2 volume is preallocated only when asked
 * (PREALLOC_METADATA), then with falloc when the allocation covers the
 * capacity and with metadata when it does not (or is not given). */
static void qcow2_opts(struct vu_create_opts *o, const struct vu_volspec *spec, unsigned flags)
{
	o->version = spec->version;
	o->cluster_size = (uint32_t)spec->cluster_size;
	o->lazy_refcounts = spec->lazy_refcounts;
	o->extended_l2 = spec->extended_l2;
	if (!(flags & VU_VOL_PREALLOC_METADATA))
		return;
	o->prealloc = spec->has_allocation && kib(spec->allocation) >= kib(o->size) ?
		      VU_PREALLOC_FALLOC : VU_PREALLOC_METADATA;
}

/* A raw volume's allocation: all of it reserved up front, or the first
 * bytes of it (libvirt's partial preallocation). */
static int raw_allocation(int fd, const struct vu_volspec *spec, uint64_t size,
			  struct vu_create_opts *o)
{
	if (!spec->has_allocation || spec->allocation == 0)
		return 0;
	if (spec->allocation >= size) {
		o->prealloc = VU_PREALLOC_FALLOC;
		return 0;
	}
	return -posix_fallocate(fd, 0, (off_t)spec->allocation);
}

static int make_image(int fd, const char *path, const char *fmt,
		      const struct vu_volspec *spec, uint64_t size, unsigned flags,
		      struct vu_err *e)
{
	struct vu_create_opts o = { .size = size };
	char *bfmt = NULL;
	int r = 0;

	if (strcmp(fmt, "qcow2") == 0) {
		qcow2_opts(&o, spec, flags);
		if (spec->backing_path && !spec->backing_format &&
		    !(bfmt = probe_format(spec->backing_path, e)))
			return -e->code;
		o.backing_file = spec->backing_path;
		o.backing_fmt = spec->backing_format ? spec->backing_format : bfmt;
	} else if (spec->backing_path) {
		return vu_err_set(e, EINVAL, "a raw volume cannot have a backing store");
	} else if (flags & VU_VOL_PREALLOC_METADATA) {
		return vu_err_set(e, EINVAL, "metadata preallocation needs the qcow2 format");
	} else if ((r = raw_allocation(fd, spec, size, &o)) < 0) {
		return vu_err_set(e, -r, "cannot allocate: %s", strerror(-r));
	}
	r = vu_image_create(fd, path, fmt, &o, e);
	free(bfmt);
	return r;
}

static int set_perms(int fd, const struct vu_volspec *spec, struct vu_err *e)
{
	mode_t mode = spec->mode >= 0 ? (mode_t)spec->mode : VOL_MODE;

	if (fchmod(fd, mode) < 0)
		return vu_err_set(e, errno, "cannot set mode: %s", strerror(errno));
	if ((spec->owner >= 0 || spec->group >= 0) &&
	    fchown(fd, (uid_t)spec->owner, (gid_t)spec->group) < 0)
		return vu_err_set(e, errno, "cannot set owner: %s", strerror(errno));
	return 0;
}

/* ---- copies ---- */

struct copy_job {
	struct vu_storage *s;
	const struct vu_vol *src;
	const char *src_fmt;	/* what the source's bytes are: its format, or raw */
	const char *fmt;	/* the new volume's */
	const char *path;	/* the new volume's */
	int fd;			/* the new volume's file, empty */
	uint64_t size;
	const struct vu_volspec *spec;
	unsigned flags;
	const struct vu_show_progress *prog;
	const char *dst_dir;	/* the new volume's directory */
	unsigned wflags;	/* VU_OPEN_RDWR, and UNSAFE for a file not linked yet */
};

/* Copies the bytes of the source file, holes staying holes (vu_file_copy):
 * the new volume is the same image, with every feature its format has.
 * Extents are shared where the filesystem does it by itself, and must be
 * with reflink. */
static int copy_bytes(struct copy_job *j, int srcfd, bool reflink, struct vu_err *e)
{
	const struct vu_show_progress *sp = j->prog;
	bool show = !reflink && sp && !sp->quiet && (sp->force || isatty(STDERR_FILENO));
	struct vu_filecopy_opts o = { .reflink = reflink };
	struct vu_progress p;
	uint64_t data = 0;
	int r;

	if (show && vu_file_data_bytes(srcfd, &data) == 0) {
		vu_progress_init(&p, data, sp->force, sp->quiet);
		o.progress = &p;
	}
	r = vu_file_copy(srcfd, j->fd, &o, e);
	if (o.progress)
		vu_progress_end(&p);
	return r;
}

/* Converts through the copy engine: a new image of the wanted format,
 * filled with what the source reads as (its backing chain flattened). */
static int copy_convert(struct copy_job *j, int srcfd, struct vu_err *e)
{
	struct vu_image *src = NULL, *dst = NULL;
	struct vu_volspec spec = *j->spec;
	struct vu_sink sink;
	int r;

	/* The copy has the source's content, so no backing file of its own. */
	spec.backing_path = spec.backing_format = NULL;
	spec.has_allocation = false;
	r = make_image(j->fd, j->path, j->fmt, &spec, j->size, j->flags, e);
	if (r == 0)
		r = vu_image_open_fd(&src, srcfd, j->src->path, j->src_fmt, 0, e);
	if (r == 0)
		r = vu_image_open_fd(&dst, j->fd, j->path, j->fmt, j->wflags, e);
	if (r == 0 && (r = vu_sink_image_init(&sink, dst, j->size, true, true)) < 0)
		vu_err_set(e, -r, "format '%s' cannot be written: %s", j->fmt, strerror(-r));
	if (r == 0)
		r = st_copy(&src, 1, &sink, VU_COPY_MIN_SPARSE, j->prog, e);
	vu_image_close(&src);
	vu_image_close(&dst);
	return r;
}

/* A qcow2 whose backing file is recorded relative to its directory keeps
 * it only in that directory; elsewhere the copy must stand alone. */
static bool backing_stays_valid(const struct copy_job *j, int srcfd)
{
	struct vu_image *img;
	struct vu_err e = { 0 };
	bool ok;

	if (!j->src->backing_path)
		return true;
	if (vu_image_open_fd(&img, srcfd, j->src->path, j->src_fmt, VU_OPEN_NO_BACKING, &e) < 0)
		return false;
	ok = !vu_image_backing_file(img) || vu_image_backing_file(img)[0] == '/' ||
	     (j->src->type == VU_VOL_FILE && strcmp(j->src->pool->px.target, j->dst_dir) == 0);
	vu_image_close(&img);
	return ok;
}

/* A bigger capacity than the source's, after a copy of its bytes. */
static int grow(struct copy_job *j, struct vu_err *e)
{
	struct vu_image *img;
	int r = vu_image_open_fd(&img, j->fd, j->path, j->fmt, j->wflags, e);

	if (r == 0 && vu_image_size(img) < j->size) {
		r = vu_image_resize(img, j->size, VU_PREALLOC_OFF, e);
		if (r == 0 && (r = vu_image_flush(img)) < 0)
			vu_err_set(e, -r, "%s", strerror(-r));
	}
	vu_image_close(&img);
	return r;
}

/* A request for a layout of its own (qcow2 version, cluster size,
 * features, metadata preallocation) is a conversion even in the same
 * format: a copy of the file would keep the source's layout. */
static bool new_layout(const struct copy_job *j)
{
	const struct vu_volspec *s = j->spec;

	return s->version || s->cluster_size || s->lazy_refcounts || s->extended_l2 ||
	       (j->flags & VU_VOL_PREALLOC_METADATA);
}

static int copy_volume(struct copy_job *j, struct vu_err *e)
{
	int srcfd = st_vol_open(j->src, O_RDONLY, e), r;
	bool same = strcmp(j->fmt, j->src_fmt) == 0 && !new_layout(j);

	if (srcfd < 0)
		return srcfd;
	if ((j->flags & VU_VOL_REFLINK) && !same)
		r = vu_err_set(e, EINVAL, "a reflink copy keeps the format ('%s')", j->src_fmt);
	else if (j->flags & VU_VOL_REFLINK)
		r = copy_bytes(j, srcfd, true, e);
	else if (same && j->src->type == VU_VOL_FILE && backing_stays_valid(j, srcfd))
		r = copy_bytes(j, srcfd, false, e);
	else
		r = copy_convert(j, srcfd, e);
	if (r == 0 && same && j->src->type == VU_VOL_FILE)
		r = grow(j, e);
	close(srcfd);
	return r;
}

/* ---- creating in dir and fs pools ---- */

static char *vol_path(const struct vu_pool *p, const char *name)
{
	char *path;

	return asprintf(&path, "%s/%s", p->px.target, name) < 0 ? NULL : path;
}

/* Fills the unnamed file: a new image, or a copy of src. */
static int fill(struct copy_job *j, struct vu_err *e)
{
	int r = j->src ? copy_volume(j, e)
		       : make_image(j->fd, j->path, j->fmt, j->spec, j->size, j->flags, e);

	return r < 0 ? r : set_perms(j->fd, j->spec, e);
}

static int file_create(struct copy_job *j, struct vu_pool *p, struct vu_vol **out,
		       struct vu_err *e)
{
	struct st_reservation res;
	struct vu_atomic a;
	int dirfd = st_pool_dirfd(p, e), r;

	if (dirfd < 0)
		return dirfd;
	j->dst_dir = p->px.target;
	r = st_reserve(j->s, p, dirfd, j->spec->name, &res, e);
	if (r == 0 && !(j->path = vol_path(p, j->spec->name)))
		r = vu_err_set(e, ENOMEM, NULL);
	if (r == 0 && (r = vu_atomic_open(&a, j->path, VOL_MODE)) < 0)
		vu_err_set(e, -r, "%s", strerror(-r));
	if (r == 0) {
		j->fd = a.fd;
		/* Nobody sees the file before it is complete, and the commit
		 * flushes it: no flush on the way, as qemu's cache=unsafe. */
		j->wflags = VU_OPEN_RDWR | VU_OPEN_UNSAFE;
		r = fill(j, e);
		if (r < 0)
			vu_atomic_abort(&a);
		else
			r = st_commit(j->s, &a, &res, e);
	}
	st_release(j->s, &res);
	if (r == 0 && out)
		r = st_file_vol_load(p, dirfd, j->spec->name, out, e);
	free((char *)j->path);
	close(dirfd);
	return r;
}

/* ---- creating in disk pools: a partition, then the content ---- */

static int disk_fill(struct copy_job *j, struct vu_vol *v, struct vu_err *e)
{
	int fd = open(v->path, O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", v->path, strerror(errno));
	j->fd = fd;
	j->path = v->path;
	j->fmt = "raw";
	j->wflags = VU_OPEN_RDWR;
	r = copy_volume(j, e);
	close(fd);
	return r;
}

static int disk_create(struct copy_job *j, struct vu_pool *p, struct vu_vol **out,
		       struct vu_err *e)
{
	struct vu_vol *v = NULL;
	int lk = st_lock(j->s, true, e), r;

	if (lk < 0)
		return lk;
	r = st_disk_vol_create(p, j->spec, j->size, &v, e);
	st_unlock(&lk);
	if (r == 0 && j->src && (r = disk_fill(j, v, e)) < 0) {
		struct vu_err ignore;

		vu_vol_delete(j->s, v, &ignore);	/* nothing half-done stays */
	}
	if (r == 0 && out)
		*out = v;
	else
		vu_vol_free(&v);
	return r;
}

static int create(struct copy_job *j, struct vu_pool *p, struct vu_vol **out,
		  struct vu_err *e)
{
	int r = st_need_active(p, e);

	if (out)
		*out = NULL;
	if (r < 0)
		return r;
	if (p->type != VU_POOL_DIR && p->type != VU_POOL_FS && p->type != VU_POOL_DISK)
		return st_unsupported(p, e);
	if (vu_name_check(j->spec->name) < 0)
		return vu_err_set(e, EINVAL, "invalid volume name '%s'", j->spec->name);
	if (p->type != VU_POOL_DISK && (r = check_format(j->fmt, e)) < 0)
		return r;
	return p->type == VU_POOL_DISK ? disk_create(j, p, out, e) : file_create(j, p, out, e);
}

int vu_vol_create(struct vu_storage *s, struct vu_pool *p, const struct vu_volspec *spec,
		  unsigned flags, struct vu_vol **out, struct vu_err *e)
{
	struct copy_job j = { .s = s, .spec = spec, .flags = flags, .fd = -1,
			      .fmt = spec->format ? spec->format : "raw",
			      .size = spec->capacity };

	if (!spec->has_capacity)
		return vu_err_set(e, EINVAL, "a new volume needs a capacity");
	return create(&j, p, out, e);
}

int vu_vol_create_from(struct vu_storage *s, struct vu_pool *p,
		       const struct vu_volspec *spec, const struct vu_vol *src,
		       unsigned flags, const struct vu_show_progress *prog, struct vu_vol **out,
		       struct vu_err *e)
{
	/* A partition's bytes are a raw disk whatever its partition type. */
	const char *src_fmt = src->type == VU_VOL_BLOCK || !strcmp(src->format, "unknown") ?
			      "raw" : src->format;
	struct copy_job j = { .s = s, .src = src, .src_fmt = src_fmt, .spec = spec,
			      .flags = flags, .prog = prog, .fd = -1,
			      .fmt = spec->format ? spec->format : src_fmt,
			      .size = spec->has_capacity ? spec->capacity : src->capacity };

	if (j.size < src->capacity)
		return vu_err_set(e, EINVAL, "capacity %llu is smaller than the source's %llu",
				  (unsigned long long)j.size,
				  (unsigned long long)src->capacity);
	return create(&j, p, out, e);
}
