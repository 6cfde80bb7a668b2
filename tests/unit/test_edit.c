/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_edit.c - the editor session of the *-edit commands */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vu/edit.h"
#include "testutil.h"

static const char doc[] = "<pool type='dir'>\n  <name>p</name>\n</pool>\n";

/* An editor that leaves the file alone: no change, and the caller gets
 * the file to read. */
static void test_unchanged(void **state)
{
	struct vu_err e = { 0 };
	char *path = NULL;
	bool changed = true;

	(void)state;
	setenv("VISUAL", "true", 1);
	assert_int_equal(vu_edit_text("pool-ctl", "p", doc, &path, &changed, &e), 0);
	assert_false(changed);
	assert_non_null(strstr(path, "/pool-ctl-p-"));
	assert_int_equal(access(path, R_OK), 0);
	unlink(path);
	free(path);
}

/* $VISUAL wins over $EDITOR, and runs through the shell with its options. */
static void test_changed(void **state)
{
	struct vu_err e = { 0 };
	char *path = NULL;
	bool changed = false;

	(void)state;
	setenv("VISUAL", "sed -i s/p/q/", 1);
	setenv("EDITOR", "false", 1);
	assert_int_equal(vu_edit_text("net-ctl", "n", doc, &path, &changed, &e), 0);
	assert_true(changed);
	unlink(path);
	free(path);
}

/* A failing editor leaves no temporary file and says so. */
static void test_editor_fails(void **state)
{
	struct vu_err e = { 0 };
	char dir[256], *path = (char *)1;
	bool changed = false;

	(void)state;
	assert_int_equal(tu_scratch(dir, sizeof(dir), "test_edit"), 0);
	setenv("TMPDIR", dir, 1);
	unsetenv("VISUAL");
	setenv("EDITOR", "false", 1);
	assert_int_equal(vu_edit_text("pool-ctl", "p", doc, &path, &changed, &e), -EIO);
	assert_null(path);
	assert_string_equal(e.msg, "false: the editor failed; the definition is unchanged");
	assert_int_equal(rmdir(dir), 0);	/* empty: nothing left behind */
	unsetenv("TMPDIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_editor_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
