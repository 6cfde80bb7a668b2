/* SPDX-License-Identifier: GPL-2.0-or-later */
/* storage.h - storage pools and their volumes, on the state root and images */
#ifndef VU_STORAGE_H
#define VU_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <libxml/tree.h>

#include "vu/err.h"
#include "vu/ident.h"
#include "vu/poolxml.h"
#include "vu/state.h"
#include "vu/volxml.h"

/*
 * The model (libvirt's, without a daemon):
 *  - a persistent pool is ROOT/pools/NAME.xml; ROOT/autostart/pools/NAME
 *    (a link to it) marks autostart;
 *  - an active pool has its live definition in RUN/pools/NAME.xml; a
 *    transient pool has nothing else;
 *  - volumes are not recorded anywhere: a dir or fs pool's volumes are the
 *    regular files in its target directory, a disk pool's the partitions
 *    of its device, and their XML is made from the image on demand.
 * Definitions are written atomically under the state root's exclusive lock,
 * read under its shared lock. A new volume's name is reserved under the
 * lock, its data written without it, and it is committed (linked into the
 * pool directory) under it again, so no copy ever holds the lock.
 */
struct vu_storage {
	struct vu_state st;
	char *pools_dir;	/* ROOT/pools */
	char *run_pools;	/* RUN/pools */
	char *reserve_dir;	/* RUN/reserve: names being created */
};

/*
 * Opens the state root (root_opt as vu_state_resolve), creates what is
 * missing, and on the root's first use defines, marks autostart and starts
 * a "default" dir pool on ROOT/images, as libvirt ships one. An
 * administrator who undefines it later does not get it back.
 * 0 or -errno with e filled.
 */
int vu_storage_open(struct vu_storage *s, const char *root_opt, struct vu_err *e);
void vu_storage_close(struct vu_storage *s);

/* virsh's pool states; we have no building or degraded pools. */
enum vu_pool_state { VU_POOL_INACTIVE, VU_POOL_RUNNING };

struct vu_pool {
	int refs;
	char *name;
	char uuid[VU_UUID_STRLEN];
	enum vu_pool_type type;
	bool active, persistent, autostart;
	struct vu_poolxml *config;	/* ROOT/pools/NAME.xml, or NULL (transient) */
	struct vu_poolxml *live;	/* RUN/pools/NAME.xml, or NULL (inactive) */
	struct vu_pool_def px;		/* fields of live if active, else of config */
};

/* Build and start flags (virsh's --overwrite / --no-overwrite / --build). */
enum {
	VU_POOL_BUILD_OVERWRITE = 1 << 0,
	VU_POOL_BUILD_NO_OVERWRITE = 1 << 1,
	VU_POOL_START_BUILD = 1 << 2,
};

/*
 * Finds a pool by name, or by UUID when ref is one (virsh's order: UUID
 * first). -ENOENT "no storage pool ..." when there is none.
 */
int vu_pool_lookup(struct vu_storage *s, const char *ref, struct vu_pool **out,
		   struct vu_err *e);
/* Every pool, persistent and transient, sorted by name. */
int vu_pool_list(struct vu_storage *s, struct vu_pool ***out, size_t *n,
		 struct vu_err *e);
void vu_pool_list_free(struct vu_pool ***list, size_t n);
struct vu_pool *vu_pool_ref(struct vu_pool *p);
/* Drops a reference; *p becomes NULL. */
void vu_pool_free(struct vu_pool **p);

/*
 * Defines (or redefines) a persistent pool from doc, which is checked
 * (vu_poolxml_read) and given a UUID when it has none: the existing pool's
 * when it redefines one, else a new one. A redefinition must keep the
 * UUID, and another pool may not have it. The old definition stays on any
 * error. doc is not consumed. *out (may be NULL) gets the pool.
 */
int vu_pool_define(struct vu_storage *s, const struct vu_poolxml *doc,
		   struct vu_pool **out, struct vu_err *e);
/* A transient pool: started from doc, with no persistent definition;
 * flags as vu_pool_start. -EEXIST when the name or UUID is taken. */
int vu_pool_create(struct vu_storage *s, const struct vu_poolxml *doc, unsigned flags,
		   struct vu_pool **out, struct vu_err *e);
/* Prepares the target: dir: mkdir; fs: mkdir, and mkfs with OVERWRITE (or
 * NO_OVERWRITE, which refuses a device that holds a filesystem); disk: a
 * new partition table, refused over existing data unless OVERWRITE.
 * Other types: -ENOTSUP "pool type 'X' is not supported". */
int vu_pool_build(struct vu_storage *s, struct vu_pool *p, unsigned flags,
		  struct vu_err *e);
/* Makes an inactive pool active (fs: mounts; disk: checks the label and
 * tells the kernel about the partitions). START_BUILD builds first. */
int vu_pool_start(struct vu_storage *s, struct vu_pool *p, unsigned flags,
		  struct vu_err *e);
/* Makes it inactive (fs: unmounts); a transient pool disappears. */
int vu_pool_destroy(struct vu_storage *s, struct vu_pool *p, struct vu_err *e);
/* Removes the target of an inactive pool (dir, fs: rmdir, refused when
 * not empty; disk: erases the partition table). The definition stays. */
int vu_pool_delete(struct vu_storage *s, struct vu_pool *p, struct vu_err *e);
/* Removes the definition of an inactive persistent pool (and its
 * autostart mark). */
int vu_pool_undefine(struct vu_storage *s, struct vu_pool *p, struct vu_err *e);
int vu_pool_set_autostart(struct vu_storage *s, struct vu_pool *p, bool on,
			  struct vu_err *e);

/* What a command does to a pool, for vu_pool_needs_sys_admin. */
enum vu_pool_op {
	VU_POOL_OP_BUILD,
	VU_POOL_OP_START,	/* with or without START_BUILD */
	VU_POOL_OP_DESTROY,
	VU_POOL_OP_DELETE,
	VU_POOL_OP_REFRESH,
	VU_POOL_OP_VOL_CREATE,	/* vol-create, -as, -from, vol-clone */
	VU_POOL_OP_VOL_DELETE,
};
/*
 * Whether op on a pool of this type may mount, unmount, attach or detach a
 * loop device or tell the kernel about partitions (BLKPG), the calls that
 * need CAP_SYS_ADMIN: fs pools to start, destroy and refresh (which mounts
 * again what went); disk pools for all but build, volumes included. Dir
 * pools never need it, nor does building any pool (mkfs and a new
 * partition table only write a device the file permissions let us
 * write), nor a type we cannot start.
 */
bool vu_pool_needs_sys_admin(enum vu_pool_type type, enum vu_pool_op op);

/* Called by vu_pool_start_all for each autostart pool it tried. */
typedef void (*vu_pool_started_fn)(const struct vu_pool *p, int r, const struct vu_err *e,
				   void *opaque);
/* Starts every inactive autostart pool; the first error is returned after
 * all were tried. */
int vu_pool_start_all(struct vu_storage *s, vu_pool_started_fn fn, void *opaque);

struct vu_pool_info {
	enum vu_pool_state state;
	uint64_t capacity, allocation, available;	/* 0 unless running */
};
int vu_pool_info(struct vu_storage *s, struct vu_pool *p, struct vu_pool_info *info,
		 struct vu_err *e);
/* The pool XML as virsh pool-dumpxml prints it: the live definition with
 * its sizes when running, the persistent one (or the live one without
 * sizes) when inactive is asked for or it is not running. malloc'd. */
char *vu_pool_xml(struct vu_storage *s, struct vu_pool *p, bool inactive, struct vu_err *e);
/* Rescans (disk pools: tells the kernel about partitions again). */
int vu_pool_refresh(struct vu_storage *s, struct vu_pool *p, struct vu_err *e);

/* ---- volumes ---- */

enum vu_vol_type { VU_VOL_FILE, VU_VOL_BLOCK };

struct vu_vol {
	struct vu_pool *pool;	/* a reference */
	char *name;
	char *path;		/* target/NAME, or a partition's device */
	char *key;		/* the path, as libvirt's file and disk volumes */
	enum vu_vol_type type;
	char *format;		/* raw, qcow2; disk volumes: linux, ... */
	uint64_t capacity;	/* virtual size */
	uint64_t allocation;	/* bytes the file occupies */
	uint64_t physical;	/* the file's size */
	struct stat st;
	char *backing_path;	/* resolved against the volume's directory */
	char *backing_format;	/* as recorded, else probed, or NULL */
	char *compat;		/* qcow2 "0.10" / "1.1" */
	uint64_t cluster_size;
	bool lazy_refcounts, extended_l2;
	uint64_t part_start;	/* disk volumes: offset on the disk */
	size_t partno;
};

/* Every volume of an active pool, sorted by name. */
int vu_vol_list(struct vu_storage *s, struct vu_pool *p, struct vu_vol ***out, size_t *n,
		struct vu_err *e);
void vu_vol_list_free(struct vu_vol ***list, size_t n);
void vu_vol_free(struct vu_vol **v);
/*
 * Finds a volume as virsh does: with a pool (name or UUID), by name in it,
 * then by key or path; without, by key or path among the active pools.
 * A path is compared with its directory canonicalised and its last
 * component as is (a symlink named as a volume is not followed).
 * -ENOENT when not found (with a hint to name the pool when none was).
 */
int vu_vol_lookup(struct vu_storage *s, const char *pool, const char *ref,
		  struct vu_vol **out, struct vu_err *e);
/* The volume XML (vol-dumpxml). malloc'd. */
char *vu_vol_xml(const struct vu_vol *v, struct vu_err *e);

/* Whether long work (copies, wipes, transfers) shows qemu-img's progress
 * line on stderr: when forced (-p) or stderr is a terminal, never when
 * quiet. NULL where a function takes one means no progress. */
struct vu_show_progress {
	bool force, quiet;
};

/* Creation flags. */
enum {
	VU_VOL_PREALLOC_METADATA = 1 << 0,	/* qcow2: every table up front */
	VU_VOL_REFLINK = 1 << 1,		/* share the source's blocks or fail */
};

/*
 * Creates a volume in an active pool as spec says (vol-create, vol-create-as):
 * raw or qcow2 (vu_image_create), capacity required, allocation preallocating
 * a raw file, a backing store (absolute path; its format probed when not
 * given), mode (default 0600) and owner. In a disk pool it is a partition
 * of capacity bytes. The name is reserved first: a second creator of the
 * same name gets -EEXIST "volume 'N' already exists" at once; the file
 * appears under its name only when complete. *out (may be NULL) gets it.
 */
int vu_vol_create(struct vu_storage *s, struct vu_pool *p, const struct vu_volspec *spec,
		  unsigned flags, struct vu_vol **out, struct vu_err *e);
/*
 * Creates a volume from another one's content (vol-create-from, vol-clone):
 * capacity defaults to the source's, format to the source's. A copy in the
 * same format is a copy of the file (reflinked when the filesystem can),
 * so snapshots, bitmaps and the backing link survive; otherwise the copy
 * engine converts, flattening the backing chain. A failure leaves nothing.
 */
int vu_vol_create_from(struct vu_storage *s, struct vu_pool *p,
		       const struct vu_volspec *spec, const struct vu_vol *src,
		       unsigned flags, const struct vu_show_progress *prog, struct vu_vol **out,
		       struct vu_err *e);
/*
 * A volume whose bytes the caller writes itself (vm-migrate's import): the
 * name is reserved in a dir or fs pool as vu_vol_create reserves it (-EEXIST
 * "volume 'N' already exists"), fd is a file with no name yet (mode 0600),
 * and vu_vol_new_commit links it under its name, flushed, never replacing.
 * vu_vol_new_abort before the commit leaves nothing; after it, removes the
 * committed file, for a caller that commits several and must undo them all
 * when a later one fails. Disk pools: -ENOTSUP.
 */
struct vu_vol_new {
	int fd;			/* write the volume here */
	char *name;		/* its name in the pool */
	char *path;		/* its path once committed */
	bool committed;
	void *priv;		/* the reservation and the unnamed file */
};
int vu_vol_new_begin(struct vu_storage *s, struct vu_pool *p, const char *name,
		     struct vu_vol_new *nv, struct vu_err *e);
int vu_vol_new_commit(struct vu_storage *s, struct vu_vol_new *nv, struct vu_err *e);
/* Harmless on a zeroed or already aborted one. */
void vu_vol_new_abort(struct vu_storage *s, struct vu_vol_new *nv);
/* Releases nv, keeping what was committed. */
void vu_vol_new_free(struct vu_storage *s, struct vu_vol_new *nv);

/* Deletes the file (never through a symlink) or the partition. */
int vu_vol_delete(struct vu_storage *s, const struct vu_vol *v, struct vu_err *e);

/* virsh's wipe algorithms (scrub's patterns). */
enum vu_wipe_alg {
	VU_WIPE_ZERO, VU_WIPE_NNSA, VU_WIPE_DOD, VU_WIPE_BSI, VU_WIPE_GUTMANN,
	VU_WIPE_SCHNEIER, VU_WIPE_PFITZNER7, VU_WIPE_PFITZNER33, VU_WIPE_RANDOM,
	VU_WIPE_COUNT
};
/* "zero", "nnsa", ... ; vu_wipe_alg_parse returns -EINVAL for others. */
const char *vu_wipe_alg_name(enum vu_wipe_alg a);
int vu_wipe_alg_parse(const char *s);
/*
 * Overwrites the volume's bytes in place with the algorithm's passes (a
 * sparse file wiped with zeros stays sparse); a qcow2 volume is then made
 * again, empty, with its format, capacity, cluster size, version and
 * backing file.
 */
int vu_vol_wipe(struct vu_storage *s, const struct vu_vol *v, enum vu_wipe_alg alg,
		const struct vu_show_progress *prog, struct vu_err *e);

enum {
	VU_VOL_RESIZE_ALLOCATE = 1 << 0,	/* allocate the new space (raw) */
	VU_VOL_RESIZE_DELTA = 1 << 1,		/* capacity is added (or removed) */
	VU_VOL_RESIZE_SHRINK = 1 << 2,		/* shrinking is allowed */
};
/* Changes the capacity (raw: the file's size; qcow2: through its
 * driver). Shrinking needs SHRINK; with SHRINK and DELTA the size is
 * subtracted. *new_capacity (may be NULL) gets the result. */
int vu_vol_resize(struct vu_storage *s, const struct vu_vol *v, uint64_t capacity,
		  unsigned flags, uint64_t *new_capacity, struct vu_err *e);

/* Byte ranges of a volume's file for upload and download. */
struct vu_vol_xfer {
	uint64_t offset;
	uint64_t length;	/* 0: to the end */
	bool sparse;		/* holes stay holes */
	const struct vu_show_progress *progress;
};
/*
 * Writes the bytes read from fd (a file, or a pipe) into the volume at
 * offset; a file volume is written into a copy (reflinked when possible)
 * that replaces it only when complete, so a failure leaves it as it was.
 * More data than length is an error.
 */
int vu_vol_upload(struct vu_storage *s, const struct vu_vol *v, int fd,
		  const struct vu_vol_xfer *x, struct vu_err *e);
/* Writes the volume's bytes from offset (at most length) to fd, a file
 * (holes kept when sparse) or a pipe. */
int vu_vol_download(struct vu_storage *s, const struct vu_vol *v, int fd,
		    const struct vu_vol_xfer *x, struct vu_err *e);

#endif
