/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_savefile.c - libFuzzer harness: any bytes as the header of a vm-ctl
 * save file, which restore reads before it believes the domain XML in it */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"

#include "../../tools/vm-ctl/savefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vctl_save_header h;
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	unsigned char *again;
	size_t len;

	if (vctl_save_header_parse(data, size, &h, &e) < 0) {
		if (h.xml || !e.code || !e.msg[0])
			abort();
		return 0;
	}
	/* There is one way to write a header: what was accepted is what
	 * format writes for its XML and flag, byte for byte. */
	if (!h.xml || strlen(h.xml) != h.xml_len || h.data_offset > size ||
	    h.data_offset % VCTL_SAVE_ALIGN)
		abort();
	if (vctl_save_header_format(h.xml, h.running, &again, &len, &e) < 0 ||
	    len != h.data_offset || memcmp(again, data, len) != 0)
		abort();
	free(again);
	/* What restore does next. */
	if (vu_domain_parse(&dom, h.xml, h.xml_len, &e) == 0)
		vu_domain_free(&dom);
	vctl_save_header_clear(&h);
	return 0;
}
