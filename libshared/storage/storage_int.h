/* SPDX-License-Identifier: GPL-2.0-or-later */
/* storage_int.h - what the files of libshared/storage share among themselves */
#ifndef VU_STORAGE_INT_H
#define VU_STORAGE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "vu/copy.h"
#include "vu/file.h"
#include "vu/image.h"
#include "vu/storage.h"

/* ---- pooldb.c: definitions, live state, autostart marks, locking ---- */

/* "DIR/NAME.xml" (malloc'd). */
char *st_def_path(const char *dir, const char *name);
/* Loads and checks ROOT/pools/NAME.xml and RUN/pools/NAME.xml into a new
 * pool; -ENOENT when neither exists. */
int st_pool_load(struct vu_storage *s, const char *name, struct vu_pool **out,
		 struct vu_err *e);
/* The names of every pool, defined or running (sorted, deduplicated). */
int st_pool_names(struct vu_storage *s, char ***names, size_t *n, struct vu_err *e);
void st_names_free(char **names, size_t n);
/* The definitions (ROOT/pools) or the live state (RUN/pools). */
enum st_where { ST_CONFIG, ST_LIVE };
/* Writes doc atomically (replacing) as NAME.xml there, flushed, through the
 * directory checked when the root was opened (vu_state_prepare). */
int st_write_xml(struct vu_storage *s, enum st_where w, const char *name, const struct vu_poolxml *doc,
		 struct vu_err *e);
int st_remove_xml(struct vu_storage *s, enum st_where w, const char *name, struct vu_err *e);
/* The state lock (vu_state_lock) with a message on failure. */
int st_lock(struct vu_storage *s, bool exclusive, struct vu_err *e);
void st_unlock(int *fd);
/* Records the pool as running with this live definition. */
int st_mark_active(struct vu_storage *s, struct vu_pool *p, struct vu_poolxml *live,
		   struct vu_err *e);
int st_mark_inactive(struct vu_storage *s, struct vu_pool *p, struct vu_err *e);
/* The pool's current definition: live if active, else config. */
const struct vu_poolxml *st_pool_doc(const struct vu_pool *p);

/* ---- autostart.c: autostart marks, for every kind ---- */

/* Marks (on) or unmarks NAME, whose definitions are in defs
 * (VU_STATE_DOMAINS, VU_STATE_POOLS, VU_STATE_NETWORKS): the link
 * ROOT/autostart/KIND/NAME -> ../../KIND/NAME.xml, replacing what had the
 * name, made through the root's checked directory (vu_state_dirfd) and
 * flushed; unmarking what is not marked is 0. The caller holds the lock. */
int st_autostart_set(const struct vu_state *st, enum vu_state_dir defs, const char *name,
		     bool on, struct vu_err *e);
/* Whether NAME is marked (its link exists, dangling or not). */
bool st_autostart_get(const struct vu_state *st, enum vu_state_dir defs, const char *name);
/* The state root's lock (vu_state_lock) with its one-line error: the fd
 * to close, or -errno. */
int st_lock_root(const struct vu_state *st, bool exclusive, struct vu_err *e);
/* What vu_domaindb_autostart and vu_networkdb_autostart do: under the
 * exclusive lock, marks a defined NAME or unmarks NAME; what ("domain",
 * "network") names the kind in "what 'NAME' not found". */
int st_autostart_mark(const struct vu_state *st, enum vu_state_dir defs, const char *what,
		      const char *name, bool on, struct vu_err *e);

/* ---- backends: dir (pool_dir.c), fs (pool_fs.c), disk (pool_disk.c) ---- */

int st_dir_build(const struct vu_pool *p, unsigned flags, struct vu_err *e);
int st_dir_check(const struct vu_pool *p, struct vu_err *e);
int st_dir_delete(const struct vu_pool *p, struct vu_err *e);
int st_dir_sizes(const struct vu_pool *p, struct vu_pool_info *info, struct vu_err *e);

int st_fs_build(const struct vu_pool *p, unsigned flags, struct vu_err *e);
int st_fs_start(const struct vu_pool *p, struct vu_err *e);
int st_fs_stop(const struct vu_pool *p, struct vu_err *e);
/* Whether something is mounted on path (1), not (0), or -errno. */
int st_fs_mounted(const char *path);

int st_disk_build(const struct vu_pool *p, unsigned flags, struct vu_err *e);
int st_disk_start(const struct vu_pool *p, struct vu_err *e);
int st_disk_stop(const struct vu_pool *p, struct vu_err *e);
int st_disk_delete(const struct vu_pool *p, struct vu_err *e);
int st_disk_sizes(const struct vu_pool *p, struct vu_pool_info *info, struct vu_err *e);
int st_disk_vol_list(struct vu_pool *p, struct vu_vol ***out, size_t *n, struct vu_err *e);
int st_disk_vol_create(struct vu_pool *p, const struct vu_volspec *spec, uint64_t size,
		       struct vu_vol **out, struct vu_err *e);
int st_disk_vol_delete(const struct vu_vol *v, struct vu_err *e);

/* loopdev.c: the loop device of a disk pool on an image file. */
int st_loop_find(const char *image, char *dev, size_t len);
int st_loop_attach(const char *image, char *dev, size_t len, struct vu_err *e);
int st_loop_detach(const char *dev, struct vu_err *e);

/* "pool type 'X' is not supported" (-ENOTSUP). */
int st_unsupported(const struct vu_pool *p, struct vu_err *e);

/* ---- exec.c: the programs we may run (mkfs, mount, umount) ---- */

/* Runs argv[0] (a bare name, looked for in /sbin, /usr/sbin, /bin,
 * /usr/bin in that order, never in $PATH) with stdin and stdout on
 * /dev/null and an environment of PATH and LC_ALL=C only; on failure e
 * holds "PROG failed: <its last line of stderr>". */
int st_run(const char *const *argv, struct vu_err *e);

/* ---- volume.c ---- */

/* The pool's target directory, open (O_DIRECTORY, O_PATH not used: the
 * volumes are opened relative to it). */
int st_pool_dirfd(const struct vu_pool *p, struct vu_err *e);
/* Opens NAME in the pool directory, never through a symlink, and refuses
 * anything but a regular file. */
int st_vol_openat(int dirfd, const char *name, int flags, struct vu_err *e);
/* Opens a volume's file (by name in its pool directory, as st_vol_openat)
 * or a disk pool's partition (by its device path) with flags. */
int st_vol_open(const struct vu_vol *v, int flags, struct vu_err *e);
/* Describes the regular file NAME of a dir/fs pool. */
int st_file_vol_load(struct vu_pool *p, int dirfd, const char *name, struct vu_vol **out,
		     struct vu_err *e);
/* -ENOTSUP unless the pool is active ("pool 'X' is not active"). */
int st_need_active(const struct vu_pool *p, struct vu_err *e);
struct vu_vol *st_vol_new(struct vu_pool *p);

/* ---- volcreate.c: names reserved while a volume is written ---- */

struct st_reservation {
	int fd;			/* holds the flock that keeps the name */
	char *path;
};
/* Under the exclusive state lock: fails with -EEXIST when NAME exists in
 * the pool directory (dirfd) or another live creator holds it. */
int st_reserve(struct vu_storage *s, const struct vu_pool *p, int dirfd, const char *name,
	       struct st_reservation *res, struct vu_err *e);
/* Gives the reserved name up (under the lock, so that no creator sees a
 * reservation vanish while it looks at it). */
void st_release(struct vu_storage *s, struct st_reservation *res);
/* Under the lock: links the complete file a under its name (never
 * replacing) and gives the reservation up. */
int st_commit(struct vu_storage *s, struct vu_atomic *a, struct st_reservation *res,
	      struct vu_err *e);

/* ---- imgsrc.c: copies with progress, and sinks that are fds ---- */

/* vu_copy with progress as sp asks (the data bytes are measured first). */
int st_copy(struct vu_image **src, int nsrc, struct vu_sink *dst, uint64_t min_sparse,
	    const struct vu_show_progress *sp, struct vu_err *e);

/* A sink on fd: positional writes for a seekable file (holes left for
 * zeros when sparse and the file starts empty), in-order writes for a
 * pipe. finish() sets a regular file's size. */
struct st_fd_sink {
	struct vu_sink sink;
	int fd;
	bool seekable, sparse;
	uint64_t pos;		/* streams: bytes written so far */
};
void st_fd_sink_init(struct st_fd_sink *fs, int fd, uint64_t size, bool sparse, bool empty);
/* A sink writing into another one at base + off. */
struct st_offset_sink {
	struct vu_sink sink;
	struct vu_sink *inner;
	uint64_t base;
};
void st_offset_sink_init(struct st_offset_sink *os, struct vu_sink *inner, uint64_t base,
			 uint64_t size);

#endif
