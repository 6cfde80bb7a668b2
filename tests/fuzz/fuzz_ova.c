/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_ova.c - libFuzzer harness: any bytes as an OVA (the tar listed, the
 * manifest verified, the OVF parsed, each disk opened and read) and, as a
 * second input, the same bytes as an OVF descriptor */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/ova.h"
#include "vu/ovfxml.h"

#include "fuzz_file.h"

#define READ_CAP (4u << 20)

static uint8_t *buf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init("fuzz_ova", "app.ova");
	if (!(buf = malloc(READ_CAP)))
		abort();
	return 0;
}

static void try_ovf(const char *text, size_t len)
{
	struct vu_ovf ovf;
	struct vu_err e;

	if (vu_ovf_parse(&ovf, text, len, &e) == 0)
		vu_ovf_free(&ovf);
}

static void try_disks(const struct vu_ova *o)
{
	for (size_t i = 0; i < o->n && i < 8; i++) {
		struct vu_image *img = NULL;
		struct vu_err e;
		uint64_t n;

		if (vu_ova_open_disk(o, &o->m[i], &img, &e) < 0)
			continue;
		n = vu_image_size(img) < READ_CAP ? vu_image_size(img) : READ_CAP;
		(void)vu_image_pread(img, buf, (size_t)n, 0);
		vu_image_close(&img);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vu_ova_member *m;
	struct vu_ova o;
	struct vu_err e;
	char *text;
	int checked;

	try_ovf((const char *)data, size);
	fuzz_file_write(data, size);
	if (vu_ova_open(&o, fuzz_path, &e) < 0)
		return 0;
	(void)vu_ova_verify(&o, &checked, &e);
	if ((m = vu_ova_find_suffix(&o, ".ovf")) && vu_ova_read_text(&o, m, &text, &e) == 0) {
		try_ovf(text, strlen(text));
		free(text);
	}
	try_disks(&o);
	vu_ova_close(&o);
	return 0;
}
