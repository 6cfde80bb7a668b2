/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk.h - the vmdk driver's private state, shared by its read and write halves */
#ifndef VU_IMG_VMDK_H
#define VU_IMG_VMDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_int.h"

#define VMDK_MAGIC 0x564d444bu		/* "KDMV", little-endian */
#define VMDK_SECTOR 512u
#define VMDK_GD_AT_END UINT64_MAX	/* streamOptimized: the footer has it */

/* Header flags */
#define VMDK_FLAG_NL_DETECT (1u << 0)
#define VMDK_FLAG_RGD (1u << 1)
#define VMDK_FLAG_ZERO_GRAIN (1u << 2)
#define VMDK_FLAG_COMPRESS (1u << 16)
#define VMDK_FLAG_MARKER (1u << 17)
#define VMDK_COMPRESS_DEFLATE 1

#define VMDK_GTE_ZEROED 1u		/* a grain table entry for a zero grain */
/* Limits on what a header may ask of us (qemu's, or tighter). */
#define VMDK_MAX_EXTENTS 1024
#define VMDK_MAX_DESC (1u << 20)	/* a descriptor file's bytes */
#define VMDK_MAX_GRAIN_SECTORS 0x200000u	/* 1 GiB grains, qemu's bound */
#define VMDK_MAX_GTES (1u << 16)	/* entries per grain table */
#define VMDK_MAX_GD_BYTES (64u << 20)
#define VMDK_MAX_DATA_BYTES (1ull << 62)	/* a virtual disk, all extents */
#define VMDK_SPLIT_BYTES (2ull << 30)	/* twoGbMaxExtent*: one file */

/* The sparse extent header (little-endian on disk, 512 bytes). */
struct vmdk_header {
	uint32_t version, flags;
	uint64_t capacity;		/* sectors */
	uint64_t grain;			/* sectors */
	uint64_t desc_off, desc_size;	/* sectors */
	uint32_t gtes;			/* entries per grain table */
	uint64_t rgd_off, gd_off;	/* sectors */
	uint64_t overhead;		/* sectors before the first grain */
	uint8_t unclean;
	uint16_t compress;
};

enum vmdk_ext_type { VMDK_EXT_FLAT, VMDK_EXT_SPARSE, VMDK_EXT_ZERO };

struct vmdk_extent {
	enum vmdk_ext_type type;
	char *name;		/* as the descriptor names it */
	char *path;		/* as opened, which qemu-img info shows (NULL: name) */
	int fd;			/* the image's own fd unless own_fd */
	bool own_fd;
	uint64_t base;		/* where the extent file starts in fd (an OVA member) */
	uint64_t fsize;		/* the extent file's bytes */
	uint64_t start, len;	/* where it lies on the virtual disk, bytes */
	uint64_t flat_off;	/* FLAT: bytes into the file */
	/* SPARSE */
	struct vmdk_header h;
	uint64_t hdr_at;	/* where the header used lies (0, or the footer's) */
	uint64_t grain;		/* bytes */
	uint32_t ngd;		/* grain directory entries */
	uint32_t *gd, *rgd;	/* sector numbers of the grain tables */
	uint32_t *gt;		/* one grain table, cached */
	uint32_t gt_idx;	/* which (UINT32_MAX: none) */
	uint64_t next_alloc;	/* bytes: where the next grain goes */
	bool compressed, marker, zero_grain;
};

struct vmdk {
	struct vmdk_extent *ext;
	int n;
	uint32_t cid, parent_cid;
	char create_type[64];
	char *desc;		/* the descriptor text, NUL-terminated */
	bool embedded;		/* in the first extent (monolithic sparse) */
	uint64_t desc_at, desc_cap;	/* embedded: where and how much room, bytes */
	bool stream;		/* streamOptimized: grains are written compressed */
	bool cid_updated;	/* the CID was changed before this open's first write */
	uint8_t *gbuf;		/* a compressed grain as read from the file */
	size_t gbuf_len;
	uint8_t *ubuf;		/* the last compressed grain read, inflated */
	size_t ubuf_len;
	const struct vmdk_extent *ubuf_ext;	/* whose (NULL: none) */
	uint32_t ubuf_gte;	/* and which */
	const char *why;	/* the reason for the last read failure */
};

/* Little-endian fields. */
static inline uint64_t vmdk_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static inline void vmdk_put_le(uint8_t *p, unsigned bytes, uint64_t v)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* vmdk.c: the extent holding virtual offset off (they are in order), or NULL. */
struct vmdk_extent *vmdk_find_extent(const struct vmdk *v, uint64_t off);

/* vmdk_desc.c: the text descriptor */
/* Parses text into v (CID, parent CID, create type) and, when ext is not
 * NULL, the extent lines into v->ext (names copied, files not opened).
 * backing: the parentFileNameHint, malloc'd, or NULL. */
int vmdk_desc_parse(struct vmdk *v, const char *text, bool want_extents, char **backing,
		    struct vu_err *e);
/* Whether a descriptor's extent name may be opened (a plain file name). */
bool vmdk_extent_name_ok(const char *name);
/* The descriptor text for a new image or after a CID change. */
struct vmdk_desc_opts {
	uint32_t cid, parent_cid;
	const char *create_type;
	const char *parent_hint;	/* or NULL */
	const char *adapter;		/* ide, lsilogic, buslogic, legacyESX */
	const char *hwversion;		/* "4", "6", ... */
	uint64_t size;			/* bytes, for the geometry */
};
/* Writes the header part and the DDB around the extent lines given
 * (already formatted, each ending in '\n'). malloc'd. */
char *vmdk_desc_format(const struct vmdk_desc_opts *o, const char *extent_lines);
/* v->desc with its CID line changed to cid, malloc'd. */
char *vmdk_desc_set_cid(const char *desc, uint32_t cid);

/* vmdk_sparse.c: sparse extents */
int vmdk_ext_pread(const struct vmdk_extent *x, void *buf, size_t len, uint64_t off);
int vmdk_ext_pwrite(const struct vmdk_extent *x, const void *buf, size_t len, uint64_t off);
void vmdk_parse_header(const uint8_t *b, struct vmdk_header *h);
void vmdk_format_header(const struct vmdk_header *h, uint8_t *b);
/* Reads and checks the sparse header, the footer's where the directory is
 * at the end, and the directories. */
int vmdk_sparse_open(struct vmdk_extent *x, struct vu_err *e);
/* Whether [at, at+len) of x's file holds metadata (a write there would
 * corrupt the image). */
bool vmdk_over_metadata(const struct vmdk_extent *x, uint64_t at, uint64_t len);
/* The grain table entry for grain g of x (a sector number, 0 or
 * VMDK_GTE_ZEROED); -errno on a bad table. */
int vmdk_gte(struct vmdk *v, struct vmdk_extent *x, uint64_t g, uint32_t *gte);
/* Reads [off, off+len) of the grain at sector gte (within one grain). */
int vmdk_grain_read(struct vmdk *v, struct vmdk_extent *x, uint32_t gte, uint64_t g,
		    void *buf, size_t len, uint64_t in_grain);

/* vmdk_write.c */
int vmdk_pwrite(struct vu_image *img, const void *buf, size_t len, uint64_t off);
int vmdk_pwrite_zeroes(struct vu_image *img, uint64_t off, uint64_t len, bool may_unmap);
int vmdk_truncate(struct vu_image *img, uint64_t size);
int vmdk_flush(struct vu_image *img);
int vmdk_resize(struct vu_image *img, uint64_t size, enum vu_prealloc prealloc,
		struct vu_err *e);
ssize_t vmdk_compress_cluster(const struct vu_image *img, const void *cluster, void *out);
int vmdk_write_compressed(struct vu_image *img, const void *data, size_t len, uint64_t off);
int vmdk_pwrite_compressed(struct vu_image *img, const void *cluster, uint64_t off);
bool vmdk_compressed_only(const struct vu_image *img);

/* vmdk_create.c */
int vmdk_create(int fd, const char *path, const struct vu_create_opts *o, struct vu_err *e);

/* vmdk_ova.c: an OVA (tar) holding the disk */
/* Whether buf (the file's start) is a tar whose first member is an OVF. */
bool vmdk_ova_probe(const uint8_t *buf, size_t len);
/* Where the first .vmdk member's data lies in the tar open at fd. */
int vmdk_ova_find(int fd, uint64_t *off, uint64_t *len, char **name, struct vu_err *e);

#endif
