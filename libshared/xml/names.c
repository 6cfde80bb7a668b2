/* SPDX-License-Identifier: GPL-2.0-or-later */
/* names.c - names read from documents: the command line's rule, and a form
 * of any string that is safe to put in a one-line message */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vu/file.h"
#include "vu/xml.h"

const char *vu_xml_shown(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char one[5];

		if (c >= 0x20 && c < 0x7f)
			one[0] = (char)c, one[1] = '\0';
		else if (c == '\n' || c == '\t' || c == '\r')
			snprintf(one, sizeof(one), "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
		else
			snprintf(one, sizeof(one), "\\x%02x", c);
		/* Room for this piece, and for "..." should more follow. */
		if (n + strlen(one) + (s[1] ? 3 : 0) > size - 1) {
			memcpy(buf + n, "...", 4);
			return buf;
		}
		memcpy(buf + n, one, strlen(one));
		n += strlen(one);
	}
	buf[n] = '\0';
	return buf;
}

int vu_xml_name_check(const char *kind, const char *name, struct vu_err *e)
{
	char shown[64];

	if (vu_name_check(name) == 0)
		return 0;
	return vu_err_set(e, EINVAL, "invalid %s name '%s': letters, digits and _.+:- only, "
			  "not first . or -, 1 to 255 bytes", kind,
			  vu_xml_shown(name, shown, sizeof(shown)));
}
