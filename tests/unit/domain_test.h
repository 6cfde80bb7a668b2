/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domain_test.h - helpers the test_domain*.c files share: documents from
 * text and fixtures, schema validation, round trips, element order */
#ifndef DOMAIN_TEST_H
#define DOMAIN_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/domainxml.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"

/* Relative to the top of the tree, where tests/run-all runs the tests. */
#define FIXTURES "tests/fixtures/domains/"

/* The least a domain needs to validate against libvirt's schema. */
#define MINIMAL_XML "<domain type='kvm'><name>t</name><os><type>hvm</type></os></domain>"

static inline struct vu_domain *dom_parse(const char *xml)
{
	struct vu_err e = { 0 };
	struct vu_domain *dom = NULL;

	if (vu_domain_parse(&dom, xml, strlen(xml), &e) < 0)
		fail_msg("parse failed: %s", vu_err_str(&e));
	return dom;
}

static inline struct vu_domain *dom_fixture(const char *name)
{
	char path[256];
	struct vu_err e = { 0 };
	struct vu_domain *dom = NULL;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if (vu_domain_load(&dom, path, &e) < 0)
		fail_msg("%s: %s", path, vu_err_str(&e));
	return dom;
}

static inline struct vu_domain *dom_minimal(void)
{
	return dom_parse(MINIMAL_XML);
}

/* Fails with the schema's complaint and the document itself. */
static inline void assert_valid(const struct vu_domain *dom)
{
	struct vu_err e = { 0 };

	if (vu_xml_validate(vu_domain_doc(dom), VU_DOMAIN_RNG, &e) < 0) {
		char *text = vu_domain_format(dom);

		fprintf(stderr, "%s", text ? text : "(no text)\n");
		free(text);
		fail_msg("domain.rng: %s", vu_err_str(&e));
	}
}

/* Formats dom, parses the text again and checks both are the same under
 * C14N; returns the text (caller frees). */
static inline char *assert_round_trip(const struct vu_domain *dom)
{
	char *text = vu_domain_format(dom);
	struct vu_domain *again;

	assert_non_null(text);
	again = dom_parse(text);
	assert_true(vu_xml_c14n_equal(vu_domain_doc(dom), vu_domain_doc(again)));
	vu_domain_free(&again);
	return text;
}

/* The names of node's child elements, joined by spaces ("name uuid os"),
 * prefixed ones as "prefix:name". */
static inline const char *child_names(xmlNodePtr node, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s%s%s",
				      n ? " " : "",
				      c->ns && c->ns->prefix ? (const char *)c->ns->prefix : "",
				      c->ns && c->ns->prefix ? ":" : "", (const char *)c->name);
	}
	return buf;
}

/* Asserts the children of path (relative to <domain>) are named as names. */
#define assert_children(dom, path, names) do { \
	char buf_[1024]; \
	assert_string_equal(child_names(vu_domain_find((dom), (path)), buf_, sizeof(buf_)), \
			    (names)); \
} while (0)

/* Asserts a string getter gives want (NULL: -ENOENT) and frees it. */
#define assert_get(call_, out_, want) do { \
	int r_ = (call_); \
	if ((want) == NULL) { \
		assert_int_equal(r_, -ENOENT); \
		assert_null(out_); \
	} else { \
		assert_int_equal(r_, 0); \
		assert_string_equal((out_), (want)); \
	} \
	free(out_); \
	(out_) = NULL; \
} while (0)

/* The n-th (from 0) device elem's child/attr, malloc'd (NULL if absent). */
static inline char *dev_get(struct vu_domain *dom, const char *elem, int n, const char *child,
			    const char *attr)
{
	xmlNodePtr d = NULL;
	char *v = NULL;

	while (n-- >= 0)
		d = vu_domain_dev_next(dom, elem, d);
	assert_non_null(d);
	vu_node_get(d, child, attr, &v);
	return v;
}

/* got (freed here) is want, or NULL when want is. */
static inline void assert_str(char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

#endif
