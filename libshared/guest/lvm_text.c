/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lvm_text.c - LVM2's metadata text (sections, key = value, arrays) as a
 * tree, and the VG it describes: PVs, and LVs with their segments. Pure:
 * untrusted text from a disk, fuzzed by tests/fuzz/fuzz_lvm.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_int.h"

#define MAX_DEPTH 32
#define MAX_NODES 200000
#define MAX_LVS 4096
#define MAX_SEGS 4096

struct lexer {
	const char *p, *end;
	size_t nodes;
};

static void skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r') {
			lx->p++;
		} else {
			return;
		}
	}
}

static bool word_char(char c)
{
	return c > ' ' && c != '=' && c != '{' && c != '}' && c != '[' && c != ']' &&
	       c != ',' && c != '"' && c != '#' && c != 0x7f;
}

/* A bare word or a quoted string, malloc'd; NULL on a syntax error. */
static char *token(struct lexer *lx, bool *quoted)
{
	const char *s = lx->p;
	size_t n;
	char *out;

	*quoted = false;
	if (lx->p < lx->end && *lx->p == '"') {
		*quoted = true;
		s = ++lx->p;
		while (lx->p < lx->end && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			lx->p++;
		}
		if (lx->p >= lx->end)
			return NULL;
		out = calloc(1, (size_t)(lx->p - s) + 1);
		if (!out)
			return NULL;
		n = 0;
		for (const char *q = s; q < lx->p; q++) {
			if (*q == '\\' && q + 1 < lx->p)
				q++;
			out[n++] = *q;
		}
		lx->p++;
		return out;
	}
	while (lx->p < lx->end && word_char(*lx->p))
		lx->p++;
	if (lx->p == s)
		return NULL;
	return strndup(s, (size_t)(lx->p - s));
}

static struct lvm_node *new_node(struct lexer *lx, char *key, int kind)
{
	struct lvm_node *n;

	if (++lx->nodes > MAX_NODES)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->key = key;
	n->kind = kind;
	return n;
}

void lvm_node_free(struct lvm_node *n)
{
	while (n) {
		struct lvm_node *next = n->next;

		lvm_node_free(n->child);
		free(n->key);
		free(n->str);
		free(n);
		n = next;
	}
}

static int parse_array(struct lexer *lx, struct lvm_node *arr)
{
	struct lvm_node **tail = &arr->child;

	lx->p++;	/* '[' */
	for (;;) {
		struct lvm_node *v;
		bool q;
		char *t;

		skip_space(lx);
		if (lx->p >= lx->end)
			return -EINVAL;
		if (*lx->p == ']') {
			lx->p++;
			return 0;
		}
		if (*lx->p == ',') {
			lx->p++;
			continue;
		}
		t = token(lx, &q);
		if (!t)
			return -EINVAL;
		v = new_node(lx, NULL, LVM_VALUE);
		if (!v) {
			free(t);
			return -ENOMEM;
		}
		v->str = t;
		v->is_string = q;
		*tail = v;
		tail = &v->next;
	}
}

/* Items until '}' (depth > 0) or the end. */
static int parse_items(struct lexer *lx, struct lvm_node **tail, int depth)
{
	if (depth > MAX_DEPTH)
		return -EINVAL;
	for (;;) {
		struct lvm_node *n;
		bool q;
		char *key;
		int r;

		skip_space(lx);
		if (lx->p >= lx->end || *lx->p == '\0')
			return depth ? -EINVAL : 0;
		if (*lx->p == '}') {
			if (!depth)
				return -EINVAL;
			lx->p++;
			return 0;
		}
		key = token(lx, &q);
		if (!key || q) {
			free(key);
			return -EINVAL;
		}
		skip_space(lx);
		if (lx->p >= lx->end) {
			free(key);
			return -EINVAL;
		}
		if (*lx->p == '{') {
			lx->p++;
			n = new_node(lx, key, LVM_SECTION);
			if (!n) {
				free(key);
				return -ENOMEM;
			}
			*tail = n;
			tail = &n->next;
			r = parse_items(lx, &n->child, depth + 1);
		} else if (*lx->p == '=') {
			lx->p++;
			skip_space(lx);
			if (lx->p >= lx->end) {
				free(key);
				return -EINVAL;
			}
			n = new_node(lx, key, *lx->p == '[' ? LVM_ARRAY : LVM_VALUE);
			if (!n) {
				free(key);
				return -ENOMEM;
			}
			*tail = n;
			tail = &n->next;
			if (n->kind == LVM_ARRAY) {
				r = parse_array(lx, n);
			} else {
				n->str = token(lx, &n->is_string);
				r = n->str ? 0 : -EINVAL;
			}
		} else {
			free(key);
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
}

int lvm_text_parse(const char *text, size_t len, struct lvm_node **root)
{
	struct lexer lx = { text, text + strnlen(text, len), 0 };
	struct lvm_node *first = NULL;
	int r = parse_items(&lx, &first, 0);

	if (r < 0) {
		lvm_node_free(first);
		*root = NULL;
		return r;
	}
	*root = first;
	return 0;
}

const struct lvm_node *lvm_node_get(const struct lvm_node *n, const char *key)
{
	for (const struct lvm_node *c = n ? n->child : NULL; c; c = c->next)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

const char *lvm_node_str(const struct lvm_node *n, const char *key)
{
	const struct lvm_node *c = lvm_node_get(n, key);

	return c && c->kind == LVM_VALUE ? c->str : NULL;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int lvm_node_u64(const struct lvm_node *n, const char *key, uint64_t *v)
{
	const struct lvm_node *c = lvm_node_get(n, key);

	if (!c)
		return -ENOENT;
	if (c->kind != LVM_VALUE || c->is_string)
		return -EINVAL;
	return parse_u64(c->str, v);
}

/* ---- the VG ---- */

static bool has_flag(const struct lvm_node *n, const char *key, const char *flag)
{
	const struct lvm_node *a = lvm_node_get(n, key);

	for (const struct lvm_node *c = a && a->kind == LVM_ARRAY ? a->child : NULL; c; c = c->next)
		if (c->str && !strcmp(c->str, flag))
			return true;
	return false;
}

static const char *pv_id_of(const struct lvm_vg *vg, const char *pvname)
{
	for (size_t i = 0; i < vg->npv; i++)
		if (!strcmp(vg->pv[i].name, pvname))
			return vg->pv[i].id;
	return NULL;
}

/* One segment; a linear one ("striped", one stripe) is resolved to its PV. */
static int parse_segment(const struct lvm_vg *vg, const struct lvm_node *s, struct lvm_lv *lv,
			 struct vu_err *e)
{
	const char *type = lvm_node_str(s, "type");
	const struct lvm_node *stripes = lvm_node_get(s, "stripes");
	struct lvm_seg seg = { 0 };
	uint64_t nstripes = 0;
	const char *pvid;

	if (lvm_node_u64(s, "start_extent", &seg.le) < 0 ||
	    lvm_node_u64(s, "extent_count", &seg.count) < 0 || !type)
		return vu_err_set(e, EINVAL, "LV %s: bad segment", lv->name);
	if (strcmp(type, "striped") || lvm_node_u64(s, "stripe_count", &nstripes) < 0 ||
	    nstripes != 1 || !stripes || stripes->kind != LVM_ARRAY || !stripes->child ||
	    !stripes->child->next) {
		if (lv->linear)
			snprintf(lv->seg_type, sizeof(lv->seg_type), "%s",
				 strcmp(type, "striped") ? type : "striped");
		lv->linear = false;
		return 0;
	}
	pvid = pv_id_of(vg, stripes->child->str);
	if (!pvid || parse_u64(stripes->child->next->str, &seg.pe) < 0)
		return vu_err_set(e, EINVAL, "LV %s: segment on an unknown PV", lv->name);
	snprintf(seg.pv_id, sizeof(seg.pv_id), "%s", pvid);
	if (lv->nseg >= MAX_SEGS)
		return vu_err_set(e, EINVAL, "LV %s: too many segments", lv->name);
	{
		struct lvm_seg *v = realloc(lv->seg, (lv->nseg + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		lv->seg = v;
		v[lv->nseg++] = seg;
	}
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct lvm_seg *x = a, *y = b;

	return x->le < y->le ? -1 : x->le > y->le;
}

static int parse_lv(struct lvm_vg *vg, const struct lvm_node *n, struct vu_err *e)
{
	struct lvm_lv *lv, *v;
	uint64_t next = 0;
	int r = 0;

	if (!has_flag(n, "status", "VISIBLE") || vg->nlv >= MAX_LVS)
		return 0;
	v = realloc(vg->lv, (vg->nlv + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	vg->lv = v;
	lv = &v[vg->nlv++];
	memset(lv, 0, sizeof(*lv));
	snprintf(lv->name, sizeof(lv->name), "%s", n->key);
	lv->linear = true;
	for (const struct lvm_node *s = n->child; s && r == 0; s = s->next)
		if (s->kind == LVM_SECTION && !strncmp(s->key, "segment", 7))
			r = parse_segment(vg, s, lv, e);
	if (r < 0)
		return r;
	if (!lv->linear || !lv->nseg) {
		lv->linear = false;
		if (!lv->seg_type[0])
			strcpy(lv->seg_type, "none");
		return 0;
	}
	/* Segments must cover the LV without holes. */
	qsort(lv->seg, lv->nseg, sizeof(*lv->seg), cmp_seg);
	for (size_t i = 0; i < lv->nseg; i++) {
		if (lv->seg[i].le != next || lv->seg[i].count == 0 ||
		    lv->seg[i].count > UINT64_MAX / 2 - next)
			return vu_err_set(e, EINVAL, "LV %s: segments do not follow", lv->name);
		next += lv->seg[i].count;
	}
	return 0;
}

static int parse_pvs(struct lvm_vg *vg, const struct lvm_node *pvs, struct vu_err *e)
{
	for (const struct lvm_node *p = pvs ? pvs->child : NULL; p; p = p->next) {
		const char *id = lvm_node_str(p, "id");
		uint64_t pe_start;
		void *v;

		if (p->kind != LVM_SECTION)
			continue;
		if (!id || lvm_node_u64(p, "pe_start", &pe_start) < 0)
			return vu_err_set(e, EINVAL, "PV %s: no id or pe_start", p->key);
		v = realloc(vg->pv, (vg->npv + 1) * sizeof(*vg->pv));
		if (!v)
			return -ENOMEM;
		vg->pv = v;
		snprintf(vg->pv[vg->npv].name, sizeof(vg->pv[0].name), "%s", p->key);
		snprintf(vg->pv[vg->npv].id, sizeof(vg->pv[0].id), "%s", id);
		vg->pv[vg->npv++].pe_start = pe_start;
	}
	return 0;
}

void lvm_vg_free(struct lvm_vg *vg)
{
	for (size_t i = 0; i < vg->nlv; i++)
		free(vg->lv[i].seg);
	free(vg->lv);
	free(vg->pv);
	memset(vg, 0, sizeof(*vg));
}

int lvm_vg_from_text(const char *text, size_t len, struct lvm_vg *vg, struct vu_err *e)
{
	const struct lvm_node *sec = NULL, *lvs;
	struct lvm_node *root;
	const char *id;
	int r;

	memset(vg, 0, sizeof(*vg));
	r = lvm_text_parse(text, len, &root);
	if (r < 0)
		return vu_err_set(e, -r, "LVM metadata: %s",
				  r == -EINVAL ? "syntax error" : strerror(-r));
	/* The VG is the first top-level section. */
	for (const struct lvm_node *n = root; n && !sec; n = n->next)
		if (n->kind == LVM_SECTION)
			sec = n;
	id = lvm_node_str(sec, "id");
	if (!sec || !id || lvm_node_u64(sec, "seqno", &vg->seqno) < 0 ||
	    lvm_node_u64(sec, "extent_size", &vg->extent_size) < 0 || !vg->extent_size) {
		lvm_node_free(root);
		return vu_err_set(e, EINVAL, "LVM metadata: no volume group");
	}
	snprintf(vg->name, sizeof(vg->name), "%s", sec->key);
	snprintf(vg->id, sizeof(vg->id), "%s", id);
	r = parse_pvs(vg, lvm_node_get(sec, "physical_volumes"), e);
	lvs = lvm_node_get(sec, "logical_volumes");
	for (const struct lvm_node *n = lvs ? lvs->child : NULL; n && r == 0; n = n->next)
		if (n->kind == LVM_SECTION)
			r = parse_lv(vg, n, e);
	lvm_node_free(root);
	if (r < 0) {
		if (r == -ENOMEM)
			vu_err_set(e, ENOMEM, "%s", "");
		lvm_vg_free(vg);
	}
	return r;
}
