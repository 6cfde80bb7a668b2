/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe.c - what a device holds, by the magic numbers at fixed offsets
 * (ext2/3/4, xfs, btrfs, swap, LVM2 PV, vfat), with its UUID and label */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest_int.h"

static void uuid_text(char out[40], const uint8_t u[16])
{
	snprintf(out, 40,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* A label of at most len bytes, up to its first NUL, printable only. */
static void label_text(char *out, size_t outlen, const uint8_t *in, size_t len)
{
	size_t n = 0;

	while (n < len && n + 1 < outlen && in[n] >= 0x20 && in[n] < 0x7f)
		n++;
	memcpy(out, in, n);
	out[n] = '\0';
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
}

static void set(struct gfs *f, const char *type, bool mountable)
{
	snprintf(f->pub.type, sizeof(f->pub.type), "%s", type);
	f->pub.mountable = mountable;
}

static bool probe_ext(struct gfs *f)
{
	struct ext2_super_block sb;

	if (f->dev.size < 2048 + sizeof(sb) || gdev_pread(&f->dev, &sb, sizeof(sb), 1024) < 0)
		return false;
	if (ext2fs_le16_to_cpu(sb.s_magic) != EXT2_SUPER_MAGIC)
		return false;
	if (ext2fs_le32_to_cpu(sb.s_feature_incompat) & (EXT3_FEATURE_INCOMPAT_EXTENTS |
							  EXT4_FEATURE_INCOMPAT_64BIT |
							  EXT4_FEATURE_INCOMPAT_FLEX_BG) ||
	    ext2fs_le32_to_cpu(sb.s_feature_ro_compat) & (EXT4_FEATURE_RO_COMPAT_HUGE_FILE |
							   EXT4_FEATURE_RO_COMPAT_GDT_CSUM |
							   EXT4_FEATURE_RO_COMPAT_METADATA_CSUM))
		set(f, "ext4", true);
	else if (ext2fs_le32_to_cpu(sb.s_feature_compat) & EXT3_FEATURE_COMPAT_HAS_JOURNAL)
		set(f, "ext3", true);
	else
		set(f, "ext2", true);
	uuid_text(f->pub.uuid, sb.s_uuid);
	label_text(f->pub.label, sizeof(f->pub.label), (const uint8_t *)sb.s_volume_name,
		   sizeof(sb.s_volume_name));
	return true;
}

static bool probe_xfs(struct gfs *f)
{
	uint8_t b[512];

	if (f->dev.size < sizeof(b) || gdev_pread(&f->dev, b, sizeof(b), 0) < 0 ||
	    memcmp(b, "XFSB", 4))
		return false;
	set(f, "xfs", false);
	uuid_text(f->pub.uuid, b + 32);
	label_text(f->pub.label, sizeof(f->pub.label), b + 108, 12);
	return true;
}

static bool probe_btrfs(struct gfs *f)
{
	uint8_t b[512];

	if (f->dev.size < 0x10000 + sizeof(b) ||
	    gdev_pread(&f->dev, b, sizeof(b), 0x10000) < 0 || memcmp(b + 64, "_BHRfS_M", 8))
		return false;
	set(f, "btrfs", false);
	uuid_text(f->pub.uuid, b + 32);
	label_text(f->pub.label, sizeof(f->pub.label), b + 0x12b, 63);
	return true;
}

static bool probe_swap(struct gfs *f)
{
	static const uint32_t pages[] = { 4096, 8192, 16384, 65536 };
	uint8_t b[16];

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (f->dev.size < pages[i] ||
		    gdev_pread(&f->dev, b, 10, pages[i] - 10) < 0 ||
		    (memcmp(b, "SWAPSPACE2", 10) && memcmp(b, "SWAP-SPACE", 10)))
			continue;
		set(f, "swap", false);
		if (gdev_pread(&f->dev, b, 16, 1024 + 12) == 0)
			uuid_text(f->pub.uuid, b);
		if (gdev_pread(&f->dev, b, 16, 1024 + 28) == 0)
			label_text(f->pub.label, sizeof(f->pub.label), b, 16);
		return true;
	}
	return false;
}

static bool probe_vfat(struct gfs *f)
{
	uint8_t b[512];
	const uint8_t *id;

	if (f->dev.size < sizeof(b) || gdev_pread(&f->dev, b, sizeof(b), 0) < 0 ||
	    b[510] != 0x55 || b[511] != 0xaa)
		return false;
	if (!memcmp(b + 82, "FAT32   ", 8)) {
		id = b + 67;
		label_text(f->pub.label, sizeof(f->pub.label), b + 71, 11);
	} else if (!memcmp(b + 54, "FAT1", 4)) {
		id = b + 39;
		label_text(f->pub.label, sizeof(f->pub.label), b + 43, 11);
	} else {
		return false;
	}
	set(f, "vfat", false);
	snprintf(f->pub.uuid, sizeof(f->pub.uuid), "%02X%02X-%02X%02X", id[3], id[2], id[1],
		 id[0]);
	if (!strcmp(f->pub.label, "NO NAME"))
		f->pub.label[0] = '\0';
	return true;
}

static int dev_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return gdev_pread(ctx, buf, len, off);
}

static bool probe_lvm(struct gfs *f)
{
	bool found = false;
	const char *u;

	if (lvm_label_read(dev_read, &f->dev, f->dev.size, &f->pv, &found) < 0 || !found)
		return false;
	set(f, "LVM2_member", false);
	f->lvm_pv = true;
	u = f->pv.uuid;
	snprintf(f->pub.uuid, sizeof(f->pub.uuid), "%.6s-%.4s-%.4s-%.4s-%.4s-%.4s-%.6s", u,
		 u + 6, u + 10, u + 14, u + 18, u + 22, u + 26);
	return true;
}

int guest_probe(struct gfs *f)
{
	f->pub.type[0] = f->pub.uuid[0] = f->pub.label[0] = '\0';
	f->pub.mountable = false;
	if (probe_lvm(f) || probe_ext(f) || probe_xfs(f) || probe_btrfs(f) ||
	    probe_swap(f) || probe_vfat(f))
		return 0;
	return -ENOENT;
}
