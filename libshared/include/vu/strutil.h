/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strutil.h - small string questions that models and tools both ask */
#ifndef VU_STRUTIL_H
#define VU_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Is s one of the NULL-terminated words (exact, case-sensitive)? A NULL s
 * is none of them. For the values an option or an attribute accepts. */
bool vu_word_in(const char *s, const char *const *words);
/* The index of s among the n words (a table indexed by an enum, where a
 * slot may be NULL), or -EINVAL: parsing a name into its enum. */
int vu_word_index(const char *s, const char *const *words, size_t n);

/* Is every character of s a letter or a digit (isalnum: ASCII in the C
 * locale the tools run in) or one of extra? True for "": callers that need a word check that. For
 * names that reach a file name, an element or a pattern. */
bool vu_str_alnum_or(const char *s, const char *extra);

/* The last non-empty line of what a program said (buf, len bytes: the
 * end is trimmed in place), after the prefix if it starts with it (NULL:
 * none), copied into out and cut to outlen: the one-line error that
 * quotes mkfs's or dnsmasq's complaint. */
void vu_last_line(char *buf, size_t len, const char *prefix, char *out, size_t outlen);

#endif
