/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pool-ctl.h - the parsed command line, the commands, and the helpers the
 * pool and volume commands share */
#ifndef POOL_CTL_H
#define POOL_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "vu/cmd.h"
#include "vu/storage.h"

/* Every option, by id; a command lists the ones it takes in its vu_cmd
 * row's opts (1 << id). */
enum pc_opt {
	O_ALL, O_INACTIVE, O_PERSISTENT, O_TRANSIENT, O_AUTOSTART, O_NO_AUTOSTART,
	O_TYPE, O_DETAILS, O_NAME_FLAG, O_JSON, O_BYTES, O_PRINT_XML, O_OVERWRITE,
	O_NO_OVERWRITE, O_BUILD, O_DISABLE, O_UUID, O_NAME_ARG, O_SOURCE_HOST,
	O_SOURCE_PATH, O_SOURCE_DEV, O_SOURCE_NAME, O_SOURCE_FORMAT, O_TARGET, O_POOL,
	O_INPUTPOOL, O_ALLOCATION, O_FORMAT, O_BACKING_VOL, O_BACKING_VOL_FORMAT,
	O_PREALLOC_METADATA, O_REFLINK, O_ALGORITHM, O_ALLOCATE, O_DELTA, O_SHRINK,
	O_OFFSET, O_LENGTH, O_SPARSE, O_PROGRESS,
	O_COUNT
};

#define OPT(o) (1ull << (o))

/*
 * pool-ctl's vu_cmd flags: PC_POOL_OP(op) marks a command whose work on
 * its pool is op, which may need CAP_SYS_ADMIN depending on the pool's
 * type (vu_pool_needs_sys_admin); such a command keeps the capability
 * until the pool is known. Commands without it drop it as they start.
 */
#define PC_F_POOL_OP		0x100u
#define PC_POOL_OP(op)		(PC_F_POOL_OP | (unsigned)(op))
#define PC_POOL_OP_OF(flags)	((enum vu_pool_op)((flags) & 0xffu))

/*
 * The parsed command line, the ctx of every command. A command is
 * int cmd_X(void *ctx, int argc, char **argv), argv its operands (the
 * words after the command that are not options).
 */
struct pool_ctl {
	const struct vu_cmd *cmd;
	const char *root;
	bool quiet, verbose;
	bool storage_open;
	bool caps_pending;		/* CAP_SYS_ADMIN kept until the pool is known */
	enum vu_pool_op pool_op;	/* what the command does to it */
	struct vu_storage st;
	bool set[O_COUNT];		/* which options were given */
	const char *arg[O_COUNT];	/* their arguments */
};

/* main.c */
/* Opens the state root on first use (the default pool comes with it). */
struct vu_storage *pc_storage(struct pool_ctl *pc);
/* virsh's confirmation lines ("Pool x started"), on stdout unless -q. */
/* "pool-ctl: object: msg" and status 1. */
/* The pool named by operand i (or --pool), or dies with status 1; the
 * capabilities are settled for its type (pc_caps_for). */
struct vu_pool *pc_pool(struct pool_ctl *pc, const char *ref);
/* Once the pool a command acts on is known: keeps CAP_SYS_ADMIN only if
 * the command's work on a pool of this type needs it. The first call
 * decides, later ones change nothing; commands that never need it have
 * dropped it before they run. */
void pc_caps_for(struct pool_ctl *pc, enum vu_pool_type type);
/* The same, decided by the caller (start-all: any pool it will start). */
void pc_caps_settle(struct pool_ctl *pc, bool sys_admin);
/* Sizes in virsh's dialect (bytes by default), or a usage error. */
uint64_t pc_size(const struct pool_ctl *pc, const char *s, const char *what);
/* Progress as -p and -q ask. */
struct vu_show_progress pc_progress(const struct pool_ctl *pc);
/* An info line with a size: virsh's "1.50 GiB", or with --bytes the
 * number and bytes_unit (pool-info prints "", vol-info " bytes"). */
void pc_info_size(const struct pool_ctl *pc, const char *label, uint64_t v,
		  const char *bytes_unit);
/* Prints an XML string (owned) on stdout. */
int pc_print_xml(char *xml);

/* pool_cmds.c */
int cmd_define(void *ctx, int argc, char **argv);
int cmd_define_as(void *ctx, int argc, char **argv);
int cmd_create(void *ctx, int argc, char **argv);
int cmd_create_as(void *ctx, int argc, char **argv);
int cmd_build(void *ctx, int argc, char **argv);
int cmd_start(void *ctx, int argc, char **argv);
int cmd_destroy(void *ctx, int argc, char **argv);
int cmd_delete(void *ctx, int argc, char **argv);
int cmd_undefine(void *ctx, int argc, char **argv);
int cmd_autostart(void *ctx, int argc, char **argv);
int cmd_start_all(void *ctx, int argc, char **argv);
int cmd_list(void *ctx, int argc, char **argv);
int cmd_info(void *ctx, int argc, char **argv);
int cmd_dumpxml(void *ctx, int argc, char **argv);
int cmd_refresh(void *ctx, int argc, char **argv);
int cmd_uuid(void *ctx, int argc, char **argv);
int cmd_name(void *ctx, int argc, char **argv);

/* edit.c */
int cmd_edit(void *ctx, int argc, char **argv);

/* vol_cmds.c */

/* A volume found from the operands, and the operands after it. */
struct volref {
	struct vu_vol *vol;
	char **rest;
};
/* Finds the volume the operands name, with nrest operands after it: VOL
 * (a path or key, or a name with --pool), POOL VOL, or virsh's VOL ...
 * POOL. Dies with status 1 when there is none. */
void pc_volref(struct pool_ctl *pc, int argc, char **argv, int nrest, struct volref *out);

int cmd_vol_create(void *ctx, int argc, char **argv);
int cmd_vol_create_as(void *ctx, int argc, char **argv);
int cmd_vol_create_from(void *ctx, int argc, char **argv);
int cmd_vol_clone(void *ctx, int argc, char **argv);
int cmd_vol_delete(void *ctx, int argc, char **argv);
int cmd_vol_wipe(void *ctx, int argc, char **argv);
int cmd_vol_resize(void *ctx, int argc, char **argv);
int cmd_vol_list(void *ctx, int argc, char **argv);
int cmd_vol_info(void *ctx, int argc, char **argv);
int cmd_vol_dumpxml(void *ctx, int argc, char **argv);
int cmd_vol_path(void *ctx, int argc, char **argv);
int cmd_vol_name(void *ctx, int argc, char **argv);
int cmd_vol_key(void *ctx, int argc, char **argv);
int cmd_vol_pool(void *ctx, int argc, char **argv);

/* volio.c */
int cmd_vol_upload(void *ctx, int argc, char **argv);
int cmd_vol_download(void *ctx, int argc, char **argv);

#endif
