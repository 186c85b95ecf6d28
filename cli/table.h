/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tables for the default and the terse (-t) output. Cells are copied.
 * Default: a header line and columns padded to the widest cell, two
 * spaces apart. Terse: no header, cells joined by ':' with ':' and '\'
 * escaped by a backslash (as nmcli -t does), so `IFS=:` splitting
 * works after un-escaping and addresses stay one field.
 */
#ifndef MNCTL_TABLE_H
#define MNCTL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct table;

struct table *table_new(unsigned int ncols, const char *const *headers);
void table_free(struct table *t);
/* cells: ncols strings; NULL prints as "" (terse) or "-" (default). */
void table_add(struct table *t, const char *const *cells);
unsigned int table_rows(const struct table *t);
void table_print(const struct table *t, FILE *f, bool terse);

/* One terse field: s with ':' and '\' escaped. */
void table_write_terse(FILE *f, const char *s);

#endif
