/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool_cmds.c - pool-ctl's pool commands: define, start, list, info, ... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/poolxml.h"
#include "vu/table.h"

#include "pool-ctl.h"

/* The pool operand: --pool, or the first operand. */
static const char *pool_ref(struct pool_ctl *pc, int argc, char **argv)
{
	if (pc->set[O_POOL] && argc)
		vu_die_usage(VU_EXIT_USAGE, "%s: unexpected argument '%s'", pc->cmd->name, argv[0]);
	if (pc->set[O_POOL])
		return pc->arg[O_POOL];
	if (!argc)
		vu_die_usage(VU_EXIT_USAGE, "%s: missing pool name", pc->cmd->name);
	return argv[0];
}

static unsigned build_flags(const struct pool_ctl *pc)
{
	unsigned f = 0;

	if (pc->set[O_OVERWRITE])
		f |= VU_POOL_BUILD_OVERWRITE;
	if (pc->set[O_NO_OVERWRITE])
		f |= VU_POOL_BUILD_NO_OVERWRITE;
	/* As libvirt: asking how to build is asking to build. */
	if (pc->set[O_BUILD] || f)
		f |= VU_POOL_START_BUILD;
	return f;
}

static struct vu_poolxml *load_xml(const char *file)
{
	struct vu_err e = { 0 };
	struct vu_poolxml *doc;

	if (vu_poolxml_load(&doc, file, &e) < 0)
		exit(vu_fail(strcmp(file, "-") ? file : "stdin", &e));
	return doc;
}

/* ---- define, create ---- */

/*
 * define, define-as, create and create-as: doc (taken over) defined, or
 * created and started; then the line that says so, naming the file the
 * document came from if any. who names the pool in an error.
 */
static int define_or_create(struct pool_ctl *pc, struct vu_poolxml *doc, bool create,
			    const char *who, const char *file)
{
	const char *done = create ? "created" : "defined";
	struct vu_pool *p;
	struct vu_err e = { 0 };
	int r = create ? vu_pool_create(pc_storage(pc), doc, build_flags(pc), &p, &e) :
			 vu_pool_define(pc_storage(pc), doc, &p, &e);

	vu_poolxml_free(&doc);
	if (r < 0)
		return vu_fail(who, &e);
	if (file)
		vu_say(pc->quiet, "Pool %s %s from %s", p->name, done, file);
	else
		vu_say(pc->quiet, "Pool %s %s", p->name, done);
	vu_pool_free(&p);
	return VU_EXIT_OK;
}

int cmd_define(void *ctx, int argc, char **argv)
{
	(void)argc;	/* 1, as its row says */
	return define_or_create(ctx, load_xml(argv[0]), false, argv[0], argv[0]);
}

/* Positional words fill, in order, the fields no option gave (virsh). */
static void fill_as(struct pool_ctl *pc, int argc, char **argv, struct vu_pool_as *as)
{
	static const enum pc_opt order[] = {
		O_NAME_ARG, O_TYPE, O_SOURCE_HOST, O_SOURCE_PATH, O_SOURCE_DEV, O_SOURCE_NAME,
		O_TARGET,
	};
	const char **fields[] = { &as->name, &as->type, &as->source_host, &as->source_path,
				  &as->source_dev, &as->source_name, &as->target };
	int next = 0;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (pc->set[order[i]])
			*fields[i] = pc->arg[order[i]];
		else if (next < argc)
			*fields[i] = argv[next++];
	}
	if (next < argc)
		vu_die_usage(VU_EXIT_USAGE, "%s: unexpected argument '%s'", pc->cmd->name, argv[next]);
	as->source_format = pc->arg[O_SOURCE_FORMAT];
	if (!as->name || !strcmp(as->name, "-"))
		vu_die_usage(VU_EXIT_USAGE, "%s: missing pool name", pc->cmd->name);
	if (!as->type || !strcmp(as->type, "-"))
		vu_die_usage(VU_EXIT_USAGE, "%s: missing pool type", pc->cmd->name);
}

/* The define-as document, checked as define would check it. */
static struct vu_poolxml *build_as(struct pool_ctl *pc, int argc, char **argv)
{
	struct vu_pool_as as = { 0 };
	struct vu_pool_def def;
	struct vu_err e = { 0 };
	struct vu_poolxml *doc;

	fill_as(pc, argc, argv, &as);
	if (vu_poolxml_new(&doc, &as) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (vu_poolxml_read(doc, &def, &e) < 0)
		exit(vu_fail(as.name, &e));
	pc_caps_for(pc, def.type);
	vu_pool_def_free(&def);
	return doc;
}

static int print_doc(struct vu_poolxml *doc)
{
	char *text = vu_poolxml_format(doc);

	vu_poolxml_free(&doc);
	if (!text)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return pc_print_xml(text);
}

/* The pool define-as and create-as name in an error. */
static const char *as_name(const struct pool_ctl *pc, char **argv)
{
	return pc->set[O_NAME_ARG] ? pc->arg[O_NAME_ARG] : argv[0];
}

/* define-as and create-as: the document from the options, printed with
 * --print-xml, else defined or created. */
static int from_as(struct pool_ctl *pc, int argc, char **argv, bool create)
{
	struct vu_poolxml *doc = build_as(pc, argc, argv);

	if (pc->set[O_PRINT_XML])
		return print_doc(doc);
	return define_or_create(pc, doc, create, as_name(pc, argv), NULL);
}

int cmd_define_as(void *ctx, int argc, char **argv)
{
	return from_as(ctx, argc, argv, false);
}

/* The type create will start; a document create refuses needs nothing. */
static void caps_for_doc(struct pool_ctl *pc, const struct vu_poolxml *doc)
{
	struct vu_pool_def def;
	struct vu_err e = { 0 };

	if (vu_poolxml_read(doc, &def, &e) < 0) {
		pc_caps_settle(pc, false);
		return;
	}
	pc_caps_for(pc, def.type);
	vu_pool_def_free(&def);
}

int cmd_create(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_poolxml *doc = load_xml(argv[0]);

	(void)argc;	/* 1, as its row says */
	caps_for_doc(pc, doc);
	return define_or_create(pc, doc, true, argv[0], argv[0]);
}

int cmd_create_as(void *ctx, int argc, char **argv)
{
	return from_as(ctx, argc, argv, true);
}

/* ---- one pool, one action ---- */

enum action { A_BUILD, A_START, A_DESTROY, A_DELETE, A_UNDEFINE, A_REFRESH };

static const char *const done_msg[] = {
	[A_BUILD] = "Pool %s built", [A_START] = "Pool %s started",
	[A_DESTROY] = "Pool %s destroyed", [A_DELETE] = "Pool %s deleted",
	[A_UNDEFINE] = "Pool %s has been undefined", [A_REFRESH] = "Pool %s refreshed",
};

static int act(struct pool_ctl *pc, int argc, char **argv, enum action a)
{
	struct vu_storage *s = pc_storage(pc);
	struct vu_pool *p = pc_pool(pc, pool_ref(pc, argc, argv));
	unsigned flags = build_flags(pc);
	struct vu_err e = { 0 };
	int r;

	switch (a) {
	case A_BUILD: r = vu_pool_build(s, p, flags & ~VU_POOL_START_BUILD, &e); break;
	case A_START: r = vu_pool_start(s, p, flags, &e); break;
	case A_DESTROY: r = vu_pool_destroy(s, p, &e); break;
	case A_DELETE: r = vu_pool_delete(s, p, &e); break;
	case A_UNDEFINE: r = vu_pool_undefine(s, p, &e); break;
	default: r = vu_pool_refresh(s, p, &e); break;
	}
	if (r < 0)
		r = vu_fail(p->name, &e);
	else
		vu_say(pc->quiet, done_msg[a], p->name);
	vu_pool_free(&p);
	return r < 0 ? VU_EXIT_FAIL : r;
}

int cmd_build(void *pc, int argc, char **argv) { return act(pc, argc, argv, A_BUILD); }
int cmd_start(void *pc, int argc, char **argv) { return act(pc, argc, argv, A_START); }
int cmd_destroy(void *pc, int argc, char **argv) { return act(pc, argc, argv, A_DESTROY); }
int cmd_delete(void *pc, int argc, char **argv) { return act(pc, argc, argv, A_DELETE); }
int cmd_undefine(void *pc, int argc, char **argv) { return act(pc, argc, argv, A_UNDEFINE); }
int cmd_refresh(void *pc, int argc, char **argv) { return act(pc, argc, argv, A_REFRESH); }

int cmd_autostart(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_pool *p = pc_pool(pc, pool_ref(pc, argc, argv));
	bool on = !pc->set[O_DISABLE];
	struct vu_err e = { 0 };
	int r = vu_pool_set_autostart(pc_storage(pc), p, on, &e);

	if (r < 0)
		r = vu_fail(p->name, &e);
	else
		vu_say(pc->quiet, on ? "Pool %s marked as autostarted" : "Pool %s unmarked as autostarted",
		       p->name);
	vu_pool_free(&p);
	return r;
}

static void started(const struct vu_pool *p, int r, const struct vu_err *e, void *opaque)
{
	const struct pool_ctl *pc = opaque;

	if (r < 0)
		vu_fail(p ? p->name : "pools", e);
	else
		vu_say(pc->quiet, "Pool %s started", p->name);
}

/* start-all keeps CAP_SYS_ADMIN if one of the pools it starts needs it. */
static void caps_for_autostart(struct pool_ctl *pc)
{
	struct vu_pool **all;
	struct vu_err e = { 0 };
	bool need = false;
	size_t n;

	if (vu_pool_list(pc_storage(pc), &all, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			need |= all[i]->autostart && !all[i]->active &&
				vu_pool_needs_sys_admin(all[i]->type, VU_POOL_OP_START);
		vu_pool_list_free(&all, n);
	}
	pc_caps_settle(pc, need);
}

int cmd_start_all(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;

	(void)argc;
	(void)argv;
	caps_for_autostart(pc);
	return vu_pool_start_all(pc_storage(pc), started, pc) < 0 ? VU_EXIT_FAIL : VU_EXIT_OK;
}

/* ---- information ---- */

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

int cmd_info(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_pool *p = pc_pool(pc, pool_ref(pc, argc, argv));
	struct vu_pool_info info;
	struct vu_err e = { 0 };
	int r = vu_pool_info(pc_storage(pc), p, &info, &e);

	if (r < 0) {
		r = vu_fail(p->name, &e);
		vu_pool_free(&p);
		return r;
	}
	printf("%-15s %s\n", "Name:", p->name);
	printf("%-15s %s\n", "UUID:", p->uuid);
	printf("%-15s %s\n", "State:", p->active ? "running" : "inactive");
	printf("%-15s %s\n", "Persistent:", yes_no(p->persistent));
	printf("%-15s %s\n", "Autostart:", yes_no(p->autostart));
	if (p->active) {
		pc_info_size(pc, "Capacity:", info.capacity, "");
		pc_info_size(pc, "Allocation:", info.allocation, "");
		pc_info_size(pc, "Available:", info.available, "");
	}
	vu_pool_free(&p);
	return VU_EXIT_OK;
}

int cmd_dumpxml(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_pool *p = pc_pool(pc, pool_ref(pc, argc, argv));
	struct vu_err e = { 0 };
	char *xml = vu_pool_xml(pc_storage(pc), p, pc->set[O_INACTIVE], &e);
	int r = xml ? pc_print_xml(xml) : vu_fail(p->name, &e);

	vu_pool_free(&p);
	return r;
}

int cmd_uuid(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_pool *p = pc_pool(pc, pool_ref(pc, argc, argv));

	printf("%s\n", p->uuid);
	vu_pool_free(&p);
	return VU_EXIT_OK;
}

/* virsh pool-name takes a UUID only. */
int cmd_name(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *ref = pool_ref(pc, argc, argv);
	char uuid[VU_UUID_STRLEN];
	struct vu_pool *p;

	if (vu_uuid_normalize(ref, uuid) < 0) {
		vu_warnx("%s: not a UUID", ref);
		return VU_EXIT_FAIL;
	}
	p = pc_pool(pc, uuid);
	printf("%s\n", p->name);
	vu_pool_free(&p);
	return VU_EXIT_OK;
}

/* ---- list ---- */

struct list_filter {
	int active;		/* -1 any, 0 inactive, 1 active */
	int persistent;		/* -1 any */
	int autostart;		/* -1 any */
	bool types[VU_POOL_TYPE_COUNT];
	bool any_type;
};

static int tristate(const struct pool_ctl *pc, enum pc_opt yes, enum pc_opt no)
{
	return pc->set[yes] == pc->set[no] ? -1 : pc->set[yes];
}

static void parse_types(struct pool_ctl *pc, struct list_filter *f)
{
	char *list, *save = NULL;

	f->any_type = !pc->set[O_TYPE];
	if (f->any_type)
		return;
	if (!(list = strdup(pc->arg[O_TYPE])))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int ty = vu_pool_type_parse(t);

		if (ty < 0)
			vu_die_usage(VU_EXIT_USAGE, "invalid pool type '%s'", t);
		else
			f->types[ty] = true;
	}
	free(list);
}

static void parse_filter(struct pool_ctl *pc, struct list_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->active = pc->set[O_ALL] ? -1 : !pc->set[O_INACTIVE];
	f->persistent = tristate(pc, O_PERSISTENT, O_TRANSIENT);
	f->autostart = tristate(pc, O_AUTOSTART, O_NO_AUTOSTART);
	parse_types(pc, f);
}

static bool matches(const struct list_filter *f, const struct vu_pool *p)
{
	return (f->active < 0 || f->active == p->active) &&
	       (f->persistent < 0 || f->persistent == p->persistent) &&
	       (f->autostart < 0 || f->autostart == p->autostart) &&
	       (f->any_type || f->types[p->type]);
}

enum { C_NAME, C_UUID, C_TYPE, C_STATE, C_AUTOSTART, C_PERSISTENT, C_CAPACITY,
       C_ALLOCATION, C_AVAILABLE, C_COUNT };

static const struct vu_col list_cols[C_COUNT] = {
	[C_NAME] = { "Name", "name", VU_COL_STR }, [C_UUID] = { "UUID", "uuid", VU_COL_STR },
	[C_TYPE] = { "Type", "type", VU_COL_STR }, [C_STATE] = { "State", "state", VU_COL_STR },
	[C_AUTOSTART] = { "Autostart", "autostart", VU_COL_BOOL },
	[C_PERSISTENT] = { "Persistent", "persistent", VU_COL_BOOL },
	[C_CAPACITY] = { "Capacity", "capacity", VU_COL_BYTES },
	[C_ALLOCATION] = { "Allocation", "allocation", VU_COL_BYTES },
	[C_AVAILABLE] = { "Available", "available", VU_COL_BYTES },
};

/* The columns each view shows, in virsh's order. */
static const int view_plain[] = { C_NAME, C_STATE, C_AUTOSTART };
static const int view_details[] = { C_NAME, C_STATE, C_AUTOSTART, C_PERSISTENT, C_CAPACITY,
				    C_ALLOCATION, C_AVAILABLE };
static const int view_json[] = { C_NAME, C_UUID, C_TYPE, C_STATE, C_AUTOSTART, C_PERSISTENT,
				 C_CAPACITY, C_ALLOCATION, C_AVAILABLE };

/* One list view: which columns, in which order. */
struct view {
	const int *cols;
	int n;
	struct vu_col defs[C_COUNT];
};

static void view_init(struct view *v, const int *cols, int n)
{
	v->cols = cols;
	v->n = n;
	for (int i = 0; i < n; i++)
		v->defs[i] = list_cols[cols[i]];
}

static void set(struct vu_table *t, const struct view *v, int col, const char *text,
		uint64_t num, bool null)
{
	for (int i = 0; i < v->n; i++) {
		if (v->cols[i] != col)
			continue;
		if ((null ? vu_table_null(t, i, text) : vu_table_cell(t, i, text, num)) < 0)
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	}
}

static void add_row(struct vu_table *t, const struct view *v, const struct vu_pool *p,
		    const struct vu_pool_info *in, bool details)
{
	const uint64_t nums[] = { in->capacity, in->allocation, in->available };

	if (vu_table_row(t) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	set(t, v, C_NAME, p->name, 0, false);
	set(t, v, C_UUID, p->uuid, 0, false);
	set(t, v, C_TYPE, vu_pool_type_name(p->type), 0, false);
	/* virsh says "active" in the short list and "running" in details. */
	set(t, v, C_STATE, p->active ? (details ? "running" : "active") : "inactive", 0, false);
	set(t, v, C_AUTOSTART, yes_no(p->autostart), p->autostart, false);
	set(t, v, C_PERSISTENT, yes_no(p->persistent), p->persistent, false);
	for (int k = 0; k < 3; k++) {
		char buf[32];

		set(t, v, C_CAPACITY + k, p->active ? vu_size_virsh(nums[k], buf, sizeof(buf)) : "-",
		    nums[k], !p->active);
	}
}

static int print_list(struct pool_ctl *pc, struct vu_pool **pools, size_t n,
		      const struct view *v)
{
	bool details = pc->set[O_DETAILS] || pc->set[O_JSON];
	struct vu_table *t = vu_table_new(v->defs, v->n);
	int r = VU_EXIT_OK;

	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (size_t i = 0; i < n; i++) {
		struct vu_pool_info in = { 0 };
		struct vu_err e = { 0 };

		if (details && vu_pool_info(pc_storage(pc), pools[i], &in, &e) < 0)
			r = vu_fail(pools[i]->name, &e);
		add_row(t, v, pools[i], &in, pc->set[O_DETAILS] || pc->set[O_JSON]);
	}
	if (pc->set[O_JSON])
		vu_table_print_json(t, stdout);
	else
		vu_table_print(t, stdout, !pc->quiet);
	vu_table_free(&t);
	return r;
}

int cmd_list(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct list_filter f;
	struct vu_pool **all;
	struct vu_err e = { 0 };
	struct view v;
	size_t n, kept = 0;
	int r;

	(void)argc;
	(void)argv;
	parse_filter(pc, &f);
	if (vu_pool_list(pc_storage(pc), &all, &n, &e) < 0)
		return vu_fail("pools", &e);
	for (size_t i = 0; i < n; i++) {
		if (matches(&f, all[i]))
			all[kept++] = all[i];
		else
			vu_pool_free(&all[i]);
	}
	if (pc->set[O_NAME_FLAG]) {
		for (size_t i = 0; i < kept; i++)
			printf("%s\n", all[i]->name);
		r = VU_EXIT_OK;
	} else {
		if (pc->set[O_JSON])
			view_init(&v, view_json, ARRAY_SIZE(view_json));
		else if (pc->set[O_DETAILS])
			view_init(&v, view_details, ARRAY_SIZE(view_details));
		else
			view_init(&v, view_plain, ARRAY_SIZE(view_plain));
		r = print_list(pc, all, kept, &v);
	}
	vu_pool_list_free(&all, kept);
	return r;
}
