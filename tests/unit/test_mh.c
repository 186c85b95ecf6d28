/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mobility Header codec tests: round trips for every message and option,
 * the vectors of notes/protocol.md §3.9, checksums, sequence numbers,
 * builder errors and a table of malformed inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/err.h"
#include "proto/mh.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define HOA "2001:db8:1:0:3464:528c:c33e:cf2f"
#define COA "2001:db8:2:0:30c3:6a68:3e51:3552"
#define DAR "2001:db8:1::1"

/* protocol.md §3.9 (a): first BU, 1024-bit NDprotector key */
static const char vec_first_bu[] =
	"3b2b050047f00001c000003c0100031020010db80002000030c36a683e5135520cbb30d2e2da6457c031"
	"2867ab6f9bf933c120010db8000100000030819f300d06092a864886f70d010101050003818d003081"
	"8902818100d5291aaa8089075b36e9c1646eea994e0235c040fb80310124da6dd55ab9eb6db6d5b216"
	"08f5d4bfa503fe3c0ee518d6ef949d1fd93520ccefb7de386848c2d7675428d92ebc04c36be63bdae8"
	"fcea6cdce093aaa54439b198b48ea6147c113104a169aaf386986961aad43fd351b2fd9bb000eda6cb"
	"0b5a2c7fa3325173892702030100010d8081cc550f65ebe2e5d866a6a2751e63226be285c4fa5df52b"
	"ee6036aa99db7d90baaf58a1b1e710d478a1ea1bc8b50a38b611c03aa0a2bc54d26e5aa8fe48414f28"
	"d04df95349f1086516caf4a45f522a4d66aa5e7778c3a54ff8612da729ac1dcba917a7ef5b9fdf8245"
	"026f9a642c5c3b5489e2454d9a254914ddc7cc45894500";

/* protocol.md §3.9 (c): token BUs with Alternate CoA */
struct token_bu_vec {
	const char *name;
	uint16_t seq;
	uint16_t lifetime;
	uint16_t careof_index;
	uint16_t csum;
	const char *mh;
};

static const struct token_bu_vec token_bu_vecs[] = {
	{"early", 2, 60, 0, 0xa0be,
	 "3b060500a0be0002c000003c0100031020010db80002000030c36a683e51355204040000000001020000"
	 "050cc30b05e91fd8c6ba51c79d6d"},
	{"complete", 3, 60, 7, 0x12ae,
	 "3b06050012ae0003c000003c0100031020010db80002000030c36a683e51355204040000000701020000"
	 "050c2ecf37152b1a4ec82d651f99"},
	{"de-registration", 4, 0, 0, 0xf9c4,
	 "3b060500f9c40004c00000000100031020010db80002000030c36a683e51355204040000000001020000"
	 "050cb41e48668a06694cdd4278d5"},
};

/* protocol.md §3.9 (b): token BUs without Alternate CoA (MH before the authenticator) */
struct short_bu_vec {
	uint16_t seq;
	uint16_t lifetime;
	uint16_t careof_index;
	const char *head;
	const char *auth;
	uint16_t csum;
};

static const struct short_bu_vec short_bu_vecs[] = {
	{2, 60, 0, "3b03050000000002c000003c040400000000050c", "03241dba4fd907dec268ad36", 0x98fd},
	{3, 60, 7, "3b03050000000003c000003c040400000007050c", "226ce7f4f2629028ceae495c", 0xdc32},
	{4, 0, 0, "3b03050000000004c0000000040400000000050c", "422b49813ad26b0988a1ba47", 0x0cfb},
};

/* protocol.md §3.9 (c): BA to the early BU */
static const char vec_ba[] = "3b030600dfa100000002003c010400000000050c8b9d7f8c1a1660b280205d7e";

/* ---------------------------------------------------------------- */
/* Helpers */

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Whitespace-separated tokens: a hex run ("0d01aa"), optionally repeated
 * ("00*12" = twelve zero bytes), or "HL", which becomes Header Len =
 * total/8 - 1 once the whole input is known.
 */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0, hl = SIZE_MAX;

	while (*s) {
		size_t start = n, run, i;
		unsigned long rep = 1;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (s[0] == 'H' && s[1] == 'L') {
			assert_true(n < cap);
			hl = n;
			out[n++] = 0;
			s += 2;
			continue;
		}
		while (hex_nibble(s[0]) >= 0) {
			assert_true(hex_nibble(s[1]) >= 0);
			assert_true(n < cap);
			out[n++] = (uint8_t)(hex_nibble(s[0]) << 4 | hex_nibble(s[1]));
			s += 2;
		}
		assert_true(n > start);
		if (*s == '*') {
			char *end;

			rep = strtoul(s + 1, &end, 10);
			assert_true(end != s + 1 && rep >= 1);
			s = end;
		}
		run = n - start;
		assert_true(run * (rep - 1) <= cap - n);
		for (i = 1; i < rep; i++) {
			memcpy(out + n, out + start, run);
			n += run;
		}
		assert_true(*s == ' ' || *s == '\0');
	}
	if (hl != SIZE_MAX) {
		assert_true(n % 8 == 0 && n >= 8 && n <= MH_MAX_LEN);
		out[hl] = (uint8_t)(n / 8 - 1);
	}
	return n;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void assert_opt(const struct mh_msg *m, unsigned int i, uint8_t type, uint8_t len,
		       uint16_t off)
{
	assert_true(i < m->n_opts);
	assert_int_equal(m->opts[i].type, type);
	assert_int_equal(m->opts[i].len, len);
	assert_int_equal(m->opts[i].off, off);
}

static void assert_addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	assert_memory_equal(a->s6_addr, b->s6_addr, 16);
}

/* Decoding must succeed and cover the whole buffer. */
static void decode_ok(const uint8_t *buf, size_t len, struct mh_msg *m)
{
	int err = mh_decode(buf, len, m);

	if (err)
		print_error("decode: %s\n", mn_err_name(err));
	assert_int_equal(err, MN_OK);
	assert_int_equal(m->len, len);
}

/* Independent checksum: build the pseudo-header and sum byte pairs. */
static uint16_t ref_checksum(const struct in6_addr *src, const struct in6_addr *dst,
			     const uint8_t *mh, size_t len)
{
	static uint8_t tmp[40 + MH_MAX_LEN + 1];
	uint32_t sum = 0;
	size_t i;

	assert_true(len <= MH_MAX_LEN);
	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, src->s6_addr, 16);
	memcpy(tmp + 16, dst->s6_addr, 16);
	tmp[32] = (uint8_t)(len >> 24);
	tmp[33] = (uint8_t)(len >> 16);
	tmp[34] = (uint8_t)(len >> 8);
	tmp[35] = (uint8_t)len;
	tmp[39] = 135;
	memcpy(tmp + 40, mh, len);
	/* the checksum field counts as zero (bytes past len are zero anyway) */
	tmp[40 + 4] = 0;
	tmp[40 + 5] = 0;
	for (i = 0; i < 40 + len; i += 2)
		sum += (uint32_t)(tmp[i] << 8 | tmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---------------------------------------------------------------- */
/* Error names */

/* clang-format off */
#define E(x) { x, #x }
static const struct {
	int err;
	const char *name;
} err_names[] = {
	E(MN_OK), E(MN_ERR_TRUNCATED), E(MN_ERR_TRAILING), E(MN_ERR_PAYLOAD_PROTO),
	E(MN_ERR_MH_TYPE), E(MN_ERR_HDR_LEN), E(MN_ERR_CHECKSUM), E(MN_ERR_OPT_TRUNCATED),
	E(MN_ERR_OPT_LENGTH), E(MN_ERR_OPT_ALIGN), E(MN_ERR_OPT_DUPLICATE), E(MN_ERR_OPT_ORDER),
	E(MN_ERR_CGA_SPLIT), E(MN_ERR_TOO_MANY_OPTS), E(MN_ERR_NOSPACE), E(MN_ERR_INVAL),
	E(MN_ERR_CGA_PARAMS), E(MN_ERR_CGA_COLLISION), E(MN_ERR_CGA_PREFIX), E(MN_ERR_CGA_HASH1),
	E(MN_ERR_CGA_HASH2), E(MN_ERR_CGA_SEC), E(MN_ERR_CANCELLED), E(MN_ERR_KEY),
	E(MN_ERR_SIGNATURE), E(MN_ERR_DECRYPT), E(MN_ERR_AUTH), E(MN_ERR_CRYPTO), E(MN_ERR_PERM),
	E(MN_ERR_IO), E(MN_ERR_FORMAT), E(MN_ERR_NOTFOUND), E(MN_ERR_NOMEM),
};
#undef E
/* clang-format on */

static void test_err_names(void **state)
{
	size_t i;

	assert_int_equal(ARRAY_SIZE(err_names), MN_ERR__COUNT);
	for (i = 0; i < ARRAY_SIZE(err_names); i++) {
		assert_int_equal(err_names[i].err, (int)i);
		assert_string_equal(mn_err_name(err_names[i].err), err_names[i].name);
		assert_non_null(mn_strerror(err_names[i].err));
		assert_true(strlen(mn_strerror(err_names[i].err)) > 0);
		assert_string_not_equal(mn_strerror(err_names[i].err), "unknown error");
	}
	assert_string_equal(mn_err_name(-1), "MN_ERR_UNKNOWN");
	assert_string_equal(mn_err_name(MN_ERR__COUNT), "MN_ERR_UNKNOWN");
	assert_string_equal(mn_err_name(10000), "MN_ERR_UNKNOWN");
	assert_string_equal(mn_strerror(-5), "unknown error");
	assert_string_equal(mn_strerror(MN_ERR__COUNT), "unknown error");
}

/* ---------------------------------------------------------------- */
/* Vectors (protocol.md §3.9) */

static void test_vector_first_bu(void **state)
{
	struct in6_addr hoa = addr(HOA), coa = addr(COA), dar = addr(DAR);
	uint8_t vec[512], buf[512];
	size_t n = hex(vec_first_bu, vec, sizeof(vec));
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	assert_int_equal(n, 352);
	assert_int_equal(ref_checksum(&hoa, &dar, vec, n), 0x47f0);
	assert_int_equal(mh_checksum(&hoa, &dar, vec, n), 0x47f0);
	assert_true(mh_checksum_ok(&hoa, &dar, vec, n));

	/* CGA Parameters data at 34..221, signature data at 223..351 */
	memset(buf, 0xee, sizeof(buf));
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 60);
	mh_put_altcoa(&b, &coa);
	mh_put_cga_params(&b, vec + 34, 187);
	mh_put_signature(&b, vec + 223, 128);
	len = mh_build_finish(&b);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(len, 352);
	assert_int_equal(buf[1], 43);
	assert_int_equal(b.cga_end, 221);
	assert_int_equal(b.sig_off, 223);
	assert_int_equal(b.bad_off, 0);
	assert_int_equal(b.phkt_off, 0);
	assert_int_equal(buf[4] | buf[5], 0);
	mh_set_checksum(&hoa, &dar, buf, len);
	assert_memory_equal(buf, vec, n);

	decode_ok(vec, n, &m);
	assert_int_equal(m.type, MH_BU);
	assert_int_equal(m.checksum, 0x47f0);
	assert_int_equal(m.u.bu.seq, 1);
	assert_int_equal(m.u.bu.flags, 0xc000);
	assert_int_equal(m.u.bu.lifetime, 60);
	assert_int_equal(m.n_opts, 5);
	assert_opt(&m, 0, MH_OPT_PADN, 0, 12);
	assert_opt(&m, 1, MH_OPT_ALTCOA, 16, 14);
	assert_opt(&m, 2, MH_OPT_CGA_PARAMS, 187, 32);
	assert_opt(&m, 3, MH_OPT_SIGNATURE, 128, 221);
	assert_opt(&m, 4, MH_OPT_PAD1, 0, 351);
	assert_int_equal(m.present,
			 1u << MH_OPT_ALTCOA | 1u << MH_OPT_CGA_PARAMS | 1u << MH_OPT_SIGNATURE);
	assert_addr_eq(&m.alt_coa, &coa);
	assert_int_equal(m.cga_params_len, 187);
	assert_memory_equal(m.cga_params, vec + 34, 187);
	assert_int_equal(m.cga_params_end, 221);
	assert_true(m.cga_sig_adjacent);
	assert_ptr_equal(m.sig, vec + 223);
	assert_int_equal(m.sig_len, 128);
	assert_null(m.bad_auth);
	assert_null(m.phkt);
	assert_false(mh_has(&m, MH_OPT_NONCE));
	assert_false(mh_has(&m, MH_OPT_BAD));
}

static void test_vector_token_bu(void **state)
{
	struct in6_addr hoa = addr(HOA), coa = addr(COA), dar = addr(DAR);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(token_bu_vecs); i++) {
		const struct token_bu_vec *v = &token_bu_vecs[i];
		uint8_t vec[64], buf[64];
		size_t n = hex(v->mh, vec, sizeof(vec));
		struct mh_builder b;
		struct mh_msg m;
		size_t len;

		print_message("token BU %s\n", v->name);
		assert_int_equal(n, 56);
		assert_int_equal(mh_checksum(&hoa, &dar, vec, n), v->csum);
		assert_true(mh_checksum_ok(&hoa, &dar, vec, n));

		mh_build_init(&b, buf, sizeof(buf), MH_BU);
		mh_build_bu(&b, v->seq, MH_BU_F_A | MH_BU_F_H, v->lifetime);
		mh_put_altcoa(&b, &coa);
		mh_put_nonce(&b, 0, v->careof_index);
		mh_put_bad(&b);
		len = mh_build_finish(&b);
		assert_int_equal(b.err, MN_OK);
		assert_int_equal(len, 56);
		assert_int_equal(buf[1], 6);
		assert_int_equal(b.bad_off, 44);
		assert_int_equal(b.cga_end, 0);
		assert_int_equal(b.sig_off, 0);
		/* The authenticator covers bytes up to bad_off. */
		assert_memory_equal(buf + 6, vec + 6, 44 - 6);
		memcpy(buf + b.bad_off, vec + 44, MH_BAD_AUTH_LEN);
		mh_set_checksum(&hoa, &dar, buf, len);
		assert_memory_equal(buf, vec, n);

		decode_ok(vec, n, &m);
		assert_int_equal(m.type, MH_BU);
		assert_int_equal(m.checksum, v->csum);
		assert_int_equal(m.u.bu.seq, v->seq);
		assert_int_equal(m.u.bu.flags, MH_BU_F_A | MH_BU_F_H);
		assert_int_equal(m.u.bu.lifetime, v->lifetime);
		assert_int_equal(m.n_opts, 5);
		assert_opt(&m, 0, MH_OPT_PADN, 0, 12);
		assert_opt(&m, 1, MH_OPT_ALTCOA, 16, 14);
		assert_opt(&m, 2, MH_OPT_NONCE, 4, 32);
		assert_opt(&m, 3, MH_OPT_PADN, 2, 38);
		assert_opt(&m, 4, MH_OPT_BAD, 12, 42);
		assert_int_equal(m.present,
				 1u << MH_OPT_ALTCOA | 1u << MH_OPT_NONCE | 1u << MH_OPT_BAD);
		assert_addr_eq(&m.alt_coa, &coa);
		assert_int_equal(m.home_nonce_index, 0);
		assert_int_equal(m.careof_nonce_index, v->careof_index);
		assert_ptr_equal(m.bad_auth, vec + 44);
		assert_int_equal(m.bad_auth_off, 44);
		assert_int_equal(m.cga_params_len, 0);
		assert_int_equal(m.cga_params_end, 0);
		assert_false(m.cga_sig_adjacent);
		assert_null(m.sig);
	}
}

static void test_vector_short_bu(void **state)
{
	struct in6_addr hoa = addr(HOA), dar = addr(DAR);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(short_bu_vecs); i++) {
		const struct short_bu_vec *v = &short_bu_vecs[i];
		uint8_t head[32], auth[16], buf[64];
		struct mh_builder b;
		struct mh_msg m;
		size_t len;

		assert_int_equal(hex(v->head, head, sizeof(head)), 20);
		assert_int_equal(hex(v->auth, auth, sizeof(auth)), 12);
		mh_build_init(&b, buf, sizeof(buf), MH_BU);
		mh_build_bu(&b, v->seq, MH_BU_F_A | MH_BU_F_H, v->lifetime);
		mh_put_nonce(&b, 0, v->careof_index);
		mh_put_bad(&b);
		len = mh_build_finish(&b);
		assert_int_equal(len, 32);
		assert_int_equal(b.bad_off, 20);
		assert_memory_equal(buf, head, 20);
		memcpy(buf + b.bad_off, auth, 12);
		mh_set_checksum(&hoa, &dar, buf, len);
		assert_int_equal(buf[4] << 8 | buf[5], v->csum);

		decode_ok(buf, len, &m);
		assert_int_equal(m.n_opts, 2);
		assert_opt(&m, 0, MH_OPT_NONCE, 4, 12);
		assert_opt(&m, 1, MH_OPT_BAD, 12, 18);
		assert_int_equal(m.careof_nonce_index, v->careof_index);
		assert_memory_equal(m.bad_auth, auth, 12);
	}
}

static void test_vector_ba(void **state)
{
	struct in6_addr hoa = addr(HOA), dar = addr(DAR);
	uint8_t vec[64], buf[64];
	size_t n = hex(vec_ba, vec, sizeof(vec));
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	assert_int_equal(n, 32);
	assert_int_equal(mh_checksum(&dar, &hoa, vec, n), 0xdfa1);
	assert_true(mh_checksum_ok(&dar, &hoa, vec, n));

	mh_build_init(&b, buf, sizeof(buf), MH_BA);
	mh_build_ba(&b, 0, 0, 2, 60);
	mh_put_bad(&b);
	len = mh_build_finish(&b);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(len, 32);
	assert_int_equal(buf[1], 3);
	assert_int_equal(b.bad_off, 20);
	memcpy(buf + b.bad_off, vec + 20, MH_BAD_AUTH_LEN);
	mh_set_checksum(&dar, &hoa, buf, len);
	assert_memory_equal(buf, vec, n);

	decode_ok(vec, n, &m);
	assert_int_equal(m.type, MH_BA);
	assert_int_equal(m.checksum, 0xdfa1);
	assert_int_equal(m.u.ba.status, MH_BA_ACCEPTED);
	assert_int_equal(m.u.ba.flags, 0);
	assert_int_equal(m.u.ba.seq, 2);
	assert_int_equal(m.u.ba.lifetime, 60);
	assert_int_equal(m.n_opts, 2);
	assert_opt(&m, 0, MH_OPT_PADN, 4, 12);
	assert_opt(&m, 1, MH_OPT_BAD, 12, 18);
	assert_int_equal(m.present, 1u << MH_OPT_BAD);
	assert_ptr_equal(m.bad_auth, vec + 20);
	assert_int_equal(m.bad_auth_off, 20);
	assert_null(m.phkt);
}

/* ---------------------------------------------------------------- */
/* Round trips: messages */

static void test_rt_brr(void **state)
{
	uint8_t buf[64];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	mh_build_init(&b, buf, sizeof(buf), MH_BRR);
	mh_build_brr(&b);
	len = mh_build_finish(&b);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "\x3b\x00\x00\x00\x00\x00\x00\x00", 8);
	decode_ok(buf, len, &m);
	assert_int_equal(m.type, MH_BRR);
	assert_int_equal(m.n_opts, 0);
	assert_int_equal(m.present, 0);

	/* with an option: 8 + 2 -> padded to 16 with PadN(6) */
	mh_build_init(&b, buf, sizeof(buf), MH_BRR);
	mh_build_brr(&b);
	mh_put_cga_req(&b);
	len = mh_build_finish(&b);
	assert_int_equal(len, 16);
	assert_int_equal(buf[1], 1);
	decode_ok(buf, len, &m);
	assert_int_equal(m.n_opts, 2);
	assert_opt(&m, 0, MH_OPT_CGA_REQ, 0, 8);
	assert_opt(&m, 1, MH_OPT_PADN, 4, 10);
	assert_true(mh_has(&m, MH_OPT_CGA_REQ));
}

static void rt_ti(enum mh_type type)
{
	static const uint8_t cookie[MH_COOKIE_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t buf[64];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	memset(buf, 0xee, sizeof(buf));
	mh_build_init(&b, buf, sizeof(buf), type);
	if (type == MH_HOTI)
		mh_build_hoti(&b, cookie);
	else
		mh_build_coti(&b, cookie);
	len = mh_build_finish(&b);
	assert_int_equal(len, 16);
	assert_int_equal(buf[0], 59);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], type);
	assert_int_equal(buf[3] | buf[4] | buf[5] | buf[6] | buf[7], 0);
	assert_memory_equal(buf + 8, cookie, 8);
	decode_ok(buf, len, &m);
	assert_int_equal(m.type, type);
	assert_memory_equal(m.u.ti.cookie, cookie, 8);
	assert_int_equal(m.n_opts, 0);
}

static void test_rt_hoti_coti(void **state)
{
	rt_ti(MH_HOTI);
	rt_ti(MH_COTI);
}

static void rt_t(enum mh_type type)
{
	static const uint8_t cookie[MH_COOKIE_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t token[MH_TOKEN_LEN] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
	uint8_t buf[64];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	mh_build_init(&b, buf, sizeof(buf), type);
	if (type == MH_HOT)
		mh_build_hot(&b, 0xbeef, cookie, token);
	else
		mh_build_cot(&b, 0xbeef, cookie, token);
	len = mh_build_finish(&b);
	assert_int_equal(len, 24);
	assert_int_equal(buf[1], 2);
	assert_int_equal(buf[6], 0xbe);
	assert_int_equal(buf[7], 0xef);
	assert_memory_equal(buf + 8, cookie, 8);
	assert_memory_equal(buf + 16, token, 8);
	decode_ok(buf, len, &m);
	assert_int_equal(m.type, type);
	assert_int_equal(m.u.t.nonce_index, 0xbeef);
	assert_memory_equal(m.u.t.cookie, cookie, 8);
	assert_memory_equal(m.u.t.token, token, 8);
	assert_int_equal(m.n_opts, 0);
}

static void test_rt_hot_cot(void **state)
{
	rt_t(MH_HOT);
	rt_t(MH_COT);
}

static void test_rt_be(void **state)
{
	struct in6_addr hoa = addr(HOA);
	uint8_t buf[64];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	mh_build_init(&b, buf, sizeof(buf), MH_BE);
	mh_build_be(&b, 2, &hoa);
	len = mh_build_finish(&b);
	assert_int_equal(len, 24);
	assert_int_equal(buf[6], 2);
	assert_int_equal(buf[7], 0);
	assert_memory_equal(buf + 8, hoa.s6_addr, 16);
	decode_ok(buf, len, &m);
	assert_int_equal(m.type, MH_BE);
	assert_int_equal(m.u.be.status, 2);
	assert_addr_eq(&m.u.be.hoa, &hoa);
}

/* A BU with every option the codec knows, in a valid order. */
static void test_rt_bu_all_options(void **state)
{
	struct in6_addr coa = addr(COA);
	static const uint8_t token[MH_TOKEN_LEN] = {9, 8, 7, 6, 5, 4, 3, 2};
	uint8_t params[318], sig[255], phkt[255], buf[MH_MAX_LEN];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;
	unsigned int i;

	fill(params, sizeof(params), 1);
	fill(sig, sizeof(sig), 2);
	fill(phkt, sizeof(phkt), 3);
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 0xfffe, MH_BU_F_A | MH_BU_F_H | MH_BU_F_L | MH_BU_F_K, 0xffff);
	mh_put_bra(&b, 0x1234);             /* @12, aligned */
	mh_put_altcoa(&b, &coa);            /* 16 -> PadN(6), @22 = 8n+6 */
	mh_put_cga_params(&b, params, 318); /* @40 (255), @297 (63) */
	mh_put_signature(&b, sig, 255);     /* @362 */
	mh_put_cga_req(&b);                 /* @619 */
	mh_put_phkt(&b, phkt, 255);         /* @621 */
	mh_put_coti(&b);                    /* @878 */
	mh_put_cot(&b, token);              /* @880 */
	mh_put_nonce(&b, 0x0102, 0x0304);   /* @890, aligned */
	mh_put_bad(&b);                     /* 896 -> PadN(2), @898 */
	len = mh_build_finish(&b);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(len, 912);
	assert_int_equal(buf[1], 912 / 8 - 1);
	assert_int_equal(b.cga_end, 362);
	assert_int_equal(b.sig_off, 364);
	assert_int_equal(b.phkt_off, 623);
	assert_int_equal(b.bad_off, 900);

	decode_ok(buf, len, &m);
	assert_int_equal(m.u.bu.seq, 0xfffe);
	assert_int_equal(m.u.bu.flags, 0xf000);
	assert_int_equal(m.u.bu.lifetime, 0xffff);
	assert_int_equal(m.n_opts, 13);
	i = 0;
	assert_opt(&m, i++, MH_OPT_BRA, 2, 12);
	assert_opt(&m, i++, MH_OPT_PADN, 4, 16);
	assert_opt(&m, i++, MH_OPT_ALTCOA, 16, 22);
	assert_opt(&m, i++, MH_OPT_CGA_PARAMS, 255, 40);
	assert_opt(&m, i++, MH_OPT_CGA_PARAMS, 63, 297);
	assert_opt(&m, i++, MH_OPT_SIGNATURE, 255, 362);
	assert_opt(&m, i++, MH_OPT_CGA_REQ, 0, 619);
	assert_opt(&m, i++, MH_OPT_PHKT, 255, 621);
	assert_opt(&m, i++, MH_OPT_COTI, 0, 878);
	assert_opt(&m, i++, MH_OPT_COT, 8, 880);
	assert_opt(&m, i++, MH_OPT_NONCE, 4, 890);
	assert_opt(&m, i++, MH_OPT_PADN, 0, 896);
	assert_opt(&m, i++, MH_OPT_BAD, 12, 898);
	assert_int_equal(m.present, 1u << MH_OPT_BRA | 1u << MH_OPT_ALTCOA | 1u << MH_OPT_NONCE |
					    1u << MH_OPT_BAD | 1u << MH_OPT_CGA_REQ |
					    1u << MH_OPT_CGA_PARAMS | 1u << MH_OPT_SIGNATURE |
					    1u << MH_OPT_PHKT | 1u << MH_OPT_COTI |
					    1u << MH_OPT_COT);
	assert_int_equal(m.bra_interval, 0x1234);
	assert_addr_eq(&m.alt_coa, &coa);
	assert_int_equal(m.cga_params_len, 318);
	assert_memory_equal(m.cga_params, params, 318);
	assert_int_equal(m.cga_params_end, 362);
	assert_true(m.cga_sig_adjacent);
	assert_int_equal(m.sig_len, 255);
	assert_ptr_equal(m.sig, buf + 364);
	assert_memory_equal(m.sig, sig, 255);
	assert_int_equal(m.phkt_len, 255);
	assert_ptr_equal(m.phkt, buf + 623);
	assert_memory_equal(m.phkt, phkt, 255);
	assert_memory_equal(m.cot_token, token, 8);
	assert_int_equal(m.home_nonce_index, 0x0102);
	assert_int_equal(m.careof_nonce_index, 0x0304);
	assert_int_equal(m.bad_auth_off, 900);
	assert_ptr_equal(m.bad_auth, buf + 900);
}

static void test_rt_ba_options(void **state)
{
	static const uint8_t token[MH_TOKEN_LEN] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};
	uint8_t phkt[128], buf[512];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	fill(phkt, sizeof(phkt), 0x40);
	mh_build_init(&b, buf, sizeof(buf), MH_BA);
	mh_build_ba(&b, MH_BA_INSUFFICIENT, MH_BA_F_K, 0x8001, 0x5460);
	mh_put_phkt(&b, phkt, sizeof(phkt)); /* @12, ends 142 */
	mh_put_cot(&b, token);               /* @142, ends 152 */
	mh_put_bra(&b, 900);                 /* @152 */
	mh_put_bad(&b);                      /* 156 -> PadN(4), @162 */
	len = mh_build_finish(&b);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(len, 176);
	assert_int_equal(b.phkt_off, 14);
	assert_int_equal(b.bad_off, 164);
	decode_ok(buf, len, &m);
	assert_int_equal(m.type, MH_BA);
	assert_int_equal(m.u.ba.status, 130);
	assert_int_equal(m.u.ba.flags, 0x80);
	assert_int_equal(m.u.ba.seq, 0x8001);
	assert_int_equal(m.u.ba.lifetime, 0x5460);
	assert_int_equal(m.n_opts, 5);
	assert_opt(&m, 0, MH_OPT_PHKT, 128, 12);
	assert_opt(&m, 1, MH_OPT_COT, 8, 142);
	assert_opt(&m, 2, MH_OPT_BRA, 2, 152);
	assert_opt(&m, 3, MH_OPT_PADN, 4, 156);
	assert_opt(&m, 4, MH_OPT_BAD, 12, 162);
	assert_memory_equal(m.phkt, phkt, 128);
	assert_memory_equal(m.cot_token, token, 8);
	assert_int_equal(m.bra_interval, 900);
	assert_int_equal(m.bad_auth_off, 164);
}

/* ---------------------------------------------------------------- */
/* Round trips: options */

/* Every start offset mod 8 for each aligned option: right offset, right padding. */
static void test_rt_alignment(void **state)
{
	static const struct {
		uint8_t type, len, x, y;
	} rules[] = {
		{MH_OPT_BRA, 2, 2, 0},
		{MH_OPT_ALTCOA, 16, 8, 6},
		{MH_OPT_NONCE, 4, 2, 0},
		{MH_OPT_BAD, 12, 8, 2},
	};
	struct in6_addr coa = addr(COA);
	size_t r, pre;

	for (r = 0; r < ARRAY_SIZE(rules); r++) {
		for (pre = 0; pre < 8; pre++) {
			uint8_t buf[128];
			struct mh_builder b;
			struct mh_msg m;
			size_t len, start = 12 + pre, gap, opt_off, i = 0;

			mh_build_init(&b, buf, sizeof(buf), MH_BU);
			mh_build_bu(&b, 7, 0, 1);
			mh_put_pad(&b, pre);
			switch (rules[r].type) {
			case MH_OPT_BRA:
				mh_put_bra(&b, 0xabcd);
				break;
			case MH_OPT_ALTCOA:
				mh_put_altcoa(&b, &coa);
				break;
			case MH_OPT_NONCE:
				mh_put_nonce(&b, 0x1111, 0x2222);
				break;
			default:
				mh_put_bad(&b);
				break;
			}
			len = mh_build_finish(&b);
			assert_int_equal(b.err, MN_OK);
			gap = (rules[r].y + rules[r].x - start % rules[r].x) % rules[r].x;
			opt_off = start + gap;
			assert_int_equal(opt_off % rules[r].x, rules[r].y);
			assert_true(gap < rules[r].x);

			decode_ok(buf, len, &m);
			if (pre == 1)
				assert_opt(&m, i++, MH_OPT_PAD1, 0, 12);
			else if (pre >= 2)
				assert_opt(&m, i++, MH_OPT_PADN, (uint8_t)(pre - 2), 12);
			if (gap == 1)
				assert_opt(&m, i++, MH_OPT_PAD1, 0, (uint16_t)start);
			else if (gap >= 2)
				assert_opt(&m, i++, MH_OPT_PADN, (uint8_t)(gap - 2),
					   (uint16_t)start);
			assert_opt(&m, i++, rules[r].type, rules[r].len, (uint16_t)opt_off);
			assert_int_equal(m.present, 1u << rules[r].type);
			switch (rules[r].type) {
			case MH_OPT_BRA:
				assert_int_equal(m.bra_interval, 0xabcd);
				break;
			case MH_OPT_ALTCOA:
				assert_addr_eq(&m.alt_coa, &coa);
				break;
			case MH_OPT_NONCE:
				assert_int_equal(m.home_nonce_index, 0x1111);
				assert_int_equal(m.careof_nonce_index, 0x2222);
				break;
			default:
				assert_int_equal(m.bad_auth_off, opt_off + 2);
				assert_memory_equal(m.bad_auth, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
				break;
			}
			/* Tail padding: Pad1 for one byte, PadN for more. */
			{
				size_t end = opt_off + 2 + rules[r].len, tail = len - end;

				assert_true(len % 8 == 0 && tail < 8);
				if (tail == 1)
					assert_opt(&m, i++, MH_OPT_PAD1, 0, (uint16_t)end);
				else if (tail >= 2)
					assert_opt(&m, i++, MH_OPT_PADN, (uint8_t)(tail - 2),
						   (uint16_t)end);
			}
			assert_int_equal(m.n_opts, i);
		}
	}
}

/* RFC 4866 options have no alignment rule: no padding in front at any offset. */
static void test_rt_rfc4866_unaligned(void **state)
{
	static const uint8_t token[MH_TOKEN_LEN] = {1, 1, 2, 3, 5, 8, 13, 21};
	size_t pre;

	for (pre = 0; pre < 8; pre++) {
		uint8_t buf[128], blob[3] = {0xaa, 0xbb, 0xcc};
		struct mh_builder b;
		struct mh_msg m;
		size_t len, o = 12 + pre, i = pre ? 1 : 0;

		mh_build_init(&b, buf, sizeof(buf), MH_BA);
		mh_build_ba(&b, 0, 0, 1, 1);
		mh_put_pad(&b, pre);
		mh_put_cga_req(&b);
		mh_put_cga_params(&b, blob, 3);
		mh_put_signature(&b, blob, 1);
		mh_put_phkt(&b, blob, 2);
		mh_put_coti(&b);
		mh_put_cot(&b, token);
		len = mh_build_finish(&b);
		assert_int_equal(b.err, MN_OK);
		decode_ok(buf, len, &m);
		assert_opt(&m, i++, MH_OPT_CGA_REQ, 0, (uint16_t)o);
		o += 2;
		assert_opt(&m, i++, MH_OPT_CGA_PARAMS, 3, (uint16_t)o);
		o += 5;
		assert_int_equal(b.cga_end, o);
		assert_int_equal(m.cga_params_end, o);
		assert_opt(&m, i++, MH_OPT_SIGNATURE, 1, (uint16_t)o);
		assert_int_equal(b.sig_off, o + 2);
		o += 3;
		assert_opt(&m, i++, MH_OPT_PHKT, 2, (uint16_t)o);
		assert_int_equal(b.phkt_off, o + 2);
		o += 4;
		assert_opt(&m, i++, MH_OPT_COTI, 0, (uint16_t)o);
		o += 2;
		assert_opt(&m, i++, MH_OPT_COT, 8, (uint16_t)o);
		assert_true(m.cga_sig_adjacent);
		assert_int_equal(m.sig_len, 1);
		assert_int_equal(m.sig[0], 0xaa);
		assert_int_equal(m.phkt_len, 2);
		assert_memory_equal(m.phkt, blob, 2);
		assert_memory_equal(m.cot_token, token, 8);
		assert_memory_equal(m.cga_params, blob, 3);
	}
}

/* CGA Parameters of various sizes, split into 255-byte options. */
static void test_rt_cga_split(void **state)
{
	static const size_t sizes[] = {1, 187, 254, 255, 256, 318, 509, 510, 511, 600, 1700};
	struct in6_addr coa = addr(COA);
	size_t s;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		static uint8_t params[MH_MAX_LEN], buf[MH_MAX_LEN], sig[255];
		size_t n = sizes[s], frags = (n + 254) / 255, k, len;
		struct mh_builder b;
		struct mh_msg m;

		fill(params, n, (uint8_t)s);
		fill(sig, sizeof(sig), 0x77);
		mh_build_init(&b, buf, sizeof(buf), MH_BU);
		mh_build_bu(&b, 1, MH_BU_F_A | MH_BU_F_H, 60);
		mh_put_altcoa(&b, &coa);
		mh_put_cga_params(&b, params, n);
		mh_put_signature(&b, sig, sizeof(sig));
		len = mh_build_finish(&b);
		assert_int_equal(b.err, MN_OK);
		assert_int_equal(b.cga_end, 32 + n + 2 * frags);
		assert_int_equal(b.sig_off, b.cga_end + 2);

		decode_ok(buf, len, &m);
		assert_int_equal(m.cga_params_len, n);
		assert_memory_equal(m.cga_params, params, n);
		assert_int_equal(m.cga_params_end, b.cga_end);
		assert_true(m.cga_sig_adjacent);
		for (k = 0; k < frags; k++) {
			size_t flen = k + 1 < frags ? 255 : n - 255 * (frags - 1);

			assert_opt(&m, 2 + k, MH_OPT_CGA_PARAMS, (uint8_t)flen,
				   (uint16_t)(32 + 257 * k));
		}
		assert_opt(&m, 2 + frags, MH_OPT_SIGNATURE, 255, b.cga_end);
		assert_memory_equal(m.sig, sig, 255);
	}
}

/* Two explicit cases the brief names: 318 (2040-bit key) and 600 bytes. */
static void test_rt_cga_318_600(void **state)
{
	uint8_t params[600], buf[1024];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	fill(params, sizeof(params), 0x31);
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_params(&b, params, 318);
	len = mh_build_finish(&b);
	assert_int_equal(b.cga_end, 12 + 257 + 65);
	decode_ok(buf, len, &m);
	assert_opt(&m, 0, MH_OPT_CGA_PARAMS, 255, 12);
	assert_opt(&m, 1, MH_OPT_CGA_PARAMS, 63, 269);
	assert_int_equal(m.cga_params_len, 318);
	assert_memory_equal(m.cga_params, params, 318);
	assert_false(m.cga_sig_adjacent); /* padding follows, not a Signature */

	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_params(&b, params, 600);
	mh_put_signature(&b, NULL, 200);
	len = mh_build_finish(&b);
	assert_int_equal(b.cga_end, 12 + 257 + 257 + 92);
	assert_int_equal(b.sig_off, b.cga_end + 2);
	decode_ok(buf, len, &m);
	assert_opt(&m, 0, MH_OPT_CGA_PARAMS, 255, 12);
	assert_opt(&m, 1, MH_OPT_CGA_PARAMS, 255, 269);
	assert_opt(&m, 2, MH_OPT_CGA_PARAMS, 90, 526);
	assert_opt(&m, 3, MH_OPT_SIGNATURE, 200, 618);
	assert_int_equal(m.cga_params_len, 600);
	assert_memory_equal(m.cga_params, params, 600);
	assert_int_equal(m.cga_params_end, 618);
	assert_true(m.cga_sig_adjacent);
	/* NULL signature reserves zeroes */
	assert_int_equal(m.sig[0] | m.sig[100] | m.sig[199], 0);
}

/* cga_sig_adjacent is false unless the Signature comes right after. */
static void test_cga_sig_adjacent(void **state)
{
	static const struct {
		const char *hex;
		bool adjacent;
		uint16_t end;
	} cases[] = {
		{"3b HL 0500 0000 0001c000003c 0c01aa 0d01bb 0104 00000000", true, 15},
		{"3b HL 0500 0000 0001c000003c 0c01aa 00 0d01bb 0103 000000", false, 15},
		{"3b HL 0500 0000 0001c000003c 0c01aa 0f00 0d01bb 0102 0000", false, 15},
		{"3b HL 0500 0000 0001c000003c 0d01bb 0c01aa 0104 00000000", false, 18},
		{"3b HL 0500 0000 0001c000003c 0c01aa 00", false, 15},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t buf[64];
		size_t n = hex(cases[i].hex, buf, sizeof(buf));
		struct mh_msg m;

		decode_ok(buf, n, &m);
		assert_int_equal(m.cga_sig_adjacent, cases[i].adjacent);
		assert_int_equal(m.cga_params_end, cases[i].end);
		assert_int_equal(m.cga_params_len, 1);
		assert_int_equal(m.cga_params[0], 0xaa);
	}
}

static void test_rt_pad(void **state)
{
	size_t n;

	for (n = 1; n <= 257; n++) {
		uint8_t buf[512];
		struct mh_builder b;
		struct mh_msg m;
		size_t len, i;

		mh_build_init(&b, buf, sizeof(buf), MH_BRR);
		mh_build_brr(&b);
		mh_put_pad(&b, n);
		len = mh_build_finish(&b);
		assert_int_equal(b.err, MN_OK);
		assert_int_equal(len, 8 + n + (8 - n % 8) % 8);
		if (n == 1) {
			assert_int_equal(buf[8], 0);
		} else {
			assert_int_equal(buf[8], 1);
			assert_int_equal(buf[9], n - 2);
			for (i = 10; i < 8 + n; i++)
				assert_int_equal(buf[i], 0);
		}
		decode_ok(buf, len, &m);
		assert_opt(&m, 0, n == 1 ? MH_OPT_PAD1 : MH_OPT_PADN, n == 1 ? 0 : (uint8_t)(n - 2),
			   8);
		assert_int_equal(m.present, 0);
	}
}

/* mh_put_raw_opt writes TLVs verbatim; mh_build_finish tail padding. */
static void test_finish_padding(void **state)
{
	size_t extra;

	for (extra = 0; extra < 16; extra++) {
		uint8_t buf[64], data[16] = {0};
		struct mh_builder b;
		struct mh_msg m;
		size_t len, used = 12 + 2 + extra, tail = (8 - used % 8) % 8;

		mh_build_init(&b, buf, sizeof(buf), MH_BU);
		mh_build_bu(&b, 1, 0, 0);
		mh_put_raw_opt(&b, 200, data, extra);
		len = mh_build_finish(&b);
		assert_int_equal(len, used + tail);
		assert_int_equal(buf[1], len / 8 - 1);
		if (tail == 1)
			assert_int_equal(buf[used], 0);
		if (tail >= 2) {
			assert_int_equal(buf[used], 1);
			assert_int_equal(buf[used + 1], tail - 2);
		}
		decode_ok(buf, len, &m);
		assert_opt(&m, 0, 200, (uint8_t)extra, 12);
		assert_int_equal(m.n_opts, tail ? 2 : 1);
	}
}

/* ---------------------------------------------------------------- */
/* Lenient decoding */

static void test_unknown_options(void **state)
{
	struct in6_addr coa = addr(COA);
	static const uint8_t d7[7] = {7, 7, 7, 7, 7, 7, 7};
	uint8_t buf[256];
	struct mh_builder b;
	struct mh_msg m;
	size_t len;

	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 5, MH_BU_F_A | MH_BU_F_H, 10);
	mh_put_raw_opt(&b, 6, NULL, 0); /* @12 */
	mh_put_raw_opt(&b, 7, d7, 7);   /* @14, odd length */
	mh_put_altcoa(&b, &coa);        /* 23 -> PadN(7) @23, @30 */
	mh_put_raw_opt(&b, 31, d7, 1);  /* @48 */
	mh_put_raw_opt(&b, 32, d7, 2);  /* @51 */
	mh_put_raw_opt(&b, 200, d7, 3); /* @55 */
	mh_put_raw_opt(&b, 255, d7, 0); /* @60 */
	mh_put_raw_opt(&b, 17, d7, 5);  /* @62 */
	mh_put_nonce(&b, 3, 4);         /* 69 -> Pad1, @70 */
	len = mh_build_finish(&b);
	assert_int_equal(b.err, MN_OK);
	decode_ok(buf, len, &m);
	assert_opt(&m, 0, 6, 0, 12);
	assert_opt(&m, 1, 7, 7, 14);
	assert_opt(&m, 2, MH_OPT_PADN, 5, 23);
	assert_opt(&m, 3, MH_OPT_ALTCOA, 16, 30);
	assert_opt(&m, 4, 31, 1, 48);
	assert_opt(&m, 5, 32, 2, 51);
	assert_opt(&m, 6, 200, 3, 55);
	assert_opt(&m, 7, 255, 0, 60);
	assert_opt(&m, 8, 17, 5, 62);
	assert_opt(&m, 9, MH_OPT_PAD1, 0, 69);
	assert_opt(&m, 10, MH_OPT_NONCE, 4, 70);
	assert_int_equal(m.present, 1u << 6 | 1u << 7 | 1u << 31 | 1u << 17 | 1u << MH_OPT_ALTCOA |
					    1u << MH_OPT_NONCE);
	assert_addr_eq(&m.alt_coa, &coa);
	assert_int_equal(m.home_nonce_index, 3);
	assert_int_equal(m.careof_nonce_index, 4);

	/* Unknown types repeat freely and may sit between RFC 6275 options. */
	{
		uint8_t in[64];
		size_t n = hex("3b HL 0500 0000 0001c000003c 0600 0600 c801ff c801ff 0100", in,
			       sizeof(in));

		decode_ok(in, n, &m);
		assert_int_equal(m.n_opts, 5);
		assert_int_equal(m.present, 1u << 6);
	}
}

/* Reserved fields and PadN contents are ignored (RFC 6275 §6.1, §6.2.2). */
static void test_reserved_ignored(void **state)
{
	static const char *ok[] = {
		"3b HL 00ff 0000 abcd",                                  /* BRR reserved */
		"3b HL 01ff 0000 ffff 0102030405060708",                 /* HoTI reserved */
		"3b HL 0700 0000 01ff 20010db8000100000000000000000001", /* BE reserved */
		"3b HL 0500 0000 0001c000003c 0102 ffff",                /* PadN data */
		"3b HL 0600 1234 00000002003c 0104 aabbccdd 050c 00*12", /* checksum any */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		uint8_t buf[64];
		size_t n = hex(ok[i], buf, sizeof(buf));
		struct mh_msg m;

		decode_ok(buf, n, &m);
		assert_int_equal(m.type, buf[2]);
	}
}

/* Exactly MH_MAX_OPTS options and exactly MH_MAX_LEN bytes are fine. */
static void test_decode_limits(void **state)
{
	static uint8_t buf[MH_MAX_LEN + 8];
	struct mh_builder b;
	struct mh_msg m;
	uint8_t data[253];
	size_t n, i;

	n = hex("3b HL 0000 0000 0000 00*64", buf, sizeof(buf));
	decode_ok(buf, n, &m);
	assert_int_equal(m.n_opts, MH_MAX_OPTS);
	assert_opt(&m, 63, MH_OPT_PAD1, 0, 71);

	fill(data, sizeof(data), 9);
	mh_build_init(&b, buf, sizeof(buf), MH_BRR);
	mh_build_brr(&b);
	for (i = 0; i < 8; i++)
		mh_put_raw_opt(&b, 100, data, sizeof(data));
	n = mh_build_finish(&b);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(n, MH_MAX_LEN);
	assert_int_equal(buf[1], 255);
	decode_ok(buf, n, &m);
	assert_int_equal(m.n_opts, 8);
	assert_opt(&m, 7, 100, 253, 8 + 7 * 255);
	/* one byte more is refused */
	assert_int_equal(mh_decode(buf, n + 1, &m), MN_ERR_TRAILING);
}

/* ---------------------------------------------------------------- */
/* Malformed inputs */

#define BRR_HDR "3b HL 0000 0000 0000"
#define BU_HDR "3b HL 0500 0000 0001c000003c"
#define BA_HDR "3b HL 0600 0000 00000002003c"
#define HOT_HDR "3b HL 0300 0000 0001 1111111111111111 2222222222222222"
#define BE_HDR "3b HL 0700 0000 0100 20010db8000100000000000000000001"
#define CGA255 " 0cff aa*255"

static const struct {
	const char *name;
	const char *hex;
	int err;
} bad_inputs[] = {
	/* fixed part and framing */
	{"empty", "", MN_ERR_TRUNCATED},
	{"one byte", "3b", MN_ERR_TRUNCATED},
	{"five bytes", "3b00050000", MN_ERR_TRUNCATED},
	{"fixed part only", "3b0000000000", MN_ERR_TRUNCATED},
	{"seven bytes", "3b000000000000", MN_ERR_TRUNCATED},
	{"payload proto 58", "3a00000000000000", MN_ERR_PAYLOAD_PROTO},
	{"payload proto 0", "0000000000000000", MN_ERR_PAYLOAD_PROTO},
	{"payload proto 60 in a BU", "3c01 0500 0000 0001c000003c 00000000", MN_ERR_PAYLOAD_PROTO},
	{"hdrlen 1 in 8 bytes", "3b01000000000000", MN_ERR_TRUNCATED},
	{"BU hdrlen 2 in 16 bytes", "3b02 0500 0000 0001c000003c 00000000", MN_ERR_TRUNCATED},
	{"hdrlen 255 in 8 bytes", "3bff000000000000", MN_ERR_TRUNCATED},
	{"hdrlen 255 in 2047 bytes", "3bff 0000 0000 0000 00*2039", MN_ERR_TRUNCATED},
	{"hdrlen 0 in 16 bytes", "3b00000000000000 00*8", MN_ERR_TRAILING},
	{"hdrlen 0 in 9 bytes", "3b00000000000000 00", MN_ERR_TRAILING},
	{"BU hdrlen 1 in 24 bytes", "3b01 0500 0000 0001c000003c 00*12", MN_ERR_TRAILING},
	{"hdrlen 255 in 2049 bytes", "3bff 0000 0000 0000 00*2041", MN_ERR_TRAILING},
	{"MH type 8", "3b00080000000000", MN_ERR_MH_TYPE},
	{"MH type 255", "3b01ff00 0000 00*10", MN_ERR_MH_TYPE},
	{"HoTI in 8 bytes", "3b00010000000000", MN_ERR_HDR_LEN},
	{"CoTI in 8 bytes", "3b00020000000000", MN_ERR_HDR_LEN},
	{"HoT in 8 bytes", "3b00030000000000", MN_ERR_HDR_LEN},
	{"HoT in 16 bytes", "3b01030000000000 00*8", MN_ERR_HDR_LEN},
	{"CoT in 16 bytes", "3b01040000000000 00*8", MN_ERR_HDR_LEN},
	{"BU in 8 bytes", "3b00050000000000", MN_ERR_HDR_LEN},
	{"BA in 8 bytes", "3b00060000000000", MN_ERR_HDR_LEN},
	{"BE in 16 bytes", "3b01070000000000 00*8", MN_ERR_HDR_LEN},
	/* option bounds */
	{"option header cut", BU_HDR " 000000 03", MN_ERR_OPT_TRUNCATED},
	{"PadN data cut", BU_HDR " 0104 0000", MN_ERR_OPT_TRUNCATED},
	{"AltCoA data cut", BU_HDR " 0100 0310 00*8", MN_ERR_OPT_TRUNCATED},
	{"unknown option data cut", BU_HDR " c805 0000", MN_ERR_OPT_TRUNCATED},
	{"BRR option data cut", BRR_HDR " 0107 00*6", MN_ERR_OPT_TRUNCATED},
	{"HoT option header cut", HOT_HDR " 00*7 05", MN_ERR_OPT_TRUNCATED},
	{"BE Signature data cut", BE_HDR " 0d07 00*6", MN_ERR_OPT_TRUNCATED},
	{"BAD data cut", BA_HDR " 0104 00000000 050c 00*4", MN_ERR_OPT_TRUNCATED},
	/* known lengths */
	{"BRA length 1", BU_HDR " 0201 00 00", MN_ERR_OPT_LENGTH},
	{"BRA length 3", BA_HDR " 0203 000000 0105 00*5", MN_ERR_OPT_LENGTH},
	{"AltCoA length 15", BU_HDR " 0100 030f 00*15 00", MN_ERR_OPT_LENGTH},
	{"AltCoA length 17", BU_HDR " 0100 0311 00*17 0105 00*5", MN_ERR_OPT_LENGTH},
	{"Nonce length 2", BU_HDR " 0402 0000", MN_ERR_OPT_LENGTH},
	{"Nonce length 6", BU_HDR " 0406 00*6 0102 0000", MN_ERR_OPT_LENGTH},
	{"BAD length 10", BU_HDR " 0104 00000000 050a 00*10 0100", MN_ERR_OPT_LENGTH},
	{"BAD length 16", BU_HDR " 0104 00000000 0510 00*16 0102 0000", MN_ERR_OPT_LENGTH},
	{"CGA Request length 1", BU_HDR " 0b01 00 00", MN_ERR_OPT_LENGTH},
	{"CoTI option length 1", BU_HDR " 0f01 00 00", MN_ERR_OPT_LENGTH},
	{"CoT option length 7", BA_HDR " 1007 00*7 0101 00", MN_ERR_OPT_LENGTH},
	{"CoT option length 9", BA_HDR " 1009 00*9 00", MN_ERR_OPT_LENGTH},
	{"Signature length 0", BU_HDR " 0d00 0000", MN_ERR_OPT_LENGTH},
	{"PHKT length 0", BA_HDR " 0e00 0000", MN_ERR_OPT_LENGTH},
	{"CGA Parameters length 0", BU_HDR " 0c00 0000", MN_ERR_OPT_LENGTH},
	/* alignment */
	{"BRA at 13", BA_HDR " 00 0202 0000 0105 00*5", MN_ERR_OPT_ALIGN},
	{"Nonce at 13", BU_HDR " 00 0404 00000000 0103 000000", MN_ERR_OPT_ALIGN},
	{"AltCoA at 12", BU_HDR " 0310 00*16 0100", MN_ERR_OPT_ALIGN},
	{"AltCoA at 15", BU_HDR " 000000 0310 00*16 00*7", MN_ERR_OPT_ALIGN},
	{"AltCoA at 16", BU_HDR " 0102 0000 0310 00*16 0104 00000000", MN_ERR_OPT_ALIGN},
	{"BAD at 12", BU_HDR " 050c 00*12 0104 00000000", MN_ERR_OPT_ALIGN},
	{"BAD at 19", BA_HDR " 0105 00*5 050c 00*12 0105 00*5", MN_ERR_OPT_ALIGN},
	{"BAD at 20", BA_HDR " 0106 00*6 050c 00*12 0104 00000000", MN_ERR_OPT_ALIGN},
	/* duplicates */
	{"duplicate AltCoA", BU_HDR " 0100 0310 00*16 0104 00000000 0310 00*16",
	 MN_ERR_OPT_DUPLICATE},
	{"duplicate Nonce", BU_HDR " 0404 00000000 0404 00000000", MN_ERR_OPT_DUPLICATE},
	{"duplicate BAD", BU_HDR " 0104 00000000 050c 00*12 0108 00*8 050c 00*12",
	 MN_ERR_OPT_DUPLICATE},
	{"duplicate Signature", BU_HDR " 0d01 aa 0d01 bb 0104 00000000", MN_ERR_OPT_DUPLICATE},
	{"duplicate BRA", BA_HDR " 0202 0000 0202 0000 0102 0000", MN_ERR_OPT_DUPLICATE},
	{"duplicate PHKT", BA_HDR " 0e01 aa 0e01 bb 0104 00000000", MN_ERR_OPT_DUPLICATE},
	{"duplicate CGA Request", BU_HDR " 0b00 0b00", MN_ERR_OPT_DUPLICATE},
	{"duplicate CoTI option", BU_HDR " 0f00 0f00", MN_ERR_OPT_DUPLICATE},
	{"duplicate CoT option", BA_HDR " 1008 00*8 1008 00*8", MN_ERR_OPT_DUPLICATE},
	/* BAD last */
	{"CGA Request after BAD", BU_HDR " 0104 00000000 050c 00*12 0b00 0104 00000000",
	 MN_ERR_OPT_ORDER},
	{"Nonce after BAD", BU_HDR " 0104 00000000 050c 00*12 0404 00000000 0100",
	 MN_ERR_OPT_ORDER},
	{"unknown option after BAD", BA_HDR " 0104 00000000 050c 00*12 c806 00*6",
	 MN_ERR_OPT_ORDER},
	/* CGA Parameters splitting */
	{"CGA fragment 1 then another", BU_HDR " 0c01aa 0c01bb 0d01cc 0101 00", MN_ERR_CGA_SPLIT},
	{"CGA fragment 254 then another", BU_HDR " 0cfe aa*254 0c01bb 0d01cc 0104 00000000",
	 MN_ERR_CGA_SPLIT},
	{"Pad1 between CGA fragments", BU_HDR CGA255 " 00 0c01bb 0d01cc 0102 0000",
	 MN_ERR_CGA_SPLIT},
	{"PadN between CGA fragments", BU_HDR CGA255 " 0100 0c01bb 0d01cc 0101 00",
	 MN_ERR_CGA_SPLIT},
	{"CGA Request between CGA fragments", BU_HDR CGA255 " 0b00 0c01bb 0d01cc 0101 00",
	 MN_ERR_CGA_SPLIT},
	{"Signature between CGA fragments", BU_HDR CGA255 " 0d01cc 0c01bb 0103 000000",
	 MN_ERR_CGA_SPLIT},
	{"unknown option between CGA fragments", BU_HDR CGA255 " c800 0c01bb 0d01cc 0101 00",
	 MN_ERR_CGA_SPLIT},
	{"third CGA fragment after a short second", BU_HDR CGA255 " 0c01bb" CGA255 " 0105 00*5",
	 MN_ERR_CGA_SPLIT},
	/* option count */
	{"65 options", BRR_HDR " 00*64 0106 00*6", MN_ERR_TOO_MANY_OPTS},
	{"72 Pad1 options", BRR_HDR " 00*72", MN_ERR_TOO_MANY_OPTS},
	{"66 PadN options in a BU", BU_HDR " 0100*66", MN_ERR_TOO_MANY_OPTS},
};

static void test_malformed(void **state)
{
	static uint8_t buf[MH_MAX_LEN + 16];
	unsigned int fails = 0;
	size_t i;

	assert_true(ARRAY_SIZE(bad_inputs) >= 35);
	for (i = 0; i < ARRAY_SIZE(bad_inputs); i++) {
		size_t n = hex(bad_inputs[i].hex, buf, sizeof(buf));
		struct mh_msg m;
		int err = mh_decode(buf, n, &m);

		if (err != bad_inputs[i].err) {
			print_error("%s: got %s, want %s\n", bad_inputs[i].name, mn_err_name(err),
				    mn_err_name(bad_inputs[i].err));
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

static void test_decode_null(void **state)
{
	struct mh_msg m;
	uint8_t one = 0x3b;

	assert_int_equal(mh_decode(NULL, 0, &m), MN_ERR_TRUNCATED);
	assert_int_equal(mh_decode(NULL, 8, &m), MN_ERR_INVAL);
	assert_int_equal(mh_decode(&one, 1, NULL), MN_ERR_INVAL);
}

/* ---------------------------------------------------------------- */
/* Sequence numbers and checksum */

static void test_seq_newer(void **state)
{
	assert_true(mh_seq_newer(1, 0));
	assert_false(mh_seq_newer(0, 1));
	assert_true(mh_seq_newer(0, 0xffff));
	assert_false(mh_seq_newer(0xffff, 0));
	assert_false(mh_seq_newer(0x8000, 0)); /* exactly half: not newer */
	assert_false(mh_seq_newer(0, 0x8000));
	assert_true(mh_seq_newer(0x7fff, 0));
	assert_true(mh_seq_newer(0, 0x8001));
	assert_false(mh_seq_newer(0x8001, 0));
	assert_false(mh_seq_newer(0, 0));
	assert_false(mh_seq_newer(0x1234, 0x1234));
	assert_false(mh_seq_newer(0xffff, 0xffff));
	assert_true(mh_seq_newer(0x8000, 0x7fff));
	assert_true(mh_seq_newer(0x0005, 0xfff0));
}

static void test_checksum(void **state)
{
	struct in6_addr hoa = addr(HOA), dar = addr(DAR), coa = addr(COA);
	uint8_t vec[512];
	size_t n = hex(vec_first_bu, vec, sizeof(vec)), bit;

	assert_true(mh_checksum_ok(&hoa, &dar, vec, n));
	/* the pseudo-header sum is symmetric in src/dst; another address fails */
	assert_false(mh_checksum_ok(&coa, &dar, vec, n));
	/* any single flipped bit, checksum field included, is caught */
	for (bit = 0; bit < n * 8; bit++) {
		vec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (mh_checksum_ok(&hoa, &dar, vec, n))
			fail_msg("bit %zu flipped but checksum accepted", bit);
		vec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_true(mh_checksum_ok(&hoa, &dar, vec, n));
	/* the length is in the pseudo-header */
	assert_int_not_equal(mh_checksum(&hoa, &dar, vec, n), mh_checksum(&hoa, &dar, vec, n - 8));
	assert_false(mh_checksum_ok(&hoa, &dar, vec, 4));
}

/* mh_checksum against a straightforward reference, odd lengths included. */
static void test_checksum_ref(void **state)
{
	struct in6_addr a = addr("fe80::1"), b = addr("ff02::abcd:ffff");
	static uint8_t buf[MH_MAX_LEN];
	size_t len;

	fill(buf, sizeof(buf), 0xf3);
	for (len = 0; len <= 300; len++) {
		assert_int_equal(mh_checksum(&a, &b, buf, len), ref_checksum(&a, &b, buf, len));
		assert_int_equal(mh_checksum(&b, &a, buf, len), ref_checksum(&a, &b, buf, len));
	}
	assert_int_equal(mh_checksum(&a, &b, buf, MH_MAX_LEN),
			 ref_checksum(&a, &b, buf, MH_MAX_LEN));
	/* the checksum field itself does not count */
	buf[4] = 0x12;
	buf[5] = 0x34;
	assert_int_equal(mh_checksum(&a, &b, buf, 64), ref_checksum(&a, &b, buf, 64));
	mh_set_checksum(&a, &b, buf, 64);
	assert_int_equal(buf[4] << 8 | buf[5], ref_checksum(&a, &b, buf, 64));
	assert_true(mh_checksum_ok(&a, &b, buf, 64));
}

/* ---------------------------------------------------------------- */
/* Builder errors */

static void test_build_nospace(void **state)
{
	struct in6_addr coa = addr(COA);
	static uint8_t big[MH_MAX_LEN + 64], src[MH_MAX_LEN + 64];
	uint8_t buf[64];
	struct mh_builder b;
	size_t i;

	mh_build_init(&b, buf, 5, MH_BU);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	assert_int_equal(mh_build_finish(&b), 0);

	mh_build_init(&b, buf, 8, MH_BU);
	assert_int_equal(b.err, MN_OK);
	mh_build_bu(&b, 1, 0, 0);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	assert_int_equal(b.len, 6);
	/* the first error sticks; later calls do nothing */
	mh_build_ba(&b, 0, 0, 0, 0);
	mh_put_cga_params(&b, NULL, 0);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	assert_int_equal(b.len, 6);
	assert_int_equal(mh_build_finish(&b), 0);

	/* room for the option but not for its alignment padding */
	mh_build_init(&b, buf, 12 + 18 + 1, MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_altcoa(&b, &coa);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	assert_int_equal(b.len, 12);

	/* room for everything but the tail padding */
	mh_build_init(&b, buf, 14, MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_req(&b);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(mh_build_finish(&b), 0);
	assert_int_equal(b.err, MN_ERR_NOSPACE);

	/* exactly enough */
	mh_build_init(&b, buf, 16, MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_req(&b);
	assert_int_equal(mh_build_finish(&b), 16);

	/* over 2048 bytes, with a large buffer */
	mh_build_init(&b, big, sizeof(big), MH_BRR);
	mh_build_brr(&b);
	for (i = 0; i < 8; i++)
		mh_put_raw_opt(&b, 100, src, 253);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(b.len, MH_MAX_LEN);
	mh_put_pad(&b, 1);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	assert_int_equal(mh_build_finish(&b), 0);

	mh_build_init(&b, big, sizeof(big), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_params(&b, src, 2100);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	assert_int_equal(b.cga_end, 0);

	/* 2030 data bytes need 8 option headers: 12 + 2046 > 2048 */
	mh_build_init(&b, big, sizeof(big), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_params(&b, src, 2030);
	assert_int_equal(b.err, MN_ERR_NOSPACE);

	/* 2047 bytes: finish adds a Pad1 and reaches exactly 2048 */
	mh_build_init(&b, big, sizeof(big), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	for (i = 0; i < 7; i++)
		mh_put_raw_opt(&b, 100, src, 255);
	mh_put_raw_opt(&b, 100, src, 234);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(b.len, 2047);
	assert_int_equal(mh_build_finish(&b), MH_MAX_LEN);
}

static void test_build_inval(void **state)
{
	static const uint8_t cookie[8], token[8];
	struct in6_addr coa = addr(COA);
	uint8_t buf[512], data[300] = {0};
	struct mh_builder b;

	/* message data that does not match the type */
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_ba(&b, 0, 0, 1, 1);
	assert_int_equal(b.err, MN_ERR_INVAL);
	assert_int_equal(b.len, 6);
	assert_int_equal(mh_build_finish(&b), 0);

	mh_build_init(&b, buf, sizeof(buf), MH_HOTI);
	mh_build_coti(&b, cookie);
	assert_int_equal(b.err, MN_ERR_INVAL);

	mh_build_init(&b, buf, sizeof(buf), MH_COT);
	mh_build_hot(&b, 1, cookie, token);
	assert_int_equal(b.err, MN_ERR_INVAL);

	mh_build_init(&b, buf, sizeof(buf), MH_BRR);
	mh_build_be(&b, 1, &coa);
	assert_int_equal(b.err, MN_ERR_INVAL);

	/* twice */
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	assert_int_equal(b.err, MN_OK);
	mh_build_bu(&b, 2, 0, 0);
	assert_int_equal(b.err, MN_ERR_INVAL);
	assert_int_equal(b.len, 12);
	assert_int_equal(mh_build_finish(&b), 0);

	/* an option before the message data; finish without it */
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_put_cga_req(&b);
	assert_int_equal(b.err, MN_ERR_INVAL);
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_put_pad(&b, 2);
	assert_int_equal(b.err, MN_ERR_INVAL);
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	assert_int_equal(mh_build_finish(&b), 0);
	assert_int_equal(b.err, MN_ERR_INVAL);

	/* bad init arguments */
	mh_build_init(&b, buf, sizeof(buf), (enum mh_type)8);
	assert_int_equal(b.err, MN_ERR_INVAL);
	mh_build_init(&b, NULL, 100, MH_BU);
	assert_int_equal(b.err, MN_ERR_INVAL);
	mh_build_bu(&b, 1, 0, 0);
	assert_int_equal(mh_build_finish(&b), 0);

	/* bad option arguments; each on a fresh BU */
#define BU_INVAL(call)                                                                             \
	do {                                                                                       \
		mh_build_init(&b, buf, sizeof(buf), MH_BU);                                        \
		mh_build_bu(&b, 1, 0, 0);                                                          \
		assert_int_equal(b.err, MN_OK);                                                    \
		call;                                                                              \
		assert_int_equal(b.err, MN_ERR_INVAL);                                             \
		assert_int_equal(mh_build_finish(&b), 0);                                          \
	} while (0)
	BU_INVAL(mh_put_cga_params(&b, data, 0));
	BU_INVAL(mh_put_cga_params(&b, NULL, 10));
	BU_INVAL(mh_put_signature(&b, data, 0));
	BU_INVAL(mh_put_signature(&b, data, 256));
	BU_INVAL(mh_put_phkt(&b, data, 0));
	BU_INVAL(mh_put_phkt(&b, data, 256));
	BU_INVAL(mh_put_raw_opt(&b, 200, data, 256));
	BU_INVAL(mh_put_raw_opt(&b, 200, NULL, 1));
	BU_INVAL(mh_put_raw_opt(&b, MH_OPT_PAD1, data, 1));
	BU_INVAL(mh_put_pad(&b, 258));
	BU_INVAL(mh_put_altcoa(&b, NULL));
	BU_INVAL(mh_put_cot(&b, NULL));
	/* one-shot options whose offset the builder records */
	BU_INVAL((mh_put_signature(&b, data, 1), mh_put_signature(&b, data, 1)));
	BU_INVAL((mh_put_phkt(&b, data, 1), mh_put_phkt(&b, data, 1)));
	BU_INVAL((mh_put_cga_params(&b, data, 255), mh_put_cga_params(&b, data, 5)));
	/* nothing but padding after BAD */
	BU_INVAL((mh_put_bad(&b), mh_put_cga_req(&b)));
	BU_INVAL((mh_put_bad(&b), mh_put_bad(&b)));
	BU_INVAL((mh_put_bad(&b), mh_put_nonce(&b, 0, 0)));
#undef BU_INVAL

	mh_build_init(&b, buf, sizeof(buf), MH_HOTI);
	mh_build_hoti(&b, NULL);
	assert_int_equal(b.err, MN_ERR_INVAL);
	mh_build_init(&b, buf, sizeof(buf), MH_HOT);
	mh_build_hot(&b, 0, cookie, NULL);
	assert_int_equal(b.err, MN_ERR_INVAL);
	mh_build_init(&b, buf, sizeof(buf), MH_BE);
	mh_build_be(&b, 1, NULL);
	assert_int_equal(b.err, MN_ERR_INVAL);

	/* padding after BAD is allowed; the first error is kept */
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_bad(&b);
	mh_put_pad(&b, 8);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(mh_build_finish(&b), 40);
	mh_build_init(&b, buf, 12, MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_cga_req(&b);
	assert_int_equal(b.err, MN_ERR_NOSPACE);
	mh_put_signature(&b, data, 0);
	assert_int_equal(b.err, MN_ERR_NOSPACE);

	/* mh_put_pad(0) is a no-op */
	mh_build_init(&b, buf, sizeof(buf), MH_BU);
	mh_build_bu(&b, 1, 0, 0);
	mh_put_pad(&b, 0);
	assert_int_equal(b.err, MN_OK);
	assert_int_equal(b.len, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_vector_first_bu),
		cmocka_unit_test(test_vector_token_bu),
		cmocka_unit_test(test_vector_short_bu),
		cmocka_unit_test(test_vector_ba),
		cmocka_unit_test(test_rt_brr),
		cmocka_unit_test(test_rt_hoti_coti),
		cmocka_unit_test(test_rt_hot_cot),
		cmocka_unit_test(test_rt_be),
		cmocka_unit_test(test_rt_bu_all_options),
		cmocka_unit_test(test_rt_ba_options),
		cmocka_unit_test(test_rt_alignment),
		cmocka_unit_test(test_rt_rfc4866_unaligned),
		cmocka_unit_test(test_rt_cga_split),
		cmocka_unit_test(test_rt_cga_318_600),
		cmocka_unit_test(test_cga_sig_adjacent),
		cmocka_unit_test(test_rt_pad),
		cmocka_unit_test(test_finish_padding),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_reserved_ignored),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_decode_null),
		cmocka_unit_test(test_seq_newer),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_checksum_ref),
		cmocka_unit_test(test_build_nospace),
		cmocka_unit_test(test_build_inval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
