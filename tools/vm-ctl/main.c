/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-ctl - domains run on QEMU without a daemon, as virsh's lifecycle
 * commands */
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
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/ident.h"
#include "vu/opts.h"

#include "vmctl.h"

/* Long-only options outside the per-command set. */
enum { OPT_ROOT = CHAR_MAX + 1, OPT_BASE };

static const struct vu_cmd_optdef optdefs[O_COUNT] = {
	[O_DOMAIN] = { "domain", required_argument }, [O_FILE] = { "file", required_argument },
	[O_ALL] = { "all", no_argument }, [O_INACTIVE] = { "inactive", no_argument },
	[O_NAME_FLAG] = { "name", no_argument }, [O_UUID] = { "uuid", no_argument },
	[O_JSON] = { "json", no_argument },
	[O_STATE_RUNNING] = { "state-running", no_argument },
	[O_STATE_PAUSED] = { "state-paused", no_argument },
	[O_STATE_SHUTOFF] = { "state-shutoff", no_argument },
	[O_NVRAM] = { "nvram", no_argument },
	[O_REMOVE_ALL_STORAGE] = { "remove-all-storage", no_argument },
	[O_PAUSED] = { "paused", no_argument }, [O_RUNAS] = { "runas", required_argument },
	[O_TIMEOUT] = { "timeout", required_argument }, [O_FORCE] = { "force", no_argument },
	[O_GRACEFUL] = { "graceful", no_argument }, [O_REASON] = { "reason", no_argument },
	[O_SECURITY_INFO] = { "security-info", no_argument },
	[O_PRETTY] = { "pretty", no_argument }, [O_HMP] = { "hmp", no_argument },
	[O_DISABLE] = { "disable", no_argument }, [O_DETAILS] = { "details", no_argument },
	[O_INTERFACE] = { "interface", required_argument }, [O_FULL] = { "full", no_argument },
	[O_SOURCE] = { "source", required_argument }, [O_SIZE] = { "size", required_argument },
	[O_LIVE] = { "live", no_argument }, [O_CONFIG] = { "config", no_argument },
	[O_CURRENT] = { "current", no_argument }, [O_RUNNING] = { "running", no_argument },
	[O_CONSOLE] = { "console", no_argument },
};

#define D OPT(O_DOMAIN)
#define DOM "DOMAIN"

/* One row per command; the vmctl2 helper's commands (console, save,
 * domblklist, ...) are rows of their own, kept in this order. */
static const struct vu_cmd cmds[] = {
	{ .name = "define", .run = vc_cmd_define, .opts = OPT(O_FILE), .usage = "FILE|-",
	  .help = "define a domain from an XML file", .max_args = 1 },
	{ .name = "undefine", .run = vc_cmd_undefine,
	  .opts = D | OPT(O_NVRAM) | OPT(O_REMOVE_ALL_STORAGE),
	  .usage = DOM " [--nvram] [--remove-all-storage]",
	  .help = "remove a domain's definition (a running one goes on, transient)",
	  .max_args = 1 },
	{ .name = "start", .run = vc_cmd_start,
	  .opts = D | OPT(O_PAUSED) | OPT(O_RUNAS) | OPT(O_CONSOLE),
	  .usage = DOM " [--paused] [--console] [--runas USER]", .help = "start a defined domain",
	  .flags = VC_F_RUN, .max_args = 1 },
	{ .name = "shutdown", .run = vc_cmd_shutdown, .opts = D | OPT(O_TIMEOUT) | OPT(O_FORCE),
	  .usage = DOM " [--timeout S [--force]]",
	  .help = "ask the guest to power off (ACPI power button)", .flags = VC_F_RUN,
	  .max_args = 1 },
	{ .name = "destroy", .run = vc_cmd_destroy, .opts = D | OPT(O_GRACEFUL),
	  .usage = DOM " [--graceful]", .help = "stop a domain's QEMU at once",
	  .flags = VC_F_RUN, .max_args = 1 },
	{ .name = "reboot", .run = vc_cmd_reboot, .opts = D, .usage = DOM,
	  .help = "ask the guest to reboot (ACPI power-off, then a reset)", .flags = VC_F_RUN,
	  .max_args = 1 },
	{ .name = "reset", .run = vc_cmd_reset, .opts = D, .usage = DOM,
	  .help = "reset a domain as its reset button would", .max_args = 1 },
	{ .name = "suspend", .run = vc_cmd_suspend, .opts = D, .usage = DOM,
	  .help = "pause a domain's vCPUs", .max_args = 1 },
	{ .name = "resume", .run = vc_cmd_resume, .opts = D, .usage = DOM,
	  .help = "let a paused domain run again", .max_args = 1 },
	{ .name = "list", .run = vc_cmd_list,
	  .opts = OPT(O_ALL) | OPT(O_INACTIVE) | OPT(O_NAME_FLAG) | OPT(O_UUID) | OPT(O_JSON) |
		  OPT(O_STATE_RUNNING) | OPT(O_STATE_PAUSED) | OPT(O_STATE_SHUTOFF),
	  .usage = "[--all|--inactive] [--state-running] [--state-paused]\n"
		   "                  [--state-shutoff] [--name|--uuid|--json]",
	  .help = "list domains (running ones unless asked)" },
	{ .name = "dominfo", .run = vc_cmd_dominfo, .opts = D, .usage = DOM,
	  .help = "domain information", .max_args = 1 },
	{ .name = "domstate", .run = vc_cmd_domstate, .opts = D | OPT(O_REASON),
	  .usage = DOM " [--reason]", .help = "a domain's state", .max_args = 1 },
	{ .name = "domid", .run = vc_cmd_domid, .opts = D, .usage = DOM,
	  .help = "a running domain's id", .max_args = 1 },
	{ .name = "domuuid", .run = vc_cmd_domuuid, .opts = D, .usage = DOM,
	  .help = "a domain's UUID", .max_args = 1 },
	{ .name = "domname", .run = vc_cmd_domname, .opts = D, .usage = "ID|UUID",
	  .help = "the name of the domain with this id or UUID", .max_args = 1 },
	{ .name = "dumpxml", .run = vc_cmd_dumpxml,
	  .opts = D | OPT(O_INACTIVE) | OPT(O_SECURITY_INFO),
	  .usage = DOM " [--inactive] [--security-info]", .help = "print a domain's XML",
	  .max_args = 1 },
	{ .name = "qemu-monitor-command", .run = vc_cmd_qemu_monitor_command,
	  .opts = D | OPT(O_PRETTY) | OPT(O_HMP), .usage = DOM " [--pretty|--hmp] COMMAND...",
	  .help = "pass a QMP command to QEMU, print its answer", .max_args = VU_CMD_ANY },
	{ .name = "edit", .run = vc_cmd_edit, .opts = D, .usage = DOM,
	  .help = "edit a domain's definition in $VISUAL/$EDITOR", .max_args = 1 },
	{ .name = "autostart", .run = vc_cmd_autostart, .opts = D | OPT(O_DISABLE),
	  .usage = DOM " [--disable]", .help = "start a domain at boot (start-all), or not",
	  .max_args = 1 },
	{ .name = "start-all", .run = vc_cmd_start_all, .usage = "",
	  .help = "start every autostart domain (at boot)", .flags = VC_F_RUN },
	{ .name = "console", .run = vc_cmd_console, .opts = D | OPT(O_FORCE),
	  .usage = DOM " [--force]", .help = "the guest's serial console (escape: ^])",
	  .max_args = 1 },
	{ .name = "save", .run = vc_cmd_save,
	  .opts = D | OPT(O_FILE) | OPT(O_RUNNING) | OPT(O_PAUSED),
	  .usage = DOM " FILE [--running|--paused]",
	  .help = "save a running domain's state to a file, and stop it", .flags = VC_F_RUN,
	  .max_args = 2 },
	{ .name = "restore", .run = vc_cmd_restore,
	  .opts = OPT(O_FILE) | OPT(O_RUNNING) | OPT(O_PAUSED), .usage = "FILE [--running|--paused]",
	  .help = "start a domain again from a file save wrote", .flags = VC_F_RUN,
	  .max_args = 1 },
	{ .name = "setmem", .run = vc_cmd_setmem,
	  .opts = D | OPT(O_SIZE) | OPT(O_LIVE) | OPT(O_CONFIG) | OPT(O_CURRENT),
	  .usage = DOM " SIZE [--live] [--config] [--current]",
	  .help = "change a domain's balloon target (<currentMemory>)", .max_args = 2 },
	{ .name = "domblklist", .run = vc_cmd_domblklist,
	  .opts = D | OPT(O_INACTIVE) | OPT(O_DETAILS) | OPT(O_JSON),
	  .usage = DOM " [--inactive] [--details] [--json]", .help = "a domain's disks",
	  .max_args = 1 },
	{ .name = "domiflist", .run = vc_cmd_domiflist, .opts = D | OPT(O_INACTIVE) | OPT(O_JSON),
	  .usage = DOM " [--inactive] [--json]", .help = "a domain's network interfaces",
	  .max_args = 1 },
	{ .name = "domifaddr", .run = vc_cmd_domifaddr,
	  .opts = D | OPT(O_INTERFACE) | OPT(O_FULL) | OPT(O_SOURCE) | OPT(O_JSON),
	  .usage = DOM " [--interface NAME] [--full] [--source lease] [--json]",
	  .help = "a running domain's addresses, from its networks' DHCP leases",
	  .max_args = 1 },
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] COMMAND [ARGS] [command options]\n", program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Run domains on QEMU without a daemon, as virsh's lifecycle commands do.");
	fputs(VU_USAGE_COMMANDS, stdout);
	vu_cmd_print_list(stdout, cmds, ARRAY_SIZE(cmds), 16, false);
	fputs(VU_USAGE_OPTIONS, stdout);
	puts("     --root DIR           the state root (default $VIRTUTILS_ROOT, else\n"
	     "                            /var/lib/virtutils for root)");
	fputs(VU_USAGE_COMMON, stdout);
	fputs(VU_USAGE_ARGUMENTS, stdout);
	puts(" DOMAIN    a domain's name, id or UUID (or --domain DOMAIN)\n"
	     " FILE      a domain XML file, - for standard input (or --file FILE)");
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("vm-ctl(1)"), stdout);
	exit(VU_EXIT_OK);
}

static noreturn void cmd_usage(const struct vu_cmd *c)
{
	vu_cmd_print_usage(stdout, c, "vm-ctl(1)");
	exit(VU_EXIT_OK);
}

void vc_die_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vu_die_usage(VU_EXIT_USAGE, "%s", msg);
}

void vc_say(const struct vm_ctl *vc, const char *fmt, ...)
{
	va_list ap;

	if (vc->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int vc_fail(const char *object, const struct vu_err *e)
{
	vu_warnx("%s: %s", object, vu_err_str(e));
	return VU_EXIT_FAIL;
}

const struct vu_state *vc_state(struct vm_ctl *vc)
{
	struct vu_err e = { 0 };
	int r;

	if (vc->state_open)
		return &vc->st;
	r = vu_state_resolve(&vc->st, vc->root);
	if (r < 0) {
		vu_err_set(&e, -r, "cannot resolve the state root");
		exit(vc_fail(vc->root ? vc->root : "state root", &e));
	}
	if (vu_state_prepare(&vc->st, &e) < 0)
		exit(vc_fail(vc->st.root, &e));
	vc->state_open = true;
	return &vc->st;
}

const char *vc_dom_ref(struct vm_ctl *vc, int argc, char **argv)
{
	if (vc->set[O_DOMAIN] && argc)
		vc_die_usage("%s: unexpected argument '%s'", vc->cmd->name, argv[0]);
	if (vc->set[O_DOMAIN])
		return vc->arg[O_DOMAIN];
	if (!argc)
		vc_die_usage("%s: missing domain name", vc->cmd->name);
	return argv[0];
}

/* Every domain, defined or running (a transient one has no definition). */
static char **all_names(struct vm_ctl *vc)
{
	char **def = NULL, **run = NULL, **all;
	size_t nd = 0, nr = 0, n = 0;

	if (vu_domaindb_list(vc_state(vc), &def, &nd) < 0 ||
	    vu_qemurun_list(vc_state(vc), &run, &nr) < 0)
		vu_diex(VU_EXIT_FAIL, "domains: cannot list them");
	if (!(all = calloc(nd + nr + 1, sizeof(char *))))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	/* Both lists are sorted: merge them without repeats. */
	for (size_t i = 0, j = 0; i < nd || j < nr;) {
		int c = i == nd ? 1 : j == nr ? -1 : strcmp(def[i], run[j]);

		if (c <= 0) {
			all[n++] = def[i++];
			if (c == 0)
				free(run[j++]);
		} else {
			all[n++] = run[j++];
		}
	}
	free(def);
	free(run);
	return all;
}

char **vc_all_names(struct vm_ctl *vc)
{
	return all_names(vc);
}

/* Whether name is a domain, defined or running. */
static bool exists(struct vm_ctl *vc, const char *name)
{
	struct vu_domain *dom = NULL;
	bool yes = vu_qemurun_active(vc_state(vc), name) == 1 ||
		   vu_domaindb_load(vc_state(vc), name, &dom, NULL) == 0;

	vu_domain_free(&dom);
	return yes;
}

/* The running domain whose runtime id is id. */
static char *find_by_id(struct vm_ctl *vc, long id)
{
	char **names = all_names(vc), *found = NULL;

	for (char **p = names; *p && !found; p++)
		if (vc_status(vc, *p).id == id)
			found = strdup(*p);
	vu_domaindb_names_free(names);
	return found;
}

/* The domain whose UUID this is, running or defined. */
static char *find_by_uuid(struct vm_ctl *vc, const char *uuid)
{
	char **names = all_names(vc), *found = NULL;

	for (char **p = names; *p && !found; p++) {
		struct vu_domain *dom = NULL;
		char u[VU_UUID_STRLEN];

		if ((vu_qemurun_live_xml(vc_state(vc), *p, &dom, NULL) == 0 ||
		     vu_domaindb_load(vc_state(vc), *p, &dom, NULL) == 0) &&
		    vu_domain_get_uuid(dom, u) == 0 && strcmp(u, uuid) == 0)
			found = strdup(*p);
		vu_domain_free(&dom);
	}
	vu_domaindb_names_free(names);
	return found;
}

char *vc_lookup(struct vm_ctl *vc, const char *ref)
{
	char uuid[VU_UUID_STRLEN], *name, *end;
	struct vu_err e = { 0 };
	long id;

	/* virsh tries an id first, then a UUID, then a name. */
	errno = 0;
	id = strtol(ref, &end, 10);
	if (*ref >= '0' && *ref <= '9' && !*end && !errno && (name = find_by_id(vc, id)))
		return name;
	if (vu_uuid_normalize(ref, uuid) == 0 && (name = find_by_uuid(vc, uuid)))
		return name;
	if (vu_name_check(ref) == 0 && exists(vc, ref)) {
		if (!(name = strdup(ref)))
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		return name;
	}
	vu_err_set(&e, ENOENT, "domain not found");
	exit(vc_fail(ref, &e));
}

char *vc_domain_arg(struct vm_ctl *vc, int argc, char **argv)
{
	return vc_lookup(vc, vc_dom_ref(vc, argc, argv));
}

struct vu_domain *vc_load(struct vm_ctl *vc, const char *name, bool inactive)
{
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	int r = -ENOENT;

	if (!inactive)
		r = vu_qemurun_live_xml(vc_state(vc), name, &dom, &e);
	if (r < 0)
		r = vu_domaindb_load(vc_state(vc), name, &dom, &e);
	/* --inactive of a transient domain: what it runs with, scrubbed. */
	if (r < 0 && inactive && vu_qemurun_live_xml(vc_state(vc), name, &dom, NULL) == 0) {
		vu_domain_scrub_live(dom);
		r = 0;
	}
	if (r < 0)
		exit(vc_fail(name, &e));
	return dom;
}

struct vu_domstatus vc_status(struct vm_ctl *vc, const char *name)
{
	struct vu_domstatus s;
	struct vu_err e = { 0 };

	if (vu_qemurun_status(vc_state(vc), name, &s, &e) < 0)
		exit(vc_fail(name, &e));
	return s;
}

static void common_opt(void *ctx, int c)
{
	struct vm_ctl *vc = ctx;

	switch (c) {
	case OPT_ROOT: vc->root = optarg; break;
	case 'c': vc->root = optarg; break;
	case 'q': vc->quiet = true; break;
	case 'v': vc->verbose = true; break;
	case 'h':
		if (vc->cmd)
			cmd_usage(vc->cmd);
		usage();
	case 'V': vu_print_version();
	default: vu_die_tryhelp(VU_EXIT_USAGE);
	}
}

/* Options that cannot be combined, in any command that takes them. */
#define X(o) (OPT_BASE + (o))
static const vu_excl_t excl[] = {
	{ X(O_ALL), X(O_INACTIVE) },
	{ X(O_NAME_FLAG), X(O_UUID), X(O_JSON) },
	{ X(O_PRETTY), X(O_HMP) },
	{ X(O_RUNNING), X(O_PAUSED) },
	{ X(O_CURRENT), X(O_LIVE) },
	{ X(O_CURRENT), X(O_CONFIG) },
	{ 0 }
};
#undef X

/* The tool's options and each command's own, one parser for both. */
static struct vu_cmd_parser parser(struct vm_ctl *vc)
{
	static const struct option common[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "connect", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
	};

	return (struct vu_cmd_parser){
		.common = common, .ncommon = ARRAY_SIZE(common), .shortopts = "c:qvhV",
		.defs = optdefs, .ndefs = O_COUNT, .base = OPT_BASE, .excl = excl,
		.common_fn = common_opt, .ctx = vc, .set = vc->set, .arg = vc->arg,
	};
}

/*
 * What QEMU needs to start is kept by the commands that start or signal
 * it: NET_ADMIN for taps, SETUID and SETGID for -runas (QEMU inherits
 * them, and drops them itself), KILL to stop a QEMU running as another
 * user, SYS_NICE to pin the threads of one (<cputune>). The others keep
 * the file capabilities alone.
 */
static void drop_caps(const struct vm_ctl *vc)
{
	static const cap_value_t run[] = {
		CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_SYS_NICE,
	};
	cap_value_t keep[16];
	int n = 0;

	for (int i = 0; i < vu_caps_file_n; i++)
		keep[n++] = vu_caps_file[i];
	if (vc->cmd->flags & VC_F_RUN)
		for (size_t i = 0; i < ARRAY_SIZE(run); i++)
			keep[n++] = run[i];
	if (vu_caps_keep(keep, n) < 0)
		vu_die(VU_EXIT_FAIL, "cannot drop capabilities");
}

int main(int argc, char **argv)
{
	struct vm_ctl vc = { 0 };
	int first, r;

	atexit(vu_close_stdout_atexit);
	struct vu_cmd_parser p = parser(&vc);

	first = vu_cmd_parse_global(&p, argc, argv, VU_EXIT_USAGE);
	if (strcmp(argv[first], "help") == 0)
		usage();
	vc.cmd = vu_cmd_find_or_die(cmds, ARRAY_SIZE(cmds), argv[first], VU_EXIT_USAGE);
	drop_caps(&vc);
	argc = vu_cmd_parse_options(&p, vc.cmd, argc - first, argv + first, VU_EXIT_USAGE);
	if (vc.root && strncmp(vc.root, "qemu:", 5) == 0 && !vu_state_uri_known(vc.root))
		vu_die_usage(VU_EXIT_USAGE, "%s: unknown connection URI", vc.root);
	r = vc.cmd->run(&vc, argc, argv + first);
	if (vc.state_open)
		vu_state_free(&vc.st);
	return r;
}
