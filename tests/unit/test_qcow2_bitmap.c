/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qcow2_bitmap.c - persistent bitmaps kept by the qcow2 writer, against
 * qemu-io doing the same writes: the same dirty bits, check clean, flags */
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "vu/base.h"
#include "vu/image.h"
#include "qemu_test.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)

static int group_setup(void **state)
{
	return qemu_group_setup(state, "qcow2bm");
}

/* The dirty ranges of bitmap bm as qemu reads them (its NBD export of the
 * bitmap, mapped: "data": false is dirty), one "[start,len]" a line. */
static char *dirty_map(const char *img, const char *bm)
{
	return tu_sh_out(
		"s=$(mktemp -u /tmp/vu-bm.XXXXXX); "
		"qemu-nbd -r -B '%s' -k \"$s\" -f qcow2 '%s' 2>/dev/null & p=$!; "
		"for i in $(seq 100); do [ -S \"$s\" ] && break; sleep 0.05; done; "
		"qemu-img map --output=json --image-opts "
		"\"driver=nbd,server.type=unix,server.path=$s,x-dirty-bitmap=qemu:dirty-bitmap:%s\" | "
		"jq -c '.[] | select(.data == false) | [.start, .length]'; "
		"kill $p 2>/dev/null; wait $p 2>/dev/null; rm -f \"$s\"",
		bm, img, bm);
}

static void assert_clean(const char *p)
{
	int st = tu_sh("qemu-img check '%s' >/dev/null 2>&1", p);

	if (st != 0)
		tu_sh("qemu-img check '%s' >&2", p);
	assert_int_equal(st, 0);
}

/* qemu-img info's bitmap list (names, flags, granularities) as JSON text. */
static char *bitmap_list(const char *p)
{
	return tu_sh_out("qemu-img info --output=json '%s' | jq -c '.\"format-specific\".data.bitmaps'",
			 p);
}

static struct vu_image *open_rw(const char *p)
{
	struct vu_image *img = NULL;
	struct vu_err e = { 0 };
	int r = vu_image_open(&img, p, "qcow2", VU_OPEN_RDWR, &e);

	if (r < 0)
		print_error("open %s: %s\n", p, vu_err_str(&e));
	assert_int_equal(r, 0);
	return img;
}

static void make_pair(const struct fixture *f, char *ours, char *ref, const char *opts)
{
	path(ours, f, "ours.qcow2");
	path(ref, f, "ref.qcow2");
	tu_sh_ok("qemu-img create -q -f qcow2 %s '%s' 64M && "
		 "qemu-img bitmap --add '%s' b0 && qemu-img bitmap --add -g 4096 '%s' b1 && "
		 "qemu-img bitmap --add -g 1M --disable '%s' b2 && "
		 "qemu-io -c 'write -P 7 8M 1M' '%s' >/dev/null && cp '%s' '%s'",
		 opts, ours, ours, ours, ours, ours, ours, ref);
}

static void assert_same_bitmaps(const char *ours, const char *ref)
{
	static const char *const names[] = { "b0", "b1", "b2" };
	char *a = bitmap_list(ours), *b = bitmap_list(ref);

	assert_string_equal(a, b);
	assert_null(strstr(a, "in-use"));
	free(a);
	free(b);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		a = dirty_map(ours, names[i]);
		b = dirty_map(ref, names[i]);
		if (strcmp(a, b))
			print_error("%s: ours\n%s\nqemu's\n%s\n", names[i], a, b);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_clean(ours);
}

/* Writes, zeroes, discards and a compressed cluster set the same bits as
 * qemu's; the disabled bitmap is left alone; nothing leaks. */
static void test_writes(void **state)
{
	static const struct {
		const char *opts;
		unsigned cs;	/* cluster size: one compressed cluster */
	} cases[] = {
		{ "", 65536 }, { "-o cluster_size=4k", 4096 }, { "-o lazy_refcounts=on", 65536 },
	};
	struct fixture *f = *state;
	char ours[PATH_MAX], ref[PATH_MAX];
	uint8_t *buf = malloc(MiB);

	SKIP_IF_NO_QEMU(f);
	assert_non_null(buf);
	memset(buf, 0x5a, MiB);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vu_image *img;

		make_pair(f, ours, ref, cases[i].opts);
		tu_sh_ok("qemu-io -c 'write -P 90 100k 10k' -c 'write -z 1M 200k' "
			 "-c 'discard 3M 64k' -c 'write -P 90 40M 1M' -c 'write -c -P 90 60M %u' "
			 "-c 'write -P 90 67043328 65536' '%s' >/dev/null", cases[i].cs, ref);
		img = open_rw(ours);
		assert_int_equal(vu_image_pwrite(img, buf, 10 * KiB, 100 * KiB), 0);
		assert_int_equal(vu_image_pwrite_zeroes(img, 1 * MiB, 200 * KiB, false), 0);
		assert_int_equal(vu_image_discard(img, 3 * MiB, 64 * KiB), 0);
		assert_int_equal(vu_image_pwrite(img, buf, MiB, 40 * MiB), 0);
		assert_int_equal(vu_image_pwrite_compressed(img, buf, 60 * MiB), 0);
		assert_int_equal(vu_image_pwrite(img, buf, 64 * KiB, 64 * MiB - 64 * KiB), 0);
		vu_image_close(&img);
		assert_same_bitmaps(ours, ref);
		tu_sh_ok("qemu-img compare -q '%s' '%s'", ours, ref);
	}
	free(buf);
}

/* Growing and shrinking resize the bitmaps as qemu-img resize does (the
 * grown part clean, the bits past a smaller end gone), tables moving when
 * they no longer fit their clusters. */
static void test_resize(void **state)
{
	struct fixture *f = *state;
	char ours[PATH_MAX], ref[PATH_MAX];
	struct vu_err e = { 0 };
	struct vu_image *img;
	uint8_t *buf = calloc(1, 64 * KiB);

	SKIP_IF_NO_QEMU(f);
	assert_non_null(buf);
	make_pair(f, ours, ref, "-o cluster_size=512");
	tu_sh_ok("qemu-io -c 'write -P 1 0 64k' -c 'write -P 1 60M 64k' '%s' >/dev/null && "
		 "qemu-img resize -q '%s' 1200M && qemu-io -c 'write -P 1 1100M 64k' '%s' >/dev/null",
		 ref, ref, ref);
	img = open_rw(ours);
	assert_int_equal(vu_image_pwrite(img, buf, 64 * KiB, 0), 0);
	assert_int_equal(vu_image_pwrite(img, buf, 64 * KiB, 60 * MiB), 0);
	assert_int_equal(vu_image_resize(img, 1200 * MiB, VU_PREALLOC_OFF, &e), 0);
	assert_int_equal(vu_image_pwrite(img, buf, 64 * KiB, 1100 * MiB), 0);
	vu_image_close(&img);
	assert_same_bitmaps(ours, ref);

	tu_sh_ok("qemu-img resize -q --shrink '%s' 30M", ref);
	img = open_rw(ours);
	assert_int_equal(vu_image_resize(img, 30 * MiB, VU_PREALLOC_OFF, &e), 0);
	vu_image_close(&img);
	assert_same_bitmaps(ours, ref);
	free(buf);
}

/* While open for writing the bitmaps are in use in the file, as qemu marks
 * them; a bitmap another writer left in use is kept as it is. */
static void test_in_use(void **state)
{
	struct fixture *f = *state;
	char ours[PATH_MAX], ref[PATH_MAX];
	struct vu_image *img;
	uint8_t buf[512] = { 1 };
	char *list;

	SKIP_IF_NO_QEMU(f);
	make_pair(f, ours, ref, "");
	img = open_rw(ours);
	assert_int_equal(vu_image_pwrite(img, buf, sizeof(buf), 0), 0);
	list = bitmap_list(ours);
	assert_non_null(strstr(list, "in-use"));
	free(list);
	vu_image_close(&img);
	list = bitmap_list(ours);
	assert_null(strstr(list, "in-use"));
	free(list);

	/* qemu-io dies (abort) with the bitmaps in use: they stay so. */
	tu_sh("qemu-io -c 'write 0 512' -c abort '%s' >/dev/null 2>&1", ref);
	img = open_rw(ref);
	assert_int_equal(vu_image_pwrite(img, buf, sizeof(buf), MiB), 0);
	vu_image_close(&img);
	list = bitmap_list(ref);
	assert_non_null(strstr(list, "in-use"));
	free(list);
	assert_clean(ref);
}

/* An image opened for writing but not written is left byte for byte. */
static void test_untouched(void **state)
{
	struct fixture *f = *state;
	char ours[PATH_MAX], ref[PATH_MAX];
	struct vu_image *img;

	SKIP_IF_NO_QEMU(f);
	make_pair(f, ours, ref, "");
	img = open_rw(ours);
	vu_image_close(&img);
	tu_sh_ok("cmp -s '%s' '%s'", ours, ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_in_use),
		cmocka_unit_test(test_untouched),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
