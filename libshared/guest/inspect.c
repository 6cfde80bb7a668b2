/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inspect.c - finding the guest's root, mounting its /etc/fstab, and what
 * operating system it is (os-release, SELinux) */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_int.h"

#define FSTAB_MAX (1 << 20)
#define SMALL_FILE_MAX (64 << 10)

static bool has_file(ext2_filsys fs, const char *rel)
{
	ext2_ino_t ino;

	return ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, rel, &ino) == 0;
}

static bool needs_appliance(const char *type)
{
	return !strcmp(type, "xfs") || !strcmp(type, "btrfs");
}

/* The one filesystem that looks like a root; -errno with e filled. */
static int find_root(struct vu_guest *g, struct vu_err *e)
{
	struct vu_err first = { 0 };
	const char *appliance = NULL;
	int root = -1;

	for (size_t i = 0; i < g->nfs; i++) {
		struct gfs *f = &g->fs[i];
		struct vu_err fe = { 0 };

		if (needs_appliance(f->pub.type))
			appliance = f->pub.type;
		if (!f->pub.mountable)
			continue;
		if (guest_ext_open(g, (int)i, &fe) < 0) {
			if (!first.code)
				first = fe;
			continue;
		}
		if (!has_file(f->efs, "etc/fstab") && !has_file(f->efs, "etc/os-release") &&
		    !has_file(f->efs, "usr/lib/os-release"))
			continue;
		if (root >= 0)
			return vu_err_set(e, ENOTSUP, "multi-boot guests are not supported "
					  "(%s and %s)", g->fs[root].pub.device, f->pub.device);
		root = (int)i;
	}
	if (root >= 0)
		return root;
	if (first.code) {
		if (e)
			*e = first;
		return -first.code;
	}
	if (appliance)
		return vu_err_set(e, ENOTSUP, "%s: needs the appliance, not available yet",
				  appliance);
	return vu_err_set(e, ENOENT, "no operating system found");
}

static int add_mount(struct vu_guest *g, const char *canon, int fs)
{
	struct gmnt *m = realloc(g->mnt, (g->nmnt + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	g->mnt = m;
	m[g->nmnt].path = strdup(canon);
	if (!m[g->nmnt].path)
		return -ENOMEM;
	m[g->nmnt++].fs = fs;
	return 0;
}

/* fstab's octal escapes (\040 for a space). */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool has_opt(const char *opts, const char *opt)
{
	size_t l = strlen(opt);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, opt, l) && (p[l] == ',' || p[l] == '\0'))
			return true;
	return false;
}

static int parse_fstab(struct vu_guest *g, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char spec[256], mp[256], type[24], opts[256] = "";
		struct vu_guest_mount *m;
		int n;

		while (isspace((unsigned char)*line))
			line++;
		if (*line == '#' || !*line)
			continue;
		n = sscanf(line, "%255s %255s %23s %255s", spec, mp, type, opts);
		if (n < 3)
			continue;
		unescape(spec);
		unescape(mp);
		m = realloc(g->fstab, (g->nfstab + 1) * sizeof(*m));
		if (!m)
			return -ENOMEM;
		g->fstab = m;
		m = &m[g->nfstab++];
		memset(m, 0, sizeof(*m));
		snprintf(m->spec, sizeof(m->spec), "%s", spec);
		snprintf(m->mountpoint, sizeof(m->mountpoint), "%s", mp);
		snprintf(m->fstype, sizeof(m->fstype), "%s", type);
		/* noauto: the guest does not mount it at boot either. */
		m->mounted = !has_opt(opts, "noauto") && !has_opt(opts, "bind");
	}
	return 0;
}

/* Number of components, to mount parents before children. */
static int depth(const char *p)
{
	int d = 0;

	for (; *p; p++)
		d += *p == '/' && p[1] && p[1] != '/';
	return d;
}

static int cmp_depth(const void *a, const void *b)
{
	const struct vu_guest_mount *x = *(const struct vu_guest_mount *const *)a;
	const struct vu_guest_mount *y = *(const struct vu_guest_mount *const *)b;

	return depth(x->mountpoint) - depth(y->mountpoint);
}

/* Mounts one fstab entry when it names a device we have. */
static int mount_entry(struct vu_guest *g, struct vu_guest_mount *m, int root, struct vu_err *e)
{
	struct gres r;
	int i, x;

	i = guest_find(g, m->spec);
	if (i >= 0)
		snprintf(m->device, sizeof(m->device), "%s", g->fs[i].pub.device);
	if (!m->mounted || i < 0 || m->mountpoint[0] != '/' || !strcmp(m->fstype, "swap")) {
		m->mounted = false;
		return 0;
	}
	if (i == root) {
		m->mounted = !strcmp(m->mountpoint, "/");
		return 0;
	}
	if (needs_appliance(g->fs[i].pub.type))
		return vu_err_set(e, ENOTSUP, "%s: %s: needs the appliance, not available yet",
				  m->mountpoint, g->fs[i].pub.type);
	if (!strcmp(g->fs[i].pub.type, "unsupported-lvm-segment"))
		return vu_err_set(e, ENOTSUP, "%s: %s: only linear logical volumes are supported",
				  m->mountpoint, g->fs[i].pub.device);
	if (!g->fs[i].pub.mountable || g->fs[i].pub.mountpoint[0]) {
		m->mounted = false;
		return 0;
	}
	x = guest_ext_open(g, i, e);
	if (x < 0)
		return x;
	x = guest_walk(g, m->mountpoint, true, &r, NULL);
	if (x < 0 || !r.ino || guest_mount_at(g, r.canon) >= 0 ||
	    strlen(r.canon) >= sizeof(g->fs[i].pub.mountpoint)) {
		m->mounted = false;
		return 0;
	}
	x = add_mount(g, r.canon, i);
	if (x < 0)
		return vu_err_set(e, -x, "%s", "");
	memcpy(g->fs[i].pub.mountpoint, r.canon, strlen(r.canon) + 1);
	return 0;
}

static int mount_fstab(struct vu_guest *g, int root, struct vu_err *e)
{
	struct vu_guest_mount **order;
	char *text = NULL;
	size_t len;
	int x;

	x = vu_guest_read_file(g, "/etc/fstab", FSTAB_MAX, &text, &len, NULL);
	if (x < 0)
		return 0;
	x = parse_fstab(g, text);
	free(text);
	if (x < 0)
		return vu_err_set(e, -x, "%s", "");
	order = malloc((g->nfstab + 1) * sizeof(*order));
	if (!order)
		return vu_err_set(e, ENOMEM, "%s", "");
	for (size_t i = 0; i < g->nfstab; i++)
		order[i] = &g->fstab[i];
	qsort(order, g->nfstab, sizeof(*order), cmp_depth);
	for (size_t i = 0; i < g->nfstab && x == 0; i++)
		x = mount_entry(g, order[i], root, e);
	free(order);
	return x;
}

/* KEY=value lines, value maybe quoted. */
static void osr_value(const char *text, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *v;
		size_t n;

		if (strncmp(l, key, kl) || l[kl] != '=')
			continue;
		v = l + kl + 1;
		n = strcspn(v, "\n");
		if (n && (*v == '"' || *v == '\'')) {
			char q = *v;

			v++;
			n--;
			if (n && v[n - 1] == q)
				n--;
		}
		snprintf(out, outlen, "%.*s", (int)n, v);
		return;
	}
}

static void redhat_release(struct vu_guest *g)
{
	char *t = NULL;
	size_t len;
	const char *p;

	if (vu_guest_read_file(g, "/etc/redhat-release", SMALL_FILE_MAX, &t, &len, NULL) < 0)
		return;
	if (!strncmp(t, "CentOS", 6))
		strcpy(g->os.id, "centos");
	else if (!strncmp(t, "Fedora", 6))
		strcpy(g->os.id, "fedora");
	else if (!strncmp(t, "Red Hat", 7))
		strcpy(g->os.id, "rhel");
	snprintf(g->os.name, sizeof(g->os.name), "%.*s", (int)strcspn(t, "\n"), t);
	p = strstr(t, "release ");
	if (p) {
		p += 8;
		snprintf(g->os.version_id, sizeof(g->os.version_id), "%.*s",
			 (int)strspn(p, "0123456789."), p);
	}
	free(t);
}

static void inspect_os(struct vu_guest *g)
{
	char *t = NULL;
	size_t len;

	if (vu_guest_read_file(g, "/etc/os-release", SMALL_FILE_MAX, &t, &len, NULL) == 0 ||
	    vu_guest_read_file(g, "/usr/lib/os-release", SMALL_FILE_MAX, &t, &len, NULL) == 0) {
		osr_value(t, "ID", g->os.id, sizeof(g->os.id));
		osr_value(t, "VERSION_ID", g->os.version_id, sizeof(g->os.version_id));
		osr_value(t, "NAME", g->os.name, sizeof(g->os.name));
		free(t);
	} else {
		redhat_release(g);
	}
	if (vu_guest_read_file(g, "/etc/selinux/config", SMALL_FILE_MAX, &t, &len, NULL) == 0) {
		char v[64] = "";

		osr_value(t, "SELINUX", v, sizeof(v));
		g->os.selinux = v[0] && strcmp(v, "disabled") != 0;
		free(t);
	}
}

int vu_guest_mount_all(struct vu_guest *g, struct vu_err *e)
{
	int root, x;

	if (g->mounted)
		return vu_err_set(e, EBUSY, "already mounted");
	if (g->dirmode) {	/* mounted already, by the appliance's kernel */
		g->mounted = true;
		strcpy(g->os.root, "/");
		inspect_os(g);
		return 0;
	}
	root = find_root(g, e);
	if (root < 0)
		return root;
	x = add_mount(g, "", root);
	if (x < 0)
		return vu_err_set(e, -x, "%s", "");
	g->mounted = true;
	strcpy(g->fs[root].pub.mountpoint, "/");
	snprintf(g->os.root, sizeof(g->os.root), "%s", g->fs[root].pub.device);
	x = mount_fstab(g, root, e);
	if (x < 0) {
		vu_guest_umount_all(g, NULL);
		return x;
	}
	inspect_os(g);
	return 0;
}

int vu_guest_umount_all(struct vu_guest *g, struct vu_err *e)
{
	int first = 0;

	for (size_t i = 0; i < g->nfs; i++) {
		int x = guest_ext_close(&g->fs[i], first ? NULL : e);

		if (x < 0 && !first)
			first = x;
		g->fs[i].pub.mountpoint[0] = '\0';
	}
	for (size_t i = 0; i < g->nmnt; i++)
		free(g->mnt[i].path);
	free(g->mnt);
	g->mnt = NULL;
	g->nmnt = 0;
	free(g->fstab);
	g->fstab = NULL;
	g->nfstab = 0;
	g->mounted = false;
	memset(&g->os, 0, sizeof(g->os));
	return first;
}

const struct vu_guest_os *vu_guest_os(const struct vu_guest *g)
{
	return &g->os;
}

const struct vu_guest_mount *vu_guest_mounts(const struct vu_guest *g, size_t *n)
{
	*n = g->nfstab;
	return g->fstab;
}
