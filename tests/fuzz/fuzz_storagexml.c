/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_storagexml.c - libFuzzer harness: any bytes parsed as a pool or a
 * volume definition, every accessor and edit applied, and the pool written
 * out and read back */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/poolxml.h"
#include "vu/volxml.h"

/* What pool-ctl does to a definition it accepts: a UUID, the sizes of a
 * running pool, their removal, and formatting; what it writes it must be
 * able to read again, to the same fields. */
static void pool(const uint8_t *data, size_t size)
{
	struct vu_poolxml *doc, *back = NULL;
	struct vu_pool_def px, again;
	char *text;

	if (vu_poolxml_parse(&doc, (const char *)data, size, NULL) < 0)
		return;
	if (vu_poolxml_read(doc, &px, NULL) < 0) {
		vu_poolxml_free(&doc);
		return;
	}
	vu_poolxml_set_uuid(doc, "c7a5fdbd-cdaf-4455-926a-d65c16db1809");
	vu_poolxml_set_sizing(doc, 1, 2, 3);
	vu_poolxml_drop_sizing(doc);
	text = vu_poolxml_format(doc);
	if (text && vu_poolxml_parse(&back, text, strlen(text), NULL) == 0 &&
	    vu_poolxml_read(back, &again, NULL) == 0) {
		if (strcmp(px.name, again.name) != 0 || px.type != again.type)
			abort();
		vu_pool_def_free(&again);
	} else if (text) {
		abort();
	}
	vu_poolxml_free(&back);
	vu_poolxml_free(&doc);
	free(text);
	vu_pool_def_free(&px);
}

static void volume(const uint8_t *data, size_t size)
{
	struct vu_volxml *doc, *built;
	struct vu_volspec s;

	if (vu_volxml_parse(&doc, (const char *)data, size, NULL) < 0)
		return;
	if (vu_volxml_read(doc, &s, NULL) == 0) {
		if (vu_volxml_new_spec(&built, &s) == 0)
			vu_volxml_free(&built);
		vu_volspec_free(&s);
	}
	vu_volxml_free(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volume(data, size);
	pool(data, size);
	return 0;
}
