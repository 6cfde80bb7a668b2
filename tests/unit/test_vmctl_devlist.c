/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_vmctl_devlist.c - vm-ctl domblklist, domiflist and domifaddr's
 * rows and their virsh layout */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vu/domainxml.h"
#include "../../tools/vm-ctl/devlist.h"
#include "testutil.h"

static const char xml[] =
	"<domain type='qemu'><name>g</name><devices>"
	"<disk type='file' device='disk'><source file='/var/lib/g.qcow2'/>"
	"<target dev='vda' bus='virtio'/></disk>"
	"<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>"
	"<disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vdb'/></disk>"
	"<disk type='volume' device='disk'><source pool='p' volume='v.img'/><target dev='vdc'/></disk>"
	"<interface type='network'><mac address='52:54:00:aa:bb:01'/><source network='default'/>"
	"<target dev='vnet3'/><model type='virtio'/></interface>"
	"<interface type='bridge'><mac address='52:54:00:aa:bb:02'/><source bridge='br0'/></interface>"
	"</devices></domain>";

static struct vu_domain *dom(void)
{
	struct vu_domain *d = NULL;
	struct vu_err e = { 0 };

	assert_int_equal(vu_domain_parse(&d, xml, strlen(xml), &e), 0);
	return d;
}

/* What a table prints, as a string to free. */
static char *printed(struct vu_table *t, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(t);
	if (json)
		assert_int_equal(vu_table_print_json(t, f), 0);
	else
		vu_table_print(t, f, true);
	fclose(f);
	return buf;
}

static void test_blklist(void **state)
{
	struct vu_domain *d = dom();
	struct vu_table *t = vctl_blklist(d, false);
	char *out = printed(t, false);

	(void)state;
	assert_string_equal(out,
			    " Target   Source\n"
			    "----------------------------\n"
			    " vda      /var/lib/g.qcow2\n"
			    " sda      -\n"
			    " vdb      /dev/sdz\n"
			    " vdc      p/v.img\n");
	free(out);
	vu_table_free(&t);
	t = vctl_blklist(d, true);
	out = printed(t, false);
	assert_string_equal(out,
			    " Type     Device   Target   Source\n"
			    "----------------------------------------------\n"
			    " file     disk     vda      /var/lib/g.qcow2\n"
			    " file     cdrom    sda      -\n"
			    " block    disk     vdb      /dev/sdz\n"
			    " volume   disk     vdc      p/v.img\n");
	free(out);
	out = printed(t, true);
	assert_non_null(strstr(out, "\"device\": \"cdrom\""));
	assert_non_null(strstr(out, "\"source\": null"));
	free(out);
	vu_table_free(&t);
	vu_domain_free(&d);
}

static void test_iflist(void **state)
{
	struct vu_domain *d = dom();
	struct vu_table *t = vctl_iflist(d);
	char *out = printed(t, false);

	(void)state;
	assert_string_equal(out,
			    " Interface   Type      Source    Model    MAC\n"
			    "-------------------------------------------------------------\n"
			    " vnet3       network   default   virtio   52:54:00:aa:bb:01\n"
			    " -           bridge    br0       -        52:54:00:aa:bb:02\n");
	free(out);
	vu_table_free(&t);
	vu_domain_free(&d);
}

static void test_ifaddr(void **state)
{
	struct vu_net_ip ips[2] = {
		{ .family = AF_INET6, .address = "fd00::1", .prefix = 64 },
		{ .family = AF_INET, .address = "192.168.122.1", .prefix = 24 },
	};
	struct vu_dnsmasq_lease l[] = {
		{ .expiry = 2000, .family = AF_INET, .mac = "52:54:00:aa:bb:01", .ip = "192.168.122.45" },
		/* expired, another guest's, an IPv6 one, one outside the subnets */
		{ .expiry = 999, .family = AF_INET, .mac = "52:54:00:aa:bb:01", .ip = "192.168.122.46" },
		{ .expiry = 2000, .family = AF_INET, .mac = "52:54:00:aa:bb:02", .ip = "192.168.122.47" },
		{ .expiry = 2000, .family = AF_INET6, .mac = "", .ip = "fd00::5" },
		{ .expiry = 0, .family = AF_INET, .mac = "52:54:00:AA:BB:01", .ip = "10.1.2.3" },
	};
	struct vctl_ifaddrs a = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(vctl_ifaddr_add(&a, "vnet3", "52:54:00:aa:bb:01", ips, 2, l, 5, 1000), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0].ip, "192.168.122.45");
	assert_int_equal(a.v[0].prefix, 24);
	assert_string_equal(a.v[1].ip, "10.1.2.3");
	assert_int_equal(a.v[1].prefix, 0);
	f = open_memstream(&buf, &len);
	vctl_ifaddr_print(&a, f, false, true);
	fclose(f);
	assert_string_equal(buf,
			    " Name       MAC address          Protocol     Address\n"
			    "-------------------------------------------------------------------------------\n"
			    " vnet3      52:54:00:aa:bb:01    ipv4         192.168.122.45/24\n"
			    " -          -                    ipv4         10.1.2.3\n");
	free(buf);
	f = open_memstream(&buf, &len);
	vctl_ifaddr_print(&a, f, true, false);
	fclose(f);
	assert_non_null(strstr(buf, " vnet3      52:54:00:aa:bb:01    ipv4         10.1.2.3\n"));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(vctl_ifaddr_print_json(&a, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"address\": \"192.168.122.45\""));
	assert_non_null(strstr(buf, "\"prefix\": 24"));
	assert_non_null(strstr(buf, "\"prefix\": null"));
	free(buf);
	vctl_ifaddrs_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blklist),
		cmocka_unit_test(test_iflist),
		cmocka_unit_test(test_ifaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
