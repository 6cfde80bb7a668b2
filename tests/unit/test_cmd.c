/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cmd.c - command tables: exact lookup, aliases, operand counts, usage */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/base.h"
#include "vu/cmd.h"
#include "vu/file.h"

static int run_a(void *ctx, int argc, char **argv)
{
	(void)argv;
	return *(int *)ctx + argc;
}

static int run_b(void *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return 7;
}

static const struct vu_cmd tab[] = {
	{ .name = "start", .run = run_a, .usage = "NET [--build]", .help = "start a network",
	  .flags = 4, .min_args = 1, .max_args = 1 },
	{ .name = "start-all", .run = run_b, .help = "start every autostart network" },
	{ .name = "set", .run = run_b, .usage = "KEY=VALUE...", .min_args = 1,
	  .max_args = VU_CMD_ANY },
	{ .name = "net-start", .alias_of = "start" },
	{ .name = "bad-alias", .alias_of = "nowhere" },
};

static void test_find_exact(void **state)
{
	const struct vu_cmd *c;
	int ctx = 10;

	(void)state;
	c = vu_cmd_find(tab, ARRAY_SIZE(tab), "start");
	assert_ptr_equal(c, &tab[0]);
	assert_int_equal(c->run(&ctx, 2, NULL), 12);
	assert_ptr_equal(vu_cmd_find(tab, ARRAY_SIZE(tab), "start-all"), &tab[1]);
	/* Never by prefix, never by case. */
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), "sta"));
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), "star"));
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), "Start"));
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), "start "));
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), ""));
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), NULL));
	/* Only the first n rows count. */
	assert_null(vu_cmd_find(tab, 1, "set"));
}

static void test_find_alias(void **state)
{
	(void)state;
	/* An alias is its target, flags and all. */
	assert_ptr_equal(vu_cmd_find(tab, ARRAY_SIZE(tab), "net-start"), &tab[0]);
	assert_int_equal(vu_cmd_find(tab, ARRAY_SIZE(tab), "net-start")->flags, 4);
	/* An alias of nothing finds nothing rather than an empty row. */
	assert_null(vu_cmd_find(tab, ARRAY_SIZE(tab), "bad-alias"));
}

/* Runs fn(arg) in a child with stderr captured; returns its exit status. */
static int capture(void (*fn)(const void *), const void *arg, char *err, size_t len)
{
	int pe[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pe[1], 2);
		fn(arg);
		fflush(NULL);
		_exit(99);
	}
	close(pe[1]);
	n = vu_read_full(pe[0], err, len - 1);
	err[n > 0 ? n : 0] = '\0';
	close(pe[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void find_or_die(const void *name)
{
	vu_cmd_find_or_die(tab, ARRAY_SIZE(tab), name, 1);
}

static void test_find_or_die(void **state)
{
	char err[512], want[256];

	(void)state;
	assert_ptr_equal(vu_cmd_find_or_die(tab, ARRAY_SIZE(tab), "net-start", 2), &tab[0]);
	/* The status is the caller's: img-convert's usage errors exit 1. */
	assert_int_equal(capture(find_or_die, "frobnicate", err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: frobnicate: unknown command\n"
		 "Try '%s --help' for more information.\n",
		 program_invocation_short_name, program_invocation_short_name);
	assert_string_equal(err, want);
	assert_int_equal(capture(find_or_die, NULL, err, sizeof(err)), 1);
	assert_non_null(strstr(err, ": no command specified\nTry '"));
}

struct args {
	const struct vu_cmd *c;
	int argc;
	char **argv;
	const char *missing;
};

static void check_args(const void *arg)
{
	const struct args *a = arg;

	vu_cmd_check_args(a->c, a->argc, a->argv, a->missing, 2);
}

static void test_check_args(void **state)
{
	char *argv[] = { "a", "b", "c", NULL };
	struct args a = { &tab[0], 1, argv, NULL };
	char err[512];

	(void)state;
	/* Within bounds: returns. */
	check_args(&a);
	a.c = &tab[2];
	a.argc = 3;
	check_args(&a);
	/* Too few: the default message, or the caller's. */
	a.c = &tab[0];
	a.argc = 0;
	assert_int_equal(capture(check_args, &a, err, sizeof(err)), 2);
	assert_non_null(strstr(err, ": start: missing argument\nTry '"));
	a.c = &tab[2];
	a.missing = "KEY=VALUE expected";
	assert_int_equal(capture(check_args, &a, err, sizeof(err)), 2);
	assert_non_null(strstr(err, ": set: KEY=VALUE expected\n"));
	/* Too many: the first one too many is named. */
	a.c = &tab[0];
	a.argc = 3;
	assert_int_equal(capture(check_args, &a, err, sizeof(err)), 2);
	assert_non_null(strstr(err, ": start: unexpected argument 'b'\n"));
	a.c = &tab[1];
	assert_int_equal(capture(check_args, &a, err, sizeof(err)), 2);
	assert_non_null(strstr(err, ": start-all: unexpected argument 'a'\n"));
}

/* What a printer wrote, NUL-terminated, malloc'd. */
static char *printed(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void list_plain(FILE *f, const void *width)
{
	vu_cmd_print_list(f, tab, ARRAY_SIZE(tab), *(const int *)width, false);
}

static void list_help(FILE *f, const void *width)
{
	vu_cmd_print_list(f, tab, ARRAY_SIZE(tab), *(const int *)width, true);
}

static void test_print_list(void **state)
{
	int width = 0;
	char *s;

	(void)state;
	/* img-convert's layout: the synopsis after one space. */
	s = printed(list_plain, &width);
	assert_string_equal(s, " start NET [--build]\n start-all\n set KEY=VALUE...\n");
	free(s);
	/* pool-ctl's: names in a column; no trailing blank after the usage. */
	width = 10;
	s = printed(list_plain, &width);
	assert_string_equal(s, " start      NET [--build]\n"
			       " start-all \n"
			       " set        KEY=VALUE...\n");
	free(s);
	/* ksm-tune's: name and operands in a column, then the help. */
	width = 16;
	s = printed(list_help, &width);
	assert_string_equal(s, " start NET [--build]  start a network\n"
			       " start-all         start every autostart network\n"
			       " set KEY=VALUE...  \n");
	free(s);
}

static void usage_of(FILE *f, const void *c)
{
	vu_cmd_print_usage(f, c, "net-ctl(1)");
}

static void test_print_usage(void **state)
{
	char want[512];
	char *s;

	(void)state;
	s = printed(usage_of, &tab[0]);
	snprintf(want, sizeof(want), "\nUsage:\n %s start NET [--build]\n\nStart a network.\n"
		 "\nFor more details see net-ctl(1).\n", program_invocation_short_name);
	assert_string_equal(s, want);
	free(s);
	/* No help line: no sentence; no usage: the name alone. */
	s = printed(usage_of, &(const struct vu_cmd){ .name = "list" });
	snprintf(want, sizeof(want), "\nUsage:\n %s list\n\nFor more details see net-ctl(1).\n",
		 program_invocation_short_name);
	assert_string_equal(s, want);
	free(s);
}

/* The tool's options before and after the command word, and a command's
 * own options as declared once: the virsh-like tools' one parser. */
enum { O_ALL, O_JSON, O_FILE, O_N };
enum { OPT_ROOT = 300, OPT_BASE = 400 };

struct popts {
	const char *root;
	int quiet;
	bool set[O_N];
	const char *arg[O_N];
};

static void common_fn(void *ctx, int c)
{
	struct popts *o = ctx;

	if (c == OPT_ROOT)
		o->root = optarg;
	else if (c == 'q')
		o->quiet++;
	else
		exit(9);
}

static const struct vu_cmd_optdef defs[O_N] = {
	[O_ALL] = { "all", no_argument }, [O_JSON] = { "json", no_argument },
	[O_FILE] = { "file", required_argument },
};
static const vu_excl_t pexcl[] = { { OPT_BASE + O_ALL, OPT_BASE + O_JSON }, { 0 } };
static const struct option pcommon[] = {
	{ "root", required_argument, NULL, OPT_ROOT }, { "quiet", no_argument, NULL, 'q' },
};
static const struct vu_cmd list_cmd = { .name = "list", .opts = 1u << O_ALL | 1u << O_JSON,
					.min_args = 0, .max_args = 1 };

static struct vu_cmd_parser mkparser(struct popts *o)
{
	return (struct vu_cmd_parser){
		.common = pcommon, .ncommon = ARRAY_SIZE(pcommon), .shortopts = "q",
		.defs = defs, .ndefs = O_N, .base = OPT_BASE, .excl = pexcl,
		.common_fn = common_fn, .ctx = o, .set = o->set, .arg = o->arg,
	};
}

static void test_parse(void **state)
{
	char *argv[] = { "tool", "--root", "/r", "-q", "list", "x", "--all", "-q", NULL };
	struct popts o = { 0 };
	struct vu_cmd_parser p = mkparser(&o);
	int first, n;

	(void)state;
	optind = 0;
	first = vu_cmd_parse_global(&p, 8, argv, 2);
	assert_int_equal(first, 4);
	assert_string_equal(o.root, "/r");
	n = vu_cmd_parse_options(&p, &list_cmd, 8 - first, argv + first, 2);
	assert_int_equal(n, 1);
	assert_string_equal(argv[first], "x");
	assert_true(o.set[O_ALL]);
	assert_false(o.set[O_JSON]);
	assert_int_equal(o.quiet, 2);
}

static void parse_bad(const void *arg)
{
	char **argv = (char **)arg;
	struct popts o = { 0 };
	struct vu_cmd_parser p = mkparser(&o);
	int argc = 0;

	while (argv[argc])
		argc++;
	optind = 0;
	vu_cmd_parse_options(&p, &list_cmd, argc, argv, 2);
}

static void test_parse_errors(void **state)
{
	char *excl_argv[] = { "list", "--all", "--json", NULL };
	char *other_argv[] = { "list", "--file", "f", NULL };
	char *many_argv[] = { "list", "a", "b", NULL };
	char err[512];

	(void)state;
	assert_int_equal(capture(parse_bad, excl_argv, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "options --all and --json cannot be combined"));
	/* --file is another command's option: unknown to this one. */
	assert_int_equal(capture(parse_bad, other_argv, err, sizeof(err)), 9);
	assert_int_equal(capture(parse_bad, many_argv, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "list: unexpected argument 'b'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_exact),
		cmocka_unit_test(test_find_alias),
		cmocka_unit_test(test_find_or_die),
		cmocka_unit_test(test_check_args),
		cmocka_unit_test(test_print_list),
		cmocka_unit_test(test_print_usage),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
