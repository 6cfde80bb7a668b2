/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table.c - virsh-style tables and their JSON twin from one set of rows */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vu/table.h"

struct cell {
	char *text;
	uint64_t num;
	bool set;
};

struct vu_table {
	const struct vu_col *cols;
	int ncols;
	size_t nrows, cap;
	struct cell *cells;	/* nrows * ncols */
};

struct vu_table *vu_table_new(const struct vu_col *cols, int ncols)
{
	struct vu_table *t = calloc(1, sizeof(*t));

	if (t) {
		t->cols = cols;
		t->ncols = ncols;
	}
	return t;
}

void vu_table_free(struct vu_table **pt)
{
	struct vu_table *t = *pt;

	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
	*pt = NULL;
}

int vu_table_row(struct vu_table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct cell *c = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof(struct cell));
	t->nrows++;
	return 0;
}

int vu_table_cell(struct vu_table *t, int col, const char *text, uint64_t num)
{
	struct cell *c = &t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)col];

	free(c->text);
	c->text = text ? strdup(text) : NULL;
	if (text && !c->text)
		return -ENOMEM;
	c->num = num;
	c->set = text != NULL;
	return 0;
}

int vu_table_null(struct vu_table *t, int col, const char *text)
{
	int r = vu_table_cell(t, col, text, 0);

	t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)col].set = false;
	return r;
}

static const char *cell_text(const struct vu_table *t, size_t row, int col)
{
	const struct cell *c = &t->cells[row * (size_t)t->ncols + (size_t)col];

	return c->text ? c->text : "";
}

static void print_row(const struct vu_table *t, FILE *f, const size_t *width, size_t row,
		      bool header)
{
	for (int i = 0; i < t->ncols; i++) {
		const char *s = header ? t->cols[i].title : cell_text(t, row, i);

		fprintf(f, " %s", s);
		if (i < t->ncols - 1)
			fprintf(f, "%*s", (int)(width[i] - strlen(s) + 2), "");
	}
	fputc('\n', f);
}

void vu_table_print(const struct vu_table *t, FILE *f, bool header)
{
	size_t width[t->ncols ? t->ncols : 1];

	for (int i = 0; i < t->ncols; i++) {
		width[i] = header ? strlen(t->cols[i].title) : 0;
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(cell_text(t, r, i)) > width[i])
				width[i] = strlen(cell_text(t, r, i));
	}
	if (header) {
		print_row(t, f, width, 0, true);
		for (int i = 0; i < t->ncols; i++)
			for (size_t j = 0; j < width[i] + 3; j++)
				fputc('-', f);
		fputc('\n', f);
	}
	for (size_t r = 0; r < t->nrows; r++)
		print_row(t, f, width, r, false);
}

static json_object *cell_json(const struct vu_col *col, const struct cell *c)
{
	if (!c->set)
		return NULL;
	switch (col->type) {
	case VU_COL_BYTES:
		return json_object_new_uint64(c->num);
	case VU_COL_BOOL:
		return json_object_new_boolean(c->num != 0);
	case VU_COL_STR:
		break;
	}
	return json_object_new_string(c->text);
}

int vu_table_print_json(const struct vu_table *t, FILE *f)
{
	json_object *arr = json_object_new_array();

	for (size_t r = 0; arr && r < t->nrows; r++) {
		json_object *o = json_object_new_object();

		if (!o) {
			json_object_put(arr);
			return -ENOMEM;
		}
		for (int i = 0; i < t->ncols; i++)
			json_object_object_add(o, t->cols[i].key,
					       cell_json(&t->cols[i],
							 &t->cells[r * (size_t)t->ncols + (size_t)i]));
		json_object_array_add(arr, o);
	}
	if (!arr)
		return -ENOMEM;
	fprintf(f, "%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
					JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return 0;
}

char *vu_size_virsh(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.2f %s", v, units[u]);
	return buf;
}
