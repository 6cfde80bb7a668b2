/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.h - where virtutils keeps definitions (state root) and live state (run dir) */
#ifndef VU_STATE_H
#define VU_STATE_H

#include <stdbool.h>

/*
 * State root: the --root option if given, else $VIRTUTILS_ROOT, else
 * /var/lib/virtutils for root and ${XDG_DATA_HOME:-$HOME/.local/share}/virtutils
 * for other users.
 * Run dir: "run" inside the root when it came from --root or $VIRTUTILS_ROOT,
 * else /run/virtutils for root and $XDG_RUNTIME_DIR/virtutils for others.
 */
struct vu_state {
	char *root;
	char *run;
	bool explicit_root;
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
/* Creates root, its subdirectories (domains pools networks images autostart/...)
 * and the run dir, as needed (images/ is created mode 0711 whatever the umask).
 * Existing directories are left as they are. 0 or -errno (-ENOTDIR when a
 * file is in the way). */
int vu_state_prepare(const struct vu_state *st);
/* "ROOT/sub/name", "ROOT/sub" or "ROOT/name" when one is NULL (malloc'd,
 * NULL on ENOMEM). Names are not checked here: see vu_name_check. */
char *vu_state_path(const struct vu_state *st, const char *sub, const char *name);
/* Takes the root's lock file ROOT/.lock, shared (readers) or exclusive
 * (writers), waiting for it; returns the fd that holds it (close to release),
 * or -errno (-ENOENT before vu_state_prepare created the root). */
int vu_state_lock(const struct vu_state *st, bool exclusive);
void vu_state_free(struct vu_state *st);

#endif
