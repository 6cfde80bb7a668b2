/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table.c - virsh-style tables and their JSON twin from one set of rows */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vu/table.h"

struct cell {
	char *text;
	uint64_t num;		/* VU_COL_BYTES, VU_COL_BOOL */
	int64_t inum;		/* VU_COL_INT */
	double real;		/* VU_COL_REAL */
	struct vu_table *sub;	/* VU_COL_TABLE, owned */
	bool set;
};

struct vu_table {
	const struct vu_col *cols;
	int ncols;
	enum vu_table_json json;
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
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++) {
		free(t->cells[i].text);
		vu_table_free(&t->cells[i].sub);
	}
	free(t->cells);
	free(t);
	*pt = NULL;
}

void vu_table_set_json(struct vu_table *t, enum vu_table_json shape)
{
	t->json = shape;
}

int vu_table_row(struct vu_table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		/* A table without columns still has rows (a record of nothing). */
		struct cell *c = realloc(t->cells, cap * (size_t)(t->ncols ? t->ncols : 1) *
					 sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof(struct cell));
	t->nrows++;
	return 0;
}

static struct cell *last(struct vu_table *t, int col)
{
	return &t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)col];
}

int vu_table_cell(struct vu_table *t, int col, const char *text, uint64_t num)
{
	struct cell *c = last(t, col);

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

	last(t, col)->set = false;
	return r;
}

int vu_table_cell_int(struct vu_table *t, int col, const char *text, int64_t v)
{
	int r = vu_table_cell(t, col, text, 0);

	last(t, col)->inum = v;
	last(t, col)->set = true;
	return r;
}

int vu_table_cell_real(struct vu_table *t, int col, const char *text, double v)
{
	int r = vu_table_cell(t, col, text, 0);

	last(t, col)->real = v;
	last(t, col)->set = true;
	return r;
}

int vu_table_cell_table(struct vu_table *t, int col, const char *text, struct vu_table *sub)
{
	int r = vu_table_cell(t, col, text, 0);

	vu_table_free(&last(t, col)->sub);
	last(t, col)->sub = sub;
	last(t, col)->set = sub != NULL;
	return r;
}

static const char *cell_text(const struct vu_table *t, size_t row, int col)
{
	const struct cell *c = &t->cells[row * (size_t)t->ncols + (size_t)col];

	return c->text ? c->text : "";
}

/* The last column with a title: the one not padded. */
static int last_shown(const struct vu_table *t)
{
	int n = t->ncols - 1;

	while (n >= 0 && !t->cols[n].title)
		n--;
	return n;
}

static void print_row(const struct vu_table *t, FILE *f, const size_t *width, size_t row,
		      bool header)
{
	int end = last_shown(t);

	for (int i = 0; i <= end; i++) {
		const char *s = header ? t->cols[i].title : cell_text(t, row, i);

		if (!t->cols[i].title)
			continue;
		fprintf(f, " %s", s);
		if (i < end)
			fprintf(f, "%*s", (int)(width[i] - strlen(s) + 2), "");
	}
	fputc('\n', f);
}

void vu_table_print(const struct vu_table *t, FILE *f, bool header)
{
	size_t width[t->ncols ? t->ncols : 1];

	for (int i = 0; i < t->ncols; i++) {
		width[i] = header && t->cols[i].title ? strlen(t->cols[i].title) : 0;
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(cell_text(t, r, i)) > width[i])
				width[i] = strlen(cell_text(t, r, i));
	}
	if (header) {
		print_row(t, f, width, 0, true);
		for (int i = 0; i < t->ncols; i++)
			for (size_t j = 0; t->cols[i].title && j < width[i] + 3; j++)
				fputc('-', f);
		fputc('\n', f);
	}
	for (size_t r = 0; r < t->nrows; r++)
		print_row(t, f, width, r, false);
}

static json_object *table_json(const struct vu_table *t);

/* A number when all of s is a decimal integer that fits, else the string
 * (sysfs says "[none] scan-time" as readily as "100"). */
static json_object *auto_json(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s && !*end && !errno)
		return json_object_new_int64(v);
	return json_object_new_string(s);
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
	case VU_COL_INT:
		return json_object_new_int64(c->inum);
	case VU_COL_REAL:
		return json_object_new_double(c->real);
	case VU_COL_AUTO:
		return auto_json(c->text);
	case VU_COL_TABLE:
		return table_json(c->sub);
	case VU_COL_STR:
		break;
	}
	return json_object_new_string(c->text);
}

static const struct cell *cell_at(const struct vu_table *t, size_t row, int col)
{
	return &t->cells[row * (size_t)t->ncols + (size_t)col];
}

static json_object *row_json(const struct vu_table *t, size_t row)
{
	json_object *o = json_object_new_object();

	for (int i = 0; o && i < t->ncols; i++)
		json_object_object_add(o, t->cols[i].key, cell_json(&t->cols[i], cell_at(t, row, i)));
	return o;
}

/* NULL on ENOMEM. */
static json_object *table_json(const struct vu_table *t)
{
	json_object *arr;

	if (t->json == VU_JSON_OBJECT)
		return t->nrows ? row_json(t, 0) : json_object_new_object();
	arr = json_object_new_array();
	for (size_t r = 0; arr && r < t->nrows; r++) {
		json_object *v = t->json == VU_JSON_VALUES ?
				 cell_json(&t->cols[0], cell_at(t, r, 0)) : row_json(t, r);

		if (!v && t->json == VU_JSON_ROWS) {
			json_object_put(arr);
			return NULL;
		}
		json_object_array_add(arr, v);
	}
	return arr;
}

int vu_table_print_json(const struct vu_table *t, FILE *f)
{
	json_object *o = table_json(t);

	if (!o)
		return -ENOMEM;
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

/* A VU_COL_TABLE cell holding a record, printed in its place. */
static const struct vu_table *nested_record(const struct vu_table *t, int col)
{
	const struct cell *c = cell_at(t, 0, col);

	return t->cols[col].type == VU_COL_TABLE && c->sub && c->sub->json == VU_JSON_OBJECT ?
	       c->sub : NULL;
}

static size_t record_width(const struct vu_table *t)
{
	size_t w = 0;

	for (int i = 0; t->nrows && i < t->ncols; i++) {
		const struct vu_table *sub = nested_record(t, i);
		size_t n = sub ? record_width(sub) : t->cols[i].title ? strlen(t->cols[i].title) : 0;

		if (n > w)
			w = n;
	}
	return w;
}

static void record_lines(const struct vu_table *t, FILE *f, int width)
{
	for (int i = 0; t->nrows && i < t->ncols; i++) {
		const struct vu_table *sub = nested_record(t, i);
		const struct cell *c = cell_at(t, 0, i);

		if (sub)
			record_lines(sub, f, width);
		else if (t->cols[i].title && c->text)
			fprintf(f, "%-*s  %s\n", width, t->cols[i].title, c->text);
	}
}

void vu_table_print_record(const struct vu_table *t, FILE *f)
{
	record_lines(t, f, (int)record_width(t));
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
