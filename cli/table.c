// SPDX-License-Identifier: BSD-3-Clause
#include <glib.h>
#include <string.h>

#include "table.h"

/* A row keeps NULL cells as NULL, so it cannot be a NULL-terminated
 * vector: it carries its length. */
struct table_row {
	unsigned int n;
	char *cell[];
};

struct table {
	unsigned int ncols;
	char **headers;
	GPtrArray *rows; /* of struct table_row */
};

static void table_row_free(gpointer p)
{
	struct table_row *row = p;

	for (unsigned int i = 0; i < row->n; i++)
		g_free(row->cell[i]);
	g_free(row);
}

struct table *table_new(unsigned int ncols, const char *const *headers)
{
	struct table *t = g_new0(struct table, 1);

	t->ncols = ncols;
	t->headers = g_new0(char *, ncols + 1);
	for (unsigned int i = 0; i < ncols; i++)
		t->headers[i] = g_strdup(headers[i]);
	t->rows = g_ptr_array_new_with_free_func(table_row_free);
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	g_strfreev(t->headers);
	g_ptr_array_free(t->rows, TRUE);
	g_free(t);
}

void table_add(struct table *t, const char *const *cells)
{
	struct table_row *row = g_malloc0(sizeof(*row) + t->ncols * sizeof(row->cell[0]));

	row->n = t->ncols;
	for (unsigned int i = 0; i < t->ncols; i++)
		row->cell[i] = g_strdup(cells[i]);
	g_ptr_array_add(t->rows, row);
}

unsigned int table_rows(const struct table *t)
{
	return t->rows->len;
}

void table_write_terse(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == ':' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* Display width: characters, not bytes (D-Bus strings are UTF-8). */
static size_t table_width(const char *s)
{
	return g_utf8_validate(s, -1, NULL) ? (size_t)g_utf8_strlen(s, -1) : strlen(s);
}

static const char *table_cell(char *const *cells, unsigned int i)
{
	return cells[i] ? cells[i] : "-";
}

static void table_print_row(FILE *f, const struct table *t, const size_t *w, char *const *cells)
{
	for (unsigned int i = 0; i < t->ncols; i++) {
		const char *c = table_cell(cells, i);
		bool last = i + 1 == t->ncols;

		fputs(c, f);
		if (!last)
			fprintf(f, "%*s", (int)(w[i] - table_width(c) + 2), "");
	}
	fputc('\n', f);
}

void table_print(const struct table *t, FILE *f, bool terse)
{
	size_t *w;

	if (terse) {
		for (unsigned int r = 0; r < t->rows->len; r++) {
			const struct table_row *row = g_ptr_array_index(t->rows, r);

			for (unsigned int i = 0; i < t->ncols; i++) {
				if (i)
					fputc(':', f);
				table_write_terse(f, row->cell[i]);
			}
			fputc('\n', f);
		}
		return;
	}
	w = g_new0(size_t, t->ncols);
	for (unsigned int i = 0; i < t->ncols; i++)
		w[i] = table_width(t->headers[i]);
	for (unsigned int r = 0; r < t->rows->len; r++) {
		const struct table_row *row = g_ptr_array_index(t->rows, r);

		for (unsigned int i = 0; i < t->ncols; i++)
			w[i] = MAX(w[i], table_width(table_cell(row->cell, i)));
	}
	table_print_row(f, t, w, t->headers);
	for (unsigned int r = 0; r < t->rows->len; r++)
		table_print_row(f, t, w,
				((const struct table_row *)g_ptr_array_index(t->rows, r))->cell);
	g_free(w);
}
