/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diag.h - diagnostics in the err(3) family: "tool: object: what[: strerror]" */
#ifndef VU_DIAG_H
#define VU_DIAG_H

#include <stdnoreturn.h>

/*
 * The program name is glibc's program_invocation_short_name, so there is no
 * state to set up. Messages are lower case with no final period; callers put
 * the object first: vu_warn("%s: cannot open", path).
 */
void vu_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vu_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vu_warnc(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_errx(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_errc(int status, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One line, then "Try 'tool --help' for more information.", exit status. */
noreturn void vu_usage_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_errtryhelp(int status);

#endif
