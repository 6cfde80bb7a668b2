/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cmd.c - command tables: exact lookup, aliases, operand counts, usage */
#include <errno.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_exact),
		cmocka_unit_test(test_find_alias),
		cmocka_unit_test(test_find_or_die),
		cmocka_unit_test(test_check_args),
		cmocka_unit_test(test_print_list),
		cmocka_unit_test(test_print_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
