/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsuuid.c - a new UUID for an ext2/3/4 filesystem (fs-uuids), keeping
 * every checksum that depends on the UUID valid, as tune2fs -U does, or
 * for a swap area */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vu/ident.h"
#include "guest_int.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Canonical text to 16 bytes; -EINVAL. */
static int uuid_bytes(const char *in, uint8_t out[16])
{
	char canon[VU_UUID_STRLEN];
	int k = 0;

	if (vu_uuid_normalize(in, canon) < 0)
		return -EINVAL;
	for (const char *p = canon; *p && k < 16; p++) {
		if (*p == '-')
			continue;
		out[k++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
		p++;
	}
	return k == 16 ? 0 : -EINVAL;
}

static void uuid_text(char out[40], const uint8_t u[16])
{
	snprintf(out, 40,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* Linux swap keeps its UUID at byte 1036 (swaplabel -U writes it there). */
#define SWAP_UUID_OFFSET (1024 + 12)

static int swap_set_uuid(struct gfs *f, const uint8_t u[16], char old_out[40],
			 char new_out[40], struct vu_err *e)
{
	uint8_t old[16];
	int r = gdev_pread(&f->dev, old, sizeof(old), SWAP_UUID_OFFSET);

	if (r == 0)
		r = gdev_pwrite(&f->dev, u, 16, SWAP_UUID_OFFSET);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", f->pub.device, strerror(-r));
	uuid_text(old_out, old);
	uuid_text(new_out, u);
	snprintf(f->pub.uuid, sizeof(f->pub.uuid), "%s", new_out);
	return 0;
}

int vu_guest_fs_set_uuid(struct vu_guest *g, const char *device, const char *new_uuid,
			 char old_out[40], char new_out[40], struct vu_err *e)
{
	char generated[VU_UUID_STRLEN];
	uint8_t u[16];
	struct gfs *f;
	ext2_filsys fs;
	int i, x;

	if (!(g->flags & VU_GUEST_RDWR))
		return vu_err_set(e, EROFS, "%s", "");
	i = guest_find(g, device);
	if (i < 0)
		return vu_err_set(e, ENOENT, "%s: no such device", device);
	f = &g->fs[i];
	if (!f->pub.mountable && strcmp(f->pub.type, "swap"))
		return vu_err_set(e, ENOTSUP, "%s: changing the UUID of %s is not supported",
				  f->pub.device, f->pub.type[0] ? f->pub.type : "this device");
	if (!new_uuid) {
		vu_uuid_generate(generated);
		new_uuid = generated;
	}
	if (uuid_bytes(new_uuid, u) < 0)
		return vu_err_set(e, EINVAL, "%s: not a UUID", new_uuid);
	if (!f->pub.mountable)
		return swap_set_uuid(f, u, old_out, new_out, e);
	x = guest_ext_open(g, i, e);
	if (x < 0)
		return x;
	fs = f->efs;
	uuid_text(old_out, fs->super->s_uuid);
	/* metadata_csum seeds every checksum with the UUID: keep the old
	 * seed in the superblock (metadata_csum_seed) rather than rewrite
	 * every checksummed block. */
	if (ext2fs_has_feature_metadata_csum(fs->super) &&
	    !ext2fs_has_feature_csum_seed(fs->super)) {
		fs->super->s_checksum_seed = ext2fs_crc32c_le(~0U, fs->super->s_uuid,
							      sizeof(fs->super->s_uuid));
		ext2fs_set_feature_csum_seed(fs->super);
	}
	memcpy(fs->super->s_uuid, u, 16);
	ext2fs_init_csum_seed(fs);
	/* gdt_csum's CRC16 covers the UUID: every descriptor again. */
	if (ext2fs_has_group_desc_csum(fs) && !ext2fs_has_feature_metadata_csum(fs->super)) {
		for (dgrp_t grp = 0; grp < fs->group_desc_count; grp++)
			ext2fs_group_desc_csum_set(fs, grp);
		fs->flags &= ~EXT2_FLAG_SUPER_ONLY;
	}
	ext2fs_mark_super_dirty(fs);
	uuid_text(new_out, u);
	snprintf(f->pub.uuid, sizeof(f->pub.uuid), "%s", new_out);
	return 0;
}
