/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ova.c - OVA archives read in place: the ustar member list, the manifest's
 * checksums, the disks as windows of the archive */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/file.h"
#include "vu/ova.h"
#include "image_int.h"

#define TAR_BLOCK 512u

/* The octal size field; -1 when it is not one. */
static int64_t tar_size(const uint8_t *h)
{
	int64_t v = 0;
	int i = 0;

	while (i < 12 && h[124 + i] == ' ')
		i++;
	for (; i < 12 && h[124 + i] >= '0' && h[124 + i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v << 3 | (h[124 + i] - '0');
	}
	if (i < 12 && h[124 + i] && h[124 + i] != ' ')
		return -1;
	return v;
}

static bool all_zero(const uint8_t *h)
{
	for (unsigned i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/* ustar's prefix and name, joined. */
static char *member_name(const uint8_t *h)
{
	size_t pl = strnlen((const char *)h + 345, 155), nl = strnlen((const char *)h, 100);
	char *s = malloc(pl + nl + 2);

	if (!s)
		return NULL;
	if (pl)
		snprintf(s, pl + nl + 2, "%.*s/%.*s", (int)pl, h + 345, (int)nl, h);
	else
		snprintf(s, nl + 1, "%.*s", (int)nl, h);
	return s;
}

static int add_member(struct vu_ova *o, const uint8_t *h, uint64_t off, uint64_t len)
{
	struct vu_ova_member *m = realloc(o->m, (o->n + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	o->m = m;
	m[o->n].off = off;
	m[o->n].len = len;
	if (!(m[o->n].name = member_name(h)))
		return -ENOMEM;
	o->n++;
	return 0;
}

int vu_ova_list_fd(struct vu_ova *o, int fd, struct vu_err *e)
{
	uint8_t h[TAR_BLOCK];
	off_t end = lseek(fd, 0, SEEK_END);
	uint64_t at = 0;

	if (end < 0)
		return vu_err_set(e, errno, "%s", strerror(errno));
	while (at + TAR_BLOCK <= (uint64_t)end) {
		int r = vu_pread_all(fd, h, sizeof(h), (off_t)at, false);
		int64_t sz;

		if (r < 0)
			return vu_err_set(e, -r, "cannot read the archive: %s", strerror(-r));
		if (all_zero(h))
			break;
		if (memcmp(h + 257, "ustar", 5) != 0 || (sz = tar_size(h)) < 0)
			return vu_err_set(e, EINVAL, "invalid tar header at offset %llu",
					  (unsigned long long)at);
		if ((uint64_t)sz > (uint64_t)end - at - TAR_BLOCK)
			return vu_err_set(e, EINVAL, "tar member past the end of the archive");
		if (o->n >= VU_OVA_MAX_MEMBERS)
			return vu_err_set(e, EFBIG, "more than %d members in the archive",
					  VU_OVA_MAX_MEMBERS);
		if ((h[156] == '0' || h[156] == '\0') &&
		    add_member(o, h, at + TAR_BLOCK, (uint64_t)sz) < 0)
			return vu_err_set(e, ENOMEM, NULL);
		at += TAR_BLOCK + ((uint64_t)sz + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	}
	return 0;
}

int vu_ova_open(struct vu_ova *o, const char *path, struct vu_err *e)
{
	int r;

	memset(o, 0, sizeof(*o));
	if (!(o->path = strdup(path)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((o->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = vu_err_set(e, errno, "%s", strerror(errno));
		vu_ova_close(o);
		return r;
	}
	if ((r = vu_ova_list_fd(o, o->fd, e)) < 0)
		vu_ova_close(o);
	return r;
}

void vu_ova_close(struct vu_ova *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->m[i].name);
	free(o->m);
	free(o->path);
	if (o->fd >= 0)
		close(o->fd);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

const struct vu_ova_member *vu_ova_find(const struct vu_ova *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->m[i].name, name) == 0)
			return &o->m[i];
	return NULL;
}

const struct vu_ova_member *vu_ova_find_suffix(const struct vu_ova *o, const char *suffix)
{
	size_t s = strlen(suffix);

	for (size_t i = 0; i < o->n; i++) {
		size_t n = strlen(o->m[i].name);

		if (n >= s && strcmp(o->m[i].name + n - s, suffix) == 0)
			return &o->m[i];
	}
	return NULL;
}

int vu_ova_read_text(const struct vu_ova *o, const struct vu_ova_member *m, char **out,
		     struct vu_err *e)
{
	char sb[65];
	int r;

	if (m->len > VU_OVA_MAX_TEXT)
		return vu_err_set(e, EFBIG, "%s: too large", vu_img_shown(m->name, sb, sizeof(sb)));
	if (!(*out = calloc(1, (size_t)m->len + 1)))
		return vu_err_set(e, ENOMEM, NULL);
	if ((r = vu_pread_all(o->fd, *out, (size_t)m->len, (off_t)m->off, false)) < 0) {
		free(*out);
		*out = NULL;
		return vu_err_set(e, -r, "%s: %s", vu_img_shown(m->name, sb, sizeof(sb)),
				  strerror(-r));
	}
	return 0;
}

/* The member's digest in lower-case hex. */
static int digest_hex(const struct vu_ova *o, const struct vu_ova_member *m, const EVP_MD *md,
		      char *hex, size_t cap)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t *buf = malloc(1 << 20), d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	int r = c && buf && EVP_DigestInit_ex(c, md, NULL) ? 0 : -ENOMEM;

	for (uint64_t at = 0; r == 0 && at < m->len; at += 1 << 20) {
		size_t n = m->len - at < (1 << 20) ? (size_t)(m->len - at) : 1 << 20;

		if ((r = vu_pread_all(o->fd, buf, n, (off_t)(m->off + at), false)) == 0 &&
		    !EVP_DigestUpdate(c, buf, n))
			r = -EIO;
	}
	if (r == 0 && !EVP_DigestFinal_ex(c, d, &dl))
		r = -EIO;
	for (unsigned i = 0; r == 0 && i < dl && 2 * i + 2 < cap; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	EVP_MD_CTX_free(c);
	free(buf);
	return r;
}

/* "SHA256(name)= hex": the algorithm, the name and the sum. */
static int parse_mf_line(char *line, const EVP_MD **md, char **name, char **sum)
{
	char *open = strchr(line, '('), *close = strstr(line, ")=");

	if (!open || !close || close < open)
		return -EINVAL;
	*open = *close = '\0';
	if (strcmp(line, "SHA256") == 0)
		*md = EVP_sha256();
	else if (strcmp(line, "SHA1") == 0)
		*md = EVP_sha1();
	else if (strcmp(line, "SHA512") == 0)
		*md = EVP_sha512();
	else
		return -ENOTSUP;
	*name = open + 1;
	*sum = close + 2;
	while (**sum == ' ')
		(*sum)++;
	return 0;
}

static int verify_line(const struct vu_ova *o, char *line, struct vu_err *e)
{
	char sb[65];

	const struct vu_ova_member *m;
	const EVP_MD *md;
	char *name, *sum, hex[2 * EVP_MAX_MD_SIZE + 1] = "";
	int r = parse_mf_line(line, &md, &name, &sum);

	if (r == -ENOTSUP)
		return vu_err_set(e, ENOTSUP, "manifest: unsupported digest '%s'",
				  vu_img_shown(line, sb, sizeof(sb)));
	if (r < 0)
		return vu_err_set(e, EINVAL, "manifest: invalid line");
	if (!(m = vu_ova_find(o, name)))
		return vu_err_set(e, ENOENT, "manifest names '%s', which the archive lacks",
				  vu_img_shown(name, sb, sizeof(sb)));
	if ((r = digest_hex(o, m, md, hex, sizeof(hex))) < 0)
		return vu_err_set(e, -r, "%s: %s", vu_img_shown(m->name, sb, sizeof(sb)),
				  strerror(-r));
	if (strcasecmp(hex, sum) != 0)
		return vu_err_set(e, EBADMSG, "checksum of %s does not match the manifest",
				  vu_img_shown(m->name, sb, sizeof(sb)));
	return 0;
}

int vu_ova_verify(const struct vu_ova *o, int *checked, struct vu_err *e)
{
	const struct vu_ova_member *mf = vu_ova_find_suffix(o, ".mf");
	char *text, *save = NULL;
	int r;

	*checked = 0;
	if (!mf)
		return 0;
	if ((r = vu_ova_read_text(o, mf, &text, e)) < 0)
		return r;
	for (char *l = strtok_r(text, "\r\n", &save); l && r == 0; l = strtok_r(NULL, "\r\n", &save)) {
		if (!*l)
			continue;
		if ((r = verify_line(o, l, e)) == 0)
			(*checked)++;
	}
	free(text);
	return r;
}

int vu_ova_open_disk(const struct vu_ova *o, const struct vu_ova_member *m,
		     struct vu_image **out, struct vu_err *e)
{
	return vu_image_open_window(out, o->path, "vmdk", m->off, m->len, m->name, e);
}
