/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest_int.h - libshared/guest's private structures: block devices as
 * windows over images, the partition and LVM parsers (pure, fuzzed), the
 * ext2 io_manager, and the guest path walk */
#ifndef VU_GUEST_INT_H
#define VU_GUEST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ext2fs/ext2fs.h>

#include "vu/err.h"
#include "vu/guestfs.h"
#include "vu/image.h"

#define GUEST_MAX_DISKS 26
#define GUEST_MAX_LINKS 40
#define GUEST_SECTOR 512

/* ---- block devices: extents over the disks' images ---- */

struct gextent {
	struct vu_image *img;
	uint64_t img_off;	/* where it lies in the image */
	uint64_t len;
};

/* A device the guest sees: a whole disk, a partition (one extent) or a
 * linear LV (one extent per segment). */
struct gdev {
	struct gextent *ext;
	size_t next;
	uint64_t size;
};

int gdev_pread(const struct gdev *d, void *buf, size_t len, uint64_t off);
int gdev_pwrite(const struct gdev *d, const void *buf, size_t len, uint64_t off);
int gdev_flush(const struct gdev *d);

/* ---- partitions (part.c): MBR with logical partitions, GPT ---- */

/* Reads len bytes at off of the disk being parsed; 0 or -errno. */
typedef int (*guest_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

struct gpart {
	unsigned num;		/* sdaN */
	uint64_t start, size;	/* bytes */
	uint8_t mbr_type;	/* 0 for GPT */
	bool gpt;
	/* As blkid's PARTUUID: the GPT entry's GUID, or the MBR's disk
	 * signature and the number ("1b2c3d4e-05"), lower case. */
	char partuuid[40];
};

#define GUEST_MAX_PARTS 128
/* The partitions of a disk of disk_size bytes into parts (at most max):
 * *n 0 when it has no partition table. Entries that do not lie on the disk
 * are dropped. -EINVAL for a table too damaged to use (bad GPT with a
 * protective MBR), or the read's error. */
int guest_parts_parse(guest_read_fn rd, void *ctx, uint64_t disk_size, struct gpart *parts,
		      size_t max, size_t *n);

/* ---- LVM2 (lvm_text.c: the metadata's text; lvm.c: labels, areas) ---- */

/* A node of LVM's configuration text: a section holds children, a value
 * its text (strings unquoted) or, for arrays, one child per element. */
struct lvm_node {
	char *key;
	enum { LVM_SECTION, LVM_VALUE, LVM_ARRAY } kind;
	char *str;		/* LVM_VALUE */
	bool is_string;		/* LVM_VALUE: was quoted */
	struct lvm_node *child, *next;
};

/* Parses len bytes of text (stops at a NUL); NULL and -EINVAL on a syntax
 * error, -ENOMEM. Bounded depth and size. */
int lvm_text_parse(const char *text, size_t len, struct lvm_node **root);
void lvm_node_free(struct lvm_node *n);
/* The child called key (a section's), or NULL. */
const struct lvm_node *lvm_node_get(const struct lvm_node *n, const char *key);
const char *lvm_node_str(const struct lvm_node *n, const char *key);
/* A number child; 0 or -ENOENT / -EINVAL. */
int lvm_node_u64(const struct lvm_node *n, const char *key, uint64_t *v);

/* One LV segment resolved to a PV: le..le+count extents of the LV are
 * pe..pe+count of PV pv_id. */
struct lvm_seg {
	uint64_t le, count, pe;
	char pv_id[40];
};

struct lvm_lv {
	char name[128];
	bool linear;		/* every segment striped with 1 stripe */
	char seg_type[32];	/* the first non-linear segment's type */
	size_t nseg;
	struct lvm_seg *seg;
};

struct lvm_vg {
	char name[128];
	char id[40];
	uint64_t seqno;
	uint64_t extent_size;	/* sectors */
	size_t npv;
	struct { char name[32], id[40]; uint64_t pe_start; } *pv;
	size_t nlv;
	struct lvm_lv *lv;
};

/* The VG the metadata text describes (visible LVs only). */
int lvm_vg_from_text(const char *text, size_t len, struct lvm_vg *vg, struct vu_err *e);
void lvm_vg_free(struct lvm_vg *vg);

/* LVM's CRC: CRC-32 seeded with 0xf597a6cf, no final inversion. */
uint32_t lvm_crc(uint32_t seed, const void *buf, size_t len);
#define LVM_INITIAL_CRC 0xf597a6cfU

/* A PV's label and where its metadata areas lie (offsets on the PV). */
struct lvm_pv {
	char uuid[40];		/* 32 characters, as on disk */
	uint64_t label_sector;
	size_t nmda;
	uint64_t mda_off[2], mda_size[2];
};

/* Reads the label of the device rd reads (dev_size bytes): 0 with *found,
 * or -errno. */
int lvm_label_read(guest_read_fn rd, void *ctx, uint64_t dev_size, struct lvm_pv *pv,
		   bool *found);
/* The current metadata text of the area at mda_off (malloc'd, *len bytes
 * without a NUL, plus a NUL), checked against its CRC. */
int lvm_mda_read(guest_read_fn rd, void *ctx, uint64_t mda_off, uint64_t mda_size,
		 char **text, size_t *len, struct vu_err *e);

/* ---- the guest ---- */

/* A VG as found on the PVs: the newest metadata copy. */
struct gvg {
	struct lvm_vg vg;
	char *text;		/* its metadata text, NUL-terminated */
	size_t len;
};

struct gfs {
	struct vu_guest_fs pub;
	struct gdev dev;
	ext2_filsys efs;	/* open when not NULL */
	bool lvm_pv;		/* an LVM PV: its label and areas are in pv */
	struct lvm_pv pv;
	char lv_vg[128];	/* an LV: its VG */
	char partuuid[40];	/* a partition: its PARTUUID */
	char io_name[64];	/* "vu-guest:%p" for the io_manager */
};

struct gmnt {
	char *path;		/* canonical guest path, "" for the root */
	int fs;
};

struct vu_guest {
	unsigned flags;
	size_t ndisks;
	struct vu_image *img[GUEST_MAX_DISKS];
	size_t nfs;
	struct gfs *fs;
	struct vu_guest_fs *pubs;	/* copies handed out by vu_guest_filesystems */
	size_t nmnt;
	struct gmnt *mnt;
	bool mounted;
	struct vu_guest_os os;
	size_t nfstab;
	struct vu_guest_mount *fstab;
	size_t nvg;
	struct gvg *vgs;
	bool dirmode;		/* vu_guest_open_dir: paths under rootfd (dirfs.c) */
	int rootfd;
};

/* Finds the PVs' VGs and registers their LVs (lvm.c); frees them. */
int guest_lvm_scan(struct vu_guest *g, struct vu_err *e);
void guest_lvm_free(struct vu_guest *g);

/* QEMU's locks on the image's file: -EBUSY when a VM (or another writer)
 * has it; then held until the image is closed (lock.c). */
int guest_lock(struct vu_image *img, bool rw, struct vu_err *e);
/* Registers a device; -ENOMEM. */
int guest_add_fs(struct vu_guest *g, const char *name, int disk, struct gdev *dev);
/* Fills type, uuid and label by the device's magic numbers. */
int guest_probe(struct gfs *f);
int guest_find(const struct vu_guest *g, const char *spec);

/* ---- ext2/3/4 (extfs.c) ---- */

/* Opens filesystem i through libext2fs (read/write with the guest),
 * refusing one that needs recovery or has errors. */
int guest_ext_open(struct vu_guest *g, int i, struct vu_err *e);
int guest_ext_close(struct gfs *f, struct vu_err *e);
/* errcode_t (errno or EXT2_ET_*) as -errno, with e filled for the latter. */
int guest_ext_err(errcode_t err, struct vu_err *e);

/* ---- path walk (path.c) ---- */

/* Where a path leads: the directory holding its last component (pfs, pdir)
 * and, when it exists, the object (fs, ino). name is the last component
 * ("" for "/"); mnt is true when the object is a mounted root. */
struct gres {
	int pfs;
	ext2_ino_t pdir;
	int fs;
	ext2_ino_t ino;		/* 0: does not exist */
	char name[EXT2_NAME_LEN + 1];
	bool mnt;
	char canon[4096];	/* the canonical guest path of the object */
};

/* follow: whether a final symbolic link is followed. Missing last
 * components are fine (ino 0); a missing directory on the way is -ENOENT. */
int guest_walk(struct vu_guest *g, const char *path, bool follow, struct gres *r,
	       struct vu_err *e);
/* The fs index mounted on canonical path, or -1. */
int guest_mount_at(const struct vu_guest *g, const char *canon);
/* "." or "..": by name, as libext2fs marks them only in block
 * directories, not in inline ones. */
static inline bool guest_dot_entry(const struct ext2_dir_entry *d)
{
	int n = ext2fs_dirent_name_len(d);

	return (n == 1 && d->name[0] == '.') || (n == 2 && d->name[0] == '.' && d->name[1] == '.');
}

/* ext2fs_link, growing the directory when it is full. */
errcode_t guest_link(ext2_filsys fs, ext2_ino_t dir, const char *name, ext2_ino_t ino,
		     int ftype);
/* The text of a symbolic link (malloc'd). */
int guest_ext_readlink(ext2_filsys fs, ext2_ino_t ino, char **out);

/* ---- the directory backend (dirfs.c): the same operations on a tree a
 * kernel mounted; the public functions hand over to these in dirmode ---- */

int gdir_stat(struct vu_guest *g, const char *path, bool follow, struct vu_guest_stat *st,
	      struct vu_err *e);
bool gdir_exists(struct vu_guest *g, const char *path);
int gdir_read_file(struct vu_guest *g, const char *path, size_t max, char **buf, size_t *len,
		   struct vu_err *e);
int gdir_write_file(struct vu_guest *g, const char *path, const void *data, size_t len,
		    int mode, long uid, long gid, struct vu_err *e);
int gdir_append(struct vu_guest *g, const char *path, const void *data, size_t len,
		struct vu_err *e);
int gdir_touch(struct vu_guest *g, const char *path, struct vu_err *e);
int gdir_unlink(struct vu_guest *g, const char *path, struct vu_err *e);
int gdir_rmdir(struct vu_guest *g, const char *path, struct vu_err *e);
int gdir_mkdir(struct vu_guest *g, const char *path, int mode, struct vu_err *e);
int gdir_mkdir_p(struct vu_guest *g, const char *path, int mode, struct vu_err *e);
int gdir_symlink(struct vu_guest *g, const char *target, const char *linkpath,
		 struct vu_err *e);
int gdir_readlink(struct vu_guest *g, const char *path, char **target, struct vu_err *e);
int gdir_lchown(struct vu_guest *g, const char *path, long uid, long gid, struct vu_err *e);
/* chmod (mode >= 0), truncate (size >= 0), else chown; links followed. */
int gdir_change(struct vu_guest *g, const char *path, int mode, long uid, long gid,
		int64_t size, struct vu_err *e);
int gdir_rename(struct vu_guest *g, const char *oldpath, const char *newpath,
		struct vu_err *e);
int gdir_zero_file(struct vu_guest *g, const char *path, struct vu_err *e);
int gdir_readdir(struct vu_guest *g, const char *path, struct vu_guest_dirent **ents,
		 size_t *n, struct vu_err *e);
int gdir_rm_rf(struct vu_guest *g, const char *path, struct vu_err *e);

#endif
