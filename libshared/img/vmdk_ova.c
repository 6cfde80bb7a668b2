/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk_ova.c - the disk inside an OVA (a ustar archive), read in place: a
 * window over the tar member, never extracted */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "vmdk.h"

#define TAR_BLOCK 512u
#define TAR_MAX_MEMBERS 4096

/* A NUL-or-field-terminated name of a header, ending with suffix. */
static bool name_ends(const uint8_t *h, const char *suffix)
{
	size_t n = strnlen((const char *)h, 100), s = strlen(suffix);

	return n >= s && memcmp(h + n - s, suffix, s) == 0;
}

bool vmdk_ova_probe(const uint8_t *buf, size_t len)
{
	return len >= TAR_BLOCK && memcmp(buf + 257, "ustar", 5) == 0 && name_ends(buf, ".ovf");
}

/* The octal size field; -1 when it is not one. */
static int64_t tar_size(const uint8_t *h)
{
	int64_t v = 0;
	int i = 0;

	while (i < 12 && h[124 + i] == ' ')
		i++;
	for (; i < 12 && h[124 + i] >= '0' && h[124 + i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v << 3 | (h[124 + i] - '0');
	}
	if (i < 12 && h[124 + i] && h[124 + i] != ' ')
		return -1;
	return v;
}

static bool all_zero(const uint8_t *h)
{
	for (unsigned i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

int vmdk_ova_find(int fd, uint64_t *off, uint64_t *len, char **name, struct vu_err *e)
{
	uint8_t h[TAR_BLOCK];
	off_t end = lseek(fd, 0, SEEK_END);
	uint64_t at = 0;

	if (end < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	for (int i = 0; i < TAR_MAX_MEMBERS && at + TAR_BLOCK <= (uint64_t)end; i++) {
		int r = vu_pread_all(fd, h, sizeof(h), (off_t)at, false);
		int64_t sz;

		if (r < 0)
			return vu_err_set(e, -r, "cannot read the archive: %s", strerror(-r));
		if (all_zero(h))
			break;
		if (memcmp(h + 257, "ustar", 5) != 0 || (sz = tar_size(h)) < 0)
			return vu_err_set(e, EINVAL, "invalid tar header at offset %llu",
					  (unsigned long long)at);
		if ((uint64_t)sz > (uint64_t)end - at - TAR_BLOCK)
			return vu_err_set(e, EINVAL, "tar member past the end of the archive");
		if ((h[156] == '0' || h[156] == '\0') && name_ends(h, ".vmdk")) {
			*off = at + TAR_BLOCK;
			*len = (uint64_t)sz;
			*name = strndup((const char *)h, 100);
			return *name ? 0 : vu_err_set(e, ENOMEM, NULL);
		}
		at += TAR_BLOCK + ((uint64_t)sz + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	}
	return vu_err_set(e, ENOENT, "the OVA holds no .vmdk disk");
}
