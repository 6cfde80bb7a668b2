/* SPDX-License-Identifier: GPL-2.0-or-later */
/* opts.c - --version and options that cannot be combined */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/opts.h"

void vu_print_version(void)
{
	printf("%s from virtutils %s\n", program_invocation_short_name, VU_VERSION);
	exit(VU_EXIT_OK);
}

const char *vu_opt_name(int c, const struct option *longopts, char buf[3])
{
	for (const struct option *o = longopts; o && o->name; o++)
		if (o->val == c && !o->flag)
			return o->name;
	buf[0] = '-';
	buf[1] = (char)c;
	buf[2] = '\0';
	return buf;
}

/* Prints "--name" for long options and "-c" for short ones. */
static void excl_fail(int a, int b, const struct option *longopts, int status)
{
	char ba[3], bb[3];
	const char *na = vu_opt_name(a, longopts, ba);
	const char *nb = vu_opt_name(b, longopts, bb);

	vu_die_usage(status, "options %s%s and %s%s cannot be combined",
		     na == ba ? "" : "--", na, nb == bb ? "" : "--", nb);
}

/*
 * seen[row] holds the first option of the row seen so far; a second,
 * different one from the same row is the conflict.
 */
void vu_excl_check(const vu_excl_t *excl, int *seen, int c,
		   const struct option *longopts, int status)
{
	for (int row = 0; excl[row][0]; row++) {
		for (int i = 0; i < VU_EXCL_MAX && excl[row][i]; i++) {
			if (excl[row][i] != c)
				continue;
			if (seen[row] == 0)
				seen[row] = c;
			else if (seen[row] != c)
				excl_fail(seen[row], c, longopts, status);
			break;
		}
	}
}
