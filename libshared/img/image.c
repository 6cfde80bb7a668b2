/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image.c - open images by format or by probing, walk backing chains */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/file.h"
#include "image_int.h"

/* Probing order does not matter: the highest score wins, raw scores 1. */
static const struct vu_image_driver *const drivers[] = {
	&vu_drv_qcow2,
	&vu_drv_raw,
	&vu_drv_vdi,
	&vu_drv_vpc,
	&vu_drv_vhdx,
	&vu_drv_qed,
	&vu_drv_vmdk,
};

#define PROBE_LEN 4096

const struct vu_image_driver *vu_image_driver_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

static int probe(int fd, const struct vu_image_driver **drv, struct vu_err *e)
{
	uint8_t *buf;
	ssize_t n;
	int best = 0;

	/* Aligned, so that a file opened with O_DIRECT can be probed too. */
	if (posix_memalign((void **)&buf, PROBE_LEN, PROBE_LEN))
		return vu_err_set(e, ENOMEM, NULL);
	memset(buf, 0, PROBE_LEN);
	n = pread(fd, buf, PROBE_LEN, 0);
	if (n < 0) {
		free(buf);
		return vu_err_set(e, errno, "cannot read: %s", strerror(errno));
	}
	*drv = &vu_drv_raw;
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		int score = drivers[i]->probe(buf, (size_t)n);

		if (score > best) {
			best = score;
			*drv = drivers[i];
		}
	}
	free(buf);
	return 0;
}

char *vu_image_relative_path(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen;
	char *out;

	if (name[0] == '/' || !slash)
		return strdup(name);
	dirlen = (size_t)(slash - path) + 1;
	out = malloc(dirlen + strlen(name) + 1);
	if (!out)
		return NULL;
	memcpy(out, path, dirlen);
	strcpy(out + dirlen, name);
	return out;
}

/* Every file of the chain opened so far, to refuse a loop. */
struct chain_seen {
	dev_t dev[VU_BACKING_MAX_DEPTH + 1];
	ino_t ino[VU_BACKING_MAX_DEPTH + 1];
	int n;
};

static int open_file(struct vu_image *img, struct chain_seen *seen, struct vu_err *e)
{
	int oflags = (img->flags & VU_OPEN_RDWR) ? O_RDWR : O_RDONLY;
	struct stat st;

	if (img->flags & VU_OPEN_DIRECT)
		oflags |= O_DIRECT;
	/* O_NONBLOCK so that a FIFO named as an image cannot hang the open. */
	if (img->fd < 0)
		img->fd = open(img->filename, oflags | O_CLOEXEC | O_NONBLOCK);
	if (img->fd < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if (fstat(img->fd, &st) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return vu_err_set(e, EISDIR, "is a directory");
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vu_err_set(e, EINVAL, "not a regular file or block device");
	if (fcntl(img->fd, F_SETFL, fcntl(img->fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	img->is_blockdev = S_ISBLK(st.st_mode);
	for (int i = 0; i < seen->n; i++)
		if (seen->dev[i] == st.st_dev && seen->ino[i] == st.st_ino)
			return vu_err_set(e, ELOOP, "backing chain loops back to itself");
	seen->dev[seen->n] = st.st_dev;
	seen->ino[seen->n] = st.st_ino;
	seen->n++;
	return 0;
}

/* One image of a chain, without its backing file. fd >= 0: use this
 * already open file (the image owns it from now on). */
static int open_one(struct vu_image **out, const char *path, const char *fmt, unsigned flags,
		    int fd, struct chain_seen *seen, struct vu_err *e)
{
	struct vu_image *img = calloc(1, sizeof(*img));
	int r;

	*out = NULL;
	if (!img || !(img->filename = strdup(path))) {
		free(img);
		if (fd >= 0)
			close(fd);
		return vu_err_set(e, ENOMEM, NULL);
	}
	img->fd = fd;
	img->flags = flags;
	r = open_file(img, seen, e);
	if (r == 0 && fmt && !(img->drv = vu_image_driver_find(fmt)))
		r = vu_err_set(e, EINVAL, "unknown file format '%s'", fmt);
	if (r == 0 && !fmt)
		r = probe(img->fd, &img->drv, e);
	if (r == 0) {
		r = img->drv->open(img, e);
		if (r < 0)
			img->drv = NULL;	/* nothing for close() to free */
	}
	if (r == 0 && img->backing_file &&
	    !(img->backing_path = vu_image_relative_path(img->filename, img->backing_file)))
		r = vu_err_set(e, ENOMEM, NULL);
	if (r < 0) {
		vu_image_close(&img);
		return r;
	}
	*out = img;
	return 0;
}

/*
 * The backing files under top, one after the other (no recursion, so the
 * depth costs no stack). A failure anywhere is said once, about the file
 * at fault and with its own cause, never as a nest of "could not open" for
 * every layer above it: the top image is the caller's object, and the
 * image that names the file is added when it is not the top (or when the
 * top is itself a backing file being checked).
 */
static int open_backings(struct vu_image *top, bool top_is_backing, struct chain_seen *seen,
			 struct vu_err *e)
{
	unsigned flags = top->flags & ~(VU_OPEN_RDWR | VU_OPEN_CHECK);

	for (struct vu_image *l = top; l->backing_file; l = l->backing) {
		struct vu_err be = { 0 };
		int r;

		if (seen->n > VU_BACKING_MAX_DEPTH)
			return vu_err_set(e, ELOOP, "backing chain deeper than %d",
					  VU_BACKING_MAX_DEPTH);
		r = open_one(&l->backing, l->backing_path, l->backing_fmt, flags, -1, seen, &be);
		if (r < 0 && l == top && !top_is_backing)
			return vu_err_set(e, -r, "could not open backing file '%s': %s",
					  l->backing_path, vu_err_str(&be));
		if (r < 0)
			return vu_err_set(e, -r, "could not open backing file '%s' of '%s': %s",
					  l->backing_path, l->filename, vu_err_str(&be));
	}
	return 0;
}

/* named_by: the image whose backing file path is (its failure is then
 * said as such), or NULL. */
static int open_chain(struct vu_image **out, const char *path, const char *fmt,
		      unsigned flags, int fd, const char *named_by, struct vu_err *e)
{
	struct chain_seen *seen = calloc(1, sizeof(*seen));
	struct vu_err te = { 0 };
	int r;

	*out = NULL;
	if (!seen) {
		if (fd >= 0)
			close(fd);
		return vu_err_set(e, ENOMEM, NULL);
	}
	r = open_one(out, path, fmt, flags, fd, seen, named_by ? &te : e);
	if (r < 0 && named_by)
		vu_err_set(e, -r, "could not open backing file '%s': %s", path, vu_err_str(&te));
	if (r == 0 && !(flags & VU_OPEN_NO_BACKING) &&
	    (r = open_backings(*out, named_by != NULL, seen, e)) < 0)
		vu_image_close(out);
	free(seen);
	return r;
}

int vu_image_open(struct vu_image **out, const char *path, const char *fmt,
		  unsigned flags, struct vu_err *e)
{
	return open_chain(out, path, fmt, flags, -1, NULL, e);
}

int vu_image_open_fd(struct vu_image **out, int fd, const char *filename,
		     const char *fmt, unsigned flags, struct vu_err *e)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (copy < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	return open_chain(out, filename, fmt, flags, copy, NULL, e);
}

int vu_image_open_window(struct vu_image **out, const char *path, const char *fmt,
			 uint64_t off, uint64_t len, const char *member, struct vu_err *e)
{
	struct vu_image *img = calloc(1, sizeof(*img));
	struct chain_seen seen = { .n = 0 };
	int r;

	*out = NULL;
	if (!img || !(img->filename = strdup(path)) || !(img->win_name = strdup(member))) {
		if (img)
			free(img->filename);
		free(img);
		return vu_err_set(e, ENOMEM, NULL);
	}
	img->fd = -1;
	img->flags = VU_OPEN_NO_BACKING;
	img->win_off = off;
	img->win_len = len;
	r = open_file(img, &seen, e);
	if (r == 0 && !(img->drv = vu_image_driver_find(fmt)))
		r = vu_err_set(e, EINVAL, "unknown file format '%s'", fmt);
	if (r == 0 && (r = img->drv->open(img, e)) < 0)
		img->drv = NULL;
	if (r < 0) {
		vu_image_close(&img);
		return r;
	}
	*out = img;
	return 0;
}

/* The backing file a new image will name opens, in the format it records. */
static int check_backing(const char *path, const struct vu_create_opts *o, struct vu_err *e)
{
	char *full = vu_image_relative_path(path, o->backing_file);
	struct vu_image *b = NULL;
	int r;

	if (!full)
		return vu_err_set(e, ENOMEM, NULL);
	r = open_chain(&b, full, o->backing_fmt, 0, -1, path, e);
	vu_image_close(&b);
	free(full);
	return r;
}

int vu_image_create(int fd, const char *path, const char *fmt,
		    const struct vu_create_opts *o, struct vu_err *e)
{
	const struct vu_image_driver *drv = vu_image_driver_find(fmt);

	if (!drv)
		return vu_err_set(e, EINVAL, "unknown file format '%s'", fmt);
	if (!drv->create)
		return vu_err_set(e, ENOTSUP, "format '%s' cannot be created", fmt);
	if (o->size > INT64_MAX)
		return vu_err_set(e, EFBIG, "size too large");
	if (o->backing_file && !o->backing_unchecked) {
		int r = check_backing(path, o, e);

		if (r < 0)
			return r;
	}
	return drv->create(fd, path, o, e);
}

int vu_image_measure(const char *fmt, const struct vu_create_opts *o, struct vu_image *src,
		     struct vu_measure *m, struct vu_err *e)
{
	const struct vu_image_driver *drv = vu_image_driver_find(fmt);

	memset(m, 0, sizeof(*m));
	if (!drv)
		return vu_err_set(e, EINVAL, "Unknown file format '%s'", fmt);
	if (!drv->measure)
		return vu_err_set(e, ENOTSUP, "Block driver '%s' does not support size "
				  "measurement", fmt);
	if (!src && o->size > INT64_MAX)
		return vu_err_set(e, EFBIG, "size too large");
	return drv->measure(o, src, m, e);
}

void vu_image_close(struct vu_image **pimg)
{
	struct vu_image *img = *pimg;

	if (!img)
		return;
	vu_image_close(&img->backing);
	if (img->drv && img->drv->close)
		img->drv->close(img);
	if (img->fd >= 0)
		close(img->fd);
	free(img->filename);
	free(img->backing_file);
	free(img->backing_fmt);
	free(img->backing_path);
	free(img->win_name);
	free(img);
	*pimg = NULL;
}

int vu_image_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	img->why = NULL;
	if (off > img->size || len > img->size - off)
		return -EINVAL;
	if (len == 0)
		return 0;
	return img->drv->pread(img, buf, len, off);
}

const char *vu_image_strerror(const struct vu_image *img, int r)
{
	const char *why = img->why ? img->why :
			  img->drv->last_error ? img->drv->last_error(img) : "";

	return why && why[0] ? why : strerror(r < 0 ? -r : r);
}

int vu_image_read_backing(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct vu_image *b = img->backing;
	size_t have = 0;

	if (b && off < b->size) {
		have = b->size - off < len ? (size_t)(b->size - off) : len;
		int r = vu_image_pread(b, buf, have, off);

		if (r < 0)
			return r;
	}
	memset((char *)buf + have, 0, len - have);
	return 0;
}

/*
 * A format's data cluster may lie in a hole of its file (preallocated
 * images): it then reads as zeros, and qemu-img reports it so. The driver
 * says when to ask (VU_BS_RECURSE), as qemu's does, so both tools report
 * the same; asking costs two lseeks and saves reading the zeros.
 */
static int refine_by_file(struct vu_image *l, struct vu_bstat *s)
{
	struct vu_bstat f;
	int r;

	if ((s->flags & (VU_BS_RECURSE | VU_BS_OFFSET_VALID | VU_BS_ZERO)) !=
	    (VU_BS_RECURSE | VU_BS_OFFSET_VALID))
		return 0;
	r = vu_file_block_status(l->fd, l->is_blockdev, s->offset, s->len, &f);
	if (r < 0)
		return r;
	s->len = f.len;
	if (f.flags & VU_BS_ZERO) {
		struct stat st;

		/* A hole inside the file is zeros; past its end, corruption. */
		if (fstat(l->fd, &st) < 0)
			return -errno;
		if (s->offset + s->len > (uint64_t)st.st_size)
			return -EIO;
		s->flags |= VU_BS_ZERO;
	}
	return 0;
}

int vu_image_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			  struct vu_bstat *bs)
{
	struct vu_image *l = img;

	img->why = NULL;
	for (int depth = 0;; depth++) {
		struct vu_bstat s = { 0 };
		int r;

		if (off >= l->size) {
			*bs = (struct vu_bstat){ .len = len, .flags = VU_BS_ZERO,
						 .depth = depth };
			return 0;
		}
		if (len > l->size - off)
			len = l->size - off;
		r = l->drv->block_status(l, off, len, &s);
		if (r < 0)
			return r;
		if (s.len == 0 || s.len > len)
			return -EIO;
		if ((r = refine_by_file(l, &s)) < 0) {
			img->why = "data lies past the end of the file";
			return r;
		}
		s.depth = depth;
		s.layer = l;
		if ((s.flags & VU_BS_ALLOCATED) || !l->backing) {
			if (!(s.flags & VU_BS_ALLOCATED)) {
				s.flags |= VU_BS_ZERO;
				s.layer = NULL;
			}
			*bs = s;
			return 0;
		}
		len = s.len;
		/* A backing file shorter than its overlay reads as zeros
		 * past its end; qemu-img counts that at the overlay's depth. */
		if (off >= l->backing->size) {
			*bs = (struct vu_bstat){ .len = len, .flags = VU_BS_ZERO,
						 .depth = depth };
			return 0;
		}
		l = l->backing;
	}
}

int vu_image_info(struct vu_image *img, struct vu_info *info)
{
	int r;

	memset(info, 0, sizeof(*info));
	info->has_dirty_flag = true;
	r = img->drv->info ? img->drv->info(img, info) : 0;
	if (r < 0)
		vu_info_free(info);
	return r;
}

int vu_image_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	void (*report)(void *, const char *) = res->report;
	void *ctx = res->report_ctx;

	memset(res, 0, sizeof(*res));
	res->report = report;
	res->report_ctx = ctx;
	if (!img->drv->check)
		return -ENOTSUP;
	if (fix && !(img->flags & VU_OPEN_RDWR))
		return -EBADF;
	return img->drv->check(img, fix, res);
}

void vu_info_free(struct vu_info *info)
{
	for (int i = 0; i < info->nbitmaps; i++)
		free(info->bitmaps[i].name);
	for (int i = 0; i < info->nsnapshots; i++) {
		free(info->snapshots[i].id);
		free(info->snapshots[i].name);
	}
	for (int i = 0; i < info->nextents; i++)
		free(info->extents[i].filename);
	free(info->bitmaps);
	free(info->snapshots);
	free(info->extents);
	info->bitmaps = NULL;
	info->snapshots = NULL;
	info->extents = NULL;
	info->nbitmaps = info->nsnapshots = info->nextents = 0;
}

int64_t vu_image_actual_size(const struct vu_image *img)
{
	struct stat st;

	if (img->drv->actual_size)
		return img->drv->actual_size(img);
	if (fstat(img->fd, &st) < 0)
		return -errno;
	return (int64_t)st.st_blocks * 512;
}

int vu_image_chain_depth(const struct vu_image *img)
{
	int n = 0;

	for (const struct vu_image *b = img->backing; b; b = b->backing)
		n++;
	return n;
}

static struct vu_kv *info_add(struct vu_info *info, const char *key, enum vu_kv_type t)
{
	struct vu_kv *kv;

	if (info->nkv >= VU_INFO_MAX_KV)
		return NULL;
	kv = &info->kv[info->nkv++];
	memset(kv, 0, sizeof(*kv));
	kv->key = key;
	kv->type = t;
	return kv;
}

void vu_info_str(struct vu_info *info, const char *key, const char *val)
{
	struct vu_kv *kv = info_add(info, key, VU_KV_STR);

	if (kv)
		snprintf(kv->str, sizeof(kv->str), "%s", val);
}

void vu_info_bool(struct vu_info *info, const char *key, bool val)
{
	struct vu_kv *kv = info_add(info, key, VU_KV_BOOL);

	if (kv)
		kv->b = val;
}

void vu_info_bitmaps(struct vu_info *info)
{
	info_add(info, "bitmaps", VU_KV_BITMAPS);
}

void vu_info_extents(struct vu_info *info)
{
	info_add(info, "extents", VU_KV_EXTENTS);
}

void vu_info_int(struct vu_info *info, const char *key, int64_t val)
{
	struct vu_kv *kv = info_add(info, key, VU_KV_INT);

	if (kv)
		kv->i = val;
}

const char *vu_img_shown(const char *s, char *buf, size_t cap)
{
	size_t i = 0;

	for (; s[i] && i + 1 < cap; i++)
		buf[i] = s[i] >= ' ' && s[i] < 127 ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

bool vu_buf_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/* Byte by byte to an 8-byte boundary, then words, then the tail. */
	while (len && ((uintptr_t)p & 7)) {
		if (*p++)
			return false;
		len--;
	}
	for (; len >= 32; p += 32, len -= 32) {
		const uint64_t *w = (const uint64_t *)(const void *)p;

		if (w[0] | w[1] | w[2] | w[3])
			return false;
	}
	while (len--)
		if (*p++)
			return false;
	return true;
}
