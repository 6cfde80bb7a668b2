/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lvm.c - LVM2 in user space: PV labels, metadata areas (a header and a
 * circular buffer of text copies), linear LVs as windows over the PVs, and
 * new PV/VG UUIDs written as LVM writes a metadata update */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <zlib.h>

#include "guest_int.h"

#define LABEL_SCAN_SECTORS 4
#define MDA_HEADER_SIZE 512
#define MDA_MAGIC " LVM2 x[5A%r0N*>"
#define MDA_TEXT_MAX (64u << 20)
#define RAW_LOCN_IGNORED 0x1

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint32_t lvm_crc(uint32_t seed, const void *buf, size_t len)
{
	/* zlib inverts before and after; LVM does neither. */
	return ~(uint32_t)crc32(~seed & 0xffffffffU, buf, (uInt)len);
}

/* ---- reading ---- */

int lvm_label_read(guest_read_fn rd, void *ctx, uint64_t dev_size, struct lvm_pv *pv,
		   bool *found)
{
	uint8_t s[GUEST_SECTOR];

	*found = false;
	memset(pv, 0, sizeof(*pv));
	for (uint64_t sec = 0; sec < LABEL_SCAN_SECTORS; sec++) {
		uint32_t off;
		size_t p;
		int r;

		if ((sec + 1) * GUEST_SECTOR > dev_size)
			return 0;
		r = rd(ctx, s, sizeof(s), sec * GUEST_SECTOR);
		if (r < 0)
			return r;
		if (memcmp(s, "LABELONE", 8) || le64(s + 8) != sec || memcmp(s + 24, "LVM2 001", 8))
			continue;
		if (le32(s + 16) != lvm_crc(LVM_INITIAL_CRC, s + 20, sizeof(s) - 20))
			continue;
		off = le32(s + 20);
		if (off < 32 || off > sizeof(s) - 32 - 8 - 16)
			continue;
		memcpy(pv->uuid, s + off, 32);
		pv->uuid[32] = '\0';
		pv->label_sector = sec;
		/* Data areas, then metadata areas, each list ending in zeros. */
		p = off + 40;
		while (p + 16 <= sizeof(s) && le64(s + p))
			p += 16;
		p += 16;
		while (p + 16 <= sizeof(s) && le64(s + p)) {
			uint64_t mo = le64(s + p), ms = le64(s + p + 8);

			if (pv->nmda < 2 && ms > MDA_HEADER_SIZE && mo < dev_size &&
			    ms <= dev_size - mo) {
				pv->mda_off[pv->nmda] = mo;
				pv->mda_size[pv->nmda++] = ms;
			}
			p += 16;
		}
		*found = true;
		return 0;
	}
	return 0;
}

/* The area's header, checked; sector is its 512 bytes. */
static int mda_header(guest_read_fn rd, void *ctx, uint64_t mda_off, uint64_t mda_size,
		      uint8_t *sector, struct vu_err *e)
{
	int r = rd(ctx, sector, MDA_HEADER_SIZE, mda_off);

	if (r < 0)
		return vu_err_set(e, -r, "LVM metadata area: %s", strerror(-r));
	if (memcmp(sector + 4, MDA_MAGIC, 16) || le32(sector + 20) != 1 ||
	    le32(sector) != lvm_crc(LVM_INITIAL_CRC, sector + 4, MDA_HEADER_SIZE - 4) ||
	    le64(sector + 24) != mda_off || le64(sector + 32) != mda_size)
		return vu_err_set(e, EINVAL, "LVM metadata area header is damaged");
	return 0;
}

int lvm_mda_read(guest_read_fn rd, void *ctx, uint64_t mda_off, uint64_t mda_size,
		 char **text, size_t *len, struct vu_err *e)
{
	uint8_t h[MDA_HEADER_SIZE];
	uint64_t off, size, first;
	char *t;
	int r = mda_header(rd, ctx, mda_off, mda_size, h, e);

	*text = NULL;
	*len = 0;
	if (r < 0)
		return r;
	off = le64(h + 40);
	size = le64(h + 48);
	if (!off || !size || le32(h + 60) & RAW_LOCN_IGNORED)
		return 0;
	if (off < MDA_HEADER_SIZE || off >= mda_size || size > mda_size - MDA_HEADER_SIZE ||
	    size > MDA_TEXT_MAX)
		return vu_err_set(e, EINVAL, "LVM metadata location is out of its area");
	t = malloc((size_t)size + 1);
	if (!t)
		return vu_err_set(e, ENOMEM, "%s", "");
	first = size < mda_size - off ? size : mda_size - off;
	r = rd(ctx, t, (size_t)first, mda_off + off);
	if (r == 0 && first < size)
		r = rd(ctx, t + first, (size_t)(size - first), mda_off + MDA_HEADER_SIZE);
	if (r == 0 && lvm_crc(LVM_INITIAL_CRC, t, (size_t)size) != le32(h + 56))
		r = -EILSEQ;
	if (r < 0) {
		free(t);
		return vu_err_set(e, -r, "LVM metadata: %s",
				  r == -EILSEQ ? "checksum mismatch" : strerror(-r));
	}
	t[size] = '\0';
	*text = t;
	*len = (size_t)size;
	return 0;
}

/* ---- the scan ---- */

static int dev_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return gdev_pread(ctx, buf, len, off);
}

static int keep_vg(struct vu_guest *g, char *text, size_t len, struct vu_err *e)
{
	struct lvm_vg vg;
	struct gvg *v;
	int r = lvm_vg_from_text(text, len, &vg, e);

	if (r < 0) {
		free(text);
		return r;
	}
	for (size_t i = 0; i < g->nvg; i++) {
		if (strcmp(g->vgs[i].vg.id, vg.id))
			continue;
		if (vg.seqno > g->vgs[i].vg.seqno) {
			lvm_vg_free(&g->vgs[i].vg);
			free(g->vgs[i].text);
			g->vgs[i] = (struct gvg){ vg, text, len };
		} else {
			lvm_vg_free(&vg);
			free(text);
		}
		return 0;
	}
	v = realloc(g->vgs, (g->nvg + 1) * sizeof(*v));
	if (!v) {
		lvm_vg_free(&vg);
		free(text);
		return vu_err_set(e, ENOMEM, "%s", "");
	}
	g->vgs = v;
	v[g->nvg++] = (struct gvg){ vg, text, len };
	return 0;
}

/* LVM's ids on disk have no dashes; its text has them. */
static bool same_id(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-')
			a++;
		while (*b == '-')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static struct gfs *pv_by_id(struct vu_guest *g, const char *id)
{
	for (size_t i = 0; i < g->nfs; i++)
		if (g->fs[i].lvm_pv && same_id(g->fs[i].pv.uuid, id))
			return &g->fs[i];
	return NULL;
}

/* The LV's extents over the PVs' images; -ENOENT when a PV is missing. */
static int lv_window(struct vu_guest *g, const struct lvm_vg *vg, const struct lvm_lv *lv,
		     struct gdev *d)
{
	uint64_t es = vg->extent_size * GUEST_SECTOR;

	d->ext = calloc(lv->nseg, sizeof(*d->ext));
	if (!d->ext)
		return -ENOMEM;
	for (size_t i = 0; i < lv->nseg; i++) {
		const struct lvm_seg *s = &lv->seg[i];
		struct gfs *pv = pv_by_id(g, s->pv_id);
		uint64_t pe_start = 0, start, len;

		for (size_t k = 0; k < vg->npv; k++)
			if (!strcmp(vg->pv[k].id, s->pv_id))
				pe_start = vg->pv[k].pe_start * GUEST_SECTOR;
		if (!pv || pv->dev.next != 1)
			return -ENOENT;
		if (s->pe > UINT64_MAX / es || s->count > UINT64_MAX / es)
			return -EINVAL;
		start = pe_start + s->pe * es;
		len = s->count * es;
		if (start < pe_start || start > pv->dev.size || len > pv->dev.size - start)
			return -EINVAL;
		d->ext[i] = (struct gextent){ pv->dev.ext[0].img, pv->dev.ext[0].img_off + start,
					      len };
		d->size += len;
	}
	d->next = lv->nseg;
	return 0;
}

static int add_lvs(struct vu_guest *g, const struct gvg *v, struct vu_err *e)
{
	for (size_t i = 0; i < v->vg.nlv; i++) {
		const struct lvm_lv *lv = &v->vg.lv[i];
		struct gdev d = { 0 };
		char name[300];
		int r = 0;

		snprintf(name, sizeof(name), "/dev/%s/%s", v->vg.name, lv->name);
		if (lv->linear)
			r = lv_window(g, &v->vg, lv, &d);
		if (r == -ENOMEM)
			return vu_err_set(e, ENOMEM, "%s", "");
		if (r < 0) {
			/* A PV is missing or the map is wrong: not a device. */
			free(d.ext);
			continue;
		}
		r = guest_add_fs(g, name, -1, &d);
		if (r < 0) {
			free(d.ext);
			return vu_err_set(e, -r, "%s", "");
		}
		snprintf(g->fs[g->nfs - 1].lv_vg, sizeof(g->fs[0].lv_vg), "%s", v->vg.name);
		if (!lv->linear) {
			struct gfs *f = &g->fs[g->nfs - 1];

			snprintf(f->pub.type, sizeof(f->pub.type), "unsupported-lvm-segment");
			f->pub.mountable = false;
			f->pub.uuid[0] = f->pub.label[0] = '\0';
		}
	}
	return 0;
}

int guest_lvm_scan(struct vu_guest *g, struct vu_err *e)
{
	size_t nfs = g->nfs;
	int r;

	for (size_t i = 0; i < nfs; i++) {
		struct gfs *f = &g->fs[i];

		for (size_t m = 0; f->lvm_pv && m < f->pv.nmda; m++) {
			struct vu_err me = { 0 };
			char *text;
			size_t len;

			/* A damaged copy is skipped: another PV may hold a good one. */
			if (lvm_mda_read(dev_read, &f->dev, f->pv.mda_off[m], f->pv.mda_size[m],
					 &text, &len, &me) < 0 || !text)
				continue;
			r = keep_vg(g, text, len, &me);
			if (r == -ENOMEM)
				return vu_err_set(e, ENOMEM, "%s", "");
		}
	}
	for (size_t i = 0; i < g->nvg; i++) {
		r = add_lvs(g, &g->vgs[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

void guest_lvm_free(struct vu_guest *g)
{
	for (size_t i = 0; i < g->nvg; i++) {
		lvm_vg_free(&g->vgs[i].vg);
		free(g->vgs[i].text);
	}
	free(g->vgs);
	g->vgs = NULL;
	g->nvg = 0;
}

/* ---- new UUIDs ---- */

/* 32 random characters of LVM's alphabet. */
static int new_lvm_id(char out[33])
{
	static const char c[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t rnd[32];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (int i = 0; i < 32; i++)
		out[i] = c[rnd[i] % (sizeof(c) - 1)];
	out[32] = '\0';
	return 0;
}

static void dashed(char out[40], const char *u)
{
	snprintf(out, 40, "%.6s-%.4s-%.4s-%.4s-%.4s-%.4s-%.6s", u, u + 6, u + 10, u + 14,
		 u + 18, u + 22, u + 26);
}

/* text with every quoted occurrence of from replaced by to (same length). */
static void replace_id(char *text, const char *from, const char *to)
{
	size_t l = strlen(from);

	for (char *p = strstr(text, from); p; p = strstr(p + l, from))
		if (p > text && p[-1] == '"' && p[l] == '"')
			memcpy(p, to, l);
}

/* The text with seqno + 1: "seqno = N" is the VG section's first. */
static char *bump_seqno(const char *text, uint64_t seqno, size_t *len)
{
	char old[48], neu[48];
	const char *p;
	char *out;
	size_t ol, nl;

	snprintf(old, sizeof(old), "seqno = %llu", (unsigned long long)seqno);
	snprintf(neu, sizeof(neu), "seqno = %llu", (unsigned long long)seqno + 1);
	p = strstr(text, old);
	if (!p)
		return NULL;
	ol = strlen(old);
	nl = strlen(neu);
	out = malloc(strlen(text) + nl - ol + 1);
	if (!out)
		return NULL;
	memcpy(out, text, (size_t)(p - text));
	memcpy(out + (p - text), neu, nl);
	strcpy(out + (p - text) + nl, p + ol);
	*len = strlen(out);
	return out;
}

/*
 * An update is staged in every area first: the text goes after the current
 * copy in the area's circular buffer (wrapping past its end), and the new
 * header pointing at it is prepared; nothing points at the text yet, so an
 * area that cannot take it (-ENOSPC) or a run killed here leaves the old
 * metadata in force everywhere. Then every header is written. len counts
 * the text's NUL, which LVM writes and checksums too.
 */
struct mda_stage {
	struct gfs *f;
	int m;
	bool skip;		/* an area that holds no metadata */
	uint8_t h[MDA_HEADER_SIZE];
};

static int mda_stage(struct mda_stage *st, const char *text, size_t len, struct vu_err *e)
{
	struct gfs *f = st->f;
	uint64_t mo = f->pv.mda_off[st->m], ms = f->pv.mda_size[st->m], L = ms - MDA_HEADER_SIZE;
	uint64_t old_i, new_i, first;
	uint8_t *h = st->h;
	int r = mda_header(dev_read, &f->dev, mo, ms, h, e);

	if (r < 0)
		return r;
	st->skip = !le64(h + 40) || le32(h + 60) & RAW_LOCN_IGNORED;
	if (st->skip)
		return 0;
	old_i = le64(h + 40) - MDA_HEADER_SIZE;
	new_i = (old_i + le64(h + 48)) % L;
	new_i = (new_i + GUEST_SECTOR - 1) / GUEST_SECTOR * GUEST_SECTOR;
	if (new_i >= L)
		new_i = 0;
	if (len > (old_i + L - new_i) % L)
		return vu_err_set(e, ENOSPC, "%s: LVM metadata area is full", f->pub.device);
	first = len < L - new_i ? len : L - new_i;
	r = gdev_pwrite(&f->dev, text, (size_t)first, mo + MDA_HEADER_SIZE + new_i);
	if (r == 0 && first < len)
		r = gdev_pwrite(&f->dev, text + first, len - (size_t)first, mo + MDA_HEADER_SIZE);
	if (r < 0)
		return vu_err_set(e, -r, "%s: LVM metadata: %s", f->pub.device, strerror(-r));
	put64(h + 40, MDA_HEADER_SIZE + new_i);
	put64(h + 48, len);
	put32(h + 56, lvm_crc(LVM_INITIAL_CRC, text, len));
	put32(h + 60, 0);
	put32(h, lvm_crc(LVM_INITIAL_CRC, h + 4, MDA_HEADER_SIZE - 4));
	return 0;
}

static int mda_commit(const struct mda_stage *st, struct vu_err *e)
{
	int r;

	if (st->skip)
		return 0;
	r = gdev_pwrite(&st->f->dev, st->h, MDA_HEADER_SIZE, st->f->pv.mda_off[st->m]);
	if (r < 0)
		return vu_err_set(e, -r, "%s: LVM metadata: %s", st->f->pub.device, strerror(-r));
	return 0;
}

static int label_write(struct gfs *f, const char *uuid, struct vu_err *e)
{
	uint64_t off = f->pv.label_sector * GUEST_SECTOR;
	uint8_t s[GUEST_SECTOR];
	int r = gdev_pread(&f->dev, s, sizeof(s), off);

	if (r == 0) {
		memcpy(s + le32(s + 20), uuid, 32);
		put32(s + 16, lvm_crc(LVM_INITIAL_CRC, s + 20, sizeof(s) - 20));
		r = gdev_pwrite(&f->dev, s, sizeof(s), off);
	}
	if (r < 0)
		return vu_err_set(e, -r, "%s: LVM label: %s", f->pub.device, strerror(-r));
	memcpy(f->pv.uuid, uuid, 32);
	dashed(f->pub.uuid, uuid);
	return 0;
}

static int add_change(struct vu_guest_lvm_change **v, size_t *n, const char *what,
		      const char *name, const char *old, const char *neu)
{
	struct vu_guest_lvm_change *c = realloc(*v, (*n + 1) * sizeof(*c));

	if (!c)
		return -ENOMEM;
	*v = c;
	c = &c[(*n)++];
	memset(c, 0, sizeof(*c));
	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->old_uuid, sizeof(c->old_uuid), "%s", old);
	snprintf(c->new_uuid, sizeof(c->new_uuid), "%s", neu);
	return 0;
}

#define MAX_VG_PVS 64

/* New ids for a VG: raw (no dashes, as labels hold them) and dashed (as
 * the text writes them); [0] is the VG's, [1 + i] PV i's. */
struct vg_ids {
	char raw[MAX_VG_PVS + 1][33];
	char dashed[MAX_VG_PVS + 1][40];
};

/* The VG's in-memory state follows the text now on disk. */
static void commit_ids(struct gvg *v, char *text, size_t len, const struct vg_ids *ids)
{
	free(v->text);
	v->text = text;
	v->len = len;
	v->vg.seqno++;
	snprintf(v->vg.id, sizeof(v->vg.id), "%s", ids->dashed[0]);
	for (size_t k = 0; k < v->vg.nlv; k++) {
		for (size_t s = 0; s < v->vg.lv[k].nseg; s++) {
			struct lvm_seg *seg = &v->vg.lv[k].seg[s];

			for (size_t i = 0; i < v->vg.npv; i++)
				if (!strcmp(seg->pv_id, v->vg.pv[i].id)) {
					snprintf(seg->pv_id, sizeof(seg->pv_id), "%s",
						 ids->dashed[i + 1]);
					break;
				}
		}
	}
	for (size_t i = 0; i < v->vg.npv; i++)
		snprintf(v->vg.pv[i].id, sizeof(v->vg.pv[i].id), "%s", ids->dashed[i + 1]);
}

/* The PVs of the VG, every one of which must be among the disks: a PV left
 * with the old ids would make a second VG of the same name. */
static int vg_pvs(struct vu_guest *g, const struct gvg *v, struct gfs **pvs, struct vu_err *e)
{
	if (v->vg.npv > MAX_VG_PVS)
		return vu_err_set(e, ENOTSUP, "VG %s: more than %d PVs", v->vg.name, MAX_VG_PVS);
	for (size_t i = 0; i < v->vg.npv; i++) {
		pvs[i] = pv_by_id(g, v->vg.pv[i].id);
		if (!pvs[i])
			return vu_err_set(e, ENODEV, "VG %s: PV %s is not on the disks given",
					  v->vg.name, v->vg.pv[i].id);
	}
	return 0;
}

/* The text in every metadata area of the VG's PVs: staged everywhere,
 * flushed, then committed everywhere. */
static int write_areas(struct vu_guest *g, const struct gvg *v, struct gfs **pvs,
		       const char *text, size_t len, struct vu_err *e)
{
	struct mda_stage st[2 * MAX_VG_PVS];
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < v->vg.npv && r == 0; i++)
		for (size_t m = 0; m < pvs[i]->pv.nmda && r == 0; m++) {
			st[n] = (struct mda_stage){ .f = pvs[i], .m = (int)m };
			r = mda_stage(&st[n++], text, len, e);
		}
	for (size_t i = 0; i < g->ndisks && r == 0; i++)
		r = vu_image_flush(g->img[i]);
	for (size_t k = 0; k < n && r == 0; k++)
		r = mda_commit(&st[k], e);
	if (r < 0 && !(e && e->code))
		vu_err_set(e, -r, "LVM metadata: %s", strerror(-r));
	return r;
}

/* One VG: its new text in every area, then the PV labels. */
static int change_vg(struct vu_guest *g, struct gvg *v, struct vu_guest_lvm_change **ch,
		     size_t *nch, struct vu_err *e)
{
	struct gfs *pvs[MAX_VG_PVS];
	struct vg_ids ids = { 0 };
	size_t len;
	char *text;
	int r = vg_pvs(g, v, pvs, e);

	for (size_t i = 0; i <= v->vg.npv && r == 0; i++) {
		if (new_lvm_id(ids.raw[i]) < 0)
			return vu_err_set(e, EIO, "no random numbers");
		dashed(ids.dashed[i], ids.raw[i]);
	}
	if (r < 0)
		return r;
	text = bump_seqno(v->text, v->vg.seqno, &len);
	if (!text)
		return vu_err_set(e, EINVAL, "VG %s: no seqno in its metadata", v->vg.name);
	replace_id(text, v->vg.id, ids.dashed[0]);
	for (size_t i = 0; i < v->vg.npv; i++)
		replace_id(text, v->vg.pv[i].id, ids.dashed[i + 1]);
	r = write_areas(g, v, pvs, text, len + 1, e);
	/* The labels only once the metadata names them. */
	for (size_t i = 0; i < v->vg.npv && r == 0; i++) {
		r = label_write(pvs[i], ids.raw[i + 1], e);
		if (r == 0)
			r = add_change(ch, nch, "pv", pvs[i]->pub.device, v->vg.pv[i].id,
				       ids.dashed[i + 1]);
	}
	if (r == 0)
		r = add_change(ch, nch, "vg", v->vg.name, v->vg.id, ids.dashed[0]);
	if (r < 0) {
		if (r == -ENOMEM)
			vu_err_set(e, ENOMEM, "%s", "");
		free(text);
		return r;
	}
	commit_ids(v, text, len, &ids);
	return 0;
}

int vu_guest_lvm_change_uuids(struct vu_guest *g, struct vu_guest_lvm_change **changes,
			      size_t *n, struct vu_err *e)
{
	int r = 0;

	*changes = NULL;
	*n = 0;
	if (!(g->flags & VU_GUEST_RDWR))
		return vu_err_set(e, EROFS, "%s", "");
	for (size_t i = 0; i < g->nvg && r == 0; i++)
		r = change_vg(g, &g->vgs[i], changes, n, e);
	for (size_t i = 0; i < g->ndisks && r == 0; i++) {
		r = vu_image_flush(g->img[i]);
		if (r < 0)
			vu_err_set(e, -r, "%s: flush: %s", vu_image_filename(g->img[i]),
				   vu_image_strerror(g->img[i], r));
	}
	return r;
}
