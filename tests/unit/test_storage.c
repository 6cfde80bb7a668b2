/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_storage.c - libshared/storage pools: the default pool, define,
 * lookups, start and stop, transient pools, conflicts, autostart, XML */
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

#include "vu/base.h"
#include "vu/storage.h"
#include "vu/xml.h"
#include "testutil.h"

struct fx {
	char dir[64];
	char root[128];
	struct vu_storage s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vu_err e = { 0 };

	if (!f || tu_scratch(f->dir, sizeof(f->dir), "test_storage") < 0)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	unsetenv("VIRTUTILS_ROOT");
	if (vu_storage_open(&f->s, f->root, &e) < 0) {
		print_message("# %s\n", vu_err_str(&e));
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vu_storage_close(&f->s);
	return tu_scratch_free(f, f->dir);
}

static struct vu_poolxml *parse(const char *fmt, ...)
{
	char buf[2048];
	struct vu_err e = { 0 };
	va_list ap;
	struct vu_poolxml *doc;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_int_equal(vu_poolxml_parse(&doc, buf, strlen(buf), &e), 0);
	return doc;
}

/* Defines a dir pool NAME at DIR/NAME (not built). */
static int define_dir(struct fx *f, const char *name, struct vu_pool **p, struct vu_err *e)
{
	struct vu_poolxml *doc = parse("<pool type='dir'><name>%s</name><target>"
				       "<path>%s/%s</path></target></pool>", name, f->dir, name);
	int r = vu_pool_define(&f->s, doc, p, e);

	vu_poolxml_free(&doc);
	return r;
}

static void test_default_pool(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_err e = { 0 };
	char want[160];
	struct stat st;

	assert_int_equal(vu_pool_lookup(&f->s, "default", &p, &e), 0);
	snprintf(want, sizeof(want), "%s/images", f->root);
	assert_string_equal(p->px.target, want);
	assert_true(p->active);
	assert_true(p->persistent);
	assert_true(p->autostart);
	assert_int_equal(p->type, VU_POOL_DIR);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	/* Undefined by the administrator: it stays undefined. */
	assert_int_equal(vu_pool_destroy(&f->s, p, &e), 0);
	assert_int_equal(vu_pool_undefine(&f->s, p, &e), 0);
	vu_pool_free(&p);
	vu_storage_close(&f->s);
	assert_int_equal(vu_storage_open(&f->s, f->root, &e), 0);
	assert_int_equal(vu_pool_lookup(&f->s, "default", &p, &e), -ENOENT);
	assert_string_equal(e.msg, "no storage pool with matching name or uuid");
}

static void test_define_lookup(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p, *q;
	struct vu_err e = { 0 };

	assert_int_equal(define_dir(f, "p1", &p, &e), 0);
	assert_false(p->active);
	assert_true(p->persistent);
	assert_false(p->autostart);
	assert_int_equal(strlen(p->uuid), 36);
	assert_int_equal(vu_pool_lookup(&f->s, p->uuid, &q, &e), 0);
	assert_string_equal(q->name, "p1");
	vu_pool_free(&q);
	/* Redefining keeps the UUID; naming another one is refused. */
	assert_int_equal(define_dir(f, "p1", &q, &e), 0);
	assert_string_equal(q->uuid, p->uuid);
	vu_pool_free(&q);
	struct vu_poolxml *doc = parse("<pool type='dir'><name>p1</name>"
				       "<uuid>11111111-2222-4333-8444-555555555555</uuid>"
				       "<target><path>/x</path></target></pool>");
	char msg[128];

	assert_int_equal(vu_pool_define(&f->s, doc, NULL, &e), -EEXIST);
	snprintf(msg, sizeof(msg), "pool 'p1' already exists with uuid %s", p->uuid);
	assert_string_equal(e.msg, msg);
	vu_poolxml_free(&doc);
	vu_pool_free(&p);
}

static void test_conflicts(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_err e = { 0 };
	char msg[256];
	struct vu_poolxml *doc;

	assert_int_equal(define_dir(f, "p1", &p, &e), 0);
	doc = parse("<pool type='dir'><name>p2</name><target><path>%s/p1/</path></target>"
		    "</pool>", f->dir);
	assert_int_equal(vu_pool_define(&f->s, doc, NULL, &e), -EEXIST);
	snprintf(msg, sizeof(msg), "pool 'p1' already has target '%s/p1'", f->dir);
	assert_string_equal(e.msg, msg);
	vu_poolxml_free(&doc);
	doc = parse("<pool type='dir'><name>p3</name><uuid>%s</uuid><target><path>/p3</path>"
		    "</target></pool>", p->uuid);
	assert_int_equal(vu_pool_define(&f->s, doc, NULL, &e), -EEXIST);
	snprintf(msg, sizeof(msg), "pool 'p1' already has uuid %s", p->uuid);
	assert_string_equal(e.msg, msg);
	vu_poolxml_free(&doc);
	vu_pool_free(&p);
}

static void test_start_stop(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_err e = { 0 };
	struct vu_pool_info info;

	assert_int_equal(define_dir(f, "p1", &p, &e), 0);
	assert_int_equal(vu_pool_start(&f->s, p, 0, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "build the pool first"));
	assert_int_equal(vu_pool_start(&f->s, p, VU_POOL_START_BUILD, &e), 0);
	assert_true(p->active);
	assert_int_equal(vu_pool_start(&f->s, p, 0, &e), -EBUSY);
	assert_string_equal(e.msg, "pool is already active");
	assert_int_equal(vu_pool_info(&f->s, p, &info, &e), 0);
	assert_int_equal(info.state, VU_POOL_RUNNING);
	assert_true(info.capacity > 0 && info.available <= info.capacity);
	assert_int_equal(vu_pool_undefine(&f->s, p, &e), -EBUSY);
	assert_string_equal(e.msg, "pool is active; destroy it first");
	assert_int_equal(vu_pool_delete(&f->s, p, &e), -EBUSY);
	assert_int_equal(vu_pool_destroy(&f->s, p, &e), 0);
	assert_false(p->active);
	assert_int_equal(vu_pool_destroy(&f->s, p, &e), -EINVAL);
	assert_string_equal(e.msg, "pool is not active");
	assert_int_equal(vu_pool_info(&f->s, p, &info, &e), 0);
	assert_int_equal(info.state, VU_POOL_INACTIVE);
	assert_int_equal(vu_pool_delete(&f->s, p, &e), 0);
	assert_int_equal(vu_pool_undefine(&f->s, p, &e), 0);
	vu_pool_free(&p);
	assert_int_equal(vu_pool_lookup(&f->s, "p1", &p, &e), -ENOENT);
}

static void test_delete_not_empty(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_err e = { 0 };
	char path[256];
	int fd;

	assert_int_equal(define_dir(f, "p1", &p, &e), 0);
	assert_int_equal(vu_pool_build(&f->s, p, 0, &e), 0);
	snprintf(path, sizeof(path), "%s/p1/disk", f->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(vu_pool_delete(&f->s, p, &e), -ENOTEMPTY);
	assert_non_null(strstr(e.msg, "is not empty; delete its volumes first"));
	vu_pool_free(&p);
}

static void test_transient(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p, *q;
	struct vu_err e = { 0 };
	struct vu_poolxml *doc = parse("<pool type='dir'><name>t</name><target>"
				       "<path>%s/t</path></target></pool>", f->dir);

	assert_int_equal(vu_pool_create(&f->s, doc, VU_POOL_START_BUILD, &p, &e), 0);
	assert_true(p->active);
	assert_false(p->persistent);
	assert_int_equal(vu_pool_create(&f->s, doc, 0, &q, &e), -EEXIST);
	assert_string_equal(e.msg, "pool 't' already exists");
	assert_int_equal(vu_pool_set_autostart(&f->s, p, true, &e), -EINVAL);
	assert_int_equal(vu_pool_undefine(&f->s, p, &e), -EBUSY);
	assert_int_equal(vu_pool_destroy(&f->s, p, &e), 0);
	assert_int_equal(vu_pool_lookup(&f->s, "t", &q, &e), -ENOENT);
	vu_pool_free(&p);
	vu_poolxml_free(&doc);
}

static void test_autostart_start_all(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p, **all;
	struct vu_err e = { 0 };
	size_t n;

	assert_int_equal(define_dir(f, "a", &p, &e), 0);
	assert_int_equal(vu_pool_build(&f->s, p, 0, &e), 0);
	assert_int_equal(vu_pool_set_autostart(&f->s, p, true, &e), 0);
	vu_pool_free(&p);
	assert_int_equal(define_dir(f, "b", &p, &e), 0);	/* not built: fails */
	assert_int_equal(vu_pool_set_autostart(&f->s, p, true, &e), 0);
	vu_pool_free(&p);
	assert_int_equal(vu_pool_start_all(&f->s, NULL, NULL), -ENOENT);
	assert_int_equal(vu_pool_list(&f->s, &all, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(all[0]->name, "a");
	assert_true(all[0]->active);
	assert_string_equal(all[1]->name, "b");
	assert_false(all[1]->active);
	assert_string_equal(all[2]->name, "default");
	assert_int_equal(vu_pool_set_autostart(&f->s, all[0], false, &e), 0);
	assert_false(all[0]->autostart);
	vu_pool_list_free(&all, n);
	assert_null(all);
}

static void test_xml(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_err e = { 0 };
	char *live, *inactive;

	assert_int_equal(vu_pool_lookup(&f->s, "default", &p, &e), 0);
	live = vu_pool_xml(&f->s, p, false, &e);
	inactive = vu_pool_xml(&f->s, p, true, &e);
	assert_non_null(strstr(live, "<capacity unit=\"bytes\">"));
	assert_non_null(strstr(live, p->uuid));
	assert_null(strstr(inactive, "<capacity"));
	assert_non_null(strstr(inactive, p->uuid));
	free(live);
	free(inactive);
	vu_pool_free(&p);
}

/* A definition written by hand without a UUID gets the same one each time. */
static void test_hand_written(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p, *q;
	struct vu_err e = { 0 };
	char path[256];
	FILE *out;

	snprintf(path, sizeof(path), "%s/pools/hand.xml", f->root);
	out = fopen(path, "w");
	fprintf(out, "<pool type='dir'><name>hand</name><target><path>/h</path></target></pool>");
	fclose(out);
	assert_int_equal(vu_pool_lookup(&f->s, "hand", &p, &e), 0);
	assert_int_equal(vu_pool_lookup(&f->s, p->uuid, &q, &e), 0);
	assert_string_equal(q->name, "hand");
	vu_pool_free(&p);
	vu_pool_free(&q);
	out = fopen(path, "w");
	fprintf(out, "<pool type='dir'><name>other</name><target><path>/h</path></target></pool>");
	fclose(out);
	assert_int_equal(vu_pool_lookup(&f->s, "hand", &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "defines pool 'other', not 'hand'"));
}

static void test_unsupported(void **state)
{
	struct fx *f = *state;
	struct vu_pool *p;
	struct vu_err e = { 0 };
	struct vu_poolxml *doc = parse("<pool type='logical'><name>vg</name><source>"
				       "<name>vg0</name></source></pool>");

	assert_int_equal(vu_pool_define(&f->s, doc, &p, &e), 0);
	assert_int_equal(vu_pool_start(&f->s, p, 0, &e), -ENOTSUP);
	assert_string_equal(e.msg, "pool type 'logical' is not supported");
	assert_int_equal(vu_pool_build(&f->s, p, 0, &e), -ENOTSUP);
	assert_int_equal(vu_pool_undefine(&f->s, p, &e), 0);
	vu_pool_free(&p);
	vu_poolxml_free(&doc);
}

/* Which work keeps CAP_SYS_ADMIN: mounting, loop devices and the kernel's
 * partitions (fs start/destroy/refresh; disk all but build), never a dir
 * pool's, never a build (mkfs, a new label), never a type we refuse. */
static void test_needs_sys_admin(void **state)
{
	static const struct {
		enum vu_pool_type type;
		bool want[VU_POOL_OP_VOL_DELETE + 1];
	} table[] = {
		/*             build  start  destroy delete refresh vol-create vol-delete */
		{ VU_POOL_DIR, { false, false, false, false, false, false, false } },
		{ VU_POOL_FS, { false, true, true, false, true, false, false } },
		{ VU_POOL_DISK, { false, true, true, true, true, true, true } },
		{ VU_POOL_NETFS, { false, false, false, false, false, false, false } },
		{ VU_POOL_LOGICAL, { false, false, false, false, false, false, false } },
	};
	(void)state;
	for (size_t t = 0; t < ARRAY_SIZE(table); t++) {
		for (int op = VU_POOL_OP_BUILD; op <= VU_POOL_OP_VOL_DELETE; op++) {
			bool got = vu_pool_needs_sys_admin(table[t].type, (enum vu_pool_op)op);

			if (got != table[t].want[op])
				fail_msg("%s, op %d: %d", vu_pool_type_name(table[t].type), op, got);
		}
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_default_pool), T(test_define_lookup), T(test_conflicts),
		T(test_start_stop), T(test_delete_not_empty), T(test_transient),
		T(test_autostart_start_all), T(test_xml), T(test_hand_written),
		T(test_unsupported), cmocka_unit_test(test_needs_sys_admin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
