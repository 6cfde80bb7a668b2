/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qcow2_snapshot.c - qcow2 internal snapshots: create, apply, delete, and load one read-only */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qcow2_snap.h"

#define SN_FIXED 40		/* bytes of an entry before its extra data */
#define SN_EXTRA 24		/* qemu 7.2's: VM state size, disk size, icount */
#define SN_EXTRA_MAX 1024	/* qemu's limits */
#define SN_MAX 65536
#define SN_TABLE_MAX (64u << 20)
#define SN_NAME_MAX 255		/* what qemu-img keeps of a name */

/* One entry of the snapshot table; pos and len locate its bytes. */
struct sn_ent {
	uint64_t l1_offset;
	uint32_t l1_size;
	uint64_t disk_size;
	uint64_t pos, len;
	char *id, *name;
};

struct sn_table {
	uint8_t *buf;		/* the entries as read */
	uint64_t len;		/* qemu's table size: the end of the last entry */
	struct sn_ent *e;
	uint32_t n;
};

static void table_free(struct sn_table *t)
{
	for (uint32_t i = 0; t->e && i < t->n; i++) {
		free(t->e[i].id);
		free(t->e[i].name);
	}
	free(t->e);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static uint64_t be(const uint8_t *p, unsigned n)
{
	return qcow2_get_be(p, n);
}

/* The entry at t->len (8-aligned first), checked against avail bytes. */
static int entry_parse(struct vu_image *img, struct sn_table *t, uint64_t avail,
		       struct sn_ent *s)
{
	uint64_t pos = (t->len + 7) & ~7ull, extra, idlen, namelen;
	const uint8_t *p = t->buf + pos;

	if (pos > avail || avail - pos < SN_FIXED)
		return -EINVAL;
	idlen = be(p + 12, 2);
	namelen = be(p + 14, 2);
	extra = be(p + 36, 4);
	if (extra > SN_EXTRA_MAX || SN_FIXED + extra + idlen + namelen > avail - pos)
		return -EINVAL;
	s->l1_offset = be(p, 8);
	s->l1_size = (uint32_t)be(p + 8, 4);
	s->disk_size = extra >= 16 ? be(p + 48, 8) : img->size;
	s->pos = pos;
	s->len = SN_FIXED + extra + idlen + namelen;
	s->id = strndup((const char *)p + SN_FIXED + extra, idlen);
	s->name = strndup((const char *)p + SN_FIXED + extra + idlen, namelen);
	if (!s->id || !s->name)
		return -ENOMEM;
	t->len = pos + s->len;
	return 0;
}

static int table_read(struct vu_image *img, struct sn_table *t, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t off = q->h.snapshots_offset, avail;
	int r;

	memset(t, 0, sizeof(*t));
	if (!q->h.nb_snapshots)
		return 0;
	if (q->h.nb_snapshots > SN_MAX || off >= q->file_size)
		return vu_err_set(e, EINVAL, "invalid snapshot table");
	avail = q->file_size - off < SN_TABLE_MAX ? q->file_size - off : SN_TABLE_MAX;
	if (!(t->buf = malloc(avail)) || !(t->e = calloc(q->h.nb_snapshots, sizeof(*t->e))))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = qcow2_read_file(q, img->fd, t->buf, avail, off)) < 0)
		return vu_err_set(e, -r, "cannot read the snapshot table: %s", strerror(-r));
	for (uint32_t i = 0; i < q->h.nb_snapshots; i++) {
		t->n = i + 1;	/* so that table_free frees what is there */
		if ((r = entry_parse(img, t, avail, &t->e[i])) < 0)
			return vu_err_set(e, -r, r == -ENOMEM ? NULL : "invalid snapshot table "
					  "entry %u", i);
	}
	return 0;
}

/* qemu's lookup: with both, both must match; else the one given. */
static int find(const struct sn_table *t, const char *id, const char *name)
{
	for (uint32_t i = 0; i < t->n; i++)
		if ((id || name) && (!id || strcmp(t->e[i].id, id) == 0) &&
		    (!name || strcmp(t->e[i].name, name) == 0))
			return (int)i;
	return -1;
}

/* qemu-img's "-a" and convert's "-s": the ID first, then the name. */
static int find_id_or_name(const struct sn_table *t, const char *s)
{
	int i = find(t, s, NULL);

	return i >= 0 ? i : find(t, NULL, s);
}

static int not_found(struct vu_err *e)
{
	return vu_err_set(e, ENOENT, "Can't find snapshot");
}

/* The snapshot's L1 table, host-endian, checked as qemu checks it. */
static int sn_l1_read(struct vu_image *img, const struct sn_ent *s, uint64_t **out,
		      struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t bytes = (uint64_t)s->l1_size * 8;
	uint64_t *l1;
	int r;

	*out = NULL;
	if (s->l1_offset & (q->cluster_size - 1))
		return vu_err_set(e, EINVAL, "Snapshot L1 table offset invalid");
	if (bytes > QCOW2_MAX_L1_BYTES)
		return vu_err_set(e, EFBIG, "Snapshot L1 table too large");
	if (s->l1_offset > q->file_size || bytes > q->file_size - s->l1_offset)
		return vu_err_set(e, EINVAL, "Snapshot L1 table past the end of the file");
	if (!(l1 = malloc(bytes + 8)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = qcow2_read_file(q, img->fd, l1, bytes, s->l1_offset)) < 0) {
		free(l1);
		return vu_err_set(e, -r, "cannot read the snapshot's l1 table: %s", strerror(-r));
	}
	for (uint32_t i = 0; i < s->l1_size; i++)
		l1[i] = be((const uint8_t *)&l1[i], 8);
	*out = l1;
	return 0;
}

/* L1 entries a virtual size needs. */
static uint64_t l1_need(const struct qcow2 *q, uint64_t size)
{
	uint64_t clusters = (size + q->cluster_size - 1) >> q->cluster_bits;

	return (clusters + (1ull << q->l2_bits) - 1) >> q->l2_bits;
}

/* ---- the new snapshot table ---- */

/* A new entry as qemu 7.2 writes it. */
static uint64_t entry_encode(uint8_t *p, const struct qcow2 *q, uint64_t disk_size,
			     const char *id, const char *name)
{
	size_t idlen = strlen(id), namelen = strlen(name);
	struct timespec ts;

	/* qemu-img takes the time in microseconds. */
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(p, 0, SN_FIXED + SN_EXTRA);
	qcow2_put_be(p, 8, q->h.l1_table_offset);
	qcow2_put_be(p + 8, 4, q->l1_size);
	qcow2_put_be(p + 12, 2, idlen);
	qcow2_put_be(p + 14, 2, namelen);
	qcow2_put_be(p + 16, 4, (uint64_t)ts.tv_sec);
	qcow2_put_be(p + 20, 4, (uint64_t)ts.tv_nsec / 1000 * 1000);
	qcow2_put_be(p + 36, 4, SN_EXTRA);
	qcow2_put_be(p + SN_FIXED + 8, 8, disk_size);
	memcpy(p + SN_FIXED + SN_EXTRA, id, idlen);
	memcpy(p + SN_FIXED + SN_EXTRA + idlen, name, namelen);
	return SN_FIXED + SN_EXTRA + idlen + namelen;
}

/* The entries of t but skip, byte for byte, then add (addlen bytes), each
 * 8-aligned; *len is qemu's table size. */
static int table_build(const struct sn_table *t, uint32_t skip, const uint8_t *add,
		       uint64_t addlen, uint8_t **out, uint64_t *len)
{
	uint64_t cap = t->len + addlen + 8, pos = 0;
	uint8_t *b = calloc(1, cap);

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n; i++) {
		if (i == skip)
			continue;
		pos = (pos + 7) & ~7ull;
		memcpy(b + pos, t->buf + t->e[i].pos, t->e[i].len);
		pos += t->e[i].len;
	}
	if (addlen) {
		pos = (pos + 7) & ~7ull;
		memcpy(b + pos, add, addlen);
		pos += addlen;
	}
	if (pos > SN_TABLE_MAX) {
		free(b);
		return -EFBIG;
	}
	*out = b;
	*len = pos;
	return 0;
}

/* The new table goes into new clusters and the old one is freed. */
static int table_place(struct qsn_commit *c, const struct sn_table *t, const uint8_t *b,
		       uint64_t len, uint32_t n)
{
	struct qcow2 *q = c->q;
	uint64_t off = 0;
	int r;

	if ((r = qsn_add_range(c, q->h.snapshots_offset, t->len, -1)) < 0)
		return r;
	if (n && ((r = qsn_alloc(c, (len + q->cluster_size - 1) >> q->cluster_bits, &off)) < 0 ||
		  (r = qcow2_write_file(c->img, b, len, off)) < 0))
		return r;
	c->h.nb_snapshots = n;
	c->h.snapshots_offset = off;
	return 0;
}

static int table_replace(struct qsn_commit *c, const struct sn_table *t, uint32_t skip,
			 const uint8_t *add, uint64_t addlen)
{
	uint32_t n = t->n - (skip < t->n) + (addlen != 0);
	uint8_t *b;
	uint64_t len;
	int r = table_build(t, skip, add, addlen, &b, &len);

	if (r < 0)
		return r;
	r = table_place(c, t, b, len, n);
	free(b);
	return r;
}

/* ---- create ---- */

/*
 * The new active L1 table: each L2 table that claims a cluster for itself
 * (OFLAG_COPIED) is copied without the flag, now that the snapshot shares
 * its clusters, and the original stays the snapshot's; the others are
 * shared as they are. Everything they point at gains a reference.
 */
static int create_l1(struct qsn_commit *c, uint8_t *buf)
{
	struct qcow2 *q = c->q;
	uint64_t rc, copy;
	int r;

	for (uint32_t i = 0; i < q->l1_size; i++) {
		uint64_t l2 = q->l1[i] & QCOW2_L1_OFFSET_MASK;

		c->l1[i] = 0;
		if (!l2)
			continue;
		if ((r = qsn_read_l2(c, l2, buf)) < 0 || (r = qsn_l2_refs(c, buf, 1)) < 0 ||
		    (r = qsn_rc(c, l2 >> q->cluster_bits, &rc)) < 0)
			return r;
		if (!rc)
			return qsn_corrupt(c, "l2 table %#llx has no refcount",
					   (unsigned long long)l2);
		if (!qsn_clear_copied(q, buf)) {
			c->l1[i] = l2;
			if ((r = qsn_add(c, l2 >> q->cluster_bits, 1)) < 0)
				return r;
			continue;
		}
		if ((r = qsn_alloc(c, 1, &copy)) < 0 ||
		    (r = qcow2_write_file(c->img, buf, q->cluster_size, copy)) < 0)
			return r;
		c->l1[i] = copy | QCOW2_OFLAG_COPIED;
	}
	return 0;
}

/* The next ID, as qemu makes it: one more than the largest number. */
static void next_id(const struct sn_table *t, char *out, size_t len)
{
	unsigned long max = 0;

	for (uint32_t i = 0; i < t->n; i++) {
		unsigned long v = strtoul(t->e[i].id, NULL, 10);

		max = v > max ? v : max;
	}
	snprintf(out, len, "%lu", max + 1);
}

static int create_steps(struct qsn_commit *c, const struct sn_table *t, const char *name)
{
	struct qcow2 *q = c->q;
	size_t cap = SN_FIXED + SN_EXTRA + 32 + strlen(name);
	uint8_t *ent = malloc(cap), *buf = malloc(q->cluster_size);
	uint64_t len, l1_off;
	char id[32];
	int r = -ENOMEM;

	c->l1 = calloc(q->l1_size + 1, sizeof(*c->l1));
	if (ent && buf && c->l1 && (r = create_l1(c, buf)) == 0 &&
	    (r = qsn_write_l1(c, c->l1, q->l1_size, &l1_off)) == 0) {
		/* The snapshot keeps the old active L1 table. */
		next_id(t, id, sizeof(id));
		len = entry_encode(ent, q, c->img->size, id, name);
		c->h.l1_table_offset = l1_off;
		r = table_replace(c, t, UINT32_MAX, ent, len);
	}
	free(ent);
	free(buf);
	return r;
}

/* Why a step failed, for the user: the driver's reason or the errno's. */
static int failed(struct vu_image *img, int r, const char *what, struct vu_err *e)
{
	struct qcow2 *q = img->priv;

	if (q->errmsg[0])
		return vu_err_set(e, -r, "%s", q->errmsg);
	if (r == -EFBIG || r == -ENOSPC || r == -ENOMEM)
		return vu_err_set(e, -r, NULL);
	return vu_err_set(e, -r, "%s: %s", what, strerror(-r));
}

static int run(struct vu_image *img, struct qsn_commit *c, int r, const char *what,
	       struct vu_err *e)
{
	if (r == 0)
		r = qsn_finish(c);
	qsn_end(c);
	return r < 0 ? failed(img, r, what, e) : 0;
}

int qcow2_snapshot_create(struct vu_image *img, const char *name, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	struct qsn_commit c;
	struct sn_table t;
	int r;

	q->errmsg[0] = '\0';
	if (strlen(name) > SN_NAME_MAX)
		return vu_err_set(e, EINVAL, "snapshot name longer than %d bytes", SN_NAME_MAX);
	if ((r = table_read(img, &t, e)) < 0)
		goto out;
	if (find(&t, NULL, name) >= 0)
		r = vu_err_set(e, EEXIST, "a snapshot named '%s' already exists", name);
	else if (t.n >= SN_MAX)
		r = vu_err_set(e, EFBIG, NULL);
	else if ((r = qsn_begin(&c, img)) < 0)
		r = failed(img, r, "cannot write metadata", e);
	else
		r = run(img, &c, create_steps(&c, &t, name), "cannot create the snapshot", e);
out:
	table_free(&t);
	return r;
}

/* ---- apply ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The active L2 tables' offsets, sorted, for lookups. */
static int active_set(const struct qcow2 *q, uint64_t **out, size_t *n)
{
	uint64_t *v = malloc(((size_t)q->l1_size + 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < q->l1_size; i++)
		if (q->l1[i] & QCOW2_L1_OFFSET_MASK)
			v[(*n)++] = q->l1[i] & QCOW2_L1_OFFSET_MASK;
	qsort(v, *n, sizeof(*v), cmp_u64);
	*out = v;
	return 0;
}

/*
 * The snapshot's L2 tables become active and shared, so none may claim a
 * cluster for itself: the flags are cleared in place, which is safe since
 * only tables the active L1 points at are checked for them (and those the
 * active L1 already shares are clean).
 */
static int unclaim(struct qsn_commit *c, const uint64_t *sl1, uint32_t n, uint8_t *buf)
{
	uint64_t *act = NULL;
	size_t nact;
	int r = active_set(c->q, &act, &nact);

	for (uint32_t i = 0; r == 0 && i < n; i++) {
		uint64_t l2 = sl1[i] & QCOW2_L1_OFFSET_MASK;

		if (!l2 || bsearch(&l2, act, nact, sizeof(*act), cmp_u64))
			continue;
		if ((r = qsn_read_l2(c, l2, buf)) == 0 && qsn_clear_copied(c->q, buf))
			r = qcow2_write_file(c->img, buf, c->q->cluster_size, l2);
	}
	free(act);
	return r;
}

/* delta for every L2 table of an L1 table and for what they point at. */
static int l1_refs(struct qsn_commit *c, const uint64_t *l1, uint32_t n, int64_t delta,
		   uint8_t *buf)
{
	int r;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t l2 = l1[i] & QCOW2_L1_OFFSET_MASK;

		if (l2 && ((r = qsn_read_l2(c, l2, buf)) < 0 || (r = qsn_l2_refs(c, buf, delta)) < 0 ||
			   (r = qsn_add(c, l2 >> c->q->cluster_bits, delta)) < 0))
			return r;
	}
	return 0;
}

static int apply_steps(struct qsn_commit *c, const struct sn_ent *s, const uint64_t *sl1)
{
	struct qcow2 *q = c->q;
	uint64_t n = l1_need(q, s->disk_size), l1_off;
	uint8_t *buf = malloc(q->cluster_size);
	int r;

	n = n > s->l1_size ? n : s->l1_size;
	if (!buf || !(c->l1 = calloc(n + 1, sizeof(*c->l1)))) {
		free(buf);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->l1_size; i++)
		c->l1[i] = sl1[i] & QCOW2_L1_OFFSET_MASK;
	if ((r = unclaim(c, sl1, s->l1_size, buf)) == 0 &&
	    (r = l1_refs(c, sl1, s->l1_size, 1, buf)) == 0 &&
	    (r = l1_refs(c, q->l1, q->l1_size, -1, buf)) == 0 &&
	    (r = qsn_add_range(c, q->h.l1_table_offset, (uint64_t)q->l1_size * 8, -1)) == 0 &&
	    (r = qsn_write_l1(c, c->l1, (uint32_t)n, &l1_off)) == 0) {
		c->h.l1_table_offset = l1_off;
		c->h.l1_size = (uint32_t)n;
		c->h.size = s->disk_size;
	}
	free(buf);
	return r;
}

/* The snapshot's size must be one the image can have. */
static int apply_check(struct vu_image *img, const struct sn_ent *s, struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t n = l1_need(q, s->disk_size);

	if (s->disk_size > INT64_MAX || n * 8 > QCOW2_MAX_L1_BYTES)
		return vu_err_set(e, EFBIG, "snapshot disk size too large");
	if (s->disk_size % 512)
		return vu_err_set(e, EINVAL, "snapshot disk size is not a multiple of 512");
	return 0;
}

/* ---- delete ---- */

/* Whether an active L2 table's entries claim exactly the clusters that
 * only they will count; fixes the flags in buf. */
static int reclaim(struct qsn_commit *c, uint8_t *buf, bool *changed)
{
	const struct qcow2 *q = c->q;
	int r;

	*changed = false;
	for (uint64_t i = 0; i < (1ull << q->l2_bits); i++) {
		uint8_t *p = buf + i * q->l2_entry_size;
		uint64_t e = qcow2_get_be(p, 8), host = e & QCOW2_L2_OFFSET_MASK, rc, want;

		if ((e & QCOW2_OFLAG_COMPRESSED) || !host)
			continue;
		if ((r = qsn_rc(c, host >> q->cluster_bits, &rc)) < 0)
			return r;
		if (!rc)
			return qsn_corrupt(c, "cluster %#llx has no refcount",
					   (unsigned long long)host);
		want = rc == 1 ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED;
		if (want != e) {
			qcow2_put_be(p, 8, want);
			*changed = true;
		}
	}
	return 0;
}

/*
 * The active L1 table once the snapshot is gone: a table only it still
 * points at claims its clusters again (OFLAG_COPIED), and when that
 * changes the table's entries, a copy with the new flags replaces it.
 */
static int delete_l1(struct qsn_commit *c, uint8_t *buf)
{
	struct qcow2 *q = c->q;
	uint64_t rc, copy;
	bool changed;
	int r;

	for (uint32_t i = 0; i < q->l1_size; i++) {
		uint64_t l2 = q->l1[i] & QCOW2_L1_OFFSET_MASK;

		c->l1[i] = l2;
		if (!l2)
			continue;
		if ((r = qsn_rc(c, l2 >> q->cluster_bits, &rc)) < 0)
			return r;
		if (!rc)
			return qsn_corrupt(c, "l2 table %#llx has no refcount",
					   (unsigned long long)l2);
		if (rc > 1)
			continue;
		c->l1[i] |= QCOW2_OFLAG_COPIED;
		if ((r = qsn_read_l2(c, l2, buf)) < 0 || (r = reclaim(c, buf, &changed)) < 0)
			return r;
		if (!changed)
			continue;
		if ((r = qsn_alloc(c, 1, &copy)) < 0 ||
		    (r = qcow2_write_file(c->img, buf, q->cluster_size, copy)) < 0 ||
		    (r = qsn_add(c, l2 >> q->cluster_bits, -1)) < 0)
			return r;
		c->l1[i] = copy | QCOW2_OFLAG_COPIED;
	}
	return 0;
}

static int delete_steps(struct qsn_commit *c, const struct sn_table *t, uint32_t idx,
			const uint64_t *sl1)
{
	struct qcow2 *q = c->q;
	const struct sn_ent *s = &t->e[idx];
	uint8_t *buf = malloc(q->cluster_size);
	uint64_t l1_off;
	int r;

	if (!buf || !(c->l1 = calloc(q->l1_size + 1, sizeof(*c->l1)))) {
		free(buf);
		return -ENOMEM;
	}
	if ((r = l1_refs(c, sl1, s->l1_size, -1, buf)) == 0 &&
	    (r = qsn_add_range(c, s->l1_offset, (uint64_t)s->l1_size * 8, -1)) == 0 &&
	    (r = table_replace(c, t, idx, NULL, 0)) == 0 && (r = delete_l1(c, buf)) == 0 &&
	    (r = qsn_add_range(c, q->h.l1_table_offset, (uint64_t)q->l1_size * 8, -1)) == 0 &&
	    (r = qsn_write_l1(c, c->l1, q->l1_size, &l1_off)) == 0)
		c->h.l1_table_offset = l1_off;
	free(buf);
	return r;
}

/* ---- apply and delete: one flow ---- */

/*
 * The snapshot found by ID first, then by name (to apply: fit to be the
 * disk), its L1 table read, and the steps of apply or delete run as one
 * commit.
 */
static int change(struct vu_image *img, const char *id_or_name, bool apply,
		  struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t *sl1 = NULL;
	struct qsn_commit c;
	struct sn_table t;
	int i, r;

	q->errmsg[0] = '\0';
	if ((r = table_read(img, &t, e)) < 0)
		goto out;
	if ((i = find_id_or_name(&t, id_or_name)) < 0)
		r = not_found(e);
	else if ((apply && (r = apply_check(img, &t.e[i], e)) < 0) ||
		 (r = sn_l1_read(img, &t.e[i], &sl1, e)) < 0)
		;
	else if ((r = qsn_begin(&c, img)) < 0)
		r = failed(img, r, "cannot write metadata", e);
	else if (apply)
		r = run(img, &c, apply_steps(&c, &t.e[i], sl1), "cannot apply the snapshot", e);
	else
		r = run(img, &c, delete_steps(&c, &t, (uint32_t)i, sl1),
			"cannot delete the snapshot", e);
out:
	free(sl1);
	table_free(&t);
	return r;
}

/* The disk changes wholesale: the bitmaps take its size and see it all written. */
int qcow2_snapshot_apply(struct vu_image *img, const char *id_or_name, struct vu_err *e)
{
	uint64_t old = img->size;
	int r = change(img, id_or_name, true, e);

	if (r == 0 && (r = qcow2_bitmaps_resize(img, old, img->size)) < 0)
		return vu_err_set(e, -r, "cannot resize the bitmaps: %s", strerror(-r));
	if (r == 0)
		qcow2_bitmaps_mark(img, 0, img->size);
	return r;
}

int qcow2_snapshot_delete(struct vu_image *img, const char *id_or_name, struct vu_err *e)
{
	return change(img, id_or_name, false, e);
}

/* ---- load, read-only ---- */

/* Every L2 table the snapshot's disk can reach must lie in the file, as
 * open checks the active table's. */
static int load_check(struct vu_image *img, const struct sn_ent *s, const uint64_t *l1,
		      struct vu_err *e)
{
	struct qcow2 *q = img->priv;
	uint64_t reach = l1_need(q, s->disk_size);
	int r = apply_check(img, s, e);

	if (r < 0)
		return r;
	if (reach > s->l1_size)
		return vu_err_set(e, EINVAL, "Snapshot L1 table too small for its disk size");
	for (uint64_t i = 0; i < reach; i++) {
		uint64_t l2 = l1[i] & QCOW2_L1_OFFSET_MASK;

		if (l2 && ((l2 & (q->cluster_size - 1)) || l2 > q->file_size ||
			   q->cluster_size > q->file_size - l2))
			return vu_err_set(e, EINVAL, "invalid l2 table offset in snapshot l1 "
					  "entry %llu", (unsigned long long)i);
	}
	return 0;
}

/* Reads from now on see the snapshot: its L1 table and its disk size. */
static void load_switch(struct vu_image *img, const struct sn_ent *s, uint64_t *l1)
{
	struct qcow2 *q = img->priv;

	free(q->l1);
	q->l1 = l1;
	q->l1_size = s->l1_size;
	q->h.l1_size = s->l1_size;
	q->h.l1_table_offset = s->l1_offset;
	q->h.size = s->disk_size;
	img->size = s->disk_size;
	for (unsigned i = 0; i < QCOW2_L2_CACHE_MAX; i++)
		q->l2_cache[i].offset = 0;
	q->prealloc = -1;
	qcow2_decomp_invalidate(q);
}

int qcow2_snapshot_load(struct vu_image *img, const char *id, const char *name,
			struct vu_err *e)
{
	uint64_t *l1 = NULL;
	struct sn_table t;
	int i, r;

	if (((struct qcow2 *)img->priv)->wr)
		return vu_err_set(e, EBUSY, "a snapshot can only be loaded into an image "
				  "open read-only");
	if ((r = table_read(img, &t, e)) < 0)
		goto out;
	if ((i = find(&t, id, name)) < 0)
		r = not_found(e);
	else if ((r = sn_l1_read(img, &t.e[i], &l1, e)) == 0 &&
		 (r = load_check(img, &t.e[i], l1, e)) == 0) {
		load_switch(img, &t.e[i], l1);
		l1 = NULL;
	}
out:
	free(l1);
	table_free(&t);
	return r;
}
