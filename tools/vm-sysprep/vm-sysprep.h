/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-sysprep.h - vm-sysprep's modules: the operations table, the customize
 * operations, passwords, firstboot files and the text edits they make */
#ifndef VM_SYSPREP_H
#define VM_SYSPREP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vu/err.h"

struct vu_guest;
struct vs_path;
struct vs_culist;

/* One run over one guest: what the operations share. */
struct vs_ctx {
	struct vu_guest *g;
	bool dry_run, verbose, quiet, scrub;
	bool selinux_relabel;		/* --selinux-relabel: even if nothing changed */
	unsigned changes;		/* what was changed (or would be) */
	const char *op;			/* the operation running, for messages */
	struct vu_err e;		/* why the failing call failed */
	char *epath;			/* and on which guest path (malloc'd) */
	const struct vs_culist *cu;	/* the customize operations, in order */
	char **keep_users, **remove_users;	/* NULL-terminated or NULL */
};

/* ---- the guest, through vu/guestfs.h (guest.c) ---- */

/* Every change goes through these: under --dry-run they only say what they
 * would do; -v says what they do. Errors: -errno with ctx->e and
 * ctx->epath set. A path that is not there is no error for the removals. */
int vs_rm(struct vs_ctx *ctx, const char *path);
int vs_rm_rf(struct vs_ctx *ctx, const char *path);
int vs_trunc(struct vs_ctx *ctx, const char *path);
int vs_write(struct vs_ctx *ctx, const char *path, const char *data, size_t len, int mode,
	     long uid, long gid);
int vs_append(struct vs_ctx *ctx, const char *path, const char *data, size_t len);
int vs_touch(struct vs_ctx *ctx, const char *path);
int vs_mkdir_p(struct vs_ctx *ctx, const char *path, int mode);
int vs_symlink(struct vs_ctx *ctx, const char *target, const char *linkpath);
int vs_chmod(struct vs_ctx *ctx, const char *path, int mode);
int vs_chown(struct vs_ctx *ctx, const char *path, long uid, long gid);
/* Reads (done in a dry run too). */
int vs_glob(struct vs_ctx *ctx, const char *pattern, char ***paths, size_t *n);
int vs_read(struct vs_ctx *ctx, const char *path, char **buf, size_t *len);
bool vs_is_dir(struct vs_ctx *ctx, const char *path);		/* follows links */
bool vs_is_file(struct vs_ctx *ctx, const char *path);		/* a regular file, no link */
/* Records path and the error for the caller's message; returns r. */
int vs_fail(struct vs_ctx *ctx, const char *path, int r);
/* fn on each entry of the directory dir (full path, DT_* type), in
 * on-disk order; the first error stops it. */
typedef int (*vs_entry_fn)(struct vs_ctx *ctx, const char *path, unsigned char type,
			   const void *arg);
int vs_each_entry(struct vs_ctx *ctx, const char *dir, vs_entry_fn fn, const void *arg);
/* A path list of the operations table applied. */
int vs_run_paths(struct vs_ctx *ctx, const struct vs_path *paths);
/* Prints "OP: what" on stderr (-v, or always for a dry run's changes). */
void vs_note(struct vs_ctx *ctx, bool change, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the operations (ops.c) ---- */

/* What is done to what a path glob matches. */
enum vs_act {
	VS_END,		/* ends a path list */
	VS_RM,		/* remove what is not a directory (files, links) */
	VS_RMRF,	/* remove, directories with their contents */
	VS_FILES,	/* in the directories matched, every non-directory below
			 * goes; the directories stay (package caches, spools) */
	VS_CONTENTS,	/* everything inside the directory, dot files too; the
			 * directory stays (/tmp) */
	VS_TRUNC,	/* a regular file is emptied, keeping owner and mode */
	VS_TOUCH,	/* an empty file is made, when its directory exists */
};

struct vs_path {
	enum vs_act act;
	const char *glob;
	/* Paths the glob matches that stay (NULL-terminated, or NULL). */
	const char *const *keep;
};

/* Returns 0 or -errno with ctx's error set. */
typedef int (*vs_opfn)(struct vs_ctx *ctx);

struct vs_op {
	const char *name;
	bool def;			/* on when no --operations/--enable is given */
	const char *heading;		/* --list-operations' description */
	const struct vs_path *paths;	/* NULL or VS_END-terminated */
	vs_opfn fn;			/* what edits rather than removes, or NULL */
};

#define VS_NOPS 43
extern const struct vs_op vs_ops[VS_NOPS];
typedef uint64_t vs_opset;

/* The index of the operation called name, or -ENOENT. */
int vs_op_index(const char *name);
/* The operations on when none is chosen. */
vs_opset vs_ops_defaults(void);
/*
 * One --operations/--enable LIST applied to *set, as virt-sysprep does:
 * comma-separated names, "defaults" and "all" add those sets, "-NAME"
 * removes one. -EINVAL with e naming the bad word.
 */
int vs_ops_apply(vs_opset *set, const char *list, struct vu_err *e);
/* --list-operations: "NAME * HEADING" (a space for '*' when not default),
 * in name order. */
void vs_ops_list(FILE *out);

/* The operations' bodies (ops_*.c), reached through the table. */
int vs_op_backup_files(struct vs_ctx *ctx);
int vs_op_customize(struct vs_ctx *ctx);
int vs_op_fs_uuids(struct vs_ctx *ctx);
int vs_op_lvm_uuids(struct vs_ctx *ctx);
int vs_op_net_hostname(struct vs_ctx *ctx);
int vs_op_net_hwaddr(struct vs_ctx *ctx);
int vs_op_user_account(struct vs_ctx *ctx);

/* ---- text edits (edit.c): pure, on whole files in memory ---- */

/*
 * Removes the lines of a shell-variable file (ifcfg-*) that set one of the
 * keys (NULL-terminated): "KEY=...", "export KEY=..." and leading blanks
 * too. *out is malloc'd; *changed says whether a line went. 0 or -ENOMEM.
 */
int vs_edit_drop_keys(const char *in, const char *const *keys, char **out, bool *changed);
/*
 * Sets KEY=value in a shell-variable file: the first line setting it is
 * replaced, later ones dropped; appended when absent. 0 or -ENOMEM.
 */
int vs_edit_set_key(const char *in, const char *key, const char *value, char **out);
/*
 * Replaces field (0-based) of the colon-separated line whose first field is
 * name (passwd, shadow, group). -ENOENT when no line has that name.
 */
int vs_edit_set_field(const char *in, const char *name, unsigned field, const char *value,
		      char **out);
/* Field (0-based) of the line named name, malloc'd; -ENOENT when absent. */
int vs_edit_get_field(const char *in, const char *name, unsigned field, char **out);
/* Drops the lines whose first field is one of names (NULL-terminated);
 * *n counts them. */
int vs_edit_drop_names(const char *in, const char *const *names, char **out, size_t *n);
/* Removes each of names from the member lists (field 3) of group lines. */
int vs_edit_drop_members(const char *in, const char *const *names, char **out);
/* Every whole-word occurrence of from replaced by to (word characters:
 * letters, digits, '-', '_'): UUIDs in fstab and boot loader files, the
 * old host name in /etc/hosts (its FQDN's first label too). *n counts the
 * replacements. */
int vs_edit_replace_word(const char *in, const char *from, const char *to, char **out,
			 size_t *n);
/* Appends line to a file's text, adding the missing final newline first
 * and the line's own newline (virt-customize's --append-line). */
int vs_edit_append_line(const char *in, const char *line, char **out);

/* ---- passwords (password.c) ---- */

enum vs_pw_kind { VS_PW_PASSWORD, VS_PW_FILE, VS_PW_RANDOM, VS_PW_DISABLED };
struct vs_pw {
	enum vs_pw_kind kind;
	bool locked;		/* "!" before the hash: passwd -l */
	char *value;		/* the password or the file name */
	const char *method;	/* crypt(3) prefix: "$6$" (SHA-512, NULL), "$5$", "$1$" */
};
/* Parses a selector: password:P, file:F, random, disabled, locked,
 * locked:SELECTOR. -EINVAL with e saying why. */
int vs_pw_parse(const char *sel, struct vs_pw *pw, struct vu_err *e);
void vs_pw_clear(struct vs_pw *pw);
/*
 * The shadow field for pw: a crypt(3) hash (SHA-512 unless pw->method
 * says otherwise) with a fresh salt, "*"
 * for disabled, "!" before it when locked; the clear-text password of a
 * random one in *clear (malloc'd, else NULL) for the caller to tell.
 */
int vs_pw_field(const struct vs_pw *pw, char **field, char **clear, struct vu_err *e);

/* ---- firstboot (firstboot.c) ---- */

/* Where the scripts go inside the guest (virt-customize's layout, so that a
 * guest prepared by either runs the other's scripts too). */
#define VS_FB_DIR "/usr/lib/virt-sysprep"
/* The runner script, the systemd unit and the SysV init script's text. */
const char *vs_fb_runner(void);
const char *vs_fb_unit(void);
const char *vs_fb_initscript(void);
/* A script's file name inside VS_FB_DIR/scripts: NNNN-NAME, NAME made of
 * the base name's letters, digits, '-' and '_' (others become '-').
 * malloc'd. */
char *vs_fb_script_name(unsigned seq, const char *name);
/* The script that runs a --firstboot-command. malloc'd. */
char *vs_fb_command_script(const char *cmd);

/* ---- customize operations (customize.c) ---- */

enum vs_cu_kind {
	VS_CU_HOSTNAME, VS_CU_ROOT_PASSWORD, VS_CU_PASSWORD, VS_CU_SSH_INJECT,
	VS_CU_TIMEZONE, VS_CU_FIRSTBOOT, VS_CU_FIRSTBOOT_COMMAND, VS_CU_MKDIR,
	VS_CU_WRITE, VS_CU_UPLOAD, VS_CU_COPY_IN, VS_CU_DELETE, VS_CU_TOUCH,
	VS_CU_CHMOD, VS_CU_LINK, VS_CU_TRUNCATE, VS_CU_APPEND_LINE,
	VS_CU_RUN, VS_CU_RUN_COMMAND,	/* the appliance path only (aprun.c) */
};
struct vs_cu {
	enum vs_cu_kind kind;
	char *a, *b;		/* the argument split at its colon, as the kind says */
	struct vs_pw pw;	/* the password ones */
};
struct vs_culist {
	struct vs_cu *v;
	size_t n;
};
/* Parses the option's argument into a new entry, in command-line order.
 * -EINVAL with e saying why (a usage error). */
int vs_cu_add(struct vs_culist *l, enum vs_cu_kind kind, const char *arg, struct vu_err *e);
/* --run SCRIPT / --run-command CMD: the guest's /bin/sh, chrooted into the
 * tree the appliance mounted (aprun.c). */
int vs_cu_run(struct vs_ctx *ctx, const struct vs_cu *c);
void vs_cu_free(struct vs_culist *l);

#endif
