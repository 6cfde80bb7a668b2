/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpio.h - writing newc cpio archives, the format of a Linux initramfs */
#ifndef VU_CPIO_H
#define VU_CPIO_H

#include <stddef.h>
#include <sys/types.h>

#include "vu/err.h"

/*
 * A writer over a file descriptor (libarchive's newc format, unblocked: no
 * padding to 10 KiB records, so an archive can be appended to an initrd).
 * Entries are added in order; names are relative ("init", "bin/busybox"),
 * the way the kernel unpacks them under /. Every entry is owned by root
 * (uid and gid 0): an initramfs is made by an unprivileged user for a guest
 * whose files belong to root. Inode numbers count from 1.
 *
 * vu_cpio_finish writes the trailer and frees the writer; after a failure
 * the caller calls vu_cpio_free and treats what fd holds as garbage.
 */
struct vu_cpio;

enum {
	VU_CPIO_GZIP = 1 << 0,	/* gzip the archive (an initrd the kernel inflates) */
};

/* Starts an archive on fd, which stays the caller's (not closed). */
int vu_cpio_open(struct vu_cpio **out, int fd, unsigned flags, const char *what,
		 struct vu_err *e);
/* A regular file: the size bytes read from srcfd's current offset, with
 * perm (07777 bits) and mtime. A file that shrinks while read is an error. */
int vu_cpio_add_fd(struct vu_cpio *c, const char *name, int srcfd, off_t size, mode_t perm,
		   time_t mtime, struct vu_err *e);
/* A regular file from memory (an /init script, a generated config). */
int vu_cpio_add_data(struct vu_cpio *c, const char *name, const void *data, size_t len,
		     mode_t perm, struct vu_err *e);
int vu_cpio_add_dir(struct vu_cpio *c, const char *name, mode_t perm, struct vu_err *e);
int vu_cpio_add_symlink(struct vu_cpio *c, const char *name, const char *target,
			struct vu_err *e);
/* A character or block device node (type S_IFCHR or S_IFBLK): the archive
 * carries it, so no mknod (and no root) is needed to make it. */
int vu_cpio_add_node(struct vu_cpio *c, const char *name, mode_t type, mode_t perm, dev_t rdev,
		     struct vu_err *e);
/*
 * Everything under the host directory dir, as prefix/... (prefix NULL or
 * "": at the top): directories, regular files, symbolic links, in sorted
 * order (a parent before its children), so the same tree always gives the
 * same archive but for mtimes. Other file types are refused.
 */
int vu_cpio_add_tree(struct vu_cpio *c, const char *dir, const char *prefix, struct vu_err *e);
/* Writes the trailer, flushes and frees c. */
int vu_cpio_finish(struct vu_cpio *c, struct vu_err *e);
/* Frees c without finishing it (after a failure). NULL is ignored. */
void vu_cpio_free(struct vu_cpio *c);

#endif
