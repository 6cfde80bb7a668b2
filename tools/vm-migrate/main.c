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
	OPT_COPY_STORAGE_ALL, OPT_COPY_STORAGE_INC, OPT_LIVE, OPT_P2P, OPT_TUNNELLED,
	OPT_MIGRATEURI, OPT_LISTEN, OPT_SUSPEND, OPT_XML, OPT_TIMEOUT, OPT_TIMEOUT_SUSPEND,
	OPT_TIMEOUT_POSTCOPY, OPT_POSTCOPY, OPT_AUTO_CONVERGE, OPT_COMPRESSED, OPT_COMP_METHODS,
	OPT_PARALLEL, OPT_PARALLEL_CONNS, OPT_BANDWIDTH, OPT_DOWNTIME, OPT_ABORT_ON_ERROR,
	OPT_CANCEL, OPT_INFO, OPT_SETMAXDOWNTIME,
};

struct mig {
	int mode;		/* OPT_EXPORT, OPT_IMPORT, OPT_RECEIVE, OPT_OFFLINE, OPT_CANCEL,
				 * OPT_INFO, OPT_SETMAXDOWNTIME; 0: live */
	long maxdowntime;
	struct vmg_live_opts l;
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
	       " %s --receive [--pool POOL]\n"
	       " %s [--live] [OPTION]... DOMAIN DESTURI\n"
	       " %s --cancel|--info DOMAIN\n"
	       " %s --setmaxdowntime MS DOMAIN\n",
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name);
	fputs(VU_USAGE_SEPARATOR, stdout);
	puts("Move a domain to another host or state root, as virsh migrate does: a running\n"
	     "one live (its memory, and with --copy-storage-all its disks, while it runs),\n"
	     "a shut-off one with --offline in a sparse stream (a pax archive) checked end\n"
	     "to end.");
	fputs(VU_USAGE_OPTIONS, stdout);
	puts("     --export DOMAIN      write the domain's stream to stdout\n"
	     "     --import             define the domain read from stdin, its disks as\n"
	     "                            new volumes of the pool\n"
	     "     --offline            send the domain to DESTURI through the transport\n"
	     "     --receive            the receiving side (run by the transport): an\n"
	     "                            --offline stream or a live migration\n"
	     "     --persistent         define the domain at the destination (required\n"
	     "                            with --offline)\n"
	     "     --undefinesource     undefine the domain here once it arrived\n"
	     "     --copy-storage-all   send the disks too (default: the definition only,\n"
	     "                            for storage both hosts share)\n"
	     "     --copy-storage-inc   live: send only the top image of each disk (its\n"
	     "                            backing files exist on both sides)\n"
	     "     --live               move a running domain while it runs\n"
	     "     --suspend            leave the domain paused at the destination\n"
	     "     --tunnelled          memory through the transport, no second port\n"
	     "     --migrateuri tcp://ADDR[:PORT]  where the source's QEMU connects\n"
	     "     --listen-address ADDR  where the destination's QEMU listens\n"
	     "     --xml FILE           the destination's XML (same ABI)\n"
	     "     --timeout S          after S seconds: suspend (--timeout-suspend, the\n"
	     "                            default) or --timeout-postcopy\n"
	     "     --postcopy           allow post-copy (with --timeout-postcopy)\n"
	     "     --auto-converge      throttle the vCPUs until it converges\n"
	     "     --compressed         compress memory (--comp-methods xbzrle,mt,zstd)\n"
	     "     --parallel           several connections (--parallel-connections N)\n"
	     "     --bandwidth MIB      MiB/s at most (default: no limit)\n"
	     "     --downtime MS        the longest pause the switch-over may take\n"
	     "     --abort-on-error     give up on an I/O error in the guest\n"
	     "     --cancel DOMAIN      cancel the migration another vm-migrate runs\n"
	     "     --info DOMAIN        print that migration's progress (domjobinfo)\n"
	     "     --setmaxdowntime MS  change its --downtime while it runs\n"
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

/* --receive: a live migration's control channel starts with its hello,
 * an offline stream with an archive header; what was read to tell them
 * apart goes back in front of the stream through a pipe. */
static int receive_kind(struct mig *m)
{
	static const char hello[] = VMG_CTL_HELLO "\n";
	char buf[sizeof(hello) - 1];
	size_t n = 0;
	int p[2];

	while (n < sizeof(buf)) {
		ssize_t rd = read(STDIN_FILENO, buf + n, 1);

		if (rd < 0 && errno == EINTR)
			continue;
		if (rd <= 0 || buf[n] != hello[n]) {
			n += rd > 0;
			break;
		}
		n++;
	}
	if (n == sizeof(buf))
		return 1;
	if (pipe(p) < 0)
		vu_die(VU_EXIT_FAIL, "pipe");
	switch (fork()) {
	case -1:
		vu_die(VU_EXIT_FAIL, "fork");
	case 0:
		close(p[0]);
		_exit(write(p[1], buf, n) != (ssize_t)n ||
		      vmg_copy_fd(STDIN_FILENO, p[1]) < 0 ? 1 : 0);
	}
	close(p[1]);
	if (dup2(p[0], STDIN_FILENO) < 0)
		vu_die(VU_EXIT_FAIL, "dup2");
	close(p[0]);
	(void)m;
	return 0;
}

static int do_receive_live(struct mig *m)
{
	struct vu_storage s;
	struct vu_err e;

	vu_err_clear(&e);
	if (vu_storage_open(&s, m->root, &e) < 0)
		vu_diex(VU_EXIT_FAIL, "%s", vu_err_str(&e));
	if (vmg_live_receive(&s, m->pool, STDIN_FILENO, STDOUT_FILENO, &e) < 0) {
		vu_storage_close(&s);
		vu_diex(VU_EXIT_FAIL, "receive: %s", vu_err_str(&e));
	}
	vu_storage_close(&s);
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
	if (m->mode == OPT_RECEIVE && receive_kind(m))
		return do_receive_live(m);
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

static int do_live(struct mig *m, const char *name, const char *uri)
{
	struct vu_err e;
	char *cmd = NULL, *host = NULL;
	int r;

	if (m->transport)
		cmd = strdup(m->transport);
	else if (vmg_transport_from_uri(uri, &cmd) < 0)
		vu_die_usage(VU_EXIT_USAGE, "%s: unsupported destination URI (qemu+ssh://HOST/system, "
			     "or give --transport)", uri);
	/* the receiver's pool for the copies, as --offline passes it */
	if (cmd && m->pool && !m->transport) {
		char *with;

		if (vu_name_check(m->pool) < 0)
			vu_die_usage(VU_EXIT_USAGE, "--pool: invalid name '%s'", m->pool);
		if (asprintf(&with, "%s --pool %s", cmd, m->pool) < 0)
			with = NULL;
		free(cmd);
		cmd = with;
	}
	if (!cmd)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	if (!strncmp(uri, "qemu+ssh://", 11) || !strncmp(uri, "qemu+tcp://", 11)) {
		const char *h = uri + 11, *at = strchr(h, '@'), *end;

		if (at && at < strchr(h, '/'))
			h = at + 1;
		end = h + strcspn(h, ":/");
		if (end > h)
			host = strndup(h, (size_t)(end - h));
	}
	m->l.transport = cmd;
	m->l.host = host;
	m->l.dname = m->x.dname;
	m->l.verbose = m->x.verbose;
	m->l.persistent = m->persistent;
	m->l.undefinesource = m->undefinesource;
	open_root(m);
	r = vmg_live_migrate(&m->st, name, &m->l, &e);
	free(cmd);
	free(host);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", name, vu_err_str(&e));
	if (!m->quiet && m->l.verbose)
		fprintf(stderr, "Migration: [100 %%]\n");
	return VU_EXIT_OK;
}

static int do_job(struct mig *m, const char *name)
{
	struct vu_err e;
	int r;

	open_root(m);
	vu_err_clear(&e);
	if (m->mode == OPT_CANCEL)
		r = vmg_live_cancel(&m->st, name, &e);
	else if (m->mode == OPT_INFO)
		r = vmg_live_info(&m->st, name, &e);
	else
		r = vmg_live_setmaxdowntime(&m->st, name, m->maxdowntime, &e);
	if (r < 0)
		vu_diex(VU_EXIT_FAIL, "%s: %s", name, vu_err_str(&e));
	return VU_EXIT_OK;
}

static unsigned long num_arg(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		vu_die_usage(VU_EXIT_USAGE, "%s: invalid number '%s'", opt, s);
	return v;
}

static const vu_excl_t excl[] = {
	{ OPT_EXPORT, OPT_IMPORT, OPT_RECEIVE, OPT_OFFLINE, OPT_CANCEL, OPT_INFO,
	  OPT_SETMAXDOWNTIME },
	{ OPT_OFFLINE, OPT_LIVE },
	{ OPT_COPY_STORAGE_ALL, OPT_COPY_STORAGE_INC },
	{ OPT_TIMEOUT_SUSPEND, OPT_TIMEOUT_POSTCOPY },
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
		{ "copy-storage-inc", no_argument, NULL, OPT_COPY_STORAGE_INC },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "p2p", no_argument, NULL, OPT_P2P },
		{ "tunnelled", no_argument, NULL, OPT_TUNNELLED },
		{ "tunneled", no_argument, NULL, OPT_TUNNELLED },
		{ "migrateuri", required_argument, NULL, OPT_MIGRATEURI },
		{ "listen-address", required_argument, NULL, OPT_LISTEN },
		{ "suspend", no_argument, NULL, OPT_SUSPEND },
		{ "xml", required_argument, NULL, OPT_XML },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "timeout-suspend", no_argument, NULL, OPT_TIMEOUT_SUSPEND },
		{ "timeout-postcopy", no_argument, NULL, OPT_TIMEOUT_POSTCOPY },
		{ "postcopy", no_argument, NULL, OPT_POSTCOPY },
		{ "auto-converge", no_argument, NULL, OPT_AUTO_CONVERGE },
		{ "compressed", no_argument, NULL, OPT_COMPRESSED },
		{ "comp-methods", required_argument, NULL, OPT_COMP_METHODS },
		{ "parallel", no_argument, NULL, OPT_PARALLEL },
		{ "parallel-connections", required_argument, NULL, OPT_PARALLEL_CONNS },
		{ "bandwidth", required_argument, NULL, OPT_BANDWIDTH },
		{ "downtime", required_argument, NULL, OPT_DOWNTIME },
		{ "abort-on-error", no_argument, NULL, OPT_ABORT_ON_ERROR },
		{ "cancel", no_argument, NULL, OPT_CANCEL },
		{ "info", no_argument, NULL, OPT_INFO },
		{ "setmaxdowntime", required_argument, NULL, OPT_SETMAXDOWNTIME },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int seen[ARRAY_SIZE(excl)] = { 0 };
	const char *export_name = NULL;
	struct mig m = { .l.downtime_ms = -1 };
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
		case OPT_COPY_STORAGE_ALL: m.copy_storage = true; m.l.copy = VMG_COPY_ALL; break;
		case OPT_COPY_STORAGE_INC: m.l.copy = VMG_COPY_INC; break;
		case OPT_LIVE: m.l.live = true; break;
		case OPT_P2P: break;	/* there is no daemon: always peer to peer */
		case OPT_TUNNELLED: m.l.tunnelled = true; break;
		case OPT_MIGRATEURI:
			if (strncmp(optarg, "tcp://", 6) || !strrchr(optarg + 6, ':') ||
			    strpbrk(optarg + 6, " ,/\"'"))
				vu_die_usage(VU_EXIT_USAGE, "--migrateuri: expected tcp://ADDR:PORT");
			num_arg("--migrateuri", strrchr(optarg + 6, ':') + 1, 65535);
			m.l.migrateuri = optarg;
			break;
		case OPT_LISTEN:
			if (!*optarg || strpbrk(optarg, " ,/\"':"))
				vu_die_usage(VU_EXIT_USAGE, "--listen-address: invalid address '%s'",
					     optarg);
			m.l.listen = optarg;
			break;
		case OPT_SUSPEND: m.l.suspend = true; break;
		case OPT_XML: m.l.xml_file = optarg; break;
		case OPT_TIMEOUT:
			m.l.timeout_s = (unsigned)num_arg("--timeout", optarg, 86400 * 365);
			if (!m.l.timeout_s)
				vu_die_usage(VU_EXIT_USAGE, "--timeout: must be at least 1");
			break;
		case OPT_TIMEOUT_SUSPEND: m.l.timeout_postcopy = false; break;
		case OPT_TIMEOUT_POSTCOPY: m.l.timeout_postcopy = true; break;
		case OPT_POSTCOPY: m.l.postcopy = true; break;
		case OPT_AUTO_CONVERGE: m.l.auto_converge = true; break;
		case OPT_COMPRESSED: m.l.compressed = true; break;
		case OPT_COMP_METHODS:
			for (const char *p = optarg; *p; p += strcspn(p, ","), p += *p == ',') {
				size_t n = strcspn(p, ",");

				if (!((n == 6 && !strncmp(p, "xbzrle", 6)) ||
				      (n == 2 && !strncmp(p, "mt", 2)) ||
				      (n == 4 && !strncmp(p, "zstd", 4))))
					vu_die_usage(VU_EXIT_USAGE, "--comp-methods: unknown method "
						     "in '%s' (xbzrle, mt, zstd)", optarg);
			}
			m.l.comp_methods = optarg;
			m.l.compressed = true;
			break;
		case OPT_PARALLEL: m.l.parallel = true; break;
		case OPT_PARALLEL_CONNS:
			m.l.parallel_conns = (unsigned)num_arg("--parallel-connections", optarg, 255);
			m.l.parallel = true;
			break;
		case OPT_BANDWIDTH:
			m.l.bandwidth_mib = num_arg("--bandwidth", optarg, 1UL << 40);
			break;
		case OPT_DOWNTIME:
			m.l.downtime_ms = (long)num_arg("--downtime", optarg, 2000000);
			break;
		case OPT_ABORT_ON_ERROR: m.l.abort_on_error = true; break;
		case OPT_CANCEL:
		case OPT_INFO:
			m.mode = c;
			break;
		case OPT_SETMAXDOWNTIME:
			m.maxdowntime = (long)num_arg("--setmaxdowntime", optarg, 2000000);
			m.mode = c;
			break;
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
	case OPT_CANCEL:
	case OPT_INFO:
	case OPT_SETMAXDOWNTIME:
		if (argc != 1)
			vu_die_usage(VU_EXIT_USAGE, "expected one DOMAIN");
		return do_job(&m, argv[0]);
	default:
		if (argc != 2)
			vu_die_usage(VU_EXIT_USAGE, "expected DOMAIN and DESTURI");
		if (m.l.timeout_postcopy && !m.l.postcopy)
			vu_die_usage(VU_EXIT_USAGE, "--timeout-postcopy requires --postcopy");
		if (m.l.timeout_postcopy && !m.l.timeout_s)
			vu_die_usage(VU_EXIT_USAGE, "--timeout-postcopy requires --timeout");
		return do_live(&m, argv[0], argv[1]);
	}
}
