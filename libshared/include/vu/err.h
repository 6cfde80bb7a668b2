/* SPDX-License-Identifier: GPL-2.0-or-later */
/* err.h - an error code with a one-line explanation, filled by libshared */
#ifndef VU_ERR_H
#define VU_ERR_H

/*
 * libshared returns 0 / -errno. Where the errno alone would not tell the
 * user what went wrong ("l1 table offset past the end of the file"), the
 * function also fills a struct vu_err the caller passes in (it may be NULL).
 * The message names no program and no file: the tool prints
 * "tool: object: msg".
 */
struct vu_err {
	int code;		/* positive errno */
	char msg[256];		/* lower case, no final period; "" = use strerror */
};

/* Records code and message in e (if not NULL) and returns -code. */
int vu_err_set(struct vu_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The message if one was set, else strerror(code). */
const char *vu_err_str(const struct vu_err *e);
void vu_err_clear(struct vu_err *e);

#endif
