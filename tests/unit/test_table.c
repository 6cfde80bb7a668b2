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

/* Typed numbers: signed, floating, and sysfs text that may be a number. */
static void test_typed_numbers(void **state)
{
	static const struct vu_col c[] = {
		{ "Delta", "delta", VU_COL_INT }, { "Ratio", "ratio", VU_COL_REAL },
		{ "Value", "value", VU_COL_AUTO },
	};
	static const char *const autos[] = {
		"100", "-7", "[none] scan-time", "", "12abc", "99999999999999999999", NULL,
	};
	struct vu_table *t = vu_table_new(c, 3);
	char *out;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(vu_table_row(t), 0);
		assert_int_equal(vu_table_cell_int(t, 0, i ? "x" : NULL, -(int64_t)i * 1000000000000),
				 0);
		if (i == 1)
			assert_int_equal(vu_table_null(t, 1, "-"), 0);
		else
			assert_int_equal(vu_table_cell_real(t, 1, "r", (double)i / 4), 0);
		assert_int_equal(vu_table_cell(t, 2, autos[i], 0), 0);
	}
	out = capture(t, 1, 0);
	/* The integers hold their value without text; the value's text is
	 * kept when it is no number (or too big for one); no text is null. */
	assert_string_equal(out,
		"[\n"
		"  {\n    \"delta\": 0,\n    \"ratio\": 0.0,\n    \"value\": 100\n  },\n"
		"  {\n    \"delta\": -1000000000000,\n    \"ratio\": null,\n    \"value\": -7\n  },\n"
		"  {\n    \"delta\": -2000000000000,\n    \"ratio\": 0.5,\n"
		"    \"value\": \"[none] scan-time\"\n  },\n"
		"  {\n    \"delta\": -3000000000000,\n    \"ratio\": 0.75,\n    \"value\": \"\"\n  },\n"
		"  {\n    \"delta\": -4000000000000,\n    \"ratio\": 1.0,\n    \"value\": \"12abc\"\n  },\n"
		"  {\n    \"delta\": -5000000000000,\n    \"ratio\": 1.25,\n"
		"    \"value\": \"99999999999999999999\"\n  },\n"
		"  {\n    \"delta\": -6000000000000,\n    \"ratio\": 1.5,\n    \"value\": null\n  }\n"
		"]\n");
	free(out);
	/* The table shows the text only: the first row's integer has none. */
	out = capture(t, 0, 0);
	assert_string_equal(out, "     r   100\n"
			    " x   -   -7\n"
			    " x   r   [none] scan-time\n"
			    " x   r   \n"
			    " x   r   12abc\n"
			    " x   r   99999999999999999999\n"
			    " x   r   \n");
	free(out);
	vu_table_free(&t);
}

/* A record holding a record, a list of values and a table of rows, as
 * ksm-tune status and once print them. */
static struct vu_table *nested(void)
{
	static const struct vu_col outer[] = {
		{ "", "ksm", VU_COL_TABLE }, { NULL, "page_size", VU_COL_INT },
		{ "memory_saved", "memory_saved", VU_COL_INT }, { NULL, "pids", VU_COL_TABLE },
		{ NULL, "writes", VU_COL_TABLE }, { NULL, "dry_run", VU_COL_BOOL },
	};
	static const struct vu_col files[] = {
		{ "run", "run", VU_COL_AUTO }, { "pages_to_scan", "pages_to_scan", VU_COL_AUTO },
		{ "advisor_mode", "advisor_mode", VU_COL_AUTO },
	};
	static const struct vu_col pid[] = { { NULL, "pid", VU_COL_INT } };
	static const struct vu_col write[] = {
		{ "Key", "key", VU_COL_STR }, { "Changed", "changed", VU_COL_BOOL },
	};
	struct vu_table *t = vu_table_new(outer, 6), *k = vu_table_new(files, 3);
	struct vu_table *p = vu_table_new(pid, 1), *w = vu_table_new(write, 2);

	vu_table_set_json(t, VU_JSON_OBJECT);
	vu_table_set_json(k, VU_JSON_OBJECT);
	vu_table_set_json(p, VU_JSON_VALUES);
	assert_int_equal(vu_table_row(k), 0);
	assert_int_equal(vu_table_cell(k, 0, "1", 0), 0);
	assert_int_equal(vu_table_cell(k, 1, NULL, 0), 0);	/* could not be read */
	assert_int_equal(vu_table_cell(k, 2, "[none] scan-time", 0), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(vu_table_row(p), 0);
		assert_int_equal(vu_table_cell_int(p, 0, NULL, 4242 + i), 0);
	}
	assert_int_equal(vu_table_row(w), 0);
	assert_int_equal(vu_table_cell(w, 0, "run", 0), 0);
	assert_int_equal(vu_table_cell(w, 1, "yes", 1), 0);
	assert_int_equal(vu_table_row(t), 0);
	assert_int_equal(vu_table_cell_table(t, 0, NULL, k), 0);
	assert_int_equal(vu_table_cell_int(t, 1, NULL, 4096), 0);
	assert_int_equal(vu_table_null(t, 2, "-"), 0);
	assert_int_equal(vu_table_cell_table(t, 3, NULL, p), 0);
	assert_int_equal(vu_table_cell_table(t, 4, NULL, w), 0);
	assert_int_equal(vu_table_cell(t, 5, "no", 0), 0);
	return t;
}

static void test_nested_json(void **state)
{
	struct vu_table *t = nested();
	char *out = capture(t, 1, 0);

	(void)state;
	assert_string_equal(out,
		"{\n"
		"  \"ksm\": {\n"
		"    \"run\": 1,\n"
		"    \"pages_to_scan\": null,\n"
		"    \"advisor_mode\": \"[none] scan-time\"\n"
		"  },\n"
		"  \"page_size\": 4096,\n"
		"  \"memory_saved\": null,\n"
		"  \"pids\": [\n"
		"    4242,\n"
		"    4243\n"
		"  ],\n"
		"  \"writes\": [\n"
		"    {\n"
		"      \"key\": \"run\",\n"
		"      \"changed\": true\n"
		"    }\n"
		"  ],\n"
		"  \"dry_run\": false\n"
		"}\n");
	free(out);
	/* Replacing a nested table frees the old one (ASan would tell). */
	assert_int_equal(vu_table_cell_table(t, 3, NULL, NULL), 0);
	out = capture(t, 1, 0);
	assert_non_null(strstr(out, "\"pids\": null,"));
	free(out);
	vu_table_free(&t);
}

static void test_empty_shapes(void **state)
{
	static const struct vu_col c[] = { { "A", "a", VU_COL_INT } };
	struct vu_table *t = vu_table_new(c, 1);
	char *out;

	(void)state;
	vu_table_set_json(t, VU_JSON_OBJECT);
	out = capture(t, 1, 0);
	assert_string_equal(out, "{\n}\n");
	free(out);
	vu_table_set_json(t, VU_JSON_VALUES);
	out = capture(t, 1, 0);
	assert_string_equal(out, "[\n]\n");
	free(out);
	vu_table_free(&t);
	/* A record of no columns (an empty KSM directory) still has its row. */
	t = vu_table_new(c, 0);
	vu_table_set_json(t, VU_JSON_OBJECT);
	assert_int_equal(vu_table_row(t), 0);
	out = capture(t, 1, 0);
	assert_string_equal(out, "{\n}\n");
	free(out);
	vu_table_free(&t);
}

static char *record(const struct vu_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	vu_table_print_record(t, f);
	fclose(f);
	return buf;
}

static void test_record_text(void **state)
{
	struct vu_table *t = nested();
	char *out = record(t);

	(void)state;
	/* The nested record's lines in its place, a cell without text left out
	 * but its title counted, columns without a title JSON only. */
	assert_string_equal(out, "run            1\n"
			    "advisor_mode   [none] scan-time\n"
			    "memory_saved   -\n");
	free(out);
	vu_table_free(&t);
}

/* Columns without a title are JSON only in the aligned table too. */
static void test_layout_json_only(void **state)
{
	static const struct vu_col c[] = {
		{ "Name", "name", VU_COL_STR }, { NULL, "uuid", VU_COL_STR },
		{ "State", "state", VU_COL_STR }, { NULL, "id", VU_COL_INT },
	};
	struct vu_table *t = vu_table_new(c, 4);
	char *out;

	(void)state;
	assert_int_equal(vu_table_row(t), 0);
	assert_int_equal(vu_table_cell(t, 0, "default", 0), 0);
	assert_int_equal(vu_table_cell(t, 1, "1f82", 0), 0);
	assert_int_equal(vu_table_cell(t, 2, "active", 0), 0);
	assert_int_equal(vu_table_cell_int(t, 3, NULL, 3), 0);
	out = capture(t, 0, 1);
	assert_string_equal(out, " Name      State\n"
			    "-------------------\n"
			    " default   active\n");
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
		cmocka_unit_test(test_typed_numbers),
		cmocka_unit_test(test_nested_json),
		cmocka_unit_test(test_empty_shapes),
		cmocka_unit_test(test_record_text),
		cmocka_unit_test(test_layout_json_only),
		cmocka_unit_test(test_size_virsh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
