/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_nat.c - forwarding rules: the rendered rulesets against golden text
 * and libvirt's own rules (no privilege), then loaded and removed with
 * libnftables in a network namespace of the test's own (tu_netns_enter:
 * unshare(CLONE_NEWNET)), `nft -j` the oracle */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "vu/base.h"
#include "vu/bridge.h"
#include "vu/nat.h"
#include "testutil.h"
#include "netns_test.h"

static bool netns_ok;
static const char *netns_why = "";

static const struct vu_nat_subnet default_subnet = { "192.168.122.1", 24 };

/* libvirt's default network: <forward/>, virbr0, 192.168.122.1/24, DHCP. */
static const struct vu_nat_spec default_spec = {
	.network = "default", .bridge = "virbr0", .mode = VU_NAT_NAT,
	.subnets = &default_subnet, .nsubnets = 1, .dhcp = true, .dns = true,
};

/* The golden rendering of default_spec with the base (a host with no
 * network yet): libvirt's chains, then libvirt's per-network rules in the
 * order libvirt's `nft -ae insert rule` calls run, plus the host rules
 * libvirt's iptables backend writes for DHCP and DNS. */
static const char golden_default[] =
	"add table ip virtutils { comment \"managed by virtutils for virtual networks\"; }\n"
	"add chain ip virtutils forward { type filter hook forward priority 0; policy accept; }\n"
	"add chain ip virtutils guest_output\n"
	"add chain ip virtutils guest_input\n"
	"add chain ip virtutils guest_cross\n"
	"add chain ip virtutils guest_nat { type nat hook postrouting priority 100; policy accept; }\n"
	"add chain ip virtutils host_input { type filter hook input priority 0; policy accept; }\n"
	"add chain ip virtutils host_output { type filter hook output priority 0; policy accept; }\n"
	"insert rule ip virtutils forward counter jump guest_output\n"
	"insert rule ip virtutils forward counter jump guest_input\n"
	"insert rule ip virtutils forward counter jump guest_cross\n"
	"insert rule ip virtutils host_input iif \"virbr0\" tcp dport 67 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_input iif \"virbr0\" udp dport 67 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_output oif \"virbr0\" tcp dport 68 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_output oif \"virbr0\" udp dport 68 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_input iif \"virbr0\" tcp dport 53 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_input iif \"virbr0\" udp dport 53 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_output oif \"virbr0\" tcp dport 53 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils host_output oif \"virbr0\" udp dport 53 counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_output iif \"virbr0\" counter reject comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_input oif \"virbr0\" counter reject comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_cross iif \"virbr0\" oif \"virbr0\" counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_output ip saddr 192.168.122.0/24 iif \"virbr0\" counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_input oif \"virbr0\" ip daddr 192.168.122.0/24 ct state related,established counter accept comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_nat ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter masquerade comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_nat meta l4proto udp ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter masquerade to :1024-65535 comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_nat meta l4proto tcp ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter masquerade to :1024-65535 comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_nat ip saddr 192.168.122.0/24 ip daddr 255.255.255.255/32 counter return comment \"vu-net:default\"\n"
	"insert rule ip virtutils guest_nat ip saddr 192.168.122.0/24 ip daddr 224.0.0.0/24 counter return comment \"vu-net:default\"\n";

/* libvirt 10.4+'s rules for the same network, as its tests
 * (nat-default-linux.nftables) have them; the research file quotes them. */
static const char *const libvirt_default[] = {
	"insert rule ip libvirt_network guest_output iif virbr0 counter reject",
	"insert rule ip libvirt_network guest_input oif virbr0 counter reject",
	"insert rule ip libvirt_network guest_cross iif virbr0 oif virbr0 counter accept",
	"insert rule ip libvirt_network guest_output ip saddr 192.168.122.0/24 iif virbr0 counter accept",
	"insert rule ip libvirt_network guest_input oif virbr0 ip daddr 192.168.122.0/24 ct state related,established counter accept",
	"insert rule ip libvirt_network guest_nat ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter masquerade",
	"insert rule ip libvirt_network guest_nat meta l4proto udp ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter masquerade to :1024-65535",
	"insert rule ip libvirt_network guest_nat meta l4proto tcp ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter masquerade to :1024-65535",
	"insert rule ip libvirt_network guest_nat ip saddr 192.168.122.0/24 ip daddr 255.255.255.255/32 counter return",
	"insert rule ip libvirt_network guest_nat ip saddr 192.168.122.0/24 ip daddr 224.0.0.0/24 counter return",
};

static char *render(const struct vu_nat_spec *s, unsigned int flags)
{
	struct vu_err e = { 0 };
	char *out = NULL;

	assert_int_equal(vu_nat_render(s, flags, &out, &e), 0);
	assert_non_null(out);
	return out;
}

static void test_render_default_golden(void **state)
{
	char *out = render(&default_spec, VU_NAT_RENDER_BASE);

	(void)state;
	assert_string_equal(out, golden_default);
	free(out);
}

/* Every guest rule libvirt writes is there, spelled the same but for the
 * table, the quotes and the comment, in libvirt's order. */
static void test_render_default_is_libvirts(void **state)
{
	char *out = render(&default_spec, 0), *at = out;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(libvirt_default); i++) {
		char want[512], *p = want;
		const char *s = libvirt_default[i];

		/* libvirt_network -> virtutils, virbr0 -> "virbr0" */
		for (; *s; s++) {
			if (!strncmp(s, "libvirt_network", 15)) {
				p += sprintf(p, "virtutils");
				s += 14;
			} else if (!strncmp(s, "virbr0", 6)) {
				p += sprintf(p, "\"virbr0\"");
				s += 5;
			} else
				*p++ = *s;
		}
		sprintf(p, " comment \"vu-net:default\"\n");
		at = strstr(at, want);
		if (!at)
			fail_msg("libvirt's rule %zu missing or out of order: %s", i, want);
		at += strlen(want);
	}
	free(out);
}

static void test_render_isolated(void **state)
{
	struct vu_nat_spec s = default_spec;
	char *out;

	(void)state;
	s.mode = VU_NAT_ISOLATED;
	s.dns = false;
	out = render(&s, 0);
	assert_string_equal(out,
		"insert rule ip virtutils host_input iif \"virbr0\" tcp dport 67 counter accept comment \"vu-net:default\"\n"
		"insert rule ip virtutils host_input iif \"virbr0\" udp dport 67 counter accept comment \"vu-net:default\"\n"
		"insert rule ip virtutils host_output oif \"virbr0\" tcp dport 68 counter accept comment \"vu-net:default\"\n"
		"insert rule ip virtutils host_output oif \"virbr0\" udp dport 68 counter accept comment \"vu-net:default\"\n"
		"insert rule ip virtutils guest_output iif \"virbr0\" counter reject comment \"vu-net:default\"\n"
		"insert rule ip virtutils guest_input oif \"virbr0\" counter reject comment \"vu-net:default\"\n"
		"insert rule ip virtutils guest_cross iif \"virbr0\" oif \"virbr0\" counter accept comment \"vu-net:default\"\n");
	assert_null(strstr(out, "masquerade"));
	free(out);
}

static void test_render_route_dev_tftp(void **state)
{
	const struct vu_nat_subnet sn = { "10.20.30.40", 20 };
	const struct vu_nat_spec s = {
		.network = "r1", .bridge = "virbr3", .mode = VU_NAT_ROUTE, .dev = "eth1",
		.subnets = &sn, .nsubnets = 1, .tftp = true,
	};
	char *out = render(&s, 0);

	(void)state;
	assert_string_equal(out,
		"insert rule ip virtutils host_input iif \"virbr3\" udp dport 69 counter accept comment \"vu-net:r1\"\n"
		"insert rule ip virtutils host_output oif \"virbr3\" udp dport 69 counter accept comment \"vu-net:r1\"\n"
		"insert rule ip virtutils guest_output iif \"virbr3\" counter reject comment \"vu-net:r1\"\n"
		"insert rule ip virtutils guest_input oif \"virbr3\" counter reject comment \"vu-net:r1\"\n"
		"insert rule ip virtutils guest_cross iif \"virbr3\" oif \"virbr3\" counter accept comment \"vu-net:r1\"\n"
		"insert rule ip virtutils guest_output ip saddr 10.20.16.0/20 iif \"virbr3\" oifname \"eth1\" counter accept comment \"vu-net:r1\"\n"
		"insert rule ip virtutils guest_input ip daddr 10.20.16.0/20 iifname \"eth1\" oif \"virbr3\" counter accept comment \"vu-net:r1\"\n");
	free(out);
}

/* IPv6 is routed, never masqueraded, in its own ip6 table. */
static void test_render_nat_ipv6(void **state)
{
	const struct vu_nat_subnet sn[] = { { "192.168.100.1", 24 }, { "fd00:1:2::1", 64 } };
	const struct vu_nat_spec s = {
		.network = "v6", .bridge = "virbr6", .mode = VU_NAT_NAT,
		.subnets = sn, .nsubnets = 2, .dhcp = true,
	};
	char *out = render(&s, VU_NAT_RENDER_BASE), *v6;

	(void)state;
	v6 = strstr(out, "add table ip6 virtutils");
	assert_non_null(v6);
	assert_non_null(strstr(out, "ip saddr 192.168.100.0/24 ip daddr != 192.168.100.0/24 counter masquerade"));
	assert_null(strstr(v6, "masquerade"));
	assert_null(strstr(v6, " ip saddr"));
	assert_non_null(strstr(v6, "insert rule ip6 virtutils guest_output ip6 saddr fd00:1:2::/64 iif \"virbr6\" counter accept comment \"vu-net:v6\"\n"));
	assert_non_null(strstr(v6, "insert rule ip6 virtutils guest_input ip6 daddr fd00:1:2::/64 oif \"virbr6\" counter accept comment \"vu-net:v6\"\n"));
	assert_non_null(strstr(v6, "insert rule ip6 virtutils host_input iif \"virbr6\" udp dport 547 counter accept"));
	assert_non_null(strstr(v6, "insert rule ip6 virtutils host_output oif \"virbr6\" udp dport 546 counter accept"));
	free(out);
}

static void test_render_open_and_errors(void **state)
{
	struct vu_nat_spec s = default_spec;
	const struct vu_nat_subnet bad = { "192.168.122.1", 33 };
	struct vu_err e = { 0 };
	char *out;

	(void)state;
	s.mode = VU_NAT_OPEN;
	out = render(&s, VU_NAT_RENDER_BASE);
	assert_string_equal(out, "");
	free(out);
	s = default_spec;
	s.network = "bad\"name";
	assert_int_equal(vu_nat_render(&s, 0, &out, &e), -EINVAL);
	assert_null(out);
	assert_string_equal(vu_err_str(&e), "bad\"name: not a valid network name");
	s = default_spec;
	s.bridge = "vir br0";
	assert_int_equal(vu_nat_render(&s, 0, &out, &e), -EINVAL);
	s = default_spec;
	s.subnets = &bad;
	assert_int_equal(vu_nat_render(&s, 0, &out, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "192.168.122.1/33: not an IP address and prefix");
}

/* ---- loaded, in the namespace ---- */

/* How many rules of the table in FAMILY carry "vu-net:NETWORK". */
static int oracle_count(const char *family, const char *network)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "nft -j list ruleset %s | jq '[.nftables[] | select(.rule and "
		 ".rule.table == \"virtutils\" and .rule.comment == \"vu-net:%s\")] | length'",
		 family, network);
	return atoi(tu_sh_line(cmd));
}

static bool oracle_table(const char *family, const char *name)
{
	return tu_sh("nft list table %s %s >/dev/null 2>&1", family, name) == 0;
}

/* How many "insert rule" lines a rendering has for a family. */
static int rendered_rules(const struct vu_nat_spec *s, const char *family)
{
	char *out = render(s, 0), *p = out, want[64];
	int n = 0;

	snprintf(want, sizeof(want), "insert rule %s virtutils", family);
	while ((p = strstr(p, want))) {
		n++;
		p += strlen(want);
	}
	free(out);
	return n;
}

static void bridge_up(const char *name)
{
	struct vu_err e = { 0 };

	assert_int_equal(vu_bridge_create(&(struct vu_bridge_spec){ .name = name }, &e), 0);
}

static void test_apply_remove(void **state)
{
	const struct vu_nat_subnet sn2 = { "10.9.0.1", 24 };
	const struct vu_nat_spec other = {
		.network = "other", .bridge = "virbr1", .mode = VU_NAT_NAT,
		.subnets = &sn2, .nsubnets = 1,
	};
	int n = rendered_rules(&default_spec, "ip");
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	bridge_up("virbr0");
	bridge_up("virbr1");
	/* the host's own table, which must come out of all this untouched */
	tu_sh_ok("nft add table inet hostfw && nft add chain inet hostfw input "
		 "'{ type filter hook input priority 0; policy accept; }' && "
		 "nft add rule inet hostfw input tcp dport 22 accept comment '\"vu-net:default\"'");
	char *before = tu_sh_out("nft list table inet hostfw");

	assert_true(n > 10);
	assert_int_equal(vu_nat_apply(&default_spec, &e), 0);
	assert_int_equal(oracle_count("ip", "default"), n);
	assert_int_equal(vu_nat_count("default", &e), n);
	assert_int_equal(tu_sh("nft list chain ip virtutils guest_nat | grep -c masquerade "
			       "| grep -qx 3"), 0);
	/* applied again: replaced, not doubled, and the jumps not repeated */
	assert_int_equal(vu_nat_apply(&default_spec, &e), 0);
	assert_int_equal(oracle_count("ip", "default"), n);
	assert_int_equal(tu_sh("nft list chain ip virtutils forward | grep -c jump | grep -qx 3"), 0);
	assert_int_equal(vu_nat_apply(&other, &e), 0);
	assert_int_equal(oracle_count("ip", "other"), rendered_rules(&other, "ip"));
	assert_int_equal(oracle_count("ip", "default"), n);
	/* removing one network leaves the other's rules and the table */
	assert_int_equal(vu_nat_remove("default", &e), 0);
	assert_int_equal(oracle_count("ip", "default"), 0);
	assert_int_equal(oracle_count("ip", "other"), rendered_rules(&other, "ip"));
	assert_true(oracle_table("ip", "virtutils"));
	assert_int_equal(vu_nat_remove("default", &e), -ENOENT);
	/* the last one takes the table with it */
	assert_int_equal(vu_nat_remove("other", &e), 0);
	assert_false(oracle_table("ip", "virtutils"));
	assert_false(oracle_table("ip6", "virtutils"));
	char *after = tu_sh_out("nft list table inet hostfw");

	assert_string_equal(after, before);
	free(before);
	free(after);
	tu_sh_ok("nft delete table inet hostfw");
	assert_int_equal(vu_bridge_delete("virbr0", &e), 0);
	assert_int_equal(vu_bridge_delete("virbr1", &e), 0);
}

static void test_apply_isolated_ipv6(void **state)
{
	const struct vu_nat_subnet sn[] = { { "10.7.0.1", 24 }, { "fd00:7::1", 64 } };
	const struct vu_nat_spec s = {
		.network = "iso", .bridge = "virbr2", .mode = VU_NAT_ISOLATED,
		.subnets = sn, .nsubnets = 2, .dhcp = true,
	};
	const struct vu_nat_spec s6 = { .network = "six", .bridge = "virbr2",
		.mode = VU_NAT_NAT, .subnets = sn, .nsubnets = 2 };
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	bridge_up("virbr2");
	assert_int_equal(vu_nat_apply(&s, &e), 0);
	assert_int_equal(oracle_count("ip", "iso"), rendered_rules(&s, "ip"));
	assert_int_equal(oracle_count("ip6", "iso"), rendered_rules(&s, "ip6"));
	assert_int_equal(tu_sh("nft list ruleset | grep -q masquerade"), 1);
	assert_int_equal(tu_sh("nft list ruleset | grep -q 'saddr 10.7.0.0/24'"), 1);
	assert_int_equal(vu_nat_remove("iso", &e), 0);
	assert_false(oracle_table("ip6", "virtutils"));
	/* NAT with IPv6: masquerade in ip only, ip6 routed */
	assert_int_equal(vu_nat_apply(&s6, &e), 0);
	assert_int_equal(tu_sh("nft list table ip virtutils | grep -q masquerade"), 0);
	assert_int_equal(tu_sh("nft list table ip6 virtutils | grep -q masquerade"), 1);
	assert_int_equal(tu_sh("nft list table ip6 virtutils | grep -q 'ip6 saddr fd00:7::/64'"), 0);
	/* made open: its rules and the tables go */
	struct vu_nat_spec open = s6;

	open.mode = VU_NAT_OPEN;
	assert_int_equal(vu_nat_apply(&open, &e), 0);
	assert_int_equal(vu_nat_count("six", &e), 0);
	assert_false(oracle_table("ip", "virtutils"));
	assert_false(oracle_table("ip6", "virtutils"));
	assert_int_equal(vu_bridge_delete("virbr2", &e), 0);
}

/* A refused batch changes nothing: no table is left behind. */
static void test_apply_fails_whole(void **state)
{
	struct vu_nat_spec s = default_spec;
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	s.bridge = "nosuchbr";
	assert_int_equal(vu_nat_apply(&s, &e), -ENODEV);
	assert_non_null(strstr(vu_err_str(&e), "nftables: "));
	assert_false(oracle_table("ip", "virtutils"));
}

static int apply_unprivileged(void *arg)
{
	struct vu_err e = { 0 };
	int r = vu_nat_apply(&default_spec, &e);

	(void)arg;
	if (r != -EPERM || !strstr(vu_err_str(&e), "CAP_NET_ADMIN")) {
		fprintf(stderr, "# %d %s\n", r, vu_err_str(&e));
		return 1;
	}
	return 0;
}

static void test_apply_eperm(void **state)
{
	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	bridge_up("virbr0");
	assert_int_equal(tu_without_net_admin(apply_unprivileged, NULL), 0);
	assert_false(oracle_table("ip", "virtutils"));
	assert_int_equal(vu_bridge_delete("virbr0", &(struct vu_err){ 0 }), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_default_golden),
		cmocka_unit_test(test_render_default_is_libvirts),
		cmocka_unit_test(test_render_isolated),
		cmocka_unit_test(test_render_route_dev_tftp),
		cmocka_unit_test(test_render_nat_ipv6),
		cmocka_unit_test(test_render_open_and_errors),
		cmocka_unit_test(test_apply_remove),
		cmocka_unit_test(test_apply_isolated_ipv6),
		cmocka_unit_test(test_apply_fails_whole),
		cmocka_unit_test(test_apply_eperm),
	};

	netns_ok = tu_netns_enter(&netns_why);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
