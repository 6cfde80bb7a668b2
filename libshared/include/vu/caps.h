/* SPDX-License-Identifier: GPL-2.0-or-later */
/* caps.h - keep the capabilities a tool declares, drop the rest */
#ifndef VU_CAPS_H
#define VU_CAPS_H

#include <sys/capability.h>

/* The file tools' set: DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, CHOWN. */
extern const cap_value_t vu_caps_file[];
extern const int vu_caps_file_n;

/*
 * Reduces the permitted, effective and inheritable sets, and the bounding
 * set where allowed (with CAP_SETPCAP), to keep[0..n); kept capabilities
 * that are permitted become effective. Nothing is ever raised, and ambient
 * capabilities go with the sets. A process without capabilities has nothing
 * to drop and succeeds. 0, -EINVAL (a value outside the kernel's range) or
 * -errno.
 * A tool that learns what it needs only later (pool-ctl: the pool's type)
 * calls it twice, the second time with less; keeping CAP_SETPCAP through
 * the first call lets the second trim the bounding set as well.
 */
int vu_caps_keep(const cap_value_t *keep, int n);
/* 1 if the effective set holds cap, else 0. */
int vu_caps_have(cap_value_t cap);
/* "CAP_NET_ADMIN" for messages ("needs CAP_NET_ADMIN"), in buf (truncated
 * to len); a number libcap cannot name comes out as digits. Returns buf. */
const char *vu_caps_name(cap_value_t cap, char *buf, int len);

#endif
