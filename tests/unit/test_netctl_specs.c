/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_netctl_specs.c - net-ctl's network model -> dnsmasq and rules specs:
 * the conf, hosts files and nftables rules rendered from them, against
 * what libvirt writes. Text only: no link, rule or process is made, so no
 * namespace is needed (the privileged tests unshare their own). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/dnsmasq.h"
#include "vu/nat.h"
#include "vu/networkxml.h"
#include "../../tools/net-ctl/netctl.h"

static const struct vu_dnsmasq_paths lv_paths = {
	"/run/libvirt/network/default.pid",
	"/var/lib/libvirt/dnsmasq/default.hostsfile",
	"/var/lib/libvirt/dnsmasq/default.addnhosts",
};

/* The three files for xml, as net-ctl would hand them to dnsmasq. */
static void render(const char *xml, const char *bridge, char **conf, char **hosts,
		   char **addn)
{
	struct vu_network *net = NULL;
	struct nc_dns *d = NULL;
	struct vu_err e = { 0 };

	if (vu_network_parse(&net, xml, strlen(xml), &e) < 0)
		fail_msg("parse: %s", vu_err_str(&e));
	if (nc_dns_build(net, "default", bridge, &d, &e) < 0)
		fail_msg("build: %s", vu_err_str(&e));
	assert_int_equal(vu_dnsmasq_conf(nc_dns_spec(d), &lv_paths, conf, &e), 0);
	assert_int_equal(vu_dnsmasq_hostsfile(nc_dns_spec(d), hosts, &e), 0);
	assert_int_equal(vu_dnsmasq_addnhosts(nc_dns_spec(d), addn, &e), 0);
	nc_dns_free(&d);
	assert_null(d);
	vu_network_free(&net);
}

/* Everything the model reads reaches dnsmasq: lease times of ranges and
 * hosts, the domain and localOnly, DNS records, IPv6 RA, isolation. */
static void test_everything_reaches_dnsmasq(void **state)
{
	static const char xml[] =
		"<network><name>default</name><bridge name='vbr7'/>"
		"<domain name='example' localOnly='yes'/>"
		"<dns><txt name='t1' value='v1'/>"
		"<host ip='10.9.7.5'><hostname>h5</hostname><hostname>h5b</hostname></host>"
		"<srv service='ldap' protocol='tcp' target='h5' port='389'/></dns>"
		"<ip address='10.9.7.1' prefix='24'><dhcp>"
		"<range start='10.9.7.10' end='10.9.7.20'><lease expiry='1' unit='hours'/></range>"
		"<host mac='52:54:00:00:00:42' name='g42' ip='10.9.7.42'><lease expiry='30'/></host>"
		"</dhcp></ip>"
		"<ip family='ipv6' address='fd00:9:7::1' prefix='64'><dhcp>"
		"<range start='fd00:9:7::10' end='fd00:9:7::20'/></dhcp></ip></network>";
	static const char *const lines[] = {
		"local=/example/\n", "domain=example\n", "expand-hosts\n",
		"dhcp-option=3\nno-resolv\n",
		"txt-record=t1,v1\n", "srv-host=_ldap._tcp,h5,389\n",
		"dhcp-range=10.9.7.10,10.9.7.20,255.255.255.0,1h\n",
		"dhcp-range=fd00:9:7::10,fd00:9:7::20,64\n", "enable-ra\n",
		"interface=vbr7\n",
	};
	char *conf, *hosts, *addn;

	(void)state;
	render(xml, "vbr7", &conf, &hosts, &addn);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(conf, lines[i]))
			fail_msg("no '%s' in:\n%s", lines[i], conf);
	assert_string_equal(hosts, "52:54:00:00:00:42,10.9.7.42,g42,30m\n");
	assert_string_equal(addn, "10.9.7.5\th5\th5b\t\n");
	free(conf);
	free(hosts);
	free(addn);
}

/* A model the spec cannot be made from says why, and leaves nothing. */
static void test_refused(void **state)
{
	static const char xml[] =
		"<network><name>default</name><ip address='10.9.7.1' prefix='24'><dhcp>"
		"<range start='10.9.8.10' end='10.9.8.20'/></dhcp></ip></network>";
	struct vu_network *net = NULL;
	struct nc_dns *d = NULL;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(vu_network_parse(&net, xml, strlen(xml), &e), 0);
	assert_int_equal(nc_dns_build(net, "default", "vbr7", &d, &e), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(vu_err_str(&e), "10.9.8.10"));
	vu_network_free(&net);
}

/* The rules net-ctl loads for xml (NULL: none), as nft -f reads them. */
static char *rules(const char *xml)
{
	struct vu_network *net = NULL;
	struct nc_nat *n = NULL;
	struct vu_err e = { 0 };
	char *out = NULL;

	if (vu_network_parse(&net, xml, strlen(xml), &e) < 0)
		fail_msg("parse: %s", vu_err_str(&e));
	if (nc_nat_build(net, "default", "virbr0", &n, &e) < 0)
		fail_msg("build: %s", vu_err_str(&e));
	if (n && vu_nat_render(nc_nat_spec(n), 0, &out, &e) < 0)
		fail_msg("render: %s", vu_err_str(&e));
	nc_nat_free(&n);
	assert_null(n);
	vu_network_free(&net);
	return out;
}

#define NET(fwd, ip) "<network><name>default</name><bridge name='virbr0'/>" fwd ip "</network>"
#define IP4 "<ip address='192.168.122.1' prefix='24'><dhcp>" \
	    "<range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>"

/* NAT masquerades the subnet (not to multicast or broadcast) and lets DHCP
 * and DNS in; isolated rejects both ways and masquerades nothing; route
 * forwards without NAT; open and the modes without a bridge have none. */
static void test_rules_per_mode(void **state)
{
	char *nat = rules(NET("<forward/>", IP4));
	char *iso = rules(NET("", IP4));
	char *route = rules(NET("<forward mode='route'/>", IP4));
	char *dev = rules(NET("<forward dev='eth1'/>", IP4));

	(void)state;
	assert_non_null(strstr(nat, "192.168.122.0/24"));
	assert_non_null(strstr(nat, "masquerade"));
	assert_non_null(strstr(nat, "224.0.0.0/24"));
	assert_non_null(strstr(nat, "udp dport 67"));
	assert_non_null(strstr(nat, "vu-net:default"));
	assert_null(strstr(iso, "masquerade"));
	assert_non_null(strstr(iso, "reject"));
	assert_null(strstr(route, "masquerade"));
	assert_non_null(strstr(dev, "eth1"));
	assert_null(strstr(nat, "eth1"));
	assert_null(rules(NET("<forward mode='open'/>", IP4)));
	assert_null(rules("<network><name>default</name><forward mode='bridge'/>"
			  "<bridge name='br0'/></network>"));
	free(nat);
	free(iso);
	free(route);
	free(dev);
}

/* ---- golden files: tests/unit/golden-net/CASE.{xml,conf,nft} ---- */

/* The directory of the golden files: under $VU_SRCDIR, the current
 * directory, or three levels above this program (build/unit/test_x). */
static void golden_dir(char *out, size_t len)
{
	const char *src = getenv("VU_SRCDIR");
	char exe[4096];
	ssize_t n;

	if ((size_t)snprintf(out, len, "%s/tests/unit/golden-net", src ? src : ".") < len &&
	    access(out, R_OK) == 0)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		fail_msg("golden-net: not found (set VU_SRCDIR)");
	exe[n] = '\0';
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(exe, '/');

		if (slash)
			*slash = '\0';
	}
	if ((size_t)snprintf(out, len, "%.3000s/tests/unit/golden-net", exe) >= len ||
	    access(out, R_OK) < 0)
		fail_msg("%s: not found (set VU_SRCDIR)", out);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, chunk[4096];
	size_t len = 0, got;

	if (!f) {
		fail_msg("%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *more = realloc(buf, len + got + 1);

		assert_non_null(more);
		buf = more;
		memcpy(buf + len, chunk, got);
		len += got;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	assert_non_null(buf);
	buf[len] = '\0';
	return buf;
}

/* GOT equals the golden file DIR/CASE.EXT; VU_GOLDEN_UPDATE=1 rewrites
 * the file instead (then read the diff before committing it). */
static void golden_cmp(const char *dir, const char *name, const char *ext, const char *got)
{
	char path[4200];
	char *want;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	if (getenv("VU_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = slurp(path);
	if (strcmp(want, got) != 0)
		fail_msg("%s differs; net-ctl renders:\n%s", path, got);
	free(want);
}

/* A golden file for what may be empty: CASE.EXT exists iff GOT is not. */
static void golden_cmp_opt(const char *dir, const char *name, const char *ext, const char *got)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	if (got[0]) {
		golden_cmp(dir, name, ext, got);
		return;
	}
	if (getenv("VU_GOLDEN_UPDATE"))
		unlink(path);
	else if (access(path, F_OK) == 0)
		fail_msg("%s: net-ctl renders nothing", path);
}

/* CASE.xml through net-ctl's model -> spec mapping: the dnsmasq conf
 * (with libvirt's paths for the network's name), its hosts files (when
 * not empty) and the nftables rules (empty when the network has none). */
static void golden_case(const char *dir, const char *name)
{
	char path[4200], pid[300], hosts[300], addn[300], *xml, *conf = NULL, *nft = NULL, *br = NULL;
	char *net_name = NULL, *hf = NULL, *ah = NULL;
	struct vu_network *net = NULL;
	struct nc_dns *d = NULL;
	struct nc_nat *n = NULL;
	struct vu_err e = { 0 };

	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	xml = slurp(path);
	if (vu_network_parse(&net, xml, strlen(xml), &e) < 0)
		fail_msg("%s: %s", path, vu_err_str(&e));
	assert_int_equal(vu_network_get_name(net, &net_name), 0);
	assert_int_equal(vu_network_get_bridge(net, &br), 0);
	snprintf(pid, sizeof(pid), "/run/libvirt/network/%s.pid", net_name);
	snprintf(hosts, sizeof(hosts), "/var/lib/libvirt/dnsmasq/%s.hostsfile", net_name);
	snprintf(addn, sizeof(addn), "/var/lib/libvirt/dnsmasq/%s.addnhosts", net_name);
	const struct vu_dnsmasq_paths paths = { pid, hosts, addn };

	if (nc_dns_build(net, net_name, br, &d, &e) < 0 ||
	    vu_dnsmasq_conf(nc_dns_spec(d), &paths, &conf, &e) < 0)
		fail_msg("%s: dnsmasq: %s", path, vu_err_str(&e));
	if (vu_dnsmasq_hostsfile(nc_dns_spec(d), &hf, &e) < 0 ||
	    vu_dnsmasq_addnhosts(nc_dns_spec(d), &ah, &e) < 0)
		fail_msg("%s: hosts files: %s", path, vu_err_str(&e));
	if (nc_nat_build(net, net_name, br, &n, &e) < 0 ||
	    (n && vu_nat_render(nc_nat_spec(n), VU_NAT_RENDER_BASE, &nft, &e) < 0))
		fail_msg("%s: rules: %s", path, vu_err_str(&e));
	golden_cmp(dir, name, "conf", conf);
	golden_cmp_opt(dir, name, "hostsfile", hf);
	golden_cmp_opt(dir, name, "addnhosts", ah);
	golden_cmp(dir, name, "nft", nft ? nft : "");
	free(hf);
	free(ah);
	nc_nat_free(&n);
	nc_dns_free(&d);
	vu_network_free(&net);
	free(net_name);
	free(br);
	free(conf);
	free(nft);
	free(xml);
}

/* One network XML per feature net-ctl maps; README in the directory says
 * which libvirt output each kind of file follows. */
static void test_golden(void **state)
{
	static const char *const cases[] = {
		"default", "isolated", "route-dev", "nat-dev", "open", "ipv6", "static-hosts",
		"dns-records", "forwarders", "pxe",
	};
	char dir[4096];

	(void)state;
	golden_dir(dir, sizeof(dir));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		golden_case(dir, cases[i]);
}

/* A bare <forward/> is NAT: libvirt's default network written that way
 * renders the same conf as the golden default.xml (libvirt 9.0's
 * default.conf, byte for byte) and no hosts files. */
static void test_default_as_libvirt(void **state)
{
	static const char xml[] =
		"<network><name>default</name><bridge name='virbr0'/><forward/>"
		"<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>"
		"<range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>";
	char dir[4096], *conf, *hosts, *addn;

	(void)state;
	golden_dir(dir, sizeof(dir));
	render(xml, "virbr0", &conf, &hosts, &addn);
	golden_cmp(dir, "default", "conf", conf);
	assert_string_equal(hosts, "");
	assert_string_equal(addn, "");
	free(conf);
	free(hosts);
	free(addn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_as_libvirt),
		cmocka_unit_test(test_everything_reaches_dnsmasq),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_rules_per_mode),
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
