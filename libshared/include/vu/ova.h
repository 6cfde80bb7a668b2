/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ova.h - an OVA (a ustar archive of an OVF, a manifest and disks) read in
 * place: its members are windows of the file, never extracted */
#ifndef VU_OVA_H
#define VU_OVA_H

#include <stddef.h>
#include <stdint.h>

#include "vu/err.h"
#include "vu/image.h"

struct vu_ova_member {
	char *name;
	uint64_t off, len;	/* the data's place in the archive */
};

struct vu_ova {
	int fd;
	char *path;
	struct vu_ova_member *m;	/* regular files, in archive order */
	size_t n;
};

/* At most this many members and this large an OVF or manifest. */
#define VU_OVA_MAX_MEMBERS 4096
#define VU_OVA_MAX_TEXT (4u << 20)

/* Lists the members of the archive at path (ustar, regular files only;
 * a header that is not ustar, or a member past the end, is refused).
 * 0 or -errno with e filled. */
int vu_ova_open(struct vu_ova *o, const char *path, struct vu_err *e);
void vu_ova_close(struct vu_ova *o);
/* The same on an archive already open (fd is the caller's; o->fd stays -1
 * and o->path NULL). */
int vu_ova_list_fd(struct vu_ova *o, int fd, struct vu_err *e);
/* The member named name, or NULL. */
const struct vu_ova_member *vu_ova_find(const struct vu_ova *o, const char *name);
/* The first member whose name ends with suffix (".ovf", ".mf"), or NULL. */
const struct vu_ova_member *vu_ova_find_suffix(const struct vu_ova *o, const char *suffix);
/* A text member whole, NUL-terminated, malloc'd (at most VU_OVA_MAX_TEXT). */
int vu_ova_read_text(const struct vu_ova *o, const struct vu_ova_member *m, char **out,
		     struct vu_err *e);
/*
 * Checks every "SHA256(NAME)= HEX" and "SHA1(NAME)= HEX" line of the
 * manifest against the member NAME's bytes: -EBADMSG "checksum of NAME does
 * not match the manifest", -ENOENT for a member the manifest names and the
 * archive lacks, -EINVAL for a line that is neither. *checked: how many
 * members were verified. An archive with no manifest verifies 0 members.
 */
int vu_ova_verify(const struct vu_ova *o, int *checked, struct vu_err *e);
/* The member, a sparse vmdk (streamOptimized as OVAs carry them), opened
 * read-only as an image over its window of the archive. */
int vu_ova_open_disk(const struct vu_ova *o, const struct vu_ova_member *m,
		     struct vu_image **out, struct vu_err *e);

#endif
