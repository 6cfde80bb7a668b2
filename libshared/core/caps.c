/* SPDX-License-Identifier: GPL-2.0-or-later */
/* caps.c - keep the capabilities a tool declares and drop the rest (libcap) */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "vu/base.h"
#include "vu/caps.h"

const cap_value_t vu_caps_file[] = {
	CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN,
};
const int vu_caps_file_n = ARRAY_SIZE(vu_caps_file);

static bool is_kept(cap_value_t c, const cap_value_t *keep, int n)
{
	for (int i = 0; i < n; i++)
		if (keep[i] == c)
			return true;
	return false;
}

/*
 * The bounding set caps what any program we exec can gain (setuid root,
 * file capabilities). Trimming it needs CAP_SETPCAP, so it happens before
 * the other sets lose that; a process without it keeps its bounding set.
 */
static int drop_bounding(const cap_value_t *keep, int n)
{
	int max = (int)cap_max_bits();

	if (!vu_caps_have(CAP_SETPCAP))
		return 0;
	for (cap_value_t c = 0; c < max; c++) {
		if (is_kept(c, keep, n) || cap_get_bound(c) != 1)
			continue;
		if (cap_drop_bound(c) < 0)
			return -errno;
	}
	return 0;
}

/* Copies flag for cap from cur to next, if cur has it: sets only shrink. */
static int copy_flag(cap_t cur, cap_t next, cap_value_t cap, cap_flag_t from,
		     cap_flag_t to)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (cap_get_flag(cur, cap, from, &v) < 0)
		return -errno;
	if (v == CAP_SET && cap_set_flag(next, to, 1, &cap, CAP_SET) < 0)
		return -errno;
	return 0;
}

static int build_sets(cap_t cur, cap_t next, const cap_value_t *keep, int n)
{
	int r = 0;

	/* Kept and permitted means usable: effective too. */
	for (int i = 0; r == 0 && i < n; i++) {
		r = copy_flag(cur, next, keep[i], CAP_PERMITTED, CAP_PERMITTED);
		if (r == 0)
			r = copy_flag(cur, next, keep[i], CAP_PERMITTED, CAP_EFFECTIVE);
		if (r == 0)
			r = copy_flag(cur, next, keep[i], CAP_INHERITABLE, CAP_INHERITABLE);
	}
	return r;
}

/* The ambient set follows by itself: the kernel drops an ambient capability
 * once it leaves the permitted or inheritable set. */
static int set_proc_sets(const cap_value_t *keep, int n)
{
	cap_t cur = cap_get_proc(), next = cap_init();
	int r = cur && next ? 0 : -ENOMEM;

	if (r == 0)
		r = build_sets(cur, next, keep, n);
	if (r == 0 && cap_set_proc(next) < 0)
		r = -errno;
	cap_free(cur);
	cap_free(next);
	return r;
}

int vu_caps_keep(const cap_value_t *keep, int n)
{
	int max = (int)cap_max_bits();
	int r;

	if (n < 0 || (n > 0 && !keep))
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (keep[i] < 0 || keep[i] >= max)
			return -EINVAL;
	r = drop_bounding(keep, n);
	if (r == 0)
		r = set_proc_sets(keep, n);
	return r;
}

int vu_caps_have(cap_value_t cap)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!cur)
		return 0;
	if (cap_get_flag(cur, cap, CAP_EFFECTIVE, &v) < 0)
		v = CAP_CLEAR;
	cap_free(cur);
	return v == CAP_SET;
}

const char *vu_caps_name(cap_value_t cap, char *buf, int len)
{
	char *name;
	int i = 0;

	if (len <= 0)
		return buf;
	name = cap_to_name(cap);
	if (!name) {
		snprintf(buf, (size_t)len, "capability %d", cap);
		return buf;
	}
	/* libcap says "cap_net_admin"; man pages and users say CAP_NET_ADMIN. */
	for (; i < len - 1 && name[i]; i++)
		buf[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 'a' + 'A') : name[i];
	buf[i] = '\0';
	cap_free(name);
	return buf;
}
