/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_dnsmasq.c - the dnsmasq conf, hostsfile and addn-hosts libvirt 9.0
 * writes (golden renders), the lease file parser on good and hostile
 * lines, and a real dnsmasq started, reloaded and stopped in a network
 * namespace of the test's own (root only) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/dnsmasq.h"
#include "testutil.h"

#define HDR(name) \
	"##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" \
	"##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n" \
	"##    virsh net-edit " name "\n" \
	"## or other application using the libvirt API.\n" \
	"##\n" \
	"## dnsmasq conf file created by libvirt\n" \
	"strict-order\n"

static const struct vu_dnsmasq_paths lv_paths = {
	"/run/libvirt/network/default.pid",
	"/var/lib/libvirt/dnsmasq/default.hostsfile",
	"/var/lib/libvirt/dnsmasq/default.addnhosts",
};
static const struct vu_dnsmasq_paths no_pid = {
	NULL, "/var/lib/libvirt/dnsmasq/default.hostsfile",
	"/var/lib/libvirt/dnsmasq/default.addnhosts",
};
#define FILES \
	"dhcp-hostsfile=/var/lib/libvirt/dnsmasq/default.hostsfile\n" \
	"addn-hosts=/var/lib/libvirt/dnsmasq/default.addnhosts\n"

static const struct vu_dnsmasq_range default_range[] = {
	{ "192.168.122.2", "192.168.122.254", { 0 } },
};
static const struct vu_dnsmasq_ip default_ip[] = {
	{ AF_INET, "192.168.122.1", 24, default_range, 1, NULL, 0, NULL, NULL, NULL, false },
};
/* /usr/share/libvirt/networks/default.xml */
static const struct vu_dnsmasq_spec default_net = {
	.name = "default", .bridge = "virbr0", .ips = default_ip, .nips = 1,
};

static void expect_conf(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_paths *p,
			const char *want)
{
	struct vu_err e = { 0 };
	char *out = NULL;

	if (vu_dnsmasq_conf(s, p, &out, &e) < 0)
		fail_msg("refused: %s", vu_err_str(&e));
	if (strcmp(out, want) != 0)
		fail_msg("conf differs; got:\n%s\nwant:\n%s", out, want);
	free(out);
}

static void expect_hosts(const struct vu_dnsmasq_spec *s, const char *hosts, const char *addn)
{
	char *out = NULL;

	assert_int_equal(vu_dnsmasq_hostsfile(s, &out, NULL), 0);
	assert_string_equal(out, hosts);
	free(out);
	assert_int_equal(vu_dnsmasq_addnhosts(s, &out, NULL), 0);
	assert_string_equal(out, addn);
	free(out);
}

/* Byte for byte what libvirt 9.0 writes for its default network
 * (/var/lib/libvirt/dnsmasq/default.conf on Debian 12). */
static void test_default_network(void **state)
{
	(void)state;
	expect_conf(&default_net, &lv_paths,
		    HDR("default")
		    "pid-file=/run/libvirt/network/default.pid\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-lease-max=253\n"
		    FILES);
	/* Both files exist even empty, for live additions. */
	expect_hosts(&default_net, "", "");
}

/* DHCPv4 and DHCPv6: the range takes a prefix length, dnsmasq sends RAs. */
static void test_ipv6_dhcp_ra(void **state)
{
	static const struct vu_dnsmasq_range r6[] = {
		{ "2001:db8:ac10:fd01::1:10", "2001:db8:ac10:fd01:0::1:ff", { 0 } },
	};
	static const struct vu_dnsmasq_host h6[] = {
		{ NULL, "0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63", "paul",
		  "2001:db8:ac10:fd01::1:20", { 0 } },
		{ NULL, NULL, "bob", "2001:db8:ac10:fd01::1:21", { true, 2, 'h' } },
	};
	const struct vu_dnsmasq_ip ips[] = {
		default_ip[0],
		{ AF_INET6, "2001:db8:ac10:fd01::1", 64, r6, 1, h6, 2, NULL, NULL, NULL, false },
	};
	struct vu_dnsmasq_spec s = default_net;

	(void)state;
	s.ips = ips;
	s.nips = 2;
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-range=2001:db8:ac10:fd01::1:10,2001:db8:ac10:fd01::1:ff,64\n"
		    "dhcp-lease-max=493\n"
		    FILES
		    "enable-ra\n");
	expect_hosts(&s,
		     "id:0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63,paul,"
		     "[2001:db8:ac10:fd01::1:20]\n"
		     "bob,[2001:db8:ac10:fd01::1:21],2h\n", "");
}

/* Static hosts in a range, a second IPv4 address without DHCP, IPv6
 * addresses without DHCP: SLAAC only (libvirt's nat-network). */
static void test_static_hosts_ra_only(void **state)
{
	static const struct vu_dnsmasq_host h[] = {
		{ "00:16:3e:77:e2:ed", NULL, "a.example.com", "192.168.122.10", { 0 } },
		{ "00:16:3E:3E:A9:1A", NULL, "b.example.com", "192.168.122.11", { true, 0, 0 } },
		{ "00:16:3e:3e:a9:1b", NULL, NULL, "192.168.122.12", { true, 30, 'm' } },
		{ NULL, NULL, "c.example.com", "192.168.122.13", { 0 } },
		{ "00:16:3e:3e:a9:1c", NULL, "noip", NULL, { 0 } },
	};
	const struct vu_dnsmasq_ip ips[] = {
		{ 0, "192.168.122.1", 24, default_range, 1, h, ARRAY_SIZE(h), NULL, NULL, NULL, false },
		{ AF_INET, "192.168.123.1", 24, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
		{ AF_INET6, "2001:db8:ac10:fe01::1", 64, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
		{ AF_INET6, "2001:db8:ac10:fd01::1", 64, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
		{ AF_INET, "10.24.10.1", 0, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
	};
	struct vu_dnsmasq_spec s = default_net;

	(void)state;
	s.ips = ips;
	s.nips = ARRAY_SIZE(ips);
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-lease-max=253\n"
		    FILES
		    "dhcp-range=2001:db8:ac10:fe01::1,ra-only\n"
		    "dhcp-range=2001:db8:ac10:fd01::1,ra-only\n");
	expect_hosts(&s,
		     "00:16:3e:77:e2:ed,192.168.122.10,a.example.com\n"
		     "00:16:3E:3E:A9:1A,192.168.122.11,b.example.com,infinite\n"
		     "00:16:3e:3e:a9:1b,192.168.122.12,30m\n"
		     "c.example.com,192.168.122.13\n", "");
}

/* localPtr: reverse zones of the networks answered locally (libvirt's
 * ptr-domains-auto), and a prefix they cannot be made from. */
static void test_local_ptr(void **state)
{
	struct vu_dnsmasq_ip ips[] = {
		{ AF_INET, "192.168.122.1", 24, default_range, 1, NULL, 0, NULL, NULL, NULL, true },
		{ AF_INET, "192.168.123.1", 24, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
		{ AF_INET6, "2001:db8:ac10:fe01::1", 64, NULL, 0, NULL, 0, NULL, NULL, NULL, true },
		{ AF_INET6, "2001:db8:ac10:fd01::1", 64, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
	};
	struct vu_dnsmasq_spec s = default_net;
	struct vu_err e = { 0 };
	char *out = NULL;

	(void)state;
	s.ips = ips;
	s.nips = ARRAY_SIZE(ips);
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "local=/122.168.192.in-addr.arpa/\n"
		    "local=/1.0.e.f.0.1.c.a.8.b.d.0.1.0.0.2.ip6.arpa/\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-lease-max=253\n"
		    FILES
		    "dhcp-range=2001:db8:ac10:fe01::1,ra-only\n"
		    "dhcp-range=2001:db8:ac10:fd01::1,ra-only\n");
	ips[2].prefix = 62;
	assert_int_equal(vu_dnsmasq_conf(&s, &no_pid, &out, &e), -EINVAL);
	assert_string_equal(e.msg, "PTR domain for IPv6 network with prefix 62 cannot be "
			    "automatically created");
	ips[2].prefix = 60;
	ips[0].prefix = 16;
	ips[0].ranges = NULL;
	ips[0].nranges = 0;
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "local=/168.192.in-addr.arpa/\n"
		    "local=/0.e.f.0.1.c.a.8.b.d.0.1.0.0.2.ip6.arpa/\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "addn-hosts=/var/lib/libvirt/dnsmasq/default.addnhosts\n"
		    "dhcp-range=2001:db8:ac10:fe01::1,ra-only\n"
		    "dhcp-range=2001:db8:ac10:fd01::1,ra-only\n");
}

/* Hosts and no range: DHCP still on, for the hosts only; lease times. */
static void test_static_only(void **state)
{
	static const struct vu_dnsmasq_range r[] = {
		{ "192.168.122.2", "192.168.122.254", { true, 200, 's' } },
	};
	static const struct vu_dnsmasq_host h[] = {
		{ "00:16:3e:77:e2:ed", NULL, "a.example.com", "192.168.122.10", { true, 5, 'h' } },
	};
	const struct vu_dnsmasq_ip ips[] = {
		{ AF_INET, "192.168.122.1", 24, NULL, 0, h, 1, NULL, NULL, NULL, false },
	};
	const struct vu_dnsmasq_ip ips_lease[] = {
		{ AF_INET, "192.168.122.1", 24, r, 1, NULL, 0, NULL, NULL, NULL, false },
	};
	struct vu_dnsmasq_spec s = default_net;

	(void)state;
	s.ips = ips;
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "dhcp-range=192.168.122.1,static\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    FILES);
	expect_hosts(&s, "00:16:3e:77:e2:ed,192.168.122.10,a.example.com,5h\n", "");
	s.ips = ips_lease;
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0,200s\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-lease-max=253\n"
		    FILES);
}

/* DNS records: TXT, SRV with libvirt's positional defaults, hosts. */
static void test_dns_records(void **state)
{
	static const char *const n1[] = { "host", "gateway" }, *const n2[] = { "other" },
			  *const n3[] = { "again" };
	static const struct vu_dnsmasq_dns_host dh[] = {
		{ "192.168.122.1", n1, 2 }, { "fd00:0::2", n2, 1 }, { "192.168.122.1", n3, 1 },
	};
	static const struct vu_dnsmasq_txt txt[] = { { "example", "example value" } };
	static const struct vu_dnsmasq_srv srv[] = {
		{ "name", "tcp", "test-domain-name.com", "test.example.com", 1111, 11, 111 },
		{ "name2", "udp", NULL, "test2.example.com", 2222, 22, 222 },
		{ "name3", "tcp", "test3.com", "test3.example.com", 3333, 33, 0 },
		{ "name4", "tcp", "test4.com", "test4.example.com", 4444, 0, 0 },
		{ "name5", "udp", NULL, "test5.example.com", 0, 55, 555 },
		{ "name6", "tcp", "test6.com", "test6.example.com", 6666, 0, 666 },
		{ "name7", "tcp", "test7.com", "test7.example.com", 0, 0, 777 },
		{ "ldap", "tcp", NULL, NULL, 0, 0, 0 },
		{ "ldap", "udp", "x.com", ".", 389, 0, 0 },
	};
	struct vu_dnsmasq_spec s = default_net;

	(void)state;
	s.dns_hosts = dh;
	s.ndns_hosts = ARRAY_SIZE(dh);
	s.txts = txt;
	s.ntxts = 1;
	s.srvs = srv;
	s.nsrvs = ARRAY_SIZE(srv);
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "txt-record=example,example value\n"
		    "srv-host=_name._tcp.test-domain-name.com,test.example.com,1111,11,111\n"
		    "srv-host=_name2._udp,test2.example.com,2222,22,222\n"
		    "srv-host=_name3._tcp.test3.com,test3.example.com,3333,33\n"
		    "srv-host=_name4._tcp.test4.com,test4.example.com,4444\n"
		    "srv-host=_name5._udp,test5.example.com,1,55,555\n"
		    "srv-host=_name6._tcp.test6.com,test6.example.com,6666,0,666\n"
		    "srv-host=_name7._tcp.test7.com,test7.example.com,1,0,777\n"
		    "srv-host=_ldap._tcp\n"
		    "srv-host=_ldap._udp.x.com\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-lease-max=253\n"
		    FILES);
	/* Names of one address on one line, tab after each, as libvirt. */
	expect_hosts(&s, "", "192.168.122.1\thost\tgateway\tagain\t\nfd00::2\tother\t\n");
}

/* Forwarders: no-resolv once an address takes every other name. */
static void test_forwarders(void **state)
{
	static const struct vu_dnsmasq_forwarder fw[] = {
		{ "8.8.8.8", NULL }, { "8.8.4.4", NULL }, { "192.168.1.1", "example.com" },
		{ NULL, "www.example.com" },
	};
	const struct vu_dnsmasq_ip ips[] = {
		{ AF_INET, "192.168.122.1", 24, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
	};
	struct vu_dnsmasq_spec s = { .name = "default", .bridge = "virbr0", .ips = ips, .nips = 1,
				     .forwarders = fw, .nforwarders = ARRAY_SIZE(fw) };

	(void)state;
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "server=8.8.8.8\n"
		    "server=8.8.4.4\n"
		    "server=/example.com/192.168.1.1\n"
		    "server=/www.example.com/#\n"
		    "no-resolv\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "addn-hosts=/var/lib/libvirt/dnsmasq/default.addnhosts\n");
	/* Only domain-bound forwarders: resolv.conf still serves the rest. */
	s.forwarders = &fw[2];
	s.nforwarders = 1;
	expect_conf(&s, &no_pid,
		    HDR("default")
		    "server=/example.com/192.168.1.1\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr0\n"
		    "addn-hosts=/var/lib/libvirt/dnsmasq/default.addnhosts\n");
}

/* PXE: tftp root and boot file (libvirt's netboot-network), with server. */
static void test_pxe(void **state)
{
	const struct vu_dnsmasq_ip ips[] = {
		{ AF_INET, "192.168.122.1", 24, default_range, 1, NULL, 0, "pxeboot.img", NULL,
		  "/var/lib/tftproot", false },
	};
	const struct vu_dnsmasq_ip ips_srv[] = {
		{ AF_INET, "192.168.122.1", 24, default_range, 1, NULL, 0, "pxeboot.img",
		  "10.20.30.40", NULL, false },
	};
	struct vu_dnsmasq_spec s = { .name = "netboot", .bridge = "virbr1", .domain = "example.com",
				     .ips = ips, .nips = 1 };
	struct vu_dnsmasq_paths p = { NULL, "/d/netboot.hostsfile", "/d/netboot.addnhosts" };

	(void)state;
	expect_conf(&s, &p,
		    HDR("netboot")
		    "domain=example.com\n"
		    "expand-hosts\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr1\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "enable-tftp\n"
		    "tftp-root=/var/lib/tftproot\n"
		    "dhcp-boot=pxeboot.img\n"
		    "dhcp-lease-max=253\n"
		    "dhcp-hostsfile=/d/netboot.hostsfile\n"
		    "addn-hosts=/d/netboot.addnhosts\n");
	s.ips = ips_srv;
	s.domain = NULL;
	expect_conf(&s, &p,
		    HDR("netboot")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr1\n"
		    "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		    "dhcp-no-override\n"
		    "dhcp-authoritative\n"
		    "dhcp-boot=pxeboot.img,,10.20.30.40\n"
		    "dhcp-lease-max=253\n"
		    "dhcp-hostsfile=/d/netboot.hostsfile\n"
		    "addn-hosts=/d/netboot.addnhosts\n");
}

/* No DHCP: no range, lease limit or hostsfile; isolated, DNS off, MTU,
 * a local-only domain, plain names not forwarded. */
static void test_no_dhcp(void **state)
{
	const struct vu_dnsmasq_ip ips[] = {
		{ AF_INET, "192.168.125.1", 24, NULL, 0, NULL, 0, NULL, NULL, NULL, false },
	};
	struct vu_dnsmasq_spec s = { .name = "routed", .bridge = "virbr1", .ips = ips, .nips = 1 };

	(void)state;
	expect_conf(&s, &no_pid,
		    HDR("routed")
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr1\n"
		    "addn-hosts=/var/lib/libvirt/dnsmasq/default.addnhosts\n");
	s.domain = "example.com";
	s.domain_local_only = true;
	s.no_forward_plain_names = true;
	s.isolated = true;
	s.mtu = 9000;
	expect_conf(&s, &no_pid,
		    HDR("routed")
		    "local=/example.com/\n"
		    "domain=example.com\n"
		    "expand-hosts\n"
		    "domain-needed\n"
		    "local=//\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr1\n"
		    "dhcp-option=3\n"
		    "no-resolv\n"
		    "ra-param=*,0,0\n"
		    "addn-hosts=/var/lib/libvirt/dnsmasq/default.addnhosts\n"
		    "dhcp-option=option:mtu,9000\n");
	s.dns_disabled = true;
	expect_conf(&s, &no_pid,
		    HDR("routed")
		    "port=0\n"
		    "local=/example.com/\n"
		    "domain=example.com\n"
		    "expand-hosts\n"
		    "except-interface=lo\n"
		    "bind-dynamic\n"
		    "interface=virbr1\n"
		    "dhcp-option=3\n"
		    "no-resolv\n"
		    "ra-param=*,0,0\n"
		    "dhcp-option=option:mtu,9000\n");
}

static void expect_refused(const struct vu_dnsmasq_spec *s, const char *what)
{
	struct vu_err e = { 0 };
	char *out = NULL;

	assert_int_equal(vu_dnsmasq_conf(s, &no_pid, &out, &e), -EINVAL);
	assert_null(out);
	if (!strstr(e.msg, what))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, what);
	assert_int_equal(vu_dnsmasq_hostsfile(s, &out, NULL), -EINVAL);
	assert_int_equal(vu_dnsmasq_addnhosts(s, &out, NULL), -EINVAL);
}

/* One newline in any value would add a dnsmasq option of the writer's
 * choice (dhcp-script=...): every value is checked. */
static void test_refused(void **state)
{
	static const char *const evil[] = { "x\ndhcp-script=/tmp/x" };
	static const struct vu_dnsmasq_dns_host dh[] = { { "192.168.122.5", evil, 1 } };
	static const struct vu_dnsmasq_txt txt[] = { { "t", "v\ndhcp-script=/tmp/x" } };
	static const struct vu_dnsmasq_range out_of_net[] = {
		{ "192.168.122.2", "192.168.123.254", { 0 } },
	};
	static const struct vu_dnsmasq_range backwards[] = {
		{ "192.168.122.200", "192.168.122.2", { 0 } },
	};
	static const struct vu_dnsmasq_host badhost[] = {
		{ "00:16:3e:77:e2:ed", NULL, "a,b", "192.168.122.10", { 0 } },
	};
	static const struct vu_dnsmasq_host badmac[] = {
		{ "00:16:3e:77:e2", NULL, "a", "192.168.122.10", { 0 } },
	};
	struct vu_dnsmasq_ip ip = default_ip[0];
	struct vu_dnsmasq_ip two[2] = { default_ip[0], default_ip[0] };
	struct vu_dnsmasq_spec s = default_net;

	(void)state;
	s.bridge = "vir\nbr0";
	expect_refused(&s, "bridge");
	s.bridge = "averyveryverylongname";
	expect_refused(&s, "bridge");
	s = default_net;
	s.name = "../x";
	expect_refused(&s, "network name");
	s = default_net;
	s.dns_hosts = dh;
	s.ndns_hosts = 1;
	expect_refused(&s, "dns host");
	s = default_net;
	s.txts = txt;
	s.ntxts = 1;
	expect_refused(&s, "txt");
	s = default_net;
	s.ips = &ip;
	ip.ranges = out_of_net;
	expect_refused(&s, "outside the network");
	ip.ranges = backwards;
	expect_refused(&s, "ends before it starts");
	ip = default_ip[0];
	ip.hosts = badhost;
	ip.nhosts = 1;
	expect_refused(&s, "host name");
	ip.hosts = badmac;
	expect_refused(&s, "host mac");
	ip = default_ip[0];
	ip.bootfile = "a\nb";
	expect_refused(&s, "bootp file");
	ip = default_ip[0];
	ip.address = "192.168.122.256";
	expect_refused(&s, "bad ip address");
	ip = default_ip[0];
	ip.family = AF_INET6;
	expect_refused(&s, "bad ip address");
	s.ips = two;
	s.nips = 2;
	expect_refused(&s, "multiple DHCP");
}

/* ---- leases ---- */

static void test_leases_good(void **state)
{
	static const char file[] =
		"1733594000 52:54:00:AB:cd:01 192.168.122.50 guest1 01:52:54:00:ab:cd:01\n"
		"0 52:54:00:ab:cd:02 192.168.122.51 * *\n"
		"duid 00:01:00:01:2c:ef:58:1a:52:54:00:11:22:33\n"
		"1733594100 1234567 2001:db8:ac10:fd01:0::1:20 g6 00:04:7e:7d\n"
		"1733594100 T42 2001:db8::5 * 00:04:7e:7d";
	struct vu_dnsmasq_lease *l = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(vu_dnsmasq_leases_parse(file, sizeof(file) - 1, &l, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(l[0].expiry, 1733594000);
	assert_int_equal(l[0].family, AF_INET);
	assert_string_equal(l[0].mac, "52:54:00:ab:cd:01");
	assert_string_equal(l[0].ip, "192.168.122.50");
	assert_string_equal(l[0].hostname, "guest1");
	assert_string_equal(l[0].clientid, "01:52:54:00:ab:cd:01");
	assert_int_equal(l[1].expiry, 0);
	assert_string_equal(l[1].hostname, "");
	assert_string_equal(l[1].clientid, "");
	assert_int_equal(l[2].family, AF_INET6);
	assert_string_equal(l[2].mac, "");
	assert_int_equal(l[2].iaid, 1234567);
	assert_string_equal(l[2].ip, "2001:db8:ac10:fd01::1:20");
	assert_string_equal(l[2].hostname, "g6");
	assert_int_equal(l[3].iaid, 42);
	assert_string_equal(l[3].ip, "2001:db8::5");
	vu_dnsmasq_leases_free(l, n);

	assert_int_equal(vu_dnsmasq_leases_parse("", 0, &l, &n), 0);
	assert_int_equal(n, 0);
	vu_dnsmasq_leases_free(l, n);
}

/* What a guest (or a corrupted file) may put there: each line skipped. */
static void test_leases_hostile(void **state)
{
	static const char *const bad[] = {
		"1733594000 52:54:00:ab:cd:01 192.168.122.50 guest1",		/* 4 fields */
		"1733594000 52:54:00:ab:cd:01 192.168.122.50 guest1 * extra",
		"1733594000  52:54:00:ab:cd:01 192.168.122.50 guest1 *",	/* empty field */
		"-5 52:54:00:ab:cd:01 192.168.122.50 guest1 *",
		"99999999999999999999 52:54:00:ab:cd:01 192.168.122.50 g *",
		"9223372036854775808 52:54:00:ab:cd:01 192.168.122.50 g *",
		"1e9 52:54:00:ab:cd:01 192.168.122.50 g *",
		"1 52:54:00:ab:cd 192.168.122.50 g *",
		"1 52:54:00:ab:cd:zz 192.168.122.50 g *",
		"1 01-52:54:00:ab:cd:01 192.168.122.50 g *",
		"1 52:54:00:ab:cd:01 192.168.122.500 g *",
		"1 52:54:00:ab:cd:01 192.168.122.50/24 g *",
		"1 52:54:00:ab:cd:01 192.168.122.50 g\x1b[2J *",
		"1 52:54:00:ab:cd:01 192.168.122.50 g;rm *",
		"1 52:54:00:ab:cd:01 192.168.122.50 g 01:zz",
		"1 52:54:00:ab:cd:01 192.168.122.50 g\t*",
		"1 4294967296 2001:db8::5 g *",
		"1 x42 2001:db8::5 g *",
		"1 52:54:00:ab:cd:01 2001:db8::5 g *",
		"1 42 192.168.122.50 g *",
		"duid",
		" ",
	};
	struct vu_dnsmasq_lease *l;
	char big[3000];
	size_t n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		l = NULL;
		assert_int_equal(vu_dnsmasq_leases_parse(bad[i], strlen(bad[i]), &l, &n), 0);
		if (n != 0)
			fail_msg("line %zu taken: %s", i, bad[i]);
		vu_dnsmasq_leases_free(l, n);
	}
	/* Over-long hostname; a NUL inside a line; then one good line. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "1 52:54:00:ab:cd:01 192.168.122.50 ", 35);
	memcpy(big + sizeof(big) - 3, " *\n", 3);
	assert_int_equal(vu_dnsmasq_leases_parse(big, sizeof(big), &l, &n), 0);
	assert_int_equal(n, 0);
	vu_dnsmasq_leases_free(l, n);
	static const char nul[] = "1 52:54:00:ab:cd:01 192.168.122.50 g\0x *\n"
				  "2 52:54:00:ab:cd:02 192.168.122.52 ok *\n";
	assert_int_equal(vu_dnsmasq_leases_parse(nul, sizeof(nul) - 1, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].hostname, "ok");
	vu_dnsmasq_leases_free(l, n);
}

/* ---- a real dnsmasq, in the test's own network namespace ---- */

struct fx {
	char dir[PATH_MAX];
	int dirfd;
	struct vu_dnsmasq_run run;
};

static bool in_netns;

static int ns_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	f->dirfd = -1;
	if (!in_netns)
		return 0;
	if (tu_scratch(f->dir, sizeof(f->dir), "test_dnsmasq") < 0 || chmod(f->dir, 0755) < 0)
		return -1;
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->run = (struct vu_dnsmasq_run){ f->dirfd, f->dir, NULL, 5000 };
	/* Test setup: the bridge net-ctl will make by netlink. */
	return tu_sh("ip link set lo up && ip link add vbr0 type bridge && "
		     "ip addr add 192.168.122.1/24 dev vbr0 && ip link set vbr0 up") == 0 &&
	       f->dirfd >= 0 ? 0 : -1;
}

static int ns_teardown(void **state)
{
	struct fx *f = *state;

	if (in_netns) {
		vu_dnsmasq_stop(&f->run, "default", NULL);
		/* test_start_failures' rival, left by a failed assertion */
		tu_sh("test -f %s/other.pid && kill $(cat %s/other.pid)", f->dir, f->dir);
		tu_sh("ip link del vbr0 2>/dev/null; ip link del vh0 2>/dev/null");
	}
	if (f->dirfd >= 0)
		close(f->dirfd);
	return tu_scratch_free(f, f->dir);
}

#define SKIP_IF_NO_NETNS() do { \
	if (!in_netns) { \
		print_message("not root, or no network namespace: skip\n"); \
		skip(); \
	} \
} while (0)

static bool exists(const struct fx *f, const char *name)
{
	return faccessat(f->dirfd, name, F_OK, 0) == 0;
}

static void test_start_reload_stop(void **state)
{
	static const struct vu_dnsmasq_host h[] = {
		{ "52:54:00:00:00:07", NULL, "seven", "192.168.122.7", { 0 } },
	};
	struct vu_dnsmasq_ip ip = { AF_INET, "192.168.122.1", 24, default_range, 1, NULL, 0,
				    NULL, NULL, NULL, false };
	struct vu_dnsmasq_spec s = { .name = "default", .bridge = "vbr0", .ips = &ip, .nips = 1 };
	struct fx *f = *state;
	struct vu_err e = { 0 };
	pid_t pid = 0, again = 0;
	bool changed = false;
	char *hosts;
	char path[PATH_MAX + 32];

	SKIP_IF_NO_NETNS();
	if (vu_dnsmasq_find(path, sizeof(path)) < 0) {
		print_message("no dnsmasq: skip\n");
		skip();
	}
	if (vu_dnsmasq_start(&s, &f->run, &pid, &e) < 0)
		fail_msg("start: %s", vu_err_str(&e));
	assert_true(pid > 1);
	assert_int_equal(kill(pid, 0), 0);
	assert_true(exists(f, "default.conf") && exists(f, "default.pid") &&
		    exists(f, "default.hostsfile") && exists(f, "default.addnhosts"));
	assert_int_equal(vu_dnsmasq_pid(&f->run, "default", &again), 0);
	assert_int_equal(again, pid);
	/* It listens where libvirt's does: DNS on the bridge address. */
	char *ss = tu_sh_out("ss -lnu");
	assert_non_null(strstr(ss, "192.168.122.1:53"));
	free(ss);
	/* A second start finds it running. */
	assert_int_equal(vu_dnsmasq_start(&s, &f->run, &again, &e), -EEXIST);

	/* A host added live: hosts file rewritten, SIGHUP, same daemon. */
	ip.hosts = h;
	ip.nhosts = 1;
	assert_int_equal(vu_dnsmasq_conf_changed(&s, &f->run, &changed, NULL), 0);
	assert_false(changed);
	assert_int_equal(vu_dnsmasq_reload(&s, &f->run, &e), 0);
	usleep(200 * 1000);
	assert_int_equal(vu_dnsmasq_pid(&f->run, "default", &again), 0);
	assert_int_equal(again, pid);
	tu_path(path, sizeof(path), f->dir, "default.hostsfile");
	hosts = tu_read(path, NULL);
	assert_string_equal(hosts, "52:54:00:00:00:07,192.168.122.7,seven\n");
	free(hosts);
	ip.nranges = 0;
	assert_int_equal(vu_dnsmasq_conf_changed(&s, &f->run, &changed, NULL), 0);
	assert_true(changed);
	ip.nranges = 1;

	/* Stop: gone, its files too; a second stop is a no-op. */
	assert_int_equal(vu_dnsmasq_stop(&f->run, "default", &e), 0);
	assert_true(kill(pid, 0) < 0 || tu_sh("grep -q '^State:.*Z' /proc/%d/status", pid) == 0);
	assert_false(exists(f, "default.pid"));
	assert_false(exists(f, "default.conf"));
	assert_int_equal(vu_dnsmasq_pid(&f->run, "default", &again), -ESRCH);
	assert_int_equal(vu_dnsmasq_stop(&f->run, "default", &e), 0);
	/* A restart right away finds the ports free. */
	for (int i = 0; i < 3; i++) {
		if (vu_dnsmasq_start(&s, &f->run, &pid, &e) < 0)
			fail_msg("restart %d: %s", i, vu_err_str(&e));
		assert_int_equal(vu_dnsmasq_stop(&f->run, "default", &e), 0);
	}
}

/* The daemon inherits neither our fds (a lock would live on in it) nor
 * our blocked signals (stop and reload signal it). */
static void test_nothing_inherited(void **state)
{
	struct vu_dnsmasq_ip ip = default_ip[0];
	struct vu_dnsmasq_spec s = { .name = "default", .bridge = "vbr0", .ips = &ip, .nips = 1 };
	struct fx *f = *state;
	struct vu_err e = { 0 };
	sigset_t block, old;
	char marker[PATH_MAX + 16];
	pid_t pid;
	int fd, r;

	SKIP_IF_NO_NETNS();
	tu_path(marker, sizeof(marker), f->dir, "marker");
	fd = open(marker, O_WRONLY | O_CREAT, 0600);	/* no O_CLOEXEC, on purpose */
	assert_true(fd >= 0);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	r = vu_dnsmasq_start(&s, &f->run, &pid, &e);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	if (r < 0)
		fail_msg("start: %s", vu_err_str(&e));
	assert_int_equal(tu_sh("ls -l /proc/%d/fd | grep -q marker", (int)pid), 1);
	assert_int_equal(tu_sh("grep -q '^SigBlk:\t0*$' /proc/%d/status", (int)pid), 0);
	assert_int_equal(vu_dnsmasq_stop(&f->run, "default", &e), 0);
}

/* A pid file naming a process that is not our dnsmasq is not trusted:
 * nothing is signalled. */
static void test_stale_pidfile(void **state)
{
	struct fx *f = *state;
	pid_t pid, child;
	char text[32];
	int fd;

	SKIP_IF_NO_NETNS();
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(text, sizeof(text), "%d\n", (int)child);
	fd = openat(f->dirfd, "default.pid", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(vu_dnsmasq_pid(&f->run, "default", &pid), -ESRCH);
	assert_int_equal(vu_dnsmasq_stop(&f->run, "default", NULL), 0);
	assert_int_equal(kill(child, 0), 0);	/* still alive: not ours */
	assert_false(exists(f, "default.pid"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* Failures leave nothing: no dnsmasq binary; dnsmasq refusing to start
 * (its complaint is the message); no process, no conf, no pid file. */
static void test_start_failures(void **state)
{
	struct vu_dnsmasq_ip ip = default_ip[0];
	struct vu_dnsmasq_spec s = { .name = "default", .bridge = "vbr0", .ips = &ip, .nips = 1 };
	struct vu_dnsmasq_run run;
	struct fx *f = *state;
	struct vu_err e = { 0 };
	pid_t pid;

	SKIP_IF_NO_NETNS();
	run = f->run;
	run.binary = "/nonexistent/dnsmasq";
	assert_int_equal(vu_dnsmasq_start(&s, &run, &pid, &e), -ENOENT);
	assert_false(exists(f, "default.conf"));
	/* bind-dynamic: a bridge not there yet is no failure (it may come). */
	s.bridge = "nosuchbr0";
	assert_int_equal(vu_dnsmasq_start(&s, &f->run, &pid, &e), 0);
	assert_int_equal(vu_dnsmasq_stop(&f->run, "default", &e), 0);
	/* A second dnsmasq on the same port and address. */
	s.bridge = "vbr0";
	assert_int_equal(tu_sh("/usr/sbin/dnsmasq --port=53 --listen-address=192.168.122.1 "
			       "--bind-interfaces --no-dhcp-interface=vbr0 --conf-file=/dev/null "
			       "--pid-file=%s/other.pid", f->dir), 0);
	assert_int_equal(vu_dnsmasq_start(&s, &f->run, &pid, &e), -EIO);
	print_message("# %s\n", vu_err_str(&e));
	assert_non_null(strstr(e.msg, "dnsmasq failed"));
	assert_false(exists(f, "default.conf"));
	assert_false(exists(f, "default.pid"));
}

/* A guest in a second namespace, joined by a veth, gets a lease that the
 * lease file then shows, with the prefix from the spec; its MAC was
 * reserved after start, by reload (SIGHUP, the hosts file re-read by
 * dnsmasq once it runs as nobody), and the reservation is honoured. */
static void test_lease_from_client(void **state)
{
	static const struct vu_dnsmasq_host h[] = {
		{ "52:54:00:00:00:77", NULL, "guest77", "192.168.122.77", { 0 } },
	};
	struct vu_dnsmasq_ip ip = default_ip[0];
	struct vu_dnsmasq_spec s = { .name = "default", .bridge = "vbr0", .ips = &ip, .nips = 1 };
	struct vu_dnsmasq_lease *l = NULL;
	struct fx *f = *state;
	struct vu_err e = { 0 };
	size_t n = 0;
	pid_t pid;

	SKIP_IF_NO_NETNS();
	if (tu_sh("command -v busybox >/dev/null") != 0) {
		print_message("no busybox udhcpc: skip\n");
		skip();
	}
	if (vu_dnsmasq_start(&s, &f->run, &pid, &e) < 0)
		fail_msg("start: %s", vu_err_str(&e));
	ip.hosts = h;
	ip.nhosts = 1;
	assert_int_equal(vu_dnsmasq_reload(&s, &f->run, &e), 0);
	usleep(200 * 1000);
	/* The client namespace is made by unshare; the veth end moves in
	 * once it exists (retried: the move may precede the unshare). */
	tu_sh_ok("ip link add vh0 type veth peer name vg0 address 52:54:00:00:00:77 && "
		 "ip link set vh0 master vbr0 up && "
		 "(unshare -n sh -c 'while ! ip link show vg0 >/dev/null 2>&1; do sleep 0.05; done; "
		 "ip link set vg0 up; exec busybox udhcpc -i vg0 -n -q -t 5 -T 1 -s /bin/true "
		 "-x hostname:guest1' >/dev/null 2>&1 & g=$!; "
		 "while ip link show vg0 >/dev/null 2>&1; do "
		 "ip link set vg0 netns $g 2>/dev/null; sleep 0.05; done; wait $g)");
	assert_int_equal(vu_dnsmasq_leases_read(&f->run, "default", &s, &l, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].family, AF_INET);
	assert_int_equal(l[0].prefix, 24);
	assert_string_equal(l[0].mac, "52:54:00:00:00:77");
	assert_string_equal(l[0].ip, "192.168.122.77");
	assert_string_equal(l[0].hostname, "guest77");
	assert_true(l[0].expiry > 0);
	vu_dnsmasq_leases_free(l, n);
	assert_int_equal(vu_dnsmasq_pid(&f->run, "default", &pid), 0);
	assert_int_equal(vu_dnsmasq_stop(&f->run, "default", &e), 0);
	/* The lease file outlives the daemon, as libvirt's status file. */
	assert_true(exists(f, "default.leases"));
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_default_network),
		cmocka_unit_test(test_ipv6_dhcp_ra),
		cmocka_unit_test(test_static_hosts_ra_only),
		cmocka_unit_test(test_local_ptr),
		cmocka_unit_test(test_static_only),
		cmocka_unit_test(test_dns_records),
		cmocka_unit_test(test_forwarders),
		cmocka_unit_test(test_pxe),
		cmocka_unit_test(test_no_dhcp),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_leases_good),
		cmocka_unit_test(test_leases_hostile),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test_setup_teardown(test_start_reload_stop, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_inherited, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_stale_pidfile, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_start_failures, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_lease_from_client, ns_setup, ns_teardown),
	};
	int r;

	/* Never the machine's own network: everything live happens in a
	 * namespace this process makes for itself. */
	in_netns = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
	r = cmocka_run_group_tests_name("dnsmasq render and leases", pure, NULL, NULL);
	return r + cmocka_run_group_tests_name("dnsmasq in a network namespace", live, NULL, NULL);
}
