/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qcow2_write.c - the qcow2 writer against qemu-img: create, writes, COW, compression, resize, amend, crashes */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
	return qemu_group_setup(state, "qcow2w");
}

/* ---- helpers ---- */

/* xorshift64*: the random patterns of one test, reproducible. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Bytes that compress (text-like) or not (random), seeded. */
static void fill(uint8_t *buf, size_t len, uint64_t seed, bool compressible)
{
	uint64_t s = seed | 1;

	for (size_t i = 0; i < len; i++) {
		if (compressible)
			buf[i] = (uint8_t)("the quick brown fox jumps over the lazy dog\n"[(i + seed) % 44]);
		else
			buf[i] = (uint8_t)rnd(&s);
	}
}

static int qemu_check(const char *p)
{
	return tu_sh("qemu-img check -q '%s' >/dev/null 2>&1", p);
}

static void assert_clean(const char *p)
{
	int st = tu_sh("qemu-img check '%s' >/dev/null 2>&1", p);

	if (st != 0)
		tu_sh("qemu-img check '%s' >&2", p);
	assert_int_equal(st, 0);
}

static void assert_same(const char *img, const char *raw)
{
	int st = tu_sh("qemu-img compare -q -f qcow2 -F raw '%s' '%s' >/dev/null 2>&1", img, raw);

	assert_int_equal(st, 0);
}

static bool jbool(json_object *o, const char *p)
{
	json_object *v = jget(o, p);

	return v && json_object_get_boolean(v);
}

static void create_ours(const char *p, const struct vu_create_opts *o)
{
	struct vu_err e = { 0 };
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int r;

	assert_true(fd >= 0);
	r = vu_image_create(fd, p, "qcow2", o, &e);
	if (r < 0)
		print_error("create %s: %s\n", p, vu_err_str(&e));
	assert_int_equal(r, 0);
	close(fd);
}

static struct vu_image *open_rw(const char *p, unsigned flags)
{
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };
	int r = vu_image_open(&img, p, "qcow2", VU_OPEN_RDWR | flags, &e);

	if (r < 0)
		print_error("open %s: %s\n", p, vu_err_str(&e));
	assert_int_equal(r, 0);
	return img;
}

/* An image and a raw file written the same way: the raw one is the truth. */
struct pair {
	struct vu_image *img;
	int raw;
	char rawpath[PATH_MAX];
	uint8_t *buf;
};

static void pair_open(struct pair *p, const char *qcow2, unsigned flags)
{
	snprintf(p->rawpath, sizeof(p->rawpath), "%s.raw", qcow2);
	assert_int_equal(tu_sh("qemu-img convert -O raw '%s' '%s'", qcow2, p->rawpath), 0);
	p->raw = open(p->rawpath, O_RDWR);
	assert_true(p->raw >= 0);
	p->img = open_rw(qcow2, flags);
	p->buf = malloc(4 * MiB);
	assert_non_null(p->buf);
}

static void pair_write(struct pair *p, uint64_t off, size_t len, uint64_t seed)
{
	int r;

	fill(p->buf, len, seed, seed & 1);
	r = vu_image_pwrite(p->img, p->buf, len, off);
	if (r < 0)
		print_error("write %llu+%zu: %s\n", (unsigned long long)off, len,
			    vu_image_strerror(p->img, r));
	assert_int_equal(r, 0);
	assert_int_equal(syscall(SYS_pwrite64, p->raw, p->buf, len, (off_t)off), (ssize_t)len);
}

static void pair_zero(struct pair *p, uint64_t off, size_t len, bool unmap)
{
	memset(p->buf, 0, len);
	assert_int_equal(vu_image_pwrite_zeroes(p->img, off, len, unmap), 0);
	assert_int_equal(syscall(SYS_pwrite64, p->raw, p->buf, len, (off_t)off), (ssize_t)len);
}

/* What a discard leaves depends on the version: take what reads back. */
static void pair_discard(struct pair *p, uint64_t off, size_t len)
{
	assert_int_equal(vu_image_discard(p->img, off, len), 0);
	assert_int_equal(vu_image_pread(p->img, p->buf, len, off), 0);
	assert_int_equal(syscall(SYS_pwrite64, p->raw, p->buf, len, (off_t)off), (ssize_t)len);
}

/* Our own reader agrees with the reference too. */
static void pair_verify_ours(struct pair *p)
{
	uint64_t size = p->img->size;
	uint8_t *ref = malloc(MiB);

	assert_non_null(ref);
	for (uint64_t off = 0; off < size; off += MiB) {
		size_t n = size - off < MiB ? (size_t)(size - off) : MiB;

		assert_int_equal(vu_image_pread(p->img, p->buf, n, off), 0);
		assert_int_equal(pread(p->raw, ref, n, (off_t)off), (ssize_t)n);
		assert_memory_equal(p->buf, ref, n);
	}
	free(ref);
}

static void pair_close(struct pair *p, const char *qcow2)
{
	assert_int_equal(vu_image_flush(p->img), 0);
	pair_verify_ours(p);
	vu_image_close(&p->img);
	close(p->raw);
	free(p->buf);
	assert_clean(qcow2);
	assert_same(qcow2, p->rawpath);
}

/* Random writes, zeroes and discards, flushing now and then. */
static void random_ops(struct pair *p, uint64_t seed, int n, size_t maxlen)
{
	uint64_t s = seed, size = p->img->size;

	for (int i = 0; i < n; i++) {
		uint64_t off = rnd(&s) % size, k = rnd(&s) % 10;
		size_t len = 1 + (size_t)(rnd(&s) % maxlen);

		if (rnd(&s) % 3 == 0)
			off &= ~(64 * KiB - 1);	/* aligned now and then */
		if (len > size - off)
			len = (size_t)(size - off);
		if (k < 6)
			pair_write(p, off, len, rnd(&s));
		else if (k < 8)
			pair_zero(p, off, len, k == 6);
		else
			pair_discard(p, off, len);
		if (rnd(&s) % 16 == 0)
			assert_int_equal(vu_image_flush(p->img), 0);
	}
}

/* ---- create ---- */

struct create_case {
	const char *name;
	struct vu_create_opts o;
	const char *qemu_opts;	/* the same options for qemu-img create */
};

static const struct create_case create_cases[] = {
	{ "default", { .size = 300 * MiB }, "" },
	{ "v2", { .size = 300 * MiB, .version = 2 }, "compat=0.10" },
	{ "c512-r1", { .size = 64 * MiB, .cluster_size = 512, .refcount_bits = 1 },
	  "cluster_size=512,refcount_bits=1" },
	{ "c1k-r2", { .size = 64 * MiB, .cluster_size = 1024, .refcount_bits = 2 },
	  "cluster_size=1024,refcount_bits=2" },
	{ "c2k-r4", { .size = 64 * MiB, .cluster_size = 2048, .refcount_bits = 4 },
	  "cluster_size=2048,refcount_bits=4" },
	{ "c4k-r8-lazy", { .size = 300 * MiB, .cluster_size = 4096, .refcount_bits = 8,
			   .lazy_refcounts = true },
	  "cluster_size=4096,refcount_bits=8,lazy_refcounts=on" },
	{ "c2m-r32", { .size = 3000 * MiB, .cluster_size = 2 * MiB, .refcount_bits = 32 },
	  "cluster_size=2M,refcount_bits=32" },
	{ "r64", { .size = 300 * MiB, .refcount_bits = 64 }, "refcount_bits=64" },
	{ "extl2-zstd", { .size = 300 * MiB, .extended_l2 = true, .compression_type = 1 },
	  "extended_l2=on,compression_type=zstd" },
	{ "meta", { .size = 1300 * MiB, .prealloc = VU_PREALLOC_METADATA },
	  "preallocation=metadata" },
	{ "falloc", { .size = 300 * MiB, .prealloc = VU_PREALLOC_FALLOC },
	  "preallocation=falloc" },
	{ "full", { .size = 32 * MiB, .prealloc = VU_PREALLOC_FULL }, "preallocation=full" },
	{ "meta-c512-r64", { .size = 16 * MiB, .prealloc = VU_PREALLOC_METADATA,
			     .cluster_size = 512, .refcount_bits = 64 },
	  "preallocation=metadata,cluster_size=512,refcount_bits=64" },
	{ "meta-extl2", { .size = 300 * MiB, .prealloc = VU_PREALLOC_METADATA,
			  .extended_l2 = true },
	  "preallocation=metadata,extended_l2=on" },
	{ "odd-size", { .size = 1000 }, "" },
	{ "empty", { .size = 0 }, "" },
};

/* qemu-img map with host offsets dropped and equal neighbours merged:
 * what is allocated, zero or data, wherever qemu or we put it. */
static char *map_shape(const char *p)
{
	char *out = tu_sh_out("qemu-img map --output=json '%s'", p);
	json_object *a = json_tokener_parse(out);
	char *shape = calloc(1, 1 << 16);
	char last[128] = "";
	int64_t start = 0;

	assert_non_null(a);
	assert_non_null(shape);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		char key[128];

		snprintf(key, sizeof(key), "d%lld p%d z%d a%d", (long long)jint(e, "depth"),
			 jbool(e, "present"), jbool(e, "zero"), jbool(e, "data"));
		if (strcmp(key, last) != 0) {
			if (last[0])
				snprintf(shape + strlen(shape), (1 << 16) - strlen(shape),
					 "%lld:%s;", (long long)start, last);
			start = jint(e, "start");
			snprintf(last, sizeof(last), "%s", key);
		}
	}
	snprintf(shape + strlen(shape), (1 << 16) - strlen(shape), "%lld:%s;", (long long)start, last);
	json_object_put(a);
	free(out);
	return shape;
}

static void compare_with_qemu(const struct fixture *f, const struct create_case *c,
			      const char *ours, json_object *ji)
{
	char theirs[PATH_MAX];
	json_object *jq;
	int64_t a, b;

	path(theirs, f, "theirs.qcow2");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 %s%s '%s' %llu", c->qemu_opts[0] ? "-o " : "",
			       c->qemu_opts, theirs, (unsigned long long)c->o.size), 0);
	jq = info_json(theirs);
	assert_int_equal(jint(ji, "virtual-size"), jint(jq, "virtual-size"));
	/* Allocation as qemu-img's: within 2% (the layout may differ by a
	 * table's last page), and the same map once offsets are dropped. */
	a = jint(ji, "actual-size");
	b = jint(jq, "actual-size");
	if (a < b * 98 / 100 || a > b * 102 / 100 + 8192)
		fail_msg("%s: actual-size %lld, qemu-img's %lld", c->name, (long long)a, (long long)b);
	if (c->o.cluster_size == 0 || c->o.cluster_size >= 4096) {
		char *ma = map_shape(ours), *mb = map_shape(theirs);

		if (strcmp(ma, mb) != 0)
			fail_msg("%s: map %s, qemu-img's %s", c->name, ma, mb);
		free(ma);
		free(mb);
	}
	json_object_put(jq);
}

static void test_create(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	path(p, f, "new.qcow2");
	for (size_t i = 0; i < ARRAY_SIZE(create_cases); i++) {
		const struct create_case *c = &create_cases[i];
		unsigned bits = c->o.refcount_bits ? c->o.refcount_bits : 16;
		json_object *j;

		create_ours(p, &c->o);
		assert_clean(p);
		j = info_json(p);
		assert_int_equal(jint(j, "cluster-size"), c->o.cluster_size ? c->o.cluster_size : 65536);
		assert_string_equal(jstr(j, "format-specific.data.compat"),
				    c->o.version == 2 ? "0.10" : "1.1");
		assert_int_equal(jint(j, "format-specific.data.refcount-bits"), bits);
		assert_string_equal(jstr(j, "format-specific.data.compression-type"),
				    c->o.compression_type ? "zstd" : "zlib");
		if (c->o.version != 2) {
			assert_int_equal(jbool(j, "format-specific.data.lazy-refcounts"),
					 c->o.lazy_refcounts);
			assert_int_equal(jbool(j, "format-specific.data.extended-l2"),
					 c->o.extended_l2);
		}
		assert_false(jbool(j, "dirty-flag"));
		compare_with_qemu(f, c, p, j);
		json_object_put(j);
	}
}

/* qemu-img's refusals, in its words. */
static void test_create_refusals(void **state)
{
	static const struct { struct vu_create_opts o; const char *msg; } bad[] = {
		{ { .size = MiB, .cluster_size = 3000 }, "Cluster size must be a power of two" },
		{ { .size = MiB, .cluster_size = 4 * MiB }, "Cluster size must be a power of two" },
		{ { .size = MiB, .refcount_bits = 3 }, "Refcount width must be a power of two" },
		{ { .size = MiB, .refcount_bits = 128 }, "Refcount width must be a power of two" },
		{ { .size = MiB, .version = 2, .lazy_refcounts = true }, "Lazy refcounts only supported" },
		{ { .size = MiB, .version = 2, .refcount_bits = 8 }, "Different refcount widths" },
		{ { .size = MiB, .version = 2, .extended_l2 = true }, "Extended L2 entries are only" },
		{ { .size = MiB, .version = 2, .compression_type = 1 }, "Non-zlib compression" },
		{ { .size = MiB, .extended_l2 = true, .cluster_size = 4096 }, "at least 16384 bytes" },
		{ { .size = MiB, .backing_fmt = "qcow2" }, "Backing format cannot be used" },
		{ { .size = MiB, .backing_file = "b", .backing_unchecked = true,
		    .prealloc = VU_PREALLOC_FULL }, "if extended_l2 is on" },
		{ { .size = 100ull << 40, .cluster_size = 512 }, "The image size is too large" },
	};
	struct fixture *f = *state;
	char p[PATH_MAX];

	path(p, f, "bad.qcow2");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vu_err e = { 0 };
		int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);

		assert_true(fd >= 0);
		assert_true(vu_image_create(fd, p, "qcow2", &bad[i].o, &e) < 0);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].msg);
		close(fd);
	}
}

/* ---- writes ---- */

struct write_case {
	const char *qemu_opts;
	struct vu_create_opts o;
	bool no_compress;	/* qemu-io cannot write compressed clusters there */
};

static const struct write_case write_cases[] = {
	{ "", { .size = 40 * MiB }, false },
	{ "compat=0.10", { .size = 40 * MiB, .version = 2 }, false },
	{ "cluster_size=4k,refcount_bits=8", { .size = 40 * MiB, .cluster_size = 4096,
					       .refcount_bits = 8 }, false },
	{ "cluster_size=512,refcount_bits=1", { .size = 8 * MiB, .cluster_size = 512,
						.refcount_bits = 1 }, false },
	{ "cluster_size=512,refcount_bits=64", { .size = 8 * MiB, .cluster_size = 512,
						 .refcount_bits = 64 }, false },
	{ "cluster_size=2k,refcount_bits=4", { .size = 8 * MiB, .cluster_size = 2048,
					       .refcount_bits = 4 }, false },
	{ "extended_l2=on", { .size = 40 * MiB, .extended_l2 = true }, false },
	{ "extended_l2=on,cluster_size=16k", { .size = 40 * MiB, .extended_l2 = true,
					       .cluster_size = 16384 }, false },
	{ "lazy_refcounts=on", { .size = 40 * MiB, .lazy_refcounts = true }, false },
	{ "cluster_size=2M", { .size = 40 * MiB, .cluster_size = 2 * MiB }, true },
	{ "preallocation=metadata", { .size = 40 * MiB, .prealloc = VU_PREALLOC_METADATA }, true },
	{ "preallocation=falloc,cluster_size=4k", { .size = 40 * MiB, .cluster_size = 4096,
						    .prealloc = VU_PREALLOC_FALLOC }, true },
};

/* Images made by qemu-img and by us, then written at random. */
static void test_write_random(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	path(p, f, "w.qcow2");
	for (size_t i = 0; i < ARRAY_SIZE(write_cases); i++) {
		const struct write_case *c = &write_cases[i];

		for (int ours = 0; ours < 2; ours++) {
			struct pair pr;

			if (ours)
				create_ours(p, &c->o);
			else
				assert_int_equal(tu_sh("qemu-img create -q -f qcow2 %s%s '%s' %llu",
						       c->qemu_opts[0] ? "-o " : "", c->qemu_opts,
						       p, (unsigned long long)c->o.size), 0);
			/* Data qemu wrote first: clusters, subclusters, zeros, compressed. */
			assert_int_equal(tu_sh("qemu-io -f qcow2 -c 'write -P 0x61 0 100k' "
					       "-c 'write -P 0x62 1M 4k' -c 'write -z 2M 256k' "
					       "-c 'write %s -P 0x63 4M 128k' '%s' >/dev/null",
					       c->no_compress ? "" : "-c", p), 0);
			/* Syncs for the first case; the others skip them, for time. */
			pair_open(&pr, p, i ? VU_OPEN_UNSAFE : 0);
			random_ops(&pr, i * 2 + (uint64_t)ours + 1, 250, 300 * KiB);
			pair_close(&pr, p);
		}
	}
}

/* Partial clusters take the rest from the backing file. */
static void test_backing(void **state)
{
	struct fixture *f = *state;
	char base[PATH_MAX], top[PATH_MAX];
	struct vu_create_opts o = { .size = 16 * MiB, .backing_file = "base.qcow2",
				    .backing_fmt = "qcow2" };
	struct pair pr;

	SKIP_IF_NO_QEMU(f);
	path(base, f, "base.qcow2");
	path(top, f, "top.qcow2");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 '%s' 12M && qemu-io -f qcow2 "
			       "-c 'write -P 0x5a 0 12M' '%s' >/dev/null", base, base), 0);
	for (int k = 0; k < 3; k++) {
		o.extended_l2 = k > 0;
		o.prealloc = k == 2 ? VU_PREALLOC_FALLOC : VU_PREALLOC_OFF;
		create_ours(top, &o);
		assert_clean(top);
		pair_open(&pr, top, 0);
		pair_write(&pr, 100, 1000, 3);
		pair_write(&pr, 64 * KiB - 10, 20, 5);
		pair_write(&pr, 12 * MiB - 100, 200, 7);	/* past the base's end */
		random_ops(&pr, 40 + (uint64_t)k, 150, 200 * KiB);
		pair_close(&pr, top);
	}
}

/* A backing file we did not open: no invented zeros, a clear refusal. */
static void test_backing_not_open(void **state)
{
	struct fixture *f = *state;
	char top[PATH_MAX];
	struct vu_create_opts o = { .size = MiB, .backing_file = "base.qcow2",
				    .backing_fmt = "qcow2" };
	struct vu_image *img;
	uint8_t b[512];

	SKIP_IF_NO_QEMU(f);
	path(top, f, "nb.qcow2");
	create_ours(top, &o);
	img = open_rw(top, VU_OPEN_NO_BACKING);
	memset(b, 1, sizeof(b));
	assert_int_equal(vu_image_pwrite(img, b, sizeof(b), 4096), -ENOTSUP);
	assert_non_null(strstr(vu_image_strerror(img, -ENOTSUP), "backing file"));
	vu_image_close(&img);
	assert_clean(top);
}

/* Clusters an internal snapshot shares are copied, never overwritten. */
static void test_snapshot_cow(void **state)
{
	static const char *const opts[] = { "", "compat=0.10", "cluster_size=4k", "extended_l2=on" };
	struct fixture *f = *state;
	char p[PATH_MAX], snap[PATH_MAX];
	struct pair pr;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "snap.qcow2");
	path(snap, f, "snap.raw");
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		assert_int_equal(tu_sh("qemu-img create -q -f qcow2 %s%s '%s' 24M && "
				       "qemu-io -f qcow2 -c 'write -P 0x5a 0 16M' "
				       "-c 'write -z 16M 2M' -c 'write -c -P 0x11 20M 1M' "
				       "'%s' >/dev/null",
				       opts[i][0] ? "-o " : "", opts[i], p, p), 0);
		assert_int_equal(tu_sh("qemu-img convert -O raw '%s' '%s' && qemu-img snapshot -c s1 '%s'",
				       p, snap, p), 0);
		pair_open(&pr, p, 0);
		random_ops(&pr, 77 + i, 200, 400 * KiB);
		pair_write(&pr, 0, 24 * MiB / 8, 9);
		pair_close(&pr, p);
		assert_int_equal(tu_sh("qemu-img snapshot -a s1 '%s'", p), 0);
		assert_same(p, snap);
		assert_clean(p);
	}
}

/* ---- zeroes, discard ---- */

static unsigned status_at(struct vu_image *img, uint64_t off)
{
	struct vu_bstat bs;

	assert_int_equal(vu_image_block_status(img, off, 64 * KiB, &bs), 0);
	return bs.flags;
}

static void test_zeroes(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_create_opts o = { .size = 4 * MiB };
	struct pair pr;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "z.qcow2");
	for (int v = 2; v <= 3; v++) {
		o.version = v;
		create_ours(p, &o);
		pair_open(&pr, p, 0);
		pair_write(&pr, 0, 4 * MiB, 1);
		pair_zero(&pr, 0, 64 * KiB, true);
		pair_zero(&pr, 64 * KiB, 64 * KiB, false);
		pair_zero(&pr, 200 * KiB, 10 * KiB, true);	/* part of a cluster */
		pair_discard(&pr, MiB, MiB);
		if (v == 3) {
			/* Unmapped: no host cluster; kept: zero flag over its cluster. */
			assert_int_equal(status_at(pr.img, 0) & (VU_BS_ZERO | VU_BS_OFFSET_VALID),
					 VU_BS_ZERO);
			assert_int_equal(status_at(pr.img, 64 * KiB) &
					 (VU_BS_ZERO | VU_BS_OFFSET_VALID),
					 VU_BS_ZERO | VU_BS_OFFSET_VALID);
		} else {
			assert_int_equal(status_at(pr.img, 0) & VU_BS_ALLOCATED, 0);
		}
		assert_true(status_at(pr.img, MiB) & VU_BS_ZERO);
		pair_close(&pr, p);
	}
}

/* ---- compressed clusters ---- */

static int64_t check_json(const char *p, const char *key)
{
	char *out = tu_sh_out("qemu-img check --output=json '%s' 2>/dev/null", p);
	json_object *j = json_tokener_parse(out);
	int64_t v;

	free(out);
	assert_non_null(j);
	v = jint(j, key);
	json_object_put(j);
	return v;
}

struct compress_ctx {
	struct vu_image *img;
	const uint8_t *in;
	uint8_t out[64 * 1024];
	ssize_t n;
};

static void *compress_thread(void *arg)
{
	struct compress_ctx *c = arg;

	for (int i = 0; i < 20; i++)
		c->n = vu_image_compress_cluster(c->img, c->in, c->out);
	return NULL;
}

/* The compressor is called from two threads at once and agrees with itself. */
static void check_reentrant(struct vu_image *img, const uint8_t *cluster)
{
	struct compress_ctx a = { .img = img, .in = cluster }, b = a;
	pthread_t ta, tb;

	assert_int_equal(pthread_create(&ta, NULL, compress_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, compress_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_true(a.n > 0);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.out, b.out, (size_t)a.n);
}

static void test_compressed(void **state)
{
	static const struct vu_create_opts cases[] = {
		{ .size = 8 * MiB },
		{ .size = 8 * MiB, .compression_type = 1 },
		{ .size = 8 * MiB, .refcount_bits = 1 },
		{ .size = 2 * MiB, .cluster_size = 512 },
		{ .size = 8 * MiB, .extended_l2 = true, .compression_type = 1 },
	};
	struct fixture *f = *state;
	char p[PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	path(p, f, "c.qcow2");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t cs = cases[i].cluster_size ? cases[i].cluster_size : 64 * KiB, n = 0;
		struct pair pr;

		create_ours(p, &cases[i]);
		pair_open(&pr, p, 0);
		for (uint64_t off = 0; off < cases[i].size / 2; off += cs) {
			bool text = (off / cs) % 4 != 3;

			fill(pr.buf, cs, off, text);
			assert_int_equal(vu_image_pwrite_compressed(pr.img, pr.buf, off), 0);
			assert_int_equal(pwrite(pr.raw, pr.buf, cs, (off_t)off), (ssize_t)cs);
			n += text;
		}
		if (cs == 64 * KiB) {
			fill(pr.buf, cs, 0, true);
			check_reentrant(pr.img, pr.buf);
		}
		assert_int_equal(vu_image_flush(pr.img), 0);
		vu_image_close(&pr.img);
		/* Random clusters went in plain, as qemu stores what does not shrink. */
		assert_int_equal(check_json(p, "compressed-clusters"), (int64_t)n);
		pr.img = open_rw(p, 0);
		/* Overwriting compressed clusters frees what they held. */
		random_ops(&pr, 5 + i, 60, 3 * cs);
		pair_close(&pr, p);
	}
}

/* The halves the copy engine calls from its threads, and -ENOTSUP for raw. */
static void test_compressed_halves(void **state)
{
	struct fixture *f = *state;
	struct vu_create_opts o = { .size = MiB };
	char p[PATH_MAX], r[PATH_MAX];
	struct vu_image *img;
	uint8_t *in = malloc(64 * KiB), *out = malloc(64 * KiB);
	struct pair pr;
	ssize_t n;

	SKIP_IF_NO_QEMU(f);
	assert_non_null(in);
	assert_non_null(out);
	path(p, f, "h.qcow2");
	create_ours(p, &o);
	pair_open(&pr, p, 0);
	fill(in, 64 * KiB, 1, true);
	n = vu_image_compress_cluster(pr.img, in, out);
	assert_true(n > 0 && n < (ssize_t)(64 * KiB));
	assert_int_equal(vu_image_write_compressed(pr.img, out, (size_t)n, 0), 0);
	assert_int_equal(pwrite(pr.raw, in, 64 * KiB, 0), 64 * KiB);
	fill(in, 64 * KiB, 2, false);
	assert_int_equal(vu_image_compress_cluster(pr.img, in, out), 0);
	assert_int_equal(vu_image_write_compressed(pr.img, in, 0, 128 * KiB), 0);
	assert_int_equal(pwrite(pr.raw, in, 64 * KiB, 128 * KiB), 64 * KiB);
	assert_int_equal(vu_image_write_compressed(pr.img, out, (size_t)n, 100), -EINVAL);
	pair_close(&pr, p);
	assert_int_equal(check_json(p, "compressed-clusters"), 1);
	path(r, f, "h.raw");
	assert_int_equal(tu_sh("qemu-img create -q -f raw '%s' 1M", r), 0);
	assert_int_equal(vu_image_open(&img, r, "raw", VU_OPEN_RDWR, NULL), 0);
	assert_int_equal(vu_image_pwrite_compressed(img, in, 0), -ENOTSUP);
	vu_image_close(&img);
	free(in);
	free(out);
}

/* ---- resize ---- */

static void resize_ok(struct pair *p, uint64_t size, enum vu_prealloc mode)
{
	struct vu_err e = { 0 };
	int r = vu_image_resize(p->img, size, mode, &e);

	if (r < 0)
		print_error("resize to %llu: %s\n", (unsigned long long)size, vu_err_str(&e));
	assert_int_equal(r, 0);
	assert_int_equal(ftruncate(p->raw, (off_t)size), 0);
}

static void test_resize(void **state)
{
	static const struct vu_create_opts cases[] = {
		{ .size = MiB },
		{ .size = MiB, .cluster_size = 512, .refcount_bits = 64 },
		{ .size = MiB, .version = 2 },
		{ .size = MiB, .extended_l2 = true },
	};
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct stat st;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "r.qcow2");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pair pr;

		create_ours(p, &cases[i]);
		pair_open(&pr, p, VU_OPEN_UNSAFE);
		pair_write(&pr, 0, MiB, 1);
		/* L1 growth, in place and moved; each preallocation mode. */
		resize_ok(&pr, 16 * MiB, VU_PREALLOC_OFF);
		resize_ok(&pr, 20 * MiB, VU_PREALLOC_METADATA);
		resize_ok(&pr, 22 * MiB, VU_PREALLOC_FALLOC);
		resize_ok(&pr, 23 * MiB, VU_PREALLOC_FULL);
		random_ops(&pr, 9 + i, 100, 2 * MiB);
		/* What lies past a shrunk end never comes back. */
		pair_write(&pr, 3 * MiB - 4096, 4096, 11);
		resize_ok(&pr, 3 * MiB - 2048, VU_PREALLOC_OFF);
		resize_ok(&pr, 5 * MiB, VU_PREALLOC_OFF);
		pair_close(&pr, p);
		/* The file ends where the last cluster in use ends. */
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, check_json(p, "image-end-offset"));
	}
}

static void test_resize_backing(void **state)
{
	struct fixture *f = *state;
	char base[PATH_MAX], top[PATH_MAX];
	struct vu_create_opts o = { .size = 4 * MiB, .backing_file = "rb.qcow2",
				    .backing_fmt = "qcow2" };
	struct pair pr;
	struct vu_err e = { 0 };

	SKIP_IF_NO_QEMU(f);
	path(base, f, "rb.qcow2");
	path(top, f, "rt.qcow2");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 '%s' 8M && qemu-io -f qcow2 "
			       "-c 'write -P 0x5a 0 8M' '%s' >/dev/null", base, base), 0);
	create_ours(top, &o);
	pair_open(&pr, top, 0);
	/* The raw reference has the base's first 4M; the new area must read
	 * zeros, not the longer backing file. */
	resize_ok(&pr, 12 * MiB, VU_PREALLOC_OFF);
	pair_close(&pr, top);
	pr.img = open_rw(top, 0);
	assert_int_equal(vu_image_resize(pr.img, 13 * MiB + 100, VU_PREALLOC_OFF, &e), -EINVAL);
	assert_string_equal(e.msg, "The new size must be a multiple of 512");
	assert_int_equal(vu_image_resize(pr.img, 2 * MiB, VU_PREALLOC_FULL, &e), -EINVAL);
	vu_image_close(&pr.img);
}

/* ---- amend ---- */

static void amend_ok(struct vu_image *img, const struct vu_amend_opts *o)
{
	struct vu_err e = { 0 };
	int r = vu_image_amend(img, o, &e);

	if (r < 0)
		print_error("amend: %s\n", vu_err_str(&e));
	assert_int_equal(r, 0);
}

static void amend_fails(const char *p, const struct vu_amend_opts *o, const char *msg)
{
	struct vu_image *img = open_rw(p, 0);
	struct vu_err e = { 0 };

	assert_true(vu_image_amend(img, o, &e) < 0);
	if (!strstr(e.msg, msg))
		fail_msg("'%s' lacks '%s'", e.msg, msg);
	vu_image_close(&img);
	assert_clean(p);
}

/* Every refcount width, there and back, with a snapshot counting 2. */
static void test_amend_refcounts(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], ref[PATH_MAX];
	struct vu_amend_opts o = { 0 };

	SKIP_IF_NO_QEMU(f);
	path(p, f, "a.qcow2");
	path(ref, f, "a.raw");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 -o cluster_size=4k '%s' 8M && qemu-io -f qcow2 "
			       "-c 'write -P 1 0 3M' -c 'write -z 4M 1M' '%s' >/dev/null && "
			       "qemu-img snapshot -c s1 '%s' && qemu-img convert -O raw '%s' '%s'",
			       p, p, p, p, ref), 0);
	for (unsigned bits = 2; bits <= 64; bits *= 2) {
		struct vu_image *img = open_rw(p, 0);
		json_object *j;

		o.refcount_bits = bits;
		amend_ok(img, &o);
		vu_image_close(&img);
		assert_clean(p);
		assert_same(p, ref);
		j = info_json(p);
		assert_int_equal(jint(j, "format-specific.data.refcount-bits"), bits);
		json_object_put(j);
	}
	o.refcount_bits = 1;
	amend_fails(p, &o, "Cannot decrease refcount entry width to 1 bits");
}

/* 1.1 to 0.10 and back: zero clusters become what reads the same. */
static void test_amend_compat(void **state)
{
	struct fixture *f = *state;
	char base[PATH_MAX], p[PATH_MAX], ref[PATH_MAX], snap[PATH_MAX];
	struct vu_amend_opts down = { .version = 2 }, up = { .version = 3 };
	struct vu_amend_opts lazy = { .lazy_refcounts = 1 };
	struct vu_image *img;
	json_object *j;

	SKIP_IF_NO_QEMU(f);
	path(base, f, "ab.qcow2");
	path(p, f, "at.qcow2");
	path(ref, f, "at.raw");
	path(snap, f, "ats.raw");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 '%s' 8M && qemu-io -f qcow2 -c 'write -P 7 0 8M' "
			       "'%s' >/dev/null && qemu-img create -q -f qcow2 -b ab.qcow2 -F qcow2 '%s' && "
			       "qemu-io -f qcow2 -c 'write -z 1M 1M' -c 'write -P 2 3M 64k' -c 'write -z 3M 64k' "
			       "-c 'write -z -u 5M 128k' '%s' >/dev/null && qemu-img convert -O raw '%s' '%s' && "
			       "qemu-img snapshot -c s1 '%s' && qemu-io -f qcow2 -c 'write -z 6M 1M' '%s' >/dev/null && "
			       "qemu-img convert -O raw '%s' '%s'",
			       base, base, p, p, p, snap, p, p, p, ref), 0);
	img = open_rw(p, 0);
	amend_ok(img, &lazy);
	amend_ok(img, &down);
	vu_image_close(&img);
	assert_clean(p);
	assert_same(p, ref);
	j = info_json(p);
	assert_string_equal(jstr(j, "format-specific.data.compat"), "0.10");
	json_object_put(j);
	img = open_rw(p, 0);
	amend_ok(img, &up);
	vu_image_close(&img);
	assert_clean(p);
	assert_int_equal(tu_sh("qemu-img snapshot -a s1 '%s'", p), 0);
	assert_same(p, snap);
	assert_clean(p);
}

/* What 0.10 cannot hold is refused, as qemu-img refuses it. */
static void test_amend_refusals(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_amend_opts down = { .version = 2 }, bad_lazy = { .version = 2, .lazy_refcounts = 1 };
	struct vu_amend_opts rb = { .refcount_bits = 8, .version = 2 };

	SKIP_IF_NO_QEMU(f);
	path(p, f, "ar.qcow2");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 -o extended_l2=on '%s' 1M", p), 0);
	amend_fails(p, &down, "Cannot downgrade an image with incompatible features 0x10 set");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 -o compression_type=zstd '%s' 1M && "
			       "qemu-io -f qcow2 -c 'write -c -P 1 0 64k' '%s' >/dev/null",
			       p, p), 0);
	amend_fails(p, &down, "zstd compression type and existing compressed clusters");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 -o refcount_bits=8 '%s' 1M", p), 0);
	amend_fails(p, &down, "compat=0.10 requires refcount_bits=16");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 '%s' 1M && qemu-img bitmap --add '%s' b0", p, p), 0);
	amend_fails(p, &down, "bitmaps");
	amend_fails(p, &bad_lazy, "Lazy refcounts only supported");
	amend_fails(p, &rb, "Refcount widths other than 16 bits");
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 '%s' 1M && qemu-io -f qcow2 -c 'write 0 64k' '%s' "
			       ">/dev/null && qemu-img snapshot -c s1 '%s' && qemu-img resize -q '%s' 2M",
			       p, p, p, p), 0);
	amend_fails(p, &down, "Internal snapshots prevent downgrade");
}

/* Header extensions we do not know survive a header rewrite. */
static void test_unknown_extension(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_create_opts o = { .size = MiB };
	struct vu_amend_opts down = { .version = 2 }, up = { .version = 3 };
	static const uint8_t ext[16] = { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
	uint8_t hdr[4096];
	struct vu_image *img;
	int fd;
	size_t end;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "x.qcow2");
	create_ours(p, &o);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
	/* The end marker follows the feature table (8 entries of 48 bytes). */
	end = 112 + 8 + 8 * 48;
	assert_memory_equal(hdr + end, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(pwrite(fd, ext, sizeof(ext), (off_t)end), sizeof(ext));
	close(fd);
	for (int i = 0; i < 2; i++) {
		img = open_rw(p, 0);
		amend_ok(img, i ? &up : &down);
		vu_image_close(&img);
		assert_clean(p);
		fd = open(p, O_RDONLY);
		assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
		close(fd);
		assert_non_null(memmem(hdr, sizeof(hdr), ext, sizeof(ext)));
	}
}

/* ---- what is refused ---- */

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_create_opts o = { .size = MiB };
	struct vu_image *img;
	struct vu_err e = { 0 };
	uint8_t b[512] = { 1 }, bit = 0x20;
	int fd;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "ro.qcow2");
	create_ours(p, &o);
	assert_int_equal(vu_image_open(&img, p, "qcow2", 0, &e), 0);
	assert_int_equal(vu_image_pwrite(img, b, sizeof(b), 0), -EBADF);
	vu_image_close(&img);
	img = open_rw(p, 0);
	assert_int_equal(vu_image_pwrite(img, b, sizeof(b), MiB - 100), -EINVAL);
	assert_int_equal(vu_image_pwrite_zeroes(img, MiB, 1, true), -EINVAL);
	vu_image_close(&img);
	/* An unknown incompatible feature (bit 5) keeps every writer out. */
	fd = open(p, O_RDWR);
	assert_int_equal(pwrite(fd, &bit, 1, 79), 1);
	close(fd);
	assert_true(vu_image_open(&img, p, "qcow2", VU_OPEN_RDWR, &e) < 0);
	assert_non_null(strstr(e.msg, "unsupported qcow2 feature"));
}

/* A refcount of 0 on the header's cluster (a corrupt image) never hands
 * the header out to new data (it crashed the writer, fuzz_qcow2_write). */
static void test_header_never_allocated(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_create_opts o = { .size = MiB, .cluster_size = 4096 };
	struct vu_image *img;
	uint8_t b[4096], be[8], zero[2] = { 0, 0 };
	uint64_t rt = 0, rb = 0;
	int fd;

	SKIP_IF_NO_QEMU(f);
	memset(b, 0x5a, sizeof(b));
	path(p, f, "rc0.qcow2");
	create_ours(p, &o);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, be, 8, 48), 8);
	for (int i = 0; i < 8; i++)
		rt = rt << 8 | be[i];
	assert_int_equal(pread(fd, be, 8, (off_t)rt), 8);
	for (int i = 0; i < 8; i++)
		rb = rb << 8 | be[i];
	assert_int_equal(pwrite(fd, zero, 2, (off_t)rb), 2);
	close(fd);
	img = open_rw(p, 0);
	assert_int_equal(vu_image_pwrite(img, b, sizeof(b), 0), 0);
	vu_image_close(&img);
	fd = open(p, O_RDONLY);
	assert_int_equal(pread(fd, be, 4, 0), 4);
	close(fd);
	assert_memory_equal(be, "QFI\xfb", 4);
	tu_sh_ok("qemu-io -c 'read -P 0x5a 0 4k' '%s' | grep -q '^read 4096/4096'", p);
}

/* O_DIRECT: metadata and unaligned data go through aligned buffers. */
static void test_direct(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_create_opts o = { .size = 8 * MiB };
	struct vu_image *img = NULL;
	struct pair pr;
	int fd;

	SKIP_IF_NO_QEMU(f);
	path(p, f, "d.qcow2");
	create_ours(p, &o);
	fd = open(p, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		print_message("no O_DIRECT here: skip\n");
		skip();
	}
	close(fd);
	pair_open(&pr, p, VU_OPEN_DIRECT);
	random_ops(&pr, 3, 100, 200 * KiB);
	pair_close(&pr, p);
	vu_image_close(&img);
}

/* A lazy-refcounts writer that dies leaves the dirty bit; opening for
 * writing repairs the refcounts first. */
static void test_dirty_repair(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX];
	struct vu_create_opts o = { .size = 8 * MiB, .lazy_refcounts = true };
	struct vu_image *img;
	json_object *j;
	uint8_t *b = malloc(MiB);
	pid_t pid;
	int st;

	SKIP_IF_NO_QEMU(f);
	assert_non_null(b);
	path(p, f, "lazy.qcow2");
	create_ours(p, &o);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		img = open_rw(p, 0);
		memset(b, 0x42, MiB);
		for (int i = 0; i < 4; i++)
			vu_image_pwrite(img, b, MiB, (uint64_t)i * 2 * MiB);
		vu_image_flush(img);
		_exit(0);	/* no close: the dirty bit stays */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	j = info_json(p);
	assert_true(jbool(j, "dirty-flag"));
	json_object_put(j);
	img = open_rw(p, 0);
	assert_int_equal(vu_image_pread(img, b, MiB, 6 * MiB), 0);
	assert_int_equal(b[0], 0x42);
	assert_int_equal(b[MiB - 1], 0x42);
	vu_image_close(&img);
	assert_clean(p);
	j = info_json(p);
	assert_false(jbool(j, "dirty-flag"));
	json_object_put(j);
	free(b);
}

/* ---- crashes ---- */

enum crash_kind { CK_PLAIN, CK_SMALL, CK_SNAPSHOT, CK_COMPRESSED, CK_RESIZE, CK_LAZY };

/*
 * A kill leaves what the writer handed the kernel, in the order it did:
 * that order is what these check. Syncs do not change it, so most cases
 * skip them (VU_OPEN_UNSAFE) to run faster; "plain" keeps them.
 */
struct crash_case {
	enum crash_kind kind;
	const char *name;
	const char *create;	/* qemu-img create -o */
	uint64_t size;
	int batches;
	unsigned flags;
};

static const struct crash_case crash_cases[] = {
	{ CK_PLAIN, "plain", "", 16 * MiB, 8, 0 },
	{ CK_SMALL, "512B clusters, 64-bit refcounts", "cluster_size=512,refcount_bits=64", 4 * MiB,
	  6, VU_OPEN_UNSAFE },
	{ CK_SNAPSHOT, "snapshot", "cluster_size=4k", 16 * MiB, 8, VU_OPEN_UNSAFE },
	{ CK_COMPRESSED, "compressed", "", 16 * MiB, 6, VU_OPEN_UNSAFE },
	{ CK_RESIZE, "resize", "cluster_size=512", 2 * MiB, 4, VU_OPEN_UNSAFE },
	{ CK_LAZY, "lazy refcounts", "lazy_refcounts=on", 16 * MiB, 6, VU_OPEN_UNSAFE },
};

/* Where batch b writes, and with what: disjoint areas, odd sizes that
 * cross clusters, so that a batch's data is all its own. */
static void batch_area(const struct crash_case *c, int b, uint64_t *off, size_t *len)
{
	uint64_t slot = c->size / 2 / (uint64_t)c->batches;

	*off = (uint64_t)b * slot + 1000 * (uint64_t)b + 512;
	*len = (size_t)(slot / 2 + 777 * (uint64_t)b);
}

static void batch_ops(struct vu_image *img, const struct crash_case *c, int b, uint8_t *buf)
{
	uint64_t off, half = c->size / 2;
	size_t len;
	struct vu_err e;

	batch_area(c, b, &off, &len);
	memset(buf, 0x10 + b, len);
	if (c->kind == CK_COMPRESSED) {
		for (uint64_t o = off & ~(64 * KiB - 1); o + 64 * KiB <= off + len; o += 64 * KiB)
			vu_image_pwrite_compressed(img, buf, o);
		/* The cluster partly outside the area keeps its own bytes. */
	} else {
		vu_image_pwrite(img, buf, len, off);
	}
	/* Zeros and a discard over what qemu wrote before (upper half). */
	vu_image_pwrite_zeroes(img, half + (uint64_t)b * (half / (uint64_t)c->batches), 70 * KiB, b & 1);
	vu_image_discard(img, half + (uint64_t)b * (half / (uint64_t)c->batches) + 128 * KiB, 128 * KiB);
	if (c->kind == CK_RESIZE) {
		vu_image_resize(img, c->size + (uint64_t)(b + 1) * 8 * MiB, VU_PREALLOC_OFF, &e);
		vu_image_resize(img, c->size + (uint64_t)b * 8 * MiB + MiB, VU_PREALLOC_OFF, &e);
	}
}

/* The child: the batches, a flush after each, reporting each committed. */
static void crash_child(const char *p, const struct crash_case *c, long budget, int report)
{
	struct vu_image *img = NULL;
	uint8_t *buf = malloc(4 * MiB);

	if (!buf || vu_image_open(&img, p, "qcow2", VU_OPEN_RDWR | c->flags, NULL) < 0)
		_exit(2);
	crash_fd = img->fd;
	crash_left = budget;
	for (int b = 0; b < c->batches; b++) {
		batch_ops(img, c, b, buf);
		if (vu_image_flush(img) < 0)
			_exit(3);
		if (write(report, &b, sizeof(b)) != sizeof(b))
			_exit(4);
	}
	vu_image_close(&img);
	if (write(report, &crash_writes, sizeof(crash_writes)) != sizeof(crash_writes))
		_exit(4);
	_exit(0);
}

/* Runs the child with a write budget; returns the last batch committed
 * (-1: none) and, when it finished, how many writes it made. */
static int crash_run(const char *p, const struct crash_case *c, long budget, long *writes)
{
	int fds[2], last = -1, b, st;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(p, c, budget, fds[1]);
	}
	close(fds[1]);
	for (int i = 0; i < c->batches && read(fds[0], &b, sizeof(b)) == sizeof(b); i++)
		last = b;
	if (last == c->batches - 1 && writes &&
	    read(fds[0], writes, sizeof(*writes)) != sizeof(*writes))
		*writes = -1;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fail_msg("%s: writer child ended with status 0x%x", c->name, st);
	return last;
}

/* Every batch up to last reads back as written. */
static void crash_verify(const char *p, const struct crash_case *c, int last, long budget)
{
	struct vu_image *img = NULL;
	uint8_t *buf = malloc(4 * MiB);
	uint64_t half = c->size / 2;

	assert_non_null(buf);
	assert_int_equal(vu_image_open(&img, p, "qcow2", 0, NULL), 0);
	for (int b = 0; b <= last; b++) {
		uint64_t off, z = half + (uint64_t)b * (half / (uint64_t)c->batches);
		size_t len;

		batch_area(c, b, &off, &len);
		if (c->kind == CK_COMPRESSED) {
			uint64_t s = (off + 64 * KiB - 1) & ~(64 * KiB - 1);

			len = (size_t)(((off + len) & ~(64 * KiB - 1)) - s);
			off = s;
		}
		assert_int_equal(vu_image_pread(img, buf, len, off), 0);
		for (size_t i = 0; i < len; i++)
			if (buf[i] != 0x10 + b)
				fail_msg("%s, crash after %ld writes: batch %d byte %llu is 0x%x",
					 c->name, budget, b, (unsigned long long)(off + i), buf[i]);
		assert_int_equal(vu_image_pread(img, buf, 70 * KiB, z), 0);
		assert_true(buf[0] == 0 && buf[70 * KiB - 1] == 0);
	}
	vu_image_close(&img);
	free(buf);
}

/* qemu-img finds nothing worse than leaks; a dirty lazy image is
 * repaired as qemu would on open, then must be clean. */
static void crash_check(const char *p, const struct crash_case *c, long budget)
{
	int st = qemu_check(p);

	if (c->kind == CK_LAZY) {
		struct vu_image *img = open_rw(p, 0);

		vu_image_close(&img);
		st = qemu_check(p);
	}
	if (st != 0 && st != 3) {
		tu_sh("qemu-img check '%s' >&2", p);
		fail_msg("%s, crash after %ld writes: qemu-img check exit %d", c->name, budget, st);
	}
}

static void crash_prepare(const struct fixture *f, const struct crash_case *c, const char *pristine)
{
	assert_int_equal(tu_sh("qemu-img create -q -f qcow2 %s%s '%s' %llu && qemu-io -f qcow2 "
			       "-c 'write -P 0x77 %llu %llu' '%s' >/dev/null", c->create[0] ? "-o " : "",
			       c->create, pristine, (unsigned long long)c->size,
			       (unsigned long long)(c->size / 2), (unsigned long long)(c->size / 2),
			       pristine), 0);
	if (c->kind == CK_SNAPSHOT) {
		assert_int_equal(tu_sh("qemu-io -f qcow2 -c 'write -P 0x66 0 %llu' "
				       "'%s' >/dev/null && "
				       "qemu-img convert -O raw '%s' '%s/snap.raw' && "
				       "qemu-img snapshot -c s1 '%s'",
				       (unsigned long long)(c->size / 2), pristine, pristine,
				       f->dir, pristine), 0);
	}
}

/* The snapshot is never written through: applying it gives its data. */
static void crash_snapshot(const struct fixture *f, const char *p)
{
	char raw[PATH_MAX];

	path(raw, f, "snap.raw");
	assert_int_equal(tu_sh("qemu-img snapshot -a s1 '%s'", p), 0);
	assert_same(p, raw);
}

static void test_crash(void **state)
{
	struct fixture *f = *state;
	char pristine[PATH_MAX], p[PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	path(pristine, f, "pristine.qcow2");
	path(p, f, "crash.qcow2");
	for (size_t i = 0; i < ARRAY_SIZE(crash_cases); i++) {
		const struct crash_case *c = &crash_cases[i];
		long total = -1, step;

		crash_prepare(f, c, pristine);
		assert_int_equal(tu_sh("cp '%s' '%s'", pristine, p), 0);
		assert_int_equal(crash_run(p, c, -1, &total), c->batches - 1);
		assert_true(total > 0);
		/* Every write point for the first 30, then some 60 more spread out. */
		step = total > 90 ? (total - 30) / 60 : 1;
		for (long n = 0; n < total; n += n < 30 ? 1 : step) {
			int last;

			assert_int_equal(tu_sh("cp '%s' '%s'", pristine, p), 0);
			last = crash_run(p, c, n, NULL);
			crash_check(p, c, n);
			crash_verify(p, c, last, n);
			if (c->kind == CK_SNAPSHOT)
				crash_snapshot(f, p);
		}
		print_message("%s: %ld writes, crashes checked\n", c->name, total);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_refusals),
		cmocka_unit_test(test_write_random),
		cmocka_unit_test(test_backing),
		cmocka_unit_test(test_backing_not_open),
		cmocka_unit_test(test_snapshot_cow),
		cmocka_unit_test(test_zeroes),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_compressed_halves),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_resize_backing),
		cmocka_unit_test(test_amend_refcounts),
		cmocka_unit_test(test_amend_compat),
		cmocka_unit_test(test_amend_refusals),
		cmocka_unit_test(test_unknown_extension),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_header_never_allocated),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_dirty_repair),
		cmocka_unit_test(test_crash),
	};

	/* VU_TEST_FILTER=test_crash runs one test (cmocka's wildcards). */
	if (getenv("VU_TEST_FILTER"))
		cmocka_set_test_filter(getenv("VU_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
