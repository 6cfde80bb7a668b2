/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qcow2_snapshot.c - qcow2 internal snapshots against qemu-img, and killed at every write */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "vu/base.h"
#include "vu/image.h"
#include "qemu_test.h"
/* White-box: the drivers' view of struct vu_image (its fd and size). */
#include "../../libshared/img/image_int.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)

static int group_setup(void **state)
{
	return qemu_group_setup(state, "qcow2sn");
}

/* ---- helpers ---- */

/* qemu-img check and ours: no corruption, and no leak unless allowed. */
static void check_both(const char *p, bool leaks_ok, const char *when)
{
	struct vu_check_result res = { 0 };
	struct vu_image *img = NULL;
	int st = tu_sh("qemu-img check -q '%s' >/dev/null 2>&1", p);

	if (st != 0 && !(leaks_ok && st == 3)) {
		tu_sh("qemu-img check '%s' >&2", p);
		fail_msg("%s: qemu-img check exit %d", when, st);
	}
	assert_int_equal(vu_image_open(&img, p, "qcow2", VU_OPEN_CHECK, NULL), 0);
	assert_int_equal(vu_image_check(img, 0, &res), 0);
	vu_image_close(&img);
	if (res.corruptions || res.check_errors || (!leaks_ok && res.leaks))
		fail_msg("%s: our check: %lld corruptions, %lld leaks, %lld errors", when,
			 (long long)res.corruptions, (long long)res.leaks, (long long)res.check_errors);
}

static void assert_same(const char *img, const char *raw)
{
	int st = tu_sh("qemu-img compare -q -f qcow2 -F raw '%s' '%s' >/dev/null 2>&1", img, raw);

	if (st != 0)
		fail_msg("%s differs from %s", img, raw);
}

static void to_raw(const char *img, const char *raw)
{
	assert_int_equal(tu_sh("qemu-img convert -f qcow2 -O raw '%s' '%s'", img, raw), 0);
}

/* "ID:NAME ID:NAME ..." of qemu-img's snapshot list. */
static void snap_list(const char *p, char *out, size_t len)
{
	json_object *j = info_json(p), *a = jget(j, "snapshots");

	out[0] = '\0';
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		size_t n = strlen(out);

		snprintf(out + n, len - n, "%s%s:%s", n ? " " : "", jstr(s, "id"), jstr(s, "name"));
	}
	json_object_put(j);
}

/* The same from our reader, which the tests above hold to qemu-img's. */
static void our_list(const char *p, char *out, size_t len)
{
	struct vu_image *img = NULL;
	struct vu_info info = { 0 };

	out[0] = '\0';
	assert_int_equal(vu_image_open(&img, p, "qcow2", 0, NULL), 0);
	assert_int_equal(vu_image_info(img, &info), 0);
	for (int i = 0; i < info.nsnapshots; i++) {
		size_t n = strlen(out);

		snprintf(out + n, len - n, "%s%s:%s", n ? " " : "", info.snapshots[i].id,
			 info.snapshots[i].name);
	}
	vu_info_free(&info);
	vu_image_close(&img);
}

static struct vu_image *open_img(const char *p, unsigned flags)
{
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };

	if (vu_image_open(&img, p, NULL, flags, &e) < 0)
		fail_msg("open %s: %s", p, vu_err_str(&e));
	return img;
}

/* One snapshot operation on a file, through the library. */
enum op { OP_CREATE, OP_APPLY, OP_DELETE };

static int snap_op(const char *p, enum op op, const char *name, struct vu_err *e)
{
	struct vu_image *img = open_img(p, VU_OPEN_RDWR);
	int r = op == OP_CREATE ? vu_image_snapshot_create(img, name, e) :
		op == OP_APPLY ? vu_image_snapshot_apply(img, name, e) :
		vu_image_snapshot_delete(img, name, e);

	vu_image_close(&img);
	return r;
}

static void snap_ok(const char *p, enum op op, const char *name)
{
	struct vu_err e = { 0 };

	if (snap_op(p, op, name, &e) < 0)
		fail_msg("%s %s: %s", op == OP_CREATE ? "create" : op == OP_APPLY ? "apply" : "delete",
			 name, vu_err_str(&e));
}

static void qemu_image(const char *p, const char *opts, const char *size, const char *io)
{
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 %s%s '%s' %s && "
			       "qemu-io -f qcow2 %s '%s' >/dev/null",
			       opts[0] ? "-o " : "", opts, p, size, io, p), 0);
}

#define IO_MIXED "-c 'write -P 0x11 0 1M' -c 'write -c -P 0x22 2M 2M' " \
		 "-c 'write -z 3M 128k' -c 'write -P 0x33 7M 12k'"

/* Writes through our writer: data, zeros, a discard, a compressed cluster. */
static void our_writes(const char *p, uint8_t pat)
{
	struct vu_image *img = open_img(p, VU_OPEN_RDWR);
	uint8_t *b = malloc(2 * MiB);	/* the largest cluster, for compression */

	assert_non_null(b);
	memset(b, pat, 2 * MiB);
	assert_int_equal(vu_image_pwrite(img, b, 700 * KiB, 300 * KiB), 0);
	assert_int_equal(vu_image_pwrite_zeroes(img, 2 * MiB, 64 * KiB, true), 0);
	assert_int_equal(vu_image_discard(img, 3 * MiB, 64 * KiB), 0);
	if (vu_image_pwrite_compressed(img, b, 6 * MiB) != -ENOTSUP)
		assert_int_equal(vu_image_pwrite_compressed(img, b, 6 * MiB), 0);
	assert_int_equal(vu_image_pwrite(img, b, 5000, 7 * MiB + 100), 0);
	vu_image_close(&img);
	free(b);
}

/* ---- create, list ---- */

/* qemu-img lists what we made as it lists its own: qemu 7.2's fields. */
static void test_create_list(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	json_object *j, *s;
	struct vu_image *img;
	struct vu_info info = { 0 };
	time_t now = time(NULL);

	SKIP_IF_NO_QEMU(f);
	path(p, f, "list.qcow2");
	qemu_image(p, "", "8M", IO_MIXED);
	snap_ok(p, OP_CREATE, "first");
	snap_ok(p, OP_CREATE, "second snapshot");
	check_both(p, false, "create");
	j = info_json(p);
	assert_int_equal(json_object_array_length(jget(j, "snapshots")), 2);
	s = json_object_array_get_idx(jget(j, "snapshots"), 1);
	assert_string_equal(jstr(s, "id"), "2");
	assert_string_equal(jstr(s, "name"), "second snapshot");
	assert_int_equal(jint(s, "vm-state-size"), 0);
	assert_int_equal(jint(s, "vm-clock-sec"), 0);
	assert_int_equal(jint(s, "icount"), 0);
	assert_true(jint(s, "date-sec") >= now - 5 && jint(s, "date-sec") <= now + 5);
	assert_int_equal(jint(s, "date-nsec") % 1000, 0);	/* microseconds, as qemu-img */
	img = open_img(p, 0);
	assert_int_equal(vu_image_info(img, &info), 0);
	assert_int_equal(info.nsnapshots, 2);
	assert_string_equal(info.snapshots[0].name, "first");
	assert_int_equal(info.snapshots[1].date_sec, jint(s, "date-sec"));
	assert_int_equal(info.snapshots[1].icount, 0);
	vu_info_free(&info);
	vu_image_close(&img);
	json_object_put(j);
}

/* IDs are one more than the largest, as qemu-img gives them. */
static void test_ids(void **state)
{
	struct fixture *f = *state;
	char ours[PATH_MAX], theirs[PATH_MAX], a[512], b[512];
	static const char *const names[] = { "a", "b", "c" };

	SKIP_IF_NO_QEMU(f);
	path(ours, f, "ids.qcow2");
	path(theirs, f, "ids-qemu.qcow2");
	qemu_image(ours, "", "1M", "-c 'write 0 64k'");
	qemu_image(theirs, "", "1M", "-c 'write 0 64k'");
	for (int i = 0; i < 3; i++) {
		snap_ok(ours, OP_CREATE, names[i]);
		assert_int_equal(tu_sh("qemu-img snapshot -c %s '%s'", names[i], theirs), 0);
	}
	snap_ok(ours, OP_DELETE, "b");
	snap_ok(ours, OP_CREATE, "d");
	snap_ok(ours, OP_DELETE, "3");	/* by ID */
	snap_ok(ours, OP_CREATE, "e");
	assert_int_equal(tu_sh("qemu-img snapshot -d b '%s' && qemu-img snapshot -c d '%s' && "
			       "qemu-img snapshot -d c '%s' && qemu-img snapshot -c e '%s'",
			       theirs, theirs, theirs, theirs), 0);
	snap_list(ours, a, sizeof(a));
	snap_list(theirs, b, sizeof(b));
	assert_string_equal(a, b);
	assert_string_equal(a, "1:a 4:d 5:e");
	check_both(ours, false, "ids");
}

/* ---- apply after writes ---- */

static void write_apply_case(const struct fixture *f, const char *opts)
{
	char p[PATH_MAX], r0[PATH_MAX], r1[PATH_MAX];

	path(p, f, "wa.qcow2");
	path(r0, f, "wa0.raw");
	path(r1, f, "wa1.raw");
	qemu_image(p, opts, "8M", IO_MIXED);
	to_raw(p, r0);
	snap_ok(p, OP_CREATE, "before");
	check_both(p, false, opts);
	our_writes(p, 0x5a);		/* our writer copies on write */
	check_both(p, false, opts);
	to_raw(p, r1);
	snap_ok(p, OP_CREATE, "after");
	assert_int_equal(tu_sh("qemu-io -f qcow2 -c 'write -P 0x66 0 8M' '%s' >/dev/null", p), 0);
	snap_ok(p, OP_APPLY, "before");
	check_both(p, false, opts);
	assert_same(p, r0);
	snap_ok(p, OP_APPLY, "2");
	assert_same(p, r1);
	snap_ok(p, OP_DELETE, "after");
	check_both(p, false, opts);
	assert_same(p, r1);
	snap_ok(p, OP_APPLY, "before");
	snap_ok(p, OP_DELETE, "before");
	check_both(p, false, opts);
	assert_same(p, r0);
}

/* Every variant of the format: the data of a snapshot survives writes. */
static void test_write_apply(void **state)
{
	static const char *const opts[] = {
		"", "compat=0.10", "cluster_size=512", "cluster_size=2M",
		"extended_l2=on", "refcount_bits=64", "refcount_bits=8",
		"compression_type=zstd", "lazy_refcounts=on", "cluster_size=4k,compat=0.10",
	};
	struct fixture *f = *state;

	SKIP_IF_NO_QEMU(f);
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		write_apply_case(f, opts[i]);
}

/* qemu-img applies and deletes ours; we apply and delete qemu-img's. */
static void test_interop(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], r0[PATH_MAX], r1[PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	path(p, f, "interop.qcow2");
	path(r0, f, "interop0.raw");
	path(r1, f, "interop1.raw");
	qemu_image(p, "", "8M", IO_MIXED);
	to_raw(p, r0);
	assert_int_equal(tu_sh("qemu-img snapshot -c theirs '%s'", p), 0);
	our_writes(p, 0x71);
	to_raw(p, r1);
	snap_ok(p, OP_CREATE, "ours");
	assert_int_equal(tu_sh("qemu-io -f qcow2 -c 'write -P 0x72 1M 3M' '%s' >/dev/null", p), 0);
	snap_ok(p, OP_APPLY, "theirs");
	check_both(p, false, "apply theirs");
	assert_same(p, r0);
	assert_int_equal(tu_sh("qemu-img snapshot -a ours '%s'", p), 0);
	check_both(p, false, "qemu applies ours");
	assert_same(p, r1);
	snap_ok(p, OP_DELETE, "theirs");
	check_both(p, false, "delete theirs");
	assert_int_equal(tu_sh("qemu-img snapshot -d ours '%s'", p), 0);
	check_both(p, false, "qemu deletes ours");
	assert_same(p, r1);
}

/* A snapshot brings back its own disk size, grown or shrunk since. */
static void test_apply_size(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], r0[PATH_MAX], r1[PATH_MAX];
	struct vu_image *img;
	struct vu_err e = { 0 };

	SKIP_IF_NO_QEMU(f);
	path(p, f, "size.qcow2");
	path(r0, f, "size0.raw");
	path(r1, f, "size1.raw");
	qemu_image(p, "cluster_size=4k", "8M", IO_MIXED);
	to_raw(p, r0);
	snap_ok(p, OP_CREATE, "small");
	img = open_img(p, VU_OPEN_RDWR);
	assert_int_equal(vu_image_resize(img, 40 * MiB, VU_PREALLOC_OFF, &e), 0);
	vu_image_close(&img);
	assert_int_equal(tu_sh("qemu-io -f qcow2 -c 'write -P 9 30M 1M' '%s' >/dev/null", p), 0);
	to_raw(p, r1);
	snap_ok(p, OP_CREATE, "big");
	snap_ok(p, OP_APPLY, "small");
	check_both(p, false, "apply small");
	assert_same(p, r0);
	img = open_img(p, 0);
	assert_int_equal(img->size, 8 * MiB);
	vu_image_close(&img);
	snap_ok(p, OP_APPLY, "big");
	check_both(p, false, "apply big");
	assert_same(p, r1);
	assert_int_equal(tu_sh("qemu-img snapshot -a small '%s' && qemu-img snapshot -a big '%s'",
			       p, p), 0);
	assert_same(p, r1);
	check_both(p, false, "qemu applies");
}

/* ---- load, read-only ---- */

static void load_ok(const char *p, const char *id, const char *name, const char *raw,
		    uint64_t size)
{
	struct vu_image *img = open_img(p, 0);
	struct vu_err e = { 0 };
	uint8_t *a = malloc(size), *b = malloc(size);
	int fd = open(raw, O_RDONLY);

	assert_true(a && b && fd >= 0);
	if (vu_image_snapshot_load(img, id, name, &e) < 0)
		fail_msg("load %s/%s: %s", id ? id : "-", name ? name : "-", vu_err_str(&e));
	assert_int_equal(img->size, size);
	assert_int_equal(vu_image_pread(img, a, size, 0), 0);
	assert_int_equal(pread(fd, b, size, 0), (ssize_t)size);
	assert_memory_equal(a, b, size);
	close(fd);
	free(a);
	free(b);
	vu_image_close(&img);
}

static void test_load(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], r0[PATH_MAX];
	struct vu_image *img;
	struct vu_err e = { 0 };

	SKIP_IF_NO_QEMU(f);
	path(p, f, "load.qcow2");
	path(r0, f, "load0.raw");
	qemu_image(p, "", "8M", IO_MIXED);
	to_raw(p, r0);
	snap_ok(p, OP_CREATE, "one");
	our_writes(p, 0x44);
	assert_int_equal(tu_sh("qemu-img resize -q '%s' 12M", p), 0);
	load_ok(p, "1", NULL, r0, 8 * MiB);
	load_ok(p, NULL, "one", r0, 8 * MiB);
	load_ok(p, "1", "one", r0, 8 * MiB);
	img = open_img(p, 0);
	assert_int_equal(vu_image_snapshot_load(img, "1", "two", &e), -ENOENT);
	assert_string_equal(vu_err_str(&e), "Can't find snapshot");
	assert_int_equal(vu_image_snapshot_load(img, "one", NULL, &e), -ENOENT);
	vu_image_close(&img);
	img = open_img(p, VU_OPEN_RDWR);
	assert_int_equal(vu_image_snapshot_load(img, "1", NULL, &e), -EBUSY);
	vu_image_close(&img);
	check_both(p, false, "load");
}

/* ---- refusals ---- */

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], list[512], name[300];
	struct vu_err e = { 0 };
	struct vu_image *img;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "refuse.qcow2");
	qemu_image(p, "", "1M", "-c 'write 0 64k'");
	snap_ok(p, OP_CREATE, "s");
	assert_int_equal(snap_op(p, OP_CREATE, "s", &e), -EEXIST);
	assert_string_equal(vu_err_str(&e), "a snapshot named 's' already exists");
	assert_int_equal(snap_op(p, OP_APPLY, "nope", &e), -ENOENT);
	assert_string_equal(vu_err_str(&e), "Can't find snapshot");
	assert_int_equal(snap_op(p, OP_DELETE, "nope", &e), -ENOENT);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(snap_op(p, OP_CREATE, name, &e), -EINVAL);
	img = open_img(p, 0);
	assert_int_equal(vu_image_snapshot_create(img, "t", &e), -EBADF);
	vu_image_close(&img);
	snap_list(p, list, sizeof(list));
	assert_string_equal(list, "1:s");
	check_both(p, false, "refusals");
}

/* A format without snapshots answers as qemu-img's raw driver does. */
static void test_refusals_raw(void **state)
{
	struct fixture *f = *state;
	char raw[PATH_MAX];
	struct vu_err e = { 0 };
	struct vu_image *img;

	SKIP_IF_NO_QEMU(f);
	path(raw, f, "refuse.raw");
	assert_int_equal(tu_sh("qemu-img create -q -f raw '%s' 1M", raw), 0);
	img = open_img(raw, VU_OPEN_RDWR);
	assert_int_equal(vu_image_snapshot_create(img, "s", &e), -ENOTSUP);
	assert_string_equal(vu_err_str(&e), "Operation not supported");
	assert_int_equal(vu_image_snapshot_apply(img, "s", &e), -ENOTSUP);
	assert_string_equal(vu_err_str(&e), "Block driver does not support snapshots");
	assert_int_equal(vu_image_snapshot_delete(img, "s", &e), -ENOENT);
	vu_image_close(&img);
	img = open_img(raw, 0);
	assert_int_equal(vu_image_snapshot_load(img, "1", NULL, &e), -ENOTSUP);
	vu_image_close(&img);
}

/* One-bit refcounts cannot count a shared cluster: refused, the image as
 * it was (qemu-img leaves leaks). */
static void test_refusals_refcount(void **state)
{
	struct fixture *f = *state;
	char one[PATH_MAX], before[512], after[512];
	struct vu_err e = { 0 };

	SKIP_IF_NO_QEMU(f);
	path(one, f, "one.qcow2");
	qemu_image(one, "refcount_bits=1", "1M", "-c 'write 0 64k'");
	snap_list(one, before, sizeof(before));
	assert_int_equal(snap_op(one, OP_CREATE, "s", &e), -ERANGE);
	snap_list(one, after, sizeof(after));
	assert_string_equal(before, after);
	check_both(one, false, "refcount_bits=1");
}

/* ---- crashes ---- */

/* What the child does, one operation per step, each on a fresh open. */
struct step {
	enum { ST_CREATE, ST_APPLY, ST_DELETE, ST_WRITE } op;
	const char *name;
	uint64_t off;
	size_t len;
	uint8_t pat;
};

static const struct step steps[] = {
	{ ST_CREATE, "s1", 0, 0, 0 },
	{ ST_WRITE, NULL, 100 * KiB, 300 * KiB, 0xa1 },
	{ ST_CREATE, "s2", 0, 0, 0 },
	{ ST_WRITE, NULL, 3 * MiB, 600 * KiB, 0xa2 },
	{ ST_DELETE, "s1", 0, 0, 0 },
	{ ST_APPLY, "base", 0, 0, 0 },
	{ ST_WRITE, NULL, 5 * MiB + 7, 90 * KiB, 0xa3 },
	{ ST_CREATE, "s3", 0, 0, 0 },
	{ ST_DELETE, "base", 0, 0, 0 },
	{ ST_APPLY, "s2", 0, 0, 0 },
	{ ST_DELETE, "s3", 0, 0, 0 },
};

#define NSTEPS ((int)ARRAY_SIZE(steps))

static int step_run(struct vu_image *img, const struct step *s, uint8_t *buf)
{
	switch (s->op) {
	case ST_CREATE: return vu_image_snapshot_create(img, s->name, NULL);
	case ST_APPLY: return vu_image_snapshot_apply(img, s->name, NULL);
	case ST_DELETE: return vu_image_snapshot_delete(img, s->name, NULL);
	case ST_WRITE:
		memset(buf, s->pat, s->len);
		return vu_image_pwrite(img, buf, s->len, s->off);
	}
	return -EINVAL;
}

/* One step on a fresh open of the file, its writes watched. */
static int step_open_run(const char *p, const struct step *s, uint8_t *buf)
{
	struct vu_image *img = NULL;
	int r;

	if (vu_image_open(&img, p, "qcow2", VU_OPEN_RDWR, NULL) < 0)
		return -EIO;
	crash_fd = img->fd;
	r = step_run(img, s, buf);
	vu_image_close(&img);
	crash_fd = -1;
	return r;
}

/* What the dry run saw: where each step's writes begin, the disk and the
 * snapshot list after each step (index 0: before the first). */
struct plan {
	const char *opts;
	const char *size;
	long marks[NSTEPS + 1];
	char lists[NSTEPS + 1][128];
	char pristine[PATH_MAX];
};

static void stage_path(char *out, const struct fixture *f, int k)
{
	char name[32];

	snprintf(name, sizeof(name), "stage%d.raw", k);
	path(out, f, name);
}

/* An image with data and a snapshot "base" made by qemu-img, then
 * written again, so that every step has something to share or free. */
static void crash_prepare(const struct fixture *f, struct plan *pl)
{
	char base[PATH_MAX];

	path(pl->pristine, f, "pristine.qcow2");
	path(base, f, "base.raw");
	qemu_image(pl->pristine, pl->opts, pl->size, "-c 'write -P 0x51 0 1M' "
		   "-c 'write -c -P 0x52 1M 128k' -c 'write -P 0x53 1500k 20k'");
	to_raw(pl->pristine, base);
	assert_int_equal(tu_sh("qemu-img snapshot -c base '%s' && qemu-io -f qcow2 "
			       "-c 'write -P 0x54 512k 256k' '%s' >/dev/null", pl->pristine,
			       pl->pristine), 0);
}

static void crash_dry_run(const struct fixture *f, struct plan *pl, uint8_t *buf)
{
	char p[PATH_MAX], raw[PATH_MAX];

	path(p, f, "dry.qcow2");
	assert_int_equal(tu_sh("cp '%s' '%s'", pl->pristine, p), 0);
	stage_path(raw, f, 0);
	to_raw(p, raw);
	snap_list(p, pl->lists[0], sizeof(pl->lists[0]));
	crash_writes = 0;
	for (int k = 0; k < NSTEPS; k++) {
		pl->marks[k] = crash_writes;
		if (step_open_run(p, &steps[k], buf) < 0)
			fail_msg("%s: dry run step %d failed", pl->opts, k);
		stage_path(raw, f, k + 1);
		to_raw(p, raw);
		snap_list(p, pl->lists[k + 1], sizeof(pl->lists[k + 1]));
	}
	pl->marks[NSTEPS] = crash_writes;
	check_both(p, false, "dry run");
}

/* The child: every step, dying before write number budget. */
static void crash_child(const char *p, long budget, uint8_t *buf)
{
	crash_left = budget;
	for (int k = 0; k < NSTEPS; k++)
		if (step_open_run(p, &steps[k], buf) < 0)
			_exit(2);
	_exit(0);
}

/* The raw file a snapshot of that name must read as: the disk when its
 * step ran ("base": qemu-img's). */
static void snap_raw(const struct fixture *f, const char *name, char *out)
{
	for (int k = 0; k < NSTEPS; k++) {
		if (steps[k].op == ST_CREATE && strcmp(steps[k].name, name) == 0) {
			stage_path(out, f, k);
			return;
		}
	}
	path(out, f, "base.raw");
}

static void assert_reads_as(struct vu_image *img, const char *raw, const char *what)
{
	uint8_t *a = malloc(img->size), *b = malloc(img->size);
	int fd = open(raw, O_RDONLY);

	assert_true(a && b && fd >= 0);
	assert_int_equal(vu_image_pread(img, a, img->size, 0), 0);
	assert_int_equal(pread(fd, b, img->size, 0), (ssize_t)img->size);
	if (memcmp(a, b, img->size))
		fail_msg("%s does not read as %s", what, raw);
	close(fd);
	free(a);
	free(b);
}

/* Every snapshot the image lists reads as it did when it was made. */
static void crash_verify_snaps(const struct fixture *f, const char *p, const char *list,
			       const char *when)
{
	char buf[128], raw[PATH_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		struct vu_image *img = open_img(p, 0);
		const char *name = strchr(t, ':') + 1;

		if (vu_image_snapshot_load(img, NULL, name, NULL) < 0)
			fail_msg("%s: cannot load snapshot %s", when, name);
		snap_raw(f, name, raw);
		assert_reads_as(img, raw, when);
		vu_image_close(&img);
	}
}

/*
 * After a kill during step k: no corruption; the snapshot list is the one
 * before or after the step; a snapshot step left the disk as before or
 * after it (a data write may be half done).
 */
static bool reads_as(const char *p, const char *raw)
{
	struct vu_image *img = NULL;
	uint8_t *a, *b;
	int fd = open(raw, O_RDONLY);
	bool same;

	assert_true(fd >= 0);
	assert_int_equal(vu_image_open(&img, p, "qcow2", 0, NULL), 0);
	assert_true((a = malloc(img->size)) && (b = malloc(img->size)));
	assert_int_equal(vu_image_pread(img, a, img->size, 0), 0);
	same = pread(fd, b, img->size, 0) == (ssize_t)img->size && !memcmp(a, b, img->size) &&
	       lseek(fd, 0, SEEK_END) == (off_t)img->size;
	vu_image_close(&img);
	close(fd);
	free(a);
	free(b);
	return same;
}

static void crash_verify(const struct fixture *f, const struct plan *pl, const char *p,
			 long budget)
{
	char when[128], list[128], before[PATH_MAX], after[PATH_MAX];
	int k = 0;

	while (k < NSTEPS - 1 && pl->marks[k + 1] <= budget)
		k++;
	snprintf(when, sizeof(when), "%s, killed before write %ld (step %d)", pl->opts, budget, k);
	check_both(p, true, when);
	our_list(p, list, sizeof(list));
	if (strcmp(list, pl->lists[k]) && strcmp(list, pl->lists[k + 1]))
		fail_msg("%s: snapshots '%s', expected '%s' or '%s'", when, list, pl->lists[k],
			 pl->lists[k + 1]);
	crash_verify_snaps(f, p, list, when);
	if (steps[k].op == ST_WRITE)
		return;
	stage_path(before, f, k);
	stage_path(after, f, k + 1);
	if (!reads_as(p, before) && !reads_as(p, after))
		fail_msg("%s: the disk is neither as before nor as after the step", when);
}

static void crash_once(const struct fixture *f, const struct plan *pl, long budget, uint8_t *buf)
{
	char p[PATH_MAX];
	pid_t pid;
	int st;

	path(p, f, "crash.qcow2");
	assert_int_equal(tu_sh("cp '%s' '%s'", pl->pristine, p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		crash_child(p, budget, buf);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		fail_msg("%s: child killed before write %ld ended with status 0x%x", pl->opts,
			 budget, st);
	crash_verify(f, pl, p, budget);
}

/* Kill points: all of them, or an even spread plus random ones when
 * there are too many to try in a unit test. */
#define CRASH_POINTS 30

static void crash_case(const struct fixture *f, const char *opts, const char *size)
{
	struct plan *pl = calloc(1, sizeof(*pl));
	uint8_t *buf = malloc(MiB);
	unsigned seed = (unsigned)time(NULL);
	long total;

	assert_true(pl && buf);
	pl->opts = opts;
	pl->size = size;
	crash_prepare(f, pl);
	crash_dry_run(f, pl, buf);
	total = pl->marks[NSTEPS];
	print_message("%s: %ld writes, random seed %u\n", opts, total, seed);
	srand(seed);
	for (long i = 0; i < total && i < CRASH_POINTS; i++) {
		long n = total <= CRASH_POINTS ? i : i % 2 ? rand() % total : i * total / CRASH_POINTS;

		crash_once(f, pl, n, buf);
	}
	free(buf);
	free(pl);
}

static void test_crash(void **state)
{
	struct fixture *f = *state;

	SKIP_IF_NO_QEMU(f);
	crash_case(f, "cluster_size=4k", "6M");
	crash_case(f, "cluster_size=512,refcount_bits=64", "6M");
	crash_case(f, "compat=0.10,cluster_size=16k", "6M");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_list),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_write_apply),
		cmocka_unit_test(test_interop),
		cmocka_unit_test(test_apply_size),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refusals_raw),
		cmocka_unit_test(test_refusals_refcount),
		cmocka_unit_test(test_crash),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
