/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_qmp.c - libFuzzer harness: any bytes as one line QEMU's monitor
 * sent (vu_qmp_parse), which vm-ctl trusts no more than a guest: a
 * compromised QEMU writes what it likes on its QMP socket. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/qmp.h"

/* What the client relies on after a successful parse. */
static void check(const struct vu_qmp_msg *m)
{
	if (!m->obj || !json_object_is_type(m->obj, json_type_object))
		abort();
	switch (m->kind) {
	case VU_QMP_GREETING:
		if (!json_object_is_type(m->value, json_type_object))
			abort();
		break;
	case VU_QMP_RETURN:
		break;
	case VU_QMP_ERROR:
		if (!m->err_class || !m->err_desc)
			abort();
		(void)strlen(m->err_class);
		(void)strlen(m->err_desc);
		break;
	case VU_QMP_EVENT:
		if (!m->event || (m->value && !json_object_is_type(m->value, json_type_object)))
			abort();
		(void)strlen(m->event);
		break;
	default:
		abort();
	}
	if (m->id)
		(void)strlen(m->id);
	/* The client prints answers back (qemu-monitor-command). */
	if (!json_object_to_json_string_ext(m->obj, JSON_C_TO_STRING_PRETTY))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_qmp_msg m;
	struct vu_err e = { 0 };

	if (vu_qmp_parse((const char *)data, size, &m, &e) < 0) {
		if (m.obj || !e.code)
			abort();
		return 0;
	}
	check(&m);
	vu_qmp_msg_clear(&m);
	return 0;
}
