/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ident.c - identities: RFC 4122 UUIDs (libuuid) and QEMU's 52:54:00 MACs */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <uuid.h>

#include "vu/err.h"
#include "vu/ident.h"
#include "vu/strutil.h"

/* Enough that a free address is found unless nearly all 2^24 are taken. */
#define MAC_TRIES 1000

void vu_uuid_generate(char out[VU_UUID_STRLEN])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits to the dashed 8-4-4-4-12 form, so libuuid can check it. */
static int add_dashes(const char *in, char out[VU_UUID_STRLEN])
{
	static const int dash_after[] = { 8, 12, 16, 20 };
	int o = 0, d = 0;

	for (int i = 0; i < 32; i++) {
		if (hex_value(in[i]) < 0)
			return -EINVAL;
		if (d < 4 && i == dash_after[d]) {
			out[o++] = '-';
			d++;
		}
		out[o++] = in[i];
	}
	out[o] = '\0';
	return 0;
}

int vu_uuid_normalize(const char *in, char out[VU_UUID_STRLEN])
{
	char dashed[VU_UUID_STRLEN];
	size_t len = in ? strlen(in) : 0;
	uuid_t u;

	if (len == 32) {
		if (add_dashes(in, dashed) < 0)
			return -EINVAL;
	} else if (len == 36) {
		memcpy(dashed, in, sizeof(dashed));
	} else {
		return -EINVAL;
	}
	if (uuid_parse(dashed, u) < 0)
		return -EINVAL;
	uuid_unparse_lower(u, out);
	return 0;
}

static int random_bytes(unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

int vu_mac_generate(char out[VU_MAC_STRLEN], vu_mac_used_fn used, void *opaque)
{
	for (int i = 0; i < MAC_TRIES; i++) {
		unsigned char b[3];
		int r = random_bytes(b, sizeof(b));

		if (r < 0)
			return r;
		/* 52:54:00 is QEMU's prefix: locally administered, unicast. */
		snprintf(out, VU_MAC_STRLEN, "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
		if (!used || !used(out, opaque))
			return 0;
	}
	out[0] = '\0';
	return -EEXIST;
}

/* One octet of one or two hex digits, as libvirt accepts; returns the end. */
static const char *read_octet(const char *s, unsigned char *v)
{
	int hi = hex_value(s[0]), lo;

	if (hi < 0)
		return NULL;
	lo = hex_value(s[1]);
	if (lo < 0) {
		*v = (unsigned char)hi;
		return s + 1;
	}
	*v = (unsigned char)(hi * 16 + lo);
	return s + 2;
}

int vu_mac_normalize(const char *in, char out[VU_MAC_STRLEN])
{
	unsigned char o[6];
	const char *p = in;

	if (!p)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		p = read_octet(p, &o[i]);
		if (!p || *p != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		p++;
	}
	/* A guest NIC cannot own a group address. */
	if (o[0] & 1)
		return -EINVAL;
	snprintf(out, VU_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 o[0], o[1], o[2], o[3], o[4], o[5]);
	return 0;
}

int vu_ifname_check(const char *name, struct vu_err *e)
{
	size_t len = name ? strnlen(name, 16) : 0;

	if (len == 0 || len > 15)
		return vu_err_set(e, EINVAL, "%s: interface names are 1 to 15 bytes",
				  name ? name : "(null)");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return vu_err_set(e, EINVAL, "%s: not a valid interface name", name);
	if (!vu_str_alnum_or(name, "_.-"))
		return vu_err_set(e, EINVAL, "%s: not a valid interface name", name);
	return 0;
}
