/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_qcow2_check.c - the qcow2 check and its refcount rebuild, against qemu-img check */
#include <errno.h>
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

struct fixture {
	bool skip;
	char top[PATH_MAX];
	char dir[PATH_MAX + 16];	/* mkcorrupt.sh's cases */
};

/* What the report callback saw. */
struct lines {
	int n;
	char first[256];
	char all[8192];
};

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char mkc[PATH_MAX];

	assert_non_null(f);
	*state = f;
	if (!tu_have_qemu() || !tu_fixture_script("mkcorrupt.sh", mkc, sizeof(mkc))) {
		f->skip = true;
		return 0;
	}
	assert_int_equal(tu_scratch_disk(f->top, sizeof(f->top), "test_qcow2_check"), 0);
	snprintf(f->dir, sizeof(f->dir), "%s/c", f->top);
	assert_int_equal(tu_sh("%s %s", mkc, f->dir), 0);
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;

	return tu_scratch_free(f, f->top);
}

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	size_t len = strlen(l->all);

	if (l->n++ == 0)
		snprintf(l->first, sizeof(l->first), "%s", line);
	snprintf(l->all + len, sizeof(l->all) - len, "%s\n", line);
}

/* Checks path (repairing with fix); returns vu_image_check's result. */
static int check(const char *path, unsigned fix, struct vu_check_result *res, struct lines *l)
{
	struct vu_image *img;
	struct vu_err e;
	int r;

	memset(l, 0, sizeof(*l));
	memset(res, 0, sizeof(*res));
	res->report = collect;
	res->report_ctx = l;
	r = vu_image_open(&img, path, NULL, VU_OPEN_CHECK | (fix ? VU_OPEN_RDWR : 0), &e);
	if (r < 0)
		fail_msg("%s: %s", path, vu_err_str(&e));
	r = vu_image_check(img, fix, res);
	vu_image_close(&img);
	return r;
}

static int64_t json_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* Every count equals what qemu-img check --output=json says. */
static void same_as_qemu(const char *path)
{
	struct vu_check_result res;
	struct lines l;
	char *out;
	json_object *o;

	assert_int_equal(check(path, 0, &res, &l), 0);
	out = tu_sh_out("qemu-img check --output=json '%s' 2>/dev/null", path);
	assert_non_null(o = json_tokener_parse(out));
	free(out);
	assert_int_equal(res.corruptions, json_int(o, "corruptions"));
	assert_int_equal(res.leaks, json_int(o, "leaks"));
	assert_int_equal(res.check_errors, json_int(o, "check-errors"));
	assert_int_equal(res.image_end_offset, json_int(o, "image-end-offset"));
	assert_int_equal(res.total_clusters, json_int(o, "total-clusters"));
	assert_int_equal(res.allocated_clusters, json_int(o, "allocated-clusters"));
	assert_int_equal(res.fragmented_clusters, json_int(o, "fragmented-clusters"));
	assert_int_equal(res.compressed_clusters, json_int(o, "compressed-clusters"));
	json_object_put(o);
}

static void test_counts(void **state)
{
	static const char *names[] = {
		"aux/v3", "aux/v2", "aux/zlib", "aux/snap", "aux/extl2", "aux/rc1", "leak-three",
		"leak-bumped", "corrupt-refcount-low", "corrupt-l1-on-header",
		"corrupt-l2-on-reftable", "corrupt-copied-shared", "corrupt-no-refblock",
	};
	struct fixture *f = *state;
	char p[PATH_MAX + 32];

	SKIP_IF_NO_QEMU(f);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		tu_path(p, sizeof(p), f->dir, names[i]);
		same_as_qemu(p);
	}
}

static void test_report_lines(void **state)
{
	struct fixture *f = *state;
	struct vu_check_result res;
	struct lines l;
	char p[PATH_MAX + 32];
	unsigned long cl;

	SKIP_IF_NO_QEMU(f);
	tu_path(p, sizeof(p), f->dir, "leak-three");
	assert_int_equal(check(p, 0, &res, &l), 0);
	assert_int_equal(res.leaks, 3);
	assert_int_equal(l.n, 3);
	assert_int_equal(sscanf(l.first, "Leaked cluster %lu refcount=1 reference=0", &cl), 1);
}

/* Copies a case to work on; returns the copy's path in out. */
static void copy_case(const struct fixture *f, const char *name, char *out, size_t outlen)
{
	char p[PATH_MAX + 32];

	tu_path(p, sizeof(p), f->dir, name);
	assert_true((size_t)snprintf(out, outlen, "%s/work-%s", f->top, name) < outlen);
	assert_int_equal(tu_sh("cp '%s' '%s'", p, out), 0);
}

static void test_repair_leaks(void **state)
{
	struct fixture *f = *state;
	struct vu_check_result res;
	struct lines l;
	char w[2 * PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	copy_case(f, "leak-rc1", w, sizeof(w));
	assert_int_equal(check(w, VU_CHECK_FIX_LEAKS, &res, &l), 0);
	assert_int_equal(res.leaks_fixed, 1);
	assert_int_equal(res.leaks, 0);
	/* Listed as found, then as repaired, as qemu-img does. */
	assert_int_equal(strncmp(l.first, "Leaked cluster ", 15), 0);
	assert_non_null(strstr(l.all, "\nRepairing cluster "));
	assert_int_equal(check(w, 0, &res, &l), 0);
	assert_int_equal(res.leaks + res.corruptions + res.check_errors, 0);
	assert_int_equal(tu_sh("qemu-img check -q '%s'", w), 0);
}

/* With the refcount block gone, every refcount must be rebuilt: the new
 * structure goes past the old end of the file, the data stays. */
static void test_rebuild(void **state)
{
	struct fixture *f = *state;
	struct vu_check_result res;
	struct lines l;
	char w[2 * PATH_MAX], orig[PATH_MAX + 32];
	struct stat st;

	SKIP_IF_NO_QEMU(f);
	copy_case(f, "corrupt-no-refblock", w, sizeof(w));
	assert_int_equal(stat(w, &st), 0);
	assert_int_equal(check(w, 0, &res, &l), 0);
	assert_true(res.corruptions > 0);
	assert_int_equal(check(w, VU_CHECK_FIX_LEAKS | VU_CHECK_FIX_ERRORS, &res, &l), 0);
	assert_non_null(strstr(l.all, "Rebuilding refcount structure\n"));
	assert_true(res.corruptions_fixed > 0);
	assert_int_equal(res.corruptions, 0);
	assert_true(res.image_end_offset > st.st_size);
	assert_int_equal(check(w, 0, &res, &l), 0);
	assert_int_equal(res.leaks + res.corruptions + res.check_errors, 0);
	assert_int_equal(tu_sh("qemu-img check -q '%s'", w), 0);
	tu_path(orig, sizeof(orig), f->dir, "corrupt-no-refblock");
	assert_int_equal(tu_sh("qemu-img compare -q '%s' '%s'", orig, w), 0);
}

/* Raising a refcount too low and fixing the COPIED flags in place. */
static void test_repair_in_place(void **state)
{
	struct fixture *f = *state;
	struct vu_check_result res;
	struct lines l;
	char w[2 * PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	copy_case(f, "corrupt-refcount-low", w, sizeof(w));
	assert_int_equal(check(w, VU_CHECK_FIX_LEAKS | VU_CHECK_FIX_ERRORS, &res, &l), 0);
	assert_null(strstr(l.all, "Rebuilding"));
	assert_true(res.corruptions_fixed >= 1);
	assert_int_equal(res.corruptions, 0);
	assert_int_equal(tu_sh("qemu-img check -q '%s'", w), 0);
}

static void test_needs_rebuild(void **state)
{
	struct fixture *f = *state;
	struct vu_check_result res;
	struct lines l;
	char w[2 * PATH_MAX];

	SKIP_IF_NO_QEMU(f);
	copy_case(f, "corrupt-refcount-zero", w, sizeof(w));
	assert_int_equal(check(w, VU_CHECK_FIX_LEAKS, &res, &l), -EIO);
	assert_int_equal(res.check_errors, 1);
	assert_non_null(strstr(l.all, "ERROR need to rebuild refcount structures\n"));
	tu_path(w + PATH_MAX, PATH_MAX, f->dir, "corrupt-refcount-zero");
	assert_int_equal(tu_sh("cmp -s '%s' '%s'", w, w + PATH_MAX), 0);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct vu_check_result res = { 0 };
	struct vu_image *img;
	struct vu_err e;
	char p[PATH_MAX + 32];

	SKIP_IF_NO_QEMU(f);
	tu_path(p, sizeof(p), f->dir, "leak-three");
	assert_int_equal(vu_image_open(&img, p, NULL, VU_OPEN_CHECK, &e), 0);
	assert_int_equal(vu_image_check(img, VU_CHECK_FIX_LEAKS, &res), -EBADF);
	vu_image_close(&img);
	assert_int_equal(vu_image_open(&img, p, "raw", 0, &e), 0);
	assert_int_equal(vu_image_check(img, 0, &res), -ENOTSUP);
	vu_image_close(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_report_lines),
		cmocka_unit_test(test_repair_leaks),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_repair_in_place),
		cmocka_unit_test(test_needs_rebuild),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
