/* SPDX-License-Identifier: GPL-2.0-or-later */
/* size.h - one size parser, three dialects, and qemu-img's way of printing */
#ifndef VU_SIZE_H
#define VU_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The upstream tools disagree, and scripts rely on each:
 *  VU_SIZE_QEMU         qemu-img: every suffix is binary; k/K KiB, M, G, T, P, E,
 *                       also "KiB"-style; "b"/"B" bytes; fractions allowed ("1.5G").
 *                       10K = 10240, 1.5M = 1572864.
 *  VU_SIZE_VIRSH        virsh: "K"/"KiB" binary, "KB" decimal (10KB = 10000),
 *                       "b"/"bytes" bytes; integers only.
 *  VU_SIZE_VIRTINSTALL  virt-install: a plain number in the default unit
 *                       (GiB for size=, MiB for --memory), fractions allowed
 *                       ("0.5" GiB = 536870912); suffixes as qemu-img.
 * Suffixes are case-insensitive; "KB"-style is decimal in virsh's dialect
 * only (qemu-img refuses it, so do we). A number without a suffix is
 * multiplied by default_unit (which must not be 0). A fraction is truncated
 * to whole bytes ("0.1K" = 102) and refused when the unit is bytes ("1.5B").
 * Negative numbers, a sign, spaces, overflow past UINT64_MAX, an empty string
 * and trailing junk are refused.
 * Returns 0, or -EINVAL (junk, negative) / -ERANGE (overflow).
 */
enum vu_size_dialect { VU_SIZE_QEMU, VU_SIZE_VIRSH, VU_SIZE_VIRTINSTALL };

int vu_parse_size(const char *s, enum vu_size_dialect d, uint64_t default_unit,
		  uint64_t *out);
/* For main.c: on failure dies through vu_die_usage(status, ...) with
 * "tool: invalid WHAT: 'S'" and the --help hint; status is the tool's
 * usage-error code (2, or 1 for img-convert). */
uint64_t vu_parse_size_or_die(const char *s, enum vu_size_dialect d,
			      uint64_t default_unit, const char *what, int status);

/*
 * As qemu-img prints sizes for people: three significant digits and a binary
 * unit, switching unit once the number reaches 1000 ("0.977 KiB", "1 GiB",
 * "1.5 GiB", "512 B"). Returns buf.
 */
char *vu_size_human(uint64_t bytes, char *buf, size_t len);

/* Parses a non-negative decimal integer in [min,max] (digits only, no sign or
 * space); 0, -EINVAL (junk) or -ERANGE (overflow, outside the range). */
int vu_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
