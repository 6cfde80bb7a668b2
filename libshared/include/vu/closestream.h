/* SPDX-License-Identifier: GPL-2.0-or-later */
/* closestream.h - a failed write to stdout is an error, a closed pipe is not */
#ifndef VU_CLOSESTREAM_H
#define VU_CLOSESTREAM_H

/*
 * Flushes stdout and stderr and makes sure what they held was written: a
 * stream whose error flag is set, a failed fflush, or an error the
 * filesystem reports at close (checked by closing a duplicate descriptor,
 * so the streams stay usable) is a failure. 0, or -errno for a real failure
 * (-EIO when the cause is no longer known); EPIPE on stdout is not one,
 * nor a descriptor the program closed itself (EBADF).
 */
int vu_close_stdout(void);
/* atexit hook for main.c (register it first): on failure prints
 * "tool: write error[: strerror]" on stderr and _exit(1); a failure of
 * stderr itself only sets the status. */
void vu_close_stdout_atexit(void);

#endif
