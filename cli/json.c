// SPDX-License-Identifier: BSD-3-Clause
/*
 * Streaming JSON writer for mnctl -j. No GLib on purpose: it is the one
 * piece of mnctl a fuzzer or a unit test may want on its own.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

enum json_frame { JSON_TOP, JSON_OBJECT, JSON_ARRAY };

struct json {
	FILE *f;
	int depth;
	bool broken;
	bool key_pending; /* inside an object: a key was written, its value is due */
	enum json_frame frame[JSON_MAX_DEPTH + 1];
	unsigned int count[JSON_MAX_DEPTH + 1]; /* members written at each level */
};

struct json *json_new(FILE *f)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->f = f;
	j->frame[0] = JSON_TOP;
	return j;
}

int json_free(struct json *j)
{
	int rc;

	if (!j)
		return -1;
	rc = j->broken || j->depth != 0 || j->count[0] != 1 ? -1 : 0;
	fputc('\n', j->f);
	free(j);
	return rc;
}

/* Before any value: the comma, and whether a value is allowed here. */
static bool json_value_prefix(struct json *j)
{
	switch (j->frame[j->depth]) {
	case JSON_TOP:
		if (j->count[0]) {
			j->broken = true;
			return false;
		}
		break;
	case JSON_OBJECT:
		if (!j->key_pending) {
			j->broken = true;
			return false;
		}
		j->key_pending = false;
		break;
	case JSON_ARRAY:
		if (j->count[j->depth])
			fputc(',', j->f);
		break;
	}
	j->count[j->depth]++;
	return true;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if invalid. */
static size_t json_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

void json_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = json_utf8_len(s);
			if (!n) {
				/* Never emit invalid UTF-8: a JSON parser would reject the
				 * whole document for one bad byte. */
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

static void json_open(struct json *j, enum json_frame fr, char c)
{
	if (j->depth == JSON_MAX_DEPTH) {
		j->broken = true;
		return;
	}
	if (!json_value_prefix(j))
		return;
	fputc(c, j->f);
	j->depth++;
	j->frame[j->depth] = fr;
	j->count[j->depth] = 0;
	j->key_pending = false;
}

static void json_close(struct json *j, enum json_frame fr, char c)
{
	if (j->depth == 0 || j->frame[j->depth] != fr || j->key_pending) {
		j->broken = true;
		return;
	}
	fputc(c, j->f);
	j->depth--;
}

void json_object_begin(struct json *j)
{
	json_open(j, JSON_OBJECT, '{');
}

void json_object_end(struct json *j)
{
	json_close(j, JSON_OBJECT, '}');
}

void json_array_begin(struct json *j)
{
	json_open(j, JSON_ARRAY, '[');
}

void json_array_end(struct json *j)
{
	json_close(j, JSON_ARRAY, ']');
}

void json_key(struct json *j, const char *name)
{
	if (j->frame[j->depth] != JSON_OBJECT || j->key_pending || !name) {
		j->broken = true;
		return;
	}
	if (j->count[j->depth])
		fputc(',', j->f);
	json_write_string(j->f, name);
	fputc(':', j->f);
	j->key_pending = true;
}

void json_string(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	if (json_value_prefix(j))
		json_write_string(j->f, s);
}

void json_uint(struct json *j, uint64_t v)
{
	if (json_value_prefix(j))
		fprintf(j->f, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v)
{
	if (json_value_prefix(j))
		fprintf(j->f, "%" PRId64, v);
}

void json_double(struct json *j, double v)
{
	/* JSON has no NaN or infinities. */
	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	if (json_value_prefix(j))
		fprintf(j->f, "%.17g", v);
}

void json_bool(struct json *j, bool v)
{
	if (json_value_prefix(j))
		fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	if (json_value_prefix(j))
		fputs("null", j->f);
}

void json_kv_string(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_string(j, v);
}

void json_kv_uint(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_uint(j, v);
}

void json_kv_int(struct json *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *k)
{
	json_key(j, k);
	json_null(j);
}
