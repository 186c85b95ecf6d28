/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small streaming JSON writer (the shape of iproute2's json_writer):
 * values go straight to the FILE, the writer only remembers, per open
 * object or array, whether a comma is due. Output is compact, one
 * document per json_new()/json_free(), ended by a newline.
 *
 * Misuse (a value where a key is due, closing what is not open, nesting
 * deeper than JSON_MAX_DEPTH) is a bug in the caller: it is refused and
 * remembered, and json_free() then returns -1.
 */
#ifndef MNCTL_JSON_H
#define MNCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json;

struct json *json_new(FILE *f);
/* Ends the document with a newline. -1 if it was misused or not closed. */
int json_free(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* The next member's name; only inside an object, before each value. */
void json_key(struct json *j, const char *name);

/* NULL writes null. Invalid UTF-8 bytes become U+FFFD. */
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Shorthands for a key and its value. */
void json_kv_string(struct json *j, const char *k, const char *v);
void json_kv_uint(struct json *j, const char *k, uint64_t v);
void json_kv_int(struct json *j, const char *k, int64_t v);
void json_kv_bool(struct json *j, const char *k, bool v);
void json_kv_null(struct json *j, const char *k);

/* Escape s as a JSON string (with the quotes) to f; used by the writer
 * and exposed for the tests. */
void json_write_string(FILE *f, const char *s);

#endif
