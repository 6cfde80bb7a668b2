/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volume.c - volumes as they are: listed from the pool directory or disk,
 * described from the image itself, found by name, key or path, deleted */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "storage_int.h"

struct vu_vol *st_vol_new(struct vu_pool *p)
{
	struct vu_vol *v = calloc(1, sizeof(*v));

	if (v)
		v->pool = vu_pool_ref(p);
	return v;
}

void vu_vol_free(struct vu_vol **pv)
{
	struct vu_vol *v = *pv;

	if (!v)
		return;
	vu_pool_free(&v->pool);
	free(v->name);
	free(v->path);
	free(v->key);
	free(v->format);
	free(v->backing_path);
	free(v->backing_format);
	free(v->compat);
	free(v);
	*pv = NULL;
}

void vu_vol_list_free(struct vu_vol ***list, size_t n)
{
	for (size_t i = 0; *list && i < n; i++)
		vu_vol_free(&(*list)[i]);
	free(*list);
	*list = NULL;
}

int st_need_active(const struct vu_pool *p, struct vu_err *e)
{
	if (p->active)
		return 0;
	return vu_err_set(e, EINVAL, "pool '%s' is not active", p->name);
}

int st_pool_dirfd(const struct vu_pool *p, struct vu_err *e)
{
	int fd = open(p->px.target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return vu_err_set(e, errno, "target '%s': %s", p->px.target, strerror(errno));
	return fd;
}

int st_vol_openat(int dirfd, const char *name, int flags, struct vu_err *e)
{
	struct stat st;
	int fd;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "invalid volume name '%s'", name);
	/* O_NONBLOCK: a FIFO planted in the pool must not hang us. */
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return vu_err_set(e, ELOOP, "'%s' is a symbolic link, not a volume", name);
	if (fd < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vu_err_set(e, EINVAL, "'%s' is not a regular file", name);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int st_vol_open(const struct vu_vol *v, int flags, struct vu_err *e)
{
	int dirfd, fd;

	if (v->type == VU_VOL_BLOCK) {
		fd = open(v->path, flags | O_CLOEXEC);
		return fd < 0 ? vu_err_set(e, errno, "%s: %s", v->path, strerror(errno)) : fd;
	}
	if ((dirfd = st_pool_dirfd(v->pool, e)) < 0)
		return dirfd;
	fd = st_vol_openat(dirfd, v->name, flags, e);
	close(dirfd);
	return fd;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0 ? NULL : p;
}

static void info_fields(struct vu_vol *v, struct vu_image *img)
{
	struct vu_info info;

	if (vu_image_info(img, &info) < 0)
		return;
	v->cluster_size = info.cluster_size;
	for (int i = 0; i < info.nkv; i++) {
		const struct vu_kv *kv = &info.kv[i];

		if (strcmp(kv->key, "compat") == 0 && !v->compat)
			v->compat = strdup(kv->str);
		else if (strcmp(kv->key, "lazy-refcounts") == 0)
			v->lazy_refcounts = kv->b;
		else if (strcmp(kv->key, "extended-l2") == 0)
			v->extended_l2 = kv->b;
	}
	vu_info_free(&info);
}

/* The backing file's format as recorded, else as probed (libvirt probes
 * too); NULL when it cannot be opened. */
static char *backing_format(const struct vu_image *img)
{
	struct vu_image *b;
	struct vu_err e = { 0 };
	char *fmt;

	if (vu_image_backing_fmt(img))
		return strdup(vu_image_backing_fmt(img));
	if (vu_image_open(&b, vu_image_backing_path(img), NULL, VU_OPEN_NO_BACKING, &e) < 0)
		return NULL;
	fmt = strdup(vu_image_format_name(b));
	vu_image_close(&b);
	return fmt;
}

/* Fills what the image says; a file no driver accepts stays "unknown"
 * with its size as capacity, so one bad file does not hide the others. */
static int describe_image(struct vu_vol *v, int fd)
{
	struct vu_image *img;
	struct vu_err e = { 0 };

	if (vu_image_open_fd(&img, fd, v->path, NULL, VU_OPEN_NO_BACKING, &e) < 0) {
		v->format = strdup("unknown");
		v->capacity = (uint64_t)v->st.st_size;
		return v->format ? 0 : -ENOMEM;
	}
	v->format = strdup(vu_image_format_name(img));
	v->capacity = vu_image_size(img);
	if (vu_image_actual_size(img) >= 0)
		v->allocation = (uint64_t)vu_image_actual_size(img);
	if (vu_image_backing_path(img)) {
		v->backing_path = strdup(vu_image_backing_path(img));
		v->backing_format = backing_format(img);
	}
	info_fields(v, img);
	vu_image_close(&img);
	return v->format ? 0 : -ENOMEM;
}

int st_file_vol_load(struct vu_pool *p, int dirfd, const char *name, struct vu_vol **out,
		     struct vu_err *e)
{
	struct vu_vol *v = st_vol_new(p);
	int fd, r = 0;

	*out = NULL;
	if (!v)
		return vu_err_set(e, ENOMEM, NULL);
	fd = st_vol_openat(dirfd, name, O_RDONLY, e);
	if (fd < 0) {
		vu_vol_free(&v);
		return fd;
	}
	if (fstat(fd, &v->st) < 0)
		r = vu_err_set(e, errno, "%s", strerror(errno));
	v->type = VU_VOL_FILE;
	if (r == 0 && (!(v->name = strdup(name)) || !(v->path = join(p->px.target, name)) ||
		       !(v->key = strdup(v->path))))
		r = vu_err_set(e, ENOMEM, NULL);
	if (r == 0 && describe_image(v, fd) < 0)
		r = vu_err_set(e, ENOMEM, NULL);
	close(fd);
	if (!v->allocation)	/* no driver took the file: what it occupies */
		v->allocation = (uint64_t)v->st.st_blocks * 512;
	v->physical = (uint64_t)v->st.st_size;
	if (r < 0)
		vu_vol_free(&v);
	*out = v;
	return r;
}

/* virsh sorts names without regard to case. */
static int cmp_vols(const void *a, const void *b)
{
	return strcasecmp((*(struct vu_vol *const *)a)->name,
			  (*(struct vu_vol *const *)b)->name);
}

/* Regular files with volume names; symlinks, directories, FIFOs and our
 * hidden temporary files are not volumes. */
static bool is_volume_entry(int dirfd, const char *name)
{
	struct stat st;

	return vu_name_check(name) == 0 &&
	       fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static int file_vol_list(struct vu_pool *p, struct vu_vol ***out, size_t *n,
			 struct vu_err *e)
{
	int dirfd = st_pool_dirfd(p, e), r = 0;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	if (dirfd < 0)
		return dirfd;
	if (!(d = fdopendir(dup(dirfd)))) {
		close(dirfd);
		return vu_err_set(e, errno, "%s: %s", p->px.target, strerror(errno));
	}
	while (r == 0 && (de = readdir(d))) {
		if (!is_volume_entry(dirfd, de->d_name))
			continue;
		if (*n == cap) {
			struct vu_vol **grown = realloc(*out, (cap = cap ? cap * 2 : 16) *
							sizeof(*grown));
			if (!grown) {
				r = vu_err_set(e, ENOMEM, NULL);
				break;
			}
			*out = grown;
		}
		r = st_file_vol_load(p, dirfd, de->d_name, &(*out)[*n], e);
		if (r == 0)
			(*n)++;
		else if (r != -ENOMEM)	/* gone meanwhile, or replaced by a link */
			r = 0;
	}
	closedir(d);
	close(dirfd);
	return r;
}

int vu_vol_list(struct vu_storage *s, struct vu_pool *p, struct vu_vol ***out, size_t *n,
		struct vu_err *e)
{
	int r;

	(void)s;
	*out = NULL;
	*n = 0;
	if ((r = st_need_active(p, e)) < 0)
		return r;
	if (p->type == VU_POOL_DISK)
		r = st_disk_vol_list(p, out, n, e);
	else if (p->type == VU_POOL_DIR || p->type == VU_POOL_FS)
		r = file_vol_list(p, out, n, e);
	else
		r = st_unsupported(p, e);
	if (r < 0) {
		vu_vol_list_free(out, *n);
		*n = 0;
		return r;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_vols);
	return 0;
}

/* ---- lookup ---- */

static char *canonical_path(const char *ref);

/*
 * dir and fs pools: a file volume's key is its path, so a name, or a path
 * whose canonical directory is the pool's, names the one file to read;
 * the others are not opened.
 */
static int find_file(struct vu_pool *p, const char *ref, const char *canon,
		     struct vu_vol **out)
{
	char real[PATH_MAX];
	const char *name = NULL, *slash = canon ? strrchr(canon, '/') : NULL;
	struct vu_err ignore = { 0 };
	int dirfd;

	if (vu_name_check(ref) == 0)
		name = ref;
	else if (slash && realpath(p->px.target, real) &&
		 (size_t)(slash - canon) == strlen(real) &&
		 strncmp(canon, real, strlen(real)) == 0)
		name = slash + 1;
	if (!name || (dirfd = st_pool_dirfd(p, &ignore)) < 0)
		return 0;
	st_file_vol_load(p, dirfd, name, out, &ignore);
	close(dirfd);
	return 0;
}

/* The volume in p with this name, key or path (compared canonical). */
static int find_in_pool(struct vu_storage *s, struct vu_pool *p, const char *ref,
			const char *canon, struct vu_vol **out, struct vu_err *e)
{
	struct vu_vol **vols;
	size_t n;
	int r;

	*out = NULL;
	if (p->type == VU_POOL_DIR || p->type == VU_POOL_FS) {
		r = st_need_active(p, e);
		return r < 0 ? r : find_file(p, ref, canon, out);
	}
	r = vu_vol_list(s, p, &vols, &n, e);
	for (size_t i = 0; r == 0 && i < n && !*out; i++) {
		struct vu_vol *v = vols[i];
		char *vc = canon ? canonical_path(v->path) : NULL;

		if (strcmp(v->name, ref) == 0 || strcmp(v->key, ref) == 0 ||
		    strcmp(v->path, ref) == 0 || (vc && strcmp(vc, canon) == 0)) {
			*out = v;
			vols[i] = NULL;
		}
		free(vc);
	}
	vu_vol_list_free(&vols, n);
	return r;
}

/*
 * A path with its directory made canonical (symlinks and ".." resolved)
 * and its last component kept as it is, so a link named like a volume
 * never leads to one. NULL when ref is not a path.
 */
static char *canonical_path(const char *ref)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(ref, '/');

	if (!slash || slash[1] == '\0' || (size_t)(slash - ref) >= sizeof(dir))
		return NULL;
	memcpy(dir, ref, (size_t)(slash - ref));
	dir[slash - ref] = '\0';
	if (!realpath(dir[0] ? dir : "/", real))
		return NULL;
	return join(real, slash + 1);
}

static int lookup_all(struct vu_storage *s, const char *ref, const char *canon,
		      struct vu_vol **out, struct vu_err *e)
{
	struct vu_pool **pools;
	size_t n;
	int r = vu_pool_list(s, &pools, &n, e);

	for (size_t i = 0; r == 0 && i < n && !*out; i++) {
		struct vu_err ignore = { 0 };

		if (!pools[i]->active || (pools[i]->type != VU_POOL_DIR &&
					  pools[i]->type != VU_POOL_FS &&
					  pools[i]->type != VU_POOL_DISK))
			continue;
		/* A path names a volume; a bare word only with its pool. */
		if (strchr(ref, '/'))
			find_in_pool(s, pools[i], ref, canon, out, &ignore);
	}
	vu_pool_list_free(&pools, n);
	return r;
}

int vu_vol_lookup(struct vu_storage *s, const char *pool, const char *ref,
		  struct vu_vol **out, struct vu_err *e)
{
	struct vu_pool *p = NULL;
	char *canon = canonical_path(ref);
	int r = 0;

	*out = NULL;
	if (pool && (r = vu_pool_lookup(s, pool, &p, e)) < 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", vu_err_str(e));
		free(canon);
		return vu_err_set(e, -r, "pool '%s': %s", pool, why);
	}
	if (p && (r = st_need_active(p, e)) == 0)
		r = find_in_pool(s, p, ref, canon, out, e);
	if (r == 0 && !*out && !p)
		r = lookup_all(s, ref, canon, out, e);
	if (r == 0 && !*out)
		r = vu_err_set(e, ENOENT, p ? "no such volume in pool '%s'"
				      : "no such volume (name its pool with --pool%s)",
			       p ? p->name : "");
	vu_pool_free(&p);
	free(canon);
	return r;
}

/* ---- XML ---- */

/* Mode, owner and times; the birth time when the filesystem keeps one
 * (statx, never through a link), as libvirt shows it. */
static void file_info(const struct stat *st, const char *path, struct vu_volfile *f)
{
	struct statx sx;

	f->mode = (int)(st->st_mode & 07777);
	f->uid = st->st_uid;
	f->gid = st->st_gid;
	f->atime = st->st_atim;
	f->mtime = st->st_mtim;
	f->ctime = st->st_ctim;
	f->has_btime = statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx) == 0 &&
		       (sx.stx_mask & STATX_BTIME) && sx.stx_ino == st->st_ino;
	if (f->has_btime)
		f->btime = (struct timespec){ sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec };
}

char *vu_vol_xml(const struct vu_vol *v, struct vu_err *e)
{
	struct vu_volinfo vi = {
		.type = v->type == VU_VOL_BLOCK ? "block" : "file",
		.name = v->name, .key = v->key, .path = v->path, .format = v->format,
		.capacity = v->capacity, .allocation = v->allocation, .physical = v->physical,
		.compat = v->compat, .cluster_size = v->cluster_size,
		.lazy_refcounts = v->lazy_refcounts, .extended_l2 = v->extended_l2,
		.backing_path = v->backing_path, .backing_format = v->backing_format,
	};
	struct vu_volextent ext = { .device = v->pool->px.source_device,
				    .start = v->part_start, .end = v->part_start + v->capacity };
	struct vu_volfile bf;
	struct stat bst;
	struct vu_volxml *doc;
	char *text;

	file_info(&v->st, v->path, &vi.file);
	if (v->type == VU_VOL_BLOCK)
		vi.extent = &ext;
	if (v->backing_path && stat(v->backing_path, &bst) == 0) {
		file_info(&bst, v->backing_path, &bf);
		vi.backing_file = &bf;
	}
	text = vu_volxml_new(&doc, &vi) == 0 ? vu_volxml_format(doc) : NULL;
	vu_volxml_free(&doc);
	if (!text)
		vu_err_set(e, ENOMEM, NULL);
	return text;
}

/* ---- delete ---- */

static int file_vol_delete(const struct vu_vol *v, struct vu_err *e)
{
	int dirfd = st_pool_dirfd(v->pool, e), r = 0;
	struct stat st;

	if (dirfd < 0)
		return dirfd;
	/* unlinkat never follows a link, but a link is not ours to delete. */
	if (fstatat(dirfd, v->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = vu_err_set(e, errno, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = vu_err_set(e, EINVAL, "'%s' is not a regular file", v->name);
	else if (unlinkat(dirfd, v->name, 0) < 0)
		r = vu_err_set(e, errno, "%s", strerror(errno));
	else
		fsync(dirfd);
	close(dirfd);
	return r;
}

int vu_vol_delete(struct vu_storage *s, const struct vu_vol *v, struct vu_err *e)
{
	int lk = st_lock(s, true, e);
	int r;

	if (lk < 0)
		return lk;
	r = v->type == VU_VOL_BLOCK ? st_disk_vol_delete(v, e) : file_vol_delete(v, e);
	st_unlock(&lk);
	return r;
}
