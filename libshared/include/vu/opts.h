/* SPDX-License-Identifier: GPL-2.0-or-later */
/* opts.h - the shared pieces of every tool's command line */
#ifndef VU_OPTS_H
#define VU_OPTS_H

#include <getopt.h>
#include <stdnoreturn.h>

#ifndef VU_VERSION
#define VU_VERSION "0.1"
#endif

/* The usage() layout every tool follows (util-linux's boilerplate). */
#define VU_USAGE_HEADER		"\nUsage:\n"
#define VU_USAGE_SEPARATOR	"\n"
#define VU_USAGE_OPTIONS	"\nOptions:\n"
#define VU_USAGE_COMMANDS	"\nCommands:\n"
#define VU_USAGE_ARGUMENTS	"\nArguments:\n"
#define VU_USAGE_COMMON \
	" -q, --quiet              print nothing but errors\n" \
	" -v, --verbose            say more about what is done\n" \
	" -h, --help               display this help\n" \
	" -V, --version            display version\n"
#define VU_USAGE_MAN_TAIL(man)	"\nFor more details see " man ".\n"

/* "img-convert from virtutils 0.1" on stdout, exit 0. */
noreturn void vu_print_version(void);

/*
 * Options that cannot be combined, as util-linux's optutils.h: each row of
 * excl lists option values (sorted ascending, 0-terminated); seen has one
 * int per row, zeroed by the caller. Call for every option parsed; the
 * second option of a row ends the program with a usage error naming both,
 * and the tool's usage status (VU_EXIT_USAGE; img-convert's is 1).
 */
#define VU_EXCL_MAX 8
typedef int vu_excl_t[VU_EXCL_MAX];
void vu_excl_check(const vu_excl_t *excl, int *seen, int c,
		   const struct option *longopts, int status);

/* The name of option c for messages: "--long" if it has one, else "-c". */
const char *vu_opt_name(int c, const struct option *longopts, char buf[3]);

#endif
