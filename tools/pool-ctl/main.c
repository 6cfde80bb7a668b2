/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool-ctl - storage pools and their volumes, as virsh pool-* and vol-* */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/opts.h"
#include "vu/size.h"

#include "pool-ctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Long-only options outside the per-command set. */
enum { OPT_ROOT = CHAR_MAX + 1, OPT_BASE };

static const struct { const char *name; int has_arg; } optdefs[O_COUNT] = {
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

const struct pc_cmd pc_cmds[] = {
	{ "define", cmd_define, 0, 1, 1, "FILE|-", "define a pool from an XML file" },
	{ "define-as", cmd_define_as, X_AS, 0, 7,
	  "NAME TYPE [SRC-HOST] [SRC-PATH] [SRC-DEV] [SRC-NAME] [TARGET]\n"
	  "                  [--source-format F] [--print-xml]", "define a pool from arguments" },
	{ "create", cmd_create, OPT(O_BUILD) | BUILD_OPTS, 1, 1,
	  "FILE|- [--build [--overwrite|--no-overwrite]]", "create and start a transient pool" },
	{ "create-as", cmd_create_as, X_AS | OPT(O_BUILD) | BUILD_OPTS, 0, 7,
	  "NAME TYPE [...as define-as] [--build]", "create a transient pool from arguments" },
	{ "build", cmd_build, P | BUILD_OPTS, 0, 1, POOL_ARG " [--overwrite|--no-overwrite]",
	  "build a pool's target (mkdir, mkfs, partition table)" },
	{ "start", cmd_start, P | OPT(O_BUILD) | BUILD_OPTS, 0, 1,
	  POOL_ARG " [--build [--overwrite|--no-overwrite]]", "start an inactive pool" },
	{ "destroy", cmd_destroy, P, 0, 1, POOL_ARG, "stop a pool (the data stays)" },
	{ "delete", cmd_delete, P, 0, 1, POOL_ARG, "delete an inactive pool's target" },
	{ "undefine", cmd_undefine, P, 0, 1, POOL_ARG, "remove an inactive pool's definition" },
	{ "autostart", cmd_autostart, P | OPT(O_DISABLE), 0, 1, POOL_ARG " [--disable]",
	  "start a pool at boot (start-all), or not" },
	{ "start-all", cmd_start_all, 0, 0, 0, "", "start every autostart pool (at boot)" },
	{ "list", cmd_list, LIST_OPTS, 0, 0,
	  "[--all|--inactive] [--persistent] [--transient] [--autostart]\n"
	  "                  [--no-autostart] [--type T,...] [--details|--name|--json]",
	  "list pools (active ones unless asked)" },
	{ "info", cmd_info, P | OPT(O_BYTES), 0, 1, POOL_ARG " [--bytes]", "pool information" },
	{ "dumpxml", cmd_dumpxml, P | OPT(O_INACTIVE), 0, 1, POOL_ARG " [--inactive]",
	  "print a pool's XML" },
	{ "refresh", cmd_refresh, P, 0, 1, POOL_ARG, "rescan a pool" },
	{ "edit", cmd_edit, P, 0, 1, POOL_ARG, "edit a pool's definition in $VISUAL/$EDITOR" },
	{ "uuid", cmd_uuid, P, 0, 1, POOL_ARG, "print a pool's UUID" },
	{ "name", cmd_name, P, 0, 1, "UUID", "print the name of the pool with this UUID" },
	{ "vol-create", cmd_vol_create, P | OPT(O_PREALLOC_METADATA), 1, 2,
	  "POOL FILE|- [--prealloc-metadata]", "create a volume from an XML file" },
	{ "vol-create-as", cmd_vol_create_as,
	  P | OPT(O_ALLOCATION) | OPT(O_FORMAT) | OPT(O_BACKING_VOL) | OPT(O_BACKING_VOL_FORMAT) |
	  OPT(O_PREALLOC_METADATA) | OPT(O_PRINT_XML), 2, 3,
	  "POOL NAME CAPACITY [--allocation SIZE] [--format raw|qcow2]\n"
	  "                  [--backing-vol V [--backing-vol-format F]] [--prealloc-metadata]\n"
	  "                  [--print-xml]", "create a volume" },
	{ "vol-create-from", cmd_vol_create_from,
	  P | OPT(O_INPUTPOOL) | OPT(O_PREALLOC_METADATA) | OPT(O_REFLINK), 2, 3,
	  "POOL FILE|- VOL [--inputpool P] [--reflink]",
	  "create a volume from XML with another volume's content" },
	{ "vol-clone", cmd_vol_clone, P | OPT(O_PREALLOC_METADATA) | OPT(O_REFLINK), 2, 3,
	  "[--pool P] VOL NEWNAME [--reflink]", "copy a volume in its pool" },
	{ "vol-delete", cmd_vol_delete, P, 1, 2, "[--pool P] VOL", "delete a volume" },
	{ "vol-wipe", cmd_vol_wipe, P | OPT(O_ALGORITHM), 1, 2,
	  "[--pool P] VOL [--algorithm ALG]", "overwrite a volume's data" },
	{ "vol-resize", cmd_vol_resize, P | OPT(O_ALLOCATE) | OPT(O_DELTA) | OPT(O_SHRINK), 2, 3,
	  "[--pool P] VOL CAPACITY [--allocate] [--delta] [--shrink]",
	  "change a volume's capacity" },
	{ "vol-upload", cmd_vol_upload, XFER, 2, 3,
	  "[--pool P] VOL FILE|- [--offset B] [--length B] [--sparse]",
	  "write a file's bytes into a volume" },
	{ "vol-download", cmd_vol_download, XFER, 2, 3,
	  "[--pool P] VOL FILE|- [--offset B] [--length B] [--sparse]",
	  "write a volume's bytes into a file" },
	{ "vol-list", cmd_vol_list, P | OPT(O_DETAILS) | OPT(O_JSON), 0, 1,
	  "POOL [--details|--json]", "list a pool's volumes" },
	{ "vol-info", cmd_vol_info, P | OPT(O_BYTES), 1, 2, "[--pool P] VOL [--bytes]",
	  "volume information" },
	{ "vol-dumpxml", cmd_vol_dumpxml, P, 1, 2, "[--pool P] VOL", "print a volume's XML" },
	{ "vol-path", cmd_vol_path, P, 1, 2, "[--pool P] VOL", "print a volume's path" },
	{ "vol-name", cmd_vol_name, 0, 1, 1, "KEY|PATH", "print a volume's name" },
	{ "vol-key", cmd_vol_key, P, 1, 2, "[--pool P] VOL", "print a volume's key" },
	{ "vol-pool", cmd_vol_pool, OPT(O_UUID), 1, 1, "KEY|PATH [--uuid]",
	  "print the pool a volume is in" },
	{ NULL, NULL, 0, 0, 0, NULL, NULL },
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] COMMAND [ARGS] [command options]\n", program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Manage storage pools and their volumes, as virsh pool-* and vol-* do.");
	fputs(VU_USAGE_COMMANDS, stdout);
	for (const struct pc_cmd *c = pc_cmds; c->name; c++)
		printf(" %-16s%s%s\n", c->name, c->synopsis[0] ? " " : "", c->synopsis);
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
	exit(EXIT_SUCCESS);
}

static noreturn void cmd_usage(const struct pc_cmd *c)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s %s%s%s\n", program_invocation_short_name, c->name,
	       c->synopsis[0] ? " " : "", c->synopsis);
	fputs(VU_USAGE_SEPARATOR, stdout);
	printf("%c%s.\n", c->help[0] - 'a' + 'A', c->help + 1);
	fputs(VU_USAGE_MAN_TAIL("pool-ctl(1)"), stdout);
	exit(EXIT_SUCCESS);
}

void pc_usage_err(const struct pool_ctl *pc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	(void)pc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vu_usage_err(PC_USAGE, "%s", msg);
}

void pc_say(const struct pool_ctl *pc, const char *fmt, ...)
{
	va_list ap;

	if (pc->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int pc_fail(const char *object, const struct vu_err *e)
{
	vu_warnx("%s: %s", object, vu_err_str(e));
	return PC_FAIL;
}

struct vu_storage *pc_storage(struct pool_ctl *pc)
{
	struct vu_err e = { 0 };

	if (!pc->storage_open) {
		if (vu_storage_open(&pc->st, pc->root, &e) < 0)
			exit(pc_fail(pc->root ? pc->root : "state root", &e));
		pc->storage_open = true;
	}
	return &pc->st;
}

struct vu_pool *pc_pool(struct pool_ctl *pc, const char *ref)
{
	struct vu_pool *p;
	struct vu_err e = { 0 };

	if (vu_pool_lookup(pc_storage(pc), ref, &p, &e) < 0)
		exit(pc_fail(ref, &e));
	pc_caps_for(pc, p->type);
	return p;
}

uint64_t pc_size(const struct pool_ctl *pc, const char *s, const char *what)
{
	(void)pc;
	return vu_parse_size_or_die(s, VU_SIZE_VIRSH, 1, what, PC_USAGE);
}

struct vu_show_progress pc_progress(const struct pool_ctl *pc)
{
	return (struct vu_show_progress){ .force = pc->set[O_PROGRESS], .quiet = pc->quiet };
}

int pc_print_xml(char *xml)
{
	if (!xml)
		vu_errx(PC_FAIL, "cannot allocate memory");
	else
		fputs(xml, stdout);
	free(xml);
	return PC_OK;
}

/* virsh's "pool-" spellings name the same commands. */
static const struct pc_cmd *find_cmd(const char *name)
{
	if (strncmp(name, "pool-", 5) == 0)
		name += 5;
	for (const struct pc_cmd *c = pc_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
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
			vu_errx(PC_FAIL, "cannot allocate memory");
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

/* The getopt table of one command: the common options and its own. */
static void build_longopts(const struct pc_cmd *c, struct option *lo)
{
	static const struct option common[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "quiet", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
	};
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(common); i++)
		lo[n++] = common[i];
	lo[n++] = (struct option){ "progress", no_argument, NULL, 'p' };
	for (int o = 0; o < O_COUNT; o++)
		if (c && (c->opts & OPT(o)))
			lo[n++] = (struct option){ optdefs[o].name, optdefs[o].has_arg, NULL,
						   OPT_BASE + o };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

static void common_opt(struct pool_ctl *pc, int c)
{
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
	default: vu_errtryhelp(PC_USAGE);
	}
}

/* Options before the command; returns the index of the command word. */
static int parse_global(struct pool_ctl *pc, int argc, char **argv)
{
	struct option lo[8 + O_COUNT];
	int c;

	build_longopts(NULL, lo);
	while ((c = getopt_long(argc, argv, "+qvphV", lo, NULL)) != -1)
		common_opt(pc, c);
	if (optind >= argc)
		vu_usage_err(PC_USAGE, "no command specified");
	return optind;
}

static void parse_command(struct pool_ctl *pc, int argc, char **argv)
{
	struct option lo[8 + O_COUNT];
	int c;

	build_longopts(pc->cmd, lo);
	/* getopt names argv[0] in its complaints: the tool, not the command. */
	argv[0] = program_invocation_short_name;
	if (strcmp(pc->cmd->name, "vol-resize") == 0)
		protect_negative(argc, argv);
	optind = 0;	/* 0: glibc starts over on the new argv */
	while ((c = getopt_long(argc, argv, "qvphV", lo, NULL)) != -1) {
		if (c < OPT_BASE) {
			common_opt(pc, c);
			continue;
		}
		pc->set[c - OPT_BASE] = true;
		pc->arg[c - OPT_BASE] = unmark(optarg);
	}
	pc->argc = argc - optind;
	pc->argv = argv + optind;
	for (int i = 0; i < pc->argc; i++)
		pc->argv[i] = unmark(pc->argv[i]);
	if (pc->argc < pc->cmd->min_args)
		vu_usage_err(PC_USAGE, "%s: missing argument", pc->cmd->name);
	if (pc->argc > pc->cmd->max_args)
		vu_usage_err(PC_USAGE, "%s: unexpected argument '%s'", pc->cmd->name,
			     pc->argv[pc->cmd->max_args]);
}

/*
 * Commands whose work may need CAP_SYS_ADMIN, and what they do to their
 * pool: whether it does is known once the pool's type is (a dir pool
 * never needs it), so these keep it until then; every other command keeps
 * the file capabilities only, from the start.
 */
static const struct { const char *name; enum vu_pool_op op; } pool_ops[] = {
	{ "create", VU_POOL_OP_START }, { "create-as", VU_POOL_OP_START },
	{ "build", VU_POOL_OP_BUILD }, { "start", VU_POOL_OP_START },
	{ "start-all", VU_POOL_OP_START }, { "destroy", VU_POOL_OP_DESTROY },
	{ "delete", VU_POOL_OP_DELETE }, { "refresh", VU_POOL_OP_REFRESH },
	{ "vol-create", VU_POOL_OP_VOL_CREATE }, { "vol-create-as", VU_POOL_OP_VOL_CREATE },
	{ "vol-create-from", VU_POOL_OP_VOL_CREATE }, { "vol-clone", VU_POOL_OP_VOL_CREATE },
	{ "vol-delete", VU_POOL_OP_VOL_DELETE },
};

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
		vu_err(PC_FAIL, "cannot drop capabilities");
}

/* The first step, before the command runs. SETPCAP stays with a pending
 * SYS_ADMIN so that the second step can take both out of the bounding
 * set as well. */
static void drop_caps(struct pool_ctl *pc)
{
	for (size_t i = 0; i < ARRAY_SIZE(pool_ops); i++) {
		if (strcmp(pc->cmd->name, pool_ops[i].name) == 0) {
			pc->caps_pending = true;
			pc->pool_op = pool_ops[i].op;
		}
	}
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
	first = parse_global(&pc, argc, argv);
	if (strcmp(argv[first], "help") == 0)
		usage();
	pc.cmd = find_cmd(argv[first]);
	if (!pc.cmd)
		vu_usage_err(PC_USAGE, "%s: unknown command", argv[first]);
	drop_caps(&pc);
	parse_command(&pc, argc - first, argv + first);
	r = pc.cmd->run(&pc);
	if (pc.storage_open)
		vu_storage_close(&pc.st);
	return r;
}
