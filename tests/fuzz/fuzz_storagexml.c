/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_storagexml.c - libFuzzer harness: any bytes parsed as a pool or a
 * volume definition, every accessor and edit applied, and the pool written
 * out and read back */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/poolxml.h"
#include "vu/volxml.h"
#include "vu/xml.h"

/* What pool-ctl does to a definition it accepts: a UUID, the sizes of a
 * running pool, their removal, and formatting; what it writes it must be
 * able to read again, to the same fields. */
static void pool(xmlDocPtr doc)
{
	struct vu_poolxml px, again;
	xmlDocPtr back;
	char *text;

	if (vu_poolxml_read(doc, &px, NULL) < 0)
		return;
	vu_poolxml_set_uuid(doc, "c7a5fdbd-cdaf-4455-926a-d65c16db1809");
	vu_poolxml_set_sizing(doc, 1, 2, 3);
	vu_poolxml_drop_sizing(doc);
	text = vu_xml_format(doc);
	back = text ? vu_xml_parse(text, strlen(text), NULL) : NULL;
	if (back && vu_poolxml_read(back, &again, NULL) == 0) {
		if (strcmp(px.name, again.name) != 0 || px.type != again.type)
			abort();
		vu_poolxml_free(&again);
	} else if (text) {
		abort();
	}
	xmlFreeDoc(back);
	free(text);
	vu_poolxml_free(&px);
}

static void volume(xmlDocPtr doc)
{
	struct vu_volspec s;
	xmlDocPtr built;

	if (vu_volxml_read(doc, &s, NULL) < 0)
		return;
	built = vu_volxml_build_spec(&s);
	xmlFreeDoc(built);
	vu_volspec_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlDocPtr doc = vu_xml_parse((const char *)data, size, NULL);

	if (!doc)
		return 0;
	volume(doc);
	pool(doc);
	xmlFreeDoc(doc);
	return 0;
}
