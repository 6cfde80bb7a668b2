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
