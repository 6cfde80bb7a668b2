/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhdx.c - Hyper-V's VHDX images, dynamic and fixed, as qemu reads and
 * writes them: every block size, 512-byte and 4 KiB sectors read.
 *
 * The file: a 64 KiB identifier ("vhdxfile"), two 4 KiB headers (the one
 * with the higher sequence number and a good CRC-32C counts), two region
 * tables naming the block allocation table (BAT) and the metadata region
 * (block size, disk size, sector sizes), and a log. A BAT entry per data
 * block holds its state and its offset in MiB; after every "chunk ratio"
 * data entries comes one for a sector bitmap (differencing images only).
 *
 * A log with entries for this image (its GUID) means a writer died before
 * the metadata it changed was final: as qemu, an open for writing replays
 * it (then clears the GUID from the headers), a read-only open refuses it.
 *
 * Writes allocate a block at the end of the file on the first data written
 * to it (zeros leave it as it is), the data before the BAT entry naming
 * it; the BAT is written in place, not through the log (qemu reads it
 * either way). Before the first change both headers get new write GUIDs.
 *
 * As with qemu, every range maps as data without a host offset (qemu's
 * vhdx reports no block status); copies find the zeros by reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "fmtutil.h"
#include "image_int.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)
#define HEADER1 (64 * KiB)
#define HEADER2 (128 * KiB)
#define HEADER_SIZE (4 * KiB)
#define REGION1 (192 * KiB)
#define REGION_SIZE (64 * KiB)
#define REGION_MAX_ENTRIES 2047
#define METADATA_MAX_ENTRIES 2047
#define BLOCK_MAX (256 * MiB)
#define DISK_MAX (64ull << 40)		/* 64 TiB */
#define BAT_MEM_MAX (256 * MiB)		/* what we load of a BAT */
#define LOG_SCAN_MAX (64 * MiB)

enum {
	PAYLOAD_NOT_PRESENT = 0, PAYLOAD_UNDEFINED = 1, PAYLOAD_ZERO = 2, PAYLOAD_UNMAPPED = 3,
	PAYLOAD_FULLY_PRESENT = 6, PAYLOAD_PARTIALLY_PRESENT = 7,
};

/* GUIDs as stored (the first three fields little-endian). */
static const uint8_t GUID_BAT[16] = {
	0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42,
	0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08 };
static const uint8_t GUID_METADATA[16] = {
	0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
	0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e };
static const uint8_t GUID_FILE_PARAMS[16] = {
	0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d,
	0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b };
static const uint8_t GUID_DISK_SIZE[16] = {
	0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
	0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8 };
static const uint8_t GUID_LOGICAL_SECTOR[16] = {
	0x1d, 0xbf, 0x41, 0x81, 0x6f, 0xa9, 0x09, 0x47,
	0xba, 0x47, 0xf2, 0x33, 0xa8, 0xfa, 0xab, 0x5f };
static const uint8_t GUID_PHYSICAL_SECTOR[16] = {
	0xc7, 0x48, 0xa3, 0xcd, 0x5d, 0x44, 0x71, 0x44,
	0x9c, 0xc9, 0xe9, 0x88, 0x52, 0x51, 0xc5, 0x56 };
static const uint8_t GUID_PAGE83[16] = {
	0xab, 0x12, 0xca, 0xbe, 0xe6, 0xb2, 0x23, 0x45,
	0x93, 0xef, 0xc3, 0x09, 0xe0, 0x00, 0xc7, 0x46 };

struct vhdx {
	uint8_t hdr[HEADER_SIZE];	/* the current header */
	uint64_t bat_offset;
	bool began;			/* headers updated for this session's writes */
	bool replayed;			/* open replayed a log (check counts it fixed) */
	uint32_t block_size, logical_sector, physical_sector;
	uint64_t chunk_ratio;
	uint64_t bat_entries;
	uint64_t *bat;			/* host-endian */
	uint64_t file_size;
	char errmsg[128];
};

static int vhdx_probe(const uint8_t *buf, size_t len)
{
	return len >= 8 && memcmp(buf, "vhdxfile", 8) == 0 ? 100 : 0;
}

static bool guid_zero(const uint8_t *g)
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

/* A structure whose CRC-32C sits at byte 4, computed with that field zero. */
static bool crc_ok(uint8_t *p, size_t len)
{
	uint32_t want = (uint32_t)fmt_get_le(p + 4, 4), got;

	memset(p + 4, 0, 4);
	got = fmt_crc32c(p, len);
	fmt_put_le(p + 4, 4, want);
	return got == want;
}

/* The current header (valid, the higher sequence number). */
static int read_headers(struct vu_image *img, uint8_t *cur, struct vu_err *e)
{
	uint8_t h[2][HEADER_SIZE];
	bool ok[2];

	for (int i = 0; i < 2; i++) {
		int r = vu_pread_all(img->fd, h[i], HEADER_SIZE, (off_t)(i ? HEADER2 : HEADER1), true);

		if (r < 0)
			return vu_err_set(e, -r, "cannot read the headers: %s", strerror(-r));
		ok[i] = memcmp(h[i], "head", 4) == 0 && crc_ok(h[i], HEADER_SIZE) &&
			fmt_get_le(h[i] + 66, 2) == 1;
	}
	if (!ok[0] && !ok[1])
		return vu_err_set(e, EINVAL, "No valid VHDX header found");
	if (ok[0] && (!ok[1] || fmt_get_le(h[0] + 8, 8) >= fmt_get_le(h[1] + 8, 8)))
		memcpy(cur, h[0], HEADER_SIZE);
	else
		memcpy(cur, h[1], HEADER_SIZE);
	return 0;
}

/* The BAT's and the metadata's place, from the first region table. */
static int read_regions(struct vu_image *img, uint64_t *bat_off, uint64_t *bat_len,
			uint64_t *meta_off, uint64_t *meta_len, struct vu_err *e)
{
	uint8_t *t = malloc(REGION_SIZE);
	uint32_t n;
	int r;

	if (!t)
		return vu_err_set(e, ENOMEM, NULL);
	*bat_off = *meta_off = 0;
	r = vu_pread_all(img->fd, t, REGION_SIZE, REGION1, true);
	if (r == 0 && (memcmp(t, "regi", 4) != 0 || !crc_ok(t, REGION_SIZE)))
		r = -EINVAL;
	n = r == 0 ? (uint32_t)fmt_get_le(t + 8, 4) : 0;
	if (n > REGION_MAX_ENTRIES)
		r = -EINVAL;
	for (uint32_t i = 0; r == 0 && i < n; i++) {
		const uint8_t *en = t + 16 + i * 32;
		uint64_t off = fmt_get_le(en + 16, 8), len = fmt_get_le(en + 24, 4);

		if (off % MiB || len % MiB || off < MiB)
			r = -EINVAL;
		else if (memcmp(en, GUID_BAT, 16) == 0)
			*bat_off = off, *bat_len = len;
		else if (memcmp(en, GUID_METADATA, 16) == 0)
			*meta_off = off, *meta_len = len;
		else if (fmt_get_le(en + 28, 4) & 1)
			r = -ENOTSUP;	/* a region we do not know is required */
	}
	free(t);
	if (r == -ENOTSUP)
		return vu_err_set(e, ENOTSUP, "VHDX image requires a region this driver does not know");
	if (r < 0 || !*bat_off || !*meta_off)
		return vu_err_set(e, EINVAL, "Invalid VHDX region table");
	return 0;
}

/* One metadata item into out (len bytes); -ENOENT when absent. */
static int meta_item(const uint8_t *meta, uint64_t meta_len, const uint8_t *guid, void *out,
		     uint32_t len)
{
	uint32_t n = (uint32_t)fmt_get_le(meta + 10, 2);

	if (n > METADATA_MAX_ENTRIES)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *en = meta + 32 + i * 32;
		uint64_t off = fmt_get_le(en + 16, 4), ilen = fmt_get_le(en + 20, 4);

		if (memcmp(en, guid, 16) != 0)
			continue;
		if (ilen < len || off < 64 * KiB || off > meta_len || len > meta_len - off)
			return -EINVAL;
		memcpy(out, meta + off, len);
		return 0;
	}
	return -ENOENT;
}

static int read_metadata(struct vu_image *img, struct vhdx *v, uint64_t off, uint64_t len,
			 struct vu_err *e)
{
	uint8_t fp[8], ds[8], ls[4], ps[4];
	uint8_t *m;
	int r;

	if (len > 64 * MiB || off > v->file_size || len > v->file_size - off)
		return vu_err_set(e, EINVAL, "VHDX metadata region past the end of the file");
	if (!(m = malloc(len)))
		return vu_err_set(e, ENOMEM, NULL);
	r = vu_pread_all(img->fd, m, len, (off_t)off, false);
	if (r == 0 && memcmp(m, "metadata", 8) != 0)
		r = -EINVAL;
	if (r == 0)
		r = meta_item(m, len, GUID_FILE_PARAMS, fp, 8);
	if (r == 0)
		r = meta_item(m, len, GUID_DISK_SIZE, ds, 8);
	if (r == 0)
		r = meta_item(m, len, GUID_LOGICAL_SECTOR, ls, 4);
	if (r == 0)
		r = meta_item(m, len, GUID_PHYSICAL_SECTOR, ps, 4);
	free(m);
	if (r < 0)
		return vu_err_set(e, EINVAL, "Invalid VHDX metadata");
	v->block_size = (uint32_t)fmt_get_le(fp, 4);
	v->logical_sector = (uint32_t)fmt_get_le(ls, 4);
	v->physical_sector = (uint32_t)fmt_get_le(ps, 4);
	img->size = fmt_get_le(ds, 8);
	if (fmt_get_le(fp + 4, 4) & 2)
		return vu_err_set(e, ENOTSUP, "differencing VHDX images are not supported");
	if (v->logical_sector != 512 && v->logical_sector != 4096)
		return vu_err_set(e, EINVAL, "Invalid VHDX logical sector size %u", v->logical_sector);
	if (v->physical_sector != 512 && v->physical_sector != 4096)
		return vu_err_set(e, EINVAL, "Invalid VHDX physical sector size %u",
				  v->physical_sector);
	if (v->block_size < MiB || v->block_size > BLOCK_MAX || (v->block_size & (v->block_size - 1)))
		return vu_err_set(e, EINVAL, "Invalid VHDX block size %u", v->block_size);
	if (img->size > DISK_MAX || img->size % v->logical_sector)
		return vu_err_set(e, EINVAL, "Invalid VHDX disk size %llu",
				  (unsigned long long)img->size);
	v->chunk_ratio = ((1ull << 23) * v->logical_sector) / v->block_size;
	return 0;
}

/* ---- log ----
 * The log is a ring of 4 KiB sectors holding entries: a header ("loge",
 * CRC-32C of the whole entry, its length, the tail (where the sequence it
 * ends begins), a sequence number, the log GUID, the file sizes), 32-byte
 * descriptors ("desc": a sector of data, "zero": a zeroed range), then one
 * "data" sector per data descriptor. The entry with the highest sequence
 * number ends the active sequence, which its tail starts; replaying writes
 * every descriptor of that sequence, in order, to the file. */

#define LOGE_HDR 64
#define LOGE_DESC 32
#define LOG_SECTOR_DATA 4084

struct vlog {
	uint8_t *buf;			/* the whole log, as read */
	uint64_t len;			/* bytes, a multiple of HEADER_SIZE */
	const uint8_t *guid;
};

/* The entry at p (sector aligned) copied out of the ring into a new buffer
 * if it is a valid one of this log: NULL otherwise (or -ENOMEM in *r). */
static uint8_t *log_entry(const struct vlog *l, uint64_t p, int *r)
{
	const uint8_t *s = l->buf + p;
	uint64_t elen = fmt_get_le(s + 8, 4), seq = fmt_get_le(s + 16, 8);
	uint64_t dc = fmt_get_le(s + 24, 4), hsec, nd = 0;
	uint8_t *e;

	*r = 0;
	if (memcmp(s, "loge", 4) != 0 || memcmp(s + 32, l->guid, 16) != 0 || !seq ||
	    !elen || elen % HEADER_SIZE || elen > l->len || dc > (elen - LOGE_HDR) / LOGE_DESC)
		return NULL;
	if (!(e = malloc(elen))) {
		*r = -ENOMEM;
		return NULL;
	}
	for (uint64_t i = 0; i < elen; i += HEADER_SIZE)
		memcpy(e + i, l->buf + (p + i) % l->len, HEADER_SIZE);
	hsec = (LOGE_HDR + dc * LOGE_DESC + HEADER_SIZE - 1) / HEADER_SIZE;
	if (!crc_ok(e, elen))
		goto bad;
	for (uint64_t i = 0; i < dc; i++) {
		const uint8_t *d = e + LOGE_HDR + i * LOGE_DESC, *ds;
		bool zero = memcmp(d, "zero", 4) == 0;

		if ((!zero && memcmp(d, "desc", 4) != 0) || fmt_get_le(d + 24, 8) != seq ||
		    fmt_get_le(d + 16, 8) % HEADER_SIZE || (zero && fmt_get_le(d + 8, 8) % HEADER_SIZE))
			goto bad;
		if (zero)
			continue;
		if ((hsec + nd + 1) * HEADER_SIZE > elen)
			goto bad;
		ds = e + (hsec + nd++) * HEADER_SIZE;
		if (memcmp(ds, "data", 4) != 0 ||
		    (fmt_get_le(ds + 4, 4) << 32 | fmt_get_le(ds + 4092, 4)) != seq)
			goto bad;
	}
	return e;
bad:
	free(e);
	return NULL;
}

/* Reads the log of the header hdr, if its GUID names one: l->buf NULL when
 * it has no entry of that GUID. */
static int log_read(struct vu_image *img, const uint8_t *hdr, struct vlog *l)
{
	uint64_t off = fmt_get_le(hdr + 72, 8), len = fmt_get_le(hdr + 68, 4);
	int r;

	memset(l, 0, sizeof(*l));
	if (guid_zero(hdr + 48))
		return 0;
	if (len > LOG_SCAN_MAX || len % HEADER_SIZE || off % MiB || off < MiB)
		return -EINVAL;
	if (!len)
		return 0;
	if (!(l->buf = malloc(len)))
		return -ENOMEM;
	l->len = len;
	l->guid = hdr + 48;
	if ((r = vu_pread_all(img->fd, l->buf, len, (off_t)off, true)) < 0) {
		free(l->buf);
		l->buf = NULL;
	}
	return r;
}

/* The position of the valid entry with the highest sequence number (the
 * end of the active sequence), or -1: none needs replaying. */
static int log_head(const struct vlog *l, int64_t *head)
{
	uint64_t best = 0;

	*head = -1;
	for (uint64_t p = 0; p < l->len; p += HEADER_SIZE) {
		int r;
		uint8_t *e = log_entry(l, p, &r);

		if (r < 0)
			return r;
		if (e && fmt_get_le(e + 16, 8) > best) {
			best = fmt_get_le(e + 16, 8);
			*head = (int64_t)p;
		}
		free(e);
	}
	return 0;
}

/* Zeros [at, at + n) of the file: holes punched within it (a hostile log
 * cannot make us write its size in zeros per descriptor), the file grown
 * over the rest, which then reads as zeros. */
static int log_zero(int fd, uint64_t at, uint64_t n)
{
	struct stat st;
	uint64_t in;

	if (fstat(fd, &st) < 0)
		return -errno;
	in = at < (uint64_t)st.st_size ? (uint64_t)st.st_size - at : 0;
	in = in < n ? in : n;
	if (in && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)at, (off_t)in) < 0) {
		int r = fmt_write_zeros(fd, at, in);

		if (r < 0)
			return r;
	}
	if (n > in && ftruncate(fd, (off_t)(at + n)) < 0)
		return -errno;
	return 0;
}

/* Writes the descriptors of entry e to the file: data sectors rebuilt from
 * the descriptor's leading and trailing bytes, zero ranges. Nothing may
 * land on the identifier and headers, which replay rewrites itself; dry:
 * only that checked. */
static int log_apply(struct vu_image *img, const uint8_t *e, bool dry)
{
	uint64_t dc = fmt_get_le(e + 24, 4), nd = 0;
	uint64_t hsec = (LOGE_HDR + dc * LOGE_DESC + HEADER_SIZE - 1) / HEADER_SIZE;
	uint8_t sec[HEADER_SIZE];
	int r = 0;

	for (uint64_t i = 0; r == 0 && i < dc; i++) {
		const uint8_t *d = e + LOGE_HDR + i * LOGE_DESC;
		uint64_t at = fmt_get_le(d + 16, 8), n = fmt_get_le(d + 8, 8);
		bool zero = memcmp(d, "zero", 4) == 0;

		if (!zero)
			n = HEADER_SIZE;
		if (at < REGION1 || at > 2 * DISK_MAX || n > 2 * DISK_MAX - at)
			return -EINVAL;
		if (dry)
			continue;
		if (zero) {
			r = log_zero(img->fd, at, n);
			continue;
		}
		memcpy(sec, d + 8, 8);
		memcpy(sec + 8, e + (hsec + nd++) * HEADER_SIZE + 8, LOG_SECTOR_DATA);
		memcpy(sec + 4092, d + 4, 4);
		r = vu_pwrite_all(img->fd, sec, HEADER_SIZE, (off_t)at);
	}
	return r;
}

/* Applies (or with dry, checks) the sequence from the entry at p to the one
 * numbered last: every entry valid and numbered one more than the one
 * before. */
static int log_walk(struct vu_image *img, const struct vlog *l, uint64_t p, uint64_t last,
		    bool dry)
{
	uint64_t seq = 0;
	uint8_t *e;
	int r = 0;

	for (uint64_t steps = 0; r == 0 && seq != last; steps++) {
		if (steps >= l->len / HEADER_SIZE || !(e = log_entry(l, p, &r)))
			return r < 0 ? r : -EINVAL;
		if (seq && fmt_get_le(e + 16, 8) != seq + 1)
			r = -EINVAL;
		seq = fmt_get_le(e + 16, 8);
		if (r == 0)
			r = log_apply(img, e, dry);
		p = (p + fmt_get_le(e + 8, 4)) % l->len;
		free(e);
	}
	return r;
}

/* Both headers rewritten from hdr, each with a higher sequence number and
 * flushed before the next, as the specification updates them. */
static int write_headers(struct vu_image *img, uint8_t *hdr, bool sync)
{
	uint64_t seq = fmt_get_le(hdr + 8, 8);
	int r = 0;

	for (int i = 0; r == 0 && i < 2; i++) {
		fmt_put_le(hdr + 8, 8, ++seq);
		fmt_put_le(hdr + 4, 4, 0);
		fmt_put_le(hdr + 4, 4, fmt_crc32c(hdr, HEADER_SIZE));
		r = vu_pwrite_all(img->fd, hdr, HEADER_SIZE, (off_t)(i ? HEADER2 : HEADER1));
		if (r == 0 && sync && fdatasync(img->fd) < 0)
			r = -errno;
	}
	return r;
}

/* Replays the active sequence, from the tail of the entry at head to it,
 * then clears the log GUID from the headers: the log is spent. */
static int log_replay(struct vu_image *img, const struct vlog *l, uint64_t head, uint8_t *hdr)
{
	uint64_t tail, seq, flushed, end;
	uint8_t *last;
	struct stat st;
	int r;

	if (!(last = log_entry(l, head, &r)))
		return r < 0 ? r : -EINVAL;
	tail = fmt_get_le(last + 12, 4);
	seq = fmt_get_le(last + 16, 8);
	flushed = fmt_get_le(last + 48, 8);
	end = fmt_get_le(last + 56, 8);
	free(last);
	if (tail % HEADER_SIZE || tail >= l->len || end > 2 * DISK_MAX)
		return -EINVAL;
	if (fstat(img->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < flushed)
		return -EINVAL;	/* the file lost what the log relies on */
	/* All of it checked before anything is written. */
	if ((r = log_walk(img, l, tail, seq, true)) < 0 ||
	    (r = log_walk(img, l, tail, seq, false)) < 0)
		return r;
	if (fstat(img->fd, &st) < 0)
		return -errno;
	if (end > (uint64_t)st.st_size && ftruncate(img->fd, (off_t)end) < 0)
		return -errno;
	if (fdatasync(img->fd) < 0)
		return -errno;
	memset(hdr + 48, 0, 16);
	return write_headers(img, hdr, true);
}

/* A log with a valid entry of this image's log GUID means a writer died
 * before the metadata it changed was final: replayed when the image is
 * open for writing, as qemu does, refused read-only as qemu refuses it. */
static int log_check(struct vu_image *img, uint8_t *hdr, bool *replayed, struct vu_err *e)
{
	struct vlog l;
	int64_t head = -1;
	int r;

	*replayed = false;
	if ((r = log_read(img, hdr, &l)) == 0 && l.buf)
		r = log_head(&l, &head);
	if (r == 0 && head >= 0 && !(img->flags & VU_OPEN_RDWR))
		r = vu_err_set(e, EPERM, "VHDX image file '%s' opened read-only, but contains "
			       "a log that needs to be replayed", img->filename);
	else if (r == 0 && head >= 0 && (r = log_replay(img, &l, (uint64_t)head, hdr)) == 0)
		*replayed = true;
	else if (r < 0 && !e->msg[0])
		vu_err_set(e, -r, "cannot replay the VHDX log: %s", strerror(-r));
	free(l.buf);
	return r;
}

static int read_bat(struct vu_image *img, struct vhdx *v, uint64_t off, uint64_t len,
		    struct vu_err *e)
{
	uint64_t blocks = (img->size + v->block_size - 1) / v->block_size;
	uint8_t *raw;
	int r;

	v->bat_entries = blocks ? blocks + (blocks - 1) / v->chunk_ratio : 0;
	if (v->bat_entries * 8 > len || v->bat_entries * 8 > BAT_MEM_MAX ||
	    off > v->file_size || v->bat_entries * 8 > v->file_size - off)
		return vu_err_set(e, EINVAL, "Invalid VHDX block allocation table");
	if (!(raw = malloc(v->bat_entries * 8 + 1)) || !(v->bat = malloc(v->bat_entries * 8 + 8))) {
		free(raw);
		return vu_err_set(e, ENOMEM, NULL);
	}
	r = vu_pread_all(img->fd, raw, v->bat_entries * 8, (off_t)off, false);
	for (uint64_t i = 0; r == 0 && i < v->bat_entries; i++) {
		uint64_t en = fmt_get_le(raw + i * 8, 8), state = en & 7, host = (en >> 20) * MiB;

		v->bat[i] = en;
		if ((i + 1) % (v->chunk_ratio + 1) == 0)
			continue;	/* a sector bitmap's entry */
		if ((state == PAYLOAD_FULLY_PRESENT || state == PAYLOAD_PARTIALLY_PRESENT) &&
		    (host < MiB || host > v->file_size || v->block_size > v->file_size - host)) {
			vu_err_set(e, EINVAL, "VHDX BAT entry %llu start offset %llu points after "
				   "end of file (%llu). Image has probably been truncated.",
				   (unsigned long long)i, (unsigned long long)host,
				   (unsigned long long)v->file_size);
			r = -EINVAL;
		}
	}
	free(raw);
	if (r < 0 && !e->msg[0])
		vu_err_set(e, -r, "cannot read the VHDX block allocation table: %s", strerror(-r));
	return r;
}

static void vhdx_free(struct vhdx *v)
{
	if (v) {
		free(v->bat);
		free(v);
	}
}

static int vhdx_open(struct vu_image *img, struct vu_err *e)
{
	struct vhdx *v = calloc(1, sizeof(*v));
	uint8_t id[8], hdr[HEADER_SIZE];
	uint64_t bat_off = 0, bat_len = 0, meta_off = 0, meta_len = 0;
	struct stat st;
	bool replayed;
	int r;

	if (!v)
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = vu_pread_all(img->fd, id, 8, 0, true)) < 0 || memcmp(id, "vhdxfile", 8) != 0) {
		r = vu_err_set(e, EINVAL, "Invalid VHDX file identifier");
		goto fail;
	}
	if ((r = read_headers(img, hdr, e)) < 0 || (r = log_check(img, hdr, &replayed, e)) < 0)
		goto fail;
	v->replayed = replayed;
	/* After a replay, which may have grown the file. */
	if (fstat(img->fd, &st) < 0) {
		r = vu_err_set(e, errno, NULL);
		goto fail;
	}
	v->file_size = (uint64_t)st.st_size;
	memcpy(v->hdr, hdr, HEADER_SIZE);
	if ((r = read_regions(img, &bat_off, &bat_len, &meta_off, &meta_len, e)) < 0 ||
	    (r = read_metadata(img, v, meta_off, meta_len, e)) < 0 ||
	    (r = read_bat(img, v, bat_off, bat_len, e)) < 0)
		goto fail;
	v->bat_offset = bat_off;
	img->priv = v;
	return 0;
fail:
	vhdx_free(v);
	return r;
}

static void vhdx_close(struct vu_image *img)
{
	vhdx_free(img->priv);
	img->priv = NULL;
}

static int vhdx_pread(struct vu_image *img, void *buf, size_t len, uint64_t off)
{
	struct vhdx *v = img->priv;
	uint8_t *p = buf;

	while (len) {
		uint64_t b = off / v->block_size, in = off % v->block_size;
		size_t n = v->block_size - in < len ? (size_t)(v->block_size - in) : len;
		uint64_t en = v->bat[b + b / v->chunk_ratio], state = en & 7;
		int r;

		if (state == PAYLOAD_FULLY_PRESENT) {
			r = vu_pread_all(img->fd, p, n, (off_t)((en >> 20) * MiB + in), true);
			if (r < 0)
				return r;
		} else if (state == PAYLOAD_PARTIALLY_PRESENT) {
			snprintf(v->errmsg, sizeof(v->errmsg), "partially present block %llu "
				 "(differencing images are not supported)", (unsigned long long)b);
			return -ENOTSUP;
		} else {
			memset(p, 0, n);
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* As qemu's vhdx, which has no block status: all of it data. */
static int vhdx_block_status(struct vu_image *img, uint64_t off, uint64_t len,
			     struct vu_bstat *bs)
{
	(void)img;
	(void)off;
	bs->len = len;
	bs->flags = VU_BS_DATA | VU_BS_ALLOCATED;
	return 0;
}

static int vhdx_info(struct vu_image *img, struct vu_info *info)
{
	info->cluster_size = ((struct vhdx *)img->priv)->block_size;
	return 0;
}

static const char *vhdx_last_error(const struct vu_image *img)
{
	return ((const struct vhdx *)img->priv)->errmsg;
}

/* ---- create ---- */

static void put_header(uint8_t *h, uint64_t seq, uint32_t log_len)
{
	memset(h, 0, HEADER_SIZE);
	memcpy(h, "head", 4);
	fmt_put_le(h + 8, 8, seq);
	fmt_uuid(h + 16);		/* file write GUID */
	fmt_uuid(h + 32);		/* data write GUID */
	fmt_put_le(h + 66, 2, 1);	/* version */
	fmt_put_le(h + 68, 4, log_len);
	fmt_put_le(h + 72, 8, MiB);	/* the log follows the header section */
	fmt_put_le(h + 4, 4, fmt_crc32c(h, HEADER_SIZE));
}

static void put_region(uint8_t *t, uint64_t bat_off, uint64_t bat_len, uint64_t meta_off)
{
	memset(t, 0, REGION_SIZE);
	memcpy(t, "regi", 4);
	fmt_put_le(t + 8, 4, 2);
	memcpy(t + 16, GUID_BAT, 16);
	fmt_put_le(t + 32, 8, bat_off);
	fmt_put_le(t + 40, 4, bat_len);
	fmt_put_le(t + 44, 4, 1);	/* required */
	memcpy(t + 48, GUID_METADATA, 16);
	fmt_put_le(t + 64, 8, meta_off);
	fmt_put_le(t + 72, 4, MiB);
	fmt_put_le(t + 76, 4, 1);
	fmt_put_le(t + 4, 4, fmt_crc32c(t, REGION_SIZE));
}

/* The metadata region: its table and the five items qemu writes. */
static void put_metadata(uint8_t *m, uint32_t block_size, bool fixed, uint64_t size)
{
	static const struct {
		const uint8_t *guid;
		uint32_t off, len, flags;
	} items[] = {
		{ GUID_FILE_PARAMS, 0, 8, 4 }, { GUID_DISK_SIZE, 8, 8, 6 },
		{ GUID_PAGE83, 16, 16, 6 }, { GUID_LOGICAL_SECTOR, 32, 4, 6 },
		{ GUID_PHYSICAL_SECTOR, 36, 4, 6 },
	};
	uint8_t *d = m + 64 * KiB;

	memset(m, 0, MiB);
	memcpy(m, "metadata", 8);
	fmt_put_le(m + 10, 2, 5);
	for (int i = 0; i < 5; i++) {
		memcpy(m + 32 + i * 32, items[i].guid, 16);
		fmt_put_le(m + 48 + i * 32, 4, 64 * KiB + items[i].off);
		fmt_put_le(m + 52 + i * 32, 4, items[i].len);
		fmt_put_le(m + 56 + i * 32, 4, items[i].flags);
	}
	fmt_put_le(d, 4, block_size);
	fmt_put_le(d + 4, 4, fixed ? 1 : 0);	/* leave blocks allocated */
	fmt_put_le(d + 8, 8, size);
	fmt_uuid(d + 16);
	fmt_put_le(d + 32, 4, 512);
	fmt_put_le(d + 36, 4, 512);
}

/* qemu's default block size for a disk of size bytes. */
static uint32_t default_block(uint64_t size)
{
	if (size > (32ull << 40))
		return 64 * MiB;
	if (size > (100ull << 30))
		return 32 * MiB;
	if (size > (1ull << 30))
		return 16 * MiB;
	return 8 * MiB;
}

static int vhdx_create(int fd, const char *path, const struct vu_create_opts *o,
		       struct vu_err *e)
{
	/* qemu rounds the log and block sizes up to MiB. */
	uint64_t size = (o->size + 511) & ~511ull, log = o->log_size ? o->log_size : MiB;
	uint64_t bs = o->block_size ? o->block_size : default_block(size);
	uint64_t blocks, entries, bat_len, bat_off, meta_off, data_off, ratio;
	uint8_t *buf;
	int r;

	(void)path;
	if (o->backing_file)
		return vu_err_set(e, ENOTSUP, "Backing file not supported for file format 'vhdx'");
	if (size > DISK_MAX)
		return vu_err_set(e, EINVAL, "Image size too large; max of 64TB");
	log = (log + MiB - 1) / MiB * MiB;
	bs = (bs + MiB - 1) / MiB * MiB;
	if (log > UINT32_MAX / 2)
		return vu_err_set(e, EINVAL, "Log size too large");
	if (bs > BLOCK_MAX)
		return vu_err_set(e, EINVAL, "Block size too large; max of 256MB");
	if (bs & (bs - 1))
		return vu_err_set(e, EINVAL, "Block size must be a power of two");
	ratio = ((1ull << 23) * 512) / bs;
	blocks = (size + bs - 1) / bs;
	entries = blocks ? blocks + (blocks - 1) / ratio : 0;
	bat_len = (entries * 8 + MiB - 1) / MiB * MiB;
	bat_len = bat_len ? bat_len : MiB;
	bat_off = MiB + log;
	meta_off = bat_off + bat_len;
	data_off = meta_off + MiB;
	if (!(buf = calloc(1, MiB > bat_len ? MiB : bat_len)))
		return vu_err_set(e, ENOMEM, NULL);
	memcpy(buf, "vhdxfile", 8);
	for (size_t i = 0; i < strlen("virtutils"); i++)
		buf[8 + i * 2] = (uint8_t)"virtutils"[i];
	r = vu_pwrite_all(fd, buf, 64 * KiB, 0);
	put_header(buf, 0, (uint32_t)log);
	if (r == 0)
		r = vu_pwrite_all(fd, buf, HEADER_SIZE, HEADER1);
	put_header(buf, 1, (uint32_t)log);
	if (r == 0)
		r = vu_pwrite_all(fd, buf, HEADER_SIZE, HEADER2);
	put_region(buf, bat_off, bat_len, meta_off);
	if (r == 0)
		r = vu_pwrite_all(fd, buf, REGION_SIZE, REGION1);
	if (r == 0)
		r = vu_pwrite_all(fd, buf, REGION_SIZE, REGION1 + REGION_SIZE);
	put_metadata(buf, (uint32_t)bs, o->fixed, size);
	if (r == 0)
		r = vu_pwrite_all(fd, buf, MiB, (off_t)meta_off);
	/* The BAT: a fixed image's blocks in order after the metadata; a
	 * dynamic one's zero (or not present with block_state_zero=off). */
	memset(buf, 0, bat_len);
	for (uint64_t b = 0, i = 0; b < blocks; b++, i++) {
		if (i && i % (ratio + 1) == ratio)
			i++;	/* a sector bitmap's entry, not present */
		fmt_put_le(buf + i * 8, 8, o->fixed ? ((data_off + b * bs) / MiB) << 20 |
			   PAYLOAD_FULLY_PRESENT : o->block_state_zero_off ? PAYLOAD_NOT_PRESENT :
			   PAYLOAD_ZERO);
	}
	if (r == 0)
		r = vu_pwrite_all(fd, buf, bat_len, (off_t)bat_off);
	free(buf);
	if (r == 0 && ftruncate(fd, (off_t)(data_off + (o->fixed ? blocks * bs : 0))) < 0)
		r = -errno;
	return r < 0 ? vu_err_set(e, -r, "%s", strerror(-r)) : 0;
}

/* ---- write ---- */

static int fail(struct vhdx *v, int r, const char *what)
{
	snprintf(v->errmsg, sizeof(v->errmsg), "%s: %s", what, strerror(-r));
	return r;
}

static int sync_unless_unsafe(struct vu_image *img)
{
	if (img->flags & VU_OPEN_UNSAFE)
		return 0;
	return fdatasync(img->fd) < 0 ? -errno : 0;
}

/* Before the first change, as the specification asks: new file and data
 * write GUIDs in both headers, each with a higher sequence number. */
static int begin(struct vu_image *img)
{
	struct vhdx *v = img->priv;
	int r;

	if (v->began)
		return 0;
	fmt_uuid(v->hdr + 16);
	fmt_uuid(v->hdr + 32);
	if ((r = write_headers(img, v->hdr, !(img->flags & VU_OPEN_UNSAFE))) < 0)
		return fail(v, r, "cannot update the headers");
	v->began = true;
	return 0;
}

/* A new block at the end of the file (1 MiB aligned) for block b, with
 * data at [in, in + n): data first, its BAT entry after. */
static int allocate(struct vu_image *img, uint64_t b, const void *data, uint64_t in, size_t n)
{
	struct vhdx *v = img->priv;
	uint64_t idx = b + b / v->chunk_ratio, host = (v->file_size + MiB - 1) / MiB * MiB;
	uint8_t le[8];
	int r;

	if ((r = vu_pwrite_all(img->fd, data, n, (off_t)(host + in))) < 0 ||
	    (in + n < v->block_size && ftruncate(img->fd, (off_t)(host + v->block_size)) < 0 &&
	     (r = -errno)) || (r = sync_unless_unsafe(img)) < 0)
		return fail(v, r, "cannot write a new block");
	v->file_size = host + v->block_size;
	v->bat[idx] = (host / MiB) << 20 | PAYLOAD_FULLY_PRESENT;
	fmt_put_le(le, 8, v->bat[idx]);
	if ((r = vu_pwrite_all(img->fd, le, 8, (off_t)(v->bat_offset + idx * 8))) < 0)
		return fail(v, r, "cannot write the block allocation table");
	return 0;
}

/* data NULL: zeros, which leave a block that holds none as it is. */
static int write_range(struct vu_image *img, const uint8_t *data, size_t len, uint64_t off)
{
	struct vhdx *v = img->priv;
	int r = begin(img);

	while (r == 0 && len) {
		uint64_t b = off / v->block_size, in = off % v->block_size;
		size_t n = v->block_size - in < len ? (size_t)(v->block_size - in) : len;
		uint64_t en = v->bat[b + b / v->chunk_ratio], state = en & 7;

		if (state == PAYLOAD_FULLY_PRESENT) {
			uint64_t h = (en >> 20) * MiB + in;

			r = data ? vu_pwrite_all(img->fd, data, n, (off_t)h) : fmt_write_zeros(img->fd, h, n);
			if (r < 0)
				r = fail(v, r, "cannot write");
		} else if (state == PAYLOAD_PARTIALLY_PRESENT) {
			r = fail(v, -ENOTSUP, "partially present block");
		} else if (data && !vu_buf_is_zero(data, n)) {
			r = allocate(img, b, data, in, n);
		}
		if (data)
			data += n;
		off += n;
		len -= n;
	}
	return r;
}

static int vhdx_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off)
{
	return write_range(img, buf, len, off);
}

static int vhdx_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	(void)may_unmap;
	return write_range(img, NULL, (size_t)len, off);
}

static int vhdx_discard(struct vu_image *img, uint64_t off, uint64_t len)
{
	(void)img;
	(void)off;
	(void)len;
	return 0;
}

static int vhdx_flush(struct vu_image *img)
{
	return sync_unless_unsafe(img);
}

/* What open found wrong refused the image already: a check of an image
 * that opens finds nothing more. A log replayed by an open for repairs
 * counts as a corruption fixed, as qemu-img counts it. */
static int vhdx_check(struct vu_image *img, unsigned fix, struct vu_check_result *res)
{
	if (fix && ((struct vhdx *)img->priv)->replayed)
		res->corruptions_fixed++;
	return 0;
}

const struct vu_image_driver vu_drv_vhdx = {
	.name = "vhdx",
	.create = vhdx_create,
	.probe = vhdx_probe,
	.open = vhdx_open,
	.close = vhdx_close,
	.pread = vhdx_pread,
	.block_status = vhdx_block_status,
	.info = vhdx_info,
	.last_error = vhdx_last_error,
	.check = vhdx_check,
	.pwrite = vhdx_pwrite,
	.pwrite_zeroes = vhdx_pwrite_zeroes,
	.discard = vhdx_discard,
	.flush = vhdx_flush,
};
