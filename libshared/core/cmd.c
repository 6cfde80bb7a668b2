/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd.c - subcommand tables: exact lookup, operand counts, usage text */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "vu/base.h"
#include "vu/cmd.h"
#include "vu/diag.h"
#include "vu/opts.h"

static const struct vu_cmd *find_row(const struct vu_cmd *tab, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (tab[i].name && strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

const struct vu_cmd *vu_cmd_find(const struct vu_cmd *tab, size_t n, const char *name)
{
	const struct vu_cmd *c = find_row(tab, n, name);

	/* One step only: an alias of an alias would be a mistake in the table. */
	if (c && c->alias_of)
		c = find_row(tab, n, c->alias_of);
	return c && !c->alias_of ? c : NULL;
}

const struct vu_cmd *vu_cmd_find_or_die(const struct vu_cmd *tab, size_t n, const char *name,
					int status)
{
	const struct vu_cmd *c = vu_cmd_find(tab, n, name);

	if (!name)
		vu_die_usage(status, "no command specified");
	if (!c)
		vu_die_usage(status, "%s: unknown command", name);
	return c;
}

void vu_cmd_check_args(const struct vu_cmd *c, int argc, char *const *argv,
		       const char *missing, int status)
{
	if (argc < c->min_args)
		vu_die_usage(status, "%s: %s", c->name, missing ? missing : "missing argument");
	if (c->max_args != VU_CMD_ANY && argc > c->max_args)
		vu_die_usage(status, "%s: unexpected argument '%s'", c->name, argv[c->max_args]);
}

static bool has_usage(const struct vu_cmd *c)
{
	return c->usage && c->usage[0];
}

void vu_cmd_print_list(FILE *f, const struct vu_cmd *tab, size_t n, int width, bool help)
{
	for (size_t i = 0; i < n; i++) {
		const struct vu_cmd *c = &tab[i];
		char head[256];

		if (c->alias_of || !c->name)
			continue;
		if (!help) {
			fprintf(f, " %-*s%s%s\n", width, c->name, has_usage(c) ? " " : "",
				has_usage(c) ? c->usage : "");
			continue;
		}
		snprintf(head, sizeof(head), "%s%s%s", c->name, has_usage(c) ? " " : "",
			 has_usage(c) ? c->usage : "");
		fprintf(f, " %-*s  %s\n", width, head, c->help ? c->help : "");
	}
}

void vu_cmd_print_usage(FILE *f, const struct vu_cmd *c, const char *man)
{
	fputs(VU_USAGE_HEADER, f);
	fprintf(f, " %s %s%s%s\n", program_invocation_short_name, c->name,
		has_usage(c) ? " " : "", has_usage(c) ? c->usage : "");
	if (c->help && c->help[0]) {
		fputs(VU_USAGE_SEPARATOR, f);
		/* A sentence: capital first, period last. */
		fprintf(f, "%c%s.\n", c->help[0] >= 'a' && c->help[0] <= 'z' ?
			c->help[0] - 'a' + 'A' : c->help[0], c->help + 1);
	}
	fprintf(f, VU_USAGE_MAN_TAIL("%s"), man);
}

/* The getopt table for c (NULL: the common options alone); lo has room
 * for ncommon + ndefs + 1 entries. */
static struct option *cmd_longopts(const struct vu_cmd_parser *p, const struct vu_cmd *c)
{
	struct option *lo = calloc(p->ncommon + p->ndefs + 1, sizeof(*lo));
	size_t n = 0;

	if (!lo)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	for (size_t i = 0; i < p->ncommon; i++)
		lo[n++] = p->common[i];
	for (size_t o = 0; c && o < p->ndefs; o++)
		if (c->opts & (1ull << o))
			lo[n++] = (struct option){ p->defs[o].name, p->defs[o].has_arg, NULL,
						   p->base + (int)o };
	return lo;
}

int vu_cmd_parse_global(const struct vu_cmd_parser *p, int argc, char **argv, int status)
{
	struct option *lo = cmd_longopts(p, NULL);
	char *shortopts = NULL;
	int c;

	if (asprintf(&shortopts, "+%s", p->shortopts) < 0)
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1)
		p->common_fn(p->ctx, c);
	free(shortopts);
	free(lo);
	if (optind >= argc)
		vu_die_usage(status, "no command specified");
	return optind;
}

int vu_cmd_parse_options(const struct vu_cmd_parser *p, const struct vu_cmd *c, int argc,
			 char **argv, int status)
{
	struct option *lo = cmd_longopts(p, c);
	int *seen = NULL, c_opt;
	size_t nexcl = 0;

	while (p->excl && p->excl[nexcl][0])
		nexcl++;
	if (!(seen = calloc(nexcl + 1, sizeof(*seen))))
		vu_diex(VU_EXIT_FAIL, "cannot allocate memory");
	/* getopt names argv[0] in its complaints: the tool, not the command;
	 * optind 0 makes glibc start over on the new argv. */
	argv[0] = program_invocation_short_name;
	optind = 0;
	while ((c_opt = getopt_long(argc, argv, p->shortopts, lo, NULL)) != -1) {
		if (p->excl)
			vu_excl_check(p->excl, seen, c_opt, lo, status);
		if (c_opt < p->base) {
			p->common_fn(p->ctx, c_opt);
			continue;
		}
		p->set[c_opt - p->base] = true;
		p->arg[c_opt - p->base] = optarg;
	}
	free(seen);
	free(lo);
	/* getopt moved the operands to the end. */
	memmove(argv, argv + optind, (size_t)(argc - optind + 1) * sizeof(*argv));
	argc -= optind;
	vu_cmd_check_args(c, argc, argv, NULL, status);
	return argc;
}
