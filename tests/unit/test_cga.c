// SPDX-License-Identifier: BSD-3-Clause
/*
 * CGA (RFC 3972) tests: the published NDprotector vector and the values
 * derived from it (notes: protocol.md §4.5), every verification failure
 * by name, the parameters codec and the modifier search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "proto/cga.h"
#include "proto/err.h"

/* Failures print names, not numbers. */
#define assert_err(rc, want) assert_string_equal(mn_err_name(rc), mn_err_name(want))

static const char ndp_spki_hex[] =
	"30819f300d06092a864886f70d010101050003818d0030818902818100d5291aaa8089075b36e9c164"
	"6eea994e0235c040fb80310124da6dd55ab9eb6db6d5b21608f5d4bfa503fe3c0ee518d6ef949d1fd9"
	"3520ccefb7de386848c2d7675428d92ebc04c36be63bdae8fcea6cdce093aaa54439b198b48ea6147c"
	"113104a169aaf386986961aad43fd351b2fd9bb000eda6cb0b5a2c7fa332517389270203010001";
static const char ndp_modifier_hex[] = "30d2e2da6457c0312867ab6f9bf933c1";

static uint8_t ndp_spki[162];
static uint8_t ndp_modifier[CGA_MODIFIER_LEN];

static void hex2bin(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void addr_of(const char *s, struct in6_addr *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static int group_setup(void **state)
{
	hex2bin(ndp_spki_hex, ndp_spki, sizeof(ndp_spki));
	hex2bin(ndp_modifier_hex, ndp_modifier, sizeof(ndp_modifier));
	return 0;
}

static void ndp_params(struct cga_params *p, const char *prefix, uint8_t cc)
{
	struct in6_addr a;

	memset(p, 0, sizeof(*p));
	memcpy(p->modifier, ndp_modifier, CGA_MODIFIER_LEN);
	addr_of(prefix, &a);
	memcpy(p->prefix, a.s6_addr, CGA_PREFIX_LEN);
	p->collisions = cc;
	p->pubkey = ndp_spki;
	p->pubkey_len = sizeof(ndp_spki);
}

static size_t ndp_encode(const char *prefix, uint8_t cc, uint8_t *buf, size_t cap)
{
	struct cga_params p;
	size_t len = 0;

	ndp_params(&p, prefix, cc);
	assert_err(cga_params_encode(&p, buf, cap, &len), MN_OK);
	return len;
}

static const struct {
	const char *prefix;
	uint8_t cc;
	const char *addr;
} vectors[] = {
	{"fe80::", 0, "fe80::2cdc:64d3:7330:3209"}, /* published */
	{"fe80::", 1, "fe80::2886:adbb:ffdf:d710"},
	{"2001:db8:1::", 0, "2001:db8:1:0:3464:528c:c33e:cf2f"},
	{"2001:db8:1::", 1, "2001:db8:1:0:2895:9f4c:7a5c:d51b"},
	{"2001:db8:2::", 0, "2001:db8:2:0:30c3:6a68:3e51:3552"},
};

static void test_vectors_address(void **state)
{
	struct cga_params p;
	struct in6_addr got, want;
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		ndp_params(&p, vectors[i].prefix, vectors[i].cc);
		assert_err(cga_address(&p, 1, &got), MN_OK);
		addr_of(vectors[i].addr, &want);
		assert_memory_equal(got.s6_addr, want.s6_addr, 16);
		assert_int_equal(cga_sec_of(&got), 1);
	}
}

static void test_vectors_verify(void **state)
{
	uint8_t buf[256];
	struct in6_addr a;
	size_t i, len;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		len = ndp_encode(vectors[i].prefix, vectors[i].cc, buf, sizeof(buf));
		assert_int_equal(len, CGA_FIXED_LEN + sizeof(ndp_spki));
		addr_of(vectors[i].addr, &a);
		assert_err(cga_verify(&a, buf, len), MN_OK);
	}
}

static void test_hash2(void **state)
{
	uint8_t m[CGA_MODIFIER_LEN];

	/* Hash2 = 0000c2cb...: passes Sec 1, not Sec 2; Sec 0 always. */
	assert_true(cga_hash2_ok(ndp_modifier, ndp_spki, sizeof(ndp_spki), NULL, 0, 1));
	assert_false(cga_hash2_ok(ndp_modifier, ndp_spki, sizeof(ndp_spki), NULL, 0, 2));
	assert_true(cga_hash2_ok(ndp_modifier, ndp_spki, sizeof(ndp_spki), NULL, 0, 0));
	memcpy(m, ndp_modifier, sizeof(m));
	m[15] ^= 1;
	assert_true(cga_hash2_ok(m, ndp_spki, sizeof(ndp_spki), NULL, 0, 0));
	/* The extension fields are part of Hash2. */
	assert_false(cga_hash2_ok(ndp_modifier, ndp_spki, sizeof(ndp_spki),
				  (const uint8_t *)"\xff\xfd\x00\x00", 4, 1));
}

static void test_address_args(void **state)
{
	struct cga_params p;
	struct in6_addr a, b;

	ndp_params(&p, "fe80::", 0);
	assert_err(cga_address(&p, 8, &a), MN_ERR_INVAL);
	/* Sec only changes the 3 leftmost IID bits. */
	assert_err(cga_address(&p, 7, &a), MN_OK);
	assert_err(cga_address(&p, 0, &b), MN_OK);
	assert_int_equal(a.s6_addr[8], b.s6_addr[8] | 0xe0);
	assert_memory_equal(a.s6_addr + 9, b.s6_addr + 9, 7);
	assert_int_equal(b.s6_addr[8] & 0xe3, 0);
	p.pubkey_len--; /* no longer what the DER header says */
	assert_err(cga_address(&p, 1, &a), MN_ERR_INVAL);
}

static void test_verify_failures(void **state)
{
	uint8_t buf[512];
	struct in6_addr a, good;
	struct cga_params p;
	size_t len;

	addr_of("2001:db8:1:0:3464:528c:c33e:cf2f", &good);
	len = ndp_encode("2001:db8:1::", 0, buf, sizeof(buf));

	/* Collision count 3 is refused before anything else. */
	buf[24] = 3;
	assert_err(cga_verify(&good, buf, len), MN_ERR_CGA_COLLISION);
	buf[24] = 0;

	/* Prefix */
	addr_of("2001:db8:2:0:3464:528c:c33e:cf2f", &a);
	assert_err(cga_verify(&a, buf, len), MN_ERR_CGA_PREFIX);

	/* A flipped IID bit outside the ignored ones */
	a = good;
	a.s6_addr[15] ^= 0x01;
	assert_err(cga_verify(&a, buf, len), MN_ERR_CGA_HASH1);
	a = good;
	a.s6_addr[8] ^= 0x04;
	assert_err(cga_verify(&a, buf, len), MN_ERR_CGA_HASH1);

	/* "u" and "g" are ignored */
	a = good;
	a.s6_addr[8] ^= 0x03;
	assert_err(cga_verify(&a, buf, len), MN_OK);

	/* A flipped modifier bit: Hash1 (step 4) fails before Hash2 (step 7). */
	buf[3] ^= 0x10;
	assert_err(cga_verify(&good, buf, len), MN_ERR_CGA_HASH1);
	buf[3] ^= 0x10;

	/* Sec 2 claims 32 zero bits, but Hash2 is 0000c2cb... */
	ndp_params(&p, "2001:db8:1::", 0);
	assert_err(cga_address(&p, 2, &a), MN_OK);
	assert_int_equal(cga_sec_of(&a), 2);
	assert_err(cga_verify(&a, buf, len), MN_ERR_CGA_HASH2);

	/* Sec 0 needs no Hash2 zeros: the same parameters verify. */
	assert_err(cga_address(&p, 0, &a), MN_OK);
	assert_err(cga_verify(&a, buf, len), MN_OK);

	/* Truncated parameters */
	assert_err(cga_verify(&good, buf, len - 1), MN_ERR_CGA_PARAMS);
	assert_err(cga_verify(&good, buf, CGA_FIXED_LEN), MN_ERR_CGA_PARAMS);
	assert_err(cga_verify(&good, buf, 10), MN_ERR_CGA_PARAMS);
	assert_err(cga_verify(&good, NULL, 0), MN_ERR_CGA_PARAMS);

	/* DER length longer than the buffer */
	buf[CGA_FIXED_LEN + 2] = 0xa0;
	assert_err(cga_verify(&good, buf, len), MN_ERR_CGA_PARAMS);
	/* Shorter: the key's last 31 bytes are then read as an extension
	 * field (type 0x9869, length 0x61aa) that runs past the end. */
	buf[CGA_FIXED_LEN + 2] = 0x80;
	assert_err(cga_verify(&good, buf, len), MN_ERR_CGA_PARAMS);
	buf[CGA_FIXED_LEN + 2] = 0x9f;
	/* Not a SEQUENCE */
	buf[CGA_FIXED_LEN] = 0x31;
	assert_err(cga_verify(&good, buf, len), MN_ERR_CGA_PARAMS);
	buf[CGA_FIXED_LEN] = 0x30;
	assert_err(cga_verify(&good, buf, len), MN_OK);

	/* A partial extension field header, then one whose data runs past the end */
	memcpy(buf + len, "\xff\xfd\x00", 3);
	assert_err(cga_verify(&good, buf, len + 3), MN_ERR_CGA_PARAMS);
	memcpy(buf + len, "\xff\xfd\x00\x05\x01\x02\x03\x04", 8);
	assert_err(cga_verify(&good, buf, len + 8), MN_ERR_CGA_PARAMS);
	/* A well-formed one is hashed: Hash1 then fails */
	memcpy(buf + len, "\xff\xfd\x00\x04\x01\x02\x03\x04", 8);
	assert_err(cga_verify(&good, buf, len + 8), MN_ERR_CGA_HASH1);
}

static void test_der_forms(void **state)
{
	/* SEQUENCE headers: short, long, non-minimal, indefinite. */
	uint8_t buf[CGA_FIXED_LEN + 140];
	struct cga_params p;
	size_t n = CGA_FIXED_LEN;

	memset(buf, 0, sizeof(buf));
	/* Short form: 30 03 02 01 05 */
	memcpy(buf + n, "\x30\x03\x02\x01\x05", 5);
	assert_err(cga_params_decode(buf, n + 5, &p), MN_OK);
	assert_int_equal(p.pubkey_len, 5);
	assert_null(p.ext);
	assert_int_equal(p.ext_len, 0);
	/* Non-minimal long form of a short length */
	memcpy(buf + n, "\x30\x81\x03\x02\x01\x05", 6);
	assert_err(cga_params_decode(buf, n + 6, &p), MN_ERR_CGA_PARAMS);
	/* Indefinite */
	memcpy(buf + n, "\x30\x80\x02\x01\x05\x00\x00", 7);
	assert_err(cga_params_decode(buf, n + 7, &p), MN_ERR_CGA_PARAMS);
	/* Long form 0x81 0x80 (128 bytes of body) */
	memcpy(buf + n, "\x30\x81\x80", 3);
	assert_err(cga_params_decode(buf, n + 3 + 128, &p), MN_OK);
	assert_int_equal(p.pubkey_len, 131);
	assert_err(cga_params_decode(buf, n + 3 + 127, &p), MN_ERR_CGA_PARAMS);
	/* Leading zero in a long-form length */
	memcpy(buf + n, "\x30\x82\x00\x80", 4);
	assert_err(cga_params_decode(buf, n + 4 + 128, &p), MN_ERR_CGA_PARAMS);
	/* Huge lengths are bounded by the buffer */
	memcpy(buf + n, "\x30\x84\xff\xff\xff\xff", 6);
	assert_err(cga_params_decode(buf, sizeof(buf), &p), MN_ERR_CGA_PARAMS);
	memcpy(buf + n, "\x30\x85\x01\x00\x00\x00\x00", 7);
	assert_err(cga_params_decode(buf, sizeof(buf), &p), MN_ERR_CGA_PARAMS);
	/* Only the header byte */
	assert_err(cga_params_decode(buf, n + 1, &p), MN_ERR_CGA_PARAMS);
}

static void test_params_roundtrip(void **state)
{
	static const uint8_t ext[] = {
		0xff, 0xfd, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef, /* experimental, 4 bytes */
		0x00, 0x12, 0x00, 0x00,                         /* Multi-Prefix, empty */
	};
	uint8_t buf[512], small[100];
	struct cga_params p, q;
	size_t len = 0, i;

	ndp_params(&p, "2001:db8:1::", 2);
	p.ext = ext;
	p.ext_len = sizeof(ext);
	assert_err(cga_params_encode(&p, buf, sizeof(buf), &len), MN_OK);
	assert_int_equal(len, CGA_FIXED_LEN + sizeof(ndp_spki) + sizeof(ext));
	assert_memory_equal(buf, ndp_modifier, CGA_MODIFIER_LEN);
	assert_int_equal(buf[24], 2);

	assert_err(cga_params_decode(buf, len, &q), MN_OK);
	assert_memory_equal(q.modifier, p.modifier, CGA_MODIFIER_LEN);
	assert_memory_equal(q.prefix, p.prefix, CGA_PREFIX_LEN);
	assert_int_equal(q.collisions, 2);
	assert_ptr_equal(q.pubkey, buf + CGA_FIXED_LEN);
	assert_int_equal(q.pubkey_len, sizeof(ndp_spki));
	assert_memory_equal(q.pubkey, ndp_spki, sizeof(ndp_spki));
	assert_int_equal(q.ext_len, sizeof(ext));
	assert_memory_equal(q.ext, ext, sizeof(ext));

	/* Re-encoding the decoded view gives the same bytes. */
	assert_err(cga_params_encode(&q, small, sizeof(small), &i), MN_ERR_NOSPACE);
	{
		uint8_t again[512];
		size_t len2 = 0;

		assert_err(cga_params_encode(&q, again, sizeof(again), &len2), MN_OK);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
	}
	assert_err(cga_params_encode(&p, buf, len - 1, &i), MN_ERR_NOSPACE);
	assert_err(cga_params_encode(&p, buf, len, &i), MN_OK);

	/* What decode would refuse, encode refuses too. */
	p.collisions = 3;
	assert_err(cga_params_encode(&p, buf, sizeof(buf), &i), MN_ERR_INVAL);
	p.collisions = 0;
	p.ext_len = 3;
	assert_err(cga_params_encode(&p, buf, sizeof(buf), &i), MN_ERR_INVAL);
	p.ext_len = sizeof(ext);
	p.pubkey_len = 100;
	assert_err(cga_params_encode(&p, buf, sizeof(buf), &i), MN_ERR_INVAL);
	p.pubkey = NULL;
	assert_err(cga_params_encode(&p, buf, sizeof(buf), &i), MN_ERR_INVAL);
}

/* --- modifier search --- */

static void mod_add(uint8_t m[CGA_MODIFIER_LEN], int64_t delta)
{
	/* Two's complement 128-bit add of a signed 64-bit delta. */
	uint64_t d = (uint64_t)delta;
	unsigned int carry = 0, ext = delta < 0 ? 0xff : 0;
	int i;

	for (i = CGA_MODIFIER_LEN - 1; i >= 0; i--) {
		unsigned int b = i >= 8 ? (unsigned int)(d >> (8 * (15 - i))) & 0xff : ext;
		unsigned int sum = m[i] + b + carry;

		m[i] = (uint8_t)sum;
		carry = sum >> 8;
	}
}

static int mod_cmp(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, CGA_MODIFIER_LEN);
}

static void search_init(struct cga_search *s, const uint8_t start[CGA_MODIFIER_LEN],
			unsigned int threads)
{
	memset(s, 0, sizeof(*s));
	s->pubkey = ndp_spki;
	s->pubkey_len = sizeof(ndp_spki);
	s->sec = 1;
	memcpy(s->start, start, CGA_MODIFIER_LEN);
	s->threads = threads;
}

/* The reference: the sequential loop RFC 3972 steps 2-3 describe. */
static void search_reference(const struct cga_search *s, uint8_t out[CGA_MODIFIER_LEN])
{
	memcpy(out, s->start, CGA_MODIFIER_LEN);
	while (!cga_hash2_ok(out, s->pubkey, s->pubkey_len, s->ext, s->ext_len, s->sec))
		mod_add(out, 1);
}

static void test_search_near_vector(void **state)
{
	uint8_t start[CGA_MODIFIER_LEN], m1[CGA_MODIFIER_LEN], m2[CGA_MODIFIER_LEN];
	uint8_t ref[CGA_MODIFIER_LEN];
	struct cga_search s;
	uint64_t h1 = 0, h2 = 0;

	memcpy(start, ndp_modifier, sizeof(start));
	mod_add(start, -1000);
	assert_int_not_equal(mod_cmp(start, ndp_modifier), 0);

	search_init(&s, start, 1);
	assert_err(cga_search_modifier(&s, m1, &h1), MN_OK);
	search_init(&s, start, 2);
	assert_err(cga_search_modifier(&s, m2, &h2), MN_OK);

	assert_memory_equal(m1, m2, CGA_MODIFIER_LEN);
	assert_true(mod_cmp(m1, ndp_modifier) <= 0);
	assert_true(mod_cmp(m1, start) >= 0);
	assert_true(cga_hash2_ok(m1, ndp_spki, sizeof(ndp_spki), NULL, 0, 1));
	assert_true(h1 >= 1 && h1 <= 1001 + 512);
	assert_true(h2 >= 1);
	search_reference(&s, ref);
	assert_memory_equal(m1, ref, CGA_MODIFIER_LEN);
}

static void test_search_at_vector(void **state)
{
	uint8_t m[CGA_MODIFIER_LEN];
	struct cga_search s;
	uint64_t h = 0;
	unsigned int t;

	for (t = 0; t <= 3; t++) {
		search_init(&s, ndp_modifier, t);
		memset(m, 0, sizeof(m));
		assert_err(cga_search_modifier(&s, m, &h), MN_OK);
		assert_memory_equal(m, ndp_modifier, CGA_MODIFIER_LEN);
		assert_true(h >= 1);
	}
}

static void test_search_sec(void **state)
{
	uint8_t m[CGA_MODIFIER_LEN], start[CGA_MODIFIER_LEN];
	struct cga_search s;
	uint64_t h = 7;

	memset(start, 0x5a, sizeof(start));
	search_init(&s, start, 2);
	s.sec = 0;
	assert_err(cga_search_modifier(&s, m, &h), MN_OK);
	assert_memory_equal(m, start, CGA_MODIFIER_LEN);
	assert_int_equal(h, 0);

	s.sec = 3;
	assert_err(cga_search_modifier(&s, m, &h), MN_ERR_CGA_SEC);
	s.sec = 1;
	s.pubkey = NULL;
	assert_err(cga_search_modifier(&s, m, &h), MN_ERR_INVAL);
}

/* The 128-bit increment carries through every byte and wraps to zero. */
static void test_search_wrap(void **state)
{
	uint8_t start[CGA_MODIFIER_LEN], m[CGA_MODIFIER_LEN], ref[CGA_MODIFIER_LEN];
	static const uint8_t zero[CGA_MODIFIER_LEN];
	struct cga_search s;
	uint64_t h = 0;

	memset(start, 0xff, sizeof(start));
	search_init(&s, start, 2);
	search_reference(&s, ref);
	/* ff..ff itself fails with this key, so the answer lies past the wrap. */
	assert_true(mod_cmp(ref, start) != 0);
	assert_int_equal(memcmp(ref, zero, 8), 0);
	assert_err(cga_search_modifier(&s, m, &h), MN_OK);
	assert_memory_equal(m, ref, CGA_MODIFIER_LEN);

	/* A carry out of the low 64 bits */
	memset(start, 0, sizeof(start));
	memset(start + 7, 0xff, 9);
	start[15] = 0xf0;
	search_init(&s, start, 2);
	search_reference(&s, ref);
	assert_err(cga_search_modifier(&s, m, &h), MN_OK);
	assert_memory_equal(m, ref, CGA_MODIFIER_LEN);
	assert_int_equal(m[6], 1);
}

struct progress_log {
	unsigned int calls;
	uint64_t last;
	int ret;
};

static int progress_cb(uint64_t hashes, void *user)
{
	struct progress_log *log = user;

	assert_true(hashes >= log->last);
	log->last = hashes;
	log->calls++;
	return log->ret;
}

static void test_search_progress_cancel(void **state)
{
	uint8_t start[CGA_MODIFIER_LEN], m[CGA_MODIFIER_LEN];
	struct progress_log log = {.ret = 1};
	struct cga_search s;
	uint64_t h = 0;

	/* One past the vector: the next pass is far away. */
	memcpy(start, ndp_modifier, sizeof(start));
	mod_add(start, 1);
	search_init(&s, start, 2);
	s.progress = progress_cb;
	s.user = &log;
	s.progress_every = 1;
	assert_err(cga_search_modifier(&s, m, &h), MN_ERR_CANCELLED);
	assert_int_equal(log.calls, 1);
	assert_true(h >= 1);
}

static void test_search_progress_calls(void **state)
{
	uint8_t start[CGA_MODIFIER_LEN], m[CGA_MODIFIER_LEN];
	struct progress_log log = {.ret = 0};
	struct cga_search s;
	uint64_t h = 0;

	memcpy(start, ndp_modifier, sizeof(start));
	mod_add(start, -5000);
	search_init(&s, start, 1);
	s.progress = progress_cb;
	s.user = &log;
	s.progress_every = 1000;
	assert_err(cga_search_modifier(&s, m, &h), MN_OK);
	assert_true(mod_cmp(m, ndp_modifier) <= 0);
	/* Roughly one call per 1000 hashes, never more than one per block */
	assert_true(log.calls >= 1 && log.calls <= h / 512 + 1);
}

static void test_search_cancel_flag(void **state)
{
	uint8_t start[CGA_MODIFIER_LEN], m[CGA_MODIFIER_LEN];
	volatile int cancel = 1;
	struct cga_search s;
	uint64_t h = 0;

	memcpy(start, ndp_modifier, sizeof(start));
	search_init(&s, start, 2);
	s.cancel = &cancel;
	assert_err(cga_search_modifier(&s, m, &h), MN_ERR_CANCELLED);
	assert_int_equal(h, 0);

	cancel = 0;
	assert_err(cga_search_modifier(&s, m, &h), MN_OK);
	assert_memory_equal(m, ndp_modifier, CGA_MODIFIER_LEN);
}

/* Search with extension fields, then form and verify the address. */
static void test_search_with_ext(void **state)
{
	static const uint8_t ext[] = {0xff, 0xfe, 0x00, 0x02, 0x12, 0x34};
	uint8_t start[CGA_MODIFIER_LEN], m[CGA_MODIFIER_LEN], ref[CGA_MODIFIER_LEN];
	uint8_t buf[512];
	struct cga_search s;
	struct cga_params p;
	struct in6_addr a;
	size_t len = 0;
	uint64_t h = 0;

	memset(start, 0, sizeof(start));
	search_init(&s, start, 2);
	s.ext = ext;
	s.ext_len = sizeof(ext);
	assert_err(cga_search_modifier(&s, m, &h), MN_OK);
	search_reference(&s, ref);
	assert_memory_equal(m, ref, CGA_MODIFIER_LEN);

	ndp_params(&p, "2001:db8:7::", 1);
	memcpy(p.modifier, m, CGA_MODIFIER_LEN);
	p.ext = ext;
	p.ext_len = sizeof(ext);
	assert_err(cga_address(&p, 1, &a), MN_OK);
	assert_err(cga_params_encode(&p, buf, sizeof(buf), &len), MN_OK);
	assert_err(cga_verify(&a, buf, len), MN_OK);
	/* Without the extension the same modifier fails Hash1. */
	assert_err(cga_verify(&a, buf, len - sizeof(ext)), MN_ERR_CGA_HASH1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_address),
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_hash2),
		cmocka_unit_test(test_address_args),
		cmocka_unit_test(test_verify_failures),
		cmocka_unit_test(test_der_forms),
		cmocka_unit_test(test_params_roundtrip),
		cmocka_unit_test(test_search_near_vector),
		cmocka_unit_test(test_search_at_vector),
		cmocka_unit_test(test_search_sec),
		cmocka_unit_test(test_search_wrap),
		cmocka_unit_test(test_search_progress_cancel),
		cmocka_unit_test(test_search_progress_calls),
		cmocka_unit_test(test_search_cancel_flag),
		cmocka_unit_test(test_search_with_ext),
	};

	return cmocka_run_group_tests_name("cga", tests, group_setup, NULL);
}
