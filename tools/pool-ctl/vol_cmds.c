/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vol_cmds.c - pool-ctl's volume commands: create, clone, delete, wipe,
 * resize, list, info and the name/key/path/pool conversions */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/table.h"
#include "vu/volxml.h"

#include "pool-ctl.h"

static struct vu_vol *try_lookup(struct pool_ctl *pc, const char *pool, const char *ref,
				 struct vu_err *e)
{
	struct vu_vol *v = NULL;

	vu_err_clear(e);
	vu_vol_lookup(pc_storage(pc), pool, ref, &v, e);
	return v;
}

/*
 * Finds the volume the operands name, with nrest operands after it: VOL
 * (a path or key, or a name with --pool), POOL VOL (as in the issue and
 * vol-create-as), or virsh's VOL ... POOL.
 */
void pc_volref(struct pool_ctl *pc, int argc, char **argv, int nrest, struct volref *out)
{
	const char *pool = pc->set[O_POOL] ? pc->arg[O_POOL] : NULL;
	struct vu_err e = { 0 }, first = { 0 };

	if (argc == 1 + nrest || pool) {
		if (argc != 1 + nrest)
			vu_die_usage(VU_EXIT_USAGE, "%s: unexpected argument '%s'", pc->cmd->name,
				     argv[argc - 1]);
		out->vol = try_lookup(pc, pool, argv[0], &e);
		out->rest = argv + 1;
		if (!out->vol)
			exit(vu_fail(argv[0], &e));
	} else if ((out->vol = try_lookup(pc, argv[0], argv[1], &first))) {
		out->rest = argv + 2;
	} else {
		out->vol = try_lookup(pc, argv[argc - 1], argv[0], &e);
		out->rest = argv + 1;
		if (!out->vol)
			exit(vu_fail(argv[1], &first));
	}
	pc_caps_for(pc, out->vol->pool->type);
}

static void free_spec_strings(struct vu_volspec *s)
{
	vu_volspec_free(s);
}

/* ---- creating ---- */

static void read_spec(const char *file, struct vu_volspec *spec)
{
	struct vu_err e = { 0 };
	struct vu_volxml *doc;
	int r = vu_volxml_load(&doc, file, &e);

	if (r == 0)
		r = vu_volxml_read(doc, spec, &e);
	vu_volxml_free(&doc);
	if (r < 0)
		exit(vu_fail(strcmp(file, "-") ? file : "stdin", &e));
}

static unsigned create_flags(const struct pool_ctl *pc)
{
	return (pc->set[O_PREALLOC_METADATA] ? VU_VOL_PREALLOC_METADATA : 0) |
	       (pc->set[O_REFLINK] ? VU_VOL_REFLINK : 0);
}

/* POOL and the operands after it: --pool, or the first operand. */
static char **pool_first(struct pool_ctl *pc, int argc, char **argv, int nrest,
			  const char **pool)
{
	if (pc->set[O_POOL]) {
		*pool = pc->arg[O_POOL];
		if (argc != nrest)
			vu_die_usage(VU_EXIT_USAGE, "%s: expected %d arguments after --pool", pc->cmd->name,
				     nrest);
		return argv;
	}
	if (argc != nrest + 1)
		vu_die_usage(VU_EXIT_USAGE, "%s: missing argument", pc->cmd->name);
	*pool = argv[0];
	return argv + 1;
}

/*
 * libvirt reads a request without <allocation> as allocation = capacity
 * (virsh vol-create-as sends none without --allocation): a raw volume is
 * then fully allocated, and a qcow2 one with --prealloc-metadata gets
 * falloc instead of metadata. --allocation 0 asks for a sparse one.
 */
static void default_allocation(struct vu_volspec *spec)
{
	if (spec->has_allocation || !spec->has_capacity)
		return;
	spec->allocation = spec->capacity;
	spec->has_allocation = true;
}

/* vol-create and vol-create-as: the volume spec asks for, made; then virsh's
 * line, naming the file the spec came from if any. */
static int create_vol(struct pool_ctl *pc, struct vu_pool *p, struct vu_volspec *spec,
		      const char *file)
{
	struct vu_vol *v;
	struct vu_err e = { 0 };
	int r;

	default_allocation(spec);
	r = vu_vol_create(pc_storage(pc), p, spec, create_flags(pc), &v, &e);
	if (r < 0)
		return vu_fail(spec->name, &e);
	if (file)
		vu_say(pc->quiet, "Vol %s created from %s", v->name, file);
	else
		vu_say(pc->quiet, "Vol %s created", v->name);
	vu_vol_free(&v);
	return VU_EXIT_OK;
}

int cmd_vol_create(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *pool;
	char **a = pool_first(pc, argc, argv, 1, &pool);
	struct vu_pool *p = pc_pool(pc, pool);
	struct vu_volspec spec;
	int r;

	read_spec(a[0], &spec);
	r = create_vol(pc, p, &spec, a[0]);
	free_spec_strings(&spec);
	vu_pool_free(&p);
	return r;
}

/* --backing-vol: by name in the pool, else by key or path (virsh). */
static char *backing_path(struct pool_ctl *pc, const struct vu_pool *p, const char *ref)
{
	struct vu_err e = { 0 };
	struct vu_vol *v = try_lookup(pc, p->name, ref, &e);
	char *path;

	if (!v)
		v = try_lookup(pc, NULL, ref, &e);
	if (!v)
		exit(vu_fail(ref, &e));
	path = strdup(v->path);
	vu_vol_free(&v);
	if (!path)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return path;
}

static void as_spec(struct pool_ctl *pc, const struct vu_pool *p, char **a,
		    struct vu_volspec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->mode = -1;
	spec->owner = spec->group = -1;
	spec->name = strdup(a[0]);
	spec->capacity = pc_size(pc, a[1], "capacity");
	spec->has_capacity = true;
	if (pc->set[O_ALLOCATION]) {
		spec->allocation = pc_size(pc, pc->arg[O_ALLOCATION], "allocation");
		spec->has_allocation = true;
	}
	if (pc->set[O_FORMAT])
		spec->format = strdup(pc->arg[O_FORMAT]);
	if (pc->set[O_BACKING_VOL_FORMAT] && !pc->set[O_BACKING_VOL])
		vu_die_usage(VU_EXIT_USAGE, "--backing-vol-format needs --backing-vol");
	if (pc->set[O_BACKING_VOL])
		spec->backing_path = backing_path(pc, p, pc->arg[O_BACKING_VOL]);
	if (pc->set[O_BACKING_VOL_FORMAT])
		spec->backing_format = strdup(pc->arg[O_BACKING_VOL_FORMAT]);
	if (!spec->name)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

static int print_spec(const struct vu_volspec *spec)
{
	struct vu_volxml *doc;
	char *text = vu_volxml_new_spec(&doc, spec) == 0 ? vu_volxml_format(doc) : NULL;

	vu_volxml_free(&doc);
	if (!text)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return pc_print_xml(text);
}

int cmd_vol_create_as(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *pool;
	char **a = pool_first(pc, argc, argv, 2, &pool);
	struct vu_pool *p = pc_pool(pc, pool);
	struct vu_volspec spec;
	int r;

	as_spec(pc, p, a, &spec);
	/* --print-xml shows virsh's request: no allocation unless given. */
	r = pc->set[O_PRINT_XML] ? print_spec(&spec) : create_vol(pc, p, &spec, NULL);
	free_spec_strings(&spec);
	vu_pool_free(&p);
	return r;
}

int cmd_vol_create_from(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *pool;
	char **a = pool_first(pc, argc, argv, 2, &pool);
	struct vu_pool *p = pc_pool(pc, pool);
	struct vu_show_progress prog = pc_progress(pc);
	struct vu_vol *src, *v = NULL;
	struct vu_volspec spec;
	struct vu_err e = { 0 };
	int r;

	src = try_lookup(pc, pc->set[O_INPUTPOOL] ? pc->arg[O_INPUTPOOL] : pool, a[1], &e);
	if (!src && !pc->set[O_INPUTPOOL])
		src = try_lookup(pc, NULL, a[1], &e);
	if (!src)
		exit(vu_fail(a[1], &e));
	read_spec(a[0], &spec);
	r = vu_vol_create_from(pc_storage(pc), p, &spec, src, create_flags(pc), &prog, &v, &e);
	if (r < 0)
		r = vu_fail(spec.name, &e);
	else
		vu_say(pc->quiet, "Vol %s created from input vol %s", v->name, src->name);
	vu_vol_free(&v);
	vu_vol_free(&src);
	free_spec_strings(&spec);
	vu_pool_free(&p);
	return r;
}

/* The clone's request: the original's format, capacity and permissions
 * under the new name, as virsh builds it from the original's XML. */
static void clone_spec(const struct vu_vol *src, const char *name, struct vu_volspec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = strdup(name);
	spec->capacity = src->capacity;
	spec->has_capacity = true;
	spec->mode = (int)(src->st.st_mode & 07777);
	spec->owner = src->st.st_uid;
	spec->group = src->st.st_gid;
	if (src->type == VU_VOL_BLOCK)
		spec->format = strdup(src->format);
	if (!spec->name)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

int cmd_vol_clone(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct volref ref;
	struct vu_show_progress prog = pc_progress(pc);
	struct vu_volspec spec;
	struct vu_vol *v = NULL;
	struct vu_err e = { 0 };
	int r;

	pc_volref(pc, argc, argv, 1, &ref);
	clone_spec(ref.vol, ref.rest[0], &spec);
	r = vu_vol_create_from(pc_storage(pc), ref.vol->pool, &spec, ref.vol, create_flags(pc),
			       &prog, &v, &e);
	if (r < 0)
		r = vu_fail(spec.name, &e);
	else
		vu_say(pc->quiet, "Vol %s cloned from %s", v->name, ref.vol->name);
	vu_vol_free(&v);
	vu_vol_free(&ref.vol);
	free_spec_strings(&spec);
	return r;
}

/* ---- changing ---- */

/* The end of delete and wipe: the error, or virsh's "Vol NAME done". */
static int vol_done(struct pool_ctl *pc, struct volref *ref, int r, const struct vu_err *e,
		    const char *done)
{
	if (r < 0)
		r = vu_fail(ref->vol->name, e);
	else
		vu_say(pc->quiet, "Vol %s %s", ref->vol->name, done);
	vu_vol_free(&ref->vol);
	return r;
}

int cmd_vol_delete(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct volref ref;
	struct vu_err e = { 0 };
	int r;

	pc_volref(pc, argc, argv, 0, &ref);
	r = vu_vol_delete(pc_storage(pc), ref.vol, &e);
	return vol_done(pc, &ref, r, &e, "deleted");
}

int cmd_vol_wipe(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct volref ref;
	struct vu_show_progress prog = pc_progress(pc);
	struct vu_err e = { 0 };
	int alg = VU_WIPE_ZERO, r;

	if (pc->set[O_ALGORITHM] && (alg = vu_wipe_alg_parse(pc->arg[O_ALGORITHM])) < 0)
		vu_die_usage(VU_EXIT_USAGE, "unsupported algorithm '%s'", pc->arg[O_ALGORITHM]);
	pc_volref(pc, argc, argv, 0, &ref);
	r = vu_vol_wipe(pc_storage(pc), ref.vol, (enum vu_wipe_alg)alg, &prog, &e);
	return vol_done(pc, &ref, r, &e, "wiped");
}

int cmd_vol_resize(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	unsigned flags = (pc->set[O_ALLOCATE] ? VU_VOL_RESIZE_ALLOCATE : 0) |
			 (pc->set[O_DELTA] ? VU_VOL_RESIZE_DELTA : 0) |
			 (pc->set[O_SHRINK] ? VU_VOL_RESIZE_SHRINK : 0);
	struct volref ref;
	struct vu_err e = { 0 };
	const char *cap;
	uint64_t size;
	int r;

	pc_volref(pc, argc, argv, 1, &ref);
	cap = ref.rest[0];
	/* As virsh: "-1G" with --shrink means shrink by 1G. */
	if (cap[0] == '-') {
		if (!pc->set[O_SHRINK])
			vu_die_usage(VU_EXIT_USAGE, "negative size requires --shrink");
		cap++;
		flags |= VU_VOL_RESIZE_DELTA;
	}
	size = pc_size(pc, cap, "capacity");
	r = vu_vol_resize(pc_storage(pc), ref.vol, size, flags, NULL, &e);
	if (r < 0)
		r = vu_fail(ref.vol->name, &e);
	else
		vu_say(pc->quiet, (flags & VU_VOL_RESIZE_DELTA) ?
		       "Size of volume '%s' successfully changed by %s" :
		       "Size of volume '%s' successfully changed to %s", ref.vol->name, cap);
	vu_vol_free(&ref.vol);
	return r;
}

/* ---- looking ---- */

enum { V_NAME, V_PATH, V_TYPE, V_FORMAT, V_CAPACITY, V_ALLOCATION, V_PHYSICAL, V_KEY,
       V_COUNT };

static const struct vu_col vol_cols[V_COUNT] = {
	[V_NAME] = { "Name", "name", VU_COL_STR }, [V_PATH] = { "Path", "path", VU_COL_STR },
	[V_TYPE] = { "Type", "type", VU_COL_STR },
	[V_FORMAT] = { "Format", "format", VU_COL_STR },
	[V_CAPACITY] = { "Capacity", "capacity", VU_COL_BYTES },
	[V_ALLOCATION] = { "Allocation", "allocation", VU_COL_BYTES },
	[V_PHYSICAL] = { "Physical", "physical", VU_COL_BYTES },
	[V_KEY] = { "Key", "key", VU_COL_STR },
};

static const char *vol_type(const struct vu_vol *v)
{
	return v->type == VU_VOL_BLOCK ? "block" : "file";
}

static void vol_row(struct vu_table *t, const struct vu_vol *v, int ncols)
{
	char cap[32], alloc[32], phys[32];
	const struct { const char *text; uint64_t num; } cells[V_COUNT] = {
		{ v->name, 0 }, { v->path, 0 }, { vol_type(v), 0 }, { v->format, 0 },
		{ vu_size_virsh(v->capacity, cap, sizeof(cap)), v->capacity },
		{ vu_size_virsh(v->allocation, alloc, sizeof(alloc)), v->allocation },
		{ vu_size_virsh(v->physical, phys, sizeof(phys)), v->physical },
		{ v->key, 0 },
	};
	/* The details view leaves Format out, as virsh's. */
	static const int details[] = { V_NAME, V_PATH, V_TYPE, V_CAPACITY, V_ALLOCATION };
	bool all = ncols == V_COUNT;
	int r = vu_table_row(t);

	for (int i = 0; r == 0 && i < ncols; i++) {
		int c = all ? i : details[i];

		r = vu_table_cell(t, i, cells[c].text, cells[c].num);
	}
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

int cmd_vol_list(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	const char *pool;
	struct vu_pool *p;
	struct vu_vol **vols;
	struct vu_err e = { 0 };
	struct vu_col details[5] = { vol_cols[V_NAME], vol_cols[V_PATH], vol_cols[V_TYPE],
				     vol_cols[V_CAPACITY], vol_cols[V_ALLOCATION] };
	int ncols = pc->set[O_JSON] ? V_COUNT : pc->set[O_DETAILS] ? 5 : 2;
	struct vu_table *t;
	size_t n;

	pool_first(pc, argc, argv, 0, &pool);
	p = pc_pool(pc, pool);
	if (vu_vol_list(pc_storage(pc), p, &vols, &n, &e) < 0) {
		vu_pool_free(&p);
		return vu_fail(pool, &e);
	}
	t = vu_table_new(ncols == V_COUNT ? vol_cols : details, ncols);
	if (!t)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (size_t i = 0; i < n; i++)
		vol_row(t, vols[i], ncols == 2 ? 2 : ncols);
	if (pc->set[O_JSON])
		vu_table_print_json(t, stdout);
	else
		vu_table_print(t, stdout, !pc->quiet);
	vu_table_free(&t);
	vu_vol_list_free(&vols, n);
	vu_pool_free(&p);
	return VU_EXIT_OK;
}

int cmd_vol_info(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct volref ref;

	pc_volref(pc, argc, argv, 0, &ref);
	printf("%-15s %s\n", "Name:", ref.vol->name);
	printf("%-15s %s\n", "Type:", vol_type(ref.vol));
	pc_info_size(pc, "Capacity:", ref.vol->capacity, " bytes");
	pc_info_size(pc, "Allocation:", ref.vol->allocation, " bytes");
	vu_vol_free(&ref.vol);
	return VU_EXIT_OK;
}

int cmd_vol_dumpxml(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct volref ref;
	struct vu_err e = { 0 };
	char *xml;
	int r;

	pc_volref(pc, argc, argv, 0, &ref);
	xml = vu_vol_xml(ref.vol, &e);
	r = xml ? pc_print_xml(xml) : vu_fail(ref.vol->name, &e);
	vu_vol_free(&ref.vol);
	return r;
}

enum vol_field { F_PATH, F_NAME, F_KEY, F_POOL };

static int print_field(struct pool_ctl *pc, int argc, char **argv, enum vol_field f)
{
	struct volref ref;
	const struct vu_vol *v;

	pc_volref(pc, argc, argv, 0, &ref);
	v = ref.vol;
	switch (f) {
	case F_PATH: puts(v->path); break;
	case F_NAME: puts(v->name); break;
	case F_KEY: puts(v->key); break;
	case F_POOL: puts(pc->set[O_UUID] ? v->pool->uuid : v->pool->name); break;
	}
	vu_vol_free(&ref.vol);
	return VU_EXIT_OK;
}

int cmd_vol_path(void *pc, int argc, char **argv) { return print_field(pc, argc, argv, F_PATH); }
int cmd_vol_name(void *pc, int argc, char **argv) { return print_field(pc, argc, argv, F_NAME); }
int cmd_vol_key(void *pc, int argc, char **argv) { return print_field(pc, argc, argv, F_KEY); }
int cmd_vol_pool(void *pc, int argc, char **argv) { return print_field(pc, argc, argv, F_POOL); }
