/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-clone - give a domain a new identity and copy or link its disks (virt-clone) */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdnoreturn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/caps.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/domainxml.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/ident.h"
#include "vu/opts.h"
#include "vu/state.h"
#include "vu/storage.h"

#include "vm-clone.h"

enum {
	OPT_ORIGINAL_XML = CHAR_MAX + 1, OPT_NVRAM, OPT_PRESERVE, OPT_NONSPARSE, OPT_REFLINK,
	OPT_SKIP_COPY, OPT_FORCE_COPY, OPT_REPLACE, OPT_PRINT_XML, OPT_DEFINE, OPT_CONNECT,
	OPT_CHECK, OPT_LINKED, OPT_ROOT,
};

/* A list of option arguments, in the order given. */
struct list {
	char **v;
	size_t n;
};

struct clone {
	const char *original, *original_xml, *name, *uuid, *nvram, *root, *connect;
	bool auto_clone, preserve, nonsparse, reflink, replace, print_xml, define, linked;
	bool quiet, verbose, progress, check_macs;
	struct list files, macs, skip, force;

	struct vu_state st;
	struct vu_domain *dom;
	char *old_name, *new_name;
	struct vc_disks disks;
	char *nvram_old, *nvram_new;
	struct vc_job *jobs;
	size_t njobs;
	struct vc_resv *resv;		/* names and paths held */
	size_t nresv;
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s --original NAME | --original-xml FILE|- [options]\n",
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Give a domain a new identity (name, UUID, MACs) and copy or link its disks,\n"
	     "as virt-clone does. The clone's XML goes to stdout, or into the state root\n"
	     "with --define.");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts(" -o, --original NAME      the domain to clone, defined in the state root\n"
	     "     --original-xml FILE  the domain XML to clone ('-': stdin)\n"
	     " -n, --name NAME          the clone's name\n"
	     " -A, --auto-clone         make up the name and disk paths (NAME-clone,\n"
	     "                            DISK-clone.EXT beside each disk)\n"
	     " -f, --file PATH          a new path for each disk copied, in order\n"
	     " -m, --mac MAC|RANDOM     a MAC for each interface, in order (default RANDOM)\n"
	     " -u, --uuid UUID          the clone's UUID (default: a new random one)\n"
	     "     --nvram PATH         where to copy the UEFI variables\n"
	     "                            (default: NEWNAME_VARS.fd beside the original's)\n"
	     "     --preserve-data      copy nothing: each --file exists already\n"
	     "     --nonsparse          allocate the copies in full\n"
	     "     --reflink            share the original's extents (FICLONE), or fail\n"
	     "     --linked             make each disk a qcow2 overlay on the original\n"
	     "     --skip-copy TARGET   let the clone share this disk (e.g. vdb)\n"
	     "     --force-copy TARGET  copy this disk even if read-only or shareable\n"
	     "     --replace            replace a defined domain of the same name, and\n"
	     "                            existing target files\n"
	     "     --print-xml          print the clone's XML, copy nothing\n"
	     "     --define             store the clone in the state root\n"
	     "     --connect URI        qemu:///system or qemu:///session: which state root\n"
	     "     --root DIR           the state root (default $VIRTUTILS_ROOT, else\n"
	     "                            /var/lib/virtutils for root)\n"
	     "     --check OPT=on|off   mac_in_use=off: allow a MAC another domain has\n"
	     " -p, --progress           show the progress of copies\n"
	     " -d, --debug              the same as --verbose");
	fputs(VU_USAGE_COMMON, stdout);
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("vm-clone(1)"), stdout);
	exit(VU_EXIT_OK);
}

static void push(struct list *l, char *arg)
{
	char **v = realloc(l->v, (l->n + 2) * sizeof(*v));

	if (!v)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	l->v = v;
	l->v[l->n++] = arg;
	l->v[l->n] = NULL;
}

static void say(const struct clone *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Releases what is held and removes what was made: the one way out on
 * failure, so that nothing is left half-done. */
static void cleanup(struct clone *c)
{
	if (c->jobs)
		vc_rollback(c->jobs, c->njobs);
	for (size_t i = 0; i < c->nresv; i++)
		vc_release(&c->st, &c->resv[i]);
	c->nresv = 0;
}

static noreturn void __attribute__((format(printf, 2, 3))) fail(struct clone *c,
								  const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cleanup(c);
	vu_diex(VU_EXIT_FAIL, "%s", msg);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return p;
}

static char *xabsolute(const char *path)
{
	char *out;

	if (vu_path_absolute(path, &out) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	return out;
}

/* --check a=on,b=off: virt-clone's checks; mac_in_use (or all) can be
 * turned off, the others are accepted. */
static void parse_check(struct clone *c, char *arg)
{
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		bool off;

		if (!eq || (strcmp(eq + 1, "on") && strcmp(eq + 1, "off"))) {
			vu_die_usage(VU_EXIT_USAGE, "--check: expected NAME=on|off, got '%s'", kv);
		} else {
			off = strcmp(eq + 1, "off") == 0;
			*eq = '\0';
			if (strcmp(kv, "mac_in_use") == 0 || strcmp(kv, "all") == 0)
				c->check_macs = !off;
			else if (strcmp(kv, "path_in_use") && strcmp(kv, "disk_size") &&
				 strcmp(kv, "path_exists"))
				vu_die_usage(VU_EXIT_USAGE, "--check: unknown check '%s'", kv);
		}
	}
}

/* --connect: the state root vm-create's URIs name (vu_state_resolve). */
static void parse_connect(struct clone *c, const char *uri)
{
	if (!vu_state_uri_known(uri))
		vu_die_usage(VU_EXIT_USAGE, "--connect: unsupported URI '%s' (qemu:///system or "
			     "qemu:///session)", uri);
	c->connect = uri;
}

static const vu_excl_t excl[] = {
	{ 'o', OPT_ORIGINAL_XML },
	{ OPT_PRESERVE, OPT_NONSPARSE, OPT_REFLINK, OPT_LINKED },
	{ OPT_PRINT_XML, OPT_DEFINE },
	{ 0 }
};

static void parse_args(struct clone *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "original", required_argument, NULL, 'o' },
		{ "original-xml", required_argument, NULL, OPT_ORIGINAL_XML },
		{ "name", required_argument, NULL, 'n' },
		{ "auto-clone", no_argument, NULL, 'A' },
		{ "file", required_argument, NULL, 'f' },
		{ "mac", required_argument, NULL, 'm' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "nvram", required_argument, NULL, OPT_NVRAM },
		{ "preserve-data", no_argument, NULL, OPT_PRESERVE },
		{ "nonsparse", no_argument, NULL, OPT_NONSPARSE },
		{ "reflink", no_argument, NULL, OPT_REFLINK },
		{ "linked", no_argument, NULL, OPT_LINKED },
		{ "skip-copy", required_argument, NULL, OPT_SKIP_COPY },
		{ "force-copy", required_argument, NULL, OPT_FORCE_COPY },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "print-xml", no_argument, NULL, OPT_PRINT_XML },
		{ "define", no_argument, NULL, OPT_DEFINE },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "progress", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int status[ARRAY_SIZE(excl)] = { 0 }, ch;
	char mac[VU_MAC_STRLEN], uuid[VU_UUID_STRLEN];

	c->check_macs = true;
	while ((ch = getopt_long(argc, argv, "o:n:Af:m:u:pqvdhV", longopts, NULL)) != -1) {
		vu_excl_check(excl, status, ch, longopts, VU_EXIT_USAGE);
		switch (ch) {
		case 'o': c->original = optarg; break;
		case OPT_ORIGINAL_XML: c->original_xml = optarg; break;
		case 'n': c->name = optarg; break;
		case 'A': c->auto_clone = true; break;
		case 'f': push(&c->files, optarg); break;
		case 'm':
			if (strcmp(optarg, "RANDOM") && vu_mac_normalize(optarg, mac) < 0)
				vu_die_usage(VU_EXIT_USAGE, "--mac: invalid MAC address '%s'", optarg);
			push(&c->macs, optarg);
			break;
		case 'u':
			if (vu_uuid_normalize(optarg, uuid) < 0)
				vu_die_usage(VU_EXIT_USAGE, "--uuid: invalid UUID '%s'", optarg);
			c->uuid = optarg;
			break;
		case OPT_NVRAM: c->nvram = optarg; break;
		case OPT_PRESERVE: c->preserve = true; break;
		case OPT_NONSPARSE: c->nonsparse = true; break;
		case OPT_REFLINK: c->reflink = true; break;
		case OPT_LINKED: c->linked = true; break;
		case OPT_SKIP_COPY: push(&c->skip, optarg); break;
		case OPT_FORCE_COPY: push(&c->force, optarg); break;
		case OPT_REPLACE: c->replace = true; break;
		case OPT_PRINT_XML: c->print_xml = true; break;
		case OPT_DEFINE: c->define = true; break;
		case OPT_CONNECT: parse_connect(c, optarg); break;
		case OPT_ROOT: c->root = optarg; break;
		case OPT_CHECK: parse_check(c, optarg); break;
		case 'p': c->progress = true; break;
		case 'q': c->quiet = true; break;
		case 'v': case 'd': c->verbose = true; break;
		case 'h': usage();
		case 'V': vu_print_version();
		default: vu_die_tryhelp(VU_EXIT_USAGE);
		}
	}
	if (optind < argc)
		vu_die_usage(VU_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	/* virt-clone's words for what it needs. */
	if (!c->original && !c->original_xml)
		vu_die_usage(VU_EXIT_USAGE, "An original machine name is required, use "
			     "'--original src_name' and try again.");
	if (!c->files.n && !c->auto_clone)
		vu_die_usage(VU_EXIT_USAGE, "Either --auto-clone or --file is required, use "
			     "'--auto-clone or --file' and try again.");
	if (!c->name && !c->auto_clone)
		vu_die_usage(VU_EXIT_USAGE, "A name is required for the new virtual machine, use "
			     "'--name NEW_VM_NAME' to specify one.");
	if (c->name && (vu_name_check(c->name) < 0 || strspn(c->name, "0123456789") ==
							  strlen(c->name)))
		vu_die_usage(VU_EXIT_USAGE, "--name: invalid domain name '%s'", c->name);
}

/* ---- the source ---- */

static void load_source(struct clone *c)
{
	struct vu_err e = { 0 };
	const char *obj = c->original ? c->original : c->original_xml;
	int r;

	if (c->original)
		r = vu_domaindb_load(&c->st, c->original, &c->dom, &e);
	else
		r = vu_domain_load(&c->dom, c->original_xml, &e);
	if (r == -ENOENT && c->original)
		vu_diex(VU_EXIT_FAIL, "Domain '%s' was not found.", c->original);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", strcmp(obj, "-") ? obj : "stdin", vu_err_str(&e));
	if (vu_domain_get_name(c->dom, &c->old_name) < 0)
		c->old_name = NULL;
	if (!c->old_name && c->auto_clone && !c->name)
		vu_diex(VU_EXIT_FAIL, "%s: the domain has no name to make a clone's name from", obj);
}

/* type='volume' disks name a pool and a volume: found through the
 * storage pools, as libvirt would (the pools are opened only then). */
static void find_volumes(struct clone *c)
{
	struct vu_storage s;
	bool open = false;

	for (size_t i = 0; i < c->disks.n; i++) {
		struct vc_disk *d = &c->disks.d[i];
		char *pool = NULL, *vol = NULL;
		struct vu_vol *v = NULL;
		struct vu_err e = { 0 };

		if (strcmp(d->type, "volume") != 0)
			continue;
		vu_node_get(d->node, "source", "pool", &pool);
		vu_node_get(d->node, "source", "volume", &vol);
		if (pool && vol && !open) {
			if (vu_storage_open(&s, c->root ? c->root : c->connect, &e) < 0)
				vu_diex(VU_EXIT_FAIL, "state root: %s", vu_err_str(&e));
			open = true;
		}
		if (pool && vol && vu_vol_lookup(&s, pool, vol, &v, &e) == 0 &&
		    vc_disk_set_volume(d, v->path, v->format) < 0)
			vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
		if (pool && vol && !v)
			vu_warnx("%s: volume '%s' of pool '%s': %s", d->target, vol, pool,
				 vu_err_str(&e));
		vu_vol_free(&v);
		free(pool);
		free(vol);
	}
	if (open)
		vu_storage_close(&s);
}

/* A running QEMU writes its disks: a copy would be torn. */
static void check_running(struct clone *c)
{
	int r;

	if (!c->original || !vc_disks_copying(&c->disks) || c->print_xml)
		return;
	r = vu_domaindb_running(&c->st, c->original);
	if (r < 0)
		vu_diec(VU_EXIT_FAIL, -r, "%s: cannot tell whether it runs", c->original);
	if (r > 0)
		vu_diex(VU_EXIT_FAIL, "Domain to clone must be shutoff.");
}

/* Copying or defining makes something that others must not take. */
static bool creates(const struct clone *c)
{
	return !c->print_xml;
}

static void hold(struct clone *c, struct vc_resv *r)
{
	struct vc_resv *v = realloc(c->resv, (c->nresv + 1) * sizeof(*v));

	if (!v)
		fail(c, "cannot allocate memory");
	c->resv = v;
	c->resv[c->nresv++] = *r;
}

static bool defined(const struct clone *c, const char *name)
{
	struct stat st;
	char *xml;
	bool there;

	if (asprintf(&xml, "%s/domains/%s.xml", c->st.root, name) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	there = lstat(xml, &st) == 0;
	free(xml);
	return there;
}

/*
 * A name given with -n is held as --auto-clone's are, before anything is
 * copied: of clones racing for one name, the losers stop here instead of
 * copying every disk to fail at define. --replace holds it too, so two
 * replacements never copy at once.
 */
static void hold_given_name(struct clone *c)
{
	struct vc_resv r;
	int rc;

	if (!creates(c))
		return;
	rc = c->replace ? vc_reserve_replace(&c->st, c->new_name, &r) :
	     vc_reserve_name(&c->st, c->new_name, &r);
	if (rc == -EEXIST && !c->replace && defined(c, c->new_name))
		fail(c, "Invalid name for new guest: Guest name '%s' is already in use.",
		     c->new_name);
	if (rc == -EEXIST)
		fail(c, "Invalid name for new guest: Guest name '%s' is reserved by another "
		     "vm-clone in progress.", c->new_name);
	if (rc < 0)
		fail(c, "%s: cannot reserve the name: %s", c->new_name, strerror(-rc));
	hold(c, &r);
}

static void choose_name(struct clone *c)
{
	if (c->name) {
		c->new_name = strdup(c->name);
		if (!c->new_name)
			fail(c, "cannot allocate memory");
		if (!c->replace && defined(c, c->new_name))
			fail(c, "Invalid name for new guest: Guest name '%s' is already in use.",
			     c->new_name);
		hold_given_name(c);
		if (c->replace && vu_domaindb_running(&c->st, c->new_name) > 0)
			fail(c, "%s: the domain to replace is running", c->new_name);
		return;
	}
	for (unsigned n = 0; n < 100000; n++) {
		char *cand = vc_clone_name(c->old_name, n);
		struct vc_resv r;
		int rc;

		if (!cand)
			fail(c, "cannot allocate memory");
		if (!creates(c))
			rc = defined(c, cand) ? -EEXIST : 0;
		else if ((rc = vc_reserve_name(&c->st, cand, &r)) == 0)
			hold(c, &r);
		if (rc == 0) {
			c->new_name = cand;
			return;
		}
		free(cand);
		if (rc != -EEXIST)
			fail(c, "cannot reserve a name: %s", strerror(-rc));
	}
	fail(c, "%s: no free clone name", c->old_name);
}

/* ---- disks ---- */

static bool exists(const char *path, struct stat *st)
{
	return stat(path, st) == 0;
}

/* A path --auto-clone makes up: free now, and held until the end. */
static char *auto_path(struct clone *c, const struct vc_disk *d)
{
	struct stat st;

	/* A name made up beside a device would be a file in /dev. */
	if (exists(d->src, &st) && S_ISBLK(st.st_mode))
		fail(c, "%s: %s is a block device: give the copy's path with --file",
		     d->target, d->src);
	for (unsigned n = 0; n < 100000; n++) {
		char *rel = vc_clone_path(d->src, c->old_name, c->new_name, n), *cand;
		struct vc_resv r;
		int rc;

		cand = rel ? xabsolute(rel) : NULL;
		free(rel);
		if (!cand)
			fail(c, "cannot allocate memory");
		if (!creates(c) || c->preserve)
			rc = exists(cand, &st) ? -EEXIST : 0;
		else if ((rc = vc_reserve_path(&c->st, cand, &r)) == 0)
			hold(c, &r);
		if (rc == 0)
			return cand;
		free(cand);
		if (rc != -EEXIST)
			fail(c, "cannot reserve a path: %s", strerror(-rc));
	}
	fail(c, "%s: no free path for a copy", d->src);
}

static void check_target(struct clone *c, const struct vc_disk *d, const char *dst)
{
	struct stat s, t;
	bool there = exists(dst, &t);

	if (c->preserve) {
		if (!there)
			fail(c, "%s: does not exist (--preserve-data uses existing files)", dst);
		return;
	}
	if (there && exists(d->src, &s) && s.st_dev == t.st_dev && s.st_ino == t.st_ino)
		fail(c, "%s: is the original's disk", dst);
	if (there && !S_ISBLK(t.st_mode) && !c->replace && !c->print_xml)
		fail(c, "%s: target file exists (--replace overwrites it)", dst);
}

static void set_disk(struct clone *c, struct vc_disk *d)
{
	struct stat st;
	bool blk = exists(d->dst, &st) && S_ISBLK(st.st_mode);
	int r = vu_disk_set_source(d->node, blk ? "block" : "file", d->dst);

	/* An overlay is a qcow2 whatever the original is; a volume's format
	 * came from its pool, and a file disk must say it. */
	if (r == 0 && d->action == VC_LINK)
		r = vu_node_set(d->node, "driver", "type", "qcow2");
	else if (r == 0 && strcmp(d->type, "volume") == 0)
		r = vu_node_set(d->node, "driver", "type", d->fmt);
	if (r == 0)
		r = vc_disk_reidentify(d->node);
	if (r < 0)
		fail(c, "%s: cannot rewrite the disk: %s", d->target, strerror(-r));
}

static void plan_disks(struct clone *c)
{
	size_t next = 0, cloned = vc_disks_cloned(&c->disks);

	for (size_t i = 0; i < c->disks.n; i++) {
		struct vc_disk *d = &c->disks.d[i];
		struct stat st;

		if (d->action == VC_SHARE) {
			if (c->verbose)
				say(c, "%s: shared with the original (%s)", d->target[0] ? d->target
							: "disk", d->why);
			continue;
		}
		if (!c->preserve && !c->print_xml && !exists(d->src, &st))
			fail(c, "Disk path '%s' does not exist.", d->src);
		if (next < c->files.n)
			d->dst = xabsolute(c->files.v[next++]);
		else if (c->auto_clone)
			d->dst = auto_path(c, d);
		else
			fail(c, "%s: no --file for this disk: give one --file for each of the %zu "
			     "disks to copy, or --auto-clone", d->target, cloned);
		for (size_t k = 0; k < i; k++)
			if (c->disks.d[k].dst && strcmp(c->disks.d[k].dst, d->dst) == 0)
				fail(c, "%s: given for two disks", d->dst);
		check_target(c, d, d->dst);
		set_disk(c, d);
	}
	for (; next < c->files.n; next++)
		vu_warnx("%s: ignored: only %zu disks to copy", c->files.v[next], cloned);
}

/* The UEFI variables are the machine's too: copied beside the original's
 * as NEWNAME_VARS.fd (virt-clone's name), or to --nvram. */
static void plan_nvram(struct clone *c)
{
	char *tmpl = NULL, *dir;

	if (vu_domain_get_nvram(c->dom, &c->nvram_old, &tmpl) < 0 || !c->nvram_old) {
		free(tmpl);
		if (c->nvram)
			vu_warnx("--nvram: ignored: the domain has no nvram");
		return;
	}
	free(tmpl);
	if (c->nvram) {
		c->nvram_new = xabsolute(c->nvram);
		return;
	}
	dir = strdup(c->nvram_old);
	if (!dir || asprintf(&c->nvram_new, "%s/%s_VARS.fd", dirname(dir), c->new_name) < 0)
		fail(c, "cannot allocate memory");
	free(dir);
}

static void add_job(struct clone *c, const char *src, const char *fmt, const char *dst,
		    enum vc_action a)
{
	c->jobs[c->njobs++] = (struct vc_job){ .src = src, .fmt = fmt, .dst = dst, .action = a };
}

static void plan_jobs(struct clone *c)
{
	struct stat st;

	c->jobs = xcalloc(c->disks.n + 1, sizeof(*c->jobs));
	for (size_t i = 0; i < c->disks.n; i++) {
		struct vc_disk *d = &c->disks.d[i];

		if (d->action == VC_COPY || d->action == VC_LINK)
			add_job(c, d->src, d->fmt, d->dst, d->action);
	}
	/* libvirt makes the variables from the template when there are none. */
	if (c->nvram_new && !c->preserve && exists(c->nvram_old, &st)) {
		if (exists(c->nvram_new, &st) && !c->replace)
			fail(c, "%s: target file exists (--replace overwrites it)", c->nvram_new);
		add_job(c, c->nvram_old, "raw", c->nvram_new, VC_COPY);
	}
}

/* ---- the new identity ---- */

static void new_identity(struct clone *c)
{
	char uuid[VU_UUID_STRLEN];
	struct vc_ident id = {
		.old_name = c->old_name, .new_name = c->new_name, .uuid = uuid,
		.macs = c->macs.v, .nmacs = c->macs.n, .nvram = c->nvram_new,
		.used = c->check_macs ? vu_domaindb_mac_used : NULL, .opaque = &c->st,
	};
	struct vu_err e = { 0 };

	if (c->uuid)
		vu_uuid_normalize(c->uuid, uuid);
	else
		vu_uuid_generate(uuid);
	vu_domain_scrub_live(c->dom);
	if (vc_identity(c->dom, &id, &e) < 0)
		fail(c, "%s", vu_err_str(&e));
	if (c->macs.n > vu_domain_dev_count(c->dom, "interface"))
		vu_warnx("--mac: %zu given for %zu interfaces", c->macs.n,
			 vu_domain_dev_count(c->dom, "interface"));
}

static void check_unique(struct clone *c)
{
	struct vu_err e = { 0 };
	int r = vu_domaindb_check_unique(&c->st, c->dom, c->replace ? c->new_name : NULL, &e);

	if (r == -EEXIST && !c->check_macs && strncmp(e.msg, "MAC", 3) == 0)
		return;
	if (r < 0)
		fail(c, "%s", vu_err_str(&e));
}

/* What libvirt would refuse is refused before any disk is copied. */
static void check_valid(struct clone *c)
{
	struct vu_err e = { 0 };

	if (c->define && vu_domain_check(c->dom, &e) < 0)
		fail(c, "%s: %s", c->new_name, vu_err_str(&e));
}

static void print_xml(struct clone *c)
{
	char *xml = vu_domain_format(c->dom);

	if (!xml)
		fail(c, "cannot allocate memory");
	else
		fputs(xml, stdout);
	free(xml);
}

static void make_files(struct clone *c)
{
	struct vc_copy_opts o = { .nonsparse = c->nonsparse, .reflink = c->reflink,
				  .replace = c->replace, .progress = c->progress,
				  .quiet = c->quiet };
	struct vu_err e = { 0 };
	size_t bad = 0;

	if (vc_copy_all(c->jobs, c->njobs, &o, &bad, &e) < 0)
		fail(c, "%s: %s", c->jobs[bad].dst, vu_err_str(&e));
}

static void define(struct clone *c)
{
	struct vu_err e = { 0 };

	if (vu_domaindb_define(&c->st, c->dom, c->replace ? VU_DOMAINDB_REPLACE : 0, &e) < 0)
		fail(c, "%s: %s", c->new_name, vu_err_str(&e));
}

int main(int argc, char **argv)
{
	struct clone c = { 0 };
	struct vu_err e = { 0 };
	int r;

	atexit(vu_close_stdout_atexit);
	if (vu_caps_keep(vu_caps_file, vu_caps_file_n) < 0)
		vu_die(VU_EXIT_FAIL, "cannot drop capabilities");
	parse_args(&c, argc, argv);
	if ((r = vu_state_resolve(&c.st, c.root ? c.root : c.connect)) < 0)
		vu_diec(VU_EXIT_FAIL, -r, "state root");
	if (vu_state_prepare(&c.st, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "state root: %s", vu_err_str(&e));
	load_source(&c);
	if (vc_disks_read(c.dom, &c.disks) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	find_volumes(&c);
	if (vc_disks_choose(&c.disks, c.force.v, c.skip.v, &e) < 0)
		vu_die_usage(VU_EXIT_USAGE, "%s", vu_err_str(&e));
	for (size_t i = 0; i < c.disks.n; i++) {
		if (c.disks.d[i].action == VC_COPY && c.linked)
			c.disks.d[i].action = VC_LINK;
		else if (c.disks.d[i].action == VC_COPY && c.preserve)
			c.disks.d[i].action = VC_PRESERVE;
	}
	check_running(&c);
	choose_name(&c);
	plan_nvram(&c);
	new_identity(&c);
	plan_disks(&c);
	check_unique(&c);
	check_valid(&c);
	if (c.print_xml) {
		print_xml(&c);
		return VU_EXIT_OK;
	}
	plan_jobs(&c);
	make_files(&c);
	if (c.define)
		define(&c);
	else
		print_xml(&c);
	free(c.jobs);
	c.jobs = NULL;
	cleanup(&c);
	say(&c, "Clone '%s' created successfully.", c.new_name);
	return VU_EXIT_OK;
}
