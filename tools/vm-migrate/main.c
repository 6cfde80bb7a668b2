/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-migrate - move a domain to another host (virsh migrate); this is the
 * offline part: a stream of the definition and its disks, exported,
 * imported, or carried by a transport command to a receiving vm-migrate */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/closestream.h"
#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/opts.h"
#include "vu/state.h"
#include "vu/storage.h"

#include "vm-migrate.h"

enum {
	OPT_EXPORT = CHAR_MAX + 1, OPT_IMPORT, OPT_RECEIVE, OPT_OFFLINE, OPT_POOL, OPT_ROOT,
	OPT_FLATTEN, OPT_COMPRESS, OPT_DNAME, OPT_TRANSPORT, OPT_PERSISTENT, OPT_UNDEFINESOURCE,
	OPT_COPY_STORAGE_ALL,
};

struct mig {
	int mode;		/* OPT_EXPORT, OPT_IMPORT, OPT_RECEIVE, OPT_OFFLINE */
	const char *root, *pool, *transport;
	bool persistent, undefinesource, copy_storage, quiet;
	struct vmg_export_opts x;
	struct vu_state st;
};

static noreturn void usage(void)
{
	fputs(VU_USAGE_HEADER, stdout);
	printf(" %s --export DOMAIN [--flatten] [--compress] [--dname NAME] > STREAM\n"
	       " %s --import [--pool POOL] < STREAM\n"
	       " %s --offline --persistent [--copy-storage-all] [--undefinesource]\n"
	       "            [--dname NAME] [--pool POOL] [--transport CMD] DOMAIN DESTURI\n"
	       " %s --receive [--pool POOL]\n",
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Move a shut-off domain to another host or state root, as virsh migrate\n"
	     "--offline does: its definition and, with --copy-storage-all, its disks, in a\n"
	     "sparse stream (a pax archive) checked end to end.");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts("     --export DOMAIN      write the domain's stream to stdout\n"
	     "     --import             define the domain read from stdin, its disks as\n"
	     "                            new volumes of the pool\n"
	     "     --offline            send the domain to DESTURI through the transport\n"
	     "     --receive            the receiving side of --offline: --import, then\n"
	     "                            \"ok NAME\" on stdout\n"
	     "     --persistent         define the domain at the destination (required\n"
	     "                            with --offline)\n"
	     "     --undefinesource     undefine the domain here once it arrived\n"
	     "     --copy-storage-all   send the disks too (default: the definition only,\n"
	     "                            for storage both hosts share)\n"
	     "     --dname NAME         the domain's name at the destination\n"
	     "     --transport CMD      the command that runs 'vm-migrate --receive' at the\n"
	     "                            destination (default from DESTURI: ssh HOST ...)\n"
	     "     --flatten            each disk as raw, its backing chain merged\n"
	     "     --compress           compress the stream with zstd\n"
	     "     --pool POOL          where imported disks go (default: default); with\n"
	     "                            --offline, passed to the ssh receiver\n"
	     "     --root DIR           the state root (default $VIRTUTILS_ROOT, else\n"
	     "                            /var/lib/virtutils for root)");
	fputs(VU_USAGE_COMMON, stdout);
	puts("\nExit status: 0 success, 1 failure, 2 usage error.");
	fputs(VU_USAGE_MAN_TAIL("vm-migrate(1)"), stdout);
	exit(VU_EXIT_OK);
}

static void open_root(struct mig *m)
{
	struct vu_err e;
	int r;

	vu_err_clear(&e);
	if ((r = vu_state_resolve(&m->st, m->root)) < 0)
		vu_diec(VU_EXIT_FAIL, r, "cannot find the state root");
	if (vu_state_prepare(&m->st, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s", vu_err_str(&e));
}

static int do_export(struct mig *m, const char *name)
{
	struct vu_err e;

	if (isatty(STDOUT_FILENO))
		vu_die_usage(VU_EXIT_USAGE, "refusing to write the stream to a terminal");
	open_root(m);
	if (vmg_export(&m->st, name, STDOUT_FILENO, &m->x, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", name, vu_err_str(&e));
	return VU_EXIT_OK;
}

static int do_import(struct mig *m)
{
	struct vmg_import_opts o = { .pool = m->pool, .verbose = m->x.verbose };
	struct vu_storage s;
	struct vu_err e;
	char *name = NULL;

	if (isatty(STDIN_FILENO))
		vu_die_usage(VU_EXIT_USAGE, "refusing to read the stream from a terminal");
	if (vu_storage_open(&s, m->root, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s", vu_err_str(&e));
	if (vmg_import(&s, STDIN_FILENO, &o, &name, &e) < 0) {
		vu_storage_close(&s);
		vu_diex(VU_EXIT_FAIL, "import: %s", vu_err_str(&e));
	}
	if (m->mode == OPT_RECEIVE)
		printf("ok %s\n", name ? name : "");
	else if (!m->quiet)
		fprintf(stderr, "Domain '%s' imported\n", name ? name : "");
	free(name);
	vu_storage_close(&s);
	return VU_EXIT_OK;
}

static int do_offline(struct mig *m, const char *name, const char *uri)
{
	struct vmg_transport t;
	struct vu_err e;
	char *cmd = NULL, *got = NULL, *want = NULL;
	int r;

	if (!m->persistent)
		vu_die_usage(VU_EXIT_USAGE, "--offline requires --persistent");
	if (m->transport)
		cmd = strdup(m->transport);
	else if ((r = vmg_transport_from_uri(uri, &cmd)) < 0)
		vu_die_usage(VU_EXIT_USAGE, "%s: unsupported destination URI (qemu+ssh://HOST/system, "
			     "or give --transport)", uri);
	if (cmd && m->pool && !m->transport) {
		char *with;

		/* a pool name is a checked name: safe in a shell command */
		if (vu_name_check(m->pool) < 0)
			vu_die_usage(VU_EXIT_USAGE, "--pool: invalid name '%s'", m->pool);
		if (asprintf(&with, "%s --pool %s", cmd, m->pool) < 0)
			with = NULL;
		free(cmd);
		cmd = with;
	}
	if (!cmd)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	open_root(m);
	m->x.no_disks = !m->copy_storage;
	/* As virsh: the definition of a running domain may go (it keeps
	 * running here), but not its disks in use, nor may it be undefined. */
	m->x.allow_running = !m->undefinesource;
	vu_err_clear(&e);
	r = vmg_transport_start(&t, cmd, &e);
	if (r == 0)
		r = vmg_export(&m->st, name, t.in, &m->x, &e);
	r = vmg_transport_finish(&t, r, &got, &e);
	if (r == 0 && (asprintf(&want, "ok %s", m->x.dname ? m->x.dname : name) < 0 ||
		       !got || strcmp(got, want)))
		r = vu_err_set(&e, EPROTO, "the destination did not confirm (%s)",
			       got ? got : "no answer");
	free(want);
	free(got);
	free(cmd);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", name, vu_err_str(&e));
	if (m->undefinesource && (r = vu_domaindb_undefine(&m->st, name, &e)) < 0)
		vu_diex(VU_EXIT_FAIL, "%s: migrated, but not undefined here: %s", name,
			vu_err_str(&e));
	return VU_EXIT_OK;
}

static const vu_excl_t excl[] = {
	{ OPT_EXPORT, OPT_IMPORT, OPT_RECEIVE, OPT_OFFLINE },
	{ 0 }
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "export", required_argument, NULL, OPT_EXPORT },
		{ "import", no_argument, NULL, OPT_IMPORT },
		{ "receive", no_argument, NULL, OPT_RECEIVE },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "flatten", no_argument, NULL, OPT_FLATTEN },
		{ "compress", no_argument, NULL, OPT_COMPRESS },
		{ "dname", required_argument, NULL, OPT_DNAME },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "persistent", no_argument, NULL, OPT_PERSISTENT },
		{ "undefinesource", no_argument, NULL, OPT_UNDEFINESOURCE },
		{ "copy-storage-all", no_argument, NULL, OPT_COPY_STORAGE_ALL },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int seen[ARRAY_SIZE(excl)] = { 0 };
	const char *export_name = NULL;
	struct mig m = { 0 };
	int c;

	atexit(vu_close_stdout_atexit);
	while ((c = getopt_long(argc, argv, "qvhV", longopts, NULL)) != -1) {
		vu_excl_check(excl, seen, c, longopts, VU_EXIT_USAGE);
		switch (c) {
		case OPT_EXPORT:
			export_name = optarg;
			/* fallthrough */
		case OPT_IMPORT:
		case OPT_RECEIVE:
		case OPT_OFFLINE:
			m.mode = c;
			break;
		case OPT_POOL: m.pool = optarg; break;
		case OPT_ROOT: m.root = optarg; break;
		case OPT_FLATTEN: m.x.flatten = true; break;
		case OPT_COMPRESS: m.x.compress = true; break;
		case OPT_DNAME: m.x.dname = optarg; break;
		case OPT_TRANSPORT: m.transport = optarg; break;
		case OPT_PERSISTENT: m.persistent = true; break;
		case OPT_UNDEFINESOURCE: m.undefinesource = true; break;
		case OPT_COPY_STORAGE_ALL: m.copy_storage = true; break;
		case 'q': m.quiet = true; break;
		case 'v': m.x.verbose = true; break;
		case 'h': usage();
		case 'V': vu_print_version();
		default: vu_die_tryhelp(VU_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (m.x.dname && vu_name_check(m.x.dname) < 0)
		vu_die_usage(VU_EXIT_USAGE, "--dname: invalid name '%s'", m.x.dname);
	switch (m.mode) {
	case OPT_EXPORT:
		if (argc)
			vu_die_usage(VU_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
		return do_export(&m, export_name);
	case OPT_IMPORT:
	case OPT_RECEIVE:
		if (argc)
			vu_die_usage(VU_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
		return do_import(&m);
	case OPT_OFFLINE:
		if (argc != 2)
			vu_die_usage(VU_EXIT_USAGE, "--offline needs DOMAIN and DESTURI");
		return do_offline(&m, argv[0], argv[1]);
	default:
		vu_die_usage(VU_EXIT_USAGE, "live migration is not implemented yet: use --offline, "
			     "--export or --import");
	}
}
