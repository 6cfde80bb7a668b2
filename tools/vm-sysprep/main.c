/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-sysprep - reset a guest's machine-specific state offline, in place
 * (virt-sysprep's options and operations: in place for ext2/3/4, in a small
 * QEMU appliance for XFS and btrfs, vs-appliance.h) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/domainxml.h"
#include "vu/file.h"
#include "vu/guestfs.h"
#include "vu/opts.h"
#include "vu/state.h"

#include "vm-sysprep.h"
#include "vs-appliance.h"
#include "vs-inuse.h"

/* A domain XML read for its disks. */
#define XML_MAX (16u << 20)
#define MAX_DISKS 26

enum {
	OPT_FORMAT = CHAR_MAX + 1, OPT_DOMAIN_XML, OPT_OPERATIONS, OPT_LIST_OPERATIONS,
	OPT_KEEP_USERS, OPT_REMOVE_USERS, OPT_SCRUB, OPT_SELINUX_RELABEL, OPT_NO_SELINUX_RELABEL,
	OPT_NETWORK, OPT_NO_NETWORK, OPT_ROOT, OPT_CONNECT, OPT_REFUSED, OPT_COMMANDS_FILE,
	OPT_APPLIANCE_KERNEL,
	OPT_PASSWORD_CRYPTO,
	OPT_CU_BASE,	/* + enum vs_cu_kind */
};

struct sysprep {
	struct vu_guest_disk disks[MAX_DISKS];
	size_t ndisks;
	const char *format;		/* --format for the -a after it */
	const char *domain, *xml_path, *root;
	char *xml;			/* the domain XML as read, passed through */
	size_t xml_len;
	bool ops_given, no_relabel;
	const char *crypto;		/* --password-crypto's crypt(3) prefix */
	vs_opset ops;
	struct vs_culist cu;
	struct vs_ctx ctx;
	/* The appliance path: what runs inside gets the same options. */
	const char *kernel;		/* --appliance-kernel */
	bool in_appliance;		/* we are inside: the guest is on VS_AP_ROOT */
	char **ap_args;			/* options for inside, NULL-terminated */
	size_t nap_args;
	char **ap_files;		/* host path, name in the appliance, ...; NULL */
	size_t nap_files;
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s [options] -a IMAGE [-a IMAGE...]\n"
	       " %s [options] -d DOMAIN\n"
	       " %s [options] --domain-xml FILE|-\n",
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Reset a guest's machine-specific state (host keys, machine ID, logs, MAC\n"
	     "addresses, users...) in its disk images, as virt-sysprep does, in place:\n"
	     "ext2/3/4 filesystems, on partitions or LVM, in raw or qcow2 images.");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts(" -a, --add IMAGE            a disk of the guest (repeat for each disk)\n"
	     "     --format raw|qcow2|auto  the format of the -a options after it\n"
	     " -d, --domain DOMAIN        the disks of a domain of the state root\n"
	     "     --domain-xml FILE      the disks of a domain XML ('-': stdin); the XML\n"
	     "                              is copied to stdout afterwards, for pipes\n"
	     "     --root DIR             the state root for -d\n"
	     "     --connect URI          qemu:///system or qemu:///session, for -d\n"
	     "     --operations, --enable LIST  the operations to run: names, 'defaults',\n"
	     "                              'all', '-NAME' to remove one\n"
	     "     --list-operations      list the operations ('*': on by default)\n"
	     " -n, --dry-run              say what would change, change nothing\n"
	     "     --keep-user-accounts USERS    user-account leaves these users\n"
	     "     --remove-user-accounts USERS  user-account removes only these users\n"
	     "     --scrub                overwrite files with zeros before removing them\n"
	     "     --selinux-relabel      relabel at next boot if SELinux is used (default)\n"
	     "     --no-selinux-relabel   never touch /.autorelabel\n"
	     " -x                         trace every change (as -v)\n"
	     "\nCustomize options (virt-customize's, run by the customize operation):\n"
	     "     --hostname NAME        --timezone TZ\n"
	     "     --root-password SEL    --password USER:SEL\n"
	     "                              SEL: password:PW, file:FILE, random, disabled,\n"
	     "                              locked, locked:SEL\n"
	     "     --password-crypto md5|sha256|sha512  their hash (default sha512)\n"
	     "     --ssh-inject USER[:file:KEYFILE|:string:KEY]\n"
	     "     --firstboot SCRIPT     --firstboot-command CMD\n"
	     "     --mkdir DIR            --write FILE:CONTENT\n"
	     "     --upload FILE:DEST     --copy-in LOCAL:DIR\n"
	     "     --delete PATH          --touch FILE\n"
	     "     --chmod MODE:FILE      --link TARGET:LINK[:LINK...]\n"
	     "     --truncate FILE        --append-line FILE:LINE\n"
	     "     --commands-from-file FILE  those options, one a line without '--'\n"
	     "     --run SCRIPT           --run-command CMD  (the appliance path only)\n"
	     "\nXFS and btrfs guests are handled in a small appliance booted under QEMU:\n"
	     "     --appliance-kernel FILE  its kernel (default: the running one's\n"
	     "                              /boot/vmlinuz-VERSION, modules in\n"
	     "                              /lib/modules/VERSION)");
	fputs(VU_USAGE_COMMON, stdout);
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("vm-sysprep(1)"), stdout);
	exit(VU_EXIT_OK);
}

static const struct { const char *name; enum vs_cu_kind kind; } cu_opts[] = {
	{ "hostname", VS_CU_HOSTNAME }, { "root-password", VS_CU_ROOT_PASSWORD },
	{ "password", VS_CU_PASSWORD }, { "ssh-inject", VS_CU_SSH_INJECT },
	{ "timezone", VS_CU_TIMEZONE }, { "firstboot", VS_CU_FIRSTBOOT },
	{ "firstboot-command", VS_CU_FIRSTBOOT_COMMAND }, { "mkdir", VS_CU_MKDIR },
	{ "write", VS_CU_WRITE }, { "upload", VS_CU_UPLOAD }, { "copy-in", VS_CU_COPY_IN },
	{ "delete", VS_CU_DELETE }, { "touch", VS_CU_TOUCH }, { "chmod", VS_CU_CHMOD },
	{ "link", VS_CU_LINK }, { "truncate", VS_CU_TRUNCATE },
	{ "append-line", VS_CU_APPEND_LINE }, { "run", VS_CU_RUN },
	{ "run-command", VS_CU_RUN_COMMAND },
};

/* virt-sysprep options that need the guest's own programs, FUSE or a
 * network: there is no appliance to run them in. */
static const char *const refused[] = {
	"install", "uninstall", "update", "script", "scriptdir",
	"sm-register", "sm-attach", "sm-unregister", "sm-remove", "sm-credentials",
	"firstboot-install", "mount-options",
};

/* The customize kind of an option name, or -1. */
static int cu_kind(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cu_opts); i++)
		if (strcmp(cu_opts[i].name, name) == 0)
			return (int)cu_opts[i].kind;
	return -1;
}

static bool is_refused(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		if (strcmp(refused[i], name) == 0)
			return true;
	return false;
}

static void *xrealloc(void *p, size_t size);
static char *xstrdup(const char *s);

/* An option as the appliance's vm-sysprep gets it. */
static void ap_record(struct sysprep *s, const char *name, const char *arg)
{
	s->ap_args = xrealloc(s->ap_args, (s->nap_args + 3) * sizeof(*s->ap_args));
	if (asprintf(&s->ap_args[s->nap_args], "--%s", name) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	s->nap_args++;
	if (arg)
		s->ap_args[s->nap_args++] = xstrdup(arg);
	s->ap_args[s->nap_args] = NULL;
}

/*
 * A host file or tree an option reads, carried into the appliance as
 * /vs/files/N/BASENAME (the base name kept: --copy-in and --firstboot use
 * it); the name inside, malloc'd.
 */
static char *ap_hostfile(struct sysprep *s, const char *host)
{
	size_t len = strlen(host), n = s->nap_files / 2;
	const char *base;
	char *name, *inner;

	while (len > 1 && host[len - 1] == '/')
		len--;
	base = memrchr(host, '/', len);
	base = base ? base + 1 : host;
	if (asprintf(&name, "vs/files/%zu/%.*s", n, (int)(len - (size_t)(base - host)), base) < 0 ||
	    asprintf(&inner, "/%s", name) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	s->ap_files = xrealloc(s->ap_files, (s->nap_files + 3) * sizeof(*s->ap_files));
	s->ap_files[s->nap_files++] = strndup(host, len);
	s->ap_files[s->nap_files++] = name;
	s->ap_files[s->nap_files] = NULL;
	if (!s->ap_files[s->nap_files - 2])
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return inner;
}

/* Where a password selector names a file: after "[locked:]file:". */
static const char *sel_file(const char *sel)
{
	if (sel && !strncmp(sel, "locked:", 7))
		sel += 7;
	return sel && !strncmp(sel, "file:", 5) ? sel + 5 : NULL;
}

/* A customize option recorded for the appliance, the host file it reads
 * (--upload, --copy-in, --firstboot, file: keys and passwords) renamed to
 * its copy inside. */
static void ap_record_cu(struct sysprep *s, enum vs_cu_kind k, const char *name,
			 const char *arg)
{
	const char *p = NULL, *end = NULL, *colon = strchr(arg, ':');
	char *host, *inner, *rew;

	switch (k) {
	case VS_CU_UPLOAD: case VS_CU_COPY_IN: p = arg; end = colon; break;
	case VS_CU_FIRSTBOOT: case VS_CU_RUN: p = arg; break;
	case VS_CU_SSH_INJECT:
		p = colon && !strncmp(colon + 1, "file:", 5) ? colon + 6 : NULL;
		break;
	case VS_CU_PASSWORD: p = sel_file(colon ? colon + 1 : NULL); break;
	case VS_CU_ROOT_PASSWORD: p = sel_file(arg); break;
	default: break;
	}
	if (!p) {
		ap_record(s, name, arg);
		return;
	}
	if (asprintf(&host, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	inner = ap_hostfile(s, host);
	if (asprintf(&rew, "%.*s%s%s", (int)(p - arg), arg, inner, end ? end : "") < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	ap_record(s, name, rew);
	free(host);
	free(inner);
	free(rew);
}

/*
 * --commands-from-file FILE: virt-customize's file of customize options,
 * one a line without its dashes ("hostname web2"), '#' comments; added
 * where the option stands on the command line.
 */
static void commands_from_file(struct sysprep *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf, *save = NULL;
	size_t len;
	int r;

	if (fd < 0)
		vu_die(VU_EXIT_USAGE, "--commands-from-file: %s", path);
	r = vu_read_all(fd, XML_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		vu_diec(VU_EXIT_USAGE, -r, "--commands-from-file: %s", path);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct vu_err e = { 0 };
		char *arg;
		int k;

		l += strspn(l, " \t");
		arg = l + strcspn(l, " \t");
		if (!*l || *l == '#')
			continue;
		if (*arg)
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		k = cu_kind(l);
		if (k < 0 && is_refused(l))
			vu_die_usage(VU_EXIT_USAGE, "%s: %s: needs the guest's own programs (an "
				     "appliance), which the in-place path does not run", path, l);
		if (k < 0)
			vu_die_usage(VU_EXIT_USAGE, "%s: '%s' is not a customize command", path, l);
		if (vs_cu_add(&s->cu, (enum vs_cu_kind)k, arg, &e) < 0)
			vu_die_usage(VU_EXIT_USAGE, "%s: %s", path, vu_err_str(&e));
		ap_record_cu(s, (enum vs_cu_kind)k, l, arg);
	}
	free(buf);
}

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (!q)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return d;
}

static char **split_users(const char *opt, const char *list)
{
	char *copy = xstrdup(list), *save = NULL, **v = NULL;
	size_t n = 0;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = xstrdup(w);
		v[n] = NULL;
	}
	free(copy);
	if (!n)
		vu_die_usage(VU_EXIT_USAGE, "%s: empty user list", opt);
	return v;
}

static void add_disk(struct sysprep *s, const char *path, const char *format)
{
	if (s->ndisks == MAX_DISKS)
		vu_die_usage(VU_EXIT_USAGE, "too many disks (at most %d)", MAX_DISKS);
	s->disks[s->ndisks++] = (struct vu_guest_disk){ path, format };
}

static void set_format(struct sysprep *s, const char *f)
{
	if (strcmp(f, "auto") == 0)
		s->format = NULL;
	else if (strcmp(f, "raw") == 0 || strcmp(f, "qcow2") == 0)
		s->format = f;
	else
		vu_die_usage(VU_EXIT_USAGE, "--format: unsupported format '%s' (raw, qcow2, auto)", f);
}

static void parse_one(struct sysprep *s, int ch, const struct option *lo, int idx)
{
	struct vu_err e = { 0 };

	switch (ch) {
	case 'a': add_disk(s, optarg, s->format); break;
	case OPT_FORMAT: set_format(s, optarg); break;
	case 'd': s->domain = optarg; break;
	case OPT_DOMAIN_XML: s->xml_path = optarg; break;
	case OPT_ROOT: case OPT_CONNECT:
		if (ch == OPT_CONNECT && !vu_state_uri_known(optarg))
			vu_die_usage(VU_EXIT_USAGE, "--connect: unsupported URI '%s'", optarg);
		s->root = optarg;
		break;
	case OPT_OPERATIONS:
		s->ops_given = true;
		if (vs_ops_apply(&s->ops, optarg, &e) < 0)
			vu_die_usage(VU_EXIT_USAGE, "--operations: %s", vu_err_str(&e));
		break;
	case OPT_LIST_OPERATIONS: vs_ops_list(stdout); exit(VU_EXIT_OK);
	case 'n': s->ctx.dry_run = true; break;
	case OPT_KEEP_USERS:
		s->ctx.keep_users = split_users("--keep-user-accounts", optarg);
		ap_record(s, lo[idx].name, optarg);
		break;
	case OPT_REMOVE_USERS:
		s->ctx.remove_users = split_users("--remove-user-accounts", optarg);
		ap_record(s, lo[idx].name, optarg);
		break;
	case OPT_SCRUB: s->ctx.scrub = true; break;
	case OPT_SELINUX_RELABEL: s->no_relabel = false; break;
	case OPT_NO_SELINUX_RELABEL: s->no_relabel = true; break;
	case OPT_APPLIANCE_KERNEL: s->kernel = optarg; break;
	case OPT_NETWORK:
		vu_die_usage(VU_EXIT_USAGE, "--network: vm-sysprep edits the image in place, with no "
			     "appliance and no network: use --no-network (the default)");
	case OPT_NO_NETWORK: break;
	case OPT_COMMANDS_FILE: commands_from_file(s, optarg); break;
	case OPT_PASSWORD_CRYPTO:
		if (strcmp(optarg, "sha512") == 0)
			s->crypto = "$6$";
		else if (strcmp(optarg, "sha256") == 0)
			s->crypto = "$5$";
		else if (strcmp(optarg, "md5") == 0)
			s->crypto = "$1$";
		else
			vu_die_usage(VU_EXIT_USAGE, "--password-crypto: '%s': use md5, sha256 or "
				     "sha512", optarg);
		ap_record(s, lo[idx].name, optarg);	/* the appliance hashes too */
		break;
	case OPT_REFUSED:
		vu_die_usage(VU_EXIT_USAGE, "--%s: needs the guest's own programs (an appliance), "
			     "which the in-place path does not run", lo[idx].name);
	case 'q': s->ctx.quiet = true; break;
	case 'v': case 'x': s->ctx.verbose = true; break;
	case 'h': usage();
	case 'V': vu_print_version();
	default:
		if (ch >= OPT_CU_BASE && vs_cu_add(&s->cu, (enum vs_cu_kind)(ch - OPT_CU_BASE),
						   optarg, &e) < 0)
			vu_die_usage(VU_EXIT_USAGE, "%s", vu_err_str(&e));
		if (ch >= OPT_CU_BASE)
			ap_record_cu(s, (enum vs_cu_kind)(ch - OPT_CU_BASE), lo[idx].name, optarg);
		if (ch < OPT_CU_BASE)
			vu_die_tryhelp(VU_EXIT_USAGE);
	}
}

static struct option *long_options(void)
{
	static const struct option fixed[] = {
		{ "add", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "domain", required_argument, NULL, 'd' },
		{ "domain-xml", required_argument, NULL, OPT_DOMAIN_XML },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "operations", required_argument, NULL, OPT_OPERATIONS },
		{ "operation", required_argument, NULL, OPT_OPERATIONS },
		{ "enable", required_argument, NULL, OPT_OPERATIONS },
		{ "list-operations", no_argument, NULL, OPT_LIST_OPERATIONS },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "dryrun", no_argument, NULL, 'n' },
		{ "keep-user-accounts", required_argument, NULL, OPT_KEEP_USERS },
		{ "remove-user-accounts", required_argument, NULL, OPT_REMOVE_USERS },
		{ "scrub", no_argument, NULL, OPT_SCRUB },
		{ "selinux-relabel", no_argument, NULL, OPT_SELINUX_RELABEL },
		{ "no-selinux-relabel", no_argument, NULL, OPT_NO_SELINUX_RELABEL },
		{ "network", no_argument, NULL, OPT_NETWORK },
		{ "no-network", no_argument, NULL, OPT_NO_NETWORK },
		{ "commands-from-file", required_argument, NULL, OPT_COMMANDS_FILE },
		{ "appliance-kernel", required_argument, NULL, OPT_APPLIANCE_KERNEL },
		{ "password-crypto", required_argument, NULL, OPT_PASSWORD_CRYPTO },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	size_t nf = ARRAY_SIZE(fixed), nc = ARRAY_SIZE(cu_opts), nr = ARRAY_SIZE(refused);
	struct option *lo = xrealloc(NULL, (nf + nc + nr + 1) * sizeof(*lo));

	memset(lo, 0, (nf + nc + nr + 1) * sizeof(*lo));
	memcpy(lo, fixed, sizeof(fixed));
	for (size_t i = 0; i < nc; i++)
		lo[nf + i] = (struct option){ cu_opts[i].name, required_argument, NULL,
					      OPT_CU_BASE + (int)cu_opts[i].kind };
	for (size_t i = 0; i < nr; i++)
		lo[nf + nc + i] = (struct option){ refused[i], optional_argument, NULL, OPT_REFUSED };
	return lo;
}

static void parse_args(struct sysprep *s, int argc, char **argv)
{
	struct option *lo = long_options();
	int ch, idx = 0;

	while ((ch = getopt_long(argc, argv, "a:d:nqvxhV", lo, &idx)) != -1)
		parse_one(s, ch, lo, idx);
	free(lo);
	if (optind < argc && strcmp(argv[optind], "-") == 0 && !s->xml_path) {
		s->xml_path = "-";
		optind++;
	}
	if (optind < argc)
		vu_die_usage(VU_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!s->in_appliance && !!s->ndisks + !!s->domain + !!s->xml_path != 1)
		vu_die_usage(VU_EXIT_USAGE, "give the guest's disks with -a, or -d DOMAIN, or "
			     "--domain-xml FILE (one of them)");
	if (!s->ops_given)
		s->ops = vs_ops_defaults();
	for (size_t i = 0; i < s->cu.n; i++)
		s->cu.v[i].pw.method = s->crypto;
}

/* ---- the disks ---- */

static void disks_of(struct sysprep *s, struct vu_domain *dom)
{
	for (xmlNodePtr n = vu_domain_dev_next(dom, "disk", NULL); n;
	     n = vu_domain_dev_next(dom, "disk", n)) {
		struct vu_disk d;

		if (vu_disk_get(n, &d) < 0)
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		/* A read-only disk is not the guest's to change (a shared
		 * image, a golden copy): left out, as a CD-ROM is. */
		if ((!d.device || strcmp(d.device, "disk") == 0) && d.source && !d.readonly) {
			const char *fmt = d.driver_type && (!strcmp(d.driver_type, "raw") ||
							    !strcmp(d.driver_type, "qcow2")) ?
					  d.driver_type : NULL;

			if (d.driver_type && !fmt)
				vu_diex(VU_EXIT_FAIL, "%s: unsupported disk format '%s'", d.source,
					d.driver_type);
			add_disk(s, xstrdup(d.source), fmt ? xstrdup(fmt) : NULL);
			d.source = NULL;
		}
		vu_disk_clear(&d);
	}
	if (!s->ndisks)
		vu_diex(VU_EXIT_FAIL, "the domain has no disk with a file or device source");
}

static void read_xml(struct sysprep *s)
{
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	const char *what = strcmp(s->xml_path, "-") ? s->xml_path : "stdin";
	int fd = strcmp(s->xml_path, "-") ? open(s->xml_path, O_RDONLY | O_CLOEXEC) : 0;
	int r;

	if (fd < 0)
		vu_die(VU_EXIT_FAIL, "%s", what);
	r = vu_read_all(fd, XML_MAX, &s->xml, &s->xml_len);
	if (fd > 0)
		close(fd);
	if (r < 0)
		vu_diec(VU_EXIT_FAIL, -r, "%s", what);
	if (vu_domain_parse(&dom, s->xml, s->xml_len, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", what, vu_err_str(&e));
	disks_of(s, dom);
	vu_domain_free(&dom);
}

static void load_domain(struct sysprep *s)
{
	struct vu_state st = { 0 };
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	int r;

	if ((r = vu_state_resolve(&st, s->root)) < 0)
		vu_diec(VU_EXIT_FAIL, -r, "state root");
	if (vu_state_prepare(&st, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "state root: %s", vu_err_str(&e));
	r = vu_domaindb_load(&st, s->domain, &dom, &e);
	if (r == -ENOENT)
		vu_diex(VU_EXIT_FAIL, "%s: domain not found", s->domain);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", s->domain, vu_err_str(&e));
	r = vs_domain_running(&st, s->domain);
	if (r < 0)
		vu_diec(VU_EXIT_FAIL, -r, "%s: cannot tell whether it runs", s->domain);
	if (r > 0)
		vu_diex(VU_EXIT_FAIL, "%s: the domain is running: shut it down first", s->domain);
	disks_of(s, dom);
	vu_domain_free(&dom);
	vu_state_free(&st);
}

/*
 * As virt-sysprep: a disk QEMU has open is not touched, not even read.
 * (vu_guest_open then holds QEMU's locks for the run, so that nothing
 * starts on the disk meanwhile.)
 */
static void check_in_use(const struct sysprep *s)
{
	for (size_t i = 0; i < s->ndisks; i++) {
		int r = vs_disk_locked(s->disks[i].path);

		if (r < 0)
			vu_diec(VU_EXIT_FAIL, -r, "%s", s->disks[i].path);
		if (r > 0)
			vu_diex(VU_EXIT_FAIL, "%s: the disk is in use (QEMU or another tool holds "
				"its lock): shut the guest down first", s->disks[i].path);
	}
}

/* ---- the run ---- */

static noreturn void op_failed(struct sysprep *s, const char *op)
{
	struct vs_ctx *c = &s->ctx;
	struct vu_err e = { 0 };

	/* What is done stays done, consistently: unmount and flush. */
	vu_guest_close(&c->g, &e);
	if (c->epath)
		vu_diex(VU_EXIT_FAIL, "%s: %s: %s", op, c->epath, vu_err_str(&c->e));
	vu_diex(VU_EXIT_FAIL, "%s: %s", op, vu_err_str(&c->e));
}

static void say(const struct sysprep *s, const char *fmt, ...)
{
	va_list ap;

	if (s->ctx.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Name order, but customize after the removals (what it adds, an SSH key
 * or a first-boot script, must not be removed by ssh-userdir or
 * tmp-files), and the UUID changes last, after every edit of the files
 * that name the filesystems.
 */
static int rank(size_t i)
{
	if (!strcmp(vs_ops[i].name, "customize"))
		return 1;
	return !strcmp(vs_ops[i].name, "fs-uuids") || !strcmp(vs_ops[i].name, "lvm-uuids") ? 2 : 0;
}

static void run_op(struct sysprep *s, size_t i)
{
	const struct vs_op *op = &vs_ops[i];
	int r = 0;

	say(s, "Performing \"%s\" ...", op->name);
	s->ctx.op = op->name;
	if (op->paths)
		r = vs_run_paths(&s->ctx, op->paths);
	if (r == 0 && op->fn)
		r = op->fn(&s->ctx);
	if (r < 0)
		op_failed(s, op->name);
	s->ctx.op = NULL;
}

static void relabel(struct sysprep *s)
{
	const struct vu_guest_os *os = vu_guest_os(s->ctx.g);

	if (s->no_relabel || !os || !os->selinux || !s->ctx.changes)
		return;
	s->ctx.op = "selinux-relabel";
	if (!vu_guest_exists(s->ctx.g, "/.autorelabel") && vs_touch(&s->ctx, "/.autorelabel") < 0)
		op_failed(s, "selinux-relabel");
}

/* The guest as a whole failed: its one disk named, unless the message
 * already names a disk. */
static noreturn void guest_failed(const struct sysprep *s, const struct vu_err *e)
{
	const char *msg = vu_err_str(e);

	for (size_t i = 0; i < s->ndisks; i++)
		if (strncmp(msg, s->disks[i].path, strlen(s->disks[i].path)) == 0)
			vu_diex(VU_EXIT_FAIL, "%s", msg);
	vu_diex(VU_EXIT_FAIL, "%s: %s", s->ndisks == 1 ? s->disks[0].path : "guest", msg);
}

/* ---- the appliance path ---- */

/* The in-place path has no guest programs to run. */
static void refuse_run(struct sysprep *s)
{
	for (size_t i = 0; i < s->cu.n; i++)
		if (s->cu.v[i].kind == VS_CU_RUN || s->cu.v[i].kind == VS_CU_RUN_COMMAND) {
			vu_guest_close(&s->ctx.g, NULL);
			vu_die_usage(VU_EXIT_USAGE, "--%s: needs the guest's own programs, which only "
				     "the appliance path (XFS, btrfs guests) runs",
				     s->cu.v[i].kind == VS_CU_RUN ? "run" : "run-command");
		}
}

/* Runs of the guest's programs need its /dev, /proc and /sys. */
static bool has_run(const struct sysprep *s)
{
	for (size_t i = 0; i < s->cu.n; i++)
		if (s->cu.v[i].kind == VS_CU_RUN || s->cu.v[i].kind == VS_CU_RUN_COMMAND)
			return true;
	return false;
}


static void ap_add(char ***v, size_t *n, const char *arg)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(arg);
	(*v)[*n] = NULL;
}

/* The options the appliance's vm-sysprep runs with: the operations chosen
 * here as a list, the flags, then the recorded options in their order. */
static char **ap_argv(struct sysprep *s)
{
	char **v = NULL, *ops = NULL;
	size_t n = 0, len = 0;
	FILE *f = open_memstream(&ops, &len);
	bool first = true;

	if (!f)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (size_t i = 0; i < VS_NOPS; i++)
		if (s->ops >> i & 1) {
			fprintf(f, "%s%s", first ? "" : ",", vs_ops[i].name);
			first = false;
		}
	fclose(f);
	ap_add(&v, &n, "--operations");
	ap_add(&v, &n, ops);
	free(ops);
	if (s->ctx.dry_run)
		ap_add(&v, &n, "--dry-run");
	if (s->ctx.quiet)
		ap_add(&v, &n, "--quiet");
	if (s->ctx.verbose)
		ap_add(&v, &n, "--verbose");
	if (s->ctx.scrub)
		ap_add(&v, &n, "--scrub");
	if (s->no_relabel)
		ap_add(&v, &n, "--no-selinux-relabel");
	for (size_t i = 0; i < s->nap_args; i++)
		ap_add(&v, &n, s->ap_args[i]);
	return v;
}

/* XFS or btrfs: the same operations, run by vm-sysprep inside the
 * appliance; its messages are relayed, its exit status is ours. */
static void run_appliance(struct sysprep *s, const char *type, struct vs_appliance *ap)
{
	struct vu_err e = { 0 };
	vs_opset ops = s->ops;
	int r;

	ap->kernel = s->kernel;
	ap->disks = s->disks;
	ap->ndisks = s->ndisks;
	ap->readonly = s->ctx.dry_run;
	ap->verbose = s->ctx.verbose;
	ap->files = s->ap_files;
	ap->binds = has_run(s);
	int lvm = vs_op_index("lvm-uuids"), fsu = vs_op_index("fs-uuids");

	/* The UUID changes work on devices, which the appliance's vm-sysprep
	 * does not have. LVM's metadata is ours to edit in place: lvm-uuids
	 * runs here once the appliance is done. fs-uuids would have to change
	 * XFS's superblock: refused. */
	if (fsu >= 0 && (s->ops >> fsu & 1))
		vu_diex(VU_EXIT_FAIL, "fs-uuids: not available on the appliance path (%s)", type);
	if (lvm >= 0)
		s->ops &= ~((vs_opset)1 << lvm);
	lvm = lvm >= 0 && (ops >> lvm & 1) ? lvm : -1;
	if (!s->ops)
		goto host;
	say(s, "%s: running the operations in the appliance (QEMU, TCG) ...", type);
	ap->args = ap_argv(s);
	r = vs_ap_run(ap, &e);
	vs_strv_free(ap->args);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "appliance: %s", vu_err_str(&e));
	if (r != VU_EXIT_OK)
		exit(r == VU_EXIT_USAGE ? VU_EXIT_USAGE : VU_EXIT_FAIL);
host:
	if (lvm < 0)
		return;
	if (vu_guest_open(&s->ctx.g, s->disks, s->ndisks, s->ctx.dry_run ? 0 : VU_GUEST_RDWR,
			  &e) < 0)
		guest_failed(s, &e);
	run_op(s, (size_t)lvm);
	if (vu_guest_close(&s->ctx.g, &e) < 0)
		guest_failed(s, &e);
}

/* Opens the guest: its images, or, inside the appliance, the tree /init
 * mounted. */
static int open_guest(struct sysprep *s, struct vu_err *e)
{
	unsigned flags = s->ctx.dry_run ? 0 : VU_GUEST_RDWR;

	if (s->in_appliance)
		return vu_guest_open_dir(&s->ctx.g, VS_AP_ROOT, flags, e);
	return vu_guest_open(&s->ctx.g, s->disks, s->ndisks, flags, e);
}

static void run(struct sysprep *s)
{
	struct vu_err e = { 0 };
	const char *ap_type;
	int r;

	s->ctx.cu = &s->cu;
	say(s, "Examining the guest ...");
	r = open_guest(s, &e);
	if (r == 0 && !s->in_appliance && (ap_type = vs_ap_needed(s->ctx.g))) {
		struct vs_appliance ap = { 0 };

		if (vs_ap_probe(s->ctx.g, &ap) < 0)
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		vu_guest_close(&s->ctx.g, NULL);	/* QEMU takes the images' locks */
		run_appliance(s, ap_type, &ap);
		free(ap.lvs);
		return;
	}
	if (r < 0)
		guest_failed(s, &e);
	if (!s->in_appliance)
		refuse_run(s);
	if (vu_guest_mount_all(s->ctx.g, &e) < 0) {
		vu_guest_close(&s->ctx.g, NULL);
		guest_failed(s, &e);
	}
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < VS_NOPS; i++)
			if ((s->ops >> i & 1) && rank(i) == pass)
				run_op(s, i);
	relabel(s);
	if (vu_guest_close(&s->ctx.g, &e) < 0)
		guest_failed(s, &e);
	if (s->ctx.dry_run)
		say(s, "Dry run: %u change%s would be made; nothing was changed.", s->ctx.changes,
		    s->ctx.changes == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	struct sysprep s = { 0 };

	atexit(vu_close_stdout_atexit);
	/* Inside the appliance: /init passes the options file (vs_ap_run). */
	if (argc == 3 && !strcmp(argv[1], "--in-appliance")) {
		int r = vs_ap_read_args(argv[2], argv[0], &argv, &argc);

		if (r < 0)
			vu_diec(VU_EXIT_FAIL, -r, "%s", VS_AP_ARGS);
		s.in_appliance = true;
	}
	parse_args(&s, argc, argv);
	if (s.xml_path)
		read_xml(&s);
	else if (s.domain)
		load_domain(&s);
	if (!s.in_appliance)
		check_in_use(&s);
	run(&s);
	/* The pipe goes on: the domain XML, as it came. */
	if (s.xml && vu_write_all(STDOUT_FILENO, s.xml, s.xml_len) < 0)
		vu_die(VU_EXIT_FAIL, "stdout");
	vs_cu_free(&s.cu);
	free(s.xml);
	return VU_EXIT_OK;
}
