/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmpfd.c - what save and restore say to QEMU besides commands: small
 * arguments, a polling pace (the fd itself goes by vu_qmp_getfd) */
#include <time.h>

#include "vu/base.h"
#include "vu/diag.h"

#include "qmpfd.h"

static void oom(void)
{
	vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
}

json_object *vctl_json1(const char *key, json_object *v)
{
	json_object *o = json_object_new_object();

	if (!o || !v || json_object_object_add(o, key, v) < 0)
		oom();
	return o;
}


void vctl_tick(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };

	nanosleep(&t, NULL);
}

