/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool-ctl - storage pools and their volumes, as virsh pool-* and vol-* */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/opts.h"
#include "vu/size.h"
#include "vu/table.h"

#include "pool-ctl.h"

/* Long-only options outside the per-command set. */
enum { OPT_ROOT = CHAR_MAX + 1, OPT_BASE };

static const struct vu_cmd_optdef optdefs[O_COUNT] = {
	[O_ALL] = { "all", no_argument }, [O_INACTIVE] = { "inactive", no_argument },
	[O_PERSISTENT] = { "persistent", no_argument },
	[O_TRANSIENT] = { "transient", no_argument },
	[O_AUTOSTART] = { "autostart", no_argument },
	[O_NO_AUTOSTART] = { "no-autostart", no_argument },
	[O_TYPE] = { "type", required_argument }, [O_DETAILS] = { "details", no_argument },
	[O_NAME_FLAG] = { "name", no_argument }, [O_JSON] = { "json", no_argument },
	[O_BYTES] = { "bytes", no_argument }, [O_PRINT_XML] = { "print-xml", no_argument },
	[O_OVERWRITE] = { "overwrite", no_argument },
	[O_NO_OVERWRITE] = { "no-overwrite", no_argument },
	[O_BUILD] = { "build", no_argument }, [O_DISABLE] = { "disable", no_argument },
	[O_UUID] = { "uuid", no_argument }, [O_NAME_ARG] = { "name", required_argument },
	[O_SOURCE_HOST] = { "source-host", required_argument },
	[O_SOURCE_PATH] = { "source-path", required_argument },
	[O_SOURCE_DEV] = { "source-dev", required_argument },
	[O_SOURCE_NAME] = { "source-name", required_argument },
	[O_SOURCE_FORMAT] = { "source-format", required_argument },
	[O_TARGET] = { "target", required_argument }, [O_POOL] = { "pool", required_argument },
	[O_INPUTPOOL] = { "inputpool", required_argument },
	[O_ALLOCATION] = { "allocation", required_argument },
	[O_FORMAT] = { "format", required_argument },
	[O_BACKING_VOL] = { "backing-vol", required_argument },
	[O_BACKING_VOL_FORMAT] = { "backing-vol-format", required_argument },
	[O_PREALLOC_METADATA] = { "prealloc-metadata", no_argument },
	[O_REFLINK] = { "reflink", no_argument },
	[O_ALGORITHM] = { "algorithm", required_argument },
	[O_ALLOCATE] = { "allocate", no_argument }, [O_DELTA] = { "delta", no_argument },
	[O_SHRINK] = { "shrink", no_argument }, [O_OFFSET] = { "offset", required_argument },
	[O_LENGTH] = { "length", required_argument }, [O_SPARSE] = { "sparse", no_argument },
	[O_PROGRESS] = { "progress", no_argument },
};

#define X_AS (OPT(O_NAME_ARG) | OPT(O_TYPE) | OPT(O_SOURCE_HOST) | OPT(O_SOURCE_PATH) | \
	      OPT(O_SOURCE_DEV) | OPT(O_SOURCE_NAME) | OPT(O_SOURCE_FORMAT) | OPT(O_TARGET) | \
	      OPT(O_PRINT_XML))
#define BUILD_OPTS (OPT(O_OVERWRITE) | OPT(O_NO_OVERWRITE))
#define LIST_OPTS (OPT(O_ALL) | OPT(O_INACTIVE) | OPT(O_PERSISTENT) | OPT(O_TRANSIENT) | \
		   OPT(O_AUTOSTART) | OPT(O_NO_AUTOSTART) | OPT(O_TYPE) | OPT(O_DETAILS) | \
		   OPT(O_NAME_FLAG) | OPT(O_JSON))
#define P OPT(O_POOL)
#define XFER (P | OPT(O_OFFSET) | OPT(O_LENGTH) | OPT(O_SPARSE))
#define POOL_ARG "POOL"

/* What a command does to its pool, for the capabilities: see PC_POOL_OP. */
#define OP_START PC_POOL_OP(VU_POOL_OP_START)
#define OP_VOL_CREATE PC_POOL_OP(VU_POOL_OP_VOL_CREATE)

static const struct vu_cmd cmds[] = {
	{ .name = "define", .run = cmd_define, .usage = "FILE|-",
	  .help = "define a pool from an XML file", .min_args = 1, .max_args = 1 },
	{ .name = "define-as", .run = cmd_define_as, .opts = X_AS,
	  .usage = "NAME TYPE [SRC-HOST] [SRC-PATH] [SRC-DEV] [SRC-NAME] [TARGET]\n"
		   "                  [--source-format F] [--print-xml]",
	  .help = "define a pool from arguments", .max_args = 7 },
	{ .name = "create", .run = cmd_create, .opts = OPT(O_BUILD) | BUILD_OPTS,
	  .usage = "FILE|- [--build [--overwrite|--no-overwrite]]",
	  .help = "create and start a transient pool", .flags = OP_START,
	  .min_args = 1, .max_args = 1 },
	{ .name = "create-as", .run = cmd_create_as, .opts = X_AS | OPT(O_BUILD) | BUILD_OPTS,
	  .usage = "NAME TYPE [...as define-as] [--build]",
	  .help = "create a transient pool from arguments", .flags = OP_START, .max_args = 7 },
	{ .name = "build", .run = cmd_build, .opts = P | BUILD_OPTS,
	  .usage = POOL_ARG " [--overwrite|--no-overwrite]",
	  .help = "build a pool's target (mkdir, mkfs, partition table)",
	  .flags = PC_POOL_OP(VU_POOL_OP_BUILD), .max_args = 1 },
	{ .name = "start", .run = cmd_start, .opts = P | OPT(O_BUILD) | BUILD_OPTS,
	  .usage = POOL_ARG " [--build [--overwrite|--no-overwrite]]",
	  .help = "start an inactive pool", .flags = OP_START, .max_args = 1 },
	{ .name = "destroy", .run = cmd_destroy, .opts = P, .usage = POOL_ARG,
	  .help = "stop a pool (the data stays)", .flags = PC_POOL_OP(VU_POOL_OP_DESTROY),
	  .max_args = 1 },
	{ .name = "delete", .run = cmd_delete, .opts = P, .usage = POOL_ARG,
	  .help = "delete an inactive pool's target", .flags = PC_POOL_OP(VU_POOL_OP_DELETE),
	  .max_args = 1 },
	{ .name = "undefine", .run = cmd_undefine, .opts = P, .usage = POOL_ARG,
	  .help = "remove an inactive pool's definition", .max_args = 1 },
	{ .name = "autostart", .run = cmd_autostart, .opts = P | OPT(O_DISABLE),
	  .usage = POOL_ARG " [--disable]", .help = "start a pool at boot (start-all), or not",
	  .max_args = 1 },
	{ .name = "start-all", .run = cmd_start_all, .usage = "",
	  .help = "start every autostart pool (at boot)", .flags = OP_START },
	{ .name = "list", .run = cmd_list, .opts = LIST_OPTS,
	  .usage = "[--all|--inactive] [--persistent] [--transient] [--autostart]\n"
		   "                  [--no-autostart] [--type T,...] [--details|--name|--json]",
	  .help = "list pools (active ones unless asked)" },
	{ .name = "info", .run = cmd_info, .opts = P | OPT(O_BYTES),
	  .usage = POOL_ARG " [--bytes]", .help = "pool information", .max_args = 1 },
	{ .name = "dumpxml", .run = cmd_dumpxml, .opts = P | OPT(O_INACTIVE),
	  .usage = POOL_ARG " [--inactive]", .help = "print a pool's XML", .max_args = 1 },
	{ .name = "refresh", .run = cmd_refresh, .opts = P, .usage = POOL_ARG,
	  .help = "rescan a pool", .flags = PC_POOL_OP(VU_POOL_OP_REFRESH), .max_args = 1 },
	{ .name = "edit", .run = cmd_edit, .opts = P, .usage = POOL_ARG,
	  .help = "edit a pool's definition in $VISUAL/$EDITOR", .max_args = 1 },
	{ .name = "uuid", .run = cmd_uuid, .opts = P, .usage = POOL_ARG,
	  .help = "print a pool's UUID", .max_args = 1 },
	{ .name = "name", .run = cmd_name, .opts = P, .usage = "UUID",
	  .help = "print the name of the pool with this UUID", .max_args = 1 },
	{ .name = "vol-create", .run = cmd_vol_create, .opts = P | OPT(O_PREALLOC_METADATA),
	  .usage = "POOL FILE|- [--prealloc-metadata]",
	  .help = "create a volume from an XML file", .flags = OP_VOL_CREATE,
	  .min_args = 1, .max_args = 2 },
	{ .name = "vol-create-as", .run = cmd_vol_create_as,
	  .opts = P | OPT(O_ALLOCATION) | OPT(O_FORMAT) | OPT(O_BACKING_VOL) |
		  OPT(O_BACKING_VOL_FORMAT) | OPT(O_PREALLOC_METADATA) | OPT(O_PRINT_XML),
	  .usage = "POOL NAME CAPACITY [--allocation SIZE] [--format raw|qcow2]\n"
		   "                  [--backing-vol V [--backing-vol-format F]] [--prealloc-metadata]\n"
		   "                  [--print-xml]",
	  .help = "create a volume", .flags = OP_VOL_CREATE, .min_args = 2, .max_args = 3 },
	{ .name = "vol-create-from", .run = cmd_vol_create_from,
	  .opts = P | OPT(O_INPUTPOOL) | OPT(O_PREALLOC_METADATA) | OPT(O_REFLINK),
	  .usage = "POOL FILE|- VOL [--inputpool P] [--reflink]",
	  .help = "create a volume from XML with another volume's content",
	  .flags = OP_VOL_CREATE, .min_args = 2, .max_args = 3 },
	{ .name = "vol-clone", .run = cmd_vol_clone,
	  .opts = P | OPT(O_PREALLOC_METADATA) | OPT(O_REFLINK),
	  .usage = "[--pool P] VOL NEWNAME [--reflink]", .help = "copy a volume in its pool",
	  .flags = OP_VOL_CREATE, .min_args = 2, .max_args = 3 },
	{ .name = "vol-delete", .run = cmd_vol_delete, .opts = P, .usage = "[--pool P] VOL",
	  .help = "delete a volume", .flags = PC_POOL_OP(VU_POOL_OP_VOL_DELETE),
	  .min_args = 1, .max_args = 2 },
	{ .name = "vol-wipe", .run = cmd_vol_wipe, .opts = P | OPT(O_ALGORITHM),
	  .usage = "[--pool P] VOL [--algorithm ALG]", .help = "overwrite a volume's data",
	  .min_args = 1, .max_args = 2 },
	{ .name = "vol-resize", .run = cmd_vol_resize,
	  .opts = P | OPT(O_ALLOCATE) | OPT(O_DELTA) | OPT(O_SHRINK),
	  .usage = "[--pool P] VOL CAPACITY [--allocate] [--delta] [--shrink]",
	  .help = "change a volume's capacity", .min_args = 2, .max_args = 3 },
	{ .name = "vol-upload", .run = cmd_vol_upload, .opts = XFER,
	  .usage = "[--pool P] VOL FILE|- [--offset B] [--length B] [--sparse]",
	  .help = "write a file's bytes into a volume", .min_args = 2, .max_args = 3 },
	{ .name = "vol-download", .run = cmd_vol_download, .opts = XFER,
	  .usage = "[--pool P] VOL FILE|- [--offset B] [--length B] [--sparse]",
	  .help = "write a volume's bytes into a file", .min_args = 2, .max_args = 3 },
	{ .name = "vol-list", .run = cmd_vol_list, .opts = P | OPT(O_DETAILS) | OPT(O_JSON),
	  .usage = "POOL [--details|--json]", .help = "list a pool's volumes", .max_args = 1 },
	{ .name = "vol-info", .run = cmd_vol_info, .opts = P | OPT(O_BYTES),
	  .usage = "[--pool P] VOL [--bytes]", .help = "volume information",
	  .min_args = 1, .max_args = 2 },
	{ .name = "vol-dumpxml", .run = cmd_vol_dumpxml, .opts = P, .usage = "[--pool P] VOL",
	  .help = "print a volume's XML", .min_args = 1, .max_args = 2 },
	{ .name = "vol-path", .run = cmd_vol_path, .opts = P, .usage = "[--pool P] VOL",
	  .help = "print a volume's path", .min_args = 1, .max_args = 2 },
	{ .name = "vol-name", .run = cmd_vol_name, .usage = "KEY|PATH",
	  .help = "print a volume's name", .min_args = 1, .max_args = 1 },
	{ .name = "vol-key", .run = cmd_vol_key, .opts = P, .usage = "[--pool P] VOL",
	  .help = "print a volume's key", .min_args = 1, .max_args = 2 },
	{ .name = "vol-pool", .run = cmd_vol_pool, .opts = OPT(O_UUID), .usage = "KEY|PATH [--uuid]",
	  .help = "print the pool a volume is in", .min_args = 1, .max_args = 1 },
	/* virsh's names for the pool commands. */
#define VIRSH(cmd) { .name = "pool-" cmd, .alias_of = cmd }
	VIRSH("define"), VIRSH("define-as"), VIRSH("create"), VIRSH("create-as"),
	VIRSH("build"), VIRSH("start"), VIRSH("destroy"), VIRSH("delete"), VIRSH("undefine"),
	VIRSH("autostart"), VIRSH("start-all"), VIRSH("list"), VIRSH("info"),
	VIRSH("dumpxml"), VIRSH("refresh"), VIRSH("edit"), VIRSH("uuid"), VIRSH("name"),
#undef VIRSH
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] COMMAND [ARGS] [command options]\n", program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Manage storage pools and their volumes, as virsh pool-* and vol-* do.");
	fputs(VU_USAGE_COMMANDS, stdout);
	vu_cmd_print_list(stdout, cmds, ARRAY_SIZE(cmds), 16, false);
	puts("\n virsh's spellings work too: pool-define-as, pool-list, ...");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts("     --root DIR           the state root (default $VIRTUTILS_ROOT, else\n"
	     "                            /var/lib/virtutils for root)\n"
	     " -p, --progress           show progress of copies, wipes and transfers");
	fputs(VU_USAGE_COMMON, stdout);
	fputs(VU_USAGE_ARGUMENTS, stdout);
	puts(" POOL      a pool's name or UUID (or --pool POOL)\n"
	     " VOL       a volume's name (with its pool: POOL VOL or --pool POOL),\n"
	     "           its path or its key\n"
	     " SIZE      bytes, or with a suffix: K/KiB M G T P E (powers of 1024),\n"
	     "           KB MB GB TB PB EB (powers of 1000)\n"
	     " ALG       zero nnsa dod bsi gutmann schneier pfitzner7 pfitzner33 random");
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("pool-ctl(1)"), stdout);
	exit(VU_EXIT_OK);
}

static noreturn void cmd_usage(const struct vu_cmd *c)
{
	vu_cmd_print_usage(stdout, c, "pool-ctl(1)");
	exit(VU_EXIT_OK);
}




struct vu_storage *pc_storage(struct pool_ctl *pc)
{
	struct vu_err e = { 0 };

	if (!pc->storage_open) {
		if (vu_storage_open(&pc->st, pc->root, &e) < 0)
			exit(vu_fail(pc->root ? pc->root : "state root", &e));
		pc->storage_open = true;
	}
	return &pc->st;
}

struct vu_pool *pc_pool(struct pool_ctl *pc, const char *ref)
{
	struct vu_pool *p;
	struct vu_err e = { 0 };

	if (vu_pool_lookup(pc_storage(pc), ref, &p, &e) < 0)
		exit(vu_fail(ref, &e));
	pc_caps_for(pc, p->type);
	return p;
}

uint64_t pc_size(const struct pool_ctl *pc, const char *s, const char *what)
{
	(void)pc;
	return vu_parse_size_or_die(s, VU_SIZE_VIRSH, 1, what, VU_EXIT_USAGE);
}

struct vu_show_progress pc_progress(const struct pool_ctl *pc)
{
	return (struct vu_show_progress){ .force = pc->set[O_PROGRESS], .quiet = pc->quiet };
}

void pc_info_size(const struct pool_ctl *pc, const char *label, uint64_t v,
		  const char *bytes_unit)
{
	char buf[32];

	if (pc->set[O_BYTES])
		printf("%-15s %llu%s\n", label, (unsigned long long)v, bytes_unit);
	else
		printf("%-15s %s\n", label, vu_size_virsh(v, buf, sizeof(buf)));
}

int pc_print_xml(char *xml)
{
	if (!xml)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	else
		fputs(xml, stdout);
	free(xml);
	return VU_EXIT_OK;
}

/*
 * A negative size ("vol-resize vol -1G --shrink", as virsh takes it) is
 * an operand, not options -1 and -G: such words are marked before getopt
 * sees them and unmarked after.
 */
#define NEG_MARK '\x1e'

static void protect_negative(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] < '0' || argv[i][1] > '9')
			continue;
		char *m = malloc(strlen(argv[i]) + 2);

		if (!m)
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		else {
			m[0] = NEG_MARK;
			strcpy(m + 1, argv[i]);
			argv[i] = m;	/* lives as long as the process */
		}
	}
}

static char *unmark(char *s)
{
	return s && s[0] == NEG_MARK ? s + 1 : s;
}

static void common_opt(void *ctx, int c)
{
	struct pool_ctl *pc = ctx;

	switch (c) {
	case OPT_ROOT: pc->root = optarg; break;
	case 'q': pc->quiet = true; break;
	case 'v': pc->verbose = true; break;
	case 'p': pc->set[O_PROGRESS] = true; break;
	case 'h':
		if (pc->cmd)
			cmd_usage(pc->cmd);
		usage();
	case 'V': vu_print_version();
	default: vu_die_tryhelp(VU_EXIT_USAGE);
	}
}

/* Options that cannot be combined, in any command that takes them. */
#define X(o) (OPT_BASE + (o))
static const vu_excl_t excl[] = {
	{ X(O_ALL), X(O_INACTIVE) },
	{ X(O_DETAILS), X(O_NAME_FLAG), X(O_JSON) },
	{ X(O_OVERWRITE), X(O_NO_OVERWRITE) },
	{ 0 }
};
#undef X

/* The tool's options and each command's own, one parser for both. */
static struct vu_cmd_parser parser(struct pool_ctl *pc)
{
	static const struct option common[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "quiet", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "progress", no_argument, NULL, 'p' },
	};

	return (struct vu_cmd_parser){
		.common = common, .ncommon = ARRAY_SIZE(common), .shortopts = "qvphV",
		.defs = optdefs, .ndefs = O_COUNT, .base = OPT_BASE, .excl = excl,
		.common_fn = common_opt, .ctx = pc, .set = pc->set, .arg = pc->arg,
	};
}

/* The command's options; returns the number of operands, left in argv.
 * vol-resize's negative sizes ("-1G") are hidden from getopt first. */
static int parse_command(struct pool_ctl *pc, const struct vu_cmd_parser *p, int argc,
			 char **argv)
{
	if (strcmp(pc->cmd->name, "vol-resize") == 0)
		protect_negative(argc, argv);
	argc = vu_cmd_parse_options(p, pc->cmd, argc, argv, VU_EXIT_USAGE);
	for (int i = 0; i < argc; i++)
		argv[i] = unmark(argv[i]);
	for (int o = 0; o < O_COUNT; o++)
		pc->arg[o] = unmark((char *)pc->arg[o]);
	return argc;
}

static void keep_caps(bool sys_admin, bool setpcap)
{
	cap_value_t keep[8];
	int n = 0;

	for (int i = 0; i < vu_caps_file_n; i++)
		keep[n++] = vu_caps_file[i];
	if (sys_admin)
		keep[n++] = CAP_SYS_ADMIN;
	if (setpcap)
		keep[n++] = CAP_SETPCAP;
	if (vu_caps_keep(keep, n) < 0)
		vu_die(VU_EXIT_FAIL, "cannot drop capabilities");
}

/*
 * The first step, before the command runs: a command whose work may need
 * CAP_SYS_ADMIN (PC_POOL_OP in its row) keeps it until its pool's type is
 * known (a dir pool never needs it); every other command keeps the file
 * capabilities only, from the start. SETPCAP stays with a pending
 * SYS_ADMIN so that the second step can take both out of the bounding set
 * as well.
 */
static void drop_caps(struct pool_ctl *pc)
{
	pc->caps_pending = pc->cmd->flags & PC_F_POOL_OP;
	pc->pool_op = PC_POOL_OP_OF(pc->cmd->flags);
	keep_caps(pc->caps_pending, pc->caps_pending);
}

void pc_caps_settle(struct pool_ctl *pc, bool sys_admin)
{
	if (!pc->caps_pending)
		return;
	pc->caps_pending = false;
	keep_caps(sys_admin, false);
}

void pc_caps_for(struct pool_ctl *pc, enum vu_pool_type type)
{
	pc_caps_settle(pc, vu_pool_needs_sys_admin(type, pc->pool_op));
}

int main(int argc, char **argv)
{
	struct pool_ctl pc = { 0 };
	int first, r;

	atexit(vu_close_stdout_atexit);
	struct vu_cmd_parser p = parser(&pc);

	first = vu_cmd_parse_global(&p, argc, argv, VU_EXIT_USAGE);
	if (strcmp(argv[first], "help") == 0)
		usage();
	pc.cmd = vu_cmd_find_or_die(cmds, ARRAY_SIZE(cmds), argv[first], VU_EXIT_USAGE);
	drop_caps(&pc);
	argc = parse_command(&pc, &p, argc - first, argv + first);
	r = pc.cmd->run(&pc, argc, argv + first);
	if (pc.storage_open)
		vu_storage_close(&pc.st);
	return r;
}
