/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qcow2.c - the qcow2 reader against qemu-img on images made at test time */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "vu/base.h"
#include "vu/image.h"
#include "testutil.h"

/* White-box: the drivers' view of struct vu_image (layers, flags, fds),
 * refcount entries, and why the last read failed. */
#include "../../libshared/img/qcow2.h"

#define CHUNK ((1u << 20) + 4093)	/* odd, so reads straddle clusters */
#define READ_CAP (64u << 20)

struct fixture {
	bool skip;
	char top[PATH_MAX];
	char var[PATH_MAX + 16];	/* valid variants and their .raw */
	char hostile[PATH_MAX + 16];
};

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char mkv[PATH_MAX], mkh[PATH_MAX];

	assert_non_null(f);
	*state = f;
	if (!tu_have_qemu() || !tu_fixture_script("mkvariants.sh", mkv, sizeof(mkv)) ||
	    !tu_fixture_script("mkhostile.sh", mkh, sizeof(mkh))) {
		f->skip = true;
		return 0;
	}
	/* Not /tmp: it may be tmpfs, which has no O_DIRECT. */
	assert_int_equal(tu_scratch_disk(f->top, sizeof(f->top), "test_qcow2"), 0);
	snprintf(f->var, sizeof(f->var), "%s/var", f->top);
	snprintf(f->hostile, sizeof(f->hostile), "%s/hostile", f->top);
	assert_int_equal(tu_sh("%s %s", mkv, f->var), 0);
	assert_int_equal(tu_sh("%s %s", mkh, f->hostile), 0);
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;

	return tu_scratch_free(f, f->top);
}

/* Names of the regular files in dir that have no extension. */
static int list_images(const char *dir, char names[][64], int max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) && n < max) {
		struct stat st;

		if (strchr(de->d_name, '.') || strlen(de->d_name) >= 64 ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	return n;
}

/* Sequential reads in odd chunks, then scattered small ones. */
static void compare_reads(const char *name, struct vu_image *img, const uint8_t *ref)
{
	uint8_t *buf = malloc(CHUNK);
	uint64_t seed = 12345;

	assert_non_null(buf);
	for (uint64_t off = 0; off < img->size; off += CHUNK) {
		size_t n = img->size - off < CHUNK ? (size_t)(img->size - off) : CHUNK;

		assert_int_equal(vu_image_pread(img, buf, n, off), 0);
		if (memcmp(buf, ref + off, n) != 0)
			fail_msg("%s: bytes differ in [%llu, +%zu)", name,
				 (unsigned long long)off, n);
	}
	for (int i = 0; i < 300 && img->size; i++) {
		uint64_t off, n;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		off = (seed >> 11) % img->size;
		n = 1 + (seed >> 40) % 200000;
		if (n > img->size - off)
			n = img->size - off;
		assert_int_equal(vu_image_pread(img, buf, (size_t)n, off), 0);
		if (memcmp(buf, ref + off, (size_t)n) != 0)
			fail_msg("%s: bytes differ at %llu+%llu", name,
				 (unsigned long long)off, (unsigned long long)n);
	}
	free(buf);
}

/* Block status must tile the disk; zeros must be zeros, and a host offset
 * must hold the bytes the guest sees. */
static void check_status(const char *name, struct vu_image *img, const uint8_t *ref)
{
	uint64_t off = 0;
	uint8_t *buf = NULL;

	while (off < img->size) {
		struct vu_bstat bs;

		assert_int_equal(vu_image_block_status(img, off, img->size - off, &bs), 0);
		assert_true(bs.len > 0 && bs.len <= img->size - off);
		if ((bs.flags & VU_BS_ZERO) && !vu_buf_is_zero(ref + off, (size_t)bs.len))
			fail_msg("%s: zero status but data at %llu", name, (unsigned long long)off);
		if ((bs.flags & VU_BS_DATA) && (bs.flags & VU_BS_OFFSET_VALID) && bs.layer &&
		    bs.layer->drv == &vu_drv_qcow2 &&
		    !(bs.layer->flags & VU_OPEN_DIRECT)) {
			buf = realloc(buf, (size_t)bs.len);
			assert_non_null(buf);
			assert_int_equal(pread(bs.layer->fd, buf, (size_t)bs.len, (off_t)bs.offset),
					 (ssize_t)bs.len);
			if (memcmp(buf, ref + off, (size_t)bs.len) != 0)
				fail_msg("%s: host offset %llu does not hold guest %llu", name,
					 (unsigned long long)bs.offset, (unsigned long long)off);
		}
		if (bs.flags & VU_BS_COMPRESSED)
			assert_true(bs.flags & VU_BS_DATA);
		off += bs.len;
	}
	free(buf);
}

static void compare_variant(const char *dir, const char *name, const char *fmt, unsigned flags)
{
	char path[PATH_MAX + 80], rawpath[PATH_MAX + 90];
	struct vu_image *img = NULL;
	struct vu_err e;
	size_t rawlen;
	uint8_t *ref;
	int r;

	tu_path(path, sizeof(path), dir, name);
	snprintf(rawpath, sizeof(rawpath), "%s.raw", path);
	ref = tu_read(rawpath, &rawlen);
	vu_err_clear(&e);
	r = vu_image_open(&img, path, fmt, flags, &e);
	if (r < 0)
		fail_msg("%s: open: %s", name, vu_err_str(&e));
	assert_ptr_equal(img->drv, &vu_drv_qcow2);
	assert_int_equal(img->size, rawlen);
	compare_reads(name, img, ref);
	check_status(name, img, ref);
	vu_image_close(&img);
	free(ref);
}

static void test_variants(void **state)
{
	struct fixture *f = *state;
	char names[128][64];
	int n;

	SKIP_IF_NO_QEMU(f);
	n = list_images(f->var, names, 128);
	assert_true(n >= 35);
	for (int i = 0; i < n; i++)
		compare_variant(f->var, names[i], NULL, 0);
}

/* cache=none: metadata and compressed clusters are not aligned. */
static void test_direct(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "v3", "zlib-c512", "zstd", "chain-top", "extl2" };
	struct vu_image *img = NULL;
	char path[PATH_MAX + 16];

	SKIP_IF_NO_QEMU(f);
	tu_path(path, sizeof(path), f->var, "v3");
	if (vu_image_open(&img, path, "qcow2", VU_OPEN_DIRECT, NULL) < 0) {
		print_message("no O_DIRECT here: skip\n");
		skip();
	}
	vu_image_close(&img);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		compare_variant(f->var, names[i], "qcow2", VU_OPEN_DIRECT);
}

static struct vu_image *open_ok(const char *dir, const char *name, unsigned flags)
{
	char path[PATH_MAX + 80];
	struct vu_image *img = NULL;
	struct vu_err e;

	tu_path(path, sizeof(path), dir, name);
	if (vu_image_open(&img, path, "qcow2", flags, &e) < 0)
		fail_msg("%s: %s", name, vu_err_str(&e));
	return img;
}

static void test_backing_names(void **state)
{
	struct fixture *f = *state;
	struct vu_image *img;

	SKIP_IF_NO_QEMU(f);
	img = open_ok(f->var, "chain-top", VU_OPEN_NO_BACKING);
	assert_string_equal(vu_image_backing_file(img), "chain-mid");
	assert_string_equal(vu_image_backing_fmt(img), "qcow2");
	assert_null(vu_image_backing(img));
	vu_image_close(&img);
	img = open_ok(f->var, "chain-top", 0);
	assert_int_equal(vu_image_chain_depth(img), 2);
	vu_image_close(&img);
	img = open_ok(f->var, "backing-raw", 0);
	assert_string_equal(vu_image_backing_fmt(img), "raw");
	assert_string_equal(vu_image_format_name(vu_image_backing(img)), "raw");
	vu_image_close(&img);
	img = open_ok(f->var, "backing-nofmt", 0);
	assert_null(vu_image_backing_fmt(img));
	assert_string_equal(vu_image_format_name(vu_image_backing(img)), "qcow2");
	vu_image_close(&img);
	img = open_ok(f->var, "v3", 0);
	assert_null(vu_image_backing_file(img));
	assert_null(vu_image_backing_fmt(img));
	vu_image_close(&img);
}

/* Flags seen over the whole of one layer (the chain walk not involved). */
static unsigned seen_flags(struct vu_image *img, uint64_t *min_len)
{
	unsigned seen = 0;

	*min_len = UINT64_MAX;
	for (uint64_t off = 0; off < img->size;) {
		struct vu_bstat bs = { 0 };

		assert_int_equal(img->drv->block_status(img, off, img->size - off, &bs), 0);
		assert_true(bs.len > 0 && bs.len <= img->size - off);
		seen |= 1u << (bs.flags & 31);
		if (bs.len < *min_len)
			*min_len = bs.len;
		off += bs.len;
	}
	return seen;
}

#define SEEN(flags) (1u << (flags))

static void test_status_kinds(void **state)
{
	struct fixture *f = *state;
	struct vu_image *img;
	uint64_t min_len;
	unsigned seen;

	SKIP_IF_NO_QEMU(f);
	img = open_ok(f->var, "v3", VU_OPEN_NO_BACKING);
	seen = seen_flags(img, &min_len);
	assert_true(seen & SEEN(VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID));
	assert_true(seen & SEEN(VU_BS_ZERO | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID));
	assert_true(seen & SEEN(VU_BS_ZERO | VU_BS_ALLOCATED));
	assert_true(seen & SEEN(0));
	vu_image_close(&img);
	img = open_ok(f->var, "zstd-mixed", VU_OPEN_NO_BACKING);
	seen = seen_flags(img, &min_len);
	assert_true(seen & SEEN(VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_COMPRESSED));
	assert_true(seen & SEEN(VU_BS_DATA | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID));
	vu_image_close(&img);
	/* 64 KiB clusters, 2 KiB subclusters: runs end inside clusters. */
	img = open_ok(f->var, "extl2", VU_OPEN_NO_BACKING);
	seen = seen_flags(img, &min_len);
	assert_int_equal(min_len, 2048);
	assert_true(seen & SEEN(VU_BS_ZERO | VU_BS_ALLOCATED | VU_BS_OFFSET_VALID));
	vu_image_close(&img);
	/* 4100 KiB: the last cluster is partial. */
	img = open_ok(f->var, "odd-size", VU_OPEN_NO_BACKING);
	seen_flags(img, &min_len);
	vu_image_close(&img);
}

static void test_corrupt_bit(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	struct vu_image *img = NULL;
	struct vu_info info;
	struct vu_err e;

	SKIP_IF_NO_QEMU(f);
	tu_path(path, sizeof(path), f->var, "corrupt");
	assert_int_equal(vu_image_open(&img, path, "qcow2", VU_OPEN_RDWR, &e), -EACCES);
	assert_string_equal(e.msg, "image is corrupt; cannot be opened read/write");
	assert_null(img);
	img = open_ok(f->var, "corrupt", 0);
	assert_int_equal(vu_image_info(img, &info), 0);
	assert_string_equal(info.kv[4].key, "corrupt");
	assert_true(info.kv[4].b);
	vu_image_close(&img);
	img = open_ok(f->var, "dirty", 0);
	assert_int_equal(vu_image_info(img, &info), 0);
	assert_true(info.dirty);
	vu_image_close(&img);
}

/* qemu-img's JSON for one image, parsed. */
static json_object *qemu_json(const char *what, const char *dir, const char *name)
{
	char out[PATH_MAX + 80];
	json_object *j;

	snprintf(out, sizeof(out), "%s/%s.json", dir, name);
	assert_int_equal(tu_sh("cd '%s' && qemu-img %s --output=json '%s' > '%s'", dir, what,
			       name, out), 0);
	j = json_object_from_file(out);
	assert_non_null(j);
	unlink(out);
	return j;
}

static void compare_kv(const char *name, const struct vu_kv *kv, json_object *v)
{
	switch (kv->type) {
	case VU_KV_STR:
		if (strcmp(kv->str, json_object_get_string(v)) != 0)
			fail_msg("%s: %s is %s, qemu-img says %s", name, kv->key, kv->str,
				 json_object_get_string(v));
		break;
	case VU_KV_BOOL:
		if (kv->b != json_object_get_boolean(v))
			fail_msg("%s: %s differs", name, kv->key);
		break;
	case VU_KV_INT:
		if (kv->i != json_object_get_int64(v))
			fail_msg("%s: %s differs", name, kv->key);
		break;
	case VU_KV_BITMAPS:
		if (json_object_get_type(v) != json_type_array)
			fail_msg("%s: qemu-img has no bitmap list", name);
		/* The entries themselves are compared by the CLI suite. */
		break;
	case VU_KV_EXTENTS:
		fail_msg("%s: a qcow2 image has no extent list", name);
		break;
	}
}

static void compare_info(const char *dir, const char *name)
{
	json_object *j = qemu_json("info", dir, name), *data, *v;
	struct vu_image *img = open_ok(dir, name, VU_OPEN_NO_BACKING);
	struct vu_info info;
	int i = 0;

	assert_int_equal(vu_image_info(img, &info), 0);
	assert_true(json_object_object_get_ex(j, "cluster-size", &v));
	assert_int_equal(info.cluster_size, json_object_get_int64(v));
	assert_true(json_object_object_get_ex(j, "dirty-flag", &v));
	assert_int_equal(info.dirty, json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(j, "format-specific", &v));
	assert_true(json_object_object_get_ex(v, "data", &data));
	json_object_object_foreach(data, key, val) {
		if (i >= info.nkv || strcmp(info.kv[i].key, key) != 0)
			fail_msg("%s: key %d is %s, qemu-img has %s", name, i,
				 i < info.nkv ? info.kv[i].key : "(none)", key);
		compare_kv(name, &info.kv[i], val);
		i++;
	}
	assert_int_equal(i, info.nkv);
	vu_info_free(&info);
	vu_image_close(&img);
	json_object_put(j);
}

static void test_info(void **state)
{
	struct fixture *f = *state;
	char names[128][64];
	int n;

	SKIP_IF_NO_QEMU(f);
	n = list_images(f->var, names, 128);
	for (int i = 0; i < n; i++)
		compare_info(f->var, names[i]);
}

/* One entry of qemu-img map against our status over the same bytes. */
static void compare_map_entry(const char *name, struct vu_image *img, json_object *m)
{
	json_object *v;
	uint64_t start, len, qoff = 0;
	bool present, zero, data, has_off;
	int depth;

	json_object_object_get_ex(m, "start", &v), start = (uint64_t)json_object_get_int64(v);
	json_object_object_get_ex(m, "length", &v), len = (uint64_t)json_object_get_int64(v);
	json_object_object_get_ex(m, "depth", &v), depth = json_object_get_int(v);
	json_object_object_get_ex(m, "present", &v), present = json_object_get_boolean(v);
	json_object_object_get_ex(m, "zero", &v), zero = json_object_get_boolean(v);
	json_object_object_get_ex(m, "data", &v), data = json_object_get_boolean(v);
	has_off = json_object_object_get_ex(m, "offset", &v);
	if (has_off)
		qoff = (uint64_t)json_object_get_int64(v);
	for (uint64_t off = start; off < start + len;) {
		struct vu_bstat bs;

		assert_int_equal(vu_image_block_status(img, off, start + len - off, &bs), 0);
		if (present != !!(bs.flags & VU_BS_ALLOCATED) || data != !!(bs.flags & VU_BS_DATA) ||
		    (zero && !data && !(bs.flags & VU_BS_ZERO)) ||
		    ((bs.flags & VU_BS_ZERO) && !zero) || (present && depth != bs.depth) ||
		    has_off != !!(bs.flags & VU_BS_OFFSET_VALID) ||
		    (has_off && bs.offset != qoff + (off - start)))
			fail_msg("%s: map differs at %llu: qemu-img present %d zero %d data %d "
				 "depth %d offset %llu; ours flags %#x depth %d offset %llu",
				 name, (unsigned long long)off, present, zero, data, depth,
				 (unsigned long long)qoff, bs.flags, bs.depth,
				 (unsigned long long)bs.offset);
		off += bs.len;
	}
}

static void test_map(void **state)
{
	struct fixture *f = *state;
	char names[128][64];
	int n;

	SKIP_IF_NO_QEMU(f);
	n = list_images(f->var, names, 128);
	for (int i = 0; i < n; i++) {
		json_object *j = qemu_json("map", f->var, names[i]);
		struct vu_image *img = open_ok(f->var, names[i], 0);

		for (size_t k = 0; k < json_object_array_length(j); k++)
			compare_map_entry(names[i], img, json_object_array_get_idx(j, k));
		vu_image_close(&img);
		json_object_put(j);
	}
}

/* Reads everything (up to a cap) and walks the status; the first error
 * ends it. Returns whether anything failed. */
static bool read_fails(struct vu_image *img)
{
	uint64_t end = img->size < READ_CAP ? img->size : READ_CAP;
	uint8_t *buf = malloc(CHUNK);
	bool failed = false;

	assert_non_null(buf);
	for (uint64_t off = 0; off < end && !failed; off += CHUNK) {
		size_t n = end - off < CHUNK ? (size_t)(end - off) : CHUNK;

		failed = vu_image_pread(img, buf, n, off) < 0;
	}
	for (uint64_t off = 0; off < end && !failed;) {
		struct vu_bstat bs;

		failed = vu_image_block_status(img, off, end - off, &bs) < 0;
		off += failed ? 0 : bs.len;
	}
	free(buf);
	return failed;
}

static const struct {
	const char *name;
	const char *msg;	/* expected message, or NULL for any */
} hostile_msgs[] = {
	{ "encryption-patched", "unsupported qcow2 feature: encryption" },
	{ "encryption-aes", "unsupported qcow2 feature: encryption" },
	{ "encryption-luks", "unsupported qcow2 feature: encryption" },
	{ "data-file", "unsupported qcow2 feature: external data file" },
	{ "unknown-incompat", "unsupported qcow2 feature: incompatible feature bit 5" },
	{ "unknown-incompat-named", "unsupported qcow2 feature: frobnication" },
	{ "l1-overlaps-header", "l1 table overlaps the header" },
	{ "cluster-bits-8", "unsupported cluster size (cluster_bits 8)" },
	{ "cluster-bits-22", "unsupported cluster size (cluster_bits 22)" },
	{ "l1-size-huge", "l1 table too large" },
	{ "size-overflow", "virtual size too large for the cluster size" },
};

static void check_hostile(const char *dir, const char *name)
{
	char path[PATH_MAX + 80];
	struct vu_image *img = NULL;
	struct vu_err e;
	int r;

	tu_path(path, sizeof(path), dir, name);
	vu_err_clear(&e);
	r = vu_image_open(&img, path, "qcow2", 0, &e);
	if (r == 0) {
		if (!read_fails(img))
			fail_msg("%s: opened and read without error", name);
		if (getenv("VU_VERBOSE"))
			print_message("%s: read: %s\n", name, qcow2_last_error(img));
		vu_image_close(&img);
		return;
	}
	assert_null(img);
	assert_true(e.code > 0 && r == -e.code);
	if (getenv("VU_VERBOSE"))
		print_message("%s: %s\n", name, vu_err_str(&e));
	for (size_t i = 0; i < ARRAY_SIZE(hostile_msgs); i++)
		if (strcmp(name, hostile_msgs[i].name) == 0 &&
		    strcmp(vu_err_str(&e), hostile_msgs[i].msg) != 0)
			fail_msg("%s: message '%s', want '%s'", name, vu_err_str(&e),
				 hostile_msgs[i].msg);
	if (strncmp(name, "backing-loop", 12) == 0 || strcmp(name, "backing-self") == 0)
		assert_int_equal(r, -ELOOP);
}

static void test_hostile(void **state)
{
	struct fixture *f = *state;
	char names[128][64];
	int n;

	SKIP_IF_NO_QEMU(f);
	n = list_images(f->hostile, names, 128);
	assert_true(n >= 40);
	for (int i = 0; i < n; i++)
		check_hostile(f->hostile, names[i]);
}

/* Refcount entries of every width, as qemu lays them out; setting one
 * leaves its neighbours alone. */
static void test_refcount_entries(void **state)
{
	static const struct { unsigned order; uint64_t i, v; uint8_t bytes[8]; } known[] = {
		{ 0, 9, 1, { [1] = 0x02 } },
		{ 1, 5, 2, { [1] = 0x08 } },
		{ 2, 3, 0xa, { [1] = 0xa0 } },
		{ 3, 2, 0xab, { [2] = 0xab } },
		{ 4, 1, 0x1234, { [2] = 0x12, [3] = 0x34 } },
		{ 5, 1, 0x01020304, { [4] = 1, 2, 3, 4 } },
	};
	uint8_t blk[512];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(known); k++) {
		memset(blk, 0, sizeof(blk));
		qcow2_rc_entry_set(blk, known[k].order, known[k].i, known[k].v);
		assert_memory_equal(blk, known[k].bytes, 8);
		assert_true(vu_buf_is_zero(blk + 8, sizeof(blk) - 8));
		assert_int_equal(qcow2_rc_entry_get(blk, known[k].order, known[k].i), known[k].v);
	}
	memset(blk, 0, sizeof(blk));
	qcow2_rc_entry_set(blk, 6, 1, 0x0102030405060708ull);
	assert_memory_equal(blk + 8, ((uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }), 8);
	for (unsigned order = 0; order <= QCOW2_MAX_REFCOUNT_ORDER; order++) {
		uint64_t max = qcow2_rc_max(order), n = sizeof(blk) * 8 >> order;

		assert_true(order == 6 ? max == UINT64_MAX : max == (1ull << (1u << order)) - 1);
		memset(blk, 0xff, sizeof(blk));
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(qcow2_rc_entry_get(blk, order, i), max);
		for (uint64_t i = 0; i < n; i++)
			qcow2_rc_entry_set(blk, order, i, (i * 0x9e3779b97f4a7c15ull) & max);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(qcow2_rc_entry_get(blk, order, i),
					 (i * 0x9e3779b97f4a7c15ull) & max);
	}
}

/* A cluster cut off the file after open reads as an error, never as zeros:
 * the driver trusts the file size it saw at open, the file says EOF. */
static void test_file_shrank(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct vu_create_opts o = { .size = 1 << 20 };
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };
	char path[PATH_MAX];
	uint8_t buf[4096];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/test_qcow2.XXXXXX", tmp ? tmp : "/var/tmp");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(vu_image_create(fd, path, "qcow2", &o, &e), 0);
	close(fd);
	assert_int_equal(vu_image_open(&img, path, "qcow2", VU_OPEN_RDWR, &e), 0);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(vu_image_pwrite(img, buf, sizeof(buf), 0), 0);
	vu_image_close(&img);
	assert_int_equal(vu_image_open(&img, path, "qcow2", 0, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 65536), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vu_image_pread(img, buf, sizeof(buf), 0), -EIO);
	vu_image_close(&img);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_backing_names),
		cmocka_unit_test(test_status_kinds),
		cmocka_unit_test(test_corrupt_bit),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_file_shrank),
		cmocka_unit_test(test_refcount_entries),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
