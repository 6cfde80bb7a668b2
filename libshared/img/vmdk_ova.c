/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmdk_ova.c - an OVA given where a vmdk is expected: its first disk, read
 * in place (a window over the tar member, never extracted) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu/ova.h"
#include "vmdk.h"

#define TAR_BLOCK 512u

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

int vmdk_ova_find(int fd, uint64_t *off, uint64_t *len, char **name, struct vu_err *e)
{
	struct vu_ova o = { .fd = -1 };
	const struct vu_ova_member *m;
	int r = vu_ova_list_fd(&o, fd, e);

	if (r == 0 && !(m = vu_ova_find_suffix(&o, ".vmdk")))
		r = vu_err_set(e, ENOENT, "the OVA holds no .vmdk disk");
	if (r == 0) {
		*off = m->off;
		*len = m->len;
		if (!(*name = strdup(m->name)))
			r = vu_err_set(e, ENOMEM, NULL);
	}
	vu_ova_close(&o);
	return r;
}
