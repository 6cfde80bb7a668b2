/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_xmlnode.c - the node module: lookups by name and path, get and set
 * with -ENOENT for absent, creation in libvirt's order per document kind,
 * namespaces, removal */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vu/xmlnode.h"

#include "domain_test.h"	/* assert_get, child_names */

static xmlDocPtr parse(const char *xml)
{
	struct vu_err e = { 0 };
	xmlDocPtr doc = vu_xml_parse(xml, strlen(xml), &e);

	if (!doc)
		fail_msg("parse failed: %s", vu_err_str(&e));
	return doc;
}

static xmlNodePtr root(xmlDocPtr doc)
{
	return xmlDocGetRootElement(doc);
}

#define assert_names(node, want) do { \
	char buf_[512]; \
	assert_string_equal(child_names((node), buf_, sizeof(buf_)), (want)); \
} while (0)

/* Whatever is absent is -ENOENT with *out NULL: a missing attribute, a
 * missing element on the path, a NULL node; and lookups give NULL. */
static void test_absent(void **state)
{
	xmlDocPtr doc = parse("<disk type='file'><source file='/a'/><target/></disk>");
	xmlNodePtr disk = root(doc);
	uint64_t n = 7;
	char *s = (char *)"junk";

	(void)state;
	assert_get(vu_node_get(disk, NULL, "device", &s), s, NULL);
	assert_get(vu_node_get(disk, "target", "dev", &s), s, NULL);
	assert_get(vu_node_get(disk, "driver", "type", &s), s, NULL);
	assert_get(vu_node_get(disk, "driver/x/y", NULL, &s), s, NULL);
	assert_get(vu_node_get(NULL, "source", "file", &s), s, NULL);
	assert_int_equal(vu_node_get_uint(disk, "boot", "order", &n), -ENOENT);
	assert_int_equal(vu_node_get(disk, NULL, "type", NULL), -EINVAL);
	assert_null(vu_node_find(disk, "driver"));
	assert_null(vu_node_find(disk, "source/x"));
	assert_null(vu_node_find(NULL, "source"));
	assert_null(vu_node_child(disk, "driver"));
	assert_null(vu_node_child(NULL, "source"));
	assert_null(vu_node_next(vu_node_child(disk, "target"), NULL));
	assert_false(vu_node_has(disk, "driver"));
	assert_false(vu_node_value_is(disk, NULL, "device", "disk"));
	assert_int_equal(vu_node_count(disk, "driver"), 0);
	assert_int_equal(vu_node_count(NULL, "driver"), 0);
	xmlFreeDoc(doc);
}

/* Attributes and text, by path; the node itself for NULL or "". */
static void test_get_set(void **state)
{
	xmlDocPtr doc = parse("<disk type='file'><source file='/a'/><serial>S1</serial></disk>");
	xmlNodePtr disk = root(doc);
	const char *attrs[] = { "device", "cdrom", "skipped", NULL, "bus", "ide", NULL };
	uint64_t n = 0;
	char *s = NULL;

	(void)state;
	assert_get(vu_node_get(disk, NULL, "type", &s), s, "file");
	assert_get(vu_node_get(disk, "", "type", &s), s, "file");
	assert_get(vu_node_get(disk, "source", "file", &s), s, "/a");
	assert_get(vu_node_get(disk, "serial", NULL, &s), s, "S1");
	assert_true(vu_node_value_is(disk, "serial", NULL, "S1"));
	assert_false(vu_node_value_is(disk, "serial", NULL, "S2"));
	assert_false(vu_node_value_is(disk, "serial", NULL, NULL));

	assert_int_equal(vu_node_set(disk, "source", "file", "/b"), 0);
	assert_get(vu_node_get(disk, "source", "file", &s), s, "/b");
	assert_int_equal(vu_node_set(disk, "serial", NULL, "a&b<c"), 0);
	assert_get(vu_node_get(disk, "serial", NULL, &s), s, "a&b<c");
	assert_int_equal(vu_node_set(disk, "boot", "order", "2"), 0);
	assert_int_equal(vu_node_get_uint(disk, "boot", "order", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(vu_node_set(disk, "boot", "order", "two"), 0);
	assert_int_equal(vu_node_get_uint(disk, "boot", "order", &n), -EINVAL);

	/* Bad arguments. */
	assert_int_equal(vu_node_set(NULL, "source", "file", "/c"), -EINVAL);
	assert_int_equal(vu_node_set(disk, "source", "bad name", "x"), -EINVAL);
	assert_int_equal(vu_node_set(disk, "a//b", "x", "y"), -EINVAL);
	assert_int_equal(vu_node_set(disk, NULL, NULL, NULL), -EINVAL);
	assert_null(vu_node_find(disk, "a"));
	assert_int_equal(vu_node_set_attrs(disk, attrs), 0);
	assert_get(vu_node_get(disk, NULL, "device", &s), s, "cdrom");
	assert_get(vu_node_get(disk, NULL, "bus", &s), s, "ide");
	assert_get(vu_node_get(disk, NULL, "skipped", &s), s, NULL);
	xmlFreeDoc(doc);
}

/* Setting creates every missing step; removing an attribute removes the
 * element it leaves empty, never the node itself; removing text (attr
 * NULL) removes the element. */
static void test_ensure_and_unset(void **state)
{
	xmlDocPtr doc = parse("<interface type='network'/>");
	xmlNodePtr iface = root(doc), params = NULL, again = NULL;
	char *s = NULL;

	(void)state;
	assert_int_equal(vu_node_ensure(iface, "virtualport/parameters", &params), 0);
	assert_non_null(params);
	assert_int_equal(vu_node_ensure(iface, "virtualport/parameters", &again), 0);
	assert_ptr_equal(params, again);
	assert_int_equal(vu_node_count(iface, "virtualport"), 1);
	assert_int_equal(vu_node_ensure(iface, "virtualport/bad name", NULL), -EINVAL);
	assert_null(vu_node_find(iface, "virtualport/bad name"));

	assert_int_equal(vu_node_set(iface, "virtualport/parameters", "interfaceid", "u1"), 0);
	assert_int_equal(vu_node_set(iface, "virtualport/parameters", "interfaceid", NULL), 0);
	assert_null(vu_node_find(iface, "virtualport/parameters"));
	assert_non_null(vu_node_find(iface, "virtualport"));
	assert_int_equal(vu_node_set(iface, NULL, "type", NULL), 0);
	assert_ptr_equal(root(doc), iface);
	assert_get(vu_node_get(iface, NULL, "type", &s), s, NULL);
	assert_int_equal(vu_node_set(iface, "virtualport", NULL, NULL), 0);
	assert_null(vu_node_find(iface, "virtualport"));
	assert_int_equal(vu_node_set(iface, "nothing/here", "x", NULL), 0);

	assert_int_equal(vu_node_flag(iface, "link", true), 0);
	assert_true(vu_node_has(iface, "link"));
	assert_int_equal(vu_node_flag(iface, "link", true), 0);
	assert_int_equal(vu_node_count(iface, "link"), 1);
	assert_int_equal(vu_node_flag(iface, "link", false), 0);
	assert_false(vu_node_has(iface, "link"));
	assert_int_equal(vu_node_flag(iface, "", true), -EINVAL);
	assert_false(vu_node_has(iface, ""));
	xmlFreeDoc(doc);
}

/* In a domain, new elements go where libvirt writes them: after the last
 * sibling libvirt writes before them, past unknown ones (another
 * namespace's too); what no table ranks goes at the end. */
static void test_domain_order(void **state)
{
	xmlDocPtr doc = parse("<domain type='kvm'><name>t</name><x:y xmlns:x='urn:x'/>"
			      "<devices><disk/><graphics/></devices><on_crash>destroy</on_crash>"
			      "<unknown/></domain>");
	xmlNodePtr dom = root(doc), devices = vu_node_child(dom, "devices"), n;

	(void)state;
	assert_int_equal(vu_node_insert(dom, "uuid", NULL, NULL), 0);
	assert_int_equal(vu_node_insert(dom, "memory", "1024", NULL), 0);
	assert_int_equal(vu_node_insert(dom, "seclabel", NULL, NULL), 0);
	assert_int_equal(vu_node_insert(dom, "zzz", NULL, NULL), 0);
	assert_names(dom, "name x:y uuid memory devices on_crash unknown seclabel zzz");
	assert_int_equal(vu_node_insert(devices, "interface", NULL, &n), 0);
	assert_int_equal(vu_node_insert(devices, "emulator", "/usr/bin/qemu", NULL), 0);
	assert_names(devices, "emulator disk interface graphics");
	assert_int_equal(vu_node_ensure(n, "model", NULL), 0);
	assert_int_equal(vu_node_ensure(n, "mac", NULL), 0);
	assert_names(n, "mac model");

	/* An element placed by hand lands the same way. */
	n = xmlNewDocNode(doc, NULL, (const xmlChar *)"title", NULL);
	assert_int_equal(vu_node_place(dom, n), 0);
	assert_ptr_equal(vu_node_next(vu_node_child(dom, "uuid"), NULL), n);
	assert_int_equal(vu_node_place(NULL, n), -EINVAL);
	xmlFreeDoc(doc);
}

/* Pools have libvirt's order too; a document of a kind no table knows
 * gets new elements at the end. */
static void test_other_kinds(void **state)
{
	xmlDocPtr pool = parse("<pool type='dir'><name>p</name><target/></pool>");
	xmlDocPtr other = parse("<other><b/><a/></other>");

	(void)state;
	assert_int_equal(vu_node_insert(root(pool), "available", "3", NULL), 0);
	assert_int_equal(vu_node_insert(root(pool), "capacity", "1", NULL), 0);
	assert_int_equal(vu_node_insert(root(pool), "uuid", NULL, NULL), 0);
	assert_names(root(pool), "name uuid capacity available target");
	assert_int_equal(vu_node_insert(root(other), "name", NULL, NULL), 0);
	assert_names(root(other), "b a name");
	xmlFreeDoc(pool);
	xmlFreeDoc(other);
}

/* Children are matched in their parent's namespace, and new ones take it:
 * an application's record under <metadata> is read and built like
 * libvirt's elements, and neither is mistaken for the other. */
static void test_namespaces(void **state)
{
	xmlDocPtr doc = parse("<domain><metadata><i:rec xmlns:i='urn:i'><i:boot dev='hd'/>"
			      "<boot dev='cd'/></i:rec><boot/></metadata></domain>");
	xmlNodePtr md = vu_node_find(root(doc), "metadata"), rec, b;
	char *s = NULL;

	(void)state;
	assert_null(vu_node_child(md, "rec"));
	rec = md->children;
	assert_false(vu_node_is(rec, "rec"));
	assert_int_equal(vu_node_count(md, NULL), 1);
	assert_int_equal(vu_node_count(rec, "boot"), 1);
	assert_get(vu_node_get(rec, "boot", "dev", &s), s, "hd");
	assert_int_equal(vu_node_insert(rec, "kernel", "/vmlinuz", &b), 0);
	assert_non_null(b->ns);
	assert_string_equal((const char *)b->ns->href, "urn:i");
	assert_ptr_equal(vu_node_next(vu_node_child(rec, "boot"), NULL), b);
	assert_get(vu_node_get(rec, "kernel", NULL, &s), s, "/vmlinuz");
	xmlFreeDoc(doc);
}

/* Removal: one node, every child of a name, or a node left empty. */
static void test_remove(void **state)
{
	xmlDocPtr doc = parse("<d><a/><b x='1'/><a><c/></a><b/><a/></d>");
	xmlNodePtr d = root(doc);

	(void)state;
	vu_node_remove(NULL);
	vu_node_remove_all(d, "a");
	assert_names(d, "b b");
	vu_node_remove_if_empty(vu_node_child(d, "b"));
	assert_names(d, "b b");
	vu_node_remove_if_empty(vu_node_next(vu_node_child(d, "b"), "b"));
	assert_names(d, "b");
	vu_node_remove(vu_node_child(d, "b"));
	assert_names(d, "");
	vu_node_remove_all(d, "none");
	xmlFreeDoc(doc);
}

/* White space that was only layout goes when an element gets a child, so
 * the output is indented afresh; text beside elements stays. */
static void test_layout_text(void **state)
{
	xmlDocPtr doc = parse("<domain><devices>\n  </devices><description>hi <b/></description>"
			      "</domain>");
	xmlNodePtr devices = vu_node_find(root(doc), "devices");
	xmlNodePtr desc = vu_node_find(root(doc), "description");
	char *s = NULL;

	(void)state;
	assert_int_equal(vu_node_insert(devices, "disk", NULL, NULL), 0);
	assert_ptr_equal(devices->children, vu_node_child(devices, "disk"));
	assert_null(devices->children->next);
	assert_int_equal(vu_node_insert(desc, "c", NULL, NULL), 0);
	assert_get(vu_node_get(desc, NULL, NULL, &s), s, "hi ");
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_get_set),
		cmocka_unit_test(test_ensure_and_unset),
		cmocka_unit_test(test_domain_order),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_layout_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
