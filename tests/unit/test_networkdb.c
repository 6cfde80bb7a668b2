/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_networkdb.c - defined and running networks: define, list, undefine,
 * autostart, live records, the conflicts refused, `default` on first use,
 * 0600 files and no following of planted links */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/networkdb.h"
#include "vu/xml.h"
#include "testutil.h"

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"

/* A NAT network on 10.0.N.0/24 with bridge BR; uuid may be NULL. */
static struct vu_network *mknet(const char *name, const char *uuid, const char *br,
				const char *subnet)
{
	struct vu_network *net = NULL;
	struct vu_err e = { 0 };
	char xml[512];

	snprintf(xml, sizeof(xml),
		 "<network><name>%s</name>%s%s%s<forward/><bridge name='%s'/>"
		 "<ip address='%s.1' prefix='24'><dhcp><range start='%s.2' end='%s.9'/>"
		 "</dhcp></ip></network>",
		 name, uuid ? "<uuid>" : "", uuid ? uuid : "", uuid ? "</uuid>" : "", br,
		 subnet, subnet, subnet);
	if (vu_network_parse(&net, xml, strlen(xml), &e) < 0)
		fail_msg("%s", vu_err_str(&e));
	return net;
}

static void define(struct tu_root *f, struct vu_network *net, int want, const char *msg)
{
	struct vu_err e = { 0 };

	assert_int_equal(vu_networkdb_define(&f->st, net, &e), want);
	if (msg && strncmp(e.msg, msg, strlen(msg)) != 0)
		fail_msg("got '%s', wanted '%s'", e.msg, msg);
	vu_network_free(&net);
}

static void names_are(struct tu_root *f, unsigned which, const char *want)
{
	char **names, got[256] = "";
	size_t n;

	assert_int_equal(vu_networkdb_list(&f->st, which, &names, &n), 0);
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 names[i]);
	assert_null(names[n]);
	vu_networkdb_names_free(names);
	assert_string_equal(got, want);
}

static void test_define_load_list(void **state)
{
	struct tu_root *f = *state;
	struct vu_network *a = mknet("web", U1, "virbr1", "10.0.1"), *got;
	struct vu_err e = { 0 };
	char uuid[VU_UUID_STRLEN], mac[VU_MAC_STRLEN], *path;
	struct stat sb;

	names_are(f, VU_NETWORKDB_DEFINED, "");
	define(f, a, 0, NULL);
	define(f, mknet("db", NULL, "virbr2", "10.0.2"), 0, NULL);
	names_are(f, VU_NETWORKDB_DEFINED, "db web");
	names_are(f, VU_NETWORKDB_ACTIVE, "");

	/* define added a UUID and a MAC, as libvirt */
	assert_int_equal(vu_networkdb_load(&f->st, "db", &got, &e), 0);
	assert_int_equal(vu_network_get_uuid(got, uuid), 0);
	assert_int_equal(vu_network_get_mac(got, mac), 0);
	vu_network_free(&got);

	assert_int_equal(vu_networkdb_load(&f->st, "nope", &got, &e), -ENOENT);
	assert_string_equal(e.msg, "network 'nope' not found");
	assert_null(got);
	assert_int_equal(vu_networkdb_load(&f->st, "../x", &got, &e), -ENOENT);

	/* 0600 whatever the umask */
	path = vu_state_path(&f->st, "networks", "web.xml");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	free(path);

	/* redefined: the same UUID (or none) replaces, keeping UUID and MAC */
	define(f, mknet("db", NULL, "virbr2", "10.0.3"), 0, NULL);
	assert_int_equal(vu_networkdb_load(&f->st, "db", &got, &e), 0);
	{
		char u2[VU_UUID_STRLEN], m2[VU_MAC_STRLEN];

		assert_int_equal(vu_network_get_uuid(got, u2), 0);
		assert_string_equal(u2, uuid);
		assert_int_equal(vu_network_get_mac(got, m2), 0);
		assert_string_equal(m2, mac);
	}
	vu_network_free(&got);
	define(f, mknet("web", U2, "virbr1", "10.0.1"), -EEXIST,
	       "network 'web' already exists with uuid " U1);
}

static void test_conflicts(void **state)
{
	struct tu_root *f = *state;
	struct vu_network *n;
	struct vu_err e = { 0 };

	define(f, mknet("web", U1, "virbr1", "10.0.1"), 0, NULL);
	define(f, mknet("other", U1, "virbr5", "10.0.5"), -EEXIST,
	       "UUID " U1 " is used by network 'web'");
	define(f, mknet("other", NULL, "virbr1", "10.0.5"), -EEXIST,
	       "bridge virbr1 is used by network 'web'");
	define(f, mknet("other", NULL, "virbr5", "10.0.1"), -EEXIST,
	       "subnet 10.0.1.1/24 overlaps network 'web' (10.0.1.1/24)");
	/* a wider subnet holding it overlaps too */
	n = mknet("other", NULL, "virbr5", "10.0.5");
	assert_int_equal(vu_network_update(n, VU_NET_UPDATE_DELETE, VU_NET_SECTION_IP_DHCP_RANGE,
					   -1, "<range start='10.0.5.2' end='10.0.5.9'/>", &e), 0);
	{
		const char *wide = "<network><name>wide</name><forward/><bridge name='virbr6'/>"
				   "<ip address='10.0.0.1' prefix='16'/></network>";
		struct vu_network *w = NULL;

		assert_int_equal(vu_network_parse(&w, wide, strlen(wide), &e), 0);
		define(f, w, -EEXIST, "subnet 10.0.0.1/16 overlaps network 'web' (10.0.1.1/24)");
	}
	define(f, n, 0, NULL);
	names_are(f, VU_NETWORKDB_DEFINED, "other web");

	/* check_unique is what create (transient) runs; running ones count */
	n = mknet("tr", NULL, "virbr7", "10.0.7");
	assert_int_equal(vu_network_ensure_ids(n), 0);
	assert_int_equal(vu_networkdb_check_unique(&f->st, n, &e), 0);
	assert_int_equal(vu_networkdb_set_live(&f->st, n, &e), 0);
	vu_network_free(&n);
	define(f, mknet("late", NULL, "virbr8", "10.0.7"), -EEXIST,
	       "subnet 10.0.7.1/24 overlaps network 'tr' (10.0.7.1/24)");
	/* the running transient one made persistent: same UUID only */
	define(f, mknet("tr", U2, "virbr7", "10.0.7"), -EEXIST,
	       "network 'tr' already exists with uuid ");
	n = mknet("tr", NULL, "virbr7", "10.0.7");
	define(f, n, 0, NULL);
	names_are(f, VU_NETWORKDB_DEFINED, "other tr web");
	{
		struct vu_network *live, *cfg;
		char u1[VU_UUID_STRLEN], u2[VU_UUID_STRLEN];

		assert_int_equal(vu_networkdb_load_live(&f->st, "tr", &live, &e), 0);
		assert_int_equal(vu_networkdb_load(&f->st, "tr", &cfg, &e), 0);
		assert_int_equal(vu_network_get_uuid(live, u1), 0);
		assert_int_equal(vu_network_get_uuid(cfg, u2), 0);
		assert_string_equal(u1, u2);
		vu_network_free(&live);
		vu_network_free(&cfg);
	}
	/* refused before anything is looked at: bad name, bad document */
	{
		struct vu_network *bad = NULL;

		assert_int_equal(vu_network_new(&bad, "-x"), 0);
		define(f, bad, -EINVAL, "invalid network name '-x': letters, digits and _.+:- "
					"only, not first . or -, 1 to 255 bytes");
	}
	n = mknet("late", NULL, "virbr8", "10.0.8");
	assert_int_equal(vu_network_set_mac(n, "ff:ff:ff:ff:ff:ff"), 0);
	define(f, n, -EINVAL, "invalid bridge MAC address 'ff:ff:ff:ff:ff:ff'");
}

/* A definition that cannot be read blocks nobody; it is reported. */
static void test_unreadable_skipped(void **state)
{
	struct tu_root *f = *state;

	tu_put(f->dir, "networks/bad.xml", "<network><name>bad</name><ip address=");
	tu_put(f->dir, "networks/other.xml", "<network><name>web</name></network>");
	tu_put(f->dir, "networks/.hidden.xml", "junk");
	define(f, mknet("web", U1, "virbr1", "10.0.1"), 0, NULL);
	define(f, mknet("web2", U2, "virbr1", "10.0.2"), -EEXIST,
	       "bridge virbr1 is used by network 'web'");
	names_are(f, VU_NETWORKDB_DEFINED, "bad other web");
	{
		struct vu_network *got;
		struct vu_err e = { 0 };

		assert_int_equal(vu_networkdb_load(&f->st, "other", &got, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "defines network 'web', not 'other'"));
		assert_int_equal(vu_networkdb_load(&f->st, "bad", &got, &e), -EINVAL);
	}
}

/* A link planted in place of a definition or a live record is never
 * followed. */
static void test_planted_symlink(void **state)
{
	struct tu_root *f = *state;
	struct vu_network *got;
	struct vu_err e = { 0 };
	char target[PATH_MAX], link[PATH_MAX];

	tu_path(target, sizeof(target), f->dir, "outside.xml");
	tu_write_str(target, "<network><name>evil</name></network>");
	tu_path(link, sizeof(link), f->dir, "networks/evil.xml");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(vu_networkdb_load(&f->st, "evil", &got, &e), -ELOOP);
	assert_non_null(strstr(e.msg, "evil.xml: is a symbolic link"));
	/* define replaces the link with a file; the target is untouched */
	define(f, mknet("evil", U1, "virbr1", "10.0.1"), 0, NULL);
	{
		struct stat sb;
		char *text = tu_read(target, NULL);

		assert_string_equal(text, "<network><name>evil</name></network>");
		free(text);
		assert_int_equal(lstat(link, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
	}
	/* a run/networks that is a link is refused */
	tu_path(link, sizeof(link), f->st.run, "networks");
	assert_int_equal(symlink(f->dir, link), 0);
	got = mknet("evil", U1, "virbr1", "10.0.1");
	assert_int_not_equal(vu_networkdb_set_live(&f->st, got, &e), 0);
	vu_network_free(&got);
	assert_int_equal(vu_networkdb_is_active(&f->st, "evil"), -ENOTDIR);
}

static void test_undefine_autostart(void **state)
{
	struct tu_root *f = *state;
	struct vu_err e = { 0 };
	char *link = vu_state_path(&f->st, "autostart/networks", "web"), target[64];
	ssize_t n;

	define(f, mknet("web", U1, "virbr1", "10.0.1"), 0, NULL);
	assert_false(vu_networkdb_is_autostart(&f->st, "web"));
	assert_int_equal(vu_networkdb_autostart(&f->st, "web", true, &e), 0);
	assert_true(vu_networkdb_is_autostart(&f->st, "web"));
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../../networks/web.xml");
	assert_int_equal(vu_networkdb_autostart(&f->st, "web", false, &e), 0);
	assert_false(vu_networkdb_is_autostart(&f->st, "web"));
	assert_int_equal(vu_networkdb_autostart(&f->st, "nope", true, &e), -ENOENT);
	assert_string_equal(e.msg, "network 'nope' not found");

	assert_int_equal(vu_networkdb_autostart(&f->st, "web", true, &e), 0);
	assert_int_equal(vu_networkdb_undefine(&f->st, "web", &e), 0);
	assert_false(vu_networkdb_is_autostart(&f->st, "web"));
	assert_int_equal(vu_networkdb_undefine(&f->st, "web", &e), -ENOENT);
	assert_string_equal(e.msg, "network 'web' not found");
	names_are(f, VU_NETWORKDB_DEFINED, "");
	free(link);
}

static void test_live(void **state)
{
	struct tu_root *f = *state;
	struct vu_network *a = mknet("web", U1, "virbr1", "10.0.1"), *got;
	struct vu_err e = { 0 };
	char path[PATH_MAX];
	struct stat sb;

	assert_int_equal(vu_networkdb_is_active(&f->st, "web"), 0);
	assert_int_equal(vu_networkdb_load_live(&f->st, "web", &got, &e), -ENOENT);
	assert_string_equal(e.msg, "network 'web' is not active");
	assert_int_equal(vu_networkdb_set_live(&f->st, a, &e), 0);
	assert_int_equal(vu_networkdb_is_active(&f->st, "web"), 1);
	tu_path(path, sizeof(path), f->st.run, "networks/web.xml");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(vu_networkdb_load_live(&f->st, "web", &got, &e), 0);
	assert_true(vu_xml_c14n_equal(vu_network_doc(a), vu_network_doc(got)));
	vu_network_free(&got);
	/* transient: active, not defined */
	names_are(f, VU_NETWORKDB_ACTIVE, "web");
	names_are(f, VU_NETWORKDB_DEFINED, "");
	define(f, a, 0, NULL);
	names_are(f, VU_NETWORKDB_DEFINED | VU_NETWORKDB_ACTIVE, "web");
	assert_int_equal(vu_networkdb_clear_live(&f->st, "web", &e), 0);
	assert_int_equal(vu_networkdb_is_active(&f->st, "web"), 0);
	assert_int_equal(vu_networkdb_clear_live(&f->st, "web", &e), 0);
	names_are(f, VU_NETWORKDB_ACTIVE, "");
}

static void test_default(void **state)
{
	struct tu_root *f = *state;
	struct vu_network *got;
	struct vu_err e = { 0 };
	struct vu_net_ip *ips;
	char uuid[VU_UUID_STRLEN], mac[VU_MAC_STRLEN], *br;
	size_t n;

	assert_int_equal(vu_networkdb_ensure_default(&f->st, &e), 1);
	assert_int_equal(vu_networkdb_load(&f->st, "default", &got, &e), 0);
	assert_int_equal(vu_network_get_uuid(got, uuid), 0);
	assert_int_equal(vu_network_get_mac(got, mac), 0);
	assert_int_equal(vu_network_get_bridge(got, &br), 0);
	assert_string_equal(br, "virbr0");
	free(br);
	assert_int_equal(vu_network_get_forward(got), VU_NET_NAT);
	assert_int_equal(vu_network_get_ips(got, &ips, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ips[0].address, "192.168.122.1");
	assert_int_equal(ips[0].prefix, 24);
	assert_string_equal(ips[0].ranges[0].start, "192.168.122.2");
	assert_string_equal(ips[0].ranges[0].end, "192.168.122.254");
	vu_net_ips_free(ips, n);
	vu_network_free(&got);
	assert_true(vu_networkdb_is_autostart(&f->st, "default"));
	/* once: undefined, it stays undefined */
	assert_int_equal(vu_networkdb_ensure_default(&f->st, &e), 0);
	assert_int_equal(vu_networkdb_undefine(&f->st, "default", &e), 0);
	assert_int_equal(vu_networkdb_ensure_default(&f->st, &e), 0);
	names_are(f, VU_NETWORKDB_DEFINED, "");
}

/* Another network on 192.168.122.0/24 and virbr0: the next free ones. */
static void test_default_moves_aside(void **state)
{
	struct tu_root *f = *state;
	struct vu_network *got;
	struct vu_err e = { 0 };
	char *s;

	define(f, mknet("mine", NULL, "virbr0", "192.168.122"), 0, NULL);
	define(f, mknet("mine2", NULL, "virbr1", "192.168.123"), 0, NULL);
	assert_int_equal(vu_networkdb_ensure_default(&f->st, &e), 1);
	assert_int_equal(vu_networkdb_load(&f->st, "default", &got, &e), 0);
	s = vu_network_format(got);
	assert_non_null(strstr(s, "<bridge name=\"virbr2\"/>"));
	assert_non_null(strstr(s, "<ip address=\"192.168.124.1\""));
	free(s);
	vu_network_free(&got);
}

static char *bridge_of(struct tu_root *f, const char *name)
{
	struct vu_network *got;
	struct vu_err e = { 0 };
	char *br = NULL;

	assert_int_equal(vu_networkdb_load(&f->st, name, &got, &e), 0);
	assert_int_equal(vu_network_get_bridge(got, &br), 0);
	vu_network_free(&got);
	return br;
}

static struct vu_network *parsed(const char *xml)
{
	struct vu_network *net = NULL;
	struct vu_err e = { 0 };

	if (vu_network_parse(&net, xml, strlen(xml), &e) < 0)
		fail_msg("%s", vu_err_str(&e));
	return net;
}

/* As libvirt: a bridge we make, unnamed, gets the first free virbrN. */
static void test_bridge_named(void **state)
{
	struct tu_root *f = *state;
	char *br;

	define(f, mknet("web", NULL, "virbr1", "10.0.1"), 0, NULL);
	define(f, parsed("<network><name>a</name><ip address='10.0.2.1' prefix='24'/>"
			 "</network>"), 0, NULL);
	define(f, parsed("<network><name>b</name><forward mode='route'/></network>"), 0, NULL);
	define(f, parsed("<network><name>d</name><forward mode='bridge'>"
			 "<interface dev='eth0'/></forward></network>"), 0, NULL);
	br = bridge_of(f, "a");
	assert_string_equal(br, "virbr0");
	free(br);
	br = bridge_of(f, "b");
	assert_string_equal(br, "virbr2");
	free(br);
	{	/* a host bridge's network names none of its own */
		struct vu_network *got;
		struct vu_err e = { 0 };

		assert_int_equal(vu_networkdb_load(&f->st, "d", &got, &e), 0);
		assert_int_equal(vu_network_get_bridge(got, &br), -ENOENT);
		vu_network_free(&got);
	}
	/* redefined: its own bridge does not count as taken */
	define(f, parsed("<network><name>a</name><ip address='10.0.2.1' prefix='24'/>"
			 "</network>"), 0, NULL);
	br = bridge_of(f, "a");
	assert_string_equal(br, "virbr0");
	free(br);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_root_setup, tu_root_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_define_load_list),
		T(test_conflicts),
		T(test_unreadable_skipped),
		T(test_planted_symlink),
		T(test_undefine_autostart),
		T(test_live),
		T(test_default),
		T(test_default_moves_aside),
		T(test_bridge_named),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
