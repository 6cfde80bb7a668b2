/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsmasq_leases.c - dnsmasq's lease file, read as the untrusted text it
 * is: guests choose the hostnames and client ids written in it */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vu/dnsmasq.h"
#include "vu/file.h"

#include "dnsmasq_int.h"

#define MAX_LEASE_FILE (64u << 20)
#define MAX_LEASES 1000000u

/* The fields of one line, split at single spaces; false unless exactly n. */
static bool split(char *line, char **f, size_t n)
{
	size_t i = 0;

	for (char *p = line;; p++) {
		if (i == n)
			return false;
		f[i++] = p;
		p = strchr(p, ' ');
		if (!p)
			break;
		*p = '\0';
	}
	for (size_t j = 0; j < i; j++)
		if (!*f[j])
			return false;
	return i == n;
}

static bool all_in(const char *s, const char *set, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, set) == n;
}

static bool parse_ull(const char *s, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;

	if (!all_in(s, "0123456789", 20))
		return false;
	for (; *s; s++) {
		if (x > (max - (unsigned long long)(*s - '0')) / 10)
			return false;
		x = x * 10 + (unsigned long long)(*s - '0');
	}
	*v = x;
	return true;
}

/* aa:bb:cc:dd:ee:ff (an Ethernet client: what a guest NIC is), lower-cased. */
static bool parse_mac(const char *s, char *out)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
	}
	out[17] = '\0';
	return true;
}

/* "*" is dnsmasq's "none"; else the text if it is all of set. */
static int opt_field(const char *s, const char *set, size_t max, char **out)
{
	if (strcmp(s, "*") == 0)
		s = "";
	else if (!all_in(s, set, max))
		return -EINVAL;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static const char hostchars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
static const char hexchars[] = "0123456789abcdefABCDEF:";

/* One line into l: 0, -EINVAL (skip it) or -ENOMEM. */
static int parse_line(char *line, struct vu_dnsmasq_lease *l)
{
	unsigned long long v;
	struct dm_addr a;
	char *f[5];
	int r;

	memset(l, 0, sizeof(*l));
	if (!split(line, f, 5) || !parse_ull(f[0], INT64_MAX, &v) ||
	    dm_addr_parse(f[2], 0, &a) < 0)
		return -EINVAL;
	l->expiry = (long long)v;
	l->family = a.family;
	dm_addr_fmt(&a, l->ip);
	if (a.family == AF_INET) {
		if (!parse_mac(f[1], l->mac))
			return -EINVAL;
	} else {
		const char *iaid = f[1][0] == 'T' ? f[1] + 1 : f[1];	/* T: temporary */

		if (!parse_ull(iaid, UINT32_MAX, &v))
			return -EINVAL;
		l->iaid = (unsigned long)v;
	}
	if ((r = opt_field(f[3], hostchars, 255, &l->hostname)) < 0)
		return r;
	if ((r = opt_field(f[4], hexchars, 3 * 256, &l->clientid)) < 0) {
		free(l->hostname);
		l->hostname = NULL;
		return r;
	}
	return 0;
}

void vu_dnsmasq_leases_free(struct vu_dnsmasq_lease *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].hostname);
		free(l[i].clientid);
	}
	free(l);
}

static int add_lease(struct vu_dnsmasq_lease **v, size_t *n, size_t *cap,
		     const struct vu_dnsmasq_lease *l)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		struct vu_dnsmasq_lease *p = reallocarray(*v, c, sizeof(*p));

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = *l;
	return 0;
}

int vu_dnsmasq_leases_parse(const char *buf, size_t len, struct vu_dnsmasq_lease **out,
			    size_t *n)
{
	struct vu_dnsmasq_lease *v = NULL, l;
	size_t cnt = 0, cap = 0;
	char line[1024];
	int r = 0;

	for (size_t pos = 0; pos < len && r == 0;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, ll = end - pos;

		/* Lines too long for any valid lease, or holding a NUL, are noise. */
		if (ll < sizeof(line) && !memchr(buf + pos, '\0', ll)) {
			memcpy(line, buf + pos, ll);
			line[ll] = '\0';
			r = parse_line(line, &l);
			if (r == 0 && (cnt >= MAX_LEASES || (r = add_lease(&v, &cnt, &cap, &l)) < 0)) {
				free(l.hostname);
				free(l.clientid);
			}
			if (r == -EINVAL)
				r = 0;
		}
		pos = end + 1;
	}
	if (r < 0) {
		vu_dnsmasq_leases_free(v, cnt);
		return r;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* The prefix of the spec's address whose network holds the lease. */
static unsigned lease_prefix(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_lease *l)
{
	struct dm_addr a, net;
	int prefix;

	if (dm_addr_parse(l->ip, l->family, &a) < 0)
		return 0;
	for (size_t i = 0; i < s->nips; i++) {
		if (dm_addr_parse(s->ips[i].address, s->ips[i].family, &net) < 0 ||
		    (prefix = dm_ip_prefix(&s->ips[i], &net)) < 0)
			continue;
		if (dm_addr_in(&net, (unsigned)prefix, &a))
			return (unsigned)prefix;
	}
	return 0;
}

int vu_dnsmasq_leases_read(const struct vu_dnsmasq_run *run, const char *name,
			   const struct vu_dnsmasq_spec *s, struct vu_dnsmasq_lease **out,
			   size_t *n, struct vu_err *e)
{
	char file[300], *buf;
	size_t len;
	int fd, r;

	if (vu_name_check(name) < 0)
		return vu_err_set(e, EINVAL, "bad network name");
	snprintf(file, sizeof(file), "%s.leases", name);
	fd = openat(run->dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	if (fd < 0)
		return vu_err_set(e, errno, "%s/%s: %s", run->dir, file, strerror(errno));
	r = vu_read_all(fd, MAX_LEASE_FILE, &buf, &len);
	close(fd);
	if (r < 0)
		return vu_err_set(e, -r, "%s/%s: %s", run->dir, file, strerror(-r));
	r = vu_dnsmasq_leases_parse(buf, len, out, n);
	free(buf);
	if (r < 0)
		return vu_err_set(e, -r, "out of memory");
	for (size_t i = 0; s && i < *n; i++)
		(*out)[i].prefix = lease_prefix(s, &(*out)[i]);
	return 0;
}
