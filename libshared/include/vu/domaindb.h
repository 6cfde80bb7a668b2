/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domaindb.h - domains defined in the state root (ROOT/domains/NAME.xml) */
#ifndef VU_DOMAINDB_H
#define VU_DOMAINDB_H

#include <stdbool.h>
#include <stddef.h>

#include "vu/domainxml.h"
#include "vu/err.h"
#include "vu/state.h"

/*
 * Every function takes the state root's lock itself (shared to read,
 * exclusive to write) and never holds it on return, so callers copy disks
 * without it (ARCHITECTURE.md). The root must exist (vu_state_prepare).
 * Errors are 0 / -errno with a one-line reason in e where it helps.
 */

/* Loads ROOT/domains/NAME.xml; -ENOENT with "domain 'NAME' not found". */
int vu_domaindb_load(const struct vu_state *st, const char *name,
		     struct vu_domain **out, struct vu_err *e);
/* Names of the defined domains, sorted; *names is NULL-terminated. */
int vu_domaindb_list(const struct vu_state *st, char ***names, size_t *n);
void vu_domaindb_names_free(char **names);

/*
 * Checks dom's name, UUID and interface MACs against every defined domain
 * except the one named `replace` (NULL: none). -EEXIST with e saying
 * "domain 'N' already exists", "UUID U is used by domain 'N'" or
 * "MAC M is used by domain 'N'". A definition that cannot be read is
 * skipped with one warning line on stderr naming its file, printed here
 * because the tool goes on and the user must still hear of it.
 */
int vu_domaindb_check_unique(const struct vu_state *st, const struct vu_domain *dom,
			     const char *replace, struct vu_err *e);
/* True when some defined domain has an interface with this MAC (canonical
 * form); a vu_mac_used_fn whose opaque is the struct vu_state. */
bool vu_domaindb_mac_used(const char *mac, void *state);

enum {
	VU_DOMAINDB_REPLACE = 1,	/* a domain of the same name may be replaced */
};
/*
 * Checks the name with vu_name_check and refuses an all-digit name, checks
 * what libvirt would refuse (vu_domain_check: value ranges, its schema),
 * then under the exclusive lock checks uniqueness as above (against the
 * domain of the same name too, unless VU_DOMAINDB_REPLACE; unreadable
 * definitions skipped quietly) and writes the document atomically
 * (O_TMPFILE, fsync, link; replace by rename), mode 0600 whatever the
 * umask: a definition may hold a display password.
 */
int vu_domaindb_define(const struct vu_state *st, const struct vu_domain *dom,
		       unsigned flags, struct vu_err *e);
/* Removes the definition; -ENOENT if there is none. */
int vu_domaindb_undefine(const struct vu_state *st, const char *name,
			 struct vu_err *e);

/*
 * Marks (on) or unmarks the domain to be started at boot (vm-ctl
 * start-all): ROOT/autostart/domains/NAME, a link to ../../domains/NAME.xml
 * as libvirt's autostart links, made through the root's checked
 * directories. Marking needs the definition (-ENOENT "domain 'NAME' not
 * found"); unmarking one not marked is 0. vu_domaindb_undefine unmarks.
 */
int vu_domaindb_autostart(const struct vu_state *st, const char *name, bool on,
			  struct vu_err *e);
/* Whether the domain is marked to be started at boot. */
bool vu_domaindb_is_autostart(const struct vu_state *st, const char *name);

/* Whether ROOT/domains/NAME.xml exists (without reading it: listings ask
 * it of every domain). */
bool vu_domaindb_is_defined(const struct vu_state *st, const char *name);

/* RUN/qemu/NAME.pid: the pidfile a running domain's QEMU holds locked
 * (the run-dir layout is vu/qemurun.h's). */
char *vu_domaindb_pidfile(const struct vu_state *st, const char *name);
/* 1 when a process holds that pidfile's lock, 0 when none does (or there is
 * no pidfile), -errno on error. */
int vu_domaindb_running(const struct vu_state *st, const char *name);

#endif
