/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c - ksmtuned.conf: shell-style KEY=value lines, ksmtuned's defaults */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu/base.h"
#include "vu/file.h"

#include "ksm.h"

void ksm_conf_defaults(struct ksm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->monitor_interval = 60;
	c->sleep_msec = 10;
	c->npages_boost = 300;
	c->npages_decay = -50;
	c->npages_min = 64;
	c->npages_max = 1250;
	c->thres_coef = 20;
	c->thres_const = 2048;
}

/*
 * ksmtuned.conf is a dozen assignments; Debian's is under 1 KiB. 64 KiB
 * leaves room for any amount of comment, while a --config given a log, an
 * image or a device is refused at once instead of read into memory (the
 * file is read again on every SIGHUP).
 */
#define CONF_MAX_BYTES (64 * 1024)

/*
 * How ksmtuned's bash reads each number: KEY_ARITH values only inside
 * $[...], where 010 is octal and 0x10 hex; KEY_INT values in [ ... -lt ... ]
 * tests (or as sleep's argument), which read decimal and refuse 0x.
 */
enum key_kind { KEY_INT, KEY_ARITH, KEY_STRING, KEY_BOOL };

/*
 * The ranges keep every later sum and product inside 64 bits and refuse
 * values the kernel would reject (pages_to_scan and sleep_millisecs are
 * unsigned int there), or that make no sense (a zero monitor interval would
 * spin, a threshold above 100 % of memory).
 */
static const struct conf_key {
	const char *name;
	enum key_kind kind;
	size_t off;
	int64_t min, max;
} conf_keys[] = {
	{ "KSM_MONITOR_INTERVAL", KEY_INT, offsetof(struct ksm_conf, monitor_interval), 1, INT32_MAX },
	{ "KSM_SLEEP_MSEC", KEY_ARITH, offsetof(struct ksm_conf, sleep_msec), 0, UINT32_MAX },
	{ "KSM_NPAGES_BOOST", KEY_ARITH, offsetof(struct ksm_conf, npages_boost), INT32_MIN,
	  INT32_MAX },
	{ "KSM_NPAGES_DECAY", KEY_ARITH, offsetof(struct ksm_conf, npages_decay), INT32_MIN,
	  INT32_MAX },
	{ "KSM_NPAGES_MIN", KEY_INT, offsetof(struct ksm_conf, npages_min), 0, UINT32_MAX },
	{ "KSM_NPAGES_MAX", KEY_INT, offsetof(struct ksm_conf, npages_max), 0, UINT32_MAX },
	{ "KSM_THRES_COEF", KEY_ARITH, offsetof(struct ksm_conf, thres_coef), 0, 100 },
	{ "KSM_THRES_CONST", KEY_INT, offsetof(struct ksm_conf, thres_const), 0, INT64_C(1) << 50 },
	{ "LOGFILE", KEY_STRING, offsetof(struct ksm_conf, logfile), 0, 0 },
	{ "DEBUG", KEY_BOOL, offsetof(struct ksm_conf, debug), 0, 0 },
	{ "PIDFILE", KEY_STRING, offsetof(struct ksm_conf, pidfile), 0, 0 },
};

/*
 * Reads one shell word from *sp into out: bare characters, '...' taken
 * literally, "..." where a backslash escapes $ ` " \, and a bare backslash
 * escaping the next character. Expansions ($, `) are refused: ksm-tune
 * does not run the file through a shell. Returns NULL or what is wrong.
 */
static const char *parse_word(const char **sp, char *out, size_t outlen)
{
	const char *s = *sp;
	size_t n = 0;

#define PUT(ch) do { if (n + 1 >= outlen) return "value too long"; out[n++] = (ch); } while (0)
	while (*s && !isspace((unsigned char)*s)) {
		if (*s == '\'') {
			for (s++; *s != '\''; s++) {
				if (!*s)
					return "unterminated quote";
				PUT(*s);
			}
			s++;
		} else if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (!*s)
					return "unterminated quote";
				if (*s == '$' || *s == '`')
					return "shell expansion is not supported";
				if (*s == '\\' && strchr("$`\"\\", s[1]))
					s++;
				PUT(*s);
			}
			s++;
		} else if (*s == '$' || *s == '`') {
			return "shell expansion is not supported";
		} else if (*s == '\\') {
			if (!s[1])
				return "line continuation is not supported";
			PUT(s[1]);
			s += 2;
		} else if (strchr(";&|<>()", *s)) {
			return "only KEY=value assignments are supported";
		} else {
			PUT(*s);
			s++;
		}
	}
#undef PUT
	out[n] = '\0';
	*sp = s;
	return NULL;
}

/*
 * An integer, optionally signed, in [min, max]: decimal, or with arith as
 * a constant of bash's arithmetic, where a leading 0 means octal and 0x
 * hexadecimal. -EINVAL not a number, -EDOM a digit too great for the base
 * (bash: "value too great for base"), -ERANGE outside [min, max].
 */
static int parse_int(const char *s, bool arith, int64_t min, int64_t max, int64_t *v)
{
	const char *digits = s + (*s == '-' || *s == '+');
	bool hex = arith && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
	int base = hex ? 16 : arith && digits[0] == '0' ? 8 : 10;
	char *end;
	long long x = 0;

	if (!isdigit((unsigned char)*digits))
		return -EINVAL;
	if (hex && !digits[2]) {
		x = 0;		/* bash reads a bare 0x as 0 */
	} else if (hex && !isxdigit((unsigned char)digits[2])) {
		return -EINVAL;
	} else {
		errno = 0;
		x = strtoll(s, &end, base);
		if (*end)
			return base == 8 && isdigit((unsigned char)*end) ? -EDOM : -EINVAL;
		if (errno == ERANGE)
			return -ERANGE;
	}
	if (x < min || x > max)
		return -ERANGE;
	*v = x;
	return 0;
}

static const struct conf_key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (strlen(conf_keys[i].name) == len && !strncmp(conf_keys[i].name, name, len))
			return &conf_keys[i];
	return NULL;
}

/* Stores value under key k; an empty value keeps the default. */
static int set_key(struct ksm_conf *c, const struct ksm_conf *defaults,
		   const struct conf_key *k, const char *value, unsigned line,
		   struct vu_err *e)
{
	char *field = (char *)c + k->off;
	int64_t v;
	int r;

	switch (k->kind) {
	case KEY_INT:
	case KEY_ARITH:
		if (!*value) {
			memcpy(field, (const char *)defaults + k->off, sizeof(int64_t));
			return 0;
		}
		r = parse_int(value, k->kind == KEY_ARITH, k->min, k->max, &v);
		/* ksmtuned's bash stops there: refused, as a value we cannot read. */
		if (r == -EDOM)
			return vu_err_set(e, EINVAL, "line %u: %s: '%s': value too great for "
					  "base (a leading 0 is octal)", line, k->name, value);
		if (r == -ERANGE)
			return vu_err_set(e, EINVAL, "line %u: %s: %s is out of range (%" PRId64
					  "..%" PRId64 ")", line, k->name, value, k->min, k->max);
		if (r < 0)
			return vu_err_set(e, EINVAL, "line %u: %s: '%s' is not an integer",
					  line, k->name, value);
		memcpy(field, &v, sizeof(v));
		return 0;
	case KEY_STRING:
		/* Both string keys are file paths, which are this size at most. */
		snprintf(field, sizeof(c->logfile), "%s", value);
		return 0;
	case KEY_BOOL:
		/* ksmtuned tests [ -n "$DEBUG" ]: any non-empty value, even 0, is on. */
		*(bool *)field = *value != '\0';
		return 0;
	}
	return 0;
}

/* Handles one line of the file; 0, or -EINVAL with e filled. */
static int parse_line(struct ksm_conf *c, const struct ksm_conf *defaults,
		      const char *path, char *s, unsigned line,
		      void (*warn)(const char *, const char *), struct vu_err *e)
{
	char value[sizeof(c->logfile)], msg[160];
	const struct conf_key *k;
	const char *name, *what;
	size_t len;

	s[strcspn(s, "\n")] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	if (!strncmp(s, "export", 6) && isblank((unsigned char)s[6]))
		for (s += 6; isblank((unsigned char)*s); s++)
			;
	name = s;
	if (!isalpha((unsigned char)*s) && *s != '_')
		return vu_err_set(e, EINVAL, "line %u: not a KEY=value assignment", line);
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	if (*s != '=')
		return vu_err_set(e, EINVAL, "line %u: not a KEY=value assignment", line);
	len = (size_t)(s - name);
	s++;
	what = parse_word((const char **)&s, value, sizeof(value));
	if (what)
		return vu_err_set(e, EINVAL, "line %u: %.*s: %s", line, (int)len, name, what);
	while (isspace((unsigned char)*s))
		s++;
	if (*s && *s != '#')
		return vu_err_set(e, EINVAL, "line %u: unexpected text after the value of %.*s",
				  line, (int)len, name);
	k = find_key(name, len);
	if (!k) {
		if (warn) {
			snprintf(msg, sizeof(msg), "line %u: unknown key %.*s, ignored",
				 line, (int)(len > 64 ? 64 : len), name);
			warn(path, msg);
		}
		return 0;
	}
	return set_key(c, defaults, k, value, line, e);
}

/*
 * Opens path for reading without waiting on a FIFO or taking a terminal,
 * and keeps it only if it is a regular file of at most CONF_MAX_BYTES.
 * The fd, or -errno with e filled (msg empty for the system's errors).
 */
static int open_conf(const char *path, struct vu_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	int r = 0;

	if (fd < 0)
		return vu_err_set(e, errno, NULL);
	if (fstat(fd, &st) < 0)
		r = vu_err_set(e, errno, NULL);
	else if (S_ISDIR(st.st_mode))
		r = vu_err_set(e, EISDIR, NULL);
	else if (!S_ISREG(st.st_mode))
		r = vu_err_set(e, EINVAL, "not a regular file");
	else if (st.st_size > CONF_MAX_BYTES)
		r = vu_err_set(e, EFBIG, "larger than %d KiB", CONF_MAX_BYTES / 1024);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The whole file, NUL-terminated; a file that grew past the limit since
 * open_conf looked is refused too. */
static int read_conf(int fd, char **buf, size_t *len, struct vu_err *e)
{
	int r = vu_read_all(fd, CONF_MAX_BYTES, buf, len);

	if (r == -EFBIG)
		return vu_err_set(e, EFBIG, "larger than %d KiB", CONF_MAX_BYTES / 1024);
	return r < 0 ? vu_err_set(e, -r, NULL) : 0;
}

/* Parses the lines of buf[0..len) into next. */
static int parse_lines(struct ksm_conf *next, const char *path, char *buf, size_t len,
		       void (*warn)(const char *path, const char *msg), struct vu_err *e)
{
	struct ksm_conf defaults;
	unsigned line = 0;
	char *s = buf, *end = buf + len;
	int r = 0;

	ksm_conf_defaults(&defaults);
	while (r == 0 && s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		line++;
		s[n] = '\0';
		if (strlen(s) != n)
			return vu_err_set(e, EINVAL, "line %u: NUL byte", line);
		r = parse_line(next, &defaults, path, s, line, warn, e);
		s += n + 1;
	}
	return r;
}

int ksm_conf_load(struct ksm_conf *c, const char *path, bool missing_ok,
		  void (*warn)(const char *path, const char *msg),
		  struct vu_err *e)
{
	struct ksm_conf next = *c;
	char *buf = NULL;
	size_t len = 0;
	int fd = open_conf(path, e), r;

	if (fd == -ENOENT && missing_ok) {
		vu_err_clear(e);
		return 0;
	}
	if (fd < 0)
		return fd;
	r = read_conf(fd, &buf, &len, e);
	close(fd);
	if (r == 0)
		r = parse_lines(&next, path, buf, len, warn, e);
	free(buf);
	if (r == 0)
		*c = next;
	return r;
}
