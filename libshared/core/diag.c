/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diag.c - "tool: object: what[: strerror]" on stderr */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/diag.h"
#include "vu/err.h"

/* A message is one line whatever it quotes (a name given with a newline,
 * a value from a document): control characters are written as escapes. */
static void put_one_line(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", stderr);
		else if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
}

/* errnum < 0: no strerror part. */
static void vmsg(int errnum, const char *fmt, va_list ap)
{
	char *text = NULL;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	if (vasprintf(&text, fmt, ap) >= 0)
		put_one_line(text);
	else
		fputs("(message lost: out of memory)", stderr);
	free(text);
	if (errnum >= 0)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void vu_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void vu_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(-1, fmt, ap);
	va_end(ap);
}

void vu_warnc(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(errnum < 0 ? -errnum : errnum, fmt, ap);
	va_end(ap);
}

void vu_die(int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(saved, fmt, ap);
	va_end(ap);
	exit(status);
}

void vu_diex(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(-1, fmt, ap);
	va_end(ap);
	exit(status);
}

void vu_diec(int status, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(errnum < 0 ? -errnum : errnum, fmt, ap);
	va_end(ap);
	exit(status);
}

void vu_die_tryhelp(int status)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
		program_invocation_short_name);
	exit(status);
}

void vu_die_usage(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(-1, fmt, ap);
	va_end(ap);
	vu_die_tryhelp(status);
}

int vu_fail(const char *object, const struct vu_err *e)
{
	vu_warnx("%s: %s", object, vu_err_str(e));
	return VU_EXIT_FAIL;
}

void vu_say(bool quiet, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}
