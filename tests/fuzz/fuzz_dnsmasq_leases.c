/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_dnsmasq_leases.c - libFuzzer harness: any bytes as a dnsmasq lease
 * file, which guests fill (hostnames, client ids) and net-ctl dhcp-leases
 * prints. It parses bytes only: no dnsmasq is started and no namespace
 * (unshare) is needed. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vu/dnsmasq.h"

static bool all_in(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

/* What a printer of the leases relies on: every field is short, in its
 * alphabet, and the address is canonical text of its family. */
static void check(const struct vu_dnsmasq_lease *l)
{
	unsigned char b[16];
	char again[INET6_ADDRSTRLEN];

	if (l->expiry < 0 || (l->family != AF_INET && l->family != AF_INET6))
		abort();
	if (inet_pton(l->family, l->ip, b) != 1 || !inet_ntop(l->family, b, again, sizeof(again)) ||
	    strcmp(again, l->ip) != 0)
		abort();
	if (l->family == AF_INET ? strlen(l->mac) != 17 || !all_in(l->mac, "0123456789abcdef:")
				 : l->mac[0] != '\0')
		abort();
	if (!l->hostname || strlen(l->hostname) > 255 ||
	    !all_in(l->hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."))
		abort();
	if (!l->clientid || strlen(l->clientid) > 768 ||
	    !all_in(l->clientid, "0123456789abcdefABCDEF:"))
		abort();
	if (l->prefix != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_dnsmasq_lease *l = NULL;
	size_t n = 0, lines = 1;

	if (vu_dnsmasq_leases_parse((const char *)data, size, &l, &n) < 0)
		return 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	/* At most one lease per line. */
	if (n > lines || (n && !l))
		abort();
	for (size_t i = 0; i < n; i++)
		check(&l[i]);
	vu_dnsmasq_leases_free(l, n);
	return 0;
}
