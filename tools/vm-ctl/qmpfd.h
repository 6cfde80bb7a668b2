/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmpfd.h - save and restore's QMP helpers */
#ifndef VMCTL_QMPFD_H
#define VMCTL_QMPFD_H

#include <json-c/json.h>

#include "vu/err.h"
#include "vu/qmp.h"

/* A JSON object with one member (v is taken); dies when out of memory. */
json_object *vctl_json1(const char *key, json_object *v);
/* The pace of polling QEMU: 20 ms. */
void vctl_tick(void);

#endif
