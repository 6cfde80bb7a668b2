/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs.c - the KSM directory: knobs, reading, and writes that change all or nothing */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/strutil.h"

#include "ksm.h"

static const char *const advisor_modes[] = { "none", "scan-time", NULL };

/*
 * What the kernel accepts (mm/ksm.c): run 0, 1 or 2; pages_to_scan and the
 * millisecond knobs an unsigned int; max_page_sharing at least 2; the
 * booleans 0 or 1. Knobs a kernel lacks are refused later, when their file
 * is missing.
 */
static const struct ksm_knob knobs[] = {
	{ "run", 0, 2, NULL },
	{ "pages_to_scan", 0, UINT32_MAX, NULL },
	{ "sleep_millisecs", 0, UINT32_MAX, NULL },
	{ "merge_across_nodes", 0, 1, NULL },
	{ "max_page_sharing", 2, INT32_MAX, NULL },
	{ "use_zero_pages", 0, 1, NULL },
	{ "stable_node_chains_prune_millisecs", 0, UINT32_MAX, NULL },
	{ "smart_scan", 0, 1, NULL },
	{ "advisor_mode", 0, 0, advisor_modes },
	{ "advisor_max_cpu", 1, 100, NULL },
	{ "advisor_target_scan_time", 1, INT64_MAX, NULL },
	{ "advisor_min_pages_to_scan", 1, INT64_MAX, NULL },
	{ "advisor_max_pages_to_scan", 1, INT64_MAX, NULL },
};

static const char *const readonly[] = {
	"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
	"pages_skipped", "pages_scanned", "full_scans", "stable_node_chains",
	"stable_node_dups", "ksm_zero_pages", "general_profit",
};

const struct ksm_knob *ksm_knob_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		if (!strcmp(knobs[i].name, name))
			return &knobs[i];
	return NULL;
}

bool ksm_knob_readonly(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++)
		if (!strcmp(readonly[i], name))
			return true;
	return false;
}

int ksm_knob_check(const struct ksm_knob *k, const char *value)
{
	const char *s = value;
	char *end;
	long long v;

	if (!k)
		return -EINVAL;
	if (k->words)
		return vu_word_in(value, k->words) ? 0 : -EINVAL;
	if (*s == '-' && s[1] >= '0' && s[1] <= '9')
		return -ERANGE;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < k->min || v > k->max)
		return -ERANGE;
	return 0;
}

int ksm_sysfs_read(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4096];
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		got = read(fd, buf, len - 1);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	buf[got] = '\0';
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		buf[--got] = '\0';
	return 0;
}

int ksm_sysfs_read_int(const char *dir, const char *name, int64_t *v)
{
	char buf[64], *end;
	int r;

	r = ksm_sysfs_read(dir, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (end == buf || *end || errno)
		return -EINVAL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ksm_sysfs_list(const char *dir, char ***names)
{
	size_t n = 0, cap = 16;
	char **v, **nv;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d)
		return -errno;
	v = malloc(cap * sizeof(*v));
	if (!v) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n + 1 == cap) {
			nv = realloc(v, cap * 2 * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap *= 2;
		}
		v[n] = strdup(de->d_name);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	v[n] = NULL;
	if (r < 0) {
		ksm_sysfs_list_free(&v);
		return r;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return 0;
}

void ksm_sysfs_list_free(char ***names)
{
	if (!*names)
		return;
	for (char **p = *names; *p; p++)
		free(*p);
	free(*names);
	*names = NULL;
}

/* A choice file reads "[none] scan-time": the bracketed word is the value. */
static void current_choice(char *buf)
{
	char *open = strchr(buf, '['), *close;

	if (open && (close = strchr(open, ']'))) {
		memmove(buf, open + 1, (size_t)(close - open - 1));
		buf[close - open - 1] = '\0';
	}
}

/* The kernel takes a sysfs value in one write(2); it reports errors there. */
static int write_value(const char *dir, const char *name, const char *value)
{
	char path[4096], line[80];
	int fd, len, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	len = snprintf(line, sizeof(line), "%s\n", value);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, line, (size_t)len) != len)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int ksm_sysfs_apply(const char *dir, struct ksm_write *w, size_t n,
		    bool dry_run, size_t *failed, bool *writing)
{
	int r;

	*writing = false;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		/* A file written twice (run=2 before merge_across_nodes, then run
		 * again) holds, before the second write, what the first wrote. */
		while (j-- > 0 && strcmp(w[j].name, w[i].name))
			;
		if (j < i) {
			memcpy(w[i].old, w[j].value, sizeof(w[i].old));
		} else {
			r = ksm_sysfs_read(dir, w[i].name, w[i].old, sizeof(w[i].old));
			if (r < 0) {
				*failed = i;
				return r;
			}
			current_choice(w[i].old);
		}
		w[i].changed = strcmp(w[i].old, w[i].value) != 0;
	}
	if (dry_run)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!w[i].changed)
			continue;
		errno = 0;
		r = write_value(dir, w[i].name, w[i].value);
		if (r == 0)
			continue;
		*failed = i;
		*writing = true;
		/* Best effort: the write that failed is the error to report. */
		while (i-- > 0)
			if (w[i].changed)
				(void)write_value(dir, w[i].name, w[i].old);
		return r;
	}
	return 0;
}
