// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_files.c - the files a command line refers to and the runtime
 * writes before QEMU starts (secrets) */
#include <errno.h>
#include <string.h>

#include "vu/file.h"
#include "vu/qemucmd.h"

int vu_qemu_cmd_write_files(const struct vu_qemu_cmd *cmd, struct vu_err *e)
{
	for (size_t i = 0; i < cmd->nfiles; i++) {
		const struct vu_qemu_file *f = &cmd->files[i];
		struct vu_atomic a;
		int r = vu_atomic_open(&a, f->path, 0600);

		if (r == 0) {
			r = vu_write_all(a.fd, f->data, strlen(f->data));
			if (r < 0)
				vu_atomic_abort(&a);
			else
				r = vu_atomic_commit(&a, true, false);
		}
		if (r < 0)
			return vu_err_set(e, -r, "%s: %s", f->path, strerror(-r));
	}
	return 0;
}
