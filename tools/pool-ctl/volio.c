/* SPDX-License-Identifier: GPL-2.0-or-later */
/* volio.c - vol-upload and vol-download: a volume's bytes from and to a
 * file or a pipe */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/file.h"

#include "pool-ctl.h"

static void xfer_opts(const struct pool_ctl *pc, struct vu_vol_xfer *x,
		      const struct vu_show_progress *prog)
{
	*x = (struct vu_vol_xfer){ .sparse = pc->set[O_SPARSE], .progress = prog };
	if (pc->set[O_OFFSET])
		x->offset = pc_size(pc, pc->arg[O_OFFSET], "offset");
	if (pc->set[O_LENGTH])
		x->length = pc_size(pc, pc->arg[O_LENGTH], "length");
}

int cmd_vol_upload(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_show_progress prog = pc_progress(pc);
	struct vu_vol_xfer x;
	struct volref ref;
	struct vu_err e = { 0 };
	const char *file;
	int fd, r;

	xfer_opts(pc, &x, &prog);
	pc_volref(pc, argc, argv, 1, &ref);
	file = ref.rest[0];
	fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		vu_warn("%s: cannot read", file);
		vu_vol_free(&ref.vol);
		return VU_EXIT_FAIL;
	}
	r = vu_vol_upload(pc_storage(pc), ref.vol, fd, &x, &e);
	if (r < 0)
		r = vu_fail(ref.vol->name, &e);
	if (fd != STDIN_FILENO)
		close(fd);
	vu_vol_free(&ref.vol);
	return r;
}

/* A device (or /dev/null) is written as it is; a file appears only when
 * complete, replacing one of the same name as virsh's download does. */
static int open_output(const char *file, struct vu_atomic *a, bool *atomic)
{
	struct stat st;
	int r;

	*atomic = false;
	if (strcmp(file, "-") == 0)
		return STDOUT_FILENO;
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode))
		return open(file, O_WRONLY | O_CLOEXEC);
	if ((r = vu_atomic_open(a, file, 0666)) < 0) {
		errno = -r;
		return -1;
	}
	*atomic = true;
	return a->fd;
}

int cmd_vol_download(void *ctx, int argc, char **argv)
{
	struct pool_ctl *pc = ctx;
	struct vu_show_progress prog = pc_progress(pc);
	struct vu_vol_xfer x;
	struct volref ref;
	struct vu_atomic a;
	struct vu_err e = { 0 };
	const char *file;
	bool atomic;
	int fd, r;

	xfer_opts(pc, &x, &prog);
	pc_volref(pc, argc, argv, 1, &ref);
	file = ref.rest[0];
	if ((fd = open_output(file, &a, &atomic)) < 0) {
		vu_warn("%s: cannot create", file);
		vu_vol_free(&ref.vol);
		return VU_EXIT_FAIL;
	}
	fflush(stdout);
	r = vu_vol_download(pc_storage(pc), ref.vol, fd, &x, &e);
	if (r == 0 && atomic && (r = vu_atomic_commit(&a, true, false)) < 0) {
		vu_warnc(-r, "%s", file);
		r = VU_EXIT_FAIL;
	} else if (r < 0) {
		if (atomic)
			vu_atomic_abort(&a);
		r = vu_fail(ref.vol->name, &e);
	} else if (!atomic && fd != STDOUT_FILENO) {
		close(fd);
	}
	vu_vol_free(&ref.vol);
	return r;
}
