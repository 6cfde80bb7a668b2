/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pooldb.c - where pools live: definitions in the state root, live state in
 * the run directory, autostart links, and the lock that orders writers */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "storage_int.h"

char *st_def_path(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s.xml", dir, name) < 0 ? NULL : p;
}

int st_lock(struct vu_storage *s, bool exclusive, struct vu_err *e)
{
	int fd = vu_state_lock(&s->st, exclusive);

	if (fd < 0)
		return vu_err_set(e, -fd, "cannot lock the state root %s: %s", s->st.root,
				  strerror(-fd));
	return fd;
}

void st_unlock(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Loads DIR/NAME.xml; *doc stays NULL when there is no such file. */
static int load_def(const char *dir, const char *name, struct vu_poolxml **doc,
		    struct vu_err *e)
{
	char *path = st_def_path(dir, name);
	struct vu_err le = { 0 };
	int r;

	*doc = NULL;
	if (!path)
		return vu_err_set(e, ENOMEM, NULL);
	r = vu_poolxml_load(doc, path, &le);
	if (r < 0 && r != -ENOENT)
		vu_err_set(e, le.code, "%s: %s", path, vu_err_str(&le));
	free(path);
	return r == -ENOENT ? 0 : r;
}

/* A definition file must name the pool it is named after. */
static int check_def(const struct vu_poolxml *doc, const char *dir, const char *name,
		     struct vu_pool_def *px, struct vu_err *e)
{
	struct vu_err le = { 0 };
	int r = vu_poolxml_read(doc, px, &le);

	if (r == 0 && strcmp(px->name, name) != 0) {
		r = vu_err_set(&le, EINVAL, "defines pool '%.100s', not '%.100s'", px->name, name);
		vu_pool_def_free(px);
	}
	if (r < 0)
		vu_err_set(e, le.code, "%s/%s.xml: %s", dir, name, vu_err_str(&le));
	return r;
}

static struct vu_pool *pool_alloc(const char *name)
{
	struct vu_pool *p = calloc(1, sizeof(*p));

	if (p && !(p->name = strdup(name))) {
		free(p);
		return NULL;
	}
	if (p)
		p->refs = 1;
	return p;
}

/*
 * A definition without a UUID was written by hand (we always add one):
 * libvirt gives it one when loading, and we give it the same one every
 * time, made from the name (FNV-1a, shaped as a version 4 UUID).
 */
static void name_uuid(const char *name, char out[VU_UUID_STRLEN])
{
	uint8_t b[16];
	uint64_t h[2] = { 14695981039346656037ull, 1099511628211ull * 31 };

	for (int k = 0; k < 2; k++)
		for (const char *c = name; *c; c++)
			h[k] = (h[k] ^ (uint8_t)*c) * 1099511628211ull;
	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)(h[i / 8] >> (8 * (i % 8)));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, VU_UUID_STRLEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}

int st_pool_load(struct vu_storage *s, const char *name, struct vu_pool **out,
		 struct vu_err *e)
{
	struct vu_pool *p;
	int r;

	*out = NULL;
	if (vu_name_check(name) < 0)
		return vu_err_set(e, ENOENT, "no storage pool with matching name");
	if (!(p = pool_alloc(name)))
		return vu_err_set(e, ENOMEM, NULL);
	r = load_def(s->pools_dir, name, &p->config, e);
	if (r == 0)
		r = load_def(s->run_pools, name, &p->live, e);
	if (r == 0 && !p->config && !p->live)
		r = vu_err_set(e, ENOENT, "no storage pool with matching name");
	if (r == 0)
		r = check_def(st_pool_doc(p), p->live ? s->run_pools : s->pools_dir, name,
			      &p->px, e);
	if (r < 0) {
		vu_pool_free(&p);
		return r;
	}
	p->type = p->px.type;
	p->active = p->live != NULL;
	p->persistent = p->config != NULL;
	p->autostart = p->persistent && st_autostart_get(&s->st, VU_STATE_POOLS, name);
	if (p->px.uuid)
		snprintf(p->uuid, sizeof(p->uuid), "%s", p->px.uuid);
	else
		name_uuid(name, p->uuid);
	*out = p;
	return 0;
}

const struct vu_poolxml *st_pool_doc(const struct vu_pool *p)
{
	return p->live ? p->live : p->config;
}

static int add_name(char ***names, size_t *n, const char *name)
{
	char **grown;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return 0;
	grown = realloc(*names, (*n + 1) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	*names = grown;
	if (!(grown[*n] = strdup(name)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Adds NAME for each NAME.xml in dir (a missing dir has none). */
static int scan_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256];

		if (len <= 4 || len - 4 >= sizeof(name) || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		memcpy(name, de->d_name, len - 4);
		name[len - 4] = '\0';
		if (vu_name_check(name) == 0)
			r = add_name(names, n, name);
	}
	closedir(d);
	return r;
}

/* virsh sorts names without regard to case. */
static int cmp_names(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

int st_pool_names(struct vu_storage *s, char ***names, size_t *n, struct vu_err *e)
{
	int r;

	*names = NULL;
	*n = 0;
	r = scan_dir(s->pools_dir, names, n);
	if (r == 0)
		r = scan_dir(s->run_pools, names, n);
	if (r < 0) {
		st_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return vu_err_set(e, -r, "cannot list pools: %s", strerror(-r));
	}
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_names);
	return 0;
}

void st_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The directory of the definitions (ROOT/pools, checked when the root was
 * opened) or of the live state (RUN/pools, never through a link), open,
 * so that a link swapped in since is not followed; its path in *dir. */
static int where_open(struct vu_storage *s, enum st_where w, const char **dir)
{
	int fd;

	*dir = w == ST_LIVE ? s->run_pools : s->pools_dir;
	if (w == ST_LIVE)
		fd = openat(vu_state_dirfd(&s->st, VU_STATE_RUN), "pools",
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	else
		fd = fcntl(vu_state_dirfd(&s->st, VU_STATE_POOLS), F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

int st_write_xml(struct vu_storage *s, enum st_where w, const char *name,
		 const struct vu_poolxml *doc,
		 struct vu_err *e)
{
	const char *dir;
	char *path = NULL, *file = NULL, *text = vu_poolxml_format(doc);
	struct vu_atomic a;
	int dfd = where_open(s, w, &dir), r = 0;

	if (!text || !(path = st_def_path(dir, name)) || asprintf(&file, "%s.xml", name) < 0)
		r = -ENOMEM;
	else if (dfd < 0)
		r = dfd;
	else
		r = vu_atomic_openat(&a, dfd, file, path, 0600);
	/* 0600 whatever the umask, as libvirt keeps them: a pool may hold
	 * credentials (iSCSI CHAP, RBD auth). Set before the name appears. */
	if (r == 0) {
		r = fchmod(a.fd, 0600) < 0 ? -errno : 0;
		if (r == 0)
			r = vu_write_all(a.fd, text, strlen(text));
		if (r == 0)
			r = vu_atomic_commit(&a, true, true);
		else
			vu_atomic_abort(&a);
	}
	if (r < 0)
		vu_err_set(e, -r, "%s: %s", path ? path : dir, strerror(-r));
	if (dfd >= 0)
		close(dfd);
	free(file);
	free(path);
	free(text);
	return r;
}

int st_remove_xml(struct vu_storage *s, enum st_where w, const char *name, struct vu_err *e)
{
	const char *dir;
	char *path = NULL, *file = NULL;
	int dfd = where_open(s, w, &dir), r = 0;

	if (!(path = st_def_path(dir, name)) || asprintf(&file, "%s.xml", name) < 0)
		r = vu_err_set(e, ENOMEM, NULL);
	else if (dfd < 0)
		r = vu_err_set(e, -dfd, "%s: %s", dir, strerror(-dfd));
	else if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT)
		r = vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	else
		fsync(dfd);
	if (dfd >= 0)
		close(dfd);
	free(file);
	free(path);
	return r;
}

int st_mark_active(struct vu_storage *s, struct vu_pool *p, struct vu_poolxml *live,
		   struct vu_err *e)
{
	int r = st_write_xml(s, ST_LIVE, p->name, live, e);

	if (r == 0) {
		if (p->live != live)
			vu_poolxml_free(&p->live);
		p->live = live;
		p->active = true;
	}
	return r;
}

int st_mark_inactive(struct vu_storage *s, struct vu_pool *p, struct vu_err *e)
{
	int r = st_remove_xml(s, ST_LIVE, p->name, e);

	if (r == 0) {
		vu_poolxml_free(&p->live);
		p->active = false;
	}
	return r;
}
