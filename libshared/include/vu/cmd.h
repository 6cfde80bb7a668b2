/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd.h - the command table of a tool with subcommands: lookup, operand
 * counts, the Commands list of --help and each command's usage */
#ifndef VU_CMD_H
#define VU_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * One row per command, declared once with designated initialisers, as
 * util-linux's blkzone does; img-convert, pool-ctl and ksm-tune dispatch
 * from such a table, and a new subcommand tool does too:
 *
 *	static const struct vu_cmd cmds[] = {
 *		{ .name = "start", .run = cmd_start, .usage = "NET",
 *		  .help = "start an inactive network", .min_args = 1, .max_args = 1 },
 *		{ .name = "net-start", .alias_of = "start" },
 *	};
 *
 * Names match exactly (strcmp, never a prefix: STYLE.md section 4). An
 * alias is a row of its own that names the row it stands for and sets
 * nothing else; it is found by its name and left out of the lists.
 */
struct vu_cmd {
	const char *name;
	const char *alias_of;	/* an alias: the name of the row it stands for */
	/* ctx is the tool's context (NULL if it has none); argv[0..argc) the
	 * operands as the tool hands them on (img-convert: argv[0] is the
	 * command, its options follow). Returns the exit status. */
	int (*run)(void *ctx, int argc, char **argv);
	const char *usage;	/* what follows the name in a synopsis ("" or NULL: nothing) */
	const char *help;	/* one line, lower case, no final period; or NULL */
	unsigned flags;		/* the tool's own bits: what it must know before run */
	uint64_t opts;		/* the tool's option ids the command takes, 1 << id */
	int min_args, max_args;	/* operands, for vu_cmd_check_args */
};

/* max_args: no upper limit. */
#define VU_CMD_ANY (-1)

/* The row named name, or the row an alias of that name stands for; NULL
 * when there is none (or name is NULL). */
const struct vu_cmd *vu_cmd_find(const struct vu_cmd *tab, size_t n, const char *name);
/* The same, for main.c: no name is "no command specified", an unknown one
 * "NAME: unknown command", both usage errors ending with status. */
const struct vu_cmd *vu_cmd_find_or_die(const struct vu_cmd *tab, size_t n, const char *name,
					int status);
/* A usage error ending with status unless argc is within c's min_args
 * and max_args: "NAME: MISSING" (missing: "missing argument" if NULL), or
 * "NAME: unexpected argument 'X'". */
void vu_cmd_check_args(const struct vu_cmd *c, int argc, char *const *argv,
		       const char *missing, int status);

/*
 * The rows of --help's Commands section, aliases left out. Without help:
 * " NAME USAGE", the name padded to width (0: a single space). With help:
 * " NAME USAGE", padded to width, two spaces and the help line.
 */
void vu_cmd_print_list(FILE *f, const struct vu_cmd *tab, size_t n, int width, bool help);
/* "tool COMMAND --help": the usage line, the help line as a sentence if
 * there is one, and "For more details see MAN." */
void vu_cmd_print_usage(FILE *f, const struct vu_cmd *c, const char *man);

#endif
