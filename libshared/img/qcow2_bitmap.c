/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2_bitmap.c - persistent dirty bitmaps kept up to date by the writer,
 * as qemu keeps them: before the first change every bitmap is marked in
 * use in the file and loaded whole; each write sets the bits of what it
 * touches in the bitmaps that are enabled ("auto"); at close the changed
 * clusters of each bitmap go back to the file and the in-use flags are
 * cleared. A writer that dies leaves the flags set: qemu then knows the
 * bitmaps are stale, which is the truth.
 *
 * Bitmaps we cannot load (a directory we do not understand, a bitmap left
 * in use by someone else is fine and kept as it is) make the writer fall
 * back to what the specification asks of a writer that does not know the
 * feature: the autoclear bit is cleared and qemu ignores the bitmaps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qcow2_wr.h"

#define BM_FIXED 24			/* bytes of a directory entry before extra data */
#define BM_DIR_MAX (64u << 20)		/* qemu's limit on the directory */
#define BM_TABLE_MAX 0x8000000u		/* qemu's limit on a table, entries */
#define BM_MEM_MAX (256ull << 20)	/* what we hold in memory for all bitmaps */
#define BM_FLAG_IN_USE 1u
#define BM_FLAG_AUTO 2u
#define BM_FLAGS_RESERVED 0xfffffffcu
#define BM_ENTRY_RESERVED 0xff000000000001feull

struct qcow2_bm {
	uint64_t dir_pos;	/* of the entry in the directory */
	uint64_t toff;		/* its table in the file */
	uint32_t tsize;		/* entries of the table in the file */
	uint32_t nsize;		/* entries the current disk size needs */
	unsigned gbits;
	bool in_use;		/* left in use by another writer: not ours to touch */
	uint64_t *table;	/* host-endian, max(tsize, nsize) entries */
	uint8_t *data;		/* the whole bitmap, nsize clusters */
	uint8_t *dirty;		/* one flag per cluster of data */
	uint64_t cap;		/* clusters data and dirty have room for */
	uint64_t tcap;		/* entries table has room for */
};

struct qcow2_bms {
	int n;
	struct qcow2_bm *bm;
	uint8_t *dir;		/* the directory as in the file */
	uint64_t dir_size;
};

/* Table entries one bitmap of granularity 2^gbits needs for size bytes. */
static uint64_t table_need(const struct qcow2 *q, uint64_t size, unsigned gbits)
{
	uint64_t bits = (size + (1ull << gbits) - 1) >> gbits;
	uint64_t per = q->cluster_size * 8;

	return (bits + per - 1) / per;
}

void qcow2_bitmaps_free(struct qcow2_bms *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->n; i++) {
		free(b->bm[i].table);
		free(b->bm[i].data);
		free(b->bm[i].dirty);
	}
	free(b->bm);
	free(b->dir);
	free(b);
}

/* Room for n clusters of bitmap data and n table entries (new ones zero). */
static int bm_room(const struct qcow2 *q, struct qcow2_bm *m, uint64_t n)
{
	uint64_t cs = q->cluster_size;

	if (n > m->cap) {
		uint8_t *d = realloc(m->data, n * cs + 1), *f;

		if (!d)
			return -ENOMEM;
		m->data = d;
		if (!(f = realloc(m->dirty, n + 1)))
			return -ENOMEM;
		m->dirty = f;
		memset(d + m->cap * cs, 0, (n - m->cap) * cs);
		memset(f + m->cap, 0, n - m->cap);
		m->cap = n;
	}
	if (n > m->tcap) {
		uint64_t *t = realloc(m->table, n * 8 + 8);

		if (!t)
			return -ENOMEM;
		memset(t + m->tcap, 0, (n - m->tcap) * 8);
		m->table = t;
		m->tcap = n;
	}
	return 0;
}

/* One directory entry at p: its fields, or -EINVAL where qemu would refuse it. */
static long parse_entry(const struct qcow2 *q, const uint8_t *p, uint64_t avail,
			struct qcow2_bm *m)
{
	uint64_t namelen, extra, size;
	uint32_t flags;

	if (avail < BM_FIXED)
		return -EINVAL;
	m->toff = qcow2_get_be(p, 8);
	m->tsize = (uint32_t)qcow2_get_be(p + 8, 4);
	flags = (uint32_t)qcow2_get_be(p + 12, 4);
	m->gbits = p[17];
	namelen = qcow2_get_be(p + 18, 2);
	extra = qcow2_get_be(p + 20, 4);
	size = (BM_FIXED + extra + namelen + 7) & ~7ull;
	if (size > avail || m->tsize > BM_TABLE_MAX || p[16] != 1 || m->gbits < 9 ||
	    m->gbits > 31 || (flags & BM_FLAGS_RESERVED) || extra || namelen == 0 ||
	    namelen > 1023 || (m->toff & (q->cluster_size - 1)) || !m->toff ||
	    m->toff > q->file_size || (uint64_t)m->tsize * 8 > q->file_size - m->toff)
		return -EINVAL;
	m->in_use = flags & BM_FLAG_IN_USE;
	return (long)size;
}

/* The table and every data cluster of a bitmap, validated. */
static int load_data(struct vu_image *img, struct qcow2_bm *m)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size;
	uint8_t *raw;
	int r;

	m->nsize = (uint32_t)m->tsize;
	if (m->tsize != table_need(q, img->size, m->gbits))
		return -EINVAL;
	if ((r = bm_room(q, m, m->tsize)) < 0)
		return r;
	if (!(raw = malloc((size_t)m->tsize * 8 + 1)))
		return -ENOMEM;
	r = qcow2_read_file(q, img->fd, raw, (size_t)m->tsize * 8, m->toff);
	for (uint32_t i = 0; r == 0 && i < m->tsize; i++) {
		uint64_t e = qcow2_get_be(raw + (size_t)i * 8, 8), off = e & QCOW2_L1_OFFSET_MASK;

		m->table[i] = e;
		if ((e & BM_ENTRY_RESERVED) || (off && ((e & 1) || (off & (cs - 1)) ||
							off > q->file_size || cs > q->file_size - off)))
			r = -EINVAL;
		else if (off)
			r = qcow2_read_file(q, img->fd, m->data + i * cs, cs, off);
		else if (e & 1)
			memset(m->data + i * cs, 0xff, cs);
	}
	free(raw);
	return r;
}

/* The directory parsed and every bitmap not in use loaded; -EINVAL and
 * friends when they cannot be kept. */
static int load_all(struct vu_image *img, struct qcow2_bms *b)
{
	struct qcow2 *q = img->priv;
	uint64_t pos = 0, mem = 0;
	int r = 0;

	b->dir_size = q->bitmaps_dir_size;
	if (q->bitmaps_nb > 65535 || b->dir_size > BM_DIR_MAX ||
	    q->bitmaps_dir_offset > q->file_size ||
	    b->dir_size > q->file_size - q->bitmaps_dir_offset)
		return -EINVAL;
	if (!(b->dir = malloc(b->dir_size + 1)) ||
	    !(b->bm = calloc(q->bitmaps_nb, sizeof(*b->bm))))
		return -ENOMEM;
	if ((r = qcow2_read_file(q, img->fd, b->dir, b->dir_size, q->bitmaps_dir_offset)) < 0)
		return r;
	for (uint32_t i = 0; i < q->bitmaps_nb; i++) {
		struct qcow2_bm *m = &b->bm[i];
		long n = parse_entry(q, b->dir + pos, b->dir_size - pos, m);

		b->n = (int)i + 1;
		if (n < 0)
			return (int)n;
		m->dir_pos = pos;
		pos += (uint64_t)n;
		if (m->in_use)
			continue;
		mem += (uint64_t)m->tsize * q->cluster_size;
		if (mem > BM_MEM_MAX)
			return -EFBIG;
		if ((r = load_data(img, m)) < 0)
			return r;
	}
	return 0;
}

/* Sets the in-use flag of every bitmap we keep in the file's directory. */
static int set_flags(struct vu_image *img, struct qcow2_bms *b, bool in_use)
{
	struct qcow2 *q = img->priv;

	for (int i = 0; i < b->n; i++) {
		uint8_t *p = b->dir + b->bm[i].dir_pos;
		uint32_t f = (uint32_t)qcow2_get_be(p + 12, 4);

		if (b->bm[i].in_use)
			continue;
		f = in_use ? f | BM_FLAG_IN_USE : f & ~BM_FLAG_IN_USE;
		qcow2_put_be(p + 12, 4, f);
		qcow2_put_be(p, 8, b->bm[i].toff);
		qcow2_put_be(p + 8, 4, b->bm[i].tsize);
	}
	return qcow2_write_file(img, b->dir, b->dir_size, q->bitmaps_dir_offset);
}

int qcow2_bitmaps_begin(struct vu_image *img, bool *keep)
{
	struct qcow2 *q = img->priv;
	struct qcow2_bms *b;
	int r;

	*keep = false;
	if (q->h.version < 3 || !q->bitmaps_nb ||
	    !(q->h.autoclear_features & QCOW2_AUTOCLEAR_BITMAPS))
		return 0;
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	r = load_all(img, b);
	if (r == -ENOMEM) {
		qcow2_bitmaps_free(b);
		return r;
	}
	if (r < 0) {
		/* Not ours to understand: qemu will ignore them (autoclear). */
		qcow2_bitmaps_free(b);
		return 0;
	}
	if ((r = set_flags(img, b, true)) < 0 || (r = qcow2_sync(img)) < 0) {
		qcow2_bitmaps_free(b);
		return r;
	}
	q->wr->bms = b;
	*keep = true;
	return 0;
}

/* Bits [first, last] of m set; the clusters that hold them marked changed. */
static void set_bits(const struct qcow2 *q, struct qcow2_bm *m, uint64_t first, uint64_t last)
{
	uint64_t per = q->cluster_size * 8;

	for (uint64_t c = first / per; c <= last / per; c++)
		m->dirty[c] = 1;
	while (first <= last && (first & 7)) {
		m->data[first >> 3] |= (uint8_t)(1u << (first & 7));
		first++;
	}
	if (first + 8 <= last + 1) {
		uint64_t bytes = (last + 1 - first) >> 3;

		memset(m->data + (first >> 3), 0xff, bytes);
		first += bytes << 3;
	}
	for (; first <= last; first++)
		m->data[first >> 3] |= (uint8_t)(1u << (first & 7));
}

void qcow2_bitmaps_mark(struct vu_image *img, uint64_t off, uint64_t len)
{
	struct qcow2 *q = img->priv;
	struct qcow2_bms *b = q->wr ? q->wr->bms : NULL;

	if (!b || !len || off >= img->size)
		return;
	if (len > img->size - off)
		len = img->size - off;
	for (int i = 0; i < b->n; i++) {
		struct qcow2_bm *m = &b->bm[i];
		uint32_t f = (uint32_t)qcow2_get_be(b->dir + m->dir_pos + 12, 4);

		if (!m->in_use && (f & BM_FLAG_AUTO))
			set_bits(q, m, off >> m->gbits, (off + len - 1) >> m->gbits);
	}
}

/* Bits [from, to) of m cleared (what lies past a smaller disk). */
static void clear_bits(struct qcow2_bm *m, uint64_t from, uint64_t to)
{
	for (; from < to && (from & 7); from++)
		m->data[from >> 3] &= (uint8_t)~(1u << (from & 7));
	if (from < to)
		memset(m->data + (from >> 3), 0, (to - from + 7) >> 3);
}

int qcow2_bitmaps_resize(struct vu_image *img, uint64_t old, uint64_t size)
{
	struct qcow2 *q = img->priv;
	struct qcow2_bms *b = q->wr ? q->wr->bms : NULL;
	uint64_t per = q->cluster_size * 8;
	int r;

	if (!b)
		return 0;
	for (int i = 0; i < b->n; i++) {
		struct qcow2_bm *m = &b->bm[i];
		uint64_t n = table_need(q, size, m->gbits);
		uint64_t obits = (old + (1ull << m->gbits) - 1) >> m->gbits;
		uint64_t nbits = (size + (1ull << m->gbits) - 1) >> m->gbits;

		if (m->in_use)
			continue;
		if (n > BM_TABLE_MAX)
			return -EFBIG;
		if ((r = bm_room(q, m, n)) < 0)
			return r;
		if (nbits < obits)
			clear_bits(m, nbits, m->nsize * per);
		/* Every cluster is written again: the table may move. */
		memset(m->dirty, 1, n);
		m->nsize = (uint32_t)n;
	}
	/* qemu-img resize leaves the grown part clean: so do we. */
	return 0;
}

/* The changed clusters of m written (allocated where new, freed where
 * they became zeros), and its table entries updated in memory. */
static int store_data(struct vu_image *img, struct qcow2_bm *m)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size;
	int r = 0;

	for (uint64_t i = 0; r == 0 && i < m->nsize; i++) {
		uint64_t host = m->table[i] & QCOW2_L1_OFFSET_MASK;
		const uint8_t *d = m->data + i * cs;

		if (!m->dirty[i] && !(m->table[i] & 1))
			continue;
		if (vu_buf_is_zero(d, cs)) {
			r = qcow2_free_later(img, host, host ? cs : 0);
			m->table[i] = 0;
			continue;
		}
		if (!host && (r = qcow2_alloc(img, 1, &host)) < 0)
			break;
		m->table[i] = host;
		r = qcow2_write_file(img, d, cs, host);
	}
	/* Entries past a smaller disk go with their clusters. */
	for (uint64_t i = m->nsize; r == 0 && i < m->tsize; i++) {
		uint64_t host = m->table[i] & QCOW2_L1_OFFSET_MASK;

		r = qcow2_free_later(img, host, host ? cs : 0);
		m->table[i] = 0;
	}
	return r;
}

/* The table written where it was, or in new clusters (counted first)
 * when it no longer fits in its old ones. */
static int store_table(struct vu_image *img, struct qcow2_bm *m)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size;
	uint64_t oldc = ((uint64_t)m->tsize * 8 + cs - 1) / cs;
	uint64_t newc = ((uint64_t)m->nsize * 8 + cs - 1) / cs;
	uint64_t off = m->toff;
	int r;

	if (newc != oldc) {
		if ((r = qcow2_alloc(img, newc, &off)) < 0 ||
		    (r = qcow2_free_later(img, m->toff, oldc * cs)) < 0 ||
		    (r = qcow2_rc_write(img)) < 0 || (r = qcow2_sync(img)) < 0)
			return r;
	}
	if ((r = qcow2_write_table(img, m->table, m->nsize, newc * cs, off)) < 0)
		return r;
	m->toff = off;
	m->tsize = m->nsize;
	return 0;
}

/*
 * At close: data clusters first (new ones counted and synced before any
 * table names them), then the tables, then the directory with the in-use
 * flags cleared. Clusters no longer named are freed by the flush that
 * follows, after all of this is durable.
 */
int qcow2_bitmaps_store(struct vu_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_bms *b = q->wr ? q->wr->bms : NULL;
	int r = 0;

	if (!b)
		return 0;
	for (int i = 0; r == 0 && i < b->n; i++)
		if (!b->bm[i].in_use)
			r = store_data(img, &b->bm[i]);
	if (r == 0 && (r = qcow2_rc_write(img)) == 0)
		r = qcow2_sync(img);
	for (int i = 0; r == 0 && i < b->n; i++)
		if (!b->bm[i].in_use)
			r = store_table(img, &b->bm[i]);
	if (r == 0 && (r = qcow2_sync(img)) == 0 && (r = set_flags(img, b, false)) == 0)
		r = qcow2_sync(img);
	for (int i = 0; r == 0 && i < b->n; i++)
		if (b->bm[i].cap)
			memset(b->bm[i].dirty, 0, b->bm[i].cap);
	return r;
}
