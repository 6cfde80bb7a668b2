/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_firmware.c - libFuzzer harness: any bytes as a QEMU firmware
 * descriptor, chosen (or refused) by libshared/qemu/firmware.c for the
 * machines vm-create asks for */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"
#include "vu/firmware.h"

#include "fuzz_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The one descriptor, alone in the directory vu_firmware_find reads. */
	fuzz_file_init("fuzz_firmware", "50-fuzz.json");
	setenv("VU_FIRMWARE_DIR", fuzz_dir, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const machines[][2] = {
		{ "x86_64", "pc" }, { "x86_64", "q35" }, { "x86_64", "pc-q35-7.2" },
		{ "aarch64", "virt-7.2" },
	};

	fuzz_file_write(data, size);
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
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
