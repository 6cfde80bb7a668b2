/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meminfo.c - total and free memory as ksmtuned counts them, from /proc/meminfo */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/file.h"

#include "ksm.h"

/* Values beyond an exabyte are nonsense, and would overflow the sums. */
#define MEMINFO_MAX_KB (INT64_C(1) << 50)

/* The number after "Key:" on the line at s, in kB; -1 if unparsable. */
static int64_t line_value(const char *s)
{
	char *end;
	long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v > MEMINFO_MAX_KB)
		return -1;
	return v;
}

/*
 * free = MemFree + Buffers + Cached, nothing else (SwapCached and
 * MemAvailable are not counted): ksmtuned sums exactly these three lines.
 */
int ksm_meminfo_parse(const char *text, struct ksm_meminfo *m, struct vu_err *e)
{
	static const char *const free_keys[] = { "MemFree:", "Buffers:", "Cached:" };
	bool have_total = false;

	m->total_kb = 0;
	m->free_kb = 0;
	for (const char *s = text; *s; ) {
		const char *nl = strchr(s, '\n');
		int64_t v;

		if (!strncmp(s, "MemTotal:", 9)) {
			v = line_value(s + 9);
			if (v < 0)
				return vu_err_set(e, EINVAL, "unreadable MemTotal line");
			m->total_kb = v;
			have_total = true;
		}
		for (size_t i = 0; i < ARRAY_SIZE(free_keys); i++) {
			size_t len = strlen(free_keys[i]);

			if (strncmp(s, free_keys[i], len))
				continue;
			v = line_value(s + len);
			if (v < 0)
				return vu_err_set(e, EINVAL, "unreadable %.*s line",
						  (int)len - 1, free_keys[i]);
			m->free_kb += v;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	if (!have_total)
		return vu_err_set(e, EINVAL, "no MemTotal line");
	if (m->total_kb == 0)
		return vu_err_set(e, EINVAL, "MemTotal is 0");
	return 0;
}

int ksm_meminfo_read(const char *proc, struct ksm_meminfo *m, struct vu_err *e)
{
	char path[4096], buf[16384];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/meminfo", proc);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vu_err_set(e, errno, "%s", "");
	/* /proc files must be read in one go; loop for the fakes in tests. */
	n = vu_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return vu_err_set(e, (int)-n, "%s", "");
	buf[n] = '\0';
	return ksm_meminfo_parse(buf, m, e);
}
