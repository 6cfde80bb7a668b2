/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xml.c - libxml2 documents: loaded without network, entities or DTDs,
 * written as libvirt writes them, compared under C14N, checked by RelaxNG */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/uri.h>
#include <libxml/xmlsave.h>

#include "vu/base.h"
#include "vu/file.h"
#include "vu/xml.h"

/* A bound's number inside a message's literal. */
#define NUM_(x) #x
#define NUM(x) NUM_(x)

/* Documents are a few kilobytes; a bigger input is an attack or a mistake. */
#define XML_MAX_BYTES (64u << 20)
/* The same for their shape (libvirt's biggest elements have some twenty
 * attributes and one document a few hundred nodes): see scan_markup. */
#define XML_MAX_ATTRS 1000	/* attributes of one element */
#define XML_MAX_NSDECLS 1000	/* namespace declarations in one document */
#define XML_MAX_NODES 100000	/* elements, attributes, comments, PIs */

/*
 * No network, and blank text nodes dropped so the output can be indented
 * afresh. Not XML_PARSE_NOENT (entities stay references, nothing is
 * substituted or fetched), nor DTDLOAD/DTDATTR/DTDVALID (no external DTD).
 * These options are the whole defence against external entities: a
 * per-context resolveEntity hook does not stop libxml2 2.9 from falling
 * back to its global loader, and that loader is global state we leave
 * alone. test_xml checks that no entity file is read.
 */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS)

/* libxml2 2.12 made the error argument const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlErrorPtr xml_error_arg;
#endif

/* Errors are one line: libxml2 puts a second one in some messages
 * ("...indicate encoding !\nBytes: 0xFF 0x3C") and quotes values that may
 * hold newlines. Each run of control characters becomes one space. */
static void one_line(char *s)
{
	char *out = s;

	while (*s) {
		if ((unsigned char)*s >= 0x20 && *s != 0x7f) {
			*out++ = *s++;
			continue;
		}
		while (*s && ((unsigned char)*s < 0x20 || *s == 0x7f))
			s++;
		*out++ = ' ';
	}
	*out = '\0';
}

/* The first error of one call, so that no global handler is touched and
 * the message is the cause rather than its aftermath. */
struct first_error {
	int set;
	int line;
	int column;
	char msg[200];
};

static void keep_first_error(void *data, xml_error_arg err)
{
	struct first_error *fe = data;
	size_t n;

	if (!fe || fe->set || err->level < XML_ERR_ERROR)
		return;
	fe->set = 1;
	fe->line = err->line;
	fe->column = err->int2;
	if (!fe->line && err->node)
		fe->line = (int)xmlGetLineNo((xmlNodePtr)err->node);
	snprintf(fe->msg, sizeof(fe->msg), "%s", err->message ? err->message : "unknown error");
	one_line(fe->msg);
	n = strlen(fe->msg);
	while (n > 0 && fe->msg[n - 1] == ' ')
		fe->msg[--n] = '\0';
}

/* The parser passes its context, not ours: ours rides in _private. */
static void keep_first_parse_error(void *ctxt, xml_error_arg err)
{
	keep_first_error(((xmlParserCtxtPtr)ctxt)->_private, err);
}

/* "line L column C: what", leaving out what libxml2 did not know; without
 * any error from libxml2, the fallback. */
static int report(struct vu_err *e, int code, const char *prefix,
		  const struct first_error *fe, const char *fallback)
{
	if (!fe->set)
		return vu_err_set(e, code, "%s%s", prefix, fallback);
	if (fe->line > 0 && fe->column > 0)
		return vu_err_set(e, code, "%sline %d column %d: %s", prefix, fe->line,
				  fe->column, fe->msg);
	if (fe->line > 0)
		return vu_err_set(e, code, "%sline %d: %s", prefix, fe->line, fe->msg);
	return vu_err_set(e, code, "%s%s", prefix, fe->msg);
}

/* Records the failure (msg NULL: strerror) and returns no document. */
static xmlDocPtr no_doc(struct vu_err *e, int code, const char *msg)
{
	if (msg)
		vu_err_set(e, code, "%s", msg);
	else
		vu_err_set(e, code, NULL);
	return NULL;
}

/*
 * Bounding the work per document. libxml2 checks each attribute of an
 * element against all the earlier ones, and each prefix against every
 * namespace in scope: 200 000 attributes on one element take it minutes,
 * all inside one start tag, before any SAX callback could count and stop
 * it. So the bytes are looked at first, in one linear pass, and a document
 * over the bounds never reaches libxml2. The pass is no parser: it only
 * has to count no less than libxml2 would build. Comments, CDATA sections
 * and processing instructions are skipped whole; any other markup ("<a",
 * "</a", "<!DOCTYPE", "<!ATTLIST" ...) runs to the first '>' outside quotes,
 * and each quoted string in it is an attribute (or an attribute default or
 * entity value: bounded alike). Text holds no '<' in well-formed XML, and
 * whatever a malformed document makes us count, libxml2 refuses it anyway.
 */
struct shape {
	const char *start, *end;
	size_t nodes, nsdecls;
};

/* "line L: what" at p; lines are counted only when there is an error. */
static int shape_err(const struct shape *sh, const char *p, struct vu_err *e,
		     const char *what)
{
	int line = 1;

	for (const char *c = sh->start; c < p; c++)
		line += *c == '\n';
	return vu_err_set(e, EINVAL, "line %d: %s", line, what);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the quoted value opening at q belongs to an xmlns or xmlns:P
 * attribute: the name before "=" starts with "xmlns". */
static bool is_nsdecl(const char *tag, const char *q)
{
	const char *p = q;

	while (p > tag && is_blank(p[-1]))
		p--;
	if (p == tag || p[-1] != '=')
		return false;
	for (p--; p > tag && is_blank(p[-1]);)
		p--;
	/* A name holds no quote: this never walks back into a value. */
	while (p > tag && !is_blank(p[-1]) && !strchr("<'\"", p[-1]))
		p--;
	return strncmp(p, "xmlns", 5) == 0 && (p[5] == ':' || p[5] == '=' || is_blank(p[5]));
}

/* One piece of markup from its '<' to its '>' (or the end); returns where
 * scanning goes on, or NULL with e filled when a bound is crossed. */
static const char *scan_markup(struct shape *sh, const char *p, struct vu_err *e)
{
	const char *tag = p;
	size_t attrs = 0;

	sh->nodes += p + 1 < sh->end && p[1] != '/';
	for (p++; p < sh->end && *p != '>'; p++) {
		const char *close;

		if (*p != '"' && *p != '\'')
			continue;
		close = memchr(p + 1, *p, (size_t)(sh->end - p - 1));
		attrs++;
		sh->nodes++;
		if (is_nsdecl(tag, p) && ++sh->nsdecls > XML_MAX_NSDECLS) {
			shape_err(sh, p, e, "more than " NUM(XML_MAX_NSDECLS)
				  " namespace declarations");
			return NULL;
		}
		if (attrs > XML_MAX_ATTRS) {
			shape_err(sh, tag, e, "an element with more than "
				  NUM(XML_MAX_ATTRS) " attributes");
			return NULL;
		}
		p = close ? close : sh->end - 1;
	}
	return p < sh->end ? p + 1 : p;
}

/* The end of a comment, CDATA section or PI opening at p (or NULL when p
 * opens none of them). */
static const char *skip_special(const struct shape *sh, const char *p)
{
	static const struct {
		const char *open, *close;
	} kinds[] = { { "<!--", "-->" }, { "<![CDATA[", "]]>" }, { "<?", "?>" } };
	size_t left = (size_t)(sh->end - p);

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t lo = strlen(kinds[i].open);
		const char *c;

		if (left < lo || memcmp(p, kinds[i].open, lo) != 0)
			continue;
		c = memmem(p + lo, left - lo, kinds[i].close, strlen(kinds[i].close));
		return c ? c + strlen(kinds[i].close) : sh->end;
	}
	return NULL;
}

/* 0, or -EINVAL with "line L: ..." when the document holds a NUL byte
 * (XML allows none, and libxml2 would take it for the end of the input,
 * dropping what follows) or crosses one of the bounds above. */
static int check_shape(const char *buf, size_t len, struct vu_err *e)
{
	struct shape sh = { .start = buf, .end = buf + len };
	const char *p = memchr(buf, '\0', len);

	if (p)
		return shape_err(&sh, p, e, "a NUL byte (XML allows none)");
	for (p = buf; p && p < sh.end;) {
		const char *lt = memchr(p, '<', (size_t)(sh.end - p)), *after;

		if (!lt)
			break;
		if ((after = skip_special(&sh, lt)) != NULL)
			sh.nodes++;
		else
			after = scan_markup(&sh, lt, e);
		if (after && sh.nodes > XML_MAX_NODES)
			return shape_err(&sh, lt, e, "more than " NUM(XML_MAX_NODES)
					 " elements and attributes");
		if (!after)
			return -EINVAL;
		p = after;
	}
	return 0;
}

static xmlDocPtr parse(const char *buf, size_t len, const char *url, struct vu_err *e)
{
	struct first_error fe = { 0 };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	if (len == 0)
		return no_doc(e, EINVAL, "document is empty");
	if (len > INT_MAX)
		return no_doc(e, EFBIG, "document is too large");
	if (check_shape(buf, len, e) < 0)
		return NULL;
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return no_doc(e, ENOMEM, NULL);
	ctxt->_private = &fe;
	ctxt->sax->serror = keep_first_parse_error;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, url, NULL, PARSE_OPTIONS);
	xmlFreeParserCtxt(ctxt);
	/* Namespace errors leave a document behind; a broken prefix is still
	 * a broken document. */
	if (doc && fe.set) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc)
		report(e, fe.set ? EINVAL : ENOMEM, "", &fe, "out of memory");
	return doc;
}

xmlDocPtr vu_xml_parse(const char *buf, size_t len, struct vu_err *e)
{
	if (!buf)
		return no_doc(e, EINVAL, NULL);
	return parse(buf, len, NULL, e);
}

xmlDocPtr vu_xml_load(const char *path, struct vu_err *e)
{
	bool from_stdin = path && !strcmp(path, "-");
	int fd = from_stdin ? STDIN_FILENO : -1;
	size_t len = 0;
	char *buf = NULL;
	xmlDocPtr doc;
	int r;

	if (!path)
		return no_doc(e, EINVAL, NULL);
	if (!from_stdin)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return no_doc(e, errno, NULL);
	r = vu_read_all(fd, XML_MAX_BYTES, &buf, &len);
	if (!from_stdin)
		close(fd);
	if (r < 0)
		return no_doc(e, -r, NULL);
	doc = parse(buf, len, from_stdin ? NULL : path, e);
	free(buf);
	return doc;
}

/* A malloc'd, NUL-terminated copy that ends with a newline. */
static char *copy_with_newline(const xmlChar *text, size_t len)
{
	char *out = malloc(len + 2);

	if (!out)
		return NULL;
	memcpy(out, text, len);
	if (len == 0 || out[len - 1] != '\n')
		out[len++] = '\n';
	out[len] = '\0';
	return out;
}

char *vu_xml_format(xmlDocPtr doc)
{
	xmlBufferPtr buf = doc ? xmlBufferCreate() : NULL;
	xmlSaveCtxtPtr save;
	char *out = NULL;

	if (!buf)
		return NULL;
	/* UTF-8 named so that text stays text instead of &#NNN; references. */
	save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
	if (save) {
		long written = xmlSaveDoc(save, doc);

		if (xmlSaveClose(save) >= 0 && written >= 0)
			out = copy_with_newline(xmlBufferContent(buf),
						(size_t)xmlBufferLength(buf));
	}
	xmlBufferFree(buf);
	return out;
}

/* C14N 1.0 allows absolute namespace URIs only (and the empty one). */
static bool ns_absolute(const xmlNs *ns)
{
	xmlURIPtr uri;
	bool ok;

	if (!ns->href || !ns->href[0])
		return true;
	uri = xmlParseURI((const char *)ns->href);
	ok = uri && uri->scheme && uri->scheme[0];
	xmlFreeURI(uri);
	return ok;
}

/*
 * What C14N 1.0 refuses (entity references, relative namespace URIs),
 * libxml2 reports on stderr through its global handler; so we look first,
 * quietly. Recursion is bounded by the parser's depth limit.
 */
static bool canonicalisable(xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type == XML_ENTITY_REF_NODE)
			return false;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNsPtr ns = n->nsDef; ns; ns = ns->next)
			if (!ns_absolute(ns))
				return false;
		if (!canonicalisable(n->children))
			return false;
	}
	return true;
}

static xmlChar *canonical(xmlDocPtr doc)
{
	xmlChar *out = NULL;

	if (!doc || !canonicalisable(doc->children))
		return NULL;
	if (xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &out) < 0) {
		xmlFree(out);
		return NULL;
	}
	return out;
}

bool vu_xml_c14n_equal(xmlDocPtr a, xmlDocPtr b)
{
	xmlChar *ca = canonical(a), *cb = canonical(b);
	bool eq = ca && cb && xmlStrEqual(ca, cb);

	xmlFree(ca);
	xmlFree(cb);
	return eq;
}

/*
 * The schema file is read with our own parser: libxml2's loader would print
 * its errors on stderr. Files it includes are still read by libxml2,
 * relative to rng_path (the document keeps it as its URL).
 */
static int load_schema(const char *rng_path, xmlRelaxNGPtr *schema, struct vu_err *e)
{
	struct first_error fe = { 0 };
	struct vu_err le = { 0 };
	xmlRelaxNGParserCtxtPtr pctxt;
	char prefix[PATH_MAX + 16];
	xmlDocPtr doc;

	snprintf(prefix, sizeof(prefix), "schema %s: ", rng_path);
	doc = vu_xml_load(rng_path, &le);
	if (!doc)
		return vu_err_set(e, le.code == EINVAL ? EBADMSG : le.code, "%s%s", prefix,
				  vu_err_str(&le));
	pctxt = xmlRelaxNGNewDocParserCtxt(doc);	/* works on a copy */
	xmlFreeDoc(doc);
	if (!pctxt)
		return vu_err_set(e, ENOMEM, NULL);
	xmlRelaxNGSetParserStructuredErrors(pctxt, keep_first_error, &fe);
	*schema = xmlRelaxNGParse(pctxt);
	xmlRelaxNGFreeParserCtxt(pctxt);
	if (*schema)
		return 0;
	return report(e, EBADMSG, prefix, &fe, "not a RelaxNG schema");
}

int vu_xml_validate(xmlDocPtr doc, const char *rng_path, struct vu_err *e)
{
	struct first_error fe = { 0 };
	xmlRelaxNGValidCtxtPtr vctxt;
	xmlRelaxNGPtr schema;
	int r;

	if (!doc || !rng_path)
		return vu_err_set(e, EINVAL, NULL);
	xmlInitParser();
	r = load_schema(rng_path, &schema, e);
	if (r < 0)
		return r;
	vctxt = xmlRelaxNGNewValidCtxt(schema);
	if (!vctxt) {
		xmlRelaxNGFree(schema);
		return vu_err_set(e, ENOMEM, NULL);
	}
	xmlRelaxNGSetValidStructuredErrors(vctxt, keep_first_error, &fe);
	r = xmlRelaxNGValidateDoc(vctxt, doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	xmlRelaxNGFree(schema);
	if (r == 0)
		return 0;
	if (r > 0)
		return report(e, EINVAL, "", &fe, "does not match the schema");
	return report(e, ENOMEM, "", &fe, "validation failed");
}

int vu_xml_validate_libvirt(xmlDocPtr doc, const char *rng, struct vu_err *e)
{
	struct vu_err le = { 0 };
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s", VU_SCHEMA_DIR, rng);
	if (access(path, F_OK) != 0)
		return 0;
	r = vu_xml_validate(doc, path, &le);
	if (r == -EINVAL)
		return vu_err_set(e, EINVAL, "not valid per libvirt's schema: %s", le.msg);
	if (r < 0)
		return vu_err_set(e, -r, "%s", vu_err_str(&le));
	return 0;
}
