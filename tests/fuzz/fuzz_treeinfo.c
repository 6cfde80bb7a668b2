/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_treeinfo.c - libFuzzer harness: any bytes parsed as an install
 * tree's .treeinfo, whose paths must never leave the tree */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/vm-create/treeinfo.h"

/* What location_fetch relies on: a path the parser hands out is relative,
 * has no ".." component, no empty or "." one, and no control character;
 * normalising it again changes nothing. */
static void check_path(const char *p)
{
	char *again;

	if (!p)
		return;
	if (!*p || p[0] == '/' || p[strlen(p) - 1] == '/' || strstr(p, "//"))
		abort();
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort();
	for (const char *c = p; c;) {
		size_t n = strcspn(c, "/");

		if ((n == 2 && !strncmp(c, "..", 2)) || (n == 1 && *c == '.'))
			abort();
		c = c[n] ? c + n + 1 : NULL;
	}
	again = tree_path_normalize(p);
	if (!again || strcmp(again, p) != 0)
		abort();
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct treeinfo ti;
	struct vu_err e;

	if (treeinfo_parse((const char *)data, size, &ti, &e) < 0) {
		if (e.code != EINVAL && e.code != ENOMEM)
			abort();
		return 0;
	}
	if (!ti.arch)
		abort();
	check_path(ti.kernel);
	check_path(ti.initrd);
	treeinfo_clear(&ti);
	return 0;
}
