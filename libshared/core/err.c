/* SPDX-License-Identifier: GPL-2.0-or-later */
/* err.c - an error code with a one-line explanation */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vu/err.h"

int vu_err_set(struct vu_err *e, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (e) {
		e->code = code;
		e->msg[0] = '\0';
		if (fmt) {
			va_list ap;

			va_start(ap, fmt);
			vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
			va_end(ap);
		}
	}
	return -code;
}

const char *vu_err_str(const struct vu_err *e)
{
	if (!e)
		return "unknown error";
	return e->msg[0] ? e->msg : strerror(e->code);
}

void vu_err_clear(struct vu_err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}
