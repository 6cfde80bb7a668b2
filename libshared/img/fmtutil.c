/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fmtutil.c - helpers the foreign format drivers share */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "vu/file.h"
#include "vu/ident.h"
#include "fmtutil.h"

uint32_t fmt_crc32c(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

void fmt_uuid(uint8_t out[16])
{
	char s[VU_UUID_STRLEN];
	int j = 0;

	vu_uuid_generate(s);
	for (int i = 0; s[i] && s[i + 1] && j < 16; i++) {
		unsigned v;

		if (s[i] == '-' || sscanf(s + i, "%2x", &v) != 1)
			continue;
		out[j++] = (uint8_t)v;
		i++;
	}
}

int fmt_write_zeros(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[65536];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		int r = vu_pwrite_all(fd, zeros, n, (off_t)off);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

bool fmt_file_past(int fd, uint64_t off)
{
	struct stat st;

	return fstat(fd, &st) < 0 || (uint64_t)st.st_size > off;
}
