/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strutil.c - small string questions that models and tools both ask */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "vu/strutil.h"

bool vu_word_in(const char *s, const char *const *words)
{
	for (; s && *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

int vu_word_index(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (words[i] && strcmp(s, words[i]) == 0)
			return (int)i;
	return -EINVAL;
}

bool vu_str_alnum_or(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

void vu_last_line(char *buf, size_t len, const char *prefix, char *out, size_t outlen)
{
	char *end = buf + len, *start;
	size_t n;

	while (end > buf && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = end;
	while (start > buf && start[-1] != '\n')
		start--;
	if (prefix && strncmp(start, prefix, strlen(prefix)) == 0)
		start += strlen(prefix);
	/* The line may be longer than out: keep its start. */
	n = strlen(start) < outlen - 1 ? strlen(start) : outlen - 1;
	memcpy(out, start, n);
	out[n] = '\0';
}
