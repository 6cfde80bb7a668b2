/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_domain.c - domain documents: loading, round trips of the seeds'
 * examples, identity, <metadata>, access by path, and what must survive */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"

#include "domain_test.h"

#define INSTALL_NS "https://virtutils.org/xmlns/install/1"

static const char *const fixtures[] = {
	"s0-qemu-block.xml", "s0-guest1-rhel6-64.xml", "s0-qemu-fedora-i686.xml",
	"s0-demo2.xml", "s1-rhelx86_64-live.xml", "s2-sles11sp3.xml",
	"s4-metadata.xml", "s4-tuning.xml", "s4-devices.xml", "foreign.xml",
};

/* Every example document comes back equal under C14N, and formatting is
 * stable: the second formatting gives the same text as the first. */
static void test_fixtures_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		struct vu_domain *dom = dom_fixture(fixtures[i]), *again;
		char *text = assert_round_trip(dom), *text2;

		again = dom_parse(text);
		text2 = vu_domain_format(again);
		assert_string_equal(text, text2);
		free(text);
		free(text2);
		vu_domain_free(&again);
		vu_domain_free(&dom);
	}
}

/* The seeds' documents libvirt 9 accepts still validate after a load and
 * format; the format itself adds nothing the schema minds. */
static void test_fixtures_still_validate(void **state)
{
	static const char *const valid[] = {
		"s0-guest1-rhel6-64.xml", "s0-qemu-fedora-i686.xml",
		"s1-rhelx86_64-live.xml", "s2-sles11sp3.xml",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(valid); i++) {
		struct vu_domain *dom = dom_fixture(valid[i]), *again;
		char *text = vu_domain_format(dom);

		assert_valid(dom);
		again = dom_parse(text);
		assert_valid(again);
		free(text);
		vu_domain_free(&again);
		vu_domain_free(&dom);
	}
}

static void test_load_errors(void **state)
{
	struct vu_domain *dom = (struct vu_domain *)1;
	struct vu_err e = { 0 };
	(void)state;

	assert_int_equal(vu_domain_load(&dom, FIXTURES "no-such.xml", &e), -ENOENT);
	assert_null(dom);
	assert_int_equal(e.code, ENOENT);
	assert_int_equal(vu_domain_parse(&dom, "<domain>", 8, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "line 1"));
	assert_int_equal(vu_domain_parse(&dom, "<pool type='dir'/>", 18, &e), -EINVAL);
	assert_string_equal(e.msg, "root element is <pool>, not <domain>");
	assert_int_equal(vu_domain_parse(&dom, "<x:domain xmlns:x='urn:x'/>", 27, &e), -EINVAL);
	assert_string_equal(e.msg, "root element is <x:domain>, not <domain>");
	/* No e at all still gives the code. */
	assert_int_equal(vu_domain_parse(&dom, "<domain", 7, NULL), -EINVAL);
	assert_int_equal(vu_domain_load(&dom, FIXTURES "no-such.xml", NULL), -ENOENT);
	assert_int_equal(vu_domain_new(&dom, ""), -EINVAL);
	vu_domain_free(&dom);		/* NULL: nothing to do */
	vu_domain_free(NULL);
}

/* A name from a document is refused when it is read, by the command line's
 * rule: tools make paths of it. */
static void test_load_checks_name(void **state)
{
	static const struct { const char *name, *shown; } bad[] = {
		{ "../../../../tmp/victim", "../../../../tmp/victim" },
		{ "a/b", "a/b" },
		{ ".hidden", ".hidden" },
		{ "two\nlines", "two\\nlines" },
		{ "", "" },
	};
	char xml[1024], name[301], want[256];
	struct vu_domain *dom = NULL;
	struct vu_err e = { 0 };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(xml, sizeof(xml), "<domain type='kvm'><name>%s</name></domain>",
			 bad[i].name);
		assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), &e), -EINVAL);
		assert_null(dom);
		snprintf(want, sizeof(want), "invalid domain name '%s': letters, digits and "
			 "_.+:- only, not first . or -, 1 to 255 bytes", bad[i].shown);
		assert_string_equal(e.msg, want);
	}
	/* 300 bytes: the rule's message, shortened, not "File name too long". */
	memset(name, 'a', 300);
	name[300] = '\0';
	snprintf(xml, sizeof(xml), "<domain type='kvm'><name>%s</name></domain>", name);
	assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), &e), -EINVAL);
	assert_memory_equal(e.msg, "invalid domain name 'aaaa", 25);
	assert_non_null(strstr(e.msg, "a...': letters, digits and _.+:- only"));
	assert_true(strlen(e.msg) < 160);
	/* The name tools read is the first: a second one is refused outright. */
	snprintf(xml, sizeof(xml), "<domain type='kvm'><name>ok</name><name>../x</name></domain>");
	assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), &e), -EINVAL);
	assert_string_equal(e.msg, "more than one <name>");
	/* Text split by a comment is the text tools read. */
	snprintf(xml, sizeof(xml), "<domain type='kvm'><name>..<!-- -->/x</name></domain>");
	assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'../x'"));
	/* 255 bytes and a document without a name are fine. */
	name[255] = '\0';
	snprintf(xml, sizeof(xml), "<domain type='kvm'><name>%s</name></domain>", name);
	assert_int_equal(vu_domain_parse(&dom, xml, strlen(xml), &e), 0);
	vu_domain_free(&dom);
	assert_int_equal(vu_domain_parse(&dom, "<domain type='kvm'/>", 20, &e), 0);
	vu_domain_free(&dom);
}

/* "-" reads the document from stdin, as every tool's XML argument does. */
static void test_load_stdin(void **state)
{
	int saved = dup(STDIN_FILENO);
	int fd = open(FIXTURES "s2-sles11sp3.xml", O_RDONLY);
	struct vu_domain *dom = NULL;
	char *name = NULL;
	(void)state;

	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDIN_FILENO);
	close(fd);
	assert_int_equal(vu_domain_load(&dom, "-", NULL), 0);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_get(vu_domain_get_name(dom, &name), name, "SLES11SP3");
	vu_domain_free(&dom);
	assert_null(dom);
}

/* A new domain, filled by setters alone, is what libvirt accepts and is
 * written in libvirt's order whatever order the setters ran in. */
static void test_new_skeleton(void **state)
{
	struct vu_domain *dom = NULL;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_new(&dom, "kvm"), 0);
	s = vu_domain_format(dom);
	assert_string_equal(s, "<domain type=\"kvm\"/>\n");
	free(s);
	assert_int_equal(vu_domain_set_lifecycle(dom, "crash", "destroy"), 0);
	assert_int_equal(vu_domain_set_emulator(dom, "/usr/bin/qemu-system-x86_64"), 0);
	assert_int_equal(vu_domain_set_os_type(dom, "hvm", "x86_64", "pc"), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY, 1048576), 0);
	assert_int_equal(vu_domain_set_uuid(dom, "c7a5fdbd-cdaf-9455-926a-d65c16db1809"), 0);
	assert_int_equal(vu_domain_set_name(dom, "web1"), 0);
	assert_int_equal(vu_domain_set_vcpus(dom, 2, 0), 0);
	assert_int_equal(vu_domain_set_clock_offset(dom, "utc"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "apic"), 0);
	assert_int_equal(vu_domain_add_feature(dom, "acpi"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "poweroff", "destroy"), 0);
	assert_int_equal(vu_domain_set_lifecycle(dom, "reboot", "restart"), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY_CURRENT, 1048576), 0);
	assert_int_equal(vu_domain_set_cpu_mode(dom, "host-passthrough"), 0);
	assert_int_equal(vu_domain_set_description(dom, "a web server"), 0);
	assert_int_equal(vu_domain_set_title(dom, "Web 1"), 0);
	assert_children(dom, "", "name uuid title description memory currentMemory vcpu "
				 "os features cpu clock on_poweroff on_reboot on_crash devices");
	assert_children(dom, "features", "acpi apic");
	assert_valid(dom);
	s = vu_domain_format(dom);
	assert_non_null(strstr(s, "\n  <memory unit=\"KiB\">1048576</memory>\n"));
	assert_non_null(strstr(s, "\n  <vcpu placement=\"static\">2</vcpu>\n"));
	assert_non_null(strstr(s, "\n    <type arch=\"x86_64\" machine=\"pc\">hvm</type>\n"));
	free(s);
	vu_domain_free(&dom);
}

static void test_identity(void **state)
{
	struct vu_domain *dom = dom_fixture("foreign.xml");
	char uuid[VU_UUID_STRLEN], *s = NULL;
	(void)state;

	assert_get(vu_domain_get_type(dom, &s), s, "kvm");
	assert_int_equal(vu_domain_set_type(dom, "qemu"), 0);
	assert_get(vu_domain_get_type(dom, &s), s, "qemu");
	assert_int_equal(vu_domain_set_type(dom, NULL), -EINVAL);
	assert_get(vu_domain_get_name(dom, &s), s, "web1");
	assert_int_equal(vu_domain_set_name(dom, "web2"), 0);
	assert_get(vu_domain_get_name(dom, &s), s, "web2");
	assert_int_equal(vu_domain_set_name(dom, ""), -EINVAL);
	/* The 32-digit upper-case form is read as the canonical one. */
	assert_int_equal(vu_domain_get_uuid(dom, uuid), 0);
	assert_string_equal(uuid, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
	assert_get(vu_domain_get_title(dom, &s), s, NULL);
	assert_int_equal(vu_domain_set_title(dom, "two\nlines"), -EINVAL);
	assert_int_equal(vu_domain_set_title(dom, "Web <2> & co"), 0);
	assert_get(vu_domain_get_title(dom, &s), s, "Web <2> & co");
	assert_int_equal(vu_domain_set_description(dom, "line 1\nline 2 &amp;"), 0);
	assert_get(vu_domain_get_description(dom, &s), s, "line 1\nline 2 &amp;");
	/* Title and description go after uuid and genid, before metadata. */
	assert_children(dom, "", "name uuid genid title description metadata memory vcpu "
				 "sysinfo os futuristic-element features devices qemu:commandline");
	assert_int_equal(vu_domain_set_title(dom, NULL), 0);
	assert_int_equal(vu_domain_set_description(dom, NULL), 0);
	assert_get(vu_domain_get_title(dom, &s), s, NULL);
	assert_get(vu_domain_get_description(dom, &s), s, NULL);
	free(assert_round_trip(dom));
	vu_domain_free(&dom);
}

/* A new UUID is written canonically and carried into the SMBIOS system
 * uuid, which libvirt insists matches. */
static void test_uuid_edit(void **state)
{
	struct vu_domain *dom = dom_fixture("foreign.xml");
	char uuid[VU_UUID_STRLEN], fresh[VU_UUID_STRLEN], *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_set_uuid(dom, "not-a-uuid"), -EINVAL);
	assert_int_equal(vu_domain_get_uuid(dom, uuid), 0);
	assert_string_equal(uuid, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
	vu_uuid_generate(fresh);
	assert_int_equal(vu_domain_set_uuid(dom, fresh), 0);
	assert_int_equal(vu_domain_get_uuid(dom, uuid), 0);
	assert_string_equal(uuid, fresh);
	assert_get(vu_domain_get_sysinfo(dom, "system", "uuid", &s), s, fresh);
	assert_int_equal(vu_domain_set_uuid(dom, "0F0E0D0C0B0A09080706050403020100"), 0);
	assert_get(vu_domain_get(dom, "uuid", NULL, &s), s,
		   "0f0e0d0c-0b0a-0908-0706-050403020100");
	assert_get(vu_domain_get_sysinfo(dom, "system", "uuid", &s), s,
		   "0f0e0d0c-0b0a-0908-0706-050403020100");
	/* Other entries stay. */
	assert_get(vu_domain_get_sysinfo(dom, "system", "manufacturer", &s), s, "Example");
	/* Without sysinfo, none is created. */
	vu_domain_free(&dom);
	dom = dom_minimal();
	assert_int_equal(vu_domain_set_uuid(dom, fresh), 0);
	assert_null(vu_domain_find(dom, "sysinfo"));
	assert_children(dom, "", "name uuid os");
	assert_valid(dom);
	assert_int_equal(vu_domain_set_uuid(dom, NULL), 0);
	assert_int_equal(vu_domain_get_uuid(dom, uuid), -ENOENT);
	vu_domain_free(&dom);
}

static void test_remove_id(void **state)
{
	struct vu_domain *dom = dom_fixture("s1-rhelx86_64-live.xml");
	char *s = NULL;
	(void)state;

	assert_get(vu_domain_get(dom, "", "id", &s), s, "4");
	assert_int_equal(vu_domain_remove_id(dom), 0);
	assert_get(vu_domain_get(dom, "", "id", &s), s, NULL);
	assert_int_equal(vu_domain_remove_id(dom), 0);
	assert_valid(dom);
	vu_domain_free(&dom);
}

static void test_metadata_get(void **state)
{
	struct vu_domain *dom = dom_fixture("foreign.xml");
	char *s = NULL;
	(void)state;

	assert_non_null(vu_domain_metadata_node(dom, INSTALL_NS));
	assert_null(vu_domain_metadata_node(dom, "urn:none"));
	/* The prefix was declared on <domain>: the text declares it itself. */
	assert_get(vu_domain_get_metadata(dom, INSTALL_NS, &s), s,
		   "<vi:install xmlns:vi=\"https://virtutils.org/xmlns/install/1\" "
		   "phase=\"install\">\n"
		   "  <vi:kernel path=\"/var/lib/virtutils/boot/web1/vmlinuz\"/>\n"
		   "  <vi:cmdline>console=ttyS0 inst.ks=file:/ks.cfg</vi:cmdline>\n"
		   "</vi:install>\n");
	assert_get(vu_domain_get_metadata(dom, "urn:example:default-ns", &s), s,
		   "<other xmlns=\"urn:example:default-ns\">\n  <child attr=\"x\"/>\n</other>\n");
	assert_get(vu_domain_get_metadata(dom, "urn:none", &s), s, NULL);
	vu_domain_free(&dom);
}

/* Replacing one application's element leaves the others, in place. */
static void test_metadata_set(void **state)
{
	struct vu_domain *dom = dom_fixture("foreign.xml"), *orig = dom_fixture("foreign.xml");
	struct vu_err e = { 0 };
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_set_metadata(dom, "vi", INSTALL_NS,
						"<install phase='final'><done/></install>", &e), 0);
	assert_children(dom, "metadata", "vi:install app1:foo other");
	assert_get(vu_domain_get_metadata(dom, INSTALL_NS, &s), s,
		   "<vi:install xmlns:vi=\"https://virtutils.org/xmlns/install/1\" "
		   "phase=\"final\">\n  <vi:done/>\n</vi:install>\n");
	/* A fragment already in the namespace keeps its own prefix. */
	assert_int_equal(vu_domain_set_metadata(dom, "ignored", "http://app1.org/app1/",
						"<a:foo xmlns:a='http://app1.org/app1/'>new</a:foo>",
						&e), 0);
	assert_children(dom, "metadata", "vi:install a:foo other");
	/* The other namespaces were not touched. */
	assert_get(vu_domain_get_metadata(dom, "urn:example:default-ns", &s), s,
		   "<other xmlns=\"urn:example:default-ns\">\n  <child attr=\"x\"/>\n</other>\n");
	/* Errors: wrong namespace, no prefix, bad XML. */
	assert_int_equal(vu_domain_set_metadata(dom, "vi", INSTALL_NS,
						"<x:a xmlns:x='urn:x'/>", &e), -EINVAL);
	assert_string_equal(e.msg, "<a> is in namespace urn:x, not " INSTALL_NS);
	assert_int_equal(vu_domain_set_metadata(dom, NULL, INSTALL_NS, "<a/>", &e), -EINVAL);
	assert_int_equal(vu_domain_set_metadata(dom, "vi", INSTALL_NS, "<a>", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "line 1"));
	assert_int_equal(vu_domain_set_metadata(dom, "vi", "", "<a/>", &e), -EINVAL);
	/* Removing: only that namespace goes. */
	assert_int_equal(vu_domain_set_metadata(dom, NULL, INSTALL_NS, NULL, &e), 0);
	assert_children(dom, "metadata", "a:foo other");
	assert_int_equal(vu_domain_set_metadata(dom, NULL, INSTALL_NS, NULL, &e), 0);
	/* Putting the original back restores the document exactly. */
	vu_domain_free(&dom);
	dom = dom_fixture("foreign.xml");
	assert_int_equal(vu_domain_get_metadata(orig, INSTALL_NS, &s), 0);
	assert_int_equal(vu_domain_set_metadata(dom, "vi", INSTALL_NS, s, &e), 0);
	free(s);
	assert_children(dom, "metadata", "vi:install app1:foo other");
	assert_true(vu_xml_c14n_equal(vu_domain_doc(dom), vu_domain_doc(orig)));
	vu_domain_free(&orig);
	vu_domain_free(&dom);
}

/* <metadata> is created in its place, and goes when it is emptied. */
static void test_metadata_create(void **state)
{
	struct vu_domain *dom = dom_minimal();
	(void)state;

	assert_int_equal(vu_domain_set_uuid(dom, "c7a5fdbd-cdaf-9455-926a-d65c16db1809"), 0);
	assert_int_equal(vu_domain_set_metadata(dom, "vi", INSTALL_NS,
						"<install phase='install'><kernel path='/k'/>"
						"</install>", NULL), 0);
	assert_children(dom, "", "name uuid metadata os");
	assert_valid(dom);
	assert_int_equal(vu_domain_set_metadata(dom, "vi", INSTALL_NS, NULL, NULL), 0);
	assert_children(dom, "", "name uuid os");
	vu_domain_free(&dom);
}

static void test_path_access(void **state)
{
	struct vu_domain *dom = dom_minimal();
	xmlNodePtr node = NULL;
	uint64_t n = 0;
	char *s = NULL;
	(void)state;

	assert_int_equal(vu_domain_set(dom, "os/loader", NULL, "/usr/share/OVMF/OVMF_CODE.fd"), 0);
	assert_int_equal(vu_domain_set(dom, "os/loader", "readonly", "yes"), 0);
	assert_get(vu_domain_get(dom, "os/loader", "readonly", &s), s, "yes");
	assert_get(vu_domain_get(dom, "os/loader", "secure", &s), s, NULL);
	assert_get(vu_domain_get(dom, "os/nvram", NULL, &s), s, NULL);
	assert_int_equal(vu_domain_ensure(dom, "pm/suspend-to-mem", &node), 0);
	assert_int_equal(vu_node_set(node, NULL, "enabled", "no"), 0);
	assert_int_equal(vu_domain_set(dom, "pm/suspend-to-disk", "enabled", "no"), 0);
	assert_children(dom, "", "name os pm");
	assert_valid(dom);
	/* Bad paths. */
	assert_int_equal(vu_domain_set(dom, "os//loader", "x", "1"), -EINVAL);
	assert_int_equal(vu_domain_set(dom, "os/1bad", NULL, "1"), -EINVAL);
	assert_int_equal(vu_domain_set(dom, "perf/event/", "name", "x"), 0);
	assert_int_equal(vu_domain_remove(dom, "perf"), 0);
	assert_int_equal(vu_domain_set(dom, "perf/event/1bad", "name", "x"), -EINVAL);
	assert_null(vu_domain_find(dom, "perf"));
	assert_int_equal(vu_domain_set(dom, "os/loader", "bad attr", "1"), -EINVAL);
	assert_null(vu_domain_find(dom, "os/../name"));
	assert_int_equal(vu_domain_remove(dom, ""), -EINVAL);
	assert_int_equal(vu_domain_set(dom, "", NULL, "text"), -EINVAL);
	assert_int_equal(vu_domain_set(dom, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vu_domain_remove(dom, "pm"), 0);
	assert_int_equal(vu_domain_remove(dom, "pm"), -ENOENT);
	/* Removing the last attribute of a child removes the empty child. */
	assert_int_equal(vu_domain_set(dom, "os/loader", NULL, NULL), 0);
	assert_int_equal(vu_domain_set(dom, "clock", "offset", "utc"), 0);
	assert_int_equal(vu_domain_set(dom, "clock", "offset", NULL), 0);
	assert_null(vu_domain_find(dom, "clock"));
	/* Flags and numbers. */
	node = vu_domain_find(dom, "os");
	assert_false(vu_node_has(node, "bootmenu"));
	assert_int_equal(vu_node_flag(node, "acpi", true), 0);
	assert_true(vu_node_has(node, "acpi"));
	assert_int_equal(vu_node_flag(node, "acpi", false), 0);
	assert_false(vu_node_has(node, "acpi"));
	assert_int_equal(vu_domain_set(dom, "vcpu", NULL, "12"), 0);
	assert_int_equal(vu_node_get_uint(vu_domain_find(dom, ""), "vcpu", NULL, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(vu_domain_set(dom, "vcpu", NULL, "-1"), 0);
	assert_int_equal(vu_node_get_uint(vu_domain_find(dom, ""), "vcpu", NULL, &n), -EINVAL);
	assert_int_equal(vu_node_get_uint(vu_domain_find(dom, ""), "iothreads", NULL, &n), -ENOENT);
	vu_domain_free(&dom);
}

/* Text and attribute values are stored as given: no entity is expanded,
 * and the output escapes what it must. */
static void test_values_are_text(void **state)
{
	struct vu_domain *dom = dom_minimal();
	char *s = NULL, *text;
	(void)state;

	assert_int_equal(vu_domain_set_description(dom, "a &lt; b & <c>"), 0);
	assert_int_equal(vu_domain_set(dom, "os/cmdline", NULL, "ks=http://x/?a=1&b=2"), 0);
	assert_int_equal(vu_domain_set(dom, "os/type", "machine", "pc&q35"), 0);
	assert_get(vu_domain_get_description(dom, &s), s, "a &lt; b & <c>");
	assert_get(vu_domain_get(dom, "os/type", "machine", &s), s, "pc&q35");
	text = assert_round_trip(dom);
	assert_non_null(strstr(text, "<description>a &amp;lt; b &amp; &lt;c&gt;</description>"));
	assert_non_null(strstr(text, "machine=\"pc&amp;q35\""));
	free(text);
	vu_domain_free(&dom);
}

/* An element holding only white space gets children indented like any
 * other, and the result reads back the same. */
static void test_layout_whitespace(void **state)
{
	struct vu_domain *dom = dom_parse("<domain type='kvm'>\n  <name>t</name>\n"
					  "  <os>\n    <type>hvm</type>\n  </os>\n"
					  "  <features>\n  </features>\n"
					  "  <devices>\n\n  </devices>\n</domain>\n");
	char *text;
	(void)state;

	assert_int_equal(vu_domain_add_feature(dom, "acpi"), 0);
	assert_int_equal(vu_domain_add_input(dom, "tablet", "usb", NULL), 0);
	text = assert_round_trip(dom);
	assert_string_equal(text, "<domain type=\"kvm\">\n"
				  "  <name>t</name>\n"
				  "  <os>\n"
				  "    <type>hvm</type>\n"
				  "  </os>\n"
				  "  <features>\n"
				  "    <acpi/>\n"
				  "  </features>\n"
				  "  <devices>\n"
				  "    <input type=\"tablet\" bus=\"usb\"/>\n"
				  "  </devices>\n"
				  "</domain>\n");
	free(text);
	assert_valid(dom);
	vu_domain_free(&dom);

	/* Real text beside elements is content: it stays. */
	dom = dom_parse("<domain type='kvm'><name>t</name><metadata>note <b/> </metadata></domain>");
	assert_int_equal(vu_domain_ensure(dom, "metadata/c", NULL), 0);
	text = vu_domain_format(dom);
	assert_non_null(strstr(text, "<metadata>note <b/> <c/></metadata>"));
	free(text);
	vu_domain_free(&dom);
}

/* Edits everywhere in a document full of unknown things: what was not
 * edited is exactly as before. */
static void test_unknown_survives_edits(void **state)
{
	struct vu_domain *dom = dom_fixture("foreign.xml"), *orig = dom_fixture("foreign.xml");
	xmlNodePtr disk, iface;
	char *text;
	(void)state;

	assert_int_equal(vu_domain_set_name(dom, "web2"), 0);
	assert_int_equal(vu_domain_set_memory(dom, VU_MEMORY, 4194304), 0);
	assert_int_equal(vu_domain_add_feature(dom, "apic"), 0);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "cdrom", "hd" }, 2), 0);
	disk = vu_domain_find_disk(dom, "vda");
	assert_int_equal(vu_disk_set_source(disk, NULL, "/var/lib/virtutils/images/web2.qcow2"), 0);
	iface = vu_domain_dev_next(dom, "interface", NULL);
	assert_int_equal(vu_iface_set_mac(iface, "52:54:00:12:34:56"), 0);
	text = vu_domain_format(dom);
	/* Unknown attributes on edited elements, unknown children around them. */
	assert_non_null(strstr(text, "<domain xmlns:qemu=\"http://libvirt.org/schemas/domain/"
				     "qemu/1.0\" xmlns:vi=\"https://virtutils.org/xmlns/install/1\" "
				     "type=\"kvm\" future-attr=\"kept\">"));
	assert_non_null(strstr(text, "<memory unit=\"KiB\" dumpCore=\"off\">4194304</memory>"));
	assert_non_null(strstr(text, "<os firmware-hint=\"none\">"));
	assert_non_null(strstr(text, "    <futuristic-boot-option value=\"1\"/>\n"
				     "    <boot dev=\"cdrom\"/>\n    <boot dev=\"hd\"/>\n"));
	assert_non_null(strstr(text, "<!-- a comment between elements -->"));
	assert_non_null(strstr(text, "<source file=\"/var/lib/virtutils/images/web2.qcow2\">\n"
				     "        <future-source-child/>\n"));
	assert_non_null(strstr(text, "<qemu:unknown-but-namespaced x=\"1\"/>"));
	assert_non_null(strstr(text, "<future-tuning level=\"high\"/>"));
	assert_non_null(strstr(text, "<hovercraft eels=\"full\"/>"));
	assert_non_null(strstr(text, "<qemu:arg value=\"-no-user-config\"/>"));
	assert_non_null(strstr(text, ">keep &amp; me <app1:inner/></app1:foo>"));
	free(text);
	/* Undo every edit: the documents are equal again. */
	assert_int_equal(vu_domain_set_name(dom, "web1"), 0);
	assert_int_equal(vu_domain_set(dom, "memory", NULL, "2"), 0);
	assert_int_equal(vu_domain_set(dom, "memory", "unit", "GiB"), 0);
	assert_int_equal(vu_domain_remove_feature(dom, "apic"), 0);
	assert_int_equal(vu_domain_set_boot_devs(dom, (const char *[]){ "hd" }, 1), 0);
	assert_int_equal(vu_disk_set_source(disk, NULL, "/var/lib/virtutils/images/web1.qcow2"), 0);
	assert_int_equal(vu_domain_set(dom, "devices/interface/mac", "address",
				       "52:54:00:0A:CA:84"), 0);
	assert_true(vu_xml_c14n_equal(vu_domain_doc(dom), vu_domain_doc(orig)));
	vu_domain_free(&orig);
	vu_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_round_trip),
		cmocka_unit_test(test_fixtures_still_validate),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_checks_name),
		cmocka_unit_test(test_load_stdin),
		cmocka_unit_test(test_new_skeleton),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_uuid_edit),
		cmocka_unit_test(test_remove_id),
		cmocka_unit_test(test_metadata_get),
		cmocka_unit_test(test_metadata_set),
		cmocka_unit_test(test_metadata_create),
		cmocka_unit_test(test_path_access),
		cmocka_unit_test(test_values_are_text),
		cmocka_unit_test(test_layout_whitespace),
		cmocka_unit_test(test_unknown_survives_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
