/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_guest_fs.c - libFuzzer harness: any bytes as a guest's raw disk,
 * opened read-only, inspected and mounted by libshared/guest, then walked:
 * fstab, os-release, links (absolute, climbing, looping), directories and
 * globs. A guest's filesystem is untrusted input to our path walk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/guestfs.h"

#include "fuzz_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init("fuzz_guest_fs", "disk.raw");
	return 0;
}

static void walk(struct vu_guest *g)
{
	static const char *const paths[] = {
		"/etc/fstab", "/etc/os-release", "/etc/hostname", "/etc/localtime",
		"/etc/climb", "/etc/loop1", "/logs/messages", "/../../etc/hostname",
	};
	struct vu_guest_dirent *ents;
	struct vu_guest_stat st;
	char **v, *buf;
	size_t n;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (vu_guest_read_file(g, paths[i], 1 << 20, &buf, &n, NULL) == 0) {
			if (buf[n] != '\0')
				abort();
			free(buf);
		}
		if (vu_guest_readlink(g, paths[i], &buf, NULL) == 0)
			free(buf);
		vu_guest_stat(g, paths[i], &st, NULL);
	}
	if (vu_guest_readdir(g, "/", &ents, &n, NULL) == 0)
		vu_guest_dirents_free(ents, n);
	if (vu_guest_glob(g, "/*/*", &v, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++)
			if (v[i][0] != '/')
				abort();
		vu_guest_strv_free(v, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_guest_disk d = { fuzz_path, "raw" };
	struct vu_guest *g;
	struct vu_err e;

	fuzz_file_write(data, size);
	if (vu_guest_open(&g, &d, 1, 0, &e) < 0)
		return 0;
	if (vu_guest_mount_all(g, &e) == 0)
		walk(g);
	vu_guest_close(&g, &e);
	return 0;
}
