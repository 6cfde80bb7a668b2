/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk_desc.c - the vmdk text descriptor: CIDs, create type, extent lines, DDB */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdk.h"

/* Extent names come from a file anyone may have written: only a plain
 * file name beside the descriptor is opened, never a path that climbs out
 * of its directory or an absolute one (qemu follows both; we refuse), nor
 * one with control characters. */
bool vmdk_extent_name_ok(const char *name)
{
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return false;	/* and messages naming it stay one line */
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* The value of "key=value" (spaces around '=' allowed), or NULL. */
static const char *value_of(const char *line, const char *key)
{
	size_t k = strlen(key);

	if (strncmp(line, key, k) != 0)
		return NULL;
	line += k;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line++ != '=')
		return NULL;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/* A hexadecimal CID; anything else is refused. */
static int parse_cid(const char *s, uint32_t *cid, struct vu_err *e)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 16);

	if (end == s || v > UINT32_MAX || (*end && *end != ' ' && *end != '\t'))
		return vu_err_set(e, EINVAL, "invalid CID in the descriptor");
	*cid = (uint32_t)v;
	return 0;
}

/* A quoted value: the text between the quotes, copied into out. */
static int unquote(const char *s, char *out, size_t cap)
{
	const char *q;

	if (*s != '"' || !(q = strchr(s + 1, '"')) || (size_t)(q - s - 1) >= cap)
		return -EINVAL;
	memcpy(out, s + 1, (size_t)(q - s - 1));
	out[q - s - 1] = '\0';
	return 0;
}

static int extent_type(const char *t, enum vmdk_ext_type *type)
{
	if (strcmp(t, "FLAT") == 0 || strcmp(t, "VMFS") == 0)
		*type = VMDK_EXT_FLAT;
	else if (strcmp(t, "SPARSE") == 0)
		*type = VMDK_EXT_SPARSE;
	else if (strcmp(t, "ZERO") == 0)
		*type = VMDK_EXT_ZERO;
	else
		return -ENOTSUP;
	return 0;
}

/* "RW 131072 SPARSE "name" [offset]" */
static int parse_extent(struct vmdk *v, const char *line, struct vu_err *e)
{
	char access[16], type[16], name[4096];
	unsigned long long sectors, off = 0;
	struct vmdk_extent *x;
	int used = 0;
	const char *p;

	if (sscanf(line, "%15s %llu %15s %n", access, &sectors, type, &used) < 3 || !used)
		return vu_err_set(e, EINVAL, "invalid extent line in the descriptor");
	if (strcmp(access, "RW") && strcmp(access, "RDONLY") && strcmp(access, "NOACCESS"))
		return vu_err_set(e, EINVAL, "invalid extent line in the descriptor");
	x = &v->ext[v->n];
	memset(x, 0, sizeof(*x));
	x->fd = -1;
	if (extent_type(type, &x->type) < 0)
		return vu_err_set(e, ENOTSUP, "unsupported extent type '%s'", type);
	if (sectors == 0 || sectors > VMDK_MAX_DATA_BYTES / VMDK_SECTOR)
		return vu_err_set(e, EINVAL, "invalid extent size in the descriptor");
	p = line + used;
	if (x->type != VMDK_EXT_ZERO) {
		const char *q;

		/* unquote first: p may be the string's end. */
		if (unquote(p, name, sizeof(name)) < 0 || !(q = strchr(p + 1, '"')))
			return vu_err_set(e, EINVAL, "invalid extent file name in the descriptor");
		if (x->type == VMDK_EXT_FLAT && sscanf(q + 1, "%llu", &off) != 1)
			off = 0;
		if (off > VMDK_MAX_DATA_BYTES / VMDK_SECTOR)
			return vu_err_set(e, EINVAL, "invalid extent offset in the descriptor");
		if (!(x->name = strdup(name)))
			return vu_err_set(e, ENOMEM, NULL);
	}
	x->len = sectors * VMDK_SECTOR;
	x->flat_off = off * VMDK_SECTOR;
	v->n++;
	return 0;
}

static int parse_line(struct vmdk *v, char *line, bool want_extents, char **backing,
		      struct vu_err *e)
{
	const char *val;
	char tmp[4096];

	if ((val = value_of(line, "CID")))
		return parse_cid(val, &v->cid, e);
	if ((val = value_of(line, "parentCID")))
		return parse_cid(val, &v->parent_cid, e);
	if ((val = value_of(line, "createType"))) {
		if (unquote(val, v->create_type, sizeof(v->create_type)) < 0)
			return vu_err_set(e, EINVAL, "invalid createType in the descriptor");
		return 0;
	}
	if ((val = value_of(line, "parentFileNameHint"))) {
		if (unquote(val, tmp, sizeof(tmp)) < 0 || !tmp[0])
			return vu_err_set(e, EINVAL, "invalid parentFileNameHint in the descriptor");
		free(*backing);
		return (*backing = strdup(tmp)) ? 0 : vu_err_set(e, ENOMEM, NULL);
	}
	if (!want_extents || (strncmp(line, "RW ", 3) && strncmp(line, "RDONLY ", 7) &&
			      strncmp(line, "NOACCESS ", 9)))
		return 0;
	if (v->n >= VMDK_MAX_EXTENTS)
		return vu_err_set(e, EINVAL, "more than %d extents", VMDK_MAX_EXTENTS);
	return parse_extent(v, line, e);
}

int vmdk_desc_parse(struct vmdk *v, const char *text, bool want_extents, char **backing,
		    struct vu_err *e)
{
	char *copy = strdup(text), *save = NULL;
	int r = 0;

	*backing = NULL;
	v->parent_cid = UINT32_MAX;
	if (!copy)
		return vu_err_set(e, ENOMEM, NULL);
	if (want_extents && !(v->ext = calloc(VMDK_MAX_EXTENTS, sizeof(*v->ext))))
		r = vu_err_set(e, ENOMEM, NULL);
	for (char *l = strtok_r(copy, "\r\n", &save); r == 0 && l; l = strtok_r(NULL, "\r\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l && *l != '#')
			r = parse_line(v, l, want_extents, backing, e);
	}
	free(copy);
	if (r == 0 && !v->create_type[0])
		r = vu_err_set(e, EINVAL, "the descriptor has no createType");
	if (r == 0 && want_extents && v->n == 0)
		r = vu_err_set(e, EINVAL, "the descriptor names no extent");
	if (r < 0) {
		free(*backing);
		*backing = NULL;
	}
	return r;
}

char *vmdk_desc_format(const struct vmdk_desc_opts *o, const char *extent_lines)
{
	int heads = strcmp(o->adapter, "ide") == 0 ? 16 : 255;
	char parent[4200] = "";
	char *out = NULL;

	if (o->parent_hint)
		snprintf(parent, sizeof(parent), "parentFileNameHint=\"%s\"", o->parent_hint);
	if (asprintf(&out,
		     "# Disk DescriptorFile\n"
		     "version=1\n"
		     "CID=%" PRIx32 "\n"
		     "parentCID=%" PRIx32 "\n"
		     "createType=\"%s\"\n"
		     "%s\n"
		     "# Extent description\n"
		     "%s\n"
		     "# The Disk Data Base\n"
		     "#DDB\n"
		     "\n"
		     "ddb.virtualHWVersion = \"%s\"\n"
		     "ddb.geometry.cylinders = \"%" PRIu64 "\"\n"
		     "ddb.geometry.heads = \"%d\"\n"
		     "ddb.geometry.sectors = \"63\"\n"
		     "ddb.adapterType = \"%s\"\n"
		     "ddb.toolsVersion = \"2147483647\"\n",
		     o->cid, o->parent_cid, o->create_type, parent, extent_lines, o->hwversion,
		     o->size / (63u * (uint64_t)heads * VMDK_SECTOR), heads, o->adapter) < 0)
		return NULL;
	return out;
}

char *vmdk_desc_set_cid(const char *desc, uint32_t cid)
{
	const char *line = desc;
	char *out;

	/* The line that starts with CID= (not parentCID=). */
	while (line && strncmp(line, "CID=", 4) != 0) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line)
		return NULL;
	const char *end = line + strcspn(line, "\r\n");

	if (asprintf(&out, "%.*sCID=%" PRIx32 "%s", (int)(line - desc), desc, cid, end) < 0)
		return NULL;
	return out;
}
