/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool_disk.c - disk pools: a partitioned block device whose partitions are
 * the volumes, edited with libfdisk and told to the kernel with BLKPG */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/blkpg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blkid.h>
#include <libfdisk.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "storage_int.h"

/* GPT allows 128 partitions; dos 4 primary (we make no logical ones). */
#define MAX_PARTS 128

/* libvirt's partition format names and the types they stand for. */
static const struct {
	const char *name;
	unsigned dos;
	const char *gpt;
} part_types[] = {
	{ "linux", 0x83, "0FC63DAF-8483-4772-8E79-3D69D8477DE4" },
	{ "linux-swap", 0x82, "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" },
	{ "linux-lvm", 0x8e, "E6D6D379-F507-44C2-A23C-238F2A3DF928" },
	{ "linux-raid", 0xfd, "A19D880F-05FC-4D3B-A006-743F0F84911E" },
	{ "fat16", 0x06, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" },
	{ "fat32", 0x0c, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" },
	{ "extended", 0x05, NULL },
};

/* The label libfdisk writes for the pool's source format. */
static const char *label_name(const struct vu_pool *p)
{
	const char *f = p->px.source_format;

	return f && strcmp(f, "gpt") == 0 ? "gpt" : "dos";
}

static int check_label_format(const struct vu_pool *p, struct vu_err *e)
{
	const char *f = p->px.source_format;

	if (!f || !strcmp(f, "unknown") || !strcmp(f, "dos") || !strcmp(f, "gpt"))
		return 0;
	return vu_err_set(e, ENOTSUP, "partition table format '%s' is not supported (dos, gpt)",
			  f);
}

static bool is_image_file(const struct vu_pool *p)
{
	struct stat st;

	return stat(p->px.source_device, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The device the partitions are on: the source, or for an image file the
 * loop device it is attached to while the pool runs (else the file itself,
 * which libfdisk edits as well).
 */
static void disk_dev(const struct vu_pool *p, char *dev, size_t len)
{
	if (is_image_file(p) && st_loop_find(p->px.source_device, dev, len) == 0)
		return;
	snprintf(dev, len, "%s", p->px.source_device);
}

static int open_disk(const struct vu_pool *p, bool rw, struct fdisk_context **cxt,
		     struct vu_err *e)
{
	char dev[PATH_MAX];
	int r;

	*cxt = fdisk_new_context();
	if (!*cxt)
		return vu_err_set(e, ENOMEM, NULL);
	disk_dev(p, dev, sizeof(dev));
	r = fdisk_assign_device(*cxt, dev, !rw);
	if (r < 0) {
		fdisk_unref_context(*cxt);
		*cxt = NULL;
		return vu_err_set(e, -r, "source device '%s': %s", p->px.source_device,
				  strerror(-r));
	}
	return 0;
}

static void close_disk(struct fdisk_context **cxt)
{
	if (*cxt) {
		fdisk_deassign_device(*cxt, 0);
		fdisk_unref_context(*cxt);
	}
	*cxt = NULL;
}

/* Anything a new label would destroy: a partition table or a filesystem. */
static int probe_data(const char *dev, char *what, size_t len)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *v = NULL;

	what[0] = '\0';
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_enable_partitions(pr, 1);
	if (blkid_do_safeprobe(pr) == 0) {
		if (blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) == 0)
			snprintf(what, len, "a %s partition table", v);
		else if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
			snprintf(what, len, "a %s filesystem", v);
	}
	blkid_free_probe(pr);
	return 0;
}

/* As libvirt: without overwrite, build refuses a disk that holds data. */
int st_disk_build(const struct vu_pool *p, unsigned flags, struct vu_err *e)
{
	struct fdisk_context *cxt;
	char what[96];
	int r = check_label_format(p, e);

	if (r == 0 && !(flags & VU_POOL_BUILD_OVERWRITE)) {
		r = probe_data(p->px.source_device, what, sizeof(what));
		if (r < 0)
			return vu_err_set(e, -r, "cannot probe '%s': %s", p->px.source_device,
					  strerror(-r));
		if (what[0])
			return vu_err_set(e, EEXIST, "source device '%s' already holds %s; build "
					  "with overwrite to replace it", p->px.source_device,
					  what);
	}
	if (r < 0 || (r = open_disk(p, true, &cxt, e)) < 0)
		return r;
	r = fdisk_create_disklabel(cxt, label_name(p));
	if (r == 0)
		r = fdisk_write_disklabel(cxt);
	close_disk(&cxt);
	if (r < 0)
		return vu_err_set(e, -r, "cannot write a partition table on '%s': %s",
				  p->px.source_device, strerror(-r));
	return 0;
}

/* ---- the kernel's view of the partitions ---- */

static int blkpg(int fd, int op, int pno, uint64_t start, uint64_t len)
{
	struct blkpg_partition part = { .start = (long long)start, .length = (long long)len,
					.pno = pno };
	struct blkpg_ioctl_arg arg = { .op = op, .datalen = sizeof(part), .data = &part };

	return ioctl(fd, BLKPG, &arg) < 0 ? -errno : 0;
}

struct part {
	size_t partno;		/* from 0 */
	uint64_t start, size;	/* bytes */
	const char *type;	/* libvirt's name */
};

static const char *type_name(struct fdisk_parttype *t, bool gpt)
{
	for (size_t i = 0; t && i < ARRAY_SIZE(part_types); i++) {
		if (gpt && part_types[i].gpt && fdisk_parttype_get_string(t) &&
		    strcasecmp(fdisk_parttype_get_string(t), part_types[i].gpt) == 0)
			return part_types[i].name;
		if (!gpt && fdisk_parttype_get_code(t) == part_types[i].dos)
			return part_types[i].name;
	}
	return "none";
}

/* The used partitions, in order; n is how many. */
static int read_parts(struct fdisk_context *cxt, struct part *parts, size_t *n)
{
	struct fdisk_table *tb = NULL;
	struct fdisk_iter *itr = fdisk_new_iter(FDISK_ITER_FORWARD);
	struct fdisk_partition *pa;
	unsigned long ss = fdisk_get_sector_size(cxt);
	bool gpt = fdisk_is_label(cxt, GPT);
	int r = itr ? fdisk_get_partitions(cxt, &tb) : -ENOMEM;

	*n = 0;
	while (r == 0 && *n < MAX_PARTS && fdisk_table_next_partition(tb, itr, &pa) == 0) {
		if (!fdisk_partition_is_used(pa) || fdisk_partition_is_nested(pa))
			continue;
		parts[*n] = (struct part){ .partno = fdisk_partition_get_partno(pa),
					   .start = fdisk_partition_get_start(pa) * ss,
					   .size = fdisk_partition_get_size(pa) * ss,
					   .type = type_name(fdisk_partition_get_type(pa), gpt) };
		(*n)++;
	}
	fdisk_free_iter(itr);
	fdisk_unref_table(tb);
	return r;
}

/* Makes the kernel's partition devices match the table: this kernel may
 * not read partition tables itself, and a re-read would drop them. */
static int sync_kernel(const struct vu_pool *p, const struct part *parts, size_t n,
		       struct vu_err *e)
{
	char dev[PATH_MAX];
	struct stat st;
	int fd, r = 0;

	disk_dev(p, dev, sizeof(dev));
	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;	/* a file not attached has no partition devices */
	if (!vu_caps_have(CAP_SYS_ADMIN))
		return vu_err_set(e, EPERM, "telling the kernel about partitions needs "
				  "CAP_SYS_ADMIN");
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", dev, strerror(errno));
	for (int pno = 1; pno <= MAX_PARTS; pno++)
		blkpg(fd, BLKPG_DEL_PARTITION, pno, 0, 0);
	for (size_t i = 0; i < n && r == 0; i++) {
		r = blkpg(fd, BLKPG_ADD_PARTITION, (int)parts[i].partno + 1, parts[i].start,
			  parts[i].size);
		if (r == -EBUSY)	/* in use, so still there as it was */
			r = 0;
	}
	close(fd);
	if (r < 0)
		return vu_err_set(e, -r, "cannot add partitions of '%s': %s", dev, strerror(-r));
	return 0;
}

static int check_label(struct fdisk_context *cxt, const struct vu_pool *p, struct vu_err *e)
{
	const char *want = p->px.source_format, *have;

	if (!fdisk_has_label(cxt))
		return vu_err_set(e, ENOENT, "source device '%s' has no partition table; "
				  "build the pool first", p->px.source_device);
	have = fdisk_label_get_name(fdisk_get_label(cxt, NULL));
	if (want && strcmp(want, "unknown") != 0 && strcmp(want, have) != 0)
		return vu_err_set(e, EINVAL, "source device '%s' has a %s partition table, "
				  "not %s", p->px.source_device, have, want);
	return 0;
}

/* Reads the table (checking the label) and syncs the kernel to it. */
static int refresh_parts(const struct vu_pool *p, struct part *parts, size_t *n,
			 struct vu_err *e)
{
	struct fdisk_context *cxt;
	int r = open_disk(p, false, &cxt, e);

	if (r < 0)
		return r;
	r = check_label(cxt, p, e);
	if (r == 0 && (r = read_parts(cxt, parts, n)) < 0)
		vu_err_set(e, -r, "cannot read the partitions of '%s': %s", p->px.source_device,
			   strerror(-r));
	close_disk(&cxt);
	return r < 0 ? r : sync_kernel(p, parts, *n, e);
}

int st_disk_start(const struct vu_pool *p, struct vu_err *e)
{
	struct part parts[MAX_PARTS];
	char dev[PATH_MAX];
	bool attached = false;
	size_t n;
	int r = check_label_format(p, e);

	/* An image file's partitions need a device: a loop device of its own. */
	if (r == 0 && is_image_file(p) && st_loop_find(p->px.source_device, dev, sizeof(dev)) < 0) {
		r = st_loop_attach(p->px.source_device, dev, sizeof(dev), e);
		attached = r == 0;
	}
	if (r == 0)
		r = refresh_parts(p, parts, &n, e);
	if (r < 0 && attached)
		st_loop_detach(dev, NULL);
	return r;
}

int st_disk_stop(const struct vu_pool *p, struct vu_err *e)
{
	char dev[PATH_MAX];
	int r;

	/* A disk's partitions stay usable, as libvirt leaves them; the loop
	 * device an image file was given goes, with its partitions. */
	if (!is_image_file(p) || st_loop_find(p->px.source_device, dev, sizeof(dev)) < 0)
		return 0;
	r = sync_kernel(p, NULL, 0, e);
	return r < 0 ? r : st_loop_detach(dev, e);
}

int st_disk_delete(const struct vu_pool *p, struct vu_err *e)
{
	int fd = open(p->px.source_device, O_RDWR | O_CLOEXEC), r = 0;
	blkid_probe pr = fd >= 0 ? blkid_new_probe() : NULL;

	if (!pr || blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		r = vu_err_set(e, fd < 0 ? errno : EIO, "source device '%s': %s",
			       p->px.source_device, strerror(fd < 0 ? errno : EIO));
		goto out;
	}
	sync_kernel(p, NULL, 0, NULL);
	/* Every partition table signature goes, as wipefs -a would do. */
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	while (r == 0 && blkid_do_probe(pr) == 0)
		r = blkid_do_wipe(pr, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		vu_err_set(e, EIO, "cannot erase the partition table of '%s'",
			   p->px.source_device);
out:
	if (pr)
		blkid_free_probe(pr);
	if (fd >= 0)
		close(fd);
	return r;
}

int st_disk_sizes(const struct vu_pool *p, struct vu_pool_info *info, struct vu_err *e)
{
	struct fdisk_context *cxt;
	struct part parts[MAX_PARTS];
	size_t n;
	int r = open_disk(p, false, &cxt, e);

	if (r < 0)
		return r;
	info->capacity = fdisk_get_nsectors(cxt) * fdisk_get_sector_size(cxt);
	r = read_parts(cxt, parts, &n);
	close_disk(&cxt);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", p->px.source_device, strerror(-r));
	for (size_t i = 0; i < n; i++)
		info->allocation += parts[i].size;
	info->available = info->capacity > info->allocation ?
			  info->capacity - info->allocation : 0;
	return 0;
}

/* ---- volumes ---- */

static struct vu_vol *part_vol(struct vu_pool *p, const struct part *pt)
{
	struct vu_vol *v = st_vol_new(p);
	char dev[PATH_MAX];
	char *path;

	disk_dev(p, dev, sizeof(dev));
	path = fdisk_partname(dev, pt->partno + 1);
	const char *base = path ? strrchr(path, '/') : NULL;

	if (!v || !path || !(v->path = strdup(path)) || !(v->key = strdup(path)) ||
	    !(v->name = strdup(base ? base + 1 : path)) || !(v->format = strdup(pt->type))) {
		free(path);
		vu_vol_free(&v);
		return NULL;
	}
	free(path);
	v->type = VU_VOL_BLOCK;
	v->capacity = v->allocation = v->physical = pt->size;
	v->part_start = pt->start;
	v->partno = pt->partno;
	if (stat(v->path, &v->st) < 0)
		memset(&v->st, 0, sizeof(v->st));
	return v;
}

int st_disk_vol_list(struct vu_pool *p, struct vu_vol ***out, size_t *n, struct vu_err *e)
{
	struct fdisk_context *cxt;
	struct part parts[MAX_PARTS];
	size_t np;
	int r = open_disk(p, false, &cxt, e);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	r = read_parts(cxt, parts, &np);
	close_disk(&cxt);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", p->px.source_device, strerror(-r));
	*out = calloc(np ? np : 1, sizeof(struct vu_vol *));
	if (!*out)
		return vu_err_set(e, ENOMEM, NULL);
	for (size_t i = 0; i < np; i++) {
		if (!((*out)[i] = part_vol(p, &parts[i]))) {
			vu_vol_list_free(out, i);
			return vu_err_set(e, ENOMEM, NULL);
		}
	}
	*n = np;
	return 0;
}

static struct fdisk_parttype *wanted_type(struct fdisk_context *cxt, const char *fmt,
					  struct vu_err *e)
{
	struct fdisk_label *lb = fdisk_get_label(cxt, NULL);
	bool gpt = fdisk_is_label(cxt, GPT);
	struct fdisk_parttype *t = NULL;

	if (!fmt || strcmp(fmt, "none") == 0)
		fmt = "linux";
	for (size_t i = 0; i < ARRAY_SIZE(part_types); i++) {
		if (strcmp(fmt, part_types[i].name) != 0)
			continue;
		t = gpt ? (part_types[i].gpt ?
			   fdisk_label_get_parttype_from_string(lb, part_types[i].gpt) : NULL)
			: fdisk_label_get_parttype_from_code(lb, part_types[i].dos);
		break;
	}
	if (!t)
		vu_err_set(e, EINVAL, "partition format '%s' is not available here", fmt);
	return t;
}

/* dos: the first free primary slot, so that libfdisk has nothing to ask. */
static int free_primary(struct fdisk_context *cxt, size_t *partno)
{
	for (size_t i = 0; i < 4; i++) {
		if (!fdisk_is_partition_used(cxt, i)) {
			*partno = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static int add_part(struct fdisk_context *cxt, const struct vu_volspec *spec, uint64_t size,
		    size_t *partno, struct vu_err *e)
{
	struct fdisk_partition *pa = fdisk_new_partition();
	struct fdisk_parttype *t = wanted_type(cxt, spec->format, e);
	unsigned long ss = fdisk_get_sector_size(cxt);
	int r = pa && t ? 0 : (pa ? -EINVAL : vu_err_set(e, ENOMEM, NULL));

	if (r == 0 && fdisk_is_label(cxt, DOS) && (r = free_primary(cxt, partno)) < 0)
		vu_err_set(e, ENOSPC, "no free primary partition left");
	if (r == 0) {
		if (fdisk_is_label(cxt, DOS))
			fdisk_partition_set_partno(pa, *partno);
		else
			fdisk_partition_partno_follow_default(pa, 1);
		fdisk_partition_start_follow_default(pa, 1);
		fdisk_partition_set_size(pa, (size + ss - 1) / ss);
		fdisk_partition_set_type(pa, t);
		r = fdisk_add_partition(cxt, pa, partno);
		if (r < 0)
			vu_err_set(e, -r, "cannot add a partition of %llu bytes: %s",
				   (unsigned long long)size, strerror(-r));
	}
	if (r == 0 && (r = fdisk_write_disklabel(cxt)) < 0)
		vu_err_set(e, -r, "cannot write the partition table: %s", strerror(-r));
	fdisk_unref_partition(pa);
	return r;
}

int st_disk_vol_create(struct vu_pool *p, const struct vu_volspec *spec, uint64_t size,
		       struct vu_vol **out, struct vu_err *e)
{
	struct fdisk_context *cxt;
	struct part parts[MAX_PARTS];
	size_t n, partno = 0;
	int r = open_disk(p, true, &cxt, e);

	*out = NULL;
	if (r < 0)
		return r;
	r = check_label(cxt, p, e);
	if (r == 0)
		r = add_part(cxt, spec, size, &partno, e);
	close_disk(&cxt);
	if (r == 0)
		r = refresh_parts(p, parts, &n, e);
	for (size_t i = 0; r == 0 && i < n && !*out; i++)
		if (parts[i].partno == partno && !(*out = part_vol(p, &parts[i])))
			r = vu_err_set(e, ENOMEM, NULL);
	return r;
}

int st_disk_vol_delete(const struct vu_vol *v, struct vu_err *e)
{
	struct fdisk_context *cxt;
	struct part parts[MAX_PARTS];
	size_t n;
	int r = open_disk(v->pool, true, &cxt, e);

	if (r < 0)
		return r;
	r = fdisk_delete_partition(cxt, v->partno);
	if (r == 0)
		r = fdisk_write_disklabel(cxt);
	close_disk(&cxt);
	if (r < 0)
		return vu_err_set(e, -r, "cannot delete partition %zu: %s", v->partno + 1,
				  strerror(-r));
	return refresh_parts(v->pool, parts, &n, e);
}
