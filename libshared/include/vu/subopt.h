/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subopt.h - sub-options in virt-install's "VALUE,key=val,..." form */
#ifndef VU_SUBOPT_H
#define VU_SUBOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vu/err.h"

/*
 * An argument is split at commas into items. "key=value" items must name a
 * key of the option's table; items without '=' are positional and kept in
 * order under the key NULL ("--boot cdrom,hd,menu=on", "--cpu
 * Haswell,+vmx,-svm", "--disk /path,size=8"). Values cannot hold commas:
 * none of the sub-options we accept needs one.
 */
struct vu_subopt {
	const char *key;	/* points into the key table; NULL: positional */
	char *val;		/* "" for "key=" */
};
struct vu_subopts {
	struct vu_subopt *v;
	size_t n;
};

/*
 * Parses arg against keys (a NULL-terminated table). allow_positional false
 * makes an item without '=' an error too. Errors (-EINVAL, e filled):
 * "unknown option 'foo'", "empty option" (",," or a leading/trailing comma),
 * "missing value for option 'k'" (a bare key when positionals are
 * not allowed). -ENOMEM.
 */
int vu_subopt_parse(const char *arg, const char *const *keys, bool allow_positional,
		 struct vu_subopts *out, struct vu_err *e);
void vu_subopt_free(struct vu_subopts *s);
/* The last value given for key, or NULL. */
const char *vu_subopt_get(const struct vu_subopts *s, const char *key);
/* The i-th positional item (0-based), or NULL. */
const char *vu_subopt_positional(const struct vu_subopts *s, size_t i);
size_t vu_subopt_npositional(const struct vu_subopts *s);
/* yes/no, on/off, true/false, 1/0 (any case); -EINVAL otherwise. */
int vu_subopt_bool(const char *val, bool *out);
/* A decimal unsigned integer that fits in max; -EINVAL or -ERANGE. */
int vu_subopt_uint(const char *val, uint64_t max, uint64_t *out);

/* "--disk=?", "--disk ?", "--disk help" and "--disk list" ask for the
 * sub-options; vu_subopt_help prints them, one per line, sorted as given. */
bool vu_subopt_is_help(const char *arg);
void vu_subopt_help(FILE *f, const char *option, const char *const *keys);

#endif
