/* SPDX-License-Identifier: GPL-2.0-or-later */
/* url.c - an install tree on an http(s) or ftp server, read with libcurl */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu/base.h"

#include "treeinfo.h"

#ifndef VU_VERSION
#define VU_VERSION "0"
#endif

/* Give up on a connection after this long, and on a transfer that moves
 * less than a byte a second for a minute: an initrd over a slow link may
 * take long, a dead server should not hang a provisioning script. */
#define URL_CONNECT_TIMEOUT 30L
#define URL_STALL_TIME 60L

/*
 * libcurl is loaded with dlopen when a URL is given, not linked: it and
 * what it pulls in (TLS, LDAP, Kerberos, ...) are some thirty libraries,
 * whose mapping took over a third of an ordinary vm-create run that never
 * touches the network.
 */
struct curl_api {
	void *lib;
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	void (*url_cleanup)(CURLU *);
	const char *(*url_strerror)(CURLUcode);
};

static void curl_api_free(struct curl_api *a)
{
	if (a && a->lib)
		dlclose(a->lib);
	free(a);
}

/* Symbol by symbol; a libcurl too old to have one is refused. */
static int curl_api_load(struct curl_api **out, struct vu_err *e)
{
	static const char *const names[] = {
		"curl_easy_init", "curl_easy_setopt", "curl_easy_perform", "curl_easy_getinfo",
		"curl_easy_cleanup", "curl_easy_strerror", "curl_url", "curl_url_set",
		"curl_url_cleanup", "curl_url_strerror",
	};
	struct curl_api *a = calloc(1, sizeof(*a));
	void **slot;

	if (!a)
		return vu_err_set(e, ENOMEM, NULL);
	if (!(a->lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL))) {
		free(a);
		return vu_err_set(e, ENOPKG, "cannot load libcurl for URLs: %s", dlerror());
	}
	slot = (void **)&a->easy_init;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++, slot++) {
		if (!(*slot = dlsym(a->lib, names[i]))) {
			curl_api_free(a);
			return vu_err_set(e, ENOPKG, "libcurl lacks %s", names[i]);
		}
	}
	*out = a;
	return 0;
}

static bool url_keep(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~/!$&'()*+,;=:@", c));
}

char *url_join(const char *base, const char *path)
{
	size_t n = strlen(base);
	char *out = malloc(n + 3 * strlen(path) + 2), *o;

	if (!out)
		return NULL;
	memcpy(out, base, n);
	o = out + n;
	if (n == 0 || base[n - 1] != '/')
		*o++ = '/';
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (url_keep(*p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	*o = '\0';
	return out;
}

/* The location must be a URL curl parses; a query or a fragment would end
 * up in the middle of every file's URL, so neither is taken. */
static int url_check(const struct curl_api *a, const char *url, struct vu_err *e)
{
	CURLU *h = a->url();
	CURLUcode rc;

	if (!h)
		return vu_err_set(e, ENOMEM, NULL);
	rc = a->url_set(h, CURLUPART_URL, url, 0);
	a->url_cleanup(h);
	if (rc != CURLUE_OK)
		return vu_err_set(e, EINVAL, "%s: %s", url, a->url_strerror(rc));
	if (strpbrk(url, "?#"))
		return vu_err_set(e, EINVAL, "%s: an install tree URL takes no query or fragment",
				  url);
	return 0;
}

static void url_options(const struct curl_api *a, CURL *c, char *errbuf)
{
	CURLcode (*const setopt)(CURL *, CURLoption, ...) = a->easy_setopt;

	setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	setopt(c, CURLOPT_NOSIGNAL, 1L);
	setopt(c, CURLOPT_FAILONERROR, 1L);
	setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	setopt(c, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
	setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
	setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp");
#else
	setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FTP);
	setopt(c, CURLOPT_REDIR_PROTOCOLS,
			 CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FTP);
#endif
	setopt(c, CURLOPT_CONNECTTIMEOUT, URL_CONNECT_TIMEOUT);
	setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	setopt(c, CURLOPT_LOW_SPEED_TIME, URL_STALL_TIME);
	setopt(c, CURLOPT_USERAGENT, "virtutils-vm-create/" VU_VERSION);
}

int url_open(struct tree_src *s, const char *url, struct vu_err *e)
{
	size_t n = strlen(url);
	int r = curl_api_load(&s->api, e);

	if (r < 0 || (r = url_check(s->api, url, e)) < 0)
		return r;
	s->where = malloc(n + 2);
	s->curl_err = calloc(1, CURL_ERROR_SIZE);
	s->curl = s->api->easy_init();
	if (!s->where || !s->curl_err || !s->curl)
		return vu_err_set(e, ENOMEM, NULL);
	snprintf(s->where, n + 2, "%s%s", url, n && url[n - 1] == '/' ? "" : "/");
	url_options(s->api, s->curl, s->curl_err);
	return 0;
}

void url_close(struct tree_src *s)
{
	if (s->curl)
		s->api->easy_cleanup(s->curl);
	curl_api_free(s->api);
	free(s->curl_err);
	s->api = NULL;
	s->curl = NULL;
	s->curl_err = NULL;
}

struct url_write {
	struct tree_sink *k;
	int err;
};

static size_t url_write_cb(char *p, size_t size, size_t n, void *data)
{
	struct url_write *w = data;

	w->err = tree_sink_put(w->k, p, size * n);
	return w->err < 0 ? 0 : size * n;
}

/* 404 and 410 over HTTP, 550 over FTP: the file is not in the tree,
 * which is an answer, not a failure. */
static bool url_absent(const struct curl_api *a, CURL *c, CURLcode rc)
{
	long code = 0;

	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return true;
	if (rc != CURLE_HTTP_RETURNED_ERROR)
		return false;
	a->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code == 404 || code == 410;
}

/* HEAD (k NULL) or GET of path: 0, -ENOENT, or -errno with e filled. */
static int url_request(struct tree_src *s, const char *path, struct tree_sink *k,
		       struct vu_err *e)
{
	struct url_write w = { .k = k };
	char *url = url_join(s->where, path);
	CURLcode rc;
	int r = 0;

	if (!url)
		return vu_err_set(e, ENOMEM, NULL);
	s->curl_err[0] = '\0';
	s->api->easy_setopt(s->curl, CURLOPT_URL, url);
	if (k)
		s->api->easy_setopt(s->curl, CURLOPT_HTTPGET, 1L);
	s->api->easy_setopt(s->curl, CURLOPT_NOBODY, k ? 0L : 1L);
	s->api->easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, url_write_cb);
	s->api->easy_setopt(s->curl, CURLOPT_WRITEDATA, &w);
	s->api->easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)(k ? k->max : 0));
	rc = s->api->easy_perform(s->curl);
	if (rc == CURLE_OK)
		r = 0;
	else if (url_absent(s->api, s->curl, rc))
		r = -ENOENT;
	else if (w.err < 0)
		r = tree_sink_fail(k, w.err, url, e);
	else if (rc == CURLE_FILESIZE_EXCEEDED)
		r = tree_sink_fail(k, -EFBIG, url, e);
	else
		r = vu_err_set(e, EIO, "%s: %s", url,
			       s->curl_err[0] ? s->curl_err : s->api->easy_strerror(rc));
	free(url);
	return r;
}

int url_exists(struct tree_src *s, const char *path, struct vu_err *e)
{
	int r = url_request(s, path, NULL, e);

	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

int url_fetch(struct tree_src *s, const char *path, struct tree_sink *k, struct vu_err *e)
{
	return url_request(s, path, k, e);
}
