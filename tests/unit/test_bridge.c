/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_bridge.c - bridges by rtnetlink, in a network namespace of the
 * test's own: created, read back with `ip -j` and sysfs, deleted, undone
 * half-way; free names; forwarding sysctls. Every test first enters a new
 * network namespace (tu_netns_enter: unshare(CLONE_NEWNET)), or skips. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "vu/base.h"
#include "vu/bridge.h"
#include "testutil.h"
#include "netns_test.h"

static bool netns_ok;
static const char *netns_why = "";

/* One jq filter over `ip -j -d link show NAME`, the first line of it. */
static const char *link_q(const char *name, const char *filter)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip -j -d link show %s | jq -r '.[0]%s'", name, filter);
	return tu_sh_line(cmd);
}

static const char *sys_q(const char *name, const char *file)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cat /sys/class/net/%s/%s", name, file);
	return tu_sh_line(cmd);
}

static void test_create_full(void **state)
{
	const struct vu_bridge_addr addrs[] = {
		{ "192.168.122.1", 24 }, { "fd00:1::1", 64 },
	};
	const struct vu_bridge_spec s = {
		.name = "vutest0", .mac = "52:54:00:12:34:56", .mtu = 1400, .stp = true,
		.delay = 0, .addrs = addrs, .naddrs = ARRAY_SIZE(addrs),
	};
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_bridge_create(&s, &e), 0);
	assert_string_equal(link_q("vutest0", ".linkinfo.info_kind"), "bridge");
	assert_string_equal(link_q("vutest0", ".address"), "52:54:00:12:34:56");
	assert_string_equal(link_q("vutest0", ".mtu"), "1400");
	assert_string_equal(link_q("vutest0", ".linkinfo.info_data.stp_state"), "1");
	/* kernel STP raises a delay under 2 s to 2 s, as on libvirt's virbr0 */
	assert_string_equal(link_q("vutest0", ".linkinfo.info_data.forward_delay"), "200");
	assert_string_equal(link_q("vutest0", ".flags | index(\"UP\") != null"), "true");
	assert_string_equal(sys_q("vutest0", "address"), "52:54:00:12:34:56");
	assert_string_equal(sys_q("vutest0", "mtu"), "1400");
	assert_string_equal(sys_q("vutest0", "bridge/stp_state"), "1");
	assert_string_equal(sys_q("vutest0", "bridge/forward_delay"), "200");
	assert_string_equal(tu_sh_line("ip -j addr show vutest0 | jq -r '.[0].addr_info[] | "
				       "select(.family == \"inet\") | "
				       "\"\\(.local)/\\(.prefixlen) \\(.broadcast)\"'"),
			    "192.168.122.1/24 192.168.122.255");
	assert_string_equal(tu_sh_line("ip -j addr show vutest0 | jq -r '.[0].addr_info[] | "
				       "select(.family == \"inet6\" and .scope == \"global\") | "
				       "\"\\(.local)/\\(.prefixlen)\"'"),
			    "fd00:1::1/64");
	assert_int_equal(vu_bridge_delete("vutest0", &e), 0);
	assert_int_equal(vu_link_exists("vutest0", &e), 0);
}

/* STP off and a delay: the delay is in seconds, sysfs and ip in 1/100 s. */
static void test_create_stp_off_delay(void **state)
{
	const struct vu_bridge_spec s = { .name = "vutest1", .stp = false, .delay = 4 };
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_bridge_create(&s, &e), 0);
	assert_string_equal(sys_q("vutest1", "bridge/stp_state"), "0");
	assert_string_equal(sys_q("vutest1", "bridge/forward_delay"), "400");
	assert_string_equal(sys_q("vutest1", "mtu"), "1500");
	assert_int_equal(vu_bridge_delete("vutest1", &e), 0);
}

static void test_exists_and_delete(void **state)
{
	const struct vu_bridge_spec s = { .name = "vutest2", .stp = true };
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_link_exists("vutest2", &e), 0);
	assert_int_equal(vu_link_exists("lo", &e), 1);
	assert_int_equal(vu_bridge_create(&s, &e), 0);
	assert_int_equal(vu_link_exists("vutest2", &e), 1);
	assert_int_equal(vu_bridge_delete("vutest2", &e), 0);
	assert_int_equal(tu_sh("ip link show vutest2 2>/dev/null"), 1);
	assert_int_equal(vu_bridge_delete("vutest2", &e), -ENODEV);
	assert_string_equal(vu_err_str(&e), "vutest2: No such device");
	/* something that is not a bridge is never deleted */
	assert_int_equal(vu_bridge_delete("lo", &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "lo: not a bridge");
	assert_int_equal(vu_link_exists("lo", &e), 1);
	assert_int_equal(vu_link_exists("bad/name", &e), -EINVAL);
	assert_int_equal(vu_link_exists("waytoolongname16", &e), -EINVAL);
}

static void test_collision(void **state)
{
	const struct vu_bridge_addr a1 = { "10.1.0.1", 24 }, a2 = { "10.2.0.1", 24 };
	const struct vu_bridge_spec s1 = { .name = "vutest3", .addrs = &a1, .naddrs = 1 };
	const struct vu_bridge_spec s2 = { .name = "vutest3", .addrs = &a2, .naddrs = 1,
					   .mtu = 1300 };
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_bridge_create(&s1, &e), 0);
	assert_int_equal(vu_bridge_create(&s2, &e), -EEXIST);
	assert_string_equal(vu_err_str(&e), "vutest3: File exists");
	/* the first one is left as it was, not deleted by the failed undo */
	assert_int_equal(vu_link_exists("vutest3", &e), 1);
	assert_string_equal(sys_q("vutest3", "mtu"), "1500");
	assert_string_equal(tu_sh_line("ip -j addr show vutest3 | jq -r "
				       "'[.[0].addr_info[] | select(.family == \"inet\") | .local] "
				       "| join(\",\")'"), "10.1.0.1");
	/* and an interface of another kind counts as taken too */
	tu_sh_ok("ip link add vutest4 type veth peer name vutest5");
	assert_int_equal(vu_bridge_create(&(struct vu_bridge_spec){ .name = "vutest4" }, &e),
			 -EEXIST);
	tu_sh_ok("ip link del vutest4");
	assert_int_equal(vu_bridge_delete("vutest3", &e), 0);
}

/* A failure after the bridge exists deletes it again. */
static void test_undo_half_way(void **state)
{
	const struct vu_bridge_addr dup[] = { { "10.3.0.1", 24 }, { "10.3.0.1", 24 } };
	const struct vu_bridge_addr bad[] = { { "10.4.0.1", 24 }, { "10.4.0.2", 33 } };
	const struct vu_bridge_spec s1 = { .name = "vutest6", .addrs = dup, .naddrs = 2 };
	const struct vu_bridge_spec s2 = { .name = "vutest6", .addrs = bad, .naddrs = 2 };
	const struct vu_bridge_spec s3 = { .name = "vutest6", .mac = "52:54:00:zz:00:01" };
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_bridge_create(&s1, &e), -EEXIST);
	assert_string_equal(vu_err_str(&e), "vutest6: address 10.3.0.1/24: File exists");
	assert_int_equal(vu_link_exists("vutest6", &e), 0);
	assert_int_equal(vu_bridge_create(&s2, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "vutest6: invalid prefix 33 for 10.4.0.2");
	assert_int_equal(vu_link_exists("vutest6", &e), 0);
	assert_int_equal(vu_bridge_create(&s3, &e), -EINVAL);
	assert_string_equal(vu_err_str(&e), "vutest6: invalid MAC address '52:54:00:zz:00:01'");
	assert_int_equal(vu_link_exists("vutest6", &e), 0);
}

static void test_free_name(void **state)
{
	const char *taken[] = { "vutbr1", "other" };
	char name[16];
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_bridge_free_name("vutbr%d", NULL, 0, name, sizeof(name), &e), 0);
	assert_string_equal(name, "vutbr0");
	assert_int_equal(vu_bridge_create(&(struct vu_bridge_spec){ .name = "vutbr0" }, &e), 0);
	assert_int_equal(vu_bridge_free_name("vutbr%d", taken, 2, name, sizeof(name), &e), 0);
	assert_string_equal(name, "vutbr2");
	assert_int_equal(vu_bridge_free_name("v%dx", NULL, 0, name, sizeof(name), &e), 0);
	assert_string_equal(name, "v0x");
	assert_int_equal(vu_bridge_delete("vutbr0", &e), 0);
	assert_int_equal(vu_bridge_free_name("vutbr", NULL, 0, name, sizeof(name), &e), -EINVAL);
	assert_int_equal(vu_bridge_free_name("vu%d%d", NULL, 0, name, sizeof(name), &e), -EINVAL);
	assert_int_equal(vu_bridge_free_name("vu%s%d", NULL, 0, name, sizeof(name), &e), -EINVAL);
	assert_int_equal(vu_bridge_free_name("%d", NULL, 0, name, 1, &e), -ERANGE);
	assert_int_equal(vu_bridge_free_name("averylongbridge%d", NULL, 0, name, sizeof(name), &e),
			 -EINVAL);
}

static void test_forward_ipv4(void **state)
{
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	/* a fresh namespace starts with forwarding off */
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv4/ip_forward"), "0");
	assert_int_equal(vu_ip_forward_enable(AF_INET, 0, &e), 0);
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv4/ip_forward"), "1");
	assert_int_equal(vu_ip_forward_enable(AF_INET, 0, &e), 0);
	assert_int_equal(vu_ip_forward_enable(AF_UNIX, 0, &e), -EAFNOSUPPORT);
}

/* An RA-learned default route on an interface with accept_ra 1: refused
 * as libvirt does, or accept_ra 1 -> 2 there only when asked. */
static void test_forward_ipv6_accept_ra(void **state)
{
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	tu_sh_ok("ip link add vuva type veth peer name vuvb && ip link set vuva up && "
		 "ip link set vuvb up && echo 1 > /proc/sys/net/ipv6/conf/vuva/accept_ra && "
		 "echo 1 > /proc/sys/net/ipv6/conf/vuvb/accept_ra && "
		 "ip -6 route add default via fe80::1 dev vuva proto ra");
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv6/conf/all/forwarding"), "0");
	assert_int_equal(vu_ip_forward_enable(AF_INET6, 0, &e), -EBUSY);
	assert_string_equal(vu_err_str(&e), "IPv6 forwarding would make the kernel ignore "
			    "router advertisements on vuva: set accept_ra to 2 there");
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv6/conf/all/forwarding"), "0");
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv6/conf/vuva/accept_ra"), "1");
	assert_int_equal(vu_ip_forward_enable(AF_INET6, VU_FWD_FIX_ACCEPT_RA, &e), 0);
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv6/conf/all/forwarding"), "1");
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv6/conf/vuva/accept_ra"), "2");
	assert_string_equal(tu_sh_line("cat /proc/sys/net/ipv6/conf/vuvb/accept_ra"), "1");
	/* once fixed, no flag is needed */
	assert_int_equal(vu_ip_forward_enable(AF_INET6, 0, &e), 0);
	tu_sh_ok("ip link del vuva");
}

/* A subnet routed through another interface is taken; others are free. */
static void test_route_collision(void **state)
{
	const struct vu_bridge_addr used = { "192.168.122.1", 24 }, other = { "10.5.0.1", 24 };
	const struct vu_bridge_addr wider = { "192.168.0.1", 16 }, used6 = { "fd00:9::1", 64 };
	const struct vu_bridge_addr bad = { "192.168.122.1", 40 };
	char ifname[16] = "";
	struct vu_err e = { 0 };

	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(vu_route_collision(&used, ifname, sizeof(ifname), &e), 0);
	tu_sh_ok("ip link add vuvc type veth peer name vuvd && ip link set vuvc up && "
		 "ip link set vuvd up && ip addr add 192.168.122.7/24 dev vuvc && "
		 "ip addr add fd00:9::7/64 dev vuvc nodad");
	assert_int_equal(vu_route_collision(&used, ifname, sizeof(ifname), &e), 1);
	assert_string_equal(ifname, "vuvc");
	assert_int_equal(e.code, EADDRINUSE);
	assert_string_equal(vu_err_str(&e),
			    "192.168.122.0/24: network is already in use by interface vuvc");
	assert_int_equal(vu_route_collision(&used6, NULL, 0, &e), 1);
	assert_int_equal(vu_route_collision(&other, ifname, sizeof(ifname), &e), 0);
	assert_int_equal(vu_route_collision(&wider, ifname, sizeof(ifname), &e), 0);
	assert_int_equal(vu_route_collision(&bad, ifname, sizeof(ifname), &e), -EINVAL);
	tu_sh_ok("ip link del vuvc");
	assert_int_equal(vu_route_collision(&used, ifname, sizeof(ifname), &e), 0);
}

static int create_unprivileged(void *arg)
{
	struct vu_err e = { 0 };
	int r = vu_bridge_create(&(struct vu_bridge_spec){ .name = "vutest7" }, &e);

	(void)arg;
	return r == -EPERM && strstr(vu_err_str(&e), "vutest7: ") &&
	       strstr(vu_err_str(&e), "CAP_NET_ADMIN") ? 0 : 1;
}

/* Without CAP_NET_ADMIN: -EPERM, and the message names the capability. */
static void test_eperm(void **state)
{
	(void)state;
	SKIP_IF_NO_NETNS(netns_ok, netns_why);
	assert_int_equal(tu_without_net_admin(create_unprivileged, NULL), 0);
	assert_int_equal(tu_sh("ip link show vutest7 2>/dev/null"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_full),
		cmocka_unit_test(test_create_stp_off_delay),
		cmocka_unit_test(test_exists_and_delete),
		cmocka_unit_test(test_collision),
		cmocka_unit_test(test_undo_half_way),
		cmocka_unit_test(test_free_name),
		cmocka_unit_test(test_forward_ipv4),
		cmocka_unit_test(test_forward_ipv6_accept_ra),
		cmocka_unit_test(test_route_collision),
		cmocka_unit_test(test_eperm),
	};

	netns_ok = tu_netns_enter(&netns_why);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
