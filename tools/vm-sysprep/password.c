/* SPDX-License-Identifier: GPL-2.0-or-later */
/* password.c - virt-customize's password selectors, turned into the shadow
 * file's second field: SHA-512 crypt(3) through libcrypt */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "vu/file.h"

#include "vm-sysprep.h"

/* The longest password file read: its first line is the password. */
#define PW_FILE_MAX 4096
/* virt-customize's random passwords: 16 letters and digits. */
#define PW_RANDOM_LEN 16

static int parse_plain(const char *sel, struct vs_pw *pw, struct vu_err *e)
{
	const char *colon = strchr(sel, ':');

	if (strcmp(sel, "random") == 0) {
		pw->kind = VS_PW_RANDOM;
	} else if (strcmp(sel, "disabled") == 0) {
		pw->kind = VS_PW_DISABLED;
	} else if (colon && strncmp(sel, "password:", 9) == 0) {
		pw->kind = VS_PW_PASSWORD;
	} else if (colon && strncmp(sel, "file:", 5) == 0) {
		pw->kind = VS_PW_FILE;
	} else {
		return vu_err_set(e, EINVAL, "invalid password selector '%s': use password:PASSWORD, "
				  "file:FILENAME, random, disabled or locked:...", sel);
	}
	if (pw->kind == VS_PW_PASSWORD || pw->kind == VS_PW_FILE) {
		if (colon[1] == '\0')
			return vu_err_set(e, EINVAL, "invalid password selector '%s': empty %s", sel,
					  pw->kind == VS_PW_FILE ? "file name" : "password");
		pw->value = strdup(colon + 1);
		if (!pw->value)
			return vu_err_set(e, ENOMEM, "cannot allocate memory");
	}
	return 0;
}

int vs_pw_parse(const char *sel, struct vs_pw *pw, struct vu_err *e)
{
	*pw = (struct vs_pw){ 0 };
	/* "locked" alone is "locked:disabled": no password and locked. */
	if (strcmp(sel, "locked") == 0) {
		pw->kind = VS_PW_DISABLED;
		pw->locked = true;
		return 0;
	}
	if (strncmp(sel, "locked:", 7) == 0) {
		pw->locked = true;
		sel += 7;
	}
	return parse_plain(sel, pw, e);
}

void vs_pw_clear(struct vs_pw *pw)
{
	if (pw->value)
		explicit_bzero(pw->value, strlen(pw->value));
	free(pw->value);
	*pw = (struct vs_pw){ 0 };
}

static int read_first_line(const char *path, char **out, struct vu_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len;
	char *buf;
	int r;

	if (fd < 0)
		return vu_err_set(e, errno, "%s: %s", path, strerror(errno));
	r = vu_read_all(fd, PW_FILE_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		return vu_err_set(e, -r, "%s: %s", path, strerror(-r));
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		free(buf);
		return vu_err_set(e, EINVAL, "%s: no password on its first line", path);
	}
	*out = buf;
	return 0;
}

static int random_password(char **out, struct vu_err *e)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789";
	unsigned char raw[PW_RANDOM_LEN];
	char *s = malloc(PW_RANDOM_LEN + 1);

	if (!s)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	for (size_t i = 0; i < PW_RANDOM_LEN; i++) {
		/* 248 is the largest multiple of 62 under 256: no bias. */
		do {
			if (getrandom(&raw[i], 1, 0) != 1) {
				free(s);
				return vu_err_set(e, errno ? errno : EIO, "getrandom: %s",
						  strerror(errno ? errno : EIO));
			}
		} while (raw[i] >= 248);
		s[i] = chars[raw[i] % 62];
	}
	s[PW_RANDOM_LEN] = '\0';
	*out = s;
	return 0;
}

static int hash(const char *clear, const char *method, char **out, struct vu_err *e)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;

	if (!cd)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (!crypt_gensalt_rn(method, 0, NULL, 0, salt, sizeof(salt))) {
		free(cd);
		return vu_err_set(e, errno ? errno : EINVAL, "crypt: cannot make a '%s' salt",
				  method);
	}
	h = crypt_r(clear, salt, cd);
	if (!h || h[0] == '*') {
		free(cd);
		return vu_err_set(e, EINVAL, "crypt: '%s' hashing failed", method);
	}
	*out = strdup(h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return *out ? 0 : vu_err_set(e, ENOMEM, "cannot allocate memory");
}

int vs_pw_field(const struct vs_pw *pw, char **field, char **clear, struct vu_err *e)
{
	char *text = NULL, *h = NULL;
	int r = 0;

	*clear = NULL;
	if (pw->kind == VS_PW_DISABLED)
		h = strdup("*");
	else if (pw->kind == VS_PW_PASSWORD && !(text = strdup(pw->value)))
		r = -ENOMEM;
	else if (pw->kind == VS_PW_FILE)
		r = read_first_line(pw->value, &text, e);
	else if (pw->kind == VS_PW_RANDOM)
		r = random_password(&text, e);
	if (r == 0 && text)
		r = hash(text, pw->method ? pw->method : "$6$", &h, e);
	if (r == 0 && !h)
		r = vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (r == 0 && pw->locked && asprintf(field, "!%s", h) < 0)
		r = vu_err_set(e, ENOMEM, "cannot allocate memory");
	else if (r == 0 && !pw->locked)
		*field = h, h = NULL;
	if (r == 0 && pw->kind == VS_PW_RANDOM)
		*clear = text, text = NULL;
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	free(h);
	return r;
}
