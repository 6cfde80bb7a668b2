/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_firmware.c - libFuzzer harness: any bytes as a QEMU firmware
 * descriptor, chosen (or refused) by libshared/qemu/firmware.c for the
 * machines vm-create asks for */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/firmware.h"

/* A private directory holding the one descriptor; libFuzzer gives the
 * harness no context, so its path is file-scope state. */
static char fuzz_dir[64];
static char fuzz_path[96];

static void cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%.30s/fuzz_firmware.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/50-fuzz.json", fuzz_dir);
	setenv("VU_FIRMWARE_DIR", fuzz_dir, 1);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const machines[][2] = {
		{ "x86_64", "pc" }, { "x86_64", "q35" }, { "x86_64", "pc-q35-7.2" },
		{ "aarch64", "virt-7.2" },
	};
	int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || vu_write_all(fd, data, size) < 0)
		abort();
	close(fd);
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		struct vu_firmware fw;
		struct vu_err e;
		int r = vu_firmware_find(machines[i][0], machines[i][1], i & 1, &fw, &e);

		/* A choice names its file and a code path; a refusal says why. */
		if (r == 0 && (!fw.descriptor || strcmp(fw.descriptor, fuzz_path) ||
			       !fw.code || !*fw.code || !fw.format))
			abort();
		if (r < 0 && (fw.code || !e.code))
			abort();
		vu_firmware_clear(&fw);
	}
	return 0;
}
