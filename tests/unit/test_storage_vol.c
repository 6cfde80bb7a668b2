/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_storage_vol.c - libshared/storage volumes: create, reserve, find,
 * copy, delete, wipe, resize, upload, download, and disk pools on a file */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/image.h"
#include "vu/storage.h"
#include "vu/xml.h"
/* The loop device helpers, to check and to clean up after a failure. */
#include "../../libshared/storage/storage_int.h"
#include "testutil.h"

#define MiB (1024 * 1024)

struct fx {
	char dir[64];
	char root[128];
	char images[160];
	struct vu_storage s;
	struct vu_pool *pool;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vu_err e = { 0 };

	if (!f || tu_scratch(f->dir, sizeof(f->dir), "test_storage_vol") < 0)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	snprintf(f->images, sizeof(f->images), "%s/images", f->root);
	if (vu_storage_open(&f->s, f->root, &e) < 0 ||
	    vu_pool_lookup(&f->s, "default", &f->pool, &e) < 0) {
		print_message("# %s\n", vu_err_str(&e));
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char img[256], loop[64];

	/* A test that failed half way may leave its disk image attached. */
	snprintf(img, sizeof(img), "%s/disk.img", f->dir);
	if (st_loop_find(img, loop, sizeof(loop)) == 0)
		st_loop_detach(loop, NULL);
	vu_pool_free(&f->pool);
	vu_storage_close(&f->s);
	return tu_scratch_free(f, f->dir);
}

static struct vu_volspec spec(const char *name, uint64_t cap, const char *fmt)
{
	return (struct vu_volspec){ .name = (char *)name, .capacity = cap, .has_capacity = true,
				    .format = (char *)fmt, .mode = -1, .owner = -1, .group = -1 };
}

static struct vu_vol *create(struct fx *f, const char *name, uint64_t cap, const char *fmt)
{
	struct vu_volspec sp = spec(name, cap, fmt);
	struct vu_vol *v = NULL;
	struct vu_err e = { 0 };

	if (vu_vol_create(&f->s, f->pool, &sp, 0, &v, &e) < 0)
		fail_msg("create %s: %s", name, vu_err_str(&e));
	return v;
}

static bool have_qcow2_create(void)
{
	return vu_image_format_known("qcow2");
}

static void fill(const char *path, off_t off, int byte, size_t len)
{
	int fd = open(path, O_WRONLY);
	char *buf = malloc(len);

	assert_true(fd >= 0);
	memset(buf, byte, len);
	assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
	free(buf);
}

/* The byte at off of the file, or -1. */
static int byte_at(const char *path, off_t off)
{
	int fd = open(path, O_RDONLY);
	unsigned char c;
	ssize_t n = fd >= 0 ? pread(fd, &c, 1, off) : -1;

	if (fd >= 0)
		close(fd);
	return n == 1 ? c : -1;
}

static void test_create_raw(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v = create(f, "sparse", 64 * MiB, NULL);
	struct vu_volspec full = spec("full", 4 * MiB, "raw");
	struct vu_err e = { 0 };
	char *xml;

	assert_string_equal(v->format, "raw");
	assert_int_equal(v->capacity, 64 * MiB);
	assert_int_equal(v->allocation, 0);
	assert_int_equal(v->st.st_mode & 07777, 0600);
	assert_int_equal(v->type, VU_VOL_FILE);
	xml = vu_vol_xml(v, &e);
	assert_non_null(strstr(xml, "<format type=\"raw\"/>"));
	free(xml);
	vu_vol_free(&v);
	full.allocation = 4 * MiB;
	full.has_allocation = true;
	full.mode = 0640;
	assert_int_equal(vu_vol_create(&f->s, f->pool, &full, 0, &v, &e), 0);
	assert_true(v->allocation >= 4 * MiB);
	assert_int_equal(v->st.st_mode & 07777, 0640);
	vu_vol_free(&v);
}

static void test_create_refused(void **state)
{
	struct fx *f = *state;
	struct vu_volspec sp = spec("../../etc/x", MiB, NULL);
	struct vu_err e = { 0 };
	struct vu_vol *v = create(f, "v", MiB, NULL);
	char path[256];
	struct stat st;

	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "invalid volume name '../../etc/x'");
	sp = spec("v", MiB, NULL);
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), -EEXIST);
	assert_string_equal(e.msg, "volume 'v' already exists");
	sp = spec("w", MiB, "vmdk");
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), -ENOTSUP);
	assert_string_equal(e.msg, "volume format 'vmdk' is not supported (raw, qcow2)");
	sp = spec("w", MiB, "raw");
	sp.backing_path = v->path;
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "a raw volume cannot have a backing store");
	sp = spec("w", MiB, "raw");
	sp.has_capacity = false;
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), -EINVAL);
	snprintf(path, sizeof(path), "%s/w", f->images);
	assert_int_equal(stat(path, &st), -1);
	vu_vol_free(&v);
}

/* A name another live creator holds is taken; one a dead creator left
 * (no lock on the file) is not. */
static void test_reservation(void **state)
{
	struct fx *f = *state;
	struct vu_volspec sp = spec("r", MiB, NULL);
	struct vu_err e = { 0 };
	char dir[256], path[300];
	int fd;

	snprintf(dir, sizeof(dir), "%s/run/reserve/default", f->root);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/r", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), -EEXIST);
	assert_string_equal(e.msg, "volume 'r' already exists");
	close(fd);
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), 0);
	assert_int_equal(access(path, F_OK), -1);
}

/* Eight creators of one name at once: one wins, seven hear it exists. */
static void test_concurrent_create(void **state)
{
	struct fx *f = *state;
	int won = 0, lost = 0;

	for (int i = 0; i < 8; i++) {
		if (fork() == 0) {
			struct vu_storage s;
			struct vu_pool *p;
			struct vu_volspec sp = spec("same", 32 * MiB, NULL);
			struct vu_err e = { 0 };

			sp.allocation = 32 * MiB;
			sp.has_allocation = true;
			if (vu_storage_open(&s, f->root, &e) < 0 ||
			    vu_pool_lookup(&s, "default", &p, &e) < 0)
				_exit(3);
			_exit(vu_vol_create(&s, p, &sp, 0, NULL, &e) == 0 ? 0 :
			      e.code == EEXIST ? 1 : 2);
		}
	}
	for (int i = 0; i < 8; i++) {
		int status;

		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status));
		won += WEXITSTATUS(status) == 0;
		lost += WEXITSTATUS(status) == 1;
	}
	assert_int_equal(won, 1);
	assert_int_equal(lost, 7);
}

static void test_list_lookup(void **state)
{
	struct fx *f = *state;
	struct vu_vol **vols, *v;
	struct vu_err e = { 0 };
	char link[256], path[256], via[300];
	size_t n;

	vu_vol_free((struct vu_vol *[]){ create(f, "b", MiB, NULL) });
	vu_vol_free((struct vu_vol *[]){ create(f, "C", MiB, NULL) });
	v = create(f, "a", MiB, NULL);
	snprintf(link, sizeof(link), "%s/evil", f->images);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	snprintf(path, sizeof(path), "%s/.hidden", f->images);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(vu_vol_list(&f->s, f->pool, &vols, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(vols[0]->name, "a");
	assert_string_equal(vols[1]->name, "b");
	assert_string_equal(vols[2]->name, "C");	/* as virsh: case aside */
	vu_vol_list_free(&vols, n);
	vu_vol_free(&v);

	assert_int_equal(vu_vol_lookup(&f->s, "default", "a", &v, &e), 0);
	vu_vol_free(&v);
	snprintf(path, sizeof(path), "%s/a", f->images);
	assert_int_equal(vu_vol_lookup(&f->s, NULL, path, &v, &e), 0);
	assert_string_equal(v->pool->name, "default");
	assert_string_equal(v->key, path);
	vu_vol_free(&v);
	/* Through a link to the directory, the path still names it. */
	snprintf(link, sizeof(link), "%s/imglink", f->dir);
	assert_int_equal(symlink(f->images, link), 0);
	snprintf(via, sizeof(via), "%s/a", link);
	assert_int_equal(vu_vol_lookup(&f->s, NULL, via, &v, &e), 0);
	vu_vol_free(&v);
	assert_int_equal(vu_vol_lookup(&f->s, NULL, "a", &v, &e), -ENOENT);
	assert_string_equal(e.msg, "no such volume (name its pool with --pool)");
	assert_int_equal(vu_vol_lookup(&f->s, "default", "evil", &v, &e), -ENOENT);
	assert_string_equal(e.msg, "no such volume in pool 'default'");
	assert_int_equal(vu_vol_lookup(&f->s, "nope", "a", &v, &e), -ENOENT);
	assert_string_equal(e.msg, "pool 'nope': no storage pool with matching name or uuid");
}

/* A file swapped for a link after it was listed is not followed. */
static void test_no_follow(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v = create(f, "victim", MiB, NULL);
	struct vu_err e = { 0 };
	char target[256];
	int fd;

	snprintf(target, sizeof(target), "%s/outside", f->dir);
	fd = open(target, O_CREAT | O_WRONLY, 0600);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(unlink(v->path), 0);
	assert_int_equal(symlink(target, v->path), 0);
	assert_int_equal(vu_vol_wipe(&f->s, v, VU_WIPE_RANDOM, NULL, &e), -ELOOP);
	assert_int_equal(vu_vol_delete(&f->s, v, &e), -EINVAL);
	assert_int_equal(vu_vol_upload(&f->s, v, 0, &(struct vu_vol_xfer){ 0 }, &e), -ELOOP);
	assert_int_equal(byte_at(target, 0), 'k');
	assert_int_equal(access(v->path, F_OK), 0);
	vu_vol_free(&v);
}

static void test_create_from(void **state)
{
	struct fx *f = *state;
	struct vu_vol *src = create(f, "src", 8 * MiB, NULL), *v;
	struct vu_volspec sp = spec("copy", 0, NULL);
	struct vu_err e = { 0 };

	fill(src->path, 3 * MiB, 0x5a, 4096);
	sp.has_capacity = false;
	assert_int_equal(vu_vol_create_from(&f->s, f->pool, &sp, src, 0, NULL, &v, &e), 0);
	assert_int_equal(v->capacity, 8 * MiB);
	assert_true(v->allocation < 8 * MiB);
	assert_int_equal(byte_at(v->path, 3 * MiB), 0x5a);
	vu_vol_free(&v);
	sp = spec("bigger", 16 * MiB, NULL);
	assert_int_equal(vu_vol_create_from(&f->s, f->pool, &sp, src, 0, NULL, &v, &e), 0);
	assert_int_equal(v->capacity, 16 * MiB);
	vu_vol_free(&v);
	sp = spec("smaller", MiB, NULL);
	assert_int_equal(vu_vol_create_from(&f->s, f->pool, &sp, src, 0, NULL, &v, &e), -EINVAL);
	sp = spec("q", 8 * MiB, "qcow2");
	if (have_qcow2_create()) {
		assert_int_equal(vu_vol_create_from(&f->s, f->pool, &sp, src, 0, NULL, &v, &e), 0);
		assert_string_equal(v->format, "qcow2");
		assert_int_equal(v->capacity, 8 * MiB);
		vu_vol_free(&v);
	} else {
		print_message("# qcow2 writing not available yet: conversion not tested\n");
	}
	vu_vol_free(&src);
}

/* A copy that fails half way leaves neither a volume nor a reservation. */
static void test_create_from_fails_clean(void **state)
{
	struct fx *f = *state;
	struct vu_vol *src = create(f, "gone", MiB, NULL);
	struct vu_volspec sp = spec("dst", MiB, NULL);
	struct vu_err e = { 0 };
	char path[256];

	assert_int_equal(unlink(src->path), 0);
	assert_int_equal(vu_vol_create_from(&f->s, f->pool, &sp, src, 0, NULL, NULL, &e),
			 -ENOENT);
	snprintf(path, sizeof(path), "%s/dst", f->images);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/run/reserve/default/dst", f->root);
	assert_int_equal(access(path, F_OK), -1);
	sp = spec("dst", MiB, NULL);
	assert_int_equal(vu_vol_create(&f->s, f->pool, &sp, 0, NULL, &e), 0);
	vu_vol_free(&src);
}

static void test_delete(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v = create(f, "d", MiB, NULL);
	struct vu_err e = { 0 };

	assert_int_equal(vu_vol_delete(&f->s, v, &e), 0);
	assert_int_equal(access(v->path, F_OK), -1);
	assert_int_equal(vu_vol_delete(&f->s, v, &e), -ENOENT);
	vu_vol_free(&v);
}

static void test_wipe(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v = create(f, "w", 4 * MiB, NULL);
	struct vu_err e = { 0 };
	struct stat st;

	assert_string_equal(vu_wipe_alg_name(VU_WIPE_PFITZNER33), "pfitzner33");
	assert_int_equal(vu_wipe_alg_parse("gutmann"), VU_WIPE_GUTMANN);
	assert_int_equal(vu_wipe_alg_parse("trim"), -EINVAL);
	fill(v->path, MiB, 0x77, 4096);
	vu_vol_free(&v);
	assert_int_equal(vu_vol_lookup(&f->s, "default", "w", &v, &e), 0);
	/* Sparse: zeros punch holes, and it stays sparse. */
	assert_int_equal(vu_vol_wipe(&f->s, v, VU_WIPE_ZERO, NULL, &e), 0);
	assert_int_equal(byte_at(v->path, MiB), 0);
	assert_int_equal(stat(v->path, &st), 0);
	assert_int_equal(st.st_size, 4 * MiB);
	assert_true(st.st_blocks * 512 < 4 * MiB);
	assert_int_equal(vu_vol_wipe(&f->s, v, VU_WIPE_DOD, NULL, &e), 0);
	assert_int_equal(byte_at(v->path, 0), 0xff);
	assert_int_equal(byte_at(v->path, 4 * MiB - 1), 0xff);
	assert_int_equal(vu_vol_wipe(&f->s, v, VU_WIPE_BSI, NULL, &e), 0);
	assert_int_equal(byte_at(v->path, 12345), 0x7f);
	assert_int_equal(vu_vol_wipe(&f->s, v, VU_WIPE_NNSA, NULL, &e), 0);
	assert_int_equal(byte_at(v->path, 12345), 0);
	assert_int_equal(stat(v->path, &st), 0);
	assert_int_equal(st.st_size, 4 * MiB);
	vu_vol_free(&v);
}

static void test_wipe_qcow2(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v, *w;
	struct vu_err e = { 0 };

	if (!have_qcow2_create()) {
		print_message("# skip: the qcow2 driver cannot write yet\n");
		skip();
	}
	v = create(f, "q", 8 * MiB, "qcow2");
	assert_int_equal(vu_vol_wipe(&f->s, v, VU_WIPE_RANDOM, NULL, &e), 0);
	assert_int_equal(vu_vol_lookup(&f->s, "default", "q", &w, &e), 0);
	assert_string_equal(w->format, "qcow2");
	assert_int_equal(w->capacity, 8 * MiB);
	vu_vol_free(&w);
	vu_vol_free(&v);
}

static uint64_t resize(struct fx *f, struct vu_vol *v, uint64_t cap, unsigned flags,
		       struct vu_err *e)
{
	uint64_t out = 0;

	if (vu_vol_resize(&f->s, v, cap, flags, &out, e) < 0)
		return UINT64_MAX;
	return out;
}

static void test_resize(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v = create(f, "r", 4 * MiB, NULL);
	struct vu_err e = { 0 };
	struct stat st;

	assert_int_equal(resize(f, v, 8 * MiB, 0, &e), 8 * MiB);
	assert_int_equal(resize(f, v, MiB, 0, &e), UINT64_MAX);
	assert_string_equal(e.msg, "the new capacity is below the current one (4194304 bytes); "
				   "shrinking must be asked for");
	assert_int_equal(resize(f, v, MiB, VU_VOL_RESIZE_DELTA, &e), 5 * MiB);
	assert_int_equal(resize(f, v, MiB, VU_VOL_RESIZE_DELTA | VU_VOL_RESIZE_SHRINK, &e),
			 3 * MiB);
	assert_int_equal(resize(f, v, 9 * MiB, VU_VOL_RESIZE_DELTA | VU_VOL_RESIZE_SHRINK, &e),
			 UINT64_MAX);
	assert_int_equal(resize(f, v, 6 * MiB, VU_VOL_RESIZE_ALLOCATE, &e), 6 * MiB);
	assert_int_equal(stat(v->path, &st), 0);
	assert_int_equal(st.st_size, 6 * MiB);
	assert_true(st.st_blocks * 512 >= 2 * MiB);
	vu_vol_free(&v);
}

static void test_upload_download(void **state)
{
	struct fx *f = *state;
	struct vu_vol *v = create(f, "u", 4 * MiB, NULL);
	struct vu_err e = { 0 };
	char src[256], dst[256];
	int fd, pipefd[2];

	snprintf(src, sizeof(src), "%s/data", f->dir);
	close(open(src, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(truncate(src, 2 * MiB), 0);
	fill(src, 0, 0xab, 2 * MiB);
	fd = open(src, O_RDONLY);
	assert_int_equal(vu_vol_upload(&f->s, v, fd, &(struct vu_vol_xfer){ .offset = MiB },
				       &e), 0);
	assert_int_equal(byte_at(v->path, MiB - 1), 0);
	assert_int_equal(byte_at(v->path, MiB), 0xab);
	assert_int_equal(byte_at(v->path, 3 * MiB), 0);
	/* Too much for the length: an error, and the volume as it was. */
	lseek(fd, 0, SEEK_SET);
	fill(src, 0, 0xcd, 4096);
	assert_int_equal(vu_vol_upload(&f->s, v, fd, &(struct vu_vol_xfer){ .length = MiB },
				       &e), -EFBIG);
	assert_int_equal(byte_at(v->path, MiB), 0xab);
	close(fd);
	/* A pipe: read in order, the file grows past its end. */
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], "hello", 5), 5);
	close(pipefd[1]);
	assert_int_equal(vu_vol_upload(&f->s, v, pipefd[0],
				       &(struct vu_vol_xfer){ .offset = 4 * MiB }, &e), 0);
	close(pipefd[0]);
	vu_vol_free(&v);
	assert_int_equal(vu_vol_lookup(&f->s, "default", "u", &v, &e), 0);
	assert_int_equal(v->physical, 4 * MiB + 5);
	assert_int_equal(byte_at(v->path, 4 * MiB), 'h');

	snprintf(dst, sizeof(dst), "%s/out", f->dir);
	fd = open(dst, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_int_equal(vu_vol_download(&f->s, v, fd,
					 &(struct vu_vol_xfer){ .offset = MiB - 1, .length = 2,
								.sparse = true }, &e), 0);
	close(fd);
	assert_int_equal(byte_at(dst, 0), 0);
	assert_int_equal(byte_at(dst, 1), 0xab);
	assert_int_equal(byte_at(dst, 2), -1);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(vu_vol_download(&f->s, v, pipefd[1],
					 &(struct vu_vol_xfer){ .offset = 4 * MiB }, &e), 0);
	close(pipefd[1]);
	char buf[16] = { 0 };

	assert_int_equal(read(pipefd[0], buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	close(pipefd[0]);
	assert_int_equal(vu_vol_download(&f->s, v, 1, &(struct vu_vol_xfer){ .offset = 9 * MiB },
					 &e), -EINVAL);
	vu_vol_free(&v);
}

/* A disk pool on an image file: partitions are the volumes, on a loop
 * device attached at start and detached at destroy. */
static void test_disk_pool_file(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_vol **vols, *v;
	struct vu_volspec sp = spec("ignored", 8 * MiB, NULL);
	struct vu_err e = { 0 };
	char img[256], xml[512], loop[64];
	struct vu_poolxml *doc;
	size_t n;
	int fd;

	snprintf(img, sizeof(img), "%s/disk.img", f->dir);
	fd = open(img, O_CREAT | O_WRONLY, 0600);
	assert_int_equal(ftruncate(fd, 64 * MiB), 0);
	close(fd);
	snprintf(xml, sizeof(xml), "<pool type='disk'><name>dp</name><source><device path='%s'/>"
		 "<format type='gpt'/></source><target><path>/dev</path></target></pool>", img);
	assert_int_equal(vu_poolxml_parse(&doc, xml, strlen(xml), &e), 0);
	assert_int_equal(vu_pool_define(&f->s, doc, &p, &e), 0);
	vu_poolxml_free(&doc);
	assert_int_equal(vu_pool_start(&f->s, p, 0, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "has no partition table; build the pool first"));
	if (vu_pool_start(&f->s, p, VU_POOL_START_BUILD, &e) < 0) {
		vu_pool_free(&p);
		print_message("# skip: %s\n", vu_err_str(&e));
		skip();
	}
	assert_int_equal(st_loop_find(img, loop, sizeof(loop)), 0);
	assert_int_equal(vu_pool_build(&f->s, p, 0, &e), -EBUSY);
	assert_int_equal(vu_vol_create(&f->s, p, &sp, 0, &v, &e), 0);
	assert_int_equal(v->type, VU_VOL_BLOCK);
	assert_int_equal(v->capacity, 8 * MiB);
	assert_string_equal(v->format, "linux");
	assert_true(strncmp(v->path, loop, strlen(loop)) == 0);
	vu_vol_free(&v);
	sp.format = "linux-swap";
	assert_int_equal(vu_vol_create(&f->s, p, &sp, 0, &v, &e), 0);
	assert_string_equal(v->format, "linux-swap");
	vu_vol_free(&v);
	assert_int_equal(vu_vol_list(&f->s, p, &vols, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(vols[0]->path + strlen(loop), "p1");
	assert_string_equal(vols[1]->path + strlen(loop), "p2");
	assert_int_equal(vu_vol_delete(&f->s, vols[0], &e), 0);
	vu_vol_list_free(&vols, n);
	assert_int_equal(vu_vol_list(&f->s, p, &vols, &n, &e), 0);
	assert_int_equal(n, 1);
	vu_vol_list_free(&vols, n);
	assert_int_equal(vu_pool_destroy(&f->s, p, &e), 0);
	assert_int_equal(st_loop_find(img, loop, sizeof(loop)), -ENOENT);
	assert_int_equal(vu_pool_build(&f->s, p, 0, &e), -EEXIST);
	assert_non_null(strstr(e.msg, "already holds a gpt partition table"));
	assert_int_equal(vu_pool_delete(&f->s, p, &e), 0);
	assert_int_equal(vu_pool_build(&f->s, p, 0, &e), 0);
	vu_pool_free(&p);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_raw), T(test_create_refused), T(test_reservation),
		T(test_concurrent_create), T(test_list_lookup), T(test_no_follow),
		T(test_create_from), T(test_create_from_fails_clean), T(test_delete),
		T(test_wipe), T(test_wipe_qcow2), T(test_resize), T(test_upload_download),
		T(test_disk_pool_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
