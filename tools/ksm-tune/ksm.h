/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ksm.h - ksm-tune's private modules: configuration, sysfs, memory, decision */
#ifndef KSM_TUNE_H
#define KSM_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vu/err.h"

#define KSM_DEFAULT_CONFIG	"/etc/ksmtuned.conf"
#define KSM_DEFAULT_SYSFS	"/sys/kernel/mm/ksm"
#define KSM_DEFAULT_PROC	"/proc"

/* config.c */

/* The keys of ksmtuned.conf; every figure is an integer, memory in kB. */
struct ksm_conf {
	int64_t monitor_interval;	/* KSM_MONITOR_INTERVAL, seconds */
	int64_t sleep_msec;		/* KSM_SLEEP_MSEC, for a 16 GiB host */
	int64_t npages_boost;		/* KSM_NPAGES_BOOST */
	int64_t npages_decay;		/* KSM_NPAGES_DECAY, added (so negative) */
	int64_t npages_min;		/* KSM_NPAGES_MIN */
	int64_t npages_max;		/* KSM_NPAGES_MAX */
	int64_t thres_coef;		/* KSM_THRES_COEF, percent of MemTotal */
	int64_t thres_const;		/* KSM_THRES_CONST, kB, floor of the threshold */
	char logfile[4096];		/* LOGFILE; "" = standard error */
	bool debug;			/* DEBUG set to anything non-empty */
	char pidfile[4096];		/* PIDFILE, ksmtuned's: run's default --pidfile */
};

/* ksmtuned's defaults: the values its script uses when a key is unset. */
void ksm_conf_defaults(struct ksm_conf *c);

/*
 * Reads a ksmtuned.conf: shell-style "KEY=value" lines ("export" allowed),
 * values bare, 'single' or "double" quoted, '#' comments, blank lines. A key
 * given an empty value keeps its default, as ksmtuned's ${KEY:-default} does.
 * Unknown keys are reported through warn (once per line) and ignored.
 * Numbers are read as ksmtuned's bash reads them: the keys it uses only in
 * $[...] arithmetic (KSM_SLEEP_MSEC, KSM_NPAGES_BOOST, KSM_NPAGES_DECAY,
 * KSM_THRES_COEF) in octal after a leading 0 and in hex after 0x, the
 * others in decimal. Only a regular file of at most 64 KiB is read.
 * Returns 0, -errno if the file cannot be read (e->msg empty), -EINVAL
 * "not a regular file", -EFBIG "larger than 64 KiB", or -EINVAL with
 * e->msg "line N: ..." for a malformed line or value; c is then
 * unchanged. missing_ok: a file that does not exist gives the defaults.
 */
int ksm_conf_load(struct ksm_conf *c, const char *path, bool missing_ok,
		  void (*warn)(const char *path, const char *msg),
		  struct vu_err *e);

/* meminfo.c */

struct ksm_meminfo {
	int64_t total_kb;		/* MemTotal */
	int64_t free_kb;		/* MemFree + Buffers + Cached */
};

/* Parses the text of /proc/meminfo. 0 or -EINVAL (no or zero MemTotal). */
int ksm_meminfo_parse(const char *text, struct ksm_meminfo *m, struct vu_err *e);
/* Reads PROC/meminfo. 0 or -errno. */
int ksm_meminfo_read(const char *proc, struct ksm_meminfo *m, struct vu_err *e);

/* procscan.c */

/*
 * Whether a command line (argc NUL-separated words) is a QEMU that uses KVM:
 * argv[0] (or its last path component) begins "qemu-system" and the command
 * line holds "-enable-kvm" (ksmtuned's rule), "-accel kvm" or "accel=kvm";
 * or argv[0] is "qemu-kvm", which always uses KVM.
 */
bool ksm_is_kvm_qemu(const char *const *argv, int argc);

struct ksm_proc {
	int pid;
	int64_t rss_kb;			/* VmRSS, what ps shows as rsz */
	char comm[64];			/* argv[0], shortened, for messages */
};

struct ksm_procs {
	struct ksm_proc *v;
	size_t n;
	int64_t rss_kb;			/* the sum: committed memory */
};

/* Scans PROC/[0-9]* for KVM QEMU processes. Processes that vanish or
 * cannot be read are skipped. 0 or -errno (PROC unreadable). */
int ksm_procs_scan(const char *proc, struct ksm_procs *p, struct vu_err *e);
void ksm_procs_free(struct ksm_procs *p);

/* adjust.c */

enum ksm_action { KSM_STOP, KSM_START };
enum ksm_step { KSM_STEP_NONE, KSM_STEP_BOOST, KSM_STEP_DECAY };

struct ksm_input {
	int64_t total_kb;
	int64_t free_kb;
	int64_t committed_kb;
	int64_t npages;			/* the page count before this pass */
};

struct ksm_decision {
	enum ksm_action action;
	enum ksm_step step;		/* KSM_STEP_NONE when stopping */
	int64_t thres_kb;		/* the threshold that was used */
	int64_t npages;			/* pages_to_scan to write (start), else input */
	int64_t sleep_ms;		/* sleep_millisecs to write (start) */
};

/* The threshold: KSM_THRES_COEF % of total, at least KSM_THRES_CONST kB. */
int64_t ksm_threshold(const struct ksm_conf *c, int64_t total_kb);
/* ksmtuned's scan pause: KSM_SLEEP_MSEC scaled from 16 GiB to total, >= 10. */
int64_t ksm_sleep_ms(const struct ksm_conf *c, int64_t total_kb);
/* One pass of ksmtuned's adjust, with no side effect. total_kb > 0. */
void ksm_adjust(const struct ksm_conf *c, const struct ksm_input *in,
		struct ksm_decision *d);

/* sysfs.c */

/* One writable KSM knob and the values the kernel takes. */
struct ksm_knob {
	const char *name;
	int64_t min, max;
	const char *const *words;	/* non-NULL: a word from this list instead */
};

/* The knob called name, or NULL if it is not one we know how to set. */
const struct ksm_knob *ksm_knob_find(const char *name);
/* Whether name is a KSM file the kernel only lets us read. */
bool ksm_knob_readonly(const char *name);
/* Checks value against knob: 0 or -EINVAL / -ERANGE. */
int ksm_knob_check(const struct ksm_knob *k, const char *value);

/* Reads DIR/name without the final newline into buf. 0 or -errno. */
int ksm_sysfs_read(const char *dir, const char *name, char *buf, size_t len);
/* Reads DIR/name as an integer. 0, -errno, or -EINVAL (not a number). */
int ksm_sysfs_read_int(const char *dir, const char *name, int64_t *v);
/* The regular files of DIR, sorted; a NULL-terminated malloc'd array. */
int ksm_sysfs_list(const char *dir, char ***names);
void ksm_sysfs_list_free(char ***names);

/* A write that is part of a change; old is filled by ksm_sysfs_apply. */
struct ksm_write {
	const char *name;
	char value[64];
	char old[64];
	bool changed;			/* value differs from old (so it is written) */
};

/*
 * Writes w[0..n) to DIR in order, skipping those whose file already holds
 * the value. If one write fails, the ones before it are written back to
 * their old values (newest first), so a failure changes nothing; *failed
 * is then its index, and *writing tells whether writing it failed (or
 * reading its old value, before anything was written). dry_run reads and
 * compares but writes nothing. 0 or -errno.
 */
int ksm_sysfs_apply(const char *dir, struct ksm_write *w, size_t n,
		    bool dry_run, size_t *failed, bool *writing);

/* pass.c */

/* One tuning pass: what was read, what was decided, what was written. */
struct ksm_pass {
	struct ksm_input in;
	struct ksm_decision d;
	struct ksm_procs procs;
	struct ksm_write w[3];		/* stop: run; start: pages, sleep, run */
	size_t nw;
	char obj[4096];			/* on failure: the file or directory at fault */
};

/*
 * Reads PROC/meminfo and the processes, decides from npages (the page count
 * carried from the last pass) and writes the decision to SYSFS, unless
 * dry_run. On failure returns -errno with p->obj and e filled, and nothing
 * in SYSFS changed. ksm_pass_free releases p->procs.
 */
int ksm_pass_run(const char *sysfs, const char *proc, const struct ksm_conf *c,
		 int64_t npages, bool dry_run, struct ksm_pass *p, struct vu_err *e);
void ksm_pass_free(struct ksm_pass *p);

/* loop.c */

/* What `ksm-tune run` needs; conf is loaded by the caller. */
struct ksm_loop {
	const char *config;		/* reread on SIGHUP */
	bool config_required;		/* given with --config: must exist */
	const char *sysfs, *proc;
	int64_t interval_ms;		/* 0: KSM_MONITOR_INTERVAL */
	const char *pidfile;		/* NULL: PIDFILE from the configuration */
	void (*conf_warn)(const char *path, const char *msg);
	/* Called after each pass; NULL: nothing to report. */
	void (*report)(const struct ksm_pass *p, const struct ksm_conf *c, void *arg);
	void *report_arg;
	struct ksm_conf conf;
};

/*
 * Tunes every interval until SIGTERM or SIGINT, keeping the page count in
 * memory from 0 as ksmtuned does; SIGUSR1 makes a pass at once, SIGHUP
 * rereads the configuration and reopens LOGFILE. Errors are printed; the
 * return value is the exit status.
 */
int ksm_loop_run(struct ksm_loop *l);

/* debuglog.c */

/* Where DEBUG lines go: LOGFILE appended to, or stderr. */
struct ksm_log {
	FILE *fp;
	bool on;
};

/* Opens c->logfile (if c->debug). 0 or -errno; log->on false if not DEBUG. */
int ksm_log_open(struct ksm_log *log, const struct ksm_conf *c);
void ksm_log_close(struct ksm_log *log);
/* "<date(1) time>: message" in ksmtuned's way, if DEBUG is on. */
void ksm_log(struct ksm_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The figures ksmtuned logs as it starts: total, sleep, thres. */
void ksm_log_figures(struct ksm_log *log, const struct ksm_conf *c, int64_t total_kb);
/* The lines ksmtuned's adjust logs for a decision. */
void ksm_log_decision(struct ksm_log *log, const struct ksm_input *in,
		      const struct ksm_decision *d);

#endif
