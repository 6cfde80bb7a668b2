/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table.h - listings for people (virsh's aligned table) and for scripts
 * (JSON), filled by one loop */
#ifndef VU_TABLE_H
#define VU_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How a column's value goes into JSON; the table always shows the text. */
enum vu_col_type {
	VU_COL_STR,	/* a string (null when the cell has no text) */
	VU_COL_BYTES,	/* a number of bytes */
	VU_COL_BOOL,
	VU_COL_INT,	/* a signed number: vu_table_cell_int */
	VU_COL_REAL,	/* a floating-point number: vu_table_cell_real */
	VU_COL_AUTO,	/* the text, as a number when it is a decimal integer
			 * (values read from sysfs or a config file) */
	VU_COL_TABLE,	/* a table of its own: vu_table_cell_table */
};

/* Columns are declared once, as util-linux's lslocks does. */
struct vu_col {
	const char *title;	/* table header, as virsh prints it; NULL: JSON only */
	const char *key;	/* JSON member name */
	enum vu_col_type type;
};

/* What vu_table_print_json makes of a table. */
enum vu_table_json {
	VU_JSON_ROWS,	/* an array with one object per row (the default) */
	VU_JSON_OBJECT,	/* the first row alone, as an object: a record */
	VU_JSON_VALUES,	/* an array of the first column's values */
};

struct vu_table;

/* A table of these columns (cols must outlive it); NULL on ENOMEM. */
struct vu_table *vu_table_new(const struct vu_col *cols, int ncols);
/* Frees t and the tables in its cells. */
void vu_table_free(struct vu_table **t);
void vu_table_set_json(struct vu_table *t, enum vu_table_json shape);
/* Starts a new row; its cells are empty text and JSON null. 0 or -ENOMEM. */
int vu_table_row(struct vu_table *t);
/* Sets a cell of the last row: text for the table (NULL: empty, JSON
 * null), the number for VU_COL_BYTES and the truth for VU_COL_BOOL.
 * 0 or -ENOMEM. */
int vu_table_cell(struct vu_table *t, int col, const char *text, uint64_t num);
/* A cell with no value: text in the table ("-"), null in JSON. */
int vu_table_null(struct vu_table *t, int col, const char *text);
/* The typed cells hold their value whatever the text (NULL: nothing in
 * the table). 0 or -ENOMEM. */
int vu_table_cell_int(struct vu_table *t, int col, const char *text, int64_t v);
int vu_table_cell_real(struct vu_table *t, int col, const char *text, double v);
/* sub, with columns of its own, in a VU_COL_TABLE cell: its JSON shape is
 * its own; t owns it from the call on, even when it fails. */
int vu_table_cell_table(struct vu_table *t, int col, const char *text, struct vu_table *sub);
/*
 * virsh's layout: every cell is preceded by one space and padded to its
 * column's width plus two, the last one is not padded; under the header a
 * line of dashes as wide as the columns plus three each. header=false
 * prints the rows alone (virsh -q).
 */
void vu_table_print(const struct vu_table *t, FILE *f, bool header);
/* The table as JSON (VU_JSON_ROWS: an array with one object per row, keys
 * in column order), pretty printed, then a newline. 0 or -ENOMEM. */
int vu_table_print_json(const struct vu_table *t, FILE *f);
/*
 * A record (the first row) for people: one "TITLE  TEXT" line per column,
 * titles padded to the widest. Columns without a title are left out, and
 * so are cells without text (their titles still count for the width); a
 * VU_COL_TABLE cell holding a record has its own lines in its place.
 */
void vu_table_print_record(const struct vu_table *t, FILE *f);

/* virsh's pretty capacity: "%.2f UNIT" with B, KiB, MiB ... EiB. Returns buf. */
char *vu_size_virsh(uint64_t bytes, char *buf, size_t len);

#endif
