/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volxml.c - libvirt storage volume XML: read what vol-create asks for,
 * build vol-create-as's request and vol-dumpxml's description */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/file.h"
#include "vu/size.h"
#include "vu/volxml.h"
#include "xmlnode.h"

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
	bool oom = false;
	char *text = vu_xn_text(n, &oom), *unit = vu_xn_attr(n, "unit", &oom), *joined = NULL;
	int r = oom ? -ENOMEM : 0;

	if (r == 0 && text && asprintf(&joined, "%s%s", text, unit ? unit : "") < 0)
		r = -ENOMEM;
	if (r == 0 && joined) {
		r = vu_parse_size(joined, VU_SIZE_VIRSH, 1, out);
		if (r < 0)
			vu_err_set(e, EINVAL, "invalid %s '%s'", (const char *)n->name, joined);
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
	int r = read_scaled(vu_xn_child(root, "capacity"), &s->capacity, &s->has_capacity, e);

	if (r == 0)
		r = read_scaled(vu_xn_child(root, "allocation"), &s->allocation,
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
		bool oom = false;
		char *text = vu_xn_text(vu_xn_child(perms, fields[i]), &oom);
		long long v;
		int r;

		if (oom)
			return -ENOMEM;
		if (!text)
			continue;
		r = read_num(text, i == 0 ? 8 : 10, i == 0 ? 0 : -1, i == 0 ? 07777 : UINT32_MAX,
			     &v);
		if (r < 0) {
			vu_err_set(e, EINVAL, "invalid permission %s '%s'", fields[i], text);
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
	bool oom = false;
	char *compat = vu_xn_text(vu_xn_child(target, "compat"), &oom);
	int r = oom ? -ENOMEM : 0;

	if (compat && strcmp(compat, "0.10") == 0)
		s->version = 2;
	else if (compat && strcmp(compat, "1.1") == 0)
		s->version = 3;
	else if (compat)
		r = vu_err_set(e, EINVAL, "unsupported compat '%s' (0.10, 1.1)", compat);
	free(compat);
	return r;
}

static int read_target(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	xmlNodePtr target = vu_xn_child(root, "target");
	xmlNodePtr features = vu_xn_child(target, "features");
	bool has_cluster = false, oom = false;
	int r;

	s->format = vu_xn_attr(vu_xn_child(target, "format"), "type", &oom);
	if (oom)
		return -ENOMEM;
	r = read_perms(vu_xn_child(target, "permissions"), s, e);
	if (r == 0)
		r = read_compat(target, s, e);
	if (r == 0)
		r = read_scaled(vu_xn_child(target, "clusterSize"), &s->cluster_size,
				&has_cluster, e);
	s->lazy_refcounts = vu_xn_child(features, "lazy_refcounts") != NULL;
	s->extended_l2 = vu_xn_child(features, "extended_l2") != NULL;
	return r;
}

static int read_backing(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	xmlNodePtr bs = vu_xn_child(root, "backingStore");
	bool oom = false;

	if (!bs)
		return 0;
	s->backing_path = vu_xn_text(vu_xn_child(bs, "path"), &oom);
	s->backing_format = vu_xn_attr(vu_xn_child(bs, "format"), "type", &oom);
	if (oom)
		return -ENOMEM;
	if (!s->backing_path || s->backing_path[0] != '/')
		return vu_err_set(e, EINVAL, "the backing store needs an absolute path");
	return 0;
}

static int read_name(xmlNodePtr root, struct vu_volspec *s, struct vu_err *e)
{
	bool oom = false;

	if (!root || root->ns || strcmp((const char *)root->name, "volume") != 0)
		return vu_err_set(e, EINVAL, "the root element is not <volume>");
	if (vu_xn_count(root, "name") != 1)
		return vu_err_set(e, EINVAL, "a volume needs exactly one <name>");
	s->name = vu_xn_text(vu_xn_child(root, "name"), &oom);
	if (oom)
		return -ENOMEM;
	if (vu_name_check(s->name) < 0)
		return vu_err_set(e, EINVAL, "invalid volume name '%s'", s->name);
	return 0;
}

int vu_volxml_read(xmlDocPtr doc, struct vu_volspec *s, struct vu_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
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

static xmlNodePtr add_u64(xmlNodePtr parent, const char *name, uint64_t v, const char *unit)
{
	char num[24];
	xmlNodePtr n;

	snprintf(num, sizeof(num), "%" PRIu64, v);
	n = vu_xn_add(parent, name, num);
	if (n && unit && !xmlSetProp(n, (const xmlChar *)"unit", (const xmlChar *)unit))
		return NULL;
	return n;
}

static bool add_format(xmlNodePtr parent, const char *fmt)
{
	xmlNodePtr n;

	if (!fmt)
		return true;
	n = vu_xn_add(parent, "format", NULL);
	return n && xmlSetProp(n, (const xmlChar *)"type", (const xmlChar *)fmt);
}

static xmlDocPtr new_volume_doc(xmlNodePtr *root)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");

	*root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"volume", NULL) : NULL;
	if (!*root) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, *root);
	return doc;
}

xmlDocPtr vu_volxml_build_spec(const struct vu_volspec *s)
{
	xmlNodePtr root, t, b;
	xmlDocPtr doc = new_volume_doc(&root);
	bool ok = doc && vu_xn_add(root, "name", s->name) &&
		  add_u64(root, "capacity", s->capacity, NULL) &&
		  (!s->has_allocation || add_u64(root, "allocation", s->allocation, NULL));

	if (ok && s->format)
		ok = (t = vu_xn_add(root, "target", NULL)) && add_format(t, s->format);
	if (ok && s->backing_path)
		ok = (b = vu_xn_add(root, "backingStore", NULL)) &&
		     vu_xn_add(b, "path", s->backing_path) && add_format(b, s->backing_format);
	if (!ok) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* libvirt's timestamp: seconds, and nanoseconds only when there are some. */
static bool add_time(xmlNodePtr parent, const char *name, const struct timespec *ts)
{
	char buf[48];

	if (ts->tv_nsec)
		snprintf(buf, sizeof(buf), "%lld.%09ld", (long long)ts->tv_sec, ts->tv_nsec);
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)ts->tv_sec);
	return vu_xn_add(parent, name, buf) != NULL;
}

static bool add_file(xmlNodePtr parent, const struct vu_volfile *f)
{
	xmlNodePtr p = vu_xn_add(parent, "permissions", NULL);
	xmlNodePtr ts;
	char mode[8];

	snprintf(mode, sizeof(mode), "%04o", (unsigned)f->mode & 07777);
	if (!p || !vu_xn_add(p, "mode", mode) || !add_u64(p, "owner", f->uid, NULL) ||
	    !add_u64(p, "group", f->gid, NULL))
		return false;
	ts = vu_xn_add(parent, "timestamps", NULL);
	return ts && add_time(ts, "atime", &f->atime) &&
	       (!f->has_btime || add_time(ts, "btime", &f->btime)) &&
	       add_time(ts, "mtime", &f->mtime) && add_time(ts, "ctime", &f->ctime);
}

static bool add_source(xmlNodePtr root, const struct vu_volextent *x)
{
	xmlNodePtr src, dev, ext;

	if (!x)
		return true;
	src = vu_xn_add(root, "source", NULL);
	dev = src ? vu_xn_add(src, "device", NULL) : NULL;
	ext = dev ? vu_xn_add(dev, "extent", NULL) : NULL;
	if (!ext || !xmlSetProp(dev, (const xmlChar *)"path", (const xmlChar *)x->device))
		return false;
	char a[24], b[24];

	snprintf(a, sizeof(a), "%" PRIu64, x->start);
	snprintf(b, sizeof(b), "%" PRIu64, x->end);
	return xmlSetProp(ext, (const xmlChar *)"start", (const xmlChar *)a) &&
	       xmlSetProp(ext, (const xmlChar *)"end", (const xmlChar *)b);
}

static bool add_qcow2_target(xmlNodePtr t, const struct vu_volinfo *v)
{
	xmlNodePtr f;

	if (v->compat && !vu_xn_add(t, "compat", v->compat))
		return false;
	if (v->cluster_size && !add_u64(t, "clusterSize", v->cluster_size, "B"))
		return false;
	if (!v->lazy_refcounts && !v->extended_l2)
		return true;
	f = vu_xn_add(t, "features", NULL);
	return f && (!v->lazy_refcounts || vu_xn_add(f, "lazy_refcounts", NULL)) &&
	       (!v->extended_l2 || vu_xn_add(f, "extended_l2", NULL));
}

static bool add_target(xmlNodePtr root, const struct vu_volinfo *v)
{
	xmlNodePtr t = vu_xn_add(root, "target", NULL);

	return t && vu_xn_add(t, "path", v->path) && add_format(t, v->format) &&
	       add_file(t, &v->file) && add_qcow2_target(t, v);
}

static bool add_backing(xmlNodePtr root, const struct vu_volinfo *v)
{
	xmlNodePtr b;

	if (!v->backing_path)
		return true;
	b = vu_xn_add(root, "backingStore", NULL);
	return b && vu_xn_add(b, "path", v->backing_path) && add_format(b, v->backing_format) &&
	       (!v->backing_file || add_file(b, v->backing_file));
}

xmlDocPtr vu_volxml_build(const struct vu_volinfo *v)
{
	xmlNodePtr root;
	xmlDocPtr doc = new_volume_doc(&root);
	bool ok = doc && xmlSetProp(root, (const xmlChar *)"type", (const xmlChar *)v->type) &&
		  vu_xn_add(root, "name", v->name) && vu_xn_add(root, "key", v->key) &&
		  add_source(root, v->extent) &&
		  add_u64(root, "capacity", v->capacity, "bytes") &&
		  add_u64(root, "allocation", v->allocation, "bytes") &&
		  add_u64(root, "physical", v->physical, "bytes") && add_target(root, v) &&
		  add_backing(root, v);

	if (!ok) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}
