/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networkdb.c - virtual networks defined in the state root
 * (ROOT/networks/NAME.xml), their live records (RUN/networks/NAME.xml),
 * autostart marks, the conflicts refused at define, and `default` */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/diag.h"
#include "vu/file.h"
#include "vu/networkdb.h"
#include "vu/xml.h"

#include "storage_int.h"

/* More than any network document needs; vu_xml_parse bounds it again. */
#define DOC_MAX (16u << 20)
/* 0600 whatever the umask, as libvirt keeps them; set before the name
 * appears. */
#define DEF_MODE 0600
/* Left in ROOT/networks once `default` has been defined (see the header). */
#define DEFAULT_DONE ".default-done"

enum where { CONFIG, LIVE };

/* "ROOT/networks/NAME.xml" or "RUN/networks/NAME.xml", for messages. */
static char *path_of(const struct vu_state *st, enum where w, const char *name)
{
	char *p;

	return asprintf(&p, "%s/networks/%s.xml", w == LIVE ? st->run : st->root, name) < 0
		       ? NULL : p;
}

/*
 * The directory of w, open (the caller closes it): ROOT/networks as
 * checked when the root was opened, or RUN/networks below the checked run
 * dir, never through a link, made first when create. -ENOENT when the run
 * one does not exist (nothing runs).
 */
static int dir_open(const struct vu_state *st, enum where w, bool create)
{
	int run = vu_state_dirfd(st, VU_STATE_RUN), fd;

	if (w == CONFIG)
		fd = fcntl(vu_state_dirfd(st, VU_STATE_NETWORKS), F_DUPFD_CLOEXEC, 0);
	else {
		if (create && mkdirat(run, "networks", 0755) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(run, "networks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* ---- loading ---- */

/* The document NAME.xml in w, the lock already taken. The file is opened
 * without following a link and must name the network its file name does:
 * the file name is what makes names unique. */
static int load_locked(const struct vu_state *st, enum where w, const char *name,
		       struct vu_network **out, struct vu_err *e)
{
	struct vu_err le = { 0 };
	char file[256 + sizeof(".xml")], *path = NULL, *buf = NULL, *inner = NULL;
	size_t len;
	int dfd, fd = -1, r = 0;

	*out = NULL;
	if (vu_name_check(name) < 0)
		return vu_err_set(e, ENOENT, "network '%.255s' not found", name);
	snprintf(file, sizeof(file), "%s.xml", name);
	if (!(path = path_of(st, w, name)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((dfd = dir_open(st, w, false)) >= 0) {
		fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		r = fd < 0 ? -errno : 0;
		close(dfd);
	} else
		r = dfd;
	if (r == 0)
		r = vu_read_all(fd, DOC_MAX, &buf, &len);
	if (r == -ENOENT)
		vu_err_set(e, ENOENT, w == LIVE ? "network '%s' is not active"
						 : "network '%s' not found", name);
	else if (r < 0)
		vu_err_set(e, -r, "%s: %s", path, r == -ELOOP ? "is a symbolic link" : strerror(-r));
	else if ((r = vu_network_parse(out, buf, len, &le)) < 0)
		vu_err_set(e, -r, "%s: %s", path, vu_err_str(&le));
	else if (vu_network_get_name(*out, &inner) < 0 || strcmp(inner, name)) {
		r = vu_err_set(e, EINVAL, "%s: defines network '%.255s', not '%s'", path,
			       inner ? inner : "", name);
		vu_network_free(out);
	}
	if (fd >= 0)
		close(fd);
	free(inner);
	free(buf);
	free(path);
	return r;
}

static int load(const struct vu_state *st, enum where w, const char *name,
		struct vu_network **out, struct vu_err *e)
{
	int fd = st_lock_root(st, false, e), r;

	*out = NULL;
	if (fd < 0)
		return fd;
	r = load_locked(st, w, name, out, e);
	close(fd);
	return r;
}

int vu_networkdb_load(const struct vu_state *st, const char *name,
		      struct vu_network **out, struct vu_err *e)
{
	return load(st, CONFIG, name, out, e);
}

int vu_networkdb_load_live(const struct vu_state *st, const char *name,
			   struct vu_network **out, struct vu_err *e)
{
	return load(st, LIVE, name, out, e);
}

/* ---- listing ---- */

void vu_networkdb_names_free(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the NAME of every NAME.xml in w to *v (k entries, NULL-ended);
 * files whose name is not a valid one are not ours and are passed over. */
static int scan(const struct vu_state *st, enum where w, char ***v, size_t *k)
{
	int fd = dir_open(st, w, false);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = fd == -ENOENT ? 0 : fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* A duplicate of the root's fd shares its offset: start over. */
	rewinddir(d);
	while (r == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (len <= 4 || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		if (!(grown = realloc(*v, (*k + 2) * sizeof(**v)))) {
			r = -ENOMEM;
			break;
		}
		*v = grown;
		if (!(grown[*k] = strndup(de->d_name, len - 4)))
			r = -ENOMEM;
		else if (vu_name_check(grown[*k]) < 0)
			free(grown[*k]);
		else
			(*k)++;
		grown[*k] = NULL;
	}
	closedir(d);
	return r;
}

static int list_locked(const struct vu_state *st, unsigned which, char ***names, size_t *n)
{
	char **v = calloc(1, sizeof(*v));
	size_t k = 0, j = 0;
	int r = v ? 0 : -ENOMEM;

	if (r == 0 && (which & VU_NETWORKDB_DEFINED))
		r = scan(st, CONFIG, &v, &k);
	if (r == 0 && (which & VU_NETWORKDB_ACTIVE))
		r = scan(st, LIVE, &v, &k);
	if (r < 0) {
		vu_networkdb_names_free(v);
		return r;
	}
	qsort(v, k, sizeof(*v), cmp_names);
	for (size_t i = 0; i < k; i++)	/* defined and active: once */
		if (j && strcmp(v[j - 1], v[i]) == 0)
			free(v[i]);
		else
			v[j++] = v[i];
	v[j] = NULL;
	*names = v;
	*n = j;
	return 0;
}

int vu_networkdb_list(const struct vu_state *st, unsigned which, char ***names, size_t *n)
{
	int fd = vu_state_lock(st, false), r;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return fd;
	r = list_locked(st, which, names, n);
	close(fd);
	return r;
}

/* ---- conflicts ---- */

/* Whether other (the network oname, defined or running) clashes with net
 * by UUID, bridge or subnet; e says how. */
static int clash(const struct vu_network *net, const struct vu_net_ip *ips, size_t nips,
		 const struct vu_network *other, const char *oname, struct vu_err *e)
{
	char u1[VU_UUID_STRLEN], u2[VU_UUID_STRLEN], *b1 = NULL, *b2 = NULL;
	struct vu_net_ip *oips = NULL;
	size_t on = 0;
	int r = 0;

	if (vu_network_get_uuid(net, u1) == 0 && vu_network_get_uuid(other, u2) == 0 &&
	    strcmp(u1, u2) == 0)
		return vu_err_set(e, EEXIST, "UUID %s is used by network '%s'", u1, oname);
	if (vu_network_get_bridge(net, &b1) == 0 && vu_network_get_bridge(other, &b2) == 0 &&
	    strcmp(b1, b2) == 0)
		r = vu_err_set(e, EEXIST, "bridge %s is used by network '%s'", b1, oname);
	free(b1);
	free(b2);
	if (r < 0 || vu_network_get_ips(other, &oips, &on, NULL) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < nips; i++)
		for (size_t j = 0; r == 0 && j < on; j++)
			if (vu_net_ip_overlap(&ips[i], &oips[j]))
				r = vu_err_set(e, EEXIST, "subnet %s/%u overlaps network '%s' "
					       "(%s/%u)", ips[i].address, ips[i].prefix, oname,
					       oips[j].address, oips[j].prefix);
	vu_net_ips_free(oips, on);
	return r;
}

/* One other network's definition and live record, each checked; an
 * unreadable one is reported and skipped. */
static int clash_name(const struct vu_state *st, const struct vu_network *net,
		      const struct vu_net_ip *ips, size_t nips, const char *oname,
		      struct vu_err *e)
{
	int r = 0;

	for (int w = CONFIG; r == 0 && w <= LIVE; w++) {
		struct vu_err le = { 0 };
		struct vu_network *other;

		if (load_locked(st, (enum where)w, oname, &other, &le) < 0) {
			if (le.code != ENOENT)
				vu_warnx("%s (skipped)", vu_err_str(&le));
			continue;
		}
		r = clash(net, ips, nips, other, oname, e);
		vu_network_free(&other);
	}
	return r;
}

static int unique_locked(const struct vu_state *st, const struct vu_network *net,
			 const char *name, struct vu_err *e)
{
	struct vu_net_ip *ips = NULL;
	size_t nips = 0, n;
	char **names;
	int r = vu_network_get_ips(net, &ips, &nips, e);

	if (r < 0)
		return r;
	if ((r = list_locked(st, VU_NETWORKDB_DEFINED | VU_NETWORKDB_ACTIVE, &names, &n)) < 0) {
		vu_net_ips_free(ips, nips);
		return vu_err_set(e, -r, "%s/networks: %s", st->root, strerror(-r));
	}
	for (size_t k = 0; r == 0 && k < n; k++)
		if (strcmp(names[k], name) != 0)
			r = clash_name(st, net, ips, nips, names[k], e);
	vu_networkdb_names_free(names);
	vu_net_ips_free(ips, nips);
	return r;
}

static int name_of(const struct vu_network *net, char **name, struct vu_err *e)
{
	int r = vu_network_get_name(net, name);

	if (r == -ENOENT)
		return vu_err_set(e, EINVAL, "the network has no name");
	if (r < 0)
		return vu_err_set(e, -r, NULL);
	return vu_xml_name_check("network", *name, e);
}

int vu_networkdb_check_unique(const struct vu_state *st, const struct vu_network *net,
			      struct vu_err *e)
{
	char *name = NULL;
	int fd, r = name_of(net, &name, e);

	if (r == 0 && (r = fd = st_lock_root(st, false, e)) >= 0) {
		r = unique_locked(st, net, name, e);
		close(fd);
	}
	free(name);
	return r;
}

/* ---- writing ---- */

static int write_locked(const struct vu_state *st, enum where w, const struct vu_network *net,
			const char *name, struct vu_err *e)
{
	char file[256 + sizeof(".xml")], *path = path_of(st, w, name);
	char *xml = vu_network_format(net);
	struct vu_atomic a;
	int dfd = dir_open(st, w, true), r = path && xml ? 0 : -ENOMEM;

	snprintf(file, sizeof(file), "%s.xml", name);
	if (r == 0 && dfd < 0)
		r = dfd;
	if (r == 0 && (r = vu_atomic_openat(&a, dfd, file, path, DEF_MODE)) == 0) {
		r = fchmod(a.fd, DEF_MODE) < 0 ? -errno : 0;
		if (r == 0)
			r = vu_write_all(a.fd, xml, strlen(xml));
		r = r < 0 ? (vu_atomic_abort(&a), r) : vu_atomic_commit(&a, true, true);
	}
	if (r < 0)
		vu_err_set(e, -r, "%s: %s", path ? path : name, strerror(-r));
	if (dfd >= 0)
		close(dfd);
	free(xml);
	free(path);
	return r;
}

/* libvirt's rule for a definition of the same name, or a running
 * network of that name (a transient one becomes persistent): it is the
 * same network only with the same UUID; one without takes the old UUID
 * (and MAC), so that redefining an edited file keeps the identity. */
static int same_name_one(struct vu_network *net, const struct vu_network *old,
			 const char *name, struct vu_err *e)
{
	char u_new[VU_UUID_STRLEN], u_old[VU_UUID_STRLEN], mac[VU_MAC_STRLEN];
	int fwd = vu_network_get_forward(net), r = 0;

	if (vu_network_get_uuid(old, u_old) == 0) {
		int got = vu_network_get_uuid(net, u_new);

		if (got == -ENOENT)
			r = vu_network_set_uuid(net, u_old);
		else if (got == 0 && strcmp(u_new, u_old) != 0)
			r = vu_err_set(e, EEXIST, "network '%s' already exists with uuid %s",
				       name, u_old);
	}
	if (r == 0 && fwd >= 0 && vu_net_forward_has_bridge((enum vu_net_forward)fwd) &&
	    vu_network_get_mac(net, mac) == -ENOENT && vu_network_get_mac(old, mac) == 0)
		r = vu_network_set_mac(net, mac);
	return r == -ENOMEM ? vu_err_set(e, ENOMEM, NULL) : r;
}

static int same_name_locked(const struct vu_state *st, struct vu_network *net,
			    const char *name, struct vu_err *e)
{
	int r = 0;

	for (int w = CONFIG; r == 0 && w <= LIVE; w++) {
		struct vu_network *old;

		if (load_locked(st, (enum where)w, name, &old, NULL) < 0)
			continue;	/* none (or unreadable: replaced) */
		r = same_name_one(net, old, name, e);
		vu_network_free(&old);
	}
	return r;
}

/* The bridge names of every network but self, defined or running
 * (NULL-terminated); unreadable ones are passed over (quietly: the
 * conflict check that follows reports them). */
static int bridges_locked(const struct vu_state *st, const char *self, char ***out)
{
	char **names, **v;
	size_t n, k = 0;
	int r = list_locked(st, VU_NETWORKDB_DEFINED | VU_NETWORKDB_ACTIVE, &names, &n);

	if (r < 0)
		return r;
	if (!(v = calloc(2 * n + 1, sizeof(*v))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		for (int w = CONFIG; r == 0 && w <= LIVE && strcmp(names[i], self); w++) {
			struct vu_network *other;

			if (load_locked(st, (enum where)w, names[i], &other, NULL) < 0)
				continue;
			r = vu_network_get_bridge(other, &v[k]);
			if (r == 0)
				k++;
			else if (r == -ENOENT)
				r = 0;
			vu_network_free(&other);
		}
	}
	vu_networkdb_names_free(names);
	if (r < 0)
		vu_net_strv_free(v);
	else
		*out = v;
	return r;
}

/*
 * libvirt names the bridge at define when the network makes one and the
 * XML names none: the first virbrN no other network's bridge is. Host
 * interfaces are the tool's to look at when it starts the network.
 */
static int assign_bridge(const struct vu_state *st, struct vu_network *net,
			 const char *name, struct vu_err *e)
{
	int fwd = vu_network_get_forward(net), r;
	char *br = NULL, **used = NULL, cand[16];

	if (fwd < 0 || !vu_net_forward_has_bridge((enum vu_net_forward)fwd))
		return 0;
	if ((r = vu_network_get_bridge(net, &br)) != -ENOENT) {
		free(br);
		return r == -ENOMEM ? vu_err_set(e, ENOMEM, NULL) : 0;
	}
	if ((r = bridges_locked(st, name, &used)) < 0)
		return vu_err_set(e, -r, NULL);
	r = -EEXIST;
	for (unsigned n = 0; r == -EEXIST && n < 65536; n++) {
		bool taken = false;

		snprintf(cand, sizeof(cand), "virbr%u", n);
		for (char **u = used; !taken && *u; u++)
			taken = strcmp(*u, cand) == 0;
		if (!taken && (r = vu_network_set_bridge(net, cand)) < 0)
			vu_err_set(e, -r, NULL);
	}
	vu_net_strv_free(used);
	return r == -EEXIST ? vu_err_set(e, EEXIST, "no free bridge name") : r;
}

static int define_locked(const struct vu_state *st, struct vu_network *net,
			 const char *name, struct vu_err *e)
{
	int r = same_name_locked(st, net, name, e);

	if (r == 0)
		r = assign_bridge(st, net, name, e);
	if (r == 0 && (r = vu_network_ensure_ids(net)) < 0)
		vu_err_set(e, -r, NULL);
	if (r == 0)
		r = vu_network_check(net, e);
	if (r == 0)
		r = unique_locked(st, net, name, e);
	if (r == 0)
		r = write_locked(st, CONFIG, net, name, e);
	return r;
}

int vu_networkdb_define(const struct vu_state *st, struct vu_network *net, struct vu_err *e)
{
	char *name = NULL;
	int fd, r = name_of(net, &name, e);

	if (r == 0)
		r = vu_network_check(net, e);
	if (r == 0 && (r = fd = st_lock_root(st, true, e)) >= 0) {
		r = define_locked(st, net, name, e);
		close(fd);
	}
	free(name);
	return r;
}

/* Removes NAME.xml from w; a missing one is -ENOENT, e unset. */
static int remove_locked(const struct vu_state *st, enum where w, const char *name,
			 struct vu_err *e)
{
	char file[256 + sizeof(".xml")], *path;
	int dfd = dir_open(st, w, false), r = 0;

	snprintf(file, sizeof(file), "%s.xml", name);
	if (dfd < 0)
		return dfd == -ENOENT ? -ENOENT : vu_err_set(e, -dfd, "%s/networks: %s",
							     w == LIVE ? st->run : st->root,
							     strerror(-dfd));
	if (unlinkat(dfd, file, 0) < 0) {
		r = -errno;
		if (r != -ENOENT) {
			path = path_of(st, w, name);
			vu_err_set(e, -r, "%s: %s", path ? path : file, strerror(-r));
			free(path);
		}
	} else
		fsync(dfd);
	close(dfd);
	return r;
}

int vu_networkdb_undefine(const struct vu_state *st, const char *name, struct vu_err *e)
{
	int fd, r;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, ENOENT, "network '%.255s' not found", name);
	if ((fd = st_lock_root(st, true, e)) < 0)
		return fd;
	r = remove_locked(st, CONFIG, name, e);
	if (r == -ENOENT)
		vu_err_set(e, ENOENT, "network '%s' not found", name);
	if (r == 0)
		st_autostart_set(st, VU_STATE_NETWORKS, name, false, NULL);
	close(fd);
	return r;
}

/* ---- autostart ---- */

int vu_networkdb_autostart(const struct vu_state *st, const char *name, bool on,
			   struct vu_err *e)
{
	return st_autostart_mark(st, VU_STATE_NETWORKS, "network", name, on, e);
}

bool vu_networkdb_is_autostart(const struct vu_state *st, const char *name)
{
	return vu_name_check(name) == 0 && st_autostart_get(st, VU_STATE_NETWORKS, name);
}

/* ---- live records ---- */

int vu_networkdb_set_live(const struct vu_state *st, const struct vu_network *net,
			  struct vu_err *e)
{
	char *name = NULL;
	int fd, r = name_of(net, &name, e);

	if (r == 0 && (r = fd = st_lock_root(st, true, e)) >= 0) {
		r = write_locked(st, LIVE, net, name, e);
		close(fd);
	}
	free(name);
	return r;
}

/* RUN/networks/NAME.nft written with RULES, or removed (NULL; a missing
 * one is 0), the lock already taken. */
static int rules_locked(const struct vu_state *st, const char *name, const char *rules,
			struct vu_err *e)
{
	char file[256 + sizeof(".nft")], *path = NULL;
	struct vu_atomic a;
	int dfd = dir_open(st, LIVE, rules != NULL), r = 0;

	snprintf(file, sizeof(file), "%s.nft", name);
	if (dfd == -ENOENT && !rules)
		return 0;
	if (asprintf(&path, "%s/networks/%s", st->run, file) < 0)
		path = NULL, r = -ENOMEM;
	if (r == 0 && dfd < 0)
		r = dfd;
	if (r == 0 && !rules) {
		if (unlinkat(dfd, file, 0) == 0)
			fsync(dfd);
		else if (errno != ENOENT)
			r = -errno;
	} else if (r == 0 && (r = vu_atomic_openat(&a, dfd, file, path, DEF_MODE)) == 0) {
		r = fchmod(a.fd, DEF_MODE) < 0 ? -errno : 0;
		if (r == 0)
			r = vu_write_all(a.fd, rules, strlen(rules));
		r = r < 0 ? (vu_atomic_abort(&a), r) : vu_atomic_commit(&a, true, true);
	}
	if (r < 0)
		vu_err_set(e, -r, "%s: %s", path ? path : file, strerror(-r));
	if (dfd >= 0)
		close(dfd);
	free(path);
	return r;
}

int vu_networkdb_clear_live(const struct vu_state *st, const char *name, struct vu_err *e)
{
	int fd, r;

	if (vu_name_check(name) < 0)
		return 0;	/* never recorded */
	if ((fd = st_lock_root(st, true, e)) < 0)
		return fd;
	r = remove_locked(st, LIVE, name, e);
	if (r == 0 || r == -ENOENT)
		r = rules_locked(st, name, NULL, e);
	close(fd);
	return r == -ENOENT ? 0 : r;
}

int vu_networkdb_set_rules(const struct vu_state *st, const char *name, const char *rules,
			   struct vu_err *e)
{
	int fd, r;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "invalid network name '%.255s'", name);
	if ((fd = st_lock_root(st, true, e)) < 0)
		return fd;
	r = rules_locked(st, name, rules, e);
	close(fd);
	return r;
}

int vu_networkdb_is_active(const struct vu_state *st, const char *name)
{
	char file[256 + sizeof(".xml")];
	struct stat sb;
	int dfd, r;

	if (vu_name_check(name) < 0)
		return 0;
	snprintf(file, sizeof(file), "%s.xml", name);
	if ((dfd = dir_open(st, LIVE, false)) < 0)
		return dfd == -ENOENT ? 0 : dfd;
	r = fstatat(dfd, file, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? 1 : errno == ENOENT ? 0 : -errno;
	close(dfd);
	return r;
}

/* ---- default ---- */

/* libvirt's default network on the first 192.168.N.0/24 and virbrM that
 * no other network uses. */
static int build_default(const struct vu_state *st, struct vu_network **out,
			 struct vu_err *e)
{
	unsigned third = 122, br = 0;
	int r = -EEXIST;

	while (r == -EEXIST && third <= 254 && br < 256) {
		struct vu_err le = { 0 };
		char bridge[16];

		snprintf(bridge, sizeof(bridge), "virbr%u", br);
		if ((r = vu_network_new_default(out, "default", bridge, third)) < 0)
			return vu_err_set(e, -r, NULL);
		r = unique_locked(st, *out, "default", &le);
		if (r == -EEXIST) {
			vu_network_free(out);
			if (strncmp(le.msg, "bridge", 6) == 0)
				br++;
			else
				third++;
		} else if (r < 0) {
			*e = le;
			vu_network_free(out);
		}
	}
	if (r == -EEXIST)
		vu_err_set(e, EEXIST, "no free subnet for the default network");
	return r;
}

static int ensure_default_locked(const struct vu_state *st, struct vu_err *e)
{
	int ndir = vu_state_dirfd(st, VU_STATE_NETWORKS);
	struct vu_network *net = NULL;
	struct stat sb;
	int r, mark;

	if (fstatat(ndir, DEFAULT_DONE, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	r = fstatat(ndir, "default.xml", &sb, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : 1;
	if (r == 1 && (r = build_default(st, &net, e)) == 0 &&
	    (r = define_locked(st, net, "default", e)) == 0 &&
	    (r = st_autostart_set(st, VU_STATE_NETWORKS, "default", true, e)) == 0)
		r = 1;
	vu_network_free(&net);
	if (r < 0)
		return r;
	mark = openat(ndir, DEFAULT_DONE, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (mark < 0)
		return vu_err_set(e, errno, "%s/networks/%s: %s", st->root, DEFAULT_DONE,
				  strerror(errno));
	close(mark);
	fsync(ndir);
	return r;
}

int vu_networkdb_ensure_default(const struct vu_state *st, struct vu_err *e)
{
	struct stat sb;
	int fd, r;

	/* The common case, without the exclusive lock. */
	if (fstatat(vu_state_dirfd(st, VU_STATE_NETWORKS), DEFAULT_DONE, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if ((fd = st_lock_root(st, true, e)) < 0)
		return fd;
	r = ensure_default_locked(st, e);
	close(fd);
	return r;
}
