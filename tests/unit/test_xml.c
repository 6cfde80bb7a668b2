/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_xml.c - safe loading, libvirt-style output, C14N round trips and
 * RelaxNG validation against libvirt's own schemas */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/xml.h"

#define DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"
#define MARKER "SECRET-MARKER-42"

static const char domain_xml[] =
	"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
	"  <name>web1</name>\n"
	"  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>\n"
	"  <metadata>\n"
	"    <vi:install xmlns:vi=\"https://virtutils.org/xmlns/install/1\" phase=\"install\">\n"
	"      <vi:kernel path=\"/var/lib/virtutils/boot/vmlinuz\"/>\n"
	"      <vi:cmdline>console=ttyS0 inst.ks=file:/ks.cfg</vi:cmdline>\n"
	"    </vi:install>\n"
	"    <other:thing xmlns:other='urn:example:other' b=\"2\" a='1'>keep &amp; me</other:thing>\n"
	"  </metadata>\n"
	"  <memory unit='KiB'>1048576</memory>\n"
	"  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n"
	"  <futuristic-element mode=\"new\"><child/></futuristic-element>\n"
	"  <devices>\n"
	"    <disk type='file' device='disk'>\n"
	"      <source file='/var/lib/virtutils/images/web1.qcow2'/>\n"
	"      <target dev='vda' bus='virtio'/>\n"
	"    </disk>\n"
	"  </devices>\n"
	"  <qemu:commandline><qemu:arg value='-no-user-config'/></qemu:commandline>\n"
	"</domain>\n";

static const char minimal_domain[] =
	"<domain type='kvm'><name>t</name><memory>1048576</memory>"
	"<os><type>hvm</type></os></domain>";

static xmlDocPtr parse_ok(const char *s)
{
	struct vu_err e = { 0 };
	xmlDocPtr doc = vu_xml_parse(s, strlen(s), &e);

	if (!doc)
		fail_msg("parse failed: %s", vu_err_str(&e));
	return doc;
}

struct quiet {
	int fd;
	int saved;
};

/* Errors belong in struct vu_err: libxml2 must print nothing meanwhile. */
static void quiet_begin(struct quiet *q)
{
	char path[] = "/tmp/test_xml.XXXXXX";

	q->fd = mkstemp(path);
	q->saved = dup(STDERR_FILENO);
	assert_true(q->fd >= 0 && q->saved >= 0);
	unlink(path);
	fflush(stderr);
	dup2(q->fd, STDERR_FILENO);
}

static void quiet_end(struct quiet *q)
{
	char buf[256];
	ssize_t n;

	fflush(stderr);
	dup2(q->saved, STDERR_FILENO);
	close(q->saved);
	n = pread(q->fd, buf, sizeof(buf) - 1, 0);
	close(q->fd);
	buf[n > 0 ? n : 0] = '\0';
	assert_string_equal(buf, "");
}

static xmlDocPtr parse_quietly(const char *s, struct vu_err *e)
{
	struct quiet q;
	xmlDocPtr doc;

	quiet_begin(&q);
	doc = vu_xml_parse(s, strlen(s), e);
	quiet_end(&q);
	return doc;
}

static void test_round_trip(void **state)
{
	xmlDocPtr orig = parse_ok(domain_xml), again;
	char *out;
	(void)state;

	out = vu_xml_format(orig);
	assert_non_null(out);
	again = parse_ok(out);
	assert_true(vu_xml_c14n_equal(orig, again));
	/* Unknown elements, foreign namespaces and metadata all survive. */
	assert_non_null(strstr(out, "\n  <futuristic-element mode=\"new\">\n    <child/>\n"));
	assert_non_null(strstr(out, "\n      <vi:kernel path=\"/var/lib/virtutils/boot/vmlinuz\"/>\n"));
	assert_non_null(strstr(out, "xmlns:vi=\"https://virtutils.org/xmlns/install/1\""));
	assert_non_null(strstr(out, ">keep &amp; me</other:thing>"));
	assert_non_null(strstr(out, "<qemu:arg value=\"-no-user-config\"/>"));
	/* As libvirt writes it: no declaration, final newline. */
	assert_memory_equal(out, "<domain ", 8);
	assert_null(strstr(out, "<?xml"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_int_equal(out[strlen(out) - 2], '>');
	free(out);
	xmlFreeDoc(again);
	xmlFreeDoc(orig);
}

static void test_format_reindents(void **state)
{
	xmlDocPtr doc = parse_ok("<domain>  <name>x</name>\n\n<devices><disk type='file'/>"
				 "</devices>   </domain>");
	char *out = vu_xml_format(doc);
	(void)state;

	assert_string_equal(out, "<domain>\n"
				 "  <name>x</name>\n"
				 "  <devices>\n"
				 "    <disk type=\"file\"/>\n"
				 "  </devices>\n"
				 "</domain>\n");
	free(out);
	xmlFreeDoc(doc);
	/* UTF-8 text stays text. */
	doc = parse_ok("<domain><description>caf\xc3\xa9</description></domain>");
	out = vu_xml_format(doc);
	assert_non_null(strstr(out, "caf\xc3\xa9"));
	free(out);
	xmlFreeDoc(doc);
	assert_null(vu_xml_format(NULL));
}

static void test_c14n(void **state)
{
	xmlDocPtr a = parse_ok("<d xmlns:m='urn:m'><e a=\"1\" b='2'/><m:x/></d>");
	xmlDocPtr b = parse_ok("<d xmlns:m=\"urn:m\"><e b=\"2\" a='1'></e><!-- c --><m:x/></d>");
	xmlDocPtr c = parse_ok("<d xmlns:m='urn:m'><e a=\"1\" b='3'/><m:x/></d>");
	xmlDocPtr d = parse_ok("<d xmlns:m='urn:other'><e a=\"1\" b='2'/><m:x/></d>");
	(void)state;

	assert_true(vu_xml_c14n_equal(a, b));
	assert_false(vu_xml_c14n_equal(a, c));
	assert_false(vu_xml_c14n_equal(a, d));
	assert_false(vu_xml_c14n_equal(a, NULL));
	xmlFreeDoc(a);
	xmlFreeDoc(b);
	xmlFreeDoc(c);
	xmlFreeDoc(d);
}

/* What C14N cannot take is "not equal", said quietly. */
static void test_c14n_refused(void **state)
{
	xmlDocPtr ent = parse_ok("<!DOCTYPE d [<!ENTITY x 'abc'>]><d><e>&x;</e></d>");
	xmlDocPtr rel = parse_ok("<d xmlns='relative/uri'/>");
	xmlDocPtr abs = parse_ok("<d xmlns='urn:ok'><e xmlns=''/></d>");
	struct quiet q;
	(void)state;

	quiet_begin(&q);
	assert_false(vu_xml_c14n_equal(ent, ent));
	assert_false(vu_xml_c14n_equal(rel, rel));
	assert_true(vu_xml_c14n_equal(abs, abs));
	quiet_end(&q);
	xmlFreeDoc(ent);
	xmlFreeDoc(rel);
	xmlFreeDoc(abs);
}

static void skip_without_schemas(void)
{
	if (access(DOMAIN_RNG, R_OK) < 0) {
		print_message("# skip: no %s (package libvirt0)\n", DOMAIN_RNG);
		skip();
	}
}

static void test_validate(void **state)
{
	struct vu_err e = { 0 };
	xmlDocPtr doc, again;
	char *out;
	(void)state;

	skip_without_schemas();
	doc = parse_ok(minimal_domain);
	assert_int_equal(vu_xml_validate(doc, DOMAIN_RNG, &e), 0);
	/* What we write validates too. */
	out = vu_xml_format(doc);
	again = parse_ok(out);
	assert_int_equal(vu_xml_validate(again, DOMAIN_RNG, &e), 0);
	free(out);
	xmlFreeDoc(again);
	xmlFreeDoc(doc);
}

static void test_validate_rejects(void **state)
{
	struct vu_err e = { 0 };
	xmlDocPtr doc;
	(void)state;

	skip_without_schemas();
	doc = parse_ok("<domain type='kvm'>\n<name>t</name>\n<bogus/>\n<memory>1</memory>"
		       "<os><type>hvm</type></os></domain>");
	assert_int_equal(vu_xml_validate(doc, DOMAIN_RNG, &e), -EINVAL);
	assert_int_equal(e.code, EINVAL);
	assert_memory_equal(e.msg, "line ", 5);
	assert_true(strlen(e.msg) > 10);
	xmlFreeDoc(doc);

	doc = parse_ok("<domain type='no-such-hypervisor'><name>t</name><memory>1</memory>"
		       "<os><type>hvm</type></os></domain>");
	assert_int_equal(vu_xml_validate(doc, DOMAIN_RNG, &e), -EINVAL);
	xmlFreeDoc(doc);
}

static void test_validate_bad_schema(void **state)
{
	char path[] = "/tmp/test_xml.XXXXXX";
	struct vu_err e = { 0 };
	xmlDocPtr doc = parse_ok(minimal_domain);
	int fd = mkstemp(path);
	(void)state;

	struct quiet q;

	assert_int_equal(vu_xml_validate(doc, "/nonexistent/domain.rng", &e), -ENOENT);
	assert_string_equal(e.msg, "schema /nonexistent/domain.rng: No such file or directory");
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "<notrelaxng/>", 13), 13);
	quiet_begin(&q);
	assert_int_equal(vu_xml_validate(doc, path, &e), -EBADMSG);
	quiet_end(&q);
	assert_memory_equal(e.msg, "schema ", 7);
	/* not even XML */
	assert_int_equal(pwrite(fd, "not xml at all", 14, 0), 14);
	quiet_begin(&q);
	assert_int_equal(vu_xml_validate(doc, path, &e), -EBADMSG);
	quiet_end(&q);
	assert_non_null(strstr(e.msg, ": line 1 column 1: "));
	close(fd);
	unlink(path);
	xmlFreeDoc(doc);
}

/* A file named by an external entity must never be read. */
static void check_entity_not_read(const char *fmt, const char *target, const char *leak)
{
	char xml[512];
	struct vu_err e = { 0 };
	xmlDocPtr doc;

	snprintf(xml, sizeof(xml), fmt, target);
	doc = parse_quietly(xml, &e);
	if (doc) {
		char *out = vu_xml_format(doc);

		assert_non_null(out);
		if (strstr(out, leak))
			fail_msg("%s was read: %s", target, out);
		free(out);
		xmlFreeDoc(doc);
	}
	assert_null(strstr(e.msg, leak));
}

static void test_external_entities(void **state)
{
	char path[] = "/tmp/test_xml.XXXXXX";
	static const char secret[] = "<!ENTITY leak \"" MARKER "\">" MARKER;
	char url[64];
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, secret, strlen(secret)), (ssize_t)strlen(secret));
	close(fd);
	snprintf(url, sizeof(url), "file://%s", path);

	check_entity_not_read("<!DOCTYPE domain [<!ENTITY x SYSTEM \"%s\">]>"
			      "<domain><name>&x;</name></domain>", url, MARKER);
	check_entity_not_read("<!DOCTYPE domain [<!ENTITY x SYSTEM \"%s\">]>"
			      "<domain><name>&x;</name></domain>", "file:///etc/passwd", "root:");
	check_entity_not_read("<!DOCTYPE domain [<!ENTITY % p SYSTEM \"%s\"> %%p;]>"
			      "<domain><name>&leak;</name></domain>", url, MARKER);
	check_entity_not_read("<!DOCTYPE domain SYSTEM \"%s\"><domain/>", url, MARKER);
	/* The reference itself is kept, unexpanded. */
	{
		struct vu_err e = { 0 };
		char xml[256];
		xmlDocPtr doc;
		char *out;

		snprintf(xml, sizeof(xml), "<!DOCTYPE domain [<!ENTITY x SYSTEM \"%s\">]>"
			 "<domain><name>&x;</name></domain>", url);
		doc = parse_quietly(xml, &e);
		assert_non_null(doc);
		out = vu_xml_format(doc);
		assert_non_null(strstr(out, "<name>&x;</name>"));
		free(out);
		xmlFreeDoc(doc);
	}
	unlink(path);
}

static void test_parse_errors(void **state)
{
	struct vu_err e = { 0 };
	int line = 0, col = 0;
	(void)state;

	assert_null(parse_quietly("<domain>\n  <name>x</name>\n  <bad attr=1/>\n</domain>\n", &e));
	assert_int_equal(e.code, EINVAL);
	assert_int_equal(sscanf(e.msg, "line %d column %d: ", &line, &col), 2);
	assert_int_equal(line, 3);
	assert_true(col > 0 && col <= 15);
	assert_null(strchr(e.msg, '\n'));

	assert_null(parse_quietly("<domain>\n<name>x</nam>\n</domain>", &e));
	assert_int_equal(sscanf(e.msg, "line %d column %d: ", &line, &col), 2);
	assert_int_equal(line, 2);

	/* An undeclared prefix is an error, though libxml2 builds a tree. */
	assert_null(parse_quietly("<domain><x:y/></domain>", &e));
	assert_int_equal(e.code, EINVAL);
	assert_non_null(strstr(e.msg, "x"));

	assert_null(vu_xml_parse("", 0, &e));
	assert_int_equal(e.code, EINVAL);
	assert_string_equal(e.msg, "document is empty");
	assert_null(parse_quietly("<a>", NULL));	/* e may be NULL */
}

/* A document of n copies of piece between head and tail, built here. */
static char *repeat(const char *head, const char *piece, size_t n, const char *tail,
		    size_t *len)
{
	size_t hl = strlen(head), pl = strlen(piece), tl = strlen(tail);
	char *buf = malloc(hl + n * (pl + 12) + tl + 1), *p = buf;

	assert_non_null(buf);
	p += sprintf(p, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, piece, (unsigned)i);
	p += sprintf(p, "%s", tail);
	*len = (size_t)(p - buf);
	return buf;
}

/* Work per document is bounded before libxml2 sees it: 200 000 attributes
 * on one element would take libxml2 minutes (it compares each with all the
 * earlier ones). */
static void test_shape_bounds(void **state)
{
	static const struct {
		const char *head, *piece, *tail;
		size_t n;
		const char *msg;
	} cases[] = {
		{ "<domain>\n<x ", "a%u='1' ", "/></domain>", 200000,
		  "line 2: an element with more than 1000 attributes" },
		{ "<domain>", "<x a%u='1'/>", "</domain>", 1001, NULL },
		{ "<domain>", "<x/>", "</domain>", 200000,
		  "line 1: more than 100000 elements and attributes" },
		{ "<domain>", "<x xmlns:p%u='urn:x'/>", "</domain>", 1001,
		  "line 1: more than 1000 namespace declarations" },
		{ "<domain>", "<x xmlns='urn:%u'/>", "</domain>", 1001,
		  "line 1: more than 1000 namespace declarations" },
		/* Quoted '>' and markup in comments are no tags of their own. */
		{ "<domain a='>'><!-- <x a='1' b='2'> -->", "<x a='%u&gt;'/>", "</domain>",
		  900, NULL },
		{ "<domain><!--", "<x a='%u' b='1'/>", "--></domain>", 90000, NULL },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vu_err e = { 0 };
		size_t len;
		char *xml = repeat(cases[i].head, cases[i].piece, cases[i].n, cases[i].tail,
				   &len);
		xmlDocPtr doc = vu_xml_parse(xml, len, &e);

		if (!cases[i].msg) {
			if (!doc)
				fail_msg("case %zu refused: %s", i, vu_err_str(&e));
			xmlFreeDoc(doc);
		} else {
			assert_null(doc);
			assert_int_equal(e.code, EINVAL);
			assert_string_equal(e.msg, cases[i].msg);
		}
		free(xml);
	}
}

/* XML allows no NUL: libxml2 would end the document there and drop the
 * rest without a word. */
static void test_nul_byte(void **state)
{
	static const char doc1[] = "<domain><name>a</name></domain>\0<junk";
	static const char doc2[] = "<domain>\n<name>a\0b</name></domain>";
	struct vu_err e = { 0 };
	(void)state;

	assert_null(vu_xml_parse(doc1, sizeof(doc1) - 1, &e));
	assert_string_equal(e.msg, "line 1: a NUL byte (XML allows none)");
	assert_null(vu_xml_parse(doc2, sizeof(doc2) - 1, &e));
	assert_string_equal(e.msg, "line 2: a NUL byte (XML allows none)");
}

/* libxml2 puts a second line in some messages and quotes values with
 * newlines in others: ours are one line. */
static void test_errors_one_line(void **state)
{
	static const char *const docs[] = {
		"<domain><name>n\xffl</name></domain>",
		"<domain><name>a</name>\n\n<\xc3\x28/></domain>",
	};
	struct vu_err e = { 0 };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		assert_null(parse_quietly(docs[i], &e));
		assert_int_equal(e.code, EINVAL);
		if (strpbrk(e.msg, "\n\r\t"))
			fail_msg("not one line: %s", e.msg);
	}
	assert_null(parse_quietly(docs[0], &e));
	assert_non_null(strstr(e.msg, "UTF-8"));
	assert_non_null(strstr(e.msg, " Bytes: 0xFF"));
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_xml.XXXXXX";
	struct vu_err e = { 0 };
	int fd = mkstemp(path), saved;
	xmlDocPtr doc;
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, minimal_domain, strlen(minimal_domain)),
			 (ssize_t)strlen(minimal_domain));
	doc = vu_xml_load(path, &e);
	assert_non_null(doc);
	assert_string_equal((const char *)xmlDocGetRootElement(doc)->name, "domain");
	xmlFreeDoc(doc);

	/* "-" is stdin */
	saved = dup(STDIN_FILENO);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	dup2(fd, STDIN_FILENO);
	doc = vu_xml_load("-", &e);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	close(fd);
	unlink(path);

	assert_null(vu_xml_load(path, &e));
	assert_int_equal(e.code, ENOENT);
	assert_string_equal(vu_err_str(&e), strerror(ENOENT));
	assert_null(vu_xml_load("/", &e));
	assert_int_equal(e.code, EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_reindents),
		cmocka_unit_test(test_c14n),
		cmocka_unit_test(test_c14n_refused),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_validate_bad_schema),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_shape_bounds),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_errors_one_line),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
