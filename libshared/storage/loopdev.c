/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loopdev.c - a disk pool on an image file runs on a loop device: attached
 * at start, found again through sysfs (no state of our own), detached at
 * destroy */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "storage_int.h"

#define ATTACH_TRIES 16

/* The file a loop device reads, as sysfs names it ("" when none). */
static void backing_of(const char *name, char *out, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", name);
	if (!(f = fopen(path, "re")))
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

int st_loop_find(const char *image, char *dev, size_t len)
{
	char real[PATH_MAX], backing[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = -ENOENT;

	if (!realpath(image, real) || !(d = opendir("/sys/block")))
		return -ENOENT;
	while (r < 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		backing_of(de->d_name, backing, sizeof(backing));
		if (strcmp(backing, real) == 0) {
			snprintf(dev, len, "/dev/%s", de->d_name);
			r = 0;
		}
	}
	closedir(d);
	return r;
}

/* LOOP_CONFIGURE (Linux 5.8) in one step, else the two older calls. */
static int configure(int lfd, int ffd)
{
	struct loop_config cfg = { .fd = (unsigned)ffd };
	struct loop_info64 info = { 0 };

	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	if (ioctl(lfd, LOOP_SET_FD, ffd) < 0)
		return -errno;
	if (ioctl(lfd, LOOP_SET_STATUS64, &info) < 0) {
		int r = -errno;

		ioctl(lfd, LOOP_CLR_FD, 0);
		return r;
	}
	return 0;
}

/* A free device, taken; another process may take it first (EBUSY). */
static int attach_once(int ctl, int ffd, char *dev, size_t len)
{
	int n = ioctl(ctl, LOOP_CTL_GET_FREE), lfd, r;

	if (n < 0)
		return -errno;
	snprintf(dev, len, "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	if (lfd < 0)
		return -errno;
	r = configure(lfd, ffd);
	close(lfd);
	return r;
}

int st_loop_attach(const char *image, char *dev, size_t len, struct vu_err *e)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int ffd = open(image, O_RDWR | O_CLOEXEC), r = -EBUSY;

	if (ctl < 0 || ffd < 0)
		r = -errno;
	for (int i = 0; r == -EBUSY && i < ATTACH_TRIES; i++)
		r = attach_once(ctl, ffd, dev, len);
	if (ctl >= 0)
		close(ctl);
	if (ffd >= 0)
		close(ffd);
	if (r == -EPERM || r == -EACCES)
		return vu_err_set(e, -r, "attaching '%s' to a loop device needs CAP_SYS_ADMIN",
				  image);
	if (r < 0)
		return vu_err_set(e, -r, "cannot attach '%s' to a loop device: %s", image,
				  strerror(-r));
	return 0;
}

int st_loop_detach(const char *dev, struct vu_err *e)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0 || ioctl(fd, LOOP_CLR_FD, 0) < 0)
		r = vu_err_set(e, errno, "cannot detach %s: %s", dev, strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}
