/* SPDX-License-Identifier: GPL-2.0-or-later */
/* osinfo.c - vm-create's OS defaults, read lazily from the system osinfo-db
 *
 * The database is ~800 XML files (os/VENDOR/FILE.xml). Parsing them all, as
 * libosinfo does, takes far longer than vm-create's whole budget, so only
 * the entry asked for and its ancestors are parsed:
 *
 *  - a full id (http://redhat.com/rhel/7.0) names its file directly: every
 *    file in osinfo-db is os/HOST/PATH-WITH-DASHES.xml (redhat.com/rhel-7.0.xml);
 *  - a short id (rhel7.0) usually is the file name without its dashes
 *    (rhel-7.0.xml, win-xp.xml), with "spN" written ".N" (sles12sp1 is
 *    sles-12.1.xml), or a prefix of it (centos7 is centos-7.0.xml,
 *    archlinux is archlinux-rolling.xml), then the files of the distro the
 *    name starts with (ubuntu-*.xml for the codename ubuntujammy). Those
 *    candidates are checked with a byte search for
 *    "<short-id>NAME</short-id>" over the mapped file;
 *  - anything else (alt.p10 in alt-p10.starterkits.xml) is found by the
 *    same byte search over every file, still without parsing.
 *
 * Inheritance follows libosinfo: the entry, then depth first through its
 * <derives-from> and then its <clones> ancestors. For devices and firmware
 * the nearest entry that mentions a device wins (a child may mark a device
 * supported='false' or removed='true', or re-enable one its parent
 * disabled); resources of the entry marked inherit='true' take each value
 * they lack from the nearest ancestor with the same arch.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "vu/base.h"
#include "vu/err.h"
#include "vu/strutil.h"
#include "vu/xml.h"
#include "vu/xmlnode.h"
#include "osinfo.h"

#define OSINFO_DIR_DEFAULT "/usr/share/osinfo"
#define CHAIN_MAX 256		/* entries in one inheritance walk (ubuntu has ~50) */
#define CAND_MAX 8		/* file-name candidates tried before a full scan */
#define KIN_MAX 128		/* files of the same distro tried before it too */
#define SHORT_ID_MAX 64		/* longer names are no short id of osinfo-db */
#define REL_MAX 512		/* "vendor/file.xml" */
#define OSINFO_FILE_MAX (16u << 20)
#define ARCH "x86_64"		/* vm-create's guests; resources fall back to "all" */

/*
 * The seeds' names that osinfo-db does not know, and what they mean:
 *   rhel7 -> rhel7.0, rhel6 -> rhel6.0, rhel5 -> rhel5.0
 * (the first release of the major version, as virt-install's old
 * os-variant tables had it; osinfo-db has rhel7-unknown and rhel6-unknown
 * too, but no rhel5-unknown, so ".0" is the one rule for all three).
 * The seeds' fedora11, sles12, sled12 and sle15 are short ids of osinfo-db
 * as they are and need no entry.
 */
static const struct {
	const char *alias;
	const char *short_id;
} aliases[] = {
	{ "rhel7", "rhel7.0" },
	{ "rhel6", "rhel6.0" },
	{ "rhel5", "rhel5.0" },
};

/* Device ids (osinfo-db's <device id=...>) virt-install looks at. */
#define PCI "http://pcisig.com/pci/"
static const char *const dev_virtio_disk[] = { PCI "1af4/1001", PCI "1af4/1042", NULL };
static const char *const dev_virtio_net[] = { PCI "1af4/1000", PCI "1af4/1041", NULL };
static const char *const dev_virtio_gpu[] = { PCI "1af4/1050", NULL };
static const char *const dev_virtio_rng[] = { PCI "1af4/1005", PCI "1af4/1044", NULL };
static const char *const dev_virtio_balloon[] = { PCI "1af4/1002", PCI "1af4/1045", NULL };
static const char *const dev_e1000[] = { PCI "8086/100e", NULL };
static const char *const dev_rtl8139[] = { PCI "10ec/8139", NULL };
static const char *const dev_ne2k_pci[] = { PCI "10ec/8029", NULL };
static const char *const dev_pcnet[] = { PCI "1022/2000", NULL };
static const char *const dev_usb_tablet[] = { "http://usb.org/usb/80ee/0021", NULL };

/* One file of the database, mapped read-only. */
struct mapped {
	char *p;
	size_t len;
};

/* The entry and its ancestors, nearest first; each node owns its doc. */
struct chain {
	xmlDocPtr doc[CHAIN_MAX];
	xmlNodePtr os[CHAIN_MAX];
	int n;
};

/* A growable list of malloc'd strings (short ids for list and hints). */
struct strv {
	char **v;
	size_t n, cap;
};

static const char *db_dir(void)
{
	const char *d = getenv("OSINFO_SYSTEM_DIR");

	return d && *d ? d : OSINFO_DIR_DEFAULT;
}

/* The database's os/ directory, or -EIO naming it. */
static int open_os_dir(struct vu_err *e)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/os", db_dir()) >= (int)sizeof(path))
		return vu_err_set(e, ENAMETOOLONG, "osinfo database path is too long");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vu_err_set(e, EIO, "osinfo database %s: %s", path, strerror(errno));
	return fd;
}

static int map_file(int osfd, const char *rel, struct mapped *m)
{
	struct stat st;
	int fd, r = 0;

	m->p = NULL;
	m->len = 0;
	fd = openat(osfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if ((uint64_t)st.st_size > OSINFO_FILE_MAX)
		r = -EFBIG;
	else if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED)
			r = -errno;
		else {
			m->p = p;
			m->len = (size_t)st.st_size;
		}
	}
	close(fd);
	return r;
}

static void unmap_file(struct mapped *m)
{
	if (m->p)
		munmap(m->p, m->len);
	m->p = NULL;
	m->len = 0;
}

/* Whether the file holds the bytes pat; unreadable files hold nothing. */
static bool file_has(int osfd, const char *rel, const char *pat)
{
	struct mapped m;
	bool found;

	if (map_file(osfd, rel, &m) < 0)
		return false;
	found = m.p && memmem(m.p, m.len, pat, strlen(pat));
	unmap_file(&m);
	return found;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Calls fn(osfd, "VENDOR/FILE.xml", "FILE.xml", ctx) for each file of
 * os/VENDOR/ (the .d folders beside some files hold no OS entries), in
 * name order so that a short id two files claim always finds the same one.
 * fn returns 0 to go on, 1 to stop, or -errno. Returns fn's 1, 0, or the
 * first error.
 */
typedef int (*file_fn)(int osfd, const char *rel, const char *base, void *ctx);

static int for_each_file(int osfd, file_fn fn, void *ctx)
{
	struct dirent **vendors;
	int nv = scandirat(osfd, ".", &vendors, not_hidden, by_name), r = 0;

	if (nv < 0)
		return -errno;
	for (int v = 0; v < nv && !r; v++) {
		struct dirent **files;
		/* stray files beside the vendor folders list nothing */
		int nf = scandirat(osfd, vendors[v]->d_name, &files, not_hidden, by_name);

		for (int f = 0; f < nf && !r; f++) {
			const char *name = files[f]->d_name;
			size_t len = strlen(name);
			char rel[REL_MAX];

			if (len < 5 || strcmp(name + len - 4, ".xml") ||
			    snprintf(rel, sizeof(rel), "%s/%s", vendors[v]->d_name, name) >=
				    (int)sizeof(rel))
				continue;
			r = fn(osfd, rel, name, ctx);
		}
		if (nf >= 0)
			free_names(files, nf);
	}
	free_names(vendors, nv);
	return r;
}

/* Short ids are letters, digits and . _ + -: anything else finds nothing
 * and must not reach a file name or a search pattern. */
static bool short_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= SHORT_ID_MAX && vu_str_alnum_or(s, "._+-");
}

/* ---- finding the file of an entry ---- */

struct find_ctx {
	const char *pat;		/* bytes the file must hold */
	const char *key;		/* short id, for the name candidates */
	char key_sp[SHORT_ID_MAX + 1];	/* key with "spN" as ".N" */
	char exact[CAND_MAX][REL_MAX];
	char prefix[CAND_MAX][REL_MAX];
	char kin[KIN_MAX][REL_MAX];
	int n_exact, n_prefix, n_kin;
	char found[REL_MAX];
};

static void sp_to_dot(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 1 < size; in++) {
		if (in[0] == 's' && in[1] == 'p' && isdigit((unsigned char)in[2])) {
			out[o++] = '.';
			in++;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* Collects the files whose name, without ".xml" and dashes, is the key
 * (exact) or starts with it (prefix), and those of the distro the key
 * starts with (kin: ubuntu-*.xml for the codename ubuntujammy). */
static int collect_candidates(int osfd, const char *rel, const char *base, void *ctx)
{
	struct find_ctx *fc = ctx;
	char plain[REL_MAX];
	size_t o = 0, klen = strlen(fc->key);

	(void)osfd;
	for (const char *p = base; *p && o + 1 < sizeof(plain); p++)
		if (*p != '-')
			plain[o++] = *p;
	plain[o >= 4 ? o - 4 : 0] = '\0';	/* ".xml" */
	if (!strcmp(plain, fc->key) || !strcmp(plain, fc->key_sp)) {
		if (fc->n_exact < CAND_MAX)
			snprintf(fc->exact[fc->n_exact++], REL_MAX, "%s", rel);
	} else if (!strncmp(plain, fc->key, klen)) {
		if (fc->n_prefix < CAND_MAX)
			snprintf(fc->prefix[fc->n_prefix++], REL_MAX, "%s", rel);
	} else {
		size_t distro = strcspn(base, "-.0123456789");

		if (distro >= 3 && !strncmp(base, fc->key, distro) && fc->n_kin < KIN_MAX)
			snprintf(fc->kin[fc->n_kin++], REL_MAX, "%s", rel);
	}
	return 0;
}

static int match_pattern(int osfd, const char *rel, const char *base, void *ctx)
{
	struct find_ctx *fc = ctx;

	(void)base;
	if (!file_has(osfd, rel, fc->pat))
		return 0;
	snprintf(fc->found, sizeof(fc->found), "%s", rel);
	return 1;
}

/* The file a full id names: http://HOST/A/B -> HOST/A-B.xml; false when
 * the id has no such shape or could leave the os/ directory. */
static bool id_to_rel(const char *id, char *rel, size_t size)
{
	const char *p = strstr(id, "://"), *host, *slash;
	size_t o;

	if (!p)
		return false;
	host = p + 3;
	slash = strchr(host, '/');
	if (!slash || slash == host || !slash[1])
		return false;
	if ((size_t)(slash - host) + strlen(slash) + 5 > size)
		return false;
	o = (size_t)(slash - host);
	memcpy(rel, host, o);
	rel[o++] = '/';
	for (p = slash + 1; *p; p++)
		rel[o++] = *p == '/' ? '-' : *p;
	memcpy(rel + o, ".xml", 5);
	return vu_str_alnum_or(rel, "._+-/") && !strstr(rel, "..") && rel[0] != '.';
}

/*
 * Finds the file holding an entry: by the name the key suggests, then by a
 * search of every file. 1 with fc->found set, 0 when no file has it, or
 * -errno when the database cannot be read.
 */
static int find_file(int osfd, struct find_ctx *fc, const char *id)
{
	int r;

	if (id) {
		char rel[REL_MAX];

		if (id_to_rel(id, rel, sizeof(rel)) && file_has(osfd, rel, fc->pat)) {
			snprintf(fc->found, sizeof(fc->found), "%s", rel);
			return 1;
		}
	} else {
		sp_to_dot(fc->key, fc->key_sp, sizeof(fc->key_sp));
		r = for_each_file(osfd, collect_candidates, fc);
		if (r < 0)
			return r;
		for (int i = 0; i < fc->n_exact; i++)
			if (match_pattern(osfd, fc->exact[i], NULL, fc))
				return 1;
		for (int i = 0; i < fc->n_prefix; i++)
			if (match_pattern(osfd, fc->prefix[i], NULL, fc))
				return 1;
		for (int i = 0; i < fc->n_kin; i++)
			if (match_pattern(osfd, fc->kin[i], NULL, fc))
				return 1;
	}
	return for_each_file(osfd, match_pattern, fc);
}

/* ---- parsing one entry ---- */

/* The <os> under <libosinfo> whose id is id, or one of whose short ids is
 * short_id. */
static xmlNodePtr find_os(xmlDocPtr doc, const char *id, const char *short_id)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	if (!vu_node_is(root, "libosinfo"))
		return NULL;
	for (xmlNodePtr os = vu_node_child(root, "os"); os; os = vu_node_next(os, "os")) {
		if (id && vu_node_value_is(os, NULL, "id", id))
			return os;
		if (!short_id)
			continue;
		for (xmlNodePtr c = vu_node_child(os, "short-id"); c;
		     c = vu_node_next(c, "short-id"))
			if (vu_node_value_is(c, NULL, NULL, short_id))
				return os;
	}
	return NULL;
}

/*
 * Parses rel and finds the entry in it: 1 with *doc and *os set, 0 when the
 * file does not hold it after all, -EINVAL naming the file when it is not
 * XML, -errno when it cannot be read.
 */
static int load_os(int osfd, const char *rel, const char *id, const char *short_id,
		   xmlDocPtr *doc, xmlNodePtr *os, struct vu_err *e)
{
	struct mapped m;
	struct vu_err pe = { 0 };
	int r = map_file(osfd, rel, &m);

	if (r < 0)
		return vu_err_set(e, -r, "osinfo %s/os/%s: %s", db_dir(), rel, strerror(-r));
	*doc = m.p ? vu_xml_parse(m.p, m.len, &pe) : NULL;
	if (!m.p)
		vu_err_set(&pe, EINVAL, "document is empty");
	unmap_file(&m);
	if (!*doc)
		return vu_err_set(e, EINVAL, "osinfo %s/os/%s: %s", db_dir(), rel, vu_err_str(&pe));
	*os = find_os(*doc, id, short_id);
	if (!*os) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		return 0;
	}
	return 1;
}

/* Finds and parses the entry with full id (or short id): 1, 0 when the
 * database does not have it, -errno. */
static int lookup_entry(int osfd, const char *id, const char *short_id, xmlDocPtr *doc,
			xmlNodePtr *os, struct vu_err *e)
{
	struct find_ctx *fc = calloc(1, sizeof(*fc));
	char pat[REL_MAX + 32];
	int r;

	if (!fc)
		return vu_err_set(e, ENOMEM, NULL);
	/* osinfo-db writes <os id="...">: a bare id="..." would also find the
	 * files of the entries that derive from this one. */
	if (id)
		snprintf(pat, sizeof(pat), "<os id=\"%s\"", id);
	else
		snprintf(pat, sizeof(pat), "<short-id>%s</short-id>", short_id);
	fc->pat = pat;
	fc->key = short_id;
	r = find_file(osfd, fc, id);
	if (r < 0)
		r = vu_err_set(e, EIO, "osinfo database %s: %s", db_dir(), strerror(-r));
	else if (r == 1)
		r = load_os(osfd, fc->found, id, short_id, doc, os, e);
	free(fc);
	return r;
}

/* ---- inheritance ---- */

static bool chain_has(const struct chain *c, const char *id)
{
	for (int i = 0; i < c->n; i++)
		if (vu_node_value_is(c->os[i], NULL, "id", id))
			return true;
	return false;
}

static int chain_add(int osfd, struct chain *c, xmlDocPtr doc, xmlNodePtr os, struct vu_err *e);

/* Visits os's ancestors of one kind ("derives-from" or "clones") in order.
 * An ancestor the database lacks is skipped, as libosinfo does. */
static int chain_parents(int osfd, struct chain *c, xmlNodePtr os, const char *kind,
			 struct vu_err *e)
{
	for (xmlNodePtr n = vu_node_child(os, kind); n; n = vu_node_next(n, kind)) {
		char *id = NULL;
		xmlDocPtr pdoc;
		xmlNodePtr pos;
		int r = 0;

		if (c->n >= CHAIN_MAX)
			continue;
		if (vu_node_get(n, NULL, "id", &id) == 0 && !chain_has(c, id))
			r = lookup_entry(osfd, id, NULL, &pdoc, &pos, e);
		free(id);
		if (r < 0)
			return r;
		if (r == 1 && (r = chain_add(osfd, c, pdoc, pos, e)) < 0)
			return r;
	}
	return 0;
}

/* Adds an entry (taking its doc), then its ancestors depth first. */
static int chain_add(int osfd, struct chain *c, xmlDocPtr doc, xmlNodePtr os, struct vu_err *e)
{
	int r;

	if (c->n >= CHAIN_MAX) {
		xmlFreeDoc(doc);
		return 0;
	}
	c->doc[c->n] = doc;
	c->os[c->n++] = os;
	r = chain_parents(osfd, c, os, "derives-from", e);
	return r < 0 ? r : chain_parents(osfd, c, os, "clones", e);
}

static void chain_free(struct chain *c)
{
	for (int i = 0; i < c->n; i++)
		xmlFreeDoc(c->doc[i]);
	c->n = 0;
}

/* ---- what the chain says ---- */

/* Whether the nearest entry that mentions device id supports it. */
static bool dev_supported(const struct chain *c, const char *id)
{
	for (int i = 0; i < c->n; i++)
		for (xmlNodePtr ds = vu_node_child(c->os[i], "devices"); ds;
		     ds = vu_node_next(ds, "devices")) {
			for (xmlNodePtr d = vu_node_child(ds, "device"); d;
			     d = vu_node_next(d, "device"))
				if (vu_node_value_is(d, NULL, "id", id))
					return !vu_node_value_is(d, NULL, "supported", "false") &&
					       !vu_node_value_is(d, NULL, "removed", "true");
		}
	return false;
}

static bool dev_any(const struct chain *c, const char *const *ids)
{
	for (; *ids; ids++)
		if (dev_supported(c, *ids))
			return true;
	return false;
}

/* <firmware arch= type= supported=>: the nearest entry wins; dflt when no
 * entry mentions the type. */
static bool fw_supported(const struct chain *c, const char *type, bool dflt)
{
	for (int i = 0; i < c->n; i++)
		for (xmlNodePtr f = vu_node_child(c->os[i], "firmware"); f;
		     f = vu_node_next(f, "firmware"))
			if (vu_node_value_is(f, NULL, "arch", ARCH) &&
			    vu_node_value_is(f, NULL, "type", type))
				return !vu_node_value_is(f, NULL, "supported", "false");
	return dflt;
}

/* <resources><KIND><KEY>: the number, or -1 when not there. */
static int64_t res_raw(xmlNodePtr res, const char *kind, const char *key)
{
	for (xmlNodePtr k = vu_node_child(res, kind); k; k = vu_node_next(k, kind)) {
		xmlNodePtr v = vu_node_child(k, key);
		char *t, *end;
		long long n;

		if (!v)
			continue;
		vu_node_get(v, NULL, NULL, &t);
		errno = 0;
		n = t ? strtoll(t, &end, 10) : -1;
		if (!t || errno || end == t || *end || n < 0)
			n = -1;
		free(t);
		return n;
	}
	return -1;
}

/* The entry's own <resources arch=arch> that has KIND (or inherits). */
static xmlNodePtr res_entry(xmlNodePtr os, const char *arch, const char *kind)
{
	for (xmlNodePtr r = vu_node_child(os, "resources"); r; r = vu_node_next(r, "resources")) {
		if (!vu_node_value_is(r, NULL, "arch", arch))
			continue;
		if (vu_node_value_is(r, NULL, "inherit", "true") || vu_node_child(r, kind))
			return r;
	}
	return NULL;
}

/* As libosinfo: the entry's value, or for an inherit='true' entry the
 * nearest ancestor's for the same arch. -1 when unknown. */
static int64_t res_arch(const struct chain *c, const char *arch, const char *kind,
			const char *key)
{
	xmlNodePtr own = res_entry(c->os[0], arch, kind);
	int64_t v;

	if (!own)
		return -1;
	v = res_raw(own, kind, key);
	if (v >= 0 || !vu_node_value_is(own, NULL, "inherit", "true"))
		return v;
	for (int i = 1; i < c->n; i++)
		for (xmlNodePtr r = vu_node_child(c->os[i], "resources"); r;
		     r = vu_node_next(r, "resources"))
			if (vu_node_value_is(r, NULL, "arch", arch) &&
			    (v = res_raw(r, kind, key)) >= 0)
				return v;
	return -1;
}

/* As virt-install: x86_64's value, else "all"'s; 0 when unknown. */
static uint64_t res_get(const struct chain *c, const char *kind, const char *key)
{
	int64_t v = res_arch(c, ARCH, kind, key);

	if (v < 0)
		v = res_arch(c, "all", kind, key);
	return v > 0 ? (uint64_t)v : 0;
}

/* The entry's own text child (without xml:lang for <name>), malloc'd. */
static int own_text(xmlNodePtr os, const char *name, char **out)
{
	*out = NULL;
	for (xmlNodePtr n = vu_node_child(os, name); n; n = vu_node_next(n, name)) {
		/* Raw libxml2: xml:lang is in the XML namespace, and vu_node_*
		 * reads attributes in none. */
		if (xmlHasNsProp(n, BAD_CAST "lang", XML_XML_NAMESPACE))
			continue;
		return vu_node_get(n, NULL, NULL, out);
	}
	return 0;
}

/*
 * virt-install's choices for a KVM guest on machine "pc" with VNC (see
 * osinfo_adapt for others): virtio where the OS drives it; else an IDE disk,
 * VGA, and the first NIC of e1000, rtl8139, ne2k_pci and pcnet the OS
 * lists (e1000 when it lists none).
 */
static void pick_devices(const struct chain *c, struct osinfo *o)
{
	static const struct {
		const char *model;
		const char *const *ids;
	} nics[] = {
		{ "virtio", dev_virtio_net }, { "e1000", dev_e1000 },
		{ "rtl8139", dev_rtl8139 }, { "ne2k_pci", dev_ne2k_pci },
		{ "pcnet", dev_pcnet },
	};

	o->disk_bus = dev_any(c, dev_virtio_disk) ? "virtio" : "ide";
	o->nic_model = "e1000";
	for (size_t i = 0; i < ARRAY_SIZE(nics); i++)
		if (dev_any(c, nics[i].ids)) {
			o->nic_model = nics[i].model;
			break;
		}
	o->video = dev_any(c, dev_virtio_gpu) ? "virtio" : "vga";
	o->virtio_rng = dev_any(c, dev_virtio_rng);
	o->virtio_balloon = dev_any(c, dev_virtio_balloon);
	o->usb_tablet = dev_any(c, dev_usb_tablet);
}

static int fill(const struct chain *c, struct osinfo *o, struct vu_err *e)
{
	xmlNodePtr os = c->os[0];
	uint64_t min_ram, rec_ram, min_cpus, rec_cpus;
	int r = vu_node_get(os, NULL, "id", &o->id);

	if (r == -ENOENT)
		return vu_err_set(e, EINVAL, "osinfo entry without an id");
	if (r < 0 || own_text(os, "short-id", &o->short_id) < 0 ||
	    own_text(os, "name", &o->name) < 0 || own_text(os, "family", &o->family) < 0)
		return vu_err_set(e, ENOMEM, NULL);
	if (!o->short_id)
		return vu_err_set(e, EINVAL, "osinfo entry %.200s without a short id", o->id);
	pick_devices(c, o);
	/* virt-install asks for UEFI only when the OS cannot boot from BIOS. */
	o->uefi = fw_supported(c, "efi", false) && !fw_supported(c, "bios", true);
	min_ram = res_get(c, "minimum", "ram");
	rec_ram = res_get(c, "recommended", "ram");
	min_cpus = res_get(c, "minimum", "n-cpus");
	rec_cpus = res_get(c, "recommended", "n-cpus");
	/* virt-install: no recommended value means twice the minimum. */
	o->min_ram_mib = min_ram >> 20;
	o->rec_ram_mib = (rec_ram ? rec_ram : min_ram * 2) >> 20;
	o->rec_vcpus = (unsigned)(rec_cpus ? rec_cpus : min_cpus * 2);
	return 0;
}

/* ---- short ids for listings and hints ---- */

static int strv_add(struct strv *sv, const char *s, size_t len)
{
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 1024;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	if (!(sv->v[sv->n] = strndup(s, len)))
		return -ENOMEM;
	sv->n++;
	return 0;
}

static void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Every <short-id>X</short-id> of a file, by byte search (no parsing). */
static int collect_short_ids(int osfd, const char *rel, const char *base, void *ctx)
{
	static const char open_tag[] = "<short-id>", close_tag[] = "</short-id>";
	struct mapped m;
	const char *p, *end;
	int r = 0;

	(void)base;
	if (map_file(osfd, rel, &m) < 0 || !m.p)
		return 0;
	p = m.p;
	end = m.p + m.len;
	while (!r && (p = memmem(p, (size_t)(end - p), open_tag, sizeof(open_tag) - 1))) {
		const char *s = p + sizeof(open_tag) - 1, *q;

		q = memmem(s, (size_t)(end - s), close_tag, sizeof(close_tag) - 1);
		if (!q)
			break;
		if (q > s && q - s <= SHORT_ID_MAX && memchr(s, '<', (size_t)(q - s)) == NULL)
			r = strv_add(ctx, s, (size_t)(q - s));
		p = q;
	}
	unmap_file(&m);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every short id of the database, plus "generic", sorted and unique. */
static int all_short_ids(int osfd, struct strv *sv)
{
	size_t o = 0;
	int r = for_each_file(osfd, collect_short_ids, sv);

	if (r >= 0)
		r = strv_add(sv, "generic", 7);
	if (r < 0)
		return r;
	qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
	for (size_t i = 0; i < sv->n; i++) {
		if (o && !strcmp(sv->v[o - 1], sv->v[i]))
			free(sv->v[i]);
		else
			sv->v[o++] = sv->v[i];
	}
	sv->n = o;
	return 0;
}

/* Levenshtein distance of two short strings (both at most SHORT_ID_MAX). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[SHORT_ID_MAX + 1];

	if (la > SHORT_ID_MAX || lb > SHORT_ID_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/*
 * -ENOENT with "unknown OS name 'X' (did you mean: a, b, c?)": the three
 * short ids (or aliases) nearest by edit distance, within a third of the
 * name's length (at least 2); ties go to the longer common prefix, then to
 * sorted order (rhel7.99 suggests rhel7.9, rhel7.0, rhel7.1).
 */
static int unknown(int osfd, const char *name, struct vu_err *e)
{
	struct strv sv = { 0 };
	const char *best[3] = { 0 };
	size_t score[3] = { SIZE_MAX, SIZE_MAX, SIZE_MAX };
	size_t limit = strlen(name) / 3 > 2 ? strlen(name) / 3 : 2;
	char hint[160] = "";
	int r = osfd >= 0 ? all_short_ids(osfd, &sv) : 0;

	for (size_t i = 0; r == 0 && i < sv.n + ARRAY_SIZE(aliases); i++) {
		const char *cand = i < sv.n ? sv.v[i] : aliases[i - sv.n].alias;
		size_t d = short_id_ok(name) ? edit_distance(name, cand) : SIZE_MAX;
		/* distance first, then the longer shared prefix */
		size_t s = d <= limit ? d * 256 + (255 - common_prefix(name, cand)) : SIZE_MAX;

		for (int k = 0; k < 3 && s != SIZE_MAX; k++) {
			if (s >= score[k])
				continue;
			memmove(&best[k + 1], &best[k], (size_t)(2 - k) * sizeof(best[0]));
			memmove(&score[k + 1], &score[k], (size_t)(2 - k) * sizeof(score[0]));
			best[k] = cand;
			score[k] = s;
			break;
		}
	}
	for (int k = 0; k < 3 && best[k]; k++) {
		size_t n = strlen(hint);

		snprintf(hint + n, sizeof(hint) - n, "%s%s", k ? ", " : " (did you mean: ",
			 best[k]);
	}
	if (best[0]) {
		size_t n = strlen(hint);

		snprintf(hint + n, sizeof(hint) - n, "?)");
	}
	r = vu_err_set(e, ENOENT, "unknown OS name '%.64s'%s", name, hint);
	strv_free(&sv);
	return r;
}

/* ---- the interface ---- */

/* virt-install's "generic": an OS it knows nothing about, so no virtio. */
static int fill_generic(struct osinfo *o, struct vu_err *e)
{
	o->short_id = strdup("generic");
	o->name = strdup("Generic or unknown OS");
	if (!o->short_id || !o->name) {
		osinfo_clear(o);
		return vu_err_set(e, ENOMEM, NULL);
	}
	o->disk_bus = "ide";
	o->nic_model = "e1000";
	o->video = "vga";
	return 0;
}

int osinfo_lookup(const char *name, struct osinfo *out, struct vu_err *e)
{
	struct chain c = { .n = 0 };
	bool full_id = name && strstr(name, "://");
	xmlDocPtr doc;
	xmlNodePtr os;
	int osfd, r;

	memset(out, 0, sizeof(*out));
	if (!name)
		name = "";
	if (!strcmp(name, "generic") || !strcmp(name, "none"))
		return fill_generic(out, e);
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(name, aliases[i].alias))
			name = aliases[i].short_id;
	osfd = open_os_dir(e);
	if (osfd < 0)
		return osfd;
	if (full_id ? strlen(name) >= REL_MAX || strpbrk(name, "\"<>&") : !short_id_ok(name))
		r = 0;
	else
		r = lookup_entry(osfd, full_id ? name : NULL, full_id ? NULL : name, &doc,
				 &os, e);
	if (r == 0)
		r = unknown(osfd, name, e);
	else if (r == 1 && (r = chain_add(osfd, &c, doc, os, e)) == 0)
		r = fill(&c, out, e);
	chain_free(&c);
	close(osfd);
	if (r < 0)
		osinfo_clear(out);
	return r < 0 ? r : 0;
}

void osinfo_clear(struct osinfo *o)
{
	if (!o)
		return;
	free(o->short_id);
	free(o->id);
	free(o->name);
	free(o->family);
	memset(o, 0, sizeof(*o));
}

static bool is_q35(const char *machine)
{
	return machine && (!strcmp(machine, "q35") || !strncmp(machine, "pc-q35-", 7));
}

void osinfo_adapt(struct osinfo *o, const char *machine, const char *graphics, bool uefi)
{
	bool virtio_video = o->video && !strcmp(o->video, "virtio");

	if (is_q35(machine)) {
		if (o->disk_bus && strcmp(o->disk_bus, "virtio"))
			o->disk_bus = "sata";
		if (o->nic_model && strcmp(o->nic_model, "virtio"))
			o->nic_model = "e1000e";
	}
	if (virtio_video)
		return;
	if (graphics && !strcmp(graphics, "spice"))
		o->video = "qxl";
	else if (uefi)
		o->video = "bochs";
}

int osinfo_list(FILE *f, struct vu_err *e)
{
	struct strv sv = { 0 };
	int osfd = open_os_dir(e), r;

	if (osfd < 0)
		return osfd;
	r = all_short_ids(osfd, &sv);
	close(osfd);
	if (r < 0) {
		strv_free(&sv);
		return vu_err_set(e, -r, "osinfo database %s: %s", db_dir(), strerror(-r));
	}
	for (size_t i = 0; i < sv.n && r == 0; i++)
		if (fprintf(f, "%s\n", sv.v[i]) < 0)
			r = vu_err_set(e, errno ? errno : EIO, NULL);
	strv_free(&sv);
	return r;
}
