/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_networkxml.c - network XML: round trips of libvirt's kinds of
 * network, the typed fields, net-update's edits, and what is refused */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/networkxml.h"
#include "vu/xml.h"
#include "testutil.h"

/* libvirt's default.xml, as its package installs it. */
#define DEFAULT_XML \
	"<network>\n" \
	"  <name>default</name>\n" \
	"  <bridge name='virbr0'/>\n" \
	"  <forward/>\n" \
	"  <ip address='192.168.122.1' netmask='255.255.255.0'>\n" \
	"    <dhcp>\n" \
	"      <range start='192.168.122.2' end='192.168.122.254'/>\n" \
	"    </dhcp>\n" \
	"  </ip>\n" \
	"</network>\n"

/* The kinds of network libvirt's own tests exercise (networkxml2xmlin),
 * written here in libvirt's layout so that formatting gives them back. */
static const char *const docs[] = {
	DEFAULT_XML,
	/* NAT with everything DNS and DHCP have, IPv6 with DHCP, MTU */
	"<network>\n"
	"  <name>nat-full</name>\n"
	"  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
	"  <forward dev='eth1' mode='nat'>\n"
	"    <nat>\n"
	"      <address start='10.20.30.40' end='10.20.30.44'/>\n"
	"      <port start='60000' end='65432'/>\n"
	"    </nat>\n"
	"    <interface dev='eth1'/>\n"
	"  </forward>\n"
	"  <bridge name='virbr1' stp='off' delay='2'/>\n"
	"  <mtu size='9000'/>\n"
	"  <mac address='52:54:00:e2:3a:12'/>\n"
	"  <domain name='example.com' localOnly='yes'/>\n"
	"  <dns forwardPlainNames='no'>\n"
	"    <forwarder addr='8.8.8.8'/>\n"
	"    <forwarder domain='example.org' addr='192.168.1.1'/>\n"
	"    <forwarder domain='local.lan'/>\n"
	"    <txt name='example' value='example value'/>\n"
	"    <srv service='name' protocol='tcp' domain='test-domain-name' "
	"target='.' port='1024' priority='10' weight='10'/>\n"
	"    <host ip='192.168.122.2'>\n"
	"      <hostname>myhost</hostname>\n"
	"      <hostname>myhostalias</hostname>\n"
	"    </host>\n"
	"  </dns>\n"
	"  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
	"    <tftp root='/var/lib/tftproot'/>\n"
	"    <dhcp>\n"
	"      <range start='192.168.122.2' end='192.168.122.254'>\n"
	"        <lease expiry='1' unit='hours'/>\n"
	"      </range>\n"
	"      <host mac='00:16:3e:77:e2:ed' name='a.example.com' ip='192.168.122.10'/>\n"
	"      <host mac='00:16:3e:3e:a9:1a' name='b.example.com' ip='192.168.122.11'/>\n"
	"      <bootp file='pxeboot.img' server='192.168.122.1'/>\n"
	"    </dhcp>\n"
	"  </ip>\n"
	"  <ip family='ipv6' address='2001:db8:ac10:fe01::1' prefix='64'>\n"
	"    <dhcp>\n"
	"      <range start='2001:db8:ac10:fe01::1:10' end='2001:db8:ac10:fe01::1:ff'/>\n"
	"      <host id='0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63' "
	"name='c.example.com' ip='2001:db8:ac10:fe01::1:20'/>\n"
	"    </dhcp>\n"
	"  </ip>\n"
	"  <ip address='10.24.10.1'/>\n"
	"</network>\n",
	/* routed */
	"<network>\n"
	"  <name>local</name>\n"
	"  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9c</uuid>\n"
	"  <forward dev='eth1' mode='route'/>\n"
	"  <bridge name='virbr1'/>\n"
	"  <mac address='12:34:56:78:9a:bc'/>\n"
	"  <ip address='192.168.122.1' prefix='24'>\n"
	"    <dhcp>\n"
	"      <range start='192.168.122.2' end='192.168.122.254'/>\n"
	"    </dhcp>\n"
	"  </ip>\n"
	"  <ip family='ipv6' address='2001:db8:ac10:fd01::1' prefix='64'/>\n"
	"</network>\n",
	/* open */
	"<network>\n"
	"  <name>open</name>\n"
	"  <forward mode='open'/>\n"
	"  <bridge name='virbr2'/>\n"
	"  <ip address='192.168.123.1' netmask='255.255.255.0'/>\n"
	"</network>\n",
	/* isolated, DNS off */
	"<network ipv6='yes'>\n"
	"  <name>private</name>\n"
	"  <bridge name='virbr3'/>\n"
	"  <dns enable='no'/>\n"
	"  <ip address='172.16.0.1' netmask='255.255.0.0'/>\n"
	"</network>\n",
	/* a host bridge, with portgroups */
	"<network>\n"
	"  <name>host-bridge</name>\n"
	"  <forward mode='bridge'/>\n"
	"  <bridge name='br0'/>\n"
	"  <portgroup name='engineering' default='yes'>\n"
	"    <bandwidth>\n"
	"      <inbound average='1000' peak='5000' burst='5120'/>\n"
	"      <outbound average='1000' peak='5000' burst='5120'/>\n"
	"    </bandwidth>\n"
	"  </portgroup>\n"
	"  <portgroup name='sales'/>\n"
	"</network>\n",
	/* macvtap */
	"<network>\n"
	"  <name>direct-private</name>\n"
	"  <forward dev='eth0' mode='private'>\n"
	"    <interface dev='eth0'/>\n"
	"  </forward>\n"
	"</network>\n",
	"<network>\n"
	"  <name>direct-vepa</name>\n"
	"  <forward mode='vepa'>\n"
	"    <interface dev='eth1'/>\n"
	"    <interface dev='eth2'/>\n"
	"  </forward>\n"
	"</network>\n",
	"<network>\n"
	"  <name>direct-passthrough</name>\n"
	"  <forward dev='eth3' mode='passthrough'/>\n"
	"</network>\n",
};

/* s with ' for ": the documents are written in libvirt's quotes, and
 * vu_xml_format writes double ones. Returns a buffer that lasts until the
 * next call but three. */
static const char *dq(const char *s)
{
	static char bufs[4][4096];
	static int k;
	char *b = bufs[k++ % 4];

	assert_true(strlen(s) < sizeof(bufs[0]));
	for (size_t i = 0; (b[i] = s[i] == '\'' ? '"' : s[i]); i++)
		;
	return b;
}

static struct vu_network *parse(const char *s)
{
	struct vu_err e = { 0 };
	struct vu_network *net = NULL;

	if (vu_network_parse(&net, s, strlen(s), &e) < 0)
		fail_msg("parse: %s", vu_err_str(&e));
	return net;
}

/* The model's check, which ends with libvirt's schema when installed. */
static void check_ok(const struct vu_network *net)
{
	struct vu_err e = { 0 };

	if (vu_network_check(net, &e) < 0)
		fail_msg("check: %s", vu_err_str(&e));
}

/* Validates against network.rng itself (the check skips it when absent). */
static void validate(const struct vu_network *net)
{
	struct vu_err e = { 0 };

	if (access(VU_NETWORK_RNG, R_OK) != 0) {
		print_message("# %s not installed: not validated\n", VU_NETWORK_RNG);
		return;
	}
	if (vu_xml_validate(vu_network_doc(net), VU_NETWORK_RNG, &e) < 0)
		fail_msg("network.rng: %s", vu_err_str(&e));
}

/* Parsing s must fail the check with msg (a prefix of e.msg). */
static void refused(const char *s, const char *msg)
{
	struct vu_err e = { 0 };
	struct vu_network *net = NULL;
	int r = vu_network_parse(&net, s, strlen(s), &e);

	if (r == 0)
		r = vu_network_check(net, &e);
	assert_int_not_equal(r, 0);
	if (strncmp(e.msg, msg, strlen(msg)) != 0)
		fail_msg("got '%s', wanted '%s'", e.msg, msg);
	vu_network_free(&net);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		struct vu_network *net = parse(docs[i]), *back;
		char *text = vu_network_format(net);

		check_ok(net);
		validate(net);
		assert_string_equal(text, dq(docs[i]));
		back = parse(text);
		assert_true(vu_xml_c14n_equal(vu_network_doc(net), vu_network_doc(back)));
		free(text);
		vu_network_free(&back);
		vu_network_free(&net);
		assert_null(net);
	}
}

static void test_identity(void **state)
{
	struct vu_network *net = parse(docs[1]);
	char uuid[VU_UUID_STRLEN], mac[VU_MAC_STRLEN], *s = NULL;

	(void)state;
	assert_int_equal(vu_network_get_name(net, &s), 0);
	assert_string_equal(s, "nat-full");
	free(s);
	assert_int_equal(vu_network_get_uuid(net, uuid), 0);
	assert_string_equal(uuid, "81ff0d90-c91e-6742-64da-4a736edb9a9b");
	assert_int_equal(vu_network_get_mac(net, mac), 0);
	assert_string_equal(mac, "52:54:00:e2:3a:12");
	vu_network_free(&net);

	/* What define adds: a UUID, and a MAC for a bridge we make. */
	net = parse(DEFAULT_XML);
	assert_int_equal(vu_network_get_uuid(net, uuid), -ENOENT);
	assert_int_equal(vu_network_ensure_ids(net), 0);
	assert_int_equal(vu_network_get_uuid(net, uuid), 0);
	assert_int_equal(vu_network_get_mac(net, mac), 0);
	assert_memory_equal(mac, "52:54:00:", 9);
	s = vu_network_format(net);
	/* where libvirt writes them: uuid after name, mac after forward and
	 * bridge */
	assert_non_null(strstr(s, dq("<name>default</name>\n  <uuid>")));
	assert_non_null(strstr(s, dq("<forward/>\n  <mac address='52:54:00:")));
	free(s);
	check_ok(net);
	validate(net);
	vu_network_free(&net);

	net = parse(docs[5]);	/* a host bridge: no MAC of ours */
	assert_int_equal(vu_network_ensure_ids(net), 0);
	assert_int_equal(vu_network_get_mac(net, mac), -ENOENT);
	vu_network_free(&net);
}

static void test_bridge_forward(void **state)
{
	struct vu_network *net = parse(docs[1]);
	char **devs, *s = NULL;
	unsigned mtu;
	size_t n;

	(void)state;
	assert_int_equal(vu_network_get_bridge(net, &s), 0);
	assert_string_equal(s, "virbr1");
	free(s);
	assert_false(vu_network_get_stp(net));
	assert_int_equal(vu_network_get_delay(net), 2);
	assert_int_equal(vu_network_get_forward(net), VU_NET_NAT);
	assert_int_equal(vu_network_get_forward_dev(net, &s), 0);
	assert_string_equal(s, "eth1");
	free(s);
	assert_int_equal(vu_network_get_domain(net, &s), 0);
	assert_string_equal(s, "example.com");
	free(s);
	assert_true(vu_network_domain_local_only(net));
	assert_int_equal(vu_network_get_mtu(net, &mtu), 0);
	assert_int_equal(mtu, 9000);
	vu_network_free(&net);

	net = parse(DEFAULT_XML);
	assert_true(vu_network_get_stp(net));
	assert_int_equal(vu_network_get_delay(net), 0);
	assert_int_equal(vu_network_get_forward(net), VU_NET_NAT);
	assert_int_equal(vu_network_get_forward_dev(net, &s), -ENOENT);
	assert_int_equal(vu_network_get_mtu(net, &mtu), -ENOENT);
	assert_false(vu_network_domain_local_only(net));
	vu_network_free(&net);

	const int modes[] = { VU_NET_ROUTE, VU_NET_OPEN, VU_NET_ISOLATED, VU_NET_BRIDGE,
			      VU_NET_PRIVATE, VU_NET_VEPA, VU_NET_PASSTHROUGH };
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		net = parse(docs[i + 2]);
		assert_int_equal(vu_network_get_forward(net), modes[i]);
		vu_network_free(&net);
	}
	assert_string_equal(vu_net_forward_name(VU_NET_ISOLATED), "none");
	assert_string_equal(vu_net_forward_name(VU_NET_PASSTHROUGH), "passthrough");

	net = parse(docs[7]);
	assert_int_equal(vu_network_get_forward_ifaces(net, &devs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(devs[0], "eth1");
	assert_string_equal(devs[1], "eth2");
	assert_null(devs[2]);
	vu_net_strv_free(devs);
	vu_network_free(&net);
	net = parse(DEFAULT_XML);
	assert_int_equal(vu_network_get_forward_ifaces(net, &devs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(devs[0]);
	vu_net_strv_free(devs);
	assert_int_equal(vu_network_set_bridge(net, "virbr9"), 0);
	assert_int_equal(vu_network_get_bridge(net, &s), 0);
	assert_string_equal(s, "virbr9");
	free(s);
	vu_network_free(&net);
}

static void test_ips(void **state)
{
	struct vu_network *net = parse(docs[1]);
	struct vu_err e = { 0 };
	struct vu_net_ip *ips;
	size_t n;

	(void)state;
	assert_int_equal(vu_network_get_ips(net, &ips, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ips[0].family, AF_INET);
	assert_string_equal(ips[0].address, "192.168.122.1");
	assert_int_equal(ips[0].prefix, 24);
	assert_int_equal(ips[0].nranges, 1);
	assert_string_equal(ips[0].ranges[0].start, "192.168.122.2");
	assert_string_equal(ips[0].ranges[0].end, "192.168.122.254");
	assert_true(ips[0].ranges[0].lease.set);
	assert_int_equal(ips[0].ranges[0].lease.expiry, 1);
	assert_int_equal(ips[0].ranges[0].lease.unit, 'h');
	assert_false(ips[0].hosts[0].lease.set);
	assert_int_equal(ips[0].nhosts, 2);
	assert_string_equal(ips[0].hosts[0].mac, "00:16:3e:77:e2:ed");
	assert_string_equal(ips[0].hosts[0].name, "a.example.com");
	assert_string_equal(ips[0].hosts[0].ip, "192.168.122.10");
	assert_string_equal(ips[0].bootp_file, "pxeboot.img");
	assert_string_equal(ips[0].bootp_server, "192.168.122.1");
	assert_string_equal(ips[0].tftp_root, "/var/lib/tftproot");
	assert_int_equal(ips[1].family, AF_INET6);
	assert_int_equal(ips[1].prefix, 64);
	assert_string_equal(ips[1].ranges[0].start, "2001:db8:ac10:fe01::1:10");
	assert_string_equal(ips[1].hosts[0].mac, "");
	assert_non_null(ips[1].hosts[0].id);
	assert_string_equal(ips[1].hosts[0].ip, "2001:db8:ac10:fe01::1:20");
	assert_int_equal(ips[2].prefix, 8);	/* class A, as libvirt */
	assert_null(ips[2].bootp_file);
	assert_int_equal(ips[2].nranges, 0);
	/* overlap is by the shorter prefix */
	assert_false(vu_net_ip_overlap(&ips[0], &ips[2]));
	assert_false(vu_net_ip_overlap(&ips[0], &ips[1]));
	assert_true(vu_net_ip_overlap(&ips[0], &ips[0]));
	ips[2].prefix = 4;	/* 0.0.0.0/4 holds 10.x, not 192.168 */
	assert_false(vu_net_ip_overlap(&ips[0], &ips[2]));
	ips[2].prefix = 0;
	assert_true(vu_net_ip_overlap(&ips[0], &ips[2]));
	assert_false(ips[0].local_ptr);
	vu_net_ips_free(ips, n);
	vu_network_free(&net);

	net = parse("<network><name>p</name><ip address='10.1.0.1' prefix='16' "
		    "localPtr='yes'/></network>");
	check_ok(net);
	assert_int_equal(vu_network_get_ips(net, &ips, &n, &e), 0);
	assert_true(ips[0].local_ptr);
	assert_int_equal(ips[0].prefix, 16);
	vu_net_ips_free(ips, n);
	vu_network_free(&net);
}

static void test_dns(void **state)
{
	struct vu_network *net = parse(docs[1]);
	struct vu_err e = { 0 };
	struct vu_net_dns d;

	(void)state;
	assert_int_equal(vu_network_get_dns(net, &d, &e), 0);
	assert_true(d.enabled);
	assert_false(d.forward_plain_names);
	assert_int_equal(d.nhosts, 1);
	assert_string_equal(d.hosts[0].ip, "192.168.122.2");
	assert_int_equal(d.hosts[0].nnames, 2);
	assert_string_equal(d.hosts[0].names[1], "myhostalias");
	assert_null(d.hosts[0].names[2]);
	assert_int_equal(d.ntxts, 1);
	assert_string_equal(d.txts[0].value, "example value");
	assert_int_equal(d.nsrvs, 1);
	assert_string_equal(d.srvs[0].service, "name");
	assert_string_equal(d.srvs[0].protocol, "tcp");
	assert_int_equal(d.srvs[0].port, 1024);
	assert_int_equal(d.srvs[0].weight, 10);
	assert_int_equal(d.nfwds, 3);
	assert_string_equal(d.fwds[0].addr, "8.8.8.8");
	assert_null(d.fwds[0].domain);
	assert_string_equal(d.fwds[2].addr, "");
	assert_string_equal(d.fwds[2].domain, "local.lan");
	vu_net_dns_free(&d);
	vu_network_free(&net);

	net = parse(docs[4]);
	assert_int_equal(vu_network_get_dns(net, &d, &e), 0);
	assert_false(d.enabled);
	assert_int_equal(d.nhosts + d.ntxts + d.nsrvs + d.nfwds, 0);
	vu_net_dns_free(&d);
	vu_network_free(&net);
}

static void update_ok(struct vu_network *net, const char *cmd, const char *section, int idx,
		      const char *xml)
{
	struct vu_err e = { 0 };
	int c = vu_net_update_cmd_parse(cmd), s = vu_net_section_parse(section);

	assert_true(c >= 0 && s >= 0);
	if (vu_network_update(net, c, s, idx, xml, &e) < 0)
		fail_msg("update %s %s %s: %s", cmd, section, xml, vu_err_str(&e));
	check_ok(net);
	validate(net);
}

/* The update fails with code and msg, and leaves the document as it was. */
static void update_fails(struct vu_network *net, const char *cmd, const char *section,
			 int idx, const char *xml, int code, const char *msg)
{
	struct vu_err e = { 0 };
	char *before = vu_network_format(net), *after;

	assert_int_equal(vu_network_update(net, vu_net_update_cmd_parse(cmd),
					   vu_net_section_parse(section), idx, xml, &e), -code);
	if (strncmp(e.msg, msg, strlen(msg)) != 0)
		fail_msg("got '%s', wanted '%s'", e.msg, msg);
	after = vu_network_format(net);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_update_dhcp(void **state)
{
	struct vu_network *net = parse(DEFAULT_XML);
	char *s;

	(void)state;
	update_ok(net, "add", "ip-dhcp-host", -1,
		  "<host mac='52:54:00:00:00:02' name='b' ip='192.168.122.12'/>");
	update_ok(net, "add-first", "ip-dhcp-host", -1,
		  "<host mac='52:54:00:00:00:01' name='a' ip='192.168.122.11'/>");
	update_ok(net, "add-last", "ip-dhcp-host", 0,
		  "<host mac='52:54:00:00:00:03' name='c' ip='192.168.122.13'/>");
	s = vu_network_format(net);
	assert_non_null(strstr(s, dq("      <range start='192.168.122.2' end='192.168.122.254'/>\n"
		"      <host mac='52:54:00:00:00:01' name='a' ip='192.168.122.11'/>\n"
		"      <host mac='52:54:00:00:00:02' name='b' ip='192.168.122.12'/>\n"
		"      <host mac='52:54:00:00:00:03' name='c' ip='192.168.122.13'/>\n"
		"    </dhcp>\n")));
	free(s);
	update_ok(net, "modify", "ip-dhcp-host", -1,
		  "<host mac='52:54:00:00:00:02' name='b2' ip='192.168.122.22'/>");
	update_ok(net, "delete", "ip-dhcp-host", -1, "<host mac='52:54:00:00:00:01'/>");
	s = vu_network_format(net);
	assert_null(strstr(s, dq("name='a'")));
	assert_non_null(strstr(s, dq("<host mac='52:54:00:00:00:02' name='b2' ip='192.168.122.22'/>\n"
				  "      <host mac='52:54:00:00:00:03'")));
	free(s);

	update_fails(net, "add", "ip-dhcp-host", -1,
		     "<host mac='52:54:00:00:00:03' name='d' ip='192.168.122.30'/>", EEXIST,
		     "there is already a matching ip-dhcp-host entry");
	update_fails(net, "add", "ip-dhcp-host", -1,
		     "<host mac='52:54:00:00:00:09' name='d' ip='192.168.122.13'/>", EEXIST,
		     "there is already");
	update_fails(net, "add", "ip-dhcp-host", -1,
		     "<host mac='52:54:00:00:00:09' name='d' ip='10.0.0.5'/>", EINVAL,
		     "DHCP host: 10.0.0.5 is not in the network 192.168.122.1/24");
	update_fails(net, "add", "ip-dhcp-host", -1,
		     "<host mac='01:00:5e:00:00:01' name='d' ip='192.168.122.40'/>", EINVAL,
		     "DHCP host: invalid MAC address");
	update_fails(net, "delete", "ip-dhcp-host", -1, "<host mac='52:54:00:00:00:77'/>",
		     ENOENT, "no matching ip-dhcp-host entry");
	update_fails(net, "modify", "ip-dhcp-host", 3, "<host mac='52:54:00:00:00:03'/>",
		     ENOENT, "no <ip> element at index 3");
	update_fails(net, "add", "ip-dhcp-host", -1, "<range start='1' end='2'/>", EINVAL,
		     "ip-dhcp-host XML: the element must be <host>");
	update_fails(net, "add", "ip-dhcp-host", -1, "<host", EINVAL, "ip-dhcp-host XML: line");

	/* ranges: inside the subnet, start before end */
	update_ok(net, "delete", "ip-dhcp-range", -1,
		  "<range start='192.168.122.2' end='192.168.122.254'/>");
	update_ok(net, "add", "ip-dhcp-range", -1,
		  "<range start='192.168.122.100' end='192.168.122.199'/>");
	update_fails(net, "add", "ip-dhcp-range", -1,
		     "<range start='192.168.122.200' end='192.168.123.10'/>", EINVAL,
		     "DHCP range end: 192.168.123.10 is not in the network 192.168.122.1/24");
	update_fails(net, "add", "ip-dhcp-range", -1,
		     "<range start='192.168.122.220' end='192.168.122.210'/>", EINVAL,
		     "DHCP range 192.168.122.220 - 192.168.122.210: the start is after the end");
	update_fails(net, "add", "ip-dhcp-range", -1,
		     "<range start='192.168.122.100' end='192.168.122.199'/>", EEXIST,
		     "there is already");
	vu_network_free(&net);
}

static void test_update_sections(void **state)
{
	struct vu_network *net = parse(DEFAULT_XML);
	char *s;

	(void)state;
	/* a new <dns> goes where libvirt writes it: before <ip> */
	update_ok(net, "add", "dns-host", -1,
		  "<host ip='192.168.122.5'><hostname>web</hostname></host>");
	update_ok(net, "add", "dns-srv", -1,
		  "<srv service='ldap' protocol='tcp' target='web' port='389'/>");
	update_ok(net, "add", "dns-txt", -1, "<txt name='info' value='hello'/>");
	s = vu_network_format(net);
	assert_non_null(strstr(s, dq("  <forward/>\n"
		"  <dns>\n"
		"    <txt name='info' value='hello'/>\n"
		"    <srv service='ldap' protocol='tcp' target='web' port='389'/>\n"
		"    <host ip='192.168.122.5'>\n"
		"      <hostname>web</hostname>\n"
		"    </host>\n"
		"  </dns>\n"
		"  <ip ")));
	free(s);
	update_fails(net, "modify", "dns-host", -1,
		     "<host ip='192.168.122.5'><hostname>www</hostname></host>", ENOTSUP,
		     "dns-host entries cannot be modified, only added or deleted");
	update_fails(net, "modify", "ip-dhcp-range", -1,
		     "<range start='192.168.122.2' end='192.168.122.254'/>", ENOTSUP,
		     "ip-dhcp-range entries cannot be modified, only added or deleted");
	update_fails(net, "add", "dns-host", -1, "<host ip='192.168.122.300'><hostname>x"
		     "</hostname></host>", EINVAL, "DNS host: invalid address '192.168.122.300'");
	update_fails(net, "add", "dns-txt", -1, "<txt name='.bad' value='v'/>", EINVAL,
		     "DNS txt name '.bad': no dot at either end");
	update_fails(net, "add", "dns-srv", -1, "<srv service='x' protocol='sctp'/>", EINVAL,
		     "DNS srv 'x': protocol must be tcp or udp");
	update_ok(net, "delete", "dns-txt", -1, "<txt name='info'/>");
	update_ok(net, "delete", "dns-srv", -1, "<srv service='ldap' protocol='tcp'/>");
	update_ok(net, "delete", "dns-host", -1, "<host ip='192.168.122.5'/>");
	s = vu_network_format(net);
	assert_string_equal(s, dq(DEFAULT_XML));	/* the empty <dns> goes too */
	free(s);

	update_ok(net, "add", "portgroup", -1, "<portgroup name='eng'/>");
	update_ok(net, "add-first", "portgroup", -1, "<portgroup name='admin'/>");
	s = vu_network_format(net);
	assert_non_null(strstr(s, dq("  </ip>\n  <portgroup name='admin'/>\n"
				  "  <portgroup name='eng'/>\n</network>\n")));
	free(s);
	update_fails(net, "add", "portgroup", -1, "<portgroup name='eng'/>", EEXIST,
		     "there is already a matching portgroup entry");
	update_ok(net, "modify", "portgroup", -1,
		  "<portgroup name='eng'><vlan><tag id='42'/></vlan></portgroup>");
	s = vu_network_format(net);
	assert_non_null(strstr(s, dq("  <portgroup name='eng'>\n    <vlan>\n"
				     "      <tag id='42'/>\n    </vlan>\n  </portgroup>\n")));
	free(s);
	vu_network_free(&net);

	net = parse(docs[7]);
	update_ok(net, "add-first", "forward-interface", -1, "<interface dev='eth0'/>");
	update_ok(net, "delete", "forward-interface", -1, "<interface dev='eth2'/>");
	s = vu_network_format(net);
	assert_non_null(strstr(s, dq("<interface dev='eth0'/>\n    <interface dev='eth1'/>\n"
				  "  </forward>")));
	free(s);
	vu_network_free(&net);
	/* the last interface of a NAT network goes, NAT stays */
	net = parse("<network><name>n</name><forward><interface dev='eth0'/></forward>"
		    "</network>");
	update_ok(net, "delete", "forward-interface", -1, "<interface dev='eth0'/>");
	assert_int_equal(vu_network_get_forward(net), VU_NET_NAT);
	vu_network_free(&net);
	net = parse(docs[4]);	/* isolated: no <forward> to add to */
	update_fails(net, "add", "forward-interface", -1, "<interface dev='eth0'/>", ENOENT,
		     "the network has no <forward> element");
	vu_network_free(&net);

	assert_int_equal(vu_net_update_cmd_parse("insert"), -EINVAL);
	assert_int_equal(vu_net_section_parse("ip-dhcp"), -EINVAL);
	assert_string_equal(vu_net_section_name(VU_NET_SECTION_DNS_SRV), "dns-srv");
}

static void test_refused(void **state)
{
	struct vu_network *net = NULL;
	struct vu_err e = { 0 };
	const char *s = "<network><name>../x</name></network>";

	(void)state;
	/* a bad name is refused at load, before any path is made from it */
	assert_int_equal(vu_network_parse(&net, s, strlen(s), &e), -EINVAL);
	assert_null(net);
	assert_string_equal(e.msg, "invalid network name '../x': letters, digits and _.+:- only,"
				   " not first . or -, 1 to 255 bytes");
	refused("<pool><name>x</name></pool>", "the root element is not <network>");
	refused("<network/>", "a network needs exactly one <name>");
	refused("<network><name>x</name><uuid>nope</uuid></network>", "invalid UUID 'nope'");
	refused("<network><name>x</name><mac address='ff:ff:ff:ff:ff:ff'/></network>",
		"invalid bridge MAC address");
	refused("<network><name>x</name><forward mode='tunnel'/></network>",
		"unknown forward mode");
	refused("<network><name>x</name><bridge name='abcdefghijklmnop'/></network>",
		"invalid bridge name 'abcdefghijklmnop'");
	refused("<network><name>x</name><mtu size='20'/></network>", "<mtu size>");
	refused("<network><name>x</name><ip address='192.168.1.300' prefix='24'/></network>",
		"<ip>: invalid IPv4 address '192.168.1.300'");
	refused("<network><name>x</name><ip family='ipv6' address='10.0.0.1'/></network>",
		"<ip>: invalid IPv6 address");
	refused("<network><name>x</name><ip address='224.0.0.1'/></network>",
		"<ip address='224.0.0.1'>: neither prefix nor netmask, and the address has "
		"no class");
	refused("<network><name>x</name><ip address='10.0.0.1' prefix='33'/></network>",
		"<ip address='10.0.0.1'>: prefix '33' is not from 0 to 32");
	refused("<network><name>x</name><ip address='10.0.0.1' netmask='255.0.255.0'/>"
		"</network>", "<ip address='10.0.0.1'>: invalid netmask '255.0.255.0'");
	refused("<network><name>x</name><ip address='10.0.0.1' netmask='255.0.0.0' "
		"prefix='8'/></network>", "<ip address='10.0.0.1'>: both netmask and prefix");
	refused("<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp>"
		"<range start='10.0.0.2' end='10.0.1.2'/></dhcp></ip></network>",
		"DHCP range end: 10.0.1.2 is not in the network 10.0.0.1/24");
	refused("<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp>"
		"<range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip><ip address='10.0.1.1' "
		"prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip>"
		"</network>", "DHCP on more than one IPv4 <ip>");
	refused("<network><name>x</name><forward mode='bridge'/><bridge name='br0'/>"
		"<ip address='10.0.0.1'/></network>", "forward mode 'bridge' takes no <ip>");
	refused("<network><name>x</name><forward mode='vepa'/></network>",
		"forward mode 'vepa' needs a dev or an interface");
	refused("<network><name>x</name><dns><host ip='10.0.0.1'/></dns></network>",
		"DNS host 10.0.0.1: no <hostname>");
	refused("<network><name>x</name><dns><forwarder addr='nowhere'/></dns></network>",
		"DNS forwarder: invalid address 'nowhere'");
	refused("<network><name>x</name><bridge name='br:0'/></network>",
		"invalid bridge name 'br:0'");
	refused("<network><name>x</name><bridge name='br%s'/></network>",
		"invalid bridge name 'br%s'");
	refused("<network><name>x</name><forward dev='eth0\\\"'/></network>",
		"invalid forward device 'eth0\\\"'");
	refused("<network><name>x</name><forward mode='vepa'><interface dev='eth0'/>"
		"<interface dev='a:b'/></forward></network>", "invalid forward device 'a:b'");
	refused("<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp>"
		"<range start='10.0.0.2' end='10.0.0.9'><lease expiry='1' unit='days'/></range>"
		"</dhcp></ip></network>", "<lease>: unknown unit 'days'");
	refused("<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp>"
		"<host mac='52:54:00:00:00:01' ip='10.0.0.3'><lease expiry='71582789'/></host>"
		"</dhcp></ip></network>", "<lease>: expiry '71582789' is not a number of minutes");
	/* nothing that would start a line of its own in dnsmasq's conf */
	refused("<network><name>x</name><dns><txt name='a' value='v&#10;dhcp-script=/tmp/x'/>"
		"</dns></network>", "DNS txt 'a': control characters or a comma");
	refused("<network><name>x</name><dns><host ip='10.0.0.1'><hostname>a&#10;b</hostname>"
		"</host></dns></network>", "DNS host 10.0.0.1: invalid hostname 'a\\nb'");
	refused("<network><name>x</name><domain name='a&#10;b'/></network>",
		"invalid domain name 'a\\nb'");
	refused("<network><name>x</name><dns><forwarder domain='a/b'/></dns></network>",
		"DNS forwarder: invalid domain 'a/b'");
	refused("<network><name>x</name><ip address='10.0.0.1'><tftp root='/a&#10;b'/></ip>"
		"</network>", "<tftp root='/a\\nb'>: control characters");
	refused("<network><name>x</name><ip address='10.0.0.1'><tftp root='tftp'/></ip>"
		"</network>", "<tftp root='tftp'>: not an absolute path");
	/* what our checks let by, libvirt's schema refuses */
	if (access(VU_NETWORK_RNG, R_OK) == 0)
		refused("<network><name>x</name><bogus/></network>",
			"not valid per libvirt's schema");
}

static void test_ifname(void **state)
{
	(void)state;
	assert_true(vu_net_ifname_ok("virbr0"));
	assert_true(vu_net_ifname_ok("abcdefghijklmno"));
	assert_false(vu_net_ifname_ok("abcdefghijklmnop"));
	assert_false(vu_net_ifname_ok(""));
	assert_false(vu_net_ifname_ok(".."));
	assert_false(vu_net_ifname_ok("a b"));
	assert_false(vu_net_ifname_ok("a/b"));
	assert_false(vu_net_ifname_ok("a:b"));
	assert_false(vu_net_ifname_ok("a\tb"));
	assert_false(vu_net_ifname_ok("virbr%d"));
}

static void test_new_default(void **state)
{
	struct vu_network *net = NULL;
	char *s;

	(void)state;
	assert_int_equal(vu_network_new_default(&net, "default", "virbr0", 122), 0);
	s = vu_network_format(net);
	/* libvirt's default.xml in the order libvirt writes a network */
	assert_string_equal(s, dq("<network>\n"
				  "  <name>default</name>\n"
				  "  <forward/>\n"
				  "  <bridge name='virbr0'/>\n"
				  "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
				  "    <dhcp>\n"
				  "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
				  "    </dhcp>\n"
				  "  </ip>\n"
				  "</network>\n"));
	free(s);
	check_ok(net);
	vu_network_free(&net);
	assert_int_equal(vu_network_new_default(&net, "n2", "virbr7", 124), 0);
	s = vu_network_format(net);
	assert_non_null(strstr(s, dq("<range start='192.168.124.2' end='192.168.124.254'/>")));
	free(s);
	vu_network_free(&net);
	vu_network_free(&net);	/* twice is fine */
	vu_network_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_bridge_forward),
		cmocka_unit_test(test_ips),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_update_dhcp),
		cmocka_unit_test(test_update_sections),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_new_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
