/* SPDX-License-Identifier: GPL-2.0-or-later */
/* closestream.c - a failed write to stdout is an error, a closed pipe is not */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/closestream.h"
#include "vu/diag.h"

/*
 * Flushes f and asks the kernel for errors a filesystem may keep until close
 * (NFS does) by closing a duplicate of its descriptor. Returns 0 or -1;
 * *errnum is then the cause, or 0 when only the stream's error flag says a
 * write failed earlier and the reason is gone.
 */
static int flush_stream(FILE *f, int *errnum)
{
	bool failed_before = ferror(f);
	int fd;

	errno = 0;
	if (fflush(f) != 0 || failed_before)
		goto fail;
	fd = dup(fileno(f));
	if (fd < 0 || close(fd) != 0)
		goto fail;
	return 0;
fail:
	*errnum = errno;
	/* A stream the program closed itself (or was started without) is not a
	 * write that failed. */
	return errno == EBADF ? 0 : -1;
}

/* 0, or the errno of stdout's failure (0 when unknown) and -1. A closed pipe
 * is how "tool | head" ends, not an error. */
static int check_stdout(int *errnum)
{
	if (flush_stream(stdout, errnum) < 0 && *errnum != EPIPE)
		return -1;
	return 0;
}

int vu_close_stdout(void)
{
	int errnum = 0;

	if (check_stdout(&errnum) < 0 || flush_stream(stderr, &errnum) < 0)
		return errnum ? -errnum : -EIO;
	return 0;
}

void vu_close_stdout_atexit(void)
{
	int errnum = 0;

	if (check_stdout(&errnum) < 0) {
		if (errnum)
			vu_warnc(errnum, "write error");
		else
			vu_warnx("write error");
		_exit(VU_EXIT_FAIL);
	}
	/* Nowhere left to say it: only the status can. */
	if (flush_stream(stderr, &errnum) < 0)
		_exit(VU_EXIT_FAIL);
}
