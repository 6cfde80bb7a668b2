/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.c - the offline stream's pieces both sides use: the digest of a
 * sparse file and the .info text of each file */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/file.h"

#include "vm-migrate.h"

static void be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

int vmg_digest_init(struct vmg_digest *d)
{
	*d = (struct vmg_digest){ 0 };
	d->data = EVP_MD_CTX_new();
	d->map = EVP_MD_CTX_new();
	if (!d->data || !d->map || EVP_DigestInit_ex(d->data, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(d->map, EVP_sha256(), NULL) != 1) {
		vmg_digest_free(d);
		return -ENOMEM;
	}
	return 0;
}

void vmg_digest_free(struct vmg_digest *d)
{
	EVP_MD_CTX_free(d->data);
	EVP_MD_CTX_free(d->map);
	d->data = d->map = NULL;
}

/* Closes the extent being extended into the map's hash. */
static int digest_run(struct vmg_digest *d)
{
	unsigned char rec[16];

	if (!d->run_len)
		return 0;
	be64(rec, d->run_off);
	be64(rec + 8, d->run_len);
	d->run_len = 0;
	return EVP_DigestUpdate(d->map, rec, sizeof(rec)) == 1 ? 0 : -EIO;
}

int vmg_digest_update(struct vmg_digest *d, const void *buf, size_t len, uint64_t off)
{
	int r;

	if (!len)
		return 0;
	if (off != d->run_off + d->run_len || !d->run_len) {
		if ((r = digest_run(d)) < 0)
			return r;
		d->run_off = off;
	}
	d->run_len += len;
	return EVP_DigestUpdate(d->data, buf, len) == 1 ? 0 : -EIO;
}

int vmg_digest_final(struct vmg_digest *d, uint64_t size, char hex[65])
{
	unsigned char md[2 * EVP_MAX_MD_SIZE + 8], out[EVP_MAX_MD_SIZE];
	unsigned n1 = 0, n2 = 0, n = 0;
	int r = digest_run(d);

	if (r == 0 && (EVP_DigestFinal_ex(d->data, md, &n1) != 1 ||
		       EVP_DigestFinal_ex(d->map, md + n1, &n2) != 1))
		r = -EIO;
	if (r == 0) {
		be64(md + n1 + n2, size);
		if (EVP_Digest(md, n1 + n2 + 8, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
			r = -EIO;
	}
	for (unsigned i = 0; r == 0 && i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
	vmg_digest_free(d);
	return r;
}

/* ---- .info ---- */

static int info_bad(struct vu_err *e, unsigned idx, const char *what)
{
	return vu_err_set(e, EINVAL, "stream: file %u: %s", idx, what);
}

static int info_number(const char *v, uint64_t *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int info_copy(char *dst, size_t cap, const char *v)
{
	if (!*v || strlen(v) >= cap)
		return -EINVAL;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* One "key value" line. */
static int info_line(char *line, struct vmg_file *f, unsigned *seen, struct vu_err *e)
{
	char *v = strchr(line, ' ');
	uint64_t n;

	if (!v)
		return info_bad(e, f->idx, "a line without a value");
	*v++ = '\0';
	if (!strcmp(line, "format") && !(*seen & 1)) {
		*seen |= 1;
		if (strcmp(v, "raw") && strcmp(v, "qcow2"))
			return info_bad(e, f->idx, "format is neither raw nor qcow2");
		return info_copy(f->format, sizeof(f->format), v);
	}
	if (!strcmp(line, "size") && !(*seen & 2)) {
		*seen |= 2;
		if (info_number(v, &f->size) < 0 || f->size > (UINT64_C(1) << 62))
			return info_bad(e, f->idx, "bad size");
		return 0;
	}
	if (!strcmp(line, "name") && !(*seen & 4)) {
		*seen |= 4;
		if (info_copy(f->name, sizeof(f->name), v) < 0 || vu_name_check(v) < 0)
			return info_bad(e, f->idx, "bad volume name");
		return 0;
	}
	if (!strcmp(line, "backing") && !(*seen & 8)) {
		*seen |= 8;
		if (info_number(v, &n) < 0 || n >= f->idx)
			return info_bad(e, f->idx, "backing is not an earlier file");
		f->backing = (int)n;
		return 0;
	}
	if (!strcmp(line, "target") && !(*seen & 16)) {
		*seen |= 16;
		if (info_copy(f->target, sizeof(f->target), v) < 0 || vu_name_check(v) < 0)
			return info_bad(e, f->idx, "bad target");
		return 0;
	}
	return info_bad(e, f->idx, "unknown or repeated key");
}

int vmg_info_parse(const char *buf, size_t len, unsigned idx, struct vmg_file *f,
		   struct vu_err *e)
{
	char *text = malloc(len + 1), *line, *save = NULL;
	unsigned seen = 0;
	int r = 0;

	*f = (struct vmg_file){ .idx = idx, .backing = -1 };
	if (!text)
		return vu_err_set(e, ENOMEM, NULL);
	memcpy(text, buf, len);
	text[len] = '\0';
	if (len == 0 || text[len - 1] != '\n' || strlen(text) != len)
		r = info_bad(e, idx, "info is not lines of text");
	for (line = strtok_r(text, "\n", &save); r == 0 && line; line = strtok_r(NULL, "\n", &save))
		r = info_line(line, f, &seen, e);
	if (r == 0 && (seen & 7) != 7)
		r = info_bad(e, idx, "info lacks format, size or name");
	if (r == 0 && f->backing >= 0 && strcmp(f->format, "qcow2"))
		r = info_bad(e, idx, "only a qcow2 file has a backing file");
	free(text);
	return r;
}

char *vmg_info_format(const struct vmg_file *f)
{
	char backing[32] = "", target[48] = "", *s;

	if (f->backing >= 0)
		snprintf(backing, sizeof(backing), "backing %d\n", f->backing);
	if (f->target[0])
		snprintf(target, sizeof(target), "target %s\n", f->target);
	if (asprintf(&s, "format %s\nsize %" PRIu64 "\nname %s\n%s%s", f->format, f->size, f->name,
		     backing, target) < 0)
		return NULL;
	return s;
}
