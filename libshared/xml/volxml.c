/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volxml.c - libvirt storage volume XML: the document, what vol-create asks
 * for, vol-create-as's request and vol-dumpxml's description */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/size.h"
#include "vu/volxml.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

#include "model.h"

/* ---- the document: struct vu_volxml and its load/parse/free/format/doc ---- */

VU_MODEL_HANDLE(vu_volxml)

/* ---- the check and the request ---- */

void vu_volspec_free(struct vu_volspec *s)
{
	free(s->name);
	free(s->format);
	free(s->backing_path);
	free(s->backing_format);
	memset(s, 0, sizeof(*s));
	s->mode = -1;
	s->owner = s->group = -1;
}

/* <capacity unit='G'>10</capacity>: the unit is virsh's, bytes by default. */
static int read_scaled(xmlNodePtr n, uint64_t *out, bool *has, struct vu_err *e)
{
	char *text = NULL, *unit = NULL, *joined = NULL;
	int r = vu_model_opt(n, NULL, NULL, &text);

	if (r == 0)
		r = vu_model_opt(n, NULL, "unit", &unit);

	if (r == 0 && text && asprintf(&joined, "%s%s", text, unit ? unit : "") < 0)
		r = -ENOMEM;
	if (r == 0 && joined) {
		r = vu_parse_size(joined, VU_SIZE_VIRSH, 1, out);
		if (r < 0)
			vu_err_set(e, EINVAL, "invalid %s '%s'", (const char *)n->name,
				   VU_SHOWN(joined));
		else
			*has = true;
	}
	free(text);
	free(unit);
	free(joined);
	return r;
}

static int read_sizes(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	int r = read_scaled(vu_node_child(root, "capacity"), &s->capacity, &s->has_capacity, e);

	if (r == 0)
		r = read_scaled(vu_node_child(root, "allocation"), &s->allocation,
				&s->has_allocation, e);
	return r;
}

static int read_num(const char *text, int base, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, base);
	if (!*text || *end || errno || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int read_perms(xmlNodePtr perms, struct vu_volspec *s, struct vu_err *e)
{
	static const char *const fields[] = { "mode", "owner", "group" };

	for (int i = 0; i < 3 && perms; i++) {
		char *text;
		long long v;
		int r = vu_model_opt(perms, fields[i], NULL, &text);

		if (r < 0)
			return r;
		if (!text)
			continue;
		r = read_num(text, i == 0 ? 8 : 10, i == 0 ? 0 : -1, i == 0 ? 07777 : UINT32_MAX,
			     &v);
		if (r < 0) {
			vu_err_set(e, EINVAL, "invalid permission %s '%s'", fields[i],
				   VU_SHOWN(text));
			free(text);
			return r;
		}
		free(text);
		if (i == 0)
			s->mode = (int)v;
		else if (i == 1)
			s->owner = v;
		else
			s->group = v;
	}
	return 0;
}

static int read_compat(xmlNodePtr target, struct vu_volspec *s, struct vu_err *e)
{
	char *compat;
	int r = vu_model_opt(target, "compat", NULL, &compat);

	if (compat && strcmp(compat, "0.10") == 0)
		s->version = 2;
	else if (compat && strcmp(compat, "1.1") == 0)
		s->version = 3;
	else if (compat)
		r = vu_err_set(e, EINVAL, "unsupported compat '%s' (0.10, 1.1)",
			       VU_SHOWN(compat));
	free(compat);
	return r;
}

static int read_target(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	xmlNodePtr target = vu_node_child(root, "target");
	bool has_cluster = false;
	int r = vu_model_opt(target, "format", "type", &s->format);

	if (r == 0)
		r = read_perms(vu_node_child(target, "permissions"), s, e);
	if (r == 0)
		r = read_compat(target, s, e);
	if (r == 0)
		r = read_scaled(vu_node_child(target, "clusterSize"), &s->cluster_size,
				&has_cluster, e);
	s->lazy_refcounts = vu_node_has(target, "features/lazy_refcounts");
	s->extended_l2 = vu_node_has(target, "features/extended_l2");
	return r;
}

static int read_backing(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	xmlNodePtr bs = vu_node_child(root, "backingStore");
	int r;

	if (!bs)
		return 0;
	r = vu_model_opt(bs, "path", NULL, &s->backing_path);
	if (r == 0)
		r = vu_model_opt(bs, "format", "type", &s->backing_format);
	if (r < 0)
		return r;
	if (!s->backing_path || s->backing_path[0] != '/')
		return vu_err_set(e, EINVAL, "the backing store needs an absolute path");
	return 0;
}

static int read_name(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	int r;

	if (!vu_node_is(root, "volume"))
		return vu_err_set(e, EINVAL, "the root element is not <volume>");
	if (vu_node_count(root, "name") != 1)
		return vu_err_set(e, EINVAL, "a volume needs exactly one <name>");
	if ((r = vu_node_get(root, "name", NULL, &s->name)) < 0)
		return r;
	return vu_xml_name_check("volume", s->name, e);
}

int vu_volxml_read(const struct vu_volxml *vx, struct vu_volspec *s, struct vu_err *e)
{
	xmlNodePtr root = vx ? xmlDocGetRootElement(vx->doc) : NULL;
	int r;

	memset(s, 0, sizeof(*s));
	s->mode = -1;
	s->owner = s->group = -1;
	r = read_name(root, s, e);
	if (r == 0)
		r = read_sizes(root, s, e);
	if (r == 0)
		r = read_target(root, s, e);
	if (r == 0)
		r = read_backing(root, s, e);
	if (r == -ENOMEM)
		vu_err_set(e, ENOMEM, NULL);
	if (r < 0)
		vu_volspec_free(s);
	return r;
}

/* ---- building ---- */

static int add_u64(xmlNodePtr parent, const char *name, uint64_t v, const char *unit)
{
	char num[24];
	xmlNodePtr n;
	int r;

	snprintf(num, sizeof(num), "%" PRIu64, v);
	r = vu_node_insert(parent, name, num, &n);
	return r < 0 || !unit ? r : vu_node_set(n, NULL, "unit", unit);
}

/* <format type='fmt'/>, when there is a format. */
static int add_format(xmlNodePtr parent, const char *fmt)
{
	xmlNodePtr n;
	int r;

	if (!fmt)
		return 0;
	r = vu_node_insert(parent, "format", NULL, &n);
	return r < 0 ? r : vu_node_set(n, NULL, "type", fmt);
}

/* Takes the half-built doc over: the handle when r is 0, else freed. */
static int built(struct vu_volxml **out, xmlDocPtr doc, int r)
{
	*out = NULL;
	if (r < 0) {
		xmlFreeDoc(doc);
		return r;
	}
	return vu_volxml_wrap(out, doc);
}

/* <backingStore><path>...</path><format type='...'/></backingStore>. */
static int add_backing_path(xmlNodePtr root, const char *path, const char *format,
			    xmlNodePtr *out)
{
	int r = vu_node_insert(root, "backingStore", NULL, out);

	if (r == 0)
		r = vu_node_insert(*out, "path", path, NULL);
	return r < 0 ? r : add_format(*out, format);
}

int vu_volxml_new_spec(struct vu_volxml **out, const struct vu_volspec *s)
{
	xmlNodePtr root, t, b;
	xmlDocPtr doc;
	int r = vu_model_new(&doc, "volume", &root);

	if (r == 0)
		r = vu_node_insert(root, "name", s->name, NULL);
	if (r == 0)
		r = add_u64(root, "capacity", s->capacity, NULL);
	if (r == 0 && s->has_allocation)
		r = add_u64(root, "allocation", s->allocation, NULL);
	if (r == 0 && s->format && (r = vu_node_insert(root, "target", NULL, &t)) == 0)
		r = add_format(t, s->format);
	if (r == 0 && s->backing_path)
		r = add_backing_path(root, s->backing_path, s->backing_format, &b);
	return built(out, doc, r);
}

/* libvirt's timestamp: seconds, and nanoseconds only when there are some. */
static int add_time(xmlNodePtr parent, const char *name, const struct timespec *ts)
{
	char buf[48];

	if (ts->tv_nsec)
		snprintf(buf, sizeof(buf), "%lld.%09ld", (long long)ts->tv_sec, ts->tv_nsec);
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)ts->tv_sec);
	return vu_node_insert(parent, name, buf, NULL);
}

static int add_file(xmlNodePtr parent, const struct vu_volfile *f)
{
	xmlNodePtr p, ts;
	char mode[8];
	int r = vu_node_insert(parent, "permissions", NULL, &p);

	snprintf(mode, sizeof(mode), "%04o", (unsigned)f->mode & 07777);
	if (r == 0)
		r = vu_node_insert(p, "mode", mode, NULL);
	if (r == 0)
		r = add_u64(p, "owner", f->uid, NULL);
	if (r == 0)
		r = add_u64(p, "group", f->gid, NULL);
	if (r == 0)
		r = vu_node_insert(parent, "timestamps", NULL, &ts);
	if (r == 0)
		r = add_time(ts, "atime", &f->atime);
	if (r == 0 && f->has_btime)
		r = add_time(ts, "btime", &f->btime);
	if (r == 0)
		r = add_time(ts, "mtime", &f->mtime);
	if (r == 0)
		r = add_time(ts, "ctime", &f->ctime);
	return r;
}

static int add_source(xmlNodePtr root, const struct vu_volextent *x)
{
	const char *attrs[] = { "start", NULL, "end", NULL, NULL };
	char a[24], b[24];
	xmlNodePtr ext;
	int r;

	if (!x)
		return 0;
	snprintf(a, sizeof(a), "%" PRIu64, x->start);
	snprintf(b, sizeof(b), "%" PRIu64, x->end);
	attrs[1] = a;
	attrs[3] = b;
	r = vu_node_set(root, "source/device", "path", x->device);
	if (r == 0)
		r = vu_node_ensure(root, "source/device/extent", &ext);
	return r < 0 ? r : vu_node_set_attrs(ext, attrs);
}

static int add_qcow2_target(xmlNodePtr t, const struct vu_volinfo *v)
{
	int r = 0;

	if (v->compat)
		r = vu_node_insert(t, "compat", v->compat, NULL);
	if (r == 0 && v->cluster_size)
		r = add_u64(t, "clusterSize", v->cluster_size, "B");
	if (r == 0 && v->lazy_refcounts)
		r = vu_node_ensure(t, "features/lazy_refcounts", NULL);
	if (r == 0 && v->extended_l2)
		r = vu_node_ensure(t, "features/extended_l2", NULL);
	return r;
}

static int add_target(xmlNodePtr root, const struct vu_volinfo *v)
{
	xmlNodePtr t;
	int r = vu_node_insert(root, "target", NULL, &t);

	if (r == 0)
		r = vu_node_insert(t, "path", v->path, NULL);
	if (r == 0)
		r = add_format(t, v->format);
	if (r == 0)
		r = add_file(t, &v->file);
	return r < 0 ? r : add_qcow2_target(t, v);
}

static int add_backing(xmlNodePtr root, const struct vu_volinfo *v)
{
	xmlNodePtr b;
	int r;

	if (!v->backing_path)
		return 0;
	r = add_backing_path(root, v->backing_path, v->backing_format, &b);
	if (r == 0 && v->backing_file)
		r = add_file(b, v->backing_file);
	return r;
}

int vu_volxml_new(struct vu_volxml **out, const struct vu_volinfo *v)
{
	xmlNodePtr root;
	xmlDocPtr doc;
	int r = vu_model_new(&doc, "volume", &root);

	if (r == 0)
		r = vu_node_set(root, NULL, "type", v->type);
	if (r == 0)
		r = vu_node_insert(root, "name", v->name, NULL);
	if (r == 0)
		r = vu_node_insert(root, "key", v->key, NULL);
	if (r == 0)
		r = add_source(root, v->extent);
	if (r == 0)
		r = add_u64(root, "capacity", v->capacity, "bytes");
	if (r == 0)
		r = add_u64(root, "allocation", v->allocation, "bytes");
	if (r == 0)
		r = add_u64(root, "physical", v->physical, "bytes");
	if (r == 0)
		r = add_target(root, v);
	if (r == 0)
		r = add_backing(root, v);
	return built(out, doc, r);
}
