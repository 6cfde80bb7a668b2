/* SPDX-License-Identifier: GPL-2.0-or-later */
/* img-convert.h - the subcommands of img-convert and what they share */
#ifndef IMG_CONVERT_H
#define IMG_CONVERT_H

#include <stdbool.h>
#include <getopt.h>
#include <stdnoreturn.h>

#include "vu/base.h"
#include "vu/image.h"

/*
 * img-convert keeps qemu-img's exit statuses because scripts test for
 * them: a usage error is a failure (1), not VU_EXIT_USAGE (2). check and
 * compare have codes of their own (check.c, compare.c).
 */
#define IC_EXIT_USAGE VU_EXIT_FAIL

/* --output=human|json; anything else is a usage error. */
enum ic_output { IC_OUT_HUMAN, IC_OUT_JSON };
enum ic_output ic_output_arg(const char *arg);
/* The one FILE operand left after getopt (argv[optind]), else a usage
 * error saying msg (qemu-img's wording, which differs by command). */
const char *ic_one_file(int argc, char **argv, const char *msg);

/* main.c helpers shared by the subcommands */
noreturn void ic_cmd_usage(const char *cmd);	/* "COMMAND --help": exits 0 */
/* Opens an image for reading or dies with "img-convert: FILE: msg" (1). */
struct vu_image *ic_open_or_die(const char *path, const char *fmt, unsigned flags);
/* Parses -t / -T values; false if unknown. sync: flush at end; direct: O_DIRECT */
bool ic_parse_cache(const char *mode, bool *sync, bool *direct);
/* A -t / -T value as open flags (VU_OPEN_UNSAFE, VU_OPEN_DIRECT); a bad
 * one is a usage error naming opt. */
unsigned ic_cache_flags(const char *opt, const char *mode);
/* Common getopt error exits: unknown option or missing argument. */
noreturn void ic_bad_option(void);

/* The commands, rows of main.c's vu_cmd table: ctx is NULL, argv[0] the
 * command's name, its options and operands after it (getopt_long). */
int ic_cmd_info(void *ctx, int argc, char **argv);
int ic_cmd_map(void *ctx, int argc, char **argv);
int ic_cmd_check(void *ctx, int argc, char **argv);
int ic_cmd_convert(void *ctx, int argc, char **argv);
int ic_cmd_compare(void *ctx, int argc, char **argv);
int ic_cmd_create(void *ctx, int argc, char **argv);
int ic_cmd_rebase(void *ctx, int argc, char **argv);
int ic_cmd_commit(void *ctx, int argc, char **argv);
int ic_cmd_resize(void *ctx, int argc, char **argv);
int ic_cmd_amend(void *ctx, int argc, char **argv);
int ic_cmd_snapshot(void *ctx, int argc, char **argv);
int ic_cmd_measure(void *ctx, int argc, char **argv);
int ic_cmd_ova(void *ctx, int argc, char **argv);

/* create.c: e for a failed vu_atomic_open_keep of a new image (create,
 * convert); returns r. */
int ic_open_failed(int r, struct vu_err *e);

/* fmtopts.c: a format's -o options (create, convert). Bad values end the
 * program with qemu-img's messages; "help" lists the options and exits. */
extern const char *const ic_prealloc_names[];
/* qcow2 options as the user spelt them: qemu-img echoes strings and
 * booleans as given, numbers and sizes as parsed. */
struct ic_spelt {
	const char *compat, *compression_type, *extended_l2, *lazy_refcounts;
	const char *fixed;		/* vdi static=, vpc and vhdx subformat= */
	const char *force_size;		/* vpc */
	const char *block_state_zero;	/* vhdx */
	const char *compat6, *zeroed_grain;	/* vmdk */
};
struct ic_fmtopts {
	const char *fmt;
	bool qcow2, vmdk;
	struct vu_create_opts o;
	struct ic_spelt sp;
	bool prealloc_given;	/* qemu-img echoes it, even "off" */
	bool size_given;	/* by -o size= */
};
void ic_fmtopts_init(struct ic_fmtopts *fo, const char *fmt);
/* Whether create and convert -O can make images of format fmt. */
bool ic_fmt_creatable(const char *fmt);
/* The list of those formats, for messages ("raw, qcow2, ..."). */
extern const char ic_creatable_list[];
/* One -o argument, key=value[,key=value...]; later values win. */
void ic_fmtopts_parse(struct ic_fmtopts *fo, char *arg);
/* -o values as qemu-img reads them; bad values end the program. */
int ic_parse_bool(const char *key, const char *val);	/* on/off/yes/no/true/false */
int ic_parse_compat(const char *val);			/* 2 or 3 */
unsigned ic_parse_number(const char *key, const char *val);

/* snaptable.c: qemu-img's "Snapshot list:" table (info, snapshot -l). */
void ic_print_snapshots(const struct vu_snapshot *sn, int n);

#endif
