/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lock.c - QEMU's image locks, so a disk a running VM (or a qemu-img)
 * writes is refused and a VM started meanwhile cannot take it: QEMU marks
 * "I use permission P" with a shared OFD lock on byte 100 + P and "nobody
 * else may use P" on byte 200 + P, and tests the opposite byte before it
 * takes a permission. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "guest_int.h"

#define LOCK_PERM 100
#define LOCK_SHARED 200
#define PERM_READ 0	/* BLK_PERM_CONSISTENT_READ */
#define PERM_WRITE 1	/* BLK_PERM_WRITE */

static int lock_op(int fd, int cmd, short type, off_t byte, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = byte;
	fl->l_len = 1;
	return fcntl(fd, cmd, fl) < 0 ? -errno : 0;
}

/* Whether another holder has byte locked. */
static int held(int fd, off_t byte, bool *busy)
{
	struct flock fl;
	int r = lock_op(fd, F_OFD_GETLK, F_WRLCK, byte, &fl);

	*busy = r == 0 && fl.l_type != F_UNLCK;
	return r;
}

int guest_lock(struct vu_image *img, bool rw, struct vu_err *e)
{
	static const off_t mine_rw[] = { LOCK_PERM + PERM_READ, LOCK_PERM + PERM_WRITE,
					 LOCK_SHARED + PERM_WRITE };
	static const off_t mine_ro[] = { LOCK_PERM + PERM_READ, LOCK_SHARED + PERM_WRITE };
	const off_t *mine = rw ? mine_rw : mine_ro;
	size_t n = rw ? 3 : 2;
	int fd = vu_image_fd(img);
	struct flock fl;
	bool busy = false;
	int r;

	if (fd < 0)
		return 0;
	/* Someone writes it (a running VM), or may not have it written. */
	r = held(fd, LOCK_PERM + PERM_WRITE, &busy);
	if (r == 0 && !busy && rw)
		r = held(fd, LOCK_SHARED + PERM_WRITE, &busy);
	if (r == 0 && !busy)
		r = held(fd, LOCK_SHARED + PERM_READ, &busy);
	if (r == -EINVAL || r == -ENOTSUP)
		return 0;	/* no OFD locks on this file system */
	if (r < 0)
		return vu_err_set(e, -r, "%s: lock: %s", vu_image_filename(img), strerror(-r));
	if (busy)
		return vu_err_set(e, EBUSY, "%s: in use (is a VM running on it?)",
				  vu_image_filename(img));
	for (size_t i = 0; i < n; i++) {
		r = lock_op(fd, F_OFD_SETLK, F_RDLCK, mine[i], &fl);
		if (r == -EAGAIN || r == -EACCES)
			return vu_err_set(e, EBUSY, "%s: in use (is a VM running on it?)",
					  vu_image_filename(img));
		if (r < 0 && r != -EINVAL && r != -ENOTSUP)
			return vu_err_set(e, -r, "%s: lock: %s", vu_image_filename(img),
					  strerror(-r));
	}
	return 0;
}
