/* SPDX-License-Identifier: GPL-2.0-or-later */
/* img-convert - create, inspect, compare, map and convert disk images (qemu-img's way) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/opts.h"

#include "img-convert.h"

static const struct ic_cmd cmds[] = {
	{ "info", ic_cmd_info,
	  "info [-f FMT] [--backing-chain] [--output=human|json] FILE" },
	{ "check", ic_cmd_check,
	  "check [-f FMT] [-r leaks|all] [--output=human|json] [-q] FILE" },
	{ "map", ic_cmd_map, "map [-f FMT] [--output=human|json] FILE" },
	{ "convert", ic_cmd_convert,
	  "convert [-f FMT] [-O FMT] [-o OPTIONS] [-c] [-W] [-m N] [-B BACKING [-F FMT]]\n"
	  "                [-s SNAPSHOT | -l SNAPSHOT-PARAM] [-p] [-q] [-S SIZE] [-n]\n"
	  "                [-t CACHE] [-T CACHE] SRC... DST" },
	{ "compare", ic_cmd_compare, "compare [-f FMT] [-F FMT] [-s] [-p] [-q] A B" },
	{ "create", ic_cmd_create,
	  "create [-f FMT] [-o OPTIONS] [-b BACKING -F FMT] [-u] [-q] FILE [SIZE]" },
	{ "resize", ic_cmd_resize,
	  "resize [--shrink] [--preallocation=MODE] [-f FMT] [-q] FILE [+|-]SIZE" },
	{ "amend", ic_cmd_amend,
	  "amend [-f FMT] [-o compat=,lazy_refcounts=,refcount_bits=,size=] [-p] [-q]\n"
	  "                FILE" },
	{ "rebase", ic_cmd_rebase,
	  "rebase [-f FMT] [-t CACHE] [-T CACHE] [-p] [-q] [-u] -b BACKING [-F FMT]\n"
	  "                FILE" },
	{ "commit", ic_cmd_commit,
	  "commit [-f FMT] [-t CACHE] [-b BASE] [-d] [-p] [-q] FILE" },
	{ "snapshot", ic_cmd_snapshot,
	  "snapshot [-f FMT] [-q] [-U] -l | -c NAME | -a NAME | -d NAME FILE" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] COMMAND [command options]\n",
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Create, inspect, compare, map and convert disk images (raw, qcow2).");
	fputs(VU_USAGE_COMMANDS, stdout);
	for (size_t i = 0; i < NCMDS; i++)
		printf(" %s\n", cmds[i].synopsis);
	fputs(VU_USAGE_OPTIONS, stdout);
	puts(" -h, --help               display this help");
	puts(" -V, --version            display version");
	fputs(VU_USAGE_ARGUMENTS, stdout);
	puts(" FMT     image format: raw, qcow2 (probed when not given)");
	puts(" SIZE    bytes, or with a suffix k, M, G, T, P, E (powers of 1024)");
	puts(" CACHE   none, writeback, unsafe (convert's default), directsync, writethrough");
	puts("\nExit status: 0 success, 1 failure or usage error; compare: 0 identical,");
	puts("1 different, 2 cannot open, 3 cannot check allocation, 4 read error;");
	puts("check: 0 clean, 1 not completed, 2 corruptions, 3 leaks only, 63 no checks");
	puts("for the format.");
	fputs(VU_USAGE_MAN_TAIL("img-convert(1)"), stdout);
	exit(EXIT_SUCCESS);
}

void ic_cmd_usage(const char *cmd)
{
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].name, cmd) == 0) {
			fputs(VU_USAGE_HEADER, stdout);
			printf(" %s %s\n", program_invocation_short_name, cmds[i].synopsis);
			fputs(VU_USAGE_MAN_TAIL("img-convert(1)"), stdout);
		}
	}
	exit(EXIT_SUCCESS);
}

void ic_bad_option(void)
{
	vu_errtryhelp(IC_FAIL);
}

int ic_parse_output(const char *arg, enum ic_output *out)
{
	if (strcmp(arg, "human") == 0)
		*out = IC_OUT_HUMAN;
	else if (strcmp(arg, "json") == 0)
		*out = IC_OUT_JSON;
	else
		return -1;
	return 0;
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

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
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
		vu_usage_err(IC_FAIL, "%s: invalid cache mode '%s'", opt, mode);
	return (sync ? 0 : VU_OPEN_UNSAFE) | (direct ? VU_OPEN_DIRECT : 0);
}

struct vu_image *ic_open_or_die(const char *path, const char *fmt, unsigned flags)
{
	struct vu_image *img;
	struct vu_err e = { 0 };

	if (vu_image_open(&img, path, fmt, flags, &e) < 0)
		vu_errx(IC_FAIL, "%s: %s", path, vu_err_str(&e));
	return img;
}

int main(int argc, char **argv)
{
	atexit(vu_close_stdout_atexit);
	/* qemu-img never needs more than the file capabilities. */
	if (vu_caps_keep(vu_caps_file, vu_caps_file_n) < 0)
		vu_err(IC_FAIL, "cannot drop capabilities");
	if (argc < 2)
		vu_usage_err(IC_FAIL, "no command specified");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		usage();
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		vu_print_version();
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	vu_usage_err(IC_FAIL, "%s: unknown command", argv[1]);
}
