/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diag.h - diagnostics in the err(3) family: "tool: object: what[: strerror]" */
#ifndef VU_DIAG_H
#define VU_DIAG_H

#include <stdbool.h>
#include <stdnoreturn.h>

struct vu_err;

/*
 * The program name is glibc's program_invocation_short_name, so there is no
 * state to set up. Messages are lower case with no final period; callers put
 * the object first: vu_warn("%s: cannot open", path).
 *
 * vu_warn* print and return; vu_die* print and end the program with
 * status (VU_EXIT_* of vu/base.h, or a tool's own code). Only tools call
 * vu_die*: libshared returns errors, in a struct vu_err (vu/err.h) where
 * a message is needed. As with err(3): no suffix adds strerror(errno), x
 * adds nothing, c adds strerror(errnum) for an explicit errnum (negative
 * or positive).
 */
void vu_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tool: object: message of e" on stderr; returns VU_EXIT_FAIL, so that a
 * command ends with `return vu_fail(name, &e);`. */
int vu_fail(const char *object, const struct vu_err *e);
/* A line on stdout (newline added) unless quiet: a command's report of
 * what it did, which -q silences. */
void vu_say(bool quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vu_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vu_warnc(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_diex(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_diec(int status, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One line, then "Try 'tool --help' for more information.", exit status. */
noreturn void vu_die_usage(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void vu_die_tryhelp(int status);

#endif
