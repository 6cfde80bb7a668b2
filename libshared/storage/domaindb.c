/* SPDX-License-Identifier: GPL-2.0-or-later */
/* domaindb.c - domains defined in the state root (ROOT/domains/NAME.xml) */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/diag.h"
#include "vu/domaindb.h"
#include "vu/file.h"
#include "vu/xml.h"

#include "storage_int.h"

static char *def_path(const struct vu_state *st, const char *name)
{
	char *p;

	return asprintf(&p, "%s/domains/%s.xml", st->root, name) < 0 ? NULL : p;
}

/* The definition of name, the lock already taken. A file that names
 * another domain is refused: its file name is what makes names unique. */
static int load_locked(const struct vu_state *st, const char *name,
		       struct vu_domain **out, struct vu_err *e)
{
	struct vu_err le = { 0 };
	char *path, *inner = NULL;
	int r;

	*out = NULL;
	if (vu_name_check(name) < 0)
		return vu_err_set(e, ENOENT, "domain '%.255s' not found", name);
	if (!(path = def_path(st, name)))
		return vu_err_set(e, ENOMEM, NULL);
	r = vu_domain_load(out, path, &le);
	if (r == -ENOENT)
		vu_err_set(e, ENOENT, "domain '%s' not found", name);
	else if (r < 0)
		vu_err_set(e, -r, "%s: %s", path, vu_err_str(&le));
	else if ((r = vu_domain_get_name(*out, &inner)) < 0 || strcmp(inner, name)) {
		r = vu_err_set(e, EINVAL, "%s: defines domain '%.255s', not '%s'", path,
			       inner ? inner : "", name);
		vu_domain_free(out);
	}
	free(inner);
	free(path);
	return r;
}

int vu_domaindb_load(const struct vu_state *st, const char *name,
		     struct vu_domain **out, struct vu_err *e)
{
	int fd = st_lock_root(st, false, e);
	int r;

	if (fd < 0)
		return fd;
	r = load_locked(st, name, out, e);
	close(fd);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the NAME.xml files in ROOT/domains, the lock already taken. */
static int list_locked(const struct vu_state *st, char ***names, size_t *n)
{
	char *dir = vu_state_path(st, "domains", NULL);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;
	char **v = calloc(1, sizeof(*v));
	size_t k = 0;
	int r = dir && v ? 0 : -ENOMEM;

	if (r == 0 && !d && errno != ENOENT)
		r = -errno;
	while (r == 0 && d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (len <= 4 || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		grown = realloc(v, (k + 2) * sizeof(*v));
		if (!grown || !(grown[k] = strndup(de->d_name, len - 4))) {
			v = grown ? grown : v;
			r = -ENOMEM;
			break;
		}
		v = grown;
		v[++k] = NULL;
		if (vu_name_check(v[k - 1]) < 0)	/* a stray file, not ours */
			free(v[--k]), v[k] = NULL;
	}
	if (d)
		closedir(d);
	free(dir);
	if (r < 0) {
		vu_domaindb_names_free(v);
		return r;
	}
	qsort(v, k, sizeof(*v), cmp_names);
	*names = v;
	*n = k;
	return 0;
}

int vu_domaindb_list(const struct vu_state *st, char ***names, size_t *n)
{
	int fd = vu_state_lock(st, false);
	int r;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return fd;
	r = list_locked(st, names, n);
	close(fd);
	return r;
}

void vu_domaindb_names_free(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

/* Whether other (a defined domain, named oname) clashes with dom by UUID
 * or by an interface MAC; fills e when it does. */
static int clash(const struct vu_domain *dom, const struct vu_domain *other,
		 const char *oname, struct vu_err *e)
{
	char u1[VU_UUID_STRLEN], u2[VU_UUID_STRLEN];
	xmlNodePtr i = NULL;
	int r = 0;

	if (vu_domain_get_uuid(dom, u1) == 0 && vu_domain_get_uuid(other, u2) == 0 &&
	    strcmp(u1, u2) == 0)
		return vu_err_set(e, EEXIST, "UUID %s is used by domain '%s'", u1, oname);
	while (r == 0 && (i = vu_domain_dev_next(dom, "interface", i))) {
		char *mac = NULL;

		if (vu_node_get(i, "mac", "address", &mac) == 0 &&
		    vu_domain_find_iface(other, mac))
			r = vu_err_set(e, EEXIST, "MAC %s is used by domain '%s'", mac, oname);
		free(mac);
	}
	return r;
}

/*
 * check_unique with the lock already taken. A definition that cannot be
 * read (a hand-edited or hostile file) cannot clash and must not stop
 * others being defined: it is skipped, and with warn said so on stderr,
 * once per run (define checks again under its lock, quietly).
 */
static int unique_locked(const struct vu_state *st, const struct vu_domain *dom,
			 const char *name, const char *replace, bool warn,
			 struct vu_err *e)
{
	char **names;
	size_t n;
	int r = list_locked(st, &names, &n);

	for (size_t k = 0; r == 0 && k < n; k++) {
		struct vu_err le = { 0 };
		struct vu_domain *other;

		if (replace && strcmp(names[k], replace) == 0)
			continue;
		if (strcmp(names[k], name) == 0) {
			r = vu_err_set(e, EEXIST, "domain '%s' already exists", name);
			break;
		}
		if (load_locked(st, names[k], &other, &le) < 0) {
			if (warn && le.code != ENOENT && le.code != ENOMEM)
				vu_warnx("%s (skipped)", vu_err_str(&le));
			continue;
		}
		r = clash(dom, other, names[k], e);
		vu_domain_free(&other);
	}
	vu_domaindb_names_free(names);
	return r;
}

int vu_domaindb_check_unique(const struct vu_state *st, const struct vu_domain *dom,
			     const char *replace, struct vu_err *e)
{
	char *name = NULL;
	int fd, r;

	if (vu_domain_get_name(dom, &name) < 0)
		return vu_err_set(e, EINVAL, "the domain has no name");
	fd = st_lock_root(st, false, e);
	r = fd < 0 ? fd : unique_locked(st, dom, name, replace, true, e);
	if (fd >= 0)
		close(fd);
	free(name);
	return r;
}

bool vu_domaindb_mac_used(const char *mac, void *state)
{
	const struct vu_state *st = state;
	char **names;
	size_t n;
	bool used = false;
	int fd = vu_state_lock(st, false);

	if (fd < 0)
		return false;	/* no root yet: nothing is defined */
	if (list_locked(st, &names, &n) == 0) {
		for (size_t k = 0; !used && k < n; k++) {
			struct vu_domain *d;

			if (load_locked(st, names[k], &d, NULL) < 0)
				continue;
			used = vu_domain_find_iface(d, mac) != NULL;
			vu_domain_free(&d);
		}
		vu_domaindb_names_free(names);
	}
	close(fd);
	return used;
}

/* libvirt refuses names made only of digits: they read as domain ids. */
static int check_name(const char *name, struct vu_err *e)
{
	const char *c = name;

	if (vu_xml_name_check("domain", name, e) < 0)
		return -EINVAL;
	while (isdigit((unsigned char)*c))
		c++;
	if (!*c)
		return vu_err_set(e, EINVAL, "domain name '%s' cannot be only digits", name);
	return 0;
}

/*
 * Definitions are 0600 whatever the umask, as libvirt keeps them: they may
 * hold secrets (a VNC or SPICE password, iSCSI credentials). The mode is
 * set on the file before it gets its name, so it is never readable to
 * others, not even for a moment.
 */
#define DEF_MODE 0600

static int write_def(const struct vu_state *st, const struct vu_domain *dom,
		     const char *name, bool replace, struct vu_err *e)
{
	char *path = def_path(st, name), *file = NULL;
	char *xml = vu_domain_format(dom);
	struct vu_atomic a;
	int r = path && xml && asprintf(&file, "%s.xml", name) >= 0 ? 0 : -ENOMEM;

	/* Through the domains/ checked when the root was opened: a link
	 * swapped in since is not followed. */
	if (r == 0 && (r = vu_atomic_openat(&a, vu_state_dirfd(st, VU_STATE_DOMAINS), file, path,
					    DEF_MODE)) == 0) {
		r = fchmod(a.fd, DEF_MODE) < 0 ? -errno : 0;
		if (r == 0)
			r = vu_write_all(a.fd, xml, strlen(xml));
		r = r < 0 ? (vu_atomic_abort(&a), r) : vu_atomic_commit(&a, replace, true);
	}
	if (r == -EEXIST)
		vu_err_set(e, EEXIST, "domain '%s' already exists", name);
	else if (r < 0)
		vu_err_set(e, -r, "%s: %s", path ? path : name, strerror(-r));
	free(file);
	free(xml);
	free(path);
	return r;
}

int vu_domaindb_define(const struct vu_state *st, const struct vu_domain *dom,
		       unsigned flags, struct vu_err *e)
{
	bool replace = flags & VU_DOMAINDB_REPLACE;
	char *name = NULL;
	int fd, r;

	if (vu_domain_get_name(dom, &name) < 0)
		return vu_err_set(e, EINVAL, "the domain has no name");
	if ((r = check_name(name, e)) < 0 || (r = vu_domain_check(dom, e)) < 0)
		goto out;
	if ((r = fd = st_lock_root(st, true, e)) < 0)
		goto out;
	r = unique_locked(st, dom, name, replace ? name : NULL, false, e);
	if (r == 0)
		r = write_def(st, dom, name, replace, e);
	close(fd);
out:
	free(name);
	return r;
}

int vu_domaindb_undefine(const struct vu_state *st, const char *name, struct vu_err *e)
{
	char *path, *file = NULL;
	int fd, r = 0;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, ENOENT, "domain '%.255s' not found", name);
	if ((fd = st_lock_root(st, true, e)) < 0)
		return fd;
	path = def_path(st, name);
	if (!path || asprintf(&file, "%s.xml", name) < 0)
		r = vu_err_set(e, ENOMEM, NULL);
	else if (unlinkat(vu_state_dirfd(st, VU_STATE_DOMAINS), file, 0) < 0) {
		int err = errno;

		r = err == ENOENT ? vu_err_set(e, ENOENT, "domain '%s' not found", name) :
				    vu_err_set(e, err, "%s: %s", path, strerror(err));
	}
	if (r == 0) {
		st_autostart_set(st, VU_STATE_DOMAINS, name, false, NULL);
		fsync(vu_state_dirfd(st, VU_STATE_DOMAINS));
	}
	close(fd);
	free(file);
	free(path);
	return r;
}

int vu_domaindb_autostart(const struct vu_state *st, const char *name, bool on,
			  struct vu_err *e)
{
	return st_autostart_mark(st, VU_STATE_DOMAINS, "domain", name, on, e);
}

bool vu_domaindb_is_autostart(const struct vu_state *st, const char *name)
{
	return vu_name_check(name) == 0 && st_autostart_get(st, VU_STATE_DOMAINS, name);
}

bool vu_domaindb_is_defined(const struct vu_state *st, const char *name)
{
	char fn[NAME_MAX + 1];
	int dfd = vu_state_dirfd(st, VU_STATE_DOMAINS);

	if (dfd < 0 || vu_name_check(name) < 0 ||
	    snprintf(fn, sizeof(fn), "%s.xml", name) >= (int)sizeof(fn))
		return false;
	return faccessat(dfd, fn, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

char *vu_domaindb_pidfile(const struct vu_state *st, const char *name)
{
	char *p;

	return asprintf(&p, "%s/qemu/%s.pid", st->run, name) < 0 ? NULL : p;
}

/* QEMU locks its -pidfile with lockf(3), a POSIX record lock, which flock
 * does not see: ask with F_GETLK. */
int vu_domaindb_running(const struct vu_state *st, const char *name)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *path;
	int fd, r;

	if (vu_name_check(name) < 0)
		return -EINVAL;
	if (!(path = vu_domaindb_pidfile(st, name)))
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fcntl(fd, F_GETLK, &fl) < 0 ? -errno : fl.l_type != F_UNLCK;
	close(fd);
	return r;
}
