/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_table.c - virsh's table layout and its JSON twin */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vu/table.h"

static const struct vu_col cols[] = {
	{ "Name", "name", VU_COL_STR },
	{ "State", "state", VU_COL_STR },
	{ "Autostart", "autostart", VU_COL_BOOL },
	{ "Capacity", "capacity", VU_COL_BYTES },
};

/* Captures what a printer writes. */
static char *capture(struct vu_table *t, int json, int header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(vu_table_print_json(t, f), 0);
	else
		vu_table_print(t, f, header);
	fclose(f);
	return buf;
}

static struct vu_table *sample(void)
{
	struct vu_table *t = vu_table_new(cols, 4);

	assert_int_equal(vu_table_row(t), 0);
	assert_int_equal(vu_table_cell(t, 0, "default", 0), 0);
	assert_int_equal(vu_table_cell(t, 1, "active", 0), 0);
	assert_int_equal(vu_table_cell(t, 2, "yes", 1), 0);
	assert_int_equal(vu_table_cell(t, 3, "1.00 GiB", 1073741824), 0);
	assert_int_equal(vu_table_row(t), 0);
	assert_int_equal(vu_table_cell(t, 0, "guest_images_disk", 0), 0);
	assert_int_equal(vu_table_cell(t, 1, "inactive", 0), 0);
	assert_int_equal(vu_table_cell(t, 2, "no", 0), 0);
	assert_int_equal(vu_table_null(t, 3, "-"), 0);
	return t;
}

static void test_layout(void **state)
{
	struct vu_table *t = sample();
	char *out = capture(t, 0, 1);

	(void)state;
	assert_string_equal(out,
		" Name                State      Autostart   Capacity\n"
		"------------------------------------------------------\n"
		" default             active     yes         1.00 GiB\n"
		" guest_images_disk   inactive   no          -\n");
	free(out);
	out = capture(t, 0, 0);
	/* Without the header, as virsh -q: the widths are the rows' own. */
	assert_string_equal(out, " default             active     yes   1.00 GiB\n"
			    " guest_images_disk   inactive   no    -\n");
	free(out);
	vu_table_free(&t);
	assert_null(t);
}

static void test_empty(void **state)
{
	struct vu_table *t = vu_table_new(cols, 2);
	char *out = capture(t, 0, 1);

	(void)state;
	assert_string_equal(out, " Name   State\n---------------\n");
	free(out);
	out = capture(t, 1, 0);
	assert_string_equal(out, "[\n]\n");
	free(out);
	vu_table_free(&t);
}

static void test_json(void **state)
{
	struct vu_table *t = sample();
	char *out = capture(t, 1, 0);

	(void)state;
	assert_non_null(strstr(out, "\"name\": \"default\""));
	assert_non_null(strstr(out, "\"autostart\": true"));
	assert_non_null(strstr(out, "\"capacity\": 1073741824"));
	assert_non_null(strstr(out, "\"autostart\": false"));
	assert_non_null(strstr(out, "\"capacity\": null"));
	free(out);
	vu_table_free(&t);
}

static void test_size_virsh(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(vu_size_virsh(0, buf, sizeof(buf)), "0.00 B");
	assert_string_equal(vu_size_virsh(1023, buf, sizeof(buf)), "1023.00 B");
	assert_string_equal(vu_size_virsh(1536, buf, sizeof(buf)), "1.50 KiB");
	assert_string_equal(vu_size_virsh(52850000000ull, buf, sizeof(buf)), "49.22 GiB");
	assert_string_equal(vu_size_virsh(UINT64_MAX, buf, sizeof(buf)), "16.00 EiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_size_virsh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
