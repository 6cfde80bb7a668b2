/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_networkxml.c - libFuzzer harness: any bytes parsed as a network
 * definition (every accessor read, define's additions and net-update's
 * edits applied, written out and read back), and as the element net-update
 * takes, for each of its sections */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu/networkxml.h"

/* Every typed read; what they return only has to be freed. */
static void read_all(const struct vu_network *net)
{
	struct vu_net_dns dns;
	struct vu_net_ip *ips;
	char uuid[VU_UUID_STRLEN], mac[VU_MAC_STRLEN], *s = NULL, **devs;
	unsigned mtu;
	size_t n;

	if (vu_network_get_ips(net, &ips, &n, NULL) == 0) {
		for (size_t i = 0; i + 1 < n; i++)
			vu_net_ip_overlap(&ips[i], &ips[i + 1]);
		vu_net_ips_free(ips, n);
	}
	if (vu_network_get_dns(net, &dns, NULL) == 0)
		vu_net_dns_free(&dns);
	if (vu_network_get_forward_ifaces(net, &devs, &n) == 0)
		vu_net_strv_free(devs);
	vu_network_get_uuid(net, uuid);
	vu_network_get_mac(net, mac);
	vu_network_get_mtu(net, &mtu);
	vu_network_get_stp(net);
	vu_network_get_delay(net);
	vu_network_get_forward(net);
	if (vu_network_get_bridge(net, &s) == 0)
		free(s);
	if (vu_network_get_forward_dev(net, &s) == 0)
		free(s);
	if (vu_network_get_domain(net, &s) == 0)
		free(s);
}

/* What net-ctl does to a definition it accepts. An update that succeeds
 * leaves a document that passes the check; one that fails changes
 * nothing; and what is written reads back, to a document that passes. */
static void definition(const uint8_t *data, size_t size)
{
	static const struct {
		enum vu_net_update_cmd cmd;
		enum vu_net_section sec;
		const char *xml;
	} edits[] = {
		{ VU_NET_UPDATE_ADD_LAST, VU_NET_SECTION_IP_DHCP_HOST,
		  "<host mac='52:54:00:00:00:99' name='fz' ip='192.168.122.99'/>" },
		{ VU_NET_UPDATE_DELETE, VU_NET_SECTION_IP_DHCP_RANGE,
		  "<range start='192.168.122.2' end='192.168.122.254'/>" },
		{ VU_NET_UPDATE_ADD_FIRST, VU_NET_SECTION_DNS_HOST,
		  "<host ip='192.168.122.5'><hostname>fz</hostname></host>" },
		{ VU_NET_UPDATE_MODIFY, VU_NET_SECTION_DNS_TXT, "<txt name='a' value='b'/>" },
		{ VU_NET_UPDATE_ADD_LAST, VU_NET_SECTION_FORWARD_INTERFACE,
		  "<interface dev='eth9'/>" },
		{ VU_NET_UPDATE_ADD_LAST, VU_NET_SECTION_PORTGROUP, "<portgroup name='fz'/>" },
	};
	struct vu_network *net, *back = NULL;
	char *text, *before;

	if (vu_network_parse(&net, (const char *)data, size, NULL) < 0)
		return;
	read_all(net);
	if (vu_network_check(net, NULL) < 0) {
		vu_network_free(&net);
		return;
	}
	if (vu_network_ensure_ids(net) < 0 || vu_network_check(net, NULL) < 0)
		abort();
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		before = vu_network_format(net);
		if (vu_network_update(net, edits[i].cmd, edits[i].sec, -1, edits[i].xml, NULL) < 0) {
			text = vu_network_format(net);
			if (!before || !text || strcmp(before, text) != 0)
				abort();
			free(text);
		} else if (vu_network_check(net, NULL) < 0) {
			abort();
		}
		free(before);
	}
	text = vu_network_format(net);
	if (text && (vu_network_parse(&back, text, strlen(text), NULL) < 0 ||
		     vu_network_check(back, NULL) < 0))
		abort();
	vu_network_free(&back);
	vu_network_free(&net);
	free(text);
}

/* The input as net-update's element, in each section, on libvirt's
 * default network. */
static void entry(const uint8_t *data, size_t size)
{
	char *xml = malloc(size + 1);
	struct vu_network *net;

	if (!xml)
		return;
	memcpy(xml, data, size);
	xml[size] = '\0';
	if (vu_network_new_default(&net, "default", "virbr0", 122) == 0) {
		if (vu_network_set_uuid(net, "c7a5fdbd-cdaf-4455-926a-d65c16db1809") == 0)
			for (int s = 0; s < VU_NET_SECTION_COUNT; s++)
				for (int c = 0; c < VU_NET_UPDATE_CMD_COUNT; c++)
					vu_network_update(net, (enum vu_net_update_cmd)c,
							  (enum vu_net_section)s, -1, xml, NULL);
		vu_network_free(&net);
	}
	free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	definition(data, size);
	entry(data, size);
	return 0;
}
