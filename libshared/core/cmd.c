/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd.c - subcommand tables: exact lookup, operand counts, usage text */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
