/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apmods.c - the kernel modules the appliance loads: virtio's block path
 * and the filesystems vm-sysprep cannot edit in place, each after what its
 * .modinfo "depends=" names (a kernel package ships no modules.dep: depmod
 * makes it at install time), found under the kernel's module tree */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/file.h"

#include "vs-appliance.h"

/* What every appliance needs, before the guest's own filesystem types;
 * those built into the kernel are not found and need nothing.
 * crc32c_generic: XFS and btrfs checksum with crc32c, and TCG's CPU may
 * have no SSE 4.2 for crc32c-intel. */
static const char *const roots[] = {
	"virtio_pci", "virtio_blk", "crc32c_generic", "ext4",
};

/* btrfs's checksums other than crc32c: its modinfo names them as
 * "softdep=pre:" crypto aliases (blake2b-256, xxhash64, sha256), which the
 * kernel asks modprobe for at mount; the appliance has no modprobe, so the
 * modules that provide them are loaded up front, when the kernel has them. */
static const char *const btrfs_csums[] = {
	"blake2b_generic", "xxhash_generic", "sha256_generic",
};

#define KO_MAX (64u << 20)
#define DEPTH_MAX 16

struct ko {
	char *name, *path;
	bool taken;
};

struct scan {
	struct ko *v;
	size_t n;
	int err;
};

/* nftw has no context argument: the scan being filled, per thread. */
static _Thread_local struct scan *scanning;

/* Module names: '-' and '_' are the same ("virtio-rng" is virtio_rng). */
static void normalize(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static int scan_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t len = strlen(base);
	struct scan *s = scanning;
	struct ko *v;

	(void)st;
	if (type != FTW_F || len < 4 || strcmp(base + len - 3, ".ko"))
		return 0;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return s->err = -ENOMEM;
	s->v = v;
	v[s->n] = (struct ko){ strndup(base, len - 3), strdup(path), false };
	if (!v[s->n].name || !v[s->n].path) {
		free(v[s->n].name);
		free(v[s->n].path);
		return s->err = -ENOMEM;
	}
	normalize(v[s->n++].name);
	return 0;
}

static struct ko *find(struct scan *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/*
 * The "depends=" value of a module's .modinfo section (malloc'd, "" when
 * none). The file is checked as an ELF64 relocatable before its section
 * table is trusted.
 */
static int depends_of(const char *path, char **out)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	char *buf;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = vu_read_all(fd, KO_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	eh = (const Elf64_Ehdr *)buf;
	r = -ENOEXEC;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shoff > len || (len - eh->e_shoff) / sizeof(*sh) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		goto out;
	sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset > len)
		goto out;
	*out = NULL;
	for (size_t i = 0; i < eh->e_shnum && !*out; i++) {
		uint64_t no = sh[eh->e_shstrndx].sh_offset + sh[i].sh_name;
		const char *p, *end;

		if (no >= len || len - no < 9 || memcmp(buf + no, ".modinfo", 9) ||
		    sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)
			continue;
		p = buf + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		for (; p < end; p += strnlen(p, (size_t)(end - p)) + 1)
			if (!strncmp(p, "depends=", 8) && memchr(p, '\0', (size_t)(end - p)))
				*out = strdup(p + 8);
		if (!*out)
			*out = strdup("");
		r = *out ? 0 : -ENOMEM;
	}
	if (!*out) {
		*out = strdup("");
		r = *out ? 0 : -ENOMEM;
	}
out:
	free(buf);
	return r;
}

/* Adds name after its dependencies, depth first. */
static int take(struct scan *s, const char *name, unsigned depth, char ***list, size_t *n,
		struct vu_err *e)
{
	struct ko *k = find(s, name);
	char *deps = NULL, *save = NULL, **v;
	int r;

	if (!k || k->taken)
		return 0;	/* built in, or there already */
	if (depth > DEPTH_MAX)
		return vu_err_set(e, ELOOP, "%s: module dependencies too deep", name);
	k->taken = true;
	if ((r = depends_of(k->path, &deps)) < 0)
		return vu_err_set(e, -r, "%s: %s", k->path, strerror(-r));
	for (char *d = strtok_r(deps, ",", &save); d && r == 0; d = strtok_r(NULL, ",", &save)) {
		normalize(d);
		if (!find(s, d))
			r = vu_err_set(e, ENOENT, "%s: needs module %s, which is not there",
				       k->path, d);
		else
			r = take(s, d, depth + 1, list, n, e);
	}
	free(deps);
	if (r < 0)
		return r;
	if (!(v = realloc(*list, (*n + 2) * sizeof(*v))) || !(v[*n] = strdup(k->path))) {
		if (v)
			*list = v;
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	}
	v[++*n] = NULL;
	*list = v;
	return 0;
}

int vs_ap_modules(const char *moddir, const char *const *fstypes, char ***paths, size_t *n,
		  struct vu_err *e)
{
	struct scan s = { 0 };
	int r = 0;

	*paths = NULL;
	*n = 0;
	scanning = &s;
	if (nftw(moddir, scan_one, 16, FTW_PHYS) < 0 && !s.err)
		r = vu_err_set(e, errno, "%s: %s", moddir, strerror(errno));
	scanning = NULL;
	if (s.err)
		r = vu_err_set(e, -s.err, "%s: %s", moddir, strerror(-s.err));
	for (size_t i = 0; i < ARRAY_SIZE(roots) && r == 0; i++)
		r = take(&s, roots[i], 0, paths, n, e);
	/* Only the types the guest has: btrfs's RAID helpers benchmark
	 * themselves as they load, seconds under TCG. */
	for (size_t i = 0; fstypes && fstypes[i] && r == 0; i++) {
		if (!find(&s, fstypes[i]) && !vs_ap_builtin(moddir, fstypes[i]))
			r = vu_err_set(e, ENOENT, "%s: no %s module for the appliance's kernel",
				       moddir, fstypes[i]);
		else
			r = take(&s, fstypes[i], 0, paths, n, e);
		for (size_t j = 0; !strcmp(fstypes[i], "btrfs") && j < ARRAY_SIZE(btrfs_csums) &&
		     r == 0; j++)
			r = take(&s, btrfs_csums[j], 0, paths, n, e);
	}
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].name);
		free(s.v[i].path);
	}
	free(s.v);
	if (r < 0) {
		vs_strv_free(*paths);
		*paths = NULL;
		*n = 0;
	}
	return r;
}

void vs_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Whether modules.builtin (beside the tree) lists name: no file, no
 * knowledge, so yes (the kernel's mount will say). */
bool vs_ap_builtin(const char *moddir, const char *name)
{
	char path[4096], *buf, want[128];
	size_t len;
	int fd;
	bool found;

	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	if (vu_read_all(fd, 1u << 20, &buf, &len) < 0) {
		close(fd);
		return true;
	}
	close(fd);
	snprintf(want, sizeof(want), "/%s.ko\n", name);
	found = strstr(buf, want) != NULL;
	free(buf);
	return found;
}
