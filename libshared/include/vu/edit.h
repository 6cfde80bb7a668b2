/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edit.h - a document in the user's editor, as virsh's *-edit commands do */
#ifndef VU_EDIT_H
#define VU_EDIT_H

#include <stdbool.h>

#include "vu/err.h"

/*
 * Writes text to a new temporary file ($TMPDIR or /tmp, named
 * TOOL-NAME-XXXXXX.xml so the editor knows it for XML) and runs $VISUAL,
 * else $EDITOR, else vi on it through /bin/sh, so that an editor given
 * with options ("emacs -nw") works. On success *path is the edited file,
 * which the caller reads, then unlinks and frees; *changed says whether
 * its bytes differ from text. On failure nothing is left behind and e
 * says what went wrong (the editor could not run or exited non-zero).
 */
int vu_edit_text(const char *tool, const char *name, const char *text, char **path,
		 bool *changed, struct vu_err *e);

#endif
