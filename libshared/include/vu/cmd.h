/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd.h - the command table of a tool with subcommands: lookup, operand
 * counts, the Commands list of --help and each command's usage */
#ifndef VU_CMD_H
#define VU_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>

#include "vu/opts.h"

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

/*
 * The options of a virsh-like tool (pool-ctl, net-ctl): options of the
 * tool itself (--root, -q, ...) before the command word and after it, and
 * each command's own options, declared once as defs[] and taken by the
 * commands whose vu_cmd.opts has their bit (1 << index). A command option
 * reaches getopt as base + index, and what was given lands in set[index]
 * and arg[index].
 */
struct vu_cmd_optdef {
	const char *name;	/* long name */
	int has_arg;		/* getopt's no_argument, required_argument */
};

struct vu_cmd_parser {
	const struct option *common;	/* the tool's own options */
	size_t ncommon;
	const char *shortopts;		/* their letters, without '+' */
	const struct vu_cmd_optdef *defs;
	size_t ndefs;			/* at most 64 */
	int base;			/* getopt id of defs[0], above every common id */
	const vu_excl_t *excl;		/* ids that exclude each other, or NULL */
	void (*common_fn)(void *ctx, int c);	/* a common option (or '?', unknown) */
	void *ctx;
	bool *set;			/* ndefs of them */
	const char **arg;
};

/* Options before the command word, each to common_fn; the index of the
 * command word, or a usage error ending with status when there is none. */
int vu_cmd_parse_global(const struct vu_cmd_parser *p, int argc, char **argv, int status);
/* c's options in argv[1..argc) (argv[0] is the command word); the
 * operands are moved to argv[0..n) and n is returned. Unknown options,
 * exclusive ones and c's operand counts are usage errors ending with
 * status. */
int vu_cmd_parse_options(const struct vu_cmd_parser *p, const struct vu_cmd *c, int argc,
			 char **argv, int status);

#endif
