/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestfs.h - a guest's disks opened offline, in user space: partitions
 * (MBR, GPT), LVM2 linear volumes, ext2/3/4 filesystems through libext2fs,
 * mounted where the guest's /etc/fstab says, and file operations on guest
 * paths. No root, no mount, no device-mapper, no appliance. */
#ifndef VU_GUESTFS_H
#define VU_GUESTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vu/err.h"

/*
 * Conventions for every function below:
 * - 0 or -errno; e (may be NULL) says more where the errno alone would not
 *   ("/dev/sda1: needs journal recovery: run e2fsck"). Messages name no
 *   program and, for path operations, not the path either: the caller
 *   prints "tool: PATH: msg".
 * - A guest path is absolute ("/etc/hostname"). It is resolved inside the
 *   guest's mounted tree: an absolute symbolic link is relative to the
 *   guest's root, ".." at the root stays at the root, mount points are
 *   crossed as the guest's kernel would, at most 40 links are followed
 *   (-ELOOP). No path ever reaches a host file.
 * - The "l" forms and every operation on the last component of a path that
 *   removes, renames or creates it do not follow a final symbolic link
 *   (as unlink(2), rename(2), lstat(2)); the others do (stat, read, write,
 *   chmod, chown, truncate, readdir, as their syscalls).
 * - Every write needs a guest opened with VU_GUEST_RDWR: -EROFS otherwise.
 *   A guest opened read-only is left byte-for-byte unchanged.
 * - Only ext2/3/4 are mounted. xfs and btrfs are refused by name by
 *   vu_guest_mount_all (as the root or in fstab); others in fstab (a vfat
 *   /boot/efi) are left unmounted, so paths below their mount point reach
 *   the directory underneath, as in the guest before it mounts them.
 * - Partition tables are read with 512-byte sectors, as virtual disks have.
 */

/* An open guest: its disks, their partitions and volumes, the filesystems
 * found on them, and what is mounted where. Opaque. */
struct vu_guest;

/* One disk, as -a IMAGE --format FMT gives it. */
struct vu_guest_disk {
	const char *path;
	const char *format;	/* "raw", "qcow2", or NULL to probe */
};

enum {
	VU_GUEST_RDWR = 1 << 0,	/* writes allowed (images opened read/write) */
};

/*
 * Opens n disks (1..26: /dev/sda../dev/sdz in the guest's names, in this
 * order) through vu/image.h (qcow2 with its backing chain, or raw), reads
 * their partition tables (MBR with extended and logical partitions: sda1-4
 * primary, sda5.. logical; GPT: sdaN for entry N) and LVM2 physical volumes
 * (whole disks or partitions; a VG's linear LVs become /dev/VG/LV, a
 * non-linear LV is listed with type "unsupported-lvm-segment", an LV on a
 * PV that is not among the disks is not listed), and probes
 * what each holds. Nothing is mounted yet. Each image takes QEMU's own
 * locks, as qemu-img would (read, and write with VU_GUEST_RDWR; others'
 * writes denied), until it is closed: an image a running VM writes is
 * refused with -EBUSY "in use (is a VM running on it?)", and QEMU cannot
 * start on one we hold.
 */
int vu_guest_open(struct vu_guest **out, const struct vu_guest_disk *disks, size_t n,
		  unsigned flags, struct vu_err *e);
/*
 * The directory backend: a guest whose filesystems a kernel has already
 * mounted under root (vm-sysprep's appliance mounts them on /sysroot as
 * the guest's fstab says). The path operations below then work on that
 * tree through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): an
 * absolute link or ".." never leaves root. vu_guest_mount_all only
 * inspects the OS; there are no devices (vu_guest_filesystems is empty,
 * so the UUID changes below find nothing).
 */
int vu_guest_open_dir(struct vu_guest **out, const char *root, unsigned flags,
		      struct vu_err *e);
/*
 * Unmounts everything (libext2fs writes its dirty metadata), flushes the
 * images and closes them; *g becomes NULL. A filesystem is marked "not
 * clean" on disk before its first change and clean again here, so a run
 * killed half-way leaves it for fsck (e2fsck -fy repairs it) rather than
 * for a kernel that would trust its bitmaps. The first error is returned (and
 * described in e), but everything is released whatever happens.
 */
int vu_guest_close(struct vu_guest **g, struct vu_err *e);

/* One block device of the guest and what it holds. */
struct vu_guest_fs {
	char device[64];	/* as the guest names it: /dev/sda1, /dev/vg/lv */
	/* "ext2", "ext3", "ext4", "xfs", "btrfs", "swap", "LVM2_member",
	 * "vfat", "" when unknown */
	char type[24];
	char uuid[40];		/* as blkid prints it, "" when none */
	char label[64];		/* "" when none */
	uint64_t offset;	/* where it starts on its disk (LVs: first segment) */
	uint64_t size;		/* bytes */
	int disk;		/* index in the disks given to vu_guest_open; -1 for LVs */
	/* LVs of one segment: the disk it lies on (offset: where), else -1
	 * (vm-sysprep's appliance maps them as loop devices) */
	int lv_disk;
	bool mountable;		/* ext2/3/4 */
	char mountpoint[256];	/* where it is mounted in the guest, "" if not */
};

/* Every device found: each disk followed by its partitions, then the LVs.
 * The array belongs to g: a snapshot, valid until the next call (or the
 * close); mount_all/umount_all and the UUID changes below change what the
 * next call shows. */
const struct vu_guest_fs *vu_guest_filesystems(const struct vu_guest *g, size_t *n);
/* The entry for device (its guest name, also /dev/mapper/VG-LV for an LV,
 * or UUID=, LABEL=, PARTUUID= and their /dev/disk/by-* forms, as fstab
 * writes them), or NULL. */
const struct vu_guest_fs *vu_guest_find_fs(const struct vu_guest *g, const char *spec);

/* What the inspection found. */
struct vu_guest_os {
	char root[64];		/* the root filesystem's device */
	char id[64];		/* os-release ID ("rhel", "fedora", "debian"...), or "" */
	char version_id[64];	/* os-release VERSION_ID, or "" */
	char name[128];		/* os-release NAME, or "" */
	/* /etc/selinux/config exists with SELINUX= other than "disabled" */
	bool selinux;
};

/* One line of the guest's /etc/fstab that names a filesystem. */
struct vu_guest_mount {
	char spec[256];		/* as written: UUID=..., LABEL=..., /dev/... */
	char mountpoint[256];
	char fstype[24];	/* as written */
	char device[64];	/* what spec resolved to, "" if to nothing */
	bool mounted;		/* false: noauto, swap, pseudo fs, or not found */
};

/*
 * Inspection and mounting: finds the root (the one mountable filesystem
 * holding /etc/fstab or an os-release file; two roots: -ENOTSUP "multi-boot
 * guests are not supported"; none: -ENOENT "no operating system found", or
 * "xfs: needs the appliance, not available yet" when an xfs or btrfs
 * filesystem could have been it), mounts it on /, then mounts the fstab's
 * entries in mountpoint order (UUID=, LABEL=, PARTUUID=, /dev/sdX,
 * /dev/vdX, /dev/hdX, /dev/xvdX as sdX, /dev/mapper/VG-LV, /dev/VG/LV,
 * /dev/disk/by-uuid/, by-label/ and by-partuuid/). An entry on xfs or btrfs is refused by name, one that needs
 * journal recovery or has errors by "run e2fsck"; a missing device, swap,
 * noauto and pseudo filesystems are skipped (mounted false).
 * Calling it twice is -EBUSY.
 */
int vu_guest_mount_all(struct vu_guest *g, struct vu_err *e);
/* Unmounts everything, writing libext2fs's dirty metadata; 0 or the first
 * error. vu_guest_close calls it. */
int vu_guest_umount_all(struct vu_guest *g, struct vu_err *e);
/* The inspection's results; valid after vu_guest_mount_all. The os-release
 * file is /etc/os-release, else /usr/lib/os-release; RHEL 6 has neither
 * and gets id "rhel" or "centos" and version_id from /etc/redhat-release. */
const struct vu_guest_os *vu_guest_os(const struct vu_guest *g);
/* The fstab's entries in file order; belongs to g. */
const struct vu_guest_mount *vu_guest_mounts(const struct vu_guest *g, size_t *n);

/* ---- path operations (see the conventions above) ---- */

/* Keep what a replaced file had (mode, uid or gid) or, for a new file,
 * 0644 / root. */
#define VU_GUEST_KEEP (-1)

struct vu_guest_stat {
	mode_t mode;		/* type and permission bits */
	uint32_t uid, gid;
	uint64_t size;
	uint32_t nlink;
	uint64_t ino;
	int fs;			/* index in vu_guest_filesystems */
	int64_t atime, mtime, ctime;	/* seconds */
};

int vu_guest_lstat(struct vu_guest *g, const char *path, struct vu_guest_stat *st,
		   struct vu_err *e);
int vu_guest_stat(struct vu_guest *g, const char *path, struct vu_guest_stat *st,
		  struct vu_err *e);
/* Whether path names anything (no link followed at the end); false also
 * on errors other than ENOENT. */
bool vu_guest_exists(struct vu_guest *g, const char *path);

/* The whole regular file: malloc'd, NUL-terminated (*len not counting it).
 * -EFBIG past max bytes, -EISDIR / -EINVAL for a non-regular file. */
int vu_guest_read_file(struct vu_guest *g, const char *path, size_t max, char **buf,
		       size_t *len, struct vu_err *e);
/*
 * Writes len bytes as the file's whole content, creating it if missing
 * (its directory must exist) or replacing the content of the one there
 * (same inode: hard links see it). mode (permission bits), uid and gid are
 * set, or VU_GUEST_KEEP. -EISDIR / -EINVAL when path is not a regular file.
 */
int vu_guest_write_file(struct vu_guest *g, const char *path, const void *data, size_t len,
			int mode, long uid, long gid, struct vu_err *e);
/* Adds len bytes at the end, creating the file (0644, root) if missing. */
int vu_guest_append(struct vu_guest *g, const char *path, const void *data, size_t len,
		    struct vu_err *e);
/* Creates an empty file (0644, root) or sets an existing one's atime and
 * mtime to now (virt-customize --touch). */
int vu_guest_touch(struct vu_guest *g, const char *path, struct vu_err *e);
/* Anything but a directory; -EISDIR for one. */
int vu_guest_unlink(struct vu_guest *g, const char *path, struct vu_err *e);
/* An empty directory; -ENOTEMPTY, -ENOTDIR, -EBUSY for a mount point. */
int vu_guest_rmdir(struct vu_guest *g, const char *path, struct vu_err *e);
/* path and everything below it (rm -rf): a missing path is 0; mount
 * points below it are emptied, not removed; "/" is -EINVAL. */
int vu_guest_rm_rf(struct vu_guest *g, const char *path, struct vu_err *e);
/* One directory (mode: permission bits, owned by root); -EEXIST. */
int vu_guest_mkdir(struct vu_guest *g, const char *path, int mode, struct vu_err *e);
/* Every missing directory of path (mkdir -p); existing ones are 0, an
 * existing non-directory -ENOTDIR / -EEXIST. */
int vu_guest_mkdir_p(struct vu_guest *g, const char *path, int mode, struct vu_err *e);
/* A symbolic link at linkpath holding target as given (not resolved). */
int vu_guest_symlink(struct vu_guest *g, const char *target, const char *linkpath,
		     struct vu_err *e);
/* The link's text, malloc'd; -EINVAL when path is not a link. */
int vu_guest_readlink(struct vu_guest *g, const char *path, char **target, struct vu_err *e);
/* Permission bits (07777). */
int vu_guest_chmod(struct vu_guest *g, const char *path, int mode, struct vu_err *e);
/* uid or gid -1 (VU_GUEST_KEEP) leaves it; lchown does not follow a final
 * link. */
int vu_guest_chown(struct vu_guest *g, const char *path, long uid, long gid,
		   struct vu_err *e);
int vu_guest_lchown(struct vu_guest *g, const char *path, long uid, long gid,
		    struct vu_err *e);
/* New size: shorter drops the rest, longer reads as zeros. */
int vu_guest_truncate(struct vu_guest *g, const char *path, uint64_t size, struct vu_err *e);
/* As rename(2), within one filesystem (-EXDEV across mounts); replaces a
 * file at newpath, or an empty directory by a directory. */
int vu_guest_rename(struct vu_guest *g, const char *oldpath, const char *newpath,
		    struct vu_err *e);
/*
 * Overwrites every block of the regular file with zeros, in place, before
 * the caller unlinks it (virt-sysprep --scrub). Blocks shared with nothing
 * else: ext has no reflinks.
 */
int vu_guest_zero_file(struct vu_guest *g, const char *path, struct vu_err *e);

/* One directory entry; DT_* from <dirent.h>. */
struct vu_guest_dirent {
	char *name;
	unsigned char type;
};
/* The entries of the directory, without "." and "..", in on-disk order;
 * free with vu_guest_dirents_free. A mount point lists the mounted root. */
int vu_guest_readdir(struct vu_guest *g, const char *path, struct vu_guest_dirent **ents,
		     size_t *n, struct vu_err *e);
void vu_guest_dirents_free(struct vu_guest_dirent *ents, size_t n);

/*
 * The guest paths matching pattern (absolute), sorted, as glob(3) with no
 * flags in the guest would list them: each component matched with
 * fnmatch(FNM_PATHNAME | FNM_PERIOD) (a leading dot is matched only by a
 * dot, "/" only by "/"), links to directories followed on the way, the
 * last component listed whatever it is (dangling links included). No match
 * is 0 with *n 0. Free with vu_guest_strv_free.
 */
int vu_guest_glob(struct vu_guest *g, const char *pattern, char ***paths, size_t *n,
		  struct vu_err *e);
void vu_guest_strv_free(char **v, size_t n);

/* ---- per-filesystem and LVM identity (fs-uuids, lvm-uuids) ---- */

/*
 * Gives the ext2/3/4 filesystem on device (a guest name, as
 * vu_guest_find_fs takes) the UUID new_uuid, or a random one when it is
 * NULL, and writes the old and new UUIDs (36 characters) to old_out and
 * new_out. The filesystem may be mounted (by mount_all): it is changed in
 * place through libext2fs. With metadata_csum, the checksums stay valid by
 * the metadata_csum_seed feature (the seed keeps the old UUID's value, as
 * tune2fs -U does on a mounted fs); with only uninit_bg/gdt_csum the group
 * descriptor checksums are recomputed. vu_guest_filesystems() shows the
 * new UUID afterwards. The caller rewrites /etc/fstab and the boot loader's
 * configuration. Swap areas get their new UUID too (swaplabel -U's
 * place). -ENOTSUP for other types.
 */
int vu_guest_fs_set_uuid(struct vu_guest *g, const char *device, const char *new_uuid,
			 char old_out[40], char new_out[40], struct vu_err *e);

/* One identity an LVM change replaced. LVM UUIDs are 32 characters in
 * LVM's 6-4-4-4-4-4-6 dashed form (38 with dashes). */
struct vu_guest_lvm_change {
	char what[8];		/* "pv" or "vg" */
	char name[128];		/* the PV's device (/dev/sda2) or the VG's name */
	char old_uuid[40], new_uuid[40];
};

/*
 * New random UUIDs for every PV and every VG found (vgchange -u and
 * pvchange -u together, as virt-sysprep's lvm-uuids does): each VG gets a
 * new metadata copy (seqno + 1, the text with the new ids, its CRC)
 * written in every metadata area's circular buffer after the current
 * copy; only when every area holds it are the area headers pointed at it,
 * then each PV's label gets its new UUID. A VG with a PV that is not among
 * the disks is refused (-ENODEV) before anything is written, as is one
 * whose areas lack room (-ENOSPC). The changes are returned in *changes
 * (malloc'd, *n entries; free()). No LVM is 0 with *n 0. Filesystems on
 * the LVs are unaffected and may stay mounted.
 */
int vu_guest_lvm_change_uuids(struct vu_guest *g, struct vu_guest_lvm_change **changes,
			      size_t *n, struct vu_err *e);

#endif
