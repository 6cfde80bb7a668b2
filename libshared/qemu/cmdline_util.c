// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline_util.c - the builder's argv, scratch strings and the checks every
 * module shares (unknown children, words, boot order, PCI addresses) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/strutil.h"
#include "vu/xmlnode.h"
#include "cmdline_int.h"

int qb_fail(struct qb *b, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(b->e->msg)];

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->err = vu_err_set(b->e, code, "%s", msg);
	return b->err;
}

static char *keep(struct qb *b, char *s)
{
	char **n;

	if (!s) {
		qb_fail(b, ENOMEM, "out of memory");
		return NULL;
	}
	if (b->nscratch == b->capscratch) {
		size_t cap = b->capscratch ? 2 * b->capscratch : 64;

		n = realloc(b->scratch, cap * sizeof(*n));
		if (!n) {
			free(s);
			qb_fail(b, ENOMEM, "out of memory");
			return NULL;
		}
		b->scratch = n;
		b->capscratch = cap;
	}
	b->scratch[b->nscratch++] = s;
	return s;
}

void *qb_grow(struct qb *b, void *arr, size_t *n, size_t sz)
{
	char *p;

	if (b->err)
		return NULL;
	p = realloc(arr, (*n + 1) * sz);
	if (!p) {
		qb_fail(b, ENOMEM, "out of memory");
		return NULL;
	}
	memset(p + *n * sz, 0, sz);
	(*n)++;
	return p;
}

void qb_arg(struct qb *b, const char *s)
{
	struct vu_qemu_cmd *c = b->cmd;
	char *copy;

	if (b->err)
		return;
	if (c->argc + 2 > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		char **n = realloc(c->argv, cap * sizeof(*n));

		if (!n) {
			qb_fail(b, ENOMEM, "out of memory");
			return;
		}
		c->argv = n;
		b->cap = cap;
	}
	copy = strdup(s);
	if (!copy) {
		qb_fail(b, ENOMEM, "out of memory");
		return;
	}
	c->argv[c->argc++] = copy;
	c->argv[c->argc] = NULL;
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

const char *qb_fmt(struct qb *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->err)
		return "";
	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	s = keep(b, s);
	return s ? s : "";
}

void qb_opt(struct qb *b, const char *opt, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->err)
		return;
	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	if (!s) {
		qb_fail(b, ENOMEM, "out of memory");
		return;
	}
	qb_arg(b, opt);
	qb_arg(b, s);
	free(s);
}

/* QEMU's option syntax ends a value at a comma; ",," is a literal one. */
const char *qb_q(struct qb *b, const char *s)
{
	size_t n = 0;
	char *out, *p;

	if (!s || b->err)
		return "";
	for (const char *c = s; *c; c++)
		n += *c == ',' ? 2 : 1;
	out = malloc(n + 1);
	if (!out) {
		qb_fail(b, ENOMEM, "out of memory");
		return "";
	}
	for (p = out; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	*p = '\0';
	out = keep(b, out);
	return out ? out : "";
}

const char *qb_get(struct qb *b, const xmlNode *node, const char *path, const char *attr)
{
	char *s = NULL;
	int r;

	if (b->err)
		return NULL;
	r = vu_node_get(node, path, attr, &s);
	if (r == -ENOENT)
		return NULL;
	if (r < 0) {
		qb_fail(b, -r, "cannot read <%s>", path && *path ? path : (const char *)node->name);
		return NULL;
	}
	return keep(b, s);
}

unsigned long long qb_uint(struct qb *b, const xmlNode *node, const char *path,
			   const char *attr, unsigned long long def, const char *what)
{
	uint64_t v;
	int r;

	if (b->err)
		return def;
	r = vu_node_get_uint(node, path, attr, &v);
	if (r == -ENOENT)
		return def;
	if (r < 0) {
		qb_fail(b, EINVAL, "%s: not a whole number", what);
		return def;
	}
	return v;
}

unsigned long long qb_num(struct qb *b, const xmlNode *node, const char *path,
			  const char *attr, unsigned long long def, const char *what)
{
	const char *s = qb_get(b, node, path, attr);
	char *end;
	unsigned long long v;

	if (!s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		qb_fail(b, EINVAL, "%s: '%s' is not a number", what, s);
	return v;
}

static const char *where_of(struct qb *b, const char *where, const xmlNode *n)
{
	return qb_fmt(b, "%s<%s>", where, (const char *)n->name);
}

void qb_only(struct qb *b, const xmlNode *node, const char *where,
	     const char *const *allowed)
{
	for (xmlNodePtr c = vu_node_child(node, NULL); c && !b->err; c = vu_node_next(c, NULL))
		if (!vu_word_in((const char *)c->name, allowed))
			qb_fail(b, EOPNOTSUPP, "%s: not supported", where_of(b, where, c));
	/* an element of another namespace is an application's, not QEMU's */
}

void qb_attrs(struct qb *b, const xmlNode *node, const char *where,
	      const char *const *allowed)
{
	for (xmlAttrPtr a = node->properties; a && !b->err; a = a->next)
		if (!a->ns && !vu_word_in((const char *)a->name, allowed))
			qb_fail(b, EOPNOTSUPP, "%s: attribute '%s' not supported", where,
				(const char *)a->name);
}

void qb_word(struct qb *b, const char *value, const char *where, const char *const *words)
{
	if (value && !vu_word_in(value, words))
		qb_fail(b, EOPNOTSUPP, "%s: '%s' is not supported", where, value);
}

const char *qb_bootindex(struct qb *b, unsigned order, const char *kind)
{
	if (order)
		return qb_fmt(b, ",bootindex=%u", order);
	if (b->dev_boot || !kind)
		return "";
	/* libvirt gives <os><boot dev> to the first device of each kind */
	for (size_t i = 0; i < b->nboot; i++)
		if (b->boot[i] && !strcmp(b->boot[i], kind)) {
			b->boot[i] = NULL;
			return qb_fmt(b, ",bootindex=%zu", i + 1);
		}
	return "";
}

const char *qb_pci_addr(struct qb *b, const xmlNode *dev, const char *where)
{
	xmlNodePtr a = vu_node_child(dev, "address");
	unsigned long long dom, bus, slot, fn;
	const char *type;

	if (!a)
		return "";
	type = qb_get(b, a, NULL, "type");
	if (!type || strcmp(type, "pci")) {
		qb_fail(b, EOPNOTSUPP, "%s<address type='%s'>: not supported", where,
			type ? type : "");
		return "";
	}
	/* libvirt writes them in hex with 0x */
	dom = qb_num(b, a, NULL, "domain", 0, "<address domain>");
	bus = qb_num(b, a, NULL, "bus", 0, "<address bus>");
	slot = qb_num(b, a, NULL, "slot", 0, "<address slot>");
	fn = qb_num(b, a, NULL, "function", 0, "<address function>");
	if (dom || bus) {
		qb_fail(b, EOPNOTSUPP, "%s<address>: only PCI bus 0 is supported", where);
		return "";
	}
	if (slot < 1 || slot > 31 || fn > 7) {
		qb_fail(b, EINVAL, "%s<address>: slot 0x%llx function %llu is not usable",
			where, slot, fn);
		return "";
	}
	return qb_fmt(b, ",bus=%s,addr=0x%llx.0x%llx%s", b->q35 ? "pcie.0" : "pci.0", slot,
		      fn, vu_node_value_is(a, NULL, "multifunction", "on") ?
		      ",multifunction=on" : "");
}

const char *qb_usb_addr(struct qb *b, const xmlNode *dev, const char *where)
{
	xmlNodePtr a = vu_node_child(dev, "address");
	const char *port;

	if (!a)
		return "";
	port = qb_get(b, a, NULL, "port");
	if (!vu_node_value_is(a, NULL, "type", "usb") ||
	    qb_num(b, a, NULL, "bus", 0, "<address bus>") || !port || !*port ||
	    strspn(port, "0123456789.") != strlen(port)) {
		qb_fail(b, EOPNOTSUPP, "%s<address>: only a port of USB bus 0", where);
		return "";
	}
	return qb_fmt(b, ",port=%s", port);
}

const char *qb_fdset(struct qb *b, int fd)
{
	struct vu_qemu_cmd *c = b->cmd;
	int *fds = qb_grow(b, c->fds, &c->nfds, sizeof(*fds));
	unsigned set;

	if (!fds) {
		close(fd);	/* not recorded: nobody else would close it */
		return "";
	}
	c->fds = fds;
	fds[c->nfds - 1] = fd;
	set = b->fdset++;
	qb_opt(b, "-add-fd", "fd=%d,set=%u", fd, set);
	return qb_fmt(b, "/dev/fdset/%u", set);
}
