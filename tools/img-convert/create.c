/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create.c - "img-convert create": a new, empty image */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vu/diag.h"
#include "vu/file.h"
#include "vu/size.h"

#include "img-convert.h"

enum prealloc { PREALLOC_OFF, PREALLOC_FALLOC, PREALLOC_FULL };

static const char *const prealloc_names[] = { "off", "falloc", "full" };

struct create {
	const char *fmt, *file;
	enum prealloc prealloc;
	bool prealloc_given;	/* qemu-img echoes it, even "off" */
	uint64_t size;
	bool quiet;
};

static void parse_prealloc(struct create *cr, const char *val)
{
	for (size_t i = 0; i < sizeof(prealloc_names) / sizeof(prealloc_names[0]); i++) {
		if (strcmp(val, prealloc_names[i]) == 0) {
			cr->prealloc = (enum prealloc)i;
			cr->prealloc_given = true;
			return;
		}
	}
	vu_errx(IC_FAIL, "-o: preallocation: invalid value '%s' (off, falloc, full)", val);
}

static void print_opts_help(void)
{
	puts("Supported options:");
	puts("  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)");
	puts("  size=<size>            - Virtual disk size");
	exit(IC_OK);
}

/* -o key=value[,key=value...] for raw: preallocation and size. */
static void parse_o(struct create *cr, char *arg)
{
	for (char *save = NULL, *kv = strtok_r(arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *val = strchr(kv, '=');

		if (strcmp(kv, "help") == 0 || strcmp(kv, "?") == 0)
			print_opts_help();
		if (!val)
			vu_errx(IC_FAIL, "-o: '%s': expected key=value", kv);
		else
			*val++ = '\0';
		if (strcmp(kv, "preallocation") == 0)
			parse_prealloc(cr, val);
		else if (strcmp(kv, "size") == 0)
			cr->size = vu_parse_size_or_die(val, VU_SIZE_QEMU, 1, "size", IC_FAIL);
		else
			vu_errx(IC_FAIL, "-o: invalid option '%s' for format '%s'", kv, cr->fmt);
	}
}

static int allocate(int fd, const struct create *cr)
{
	if (ftruncate(fd, (off_t)cr->size) < 0)
		return -errno;
	if (cr->prealloc == PREALLOC_FALLOC && cr->size)
		return -posix_fallocate(fd, 0, (off_t)cr->size);
	if (cr->prealloc == PREALLOC_FULL) {
		static const char zeros[1 << 16];

		for (uint64_t off = 0; off < cr->size; off += sizeof(zeros)) {
			size_t n = cr->size - off < sizeof(zeros) ? cr->size - off : sizeof(zeros);
			int r = vu_pwrite_all(fd, zeros, n, (off_t)off);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int create_raw(const struct create *cr)
{
	struct vu_atomic a;
	int r = vu_atomic_open(&a, cr->file, 0644);

	if (r < 0)
		return r;
	r = allocate(a.fd, cr);
	if (r == 0)
		r = vu_atomic_commit(&a, true, true);
	else
		vu_atomic_abort(&a);
	return r;
}

int cmd_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct create cr = { .fmt = "raw" };
	char **opts = calloc((size_t)argc, sizeof(char *));
	int nopts = 0, c, r;

	if (!opts)
		vu_errx(IC_FAIL, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, "f:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cr.fmt = optarg; break;
		case 'o': opts[nopts++] = optarg; break;
		case 'q': cr.quiet = true; break;
		case 'h': ic_cmd_usage("create");
		default: ic_bad_option();
		}
	}
	if (strcmp(cr.fmt, "raw") != 0)
		vu_errx(IC_FAIL, "-f: cannot create format '%s' (raw only)", cr.fmt);
	for (int i = 0; i < nopts; i++)
		parse_o(&cr, opts[i]);
	free(opts);
	if (optind >= argc)
		vu_usage_err(IC_FAIL, "expecting a file name");
	cr.file = argv[optind];
	if (optind + 1 < argc)
		cr.size = vu_parse_size_or_die(argv[optind + 1], VU_SIZE_QEMU, 1, "size", IC_FAIL);
	else if (!cr.size)
		vu_usage_err(IC_FAIL, "image creation needs a size parameter");
	if (optind + 2 < argc)
		vu_usage_err(IC_FAIL, "unexpected argument '%s'", argv[optind + 2]);
	if (cr.size > INT64_MAX)
		vu_errx(IC_FAIL, "%s: size too large", cr.file);
	if (!cr.quiet)
		printf("Formatting '%s', fmt=raw size=%llu%s%s\n", cr.file,
		       (unsigned long long)cr.size,
		       cr.prealloc_given ? " preallocation=" : "",
		       cr.prealloc_given ? prealloc_names[cr.prealloc] : "");
	r = create_raw(&cr);
	if (r < 0)
		vu_errc(IC_FAIL, -r, "%s: cannot create", cr.file);
	return IC_OK;
}
