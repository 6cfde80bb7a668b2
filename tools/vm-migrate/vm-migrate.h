/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-migrate.h - what vm-migrate's modules share: the offline stream's
 * format, its writer (export) and reader (import), and the running check */
#ifndef VM_MIGRATE_H
#define VM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "vu/domainxml.h"
#include "vu/err.h"
#include "vu/state.h"
#include "vu/storage.h"

/*
 * The stream (man/vm-migrate.1, STREAM FORMAT): a pax archive, optionally
 * zstd-compressed, whose entries come in this order and no other:
 *   vm-migrate/MANIFEST        "vm-migrate-stream 1\ndomain NAME\nfiles N\n"
 *   vm-migrate/domain.xml      the definition (with the destination's name)
 *   for each file I (0 .. N-1):
 *     vm-migrate/I.info        "format F\nsize S\nname VOL\n" and optionally
 *                              "backing J\n" (J < I) and "target DEV\n"
 *     vm-migrate/I.data        S bytes, sparse: only allocated extents
 *     vm-migrate/I.sha256      the digest of I.data (vmg_digest), in hex
 *   vm-migrate/END             "files N\n"
 */
#define VMG_MAGIC "vm-migrate-stream 1"
#define VMG_PREFIX "vm-migrate/"
#define VMG_MAX_FILES 256
#define VMG_MAX_TEXT (1 << 20)		/* MANIFEST, .info, .sha256, END */
#define VMG_MAX_XML (16 << 20)		/* domain.xml */

/*
 * The digest of a sparse entry, the same whatever blocks carried it:
 * SHA-256 of (SHA-256 of the data bytes in order) || (SHA-256 of each
 * maximal extent as two big-endian 64-bit numbers, offset then length) ||
 * the entry's size (big-endian 64-bit). Holes cost nothing to hash.
 */
struct vmg_digest {
	EVP_MD_CTX *data, *map;
	uint64_t run_off, run_len;	/* the extent being extended */
};
int vmg_digest_init(struct vmg_digest *d);
/* Data at off; off is at or after the end of the previous call's data. */
int vmg_digest_update(struct vmg_digest *d, const void *buf, size_t len, uint64_t off);
/* Lower-case hex into hex[65]; frees d. */
int vmg_digest_final(struct vmg_digest *d, uint64_t size, char hex[65]);
void vmg_digest_free(struct vmg_digest *d);

/* One file of the stream, as its .info says. */
struct vmg_file {
	unsigned idx;
	char format[8];		/* "raw" or "qcow2" */
	uint64_t size;
	char name[256];		/* the volume name to take at the destination */
	int backing;		/* index of an earlier file, or -1 */
	char target[32];	/* the disk (target dev) it is the top of, or "" */
};
/* Parses an .info text (len bytes, not NUL-terminated) for file idx. */
int vmg_info_parse(const char *buf, size_t len, unsigned idx, struct vmg_file *f,
		   struct vu_err *e);
/* Formats it; malloc'd. */
char *vmg_info_format(const struct vmg_file *f);

/* ---- reading (import.c) ---- */

/* What the reader hands on, in stream order; each returns 0 or -errno
 * with e filled. domain: the definition, parsed and with the manifest's
 * name. data: bytes of the current file at off (increasing). end: the
 * current file is complete and its digest matched. */
struct vmg_sink {
	int (*domain)(void *ctx, struct vu_domain *dom, unsigned nfiles, struct vu_err *e);
	int (*begin)(void *ctx, const struct vmg_file *f, struct vu_err *e);
	int (*data)(void *ctx, const void *buf, size_t len, uint64_t off, struct vu_err *e);
	int (*end)(void *ctx, const struct vmg_file *f, struct vu_err *e);
	void *ctx;
};
struct archive;
/* Reads a whole stream from an archive opened for reading (any filter,
 * pax format), checking the order, the limits and every digest, and that
 * nothing follows END. 0 only when the stream was complete. */
int vmg_read_archive(struct archive *a, const struct vmg_sink *sink, struct vu_err *e);
/* The same from fd (stdin, a pipe). */
int vmg_read_fd(int fd, const struct vmg_sink *sink, struct vu_err *e);

struct vmg_import_opts {
	const char *pool;	/* NULL: "default" */
	bool verbose;
};
/* Imports a stream into the state root: each file into a new volume of the
 * pool, the domain's disks pointed at them, qcow2 backing links rewritten,
 * and the domain defined only when everything arrived; else nothing is
 * left. *name (malloc'd) gets the domain's name. */
int vmg_import(struct vu_storage *s, int fd, const struct vmg_import_opts *o, char **name,
	       struct vu_err *e);

/* ---- writing (export.c) ---- */

struct vmg_export_opts {
	const char *dname;	/* the name at the destination, or NULL */
	bool flatten;		/* each disk as raw through its backing chain */
	bool compress;		/* zstd */
	bool no_disks;		/* the definition alone (shared storage) */
	bool allow_running;	/* with no_disks: virsh --offline copies a running
				 * domain's definition without stopping it */
	bool verbose;
};
/* Writes the stream of the defined domain name to fd. -EBUSY when it runs
 * (unless allow_running with no_disks). */
int vmg_export(const struct vu_state *st, const char *name, int fd,
	       const struct vmg_export_opts *o, struct vu_err *e);

/* ---- transport.c: the command that carries the stream ---- */

struct vmg_transport {
	int pid;
	int in;			/* the command's stdin: write the stream here */
	int out;		/* its stdout: the receiver's answer */
};
/* "ssh [-p PORT] [USER@]HOST vm-migrate --receive" for
 * qemu+ssh://[USER@]HOST[:PORT]/system (malloc'd); -EINVAL for other URIs. */
int vmg_transport_from_uri(const char *uri, char **cmd);
/* Runs cmd with sh -c, its stdin and stdout on pipes (stderr is ours). */
int vmg_transport_start(struct vmg_transport *t, const char *cmd, struct vu_err *e);
/* Ends the stream and waits for the command: r is the sender's result so
 * far (kept when it is an error); *answer (malloc'd, may be NULL) gets the
 * first line the command printed. 0 only when both sides succeeded. */
int vmg_transport_finish(struct vmg_transport *t, int r, char **answer, struct vu_err *e);

/* ---- running.c ---- */

/* 1 when a QEMU of the domain is alive (vm-ctl's vu_qemurun_active: its
 * pidfile RUN/qemu/NAME.pid is locked; or that file names a live process;
 * or RUN/domains/NAME.pid is held), 0 when not, -errno. */
int vmg_domain_running(const struct vu_state *st, const char *name);

/* ---- control.c: the live migration's control channel ---- */

/*
 * One text line each, at most VMG_CTL_LINE_MAX bytes, "WORD [ARGS]"; a blob
 * is "WORD LEN" then LEN bytes. The whole protocol is in man/vm-migrate.1
 * (CONTROL PROTOCOL); VMG_CTL_HELLO opens it both ways.
 */
#define VMG_CTL_HELLO "vm-migrate-live 1"
#define VMG_CTL_LINE_MAX 4000
#define VMG_CTL_TIMEOUT_MS 120000
int vmg_ctl_send(int fd, struct vu_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reads one line (without its \n) within timeout_ms (< 0: for ever);
 * -EPIPE when the other side closed, -ETIMEDOUT, -EPROTO. */
int vmg_ctl_recv(int fd, char *line, size_t size, int timeout_ms, struct vu_err *e);
int vmg_ctl_send_blob(int fd, const char *word, const char *buf, size_t len,
		      struct vu_err *e);
/* The LEN bytes after a "WORD LEN" line, lenarg being its LEN. */
int vmg_ctl_read_blob(int fd, const char *lenarg, char **buf, size_t *len, struct vu_err *e);
/* Copies until end of file (the tunnel's relays). */
int vmg_copy_fd(int from, int to);
/* The arguments after word when line is "word" or "word ARGS", else NULL. */
const char *vmg_ctl_word(const char *line, const char *word);
/* poll(2) for input: 1 readable (or closed), 0 timeout, -errno (-EINTR
 * on a signal: the caller looks at vmg_cancelled). */
int vmg_fd_wait(int fd, int timeout_ms);

/* ---- live.c (source), livedest.c (destination) ---- */

/* Set by SIGINT and SIGTERM during a live migration (--cancel sends
 * SIGTERM): every wait of the sender gives up. */
extern volatile sig_atomic_t vmg_cancelled;

enum vmg_copy { VMG_COPY_NONE, VMG_COPY_ALL, VMG_COPY_INC };

struct vmg_live_opts {
	const char *dname, *xml_file, *migrateuri, *listen, *comp_methods;
	const char *transport;	/* the command (already chosen from the URI) */
	const char *host;	/* the destination's address from the URI, or NULL */
	enum vmg_copy copy;
	bool live, persistent, undefinesource, suspend, tunnelled, postcopy;
	bool timeout_postcopy, auto_converge, compressed, parallel, abort_on_error;
	bool verbose;
	unsigned timeout_s, parallel_conns;
	unsigned long bandwidth_mib;	/* 0: unlimited */
	long downtime_ms;		/* < 0: QEMU's default */
};
/* What the sender asks of the receiver (CONTROL PROTOCOL, up to
 * "prepare"), checked: formats, names, absolute backing paths, numbers in
 * range, capabilities from a fixed list. */
#define VMG_MAX_DISKS 64
struct vmg_rdisk {
	char target[32], format[8];	/* a checked name; "raw" or "qcow2" */
	uint64_t size, alloc;
	char *backing;			/* absolute, or NULL */
};
struct vmg_request {
	bool persistent, suspend, tunnelled, zstd;
	enum vmg_copy copy;
	char listen[256];		/* "" or an address without , " \ or space */
	unsigned port, channels;	/* 0: not given */
	char caps[4][32];
	unsigned ncaps;
	struct vmg_rdisk disks[VMG_MAX_DISKS];
	unsigned ndisks;
	struct vu_domain *dom;		/* parsed, not yet checked */
};
int vmg_request_read(int fd, struct vmg_request *q, int timeout_ms, struct vu_err *e);
void vmg_request_free(struct vmg_request *q);

int vmg_live_migrate(const struct vu_state *st, const char *name,
		     const struct vmg_live_opts *o, struct vu_err *e);
/* The receiving side: reads the control channel on in, answers on out. */
int vmg_live_receive(struct vu_storage *s, const char *pool, int in, int out,
		     struct vu_err *e);
struct vu_qmp;
/* The node names of the guest's writable disks in device order. */
int vmg_writable_nodes(struct vu_qmp *q, char nodes[][64], unsigned max, unsigned *n,
		       struct vu_err *e);
/* --cancel, --info, --downtime on a migration running in another process. */
int vmg_live_cancel(const struct vu_state *st, const char *name, struct vu_err *e);
int vmg_live_info(const struct vu_state *st, const char *name, struct vu_err *e);
int vmg_live_setmaxdowntime(const struct vu_state *st, const char *name, long ms,
			    struct vu_err *e);

/* ---- destqemu.c: the destination's QEMU ---- */

/* Starts dom stopped with -incoming defer in the state's run directory
 * (RUN/qemu/NAME.{pid,qmp,log}); *q is its QMP connection. */
int vmg_dest_start(const struct vu_state *st, const struct vu_domain *dom, struct vu_qmp **q,
		   struct vu_err *e);
/* Quits it (QMP quit, then SIGKILL) and removes its run files. */
void vmg_dest_kill(const struct vu_state *st, const char *name, struct vu_qmp **q);

#endif
