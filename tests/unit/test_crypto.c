// SPDX-License-Identifier: BSD-3-Clause
/*
 * RFC 4866 crypto tests: keys, the CGA signature (with the first-BU
 * vector of notes/protocol.md §3.9 (a)), PHKT encryption, Kbm and the
 * BAD authenticators of §1.6 and §3.9 (b), (c).
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
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"

#define assert_err(rc, want) assert_string_equal(mn_err_name(rc), mn_err_name(want))

static const uint8_t phkt[MN_PHKT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t cokt[MN_PHKT_LEN] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};

/* One key of each size per run: key generation dominates the run time. */
struct keys {
	EVP_PKEY *k2040, *k1024, *k1024b;
};

static size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
	size_t i, len = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(len <= cap);
	for (i = 0; i < len; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return len;
}

static void addr_of(const char *s, struct in6_addr *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static int group_setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (!k)
		return -1;
	if (mn_key_generate(2040, &k->k2040) || mn_key_generate(1024, &k->k1024) ||
	    mn_key_generate(1024, &k->k1024b))
		return -1;
	*state = k;
	return 0;
}

static int group_teardown(void **state)
{
	struct keys *k = *state;

	mn_key_free(k->k2040);
	mn_key_free(k->k1024);
	mn_key_free(k->k1024b);
	free(k);
	return 0;
}

/* --- keys --- */

static void test_key_sizes(void **state)
{
	struct keys *k = *state;
	EVP_PKEY *key = (EVP_PKEY *)1;

	assert_int_equal(mn_key_bytes(k->k2040), 255);
	assert_int_equal(mn_key_bytes(k->k1024), 128);
	assert_err(mn_key_generate(MN_RSA_MIN_BITS - 1, &key), MN_ERR_INVAL);
	assert_null(key);
	assert_err(mn_key_generate(MN_RSA_MAX_BITS + 1, &key), MN_ERR_INVAL);
	assert_err(mn_key_generate(2048, &key), MN_ERR_INVAL);
	assert_err(mn_key_generate(1024, NULL), MN_ERR_INVAL);
}

static void test_spki_roundtrip(void **state)
{
	struct keys *k = *state;
	uint8_t *der = NULL, *der2 = NULL;
	size_t len = 0, len2 = 0;
	EVP_PKEY *pub = NULL;

	assert_err(mn_key_spki(k->k2040, &der, &len), MN_OK);
	assert_int_equal(len, 293);
	assert_int_equal(der[0], 0x30);
	assert_err(mn_key_from_spki(der, len, &pub), MN_OK);
	assert_int_equal(mn_key_bytes(pub), 255);
	assert_err(mn_key_spki(pub, &der2, &len2), MN_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(der2, der, len);
	assert_int_equal(EVP_PKEY_eq(pub, k->k2040), 1);
	mn_key_free(pub);
	free(der2);

	/* Truncated and trailing bytes are refused. */
	pub = (EVP_PKEY *)1;
	assert_err(mn_key_from_spki(der, len - 1, &pub), MN_ERR_KEY);
	assert_null(pub);
	{
		uint8_t longer[300];

		memcpy(longer, der, len);
		longer[len] = 0;
		assert_err(mn_key_from_spki(longer, len + 1, &pub), MN_ERR_KEY);
	}
	assert_err(mn_key_from_spki(NULL, 0, &pub), MN_ERR_KEY);
	free(der);

	assert_err(mn_key_spki(k->k1024, &der, &len), MN_OK);
	assert_int_equal(len, 162);
	assert_err(mn_key_from_spki(der, len, &pub), MN_OK);
	mn_key_free(pub);
	free(der);
}

/* An RSA public key with an arbitrary modulus of `bits` bits. */
static EVP_PKEY *rsa_pub_of_bits(unsigned int bits)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_new(), *e = BN_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	OSSL_PARAM *params;
	EVP_PKEY *key = NULL;

	assert_non_null(bld);
	assert_non_null(ctx);
	assert_true(BN_set_bit(n, (int)bits - 1) && BN_set_bit(n, 0) && BN_set_word(e, 65537));
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n));
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e));
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return key;
}

static int spki_of(EVP_PKEY *key, uint8_t *buf, size_t cap, EVP_PKEY **out)
{
	uint8_t *p = buf;
	int n = i2d_PUBKEY(key, NULL);

	assert_true(n > 0 && (size_t)n <= cap);
	assert_int_equal(i2d_PUBKEY(key, &p), n);
	return mn_key_from_spki(buf, (size_t)n, out);
}

static void test_spki_limits(void **state)
{
	static const unsigned int ok_bits[] = {384, 2048};
	static const unsigned int bad_bits[] = {383, 2049, 3072};
	uint8_t buf[600];
	EVP_PKEY *key, *pub;
	size_t i;

	for (i = 0; i < sizeof(ok_bits) / sizeof(ok_bits[0]); i++) {
		key = rsa_pub_of_bits(ok_bits[i]);
		pub = NULL;
		assert_err(spki_of(key, buf, sizeof(buf), &pub), MN_OK);
		mn_key_free(pub);
		EVP_PKEY_free(key);
	}
	for (i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
		key = rsa_pub_of_bits(bad_bits[i]);
		pub = NULL;
		assert_err(spki_of(key, buf, sizeof(buf), &pub), MN_ERR_KEY);
		assert_null(pub);
		EVP_PKEY_free(key);
	}

	/* Not RSA */
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	assert_err(spki_of(key, buf, sizeof(buf), &pub), MN_ERR_KEY);
	EVP_PKEY_free(key);
}

/* --- signature --- */

static const char bu_a_hex[] =
	"3b2b050047f00001c000003c0100031020010db80002000030c36a683e5135520cbb30d2e2da6457c031"
	"2867ab6f9bf933c120010db8000100000030819f300d06092a864886f70d010101050003818d003081"
	"8902818100d5291aaa8089075b36e9c1646eea994e0235c040fb80310124da6dd55ab9eb6db6d5b216"
	"08f5d4bfa503fe3c0ee518d6ef949d1fd93520ccefb7de386848c2d7675428d92ebc04c36be63bdae8"
	"fcea6cdce093aaa54439b198b48ea6147c113104a169aaf386986961aad43fd351b2fd9bb000eda6cb"
	"0b5a2c7fa332517389270203010001"
	"0d8081cc550f65ebe2e5d866a6a2751e63226be285c4fa5df52bee6036aa99db7d90baaf58a1b1e710"
	"d478a1ea1bc8b50a38b611c03aa0a2bc54d26e5aa8fe48414f28d04df95349f1086516caf4a45f522a"
	"4d66aa5e7778c3a54ff8612da729ac1dcba917a7ef5b9fdf8245026f9a642c5c3b5489e2454d9a2549"
	"14ddc7cc45894500";

#define COA "2001:db8:2:0:30c3:6a68:3e51:3552"
#define HOA "2001:db8:1:0:3464:528c:c33e:cf2f"
#define DAR "2001:db8:1::1"

static void test_sig_vector(void **state)
{
	uint8_t mh[400];
	struct in6_addr coa, dar, hoa;
	EVP_PKEY *pub = NULL;
	size_t len;

	len = hex2bin(bu_a_hex, mh, sizeof(mh));
	assert_int_equal(len, 352);
	addr_of(COA, &coa);
	addr_of(DAR, &dar);
	addr_of(HOA, &hoa);

	/* CGA Parameters option @32 (data @34, 187 bytes), Signature @221 */
	assert_int_equal(mh[32], 12);
	assert_int_equal(mh[33], 187);
	assert_int_equal(mh[221], 0x0d);
	assert_int_equal(mh[222], 0x80);
	assert_err(cga_verify(&hoa, mh + 34, 187), MN_OK);

	assert_err(mn_key_from_spki(mh + 34 + CGA_FIXED_LEN, 162, &pub), MN_OK);
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, 221, mh + 223, 128), MN_OK);

	/* The checksum is not signed ... */
	mh[4] ^= 0xff;
	mh[5] ^= 0x55;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, 221, mh + 223, 128), MN_OK);
	/* ... everything else up to the Signature is. */
	mh[100] ^= 0x01;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, 221, mh + 223, 128), MN_ERR_SIGNATURE);
	mh[100] ^= 0x01;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, 220, mh + 223, 128), MN_ERR_SIGNATURE);
	assert_err(mn_sig_verify(pub, &dar, &coa, mh, 221, mh + 223, 128), MN_ERR_SIGNATURE);
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, 221, mh + 223, 127), MN_ERR_SIGNATURE);
	mh[300] ^= 0x80;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, 221, mh + 223, 128), MN_ERR_SIGNATURE);
	mn_key_free(pub);
}

static void sig_roundtrip(EVP_PKEY *key, EVP_PKEY *other)
{
	uint8_t mh[200], sig[MN_SIG_MAX + 1];
	size_t sig_len = sizeof(sig), i;
	struct in6_addr coa, dar;
	uint8_t *der = NULL;
	size_t der_len = 0;
	EVP_PKEY *pub = NULL;

	for (i = 0; i < sizeof(mh); i++)
		mh[i] = (uint8_t)(i * 7 + 3);
	addr_of(COA, &coa);
	addr_of(DAR, &dar);

	assert_err(mn_sig_sign(key, &coa, &dar, mh, sizeof(mh), sig, &sig_len), MN_OK);
	assert_int_equal(sig_len, mn_key_bytes(key));

	/* Verify with the public key as a peer would get it. */
	assert_err(mn_key_spki(key, &der, &der_len), MN_OK);
	assert_err(mn_key_from_spki(der, der_len, &pub), MN_OK);
	free(der);
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_OK);

	/* Independent of the checksum bytes */
	mh[4] = 0xde;
	mh[5] = 0xad;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_OK);
	/* A flipped MH byte, other addresses, another key */
	mh[6] ^= 1;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_ERR_SIGNATURE);
	mh[6] ^= 1;
	mh[sizeof(mh) - 1] ^= 0x40;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_ERR_SIGNATURE);
	mh[sizeof(mh) - 1] ^= 0x40;
	coa.s6_addr[15] ^= 1;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_ERR_SIGNATURE);
	coa.s6_addr[15] ^= 1;
	dar.s6_addr[0] ^= 0x80;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_ERR_SIGNATURE);
	dar.s6_addr[0] ^= 0x80;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_OK);
	if (mn_key_bytes(other) == sig_len)
		assert_err(mn_sig_verify(other, &coa, &dar, mh, sizeof(mh), sig, sig_len),
			   MN_ERR_SIGNATURE);
	sig[10] ^= 4;
	assert_err(mn_sig_verify(pub, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_ERR_SIGNATURE);
	mn_key_free(pub);

	/* Capacity and argument checks */
	sig_len = mn_key_bytes(key) - 1;
	assert_err(mn_sig_sign(key, &coa, &dar, mh, sizeof(mh), sig, &sig_len), MN_ERR_NOSPACE);
	sig_len = sizeof(sig);
	assert_err(mn_sig_sign(key, &coa, &dar, mh, 5, sig, &sig_len), MN_ERR_INVAL);
	assert_err(mn_sig_sign(key, &coa, &dar, mh, 2049, sig, &sig_len), MN_ERR_INVAL);
}

static void test_sig_roundtrip(void **state)
{
	struct keys *k = *state;

	sig_roundtrip(k->k1024, k->k1024b);
	sig_roundtrip(k->k2040, k->k1024);
}

/* A full-size MH (2048 bytes) is signed whole. */
static void test_sig_max_mh(void **state)
{
	struct keys *k = *state;
	static uint8_t mh[2048];
	uint8_t sig[MN_SIG_MAX];
	size_t sig_len = sizeof(sig);
	struct in6_addr coa, dar;

	memset(mh, 0xa5, sizeof(mh));
	addr_of(COA, &coa);
	addr_of(DAR, &dar);
	assert_err(mn_sig_sign(k->k2040, &coa, &dar, mh, sizeof(mh), sig, &sig_len), MN_OK);
	assert_int_equal(sig_len, 255);
	assert_err(mn_sig_verify(k->k2040, &coa, &dar, mh, sizeof(mh), sig, sig_len), MN_OK);
	mh[2047] ^= 1;
	assert_err(mn_sig_verify(k->k2040, &coa, &dar, mh, sizeof(mh), sig, sig_len),
		   MN_ERR_SIGNATURE);
}

/* --- PHKT --- */

static void phkt_roundtrip(EVP_PKEY *key, EVP_PKEY *wrong)
{
	uint8_t tok[MN_PHKT_LEN], out[MN_PHKT_LEN], ct[300];
	size_t ct_len = sizeof(ct), n;
	uint8_t *der = NULL;
	size_t der_len = 0;
	EVP_PKEY *pub = NULL;

	assert_err(mn_phkt_generate(tok), MN_OK);
	assert_err(mn_key_spki(key, &der, &der_len), MN_OK);
	assert_err(mn_key_from_spki(der, der_len, &pub), MN_OK);
	free(der);

	assert_err(mn_phkt_encrypt(pub, tok, ct, &ct_len), MN_OK);
	assert_int_equal(ct_len, mn_key_bytes(key));
	memset(out, 0, sizeof(out));
	assert_err(mn_phkt_decrypt(key, ct, ct_len, out), MN_OK);
	assert_memory_equal(out, tok, MN_PHKT_LEN);

	/* The public half cannot decrypt, nor can another key. */
	assert_err(mn_phkt_decrypt(pub, ct, ct_len, out), MN_ERR_DECRYPT);
	assert_err(mn_phkt_decrypt(wrong, ct, ct_len, out), MN_ERR_DECRYPT);
	/* Truncated, extended, flipped */
	assert_err(mn_phkt_decrypt(key, ct, ct_len - 1, out), MN_ERR_DECRYPT);
	assert_err(mn_phkt_decrypt(key, ct, ct_len + 1, out), MN_ERR_DECRYPT);
	assert_err(mn_phkt_decrypt(key, ct, 0, out), MN_ERR_DECRYPT);
	assert_err(mn_phkt_decrypt(key, NULL, ct_len, out), MN_ERR_DECRYPT);
	ct[ct_len / 2] ^= 0x01;
	assert_err(mn_phkt_decrypt(key, ct, ct_len, out), MN_ERR_DECRYPT);
	ct[ct_len / 2] ^= 0x01;
	assert_err(mn_phkt_decrypt(key, ct, ct_len, out), MN_OK);

	/* Too small an output buffer */
	n = mn_key_bytes(key) - 1;
	assert_err(mn_phkt_encrypt(pub, tok, ct, &n), MN_ERR_NOSPACE);
	mn_key_free(pub);
}

static void test_phkt_roundtrip(void **state)
{
	struct keys *k = *state;
	uint8_t a[MN_PHKT_LEN], b[MN_PHKT_LEN];

	phkt_roundtrip(k->k1024, k->k1024b);
	phkt_roundtrip(k->k2040, k->k1024);
	assert_err(mn_phkt_generate(a), MN_OK);
	assert_err(mn_phkt_generate(b), MN_OK);
	assert_memory_not_equal(a, b, MN_PHKT_LEN);
}

/* A valid PKCS#1 v1.5 ciphertext of a plaintext that is not 8 bytes. */
static void test_phkt_wrong_length(void **state)
{
	struct keys *k = *state;
	static const uint8_t seven[7] = {1, 2, 3, 4, 5, 6, 7};
	static const uint8_t nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	const uint8_t *pt[] = {seven, nine};
	const size_t pt_len[] = {sizeof(seven), sizeof(nine)};
	uint8_t ct[128], out[MN_PHKT_LEN];
	size_t i, n;

	for (i = 0; i < 2; i++) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->k1024, NULL);

		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
		n = sizeof(ct);
		assert_int_equal(EVP_PKEY_encrypt(ctx, ct, &n, pt[i], pt_len[i]), 1);
		EVP_PKEY_CTX_free(ctx);
		assert_int_equal(n, 128);
		assert_err(mn_phkt_decrypt(k->k1024, ct, n, out), MN_ERR_DECRYPT);
	}
}

/* --- Kbm and BAD --- */

static void check_hex(const uint8_t *got, const char *want_hex)
{
	uint8_t want[64];
	size_t n = hex2bin(want_hex, want, sizeof(want));

	assert_memory_equal(got, want, n);
}

static void test_kbm(void **state)
{
	uint8_t kbm[MN_KBM_LEN];

	mn_kbm(phkt, NULL, MN_KBM_EARLY, kbm);
	check_hex(kbm, "3728f3efc260dcc9ae1f2752985890c8f4485720");
	mn_kbm(phkt, cokt, MN_KBM_COMPLETE, kbm);
	check_hex(kbm, "cedf8515311913c2601bc6aa86a92ddf2601d97e");
	mn_kbm(phkt, NULL, MN_KBM_DEREG, kbm);
	check_hex(kbm, "dd5783bcf1e9002bc00ad5b83a95ed6e4ebb4ad5");
	/* cokt is ignored unless the kind is "complete" */
	mn_kbm(phkt, cokt, MN_KBM_EARLY, kbm);
	check_hex(kbm, "3728f3efc260dcc9ae1f2752985890c8f4485720");
}

static void test_sha1(void **state)
{
	uint8_t h[20];

	mn_sha1("abc", 3, NULL, 0, h);
	check_hex(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	mn_sha1("a", 1, "bc", 2, h);
	check_hex(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	mn_sha1(NULL, 0, NULL, 0, h);
	check_hex(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_tag(void **state)
{
	check_hex(mn_rfc4866_tag, "5f2705868d6c4c56a2469ebb9b2a2e13");
}

struct bad_case {
	enum mn_kbm_kind kind;
	const char *mh;   /* full MH, or the MH up to the authenticator */
	const char *auth; /* appended when mh stops at the authenticator */
	size_t auth_off;
	const char *coa;
};

static const struct bad_case bad_cases[] = {
	/* §3.9 (b): token BUs without the Alternate CoA */
	{MN_KBM_EARLY, "3b03050000000002c000003c040400000000050c", "03241dba4fd907dec268ad36", 20,
	 COA},
	{MN_KBM_COMPLETE, "3b03050000000003c000003c040400000007050c", "226ce7f4f2629028ceae495c",
	 20, COA},
	{MN_KBM_DEREG, "3b03050000000004c0000000040400000000050c", "422b49813ad26b0988a1ba47", 20,
	 COA},
	/* §3.9 (c): profile (d) BUs, with checksums in place */
	{MN_KBM_EARLY,
	 "3b060500a0be0002c000003c0100031020010db80002000030c36a683e51355204040000000001020000"
	 "050cc30b05e91fd8c6ba51c79d6d",
	 NULL, 44, COA},
	{MN_KBM_COMPLETE,
	 "3b06050012ae0003c000003c0100031020010db80002000030c36a683e51355204040000000701020000"
	 "050c2ecf37152b1a4ec82d651f99",
	 NULL, 44, COA},
	{MN_KBM_DEREG,
	 "3b060500f9c40004c00000000100031020010db80002000030c36a683e51355204040000000001020000"
	 "050cb41e48668a06694cdd4278d5",
	 NULL, 44, COA},
	/* §3.9 (c): the BA to the early BU */
	{MN_KBM_EARLY, "3b030600dfa100000002003c010400000000050c8b9d7f8c1a1660b280205d7e", NULL, 20,
	 COA},
	/* §1.6 arithmetic check */
	{MN_KBM_DEREG, "3b03050000000001c000003c010400000000050c", "1eefeb6a64684b068eefe36c", 20,
	 "2001:db8:2::5"},
};

static void test_bad_vectors(void **state)
{
	uint8_t mh[128], kbm[MN_KBM_LEN], auth[12];
	struct in6_addr coa, dar;
	size_t i, len, bit;

	addr_of(DAR, &dar);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		len = hex2bin(c->mh, mh, sizeof(mh));
		if (c->auth)
			len += hex2bin(c->auth, mh + len, sizeof(mh) - len);
		assert_int_equal(len, c->auth_off + 12);
		addr_of(c->coa, &coa);
		mn_kbm(phkt, cokt, c->kind, kbm);

		assert_err(mn_bad_compute(kbm, &coa, &dar, mh, c->auth_off, auth), MN_OK);
		assert_memory_equal(auth, mh + c->auth_off, 12);
		assert_err(mn_bad_verify(kbm, &coa, &dar, mh, c->auth_off), MN_OK);

		/* The checksum is not covered; every other bit is. */
		mh[4] ^= 0x12;
		mh[5] ^= 0x34;
		assert_err(mn_bad_verify(kbm, &coa, &dar, mh, c->auth_off), MN_OK);
		for (bit = 0; bit < 8 * len; bit += 7) {
			if (bit / 8 == 4 || bit / 8 == 5)
				continue;
			mh[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			assert_err(mn_bad_verify(kbm, &coa, &dar, mh, c->auth_off), MN_ERR_AUTH);
			mh[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		coa.s6_addr[3] ^= 1;
		assert_err(mn_bad_verify(kbm, &coa, &dar, mh, c->auth_off), MN_ERR_AUTH);
		coa.s6_addr[3] ^= 1;
		kbm[19] ^= 1;
		assert_err(mn_bad_verify(kbm, &coa, &dar, mh, c->auth_off), MN_ERR_AUTH);
	}
	assert_err(mn_bad_compute(kbm, &coa, &dar, mh, 5, auth), MN_ERR_INVAL);
	assert_err(mn_bad_compute(kbm, &coa, &dar, mh, 2037, auth), MN_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_sizes),
		cmocka_unit_test(test_spki_roundtrip),
		cmocka_unit_test(test_spki_limits),
		cmocka_unit_test(test_sig_vector),
		cmocka_unit_test(test_sig_roundtrip),
		cmocka_unit_test(test_sig_max_mh),
		cmocka_unit_test(test_phkt_roundtrip),
		cmocka_unit_test(test_phkt_wrong_length),
		cmocka_unit_test(test_kbm),
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_bad_vectors),
	};

	return cmocka_run_group_tests_name("crypto", tests, group_setup, group_teardown);
}
