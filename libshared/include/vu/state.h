/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.h - where virtutils keeps definitions (state root) and live state (run dir) */
#ifndef VU_STATE_H
#define VU_STATE_H

#include <stdbool.h>

#include "vu/err.h"

/*
 * State root: the --root option if given, else $VIRTUTILS_ROOT, else
 * /var/lib/virtutils for root and ${XDG_DATA_HOME:-$HOME/.local/share}/virtutils
 * for other users.
 * Run dir: "run" inside the root when it came from --root or $VIRTUTILS_ROOT,
 * else /run/virtutils for root and $XDG_RUNTIME_DIR/virtutils for others.
 */
/* The directories of a root (and its run dir) that vu_state_prepare
 * checks and keeps open. */
enum vu_state_dir {
	VU_STATE_ROOT,
	VU_STATE_DOMAINS,
	VU_STATE_POOLS,
	VU_STATE_NETWORKS,
	VU_STATE_IMAGES,
	VU_STATE_AUTOSTART,
	VU_STATE_AUTOSTART_DOMAINS,
	VU_STATE_AUTOSTART_POOLS,
	VU_STATE_AUTOSTART_NETWORKS,
	VU_STATE_RUN,
	VU_STATE_NDIRS
};

struct vu_state {
	char *root;
	char *run;
	bool explicit_root;
	bool opened;			/* dirfd[] holds open fds */
	int dirfd[VU_STATE_NDIRS];
};

/*
 * Fills st (free it with vu_state_free). Paths are made absolute (QEMU
 * daemonises into "/") and lose trailing slashes; nothing is created.
 * $XDG_* values that are not absolute are ignored, as the XDG spec says;
 * without $HOME the password database gives the home directory. A non-root
 * user without $XDG_RUNTIME_DIR gets the run dir inside the root.
 * root_opt may also be one of the two URIs below (a tool's --connect): the
 * root and run dir that root (system) or any other user (session) gets by
 * default, whoever runs the tool; $VIRTUTILS_ROOT does not override them.
 * 0, -EINVAL (empty root_opt), -ENOENT (no home) or -ENOMEM.
 */
int vu_state_resolve(struct vu_state *st, const char *root_opt);
#define VU_URI_SYSTEM "qemu:///system"
#define VU_URI_SESSION "qemu:///session"
/* Whether uri is one of those two. */
bool vu_state_uri_known(const char *uri);
/*
 * Creates root, its subdirectories (domains pools networks images autostart/...)
 * and the run dir, as needed (images/ is created mode 0711 whatever the umask),
 * then checks and opens each of them, so that what is checked is what is
 * used: every one must be a directory owned by the caller (euid) or root and
 * writable by neither its group nor others (a sticky /tmp-like directory is
 * refused too), and each one inside the root, and the run dir, must not be a
 * symbolic link (opened with O_NOFOLLOW). The root itself may be a link the
 * caller or root owns (an administrator's). Existing directories are
 * otherwise left as they are. 0 or -errno with e saying "PATH: what is
 * wrong": -ELOOP "is a symbolic link", -ENOTDIR "is not a directory",
 * -EPERM "owned by uid N, not by you or root" or "writable by others".
 * May be called again: the directories are checked and opened afresh.
 */
int vu_state_prepare(struct vu_state *st, struct vu_err *e);
/* vu_state_resolve then vu_state_prepare, for a tool's main: a failure is
 * one line naming the root and the end of the program (VU_EXIT_FAIL). */
void vu_state_open_or_die(struct vu_state *st, const char *root_opt);
/* The checked directory d, open (O_PATH is not used: files are created and
 * listed through it), or -EBADF before vu_state_prepare. The fd stays st's. */
int vu_state_dirfd(const struct vu_state *st, enum vu_state_dir d);
/* "ROOT/sub/name", "ROOT/sub" or "ROOT/name" when one is NULL (malloc'd,
 * NULL on ENOMEM). Names are not checked here: see vu_name_check. */
char *vu_state_path(const struct vu_state *st, const char *sub, const char *name);
/* Takes the root's lock file ROOT/.lock, shared (readers) or exclusive
 * (writers), waiting for it; returns the fd that holds it (close to release),
 * or -errno (-ENOENT before vu_state_prepare created the root). After
 * vu_state_prepare the file is opened in the checked root. */
int vu_state_lock(const struct vu_state *st, bool exclusive);
/* Frees the paths and closes the directories; harmless twice, and on a
 * zeroed struct. */
void vu_state_free(struct vu_state *st);

#endif
