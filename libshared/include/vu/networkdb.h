/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkdb.h - virtual networks defined in the state root
 * (ROOT/networks/NAME.xml) and running (RUN/networks/NAME.xml) */
#ifndef VU_NETWORKDB_H
#define VU_NETWORKDB_H

#include <stdbool.h>
#include <stddef.h>

#include "vu/err.h"
#include "vu/networkxml.h"
#include "vu/state.h"

/*
 * As vu/domaindb.h: every function takes the state root's lock itself
 * (shared to read, exclusive to write) and never holds it on return; the
 * root must exist (vu_state_prepare). Files are opened through the root's
 * checked directories, never through a symbolic link. Errors are 0 /
 * -errno with a one-line reason in e.
 */

/* The definition, or the live record of a running network (what it was
 * started with). -ENOENT with "network 'NAME' not found" (live: "network
 * 'NAME' is not active"); a file that names another network is -EINVAL,
 * a symbolic link in the file's place -ELOOP ("PATH: is a symbolic link"). */
int vu_networkdb_load(const struct vu_state *st, const char *name,
		      struct vu_network **out, struct vu_err *e);
int vu_networkdb_load_live(const struct vu_state *st, const char *name,
			   struct vu_network **out, struct vu_err *e);

enum {
	VU_NETWORKDB_DEFINED = 1,	/* ROOT/networks */
	VU_NETWORKDB_ACTIVE = 2,	/* RUN/networks: running, transient ones too */
};
/* Names of the networks that are defined and/or active (which: the flags
 * above), sorted, without repeats; *names is NULL-terminated. */
int vu_networkdb_list(const struct vu_state *st, unsigned which, char ***names, size_t *n);
void vu_networkdb_names_free(char **names);

/*
 * Checks net against every other network, defined or active (the one of
 * net's name is not another): the same UUID ("UUID U is used by network
 * 'N'"), the same bridge name ("bridge B is used by network 'N'"), an IPv4
 * or IPv6 subnet that overlaps ("subnet A/P overlaps network 'N'"), all
 * -EEXIST. Host interfaces are the tool's to check when it starts one. A
 * file that cannot be read is skipped with a warning line on stderr
 * naming it, as domaindb does.
 */
int vu_networkdb_check_unique(const struct vu_state *st, const struct vu_network *net,
			      struct vu_err *e);

/*
 * net-define: checks the name (vu_name_check) and the document
 * (vu_network_check), then under the exclusive lock: a definition (or a
 * running network) of the same name is replaced (made persistent) when
 * the UUIDs agree (net without one takes it, and the MAC too when it has
 * none), else -EEXIST "network 'N' already
 * exists with uuid U"; what vu_network_ensure_ids adds is added, and a
 * network that makes its own bridge without a name gets the first virbrN
 * no other network has, as libvirt names them at define (net is changed:
 * the caller sees them); check_unique's conflicts; then the document is
 * written atomically, 0600 whatever the umask.
 */
int vu_networkdb_define(const struct vu_state *st, struct vu_network *net,
			struct vu_err *e);
/* Removes the definition and its autostart mark (a running network goes
 * on, transient); -ENOENT "network 'NAME' not found". */
int vu_networkdb_undefine(const struct vu_state *st, const char *name, struct vu_err *e);

/* ROOT/autostart/networks/NAME -> ../../networks/NAME.xml (autostart.c);
 * marking needs the definition. */
int vu_networkdb_autostart(const struct vu_state *st, const char *name, bool on,
			   struct vu_err *e);
bool vu_networkdb_is_autostart(const struct vu_state *st, const char *name);

/*
 * The live record: written (replaced, 0600) when a network has started,
 * with the XML it runs with; removed when it is destroyed (none is 0).
 * Its presence is what "active" means.
 */
int vu_networkdb_set_live(const struct vu_state *st, const struct vu_network *net,
			  struct vu_err *e);
int vu_networkdb_clear_live(const struct vu_state *st, const char *name, struct vu_err *e);
/*
 * The rules a running network loaded, as vu_nat_render printed them:
 * RUN/networks/NAME.nft (replaced atomically, 0600), so the live state
 * says what was applied; NULL removes it (none is 0). clear_live removes
 * it too.
 */
int vu_networkdb_set_rules(const struct vu_state *st, const char *name, const char *rules,
			   struct vu_err *e);
/* 1 active, 0 not, -errno. */
int vu_networkdb_is_active(const struct vu_state *st, const char *name);

/*
 * libvirt's package defines `default` once, at install: the first call
 * defines it (libvirt's default.xml with a fresh UUID and MAC, marked
 * autostart) unless a network of that name exists, and leaves
 * ROOT/networks/.default-done so that a default the user undefines stays
 * undefined. Should 192.168.122.0/24 or virbr0 be taken by another
 * network, the next free 192.168.N.0/24 (N up to 254) and virbrN are used,
 * as Fedora's package does. 1 when it defined it, 0 when nothing was to be
 * done, -errno.
 */
int vu_networkdb_ensure_default(const struct vu_state *st, struct vu_err *e);

#endif
