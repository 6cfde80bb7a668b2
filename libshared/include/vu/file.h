/* SPDX-License-Identifier: GPL-2.0-or-later */
/* file.h - files that appear only when complete, fsync, locks, names */
#ifndef VU_FILE_H
#define VU_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * An atomic file is written under no name (O_TMPFILE) or a hidden temporary
 * name in the target's directory, and appears under its final name only at
 * vu_atomic_commit(), after fsync. Without replace, an existing file is never
 * replaced (linkat of the O_TMPFILE, or renameat2(RENAME_NOREPLACE)): commit
 * then fails with -EEXIST. vu_atomic_abort() removes every trace; a killed
 * process leaves at most a hidden ".NAME.XXXXXX" (never the final name).
 */
struct vu_atomic {
	int fd;			/* write here */
	int dirfd;
	char *name;		/* final name, relative to dirfd */
	char *tmpname;		/* NULL when O_TMPFILE was used */
	char *path;		/* final path as given */
	bool keep;		/* vu_atomic_open_keep */
};

/* Opens fd read-write (mode as for open(2), under the umask). 0 or -errno;
 * on failure nothing is left to abort. */
int vu_atomic_open(struct vu_atomic *a, const char *path, mode_t mode);
/* The same for name in the directory dirfd (duplicated: it stays the
 * caller's), as a directory checked once must be used without looking its
 * path up again; path is only for the caller's messages (NULL: name). */
int vu_atomic_openat(struct vu_atomic *a, int dirfd, const char *name, const char *path,
		     mode_t mode);
/*
 * For a file that replaces what path names, as qemu-img overwrites an
 * image, but still complete before it takes the name: a symbolic link at
 * path is followed to the file it names (that file is what a commit with
 * replace replaces; the link stays a link, and a dangling one gets its
 * target created), and the new file takes the owner, group, mode and POSIX
 * access ACL of the regular file it replaces, here and again at commit.
 * -EPERM (or another errno) here when they cannot be given to it, as for
 * a user overwriting another user's file. Other hard links to the old file
 * keep the old data: this is a new file under that name.
 */
int vu_atomic_open_keep(struct vu_atomic *a, const char *path, mode_t mode);
/*
 * sync: fsync the data before the name appears, and the directory after
 * (XML and state always; images per cache mode). Everything is released
 * whatever the result. On failure before the name appears (-EEXIST,
 * -ENOSPC, ...) the pending file is gone too, as after vu_atomic_abort().
 * A failed fsync of the directory is returned as well, but then the file
 * already has its name.
 */
int vu_atomic_commit(struct vu_atomic *a, bool replace, bool sync);
/* Drops the pending file; harmless after any commit or a failed open, and
 * twice. */
void vu_atomic_abort(struct vu_atomic *a);

/* Writes all of buf (retrying short writes and EINTR); 0 or -errno. */
int vu_write_all(int fd, const void *buf, size_t len);
int vu_pwrite_all(int fd, const void *buf, size_t len, off_t off);
/* Reads exactly len bytes at off; a short file gives -EIO... unless
 * zero_fill, which fills past end of file with zeros. */
int vu_pread_all(int fd, void *buf, size_t len, off_t off, bool zero_fill);

/* Reads up to len bytes, fewer only at end of file (retrying short reads
 * and EINTR, as a pipe or /proc needs); the count, or -errno. */
ssize_t vu_read_full(int fd, void *buf, size_t len);
/*
 * The rest of fd (a file, a pipe, a /proc file), whole, in *buf: malloc'd
 * and NUL-terminated for text (*len does not count the NUL; the data may
 * hold NULs of its own). More than max bytes is -EFBIG; 0 or -errno, and
 * *buf and *len are set only on success.
 */
int vu_read_all(int fd, size_t max, char **buf, size_t *len);

/* fsync the directory that holds path ("." for a bare name), so that a
 * create, rename or unlink in it survives a crash. 0 or -errno. */
int vu_fsync_parent(const char *path);
/* path made absolute against the working directory, as written otherwise
 * (no "." or ".." resolved, no link followed; the root's slash is not
 * doubled); malloc'd in *out. 0, or -errno (getcwd's, -ENOMEM). */
int vu_path_absolute(const char *path, char **out);

/* flock: shared for readers, exclusive for writers; -EWOULDBLOCK if nowait. */
int vu_lock(int fd, bool exclusive, bool nowait);
int vu_unlock(int fd);
/* Opens (creating 0600 if needed; never through a symlink) and locks a lock
 * file; returns the fd, which holds the lock until closed, or -errno. */
int vu_lock_path(const char *path, bool exclusive, bool nowait);

/*
 * Names of domains, pools, volumes, networks: letters, digits and "_.+:-",
 * not starting with '.' or '-', 1 to 255 bytes. 0 or -EINVAL.
 */
int vu_name_check(const char *name);

#endif
