/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_vhdx.c - libFuzzer harness: any bytes opened, read, mapped, checked
 * and written as vhdx */
#include "fuzz_image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_image_init("fuzz_vhdx");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_image_one("vhdx", data, size);
}
