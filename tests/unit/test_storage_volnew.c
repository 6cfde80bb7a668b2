/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_storage_volnew.c - volumes the caller writes (vu_vol_new_*): the
 * name reserved at once, nothing visible before the commit, nothing left
 * after an abort, and a commit undone by an abort afterwards */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/storage.h"
#include "testutil.h"

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

	if (!f || tu_scratch(f->dir, sizeof(f->dir), "test_storage_volnew") < 0)
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

	vu_pool_free(&f->pool);
	vu_storage_close(&f->s);
	return tu_scratch_free(f, f->dir);
}

/* What the pool directory holds, names joined by spaces ("" when empty). */
static char *listing(const struct fx *f)
{
	return tu_sh_out("ls -A %s | tr '\\n' ' '", f->images);
}

static void assert_listing(const struct fx *f, const char *want)
{
	char *got = listing(f);

	assert_string_equal(got, want);
	free(got);
}

static void test_commit(void **state)
{
	struct fx *f = *state;
	struct vu_vol_new nv, other;
	struct vu_err e = { 0 };
	char path[256];

	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "a.raw", &nv, &e), 0);
	snprintf(path, sizeof(path), "%s/a.raw", f->images);
	assert_string_equal(nv.path, path);
	assert_int_equal(write(nv.fd, "data", 4), 4);
	/* reserved: a second writer of the name is refused at once */
	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "a.raw", &other, &e), -EEXIST);
	assert_string_equal(vu_err_str(&e), "volume 'a.raw' already exists");
	/* and nothing has the name yet */
	assert_listing(f, "");
	assert_int_equal(vu_vol_new_commit(&f->s, &nv, &e), 0);
	assert_listing(f, "a.raw ");
	vu_vol_new_free(&f->s, &nv);
	assert_listing(f, "a.raw ");
	/* an existing file is a taken name */
	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "a.raw", &other, &e), -EEXIST);
}

static void test_abort(void **state)
{
	struct fx *f = *state;
	struct vu_vol_new a, b;
	struct vu_err e = { 0 };

	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "a.raw", &a, &e), 0);
	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "b.raw", &b, &e), 0);
	assert_int_equal(vu_vol_new_commit(&f->s, &a, &e), 0);
	/* b fails later: both are undone, the committed one included */
	vu_vol_new_abort(&f->s, &b);
	vu_vol_new_abort(&f->s, &a);
	assert_listing(f, "");
	/* the names are free again, and aborting twice is harmless */
	vu_vol_new_abort(&f->s, &a);
	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "b.raw", &b, &e), 0);
	vu_vol_new_abort(&f->s, &b);
	assert_listing(f, "");
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct vu_vol_new nv;
	struct vu_err e = { 0 };

	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "../x", &nv, &e), -EINVAL);
	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "", &nv, &e), -EINVAL);
	assert_int_equal(nv.fd, -1);
	assert_int_equal(vu_pool_destroy(&f->s, f->pool, &e), 0);
	assert_int_equal(vu_vol_new_begin(&f->s, f->pool, "a.raw", &nv, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "pool 'default' is not active");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_commit), T(test_abort), T(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
