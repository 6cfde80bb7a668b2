/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmctl.h - vm-ctl's parsed command line, its commands, and the helpers
 * they share */
#ifndef VMCTL_H
#define VMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "vu/cmd.h"
#include "vu/domainxml.h"
#include "vu/qemurun.h"
#include "vu/state.h"

/* Every option, by id; a command lists the ones it takes in its row's
 * opts. New commands add their ids before O_COUNT. */
enum vc_opt {
	O_DOMAIN, O_FILE, O_ALL, O_INACTIVE, O_NAME_FLAG, O_UUID, O_JSON,
	O_STATE_RUNNING, O_STATE_PAUSED, O_STATE_SHUTOFF, O_NVRAM, O_REMOVE_ALL_STORAGE,
	O_PAUSED, O_RUNAS, O_TIMEOUT, O_FORCE, O_GRACEFUL, O_REASON, O_SECURITY_INFO,
	O_PRETTY, O_HMP,
	/* console, save/restore, setmem, domblklist, domif*, autostart */
	O_DISABLE, O_DETAILS, O_INTERFACE, O_FULL, O_SOURCE, O_SIZE, O_LIVE, O_CONFIG,
	O_CURRENT, O_RUNNING, O_CONSOLE,
	O_COUNT
};

#define OPT(o) (1ull << (o))

/* vm-ctl's vu_cmd flag: the command may start or signal QEMU and keeps
 * the capabilities for it (NET_ADMIN for taps, SETUID and SETGID for
 * -runas, KILL). */
#define VC_F_RUN 0x1u

/* The parsed command line, the ctx of every command. */
struct vm_ctl {
	const struct vu_cmd *cmd;
	const char *root;
	bool quiet, verbose;
	bool state_open;
	struct vu_state st;
	bool set[O_COUNT];
	const char *arg[O_COUNT];
};

/* main.c */
/* The state root, prepared on first use. */
const struct vu_state *vc_state(struct vm_ctl *vc);
/* virsh's confirmation lines, on stdout unless -q. */
void vc_say(const struct vm_ctl *vc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "vm-ctl: object: msg" and status 1. */
int vc_fail(const char *object, const struct vu_err *e);
noreturn void vc_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The domain operand (--domain or the first operand). */
const char *vc_dom_ref(struct vm_ctl *vc, int argc, char **argv);
/* The name of the domain REF names (its name, id or UUID), defined or
 * running, malloc'd; dies with status 1 "REF: domain not found". */
char *vc_lookup(struct vm_ctl *vc, const char *ref);
/* Every domain, defined or running, sorted, NULL-terminated (free with
 * vu_domaindb_names_free). */
char **vc_all_names(struct vm_ctl *vc);
/* vc_lookup of the command's domain operand. */
char *vc_domain_arg(struct vm_ctl *vc, int argc, char **argv);
/* The domain's XML: the live one when it runs (unless inactive), else
 * the definition; dies with status 1 when there is none. */
struct vu_domain *vc_load(struct vm_ctl *vc, const char *name, bool inactive);
/* The state of name; dies with status 1 on error. */
struct vu_domstatus vc_status(struct vm_ctl *vc, const char *name);

/* cmds.c: definitions and what is known of them */
int vc_cmd_define(void *ctx, int argc, char **argv);
int vc_cmd_undefine(void *ctx, int argc, char **argv);
int vc_cmd_dumpxml(void *ctx, int argc, char **argv);
int vc_cmd_domuuid(void *ctx, int argc, char **argv);
int vc_cmd_domname(void *ctx, int argc, char **argv);
int vc_cmd_domid(void *ctx, int argc, char **argv);
int vc_cmd_domstate(void *ctx, int argc, char **argv);
int vc_cmd_dominfo(void *ctx, int argc, char **argv);

/* What define adds to a document before it is stored (a UUID, the
 * existing domain's when there is one; MACs); edit does it too. */
int vc_complete_ids(struct vm_ctl *vc, struct vu_domain *dom, const char *name,
		    struct vu_err *e);

/* list.c */
int vc_cmd_list(void *ctx, int argc, char **argv);

/* start.c */
int vc_cmd_start(void *ctx, int argc, char **argv);

/* lifecycle.c: shutdown, destroy, reboot, reset, suspend, resume */
int vc_cmd_shutdown(void *ctx, int argc, char **argv);
int vc_cmd_destroy(void *ctx, int argc, char **argv);
int vc_cmd_reboot(void *ctx, int argc, char **argv);
int vc_cmd_reset(void *ctx, int argc, char **argv);
int vc_cmd_suspend(void *ctx, int argc, char **argv);
int vc_cmd_resume(void *ctx, int argc, char **argv);

/* monitor.c */
int vc_cmd_qemu_monitor_command(void *ctx, int argc, char **argv);

/* cmd_console.c */
int vc_cmd_console(void *ctx, int argc, char **argv);
/* The console session of vm-ctl console (and start --console): 0 or 1. */
int vc_console_attach(struct vm_ctl *vc, const char *name, bool force);
/* cmd_edit.c */
int vc_cmd_edit(void *ctx, int argc, char **argv);
/* cmd_autostart.c */
int vc_cmd_autostart(void *ctx, int argc, char **argv);
int vc_cmd_start_all(void *ctx, int argc, char **argv);
/* cmd_setmem.c */
int vc_cmd_setmem(void *ctx, int argc, char **argv);
/* cmd_save.c */
int vc_cmd_save(void *ctx, int argc, char **argv);
int vc_cmd_restore(void *ctx, int argc, char **argv);
/* cmd_devlist.c */
int vc_cmd_domblklist(void *ctx, int argc, char **argv);
int vc_cmd_domiflist(void *ctx, int argc, char **argv);
int vc_cmd_domifaddr(void *ctx, int argc, char **argv);

#endif
