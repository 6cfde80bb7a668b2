/* SPDX-License-Identifier: GPL-2.0-or-later */
/* treeinfo.h - install trees for --location: .treeinfo and the tree sources */
#ifndef VM_CREATE_TREEINFO_H
#define VM_CREATE_TREEINFO_H

#include <stddef.h>
#include <stdint.h>

#include "location.h"
#include "vu/err.h"

/* Largest kernel or initrd copied, and largest .treeinfo read. */
#define TREE_MAX_BOOT_FILE	((uint64_t)2 << 30)
#define TREE_MAX_INFO		((size_t)1 << 20)

/*
 * What a .treeinfo says, in either format: the old one ([general] family,
 * version, arch) or productmd's ([release] name/version, [tree] arch), both
 * with [images-ARCH] kernel= initrd=. Fields absent from the file are NULL,
 * but arch defaults to "x86_64". kernel and initrd are normalised relative
 * paths that stay inside the tree.
 */
struct treeinfo {
	char *family;
	char *version;
	char *arch;
	char *kernel;
	char *initrd;
};

/* Parses len bytes (any bytes: the file is untrusted). 0, -ENOMEM, or
 * -EINVAL with e filled when a path is absolute or leaves the tree. */
int treeinfo_parse(const char *buf, size_t len, struct treeinfo *ti, struct vu_err *e);
void treeinfo_clear(struct treeinfo *ti);
/* A copy of path relative to the tree with "." and empty components
 * dropped, or NULL (errno EINVAL) when it is empty, absolute, has a ".."
 * component or a control character; ENOMEM. */
char *tree_path_normalize(const char *path);

/*
 * One install tree, whatever holds it. Paths given to the functions below
 * are relative to the tree's top and already normalised.
 */
struct tree_src {
	enum location_kind kind;
	char *where;		/* DIR, ISO: the path; URL: the base URL, ending in '/' */
	int dirfd;		/* DIR */
	struct iso_entry *ents;	/* ISO: every entry, listed once at open */
	size_t nents;
	struct curl_api *api;	/* URL: libcurl, loaded when first needed */
	void *curl;		/* URL: one handle, so connections are reused */
	char *curl_err;		/* URL: curl's CURLOPT_ERRORBUFFER */
};

/* Where the bytes of a fetch go: a file descriptor, or memory when fd < 0.
 * More than max bytes is -EFBIG. */
struct tree_sink {
	int fd;
	const char *dest;	/* named in write errors */
	char *buf;
	size_t len, cap;
	uint64_t max, done;
};

int tree_sink_put(struct tree_sink *k, const void *p, size_t n);
/* Fills e for tree_sink_put's error r: "SRC: larger than N bytes", or
 * the write error on k->dest. Returns r. */
int tree_sink_fail(const struct tree_sink *k, int r, const char *src, struct vu_err *e);

/* Opens location (see location_kind). 0 or -errno with e filled. */
int src_open(struct tree_src *s, const char *location, struct vu_err *e);
/* 1 when path is a regular file in the tree, 0 when it is not there (or
 * not a file), -errno with e filled when the tree cannot be asked. */
int src_exists(struct tree_src *s, const char *path, struct vu_err *e);
/* Writes path's content to k: 0, -ENOENT when not there, -EFBIG when
 * larger than k->max, or -errno; e is filled except for -ENOENT. */
int src_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e);
void src_close(struct tree_src *s);

/* The backends, for src_*. */
int dir_open(struct tree_src *s, const char *path, struct vu_err *e);
int dir_exists(struct tree_src *s, const char *path, struct vu_err *e);
int dir_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e);
int iso_open(struct tree_src *s, const char *path, struct vu_err *e);
int iso_exists(struct tree_src *s, const char *path, struct vu_err *e);
int iso_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e);
void iso_close(struct tree_src *s);
int url_open(struct tree_src *s, const char *url, struct vu_err *e);
int url_exists(struct tree_src *s, const char *path, struct vu_err *e);
int url_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e);
void url_close(struct tree_src *s);
/* base + path with path percent-encoded, or NULL. */
char *url_join(const char *base, const char *path);

#endif
