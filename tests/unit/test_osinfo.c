/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_osinfo.c - vm-create's OS defaults: the system osinfo-db, aliases,
 * hints, generic, inheritance, and a fixture database for the edge cases */
#include <errno.h>
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

/* vm-create's modules, linked from its archive (see the Makefile). */
#include "../../tools/vm-create/osinfo.h"
#include "testutil.h"

static char fixture[64];

static struct osinfo must_find(const char *name)
{
	struct osinfo o;
	struct vu_err e = { 0 };
	int r = osinfo_lookup(name, &o, &e);

	if (r)
		fail_msg("%s: %s", name, vu_err_str(&e));
	return o;
}

/* ---- the system database ---- */

static void test_rhel7(void **state)
{
	struct osinfo o = must_find("rhel7.0");

	(void)state;
	assert_string_equal(o.short_id, "rhel7.0");
	assert_string_equal(o.id, "http://redhat.com/rhel/7.0");
	assert_string_equal(o.name, "Red Hat Enterprise Linux 7.0");
	assert_string_equal(o.family, "linux");
	assert_string_equal(o.disk_bus, "virtio");
	assert_string_equal(o.nic_model, "virtio");
	assert_string_equal(o.video, "vga");	/* lists qxl, not virtio-gpu */
	assert_int_equal(o.min_ram_mib, 1024);
	assert_int_equal(o.rec_ram_mib, 1024);
	assert_int_equal(o.rec_vcpus, 2);	/* twice the minimum of 1 */
	assert_true(o.virtio_rng);
	assert_false(o.virtio_balloon);	/* rhel7.0 lists no balloon */
	assert_true(o.usb_tablet);
	assert_false(o.uefi);		/* EFI supported, BIOS too */
	osinfo_clear(&o);
	assert_null(o.short_id);
	assert_null(o.disk_bus);
}

static void test_old_windows(void **state)
{
	struct osinfo o = must_find("winxp");

	(void)state;
	assert_string_equal(o.family, "winnt");
	assert_string_equal(o.disk_bus, "ide");
	assert_string_equal(o.nic_model, "e1000");
	assert_string_equal(o.video, "vga");
	assert_int_equal(o.min_ram_mib, 256);
	assert_int_equal(o.rec_ram_mib, 512);
	assert_false(o.virtio_rng);
	assert_false(o.virtio_balloon);
	assert_false(o.uefi);
	osinfo_clear(&o);
}

static void test_uefi_only(void **state)
{
	/* win11 lists <firmware type='bios' supported='false'/>. */
	struct osinfo o = must_find("win11");

	(void)state;
	assert_true(o.uefi);
	assert_string_equal(o.disk_bus, "ide");
	assert_int_equal(o.min_ram_mib, 4096);
	assert_int_equal(o.rec_ram_mib, 8192);
	assert_int_equal(o.rec_vcpus, 4);
	osinfo_clear(&o);
}

static void test_old_nics(void **state)
{
	struct osinfo o = must_find("freebsd6.0");

	(void)state;
	assert_string_equal(o.nic_model, "ne2k_pci");
	osinfo_clear(&o);
	o = must_find("openbsd4.9");
	assert_string_equal(o.nic_model, "pcnet");
	osinfo_clear(&o);
	o = must_find("msdos6.22");	/* lists no NIC at all */
	assert_string_equal(o.nic_model, "e1000");
	assert_int_equal(o.min_ram_mib, 0);
	assert_int_equal(o.rec_ram_mib, 0);
	assert_int_equal(o.rec_vcpus, 0);
	osinfo_clear(&o);
}

static void test_aliases(void **state)
{
	static const char *const cases[][2] = {
		{ "rhel7", "rhel7.0" }, { "rhel6", "rhel6.0" }, { "rhel5", "rhel5.0" },
		{ "fedora11", "fedora11" }, { "sles12", "sles12" }, { "sled12", "sled12" },
		{ "sle15", "sle15" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct osinfo o = must_find(cases[i][0]);

		assert_string_equal(o.short_id, cases[i][1]);
		osinfo_clear(&o);
	}
	/* rhel5.0 predates virtio in osinfo-db: the aliases differ. */
	{
		struct osinfo o = must_find("rhel5");

		assert_string_equal(o.disk_bus, "ide");
		assert_string_equal(o.id, "http://redhat.com/rhel/5.0");
		osinfo_clear(&o);
	}
}

static void test_ids_found_every_way(void **state)
{
	struct osinfo o = must_find("http://redhat.com/rhel/7.0");	/* full id */

	(void)state;
	assert_string_equal(o.short_id, "rhel7.0");
	osinfo_clear(&o);
	o = must_find("sles12sp1");	/* file sles-12.1.xml */
	assert_string_equal(o.id, "http://suse.com/sles/12.1");
	osinfo_clear(&o);
	o = must_find("centos7");	/* file centos-7.0.xml */
	assert_string_equal(o.id, "http://centos.org/centos/7.0");
	osinfo_clear(&o);
	o = must_find("ubuntujammy");	/* a second short id: the full search */
	assert_string_equal(o.short_id, "ubuntu22.04");
	osinfo_clear(&o);
	o = must_find("fedora-coreos-stable");	/* file coreos-stable.xml */
	assert_string_equal(o.id, "http://fedoraproject.org/coreos/stable");
	osinfo_clear(&o);
}

static void test_inheritance_real(void **state)
{
	/* rocky9.0 has only <resources arch='all' inherit='true'/>. */
	struct osinfo o = must_find("rocky9.0");

	(void)state;
	assert_int_equal(o.min_ram_mib, 1536);
	assert_string_equal(o.disk_bus, "virtio");	/* from rocky9 */
	osinfo_clear(&o);
	/* ubuntu22.04 disables virtio-gpu; linux2022 derives from it and
	 * enables it again. */
	o = must_find("ubuntu22.04");
	assert_string_equal(o.video, "vga");
	osinfo_clear(&o);
	o = must_find("linux2022");
	assert_string_equal(o.video, "virtio");
	assert_int_equal(o.min_ram_mib, 2048);
	osinfo_clear(&o);
	/* popos20.04 lists no devices: they come through clones of ubuntu. */
	o = must_find("popos20.04");
	assert_string_equal(o.disk_bus, "virtio");
	assert_string_equal(o.video, "virtio");
	assert_true(o.virtio_balloon);
	osinfo_clear(&o);
}

static void test_unknown(void **state)
{
	struct osinfo o;
	struct vu_err e = { 0 };

	(void)state;
	assert_int_equal(osinfo_lookup("rhel7.99", &o, &e), -ENOENT);
	assert_int_equal(e.code, ENOENT);
	assert_string_equal(e.msg,
			    "unknown OS name 'rhel7.99' (did you mean: rhel7.9, rhel7.0, rhel7.1?)");
	assert_null(o.short_id);
	assert_int_equal(osinfo_lookup("rhel", &o, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "(did you mean: rhel"));
	assert_int_equal(osinfo_lookup("qqqqqqqqqqqq", &o, &e), -ENOENT);
	assert_string_equal(e.msg, "unknown OS name 'qqqqqqqqqqqq'");
	/* Names that are no short id never reach a path or a pattern. */
	assert_int_equal(osinfo_lookup("../../etc/passwd", &o, &e), -ENOENT);
	assert_int_equal(osinfo_lookup("", &o, &e), -ENOENT);
	assert_int_equal(osinfo_lookup(NULL, &o, &e), -ENOENT);
	assert_int_equal(osinfo_lookup("http://redhat.com/rhel/99", &o, &e), -ENOENT);
	assert_int_equal(osinfo_lookup("http://../../x", &o, &e), -ENOENT);
	assert_int_equal(osinfo_lookup("rhel7\">x", &o, &e), -ENOENT);
}

static void test_generic(void **state)
{
	struct osinfo o;
	struct vu_err e = { 0 };

	(void)state;
	/* No database is read for these. */
	setenv("OSINFO_SYSTEM_DIR", "/nonexistent/osinfo", 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(osinfo_lookup(i ? "none" : "generic", &o, &e), 0);
		assert_string_equal(o.short_id, "generic");
		assert_null(o.id);
		assert_null(o.family);
		assert_string_equal(o.disk_bus, "ide");
		assert_string_equal(o.nic_model, "e1000");
		assert_string_equal(o.video, "vga");
		assert_int_equal(o.min_ram_mib, 0);
		assert_false(o.virtio_rng || o.virtio_balloon || o.usb_tablet || o.uefi);
		osinfo_clear(&o);
	}
	assert_int_equal(osinfo_lookup("rhel7.0", &o, &e), -EIO);
	assert_non_null(strstr(e.msg, "/nonexistent/osinfo/os"));
	unsetenv("OSINFO_SYSTEM_DIR");
}

static void test_adapt(void **state)
{
	struct osinfo o = must_find("win10");

	(void)state;
	osinfo_adapt(&o, "pc", "vnc", false);
	assert_string_equal(o.disk_bus, "ide");
	assert_string_equal(o.nic_model, "e1000");
	assert_string_equal(o.video, "vga");
	osinfo_adapt(&o, "pc-q35-7.2", NULL, true);
	assert_string_equal(o.disk_bus, "sata");
	assert_string_equal(o.nic_model, "e1000e");
	assert_string_equal(o.video, "bochs");
	osinfo_adapt(&o, "q35", "spice", true);
	assert_string_equal(o.video, "qxl");
	osinfo_clear(&o);
	o = must_find("linux2022");
	osinfo_adapt(&o, "q35", "spice", true);
	assert_string_equal(o.disk_bus, "virtio");
	assert_string_equal(o.nic_model, "virtio");
	assert_string_equal(o.video, "virtio");
	osinfo_clear(&o);
}

static void test_list(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct vu_err e = { 0 };
	size_t lines = 0;
	char *prev = NULL;

	(void)state;
	assert_non_null(f);
	assert_int_equal(osinfo_list(f, &e), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\nrhel7.0\n"));
	assert_non_null(strstr(buf, "\nubuntujammy\n"));
	assert_non_null(strstr(buf, "\ngeneric\n"));
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		if (prev)
			assert_true(strcmp(prev, line) < 0);	/* sorted, unique */
		prev = line;
	}
	assert_true(lines > 500);
	free(buf);
}

/* ---- a fixture database ---- */

#define HEAD "<?xml version=\"1.0\"?>\n<libosinfo version=\"0.0.1\">\n"
#define TAIL "</libosinfo>\n"
#define DEV(id) "<device id=\"http://pcisig.com/pci/" id "\"/>"

/* FIXTURE/os/REL, as osinfo-db lays out its files. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];

	tu_path(path, sizeof(path), "os", rel);
	tu_put(fixture, path, text);
}

static int fixture_setup(void **state)
{
	(void)state;
	if (tu_scratch(fixture, sizeof(fixture), "test_osinfo") < 0)
		return -1;
	put("test.org/base-1.xml", HEAD
	    "<os id=\"http://test.org/base/1\"><short-id>base1</short-id>"
	    "<name>Base 1</name><name xml:lang=\"de\">Basis 1</name><family>linux</family>"
	    "<firmware arch=\"x86_64\" type=\"efi\"/>"
	    "<devices>" DEV("1af4/1001") DEV("1af4/1041") DEV("1af4/1050") DEV("1af4/1005")
	    DEV("1af4/1002") "</devices>"
	    "<resources arch=\"all\"><minimum><n-cpus>1</n-cpus><ram>1073741824</ram></minimum>"
	    "<recommended><ram>2147483648</ram></recommended></resources>"
	    "<resources arch=\"x86_64\"><minimum><ram>805306368</ram></minimum></resources>"
	    "</os>" TAIL);
	/* Removes virtio-block, disables virtio-gpu, inherits resources. */
	put("test.org/child-2.xml", HEAD
	    "<os id=\"http://test.org/child/2\"><short-id>child2</short-id>"
	    "<name>Child 2</name><derives-from id=\"http://test.org/base/1\"/>"
	    "<devices><device id=\"http://pcisig.com/pci/1af4/1001\" removed=\"true\"/>"
	    "<device id=\"http://pcisig.com/pci/1af4/1050\" supported=\"false\"/></devices>"
	    "<resources arch=\"all\" inherit=\"true\"><minimum><n-cpus>2</n-cpus></minimum>"
	    "</resources></os>" TAIL);
	/* Clones child2, enables virtio-gpu again, drops BIOS. */
	put("test.org/grandchild-3.xml", HEAD
	    "<os id=\"http://test.org/grandchild/3\"><short-id>grandchild3</short-id>"
	    "<clones id=\"http://test.org/child/2\"/>"
	    "<firmware arch=\"x86_64\" type=\"bios\" supported=\"false\"/>"
	    "<devices><device id=\"http://pcisig.com/pci/1af4/1050\" supported=\"true\"/>"
	    "</devices></os>" TAIL);
	/* A file name unrelated to its short ids; a parent the db lacks. */
	put("other.org/weird-name.xml", HEAD
	    "<os id=\"http://other.org/x/y\"><short-id>oddball</short-id>"
	    "<short-id>oddball-alias</short-id><derives-from id=\"http://nowhere.org/z\"/>"
	    "<devices>" DEV("8086/100e") "</devices></os>" TAIL);
	put("test.org/loop-a.xml", HEAD "<os id=\"http://test.org/loop/a\">"
	    "<short-id>loopa</short-id><derives-from id=\"http://test.org/loop/b\"/></os>" TAIL);
	put("test.org/loop-b.xml", HEAD "<os id=\"http://test.org/loop/b\">"
	    "<short-id>loopb</short-id><derives-from id=\"http://test.org/loop/a\"/>"
	    "<devices>" DEV("1af4/1000") "</devices></os>" TAIL);
	put("test.org/broken-1.xml", HEAD "<os id=\"http://test.org/broken/1\">"
	    "<short-id>broken1</short-id><name>unclosed</os>" TAIL);
	put("test.org/orphan-1.xml", HEAD "<os id=\"http://test.org/orphan/1\">"
	    "<short-id>orphan1</short-id><derives-from id=\"http://test.org/broken/1\"/>"
	    "</os>" TAIL);
	put("test.org/noid-1.xml", HEAD "<os><short-id>noid1</short-id></os>" TAIL);
	/* An ancestor whose file name is not its id's: found by a search (in
	 * name order) that must not stop at the files that refer to it. */
	put("test.org/ref-0.xml", HEAD "<os id=\"http://test.org/ref/0\">"
	    "<short-id>ref0</short-id><derives-from id=\"http://test.org/moved/9\"/></os>" TAIL);
	put("test.org/zz-moved.xml", HEAD "<os id=\"http://test.org/moved/9\">"
	    "<short-id>moved9</short-id><devices>" DEV("1af4/1001") "</devices></os>" TAIL);
	put("test.org/README", "not xml, not a .xml file\n");
	setenv("OSINFO_SYSTEM_DIR", fixture, 1);
	return 0;
}

static int fixture_teardown(void **state)
{
	(void)state;
	unsetenv("OSINFO_SYSTEM_DIR");
	return tu_scratch_done(fixture);
}

static void test_fixture_base(void **state)
{
	struct osinfo o = must_find("base1");

	(void)state;
	assert_string_equal(o.name, "Base 1");	/* not the xml:lang one */
	assert_string_equal(o.disk_bus, "virtio");
	assert_string_equal(o.nic_model, "virtio");
	assert_string_equal(o.video, "virtio");
	assert_true(o.virtio_rng && o.virtio_balloon);
	assert_false(o.uefi);
	assert_int_equal(o.min_ram_mib, 768);	/* x86_64's, before "all"'s */
	assert_int_equal(o.rec_ram_mib, 2048);	/* only "all" has one */
	assert_int_equal(o.rec_vcpus, 2);	/* twice "all"'s minimum */
	osinfo_clear(&o);
}

static void test_fixture_removal(void **state)
{
	struct osinfo o = must_find("child2");

	(void)state;
	assert_string_equal(o.disk_bus, "ide");	/* removed='true' */
	assert_string_equal(o.nic_model, "virtio");	/* inherited */
	assert_string_equal(o.video, "vga");	/* supported='false' */
	assert_true(o.virtio_rng && o.virtio_balloon);
	assert_null(o.family);			/* not inherited, as libosinfo */
	/* inherit='true' for arch all: ram from base1's "all", n-cpus own. */
	assert_int_equal(o.min_ram_mib, 1024);
	assert_int_equal(o.rec_ram_mib, 2048);
	assert_int_equal(o.rec_vcpus, 4);
	osinfo_clear(&o);
}

static void test_fixture_clones(void **state)
{
	struct osinfo o = must_find("grandchild3");

	(void)state;
	assert_string_equal(o.disk_bus, "ide");	/* child2's removal holds */
	assert_string_equal(o.video, "virtio");	/* re-enabled nearer */
	assert_true(o.uefi);			/* efi from base1, no bios */
	assert_null(o.name);
	assert_int_equal(o.min_ram_mib, 0);	/* no resources of its own */
	osinfo_clear(&o);
}

static void test_fixture_odd(void **state)
{
	struct osinfo o = must_find("oddball-alias");
	struct vu_err e = { 0 };

	(void)state;
	assert_string_equal(o.short_id, "oddball");	/* the first short id */
	assert_string_equal(o.nic_model, "e1000");
	osinfo_clear(&o);
	o = must_find("ref0");
	assert_string_equal(o.disk_bus, "virtio");	/* from moved9 */
	osinfo_clear(&o);
	o = must_find("http://test.org/moved/9");
	assert_string_equal(o.short_id, "moved9");
	osinfo_clear(&o);
	o = must_find("loopa");				/* a cycle ends */
	assert_string_equal(o.nic_model, "virtio");
	osinfo_clear(&o);
	assert_int_equal(osinfo_lookup("noid1", &o, &e), -EINVAL);
	assert_string_equal(e.msg, "osinfo entry without an id");
}

static void test_fixture_malformed(void **state)
{
	struct osinfo o;
	struct vu_err e = { 0 };
	char want[256];

	(void)state;
	assert_int_equal(osinfo_lookup("broken1", &o, &e), -EINVAL);
	snprintf(want, sizeof(want), "osinfo %s/os/test.org/broken-1.xml: line ", fixture);
	assert_memory_equal(e.msg, want, strlen(want));
	assert_null(o.short_id);
	/* A broken ancestor is as broken. */
	assert_int_equal(osinfo_lookup("orphan1", &o, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "broken-1.xml"));
}

static void test_fixture_unknown_and_list(void **state)
{
	struct osinfo o;
	struct vu_err e = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(osinfo_lookup("base2", &o, &e), -ENOENT);
	assert_string_equal(e.msg, "unknown OS name 'base2' (did you mean: base1?)");
	assert_int_equal(osinfo_lookup("rhel7.0", &o, &e), -ENOENT);
	f = open_memstream(&buf, &len);
	assert_int_equal(osinfo_list(f, &e), 0);
	fclose(f);
	assert_string_equal(buf, "base1\nbroken1\nchild2\ngeneric\ngrandchild3\nloopa\nloopb\n"
			    "moved9\nnoid1\noddball\noddball-alias\norphan1\nref0\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_rhel7),
		cmocka_unit_test(test_old_windows),
		cmocka_unit_test(test_uefi_only),
		cmocka_unit_test(test_old_nics),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_ids_found_every_way),
		cmocka_unit_test(test_inheritance_real),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_adapt),
		cmocka_unit_test(test_list),
	};
	const struct CMUnitTest fix[] = {
		cmocka_unit_test(test_fixture_base),
		cmocka_unit_test(test_fixture_removal),
		cmocka_unit_test(test_fixture_clones),
		cmocka_unit_test(test_fixture_odd),
		cmocka_unit_test(test_fixture_malformed),
		cmocka_unit_test(test_fixture_unknown_and_list),
	};
	int failed;

	unsetenv("OSINFO_SYSTEM_DIR");	/* the first group reads the real one */
	failed = cmocka_run_group_tests_name("osinfo-db", real, NULL, NULL);

	return failed + cmocka_run_group_tests_name("fixture", fix, fixture_setup,
						    fixture_teardown);
}
