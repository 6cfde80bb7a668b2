/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qed.c - libFuzzer harness: any bytes opened, read, mapped, checked
 * and written as qed */
#include "fuzz_image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_image_init("fuzz_qed");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_image_one("qed", data, size);
}
