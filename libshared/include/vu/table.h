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
};

/* Columns are declared once, as util-linux's lslocks does. */
struct vu_col {
	const char *title;	/* table header, as virsh prints it */
	const char *key;	/* JSON member name */
	enum vu_col_type type;
};

struct vu_table;

/* A table of these columns (cols must outlive it); NULL on ENOMEM. */
struct vu_table *vu_table_new(const struct vu_col *cols, int ncols);
void vu_table_free(struct vu_table **t);
/* Starts a new row; its cells are empty text and JSON null. 0 or -ENOMEM. */
int vu_table_row(struct vu_table *t);
/* Sets a cell of the last row: text for the table (NULL: empty, JSON
 * null), the number for VU_COL_BYTES and the truth for VU_COL_BOOL.
 * 0 or -ENOMEM. */
int vu_table_cell(struct vu_table *t, int col, const char *text, uint64_t num);
/* A cell with no value: text in the table ("-"), null in JSON. */
int vu_table_null(struct vu_table *t, int col, const char *text);
/*
 * virsh's layout: every cell is preceded by one space and padded to its
 * column's width plus two, the last one is not padded; under the header a
 * line of dashes as wide as the columns plus three each. header=false
 * prints the rows alone (virsh -q).
 */
void vu_table_print(const struct vu_table *t, FILE *f, bool header);
/* A JSON array with one object per row, keys in column order, pretty
 * printed, then a newline. 0 or -ENOMEM. */
int vu_table_print_json(const struct vu_table *t, FILE *f);

/* virsh's pretty capacity: "%.2f UNIT" with B, KiB, MiB ... EiB. Returns buf. */
char *vu_size_virsh(uint64_t bytes, char *buf, size_t len);

#endif
