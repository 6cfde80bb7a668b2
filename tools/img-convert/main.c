/* SPDX-License-Identifier: GPL-2.0-or-later */
/* img-convert - create, inspect, compare, map and convert disk images (qemu-img's way) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/cmd.h"
#include "vu/diag.h"
#include "vu/opts.h"

#include "img-convert.h"

/* The commands and their synopses, as qemu-img lists them. */
static const struct vu_cmd cmds[] = {
	{ .name = "info", .run = ic_cmd_info,
	  .usage = "[-f FMT] [--backing-chain] [--output=human|json] FILE" },
	{ .name = "check", .run = ic_cmd_check,
	  .usage = "[-f FMT] [-r leaks|all] [--output=human|json] [-q] FILE" },
	{ .name = "map", .run = ic_cmd_map, .usage = "[-f FMT] [--output=human|json] FILE" },
	{ .name = "convert", .run = ic_cmd_convert,
	  .usage = "[-f FMT] [-O FMT] [-o OPTIONS] [-c] [-W] [-m N] [-B BACKING [-F FMT]]\n"
		   "                [-s SNAPSHOT | -l SNAPSHOT-PARAM] [-p] [-q] [-S SIZE] [-n]\n"
		   "                [-t CACHE] [-T CACHE] SRC... DST" },
	{ .name = "compare", .run = ic_cmd_compare, .usage = "[-f FMT] [-F FMT] [-s] [-p] [-q] A B" },
	{ .name = "create", .run = ic_cmd_create,
	  .usage = "[-f FMT] [-o OPTIONS] [-b BACKING -F FMT] [-u] [-q] FILE [SIZE]" },
	{ .name = "resize", .run = ic_cmd_resize,
	  .usage = "[--shrink] [--preallocation=MODE] [-f FMT] [-q] FILE [+|-]SIZE" },
	{ .name = "amend", .run = ic_cmd_amend,
	  .usage = "[-f FMT] [-o compat=,lazy_refcounts=,refcount_bits=,size=] [-p] [-q]\n"
		   "                FILE" },
	{ .name = "rebase", .run = ic_cmd_rebase,
	  .usage = "[-f FMT] [-t CACHE] [-T CACHE] [-p] [-q] [-u] -b BACKING [-F FMT]\n"
		   "                FILE" },
	{ .name = "commit", .run = ic_cmd_commit,
	  .usage = "[-f FMT] [-t CACHE] [-b BASE] [-d] [-p] [-q] FILE" },
	{ .name = "snapshot", .run = ic_cmd_snapshot,
	  .usage = "[-f FMT] [-q] [-U] -l | -c NAME | -a NAME | -d NAME FILE" },
	{ .name = "measure", .run = ic_cmd_measure,
	  .usage = "[--output=human|json] [-O FMT] [-o OPTIONS]\n"
		   "                [--size SIZE | [-f FMT] FILE]" },
	{ .name = "ova", .run = ic_cmd_ova,
	  .usage = "[--pool POOL] [--name NAME] [--network NET] [-O qcow2|raw] [--root DIR]\n"
		   "                [-p] [-q] FILE.ova" },
};

static void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] COMMAND [command options]\n",
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Create, inspect, compare, map and convert disk images (raw, qcow2, vmdk, vdi, vpc;\n"
	     "OVA read).");
	fputs(VU_USAGE_COMMANDS, stdout);
	vu_cmd_print_list(stdout, cmds, ARRAY_SIZE(cmds), 0, false);
	fputs(VU_USAGE_OPTIONS, stdout);
	puts(" -h, --help               display this help");
	puts(" -V, --version            display version");
	fputs(VU_USAGE_ARGUMENTS, stdout);
	puts(" FMT     image format: raw, qcow2, vmdk, vdi, vpc, vhdx, qed (probed when\n"
	     "         not given)");
	puts(" SIZE    bytes, or with a suffix k, M, G, T, P, E (powers of 1024)");
	puts(" CACHE   none, writeback, unsafe (convert's default), directsync, writethrough");
	puts("\nExit status: 0 success, 1 failure or usage error; compare: 0 identical,");
	puts("1 different, 2 cannot open, 3 cannot check allocation, 4 read error;");
	puts("check: 0 clean, 1 not completed, 2 corruptions, 3 leaks only, 63 no checks");
	puts("for the format.");
	fputs(VU_USAGE_MAN_TAIL("img-convert(1)"), stdout);
	exit(VU_EXIT_OK);
}

void ic_cmd_usage(const char *cmd)
{
	const struct vu_cmd *c = vu_cmd_find(cmds, ARRAY_SIZE(cmds), cmd);

	if (c)
		vu_cmd_print_usage(stdout, c, "img-convert(1)");
	exit(VU_EXIT_OK);
}

void ic_bad_option(void)
{
	vu_die_tryhelp(IC_EXIT_USAGE);
}

enum ic_output ic_output_arg(const char *arg)
{
	if (strcmp(arg, "human") == 0)
		return IC_OUT_HUMAN;
	if (strcmp(arg, "json") != 0)
		vu_die_usage(IC_EXIT_USAGE, "--output: '%s' is not human or json", arg);
	return IC_OUT_JSON;
}

const char *ic_one_file(int argc, char **argv, const char *msg)
{
	if (optind != argc - 1)
		vu_die_usage(IC_EXIT_USAGE, "%s", msg);
	return argv[optind];
}

bool ic_parse_cache(const char *mode, bool *sync, bool *direct)
{
	static const struct { const char *name; bool sync, direct; } modes[] = {
		{ "unsafe", false, false },
		{ "writeback", true, false },
		{ "writethrough", true, false },
		{ "none", true, true },
		{ "directsync", true, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(mode, modes[i].name) == 0) {
			*sync = modes[i].sync;
			*direct = modes[i].direct;
			return true;
		}
	}
	return false;
}

unsigned ic_cache_flags(const char *opt, const char *mode)
{
	bool sync, direct;

	if (!ic_parse_cache(mode, &sync, &direct))
		vu_die_usage(IC_EXIT_USAGE, "%s: invalid cache mode '%s'", opt, mode);
	return (sync ? 0 : VU_OPEN_UNSAFE) | (direct ? VU_OPEN_DIRECT : 0);
}

struct vu_image *ic_open_or_die(const char *path, const char *fmt, unsigned flags)
{
	struct vu_image *img;
	struct vu_err e = { 0 };

	if (vu_image_open(&img, path, fmt, flags, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", path, vu_err_str(&e));
	return img;
}

int main(int argc, char **argv)
{
	const char *name = argc < 2 ? NULL : argv[1];

	atexit(vu_close_stdout_atexit);
	/* qemu-img never needs more than the file capabilities. */
	if (vu_caps_keep(vu_caps_file, vu_caps_file_n) < 0)
		vu_die(VU_EXIT_FAIL, "cannot drop capabilities");
	if (name && (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 ||
		     strcmp(name, "help") == 0))
		usage();
	if (name && (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0))
		vu_print_version();
	return vu_cmd_find_or_die(cmds, ARRAY_SIZE(cmds), name, IC_EXIT_USAGE)
		->run(NULL, argc - 1, argv + 1);
}
