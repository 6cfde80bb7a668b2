/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ident.h - identities: RFC 4122 UUIDs and QEMU's locally administered MACs */
#ifndef VU_IDENT_H
#define VU_IDENT_H

#include <stdbool.h>
#include <stdint.h>

struct vu_err;

#define VU_UUID_STRLEN 37	/* 36 characters and the NUL */
#define VU_MAC_STRLEN 18

/* A random (version 4) UUID as lower-case text; cannot fail. */
void vu_uuid_generate(char out[VU_UUID_STRLEN]);
/* Accepts the 36-character form (any case) and the 32 hex digits form;
 * writes the canonical lower-case form. 0 or -EINVAL. */
int vu_uuid_normalize(const char *in, char out[VU_UUID_STRLEN]);

/* "Is this MAC taken?" - the caller knows which domains exist. */
typedef bool (*vu_mac_used_fn)(const char *mac, void *opaque);
/* A random 52:54:00:xx:xx:xx (from getrandom) that used() does not report
 * taken (used may be NULL); -EEXIST after 1000 taken tries, or -errno. */
int vu_mac_generate(char out[VU_MAC_STRLEN], vu_mac_used_fn used, void *opaque);
/* Parses aa:bb:cc:dd:ee:ff (any case; like libvirt, an octet may be one
 * digit), refuses multicast and broadcast; writes the canonical lower-case
 * form. 0 or -EINVAL. */
int vu_mac_normalize(const char *in, char out[VU_MAC_STRLEN]);

/* 0 when name is usable as a network interface name: 1 to 15 bytes of
 * letters, digits and "_.-", not "." or "..". That is what the kernel and
 * libvirt's schema both take, less what would need quoting in a firewall
 * rule or a dnsmasq line. Else -EINVAL, with e (may be NULL) saying why. */
int vu_ifname_check(const char *name, struct vu_err *e);

#endif
