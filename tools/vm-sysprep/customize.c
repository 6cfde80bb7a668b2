/* SPDX-License-Identifier: GPL-2.0-or-later */
/* customize.c - the customize operation: a fresh random seed, then the
 * customize options in command-line order, then the first-boot scripts */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/guestfs.h"

#include "vm-sysprep.h"

/* Host files read for --upload, --copy-in, --firstboot, ssh keys. */
#define HOST_FILE_MAX (256u << 20)

static int host_read(struct vs_ctx *ctx, const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return vu_err_set(&ctx->e, errno, "host file %s: %s", path, strerror(errno));
	r = vu_read_all(fd, HOST_FILE_MAX, buf, len);
	close(fd);
	if (r < 0)
		return vu_err_set(&ctx->e, -r, "host file %s: %s", path, strerror(-r));
	return 0;
}

/* ---- the random seed ---- */

/* Where the init systems keep the seed they feed the kernel at boot. */
static const char *const seeds[] = {
	"/var/lib/random-seed", "/var/lib/urandom/random-seed", "/var/lib/systemd/random-seed",
	"/var/lib/misc/random-seed", "/etc/random-seed", NULL,
};

/* Clones must not start with one pool: each seed file there gets 512 new
 * random bytes. */
static int random_seed(struct vs_ctx *ctx)
{
	unsigned char buf[512];

	for (const char *const *s = seeds; *s; s++) {
		int r;

		if (!vs_is_file(ctx, *s))
			continue;
		if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			return vs_fail(ctx, *s, -EIO);
		if ((r = vs_write(ctx, *s, (const char *)buf, sizeof(buf), VU_GUEST_KEEP,
				  VU_GUEST_KEEP, VU_GUEST_KEEP)) < 0)
			return r;
	}
	return 0;
}

/* ---- --hostname ---- */

/* The host name the guest has now, or NULL. */
static char *old_hostname(struct vs_ctx *ctx)
{
	char *buf = NULL, *v = NULL;

	if (vs_is_file(ctx, "/etc/hostname") && vs_read(ctx, "/etc/hostname", &buf, NULL) == 0) {
		buf[strcspn(buf, " \t\r\n")] = '\0';
		if (buf[0])
			return buf;
		free(buf);
	} else if (vs_is_file(ctx, "/etc/sysconfig/network") &&
		   vs_read(ctx, "/etc/sysconfig/network", &buf, NULL) == 0) {
		char *h = strstr(buf, "HOSTNAME=");

		if (h && (h == buf || h[-1] == '\n')) {
			h += 9 + (h[9] == '"');
			v = strndup(h, strcspn(h, "\"\n"));
		}
		free(buf);
		return v;
	}
	vu_err_clear(&ctx->e);
	return NULL;
}

static int write_text(struct vs_ctx *ctx, const char *path, const char *text)
{
	return vs_write(ctx, path, text, strlen(text), VU_GUEST_KEEP, VU_GUEST_KEEP, VU_GUEST_KEEP);
}

static int edit_network(struct vs_ctx *ctx, const char *name)
{
	char *in, *out;
	int r = vs_read(ctx, "/etc/sysconfig/network", &in, NULL);

	if (r < 0)
		return r;
	r = vs_edit_set_key(in, "HOSTNAME", name, &out);
	free(in);
	if (r < 0)
		return vs_fail(ctx, "/etc/sysconfig/network", r);
	r = write_text(ctx, "/etc/sysconfig/network", out);
	free(out);
	return r;
}

/* The old name in /etc/hosts becomes the new one (its short form too). */
static int edit_hosts(struct vs_ctx *ctx, const char *old, const char *name)
{
	char *in, *out;
	size_t n;
	int r;

	if (!old || !vs_is_file(ctx, "/etc/hosts"))
		return 0;
	if ((r = vs_read(ctx, "/etc/hosts", &in, NULL)) < 0)
		return r;
	r = vs_edit_replace_word(in, old, name, &out, &n);
	free(in);
	if (r < 0)
		return vs_fail(ctx, "/etc/hosts", r);
	if (n)
		r = write_text(ctx, "/etc/hosts", out);
	free(out);
	return r;
}

/*
 * Where each family keeps it: /etc/hostname (systemd, Debian), HOSTNAME=
 * in /etc/sysconfig/network (RHEL 6), /etc/HOSTNAME (SUSE); the files the
 * guest has are written, /etc/hostname when it has none.
 */
static int set_hostname(struct vs_ctx *ctx, const char *name)
{
	char *old = old_hostname(ctx), *line;
	bool any = false;
	int r = 0;

	if (asprintf(&line, "%s\n", name) < 0) {
		free(old);
		return vs_fail(ctx, NULL, -ENOMEM);
	}
	if (vs_is_file(ctx, "/etc/sysconfig/network")) {
		any = true;
		r = edit_network(ctx, name);
	}
	if (r == 0 && vs_is_file(ctx, "/etc/HOSTNAME")) {
		any = true;
		r = write_text(ctx, "/etc/HOSTNAME", line);
	}
	if (r == 0 && (vs_is_file(ctx, "/etc/hostname") || !any))
		r = write_text(ctx, "/etc/hostname", line);
	if (r == 0)
		r = edit_hosts(ctx, old, name);
	free(line);
	free(old);
	return r;
}

/* ---- passwords ---- */

static int set_password(struct vs_ctx *ctx, const char *user, const struct vs_pw *pw)
{
	char *shadow, *field, *clear, *out = NULL;
	int r;

	if (!vs_is_file(ctx, "/etc/shadow")) {
		vu_err_set(&ctx->e, ENOENT, "the guest has no shadow file");
		return vs_fail(ctx, "/etc/shadow", -ENOENT);
	}
	if ((r = vs_read(ctx, "/etc/shadow", &shadow, NULL)) < 0)
		return r;
	if ((r = vs_pw_field(pw, &field, &clear, &ctx->e)) < 0) {
		free(shadow);
		return vs_fail(ctx, NULL, r);
	}
	r = vs_edit_set_field(shadow, user, 1, field, &out);
	if (r == -ENOENT)
		vu_err_set(&ctx->e, ENOENT, "no user '%s' in the guest", user);
	if (r < 0)
		r = vs_fail(ctx, "/etc/shadow", r);
	else
		r = write_text(ctx, "/etc/shadow", out);
	/* Said even under -q: nobody could log in otherwise. */
	if (r == 0 && clear && !ctx->dry_run)
		fprintf(stderr, "Setting random password of %s to %s\n", user, clear);
	free(out);
	free(clear);
	free(field);
	free(shadow);
	return r;
}

/* ---- --ssh-inject ---- */

struct guest_user {
	long uid, gid;
	char *home;
};

static int lookup_user(struct vs_ctx *ctx, const char *user, struct guest_user *u)
{
	char *passwd, *f = NULL;
	int r;

	if ((r = vs_read(ctx, "/etc/passwd", &passwd, NULL)) < 0)
		return r;
	r = vs_edit_get_field(passwd, user, 2, &f);
	u->uid = r == 0 ? strtol(f, NULL, 10) : -1;
	free(f);
	f = NULL;
	if (r == 0 && (r = vs_edit_get_field(passwd, user, 3, &f)) == 0)
		u->gid = strtol(f, NULL, 10);
	free(f);
	if (r == 0)
		r = vs_edit_get_field(passwd, user, 5, &u->home);
	free(passwd);
	if (r == -ENOENT)
		vu_err_set(&ctx->e, ENOENT, "no user '%s' in the guest", user);
	return r < 0 ? vs_fail(ctx, "/etc/passwd", r) : 0;
}

/* The key: string:KEY, file:PATH, or the invoking user's ~/.ssh/id_*.pub. */
static int ssh_key(struct vs_ctx *ctx, const char *sel, char **key)
{
	char path[4096];
	const char *home = getenv("HOME");
	static const char *const ids[] = { "id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub", NULL };
	size_t len;

	if (sel && strncmp(sel, "string:", 7) == 0)
		return (*key = strdup(sel + 7)) ? 0 : vs_fail(ctx, NULL, -ENOMEM);
	if (sel)
		return host_read(ctx, sel + 5, key, &len) < 0 ? vs_fail(ctx, NULL, -ctx->e.code) : 0;
	for (const char *const *id = ids; home && *id; id++) {
		snprintf(path, sizeof(path), "%s/.ssh/%s", home, *id);
		if (access(path, R_OK) == 0)
			return host_read(ctx, path, key, &len) < 0 ? vs_fail(ctx, NULL, -ctx->e.code) : 0;
	}
	vu_err_set(&ctx->e, ENOENT, "--ssh-inject: no public key in ~/.ssh: give file:KEYFILE "
		   "or string:KEY");
	return vs_fail(ctx, NULL, -ENOENT);
}

static int ssh_inject(struct vs_ctx *ctx, const char *user, const char *sel)
{
	struct guest_user u = { 0 };
	char *key = NULL, *dir = NULL, *auth = NULL, *have = NULL, *line = NULL;
	int r = lookup_user(ctx, user, &u);

	if (r == 0)
		r = ssh_key(ctx, sel, &key);
	if (r == 0 && (asprintf(&dir, "%s/.ssh", u.home) < 0 ||
		       asprintf(&auth, "%s/.ssh/authorized_keys", u.home) < 0))
		r = vs_fail(ctx, NULL, -ENOMEM);
	if (r == 0) {
		key[strcspn(key, "\r\n")] = '\0';
		if (asprintf(&line, "%s\n", key) < 0)
			r = vs_fail(ctx, NULL, -ENOMEM);
	}
	if (r == 0 && !vs_is_dir(ctx, dir) && (r = vs_mkdir_p(ctx, dir, 0700)) == 0)
		r = vs_chown(ctx, dir, u.uid, u.gid);
	if (r == 0 && vs_is_file(ctx, auth))
		r = vs_read(ctx, auth, &have, NULL);
	if (r == 0 && !(have && strstr(have, key))) {
		bool fresh = !have;

		r = vs_append(ctx, auth, line, strlen(line));
		if (r == 0 && fresh && !ctx->dry_run)
			r = vs_chmod(ctx, auth, 0600);
		if (r == 0 && fresh)
			r = vs_chown(ctx, auth, u.uid, u.gid);
	}
	free(have);
	free(line);
	free(key);
	free(dir);
	free(auth);
	free(u.home);
	return r;
}

/* ---- --timezone ---- */

static int set_timezone(struct vs_ctx *ctx, const char *tz)
{
	char *zone, *line;
	int r;

	if (asprintf(&zone, "/usr/share/zoneinfo/%s", tz) < 0)
		return vs_fail(ctx, NULL, -ENOMEM);
	if (!vu_guest_exists(ctx->g, zone)) {
		vu_err_set(&ctx->e, ENOENT, "--timezone: the guest has no time zone '%s'", tz);
		r = vs_fail(ctx, zone, -ENOENT);
		free(zone);
		return r;
	}
	r = vs_rm(ctx, "/etc/localtime");
	if (r == 0)
		r = vs_symlink(ctx, zone, "/etc/localtime");
	free(zone);
	if (r == 0 && vs_is_file(ctx, "/etc/timezone")) {
		if (asprintf(&line, "%s\n", tz) < 0)
			return vs_fail(ctx, NULL, -ENOMEM);
		r = write_text(ctx, "/etc/timezone", line);
		free(line);
	}
	if (r == 0 && vs_is_file(ctx, "/etc/sysconfig/clock")) {
		char *in, *out, *q;

		if ((r = vs_read(ctx, "/etc/sysconfig/clock", &in, NULL)) < 0)
			return r;
		if (asprintf(&q, "\"%s\"", tz) < 0 || vs_edit_set_key(in, "ZONE", q, &out) < 0)
			r = vs_fail(ctx, NULL, -ENOMEM);
		else
			r = write_text(ctx, "/etc/sysconfig/clock", out), free(out), free(q);
		free(in);
	}
	return r;
}

/* ---- files ---- */

static char *guest_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return p;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

/* --upload FILE:DEST (DEST a directory: the file goes inside it). */
static int upload(struct vs_ctx *ctx, const char *host, const char *dest)
{
	struct stat st;
	char *data, *path;
	size_t len;
	int r;

	if (stat(host, &st) < 0 || !S_ISREG(st.st_mode))
		return vu_err_set(&ctx->e, EINVAL, "--upload: %s: not a regular file", host),
		       vs_fail(ctx, NULL, -EINVAL);
	if (host_read(ctx, host, &data, &len) < 0)
		return vs_fail(ctx, NULL, -ctx->e.code);
	path = vs_is_dir(ctx, dest) ? guest_join(dest, base_name(host)) : strdup(dest);
	r = path ? vs_write(ctx, path, data, len, (int)(st.st_mode & 07777), VU_GUEST_KEEP,
			    VU_GUEST_KEEP) : vs_fail(ctx, NULL, -ENOMEM);
	free(path);
	free(data);
	return r;
}

/* --copy-in LOCAL:DIR: LOCAL (a file or a tree) into the guest's DIR. */
static int copy_in(struct vs_ctx *ctx, const char *host, const char *dir)
{
	struct stat st;
	char *dst = guest_join(dir, base_name(host));
	int r = 0;

	if (!dst)
		return vs_fail(ctx, NULL, -ENOMEM);
	if (lstat(host, &st) < 0) {
		r = vu_err_set(&ctx->e, errno, "--copy-in: %s: %s", host, strerror(errno));
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(host, target, sizeof(target) - 1);

		target[n < 0 ? 0 : n] = '\0';
		r = vs_symlink(ctx, target, dst);
	} else if (S_ISREG(st.st_mode)) {
		r = upload(ctx, host, dst);
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(host);
		struct dirent *de;

		r = d ? vs_mkdir_p(ctx, dst, (int)(st.st_mode & 07777)) :
			vu_err_set(&ctx->e, errno, "--copy-in: %s: %s", host, strerror(errno));
		while (r == 0 && d && (de = readdir(d))) {
			char *sub;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (asprintf(&sub, "%s/%s", host, de->d_name) < 0)
				r = -ENOMEM;
			else
				r = copy_in(ctx, sub, dst), free(sub);
		}
		if (d)
			closedir(d);
	}
	free(dst);
	return r < 0 && !ctx->epath ? vs_fail(ctx, NULL, r) : r;
}

static int delete_glob(struct vs_ctx *ctx, const char *pattern)
{
	char **m;
	size_t n;
	int r = vs_glob(ctx, pattern, &m, &n);

	for (size_t i = 0; i < n && r == 0; i++)
		r = vs_rm_rf(ctx, m[i]);
	if (m)
		vu_guest_strv_free(m, n);
	return r;
}

/* --link TARGET:LINK[:LINK...] */
static int links(struct vs_ctx *ctx, const char *target, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	int r = copy ? 0 : vs_fail(ctx, NULL, -ENOMEM);

	for (char *l = copy ? strtok_r(copy, ":", &save) : NULL; l && r == 0;
	     l = strtok_r(NULL, ":", &save)) {
		r = vs_rm(ctx, l);
		if (r == 0)
			r = vs_symlink(ctx, target, l);
	}
	free(copy);
	return r;
}

static int append_line(struct vs_ctx *ctx, const char *path, const char *line)
{
	char *in = NULL, *out;
	int r = 0;

	if (vs_is_file(ctx, path) && (r = vs_read(ctx, path, &in, NULL)) < 0)
		return r;
	r = vs_edit_append_line(in ? in : "", line, &out);
	free(in);
	if (r < 0)
		return vs_fail(ctx, path, r);
	r = write_text(ctx, path, out);
	free(out);
	return r;
}

/* ---- first boot ---- */

/*
 * The runner and what starts it: a systemd unit enabled in
 * multi-user.target when the guest has systemd, else a SysV init script
 * linked as S99 in runlevels 2, 3 and 5 (in /etc/rc.d when it has one).
 */
static int firstboot_service(struct vs_ctx *ctx)
{
	int r = vs_mkdir_p(ctx, VS_FB_DIR "/scripts", 0755);

	if (r == 0)
		r = vs_write(ctx, VS_FB_DIR "/firstboot.sh", vs_fb_runner(), strlen(vs_fb_runner()),
			     0755, 0, 0);
	if (r < 0)
		return r;
	if (vs_is_dir(ctx, "/etc/systemd/system")) {
		r = vs_write(ctx, "/etc/systemd/system/guestfs-firstboot.service", vs_fb_unit(),
			     strlen(vs_fb_unit()), 0644, 0, 0);
		if (r == 0)
			r = vs_mkdir_p(ctx, "/etc/systemd/system/multi-user.target.wants", 0755);
		if (r == 0 && !vu_guest_exists(ctx->g, "/etc/systemd/system/multi-user.target.wants/"
						       "guestfs-firstboot.service"))
			r = vs_symlink(ctx, "/etc/systemd/system/guestfs-firstboot.service",
				       "/etc/systemd/system/multi-user.target.wants/"
				       "guestfs-firstboot.service");
		return r;
	}
	const char *rc = vs_is_dir(ctx, "/etc/rc.d") ? "/etc/rc.d" : "/etc";
	char initd[64];

	snprintf(initd, sizeof(initd), "%s/init.d", rc);
	r = vs_mkdir_p(ctx, initd, 0755);
	strcat(initd, "/guestfs-firstboot");
	if (r == 0)
		r = vs_write(ctx, initd, vs_fb_initscript(), strlen(vs_fb_initscript()), 0755, 0, 0);
	for (int lvl = 2; lvl <= 5 && r == 0; lvl += lvl == 3 ? 2 : 1) {
		char dir[64], link[96];

		snprintf(dir, sizeof(dir), "%s/rc%d.d", rc, lvl);
		snprintf(link, sizeof(link), "%s/S99guestfs-firstboot", dir);
		r = vs_mkdir_p(ctx, dir, 0755);
		if (r == 0 && !vu_guest_exists(ctx->g, link))
			r = vs_symlink(ctx, "../init.d/guestfs-firstboot", link);
	}
	return r;
}

static int firstboot_script(struct vs_ctx *ctx, unsigned seq, const struct vs_cu *c)
{
	char *text = NULL, *name, *path = NULL;
	size_t len;
	int r = 0;

	if (c->kind == VS_CU_FIRSTBOOT_COMMAND)
		r = (text = vs_fb_command_script(c->a)) ? 0 : -ENOMEM;
	else if (host_read(ctx, c->a, &text, &len) < 0)
		return vs_fail(ctx, NULL, -ctx->e.code);
	name = vs_fb_script_name(seq, c->kind == VS_CU_FIRSTBOOT_COMMAND ? "command" : c->a);
	if (r < 0 || !name || asprintf(&path, VS_FB_DIR "/scripts/%s", name) < 0)
		r = vs_fail(ctx, NULL, -ENOMEM);
	else
		r = vs_write(ctx, path, text, strlen(text), 0755, 0, 0);
	free(path);
	free(name);
	free(text);
	return r;
}

/* Scripts number on after those a previous run left. */
static unsigned next_seq(struct vs_ctx *ctx)
{
	struct vu_guest_dirent *ents;
	size_t n;
	unsigned seq = 0;

	if (vu_guest_readdir(ctx->g, VS_FB_DIR "/scripts", &ents, &n, NULL) < 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(ents[i].name, "%4u-", &v) == 1 && v > seq)
			seq = v;
	}
	vu_guest_dirents_free(ents, n);
	return seq + 1;
}

static int firstboot(struct vs_ctx *ctx)
{
	unsigned seq = 0;
	int r = 0;

	for (size_t i = 0; i < ctx->cu->n && r == 0; i++) {
		const struct vs_cu *c = &ctx->cu->v[i];

		if (c->kind != VS_CU_FIRSTBOOT && c->kind != VS_CU_FIRSTBOOT_COMMAND)
			continue;
		if (seq == 0 && (r = firstboot_service(ctx)) < 0)
			break;
		if (seq == 0)
			seq = next_seq(ctx);
		r = firstboot_script(ctx, seq++, c);
	}
	return r;
}

/* ---- the operation ---- */

static int one(struct vs_ctx *ctx, const struct vs_cu *c)
{
	switch (c->kind) {
	case VS_CU_HOSTNAME: return set_hostname(ctx, c->a);
	case VS_CU_ROOT_PASSWORD: return set_password(ctx, "root", &c->pw);
	case VS_CU_PASSWORD: return set_password(ctx, c->a, &c->pw);
	case VS_CU_SSH_INJECT: return ssh_inject(ctx, c->a, c->b);
	case VS_CU_TIMEZONE: return set_timezone(ctx, c->a);
	case VS_CU_MKDIR: return vs_mkdir_p(ctx, c->a, 0755);
	case VS_CU_WRITE:
		return vs_write(ctx, c->a, c->b, strlen(c->b), VU_GUEST_KEEP, VU_GUEST_KEEP,
				VU_GUEST_KEEP);
	case VS_CU_UPLOAD: return upload(ctx, c->a, c->b);
	case VS_CU_COPY_IN: return copy_in(ctx, c->a, c->b);
	case VS_CU_DELETE: return delete_glob(ctx, c->a);
	case VS_CU_TOUCH: return vs_touch(ctx, c->a);
	case VS_CU_CHMOD: return vs_chmod(ctx, c->b, (int)strtol(c->a, NULL, 8));
	case VS_CU_LINK: return links(ctx, c->a, c->b);
	case VS_CU_TRUNCATE:
		return vs_is_file(ctx, c->a) ? vs_trunc(ctx, c->a) : vs_write(ctx, c->a, "", 0,
						VU_GUEST_KEEP, VU_GUEST_KEEP, VU_GUEST_KEEP);
	case VS_CU_APPEND_LINE: return append_line(ctx, c->a, c->b);
	case VS_CU_RUN: case VS_CU_RUN_COMMAND: return vs_cu_run(ctx, c);
	default: return 0;	/* the first-boot ones come last */
	}
}

int vs_op_customize(struct vs_ctx *ctx)
{
	int r = random_seed(ctx);

	for (size_t i = 0; ctx->cu && i < ctx->cu->n && r == 0; i++)
		r = one(ctx, &ctx->cu->v[i]);
	if (r == 0 && ctx->cu)
		r = firstboot(ctx);
	return r;
}
