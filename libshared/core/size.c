/* SPDX-License-Identifier: GPL-2.0-or-later */
/* size.c - one size parser for qemu-img's, virsh's and virt-install's dialects,
 * and sizes printed for people the way qemu-img prints them */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vu/diag.h"
#include "vu/size.h"

/* Fractional digits past this many change the result by less than a byte
 * for every unit up to EiB, and more would overflow the 128-bit product. */
#define FRAC_DIGITS_MAX 18

/* A number as written: "12" or "1.25" (frac 25, frac_div 100). */
struct number {
	uint64_t whole;
	uint64_t frac;
	uint64_t frac_div;
	bool overflow;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII comparison, independent of the locale. */
static bool same_word(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/* Reads DIGITS and, when fractions are allowed, an optional ".DIGITS".
 * Returns where the number ends, or NULL if there is no number. */
static const char *read_number(const char *s, bool fraction, struct number *n)
{
	*n = (struct number){ .frac_div = 1 };
	if (!is_digit(*s))
		return NULL;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (n->whole > (UINT64_MAX - d) / 10)
			n->overflow = true;
		n->whole = n->whole * 10 + d;
	}
	if (*s != '.' || !fraction)
		return s;
	if (!is_digit(*++s))
		return NULL;
	for (; is_digit(*s); s++) {
		if (n->frac_div >= 1000000000000000000ULL)
			continue;
		n->frac = n->frac * 10 + (uint64_t)(*s - '0');
		n->frac_div *= 10;
	}
	return s;
}

static uint64_t power(uint64_t base, int exp)
{
	uint64_t r = 1;

	while (exp-- > 0)
		r *= base;
	return r;
}

/* Bytes-only words: qemu-img knows "B", virsh also "byte" and "bytes". */
static bool is_bytes_word(const char *sfx, enum vu_size_dialect d)
{
	if (same_word(sfx, "b"))
		return true;
	return d == VU_SIZE_VIRSH && (same_word(sfx, "byte") || same_word(sfx, "bytes"));
}

/* The multiplier a suffix stands for; 0 if the dialect does not know it. */
static uint64_t suffix_scale(const char *sfx, enum vu_size_dialect d, uint64_t default_unit)
{
	const char *units = "kmgtpe";
	const char *u;

	if (!*sfx)
		return default_unit;
	if (is_bytes_word(sfx, d))
		return 1;
	u = strchr(units, lower(*sfx));
	if (!u)
		return 0;
	if (!sfx[1] || same_word(sfx + 1, "ib"))
		return power(1024, (int)(u - units) + 1);
	/* Only virsh reads "KB" as decimal; qemu-img refuses it. */
	if (d == VU_SIZE_VIRSH && same_word(sfx + 1, "b"))
		return power(1000, (int)(u - units) + 1);
	return 0;
}

/* whole * scale + the fraction's share of scale (truncated); -ERANGE past 2^64. */
static int scale_number(const struct number *n, uint64_t scale, uint64_t *out)
{
	unsigned __int128 frac_bytes;
	uint64_t whole_bytes;

	if (n->overflow || (n->whole && n->whole > UINT64_MAX / scale))
		return -ERANGE;
	whole_bytes = n->whole * scale;
	frac_bytes = (unsigned __int128)n->frac * scale / n->frac_div;
	if (frac_bytes > UINT64_MAX - whole_bytes)
		return -ERANGE;
	*out = whole_bytes + (uint64_t)frac_bytes;
	return 0;
}

int vu_parse_size(const char *s, enum vu_size_dialect d, uint64_t default_unit,
		  uint64_t *out)
{
	struct number n;
	const char *end;
	uint64_t scale;

	if (!s || !default_unit)
		return -EINVAL;
	end = read_number(s, d != VU_SIZE_VIRSH, &n);
	if (!end)
		return -EINVAL;
	scale = suffix_scale(end, d, default_unit);
	if (!scale)
		return -EINVAL;
	/* Like qemu-img, a fraction of a byte is refused rather than rounded. */
	if (n.frac && scale == 1)
		return -EINVAL;
	return scale_number(&n, scale, out);
}

uint64_t vu_parse_size_or_die(const char *s, enum vu_size_dialect d,
			      uint64_t default_unit, const char *what, int status)
{
	uint64_t v = 0;

	if (vu_parse_size(s, d, default_unit, &v) < 0)
		vu_die_usage(status, "invalid %s: '%s'", what, s ? s : "");
	return v;
}

char *vu_size_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const prefix[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	unsigned i = 0;

	/*
	 * qemu-img moves to the next unit as soon as the number would reach
	 * 1000 in the current one, so it never prints four digits: unit i
	 * holds values below 1000 * 1024^i. Integer comparison keeps that exact.
	 */
	while (i < 6 && bytes >= (1000ULL << (10 * i)))
		i++;
	snprintf(buf, len, "%0.3g %sB", (double)bytes / (double)(1ULL << (10 * i)),
		 prefix[i]);
	return buf;
}

int vu_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	struct number n;
	const char *end;

	if (!s)
		return -EINVAL;
	end = read_number(s, false, &n);
	if (!end || *end)
		return -EINVAL;
	if (n.overflow || n.whole < min || n.whole > max)
		return -ERANGE;
	*out = n.whole;
	return 0;
}
